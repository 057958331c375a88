//! 走访慰问 through the pages and the API: a street's clerk records a visit from the person's page
//! (a bad amount refused in Chinese with what was typed kept), sees it on the person's timeline and
//! in the list, completes its follow-up; the API records one (201) and lists the area's; another
//! street can neither record for nor list 古美's people; the cross-check names who was not visited.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn a_clerk_records_a_visit_sees_it_on_the_timeline_and_completes_its_follow_up() {
    let app = start().await;
    let person = app.people[0];
    let (g, csrf) = signed_in(&app, "gumei").await;
    let (status, form) = page(&app, &g, &format!("/visits/new?person={person}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("登记走访慰问：古美甲") && form.contains("110105********002X"), "{form}");
    assert!(page(&app, &g, &format!("/people/{person}")).await.1.contains("/visits/new?person="));

    let today = yikou_domain::format_date(yikou_domain::today());
    let mut fields = vec![
        ("_csrf", csrf.clone()),
        ("person", person.to_string()),
        ("date", today.clone()),
        ("visitor_kind", "committee".into()),
        ("visitors", "居委 王社工".into()),
        ("money", "三百".into()),
        ("goods", "米、油".into()),
        ("goods_value", "120".into()),
        ("needs", "希望安排助浴".into()),
        ("action_what", "联系助浴服务".into()),
        ("action_owner", GUMEI.into()),
        ("action_due", today.clone()),
    ];
    let r = g.post(format!("{}/visits", app.base)).form(&fields).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("慰问金“三百”不正确") && html.contains("居委 王社工"), "refused in Chinese, typing kept");
    fields[5].1 = "300".into();
    let r = g.post(format!("{}/visits", app.base)).form(&fields).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/people/{person}?visited=1"));
    let (_, person_page) = page(&app, &g, &format!("/people/{person}?visited=1")).await;
    assert!(person_page.contains("走访已登记") && person_page.contains("帮扶时间线"));
    assert!(person_page.contains("走访慰问（居委 王社工）：米、油") && person_page.contains("420.00"), "money + goods");

    let (_, list) = page(&app, &g, "/visits?open=1").await;
    assert!(list.contains("联系助浴服务") && list.contains("未办结") && list.contains("登记办结"), "{list}");
    let action = list[list.find("/visits/actions/").unwrap() + 16..].split('/').next().unwrap().to_string();
    let r = g
        .post(format!("{}/visits/actions/{action}/done", app.base))
        .form(&[("_csrf", csrf.as_str()), ("note", "已安排每周一次")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, all) = page(&app, &g, "/visits").await;
    assert!(all.contains("办结：已安排每周一次"), "{all}");
    assert!(page(&app, &g, "/visits?open=1").await.1.contains("没有未办结的跟进事项"));

    // The export holds the visit; another street's list does not.
    let r = g.get(format!("{}/visits/export.xlsx", app.base)).send().await.unwrap();
    let text = xlsx_text(&r.bytes().await.unwrap());
    assert!(text.contains("古美甲") && text.contains("联系助浴服务"), "{text}");
    let (q, _) = signed_in(&app, "qibao").await;
    assert!(!page(&app, &q, "/visits").await.1.contains("古美甲"));
}

#[tokio::test]
async fn the_api_records_within_the_area_and_the_check_names_who_was_not_visited() {
    let app = start().await;
    let (gumei, other) = (app.people[0], app.people[1]);
    let token = bearer(&app, "gumei").await;
    let post = |who: String, body: Value| {
        let base = app.base.clone();
        async move {
            let r = reqwest::Client::new()
                .post(format!("{base}/api/v1/visits"))
                .bearer_auth(who)
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap_or_default())
        }
    };
    let today = yikou_domain::format_date(yikou_domain::today());
    let body = |p: i64| {
        json!({ "person": p, "date": today, "visitor_kind": "leader", "visitors": "区领导",
                                "money_fen": 50_000, "goods": "棉被", "goods_value_fen": 20_000 })
    };
    let (s, v) = post(token.clone(), body(gumei)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert!(v["id"].as_i64().is_some());
    let (s, _) = post(token.clone(), body(other)).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "七宝's person is not 古美's to visit");
    let (s, v) = post(
        token.clone(),
        json!({ "person": gumei, "date": "2099-01-01", "visitor_kind": "leader", "visitors": "x" }),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["message"].as_str().or(v["error"].as_str()).unwrap_or_default().contains("今天之后"), "{v}");
    // Amounts past any one record's bound are refused (they overflowed the sums before).
    let huge = json!({ "person": gumei, "date": today, "visitor_kind": "unit", "visitors": "x",
                       "money_fen": i64::MAX, "goods": "米", "goods_value_fen": i64::MAX });
    let (s, v) = post(token.clone(), huge).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // A cursor that is not one is refused in Chinese, not a crash; one naming no visit of the area too.
    for (cursor, status) in
        [("abc", StatusCode::BAD_REQUEST), ("9223372036854775807", StatusCode::UNPROCESSABLE_ENTITY)]
    {
        let r = reqwest::Client::new()
            .get(format!("{}/api/v1/visits?cursor={cursor}", app.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{cursor}");
        let v: Value = r.json().await.unwrap();
        assert!(v["message"].as_str().unwrap_or_default().contains("无效"), "{v}");
    }
    let r = reqwest::Client::new().get(format!("{}/api/v1/visits", app.base)).bearer_auth(&token).send().await.unwrap();
    let list: Value = r.json().await.unwrap();
    assert_eq!(list["total"], 1, "{list}");
    assert!(list["next_cursor"].is_null(), "one visit: no next page: {list}");
    assert_eq!(list["items"][0]["person"], gumei);
    assert_eq!(list["items"][0]["money_fen"], 50_000);

    // The rule "every 低保 member is visited" (the test people are 低保): the two not visited are named.
    let cid = app.store.campaign(2020).await.unwrap().unwrap().id;
    let mut tx = app.store.write(&yikou_domain::Actor::system("test")).await.unwrap();
    let (_, mut rules) = app.store.rules(cid).await.unwrap();
    rules.visit_coverage = vec!["DB".into()];
    yikou_store::check::save_rules(&mut tx, cid, &rules).await.unwrap();
    tx.commit().await.unwrap();
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/check", app.base))
        .bearer_auth(bearer(&app, "bureau").await)
        .send()
        .await
        .unwrap();
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["counts"]["not_visited"], 2, "{}", report["counts"]);
    let named: Vec<i64> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["type"] == "not_visited")
        .map(|f| f["people"][0]["id"].as_i64().unwrap())
        .collect();
    assert!(!named.contains(&gumei) && named.contains(&other) && named.contains(&app.people[2]), "{named:?}");
}

