//! Every storage function, on every backend.

mod common;

use common::backends;
use serde_json::json;
use time::macros::date;
use yikou_domain::reference::{UnitKind, BUREAU_CODE};
use yikou_domain::{
    Actor, Campaign, CountingUnit, EntitlementState, Fen, Form, IdNumber, Phase, Phone, Project, Role, Scope, Standard,
    UnitGroup,
};
use yikou_store::accounts::users;
use yikou_store::campaign::{self, NewEntitlement};
use yikou_store::register::{self, NewPerson, PersonUpdate};
use yikou_store::{on_db, reference, Store, StoreConfig, StoreError};

const GUMEI: &str = "310112006000";
const QIBAO: &str = "310112102000";

fn person(id: &str, name: &str, street: &str) -> NewPerson {
    NewPerson {
        external_id: None,
        id_number: IdNumber::parse(id).unwrap(),
        name: name.into(),
        phone: Some(Phone::parse("13812345678").unwrap()),
        address: Some("某路1号".into()),
        street_code: Some(street.into()),
        committee_code: None,
        household_id: None,
        is_household_head: true,
        categories: vec![("DB".into(), date!(2019 - 01 - 01), None)],
    }
}

fn campaign_2020() -> Campaign {
    Campaign::standard(2020)
}

fn project(code: &str, unit: &str, group: UnitGroup) -> Project {
    Project {
        code: code.into(),
        name: format!("测试项目{code}"),
        unit_code: unit.into(),
        unit_group: group,
        target_categories: vec!["DB".into()],
        form: Form::Cash,
        standard: Standard::PerPerson(Fen::from_yuan(900)),
        counting_unit: CountingUnit::Person,
        planned_count: 10,
        planned_budget: vec![("QJ".into(), Fen::from_yuan(9000))],
        exclusive_group: None,
    }
}

async fn count(store: &Store, sql: &str) -> i64 {
    on_db!(store.db(), p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await.unwrap())
}

#[tokio::test]
async fn init_writes_key_reference_data_and_a_one_time_admin() {
    for b in backends().await {
        let s = &b.store;
        assert!(b.cfg.key_path().exists(), "{}", b.name);
        assert_eq!(s.units().await.unwrap().iter().filter(|u| u.kind.is_street_level()).count(), 14);
        assert_eq!(s.categories().await.unwrap().iter().filter(|c| c.parent_code.is_none()).count(), 10);
        assert_eq!(s.funding_sources().await.unwrap().len(), 6);
        let admin = s.check_password("admin", &b.admin_password).await.unwrap().expect("admin logs in");
        assert_eq!(admin.role, Role::SystemAdmin);
        assert!(admin.must_change_password);
        assert!(s.check_password("admin", "wrong-Password1").await.unwrap().is_none());
        // A second init never overwrites the key.
        let key_before = std::fs::read_to_string(b.cfg.key_path()).unwrap();
        let err = Store::init(&b.cfg).await.err().expect("second init refused");
        assert!(matches!(err, StoreError::AlreadyInitialised(_)), "{}: {err}", b.name);
        assert!(err.to_string().contains("拒绝重复初始化"));
        assert_eq!(std::fs::read_to_string(b.cfg.key_path()).unwrap(), key_before);
        assert!(s.verify_audit().await.unwrap().ok());
    }
}

#[tokio::test]
async fn a_database_opened_with_another_key_is_refused() {
    for b in backends().await {
        b.store.close().await;
        let reopened = Store::open(&b.cfg).await.unwrap();
        reopened.close().await;
        let other = StoreConfig { key_hex: Some("ab".repeat(32)), ..b.cfg.clone() };
        let err = Store::open(&other).await.expect_err("wrong key refused");
        assert!(matches!(err, StoreError::WrongKey), "{}: {err}", b.name);
        assert!(err.to_string().contains("密钥与数据库不匹配"));
        std::fs::remove_file(b.cfg.key_path()).unwrap();
        let err = Store::open(&b.cfg).await.expect_err("missing key refused");
        assert!(matches!(err, StoreError::KeyMissing(_)));
    }
}

