//! 发放 (disbursement): batches of approved entitlements by method, their lines (one per entitlement
//! and attempt, with a 参考号), bank accounts, bank files and their results, re-issue of failed lines,
//! and progress that adds up. An entitlement is paid at most once: a unique index on its paid line
//! (`payment_lines_paid_once`), and in at most one open batch (`payment_lines_one_open`).

mod accounts;
mod batches;
mod progress;
mod results;

use serde::Serialize;
use yikou_domain::pay::{FailReason, LineState, PayMethod};
use yikou_domain::Scope;

use crate::{on_db, Result, Store, StoreError};

pub use accounts::{load_bank_accounts, record_bank_file, set_bank_account, BankAccountView, BankFileLine};
pub use batches::{create_batch, reissue, BatchFilter, BatchMade};
pub use progress::{Progress, Tally, UnitProgress};
pub use results::{record_results, record_signoff, ResultCounts, ResultLine, Unsigned};

/// A batch as lists show it, with its lines counted by state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchView {
    pub id: i64,
    pub batch_no: String,
    pub method: PayMethod,
    pub filter_json: String,
    pub reissue_of: Option<i64>,
    pub created_by: String,
    pub created_at: String,
    pub lines: i64,
    pub amount_fen: i64,
    pub file_sha256: Option<String>,
    pub paid: i64,
    pub failed: i64,
    /// Lines waiting for a result (pending or unresolved).
    pub open: i64,
    pub paid_fen: i64,
}

impl BatchView {
    /// Reconciled: no line waits for a result.
    pub fn reconciled(&self) -> bool {
        self.open == 0
    }
}

/// A line of a batch as its page shows it (the account masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineView {
    pub id: i64,
    pub line_no: i64,
    pub reference: String,
    pub attempt: i64,
    pub entitlement_id: i64,
    pub person_id: i64,
    pub name: String,
    pub id_number_masked: String,
    pub street_code: Option<String>,
    pub committee_code: Option<String>,
    pub project_code: String,
    pub project_name: String,
    pub amount_fen: i64,
    pub holder: Option<String>,
    pub account_masked: Option<String>,
    pub state: LineState,
    pub reason: Option<FailReason>,
    pub bank_reason: Option<String>,
    pub reissue_of: Option<i64>,
    /// A later attempt made from this (failed) line.
    pub reissued: bool,
}

fn parse_method(code: &str) -> Result<PayMethod> {
    PayMethod::from_code(code).ok_or_else(|| StoreError::Invalid(format!("发放方式“{code}”无法识别")))
}

fn parse_state(code: &str) -> Result<LineState> {
    LineState::from_code(code).ok_or_else(|| StoreError::Invalid(format!("发放状态“{code}”无法识别")))
}

const BATCH_SELECT: &str = "SELECT b.id, b.batch_no, b.method, b.filter_json, b.reissue_of, b.created_by, b.created_at,
    b.lines, b.amount_fen, b.file_sha256,
    CAST(COALESCE(SUM(CASE WHEN l.state = 'paid' THEN 1 ELSE 0 END), 0) AS BIGINT),
    CAST(COALESCE(SUM(CASE WHEN l.state = 'failed' THEN 1 ELSE 0 END), 0) AS BIGINT),
    CAST(COALESCE(SUM(CASE WHEN l.state IN ('pending', 'unresolved') THEN 1 ELSE 0 END), 0) AS BIGINT),
    CAST(COALESCE(SUM(CASE WHEN l.state = 'paid' THEN l.amount_fen ELSE 0 END), 0) AS BIGINT)
    FROM payment_batches b LEFT JOIN payment_lines l ON l.batch_id = b.id";

type BatchRow =
    (i64, String, String, String, Option<i64>, String, String, i64, i64, Option<String>, i64, i64, i64, i64);

fn batch_view(r: BatchRow) -> Result<BatchView> {
    Ok(BatchView {
        id: r.0,
        batch_no: r.1,
        method: parse_method(&r.2)?,
        filter_json: r.3,
        reissue_of: r.4,
        created_by: r.5,
        created_at: r.6,
        lines: r.7,
        amount_fen: r.8,
        file_sha256: r.9,
        paid: r.10,
        failed: r.11,
        open: r.12,
        paid_fen: r.13,
    })
}

