//! Server-rendered pages. Every query goes through the store with the user's scope, so a record
//! outside the user's area is simply not found (404).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use axum::Form;
use serde::Deserialize;
use yikou_domain::money::group_thousands;
use yikou_domain::reference::{streets, CATEGORIES, UNITS};
use yikou_domain::{today, Fen, Scope};
use yikou_store::auth::SessionUser;
use yikou_store::campaigns::EntitlementLine;
use yikou_store::check::{decide as decide_finding, Finding, FINDING_TYPES};
use yikou_store::people::{PeopleQuery, PersonListItem};

use crate::auth::{same, Signed};
use crate::{AppError, AppState};

/// What the frame around every page shows.
pub struct Frame {
    pub user_name: String,
    pub unit_name: String,
    pub role_label: &'static str,
    pub csrf: String,
    pub campaign: Option<String>,
    pub may_review: bool,
    pub business: bool,
    pub audit_admin: bool,
    pub user_admin: bool,
    pub may_import: bool,
}

pub fn unit_name(code: &str) -> String {
    UNITS.iter().find(|u| u.code == code).map_or_else(|| code.to_string(), |u| u.name.to_string())
}

fn category_name(code: &str) -> String {
    CATEGORIES.iter().find(|c| c.code == code).map_or_else(|| code.to_string(), |c| c.name.to_string())
}

async fn campaign_line(state: &AppState) -> Result<Option<String>, AppError> {
    if let Ok(guard) = state.campaign_line.lock() {
        if let Some((at, line)) = guard.as_ref().filter(|(at, _)| at.elapsed().as_secs() < 5) {
            let _ = at;
            return Ok(line.clone());
        }
    }
    let line = match state.store.latest_campaign_year().await? {
        Some(y) => state.store.campaign(y).await?.map(|c| match c.current_phase {
            Some(p) => format!("{} · {}", c.campaign.name, p.label()),
            None => c.campaign.name,
        }),
        None => None,
    };
    if let Ok(mut guard) = state.campaign_line.lock() {
        *guard = Some((std::time::Instant::now(), line.clone()));
    }
    Ok(line)
}

pub(crate) async fn frame(state: &AppState, s: &SessionUser) -> Result<Frame, AppError> {
    let campaign = campaign_line(state).await?;
    Ok(Frame {
        user_name: s.user.display_name.clone(),
        unit_name: unit_name(&s.user.unit_code),
        role_label: s.user.role.label(),
        csrf: s.csrf.clone(),
        campaign,
        may_review: s.user.role.may_review(),
        business: s.user.role.is_business(),
        audit_admin: s.user.role == yikou_domain::Role::AuditAdmin,
        may_import: s.user.role.may_import(),
        user_admin: matches!(s.user.role, yikou_domain::Role::SystemAdmin | yikou_domain::Role::SecurityAdmin),
    })
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage<'a> {
    title: &'a str,
    text: &'a str,
}

pub fn message_page(title: &str, text: &str) -> String {
    MessagePage { title, text }.render().unwrap_or_else(|_| text.to_string())
}

#[derive(Template)]
#[template(path = "home.html")]
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

#[derive(Deserialize, Default)]
pub struct PeopleParams {
    pub(crate) q: Option<String>,
    pub(crate) street: Option<String>,
    pub(crate) category: Option<String>,
    pub(crate) after: Option<i64>,
}

impl PeopleParams {
    /// The store's query for these filters (blank fields are no filter).
    pub(crate) fn query(&self, after: Option<i64>, limit: i64) -> PeopleQuery {
        PeopleQuery {
            q: nonempty(self.q.clone()),
            street: nonempty(self.street.clone()),
            committee: None,
            category: nonempty(self.category.clone()),
            after,
            limit,
        }
    }
}

pub struct PersonRow {
    pub id: i64,
    pub name: String,
    pub id_number_masked: String,
    pub sex: &'static str,
    /// 年龄 (never the birth date next to a masked ID number).
    pub age: String,
    pub phone: String,
    pub street: String,
}

/// "76岁", or blank when unknown.
pub(crate) fn age_text(age: Option<i32>) -> String {
    age.map(|a| format!("{a}岁")).unwrap_or_default()
}

