//! 慈善超市卡券 (issue 17, point 5): batches of vouchers, issuing one to a person, redeeming it at a
//! supermarket — at most once, by the primary key of `voucher_redemptions` (two cashiers at once:
//! the writers are serialised, and the key refuses a second row whatever the code does) — and the
//! list by state within the scope. A voucher's state is read, not stored: redeemed when it has a
//! redemption, expired after its batch's last valid day, issued when given to someone.

use serde::Serialize;
use serde_json::json;
use time::Date;
use yikou_domain::voucher::{parse_code, state_on, VoucherBatch, VoucherError, VoucherState};
use yikou_domain::{format_date, parse_date, Scope};

use crate::{now, on_db, on_tx, Result, Store, StoreError, WriteTx};

fn refused(e: VoucherError) -> StoreError {
    match e {
        VoucherError::AlreadyRedeemed { .. }
        | VoucherError::Expired(_)
        | VoucherError::NotYetValid(_)
        | VoucherError::NotIssued
        | VoucherError::IssuedElsewhere => StoreError::Conflict(e.to_string()),
        other => StoreError::rejected("voucher_invalid", other.to_string()),
    }
}

/// Makes a batch of `b.count` vouchers for a campaign, numbered on from the last voucher of the same
/// prefix; the batch's id and its codes.
pub async fn create_batch(tx: &mut WriteTx<'_>, campaign_id: i64, b: &VoucherBatch) -> Result<(i64, Vec<String>)> {
    b.check().map_err(refused)?;
    crate::atomic!(tx, {
        let prefix = b.prefix.to_ascii_uppercase();
        let last: Option<i64> = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
            "SELECT CAST(MAX(v.serial) AS BIGINT) FROM vouchers v JOIN voucher_batches vb ON vb.id = v.batch_id
             WHERE vb.prefix = $1")
            .bind(&prefix).fetch_one(c).await?);
        let first = u32::try_from(last.unwrap_or(0) + 1)
            .map_err(|_| StoreError::rejected("voucher_invalid", "该前缀的卡券编号已用完，请换一个前缀"))?;
        let login = tx.actor().login.clone();
        let id: i64 = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
            "INSERT INTO voucher_batches (campaign_id, name, face_value_fen, valid_from, valid_until, supermarket, prefix,
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
            .bind(campaign_id).bind(&b.name).bind(b.face_value.0).bind(format_date(b.valid_from))
            .bind(format_date(b.valid_until)).bind(b.supermarket.trim()).bind(&prefix).bind(&login).bind(now())
            .fetch_one(c).await?);
        let codes = VoucherBatch { prefix: prefix.clone(), ..b.clone() }.codes(first);
        for (k, part) in codes.chunks(300).enumerate() {
            let marks: Vec<String> = (0..part.len()).map(|i| format!("(${}, $1, ${})", 2 * i + 2, 2 * i + 3)).collect();
            let sql = format!("INSERT INTO vouchers (code, batch_id, serial) VALUES {}", marks.join(", "));
            on_tx!(&mut tx.tx, c => {
                let mut q = sqlx::query(&sql).bind(id);
                for (i, code) in part.iter().enumerate() {
                    q = q.bind(code.clone()).bind(i64::from(first) + (k * 300 + i) as i64);
                }
                q.execute(c).await?.rows_affected()
            });
        }
        let after = json!({ "batch": id, "name": b.name, "count": b.count, "face_value_fen": b.face_value.0,
                            "first": codes.first(), "last": codes.last() });
        tx.audit("voucher.batch_create", "voucher_batch", &id.to_string(), None, Some(&after)).await?;
        Ok((id, codes))
    })
}

/// One voucher with its batch and redemption, as stored.
struct Row {
    person: Option<i64>,
    valid_from: Date,
    valid_until: Date,
    redeemed: Option<(String, String)>,
}

