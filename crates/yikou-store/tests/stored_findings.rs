//! The cross-check computed once and kept (issue 18, point 3): readers get the stored run while
//! nothing it reads changed; a data change, new rules or another day make the next reader run it
//! again; decisions and audited reads do not; each area reads only its findings.

mod common;

use common::{backends, person};
use time::macros::date;
use yikou_domain::reference::BUREAU_CODE;
use yikou_domain::{
    Actor, Campaign, CountingUnit, EntitlementState, Fen, FindingKind, FindingStatus, Form, Project, Scope, Standard,
    UnitGroup,
};
use yikou_store::campaign::{self, NewEntitlement};
use yikou_store::check::{decide, save_rules};
use yikou_store::{on_db, register};

const GUMEI: &str = "310112006000";
const QIBAO: &str = "310112102000";

fn project(code: &str) -> Project {
    Project {
        code: code.into(),
        name: format!("测试项目{code}"),
        unit_code: BUREAU_CODE.into(),
        unit_group: UnitGroup::CivilAffairs,
        target_categories: vec!["DB".into()],
        form: Form::Cash,
        standard: Standard::PerPerson(Fen::from_yuan(900)),
        counting_unit: CountingUnit::Person,
        planned_count: 10,
        planned_budget: vec![("QJ".into(), Fen::from_yuan(9000))],
        exclusive_group: None,
    }
}

fn listing(project_id: i64, person_id: i64) -> NewEntitlement {
    NewEntitlement {
        external_id: None,
        project_id,
        person_id,
        household_id: None,
        household_size: None,
        source_code: "QJ".into(),
        amount: Fen::from_yuan(900),
        listed_name: None,
    }
}

#[tokio::test]
async fn findings_are_computed_once_and_again_only_after_a_change_that_affects_them() {
    for b in backends().await {
        let s = &b.store;
        let actor = Actor::system("t");
        let mut tx = s.write(&actor).await.unwrap();
        let cid = campaign::create_campaign(&mut tx, &Campaign::standard(2020)).await.unwrap();
        let pid = campaign::create_project(&mut tx, cid, &project("MZ-01")).await.unwrap();
        let gumei = register::create_person(&mut tx, &person(1, GUMEI, "张三")).await.unwrap();
        let qibao = register::create_person(&mut tx, &person(2, QIBAO, "李四")).await.unwrap();
        let twice = [listing(pid, gumei), listing(pid, gumei), listing(pid, qibao), listing(pid, qibao)];
        campaign::insert_entitlements(&mut tx, &twice, EntitlementState::Draft, "t").await.unwrap();
        tx.commit().await.unwrap();
        let on = date!(2020 - 01 - 10);
        let dup = |r: &yikou_store::check::CheckReport| {
            r.findings.iter().filter(|f| f.kind == FindingKind::DupInProject).cloned().collect::<Vec<_>>()
        };

        let first = s.current_check(&Scope::All, cid, on).await.unwrap();
        assert_eq!((first.counts.dup_in_project, dup(&first).len()), (2, 2), "{}", b.name);
        let stored: i64 = on_db!(s.db(), p => sqlx::query_scalar("SELECT COUNT(*) FROM check_findings WHERE campaign_id = $1")
            .bind(cid).fetch_one(p).await.unwrap());
        assert_eq!(stored as usize, first.findings.len(), "{}: the run is kept", b.name);

        // Read again: the same run (same time of computing), not a new one; the same findings.
        let again = s.current_check(&Scope::All, cid, on).await.unwrap();
        assert_eq!(again.computed_at, first.computed_at, "{}", b.name);
        assert_eq!(again.findings, first.findings, "{}", b.name);
        assert_eq!(again.counts, first.counts, "{}", b.name);

        // Each area reads its own findings from the store; a unit or a committee none.
        let street = s.current_check(&Scope::Street(GUMEI.into()), cid, on).await.unwrap();
        assert_eq!(street.computed_at, first.computed_at, "{}", b.name);
        assert_eq!(dup(&street).len(), 1, "{}", b.name);
        assert!(street.findings.iter().all(|f| f.people.iter().any(|p| p.street_code.as_deref() == Some(GUMEI))));
        assert_eq!(street.counts.dup_in_project, 1, "{}: counted within the area", b.name);
        for scope in [Scope::Unit(BUREAU_CODE.into()), Scope::Nothing, Scope::Committee("x".into())] {
            assert!(s.current_check(&scope, cid, on).await.unwrap().findings.is_empty(), "{}: {scope:?}", b.name);
        }

        // A decision is attached when read: the stored run stays current and shows it.
        let f = dup(&street).remove(0);
        let mut tx = s.write(&actor).await.unwrap();
        decide(&mut tx, cid, &f, false, "已核实为同一笔的重复录入").await.unwrap();
        // Audited reads (an export, a sign-in) change nothing the check reads either.
        tx.audit("person.export", "person", "*", None, None).await.unwrap();
        tx.commit().await.unwrap();
        let decided = s.current_check(&Scope::All, cid, on).await.unwrap();
        assert_eq!(decided.computed_at, first.computed_at, "{}: a decision does not run the check again", b.name);
        let mine = decided.findings.iter().find(|x| x.key == f.key).unwrap();
        assert_eq!(mine.status, FindingStatus::Dismissed, "{}", b.name);

        // A third listing of 张三 changes the facts: the next reader gets a new run, the decision reopened.
        let mut tx = s.write(&actor).await.unwrap();
        campaign::insert_entitlements(&mut tx, &[listing(pid, gumei)], EntitlementState::Draft, "t").await.unwrap();
        tx.commit().await.unwrap();
        let changed = s.current_check(&Scope::Street(GUMEI.into()), cid, on).await.unwrap();
        assert_ne!(changed.computed_at, first.computed_at, "{}: run again after a change", b.name);
        assert_eq!(changed.findings.iter().find(|x| x.key == f.key).unwrap().status, FindingStatus::Reopened);

        // New rules: run again, under the new version.
        let mut rules = s.rules(cid).await.unwrap().1;
        rules.cap_per_person_fen = Some(100_000);
        let mut tx = s.write(&actor).await.unwrap();
        save_rules(&mut tx, cid, &rules).await.unwrap();
        tx.commit().await.unwrap();
        let capped = s.current_check(&Scope::All, cid, on).await.unwrap();
        assert_eq!(
            (capped.rules_version, capped.counts.over_cap),
            (1, 2),
            "{}: 2 700 and 1 800元 over 1 000元",
            b.name
        );

        // Another check date (the next day): run again; that run is then the stored one.
        let next = s.current_check(&Scope::All, cid, date!(2020 - 01 - 11)).await.unwrap();
        assert_ne!(next.computed_at, capped.computed_at, "{}", b.name);
        let kept = s.stored_check(&Scope::All, cid, date!(2020 - 01 - 11), s.check_version().await.unwrap()).await;
        assert_eq!(kept.unwrap().unwrap().computed_at, next.computed_at, "{}", b.name);
        assert!(s.stored_check(&Scope::All, cid, on, s.check_version().await.unwrap()).await.unwrap().is_none());
        assert!(s.verify_audit().await.unwrap().ok(), "{}", b.name);
    }
}