pub(crate) fn person_row(p: PersonListItem) -> PersonRow {
    PersonRow {
        id: p.id,
        name: p.name,
        id_number_masked: p.id_number_masked,
        sex: if p.sex == "F" { "女" } else { "男" },
        age: age_text(p.age),
        phone: p.phone_masked.unwrap_or_default(),
        street: p.street_code.as_deref().map(unit_name).unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    frame: Frame,
    q: String,
    street: String,
    category: String,
    streets: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    rows: Vec<PersonRow>,
    next: Option<String>,
    export: String,
}

pub(crate) fn nonempty(s: Option<String>) -> Option<String> {
    s.map(|x| x.trim().to_string()).filter(|x| !x.is_empty())
}

pub async fn people(
    State(state): State<AppState>,
    Signed(s): Signed,
    Query(p): Query<PeopleParams>,
) -> Result<Html<String>, AppError> {
    if !s.user.role.is_business() {
        return Err(AppError::Forbidden);
    }
    let scope = s.actor().scope;
    let query = p.query(p.after, 50);
    let (items, next) = yikou_service::register::search(&state.store, &s.actor(), &query).await?;
    let streets_allowed: Vec<(String, String)> = streets()
        .filter(|u| match &scope {
            Scope::Street(c) => c == u.code,
            _ => true,
        })
        .map(|u| (u.code.to_string(), u.name.to_string()))
        .collect();
    let next = next.map(|n| {
        page_url(
            &format!("/people?after={n}"),
            &[("q", &query.q), ("street", &query.street), ("category", &query.category)],
        )
    });
    Ok(Html(
        PeoplePage {
            frame: frame(&state, &s).await?,
            q: p.q.unwrap_or_default(),
            street: p.street.unwrap_or_default(),
            category: p.category.unwrap_or_default(),
            streets: streets_allowed,
            categories: CATEGORIES.iter().map(|c| (c.code.to_string(), c.name.to_string())).collect(),
            rows: items.into_iter().map(person_row).collect(),
            next,
            export: page_url(
                "/people/export.csv?",
                &[("q", &query.q), ("street", &query.street), ("category", &query.category)],
            )
            .replacen("?&", "?", 1),
        }
        .render()?,
    ))
}

/// The next page's address: its key plus the filters in force.
pub(crate) fn page_url(start: &str, filters: &[(&str, &Option<String>)]) -> String {
    let mut url = start.to_string();
    for (k, v) in filters {
        if let Some(v) = v {
            url.push_str(&format!("&{k}={}", encode(v)));
        }
    }
    url
}

/// Percent-encoding for a query value.
fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    frame: Frame,
    id: i64,
    name: String,
    id_number: String,
    revealed: bool,
    may_reveal: bool,
    sex: &'static str,
    age: String,
    phone: String,
    street: String,
    committee: String,
    status: String,
    categories: Vec<(String, String, String)>,
    household: Vec<PersonRow>,
    entitlements: Vec<(String, String, String, String)>,
    audit: Vec<(String, String, String)>,
}

async fn person_page(
    state: &AppState,
    s: &SessionUser,
    id: i64,
    revealed: Option<yikou_store::people::Revealed>,
) -> Result<Html<String>, AppError> {
    if !s.user.role.is_business() {
        return Err(AppError::Forbidden);
    }
    let scope = s.actor().scope;
    let p = state.store.person(&scope, id).await?.ok_or(AppError::NotFound)?;
    let household = match p.household_id {
        Some(h) => {
            state.store.household_members(&scope, h).await?.into_iter().filter(|m| m.id != id).map(person_row).collect()
        }
        None => Vec::new(),
    };
    let entitlements = state
        .store
        .entitlement_lines(&scope, id)
        .await?
        .into_iter()
        .map(|e: EntitlementLine| {
            (
                format!("{}年", e.year),
                format!("{}（{}）", e.project_name, e.project_code),
                Fen(e.amount_fen).yuan(),
                state_label(&e.state),
            )
        })
        .collect();
    let audit = state
        .store
        .audit_records(Some(("person", &id.to_string())), 50)
        .await?
        .into_iter()
        .map(|a| (a.at.chars().take(19).collect::<String>().replace('T', " "), a.actor, a.action))
        .collect();
    let status = match (&p.deceased_on, &p.moved_away_on) {
        (Some(d), _) => format!("已故（{d}）"),
        (None, Some(m)) => format!("已迁出（{m}）"),
        _ => "在册".to_string(),
    };
    Ok(Html(
        PersonPage {
            frame: frame(state, s).await?,
            id,
            name: p.name,
            revealed: revealed.is_some(),
            phone: match &revealed {
                Some(r) => r.phone.clone().unwrap_or_default(),
                None => p.phone_masked.unwrap_or_default(),
            },
            id_number: revealed.map_or(p.id_number_masked, |r| r.id_number.as_str().to_string()),
            may_reveal: s.user.role.may_reveal(),
            sex: if p.sex == "F" { "女" } else { "男" },
            age: age_text(p.age),
            street: p.street_code.as_deref().map(unit_name).unwrap_or_default(),
            committee: p.committee_code.as_deref().map(unit_name).unwrap_or_default(),
            status,
            categories: p
                .categories
                .into_iter()
                .map(|c| (category_name(&c.code), c.start, c.end.unwrap_or_else(|| "至今".into())))
                .collect(),
            household,
            entitlements,
            audit,
        }
        .render()?,
    ))
}

