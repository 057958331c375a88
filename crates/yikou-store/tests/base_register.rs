//! Issue 16, point 6, on every backend: a municipal roster loaded as the base register registers
//! whom the register lacks, gives registered people the categories it names and records the
//! deceased — and the same roster loaded again changes nothing.

mod common;

use common::backends;
use time::macros::date;
use yikou_domain::exchange::ExPerson;
use yikou_domain::{Actor, IdNumber, Scope};
use yikou_store::exchange::{load_base_register, BaseReport};
use yikou_store::on_db;
use yikou_store::register::NewPerson;

/// A valid ID number of Minhang (310112), born 1950-01-01, with sequence `seq`.
fn id(seq: u32) -> IdNumber {
    let body = format!("31011219500101{seq:03}");
    let w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body.chars().zip(w).map(|(c, w)| c.to_digit(10).unwrap() * w).sum();
    IdNumber::parse(&format!("{body}{}", "10X98765432".as_bytes()[(sum % 11) as usize] as char)).unwrap()
}

fn row(seq: u32, categories: &[&str], deceased: bool) -> ExPerson {
    ExPerson {
        person_id: format!("M{seq}"),
        id_number: id(seq),
        name: format!("市级{seq}"),
        street_code: Some("310112102000".into()),
        household_id: None,
        categories: categories.iter().map(|c| c.to_string()).collect(),
        deceased,
    }
}

#[tokio::test]
async fn a_municipal_roster_completes_the_register_once() {
    for b in backends().await {
        let s = &b.store;
        // Registered before: 1 with 低保 (DB), 2 with nothing current.
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let known: Vec<NewPerson> = [(1, vec![("DB".to_string(), date!(2019 - 01 - 01), None)]), (2, vec![])]
            .into_iter()
            .map(|(seq, categories)| NewPerson {
                external_id: None,
                id_number: id(seq),
                name: format!("区级{seq}"),
                phone: None,
                address: None,
                street_code: Some("310112102000".into()),
                committee_code: None,
                household_id: None,
                is_household_head: true,
                categories,
            })
            .collect();
        let ids = yikou_store::register::insert_people(&mut tx, &known, "test").await.unwrap();
        tx.commit().await.unwrap();

        let roster = vec![row(1, &["DB", "DSR"], false), row(2, &["DB"], true), row(3, &["DB", "NEWCODE"], false)];
        let load = |roster: Vec<ExPerson>| async move {
            let mut tx = s.write(&Actor::system("load-base")).await.unwrap();
            let r = load_base_register(&mut tx, &roster, date!(2026 - 12 - 01)).await.unwrap();
            tx.commit().await.unwrap();
            r
        };
        let first = load(roster.clone()).await;
        assert_eq!(
            first,
            BaseReport {
                rows: 3,
                people_created: 1,
                people_known: 2,
                households_created: 0,
                people_updated: 2,
                categories_set: 2,
                deceased_marked: 1,
                categories_added: vec!["NEWCODE".into()],
            },
            "{}: 1 gains DSR, 2 gains DB and is deceased, 3 is new",
            b.name
        );
        let p1 = s.person(&Scope::All, ids[0]).await.unwrap().unwrap();
        let mut current: Vec<&str> = p1.categories.iter().map(|c| c.code.as_str()).collect();
        current.sort();
        assert_eq!(current, vec!["DB", "DSR"], "{}: DB kept, DSR added", b.name);
        assert_eq!(p1.name, "区级1", "{}: the register's name stays", b.name);
        let p2 = s.person(&Scope::All, ids[1]).await.unwrap().unwrap();
        assert!(p2.deceased_on.is_some(), "{}", b.name);

        let again = load(roster).await;
        assert_eq!(
            (
                again.people_created,
                again.people_known,
                again.categories_set,
                again.deceased_marked,
                again.categories_added.len()
            ),
            (0, 3, 0, 0, 0),
            "{}: the same roster twice changes nothing the second time",
            b.name
        );
        let people: i64 =
            on_db!(s.db(), p => sqlx::query_scalar("SELECT COUNT(*) FROM people").fetch_one(p).await.unwrap());
        assert_eq!(people, 3, "{}", b.name);
        // On record with counts, never a number.
        let audit: Vec<String> = on_db!(s.db(), p => sqlx::query_scalar(
            "SELECT COALESCE(after_json, '') FROM audit_log WHERE action = 'register.base_load'").fetch_all(p).await.unwrap());
        assert_eq!(audit.len(), 2, "{}", b.name);
        assert!(!audit.iter().any(|a| a.contains("31011219500101")), "{}: {audit:?}", b.name);
        assert!(s.verify_audit().await.unwrap().ok(), "{}", b.name);
        common::assert_person_keys(s).await;
    }
}
