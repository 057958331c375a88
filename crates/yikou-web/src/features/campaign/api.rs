//! Campaign API: the campaign with its phases, its projects, one project, the units.

use axum::extract::{Path, State};
use axum::Json;
use serde_json::json;
use yikou_domain::Scope;

use crate::session::*;
use yikou_service::campaign;

use crate::{ApiError, ApiResult, AppError, AppState};

fn project_json(
    sp: &yikou_store::campaign::StoredProject,
    a: &yikou_store::campaign::ProjectActual,
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

fn business(u: &yikou_store::accounts::users::User, refusal: &'static str) -> Result<Scope, ApiError> {
    if !u.role.is_business() {
        return Err(AppError::Refused(refusal.into()).into());
    }
    Ok(u.role.scope(&u.unit_code))
}

/// The current campaign's projects the caller may see, with planned and actual figures.
pub async fn projects(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult {
    let scope = business(&u, "该角色不能查询帮困项目")?;
    let c = campaign::current(&state.store).await?;
    let projects = state.store.projects(&scope, c.id).await?;
    let actuals = state.store.project_actuals(&scope, c.id).await?;
    let items: Vec<_> =
        projects.iter().map(|sp| project_json(sp, &actuals.get(&sp.id).cloned().unwrap_or_default())).collect();
    Ok(Json(json!({ "campaign": c.campaign.name, "items": items })))
}

/// One project (404 when the caller's area has nothing to do with it).
pub async fn project(State(state): State<AppState>, ApiUser(u): ApiUser, Path(id): Path<i64>) -> ApiResult {
    let scope = business(&u, "该角色不能查询帮困项目")?;
    let (c, sp) = campaign::visible_project(&state.store, &scope, id).await?;
    let a = state.store.project_actuals(&scope, c.id).await?.remove(&id).unwrap_or_default();
    let mut out = project_json(&sp, &a);
    // Each unit's roster (within the caller's area): its state and what it holds.
    let (rosters, _) = yikou_service::rosters::of_project(&state.store, &u.actor(), id).await?;
    out["rosters"] = rosters.iter().map(yikou_service::rosters::line_json).collect();
    Ok(Json(out))
}

/// The current campaign and its schedule (工作安排表, 附件1): phases with their dates.
pub async fn campaign(State(state): State<AppState>, ApiUser(_u): ApiUser) -> ApiResult {
    let c = campaign::current(&state.store).await?;
    let phases: Vec<_> = c
        .campaign
        .phases
        .iter()
        .map(|w| {
            json!({ "phase": w.phase.code(), "label": w.phase.label(), "start": yikou_domain::format_date(w.start),
                    "end": yikou_domain::format_date(w.end), "current": Some(w.phase) == c.current_phase })
        })
        .collect();
    Ok(Json(json!({
        "year": c.campaign.year, "name": c.campaign.name,
        "start": yikou_domain::format_date(c.campaign.start), "end": yikou_domain::format_date(c.campaign.end),
        "current_phase": c.current_phase.map(|p| p.code()), "phases": phases,
    })))
}

/// 单位通讯录 (附件2): the campaign's units and their contacts (business roles).
pub async fn units(State(state): State<AppState>, ApiUser(u): ApiUser) -> ApiResult {
    business(&u, "该角色不能查看单位通讯录")?;
    Ok(Json(json!({ "items": campaign::units(&state.store).await? })))
}
