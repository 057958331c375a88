//! A bank's result file recorded against its batch, in one transaction: each line matched by its
//! 参考号; 成功 pays it (its entitlement 已发放), 失败 fails it with a fixed reason and the bank's own
//! words (its entitlement 发放失败), anything else leaves it waiting (结果不明). A line whose 账号 or
//! 金额 differs from the batch's is not recorded but listed; a line recorded before is left as it
//! is — so the same file twice changes nothing the second time.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::json;
use yikou_domain::pay::{BankAccount, BankResult, LineState};
use yikou_domain::Fen;

use crate::{now, on_tx, Result, StoreError, WriteTx};

/// One data line of a result file as read (the cells as text).
#[derive(Debug, Clone, Default)]
pub struct ResultLine {
    /// The line's row in the file (for messages).
    pub row: u32,
    pub reference: String,
    pub account: String,
    pub amount: String,
    pub result: String,
    pub reason: String,
}

/// What a result file did (the JSON field names are the contract).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ResultCounts {
    pub lines: i64,
    pub paid: i64,
    pub failed: i64,
    pub unresolved: i64,
    pub unmatched: i64,
    pub mismatched: i64,
    pub duplicates: i64,
    pub missing: i64,
    pub already_recorded: i64,
    /// For review: the rows whose 账号 or 金额 differ, and the 参考号 not in this batch.
    pub mismatched_rows: Vec<u32>,
    pub unmatched_references: Vec<String>,
}

struct Line {
    id: i64,
    entitlement_id: i64,
    state: LineState,
    amount_fen: i64,
    account: Option<String>,
}

