//! 上门服务 (issue 17, point 2) on every backend: kinds grow without duplicates; a provider is the
//! managing unit's (another unit: not found); people resolve by ID number only within the scope;
//! deliveries are recorded once (the same list twice: nothing twice — a unique index) and totalled
//! per provider by kind, deliveries and people.

mod common;

use common::{backends, id_number as id, person};
use time::macros::date;
use yikou_domain::service::{Contract, Measure, Provider, ProviderKind};
use yikou_domain::{Actor, Fen, Scope};
use yikou_store::service::{self, NewDelivery};
use yikou_store::StoreError;

const GUMEI: &str = "310112006000";
const QIBAO: &str = "310112102000";

#[tokio::test]
async fn deliveries_are_recorded_once_within_the_area_and_totalled() {
    for b in backends().await {
        let s = &b.store;
        let (gumei, qibao) = (Scope::Street(GUMEI.into()), Scope::Street(QIBAO.into()));
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        yikou_store::register::insert_people(
            &mut tx,
            &[person(1, GUMEI, "服务对象1"), person(2, GUMEI, "服务对象2"), person(3, QIBAO, "服务对象3")],
            "t",
        )
        .await
        .unwrap();
        service::add_kind(&mut tx, "walking", "助行", Measure::Hours).await.unwrap();
        let p = Provider {
            name: "某助老服务社".into(),
            kind: ProviderKind::Contract,
            contract: Some(Contract {
                from: date!(2026 - 01 - 01),
                until: date!(2026 - 12 - 31),
                amount: Fen::from_yuan(50_000),
            }),
        };
        let provider = service::add_provider(&mut tx, &gumei, &p).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = s.write(&Actor::system("t")).await.unwrap();
        let dup = service::add_kind(&mut tx, "walking2", "助行", Measure::Hours).await.unwrap_err();
        assert!(dup.to_string().contains("已有"), "{}: {dup}", b.name);
        assert!(matches!(service::provider_in(&mut tx, &qibao, provider).await, Err(StoreError::NotFound(_))));
        // 古美 finds its two people, not 七宝's.
        let found = service::resolve_people(&mut tx, &gumei, &[id(1), id(2), id(3)]).await.unwrap();
        assert_eq!(found.len(), 2, "{}", b.name);
        assert!(!found.contains_key(id(3).as_str()));
        drop(tx);
        assert_eq!(s.service_kinds().await.unwrap().len(), 5);

        let list: Vec<NewDelivery> = [(1, "cleaning", 150), (1, "meals", 100), (2, "walking", 200)]
            .iter()
            .map(|(n, k, q)| NewDelivery {
                person_id: found[id(*n).as_str()].0,
                kind_code: k.to_string(),
                day: date!(2026 - 01 - 10),
                quantity_centi: *q,
            })
            .collect();
        for expected in [(3, 0), (0, 3)] {
            let mut tx = s.write(&Actor::system("t")).await.unwrap();
            assert_eq!(service::record_deliveries(&mut tx, provider, &list, "一月.xlsx").await.unwrap(), expected);
            tx.commit().await.unwrap();
        }
        let mine = s.providers(&gumei).await.unwrap();
        assert_eq!((mine[0].deliveries, mine[0].people), (3, 2), "{}", b.name);
        assert!(mine[0].quantity.contains(&("cleaning".to_string(), 150)));
        assert!(s.providers(&qibao).await.unwrap().is_empty());
        assert_eq!(s.deliveries(&gumei, provider, 10).await.unwrap().len(), 3);
        assert!(s.deliveries(&qibao, provider, 10).await.unwrap().is_empty(), "七宝 sees none of 古美's people");
        common::assert_person_keys(s).await;
    }
}
