//! The register export's pages (issue 16, point 3) on every backend: every person of the scope and
//! filter exactly once across pages of thousands, in registration order, each with their own current
//! categories — whether the page holds most ids of its range (the whole register) or a street's
//! people spread among another street's.

mod common;

use common::backends;
use time::macros::date;
use time::Duration;
use yikou_domain::{id_number, Actor, IdNumber, Scope};
use yikou_store::register::{self, NewPerson, PeopleQuery, EXPORT_PAGE};

const GUMEI: &str = "310112006000";
const QIBAO: &str = "310112102000";

fn person(i: i64) -> NewPerson {
    let born = date!(1950 - 01 - 01) + Duration::days(i / 900);
    let first17 = format!("310112{:04}{:02}{:02}{:03}", born.year(), u8::from(born.month()), born.day(), 100 + i % 900);
    let id = format!("{first17}{}", id_number::check_char(first17.as_bytes()));
    // Every sixth person has a second category; one in seven a category that has ended.
    let mut categories = vec![(if i % 2 == 0 { "DB" } else { "DSR" }.to_string(), date!(2019 - 01 - 01), None)];
    if i % 6 == 0 {
        categories.push(("TK".into(), date!(2020 - 01 - 01), None));
    }
    if i % 7 == 0 {
        categories.push(("CJ".into(), date!(2010 - 01 - 01), Some(date!(2015 - 01 - 01))));
    }
    NewPerson {
        external_id: None,
        id_number: IdNumber::parse(&id).unwrap(),
        name: format!("对象{i}"),
        phone: None,
        address: None,
        // One in five in 七宝: a page of 七宝's people spans five times its length of ids.
        street_code: Some(if i % 5 == 0 { QIBAO } else { GUMEI }.into()),
        committee_code: None,
        household_id: None,
        is_household_head: true,
        categories,
    }
}

#[tokio::test]
async fn an_export_reads_everyone_once_in_order_with_their_own_categories() {
    let n = 2 * EXPORT_PAGE + 1_000;
    let people: Vec<NewPerson> = (0..n).map(person).collect();
    for b in backends().await {
        let s = &b.store;
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        register::insert_people(&mut tx, &people, "t").await.unwrap();
        tx.commit().await.unwrap();
        for (scope, street) in [(Scope::All, None), (Scope::All, Some(GUMEI)), (Scope::Street(QIBAO.into()), None)] {
            let mut query = PeopleQuery { street: street.map(String::from), ..PeopleQuery::default() };
            let mut got = Vec::new();
            let mut pages = 0;
            loop {
                let (items, next) = s.export_people(&scope, &query).await.unwrap();
                pages += 1;
                got.extend(items);
                match next {
                    Some(k) => query.seek = register::Seek::After(k),
                    None => break,
                }
            }
            let wanted: Vec<usize> = (0..n as usize)
                .filter(|&i| match (&scope, street) {
                    (Scope::Street(_), _) => i % 5 == 0,
                    (_, Some(_)) => i % 5 != 0,
                    _ => true,
                })
                .collect();
            let label = format!("{} {scope:?} {street:?}", b.name);
            assert_eq!(got.len(), wanted.len(), "{label}");
            assert!(got.windows(2).all(|w| w[0].id < w[1].id), "{label}: by id, no page overlapping another");
            assert_eq!(pages, wanted.len().div_ceil(EXPORT_PAGE as usize).max(1), "{label}");
            // (insert_people writes in key order, so the registration order is the ids', not the list's.)
            let by_name: std::collections::HashMap<&str, &yikou_store::register::PersonListItem> =
                got.iter().map(|p| (p.name.as_str(), p)).collect();
            assert_eq!(by_name.len(), got.len(), "{label}: nobody twice");
            for &i in &wanted {
                let item =
                    by_name.get(format!("对象{i}").as_str()).unwrap_or_else(|| panic!("{label}: person {i} missing"));
                let mut expected: Vec<&str> = vec![if i % 2 == 0 { "DB" } else { "DSR" }];
                if i % 6 == 0 {
                    expected.push("TK");
                }
                let mut cats: Vec<&str> = item.categories.iter().map(String::as_str).collect();
                cats.sort();
                expected.sort();
                assert_eq!(cats, expected, "{label}: person {i}'s current categories, none of another's");
            }
        }
    }
}
