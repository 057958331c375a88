//! One `Db` over a SQLite pool or a PostgreSQL pool. Queries are written once, in the SQL both
//! dialects accept, and run on either pool through the `on_db!`/`on_tx!` macros, which expand the
//! same body once per backend so each arm type-checks against its own driver.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

use crate::StoreError;

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A transaction on either backend.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$p` bound to the pool of whichever backend `$db` is.
#[macro_export]
#[doc(hidden)]
macro_rules! on_db {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($p) => $body,
            $crate::db::Db::Postgres($p) => $body,
        }
    };
}

/// Runs `$body` with `$c` bound to the transaction's connection.
#[macro_export]
#[doc(hidden)]
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::db::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

/// Migrations per backend, with the same names; embedded so the binary carries its schema.
const MIGRATIONS: &[(&str, &str, &str)] = &[
    (
        "0001_init",
        include_str!("../migrations/sqlite/0001_init.sql"),
        include_str!("../migrations/postgres/0001_init.sql"),
    ),
    (
        "0002_imports",
        include_str!("../migrations/sqlite/0002_imports.sql"),
        include_str!("../migrations/postgres/0002_imports.sql"),
    ),
    (
        "0003_exchange",
        include_str!("../migrations/sqlite/0003_exchange.sql"),
        include_str!("../migrations/postgres/0003_exchange.sql"),
    ),
    (
        "0004_check",
        include_str!("../migrations/sqlite/0004_check.sql"),
        include_str!("../migrations/postgres/0004_check.sql"),
    ),
    (
        "0005_web",
        include_str!("../migrations/sqlite/0005_web.sql"),
        include_str!("../migrations/postgres/0005_web.sql"),
    ),
    (
        "0006_contacts",
        include_str!("../migrations/sqlite/0006_contacts.sql"),
        include_str!("../migrations/postgres/0006_contacts.sql"),
    ),
    (
        "0007_security",
        include_str!("../migrations/sqlite/0007_security.sql"),
        include_str!("../migrations/postgres/0007_security.sql"),
    ),
    (
        "0008_auth",
        include_str!("../migrations/sqlite/0008_auth.sql"),
        include_str!("../migrations/postgres/0008_auth.sql"),
    ),
    (
        "0009_audit_seal",
        include_str!("../migrations/sqlite/0009_audit_seal.sql"),
        include_str!("../migrations/postgres/0009_audit_seal.sql"),
    ),
    (
        "0010_activation",
        include_str!("../migrations/sqlite/0010_activation.sql"),
        include_str!("../migrations/postgres/0010_activation.sql"),
    ),
    (
        "0011_rosters",
        include_str!("../migrations/sqlite/0011_rosters.sql"),
        include_str!("../migrations/postgres/0011_rosters.sql"),
    ),
    (
        "0012_payments",
        include_str!("../migrations/sqlite/0012_payments.sql"),
        include_str!("../migrations/postgres/0012_payments.sql"),
    ),
    (
        "0013_followup",
        include_str!("../migrations/sqlite/0013_followup.sql"),
        include_str!("../migrations/postgres/0013_followup.sql"),
    ),
    (
        "0014_person_state_index",
        include_str!("../migrations/sqlite/0014_person_state_index.sql"),
        include_str!("../migrations/postgres/0014_person_state_index.sql"),
    ),
    (
        "0015_unit_reports",
        include_str!("../migrations/sqlite/0015_unit_reports.sql"),
        include_str!("../migrations/postgres/0015_unit_reports.sql"),
    ),
    (
        "0016_people_street_order",
        include_str!("../migrations/sqlite/0016_people_street_order.sql"),
        include_str!("../migrations/postgres/0016_people_street_order.sql"),
    ),
    (
        "0017_data_version",
        include_str!("../migrations/sqlite/0017_data_version.sql"),
        include_str!("../migrations/postgres/0017_data_version.sql"),
    ),
    (
        "0018_vouchers",
        include_str!("../migrations/sqlite/0018_vouchers.sql"),
        include_str!("../migrations/postgres/0018_vouchers.sql"),
    ),
    (
        "0019_visits",
        include_str!("../migrations/sqlite/0019_visits.sql"),
        include_str!("../migrations/postgres/0019_visits.sql"),
    ),
    (
        "0020_hotline",
        include_str!("../migrations/sqlite/0020_hotline.sql"),
        include_str!("../migrations/postgres/0020_hotline.sql"),
    ),
    (
        "0021_donations",
        include_str!("../migrations/sqlite/0021_donations.sql"),
        include_str!("../migrations/postgres/0021_donations.sql"),
    ),
    (
        "0022_services",
        include_str!("../migrations/sqlite/0022_services.sql"),
        include_str!("../migrations/postgres/0022_services.sql"),
    ),
    (
        "0023_voucher_lines",
        include_str!("../migrations/sqlite/0023_voucher_lines.sql"),
        include_str!("../migrations/postgres/0023_voucher_lines.sql"),
    ),
    (
        "0024_hotline_taken_unit",
        include_str!("../migrations/sqlite/0024_hotline_taken_unit.sql"),
        include_str!("../migrations/postgres/0024_hotline_taken_unit.sql"),
    ),
    (
        "0025_stored_findings",
        include_str!("../migrations/sqlite/0025_stored_findings.sql"),
        include_str!("../migrations/postgres/0025_stored_findings.sql"),
    ),
    (
        "0026_distribution_key",
        include_str!("../migrations/sqlite/0026_distribution_key.sql"),
        include_str!("../migrations/postgres/0026_distribution_key.sql"),
    ),
];

/// How many connections one process keeps open and how long one statement may run: a city's
/// PostgreSQL serves several `yikou serve` processes, so each must stay within its share of the
/// server's `max_connections`, and a runaway query must end rather than hold a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    /// Connections of this process's pool (default 8).
    pub max_connections: u32,
    /// PostgreSQL's `statement_timeout` for every connection of the pool (default: the server's).
    /// SQLite has no such limit; its writers wait at most `busy_timeout` (10 s) for the lock.
    pub statement_timeout: Option<Duration>,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings { max_connections: 8, statement_timeout: None }
    }
}

impl PoolSettings {
    /// Reads the settings as given on the command line or in the environment: a pool of 1 to 1,000
    /// connections, a timeout in whole seconds (0 = none).
    pub fn parse(pool: Option<&str>, timeout: Option<&str>) -> Result<PoolSettings, StoreError> {
        let mut s = PoolSettings::default();
        if let Some(p) = pool.map(str::trim).filter(|p| !p.is_empty()) {
            s.max_connections = p.parse().ok().filter(|n| (1..=1000).contains(n)).ok_or_else(|| {
                StoreError::BadUrl(format!(
                    "连接池大小“{p}”无效：请填写 1 到 1000 之间的整数（YIKOU_DB_POOL 或 --db-pool）"
                ))
            })?;
        }
        if let Some(t) = timeout.map(str::trim).filter(|t| !t.is_empty()) {
            let secs: u64 = t.parse().ok().filter(|n| *n <= 86_400).ok_or_else(|| {
                StoreError::BadUrl(format!(
                    "语句超时“{t}”无效：请填写 0 到 86400 之间的秒数，0 表示不限（YIKOU_DB_STATEMENT_TIMEOUT 或 --db-statement-timeout）"
                ))
            })?;
            s.statement_timeout = (secs > 0).then(|| Duration::from_secs(secs));
        }
        Ok(s)
    }
}

/// Settings of every PostgreSQL session, made after connecting (not as startup options, which a
/// server or a pooler that does not know one refuses outright):
/// - no JIT: the multi-row writes (a payment batch's lines, each with its person's key looked up)
///   are large statements of cheap parts, which PostgreSQL's cost model sends to the JIT compiler —
///   84 s to compile what runs in 0.4 s (docs/RELIABILITY.md);
/// - from PostgreSQL 14 on, where the platform supports it: a backend whose client has gone (a
///   killed process, a dropped request) stops its statement within seconds instead of running on
///   with its locks held.
async fn pg_session(c: &mut sqlx::PgConnection) -> Result<(), sqlx::Error> {
    use sqlx::Executor;
    c.execute("SET jit = off").await?;
    let version: i32 =
        sqlx::query_scalar("SELECT current_setting('server_version_num')::int").fetch_one(&mut *c).await?;
    if version >= 140000 {
        // Refused on platforms without the check (Windows): then the setting is simply not there.
        if let Err(e) = c.execute("SET client_connection_check_interval = '2s'").await {
            tracing::debug!(error = %e, "client_connection_check_interval not available");
        }
    }
    Ok(())
}

impl Db {
    /// Opens `sqlite://PATH` or `postgres://…` with the default pool. A SQLite file is created if missing.
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        Self::connect_with(url, PoolSettings::default()).await
    }

    /// Opens `sqlite://PATH` or `postgres://…` with the given pool size and statement timeout.
    pub async fn connect_with(url: &str, pool: PoolSettings) -> Result<Db, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut opts = PgConnectOptions::from_str(url).map_err(|e| StoreError::BadUrl(e.to_string()))?;
            if let Some(t) = pool.statement_timeout {
                opts = opts.options([("statement_timeout", format!("{}ms", t.as_millis()))]);
            }
            Self::connect_pg_pool(opts, pool.max_connections).await
        } else if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            Self::connect_sqlite_pool(std::path::Path::new(path), pool.max_connections).await
        } else {
            Err(StoreError::BadUrl(format!(
                "不支持的数据库地址“{}”：请使用 sqlite://文件路径 或 postgres://用户@主机/库名",
                url.split('@').next_back().unwrap_or(url)
            )))
        }
    }

    pub async fn connect_sqlite(path: &std::path::Path) -> Result<Db, StoreError> {
        Self::connect_sqlite_pool(path, PoolSettings::default().max_connections).await
    }

    async fn connect_sqlite_pool(path: &std::path::Path, max: u32) -> Result<Db, StoreError> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-65536");
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts)
            .await
            .map_err(|e| {
                // A file or disk that cannot be written is named as such (SQLite only says it
                // cannot open the file).
                let denied = std::fs::OpenOptions::new().append(true).open(path).err().and_then(|e| e.raw_os_error());
                match denied {
                    Some(30) | Some(13) => StoreError::Storage(crate::StorageFault::ReadOnly),
                    _ => StoreError::Unreachable(e.to_string()),
                }
            })?;
        Ok(Db::Sqlite(pool))
    }

    pub async fn connect_pg(opts: PgConnectOptions) -> Result<Db, StoreError> {
        Self::connect_pg_pool(opts, PoolSettings::default().max_connections).await
    }

    async fn connect_pg_pool(opts: PgConnectOptions, max: u32) -> Result<Db, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(|c, _| Box::pin(pg_session(c)))
            .connect_with(opts)
            .await
            .map_err(|e| StoreError::Unreachable(e.to_string()))?;
        Ok(Db::Postgres(pool))
    }

    /// The most connections this pool opens.
    pub fn max_connections(&self) -> u32 {
        match self {
            Db::Sqlite(p) => p.options().get_max_connections(),
            Db::Postgres(p) => p.options().get_max_connections(),
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Applies the migrations not yet applied, each in its own transaction.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        on_db!(self, p => {
            sqlx::Executor::execute(
                p,
                sqlx::raw_sql(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)",
                ),
            )
            .await?;
        });
        for (version, sqlite_sql, pg_sql) in MIGRATIONS {
            let mut tx = self.begin().await?;
            let done: Option<String> = on_tx!(&mut tx, c => sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                .bind(*version)
                .fetch_optional(c)
                .await?);
            if done.is_some() {
                continue;
            }
            match &mut tx {
                Tx::Sqlite(t) => {
                    sqlx::Executor::execute(&mut **t, sqlx::raw_sql(sqlite_sql)).await?;
                }
                Tx::Postgres(t) => {
                    sqlx::Executor::execute(&mut **t, sqlx::raw_sql(pg_sql)).await?;
                }
            }
            on_tx!(&mut tx, c => sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
                .bind(*version)
                .bind(crate::now())
                .execute(c)
                .await?
                .rows_affected());
            tx.commit().await?;
        }
        Ok(())
    }

    pub async fn close(&self) {
        on_db!(self, p => p.close().await)
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// Rows per bulk statement on PostgreSQL (array parameters), and per outer chunk on SQLite.
pub const BULK_ROWS: usize = 20_000;

/// Rows per multi-row INSERT: stays under SQLite's 32,766 and PostgreSQL's 65,535 bind parameters.
pub fn rows_per_insert(columns: usize) -> usize {
    (30_000 / columns).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_settings_are_read_with_chinese_refusals() {
        assert_eq!(PoolSettings::parse(None, None).unwrap(), PoolSettings::default());
        let s = PoolSettings::parse(Some(" 32 "), Some("15")).unwrap();
        assert_eq!((s.max_connections, s.statement_timeout), (32, Some(Duration::from_secs(15))));
        assert_eq!(PoolSettings::parse(Some(""), Some("0")).unwrap(), PoolSettings::default(), "0 = no limit");
        for bad in ["0", "1001", "八", "-1"] {
            let e = PoolSettings::parse(Some(bad), None).unwrap_err().to_string();
            assert!(e.contains("连接池大小") && e.contains(bad), "{e}");
        }
        let e = PoolSettings::parse(None, Some("1.5")).unwrap_err().to_string();
        assert!(e.contains("语句超时") && e.contains("秒"), "{e}");
    }
}
