//! The tables behind every 导出Excel: one typed table per export, written either as a real workbook
//! (numbers as numbers, money as 元 with two decimals, ID numbers as text, a title block, a styled
//! and frozen header with a filter, 序号 and 合计) or, cell by cell, as the plain text of the CSV
//! beside it. The 合计 row is summed here from the rows themselves (integer fen), so it always adds
//! up to what is listed.

use std::io;

use time::{Date, PrimitiveDateTime};
use yikou_domain::Fen;

use crate::workbook::{self, CsvSink, Sums};

/// One cell's value, typed: the workbook writes each kind its own way.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    /// A count or a number (人次, 户内人数, 序号): a number cell.
    Int(i64),
    /// Money in fen, written as 元 (a number with two decimals and thousands separators).
    Money(Fen),
    /// Money for a program to read (a bank file's 金额): 元 with two decimals, no separators.
    PlainMoney(Fen),
    /// An ID number (masked or not) or any code that must never become a number: a text cell.
    IdText(String),
    Date(Date),
    /// A time of day on a date (Beijing time), to the second.
    Time(PrimitiveDateTime),
    /// A measured number (a rate in per cent, a mean) shown with one or two decimals: a number cell.
    Decimal(f64, u8),
}

impl Value {
    pub fn text(s: impl Into<String>) -> Value {
        let s = s.into();
        if s.is_empty() {
            Value::Empty
        } else {
            Value::Text(s)
        }
    }

    /// An ID number or phone kept as text (blank when there is none).
    pub fn id(s: impl Into<String>) -> Value {
        let s = s.into();
        if s.is_empty() {
            Value::Empty
        } else {
            Value::IdText(s)
        }
    }

    /// The cell as the CSV shows it (and as a person reads it).
    pub fn display(&self) -> String {
        match self {
            Value::Empty => String::new(),
            Value::Text(s) | Value::IdText(s) => s.clone(),
            Value::Int(n) => n.to_string(),
            Value::Money(f) => f.yuan(),
            Value::PlainMoney(f) => format!("{}.{:02}", f.0 / 100, f.0 % 100),
            Value::Date(d) => yikou_domain::format_date(*d),
            Value::Time(t) => yikou_domain::clock::seconds_text(*t),
            Value::Decimal(x, d) => format!("{x:.*}", usize::from((*d).min(2))),
        }
    }

    /// Columns as wide as their text: a Chinese character takes two places.
    pub(crate) fn width(&self) -> usize {
        let shown = match self {
            Value::Money(f) => f.yuan(),
            other => other.display(),
        };
        shown.chars().map(|c| if u32::from(c) >= 0x2E80 { 2 } else { 1 }).sum()
    }
}

/// A column: its title, and whether the 合计 row sums it.
#[derive(Debug, Clone)]
pub struct Column {
    pub title: String,
    pub summed: bool,
    /// How wide the column is expected to be (in characters, a Chinese character two), for a
    /// workbook written as rows stream in, when its cells cannot be measured first.
    pub width: Option<u16>,
}

impl Column {
    pub fn new(title: &str) -> Column {
        Column { title: title.to_string(), summed: false, width: None }
    }

    /// A column the 合计 row adds up (its numbers and money; text is left out).
    pub fn summed(title: &str) -> Column {
        Column { title: title.to_string(), summed: true, width: None }
    }

    /// The same column, expected `chars` wide.
    pub fn wide(self, chars: u16) -> Column {
        Column { width: Some(chars), ..self }
    }
}

/// One export's table.
#[derive(Debug, Clone)]
pub struct Table {
    /// The sheet's name (cut to Excel's 31 characters, without the characters it forbids).
    pub sheet: String,
    /// Lines above the header: unit, campaign, export time, filters.
    pub title: Vec<String>,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Value>>,
    /// A 序号 column first (in the workbook).
    pub numbered: bool,
    /// A 合计 row after the rows, summing the summed columns.
    pub totals: bool,
}

impl Table {
    pub fn new(sheet: &str, columns: Vec<Column>) -> Table {
        Table { sheet: sheet.to_string(), title: Vec::new(), columns, rows: Vec::new(), numbered: false, totals: false }
    }

    pub fn push(&mut self, row: Vec<Value>) {
        self.rows.push(row);
    }