/// The batches matching `condition` (on `b`, with `$1`) that hold a line the scope may see, with
/// their lines counted; `tail` orders them. The scope's value, when it needs one, is `$2`.
fn batches_where(scope: &Scope, condition: &str, tail: &str) -> (String, Option<String>) {
    let (cond, arg) = crate::scope::entitlements(scope, 2);
    let sql = format!(
        "{BATCH_SELECT} WHERE {condition} AND EXISTS (SELECT 1 FROM payment_lines sl
           JOIN entitlements e ON e.id = sl.entitlement_id JOIN people pe ON pe.id = e.person_id
           JOIN projects pr ON pr.id = e.project_id WHERE sl.batch_id = b.id AND {cond})
         GROUP BY b.id, b.batch_no, b.method, b.filter_json, b.reissue_of, b.created_by, b.created_at, b.lines,
           b.amount_fen, b.file_sha256{tail}"
    );
    (sql, arg)
}

impl Store {
    /// The batches of a campaign that hold a line the scope may see (the district: all), newest
    /// first; counts are of the whole batch.
    pub async fn payment_batches(&self, scope: &Scope, campaign_id: i64) -> Result<Vec<BatchView>> {
        let (sql, arg) = batches_where(scope, "b.campaign_id = $1", " ORDER BY b.id DESC");
        let rows: Vec<BatchRow> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql).bind(campaign_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_all(p).await?
        });
        rows.into_iter().map(batch_view).collect()
    }

    /// One batch, if it holds a line the scope may see.
    pub async fn payment_batch(&self, scope: &Scope, id: i64) -> Result<Option<BatchView>> {
        let (sql, arg) = batches_where(scope, "b.id = $1", "");
        let row: Option<BatchRow> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql).bind(id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_optional(p).await?
        });
        row.map(batch_view).transpose()
    }

    /// The lines of a batch the scope may see, by line number.
    pub async fn payment_lines(&self, scope: &Scope, batch_id: i64) -> Result<Vec<LineView>> {
        let (cond, arg) = crate::scope::entitlements(scope, 2);
        let sql = format!(
            "SELECT l.id, l.line_no, l.reference, l.attempt, l.entitlement_id, pe.id, pe.name, pe.id_masked,
               pe.street_code, pe.committee_code, pr.code, pr.name, l.amount_fen, l.holder, l.account_masked, l.state,
               l.reason_code, l.bank_reason, l.reissue_of,
               CASE WHEN EXISTS (SELECT 1 FROM payment_lines n WHERE n.reissue_of = l.id) THEN 1 ELSE 0 END
             FROM payment_lines l JOIN entitlements e ON e.id = l.entitlement_id JOIN people pe ON pe.id = e.person_id
             JOIN projects pr ON pr.id = e.project_id
             WHERE l.batch_id = $1 AND {cond} ORDER BY l.line_no"
        );
        let out: Vec<LineView> = on_db!(&self.db, p => {
            let q = sqlx::query(&sql).bind(batch_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            let mut out = Vec::new();
            for r in q.fetch_all(p).await? {
                use sqlx::Row;
                let state: String = r.try_get(15)?;
                let reason: Option<String> = r.try_get(16)?;
                let reissued: i32 = r.try_get(19)?;
                out.push(LineView {
                    id: r.try_get(0)?,
                    line_no: r.try_get(1)?,
                    reference: r.try_get(2)?,
                    attempt: r.try_get(3)?,
                    entitlement_id: r.try_get(4)?,
                    person_id: r.try_get(5)?,
                    name: r.try_get(6)?,
                    id_number_masked: r.try_get(7)?,
                    street_code: r.try_get(8)?,
                    committee_code: r.try_get(9)?,
                    project_code: r.try_get(10)?,
                    project_name: r.try_get(11)?,
                    amount_fen: r.try_get(12)?,
                    holder: r.try_get(13)?,
                    account_masked: r.try_get(14)?,
                    state: parse_state(&state)?,
                    reason: reason.as_deref().and_then(FailReason::from_code),
                    bank_reason: r.try_get(17)?,
                    reissue_of: r.try_get(18)?,
                    reissued: reissued != 0,
                });
            }
            out
        });
        Ok(out)
    }
}