#[tokio::test]
async fn id_numbers_are_encrypted_keyed_and_masked() {
    for b in backends().await {
        let s = &b.store;
        let actor = Actor::system("test");
        let mut tx = s.write(&actor).await.unwrap();
        let id = register::create_person(&mut tx, &person("11010519491231002X", "张三", GUMEI)).await.unwrap();
        tx.commit().await.unwrap();

        let p = s.person(&Scope::All, id).await.unwrap().unwrap();
        assert_eq!(p.id_number_masked, "110105********002X");
        assert_eq!(p.sex, yikou_domain::Sex::Female);
        let expected_age = yikou_domain::age_between(time::macros::date!(1949 - 12 - 31), yikou_domain::today());
        assert_eq!(p.age, Some(expected_age), "age, never the birth date beside the masked number");
        assert_eq!(p.phone_masked.as_deref(), Some("138****5678"));
        assert_eq!(p.categories.len(), 1);
        // Nothing in the row holds the plaintext number.
        let plain_hits = on_db!(s.db(), pool => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM people WHERE id_masked LIKE '%19491231%' OR name LIKE '%11010519491231002X%'")
            .fetch_one(pool).await.unwrap());
        assert_eq!(plain_hits, 0);
        let blob: Vec<u8> = on_db!(s.db(), pool => sqlx::query_scalar("SELECT id_cipher FROM people WHERE id = $1").bind(id).fetch_one(pool).await.unwrap());
        assert!(!blob.windows(18).any(|w| w == b"11010519491231002X"));
        // Lookup by number goes through the keyed hash, also from a 15→18 equivalent input form.
        let found =
            s.find_person_by_id_number(&Scope::All, &IdNumber::parse("110105 19491231 002x").unwrap()).await.unwrap();
        assert_eq!(found, Some(id));
        // Revealing is audited.
        let before = s.audit_records(Some(("person", &id.to_string())), 10).await.unwrap().len();
        assert_eq!(s.reveal(&actor, id).await.unwrap().id_number.as_str(), "11010519491231002X");
        let after = s.audit_records(Some(("person", &id.to_string())), 10).await.unwrap();
        assert_eq!(after.len(), before + 1);
        assert_eq!(after[0].action, "person.reveal_id");
        // The audit trail of the creation names the number only masked.
        let created = after.iter().find(|r| r.action == "person.create").unwrap();
        assert!(created.after_json.as_ref().unwrap().contains("110105********002X"));
        assert!(!created.after_json.as_ref().unwrap().contains("11010519491231002X"));
    }
}

