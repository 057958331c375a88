//! 帮困对象 (the register): list, one person, the audited reveal, contact corrections, export, API.

mod api;
mod bank;
mod exchange;
mod exports;
mod pages;
mod person;

use crate::routes::Routes;

pub fn routes(r: Routes) -> Routes {
    r.get("/people", pages::people)
        .get("/people/export.csv", exports::people)
        .get("/people/export.xlsx", exports::people)
        .get("/people/{id}", person::person)
        .post("/people/{id}/reveal", person::reveal)
        .get("/people/{id}/contact", person::contact_form)
        .post("/people/{id}/contact", person::contact_save)
        .get("/people/{id}/bank", bank::bank_form)
        .post("/people/{id}/bank", bank::bank_save)
        .get("/api/v1/people", api::people)
        .get("/api/v1/people/{id}", api::person)
        .get("/api/v1/people/{id}/timeline", api::timeline)
        .get("/api/v1/exchange/export.xlsx", exchange::export_xlsx)
        .get("/api/v1/exchange/export.zip", exchange::export_zip)
        .upload("/api/v1/exchange/base-register", exchange::base_register)
}
