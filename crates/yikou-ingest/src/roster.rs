//! Generated rosters (名单) for tests and benchmarks: synthetic people with valid ID numbers, and
//! faults planted at known rows so that a test can check the rejected rows are exactly those.

use std::path::Path;

use rust_xlsxwriter::{Format, Workbook};
use time::{Date, Duration, Month};
use yikou_domain::id_number::compose;
use yikou_domain::reference::streets;
use yikou_domain::rng::Rng;

/// The ten columns of a generated roster, in the import template's words.
pub const COLUMNS: [&str; 10] =
    ["姓名", "身份证号", "性别", "联系电话", "户籍/居住地址", "街镇", "居委", "类别", "金额", "备注"];

/// A fault planted in one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Last character wrong.
    BadCheck,
    /// Check character right, date impossible (Feb 30).
    ImpossibleDate,
    /// The ID typed into a numeric cell (xlsx) or in scientific notation (CSV): digits lost.
    NumericId,
    /// Amount that is not a number.
    BadAmount,
    /// 性别 says the opposite of the ID.
    SexContradicts,
    /// Same ID as an earlier row.
    Duplicate,
    /// 街镇 not in Minhang.
    UnknownStreet,
}

impl Fault {
    /// Faults every peer script (ID and amount only) judges the same way. Numeric ID cells are left
    /// out: openpyxl reads them as integers, and about one in eleven then passes the check by chance.
    pub const PEER_VISIBLE: [Fault; 3] = [Fault::BadCheck, Fault::ImpossibleDate, Fault::BadAmount];
    pub const ALL: [Fault; 7] = [
        Fault::BadCheck,
        Fault::ImpossibleDate,
        Fault::NumericId,
        Fault::BadAmount,
        Fault::SexContradicts,
        Fault::Duplicate,
        Fault::UnknownStreet,
    ];
}

/// One generated row; `id_numeric` holds the value of a numeric ID cell.
#[derive(Debug, Clone)]
pub struct RosterRow {
    pub cells: [String; 10],
    pub id_numeric: Option<f64>,
    pub fault: Option<Fault>,
}

