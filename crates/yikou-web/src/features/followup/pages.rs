//! 随机电话回访 pages: the samples and the form to draw one (the bureau); a sample's page — results
//! by stratum with a chart, the cases, the people drawn; a caller's view of their share; the call
//! form with the number to dial shown on request (audited).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yikou_domain::followup::{CallAnswer, Reached, Received, Strata};
use yikou_domain::money::group_thousands;
use yikou_domain::pay::PayMethod;
use yikou_domain::Fen;
use yikou_service::followup as use_case;
use yikou_service::ServiceError;
use yikou_store::accounts::auth::SessionUser;
use yikou_store::followup::StratumResult;

use super::form::DrawForm;
use super::report::Labels;

use crate::chart::{bars, Row, Series};
use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

pub struct SampleRow {
    pub id: i64,
    pub created: String,
    pub by: String,
    pub population: String,
    pub size: String,
    pub state: &'static str,
}

#[derive(Template)]
#[template(path = "followup/samples.html")]
struct SamplesPage {
    frame: Frame,
    rows: Vec<SampleRow>,
    plans: bool,
    error: Option<String>,
    form: DrawForm,
    /// (value, label, chosen)
    projects: Vec<(i64, String, bool)>,
    streets: Vec<(String, String, bool)>,
    units: Vec<(String, String, bool)>,
    methods: Vec<(&'static str, &'static str)>,
    strata: Vec<(&'static str, &'static str)>,
    callers: Vec<String>,
}

async fn render_samples(
    state: &AppState,
    s: &SessionUser,
    form: DrawForm,
    error: Option<String>,
) -> Result<String, AppError> {
    let actor = s.actor();
    let list = use_case::samples(&state.store, &actor).await?;
    let people: std::collections::HashMap<String, String> =
        state.store.users().await?.into_iter().map(|u| (u.login, u.display_name)).collect();
    let plans = s.user.role.may_plan_followup();
    let names = names(state).await?;
    let (mut projects, mut units, mut callers) = (Vec::new(), Vec::new(), Vec::new());
    if plans {
        let campaign = yikou_service::campaign::current(&state.store).await?;
        for p in state.store.projects(&actor.scope, campaign.id).await? {
            let label = format!("{}（{}）", p.project.name, p.project.code);
            projects.push((p.id, label, form.projects.contains(&p.id)));
            if !units.iter().any(|(c, _, _): &(String, String, bool)| *c == p.project.unit_code) {
                let code = p.project.unit_code.clone();
                units.push((code.clone(), names.unit(&code), form.units.contains(&code)));
            }
        }
        units.sort();
        callers = state
            .store
            .users()
            .await?
            .into_iter()
            .filter(|u| u.role.may_call() && !u.role.may_plan_followup() && !u.disabled)
            .map(|u| u.login)
            .collect();
    }
    Ok(SamplesPage {
        frame: frame(state, s).await?,
        rows: list
            .iter()
            .map(|x| SampleRow {
                id: x.id,
                created: time_text(&x.created_at),
                by: people.get(&x.created_by).cloned().unwrap_or_else(|| x.created_by.clone()),
                population: group_thousands(x.population.max(0) as u64),
                size: group_thousands(x.size.max(0) as u64),
                state: if x.state == "open" { "进行中" } else { "已结束" },
            })
            .collect(),
        plans,
        error,
        projects,
        streets: yikou_domain::reference::streets()
            .map(|u| (u.code.to_string(), u.name.to_string(), form.streets.iter().any(|c| c == u.code)))
            .collect(),
        units,
        methods: PayMethod::ALL.iter().map(|m| (m.code(), m.label())).collect(),
        strata: Strata::ALL.iter().map(|x| (x.code(), x.label())).collect(),
        callers,
        form,
    }
    .render()?)
}

pub async fn samples(State(state): State<AppState>, Signed(s): Signed) -> Result<Html<String>, AppError> {
    Ok(Html(render_samples(&state, &s, DrawForm::new(), None).await?))
}

