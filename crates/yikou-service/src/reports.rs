//! 汇总 as use cases: a campaign's figures by a dimension within a drill, in the actor's area. The
//! facts behind them are read once per change of the data (the audit head moves with every write)
//! and kept per area, so that paging through the drill-down costs a tally, not a read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use yikou_domain::report::{tally as count, Dimension, Drill, Facts, Tally};
use yikou_domain::{publish, reference, Actor, Scope};
use yikou_store::campaign::StoredCampaign;
use yikou_store::Store;

use crate::{Result, ServiceError};

/// How long facts are kept even when the data seems unchanged (a safety net).
const KEEP: Duration = Duration::from_secs(600);

type Key = (String, i64, bool);

/// Facts kept per (area, campaign, with categories), with the data version they were read at.
#[derive(Default)]
pub struct FactsCache {
    slots: Mutex<HashMap<Key, (i64, Instant, Arc<Facts>)>>,
    /// Tallies already counted from the facts of a version: (area, campaign, dimension, drill).
    tallies: Mutex<HashMap<(String, i64, String), (i64, Arc<Tally>)>>,
}

/// A summary as pages, API and CLI show it.
pub struct Summary {
    pub campaign: StoredCampaign,
    pub tally: Tally,
    pub facts: Arc<Facts>,
    /// When the facts were read (Beijing time text is the page's business): seconds ago.
    pub age_seconds: u64,
}

fn scope_key(scope: &Scope) -> String {
    format!("{scope:?}")
}

/// The facts of a campaign in the actor's area, from the cache when the data has not changed.
pub async fn facts(
    store: &Store,
    cache: &FactsCache,
    scope: &Scope,
    campaign: &StoredCampaign,
    categories: bool,
) -> Result<(Arc<Facts>, u64)> {
    let version = store.data_version().await?;
    facts_at(store, cache, scope, campaign, categories, version).await
}

async fn facts_at(
    store: &Store,
    cache: &FactsCache,
    scope: &Scope,
    campaign: &StoredCampaign,
    categories: bool,
    version: i64,
) -> Result<(Arc<Facts>, u64)> {
    let key = (scope_key(scope), campaign.id, categories);
    if let Some((v, at, f)) = cache.slots.lock().ok().and_then(|s| s.get(&key).cloned()) {
        if v == version && at.elapsed() < KEEP {
            return Ok((f, at.elapsed().as_secs()));
        }
    }
    let on = yikou_domain::format_date(campaign.campaign.end);
    let f = Arc::new(store.report_facts(scope, campaign.id, &on, categories).await?);
    if let Ok(mut s) = cache.slots.lock() {
        // A handful of areas at most; past that, start again.
        if s.len() > 64 {
            s.clear();
        }
        s.insert(key, (version, Instant::now(), f.clone()));
    }
    Ok((f, 0))
}

/// The campaign's figures by `by` within `drill`, in the actor's area (`year`: the current campaign
/// when none).
pub async fn summary(
    store: &Store,
    cache: &FactsCache,
    actor: &Actor,
    year: Option<i32>,
    by: Dimension,
    drill: &Drill,
) -> Result<Summary> {
    if actor.role.is_some_and(|r| !r.may_read_reports()) {
        return Err(ServiceError::Forbidden);
    }
    let campaign = crate::campaign::of_year(store, year).await?;
    let categories = by == Dimension::Category || drill.category.is_some();
    let version = store.data_version().await?;
    let (facts, age_seconds) = facts_at(store, cache, &actor.scope, &campaign, categories, version).await?;
    // The same view of the same data again: counted once.
    let key = (scope_key(&actor.scope), campaign.id, format!("{}{drill:?}", by.code()));
    let kept = cache.tallies.lock().ok().and_then(|t| t.get(&key).cloned()).filter(|(v, _)| *v == version);
    let tally = match kept {
        Some((_, t)) => (*t).clone(),
        None => {
            let t = count(&facts, by, drill);
            if let Ok(mut all) = cache.tallies.lock() {
                all.retain(|_, (v, _)| *v == version);
                if all.len() > 256 {
                    all.clear();
                }
                all.insert(key, (version, Arc::new(t.clone())));
            }
            t
        }
    };
    Ok(Summary { campaign, tally, facts, age_seconds })
}

