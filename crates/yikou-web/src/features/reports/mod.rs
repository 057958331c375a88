//! 汇总报表: the campaign's figures with drill-down (unit group → unit → project → roster; street →
//! committee; by category and funding source), charts beside their tables, links to the lists behind
//! the figures; the public page of aggregate figures.

mod pages;
mod plan;
mod public;

use crate::routes::Routes;

pub fn routes(r: Routes) -> Routes {
    r.get("/reports", pages::summary)
        .get("/reports/plan", plan::page)
        .get("/reports/plan.xlsx", plan::workbook)
        .get("/public", public::page)
        .get("/api/v1/public/summary", public::api)
}
