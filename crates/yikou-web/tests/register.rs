//! The register pages (issue 13, points 5 and 10): search by part of an ID number or phone and by
//! name fragment within the user's area only, a mistyped ID number said to be one, filters, 共 N 人,
//! sorting, numbered pages; the person page's facts and totals; correcting contact details.

mod common;

use common::*;
use reqwest::StatusCode;
use time::macros::date;
use yikou_domain::reference::{UnitKind, BUREAU_CODE};
use yikou_domain::{
    Actor, Campaign, CountingUnit, EntitlementState, Fen, Form, Phone, Project, Role, Standard, UnitGroup,
};
use yikou_store::accounts::users::{create_user, NewUser};
use yikou_store::campaign::{self, NewEntitlement};
use yikou_store::reference::add_unit;
use yikou_store::register::{self, PersonUpdate};

const COMMITTEE: &str = "310112006901";

/// How many rows a register page lists.
fn rows(html: &str) -> usize {
    html.matches("<tr><td><a href=\"/people/").count()
}

fn total(html: &str) -> String {
    let at = html.find("共 ").unwrap_or_else(|| panic!("a count on the page:\n{html}")) + "共 ".len();
    html[at..].split(" 人").next().unwrap().to_string()
}

/// 古美甲 (GUMEI, …002X, 138****5678) in a committee and a household (with 七宝乙 of QIBAO), with
/// an address, an entitlement of an earlier campaign and a category more; a 回访员 of 古美.
async fn richer(app: &App) {
    let (gumei, qibao, third) = (app.people[0], app.people[1], app.people[2]);
    let mut tx = app.store.write(&Actor::system("test")).await.unwrap();
    add_unit(&mut tx, COMMITTEE, "古美测试居委会", UnitKind::Committee, GUMEI).await.unwrap();
    let h = register::create_household(&mut tx, "HH-0042", Some(GUMEI), Some(COMMITTEE)).await.unwrap();
    let u = PersonUpdate {
        committee_code: Some(Some(COMMITTEE.into())),
        household_id: Some(Some(h)),
        address: Some(Some("古美路100弄5号301室".into())),
        ..Default::default()
    };
    register::update_person(&mut tx, &yikou_domain::Scope::All, gumei, &u).await.unwrap();
    for other in [qibao, third] {
        let u = PersonUpdate { household_id: Some(Some(h)), ..Default::default() };
        register::update_person(&mut tx, &yikou_domain::Scope::All, other, &u).await.unwrap();
    }
    register::add_category(&mut tx, third, "TK", date!(2019 - 01 - 01), None).await.unwrap();
    let cid = campaign::create_campaign(&mut tx, &Campaign::standard(2019)).await.unwrap();
    let project = Project {
        code: "MZ-19".into(),
        name: "往年项目".into(),
        unit_code: BUREAU_CODE.into(),
        unit_group: UnitGroup::CivilAffairs,
        target_categories: vec!["DB".into()],
        form: Form::Cash,
        standard: Standard::PerPerson(Fen::from_yuan(500)),
        counting_unit: CountingUnit::Person,
        planned_count: 1,
        planned_budget: vec![("QJ".into(), Fen::from_yuan(500))],
        exclusive_group: None,
    };
    let pid = campaign::create_project(&mut tx, cid, &project).await.unwrap();
    let e = NewEntitlement {
        external_id: None,
        project_id: pid,
        person_id: gumei,
        household_id: None,
        household_size: None,
        source_code: "QJ".into(),
        amount: Fen(50_050),
        listed_name: None,
    };
    campaign::insert_entitlements(&mut tx, &[e], EntitlementState::Draft, "t").await.unwrap();
    let caller = NewUser {
        login: "caller".into(),
        display_name: "回访员".into(),
        unit_code: GUMEI.into(),
        role: Role::Caller,
        password: PASSWORD.into(),
        must_change_password: false,
    };
    create_user(&mut tx, &caller).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn part_of_a_number_or_name_finds_people_of_the_area_only() {
    let app = start().await;
    richer(&app).await;
    let (g, _) = signed_in(&app, "gumei").await;
    let (q, _) = signed_in(&app, "qibao").await;

    // The last four of an ID number, as the mask shows them (古美甲 …002X, 七宝乙 …001X).
    let (s, html) = page(&app, &g, "/people?q=002x").await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("古美甲") && html.contains("共 1 人"), "{html}");
    let (_, html) = page(&app, &q, "/people?q=002X").await;
    assert!(!html.contains("古美甲") && html.contains("共 0 人"), "another street's person is never found: {html}");
    let (_, html) = page(&app, &q, "/people?q=001X").await;
    assert!(html.contains("七宝乙"), "{html}");
    let (_, html) = page(&app, &g, "/people?q=001X").await;
    assert!(!html.contains("七宝乙") && html.contains("共 0 人"), "{html}");

    // The last four of a mobile (138****5678).
    let (_, html) = page(&app, &g, "/people?q=5678").await;
    assert!(html.contains("古美甲") && html.contains("共 1 人"), "{html}");
    let (_, html) = page(&app, &q, "/people?q=5678").await;
    assert!(!html.contains("古美甲"), "{html}");

    // A fragment from the middle of a name, not only its start.
    let (_, html) = page(&app, &g, "/people?q=%E7%BE%8E%E7%94%B2").await; // 美甲
    assert!(html.contains("古美甲"), "{html}");
    let (_, html) = page(&app, &q, "/people?q=%E7%BE%8E%E7%94%B2").await;
    assert!(!html.contains("古美甲"), "{html}");

    // A birth date with the last four: hidden digits, for a role that may reveal, and audited.
    let (s, html) = page(&app, &g, "/people?q=19491231+002X").await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("古美甲") && html.contains("共 1 人"), "{html}");
    let (_, html) = page(&app, &g, "/people?q=19491230+002X").await;
    assert!(html.contains("共 0 人"), "{html}");
    let searches = app.store.audit_records(Some(("person", "*")), 50).await.unwrap();
    let search = searches.iter().find(|r| r.action == "person.search").expect("the search is on record");
    assert!(search.actor == "gumei");
    let what = search.after_json.clone().unwrap_or_default();
    assert!(what.contains("********002X") && !what.contains("19491231"), "the birth date starred: {what}");
    // The match told gumei the hidden digits: on record as a reveal of that person, not only a search.
    let on_person = app.store.audit_records(Some(("person", &app.people[0].to_string())), 50).await.unwrap();
    let revealed = on_person.iter().filter(|r| r.action == "person.reveal_id" && r.actor == "gumei").count();
    assert_eq!(revealed, 1, "the person found by a birth date is on record as revealed: {on_person:?}");
    // The last six (the birth day's digits and the last four) likewise.
    let (_, html) = page(&app, &g, "/people?q=31002X").await;
    assert!(html.contains("古美甲"), "{html}");
    let (_, html) = page(&app, &q, "/people?q=31002X").await;
    assert!(!html.contains("古美甲"), "{html}");

    // A role that may not see full numbers may use what the masks show, not the hidden digits.
    let (c, _) = signed_in(&app, "caller").await;
    let (s, html) = page(&app, &c, "/people?q=002X").await;
    assert!(s == StatusCode::OK && html.contains("古美甲"), "{html}");
    for probe in ["19491231+002X", "31002X", "13812345678", "11010519491231002X"] {
        let (s, html) = page(&app, &c, &format!("/people?q={probe}")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{probe}: {html}");
        assert!(!html.contains("古美甲") && html.contains("后4位"), "{probe}: {html}");
    }
}

