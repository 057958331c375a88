//! 数据交换 (the exchange layout) as use cases: load a campaign's people, projects and entitlements
//! from another system, export them for one. Both handle full ID numbers, so both are acts of the
//! whole district (the command line acts for it), and an export is on record in the audit log.

use yikou_domain::exchange::Exchange;
use yikou_domain::{Actor, Campaign, Scope};
use yikou_store::campaign::{create_campaign, StoredCampaign};
use yikou_store::exchange::{load_campaign, LoadReport};
use yikou_store::Store;

use crate::{Result, ServiceError};

/// Loads an exchange into the campaign of `year`; a year without a campaign gets one on the usual
/// schedule, in the same transaction as the load (nothing is left half-made on an error). Roles
/// with the import right and the whole district only.
pub async fn load(store: &Store, actor: &Actor, year: i32, ex: &Exchange) -> Result<(Campaign, LoadReport)> {
    if actor.role.is_some_and(|r| !r.may_import()) || actor.scope != Scope::All {
        return Err(ServiceError::Forbidden);
    }
    let existing = store.campaign(year).await?;
    let mut tx = store.write(actor).await?;
    let (id, campaign) = match existing {
        Some(c) => (c.id, c.campaign),
        None => {
            let campaign = Campaign::standard(year);
            (create_campaign(&mut tx, &campaign).await?, campaign)
        }
    };
    let report = load_campaign(&mut tx, id, ex, campaign.start).await?;
    tx.commit().await?;
    Ok((campaign, report))
}

/// The campaign of `year` (the latest without one) in the exchange layout, with full ID numbers:
/// roles that may reveal ID numbers, for the whole district. The export is audited (what and how
/// many, never whom). `NotFound` without such a campaign.
pub async fn export(store: &Store, actor: &Actor, year: Option<i32>) -> Result<(StoredCampaign, Exchange)> {
    if actor.role.is_some_and(|r| !r.may_reveal()) || actor.scope != Scope::All {
        return Err(ServiceError::Forbidden);
    }
    let campaign = crate::campaign::of_year(store, year).await?;
    let ex = store.export_campaign(campaign.id, campaign.campaign.start).await?;
    let what = serde_json::json!({
        "campaign": campaign.campaign.year,
        "people": ex.people.len(),
        "projects": ex.projects.len(),
        "entitlements": ex.entitlements.len(),
    });
    crate::audit::record_export(store, actor, "campaign.export", "campaign", &what).await?;
    Ok((campaign, ex))
}
