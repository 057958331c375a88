//! 慈善超市卡券 (issue 17, point 5) on every backend: a batch numbered with check characters, a voucher
//! given to a person of the area, redeemed once — a second time refused in words, also when two
//! redemptions arrive at once, and by the database itself when code is bypassed — expired after its
//! last day, listed by state within the scope.

mod common;

use common::backends;
use time::macros::date;
use yikou_domain::voucher::{VoucherBatch, VoucherState};
use yikou_domain::{Actor, Campaign, Fen, Scope};
use yikou_store::register::NewPerson;
use yikou_store::{on_db, voucher, Store, StoreError};

const GUMEI: &str = "310112006000";
const QIBAO: &str = "310112102000";

fn person(seq: u32, street: &str) -> NewPerson {
    common::person(seq, street, &format!("对象{seq}"))
}

async fn setup(s: &Store) -> (Vec<i64>, Vec<String>) {
    let mut tx = s.write(&Actor::system("t")).await.unwrap();
    let ids = yikou_store::register::insert_people(&mut tx, &[person(1, GUMEI), person(2, QIBAO)], "t").await.unwrap();
    let cid = yikou_store::campaign::create_campaign(&mut tx, &Campaign::standard(2026)).await.unwrap();
    let batch = VoucherBatch {
        name: "粮油补助券".into(),
        face_value: Fen::from_yuan(200),
        valid_from: date!(2026 - 12 - 15),
        valid_until: date!(2027 - 02 - 28),
        supermarket: "古美慈善超市".into(),
        count: 4,
        prefix: "LY".into(),
    };
    let (_, codes) = voucher::create_batch(&mut tx, cid, &batch).await.unwrap();
    tx.commit().await.unwrap();
    let mut by_id = ids.clone();
    by_id.sort();
    (by_id, codes)
}

async fn redeem(s: &Store, code: &str, day: time::Date) -> Result<voucher::Redemption, StoreError> {
    redeem_as(s, &Scope::All, code, day).await
}

async fn redeem_as(s: &Store, scope: &Scope, code: &str, day: time::Date) -> Result<voucher::Redemption, StoreError> {
    let mut tx = s.write(&Actor::system("cashier")).await?;
    let r = voucher::redeem(&mut tx, scope, code, "古美慈善超市", day).await;
    if r.is_ok() {
        tx.commit().await?;
    }
    r
}

#[tokio::test]
async fn a_voucher_is_given_redeemed_once_and_expires() {
    for b in backends().await {
        let s = &b.store;
        let (people, codes) = setup(s).await;
        assert_eq!(codes.len(), 4);
        assert!(codes[0].starts_with("LY-000001-") && codes[3].starts_with("LY-000004-"), "{codes:?}");
        let gumei = Scope::Street(GUMEI.into());
        // 古美 gives its person a voucher; not 七宝's person (not found in its area).
        let (g, q) = {
            let p1 = s.person(&Scope::All, people[0]).await.unwrap().unwrap();
            if p1.street_code.as_deref() == Some(GUMEI) {
                (people[0], people[1])
            } else {
                (people[1], people[0])
            }
        };
        let mut tx = s.write(&Actor::system("gumei")).await.unwrap();
        voucher::issue(&mut tx, &gumei, &codes[0], g).await.unwrap();
        voucher::issue(&mut tx, &gumei, &codes[0], g).await.unwrap();
        assert!(matches!(voucher::issue(&mut tx, &gumei, &codes[1], q).await, Err(StoreError::NotFound(_))));
        voucher::issue(&mut tx, &Scope::All, &codes[1], q).await.unwrap();
        voucher::issue(&mut tx, &Scope::All, &codes[2], g).await.unwrap();
        tx.commit().await.unwrap();

        let day = date!(2027 - 01 - 10);
        // 古美's supermarket cannot redeem 七宝's person's voucher: not found in its area.
        assert!(matches!(redeem_as(s, &gumei, &codes[1], day).await, Err(StoreError::NotFound(_))));
        let first = redeem(s, &codes[0].to_lowercase(), day).await.unwrap();
        assert_eq!((first.person, first.supermarket.as_str()), (g, "古美慈善超市"));
        let again = redeem(s, &codes[0], day).await.unwrap_err();
        assert!(
            matches!(&again, StoreError::Conflict(m) if m.contains("不能重复兑换") && m.contains("古美慈善超市")),
            "{again}"
        );
        let never_given = redeem(s, &codes[3], day).await.unwrap_err();
        assert!(matches!(&never_given, StoreError::Conflict(m) if m.contains("尚未发放")), "{never_given}");
        let late = redeem(s, &codes[1], date!(2027 - 03 - 01)).await.unwrap_err();
        assert!(matches!(&late, StoreError::Conflict(m) if m.contains("已于 2027-02-28 过期")), "{late}");
        let typo = redeem(s, &codes[1].replace("LY-000002", "LY-000020"), day).await.unwrap_err();
        assert!(matches!(typo, StoreError::Rejected { .. }), "a mistyped code is refused before it is looked up");

        // Two cashiers at once: exactly one redemption.
        let (a, c) = tokio::join!(redeem(s, &codes[2], day), redeem(s, &codes[2], day));
        assert_eq!([a.is_ok(), c.is_ok()].iter().filter(|x| **x).count(), 1, "{}: {a:?} {c:?}", b.name);
        // The database itself refuses a second redemption row.
        let raw = on_db!(s.db(), p => sqlx::query(
            "INSERT INTO voucher_redemptions (code, supermarket, redeemed_at, redeemed_by) VALUES ($1, 'x', 'x', 'x')")
            .bind(&codes[0]).execute(p).await.map(|_| ()));
        assert!(raw.is_err(), "{}: the key refuses a second redemption", b.name);

        // Listed by state on a day: the district sees all, 古美 those of its people.
        let states = |v: Vec<voucher::VoucherView>| v.into_iter().map(|x| (x.code, x.state)).collect::<Vec<_>>();
        let all = states(s.vouchers(&Scope::All, None, date!(2027 - 03 - 01), 100).await.unwrap());
        assert_eq!(
            all.iter().map(|x| x.1).collect::<Vec<_>>(),
            vec![VoucherState::Redeemed, VoucherState::Expired, VoucherState::Redeemed, VoucherState::Expired],
            "{}",
            b.name
        );
        let mine = states(s.vouchers(&gumei, Some(VoucherState::Redeemed), day, 100).await.unwrap());
        assert_eq!(mine.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(), vec![codes[0].as_str(), codes[2].as_str()]);
        assert!(s
            .vouchers(&Scope::Street(QIBAO.into()), Some(VoucherState::Redeemed), day, 100)
            .await
            .unwrap()
            .is_empty());
        // The person's timeline (issue 17, point 6) has the voucher, redeemed; another street's person is
        // not found from 古美.
        let line = s.timeline(&gumei, g).await.unwrap().unwrap();
        let v: Vec<(&str, &str)> = line.iter().map(|i| (i.kind, i.state.as_str())).collect();
        assert!(v.contains(&("voucher", "redeemed")), "{}: {v:?}", b.name);
        assert!(line.iter().all(|i| i.date.len() == 10), "{}: {line:?}", b.name);
        assert!(s.timeline(&gumei, q).await.unwrap().is_none(), "{}", b.name);
        assert!(s.verify_audit().await.unwrap().ok(), "{}", b.name);
    }
}

