//! 名单审核 API: `POST /api/v1/projects/{id}/submit` (the caller's unit's roster) and
//! `POST /api/v1/projects/{id}/review` (`{"unit", "decision": "approve"|"return", "comment"}`).
//! Refusals: 403 for the roster's own preparer or submitter (and roles without the right), 409 while
//! findings are open (with them listed) or unless the state allows it, 422 for a return without a
//! comment.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use yikou_domain::roster::ReviewDecision;
use yikou_service::ServiceError;

use crate::session::*;
use crate::{ApiError, ApiResult, AppState};

pub async fn submit(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>) -> ApiResult {
    let actor = u.actor();
    match yikou_service::rosters::submit(&state.store, &actor, &u.unit_code, id).await {
        Ok(o) => Ok(Json(yikou_service::rosters::outcome_json(&o))),
        Err(ServiceError::Conflict(m)) => {
            let open = yikou_service::rosters::open_findings(&state.store, &actor, id, &u.unit_code).await?;
            let findings: Vec<_> =
                open.iter().map(|f| json!({ "key": f.key, "type": f.kind, "explanation": f.explanation })).collect();
            let code = if findings.is_empty() { "conflict" } else { "open_findings" };
            Err(ApiError::said_as(StatusCode::CONFLICT, code, m).with("findings", json!(findings)))
        }
        Err(e) => Err(ApiError::said(e)),
    }
}

#[derive(Deserialize)]
pub struct Review {
    unit: String,
    decision: String,
    #[serde(default)]
    comment: String,
}

pub async fn review(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Json(r): Json<Review>,
) -> ApiResult {
    let decision = ReviewDecision::from_code(&r.decision).ok_or_else(|| {
        ApiError::said_as(StatusCode::UNPROCESSABLE_ENTITY, "bad_decision", "decision 须为 approve 或 return")
    })?;
    match yikou_service::rosters::review(&state.store, &u.actor(), id, &r.unit, decision, &r.comment).await {
        Ok(o) => Ok(Json(yikou_service::rosters::outcome_json(&o))),
        Err(e) => Err(ApiError::said(e)),
    }
}