#[tokio::test]
async fn a_mistyped_id_number_is_said_to_be_one() {
    let app = start().await;
    let (g, _) = signed_in(&app, "gumei").await;
    // 古美甲's number with the wrong last character.
    let (s, html) = page(&app, &g, "/people?q=110105194912310021").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("校验位不对") && html.contains("class=\"error-summary\""), "{html}");
    assert!(html.contains("value=\"110105194912310021\""), "what was typed is kept: {html}");
    assert!(!html.contains("没有符合条件"), "not searched as a name: {html}");
    let (s, html) = page(&app, &g, "/people?q=1101051949123100").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("应为18位"), "{html}");
}

#[tokio::test]
async fn eight_digits_found_nowhere_say_how_they_were_read_and_what_to_type_instead() {
    let app = start().await;
    let (g, _) = signed_in(&app, "gumei").await;
    // A birth date alone (this century's dates have a landline's shape): found nowhere — and said
    // how it was read. (Last century's, 1949…, begin with 1 and are refused as unclear.)
    let (s, html) = page(&app, &g, "/people?q=20120305").await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("共 0 人") && html.contains("按完整电话号码查找"), "{html}");
    assert!(html.contains("出生日期加后4位"), "what to type for part of an ID number: {html}");
    let (_, html) = page(&app, &g, "/people?q=古美").await;
    assert!(html.contains("按姓名（含其中的字）查找") && !html.contains("出生日期加后4位"), "{html}");
}

