//! 回访总结: the bureau's summary of a sample, to read and to print (A4) — how the sample was drawn (the
//! population, the size with each step of its formula, the strata, the seed), whom the calls reached,
//! what people said they received (overall and by stratum, the discrepancy rate with its 95 % interval),
//! satisfaction, the cases and how they were resolved, and the needs heard. Charts are SVG drawn here,
//! each beside its table.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use yikou_domain::Actor;
use yikou_service::followup as use_case;
use yikou_store::followup::{SampleView, StratumResult};

use super::form::describe_filter;
use crate::chart::{bars, columns, Row, Series};
use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

/// Names for the strata a sample was cut into (街镇, 项目, or 街镇 / 项目) and its filters.
pub struct Labels {
    names: Arc<Names>,
    projects: HashMap<String, String>,
    by_id: HashMap<i64, String>,
}

impl Labels {
    pub async fn load(state: &AppState, actor: &Actor, campaign_id: i64) -> Result<Labels, AppError> {
        let projects = state.store.projects(&actor.scope, campaign_id).await?;
        Ok(Labels {
            names: names(state).await?,
            by_id: projects.iter().map(|p| (p.id, p.project.name.clone())).collect(),
            projects: projects.into_iter().map(|p| (p.project.code, p.project.name)).collect(),
        })
    }

    /// A stratum's key in words: "合计" for the whole, a street's or project's name, or both.
    pub fn stratum(&self, key: &str) -> String {
        let project = |code: &str| self.projects.get(code).cloned().unwrap_or_else(|| code.to_string());
        match key.split_once('/') {
            _ if key.is_empty() => "合计".into(),
            Some((street, code)) => format!("{} / {}", self.names.unit(street), project(code)),
            None if self.projects.contains_key(key) => project(key),
            None => self.names.unit(key),
        }
    }

    /// How a sample was drawn, in words: (population, size, strata).
    pub fn drawn(&self, head: &SampleView) -> (String, String, String) {
        let Some(p) = head.params() else { return (String::new(), String::new(), String::new()) };
        let filter = describe_filter(
            &p.filter,
            |id| self.by_id.get(&id).cloned().unwrap_or_else(|| format!("第{id}号项目")),
            |code| self.names.unit(code),
        );
        let formula = p.size.explain(head.population as u64);
        let size = if (head.size as u64) > p.size.size(head.population as u64) {
            format!("{formula}；各层至少{}人，共抽取 {}", p.min_per_stratum, head.size)
        } else {
            formula
        };
        (filter, size, format!("{}，每层至少{}人", p.strata.label(), p.min_per_stratum))
    }
}

fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

pub struct Line {
    pub key: String,
    pub r: StratumResult,
    pub reach: String,
    pub confirm: String,
    pub rate: String,
    pub ci: String,
    pub satisfaction: String,
}

fn line(labels: &Labels, r: &StratumResult) -> Line {
    Line {
        key: labels.stratum(&r.key),
        reach: percent(r.reach_rate),
        confirm: percent(r.confirmation_rate),
        rate: percent(r.discrepancy_rate),
        ci: format!("{} – {}", percent(r.ci95.0), percent(r.ci95.1)),
        satisfaction: r.satisfaction.map(|x| format!("{x:.2}")).unwrap_or_else(|| "—".into()),
        r: r.clone(),
    }
}

pub struct UnitCases {
    pub unit: String,
    pub opened: usize,
    pub resolved: usize,
    pub open: usize,
    pub overdue: usize,
}

pub struct CaseItem {
    pub id: i64,
    pub problem: &'static str,
    pub deadline: String,
    pub name: String,
    pub id_masked: String,
    pub project: String,
    pub unit: String,
    pub state: &'static str,
    pub resolution: String,
}

pub struct NeedItem {
    pub stratum: String,
    pub name: String,
    pub id_masked: String,
    pub project: String,
    pub needs: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "followup/report.html")]
struct ReportPage {
    frame: Frame,
    id: i64,
    campaign: String,
    drawn_by: String,
    drawn_at: String,
    filter: String,
    size_how: String,
    strata_how: String,
    seed: String,
    generator: String,
    sha: String,
    population: i64,
    excluded: i64,
    closed: bool,
    close_reason: String,
    total: Line,
    lines: Vec<Line>,
    /// Charts (SVG markup drawn here).
    chart_rates: String,
    chart_discrepancy: String,
    chart_satisfaction: String,
    units: Vec<UnitCases>,
    resolved: usize,
    overdue: usize,
    part: bool,
    cases: Vec<CaseItem>,
    needs: Vec<NeedItem>,
}

