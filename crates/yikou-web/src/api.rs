//! JSON API under /api/v1 for machine clients (bearer tokens), with the same scoping as the pages:
//! a person outside the caller's area answers 404.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use yikou_store::people::PeopleQuery;

use crate::auth::ApiUser;
use crate::pages::nonempty;
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
    let query = PeopleQuery {
        q: nonempty(p.q),
        street: nonempty(p.street),
        committee: None,
        category: nonempty(p.category),
        after,
        limit: p.limit.unwrap_or(50).clamp(1, 500),
    };
    match yikou_service::register::search(&state.store, &u.actor(), &query).await {
        Ok((items, next)) => {
            Json(json!({ "items": items, "next_cursor": next.map(|n| n.to_string()) })).into_response()
        }
        Err(e) => app_error(e.into()),
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
                "age": p.age,
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
            "sex": { "type": "string", "enum": ["M", "F"] }, "age": { "type": "integer", "nullable": true },
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
            "/api/v1/imports": { "post": {
                "summary": "上传名单并逐行检查（不写入）；返回 upload 编号、rows/valid/invalid 与每行问题",
                "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": { "type": "object",
                    "required": ["file"], "properties": { "file": { "type": "string", "format": "binary" }, "project": { "type": "string" } } } } } },
                "responses": { "200": { "description": "检查结果" }, "400": { "description": "缺少文件" }, "401": { "description": "缺少或无效的令牌" },
                               "403": { "description": "角色无权" }, "404": { "description": "项目不存在或不在范围内" }, "422": { "description": "文件无法读取" } } } },
            "/api/v1/imports/{upload}/commit": { "post": {
                "summary": "导入已检查的名单；accept_valid=true 时只导入正确的行；同一文件再次导入不重复",
                "parameters": [{ "name": "upload", "in": "path", "required": true, "schema": { "type": "string" } },
                               { "name": "accept_valid", "in": "query", "schema": { "type": "boolean" } }],
                "responses": { "200": { "description": "batch、rows、created、updated、unchanged、rejected、already_imported" },
                               "404": { "description": "不是调用者的上传" }, "422": { "description": "仍有错误行" } } } },
            "/api/v1/imports/batches": { "get": {
                "summary": "调用者的导入批次（区民政局：全部）",
                "responses": { "200": { "description": "items" }, "403": { "description": "角色无权" } } } },
            "/api/v1/imports/batches/{batch}/undo": { "post": {
                "summary": "撤销批次（批次中尚无已审核的帮扶记录时）",
                "parameters": [{ "name": "batch", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": { "200": { "description": "已撤销" }, "404": { "description": "不存在或不可见" }, "409": { "description": "不能撤销" } } } },
            "/api/v1/check/decisions": { "post": {
                "summary": "确认或排除一个疑点（排除须写理由）",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object",
                    "required": ["key", "action"], "properties": { "key": { "type": "string" },
                    "action": { "type": "string", "enum": ["confirm", "dismiss"] }, "reason": { "type": "string" } } } } } },
                "responses": { "200": { "description": "已处理" }, "403": { "description": "角色无权" }, "404": { "description": "不存在或不在范围内" },
                               "422": { "description": "缺少理由" } } } },
            "/api/v1/campaign": { "get": {
                "summary": "当前活动及工作安排（附件1）：各阶段及日期",
                "responses": { "200": { "description": "活动" }, "401": { "description": "缺少或无效的令牌" } } } },
            "/api/v1/units": { "get": {
                "summary": "单位通讯录（附件2）",
                "responses": { "200": { "description": "items" }, "403": { "description": "角色无权" } } } },
            "/api/v1/audit": { "get": {
                "summary": "审计日志（审计管理员），新在前，按 cursor 翻页",
                "parameters": [
                    { "name": "actor", "in": "query", "schema": { "type": "string" } },
                    { "name": "action", "in": "query", "schema": { "type": "string" }, "description": "操作或其开头，如 auth." },
                    { "name": "from", "in": "query", "schema": { "type": "string", "format": "date" } },
                    { "name": "to", "in": "query", "schema": { "type": "string", "format": "date" } },
                    { "name": "cursor", "in": "query", "schema": { "type": "string" } },
                    { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 500 } }
                ],
                "responses": { "200": { "description": "items 与 next_cursor" }, "403": { "description": "角色无权" } } } },
            "/api/v1/users": { "get": {
                "summary": "账号列表（系统管理员、安全管理员）",
                "responses": { "200": { "description": "items" }, "403": { "description": "角色无权" } } } },
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
        crate::AppError::BadRequest(m) => api_error(StatusCode::BAD_REQUEST, "bad_request", &m),
        crate::AppError::Unreadable(m) => api_error(StatusCode::UNPROCESSABLE_ENTITY, "unreadable", &m),
        crate::AppError::Busy(m) => api_error(StatusCode::SERVICE_UNAVAILABLE, "busy", &m),
        crate::AppError::Rejected(m) => api_error(StatusCode::UNPROCESSABLE_ENTITY, "rejected", &m),
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
        let (c, sp) = crate::pages::scoped_project(&state, &scope, id).await?;
        let a = state.store.project_actuals(&scope, c.id).await?.remove(&id).unwrap_or_default();
        Ok::<_, crate::AppError>(project_json(&sp, &a))
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
            let mine: Vec<_> = report.within(&scope).collect();
            let mut counts = serde_json::Map::new();
            for (code, _, _) in yikou_store::check::FINDING_TYPES {
                counts.insert(code.to_string(), json!(mine.iter().filter(|f| f.kind == *code).count()));
            }
            Json(json!({ "rules_version": report.rules_version, "counts": counts, "findings": mine })).into_response()
        }
        Err(e) => app_error(e),
    }
}