pub(crate) fn state_label(code: &str) -> String {
    yikou_domain::EntitlementState::ALL
        .iter()
        .find(|s| s.code() == code)
        .map_or_else(|| code.to_string(), |s| s.label().to_string())
}

pub async fn person(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    person_page(&state, &s, id, None).await
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(rename = "_csrf")]
    csrf: String,
}

/// 查看完整身份证号: a deliberate, audited action.
pub async fn reveal(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(id): Path<i64>,
    Form(f): Form<CsrfOnly>,
) -> Result<Html<String>, AppError> {
    if !same(&f.csrf, &s.csrf) {
        return Err(AppError::Csrf);
    }
    if !s.user.role.may_reveal() {
        return Err(AppError::Forbidden);
    }
    let full = match state.store.reveal(&s.actor(), id).await {
        Ok(r) => r,
        Err(yikou_store::StoreError::NotFound(_)) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    person_page(&state, &s, id, Some(full)).await
}

#[derive(Deserialize, Default)]
pub struct CheckParams {
    #[serde(rename = "type")]
    pub(crate) kind: Option<String>,
}

pub struct FindingRow {
    pub key: String,
    pub street: String,
    pub people: String,
    pub explanation: String,
    pub status: &'static str,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "check.html")]
struct CheckPage {
    frame: Frame,
    seconds: String,
    counts: Vec<(String, String, u64, bool)>,
    title: String,
    kind: String,
    rows: Vec<FindingRow>,
    more: u64,
}

pub(crate) fn finding_status(status: &str) -> &'static str {
    match status {
        "confirmed" => "已确认",
        "dismissed" => "已排除",
        "reopened" => "重新打开",
        _ => "待处理",
    }
}

pub(crate) async fn current_check(state: &AppState) -> Result<(i64, yikou_store::check::CheckReport), AppError> {
    let c = current_campaign(state).await?;
    Ok((c.id, state.store.run_check(c.id, c.campaign.check_date(today())).await?))
}

pub async fn check(
    State(state): State<AppState>,
    Signed(s): Signed,
    Query(p): Query<CheckParams>,
) -> Result<Html<String>, AppError> {
    if !s.user.role.may_review() {
        return Err(AppError::Forbidden);
    }
    let scope = s.actor().scope;
    let (_, report) = current_check(&state).await?;
    let mine: Vec<&Finding> = report.within(&scope).collect();
    let kind = p.kind.filter(|k| FINDING_TYPES.iter().any(|t| t.0 == k)).unwrap_or_else(|| {
        FINDING_TYPES.iter().find(|t| mine.iter().any(|f| f.kind == t.0)).map_or("dup_in_project", |t| t.0).to_string()
    });
    let counts = FINDING_TYPES
        .iter()
        .map(|(code, title, _)| {
            (code.to_string(), title.to_string(), mine.iter().filter(|f| f.kind == *code).count() as u64, *code == kind)
        })
        .collect();
    let of_kind: Vec<&&Finding> = mine.iter().filter(|f| f.kind == kind).collect();
    let rows = of_kind
        .iter()
        .take(200)
        .map(|f| FindingRow {
            key: f.key.clone(),
            street: f.street_code.as_deref().map(unit_name).unwrap_or_default(),
            people: f
                .people
                .iter()
                .map(|p| format!("{} {}", p.name, p.id_number_masked))
                .collect::<Vec<_>>()
                .join("；"),
            explanation: f.explanation.clone(),
            status: finding_status(f.status),
            reason: f.reason.clone().unwrap_or_default(),
        })
        .collect();
    Ok(Html(
        CheckPage {
            frame: frame(&state, &s).await?,
            seconds: format!("{:.2}", report.read_seconds + report.check_seconds),
            counts,
            title: FINDING_TYPES.iter().find(|t| t.0 == kind).map_or(String::new(), |t| t.1.to_string()),
            more: (of_kind.len() as u64).saturating_sub(200),
            kind: kind.clone(),
            rows,
        }
        .render()?,
    ))
}

#[derive(Deserialize)]
pub struct DecideForm {
    key: String,
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(rename = "_csrf")]
    csrf: String,
}

