//! 审计日志 API.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::frame::*;
use crate::session::*;
use crate::{ApiError, ApiResult, AppError, AppState};

#[derive(Deserialize, Default)]
pub struct AuditParams {
    actor: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// The audit log, newest first, with filters (audit administrator only).
pub async fn audit(State(state): State<AppState>, ApiUser(u): ApiUser, Query(p): Query<AuditParams>) -> ApiResult {
    if !u.role.may_read_audit() {
        return Err(AppError::Refused("只有审计管理员能查看审计日志".into()).into());
    }
    let before = match p.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(c.parse::<i64>().map_err(|_| {
            ApiError::coded(StatusCode::BAD_REQUEST, "bad_cursor", "cursor 无效：请使用上一页返回的 next_cursor")
        })?),
    };
    let filter = yikou_store::audit::AuditFilter {
        actor: nonempty(p.actor),
        action: nonempty(p.action),
        from: nonempty(p.from),
        to: nonempty(p.to),
        before,
        limit: p.limit.unwrap_or(100).clamp(1, 500),
    };
    let (records, next) = state.store.audit_page(&filter).await?;
    Ok(Json(json!({ "items": records, "next_cursor": next.map(|n| n.to_string()) })))
}
