//! JSON API under /api/v1 for machine clients (bearer tokens), with the same scoping as the pages:
//! a person outside the caller's area answers 404.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use yikou_store::people::PeopleQuery;

use crate::auth::ApiUser;
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct PeopleParams {
    q: Option<String>,
    street: Option<String>,
    category: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "error": code, "message": message }))).into_response()
}

fn internal(e: yikou_store::StoreError) -> Response {
    tracing::error!(error = %e.to_string().chars().take(200).collect::<String>(), "api request failed");
    api_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "处理请求时出错")
}

pub async fn people(State(state): State<AppState>, ApiUser(u): ApiUser, Query(p): Query<PeopleParams>) -> Response {
    if !u.role.is_business() {
        return api_error(StatusCode::FORBIDDEN, "forbidden", "该角色不能查询帮困对象");
    }
    let after = match p.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => match c.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                return api_error(StatusCode::BAD_REQUEST, "bad_cursor", "cursor 无效：请使用上一页返回的 next_cursor")
            }
        },
    };
    let blank = |s: Option<String>| s.map(|x| x.trim().to_string()).filter(|x| !x.is_empty());
    let query = PeopleQuery {
        q: blank(p.q),
        street: blank(p.street),
        committee: None,
        category: blank(p.category),
        after,
        limit: p.limit.unwrap_or(50).clamp(1, 500),
    };
    match state.store.search_people(&u.role.scope(&u.unit_code), &query).await {
        Ok((items, next)) => {
            Json(json!({ "items": items, "next_cursor": next.map(|n| n.to_string()) })).into_response()
        }
        Err(e) => internal(e),
    }
}

pub async fn person(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>) -> Response {
    if !u.role.is_business() {
        return api_error(StatusCode::FORBIDDEN, "forbidden", "该角色不能查询帮困对象");
    }
    let scope = u.role.scope(&u.unit_code);
    match state.store.person(&scope, id).await {
        Ok(Some(p)) => {
            let entitlements = match state.store.entitlement_lines(&scope, id).await {
                Ok(e) => e,
                Err(e) => return internal(e),
            };
            Json(json!({
                "id": p.id,
                "name": p.name,
                "id_number_masked": p.id_number_masked,
                "sex": p.sex,
                "birth_date": p.birth_date,
                "phone_masked": p.phone_masked,
                "street_code": p.street_code,
                "committee_code": p.committee_code,
                "household_id": p.household_id,
                "deceased_on": p.deceased_on,
                "moved_away_on": p.moved_away_on,
                "categories": p.categories,
                "entitlements": entitlements,
            }))
            .into_response()
        }
        Ok(None) => api_error(StatusCode::NOT_FOUND, "not_found", "未找到"),
        Err(e) => internal(e),
    }
}

/// The OpenAPI description of the routes above.
pub async fn openapi() -> Json<serde_json::Value> {
    let person_item = json!({
        "type": "object",
        "required": ["id", "name", "id_number_masked"],
        "properties": {
            "id": { "type": "integer" }, "name": { "type": "string" },
            "id_number_masked": { "type": "string", "example": "310112********0013" },
            "sex": { "type": "string", "enum": ["M", "F"] }, "birth_date": { "type": "string", "format": "date" },
            "phone_masked": { "type": "string", "nullable": true },
            "street_code": { "type": "string", "nullable": true }, "committee_code": { "type": "string", "nullable": true }
        }
    });
    let error =
        json!({ "type": "object", "properties": { "error": { "type": "string" }, "message": { "type": "string" } } });
    Json(json!({
        "openapi": "3.0.3",
        "info": { "title": "yikou 一口上下 API", "version": "1" },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": { "PersonItem": person_item, "Error": error }
        },
        "security": [{ "bearer": [] }],
        "paths": {
            "/api/v1/people": { "get": {
                "summary": "帮困对象列表（调用者权限范围内，按编号翻页）",
                "parameters": [
                    { "name": "q", "in": "query", "schema": { "type": "string" }, "description": "身份证号、电话或姓名开头" },
                    { "name": "street", "in": "query", "schema": { "type": "string" } },
                    { "name": "category", "in": "query", "schema": { "type": "string" } },
                    { "name": "cursor", "in": "query", "schema": { "type": "string" } },
                    { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 500 } }
                ],
                "responses": {
                    "200": { "description": "一页", "content": { "application/json": { "schema": { "type": "object", "properties": {
                        "items": { "type": "array", "items": { "$ref": "#/components/schemas/PersonItem" } },
                        "next_cursor": { "type": "string", "nullable": true } } } } } },
                    "401": { "description": "缺少或无效的令牌", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
                    "403": { "description": "角色无权", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
                } } },
            "/api/v1/projects": { "get": {
                "summary": "当前活动中调用者范围内的帮困项目（计划与实际）",
                "responses": { "200": { "description": "项目列表" }, "401": { "description": "缺少或无效的令牌" }, "403": { "description": "角色无权" } } } },
            "/api/v1/projects/{id}": { "get": {
                "summary": "一个帮困项目（与调用者范围无关时返回404）",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "responses": { "200": { "description": "项目" }, "401": { "description": "缺少或无效的令牌" }, "404": { "description": "不存在或不在范围内" } } } },
            "/api/v1/check": { "get": {
                "summary": "比对核查：调用者范围内的疑点及各类数量（每次调用重新比对）",
                "responses": { "200": { "description": "counts 与 findings" }, "401": { "description": "缺少或无效的令牌" }, "403": { "description": "角色无权" } } } },
            "/api/v1/people/{id}": { "get": {
                "summary": "一个帮困对象（不在调用者范围内时返回404）",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "responses": {
                    "200": { "description": "对象", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/PersonItem" } } } },
                    "401": { "description": "缺少或无效的令牌" },
                    "404": { "description": "不存在或不在范围内" }
                } } }
        }
    }))
}

fn app_error(e: crate::AppError) -> Response {
    match e {
        crate::AppError::NotFound => api_error(StatusCode::NOT_FOUND, "not_found", "未找到"),
        crate::AppError::Forbidden => api_error(StatusCode::FORBIDDEN, "forbidden", "该角色无权使用此接口"),
        other => {
            tracing::error!(error = ?other, "api request failed");
            api_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "处理请求时出错")
        }
    }
}