/// Marks lines paid and their entitlements 已发放, in statements of a few hundred ids each (ids are
/// integers the store made, written into the statement). Only open lines and entitlements waiting
/// for payment change.
async fn mark_paid(tx: &mut WriteTx<'_>, paid: &[(i64, i64)], at: &str, login: &str) -> Result<()> {
    for part in paid.chunks(500) {
        let lines = part.iter().map(|p| p.0.to_string()).collect::<Vec<_>>().join(",");
        let ents = part.iter().map(|p| p.1.to_string()).collect::<Vec<_>>().join(",");
        let done = on_tx!(&mut tx.tx, c => sqlx::query(&format!(
            "UPDATE payment_lines SET state = 'paid', reason_code = NULL, bank_reason = NULL, result_at = $1, result_by = $2
             WHERE id IN ({lines}) AND state IN ('pending', 'unresolved')"))
            .bind(at).bind(login).execute(c).await?.rows_affected());
        if done != part.len() as u64 {
            return Err(StoreError::Conflict("有记录刚被他人登记，请重新导入结果文件".into()));
        }
        on_tx!(&mut tx.tx, c => sqlx::query(&format!(
            "UPDATE entitlements SET state = 'disbursed', updated_at = $1 WHERE id IN ({ents}) AND state IN ('approved', 'reissued')"))
            .bind(at).execute(c).await?.rows_affected());
    }
    Ok(())
}

/// Records a result file's lines against a batch (see the module). `NotFound` for a batch that does
/// not exist. Audited `payment.results` with the counts and the file's SHA-256.
pub async fn record_results(
    tx: &mut WriteTx<'_>,
    batch_id: i64,
    lines: &[ResultLine],
    file_sha256: &str,
) -> Result<ResultCounts> {
    crate::atomic!(tx, {
        let no: Option<String> = on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT batch_no FROM payment_batches WHERE id = $1")
            .bind(batch_id).fetch_optional(c).await?);
        let no = no.ok_or_else(|| StoreError::NotFound("该发放批次".into()))?;
        type Row = (i64, String, i64, String, i64, Option<Vec<u8>>);
        let rows: Vec<Row> = on_tx!(&mut tx.tx, c => sqlx::query_as(
            "SELECT id, reference, entitlement_id, state, amount_fen, account_cipher FROM payment_lines WHERE batch_id = $1")
            .bind(batch_id).fetch_all(c).await?);
        let mut by_ref: HashMap<String, Line> = HashMap::with_capacity(rows.len());
        for (id, reference, entitlement_id, state, amount_fen, cipher) in rows {
            let account = cipher.map(|c| tx.keys().decrypt(&c)).transpose()?;
            let state = super::parse_state(&state)?;
            by_ref.insert(reference, Line { id, entitlement_id, state, amount_fen, account });
        }
        let mut counts = ResultCounts { lines: lines.len() as i64, ..Default::default() };
        let mut seen: HashSet<&str> = HashSet::new();
        let (login, at) = (tx.actor().login.clone(), now());
        // Paid lines are marked together, a few hundred a statement: (line id, entitlement id).
        let mut paid: Vec<(i64, i64)> = Vec::new();
        for r in lines {
            let reference = r.reference.trim();
            if !seen.insert(reference) {
                counts.duplicates += 1;
                continue;
            }
            let Some(line) = by_ref.get(reference) else {
                counts.unmatched += 1;
                counts.unmatched_references.push(reference.to_string());
                continue;
            };
            if !line.state.is_open() {
                counts.already_recorded += 1;
                continue;
            }
            let amount_ok = Fen::parse(r.amount.trim()).is_ok_and(|f| f.0 == line.amount_fen);
            let account_ok = match &line.account {
                None => true,
                Some(a) => BankAccount::parse(&r.account).is_ok_and(|x| x.digits() == a),
            };
            if !amount_ok || !account_ok {
                counts.mismatched += 1;
                counts.mismatched_rows.push(r.row);
                continue;
            }
            match BankResult::read(&r.result, &r.reason) {
                BankResult::Paid => {
                    paid.push((line.id, line.entitlement_id));
                    counts.paid += 1;
                }
                BankResult::Failed(reason) => {
                    on_tx!(&mut tx.tx, c => sqlx::query(
                        "UPDATE payment_lines SET state = 'failed', reason_code = $2, bank_reason = $3, result_at = $4, result_by = $5
                         WHERE id = $1 AND state IN ('pending', 'unresolved')")
                        .bind(line.id).bind(reason.code()).bind(r.reason.trim()).bind(&at).bind(&login)
                        .execute(c).await?.rows_affected());
                    on_tx!(&mut tx.tx, c => sqlx::query(
                        "UPDATE entitlements SET state = 'failed', updated_at = $2 WHERE id = $1 AND state IN ('approved', 'reissued')")
                        .bind(line.entitlement_id).bind(&at).execute(c).await?.rows_affected());
                    counts.failed += 1;
                }
                BankResult::Unresolved => {
                    on_tx!(&mut tx.tx, c => sqlx::query(
                        "UPDATE payment_lines SET state = 'unresolved', bank_reason = $2, result_at = $3, result_by = $4
                         WHERE id = $1 AND state IN ('pending', 'unresolved')")
                        .bind(line.id).bind(r.result.trim()).bind(&at).bind(&login).execute(c).await?.rows_affected());
                    counts.unresolved += 1;
                }
            }
        }
        mark_paid(tx, &paid, &at, &login).await?;
        counts.missing = by_ref.iter().filter(|(r, l)| !seen.contains(r.as_str()) && l.state.is_open()).count() as i64;
        tx.audit(
            "payment.results",
            "payment_batch",
            &batch_id.to_string(),
            None,
            Some(&json!({ "batch": no, "sha256": file_sha256, "lines": counts.lines, "paid": counts.paid,
                          "failed": counts.failed, "unresolved": counts.unresolved, "unmatched": counts.unmatched,
                          "mismatched": counts.mismatched, "duplicates": counts.duplicates, "missing": counts.missing,
                          "already_recorded": counts.already_recorded })),
        )
        .await?;
        Ok(counts)
    })
}

/// A line a sign-off sheet's holder could not hand over (签收表 exception): its line number and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsigned {
    pub line_no: i64,
    pub reason: String,
}

/// Records a signed sheet of a non-bank batch (现金、实物、卡券、服务): every open line the scope
/// holds (of one committee, when named) is paid, except the lines listed, which fail with their
/// reason (其他, the words kept). Lines recorded before stay as they are; a bank batch is refused
/// (its results come from the bank). Audited `payment.signoff`.
pub async fn record_signoff(
    tx: &mut WriteTx<'_>,
    scope: &yikou_domain::Scope,
    batch_id: i64,
    committee: Option<&str>,
    exceptions: &[Unsigned],
) -> Result<ResultCounts> {
    crate::atomic!(tx, {
        let head: Option<(String, String)> = on_tx!(&mut tx.tx, c => sqlx::query_as(
            "SELECT batch_no, method FROM payment_batches WHERE id = $1").bind(batch_id).fetch_optional(c).await?);
        let (no, method) = head.ok_or_else(|| StoreError::NotFound("该发放批次".into()))?;
        if super::parse_method(&method)?.by_bank() {
            return Err(StoreError::Invalid(format!("批次 {no} 是银行代发批次：发放结果请导入银行返回的结果文件")));
        }
        if let Some(bad) = exceptions.iter().find(|u| u.reason.trim().chars().count() < 2) {
            return Err(StoreError::Invalid(format!("第 {} 笔未签收，请写明原因（至少2个字）", bad.line_no)));
        }
        let (cond, arg) = crate::scope::entitlements(scope, 2);
        let mut sql = format!(
            "SELECT l.id, l.line_no, l.entitlement_id, l.state FROM payment_lines l JOIN entitlements e ON e.id = l.entitlement_id
             JOIN people pe ON pe.id = e.person_id JOIN projects pr ON pr.id = e.project_id
             WHERE l.batch_id = $1 AND {cond}"
        );
        if committee.is_some() {
            sql.push_str(&format!(" AND pe.committee_code = ${}", if arg.is_some() { 3 } else { 2 }));
        }
        sql.push_str(" ORDER BY l.line_no");
        let rows: Vec<(i64, i64, i64, String)> = on_tx!(&mut tx.tx, c => {
            let mut q = sqlx::query_as(&sql).bind(batch_id);
            if let Some(a) = &arg { q = q.bind(a.clone()); }
            if let Some(cm) = committee { q = q.bind(cm.to_string()); }
            q.fetch_all(c).await?
        });
        if rows.is_empty() {
            return Err(StoreError::NotFound("该发放批次（或该居委在本批次中的记录）".into()));
        }
        if let Some(u) = exceptions.iter().find(|u| !rows.iter().any(|r| r.1 == u.line_no)) {
            return Err(StoreError::Invalid(format!("本签收表中没有第 {} 笔", u.line_no)));
        }
        let mut counts = ResultCounts { lines: rows.len() as i64, ..Default::default() };
        let (login, at) = (tx.actor().login.clone(), now());
        let mut signed: Vec<(i64, i64)> = Vec::new();
        for (id, line_no, ent, state) in rows {
            if !super::parse_state(&state)?.is_open() {
                counts.already_recorded += 1;
                continue;
            }
            match exceptions.iter().find(|u| u.line_no == line_no) {
                None => {
                    signed.push((id, ent));
                    counts.paid += 1;
                }
                Some(u) => {
                    on_tx!(&mut tx.tx, c => sqlx::query(
                        "UPDATE payment_lines SET state = 'failed', reason_code = 'other', bank_reason = $2, result_at = $3, result_by = $4
                         WHERE id = $1 AND state IN ('pending', 'unresolved')")
                        .bind(id).bind(u.reason.trim()).bind(&at).bind(&login).execute(c).await?.rows_affected());
                    on_tx!(&mut tx.tx, c => sqlx::query(
                        "UPDATE entitlements SET state = 'failed', updated_at = $2 WHERE id = $1 AND state IN ('approved', 'reissued')")
                        .bind(ent).bind(&at).execute(c).await?.rows_affected());
                    // Vouchers handed out on a line not signed for go back to the batch.
                    crate::voucher::release_line(tx, id).await?;
                    counts.failed += 1;
                }
            }
        }
        mark_paid(tx, &signed, &at, &login).await?;
        tx.audit(
            "payment.signoff",
            "payment_batch",
            &batch_id.to_string(),
            None,
            Some(&json!({ "batch": no, "committee": committee, "lines": counts.lines, "paid": counts.paid,
                          "failed": counts.failed, "already_recorded": counts.already_recorded })),
        )
        .await?;
        Ok(counts)
    })
}
