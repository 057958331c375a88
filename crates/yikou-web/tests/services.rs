//! 上门服务 through the pages and the API: a street registers a purchased-service provider with its
//! contract; its monthly list with planted bad rows is refused with every problem named by row and
//! column and nothing recorded; the corrected list is recorded, and recorded again changes nothing;
//! the totals count deliveries, people and hours; the person's timeline shows the service; another
//! street can neither see the provider nor import for it.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::Value;

fn upload(csrf: &str, csv: String) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("_csrf", csrf.to_string())
        .part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("一月服务明细.csv"))
}

#[tokio::test]
async fn a_monthly_list_with_bad_rows_is_refused_whole_and_a_clean_one_recorded_once() {
    let app = start().await;
    let (g, csrf) = signed_in(&app, "gumei").await;
    let today = yikou_domain::today();
    let (from, until) = (today - time::Duration::days(20), today + time::Duration::days(300));
    let r = g
        .post(format!("{}/services/providers", app.base))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("name", "古美助老服务社"),
            ("provider_kind", "contract"),
            ("contract_from", &yikou_domain::format_date(from)),
            ("contract_until", &yikou_domain::format_date(until)),
            ("contract_amount", "120000"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, list) = page(&app, &g, "/services").await;
    assert!(list.contains("古美助老服务社") && list.contains("120,000.00 元"), "{list}");
    let id = list[list.find("/services/providers/").unwrap() + 20..].split('"').next().unwrap().to_string();

    let d = |n: i64| yikou_domain::format_date(today - time::Duration::days(n));
    let early = yikou_domain::format_date(from - time::Duration::days(1));
    let bad = format!(
        "古美助老服务社服务明细\n姓名,身份证号,服务类别,服务日期,时长（小时）\n\
         古美甲,11010519491231002X,助洁,{},1.5\n\
         古美甲,110105194912310021,助洁,{},1\n\
         七宝乙,34052419800101001X,助餐,{},1\n\
         张冒名,11010519491231002X,助餐,{},1\n\
         古美甲,11010519491231002X,理发,{},1\n\
         古美甲,11010519491231002X,助浴,2020-02-30,1\n\
         古美甲,11010519491231002X,助浴,{early},1\n\
         古美甲,11010519491231002X,助浴,{},0\n\
         无证人,,助洁,{},1\n\
         古美甲,11010519491231002X,助餐,{},1.5\n",
        d(1),
        d(2),
        d(3),
        d(4),
        d(5),
        d(6),
        d(7),
        d(8)
    );
    let r = g
        .post(format!("{}/services/providers/{id}/deliveries", app.base))
        .multipart(upload(&csrf, bad))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    for (row, said) in [
        ("<td class=\"num\">4</td><td>身份证号</td>", "身份证号不正确"),
        ("<td class=\"num\">5</td><td>身份证号</td>", "本辖区登记名册中没有身份证号"),
        ("<td class=\"num\">6</td><td>姓名</td>", "与登记名册不符"),
        ("<td class=\"num\">7</td><td>服务类别</td>", "“理发”不在目录中"),
        ("<td class=\"num\">8</td><td>服务日期</td>", "“2020-02-30”不正确"),
        ("<td class=\"num\">9</td><td>服务日期</td>", "不在合同期内"),
        ("<td class=\"num\">10</td><td>数量</td>", "数量“0”不正确"),
        ("<td class=\"num\">11</td><td>身份证号</td>", "请填写身份证号"),
        ("<td class=\"num\">12</td><td>数量</td>", "助餐按次计，数量“1.5”应为整数"),
    ] {
        assert!(html.contains(row) && html.contains(said), "row {row}: {said}\n{html}");
    }
    assert!(html.contains("共 10 行，其中 9 行有错误，未导入任何一行"), "{html}");
    assert!(!html.contains("34052419800101001X"), "an ID number named in a message is masked");
    let (_, after) = page(&app, &g, &format!("/services/providers/{id}")).await;
    assert!(after.contains("尚无服务记录"), "nothing of the refused list was recorded");

    let good = format!(
        "姓名,身份证号,服务类别,服务日期,数量\n古美甲,11010519491231002X,助洁,{},1.5\n古美甲,11010519491231002X,助餐,{},1\n",
        d(1),
        d(2)
    );
    let r = g
        .post(format!("{}/services/providers/{id}/deliveries", app.base))
        .multipart(upload(&csrf, good.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("已导入 2 条服务记录"));
    // The same list over the API: nothing twice.
    let token = bearer(&app, "gumei").await;
    let api = |csv: String, who: String| {
        let url = format!("{}/api/v1/services/providers/{id}/deliveries", app.base);
        async move {
            let form = reqwest::multipart::Form::new()
                .part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("m.csv"));
            let r = reqwest::Client::new().post(url).bearer_auth(who).multipart(form).send().await.unwrap();
            (r.status(), r.json::<Value>().await.unwrap_or_default())
        }
    };
    let (s, v) = api(good.clone(), token.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!((v["recorded"].as_u64(), v["already"].as_u64()), (Some(0), Some(2)), "{v}");
    let (s, _) = api(good, bearer(&app, "qibao").await).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "七宝 cannot import for 古美's provider");

    let providers: Value = reqwest::Client::new()
        .get(format!("{}/api/v1/services/providers", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let p = &providers["items"][0];
    assert_eq!((p["deliveries"].as_i64(), p["people"].as_i64()), (Some(2), Some(1)), "{p}");
    assert!(page(&app, &g, "/services").await.1.contains("助洁 1.5 小时"));
    let (_, person) = page(&app, &g, &format!("/people/{}", app.people[0])).await;
    assert!(person.contains("助洁（古美助老服务社，1.5）"), "the timeline shows the service");
    let (q, _) = signed_in(&app, "qibao").await;
    assert!(!page(&app, &q, "/services").await.1.contains("古美助老服务社"));
}
