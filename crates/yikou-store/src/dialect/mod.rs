//! The few statements that differ between SQLite and PostgreSQL, as typed functions. Everything
//! else is written once and runs on either backend through `on_db!`/`on_tx!`; apart from db.rs this
//! is the only module that matches on the backend (a test in tests/layout.rs keeps it so).
//!
//! The differences: bulk inserts and key lookups use array parameters (`UNNEST`, `= ANY`) on
//! PostgreSQL, where one statement per 20,000 rows is fastest, and multi-row `VALUES` / `IN (…)`
//! lists on SQLite, which has no arrays and at most 32,766 bind parameters per statement; JSON
//! aggregation is `json_group_array` on SQLite and `json_agg` on PostgreSQL.

mod bulk;
pub(crate) mod catalog;
mod copy;

use copy::{copy_in, copy_line, copy_row, CopyValue};
use sqlx::{Postgres, Sqlite};

use crate::campaign::NewEntitlement;
use crate::db::{rows_per_insert, Db, Tx};
use crate::distribution::person_key;
use crate::imports::{read_existing, Existing, RegisterNames};
use crate::register::{PeopleToInsert, PersonRow};
use crate::{Result, StoreError};

/// A consistent copy of a SQLite database into a new file, taken while others write (`VACUUM INTO`
/// reads inside one read transaction).
pub(crate) async fn snapshot(db: &Db, target: &std::path::Path) -> Result<()> {
    match db {
        Db::Sqlite(p) => {
            sqlx::query("VACUUM INTO $1").bind(target.to_string_lossy().into_owned()).execute(p).await?;
            Ok(())
        }
        Db::Postgres(_) => Err(StoreError::Refused("PostgreSQL 数据库请用 pg_dump 备份".into())),
    }
}

/// PostgreSQL: a read-only repeatable-read transaction and the name of its exported snapshot (for
/// `pg_dump --snapshot`, while the transaction stays open). SQLite: none.
pub(crate) async fn export_snapshot(db: &Db) -> Result<Option<(Tx, String)>> {
    match db {
        Db::Sqlite(_) => Ok(None),
        Db::Postgres(p) => {
            let mut t = p.begin().await?;
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *t).await?;
            let name: String = sqlx::query_scalar("SELECT pg_export_snapshot()").fetch_one(&mut *t).await?;
            Ok(Some((Tx::Postgres(t), name)))
        }
    }
}

/// How many tables the database holds (PostgreSQL: in the schema the connection uses).
pub(crate) async fn table_count(db: &Db) -> Result<i64> {
    Ok(match db {
        Db::Sqlite(p) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetch_one(p).await?
        }
        Db::Postgres(p) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()")
                .fetch_one(p)
                .await?
        }
    })
}

/// One statement in each backend's spelling.
pub(crate) struct PerBackend {
    pub(crate) sqlite: &'static str,
    pub(crate) postgres: &'static str,
}

/// A value bound as a statement parameter on either backend.
pub(crate) trait Bind:
    for<'q> sqlx::Encode<'q, Sqlite> + sqlx::Type<Sqlite> + for<'q> sqlx::Encode<'q, Postgres> + sqlx::Type<Postgres> + Send
{
}
impl<T> Bind for T where
    T: for<'q> sqlx::Encode<'q, Sqlite>
        + sqlx::Type<Sqlite>
        + for<'q> sqlx::Encode<'q, Postgres>
        + sqlx::Type<Postgres>
        + Send
{
}

/// Runs a query with one parameter that returns one text value (or NULL), in the backend's spelling.
pub(crate) async fn text_scalar<B: Bind + 'static>(db: &Db, sql: &PerBackend, bind: B) -> Result<Option<String>> {
    Ok(match db {
        Db::Sqlite(p) => sqlx::query_scalar(sql.sqlite).bind(bind).fetch_one(p).await?,
        Db::Postgres(p) => sqlx::query_scalar(sql.postgres).bind(bind).fetch_one(p).await?,
    })
}