/// `n` rows; about `fault_rate` of them carry one fault drawn from `faults`.
pub fn generate(n: usize, seed: u64, fault_rate: f64, faults: &[Fault]) -> Vec<RosterRow> {
    let mut rng = Rng::new(seed);
    let street_names: Vec<&str> = streets().map(|u| u.name).collect();
    let cats = ["低保家庭", "低收入困难家庭", "困难老人", "重残无业人员", "困境儿童", "因病支出型贫困家庭"];
    let surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "朱", "沈", "顾", "陆"];
    let given =
        ["伟", "芳", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "华", "英", "兰"];
    let mut rows: Vec<RosterRow> = Vec::with_capacity(n);
    let mut seen = std::collections::HashSet::with_capacity(n);
    let start = Date::from_calendar_date(1930, Month::January, 1).expect("valid");
    while rows.len() < n {
        let birth = start + Duration::days(rng.below(80 * 365) as i64);
        let id = compose("310112", birth, rng.below(1000) as u16);
        if !seen.insert(id.as_str().to_string()) {
            continue;
        }
        let name = format!(
            "{}{}{}",
            surnames[rng.below(surnames.len() as u64) as usize],
            given[rng.below(given.len() as u64) as usize],
            if rng.chance(0.6) { given[rng.below(given.len() as u64) as usize] } else { "" }
        );
        let amount = [300, 500, 600, 700, 800, 900, 1000, 1100][rng.below(8) as usize];
        let phone = format!("13{}{:08}", rng.below(10), rng.below(100_000_000));
        let street = street_names[rng.below(14) as usize];
        let mut row = RosterRow {
            cells: [
                name,
                id.as_str().to_string(),
                id.sex().label().to_string(),
                phone,
                format!("{}某路{}号", street, 1 + rng.below(999)),
                street.to_string(),
                String::new(),
                cats[rng.below(cats.len() as u64) as usize].to_string(),
                amount.to_string(),
                String::new(),
            ],
            id_numeric: None,
            fault: None,
        };
        if !faults.is_empty() && rng.chance(fault_rate) {
            let fault = faults[rng.below(faults.len() as u64) as usize];
            let applied = match fault {
                Fault::BadCheck => {
                    let last = row.cells[1].pop().expect("18 chars");
                    let wrong = if last == '0' { '1' } else { '0' };
                    row.cells[1].push(wrong);
                    true
                }
                Fault::ImpossibleDate => {
                    let bad = format!("{}{}0230{}", &row.cells[1][..6], &row.cells[1][6..10], &row.cells[1][14..17]);
                    let c = yikou_domain::id_number::check_char(bad.as_bytes());
                    row.cells[1] = format!("{bad}{c}");
                    true
                }
                Fault::NumericId => {
                    let digits: String = row.cells[1].chars().filter(|c| c.is_ascii_digit()).collect();
                    let v: f64 = digits.parse().expect("digits");
                    // What Excel keeps: 15 significant digits.
                    let kept = format!("{:.14e}", v).parse::<f64>().expect("float");
                    row.id_numeric = Some(kept);
                    row.cells[1] = format!("{:.5E}", kept).replace("E", "E+");
                    true
                }
                Fault::BadAmount => {
                    row.cells[8] = "约五百".into();
                    true
                }
                Fault::SexContradicts => {
                    row.cells[2] = if row.cells[2] == "男" { "女" } else { "男" }.into();
                    true
                }
                Fault::Duplicate => match rows.iter().rev().find(|r| r.fault.is_none()) {
                    Some(prev) => {
                        row.cells[1] = prev.cells[1].clone();
                        row.cells[2] = prev.cells[2].clone();
                        true
                    }
                    None => false,
                },
                Fault::UnknownStreet => {
                    row.cells[5] = "火星街道".into();
                    true
                }
            };
            if applied {
                row.fault = Some(fault);
            }
        }
        rows.push(row);
    }
    rows
}

/// Writes rows as .xlsx (ID column formatted as text, as the template asks), streaming to disk.
pub fn write_xlsx(path: &Path, rows: &[RosterRow], title: Option<&str>) -> Result<(), rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let text = Format::new().set_num_format("@");
    let ws = wb.add_worksheet_with_low_memory()?;
    ws.set_name("名单")?;
    let mut r = 0u32;
    if let Some(t) = title {
        ws.write_string(0, 0, t)?;
        r = 1;
    }
    for (c, h) in COLUMNS.iter().enumerate() {
        ws.write_string(r, c as u16, *h)?;
    }
    for row in rows {
        r += 1;
        for (c, v) in row.cells.iter().enumerate() {
            if c == 1 {
                match row.id_numeric {
                    Some(n) => ws.write_number(r, 1, n)?,
                    None => ws.write_string_with_format(r, 1, v, &text)?,
                };
            } else if c == 8 {
                match v.parse::<f64>() {
                    Ok(n) => ws.write_number(r, 8, n)?,
                    Err(_) => ws.write_string(r, 8, v)?,
                };
            } else if !v.is_empty() {
                ws.write_string(r, c as u16, v)?;
            }
        }
    }
    wb.save(path)
}

/// Writes rows as UTF-8 CSV (with BOM, as Excel's "CSV UTF-8" does).
pub fn write_csv(path: &Path, rows: &[RosterRow]) -> std::io::Result<()> {
    use std::io::Write;
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    w.write_all(b"\xEF\xBB\xBF")?;
    writeln!(w, "{}", COLUMNS.join(","))?;
    for row in rows {
        let line: Vec<String> =
            row.cells
                .iter()
                .map(|c| {
                    if c.contains(',') || c.contains('"') {
                        format!("\"{}\"", c.replace('"', "\"\""))
                    } else {
                        c.clone()
                    }
                })
                .collect();
        writeln!(w, "{}", line.join(","))?;
    }
    w.flush()
}