#[tokio::test]
async fn filters_count_sort_and_pages() {
    let app = start().await;
    richer(&app).await;
    let more = list_more(&app, 60, GUMEI).await;
    let mut gumei: Vec<i64> = more.iter().copied().chain([app.people[0], app.people[2]]).collect();
    gumei.sort_unstable();
    let link = |id: i64| format!("<a href=\"/people/{id}\">");
    let (g, _) = signed_in(&app, "gumei").await;

    let (_, html) = page(&app, &g, "/people").await;
    assert_eq!(total(&html), "62", "古美's people only");
    assert_eq!(rows(&html), 50);
    // Keyset pages: the next page starts after the last person shown.
    let next = format!("href=\"/people?after={}\"", gumei[49]);
    assert!(html.contains("aria-label=\"分页\"") && html.contains(&next), "{html}");
    assert!(
        !html.contains("rel=\"prev\"") && !html.contains("before="),
        "the first page has nothing before it: {html}"
    );
    assert!(html.contains("古美测试居委会"), "the committee column names it: {html}");
    assert!(html.contains("<th scope=\"col\"><a href=\"/people?sort=committee\">居委</a>"), "{html}");

    // Page 2: the last twelve in registration order, with the way back.
    let (_, html) = page(&app, &g, &format!("/people?after={}", gumei[49])).await;
    assert_eq!(rows(&html), 12, "{html}");
    assert!(gumei[50..].iter().all(|&id| html.contains(&link(id))) && !html.contains(&link(gumei[49])), "{html}");
    assert!(!html.contains("rel=\"next\"") && !html.contains("end=1"), "nothing after the last: {html}");
    assert!(
        html.contains(&format!("href=\"/people?before={}\"", gumei[50])) && html.contains(">首页</a></li>"),
        "{html}"
    );
    // 上一页 from there is the first page again: the first fifty, and a next page.
    let (_, html) = page(&app, &g, &format!("/people?before={}", gumei[50])).await;
    assert_eq!(rows(&html), 50, "{html}");
    assert!(gumei[..50].iter().all(|&id| html.contains(&link(id))), "{html}");
    assert!(
        !html.contains("rel=\"prev\"") && html.contains(&next) && html.contains("href=\"/people?end=1\""),
        "{html}"
    );
    // 末页: the last fifty, read from the end (twelve before them).
    let (_, html) = page(&app, &g, "/people?end=1").await;
    assert_eq!(rows(&html), 50, "{html}");
    assert!(gumei[12..].iter().all(|&id| html.contains(&link(id))) && !html.contains(&link(gumei[11])), "{html}");
    assert!(html.contains(&format!("href=\"/people?before={}\"", gumei[12])), "{html}");
    assert!(html.contains("rel=\"prev\"") && !html.contains("rel=\"next\""), "{html}");

    // Filters: age, committee, category; each with its count.
    let (_, html) = page(&app, &g, "/people?age_min=80").await;
    assert_eq!(total(&html), "1", "only the one born in 1945: {html}");
    let (_, html) = page(&app, &g, "/people?age_max=79&age_min=76").await;
    assert_eq!(total(&html), "61");
    let (_, html) = page(&app, &g, &format!("/people?committee={COMMITTEE}")).await;
    assert_eq!(total(&html), "1");
    assert!(html.contains("古美甲"), "{html}");
    let (_, html) = page(&app, &g, "/people?category=TK").await;
    assert_eq!(total(&html), "1");
    assert!(html.contains("特困供养人员"), "the category column: {html}");
    let (s, html) = page(&app, &g, "/people?age_min=abc").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("年龄下限“abc”不是0到150之间的整数"), "{html}");

    // Sorting by age: the oldest first when descending, the youngest (签收…, 1950) first ascending.
    let (_, html) = page(&app, &g, "/people?sort=age&dir=desc").await;
    let first = |html: &str| html[html.find("<tbody>").unwrap()..].split("</a>").next().unwrap().to_string();
    assert!(first(&html).ends_with("𠮷䶮"), "the 1945 person first: {}", first(&html));
    assert!(html.find("古美甲").unwrap() < html.find(">签收0<").unwrap_or(usize::MAX), "{html}");
    assert!(html.contains("aria-sort=\"descending\""), "{html}");
    let (_, html) = page(&app, &g, "/people?sort=age").await;
    assert!(first(&html).contains("签收"), "{}", first(&html));
    // Sorting by name, and the next and previous pages keep the order (keyset on name, then id).
    let (_, html) = page(&app, &g, "/people?sort=name&dir=desc").await;
    let names_of = |html: &str| -> Vec<String> {
        let body = &html[html.find("<tbody>").unwrap()..html.find("</tbody>").unwrap()];
        body.split("<a href=\"/people/")
            .skip(1)
            .filter_map(|c| c.split('>').nth(1)?.split('<').next().map(String::from))
            .collect()
    };
    let p1 = names_of(&html);
    // The key a pager link carries (`after` or `before`).
    let key_of = |html: &str, which: &str| -> String {
        let link = format!("href=\"/people?sort=name&#38;dir=desc&#38;{which}=");
        html.split(&link).nth(1).unwrap().split('"').next().unwrap().to_string()
    };
    let key = key_of(&html, "after");
    let (_, p2) = page(&app, &g, &format!("/people?sort=name&dir=desc&after={key}")).await;
    assert_eq!(rows(&p2), 12);
    assert!(p2.contains(">签收0<"), "签收0 sorts last of the 签收 names: {p2}");
    let both: Vec<String> = p1.iter().cloned().chain(names_of(&p2)).collect();
    let mut sorted = both.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(both, sorted, "the two pages are one list in descending name order");
    let back = key_of(&p2, "before");
    let (_, again) = page(&app, &g, &format!("/people?sort=name&dir=desc&before={back}")).await;
    assert_eq!(names_of(&again), p1, "上一页 is the first page again");
    // A page key naming someone outside the area is refused, not used to place them.
    let (s, html) = page(&app, &g, &format!("/people?sort=name&after={}", app.people[1])).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("翻页位置无效"), "{html}");
}

