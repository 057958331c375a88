//! Accounts API: the list of accounts.

use axum::extract::State;
use axum::Json;
use serde_json::json;

use crate::session::*;
use crate::{ApiResult, AppError, AppState};

/// The accounts (system and security administrators).
pub async fn users(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult {
    if !u.role.may_see_accounts() {
        return Err(AppError::Refused("只有系统管理员和安全管理员能查看账号".into()).into());
    }
    Ok(Json(json!({ "items": state.store.users().await? })))
}
