//! The prepared statement on a connection sqlx holds: rows land as bound, SQLite's refusals come back
//! typed, misuse is refused before anything runs, and the connection stays usable through sqlx.

use sqlx::{Connection, SqliteConnection};
use yikou_sqlite_bulk::{Statement, Value};

async fn connection() -> SqliteConnection {
    let mut c = SqliteConnection::connect("sqlite::memory:").await.unwrap();
    sqlx::query("PRAGMA foreign_keys = ON").execute(&mut c).await.unwrap();
    sqlx::raw_sql(
        "CREATE TABLE parent (code TEXT PRIMARY KEY);
         INSERT INTO parent VALUES ('A');
         CREATE TABLE t (id INTEGER PRIMARY KEY, k BLOB NOT NULL UNIQUE, name TEXT, n INTEGER,
                         parent TEXT REFERENCES parent(code))",
    )
    .execute(&mut c)
    .await
    .unwrap();
    c
}

#[tokio::test]
async fn rows_are_written_as_bound_even_when_the_values_are_freed_between_rows() {
    let mut c = connection().await;
    let mut ids = Vec::new();
    {
        let mut h = c.lock_handle().await.unwrap();
        let mut s = Statement::prepare(&mut h, "INSERT INTO t (k, name, n, parent) VALUES (?, ?, ?, ?)").unwrap();
        for i in 0..1000u32 {
            // Fresh allocations each row, dropped before the next: nothing may point into them later.
            let key = i.to_be_bytes().to_vec();
            let name = format!("名{i}");
            let parent = (i % 2 == 0).then(|| "A".to_string());
            ids.push(
                s.insert(&[
                    Value::Blob(&key),
                    Value::Text(&name),
                    Value::Int(i64::from(i)),
                    Value::text(parent.as_deref()),
                ])
                .unwrap(),
            );
        }
    }
    assert_eq!(ids, (1..=1000).collect::<Vec<i64>>(), "the rowid of each row, in order");
    let rows: Vec<(i64, Vec<u8>, String, i64, Option<String>)> =
        sqlx::query_as("SELECT id, k, name, n, parent FROM t ORDER BY id").fetch_all(&mut c).await.unwrap();
    for (i, (id, k, name, n, parent)) in rows.iter().enumerate() {
        assert_eq!(*id, i as i64 + 1);
        assert_eq!(k, &(i as u32).to_be_bytes().to_vec());
        assert_eq!(name, &format!("名{i}"));
        assert_eq!(*n, i as i64);
        assert_eq!(parent.as_deref(), (i % 2 == 0).then_some("A"));
    }
}

#[tokio::test]
async fn constraint_refusals_are_typed_and_leave_the_statement_usable() {
    let mut c = connection().await;
    let mut h = c.lock_handle().await.unwrap();
    let mut s = Statement::prepare(&mut h, "INSERT INTO t (k, parent) VALUES (?, ?)").unwrap();
    s.insert(&[Value::Blob(b"a"), Value::Null]).unwrap();
    let dup = s.insert(&[Value::Blob(b"a"), Value::Null]).unwrap_err();
    assert!(dup.is_unique_violation(), "{dup}");
    assert!(!dup.is_foreign_key_violation());
    let fk = s.insert(&[Value::Blob(b"b"), Value::Text("nobody")]).unwrap_err();
    assert!(fk.is_foreign_key_violation(), "{fk}");
    let null = s.insert(&[Value::Null, Value::Null]).unwrap_err();
    assert!(null.message.contains("NOT NULL"), "{null}");
    s.insert(&[Value::Blob(b"c"), Value::Text("A")]).unwrap();
    drop(s);
    drop(h);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM t").fetch_one(&mut c).await.unwrap();
    assert_eq!(n, 2, "only the two good rows");
    let mut h = c.lock_handle().await.unwrap();
    let mut moved = Statement::prepare(&mut h, "UPDATE t SET n = ? WHERE parent IS NULL OR k = ?").unwrap();
    assert_eq!(moved.execute(&[Value::Int(7), Value::Blob(b"c")]).unwrap(), 2, "execute counts the rows changed");
    assert_eq!(moved.execute(&[Value::Int(7), Value::Blob(b"zz")]).unwrap(), 1);
}

#[tokio::test]
async fn misuse_is_refused_before_anything_runs() {
    let mut c = connection().await;
    let mut h = c.lock_handle().await.unwrap();
    let two = Statement::prepare(&mut h, "INSERT INTO t (k) VALUES (?); DELETE FROM t").err().unwrap();
    assert!(two.message.contains("more than one"), "{two}");
    let rows = Statement::prepare(&mut h, "SELECT * FROM t").err().unwrap();
    assert!(rows.message.contains("returns rows"), "{rows}");
    let bad = Statement::prepare(&mut h, "INSERT INTO nowhere VALUES (?)").err().unwrap();
    assert!(bad.message.contains("no such table"), "{bad}");
    let mut s = Statement::prepare(&mut h, "INSERT INTO t (k, n) VALUES (?, ?)").unwrap();
    let count = s.insert(&[Value::Blob(b"x")]).unwrap_err();
    assert!(count.message.contains("1 values for 2 parameters"), "{count}");
    drop(s);
    drop(h);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM t").fetch_one(&mut c).await.unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn writes_join_the_transaction_sqlx_opened() {
    let mut c = connection().await;
    let mut tx = c.begin().await.unwrap();
    {
        let mut h = tx.lock_handle().await.unwrap();
        let mut s = Statement::prepare(&mut h, "INSERT INTO t (k) VALUES (?)").unwrap();
        s.insert(&[Value::Blob(b"in the transaction")]).unwrap();
    }
    tx.rollback().await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM t").fetch_one(&mut c).await.unwrap();
    assert_eq!(n, 0, "rolled back with the transaction");
}
