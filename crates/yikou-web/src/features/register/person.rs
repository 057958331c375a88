//! 帮困对象 person page: the facts (address, 户号 and the household's members in the user's area,
//! age, street and committee by name), every entitlement of this campaign and earlier ones with
//! totals per campaign and overall, the audited reveal, and the correction of contact details.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yikou_domain::money::group_thousands;
use yikou_domain::Fen;
use yikou_service::ServiceError;
use yikou_store::accounts::auth::SessionUser;

use super::pages::{person_row, PersonRow};
use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

/// One campaign's entitlements of the person, with its totals.
pub struct YearBlock {
    pub year: String,
    /// (project, amount in 元, state).
    pub lines: Vec<(String, String, String)>,
    pub count: String,
    pub total: String,
}

#[derive(Template)]
#[template(path = "register/person.html")]
struct PersonPage {
    frame: Frame,
    id: i64,
    name: String,
    id_number: String,
    revealed: bool,
    may_reveal: bool,
    may_edit: bool,
    saved: bool,
    /// The bank account, masked ("户名 张三，工商银行，账号 ****1234"), or blank.
    bank: String,
    sex: &'static str,
    age: String,
    phone: String,
    address: String,
    street: String,
    committee: String,
    household: String,
    status: String,
    categories: Vec<(String, String, String)>,
    members: Vec<PersonRow>,
    years: Vec<YearBlock>,
    all_count: String,
    all_total: String,
    audit: Vec<(String, String, String)>,
    /// (date, kind, what, amount in 元, state): everything received, oldest first.
    timeline: Vec<(String, &'static str, String, String, String)>,
    may_visit: bool,
    visited: bool,
}

/// The timeline's kind as shown.
fn kind_label(kind: &str) -> &'static str {
    match kind {
        "money" => "资金",
        "goods" => "实物",
        "visit" => "走访慰问",
        "service" => "上门服务",
        "hotline" => "热线求助",
        "voucher" => "卡券",
        _ => "其他",
    }
}

/// A timeline item's state as shown (an entitlement's state, a voucher's, a visit).
fn timeline_state(kind: &str, state: &str) -> String {
    match (kind, state) {
        (_, "visited") => "已走访".into(),
        ("hotline", "closed") => "已办结".into(),
        ("hotline", _) => "办理中".into(),
        ("voucher", s) => {
            yikou_domain::voucher::VoucherState::from_code(s).map_or_else(|| s.to_string(), |v| v.label().to_string())
        }
        (_, s) => state_label(s),
    }
}

/// `?saved=1` after a contact correction, `?visited=1` after a visit was recorded.
#[derive(Deserialize, Default)]
pub struct PersonParams {
    saved: Option<String>,
    visited: Option<String>,
}

/// Entitlement lines (newest campaign first, as the store gives them) grouped by campaign, with
/// each campaign's and the overall 人次 and money (integer fen until shown).
fn years_of(lines: Vec<yikou_store::campaign::EntitlementLine>) -> (Vec<YearBlock>, usize, Fen) {
    let mut years: Vec<(i64, Vec<(String, String, String)>, Fen)> = Vec::new();
    let (mut count, mut total) = (0usize, Fen::ZERO);
    for e in lines {
        let amount = Fen(e.amount_fen);
        count += 1;
        total = total.checked_add(amount).unwrap_or(total);
        if years.last().is_none_or(|y| y.0 != e.year) {
            years.push((e.year, Vec::new(), Fen::ZERO));
        }
        let y = years.last_mut().expect("pushed");
        y.2 = y.2.checked_add(amount).unwrap_or(y.2);
        y.1.push((format!("{}（{}）", e.project_name, e.project_code), amount.yuan(), state_label(&e.state)));
    }
    let blocks = years
        .into_iter()
        .map(|(year, lines, sum)| YearBlock {
            year: format!("{year}年"),
            count: group_thousands(lines.len() as u64),
            lines,
            total: sum.yuan(),
        })
        .collect();
    (blocks, count, total)
}

