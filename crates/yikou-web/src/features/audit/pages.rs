//! 审计日志 page (the audit administrator).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;

use crate::frame::*;
use crate::session::*;
use crate::{AppError, AppState};

#[derive(Deserialize, Default)]
pub struct AuditParams {
    pub(crate) actor: Option<String>,
    pub(crate) action: Option<String>,
    pub(crate) from: Option<String>,
    pub(crate) to: Option<String>,
    pub(crate) before: Option<i64>,
}

impl AuditParams {
    /// The store's filter for these fields (blank fields are no filter).
    pub(crate) fn filter(&self, before: Option<i64>, limit: i64) -> yikou_store::audit::AuditFilter {
        yikou_store::audit::AuditFilter {
            actor: nonempty(self.actor.clone()),
            action: nonempty(self.action.clone()),
            from: nonempty(self.from.clone()),
            to: nonempty(self.to.clone()),
            before,
            limit,
        }
    }
}

#[derive(Template)]
#[template(path = "audit/audit.html")]
struct AuditPage {
    frame: Frame,
    actor: String,
    action: String,
    from: String,
    to: String,
    rows: Vec<(i64, String, String, String, String, String)>,
    next: Option<String>,
    export: String,
}

/// 审计日志: for the audit administrator only (三权分立).
pub async fn audit(
    State(state): State<AppState>,
    Signed(s): Signed,
    Query(p): Query<AuditParams>,
) -> Result<Html<String>, AppError> {
    if !s.user.role.may_read_audit() {
        return Err(AppError::Forbidden);
    }
    let filter = p.filter(p.before, 100);
    let (records, next) = state.store.audit_page(&filter).await?;
    let rows = records
        .into_iter()
        .map(|r| (r.seq, r.at.replace('T', " ").chars().take(19).collect(), r.actor, r.action, r.entity, r.entity_id))
        .collect();
    let filters = [("actor", &filter.actor), ("action", &filter.action), ("from", &filter.from), ("to", &filter.to)];
    let next = next.map(|n| page_url(&format!("/audit?before={n}"), &filters));
    let export = page_url("/audit/export.csv?", &filters).replacen("?&", "?", 1);
    Ok(Html(
        AuditPage {
            frame: frame(&state, &s).await?,
            actor: p.actor.unwrap_or_default(),
            action: p.action.unwrap_or_default(),
            from: p.from.unwrap_or_default(),
            to: p.to.unwrap_or_default(),
            rows,
            next,
            export,
        }
        .render()?,
    ))
}
