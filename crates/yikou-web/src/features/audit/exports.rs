//! 审计日志 export (CSV, audited).

use axum::extract::{Query, State};
use axum::response::Response;
use serde_json::json;

use super::pages::AuditParams;
use crate::csv::*;
use crate::session::*;
use crate::{AppError, AppState};

/// The audit log with the filters in force (audit administrator only).
pub async fn audit(
    State(state): State<AppState>,
    Signed(s): Signed,
    Query(p): Query<AuditParams>,
) -> Result<Response, AppError> {
    if !s.user.role.may_read_audit() {
        return Err(AppError::Forbidden);
    }
    let mut filter = p.filter(None, 500);
    let mut csv = Csv::new(&["序号", "时间（北京时间）", "操作人", "操作", "操作代码", "对象", "变更前", "变更后"]);
    loop {
        let (records, next) = state.store.audit_page(&filter).await?;
        for r in records {
            let row = super::pages::AuditRow::from(r.clone());
            csv.row(&[
                &row.seq.to_string(),
                &row.at,
                &row.actor,
                &row.action,
                &row.action_code,
                &row.object,
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
