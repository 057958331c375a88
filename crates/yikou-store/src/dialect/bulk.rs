//! SQLite's bulk writes, shaped as SQLite's own floor writes them (bench/sqlite_floor.sh): the rows
//! go first into a TEMP table without keys or indexes, each by one prepared single-row statement
//! with its values bound in place (`yikou_sqlite_bulk`), then into the real table with one
//! `INSERT … SELECT` in key order. Against multi-row `INSERT … VALUES` through the driver this saves
//! the driver's copies of every value and the statement journal SQLite keeps for each multi-row
//! statement inside a transaction (one statement a list now, not one per 1,700 rows); against
//! stepping the real table row by row, the per-row opening of its nine cursors
//! (docs/BENCHMARKS.md, "Point 1").

use sqlx::Sqlite;
use yikou_sqlite_bulk::{Statement, Value};

use crate::distribution::person_key;
use crate::register::{PeopleToInsert, PersonRow};
use crate::{Result, StoreError};

type SqliteTx = sqlx::Transaction<'static, Sqlite>;
type Handle<'c> = sqlx::sqlite::LockedSqliteHandle<'c>;

/// Runs SQLite's synchronous work: on a multi-threaded runtime the worker hands its other tasks on
/// first (a large list keeps SQLite busy for seconds).
fn blocking<R>(f: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// Runs one statement without parameters.
fn exec(handle: &mut Handle<'_>, sql: &str) -> Result<u64> {
    Ok(Statement::prepare(handle, sql)?.execute(&[])?)
}

/// Rows prepared (encrypted) ahead of the writer at a time.
const PART: usize = 1024;

const PEOPLE_COLUMNS: &str = "id_key, id_cipher, id_masked, name, sex, birth_date, phone_cipher, address_cipher,
     street_code, committee_code, household_id, is_household_head, created_at, updated_at, batch_id, external_id,
     phone_key, phone_masked, person_key";

/// Inserts the people in their key order; returns their ids in that order. The rows are encrypted
/// on a second thread, a part ahead, while this one stages them. A key already registered refuses
/// the whole write (a conflict; nothing of it is left).
pub(super) async fn people(
    t: &mut SqliteTx,
    people: &PeopleToInsert<'_>,
    at: &str,
    batch: Option<i64>,
) -> Result<Vec<i64>> {
    let mut handle = t.lock_handle().await?;
    blocking(|| {
        let (moved, last) = staged(&mut handle, "people", PEOPLE_COLUMNS, |stage| {
            if people.len() <= PART {
                return (0..people.len()).try_for_each(|j| stage_person(stage, &people.row(j), at, batch));
            }
            std::thread::scope(|scope| {
                let (send, parts) = std::sync::mpsc::sync_channel::<Vec<PersonRow<'_>>>(4);
                scope.spawn(move || {
                    for start in (0..people.len()).step_by(PART) {
                        let part = (start..(start + PART).min(people.len())).map(|j| people.row(j)).collect();
                        // The writer stopped (an error): nothing more to prepare.
                        if send.send(part).is_err() {
                            break;
                        }
                    }
                });
                parts.iter().try_for_each(|part| part.iter().try_for_each(|r| stage_person(stage, r, at, batch)))
            })
        })?;
        let moved = moved.map_err(|e| {
            if e.is_unique_violation() {
                StoreError::Conflict("名单中有身份证号已在帮困对象库中（可能有人同时导入），请重新检查后再导入".into())
            } else {
                e.into()
            }
        })?;
        if moved != people.len() as u64 {
            return Err(StoreError::Conflict(format!("登记人数不符（{moved} / {}），请重新导入", people.len())));
        }
        // Ids follow the staged order: one statement into an INTEGER PRIMARY KEY table under the
        // write lock we hold numbers its rows consecutively, ending at the last rowid.
        Ok((last - moved as i64 + 1..=last).collect())
    })
}

/// Stages rows into `temp.stage_<table>` (same columns, no keys or indexes) with `fill`, which gets
/// the prepared single-row INSERT, then moves them into `table` in staged order with one statement
/// and empties the stage whatever happened. Returns the move's outcome (rows moved, or SQLite's
/// refusal for the caller to name) and the last rowid inserted.
fn staged(
    handle: &mut Handle<'_>,
    table: &str,
    columns: &str,
    fill: impl FnOnce(&mut Statement<'_>) -> Result<()>,
) -> Result<(std::result::Result<u64, yikou_sqlite_bulk::Error>, i64)> {
    exec(handle, &format!("CREATE TEMP TABLE IF NOT EXISTS stage_{table} ({columns})"))?;
    exec(handle, &format!("DELETE FROM temp.stage_{table}"))?;
    let placeholders = vec!["?"; columns.split(',').count()].join(", ");
    let filled =
        Statement::prepare(handle, &format!("INSERT INTO temp.stage_{table} ({columns}) VALUES ({placeholders})"))
            .map_err(StoreError::from)
            .and_then(|mut stage| fill(&mut stage));
    let moved = filled.and_then(|()| {
        let mut into = Statement::prepare(
            handle,
            &format!("INSERT INTO {table} ({columns}) SELECT {columns} FROM temp.stage_{table} ORDER BY rowid"),
        )?;
        let moved = into.execute(&[]);
        Ok((moved, into.last_insert_rowid()))
    });
    // The stage's rows (encrypted, but with no reason to stay) go in every case.
    exec(handle, &format!("DELETE FROM temp.stage_{table}"))?;
    moved
}

fn stage_person(s: &mut Statement<'_>, r: &PersonRow<'_>, at: &str, batch: Option<i64>) -> Result<()> {
    let birth = yikou_domain::format_date(r.p.id_number.birth_date());
    s.execute(&[
        Value::Blob(r.key),
        Value::Blob(&r.cipher),
        Value::Text(&r.masked),
        Value::Text(r.name),
        Value::Text(r.p.id_number.sex().code()),
        Value::Text(&birth),
        Value::blob(r.phone.cipher.as_deref()),
        Value::blob(r.address.as_deref()),
        Value::text(r.p.street_code.as_deref()),
        Value::text(r.p.committee_code.as_deref()),
        Value::int(r.p.household_id),
        Value::Int(i64::from(r.p.is_household_head)),
        Value::Text(at),
        Value::Text(at),
        Value::int(batch),
        Value::text(r.p.external_id.as_deref()),
        Value::blob(r.phone.key.as_deref()),
        Value::text(r.phone.masked.as_deref()),
        Value::Int(person_key(r.key)),
    ])?;
    Ok(())
}

const CATEGORY_COLUMNS: &str = "person_id, person_key, category_code, start_date, end_date, batch_id";

/// Inserts category memberships `(person, person's key, category, start, end)`, staged the same way.
pub(super) async fn categories(
    t: &mut SqliteTx,
    rows: &[(i64, i64, String, String, Option<String>)],
    batch: Option<i64>,
) -> Result<()> {
    let mut handle = t.lock_handle().await?;
    blocking(|| {
        let (moved, _) = staged(&mut handle, "person_categories", CATEGORY_COLUMNS, |stage| {
            for (id, key, code, start, end) in rows {
                stage.execute(&[
                    Value::Int(*id),
                    Value::Int(*key),
                    Value::Text(code),
                    Value::Text(start),
                    Value::text(end.as_deref()),
                    Value::int(batch),
                ])?;
            }
            Ok(())
        })?;
        match moved {
            Err(e) if e.is_foreign_key_violation() => Err(super::category_unknown()),
            other => Ok(other.map(|_| ())?),
        }
    })
}
