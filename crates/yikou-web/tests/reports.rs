//! 汇总报表 (issue 16): figures by unit group with the plan beside them, drill-down to the level below
//! and out to the lists, people counted once across rows, figures that follow the data (paid after a
//! payment), and each area seeing its own part only.

mod common;

use common::*;
use reqwest::StatusCode;

/// The cells of the table row named `name`, after the name.
fn row(html: &str, name: &str) -> Vec<String> {
    let table = html.find("<table").expect("a table");
    let at = table + html[table..].find(&format!(">{name}<")).unwrap_or_else(|| panic!("no row {name}: {html}"));
    let start = html[..at].rfind("<tr").unwrap();
    let end = at + html[at..].find("</tr>").unwrap();
    html[start..end]
        .split("</t")
        .filter_map(|c| c.rsplit('>').next())
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty() && c != "d" && c != "h" && c != name)
        .collect()
}

#[tokio::test]
async fn the_summary_counts_people_once_follows_the_payments_and_drills_down_within_the_area() {
    let app = start().await;
    let (b, _) = signed_in(&app, "bureau").await;
    let (status, by_group) = page(&app, &b, "/reports").await;
    assert_eq!(status, StatusCode::OK, "{by_group}");
    // Three people, four listings (古美甲 twice) of 900 yuan; the plan: 3 person-times, 2,700 yuan.
    let mz = row(&by_group, "民政部门");
    assert_eq!(&mz[0..7], ["3", "4", "3", "0", "3", "0.27", "0.36"], "{mz:?}");
    assert!(by_group.contains("href=\"/reports?by=unit&#38;group=civil_affairs\""), "drills to the units");
    assert!(by_group.contains("<svg class=\"chart\""), "a chart beside the table");
    let total = row(&by_group, "合计");
    assert_eq!(&total[0..2], ["3", "4"]);

    // Paid: the figures follow at once (the facts are read again after a write).
    approve_and_pay(&app, true).await;
    let (_, paid) = page(&app, &b, "/reports").await;
    let mz = row(&paid, "民政部门");
    assert_eq!(&mz[7..10], ["0.36", "0.36", "—"], "approved, disbursed, no failure: {mz:?}");
    assert_eq!(mz[10], "100.0%");

    // By street: one person in 古美 listed twice is one person, two person-times; links to the register.
    let (_, by_street) = page(&app, &b, "/reports?by=street").await;
    assert_eq!(&row(&by_street, "古美街道")[0..2], ["2", "3"]);
    assert_eq!(&row(&by_street, "七宝镇")[0..2], ["1", "1"]);
    assert!(by_street.contains("href=\"/reports/list?by=street&#38;street=310112006000\""), "the list behind it");
    // The list behind 古美's figure: its three person-times, 2,700 元, nobody of 七宝.
    let (status, list) = page(&app, &b, "/reports/list?by=street&street=310112006000").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert!(list.contains("共 <strong>3</strong> 条") && list.contains("<strong>2,700.00</strong> 元"), "{list}");
    assert!(list.contains("古美甲") && !list.contains("七宝乙") && list.contains("110105********002X"), "{list}");
    assert!(!list.contains("11010519491231002X"), "masked");
    let r = b.get(format!("{}/reports/list/export.xlsx?by=street&street=310112006000", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let rows = xlsx_rows(&r.bytes().await.unwrap());
    let last = rows.last().unwrap();
    assert_eq!((last[0].to_string(), last[8].to_string()), ("合计".to_string(), "2700".to_string()), "{last:?}");
    assert!(by_street.contains("href=\"/reports?by=committee&#38;street=310112006000\""));
    // Down to the project and its roster, with the way back up.
    let (_, project) = page(&app, &b, "/reports?by=project&group=civil_affairs&unit=310112-MZJ").await;
    assert!(project.contains("测试项目（MZ-01）") && project.contains("单位类别：民政部门"), "{project}");

    // A street sees its own part, no district plan; another role none of it.
    let (g, _) = signed_in(&app, "gumei").await;
    let (_, mine) = page(&app, &g, "/reports?by=street").await;
    assert!(!mine.contains("七宝镇") && row(&mine, "古美街道")[0..2] == ["2", "3"], "{mine}");
    let (_, theirs) = page(&app, &g, "/reports/list?by=street&street=310112102000").await;
    assert!(
        theirs.contains("共 <strong>0</strong> 条") && !theirs.contains("七宝乙"),
        "another street's list is empty: {theirs}"
    );
    assert_eq!(row(&mine, "合计")[5], "—", "the district's plan is not set against a street's part");
    let (a, _) = signed_in(&app, "auditor").await;
    assert_eq!(page(&app, &a, "/reports").await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_plan_table_is_rebuilt_with_subtotals_that_add_up_as_a_page_and_a_workbook() {
    let app = start().await;
    add_people(&app, 6, GUMEI).await;
    let (b, _) = signed_in(&app, "bureau").await;
    let (status, html) = page(&app, &b, "/reports/plan").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("colspan=\"3\">帮扶人（户）次") && html.contains("民政部门 小计") && html.contains(">合计<"));
    // One project of 3 + 6 people, 10 listings of 900 元: 0.90 万元; the plan 2,700 元: 0.27 万元.
    let r = b.get(format!("{}/reports/plan.xlsx", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let rows = xlsx_rows(&r.bytes().await.unwrap());
    let find = |label: &str| rows.iter().find(|r| r.iter().any(|c| *c == label)).cloned().unwrap();
    let project = find("测试项目");
    let cells: Vec<String> = project.iter().map(|c| c.to_string()).collect();
    assert_eq!(&cells[5..10], ["3", "10", "9", "0.27", "0.9"], "{cells:?}");
    let sub = find("民政部门 小计");
    let total = find("合计");
    assert_eq!(sub[9].to_string(), "0.9");
    assert_eq!(total[9].to_string(), "0.9", "the total adds the subtotals");
    assert!(rows[0][0].to_string().contains("项目安排表"));
}

#[tokio::test]
async fn a_member_unit_files_its_report_with_its_figures_and_the_bureau_sees_who_has_filed() {
    let app = start().await;
    let (b, _) = signed_in(&app, "bureau").await;
    let (_, form) = page(&app, &b, "/reports/units").await;
    assert!(form.contains("0 / 1 个单位已报送") && form.contains("未报送"), "{form}");
    // Too short: refused, the text kept.
    let post = |body: &str| {
        let b = b.clone();
        let fields = [("_csrf", csrf_in(&form)), ("body", body.to_string())];
        let url = format!("{}/reports/units", app.base);
        async move { b.post(url).form(&fields).send().await.unwrap() }
    };
    let r = post("已完成。").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let back = r.text().await.unwrap();
    assert!(back.contains("至少20个字") && back.contains(">已完成。</textarea>"), "{back}");
    let text = "本单位实施测试项目1个，向辖区低保家庭发放节日补助，按时完成名单审核与发放；\n下一步加强回访。";
    let r = post(text).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, list) = page(&app, &b, "/reports/units?filed=1").await;
    assert!(list.contains("1 / 1 个单位已报送") && list.contains("已报送本单位总结（第1版）"), "{list}");
    let (status, one) = page(&app, &b, "/reports/units/310112-MZJ").await;
    assert_eq!(status, StatusCode::OK);
    // The figures as they stood: one project, 3 people, 4 person-times, 0.36 万元.
    assert!(
        one.contains("1 个项目，3 人、4 人次") && one.contains("0.36 万元") && one.contains("下一步加强回访。"),
        "{one}"
    );
    let rec = &app.store.audit_records(Some(("unit", "310112-MZJ")), 1).await.unwrap()[0];
    assert_eq!(rec.action, "report.unit_file");
    // A street without a project has nothing to file and reads no other unit's report.
    let (g, _) = signed_in(&app, "gumei").await;
    assert!(page(&app, &g, "/reports/units").await.1.contains("没有项目，无需报送"));
    assert_eq!(page(&app, &g, "/reports/units/310112-MZJ").await.0, StatusCode::NOT_FOUND);
    let r = b.get(format!("{}/reports/units.xlsx", app.base)).send().await.unwrap();
    let cells: Vec<String> = xlsx_rows(&r.bytes().await.unwrap()).iter().flatten().map(|c| c.to_string()).collect();
    assert!(cells.iter().any(|c| c.contains("下一步加强回访")), "{cells:?}");
}
