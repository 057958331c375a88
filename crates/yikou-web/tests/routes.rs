//! Every route of the application, read from the router's route table, is exercised here: a user of
//! another area gets 404 (or a list without the other area's data), a role without the right gets
//! 403, and nobody gets anything without signing in. A route added without a case here fails the
//! coverage test.

#[path = "routes/care.rs"]
mod care;
mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

/// What a request should get.
#[derive(Debug, Clone)]
enum Expect {
    /// 404, and none of the markers in the body.
    NotFound,
    /// 403.
    Forbidden,
    /// 200, and none of the markers in the body (a list or export of the caller's own area).
    NoData(Vec<String>),
    /// Without a session: sent to the sign-in page (pages) or 401 (API).
    SignInRequired,
}

struct Case {
    method: &'static str,
    /// The route as written in the router.
    route: &'static str,
    path: String,
    /// "" for an anonymous request.
    who: &'static str,
    expect: Expect,
}

fn case(method: &'static str, route: &'static str, path: impl Into<String>, who: &'static str, expect: Expect) -> Case {
    Case { method, route, path: path.into(), who, expect }
}

/// A one-row delivery list for 古美甲 (what a provider's monthly list looks like).
const SERVICE_LIST: &[u8] =
    "姓名,身份证号,服务类别,服务日期,数量\n古美甲,11010519491231002X,助餐,2020-01-05,1\n".as_bytes();

/// Routes that are public by design, with the reason.
const PUBLIC: &[(&str, &str, &str)] = &[
    ("GET", "/login", "the sign-in form"),
    ("POST", "/login", "signing in"),
    ("GET", "/assets/app.css", "the stylesheet"),
    ("GET", "/api/v1/openapi.json", "the API description (no data)"),
    ("GET", "/public", "公示: aggregate figures, small cells suppressed"),
    ("GET", "/api/v1/public/summary", "公示 as JSON"),
];

/// The (method, route) pairs the router serves, from its route table.
fn declared_routes() -> Vec<(String, String)> {
    yikou_web::route_table().into_iter().map(|(m, p)| (m.to_string(), p.to_string())).collect()
}

/// Every field any form of the application needs (unknown fields are ignored by each form).
fn form_fields(
    csrf: &str,
    finding: &str,
    entitlement: i64,
    person: i64,
    project: i64,
    voucher: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("_csrf", csrf.to_string()),
        ("key", finding.to_string()),
        ("entitlement", entitlement.to_string()),
        ("action", "dismiss".into()),
        ("reason", "测试理由".into()),
        ("login", "someone-new".into()),
        ("display_name", "某人".into()),
        ("unit", GUMEI.into()),
        ("role", "street".into()),
        ("contact_name", "张三".into()),
        ("old", PASSWORD.into()),
        ("new", "Another-Pass-2".into()),
        ("confirm", "Another-Pass-2".into()),
        ("days", "30".into()),
        ("phone", "13900001111".into()),
        ("address", "测试路1号".into()),
        ("decision", "approve".into()),
        ("holder", "某人".into()),
        ("resolution", "测试处理结果".into()),
        ("account", "6222021001123456789".into()),
        ("comment", "测试意见".into()),
        ("person", person.to_string()),
        ("date", yikou_domain::format_date(yikou_domain::today())),
        ("visitor_kind", "unit".into()),
        ("visitors", "七宝某".into()),
        ("note", "已联系".into()),
        ("caller", "七宝某".into()),
        ("kind", "repair".into()),
        ("content", "修水管".into()),
        ("due", yikou_domain::format_date(yikou_domain::today())),
        ("result", "已修好".into()),
        ("project", project.to_string()),
        ("part", "money".into()),
        ("amount", "1".into()),
        ("code", voucher.to_string()),
        ("supermarket", "七宝慈善超市".into()),
    ]
}

