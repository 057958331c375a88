//! Streaming exports: a workbook or a CSV written row by row as the rows arrive, so that a
//! 1,000,000-row export takes the memory of one row and one compressor, not of the file.
//!
//! The workbook is written here rather than through rust_xlsxwriter, whose archive is built in
//! memory (it needs a seekable writer): the sheet is one deflated ZIP entry with a data descriptor
//! (sizes after the data), its cells typed as [`Value`] says — numbers as numbers, money in 元 with
//! two decimals, ID numbers as text, dates as dates — with inline strings; the workbook's own parts
//! (sheet list, filter names, content types) come after the sheets, when it is known how many there
//! are. A sheet that reaches Excel's 1,048,576 rows goes on in a second sheet under the same header.
//! The 合计 row is summed here from the rows written (integer fen), as [`Table`] does.

use std::io::{self, Write};

use yikou_domain::Fen;

use crate::sheet::{Column, Table, Value};

mod xlsx_sink;

pub use xlsx_sink::XlsxSink;

/// Excel's rows per sheet.
pub const EXCEL_ROWS: u32 = 1_048_576;

/// Sums of the summed columns, kept as rows pass (integer arithmetic, a column of money sums to
/// money, of counts to a count; too large to add up: no figure rather than a wrong one).
#[derive(Debug, Clone)]
pub struct Sums {
    summed: Vec<bool>,
    ints: Vec<Option<i64>>,
    fen: Vec<Option<i64>>,
    money: Vec<bool>,
}

impl Sums {
    pub fn new(columns: &[Column]) -> Sums {
        let n = columns.len();
        Sums {
            summed: columns.iter().map(|c| c.summed).collect(),
            ints: vec![Some(0); n],
            fen: vec![Some(0); n],
            money: vec![false; n],
        }
    }

    pub fn add(&mut self, row: &[Value]) {
        for (c, v) in row.iter().enumerate().take(self.summed.len()) {
            if !self.summed[c] {
                continue;
            }
            match v {
                Value::Int(x) => self.ints[c] = self.ints[c].and_then(|s| s.checked_add(*x)),
                Value::Money(f) => {
                    self.money[c] = true;
                    self.fen[c] = self.fen[c].and_then(|s| s.checked_add(f.0));
                }
                _ => {}
            }
        }
    }

    /// The sums (blank under columns not summed).
    pub fn values(&self) -> Vec<Value> {
        (0..self.summed.len())
            .map(|c| match (self.summed[c], self.money[c], self.ints[c], self.fen[c]) {
                (false, ..) => Value::Empty,
                (true, true, _, Some(f)) => Value::Money(Fen(f)),
                (true, false, Some(n), _) => Value::Int(n),
                _ => Value::Empty,
            })
            .collect()
    }

    /// The 合计 row: the sums, "合计" in the first column when it is blank.
    pub fn total_row(&self) -> Vec<Value> {
        let mut out = self.values();
        if let Some(first) = out.first_mut().filter(|v| **v == Value::Empty) {
            *first = Value::text("合计");
        }
        out
    }
}

/// Something rows are written into, row by row: a workbook or a CSV.
pub trait RowSink: Send {
    fn row(&mut self, row: &[Value]) -> io::Result<()>;
    /// The 合计 row when the table has one, then the file's end.
    fn finish(self: Box<Self>) -> io::Result<()>;
}

/// A CSV Excel opens as is: UTF-8 with a BOM, CRLF, every cell quoted, and a cell that starts
/// like a formula (= + - @) prefixed with ' so Excel shows it as text. The header as the program
/// wrote it, the rows, then the 合计 row; no title block (programs read these files too).
pub struct CsvSink<W: Write + Send> {
    out: W,
    sums: Option<Sums>,
    line: String,
}

impl<W: Write + Send> CsvSink<W> {
    pub fn start(mut out: W, layout: &Table) -> io::Result<CsvSink<W>> {
        out.write_all(format!("\u{feff}{}\r\n", layout.header().join(",")).as_bytes())?;
        let sums = layout.totals.then(|| Sums::new(&layout.columns));
        Ok(CsvSink { out, sums, line: String::new() })
    }

