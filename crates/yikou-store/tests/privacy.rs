//! Issue 11, defects 7 and 13, on every backend: no full ID number, phone or account number in an
//! audit record, and phones and addresses encrypted at rest (searchable through a keyed hash).

mod common;

use common::backends;
use serde_json::json;
use time::macros::date;
use yikou_domain::{Actor, IdNumber, Phone, Scope};
use yikou_store::register::{self, NewPerson, PeopleQuery, PersonUpdate};
use yikou_store::{on_db, Store};

fn person(id: &str, phone: &str, address: &str) -> NewPerson {
    NewPerson {
        external_id: None,
        id_number: IdNumber::parse(id).unwrap(),
        name: "张三".into(),
        phone: Some(Phone::parse(phone).unwrap()),
        address: Some(address.into()),
        street_code: Some("310112006000".into()),
        committee_code: None,
        household_id: None,
        is_household_head: true,
        categories: vec![("DB".into(), date!(2019 - 01 - 01), None)],
    }
}

/// Every column of every row of `people` and `audit_log`, as text, to search for plaintext.
async fn dump(s: &Store) -> String {
    let people: Vec<String> = on_db!(s.db(), p => sqlx::query_scalar(
        "SELECT COALESCE(phone, '') || '|' || COALESCE(address, '') || '|' || COALESCE(phone_masked, '') || '|' || name FROM people")
        .fetch_all(p).await.unwrap());
    let audit: Vec<String> = on_db!(s.db(), p => sqlx::query_scalar(
        "SELECT entity_id || '|' || COALESCE(before_json, '') || '|' || COALESCE(after_json, '') FROM audit_log")
        .fetch_all(p).await.unwrap());
    format!("{}\n{}", people.join("\n"), audit.join("\n"))
}

#[tokio::test]
async fn audit_records_never_hold_a_full_id_number_phone_or_account() {
    for b in backends().await {
        let s = &b.store;
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        // What a search box or a file may hand to the audit: typed as it was.
        let typed = json!({ "q": "11010519491231002X", "phone": "138 1234 5678", "account": "6222021234567890123",
                            "nested": ["021-64123456"] });
        tx.audit("person.export", "person", "11010519491231002X", None, Some(&typed)).await.unwrap();
        tx.commit().await.unwrap();
        let text = dump(s).await;
        for secret in ["11010519491231002X", "19491231", "1234 5678", "12345678", "6222021234567890123", "64123456"] {
            assert!(!text.contains(secret), "{}: {secret} in the audit log:\n{text}", b.name);
        }
        assert!(text.contains("110105********002X") && text.contains("138****5678"), "{}: masked forms kept", b.name);
        assert!(s.verify_audit().await.unwrap().ok(), "{}", b.name);
    }
}

#[tokio::test]
async fn phones_and_addresses_are_encrypted_at_rest_and_still_found() {
    for b in backends().await {
        let s = &b.store;
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let id = register::create_person(&mut tx, &person("11010519491231002X", "13812345678", "古美路1弄2号"))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let text = dump(s).await;
        assert!(!text.contains("13812345678") && !text.contains("古美路"), "{}: plaintext at rest:\n{text}", b.name);
        let p = s.person(&Scope::All, id).await.unwrap().unwrap();
        assert_eq!(p.phone_masked.as_deref(), Some("138****5678"));
        let found = |q: &str| {
            let q = PeopleQuery { q: Some(q.into()), limit: 10, ..Default::default() };
            async move { s.search_people(&Scope::All, &q).await.unwrap().items.len() }
        };
        assert_eq!(found("138 1234 5678").await, 1, "{}: searched by phone through the keyed hash", b.name);
        assert_eq!(found("13812345679").await, 0);
        let revealed = s.reveal(&Actor::system("t"), id).await.unwrap();
        assert_eq!(revealed.phone.as_deref(), Some("13812345678"));

        // An edit keeps them encrypted.
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let u = PersonUpdate { phone: Some(Some(Phone::parse("13900001111").unwrap())), ..Default::default() };
        register::update_person(&mut tx, &Scope::All, id, &u).await.unwrap();
        tx.commit().await.unwrap();
        let text = dump(s).await;
        assert!(!text.contains("13900001111"), "{}", b.name);
        assert_eq!(found("13900001111").await, 1);
        assert_eq!(found("13812345678").await, 0, "{}: the old phone no longer finds them", b.name);
    }
}

#[tokio::test]
async fn plaintext_contacts_of_an_older_database_are_sealed_when_it_is_opened() {
    for b in backends().await {
        let s = &b.store;
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let id = register::create_person(&mut tx, &person("11010519491231002X", "13812345678", "古美路1弄2号"))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        // As a database from before encryption at rest holds them.
        on_db!(s.db(), p => sqlx::query(
            "UPDATE people SET phone = '13812345678', address = '莘庄镇某路', phone_cipher = NULL, phone_key = NULL,
             phone_masked = NULL, address_cipher = NULL WHERE id = $1").bind(id).execute(p).await.unwrap().rows_affected());
        let reopened = Store::open(&b.cfg).await.unwrap();
        let text = dump(&reopened).await;
        assert!(!text.contains("13812345678") && !text.contains("莘庄镇某路"), "{}:\n{text}", b.name);
        let q = PeopleQuery { q: Some("13812345678".into()), limit: 10, ..Default::default() };
        assert_eq!(reopened.search_people(&Scope::All, &q).await.unwrap().items.len(), 1, "{}", b.name);
        assert!(reopened.verify_audit().await.unwrap().ok());
    }
}
