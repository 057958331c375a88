//! The real application on port 0, driven over HTTP with a cookie-keeping client: sign-in, CSRF,
//! lockout, idle timeout, forced password change, area scoping (another street's person is 404 with
//! no data), role refusals (403), audited reveal, escaping, the API and its tokens, security headers.

mod common;

use common::{client, csrf_in, location, login, page, start, PASSWORD, QIBAO};
use reqwest::cookie::CookieStore;
use reqwest::{Client, StatusCode};
use yikou_domain::Actor;

#[tokio::test]
async fn sign_in_csrf_and_sign_out_are_enforced_and_audited() {
    let app = start().await;
    let (c, _) = client();
    let r = c.get(format!("{}/", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login");

    let r = login(&app, &c, "gumei", "wrong-Password-1").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("登录名或密码不正确"));

    // A login form posted without the cookie's token is refused.
    let (other, _) = client();
    let r = other
        .post(format!("{}/login", app.base))
        .form(&[("login", "gumei"), ("password", PASSWORD), ("_csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let r = login(&app, &c, "gumei", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/");
    let (status, home) = page(&app, &c, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("gumei的名字") && home.contains("古美街道"));

    // State-changing requests need the session's CSRF token.
    let r = c.post(format!("{}/logout", app.base)).form(&[("_csrf", "not-the-token")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(page(&app, &c, "/").await.0, StatusCode::OK, "still signed in");
    let r = c.post(format!("{}/logout", app.base)).form(&[("_csrf", csrf_in(&home).as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(page(&app, &c, "/").await.0, StatusCode::SEE_OTHER, "signed out");

    let actions: Vec<String> =
        app.store.audit_records(None, 100).await.unwrap().into_iter().map(|a| a.action).collect();
    for a in ["auth.login_failed", "auth.login", "auth.logout"] {
        assert!(actions.iter().any(|x| x == a), "{a} audited: {actions:?}");
    }
    assert!(app.store.verify_audit().await.unwrap().ok());
}

#[tokio::test]
async fn five_failures_lock_the_account_and_idle_sessions_end() {
    let app = start().await;
    let (c, jar) = client();
    for _ in 0..4 {
        assert_eq!(login(&app, &c, "qibao", "wrong-Password-1").await.status(), StatusCode::UNAUTHORIZED);
    }
    let r = login(&app, &c, "qibao", "wrong-Password-1").await;
    assert!(r.text().await.unwrap().contains("账号已锁定"));
    let r = login(&app, &c, "qibao", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "the right password does not open a locked account");
    assert!(r.text().await.unwrap().contains("账号已锁定"));

    // Idle timeout: a session unused for longer than 30 minutes is gone.
    assert_eq!(login(&app, &c, "gumei", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(page(&app, &c, "/").await.0, StatusCode::OK);
    let cookies = jar.cookies(&app.base.parse().unwrap()).unwrap();
    let token =
        cookies.to_str().unwrap().split("yikou_session=").nth(1).unwrap().split(';').next().unwrap().to_string();
    app.store.age_session(&token, 31 * 60).await.unwrap();
    let r = c.get(format!("{}/", app.base)).send().await.unwrap();
    assert_eq!((r.status(), location(&r)), (StatusCode::SEE_OTHER, "/login".to_string()));
}

#[tokio::test]
async fn a_first_password_must_be_changed_and_the_change_ends_the_session() {
    let app = start().await;
    let (c, _) = client();
    let r = login(&app, &c, "newbie", PASSWORD).await;
    assert_eq!(location(&r), "/password");
    let r = c.get(format!("{}/people", app.base)).send().await.unwrap();
    assert_eq!(location(&r), "/password", "nothing else before the change");
    let (_, form) = page(&app, &c, "/password").await;
    let token = csrf_in(&form);
    let r = c
        .post(format!("{}/password", app.base))
        .form(&[("old", PASSWORD), ("new", "short"), ("confirm", "short"), ("_csrf", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("密码至少8位"));
    let r = c
        .post(format!("{}/password", app.base))
        .form(&[("old", PASSWORD), ("new", "New-Password-2"), ("confirm", "New-Password-2"), ("_csrf", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/login?changed=1");
    assert!(
        page(&app, &c, "/login?changed=1").await.1.contains("密码已修改，请用新密码重新登录"),
        "the sign-in page says so"
    );
    assert_eq!(page(&app, &c, "/").await.0, StatusCode::SEE_OTHER, "the old session ended");
    assert_eq!(login(&app, &c, "newbie", "New-Password-2").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(page(&app, &c, "/people").await.0, StatusCode::OK);
}

#[tokio::test]
async fn another_streets_person_is_not_found_and_roles_without_the_right_get_403() {
    let app = start().await;
    let (gumei, qibao_person) = (app.people[0], app.people[1]);
    let (c, _) = client();
    login(&app, &c, "gumei", PASSWORD).await;
    let (status, own) = page(&app, &c, &format!("/people/{gumei}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(own.contains("古美甲") && own.contains("110105********002X"));
    assert!(!own.contains("11010519491231002X"), "masked by default");
    assert!(own.contains("138****5678") && !own.contains("13812345678"), "the phone too");
    let (status, other) = page(&app, &c, &format!("/people/{qibao_person}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!other.contains("七宝乙") && !other.contains("340524"), "no data of the other street");
    let (_, list) = page(&app, &c, "/people").await;
    assert!(list.contains("古美甲") && !list.contains("七宝乙"));
    let (_, list) = page(&app, &c, &format!("/people?street={QIBAO}")).await;
    assert!(!list.contains("七宝乙"), "a filter cannot widen the area");
    let (status, csv) = page(&app, &c, "/people/export.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.contains("古美甲") && csv.contains("110105********002X") && !csv.contains("七宝乙"));
    assert!(!csv.contains("11010519491231002X"), "the export is masked");
    assert!(app.store.audit_records(None, 50).await.unwrap().iter().any(|a| a.action == "person.export"));
    // Reveal with the person's own street: shown in full and audited; another street's: 404.
    let r = c
        .post(format!("{}/people/{gumei}/reveal", app.base))
        .form(&[("_csrf", csrf_in(&own).as_str())])
        .send()
        .await
        .unwrap();
    let full = r.text().await.unwrap();
    assert!(full.contains("11010519491231002X") && full.contains("13812345678"), "both shown in full");
    let r = c
        .post(format!("{}/people/{qibao_person}/reveal", app.base))
        .form(&[("_csrf", csrf_in(&own).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let reveals = app.store.audit_records(Some(("person", &gumei.to_string())), 10).await.unwrap();
    assert!(reveals.iter().any(|a| a.action == "person.reveal_id" && a.actor == "gumei"));

    // The cross-check page shows 古美's duplicate to 古美, not to 七宝.
    let (status, check) = page(&app, &c, "/check").await;
    assert_eq!(status, StatusCode::OK);
    assert!(check.contains("古美甲"), "own finding listed");
    let (q, _) = client();
    login(&app, &q, "qibao", PASSWORD).await;
    let (_, check) = page(&app, &q, "/check").await;
    assert!(!check.contains("古美甲"), "another street's finding hidden");
    let r = q
        .post(format!("{}/check/decide", app.base))
        .form(&[
            ("key", format!("dup_in_project:MZ-01:{gumei}").as_str()),
            ("action", "dismiss"),
            ("reason", "理由充分"),
            ("_csrf", csrf_in(&check).as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "cannot decide another street's finding");

    // A department may not review; an audit administrator sees no register.
    let (d, _) = client();
    login(&app, &d, "rsj", PASSWORD).await;
    assert_eq!(page(&app, &d, "/check").await.0, StatusCode::FORBIDDEN);
    let (a, _) = client();
    login(&app, &a, "auditor", PASSWORD).await;
    assert_eq!(page(&app, &a, "/people").await.0, StatusCode::FORBIDDEN);
    assert_eq!(page(&app, &a, &format!("/people/{gumei}")).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_reviewer_dismisses_a_finding_with_a_reason() {
    let app = start().await;
    let gumei = app.people[0];
    let (c, _) = client();
    login(&app, &c, "gumei", PASSWORD).await;
    let (_, check) = page(&app, &c, "/check?type=dup_in_project").await;
    let key = format!("dup_in_project:MZ-01:{gumei}");
    assert!(check.contains(&key));
    let post = |reason: &'static str| {
        let c = c.clone();
        let (url, key, token) = (format!("{}/check/decide", app.base), key.clone(), csrf_in(&check));
        async move {
            c.post(url)
                .form(&[("key", key.as_str()), ("action", "dismiss"), ("reason", reason), ("_csrf", token.as_str())])
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(post("").await.status(), StatusCode::UNPROCESSABLE_ENTITY, "a dismissal needs a reason");
    assert_eq!(post("同一笔重复录入，已撤销另一笔").await.status(), StatusCode::SEE_OTHER);
    let (_, check) = page(&app, &c, "/check?type=dup_in_project&status=done").await;
    assert!(check.contains("已排除") && check.contains("同一笔重复录入"));
}

#[tokio::test]
async fn names_with_markup_and_rare_characters_render_escaped_and_intact() {
    let app = start().await;
    let (c, _) = client();
    login(&app, &c, "gumei", PASSWORD).await;
    let (_, html) = page(&app, &c, &format!("/people/{}", app.people[2])).await;
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;&#34;&#39;"), "markup and quotes escaped");
    assert!(html.contains("𠮷䶮"));
    let (_, list) = page(&app, &c, "/people?q=%3Cscript").await;
    assert!(list.contains("&#60;script&#62;") && !list.contains("<script>alert"));
}

#[tokio::test]
async fn the_api_needs_a_token_and_keeps_to_the_callers_area() {
    let app = start().await;
    let (gumei, qibao_person) = (app.people[0], app.people[1]);
    let c = Client::new();
    let r = c.get(format!("{}/api/v1/people", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = c.get(format!("{}/api/v1/people", app.base)).bearer_auth("yk_forged").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let token = app.store.create_token(&Actor::system("test"), "gumei").await.unwrap();
    let list: serde_json::Value = c
        .get(format!("{}/api/v1/people?limit=1", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let cursor = list["next_cursor"].as_str().expect("a second page").to_string();
    let rest: serde_json::Value = c
        .get(format!("{}/api/v1/people?cursor={cursor}", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rest["items"].as_array().unwrap().len(), 1, "古美 has two people; 七宝's is not listed");
    let mut seen = vec![list["items"][0]["id_number_masked"].clone(), rest["items"][0]["id_number_masked"].clone()];
    seen.sort_by_key(|v| v.to_string());
    assert_eq!(seen, vec![serde_json::json!("110105********002X"), serde_json::json!("310221********0021")]);
    assert!(rest["next_cursor"].is_null());
    let one = c.get(format!("{}/api/v1/people/{gumei}", app.base)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(one.status(), StatusCode::OK);
    let other = c.get(format!("{}/api/v1/people/{qibao_person}", app.base)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    assert!(!other.text().await.unwrap().contains("七宝乙"));
    let auditor = app.store.create_token(&Actor::system("test"), "auditor").await.unwrap();
    let r = c.get(format!("{}/api/v1/people", app.base)).bearer_auth(&auditor).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Projects and the cross-check, with the same areas.
    let projects: serde_json::Value =
        c.get(format!("{}/api/v1/projects", app.base)).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(projects["items"][0]["code"], "MZ-01");
    assert_eq!(projects["items"][0]["actual"]["entitlements"], 3, "古美's two people, one listed twice");
    let rsj = app.store.create_token(&Actor::system("test"), "rsj").await.unwrap();
    let r = c.get(format!("{}/api/v1/projects/{}", app.base, app.project)).bearer_auth(&rsj).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "a department with nothing in the project");
    let check: serde_json::Value =
        c.get(format!("{}/api/v1/check", app.base)).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(check["counts"]["dup_in_project"], 1);
    assert_eq!(check["findings"][0]["people"][0]["id_number_masked"], "110105********002X");
    let r = c.get(format!("{}/api/v1/check", app.base)).bearer_auth(&rsj).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let spec: serde_json::Value =
        c.get(format!("{}/api/v1/openapi.json", app.base)).send().await.unwrap().json().await.unwrap();
    assert!(spec["paths"]["/api/v1/people/{id}"].is_object());
    assert!(app.store.audit_records(None, 100).await.unwrap().iter().any(|a| a.action == "auth.token_create"));
}

#[tokio::test]
async fn every_response_carries_security_headers() {
    let app = start().await;
    let r = Client::new().get(format!("{}/login", app.base)).send().await.unwrap();
    let h = r.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert!(h.contains_key("x-request-id"));
    let r = Client::new().get(format!("{}/no/such/page", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Bodies over the form limit are refused before any handler runs.
    let big = "x".repeat(200 * 1024);
    let r = Client::new().post(format!("{}/login", app.base)).form(&[("login", big.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn projects_schedule_audit_and_users_pages_keep_to_role_and_area() {
    let app = start().await;
    let (g, _) = client();
    login(&app, &g, "gumei", PASSWORD).await;
    let (status, list) = page(&app, &g, "/projects").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("测试项目"));
    let (status, roster) = page(&app, &g, &format!("/projects/{}", app.project)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(roster.contains("古美甲") && !roster.contains("七宝乙"), "the roster shows only the street's own people");
    let (_, sheet) = page(&app, &g, &format!("/projects/{}/print", app.project)).await;
    assert!(sheet.contains("<th>居委</th>") && !sheet.contains("户内人数"), "a per-person project: {sheet}");
    assert!(sheet.contains("<a href=\"/projects/"), "the way back names the project");
    let (status, schedule) = page(&app, &g, "/schedule").await;
    assert_eq!(status, StatusCode::OK);
    assert!(schedule.contains("2020年元旦春节帮困送温暖") && schedule.contains("组织实施"));
    assert_eq!(page(&app, &g, "/audit").await.0, StatusCode::FORBIDDEN);
    assert_eq!(page(&app, &g, "/users").await.0, StatusCode::FORBIDDEN);

    // A department that runs no project of this campaign and has none of its people: nothing to see.
    let (d, _) = client();
    login(&app, &d, "rsj", PASSWORD).await;
    let (_, list) = page(&app, &d, "/projects").await;
    assert!(!list.contains("测试项目"));
    assert_eq!(page(&app, &d, &format!("/projects/{}", app.project)).await.0, StatusCode::NOT_FOUND);

    // The audit administrator reads the log with filters, and nothing else.
    let (a, _) = client();
    login(&app, &a, "auditor", PASSWORD).await;
    let (status, log) = page(&app, &a, "/audit?action=auth.").await;
    assert_eq!(status, StatusCode::OK);
    let table = log.split("<tbody>").nth(1).expect("a table of records");
    assert!(table.contains("auth.login") && !table.contains("person.bulk_create"), "filtered by action");
    assert!(table.contains(">登录 <span"), "actions read as words, the code beside: {table}");
    assert!(table.contains("gumei的名字 <span class=\"code\" title=\"登录名\">gumei</span>"), "who, by name: {table}");
    assert!(log.contains("时间（北京时间）") && !log.contains("UTC"), "times are Beijing time, labelled");
    assert_eq!(page(&app, &a, "/users").await.0, StatusCode::FORBIDDEN);
    assert_eq!(page(&app, &a, "/projects").await.0, StatusCode::FORBIDDEN);

    // The security administrator manages accounts, sees no register.
    let (sa, _) = client();
    login(&app, &sa, "secadmin", PASSWORD).await;
    let (status, users) = page(&app, &sa, "/users").await;
    assert_eq!(status, StatusCode::OK);
    assert!(users.contains("gumei") && users.contains("待首次改密码"));
    assert_eq!(page(&app, &sa, "/people").await.0, StatusCode::FORBIDDEN);
    assert_eq!(page(&app, &sa, "/audit").await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_street_operator_uploads_reads_every_problem_commits_the_valid_rows_and_undoes_the_batch() {
    let app = start().await;
    let (c, _) = client();
    login(&app, &c, "gumei", PASSWORD).await;
    let (status, page_html) = page(&app, &c, "/imports").await;
    assert_eq!(status, StatusCode::OK);
    let token = csrf_in(&page_html);
    let template = c.get(format!("{}/imports/template.xlsx", app.base)).send().await.unwrap();
    assert_eq!(template.status(), StatusCode::OK);
    assert!(template.bytes().await.unwrap().starts_with(b"PK"), "an .xlsx file");

    // Row 2: fine; row 3: a wrong check character; row 4: a person of another street.
    let csv = "姓名,身份证号,性别,联系电话,户籍/居住地址,街镇,居委,类别,金额,备注\n\
               新对象,310112195001010013,男,13800000000,某路1号,古美街道,,低保家庭,,\n\
               错号码,310112195001010012,男,,,古美街道,,低保家庭,,\n\
               外街镇,310112196002020023,女,,,七宝镇,,低保家庭,,\n";
    let form = reqwest::multipart::Form::new()
        .text("_csrf", token.clone())
        .text("project", "")
        .part("file", reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("名单.csv"));
    let r = c.post(format!("{}/imports/upload", app.base)).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let result = r.text().await.unwrap();
    assert!(result.contains("有2处需要修改"), "{result}");
    assert!(result.contains("第3行") && result.contains("校验位不对"), "the bad ID number is explained");
    assert!(result.contains("第4行") && result.contains("不属于您所在的街镇"));
    assert!(result.contains("该行属于七宝镇") && result.contains("交给七宝镇导入"), "the row's street is named");
    let commit_url = {
        let at = result.find("action=\"/imports/").unwrap() + 8;
        result[at..].split('"').next().unwrap().to_string()
    };
    let errors_url = commit_url.replace("/commit", "/errors.xlsx");
    let book = c.get(format!("{}{errors_url}", app.base)).send().await.unwrap();
    assert_eq!(book.status(), StatusCode::OK);
    assert!(book.bytes().await.unwrap().starts_with(b"PK"));
    // Another user cannot use this upload.
    let (q, _) = client();
    login(&app, &q, "qibao", PASSWORD).await;
    assert_eq!(page(&app, &q, &errors_url).await.0, StatusCode::NOT_FOUND);

    let r = c.post(format!("{}{commit_url}", app.base)).form(&[("_csrf", token.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "all-or-nothing by default");
    let r = c
        .post(format!("{}{commit_url}", app.base))
        .form(&[("_csrf", token.as_str()), ("accept_valid", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let done = r.text().await.unwrap();
    assert!(done.contains("已导入批次") && done.contains("新登记帮困对象 1 人"), "{done}");
    let (_, list) = page(&app, &c, "/people?q=新对象").await;
    assert!(list.contains(">新对象</a>"), "the new person is in the register");
    let (_, imports) = page(&app, &c, "/imports").await;
    let batch = {
        let at = imports.find("/imports/batches/").unwrap() + 17;
        imports[at..].split('/').next().unwrap().to_string()
    };
    assert!(!page(&app, &q, "/imports").await.1.contains(&batch), "another street does not see the batch");
    let r = c
        .post(format!("{}/imports/batches/{batch}/undo", app.base))
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("已撤销批次"));
    let again = c
        .post(format!("{}/imports/batches/{batch}/undo", app.base))
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY, "an undone batch is not undone twice");
    assert!(again.text().await.unwrap().contains("无法撤销"), "the page says it cannot be undone");
    let (_, list) = page(&app, &c, "/people?q=新对象").await;
    assert!(!list.contains(">新对象</a>"), "the undone batch's person is gone");

    let (a, _) = client();
    login(&app, &a, "auditor", PASSWORD).await;
    assert_eq!(page(&app, &a, "/imports").await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_contact_list_is_read_by_all_exported_and_edited_by_the_bureau_only() {
    let app = start().await;
    let (g, _) = client();
    login(&app, &g, "gumei", PASSWORD).await;
    let (status, list) = page(&app, &g, "/units").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("古美街道") && !list.contains("/edit"), "listed; no edit link for a street");
    let (status, csv) = page(&app, &g, "/units/export.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with("\u{feff}单位,联系人,职务,办公电话,手机"));
    assert_eq!(page(&app, &g, "/units/310112006000/edit").await.0, StatusCode::FORBIDDEN);

    let (b, _) = client();
    login(&app, &b, "bureau", PASSWORD).await;
    let (status, form) = page(&app, &b, "/units/310112006000/edit").await;
    assert_eq!(status, StatusCode::OK);
    let token = csrf_in(&form);
    let r = b
        .post(format!("{}/units/310112006000/edit", app.base))
        .form(&[
            ("_csrf", token.as_str()),
            ("contact_name", "王联系"),
            ("contact_title", "科长"),
            ("office_phone", "12345"),
            ("mobile", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = r.text().await.unwrap();
    assert!(
        again.contains("不是有效的电话号码") && again.contains("value=\"王联系\""),
        "the message, and what was typed kept"
    );
    let r = b
        .post(format!("{}/units/310112006000/edit", app.base))
        .form(&[
            ("_csrf", token.as_str()),
            ("contact_name", "王联系"),
            ("contact_title", "科长"),
            ("office_phone", "64123456"),
            ("mobile", "13800000000"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/units");
    let (_, list) = page(&app, &g, "/units").await;
    assert!(list.contains("王联系") && list.contains("021-64123456"));
    assert!(app
        .store
        .audit_records(Some(("unit", "310112006000")), 5)
        .await
        .unwrap()
        .iter()
        .any(|a| a.action == "unit.contact"));
}

#[tokio::test]
async fn the_api_description_names_every_api_route() {
    let app = start().await;
    let spec: serde_json::Value =
        Client::new().get(format!("{}/api/v1/openapi.json", app.base)).send().await.unwrap().json().await.unwrap();
    for (method, route) in yikou_web::route_table() {
        if !route.starts_with("/api/v1/") || route == "/api/v1/openapi.json" {
            continue;
        }
        let op = &spec["paths"][route][method.to_lowercase()];
        assert!(op.is_object(), "{method} {route} is not described in openapi.json");
    }
}
