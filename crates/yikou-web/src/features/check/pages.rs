//! 比对核查 pages: the findings of the current campaign by type, and deciding one.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;

use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};
use yikou_domain::FindingKind;
use yikou_service::check::{self, Decision};
use yikou_store::check::Finding;

#[derive(Deserialize, Default)]
pub struct CheckParams {
    #[serde(rename = "type")]
    pub(crate) kind: Option<String>,
}

pub struct FindingRow {
    pub key: String,
    pub street: String,
    pub people: String,
    pub explanation: String,
    pub status: &'static str,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "check/check.html")]
struct CheckPage {
    frame: Frame,
    seconds: String,
    counts: Vec<(String, String, u64, bool)>,
    title: String,
    kind: String,
    rows: Vec<FindingRow>,
    more: u64,
}

pub async fn check(
    State(state): State<AppState>,
    Signed(s): Signed,
    Query(p): Query<CheckParams>,
) -> Result<Html<String>, AppError> {
    if !s.user.role.may_review() {
        return Err(AppError::Forbidden);
    }
    let outcome = check::run(&state.store, &s.actor(), None).await?;
    let report = &outcome.report;
    let mine: Vec<&Finding> = report.findings.iter().collect();
    let kind = p.kind.as_deref().and_then(FindingKind::from_code).unwrap_or_else(|| {
        FindingKind::ALL
            .iter()
            .copied()
            .find(|k| mine.iter().any(|f| f.kind == *k))
            .unwrap_or(FindingKind::DupInProject)
    });
    let counts = FindingKind::ALL
        .iter()
        .map(|k| {
            (
                k.code().to_string(),
                k.title().to_string(),
                mine.iter().filter(|f| f.kind == *k).count() as u64,
                *k == kind,
            )
        })
        .collect();
    let of_kind: Vec<&&Finding> = mine.iter().filter(|f| f.kind == kind).collect();
    let rows = of_kind
        .iter()
        .take(200)
        .map(|f| FindingRow {
            key: f.key.clone(),
            street: f.street_code.as_deref().map(unit_name).unwrap_or_default(),
            people: f
                .people
                .iter()
                .map(|p| format!("{} {}", p.name, p.id_number_masked))
                .collect::<Vec<_>>()
                .join("；"),
            explanation: f.explanation.clone(),
            status: f.status.label(),
            reason: f.reason.clone().unwrap_or_default(),
        })
        .collect();
    Ok(Html(
        CheckPage {
            frame: frame(&state, &s).await?,
            seconds: format!("{:.2}", report.read_seconds + report.check_seconds),
            counts,
            title: kind.title().to_string(),
            more: (of_kind.len() as u64).saturating_sub(200),
            kind: kind.code().to_string(),
            rows,
        }
        .render()?,
    ))
}

#[derive(Deserialize)]
pub struct DecideForm {
    key: String,
    action: String,
    #[serde(default)]
    reason: String,
}

pub async fn decide(
    State(state): State<AppState>,
    Posted(s, f): Posted<DecideForm>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    if !s.user.role.may_review() {
        return Err(AppError::Forbidden);
    }
    match decide_visible(&state, &s.user, &f.key, f.action == "confirm", &f.reason).await {
        Ok(kind) => {
            let to = format!("/check?type={kind}");
            Ok((axum::http::StatusCode::SEE_OTHER, [(axum::http::header::LOCATION, to)]).into_response())
        }
        Err(AppError::Rejected(m)) => {
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(message_page("需要修改", &m))).into_response())
        }
        Err(e) => Err(e),
    }
}

/// Confirms or dismisses (with a reason) a finding the user may see (see
/// [`yikou_service::check::decide`]); the type of the finding, or `Rejected` with what to correct.
pub(crate) async fn decide_visible(
    state: &AppState,
    user: &yikou_store::accounts::users::User,
    key: &str,
    confirm: bool,
    reason: &str,
) -> Result<FindingKind, AppError> {
    let reason = reason.to_string();
    let decision = if confirm { Decision::Confirm { reason } } else { Decision::Dismiss { reason } };
    Ok(check::decide(&state.store, &user.actor(), None, key, decision).await?.kind)
}
