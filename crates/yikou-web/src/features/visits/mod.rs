//! 走访慰问 (issue 17, point 1): the visits of the user's area with their follow-up actions, the form
//! that records one (reached from a person's page), the export, and the API.

mod api;
mod pages;

use crate::routes::Routes;

pub fn routes(r: Routes) -> Routes {
    r.get("/visits", pages::list)
        .get("/visits/export.xlsx", pages::export)
        .get("/visits/export.csv", pages::export)
        .get("/visits/new", pages::new)
        .post("/visits", pages::record)
        .post("/visits/actions/{id}/done", pages::done)
        .post("/visits/coverage", pages::set_coverage)
        .get("/api/v1/visits", api::list)
        .post("/api/v1/visits", api::record)
        .post("/api/v1/visits/actions/{id}/done", api::done)
}
