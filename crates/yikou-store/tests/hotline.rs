//! 生活服务热线 (issue 17, point 3) on every backend: a request taken within the taker's area (a
//! person of another area is "not found"), given to a unit, closed by that unit only and only once,
//! and counted open / assigned / overdue / closed within each scope.

mod common;

use common::{backends, person};
use yikou_domain::hotline::{HotlineRequest, RequestKind, RequestState};
use yikou_domain::{today, Actor, Campaign, Scope};
use yikou_store::hotline::{self, RequestFilter};
use yikou_store::{on_db, StoreError};

const GUMEI: &str = "310112006000";
const QIBAO: &str = "310112102000";

#[tokio::test]
async fn requests_are_taken_in_the_area_closed_by_their_unit_once_and_counted() {
    for b in backends().await {
        let s = &b.store;
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        yikou_store::register::insert_people(
            &mut tx,
            &[person(1, GUMEI, "来电对象1"), person(2, QIBAO, "来电对象2")],
            "t",
        )
        .await
        .unwrap();
        let cid = yikou_store::campaign::create_campaign(&mut tx, &Campaign::standard(2026)).await.unwrap();
        tx.commit().await.unwrap();
        let ids: Vec<(i64, String)> =
            on_db!(s.db(), p => sqlx::query_as("SELECT id, street_code FROM people").fetch_all(p).await.unwrap());
        let of = |street: &str| ids.iter().find(|(_, s)| s == street).unwrap().0;
        let (gumei, qibao) = (Scope::Street(GUMEI.into()), Scope::Street(QIBAO.into()));
        let req = |p: Option<i64>| HotlineRequest {
            caller: "本人".into(),
            person_id: p,
            kind: RequestKind::Repair,
            content: "灯坏了".into(),
        };
        let act = |scope: Scope, f: u8, id: i64| async move {
            let mut tx = s.write(&Actor::system("op")).await?;
            match f {
                0 => hotline::assign(&mut tx, &scope, id, GUMEI, today()).await?,
                _ => hotline::close(&mut tx, &scope, id, "已修好").await?,
            }
            tx.commit().await
        };
        let take = |scope: Scope, p: Option<i64>| async move {
            let mut tx = s.write(&Actor::system("op")).await?;
            let id = hotline::take(&mut tx, &scope, cid, &req(p)).await?;
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        };
        assert!(matches!(take(qibao.clone(), Some(of(GUMEI))).await, Err(StoreError::NotFound(_))), "{}", b.name);
        let one = take(gumei.clone(), Some(of(GUMEI))).await.unwrap();
        let two = take(Scope::All, None).await.unwrap();
        // 七宝 cannot give 古美's request to anyone; 古美 gives it to itself.
        assert!(matches!(act(qibao.clone(), 0, one).await, Err(StoreError::NotFound(_))));
        act(gumei.clone(), 0, one).await.unwrap();
        // Closing: not 七宝's; 古美's once; the unassigned one only by the bureau.
        assert!(matches!(act(qibao.clone(), 1, one).await, Err(StoreError::NotFound(_))));
        act(gumei.clone(), 1, one).await.unwrap();
        assert!(matches!(act(gumei.clone(), 1, one).await, Err(StoreError::Conflict(_))));
        assert!(matches!(act(gumei.clone(), 1, two).await, Err(StoreError::NotFound(_))));

        let (all, stats) = s.hotline_requests(&Scope::All, cid, RequestFilter::All).await.unwrap();
        assert_eq!((stats.total, stats.open, stats.closed), (2, 1, 1), "{}", b.name);
        assert!(all.iter().any(|r| r.id == one && r.state == RequestState::Closed && r.hours_to_close == Some(0)));
        let (mine, _) = s.hotline_requests(&gumei, cid, RequestFilter::Closed).await.unwrap();
        assert_eq!(mine.iter().map(|r| r.id).collect::<Vec<_>>(), vec![one]);
        // A department keeps seeing the request it took, though it concerns nobody on its rosters.
        let rsj = Scope::Unit("310112-RSJ".into());
        let taken = take(rsj.clone(), None).await.unwrap();
        let (own, _) = s.hotline_requests(&rsj, cid, RequestFilter::All).await.unwrap();
        assert_eq!(own.iter().map(|r| r.id).collect::<Vec<_>>(), vec![taken], "{}", b.name);
        let (theirs, st) = s.hotline_requests(&qibao, cid, RequestFilter::All).await.unwrap();
        assert!(theirs.is_empty() && st.total == 0, "七宝 sees neither 古美's request nor the district's");
    }
}
