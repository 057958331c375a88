//! The framework's own refusals read in Chinese: a JSON body with a field missing or of the wrong
//! type, a body that is not JSON, no Content-Type, a path id that is not a number — `{"error",
//! "message"}` under /api/, a page elsewhere, the status kept, no English framework text.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn malformed_requests_are_answered_in_chinese() {
    let app = start().await;
    let token = bearer(&app, "gumei").await;
    let send = |path: &str, body: Option<(&'static str, String)>| {
        let mut r = reqwest::Client::new().post(format!("{}{path}", app.base)).bearer_auth(&token);
        if let Some((kind, text)) = body {
            r = r.header("content-type", kind).body(text);
        }
        async move {
            let r = r.send().await.unwrap();
            let status = r.status();
            let v: Value = r.json().await.unwrap_or_default();
            (status, v["message"].as_str().unwrap_or_default().to_string())
        }
    };
    let json = "application/json";
    let cases = [
        (
            "/api/v1/hotline/abc/close",
            Some((json, "{\"result\": \"x\"}".to_string())),
            StatusCode::BAD_REQUEST,
            "应为数字编号",
        ),
        (
            "/api/v1/hotline/1/assign",
            Some((json, "{\"unit\": \"x\"}".to_string())),
            StatusCode::UNPROCESSABLE_ENTITY,
            "缺少必填字段 due",
        ),
        (
            "/api/v1/visits",
            Some((json, "{\"person\": \"8\"}".to_string())),
            StatusCode::UNPROCESSABLE_ENTITY,
            "字段 person 的类型",
        ),
        ("/api/v1/visits", Some((json, "not json".to_string())), StatusCode::BAD_REQUEST, "不是有效的 JSON"),
        ("/api/v1/visits", None, StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type"),
    ];
    for (path, body, status, said) in cases {
        let (got, message) = send(path, body).await;
        assert_eq!(got, status, "{path}: {message}");
        assert!(message.contains(said), "{path}: {message}");
        assert!(!message.contains("Failed") && !message.contains("Expected request"), "{path}: {message}");
    }
    let (g, _) = signed_in(&app, "gumei").await;
    let (status, html) = page(&app, &g, "/people/abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("应为数字编号") && !html.contains("Cannot parse"), "{html}");
}
