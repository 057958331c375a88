//! 生活服务热线 through the page and the API: a request taken for a person (from their page), given
//! to a unit, listed as overdue past its deadline, closed by that unit only — once — with the hours it
//! took; the person's timeline shows it; another street sees none of it.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn a_request_is_taken_assigned_closed_once_and_counted() {
    let app = start().await;
    let person = app.people[0];
    let (g, csrf) = signed_in(&app, "gumei").await;
    let (status, html) = page(&app, &g, &format!("/hotline?person={person}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("求助对象：") && html.contains("古美甲"), "the person is filled in");
    // Without content: refused in Chinese, the caller kept.
    let take = |content: &str| {
        vec![
            ("_csrf", csrf.clone()),
            ("person", person.to_string()),
            ("caller", "女儿 李某".to_string()),
            ("kind", "medical".to_string()),
            ("content", content.to_string()),
        ]
    };
    let r = g.post(format!("{}/hotline", app.base)).form(&take("")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("请填写求助内容") && html.contains("女儿 李某"));
    let r = g.post(format!("{}/hotline", app.base)).form(&take("母亲需陪同去医院复诊")).send().await.unwrap();
    assert_eq!((r.status(), location(&r)), (StatusCode::SEE_OTHER, "/hotline?done=take".to_string()));

    let token = bearer(&app, "gumei").await;
    let api = |path: String| {
        let (base, token) = (app.base.clone(), token.clone());
        async move {
            let r = reqwest::Client::new().get(format!("{base}{path}")).bearer_auth(token).send().await.unwrap();
            r.json::<Value>().await.unwrap()
        }
    };
    let v = api("/api/v1/hotline".into()).await;
    assert_eq!(v["stats"]["open"], 1, "{v}");
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/hotline?state=foo", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "an unknown state is refused, not ignored");
    let id = v["items"][0]["id"].as_i64().unwrap();
    assert_eq!(v["items"][0]["kind"], "medical");
    assert_eq!(v["items"][0]["street_code"], GUMEI, "the request belongs to the person's street");

    // Given to 古美 itself, due today: closing it is 古美's, not 七宝's.
    let today = yikou_domain::format_date(yikou_domain::today());
    let r = g
        .post(format!("{}/hotline/{id}/assign", app.base))
        .form(&[("_csrf", csrf.as_str()), ("unit", GUMEI), ("due", today.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let v = api("/api/v1/hotline?state=unfinished".into()).await;
    assert_eq!(v["items"][0]["state"], "assigned", "{v}");
    assert_eq!(v["stats"]["overdue"], 0, "due today is not overdue");
    let qibao = bearer(&app, "qibao").await;
    let close = |who: String| {
        let base = app.base.clone();
        async move {
            reqwest::Client::new()
                .post(format!("{base}/api/v1/hotline/{id}/close"))
                .bearer_auth(who)
                .json(&json!({ "result": "已联系志愿者陪同就医" }))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(close(qibao.clone()).await, StatusCode::NOT_FOUND);
    assert_eq!(close(token.clone()).await, StatusCode::OK);
    assert_eq!(close(token.clone()).await, StatusCode::CONFLICT, "closed once");
    let v = api("/api/v1/hotline?state=closed".into()).await;
    assert_eq!(v["items"][0]["hours_to_close"], 0);
    assert_eq!(v["stats"]["closed"], 1);
    assert!(v["stats"]["mean_hours_to_close"].as_f64().is_some());

    // The person's timeline has it; 七宝 lists nothing.
    let t = api(format!("/api/v1/people/{person}/timeline")).await;
    assert!(t["items"].as_array().unwrap().iter().any(|i| i["kind"] == "hotline" && i["state"] == "closed"), "{t}");
    let (_, person_page) = page(&app, &g, &format!("/people/{person}")).await;
    assert!(person_page.contains("热线求助（就医）") && person_page.contains("已办结"));
    let r =
        reqwest::Client::new().get(format!("{}/api/v1/hotline", app.base)).bearer_auth(&qibao).send().await.unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["stats"]["total"], 0, "{v}");
}

#[tokio::test]
async fn a_request_past_its_deadline_is_listed_as_overdue() {
    let app = start().await;
    let id = hotline_for(&app, app.people[0]).await;
    // Move the deadline into the past as time would.
    let yesterday = yikou_domain::format_date(yikou_domain::today() - time::Duration::days(1));
    yikou_store::on_db!(app.store.db(), p => sqlx::query("UPDATE hotline_requests SET due_on = $1 WHERE id = $2")
        .bind(&yesterday).bind(id).execute(p).await.unwrap().rows_affected());
    let (g, _) = signed_in(&app, "gumei").await;
    let (_, html) = page(&app, &g, "/hotline?state=overdue").await;
    assert!(html.contains("古美家中水管漏水") && html.contains("已超期 1 件"), "{html}");
    let (_, closed) = page(&app, &g, "/hotline?state=closed").await;
    assert!(!closed.contains("古美家中水管漏水"));
}
