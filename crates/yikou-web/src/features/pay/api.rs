//! 发放 API (the contract of issue 14): batches, bank files, result files, re-issue, progress.
//! Refusals answer `{"error": "中文说明", "code": …}`.

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use yikou_domain::pay::PayMethod;
use yikou_service::pay::{self as use_case, FileFormat};
use yikou_store::pay::BatchFilter;

use crate::session::*;
use crate::{ApiError, ApiResult, AppState};

#[derive(Deserialize)]
pub struct NewBatch {
    method: String,
    #[serde(default)]
    projects: Vec<i64>,
    street: Option<String>,
    committee: Option<String>,
    /// 卡券 batches: the voucher batch whose vouchers are handed out.
    voucher_batch: Option<i64>,
}

pub async fn create_batch(State(state): State<AppState>, ApiUser(u): ApiUser, Json(b): Json<NewBatch>) -> ApiResult {
    let method = PayMethod::from_code(&b.method).ok_or_else(|| {
        ApiError::said_as(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_method",
            "method 须为 bank、card、cash、voucher、goods 或 service 之一",
        )
    })?;
    let filter =
        BatchFilter { projects: b.projects, street: b.street, committee: b.committee, voucher_batch: b.voucher_batch };
    match use_case::create_batch(&state.store, &u.actor(), method, &filter).await {
        Ok(m) => Ok(Json(use_case::made_json(&m))),
        Err(e) => Err(ApiError::said(e)),
    }
}

pub async fn batches(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult {
    let list = use_case::batches(&state.store, &u.actor()).await.map_err(ApiError::said)?;
    Ok(Json(json!({ "items": list })))
}

pub async fn batch(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>) -> ApiResult {
    let (b, lines) = use_case::batch(&state.store, &u.actor(), id).await.map_err(ApiError::said)?;
    Ok(Json(json!({ "batch": b, "reconciled": b.reconciled(), "lines": lines })))
}

async fn bank_file(
    state: &AppState,
    u: &yikou_store::accounts::users::User,
    id: i64,
    f: FileFormat,
) -> Result<Response, ApiError> {
    let (b, bytes, name) = use_case::bank_file(&state.store, &u.actor(), id, f).await.map_err(ApiError::said)?;
    Ok(super::pages::bank_file_response(&b.batch_no, f, bytes, &name))
}

pub async fn bank_file_csv(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    bank_file(&state, &u, id, FileFormat::Csv).await
}

pub async fn bank_file_xlsx(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    bank_file(&state, &u, id, FileFormat::Xlsx).await
}

/// A result file (multipart field `file`) recorded against the batch: the counts of the contract.
pub async fn results(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    mut form: Multipart,
) -> ApiResult {
    if !u.role.may_pay() {
        return Err(ApiError::said(crate::AppError::Forbidden));
    }
    let got = crate::features::imports::receive(&state, &mut form).await.map_err(ApiError::said)?;
    let Some((_, path)) = got.file.clone() else {
        return Err(ApiError::said_as(
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_file",
            "请在 file 字段上传银行返回的结果文件",
        ));
    };
    let out = use_case::record_results(&state.store, &u.actor(), id, &path).await;
    got.discard();
    match out {
        Ok(c) => Ok(Json(serde_json::to_value(&c).unwrap_or_default())),
        Err(e) => Err(ApiError::said(e)),
    }
}

pub async fn reissue(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>) -> ApiResult {
    match use_case::reissue(&state.store, &u.actor(), id).await {
        Ok(m) => Ok(Json(use_case::made_json(&m))),
        Err(e) => Err(ApiError::said(e)),
    }
}

pub async fn progress(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult {
    let p = use_case::progress(&state.store, &u.actor()).await.map_err(ApiError::said)?;
    Ok(Json(use_case::progress_json(&p)))
}

#[derive(Deserialize)]
pub struct Exception {
    line: i64,
    reason: String,
}

#[derive(Deserialize)]
pub struct Signoff {
    committee: Option<String>,
    #[serde(default)]
    exceptions: Vec<Exception>,
}

/// A signed sheet recorded: every line of the caller's area (of one committee, when named) signed
/// but the exceptions. The counts as for a result file.
pub async fn signoff(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<Signoff>,
) -> ApiResult {
    let exceptions: Vec<yikou_store::pay::Unsigned> =
        b.exceptions.into_iter().map(|e| yikou_store::pay::Unsigned { line_no: e.line, reason: e.reason }).collect();
    match use_case::record_signoff(&state.store, &u.actor(), id, b.committee.as_deref(), &exceptions).await {
        Ok(c) => Ok(Json(serde_json::to_value(&c).unwrap_or_default())),
        Err(e) => Err(ApiError::said(e)),
    }
}
