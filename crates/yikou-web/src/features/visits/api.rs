//! 走访慰问 over the API: `GET /api/v1/visits?person=&open=1&page=` → `{"items": […], "total": N}`
//! (the caller's area, newest first, 100 a page); `POST /api/v1/visits` records one (201 `{"id"}`;
//! 422 with the reason in Chinese; 404 for a person outside the area);
//! `POST /api/v1/visits/actions/{id}/done` with `{"note"}` completes a follow-up one's unit owns.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use yikou_domain::visit::{Visit, VisitAction, VisitorKind};
use yikou_domain::Fen;
use yikou_service::visits;
use yikou_store::paging::Seek;
use yikou_store::visit::VisitQuery;

use crate::session::*;
use crate::{ApiError, ApiResult, AppError, AppState};

pub(super) const PAGE: i64 = 100;

#[derive(Deserialize, Default)]
pub struct ListParams {
    person: Option<i64>,
    open: Option<String>,
    /// The `next_cursor` of the page before (keyset paging, newest first).
    cursor: Option<String>,
}

pub async fn list(State(state): State<AppState>, ApiUser(u): ApiUser, Query(p): Query<ListParams>) -> ApiResult {
    let seek = match p.cursor.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        None => Seek::First,
        Some(c) => Seek::After(c.parse::<i64>().map_err(|_| {
            ApiError::coded(StatusCode::BAD_REQUEST, "bad_cursor", "cursor 无效：请使用上一页返回的 next_cursor")
        })?),
    };
    let q = VisitQuery {
        person: p.person,
        open_actions: p.open.as_deref().is_some_and(|v| matches!(v, "1" | "true")),
        seek,
        limit: PAGE,
        ..VisitQuery::default()
    };
    let found = visits::list(&state.store, &u.actor(), q).await?;
    Ok(Json(json!({ "items": found.items, "total": found.total, "next_cursor": found.next.map(|n| n.to_string()) })))
}

#[derive(Deserialize)]
pub struct ActionBody {
    what: String,
    owner_unit: String,
    due: String,
}

#[derive(Deserialize)]
pub struct VisitBody {
    person: i64,
    date: String,
    visitor_kind: String,
    visitors: String,
    #[serde(default)]
    money_fen: i64,
    #[serde(default)]
    goods: String,
    #[serde(default)]
    goods_value_fen: i64,
    #[serde(default)]
    needs: String,
    action: Option<ActionBody>,
}

impl VisitBody {
    fn visit(self) -> Result<Visit, AppError> {
        let visitor_kind = VisitorKind::from_code(self.visitor_kind.trim()).ok_or_else(|| {
            AppError::Rejected(format!("visitor_kind 应为 leader、unit 或 committee，实为“{}”", self.visitor_kind))
        })?;
        let action = match self.action {
            None => None,
            Some(a) => Some(VisitAction {
                what: a.what,
                owner_unit: a.owner_unit,
                due: crate::error::api_date("due", &a.due)?,
            }),
        };
        Ok(Visit {
            person_id: self.person,
            day: crate::error::api_date("date", &self.date)?,
            visitor_kind,
            visitors: self.visitors,
            money: Fen(self.money_fen),
            goods: self.goods,
            goods_value: Fen(self.goods_value_fen),
            needs: self.needs,
            action,
        })
    }
}

pub async fn record(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Json(body): Json<VisitBody>,
) -> Result<axum::response::Response, crate::ApiError> {
    let v = body.visit()?;
    let id = visits::record(&state.store, &u.actor(), &v).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

#[derive(Deserialize, Default)]
pub struct DoneBody {
    #[serde(default)]
    note: String,
}

pub async fn done(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<i64>,
    Json(body): Json<DoneBody>,
) -> ApiResult {
    visits::complete_action(&state.store, &u.actor(), id, &body.note).await?;
    Ok(Json(json!({ "id": id, "done": true })))
}