/// 抽取样本: the form's filters, size rule, strata, callers and seed; refused with the form kept.
pub async fn create(
    State(state): State<AppState>,
    Posted(s, f): Posted<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    if !s.user.role.may_plan_followup() {
        return Err(AppError::Forbidden);
    }
    let form = DrawForm::from_pairs(&f);
    let (state, s) = (&state, &s);
    let refuse = |form: DrawForm, m: String| async move {
        let html = render_samples(state, s, form, Some(m)).await?;
        Ok::<_, AppError>((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
    };
    let params = match form.params() {
        Ok(p) => p,
        Err(m) => return refuse(form, m).await,
    };
    match use_case::create_sample(&state.store, &s.actor(), None, &params).await {
        Ok(m) => Ok((StatusCode::SEE_OTHER, [(header::LOCATION, format!("/followup/{}", m.sample))]).into_response()),
        Err(ServiceError::Conflict(m) | ServiceError::Rejected(m)) => refuse(form, m).await,
        Err(e) => Err(e.into()),
    }
}

pub struct ResultRow {
    pub key: String,
    pub size: u64,
    pub called: u64,
    pub reached: u64,
    pub confirmed: u64,
    pub discrepancies: u64,
    pub rate: String,
    pub ci: String,
    pub satisfaction: String,
    pub rate_value: f64,
    pub interval: Option<(f64, f64)>,
}

fn result_row(labels: &Labels, r: &StratumResult) -> ResultRow {
    ResultRow {
        key: labels.stratum(&r.key),
        size: r.size,
        called: r.called,
        reached: r.reached,
        confirmed: r.confirmed,
        discrepancies: r.discrepancies,
        rate: if r.reached == 0 { "—".into() } else { format!("{:.1}%", r.discrepancy_rate * 100.0) },
        ci: if r.reached == 0 {
            "尚无接通".into()
        } else {
            format!("{:.1}% – {:.1}%", r.ci95.0 * 100.0, r.ci95.1 * 100.0)
        },
        satisfaction: r.satisfaction.map(|x| format!("{x:.1}")).unwrap_or_else(|| "—".into()),
        rate_value: r.discrepancy_rate,
        interval: (r.reached > 0).then_some(r.ci95),
    }
}

pub struct MemberRow {
    pub entitlement: i64,
    pub stratum: String,
    pub name: String,
    pub id_masked: String,
    pub project: String,
    pub amount: String,
    pub caller: String,
    pub last: String,
    pub calls: i64,
}

pub struct CaseRow {
    pub id: i64,
    pub name: String,
    pub problem: &'static str,
    pub unit: String,
    pub deadline: String,
    pub overdue: bool,
    pub owner: String,
    pub open: bool,
    pub acts: bool,
    pub resolution: String,
}

#[derive(Template)]
#[template(path = "followup/sample.html")]
struct SamplePage {
    frame: Frame,
    id: i64,
    chart: Option<String>,
    drawn_by: String,
    /// The reader sees their area's part only.
    part: bool,
    seed: String,
    generator: String,
    sha: String,
    population: i64,
    excluded: i64,
    size: i64,
    filter: String,
    size_how: String,
    strata_how: String,
    open: bool,
    close_reason: String,
    total: Option<ResultRow>,
    strata: Vec<ResultRow>,
    cases: Vec<CaseRow>,
    members: Vec<MemberRow>,
    plans: bool,
    notice: Option<String>,
    error: Option<String>,
}

async fn render_sample(
    state: &AppState,
    s: &SessionUser,
    id: i64,
    notice: Option<String>,
    error: Option<String>,
) -> Result<String, AppError> {
    let (head, members, detail) = use_case::sample_page(&state.store, &s.actor(), id).await?;
    let names = names(state).await?;
    let labels = Labels::load(state, &s.actor(), head.campaign_id).await?;
    let (filter, size_how, strata_how) = labels.drawn(&head);
    let (total, strata, cases) = match &detail {
        Some((r, cases)) => (
            Some(result_row(&labels, &r.total)),
            r.strata.iter().map(|x| result_row(&labels, x)).collect(),
            cases
                .iter()
                .map(|c| CaseRow {
                    id: c.id,
                    name: c.name.clone(),
                    problem: c.received.map_or("—", |r| r.label()),
                    unit: names.unit(&c.unit_code),
                    deadline: c.deadline.clone().unwrap_or_default(),
                    overdue: c.overdue,
                    owner: c.owner.clone().unwrap_or_default(),
                    open: c.open,
                    acts: c.mine && s.user.role.may_resolve_cases(),
                    resolution: c.resolution.clone().unwrap_or_default(),
                })
                .collect(),
        ),
        None => (None, Vec::new(), Vec::new()),
    };
    let label = |reached: &Option<String>, received: &Option<String>| match (reached.as_deref(), received.as_deref()) {
        (None, _) => "未拨打".to_string(),
        (Some(r), None) => Reached::from_code(r).map_or(r.to_string(), |x| x.label().to_string()),
        (Some(_), Some(rc)) => Received::from_code(rc).map_or(rc.to_string(), |x| x.label().to_string()),
    };
    let chart = (strata.len() <= 40 && total.as_ref().is_some_and(|t: &ResultRow| t.reached > 0)).then(|| {
        let rows: Vec<Row> = strata
            .iter()
            .map(|r: &ResultRow| Row {
                label: r.key.clone(),
                values: vec![(r.rate_value, r.rate.clone())],
                interval: r.interval,
            })
            .collect();
        let top = strata.iter().filter_map(|r| r.interval.map(|i| i.1)).fold(0.05, f64::max);
        bars(
            "各层问题率条形图（线段为95%置信区间），数值见上表",
            &[Series { name: "问题率", colour: "#c0504d" }],
            &rows,
            top,
        )
    });
    let drawn_by = display_name(state, &head.created_by).await?;
    Ok(SamplePage {
        frame: frame(state, s).await?,
        id,
        chart,
        drawn_by,
        part: s.actor().scope != yikou_domain::Scope::All,
        seed: head.seed,
        generator: format!("{}（第{}版）", head.generator, head.generator_version),
        sha: head.population_sha256,
        population: head.population,
        excluded: head.excluded_no_phone,
        size: head.size,
        filter,
        size_how,
        strata_how,
        open: head.state == "open",
        close_reason: head.close_reason.unwrap_or_default(),
        total,
        strata,
        cases,
        members: members
            .iter()
            .map(|m| MemberRow {
                entitlement: m.entitlement_id,
                stratum: labels.stratum(&m.stratum),
                name: m.name.clone(),
                id_masked: m.id_number_masked.clone(),
                project: m.project_name.clone(),
                amount: Fen(m.amount_fen).yuan(),
                caller: m.caller.clone().unwrap_or_default(),
                last: label(&m.last_reached, &m.last_received),
                calls: m.calls,
            })
            .collect(),
        plans: s.user.role.may_plan_followup(),
        notice,
        error,
    }
    .render()?)
}

#[derive(Deserialize, Default)]
pub struct SampleParamsQuery {
    called: Option<String>,
}

pub async fn sample(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<SampleParamsQuery>,
) -> Result<Html<String>, AppError> {
    let notice = q.called.map(|c| {
        if c == "case" {
            "已记录，并为该对象立了问题件，交发放单位核实处理。".to_string()
        } else {
            "已记录本次回访。".to_string()
        }
    });
    Ok(Html(render_sample(&state, &s, id, notice, None).await?))
}

#[derive(Template)]
#[template(path = "followup/call.html")]
struct CallPage {
    frame: Frame,
    id: i64,
    entitlement: i64,
    name: String,
    id_masked: String,
    phone_masked: String,
    phone: Option<String>,
    project: String,
    amount: String,
    error: Option<String>,
    /// What was typed (kept when the form is refused).
    typed: CallForm,
}

async fn render_call(
    state: &AppState,
    s: &SessionUser,
    id: i64,
    entitlement: i64,
    phone: Option<String>,
    error: Option<String>,
    typed: CallForm,
) -> Result<String, AppError> {
    if !s.user.role.may_call() {
        return Err(AppError::Forbidden);
    }
    let members = state.store.sample_member_views(&s.actor(), id).await?;
    let m = members.into_iter().find(|m| m.entitlement_id == entitlement).ok_or(AppError::NotFound)?;
    Ok(CallPage {
        frame: frame(state, s).await?,
        id,
        entitlement,
        name: m.name,
        id_masked: m.id_number_masked,
        phone_masked: m.phone_masked.unwrap_or_default(),
        phone,
        project: m.project_name,
        amount: Fen(m.amount_fen).yuan(),
        error,
        typed,
    }
    .render()?)
}

pub async fn call_form(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path((id, entitlement)): Path<(i64, i64)>,
) -> Result<Html<String>, AppError> {
    Ok(Html(render_call(&state, &s, id, entitlement, None, None, CallForm::default()).await?))
}

/// 显示拨打号码: the number, on record.
pub async fn dial(
    State(state): State<AppState>,
    Path((id, entitlement)): Path<(i64, i64)>,
    Posted(s, _f): Posted<NoFields>,
) -> Result<Html<String>, AppError> {
    let phone = use_case::phone(&state.store, &s.actor(), id, entitlement).await?;
    let shown = Some(phone.unwrap_or_else(|| "（未登记）".into()));
    Ok(Html(render_call(&state, &s, id, entitlement, shown, None, CallForm::default()).await?))
}

#[derive(Deserialize, Default, Clone)]
pub struct CallForm {
    #[serde(default)]
    reached: String,
    #[serde(default)]
    received: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    satisfaction: String,
    #[serde(default)]
    needs: String,
    #[serde(default)]
    remarks: String,
}

pub async fn call(
    State(state): State<AppState>,
    Path((id, entitlement)): Path<(i64, i64)>,
    Posted(s, f): Posted<CallForm>,
) -> Result<Response, AppError> {
    if !s.user.role.may_call() {
        return Err(AppError::Forbidden);
    }
    let typed = f.clone();
    let refuse = |m: String| async {
        let html = render_call(&state, &s, id, entitlement, None, Some(m), typed).await?;
        Ok::<_, AppError>((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
    };
    let Some(reached) = Reached::from_code(&f.reached) else { return refuse("请选择是否接通".into()).await };
    let received = if f.received.is_empty() { None } else { Received::from_code(&f.received) };
    let amount = match f.amount.trim() {
        "" => None,
        a => match Fen::parse(a) {
            Ok(x) => Some(x.0),
            Err(e) => return refuse(format!("确认的金额：{e}")).await,
        },
    };
    let satisfaction = f.satisfaction.trim().parse::<u8>().ok();
    let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let answer = CallAnswer {
        reached,
        received,
        amount_fen: amount,
        satisfaction,
        needs: text(&f.needs),
        remarks: text(&f.remarks),
    };
    match use_case::record_call(&state.store, &s.actor(), id, entitlement, &answer).await {
        Ok((_, case)) => {
            let to = format!("/followup/{id}?called={}", if case.is_some() { "case" } else { "ok" });
            Ok((StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response())
        }
        Err(ServiceError::Rejected(m)) => refuse(m).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct Resolution {
    #[serde(default)]
    resolution: String,
    /// "cases": posted from the cases page, back there.
    #[serde(default)]
    back: String,
}

pub async fn resolve(
    State(state): State<AppState>,
    Path((id, case)): Path<(i64, i64)>,
    Posted(s, f): Posted<Resolution>,
) -> Result<Response, AppError> {
    let to_cases = f.back == "cases";
    match use_case::resolve_case(&state.store, &s.actor(), case, &f.resolution).await {
        Ok(()) => {
            let to = if to_cases { "/followup/cases?done=1".to_string() } else { format!("/followup/{id}") };
            Ok((StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response())
        }
        Err(e @ (ServiceError::Rejected(_) | ServiceError::Conflict(_))) => {
            let html = if to_cases {
                render_cases(&state, &s, None, Some(e.to_string())).await?
            } else {
                render_sample(&state, &s, id, None, Some(e.to_string())).await?
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    reason: String,
}

pub async fn close(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted(s, f): Posted<CloseForm>,
) -> Result<Response, AppError> {
    let reason = Some(f.reason.trim()).filter(|r| !r.is_empty());
    match use_case::close(&state.store, &s.actor(), id, reason).await {
        Ok(_) => Ok((StatusCode::SEE_OTHER, [(header::LOCATION, format!("/followup/{id}"))]).into_response()),
        Err(ServiceError::Conflict(m)) => {
            let html = render_sample(&state, &s, id, None, Some(m)).await?;
            Ok((StatusCode::CONFLICT, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub struct CaseListRow {
    pub acts: bool,
    pub problem: &'static str,
    pub owner: String,
    pub id: i64,
    pub sample: i64,
    pub name: String,
    pub id_masked: String,
    pub project: String,
    pub unit: String,
    pub opened: String,
    pub deadline: String,
    pub overdue: bool,
    pub open: bool,
    pub resolution: String,
}

#[derive(Template)]
#[template(path = "followup/cases.html")]
struct CasesPage {
    frame: Frame,
    rows: Vec<CaseListRow>,
    open: usize,
    overdue: usize,
    notice: Option<String>,
    error: Option<String>,
}

async fn render_cases(
    state: &AppState,
    s: &SessionUser,
    notice: Option<String>,
    error: Option<String>,
) -> Result<String, AppError> {
    let list = use_case::cases(&state.store, &s.actor()).await?;
    let names = names(state).await?;
    let resolves = s.user.role.may_resolve_cases();
    Ok(CasesPage {
        frame: frame(state, s).await?,
        open: list.iter().filter(|c| c.open).count(),
        overdue: list.iter().filter(|c| c.overdue).count(),
        rows: list
            .into_iter()
            .map(|c| CaseListRow {
                acts: c.mine && resolves,
                problem: c.received.map_or("—", |r| r.label()),
                owner: c.owner.unwrap_or_default(),
                id: c.id,
                sample: c.sample_id,
                name: c.name,
                id_masked: c.id_number_masked,
                project: c.project_name,
                unit: names.unit(&c.unit_code),
                opened: time_text(&c.opened_at),
                deadline: c.deadline.unwrap_or_default(),
                overdue: c.overdue,
                open: c.open,
                resolution: c.resolution.unwrap_or_default(),
            })
            .collect(),
        notice,
        error,
    }
    .render()?)
}

#[derive(Deserialize, Default)]
pub struct CasesQuery {
    done: Option<String>,
    assigned: Option<String>,
}

/// 回访问题件: the cases of the user's area, open and overdue first, resolved on the page.
pub async fn cases(
    State(state): State<AppState>,
    Signed(s): Signed,
    axum::extract::Query(q): axum::extract::Query<CasesQuery>,
) -> Result<Html<String>, AppError> {
    let notice = match (q.done, q.assigned) {
        (Some(_), _) => Some("问题件已办结。".to_string()),
        (None, Some(_)) => Some("已保存经办人和期限。".to_string()),
        _ => None,
    };
    Ok(Html(render_cases(&state, &s, notice, None).await?))
}

#[derive(Deserialize)]
pub struct Assignment {
    #[serde(default)]
    owner: String,
    #[serde(default)]
    deadline: String,
}

/// 指定经办人和期限 of a case (the unit that paid, or the bureau); back to the cases page.
pub async fn assign(
    State(state): State<AppState>,
    Path((_id, case)): Path<(i64, i64)>,
    Posted(s, f): Posted<Assignment>,
) -> Result<Response, AppError> {
    match use_case::assign_case(&state.store, &s.actor(), case, &f.owner, &f.deadline).await {
        Ok(()) => {
            Ok((StatusCode::SEE_OTHER, [(header::LOCATION, "/followup/cases?assigned=1".to_string())]).into_response())
        }
        Err(e @ (ServiceError::Rejected(_) | ServiceError::Conflict(_))) => {
            let html = render_cases(&state, &s, None, Some(e.to_string())).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
