//! 慈善超市卡券 (issue 17, point 5): the page (batches by state, the area's vouchers, a redemption by
//! code, a supermarket's redemption list, a new batch), and the API — the vouchers by state and a
//! redemption (200 the first time, 409 with the reason in Chinese every later time), a new batch,
//! a redemption list.

mod api;
mod pages;

use crate::routes::Routes;

pub fn routes(r: Routes) -> Routes {
    r.get("/vouchers", pages::list)
        .post("/vouchers/redeem", pages::redeem)
        .upload("/vouchers/redemptions", pages::upload)
        .post("/vouchers/batches", pages::create_batch)
        .get("/api/v1/vouchers", api::list)
        .post("/api/v1/vouchers/{code}/redeem", api::redeem)
        .post("/api/v1/vouchers/batches", api::create_batch)
        .upload("/api/v1/vouchers/redemptions", api::redemptions)
}
