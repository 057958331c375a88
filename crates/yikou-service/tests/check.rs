//! The cross-check use cases: who may run it, which findings each actor sees, and deciding one.

mod common;

use common::{actor, fresh, GUMEI, QIBAO};
use yikou_domain::reference::BUREAU_CODE;
use yikou_domain::{
    Actor, Campaign, CountingUnit, EntitlementState, Fen, Form, IdNumber, Project, Role, Standard, UnitGroup,
};
use yikou_service::check::{self, Decision};
use yikou_service::ServiceError;
use yikou_store::campaign::{self, NewEntitlement};
use yikou_store::register::{self, NewPerson};
use yikou_store::Store;

fn person(id: &str, name: &str, street: &str) -> NewPerson {
    NewPerson {
        external_id: None,
        id_number: IdNumber::parse(id).unwrap(),
        name: name.into(),
        phone: None,
        address: None,
        street_code: Some(street.into()),
        committee_code: None,
        household_id: None,
        is_household_head: true,
        categories: vec![("DB".into(), time::macros::date!(2019 - 01 - 01), None)],
    }
}

/// The 2020 campaign with one project listing a person of 古美 twice and one of 七宝 twice: a
/// `dup_in_project` finding in each street. Returns the two finding keys (古美, 七宝).
async fn two_streets_with_a_duplicate_each(store: &Store) -> (String, String) {
    let mut tx = store.write(&Actor::system("test")).await.unwrap();
    let cid = campaign::create_campaign(&mut tx, &Campaign::standard(2020)).await.unwrap();
    let project = Project {
        code: "MZ-01".into(),
        name: "测试项目".into(),
        unit_code: BUREAU_CODE.into(),
        unit_group: UnitGroup::CivilAffairs,
        target_categories: vec!["DB".into()],
        form: Form::Cash,
        standard: Standard::PerPerson(Fen::from_yuan(900)),
        counting_unit: CountingUnit::Person,
        planned_count: 10,
        planned_budget: vec![("QJ".into(), Fen::from_yuan(9000))],
        exclusive_group: None,
    };
    let pid = campaign::create_project(&mut tx, cid, &project).await.unwrap();
    let mut keys = Vec::new();
    for (id, name, street) in [("11010519491231002X", "张三", GUMEI), ("310221194503150021", "李四", QIBAO)] {
        let person_id = register::create_person(&mut tx, &person(id, name, street)).await.unwrap();
        let ent = NewEntitlement {
            external_id: None,
            project_id: pid,
            person_id,
            household_id: None,
            household_size: None,
            source_code: "QJ".into(),
            amount: Fen::from_yuan(900),
            listed_name: Some(name.into()),
        };
        campaign::insert_entitlements(&mut tx, &[ent.clone(), ent], EntitlementState::Draft, "t").await.unwrap();
        keys.push(format!("dup_in_project:MZ-01:{person_id}"));
    }
    tx.commit().await.unwrap();
    (keys[0].clone(), keys[1].clone())
}

#[tokio::test]
async fn each_actor_sees_the_findings_of_their_area_only() {
    let f = fresh().await;
    let s = &f.store;
    assert!(matches!(check::run(s, &Actor::system("check"), None).await, Err(ServiceError::NotFound)));
    let (gumei, qibao) = two_streets_with_a_duplicate_each(s).await;

    let all = check::run(s, &Actor::system("check"), None).await.unwrap();
    assert_eq!(all.campaign.campaign.year, 2020);
    assert_eq!(all.report.counts.dup_in_project, 2);
    let bureau = check::run(s, &actor("mzj", Role::Bureau, BUREAU_CODE), Some(2020)).await.unwrap();
    assert_eq!(bureau.of_kind(yikou_domain::FindingKind::DupInProject).count(), 2);

    let street = check::run(s, &actor("qibao1", Role::Street, QIBAO), None).await.unwrap();
    let keys: Vec<&str> = street.report.findings.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys, [qibao.as_str()], "a street clerk sees their street's findings only");
    assert_eq!(street.report.counts.dup_in_project, 1, "and counts only those");
    assert!(!keys.contains(&gumei.as_str()));

    for role in [Role::Committee, Role::Caller, Role::Department, Role::SystemAdmin, Role::AuditAdmin] {
        let r = check::run(s, &actor("x", role, BUREAU_CODE), None).await;
        assert!(matches!(r, Err(ServiceError::Forbidden)), "{role:?} may not use the cross-check");
    }
    assert!(matches!(check::run(s, &Actor::system("check"), Some(2019)).await, Err(ServiceError::NotFound)));
}

