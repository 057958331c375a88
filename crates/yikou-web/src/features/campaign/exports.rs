//! Campaign exports: units, projects, a project roster (CSV, audited).

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::json;
use yikou_domain::money::group_thousands;
use yikou_domain::Fen;

use super::pages::project_row;
use crate::csv::*;
use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

/// 单位通讯录 (附件2).
pub async fn units(State(state): State<AppState>, Signed(s): Signed) -> Result<Response, AppError> {
    if !s.user.role.is_business() {
        return Err(AppError::Forbidden);
    }
    let mut csv = Csv::new(&["单位", "联系人", "职务", "办公电话", "手机"]);
    for u in yikou_service::campaign::units(&state.store).await? {
        let blank = |v: &Option<String>| v.clone().unwrap_or_default();
        csv.row(&[
            &u.name,
            &blank(&u.contact_name),
            &blank(&u.contact_title),
            &blank(&u.office_phone),
            &blank(&u.mobile),
        ]);
    }
    Ok(csv.into_response("contacts.csv"))
}

/// The projects of the user's area, planned against actual, with the total row.
pub async fn projects(State(state): State<AppState>, Signed(s): Signed) -> Result<Response, AppError> {
    if !s.user.role.is_business() {
        return Err(AppError::Forbidden);
    }
    let scope = s.actor().scope;
    let c = yikou_service::campaign::current(&state.store).await?;
    let actuals = state.store.project_actuals(&scope, c.id).await?;
    let mut csv = Csv::new(&[
        "编号",
        "项目",
        "实施单位",
        "单位类别",
        "标准",
        "计划",
        "计划金额（元）",
        "已列入（人次）",
        "已列入金额（元）",
    ]);
    let (mut n, mut money) = (0i64, 0i64);
    for sp in state.store.projects(&scope, c.id).await? {
        let a = actuals.get(&sp.id).cloned().unwrap_or_default();
        n += a.entitlements;
        money += a.amount_fen;
        let r = project_row(sp.id, &sp.project, &a);
        csv.row(&[
            &r.code,
            &r.name,
            &r.unit,
            r.group,
            &r.standard,
            &r.planned_count,
            &r.planned_money,
            &r.actual_count,
            &r.actual_money,
        ]);
    }
    csv.row(&["合计", "", "", "", "", "", "", &group_thousands(n as u64), &Fen(money).yuan()]);
    Ok(csv.into_response("projects.csv"))
}

/// One project's roster: the entitlements the user's area may see.
pub async fn roster(
    State(state): State<AppState>,
    Signed(s): Signed,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    if !s.user.role.is_business() {
        return Err(AppError::Forbidden);
    }
    let scope = s.actor().scope;
    let (_, sp) = yikou_service::campaign::visible_project(&state.store, &scope, id).await?;
    let mut csv = Csv::new(&["姓名", "身份证号", "街镇", "户内人数", "金额（元）", "状态"]);
    let (mut after, mut total) = (0i64, 0i64);
    loop {
        let (lines, next) = state.store.project_roster(&scope, id, after, 500).await?;
        for l in lines {
            total += l.amount_fen;
            csv.row(&[
                &l.name,
                &l.id_number_masked,
                &l.street_code.as_deref().map(unit_name).unwrap_or_default(),
                &l.household_size.map(|h| h.to_string()).unwrap_or_default(),
                &Fen(l.amount_fen).yuan(),
                &state_label(&l.state),
            ]);
        }
        match next {
            Some(n) if !csv.full() => after = n,
            _ => break,
        }
    }
    let rows = csv.rows;
    csv.row(&["合计", "", "", "", &Fen(total).yuan(), ""]);
    audited(&state, &s, "project.export", "project", json!({ "project": sp.project.code, "rows": rows })).await?;
    Ok(csv.into_response(&format!("roster-{}.csv", sp.project.code)))
}
