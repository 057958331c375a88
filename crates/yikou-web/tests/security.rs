//! Issue 11: the holes a security test found, each proved closed over HTTP against the real
//! application — masked ID numbers that could be rebuilt, imports that crossed areas or probed the
//! register of other streets, projects found by code outside the user's area, full ID numbers in the
//! audit log, and uploads that lived only in one process's memory and never expired.

mod common;

use common::*;
use reqwest::{Client, StatusCode};
use serde_json::Value;
use yikou_domain::{Actor, CountingUnit, Fen, Form, Project, Scope, Standard, UnitGroup};

/// 七宝乙's ID number (registered by 七宝) and 古美甲's (registered by 古美, born 1949-12-31).
const QIBAO_ID: &str = "34052419800101001X";
const GUMEI_ID: &str = "11010519491231002X";

async fn upload(app: &App, c: &Client, csrf: &str, project: &str, csv: String) -> (StatusCode, String) {
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf.to_string())
        .text("project", project.to_string())
        .part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("名单.csv"));
    let r = c.post(format!("{}/imports/upload", app.base)).multipart(form).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

fn commit_url(result_page: &str) -> String {
    let at = result_page.find("action=\"/imports/").expect("a commit form") + 8;
    result_page[at..].split('"').next().unwrap().to_string()
}

const HEADER: &str = "姓名,身份证号,性别,联系电话,户籍/居住地址,街镇,居委,类别,金额,备注\n";

