//! 走访慰问 (issue 17, point 1) on every backend: a visit recorded for a person of the area (another
//! area's person is "not found", whatever the request names), its follow-up completed once by its
//! owner only, and the cross-check's `not_visited` finding naming exactly the people the coverage rule
//! covers who were not visited — not the visited, not the dead, not those of other categories.

mod common;

use common::backends;
use time::macros::date;
use yikou_domain::rules::RuleSet;
use yikou_domain::visit::{Visit, VisitAction, VisitorKind};
use yikou_domain::{Actor, Campaign, Fen, FindingKind, Scope};
use yikou_store::paging::Seek;
use yikou_store::register::NewPerson;
use yikou_store::visit::{self, VisitQuery};
use yikou_store::{on_db, Store, StoreError};

const GUMEI: &str = "310112006000";
const QIBAO: &str = "310112102000";

fn person(seq: u32, street: &str, category: Option<&str>) -> NewPerson {
    NewPerson {
        categories: category.map(|c| vec![(c.to_string(), date!(2019 - 01 - 01), None)]).unwrap_or_default(),
        ..common::person(seq, street, &format!("走访对象{seq}"))
    }
}

fn visit_of(person_id: i64) -> Visit {
    Visit {
        person_id,
        day: date!(2026 - 01 - 10),
        visitor_kind: VisitorKind::Committee,
        visitors: "居委 李某".into(),
        money: Fen::from_yuan(200),
        goods: "棉被".into(),
        goods_value: Fen::from_yuan(150),
        needs: "希望有人帮助打扫".into(),
        action: Some(VisitAction { what: "安排助洁".into(), owner_unit: GUMEI.into(), due: date!(2026 - 01 - 20) }),
    }
}

/// People by name → id: 1–4 of 古美 are 独居老人 (4 died), 5 a 困境儿童 of 七宝, 6 of 古美 in no category.
async fn setup(s: &Store) -> (i64, std::collections::HashMap<String, i64>) {
    let mut tx = s.write(&Actor::system("t")).await.unwrap();
    let people = [
        person(1, GUMEI, Some("LR-DJ")),
        person(2, GUMEI, Some("LR-DJ")),
        person(3, GUMEI, Some("LR-DJ")),
        person(4, GUMEI, Some("LR-DJ")),
        person(5, QIBAO, Some("ET")),
        person(6, GUMEI, None),
    ];
    yikou_store::register::insert_people(&mut tx, &people, "t").await.unwrap();
    let cid = yikou_store::campaign::create_campaign(&mut tx, &Campaign::standard(2026)).await.unwrap();
    let rules = RuleSet { visit_coverage: vec!["LR-DJ".into(), "ET".into()], ..RuleSet::default() };
    yikou_store::check::save_rules(&mut tx, cid, &rules).await.unwrap();
    tx.commit().await.unwrap();
    let all: Vec<(i64, String)> =
        on_db!(s.db(), p => sqlx::query_as("SELECT id, name FROM people").fetch_all(p).await.unwrap());
    (cid, all.into_iter().map(|(id, name)| (name, id)).collect())
}

async fn record(s: &Store, scope: &Scope, cid: i64, v: &Visit) -> Result<i64, StoreError> {
    let mut tx = s.write(&Actor::system("visitor")).await?;
    let id = visit::record(&mut tx, scope, cid, v).await?;
    tx.commit().await?;
    Ok(id)
}

