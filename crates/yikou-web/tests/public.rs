//! 公示 (issue 16, point 7): `/public` and `GET /api/v1/public/summary` answer without sign-in with
//! aggregate figures only — no name, ID number (whole or masked), phone or illness — and counts below 5
//! shown as "<5" with their money withheld, one more cell hidden where one alone would be given back by
//! the total.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn the_public_figures_are_aggregates_with_small_cells_suppressed_and_nothing_about_anyone() {
    let app = start().await;
    // 古美: 2 people + 12 more; 七宝: 1 person (a small cell).
    add_people(&app, 12, GUMEI).await;
    let anonymous = reqwest::Client::new();
    let r = anonymous.get(format!("{}/public", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "no sign-in needed");
    let html = r.text().await.unwrap();
    let r = anonymous.get(format!("{}/api/v1/public/summary", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();

    // The total: 15 people, 16 person-times (古美甲 twice), 16 × 900 元 = 1.44 万元.
    assert_eq!((v["total"]["people"].as_i64(), v["total"]["person_times"].as_i64()), (Some(15), Some(16)), "{v}");
    assert_eq!(v["total"]["amount_wan"], "1.44");
    // The contract: the campaign's year; per group its name, projects, person-times and money in fen.
    assert_eq!(v["campaign"], 2020);
    assert_eq!(
        (v["groups"][0]["group"].as_str(), v["groups"][0]["projects"].as_i64(), v["groups"][0]["amount_fen"].as_i64()),
        (Some("民政部门"), Some(1), Some(1_440_000))
    );
    assert_eq!(v["total"]["person_times"], 16);
    let street = |name: &str| v["streets"].as_array().unwrap().iter().find(|l| l["name"] == name).cloned().unwrap();
    // 七宝 has one person: "<5", no money; and since it alone would be given back by the total, the
    // next smallest cell of the table is withheld too (here 古美, the only other).
    assert_eq!(street("七宝镇")["people"], "<5");
    assert_eq!(street("七宝镇")["amount_wan"], Value::Null);
    assert_eq!(
        (street("古美街道")["people"].as_str(), street("古美街道")["amount_wan"].as_str()),
        (Some("withheld"), None)
    );
    // By unit group one line of 15: shown.
    assert_eq!(v["groups"][0]["people"], 15);
    assert_eq!(street("七宝镇")["amount_fen"], Value::Null);
    // Categories at their top level: the illness (白血病) is folded into its category.
    let cats = v["categories"].to_string();
    assert!(!cats.contains("白血病") && cats.contains("低保家庭"), "{cats}");
    assert!(html.contains("&lt;5") && html.contains("不含任何个人信息"), "{html}");

    for out in [html.as_str(), &v.to_string()] {
        for private in [
            "古美甲",
            "加测",
            "11010519491231002X",
            "110105********002X",
            "13812345678",
            "139****",
            "白血病",
            "<script>",
        ] {
            assert!(!out.contains(private), "{private} in public output: {out}");
        }
    }
}
