//! Accounts export (Excel or CSV, audited).

use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::users::user_status;
use crate::csv::*;
use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

const USERS: Export = Export { title: "系统账号", ascii: "users" };

/// The accounts (system and security administrators): roles and states in words.
pub async fn users(State(state): State<AppState>, Signed(s): Signed, format: Format) -> Result<Response, AppError> {
    if !s.user.role.may_see_accounts() {
        return Err(AppError::Forbidden);
    }
    let names = names(&state).await?;
    let mut table =
        Table::new("系统账号", ["登录名", "姓名", "单位", "角色", "状态"].into_iter().map(Column::new).collect());
    table.numbered = true;
    for u in state.store.users().await? {
        table.push(vec![
            Value::id(u.login.clone()),
            Value::text(u.display_name.clone()),
            Value::text(names.unit(&u.unit_code)),
            Value::text(u.role.label()),
            Value::text(user_status(&u)),
        ]);
    }
    let (title, stem) = heading(&state, &s, &USERS, &[]).await?;
    table.title = title;
    audited(&state, &s, "user.export", "user", json!({ "rows": table.rows.len() })).await?;
    respond(table, format, &USERS, &stem)
}
