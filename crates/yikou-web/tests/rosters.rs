//! 名单审核 over HTTP (issue 14, point 1): a roster with open findings is not submitted (the page
//! and the API list them); submitted, its preparer cannot approve it (page and API alike); a
//! reviewer returns it with a comment, it is resubmitted and approved; the project page shows the
//! history and, after a register edit, the facts as approved beside today's.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yikou_domain::reference::BUREAU_CODE;
use yikou_domain::{Actor, Role, Scope};

async fn api(app: &App, token: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let c = reqwest::Client::new();
    let url = format!("{}{path}", app.base);
    let req = match body {
        Some(b) => c.post(url).json(&b),
        None => c.post(url),
    };
    let r = req.bearer_auth(token).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_roster_goes_through_review_with_its_preparer_kept_from_approving_it() {
    let app = start().await;
    add_account(&app, "checker", BUREAU_CODE, Role::Reviewer).await;
    let pid = app.project;
    let page_url = format!("/projects/{pid}");
    let (b, _) = signed_in(&app, "bureau").await;
    let bureau = bearer(&app, "bureau").await;
    let checker = bearer(&app, "checker").await;

    // The bureau's roster (the test data's entries, on the project's unit) holds a duplicate.
    let (_, html) = page(&app, &b, &page_url).await;
    assert!(html.contains("名单审核（一口下达）") && html.contains("提交审核（本单位待提交 4 条"), "{html}");
    let r =
        b.post(format!("{}/projects/{pid}/submit", app.base)).form(&[("_csrf", csrf_in(&html))]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let refused = r.text().await.unwrap();
    assert!(
        refused.contains("比对疑点未处理") && refused.contains("href=\"/check?type=dup_in_project&#38;status=open\""),
        "{refused}"
    );
    let (status, v) = api(&app, &bureau, &format!("/api/v1/projects/{pid}/submit"), None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(v["code"], "open_findings");
    assert!(v["error"].as_str().unwrap().contains("比对疑点未处理"), "{v}");
    let open: Vec<String> =
        v["findings"].as_array().unwrap().iter().map(|f| f["key"].as_str().unwrap().to_string()).collect();
    assert_eq!(open.len(), 2, "the duplicate and the project over its budget: {v}");
    assert!(refused.contains("资金来源“区级资金”"), "a source by its name: {refused}");

    // Decided (dismissed with a reason), the roster goes in.
    for key in &open {
        let c = reqwest::Client::new();
        let r = c
            .post(format!("{}/api/v1/check/decisions", app.base))
            .bearer_auth(&bureau)
            .json(&json!({ "key": key, "action": "dismiss", "reason": "已核实，属实" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    let (status, v) = api(&app, &bureau, &format!("/api/v1/projects/{pid}/submit"), None).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(
        (v["state"].as_str(), v["entitlements"].as_i64(), v["amount_fen"].as_i64()),
        (Some("submitted"), Some(4), Some(360_000))
    );

    // Its submitter cannot approve it, through the API or the page.
    let review = |d: &str, comment: &str| json!({ "unit": BUREAU_CODE, "decision": d, "comment": comment });
    let (status, v) = api(&app, &bureau, &format!("/api/v1/projects/{pid}/review"), Some(review("approve", ""))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert!(v["error"].as_str().unwrap().contains("不能审核自己经手的名单"), "{v}");
    let (_, html) = page(&app, &b, &page_url).await;
    let form = [
        ("_csrf", csrf_in(&html)),
        ("unit", BUREAU_CODE.into()),
        ("decision", "approve".into()),
        ("comment", String::new()),
    ];
    let r = b.post(format!("{}/projects/{pid}/review", app.base)).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("不能审核自己经手的名单"));

    // The reviewer: a return needs a comment (said beside the roster, the form kept) …
    let (c, _) = signed_in(&app, "checker").await;
    let (_, html) = page(&app, &c, &page_url).await;
    assert!(html.contains("批准下达") && html.contains("退回修改"), "{html}");
    let form = [
        ("_csrf", csrf_in(&html)),
        ("unit", BUREAU_CODE.into()),
        ("decision", "return".into()),
        ("comment", " ".into()),
    ];
    let r = c.post(format!("{}/projects/{pid}/review", app.base)).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("class=\"field-error\" id=\"roster-error-310112") && html.contains("退回时请写明原因"),
        "{html}"
    );
    // … with one, it goes back; the page says so and keeps the history.
    let form = [
        ("_csrf", csrf_in(&html)),
        ("unit", BUREAU_CODE.into()),
        ("decision", "return".into()),
        ("comment", "古美甲重复，请核实".into()),
    ];
    let r = c.post(format!("{}/projects/{pid}/review", app.base)).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let (_, html) = page(&app, &c, &to).await;
    assert!(html.contains("已退回") && html.contains("古美甲重复，请核实") && html.contains("checker的名字"), "{html}");
    assert_eq!(
        api(&app, &checker, &format!("/api/v1/projects/{pid}/review"), Some(review("approve", ""))).await.0,
        StatusCode::CONFLICT,
        "returned: not under review"
    );

    // Resubmitted from the page, approved through the API.
    let (_, html) = page(&app, &b, &page_url).await;
    let r =
        b.post(format!("{}/projects/{pid}/submit", app.base)).form(&[("_csrf", csrf_in(&html))]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (status, v) = api(&app, &checker, &format!("/api/v1/projects/{pid}/review"), Some(review("approve", ""))).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!((v["state"].as_str(), v["entitlements"].as_i64()), (Some("approved"), Some(4)));
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/projects/{pid}", app.base))
        .bearer_auth(&bureau)
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["rosters"],
        json!([{ "unit": BUREAU_CODE, "state": "approved", "entitlements": 4, "amount_fen": 360_000 }])
    );

    // A register edit after approval: the page shows the name as approved beside today's.
    let mut tx = app.store.write(&Actor::system("test")).await.unwrap();
    yikou_store::register::update_person(
        &mut tx,
        &Scope::All,
        app.people[0],
        &yikou_store::register::PersonUpdate { name: Some("古美甲改".into()), ..Default::default() },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (_, html) = page(&app, &b, &page_url).await;
    assert!(html.contains("古美甲改</a><br><span class=\"hint\">批准时：古美甲</span>"), "{html}");
    let acts = html.matches("<td class=\"nowrap\">提交审核</td>").count();
    assert_eq!(acts, 2, "two submissions in the history");
}
