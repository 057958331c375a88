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
