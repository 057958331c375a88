//! 比对核查 pages: the findings of the current campaign by type, 待处理 or 已处理, fifty a page; and
//! deciding one. A refused decision shows the same list again with the message beside its row and
//! the reason as typed; a decision made goes back to the same list with what was decided.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use std::collections::HashMap;

use super::list::{self, Projects, Refused, Row, Shown, Tab, Which, PER_PAGE};
use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};
use yikou_domain::{FindingKind, Scope};
use yikou_service::check::{self, Decision, Overview};
use yikou_store::accounts::auth::SessionUser;
use yikou_store::campaign::EntitlementBrief;

#[derive(Deserialize, Default)]
pub struct CheckParams {
    #[serde(rename = "type")]
    pub(crate) kind: Option<String>,
    /// `open` (待处理, the default) or `done` (已处理).
    pub(crate) status: Option<String>,
    pub(crate) page: Option<String>,
    /// The key of the finding just decided (for the message saying so).
    pub(crate) done: Option<String>,
    /// The entitlement just withdrawn (for the message saying so).
    pub(crate) withdrawn: Option<i64>,
}

#[derive(Template)]
#[template(path = "check/check.html")]
struct CheckPage {
    frame: Frame,
    seconds: String,
    /// When the findings shown were computed (Beijing time).
    computed: String,
    rules_version: i64,
    tabs: Vec<Tab>,
    empty: Vec<&'static str>,
    title: String,
    kind: String,
    shown: String,
    open: usize,
    done: usize,
    total: usize,
    page: usize,
    pages: usize,
    /// Page numbers and their addresses (an empty address: a gap).
    pager: Vec<(usize, String)>,
    rows: Vec<Row>,
    notice: Option<String>,
    refused: Option<(usize, String)>,
    /// May the user withdraw entitlements (a roster's preparer, not a reviewer)?
    corrects: bool,
}

impl CheckPage {
    fn url(&self, shown: &str, page: usize) -> String {
        format!("/check?type={}&status={shown}&page={page}", self.kind)
    }
}

pub async fn check(
    State(state): State<AppState>,
    Signed(s): Signed,
    Query(p): Query<CheckParams>,
) -> Result<Html<String>, AppError> {
    if !s.user.role.may_review() {
        return Err(AppError::Forbidden);
    }
    let overview = check::overview(&state.store, &s.actor(), None).await?;
    let which = Which::asked(&overview.kinds, p.kind.as_deref(), p.status.as_deref(), p.page.as_deref());
    let notice = match p.withdrawn {
        Some(id) => withdrawn_notice(&state, &s, &overview, id).await?,
        None => None,
    };
    Ok(Html(render(&state, &s, &overview, which, p.done.as_deref(), None, notice).await?))
}

/// What the user just withdrew, from its audit record (their own act only).
async fn withdrawn_notice(
    state: &AppState,
    s: &SessionUser,
    overview: &Overview,
    id: i64,
) -> Result<Option<String>, AppError> {
    let records = state.store.audit_records(Some(("entitlement", &id.to_string())), 5).await?;
    let Some(record) = records.iter().find(|r| r.action == "entitlement.withdraw" && r.actor == s.user.login) else {
        return Ok(None);
    };
    let projects = projects(state, &s.actor().scope, overview).await?;
    Ok(list::withdrawn_message(id, record, &projects))
}

/// The project names of the campaign, with the ids of those the user may open.
async fn projects(state: &AppState, scope: &Scope, overview: &Overview) -> Result<Projects, AppError> {
    let campaign = overview.campaign.id;
    let visible: Vec<i64> = state.store.projects(scope, campaign).await?.iter().map(|p| p.id).collect();
    Ok(state
        .store
        .projects(&Scope::All, campaign)
        .await?
        .into_iter()
        .map(|sp| {
            let name = format!("{}（{}）", sp.project.name, sp.project.code);
            (sp.project.code, (visible.contains(&sp.id).then_some(sp.id), name))
        })
        .collect())
}

