//! Uploads are checked a few at a time: with no free place, the upload is turned away with 503
//! and a request to retry, on the page and in the API, and nothing is kept.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::{bearer, client, csrf_in, one_row_csv, start, PASSWORD};
use reqwest::StatusCode;
use yikou_web::checks::CheckPermits;
use yikou_web::{router, AppState, WebConfig};

/// The same store served with no place for checking (as when two big lists are being checked).
async fn serve_full(store: Arc<yikou_store::Store>) -> String {
    let state = AppState {
        store,
        config: Arc::new(WebConfig::default()),
        campaign_line: Default::default(),
        names: Default::default(),
        report_facts: Default::default(),
        checks: Arc::new(CheckPermits::new(0, Duration::from_millis(300))),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    base
}

fn list() -> reqwest::multipart::Part {
    reqwest::multipart::Part::bytes(one_row_csv("某某", "310112197105050043", "古美路街道")).file_name("l.csv")
}

#[tokio::test]
async fn an_upload_without_a_free_place_to_be_checked_is_answered_503() {
    let app = start().await;
    let token = bearer(&app, "gumei").await;
    let api = reqwest::Client::new();
    let upload = |base: String| {
        let api = api.clone();
        let token = token.clone();
        async move {
            api.post(format!("{base}/api/v1/imports"))
                .bearer_auth(&token)
                .multipart(reqwest::multipart::Form::new().part("file", list()))
                .send()
                .await
                .unwrap()
        }
    };
    // With places free, the list is checked.
    assert_eq!(upload(app.base.clone()).await.status(), StatusCode::OK);

    let full = serve_full(app.store.clone()).await;
    let r = upload(full.clone()).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "busy");
    assert_eq!(body["message"], "系统正在检查其他名单，请稍后重试");

    // The page does the same.
    let (c, _) = client();
    let login = c.get(format!("{full}/login")).send().await.unwrap().text().await.unwrap();
    let r = c
        .post(format!("{full}/login"))
        .form(&[("login", "gumei"), ("password", PASSWORD), ("_csrf", &csrf_in(&login))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let home = c.get(format!("{full}/imports")).send().await.unwrap().text().await.unwrap();
    let form = reqwest::multipart::Form::new().text("_csrf", csrf_in(&home)).text("project", "").part("file", list());
    let r = c.post(format!("{full}/imports/upload")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.text().await.unwrap().contains("系统正在检查其他名单，请稍后重试"));
}