pub async fn decide(
    State(state): State<AppState>,
    Signed(s): Signed,
    Form(f): Form<DecideForm>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    if !same(&f.csrf, &s.csrf) {
        return Err(AppError::Csrf);
    }
    if !s.user.role.may_review() {
        return Err(AppError::Forbidden);
    }
    match decide_visible(&state, &s.user, &f.key, f.action == "confirm", &f.reason).await? {
        Ok(kind) => {
            let to = format!("/check?type={kind}");
            Ok((axum::http::StatusCode::SEE_OTHER, [(axum::http::header::LOCATION, to)]).into_response())
        }
        Err(m) => {
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(message_page("需要修改", &m))).into_response())
        }
    }
}

/// Confirms or dismisses (with a reason) a finding the user may see; Ok(type of the finding), or
/// Err with what to correct. A finding outside the user's area is not found.
pub(crate) async fn decide_visible(
    state: &AppState,
    user: &yikou_store::users::User,
    key: &str,
    confirm: bool,
    reason: &str,
) -> Result<Result<&'static str, String>, AppError> {
    let actor = user.actor();
    let (campaign_id, report) = current_check(state).await?;
    let finding = report.within(&actor.scope).find(|x| x.key == key).ok_or(AppError::NotFound)?;
    let mut tx = state.store.write(&actor).await?;
    match decide_finding(&mut tx, campaign_id, finding, confirm, reason).await {
        Ok(()) => {
            tx.commit().await?;
            Ok(Ok(finding.kind))
        }
        Err(yikou_store::StoreError::Invalid(m)) => Ok(Err(m)),
        Err(e) => Err(e.into()),
    }
}

/// The current campaign and one of its projects the scope may see (not found otherwise).
pub(crate) async fn scoped_project(
    state: &AppState,
    scope: &Scope,
    id: i64,
) -> Result<(yikou_store::campaigns::StoredCampaign, yikou_store::campaigns::StoredProject), AppError> {
    let c = current_campaign(state).await?;
    let sp = state.store.projects(scope, c.id).await?.into_iter().find(|p| p.id == id).ok_or(AppError::NotFound)?;
    Ok((c, sp))
}

pub(crate) async fn current_campaign(state: &AppState) -> Result<yikou_store::campaigns::StoredCampaign, AppError> {
    Ok(yikou_service::campaign::current(&state.store).await?)
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

pub(crate) fn project_row(id: i64, p: &yikou_domain::Project, a: &yikou_store::campaigns::ProjectActual) -> ProjectRow {
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
#[template(path = "projects.html")]
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
    let c = current_campaign(&state).await?;
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
#[template(path = "project.html")]
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
    let (c, sp) = scoped_project(&state, &scope, id).await?;
    let p = &sp.project;
    let a = state.store.project_actuals(&scope, c.id).await?.remove(&id).unwrap_or_default();
    let (lines, next) = state.store.project_roster(&scope, id, q.after.unwrap_or(0), 100).await?;
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
            targets: p.target_categories.iter().map(|c| category_name(c)).collect::<Vec<_>>().join("、"),
            budget: p.planned_budget.iter().map(|(src, f)| (src.clone(), f.yuan())).collect(),
            row: project_row(id, p, &a),
            roster,
            next: next.map(|n| format!("/projects/{id}?after={n}")),
        }
        .render()?,
    ))
}

#[derive(Template)]
#[template(path = "schedule.html")]
struct SchedulePage {
    frame: Frame,
    name: String,
    span: String,
    phases: Vec<(String, String, String, bool)>,
}

