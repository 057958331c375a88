//! 比对核查 (the cross-check) as use cases: run it over a campaign and show the actor the findings
//! of their area; confirm or dismiss (with a reason) one finding the actor may see. The web pages,
//! the API and `yikou check` / `yikou finding` all come here.

use yikou_domain::rules::RuleSet;
use yikou_domain::Scope;
use yikou_domain::{today, Actor, FindingKind, FindingStatus};
use yikou_store::campaign::StoredCampaign;
use yikou_store::check::{
    decide as decide_finding, save_rules as save_rule_set, CheckReport, Finding, KindCount, RunInfo,
};
use yikou_store::{Store, StoreError};

use crate::{Result, ServiceError};

/// A run of the cross-check as the actor sees it.
#[derive(Debug, Clone)]
pub struct CheckOutcome {
    pub campaign: StoredCampaign,
    /// The run (rules version, timings) with only the findings within the actor's area, and the
    /// counts of those (for the whole district, the counts are the engine's own).
    pub report: CheckReport,
}

impl CheckOutcome {
    /// The findings of one type (code, e.g. `dup_in_project`).
    pub fn of_kind(&self, kind: FindingKind) -> impl Iterator<Item = &Finding> + '_ {
        self.report.findings.iter().filter(move |f| f.kind == kind)
    }
}

/// A decision on a finding: confirm it (the data will be corrected), or dismiss it with a reason
/// (at least 2 characters; the store checks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Confirm { reason: String },
    Dismiss { reason: String },
}

impl Decision {
    pub fn is_confirm(&self) -> bool {
        matches!(self, Decision::Confirm { .. })
    }

    pub fn reason(&self) -> &str {
        match self {
            Decision::Confirm { reason } | Decision::Dismiss { reason } => reason,
        }
    }
}

/// A decided finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    pub key: String,
    pub kind: FindingKind,
    /// `Confirmed` or `Dismissed`.
    pub status: FindingStatus,
}

/// May the actor use the cross-check? The command line (no role) acts for the whole district.
fn may_review(actor: &Actor) -> Result<()> {
    if actor.role.is_some_and(|r| !r.may_review()) {
        return Err(ServiceError::Forbidden);
    }
    Ok(())
}

/// The cross-check of the campaign of `year` (the latest without one) as of now: the stored run when
/// nothing it reads changed since, otherwise run again and kept. `Forbidden` for a role without the
/// right, `NotFound` without such a campaign. Only the findings within the actor's area are
/// returned (the store reads them so).
pub async fn run(store: &Store, actor: &Actor, year: Option<i32>) -> Result<CheckOutcome> {
    may_review(actor)?;
    let campaign = crate::campaign::of_year(store, year).await?;
    let report = store.current_check(&actor.scope, campaign.id, campaign.campaign.check_date(today())).await?;
    Ok(CheckOutcome { campaign, report })
}

/// Runs the cross-check of the campaign of `year` now, whatever is stored, and keeps it (`yikou
/// check`, and the server's refresh after changes). Same refusals as `run`.
pub async fn refresh(store: &Store, actor: &Actor, year: Option<i32>) -> Result<CheckOutcome> {
    may_review(actor)?;
    let campaign = crate::campaign::of_year(store, year).await?;
    let mut report = store.refresh_check(campaign.id, campaign.campaign.check_date(today())).await?;
    report.keep_within(&actor.scope);
    Ok(CheckOutcome { campaign, report })
}

/// Keeps the current campaign's stored findings up to date: runs the check again when a commit since
/// the last run changed what it reads (or the day moved on). Returns whether it ran. For a server's
/// background task, so that the first reader after an import finds the findings ready.
pub async fn keep_current(store: &Store) -> Result<bool> {
    let campaign = match crate::campaign::of_year(store, None).await {
        Ok(c) => c,
        Err(ServiceError::NotFound) => return Ok(false),
        Err(e) => return Err(e),
    };
    let on = campaign.campaign.check_date(today());
    if store.check_is_current(campaign.id, on).await? {
        return Ok(false);
    }
    store.ensure_check(campaign.id, on).await?;
    Ok(true)
}