    /// The header as the CSV writes it (no 序号: the CSV stays as it always was).
    pub fn header(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.title.as_str()).collect()
    }

    /// The 合计 row, when the table has one: "合计" in the first column, the sums of the summed
    /// columns (integer arithmetic; a column of money sums to money, of counts to a count).
    pub fn total_row(&self) -> Option<Vec<Value>> {
        self.totals.then(|| {
            let mut s = Sums::new(&self.columns);
            self.rows.iter().for_each(|r| s.add(r));
            s.total_row()
        })
    }

    /// The workbook: title lines, a bold filled header that stays in view with a filter on it,
    /// the rows typed, the 合计 row in bold, columns as wide as their cells. Written in memory by
    /// the same writer that streams the large exports ([`workbook::XlsxSink`]).
    pub fn to_xlsx(&self) -> io::Result<Vec<u8>> {
        workbook::table_bytes(self)
    }

    /// A CSV Excel opens as is (see [`CsvSink`]): the header and the rows as the table has them,
    /// then its 合计 row; no title block (programs read these files too).
    pub fn to_csv(&self) -> String {
        let mut sink = match CsvSink::start(Vec::new(), self) {
            Ok(s) => s,
            Err(_) => return String::new(),
        };
        for row in &self.rows {
            // Writing into memory does not fail.
            let _ = workbook::RowSink::row(&mut sink, row);
        }
        String::from_utf8(sink.end().unwrap_or_default()).unwrap_or_default()
    }

    /// The same table without its rows: what a streamed export starts from.
    pub fn layout(&self) -> Table {
        Table {
            sheet: self.sheet.clone(),
            title: self.title.clone(),
            columns: self.columns.clone(),
            rows: Vec::new(),
            numbered: self.numbered,
            totals: self.totals,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
    use time::macros::{date, datetime};

    use super::*;

    fn roster() -> Table {
        let mut t = Table::new(
            "名单:测试/项目[1]",
            vec![
                Column::new("姓名"),
                Column::new("身份证号"),
                Column::summed("户内人数"),
                Column::summed("金额（元）"),
                Column::new("日期"),
                Column::new("时间"),
            ],
        );
        t.title = vec![
            "古美街道 · 测试项目名单".into(),
            "2020年节日帮困".into(),
            "导出时间：2026-12-02 10:05（北京时间）".into(),
        ];
        t.numbered = true;
        t.totals = true;
        t.push(vec![
            Value::text("古美甲"),
            Value::IdText("310112195001010012".into()),
            Value::Int(2),
            Value::Money(Fen(120_050)),
            Value::Date(date!(2026 - 12 - 02)),
            Value::Time(datetime!(2026-12-02 18:05:07)),
        ]);
        t.push(vec![
            Value::text("七宝乙"),
            Value::IdText("110105********002X".into()),
            Value::Int(3),
            Value::Money(Fen(90_001)),
            Value::Empty,
            Value::Empty,
        ]);
        t.push(vec![
            Value::text("=1+1"),
            Value::IdText("0012".into()),
            Value::Empty,
            Value::Money(Fen(-1)),
            Value::Empty,
            Value::Empty,
        ]);
        t
    }

    fn open(bytes: &[u8]) -> (Vec<String>, calamine::Range<Data>) {
        let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
        let names = wb.sheet_names();
        let range = wb.worksheet_range(&names[0]).unwrap();
        (names, range)
    }

    fn sheet_xml(bytes: &[u8]) -> String {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
        let mut xml = String::new();
        zip.by_name("xl/worksheets/sheet1.xml").unwrap().read_to_string(&mut xml).unwrap();
        xml
    }

    #[test]
    fn cells_are_typed_numbers_money_text_and_dates() {
        let bytes = roster().to_xlsx().unwrap();
        let (names, r) = open(&bytes);
        assert_eq!(names, vec!["名单测试项目1".to_string()], "Excel's forbidden characters are dropped");
        let at = |row: u32, col: u32| r.get_value((row, col)).cloned().unwrap_or(Data::Empty);
        // Three title lines, a blank line, the header on row 4.
        assert_eq!(at(0, 0), Data::String("古美街道 · 测试项目名单".into()));
        assert_eq!(at(2, 0), Data::String("导出时间：2026-12-02 10:05（北京时间）".into()));
        let header: Vec<Data> = (0..7).map(|c| at(4, c)).collect();
        assert_eq!(header[0], Data::String("序号".into()));
        assert_eq!(header[2], Data::String("身份证号".into()));
        assert_eq!(at(5, 0), Data::Float(1.0));
        assert_eq!(at(7, 0), Data::Float(3.0));
        // An ID number that looks like a number stays text, digits intact.
        assert_eq!(at(5, 2), Data::String("310112195001010012".into()));
        assert_eq!(at(6, 2), Data::String("110105********002X".into()));
        assert_eq!(at(7, 2), Data::String("0012".into()));
        assert_eq!(at(5, 3), Data::Float(2.0));
        assert_eq!(at(5, 4), Data::Float(1200.5));
        assert_eq!(at(6, 4), Data::Float(900.01));
        assert_eq!(at(7, 4), Data::Float(-0.01));
        // A text that looks like a formula is written as text, never as a formula.
        assert_eq!(at(7, 1), Data::String("=1+1".into()));
        match at(5, 5) {
            Data::DateTime(d) => assert_eq!(d.as_f64(), 46358.0, "2026-12-02"),
            other => panic!("a date cell: {other:?}"),
        }
        match at(5, 6) {
            Data::DateTime(d) => {
                assert!((d.as_f64() - (46358.0 + (18.0 * 3600.0 + 5.0 * 60.0 + 7.0) / 86400.0)).abs() < 1e-6)
            }
            other => panic!("a date-time cell: {other:?}"),
        }
        // 合计 under 序号; the sums of the rows (5 people, 2,100.50 元), not of the text columns.
        assert_eq!(at(8, 0), Data::String("合计".into()));
        assert_eq!(at(8, 1), Data::Empty);
        assert_eq!(at(8, 3), Data::Float(5.0));
        assert_eq!(at(8, 4), Data::Float(2100.5));
        assert_eq!(r.end(), Some((8, 6)), "nothing after the 合计 row");
    }

    #[test]
    fn the_header_is_styled_frozen_and_filtered_and_money_has_two_decimals() {
        let xml = sheet_xml(&roster().to_xlsx().unwrap());
        assert!(xml.contains(r#"<pane ySplit="5" topLeftCell="A6" activePane="bottomLeft" state="frozen"/>"#), "{xml}");
        assert!(
            xml.contains(r#"<autoFilter ref="A5:G8"/>"#),
            "the filter covers the header and the rows, not 合计: {xml}"
        );
        let mut zip = zip::ZipArchive::new(Cursor::new(roster().to_xlsx().unwrap())).unwrap();
        let mut styles = String::new();
        zip.by_name("xl/styles.xml").unwrap().read_to_string(&mut styles).unwrap();
        assert!(styles.contains(r##"formatCode="#,##0.00""##), "{styles}");
        assert!(styles.contains(r#"<b/>"#) && styles.contains("FFDDEBF7"), "a bold filled header: {styles}");
        // The ID column is wide enough for 18 characters.
        assert!(xml.contains(r#"<col min="3" max="3" width="22.7109375""#), "{xml}");
    }

    #[test]
    fn the_csv_text_is_the_plain_table_with_the_total_first_labelled() {
        let t = roster();
        assert_eq!(t.header(), vec!["姓名", "身份证号", "户内人数", "金额（元）", "日期", "时间"]);
        let shown: Vec<String> = t.rows[0].iter().map(Value::display).collect();
        assert_eq!(shown, vec!["古美甲", "310112195001010012", "2", "1,200.50", "2026-12-02", "2026-12-02 18:05:07"]);
        let total = t.total_row().unwrap();
        assert_eq!(total[0], Value::text("合计"));
        assert_eq!((total[2].display(), total[3].display()), ("5".to_string(), "2,100.50".to_string()));
        let mut no_total = roster();
        no_total.totals = false;
        assert_eq!(no_total.total_row(), None);
    }

    #[test]
    fn an_empty_table_has_its_header_and_a_sum_too_large_is_left_blank() {
        let mut t = Table::new("空", vec![Column::new("登录名"), Column::summed("人数")]);
        let bytes = t.to_xlsx().unwrap();
        let (_, r) = open(&bytes);
        assert_eq!(r.get_value((0, 0)), Some(&Data::String("登录名".into())), "no title: the header comes first");
        assert!(sheet_xml(&bytes).contains(r#"<autoFilter ref="A1:B1"/>"#));
        t.totals = true;
        t.push(vec![Value::text("a"), Value::Int(i64::MAX)]);
        t.push(vec![Value::text("b"), Value::Int(1)]);
        assert_eq!(t.total_row().unwrap(), vec![Value::text("合计"), Value::Empty]);
    }
}
