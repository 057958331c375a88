//! Accounts export (CSV, audited).

use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::users::user_status;
use crate::csv::*;
use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

/// The accounts (system and security administrators).
pub async fn users(State(state): State<AppState>, Signed(s): Signed) -> Result<Response, AppError> {
    if !s.user.role.may_see_accounts() {
        return Err(AppError::Forbidden);
    }
    let mut csv = Csv::new(&["登录名", "姓名", "单位", "角色", "状态"]);
    for u in state.store.users().await? {
        csv.row(&[&u.login, &u.display_name, &unit_name(&u.unit_code), u.role.label(), user_status(&u)]);
    }
    audited(&state, &s, "user.export", "user", json!({ "rows": csv.rows })).await?;
    Ok(csv.into_response("users.csv"))
}
