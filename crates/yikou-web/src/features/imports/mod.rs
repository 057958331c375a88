//! 名单导入: upload, check, error workbook, commit, batches and undo, the template; pages and API.

mod api;
mod pages;

pub(crate) use pages::receive;

use crate::routes::Routes;

pub fn routes(r: Routes) -> Routes {
    r.get("/imports", pages::imports)
        .get("/imports/template.xlsx", pages::template)
        .upload("/imports/upload", pages::upload)
        .get("/imports/{id}", pages::pending)
        .get("/imports/{id}/errors.xlsx", pages::error_workbook)
        .post("/imports/{id}/commit", pages::commit)
        .get("/imports/batches/{batch}/undo", pages::undo_confirm)
        .post("/imports/batches/{batch}/undo", pages::undo)
        .upload("/api/v1/imports", api::import_upload)
        .post("/api/v1/imports/{upload}/commit", api::import_commit)
        .get("/api/v1/imports/batches", api::import_batches)
        .post("/api/v1/imports/batches/{batch}/undo", api::import_undo)
}