#[tokio::test]
async fn the_bureau_sets_which_categories_must_be_visited_on_the_visits_page() {
    let app = start().await;
    let (b, csrf) = signed_in(&app, "bureau").await;
    let (_, before) = page(&app, &b, "/visits").await;
    assert!(
        before.contains("应走访类别（比对规则第 0 版）：尚未设定") && before.contains("修改应走访类别"),
        "{before}"
    );
    let r = b
        .post(format!("{}/visits/coverage", app.base))
        .form(&[("_csrf", csrf.as_str()), ("category", "LR-DJ"), ("category", "ET")])
        .send()
        .await
        .unwrap();
    assert_eq!((r.status(), location(&r)), (StatusCode::SEE_OTHER, "/visits?done=rule".to_string()));
    let (_, after) = page(&app, &b, "/visits?done=rule").await;
    assert!(after.contains("第 1 版）：独居老人、困境儿童"), "{after}");
    let cid = app.store.campaign(2020).await.unwrap().unwrap().id;
    assert_eq!(app.store.rules(cid).await.unwrap().1.visit_coverage, vec!["LR-DJ".to_string(), "ET".to_string()]);
    // A street sees the rule but may not change it.
    let (g, _) = signed_in(&app, "gumei").await;
    let (_, street) = page(&app, &g, "/visits").await;
    assert!(street.contains("独居老人、困境儿童") && !street.contains("修改应走访类别"));
}