/// Reads a large table's rows (`columns` of `rest`, the FROM and WHERE clauses with `$1`/`$2` a range
/// of ids, `id > $1 AND id <= $2`, and `$3` the number `bind`) into `out`, reserved for the whole
/// table first (no doubling). PostgreSQL streams them with COPY, a JSON array a line (one whole-table
/// `json_agg` text was up to 100 MB at city scale, and slow); SQLite reads packed JSON a range of ids
/// at a time on one connection, whose page cache, filled with the table's pages, is emptied
/// afterwards instead of staying at up to 64 MB.
pub(crate) async fn packed_ranges<T: serde::de::DeserializeOwned>(
    db: &Db,
    table: &str,
    columns: &str,
    rest: &str,
    bind: i64,
    out: &mut Vec<T>,
) -> Result<()> {
    const RANGE: i64 = 20_000;
    let extent = format!("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM {table}");
    match db {
        Db::Postgres(p) => {
            let (count, _): (i64, i64) = sqlx::query_as(&extent).fetch_one(p).await?;
            out.reserve(usize::try_from(count).unwrap_or(0));
            // COPY takes no parameters: the range is the whole table and the bound value a number.
            let rest = rest.replace("$1", "0").replace("$2", &i64::MAX.to_string()).replace("$3", &bind.to_string());
            copy::json_lines(p, &format!("COPY (SELECT json_build_array({columns}) {rest}) TO STDOUT"), out).await?;
        }
        Db::Sqlite(p) => {
            let sql = packed_select_db(db, columns, rest);
            let mut c = p.acquire().await?;
            let (count, top): (i64, i64) = sqlx::query_as(&extent).fetch_one(&mut *c).await?;
            out.reserve(usize::try_from(count).unwrap_or(0));
            let mut after = 0i64;
            while after < top {
                let packed: Option<String> =
                    sqlx::query_scalar(&sql).bind(after).bind(after + RANGE).bind(bind).fetch_one(&mut *c).await?;
                after += RANGE;
                out.extend(unpack::<T>(packed, "比对数据")?);
            }
            sqlx::query("PRAGMA shrink_memory").execute(&mut *c).await?;
        }
    }
    Ok(())
}

/// `SELECT` of one JSON array holding a row array per row (`columns`) of `rest` (the FROM and WHERE
/// clauses): `json_group_array` on SQLite (`[]` when no row matches), `json_agg` on PostgreSQL (NULL).
pub(crate) fn packed_select(tx: &Tx, columns: &str, rest: &str) -> String {
    packed(matches!(tx, Tx::Sqlite(_)), columns, rest)
}

/// [`packed_select`] for a read on the pool.
pub(crate) fn packed_select_db(db: &Db, columns: &str, rest: &str) -> String {
    packed(matches!(db, Db::Sqlite(_)), columns, rest)
}

fn packed(sqlite: bool, columns: &str, rest: &str) -> String {
    if sqlite {
        format!("SELECT json_group_array(json_array({columns})) {rest}")
    } else {
        format!("SELECT json_agg(json_build_array({columns}))::text {rest}")
    }
}

