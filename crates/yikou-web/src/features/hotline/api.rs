//! 生活服务热线 over the API: `GET /api/v1/hotline?state=unfinished|overdue|closed` → `{"items", "stats"}`;
//! `POST /api/v1/hotline` `{caller, person?, kind, content}` → 201 `{"id"}`; `POST …/{id}/assign`
//! `{unit, due}`; `POST …/{id}/close` `{result}` (409 when already closed).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use yikou_domain::hotline::{HotlineRequest, RequestKind};
use yikou_service::hotline;

use crate::session::*;
use crate::{ApiError, ApiResult, AppError, AppState};

#[derive(Deserialize, Default)]
pub struct ListParams {
    state: Option<String>,
}

pub async fn list(State(state): State<AppState>, ApiUser(u): ApiUser, Query(p): Query<ListParams>) -> ApiResult {
    let filter = super::filter_of(p.state.as_deref())?;
    let (items, stats) = hotline::list(&state.store, &u.actor(), filter).await?;
    Ok(Json(json!({ "items": items, "stats": stats })))
}

#[derive(Deserialize)]
pub struct TakeBody {
    caller: String,
    person: Option<i64>,
    kind: String,
    content: String,
}

pub async fn take(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Json(b): Json<TakeBody>,
) -> Result<Response, ApiError> {
    let kind = RequestKind::from_code(b.kind.trim()).ok_or_else(|| {
        AppError::Rejected(format!(
            "kind 应为 medical、travel、repair、shopping、meals、care 或 other，实为“{}”",
            b.kind
        ))
    })?;
    let r = HotlineRequest { caller: b.caller, person_id: b.person, kind, content: b.content };
    let id = hotline::take(&state.store, &u.actor(), &r).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

#[derive(Deserialize)]
pub struct AssignBody {
    unit: String,
    due: String,
}

pub async fn assign(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<AssignBody>,
) -> ApiResult {
    let due = crate::error::api_date("due", &b.due)?;
    hotline::assign(&state.store, &u.actor(), id, &b.unit, due).await?;
    Ok(Json(json!({ "id": id, "state": "assigned" })))
}

#[derive(Deserialize)]
pub struct CloseBody {
    result: String,
}

pub async fn close(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Json(b): Json<CloseBody>,
) -> ApiResult {
    hotline::close(&state.store, &u.actor(), id, &b.result).await?;
    Ok(Json(json!({ "id": id, "state": "closed" })))
}
