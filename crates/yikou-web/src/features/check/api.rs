//! 比对核查 API: findings and counts, decisions.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use yikou_domain::Scope;

use super::pages;
use crate::session::*;
use crate::{ApiError, ApiResult, AppError, AppState};

fn may_review(u: &yikou_store::accounts::users::User) -> Result<Scope, ApiError> {
    if !u.role.may_review() {
        return Err(AppError::Refused("该角色不能使用比对核查".into()).into());
    }
    Ok(u.role.scope(&u.unit_code))
}

/// The cross-check of the current campaign: the findings of the caller's area and their counts.
pub async fn check(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult {
    may_review(&u)?;
    let report = yikou_service::check::run(&state.store, &u.actor(), None).await?.report;
    let mine: Vec<_> = report.findings.iter().collect();
    let mut counts = serde_json::Map::new();
    for k in yikou_domain::FindingKind::ALL {
        counts.insert(k.code().to_string(), json!(mine.iter().filter(|f| f.kind == *k).count()));
    }
    Ok(Json(json!({
        "rules_version": report.rules_version,
        "computed_at": report.computed_at,
        "counts": counts,
        "findings": mine,
    })))
}

#[derive(Deserialize)]
pub struct Decision {
    key: String,
    /// confirm or dismiss
    action: String,
    #[serde(default)]
    reason: String,
}

/// Confirm or dismiss (with a reason) one finding of the caller's area.
pub async fn decide(State(state): State<AppState>, ApiUser(u): ApiUser, Json(d): Json<Decision>) -> ApiResult {
    may_review(&u)?;
    let confirm = match d.action.as_str() {
        "confirm" => true,
        "dismiss" => false,
        _ => return Err(ApiError::coded(StatusCode::BAD_REQUEST, "bad_action", "action 须为 confirm 或 dismiss")),
    };
    match pages::decide_visible(&state, &u, &d.key, confirm, &d.reason).await {
        Ok(kind) => {
            Ok(Json(json!({ "key": d.key, "type": kind, "status": if confirm { "confirmed" } else { "dismissed" } })))
        }
        Err(AppError::Rejected(m)) => Err(ApiError::coded(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct Withdrawal {
    #[serde(default)]
    reason: String,
}

/// 撤销 a draft entitlement of the caller's area, with a reason: `{"withdrawn": ID, "person": ID,
/// "project": CODE, "amount_fen": N}`; 403 for a role that does not prepare rosters, 404 outside the
/// area, 422 for one submitted or approved or without a reason.
pub async fn withdraw(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Json(w): Json<Withdrawal>,
) -> ApiResult {
    match yikou_service::campaign::withdraw(&state.store, &u.actor(), id, &w.reason).await {
        Ok(g) => Ok(Json(
            json!({ "withdrawn": g.id, "person": g.person_id, "project": g.project_code, "amount_fen": g.amount_fen }),
        )),
        Err(yikou_service::ServiceError::Rejected(m)) => {
            Err(ApiError::coded(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m))
        }
        Err(e) => Err(AppError::from(e).into()),
    }
}
