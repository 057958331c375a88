//! Import batches: listed for whoever may see them, and undone as a whole while nothing of them has
//! been approved.

use serde_json::json;
use yikou_domain::imports::BatchStatus;

use super::Batch;
use crate::{now, on_db, on_tx, Result, Store, StoreError, WriteTx};

/// 撤销批次: removes what the batch added and puts back what it changed, as long as nothing of it has
/// been approved. People the batch created are removed unless another batch or record uses them.
pub async fn undo_batch(tx: &mut WriteTx<'_>, batch_no: &str) -> Result<Batch> {
    crate::atomic!(tx, {
        let row: Option<(i64, String)> = on_tx!(&mut tx.tx, c => sqlx::query_as(
            "SELECT id, status FROM import_batches WHERE batch_no = $1").bind(batch_no).fetch_optional(c).await?);
        let (id, status) = row.ok_or_else(|| StoreError::NotFound(format!("导入批次 {batch_no}")))?;
        // Only the district-wide scope undoes another account's batch (the web shows the others
        // none of them; the store refuses whatever a request names).
        if !matches!(tx.actor().scope, yikou_domain::Scope::All) {
            let owner: String = on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT actor FROM import_batches WHERE id = $1")
                .bind(id).fetch_one(c).await?);
            if owner != tx.actor().login {
                return Err(StoreError::NotFound(format!("导入批次 {batch_no}")));
            }
        }
        if BatchStatus::from_code(&status) != Some(BatchStatus::Committed) {
            return Err(StoreError::Conflict(format!("批次 {batch_no} 已撤销，不能重复撤销")));
        }
        let frozen: i64 = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM entitlements WHERE batch_id = $1 AND state NOT IN ('draft', 'submitted')")
            .bind(id).fetch_one(c).await?);
        if frozen > 0 {
            return Err(StoreError::rejected(
                "batch_has_approved",
                format!("批次 {batch_no} 中已有 {frozen} 条记录下达，不能撤销；如需更正，请办理退回或发放失败"),
            ));
        }
        let reviewed: i64 = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM entitlements WHERE batch_id = $1 AND state = 'submitted'")
            .bind(id).fetch_one(c).await?);
        if reviewed > 0 {
            return Err(StoreError::Conflict(format!(
                "批次 {batch_no} 中有 {reviewed} 条记录所在的名单已提交、正在审核，不能撤销：请等审核结果，或请审核人退回后再撤销"
            )));
        }
        let removed_entitlements = on_tx!(&mut tx.tx, c => sqlx::query("DELETE FROM entitlements WHERE batch_id = $1")
            .bind(id).execute(c).await?.rows_affected());
        let changes: Vec<(i64, String)> = on_tx!(&mut tx.tx, c => sqlx::query_as(
            "SELECT person_id, before_json FROM import_person_changes WHERE batch_id = $1").bind(id).fetch_all(c).await?);
        for (person, before) in &changes {
            let b: serde_json::Value = serde_json::from_str(before).unwrap_or_default();
            on_tx!(&mut tx.tx, c => sqlx::query(
                "UPDATE people SET street_code = $1, committee_code = $2, household_id = $3, updated_at = $4 WHERE id = $5")
                .bind(b["street_code"].as_str())
                .bind(b["committee_code"].as_str()).bind(b["household_id"].as_i64()).bind(now()).bind(person)
                .execute(c).await?.rows_affected());
            let phone = saved_text(tx, &b, "phone")?;
            let address = saved_text(tx, &b, "address")?;
            crate::contacts::write_contact(tx, *person, phone.as_deref(), address.as_deref()).await?;
        }
        on_tx!(&mut tx.tx, c => sqlx::query("DELETE FROM import_person_changes WHERE batch_id = $1").bind(id).execute(c).await?.rows_affected());
        on_tx!(&mut tx.tx, c => sqlx::query("DELETE FROM person_categories WHERE batch_id = $1").bind(id).execute(c).await?.rows_affected());
        let removed_people = on_tx!(&mut tx.tx, c => sqlx::query(
            "DELETE FROM people WHERE batch_id = $1 AND NOT EXISTS (SELECT 1 FROM entitlements e WHERE e.person_id = people.id)
             AND NOT EXISTS (SELECT 1 FROM import_person_changes x WHERE x.person_id = people.id)
             AND NOT EXISTS (SELECT 1 FROM person_categories pc WHERE pc.person_id = people.id)")
            .bind(id).execute(c).await?.rows_affected());
        let at = now();
        let actor = tx.actor().login.clone();
        on_tx!(&mut tx.tx, c => sqlx::query("UPDATE import_batches SET status = 'undone', undone_at = $1, undone_by = $2 WHERE id = $3")
            .bind(&at).bind(&actor).bind(id).execute(c).await?.rows_affected());
        tx.audit(
            "import.undo",
            "import_batch",
            batch_no,
            Some(&json!({ "status": "committed" })),
            Some(&json!({ "status": "undone", "entitlements_removed": removed_entitlements, "people_removed": removed_people,
                          "people_restored": changes.len() })),
        )
        .await?;
        let batch = load_batch(tx, id).await?;
        Ok(batch)
    })
}

