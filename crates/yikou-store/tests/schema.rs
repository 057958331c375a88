//! The SQLite and PostgreSQL migrations describe the same database: the same tables, the same
//! columns, and the same explicitly created indexes over the same columns. (Types are each
//! backend's own; constraint-backed indexes are named by each engine and are compared by the
//! constraints' effect elsewhere.) Runs when YIKOU_TEST_POSTGRES_URL is set, as CI does.

mod common;

use std::collections::BTreeSet;

use common::backends;
use yikou_store::{on_db, Store};

/// (table, column) pairs and (index, table, columns) triples.
type Shape = (BTreeSet<(String, String)>, BTreeSet<(String, String, String)>);

async fn sqlite_shape(s: &Store) -> Shape {
    let mut columns = BTreeSet::new();
    let mut indexes = BTreeSet::new();
    let tables: Vec<String> = on_db!(s.db(), p => sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .fetch_all(p).await.unwrap());
    for t in &tables {
        let cols: Vec<String> = on_db!(s.db(), p => sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{t}')"))
            .fetch_all(p).await.unwrap());
        columns.extend(cols.into_iter().map(|c| (t.clone(), c)));
    }
    let idx: Vec<(String, String)> = on_db!(s.db(), p => sqlx::query_as(
        "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").fetch_all(p).await.unwrap());
    for (name, table) in idx {
        let cols: Vec<String> = on_db!(s.db(), p => sqlx::query_scalar(
            &format!("SELECT name FROM pragma_index_info('{name}') ORDER BY seqno")).fetch_all(p).await.unwrap());
        indexes.insert((name, table, cols.join(",")));
    }
    (columns, indexes)
}

async fn postgres_shape(s: &Store) -> Shape {
    let cols: Vec<(String, String)> = on_db!(s.db(), p => sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = current_schema()")
        .fetch_all(p).await.unwrap());
    let idx: Vec<(String, String, String)> = on_db!(s.db(), p => sqlx::query_as(
        "SELECT i.relname::text, t.relname::text,
                (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum)
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = current_schema()
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)")
        .fetch_all(p).await.unwrap());
    (cols.into_iter().collect(), idx.into_iter().collect())
}

fn only<T: Ord + Clone>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> Vec<T> {
    a.difference(b).cloned().collect()
}

#[tokio::test]
async fn sqlite_and_postgresql_migrations_describe_the_same_tables_columns_and_indexes() {
    let stores = backends().await;
    let Some(pg) = stores.iter().find(|b| b.name == "postgres") else {
        eprintln!("note: YIKOU_TEST_POSTGRES_URL not set, schema parity not checked");
        return;
    };
    let sqlite = stores.iter().find(|b| b.name == "sqlite").unwrap();
    let (lc, li) = sqlite_shape(&sqlite.store).await;
    let (pc, pi) = postgres_shape(&pg.store).await;
    assert!(lc.len() > 50 && li.len() > 5, "the introspection found the schema");
    assert_eq!(only(&lc, &pc), Vec::<(String, String)>::new(), "columns only on SQLite");
    assert_eq!(only(&pc, &lc), Vec::<(String, String)>::new(), "columns only on PostgreSQL");
    assert_eq!(only(&li, &pi), Vec::<(String, String, String)>::new(), "indexes only on SQLite");
    assert_eq!(only(&pi, &li), Vec::<(String, String, String)>::new(), "indexes only on PostgreSQL");
}
