//! 一口发放 over the API (issue 14's contract): a bank batch by a payer who did not approve it (the
//! approver is refused), the bank file's columns and hash, a GBK result file imported twice at the
//! same moment (nothing paid twice, nothing lost), the failed line re-issued and its result written
//! by LibreOffice as .xls, and progress that adds up.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use yikou_domain::reference::BUREAU_CODE;
use yikou_domain::roster::ReviewDecision;
use yikou_domain::{Actor, Role, Scope};

async fn post(app: &App, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let r =
        reqwest::Client::new().post(format!("{}{path}", app.base)).bearer_auth(token).json(&body).send().await.unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn get(app: &App, token: &str, path: &str) -> reqwest::Response {
    reqwest::Client::new().get(format!("{}{path}", app.base)).bearer_auth(token).send().await.unwrap()
}

async fn upload(app: &App, token: &str, batch: i64, name: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/payments/batches/{batch}/results", app.base))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

/// The bank file's CSV with the bank's two columns added, line by line.
fn answered(csv: &str, answers: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, line) in csv.trim_start_matches('\u{feff}').lines().enumerate() {
        let extra = if i == 0 {
            "处理结果,失败原因".to_string()
        } else {
            format!("{},{}", answers[i - 1].0, answers[i - 1].1)
        };
        out.push_str(&format!("{line},{extra}\n"));
    }
    out
}

#[tokio::test]
async fn a_bank_batch_goes_out_comes_back_twice_at_once_is_reissued_and_adds_up() {
    let app = start().await;
    add_account(&app, "payer", BUREAU_CODE, Role::Bureau).await;
    let (bureau, payer) = (bearer(&app, "bureau").await, bearer(&app, "payer").await);
    // The test roster (4 entries of 900 元: 古美甲 twice, 七宝乙, the third person), submitted by a
    // system job and approved by `bureau`; everyone has a bank account.
    let mut tx = app.store.write(&Actor::system("test")).await.unwrap();
    yikou_store::rosters::submit(&mut tx, app.project, BUREAU_CODE).await.unwrap();
    tx.commit().await.unwrap();
    let (status, v) = post(
        &app,
        &bureau,
        &format!("/api/v1/projects/{}/review", app.project),
        json!({ "unit": BUREAU_CODE, "decision": "approve" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let _ = ReviewDecision::Approve;
    for (i, id) in app.people.iter().enumerate() {
        yikou_service::pay::set_bank_account(
            &app.store,
            &Actor::system("test"),
            *id,
            &format!("户名{i}"),
            "工商银行",
            &format!("6222 0210 0112 3456 {i:03}"),
        )
        .await
        .unwrap();
    }

    // The approver may not pay it; another account of the bureau does.
    let (status, v) = post(&app, &bureau, "/api/v1/payments/batches", json!({ "method": "bank" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert!(v["error"].as_str().unwrap().contains("审批与发放须由不同的人"), "{v}");
    let (status, v) = post(&app, &payer, "/api/v1/payments/batches", json!({ "method": "bank" })).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!((v["lines"].as_i64(), v["amount_fen"].as_i64()), (Some(4), Some(360_000)));
    let batch = v["batch"].as_i64().unwrap();
    let (status, v) = post(&app, &payer, "/api/v1/payments/batches", json!({ "method": "bank" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "nothing left to pay: {v}");
    assert!(v["error"].as_str().unwrap().contains("没有可发放的记录"));

    // The bank file: the contract's columns first, full accounts, 元 with two decimals; its hash kept;
    // the same lines again.
    let r = get(&app, &payer, &format!("/api/v1/payments/batches/{batch}/bank-file.csv")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("\u{feff}序号,参考号,户名,账号,金额,摘要"), "{csv}");
    assert!(csv.contains("\"6222021001123456000\"") && csv.contains("\"900.00\""), "{csv}");
    assert_eq!(
        csv,
        get(&app, &payer, &format!("/api/v1/payments/batches/{batch}/bank-file.csv")).await.text().await.unwrap()
    );
    let sha = hex::encode(Sha256::digest(csv.as_bytes()));
    let shown: Value = get(&app, &payer, &format!("/api/v1/payments/batches/{batch}")).await.json().await.unwrap();
    assert_eq!(shown["batch"]["file_sha256"].as_str(), Some(sha.as_str()));
    assert!(
        shown.to_string().contains("****6000") && !shown.to_string().contains("6222021001123456000"),
        "masked in JSON"
    );
    let xlsx =
        get(&app, &payer, &format!("/api/v1/payments/batches/{batch}/bank-file.xlsx")).await.bytes().await.unwrap();
    let rows = xlsx_rows(&xlsx);
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(&header[..6], ["序号", "参考号", "户名", "账号", "金额", "摘要"]);
    assert_eq!(rows[1][3].to_string(), "6222021001123456000", "the account as text");
    assert!(
        get(&app, &bearer(&app, "gumei").await, &format!("/api/v1/payments/batches/{batch}/bank-file.csv"))
            .await
            .status()
            == StatusCode::FORBIDDEN
    );

    // The result, in GBK, imported by two operators at the same moment.
    let result = answered(&csv, &[("成功", ""), ("失败", "账号不存在"), ("处理中", ""), ("成功", "")]);
    let (gbk, _, _) = encoding_rs::GBK.encode(&result);
    let gbk = gbk.into_owned();
    let (a, b) = tokio::join!(
        upload(&app, &payer, batch, "结果.csv", gbk.clone()),
        upload(&app, &payer, batch, "结果.csv", gbk.clone())
    );
    assert_eq!((a.0, b.0), (StatusCode::OK, StatusCode::OK), "{a:?} {b:?}");
    let sum = |k: &str| a.1[k].as_i64().unwrap() + b.1[k].as_i64().unwrap();
    assert_eq!((sum("paid"), sum("failed"), sum("already_recorded")), (2, 1, 3), "{a:?} {b:?}");
    assert_eq!(a.1["lines"], 4);
    for k in [
        "lines",
        "paid",
        "failed",
        "unresolved",
        "unmatched",
        "mismatched",
        "duplicates",
        "missing",
        "already_recorded",
    ] {
        assert!(a.1[k].is_i64(), "the contract's field {k}: {a:?}");
    }
    let lines: Value = get(&app, &payer, &format!("/api/v1/payments/batches/{batch}")).await.json().await.unwrap();
    let states: Vec<&str> = lines["lines"].as_array().unwrap().iter().map(|l| l["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["paid", "failed", "unresolved", "paid"]);
    assert_eq!(lines["lines"][1]["reason"], "no_account");

    // Only the failed line is re-issued; its result comes back as .xls written by LibreOffice.
    let (status, v) = post(&app, &payer, &format!("/api/v1/payments/batches/{batch}/reissue"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!((v["lines"].as_i64(), v["amount_fen"].as_i64()), (Some(1), Some(90_000)));
    let again = v["batch"].as_i64().unwrap();
    assert_eq!(
        post(&app, &payer, &format!("/api/v1/payments/batches/{batch}/reissue"), json!({})).await.0,
        StatusCode::CONFLICT
    );
    let csv2 =
        get(&app, &payer, &format!("/api/v1/payments/batches/{again}/bank-file.csv")).await.text().await.unwrap();
    assert!(csv2.contains("-00001-2\""), "the next attempt: {csv2}");
    let result2 = answered(&csv2, &[("成功", "")]);
    let (name, bytes) = match libreoffice_xls(&result2) {
        Some(xls) => ("结果.xls", xls),
        None => ("结果.csv", result2.into_bytes()),
    };
    let (status, v) = upload(&app, &payer, again, name, bytes).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!((v["paid"].as_i64(), v["mismatched"].as_i64()), (Some(1), Some(0)), "{name}: {v}");

    // Progress: 4 approved = 3 disbursed + 0 failed + 1 pending (the unresolved line), in fen too.
    let p: Value = get(&app, &payer, "/api/v1/payments/progress").await.json().await.unwrap();
    let t = &p["total"];
    assert_eq!(
        (
            t["approved"]["entitlements"].as_i64(),
            t["disbursed"]["entitlements"].as_i64(),
            t["failed"]["entitlements"].as_i64(),
            t["pending"]["entitlements"].as_i64()
        ),
        (Some(4), Some(3), Some(0), Some(1)),
        "{p}"
    );
    assert_eq!(
        (t["approved"]["amount_fen"].as_i64(), t["disbursed"]["amount_fen"].as_i64()),
        (Some(360_000), Some(270_000))
    );
    assert_eq!(p["units"][0]["unit"], BUREAU_CODE);
    assert_eq!(p["problems"], json!([]));
    // 古美 sees its own part: 古美甲's two entries and the third person's.
    let g: Value = get(&app, &bearer(&app, "gumei").await, "/api/v1/payments/progress").await.json().await.unwrap();
    assert_eq!(g["total"]["approved"]["entitlements"], 3, "{g}");
    let paid = app.store.entitlements_of_person(&Scope::All, app.people[1]).await.unwrap();
    assert_eq!(paid[0].entitlement.state, yikou_domain::EntitlementState::Disbursed);
}

/// The text as an .xls written by LibreOffice (every column as text), where it is installed.
fn libreoffice_xls(csv: &str) -> Option<Vec<u8>> {
    let soffice = ["soffice", "libreoffice"].into_iter().find(|c| {
        std::process::Command::new(c).arg("--version").output().map(|o| o.status.success()).unwrap_or(false)
    })?;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    std::fs::write(&path, csv).unwrap();
    let out = std::process::Command::new(soffice)
        .arg(format!("-env:UserInstallation=file://{}", dir.path().join("profile").display()))
        .args([
            "--headless",
            "--infilter=CSV:44,34,76,1,1/2/2/2/3/2/4/2/5/2/6/2/7/2/8/2/9/2",
            "--convert-to",
            "xls",
            "--outdir",
        ])
        .arg(dir.path())
        .arg(&path)
        .output()
        .ok()?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Some(std::fs::read(dir.path().join("r.xls")).unwrap())
}

#[tokio::test]
async fn a_street_records_its_signed_sheet_with_an_exception_and_another_street_cannot() {
    let app = start().await;
    let made = approve_and_pay(&app, false).await;
    let (g, _) = signed_in(&app, "gumei").await;
    let (_, html) = page(&app, &g, &format!("/payments/batches/{made}")).await;
    assert!(html.contains("签收表（按居村委）") && html.contains("登记签收结果"), "{html}");
    assert!(!html.contains("七宝乙"), "古美's lines only");
    let (status, sheet) = page(&app, &g, &format!("/payments/batches/{}/sheet", made)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(sheet.contains("合计 3 人") && sheet.contains("2,700.00") && !sheet.contains("七宝乙"), "{sheet}");

    // One line not handed over: its reason is required, then recorded; the rest signed.
    let (_, form) = page(&app, &g, &format!("/payments/batches/{}/signoff", made)).await;
    let line = form[form.find("name=\"unsigned\" value=\"").unwrap() + 23..].split('"').next().unwrap().to_string();
    let post = |reason: &str, token: String| {
        let fields = vec![
            ("_csrf".to_string(), token),
            ("committee".into(), String::new()),
            ("unsigned".into(), line.clone()),
            (format!("reason_{line}"), reason.to_string()),
        ];
        let (g, url) = (g.clone(), format!("{}/payments/batches/{}/signoff", app.base, made));
        async move { g.post(url).form(&fields).send().await.unwrap() }
    };
    let r = post("", csrf_in(&form)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = r.text().await.unwrap();
    assert!(again.contains("请写明原因") && again.contains("checked"), "the ticks kept: {again}");
    let r = post("本人住院，家属未能代领", csrf_in(&again)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, done) = page(&app, &g, r.headers()["location"].to_str().unwrap()).await;
    assert!(done.contains("已签收 2 笔，未签收 1 笔"), "{done}");
    // 七宝 cannot record 古美's lines (its own line is recorded only by itself).
    let q = bearer(&app, "qibao").await;
    let (status, v) = post_json(&app, &q, &format!("/api/v1/payments/batches/{}/signoff", made), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!((v["paid"].as_i64(), v["lines"].as_i64()), (Some(1), Some(1)), "七宝's own line only: {v}");
    let p: Value = get(&app, &bearer(&app, "bureau").await, "/api/v1/payments/progress").await.json().await.unwrap();
    assert_eq!(
        (p["total"]["disbursed"]["entitlements"].as_i64(), p["total"]["failed"]["entitlements"].as_i64()),
        (Some(3), Some(1))
    );
}

async fn post_json(app: &App, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    post(app, token, path, body).await
}
