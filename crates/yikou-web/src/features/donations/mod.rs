//! 社会捐赠 (issue 17, point 4): the donations the user's unit received, the form that records one,
//! allocation to projects (money as 社会募集, goods into gift packs) with what is left shown, the
//! export and the API.

mod api;
mod pages;

use crate::routes::Routes;

pub fn routes(r: Routes) -> Routes {
    r.get("/donations", pages::list)
        .post("/donations", pages::record)
        .post("/donations/{id}/allocate", pages::allocate)
        .get("/donations/export.xlsx", pages::export)
        .get("/donations/export.csv", pages::export)
        .get("/api/v1/donations", api::list)
        .post("/api/v1/donations", api::record)
        .post("/api/v1/donations/{id}/allocations", api::allocate)
}
