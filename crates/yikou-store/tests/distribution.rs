//! The road to Citus (issue 18, point 6): the live PostgreSQL schema follows Citus's rules for the
//! placements of `yikou_store::distribution::TABLES` (every table placed; distribution columns NOT
//! NULL; every primary and unique key including its table's; foreign keys only within a group of
//! co-located shards on the key, or to reference tables), and every person's row carries the key its
//! migration would derive, on both backends.

mod common;

use common::backends;
use time::macros::date;
use yikou_domain::Actor;
use yikou_store::on_db;

const GUMEI: &str = "310112006000";

#[tokio::test]
async fn the_live_postgresql_schema_follows_citus_rules_for_every_table() {
    for b in backends().await {
        let found = b.store.distribution_violations().await.unwrap();
        match b.name {
            "postgres" => assert_eq!(found, Some(vec![]), "postgres: the schema breaks Citus's rules"),
            _ => assert_eq!(found, None, "{}: not a distributable backend", b.name),
        }
    }
}

/// The statement of a migration that fills `people.person_key`, to run again over rows the store wrote.
fn migration_fill(migration: &str) -> &str {
    let start = migration.find("UPDATE people SET person_key").expect("the migration fills people's keys");
    let end = migration[start..].find(";\n").expect("the statement ends") + start;
    &migration[start..end]
}

#[tokio::test]
async fn people_and_their_rows_carry_the_key_the_migration_derives_on_both_backends() {
    for b in backends().await {
        let s = &b.store;
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let people: Vec<_> = (1..=40)
            .map(|i| yikou_store::register::NewPerson {
                categories: vec![("DB".into(), date!(2019 - 01 - 01), None)],
                ..common::person(i, GUMEI, &format!("对象{i}"))
            })
            .collect();
        let ids = yikou_store::register::insert_people(&mut tx, &people, "t").await.unwrap();
        yikou_store::register::add_category(&mut tx, ids[3], "ET", date!(2020 - 01 - 01), None).await.unwrap();
        tx.commit().await.unwrap();
        // 40 people, 41 memberships.
        assert_eq!(common::assert_person_keys(s).await, 81, "{}", b.name);

        // What the migration computes for rows written before it is what the store writes now.
        let (sqlite, postgres) = (
            include_str!("../migrations/sqlite/0026_distribution_key.sql"),
            include_str!("../migrations/postgres/0026_distribution_key.sql"),
        );
        let fill = migration_fill(if b.name == "postgres" { postgres } else { sqlite });
        let derived = fill.strip_prefix("UPDATE people SET person_key = ").expect("the key's expression");
        let stored: Vec<(i64, i64)> = on_db!(s.db(), p => sqlx::query_as("SELECT id, person_key FROM people ORDER BY id")
            .fetch_all(p).await.unwrap());
        let sql = format!("SELECT id, {derived} FROM people ORDER BY id");
        let migrated: Vec<(i64, i64)> = on_db!(s.db(), p => sqlx::query_as(&sql).fetch_all(p).await.unwrap());
        assert_eq!(stored, migrated, "{}: the migration's key differs from the store's", b.name);
        let after = stored;
        assert!(after.iter().all(|(_, k)| *k > 0 && *k < 1 << 56), "{}: keys of 56 bits", b.name);
    }
}
