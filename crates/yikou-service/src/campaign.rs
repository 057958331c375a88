//! 当前活动 (the current campaign): the latest year's, for pages, imports and the API alike.

use yikou_domain::reference::UnitKind;
use yikou_domain::{Actor, Scope};
use yikou_store::campaign::{StoredCampaign, StoredProject};
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

/// The campaign of `year`, or the latest one without a year; `NotFound` when there is none.
pub async fn of_year(store: &Store, year: Option<i32>) -> Result<StoredCampaign> {
    match year {
        Some(y) => store.campaign(y).await?.ok_or(ServiceError::NotFound),
        None => current(store).await,
    }
}
