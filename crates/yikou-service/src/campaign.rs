//! 当前活动 (the current campaign): the latest year's, for pages, imports and the API alike.

use yikou_domain::reference::UnitKind;
use yikou_domain::{Actor, Scope};
use yikou_store::accounts::auth::unix_now;
use yikou_store::campaign::{withdraw_entitlement, StoredCampaign, StoredProject, Withdrawn};
use yikou_store::reference::{ContactUpdate, UnitContact};
use yikou_store::Store;

use crate::{Result, ServiceError};

/// The latest campaign; `NotFound` while none has been set up.
pub async fn current(store: &Store) -> Result<StoredCampaign> {
    let year = store.latest_campaign_year().await?.ok_or(ServiceError::NotFound)?;
    store.campaign(year).await?.ok_or(ServiceError::NotFound)
}

/// The current campaign and one of its projects the scope may see; `NotFound` otherwise (a project
/// outside the actor's area is not told apart from a missing one).
pub async fn visible_project(store: &Store, scope: &Scope, id: i64) -> Result<(StoredCampaign, StoredProject)> {
    let c = current(store).await?;
    let sp = store.projects(scope, c.id).await?.into_iter().find(|p| p.id == id).ok_or(ServiceError::NotFound)?;
    Ok((c, sp))
}

/// 单位通讯录 (附件2): the units that work on a campaign (streets/towns, departments and
/// organisations; not the committees) with their contacts.
pub async fn units(store: &Store) -> Result<Vec<UnitContact>> {
    Ok(store
        .contacts()
        .await?
        .into_iter()
        .filter(|u| u.kind != UnitKind::Committee && u.parent_code.is_some())
        .collect())
}

/// Sets the contact of one of the campaign's units (the bureau's act; audited by the store with
/// the values before and after). A bad phone number is `Rejected` with what to correct.
pub async fn set_unit_contact(store: &Store, actor: &Actor, code: &str, update: &ContactUpdate) -> Result<()> {
    if !actor.role.is_some_and(|r| r.may_edit_units()) {
        return Err(ServiceError::Forbidden);
    }
    units(store).await?.into_iter().find(|u| u.code == code).ok_or(ServiceError::NotFound)?;
    let mut tx = store.write(actor).await?;
    yikou_store::reference::set_contact(&mut tx, code, update).await?;
    tx.commit().await?;
    Ok(())
}

/// Withdraws (撤销) a draft entitlement within the actor's area, with a reason: what a finding of a
/// listing twice or of someone who should not be listed suggests. `Forbidden` for a role that does not
/// prepare rosters (a reviewer decides, does not correct); `NotFound` outside the area; `Rejected` for a
/// submitted or approved one or without a reason. Audited in the store.
pub async fn withdraw(store: &Store, actor: &Actor, id: i64, reason: &str) -> Result<Withdrawn> {
    if actor.role.is_some_and(|r| !r.may_correct_rosters()) {
        return Err(ServiceError::Forbidden);
    }
    let mut tx = store.write(actor).await?;
    let gone = withdraw_entitlement(&mut tx, &actor.scope, id, reason).await?;
    tx.commit().await?;
    Ok(gone)
}

/// The campaign of `year`, or the latest one without a year; `NotFound` when there is none.
pub async fn of_year(store: &Store, year: Option<i32>) -> Result<StoredCampaign> {
    match year {
        Some(y) => store.campaign(y).await?.ok_or(ServiceError::NotFound),
        None => current(store).await,
    }
}

