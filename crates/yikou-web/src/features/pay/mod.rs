//! 发放 (一口发放): batches by method, bank files and their results, re-issue, progress; pages and API.

mod api;
mod pages;
mod sheets;

use crate::routes::Routes;

pub fn routes(r: Routes) -> Routes {
    r.get("/payments", pages::payments)
        .post("/payments/batches", pages::create)
        .get("/payments/batches/{id}", pages::batch)
        .get("/payments/batches/{id}/bank-file.csv", pages::bank_file)
        .get("/payments/batches/{id}/bank-file.xlsx", pages::bank_file)
        .upload("/payments/batches/{id}/results", pages::results)
        .post("/payments/batches/{id}/reissue", pages::reissue)
        .get("/payments/batches/{id}/sheet", sheets::sheet)
        .get("/payments/batches/{id}/signoff", sheets::signoff_form)
        .post("/payments/batches/{id}/signoff", sheets::signoff)
        .post("/api/v1/payments/batches", api::create_batch)
        .get("/api/v1/payments/batches", api::batches)
        .get("/api/v1/payments/batches/{id}", api::batch)
        .get("/api/v1/payments/batches/{id}/bank-file.csv", api::bank_file_csv)
        .get("/api/v1/payments/batches/{id}/bank-file.xlsx", api::bank_file_xlsx)
        .upload("/api/v1/payments/batches/{id}/results", api::results)
        .post("/api/v1/payments/batches/{id}/reissue", api::reissue)
        .post("/api/v1/payments/batches/{id}/signoff", api::signoff)
        .get("/api/v1/payments/progress", api::progress)
}