/// The names of the people `scope` may see, by the first 16 bytes of their keyed hash, into
/// `names`. PostgreSQL streams them out with COPY (its fastest way out: 1,000,000 people in
/// ≈ 0.4 s); SQLite reads ranges of ids as packed JSON, all on one connection (SQLite's page cache
/// is per connection: ranges spread over the pool would fill each connection's cache with the
/// same table). Only the first 128 bits of each keyed hash are read.
pub(crate) async fn read_register(db: &Db, scope: &yikou_domain::Scope, names: &mut RegisterNames) -> Result<()> {
    let (cond, arg) = crate::scope::people(scope, 1);
    // COPY takes no parameters: the area's code is written into the statement, so only a code of
    // letters, digits and dashes (as unit codes are) goes that way.
    let plain = |a: &String| a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if let (Db::Postgres(p), true) = (db, arg.as_ref().is_none_or(plain)) {
        use sqlx::postgres::PgPoolCopyExt;
        let cond = match &arg {
            Some(a) => cond.replace("$1", &format!("'{a}'")),
            None => cond,
        };
        let sql = format!(
            "COPY (SELECT encode(substr(pe.id_key, 1, 16), 'hex'), pe.name FROM people pe WHERE {cond}) TO STDOUT"
        );
        let mut out = p.copy_out_raw(&sql).await?;
        let mut carry: Vec<u8> = Vec::new();
        while let Some(chunk) = std::future::poll_fn(|cx| out.as_mut().poll_next(cx)).await {
            carry.extend_from_slice(&chunk?);
            let mut at = 0;
            while let Some(end) = carry[at..].iter().position(|b| *b == b'\n') {
                copy_line(&carry[at..at + end], names);
                at += end + 1;
            }
            carry.drain(..at);
        }
        return Ok(());
    }
    let (cond, arg) = crate::scope::people(scope, 3);
    const RANGE: i64 = 50_000;
    let sql = packed_select_db(
        db,
        &format!("{}, pe.name", hex_db(db, "substr(pe.id_key, 1, 16)")),
        &format!("FROM people pe WHERE pe.id > $1 AND pe.id <= $2 AND {cond}"),
    );
    crate::on_db!(db, p => {
        let mut c = p.acquire().await?;
        let top: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM people").fetch_one(&mut *c).await?;
        let mut after = 0i64;
        while after < top.unwrap_or(0) {
            let q = sqlx::query_scalar(&sql).bind(after).bind(after + RANGE);
            let q = match &arg { Some(a) => q.bind(a.clone()), None => q };
            let packed: Option<String> = q.fetch_one(&mut *c).await?;
            after += RANGE;
            if let Some(packed) = packed {
                names.add_packed(&packed)?;
            }
        }
    });
    Ok(())
}

/// A blob as hexadecimal text (SQLite upper case, PostgreSQL lower case: both read by `hex`).
pub(crate) fn hex_db(db: &Db, expr: &str) -> String {
    match db {
        Db::Sqlite(_) => format!("hex({expr})"),
        Db::Postgres(_) => format!("encode({expr}, 'hex')"),
    }
}

/// The rows of a [`packed_select`] (none when nothing matched: NULL on PostgreSQL, `[]` on
/// SQLite); `what` names the data in the message when the value cannot be read.
pub(crate) fn unpack<T: serde::de::DeserializeOwned>(packed: Option<String>, what: &str) -> Result<Vec<T>> {
    match packed {
        None => Ok(Vec::new()),
        Some(t) => serde_json::from_str(&t).map_err(|e| StoreError::Invalid(format!("{what}数据无法读取：{e}"))),
    }
}

/// Households by code: `(id, code)` for the codes registered (at most 500 codes at a time).
pub(crate) async fn households_by_code(tx: &mut Tx, codes: &[&str]) -> Result<Vec<(i64, String)>> {
    Ok(match tx {
        Tx::Postgres(t) => {
            sqlx::query_as("SELECT id, code FROM households WHERE code = ANY($1)")
                .bind(codes.iter().map(|c| c.to_string()).collect::<Vec<_>>())
                .fetch_all(&mut **t)
                .await?
        }
        Tx::Sqlite(t) => {
            let mut qb = sqlx::QueryBuilder::new("SELECT id, code FROM households WHERE code IN (");
            let mut sep = qb.separated(", ");
            for c in codes {
                sep.push_bind(c.to_string());
            }
            qb.push(")");
            qb.build_query_as().fetch_all(&mut **t).await?
        }
    })
}

