//! `GET /reports`: a summary table by one dimension within a drill, the way back up (crumbs), links
//! down (the level below) and out (the list behind a figure), a chart beside the table, and the plan's
//! stated figures against the computed ones.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;
use yikou_domain::money::group_thousands;
use yikou_domain::report::{group_code, group_of_code, Dimension, Drill, Facts, Figures};
use yikou_domain::{Fen, Scope};
use yikou_service::reports as use_case;

use crate::chart::{bars, Row, Series};
use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    pub(super) by: Option<String>,
    group: Option<String>,
    unit: Option<String>,
    project: Option<i64>,
    roster_unit: Option<String>,
    category: Option<String>,
    street: Option<String>,
    committee: Option<String>,
    source: Option<String>,
    /// 汇总明细's page (from 1; anything else is the first page).
    pub(super) page: Option<String>,
}

pub(super) fn drill_of(q: &ReportQuery) -> Drill {
    let text = |v: &Option<String>| v.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    Drill {
        group: q.group.as_deref().and_then(group_of_code),
        unit: text(&q.unit),
        project: q.project,
        roster_unit: text(&q.roster_unit),
        category: text(&q.category),
        street: text(&q.street),
        committee: text(&q.committee),
        source: text(&q.source),
    }
}

/// The page's address for a dimension within a drill.
pub(super) fn url(by: Dimension, d: &Drill) -> String {
    let mut parts = vec![format!("by={}", by.code())];
    let mut add = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            parts.push(format!("{k}={}", encode(&v)));
        }
    };
    add("group", d.group.map(|g| group_code(g).to_string()));
    add("unit", d.unit.clone());
    add("project", d.project.map(|p| p.to_string()));
    add("roster_unit", d.roster_unit.clone());
    add("category", d.category.clone());
    add("street", d.street.clone());
    add("committee", d.committee.clone());
    add("source", d.source.clone());
    format!("/reports?{}", parts.join("&"))
}

/// Names for keys of every dimension.
pub(super) struct Label<'a> {
    pub(super) names: &'a Names,
    pub(super) facts: &'a Facts,
}

impl Label<'_> {
    pub(super) fn of(&self, by: Dimension, key: &str) -> String {
        let project = |id: &str| {
            self.facts
                .projects
                .iter()
                .find(|p| p.id.to_string() == id)
                .map_or_else(|| format!("第{id}号项目"), |p| format!("{}（{}）", p.name, p.code))
        };
        match by {
            Dimension::Group => group_of_code(key).map_or(key.to_string(), |g| g.label().to_string()),
            Dimension::Unit | Dimension::Street | Dimension::Committee if key.is_empty() => "（未登记）".into(),
            Dimension::Unit | Dimension::Street | Dimension::Committee => self.names.unit(key),
            Dimension::Project => project(key),
            Dimension::Roster => {
                let (p, unit) = key.split_once('/').unwrap_or((key, ""));
                format!("{} · {}", project(p), self.names.unit(unit))
            }
            Dimension::Category if key.is_empty() => "（未登记类别）".into(),
            Dimension::Category => self.names.category(key),
            Dimension::Source => self.names.source(key),
        }
    }
}

/// The drill one level down from a row, and the list behind it (汇总明细: the entitlements it counted).
fn links(by: Dimension, key: &str, d: &Drill) -> (Option<String>, Option<String>) {
    let down = drill_after(by, key, d);
    let drill = by.below().filter(|_| !key.is_empty()).map(|b| url(b, &down));
    // The entitlements the row counted (a row without a key — no street registered — has none to
    // filter by).
    let list = (!key.is_empty()).then(|| url(by, &down).replacen("/reports?", "/reports/list?", 1));
    (drill, list)
}

pub struct Line {
    pub name: String,
    pub drill: Option<String>,
    pub list: Option<String>,
    pub people: String,
    pub person_times: String,
    pub households: String,
    pub household_times: String,
    pub planned_count: String,
    pub planned: String,
    pub listed: String,
    pub approved: String,
    pub disbursed: String,
    pub failed: String,
    pub progress: String,
    /// 元 in full, for the title of the money cells.
    pub listed_yuan: String,
}