#[tokio::test]
async fn visits_are_recorded_within_the_area_and_not_visited_names_exactly_the_rest() {
    for b in backends().await {
        let s = &b.store;
        let (cid, ids) = setup(s).await;
        let id = |n: u32| ids[&format!("走访对象{n}")];
        let gumei = Scope::Street(GUMEI.into());
        let qibao = Scope::Street(QIBAO.into());
        // 七宝 cannot record a visit to 古美's person (not found), nor an incomplete one.
        assert!(matches!(record(s, &qibao, cid, &visit_of(id(1))).await, Err(StoreError::NotFound(_))), "{}", b.name);
        let bad = Visit { visitors: " ".into(), ..visit_of(id(1)) };
        assert!(matches!(record(s, &gumei, cid, &bad).await, Err(StoreError::Rejected { .. })));
        let unknown_owner = Visit {
            action: Some(VisitAction { owner_unit: "NO-SUCH".into(), ..visit_of(id(1)).action.unwrap() }),
            ..visit_of(id(1))
        };
        let e = record(s, &gumei, cid, &unknown_owner).await.unwrap_err();
        assert!(e.to_string().contains("承办单位“NO-SUCH”不存在"), "{e}");

        // Before any visit: the four living covered people (1, 2, 3 of 古美; 5 of 七宝), not 4 (died) or 6.
        on_db!(s.db(), p => sqlx::query("UPDATE people SET deceased_on = '2025-12-01' WHERE id = $1")
            .bind(id(4)).execute(p).await.unwrap().rows_affected());
        let not_visited = |r: &yikou_store::check::CheckReport| {
            let mut v: Vec<i64> =
                r.findings.iter().filter(|f| f.kind == FindingKind::NotVisited).map(|f| f.people[0].id).collect();
            v.sort();
            v
        };
        let mut expected = vec![id(1), id(2), id(3), id(5)];
        expected.sort();
        let report = s.run_check(cid, date!(2026 - 01 - 15)).await.unwrap();
        assert_eq!(not_visited(&report), expected, "{}", b.name);
        assert_eq!(report.counts.not_visited, 4);
        let f = report.findings.iter().find(|f| f.kind == FindingKind::NotVisited).unwrap();
        assert!(f.explanation.contains("应走访的类别") && f.key.starts_with("not_visited:"), "{}", f.explanation);

        // 古美 visits 1 and 2 (2 twice); 七宝 visits 5: only 3 remains.
        let v1 = record(s, &gumei, cid, &visit_of(id(1))).await.unwrap();
        record(s, &gumei, cid, &Visit { action: None, ..visit_of(id(2)) }).await.unwrap();
        record(s, &gumei, cid, &Visit { action: None, ..visit_of(id(2)) }).await.unwrap();
        record(s, &qibao, cid, &Visit { action: None, ..visit_of(id(5)) }).await.unwrap();
        let report = s.run_check(cid, date!(2026 - 01 - 15)).await.unwrap();
        assert_eq!(not_visited(&report), vec![id(3)], "{}", b.name);
        assert_eq!(report.counts.not_visited, 1);

        // Each area lists its own visits only.
        let q = VisitQuery { campaign_id: cid, limit: 100, ..VisitQuery::default() };
        let page = s.visits(&gumei, &q).await.unwrap();
        let (mine, total) = (page.items, page.total);
        assert_eq!((mine.len(), total), (3, 3));
        // Keyset pages of one, newest first, then back: the same three, never one twice.
        let one = |seek| VisitQuery { campaign_id: cid, limit: 1, seek, ..VisitQuery::default() };
        let mut seen = Vec::new();
        let mut seek = Seek::First;
        loop {
            let p = s.visits(&gumei, &one(seek)).await.unwrap();
            seen.extend(p.items.iter().map(|v| v.id));
            match p.next {
                Some(k) => seek = Seek::After(k),
                None => break,
            }
        }
        assert_eq!(seen, mine.iter().map(|v| v.id).collect::<Vec<_>>(), "{}", b.name);
        let back = s.visits(&gumei, &one(Seek::Before(seen[2]))).await.unwrap();
        assert_eq!((back.items[0].id, back.prev, back.next), (seen[1], Some(seen[1]), Some(seen[1])), "{}", b.name);
        // A key naming 七宝's visit is refused to 古美.
        let theirs_key = s.visits(&qibao, &q).await.unwrap().items[0].id;
        let e = s.visits(&gumei, &one(Seek::After(theirs_key))).await.unwrap_err();
        assert!(e.to_string().contains("翻页位置无效"), "{}: {e}", b.name);
        assert!(mine.iter().all(|v| v.street_code.as_deref() == Some(GUMEI)));
        let theirs = s.visits(&qibao, &q).await.unwrap().items;
        assert_eq!(theirs.iter().map(|v| v.person).collect::<Vec<_>>(), vec![id(5)]);
        let open = VisitQuery { open_actions: true, ..q.clone() };
        let with_open = s.visits(&gumei, &open).await.unwrap().items;
        assert_eq!(with_open.len(), 1);
        let action = with_open[0].action.as_ref().unwrap();
        assert_eq!((with_open[0].id, action.owner_unit.as_str()), (v1, GUMEI));

        // The follow-up: not 七宝's to complete; 古美 completes it once.
        let done = |scope: Scope| async move {
            let mut tx = s.write(&Actor::system("t")).await?;
            visit::complete_action(&mut tx, &scope, action.id, "已安排每周助洁").await?;
            tx.commit().await
        };
        assert!(matches!(done(qibao.clone()).await, Err(StoreError::NotFound(_))));
        done(gumei.clone()).await.unwrap();
        assert!(matches!(done(gumei.clone()).await, Err(StoreError::Conflict(_))));
        assert!(s.visits(&gumei, &open).await.unwrap().items.is_empty());

        // A department sees no street's visits (the needs heard can name an illness) — only those whose
        // follow-up it owns.
        let rsj = Scope::Unit("310112-RSJ".into());
        assert_eq!(s.visits(&rsj, &q).await.unwrap().total, 0, "{}", b.name);
        let for_rsj = Visit {
            action: Some(VisitAction { owner_unit: "310112-RSJ".into(), ..visit_of(id(3)).action.unwrap() }),
            ..visit_of(id(3))
        };
        let handed = record(s, &gumei, cid, &for_rsj).await.unwrap();
        let p = s.visits(&rsj, &q).await.unwrap();
        let (theirs_now, n) = (p.items, p.total);
        assert_eq!((n, theirs_now[0].id), (1, handed));

        // The care summary counts them by street, people once; each area its own.
        let (rows, total) = s.care_by_street(&Scope::All, cid).await.unwrap();
        let g = rows.iter().find(|r| r.street.as_deref() == Some(GUMEI)).unwrap();
        assert_eq!((g.visits, g.visited_people, g.visit_value_fen), (4, 3, 140_000), "{}", b.name);
        assert_eq!((total.visits, total.visited_people), (5, 4));
        let (mine, _) = s.care_by_street(&qibao, cid).await.unwrap();
        assert_eq!(mine.iter().map(|r| r.visits).sum::<i64>(), 1);
        assert!(s.vouchers_by_batch(&gumei, cid, date!(2026 - 01 - 15)).await.unwrap().is_empty());

        // The person's timeline shows the visit with the money and goods' value.
        let t = s.timeline(&gumei, id(1)).await.unwrap().unwrap();
        let item = t.iter().find(|i| i.kind == "visit").unwrap();
        assert_eq!((item.date.as_str(), item.amount_fen), ("2026-01-10", 35_000));
        assert!(item.what.contains("棉被"));
        common::assert_person_keys(s).await;
    }
}
