//! 随机电话回访 on every backend: a stratified sample drawn and recorded (seed, generator, population
//! hash); the same seed draws the same people, another seed others; strata add up and keep their
//! minimum; people without a phone are left out and counted; calls (the last decides) open cases
//! exactly for partly / none / not the person; results; closing refused while cases are open.

mod common;

use common::backends;
use time::macros::date;
use yikou_domain::followup::{CallAnswer, Reached, Received, SizeRule, Strata};
use yikou_domain::reference::BUREAU_CODE;
use yikou_domain::{
    Actor, Campaign, CountingUnit, EntitlementState, Fen, Form, Phone, Project, Role, Scope, Standard, UnitGroup,
};
use yikou_store::campaign::{self, NewEntitlement};
use yikou_store::followup::{self, SampleFilter, SampleParams};
use yikou_store::register::{self, NewPerson};
use yikou_store::{on_db, Store, StoreError};

const GUMEI: &str = "310112006000";
const QIBAO: &str = "310112102000";

/// 60 people paid (40 in 古美, 20 in 七宝), every tenth without a phone.
async fn paid(s: &Store) -> i64 {
    let mut tx = s.write(&Actor::system("test")).await.unwrap();
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
        planned_count: 60,
        planned_budget: vec![("QJ".into(), Fen::from_yuan(54_000))],
        exclusive_group: None,
    };
    let pid = campaign::create_project(&mut tx, cid, &p).await.unwrap();
    let people: Vec<NewPerson> = (0..60u16)
        .map(|i| NewPerson {
            external_id: None,
            id_number: yikou_domain::id_number::compose("310112", date!(1950 - 01 - 01), i),
            name: format!("对象{i}"),
            phone: (i % 10 != 3).then(|| Phone::parse(&format!("13900{i:06}")).unwrap()),
            address: None,
            street_code: Some(if i < 40 { GUMEI } else { QIBAO }.into()),
            committee_code: None,
            household_id: None,
            is_household_head: true,
            categories: vec![("DB".into(), date!(2019 - 01 - 01), None)],
        })
        .collect();
    let ids = register::insert_people(&mut tx, &people, "t").await.unwrap();
    let rows: Vec<NewEntitlement> = ids
        .iter()
        .map(|&person_id| NewEntitlement {
            external_id: None,
            project_id: pid,
            person_id,
            household_id: None,
            household_size: None,
            source_code: "QJ".into(),
            amount: Fen::from_yuan(900),
            listed_name: None,
        })
        .collect();
    campaign::insert_entitlements(&mut tx, &rows, EntitlementState::Disbursed, "t").await.unwrap();
    tx.commit().await.unwrap();
    cid
}

fn params(seed: u64) -> SampleParams {
    SampleParams {
        filter: SampleFilter::default(),
        size: SizeRule::Fixed(12),
        strata: Strata::Street,
        min_per_stratum: 2,
        seed,
        callers: vec!["c1".into(), "c2".into()],
    }
}

async fn sample(s: &Store, cid: i64, seed: u64) -> followup::SampleMade {
    let mut tx = s.write(&Actor::system("test")).await.unwrap();
    let made = followup::create_sample(&mut tx, &Scope::All, cid, &params(seed)).await.unwrap();
    tx.commit().await.unwrap();
    made
}