/// A phone or address kept for undo: encrypted (`phone_enc`, hex), or in plaintext as batches made
/// before encryption at rest kept it.
fn saved_text(tx: &WriteTx<'_>, b: &serde_json::Value, field: &str) -> Result<Option<String>> {
    match b[format!("{field}_enc")].as_str() {
        Some(h) => {
            let blob = hex::decode(h).map_err(|_| StoreError::Decrypt)?;
            Ok(Some(tx.keys().decrypt(&blob)?))
        }
        None => Ok(b[field].as_str().map(str::to_string)),
    }
}

async fn load_batch(tx: &mut WriteTx<'_>, id: i64) -> Result<Batch> {
    let r: BatchRow =
        on_tx!(&mut tx.tx, c => sqlx::query_as(&format!("{BATCH_SELECT} WHERE id = $1")).bind(id).fetch_one(c).await?);
    Ok(batch_from(r))
}

const BATCH_SELECT: &str =
    "SELECT batch_no, actor, created_at, file_name, project_id, rows, created, updated, unchanged, rejected,
     status FROM import_batches";
type BatchRow = (String, String, String, String, Option<i64>, i64, i64, i64, i64, i64, String);

fn batch_from(r: BatchRow) -> Batch {
    Batch {
        batch: r.0,
        actor: r.1,
        created_at: r.2,
        file_name: r.3,
        project_id: r.4,
        rows: r.5,
        created: r.6,
        updated: r.7,
        unchanged: r.8,
        rejected: r.9,
        // Written by this module as one of BatchStatus's codes.
        status: BatchStatus::from_code(&r.10).unwrap_or(BatchStatus::Open),
    }
}

impl Store {
    /// The batches an actor may see, newest first: their own; with the whole district in scope, every batch.
    pub async fn batches_of(&self, actor: &yikou_domain::Actor, limit: i64) -> Result<Vec<Batch>> {
        let everyone = matches!(actor.scope, yikou_domain::Scope::All);
        let rows: Vec<BatchRow> = on_db!(&self.db, p => sqlx::query_as(
            &format!("{BATCH_SELECT} WHERE status <> 'open' AND ($2 = 1 OR actor = $3) ORDER BY id DESC LIMIT $1"))
            .bind(limit).bind(i64::from(everyone)).bind(&actor.login).fetch_all(p).await?);
        Ok(rows.into_iter().map(batch_from).collect())
    }

    /// One batch, if the actor may see it (their own; with the whole district in scope, any).
    pub async fn batch_of(&self, actor: &yikou_domain::Actor, batch: &str) -> Result<Option<Batch>> {
        let everyone = matches!(actor.scope, yikou_domain::Scope::All);
        let row: Option<BatchRow> = on_db!(&self.db, p => sqlx::query_as(
            &format!("{BATCH_SELECT} WHERE status <> 'open' AND batch_no = $1 AND ($2 = 1 OR actor = $3)"))
            .bind(batch).bind(i64::from(everyone)).bind(&actor.login).fetch_optional(p).await?);
        Ok(row.map(batch_from))
    }

    /// Every batch, newest first (the whole district's view).
    pub async fn batches(&self, limit: i64) -> Result<Vec<Batch>> {
        let rows: Vec<BatchRow> = on_db!(&self.db, p => sqlx::query_as(
            &format!("{BATCH_SELECT} WHERE status <> 'open' ORDER BY id DESC LIMIT $1")).bind(limit).fetch_all(p).await?);
        Ok(rows.into_iter().map(batch_from).collect())
    }

    /// Committees by street: (street code, committee code, name).
    pub async fn committees(&self) -> Result<Vec<(String, String, String)>> {
        Ok(on_db!(&self.db, p => sqlx::query_as(
            "SELECT parent_code, code, name FROM units WHERE kind = 'committee' ORDER BY code").fetch_all(p).await?))
    }
}
