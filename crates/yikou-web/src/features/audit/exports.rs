//! 审计日志 export (Excel or CSV, audited).

use axum::extract::{Query, State};
use axum::response::Response;
use serde_json::json;

use super::pages::{AuditParams, AuditRow, People};
use crate::csv::*;
use crate::session::*;
use crate::{AppError, AppState};

const AUDIT: Export = Export { title: "审计日志", ascii: "audit" };

/// The audit log with the filters in force (audit administrator only). The action is named in
/// words, with its code beside it for whoever searches the log by code.
pub async fn audit(
    State(state): State<AppState>,
    Signed(s): Signed,
    format: Format,
    Query(p): Query<AuditParams>,
) -> Result<Response, AppError> {
    if !s.user.role.may_read_audit() {
        return Err(AppError::Forbidden);
    }
    let mut filter = p.filter(None, 500);
    let mut table = Table::new(
        "审计日志",
        ["序号", "时间（北京时间）", "操作人", "操作人姓名", "操作", "操作代码", "对象", "变更前", "变更后"]
            .into_iter()
            .map(Column::new)
            .collect(),
    );
    let people = People::read(&state).await?;
    loop {
        let (records, next) = state.store.audit_page(&filter).await?;
        for r in records {
            let at = yikou_domain::clock::beijing_datetime(&r.at);
            let (before, after) = (r.before_json.clone().unwrap_or_default(), r.after_json.clone().unwrap_or_default());
            let (entity, id) = (r.entity.clone(), r.entity_id.clone());
            let row = people.name(AuditRow::from(r), &entity, &id);
            table.push(vec![
                Value::Int(row.seq),
                at.map_or_else(|| Value::text(row.at), Value::Time),
                Value::text(row.actor),
                Value::text(row.actor_name),
                Value::text(row.action),
                Value::id(row.action_code),
                Value::text(row.object),
                Value::text(before),
                Value::text(after),
            ]);
        }
        match next {
            Some(n) if !full(&table) => filter.before = Some(n),
            _ => break,
        }
    }
    let blank = |v: &Option<String>| v.clone().unwrap_or_default();
    let filters = [
        ("操作人", blank(&filter.actor)),
        ("操作", filter.action.as_deref().map(yikou_domain::audit::action_name).unwrap_or_default()),
        ("起", blank(&filter.from)),
        ("止", blank(&filter.to)),
    ];
    let (title, stem) = heading(&state, &s, &AUDIT, &filters).await?;
    table.title = title;
    let what = json!({ "actor": filter.actor, "action": filter.action, "from": filter.from, "to": filter.to, "rows": table.rows.len() });
    audited(&state, &s, "audit.export", "audit_log", what).await?;
    respond(&table, format, &AUDIT, &stem)
}
