//! 帮困对象 pages: the register list with filters, one person with household and entitlements, the audited reveal.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use serde::Deserialize;
use yikou_domain::{Fen, Scope};
use yikou_store::accounts::auth::SessionUser;

use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};
use yikou_domain::reference::{streets, CATEGORIES};
use yikou_store::campaign::EntitlementLine;
use yikou_store::register::{PeopleQuery, PersonListItem};

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

pub(crate) fn person_row(p: PersonListItem) -> PersonRow {
    PersonRow {
        id: p.id,
        name: p.name,
        id_number_masked: p.id_number_masked,
        sex: p.sex.label(),
        age: age_text(p.age),
        phone: p.phone_masked.unwrap_or_default(),
        street: p.street_code.as_deref().map(unit_name).unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "register/people.html")]
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
            export: page_url("?", &[("q", &query.q), ("street", &query.street), ("category", &query.category)])
                .replacen("?&", "?", 1)
                .trim_end_matches('?')
                .to_string(),
        }
        .render()?,
    ))
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
    revealed: Option<yikou_store::register::Revealed>,
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
        .map(|a| (time_text(&a.at), a.actor, yikou_domain::audit::action_name(&a.action)))
        .collect();
    let names = names(state).await?;
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
            sex: p.sex.label(),
            age: age_text(p.age),
            street: p.street_code.as_deref().map(|c| names.unit(c)).unwrap_or_default(),
            committee: p.committee_code.as_deref().map(|c| names.unit(c)).unwrap_or_default(),
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
            household,
            entitlements,
            audit,
        }
        .render()?,
    ))
}

pub async fn person(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    person_page(&state, &s, id, None).await
}

/// 查看完整身份证号: a deliberate, audited action.
pub async fn reveal(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Posted(s, NoFields {}): Posted<NoFields>,
) -> Result<Html<String>, AppError> {
    let full = yikou_service::register::reveal(&state.store, &s.actor(), id).await?;
    person_page(&state, &s, id, Some(full)).await
}
