//! 比对核查 export (Excel or CSV, masked, audited): each finding in words — its type, severity,
//! explanation and state — beside its key.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::Response;
use serde_json::json;
use yikou_domain::Scope;

use super::pages::CheckParams;
use crate::csv::*;
use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

const FINDINGS: Export = Export { title: "比对核查疑点", ascii: "findings" };

/// The cross-check's findings in the user's area (of one type, or all).
pub async fn findings(
    State(state): State<AppState>,
    Signed(s): Signed,
    format: Format,
    Query(p): Query<CheckParams>,
) -> Result<Response, AppError> {
    if !s.user.role.may_review() {
        return Err(AppError::Forbidden);
    }
    let outcome = yikou_service::check::run(&state.store, &s.actor(), None).await?;
    let names = names(&state).await?;
    // Projects by code, to name them: a finding only names projects it involves.
    let projects: HashMap<String, String> = state
        .store
        .projects(&Scope::All, outcome.campaign.id)
        .await?
        .into_iter()
        .map(|sp| (sp.project.code.clone(), format!("{} {}", sp.project.code, sp.project.name)))
        .collect();
    // No type: every finding; a type that does not exist: none (never all of them by mistake).
    let wanted = p.kind.as_deref().filter(|k| !k.is_empty());
    let kind = wanted.map(yikou_domain::FindingKind::from_code);
    let mut table = Table::new(
        "比对核查疑点",
        ["编号", "类型", "严重程度", "街镇", "对象", "项目", "说明", "状态", "理由"]
            .into_iter()
            .map(Column::new)
            .collect(),
    );
    table.numbered = true;
    for f in outcome.report.findings.iter().filter(|f| kind.is_none_or(|k| k == Some(f.kind))) {
        let people =
            f.people.iter().map(|p| format!("{} {}", p.name, p.id_number_masked)).collect::<Vec<_>>().join("；");
        let named: Vec<&str> = f.projects.iter().map(|c| projects.get(c).map_or(c.as_str(), String::as_str)).collect();
        table.push(vec![
            Value::id(f.key.clone()),
            Value::text(f.kind.title()),
            Value::text(f.severity.label()),
            Value::text(f.street_code.as_deref().map(|c| names.unit(c)).unwrap_or_default()),
            Value::text(people),
            Value::text(named.join("、")),
            Value::text(f.explanation.clone()),
            Value::text(f.status.label()),
            Value::text(f.reason.clone().unwrap_or_default()),
        ]);
    }
    let shown = match (wanted, kind) {
        (None, _) => String::new(),
        (Some(_), Some(Some(k))) => k.title().to_string(),
        (Some(code), _) => format!("未知类型 {code}"),
    };
    let (title, stem) = heading(&state, &s, &FINDINGS, &[("类型", shown)]).await?;
    table.title = title;
    audited(&state, &s, "finding.export", "finding", json!({ "type": wanted, "rows": table.rows.len() })).await?;
    respond(table, format, &FINDINGS, &stem)
}
