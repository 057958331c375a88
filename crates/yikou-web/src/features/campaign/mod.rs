//! The campaign (活动): home page, projects and their rosters, the schedule, the units and their
//! contacts, exports and API.

mod api;
mod exports;
mod pages;
mod print;
mod units;

pub(crate) use pages::render_project;

use crate::routes::Routes;

pub fn routes(r: Routes) -> Routes {
    r.get("/", pages::home)
        .get("/projects", pages::projects)
        .get("/projects/export.csv", exports::projects)
        .get("/projects/export.xlsx", exports::projects)
        .get("/projects/{id}", pages::project)
        .get("/projects/{id}/export.csv", exports::roster)
        .get("/projects/{id}/print", print::roster)
        .get("/projects/{id}/export.xlsx", exports::roster)
        .get("/schedule", pages::schedule)
        .get("/units", units::units)
        .get("/units/export.csv", exports::units)
        .get("/units/export.xlsx", exports::units)
        .get("/units/{code}/edit", units::unit_edit)
        .post("/units/{code}/edit", units::unit_save)
        .get("/api/v1/campaign", api::campaign)
        .get("/api/v1/projects", api::projects)
        .get("/api/v1/projects/{id}", api::project)
        .get("/api/v1/units", api::units)
}