#[tokio::test]
async fn the_person_page_has_the_facts_and_totals() {
    let app = start().await;
    richer(&app).await;
    let (g, _) = signed_in(&app, "gumei").await;
    let (s, html) = page(&app, &g, &format!("/people/{}", app.people[0])).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    for fact in
        ["古美路100弄5号301室", "HH-0042（户主）", "古美测试居委会", "76岁", "138****5678", "110105********002X"]
    {
        assert!(html.contains(fact), "{fact}: {html}");
    }
    // This campaign's two listings (900.00 each) and the earlier one (500.50), with totals.
    assert!(html.contains("2020年小计</th><th>2 人次</th><th class=\"num\">1,800.00</th>"), "{html}");
    assert!(html.contains("2019年小计</th><th>1 人次</th><th class=\"num\">500.50</th>"), "{html}");
    assert!(html.contains("<th>合计</th><th>3 人次</th><th class=\"num\">2,300.50</th>"), "{html}");
    assert!(html.contains("往年项目（MZ-19）"), "{html}");
    // The household's members in the area (masked), not the one of 七宝.
    assert!(html.contains("310221********0021"), "{html}");
    assert!(!html.contains("七宝乙") && !html.contains("340524"), "{html}");
    // The birth date is never beside the masked number.
    assert!(!html.contains("1949-12-31") && !html.contains("19491231"), "{html}");
}

