//! 汇总明细 `GET /reports/list`: the entitlements behind a figure of the 汇总报表 — the same facts the
//! figure counted, within the same drill and the user's area, so the list's count and money are the
//! figure's — 100 a page, each person linked to their page (masked), with its export (streamed,
//! audited).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, Response};
use serde_json::json;
use yikou_domain::money::group_thousands;
use yikou_domain::report::{Dimension, Drill};
use yikou_domain::Fen;
use yikou_service::reports as use_case;

use super::pages::{crumbs, drill_of, url, Crumb, Label, ReportQuery};
use crate::csv::*;
use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

const PAGE: usize = 100;
const LIST: Export = Export { title: "汇总明细", ascii: "report-list" };

/// One listed entitlement as shown.
pub struct Entry {
    pub n: usize,
    pub person: i64,
    pub name: String,
    pub id_masked: String,
    pub street: String,
    pub committee: String,
    pub project: String,
    pub unit: String,
    pub source: String,
    pub amount: String,
    pub state: String,
}

#[derive(Template)]
#[template(path = "reports/list.html")]
struct ListPage {
    frame: Frame,
    campaign: String,
    crumbs: Vec<Crumb>,
    entries: Vec<Entry>,
    count: String,
    amount: String,
    back: String,
    prev: Option<String>,
    next: Option<String>,
    page: usize,
    pages: usize,
    export: String,
}

/// The rows `from..to` of the list as cells: (person id, the cells in the columns' order).
async fn cells(
    state: &AppState,
    actor: &yikou_domain::Actor,
    listed: &use_case::Listed,
    names: &Names,
    range: std::ops::Range<usize>,
) -> Result<Vec<(i64, [String; 9])>, AppError> {
    let facts = &listed.facts;
    let rows = &listed.rows[range];
    let ids: Vec<i64> = rows.iter().map(|&i| facts.rows[i].person).collect();
    let people = state.store.people_brief(&actor.scope, &ids).await?;
    Ok(rows
        .iter()
        .map(|&i| {
            let f = &facts.rows[i];
            let p = &facts.projects[f.project as usize];
            let (name, masked) = people.get(&f.person).cloned().unwrap_or_default();
            let unit = |c: &Option<String>| c.as_deref().map(|c| names.unit(c)).unwrap_or_default();
            (
                f.person,
                [
                    name,
                    masked,
                    unit(&f.street),
                    unit(&f.committee),
                    format!("{}（{}）", p.name, p.code),
                    names.unit(&f.unit),
                    names.source(&f.source),
                    Fen(f.approved_fen.unwrap_or(f.amount_fen)).yuan(),
                    f.state.label().to_string(),
                ],
            )
        })
        .collect())
}

fn list_url(q: &ReportQuery, drill: &Drill, page: usize) -> String {
    let by = q.by.as_deref().and_then(Dimension::from_code).unwrap_or(Dimension::Group);
    format!("{}&page={page}", url(by, drill).replacen("/reports?", "/reports/list?", 1))
}

/// The list a request asks for: the actor, the drill, the level it was asked from, the facts kept
/// and the names.
async fn read(
    state: &AppState,
    s: &yikou_store::accounts::auth::SessionUser,
    q: &ReportQuery,
) -> Result<(yikou_domain::Actor, Drill, Dimension, use_case::Listed, std::sync::Arc<Names>), AppError> {
    let actor = s.actor();
    let drill = drill_of(q);
    let listed = use_case::listed(&state.store, &state.report_facts, &actor, None, &drill).await?;
    let by = q.by.as_deref().and_then(Dimension::from_code).unwrap_or(Dimension::Group);
    Ok((actor, drill, by, listed, names(state).await?))
}

