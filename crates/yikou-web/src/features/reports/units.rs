//! 各成员单位总结: a member unit files its account of the campaign (its words, with its figures filled
//! from the data); the bureau sees who has filed, reads each, and exports the list.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yikou_domain::money::group_thousands;
use yikou_domain::report::Figures;
use yikou_domain::Fen;
use yikou_ingest::sheet::{Column, Table, Value};
use yikou_service::reports as use_case;
use yikou_service::ServiceError;
use yikou_store::accounts::auth::SessionUser;

use crate::csv::*;
use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

#[derive(Clone)]
pub struct UnitRow {
    pub code: String,
    pub name: String,
    pub projects: usize,
    pub people: String,
    pub person_times: String,
    pub listed: String,
    pub disbursed: String,
    pub filed: Option<String>,
    pub version: i64,
}

fn figures_text(f: &Figures) -> (String, String, String, String) {
    let n = |v: i64| group_thousands(v.max(0) as u64);
    (n(f.people), n(f.person_times), Fen(f.listed_fen).wan(), Fen(f.disbursed_fen).wan())
}

#[derive(Template)]
#[template(path = "reports/units.html")]
struct UnitsPage {
    frame: Frame,
    campaign: String,
    rows: Vec<UnitRow>,
    filed: usize,
    files: bool,
    /// The district's list (the bureau); a unit sees its own only.
    all: bool,
    own: Option<UnitRow>,
    body: String,
    notice: Option<String>,
    error: Option<String>,
}

async fn render(
    state: &AppState,
    s: &SessionUser,
    body: Option<String>,
    notice: Option<String>,
    error: Option<String>,
) -> Result<String, AppError> {
    let (campaign, lines) =
        use_case::unit_reports(&state.store, &state.report_facts, &s.actor(), &s.user.unit_code).await?;
    let names = names(state).await?;
    let rows: Vec<UnitRow> = lines
        .iter()
        .map(|l| {
            let (people, person_times, listed, disbursed) = figures_text(&l.figures);
            UnitRow {
                code: l.unit.clone(),
                name: names.unit(&l.unit),
                projects: l.projects,
                people,
                person_times,
                listed,
                disbursed,
                filed: l.filed.as_ref().map(|r| time_text(&r.filed_at)),
                version: l.filed.as_ref().map_or(0, |r| r.version),
            }
        })
        .collect();
    let own_line = lines.iter().find(|l| l.unit == s.user.unit_code);
    let files = s.user.role.may_file_unit_report();
    let body = body.or_else(|| own_line.and_then(|l| l.filed.as_ref().map(|r| r.body.clone()))).unwrap_or_default();
    let own = rows.iter().find(|r| r.code == s.user.unit_code).cloned();
    Ok(UnitsPage {
        frame: frame(state, s).await?,
        campaign: campaign.campaign.name.clone(),
        filed: rows.iter().filter(|r| r.filed.is_some()).count(),
        rows,
        files,
        all: s.actor().scope == yikou_domain::Scope::All,
        own,
        body,
        notice,
        error,
    }
    .render()?)
}

#[derive(Deserialize, Default)]
pub struct UnitsQuery {
    filed: Option<String>,
}

/// `GET /reports/units`.
pub async fn list(
    State(state): State<AppState>,
    Signed(s): Signed,
    axum::extract::Query(q): axum::extract::Query<UnitsQuery>,
) -> Result<Html<String>, AppError> {
    let notice = q.filed.map(|v| format!("已报送本单位总结（第{v}版）。区民政局可以查看。"));
    Ok(Html(render(&state, &s, None, notice, None).await?))
}

#[derive(Deserialize)]
pub struct FileForm {
    #[serde(default)]
    body: String,
}

/// `POST /reports/units`: file (or file again) one's unit's 总结.
pub async fn file(State(state): State<AppState>, Posted(s, f): Posted<FileForm>) -> Result<Response, AppError> {
    match use_case::file_unit_report(&state.store, &state.report_facts, &s.actor(), &s.user.unit_code, &f.body).await {
        Ok(v) => Ok((StatusCode::SEE_OTHER, [(header::LOCATION, format!("/reports/units?filed={v}"))]).into_response()),
        Err(ServiceError::Rejected(m)) => {
            let html = render(&state, &s, Some(f.body), None, Some(m)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "reports/unit.html")]
struct UnitPage {
    frame: Frame,
    campaign: String,
    row: UnitRow,
    body: String,
    by: String,
    households: String,
}

/// `GET /reports/units/{code}`: one unit's report (the bureau; a unit its own).
pub async fn one(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(code): Path<String>,
) -> Result<Html<String>, AppError> {
    let (campaign, lines) =
        use_case::unit_reports(&state.store, &state.report_facts, &s.actor(), &s.user.unit_code).await?;
    let line = lines.into_iter().find(|l| l.unit == code).ok_or(AppError::NotFound)?;
    let filed = line.filed.clone().ok_or(AppError::NotFound)?;
    let names = names(&state).await?;
    let then: Figures = serde_json::from_str(&filed.figures_json).unwrap_or_default();
    let (people, person_times, listed, disbursed) = figures_text(&then);
    let page = UnitPage {
        frame: frame(&state, &s).await?,
        campaign: campaign.campaign.name.clone(),
        row: UnitRow {
            code: code.clone(),
            name: names.unit(&code),
            projects: line.projects,
            people,
            person_times,
            listed,
            disbursed,
            filed: Some(time_text(&filed.filed_at)),
            version: filed.version,
        },
        body: filed.body,
        by: display_name(&state, &filed.filed_by).await?,
        households: group_thousands(then.households.max(0) as u64),
    };
    Ok(Html(page.render()?))
}

const UNITS: Export = Export { title: "各成员单位总结报送情况", ascii: "unit-reports" };

/// `GET /reports/units.xlsx` (and .csv): who has filed, the figures, and the texts.
pub async fn export(State(state): State<AppState>, Signed(s): Signed, format: Format) -> Result<Response, AppError> {
    let (_, lines) = use_case::unit_reports(&state.store, &state.report_facts, &s.actor(), &s.user.unit_code).await?;
    let names = names(&state).await?;
    let mut table = Table::new(
        "报送情况",
        vec![
            Column::new("单位"),
            Column::summed("项目数"),
            Column::summed("人次"),
            Column::new("列入金额（元）"),
            Column::new("报送时间（北京时间）"),
            Column::new("总结"),
        ],
    );
    for l in &lines {
        table.push(vec![
            Value::text(names.unit(&l.unit)),
            Value::Int(l.projects as i64),
            Value::Int(l.figures.person_times),
            Value::Money(Fen(l.figures.listed_fen)),
            Value::text(l.filed.as_ref().map_or_else(|| "未报送".to_string(), |r| time_text(&r.filed_at))),
            Value::text(l.filed.as_ref().map(|r| r.body.clone()).unwrap_or_default()),
        ]);
    }
    table.numbered = true;
    let filed = lines.iter().filter(|l| l.filed.is_some()).count();
    let (title, stem) = heading(&state, &s, &UNITS, &[("已报送", format!("{filed} / {}", lines.len()))]).await?;
    table.title = title;
    respond(table, format, &UNITS, &stem)
}
