//! Deciding findings on the 比对核查 page (issue 13, point 4), over HTTP against the real
//! application: a refused dismissal shows the same list with the message beside its row and the
//! reason as typed; a decision goes back to the same list with a message and new counts; 待处理 /
//! 已处理; who decided and when; fifty a page; people and projects as links.

mod common;

use common::*;
use reqwest::StatusCode;
use time::macros::date;
use yikou_domain::{Actor, IdNumber};
use yikou_store::register::{self, NewPerson};

/// The table row of the page that holds the finding's key.
fn row_of<'a>(html: &'a str, key: &str) -> &'a str {
    let at = html.find(&format!("value=\"{key}\"")).unwrap_or_else(|| panic!("{key} listed:\n{html}"));
    let start = html[..at].rfind("<tr").unwrap();
    let end = at + html[at..].find("</tr>").unwrap();
    &html[start..end]
}

/// The names "遗漏NN" a page lists.
fn listed(html: &str) -> std::collections::BTreeSet<String> {
    html.match_indices("遗漏")
        .filter_map(|(at, _)| html.get(at..at + "遗漏".len() + 2))
        .filter(|n| n.ends_with(|c: char| c.is_ascii_digit()))
        .map(str::to_string)
        .collect()
}

async fn decide(app: &App, c: &reqwest::Client, page: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let token = csrf_in(page);
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("_csrf", &token));
    c.post(format!("{}/check/decide", app.base)).form(&form).send().await.unwrap()
}

#[tokio::test]
async fn a_dismissal_without_a_reason_shows_the_same_list_with_the_message_beside_the_row_and_the_text_kept() {
    let app = start().await;
    let (c, _) = signed_in(&app, "gumei").await;
    let key = format!("dup_in_project:MZ-01:{}", app.people[0]);
    let (_, list) = page(&app, &c, "/check?type=dup_in_project&status=open&page=1").await;
    let fields = [
        ("key", key.as_str()),
        ("action", "dismiss"),
        ("reason", "重"),
        ("type", "dup_in_project"),
        ("status", "open"),
        ("page", "1"),
    ];
    let r = decide(&app, &c, &list, &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("class=\"error-summary\"") && html.contains("<h2>同一项目重复</h2>"), "the same list");
    let row = row_of(&html, &key);
    assert!(row.contains("class=\"field-error\"") && row.contains("排除疑点必须填写理由"), "beside the row: {row}");
    assert!(row.contains("value=\"重\"") && row.contains("aria-invalid=\"true\""), "what was typed kept: {row}");
    assert!(html.contains("href=\"#reason-0\""), "the summary leads to the field");
    assert!(row.contains("待处理"), "nothing was decided");
}