/// `GET /followup/{id}/report`: the 回访总结 of a sample (the reader's area's part).
pub async fn report(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let actor = s.actor();
    let r = use_case::report(&state.store, &actor, id).await?;
    let labels = Labels::load(&state, &actor, r.campaign.id).await?;
    let (filter, size_how, strata_how) = labels.drawn(&r.head);
    let lines: Vec<Line> = r.results.strata.iter().map(|x| line(&labels, x)).collect();
    let total = line(&labels, &r.results.total);
    let with_total = || lines.iter().chain(std::iter::once(&total));
    let chart_rates = bars(
        "各层接通率与足额收到率条形图，数值见上表",
        &[Series { name: "接通率", colour: "#4f81bd" }, Series { name: "足额收到率（占接通）", colour: "#9bbb59" }],
        &with_total()
            .map(|l| Row {
                label: l.key.clone(),
                values: vec![(l.r.reach_rate, l.reach.clone()), (l.r.confirmation_rate, l.confirm.clone())],
                interval: None,
            })
            .collect::<Vec<_>>(),
        1.0,
    );
    let top = with_total().map(|l| l.r.ci95.1).fold(0.05, f64::max);
    let chart_discrepancy = bars(
        "各层问题率及95%置信区间条形图，数值见上表",
        &[Series { name: "问题率", colour: "#c0504d" }],
        &with_total()
            .map(|l| Row {
                label: l.key.clone(),
                values: vec![(l.r.discrepancy_rate, format!("{}（{}）", l.rate, l.ci))],
                interval: (l.r.reached > 0).then_some(l.r.ci95),
            })
            .collect::<Vec<_>>(),
        top,
    );
    let chart_satisfaction = columns(
        "满意度分布柱形图（1至5分各多少人），数值见下表",
        "#4f81bd",
        &(1..=5).map(|k| (format!("{k}分"), r.results.total.satisfaction_counts[k - 1])).collect::<Vec<_>>(),
    );
    let names = names(&state).await?;
    let mut units: BTreeMap<String, UnitCases> = BTreeMap::new();
    for c in &r.cases {
        let u = units.entry(c.unit_code.clone()).or_insert_with(|| UnitCases {
            unit: names.unit(&c.unit_code),
            opened: 0,
            resolved: 0,
            open: 0,
            overdue: 0,
        });
        u.opened += 1;
        if c.open {
            u.open += 1;
        } else {
            u.resolved += 1;
        }
        u.overdue += usize::from(c.overdue);
    }
    let head = r.head;
    let drawn_by = display_name(&state, &head.created_by).await?;
    let page = ReportPage {
        resolved: r.cases.iter().filter(|c| !c.open).count(),
        overdue: r.cases.iter().filter(|c| c.overdue).count(),
        part: actor.scope != yikou_domain::Scope::All,
        frame: frame(&state, &s).await?,
        id,
        campaign: r.campaign.campaign.name.clone(),
        drawn_by,
        drawn_at: time_text(&head.created_at),
        filter,
        size_how,
        strata_how,
        seed: head.seed.clone(),
        generator: format!("{}（第{}版）", head.generator, head.generator_version),
        sha: head.population_sha256.clone(),
        population: head.population,
        excluded: head.excluded_no_phone,
        closed: head.state == "closed",
        close_reason: head.close_reason.clone().unwrap_or_default(),
        total,
        lines,
        chart_rates,
        chart_discrepancy,
        chart_satisfaction,
        units: units.into_values().collect(),
        cases: r
            .cases
            .iter()
            .map(|c| CaseItem {
                id: c.id,
                problem: c.received.map_or("—", |r| r.label()),
                deadline: c.deadline.clone().unwrap_or_default(),
                name: c.name.clone(),
                id_masked: c.id_number_masked.clone(),
                project: c.project_name.clone(),
                unit: names.unit(&c.unit_code),
                state: match (c.open, c.overdue) {
                    (false, _) => "已办结",
                    (true, true) => "已逾期",
                    (true, false) => "待办结",
                },
                resolution: c.resolution.clone().unwrap_or_default(),
            })
            .collect(),
        needs: r
            .needs
            .iter()
            .map(|n| NeedItem {
                stratum: labels.stratum(&n.stratum),
                name: n.name.clone(),
                id_masked: n.id_number_masked.clone(),
                project: n.project_name.clone(),
                needs: n.needs.clone(),
                at: time_text(&n.at),
            })
            .collect(),
    };
    Ok(Html(page.render()?))
}
