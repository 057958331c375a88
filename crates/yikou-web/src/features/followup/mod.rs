//! 随机电话回访: samples, calls, cases and results; pages and API.

mod api;
mod exports;
mod form;
mod pages;
mod report;

use crate::routes::Routes;

pub fn routes(r: Routes) -> Routes {
    r.get("/followup", pages::samples)
        .post("/followup", pages::create)
        .get("/followup/cases", pages::cases)
        .get("/followup/{id}", pages::sample)
        .get("/followup/{id}/report", report::report)
        .get("/followup/{id}/results.xlsx", exports::results)
        .get("/followup/{id}/results.csv", exports::results)
        .get("/followup/{id}/call/{entitlement}", pages::call_form)
        .post("/followup/{id}/call/{entitlement}", pages::call)
        .post("/followup/{id}/call/{entitlement}/dial", pages::dial)
        .post("/followup/{id}/cases/{case}/resolve", pages::resolve)
        .post("/followup/{id}/cases/{case}/assign", pages::assign)
        .post("/followup/{id}/close", pages::close)
        .post("/api/v1/samples", api::create)
        .post("/api/v1/samples/{id}/calls", api::call)
        .get("/api/v1/samples/{id}/results", api::results)
        .post("/api/v1/samples/{id}/close", api::close)
}
