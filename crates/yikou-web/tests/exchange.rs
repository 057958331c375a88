//! Issue 16, point 6 over the API: the campaign for the municipal system in the Excel layout and in
//! the exchange layout, and a municipal roster loaded as the base register (whole, or not at all).

mod common;

use std::io::Read;

use calamine::{Data, Reader};
use common::*;
use reqwest::StatusCode;
use serde_json::Value;

async fn get(app: &App, token: &str, path: &str) -> reqwest::Response {
    reqwest::Client::new().get(format!("{}{path}", app.base)).bearer_auth(token).send().await.unwrap()
}

async fn upload(app: &App, token: &str, name: &str, text: &str) -> (StatusCode, Value) {
    let part = reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name(name.to_string());
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/exchange/base-register", app.base))
        .bearer_auth(token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

#[tokio::test]
async fn the_campaign_goes_to_the_municipal_system_as_a_workbook_or_the_exchange_files_and_is_on_record() {
    let app = start().await;
    let token = bearer(&app, "bureau").await;
    let r = get(&app, &token, "/api/v1/exchange/export.xlsx?campaign=2020").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("exchange_2020.xlsx"));
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(wb.sheet_names(), vec!["人员", "项目", "帮扶记录"]);
    let people = wb.worksheet_range("人员").unwrap();
    assert_eq!(people.get_value((0, 1)), Some(&Data::String("公民身份号码".into())));
    let ids: Vec<String> = (1..people.height() as u32).map(|r| people.get_value((r, 1)).unwrap().to_string()).collect();
    assert!(ids.contains(&"11010519491231002X".to_string()), "full numbers for the municipal system: {ids:?}");
    let ents = wb.worksheet_range("帮扶记录").unwrap();
    assert_eq!(ents.height(), 5, "the header and the four listings");
    assert_eq!(ents.get_value((1, 3)), Some(&Data::Float(900.0)), "金额（元） as a number");

    let r = get(&app, &token, "/api/v1/exchange/export.zip").await;
    assert_eq!(r.status(), StatusCode::OK);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(r.bytes().await.unwrap().to_vec())).unwrap();
    let mut names: Vec<String> = (0..zip.len()).map(|i| zip.by_index(i).unwrap().name().unwrap().to_string()).collect();
    names.sort();
    assert_eq!(names, vec!["entitlements.csv", "people.csv", "projects.csv"]);
    let mut text = String::new();
    zip.by_name("entitlements.csv").unwrap().read_to_string(&mut text).unwrap();
    assert!(
        text.starts_with("entitlement_id,project_id,person_id,amount_fen\n") && text.contains(",90000\n"),
        "{text}"
    );

    let records = app.store.audit_records(None, 50).await.unwrap();
    assert_eq!(records.iter().filter(|r| r.action == "campaign.export").count(), 2, "both exports on record");

    // A street's token: its area is not the district.
    let street = bearer(&app, "gumei").await;
    assert_eq!(get(&app, &street, "/api/v1/exchange/export.xlsx").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(get(&app, &token, "/api/v1/exchange/export.xlsx?campaign=1999").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_municipal_roster_is_loaded_whole_once_or_refused_with_every_bad_row() {
    let app = start().await;
    let token = bearer(&app, "bureau").await;
    let count = || async { app.store.count_people(&yikou_domain::Scope::All).await.unwrap() };
    assert_eq!(count().await, 3);
    // 古美甲 is registered (低保, DB); the roster adds 低收入 (DSR) and one person the district lacks.
    let roster = "公民身份号码,姓名,对象类别代码,是否已故\n11010519491231002X,古美甲,DB;DSR,否\n110105194912310038,市级新增,DB,否\n";
    let (status, body) = upload(&app, &token, "市级名单.csv", roster).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let r = &body["report"];
    assert_eq!(
        (r["rows"].as_i64(), r["people_created"].as_i64(), r["people_known"].as_i64()),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!((r["people_updated"].as_i64(), r["categories_set"].as_i64()), (Some(1), Some(1)), "{body}");
    assert_eq!(count().await, 4);
    let (status, body) = upload(&app, &token, "市级名单.csv", roster).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (body["report"]["people_created"].as_i64(), body["report"]["categories_set"].as_i64()),
        (Some(0), Some(0)),
        "the same roster again changes nothing: {body}"
    );

    let bad = "公民身份号码,姓名\n110105194912310039,号码有误\n310221194503150021,在册者\n";
    let (status, body) = upload(&app, &token, "有误.csv", bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "rows_rejected");
    assert_eq!(body["issues"][0]["row"], 2);
    assert_eq!(body["issues"][0]["column"], "有误.csv:id_number");
    assert!(body["issues"][0]["message"].as_str().unwrap().contains("校验位"), "{body}");
    assert_eq!(count().await, 4, "nothing of a refused roster is loaded");

    let (status, body) = upload(&app, &token, "无表头.csv", "电话\n13800000000\n").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["issues"][0]["message"].as_str().unwrap().contains("缺少列"), "{body}");

    // Found by the security probe: a street code the district does not have was a 500 (the
    // database's foreign key); a committee's code was taken as a street. Both are row problems now.
    let streets =
        "公民身份号码,姓名,街镇代码\n110105194912310038,甲,999999999999\n110105194912310038,乙,310112006001\n";
    let (status, body) = upload(&app, &token, "街镇.csv", streets).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!((body["issues"][0]["row"].as_i64(), body["issues"][1]["row"].as_i64()), (Some(2), Some(3)));
    assert_eq!(body["rows_with_issues"], 2);
    // The same person twice with two categories: one person, both categories; the next load of the
    // same file finds nothing to do. Row numbers are not kept as the person's id (they repeat).
    let twice = "公民身份号码,姓名,对象类别代码\n31011219500101003X,重复甲,DB\n31011219500101003X,重复乙,TK\n";
    let (_, first) = upload(&app, &token, "重复.csv", twice).await;
    assert_eq!(
        (first["report"]["people_created"].as_i64(), first["report"]["rows"].as_i64()),
        (Some(1), Some(2)),
        "{first}"
    );
    let (_, again) = upload(&app, &token, "重复.csv", twice).await;
    assert_eq!(again["report"]["categories_set"], 0, "{again}");
    let zip = reqwest::Client::new()
        .get(format!("{}/api/v1/exchange/export.zip", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip.to_vec())).unwrap();
    let mut people = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("people.csv").unwrap(), &mut people).unwrap();
    let ids: Vec<&str> = people.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    let unique: std::collections::HashSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "person ids unique in the export: {ids:?}");
    assert!(!ids.iter().any(|i| i.starts_with('R')), "{ids:?}");
}

#[tokio::test]
async fn a_register_export_never_shows_a_whole_number_typed_into_the_search() {
    let app = start().await;
    let (b, _) = signed_in(&app, "bureau").await;
    let r = b.get(format!("{}/people/export.xlsx?q=11010519491231002X", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = xlsx_text(&r.bytes().await.unwrap());
    assert!(!text.contains("11010519491231002X"), "{text}");
    assert!(text.contains("筛选条件：姓名、身份证号或电话：110105********002X"), "{text}");
}

#[tokio::test]
async fn a_register_export_with_an_age_typed_wrong_is_refused_and_a_bad_list_page_is_the_first() {
    let app = start().await;
    let (b, _) = signed_in(&app, "bureau").await;
    let (status, body) = page(&app, &b, "/people/export.csv?age_min=abc").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "not an export of everyone: {body}");
    assert!(body.contains("年龄下限") && body.contains("请改正筛选条件后再导出"), "{body}");
    let (status, list) = page(&app, &b, "/reports/list?by=street&street=310112006000&page=-1").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert!(list.contains("第 1 页"), "{list}");
}