/// The page for one list; `done`: the key of the finding just decided; `refused`: a decision
/// refused, shown beside its row. Reads the one page of the kept run's list, not the whole run.
async fn render(
    state: &AppState,
    s: &SessionUser,
    overview: &Overview,
    which: Which,
    done: Option<&str>,
    refused: Option<&Refused>,
    notice: Option<String>,
) -> Result<String, AppError> {
    let actor = s.actor();
    let scope = actor.scope.clone();
    let names = names(state).await?;
    let projects = projects(state, &scope, overview).await?;
    let listed = check::list(&state.store, &actor, overview, which.kind, which.shown.decided()).await?;
    let pages = listed.len().div_ceil(PER_PAGE).max(1);
    // A page past the end (the last rows were just decided) shows the last page.
    let page = which.page.min(pages);
    let from = (page - 1) * PER_PAGE;
    let on_page = check::page(&state.store, &actor, overview, &listed[from..listed.len().min(from + PER_PAGE)]).await?;
    let corrects = s.user.role.may_correct_rosters() && which.kind.suggests_withdrawal();
    let briefs: HashMap<i64, EntitlementBrief> = if corrects {
        let ids: Vec<i64> = on_page.iter().flat_map(|f| f.entitlements.iter().copied()).collect();
        state.store.entitlement_briefs(&scope, &ids).await?.into_iter().map(|b| (b.id, b)).collect()
    } else {
        HashMap::new()
    };
    let rows: Vec<Row> = on_page
        .iter()
        .enumerate()
        .map(|(j, f)| Row {
            withdraw: list::offers(f, &briefs),
            ..list::row(from + j, f, &scope, &names, &projects, refused)
        })
        .collect();
    let (open, total) =
        overview.kinds.iter().find(|k| k.kind == which.kind).map_or((0, 0), |k| (k.open as usize, k.total as usize));
    let notice = match (notice, done) {
        (Some(n), _) => Some(n),
        (None, Some(k)) => check::finding(&state.store, &actor, overview, k)
            .await?
            .and_then(|(_, f)| list::done_message(&f, &projects)),
        (None, None) => None,
    };
    let refused =
        refused.and_then(|r| rows.iter().find(|row| row.key == r.key).map(|row| (row.index, r.message.clone())));
    let (tabs, empty) = list::tabs(&overview.kinds, which.kind);
    Ok(CheckPage {
        frame: frame(state, s).await?,
        seconds: format!("{:.2}", overview.run.read_seconds + overview.run.check_seconds),
        computed: yikou_domain::clock::beijing_seconds(&overview.run.computed_at),
        rules_version: overview.run.rules_version,
        tabs,
        empty,
        title: which.kind.title().to_string(),
        kind: which.kind.code().to_string(),
        shown: which.shown.code().to_string(),
        open,
        done: total - open,
        total: listed.len(),
        page,
        pages,
        pager: list::pager(page, pages)
            .into_iter()
            .map(|n| n.map_or((0, String::new()), |n| (n, Which { page: n, ..which }.url())))
            .collect(),
        rows,
        notice,
        refused,
        corrects,
    }
    .render()?)
}

#[derive(Deserialize)]
pub struct DecideForm {
    key: String,
    action: String,
    #[serde(default)]
    reason: String,
    /// The list the decision was made on, to go back to.
    #[serde(rename = "type")]
    kind: Option<String>,
    status: Option<String>,
    page: Option<String>,
}

