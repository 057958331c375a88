//! 生活服务热线 as use cases (issue 17, point 3): take a request in the current campaign, give it to
//! a unit with a deadline, close it with its result, list the area's requests with their counts.

use time::Date;
use yikou_domain::hotline::HotlineRequest;
use yikou_domain::Actor;
use yikou_store::hotline::{self, HotlineStats, RequestFilter, RequestView};
use yikou_store::Store;

use crate::{Result, ServiceError};

fn may_handle(actor: &Actor) -> Result<()> {
    if actor.role.is_some_and(|r| !r.may_handle_hotline()) {
        return Err(ServiceError::Forbidden);
    }
    Ok(())
}

/// Takes a request; its id.
pub async fn take(store: &Store, actor: &Actor, r: &HotlineRequest) -> Result<i64> {
    may_handle(actor)?;
    let campaign = crate::campaign::current(store).await?;
    let mut tx = store.write(actor).await?;
    let id = hotline::take(&mut tx, &actor.scope, campaign.id, r).await?;
    tx.commit().await?;
    Ok(id)
}

/// Gives a request to a unit, due on `due`.
pub async fn assign(store: &Store, actor: &Actor, id: i64, unit: &str, due: Date) -> Result<()> {
    may_handle(actor)?;
    let mut tx = store.write(actor).await?;
    hotline::assign(&mut tx, &actor.scope, id, unit, due).await?;
    tx.commit().await?;
    Ok(())
}

/// Closes a request given to the actor's unit.
pub async fn close(store: &Store, actor: &Actor, id: i64, result: &str) -> Result<()> {
    may_handle(actor)?;
    let mut tx = store.write(actor).await?;
    hotline::close(&mut tx, &actor.scope, id, result).await?;
    tx.commit().await?;
    Ok(())
}

/// The area's requests in the current campaign, filtered, with the counts over all of them.
pub async fn list(store: &Store, actor: &Actor, filter: RequestFilter) -> Result<(Vec<RequestView>, HotlineStats)> {
    if actor.role.is_some_and(|r| !r.may_handle_hotline() && !r.may_read_reports()) {
        return Err(ServiceError::Forbidden);
    }
    let campaign = crate::campaign::current(store).await?;
    Ok(store.hotline_requests(&actor.scope, campaign.id, filter).await?)
}
