//! 备份与恢复 (issue 19, point 4): a backup taken while people are being registered restores into a
//! fresh folder with the same counts, money and audit chain head; the key is never in a backup; a
//! wrong key, a damaged copy or a folder in use is refused and leaves nothing behind.

// Only its ID number maker is used here.
#[allow(dead_code)]
mod common;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use time::macros::date;
use yikou_domain::{Actor, IdNumber, Scope};
use yikou_store::backup::{self, MANIFEST};
use yikou_store::register::{self, NewPerson};
use yikou_store::{Store, StoreConfig, StoreError};

fn cfg(dir: &Path) -> StoreConfig {
    StoreConfig { data_dir: dir.to_path_buf(), database_url: None, key_hex: None, pool: Default::default() }
}

fn id(n: usize) -> String {
    common::numbered_id(1960, n)
}

fn person(n: usize) -> NewPerson {
    NewPerson {
        external_id: None,
        id_number: IdNumber::parse(&id(n)).unwrap(),
        name: format!("备份{n}"),
        phone: None,
        address: Some(format!("某路{n}号")),
        street_code: Some("310112006000".into()),
        committee_code: None,
        household_id: None,
        is_household_head: true,
        categories: vec![("DB".into(), date!(2019 - 01 - 01), None)],
    }
}

/// Every file under `dir`, read whole.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_people_are_registered_restores_with_the_same_figures_and_no_key_inside() {
    let dir = tempfile::tempdir().unwrap();
    let source = cfg(&dir.path().join("data"));
    let store = Store::init(&source).await.unwrap().store;
    let mut tx = store.write(&Actor::system("t")).await.unwrap();
    register::insert_people(&mut tx, &(0..1500).map(person).collect::<Vec<_>>(), "bulk").await.unwrap();
    tx.commit().await.unwrap();

    // A clerk keeps registering people one by one while the backup is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, stop) = (store.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 1500;
            while !stop.load(Ordering::Relaxed) {
                let mut tx = store.write(&Actor::system("clerk")).await.unwrap();
                register::create_person(&mut tx, &person(n)).await.unwrap();
                tx.commit().await.unwrap();
                n += 1;
            }
            n
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let out = dir.path().join("backup");
    let manifest = store.backup(&Actor::system("ops"), &out, "").await.unwrap();
    stop.store(true, Ordering::Relaxed);
    let registered = writer.await.unwrap();
    assert!(registered > 1500, "the clerk registered people meanwhile");
    let f = &manifest.figures;
    assert!(f.people >= 1500 && (f.people as usize) <= registered, "a snapshot between two commits: {}", f.people);
    assert_eq!(f.audit_head_seq, f.audit_records, "the head is the last record of the snapshot");

    // No key in the backup: neither the key file's text nor the raw key.
    let key_text = std::fs::read_to_string(source.key_path()).unwrap();
    let master = yikou_store::crypto::Keys::parse_master(&key_text).unwrap();
    let hex = key_text.trim().as_bytes().to_vec();
    for (name, bytes) in files(&out) {
        assert!(name == "yikou.db" || name == MANIFEST, "only the copy and its manifest: {name}");
        assert!(!bytes.windows(32).any(|w| w == master), "{name} holds the raw key");
        assert!(!bytes.windows(hex.len()).any(|w| w == hex.as_slice()), "{name} holds the key file's text");
    }
    let after_backup = store.verify_audit().await.unwrap();
    assert!(after_backup.ok());
    store.close().await;

    let target = cfg(&dir.path().join("restored"));
    let restored = backup::restore(&out, &target, &source.key_path()).await.unwrap();
    assert_eq!(restored.audit_records, f.audit_records);
    let again = Store::open(&target).await.unwrap();
    assert_eq!(again.count_people(&Scope::All).await.unwrap(), f.people);
    let now = backup::figures(again.db()).await.unwrap();
    assert_eq!(now.audit_records, f.audit_records + 1, "the restore itself is on record");
    assert_eq!((now.people, now.entitlements_fen, now.paid_fen), (f.people, f.entitlements_fen, f.paid_fen));
    let v = again.verify_audit().await.unwrap();
    assert!(v.ok(), "{:?}", v.problem);
    // The ID numbers decrypt with the key the restore was given.
    let first: i64 = yikou_store::on_db!(again.db(), p => sqlx::query_scalar("SELECT MIN(id) FROM people").fetch_one(p).await.unwrap());
    let shown = again.reveal(&Actor::system("t"), first).await.unwrap();
    assert!(shown.id_number.as_str().starts_with("3101121960"));
    again.close().await;
}

