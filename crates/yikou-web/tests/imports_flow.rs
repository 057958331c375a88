//! Imports without dead ends: every refusal re-shows the page the clerk was on with the reason on
//! it (an unreadable file, a commit without accepting the valid rows), a list with nothing valid
//! offers no commit, a street clerk's list without a 街镇 column is of their street (and the page
//! says so), and the page shows how each column was read.

mod common;

use common::{signed_in, start, App};
use reqwest::{Client, StatusCode};

async fn upload(app: &App, c: &Client, token: &str, name: &str, bytes: Vec<u8>) -> (StatusCode, String) {
    let form = reqwest::multipart::Form::new()
        .text("_csrf", token.to_string())
        .text("project", "")
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
    let r = c.post(format!("{}/imports/upload", app.base)).multipart(form).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

fn commit_url(result: &str) -> Option<String> {
    let at = result.find("action=\"/imports/")? + 8;
    Some(result[at..].split('"').next()?.to_string())
}

#[tokio::test]
async fn an_unreadable_file_re_shows_the_import_page_with_the_reason() {
    let app = start().await;
    let (c, token) = signed_in(&app, "gumei").await;
    let (status, page) = upload(&app, &c, &token, "扫描件.xlsx", b"%PDF-1.7 a scan".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("未能检查这个文件") && page.contains("action=\"/imports/upload\""), "{page}");
    assert!(page.contains("aria-label=\"主菜单\"") && !page.contains("返回首页"));
}

#[tokio::test]
async fn a_commit_without_accepting_keeps_the_result_and_nothing_valid_offers_no_commit() {
    let app = start().await;
    let (c, token) = signed_in(&app, "gumei").await;
    let list = "姓名,身份证号,性别,联系电话,户籍/居住地址,街镇,居委,类别,金额,备注\n\
                新对象,310112195001010013,男,,,古美街道,,低保家庭,,\n\
                错号码,310112195001010012,男,,,古美街道,,低保家庭,,\n";
    let (_, result) = upload(&app, &c, &token, "名单.csv", list.as_bytes().to_vec()).await;
    let url = commit_url(&result).expect("a commit form");
    let r = c.post(format!("{}{url}", app.base)).form(&[("_csrf", token.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = r.text().await.unwrap();
    assert!(again.contains("<h2>未导入</h2>") && again.contains("只导入正确的行"), "the reason: {again}");
    assert!(again.contains("第3行") && again.contains("只导入正确的 1 行"), "the result is still there");
    // The error workbook keeps the list's own name.
    let book = c.get(format!("{}{}", app.base, url.replace("/commit", "/errors.xlsx"))).send().await.unwrap();
    let disposition = book.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(
        disposition.contains("filename*=UTF-8''%E5%90%8D%E5%8D%95-%E9%94%99%E8%AF%AF%E8%A1%8C.xlsx"),
        "{disposition}"
    );

    let only_bad = "姓名,身份证号,街镇,类别\n错号码,310112195001010012,古美街道,低保家庭\n";
    let (_, result) = upload(&app, &c, &token, "全错.csv", only_bad.as_bytes().to_vec()).await;
    assert!(result.contains("没有可以导入的行"), "{result}");
    assert!(!result.contains("只导入正确的 0 行") && commit_url(&result).is_none(), "no commit of nothing");
}

#[tokio::test]
async fn a_street_list_without_a_street_column_is_the_clerks_street_and_the_columns_are_shown() {
    let app = start().await;
    let (c, token) = signed_in(&app, "gumei").await;
    let list = "名字,身份证,住址,类别\n无街镇,310112195001010013,某路1号,低保家庭\n";
    let (status, result) = upload(&app, &c, &token, "无街镇.csv", list.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert!(result.contains("名单没有“街镇”列：各行按您所在的古美街道导入"), "{result}");
    assert!(result.contains("名字 → 姓名") && result.contains("身份证 → 身份证号"), "{result}");
    let url = commit_url(&result).unwrap();
    let r = c.post(format!("{}{url}", app.base)).form(&[("_csrf", token.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (_, people) = common::page(&app, &c, "/people?q=无街镇").await;
    assert!(people.contains(">无街镇</a>") && people.contains("古美街道"), "imported for 古美: {people}");
}
