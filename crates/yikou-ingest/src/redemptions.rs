//! A charity supermarket's redemption list (卡券兑换明细): one row per voucher taken — 卡券编号,
//! 兑换日期, and the supermarket when the list covers several — read from .xlsx, .xls or CSV, the
//! header found by name, footer lines without a code left out.

use std::path::Path;

use crate::read::{read_rows, Cell, FileError, Stop};

/// One data row, its cells as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RedemptionRow {
    pub row: u32,
    pub code: String,
    pub date: String,
    /// Empty when the list has no supermarket column.
    pub supermarket: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RedemptionFileError {
    #[error("{0}")]
    File(#[from] FileError),
    #[error("没有找到表头：兑换明细的表头须含“卡券编号”和“兑换日期”两列")]
    NoHeader,
    #[error("表头缺少“{0}”列：兑换明细须含“卡券编号”和“兑换日期”两列")]
    MissingColumn(&'static str),
    #[error("文件中没有兑换明细行")]
    Empty,
}

const CODE: &[&str] = &["卡券编号", "券号", "卡号", "编号"];
const DATE: &[&str] = &["兑换日期", "日期", "兑换时间"];
const MARKET: &[&str] = &["慈善超市", "超市", "兑换超市", "兑换地点"];
const HEADER_WITHIN: u32 = 20;
/// A supermarket's season of redemptions is thousands of rows.
pub const MAX_ROWS: usize = 200_000;

fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace() && *c != '*').collect()
}

/// Reads a redemption list.
pub fn read_redemptions(path: &Path) -> Result<Vec<RedemptionRow>, RedemptionFileError> {
    let mut cols: Option<(Option<usize>, Option<usize>, Option<usize>)> = None;
    let mut rows = Vec::new();
    read_rows(path, None, |row, cells: Vec<Cell>| {
        let Some((code, date, market)) = cols else {
            let texts: Vec<String> = cells.iter().map(|c| clean(&c.text())).collect();
            let find = |names: &[&str]| texts.iter().position(|t| names.contains(&t.as_str()));
            if let Some(c) = find(CODE) {
                cols = Some((Some(c), find(DATE), find(MARKET)));
                if find(DATE).is_none() {
                    return Err(Stop);
                }
            } else if row > HEADER_WITHIN {
                return Err(Stop);
            }
            return Ok(());
        };
        let at =
            |i: Option<usize>| i.and_then(|c| cells.get(c)).map(|c| c.text().trim().to_string()).unwrap_or_default();
        let code = at(code);
        if code.is_empty() || code == "合计" {
            return Ok(());
        }
        if rows.len() >= MAX_ROWS {
            return Err(Stop);
        }
        rows.push(RedemptionRow { row, code, date: at(date), supermarket: at(market) });
        Ok(())
    })?;
    match cols {
        None => Err(RedemptionFileError::NoHeader),
        Some((_, None, _)) => Err(RedemptionFileError::MissingColumn("兑换日期")),
        Some(_) if rows.is_empty() => Err(RedemptionFileError::Empty),
        Some(_) => Ok(rows),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_read_by_column_names_and_a_list_without_dates_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.csv");
        std::fs::write(
            &p,
            "古美慈善超市兑换明细\n序号,卡券编号,兑换日期,金额\n1,LY-000001-K,2020-01-20,200\n合计,,,200\n",
        )
        .unwrap();
        let rows = read_redemptions(&p).unwrap();
        assert_eq!(
            rows,
            vec![RedemptionRow {
                row: 3,
                code: "LY-000001-K".into(),
                date: "2020-01-20".into(),
                supermarket: String::new()
            }]
        );
        std::fs::write(&p, "卡券编号,金额\nLY-000001-K,200\n").unwrap();
        assert!(matches!(read_redemptions(&p), Err(RedemptionFileError::MissingColumn("兑换日期"))));
    }
}
