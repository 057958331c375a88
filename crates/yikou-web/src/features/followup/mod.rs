//! 随机电话回访: samples, calls, cases and results; API (pages follow).

mod api;

use crate::routes::Routes;

pub fn routes(r: Routes) -> Routes {
    r.post("/api/v1/samples", api::create)
        .post("/api/v1/samples/{id}/calls", api::call)
        .get("/api/v1/samples/{id}/results", api::results)
        .post("/api/v1/samples/{id}/close", api::close)
}
