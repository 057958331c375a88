//! 附表1 rebuilt from data: `/reports/plan` (a page that prints on A4 landscape) and
//! `/reports/plan.xlsx` (the government's layout: merged headers, 万元 as numbers, subtotals and total).
//! Money is rounded to hundredths of 万元 per project, and the subtotals and total are the sums of the
//! rounded lines, so that every printed column adds up.

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use yikou_domain::money::group_thousands;
use yikou_ingest::plan_sheet::PlanSheet;
use yikou_service::reports as use_case;

use yikou_store::accounts::auth::SessionUser;

use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

async fn sheet(state: &AppState, s: &SessionUser) -> Result<PlanSheet, AppError> {
    let maker = names(state).await?.unit(&s.user.unit_code);
    Ok(use_case::plan_sheet(&state.store, &state.report_facts, &s.actor(), None, &maker).await?)
}

pub struct Cells {
    pub bold: bool,
    pub texts: [String; 5],
    pub counts: [String; 3],
    pub money: Vec<String>,
}

#[derive(Template)]
#[template(path = "reports/plan.html")]
struct PlanPage {
    frame: Frame,
    title: String,
    subtitle: String,
    sources: Vec<String>,
    rows: Vec<Cells>,
}

/// `GET /reports/plan`.
pub async fn page(State(state): State<AppState>, Signed(s): Signed) -> Result<Html<String>, AppError> {
    let sh = sheet(&state, &s).await?;
    let n = |v: i64| group_thousands(v.max(0) as u64);
    let rows = sh
        .rows
        .iter()
        .map(|r| Cells {
            bold: r.bold,
            texts: r.texts.clone(),
            counts: [n(r.planned_times), n(r.listed_times), n(r.people)],
            money: r
                .wan_cents
                .iter()
                .map(|c| format!("{}.{:02}", group_thousands((c / 100) as u64), c % 100))
                .collect(),
        })
        .collect();
    let page =
        PlanPage { frame: frame(&state, &s).await?, title: sh.title, subtitle: sh.subtitle, sources: sh.sources, rows };
    Ok(Html(page.render()?))
}

/// `GET /reports/plan.xlsx`.
pub async fn workbook(State(state): State<AppState>, Signed(s): Signed) -> Result<Response, AppError> {
    let sh = sheet(&state, &s).await?;
    let bytes = sh.to_xlsx().map_err(|e| AppError::Internal(format!("附表1无法生成：{e}")))?;
    let name = format!("{}.xlsx", sh.title);
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, crate::csv::attachment(&name, "plan-table.xlsx")),
        ],
        bytes,
    )
        .into_response())
}
