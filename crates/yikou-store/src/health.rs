//! What `yikou doctor` checks besides the key and the audit chain: that the data agrees with itself
//! — nothing half-written by a crash, a full disk or a bug. Every act that writes several tables
//! does so in one transaction (see `Store::write`), so after any interruption each of these counts
//! is zero; `crates/yikou/tests/crash.rs` kills the program mid-act and asks.

use serde::Serialize;

use crate::{on_db, Result, Store};

/// One kind of disagreement and how many records show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub code: &'static str,
    /// What is wrong, in words.
    pub what: &'static str,
    pub count: i64,
}

const CHECKS: [(&str, &str, &str); 4] = [
    (
        "import_half_written",
        "个导入批次没有写完（状态既不是已导入也不是已撤销）",
        "SELECT COUNT(*) FROM import_batches WHERE status NOT IN ('committed', 'undone')",
    ),
    (
        "import_rows_of_unfinished_batch",
        "条帮扶记录属于没有写完的导入批次",
        "SELECT COUNT(*) FROM entitlements e JOIN import_batches b ON b.id = e.batch_id WHERE b.status NOT IN ('committed', 'undone')",
    ),
    (
        "payment_batch_totals",
        "个发放批次的笔数或金额与其明细不符（半个批次）",
        "SELECT COUNT(*) FROM payment_batches b
         WHERE b.lines <> (SELECT COUNT(*) FROM payment_lines l WHERE l.batch_id = b.id)
            OR b.amount_fen <> (SELECT COALESCE(SUM(l.amount_fen), 0) FROM payment_lines l WHERE l.batch_id = b.id)",
    ),
    (
        "paid_line_without_disbursed_entitlement",
        "条发放成功的明细，其帮扶记录却不是“已发放”",
        "SELECT COUNT(*) FROM payment_lines l JOIN entitlements e ON e.id = l.entitlement_id
         WHERE l.state = 'paid' AND e.state <> 'disbursed'",
    ),
];

impl Store {
    /// The disagreements found, each kind with its count (an empty list: the data agrees).
    pub async fn consistency(&self) -> Result<Vec<Problem>> {
        let mut out = Vec::new();
        for (code, what, sql) in CHECKS {
            let count: i64 = on_db!(&self.db, p => sqlx::query_scalar(sql).fetch_one(p).await?);
            if count > 0 {
                out.push(Problem { code, what, count });
            }
        }
        Ok(out)
    }

    /// Counts, money and the audit head (as a backup's manifest holds them).
    pub async fn figures(&self) -> Result<crate::backup::Figures> {
        crate::backup::figures(&self.db).await
    }
}
