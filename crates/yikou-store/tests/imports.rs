//! Imports as batches, on every backend: idempotent, all-or-nothing, undoable.

mod common;

use common::backends;
use time::macros::date;
use yikou_domain::reference::BUREAU_CODE;
use yikou_domain::{
    Actor, Campaign, CountingUnit, EntitlementState, Fen, Form, IdNumber, Phone, Project, Scope, Standard, UnitGroup,
};
use yikou_store::campaign::{self, StoredProject};
use yikou_store::imports::{commit_import, undo_batch, ImportMeta, ImportRow};
use yikou_store::{Store, StoreError};

fn row(id: &str, name: &str) -> ImportRow {
    ImportRow {
        row: 2,
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
        bank: None,
    }
}

fn meta(hash: &str, rows: u64) -> ImportMeta {
    ImportMeta {
        file_name: "名单.xlsx".into(),
        file_hash: hash.into(),
        rows,
        rejected: 0,
        since: date!(2019 - 12 - 01),
        accept_valid: false,
    }
}

async fn project(s: &Store) -> StoredProject {
    let mut tx = s.write(&Actor::system("t")).await.unwrap();
    let c = Campaign::standard(2020);
    let cid = campaign::create_campaign(&mut tx, &c).await.unwrap();
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
    campaign::create_project(&mut tx, cid, &p).await.unwrap();
    tx.commit().await.unwrap();
    s.project_by_code(&yikou_domain::Scope::All, cid, "MZ-01").await.unwrap().unwrap()
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
        // One batch by its number, under the same rule.
        assert!(s.batch_of(&street, &r.batch).await.unwrap().is_none(), "{}", b.name);
        assert_eq!(s.batch_of(&Actor::system("x"), &r.batch).await.unwrap().map(|x| x.batch), Some(r.batch.clone()));
        assert!(s.batch_of(&Actor::system("x"), "B1999-000001").await.unwrap().is_none());

        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let undone = undo_batch(&mut tx, &r.batch).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(undone.status, yikou_domain::imports::BatchStatus::Undone);
        let p = s.person(&Scope::All, id).await.unwrap().unwrap();
        assert_eq!(p.phone_masked, None, "phone put back");
        assert_eq!(p.categories.len(), 1, "category added by the batch removed");
        assert_eq!(s.count_people(&Scope::All).await.unwrap(), 1, "person created by the batch removed");
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let e = undo_batch(&mut tx, &r.batch).await.unwrap_err();
        assert!(e.to_string().contains("不能重复撤销"), "{e}");
        assert!(s.verify_audit().await.unwrap().ok());
        common::assert_person_keys(s).await;
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
        campaign::transition_entitlement(&mut tx, &Scope::All, eid, EntitlementState::Submitted).await.unwrap();
        campaign::transition_entitlement(&mut tx, &Scope::All, eid, EntitlementState::Approved).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let e = undo_batch(&mut tx, &res.batch).await.unwrap_err();
        assert!(matches!(e, StoreError::Rejected { code: "batch_has_approved", .. }));
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

fn street_clerk(street: &str) -> Actor {
    Actor {
        login: format!("clerk-{street}"),
        role: Some(yikou_domain::Role::Street),
        scope: Scope::Street(street.into()),
    }
}

/// Issue 11, defect 2: a street clerk's list naming a person registered in another street must not
/// move that person (street, phone, address) into the clerk's area, whatever the file says.
#[tokio::test]
async fn an_import_never_touches_a_person_registered_outside_the_importers_area() {
    const GUMEI: &str = "310112006000";
    const QIBAO: &str = "310112102000";
    for b in backends().await {
        let s = &b.store;
        let p = project(s).await;
        // 张三 is registered by 七宝 with a phone.
        let mut qibao_row = row("11010519491231002X", "张三");
        qibao_row.street_code = Some(QIBAO.into());
        qibao_row.phone = Some(Phone::parse("13900001111").unwrap());
        let mut tx = s.write(&street_clerk(QIBAO)).await.unwrap();
        commit_import(&mut tx, &meta("qibao", 1), &[qibao_row], None).await.unwrap();
        tx.commit().await.unwrap();
        let id = s
            .find_person_by_id_number(&Scope::All, &IdNumber::parse("11010519491231002X").unwrap())
            .await
            .unwrap()
            .unwrap();

        // 古美's clerk lists the same ID number as a 古美 resident with another phone.
        let mut foreign = row("11010519491231002X", "张三");
        foreign.row = 7;
        foreign.phone = Some(Phone::parse("13822223333").unwrap());
        foreign.address = Some("古美路1号".into());
        let mut own = row("34052419800101001X", "李四");
        own.row = 8;
        let rows = vec![foreign, own];

        // All-or-nothing: refused whole, nothing written, and the message names the row only.
        let mut tx = s.write(&street_clerk(GUMEI)).await.unwrap();
        let e = commit_import(&mut tx, &meta("gumei", 2), &rows, Some(&p)).await.unwrap_err();
        drop(tx);
        assert!(matches!(&e, StoreError::OutsideArea(r) if r == &vec![7]), "{}: {e}", b.name);
        let text = e.to_string();
        assert!(text.contains("第7行") && !text.contains("张") && !text.contains("七宝"), "{text}");
        assert_eq!(s.count_people(&Scope::All).await.unwrap(), 1, "{}: nothing written", b.name);

        // Only the valid rows: the foreign row is left out, the person untouched.
        let mut m = meta("gumei", 2);
        m.accept_valid = true;
        let mut tx = s.write(&street_clerk(GUMEI)).await.unwrap();
        let r = commit_import(&mut tx, &m, &rows, Some(&p)).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(r.outside_rows, vec![7], "{}", b.name);
        assert_eq!((r.created, r.updated, r.unchanged, r.rejected), (1, 0, 0, 1), "{}", b.name);
        let person = s.person(&Scope::All, id).await.unwrap().unwrap();
        assert_eq!(person.street_code.as_deref(), Some(QIBAO), "{}: still 七宝's", b.name);
        assert_eq!(person.phone_masked.as_deref(), Some("139****1111"), "{}: phone unchanged", b.name);
        assert!(s.person(&Scope::Street(QIBAO.into()), id).await.unwrap().is_some(), "七宝 still sees them");
        assert!(s.person(&Scope::Street(GUMEI.into()), id).await.unwrap().is_none(), "古美 does not");
        assert!(s.entitlements_of_person(&Scope::All, id).await.unwrap().is_empty(), "no entitlement for them");
        assert!(s.verify_audit().await.unwrap().ok());
    }
}

/// Issue 11, defects 3 and 4: the register a check consults and the projects an import may name
/// are those of the importer's area.
#[tokio::test]
async fn the_checks_register_and_project_lookup_stay_in_the_importers_area() {
    const GUMEI: &str = "310112006000";
    const QIBAO: &str = "310112102000";
    for b in backends().await {
        let s = &b.store;
        let p = project(s).await;
        let mut qibao_row = row("11010519491231002X", "张三");
        qibao_row.street_code = Some(QIBAO.into());
        let mut tx = s.write(&street_clerk(QIBAO)).await.unwrap();
        let qb = commit_import(&mut tx, &meta("qibao", 1), &[qibao_row], None).await.unwrap();
        tx.commit().await.unwrap();
        // Another street's clerk cannot undo 七宝's batch, whatever the request names.
        let mut tx = s.write(&street_clerk(GUMEI)).await.unwrap();
        let e = undo_batch(&mut tx, &qb.batch).await.unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{}: {e}", b.name);
        drop(tx);
        assert!(s.register_names(&Scope::Street(GUMEI.into())).await.unwrap().is_empty(), "{}", b.name);
        let qibao = s.register_names(&Scope::Street(QIBAO.into())).await.unwrap();
        assert_eq!(qibao.len(), 1);
        // Looked up by the number's keyed hash: the registered name, and nothing for another number.
        assert_eq!(qibao.name_of("11010519491231002X"), Some("张三"), "{}", b.name);
        assert_eq!(qibao.name_of("110105194912310037"), None, "{}", b.name);
        assert_eq!(s.register_names(&Scope::All).await.unwrap().len(), 1);
        let cid = s.campaign(2020).await.unwrap().unwrap().id;
        // The bureau's project lists nobody of 古美's: 古美 cannot name it.
        assert!(s.project_by_code(&Scope::Street(GUMEI.into()), cid, "MZ-01").await.unwrap().is_none());
        assert!(s.project_by_code(&Scope::All, cid, &p.project.code).await.unwrap().is_some());
    }
}

/// Issue 13: a near-duplicate by name says which roster the other name came from — the project
/// and the import file and batch — so the reviewer can go back to the list that was filled in.
#[tokio::test]
async fn a_name_listed_differently_names_the_project_and_the_import_file_it_came_from() {
    for b in backends().await {
        let s = &b.store;
        let p = project(s).await;
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        commit_import(&mut tx, &meta("base", 1), &[row("11010519491231002X", "张三")], None).await.unwrap();
        let listed =
            commit_import(&mut tx, &meta("roster", 1), &[row("11010519491231002X", "张叁")], Some(&p)).await.unwrap();
        tx.commit().await.unwrap();
        let report = s.run_check(p.campaign_id, date!(2020 - 01 - 10)).await.unwrap();
        let f = report
            .findings
            .iter()
            .find(|f| f.key.starts_with("near_duplicates:name:"))
            .unwrap_or_else(|| panic!("{}: a near-duplicate by name", b.name));
        assert!(f.explanation.contains("“张叁”（项目低保家庭节日补助（MZ-01）的名单）"), "{}", f.explanation);
        assert!(
            f.explanation.contains(&format!("名单来自导入文件“名单.xlsx”（批次{}）", listed.batch)),
            "{}",
            f.explanation
        );
        assert_eq!(f.projects, vec!["MZ-01".to_string()], "the roster's project is named for a link");
        assert_eq!(f.entitlements.len(), 1);
    }
}

#[tokio::test]
async fn a_list_with_bank_columns_stores_the_account_encrypted_and_masked() {
    for b in backends().await {
        let s = &b.store;
        let mut r = row("11010519491231002X", "张三");
        let account = yikou_domain::pay::BankAccount::parse("6222021001123456789").unwrap();
        r.bank = Some(("张三".into(), Some("工商银行闵行支行".into()), account));
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        commit_import(&mut tx, &meta("bank", 1), &[r, row("34052419800101001X", "李四")], None).await.unwrap();
        tx.commit().await.unwrap();
        let id = s
            .find_person_by_id_number(&Scope::All, &IdNumber::parse("11010519491231002X").unwrap())
            .await
            .unwrap()
            .unwrap();
        let view = s.bank_account(&Scope::All, id).await.unwrap().unwrap();
        assert_eq!(
            (view.holder.as_deref(), view.bank_name.as_deref(), view.account_masked.as_deref()),
            (Some("张三"), Some("工商银行闵行支行"), Some("****6789")),
            "{}",
            b.name
        );
        let stored: Option<Vec<u8>> = yikou_store::on_db!(s.db(), p => sqlx::query_scalar(
            "SELECT bank_account_cipher FROM people WHERE id = $1").bind(id).fetch_one(p).await.unwrap());
        let stored = stored.unwrap();
        assert!(!stored.windows(8).any(|w| w == b"62220210"), "encrypted at rest");
        let other = s
            .find_person_by_id_number(&Scope::All, &IdNumber::parse("34052419800101001X").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(s.bank_account(&Scope::All, other).await.unwrap().unwrap().account_masked, None);
    }
}
