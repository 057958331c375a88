//! Making a batch of approved entitlements of one method (optionally limited to projects, a
//! street/town or a committee), and re-issuing a batch's failed lines as the next attempt.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::json;
use yikou_domain::pay::{batch_no, reference, PayMethod};
use yikou_domain::Scope;

use crate::{now, on_tx, Result, StoreError, WriteTx};

/// What a batch is limited to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchFilter {
    /// Project ids (none: every project whose form the method pays).
    #[serde(default)]
    pub projects: Vec<i64>,
    pub street: Option<String>,
    pub committee: Option<String>,
    /// 卡券 batches: the voucher batch whose vouchers are handed out on the lines (each line gets
    /// its amount in vouchers of that face value). None: the sheet is signed without voucher codes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voucher_batch: Option<i64>,
}

/// A batch made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchMade {
    pub id: i64,
    pub batch_no: String,
    pub lines: i64,
    pub amount_fen: i64,
    /// Bank batches: entitlements left out because their person has no bank account yet.
    pub without_account: i64,
}

/// A line to write.
struct NewLine {
    entitlement_id: i64,
    attempt: i64,
    amount_fen: i64,
    holder: Option<String>,
    bank_name: Option<String>,
    account_cipher: Option<Vec<u8>>,
    account_masked: Option<String>,
    reissue_of: Option<i64>,
}

/// Refuses a batch holding entries of a roster the acting account approved (审批与发放分离).
async fn refuse_own_approvals(tx: &mut WriteTx<'_>, rosters: &BTreeSet<(i64, String)>) -> Result<()> {
    let login = tx.actor().login.clone();
    if login.starts_with("system:") {
        return Ok(());
    }
    let approved: Vec<(i64, String, String)> = on_tx!(&mut tx.tx, c => sqlx::query_as(
        "SELECT DISTINCT ev.project_id, ev.unit_code, pr.name FROM roster_events ev JOIN projects pr ON pr.id = ev.project_id
         WHERE ev.actor = $1 AND ev.act = 'approve'")
        .bind(&login).fetch_all(c).await?);
    let mine: Vec<&str> =
        approved.iter().filter(|(p, u, _)| rosters.contains(&(*p, u.clone()))).map(|(_, _, n)| n.as_str()).collect();
    if let Some(first) = mine.first() {
        return Err(StoreError::Refused(format!(
            "您批准过其中{}份名单（如“{first}”）：审批与发放须由不同的人办理，请由其他经办人创建发放批次",
            mine.len()
        )));
    }
    Ok(())
}

async fn next_batch_no(tx: &mut WriteTx<'_>, campaign_id: i64) -> Result<String> {
    let (year, n): (i64, i64) = on_tx!(&mut tx.tx, c => sqlx::query_as(
        "SELECT c.year, (SELECT COUNT(*) FROM payment_batches b WHERE b.campaign_id = c.id) FROM campaigns c WHERE c.id = $1")
        .bind(campaign_id).fetch_one(c).await?);
    Ok(batch_no(year as i32, n + 1))
}

async fn write_batch(
    tx: &mut WriteTx<'_>,
    campaign_id: i64,
    method: PayMethod,
    filter_json: &str,
    reissue_of: Option<i64>,
    lines: &[NewLine],
) -> Result<(i64, String, i64)> {
    let no = next_batch_no(tx, campaign_id).await?;
    let amount: i64 = lines.iter().map(|l| l.amount_fen).sum();
    let (login, at) = (tx.actor().login.clone(), now());
    let id: i64 = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
        "INSERT INTO payment_batches (campaign_id, batch_no, method, filter_json, reissue_of, created_by, created_at, lines, amount_fen)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
        .bind(campaign_id).bind(&no).bind(method.code()).bind(filter_json).bind(reissue_of).bind(&login).bind(&at)
        .bind(lines.len() as i64).bind(amount).fetch_one(c).await?);
    // Multi-row inserts: 12 values a line, well under either backend's bind-parameter limit.
    let numbered: Vec<(i64, String, &NewLine)> =
        lines.iter().enumerate().map(|(i, l)| (i as i64 + 1, reference(&no, i as i64 + 1, l.attempt), l)).collect();
    for part in numbered.chunks(crate::db::rows_per_insert(13)) {
        let written = on_tx!(&mut tx.tx, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO payment_lines (batch_id, line_no, entitlement_id, attempt, reference, amount_fen, holder, bank_name,
                   account_cipher, account_masked, state, reissue_of, person_key) ",
            );
            qb.push_values(part, |mut b, (line_no, r, l)| {
                b.push_bind(id)
                    .push_bind(*line_no)
                    .push_bind(l.entitlement_id)
                    .push_bind(l.attempt)
                    .push_bind(r.clone())
                    .push_bind(l.amount_fen)
                    .push_bind(l.holder.clone())
                    .push_bind(l.bank_name.clone())
                    .push_bind(l.account_cipher.clone())
                    .push_bind(l.account_masked.clone())
                    .push_bind("pending")
                    .push_bind(l.reissue_of);
                // The person's key, from the entitlement (-1 for none: its foreign key refuses the line).
                b.push("COALESCE((SELECT e.person_key FROM entitlements e WHERE e.id = ")
                    .push_bind_unseparated(l.entitlement_id)
                    .push_unseparated("), -1)");
            });
            qb.build().execute(c).await.map(|r| r.rows_affected())
        });
        if let Err(e) = written {
            // The one-open-line index: another batch took an entitlement meanwhile.
            return Err(match e {
                sqlx::Error::Database(d) if d.is_unique_violation() => {
                    StoreError::Conflict("其中有记录刚被另一个发放批次列入，请刷新后重新创建".into())
                }
                e => e.into(),
            });
        }
    }
    Ok((id, no, amount))
}