/// People registered under the given ID keys, with their key (up to `BULK_ROWS` keys at a time).
pub(crate) async fn people_by_key(tx: &mut Tx, keys: &[Vec<u8>]) -> Result<Vec<(Vec<u8>, Existing)>> {
    Ok(match tx {
        Tx::Postgres(t) => sqlx::query(
            "SELECT id, id_key, name, phone_cipher, address_cipher, street_code, committee_code, household_id FROM people
             WHERE id_key = ANY($1::bytea[])",
        )
        .bind(keys.to_vec())
        .fetch_all(&mut **t)
        .await?
        .into_iter()
        .map(|r| read_existing(&r))
        .collect::<std::result::Result<Vec<_>, sqlx::Error>>()?,
        Tx::Sqlite(t) => {
            let mut got = Vec::new();
            for part in keys.chunks(500) {
                let mut qb = sqlx::QueryBuilder::new(
                    "SELECT id, id_key, name, phone_cipher, address_cipher, street_code, committee_code, household_id FROM people WHERE id_key IN (",
                );
                let mut sep = qb.separated(", ");
                for k in part {
                    sep.push_bind(k.clone());
                }
                qb.push(")");
                for r in qb.build().fetch_all(&mut **t).await? {
                    got.push(read_existing(&r)?);
                }
            }
            got
        }
    })
}

/// Inserts households `(code, street, committee)` created at `at`; returns `(id, code)` per row
/// (in no promised order).
pub(crate) async fn insert_households(
    tx: &mut Tx,
    rows: &[(String, Option<String>, Option<String>)],
    at: &str,
) -> Result<Vec<(i64, String)>> {
    Ok(match tx {
        // PostgreSQL: one statement per chunk with array parameters (far fewer bind parameters).
        Tx::Postgres(t) => {
            sqlx::query_as(
                "INSERT INTO households (code, street_code, committee_code, created_at)
                 SELECT code, s, cm, $4 FROM UNNEST($1::text[], $2::text[], $3::text[]) AS u(code, s, cm)
                 RETURNING id, code",
            )
            .bind(rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.2.clone()).collect::<Vec<_>>())
            .bind(at)
            .fetch_all(&mut **t)
            .await?
        }
        Tx::Sqlite(t) => {
            let mut got = Vec::with_capacity(rows.len());
            for part in rows.chunks(rows_per_insert(4)) {
                let mut qb =
                    sqlx::QueryBuilder::new("INSERT INTO households (code, street_code, committee_code, created_at) ");
                qb.push_values(part, |mut b, (code, s, cm)| {
                    b.push_bind(code.clone()).push_bind(s.clone()).push_bind(cm.clone()).push_bind(at.to_string());
                });
                qb.push(" RETURNING id, code");
                got.extend(qb.build_query_as::<(i64, String)>().fetch_all(&mut **t).await?);
            }
            got
        }
    })
}

/// Inserts people in their key order; returns their ids in that order. A key already registered
/// (someone registered the person meanwhile) refuses the write: a conflict.
pub(crate) async fn insert_people(
    tx: &mut Tx,
    people: &PeopleToInsert<'_>,
    at: &str,
    batch: Option<i64>,
) -> Result<Vec<i64>> {
    if people.is_empty() {
        return Ok(Vec::new());
    }
    match tx {
        Tx::Postgres(t) => {
            let mut ids = Vec::with_capacity(people.len());
            for start in (0..people.len()).step_by(crate::db::BULK_ROWS) {
                let end = (start + crate::db::BULK_ROWS).min(people.len());
                let rows: Vec<PersonRow<'_>> = (start..end).map(|j| people.row(j)).collect();
                ids.extend(copy_people(t, &rows, at, batch).await?);
            }
            Ok(ids)
        }
        Tx::Sqlite(t) => bulk::people(t, people, at, batch).await,
    }
}