async fn read(tx: &mut WriteTx<'_>, code: &str) -> Result<Row> {
    type R = (Option<i64>, String, String, Option<String>, Option<String>);
    let row: Option<R> = on_tx!(&mut tx.tx, c => sqlx::query_as(
        "SELECT v.person_id, vb.valid_from, vb.valid_until, r.redeemed_at, r.supermarket FROM vouchers v
         JOIN voucher_batches vb ON vb.id = v.batch_id LEFT JOIN voucher_redemptions r ON r.code = v.code
         WHERE v.code = $1")
        .bind(code).fetch_optional(c).await?);
    let (person, from, until, at, market) = row.ok_or_else(|| StoreError::NotFound("该卡券".into()))?;
    let day = |s: &str| parse_date(s).ok_or_else(|| StoreError::Invalid(format!("数据库中的日期“{s}”格式不正确")));
    Ok(Row { person, valid_from: day(&from)?, valid_until: day(&until)?, redeemed: at.zip(market) })
}

/// Gives a voucher to a person of the actor's area (the same person again: nothing changes).
pub async fn issue(tx: &mut WriteTx<'_>, scope: &Scope, code: &str, person_id: i64) -> Result<()> {
    let code = parse_code(code).map_err(refused)?;
    crate::atomic!(tx, {
        if !crate::register::person_visible(tx, scope, person_id).await? {
            return Err(StoreError::NotFound("该帮困对象".into()));
        }
        let row = read(tx, &code).await?;
        match row.person {
            Some(p) if p == person_id => return Ok(()),
            Some(_) => return Err(refused(VoucherError::IssuedElsewhere)),
            None => {}
        }
        on_tx!(&mut tx.tx, c => sqlx::query("UPDATE vouchers SET person_id = $1, issued_at = $2 WHERE code = $3 AND person_id IS NULL")
            .bind(person_id).bind(now()).bind(&code).execute(c).await?.rows_affected());
        tx.audit("voucher.issue", "voucher", &code, None, Some(&json!({ "person": person_id }))).await?;
        Ok(())
    })
}

/// Hands out vouchers of a voucher batch on the lines of a 卡券 payment batch (same transaction as
/// the batch): each line its amount in vouchers — an amount that is not a whole number of vouchers,
/// or a voucher batch without enough left, refuses the payment batch whole. The number handed out.
pub async fn issue_for_batch(
    tx: &mut WriteTx<'_>,
    campaign_id: i64,
    payment_batch: i64,
    voucher_batch: i64,
) -> Result<u64> {
    crate::atomic!(tx, {
        let vb: Option<(String, i64, String)> = on_tx!(&mut tx.tx, c => sqlx::query_as(
            "SELECT name, face_value_fen, valid_until FROM voucher_batches WHERE id = $1 AND campaign_id = $2")
            .bind(voucher_batch).bind(campaign_id).fetch_optional(c).await?);
        let (name, face, until) = vb.ok_or_else(|| StoreError::NotFound("该卡券批次".into()))?;
        if parse_date(&until).is_some_and(|u| u < yikou_domain::today()) {
            return Err(StoreError::rejected(
                "voucher_invalid",
                format!("卡券批次“{name}”已于 {until} 过期，不能再发放"),
            ));
        }
        let lines: Vec<(i64, i64, i64)> = on_tx!(&mut tx.tx, c => sqlx::query_as(
            "SELECT l.id, e.person_id, l.amount_fen FROM payment_lines l JOIN entitlements e ON e.id = l.entitlement_id
             WHERE l.batch_id = $1 ORDER BY l.line_no")
            .bind(payment_batch).fetch_all(c).await?);
        let mut need = 0i64;
        for (_, _, amount) in &lines {
            if amount % face != 0 {
                return Err(StoreError::rejected(
                    "voucher_invalid",
                    format!(
                        "金额 {} 元不是卡券“{name}”面值 {} 元的整数倍，不能用这批卡券发放",
                        yikou_domain::Fen(*amount).yuan(),
                        yikou_domain::Fen(face).yuan()
                    ),
                ));
            }
            need += amount / face;
        }
        let codes: Vec<String> = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
            "SELECT code FROM vouchers WHERE batch_id = $1 AND person_id IS NULL ORDER BY serial LIMIT $2")
            .bind(voucher_batch).bind(need).fetch_all(c).await?);
        if (codes.len() as i64) < need {
            return Err(StoreError::Conflict(format!(
                "卡券批次“{name}”只剩 {} 张未发放，本批发放需要 {need} 张",
                codes.len()
            )));
        }
        let at = now();
        let mut next = codes.iter();
        for (line, person, amount) in &lines {
            for _ in 0..amount / face {
                let code = next.next().expect("counted above");
                on_tx!(&mut tx.tx, c => sqlx::query(
                    "UPDATE vouchers SET person_id = $1, issued_at = $2, payment_line_id = $3 WHERE code = $4 AND person_id IS NULL")
                    .bind(person).bind(&at).bind(line).bind(code).execute(c).await?.rows_affected());
            }
        }
        let after = json!({ "payment_batch": payment_batch, "voucher_batch": voucher_batch, "vouchers": need });
        tx.audit("voucher.issue_batch", "voucher_batch", &voucher_batch.to_string(), None, Some(&after)).await?;
        Ok(need as u64)
    })
}

