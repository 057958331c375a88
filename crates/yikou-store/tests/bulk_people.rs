//! Registering people in bulk: on SQLite the rows are encrypted on a second thread a part (1,024
//! rows) ahead of the writer, so these lists are longer than a part. Every person keeps their own
//! id and facts, and a refusal anywhere in the list leaves nothing behind.

mod common;

use common::{assert_person_keys, backends};
use time::macros::date;
use yikou_domain::{Actor, IdNumber, Phone, Scope};
use yikou_store::register::{self, NewPerson};
use yikou_store::StoreError;

const GUMEI: &str = "310112006000";
const LIST: usize = 2_600;

fn id(n: usize) -> String {
    common::numbered_id(1950, n)
}

fn person(n: usize) -> NewPerson {
    NewPerson {
        external_id: None,
        id_number: IdNumber::parse(&id(n)).unwrap(),
        name: format!("批量{n}"),
        phone: (n % 3 == 0).then(|| Phone::parse(&format!("1381234{:04}", n)).unwrap()),
        address: (n % 2 == 0).then(|| format!("某路{n}号")),
        street_code: Some(GUMEI.into()),
        committee_code: None,
        household_id: None,
        is_household_head: true,
        categories: vec![("DB".into(), date!(2019 - 01 - 01), None)],
    }
}

#[tokio::test]
async fn a_list_longer_than_a_prepared_part_gives_every_person_their_own_id_and_facts() {
    for b in backends().await {
        let s = &b.store;
        let list: Vec<NewPerson> = (0..LIST).map(person).collect();
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let ids = register::insert_people(&mut tx, &list, "bulk").await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(ids.len(), LIST);
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), LIST, "{}: one id each", b.name);
        for n in [0, 1, 1023, 1024, 1025, 2047, 2048, LIST - 1] {
            let got = s.person(&Scope::All, ids[n]).await.unwrap().unwrap();
            assert_eq!(got.name, format!("批量{n}"), "{}: the id returned for row {n} is that row's person", b.name);
            assert_eq!(got.id_number_masked, IdNumber::parse(&id(n)).unwrap().masked());
            assert_eq!(got.phone_masked.is_some(), n % 3 == 0);
            assert_eq!(got.categories.len(), 1);
            let full = s.reveal(&Actor::system("t"), ids[n]).await.unwrap();
            assert_eq!(full.id_number.as_str(), id(n), "{}: row {n}'s ID number decrypts to its own", b.name);
            assert_eq!(full.phone, (n % 3 == 0).then(|| format!("1381234{:04}", n)));
        }
        assert_eq!(assert_person_keys(s).await, 2 * LIST as i64, "{}: people and their categories", b.name);
    }
}

#[tokio::test]
async fn a_registered_person_anywhere_in_a_long_list_refuses_the_whole_list() {
    for b in backends().await {
        let s = &b.store;
        // Someone in the last part of the list in key order (the order it is written in), so the
        // refusal comes while later rows are being prepared on the other thread.
        let keys = s.keys();
        let mut order: Vec<usize> = (0..LIST).collect();
        order.sort_by_key(|n| keys.id_key(&id(*n)));
        let late = order[LIST - 10];
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        register::insert_people(&mut tx, &[person(late)], "first").await.unwrap();
        tx.commit().await.unwrap();

        let list: Vec<NewPerson> = (0..LIST).map(person).collect();
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let err = register::insert_people(&mut tx, &list, "again").await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(ref m) if m.contains("已在帮困对象库中")), "{}: {err}", b.name);
        tx.commit().await.unwrap();
        assert_eq!(s.count_people(&Scope::All).await.unwrap(), 1, "{}: nothing of the refused list", b.name);

        let mut twice: Vec<NewPerson> = (0..LIST).filter(|n| *n != late).map(person).collect();
        twice.push(person(7));
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let err = register::insert_people(&mut tx, &twice, "twice").await.unwrap_err();
        assert!(matches!(err, StoreError::Rejected { code: "id_repeated", .. }), "{}: {err}", b.name);
        drop(tx);

        let mut unknown: Vec<NewPerson> = (0..LIST).filter(|n| *n != late).map(person).collect();
        unknown[LIST - 20].categories = vec![("NOPE".into(), date!(2019 - 01 - 01), None)];
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let err = register::insert_people(&mut tx, &unknown, "unknown").await.unwrap_err();
        assert!(err.to_string().contains("类别代码不存在"), "{}: {err}", b.name);
        drop(tx);
        assert_eq!(s.count_people(&Scope::All).await.unwrap(), 1, "{}", b.name);
    }
}
