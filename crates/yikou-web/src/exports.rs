//! 导出Excel: every table's rows as its filters show them, with the same scope as the page (masked
//! ID numbers and phones), as CSV that Excel opens as is. Exports of people's data are audited
//! with the filters and the row count.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use yikou_domain::money::group_thousands;
use yikou_domain::{Fen, Role};
use yikou_store::auth::SessionUser;

use crate::auth::Signed;
use crate::pages::{
    campaign_units, current_campaign, current_check, finding_status, person_row, project_row, scoped_project,
    state_label, unit_name, AuditParams, CheckParams, PeopleParams,
};
use crate::{AppError, AppState};

/// More rows than this are not written into one file (Excel's own limit is 1,048,576).
const MAX_ROWS: usize = 200_000;

/// A CSV download Excel opens as is: UTF-8 with a BOM, CRLF, every cell quoted, and a cell that
/// starts like a formula (= + - @) prefixed with ' so Excel shows it as text.
pub(crate) struct Csv {
    text: String,
    rows: usize,
}

impl Csv {
    pub(crate) fn new(header: &[&str]) -> Csv {
        // The header is the program's own text: written as is.
        Csv { text: format!("\u{feff}{}\r\n", header.join(",")), rows: 0 }
    }

    pub(crate) fn row(&mut self, cells: &[&str]) {
        let quoted: Vec<String> = cells
            .iter()
            .map(|v| {
                let v = if v.starts_with(['=', '+', '-', '@']) { format!("'{v}") } else { v.to_string() };
                format!("\"{}\"", v.replace('"', "\"\""))
            })
            .collect();
        self.text.push_str(&quoted.join(","));
        self.text.push_str("\r\n");
        self.rows += 1;
    }

    fn full(&self) -> bool {
        self.rows >= MAX_ROWS
    }

    pub(crate) fn into_response(self, file_name: &str) -> Response {
        (
            [
                (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
            ],
            self.text,
        )
            .into_response()
    }
}

/// Records who exported what (the filters in force and how many rows).
async fn audited(
    state: &AppState,
    s: &SessionUser,
    action: &str,
    entity: &str,
    what: serde_json::Value,
) -> Result<(), AppError> {
    let mut tx = state.store.write(&s.actor()).await?;
    tx.audit(action, entity, "*", None, Some(&what)).await?;
    tx.commit().await?;
    Ok(())
}

/// The register list.
pub async fn people(
    State(state): State<AppState>,
    Signed(s): Signed,
    Query(p): Query<PeopleParams>,
) -> Result<Response, AppError> {
    if !s.user.role.is_business() {
        return Err(AppError::Forbidden);
    }
    let mut query = p.query(None, 500);
    let mut csv = Csv::new(&["姓名", "身份证号", "性别", "年龄", "电话", "街镇"]);
    loop {
        let (items, next) = yikou_service::register::search(&state.store, &s.actor(), &query).await?;
        for r in items.into_iter().map(person_row) {
            csv.row(&[&r.name, &r.id_number_masked, r.sex, &r.age, &r.phone, &r.street]);
        }
        match next {
            Some(n) if !csv.full() => query.after = Some(n),
            _ => break,
        }
    }
    let what = json!({ "q": query.q, "street": query.street, "category": query.category, "rows": csv.rows });
    audited(&state, &s, "person.export", "person", what).await?;
    Ok(csv.into_response("people.csv"))
}

/// 单位通讯录 (附件2).
pub async fn units(State(state): State<AppState>, Signed(s): Signed) -> Result<Response, AppError> {
    if !s.user.role.is_business() {
        return Err(AppError::Forbidden);
    }
    let mut csv = Csv::new(&["单位", "联系人", "职务", "办公电话", "手机"]);
    for u in campaign_units(&state).await? {
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
    let c = current_campaign(&state).await?;
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
    let (_, sp) = scoped_project(&state, &scope, id).await?;
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

/// The cross-check's findings in the user's area (of one type, or all).
pub async fn findings(
    State(state): State<AppState>,
    Signed(s): Signed,
    Query(p): Query<CheckParams>,
) -> Result<Response, AppError> {
    if !s.user.role.may_review() {
        return Err(AppError::Forbidden);
    }
    let scope = s.actor().scope;
    let (_, report) = current_check(&state).await?;
    let kind = p.kind.filter(|k| !k.is_empty());
    let mut csv = Csv::new(&["编号", "类型", "严重程度", "街镇", "对象", "项目", "说明", "状态", "理由"]);
    for f in report.within(&scope).filter(|f| kind.as_deref().is_none_or(|k| f.kind == k)) {
        let title = yikou_store::check::FINDING_TYPES.iter().find(|t| t.0 == f.kind).map_or(f.kind, |t| t.1);
        let people =
            f.people.iter().map(|p| format!("{} {}", p.name, p.id_number_masked)).collect::<Vec<_>>().join("；");
        csv.row(&[
            &f.key,
            title,
            f.severity,
            &f.street_code.as_deref().map(unit_name).unwrap_or_default(),
            &people,
            &f.projects.join("、"),
            &f.explanation,
            finding_status(f.status),
            f.reason.as_deref().unwrap_or(""),
        ]);
        if csv.full() {
            break;
        }
    }
    audited(&state, &s, "finding.export", "finding", json!({ "type": kind, "rows": csv.rows })).await?;
    Ok(csv.into_response("findings.csv"))
}

/// The audit log with the filters in force (audit administrator only).
pub async fn audit(
    State(state): State<AppState>,
    Signed(s): Signed,
    Query(p): Query<AuditParams>,
) -> Result<Response, AppError> {
    if s.user.role != Role::AuditAdmin {
        return Err(AppError::Forbidden);
    }
    let mut filter = p.filter(None, 500);
    let mut csv = Csv::new(&["序号", "时间（UTC）", "操作人", "操作", "对象", "对象编号", "变更前", "变更后"]);
    loop {
        let (records, next) = state.store.audit_page(&filter).await?;
        for r in records {
            csv.row(&[
                &r.seq.to_string(),
                &r.at.replace('T', " ").chars().take(19).collect::<String>(),
                &r.actor,
                &r.action,
                &r.entity,
                &r.entity_id,
                r.before_json.as_deref().unwrap_or(""),
                r.after_json.as_deref().unwrap_or(""),
            ]);
        }
        match next {
            Some(n) if !csv.full() => filter.before = Some(n),
            _ => break,
        }
    }
    let what = json!({ "actor": filter.actor, "action": filter.action, "from": filter.from, "to": filter.to, "rows": csv.rows });
    audited(&state, &s, "audit.export", "audit_log", what).await?;
    Ok(csv.into_response("audit.csv"))
}

/// The accounts (system and security administrators).
pub async fn users(State(state): State<AppState>, Signed(s): Signed) -> Result<Response, AppError> {
    if !matches!(s.user.role, Role::SystemAdmin | Role::SecurityAdmin) {
        return Err(AppError::Forbidden);
    }
    let mut csv = Csv::new(&["登录名", "姓名", "单位", "角色", "状态"]);
    for u in state.store.users().await? {
        let role = Role::from_code(&u.role).map_or("未知", |r| r.label());
        csv.row(&[&u.login, &u.display_name, &unit_name(&u.unit_code), role, crate::pages::user_status(&u)]);
    }
    audited(&state, &s, "user.export", "user", json!({ "rows": csv.rows })).await?;
    Ok(csv.into_response("users.csv"))
}