/// Makes a batch of the approved entitlements (never in a batch before) the scope may see, of
/// projects whose form the method pays, limited by the filter; in a stable order (project, street,
/// committee, entry). Bank batches take each person's account as it stands and leave out people
/// without one (counted). `Conflict` when nothing is left to pay; `Refused` for an account that
/// approved one of the rosters. Audited `payment.batch_create`.
pub async fn create_batch(
    tx: &mut WriteTx<'_>,
    scope: &Scope,
    campaign_id: i64,
    method: PayMethod,
    filter: &BatchFilter,
) -> Result<BatchMade> {
    crate::atomic!(tx, {
        let (cond, arg) = crate::scope::entitlements(scope, 2);
        let forms = method.forms().iter().map(|f| format!("'{f}'")).collect::<Vec<_>>().join(", ");
        let mut sql = format!(
            "SELECT e.id, e.project_id, e.unit_code, COALESCE(e.approved_amount_fen, e.amount_fen), pe.bank_holder,
               pe.bank_name, pe.bank_account_cipher, pe.bank_account_masked
             FROM entitlements e JOIN people pe ON pe.id = e.person_id JOIN projects pr ON pr.id = e.project_id
             WHERE pr.campaign_id = $1 AND e.state = 'approved' AND pr.form IN ({forms}) AND {cond}
               AND NOT EXISTS (SELECT 1 FROM payment_lines l WHERE l.entitlement_id = e.id)"
        );
        let mut n = if arg.is_some() { 3 } else { 2 };
        let mut texts: Vec<String> = Vec::new();
        if !filter.projects.is_empty() {
            let ids = filter.projects.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ");
            sql.push_str(&format!(" AND e.project_id IN ({ids})"));
        }
        if let Some(s) = &filter.street {
            sql.push_str(&format!(" AND pe.street_code = ${n}"));
            texts.push(s.clone());
            n += 1;
        }
        if let Some(c) = &filter.committee {
            sql.push_str(&format!(" AND pe.committee_code = ${n}"));
            texts.push(c.clone());
        }
        sql.push_str(" ORDER BY pr.code, pe.street_code, pe.committee_code, e.id");
        type Row = (i64, i64, Option<String>, i64, Option<String>, Option<String>, Option<Vec<u8>>, Option<String>);
        let rows: Vec<Row> = on_tx!(&mut tx.tx, c => {
            let mut q = sqlx::query_as(&sql).bind(campaign_id);
            if let Some(a) = &arg { q = q.bind(a.clone()); }
            for t in &texts { q = q.bind(t.clone()); }
            q.fetch_all(c).await?
        });
        let rosters: BTreeSet<(i64, String)> = rows.iter().filter_map(|r| r.2.clone().map(|u| (r.1, u))).collect();
        refuse_own_approvals(tx, &rosters).await?;
        let mut without_account = 0;
        let mut lines = Vec::new();
        for (id, _, _, amount, holder, bank, cipher, masked) in rows {
            if method.by_bank() && cipher.is_none() {
                without_account += 1;
                continue;
            }
            let bank_line = method.by_bank();
            lines.push(NewLine {
                entitlement_id: id,
                attempt: 1,
                amount_fen: amount,
                holder: if bank_line { holder } else { None },
                bank_name: if bank_line { bank } else { None },
                account_cipher: if bank_line { cipher } else { None },
                account_masked: if bank_line { masked } else { None },
                reissue_of: None,
            });
        }
        if lines.is_empty() {
            return Err(StoreError::Conflict(if without_account > 0 {
                format!("没有可发放的记录：符合条件的 {without_account} 人都还没有银行账户，请先在对象页面填写户名、开户行和账号")
            } else {
                "没有可发放的记录：符合条件的帮扶记录都已列入发放批次，或尚未批准下达".into()
            }));
        }
        if filter.voucher_batch.is_some() && method != PayMethod::Voucher {
            return Err(StoreError::rejected("voucher_invalid", "只有“卡券”方式的发放批次可以选择卡券批次"));
        }
        let filter_json = serde_json::to_string(filter).unwrap_or_default();
        let (id, no, amount) = write_batch(tx, campaign_id, method, &filter_json, None, &lines).await?;
        if let Some(vb) = filter.voucher_batch {
            crate::voucher::issue_for_batch(tx, campaign_id, id, vb).await?;
        }
        tx.audit(
            "payment.batch_create",
            "payment_batch",
            &id.to_string(),
            None,
            Some(&json!({ "batch": no, "method": method.code(), "filter": filter, "lines": lines.len(), "amount_fen": amount,
                          "without_account": without_account })),
        )
        .await?;
        Ok(BatchMade { id, batch_no: no, lines: lines.len() as i64, amount_fen: amount, without_account })
    })
}

