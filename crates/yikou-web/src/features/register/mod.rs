//! 帮困对象 (the register): list, one person, the audited reveal, export, API.

mod api;
mod exports;
mod pages;

use crate::routes::Routes;

pub fn routes(r: Routes) -> Routes {
    r.get("/people", pages::people)
        .get("/people/export.csv", exports::people)
        .get("/people/export.xlsx", exports::people)
        .get("/people/{id}", pages::person)
        .post("/people/{id}/reveal", pages::reveal)
        .get("/api/v1/people", api::people)
        .get("/api/v1/people/{id}", api::person)
}
