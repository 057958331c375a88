//! 上门服务 over the API: `GET /api/v1/services/kinds`; `GET /api/v1/services/providers` (with totals);
//! `POST /api/v1/services/providers` `{name, kind, contract_from, contract_until, contract_fen}` → 201;
//! `POST /api/v1/services/providers/{id}/deliveries` (multipart `file`: the monthly list) → 200
//! `{"outcome": "recorded", rows, recorded, already}` or 422 `rows_rejected` with every problem.

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use yikou_domain::Fen;
use yikou_service::services::{self, ImportOutcome};

use crate::session::*;
use crate::{ApiError, ApiResult, AppError, AppState};

pub async fn kinds(State(state): State<AppState>, ApiUser(_u): ApiUser) -> ApiResult {
    Ok(Json(json!({ "items": services::kinds(&state.store).await? })))
}

pub async fn providers(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult {
    Ok(Json(json!({ "items": services::providers(&state.store, &u.actor()).await? })))
}

#[derive(Deserialize)]
pub struct ProviderBody {
    name: String,
    kind: String,
    #[serde(default)]
    contract_from: String,
    #[serde(default)]
    contract_until: String,
    contract_fen: Option<i64>,
}

pub async fn add_provider(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Json(b): Json<ProviderBody>,
) -> Result<Response, ApiError> {
    let p = super::provider_of(&b.name, &b.kind, &b.contract_from, &b.contract_until, b.contract_fen.map(Fen))
        .map_err(AppError::Rejected)?;
    let id = services::add_provider(&state.store, &u.actor(), &p).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

pub async fn upload(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    mut form: Multipart,
) -> ApiResult<Response> {
    if !u.role.may_manage_services() {
        return Err(AppError::Forbidden.into());
    }
    let got = crate::features::imports::receive(&state, &mut form).await?;
    let Some((name, path)) = got.file.clone() else {
        return Err(AppError::BadRequest("请上传服务明细文件（表单字段 file）".into()).into());
    };
    let outcome = services::import_deliveries(&state.store, &u.actor(), id, &path, &name).await;
    got.discard();
    match outcome? {
        o @ ImportOutcome::Recorded { .. } => Ok(Json(json!(o)).into_response()),
        ImportOutcome::Refused { rows_with_issues, issues, .. } => Err(ApiError::said_as(
            StatusCode::UNPROCESSABLE_ENTITY,
            "rows_rejected",
            format!("服务明细有 {rows_with_issues} 行有错误，未导入任何一行：请改正后重新上传"),
        )
        .with("rows_with_issues", json!(rows_with_issues))
        .with("issues", json!(issues))),
    }
}
