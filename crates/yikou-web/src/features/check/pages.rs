//! 比对核查 pages: the findings of the current campaign by type, and deciding one.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;

use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};
use yikou_service::check::{self, Decision};
use yikou_store::check::{Finding, FINDING_TYPES};

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

pub(crate) fn finding_status(status: &str) -> &'static str {
    match status {
        "confirmed" => "已确认",
        "dismissed" => "已排除",
        "reopened" => "重新打开",
        _ => "待处理",
    }
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
    let kind = p.kind.filter(|k| FINDING_TYPES.iter().any(|t| t.0 == k)).unwrap_or_else(|| {
        FINDING_TYPES.iter().find(|t| mine.iter().any(|f| f.kind == t.0)).map_or("dup_in_project", |t| t.0).to_string()
    });
    let counts = FINDING_TYPES
        .iter()
        .map(|(code, title, _)| {
            (code.to_string(), title.to_string(), mine.iter().filter(|f| f.kind == *code).count() as u64, *code == kind)
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
            status: finding_status(f.status),
            reason: f.reason.clone().unwrap_or_default(),
        })
        .collect();
    Ok(Html(
        CheckPage {
            frame: frame(&state, &s).await?,
            seconds: format!("{:.2}", report.read_seconds + report.check_seconds),
            counts,
            title: FINDING_TYPES.iter().find(|t| t.0 == kind).map_or(String::new(), |t| t.1.to_string()),
            more: (of_kind.len() as u64).saturating_sub(200),
            kind: kind.clone(),
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
    user: &yikou_store::users::User,
    key: &str,
    confirm: bool,
    reason: &str,
) -> Result<&'static str, AppError> {
    let reason = reason.to_string();
    let decision = if confirm { Decision::Confirm { reason } } else { Decision::Dismiss { reason } };
    Ok(check::decide(&state.store, &user.actor(), None, key, decision).await?.kind)
}
