//! 生活服务热线 (issue 17, point 3): the requests of the user's area with the intake form, each given
//! to a unit and closed there; open and overdue lists, time to close; the export and the API.

mod api;
mod pages;

use crate::routes::Routes;

pub fn routes(r: Routes) -> Routes {
    r.get("/hotline", pages::list)
        .post("/hotline", pages::take)
        .post("/hotline/{id}/assign", pages::assign)
        .post("/hotline/{id}/close", pages::close)
        .get("/hotline/export.xlsx", pages::export)
        .get("/hotline/export.csv", pages::export)
        .get("/api/v1/hotline", api::list)
        .post("/api/v1/hotline", api::take)
        .post("/api/v1/hotline/{id}/assign", api::assign)
        .post("/api/v1/hotline/{id}/close", api::close)
}

use yikou_store::hotline::RequestFilter;

/// The filter a query names (`unfinished`, `overdue`, `closed`; none or blank: all); a refusal in
/// Chinese for anything else.
pub(crate) fn filter_of(code: Option<&str>) -> Result<RequestFilter, crate::AppError> {
    match code.map(str::trim) {
        None | Some("") => Ok(RequestFilter::All),
        Some("unfinished") => Ok(RequestFilter::Unfinished),
        Some("overdue") => Ok(RequestFilter::Overdue),
        Some("closed") => Ok(RequestFilter::Closed),
        Some(other) => Err(crate::AppError::Rejected(format!(
            "state 应为 unfinished（未办结）、overdue（已超期）或 closed（已办结），实为“{other}”"
        ))),
    }
}