fn forbidden_import() -> Response {
    api_error(StatusCode::FORBIDDEN, "forbidden", "该角色不能导入名单")
}

/// Upload a list (multipart: `file`, optional `project` code) and check it; nothing is written.
/// The answer has the dry run's fields plus `upload`, the id to commit it with.
pub async fn import_upload(State(state): State<AppState>, ApiUser(u): ApiUser, mut form: Multipart) -> Response {
    if !u.role.may_import() {
        return forbidden_import();
    }
    let got = match crate::imports::receive(&state, &mut form).await {
        Ok(g) => g,
        Err(e) => return app_error(e),
    };
    match crate::imports::check_received(&state, &u, got).await {
        Ok((id, up, checked)) => {
            let o = &checked.outcome;
            Json(json!({
                "upload": id,
                "file": up.file_name,
                "format": o.source.format.label(),
                "encoding": o.source.encoding,
                "sheet": o.source.sheet,
                "header_row": o.header.row,
                "rows": o.rows,
                "valid": checked.rows.len(),
                "invalid": checked.invalid(),
                "errors": checked.errors(),
                "warnings": checked.warnings(),
                "errors_truncated": o.issues_truncated,
            }))
            .into_response()
        }
        Err(e) => app_error(e),
    }
}

#[derive(Deserialize, Default)]
pub struct CommitParams {
    #[serde(default)]
    accept_valid: bool,
}

/// Commit a checked upload (the caller's own): all rows, or with `?accept_valid=true` the valid
/// ones. 422 while rows are wrong and accept_valid is off; the same file again adds nothing.
pub async fn import_commit(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    Path(id): Path<String>,
    Query(p): Query<CommitParams>,
) -> Response {
    if !u.role.may_import() {
        return forbidden_import();
    }
    match crate::imports::commit_upload(&state, &u, &id, p.accept_valid).await {
        Ok(result) => Json(result).into_response(),
        Err(crate::AppError::Rejected(m)) => api_error(StatusCode::UNPROCESSABLE_ENTITY, "rows_rejected", &m),
        Err(e) => app_error(e),
    }
}

/// The caller's import batches (the bureau: every batch), newest first.
pub async fn import_batches(State(state): State<AppState>, ApiUser(u): ApiUser) -> Response {
    if !u.role.may_import() {
        return forbidden_import();
    }
    match yikou_service::imports::visible_batches(&state.store, &u.actor(), 200).await {
        Ok(b) => Json(json!({ "items": b })).into_response(),
        Err(e) => app_error(e.into()),
    }
}

/// Undo a batch the caller may see, while none of its entitlements is approved.
pub async fn import_undo(State(state): State<AppState>, ApiUser(u): ApiUser, Path(batch): Path<String>) -> Response {
    if !u.role.may_import() {
        return forbidden_import();
    }
    match yikou_service::imports::undo(state.store.clone(), &u.actor(), batch).await {
        Ok(b) => Json(json!({ "batch": b.batch, "status": "undone", "rows": b.rows })).into_response(),
        Err(yikou_service::ServiceError::Rejected(m)) => api_error(StatusCode::CONFLICT, "not_undoable", &m),
        Err(e) => app_error(e.into()),
    }
}

