//! 审计日志: the page, export and API (the audit administrator alone).

mod api;
mod exports;
mod pages;

use crate::routes::Routes;

pub fn routes(r: Routes) -> Routes {
    r.get("/audit", pages::audit)
        .get("/audit/export.csv", exports::audit)
        .get("/audit/export.xlsx", exports::audit)
        .get("/api/v1/audit", api::audit)
}