#[tokio::test]
async fn duplicates_are_refused_and_a_failed_batch_writes_nothing() {
    for b in backends().await {
        let s = &b.store;
        let actor = Actor::system("test");
        let mut tx = s.write(&actor).await.unwrap();
        let ids = register::insert_people(
            &mut tx,
            &[person("11010519491231002X", "甲", GUMEI), person("34052419800101001X", "乙", QIBAO)],
            "t1",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(ids.len(), 2);
        assert_eq!(s.person(&Scope::All, ids[1]).await.unwrap().unwrap().name, "乙");

        let audit_before = s.verify_audit().await.unwrap().records;
        let mut tx = s.write(&actor).await.unwrap();
        let err = register::insert_people(
            &mut tx,
            &[person("310221194503150021", "丙", GUMEI), person("11010519491231002X", "甲2", GUMEI)],
            "t2",
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("已在帮困对象库中"), "{err}");
        drop(tx);
        assert_eq!(s.count_people(&Scope::All).await.unwrap(), 2, "{}: nothing of the failed batch", b.name);
        assert_eq!(s.verify_audit().await.unwrap().records, audit_before);

        let mut tx = s.write(&actor).await.unwrap();
        let err = register::create_person(&mut tx, &person("34052419800101001X", "乙", QIBAO)).await.unwrap_err();
        assert!(err.to_string().contains("340524********001X"), "{err}");
        let mut bad = person("310221194503150021", "丁", GUMEI);
        bad.categories = vec![("NOPE".into(), date!(2019 - 01 - 01), None)];
        let err = register::create_person(&mut tx, &bad).await.unwrap_err();
        assert!(err.to_string().contains("类别代码不存在"), "{err}");
    }
}

#[tokio::test]
async fn scope_limits_every_read_to_the_users_area() {
    for b in backends().await {
        let s = &b.store;
        let actor = Actor::system("test");
        let mut tx = s.write(&actor).await.unwrap();
        let gumei = register::create_person(&mut tx, &person("11010519491231002X", "古美人", GUMEI)).await.unwrap();
        let qibao = register::create_person(&mut tx, &person("34052419800101001X", "七宝人", QIBAO)).await.unwrap();
        tx.commit().await.unwrap();
        let street = Scope::Street(GUMEI.into());
        assert!(s.person(&street, gumei).await.unwrap().is_some());
        assert!(s.person(&street, qibao).await.unwrap().is_none(), "{}: other street invisible", b.name);
        assert_eq!(s.count_people(&street).await.unwrap(), 1);
        assert_eq!(s.count_people(&Scope::Nothing).await.unwrap(), 0);
        let qibao_id = IdNumber::parse("34052419800101001X").unwrap();
        assert_eq!(s.find_person_by_id_number(&street, &qibao_id).await.unwrap(), None);
        let street_actor = Actor { login: "gm".into(), role: Some(Role::Street), scope: street.clone() };
        assert!(matches!(s.reveal(&street_actor, qibao).await, Err(StoreError::NotFound(_))));
        let mut tx = s.write(&street_actor).await.unwrap();
        let err = register::update_person(
            &mut tx,
            &street,
            qibao,
            &PersonUpdate { name: Some("x".into()), ..Default::default() },
        )
        .await
        .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)));
        // A department sees only people on its own projects' rosters.
        assert_eq!(s.count_people(&Scope::Unit("310112-RSJ".into())).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn register_edits_record_before_and_after() {
    for b in backends().await {
        let s = &b.store;
        let actor = Actor::system("test");
        let mut tx = s.write(&actor).await.unwrap();
        let id = register::create_person(&mut tx, &person("11010519491231002X", "张三", GUMEI)).await.unwrap();
        register::add_category(&mut tx, id, "LR", date!(2019 - 06 - 01), None).await.unwrap();
        let changed = register::update_person(
            &mut tx,
            &Scope::All,
            id,
            &PersonUpdate {
                name: Some("张三丰".into()),
                phone: Some(Some(Phone::parse("021-64123456").unwrap())),
                deceased_on: Some(Some(date!(2020 - 01 - 05))),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(changed, vec!["name", "phone", "deceased_on"]);
        let none = register::update_person(
            &mut tx,
            &Scope::All,
            id,
            &PersonUpdate { name: Some(" 张三丰 ".into()), ..Default::default() },
        )
        .await
        .unwrap();
        assert!(none.is_empty(), "no change, no audit record");
        tx.commit().await.unwrap();
        let p = s.person(&Scope::All, id).await.unwrap().unwrap();
        assert_eq!(p.name, "张三丰");
        assert_eq!(p.deceased_on.map(|d| d.to_string()).as_deref(), Some("2020-01-05"));
        assert_eq!(p.categories.len(), 2);
        let rec = &s.audit_records(Some(("person", &id.to_string())), 1).await.unwrap()[0];
        assert_eq!(rec.action, "person.update");
        let before: serde_json::Value = serde_json::from_str(rec.before_json.as_ref().unwrap()).unwrap();
        let after: serde_json::Value = serde_json::from_str(rec.after_json.as_ref().unwrap()).unwrap();
        assert_eq!(before["name"], json!("张三"));
        assert_eq!(after["phone"], json!("021-6412****"));
        assert!(!rec.after_json.as_ref().unwrap().contains("64123456"));
    }
}

#[tokio::test]
async fn campaigns_phases_and_projects() {
    for b in backends().await {
        let s = &b.store;
        let actor = Actor::system("test");
        let mut tx = s.write(&actor).await.unwrap();
        let mut c = campaign_2020();
        c.stated_person_times = Some(112_800);
        let cid = campaign::create_campaign(&mut tx, &c).await.unwrap();
        let err = campaign::create_campaign(&mut tx, &c).await.unwrap_err();
        assert!(err.to_string().contains("2020年的活动已存在"));
        campaign::set_phase(&mut tx, cid, Phase::Implement).await.unwrap();
        let pid = campaign::create_project(&mut tx, cid, &project("MZ-01", BUREAU_CODE, UnitGroup::CivilAffairs))
            .await
            .unwrap();
        let err = campaign::create_project(&mut tx, cid, &project("MZ-01", BUREAU_CODE, UnitGroup::CivilAffairs))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("已存在"), "{err}");
        let mut bad = project("MZ-02", BUREAU_CODE, UnitGroup::CivilAffairs);
        bad.target_categories = vec!["XX".into()];
        assert!(campaign::create_project(&mut tx, cid, &bad)
            .await
            .unwrap_err()
            .to_string()
            .contains("对象类别“XX”不存在"));
        let mut bad = project("MZ-03", "NO-SUCH-UNIT", UnitGroup::CivilAffairs);
        bad.planned_budget.clear();
        assert!(campaign::create_project(&mut tx, cid, &bad).await.unwrap_err().to_string().contains("NO-SUCH-UNIT"));
        tx.commit().await.unwrap();
        let stored = s.campaign(2020).await.unwrap().unwrap();
        assert_eq!(stored.campaign.phases.len(), 4);
        assert_eq!(stored.current_phase, Some(Phase::Implement));
        assert_eq!(stored.campaign.stated_person_times, Some(112_800));
        assert_eq!(s.latest_campaign_year().await.unwrap(), Some(2020));
        let ps = s.projects(&Scope::All, cid).await.unwrap();
        assert_eq!(ps.len(), 1, "{}: failed projects left nothing", b.name);
        assert_eq!(ps[0].id, pid);
        assert_eq!(ps[0].project, project("MZ-01", BUREAU_CODE, UnitGroup::CivilAffairs));
        assert!(s.projects(&Scope::Unit("310112-RSJ".into()), cid).await.unwrap().is_empty());
        assert_eq!(s.projects(&Scope::Unit(BUREAU_CODE.into()), cid).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn entitlements_follow_the_state_machine_and_freeze_the_approved_amount() {
    for b in backends().await {
        let s = &b.store;
        let actor = Actor::system("test");
        let mut tx = s.write(&actor).await.unwrap();
        let cid = campaign::create_campaign(&mut tx, &campaign_2020()).await.unwrap();
        let pid = campaign::create_project(&mut tx, cid, &project("MZ-01", BUREAU_CODE, UnitGroup::CivilAffairs))
            .await
            .unwrap();
        let person_id = register::create_person(&mut tx, &person("11010519491231002X", "张三", GUMEI)).await.unwrap();
        let eid = campaign::add_entitlement(
            &mut tx,
            &NewEntitlement {
                external_id: None,
                project_id: pid,
                person_id,
                household_id: None,
                household_size: None,
                source_code: "QJ".into(),
                amount: Fen::from_yuan(900),
                listed_name: None,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        let all = Scope::All;
        let mut tx = s.write(&actor).await.unwrap();
        campaign::set_entitlement_amount(&mut tx, &all, eid, Fen::from_yuan(800)).await.unwrap();
        let err = campaign::transition_entitlement(&mut tx, &all, eid, EntitlementState::Disbursed).await.unwrap_err();
        assert!(err.to_string().contains("“草稿”变为“已发放”"), "{err}");
        campaign::transition_entitlement(&mut tx, &all, eid, EntitlementState::Submitted).await.unwrap();
        campaign::transition_entitlement(&mut tx, &all, eid, EntitlementState::Approved).await.unwrap();
        let err = campaign::set_entitlement_amount(&mut tx, &all, eid, Fen::from_yuan(1000)).await.unwrap_err();
        assert!(err.to_string().contains("已锁定"), "{err}");
        campaign::transition_entitlement(&mut tx, &all, eid, EntitlementState::Failed).await.unwrap();
        campaign::transition_entitlement(&mut tx, &all, eid, EntitlementState::Reissued).await.unwrap();
        campaign::transition_entitlement(&mut tx, &all, eid, EntitlementState::Disbursed).await.unwrap();
        tx.commit().await.unwrap();

        let e = s.entitlement(&all, eid).await.unwrap().unwrap();
        assert_eq!(e.entitlement.state, EntitlementState::Disbursed);
        assert_eq!(e.entitlement.amount, Fen::from_yuan(800));
        assert_eq!(e.entitlement.approved_amount, Some(Fen::from_yuan(800)));
        assert_eq!(s.entitlements_of_person(&all, person_id).await.unwrap().len(), 1);
        assert!(s.entitlement(&Scope::Street(QIBAO.into()), eid).await.unwrap().is_none());
        assert!(s.entitlement(&Scope::Street(GUMEI.into()), eid).await.unwrap().is_some());
        let trail = s.audit_records(Some(("entitlement", &eid.to_string())), 20).await.unwrap();
        assert_eq!(trail.iter().filter(|r| r.action == "entitlement.transition").count(), 5);
        assert_eq!(trail.iter().filter(|r| r.action == "entitlement.set_amount").count(), 1);
    }
}

#[tokio::test]
async fn audit_verify_detects_changed_and_deleted_records() {
    for b in backends().await {
        let s = &b.store;
        let actor = Actor::system("test");
        for i in 0..3 {
            let mut tx = s.write(&actor).await.unwrap();
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
        let v = s.verify_audit().await.unwrap();
        assert!(v.ok(), "{}: {:?}", b.name, v);
        let n = v.records;
        assert!(n >= 5);

        // Change a record's content.
        on_db!(s.db(), p => sqlx::query("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3").execute(p).await.unwrap().rows_affected());
        let v = s.verify_audit().await.unwrap();
        assert_eq!(v.first_bad, Some(3), "{}: {:?}", b.name, v);
        assert!(v.problem.unwrap().contains("#3"));
        on_db!(s.db(), p => sqlx::query("UPDATE audit_log SET actor = 'system:init' WHERE seq = 3").execute(p).await.unwrap().rows_affected());
        assert!(s.verify_audit().await.unwrap().ok(), "restoring the content restores the chain");

        // Delete a record in the middle.
        on_db!(s.db(), p => sqlx::query("DELETE FROM audit_log WHERE seq = 2").execute(p).await.unwrap().rows_affected());
        let v = s.verify_audit().await.unwrap();
        assert_eq!(v.first_bad, Some(2));
    }
}

#[tokio::test]
async fn audit_verify_detects_a_deleted_last_record() {
    for b in backends().await {
        let s = &b.store;
        let n = s.verify_audit().await.unwrap().records;
        on_db!(s.db(), p => sqlx::query("DELETE FROM audit_log WHERE seq = $1").bind(n).execute(p).await.unwrap().rows_affected());
        let v = s.verify_audit().await.unwrap();
        assert!(!v.ok(), "{}", b.name);
        assert_eq!(v.first_bad, Some(n));
        on_db!(s.db(), p => sqlx::query("DELETE FROM audit_head").execute(p).await.unwrap().rows_affected());
        let v = s.verify_audit().await.unwrap();
        assert!(v.problem.unwrap().contains("audit_head"), "{}", b.name);
    }
}

#[tokio::test]
async fn users_are_created_with_rules_and_unique_logins() {
    for b in backends().await {
        let s = &b.store;
        let mut tx = s.write(&Actor::system("test")).await.unwrap();
        let mk = |login: &str, pw: &str, unit: &str| users::NewUser {
            login: login.into(),
            display_name: "古美经办".into(),
            unit_code: unit.into(),
            role: Role::Street,
            password: pw.into(),
            must_change_password: false,
        };
        users::create_user(&mut tx, &mk("gumei1", "Gumei-2020", GUMEI)).await.unwrap();
        assert!(users::create_user(&mut tx, &mk("gumei1", "Gumei-2020", GUMEI))
            .await
            .unwrap_err()
            .to_string()
            .contains("已被使用"));
        assert!(users::create_user(&mut tx, &mk("gumei2", "short", GUMEI))
            .await
            .unwrap_err()
            .to_string()
            .contains("至少8位"));
        assert!(users::create_user(&mut tx, &mk("gumei3", "Gumei-2020", "999"))
            .await
            .unwrap_err()
            .to_string()
            .contains("单位代码“999”不存在"));
        assert!(
            users::create_user(&mut tx, &mk("gumei4", "Gumei-2020", yikou_domain::reference::BUREAU_CODE))
                .await
                .unwrap_err()
                .to_string()
                .contains("不能设在这个单位"),
            "a street operator must belong to a street/town"
        );
        tx.commit().await.unwrap();
        let u = s.check_password("gumei1", "Gumei-2020").await.unwrap().unwrap();
        assert_eq!((u.role, u.unit_code.as_str()), (Role::Street, GUMEI));
        let hash: String = on_db!(s.db(), p => sqlx::query_scalar("SELECT password_hash FROM users WHERE login = 'gumei1'").fetch_one(p).await.unwrap());
        assert!(hash.starts_with("$argon2id$"));
    }
}

#[tokio::test]
async fn summary_counts_people_households_and_money_by_group() {
    for b in backends().await {
        let s = &b.store;
        let actor = Actor::system("test");
        let mut tx = s.write(&actor).await.unwrap();
        let mut c = campaign_2020();
        c.stated_person_times = Some(4);
        c.stated_amount_fen = Some(Fen::from_yuan(2_400).0);
        let cid = campaign::create_campaign(&mut tx, &c).await.unwrap();
        let mz = campaign::create_project(&mut tx, cid, &project("MZ-01", BUREAU_CODE, UnitGroup::CivilAffairs))
            .await
            .unwrap();
        let mut p2 = project("JZ-01", GUMEI, UnitGroup::Streets);
        p2.target_categories = vec!["LR".into()];
        let jz = campaign::create_project(&mut tx, cid, &p2).await.unwrap();
        let hh = register::create_household(&mut tx, "H1", Some(GUMEI), None).await.unwrap();
        let mut a = person("11010519491231002X", "甲", GUMEI);
        a.household_id = Some(hh);
        let mut b2 = person("34052419800101001X", "乙", GUMEI);
        b2.household_id = Some(hh);
        let ids =
            register::insert_people(&mut tx, &[a, b2, person("310221194503150021", "丙", QIBAO)], "t").await.unwrap();
        let ent = |project_id, person_id, source: &str, yuan| NewEntitlement {
            external_id: None,
            project_id,
            person_id,
            household_id: None,
            household_size: None,
            source_code: source.into(),
            amount: Fen::from_yuan(yuan),
            listed_name: None,
        };
        campaign::insert_entitlements(
            &mut tx,
            &[
                ent(mz, ids[0], "SJ", 900),
                ent(mz, ids[1], "QJ", 300),
                ent(jz, ids[0], "JZPT", 500),
                ent(mz, ids[2], "QJ", 600),
            ],
            EntitlementState::Disbursed,
            "t",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        let sum = s.campaign_summary(&Scope::All, 2020).await.unwrap();
        let mzg = &sum.groups[0];
        assert_eq!((mzg.projects, mzg.person_times, mzg.people, mzg.households), (1, 3, 3, 2), "{}", b.name);
        assert_eq!(mzg.amount_fen, Fen::from_yuan(1_800).0);
        assert_eq!((mzg.standard_min_fen, mzg.standard_max_fen), (Some(30_000), Some(90_000)));
        assert_eq!(mzg.by_source_fen["市级资金"], 90_000);
        assert_eq!(mzg.by_source_fen["区级资金"], 90_000);
        assert_eq!(sum.groups[1].projects, 0);
        let jzg = &sum.groups[2];
        assert_eq!((jzg.projects, jzg.person_times, jzg.people), (1, 1, 1));
        assert_eq!(sum.total.person_times, 4);
        assert_eq!(sum.total.people, 3, "a person in two groups is one person");
        assert_eq!(sum.total.households, 2);
        assert_eq!(sum.total.amount_fen, Fen::from_yuan(2_300).0);
        assert_eq!(sum.total.categories, 2);
        assert_eq!(sum.mismatches.len(), 1);
        assert_eq!(sum.mismatches[0].field, "amount_fen");
        // A street's summary counts only its people and its own projects.
        let gm = s.campaign_summary(&Scope::Street(GUMEI.into()), 2020).await.unwrap();
        assert_eq!(gm.total.person_times, 3);
        assert_eq!(gm.total.people, 2);
        assert!(gm.mismatches.is_empty());
        assert_eq!(count(s, "SELECT COUNT(*) FROM entitlements WHERE approved_amount_fen = amount_fen").await, 4);
        // The new group fields: the plan beside the money disbursed (all four were written disbursed).
        assert_eq!((mzg.approved_fen, mzg.disbursed_fen), (mzg.amount_fen, mzg.amount_fen), "{}", b.name);

        // 各成员单位总结: filed, filed again (version 2), listed; the data version moves with each write.
        let before = s.data_version().await.unwrap();
        let cid = s.campaign(2020).await.unwrap().unwrap().id;
        for text in ["第一稿：本单位完成了节日帮困发放。", "第二稿：本单位完成了节日帮困发放和回访。"]
        {
            let mut tx = s.write(&Actor::system("t")).await.unwrap();
            yikou_store::report::units::file_unit_report(&mut tx, cid, GUMEI, text, "{}").await.unwrap();
            tx.commit().await.unwrap();
        }
        let filed = s.unit_reports(cid).await.unwrap();
        assert_eq!(filed.len(), 1, "{}", b.name);
        assert_eq!((filed[0].version, filed[0].body.starts_with("第二稿")), (2, true));
        assert!(s.data_version().await.unwrap() > before);
        // Reading, exporting and signing in leave it: figures kept for it stay valid.
        let kept = s.data_version().await.unwrap();
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        tx.audit("person.export", "person", "*", None, None).await.unwrap();
        tx.audit("auth.login", "user", "gumei", None, None).await.unwrap();
        tx.audit("person.reveal_id", "person", "1", None, None).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(s.data_version().await.unwrap(), kept, "{}", b.name);
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        tx.audit("entitlement.set_amount", "entitlement", "1", None, None).await.unwrap();
        tx.commit().await.unwrap();
        assert!(s.data_version().await.unwrap() > kept, "{}", b.name);
        assert!(s.verify_audit().await.unwrap().ok(), "{}", b.name);
    }
}

#[tokio::test]
async fn decisions_on_findings_survive_reruns_until_the_facts_change() {
    use yikou_store::check::{decide, save_rules};
    for b in backends().await {
        let s = &b.store;
        let actor = Actor::system("reviewer");
        let mut tx = s.write(&actor).await.unwrap();
        let cid = campaign::create_campaign(&mut tx, &campaign_2020()).await.unwrap();
        let pid = campaign::create_project(&mut tx, cid, &project("MZ-01", BUREAU_CODE, UnitGroup::CivilAffairs))
            .await
            .unwrap();
        let person_id = register::create_person(&mut tx, &person("11010519491231002X", "张三", GUMEI)).await.unwrap();
        let ent = NewEntitlement {
            external_id: None,
            project_id: pid,
            person_id,
            household_id: None,
            household_size: None,
            source_code: "QJ".into(),
            amount: Fen::from_yuan(900),
            listed_name: Some("张三".into()),
        };
        campaign::insert_entitlements(&mut tx, &[ent.clone(), ent.clone()], EntitlementState::Draft, "t")
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let on = date!(2020 - 01 - 10);
        let r = s.run_check(cid, on).await.unwrap();
        assert_eq!(r.counts.dup_in_project, 1, "{}", b.name);
        let f = r.findings.iter().find(|f| f.kind == yikou_domain::FindingKind::DupInProject).unwrap().clone();
        assert_eq!(f.key, format!("dup_in_project:MZ-01:{person_id}"));
        assert_eq!(f.people[0].id_number_masked, "110105********002X");
        assert_eq!(f.status, yikou_domain::FindingStatus::Open);

        let mut tx = s.write(&actor).await.unwrap();
        let err = decide(&mut tx, cid, &f, false, " ").await.unwrap_err();
        assert!(err.to_string().contains("必须填写理由"), "{err}");
        decide(&mut tx, cid, &f, false, "两次发放已核实为同一笔的重复录入，另一笔已撤销").await.unwrap();
        tx.commit().await.unwrap();

        let again = s.run_check(cid, on).await.unwrap();
        let same = again.findings.iter().find(|x| x.key == f.key).unwrap();
        assert_eq!(same.status, yikou_domain::FindingStatus::Dismissed, "{}: a re-run keeps the decision", b.name);
        assert!(same.reason.as_deref().unwrap().contains("重复录入"));
        // Who decided and when: the account (no account here: the login) and the stored time.
        assert_eq!(same.decided_by.as_deref(), Some("system:reviewer"), "{}", b.name);
        assert!(same.decided_at.as_deref().is_some_and(|t| t.starts_with("20")), "{:?}", same.decided_at);

        // A third listing changes the facts: the finding opens again.
        let mut tx = s.write(&actor).await.unwrap();
        campaign::insert_entitlements(&mut tx, std::slice::from_ref(&ent), EntitlementState::Draft, "t").await.unwrap();
        tx.commit().await.unwrap();
        let changed = s.run_check(cid, on).await.unwrap();
        assert_eq!(
            changed.findings.iter().find(|x| x.key == f.key).unwrap().status,
            yikou_domain::FindingStatus::Reopened,
            "{}",
            b.name
        );

        // Rules: a bad rule set is refused whole; a good one becomes version 1 and is used.
        let mut bad = s.rules(cid).await.unwrap().1;
        bad.conditions.insert("XX-99".into(), Default::default());
        let mut tx = s.write(&actor).await.unwrap();
        let err = save_rules(&mut tx, cid, &bad).await.unwrap_err();
        assert!(err.to_string().contains("“XX-99”不存在"), "{err}");
        drop(tx);
        let mut rules = s.rules(cid).await.unwrap().1;
        rules.cap_per_person_fen = Some(100_000);
        let mut tx = s.write(&actor).await.unwrap();
        assert_eq!(save_rules(&mut tx, cid, &rules).await.unwrap(), 1);
        tx.commit().await.unwrap();
        let capped = s.run_check(cid, on).await.unwrap();
        assert_eq!(capped.rules_version, 1);
        assert_eq!(capped.counts.over_cap, 1, "{}: 3 × 900元 is over a 1,000元 cap", b.name);
        let audit = s.audit_records(None, 100).await.unwrap();
        assert!(audit.iter().any(|a| a.action == "finding.dismiss"));
        assert!(audit.iter().any(|a| a.action == "rules.save"));
        assert!(s.verify_audit().await.unwrap().ok());
    }
}

/// Every PostgreSQL connection runs without JIT (a payment batch of 16,031 lines took 12 minutes
/// to create, almost all of it compiling its insert statements; 2 s without) and checks that its
/// client is still there while a statement runs (a killed process's statement stops instead of
/// running on with its locks held).
#[tokio::test]
async fn postgresql_connections_run_without_jit_and_notice_a_vanished_client() {
    use yikou_store::Db;
    for b in backends().await {
        let s = Store::open(&b.cfg).await.unwrap();
        if let Db::Postgres(p) = s.db() {
            let jit: String = sqlx::query_scalar("SELECT current_setting('jit')").fetch_one(p).await.unwrap();
            assert_eq!(jit, "off");
            let check: String = sqlx::query_scalar("SELECT current_setting('client_connection_check_interval')")
                .fetch_one(p)
                .await
                .unwrap();
            assert_eq!(check, "2s");
        }
    }
}

#[tokio::test]
async fn the_pool_size_and_statement_timeout_are_the_configured_ones() {
    use std::time::Duration;
    use yikou_store::{Db, PoolSettings};
    for b in backends().await {
        let settings = PoolSettings { max_connections: 3, statement_timeout: Some(Duration::from_millis(500)) };
        let db = Db::connect_with(&b.cfg.url(), settings).await.unwrap();
        assert_eq!(db.max_connections(), 3, "{}", b.name);
        if let Db::Postgres(p) = &db {
            // A statement past the timeout is ended by the server; a short one runs.
            let e = sqlx::query("SELECT pg_sleep(2)").execute(p).await.unwrap_err().to_string();
            assert!(e.contains("statement timeout"), "{e}");
            sqlx::query("SELECT pg_sleep(0.1)").execute(p).await.unwrap();
            // Without a timeout the same statement runs to its end.
            let open = Db::connect_with(&b.cfg.url(), PoolSettings::default()).await.unwrap();
            let Db::Postgres(p) = &open else { unreachable!() };
            sqlx::query("SELECT pg_sleep(0.6)").execute(p).await.unwrap();
        }
        // The store opens through the configuration with the same settings.
        let cfg = StoreConfig { pool: settings, ..b.cfg.clone() };
        let s = Store::open(&cfg).await.unwrap();
        assert_eq!(s.db().max_connections(), 3, "{}", b.name);
    }
}
