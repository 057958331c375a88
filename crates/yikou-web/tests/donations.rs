//! 社会捐赠 through the page and the API: a street records a donation (a used receipt number refused
//! in Chinese, what was typed kept), allocates its money to a project — shown with what is left — and
//! cannot allocate more than is left; an anonymous donor is shown as 匿名; another street sees none of it.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn a_street_records_allocates_and_cannot_allocate_twice() {
    let app = start().await;
    // 古美's own project (its donations go to the projects it runs, not to the bureau's).
    let mut tx = app.store.write(&yikou_domain::Actor::system("test")).await.unwrap();
    let cid = app.store.campaign(2020).await.unwrap().unwrap().id;
    let own = yikou_domain::Project {
        code: "JZ-GM-01".into(),
        name: "古美街道新春慰问".into(),
        unit_code: GUMEI.into(),
        unit_group: yikou_domain::UnitGroup::Streets,
        target_categories: vec![],
        form: yikou_domain::Form::Cash,
        standard: yikou_domain::Standard::PerPerson(yikou_domain::Fen::from_yuan(300)),
        counting_unit: yikou_domain::CountingUnit::Person,
        planned_count: 10,
        planned_budget: vec![("SHMJ".into(), yikou_domain::Fen::from_yuan(3000))],
        exclusive_group: None,
    };
    let project = yikou_store::campaign::create_project(&mut tx, cid, &own).await.unwrap();
    tx.commit().await.unwrap();
    let (g, csrf) = signed_in(&app, "gumei").await;
    let form = |receipt: &str| {
        vec![
            ("_csrf", csrf.clone()),
            ("donor_kind", "individual".to_string()),
            ("donor_name", "王某某".to_string()),
            ("anonymous", "1".to_string()),
            ("money", "2000".to_string()),
            ("receipt_no", receipt.to_string()),
            ("received_on", yikou_domain::format_date(yikou_domain::today())),
        ]
    };
    let r = g.post(format!("{}/donations", app.base)).form(&form("GM-2020-01")).send().await.unwrap();
    assert_eq!((r.status(), location(&r)), (StatusCode::SEE_OTHER, "/donations?done=record".to_string()));
    let r = g.post(format!("{}/donations", app.base)).form(&form("GM-2020-01")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("“GM-2020-01”已登记过") && html.contains("王某某"), "refused, typing kept");

    let (_, list) = page(&app, &g, "/donations").await;
    assert!(list.contains("匿名") && !list.contains("王某某"), "an anonymous donor is not named");
    assert!(list.contains("未分配 2,000.00 元") || list.contains("未分配 2000.00 元"), "{list}");
    let id = list[list.find("action=\"/donations/").unwrap() + 19..].split('/').next().unwrap().to_string();
    let allocate = |amount: &str| {
        vec![
            ("_csrf", csrf.clone()),
            ("project", project.to_string()),
            ("part", "money".to_string()),
            ("amount", amount.to_string()),
        ]
    };
    let r = g.post(format!("{}/donations/{id}/allocate", app.base)).form(&allocate("1500")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = g.post(format!("{}/donations/{id}/allocate", app.base)).form(&allocate("600")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("尚余 500.00 元未分配，不能再分配 600.00 元"));

    let token = bearer(&app, "gumei").await;
    let v: Value = reqwest::Client::new()
        .get(format!("{}/api/v1/donations", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["totals"]["allocated_money_fen"], 150_000, "{v}");
    assert_eq!(v["items"][0]["allocations"][0]["project"], project);
    // Not to the bureau's project, though it lists 古美's people.
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/donations/{id}/allocations", app.base))
        .bearer_auth(&token)
        .json(&json!({ "project": app.project, "kind": "money", "amount_fen": 100 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Over the API, the rest at once twice: one 201, one 409.
    let post = || {
        reqwest::Client::new()
            .post(format!("{}/api/v1/donations/{id}/allocations", app.base))
            .bearer_auth(&token)
            .json(&json!({ "project": project, "kind": "money", "amount_fen": 50_000 }))
            .send()
    };
    let (a, b) = tokio::join!(post(), post());
    let mut statuses = [a.unwrap().status(), b.unwrap().status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT]);
    let (q, _) = signed_in(&app, "qibao").await;
    assert!(!page(&app, &q, "/donations").await.1.contains("GM-2020-01"));
}