pub async fn decide(State(state): State<AppState>, Posted(s, f): Posted<DecideForm>) -> Result<Response, AppError> {
    if !s.user.role.may_review() {
        return Err(AppError::Forbidden);
    }
    let confirm = match f.action.as_str() {
        "confirm" => true,
        "dismiss" => false,
        _ => return Err(AppError::BadRequest("请点“确认有误，需纠正”或“核实无误，排除”。".into())),
    };
    match decide_visible(&state, &s.user, &f.key, confirm, &f.reason).await {
        Ok(kind) => {
            let to = format!("{}{}", back_to(&f.kind, &f.status, &f.page, kind).url(), list::done_param(&f.key));
            Ok((StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response())
        }
        Err(AppError::Rejected(message)) => {
            let list = (&f.kind, &f.status, &f.page);
            refused_again(&state, &s, Refused { key: f.key.clone(), message, reason: f.reason.clone() }, list).await
        }
        Err(e) => Err(e),
    }
}

/// The list an act was done on (its type, else `kind`; its filter and page), to go back to.
fn back_to(kind: &Option<String>, status: &Option<String>, page: &Option<String>, or: FindingKind) -> Which {
    let page = page.as_deref().and_then(|p| p.trim().parse().ok()).filter(|p| *p >= 1).unwrap_or(1);
    let kind = kind.as_deref().and_then(FindingKind::from_code).unwrap_or(or);
    Which { kind, shown: Shown::from_code(status.as_deref()), page }
}

/// The same list again after a refused act, on the page where the finding stands, with the
/// message beside its row and what was typed (422).
async fn refused_again(
    state: &AppState,
    s: &SessionUser,
    refused: Refused,
    (kind, status, page): (&Option<String>, &Option<String>, &Option<String>),
) -> Result<Response, AppError> {
    let actor = s.actor();
    let overview = check::overview(&state.store, &actor, None).await?;
    let asked = Shown::from_code(status.as_deref());
    // The list on which the finding stands now: its type, the filter asked for if it is under it,
    // and its page.
    let which = match check::finding(&state.store, &actor, &overview, &refused.key).await? {
        Some((at, f)) => {
            let shown = if asked.holds(f.status) { asked } else { Shown::of(f.status) };
            let listed = check::list(&state.store, &actor, &overview, f.kind, shown.decided()).await?;
            let index = listed.iter().position(|p| *p == at).unwrap_or(0);
            Which { kind: f.kind, shown, page: index / PER_PAGE + 1 }
        }
        None => Which::asked(&overview.kinds, kind.as_deref(), status.as_deref(), page.as_deref()),
    };
    let html = render(state, s, &overview, which, None, Some(&refused), None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

#[derive(Deserialize)]
pub struct WithdrawForm {
    /// The finding the entitlement was offered on (to show a refusal beside its row).
    key: String,
    entitlement: i64,
    #[serde(default)]
    reason: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    status: Option<String>,
    page: Option<String>,
}

/// 撤销 an entitlement a finding points at (see [`yikou_service::campaign::withdraw`]); back to the
/// same list with what was withdrawn, or the list again with the refusal beside the row.
pub async fn withdraw(State(state): State<AppState>, Posted(s, f): Posted<WithdrawForm>) -> Result<Response, AppError> {
    if !s.user.role.may_review() {
        return Err(AppError::Forbidden);
    }
    match yikou_service::campaign::withdraw(&state.store, &s.actor(), f.entitlement, &f.reason).await {
        Ok(gone) => {
            let back = back_to(&f.kind, &f.status, &f.page, FindingKind::DupInProject);
            let to = format!("{}&withdrawn={}", back.url(), gone.id);
            Ok((StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response())
        }
        Err(yikou_service::ServiceError::Rejected(message)) => {
            let list = (&f.kind, &f.status, &f.page);
            refused_again(&state, &s, Refused { key: f.key.clone(), message, reason: f.reason.clone() }, list).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Confirms or dismisses (with a reason) a finding the user may see (see
/// [`yikou_service::check::decide`]); the type of the finding, or `Rejected` with what to correct.
pub(crate) async fn decide_visible(
    state: &AppState,
    user: &yikou_store::accounts::users::User,
    key: &str,
    confirm: bool,
    reason: &str,
) -> Result<FindingKind, AppError> {
    let reason = reason.to_string();
    let decision = if confirm { Decision::Confirm { reason } } else { Decision::Dismiss { reason } };
    Ok(check::decide(&state.store, &user.actor(), None, key, decision).await?.kind)
}