async fn person_page(
    state: &AppState,
    s: &SessionUser,
    id: i64,
    revealed: Option<yikou_store::register::Revealed>,
    saved: bool,
    visited: bool,
) -> Result<Html<String>, AppError> {
    if !s.user.role.is_business() {
        return Err(AppError::Forbidden);
    }
    let scope = s.actor().scope;
    let p = state.store.person(&scope, id).await?.ok_or(AppError::NotFound)?;
    let names = names(state).await?;
    let address = state.store.person_address(&scope, id).await?.unwrap_or_default();
    let members = match p.household_id {
        Some(h) => state
            .store
            .household_members(&scope, h)
            .await?
            .into_iter()
            .filter(|m| m.id != id)
            .map(|m| person_row(m, &names))
            .collect(),
        None => Vec::new(),
    };
    let (years, all_count, all_total) = years_of(state.store.entitlement_lines(&scope, id).await?);
    let records = state.store.audit_records(Some(("person", &id.to_string())), 50).await?;
    // Who acted, by display name (the login when the account is gone, the job for a system act).
    let accounts: std::collections::HashMap<String, String> =
        state.store.users().await?.into_iter().map(|u| (u.login, u.display_name)).collect();
    let audit = records
        .into_iter()
        .map(|a| {
            let who = match a.actor.strip_prefix("system:") {
                Some(job) => format!("系统（{job}）"),
                None => accounts.get(&a.actor).cloned().unwrap_or(a.actor),
            };
            (time_text(&a.at), who, yikou_domain::audit::action_name(&a.action))
        })
        .collect();
    let timeline = state
        .store
        .timeline(&scope, id)
        .await?
        .unwrap_or_default()
        .into_iter()
        .map(|t| {
            let amount = if t.amount_fen > 0 { Fen(t.amount_fen).yuan() } else { String::new() };
            (t.date, kind_label(t.kind), t.what, amount, timeline_state(t.kind, &t.state))
        })
        .collect();
    let bank = match state.store.bank_account(&scope, id).await? {
        Some(b) if b.account_masked.is_some() => format!(
            "户名 {}{}，账号 {}",
            b.holder.unwrap_or_default(),
            b.bank_name.map(|n| format!("，{n}")).unwrap_or_default(),
            b.account_masked.unwrap_or_default()
        ),
        _ => String::new(),
    };
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
            may_edit: s.user.role.may_edit_contacts(),
            saved,
            bank,
            sex: p.sex.label(),
            age: age_text(p.age),
            address,
            street: p.street_code.as_deref().map(|c| names.unit(c)).unwrap_or_default(),
            committee: p.committee_code.as_deref().map(|c| names.unit(c)).unwrap_or_default(),
            household: match (&p.household_code, p.is_household_head) {
                (Some(c), true) => format!("{c}（户主）"),
                (Some(c), false) => c.clone(),
                (None, _) => String::new(),
            },
            status,
            categories: p
                .categories
                .into_iter()
                .map(|c| {
                    (
                        names.category(&c.code),
                        c.start.to_string(),
                        c.end.map_or_else(|| "至今".into(), |d| d.to_string()),
                    )
                })
                .collect(),
            members,
            years,
            all_count: group_thousands(all_count as u64),
            all_total: all_total.yuan(),
            audit,
            timeline,
            may_visit: s.user.role.may_record_visits(),
            visited,
        }
        .render()?,
    ))
}

pub async fn person(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(id): Path<i64>,
    Query(q): Query<PersonParams>,
) -> Result<Html<String>, AppError> {
    person_page(&state, &s, id, None, q.saved.is_some(), q.visited.is_some()).await
}

/// 查看完整身份证号: a deliberate, audited action.
pub async fn reveal(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted(s, NoFields {}): Posted<NoFields>,
) -> Result<Html<String>, AppError> {
    let full = yikou_service::register::reveal(&state.store, &s.actor(), id).await?;
    person_page(&state, &s, id, Some(full), false, false).await
}

#[derive(Template)]
#[template(path = "register/contact.html")]
struct ContactPage {
    frame: Frame,
    id: i64,
    name: String,
    phone_masked: String,
    phone: String,
    remove_phone: bool,
    address: String,
    errors: Vec<(&'static str, String)>,
}

impl ContactPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }
}

/// The person to correct, if the role may and the person is in the area (403 / 404 before any
/// form is shown).
async fn editable(state: &AppState, s: &SessionUser, id: i64) -> Result<yikou_store::register::Person, AppError> {
    if !s.user.role.may_edit_contacts() {
        return Err(AppError::Forbidden);
    }
    state.store.person(&s.actor().scope, id).await?.ok_or(AppError::NotFound)
}

/// 修改联系方式: the form. The phone is never shown whole here (that is 查看完整's, audited): a blank
/// phone field keeps it.
pub async fn contact_form(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let p = editable(&state, &s, id).await?;
    let address = state.store.person_address(&s.actor().scope, id).await?.unwrap_or_default();
    Ok(Html(
        ContactPage {
            frame: frame(&state, &s).await?,
            id,
            name: p.name,
            phone_masked: p.phone_masked.unwrap_or_default(),
            phone: String::new(),
            remove_phone: false,
            address,
            errors: Vec::new(),
        }
        .render()?,
    ))
}

#[derive(Deserialize)]
pub struct ContactFields {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    remove_phone: Option<String>,
    #[serde(default)]
    address: String,
}

/// Saves a correction (audited in the use case); on a problem the form again with what was typed
/// and the message beside the field (422); on success back to the person page, which says so.
pub async fn contact_save(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted(s, f): Posted<ContactFields>,
) -> Result<Response, AppError> {
    let p = editable(&state, &s, id).await?;
    let errors = match yikou_service::register::contact_change(&f.phone, f.remove_phone.is_some(), &f.address) {
        Ok(change) => match yikou_service::register::edit_contacts(&state.store, &s.actor(), id, &change).await {
            Ok(_) => {
                let to = format!("/people/{id}?saved=1");
                return Ok((StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response());
            }
            Err(ServiceError::Rejected(m)) => vec![("phone", m)],
            Err(e) => return Err(e.into()),
        },
        Err(errors) => errors,
    };
    let page = ContactPage {
        frame: frame(&state, &s).await?,
        id,
        name: p.name,
        phone_masked: p.phone_masked.unwrap_or_default(),
        phone: f.phone,
        remove_phone: f.remove_phone.is_some(),
        address: f.address,
        errors,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
}
