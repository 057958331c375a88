//! 汇总报表: the campaign's figures with drill-down (unit group → unit → project → roster; street →
//! committee; by category and funding source), charts beside their tables, links to the lists behind
//! the figures; the public page of aggregate figures.

mod care;
mod list;
mod pages;
mod plan;
mod public;
mod units;

use crate::routes::Routes;

pub fn routes(r: Routes) -> Routes {
    r.get("/reports", pages::summary)
        .get("/reports/list", list::page)
        .get("/reports/care", care::page)
        .get("/reports/care.xlsx", care::export)
        .get("/reports/care.csv", care::export)
        .get("/api/v1/reports/care", care::api)
        .get("/reports/list/export.xlsx", list::export)
        .get("/reports/list/export.csv", list::export)
        .get("/reports/plan", plan::page)
        .get("/reports/plan.xlsx", plan::workbook)
        .get("/reports/units", units::list)
        .post("/reports/units", units::file)
        .get("/reports/units.xlsx", units::export)
        .get("/reports/units.csv", units::export)
        .get("/reports/units/{code}", units::one)
        .get("/public", public::page)
        .get("/api/v1/public/summary", public::api)
}