/// What waits for the actor, by role (each `None` where the role has no such work): the home page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Worklist {
    /// People registered in the actor's area (business roles).
    pub people: Option<i64>,
    /// The actor's uploads checked but not yet committed.
    pub uploads_waiting: Option<i64>,
    /// Two-person acts on accounts this actor may complete (another administrator started them).
    pub accounts_to_complete: Option<i64>,
    /// Accounts locked after wrong passwords (the security administrator unlocks them).
    pub accounts_locked: Option<i64>,
    /// Today's reveals of full ID numbers and exports of people's data (Beijing day; the auditor's
    /// daily look).
    pub reveals_today: Option<i64>,
    pub exports_today: Option<i64>,
    /// The unit's rosters with entries to submit; rosters waiting for the reviewer.
    pub rosters_to_submit: Option<i64>,
    pub rosters_to_review: Option<i64>,
    /// Bank batches still waiting for results (the payer's).
    pub batches_open: Option<i64>,
    /// Money approved and paid in the actor's area (fen), when anything is approved.
    pub money: Option<yikou_store::pay::UnitProgress>,
    /// Follow-up cases of the actor's area still open, and those past their deadline (who resolves
    /// them); people of a caller's share still to reach.
    pub cases_open: Option<i64>,
    pub cases_overdue: Option<i64>,
    pub calls_waiting: Option<i64>,
}

/// The actor's worklist. `user_id` is the account's id (uploads are kept per account), `unit` its
/// unit (whose rosters it prepares).
pub async fn worklist(store: &Store, actor: &Actor, user_id: i64, unit: &str) -> Result<Worklist> {
    let Some(role) = actor.role else { return Ok(Worklist::default()) };
    let mut w = Worklist::default();
    if let (true, Ok(campaign)) = (role.is_business(), current(store).await) {
        let (to_submit, in_review) = store.roster_work(campaign.id, unit).await?;
        if role.may_correct_rosters() {
            w.rosters_to_submit = Some(to_submit);
        }
        if role.may_approve_rosters() {
            w.rosters_to_review = Some(in_review);
        }
        if role.may_see_payments() {
            let p = store.payment_progress(&actor.scope, campaign.id).await?;
            if p.total.approved.entitlements > 0 {
                w.money = Some(p.total);
            }
        }
        if role.may_pay() {
            let open = store.payment_batches(&actor.scope, campaign.id).await?;
            w.batches_open = Some(open.iter().filter(|b| b.method.by_bank() && !b.reconciled()).count() as i64);
        }
    }
    if role.may_resolve_cases() || role.may_call() {
        if let Ok(campaign) = current(store).await {
            let f = store.followup_work(actor, campaign.id).await?;
            if role.may_resolve_cases() {
                (w.cases_open, w.cases_overdue) = (Some(f.cases_open), Some(f.cases_overdue));
            }
            if role == yikou_domain::Role::Caller {
                w.calls_waiting = Some(f.calls_waiting);
            }
        }
    }
    if role.is_business() {
        w.people = Some(store.count_people(&actor.scope).await?);
    }
    if role.may_import() {
        w.uploads_waiting = Some(store.pending_uploads_of(user_id, unix_now()).await?.len() as i64);
    }
    if role.may_see_accounts() {
        let users = store.users().await?;
        w.accounts_to_complete = Some(
            users
                .iter()
                .filter(|u| {
                    u.pending.is_some() && u.pending_role.is_some_and(|by| by != role) && u.login != actor.login
                })
                .count() as i64,
        );
        if role.may_secure_accounts() {
            w.accounts_locked = Some(users.iter().filter(|u| u.locked && !u.disabled).count() as i64);
        }
    }
    if role.may_read_audit() {
        let today = yikou_domain::today().to_string();
        let count = |action: &'static str| {
            let filter = yikou_store::audit::AuditFilter {
                action: Some(action.into()),
                from: Some(today.clone()),
                to: Some(today.clone()),
                ..Default::default()
            };
            async move { store.count_audit(&filter).await }
        };
        w.reveals_today = Some(count("person.reveal_id").await?);
        let mut exports = 0;
        for a in ["person.export", "project.export", "project.print", "finding.export", "campaign.export"] {
            exports += count(a).await?;
        }
        w.exports_today = Some(exports);
    }
    Ok(w)
}
