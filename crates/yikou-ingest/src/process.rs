//! One pass over a roster file: find the sheet and its header, skip footers and empty rows,
//! validate every row, hand valid rows to the caller and keep the rejected ones for the error
//! workbook.

use time::Date;
use yikou_domain::Standard;

use crate::columns::{find_header, is_footer, Field, HeaderMap};
use crate::limits::Budget;
use crate::read::{read_rows_within, Cell, FileError, Format, Source, Stop};
use crate::validate::{Reference, Register, RowIssue, ValidRow, Validator};

/// At most this many problems are kept (a file that is wrong everywhere still gets its first
/// 200,000 problems listed, and the counts stay exact).
pub const MAX_ISSUES: usize = 200_000;

pub struct Options<'a> {
    pub sheet: Option<&'a str>,
    pub reference: &'a Reference,
    pub register: &'a dyn Register,
    /// The project whose standard amounts must meet (name, standard).
    pub standard: Option<(&'a str, Standard)>,
    /// The date ages are computed at.
    pub today: Date,
    /// The street (code) of rows whose 街镇 is blank or missing: the importing clerk's own.
    pub default_street: Option<&'a str>,
}

#[derive(Debug)]
pub struct Outcome {
    pub source: Source,
    pub header: HeaderMap,
    pub header_cells: Vec<Cell>,
    /// Data rows (header, title, footer and empty rows not counted).
    pub rows: u64,
    pub valid: u64,
    pub invalid: u64,
    pub warnings: u64,
    /// Errors and warnings, in row order (at most [`MAX_ISSUES`]).
    pub issues: Vec<RowIssue>,
    pub issues_truncated: bool,
    /// The rejected rows as they were, for the error workbook.
    pub rejected: Vec<(u32, Vec<Cell>)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("在文件前12行中找不到表头（需要“身份证号”“姓名”等列名）：请使用导入模板，或检查表头是否被改动{}", if .0.is_empty() { String::new() } else { format!("（已查看工作表：{}）", .0.join("、")) })]
    NoHeader(Vec<String>),
    #[error("表头中没有“{}”列：请使用导入模板，或把该列的列名改为“{}”", .0.label(), .0.label())]
    MissingColumn(Field),
    /// The register the rows are checked against could not be read (the file itself was fine).
    #[error("读取帮困对象库失败，名单未能核对：{0}。请稍后重试；如仍失败请联系系统管理员")]
    Register(String),
}

impl ProcessError {
    pub fn code(&self) -> &'static str {
        match self {
            ProcessError::File(e) => e.code(),
            ProcessError::NoHeader(_) => "no_header",
            ProcessError::MissingColumn(_) => "missing_column",
            ProcessError::Register(_) => "register_unavailable",
        }
    }
}

enum State<'a> {
    Looking(Vec<(u32, Vec<Cell>)>),
    Reading(Box<Validator<'a>>),
}

/// Reads and validates the whole file. `on_valid` receives each valid row; `progress` the number of
/// data rows read so far (every 10,000 rows).
pub fn process(
    path: &std::path::Path,
    opts: &Options<'_>,
    on_valid: &mut dyn FnMut(ValidRow),
    progress: &mut dyn FnMut(u64),
) -> Result<Outcome, ProcessError> {
    // One budget for the whole file: trying sheet after sheet cannot inflate more than one file may.
    let budget = Budget::default();
    // Which sheets to try: the one asked for, or each in turn until one has a header.
    let candidates: Vec<Option<String>> = match opts.sheet {
        Some(s) => vec![Some(s.to_string())],
        None => match crate::read::detect(path)? {
            Format::Csv => vec![None],
            Format::Xlsx => crate::xlsx::sheets_within(path, &budget)?.into_iter().map(|(n, _)| Some(n)).collect(),
            Format::Xls => {
                let (_, sheets) = crate::read::preview(path, 0)?;
                sheets.into_iter().map(|(n, _)| Some(n)).collect()
            }
        },
    };
    let mut tried = Vec::new();
    for sheet in &candidates {
        if let Some(o) = process_sheet(path, sheet.as_deref(), &budget, opts, on_valid, progress)? {
            return Ok(o);
        }
        tried.extend(sheet.clone());
    }
    Err(ProcessError::NoHeader(tried))
}