/// Gives back the vouchers handed out on a payment line that was not signed for (never a redeemed one).
pub async fn release_line(tx: &mut WriteTx<'_>, line: i64) -> Result<u64> {
    Ok(on_tx!(&mut tx.tx, c => sqlx::query(
        "UPDATE vouchers SET person_id = NULL, issued_at = NULL, payment_line_id = NULL
         WHERE payment_line_id = $1 AND code NOT IN (SELECT code FROM voucher_redemptions)")
        .bind(line).execute(c).await?.rows_affected()))
}

/// The voucher codes handed out on each line of a payment batch (for its sign-off sheet).
pub async fn codes_of_batch(tx_db: &crate::Store, payment_batch: i64) -> Result<Vec<(i64, String)>> {
    Ok(on_db!(&tx_db.db, p => sqlx::query_as(
        "SELECT v.payment_line_id, v.code FROM vouchers v JOIN payment_lines l ON l.id = v.payment_line_id
         WHERE l.batch_id = $1 ORDER BY v.serial")
        .bind(payment_batch).fetch_all(p).await?))
}

/// A redemption as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redemption {
    pub code: String,
    pub person: i64,
    pub supermarket: String,
    pub redeemed_at: String,
}

/// Redeems a voucher at a supermarket on `day`: refused (Conflict, in words for the cashier) when it
/// was redeemed before, has expired, is not valid yet or was never given to anyone.
pub async fn redeem(
    tx: &mut WriteTx<'_>,
    scope: &Scope,
    code: &str,
    supermarket: &str,
    day: Date,
) -> Result<Redemption> {
    let code = parse_code(code).map_err(refused)?;
    let supermarket = supermarket.trim();
    if supermarket.is_empty() {
        return Err(refused(VoucherError::NoSupermarket));
    }
    crate::atomic!(tx, {
        let row = read(tx, &code).await?;
        // A voucher of a person outside the actor's area — or one the district still holds — is not
        // theirs to redeem, nor to hear about (whether it was redeemed, or given at all).
        let visible = match row.person {
            Some(p) => crate::register::person_visible(tx, scope, p).await?,
            None => *scope == Scope::All,
        };
        if !visible {
            return Err(StoreError::NotFound("该卡券".into()));
        }
        if let Some((at, market)) = row.redeemed {
            let at = yikou_domain::clock::beijing_seconds(&at);
            return Err(refused(VoucherError::AlreadyRedeemed { at, supermarket: market }));
        }
        let Some(person) = row.person else { return Err(refused(VoucherError::NotIssued)) };
        if day > row.valid_until {
            return Err(refused(VoucherError::Expired(format_date(row.valid_until))));
        }
        if day < row.valid_from {
            return Err(refused(VoucherError::NotYetValid(format_date(row.valid_from))));
        }
        let (at, login) = (now(), tx.actor().login.clone());
        let inserted = on_tx!(&mut tx.tx, c => sqlx::query(
            "INSERT INTO voucher_redemptions (code, supermarket, redeemed_at, redeemed_by) VALUES ($1, $2, $3, $4)")
            .bind(&code).bind(supermarket).bind(&at).bind(&login).execute(c).await.map(|r| r.rows_affected()));
        match inserted {
            Ok(_) => {}
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                return Err(refused(VoucherError::AlreadyRedeemed {
                    at: "刚才".into(),
                    supermarket: "另一收银台".into(),
                }));
            }
            Err(e) => return Err(e.into()),
        }
        tx.audit(
            "voucher.redeem",
            "voucher",
            &code,
            None,
            Some(&json!({ "supermarket": supermarket, "person": person })),
        )
        .await?;
        Ok(Redemption { code: code.clone(), person, supermarket: supermarket.to_string(), redeemed_at: at })
    })
}

/// What a supermarket's redemption row came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowRedeemed {
    Redeemed,
    /// Recorded before at the same supermarket on the same day (the same list again).
    Already,
    /// Refused, in words for the clerk.
    Refused(String),
}

