//! 当前活动 (the current campaign): the latest year's, for pages, imports and the API alike.

use yikou_store::campaigns::StoredCampaign;
use yikou_store::Store;

use crate::{Result, ServiceError};

/// The latest campaign; `NotFound` while none has been set up.
pub async fn current(store: &Store) -> Result<StoredCampaign> {
    let year = store.latest_campaign_year().await?.ok_or(ServiceError::NotFound)?;
    store.campaign(year).await?.ok_or(ServiceError::NotFound)
}

/// The campaign of `year`, or the latest one without a year; `NotFound` when there is none.
pub async fn of_year(store: &Store, year: Option<i32>) -> Result<StoredCampaign> {
    match year {
        Some(y) => store.campaign(y).await?.ok_or(ServiceError::NotFound),
        None => current(store).await,
    }
}
