//! 随机电话回访 over the API (issue 15's contract): a sample drawn by the bureau, calls by a caller on
//! their share (a case opened exactly for a partial receipt), the results with the Wilson interval,
//! closing refused while the case is open and allowed with the bureau's reason.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yikou_domain::{Role, Scope};

async fn send(app: &App, token: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let c = reqwest::Client::new();
    let url = format!("{}{path}", app.base);
    let req = match body {
        Some(b) => c.post(url).json(&b),
        None => c.get(url),
    };
    let r = req.bearer_auth(token).send().await.unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_sample_is_drawn_called_by_its_caller_and_closed_only_when_its_cases_are() {
    let app = start().await;
    add_account(&app, "caller1", GUMEI, Role::Caller).await;
    // Everything approved and paid by signed sheets.
    approve_and_pay(&app, true).await;

    let bureau = bearer(&app, "bureau").await;
    let (status, v) =
        send(&app, &bureau, "/api/v1/samples", Some(json!({ "seed": 5, "size": 2, "callers": ["caller1"] }))).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    // Only 古美甲 has a phone: his two entries are the population, the other two are left out.
    assert_eq!(
        (v["population"].as_i64(), v["excluded_no_phone"].as_i64(), v["size"].as_i64()),
        (Some(2), Some(2), Some(2)),
        "{v}"
    );
    let sample = v["sample"].as_i64().unwrap();
    let ents = app.store.entitlements_of_person(&Scope::All, app.people[0]).await.unwrap();

    let caller = bearer(&app, "caller1").await;
    // The amount confirmed: half of the 900 yuan for a partial receipt, all of it in full.
    let call = |e: i64, received: &str| {
        let amount = if received == "partly" { 45_000 } else { 90_000 };
        json!({ "entitlement": e, "reached": "yes", "received": received, "amount_fen": amount, "satisfaction": 2 })
    };
    let (status, v) =
        send(&app, &caller, &format!("/api/v1/samples/{sample}/calls"), Some(call(ents[0].id, "partly"))).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let case = v["case"].as_i64().expect("a partial receipt opens a case");
    let (_, v) = send(&app, &caller, &format!("/api/v1/samples/{sample}/calls"), Some(call(ents[1].id, "full"))).await;
    assert_eq!(v["case"], Value::Null, "received in full: no case");
    let (status, v) = send(
        &app,
        &caller,
        &format!("/api/v1/samples/{sample}/calls"),
        Some(json!({ "entitlement": ents[0].id, "reached": "no", "received": "full" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"].as_str().unwrap().contains("未接通"));

    let (_, r) = send(&app, &bureau, &format!("/api/v1/samples/{sample}/results"), None).await;
    assert_eq!(
        (
            r["size"].as_i64(),
            r["called"].as_i64(),
            r["reached"].as_i64(),
            r["confirmed"].as_i64(),
            r["discrepancies"].as_i64(),
            r["open_cases"].as_i64()
        ),
        (Some(2), Some(2), Some(2), Some(1), Some(1), Some(1)),
        "{r}"
    );
    assert_eq!(r["discrepancy_rate"].as_f64(), Some(0.5));
    let (lo, hi) = (r["ci95"][0].as_f64().unwrap(), r["ci95"][1].as_f64().unwrap());
    assert!(lo < 0.5 && hi > 0.5 && lo >= 0.0 && hi <= 1.0, "{r}");

    let (status, v) = send(&app, &bureau, &format!("/api/v1/samples/{sample}/close"), Some(json!({}))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["open_cases"], json!([case]));
    let (status, v) = send(
        &app,
        &bureau,
        &format!("/api/v1/samples/{sample}/close"),
        Some(json!({ "reason": "已移交古美街道跟进补发" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let rec = &app.store.audit_records(Some(("sample", &sample.to_string())), 1).await.unwrap()[0];
    assert_eq!(rec.action, "followup.sample_close");
    assert!(rec.after_json.as_deref().unwrap().contains("已移交古美街道跟进补发"));
    assert!(
        !app.store.audit_records(None, 100).await.unwrap().iter().any(|a| a
            .after_json
            .as_deref()
            .unwrap_or_default()
            .contains("13812345678")),
        "no phone in the log"
    );
}

#[tokio::test]
async fn a_callers_pages_show_their_share_masked_and_the_number_only_on_request() {
    let app = start().await;
    add_account(&app, "caller1", GUMEI, Role::Caller).await;
    approve_and_pay(&app, true).await;
    // The bureau draws it from the page.
    let (b, _) = signed_in(&app, "bureau").await;
    let (_, list) = page(&app, &b, "/followup").await;
    let form = [
        ("_csrf", csrf_in(&list)),
        ("strata", "street".into()),
        ("size", "2".into()),
        ("callers", "caller1".into()),
        ("seed", "20200120".into()),
    ];
    let r = b.post(format!("{}/followup", app.base)).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let (c, _) = signed_in(&app, "caller1").await;
    let (status, mine) = page(&app, &c, &to).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert!(
        mine.contains("古美甲") && mine.contains("110105********002X") && !mine.contains("11010519491231002X"),
        "masked: {mine}"
    );
    assert!(!mine.contains("回访结果"), "a caller sees their share, not the results");
    let e = app.store.entitlements_of_person(&Scope::All, app.people[0]).await.unwrap()[0].id;
    let call_url = format!("{to}/call/{e}");
    let (_, form) = page(&app, &c, &call_url).await;
    assert!(form.contains("138****5678") && !form.contains("13812345678"), "{form}");
    let r = c.post(format!("{}{call_url}/dial", app.base)).form(&[("_csrf", csrf_in(&form))]).send().await.unwrap();
    let dialled = r.text().await.unwrap();
    assert!(dialled.contains("<strong>13812345678</strong>"), "{dialled}");
    let rec = &app.store.audit_records(Some(("person", &app.people[0].to_string())), 1).await.unwrap()[0];
    assert_eq!(rec.action, "followup.phone_view");
    assert!(!rec.after_json.as_deref().unwrap().contains("13812345678"));
    let fields = [
        ("_csrf", csrf_in(&dialled)),
        ("reached", "yes".into()),
        ("received", "none".into()),
        ("satisfaction", "1".into()),
    ];
    let r = c.post(format!("{}{call_url}", app.base)).form(&fields).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()["location"].to_str().unwrap().ends_with("called=case"));
    let (_, bureau_view) = page(&app, &b, &to).await;
    assert!(
        bureau_view.contains("回访结果") && bureau_view.contains("<svg") && bureau_view.contains("待办结"),
        "{bureau_view}"
    );
    // The results as a workbook.
    let r = b.get(format!("{}{to}/results.xlsx", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let rows = xlsx_rows(&r.bytes().await.unwrap());
    let text: Vec<String> = rows.iter().flatten().map(|c| c.to_string()).collect();
    assert!(
        text.iter().any(|t| t == "古美街道")
            && text.iter().any(|t| t == "问题率（%）")
            && text.iter().any(|t| t == "合计"),
        "{text:?}"
    );
    // The case: on the cases page of 古美 (whose person it is) to read, with its deadline; the unit
    // that paid (here the bureau) names an owner and resolves it — 古美 cannot act on it.
    let (g, _) = signed_in(&app, "gumei").await;
    let (_, seen) = page(&app, &g, "/followup/cases").await;
    assert!(seen.contains("待办结 <strong>1</strong> 件") && seen.contains("古美甲"), "{seen}");
    assert!(seen.contains("由发放单位办理") && !seen.contains("/resolve\""), "a street only reads another unit's case");
    let (q, _) = signed_in(&app, "qibao").await;
    assert!(!page(&app, &q, "/followup/cases").await.1.contains("古美甲"), "another street sees none of it");
    let (_, cases) = page(&app, &b, "/followup/cases").await;
    let action = |what: &str| {
        let at = cases.find(&format!("/{what}\"")).unwrap();
        format!("/followup/{}/{what}", cases[..at].rsplit("action=\"/followup/").next().unwrap())
    };
    let (assign, resolve) = (action("assign"), action("resolve"));
    // 古美 posting anyway: not found (the store's write is scoped to the unit that paid).
    let r = g
        .post(format!("{}{resolve}", app.base))
        .form(&[("_csrf", csrf_in(&seen)), ("resolution", "已核实".into())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let post = |fields: Vec<(&'static str, String)>, url: String| {
        let b = b.clone();
        async move { b.post(url).form(&fields).send().await.unwrap() }
    };
    // Named owner and deadline first (a past date refused, an owner outside the unit refused).
    let r = post(
        vec![("_csrf", csrf_in(&cases)), ("owner", "bureau".into()), ("deadline", "2000-01-01".into())],
        format!("{}{assign}", app.base),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("不是今天或以后的日期"));
    let due = yikou_domain::format_date(yikou_domain::today() + time::Duration::days(3));
    let r = post(
        vec![("_csrf", csrf_in(&cases)), ("owner", "gumei".into()), ("deadline", due.clone())],
        format!("{}{assign}", app.base),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "古美's account is not the paying unit's");
    assert!(r.text().await.unwrap().contains("不是发放单位或区民政局的可用账号"));
    let r = post(
        vec![("_csrf", csrf_in(&cases)), ("owner", "bureau".into()), ("deadline", due.clone())],
        format!("{}{assign}", app.base),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, cases) = page(&app, &b, "/followup/cases?assigned=1").await;
    assert!(
        cases.contains("经办人：bureau") && cases.contains(&due) && cases.contains("已保存经办人和期限"),
        "{cases}"
    );
    let fields = [("_csrf", csrf_in(&cases)), ("back", "cases".into()), ("resolution", "已上门核实，补发到位".into())];
    let r = b.post(format!("{}{resolve}", app.base)).form(&fields).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/followup/cases?done=1", "back to the cases page");
    let (_, after) = page(&app, &g, "/followup/cases").await;
    assert!(
        after.contains("处理结果：已上门核实，补发到位") && after.contains("待办结 <strong>0</strong> 件"),
        "{after}"
    );
}

#[tokio::test]
async fn the_bureau_draws_with_filters_reads_the_summary_and_the_home_page_says_what_waits() {
    let app = start().await;
    add_account(&app, "caller1", GUMEI, Role::Caller).await;
    approve_and_pay(&app, true).await;
    let (b, _) = signed_in(&app, "bureau").await;
    let (_, list) = page(&app, &b, "/followup").await;
    assert!(list.contains("name=\"street\" value=\"310112006000\"") && list.contains("现有回访员：caller1"), "{list}");
    let post = |fields: Vec<(&'static str, String)>| {
        let b = b.clone();
        let url = format!("{}/followup", app.base);
        async move { b.post(url).form(&fields).send().await.unwrap() }
    };
    // A bad margin is named; the form comes back as typed.
    let r = post(vec![
        ("_csrf", csrf_in(&list)),
        ("mode", "formula".into()),
        ("margin", "abc".into()),
        ("street", GUMEI.into()),
        ("seed", "777".into()),
    ])
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let back = r.text().await.unwrap();
    assert!(back.contains("允许误差（%）须为") && back.contains("value=\"777\"") && back.contains("value=\"abc\""));
    assert!(back.contains(&format!("value=\"{GUMEI}\" checked")), "the street stays ticked");
    // An account that is not a caller is named, and nothing is drawn.
    let r = post(vec![("_csrf", csrf_in(&list)), ("callers", "nobody".into()), ("seed", "777".into())]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("回访员账号“nobody”不存在"));
    // 古美 only, all of it (100 %), by street, shared with caller1.
    let r = post(vec![
        ("_csrf", csrf_in(&list)),
        ("mode", "percent".into()),
        ("percent", "100".into()),
        ("street", GUMEI.into()),
        ("strata", "street".into()),
        ("callers", "caller1".into()),
        ("seed", "777".into()),
    ])
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let (_, sample) = page(&app, &b, &to).await;
    assert!(sample.contains("街镇：古美街道") && sample.contains("的100%，向上取整：2"), "{sample}");
    assert!(sample.contains("按街镇，每层至少2人") && sample.contains("回访总结"), "{sample}");

    // The caller's home page counts the people still to reach; one call with a need heard.
    let (c, _) = signed_in(&app, "caller1").await;
    let (_, home) = page(&app, &c, "/").await;
    assert!(home.contains("分配给您、尚未接通的回访对象 2 个"), "{home}");
    let e = app.store.entitlements_of_person(&Scope::All, app.people[0]).await.unwrap()[0].id;
    let (_, form) = page(&app, &c, &format!("{to}/call/{e}")).await;
    let fields = [
        ("_csrf", csrf_in(&form)),
        ("reached", "yes".into()),
        ("received", "partly".into()),
        ("satisfaction", "2".into()),
        ("needs", "希望春节前上门送米和油".into()),
    ];
    let r = c.post(format!("{}{to}/call/{e}", app.base)).form(&fields).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(page(&app, &c, "/").await.1.contains("尚未接通的回访对象 1 个"));
    assert_eq!(page(&app, &c, &format!("{to}/report")).await.0, StatusCode::FORBIDDEN, "a caller reads no summary");

    // The summary: how it was drawn, the answers, the charts, the case and the need.
    let (status, report) = page(&app, &b, &format!("{to}/report")).await;
    assert_eq!(status, StatusCode::OK);
    for part in [
        "电话回访总结",
        "街镇：古美街道",
        "随机种子</dt><dd>777",
        "接通 1 人（接通率 50.0%）",
        "部分收到 1 人",
        "问题率 100.0%",
        "<svg class=\"chart\"",
        "问题件明细",
        "希望春节前上门送米和油",
        "110105********002X",
    ] {
        assert!(report.contains(part), "{part} missing: {report}");
    }
    assert!(!report.contains("11010519491231002X") && !report.contains("13812345678"), "masked throughout");
    // Another street sees nothing of it; 古美's own street office sees its part and its open case.
    let (q, _) = signed_in(&app, "qibao").await;
    assert_eq!(page(&app, &q, &format!("{to}/report")).await.0, StatusCode::NOT_FOUND);
    assert!(page(&app, &b, "/").await.1.contains("待办结的回访问题件 1 个"), "the paying unit's (the bureau's) work");
    let (g, _) = signed_in(&app, "gumei").await;
    assert!(!page(&app, &g, "/").await.1.contains("回访问题件"), "not 古美's to resolve: not on its list");
}