#[tokio::test]
async fn no_page_export_or_api_shows_the_birth_date_beside_a_masked_id_number() {
    let app = start().await;
    let (c, _) = signed_in(&app, "gumei").await;
    let token = bearer(&app, "gumei").await;
    let person = app.people[0];
    let mut seen = Vec::new();
    for path in ["/people".to_string(), format!("/people/{person}"), "/people/export.csv".to_string()] {
        let (status, body) = page(&app, &c, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        seen.push((path, body));
    }
    for path in ["/api/v1/people".to_string(), format!("/api/v1/people/{person}")] {
        let r = Client::new().get(format!("{}{path}", app.base)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        seen.push((path, r.text().await.unwrap()));
    }
    for (path, body) in &seen {
        assert!(body.contains("110105********002X"), "{path}: the masked number is shown");
        for birth in ["1949-12-31", "19491231", "1949年12月"] {
            assert!(!body.contains(birth), "{path}: the birth date ({birth}) rebuilds the masked number");
        }
    }
    let age = yikou_domain::age_between(time::macros::date!(1949 - 12 - 31), yikou_domain::today());
    assert!(seen[1].1.contains(&format!("{age}岁")), "the person page shows the age instead");
}

#[tokio::test]
async fn an_import_never_moves_a_person_of_another_street_and_the_check_reveals_nothing_about_them() {
    let app = start().await;
    let (c, csrf) = signed_in(&app, "gumei").await;
    let qibao_person = app.people[1];
    // Row 2 names 七宝乙 (registered by 七宝) as a 古美 resident under another name and phone; row 3
    // is 七宝乙's number with one digit mistyped; row 4 is a new 古美 resident.
    let typo = "34052419800101002X";
    let csv = format!(
        "{HEADER}王五,{QIBAO_ID},,13911112222,古美路9号,古美街道,,低保家庭,,\n\
         赵六,{typo},,,,古美街道,,低保家庭,,\n\
         新对象,310112195001010013,,,,古美街道,,低保家庭,,\n"
    );
    let (_, result) = upload(&app, &c, &csrf, "", csv).await;
    // The check says nothing about a person outside 古美: not that they are registered, not their name.
    for leak in ["七*", "七宝乙", "已登记", "姓名不同", "不同"] {
        assert!(!result.contains(leak), "the check reveals '{leak}' about another street's person:\n{result}");
    }
    assert!(result.contains("第3行"), "the mistyped number is still an error of its own");
    let commit = commit_url(&result);

    // All rows: refused whole, naming the row only; nothing written.
    let r = c.post(format!("{}{commit}", app.base)).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text().await.unwrap();
    assert!(text.contains("不在您的工作范围内") || text.contains("错误行"), "{text}");
    // Only the valid rows: row 2 is left out; 七宝乙 stays 七宝's, untouched.
    let r = c
        .post(format!("{}{commit}", app.base))
        .form(&[("_csrf", csrf.as_str()), ("accept_valid", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let done = r.text().await.unwrap();
    assert!(done.contains("第2行") && done.contains("不在您的工作范围内"), "{done}");
    assert!(!done.contains("七宝乙"), "{done}");
    let p = app.store.person(&Scope::All, qibao_person).await.unwrap().unwrap();
    assert_eq!(p.street_code.as_deref(), Some(QIBAO), "still registered by 七宝");
    assert_eq!(p.phone_masked, None, "phone not written by 古美's list");
    let (status, _) = page(&app, &c, &format!("/people/{qibao_person}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "古美 does not gain the person");
    let (q, _) = signed_in(&app, "qibao").await;
    assert_eq!(page(&app, &q, &format!("/people/{qibao_person}")).await.0, StatusCode::OK, "七宝 keeps them");
    let actions: Vec<String> = app
        .store
        .audit_records(None, 200)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action + &a.after_json.unwrap_or_default())
        .collect();
    assert!(
        actions.iter().any(|a| a.starts_with("import.commit") && a.contains("\"outside_rows\":[2]")),
        "the rows left out are on record"
    );
}

#[tokio::test]
async fn the_api_import_cannot_move_a_person_of_another_street_either() {
    let app = start().await;
    let token = bearer(&app, "gumei").await;
    let csv = format!("{HEADER}王五,{QIBAO_ID},,13911112222,古美路9号,古美街道,,低保家庭,,\n");
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("名单.csv"));
    let r = Client::new()
        .post(format!("{}/api/v1/imports", app.base))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let checked: Value = r.json().await.unwrap();
    assert!(!checked.to_string().contains("七*"), "{checked}");
    let upload = checked["upload"].as_str().unwrap().to_string();
    let r = Client::new()
        .post(format!("{}/api/v1/imports/{upload}/commit", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refusal: Value = r.json().await.unwrap();
    assert!(refusal.to_string().contains("第2行") && !refusal.to_string().contains("七"), "{refusal}");
    let refused = app.store.audit_records(None, 100).await.unwrap();
    assert!(refused.iter().any(|a| a.action == "import.refused_outside"), "the refused attempt is on record");
    let r = Client::new()
        .post(format!("{}/api/v1/imports/{upload}/commit?accept_valid=true", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let result: Value = r.json().await.unwrap();
    assert_eq!(result["outside_rows"], serde_json::json!([2]), "{result}");
    let p = app.store.person(&Scope::All, app.people[1]).await.unwrap().unwrap();
    assert_eq!((p.street_code.as_deref(), p.phone_masked), (Some(QIBAO), None));
}

#[tokio::test]
async fn a_project_outside_the_users_area_is_not_found_by_its_code() {
    let app = start().await;
    // A project of 七宝's own, listing nobody of 古美.
    let cid = app.store.campaign(2020).await.unwrap().unwrap().id;
    let mut tx = app.store.write(&Actor::system("t")).await.unwrap();
    let qb = Project {
        code: "QB-01".into(),
        name: "七宝镇自办项目".into(),
        unit_code: QIBAO.into(),
        unit_group: UnitGroup::Streets,
        target_categories: vec!["DB".into()],
        form: Form::Cash,
        standard: Standard::PerPerson(Fen::from_yuan(300)),
        counting_unit: CountingUnit::Person,
        planned_count: 1,
        planned_budget: vec![("JZPT".into(), Fen::from_yuan(300))],
        exclusive_group: None,
    };
    let pid = yikou_store::campaign::create_project(&mut tx, cid, &qb).await.unwrap();
    tx.commit().await.unwrap();
    let (c, csrf) = signed_in(&app, "gumei").await;
    let csv = format!("{HEADER}新对象,310112195001010013,,,,古美街道,,低保家庭,,\n");
    let (status, _) = upload(&app, &c, &csrf, "QB-01", csv).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "七宝's project cannot be named by 古美");
    assert_eq!(page(&app, &c, &format!("/projects/{pid}")).await.0, StatusCode::NOT_FOUND);
    let (q, qcsrf) = signed_in(&app, "qibao").await;
    let csv = format!("{HEADER}七宝新人,310112195001010013,,,,七宝镇,,低保家庭,,\n");
    let (status, _) = upload(&app, &q, &qcsrf, "QB-01", csv).await;
    assert_eq!(status, StatusCode::OK, "七宝 imports into its own project");
}

#[tokio::test]
async fn a_search_or_export_by_full_id_number_leaves_no_id_number_in_the_audit_log() {
    let app = start().await;
    let (c, _) = signed_in(&app, "gumei").await;
    let (status, csv) = page(&app, &c, &format!("/people/export.csv?q={GUMEI_ID}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.contains("古美甲"), "found by the full number");
    let (status, _) = page(&app, &c, "/people/export.csv?q=13812345678").await;
    assert_eq!(status, StatusCode::OK);
    let records = app.store.audit_records(None, 500).await.unwrap();
    assert!(records.iter().any(|r| r.action == "person.export"));
    for r in records {
        let text = format!("{} {} {:?} {:?}", r.entity_id, r.actor, r.before_json, r.after_json);
        assert!(!text.contains(GUMEI_ID) && !text.contains("13812345678"), "{}: {text}", r.action);
    }
}

#[tokio::test]
async fn uploads_are_kept_in_the_database_survive_a_restart_and_expire() {
    let app = start().await;
    let (c, csrf) = signed_in(&app, "gumei").await;
    let csv = format!("{HEADER}新对象,310112195001010013,,,,古美街道,,低保家庭,,\n");
    let (status, result) = upload(&app, &c, &csrf, "", csv.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let commit = commit_url(&result);

    // A second server process over the same database (a restart, or one of several) finds it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other = format!("http://{}", listener.local_addr().unwrap());
    let served = (*app.store).clone();
    tokio::spawn(async move {
        yikou_web::serve(served, yikou_web::WebConfig::default(), listener, std::future::pending()).await.unwrap();
    });
    let r = c.post(format!("{other}{commit}")).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "committed through the other process");
    assert!(r.text().await.unwrap().contains("已导入批次"));

    // An upload never committed expires: its commit is gone and its file removed.
    let (_, result) = upload(&app, &c, &csrf, "", csv.replace("新对象", "再一个")).await;
    let commit = commit_url(&result);
    let id = commit.trim_start_matches("/imports/").trim_end_matches("/commit").to_string();
    let paths = app.store.upload_paths().await.unwrap();
    assert_eq!(paths.len(), 1);
    let file = std::path::PathBuf::from(&paths[0]);
    assert!(file.exists());
    app.store.age_upload(&id, 5 * 3600).await.unwrap();
    let r = c.post(format!("{}{commit}", app.base)).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "an expired upload cannot be committed");
    // The next upload (or a server start) cleans expired ones away.
    let (_, _) = upload(&app, &c, &csrf, "", csv.replace("新对象", "第三个")).await;
    assert!(!file.exists(), "the expired upload's file is removed");
    assert_eq!(app.store.upload_paths().await.unwrap().len(), 1, "only the fresh upload waits");
}

/// A security probe rebuilt masked ID numbers by trying the ~30 numbers the age and check digit
/// allow through the exact search, unaudited, as a role refused the reveal: an exact search by ID
/// number or phone is now audited (masked) and closed to roles without the reveal.
#[tokio::test]
async fn an_exact_id_or_phone_search_is_audited_and_closed_to_roles_without_the_reveal() {
    let app = start().await;
    let (c, _) = signed_in(&app, "gumei").await;
    let (status, list) = page(&app, &c, &format!("/people?q={GUMEI_ID}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("古美甲"));
    let searches: Vec<String> = app
        .store
        .audit_records(None, 200)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == "person.search" && r.actor == "gumei")
        .map(|r| r.after_json.unwrap_or_default())
        .collect();
    assert_eq!(searches.len(), 1, "the exact search is on record");
    assert!(searches[0].contains("110105********002X") && !searches[0].contains(GUMEI_ID), "{searches:?}");

    let mut tx = app.store.write(&Actor::system("t")).await.unwrap();
    let caller = yikou_store::accounts::users::NewUser {
        login: "huifang".into(),
        display_name: "回访员".into(),
        unit_code: GUMEI.into(),
        role: yikou_domain::Role::Caller,
        password: PASSWORD.into(),
        must_change_password: false,
    };
    yikou_store::accounts::users::create_user(&mut tx, &caller).await.unwrap();
    tx.commit().await.unwrap();
    let (h, _) = signed_in(&app, "huifang").await;
    assert_eq!(page(&app, &h, &format!("/people?q={GUMEI_ID}")).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(page(&app, &h, "/people?q=13812345678").await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, by_name) = page(&app, &h, "/people?q=古美").await;
    assert_eq!(status, StatusCode::OK, "a search by name still works");
    assert!(by_name.contains("古美甲"));
}

/// A security probe pulled any registered person into a department's view with an ID number and a
/// made-up name: a department's roster must name a person registered elsewhere as registered.
#[tokio::test]
async fn a_department_cannot_pull_a_registered_person_into_view_by_id_number_alone() {
    let app = start().await;
    let cid = app.store.campaign(2020).await.unwrap().unwrap().id;
    let mut tx = app.store.write(&Actor::system("t")).await.unwrap();
    let rsj = Project {
        code: "RSJ-01".into(),
        name: "人社局项目".into(),
        unit_code: "310112-RSJ".into(),
        unit_group: UnitGroup::Departments,
        target_categories: vec!["DB".into()],
        form: Form::Cash,
        standard: Standard::PerPerson(Fen::from_yuan(300)),
        counting_unit: CountingUnit::Person,
        planned_count: 2,
        planned_budget: vec![("BMYS".into(), Fen::from_yuan(600))],
        exclusive_group: None,
    };
    yikou_store::campaign::create_project(&mut tx, cid, &rsj).await.unwrap();
    tx.commit().await.unwrap();
    let (c, csrf) = signed_in(&app, "rsj").await;
    let qibao_person = app.people[1];
    let commit_all_valid = |result: String| {
        let url = commit_url(&result);
        let c = c.clone();
        let csrf = csrf.clone();
        let base = app.base.clone();
        async move {
            let r = c
                .post(format!("{base}{url}"))
                .form(&[("_csrf", csrf.as_str()), ("accept_valid", "1")])
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (_, result) =
        upload(&app, &c, &csrf, "RSJ-01", format!("{HEADER}某人,{QIBAO_ID},,,,七宝镇,,低保家庭,,\n")).await;
    let (status, done) = commit_all_valid(result).await;
    assert_eq!(status, StatusCode::OK);
    assert!(done.contains("第2行"), "{done}");
    assert_eq!(page(&app, &c, &format!("/people/{qibao_person}")).await.0, StatusCode::NOT_FOUND, "not pulled in");
    assert!(
        app.store.entitlements_of_person(&Scope::All, qibao_person).await.unwrap().len() == 1,
        "no new entitlement"
    );

    // Named as registered, the department lists the person (without changing their register facts).
    let (_, result) =
        upload(&app, &c, &csrf, "RSJ-01", format!("{HEADER}七宝乙,{QIBAO_ID},,,,七宝镇,,低保家庭,,\n")).await;
    let (status, _) = commit_all_valid(result).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.store.entitlements_of_person(&Scope::All, qibao_person).await.unwrap().len(), 2);
}

/// Issue 12: the CSRF token is checked by the form extractors, before any handler runs — for every
/// form route of the route table. (Undoing an import batch once took the token without checking
/// it; the extractor closed that.)
#[tokio::test]
async fn every_form_route_refuses_a_wrong_csrf_token_before_anything_happens() {
    let app = start().await;
    let (c, good) = signed_in(&app, "gumei").await;
    let mut checked = 0;
    for (method, route) in yikou_web::route_table() {
        if method != "POST" || route.starts_with("/api/") || route == "/login" {
            continue;
        }
        let path = route
            .replace("{id}", "1")
            .replace("{login}", "gumei")
            .replace("{batch}", "b1")
            .replace("{code}", GUMEI)
            .replace("{entitlement}", "1")
            .replace("{case}", "1");
        let url = format!("{}{path}", app.base);
        for token in ["", "wrong-token"] {
            // Upload routes take multipart forms (the token is their first field).
            let r = if route == "/imports/upload"
                || route.ends_with("/results")
                || route.ends_with("/deliveries")
                || route == "/vouchers/redemptions"
            {
                let form = reqwest::multipart::Form::new().text("_csrf", token.to_string()).part(
                    "file",
                    reqwest::multipart::Part::bytes(one_row_csv("某某", GUMEI_ID, "古美路街道")).file_name("l.csv"),
                );
                c.post(&url).multipart(form).send().await.unwrap()
            } else {
                c.post(&url)
                    .form(&[("_csrf", token), ("action", "dismiss"), ("reason", "理由"), ("key", "k")])
                    .send()
                    .await
                    .unwrap()
            };
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "POST {route} with token {token:?}");
            assert!(r.text().await.unwrap().contains("页面已过期"), "POST {route}: the expired-form page");
        }
        checked += 1;
    }
    assert!(checked >= 15, "every form route was tried ({checked})");
    // The session still works with the right token (nothing above signed it out).
    let r = c.post(format!("{}/logout", app.base)).form(&[("_csrf", good.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}
