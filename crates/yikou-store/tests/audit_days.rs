//! The audit log's day filters are Beijing days (the log keeps UTC): a record made at 01:00 in
//! Beijing on 2 December is stored as 1 December 17:00 UTC and belongs to 2 December.

mod common;

use common::backends;
use yikou_domain::reference::UnitKind;
use yikou_domain::Actor;
use yikou_store::audit::AuditFilter;
use yikou_store::{on_db, reference, StoreError};

#[tokio::test]
async fn from_and_to_are_beijing_days_and_a_bad_date_says_how_to_write_it() {
    for b in backends().await {
        let s = &b.store;
        let mut tx = s.write(&Actor::system("test")).await.unwrap();
        reference::add_unit(&mut tx, "310112006901", "居委甲", UnitKind::Committee, "310112006000").await.unwrap();
        tx.commit().await.unwrap();
        let seq: i64 =
            on_db!(s.db(), p => sqlx::query_scalar("SELECT MAX(seq) FROM audit_log").fetch_one(p).await.unwrap());
        on_db!(s.db(), p => sqlx::query("UPDATE audit_log SET at = '2026-12-01T17:00:00.250Z' WHERE seq = $1")
            .bind(seq).execute(p).await.unwrap().rows_affected());
        let days = |from: &str, to: &str| AuditFilter {
            from: Some(from.into()),
            to: Some(to.into()),
            limit: 500,
            ..AuditFilter::default()
        };
        let has = |r: &(Vec<yikou_store::audit::AuditRecord>, Option<i64>)| r.0.iter().any(|x| x.seq == seq);
        assert!(has(&s.audit_page(&days("2026-12-02", "2026-12-02")).await.unwrap()), "{}: on 2 Dec", b.name);
        assert!(!has(&s.audit_page(&days("2026-12-01", "2026-12-01")).await.unwrap()), "{}: not on 1 Dec", b.name);
        assert!(!has(&s.audit_page(&days("2026-12-03", "2026-12-09")).await.unwrap()), "{}", b.name);
        match s.audit_page(&days("2026/12/02", "")).await {
            Err(StoreError::Invalid(m)) => assert!(m.contains("2026-12-02"), "{m}"),
            other => panic!("{}: a bad date is refused, got {other:?}", b.name),
        }
    }
}
