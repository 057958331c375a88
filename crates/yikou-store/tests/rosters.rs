//! 名单 (rosters) on every backend: a unit's entries of a project are its roster; submission,
//! return with a comment, resubmission and approval; approval freezes the entries; nobody reviews a
//! roster they had a hand in; a roster under review takes no changes.

mod common;

use common::backends;
use time::macros::date;
use yikou_domain::reference::BUREAU_CODE;
use yikou_domain::roster::{ReviewDecision, RosterAct, RosterState};
use yikou_domain::{
    Actor, Campaign, CountingUnit, EntitlementState, Fen, Form, IdNumber, Project, Role, Scope, Standard, UnitGroup,
};
use yikou_store::accounts::users::{create_user, NewUser};
use yikou_store::campaign::{self, NewEntitlement};
use yikou_store::register::{self, NewPerson, PersonUpdate};
use yikou_store::rosters;
use yikou_store::{Store, StoreError};

const GUMEI: &str = "310112006000";

fn person(id: &str, name: &str) -> NewPerson {
    NewPerson {
        external_id: None,
        id_number: IdNumber::parse(id).unwrap(),
        name: name.into(),
        phone: None,
        address: None,
        street_code: Some(GUMEI.into()),
        committee_code: None,
        household_id: None,
        is_household_head: true,
        categories: vec![("DB".into(), date!(2019 - 01 - 01), None)],
    }
}

fn user(login: &str, unit: &str, role: Role) -> Actor {
    Actor { login: login.into(), role: Some(role), scope: role.scope(unit) }
}

fn entry(project_id: i64, person_id: i64, yuan: i64) -> NewEntitlement {
    NewEntitlement {
        external_id: None,
        project_id,
        person_id,
        household_id: None,
        household_size: None,
        source_code: "QJ".into(),
        amount: Fen::from_yuan(yuan),
        listed_name: None,
    }
}