/// 工作安排表 (附件1): the campaign's phases and their dates.
pub async fn schedule(State(state): State<AppState>, Signed(s): Signed) -> Result<Html<String>, AppError> {
    let c = current_campaign(&state).await?;
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

fn format_date_cn(d: time::Date) -> String {
    format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day())
}

#[derive(Deserialize, Default)]
pub struct AuditParams {
    pub(crate) actor: Option<String>,
    pub(crate) action: Option<String>,
    pub(crate) from: Option<String>,
    pub(crate) to: Option<String>,
    pub(crate) before: Option<i64>,
}

impl AuditParams {
    /// The store's filter for these fields (blank fields are no filter).
    pub(crate) fn filter(&self, before: Option<i64>, limit: i64) -> yikou_store::audit::AuditFilter {
        yikou_store::audit::AuditFilter {
            actor: nonempty(self.actor.clone()),
            action: nonempty(self.action.clone()),
            from: nonempty(self.from.clone()),
            to: nonempty(self.to.clone()),
            before,
            limit,
        }
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    frame: Frame,
    actor: String,
    action: String,
    from: String,
    to: String,
    rows: Vec<(i64, String, String, String, String, String)>,
    next: Option<String>,
    export: String,
}

/// 审计日志: for the audit administrator only (三权分立).
pub async fn audit(
    State(state): State<AppState>,
    Signed(s): Signed,
    Query(p): Query<AuditParams>,
) -> Result<Html<String>, AppError> {
    if s.user.role != yikou_domain::Role::AuditAdmin {
        return Err(AppError::Forbidden);
    }
    let filter = p.filter(p.before, 100);
    let (records, next) = state.store.audit_page(&filter).await?;
    let rows = records
        .into_iter()
        .map(|r| (r.seq, r.at.replace('T', " ").chars().take(19).collect(), r.actor, r.action, r.entity, r.entity_id))
        .collect();
    let filters = [("actor", &filter.actor), ("action", &filter.action), ("from", &filter.from), ("to", &filter.to)];
    let next = next.map(|n| page_url(&format!("/audit?before={n}"), &filters));
    let export = page_url("/audit/export.csv?", &filters).replacen("?&", "?", 1);
    Ok(Html(
        AuditPage {
            frame: frame(&state, &s).await?,
            actor: p.actor.unwrap_or_default(),
            action: p.action.unwrap_or_default(),
            from: p.from.unwrap_or_default(),
            to: p.to.unwrap_or_default(),
            rows,
            next,
            export,
        }
        .render()?,
    ))
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    frame: Frame,
    frame_login: String,
    may_create: bool,
    may_secure: bool,
    rows: Vec<(String, String, String, &'static str, String, bool, bool)>,
    /// Per row: the label of the completion button when this administrator may complete a
    /// pending creation or reset (the other administrator role than the one who started it).
    completes: Vec<Option<&'static str>>,
}

pub(crate) fn user_status(u: &yikou_store::users::UserLine) -> &'static str {
    if u.disabled {
        "已停用"
    } else if u.pending.as_deref() == Some("create") {
        "待激活"
    } else if u.pending.is_some() {
        "待完成重置"
    } else if u.locked {
        "已锁定"
    } else if u.must_change_password {
        "待首次改口令"
    } else {
        "正常"
    }
}

/// 用户与角色: for the system and security administrators.
pub async fn users(State(state): State<AppState>, Signed(s): Signed) -> Result<Html<String>, AppError> {
    use yikou_domain::Role;
    if !matches!(s.user.role, Role::SystemAdmin | Role::SecurityAdmin) {
        return Err(AppError::Forbidden);
    }
    let users = state.store.users().await?;
    let completes = users
        .iter()
        .map(|u| match (u.pending.as_deref(), u.pending_role.as_deref()) {
            (Some(kind), Some(by)) if by != s.user.role.code() && u.login != s.user.login => {
                Some(if kind == "create" { "激活" } else { "完成重置" })
            }
            _ => None,
        })
        .collect();
    let rows = users
        .into_iter()
        .map(|u| {
            let status = user_status(&u);
            (
                u.login,
                u.display_name,
                unit_name(&u.unit_code),
                Role::from_code(&u.role).map_or("未知", |r| r.label()),
                status.to_string(),
                u.disabled,
                u.locked,
            )
        })
        .collect();
    Ok(Html(
        UsersPage {
            frame: frame(&state, &s).await?,
            frame_login: s.user.login.clone(),
            may_create: s.user.role == Role::SystemAdmin,
            may_secure: s.user.role == Role::SecurityAdmin,
            rows,
            completes,
        }
        .render()?,
    ))
}

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    frame: Frame,
    may_edit: bool,
    rows: Vec<(String, String, String, String, String, String)>,
}

