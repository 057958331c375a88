//! The workbook half of the streaming exports (see the module above): styles, the sheets' XML
//! written cell by cell into a deflated ZIP stream, a sheet spilling into the next at Excel's row
//! limit, the workbook's parts written last.

use std::io::{self, Write};

use time::macros::date;
use time::Date;
use yikou_domain::Fen;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::{RowSink, Sums, EXCEL_ROWS};
use crate::sheet::{Table, Value};

/// Cell styles (their index in styles.xml's cellXfs).
mod xf {
    pub const HEADING: u8 = 1;
    pub const NOTE: u8 = 2;
    pub const HEADER: u8 = 3;
    pub const ID: u8 = 4;
    pub const INT: u8 = 5;
    pub const MONEY: u8 = 6;
    pub const PLAIN_MONEY: u8 = 7;
    pub const DATE: u8 = 8;
    pub const TIME: u8 = 9;
    pub const DEC1: u8 = 10;
    pub const DEC2: u8 = 11;
    /// The same formats in bold (the 合计 row): add this to the plain one; text bold is 12.
    pub const BOLD: u8 = 9;
    pub const BOLD_TEXT: u8 = 12;
}

const STYLES: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    "\n",
    r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
    r##"<numFmts count="4"><numFmt numFmtId="164" formatCode="#,##0.00"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd"/>"##,
    r#"<numFmt numFmtId="166" formatCode="yyyy-mm-dd hh:mm:ss"/><numFmt numFmtId="167" formatCode="0.0"/></numFmts>"#,
    r#"<fonts count="4"><font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>"#,
    r#"<font><b/><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>"#,
    r#"<font><b/><sz val="14"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>"#,
    r#"<font><sz val="11"/><color rgb="FF595959"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font></fonts>"#,
    r#"<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>"#,
    r#"<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill></fills>"#,
    r#"<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>"#,
    r#"<border><left style="thin"><color auto="1"/></left><right style="thin"><color auto="1"/></right><top style="thin"><color auto="1"/></top><bottom style="thin"><color auto="1"/></bottom><diagonal/></border></borders>"#,
    r#"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#,
    r#"<cellXfs count="21">"#,
    r#"<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#,
    r#"<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>"#,
    r#"<xf numFmtId="0" fontId="3" fillId="0" borderId="0" xfId="0" applyFont="1"/>"#,
    r#"<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1"/>"#,
    r#"<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#,
    r#"<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#,
    r#"<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#,
    r#"<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#,
    r#"<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#,
    r#"<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#,
    r#"<xf numFmtId="167" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#,
    r#"<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#,
    r#"<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>"#,
    r#"<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/>"#,
    r#"<xf numFmtId="1" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/>"#,
    r#"<xf numFmtId="164" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/>"#,
    r#"<xf numFmtId="2" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/>"#,
    r#"<xf numFmtId="165" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/>"#,
    r#"<xf numFmtId="166" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/>"#,
    r#"<xf numFmtId="167" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/>"#,
    r#"<xf numFmtId="2" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/>"#,
    r#"</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#,
    r#"<dxfs count="0"/><tableStyles count="0"/></styleSheet>"#,
);

const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// Where a sheet's filter lies.
struct SheetRange {
    name: String,
    header_row: u32,
    last_column: String,
    data_end: u32,
}

/// A workbook written as rows arrive. [`XlsxSink::start`] writes the styles and opens the first
/// sheet (title block, header); [`RowSink::row`] writes a row; [`XlsxSink::end`] writes the 合计
/// row and the workbook's parts and gives the writer back.
pub struct XlsxSink<W: Write + Send> {
    zip: ZipWriter<zip::write::StreamWriter<W>>,
    options: SimpleFileOptions,
    name: String,
    title: Vec<String>,
    header: Vec<String>,
    widths: Vec<f64>,
    numbered: bool,
    sums: Option<Sums>,
    letters: Vec<String>,
    /// Sheets begun: name, header row, last column and last data row (the filter's range).
    sheets: Vec<SheetRange>,
    /// Sheets of the current table (a table spills into more than one).
    table_sheets: usize,
    header_row: u32,
    /// The sheet row last written (1-based, as Excel counts) and the rows written in all.
    r: u32,
    written: u64,
    /// Rows a sheet takes before the next one begins (Excel's limit; lower in tests).
    sheet_rows: u32,
    buf: Vec<u8>,
}

