//! 市级交换 (R14) over the API: the campaign's register and entitlements for the municipal system
//! — the Excel layout (one workbook) or the exchange layout (its three CSV files in a zip) — and a
//! municipal roster loaded as the base register. Full ID numbers: the whole district only, audited
//! by the use case (docs/EXCHANGE.md describes both layouts).

use std::io::Write;

use axum::extract::{Multipart, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use yikou_domain::exchange::Exchange;
use yikou_service::exchange::{self, BaseOutcome};

use crate::csv::attachment;
use crate::features::imports::receive;
use crate::session::*;
use crate::{ApiError, ApiResult, AppError, AppState};

/// `?campaign=YEAR`: the campaign meant (the latest without).
#[derive(Deserialize, Default)]
pub struct ExportParams {
    campaign: Option<i32>,
}

/// The campaign (`?campaign=YEAR`, the latest without) with the bytes of its file, written on a
/// blocking thread.
async fn exported(
    state: &AppState,
    u: &yikou_store::accounts::users::User,
    year: Option<i32>,
    write: fn(&Exchange) -> std::io::Result<Vec<u8>>,
) -> Result<(i32, Vec<u8>), ApiError> {
    let (campaign, ex) = exchange::export(&state.store, &u.actor(), year).await?;
    let bytes = tokio::task::spawn_blocking(move || write(&ex))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(format!("writing the exchange file: {e}")))?;
    Ok((campaign.campaign.year, bytes))
}

fn download(kind: &str, name: String, fallback: String, bytes: Vec<u8>) -> Response {
    ([(CONTENT_TYPE, kind.to_string()), (CONTENT_DISPOSITION, attachment(&name, &fallback))], bytes).into_response()
}

/// `GET /api/v1/exchange/export.xlsx`: the Excel layout (sheets 人员, 项目, 帮扶记录).
pub async fn export_xlsx(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Query(p): Query<ExportParams>,
) -> ApiResult<Response> {
    let (year, bytes) =
        exported(&state, &u, p.campaign, |ex| yikou_ingest::municipal::exchange_workbook(ex, Vec::new())).await?;
    Ok(download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("交换数据_{year}.xlsx"),
        format!("exchange_{year}.xlsx"),
        bytes,
    ))
}

/// `GET /api/v1/exchange/export.zip`: the exchange layout, people.csv, projects.csv and
/// entitlements.csv in one zip.
pub async fn export_zip(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Query(p): Query<ExportParams>,
) -> ApiResult<Response> {
    let (year, bytes) = exported(&state, &u, p.campaign, zip_of_csv).await?;
    Ok(download("application/zip", format!("交换数据_{year}.zip"), format!("exchange_{year}.zip"), bytes))
}

fn zip_of_csv(ex: &Exchange) -> std::io::Result<Vec<u8>> {
    use yikou_ingest::municipal::{entitlements_csv, people_csv, projects_csv};
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let files: [(&str, fn(&Exchange, &mut Vec<u8>) -> std::io::Result<()>); 3] = [
        ("people.csv", |ex, w| people_csv(ex, w)),
        ("projects.csv", |ex, w| projects_csv(ex, w)),
        ("entitlements.csv", |ex, w| entitlements_csv(ex, w)),
    ];
    for (name, write) in files {
        let mut text = Vec::new();
        write(ex, &mut text)?;
        zip.start_file(name, options).map_err(std::io::Error::other)?;
        zip.write_all(&text)?;
    }
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}

/// `POST /api/v1/exchange/base-register?campaign=YEAR` (multipart `file`): a municipal roster as
/// the base register of that campaign (the latest without). 200 with what it did; 422 `rows_rejected` with every malformed row (nothing loaded).
pub async fn base_register(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Query(p): Query<ExportParams>,
    mut form: Multipart,
) -> ApiResult<Response> {
    // Refused before the file is taken in.
    exchange::may_load(&u.actor())?;
    let got = receive(&state, &mut form).await?;
    let Some((name, path)) = got.file.clone() else {
        return Err(AppError::BadRequest("请上传名单文件（表单字段 file）".into()).into());
    };
    // One of the places uploads are checked in (bounds the memory rosters take together).
    let permit = match state.checks.enter().await {
        Ok(p) => p,
        Err(e) => {
            got.discard();
            return Err(e.into());
        }
    };
    let outcome = exchange::load_base(&state.store, &u.actor(), &path, &name, p.campaign).await;
    drop(permit);
    got.discard();
    match outcome? {
        BaseOutcome::Loaded(report) => {
            Ok(Json(json!({ "file": name, "loaded": true, "report": report })).into_response())
        }
        BaseOutcome::Refused { rows_with_issues, issues } => Err(ApiError::said_as(
            StatusCode::UNPROCESSABLE_ENTITY,
            "rows_rejected",
            if rows_with_issues > issues.len() {
                format!(
                    "名单有 {rows_with_issues} 行有错误（列出前 {} 处），未载入任何数据：请改正后重新上传",
                    issues.len()
                )
            } else {
                format!("名单有 {rows_with_issues} 行有错误，未载入任何数据：请改正后重新上传")
            },
        )
        .with("rows_with_issues", json!(rows_with_issues))
        .with("issues", json!(issues))),
    }
}