/// PostgreSQL: the people go straight in with COPY, under ids taken from the table's own sequence
/// beforehand (COPY returns nothing). Callers pass only people not yet registered; one registered
/// meanwhile by someone else makes the unique key refuse the whole COPY (a conflict, nothing written).
async fn copy_people(
    t: &mut sqlx::Transaction<'static, Postgres>,
    rows: &[PersonRow<'_>],
    at: &str,
    batch: Option<i64>,
) -> Result<Vec<i64>> {
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('people', 'id')) FROM generate_series(1, $1)")
            .bind(rows.len() as i64)
            .fetch_all(&mut **t)
            .await?;
    let mut buf = String::with_capacity(rows.len() * 400);
    for (r, id) in rows.iter().zip(&ids) {
        let fields: [CopyValue<'_>; 20] = [
            CopyValue::Int(Some(*id)),
            CopyValue::Bytes(Some(r.key)),
            CopyValue::Bytes(Some(&r.cipher)),
            CopyValue::Text(Some(&r.masked)),
            CopyValue::Text(Some(r.name)),
            CopyValue::Text(Some(r.p.id_number.sex().code())),
            CopyValue::Text(Some(&yikou_domain::format_date(r.p.id_number.birth_date()))),
            CopyValue::Bytes(r.phone.cipher.as_deref()),
            CopyValue::Bytes(r.address.as_deref()),
            CopyValue::Text(r.p.street_code.as_deref()),
            CopyValue::Text(r.p.committee_code.as_deref()),
            CopyValue::Int(r.p.household_id),
            CopyValue::Int(Some(i64::from(r.p.is_household_head))),
            CopyValue::Text(Some(at)),
            CopyValue::Text(Some(at)),
            CopyValue::Int(batch),
            CopyValue::Text(r.p.external_id.as_deref()),
            CopyValue::Bytes(r.phone.key.as_deref()),
            CopyValue::Text(r.phone.masked.as_deref()),
            CopyValue::Int(Some(person_key(r.key))),
        ];
        copy_row(&mut buf, &fields);
    }
    let statement =
        "COPY people (id, id_key, id_cipher, id_masked, name, sex, birth_date, phone_cipher, address_cipher,
         street_code, committee_code, household_id, is_household_head, created_at, updated_at, batch_id, external_id,
         phone_key, phone_masked, person_key) FROM STDIN";
    match copy_in(t, statement, buf).await {
        Ok(()) => Ok(ids),
        Err(sqlx::Error::Database(d)) if d.code().as_deref() == Some("23505") => {
            Err(StoreError::Conflict("有身份证号已在帮困对象库中（可能刚由他人登记），不能重复登记：请重新导入".into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// Writes a cross-check run's findings `(position, key, kind, facts, body)` and the streets they name
/// `(street, position)`: COPY on PostgreSQL (at city scale 240,890 findings: multi-row INSERTs took
/// ≈ 4 s there), multi-row INSERTs on SQLite.
pub(crate) async fn insert_check_findings(
    tx: &mut Tx,
    campaign_id: i64,
    findings: &[(i64, &str, &str, &str, String)],
    streets: &[(&str, i64)],
) -> std::result::Result<(), sqlx::Error> {
    match tx {
        Tx::Postgres(t) => {
            let mut buf = String::with_capacity(findings.iter().map(|f| f.3.len() + 64).sum());
            for (i, key, kind, facts, body) in findings {
                let fields = [
                    CopyValue::Int(Some(campaign_id)),
                    CopyValue::Int(Some(*i)),
                    CopyValue::Text(Some(key)),
                    CopyValue::Text(Some(kind)),
                    CopyValue::Text(Some(facts)),
                    CopyValue::Text(Some(body)),
                ];
                copy_row(&mut buf, &fields);
            }
            copy_in(t, "COPY check_findings (campaign_id, position, finding_key, kind, facts, body) FROM STDIN", buf)
                .await?;
            let mut buf = String::with_capacity(streets.len() * 32);
            for (street, i) in streets {
                copy_row(
                    &mut buf,
                    &[CopyValue::Int(Some(campaign_id)), CopyValue::Text(Some(street)), CopyValue::Int(Some(*i))],
                );
            }
            copy_in(t, "COPY check_finding_streets (campaign_id, street_code, position) FROM STDIN", buf).await?;
        }
        Tx::Sqlite(t) => {
            for part in findings.chunks(rows_per_insert(6)) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO check_findings (campaign_id, position, finding_key, kind, facts, body) ",
                );
                q.push_values(part, |mut b, (i, key, kind, facts, body)| {
                    b.push_bind(campaign_id).push_bind(*i).push_bind(*key).push_bind(*kind).push_bind(*facts);
                    b.push_bind(body.as_str());
                });
                q.build().execute(&mut **t).await?;
            }
            for part in streets.chunks(rows_per_insert(3)) {
                let mut q =
                    sqlx::QueryBuilder::new("INSERT INTO check_finding_streets (campaign_id, street_code, position) ");
                q.push_values(part, |mut b, (street, i)| {
                    b.push_bind(campaign_id).push_bind(*street).push_bind(*i);
                });
                q.build().execute(&mut **t).await?;
            }
        }
    }
    Ok(())
}

/// Inserts category memberships `(person, person's key, category, start, end)`. A category code
/// that does not exist is refused with a message that says so.
pub(crate) async fn insert_categories(
    tx: &mut Tx,
    rows: &[(i64, i64, String, String, Option<String>)],
    batch: Option<i64>,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    match tx {
        Tx::Postgres(t) => {
            // Straight in with COPY: nothing to read back.
            let mut buf = String::with_capacity(rows.len() * 56);
            for (id, key, code, start, end) in rows {
                let fields = [
                    CopyValue::Int(Some(*id)),
                    CopyValue::Int(Some(*key)),
                    CopyValue::Text(Some(code)),
                    CopyValue::Text(Some(start)),
                    CopyValue::Text(end.as_deref()),
                    CopyValue::Int(batch),
                ];
                copy_row(&mut buf, &fields);
            }
            copy_in(
                t,
                "COPY person_categories (person_id, person_key, category_code, start_date, end_date, batch_id) FROM STDIN",
                buf,
            )
            .await
            .map_err(|e| match e {
                sqlx::Error::Database(d) if d.is_foreign_key_violation() => category_unknown(),
                e => e.into(),
            })
        }
        Tx::Sqlite(t) => bulk::categories(t, rows, batch).await,
    }
}

fn category_unknown() -> StoreError {
    StoreError::rejected("category_unknown", "类别代码不存在，请先在类别设置中添加")
}

/// Inserts entitlements in `state` (approved amount set when `approved`); returns their ids (in no
/// promised order).
pub(crate) async fn insert_entitlements(
    tx: &mut Tx,
    rows: &[NewEntitlement],
    units: &[String],
    approved: bool,
    state: &str,
    at: &str,
    batch: Option<i64>,
) -> std::result::Result<Vec<i64>, sqlx::Error> {
    // Each row's person's key, read in one statement per chunk (-1, which no person has, when there
    // is no such person: the foreign key then refuses the row).
    let mut person_ids: Vec<i64> = rows.iter().map(|r| r.person_id).collect();
    person_ids.sort_unstable();
    person_ids.dedup();
    let found = crate::register::person_keys(tx, &person_ids).await?;
    let keys: Vec<i64> = rows.iter().map(|r| found.get(&r.person_id).copied().unwrap_or(-1)).collect();
    Ok(match tx {
        Tx::Postgres(t) => {
            sqlx::query_scalar(
                "INSERT INTO entitlements (project_id, person_id, household_id, household_size, source_code, amount_fen,
                 approved_amount_fen, state, created_at, updated_at, batch_id, external_id, listed_name, unit_code,
                 person_key)
                 SELECT pr, pe, h, hs, src, amt, CASE WHEN $7 THEN amt END, $8, $9, $9, $10, x, ln, un, k
                 FROM UNNEST($1::int8[], $2::int8[], $3::int8[], $4::int8[], $5::text[], $6::int8[], $11::text[], $12::text[],
                             $13::text[], $14::int8[])
                      WITH ORDINALITY AS u(pr, pe, h, hs, src, amt, x, ln, un, k, ord)
                 ORDER BY ord
                 RETURNING id",
            )
            .bind(rows.iter().map(|r| r.project_id).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.person_id).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.household_id).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.household_size).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.source_code.clone()).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.amount.0).collect::<Vec<_>>())
            .bind(approved)
            .bind(state)
            .bind(at)
            .bind(batch)
            .bind(rows.iter().map(|r| r.external_id.clone()).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.listed_name.clone()).collect::<Vec<_>>())
            .bind(units)
            .bind(&keys)
            .fetch_all(&mut **t)
            .await?
        }
        Tx::Sqlite(t) => {
            let mut got = Vec::with_capacity(rows.len());
            let per = rows_per_insert(15);
            for ((part, part_units), part_keys) in rows.chunks(per).zip(units.chunks(per)).zip(keys.chunks(per)) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO entitlements (project_id, person_id, household_id, household_size, source_code, amount_fen,
                     approved_amount_fen, state, created_at, updated_at, batch_id, external_id, listed_name, unit_code,
                     person_key) ",
                );
                qb.push_values(part.iter().zip(part_units).zip(part_keys), |mut b, ((r, unit), key)| {
                    b.push_bind(r.project_id)
                        .push_bind(r.person_id)
                        .push_bind(r.household_id)
                        .push_bind(r.household_size)
                        .push_bind(r.source_code.clone())
                        .push_bind(r.amount.0)
                        .push_bind(approved.then_some(r.amount.0))
                        .push_bind(state.to_string())
                        .push_bind(at.to_string())
                        .push_bind(at.to_string())
                        .push_bind(batch)
                        .push_bind(r.external_id.clone())
                        .push_bind(r.listed_name.clone())
                        .push_bind(unit.clone())
                        .push_bind(*key);
                });
                qb.push(" RETURNING id");
                got.extend(qb.build_query_scalar::<i64>().fetch_all(&mut **t).await?);
            }
            got
        }
    })
}