#[tokio::test]
async fn readers_at_the_same_time_share_one_run() {
    for b in backends().await {
        let s = &b.store;
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let cid = campaign::create_campaign(&mut tx, &Campaign::standard(2020)).await.unwrap();
        let pid = campaign::create_project(&mut tx, cid, &project("MZ-01")).await.unwrap();
        let one = register::create_person(&mut tx, &person(1, GUMEI, "张三")).await.unwrap();
        campaign::insert_entitlements(&mut tx, &[listing(pid, one), listing(pid, one)], EntitlementState::Draft, "t")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let on = date!(2020 - 01 - 10);
        let read = || s.current_check(&Scope::All, cid, on);
        let (a, b2, c, d, e, f) = tokio::join!(read(), read(), read(), read(), read(), read());
        let times: std::collections::BTreeSet<String> =
            [a, b2, c, d, e, f].into_iter().map(|r| r.unwrap().computed_at).collect();
        assert_eq!(times.len(), 1, "{}: six readers, one run ({times:?})", b.name);
    }
}

#[tokio::test]
async fn a_page_reads_one_list_of_the_kept_run_within_its_area_with_decisions_joined() {
    for b in backends().await {
        let s = &b.store;
        let actor = Actor::system("t");
        let mut tx = s.write(&actor).await.unwrap();
        let cid = campaign::create_campaign(&mut tx, &Campaign::standard(2020)).await.unwrap();
        let pid = campaign::create_project(&mut tx, cid, &project("MZ-01")).await.unwrap();
        let gumei = register::create_person(&mut tx, &person(1, GUMEI, "张三")).await.unwrap();
        let gumei2 = register::create_person(&mut tx, &person(3, GUMEI, "王五")).await.unwrap();
        let qibao = register::create_person(&mut tx, &person(2, QIBAO, "李四")).await.unwrap();
        let twice: Vec<NewEntitlement> =
            [gumei, gumei, gumei2, gumei2, qibao, qibao].iter().map(|p| listing(pid, *p)).collect();
        campaign::insert_entitlements(&mut tx, &twice, EntitlementState::Draft, "t").await.unwrap();
        tx.commit().await.unwrap();
        let on = date!(2020 - 01 - 10);
        let info = s.ensure_check(cid, on).await.unwrap();
        assert_eq!(info.counts.dup_in_project, 3, "{}", b.name);
        let again = s.ensure_check(cid, on).await.unwrap();
        assert_eq!(again.computed_at, info.computed_at, "{}: current, not run again", b.name);

        let street = Scope::Street(GUMEI.into());
        let dup =
            |k: &Vec<yikou_store::check::KindCount>| k.iter().find(|c| c.kind == FindingKind::DupInProject).copied();
        assert_eq!(dup(&s.check_kinds(&Scope::All, cid).await.unwrap()).map(|c| (c.open, c.total)), Some((3, 3)));
        assert_eq!(dup(&s.check_kinds(&street, cid).await.unwrap()).map(|c| (c.open, c.total)), Some((2, 2)));
        assert!(s.check_kinds(&Scope::Unit(BUREAU_CODE.into()), cid).await.unwrap().is_empty(), "{}", b.name);

        let open = s.check_list(&street, cid, FindingKind::DupInProject, false).await.unwrap();
        assert_eq!(open.len(), 2, "{}", b.name);
        let page = s.check_findings_at(&street, cid, &open[..1]).await.unwrap();
        assert_eq!(page.len(), 1);
        let first = page[0].clone();
        assert_eq!(first.people[0].id_number_masked.len(), 18, "{}: masked ID numbers kept", b.name);
        // Another street's findings are not read, whatever positions or key are asked for.
        let all_open = s.check_list(&Scope::All, cid, FindingKind::DupInProject, false).await.unwrap();
        let theirs = s.check_list(&Scope::Street(QIBAO.into()), cid, FindingKind::DupInProject, false).await.unwrap();
        assert_eq!(theirs.len(), 1);
        assert!(s.check_findings_at(&street, cid, &theirs).await.unwrap().is_empty(), "{}", b.name);
        assert_eq!(s.check_findings_at(&street, cid, &all_open).await.unwrap().len(), 2);
        let their_key = s.check_findings_at(&Scope::All, cid, &theirs).await.unwrap()[0].key.clone();
        assert!(s.check_finding(&street, cid, &their_key).await.unwrap().is_none(), "{}", b.name);
        assert_eq!(s.check_finding(&street, cid, &first.key).await.unwrap().unwrap(), (open[0], first.clone()));

        // Decided: it leaves the open list for the decided one, and the counts follow — no run again.
        let mut tx = s.write(&actor).await.unwrap();
        decide(&mut tx, cid, &first, false, "已核实为同一笔的重复录入").await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(s.ensure_check(cid, on).await.unwrap().computed_at, info.computed_at, "{}", b.name);
        assert_eq!(s.check_list(&street, cid, FindingKind::DupInProject, false).await.unwrap().len(), 1);
        let done = s.check_list(&street, cid, FindingKind::DupInProject, true).await.unwrap();
        assert_eq!(done, open[..1].to_vec(), "{}", b.name);
        let shown = s.check_findings_at(&street, cid, &done).await.unwrap();
        assert_eq!(shown[0].status, FindingStatus::Dismissed, "{}", b.name);
        assert_eq!(dup(&s.check_kinds(&street, cid).await.unwrap()).map(|c| (c.open, c.total)), Some((1, 2)));

        // Another listing of 张三 changes the facts: run again; the decision reopens (waits again).
        let mut tx = s.write(&actor).await.unwrap();
        campaign::insert_entitlements(&mut tx, &[listing(pid, gumei)], EntitlementState::Draft, "t").await.unwrap();
        tx.commit().await.unwrap();
        assert_ne!(s.ensure_check(cid, on).await.unwrap().computed_at, info.computed_at, "{}", b.name);
        assert_eq!(s.check_list(&street, cid, FindingKind::DupInProject, false).await.unwrap().len(), 2);
        let (_, reopened) = s.check_finding(&street, cid, &first.key).await.unwrap().unwrap();
        assert_eq!(reopened.status, FindingStatus::Reopened, "{}", b.name);
    }
}
