//! The exchange use cases: only the whole district loads or exports full ID numbers, a load into a
//! new year makes its campaign in the same transaction, and every export is on record.

mod common;

use common::{actor, fresh, GUMEI};
use yikou_domain::exchange::{ExEntitlement, ExPerson, ExProject, Exchange};
use yikou_domain::reference::BUREAU_CODE;
use yikou_domain::{IdNumber, Role, UnitGroup};
use yikou_service::{exchange, ServiceError};

fn one_person_one_project() -> Exchange {
    Exchange {
        people: vec![ExPerson {
            person_id: "p1".into(),
            id_number: IdNumber::parse("11010519491231002X").unwrap(),
            name: "交换甲".into(),
            street_code: Some(GUMEI.into()),
            household_id: None,
            categories: vec!["DB".into()],
            deceased: false,
        }],
        projects: vec![ExProject {
            project_id: "X-01".into(),
            unit_group: UnitGroup::CivilAffairs,
            exclusive_group: None,
            per_household: false,
            target_categories: vec!["DB".into()],
        }],
        entitlements: vec![ExEntitlement { entitlement_id: "e1".into(), project: 0, person: 0, amount_fen: 90_000 }],
    }
}

#[tokio::test]
async fn only_the_whole_district_loads_and_exports_and_an_export_is_audited() {
    let f = fresh().await;
    let s = &f.store;
    let street = actor("gumei1", Role::Street, GUMEI);
    let bureau = actor("bureau1", Role::Bureau, BUREAU_CODE);
    let auditor = actor("audit1", Role::AuditAdmin, BUREAU_CODE);
    let ex = one_person_one_project();

    assert!(matches!(exchange::load(s, &street, 2021, &ex).await, Err(ServiceError::Forbidden)));
    assert!(s.campaign(2021).await.unwrap().is_none(), "a refused load makes no campaign");

    let (campaign, report) = exchange::load(s, &bureau, 2021, &ex).await.unwrap();
    assert_eq!((campaign.year, report.people_created, report.entitlements_created), (2021, 1, 1));
    assert!(s.campaign(2021).await.unwrap().is_some(), "the year's campaign was made with the load");

    assert!(matches!(exchange::export(s, &street, Some(2021)).await, Err(ServiceError::Forbidden)));
    assert!(matches!(exchange::export(s, &auditor, Some(2021)).await, Err(ServiceError::Forbidden)));
    assert!(matches!(exchange::export(s, &bureau, Some(1999)).await, Err(ServiceError::NotFound)));
    let (_, out) = exchange::export(s, &bureau, Some(2021)).await.unwrap();
    assert_eq!((out.people.len(), out.entitlements.len()), (1, 1));
    let audit = s.audit_records(None, 100).await.unwrap();
    let record = audit.iter().find(|a| a.action == "campaign.export").expect("the export is on record");
    assert_eq!(record.actor, "bureau1");
    assert!(s.verify_audit().await.unwrap().ok());
}
