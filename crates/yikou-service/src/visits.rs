//! 走访慰问 as use cases (issue 17, point 1): record a visit to a person of the actor's area in the
//! current campaign, list the area's visits, complete a follow-up action one's unit owns. Who was
//! visited feeds the cross-check's `not_visited` finding.

use yikou_domain::visit::Visit;
use yikou_domain::Actor;
use yikou_store::visit::{self, VisitPage, VisitQuery};
use yikou_store::Store;

use crate::{Result, ServiceError};

fn may_record(actor: &Actor) -> Result<()> {
    if actor.role.is_some_and(|r| !r.may_record_visits()) {
        return Err(ServiceError::Forbidden);
    }
    Ok(())
}

/// Records a visit in the current campaign; its id.
pub async fn record(store: &Store, actor: &Actor, v: &Visit) -> Result<i64> {
    may_record(actor)?;
    let campaign = crate::campaign::current(store).await?;
    let mut tx = store.write(actor).await?;
    let id = visit::record(&mut tx, &actor.scope, campaign.id, v).await?;
    tx.commit().await?;
    Ok(id)
}

/// The visits of the actor's area in the current campaign (newest first) and their total.
pub async fn list(store: &Store, actor: &Actor, mut q: VisitQuery) -> Result<VisitPage> {
    if actor.role.is_some_and(|r| !r.may_read_reports()) {
        return Err(ServiceError::Forbidden);
    }
    q.campaign_id = crate::campaign::current(store).await?.id;
    Ok(store.visits(&actor.scope, &q).await?)
}

/// Marks a follow-up action done (its owner unit or the bureau).
pub async fn complete_action(store: &Store, actor: &Actor, action_id: i64, note: &str) -> Result<()> {
    may_record(actor)?;
    let mut tx = store.write(actor).await?;
    visit::complete_action(&mut tx, &actor.scope, action_id, note).await?;
    tx.commit().await?;
    Ok(())
}

/// The categories the current campaign's visit rule covers (`RuleSet::visit_coverage`) and the rule
/// set's version.
pub async fn coverage(store: &Store) -> Result<(i64, Vec<String>)> {
    let campaign = crate::campaign::current(store).await?;
    let (version, rules) = store.rules(campaign.id).await?;
    Ok((version, rules.visit_coverage))
}

/// Saves the visit rule as a new version of the campaign's rule set (the district's reviewers, as
/// any change of the rules); the version saved.
pub async fn set_coverage(store: &Store, actor: &Actor, categories: Vec<String>) -> Result<i64> {
    let campaign = crate::campaign::current(store).await?;
    let (_, mut rules) = store.rules(campaign.id).await?;
    rules.visit_coverage = categories;
    let (_, version) = crate::check::save_rules(store, actor, Some(campaign.campaign.year), &rules).await?;
    Ok(version)
}
