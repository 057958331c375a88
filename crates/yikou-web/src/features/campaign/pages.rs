//! The campaign: home page, projects with planned and actual figures, a project roster, the schedule.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use serde::Deserialize;
use yikou_domain::money::group_thousands;
use yikou_domain::Fen;

use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

#[derive(Template)]
#[template(path = "campaign/home.html")]
struct HomePage {
    frame: Frame,
    people: String,
    groups: Vec<(String, String, String, String)>,
    total: Option<(String, String, String)>,
}

pub async fn home(State(state): State<AppState>, Signed(s): Signed) -> Result<Html<String>, AppError> {
    let scope = s.actor().scope;
    let people = group_thousands(state.store.count_people(&scope).await?.max(0) as u64);
    let mut groups = Vec::new();
    let mut total = None;
    if let (Some(year), true) = (state.store.latest_campaign_year().await?, s.user.role.is_business()) {
        let summary = state.store.campaign_summary(&scope, year).await?;
        for g in &summary.groups {
            groups.push((
                g.group.clone(),
                group_thousands(g.projects as u64),
                group_thousands(g.person_times as u64),
                Fen(g.amount_fen).wan(),
            ));
        }
        total = Some((
            group_thousands(summary.total.person_times as u64),
            group_thousands(summary.total.people as u64),
            Fen(summary.total.amount_fen).wan(),
        ));
    }
    Ok(Html(HomePage { frame: frame(&state, &s).await?, people, groups, total }.render()?))
}

pub struct ProjectRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub group: &'static str,
    pub standard: String,
    pub planned_count: String,
    pub planned_money: String,
    pub actual_count: String,
    pub actual_money: String,
}

pub(crate) fn project_row(id: i64, p: &yikou_domain::Project, a: &yikou_store::campaign::ProjectActual) -> ProjectRow {
    ProjectRow {
        id,
        code: p.code.clone(),
        name: p.name.clone(),
        unit: unit_name(&p.unit_code),
        group: p.unit_group.label(),
        standard: p.standard.describe(),
        planned_count: format!("{}{}", group_thousands(p.planned_count.max(0) as u64), p.counting_unit.label()),
        planned_money: p.planned_total().yuan(),
        actual_count: group_thousands(a.entitlements as u64),
        actual_money: Fen(a.amount_fen).yuan(),
    }
}

#[derive(Template)]
#[template(path = "campaign/projects.html")]
struct ProjectsPage {
    frame: Frame,
    rows: Vec<ProjectRow>,
    total: (String, String),
}

pub async fn projects(State(state): State<AppState>, Signed(s): Signed) -> Result<Html<String>, AppError> {
    if !s.user.role.is_business() {
        return Err(AppError::Forbidden);
    }
    let scope = s.actor().scope;
    let c = yikou_service::campaign::current(&state.store).await?;
    let projects = state.store.projects(&scope, c.id).await?;
    let actuals = state.store.project_actuals(&scope, c.id).await?;
    let (mut n, mut money) = (0i64, 0i64);
    let rows = projects
        .iter()
        .map(|sp| {
            let p = &sp.project;
            let a = actuals.get(&sp.id).cloned().unwrap_or_default();
            n += a.entitlements;
            money += a.amount_fen;
            project_row(sp.id, p, &a)
        })
        .collect();
    Ok(Html(
        ProjectsPage { frame: frame(&state, &s).await?, rows, total: (group_thousands(n as u64), Fen(money).yuan()) }
            .render()?,
    ))
}

#[derive(Deserialize, Default)]
pub struct RosterParams {
    after: Option<i64>,
}

#[derive(Template)]
#[template(path = "campaign/project.html")]
struct ProjectPage {
    frame: Frame,
    row: ProjectRow,
    targets: String,
    budget: Vec<(String, String)>,
    roster: Vec<(i64, String, String, String, String, String, String)>,
    next: Option<String>,
}

pub async fn project(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(id): Path<i64>,
    Query(q): Query<RosterParams>,
) -> Result<Html<String>, AppError> {
    if !s.user.role.is_business() {
        return Err(AppError::Forbidden);
    }
    let scope = s.actor().scope;
    let (c, sp) = yikou_service::campaign::visible_project(&state.store, &scope, id).await?;
    let p = &sp.project;
    let a = state.store.project_actuals(&scope, c.id).await?.remove(&id).unwrap_or_default();
    let (lines, next) = state.store.project_roster(&scope, id, q.after.unwrap_or(0), 100).await?;
    let names = names(&state).await?;
    let roster = lines
        .into_iter()
        .map(|l| {
            (
                l.person_id,
                l.name,
                l.id_number_masked,
                l.street_code.as_deref().map(unit_name).unwrap_or_default(),
                l.household_size.map(|h| h.to_string()).unwrap_or_default(),
                Fen(l.amount_fen).yuan(),
                state_label(&l.state),
            )
        })
        .collect();
    Ok(Html(
        ProjectPage {
            frame: frame(&state, &s).await?,
            targets: p.target_categories.iter().map(|c| names.category(c)).collect::<Vec<_>>().join("、"),
            budget: p.planned_budget.iter().map(|(src, f)| (source_name(src), f.yuan())).collect(),
            row: project_row(id, p, &a),
            roster,
            next: next.map(|n| format!("/projects/{id}?after={n}")),
        }
        .render()?,
    ))
}

#[derive(Template)]
#[template(path = "campaign/schedule.html")]
struct SchedulePage {
    frame: Frame,
    name: String,
    span: String,
    phases: Vec<(String, String, String, bool)>,
}

/// 工作安排表 (附件1): the campaign's phases and their dates.
pub async fn schedule(State(state): State<AppState>, Signed(s): Signed) -> Result<Html<String>, AppError> {
    let c = yikou_service::campaign::current(&state.store).await?;
    let phases = c
        .campaign
        .phases
        .iter()
        .map(|w| {
            (
                w.phase.label().to_string(),
                format_date_cn(w.start),
                format_date_cn(w.end),
                Some(w.phase) == c.current_phase,
            )
        })
        .collect();
    Ok(Html(
        SchedulePage {
            frame: frame(&state, &s).await?,
            name: c.campaign.name.clone(),
            span: format!("{} 至 {}", format_date_cn(c.campaign.start), format_date_cn(c.campaign.end)),
            phases,
        }
        .render()?,
    ))
}