/// A project of the bureau, three people of 古美, and the accounts: 古美's clerk, the bureau's
/// clerk and a reviewer.
async fn setup(s: &Store) -> (i64, Vec<i64>) {
    let mut tx = s.write(&Actor::system("test")).await.unwrap();
    for (login, unit, role) in
        [("gumei1", GUMEI, Role::Street), ("mzj1", BUREAU_CODE, Role::Bureau), ("rev", BUREAU_CODE, Role::Reviewer)]
    {
        let u = NewUser {
            login: login.into(),
            display_name: format!("{login}名"),
            unit_code: unit.into(),
            role,
            password: "Test-Pass-1234".into(),
            must_change_password: false,
        };
        create_user(&mut tx, &u).await.unwrap();
    }
    let cid = campaign::create_campaign(&mut tx, &Campaign::standard(2020)).await.unwrap();
    let p = Project {
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
    let pid = campaign::create_project(&mut tx, cid, &p).await.unwrap();
    let people = register::insert_people(
        &mut tx,
        &[person("11010519491231002X", "甲"), person("34052419800101001X", "乙"), person("310221194503150021", "丙")],
        "t",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (pid, people)
}

/// The states of the people's entries.
async fn states(s: &Store, people: &[i64]) -> Vec<EntitlementState> {
    let mut v = Vec::new();
    for p in people {
        v.extend(s.entitlements_of_person(&Scope::All, *p).await.unwrap().iter().map(|e| e.entitlement.state));
    }
    v
}

async fn add(s: &Store, who: &Actor, rows: &[NewEntitlement]) -> Result<Vec<i64>, StoreError> {
    let mut tx = s.write(who).await?;
    let ids = campaign::insert_entitlements(&mut tx, rows, EntitlementState::Draft, "t").await?;
    tx.commit().await?;
    Ok(ids)
}

async fn submit(s: &Store, who: &Actor, pid: i64, unit: &str) -> Result<rosters::RosterOutcome, StoreError> {
    let mut tx = s.write(who).await?;
    let out = rosters::submit(&mut tx, pid, unit).await?;
    tx.commit().await?;
    Ok(out)
}

async fn review(
    s: &Store,
    who: &Actor,
    pid: i64,
    unit: &str,
    d: ReviewDecision,
    comment: &str,
) -> Result<rosters::RosterOutcome, StoreError> {
    let mut tx = s.write(who).await?;
    let out = rosters::review(&mut tx, pid, unit, d, comment).await?;
    tx.commit().await?;
    Ok(out)
}

#[tokio::test]
async fn each_units_entries_are_its_roster_submitted_returned_resubmitted_and_approved() {
    for b in backends().await {
        let s = &b.store;
        let (pid, people) = setup(s).await;
        let (gumei, mzj, rev) = (
            user("gumei1", GUMEI, Role::Street),
            user("mzj1", BUREAU_CODE, Role::Bureau),
            user("rev", BUREAU_CODE, Role::Reviewer),
        );
        add(s, &gumei, &[entry(pid, people[0], 900), entry(pid, people[1], 900)]).await.unwrap();
        add(s, &mzj, &[entry(pid, people[2], 600)]).await.unwrap();
        let list = s.rosters(&Scope::All, pid).await.unwrap();
        let units: Vec<(&str, RosterState, i64, i64)> =
            list.iter().map(|r| (r.unit_code.as_str(), r.state, r.entitlements, r.amount_fen)).collect();
        let mut expected = vec![(GUMEI, RosterState::Draft, 2, 180_000), (BUREAU_CODE, RosterState::Draft, 1, 60_000)];
        expected.sort();
        let mut units = units;
        units.sort();
        assert_eq!(units, expected, "{}", b.name);

        // A draft roster is not reviewed; submitted, it is under review and takes no new entries.
        let e = review(s, &rev, pid, GUMEI, ReviewDecision::Approve, "").await.unwrap_err();
        assert!(matches!(e, StoreError::Conflict(ref m) if m.contains("待提交")), "{}: {e}", b.name);
        let out = submit(s, &gumei, pid, GUMEI).await.unwrap();
        assert_eq!((out.state, out.entitlements, out.amount_fen), (RosterState::Submitted, 2, 180_000));
        assert!(matches!(submit(s, &gumei, pid, GUMEI).await.unwrap_err(), StoreError::Conflict(_)), "once");
        let e = add(s, &gumei, &[entry(pid, people[2], 900)]).await.unwrap_err();
        assert!(matches!(e, StoreError::Conflict(ref m) if m.contains("正在审核")), "{}: {e}", b.name);

        // Its own clerk cannot review it; a return needs a comment; returned, the entries are drafts.
        let e = review(s, &gumei, pid, GUMEI, ReviewDecision::Approve, "").await.unwrap_err();
        assert!(matches!(e, StoreError::Refused(ref m) if m.contains("不能审核自己经手的名单")), "{}: {e}", b.name);
        let e = review(s, &rev, pid, GUMEI, ReviewDecision::Return, " ").await.unwrap_err();
        assert!(matches!(e, StoreError::Rejected { code: "no_comment", .. }), "{}: {e}", b.name);
        let out = review(s, &rev, pid, GUMEI, ReviewDecision::Return, "乙的金额请核实").await.unwrap();
        assert_eq!((out.state, out.entitlements), (RosterState::Returned, 2));
        assert_eq!(states(s, &people[..2]).await, vec![EntitlementState::Draft; 2]);

        // Resubmitted and approved by the reviewer: the entries approved with the amount and the
        // person's facts of that moment; a later register edit does not change them.
        submit(s, &gumei, pid, GUMEI).await.unwrap();
        let out = review(s, &rev, pid, GUMEI, ReviewDecision::Approve, "").await.unwrap();
        assert_eq!((out.state, out.entitlements, out.amount_fen), (RosterState::Approved, 2, 180_000));
        assert_eq!(states(s, &people[..2]).await, vec![EntitlementState::Approved; 2]);
        let mut tx = s.write(&Actor::system("test")).await.unwrap();
        register::update_person(
            &mut tx,
            &Scope::All,
            people[0],
            &PersonUpdate { name: Some("甲改".into()), ..Default::default() },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let frozen: (Option<String>, Option<String>, Option<i64>, Option<String>) = yikou_store::on_db!(s.db(), p => sqlx::query_as(
            "SELECT approved_name, approved_street, approved_amount_fen, approved_categories FROM entitlements WHERE person_id = $1")
            .bind(people[0]).fetch_one(p).await.unwrap());
        assert_eq!(frozen, (Some("甲".into()), Some(GUMEI.into()), Some(90_000), Some("DB".into())), "{}", b.name);

        // The history: who, what, with the comment.
        let events = s.roster_events(&Scope::All, pid).await.unwrap();
        let acts: Vec<(RosterAct, &str, Option<&str>)> =
            events.iter().map(|e| (e.act, e.actor.as_str(), e.comment.as_deref())).collect();
        assert_eq!(
            acts,
            vec![
                (RosterAct::Submit, "gumei1", None),
                (RosterAct::Return, "rev", Some("乙的金额请核实")),
                (RosterAct::Submit, "gumei1", None),
                (RosterAct::Approve, "rev", None),
            ],
            "{}",
            b.name
        );
        assert_eq!(events[3].actor_name.as_deref(), Some("rev名"));
        // 古美 sees its own roster's history only; the bureau roster's state is its own.
        assert_eq!(s.roster_events(&Scope::Street(GUMEI.into()), pid).await.unwrap().len(), 4);
        assert!(s.roster_events(&Scope::Unit("310112-RSJ".into()), pid).await.unwrap().is_empty());
        let audit: Vec<String> = s.audit_records(None, 50).await.unwrap().into_iter().map(|a| a.action).collect();
        assert!(audit.contains(&"roster.approve".to_string()) && audit.contains(&"roster.return".to_string()));

        // The bureau's clerk had a hand in the bureau roster: the bureau clerk cannot approve it,
        // the reviewer can.
        submit(s, &mzj, pid, BUREAU_CODE).await.unwrap();
        let e = review(s, &mzj, pid, BUREAU_CODE, ReviewDecision::Approve, "").await.unwrap_err();
        assert!(matches!(e, StoreError::Refused(_)), "{}: {e}", b.name);
        review(s, &rev, pid, BUREAU_CODE, ReviewDecision::Approve, "").await.unwrap();

        // New entries on an approved roster make it 待提交 again; the approved ones stay approved.
        add(s, &gumei, &[entry(pid, people[2], 900)]).await.unwrap();
        let g = s.rosters(&Scope::All, pid).await.unwrap().into_iter().find(|r| r.unit_code == GUMEI).unwrap();
        assert_eq!((g.state, g.drafts, g.approved, g.entitlements), (RosterState::Draft, 1, 2, 3), "{}", b.name);
        assert!(s.verify_audit().await.unwrap().ok(), "{}", b.name);
    }
}
