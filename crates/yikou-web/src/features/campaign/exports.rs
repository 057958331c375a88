//! Campaign exports: units, projects, a project roster (Excel or CSV; the roster audited).

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::json;
use yikou_domain::Fen;

use crate::csv::*;
use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

const UNITS: Export = Export { title: "单位通讯录", ascii: "contacts" };
const PROJECTS: Export = Export { title: "帮困项目计划与执行", ascii: "projects" };

/// 单位通讯录 (附件2). Phone numbers are text (a leading 0 or 021 stays).
pub async fn units(State(state): State<AppState>, Signed(s): Signed, format: Format) -> Result<Response, AppError> {
    if !s.user.role.is_business() {
        return Err(AppError::Forbidden);
    }
    let mut table =
        Table::new("单位通讯录", ["单位", "联系人", "职务", "办公电话", "手机"].into_iter().map(Column::new).collect());
    table.numbered = true;
    for u in yikou_service::campaign::units(&state.store).await? {
        let blank = |v: Option<String>| v.unwrap_or_default();
        table.push(vec![
            Value::text(u.name),
            Value::text(blank(u.contact_name)),
            Value::text(blank(u.contact_title)),
            Value::id(blank(u.office_phone)),
            Value::id(blank(u.mobile)),
        ]);
    }
    let (title, stem) = heading(&state, &s, &UNITS, &[]).await?;
    table.title = title;
    respond(table, format, &UNITS, &stem)
}

/// The projects of the user's area, planned against actual, with the 合计 row.
pub async fn projects(State(state): State<AppState>, Signed(s): Signed, format: Format) -> Result<Response, AppError> {
    if !s.user.role.is_business() {
        return Err(AppError::Forbidden);
    }
    let scope = s.actor().scope;
    let c = yikou_service::campaign::current(&state.store).await?;
    let actuals = state.store.project_actuals(&scope, c.id).await?;
    let names = names(&state).await?;
    let mut table = Table::new(
        "帮困项目",
        vec![
            Column::new("编号"),
            Column::new("项目"),
            Column::new("实施单位"),
            Column::new("单位类别"),
            Column::new("标准"),
            Column::new("计划"),
            Column::summed("计划金额（元）"),
            Column::summed("已列入（人次）"),
            Column::summed("已列入金额（元）"),
        ],
    );
    table.numbered = true;
    table.totals = true;
    for sp in state.store.projects(&scope, c.id).await? {
        let a = actuals.get(&sp.id).cloned().unwrap_or_default();
        let p = &sp.project;
        table.push(vec![
            Value::id(p.code.clone()),
            Value::text(p.name.clone()),
            Value::text(names.unit(&p.unit_code)),
            Value::text(p.unit_group.label()),
            Value::text(p.standard.describe()),
            Value::text(format!("{}{}", p.planned_count.max(0), p.counting_unit.label())),
            Value::Money(p.planned_total()),
            Value::Int(a.entitlements),
            Value::Money(Fen(a.amount_fen)),
        ]);
    }
    let (title, stem) = heading(&state, &s, &PROJECTS, &[]).await?;
    table.title = title;
    respond(table, format, &PROJECTS, &stem)
}

/// One project's roster: the entitlements the user's area may see, ID numbers masked, with 合计.
pub async fn roster(
    State(state): State<AppState>,
    Signed(s): Signed,
    format: Format,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    if !s.user.role.is_business() {
        return Err(AppError::Forbidden);
    }
    let scope = s.actor().scope;
    let (c, sp) = yikou_service::campaign::visible_project(&state.store, &scope, id).await?;
    let rows = state.store.project_actuals(&scope, c.id).await?.get(&id).map_or(0, |a| a.entitlements);
    let names = names(&state).await?;
    let mut table = Table::new(
        &sp.project.code,
        vec![
            Column::new("姓名").wide(8),
            Column::new("身份证号").wide(22),
            Column::new("街镇").wide(12),
            Column::new("户内人数"),
            Column::summed("金额（元）").wide(12),
            Column::new("状态"),
        ],
    );
    table.numbered = true;
    table.totals = true;
    let title = format!("{}名单", sp.project.name);
    let what = Export { title: &title, ascii: &format!("roster-{}", sp.project.code) };
    let (lines, stem) =
        heading(&state, &s, &what, &[("项目", format!("{} {}", sp.project.code, sp.project.name))]).await?;
    table.title = lines;
    audited(&state, &s, "project.export", "project", json!({ "project": sp.project.code, "rows": rows })).await?;
    Ok(streamed(table, format, &what, &stem, move |out: Rows| async move {
        let mut after = 0i64;
        loop {
            let (lines, next) = state.store.project_roster(&scope, id, after, 500).await?;
            let page = lines
                .into_iter()
                .map(|l| {
                    vec![
                        Value::text(l.name),
                        Value::id(l.id_number_masked),
                        Value::text(l.street_code.as_deref().map(|c| names.unit(c)).unwrap_or_default()),
                        l.household_size.map_or(Value::Empty, Value::Int),
                        Value::Money(Fen(l.amount_fen)),
                        Value::text(state_label(&l.state)),
                    ]
                })
                .collect();
            match out.then(page, next).await {
                Some(n) => after = n,
                None => return Ok(()),
            }
        }
    }))
}