/// Confirms or dismisses a finding of the current run of the campaign of `year` (the latest
/// without one). `Forbidden` for a role without the right; `NotFound` for a finding that is not in
/// the current run (corrected meanwhile, or never there) or lies outside the actor's area;
/// `Rejected` with what to correct (a dismissal without a reason). Audited in the store.
pub async fn decide(store: &Store, actor: &Actor, year: Option<i32>, key: &str, decision: Decision) -> Result<Decided> {
    let overview = overview(store, actor, year).await?;
    let (_, finding) =
        store.check_finding(&actor.scope, overview.campaign.id, key).await?.ok_or(ServiceError::NotFound)?;
    let mut tx = store.write(actor).await?;
    match decide_finding(&mut tx, overview.campaign.id, &finding, decision.is_confirm(), decision.reason()).await {
        Ok(()) => tx.commit().await?,
        Err(StoreError::Invalid(m)) => return Err(ServiceError::Rejected(m)),
        Err(e) => return Err(e.into()),
    }
    Ok(Decided {
        key: finding.key.clone(),
        kind: finding.kind,
        status: if decision.is_confirm() { FindingStatus::Confirmed } else { FindingStatus::Dismissed },
    })
}

/// The kept run as the 比对核查 page lists it.
#[derive(Debug, Clone)]
pub struct Overview {
    pub campaign: StoredCampaign,
    /// When and how it was made (the whole district's counts).
    pub run: RunInfo,
    /// Per kind that occurs within the actor's area: how many wait, how many there are.
    pub kinds: Vec<KindCount>,
}

/// The kept run of the campaign of `year` (the latest without one), run again first if what it
/// reads changed: when it was made and the findings of each kind within the actor's area.
/// `Forbidden` for a role without the right, `NotFound` without such a campaign.
pub async fn overview(store: &Store, actor: &Actor, year: Option<i32>) -> Result<Overview> {
    may_review(actor)?;
    let campaign = crate::campaign::of_year(store, year).await?;
    let run = store.ensure_check(campaign.id, campaign.campaign.check_date(today())).await?;
    let kinds = store.check_kinds(&actor.scope, campaign.id).await?;
    Ok(Overview { campaign, run, kinds })
}

/// One list of the kept run: the positions of the findings of `kind` within the actor's area that
/// wait (`decided` false) or are decided, in the run's order.
pub async fn list(
    store: &Store,
    actor: &Actor,
    overview: &Overview,
    kind: FindingKind,
    decided: bool,
) -> Result<Vec<i64>> {
    may_review(actor)?;
    Ok(store.check_list(&actor.scope, overview.campaign.id, kind, decided).await?)
}

/// The findings at these positions of a list (one page), within the actor's area.
pub async fn page(store: &Store, actor: &Actor, overview: &Overview, positions: &[i64]) -> Result<Vec<Finding>> {
    may_review(actor)?;
    Ok(store.check_findings_at(&actor.scope, overview.campaign.id, positions).await?)
}

/// One finding of the kept run by its key, if it lies within the actor's area, and its position.
pub async fn finding(store: &Store, actor: &Actor, overview: &Overview, key: &str) -> Result<Option<(i64, Finding)>> {
    may_review(actor)?;
    Ok(store.check_finding(&actor.scope, overview.campaign.id, key).await?)
}

/// Saves a new version of the cross-check rules of the campaign of `year` (the latest without one)
/// after checking every code in them: `Rejected` with what to correct (an unknown project or
/// category, a project in two groups …), `Forbidden` unless the actor reviews for the whole
/// district, `NotFound` without such a campaign. Audited in the store. Returns the version.
pub async fn save_rules(
    store: &Store,
    actor: &Actor,
    year: Option<i32>,
    rules: &RuleSet,
) -> Result<(StoredCampaign, i64)> {
    may_review(actor)?;
    if actor.scope != Scope::All {
        return Err(ServiceError::Forbidden);
    }
    let campaign = crate::campaign::of_year(store, year).await?;
    let mut tx = store.write(actor).await?;
    let version = save_rule_set(&mut tx, campaign.id, rules).await?;
    tx.commit().await?;
    Ok((campaign, version))
}
