//! Submitting and reviewing a roster from the project page. Done, back to the project page with a
//! message; refused, the project page again with the message — beside the roster for a review (the
//! comment as typed), above the table for a submission, with the open findings as links.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yikou_domain::roster::ReviewDecision;
use yikou_service::ServiceError;

use super::section::{Note, Refusal};
use crate::features::campaign::render_project;
use crate::frame::encode;
use crate::session::*;
use crate::{AppError, AppState};

#[derive(Deserialize)]
pub struct SubmitForm {}

fn back(id: i64, query: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, format!("/projects/{id}?{query}#rosters"))]).into_response()
}

/// 提交审核: the user's unit's roster of the project.
pub async fn submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted(s, _f): Posted<SubmitForm>,
) -> Result<Response, AppError> {
    let actor = s.actor();
    match yikou_service::rosters::submit(&state.store, &actor, &s.user.unit_code, id).await {
        Ok(_) => Ok(back(id, "done=submit")),
        Err(ServiceError::Conflict(message)) => {
            let findings = yikou_service::rosters::open_findings(&state.store, &actor, id, &s.user.unit_code).await?;
            let refused = Refusal { unit: None, message, findings, comment: String::new() };
            let html = render_project(&state, &s, id, 0, Note { done: None, refused: Some(refused) }).await?;
            Ok((StatusCode::CONFLICT, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ReviewForm {
    unit: String,
    decision: String,
    #[serde(default)]
    comment: String,
}

/// 批准下达 or 退回修改 a unit's submitted roster.
pub async fn review(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted(s, f): Posted<ReviewForm>,
) -> Result<Response, AppError> {
    let decision = ReviewDecision::from_code(&f.decision)
        .ok_or_else(|| AppError::BadRequest("请点“批准下达”或“退回修改”。".into()))?;
    match yikou_service::rosters::review(&state.store, &s.actor(), id, &f.unit, decision, &f.comment).await {
        Ok(_) => Ok(back(id, &format!("done={}&unit={}", decision.code(), encode(&f.unit)))),
        Err(e @ (ServiceError::Refused(_) | ServiceError::Conflict(_) | ServiceError::Rejected(_))) => {
            let status = match &e {
                ServiceError::Refused(_) => StatusCode::FORBIDDEN,
                ServiceError::Conflict(_) => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let refused = Refusal {
                unit: Some(f.unit.clone()),
                message: e.to_string(),
                findings: Vec::new(),
                comment: f.comment,
            };
            let html = render_project(&state, &s, id, 0, Note { done: None, refused: Some(refused) }).await?;
            Ok((status, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