#[tokio::test]
async fn a_finding_is_decided_within_the_actors_area_and_a_dismissal_needs_a_reason() {
    let f = fresh().await;
    let s = &f.store;
    let (gumei, qibao) = two_streets_with_a_duplicate_each(s).await;
    let clerk = actor("qibao1", Role::Street, QIBAO);
    let reason = |r: &str| Decision::Dismiss { reason: r.into() };

    let outside = check::decide(s, &clerk, None, &gumei, reason("已核实为同一笔的重复录入")).await;
    assert!(matches!(outside, Err(ServiceError::NotFound)), "a finding of another street is not found");
    let unknown = check::decide(s, &clerk, None, "dup_in_project:NOPE:1", reason("已核实")).await;
    assert!(matches!(unknown, Err(ServiceError::NotFound)));
    match check::decide(s, &clerk, None, &qibao, reason(" ")).await {
        Err(ServiceError::Rejected(m)) => assert!(m.contains("必须填写理由"), "{m}"),
        other => panic!("a dismissal without a reason is refused: {other:?}"),
    }
    let caller = actor("caller1", Role::Caller, QIBAO);
    let refused = check::decide(s, &caller, None, &qibao, reason("已核实为同一笔的重复录入")).await;
    assert!(matches!(refused, Err(ServiceError::Forbidden)));

    let d = check::decide(s, &clerk, None, &qibao, reason("已核实为同一笔的重复录入")).await.unwrap();
    assert_eq!(
        (d.key.as_str(), d.kind, d.status),
        (qibao.as_str(), yikou_domain::FindingKind::DupInProject, yikou_domain::FindingStatus::Dismissed)
    );
    let again = check::run(s, &clerk, None).await.unwrap();
    assert_eq!(again.report.findings[0].status, yikou_domain::FindingStatus::Dismissed);
    assert!(again.report.findings[0].reason.as_deref().unwrap().contains("重复录入"));

    let bureau = actor("mzj", Role::Bureau, BUREAU_CODE);
    let d = check::decide(s, &bureau, Some(2020), &gumei, Decision::Confirm { reason: String::new() }).await.unwrap();
    assert_eq!(d.status, yikou_domain::FindingStatus::Confirmed);
    let audit = s.audit_records(None, 100).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "finding.dismiss" && a.actor == "qibao1"));
    assert!(s.verify_audit().await.unwrap().ok());
}

#[tokio::test]
async fn the_servers_refresh_runs_the_check_only_after_a_change_and_yikou_check_always() {
    let f = fresh().await;
    let s = &f.store;
    assert!(!check::keep_current(s).await.unwrap(), "no campaign: nothing to keep");
    two_streets_with_a_duplicate_each(s).await;
    assert!(check::keep_current(s).await.unwrap(), "never run: run now");
    assert!(!check::keep_current(s).await.unwrap(), "nothing changed since");
    let kept = check::run(s, &Actor::system("t"), None).await.unwrap().report.computed_at;
    // A street's reader gets the kept run, within its area.
    let street = check::run(s, &actor("gumei1", Role::Street, GUMEI), None).await.unwrap().report;
    assert_eq!((street.computed_at.as_str(), street.findings.len()), (kept.as_str(), 1));
    // A register edit: the next round runs it again.
    let mut tx = s.write(&Actor::system("test")).await.unwrap();
    register::create_person(&mut tx, &person("310112195001010013", "王五", GUMEI)).await.unwrap();
    tx.commit().await.unwrap();
    assert!(check::keep_current(s).await.unwrap(), "a person registered: run again");
    assert!(!check::keep_current(s).await.unwrap());
    // `yikou check` runs it whatever is kept, and keeps that run.
    let now = check::refresh(s, &Actor::system("check"), None).await.unwrap().report.computed_at;
    assert_ne!(now, kept);
    assert_eq!(check::run(s, &Actor::system("t"), None).await.unwrap().report.computed_at, now);
}
