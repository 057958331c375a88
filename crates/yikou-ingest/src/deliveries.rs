//! A provider's monthly delivery list (服务明细月报): one row per delivery — 姓名, 身份证号, 服务类别,
//! 服务日期, 数量 (hours or times) — read from .xlsx, .xls or CSV (UTF-8 or GBK), the header found by
//! name below any title block, footer lines without an ID number left out. The rows come back as text
//! with their Excel row numbers; what they mean (a person of the area, a kind, a day in the contract)
//! is checked where the register is.

use std::path::Path;

use time::Date;

use crate::read::{read_rows, Cell, FileError, Stop};

/// One data row, its cells as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryRow {
    /// The row in the file (Excel's numbering).
    pub row: u32,
    pub name: String,
    pub id_number: String,
    pub kind: String,
    pub date: String,
    pub quantity: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryFileError {
    #[error("{0}")]
    File(#[from] FileError),
    #[error("没有找到表头：服务明细的表头须含“姓名”“身份证号”“服务类别”“服务日期”“数量”（或“时长”“次数”）各列")]
    NoHeader,
    #[error("表头缺少“{0}”列：服务明细须含“姓名”“身份证号”“服务类别”“服务日期”“数量”（或“时长”“次数”）各列")]
    MissingColumn(&'static str),
    #[error("文件中没有服务明细行")]
    Empty,
}

/// The column names, and the header texts each is known by.
const COLUMNS: [(&str, &[&str]); 5] = [
    ("姓名", &["姓名"]),
    ("身份证号", &["身份证号", "身份证号码", "公民身份号码"]),
    ("服务类别", &["服务类别", "服务项目", "服务内容"]),
    ("服务日期", &["服务日期", "日期"]),
    ("数量", &["数量", "时长", "时长（小时）", "时长(小时)", "服务时长", "服务时长（小时）", "次数", "服务次数"]),
];

const HEADER_WITHIN: u32 = 20;
/// A month's list of one provider is thousands of rows; past this the file is not a monthly list.
pub const MAX_ROWS: usize = 200_000;

fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace() && *c != '*').collect()
}

/// Reads a delivery list.
pub fn read_deliveries(path: &Path) -> Result<Vec<DeliveryRow>, DeliveryFileError> {
    let mut columns: Option<[Option<usize>; 5]> = None;
    let mut missing = None;
    let mut rows = Vec::new();
    read_rows(path, None, |row, cells: Vec<Cell>| {
        let Some(cols) = &columns else {
            let texts: Vec<String> = cells.iter().map(|c| clean(&c.text())).collect();
            if texts.iter().any(|t| COLUMNS[1].1.contains(&t.as_str())) {
                let mut found = [None; 5];
                for (i, (_, names)) in COLUMNS.iter().enumerate() {
                    found[i] = texts.iter().position(|t| names.contains(&t.as_str()));
                }
                missing = COLUMNS.iter().zip(found.iter()).find(|(_, f)| f.is_none()).map(|((n, _), _)| *n);
                columns = Some(found);
                if missing.is_some() {
                    return Err(Stop);
                }
            } else if row > HEADER_WITHIN {
                return Err(Stop);
            }
            return Ok(());
        };
        let at = |i: usize| cols[i].and_then(|c| cells.get(c)).map(|c| c.text().trim().to_string()).unwrap_or_default();
        let id_number = at(1);
        // A footer (合计) or a line with nothing in it is not a delivery; a line with a name, kind or
        // day but no ID number is one, and is refused for it.
        let blank = id_number.is_empty() && at(2).is_empty() && at(3).is_empty() && at(4).is_empty();
        if blank || at(0) == "合计" {
            return Ok(());
        }
        if rows.len() >= MAX_ROWS {
            return Err(Stop);
        }
        rows.push(DeliveryRow { row, name: at(0), id_number, kind: at(2), date: at(3), quantity: at(4) });
        Ok(())
    })?;
    if let Some(m) = missing {
        return Err(DeliveryFileError::MissingColumn(m));
    }
    if columns.is_none() {
        return Err(DeliveryFileError::NoHeader);
    }
    if rows.is_empty() {
        return Err(DeliveryFileError::Empty);
    }
    Ok(rows)
}

/// A date as clerks write it: 2020-01-05, 2020/1/5, 2020.1.5, 2020年1月5日, 20200105.
pub fn loose_date(text: &str) -> Option<Date> {
    let t = text.trim().trim_end_matches('日');
    let parts: Vec<&str> = if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        vec![&t[..4], &t[4..6], &t[6..]]
    } else {
        t.split(['-', '/', '.', '年', '月']).collect()
    };
    if parts.len() != 3 {
        return None;
    }
    let y: i32 = parts[0].parse().ok()?;
    let m: u8 = parts[1].parse().ok()?;
    let d: u8 = parts[2].parse().ok()?;
    Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_with_a_title_block_and_a_footer_is_read_by_column_names() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.csv");
        let text = "某助老服务社2020年1月服务明细\n序号,姓名,身份证号,服务类别,服务日期,时长（小时）,备注\n1,张三,310112194001010011,助洁,2020/1/5,1.5,\n2,李四,310112194001010029,助餐,2020-01-06,1,\n3,王五,,助洁,2020-01-07,2,\n,合计,,,,4.5,\n";
        std::fs::write(&p, text).unwrap();
        let rows = read_deliveries(&p).unwrap();
        assert_eq!(rows.len(), 3, "a row without its ID number is kept (and refused later), the footer is not");
        assert_eq!((rows[0].row, rows[0].kind.as_str(), rows[0].quantity.as_str()), (3, "助洁", "1.5"));
        assert_eq!((rows[2].name.as_str(), rows[2].id_number.as_str()), ("王五", ""));
        std::fs::write(&p, "姓名,身份证号,服务日期,数量\n张三,1,2020-01-05,1\n").unwrap();
        assert!(matches!(read_deliveries(&p), Err(DeliveryFileError::MissingColumn("服务类别"))));
        std::fs::write(&p, "a,b\n1,2\n").unwrap();
        assert!(matches!(read_deliveries(&p), Err(DeliveryFileError::NoHeader)));
    }

    #[test]
    fn dates_are_read_as_clerks_write_them() {
        let want = Date::from_calendar_date(2020, time::Month::January, 5).unwrap();
        for t in ["2020-01-05", "2020/1/5", "2020.1.5", "2020年1月5日", "20200105"] {
            assert_eq!(loose_date(t), Some(want), "{t}");
        }
        assert_eq!(loose_date("2020-02-30"), None);
        assert_eq!(loose_date("一月五日"), None);
    }
}
