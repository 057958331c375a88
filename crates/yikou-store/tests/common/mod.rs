//! Test helper: the same storage story on every backend. SQLite always; PostgreSQL when
//! YIKOU_TEST_POSTGRES_URL is set (each test gets a schema of its own).

use yikou_store::{Store, StoreConfig};

#[allow(dead_code)] // each test binary uses a different part of it
pub struct Backend {
    pub name: &'static str,
    pub store: Store,
    pub cfg: StoreConfig,
    pub admin_password: String,
    _dir: tempfile::TempDir,
}

pub async fn fresh_pg_url(base: &str) -> String {
    use sqlx::Connection;
    let schema = format!("t_{}_{}", std::process::id(), rand_suffix());
    let mut conn = sqlx::PgConnection::connect(base).await.expect("connect to YIKOU_TEST_POSTGRES_URL");
    sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&mut conn).await.expect("create schema");
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-c%20search_path%3D{schema}")
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{:x}{}", t & 0xffff_ffff, N.fetch_add(1, Ordering::Relaxed))
}

/// Initialised stores, one per available backend.
pub async fn backends() -> Vec<Backend> {
    let mut out = Vec::new();
    let mut urls: Vec<(&'static str, Option<String>)> = vec![("sqlite", None)];
    match std::env::var("YIKOU_TEST_POSTGRES_URL") {
        Ok(base) if !base.is_empty() => urls.push(("postgres", Some(fresh_pg_url(&base).await))),
        _ => eprintln!("note: YIKOU_TEST_POSTGRES_URL not set, PostgreSQL part skipped"),
    }
    for (name, url) in urls {
        let dir = tempfile::tempdir().unwrap();
        let cfg = StoreConfig {
            data_dir: dir.path().join("data"),
            database_url: url,
            key_hex: None,
            pool: Default::default(),
        };
        let init = Store::init(&cfg).await.unwrap_or_else(|e| panic!("{name}: init failed: {e}"));
        out.push(Backend { name, store: init.store, cfg, admin_password: init.admin_password, _dir: dir });
    }
    out
}

/// A person of `street` born 1940-01-01 (sequence number `seq`, a valid check digit), named `name`,
/// head of no household, in no category.
#[allow(dead_code)] // each test binary uses a different part of it
pub fn person(seq: u32, street: &str, name: &str) -> yikou_store::register::NewPerson {
    yikou_store::register::NewPerson {
        external_id: None,
        id_number: id_number(seq),
        name: name.into(),
        phone: None,
        address: None,
        street_code: Some(street.into()),
        committee_code: None,
        household_id: None,
        is_household_head: true,
        categories: vec![],
    }
}

/// The ID number of [`person`] `seq`.
#[allow(dead_code)]
pub fn id_number(seq: u32) -> yikou_domain::IdNumber {
    let first17 = format!("31011219400101{seq:03}");
    yikou_domain::IdNumber::parse(&format!("{first17}{}", yikou_domain::id_number::check_char(first17.as_bytes())))
        .expect("a valid ID number")
}

/// The `n`-th of many distinct valid ID numbers of people born in `year` (a different birthday for
/// each of the first 336, then a new sequence number).
#[allow(dead_code)]
pub fn numbered_id(year: u32, n: usize) -> String {
    let first17 = format!("310112{year}{:02}{:02}{:03}", 1 + n % 12, 1 + n / 12 % 28, n / 336);
    format!("{first17}{}", yikou_domain::id_number::check_char(first17.as_bytes()))
}

/// Every row of a person's tables carries the key of the person it belongs to (PostgreSQL's foreign
/// keys hold the pairs; SQLite's columns are checked here: a row written without it reads -1), and
/// every person's key is the one [`yikou_store::distribution::person_key`] derives from the hash.
/// Returns how many rows were looked at, so a test can tell it saw some.
#[allow(dead_code)]
pub async fn assert_person_keys(s: &yikou_store::Store) -> i64 {
    use yikou_store::on_db;
    let people: Vec<(Vec<u8>, i64)> =
        on_db!(s.db(), p => sqlx::query_as("SELECT id_key, person_key FROM people").fetch_all(p).await.unwrap());
    for (key, stored) in &people {
        assert_eq!(*stored, yikou_store::distribution::person_key(key), "a person's stored key");
    }
    let mut seen = people.len() as i64;
    for (table, owner, link) in [
        ("person_categories", "people", "person_id"),
        ("entitlements", "people", "person_id"),
        ("import_person_changes", "people", "person_id"),
        ("visits", "people", "person_id"),
        ("service_deliveries", "people", "person_id"),
        ("visit_actions", "visits", "visit_id"),
        ("payment_lines", "entitlements", "entitlement_id"),
        ("sample_members", "entitlements", "entitlement_id"),
        ("calls", "entitlements", "entitlement_id"),
        ("followup_cases", "entitlements", "entitlement_id"),
    ] {
        let sql = format!(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN o.person_key = t.person_key THEN 0 ELSE 1 END), 0)
             FROM {table} t LEFT JOIN {owner} o ON o.id = t.{link}"
        );
        let (rows, wrong): (i64, i64) = on_db!(s.db(), p => sqlx::query_as(&sql).fetch_one(p).await.unwrap());
        assert_eq!(wrong, 0, "{table}: rows whose person_key is not their {owner} row's");
        seen += rows;
    }
    seen
}
