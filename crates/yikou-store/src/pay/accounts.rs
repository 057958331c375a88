//! A person's bank account (户名, 开户行, 账号): the number encrypted at rest like the ID number and
//! kept masked beside it; only a bank file holds it in full.

use serde::Serialize;
use serde_json::json;
use yikou_domain::pay::BankAccount;
use yikou_domain::Scope;

use crate::{on_db, on_tx, Result, Store, StoreError, WriteTx};

/// A person's account as pages show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BankAccountView {
    pub holder: Option<String>,
    pub bank_name: Option<String>,
    pub account_masked: Option<String>,
}

/// Sets (or, with `None`, clears) a person's bank account within the scope: `NotFound` outside it.
/// Audited `person.bank_account` with the masked numbers before and after.
pub async fn set_bank_account(
    tx: &mut WriteTx<'_>,
    scope: &Scope,
    person_id: i64,
    account: Option<(&str, &str, &BankAccount)>,
) -> Result<()> {
    crate::atomic!(tx, {
        let (cond, arg) = crate::scope::people(scope, 2);
        let sql = format!(
            "SELECT pe.bank_holder, pe.bank_name, pe.bank_account_masked FROM people pe WHERE pe.id = $1 AND {cond}"
        );
        let before: Option<(Option<String>, Option<String>, Option<String>)> = on_tx!(&mut tx.tx, c => {
            let q = sqlx::query_as(&sql).bind(person_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_optional(c).await?
        });
        let before = before.ok_or_else(|| StoreError::NotFound("该帮困对象".into()))?;
        let (holder, bank, cipher, masked) = match account {
            Some((h, b, a)) => (
                Some(h.trim().to_string()),
                Some(b.trim().to_string()).filter(|b| !b.is_empty()),
                Some(tx.keys().encrypt(a.digits())),
                Some(a.masked()),
            ),
            None => (None, None, None, None),
        };
        on_tx!(&mut tx.tx, c => sqlx::query(
            "UPDATE people SET bank_holder = $1, bank_name = $2, bank_account_cipher = $3, bank_account_masked = $4,
             updated_at = $5 WHERE id = $6")
            .bind(&holder).bind(&bank).bind(&cipher).bind(&masked).bind(crate::now()).bind(person_id)
            .execute(c).await?.rows_affected());
        tx.audit(
            "person.bank_account",
            "person",
            &person_id.to_string(),
            Some(&json!({ "holder": before.0, "bank": before.1, "account": before.2 })),
            Some(&json!({ "holder": holder, "bank": bank, "account": masked })),
        )
        .await
    })
}

/// Loads many people's bank accounts at once (generated or delivered data): one audit record for
/// the load, with the count only.
pub async fn load_bank_accounts(tx: &mut WriteTx<'_>, rows: &[(i64, String, String, BankAccount)]) -> Result<u64> {
    crate::atomic!(tx, {
        let at = crate::now();
        for (id, holder, bank, account) in rows {
            let cipher = tx.keys().encrypt(account.digits());
            on_tx!(&mut tx.tx, c => sqlx::query(
                "UPDATE people SET bank_holder = $1, bank_name = $2, bank_account_cipher = $3, bank_account_masked = $4,
                 updated_at = $5 WHERE id = $6")
                .bind(holder).bind(bank).bind(&cipher).bind(account.masked()).bind(&at).bind(id)
                .execute(c).await?.rows_affected());
        }
        tx.audit("person.bank_accounts_loaded", "person", "*", None, Some(&json!({ "people": rows.len() }))).await?;
        Ok(rows.len() as u64)
    })
}

impl Store {
    /// A person's account (masked), within the scope.
    pub async fn bank_account(&self, scope: &Scope, person_id: i64) -> Result<Option<BankAccountView>> {
        let (cond, arg) = crate::scope::people(scope, 2);
        let sql = format!(
            "SELECT pe.bank_holder, pe.bank_name, pe.bank_account_masked FROM people pe WHERE pe.id = $1 AND {cond}"
        );
        let row: Option<(Option<String>, Option<String>, Option<String>)> = on_db!(&self.db, p => {
            let q = sqlx::query_as(&sql).bind(person_id);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            q.fetch_optional(p).await?
        });
        Ok(row.map(|(holder, bank_name, account_masked)| BankAccountView { holder, bank_name, account_masked }))
    }

    /// A bank batch's file lines, in order, with the accounts in full: for the bank file only (the
    /// caller has checked the right and audits the export). (序号, 参考号, 户名, 账号, 金额 fen, 摘要, 开户行)
    pub async fn bank_file_lines(&self, batch_id: i64) -> Result<Vec<BankFileLine>> {
        type Row = (i64, String, Option<String>, Option<Vec<u8>>, i64, String, Option<String>, String);
        let rows: Vec<Row> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT l.line_no, l.reference, l.holder, l.account_cipher, l.amount_fen, pr.name, l.bank_name, c.name
             FROM payment_lines l JOIN entitlements e ON e.id = l.entitlement_id JOIN projects pr ON pr.id = e.project_id
             JOIN campaigns c ON c.id = pr.campaign_id
             WHERE l.batch_id = $1 ORDER BY l.line_no")
            .bind(batch_id).fetch_all(p).await?);
        rows.into_iter()
            .map(|(line_no, reference, holder, cipher, amount_fen, project, bank_name, campaign)| {
                let account = cipher.map(|c| self.keys.decrypt(&c)).transpose()?.unwrap_or_default();
                Ok(BankFileLine {
                    line_no,
                    reference,
                    holder: holder.unwrap_or_default(),
                    account,
                    amount_fen,
                    summary: format!("{campaign} {project}"),
                    bank_name: bank_name.unwrap_or_default(),
                })
            })
            .collect()
    }
}

/// One line of a bank file.
#[derive(Clone, PartialEq, Eq)]
pub struct BankFileLine {
    pub line_no: i64,
    pub reference: String,
    pub holder: String,
    /// In full: only ever written into the bank file.
    pub account: String,
    pub amount_fen: i64,
    /// 摘要: the campaign and the project.
    pub summary: String,
    pub bank_name: String,
}

impl std::fmt::Debug for BankFileLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BankFileLine({} {})", self.line_no, self.reference)
    }
}

/// Records that a batch's bank file was written: its SHA-256 kept on the batch (the same lines give
/// the same file, so the same hash), audited `payment.bank_file` (the format, lines and hash; no
/// account number).
pub async fn record_bank_file(
    tx: &mut WriteTx<'_>,
    batch_id: i64,
    format: &str,
    sha256: &str,
    lines: usize,
) -> Result<()> {
    crate::atomic!(tx, {
        let before: Option<String> = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
            "SELECT file_sha256 FROM payment_batches WHERE id = $1").bind(batch_id).fetch_one(c).await?);
        if format == "csv" {
            on_tx!(&mut tx.tx, c => sqlx::query("UPDATE payment_batches SET file_sha256 = $1 WHERE id = $2")
                .bind(sha256).bind(batch_id).execute(c).await?.rows_affected());
        }
        tx.audit(
            "payment.bank_file",
            "payment_batch",
            &batch_id.to_string(),
            Some(&json!({ "sha256": before })),
            Some(&json!({ "format": format, "sha256": sha256, "lines": lines })),
        )
        .await
    })
}
