//! 名单 (rosters) as use cases: a unit submits its roster of a project once no cross-check finding
//! touching it is undecided; a reviewer approves it or returns it with a comment — never one they
//! imported, edited or submitted (the store refuses that where it writes); and a project's rosters
//! with their history. Web pages, the API and the CLI all come here.

use yikou_domain::roster::ReviewDecision;
use yikou_domain::{today, Actor, Scope};
use yikou_store::check::Finding;
use yikou_store::rosters::{review as review_roster, submit as submit_roster, RosterEvent, RosterLine, RosterOutcome};
use yikou_store::Store;

use crate::{Result, ServiceError};

/// The findings of the current run that touch a unit's draft entries of a project (or, for the
/// project's own unit, the project as a whole — over budget) and wait for a decision.
pub async fn open_findings(store: &Store, actor: &Actor, project_id: i64, unit: &str) -> Result<Vec<Finding>> {
    let (campaign, sp) = crate::campaign::visible_project(store, &actor.scope, project_id).await?;
    let drafts: std::collections::HashSet<i64> = store.roster_drafts(project_id, unit).await?.into_iter().collect();
    if drafts.is_empty() {
        return Ok(Vec::new());
    }
    let report = store.current_check(&Scope::All, campaign.id, campaign.campaign.check_date(today())).await?;
    let own_project = sp.project.unit_code == unit;
    Ok(report
        .findings
        .into_iter()
        .filter(|f| !f.status.is_decided())
        .filter(|f| {
            f.entitlements.iter().any(|e| drafts.contains(e))
                || (f.entitlements.is_empty() && own_project && f.projects.contains(&sp.project.code))
        })
        .collect())
}

/// "还有 N 个比对疑点未处理（…）" — the message of a submission refused for open findings.
pub fn open_findings_message(open: &[Finding]) -> String {
    let mut kinds: Vec<(yikou_domain::FindingKind, usize)> = Vec::new();
    for f in open {
        match kinds.iter_mut().find(|(k, _)| *k == f.kind) {
            Some((_, n)) => *n += 1,
            None => kinds.push((f.kind, 1)),
        }
    }
    let list = kinds.iter().map(|(k, n)| format!("{}{n}个", k.title())).collect::<Vec<_>>().join("、");
    format!(
        "名单中还有 {} 个比对疑点未处理（{list}）：请先在“比对核查”中逐个确认或排除（需纠正的请撤销或改正后），再提交",
        open.len()
    )
}

/// Submits the actor's unit's roster of a project: `Forbidden` for a role that does not prepare
/// rosters; `NotFound` for a project outside the area; `Conflict` while findings touching it are
/// undecided (the message counts them by kind), while it is under review, or when it holds nothing
/// to submit. Audited in the store.
pub async fn submit(store: &Store, actor: &Actor, unit: &str, project_id: i64) -> Result<RosterOutcome> {
    if actor.role.is_some_and(|r| !r.may_correct_rosters()) {
        return Err(ServiceError::Forbidden);
    }
    let open = open_findings(store, actor, project_id, unit).await?;
    if !open.is_empty() {
        return Err(ServiceError::Conflict(open_findings_message(&open)));
    }
    let mut tx = store.write(actor).await?;
    let out = submit_roster(&mut tx, project_id, unit).await?;
    tx.commit().await?;
    Ok(out)
}

/// Approves or returns a unit's submitted roster of a project: `Forbidden` for a role that does not
/// review rosters; `NotFound` for a project outside the area; `Refused` for the roster's own
/// importer, editor or submitter; `Conflict` unless it is under review; `Rejected` for a return
/// without a comment. Audited in the store.
pub async fn review(
    store: &Store,
    actor: &Actor,
    project_id: i64,
    unit: &str,
    decision: ReviewDecision,
    comment: &str,
) -> Result<RosterOutcome> {
    if actor.role.is_some_and(|r| !r.may_approve_rosters()) {
        return Err(ServiceError::Forbidden);
    }
    crate::campaign::visible_project(store, &actor.scope, project_id).await?;
    let mut tx = store.write(actor).await?;
    let out = review_roster(&mut tx, project_id, unit, decision, comment).await?;
    tx.commit().await?;
    Ok(out)
}

/// A project's rosters within the actor's area, and the submissions and decisions on them.
pub async fn of_project(store: &Store, actor: &Actor, project_id: i64) -> Result<(Vec<RosterLine>, Vec<RosterEvent>)> {
    if actor.role.is_some_and(|r| !r.is_business()) {
        return Err(ServiceError::Forbidden);
    }
    crate::campaign::visible_project(store, &actor.scope, project_id).await?;
    Ok((store.rosters(&actor.scope, project_id).await?, store.roster_events(&actor.scope, project_id).await?))
}

/// May the actor's scope review (a reviewer works for the whole district)?
pub fn reviews_all(actor: &Actor) -> bool {
    actor.scope == Scope::All && actor.role.is_none_or(|r| r.may_approve_rosters())
}

/// A roster as the contract's JSON has it (`GET /api/v1/projects/{id}`'s `rosters`, `yikou roster list`).
pub fn line_json(r: &RosterLine) -> serde_json::Value {
    serde_json::json!({ "unit": r.unit_code, "state": r.state.code(), "entitlements": r.entitlements, "amount_fen": r.amount_fen })
}

/// A submission's or review's outcome as the contract's JSON has it (API and `yikou roster --json`).
pub fn outcome_json(o: &RosterOutcome) -> serde_json::Value {
    serde_json::json!({ "project": o.project_id, "unit": o.unit_code, "state": o.state.code(),
                        "entitlements": o.entitlements, "amount_fen": o.amount_fen })
}
