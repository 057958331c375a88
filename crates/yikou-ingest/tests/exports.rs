//! The streamed workbook as a second program reads it: LibreOffice opens what
//! `yikou_ingest::workbook::XlsxSink` writes and shows every cell as the export means it (money
//! with two decimals, ID numbers with every digit, dates as dates). Runs where `soffice` is
//! installed (.ci/run installs it).

use time::macros::date;
use yikou_domain::Fen;
use yikou_ingest::sheet::{Column, Table, Value};
use yikou_ingest::workbook::{RowSink, XlsxSink};

#[test]
fn libreoffice_reads_the_streamed_workbook_cell_for_cell() {
    let Some(soffice) = ["soffice", "libreoffice"]
        .into_iter()
        .find(|c| std::process::Command::new(c).arg("--version").output().map(|o| o.status.success()).unwrap_or(false))
    else {
        eprintln!("note: LibreOffice not installed, second-reader test skipped");
        return;
    };
    let mut layout = Table::new(
        "帮困对象",
        vec![Column::new("姓名"), Column::new("身份证号").wide(22), Column::summed("金额（元）"), Column::new("日期")],
    );
    layout.title = vec!["古美街道帮困对象".into(), "筛选条件：无（全部）".into()];
    layout.numbered = true;
    layout.totals = true;
    let mut sink = XlsxSink::start(Vec::new(), &layout, vec![8.0, 22.0, 12.0, 12.0]).unwrap();
    for i in 1..=300i64 {
        sink.row(&[
            Value::text(format!("对象<{i}>&")),
            Value::IdText(format!("3101121950010100{:02}", i % 100)),
            Value::Money(Fen(i * 1_001)),
            Value::Date(date!(2026 - 12 - 02)),
        ])
        .unwrap();
    }
    let bytes = sink.end().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("people.xlsx");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new(soffice)
        .arg(format!("-env:UserInstallation=file://{}", dir.path().join("profile").display()))
        .args([
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true",
            "--outdir",
        ])
        .arg(dir.path())
        .arg(&path)
        .output()
        .expect("run LibreOffice");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(dir.path().join("people.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0].trim_end_matches(','), "古美街道帮困对象");
    assert_eq!(lines[3], "序号,姓名,身份证号,金额（元）,日期");
    assert_eq!(lines[4], "1,对象<1>&,310112195001010001,10.01,2026-12-02");
    assert_eq!(lines[303], "300,对象<300>&,310112195001010000,\"3,003.00\",2026-12-02");
    // 1,001 fen × (1 + … + 300) = 45,195,150 fen.
    assert_eq!(lines[304], "合计,,,\"451,951.50\",");
    assert_eq!(lines.len(), 305);
}