#[tokio::test]
async fn restore_refuses_a_wrong_key_a_damaged_copy_and_a_folder_in_use_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let source = cfg(&dir.path().join("data"));
    let store = Store::init(&source).await.unwrap().store;
    let mut tx = store.write(&Actor::system("t")).await.unwrap();
    register::insert_people(&mut tx, &(0..20).map(person).collect::<Vec<_>>(), "bulk").await.unwrap();
    tx.commit().await.unwrap();
    let out = dir.path().join("backup");
    store.backup(&Actor::system("ops"), &out, "").await.unwrap();
    let e = store.backup(&Actor::system("ops"), &out, "").await.unwrap_err();
    assert!(e.to_string().contains("已存在且不为空"), "a backup never overwrites: {e}");
    store.close().await;

    let wrong = dir.path().join("wrong.key");
    std::fs::write(&wrong, "ab".repeat(32)).unwrap();
    let target = cfg(&dir.path().join("restored"));
    let e = backup::restore(&out, &target, &wrong).await.unwrap_err();
    assert!(matches!(e, StoreError::WrongKey), "{e}");
    assert!(!target.data_dir.exists(), "nothing left of a refused restore");

    let e = backup::restore(&out, &source, &source.key_path()).await.unwrap_err();
    assert!(e.to_string().contains("已存在且不为空"), "never over a folder in use: {e}");
    assert!(source.sqlite_path().exists() && source.key_path().exists(), "the folder in use is untouched");

    let mut bytes = std::fs::read(out.join("yikou.db")).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0xff;
    std::fs::write(out.join("yikou.db"), bytes).unwrap();
    let e = backup::restore(&out, &target, &source.key_path()).await.unwrap_err();
    assert!(e.to_string().contains("校验值不符"), "{e}");
    assert!(!target.data_dir.exists());
}

/// A new database (pg_dump and pg_restore work on whole databases, not on the schemas the other
/// tests use), dropped by the caller.
async fn fresh_database(base: &str, name: &str) -> String {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(base).await.unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut conn).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
    let (head, _) = base.split_once('?').unwrap_or((base, ""));
    format!("{}/{name}", head.rsplit_once('/').unwrap().0)
}

async fn drop_database(base: &str, name: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(base).await.unwrap();
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await;
}

#[tokio::test]
async fn a_postgresql_database_is_dumped_in_one_snapshot_and_restored_into_an_empty_database() {
    let Ok(base) = std::env::var("YIKOU_TEST_POSTGRES_URL") else {
        eprintln!("note: YIKOU_TEST_POSTGRES_URL not set, PostgreSQL part skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (from, to) = (format!("yk_backup_from_{}", std::process::id()), format!("yk_backup_to_{}", std::process::id()));
    let source =
        StoreConfig { database_url: Some(fresh_database(&base, &from).await), ..cfg(&dir.path().join("data")) };
    let store = Store::init(&source).await.unwrap().store;
    let mut tx = store.write(&Actor::system("t")).await.unwrap();
    register::insert_people(&mut tx, &(0..300).map(person).collect::<Vec<_>>(), "bulk").await.unwrap();
    tx.commit().await.unwrap();
    let out = dir.path().join("backup");
    let m = store.backup(&Actor::system("ops"), &out, source.database_url.as_deref().unwrap()).await.unwrap();
    assert_eq!((m.backend.as_str(), m.figures.people), ("postgres", 300));
    let mut names: Vec<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["manifest.json", "yikou.dump"]);
    store.close().await;

    // Into a database that is not empty: refused, nothing made.
    let target = StoreConfig { database_url: source.database_url.clone(), ..cfg(&dir.path().join("restored")) };
    let e = backup::restore(&out, &target, &source.key_path()).await.unwrap_err();
    assert!(e.to_string().contains("不是空库"), "{e}");
    assert!(!target.data_dir.exists());
    // Without --database: refused (this is a PostgreSQL backup).
    let e = backup::restore(&out, &cfg(&dir.path().join("restored")), &source.key_path()).await.unwrap_err();
    assert!(e.to_string().contains("PostgreSQL"), "{e}");

    let target = StoreConfig { database_url: Some(fresh_database(&base, &to).await), ..target };
    let r = backup::restore(&out, &target, &source.key_path()).await.unwrap();
    assert_eq!(r.audit_records, m.figures.audit_records);
    let again = Store::open(&target).await.unwrap();
    assert_eq!(again.count_people(&Scope::All).await.unwrap(), 300);
    assert!(again.verify_audit().await.unwrap().ok());
    again.close().await;
    drop_database(&base, &from).await;
    drop_database(&base, &to).await;
}
