//! Reading a roster file as rows of cells, whatever it is: .xlsx (streamed), .xls, or .csv in UTF-8
//! (with or without BOM) or GBK/GB18030. The format is recognised from the bytes, not the file name.
//! Anything that cannot be read becomes one [`FileError`] with a Chinese message; memory stays
//! bounded (the .xlsx sheet is streamed, CSV is decoded on the fly).

use std::fs::File;
use std::io::{BufRead, BufReader, Read};

use std::path::Path;

use crate::limits::Budget;

/// One cell as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    /// Text; shared strings of a workbook share one allocation.
    Text(std::sync::Arc<str>),
    /// A numeric cell (Excel keeps 15 significant digits).
    Number(f64),
    Bool(bool),
    /// A date cell, as YYYY-MM-DD.
    Date(String),
    /// An Excel error value such as #N/A.
    Error(String),
}

impl Cell {
    /// The cell as text, the way a clerk would read it on screen.
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.to_string(),
            Cell::Number(v) => number_text(*v),
            Cell::Bool(b) => if *b { "是" } else { "否" }.into(),
            Cell::Date(d) => d.clone(),
            Cell::Error(e) => e.clone(),
        }
    }

    /// The cell's text without copying when it is text.
    pub fn as_text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Cell::Text(s) => std::borrow::Cow::Borrowed(s),
            other => std::borrow::Cow::Owned(other.text()),
        }
    }

    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

/// A number as Excel shows it in a General cell: integers without ".0".
pub fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e17 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// 文件格式.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Xls,
    Csv,
}

impl Format {
    pub fn label(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
            Format::Csv => "csv",
        }
    }
}

/// Why a file cannot be read at all (exit status 2). Nothing is written in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("找不到文件“{0}”")]
    NotFound(String),
    #[error("无法读取文件“{name}”：{detail}")]
    Io { name: String, detail: String },
    #[error("文件是空的（0字节），请确认选择了正确的文件")]
    Empty,
    #[error("文件过大（{size_mb} MB，上限 {limit_mb} MB）：请按街镇或项目拆分后分别导入")]
    TooLarge { size_mb: u64, limit_mb: u64 },
    #[error("文件设置了打开密码，系统无法读取：请在Excel中取消密码（文件→信息→保护工作簿→用密码进行加密，清空密码）后重新导入")]
    Encrypted,
    #[error("这不是Excel或CSV文件（看起来是{0}）：请上传 .xlsx、.xls 或 .csv 格式的名单")]
    NotSpreadsheet(&'static str),
    #[error("文件已损坏，无法读取：{0}。请在Excel中打开后另存为 .xlsx 再导入")]
    Corrupt(String),
    #[error("文件解压后异常巨大（压缩比过高），疑似恶意文件，已拒绝读取")]
    ZipBomb,
    #[error("文件中的文字过多（超过 {limit_mb} MB），系统无法一次读取：请按街镇或项目拆分成几个文件后分别导入")]
    TooMuchText { limit_mb: u64 },
    #[error("文件解压后超过 {limit_mb} MB，超出一次可读取的上限：请按街镇或项目拆分成几个文件后分别导入")]
    TooMuchData { limit_mb: u64 },
    #[error("工作簿中没有名为“{name}”的工作表；现有工作表：{available}")]
    NoSuchSheet { name: String, available: String },
    #[error("工作簿中没有工作表")]
    NoSheets,
    #[error("读取这个 .xls 文件超出了内存或时间上限（{limit_mb} MB、{seconds} 秒），文件可能已损坏或被改动过：请在Excel中打开后另存为 .xlsx 再导入")]
    ReaderFailed { limit_mb: u64, seconds: u64 },
    #[error("文本是 UTF-16 编码：请在Excel中“另存为 → CSV UTF-8（逗号分隔）”后再导入")]
    Utf16,
}

impl FileError {
    pub fn code(&self) -> &'static str {
        match self {
            FileError::NotFound(_) => "file_not_found",
            FileError::Io { .. } => "file_io",
            FileError::Empty => "file_empty",
            FileError::TooLarge { .. } => "file_too_large",
            FileError::Encrypted => "file_encrypted",
            FileError::NotSpreadsheet(_) => "file_not_spreadsheet",
            FileError::Corrupt(_) => "file_corrupt",
            FileError::ZipBomb => "file_zip_bomb",
            FileError::TooMuchText { .. } => "file_too_much_text",
            FileError::TooMuchData { .. } => "file_too_much_data",
            FileError::NoSuchSheet { .. } => "file_no_such_sheet",
            FileError::NoSheets => "file_no_sheets",
            FileError::ReaderFailed { .. } => "file_reader_failed",
            FileError::Utf16 => "file_utf16",
        }
    }
}