/// The entitlements behind a figure: the facts of the actor's area within `drill` (what the figure
/// counted, row for row), as indices into `facts.rows`, by project and person.
pub struct Listed {
    pub campaign: StoredCampaign,
    pub facts: Arc<Facts>,
    pub rows: Vec<usize>,
}

pub async fn listed(
    store: &Store,
    cache: &FactsCache,
    actor: &Actor,
    year: Option<i32>,
    drill: &Drill,
) -> Result<Listed> {
    if actor.role.is_some_and(|r| !r.may_read_reports()) {
        return Err(ServiceError::Forbidden);
    }
    let campaign = crate::campaign::of_year(store, year).await?;
    let (facts, _) = facts(store, cache, &actor.scope, &campaign, drill.category.is_some()).await?;
    let mut rows: Vec<usize> = (0..facts.rows.len())
        .filter(|&i| {
            let f = &facts.rows[i];
            drill.keeps(f, &facts.projects[f.project as usize], &facts.categories)
        })
        .collect();
    rows.sort_by_key(|&i| (facts.rows[i].project, facts.rows[i].person));
    Ok(Listed { campaign, facts, rows })
}

/// What the public page and `GET /api/v1/public/summary` show of the current campaign: counts only,
/// small cells suppressed (`yikou_domain::publish`); categories at their top level (a sub-category can
/// name an illness).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Public {
    /// The campaign's year (the contract), and its name.
    pub campaign: i32,
    pub campaign_name: String,
    pub total: PublicGroup,
    pub groups: Vec<PublicGroup>,
    pub streets: Vec<publish::Line>,
    pub categories: Vec<publish::Line>,
}

/// A unit group's published line (and the total's): its projects, people, person-times and money.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PublicGroup {
    pub group: String,
    pub projects: i64,
    pub people: publish::Count,
    pub person_times: publish::Count,
    pub amount_fen: Option<i64>,
    pub amount_wan: Option<String>,
}

fn public_group(l: publish::Line, projects: i64) -> PublicGroup {
    PublicGroup {
        group: l.name,
        projects,
        people: l.people,
        person_times: l.person_times,
        amount_fen: l.amount_fen,
        amount_wan: l.amount_wan,
    }
}

/// The published figures (no sign-in: read as the system, for the whole district).
pub async fn public(store: &Store, cache: &FactsCache) -> Result<Public> {
    let campaign = crate::campaign::current(store).await?;
    let (facts, _) = facts(store, cache, &Scope::All, &campaign, true).await?;
    // Sub-categories folded into their top-level category.
    let mut top = (*facts).clone();
    for v in top.categories.values_mut() {
        for c in v.iter_mut() {
            if let Some(p) = reference::CATEGORIES.iter().find(|x| x.code == c.as_str()).and_then(|x| x.parent) {
                *c = p.to_string();
            }
        }
        v.sort();
        v.dedup();
    }
    let all = Drill::default();
    let table = |by: Dimension, name: &dyn Fn(&str) -> String| {
        let t = count(&top, by, &all);
        let rows: Vec<(String, &yikou_domain::report::Figures)> =
            t.rows.iter().filter(|f| f.person_times > 0).map(|f| (name(&f.key), f)).collect();
        publish::lines(&rows)
    };
    let label =
        |k: &str| yikou_domain::report::group_of_code(k).map_or_else(|| k.to_string(), |g| g.label().to_string());
    let projects_of = |label: &str| top.projects.iter().filter(|p| p.group.label() == label).count() as i64;
    let groups: Vec<PublicGroup> = table(Dimension::Group, &label)
        .into_iter()
        .map(|l| {
            let n = projects_of(&l.name);
            public_group(l, n)
        })
        .collect();
    let streets = table(Dimension::Street, &|k| {
        reference::streets().find(|u| u.code == k).map_or_else(|| "（未登记）".to_string(), |u| u.name.to_string())
    });
    let categories = table(Dimension::Category, &|k| {
        reference::CATEGORIES
            .iter()
            .find(|c| c.code == k)
            .map_or_else(|| "（未登记类别）".to_string(), |c| c.name.to_string())
    });
    let total = public_group(publish::total(&count(&top, Dimension::Group, &all).total), top.projects.len() as i64);
    Ok(Public {
        campaign: campaign.campaign.year,
        campaign_name: campaign.campaign.name.clone(),
        total,
        groups,
        streets,
        categories,
    })
}