impl<W: Write + Send> XlsxSink<W> {
    /// Starts the workbook of `layout` (its rows, if any, are not written: see [`Table::to_xlsx`]),
    /// with a width per column (in characters; a 序号 column is added at 8 when numbered).
    pub fn start(out: W, layout: &Table, widths: Vec<f64>) -> io::Result<XlsxSink<W>> {
        let mut zip = ZipWriter::new_stream(out);
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(1))
            .large_file(false);
        zip.start_file("xl/styles.xml", options).map_err(io::Error::other)?;
        zip.write_all(STYLES.as_bytes())?;
        let mut sink = XlsxSink {
            zip,
            options,
            name: String::new(),
            title: Vec::new(),
            header: Vec::new(),
            widths: Vec::new(),
            numbered: false,
            sums: None,
            letters: Vec::new(),
            sheets: Vec::new(),
            table_sheets: 0,
            header_row: 1,
            r: 0,
            written: 0,
            sheet_rows: EXCEL_ROWS,
            buf: Vec::with_capacity(4096),
        };
        sink.set_table(layout, widths);
        sink.open_sheet()?;
        Ok(sink)
    }

    /// The table the next rows belong to: its sheet's name, title block, header and widths.
    fn set_table(&mut self, layout: &Table, widths: Vec<f64>) {
        let mut header: Vec<String> = layout.columns.iter().map(|c| c.title.clone()).collect();
        let mut all_widths = widths;
        if layout.numbered {
            header.insert(0, "序号".into());
            all_widths.insert(0, 8.0);
        }
        let name: String = layout
            .sheet
            .chars()
            .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\' | '\'') && !c.is_control())
            .take(31)
            .collect();
        self.letters = (0..header.len()).map(column_letters).collect();
        self.header_row = if layout.title.is_empty() { 1 } else { layout.title.len() as u32 + 2 };
        self.name = if name.trim().is_empty() { format!("Sheet{}", self.sheets.len() + 1) } else { name };
        self.title = layout.title.clone();
        self.header = header;
        self.widths = all_widths;
        self.numbered = layout.numbered;
        self.sums = layout.totals.then(|| Sums::new(&layout.columns));
        self.table_sheets = 0;
        self.written = 0;
    }

    /// Ends the current table (its 合计 row, its sheet) and begins another on a sheet of its own:
    /// one workbook holding several lists (the exchange workbook's 人员, 项目, 帮扶记录).
    pub fn next_table(&mut self, layout: &Table, widths: Vec<f64>) -> io::Result<()> {
        self.end_table()?;
        self.set_table(layout, widths);
        self.open_sheet()
    }

    /// A lower number of rows per sheet than Excel's (to try the spill into the next sheet).
    pub fn with_sheet_rows(mut self, rows: u32) -> XlsxSink<W> {
        self.sheet_rows = rows.clamp(self.header_row + 2, EXCEL_ROWS);
        self
    }

    /// The next sheet: its name ("帮困对象", then "帮困对象（2）" …), frozen header, column widths,
    /// the title block and the header row.
    fn open_sheet(&mut self) -> io::Result<()> {
        let n = self.sheets.len() + 1;
        self.table_sheets += 1;
        let name = if self.table_sheets == 1 {
            self.name.clone()
        } else {
            let tail = format!("（{}）", self.table_sheets);
            let keep = 31 - tail.chars().count();
            format!("{}{tail}", self.name.chars().take(keep).collect::<String>())
        };
        self.sheets.push(SheetRange {
            name,
            header_row: self.header_row,
            last_column: self.letters.last().cloned().unwrap_or_else(|| "A".into()),
            data_end: self.header_row,
        });
        self.zip.start_file(format!("xl/worksheets/sheet{n}.xml"), self.options).map_err(io::Error::other)?;
        let mut head = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"{MAIN_NS}\" xmlns:r=\"{REL_NS}\"><sheetViews><sheetView {}workbookViewId=\"0\"><pane ySplit=\"{hr}\" topLeftCell=\"A{next}\" activePane=\"bottomLeft\" state=\"frozen\"/><selection pane=\"bottomLeft\"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight=\"15\"/><cols>",
            if n == 1 { "tabSelected=\"1\" " } else { "" },
            hr = self.header_row,
            next = self.header_row + 1,
        );
        for (i, w) in self.widths.iter().enumerate() {
            // Excel's stored width: characters plus its padding, in 1/256 (as Excel writes it).
            let stored = ((w * 7.0 + 5.0) / 7.0 * 256.0).trunc() / 256.0;
            head.push_str(&format!("<col min=\"{c}\" max=\"{c}\" width=\"{stored}\" customWidth=\"1\"/>", c = i + 1));
        }
        head.push_str("</cols><sheetData>");
        self.zip.write_all(head.as_bytes())?;
        self.r = 0;
        for i in 0..self.title.len() {
            let style = if i == 0 { xf::HEADING } else { xf::NOTE };
            let line = self.title[i].clone();
            self.begin_row();
            self.text_cell(0, &line, style);
            self.end_row()?;
        }
        if !self.title.is_empty() {
            self.r += 1;
        }
        let header = std::mem::take(&mut self.header);
        self.begin_row();
        for (c, t) in header.iter().enumerate() {
            self.text_cell(c, t, xf::HEADER);
        }
        self.header = header;
        self.end_row()
    }

    /// The sheet's end: its filter over the header and the rows (not the 合计 row).
    fn close_sheet(&mut self, data_end: u32) -> io::Result<()> {
        let last = self.letters.last().cloned().unwrap_or_else(|| "A".into());
        let tail = format!(
            "</sheetData><autoFilter ref=\"A{}:{last}{data_end}\"/><pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/></worksheet>",
            self.header_row
        );
        if let Some(s) = self.sheets.last_mut() {
            s.data_end = data_end;
        }
        self.zip.write_all(tail.as_bytes())
    }

    fn begin_row(&mut self) {
        self.r += 1;
        self.buf.clear();
        self.buf.extend_from_slice(b"<row r=\"");
        push_int(&mut self.buf, i64::from(self.r));
        self.buf.extend_from_slice(b"\">");
    }

    fn end_row(&mut self) -> io::Result<()> {
        self.buf.extend_from_slice(b"</row>");
        self.zip.write_all(&self.buf)
    }

    fn cell_open(&mut self, c: usize, style: u8, kind: Option<&str>) {
        self.buf.extend_from_slice(b"<c r=\"");
        self.buf.extend_from_slice(self.letters[c].as_bytes());
        push_int(&mut self.buf, i64::from(self.r));
        self.buf.push(b'"');
        if style != 0 {
            self.buf.extend_from_slice(b" s=\"");
            push_int(&mut self.buf, i64::from(style));
            self.buf.push(b'"');
        }
        if let Some(k) = kind {
            self.buf.extend_from_slice(b" t=\"");
            self.buf.extend_from_slice(k.as_bytes());
            self.buf.push(b'"');
        }
        self.buf.push(b'>');
    }

    fn text_cell(&mut self, c: usize, text: &str, style: u8) {
        self.cell_open(c, style, Some("inlineStr"));
        if text.starts_with(char::is_whitespace) || text.ends_with(char::is_whitespace) {
            self.buf.extend_from_slice(b"<is><t xml:space=\"preserve\">");
        } else {
            self.buf.extend_from_slice(b"<is><t>");
        }
        push_escaped(&mut self.buf, text);
        self.buf.extend_from_slice(b"</t></is></c>");
    }

    fn number_cell(&mut self, c: usize, style: u8, write: impl FnOnce(&mut Vec<u8>)) {
        self.cell_open(c, style, None);
        self.buf.extend_from_slice(b"<v>");
        write(&mut self.buf);
        self.buf.extend_from_slice(b"</v></c>");
    }

    fn value(&mut self, c: usize, v: &Value, bold: bool) {
        let b = |plain: u8| if bold { plain + xf::BOLD } else { plain };
        match v {
            Value::Empty => {}
            Value::Text(s) => self.text_cell(c, s, if bold { xf::BOLD_TEXT } else { 0 }),
            Value::IdText(s) => self.text_cell(c, s, b(xf::ID)),
            Value::Int(n) => self.number_cell(c, b(xf::INT), |out| push_int(out, *n)),
            Value::Money(f) => self.number_cell(c, b(xf::MONEY), |out| push_yuan(out, *f)),
            Value::PlainMoney(f) => self.number_cell(c, b(xf::PLAIN_MONEY), |out| push_yuan(out, *f)),
            Value::Date(d) => self.number_cell(c, b(xf::DATE), |out| push_int(out, excel_day(*d))),
            Value::Time(t) => {
                let secs = i64::from(t.hour()) * 3600 + i64::from(t.minute()) * 60 + i64::from(t.second());
                let x = excel_day(t.date()) as f64 + secs as f64 / 86_400.0;
                self.number_cell(c, b(xf::TIME), |out| out.extend_from_slice(x.to_string().as_bytes()))
            }
            Value::Decimal(x, d) if x.is_finite() => {
                let style = if *d <= 1 { xf::DEC1 } else { xf::DEC2 };
                self.number_cell(c, b(style), |out| out.extend_from_slice(x.to_string().as_bytes()))
            }
            Value::Decimal(..) => {}
        }
    }

    /// The 合计 row, the last sheet's end and the workbook's parts; the writer back.
    pub fn end(mut self) -> io::Result<W> {
        self.end_table()?;
        self.parts()?;
        let out = self.zip.finish().map_err(io::Error::other)?;
        let mut out = out.into_inner();
        out.flush()?;
        Ok(out)
    }

    /// The current table's 合计 row and the end of its last sheet.
    fn end_table(&mut self) -> io::Result<()> {
        let data_end = self.r;
        if let Some(total) = self.sums.as_ref().map(|s| if self.numbered { s.values() } else { s.total_row() }) {
            self.begin_row();
            let offset = usize::from(self.numbered);
            if self.numbered {
                self.value(0, &Value::text("合计"), true);
            }
            for (c, v) in total.iter().enumerate() {
                self.value(c + offset, v, true);
            }
            self.end_row()?;
        }
        self.close_sheet(data_end)
    }

    /// workbook.xml (sheets and their filter ranges), its relationships, the package's.
    fn parts(&mut self) -> io::Result<()> {
        let mut sheets = String::new();
        let mut names = String::new();
        let mut rels = String::new();
        let mut types = String::new();
        for (i, sheet) in self.sheets.iter().enumerate() {
            let n = i + 1;
            let mut escaped = Vec::new();
            push_escaped(&mut escaped, &sheet.name);
            let escaped = String::from_utf8_lossy(&escaped).replace('"', "&quot;");
            sheets.push_str(&format!("<sheet name=\"{escaped}\" sheetId=\"{n}\" r:id=\"rId{n}\"/>"));
            names.push_str(&format!(
                "<definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"{i}\" hidden=\"1\">'{}'!$A${}:${}${}</definedName>",
                escaped.replace('\'', "''"),
                sheet.header_row,
                sheet.last_column,
                sheet.data_end
            ));
            rels.push_str(&format!(
                "<Relationship Id=\"rId{n}\" Type=\"{REL_NS}/worksheet\" Target=\"worksheets/sheet{n}.xml\"/>"
            ));
            types.push_str(&format!(
                "<Override PartName=\"/xl/worksheets/sheet{n}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
            ));
        }
        let styles_id = self.sheets.len() + 1;
        let decl = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
        let parts = [
            (
                "xl/workbook.xml",
                format!(
                    "{decl}<workbook xmlns=\"{MAIN_NS}\" xmlns:r=\"{REL_NS}\"><bookViews><workbookView/></bookViews><sheets>{sheets}</sheets><definedNames>{names}</definedNames></workbook>"
                ),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                format!(
                    "{decl}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">{rels}<Relationship Id=\"rId{styles_id}\" Type=\"{REL_NS}/styles\" Target=\"styles.xml\"/></Relationships>"
                ),
            ),
            (
                "_rels/.rels",
                format!(
                    "{decl}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{REL_NS}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
                ),
            ),
            (
                "[Content_Types].xml",
                format!(
                    "{decl}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>{types}</Types>"
                ),
            ),
        ];
        for (path, text) in parts {
            self.zip.start_file(path, self.options).map_err(io::Error::other)?;
            self.zip.write_all(text.as_bytes())?;
        }
        Ok(())
    }
}

