//! 慈善超市卡券 as use cases (issue 17, point 5 — the list and the redemption so far): the vouchers of
//! the actor's area by state, and a voucher redeemed at a supermarket at most once (the store's key
//! refuses a second redemption, also when two arrive at once).

use yikou_domain::voucher::VoucherState;
use yikou_domain::Actor;
use yikou_store::voucher::{self, Redemption, VoucherView};
use yikou_store::Store;

use crate::{Result, ServiceError};

/// The vouchers the actor's area may see, in `state` today (all states when None), at most `limit`.
pub async fn list(store: &Store, actor: &Actor, state: Option<VoucherState>, limit: i64) -> Result<Vec<VoucherView>> {
    if actor.role.is_some_and(|r| !r.may_read_reports()) {
        return Err(ServiceError::Forbidden);
    }
    Ok(store.vouchers(&actor.scope, state, yikou_domain::today(), limit.clamp(1, 10_000)).await?)
}

/// Records a voucher redeemed today at `supermarket`. `Conflict` (in words for the cashier) when it
/// was redeemed before, has expired or was never given; `NotFound` outside the actor's area.
pub async fn redeem(store: &Store, actor: &Actor, code: &str, supermarket: &str) -> Result<Redemption> {
    if actor.role.is_some_and(|r| !r.may_redeem_vouchers()) {
        return Err(ServiceError::Forbidden);
    }
    let mut tx = store.write(actor).await?;
    let r = voucher::redeem(&mut tx, &actor.scope, code, supermarket, yikou_domain::today()).await?;
    tx.commit().await?;
    Ok(r)
}