/// The plan's table (附表1) of a campaign (the current one when `year` is None) in the actor's area, as
/// the workbook and the page show it: names for codes, money rounded to hundredths of 万元 per project
/// line, and the subtotals and total as sums of the rounded lines (so that every column adds up).
/// `maker`: the unit named in the subtitle.
pub async fn plan_sheet(
    store: &Store,
    cache: &FactsCache,
    actor: &Actor,
    year: Option<i32>,
    maker: &str,
) -> Result<yikou_ingest::plan_sheet::PlanSheet> {
    use yikou_domain::plan_table::LineKind;
    use yikou_ingest::plan_sheet::{PlanRow, PlanSheet};
    if actor.role.is_some_and(|r| !r.may_read_reports()) {
        return Err(ServiceError::Forbidden);
    }
    let campaign = crate::campaign::of_year(store, year).await?;
    let (facts, _) = facts(store, cache, &actor.scope, &campaign, false).await?;
    let codes: Vec<String> = reference::FUNDING_SOURCES.iter().map(|s| s.code.to_string()).collect();
    let table = yikou_domain::plan_table::plan_table(&facts, &codes);
    let units: HashMap<String, String> = store.units().await?.into_iter().map(|u| (u.code, u.name)).collect();
    let categories: HashMap<String, String> = store.categories().await?.into_iter().map(|c| (c.code, c.name)).collect();
    let unit = |c: &str| units.get(c).cloned().unwrap_or_else(|| c.to_string());
    let sources: Vec<String> = reference::FUNDING_SOURCES.iter().map(|s| s.name.to_string()).collect();
    // Fen to hundredths of 万元 (1 = 100 元), rounded half up.
    let cents = |fen: i64| (fen + 5_000).div_euclid(10_000);
    let width = 3 + sources.len();
    let (mut rows, mut sums, mut total_sums) = (Vec::new(), vec![0i64; width], vec![0i64; width]);
    let (mut no, mut in_group, mut projects) = (0, 0, 0);
    for line in &table.lines {
        match line.kind {
            LineKind::Project => {
                let p = &facts.projects[line.project.unwrap_or_default()];
                no += 1;
                in_group += 1;
                let money: Vec<i64> = [line.planned_fen, line.listed_fen, line.disbursed_fen]
                    .into_iter()
                    .chain(line.by_source_fen.iter().copied())
                    .map(cents)
                    .collect();
                for (a, b) in sums.iter_mut().zip(&money) {
                    *a += b;
                }
                let targets: Vec<String> =
                    p.targets.iter().map(|c| categories.get(c).cloned().unwrap_or_else(|| c.clone())).collect();
                rows.push(PlanRow {
                    bold: false,
                    texts: [no.to_string(), unit(&p.unit_code), p.name.clone(), targets.join("、"), p.standard.clone()],
                    planned_times: line.planned_times,
                    listed_times: line.listed_times,
                    people: line.people,
                    wan_cents: money,
                });
            }
            LineKind::Subtotal => {
                for (a, b) in total_sums.iter_mut().zip(&sums) {
                    *a += b;
                }
                projects += in_group;
                rows.push(PlanRow {
                    bold: true,
                    texts: [
                        String::new(),
                        format!("{} 小计", line.group.label()),
                        format!("{in_group} 个项目"),
                        String::new(),
                        String::new(),
                    ],
                    planned_times: line.planned_times,
                    listed_times: line.listed_times,
                    people: line.people,
                    wan_cents: std::mem::replace(&mut sums, vec![0; width]),
                });
                in_group = 0;
            }
            LineKind::Total => rows.push(PlanRow {
                bold: true,
                texts: [String::new(), "合计".into(), format!("{projects} 个项目"), String::new(), String::new()],
                planned_times: line.planned_times,
                listed_times: line.listed_times,
                people: line.people,
                wan_cents: total_sums.clone(),
            }),
        }
    }
    Ok(PlanSheet {
        title: format!("{}项目安排表", campaign.campaign.name),
        subtitle: format!(
            "（据系统数据生成，{maker}，{}；人数按人去重；金额单位：万元）",
            yikou_domain::format_date(yikou_domain::today())
        ),
        sources,
        rows,
    })
}

