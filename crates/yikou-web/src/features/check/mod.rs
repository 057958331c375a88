//! 比对核查: the findings of the current campaign, decisions, export and API.

mod api;
mod exports;
mod list;
mod pages;

use crate::routes::Routes;

pub fn routes(r: Routes) -> Routes {
    r.get("/check", pages::check)
        .get("/check/export.csv", exports::findings)
        .get("/check/export.xlsx", exports::findings)
        .post("/check/decide", pages::decide)
        .post("/check/withdraw", pages::withdraw)
        .get("/api/v1/check", api::check)
        .post("/api/v1/check/decisions", api::decide)
        .post("/api/v1/entitlements/{id}/withdraw", api::withdraw)
}
