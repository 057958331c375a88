//! 帮困对象 API: the register list (cursor pages) and one person.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use yikou_domain::Scope;

use crate::frame::*;
use crate::session::*;
use yikou_store::register::{PeopleQuery, Seek};

use crate::{ApiError, ApiResult, AppError, AppState};

#[derive(Deserialize, Default)]
pub struct PeopleParams {
    q: Option<String>,
    street: Option<String>,
    committee: Option<String>,
    category: Option<String>,
    age_min: Option<i32>,
    age_max: Option<i32>,
    cursor: Option<String>,
    limit: Option<i64>,
}

fn business(u: &yikou_store::accounts::users::User) -> Result<Scope, ApiError> {
    if !u.role.is_business() {
        return Err(AppError::Refused("该角色不能查询帮困对象".into()).into());
    }
    Ok(u.role.scope(&u.unit_code))
}

/// A page of the register (the caller's area), with the cursor of the next.
pub async fn people(State(state): State<AppState>, ApiUser(u): ApiUser, Query(p): Query<PeopleParams>) -> ApiResult {
    business(&u)?;
    let after = match p.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(c.parse::<i64>().map_err(|_| {
            ApiError::coded(StatusCode::BAD_REQUEST, "bad_cursor", "cursor 无效：请使用上一页返回的 next_cursor")
        })?),
    };
    let query = PeopleQuery {
        q: nonempty(p.q),
        street: nonempty(p.street),
        committee: nonempty(p.committee),
        category: nonempty(p.category),
        age_min: p.age_min,
        age_max: p.age_max,
        seek: after.map_or(Seek::First, Seek::After),
        limit: p.limit.unwrap_or(50).clamp(1, 500),
        ..Default::default()
    };
    let found = yikou_service::register::search(&state.store, &u.actor(), &query).await?;
    Ok(Json(json!({ "items": found.items, "next_cursor": found.next.map(|n| n.to_string()) })))
}

/// One person of the caller's area (404 otherwise), with the entitlements.
pub async fn person(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>) -> ApiResult {
    let scope = business(&u)?;
    let p = state.store.person(&scope, id).await?.ok_or(AppError::NotFound)?;
    let entitlements = state.store.entitlement_lines(&scope, id).await?;
    Ok(Json(json!({
        "id": p.id,
        "name": p.name,
        "id_number_masked": p.id_number_masked,
        "sex": p.sex,
        "age": p.age,
        "phone_masked": p.phone_masked,
        "street_code": p.street_code,
        "committee_code": p.committee_code,
        "household_id": p.household_id,
        "deceased_on": p.deceased_on,
        "moved_away_on": p.moved_away_on,
        "categories": p.categories,
        "entitlements": entitlements,
    })))
}

/// `GET /api/v1/people/{id}/timeline`: what the person received — money, goods, vouchers (visits,
/// services and hotline requests as they are recorded) — `{"items": [{"kind", "date", …}]}`.
pub async fn timeline(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>) -> ApiResult {
    let items = yikou_service::register::timeline(&state.store, &u.actor(), id).await?;
    Ok(Json(json!({ "items": items })))
}