/// A member unit's line on the 各成员单位总结 list: its projects, its figures now, its report if filed.
pub struct UnitLine {
    pub unit: String,
    pub projects: usize,
    pub figures: yikou_domain::report::Figures,
    pub filed: Option<yikou_store::report::units::UnitReport>,
}

/// The member units of the current campaign (those with a project) with their figures and reports:
/// the whole list for the district, one's own unit otherwise.
pub async fn unit_reports(
    store: &Store,
    cache: &FactsCache,
    actor: &Actor,
    own_unit: &str,
) -> Result<(StoredCampaign, Vec<UnitLine>)> {
    if actor.role.is_some_and(|r| !r.may_read_reports()) {
        return Err(ServiceError::Forbidden);
    }
    let campaign = crate::campaign::current(store).await?;
    let (facts, _) = facts(store, cache, &actor.scope, &campaign, false).await?;
    let by_unit = count(&facts, Dimension::Unit, &Drill::default());
    let filed = store.unit_reports(campaign.id).await?;
    let mut units: Vec<String> = facts.projects.iter().map(|p| p.unit_code.clone()).collect();
    units.sort();
    units.dedup();
    if actor.scope != Scope::All {
        units.retain(|u| u == own_unit);
    }
    let lines = units
        .into_iter()
        .map(|u| UnitLine {
            projects: facts.projects.iter().filter(|p| p.unit_code == u).count(),
            figures: by_unit.rows.iter().find(|r| r.key == u).cloned().unwrap_or_default(),
            filed: filed.iter().find(|r| r.unit_code == u).cloned(),
            unit: u,
        })
        .collect();
    Ok((campaign, lines))
}

/// Files the actor's unit's 总结 (its text, with its figures as they stand now): the new version.
pub async fn file_unit_report(store: &Store, cache: &FactsCache, actor: &Actor, unit: &str, body: &str) -> Result<i64> {
    if actor.role.is_some_and(|r| !r.may_file_unit_report()) {
        return Err(ServiceError::Forbidden);
    }
    let body = body.trim();
    if body.chars().count() < 20 {
        return Err(ServiceError::Rejected(
            "请写明本单位帮困送温暖工作的组织开展情况（至少20个字）：做了哪些项目、帮扶了哪些对象、发放和走访情况、存在问题".into(),
        ));
    }
    if body.chars().count() > 20_000 {
        return Err(ServiceError::Rejected("总结不超过20000字：请精简，附件材料另行报送".into()));
    }
    let campaign = crate::campaign::current(store).await?;
    let (facts, _) = facts(store, cache, &actor.scope, &campaign, false).await?;
    let figures = count(&facts, Dimension::Unit, &Drill { unit: Some(unit.to_string()), ..Default::default() }).total;
    let json = serde_json::to_string(&figures).unwrap_or_default();
    let mut tx = store.write(actor).await?;
    let version = yikou_store::report::units::file_unit_report(&mut tx, campaign.id, unit, body, &json).await?;
    tx.commit().await?;
    Ok(version)
}

/// 走访、服务与卡券汇总: what the current campaign gave beyond money lists, within the actor's area.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Care {
    pub year: i32,
    pub streets: Vec<yikou_store::report::care::CareRow>,
    pub total: yikou_store::report::care::CareRow,
    pub vouchers: Vec<yikou_store::report::care::VoucherRow>,
}

pub async fn care(store: &Store, actor: &Actor) -> Result<Care> {
    if actor.role.is_some_and(|r| !r.may_read_reports()) {
        return Err(ServiceError::Forbidden);
    }
    let c = crate::campaign::current(store).await?;
    let (streets, total) = store.care_by_street(&actor.scope, c.id).await?;
    let vouchers = store.vouchers_by_batch(&actor.scope, c.id, yikou_domain::today()).await?;
    Ok(Care { year: c.campaign.year, streets, total, vouchers })
}
