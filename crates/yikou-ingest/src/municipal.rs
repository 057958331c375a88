//! The municipal system's files (R14, described in docs/EXCHANGE.md): the exchange layout's three
//! lists as CSV text or as one workbook (the Excel layout: sheets 人员, 项目, 帮扶记录 with Chinese
//! headers, numbers as numbers, ID numbers as text), and a municipal roster — the people list in
//! either layout, as .csv, .xlsx or .xls — read as the base register for the cross-check.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

use yikou_domain::Fen;

use crate::exchange::{issue, person_row, ENTITLEMENTS, PEOPLE, PROJECTS};
use crate::read::{read_rows, FileError};
use crate::sheet::{Column, Table, Value};
use crate::validate::RowIssue;
use crate::workbook::{fitted_widths, RowSink, XlsxSink};

pub use yikou_domain::exchange::{ExPerson, Exchange};

/// The Excel layout's headers, in the order of the CSV layout's ([`PEOPLE`] …).
pub const PEOPLE_CN: [&str; 7] = ["人员编号", "公民身份号码", "姓名", "街镇代码", "户编号", "对象类别代码", "是否已故"];
pub const PROJECTS_CN: [&str; 5] = ["项目编号", "条线", "互斥组", "是否按户", "对象类别代码"];
pub const ENTITLEMENTS_CN: [&str; 4] = ["记录编号", "项目编号", "人员编号", "金额（元）"];

fn yes(b: bool) -> Value {
    Value::text(if b { "是" } else { "否" })
}

/// people.csv of the exchange layout. Cells that hold a comma, quote or line break are quoted.
pub fn people_csv(ex: &Exchange, w: &mut impl Write) -> io::Result<()> {
    let mut w = csv::WriterBuilder::new().from_writer(w);
    w.write_record(PEOPLE)?;
    for p in &ex.people {
        w.write_record([
            p.person_id.as_str(),
            p.id_number.as_str(),
            p.name.as_str(),
            p.street_code.as_deref().unwrap_or(""),
            p.household_id.as_deref().unwrap_or(""),
            &p.categories.join(";"),
            if p.deceased { "1" } else { "0" },
        ])?;
    }
    w.flush()
}

/// projects.csv of the exchange layout.
pub fn projects_csv(ex: &Exchange, w: &mut impl Write) -> io::Result<()> {
    let mut w = csv::WriterBuilder::new().from_writer(w);
    w.write_record(PROJECTS)?;
    for p in &ex.projects {
        w.write_record([
            p.project_id.as_str(),
            p.unit_group.label(),
            p.exclusive_group.as_deref().unwrap_or(""),
            if p.per_household { "1" } else { "0" },
            &p.target_categories.join(";"),
        ])?;
    }
    w.flush()
}

/// entitlements.csv of the exchange layout (amounts in fen).
pub fn entitlements_csv(ex: &Exchange, w: &mut impl Write) -> io::Result<()> {
    let mut w = csv::WriterBuilder::new().from_writer(w);
    w.write_record(ENTITLEMENTS)?;
    for e in &ex.entitlements {
        w.write_record([
            e.entitlement_id.as_str(),
            ex.projects[e.project].project_id.as_str(),
            ex.people[e.person].person_id.as_str(),
            &e.amount_fen.to_string(),
        ])?;
    }
    w.flush()
}

/// The Excel layout: one workbook, a sheet per list (人员, 项目, 帮扶记录), the header in the first
/// row (no title block: programs read it), written as it goes into `out`.
pub fn exchange_workbook<W: Write + Send>(ex: &Exchange, out: W) -> io::Result<W> {
    let table = |name: &str, titles: &[&str], wide: &[(usize, u16)]| {
        let columns = titles
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let c = Column::new(t);
                match wide.iter().find(|(at, _)| *at == i) {
                    Some((_, w)) => c.wide(*w),
                    None => c,
                }
            })
            .collect();
        Table::new(name, columns)
    };
    let people = table("人员", &PEOPLE_CN, &[(1, 22), (5, 16)]);
    let mut sink = XlsxSink::start(out, &people, fitted_widths(&people, None))?;
    for p in &ex.people {
        sink.row(&[
            Value::id(p.person_id.clone()),
            Value::IdText(p.id_number.as_str().to_string()),
            Value::text(p.name.clone()),
            Value::id(p.street_code.clone().unwrap_or_default()),
            Value::id(p.household_id.clone().unwrap_or_default()),
            Value::text(p.categories.join(";")),
            yes(p.deceased),
        ])?;
    }
    let projects = table("项目", &PROJECTS_CN, &[(1, 20), (4, 16)]);
    sink.next_table(&projects, fitted_widths(&projects, None))?;
    for p in &ex.projects {
        sink.row(&[
            Value::id(p.project_id.clone()),
            Value::text(p.unit_group.label()),
            Value::text(p.exclusive_group.clone().unwrap_or_default()),
            yes(p.per_household),
            Value::text(p.target_categories.join(";")),
        ])?;
    }
    let entitlements = table("帮扶记录", &ENTITLEMENTS_CN, &[]);
    sink.next_table(&entitlements, fitted_widths(&entitlements, None))?;
    for e in &ex.entitlements {
        sink.row(&[
            Value::id(e.entitlement_id.clone()),
            Value::id(ex.projects[e.project].project_id.clone()),
            Value::id(ex.people[e.person].person_id.clone()),
            Value::PlainMoney(Fen(e.amount_fen)),
        ])?;
    }
    sink.end()
}

