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

/// One record as the page shows it: the action and the record in words, the codes beside in grey.
pub(crate) struct AuditRow {
    pub seq: i64,
    /// Beijing time, to the second.
    pub at: String,
    /// The login as recorded (system jobs: `system:…`).
    pub actor: String,
    /// The account's display name, when the login is an account's.
    pub actor_name: String,
    pub action: String,
    pub action_code: String,
    pub object: String,
}

impl From<yikou_store::audit::AuditRecord> for AuditRow {
    fn from(r: yikou_store::audit::AuditRecord) -> AuditRow {
        use yikou_domain::audit::{action_name, object_text};
        AuditRow {
            seq: r.seq,
            at: yikou_domain::clock::beijing_seconds(&r.at),
            actor: r.actor,
            actor_name: String::new(),
            action: action_name(&r.action),
            object: object_text(&r.entity, &r.entity_id),
            action_code: r.action,
        }
    }
}

/// Accounts by login and by id, to name who acted and which account a record is about.
pub(crate) struct People {
    by_login: std::collections::HashMap<String, String>,
    by_id: std::collections::HashMap<String, (String, String)>,
}

impl People {
    pub(crate) async fn read(state: &AppState) -> Result<People, AppError> {
        let users = state.store.users().await?;
        Ok(People {
            by_login: users.iter().map(|u| (u.login.clone(), u.display_name.clone())).collect(),
            by_id: users.into_iter().map(|u| (u.id.to_string(), (u.login, u.display_name))).collect(),
        })
    }

    /// The row with the actor's display name and an account object named ("账号 gumei（古美街道经办）").
    pub(crate) fn name(&self, mut row: AuditRow, entity: &str, entity_id: &str) -> AuditRow {
        row.actor_name = match row.actor.strip_prefix("system:") {
            Some(job) => format!("系统（{job}）"),
            None => self.by_login.get(&row.actor).cloned().unwrap_or_default(),
        };
        if entity == "user" {
            if let Some((login, name)) = self.by_id.get(entity_id) {
                row.object = format!("账号 {login}（{name}）");
            }
        }
        row
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
    rows: Vec<AuditRow>,
    /// The action filter's choices: (code or start of codes, name).
    actions: Vec<(String, String)>,
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
    let people = People::read(&state).await?;
    let rows = records
        .into_iter()
        .map(|r| {
            let (entity, id) = (r.entity.clone(), r.entity_id.clone());
            people.name(AuditRow::from(r), &entity, &id)
        })
        .collect();
    let filters = [("actor", &filter.actor), ("action", &filter.action), ("from", &filter.from), ("to", &filter.to)];
    let next = next.map(|n| page_url(&format!("/audit?before={n}"), &filters));
    let export = page_url("?", &filters).replacen("?&", "?", 1).trim_end_matches('?').to_string();
    Ok(Html(
        AuditPage {
            frame: frame(&state, &s).await?,
            actor: p.actor.unwrap_or_default(),
            action: p.action.unwrap_or_default(),
            from: p.from.unwrap_or_default(),
            to: p.to.unwrap_or_default(),
            rows,
            actions: action_choices(),
            next,
            export,
        }
        .render()?,
    ))
}

/// Every group of actions, then every action, by name (the filter takes a code or its start).
fn action_choices() -> Vec<(String, String)> {
    use yikou_domain::audit::{ACTIONS, GROUPS};
    let groups = GROUPS.iter().map(|(c, n)| (c.to_string(), format!("{n}（全部）")));
    let mut actions: Vec<(String, String)> = ACTIONS.iter().map(|(c, n)| (c.to_string(), n.to_string())).collect();
    actions.sort_by(|a, b| a.0.cmp(&b.0));
    groups.chain(actions).collect()
}