/// Largest file accepted: a district's biggest list is a few MB; a city's 1,000,000-row roster is
/// under 100 MB.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// Recognises the format from the first bytes.
pub fn detect(path: &Path) -> Result<Format, FileError> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|_| FileError::NotFound(name.clone()))?;
    if meta.is_dir() {
        return Err(FileError::Io { name, detail: "这是一个文件夹".into() });
    }
    if meta.len() == 0 {
        return Err(FileError::Empty);
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(FileError::TooLarge { size_mb: meta.len() >> 20, limit_mb: MAX_FILE_BYTES >> 20 });
    }
    let mut head = [0u8; 8];
    let mut f = File::open(path).map_err(|e| FileError::Io { name: name.clone(), detail: e.to_string() })?;
    let n = read_up_to(&mut f, &mut head).map_err(|e| FileError::Io { name, detail: e.to_string() })?;
    let head = &head[..n];
    Ok(match head {
        [0x50, 0x4B, 0x03, 0x04, ..] => Format::Xlsx,
        [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] => Format::Xls,
        [0x25, 0x50, 0x44, 0x46, ..] => return Err(FileError::NotSpreadsheet("PDF文档")),
        [0x89, 0x50, 0x4E, 0x47, ..] | [0xFF, 0xD8, 0xFF, ..] | [0x47, 0x49, 0x46, ..] => {
            return Err(FileError::NotSpreadsheet("图片"))
        }
        [0x52, 0x61, 0x72, 0x21, ..] | [0x37, 0x7A, 0xBC, 0xAF, ..] | [0x1F, 0x8B, ..] => {
            return Err(FileError::NotSpreadsheet("压缩包"))
        }
        [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..] => return Err(FileError::Utf16),
        _ => Format::Csv,
    })
}

pub(crate) fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// What was read besides the rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub format: Format,
    /// For CSV: "UTF-8", "UTF-8 (BOM)" or "GB18030".
    pub encoding: Option<&'static str>,
    /// The sheet read (workbooks), and all sheets in the workbook.
    pub sheet: Option<String>,
    pub sheets: Vec<String>,
}

/// Signals that the caller wants no more rows.
#[derive(Debug)]
pub struct Stop;

/// The first rows of each sheet (to choose the sheet with a recognisable header).
pub fn preview(path: &Path, rows: usize) -> Result<(Format, Vec<(String, Vec<Vec<Cell>>)>), FileError> {
    let format = detect(path)?;
    let budget = Budget::default();
    let names = match format {
        Format::Csv => vec![String::new()],
        Format::Xlsx => crate::xlsx::sheets_within(path, &budget)?.into_iter().map(|(n, _)| n).collect(),
        Format::Xls => return Ok((format, crate::xls::preview(path, rows)?)),
    };
    let mut out = Vec::new();
    for name in names {
        let mut got = Vec::new();
        let sheet = (format != Format::Csv).then_some(name.as_str());
        read_rows_within(path, sheet, &budget, |_, cells| {
            got.push(cells);
            if got.len() >= rows {
                Err(Stop)
            } else {
                Ok(())
            }
        })?;
        out.push((name, got));
    }
    Ok((format, out))
}

/// Calls `f(row_number, cells)` for every row of the sheet (Excel's 1-based row numbers; rows that
/// are entirely empty are skipped but keep the numbering). `sheet` None: the first sheet.
pub fn read_rows(
    path: &Path,
    sheet: Option<&str>,
    f: impl FnMut(u32, Vec<Cell>) -> Result<(), Stop>,
) -> Result<Source, FileError> {
    read_rows_within(path, sheet, &Budget::default(), f)
}

/// Like [`read_rows`], charging what a workbook inflates to `budget` (one budget for every read of
/// the same file).
pub fn read_rows_within(
    path: &Path,
    sheet: Option<&str>,
    budget: &Budget,
    mut f: impl FnMut(u32, Vec<Cell>) -> Result<(), Stop>,
) -> Result<Source, FileError> {
    let format = detect(path)?;
    match format {
        Format::Csv => read_csv(path, &mut f),
        Format::Xlsx => {
            crate::limits::check_zip(path)?;
            let list = crate::xlsx::sheets_within(path, budget)?;
            let sheets: Vec<String> = list.iter().map(|(n, _)| n.clone()).collect();
            let name = pick_sheet(&sheets, sheet)?;
            let part = &list.iter().find(|(n, _)| *n == name).expect("picked from the list").1;
            crate::xlsx::read_sheet(path, part, budget, &mut f)?;
            Ok(Source { format, encoding: None, sheet: Some(name), sheets })
        }
        Format::Xls => {
            let (name, sheets) = crate::xls::rows(path, sheet, &mut f)?;
            Ok(Source { format, encoding: None, sheet: Some(name), sheets })
        }
    }
}

