//! Imports as batches, on every backend: idempotent, all-or-nothing, undoable.

mod common;

use common::backends;
use time::macros::date;
use yikou_domain::reference::BUREAU_CODE;
use yikou_domain::{
    Actor, Campaign, CountingUnit, EntitlementState, Fen, Form, IdNumber, Phone, Project, Scope, Standard, UnitGroup,
};
use yikou_store::campaigns::{self, StoredProject};
use yikou_store::imports::{commit_import, undo_batch, ImportMeta, ImportRow};
use yikou_store::{Store, StoreError};

fn row(id: &str, name: &str) -> ImportRow {
    ImportRow {
        id_number: IdNumber::parse(id).unwrap(),
        name: name.into(),
        phone: None,
        address: None,
        street_code: Some("310112006000".into()),
        committee_code: None,
        categories: vec!["DB".into()],
        household: None,
        household_size: None,
        amount: None,
    }
}

fn meta(hash: &str, rows: u64) -> ImportMeta {
    ImportMeta {
        file_name: "名单.xlsx".into(),
        file_hash: hash.into(),
        rows,
        rejected: 0,
        since: date!(2019 - 12 - 01),
    }
}

async fn project(s: &Store) -> StoredProject {
    let mut tx = s.write(&Actor::system("t")).await.unwrap();
    let c = Campaign::standard(2020);
    let cid = campaigns::create_campaign(&mut tx, &c).await.unwrap();
    let p = Project {
        code: "MZ-01".into(),
        name: "低保家庭节日补助".into(),
        unit_code: BUREAU_CODE.into(),
        unit_group: UnitGroup::CivilAffairs,
        target_categories: vec!["DB".into()],
        form: Form::Cash,
        standard: Standard::PerHousehold { base: Fen::from_yuan(600), per_extra_member: Fen::from_yuan(100) },
        counting_unit: CountingUnit::Household,
        planned_count: 10,
        planned_budget: vec![("BMYS".into(), Fen::from_yuan(6000))],
        exclusive_group: None,
    };
    campaigns::create_project(&mut tx, cid, &p).await.unwrap();
    tx.commit().await.unwrap();
    s.project_by_code(cid, "MZ-01").await.unwrap().unwrap()
}

#[tokio::test]
async fn the_same_file_or_the_same_rows_add_nothing_twice() {
    for b in backends().await {
        let s = &b.store;
        let p = project(s).await;
        let mut r1 = row("11010519491231002X", "张三");
        r1.household = Some("11010519491231002X".into());
        r1.household_size = Some(3);
        let rows = vec![r1, row("34052419800101001X", "李四")];
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let first = commit_import(&mut tx, &meta("h1", 2), &rows, Some(&p)).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!((first.created, first.updated, first.unchanged), (2, 0, 0), "{}", b.name);
        assert_eq!(first.entitlements_created, 2);
        let person = s.find_person_by_id_number(&Scope::All, &rows[0].id_number).await.unwrap().unwrap();
        let ents = s.entitlements_of_person(&Scope::All, person).await.unwrap();
        assert_eq!(ents[0].entitlement.amount, Fen::from_yuan(800), "standard for a household of 3");
        assert_eq!(ents[0].entitlement.state, EntitlementState::Draft);

        // Same file: recognised by its hash, nothing written.
        let audit_before = s.verify_audit().await.unwrap().records;
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let again = commit_import(&mut tx, &meta("h1", 2), &rows, Some(&p)).await.unwrap();
        tx.commit().await.unwrap();
        assert!(again.already_imported);
        assert_eq!((again.batch.as_str(), again.created), (first.batch.as_str(), 0));
        assert_eq!(s.verify_audit().await.unwrap().records, audit_before);

        // Same rows in another file: a batch, but nothing created twice.
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let other = commit_import(&mut tx, &meta("h2", 2), &rows, Some(&p)).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!((other.created, other.updated, other.unchanged), (0, 0, 2));
        assert_eq!(s.count_people(&Scope::All).await.unwrap(), 2);
        assert_eq!(s.entitlements_of_person(&Scope::All, person).await.unwrap().len(), 1);
        assert!(s.verify_audit().await.unwrap().ok());
    }
}