#[tokio::test]
async fn a_decision_goes_back_to_the_same_list_with_a_message_new_counts_and_who_decided_when() {
    let app = start().await;
    let (c, _) = signed_in(&app, "gumei").await;
    let key = format!("dup_in_project:MZ-01:{}", app.people[0]);
    let (_, list) = page(&app, &c, "/check").await;
    assert!(
        list.contains("同一项目重复（待处理 1，共 1）") && list.contains("待处理（1）") && list.contains("已处理（0）")
    );
    // Types without findings are not tabs: they are named apart, without links.
    assert!(list.contains("没有疑点：") && list.contains("已故人员在册") && !list.contains("type=deceased_paid"));
    assert!(list.contains("aria-label=\"核实无误，排除 古美甲 的疑点\""), "buttons say whose finding");
    let fields = [
        ("key", key.as_str()),
        ("action", "dismiss"),
        ("reason", "同一笔重复录入，已撤销另一笔"),
        ("type", "dup_in_project"),
        ("status", "open"),
        ("page", "1"),
    ];
    let r = decide(&app, &c, &list, &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r);
    assert!(to.starts_with("/check?type=dup_in_project&status=open&page=1&done="), "{to}");
    let (_, back) = page(&app, &c, &to).await;
    assert!(
        back.contains("class=\"notice\"")
            && back.contains("已排除“古美甲”的疑点（理由：同一笔重复录入，已撤销另一笔）")
    );
    assert!(back.contains("同一项目重复（待处理 0，共 1）") && back.contains("已处理（1）"), "counts updated");
    assert!(back.contains("此类没有待处理的疑点") && !back.contains(&format!("value=\"{key}\"")), "off the to-do list");

    // 已处理: the decision, its reason, who and when (Beijing time).
    let (_, done) = page(&app, &c, "/check?type=dup_in_project&status=done").await;
    let stored = yikou_service::check::run(&app.store, &Actor::system("t"), None).await.unwrap();
    let at = stored.report.findings.iter().find(|f| f.key == key).unwrap().decided_at.clone().unwrap();
    let row = row_of(&done, &key);
    assert!(row.contains("已排除") && row.contains("理由：同一笔重复录入"), "{row}");
    assert!(
        row.contains("处理人：gumei的名字")
            && row.contains(&format!("{}（北京时间）", yikou_domain::clock::beijing(&at))),
        "{row}"
    );
    assert_ne!(yikou_domain::clock::beijing(&at), at, "shown converted, not as stored");

    // Confirming instead: the message says so.
    let fields = [("key", key.as_str()), ("action", "confirm"), ("reason", ""), ("status", "done")];
    let r = decide(&app, &c, &done, &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, back) = page(&app, &c, &location(&r)).await;
    assert!(back.contains("已确认“古美甲”的疑点有误，需纠正") && row_of(&back, &key).contains("已确认"));
}

#[tokio::test]
async fn people_and_projects_link_to_their_pages() {
    let app = start().await;
    let (c, _) = signed_in(&app, "gumei").await;
    let (_, list) = page(&app, &c, "/check?type=dup_in_project").await;
    let row = row_of(&list, &format!("dup_in_project:MZ-01:{}", app.people[0]));
    assert!(row.contains(&format!("<a href=\"/people/{}\">古美甲 110105********002X</a>", app.people[0])), "{row}");
    assert!(row.contains(&format!("<a href=\"/projects/{}\">测试项目（MZ-01）</a>", app.project)), "{row}");
    assert!(row.contains("古美街道"), "the street by name: {row}");
}

#[tokio::test]
async fn fifty_findings_a_page_with_the_count_and_page_numbers() {
    let app = start().await;
    // Sixty people of 古美 in a category the project covers, listed nowhere: sixty omissions.
    let people: Vec<NewPerson> = (1..=60)
        .map(|i| {
            let first17 = format!("31011219500101{:03}", 100 + i);
            let id = format!("{first17}{}", yikou_domain::id_number::check_char(first17.as_bytes()));
            NewPerson {
                external_id: None,
                id_number: IdNumber::parse(&id).unwrap(),
                name: format!("遗漏{i:02}"),
                phone: None,
                address: None,
                street_code: Some(GUMEI.into()),
                committee_code: None,
                household_id: None,
                is_household_head: true,
                categories: vec![("DB".into(), date!(2019 - 01 - 01), None)],
            }
        })
        .collect();
    let mut tx = app.store.write(&Actor::system("test")).await.unwrap();
    register::insert_people(&mut tx, &people, "t").await.unwrap();
    tx.commit().await.unwrap();

    let (c, _) = signed_in(&app, "gumei").await;
    let (_, first) = page(&app, &c, "/check?type=omissions&status=open").await;
    assert!(first.contains("共 60 条，第 1/2 页"), "{first}");
    assert_eq!(first.matches("<tr id=\"finding-").count(), 50);
    assert!(first.contains("href=\"/check?type=omissions&#38;status=open&#38;page=2\""), "a link to page 2");
    assert!(!first.contains("导出Excel”下载完整清单"), "no cut-off list");
    let (_, second) = page(&app, &c, "/check?type=omissions&status=open&page=2").await;
    assert!(second.contains("共 60 条，第 2/2 页"));
    assert_eq!(second.matches("<tr id=\"finding-").count(), 10);
    // The two pages share no one and together list everyone.
    let (a, b) = (listed(&first), listed(&second));
    assert_eq!((a.len(), b.len()), (50, 10));
    assert!(a.is_disjoint(&b));
    assert_eq!(a.union(&b).count(), 60);
    // A page past the end shows the last one.
    let (_, past) = page(&app, &c, "/check?type=omissions&status=open&page=9").await;
    assert!(past.contains("第 2/2 页"));
}