pub(crate) fn pick_sheet(sheets: &[String], wanted: Option<&str>) -> Result<String, FileError> {
    match wanted {
        None => sheets.first().cloned().ok_or(FileError::NoSheets),
        Some(w) => sheets
            .iter()
            .find(|s| s.as_str() == w)
            .cloned()
            .ok_or_else(|| FileError::NoSuchSheet { name: w.to_string(), available: sheets.join("、") }),
    }
}

// ---------- CSV ----------

fn read_csv(path: &Path, f: &mut impl FnMut(u32, Vec<Cell>) -> Result<(), Stop>) -> Result<Source, FileError> {
    let io = |e: std::io::Error| FileError::Io { name: path.display().to_string(), detail: e.to_string() };
    let mut file = BufReader::with_capacity(1 << 16, File::open(path).map_err(io)?);
    let sample = file.fill_buf().map_err(io)?.to_vec();
    let (encoding, skip) = if sample.starts_with(&[0xEF, 0xBB, 0xBF]) {
        ("UTF-8 (BOM)", 3)
    } else if looks_utf8(&sample) {
        ("UTF-8", 0)
    } else {
        ("GB18030", 0)
    };
    if looks_binary(&sample) {
        return Err(FileError::NotSpreadsheet("二进制文件"));
    }
    file.consume(skip);
    let first_line: String = String::from_utf8_lossy(&sample[skip..]).lines().next().unwrap_or("").to_string();
    let delimiter = if first_line.matches('\t').count() > first_line.matches(',').count() {
        b'\t'
    } else if first_line.matches(';').count() > first_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let decoded: Box<dyn Read> =
        if encoding == "GB18030" { Box::new(Decoding::new(file, encoding_rs::GB18030)) } else { Box::new(file) };
    // Excel shows every line as a row, empty ones included, but the csv reader skips empty lines:
    // give each empty line a delimiter so it stays a (blank) record and the line numbers hold.
    let reader = EmptyLineMarker { inner: decoded, delimiter, at_line_start: true, in_quotes: false, pending: None };
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(1 << 16)
        .from_reader(reader);
    let mut record = csv::ByteRecord::new();
    let mut row = 0u32;
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(FileError::Corrupt(format!("第{}行CSV格式错误：{e}", row + 1))),
        }
        // Every line is a record now (see EmptyLineMarker), so the record count is the Excel row.
        row += 1;
        let cells: Vec<Cell> = record
            .iter()
            .map(|b| {
                let s = String::from_utf8_lossy(b);
                if s.trim().is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(s.into())
                }
            })
            .collect();
        if cells.iter().any(|c| !c.is_blank()) && f(row, cells).is_err() {
            break;
        }
    }
    Ok(Source { format: Format::Csv, encoding: Some(encoding), sheet: None, sheets: Vec::new() })
}

/// Passes bytes through, putting a delimiter on every empty line outside quotes.
struct EmptyLineMarker<R> {
    inner: R,
    delimiter: u8,
    at_line_start: bool,
    in_quotes: bool,
    pending: Option<u8>,
}

impl<R: Read> Read for EmptyLineMarker<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if let Some(b) = self.pending.take() {
            buf[0] = b;
            return Ok(1);
        }
        // Read into the back half so that inserted bytes fit in front.
        let half = (buf.len() / 2).max(1);
        let mut tmp = vec![0u8; half];
        let n = self.inner.read(&mut tmp)?;
        let mut w = 0;
        for &b in &tmp[..n] {
            if !self.in_quotes && self.at_line_start && (b == b'\n' || b == b'\r') && w < buf.len() {
                buf[w] = self.delimiter;
                w += 1;
            }
            if b == b'"' {
                self.in_quotes = !self.in_quotes;
            }
            if w < buf.len() {
                buf[w] = b;
                w += 1;
            } else {
                self.pending = Some(b);
            }
            self.at_line_start = !self.in_quotes && b == b'\n';
        }
        Ok(w)
    }
}

/// Valid UTF-8, allowing a sequence cut off at the end of the sample.
fn looks_utf8(sample: &[u8]) -> bool {
    match std::str::from_utf8(sample) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && sample.len() - e.valid_up_to() < 4,
    }
}

fn looks_binary(sample: &[u8]) -> bool {
    sample.iter().take(4096).filter(|b| **b == 0).count() > 0
}

/// Decodes a legacy encoding to UTF-8 on the fly.
struct Decoding<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    in_start: usize,
    in_end: usize,
    output: Vec<u8>,
    out_start: usize,
    out_end: usize,
    eof: bool,
}

