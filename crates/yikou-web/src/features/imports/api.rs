//! 名单导入 API: upload and check, commit, list batches, undo.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::pages;
use crate::session::*;
use crate::{ApiError, ApiResult, AppError, AppState};

fn may_import(u: &yikou_store::accounts::users::User) -> Result<(), ApiError> {
    if !u.role.may_import() {
        return Err(AppError::Refused("该角色不能导入名单".into()).into());
    }
    Ok(())
}

/// Upload a list (multipart: `file`, optional `project` code) and check it; nothing is written.
/// The answer has the dry run's fields plus `upload`, the id to commit it with.
pub async fn import_upload(State(state): State<AppState>, ApiUser(u): ApiUser, mut form: Multipart) -> ApiResult {
    may_import(&u)?;
    let got = pages::receive(&state, &mut form).await?;
    let (id, up, checked) = pages::check_received(&state, &u, got).await?;
    let o = &checked.outcome;
    Ok(Json(json!({
        "upload": id,
        "file": up.file_name,
        "format": o.source.format.label(),
        "encoding": o.source.encoding,
        "sheet": o.source.sheet,
        "header_row": o.header.row,
        "rows": o.rows,
        "valid": checked.rows.len(),
        "invalid": checked.invalid(),
        "errors": checked.errors(),
        "warnings": checked.warnings(),
        "errors_truncated": o.issues_truncated,
    })))
}

#[derive(Deserialize, Default)]
pub struct CommitParams {
    #[serde(default)]
    accept_valid: bool,
}

/// Commit a checked upload (the caller's own): all rows, or with `?accept_valid=true` the valid
/// ones. 422 while rows are wrong and accept_valid is off; the same file again adds nothing.
pub async fn import_commit(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    Query(p): Query<CommitParams>,
) -> ApiResult<Response> {
    may_import(&u)?;
    match pages::commit_upload(&state, &u, &id, p.accept_valid).await {
        Ok(result) => Ok(Json(result).into_response()),
        Err(AppError::Rejected(m)) => Err(ApiError::coded(StatusCode::UNPROCESSABLE_ENTITY, "rows_rejected", m)),
        Err(e) => Err(e.into()),
    }
}

/// The caller's import batches (the bureau: every batch), newest first.
pub async fn import_batches(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult {
    may_import(&u)?;
    let b = yikou_service::imports::visible_batches(&state.store, &u.actor(), 200).await?;
    Ok(Json(json!({ "items": b })))
}

/// Undo a batch the caller may see, while none of its entitlements is approved.
pub async fn import_undo(State(state): State<AppState>, ApiUser(u): ApiUser, Path(batch): Path<String>) -> ApiResult {
    may_import(&u)?;
    match yikou_service::imports::undo(&state.store, &u.actor(), &batch).await {
        Ok(b) => Ok(Json(json!({ "batch": b.batch, "status": "undone", "rows": b.rows }))),
        // Approved records, or undone already: either way this batch cannot be undone now.
        Err(yikou_service::ServiceError::Rejected(m) | yikou_service::ServiceError::Conflict(m)) => {
            Err(ApiError::coded(StatusCode::CONFLICT, "not_undoable", m))
        }
        Err(e) => Err(e.into()),
    }
}
