//! 社会捐赠 over the API: `GET /api/v1/donations` → `{"items", "totals"}`; `POST /api/v1/donations`
//! `{donor_kind, donor_name, anonymous, money_fen, goods, goods_value_fen, receipt_no, received_on}` →
//! 201 `{"id"}` (422 when the receipt number was used); `POST /api/v1/donations/{id}/allocations`
//! `{project, kind: money|goods, amount_fen}` → 201, 409 when more is asked than is left.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use yikou_domain::donation::{AllocationKind, Donation, DonorKind};
use yikou_domain::Fen;
use yikou_service::donations;

use crate::session::*;
use crate::{ApiError, ApiResult, AppError, AppState};

pub async fn list(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult {
    let items = donations::list(&state.store, &u.actor()).await?;
    let sum = |f: fn(&yikou_store::donation::DonationView) -> i64| items.iter().map(f).sum::<i64>();
    let totals = json!({
        "money_fen": sum(|d| d.money_fen), "allocated_money_fen": sum(|d| d.allocated_money_fen),
        "goods_value_fen": sum(|d| d.goods_value_fen), "allocated_goods_fen": sum(|d| d.allocated_goods_fen),
    });
    Ok(Json(json!({ "items": items, "totals": totals })))
}

#[derive(Deserialize)]
pub struct DonationBody {
    donor_kind: String,
    #[serde(default)]
    donor_name: String,
    #[serde(default)]
    anonymous: bool,
    #[serde(default)]
    money_fen: i64,
    #[serde(default)]
    goods: String,
    #[serde(default)]
    goods_value_fen: i64,
    receipt_no: String,
    received_on: String,
}

pub async fn record(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Json(b): Json<DonationBody>,
) -> Result<Response, ApiError> {
    let donor_kind = DonorKind::from_code(b.donor_kind.trim()).ok_or_else(|| {
        AppError::Rejected(format!("donor_kind 应为 company、organisation 或 individual，实为“{}”", b.donor_kind))
    })?;
    let received_on = crate::error::api_date("received_on", &b.received_on)?;
    let d = Donation {
        donor_kind,
        donor_name: b.donor_name,
        anonymous: b.anonymous,
        money: Fen(b.money_fen),
        goods: b.goods,
        goods_value: Fen(b.goods_value_fen),
        receipt_no: b.receipt_no,
        received_on,
    };
    let id = donations::record(&state.store, &u.actor(), &d).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

#[derive(Deserialize)]
pub struct AllocationBody {
    project: i64,
    kind: String,
    amount_fen: i64,
}

pub async fn allocate(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<AllocationBody>,
) -> Result<Response, ApiError> {
    let kind = AllocationKind::from_code(b.kind.trim())
        .ok_or_else(|| AppError::Rejected(format!("kind 应为 money 或 goods，实为“{}”", b.kind)))?;
    let a = donations::allocate(&state.store, &u.actor(), id, b.project, kind, Fen(b.amount_fen)).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": a }))).into_response())
}
