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
