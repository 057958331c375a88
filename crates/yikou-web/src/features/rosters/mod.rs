//! 名单审核 (rosters): a unit submits its roster of a project, a reviewer approves or returns it;
//! the project page shows each roster's state, the buttons the user may press and the history.

mod api;
mod pages;
pub(crate) mod section;

use crate::routes::Routes;

pub fn routes(r: Routes) -> Routes {
    r.post("/projects/{id}/submit", pages::submit)
        .post("/projects/{id}/review", pages::review)
        .post("/api/v1/projects/{id}/submit", api::submit)
        .post("/api/v1/projects/{id}/review", api::review)
}