/// Approves the submitted entries of a roster: the amount and the person's facts as they stand now
/// (name, street, committee, household, current categories) are frozen on each. Returns how many.
pub(crate) async fn approve_roster(tx: &mut Tx, project_id: i64, unit: &str, at: &str, by: &str) -> Result<u64> {
    const SET: &str = "UPDATE entitlements SET state = 'approved', approved_amount_fen = amount_fen,
        approved_at = $3, approved_by = $4, updated_at = $3,
        approved_name = (SELECT pe.name FROM people pe WHERE pe.id = entitlements.person_id),
        approved_street = (SELECT pe.street_code FROM people pe WHERE pe.id = entitlements.person_id),
        approved_committee = (SELECT pe.committee_code FROM people pe WHERE pe.id = entitlements.person_id),
        approved_household_id = (SELECT pe.household_id FROM people pe WHERE pe.id = entitlements.person_id),
        approved_categories = ";
    const WHERE: &str = " WHERE project_id = $1 AND unit_code = $2 AND state = 'submitted'";
    Ok(match tx {
        Tx::Sqlite(t) => {
            let sql = format!(
                "{SET}(SELECT group_concat(c, ',') FROM (SELECT pc.category_code AS c FROM person_categories pc
                 WHERE pc.person_id = entitlements.person_id AND pc.end_date IS NULL ORDER BY pc.category_code)){WHERE}"
            );
            sqlx::query(&sql).bind(project_id).bind(unit).bind(at).bind(by).execute(&mut **t).await?.rows_affected()
        }
        Tx::Postgres(t) => {
            let sql = format!(
                "{SET}(SELECT string_agg(pc.category_code, ',' ORDER BY pc.category_code) FROM person_categories pc
                 WHERE pc.person_id = entitlements.person_id AND pc.end_date IS NULL){WHERE}"
            );
            sqlx::query(&sql).bind(project_id).bind(unit).bind(at).bind(by).execute(&mut **t).await?.rows_affected()
        }
    })
}