    fn line(&mut self, row: &[Value]) -> io::Result<()> {
        self.line.clear();
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                self.line.push(',');
            }
            let v = v.display();
            self.line.push('"');
            if v.starts_with(['=', '+', '-', '@']) {
                self.line.push('\'');
            }
            self.line.push_str(&v.replace('"', "\"\""));
            self.line.push('"');
        }
        self.line.push_str("\r\n");
        self.out.write_all(self.line.as_bytes())
    }

    /// The 合计 row and the writer back.
    pub fn end(mut self) -> io::Result<W> {
        if let Some(total) = self.sums.as_ref().map(Sums::total_row) {
            self.line(&total)?;
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write + Send> RowSink for CsvSink<W> {
    fn row(&mut self, row: &[Value]) -> io::Result<()> {
        if let Some(s) = self.sums.as_mut() {
            s.add(row);
        }
        self.line(row)
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        self.end().map(drop)
    }
}

/// Widths that fit a column's title and, when known, its cells (a Chinese character takes two
/// places; an ID column at least 22).
pub fn fitted_widths(layout: &Table, total: Option<&Vec<Value>>) -> Vec<f64> {
    layout
        .columns
        .iter()
        .enumerate()
        .map(|(c, col)| {
            let mut widest = Value::text(col.title.as_str()).width();
            let mut id = false;
            for v in layout.rows.iter().chain(total).filter_map(|r| r.get(c)) {
                widest = widest.max(v.width());
                id |= matches!(v, Value::IdText(_));
            }
            let floor = if id || col.width.is_some_and(|w| w >= 22) { 22 } else { 6 };
            let hint = col.width.map_or(0, usize::from);
            (widest.max(hint) + 2).clamp(floor, 60) as f64
        })
        .collect()
}

/// The whole table into a workbook in memory (what [`Table::to_xlsx`] returns).
pub fn table_bytes(t: &Table) -> io::Result<Vec<u8>> {
    let total = t.totals.then(|| {
        let mut s = Sums::new(&t.columns);
        t.rows.iter().for_each(|r| s.add(r));
        s.total_row()
    });
    let widths = fitted_widths(t, total.as_ref());
    let mut sink = XlsxSink::start(Vec::new(), t, widths)?;
    for row in &t.rows {
        sink.row(row)?;
    }
    sink.end()
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};

    use super::*;

    fn layout() -> Table {
        let mut t = Table::new("帮困对象", vec![Column::new("姓名").wide(8), Column::summed("金额（元）")]);
        t.title = vec!["古美街道帮困对象".into(), "筛选条件：无（全部）".into()];
        t.numbered = true;
        t.totals = true;
        t
    }

    #[test]
    fn a_sheet_that_fills_goes_on_in_the_next_under_the_same_header_and_the_total_adds_up_all() {
        // Title (2 lines), a blank line, the header on row 4: 10 rows a sheet leave 5 for data and
        // one for the 合计 row.
        let mut sink = XlsxSink::start(Vec::new(), &layout(), vec![8.0, 12.0]).unwrap().with_sheet_rows(10);
        for i in 1..=12i64 {
            sink.row(&[Value::text(format!("对象{i}")), Value::Money(Fen(i * 100))]).unwrap();
        }
        let bytes = sink.end().unwrap();
        let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        assert_eq!(wb.sheet_names(), vec!["帮困对象", "帮困对象（2）", "帮困对象（3）"]);
        let mut numbers = Vec::new();
        for name in wb.sheet_names() {
            let r = wb.worksheet_range(&name).unwrap();
            assert_eq!(r.get_value((0, 0)), Some(&Data::String("古美街道帮困对象".into())), "{name}");
            assert_eq!(r.get_value((3, 1)), Some(&Data::String("姓名".into())), "{name}: the header again");
            for row in 4..r.end().unwrap().0 + 1 {
                if let Some(Data::Float(n)) = r.get_value((row, 0)) {
                    numbers.push(*n as i64);
                }
            }
            if name.ends_with("（3）") {
                let last = r.end().unwrap().0;
                assert_eq!(r.get_value((last, 0)), Some(&Data::String("合计".into())));
                assert_eq!(r.get_value((last, 2)), Some(&Data::Float(78.0)), "1 元 + … + 12 元 over every sheet");
            } else {
                assert!(r.end().unwrap().0 < 10, "{name}: within the sheet's rows");
            }
        }
        assert_eq!(numbers, (1..=12).collect::<Vec<_>>(), "序号 goes on across the sheets, no row lost or doubled");
    }

    #[test]
    fn the_csv_sink_writes_what_the_table_writes() {
        let mut t = layout();
        t.push(vec![Value::text("=HYPERLINK(\"x\")"), Value::Money(Fen(150))]);
        t.push(vec![Value::text("乙"), Value::Money(Fen(-1))]);
        let mut sink = CsvSink::start(Vec::new(), &t.layout()).unwrap();
        for r in &t.rows {
            sink.row(r).unwrap();
        }
        let text = String::from_utf8(sink.end().unwrap()).unwrap();
        assert_eq!(text, t.to_csv());
        assert_eq!(
            text,
            "\u{feff}姓名,金额（元）\r\n\"'=HYPERLINK(\"\"x\"\")\",\"1.50\"\r\n\"乙\",\"'-0.01\"\r\n\"合计\",\"1.49\"\r\n"
        );
    }
}
