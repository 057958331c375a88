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
use yikou_store::accounts::auth::SessionUser;

/// One thing waiting on the home page: what, how many, where to do it.
pub struct WorkItem {
    pub text: String,
    pub link: &'static str,
    /// Past a deadline: shown first and marked.
    pub urgent: bool,
}

/// A line of the campaign's progress: by funding body (民政、人社 …), planned against listed.
pub struct ProgressLine {
    pub group: String,
    pub projects: String,
    pub planned_wan: String,
    pub person_times: String,
    pub amount_wan: String,
    pub share: String,
}

#[derive(Template)]
#[template(path = "campaign/home.html")]
struct HomePage {
    frame: Frame,
    work: Vec<WorkItem>,
    people: Option<String>,
    /// Whole district: the plan's figures beside the listed ones; an area sees its own listed only.
    whole: bool,
    progress: Vec<ProgressLine>,
    total: Option<ProgressLine>,
    mismatches: Vec<String>,
    /// 发放进度 in words, once anything is approved.
    money: Option<String>,
}

fn share(part: i64, whole: i64) -> String {
    if whole > 0 {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    } else {
        "—".into()
    }
}

/// 首页: the user's work first (by role), then the campaign's progress in their area.
pub async fn home(State(state): State<AppState>, Signed(s): Signed) -> Result<Html<String>, AppError> {
    let actor = s.actor();
    let w = yikou_service::campaign::worklist(&state.store, &actor, s.user.id, &s.user.unit_code).await?;
    let campaign = yikou_service::campaign::current(&state.store).await.ok();
    let mut work = Vec::new();
    let n = |v: i64| group_thousands(v.max(0) as u64);
    if s.user.role.may_review() && campaign.is_some() {
        // The kept run's findings waiting within the user's area (run again first if the data changed).
        let overview = yikou_service::check::overview(&state.store, &actor, None).await?;
        let k: u64 = overview.kinds.iter().map(|k| k.open).sum();
        if k > 0 {
            work.push(WorkItem {
                text: format!("待处理的比对疑点 {} 条", n(k as i64)), link: "/check", urgent: false
            });
        }
    }
    // Past a deadline: first, marked.
    if let (Some(open), Some(late)) = (w.cases_open.filter(|o| *o > 0), w.cases_overdue) {
        let (text, urgent) = if late > 0 {
            (format!("待办结的回访问题件 {} 个，其中 {} 个已超过办理期限，请尽快核实办结", n(open), n(late)), true)
        } else {
            (format!("待办结的回访问题件 {} 个", n(open)), false)
        };
        work.insert(0, WorkItem { text, link: "/followup/cases", urgent });
    }
    let items: [(Option<i64>, &str, &'static str); 9] = [
        (w.calls_waiting, "分配给您、尚未接通的回访对象 {} 个", "/followup"),
        (w.uploads_waiting, "已检查、尚未确认导入的名单 {} 份", "/imports"),
        (w.rosters_to_submit, "本单位待提交审核的名单 {} 份（在项目页面提交）", "/projects"),
        (w.rosters_to_review, "等待审核的名单 {} 份", "/projects"),
        (w.batches_open, "尚未导入银行结果的代发批次 {} 个", "/payments"),
        (w.accounts_to_complete, "等待您完成双人复核的账号 {} 个", "/users"),
        (w.accounts_locked, "因多次输错密码被锁定的账号 {} 个", "/users"),
        (w.reveals_today, "今天查看完整身份证号 {} 次", "/audit?action=person.reveal_id"),
        (w.exports_today, "今天导出或打印名单 {} 次", "/audit"),
    ];
    for (count, text, link) in items {
        if let Some(c) = count.filter(|c| *c > 0) {
            work.push(WorkItem { text: text.replace("{}", &n(c)), link, urgent: false });
        }
    }
    let whole = actor.scope == yikou_domain::Scope::All;
    let (mut progress, mut total, mut mismatches) = (Vec::new(), None, Vec::new());
    if let (Some(c), true) = (&campaign, s.user.role.may_read_reports()) {
        let summary = state.store.campaign_summary(&actor.scope, c.campaign.year).await?;
        // The plan's money by funding body, from the projects (the whole district's plan).
        let mut planned: std::collections::HashMap<String, i64> = Default::default();
        if whole {
            for p in state.store.projects(&actor.scope, c.id).await? {
                *planned.entry(p.project.unit_group.label().to_string()).or_default() += p.project.planned_total().0;
            }
        }
        for g in &summary.groups {
            let plan = planned.get(&g.group).copied().unwrap_or(0);
            progress.push(ProgressLine {
                group: g.group.clone(),
                projects: n(g.projects),
                planned_wan: Fen(plan).wan(),
                person_times: n(g.person_times),
                amount_wan: Fen(g.amount_fen).wan(),
                share: share(g.amount_fen, plan),
            });
        }
        let plan: i64 = planned.values().sum();
        let t = &summary.total;
        total = Some(ProgressLine {
            group: format!("合计（{} 人）", n(t.people)),
            projects: n(t.projects),
            planned_wan: Fen(plan).wan(),
            person_times: n(t.person_times),
            amount_wan: Fen(t.amount_fen).wan(),
            share: share(t.amount_fen, plan),
        });
        if whole {
            mismatches = summary.mismatches.iter().map(|m| m.message.clone()).collect();
        }
    }
    // Money approved against money paid (一口发放), in the user's area.
    let money = w.money.as_ref().map(|m| {
        format!(
            "已批准下达 {} 笔 {} 元；已发放 {} 笔 {} 元（{}）；发放失败待重新发放 {} 笔；待发放 {} 笔 {} 元。",
            n(m.approved.entitlements),
            Fen(m.approved.amount_fen).yuan(),
            n(m.disbursed.entitlements),
            Fen(m.disbursed.amount_fen).yuan(),
            share(m.disbursed.amount_fen, m.approved.amount_fen),
            n(m.failed.entitlements),
            n(m.pending.entitlements),
            Fen(m.pending.amount_fen).yuan(),
        )
    });
    Ok(Html(
        HomePage {
            frame: frame(&state, &s).await?,
            work,
            people: w.people.map(n),
            whole,
            progress,
            total,
            mismatches,
            money,
        }
        .render()?,
    ))
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

/// The unit a project is counted in, as the plan's table counts it.
fn times_label(u: yikou_domain::CountingUnit) -> &'static str {
    match u {
        yikou_domain::CountingUnit::Person => "人次",
        yikou_domain::CountingUnit::Household => "户",
    }
}

pub(crate) fn project_row(id: i64, p: &yikou_domain::Project, a: &yikou_store::campaign::ProjectActual) -> ProjectRow {
    ProjectRow {
        id,
        code: p.code.clone(),
        name: p.name.clone(),
        unit: unit_name(&p.unit_code),
        group: p.unit_group.label(),
        standard: p.standard.describe(),
        // Planned and listed in the same unit: a person project's 人次, a household project's 户.
        planned_count: format!("{}{}", group_thousands(p.planned_count.max(0) as u64), times_label(p.counting_unit)),
        planned_money: p.planned_total().yuan(),
        actual_count: format!("{}{}", group_thousands(a.entitlements.max(0) as u64), times_label(p.counting_unit)),
        actual_money: Fen(a.amount_fen).yuan(),
    }
}

#[derive(Template)]
#[template(path = "campaign/projects.html")]
struct ProjectsPage {
    frame: Frame,
    rows: Vec<ProjectRow>,
    /// Whole district: the plan and the lists are of the same area; otherwise the plan is the
    /// district's and the lists are the user's area (the headers say so).
    whole: bool,
    /// Projects, planned money, listed entitlements, listed money.
    total: (String, String, String, String, String, String),
}

pub async fn projects(State(state): State<AppState>, Signed(s): Signed) -> Result<Html<String>, AppError> {
    if !s.user.role.is_business() {
        return Err(AppError::Forbidden);
    }
    let scope = s.actor().scope;
    let c = yikou_service::campaign::current(&state.store).await?;
    let projects = state.store.projects(&scope, c.id).await?;
    let actuals = state.store.project_actuals(&scope, c.id).await?;
    let (mut persons, mut households, mut money, mut planned) = (0i64, 0i64, 0i64, 0i64);
    let rows: Vec<ProjectRow> = projects
        .iter()
        .map(|sp| {
            let p = &sp.project;
            let a = actuals.get(&sp.id).cloned().unwrap_or_default();
            // 人次 and 户 are not added together.
            match p.counting_unit {
                yikou_domain::CountingUnit::Person => persons += a.entitlements,
                yikou_domain::CountingUnit::Household => households += a.entitlements,
            }
            money += a.amount_fen;
            planned += p.planned_total().0;
            project_row(sp.id, p, &a)
        })
        .collect();
    let total = (
        group_thousands(rows.len() as u64),
        Fen(planned).yuan(),
        Fen(planned).wan(),
        format!("{}人次，{}户", group_thousands(persons as u64), group_thousands(households as u64)),
        Fen(money).yuan(),
        Fen(money).wan(),
    );
    let whole = scope == yikou_domain::Scope::All;
    Ok(Html(ProjectsPage { frame: frame(&state, &s).await?, rows, whole, total }.render()?))
}

#[derive(Deserialize, Default)]
pub struct RosterParams {
    after: Option<i64>,
    /// The roster act just done (`submit`, `approve`, `return`) and the roster's unit.
    done: Option<String>,
    unit: Option<String>,
}

#[derive(Template)]
#[template(path = "campaign/project.html")]
struct ProjectPage {
    frame: Frame,
    row: ProjectRow,
    targets: String,
    budget: Vec<(String, String)>,
    roster: Vec<RosterEntry>,
    next: Option<String>,
    rosters: crate::features::rosters::section::Section,
}

/// One entry of the list on a project page; for an approved one, the person's facts as approved
/// where today's register differs.
struct RosterEntry {
    person_id: i64,
    name: String,
    id_masked: String,
    street: String,
    household: String,
    amount: String,
    state: String,
    roster: String,
    approved_as: String,
}

pub async fn project(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(id): Path<i64>,
    Query(q): Query<RosterParams>,
) -> Result<Html<String>, AppError> {
    let done = match (q.done.as_deref(), q.unit.as_deref()) {
        (Some("submit"), _) => {
            Some("名单已提交审核，等待区民政局审核；审核期间不能再导入或修改本单位的名单。".to_string())
        }
        (Some(act @ ("approve" | "return")), Some(unit)) => {
            let unit = names(&state).await?.unit(unit);
            Some(if act == "approve" {
                format!("已批准下达{unit}的名单，记录的金额和对象信息已锁定。")
            } else {
                format!("已退回{unit}的名单，经办人修改后可重新提交。")
            })
        }
        _ => None,
    };
    let note = crate::features::rosters::section::Note { done, refused: None };
    Ok(Html(render_project(&state, &s, id, q.after.unwrap_or(0), note).await?))
}

/// A project page (a page of its list from `after`) with the roster section and its message.
pub(crate) async fn render_project(
    state: &AppState,
    s: &SessionUser,
    id: i64,
    after: i64,
    note: crate::features::rosters::section::Note,
) -> Result<String, AppError> {
    if !s.user.role.is_business() {
        return Err(AppError::Forbidden);
    }
    let scope = s.actor().scope;
    let (c, sp) = yikou_service::campaign::visible_project(&state.store, &scope, id).await?;
    let p = &sp.project;
    let a = state.store.project_actuals(&scope, c.id).await?.remove(&id).unwrap_or_default();
    let (lines, next) = state.store.project_roster(&scope, id, after, 100).await?;
    let names = names(state).await?;
    let roster = lines
        .into_iter()
        .map(|l| {
            let street = l.street_code.as_deref().map(|c| names.unit(c)).unwrap_or_default();
            // What approval froze, where the register now says otherwise.
            let mut then = Vec::new();
            if l.approved_name.as_ref().is_some_and(|n| *n != l.name) {
                then.push(l.approved_name.clone().unwrap_or_default());
            }
            if l.approved_name.is_some() && l.approved_street != l.street_code {
                then.push(l.approved_street.as_deref().map(|c| names.unit(c)).unwrap_or_default());
            }
            if l.approved_name.is_some() && l.approved_committee != l.committee_code {
                then.push(l.approved_committee.as_deref().map(|c| names.unit(c)).unwrap_or_default());
            }
            RosterEntry {
                person_id: l.person_id,
                name: l.name,
                id_masked: l.id_number_masked,
                street,
                household: l.household_size.map(|h| h.to_string()).unwrap_or_default(),
                amount: Fen(l.amount_fen).yuan(),
                state: state_label(&l.state),
                roster: l.unit_code.as_deref().map(|c| names.unit(c)).unwrap_or_default(),
                approved_as: then.join("，"),
            }
        })
        .collect();
    let rosters = crate::features::rosters::section::section(state, s, id, note).await?;
    Ok(ProjectPage {
        frame: frame(state, s).await?,
        targets: p.target_categories.iter().map(|c| names.category(c)).collect::<Vec<_>>().join("、"),
        budget: p.planned_budget.iter().map(|(src, f)| (source_name(src), f.yuan())).collect(),
        row: project_row(id, p, &a),
        roster,
        next: next.map(|n| format!("/projects/{id}?after={n}")),
        rosters,
    }
    .render()?)
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