/// A supermarket's list: checked first without writing, then written; a row of another area's person
/// is refused as not found, the same list again is "already" and changes nothing.
#[tokio::test]
async fn a_redemption_list_is_checked_then_written_once() {
    use voucher::RowRedeemed;
    for b in backends().await {
        let s = &b.store;
        let (people, codes) = setup(s).await;
        let gumei = Scope::Street(GUMEI.into());
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let streets: Vec<Option<String>> = {
            let mut v = Vec::new();
            for p in &people {
                v.push(s.person(&Scope::All, *p).await.unwrap().unwrap().street_code);
            }
            v
        };
        let (g, q) = if streets[0].as_deref() == Some(GUMEI) { (people[0], people[1]) } else { (people[1], people[0]) };
        voucher::issue(&mut tx, &Scope::All, &codes[0], g).await.unwrap();
        voucher::issue(&mut tx, &Scope::All, &codes[1], q).await.unwrap();
        tx.commit().await.unwrap();
        let day = date!(2027 - 01 - 10);
        let row = |c: &str| (c.to_string(), "古美慈善超市".to_string(), day);
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let checked = voucher::redeem_list(&mut tx, &gumei, &[row(&codes[0]), row(&codes[1]), row(&codes[2])], false)
            .await
            .unwrap();
        assert_eq!(checked[0], RowRedeemed::Redeemed, "{}", b.name);
        assert!(matches!(&checked[1], RowRedeemed::Refused(m) if m.contains("不属于本辖区")));
        // An unissued voucher is the district's: a street hears only that it is none of its own.
        assert!(matches!(&checked[2], RowRedeemed::Refused(m) if m.contains("不属于本辖区")), "{checked:?}");
        let bureau = voucher::redeem_list(&mut tx, &Scope::All, &[row(&codes[2])], false).await.unwrap();
        assert!(matches!(&bureau[0], RowRedeemed::Refused(m) if m.contains("尚未发放")));
        drop(tx);
        for expected in [RowRedeemed::Redeemed, RowRedeemed::Already] {
            let mut tx = s.write(&Actor::system("t")).await.unwrap();
            let done = voucher::redeem_list(&mut tx, &gumei, &[row(&codes[0])], true).await.unwrap();
            tx.commit().await.unwrap();
            assert_eq!(done, vec![expected], "{}", b.name);
        }
        let other = (codes[0].clone(), "七宝慈善超市".to_string(), day);
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let elsewhere = voucher::redeem_list(&mut tx, &gumei, &[other], false).await.unwrap();
        assert!(matches!(&elsewhere[0], RowRedeemed::Refused(m) if m.contains("不能重复兑换")), "{elsewhere:?}");
    }
}

/// A street redeeming a voucher the district still holds, or one of another area's person that was
/// redeemed already, hears only "not found" — not whether it was given or redeemed.
#[tokio::test]
async fn another_areas_or_the_districts_voucher_is_not_found_whatever_its_state() {
    for b in backends().await {
        let s = &b.store;
        let (people, codes) = setup(s).await;
        let gumei = Scope::Street(GUMEI.into());
        let day = date!(2027 - 01 - 10);
        assert!(matches!(redeem_as(s, &gumei, &codes[3], day).await, Err(StoreError::NotFound(_))), "{}", b.name);
        assert!(
            matches!(redeem(s, &codes[3], day).await, Err(StoreError::Conflict(_))),
            "the bureau is told it was never given"
        );
        let mut q = people[0];
        if s.person(&Scope::All, q).await.unwrap().unwrap().street_code.as_deref() == Some(GUMEI) {
            q = people[1];
        }
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        voucher::issue(&mut tx, &Scope::All, &codes[0], q).await.unwrap();
        tx.commit().await.unwrap();
        redeem(s, &codes[0], day).await.unwrap();
        assert!(matches!(redeem_as(s, &gumei, &codes[0], day).await, Err(StoreError::NotFound(_))), "{}", b.name);
    }
}