#[tokio::test]
async fn known_people_get_only_new_facts_and_undo_puts_them_back() {
    for b in backends().await {
        let s = &b.store;
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        commit_import(&mut tx, &meta("base", 1), &[row("11010519491231002X", "张三")], None).await.unwrap();
        tx.commit().await.unwrap();
        let id = s
            .find_person_by_id_number(&Scope::All, &IdNumber::parse("11010519491231002X").unwrap())
            .await
            .unwrap()
            .unwrap();

        let mut changed = row("11010519491231002X", "张叁");
        changed.phone = Some(Phone::parse("13812345678").unwrap());
        changed.categories = vec!["DB".into(), "LR".into()];
        let rows = vec![changed, row("34052419800101001X", "李四")];
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let r = commit_import(&mut tx, &meta("second", 2), &rows, None).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!((r.created, r.updated, r.people_updated), (1, 1, 1), "{}", b.name);
        let p = s.person(&Scope::All, id).await.unwrap().unwrap();
        assert_eq!(p.name, "张三", "a list never overwrites a registered name");
        assert_eq!(p.phone_masked.as_deref(), Some("138****5678"));
        assert_eq!(p.categories.len(), 2);
        assert_eq!(s.batches(10).await.unwrap()[0].batch, r.batch);
        // A street operator sees only their own batches; the district-wide scope sees every one.
        let street = Actor {
            login: "gm".into(),
            role: Some(yikou_domain::Role::Street),
            scope: Scope::Street("310112006000".into()),
        };
        assert!(s.batches_of(&street, 10).await.unwrap().is_empty(), "{}", b.name);
        assert_eq!(s.batches_of(&Actor::system("x"), 10).await.unwrap().len(), 2, "{}", b.name);
        assert_eq!(
            s.batches_of(&Actor { scope: Scope::Street("310112006000".into()), ..Actor::system("t") }, 10)
                .await
                .unwrap()
                .len(),
            2
        );

        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let undone = undo_batch(&mut tx, &r.batch).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(undone.status, "undone");
        let p = s.person(&Scope::All, id).await.unwrap().unwrap();
        assert_eq!(p.phone_masked, None, "phone put back");
        assert_eq!(p.categories.len(), 1, "category added by the batch removed");
        assert_eq!(s.count_people(&Scope::All).await.unwrap(), 1, "person created by the batch removed");
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let e = undo_batch(&mut tx, &r.batch).await.unwrap_err();
        assert!(e.to_string().contains("不能重复撤销"), "{e}");
        assert!(s.verify_audit().await.unwrap().ok());
    }
}

#[tokio::test]
async fn a_batch_with_approved_records_cannot_be_undone() {
    for b in backends().await {
        let s = &b.store;
        let p = project(s).await;
        let mut r = row("11010519491231002X", "张三");
        r.amount = Some(Fen::from_yuan(600));
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let res = commit_import(&mut tx, &meta("x", 1), &[r.clone()], Some(&p)).await.unwrap();
        tx.commit().await.unwrap();
        let person = s.find_person_by_id_number(&Scope::All, &r.id_number).await.unwrap().unwrap();
        let eid = s.entitlements_of_person(&Scope::All, person).await.unwrap()[0].id;
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        campaigns::transition_entitlement(&mut tx, &Scope::All, eid, EntitlementState::Submitted).await.unwrap();
        campaigns::transition_entitlement(&mut tx, &Scope::All, eid, EntitlementState::Approved).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let e = undo_batch(&mut tx, &res.batch).await.unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)));
        assert!(e.to_string().contains("已有 1 条记录下达"), "{e}");
        drop(tx);
        assert!(s.entitlement(&Scope::All, eid).await.unwrap().is_some());
    }
}

#[tokio::test]
async fn a_range_project_needs_amounts_and_a_failed_import_leaves_nothing() {
    for b in backends().await {
        let s = &b.store;
        let mut p = project(s).await;
        p.project.standard = Standard::Range { min: Fen::from_yuan(2000), max: Fen::from_yuan(30_000) };
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let e =
            commit_import(&mut tx, &meta("r", 1), &[row("11010519491231002X", "张三")], Some(&p)).await.unwrap_err();
        assert!(e.to_string().contains("必须填写金额"), "{e}");
        tx.commit().await.unwrap();
        assert_eq!(s.count_people(&Scope::All).await.unwrap(), 0, "{}: nothing half-written", b.name);
        assert!(s.batches(10).await.unwrap().is_empty());
        assert!(s.verify_audit().await.unwrap().ok());
    }
}
