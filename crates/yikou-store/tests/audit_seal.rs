//! The audit head's seal and the data folder's anchor: records cut off the end of the audit log are
//! detected and named, on every backend.

mod common;

use common::backends;
use yikou_domain::reference::UnitKind;
use yikou_domain::Actor;
use yikou_store::{on_db, reference, Store};

const GUMEI: &str = "310112006000";

/// Adds `n` committees, one commit each (each commit appends audit records and seals the head).
async fn some_writes(s: &Store, from: usize, n: usize) {
    for i in from..from + n {
        let mut tx = s.write(&Actor::system("test")).await.unwrap();
        reference::add_unit(
            &mut tx,
            &format!("310112006{:03}", i + 1),
            &format!("居委{i}"),
            UnitKind::Committee,
            GUMEI,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
}

async fn head(s: &Store) -> (i64, String, Option<String>) {
    on_db!(s.db(), p => sqlx::query_as("SELECT seq, hash, seal FROM audit_head WHERE id = 1").fetch_one(p).await.unwrap())
}

/// Cuts every record after `keep` and points the head at record `keep`, leaving the seal alone.
async fn truncate_to(s: &Store, keep: i64) {
    on_db!(s.db(), p => sqlx::query("DELETE FROM audit_log WHERE seq > $1").bind(keep).execute(p).await.unwrap().rows_affected());
    on_db!(s.db(), p => sqlx::query("UPDATE audit_head SET seq = $1, hash = (SELECT hash FROM audit_log WHERE seq = $1) WHERE id = 1")
        .bind(keep).execute(p).await.unwrap().rows_affected());
}

const TRUNCATED: &str = "审计日志末尾的记录被删除（截断）或记录头被改写";

#[tokio::test]
async fn audit_verify_detects_the_last_records_cut_off_with_the_head_moved_back() {
    for b in backends().await {
        let s = &b.store;
        some_writes(s, 0, 3).await;
        let n = s.verify_audit().await.unwrap().records;
        // Delete the last 2 records and point the head at the last one kept: the chain still links.
        truncate_to(s, n - 2).await;
        let v = s.verify_audit().await.unwrap();
        assert!(!v.ok(), "{}: truncation passed verify", b.name);
        assert!(v.problem.as_deref().unwrap().contains(TRUNCATED), "{}: {:?}", b.name, v);
        assert_eq!(v.first_bad, Some(n - 1), "{}", b.name);
        assert!(head(s).await.2.is_some(), "{}: every commit seals the head", b.name);

        // The next write seals the head again, but first records what it found: still reported.
        some_writes(s, 3, 1).await;
        let v = s.verify_audit().await.unwrap();
        assert!(v.problem.as_deref().unwrap().contains(TRUNCATED), "{}: {:?}", b.name, v);
        assert_eq!(v.first_bad, Some(n - 1), "{}: the first record written after the cut", b.name);
        let broken = s.audit_records(Some(("audit_head", "1")), 5).await.unwrap();
        assert_eq!(broken[0].action, "audit.seal_broken", "{}", b.name);
        assert_eq!(broken[0].actor, "system:test");
    }
}

#[tokio::test]
async fn a_cleared_seal_is_reported_and_never_silently_resealed() {
    for b in backends().await {
        let s = &b.store;
        some_writes(s, 0, 2).await;
        assert!(s.verify_audit().await.unwrap().ok(), "{}", b.name);
        on_db!(s.db(), p => sqlx::query("UPDATE audit_head SET seal = NULL").execute(p).await.unwrap().rows_affected());
        let v = s.verify_audit().await.unwrap();
        assert!(v.problem.as_deref().unwrap().contains("缺少封印"), "{}: {:?}", b.name, v);
        // Also clearing the "sealed" flag does not make opening the store seal the head again.
        on_db!(s.db(), p => sqlx::query("DELETE FROM meta WHERE key = 'audit_sealed'").execute(p).await.unwrap().rows_affected());
        let reopened = Store::open(&b.cfg).await.unwrap();
        assert_eq!(head(&reopened).await.2, None, "{}: resealed on open", b.name);
        let v = reopened.verify_audit().await.unwrap();
        assert!(v.problem.as_deref().unwrap().contains("缺少封印"), "{}: {:?}", b.name, v);
        reopened.close().await;
    }
}

#[tokio::test]
async fn a_head_and_seal_restored_from_an_older_copy_are_caught_by_the_anchor() {
    for b in backends().await {
        let s = &b.store;
        some_writes(s, 0, 1).await;
        let (old_seq, old_hash, old_seal) = head(s).await;
        some_writes(s, 1, 3).await;
        let anchor = std::fs::read_to_string(b.cfg.data_dir.join("audit.anchor")).unwrap();
        assert!(anchor.contains(&head(s).await.1), "{}: the anchor follows the head", b.name);
        // Cut back to the old head and put its (valid) seal back.
        truncate_to(s, old_seq).await;
        on_db!(s.db(), p => sqlx::query("UPDATE audit_head SET seal = $1").bind(&old_seal).execute(p).await.unwrap().rows_affected());
        assert_eq!(head(s).await, (old_seq, old_hash, old_seal), "{}", b.name);
        let v = s.verify_audit().await.unwrap();
        let problem = v.problem.unwrap_or_default();
        assert!(problem.contains("锚点") && problem.contains("截断"), "{}: {problem}", b.name);
        assert_eq!(v.first_bad, Some(old_seq + 1));
        // Without the anchor (another data folder, or the file deleted) the seal alone cannot tell.
        std::fs::remove_file(b.cfg.data_dir.join("audit.anchor")).unwrap();
        assert!(s.verify_audit().await.unwrap().ok(), "{}", b.name);
    }
}

#[tokio::test]
async fn a_database_from_before_seals_is_sealed_once_when_opened() {
    for b in backends().await {
        let s = &b.store;
        // What such a database looks like: no sealing record (init's last one), no seal, no flag,
        // and a data folder without an anchor.
        let n = s.verify_audit().await.unwrap().records;
        let last = s.audit_records(None, 1).await.unwrap().remove(0);
        assert_eq!((last.action.as_str(), last.entity_id.as_str()), ("meta.set", "audit_sealed"), "{}", b.name);
        truncate_to(s, n - 1).await;
        on_db!(s.db(), p => sqlx::query("UPDATE audit_head SET seal = NULL").execute(p).await.unwrap().rows_affected());
        on_db!(s.db(), p => sqlx::query("DELETE FROM meta WHERE key = 'audit_sealed'").execute(p).await.unwrap().rows_affected());
        std::fs::remove_file(b.cfg.data_dir.join("audit.anchor")).unwrap();
        let opened = Store::open(&b.cfg).await.unwrap();
        let v = opened.verify_audit().await.unwrap();
        assert!(v.ok(), "{}: {:?}", b.name, v);
        assert_eq!(v.records, n, "{}: one record for the sealing", b.name);
        assert!(head(&opened).await.2.is_some());
        let again = Store::open(&b.cfg).await.unwrap();
        assert_eq!(again.verify_audit().await.unwrap().records, n, "{}: sealed only once", b.name);
        again.close().await;
        opened.close().await;
    }
}