/// Records the redemptions of a supermarket's list: each code redeemed on its day at its supermarket,
/// checked as a cashier's redemption would be (issued, valid that day, not redeemed elsewhere, a
/// person of the actor's area); the list's outcome per row. Written only when `write` (a list with
/// refused rows is checked first, then refused whole by the caller). The redemption's time is noon
/// of its day, Beijing time (the list gives days).
pub async fn redeem_list(
    tx: &mut WriteTx<'_>,
    scope: &Scope,
    rows: &[(String, String, Date)],
    write: bool,
) -> Result<Vec<RowRedeemed>> {
    crate::atomic!(tx, {
        let mut out = Vec::with_capacity(rows.len());
        let mut seen = std::collections::HashSet::new();
        let login = tx.actor().login.clone();
        for (code, market, day) in rows {
            let code = match parse_code(code) {
                Ok(c) => c,
                Err(e) => {
                    out.push(RowRedeemed::Refused(e.to_string()));
                    continue;
                }
            };
            if !seen.insert(code.clone()) {
                out.push(RowRedeemed::Refused("同一卡券在本明细中出现了两次".into()));
                continue;
            }
            let row = match read(tx, &code).await {
                Ok(r) => r,
                Err(StoreError::NotFound(_)) => {
                    out.push(RowRedeemed::Refused("没有这张卡券（或不属于本辖区）".into()));
                    continue;
                }
                Err(e) => return Err(e),
            };
            let at = format!("{}T04:00:00Z", format_date(*day));
            let visible = match row.person {
                Some(p) => crate::register::person_visible(tx, scope, p).await?,
                None => *scope == Scope::All,
            };
            let verdict = match (&row.redeemed, row.person) {
                _ if !visible => RowRedeemed::Refused("没有这张卡券（或不属于本辖区）".into()),
                (Some((when, m)), _) if m == market && when.starts_with(&format_date(*day)) => RowRedeemed::Already,
                (Some((when, m)), _) => RowRedeemed::Refused(
                    VoucherError::AlreadyRedeemed {
                        at: yikou_domain::clock::beijing_seconds(when),
                        supermarket: m.clone(),
                    }
                    .to_string(),
                ),
                (None, None) => RowRedeemed::Refused(VoucherError::NotIssued.to_string()),
                (None, Some(_)) if *day > row.valid_until => {
                    RowRedeemed::Refused(VoucherError::Expired(format_date(row.valid_until)).to_string())
                }
                (None, Some(_)) if *day < row.valid_from => {
                    RowRedeemed::Refused(VoucherError::NotYetValid(format_date(row.valid_from)).to_string())
                }
                (None, Some(_)) => RowRedeemed::Redeemed,
            };
            if verdict == RowRedeemed::Redeemed && write {
                on_tx!(&mut tx.tx, c => sqlx::query(
                    "INSERT INTO voucher_redemptions (code, supermarket, redeemed_at, redeemed_by) VALUES ($1, $2, $3, $4)")
                    .bind(&code).bind(market.trim()).bind(&at).bind(&login).execute(c).await?.rows_affected());
            }
            out.push(verdict);
        }
        if write {
            let n = out.iter().filter(|o| **o == RowRedeemed::Redeemed).count();
            tx.audit("voucher.redeem_list", "voucher", "*", None, Some(&json!({ "rows": rows.len(), "redeemed": n })))
                .await?;
        }
        Ok(out)
    })
}

/// A voucher as listed (the API's item).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VoucherView {
    pub code: String,
    pub person: Option<i64>,
    pub value_fen: i64,
    pub state: VoucherState,
    pub batch: i64,
    pub supermarket: String,
    pub valid_until: String,
    pub redeemed_at: Option<String>,
    pub redeemed_supermarket: Option<String>,
}

impl Store {
    /// The campaign's voucher batches: (id, name, face value, valid until, vouchers not yet given).
    pub async fn voucher_batches(&self, campaign_id: i64) -> Result<Vec<(i64, String, i64, String, i64)>> {
        Ok(on_db!(&self.db, p => sqlx::query_as(
            "SELECT vb.id, vb.name, vb.face_value_fen, vb.valid_until,
             CAST((SELECT COUNT(*) FROM vouchers v WHERE v.batch_id = vb.id AND v.person_id IS NULL) AS BIGINT)
             FROM voucher_batches vb WHERE vb.campaign_id = $1 ORDER BY vb.id")
            .bind(campaign_id).fetch_all(p).await?))
    }

    /// The vouchers the scope may see (the district: all; an area: those given to its people), in a
    /// state on `day` or all of them, by code; at most `limit`.
    pub async fn vouchers(
        &self,
        scope: &Scope,
        state: Option<VoucherState>,
        day: Date,
        limit: i64,
    ) -> Result<Vec<VoucherView>> {
        let (cond, arg) = crate::scope::people(scope, 1);
        let sql = format!(
            "SELECT v.code, v.person_id, vb.face_value_fen, vb.id, vb.supermarket, vb.valid_until, r.redeemed_at, r.supermarket
             FROM vouchers v JOIN voucher_batches vb ON vb.id = v.batch_id LEFT JOIN voucher_redemptions r ON r.code = v.code
             LEFT JOIN people pe ON pe.id = v.person_id WHERE {cond} ORDER BY v.code"
        );
        type R = (String, Option<i64>, i64, i64, String, String, Option<String>, Option<String>);
        let rows: Vec<R> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        });
        let mut out = Vec::new();
        for (code, person, value_fen, batch, supermarket, until, at, market) in rows {
            let valid_until =
                parse_date(&until).ok_or_else(|| StoreError::Invalid(format!("数据库中的日期“{until}”格式不正确")))?;
            let s = state_on(person.is_some(), at.is_some(), valid_until, day);
            if state.is_some_and(|w| w != s) {
                continue;
            }
            out.push(VoucherView {
                code,
                person,
                value_fen,
                state: s,
                batch,
                supermarket,
                valid_until: until,
                redeemed_at: at,
                redeemed_supermarket: market,
            });
            if out.len() as i64 >= limit {
                break;
            }
        }
        Ok(out)
    }
}