impl<R: Read> Decoding<R> {
    fn new(inner: R, enc: &'static encoding_rs::Encoding) -> Self {
        Decoding {
            inner,
            decoder: enc.new_decoder_without_bom_handling(),
            input: vec![0; 1 << 16],
            in_start: 0,
            in_end: 0,
            output: vec![0; 3 << 16],
            out_start: 0,
            out_end: 0,
            eof: false,
        }
    }
}

impl<R: Read> Read for Decoding<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.out_start < self.out_end {
                let n = buf.len().min(self.out_end - self.out_start);
                buf[..n].copy_from_slice(&self.output[self.out_start..self.out_start + n]);
                self.out_start += n;
                return Ok(n);
            }
            if self.eof && self.in_start == self.in_end {
                return Ok(0);
            }
            if self.in_start == self.in_end && !self.eof {
                let n = self.inner.read(&mut self.input)?;
                self.in_start = 0;
                self.in_end = n;
                self.eof = n == 0;
            }
            let (_, read, written, _) =
                self.decoder.decode_to_utf8(&self.input[self.in_start..self.in_end], &mut self.output, self.eof);
            self.in_start += read;
            self.out_start = 0;
            self.out_end = written;
            if self.eof && written == 0 {
                self.in_start = self.in_end;
                return Ok(0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_of(path: &Path) -> (Source, Vec<(u32, Vec<String>)>) {
        let mut rows = Vec::new();
        let src = read_rows(path, None, |n, cells| {
            rows.push((n, cells.iter().map(Cell::text).collect()));
            Ok(())
        })
        .unwrap();
        (src, rows)
    }

    #[test]
    fn csv_in_utf8_with_and_without_bom_and_in_gbk() {
        let dir = tempfile::tempdir().unwrap();
        let text =
            "姓名,身份证号,金额\r\n张三,11010519491231002X,900\r\n\r\n李四,34052419800101001X,\"1,200.50\"\r\n1\n";
        let plain = dir.path().join("a.csv");
        std::fs::write(&plain, text).unwrap();
        let bom = dir.path().join("b.csv");
        std::fs::write(&bom, [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat()).unwrap();
        let gbk = dir.path().join("c.csv");
        let (bytes, _, _) = encoding_rs::GBK.encode(text);
        std::fs::write(&gbk, &bytes).unwrap();
        for (p, enc) in [(&plain, "UTF-8"), (&bom, "UTF-8 (BOM)"), (&gbk, "GB18030")] {
            let (src, rows) = rows_of(p);
            assert_eq!(src.encoding, Some(enc));
            assert_eq!(rows.len(), 4, "{enc}: empty row skipped");
            assert_eq!(rows[3].0, 5, "{enc}: a one-character line is a row, not an empty line");
            assert_eq!(rows[0].1[0], "姓名");
            assert_eq!(rows[2].0, 4, "{enc}: row numbers keep counting over the empty row");
            assert_eq!(rows[2].1, vec!["李四", "34052419800101001X", "1,200.50"]);
        }
    }

    #[test]
    fn gbk_decoding_survives_buffer_boundaries() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::from("姓名,备注\n");
        for i in 0..20_000 {
            text.push_str(&format!("王{i},困难老人独居认知症\n"));
        }
        let (bytes, _, _) = encoding_rs::GBK.encode(&text);
        let p = dir.path().join("big.csv");
        std::fs::write(&p, &bytes).unwrap();
        let (_, rows) = rows_of(&p);
        assert_eq!(rows.len(), 20_001);
        assert!(rows.iter().skip(1).all(|r| r.1[1] == "困难老人独居认知症"));
        assert_eq!(rows[20_000].1[0], "王19999");
    }

    #[test]
    fn files_that_are_not_rosters_get_one_clear_message() {
        let dir = tempfile::tempdir().unwrap();
        let cases: [(&str, &[u8], &str); 5] = [
            ("empty.xlsx", b"", "file_empty"),
            ("scan.xlsx", b"%PDF-1.4 ...", "file_not_spreadsheet"),
            ("photo.csv", b"\x89PNG\r\n\x1a\n....", "file_not_spreadsheet"),
            ("broken.xlsx", b"PK\x03\x04 this is not really a zip", "file_corrupt"),
            ("u16.csv", b"\xFF\xFEa\x00b\x00", "file_utf16"),
        ];
        for (name, bytes, code) in cases {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            let e = read_rows(&p, None, |_, _| Ok(())).unwrap_err();
            assert_eq!(e.code(), code, "{name}: {e}");
        }
        let e = read_rows(&dir.path().join("missing.csv"), None, |_, _| Ok(())).unwrap_err();
        assert_eq!(e.code(), "file_not_found");
    }
}