/// The units of the campaign (bureau, departments and organisations, streets/towns), without the
/// committees under the streets.
pub(crate) async fn campaign_units(state: &AppState) -> Result<Vec<yikou_store::reference::UnitContact>, AppError> {
    Ok(state.store.contacts().await?.into_iter().filter(|u| u.kind != "committee" && u.parent_code.is_some()).collect())
}

/// 单位通讯录 (附件2).
pub async fn units(State(state): State<AppState>, Signed(s): Signed) -> Result<Html<String>, AppError> {
    if !s.user.role.is_business() {
        return Err(AppError::Forbidden);
    }
    let rows = campaign_units(&state)
        .await?
        .into_iter()
        .map(|u| {
            (
                u.code,
                u.name,
                u.contact_name.unwrap_or_default(),
                u.contact_title.unwrap_or_default(),
                u.office_phone.unwrap_or_default(),
                u.mobile.unwrap_or_default(),
            )
        })
        .collect();
    Ok(Html(
        UnitsPage { frame: frame(&state, &s).await?, may_edit: s.user.role == yikou_domain::Role::Bureau, rows }
            .render()?,
    ))
}

#[derive(Template)]
#[template(path = "unit_edit.html")]
struct UnitEditPage {
    frame: Frame,
    code: String,
    name: String,
    contact_name: String,
    contact_title: String,
    office_phone: String,
    mobile: String,
    error: Option<String>,
}

async fn unit_for_edit(
    state: &AppState,
    s: &SessionUser,
    code: &str,
) -> Result<yikou_store::reference::UnitContact, AppError> {
    if s.user.role != yikou_domain::Role::Bureau {
        return Err(AppError::Forbidden);
    }
    campaign_units(state).await?.into_iter().find(|u| u.code == code).ok_or(AppError::NotFound)
}

pub async fn unit_edit(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(code): Path<String>,
) -> Result<Html<String>, AppError> {
    let u = unit_for_edit(&state, &s, &code).await?;
    Ok(Html(
        UnitEditPage {
            frame: frame(&state, &s).await?,
            code: u.code,
            name: u.name,
            contact_name: u.contact_name.unwrap_or_default(),
            contact_title: u.contact_title.unwrap_or_default(),
            office_phone: u.office_phone.unwrap_or_default(),
            mobile: u.mobile.unwrap_or_default(),
            error: None,
        }
        .render()?,
    ))
}

#[derive(Deserialize)]
pub struct ContactForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_title: String,
    #[serde(default)]
    office_phone: String,
    #[serde(default)]
    mobile: String,
}

pub async fn unit_save(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(code): Path<String>,
    Form(f): Form<ContactForm>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    if !same(&f.csrf, &s.csrf) {
        return Err(AppError::Csrf);
    }
    let u = unit_for_edit(&state, &s, &code).await?;
    let update = yikou_store::reference::ContactUpdate {
        contact_name: f.contact_name.clone(),
        contact_title: f.contact_title.clone(),
        office_phone: f.office_phone.clone(),
        mobile: f.mobile.clone(),
    };
    let mut tx = state.store.write(&s.actor()).await?;
    match yikou_store::reference::set_contact(&mut tx, &code, &update).await {
        Ok(()) => {
            tx.commit().await?;
            Ok((axum::http::StatusCode::SEE_OTHER, [(axum::http::header::LOCATION, "/units")]).into_response())
        }
        // Keep what the user typed and say what to change.
        Err(yikou_store::StoreError::Invalid(m)) => {
            let page = UnitEditPage {
                frame: frame(&state, &s).await?,
                code: u.code,
                name: u.name,
                contact_name: f.contact_name,
                contact_title: f.contact_title,
                office_phone: f.office_phone,
                mobile: f.mobile,
                error: Some(m),
            };
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