#[tokio::test]
async fn a_row_offers_to_withdraw_the_listing_it_points_at_with_a_reason_and_the_finding_then_goes() {
    let app = start().await;
    let (c, _) = signed_in(&app, "gumei").await;
    let key = format!("dup_in_project:MZ-01:{}", app.people[0]);
    let list_url = "/check?type=dup_in_project&status=open&page=1";
    let (_, list) = page(&app, &c, list_url).await;
    let row = row_of(&list, &key).to_string();
    let offered: Vec<i64> = row
        .match_indices("name=\"entitlement\" value=\"")
        .map(|(at, m)| row[at + m.len()..].split('"').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(offered.len(), 2, "both listings are offered: {row}");
    assert!(row.contains("formaction=\"/check/withdraw\"") && row.contains("测试项目"), "{row}");
    let post = |fields: Vec<(&'static str, String)>, token: String| {
        let (c, base) = (c.clone(), app.base.clone());
        async move {
            let mut form = fields;
            form.push(("_csrf", token));
            c.post(format!("{base}/check/withdraw")).form(&form).send().await.unwrap()
        }
    };
    let fields = |reason: &str| {
        vec![
            ("key", key.clone()),
            ("entitlement", offered[1].to_string()),
            ("reason", reason.to_string()),
            ("type", "dup_in_project".into()),
            ("status", "open".into()),
            ("page", "1".into()),
        ]
    };

    // Without a reason: the same list, the message beside the row, nothing withdrawn.
    let r = post(fields(""), csrf_in(&list)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(row_of(&html, &key).contains("请写明撤销理由"), "{html}");
    assert!(app.store.entitlement(&yikou_domain::Scope::All, offered[1]).await.unwrap().is_some());

    // With one: gone, said so, audited, and the finding no longer listed.
    let r = post(fields("与另一笔重复录入"), csrf_in(&html)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.contains(&format!("withdrawn={}", offered[1])), "{to}");
    let (_, after) = page(&app, &c, &to).await;
    assert!(
        after.contains(&format!("已撤销第 {} 号帮扶记录", offered[1])) && after.contains("与另一笔重复录入"),
        "{after}"
    );
    assert!(!after.contains(&format!("value=\"{key}\"")), "the finding went with the second listing");
    assert!(app.store.entitlement(&yikou_domain::Scope::All, offered[1]).await.unwrap().is_none());
    assert!(app.store.entitlement(&yikou_domain::Scope::All, offered[0]).await.unwrap().is_some(), "only one");
    let record = &app.store.audit_records(Some(("entitlement", &offered[1].to_string())), 1).await.unwrap()[0];
    assert_eq!((record.action.as_str(), record.actor.as_str()), ("entitlement.withdraw", "gumei"));
    assert!(record.after_json.as_deref().unwrap().contains("与另一笔重复录入"));
    // Another street's notice is not told what gumei withdrew.
    let (q, _) = signed_in(&app, "qibao").await;
    assert!(!page(&app, &q, &to).await.1.contains("已撤销第"));
}

#[tokio::test]
async fn a_reviewer_is_not_offered_withdrawal_and_the_api_refuses_a_submitted_entitlement() {
    let app = start().await;
    add_account(&app, "checker", yikou_domain::reference::BUREAU_CODE, yikou_domain::Role::Reviewer).await;
    let (c, _) = signed_in(&app, "checker").await;
    let (status, list) = page(&app, &c, "/check?type=dup_in_project").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        list.contains("核实无误，排除") && !list.contains("/check/withdraw"),
        "a reviewer decides, does not correct"
    );
    let ents = app.store.entitlements_of_person(&yikou_domain::Scope::All, app.people[0]).await.unwrap();
    let api = |who: &'static str, id: i64| {
        let app = &app;
        async move {
            let token = bearer(app, who).await;
            reqwest::Client::new()
                .post(format!("{}/api/v1/entitlements/{id}/withdraw", app.base))
                .bearer_auth(token)
                .json(&serde_json::json!({ "reason": "与另一笔重复" }))
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(api("checker", ents[0].id).await.status(), StatusCode::FORBIDDEN);
    let mut tx = app.store.write(&Actor::system("test")).await.unwrap();
    yikou_store::campaign::transition_entitlement(
        &mut tx,
        &yikou_domain::Scope::All,
        ents[0].id,
        yikou_domain::EntitlementState::Submitted,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let r = api("gumei", ents[0].id).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("已提交，不能撤销"));
    let r = api("gumei", ents[1].id).await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!((body["withdrawn"].as_i64(), body["project"].as_str()), (Some(ents[1].id), Some("MZ-01")));
}

/// The time of computing the page shows, e.g. "比对结果计算于 2026-12-07 15:30:05".
fn computed_on(html: &str) -> String {
    let at = html.find("比对结果计算于 ").expect("the page says when the findings were computed");
    html[at..].chars().skip("比对结果计算于 ".chars().count()).take(19).collect()
}

#[tokio::test]
async fn the_page_reads_the_stored_findings_says_when_they_were_computed_and_they_follow_a_change() {
    let app = start().await;
    let (c, _) = signed_in(&app, "gumei").await;
    let (_, first) = page(&app, &c, "/check?type=omissions").await;
    let stored = yikou_service::check::run(&app.store, &Actor::system("t"), None).await.unwrap();
    assert_eq!(computed_on(&first), yikou_domain::clock::beijing_seconds(&stored.report.computed_at), "{first}");
    // Opening it again runs nothing: the same run.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, again) = page(&app, &c, "/check?type=omissions").await;
    assert_eq!(computed_on(&again), computed_on(&first));
    assert!(!again.contains("新遗漏"));
    // A person registered meanwhile (and in a category no project covered): computed again.
    let first17 = "31011219500101201";
    let id = format!("{first17}{}", yikou_domain::id_number::check_char(first17.as_bytes()));
    let mut tx = app.store.write(&Actor::system("test")).await.unwrap();
    let new = NewPerson {
        external_id: None,
        id_number: IdNumber::parse(&id).unwrap(),
        name: "新遗漏".into(),
        phone: None,
        address: None,
        street_code: Some(GUMEI.into()),
        committee_code: None,
        household_id: None,
        is_household_head: true,
        categories: vec![("DB".into(), date!(2019 - 01 - 01), None)],
    };
    register::insert_people(&mut tx, &[new], "t").await.unwrap();
    tx.commit().await.unwrap();
    let (_, after) = page(&app, &c, "/check?type=omissions").await;
    assert_ne!(computed_on(&after), computed_on(&first), "run again after the change");
    assert!(after.contains("新遗漏"), "the new person's omission is listed");
    // The API says when, too.
    let token = app.store.create_token(&Actor::system("test"), "gumei").await.unwrap();
    let api = c.get(format!("{}/api/v1/check", app.base)).bearer_auth(&token).send().await.unwrap();
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(yikou_domain::clock::beijing_seconds(body["computed_at"].as_str().unwrap()), computed_on(&after));
}
