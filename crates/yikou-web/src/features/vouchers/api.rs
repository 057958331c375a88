//! `GET /api/v1/vouchers?state=issued|redeemed|expired` → `{"items": [{"code", "person", "value_fen",
//! "state", …}]}`; `POST /api/v1/vouchers/{code}/redeem` with `{"supermarket": "…"}` → 200 the first
//! time, 409 `{"error": "中文说明", …}` every later time (also when two arrive at once).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use yikou_domain::voucher::VoucherState;
use yikou_service::vouchers;

use crate::session::*;
use crate::{ApiError, ApiResult, AppError, AppState};

#[derive(Deserialize, Default)]
pub struct ListParams {
    state: Option<String>,
    limit: Option<i64>,
}

pub async fn list(State(state): State<AppState>, ApiUser(u): ApiUser, Query(p): Query<ListParams>) -> ApiResult {
    let wanted = match p.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(code) => Some(VoucherState::from_code(code).ok_or_else(|| {
            AppError::Rejected(format!("state 应为 unissued、issued、redeemed 或 expired，实为“{code}”"))
        })?),
    };
    let items = vouchers::list(&state.store, &u.actor(), wanted, p.limit.unwrap_or(1_000)).await?;
    Ok(Json(json!({ "items": items })))
}

#[derive(Deserialize)]
pub struct RedeemBody {
    supermarket: String,
}

pub async fn redeem(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(code): Path<String>,
    Json(body): Json<RedeemBody>,
) -> ApiResult {
    match vouchers::redeem(&state.store, &u.actor(), &code, &body.supermarket).await {
        Ok(r) => Ok(Json(json!({ "code": r.code, "person": r.person, "supermarket": r.supermarket,
                                 "redeemed_at": r.redeemed_at, "state": "redeemed" }))),
        Err(yikou_service::ServiceError::Conflict(m)) => {
            Err(ApiError::said_as(StatusCode::CONFLICT, "not_redeemable", m))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct BatchBody {
    name: String,
    face_value_fen: i64,
    valid_from: String,
    valid_until: String,
    supermarket: String,
    count: u32,
    #[serde(default = "default_prefix")]
    prefix: String,
}

fn default_prefix() -> String {
    "LY".into()
}

/// `POST /api/v1/vouchers/batches` → 201 `{"id", "count", "first", "last"}` (the bureau).
pub async fn create_batch(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Json(b): Json<BatchBody>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let batch = yikou_domain::voucher::VoucherBatch {
        name: b.name,
        face_value: yikou_domain::Fen(b.face_value_fen),
        valid_from: crate::error::api_date("valid_from", &b.valid_from)?,
        valid_until: crate::error::api_date("valid_until", &b.valid_until)?,
        supermarket: b.supermarket,
        count: b.count,
        prefix: b.prefix,
    };
    let (id, codes) = vouchers::create_batch(&state.store, &u.actor(), &batch).await?;
    let body = json!({ "id": id, "count": codes.len(), "first": codes.first(), "last": codes.last() });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `POST /api/v1/vouchers/redemptions` (multipart `file`, optional `supermarket`): a supermarket's
/// redemption list → 200 `{"outcome": "recorded", rows, redeemed, already}` or 422 `rows_rejected`.
pub async fn redemptions(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    mut form: axum::extract::Multipart,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    if !u.role.may_redeem_vouchers() {
        return Err(AppError::Forbidden.into());
    }
    let got = crate::features::imports::receive(&state, &mut form).await?;
    let Some((_, path)) = got.file.clone() else {
        return Err(AppError::BadRequest("请上传兑换明细文件（表单字段 file）".into()).into());
    };
    let market = got.field("supermarket").unwrap_or_default();
    let out = vouchers::import_redemptions(&state.store, &u.actor(), &path, &market).await;
    got.discard();
    match out? {
        o @ vouchers::RedemptionOutcome::Recorded { .. } => Ok(Json(json!(o)).into_response()),
        vouchers::RedemptionOutcome::Refused { issues, .. } => Err(ApiError::said_as(
            StatusCode::UNPROCESSABLE_ENTITY,
            "rows_rejected",
            format!("兑换明细有 {} 处问题，未登记任何一张：请核对后重新上传", issues.len()),
        )
        .with("issues", json!(issues))),
    }
}