#[tokio::test]
async fn every_route_keeps_to_area_and_role_and_needs_sign_in() {
    let app = start().await;
    let (gumei_person, project) = (app.people[0], app.project);
    let finding = format!("dup_in_project:MZ-01:{gumei_person}");
    let entitlement = app.store.entitlements_of_person(&yikou_domain::Scope::All, gumei_person).await.unwrap()[0].id;
    // A voucher given to 古美's person, valid today.
    let voucher = voucher_for(&app, gumei_person).await;
    // A visit to that person with a follow-up 古美 owns.
    let action = visit_for(&app, gumei_person).await;
    // A hotline request about that person, given to 古美.
    let request = hotline_for(&app, gumei_person).await;
    // A donation 古美 received.
    let donation = donation_for(&app).await;
    // A service provider 古美 manages.
    let provider = provider_for(&app).await;

    // 古美's own work to aim at: a committed batch and a pending upload.
    let (g, g_csrf) = signed_in(&app, "gumei").await;
    let upload = |csv: Vec<u8>| {
        reqwest::multipart::Form::new()
            .text("_csrf", g_csrf.clone())
            .text("project", "")
            .part("file", reqwest::multipart::Part::bytes(csv).file_name("list.csv"))
    };
    let r = g
        .post(format!("{}/imports/upload", app.base))
        .multipart(upload(one_row_csv("批次人", "310112196003030020", "古美街道")))
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    let commit = html[html.find("action=\"/imports/").unwrap() + 8..].split('"').next().unwrap().to_string();
    let r = g.post(format!("{}{commit}", app.base)).form(&[("_csrf", g_csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (_, imports) = page(&app, &g, "/imports").await;
    let batch = imports[imports.find("/imports/batches/").unwrap() + 17..].split('/').next().unwrap().to_string();
    let r = g
        .post(format!("{}/imports/upload", app.base))
        .multipart(upload(one_row_csv("待导入", "310112197004040030", "古美街道")))
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    let pending = html[html.find("action=\"/imports/").unwrap() + 17..].split('/').next().unwrap().to_string();
    // And one of 古美's API tokens.
    bearer(&app, "gumei").await;
    // A payment batch of 古美's part of the (approved) test roster.
    let pay_batch = {
        use yikou_domain::reference::BUREAU_CODE;
        let cid = app.store.campaign(2020).await.unwrap().unwrap().id;
        let mut tx = app.store.write(&yikou_domain::Actor::system("test")).await.unwrap();
        yikou_store::rosters::submit(&mut tx, project, BUREAU_CODE).await.unwrap();
        yikou_store::rosters::review(&mut tx, project, BUREAU_CODE, yikou_domain::roster::ReviewDecision::Approve, "")
            .await
            .unwrap();
        let filter = yikou_store::pay::BatchFilter { street: Some(GUMEI.into()), ..Default::default() };
        let made = yikou_store::pay::create_batch(
            &mut tx,
            &yikou_domain::Scope::All,
            cid,
            yikou_domain::pay::PayMethod::Cash,
            &filter,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        made.id
    };
    let b = |s: &str| s.replace("{id}", &pay_batch.to_string());
    // A follow-up sample of 古美's paid entries.
    let sample = {
        let mut tx = app.store.write(&yikou_domain::Actor::system("test")).await.unwrap();
        yikou_store::pay::record_signoff(&mut tx, &yikou_domain::Scope::All, pay_batch, None, &[]).await.unwrap();
        let cid = app.store.campaign(2020).await.unwrap().unwrap().id;
        let params = yikou_store::followup::SampleParams {
            filter: Default::default(),
            size: yikou_domain::followup::SizeRule::Fixed(2),
            strata: yikou_domain::followup::Strata::Whole,
            min_per_stratum: 2,
            seed: 1,
            callers: Vec::new(),
        };
        let made =
            yikou_store::followup::create_sample(&mut tx, &yikou_domain::Scope::All, cid, &params).await.unwrap();
        tx.commit().await.unwrap();
        made.sample
    };
    let sm = |s: &str| s.replace("{id}", &sample.to_string());
    let gumei_token = app.store.tokens(Some("gumei")).await.unwrap()[0].id;

    // What must never reach 七宝 or the department: 古美's people and work.
    let gumei_data: Vec<String> = vec![
        "古美甲".into(),
        "110105********002X".into(),
        "批次人".into(),
        "待导入".into(),
        batch.clone(),
        voucher.clone(),
        "古美走访员甲".into(),
        "古美来电人甲".into(),
        "古美收据甲".into(),
        "古美服务社甲".into(),
    ];
    let nf = || Expect::NotFound;
    let no_gumei = || Expect::NoData(gumei_data.clone());
    let no_project = || Expect::NoData(vec!["测试项目".into(), "MZ-01".into()]);
    let fb = || Expect::Forbidden;
    let anon = || Expect::SignInRequired;
    let p = |s: &str| s.replace("{id}", &gumei_person.to_string());

    let mut cases = vec![
        case("GET", "/", "/", "qibao", no_gumei()),
        case("GET", "/", "/", "", anon()),
        case("POST", "/logout", "/logout", "", anon()),
        case("GET", "/password", "/password", "", anon()),
        case("POST", "/password", "/password", "", anon()),
        case("GET", "/people", "/people", "qibao", no_gumei()),
        case("GET", "/people", format!("/people?street={GUMEI}"), "qibao", no_gumei()),
        case("GET", "/people", "/people", "auditor", fb()),
        case("GET", "/people/export.csv", "/people/export.csv", "qibao", no_gumei()),
        case("GET", "/people/export.xlsx", "/people/export.xlsx", "qibao", no_gumei()),
        case("GET", "/people/export.csv", "/people/export.csv", "secadmin", fb()),
        case("GET", "/people/export.xlsx", "/people/export.xlsx", "secadmin", fb()),
        case("GET", "/people/{id}", p("/people/{id}"), "qibao", nf()),
        case("GET", "/people/{id}", p("/people/{id}"), "rsj", nf()),
        case("GET", "/people/{id}", p("/people/{id}"), "auditor", fb()),
        case("POST", "/people/{id}/reveal", p("/people/{id}/reveal"), "qibao", nf()),
        case("POST", "/people/{id}/reveal", p("/people/{id}/reveal"), "sysadmin", fb()),
        case("GET", "/people/{id}/contact", p("/people/{id}/contact"), "qibao", nf()),
        case("GET", "/people/{id}/contact", p("/people/{id}/contact"), "rsj", fb()),
        case("GET", "/people/{id}/contact", p("/people/{id}/contact"), "auditor", fb()),
        case("GET", "/people/{id}/contact", p("/people/{id}/contact"), "", anon()),
        case("POST", "/people/{id}/contact", p("/people/{id}/contact"), "qibao", nf()),
        case("POST", "/people/{id}/contact", p("/people/{id}/contact"), "rsj", fb()),
        case("POST", "/people/{id}/contact", p("/people/{id}/contact"), "sysadmin", fb()),
        case("POST", "/people/{id}/contact", p("/people/{id}/contact"), "", anon()),
        case("GET", "/projects", "/projects", "rsj", no_project()),
        case("GET", "/projects", "/projects", "auditor", fb()),
        case("GET", "/projects/export.csv", "/projects/export.csv", "rsj", no_project()),
        case("GET", "/projects/export.xlsx", "/projects/export.xlsx", "rsj", no_project()),
        case("GET", "/projects/export.csv", "/projects/export.csv", "auditor", fb()),
        case("GET", "/projects/export.xlsx", "/projects/export.xlsx", "auditor", fb()),
        case("GET", "/projects/{id}", format!("/projects/{project}"), "rsj", nf()),
        case("GET", "/projects/{id}", format!("/projects/{project}"), "qibao", no_gumei()),
        case("GET", "/projects/{id}", format!("/projects/{project}"), "auditor", fb()),
        case("GET", "/projects/{id}/export.csv", format!("/projects/{project}/export.csv"), "rsj", nf()),
        case("GET", "/projects/{id}/export.xlsx", format!("/projects/{project}/export.xlsx"), "rsj", nf()),
        case("GET", "/projects/{id}/export.csv", format!("/projects/{project}/export.csv"), "qibao", no_gumei()),
        case("GET", "/projects/{id}/export.xlsx", format!("/projects/{project}/export.xlsx"), "qibao", no_gumei()),
        case("GET", "/projects/{id}/export.csv", format!("/projects/{project}/export.csv"), "auditor", fb()),
        case("GET", "/projects/{id}/print", format!("/projects/{project}/print"), "rsj", nf()),
        case("GET", "/projects/{id}/print", format!("/projects/{project}/print"), "qibao", no_gumei()),
        case("GET", "/projects/{id}/print", format!("/projects/{project}/print"), "auditor", fb()),
        case("GET", "/projects/{id}/export.xlsx", format!("/projects/{project}/export.xlsx"), "auditor", fb()),
        case("GET", "/schedule", "/schedule", "", anon()),
        case("GET", "/units", "/units", "auditor", fb()),
        case("GET", "/units/export.csv", "/units/export.csv", "auditor", fb()),
        case("GET", "/units/export.xlsx", "/units/export.xlsx", "auditor", fb()),
        case("GET", "/units/{code}/edit", format!("/units/{GUMEI}/edit"), "gumei", fb()),
        case("GET", "/units/{code}/edit", "/units/no-such-unit/edit", "bureau", nf()),
        case("POST", "/units/{code}/edit", format!("/units/{GUMEI}/edit"), "qibao", fb()),
        case("GET", "/audit", "/audit", "bureau", fb()),
        case("GET", "/audit", "/audit", "sysadmin", fb()),
        case("GET", "/audit/export.csv", "/audit/export.csv", "secadmin", fb()),
        case("GET", "/audit/export.xlsx", "/audit/export.xlsx", "secadmin", fb()),
        case("GET", "/users", "/users", "bureau", fb()),
        case("GET", "/users", "/users", "auditor", fb()),
        case("POST", "/users", "/users", "secadmin", fb()),
        case("POST", "/users", "/users", "bureau", fb()),
        case("GET", "/users/new", "/users/new", "secadmin", fb()),
        case("GET", "/users/export.csv", "/users/export.csv", "gumei", fb()),
        case("GET", "/users/export.xlsx", "/users/export.xlsx", "gumei", fb()),
        case("POST", "/users/{login}/disable", "/users/qibao/disable", "bureau", fb()),
        case("POST", "/users/{login}/disable", "/users/nobody-here/disable", "secadmin", nf()),
        case("POST", "/users/{login}/enable", "/users/qibao/enable", "gumei", fb()),
        case("POST", "/users/{login}/unlock", "/users/qibao/unlock", "sysadmin", fb()),
        case("POST", "/users/{login}/unlock", "/users/qibao/unlock", "bureau", fb()),
        case("POST", "/users/{login}/unlock", "/users/nobody-here/unlock", "secadmin", nf()),
        case("POST", "/users/{login}/reset-password", "/users/qibao/reset-password", "sysadmin", fb()),
        case("POST", "/users/{login}/reset-password", "/users/qibao/reset-password", "gumei", fb()),
        case("POST", "/users/{login}/reset-password", "/users/nobody-here/reset-password", "secadmin", nf()),
        case("POST", "/users/{login}/complete", "/users/qibao/complete", "bureau", fb()),
        case("POST", "/users/{login}/complete", "/users/qibao/complete", "auditor", fb()),
        case("POST", "/users/{login}/complete", "/users/qibao/complete", "gumei", fb()),
        case("POST", "/users/{login}/complete", "/users/nobody-here/complete", "sysadmin", nf()),
        case("POST", "/users/{login}/complete", "/users/nobody-here/complete", "secadmin", nf()),
        case("GET", "/users/{login}/tokens", "/users/gumei/tokens", "sysadmin", fb()),
        case("GET", "/users/{login}/tokens", "/users/gumei/tokens", "qibao", fb()),
        case("GET", "/users/{login}/tokens", "/users/nobody-here/tokens", "secadmin", nf()),
        case(
            "POST",
            "/users/{login}/tokens/{id}/revoke",
            format!("/users/gumei/tokens/{gumei_token}/revoke"),
            "sysadmin",
            fb(),
        ),
        case(
            "POST",
            "/users/{login}/tokens/{id}/revoke",
            format!("/users/qibao/tokens/{gumei_token}/revoke"),
            "secadmin",
            nf(),
        ),
        case("GET", "/account/tokens", "/account/tokens", "qibao", no_gumei()),
        case("GET", "/account/tokens", "/account/tokens", "", anon()),
        case("POST", "/account/tokens", "/account/tokens", "qibao", no_gumei()),
        case("POST", "/account/tokens", "/account/tokens", "", anon()),
        case("POST", "/account/tokens/{id}/revoke", format!("/account/tokens/{gumei_token}/revoke"), "qibao", nf()),
        case("POST", "/account/tokens/{id}/revoke", format!("/account/tokens/{gumei_token}/revoke"), "", anon()),
        case("GET", "/imports", "/imports", "qibao", no_gumei()),
        case("GET", "/imports", "/imports", "auditor", fb()),
        case("GET", "/imports/template.xlsx", "/imports/template.xlsx", "auditor", fb()),
        case("POST", "/imports/upload", "/imports/upload", "auditor", fb()),
        case("GET", "/imports/{id}", format!("/imports/{pending}"), "qibao", nf()),
        case("GET", "/imports/{id}", format!("/imports/{pending}"), "auditor", fb()),
        case("GET", "/imports/{id}/errors.xlsx", format!("/imports/{pending}/errors.xlsx"), "qibao", nf()),
        case("POST", "/imports/{id}/commit", format!("/imports/{pending}/commit"), "qibao", nf()),
        case("POST", "/imports/{id}/commit", format!("/imports/{pending}/commit"), "auditor", fb()),
        case("GET", "/imports/batches/{batch}/undo", format!("/imports/batches/{batch}/undo"), "qibao", nf()),
        case("GET", "/imports/batches/{batch}/undo", format!("/imports/batches/{batch}/undo"), "auditor", fb()),
        case("POST", "/imports/batches/{batch}/undo", format!("/imports/batches/{batch}/undo"), "qibao", nf()),
        case("POST", "/imports/batches/{batch}/undo", format!("/imports/batches/{batch}/undo"), "auditor", fb()),
        case("GET", "/check", "/check", "qibao", no_gumei()),
        case("GET", "/check", "/check", "rsj", fb()),
        case("GET", "/check/export.csv", "/check/export.csv", "qibao", no_gumei()),
        case("GET", "/check/export.xlsx", "/check/export.xlsx", "qibao", no_gumei()),
        case("GET", "/check/export.csv", "/check/export.csv", "rsj", fb()),
        case("GET", "/check/export.xlsx", "/check/export.xlsx", "rsj", fb()),
        case("POST", "/check/decide", "/check/decide", "qibao", nf()),
        case("POST", "/check/decide", "/check/decide", "rsj", fb()),
        case("POST", "/check/withdraw", "/check/withdraw", "qibao", nf()),
        case("GET", "/payments", "/payments", "qibao", no_gumei()),
        case("GET", "/people/{id}/bank", p("/people/{id}/bank"), "qibao", nf()),
        case("GET", "/people/{id}/bank", p("/people/{id}/bank"), "rsj", fb()),
        case("POST", "/people/{id}/bank", p("/people/{id}/bank"), "qibao", nf()),
        case("POST", "/people/{id}/bank", p("/people/{id}/bank"), "rsj", fb()),
        case("GET", "/payments", "/payments", "auditor", fb()),
        case("POST", "/payments/batches", "/payments/batches", "gumei", fb()),
        case("POST", "/payments/batches", "/payments/batches", "rsj", fb()),
        case("GET", "/payments/batches/{id}", b("/payments/batches/{id}"), "qibao", nf()),
        case("GET", "/payments/batches/{id}", b("/payments/batches/{id}"), "auditor", fb()),
        case("GET", "/payments/batches/{id}/bank-file.csv", b("/payments/batches/{id}/bank-file.csv"), "gumei", fb()),
        case("GET", "/payments/batches/{id}/bank-file.xlsx", b("/payments/batches/{id}/bank-file.xlsx"), "qibao", fb()),
        case("POST", "/payments/batches/{id}/results", b("/payments/batches/{id}/results"), "gumei", fb()),
        case("POST", "/payments/batches/{id}/reissue", b("/payments/batches/{id}/reissue"), "gumei", fb()),
        case("POST", "/api/v1/payments/batches", "/api/v1/payments/batches", "gumei", fb()),
        case("POST", "/api/v1/payments/batches", "/api/v1/payments/batches", "", anon()),
        case("GET", "/api/v1/payments/batches", "/api/v1/payments/batches", "qibao", no_gumei()),
        case("GET", "/api/v1/payments/batches", "/api/v1/payments/batches", "auditor", fb()),
        case("GET", "/api/v1/payments/batches/{id}", b("/api/v1/payments/batches/{id}"), "qibao", nf()),
        case(
            "GET",
            "/api/v1/payments/batches/{id}/bank-file.csv",
            b("/api/v1/payments/batches/{id}/bank-file.csv"),
            "gumei",
            fb(),
        ),
        case(
            "GET",
            "/api/v1/payments/batches/{id}/bank-file.xlsx",
            b("/api/v1/payments/batches/{id}/bank-file.xlsx"),
            "rsj",
            fb(),
        ),
        case(
            "POST",
            "/api/v1/payments/batches/{id}/results",
            b("/api/v1/payments/batches/{id}/results"),
            "gumei",
            fb(),
        ),
        case(
            "POST",
            "/api/v1/payments/batches/{id}/reissue",
            b("/api/v1/payments/batches/{id}/reissue"),
            "qibao",
            fb(),
        ),
        case("GET", "/api/v1/payments/progress", "/api/v1/payments/progress", "qibao", no_gumei()),
        case("GET", "/followup", "/followup", "auditor", fb()),
        case("GET", "/followup/cases", "/followup/cases", "qibao", no_gumei()),
        case("GET", "/followup/cases", "/followup/cases", "auditor", fb()),
        case("GET", "/followup", "/followup", "", anon()),
        case("POST", "/followup", "/followup", "gumei", fb()),
        case("GET", "/followup/{id}", sm("/followup/{id}"), "qibao", nf()),
        case("GET", "/followup/{id}", sm("/followup/{id}"), "auditor", fb()),
        case("GET", "/followup/{id}/report", sm("/followup/{id}/report"), "qibao", nf()),
        case("GET", "/followup/{id}/report", sm("/followup/{id}/report"), "auditor", fb()),
        case("GET", "/reports/list", format!("/reports/list?by=street&street={GUMEI}"), "qibao", no_gumei()),
        case("GET", "/reports/list", "/reports/list", "auditor", fb()),
        case("GET", "/reports/list", "/reports/list", "", anon()),
        case(
            "GET",
            "/reports/list/export.xlsx",
            format!("/reports/list/export.xlsx?street={GUMEI}"),
            "qibao",
            no_gumei(),
        ),
        case("GET", "/reports/list/export.xlsx", "/reports/list/export.xlsx", "auditor", fb()),
        case(
            "GET",
            "/reports/list/export.csv",
            format!("/reports/list/export.csv?street={GUMEI}"),
            "qibao",
            no_gumei(),
        ),
        case("GET", "/reports/list/export.csv", "/reports/list/export.csv", "", anon()),
        case("GET", "/reports", "/reports", "auditor", fb()),
        case("GET", "/reports/plan", "/reports/plan", "auditor", fb()),
        case("GET", "/reports/units", "/reports/units", "auditor", fb()),
        case("POST", "/reports/units", "/reports/units", "auditor", fb()),
        case("GET", "/reports/units.xlsx", "/reports/units.xlsx", "auditor", fb()),
        case("GET", "/reports/units.csv", "/reports/units.csv", "auditor", fb()),
        case("GET", "/reports/units/{code}", "/reports/units/310112-MZJ", "gumei", nf()),
        case("GET", "/reports/plan.xlsx", "/reports/plan.xlsx", "auditor", fb()),
        case("GET", "/reports", "/reports", "", anon()),
        case("GET", "/followup/{id}/results.xlsx", sm("/followup/{id}/results.xlsx"), "qibao", nf()),
        case("GET", "/followup/{id}/results.csv", sm("/followup/{id}/results.csv"), "auditor", fb()),
        case(
            "GET",
            "/followup/{id}/call/{entitlement}",
            sm(&format!("/followup/{{id}}/call/{entitlement}")),
            "gumei",
            fb(),
        ),
        case(
            "POST",
            "/followup/{id}/call/{entitlement}",
            sm(&format!("/followup/{{id}}/call/{entitlement}")),
            "gumei",
            fb(),
        ),
        case(
            "POST",
            "/followup/{id}/call/{entitlement}/dial",
            sm(&format!("/followup/{{id}}/call/{entitlement}/dial")),
            "gumei",
            fb(),
        ),
        case(
            "POST",
            "/followup/{id}/call/{entitlement}/dial",
            sm(&format!("/followup/{{id}}/call/{entitlement}/dial")),
            "auditor",
            fb(),
        ),
        case("POST", "/followup/{id}/cases/{case}/resolve", sm("/followup/{id}/cases/1/resolve"), "auditor", fb()),
        case("POST", "/followup/{id}/cases/{case}/resolve", sm("/followup/{id}/cases/1/resolve"), "qibao", nf()),
        case("POST", "/followup/{id}/cases/{case}/assign", sm("/followup/{id}/cases/1/assign"), "auditor", fb()),
        case("POST", "/followup/{id}/cases/{case}/assign", sm("/followup/{id}/cases/1/assign"), "qibao", nf()),
        case("POST", "/followup/{id}/close", sm("/followup/{id}/close"), "gumei", fb()),
        case("POST", "/api/v1/samples", "/api/v1/samples", "gumei", fb()),
        case("POST", "/api/v1/samples", "/api/v1/samples", "", anon()),
        case("POST", "/api/v1/samples/{id}/calls", sm("/api/v1/samples/{id}/calls"), "gumei", fb()),
        case("POST", "/api/v1/samples/{id}/calls", sm("/api/v1/samples/{id}/calls"), "auditor", fb()),
        case("GET", "/api/v1/samples/{id}/results", sm("/api/v1/samples/{id}/results"), "qibao", nf()),
        case("GET", "/api/v1/samples/{id}/results", sm("/api/v1/samples/{id}/results"), "auditor", fb()),
        case("POST", "/api/v1/samples/{id}/close", sm("/api/v1/samples/{id}/close"), "gumei", fb()),
        case("POST", "/api/v1/samples/{id}/close", sm("/api/v1/samples/{id}/close"), "rsj", fb()),
        case("GET", "/payments/batches/{id}/sheet", b("/payments/batches/{id}/sheet"), "qibao", nf()),
        case("GET", "/payments/batches/{id}/sheet", b("/payments/batches/{id}/sheet"), "auditor", fb()),
        case("GET", "/payments/batches/{id}/signoff", b("/payments/batches/{id}/signoff"), "qibao", nf()),
        case("GET", "/payments/batches/{id}/signoff", b("/payments/batches/{id}/signoff"), "rsj", fb()),
        case("POST", "/payments/batches/{id}/signoff", b("/payments/batches/{id}/signoff"), "qibao", nf()),
        case("POST", "/payments/batches/{id}/signoff", b("/payments/batches/{id}/signoff"), "rsj", fb()),
        case(
            "POST",
            "/api/v1/payments/batches/{id}/signoff",
            b("/api/v1/payments/batches/{id}/signoff"),
            "qibao",
            nf(),
        ),
        case("POST", "/api/v1/payments/batches/{id}/signoff", b("/api/v1/payments/batches/{id}/signoff"), "rsj", fb()),
        case("GET", "/api/v1/payments/progress", "/api/v1/payments/progress", "auditor", fb()),
        case("POST", "/projects/{id}/submit", format!("/projects/{project}/submit"), "rsj", nf()),
        case("POST", "/projects/{id}/submit", format!("/projects/{project}/submit"), "auditor", fb()),
        case("POST", "/projects/{id}/review", format!("/projects/{project}/review"), "gumei", fb()),
        case("POST", "/projects/{id}/review", format!("/projects/{project}/review"), "rsj", fb()),
        case("POST", "/api/v1/projects/{id}/submit", format!("/api/v1/projects/{project}/submit"), "rsj", nf()),
        case("POST", "/api/v1/projects/{id}/submit", format!("/api/v1/projects/{project}/submit"), "auditor", fb()),
        case("POST", "/api/v1/projects/{id}/submit", format!("/api/v1/projects/{project}/submit"), "", anon()),
        case("POST", "/api/v1/projects/{id}/review", format!("/api/v1/projects/{project}/review"), "gumei", fb()),
        case("POST", "/api/v1/projects/{id}/review", format!("/api/v1/projects/{project}/review"), "rsj", fb()),
        case("POST", "/check/withdraw", "/check/withdraw", "rsj", fb()),
        case(
            "POST",
            "/api/v1/entitlements/{id}/withdraw",
            format!("/api/v1/entitlements/{entitlement}/withdraw"),
            "qibao",
            nf(),
        ),
        case(
            "POST",
            "/api/v1/entitlements/{id}/withdraw",
            format!("/api/v1/entitlements/{entitlement}/withdraw"),
            "rsj",
            nf(),
        ),
        case(
            "POST",
            "/api/v1/entitlements/{id}/withdraw",
            format!("/api/v1/entitlements/{entitlement}/withdraw"),
            "auditor",
            fb(),
        ),
        case(
            "POST",
            "/api/v1/entitlements/{id}/withdraw",
            format!("/api/v1/entitlements/{entitlement}/withdraw"),
            "",
            anon(),
        ),
        case("GET", "/api/v1/people", "/api/v1/people", "qibao", no_gumei()),
        case("GET", "/api/v1/people", format!("/api/v1/people?street={GUMEI}"), "qibao", no_gumei()),
        case("GET", "/api/v1/people", "/api/v1/people", "auditor", fb()),
        case("GET", "/api/v1/people", "/api/v1/people", "", anon()),
        case("GET", "/api/v1/people/{id}", p("/api/v1/people/{id}"), "qibao", nf()),
        case("GET", "/api/v1/people/{id}", p("/api/v1/people/{id}"), "auditor", fb()),
        case("GET", "/api/v1/people/{id}/timeline", p("/api/v1/people/{id}/timeline"), "qibao", nf()),
        case("GET", "/api/v1/people/{id}/timeline", p("/api/v1/people/{id}/timeline"), "auditor", fb()),
        case("GET", "/api/v1/people/{id}/timeline", p("/api/v1/people/{id}/timeline"), "", anon()),
        case("GET", "/api/v1/vouchers", "/api/v1/vouchers", "qibao", no_gumei()),
        case("GET", "/api/v1/vouchers", "/api/v1/vouchers?state=issued", "auditor", fb()),
        case("GET", "/api/v1/vouchers", "/api/v1/vouchers", "", anon()),
        case("POST", "/api/v1/vouchers/{code}/redeem", format!("/api/v1/vouchers/{voucher}/redeem"), "qibao", nf()),
        case("POST", "/api/v1/vouchers/{code}/redeem", format!("/api/v1/vouchers/{voucher}/redeem"), "auditor", fb()),
        case("POST", "/api/v1/vouchers/{code}/redeem", format!("/api/v1/vouchers/{voucher}/redeem"), "", anon()),
        case("GET", "/api/v1/exchange/export.xlsx", "/api/v1/exchange/export.xlsx", "qibao", fb()),
        case("GET", "/api/v1/exchange/export.xlsx", "/api/v1/exchange/export.xlsx", "auditor", fb()),
        case("GET", "/api/v1/exchange/export.xlsx", "/api/v1/exchange/export.xlsx", "", anon()),
        case("GET", "/api/v1/exchange/export.zip", "/api/v1/exchange/export.zip", "qibao", fb()),
        case("GET", "/api/v1/exchange/export.zip", "/api/v1/exchange/export.zip", "auditor", fb()),
        case("GET", "/api/v1/exchange/export.zip", "/api/v1/exchange/export.zip", "", anon()),
        case("POST", "/api/v1/exchange/base-register", "/api/v1/exchange/base-register", "qibao", fb()),
        case("POST", "/api/v1/exchange/base-register", "/api/v1/exchange/base-register", "auditor", fb()),
        case("POST", "/api/v1/exchange/base-register", "/api/v1/exchange/base-register", "", anon()),
        case("GET", "/api/v1/projects", "/api/v1/projects", "rsj", no_project()),
        case("GET", "/api/v1/projects", "/api/v1/projects", "auditor", fb()),
        case("GET", "/api/v1/projects/{id}", format!("/api/v1/projects/{project}"), "rsj", nf()),
        case("GET", "/api/v1/projects/{id}", format!("/api/v1/projects/{project}"), "secadmin", fb()),
        case("GET", "/api/v1/check", "/api/v1/check", "qibao", no_gumei()),
        case("GET", "/api/v1/check", "/api/v1/check", "rsj", fb()),
        case("POST", "/api/v1/check/decisions", "/api/v1/check/decisions", "qibao", nf()),
        case("POST", "/api/v1/check/decisions", "/api/v1/check/decisions", "rsj", fb()),
        case("POST", "/api/v1/check/decisions", "/api/v1/check/decisions", "", anon()),
        case("GET", "/api/v1/campaign", "/api/v1/campaign", "", anon()),
        case("GET", "/api/v1/units", "/api/v1/units", "auditor", fb()),
        case("GET", "/api/v1/audit", "/api/v1/audit", "bureau", fb()),
        case("GET", "/api/v1/audit", "/api/v1/audit", "sysadmin", fb()),
        case("GET", "/api/v1/users", "/api/v1/users", "gumei", fb()),
        case("GET", "/api/v1/users", "/api/v1/users", "auditor", fb()),
        case("POST", "/api/v1/imports", "/api/v1/imports", "auditor", fb()),
        case("POST", "/api/v1/imports", "/api/v1/imports", "", anon()),
        case("POST", "/api/v1/imports/{upload}/commit", format!("/api/v1/imports/{pending}/commit"), "qibao", nf()),
        case("POST", "/api/v1/imports/{upload}/commit", format!("/api/v1/imports/{pending}/commit"), "auditor", fb()),
        case("GET", "/api/v1/imports/batches", "/api/v1/imports/batches", "qibao", no_gumei()),
        case("GET", "/api/v1/imports/batches", "/api/v1/imports/batches", "auditor", fb()),
        case(
            "POST",
            "/api/v1/imports/batches/{batch}/undo",
            format!("/api/v1/imports/batches/{batch}/undo"),
            "qibao",
            nf(),
        ),
        case(
            "POST",
            "/api/v1/imports/batches/{batch}/undo",
            format!("/api/v1/imports/batches/{batch}/undo"),
            "auditor",
            fb(),
        ),
    ];
    cases.extend(care::cases(&care::Aims {
        person: gumei_person,
        action,
        request,
        donation,
        provider,
        markers: gumei_data.clone(),
    }));

    // Coverage: every declared route has a case (or is public by design), and every case names a
    // declared route.
    let declared = declared_routes();
    assert!(declared.len() > 40, "the router's routes were read: {declared:?}");
    for (method, route) in &declared {
        let covered = cases.iter().any(|c| c.method == method && c.route == route)
            || PUBLIC.iter().any(|(m, r, _)| m == method && r == route);
        assert!(covered, "no access case for {method} {route}");
    }
    for c in &cases {
        assert!(
            declared.iter().any(|(m, r)| m == c.method && r == c.route),
            "case for an undeclared route {} {}",
            c.method,
            c.route
        );
    }

    // One session and one token per user.
    let mut sessions = std::collections::HashMap::new();
    let mut tokens = std::collections::HashMap::new();
    let users: std::collections::BTreeSet<&str> = cases.iter().map(|c| c.who).filter(|w| !w.is_empty()).collect();
    for who in users {
        sessions.insert(who, signed_in(&app, who).await);
        tokens.insert(who, bearer(&app, who).await);
    }
    let (anon_client, _) = client();
    for c in &cases {
        let who = c.who;
        let api = c.route.starts_with("/api/");
        let url = format!("{}{}", app.base, c.path);
        let (http, csrf) = match sessions.get(who) {
            Some((h, t)) => (h.clone(), t.clone()),
            None => (anon_client.clone(), String::new()),
        };
        let mut req = match c.method {
            "GET" => http.get(&url),
            _ => http.post(&url),
        };
        if api {
            if let Some(t) = tokens.get(who) {
                req = req.bearer_auth(t);
            }
            if c.route == "/api/v1/imports"
                || c.route == "/api/v1/exchange/base-register"
                || c.route == "/api/v1/services/providers/{id}/deliveries"
                || c.route == "/api/v1/vouchers/redemptions"
            {
                req = req.multipart(
                    reqwest::multipart::Form::new().part(
                        "file",
                        reqwest::multipart::Part::bytes(one_row_csv("某某", "310112197105050043", "七宝镇"))
                            .file_name("l.csv"),
                    ),
                );
            } else if c.route == "/api/v1/payments/batches/{id}/results" {
                req = req.multipart(
                    reqwest::multipart::Form::new().part(
                        "file",
                        reqwest::multipart::Part::bytes(b"\xef\xbb\xbf\xe5\xba\x8f\xe5\x8f\xb7\n".to_vec())
                            .file_name("r.csv"),
                    ),
                );
            } else if c.route == "/api/v1/samples" {
                req = req.json(&json!({ "seed": 1 }));
            } else if c.route == "/api/v1/samples/{id}/calls" {
                req = req.json(&json!({ "entitlement": entitlement, "reached": "no" }));
            } else if c.route == "/api/v1/samples/{id}/close" {
                req = req.json(&json!({}));
            } else if c.route == "/api/v1/payments/batches/{id}/signoff" {
                req = req.json(&json!({ "exceptions": [] }));
            } else if c.route == "/api/v1/payments/batches" {
                req = req.json(&json!({ "method": "cash" }));
            } else if c.route == "/api/v1/projects/{id}/review" {
                req = req.json(&json!({ "unit": GUMEI, "decision": "approve", "comment": "" }));
            } else if c.route == "/api/v1/entitlements/{id}/withdraw" {
                req = req.json(&json!({ "reason": "测试理由" }));
            } else if let Some(body) = care::json_body(c.route, gumei_person, project) {
                req = req.json(&body);
            } else if c.route == "/api/v1/vouchers/{code}/redeem" {
                req = req.json(&json!({ "supermarket": "七宝慈善超市" }));
            } else if c.route == "/api/v1/check/decisions" {
                req = req.json(&json!({ "key": finding, "action": "dismiss", "reason": "测试理由" }));
            }
        } else if c.method == "POST" {
            if c.route == "/payments/batches/{id}/results" {
                req = req.multipart(
                    reqwest::multipart::Form::new()
                        .text("_csrf", csrf.clone())
                        .part("file", reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("r.csv")),
                );
            } else if c.route == "/vouchers/redemptions" {
                req = req.multipart(
                    reqwest::multipart::Form::new()
                        .text("_csrf", csrf.clone())
                        .text("supermarket", "七宝慈善超市")
                        .part(
                            "file",
                            reqwest::multipart::Part::bytes(
                                format!("卡券编号,兑换日期\n{voucher},2020-01-20\n").into_bytes(),
                            )
                            .file_name("r.csv"),
                        ),
                );
            } else if c.route == "/services/providers/{id}/deliveries" {
                req = req.multipart(
                    reqwest::multipart::Form::new()
                        .text("_csrf", csrf.clone())
                        .part("file", reqwest::multipart::Part::bytes(SERVICE_LIST.to_vec()).file_name("m.csv")),
                );
            } else if c.route == "/imports/upload" {
                req = req.multipart(
                    reqwest::multipart::Form::new().text("_csrf", csrf.clone()).text("project", "").part(
                        "file",
                        reqwest::multipart::Part::bytes(one_row_csv("某某", "310112197105050043", "七宝镇"))
                            .file_name("l.csv"),
                    ),
                );
            } else {
                req = req.form(&form_fields(&csrf, &finding, entitlement, gumei_person, project, &voucher));
            }
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let location = location(&r);
        // A workbook is read as its cells' text, so the markers are looked for in what it holds.
        let bytes = r.bytes().await.unwrap_or_default();
        let body = if c.path.contains("/export.xlsx") && status == StatusCode::OK {
            xlsx_text(&bytes)
        } else {
            String::from_utf8_lossy(&bytes).into_owned()
        };
        let label = format!("{} {} as {:?}", c.method, c.path, c.who);
        match &c.expect {
            Expect::NotFound => {
                assert_eq!(status, StatusCode::NOT_FOUND, "{label}: {body}");
                for m in &gumei_data {
                    assert!(!body.contains(m.as_str()), "{label} leaks {m}");
                }
            }
            Expect::Forbidden => assert_eq!(status, StatusCode::FORBIDDEN, "{label}: {body}"),
            Expect::NoData(markers) => {
                assert_eq!(status, StatusCode::OK, "{label}: {body}");
                for m in markers {
                    assert!(!body.contains(m.as_str()), "{label} shows {m}");
                }
            }
            Expect::SignInRequired => {
                if api {
                    assert_eq!(status, StatusCode::UNAUTHORIZED, "{label}");
                } else {
                    assert!(status == StatusCode::SEE_OTHER && location.starts_with("/login"), "{label}: {status}");
                }
            }
        }
    }

    // The owner still sees their own work (the cases above did not just find nothing at all), and
    // 古美's token was revoked by nobody, nor its entitlement withdrawn.
    assert!(app.store.entitlement(&yikou_domain::Scope::All, entitlement).await.unwrap().is_some());
    assert!(app.store.tokens(Some("gumei")).await.unwrap().iter().any(|t| t.id == gumei_token && t.state == "有效"));
    assert!(page(&app, &g, "/imports").await.1.contains(&batch));
    assert_eq!(page(&app, &g, &format!("/imports/{pending}/errors.xlsx")).await.0, StatusCode::OK);
    // The upload waits in 待完成的导入, and its result opens again.
    let own_imports = page(&app, &g, "/imports").await.1;
    assert!(own_imports.contains("待完成的导入") && own_imports.contains(&format!("/imports/{pending}\"")));
    let (status, result) = page(&app, &g, &format!("/imports/{pending}")).await;
    assert!(status.is_success() || status == StatusCode::UNPROCESSABLE_ENTITY, "{status}");
    assert!(result.contains(&format!("/imports/{pending}/commit")), "the commit is offered again");
    let (status, own) = page(&app, &g, &format!("/projects/{project}/export.csv")).await;
    assert!(status == StatusCode::OK && own.contains("古美甲"));
    let r = g.get(format!("{}/projects/{project}/export.xlsx", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(xlsx_text(&r.bytes().await.unwrap()).contains("古美甲"), "the workbook's markers are read from its cells");
}
