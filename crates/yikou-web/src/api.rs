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
