//! 数据交换 (the exchange layout) as use cases: load a campaign's people, projects and entitlements
//! from another system, export them for one (R14: the municipal system), and load a municipal
//! roster as the base register. All handle full ID numbers, so all are acts of the whole district
//! (the command line acts for it), and each is on record in the audit log.

use std::collections::HashSet;
use std::path::Path;

use yikou_domain::exchange::Exchange;
use yikou_domain::{Actor, Campaign, Scope};
use yikou_ingest::municipal::read_roster;
pub use yikou_ingest::municipal::MAX_ISSUES;
use yikou_ingest::validate::RowIssue;
use yikou_store::campaign::{create_campaign, StoredCampaign};
pub use yikou_store::exchange::BaseReport;
use yikou_store::exchange::{load_base_register, load_campaign, LoadReport};
use yikou_store::Store;

use crate::{Result, ServiceError};

/// May the actor load files of another system (an exchange, a municipal roster)? Roles with the
/// import right acting for the whole district.
pub fn may_load(actor: &Actor) -> Result<()> {
    if actor.role.is_some_and(|r| !r.may_import()) || actor.scope != Scope::All {
        return Err(ServiceError::Forbidden);
    }
    Ok(())
}

/// Loads an exchange into the campaign of `year`; a year without a campaign gets one on the usual
/// schedule, in the same transaction as the load (nothing is left half-made on an error). Roles
/// with the import right and the whole district only.
pub async fn load(store: &Store, actor: &Actor, year: i32, ex: &Exchange) -> Result<(Campaign, LoadReport)> {
    may_load(actor)?;
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

/// What loading a municipal roster came to: loaded, or refused whole for its malformed rows (each
/// with file, row, column and a Chinese message — the first [`MAX_ISSUES`] of them; nothing was
/// written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseOutcome {
    Loaded(BaseReport),
    Refused { rows_with_issues: usize, issues: Vec<RowIssue> },
}

/// Loads a municipal roster file (the people list in the exchange or the Excel layout; .csv, .xlsx
/// or .xls) as the base register for the cross-check — all of it or, when a row is malformed,
/// nothing (the refusal on record too, with its counts). Roles with the import right, for the whole
/// district only. Loading the same roster twice changes nothing the second time.
///
/// `name`: the file's name as its sender knows it (each problem names it). The roster's categories
/// (and deaths) count from the start of the campaign of `year` — the one it is the base of; a year
/// without a campaign yet: its usual schedule's start — or, without a year, of the latest campaign
/// (today when there is none).
pub async fn load_base(
    store: &Store,
    actor: &Actor,
    path: &Path,
    name: &str,
    year: Option<i32>,
) -> Result<BaseOutcome> {
    may_load(actor)?;
    let year = match year {
        Some(y) => Some(y),
        None => store.latest_campaign_year().await?,
    };
    let on = match year {
        Some(y) => store.campaign(y).await?.map_or_else(|| Campaign::standard(y).start, |c| c.campaign.start),
        None => yikou_domain::today(),
    };
    let streets: HashSet<String> =
        store.units().await?.into_iter().filter(|u| u.kind.is_street_level()).map(|u| u.code).collect();
    let (path, file) = (path.to_path_buf(), name.to_string());
    let roster = tokio::task::spawn_blocking(move || read_roster(&path, &file, &streets))
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?
        .map_err(|e| ServiceError::Unreadable(e.to_string()))?;
    if !roster.issues.is_empty() {
        let what = serde_json::json!({ "file_rows_refused": roster.rows_with_issues, "listed": roster.issues.len() });
        let mut tx = store.write(actor).await?;
        tx.audit("register.base_refused", "person", "*", None, Some(&what)).await?;
        tx.commit().await?;
        return Ok(BaseOutcome::Refused { rows_with_issues: roster.rows_with_issues, issues: roster.issues });
    }
    if roster.people.is_empty() {
        return Err(ServiceError::Rejected("名单中没有任何人员行".into()));
    }
    let mut tx = store.write(actor).await?;
    let report = load_base_register(&mut tx, &roster.people, on).await?;
    tx.commit().await?;
    Ok(BaseOutcome::Loaded(report))
}
