//! 社会捐赠 as use cases (issue 17, point 4): record a donation one's unit received in the current
//! campaign, allocate it to projects (money as 社会募集, goods into gift packs), list the unit's
//! donations with what is left unallocated.

use yikou_domain::donation::{AllocationKind, Donation};
use yikou_domain::{Actor, Fen};
use yikou_store::donation::{self, DonationView};
use yikou_store::Store;

use crate::{Result, ServiceError};

fn may_manage(actor: &Actor) -> Result<()> {
    if actor.role.is_some_and(|r| !r.may_manage_donations()) {
        return Err(ServiceError::Forbidden);
    }
    Ok(())
}

/// Records a donation; its id.
pub async fn record(store: &Store, actor: &Actor, d: &Donation) -> Result<i64> {
    may_manage(actor)?;
    let campaign = crate::campaign::current(store).await?;
    let mut tx = store.write(actor).await?;
    let id = donation::record(&mut tx, &actor.scope, campaign.id, d).await?;
    tx.commit().await?;
    Ok(id)
}

/// Allocates part of a donation to a project; the allocation's id. `Conflict` when more is asked
/// than is left (also when two allocations race for the same money).
pub async fn allocate(
    store: &Store,
    actor: &Actor,
    donation_id: i64,
    project_id: i64,
    kind: AllocationKind,
    amount: Fen,
) -> Result<i64> {
    may_manage(actor)?;
    let mut tx = store.write(actor).await?;
    let id = donation::allocate(&mut tx, &actor.scope, donation_id, project_id, kind, amount).await?;
    tx.commit().await?;
    Ok(id)
}

/// The donations the actor's unit may see in the current campaign.
pub async fn list(store: &Store, actor: &Actor) -> Result<Vec<DonationView>> {
    if actor.role.is_some_and(|r| !r.may_manage_donations() && !r.may_read_reports()) {
        return Err(ServiceError::Forbidden);
    }
    let campaign = crate::campaign::current(store).await?;
    Ok(store.donations(&actor.scope, campaign.id).await?)
}
