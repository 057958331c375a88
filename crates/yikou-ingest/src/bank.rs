//! A bank's result file (银行代发结果): the bank file yikou wrote (序号, 参考号, 户名, 账号, 金额, 摘要, …)
//! with two more columns, 处理结果 and 失败原因; read from .xlsx, .xls or CSV (UTF-8 or GBK), its
//! header found by name (a title row above it is skipped), footer lines without a 参考号 left out.

use std::path::Path;

use crate::read::{read_rows, Cell, FileError, Format};

/// One data line of a result file, its cells as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResultRow {
    /// The row in the file (Excel's numbering).
    pub row: u32,
    pub reference: String,
    pub account: String,
    pub amount: String,
    pub result: String,
    pub reason: String,
}

/// A result file read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultFile {
    pub format: Format,
    pub encoding: Option<&'static str>,
    pub rows: Vec<ResultRow>,
}

#[derive(Debug, thiserror::Error)]
pub enum ResultFileError {
    #[error("{0}")]
    File(#[from] FileError),
    #[error("没有找到表头：结果文件应是本系统导出的代发文件加上“处理结果”“失败原因”两列，表头须含“参考号”")]
    NoHeader,
    #[error("表头缺少“{0}”列：结果文件应保留代发文件的“参考号”“账号”“金额”各列，并增加“处理结果”“失败原因”两列")]
    MissingColumn(&'static str),
}

impl ResultFileError {
    pub fn code(&self) -> &'static str {
        match self {
            ResultFileError::File(e) => e.code(),
            ResultFileError::NoHeader => "no_header",
            ResultFileError::MissingColumn(_) => "missing_column",
        }
    }
}

/// How far down the header may stand (below a title block).
const HEADER_WITHIN: u32 = 20;

fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace() && *c != '*').collect()
}

/// Reads a bank's result file.
pub fn read_results(path: &Path) -> Result<ResultFile, ResultFileError> {
    let mut columns: Option<[Option<usize>; 5]> = None;
    let mut missing: Option<&'static str> = None;
    let mut rows = Vec::new();
    let names: [&'static str; 5] = ["参考号", "账号", "金额", "处理结果", "失败原因"];
    let source = read_rows(path, None, |row, cells: Vec<Cell>| {
        let Some(cols) = &columns else {
            let texts: Vec<String> = cells.iter().map(|c| clean(&c.text())).collect();
            if texts.iter().any(|t| t == "参考号") {
                let mut found = [None; 5];
                for (i, name) in names.iter().enumerate() {
                    found[i] = texts.iter().position(|t| t == name);
                }
                missing = names.iter().take(4).zip(found.iter()).find(|(_, f)| f.is_none()).map(|(n, _)| *n);
                columns = Some(found);
                if missing.is_some() {
                    return Err(crate::read::Stop);
                }
            } else if row > HEADER_WITHIN {
                return Err(crate::read::Stop);
            }
            return Ok(());
        };
        let at = |i: usize| cols[i].and_then(|c| cells.get(c)).map(|c| c.text().trim().to_string()).unwrap_or_default();
        let reference = at(0);
        if reference.is_empty() || reference == "合计" {
            return Ok(());
        }
        rows.push(ResultRow { row, reference, account: at(1), amount: at(2), result: at(3), reason: at(4) });
        Ok(())
    })?;
    if let Some(m) = missing {
        return Err(ResultFileError::MissingColumn(m));
    }
    if columns.is_none() {
        return Err(ResultFileError::NoHeader);
    }
    Ok(ResultFile { format: source.format, encoding: source.encoding, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &[u8], name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        (dir, p)
    }

    #[test]
    fn a_csv_result_with_a_title_row_and_a_footer_is_read_by_column_names() {
        let text = "代发结果\n序号,参考号,户名,账号,金额,摘要,开户行,处理结果,失败原因\n1,P2020-0001-00001-1,张三,6222021001123456,900.00,帮困,工行,成功,\n2,P2020-0001-00002-1,李四,6222021001123457,900.00,帮困,工行,失败,户名不符\n,,,,,,,,\n制表：王五,,,,,,,,\n";
        let (_d, p) = file(text.as_bytes(), "r.csv");
        let r = read_results(&p).unwrap();
        assert_eq!(r.rows.len(), 2);
        assert_eq!(r.rows[1].reference, "P2020-0001-00002-1");
        assert_eq!((r.rows[1].result.as_str(), r.rows[1].reason.as_str(), r.rows[1].row), ("失败", "户名不符", 4));
    }

    #[test]
    fn a_gbk_csv_is_read_and_a_file_without_the_columns_is_refused_with_what_is_missing() {
        let text = "序号,参考号,户名,账号,金额,摘要,处理结果,失败原因\n1,P2020-0001-00001-1,张三,6222021001123456,900.00,帮困,成功,\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let (_d, p) = file(&gbk, "gbk.csv");
        let r = read_results(&p).unwrap();
        assert_eq!((r.rows[0].result.as_str(), r.encoding), ("成功", Some("GB18030")));
        let (_d, p) = file("序号,参考号,户名,账号,金额\n1,X,张三,1,2\n".as_bytes(), "no.csv");
        assert!(matches!(read_results(&p).unwrap_err(), ResultFileError::MissingColumn("处理结果")));
        let (_d, p) = file("a,b\n1,2\n".as_bytes(), "none.csv");
        assert!(matches!(read_results(&p).unwrap_err(), ResultFileError::NoHeader));
    }
}