/// A municipal roster: the people list of either layout (the CSV layout's header or the Excel
/// layout's Chinese one, in any column order; the first sheet of a workbook), checked row by row
/// as the exchange load checks it. Required: the ID number and the name; without 人员编号 the row
/// number stands in. Every malformed row is listed (file, row, column) and left out.
/// Rows a municipal roster may hold (a city's register is about a million people).
pub const MAX_ROSTER_ROWS: u32 = 2_000_000;
/// Problems listed before the reading stops (the rest are counted: the file is refused anyway).
pub const MAX_ISSUES: usize = 1_000;

/// A municipal roster read: its people, the problems listed (at most [`MAX_ISSUES`]) and how many
/// rows had a problem in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster {
    pub people: Vec<ExPerson>,
    pub issues: Vec<RowIssue>,
    pub rows_with_issues: usize,
}

/// `file`: the file's name as its sender knows it (each problem names it); `streets`: the codes a
/// 街镇代码 may take (the district's streets, towns and zones — not a committee's or the district's).
pub fn read_roster(path: &Path, file: &str, streets: &std::collections::HashSet<String>) -> Result<Roster, FileError> {
    let today = yikou_domain::today();
    let mut map: Option<[Option<usize>; 7]> = None;
    let mut people: Vec<ExPerson> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut issues = Vec::new();
    let mut bad_rows = 0usize;
    read_rows(path, None, |row, cells| {
        let texts: Vec<String> =
            cells.iter().map(|c| c.text().trim().trim_start_matches('\u{feff}').to_string()).collect();
        let Some(m) = map else {
            let found: [Option<usize>; 7] =
                std::array::from_fn(|f| texts.iter().position(|t| t == PEOPLE[f] || t == PEOPLE_CN[f]));
            let missing: Vec<String> = [1, 2]
                .into_iter()
                .filter(|&f| found[f].is_none())
                .map(|f| format!("{}（{}）", PEOPLE_CN[f], PEOPLE[f]))
                .collect();
            if !missing.is_empty() {
                issues.push(issue(
                    file,
                    row,
                    "header",
                    "roster_header",
                    format!(
                        "第{row}行应为表头，缺少列：{}。表头可用中文（{}）或交换格式的英文列名（{}）",
                        missing.join("、"),
                        PEOPLE_CN.join("、"),
                        PEOPLE.join(",")
                    ),
                ));
                bad_rows += 1;
                return Err(crate::read::Stop);
            }
            map = Some(found);
            return Ok(());
        };
        if row > MAX_ROSTER_ROWS {
            issues.push(issue(
                file,
                row,
                "rows",
                "roster_too_long",
                format!("名单超过 {MAX_ROSTER_ROWS} 行：请按街镇拆分后分别载入"),
            ));
            bad_rows += 1;
            return Err(crate::read::Stop);
        }
        let fallback = format!("R{row}");
        let get = |f: usize| -> &str {
            match m[f].and_then(|c| texts.get(c)).map(String::as_str) {
                Some(t) => t,
                None if f == 0 => fallback.as_str(),
                None => "",
            }
        };
        let mut found = Vec::new();
        let person = person_row(file, row, &get, today, &seen, &mut found);
        let name = get(2);
        if name.is_empty() {
            found.push(issue(file, row, "name", "name_missing", "姓名为空：请填写姓名".into()));
        } else if name.chars().any(|c| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        {
            found.push(issue(
                file,
                row,
                "name",
                "name_invalid",
                "姓名中有换行、制表等控制字符：请只保留姓名本身".into(),
            ));
        }
        let street = get(3);
        if !street.is_empty() && !streets.contains(street) {
            found.push(issue(
                file,
                row,
                "street_code",
                "street_unknown",
                format!(
                    "街镇代码“{}”不是本区的街镇、镇或工业区（居委或区的代码不能作街镇代码）",
                    street.chars().take(20).collect::<String>()
                ),
            ));
        }
        for code in get(5).split(';').map(str::trim).filter(|c| !c.is_empty()) {
            if code.len() > 16 || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                found.push(issue(
                    file,
                    row,
                    "categories",
                    "category_invalid",
                    format!(
                        "对象类别代码“{}”不对：应为字母、数字（如 DB、DSR），多个以分号分隔",
                        code.chars().take(20).collect::<String>()
                    ),
                ));
            }
        }
        if found.is_empty() {
            if let Some(p) = person {
                seen.insert(p.person_id.clone(), people.len());
                people.push(p);
            }
        } else {
            bad_rows += 1;
            let room = MAX_ISSUES.saturating_sub(issues.len());
            issues.extend(found.into_iter().take(room));
        }
        Ok(())
    })?;
    if map.is_none() && issues.is_empty() {
        issues.push(issue(file, 1, "header", "roster_empty", "文件中没有表头和数据行".into()));
        bad_rows += 1;
    }
    if !issues.is_empty() {
        // Refused: the people read are of no use, and need not be kept.
        people.clear();
    }
    Ok(Roster { people, issues, rows_with_issues: bad_rows })
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};

    use super::*;
    use crate::exchange::generate_exchange;

    #[test]
    fn the_excel_layout_has_three_sheets_with_chinese_headers_and_reads_back_as_a_roster() {
        let ex = generate_exchange(40, 6, 60, 7, 0.0);
        let bytes = exchange_workbook(&ex, Vec::new()).unwrap();
        let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
        assert_eq!(wb.sheet_names(), vec!["人员", "项目", "帮扶记录"]);
        let people = wb.worksheet_range("人员").unwrap();
        assert_eq!(people.get_value((0, 1)), Some(&Data::String("公民身份号码".into())));
        assert_eq!(people.get_value((1, 1)), Some(&Data::String(ex.people[0].id_number.as_str().into())));
        assert_eq!(people.height(), 41);
        let ents = wb.worksheet_range("帮扶记录").unwrap();
        assert_eq!(ents.get_value((1, 3)), Some(&Data::Float(ex.entitlements[0].amount_fen as f64 / 100.0)));
        assert_eq!(ents.height(), ex.entitlements.len() + 1);

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("市级名单.xlsx");
        std::fs::write(&path, bytes).unwrap();
        let streets: std::collections::HashSet<String> =
            ex.people.iter().filter_map(|p| p.street_code.clone()).collect();
        let r = read_roster(&path, "市级名单.xlsx", &streets).unwrap();
        assert!(r.issues.is_empty(), "{:?}", r.issues);
        assert_eq!(r.people, ex.people, "the 人员 sheet is the people list");
        let csv = dir.path().join("people.csv");
        let mut text = Vec::new();
        people_csv(&ex, &mut text).unwrap();
        std::fs::write(&csv, text).unwrap();
        assert_eq!(read_roster(&csv, "people.csv", &streets).unwrap().people, ex.people, "and so is people.csv");
    }

    #[test]
    fn a_roster_is_read_whole_or_refused_with_every_bad_row_listed_up_to_a_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("roster.csv");
        let streets: std::collections::HashSet<String> = ["310112006000".to_string()].into();
        std::fs::write(
            &path,
            "姓名,公民身份号码,街镇代码,对象类别代码,是否已故\n\
             测试甲,11010519491231002X,310112006000,DB;DS,否\n\
             测试丙,110105194912310038,,DB,是\n",
        )
        .unwrap();
        let r = read_roster(&path, "roster.csv", &streets).unwrap();
        assert!(r.issues.is_empty(), "{:?}", r.issues);
        assert_eq!(r.people.len(), 2);
        assert_eq!(r.people[0].person_id, "R2", "no 人员编号: the row number");
        assert_eq!(r.people[0].categories, vec!["DB", "DS"]);
        assert!(r.people[1].deceased);

        std::fs::write(
            &path,
            "姓名,公民身份号码,街镇代码,对象类别代码,是否已故\n\
             测试乙,110105194912310021,,DB,否\n\
             测试丁,110105194912310038,,DB,也许\n\
             测试戊,11010519491231002X,310112006001,DB,否\n\
             测试己,11010519491231002X,,=1+1,否\n\
             \"测试\n庚\",11010519491231002X,,DB,否\n\
             ,11010519491231002X,,DB,否\n",
        )
        .unwrap();
        let r = read_roster(&path, "roster.csv", &streets).unwrap();
        assert!(r.people.is_empty(), "a refused roster keeps nobody");
        let at: Vec<(u32, &str)> = r.issues.iter().map(|i| (i.row, i.column.as_str())).collect();
        assert_eq!(
            at,
            vec![
                (2, "roster.csv:id_number"),
                (3, "roster.csv:deceased"),
                (4, "roster.csv:street_code"),
                (5, "roster.csv:categories"),
                (6, "roster.csv:name"),
                (7, "roster.csv:name"),
            ],
            "{:?}",
            r.issues
        );
        assert!(r.issues[2].message.contains("居委或区的代码不能作街镇代码"), "{}", r.issues[2].message);
        assert_eq!(r.rows_with_issues, 6);

        // A flood of bad rows: the first thousand problems listed, every bad row counted.
        let mut text = String::from("公民身份号码,姓名\n");
        for _ in 0..1_500 {
            text.push_str("x,甲\n");
        }
        std::fs::write(&path, text).unwrap();
        let r = read_roster(&path, "roster.csv", &streets).unwrap();
        assert_eq!((r.issues.len(), r.rows_with_issues), (MAX_ISSUES, 1_500));

        std::fs::write(&path, "name,phone\n甲,13800000000\n").unwrap(); // a name but no ID number
        let r = read_roster(&path, "roster.csv", &streets).unwrap();
        assert!(r.people.is_empty());
        assert!(r.issues[0].message.contains("缺少列：公民身份号码（id_number）。"), "{}", r.issues[0].message);
    }
}