fn line(name: String, f: &Figures, drill: Option<String>, list: Option<String>) -> Line {
    let n = |v: i64| group_thousands(v.max(0) as u64);
    let wan = |v: i64| Fen(v).wan();
    Line {
        name,
        drill,
        list,
        people: n(f.people),
        person_times: n(f.person_times),
        households: n(f.households),
        household_times: n(f.household_times),
        planned_count: f.planned_count.map_or_else(|| "—".into(), n),
        planned: f.planned_fen.map_or_else(|| "—".into(), wan),
        listed: wan(f.listed_fen),
        approved: wan(f.approved_fen),
        disbursed: wan(f.disbursed_fen),
        failed: if f.failed_times > 0 {
            format!("{}（{}笔）", wan(f.failed_fen), n(f.failed_times))
        } else {
            "—".into()
        },
        progress: f.progress().map_or_else(|| "—".into(), |p| format!("{p:.1}%")),
        listed_yuan: Fen(f.listed_fen).yuan(),
    }
}

pub struct Crumb {
    pub name: String,
    pub link: String,
}

#[derive(Template)]
#[template(path = "reports/summary.html")]
struct SummaryPage {
    frame: Frame,
    campaign: String,
    by_label: &'static str,
    dims: Vec<(String, &'static str, bool)>,
    crumbs: Vec<Crumb>,
    lines: Vec<Line>,
    total: Line,
    whole: bool,
    stated: Vec<String>,
    chart: Option<String>,
    chart_title: &'static str,
    note: Option<&'static str>,
    age: String,
}

/// `GET /reports`: 汇总报表.
pub async fn summary(
    State(state): State<AppState>,
    Signed(s): Signed,
    Query(q): Query<ReportQuery>,
) -> Result<Html<String>, AppError> {
    let actor = s.actor();
    let by = q.by.as_deref().and_then(Dimension::from_code).unwrap_or(Dimension::Group);
    let drill = drill_of(&q);
    let sum = use_case::summary(&state.store, &state.report_facts, &actor, None, by, &drill).await?;
    let names = names(&state).await?;
    let label = Label { names: &names, facts: &sum.facts };
    let crumbs = crumbs(by, &drill, &label);
    let lines: Vec<Line> = sum
        .tally
        .rows
        .iter()
        .map(|f| {
            let (d, l) = links(by, &f.key, &drill);
            line(label.of(by, &f.key), f, d, l)
        })
        .collect();
    let total = line("合计".into(), &sum.tally.total, None, None);
    let whole = actor.scope == Scope::All && drill == Drill::default();
    let c = &sum.campaign.campaign;
    let mut stated = Vec::new();
    if whole {
        if let Some(st) = c.stated_person_times.filter(|st| *st != sum.tally.total.person_times) {
            stated.push(format!(
                "方案所述 {} 人次，名单合计 {} 人次，相差 {}",
                group_thousands(st as u64),
                group_thousands(sum.tally.total.person_times as u64),
                st - sum.tally.total.person_times
            ));
        }
        if let Some(st) = c.stated_amount_fen.filter(|st| *st != sum.tally.total.listed_fen) {
            stated.push(format!(
                "方案所述 {} 万元，名单合计 {} 万元，相差 {} 万元",
                Fen(st).wan(),
                Fen(sum.tally.total.listed_fen).wan(),
                Fen(st - sum.tally.total.listed_fen).wan()
            ));
        }
    }
    let (chart, note) = if sum.tally.rows.is_empty() {
        (None, None)
    } else if sum.tally.rows.len() > 40 {
        (None, Some("行数较多，未画图，请看表格。"))
    } else {
        (Some(chart(by, &sum.tally.rows, &lines)), None)
    };
    let page = SummaryPage {
        frame: frame(&state, &s).await?,
        campaign: c.name.clone(),
        by_label: by.label(),
        dims: Dimension::ALL.iter().map(|d| (url(*d, &drill), d.label(), *d == by)).collect(),
        crumbs,
        lines,
        total,
        whole,
        stated,
        chart,
        chart_title: match by {
            Dimension::Category => "人数",
            Dimension::Source => "计划与列入金额（万元）",
            _ => "已下达与已发放金额（万元）",
        },
        note,
        age: if sum.age_seconds < 60 { "刚刚".into() } else { format!("{} 分钟前", sum.age_seconds / 60) },
    };
    Ok(Html(page.render()?))
}

/// The way back up: each field of the drill that is set, in the order one clicks down, each a link to
/// the summary at that level (by `by` at the last).
pub(super) fn crumbs(by: Dimension, drill: &Drill, label: &Label<'_>) -> Vec<Crumb> {
    let mut crumbs = vec![Crumb { name: "全部".into(), link: url(Dimension::Group, &Drill::default()) }];
    let mut so_far = Drill::default();
    let steps: [(Dimension, Option<String>); 8] = [
        (Dimension::Group, drill.group.map(|g| group_code(g).to_string())),
        (Dimension::Unit, drill.unit.clone()),
        (Dimension::Project, drill.project.map(|p| p.to_string())),
        (Dimension::Roster, drill.roster_unit.clone().zip(drill.project).map(|(u, p)| format!("{p}/{u}"))),
        (Dimension::Street, drill.street.clone()),
        (Dimension::Committee, drill.committee.clone()),
        (Dimension::Category, drill.category.clone()),
        (Dimension::Source, drill.source.clone()),
    ];
    for (dim, key) in steps {
        let Some(key) = key else { continue };
        let (down, _) = links(dim, &key, &so_far);
        so_far = drill_after(dim, &key, &so_far);
        let next = down.unwrap_or_else(|| url(by, &so_far));
        crumbs.push(Crumb { name: format!("{}：{}", dim.label(), label.of(dim, &key)), link: next });
    }
    crumbs
}

/// The drill once a row of `dim` keyed `key` is chosen.
fn drill_after(dim: Dimension, key: &str, d: &Drill) -> Drill {
    let mut next = d.clone();
    match dim {
        Dimension::Group => next.group = group_of_code(key),
        Dimension::Unit => next.unit = Some(key.to_string()),
        Dimension::Project => next.project = key.parse().ok(),
        Dimension::Roster => {
            let (p, u) = key.split_once('/').unwrap_or((key, ""));
            next.project = p.parse().ok();
            next.roster_unit = Some(u.to_string());
        }
        Dimension::Category => next.category = Some(key.to_string()),
        Dimension::Street => next.street = Some(key.to_string()),
        Dimension::Committee => next.committee = Some(key.to_string()),
        Dimension::Source => next.source = Some(key.to_string()),
    }
    next
}

/// The chart beside the table: people by category, money by funding source (列入 against the plan),
/// and for the other dimensions approved against disbursed (发放进度).
fn chart(by: Dimension, rows: &[Figures], lines: &[Line]) -> String {
    let alt = |what: &str| format!("按{}的{what}条形图，数值见下表", by.label());
    match by {
        Dimension::Category => {
            let max = rows.iter().map(|f| f.people).max().unwrap_or(0) as f64;
            let data: Vec<Row> = rows
                .iter()
                .zip(lines)
                .map(|(f, l)| Row {
                    label: l.name.clone(),
                    values: vec![(f.people as f64, format!("{}人", l.people))],
                    interval: None,
                })
                .collect();
            bars(&alt("人数"), &[Series { name: "人数", colour: "#4f81bd" }], &data, max)
        }
        Dimension::Source => {
            let max = rows.iter().map(|f| f.listed_fen.max(f.planned_fen.unwrap_or(0))).max().unwrap_or(0) as f64;
            let data: Vec<Row> = rows
                .iter()
                .zip(lines)
                .map(|(f, l)| Row {
                    label: l.name.clone(),
                    values: vec![
                        (f.planned_fen.unwrap_or(0) as f64, format!("计划{}万元", l.planned)),
                        (f.listed_fen as f64, format!("列入{}万元", l.listed)),
                    ],
                    interval: None,
                })
                .collect();
            let series = [Series { name: "计划", colour: "#bfbfbf" }, Series { name: "列入", colour: "#4f81bd" }];
            bars(&alt("计划与列入金额"), &series, &data, max)
        }
        _ => {
            let max = rows.iter().map(|f| f.approved_fen.max(f.listed_fen)).max().unwrap_or(0) as f64;
            let data: Vec<Row> = rows
                .iter()
                .zip(lines)
                .map(|(f, l)| Row {
                    label: l.name.clone(),
                    values: vec![
                        (f.approved_fen as f64, format!("{}万元", l.approved)),
                        (f.disbursed_fen as f64, format!("{}万元（{}）", l.disbursed, l.progress)),
                    ],
                    interval: None,
                })
                .collect();
            let series = [Series { name: "已下达", colour: "#4f81bd" }, Series { name: "已发放", colour: "#9bbb59" }];
            bars(&alt("已下达与已发放金额"), &series, &data, max)
        }
    }
}
