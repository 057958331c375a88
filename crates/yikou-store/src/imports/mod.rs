//! 名单导入 (imports) as batches: all-or-nothing inside one write transaction, idempotent (the same
//! file or the same rows again add nothing twice), and undoable as a whole while nothing of the
//! batch has been approved. Which people a list may touch is decided in `area`; batches are listed
//! and undone in `batches`.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use time::Date;
use yikou_domain::imports::BatchStatus;
use yikou_domain::{format_date, EntitlementState, Fen, IdNumber, Phone, Standard};

use crate::campaign::StoredProject;
use crate::db::BULK_ROWS;
use crate::register::NewPerson;
use crate::{now, on_tx, Result, StoreError, WriteTx};

mod area;
mod batches;
mod packed;

pub use area::RegisterNames;
use area::{reach_of, Reach};
pub use batches::undo_batch;
pub use packed::PackedRows;

/// One valid row to import (already checked by the ingest layer).
#[derive(Debug, Clone)]
pub struct ImportRow {
    /// The row's number in the file (as the user sees it), for messages.
    pub row: u32,
    pub id_number: IdNumber,
    pub name: String,
    pub phone: Option<Phone>,
    pub address: Option<String>,
    pub street_code: Option<String>,
    pub committee_code: Option<String>,
    pub categories: Vec<String>,
    pub household: Option<String>,
    pub household_size: Option<u32>,
    pub amount: Option<Fen>,
    /// 户名, 开户行, 银行账号 (the account stored encrypted).
    pub bank: Option<(String, Option<String>, yikou_domain::pay::BankAccount)>,
}