/// Re-issues the failed lines of a batch not re-issued yet, as the next attempt in a new batch of
/// the same method (each new line points to the failed one; a bank line takes the person's account
/// as corrected); their entitlements become 重新下达. Only failed lines: never a paid, pending or
/// unresolved one. `Conflict` when there is none; `NotFound` outside the scope. Audited
/// `payment.reissue`.
pub async fn reissue(tx: &mut WriteTx<'_>, scope: &Scope, batch_id: i64) -> Result<BatchMade> {
    crate::atomic!(tx, {
        let (cond, arg) = crate::scope::entitlements(scope, 2);
        let head: Option<(i64, String, String)> = on_tx!(&mut tx.tx, c => sqlx::query_as(
            "SELECT campaign_id, method, batch_no FROM payment_batches WHERE id = $1")
            .bind(batch_id).fetch_optional(c).await?);
        let (campaign_id, method, old_no) = head.ok_or_else(|| StoreError::NotFound("该发放批次".into()))?;
        let method = super::parse_method(&method)?;
        let sql = format!(
            "SELECT l.id, l.entitlement_id, e.project_id, e.unit_code, l.attempt, l.amount_fen, pe.bank_holder, pe.bank_name,
               pe.bank_account_cipher, pe.bank_account_masked
             FROM payment_lines l JOIN entitlements e ON e.id = l.entitlement_id JOIN people pe ON pe.id = e.person_id
             JOIN projects pr ON pr.id = e.project_id
             WHERE l.batch_id = $1 AND l.state = 'failed' AND e.state = 'failed' AND {cond}
               AND NOT EXISTS (SELECT 1 FROM payment_lines n WHERE n.reissue_of = l.id)
             ORDER BY l.line_no"
        );
        type Row =
            (i64, i64, i64, Option<String>, i64, i64, Option<String>, Option<String>, Option<Vec<u8>>, Option<String>);
        let rows: Vec<Row> = on_tx!(&mut tx.tx, c => {
            let q = sqlx::query_as(&sql).bind(batch_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(c).await?
        });
        if rows.is_empty() {
            return Err(StoreError::Conflict(format!(
                "批次 {old_no} 中没有可重新发放的失败记录：只有发放失败、且尚未重新发放的记录可以重新发放"
            )));
        }
        let rosters: BTreeSet<(i64, String)> = rows.iter().filter_map(|r| r.3.clone().map(|u| (r.2, u))).collect();
        refuse_own_approvals(tx, &rosters).await?;
        let mut lines = Vec::new();
        for (line_id, ent, _, _, attempt, amount, holder, bank, cipher, masked) in rows {
            let b = method.by_bank();
            lines.push(NewLine {
                entitlement_id: ent,
                attempt: attempt + 1,
                amount_fen: amount,
                holder: if b { holder } else { None },
                bank_name: if b { bank } else { None },
                account_cipher: if b { cipher } else { None },
                account_masked: if b { masked } else { None },
                reissue_of: Some(line_id),
            });
        }
        let filter_json = json!({ "reissue_of": old_no }).to_string();
        let (id, no, amount) = write_batch(tx, campaign_id, method, &filter_json, Some(batch_id), &lines).await?;
        let at = now();
        for l in &lines {
            on_tx!(&mut tx.tx, c => sqlx::query(
                "UPDATE entitlements SET state = 'reissued', updated_at = $2 WHERE id = $1 AND state = 'failed'")
                .bind(l.entitlement_id).bind(&at).execute(c).await?.rows_affected());
        }
        tx.audit(
            "payment.reissue",
            "payment_batch",
            &id.to_string(),
            Some(&json!({ "batch": old_no })),
            Some(&json!({ "batch": no, "lines": lines.len(), "amount_fen": amount })),
        )
        .await?;
        Ok(BatchMade { id, batch_no: no, lines: lines.len() as i64, amount_fen: amount, without_account: 0 })
    })
}
