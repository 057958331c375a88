//! 走访、服务与卡券汇总 (issue 17, point 6): a visit, a service delivery, a hotline request and a
//! voucher of 古美 are counted on 古美's row and in the total — people once — and 七宝's figures hold
//! none of them.

mod common;

use common::*;
use serde_json::Value;

#[tokio::test]
async fn the_care_summary_counts_visits_services_requests_and_vouchers_by_street() {
    let app = start().await;
    let person = app.people[0];
    visit_for(&app, person).await;
    visit_for(&app, person).await;
    hotline_for(&app, person).await;
    let code = voucher_for(&app, person).await;
    let provider = provider_for(&app).await;
    let mut tx = app.store.write(&yikou_domain::Actor::system("test")).await.unwrap();
    let cid = app.store.campaign(2020).await.unwrap().unwrap().id;
    // The test campaign runs in 2019/2020: a delivery on its start day is inside it.
    let start = app.store.campaign(2020).await.unwrap().unwrap().campaign.start;
    let d = yikou_store::service::NewDelivery {
        person_id: person,
        kind_code: "meals".into(),
        day: start,
        quantity_centi: 100,
    };
    yikou_store::service::record_deliveries(&mut tx, provider, &[d], "t.xlsx").await.unwrap();
    tx.commit().await.unwrap();
    let _ = cid;

    let get = |who: &'static str| {
        let app = &app;
        async move {
            let token = bearer(app, who).await;
            let r = reqwest::Client::new()
                .get(format!("{}/api/v1/reports/care", app.base))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            r.json::<Value>().await.unwrap()
        }
    };
    let v = get("gumei").await;
    let row = v["streets"].as_array().unwrap().iter().find(|r| r["street"] == GUMEI).cloned().unwrap();
    assert_eq!((row["visits"].as_i64(), row["visited_people"].as_i64()), (Some(2), Some(1)), "{v}");
    assert_eq!(row["visit_value_fen"], 80_000, "two visits of 300 元 and goods worth 100 元");
    assert_eq!((row["deliveries"].as_i64(), row["served_people"].as_i64()), (Some(1), Some(1)));
    assert_eq!((row["requests"].as_i64(), row["requests_closed"].as_i64()), (Some(1), Some(0)));
    assert_eq!(v["total"]["visited_people"], 1, "people once in the total");
    let batch = &v["vouchers"][0];
    assert_eq!(
        (batch["made"].as_i64(), batch["issued"].as_i64(), batch["unissued"].as_i64()),
        (Some(1), Some(1), Some(0)),
        "古美 counts the voucher given to its person: {v}"
    );
    let all = get("bureau").await;
    assert_eq!(all["vouchers"][0]["made"], 2, "the district counts every voucher made");
    let q = get("qibao").await;
    assert_eq!(q["total"]["visits"], 0, "{q}");
    assert_eq!(q["total"]["requests"], 0);
    assert!(q["vouchers"].as_array().unwrap().is_empty());
    let (g, _) = signed_in(&app, "gumei").await;
    let (_, html) = page(&app, &g, "/reports/care").await;
    assert!(html.contains("走访、服务与卡券汇总") && html.contains("粮油补助券") && !html.contains(&code));
}
