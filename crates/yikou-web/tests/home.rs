//! The home page is a worklist by role: a reviewer sees the findings waiting, an importer the lists
//! checked but not committed, the security administrator the locked accounts, the auditor today's
//! reveals; administrators see their own work, not a register count; the bureau sees the plan beside
//! what is listed. The projects list compares like with like.

mod common;

use common::{add_account, client, login, one_row_csv, page, signed_in, start};
use reqwest::StatusCode;

#[tokio::test]
async fn each_role_finds_its_own_work_on_the_home_page() {
    let app = start().await;
    let (g, token) = signed_in(&app, "gumei").await;
    let (_, home) = page(&app, &g, "/").await;
    assert!(home.contains("href=\"/check\">待处理的比对疑点 1 条"), "古美's duplicate waits: {home}");
    assert!(!home.contains("尚未确认导入"), "no upload yet");

    // A list checked but not committed waits on the home page.
    let form = reqwest::multipart::Form::new().text("_csrf", token.clone()).text("project", "").part(
        "file",
        reqwest::multipart::Part::bytes(one_row_csv("待导入", "310112195001010013", "古美街道")).file_name("a.csv"),
    );
    let r = g.post(format!("{}/imports/upload", app.base)).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (_, home) = page(&app, &g, "/").await;
    assert!(home.contains("href=\"/imports\">已检查、尚未确认导入的名单 1 份"), "{home}");

    // gumei reveals an ID number; qibao's account is locked by wrong passwords.
    let r = g
        .post(format!("{}/people/{}/reveal", app.base, app.people[0]))
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success() || r.status().is_redirection());
    let (x, _) = client();
    for _ in 0..5 {
        login(&app, &x, "qibao", "wrong-Password-1").await;
    }

    let (sec, _) = signed_in(&app, "secadmin").await;
    let (_, home) = page(&app, &sec, "/").await;
    assert!(home.contains("因多次输错密码被锁定的账号 1 个"), "{home}");
    assert!(!home.contains("帮困对象："), "an administrator's home is not a register count");

    let (aud, _) = signed_in(&app, "auditor").await;
    let (_, home) = page(&app, &aud, "/").await;
    assert!(home.contains("今天查看完整身份证号 1 次"), "{home}");

    let (sys, _) = signed_in(&app, "sysadmin").await;
    let (_, home) = page(&app, &sys, "/").await;
    assert!(home.contains("目前没有需要您处理的事项"), "{home}");
}

#[tokio::test]
async fn the_bureau_sees_the_plan_beside_the_lists_and_a_street_its_own_lists_labelled_as_such() {
    let app = start().await;
    let (b, _) = signed_in(&app, "bureau").await;
    let (_, home) = page(&app, &b, "/").await;
    assert!(home.contains("计划金额（万元）") && home.contains("占计划"), "{home}");
    let (_, projects) = page(&app, &b, "/projects").await;
    assert!(projects.contains("3人次") && projects.contains("4人次"), "planned and listed in 人次: {projects}");
    assert!(projects.contains("合计（万元）") && !projects.contains("全区计划"), "{projects}");
    assert!(projects.contains("4人次，0户"), "人次 and 户 are totalled apart: {projects}");
    let (_, project) = page(&app, &b, &format!("/projects/{}", app.project)).await;
    assert!(project.contains("4人次，") && !project.contains("人次人次"), "one unit, once: {project}");

    let (q, _) = signed_in(&app, "qibao").await;
    let (_, home) = page(&app, &q, "/").await;
    assert!(home.contains("您的工作范围内已列入的部分") && !home.contains("占计划"), "{home}");
    let (_, projects) = page(&app, &q, "/projects").await;
    assert!(
        projects.contains("全区计划") && projects.contains("本范围已列入") && projects.contains("1人次"),
        "{projects}"
    );
}

#[tokio::test]
async fn the_home_page_lists_rosters_to_submit_and_review_and_money_approved_against_paid() {
    use yikou_domain::reference::BUREAU_CODE;
    let app = start().await;
    add_account(&app, "checker", BUREAU_CODE, yikou_domain::Role::Reviewer).await;
    let (b, _) = signed_in(&app, "bureau").await;
    let (_, home) = page(&app, &b, "/").await;
    assert!(home.contains("本单位待提交审核的名单 1 份"), "{home}");
    let mut tx = app.store.write(&yikou_domain::Actor::system("test")).await.unwrap();
    yikou_store::rosters::submit(&mut tx, app.project, BUREAU_CODE).await.unwrap();
    tx.commit().await.unwrap();
    let (c, _) = signed_in(&app, "checker").await;
    let (_, home) = page(&app, &c, "/").await;
    assert!(home.contains("等待审核的名单 1 份") && !home.contains("发放进度"), "{home}");
    let mut tx = app.store.write(&yikou_domain::Actor::system("test")).await.unwrap();
    yikou_store::rosters::review(&mut tx, app.project, BUREAU_CODE, yikou_domain::roster::ReviewDecision::Approve, "")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (_, home) = page(&app, &b, "/").await;
    assert!(home.contains("已批准下达 4 笔 3,600.00 元；已发放 0 笔 0.00 元"), "{home}");
    let (g, _) = signed_in(&app, "gumei").await;
    assert!(page(&app, &g, "/").await.1.contains("已批准下达 3 笔 2,700.00 元"), "古美's part");
}
