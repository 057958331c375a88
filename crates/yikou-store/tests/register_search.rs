//! The register's search, filters, count and order on every backend (issue 13, point 5): the last
//! four from the masked forms, the birth day and date from their column, within the scope only.

mod common;

use common::backends;
use time::macros::date;
use yikou_domain::{id_number, Actor, IdNumber, Phone, Scope};
use yikou_store::register::{self, NewPerson, PeopleQuery, PeopleSort, Seek};

const GUMEI: &str = "310112006000";
const QIBAO: &str = "310112102000";

fn person(birth: &str, seq: &str, name: &str, street: &str, phone: Option<&str>) -> NewPerson {
    let first17 = format!("310112{birth}{seq}");
    let id = format!("{first17}{}", id_number::check_char(first17.as_bytes()));
    NewPerson {
        external_id: None,
        id_number: IdNumber::parse(&id).unwrap(),
        name: name.into(),
        phone: phone.map(|p| Phone::parse(p).unwrap()),
        address: None,
        street_code: Some(street.into()),
        committee_code: None,
        household_id: None,
        is_household_head: true,
        categories: vec![("DB".into(), date!(2019 - 01 - 01), None)],
    }
}

#[tokio::test]
async fn parts_of_numbers_filters_counts_and_order_within_the_scope() {
    for b in backends().await {
        let s = &b.store;
        let people = [
            person("19450315", "002", "王老伯", GUMEI, Some("13812345678")),
            person("19600708", "013", "李阿姨", GUMEI, None),
            person("19900102", "024", "张小明", GUMEI, None),
            person("19450315", "002", "王老伯", QIBAO, Some("13912345678")),
        ];
        // The fourth shares the first's birth date and sequence (so also the last four) in
        // another street: it must never be found from 古美.
        let mut p4 = people[3].clone();
        let want = people[0].id_number.as_str().as_bytes()[17];
        let first17 = (13..99)
            .map(|a| format!("3101{a:02}19450315002"))
            .find(|f| id_number::check_char(f.as_bytes()) as u8 == want)
            .expect("an area code with the same check digit");
        p4.id_number = IdNumber::parse(&format!("{first17}{}", want as char)).unwrap();
        let tail = |p: &NewPerson| p.id_number.as_str()[14..].to_string();
        assert_eq!(tail(&people[0]), tail(&p4));
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let ids = register::insert_people(
            &mut tx,
            &[people[0].clone(), people[1].clone(), people[2].clone(), p4.clone()],
            "t",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let gumei = Scope::Street(GUMEI.into());
        let find = |scope: Scope, q: &str| {
            let query = PeopleQuery { q: Some(q.into()), limit: 50, ..Default::default() };
            async move {
                let mut found: Vec<i64> =
                    s.search_people(&scope, &query).await.unwrap().items.iter().map(|p| p.id).collect();
                found.sort_unstable();
                let n = s.count_people_matching(&scope, &query).await.unwrap();
                assert_eq!(found.len() as i64, n, "count and list agree");
                found
            }
        };
        let t0 = tail(&people[0]);
        assert_eq!(find(gumei.clone(), &t0).await, vec![ids[0]], "{}: last four in 古美", b.name);
        let mut both = vec![ids[0], ids[3]];
        both.sort_unstable();
        assert_eq!(find(Scope::All, &t0).await, both, "{}", b.name);
        assert_eq!(find(gumei.clone(), "5678").await, vec![ids[0]], "{}: a mobile's last four", b.name);
        assert_eq!(find(Scope::Street(QIBAO.into()), "5678").await, vec![ids[3]], "{}", b.name);
        assert_eq!(find(gumei.clone(), "小").await, vec![ids[2]], "{}: a name fragment", b.name);
        assert_eq!(find(gumei.clone(), "%").await, Vec::<i64>::new(), "{}: LIKE's characters literal", b.name);
        // The birth day's digits with the last four; a birth date with the last four.
        assert_eq!(find(gumei.clone(), &format!("15{t0}")).await, vec![ids[0]], "{}", b.name);
        assert_eq!(find(gumei.clone(), &format!("5{t0}")).await, vec![ids[0]], "{}", b.name);
        assert_eq!(find(gumei.clone(), &format!("16{t0}")).await, Vec::<i64>::new(), "{}", b.name);
        assert_eq!(find(gumei.clone(), &format!("19450315 {t0}")).await, vec![ids[0]], "{}", b.name);
        assert_eq!(find(gumei.clone(), &format!("19450316{t0}")).await, Vec::<i64>::new(), "{}", b.name);
        // A mistyped number is refused, not searched as a name.
        let bad = PeopleQuery { q: Some("110105194912310021".into()), limit: 50, ..Default::default() };
        let e = s.search_people(&gumei, &bad).await.unwrap_err();
        assert!(e.to_string().contains("校验位不对"), "{}: {e}", b.name);

        // Age filters (whole years today) and their counts.
        let age = |min: Option<i32>, max: Option<i32>| {
            let query = PeopleQuery { age_min: min, age_max: max, limit: 50, ..Default::default() };
            let gumei = gumei.clone();
            async move { s.count_people_matching(&gumei, &query).await.unwrap() }
        };
        let today = yikou_domain::today();
        let years = |b| yikou_domain::age_between(b, today);
        let (a0, a1, a2) = (years(date!(1945 - 03 - 15)), years(date!(1960 - 07 - 08)), years(date!(1990 - 01 - 02)));
        assert_eq!(age(Some(a0), None).await, 1, "{}", b.name);
        assert_eq!(age(Some(a0 + 1), None).await, 0, "{}", b.name);
        assert_eq!(age(Some(a2), Some(a1)).await, 2, "{}", b.name);
        assert_eq!(age(None, Some(a2 - 1)).await, 0, "{}", b.name);
        assert_eq!(age(None, None).await, 3, "{}", b.name);

        // Order by age both ways, and keyset pages through it: forwards, back, from the end.
        let page = |sort: PeopleSort, desc: bool, seek: Seek| {
            let query = PeopleQuery { sort, desc, seek, limit: 2, ..Default::default() };
            let gumei = gumei.clone();
            async move {
                let p = s.search_people(&gumei, &query).await.unwrap();
                (p.items.iter().map(|p| p.id).collect::<Vec<_>>(), p.prev, p.next)
            }
        };
        let (young, prev, next) = page(PeopleSort::Age, false, Seek::First).await;
        assert_eq!(
            (young.clone(), prev, next),
            (vec![ids[2], ids[1]], None, Some(ids[1])),
            "{}: youngest first",
            b.name
        );
        assert_eq!(
            page(PeopleSort::Age, false, Seek::After(ids[1])).await,
            (vec![ids[0]], Some(ids[0]), None),
            "{}: page 2",
            b.name
        );
        assert_eq!(
            page(PeopleSort::Age, false, Seek::Before(ids[0])).await,
            (young, None, Some(ids[1])),
            "{}: back to page 1",
            b.name
        );
        assert_eq!(
            page(PeopleSort::Age, false, Seek::Last).await,
            (vec![ids[1], ids[0]], Some(ids[1]), None),
            "{}: the end",
            b.name
        );
        assert_eq!(page(PeopleSort::Age, true, Seek::First).await.0, vec![ids[0], ids[1]], "{}: oldest first", b.name);
        let mut by_id = ids[..3].to_vec();
        by_id.sort_unstable();
        assert_eq!(page(PeopleSort::Id, false, Seek::After(by_id[0])).await.0, by_id[1..].to_vec(), "{}", b.name);
        // A key naming someone outside the area is refused (it would tell where they sort).
        let outside = PeopleQuery { sort: PeopleSort::Name, seek: Seek::After(ids[3]), limit: 2, ..Default::default() };
        let e = s.search_people(&gumei, &outside).await.unwrap_err();
        assert!(e.to_string().contains("翻页位置无效"), "{}: {e}", b.name);

        // The list's categories.
        let all = PeopleQuery { limit: 50, ..Default::default() };
        let listed = s.search_people(&gumei, &all).await.unwrap().items;
        assert!(listed.iter().all(|p| p.categories == vec!["DB".to_string()]), "{}: {listed:?}", b.name);
    }
}
