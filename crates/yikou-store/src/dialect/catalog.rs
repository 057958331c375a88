//! PostgreSQL's catalog of the store's own schema, as the distribution rules need it: tables, which
//! columns are NOT NULL, every primary key, unique constraint and unique index, every foreign key.

use crate::db::Db;
use crate::distribution::{Catalog, ForeignKey};
use crate::Result;

/// The live schema of a PostgreSQL store (its `search_path` schema); `None` on SQLite, which is
/// never distributed.
pub(crate) async fn read(db: &Db) -> Result<Option<Catalog>> {
    let Db::Postgres(p) = db else { return Ok(None) };
    let mut cat = Catalog::default();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1",
    )
    .fetch_all(p)
    .await?;
    cat.tables.extend(tables);
    let not_null: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND is_nullable = 'NO'",
    )
    .fetch_all(p)
    .await?;
    cat.not_null.extend(not_null);
    // Every unique index, whether a constraint's (primary key, UNIQUE) or created on its own.
    let unique: Vec<(String, String, Vec<String>)> = sqlx::query_as(
        "SELECT t.relname::text, i.relname::text,
                ARRAY(SELECT a.attname::text FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord)
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = current_schema() AND x.indisunique",
    )
    .fetch_all(p)
    .await?;
    cat.unique = unique;
    let fks: Vec<(String, String, Vec<String>, String, Vec<String>)> = sqlx::query_as(
        "SELECT t.relname::text, c.conname::text,
                ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord),
                r.relname::text,
                ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.ord)
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = current_schema() AND c.contype = 'f'",
    )
    .fetch_all(p)
    .await?;
    cat.foreign_keys = fks
        .into_iter()
        .map(|(table, name, columns, references, referenced)| ForeignKey {
            table,
            name,
            columns,
            references,
            referenced,
        })
        .collect();
    Ok(Some(cat))
}