#[tokio::test]
async fn a_sample_is_reproducible_stratified_and_its_calls_open_cases_that_block_closing() {
    for b in backends().await {
        let s = &b.store;
        let cid = paid(s).await;
        let a = sample(s, cid, 7).await;
        assert_eq!((a.population, a.excluded_no_phone, a.size), (54, 6, 12), "{}", b.name);
        let strata: Vec<(&str, u64, u64)> = a.strata.iter().map(|x| (x.key.as_str(), x.population, x.size)).collect();
        assert_eq!(strata, vec![(GUMEI, 36, 8), (QIBAO, 18, 4)], "proportional, adding up");
        let members = |id| async move { s.sample_members(&Scope::All, id).await.unwrap() };
        let again = sample(s, cid, 7).await;
        assert_eq!(again.population_sha256, a.population_sha256);
        let ids = |m: Vec<(i64, String, Option<String>)>| m.into_iter().map(|x| x.0).collect::<Vec<_>>();
        assert_eq!(ids(members(a.sample).await), ids(members(again.sample).await), "same seed, same people");
        assert_ne!(ids(members(a.sample).await), ids(members(sample(s, cid, 8).await.sample).await), "another seed");
        let drawn = members(a.sample).await;
        assert_eq!(drawn.iter().filter(|m| m.2.as_deref() == Some("c1")).count(), 6, "shared in turn");

        // Calls: a caller only on their share; the answers that open a case, and only those.
        let call = |who: Actor, e: i64, reached: Reached, received: Option<Received>| async move {
            let mut tx = s.write(&who).await?;
            let answer = CallAnswer {
                reached,
                received,
                amount_fen: None,
                satisfaction: received.map(|_| 4),
                needs: None,
                remarks: None,
            };
            let out = followup::record_call(&mut tx, &Scope::All, a.sample, e, &answer).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(out)
        };
        let caller = |login: &str| Actor { login: login.into(), role: Some(Role::Caller), scope: Scope::All };
        // (Past the first four, which are called below.)
        let share = |c: &str| drawn.iter().skip(4).find(|m| m.2.as_deref() == Some(c)).unwrap().0;
        let (mine, theirs) = (share("c1"), share("c2"));
        assert!(matches!(
            call(caller("c1"), theirs, Reached::Yes, Some(Received::Full)).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(call(caller("c1"), mine, Reached::No, None).await.unwrap().1.is_none());
        let cases: Vec<Option<i64>> = {
            let mut v = Vec::new();
            for (i, r) in
                [Received::Full, Received::Partly, Received::None, Received::NotPerson].into_iter().enumerate()
            {
                v.push(call(Actor::system("test"), drawn[i].0, Reached::Yes, Some(r)).await.unwrap().1);
            }
            v
        };
        assert_eq!(cases.iter().map(Option::is_some).collect::<Vec<_>>(), vec![false, true, true, true]);
        assert!(matches!(
            call(Actor::system("t"), mine, Reached::No, Some(Received::Full)).await,
            Err(StoreError::Invalid(_))
        ));

        // Results: the last call decides.
        let r = s.sample_results(&Scope::All, a.sample).await.unwrap();
        let t = &r.total;
        assert_eq!(
            (t.size, t.called, t.reached, t.confirmed, t.discrepancies, r.open_cases),
            (12, 5, 4, 1, 3, 3),
            "{}",
            b.name
        );
        assert!((t.discrepancy_rate - 0.75).abs() < 1e-9 && t.ci95.0 < 0.75 && t.ci95.1 > 0.75);
        assert_eq!((t.not_reached, t.wrong_number, t.partly, t.none, t.not_person), (1, 0, 1, 1, 1));
        assert!((t.reach_rate - 4.0 / 12.0).abs() < 1e-9 && (t.confirmation_rate - 0.25).abs() < 1e-9);
        assert_eq!((t.satisfaction_counts, t.satisfaction), ([0, 0, 0, 4, 0], Some(4.0)));
        let by: u64 = r.strata.iter().map(|x| x.size).sum();
        assert_eq!(by, t.size, "the strata add up to the whole");
        // The cases with a deadline a week ahead, none overdue yet.
        let list = s.followup_cases(&Scope::All, cid).await.unwrap();
        assert_eq!(list.len(), 3);
        let due = yikou_domain::format_date(yikou_domain::today() + time::Duration::days(followup::CASE_DAYS));
        assert!(list.iter().all(|c| c.open && c.deadline.as_deref() == Some(due.as_str()) && !c.overdue), "{list:?}");

        // A need heard on a call is listed for the 总结 (with the person masked).
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let heard = CallAnswer {
            reached: Reached::Yes,
            received: Some(Received::Full),
            amount_fen: None,
            satisfaction: None,
            needs: Some("希望上门送米和油".into()),
            remarks: None,
        };
        followup::record_call(&mut tx, &Scope::All, a.sample, drawn[0].0, &heard).await.unwrap();
        tx.commit().await.unwrap();
        let needs = s.sample_needs(&Scope::All, a.sample).await.unwrap();
        assert_eq!(needs.len(), 1, "{}", b.name);
        assert_eq!((needs[0].entitlement_id, needs[0].needs.as_str()), (drawn[0].0, "希望上门送米和油"));
        assert!(needs[0].id_number_masked.contains('*'));

        // What waits (the home page): three open cases, none overdue; one past its deadline is
        // overdue; a caller's people not yet reached across the open samples.
        let mz = Actor { login: "mz".into(), role: Some(Role::Bureau), scope: Scope::All };
        let w = s.followup_work(&mz, cid).await.unwrap();
        assert_eq!((w.cases_open, w.cases_overdue, w.calls_waiting), (3, 0, 0), "{}", b.name);
        on_db!(s.db(), p => sqlx::query("UPDATE followup_cases SET deadline = '2000-01-01' WHERE id = $1")
            .bind(cases[2].unwrap()).execute(p).await.unwrap().rows_affected());
        assert_eq!(s.followup_work(&mz, cid).await.unwrap().cases_overdue, 1);
        let c1_reached = drawn.iter().take(4).filter(|m| m.2.as_deref() == Some("c1")).count() as i64;
        // Sample a: c1's six less those reached ("mine" was not reached: still waiting); the two
        // later samples: six each, none called.
        assert_eq!(s.followup_work(&caller("c1"), cid).await.unwrap().calls_waiting, 6 - c1_reached + 12);

        // Closing: refused while cases are open (a street may not close over them), then by the bureau with a reason.
        let close = |who: Actor, reason: Option<&'static str>| async move {
            let mut tx = s.write(&who).await?;
            let out = followup::close_sample(&mut tx, a.sample, reason).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(out)
        };
        let street = Actor { login: "gm".into(), role: Some(Role::Street), scope: Scope::Street(GUMEI.into()) };
        assert!(
            matches!(close(street, Some("都已电话说明")).await, Err(StoreError::Conflict(ref m)) if m.contains("3 个问题件未办结"))
        );
        assert!(matches!(close(Actor::system("t"), None).await, Err(StoreError::Conflict(_))));
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        // A unit outside the case's area cannot resolve it; the bureau can.
        let other =
            followup::resolve_case(&mut tx, &Scope::Unit("310112-RSJ".into()), cases[1].unwrap(), "已补发差额").await;
        assert!(matches!(other, Err(StoreError::NotFound(_))), "{}", b.name);
        followup::resolve_case(&mut tx, &Scope::All, cases[1].unwrap(), "已补发差额").await.unwrap();
        tx.commit().await.unwrap();
        let bureau = Actor { login: "mz".into(), role: Some(Role::Bureau), scope: Scope::All };
        let closed = close(bureau, Some("其余两件已移交街道跟进")).await.unwrap();
        assert_eq!(closed.open_cases.len(), 2);
        assert!(s.verify_audit().await.unwrap().ok());
        common::assert_person_keys(s).await;
    }
}
