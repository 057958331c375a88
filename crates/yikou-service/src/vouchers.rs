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

/// Makes a batch of vouchers for the current campaign (the bureau); its id and codes.
pub async fn create_batch(
    store: &Store,
    actor: &Actor,
    b: &yikou_domain::voucher::VoucherBatch,
) -> Result<(i64, Vec<String>)> {
    if actor.role.is_some_and(|r| !r.may_make_vouchers()) {
        return Err(ServiceError::Forbidden);
    }
    let campaign = crate::campaign::current(store).await?;
    let mut tx = store.write(actor).await?;
    let made = voucher::create_batch(&mut tx, campaign.id, b).await?;
    tx.commit().await?;
    Ok(made)
}

/// The current campaign's voucher batches by state, within the actor's area.
pub async fn batches(store: &Store, actor: &Actor) -> Result<Vec<yikou_store::report::care::VoucherRow>> {
    if actor.role.is_some_and(|r| !r.may_read_reports() && !r.may_redeem_vouchers()) {
        return Err(ServiceError::Forbidden);
    }
    let campaign = crate::campaign::current(store).await?;
    Ok(store.vouchers_by_batch(&actor.scope, campaign.id, yikou_domain::today()).await?)
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

/// What a supermarket's redemption list came to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RedemptionOutcome {
    /// Recorded (`already`: rows of an earlier import of the same list, left as they were).
    Recorded { rows: usize, redeemed: usize, already: usize },
    /// Nothing recorded: every problem, by row.
    Refused { rows: usize, issues: Vec<yikou_ingest::validate::RowIssue> },
}

/// Imports a supermarket's redemption list (`supermarket`: for rows that do not name one). Every row
/// is checked as a cashier's redemption would be; a list with any refused row is refused whole,
/// and the same list twice records nothing twice.
pub async fn import_redemptions(
    store: &Store,
    actor: &Actor,
    path: &std::path::Path,
    supermarket: &str,
) -> Result<RedemptionOutcome> {
    use yikou_ingest::validate::RowIssue;
    use yikou_store::voucher::RowRedeemed;
    if actor.role.is_some_and(|r| !r.may_redeem_vouchers()) {
        return Err(ServiceError::Forbidden);
    }
    let owned = path.to_path_buf();
    let rows = tokio::task::spawn_blocking(move || yikou_ingest::redemptions::read_redemptions(&owned))
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?
        .map_err(|e| ServiceError::Unreadable(e.to_string()))?;
    let issue = |row: u32, column: &str, message: String| RowIssue {
        row,
        column: column.into(),
        code: "redemption_refused".into(),
        message,
        warning: false,
    };
    let mut issues = Vec::new();
    let mut parsed = Vec::new();
    let mut at_row = Vec::new();
    for r in &rows {
        let market = if r.supermarket.trim().is_empty() { supermarket.trim() } else { r.supermarket.trim() };
        let day = yikou_ingest::deliveries::loose_date(&r.date);
        match (day, market.is_empty()) {
            (None, _) => {
                issues.push(issue(r.row, "兑换日期", format!("兑换日期“{}”不正确，应形如 2020-01-20", r.date)))
            }
            (Some(d), _) if d > yikou_domain::today() => {
                issues.push(issue(r.row, "兑换日期", format!("兑换日期 {d} 在今天之后，请核对")))
            }
            (_, true) => issues.push(issue(r.row, "慈善超市", "请填写兑换的慈善超市（明细中或上传时）".into())),
            (Some(d), false) => {
                parsed.push((r.code.clone(), market.to_string(), d));
                at_row.push(r.row);
            }
        }
    }
    let mut tx = store.write(actor).await?;
    let checked = voucher::redeem_list(&mut tx, &actor.scope, &parsed, false).await?;
    for (row, verdict) in at_row.iter().zip(&checked) {
        if let RowRedeemed::Refused(m) = verdict {
            issues.push(issue(*row, "卡券编号", m.clone()));
        }
    }
    if !issues.is_empty() {
        issues.sort_by_key(|i| i.row);
        return Ok(RedemptionOutcome::Refused { rows: rows.len(), issues });
    }
    let done = voucher::redeem_list(&mut tx, &actor.scope, &parsed, true).await?;
    tx.commit().await?;
    let count = |w: RowRedeemed| done.iter().filter(|d| **d == w).count();
    Ok(RedemptionOutcome::Recorded {
        rows: rows.len(),
        redeemed: count(RowRedeemed::Redeemed),
        already: count(RowRedeemed::Already),
    })
}
