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
    let filter = p.filter(None, 500);
    let rows = state.store.count_audit(&filter).await?;
    let mut table = Table::new(
        "审计日志",
        vec![
            Column::new("序号"),
            Column::new("时间（北京时间）").wide(20),
            Column::new("操作人").wide(10),
            Column::new("操作人姓名").wide(10),
            Column::new("操作").wide(16),
            Column::new("操作代码").wide(16),
            Column::new("对象").wide(20),
            Column::new("变更前").wide(30),
            Column::new("变更后").wide(30),
        ],
    );
    let people = People::read(&state).await?;
    let blank = |v: &Option<String>| v.clone().unwrap_or_default();
    let filters = [
        ("操作人", blank(&filter.actor)),
        ("操作", filter.action.as_deref().map(yikou_domain::audit::action_name).unwrap_or_default()),
        ("起", blank(&filter.from)),
        ("止", blank(&filter.to)),
    ];
    let (title, stem) = heading(&state, &s, &AUDIT, &filters).await?;
    table.title = title;
    let what =
        json!({ "actor": filter.actor, "action": filter.action, "from": filter.from, "to": filter.to, "rows": rows });
    audited(&state, &s, "audit.export", "audit_log", what).await?;
    Ok(streamed(table, format, &AUDIT, &stem, move |out: Rows| async move {
        let mut filter = filter;
        // Newest first: this export's own record leads the file.
        loop {
            let (records, next) = state.store.audit_page(&filter).await?;
            let page = records
                .into_iter()
                .map(|r| {
                    let at = yikou_domain::clock::beijing_datetime(&r.at);
                    let (before, after) =
                        (r.before_json.clone().unwrap_or_default(), r.after_json.clone().unwrap_or_default());
                    let (entity, id) = (r.entity.clone(), r.entity_id.clone());
                    let row = people.name(AuditRow::from(r), &entity, &id);
                    vec![
                        Value::Int(row.seq),
                        at.map_or_else(|| Value::text(row.at), Value::Time),
                        Value::text(row.actor),
                        Value::text(row.actor_name),
                        Value::text(row.action),
                        Value::id(row.action_code),
                        Value::text(row.object),
                        Value::text(before),
                        Value::text(after),
                    ]
                })
                .collect();
            match out.then(page, next).await {
                Some(n) => filter.before = Some(n),
                None => return Ok(()),
            }
        }
    }))
}
