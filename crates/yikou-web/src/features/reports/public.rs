//! 公示: `/public` (no sign-in) and `GET /api/v1/public/summary` — the campaign's aggregate figures,
//! small cells suppressed ("<5"), nothing about any one person.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use yikou_service::reports::{self as use_case, Public};

use crate::{AppError, AppState};

#[derive(Template)]
#[template(path = "reports/public.html")]
struct PublicPage {
    p: Public,
    tables: Vec<(&'static str, Vec<yikou_domain::publish::Line>)>,
}

/// `GET /public`: the published figures.
pub async fn page(State(state): State<AppState>) -> Result<Html<String>, AppError> {
    let p = use_case::public(&state.store, &state.report_facts).await?;
    let groups: Vec<yikou_domain::publish::Line> = p
        .groups
        .iter()
        .map(|g| yikou_domain::publish::Line {
            name: g.group.clone(),
            people: g.people,
            person_times: g.person_times,
            amount_fen: g.amount_fen,
            amount_wan: g.amount_wan.clone(),
        })
        .collect();
    let tables = vec![("按单位类别", groups), ("按街镇", p.streets.clone()), ("按困难类别", p.categories.clone())];
    Ok(Html(PublicPage { p, tables }.render()?))
}

/// `GET /api/v1/public/summary`: the same as JSON (counts below 5 as the string "<5").
pub async fn api(State(state): State<AppState>) -> Response {
    match use_case::public(&state.store, &state.report_facts).await {
        Ok(p) => Json(p).into_response(),
        Err(e) => crate::error::ApiError::from(AppError::from(e)).into_response(),
    }
}
