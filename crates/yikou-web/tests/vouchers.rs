//! Issue 17's voucher contracts over the API: the list by state, and a redemption that answers 200
//! the first time and 409 with a Chinese error every later time — also when two arrive at once.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn redeem(app: &App, token: &str, code: &str) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/vouchers/{code}/redeem", app.base))
        .bearer_auth(token)
        .json(&json!({ "supermarket": "古美慈善超市" }))
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

#[tokio::test]
async fn a_voucher_is_redeemed_once_and_every_later_time_refused_in_chinese() {
    let app = start().await;
    let code = voucher_for(&app, app.people[0]).await;
    let token = bearer(&app, "gumei").await;
    let list = |state: &'static str| {
        let (app, token) = (&app, token.clone());
        async move {
            let r = reqwest::Client::new()
                .get(format!("{}/api/v1/vouchers?state={state}", app.base))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            r.json::<Value>().await.unwrap()
        }
    };
    let issued = list("issued").await;
    assert_eq!(issued["items"].as_array().unwrap().len(), 1, "{issued}");
    assert_eq!(issued["items"][0]["code"], code.as_str());
    assert_eq!(issued["items"][0]["person"], app.people[0]);
    assert_eq!(issued["items"][0]["value_fen"], 20_000);
    assert_eq!(issued["items"][0]["state"], "issued");

    let (first, again) = tokio::join!(redeem(&app, &token, &code), redeem(&app, &token, &code));
    let mut statuses = [first.0, again.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "two at once: one wins ({first:?} {again:?})");
    let (later, body) = redeem(&app, &token, &code).await;
    assert_eq!(later, StatusCode::CONFLICT);
    assert!(body["error"].as_str().unwrap().contains("不能重复兑换"), "{body}");
    assert_eq!(list("redeemed").await["items"][0]["state"], "redeemed");
    assert!(list("issued").await["items"].as_array().unwrap().is_empty());

    let (bad, body) = redeem(&app, &token, "LY-000001-0").await;
    assert!(bad == StatusCode::UNPROCESSABLE_ENTITY || bad == StatusCode::NOT_FOUND, "{bad} {body}");
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/vouchers?state=lost", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_persons_timeline_has_their_money_and_vouchers_by_date_within_the_area() {
    let app = start().await;
    let person = app.people[0];
    let code = voucher_for(&app, person).await;
    let get = |who: &'static str| {
        let app = &app;
        async move {
            let token = bearer(app, who).await;
            reqwest::Client::new()
                .get(format!("{}/api/v1/people/{person}/timeline", app.base))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };
    let r = get("gumei").await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    let items = v["items"].as_array().unwrap();
    let kinds: Vec<&str> = items.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "money").count(), 2, "古美甲 is listed twice in 测试项目: {v}");
    let voucher = items.iter().find(|i| i["kind"] == "voucher").unwrap();
    assert_eq!((voucher["reference"].as_str(), voucher["amount_fen"].as_i64()), (Some(code.as_str()), Some(20_000)));
    let dates: Vec<&str> = items.iter().map(|i| i["date"].as_str().unwrap()).collect();
    assert!(dates.iter().all(|d| d.len() == 10 && d.as_bytes()[4] == b'-'), "{dates:?}");
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "by date: {dates:?}");
    assert_eq!(get("qibao").await.status(), StatusCode::NOT_FOUND, "another street's person");
}

#[tokio::test]
async fn a_supermarket_list_is_refused_whole_on_a_bad_row_and_recorded_once() {
    let app = start().await;
    let given = voucher_for(&app, app.people[0]).await;
    let today = yikou_domain::today();
    let unissued = app
        .store
        .vouchers(&yikou_domain::Scope::All, Some(yikou_domain::voucher::VoucherState::Unissued), today, 10)
        .await
        .unwrap()[0]
        .code
        .clone();
    let (g, csrf) = signed_in(&app, "gumei").await;
    let send = |csv: String| {
        let form = reqwest::multipart::Form::new()
            .text("_csrf", csrf.clone())
            .text("supermarket", "古美慈善超市")
            .part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("兑换明细.csv"));
        g.post(format!("{}/vouchers/redemptions", app.base)).multipart(form).send()
    };
    let day = yikou_domain::format_date(today);
    let tomorrow = yikou_domain::format_date(today + time::Duration::days(1));
    let r =
        send(format!("卡券编号,兑换日期\n{given},{day}\n{unissued},{day}\nLY-000009-0,{day}\n{given},{tomorrow}\n"))
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    // The district's unissued voucher is "none of yours" to a street (not "not yet given").
    assert!(html.contains("不属于本辖区") && !html.contains("尚未发放"), "{html}");
    assert!(html.contains("编号") && html.contains("在今天之后") && html.contains("未登记任何一张"), "{html}");
    let state = |code: String| {
        let store = app.store.clone();
        async move {
            let all = store.vouchers(&yikou_domain::Scope::All, None, yikou_domain::today(), 10).await.unwrap();
            all.into_iter().find(|v| v.code == code).unwrap().state
        }
    };
    assert_eq!(state(given.clone()).await, yikou_domain::voucher::VoucherState::Issued, "nothing recorded");
    let clean = format!("卡券编号,兑换日期\n{given},{day}\n");
    let r = send(clean.clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("已登记兑换 1 张"));
    let r = send(clean).await.unwrap();
    assert!(
        r.text().await.unwrap().contains("已登记兑换 0 张，另有 1 张此前已登记"),
        "the same list twice: nothing twice"
    );
    assert_eq!(state(given.clone()).await, yikou_domain::voucher::VoucherState::Redeemed);
    let token = bearer(&app, "gumei").await;
    let (status, body) = redeem(&app, &token, &given).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
}
