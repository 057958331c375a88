//! The administrators' account work, 导出Excel beside every table, and the JSON API's write
//! operations (imports, deciding findings), driven over HTTP against the real application.

mod common;

use calamine::Data;
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn actions_by(app: &App, actor: &str) -> Vec<String> {
    app.store
        .audit_records(None, 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.actor == actor)
        .map(|a| a.action)
        .collect()
}

/// GET with a bearer token, as JSON.
async fn get_json(url: String, token: &str) -> Value {
    reqwest::Client::new().get(url).bearer_auth(token).send().await.unwrap().json().await.unwrap()
}

fn secret_in(html: &str) -> String {
    let at = html.find("<code>").expect("a secret shown once") + 6;
    html[at..].split('<').next().unwrap().to_string()
}

#[tokio::test]
async fn a_system_administrator_creates_disables_and_issues_tokens_from_the_web() {
    let app = start().await;
    let (admin, csrf) = signed_in(&app, "sysadmin").await;
    let (status, form) = page(&app, &admin, "/users/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("古美街道") && form.contains("街镇经办"), "units and roles to choose from");

    // A role that does not fit the unit is refused, with what was typed kept.
    let r = admin
        .post(format!("{}/users", app.base))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("login", "zhang.san"),
            ("unit", yikou_domain::reference::BUREAU_CODE),
            ("role", "street"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page_text = r.text().await.unwrap();
    assert!(page_text.contains("不能设在这个单位") && page_text.contains("value=\"zhang.san\""), "{page_text}");

    // Created pending, with the first half of a one-time password shown once: the system
    // administrator cannot sign in with it (双人激活).
    let r = admin
        .post(format!("{}/users", app.base))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("login", "zhang.san"),
            ("display_name", "张三"),
            ("unit", GUMEI),
            ("role", "street"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let shown = r.text().await.unwrap();
    assert!(shown.contains("前半段") && shown.contains("待激活") && shown.contains("安全管理员"), "{shown}");
    let first = secret_in(&shown);
    let (z, _) = client();
    let r = login(&app, &z, "zhang.san", &first).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "a pending account cannot sign in");
    assert_eq!(page(&app, &z, "/people").await.0, StatusCode::SEE_OTHER, "no session");
    let (status, users) = page(&app, &admin, "/users").await;
    assert!(status == StatusCode::OK && users.contains("待激活"));
    assert!(!users.contains("/users/zhang.san/complete"), "not offered to the one who created it");
    let r = admin
        .post(format!("{}/users/zhang.san/complete", app.base))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "the creator cannot activate it");
    assert!(r.text().await.unwrap().contains("同一管理员不能既开始又完成"));

    // The security administrator activates it and is shown the second half only; both halves
    // together sign in, and the first sign-in must change the password.
    let (sec, sec_csrf) = signed_in(&app, "secadmin").await;
    let users = page(&app, &sec, "/users").await.1;
    assert!(users.contains("/users/zhang.san/complete") && users.contains(">激活<"), "{users}");
    let r = sec
        .post(format!("{}/users/zhang.san/complete", app.base))
        .form(&[("_csrf", sec_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let shown = r.text().await.unwrap();
    assert!(shown.contains("已激活账号 zhang.san") && shown.contains("后半段"), "{shown}");
    let second = secret_in(&shown);
    assert_eq!(login(&app, &z, "zhang.san", &second).await.status(), StatusCode::UNAUTHORIZED);
    let r = login(&app, &z, "zhang.san", &format!("{first}{second}")).await;
    assert_eq!(location(&r), "/password", "the one-time password must be changed");
    let audit = app.store.audit_records(None, 1000).await.unwrap();
    assert!(audit.iter().any(|a| a.actor == "secadmin" && a.action == "user.activate"));
    assert!(audit.iter().all(|a| !format!("{a:?}").contains(&first) && !format!("{a:?}").contains(&second)));
    let created = audit.iter().find(|a| a.action == "user.create" && a.actor == "sysadmin").unwrap();
    assert!(created.after_json.as_deref().unwrap_or("").contains("\"pending\":true"), "{created:?}");
    let r = admin
        .post(format!("{}/users", app.base))
        .form(&[("_csrf", csrf.as_str()), ("login", "zhang.san"), ("unit", GUMEI), ("role", "street")])
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("已被使用"), "a login is unique");

    // Disabling ends the sessions at once and refuses sign-in; enabling restores it.
    let (g, _) = signed_in(&app, "gumei").await;
    let r =
        admin.post(format!("{}/users/gumei/disable", app.base)).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(page(&app, &admin, "/users").await.1.contains("已停用"));
    let (status, _) = page(&app, &g, "/people").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the disabled user's session ended");
    let (g2, _) = client();
    assert_ne!(location(&login(&app, &g2, "gumei", PASSWORD).await), "/");
    admin.post(format!("{}/users/gumei/enable", app.base)).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(location(&login(&app, &g2, "gumei", PASSWORD).await), "/");
    let r = admin
        .post(format!("{}/users/sysadmin/disable", app.base))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "an administrator cannot lock themselves out");
    let r = admin.post(format!("{}/users/gumei/disable", app.base)).form(&[("_csrf", "forged")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "CSRF token required");

    // No token for another account (三权分立): tokens are made by their owner (tests/access.rs).
    let r =
        admin.post(format!("{}/users/gumei/token", app.base)).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(!r.text().await.unwrap().contains("yk_"));

    let done = actions_by(&app, "sysadmin").await;
    for a in ["user.create", "user.disable", "user.enable"] {
        assert!(done.iter().any(|d| d == a), "{a} audited: {done:?}");
    }
    assert!(!done.iter().any(|d| d == "auth.token_create"), "{done:?}");
    let audit = app.store.audit_records(None, 500).await.unwrap();
    assert!(
        audit.iter().all(|a| !a.after_json.as_deref().unwrap_or("").contains(&format!("{first}{second}"))),
        "no password in the audit log"
    );
}

/// The money column (yuan, with thousands separators) of a CSV export's rows.
fn yuan_column(csv: &str, col: usize) -> Vec<(String, i64)> {
    csv.lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<String> = l.split("\",\"").map(|c| c.trim_matches(['"', '\u{feff}']).to_string()).collect();
            let fen = cells[col].replace([',', '.'], "").parse::<i64>().unwrap_or(0);
            (cells[0].clone(), fen)
        })
        .collect()
}

#[tokio::test]
async fn every_table_exports_what_its_filters_show_masked_and_audited() {
    let app = start().await;
    let (bureau, _) = signed_in(&app, "bureau").await;
    for page_path in ["/projects", &format!("/projects/{}", app.project), "/people", "/units"] {
        assert!(page(&app, &bureau, page_path).await.1.contains("导出Excel"), "{page_path} offers 导出Excel");
    }
    let (status, projects) = page(&app, &bureau, "/projects/export.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(projects.starts_with('\u{feff}') && projects.contains("MZ-01"));
    let rows = yuan_column(&projects, 8);
    let (total_label, total) = rows.last().unwrap().clone();
    assert_eq!(total_label, "合计");
    assert_eq!(total, rows[..rows.len() - 1].iter().map(|r| r.1).sum::<i64>(), "the total adds up to the rows");
    assert_eq!(total, 360_000, "four listings of 900 yuan");

    let (_, roster) = page(&app, &bureau, &format!("/projects/{}/export.csv", app.project)).await;
    let rows = yuan_column(&roster, 4);
    assert_eq!(rows.len(), 5, "four listings and the total: {roster}");
    assert_eq!(rows[4].1, rows[..4].iter().map(|r| r.1).sum::<i64>());
    assert!(roster.contains("110105********002X") && !roster.contains("11010519491231002X"), "masked");
    // 七宝 exports its own part of the roster only.
    let (q, _) = signed_in(&app, "qibao").await;
    let (_, own) = page(&app, &q, &format!("/projects/{}/export.csv", app.project)).await;
    assert!(own.contains("七宝乙") && !own.contains("古美甲"));

    let (g, _) = signed_in(&app, "gumei").await;
    let (_, findings) = page(&app, &g, "/check/export.csv?type=dup_in_project").await;
    assert!(findings.contains(&format!("dup_in_project:MZ-01:{}", app.people[0])) && findings.contains("古美甲"));
    let (_, none) = page(&app, &g, "/check/export.csv?type=dup_exclusive").await;
    assert_eq!(none.lines().count(), 1, "the filter holds: header only");
    let (_, bogus) = page(&app, &g, "/check/export.csv?type=no_such_type").await;
    assert_eq!(bogus.lines().count(), 1, "an unknown type exports nothing, not every finding: {bogus}");

    let (s, _) = signed_in(&app, "secadmin").await;
    let (_, users) = page(&app, &s, "/users/export.csv").await;
    assert!(users.contains("gumei") && users.contains("街镇经办"));

    let (a, _) = signed_in(&app, "auditor").await;
    let (_, audit) = page(&app, &a, "/audit/export.csv?action=project.").await;
    assert!(audit.contains("project.export") && !audit.contains("finding.export"), "filtered by action: {audit}");
    for (who, action) in [
        ("bureau", "project.export"),
        ("gumei", "finding.export"),
        ("secadmin", "user.export"),
        ("auditor", "audit.export"),
    ] {
        assert!(actions_by(&app, who).await.iter().any(|x| x == action), "{action} by {who} audited");
    }
}

/// A downloaded workbook: its file name (from `filename*`, decoded) and its first sheet's cells.
async fn workbook(app: &App, c: &reqwest::Client, path: &str) -> (String, Vec<Vec<Data>>) {
    let r = c.get(format!("{}{path}", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    let header = |h: &str| r.headers().get(h).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    assert_eq!(header("content-type"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let disposition = header("content-disposition");
    assert!(disposition.starts_with("attachment; filename=\"") && disposition.is_ascii(), "{disposition}");
    let encoded = disposition.split("filename*=UTF-8''").nth(1).expect("an RFC 5987 file name");
    let mut bytes = Vec::new();
    let mut it = encoded.bytes();
    while let Some(b) = it.next() {
        if b == b'%' {
            let hex: String = [it.next().unwrap(), it.next().unwrap()].iter().map(|&c| c as char).collect();
            bytes.push(u8::from_str_radix(&hex, 16).unwrap());
        } else {
            bytes.push(b);
        }
    }
    (String::from_utf8(bytes).unwrap(), xlsx_rows(&r.bytes().await.unwrap()))
}

/// The header row (the one starting with `first`) and the rows under it.
fn table(rows: &[Vec<Data>], first: &str) -> (Vec<String>, Vec<Vec<Data>>) {
    let at = rows.iter().position(|r| r[0] == Data::String(first.into())).expect("a header row");
    (rows[at].iter().map(|d| d.to_string()).collect(), rows[at + 1..].to_vec())
}

fn col(header: &[String], title: &str) -> usize {
    header.iter().position(|h| h == title).unwrap_or_else(|| panic!("a column {title}: {header:?}"))
}

fn number(d: &Data) -> f64 {
    match d {
        Data::Float(v) => *v,
        Data::Int(v) => *v as f64,
        other => panic!("a number cell, not {other:?}"),
    }
}

async fn count_by(app: &App, who: &str, action: &str) -> usize {
    actions_by(app, who).await.iter().filter(|a| *a == action).count()
}

#[tokio::test]
async fn every_excel_export_is_a_typed_workbook_with_a_title_totals_and_a_chinese_name() {
    let app = start().await;
    let today = yikou_domain::today();
    let campaign = app.store.campaign(2020).await.unwrap().unwrap().campaign.name;
    let (bureau, _) = signed_in(&app, "bureau").await;

    // The links: 导出Excel is the workbook, the CSV beside it.
    let (_, projects_page) = page(&app, &bureau, "/projects").await;
    assert!(projects_page.contains(r#"<a href="/projects/export.xlsx">导出Excel</a>"#), "{projects_page}");
    assert!(projects_page.contains(r#"<a href="/projects/export.csv">CSV</a>"#));
    let (_, people_page) = page(&app, &bureau, &format!("/people?street={GUMEI}")).await;
    assert!(people_page.contains(&format!("/people/export.xlsx?street={GUMEI}")), "{people_page}");

    // Projects: a title block, money as numbers, a 合计 that adds up.
    let (name, rows) = workbook(&app, &bureau, "/projects/export.xlsx").await;
    assert_eq!(name, format!("区民政局帮困项目计划与执行_{today}.xlsx"));
    assert_eq!(rows[0][0], Data::String("区民政局帮困项目计划与执行".into()));
    let block: String = rows[..4].iter().map(|r| r[0].to_string()).collect();
    assert!(block.contains(&campaign) && block.contains("导出时间") && block.contains("北京时间"), "{block}");
    let (header, body) = table(&rows, "序号");
    let (money, count, planned) =
        (col(&header, "已列入金额（元）"), col(&header, "已列入（人次）"), col(&header, "计划金额（元）"));
    let (total, listed) = body.split_last().unwrap();
    assert_eq!(total[0], Data::String("合计".into()));
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0][0], Data::Float(1.0), "序号 is a number");
    assert_eq!(listed[0][col(&header, "编号")], Data::String("MZ-01".into()));
    assert_eq!(number(&listed[0][money]), 3600.0, "four listings of 900 yuan");
    assert_eq!(number(&listed[0][planned]), 2700.0);
    assert_eq!(number(&listed[0][count]), 4.0);
    for c in [money, count, planned] {
        assert_eq!(number(&total[c]), listed.iter().map(|r| number(&r[c])).sum::<f64>(), "合计 of {}", header[c]);
    }

    // A roster: ID numbers as masked text, amounts as numbers, 合计 the sum of the rows; audited.
    let before = count_by(&app, "bureau", "project.export").await;
    let (name, rows) = workbook(&app, &bureau, &format!("/projects/{}/export.xlsx", app.project)).await;
    assert_eq!(name, format!("区民政局测试项目名单_{today}.xlsx"));
    let (header, body) = table(&rows, "序号");
    let (id, amount, state) = (col(&header, "身份证号"), col(&header, "金额（元）"), col(&header, "状态"));
    let (total, listed) = body.split_last().unwrap();
    assert_eq!(listed.len(), 4, "{rows:?}");
    assert!(listed.iter().any(|r| r[id] == Data::String("110105********002X".into())));
    assert!(listed.iter().all(|r| matches!(&r[id], Data::String(s) if s.contains("****"))), "text, masked");
    assert!(listed.iter().all(|r| number(&r[amount]) == 900.0));
    let draft = yikou_domain::EntitlementState::Draft.label();
    assert!(listed.iter().all(|r| r[state] == Data::String(draft.into())), "states in words");
    assert_eq!(total[0], Data::String("合计".into()));
    assert_eq!(number(&total[amount]), listed.iter().map(|r| number(&r[amount])).sum::<f64>());
    let text = rows.iter().flatten().map(|d| d.to_string()).collect::<String>();
    assert!(!text.contains("11010519491231002X") && !text.contains("310221194503150021"), "never a full ID number");
    assert_eq!(count_by(&app, "bureau", "project.export").await, before + 1, "the workbook is audited");

    // The register, filtered: the filter in the title, age a number, audited with its filter.
    let (g, _) = signed_in(&app, "gumei").await;
    let (name, rows) = workbook(&app, &g, &format!("/people/export.xlsx?street={GUMEI}")).await;
    assert_eq!(name, format!("古美街道帮困对象_{today}.xlsx"));
    assert!(rows[..5].iter().any(|r| r[0] == Data::String("筛选条件：街镇：古美街道".into())), "{rows:?}");
    let (header, body) = table(&rows, "序号");
    let person = body.iter().find(|r| r[col(&header, "姓名")] == Data::String("古美甲".into())).unwrap();
    assert_eq!(person[col(&header, "身份证号")], Data::String("110105********002X".into()));
    assert!(number(&person[col(&header, "年龄")]) > 70.0);
    assert!(matches!(&person[col(&header, "电话")], Data::String(p) if p.contains('*')), "phone masked, as text");
    assert!(!body.iter().any(|r| r[col(&header, "姓名")] == Data::String("七宝乙".into())));
    let audit = app.store.audit_records(None, 500).await.unwrap();
    let rec = audit.iter().find(|a| a.actor == "gumei" && a.action == "person.export").expect("audited");
    assert!(rec.after_json.as_deref().unwrap_or("").contains(GUMEI), "{rec:?}");

    // Findings in words: type, severity, explanation and the project's name, not only codes.
    let (name, rows) = workbook(&app, &g, "/check/export.xlsx?type=dup_in_project").await;
    assert_eq!(name, format!("古美街道比对核查疑点_{today}.xlsx"));
    assert!(rows[..5].iter().any(|r| r[0] == Data::String("筛选条件：类型：同一项目重复".into())), "{rows:?}");
    let (header, body) = table(&rows, "序号");
    let f = &body[0];
    assert_eq!(f[col(&header, "编号")], Data::String(format!("dup_in_project:MZ-01:{}", app.people[0])));
    assert_eq!(f[col(&header, "类型")], Data::String("同一项目重复".into()));
    assert_eq!(f[col(&header, "严重程度")], Data::String("错误".into()));
    assert_eq!(f[col(&header, "项目")], Data::String("MZ-01 测试项目".into()));
    assert_eq!(f[col(&header, "状态")], Data::String("待处理".into()));
    assert!(f[col(&header, "说明")].to_string().chars().count() > 4, "{f:?}");
    assert!(count_by(&app, "gumei", "finding.export").await >= 1);
    let (_, csv) = page(&app, &g, "/check/export.csv").await;
    assert!(csv.contains("\"错误\"") && !csv.contains("\"error\""), "the CSV too: {csv}");

    // Accounts and the audit log: audited; the audit log's times are date-time cells.
    let (s, _) = signed_in(&app, "secadmin").await;
    let (name, rows) = workbook(&app, &s, "/users/export.xlsx").await;
    assert_eq!(name, format!("区民政局系统账号_{today}.xlsx"));
    let (header, body) = table(&rows, "序号");
    let gumei = body.iter().find(|r| r[col(&header, "登录名")] == Data::String("gumei".into())).unwrap();
    assert_eq!(gumei[col(&header, "角色")], Data::String("街镇经办".into()));
    assert_eq!(gumei[col(&header, "单位")], Data::String("古美街道".into()));
    assert_eq!(count_by(&app, "secadmin", "user.export").await, 1);
    let (a, _) = signed_in(&app, "auditor").await;
    let (name, rows) = workbook(&app, &a, "/audit/export.xlsx?action=user.").await;
    assert_eq!(name, format!("区民政局审计日志_{today}.xlsx"));
    let (header, body) = table(&rows, "序号");
    assert!(!body.is_empty() && body.iter().all(|r| r[col(&header, "操作代码")].to_string().starts_with("user.")));
    assert!(body.iter().all(|r| matches!(r[col(&header, "时间（北京时间）")], Data::DateTime(_))), "{body:?}");
    assert!(body.iter().all(|r| matches!(r[0], Data::Float(_))), "序号 a number");
    assert_eq!(count_by(&app, "auditor", "audit.export").await, 1);

    // The contacts: phones stay text.
    let (name, rows) = workbook(&app, &bureau, "/units/export.xlsx").await;
    assert_eq!(name, format!("区民政局单位通讯录_{today}.xlsx"));
    let (header, body) = table(&rows, "序号");
    assert!(body.iter().any(|r| r[col(&header, "单位")] == Data::String("古美街道".into())));
    assert!(body.iter().all(|r| !matches!(r[col(&header, "手机")], Data::Float(_))));
}

#[tokio::test]
async fn the_api_imports_a_list_once_undoes_it_and_decides_findings() {
    let app = start().await;
    let token = bearer(&app, "gumei").await;
    let api = reqwest::Client::new();
    let list = "姓名,身份证号,性别,联系电话,户籍/居住地址,街镇,居委,类别,金额,备注\n\
                接口新人,310112197206060056,,,,古美街道,,低保家庭,,\n\
                错号码,310112195001010012,男,,,古美街道,,低保家庭,,\n";
    let upload = || async {
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(list.as_bytes().to_vec()).file_name("api.csv"));
        let r =
            api.post(format!("{}/api/v1/imports", app.base)).bearer_auth(&token).multipart(form).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        r.json::<Value>().await.unwrap()
    };
    let checked = upload().await;
    assert_eq!(
        (checked["rows"].as_u64(), checked["valid"].as_u64(), checked["invalid"].as_u64()),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(checked["errors"][0]["row"], 3);
    assert_eq!(checked["errors"][0]["column"], "身份证号");
    let id = checked["upload"].as_str().unwrap().to_string();
    let commit = |id: String, accept: bool| {
        let url = format!("{}/api/v1/imports/{id}/commit?accept_valid={accept}", app.base);
        let req = api.post(url).bearer_auth(&token);
        async move { req.send().await.unwrap() }
    };
    let r = commit(id.clone(), false).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "all-or-nothing by default");
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "rows_rejected");
    let done: Value = commit(id.clone(), true).await.json().await.unwrap();
    assert_eq!(
        (done["created"].as_u64(), done["people_created"].as_u64(), done["rejected"].as_u64()),
        (Some(1), Some(1), Some(1))
    );
    let batch = done["batch"].as_str().unwrap().to_string();
    let again: Value = commit(upload().await["upload"].as_str().unwrap().to_string(), true).await.json().await.unwrap();
    assert_eq!(
        (again["already_imported"].as_bool(), again["created"].as_u64()),
        (Some(true), Some(0)),
        "nothing twice"
    );

    let batches: Value = get_json(format!("{}/api/v1/imports/batches", app.base), &token).await;
    assert!(batches["items"].as_array().unwrap().iter().any(|b| b["batch"] == batch.as_str()));
    // The page asks before undoing, saying what will happen.
    let (g, _) = signed_in(&app, "gumei").await;
    let (_, confirm) = page(&app, &g, &format!("/imports/batches/{batch}/undo")).await;
    assert!(confirm.contains(&format!("将撤销批次 {batch}")) && confirm.contains("确认撤销"), "{confirm}");
    let r =
        api.post(format!("{}/api/v1/imports/batches/{batch}/undo", app.base)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r =
        api.post(format!("{}/api/v1/imports/batches/{batch}/undo", app.base)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT, "an undone batch is not undone twice");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "not_undoable", "the API's promised code: {v}");
    let v: Value = get_json(format!("{}/api/v1/people?q=接口新人", app.base), &token).await;
    assert!(v["items"].as_array().unwrap().is_empty(), "the undone batch's person is gone");

    // Deciding a finding: a dismissal needs a reason; the decision shows in the next check.
    let key = format!("dup_in_project:MZ-01:{}", app.people[0]);
    let decide =
        |body: Value| api.post(format!("{}/api/v1/check/decisions", app.base)).bearer_auth(&token).json(&body).send();
    let r = decide(json!({ "key": key, "action": "dismiss" })).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = decide(json!({ "key": key, "action": "maybe", "reason": "x" })).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = decide(json!({ "key": key, "action": "dismiss", "reason": "同一人两次列入系录入重复，已核实只发一次" }))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let check: Value = get_json(format!("{}/api/v1/check", app.base), &token).await;
    let f = check["findings"].as_array().unwrap().iter().find(|f| f["key"] == key.as_str()).unwrap().clone();
    assert_eq!(f["status"], "dismissed");
    assert!(actions_by(&app, "gumei").await.iter().any(|a| a == "finding.dismiss"));
}

#[tokio::test]
async fn the_api_reads_the_schedule_contacts_audit_log_and_accounts_by_role() {
    let app = start().await;
    let url = |path: &str| format!("{}{path}", app.base);
    let gumei = bearer(&app, "gumei").await;
    let campaign = get_json(url("/api/v1/campaign"), &gumei).await;
    assert_eq!(campaign["year"], 2020);
    assert!(campaign["phases"].as_array().unwrap().len() >= 4, "{campaign}");
    let units = get_json(url("/api/v1/units"), &gumei).await;
    assert!(units["items"].as_array().unwrap().iter().any(|u| u["code"] == GUMEI));

    let auditor = bearer(&app, "auditor").await;
    let page1 = get_json(url("/api/v1/audit?action=auth.&limit=1"), &auditor).await;
    let items = page1["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert!(items[0]["action"].as_str().unwrap().starts_with("auth."));
    let cursor = page1["next_cursor"].as_str().expect("more than one auth record (two tokens made)");
    let page2 = get_json(url(&format!("/api/v1/audit?action=auth.&limit=1&cursor={cursor}")), &auditor).await;
    assert!(page2["items"][0]["seq"].as_i64() < items[0]["seq"].as_i64(), "older records on the next page");

    let sec = bearer(&app, "secadmin").await;
    let users = get_json(url("/api/v1/users"), &sec).await;
    let logins: Vec<&str> = users["items"].as_array().unwrap().iter().map(|u| u["login"].as_str().unwrap()).collect();
    assert!(logins.contains(&"gumei") && logins.contains(&"auditor"));
    assert!(!users.to_string().contains("$argon2"), "no password hashes");
}