#[tokio::test]
async fn contact_details_are_corrected_audited_and_refused_outside_the_area() {
    let app = start().await;
    let id = app.people[0];
    let (g, _) = signed_in(&app, "gumei").await;
    let (s, form) = page(&app, &g, &format!("/people/{id}/contact")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(form.contains("138****5678") && !form.contains("13812345678"), "the phone only masked: {form}");
    let token = csrf_in(&form);
    let url = format!("{}/people/{id}/contact", app.base);

    // A bad phone: the form again, the message beside the field, what was typed kept.
    let r = g
        .post(&url)
        .form(&[("_csrf", token.as_str()), ("phone", "1381234"), ("address", "新地址1号")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("class=\"field-error\">联系电话") && html.contains("格式不正确"), "{html}");
    assert!(html.contains("value=\"1381234\"") && html.contains("value=\"新地址1号\""), "{html}");
    assert!(html.contains("有1处需要修改"), "{html}");
    assert_eq!(
        app.store.person(&yikou_domain::Scope::All, id).await.unwrap().unwrap().phone_masked.as_deref(),
        Some("138****5678")
    );

    // Another street's clerk: not found, nothing changed.
    let (q, q_token) = signed_in(&app, "qibao").await;
    let r = q
        .post(&url)
        .form(&[("_csrf", q_token.as_str()), ("phone", "13900000000"), ("address", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(!r.text().await.unwrap().contains("古美甲"));

    // Saved: back to the person page, which says so and shows the new details.
    let r = g
        .post(&url)
        .form(&[("_csrf", token.as_str()), ("phone", "139 0000 1111"), ("address", "古美路2号")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/people/{id}?saved=1"));
    let (_, html) = page(&app, &g, &location(&r)).await;
    assert!(html.contains("联系方式已保存") && html.contains("139****1111") && html.contains("古美路2号"), "{html}");
    let p = app.store.person(&yikou_domain::Scope::All, id).await.unwrap().unwrap();
    assert_eq!(p.phone_masked.as_deref(), Some("139****1111"));
    assert_eq!(p.phone_masked, Some(Phone::parse("13900001111").unwrap().masked()));

    // On record with before and after, the phones masked, by the clerk.
    let records = app.store.audit_records(Some(("person", &id.to_string())), 10).await.unwrap();
    let rec = records.iter().find(|r| r.action == "person.update").expect("the edit is audited");
    assert_eq!(rec.actor, "gumei");
    let (before, after) = (rec.before_json.clone().unwrap(), rec.after_json.clone().unwrap());
    assert!(before.contains("138****5678") && after.contains("139****1111"), "{before} → {after}");
    assert!(before.contains("address") && after.contains("address"), "{before} → {after}");
    for whole in ["13812345678", "13900001111"] {
        assert!(!before.contains(whole) && !after.contains(whole), "{before} → {after}");
    }
    assert!(html.contains("修改帮困对象信息"), "the page's 操作记录 lists it: {html}");

    // Removing the phone.
    let r = g
        .post(&url)
        .form(&[("_csrf", token.as_str()), ("phone", ""), ("remove_phone", "1"), ("address", "古美路2号")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.store.person(&yikou_domain::Scope::All, id).await.unwrap().unwrap().phone_masked, None);
}

#[tokio::test]
async fn the_api_searches_the_same_way_and_keeps_its_shape() {
    let app = start().await;
    let token = bearer(&app, "gumei").await;
    let c = reqwest::Client::new();
    let get = |path: &str| c.get(format!("{}{path}", app.base)).bearer_auth(&token).send();
    let r = get("/api/v1/people?q=002X&age_min=70").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: serde_json::Value = r.json().await.unwrap();
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{v}");
    assert_eq!(items[0]["name"], "古美甲");
    assert_eq!(items[0]["id_number_masked"], "110105********002X");
    assert_eq!(items[0]["categories"], serde_json::json!(["DB"]));
    assert!(v.get("next_cursor").is_some());
    let v: serde_json::Value = get("/api/v1/people?q=002X&age_max=70").await.unwrap().json().await.unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 0, "{v}");
    let r = get("/api/v1/people?q=110105194912310021").await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(v["message"].as_str().unwrap().contains("校验位不对"), "{v}");
}

#[tokio::test]
async fn a_bank_account_is_entered_checked_masked_and_audited_without_its_number() {
    let app = start().await;
    let (g, _) = signed_in(&app, "gumei").await;
    let id = app.people[0];
    let (status, form) = page(&app, &g, &format!("/people/{id}/bank")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        form.contains("现登记：未登记") && form.contains("value=\"古美甲\""),
        "the holder defaults to the name: {form}"
    );
    let post = |account: &str, token: String| {
        let fields = [
            ("_csrf", token),
            ("holder", "古美甲".into()),
            ("bank_name", "工商银行闵行支行".into()),
            ("account", account.into()),
        ];
        let (g, url) = (g.clone(), format!("{}/people/{id}/bank", app.base));
        async move { g.post(url).form(&fields).send().await.unwrap() }
    };
    let r = post("6222-021", csrf_in(&form)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = r.text().await.unwrap();
    assert!(
        again.contains("银行账号格式不正确（共7位数字）") && again.contains("value=\"工商银行闵行支行\""),
        "{again}"
    );
    let r = post("6222 0210 0112 3456 789", csrf_in(&again)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, person) = page(&app, &g, &format!("/people/{id}")).await;
    assert!(person.contains("账号 ****6789") && !person.contains("6222021001123456789"), "{person}");
    let rec = &app.store.audit_records(Some(("person", &id.to_string())), 1).await.unwrap()[0];
    assert_eq!(rec.action, "person.bank_account");
    assert!(rec.after_json.as_deref().unwrap().contains("****6789"));
    assert!(!rec.after_json.as_deref().unwrap().contains("0112345"), "no account number in the audit log");
    let (q, _) = signed_in(&app, "qibao").await;
    assert_eq!(page(&app, &q, &format!("/people/{id}/bank")).await.0, StatusCode::NOT_FOUND);
}