pub async fn page(
    State(state): State<AppState>,
    Signed(s): Signed,
    Query(q): Query<ReportQuery>,
) -> Result<Html<String>, AppError> {
    let (actor, drill, by, listed, names) = read(&state, &s, &q).await?;
    let label = Label { names: &names, facts: &listed.facts };
    let pages = listed.rows.len().div_ceil(PAGE).max(1);
    let page = q.page.as_deref().and_then(|p| p.trim().parse::<usize>().ok()).unwrap_or(1).clamp(1, pages);
    let from = (page - 1) * PAGE;
    let to = (from + PAGE).min(listed.rows.len());
    let entries = cells(&state, &actor, &listed, &names, from..to)
        .await?
        .into_iter()
        .enumerate()
        .map(|(k, (person, c))| {
            let [name, id_masked, street, committee, project, unit, source, amount, state] = c;
            Entry { n: from + k + 1, person, name, id_masked, street, committee, project, unit, source, amount, state }
        })
        .collect();
    let money: i64 =
        listed.rows.iter().map(|&i| &listed.facts.rows[i]).map(|f| f.approved_fen.unwrap_or(f.amount_fen)).sum();
    let export = list_url(&q, &drill, 1).replacen("/reports/list?", "/reports/list/export.xlsx?", 1);
    let p = ListPage {
        frame: frame(&state, &s).await?,
        campaign: listed.campaign.campaign.name.clone(),
        crumbs: crumbs(by, &drill, &label),
        entries,
        count: group_thousands(listed.rows.len() as u64),
        amount: Fen(money).yuan(),
        back: url(by, &drill),
        prev: (page > 1).then(|| list_url(&q, &drill, page - 1)),
        next: (page < pages).then(|| list_url(&q, &drill, page + 1)),
        page,
        pages,
        export: export.replace("&page=1", ""),
    };
    Ok(Html(p.render()?))
}

/// The whole list as a workbook or CSV (the names of the drill in its title block), audited.
pub async fn export(
    State(state): State<AppState>,
    Signed(s): Signed,
    format: Format,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let (actor, drill, by, listed, names) = read(&state, &s, &q).await?;
    let label = Label { names: &names, facts: &listed.facts };
    let within: Vec<String> = crumbs(by, &drill, &label).into_iter().skip(1).map(|c| c.name).collect();
    let mut table = Table::new(
        "汇总明细",
        vec![
            Column::new("姓名").wide(8),
            Column::new("身份证号").wide(22),
            Column::new("街镇").wide(12),
            Column::new("居委").wide(14),
            Column::new("项目").wide(30),
            Column::new("名单单位").wide(14),
            Column::new("资金来源").wide(10),
            Column::summed("金额（元）").wide(12),
            Column::new("状态"),
        ],
    );
    table.numbered = true;
    table.totals = true;
    let (title, stem) = heading(&state, &s, &LIST, &[("范围", within.join("；"))]).await?;
    table.title = title;
    let what = json!({ "campaign": listed.campaign.campaign.year, "within": within, "rows": listed.rows.len() });
    audited(&state, &s, "report.export", "campaign", what).await?;
    Ok(streamed(table, format, &LIST, &stem, move |out: Rows| async move {
        let mut from = 0;
        while from < listed.rows.len() {
            let to = (from + 5_000).min(listed.rows.len());
            let page = cells(&state, &actor, &listed, &names, from..to)
                .await?
                .into_iter()
                .zip(&listed.rows[from..to])
                .map(|((_, c), &i)| {
                    let [name, masked, street, committee, project, unit, source, _, st] = c;
                    // The money as a number cell, from the facts (the text form is the page's).
                    let f = &listed.facts.rows[i];
                    vec![
                        Value::text(name),
                        Value::id(masked),
                        Value::text(street),
                        Value::text(committee),
                        Value::text(project),
                        Value::text(unit),
                        Value::text(source),
                        Value::Money(Fen(f.approved_fen.unwrap_or(f.amount_fen))),
                        Value::text(st),
                    ]
                })
                .collect();
            if !out.send(page).await {
                return Ok(());
            }
            from = to;
        }
        Ok(())
    }))
}
