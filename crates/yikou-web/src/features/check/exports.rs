//! 比对核查 export (CSV, masked, audited).

use axum::extract::{Query, State};
use axum::response::Response;
use serde_json::json;

use super::pages::CheckParams;
use crate::csv::*;
use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

/// The cross-check's findings in the user's area (of one type, or all).
pub async fn findings(
    State(state): State<AppState>,
    Signed(s): Signed,
    Query(p): Query<CheckParams>,
) -> Result<Response, AppError> {
    if !s.user.role.may_review() {
        return Err(AppError::Forbidden);
    }
    let outcome = yikou_service::check::run(&state.store, &s.actor(), None).await?;
    // No type: every finding; a type that does not exist: none (never all of them by mistake).
    let wanted = p.kind.as_deref().filter(|k| !k.is_empty());
    let kind = wanted.map(yikou_domain::FindingKind::from_code);
    let mut csv = Csv::new(&["编号", "类型", "严重程度", "街镇", "对象", "项目", "说明", "状态", "理由"]);
    for f in outcome.report.findings.iter().filter(|f| kind.is_none_or(|k| k == Some(f.kind))) {
        let people =
            f.people.iter().map(|p| format!("{} {}", p.name, p.id_number_masked)).collect::<Vec<_>>().join("；");
        csv.row(&[
            &f.key,
            f.kind.title(),
            f.severity.code(),
            &f.street_code.as_deref().map(unit_name).unwrap_or_default(),
            &people,
            &f.projects.join("、"),
            &f.explanation,
            f.status.label(),
            f.reason.as_deref().unwrap_or(""),
        ]);
        if csv.full() {
            break;
        }
    }
    audited(&state, &s, "finding.export", "finding", json!({ "type": wanted, "rows": csv.rows })).await?;
    Ok(csv.into_response("findings.csv"))
}