/// What the user imported.
#[derive(Debug, Clone)]
pub struct ImportMeta {
    pub file_name: String,
    /// SHA-256 of the file's bytes.
    pub file_hash: String,
    pub rows: u64,
    pub rejected: u64,
    /// Category memberships start on this date.
    pub since: Date,
    /// Only the rows that may be imported (the user chose 只导入正确的行): rows naming a person
    /// registered outside the actor's area are left out and counted as rejected. Without it, such a
    /// row refuses the whole import ([`StoreError::OutsideArea`]) and nothing is written.
    pub accept_valid: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportResult {
    pub batch: String,
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    pub people_created: u64,
    pub people_updated: u64,
    pub entitlements_created: u64,
    /// The same file was imported before: nothing was written.
    pub already_imported: bool,
    /// Rows left out because their ID number belongs to a person registered outside the
    /// importer's area (row numbers of the file; such a person is never changed by this import).
    pub outside_rows: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Batch {
    pub batch: String,
    pub actor: String,
    pub created_at: String,
    pub file_name: String,
    pub project_id: Option<i64>,
    pub rows: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub rejected: i64,
    pub status: BatchStatus,
}

pub(crate) struct Existing {
    pub(crate) id: i64,
    /// The registered name (a department's roster must name a person as registered).
    name: String,
    /// Decrypted from the ciphers below (never written back in plaintext).
    phone: Option<String>,
    address: Option<String>,
    phone_cipher: Option<Vec<u8>>,
    address_cipher: Option<Vec<u8>>,
    street_code: Option<String>,
    committee_code: Option<String>,
    household_id: Option<i64>,
}

/// People already registered, by ID key.
pub(crate) async fn existing_people(tx: &mut WriteTx<'_>, keys: &[Vec<u8>]) -> Result<HashMap<Vec<u8>, Existing>> {
    let mut out = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(BULK_ROWS) {
        let rows = crate::dialect::people_by_key(&mut tx.tx, chunk).await?;
        for (k, mut e) in rows {
            e.phone = crate::contacts::open_text(tx.keys(), e.phone_cipher.as_deref())?;
            e.address = crate::contacts::open_text(tx.keys(), e.address_cipher.as_deref())?;
            out.insert(k, e);
        }
    }
    Ok(out)
}

pub(crate) fn read_existing<R: Row>(r: &R) -> std::result::Result<(Vec<u8>, Existing), sqlx::Error>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    Vec<u8>: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    Option<Vec<u8>>: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok((
        r.try_get("id_key")?,
        Existing {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            phone: None,
            address: None,
            phone_cipher: r.try_get("phone_cipher")?,
            address_cipher: r.try_get("address_cipher")?,
            street_code: r.try_get("street_code")?,
            committee_code: r.try_get("committee_code")?,
            household_id: r.try_get("household_id")?,
        },
    ))
}

/// The register's key for a household named in a list: an ID number (户主身份证号) never appears in
/// plaintext, a 户编号 is qualified by its street (numbering is per street).
fn household_code(tx: &WriteTx<'_>, raw: &str, street: Option<&str>) -> String {
    match IdNumber::parse(raw) {
        Ok(id) => format!("head:{}", hex::encode(&tx.keys().id_key(id.as_str())[..12])),
        Err(_) => format!("{}:{}", street.unwrap_or("-"), raw.trim()),
    }
}

/// The amount an entitlement gets: as listed, else the project's standard.
fn amount_for(project: &StoredProject, row: &ImportRow) -> Result<Fen> {
    if let Some(a) = row.amount {
        return Ok(a);
    }
    match project.project.standard.amount_for(row.household_size.unwrap_or(1)) {
        Some(a) => Ok(a),
        None => Err(StoreError::rejected(
            "amount_missing",
            format!(
                "项目“{}”按实际情况核定金额（{}），名单中必须填写金额",
                project.project.name,
                match project.project.standard {
                    Standard::Range { min, max } => format!("{}–{}元", min.yuan(), max.yuan()),
                    _ => String::new(),
                }
            ),
        )),
    }
}

/// Imports valid rows as one batch. With a project, each row becomes a draft entitlement in it.
pub async fn commit_import(
    tx: &mut WriteTx<'_>,
    meta: &ImportMeta,
    rows: &[ImportRow],
    project: Option<&StoredProject>,
) -> Result<ImportResult> {
    commit_packed(tx, meta, &rows.iter().collect(), project).await
}

/// [`commit_import`] for rows kept packed since the check (a large list's rows unpacked a chunk at
/// a time).
pub async fn commit_packed(
    tx: &mut WriteTx<'_>,
    meta: &ImportMeta,
    rows: &PackedRows,
    project: Option<&StoredProject>,
) -> Result<ImportResult> {
    crate::atomic!(tx, {
        // The same file again: nothing twice.
        let previous: Option<(String,)> = on_tx!(&mut tx.tx, c => sqlx::query_as(
            "SELECT batch_no FROM import_batches WHERE file_hash = $1 AND status = 'committed'
             AND COALESCE(project_id, -1) = $2 ORDER BY id LIMIT 1")
            .bind(&meta.file_hash).bind(project.map_or(-1, |p| p.id)).fetch_optional(c).await?);
        if let Some((batch,)) = previous {
            return Ok(ImportResult {
                batch,
                rows: meta.rows,
                created: 0,
                updated: 0,
                unchanged: rows.len() as u64,
                rejected: meta.rejected,
                people_created: 0,
                people_updated: 0,
                entitlements_created: 0,
                already_imported: true,
                outside_rows: Vec::new(),
            });
        }
        let at = now();
        let actor = tx.actor().login.clone();
        let batch_id: i64 = on_tx!(&mut tx.tx, c => sqlx::query_scalar(
            "INSERT INTO import_batches (batch_no, actor, created_at, file_name, file_hash, project_id, status)
             VALUES ($1, $2, $3, $4, $5, $6, 'open') RETURNING id")
            .bind(format!("pending-{}", meta.file_hash)).bind(&actor).bind(&at).bind(&meta.file_name)
            .bind(&meta.file_hash).bind(project.map(|p| p.id)).fetch_one(c).await?);
        let batch_no = format!("B{}-{:06}", &at[..4], batch_id);

        let register_empty: Option<i64> =
            on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT id FROM people LIMIT 1").fetch_optional(c).await?);
        tx.batch = Some(batch_id);
        let mut state = ChunkState::default();
        if let Some(p) = project {
            let listed: Vec<i64> = on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT person_id FROM entitlements WHERE project_id = $1")
                .bind(p.id).fetch_all(c).await?);
            state.have.extend(listed);
        }
        // In the order of the people's keys, as SQLite's own floor writes them: the unique index on
        // the (random) keys then fills page after page instead of at scattered places, across the
        // whole list and not only within each chunk.
        let hasher = tx.keys().id_hasher();
        let mut order: Vec<([u8; 32], u32)> =
            (0..rows.len()).map(|i| (hasher.key(rows.id_number(i)), i as u32)).collect();
        order.sort_unstable();
        let mut r = Ok(());
        for keyed in order.chunks(BULK_ROWS) {
            let unpacked: Vec<ImportRow> = keyed.iter().map(|(_, i)| rows.get(*i as usize)).collect();
            let chunk: Vec<&ImportRow> = unpacked.iter().collect();
            let keys: Vec<Vec<u8>> = keyed.iter().map(|(k, _)| k.to_vec()).collect();
            r = import_chunk(tx, meta, &chunk, &keys, project, &batch_no, register_empty.is_none(), &mut state).await;
            if r.is_err() {
                break;
            }
        }
        tx.batch = None;
        r?;
        let ChunkState {
            created,
            updated,
            people_created,
            people_updated,
            entitlements_created,
            mut outside,
            listed_elsewhere,
            ..
        } = state;
        outside.sort_unstable();
        if !outside.is_empty() && !meta.accept_valid {
            return Err(StoreError::OutsideArea(outside));
        }
        let unchanged = rows.len() as u64 - created - updated - outside.len() as u64;
        let rejected = meta.rejected + outside.len() as u64;
        on_tx!(&mut tx.tx, c => sqlx::query(
            "UPDATE import_batches SET batch_no = $1, rows = $2, created = $3, updated = $4, unchanged = $5, rejected = $6,
             status = 'committed' WHERE id = $7")
            .bind(&batch_no).bind(meta.rows as i64).bind(created as i64).bind(updated as i64).bind(unchanged as i64)
            .bind(rejected as i64).bind(batch_id).execute(c).await?.rows_affected());
        let result = ImportResult {
            batch: batch_no.clone(),
            rows: meta.rows,
            created,
            updated,
            unchanged,
            rejected,
            people_created,
            people_updated,
            entitlements_created,
            already_imported: false,
            outside_rows: outside,
        };
        tx.audit(
            "import.commit",
            "import_batch",
            &batch_no,
            None,
            // Rows naming people registered elsewhere are on record by count: a list made up to look
            // people up shows here.
            Some(
                &json!({ "file": meta.file_name, "sha256": meta.file_hash, "project": project.map(|p| &p.project.code),
                          "result": result, "listed_registered_elsewhere": listed_elsewhere }),
            ),
        )
        .await?;
        Ok(result)
    })
}

#[derive(Default)]
struct ChunkState {
    household_ids: HashMap<String, i64>,
    /// People already in the project.
    have: std::collections::HashSet<i64>,
    created: u64,
    updated: u64,
    people_created: u64,
    people_updated: u64,
    entitlements_created: u64,
    /// Row numbers naming people registered outside the actor's area.
    outside: Vec<u32>,
    /// Rows of a department's roster naming people registered by a street/town (listed, not changed).
    listed_elsewhere: u64,
}

fn household_of(tx: &WriteTx<'_>, ids: &HashMap<String, i64>, r: &ImportRow) -> Option<i64> {
    r.household.as_deref().and_then(|h| ids.get(&household_code(tx, h, r.street_code.as_deref())).copied())
}

/// One slice of the rows (bounded memory for large lists), inside the batch's transaction; `keys`
/// are the rows' keyed hashes, in the same order.
async fn import_chunk(
    tx: &mut WriteTx<'_>,
    meta: &ImportMeta,
    chunk: &[&ImportRow],
    keys: &[Vec<u8>],
    project: Option<&StoredProject>,
    batch_no: &str,
    register_empty: bool,
    state: &mut ChunkState,
) -> Result<()> {
    let at = now();
    let started = std::time::Instant::now();
    let existing = if register_empty { HashMap::new() } else { existing_people(tx, keys).await? };
    // A row may only touch a person of the actor's area, whatever the file names.
    let reach = reach_of(tx, chunk, keys, &existing).await?;
    for (i, r) in chunk.iter().enumerate() {
        match reach[i] {
            Reach::Outside => state.outside.push(r.row),
            Reach::ListOnly => state.listed_elsewhere += 1,
            Reach::Own => {}
        }
    }
    let skip = |i: usize| reach[i] == Reach::Outside;

    // Households named in the list.
    let codes: Vec<String> = chunk
        .iter()
        .enumerate()
        .filter(|(i, _)| !skip(*i))
        .filter_map(|(_, r)| r.household.as_deref().map(|h| household_code(tx, h, r.street_code.as_deref())))
        .collect();
    if !codes.is_empty() {
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        for code in &unique {
            let id: Option<i64> = on_tx!(&mut tx.tx, c => sqlx::query_scalar("SELECT id FROM households WHERE code = $1")
                .bind(code).fetch_optional(c).await?);
            if let Some(id) = id {
                state.household_ids.insert(code.clone(), id);
            }
        }
        let mut seen = std::collections::HashSet::new();
        let missing: Vec<(String, Option<String>, Option<String>)> = chunk
            .iter()
            .enumerate()
            .filter(|(i, _)| !skip(*i))
            .filter_map(|(_, r)| {
                let code = household_code(tx, r.household.as_deref()?, r.street_code.as_deref());
                (!state.household_ids.contains_key(&code) && seen.insert(code.clone()))
                    .then(|| (code, r.street_code.clone(), r.committee_code.clone()))
            })
            .collect();
        if !missing.is_empty() {
            let ids = crate::register::insert_households(tx, &missing).await?;
            for (h, id) in missing.iter().zip(ids) {
                state.household_ids.insert(h.0.clone(), id);
            }
        }
    }

    let t_lookup = started.elapsed();
    // New people.
    let mut new_people = Vec::new();
    let mut new_index = Vec::new();
    for (i, r) in chunk.iter().enumerate() {
        if !existing.contains_key(&keys[i]) {
            new_people.push(NewPerson {
                external_id: None,
                id_number: r.id_number.clone(),
                name: r.name.clone(),
                phone: r.phone.clone(),
                address: r.address.clone(),
                street_code: r.street_code.clone(),
                committee_code: r.committee_code.clone(),
                household_id: household_of(tx, &state.household_ids, r),
                is_household_head: r
                    .household
                    .as_deref()
                    .is_some_and(|h| IdNumber::parse(h).ok().as_ref() == Some(&r.id_number)),
                categories: r.categories.iter().map(|c| (c.clone(), meta.since, None)).collect(),
            });
            new_index.push(i);
        }
    }
    let new_ids = crate::register::insert_people(tx, &new_people, batch_no).await?;
    state.people_created += new_ids.len() as u64;
    let mut person_ids: Vec<i64> = vec![0; chunk.len()];
    let mut created_row = vec![false; chunk.len()];
    let mut updated_row = vec![false; chunk.len()];
    for (i, id) in new_index.iter().zip(&new_ids) {
        person_ids[*i] = *id;
        created_row[*i] = true;
    }

    let t_people = started.elapsed();
    // Current category memberships of the known people in this chunk, in one query.
    let known: Vec<i64> = existing.values().map(|e| e.id).collect();
    let since = format_date(meta.since);
    let mut current: std::collections::HashSet<(i64, String)> = std::collections::HashSet::new();
    for part in known.chunks(500) {
        let list = part.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        let got: Vec<(i64, String)> = on_tx!(&mut tx.tx, c => sqlx::query_as(&format!(
            "SELECT person_id, category_code FROM person_categories WHERE person_id IN ({list})
             AND (end_date IS NULL OR end_date >= $1)"))
            .bind(&since).fetch_all(c).await?);
        current.extend(got);
    }
    // Known people: new facts only. The name is never overwritten by a list (a differing name was
    // shown as a warning to confirm).
    for (i, r) in chunk.iter().enumerate() {
        let Some(e) = existing.get(&keys[i]) else { continue };
        person_ids[i] = e.id;
        if reach[i] != Reach::Own {
            continue;
        }
        let phone = r.phone.as_ref().map(|p| p.canonical()).or_else(|| e.phone.clone());
        let address = r.address.clone().or_else(|| e.address.clone());
        let street = r.street_code.clone().or_else(|| e.street_code.clone());
        let committee = r.committee_code.clone().or_else(|| e.committee_code.clone());
        let household = household_of(tx, &state.household_ids, r).or(e.household_id);
        let changed = phone != e.phone
            || address != e.address
            || street != e.street_code
            || committee != e.committee_code
            || household != e.household_id;
        let mut cat_added = Vec::new();
        for code in &r.categories {
            if !current.contains(&(e.id, code.clone())) {
                on_tx!(&mut tx.tx, c => sqlx::query(
                    "INSERT INTO person_categories (person_id, category_code, start_date, batch_id, person_key)
                     VALUES ($1, $2, $3, $4, COALESCE((SELECT p.person_key FROM people p WHERE p.id = $1), -1))
                     ON CONFLICT DO NOTHING")
                    .bind(e.id).bind(code).bind(format_date(meta.since)).bind(tx.batch).execute(c).await?.rows_affected());
                cat_added.push(code.clone());
            }
        }
        if !changed && cat_added.is_empty() {
            continue;
        }
        if changed {
            // What undo puts back; the phone and address stay encrypted here too.
            let before = json!({
                "phone_enc": e.phone_cipher.as_ref().map(hex::encode), "address_enc": e.address_cipher.as_ref().map(hex::encode),
                "street_code": e.street_code, "committee_code": e.committee_code, "household_id": e.household_id,
            });
            on_tx!(&mut tx.tx, c => sqlx::query(
                "INSERT INTO import_person_changes (batch_id, person_id, before_json, person_key)
                 VALUES ($1, $2, $3, COALESCE((SELECT p.person_key FROM people p WHERE p.id = $2), -1)) ON CONFLICT DO NOTHING")
                .bind(tx.batch).bind(e.id).bind(before.to_string()).execute(c).await?.rows_affected());
            on_tx!(&mut tx.tx, c => sqlx::query(
                "UPDATE people SET street_code = $1, committee_code = $2, household_id = $3, updated_at = $4 WHERE id = $5")
                .bind(&street).bind(&committee).bind(household).bind(&at).bind(e.id)
                .execute(c).await?.rows_affected());
            if phone != e.phone || address != e.address {
                crate::contacts::write_contact(tx, e.id, phone.as_deref(), address.as_deref()).await?;
            }
        }
        let mask_phone = |p: &Option<String>| p.as_deref().and_then(|p| Phone::parse(p).ok()).map(|p| p.masked());
        tx.audit(
            "person.update",
            "person",
            &e.id.to_string(),
            Some(&json!({ "phone": mask_phone(&e.phone), "street_code": e.street_code, "committee_code": e.committee_code,
                          "household_id": e.household_id, "address": e.address.as_ref().map(|_| "（原地址）") })),
            Some(&json!({ "phone": mask_phone(&phone), "street_code": street, "committee_code": committee,
                          "household_id": household, "address": (address != e.address).then_some("（已变更）"),
                          "categories_added": cat_added, "batch": batch_no })),
        )
        .await?;
        updated_row[i] = true;
        state.people_updated += 1;
    }

    // Bank accounts the list gives, for the people created here and the actor's own people.
    for (i, r) in chunk.iter().enumerate() {
        let Some((holder, bank, account)) = &r.bank else { continue };
        if skip(i) || !(created_row[i] || reach[i] == Reach::Own) {
            continue;
        }
        let cipher = tx.keys().encrypt(account.digits());
        on_tx!(&mut tx.tx, c => sqlx::query(
            "UPDATE people SET bank_holder = $1, bank_name = $2, bank_account_cipher = $3, bank_account_masked = $4 WHERE id = $5")
            .bind(holder).bind(bank).bind(&cipher).bind(account.masked()).bind(person_ids[i])
            .execute(c).await?.rows_affected());
    }

    // Entitlements in the project.
    if let Some(p) = project {
        let source = p.project.planned_budget.first().map(|b| b.0.clone()).ok_or_else(|| {
            StoreError::rejected("project_no_source", format!("项目“{}”没有计划资金来源，请先设置", p.project.name))
        })?;
        let mut new = Vec::new();
        let mut new_rows = Vec::new();
        for (i, r) in chunk.iter().enumerate() {
            if !skip(i) && state.have.insert(person_ids[i]) {
                new.push(crate::campaign::NewEntitlement {
                    external_id: None,
                    project_id: p.id,
                    person_id: person_ids[i],
                    household_id: household_of(tx, &state.household_ids, r),
                    household_size: r.household_size.map(i64::from),
                    source_code: source.clone(),
                    amount: amount_for(p, r)?,
                    listed_name: Some(r.name.clone()),
                });
                new_rows.push(i);
            }
        }
        let ids = crate::campaign::insert_entitlements(tx, &new, EntitlementState::Draft, batch_no).await?;
        for i in new_rows {
            created_row[i] = true;
        }
        state.entitlements_created += ids.len() as u64;
    }

    tracing::info!(
        rows = chunk.len(),
        lookup_ms = t_lookup.as_millis() as u64,
        people_ms = (t_people - t_lookup).as_millis() as u64,
        rest_ms = (started.elapsed() - t_people).as_millis() as u64,
        "import chunk"
    );
    state.created += created_row.iter().filter(|c| **c).count() as u64;
    state.updated += (0..chunk.len()).filter(|&i| updated_row[i] && !created_row[i] && !skip(i)).count() as u64;
    Ok(())
}
