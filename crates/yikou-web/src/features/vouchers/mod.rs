//! 慈善超市卡券 over the API (issue 17, point 5 so far): the vouchers of the caller's area by state,
//! and a redemption — 200 the first time, 409 with the reason in Chinese every later time.

mod api;

use crate::routes::Routes;

pub fn routes(r: Routes) -> Routes {
    r.get("/api/v1/vouchers", api::list).post("/api/v1/vouchers/{code}/redeem", api::redeem)
}