#[derive(Deserialize)]
pub struct Decision {
    key: String,
    /// confirm or dismiss
    action: String,
    #[serde(default)]
    reason: String,
}

/// Confirm or dismiss (with a reason) one finding of the caller's area.
pub async fn decide(State(state): State<AppState>, ApiUser(u): ApiUser, Json(d): Json<Decision>) -> Response {
    if !u.role.may_review() {
        return api_error(StatusCode::FORBIDDEN, "forbidden", "该角色不能使用比对核查");
    }
    let confirm = match d.action.as_str() {
        "confirm" => true,
        "dismiss" => false,
        _ => return api_error(StatusCode::BAD_REQUEST, "bad_action", "action 须为 confirm 或 dismiss"),
    };
    match crate::pages::decide_visible(&state, &u, &d.key, confirm, &d.reason).await {
        Ok(Ok(kind)) => {
            Json(json!({ "key": d.key, "type": kind, "status": if confirm { "confirmed" } else { "dismissed" } }))
                .into_response()
        }
        Ok(Err(m)) => api_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", &m),
        Err(e) => app_error(e),
    }
}

/// The current campaign and its schedule (工作安排表, 附件1): phases with their dates.
pub async fn campaign(State(state): State<AppState>, ApiUser(_u): ApiUser) -> Response {
    match crate::pages::current_campaign(&state).await {
        Ok(c) => {
            let phases: Vec<_> = c
                .campaign
                .phases
                .iter()
                .map(|w| {
                    json!({ "phase": w.phase.code(), "label": w.phase.label(), "start": yikou_domain::format_date(w.start),
                            "end": yikou_domain::format_date(w.end), "current": Some(w.phase) == c.current_phase })
                })
                .collect();
            Json(json!({
                "year": c.campaign.year, "name": c.campaign.name,
                "start": yikou_domain::format_date(c.campaign.start), "end": yikou_domain::format_date(c.campaign.end),
                "current_phase": c.current_phase.map(|p| p.code()), "phases": phases,
            }))
            .into_response()
        }
        Err(e) => app_error(e),
    }
}

/// 单位通讯录 (附件2): the campaign's units and their contacts (business roles).
pub async fn units(State(state): State<AppState>, ApiUser(u): ApiUser) -> Response {
    if !u.role.is_business() {
        return api_error(StatusCode::FORBIDDEN, "forbidden", "该角色不能查看单位通讯录");
    }
    match crate::pages::campaign_units(&state).await {
        Ok(units) => Json(json!({ "items": units })).into_response(),
        Err(e) => app_error(e),
    }
}

#[derive(Deserialize, Default)]
pub struct AuditParams {
    actor: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// The audit log, newest first, with filters (audit administrator only).
pub async fn audit(State(state): State<AppState>, ApiUser(u): ApiUser, Query(p): Query<AuditParams>) -> Response {
    if u.role != yikou_domain::Role::AuditAdmin {
        return api_error(StatusCode::FORBIDDEN, "forbidden", "只有审计管理员能查看审计日志");
    }
    let before = match p.cursor.as_deref().filter(|c| !c.is_empty()).map(str::parse::<i64>) {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => {
            return api_error(StatusCode::BAD_REQUEST, "bad_cursor", "cursor 无效：请使用上一页返回的 next_cursor")
        }
    };
    let filter = yikou_store::audit::AuditFilter {
        actor: nonempty(p.actor),
        action: nonempty(p.action),
        from: nonempty(p.from),
        to: nonempty(p.to),
        before,
        limit: p.limit.unwrap_or(100).clamp(1, 500),
    };
    match state.store.audit_page(&filter).await {
        Ok((records, next)) => {
            Json(json!({ "items": records, "next_cursor": next.map(|n| n.to_string()) })).into_response()
        }
        Err(e) => internal(e),
    }
}

/// The accounts (system and security administrators).
pub async fn users(State(state): State<AppState>, ApiUser(u): ApiUser) -> Response {
    if !matches!(u.role, yikou_domain::Role::SystemAdmin | yikou_domain::Role::SecurityAdmin) {
        return api_error(StatusCode::FORBIDDEN, "forbidden", "只有系统管理员和安全管理员能查看账号");
    }
    match state.store.users().await {
        Ok(users) => Json(json!({ "items": users })).into_response(),
        Err(e) => internal(e),
    }
}