fn process_sheet(
    path: &std::path::Path,
    sheet: Option<&str>,
    budget: &Budget,
    opts: &Options<'_>,
    on_valid: &mut dyn FnMut(ValidRow),
    progress: &mut dyn FnMut(u64),
) -> Result<Option<Outcome>, ProcessError> {
    let mut header: Option<HeaderMap> = None;
    let mut header_cells = Vec::new();
    let mut state = State::Looking(Vec::new());
    let mut counts = (0u64, 0u64, 0u64, 0u64); // rows, valid, invalid, warnings
    let mut issues: Vec<RowIssue> = Vec::new();
    let mut truncated = false;
    let mut rejected = Vec::new();
    let mut missing: Option<Field> = None;
    // The header map must outlive the validator that borrows it: keep it in a box leaked for the
    // duration of this call only through a scoped reference.
    let header_slot: std::cell::OnceCell<HeaderMap> = std::cell::OnceCell::new();

    let mut handle = |row: u32, cells: Vec<Cell>, v: &mut Validator<'_>| {
        if is_footer(&cells) {
            return;
        }
        counts.0 += 1;
        if counts.0.is_multiple_of(10_000) {
            progress(counts.0);
        }
        match v.check(row, &cells) {
            Ok((valid, warnings)) => {
                counts.1 += 1;
                counts.3 += warnings.len() as u64;
                for w in warnings {
                    if issues.len() < MAX_ISSUES {
                        issues.push(w);
                    } else {
                        truncated = true;
                    }
                }
                on_valid(valid);
            }
            Err(errs) => {
                counts.2 += 1;
                for e in errs {
                    if issues.len() < MAX_ISSUES {
                        issues.push(e);
                    } else {
                        truncated = true;
                    }
                }
                if rejected.len() < MAX_ISSUES {
                    rejected.push((row, cells));
                }
            }
        }
    };

    let source = read_rows_within(path, sheet, budget, |row, cells| match &mut state {
        State::Looking(buf) => {
            buf.push((row, cells));
            let found = find_header(buf);
            let enough = buf.len() >= 12;
            if let Some(h) = found.filter(|h| buf.last().is_some_and(|(r, _)| *r > h.row) || enough) {
                for f in [Field::IdNumber, Field::Name] {
                    if h.column(f).is_none() {
                        missing = Some(f);
                        return Err(Stop);
                    }
                }
                let buffered = std::mem::take(buf);
                header_cells = buffered.iter().find(|(r, _)| *r == h.row).map(|(_, c)| c.clone()).unwrap_or_default();
                let h = header_slot.get_or_init(|| h);
                let mut v = Box::new(
                    Validator::new(h, opts.reference, opts.register, opts.standard, opts.today)
                        .with_default_street(opts.default_street),
                );
                for (r, c) in buffered.into_iter().filter(|(r, _)| *r > h.row) {
                    handle(r, c, &mut v);
                }
                state = State::Reading(v);
            } else if enough {
                return Err(Stop);
            }
            Ok(())
        }
        State::Reading(v) => {
            handle(row, cells, v);
            Ok(())
        }
    })?;
    // A header in the last rows of a short file (no data rows after it).
    if let State::Looking(buf) = &state {
        if let Some(h) = find_header(buf) {
            header = Some(h);
        }
    }
    if let Some(f) = missing {
        return Err(ProcessError::MissingColumn(f));
    }
    let header = match header_slot.into_inner().or(header) {
        Some(h) => h,
        None => return Ok(None),
    };
    Ok(Some(Outcome {
        source,
        header,
        header_cells,
        rows: counts.0,
        valid: counts.1,
        invalid: counts.2,
        warnings: counts.3,
        issues,
        issues_truncated: truncated,
        rejected,
    }))
}