fn project_json(
    sp: &yikou_store::campaigns::StoredProject,
    a: &yikou_store::campaigns::ProjectActual,
) -> serde_json::Value {
    let p = &sp.project;
    json!({
        "id": sp.id, "code": p.code, "name": p.name, "unit_code": p.unit_code, "unit_group": p.unit_group.label(),
        "target_categories": p.target_categories, "standard": p.standard.describe(),
        "counting_unit": p.counting_unit.code(), "planned_count": p.planned_count,
        "planned_amount_fen": p.planned_total().0, "exclusive_group": p.exclusive_group,
        "actual": { "entitlements": a.entitlements, "people": a.people, "amount_fen": a.amount_fen },
    })
}

/// The current campaign's projects the caller may see, with planned and actual figures.
pub async fn projects(State(state): State<AppState>, ApiUser(u): ApiUser) -> Response {
    if !u.role.is_business() {
        return api_error(StatusCode::FORBIDDEN, "forbidden", "该角色不能查询帮困项目");
    }
    let scope = u.role.scope(&u.unit_code);
    let result = async {
        let c = crate::pages::current_campaign(&state).await?;
        let projects = state.store.projects(&scope, c.id).await?;
        let actuals = state.store.project_actuals(&scope, c.id).await?;
        let items: Vec<_> =
            projects.iter().map(|sp| project_json(sp, &actuals.get(&sp.id).cloned().unwrap_or_default())).collect();
        Ok::<_, crate::AppError>(json!({ "campaign": c.campaign.name, "items": items }))
    }
    .await;
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => app_error(e),
    }
}

/// One project (404 when the caller's area has nothing to do with it).
pub async fn project(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>) -> Response {
    if !u.role.is_business() {
        return api_error(StatusCode::FORBIDDEN, "forbidden", "该角色不能查询帮困项目");
    }
    let scope = u.role.scope(&u.unit_code);
    let result = async {
        let c = crate::pages::current_campaign(&state).await?;
        let projects = state.store.projects(&scope, c.id).await?;
        let sp = projects.iter().find(|p| p.id == id).ok_or(crate::AppError::NotFound)?;
        let a = state.store.project_actuals(&scope, c.id).await?.remove(&id).unwrap_or_default();
        Ok::<_, crate::AppError>(project_json(sp, &a))
    }
    .await;
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => app_error(e),
    }
}

/// The cross-check of the current campaign: the findings of the caller's area and their counts.
pub async fn check(State(state): State<AppState>, ApiUser(u): ApiUser) -> Response {
    if !u.role.may_review() {
        return api_error(StatusCode::FORBIDDEN, "forbidden", "该角色不能使用比对核查");
    }
    let scope = u.role.scope(&u.unit_code);
    match crate::pages::current_check(&state).await {
        Ok((_, report)) => {
            let mine: Vec<_> = report.findings.iter().filter(|f| crate::pages::visible(&scope, f)).collect();
            let mut counts = serde_json::Map::new();
            for (code, _, _) in yikou_store::check::FINDING_TYPES {
                counts.insert(code.to_string(), json!(mine.iter().filter(|f| f.kind == *code).count()));
            }
            Json(json!({ "rules_version": report.rules_version, "counts": counts, "findings": mine })).into_response()
        }
        Err(e) => app_error(e),
    }
}
