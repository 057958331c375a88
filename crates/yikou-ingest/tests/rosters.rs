//! Whole files through the reader and validator: generated rosters with planted faults, title rows,
//! footers, in .xlsx and .csv (UTF-8 with BOM, and GBK).

use std::collections::BTreeSet;
use std::path::Path;

use proptest::prelude::*;
use time::macros::date;
use yikou_ingest::process::{process, Options};
use yikou_ingest::roster::{generate, write_csv, write_xlsx, Fault, RosterRow};
use yikou_ingest::validate::{NoRegister, Reference};

fn rejected_rows(path: &Path) -> (u64, BTreeSet<u32>, yikou_ingest::process::Outcome) {
    let reference = Reference::shipped();
    let opts = Options {
        sheet: None,
        reference: &reference,
        register: &NoRegister,
        standard: None,
        today: date!(2026 - 11 - 30),
    };
    let mut valid = 0u64;
    let o = process(path, &opts, &mut |_| valid += 1, &mut |_| {}).expect("readable");
    let rows: BTreeSet<u32> = o.issues.iter().filter(|i| !i.warning).map(|i| i.row).collect();
    assert_eq!(valid, o.valid);
    (valid, rows, o)
}

fn planted(rows: &[RosterRow], first_data_row: u32) -> BTreeSet<u32> {
    rows.iter().enumerate().filter(|(_, r)| r.fault.is_some()).map(|(i, _)| first_data_row + i as u32).collect()
}

#[test]
fn xlsx_with_a_title_row_rejects_exactly_the_planted_rows() {
    let dir = tempfile::tempdir().unwrap();
    let rows = generate(2_000, 3, 0.05, &Fault::ALL);
    let p = dir.path().join("r.xlsx");
    write_xlsx(&p, &rows, Some("2020年元旦春节帮困对象名册（古美街道）")).unwrap();
    let (valid, rejected, o) = rejected_rows(&p);
    assert_eq!(o.header.row, 2);
    assert_eq!(rejected, planted(&rows, 3));
    assert_eq!(valid as usize, rows.iter().filter(|r| r.fault.is_none()).count());
    assert_eq!(o.rows, 2_000);
    assert_eq!(o.source.sheet.as_deref(), Some("名单"));
}

#[test]
fn csv_in_utf8_and_gbk_with_a_footer() {
    let dir = tempfile::tempdir().unwrap();
    let rows = generate(1_500, 4, 0.05, &Fault::ALL);
    let p = dir.path().join("r.csv");
    write_csv(&p, &rows).unwrap();
    let mut text = std::fs::read_to_string(&p).unwrap();
    text.push_str("\n填表人：王五,,审核人：赵六,,日期：2019-12-10\n");
    std::fs::write(&p, &text).unwrap();
    let (_, rejected, o) = rejected_rows(&p);
    assert_eq!(o.source.encoding, Some("UTF-8 (BOM)"));
    assert_eq!(rejected, planted(&rows, 2));
    assert_eq!(o.rows, 1_500, "footer not counted as a row");

    let gbk = dir.path().join("gbk.csv");
    let (bytes, _, _) = encoding_rs::GBK.encode(text.trim_start_matches('\u{feff}'));
    std::fs::write(&gbk, &bytes).unwrap();
    let (_, rejected_gbk, o) = rejected_rows(&gbk);
    assert_eq!(o.source.encoding, Some("GB18030"));
    assert_eq!(rejected_gbk, rejected);
}

#[test]
fn full_width_digits_and_fifteen_digit_numbers_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.csv");
    std::fs::write(&p, "姓名,身份证号,金额\n张三,１１０１０５１９４９１２３１００２ｘ,300\n李四,610104620927690,300\n")
        .unwrap();
    let (valid, rejected, _) = rejected_rows(&p);
    assert_eq!(valid, 2);
    assert!(rejected.is_empty());
}

#[test]
fn a_file_without_the_id_column_is_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("n.csv");
    std::fs::write(&p, "姓名,金额,街镇\n张三,300,古美街道\n").unwrap();
    let reference = Reference::shipped();
    let opts = Options {
        sheet: None,
        reference: &reference,
        register: &NoRegister,
        standard: None,
        today: date!(2026 - 11 - 30),
    };
    let e = process(&p, &opts, &mut |_| {}, &mut |_| {}).unwrap_err();
    assert_eq!(e.code(), "missing_column");
    assert!(e.to_string().contains("身份证号"));
    std::fs::write(&p, "a,b\n1,2\n").unwrap();
    assert_eq!(process(&p, &opts, &mut |_| {}, &mut |_| {}).unwrap_err().code(), "no_header");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn rejected_rows_are_exactly_the_planted_ones(seed in 0u64..10_000, rate in 0.0f64..0.3, csv in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let rows = generate(300, seed, rate, &Fault::ALL);
        let p = dir.path().join(if csv { "p.csv" } else { "p.xlsx" });
        if csv { write_csv(&p, &rows).unwrap() } else { write_xlsx(&p, &rows, None).unwrap() }
        let (_, rejected, _) = rejected_rows(&p);
        prop_assert_eq!(rejected, planted(&rows, 2));
    }
}

/// Files written by a second program: LibreOffice converts the generated CSV to .xls and .xlsx (all
/// columns as text, as the template asks). Runs where `soffice` is installed (.ci/run installs it).
#[test]
fn files_written_by_libreoffice_read_the_same() {
    let Some(soffice) = ["soffice", "libreoffice"]
        .into_iter()
        .find(|c| std::process::Command::new(c).arg("--version").output().map(|o| o.status.success()).unwrap_or(false))
    else {
        eprintln!("note: LibreOffice not installed, second-writer test skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let rows = generate(400, 21, 0.08, &Fault::ALL);
    let csv = dir.path().join("r.csv");
    write_csv(&csv, &rows).unwrap();
    let (_, expected, _) = rejected_rows(&csv);
    assert_eq!(expected, planted(&rows, 2));
    let profile = dir.path().join("lo-profile");
    for ext in ["xls", "xlsx"] {
        let status = std::process::Command::new(soffice)
            .arg(format!("-env:UserInstallation=file://{}", profile.display()))
            .args([
                "--headless",
                "--infilter=CSV:44,34,76,1,1/2/2/2/3/2/4/2/5/2/6/2/7/2/8/2/9/2/10/2",
                "--convert-to",
                ext,
                "--outdir",
            ])
            .arg(dir.path())
            .arg(&csv)
            .output()
            .expect("run LibreOffice");
        assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
        let converted = dir.path().join(format!("r.{ext}"));
        let (valid, rejected, o) = rejected_rows(&converted);
        assert_eq!(rejected, expected, "{ext}");
        assert_eq!(valid as usize, rows.iter().filter(|r| r.fault.is_none()).count(), "{ext}");
        assert_eq!(o.rows, 400);
    }
}