impl<W: Write + Send> RowSink for XlsxSink<W> {
    fn row(&mut self, row: &[Value]) -> io::Result<()> {
        // One row kept free at the end of every sheet for the 合计 row.
        if self.r + 2 > self.sheet_rows {
            let end = self.r;
            self.close_sheet(end)?;
            self.open_sheet()?;
        }
        if let Some(s) = self.sums.as_mut() {
            s.add(row);
        }
        self.written += 1;
        let offset = usize::from(self.numbered);
        self.begin_row();
        if self.numbered {
            let n = self.written as i64;
            self.number_cell(0, 0, |out| push_int(out, n));
        }
        for (c, v) in row.iter().enumerate().take(self.letters.len() - offset) {
            self.value(c + offset, v, false);
        }
        self.end_row()
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        self.end().map(drop)
    }
}

/// A (zero-based) column's letters: A … Z, AA …
fn column_letters(mut c: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A day as Excel counts it (days since 1899-12-30, right for every date after February 1900).
fn excel_day(d: Date) -> i64 {
    (d - date!(1899 - 12 - 30)).whole_days()
}

fn push_int(out: &mut Vec<u8>, n: i64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[i..]);
}

/// Fen as 元, exactly: "1200.50", "-0.01".
fn push_yuan(out: &mut Vec<u8>, f: Fen) {
    if f.0 < 0 {
        out.push(b'-');
    }
    let v = f.0.unsigned_abs();
    push_int(out, (v / 100) as i64);
    out.push(b'.');
    out.push(b'0' + (v % 100 / 10) as u8);
    out.push(b'0' + (v % 10) as u8);
}

/// Text for an XML element: & < > escaped, characters XML 1.0 cannot carry left out.
fn push_escaped(out: &mut Vec<u8>, s: &str) {
    for ch in s.chars() {
        match ch {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '>' => out.extend_from_slice(b"&gt;"),
            '\t' | '\n' | '\r' => out.push(ch as u8),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => {
                let mut b = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_numbers_and_text_are_written_as_excel_reads_them() {
        let letters: Vec<String> = [0, 25, 26, 27, 51, 52, 701, 702].into_iter().map(column_letters).collect();
        assert_eq!(letters, vec!["A", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
        let mut out = Vec::new();
        push_yuan(&mut out, Fen(-1));
        out.push(b' ');
        push_yuan(&mut out, Fen(120_050));
        out.push(b' ');
        push_int(&mut out, i64::MIN);
        out.push(b' ');
        push_escaped(&mut out, "a<b>&c\u{1}\u{b}d");
        assert_eq!(String::from_utf8(out).unwrap(), "-0.01 1200.50 -9223372036854775808 a&lt;b&gt;&amp;cd");
        assert_eq!(excel_day(date!(2026 - 12 - 02)), 46358);
    }
}
