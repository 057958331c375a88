//! Whole files through the reader and validator: generated rosters with planted faults, title rows,
//! footers, in .xlsx and .csv (UTF-8 with BOM, and GBK).

use std::collections::BTreeSet;
use std::path::Path;

use proptest::prelude::*;
use time::macros::date;
use yikou_ingest::process::{process, Options};
use yikou_ingest::roster::{generate, write_csv, write_xlsx, Fault, RosterRow};
use yikou_ingest::validate::{NoRegister, Reference};

#[path = "support/hostile.rs"]
mod hostile;

/// Checking against the shipped reference data, with nobody registered yet.
fn options<'a>(reference: &'a Reference, sheet: Option<&'a str>) -> Options<'a> {
    Options {
        sheet,
        reference,
        register: &NoRegister,
        standard: None,
        today: date!(2026 - 11 - 30),
        default_street: None,
    }
}

fn rejected_rows(path: &Path) -> (u64, BTreeSet<u32>, yikou_ingest::process::Outcome) {
    let reference = Reference::shipped();
    let opts = options(&reference, None);
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
    let opts = options(&reference, None);
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
    // The .xls is read as the server reads it: by the capped child process (src/xls.rs).
    yikou_ingest::xls::use_program(env!("CARGO_BIN_EXE_yikou-xls-reader").into());
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

fn read_error(path: &Path) -> String {
    yikou_ingest::read::read_rows(path, None, |_, _| Ok(())).unwrap_err().code().to_string()
}

#[test]
fn a_password_protected_workbook_is_named_as_such() {
    // An encrypted .xlsx is an OLE container whose directory names "EncryptedPackage".
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.resize(1024, 0);
    bytes.extend("EncryptedPackage".encode_utf16().flat_map(|u| u.to_le_bytes()));
    bytes.resize(4096, 0);
    let p = dir.path().join("locked.xlsx");
    std::fs::write(&p, &bytes).unwrap();
    assert_eq!(read_error(&p), "file_encrypted");
}

#[test]
fn a_ten_gigabyte_file_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("huge.csv");
    let f = std::fs::File::create(&p).unwrap();
    f.set_len(10 << 30).unwrap(); // sparse: takes no disk
    assert_eq!(read_error(&p), "file_too_large");
}

#[test]
fn a_zip_bomb_is_refused_without_inflating_it() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bomb.xlsx");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&p).unwrap());
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    z.start_file("xl/workbook.xml", opts).unwrap();
    z.write_all(br#"<workbook><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#).unwrap();
    z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
    let block = vec![b' '; 1 << 20];
    for _ in 0..64 {
        z.write_all(&block).unwrap();
    }
    z.finish().unwrap();
    assert_eq!(read_error(&p), "file_zip_bomb");
}

#[test]
fn a_gigabyte_of_shared_strings_in_a_small_file_is_refused_before_inflating() {
    // The attack as found: a small .xlsx whose shared strings inflate to 1 GiB, compressed well
    // enough to pass the ratio guard (it cost 1.8 GB per request).
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("text-bomb.xlsx");
    hostile::shared_strings_workbook(&p, 1024, 200).unwrap();
    let packed = std::fs::metadata(&p).unwrap().len();
    assert!(packed < 32 << 20 && (1 << 30) / packed < 400, "{packed}: small, under the ratio guard");
    let t = std::time::Instant::now();
    let e = yikou_ingest::read::read_rows(&p, None, |_, _| Ok(())).unwrap_err();
    assert_eq!(e.code(), "file_too_much_text", "{e}");
    assert!(e.to_string().contains("文字过多") && e.to_string().contains("拆分"), "{e}");
    let reference = Reference::shipped();
    let e = process(&p, &options(&reference, None), &mut |_| {}, &mut |_| {}).unwrap_err();
    assert_eq!(e.code(), "file_too_much_text");
    assert!(t.elapsed().as_secs() < 5, "refused early, not after inflating: {:?}", t.elapsed());
}

#[test]
fn a_string_table_beyond_its_budget_is_refused_while_streaming() {
    // Under the part's size limit (declared truthfully), but more text than the table may hold:
    // refused once the table holds its budget, before the whole part is inflated.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("many-strings.xlsx");
    hostile::shared_strings_workbook(&p, 500, 1000).unwrap();
    assert!((500 << 20) / std::fs::metadata(&p).unwrap().len() < 400, "under the ratio guard");
    let t = std::time::Instant::now();
    let e = yikou_ingest::read::read_rows(&p, None, |_, _| Ok(())).unwrap_err();
    assert_eq!(e.code(), "file_too_much_text", "{e}");
    assert!(t.elapsed().as_secs() < 20, "{:?}", t.elapsed());
    // The same strings in a smaller table are read.
    hostile::shared_strings_workbook(&p, 2, 1000).unwrap();
    let mut rows = Vec::new();
    yikou_ingest::read::read_rows(&p, None, |_, cells| {
        rows.push(cells);
        Ok(())
    })
    .unwrap();
    assert_eq!(rows.len(), 1);
    assert!(rows[0][0].text().starts_with("00000救"));
}

#[test]
fn what_a_workbook_inflates_is_charged_to_one_budget_across_its_parts() {
    use yikou_ingest::limits::Budget;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.xlsx");
    write_xlsx(&p, &generate(3_000, 7, 0.0, &Fault::ALL), None).unwrap();
    let read = |budget: &Budget| yikou_ingest::read::read_rows_within(&p, None, budget, |_, _| Ok(()));
    assert!(read(&Budget::default()).is_ok());
    // Measure what one read costs, then give a second read less than that.
    let probe = Budget::new(1 << 30);
    read(&probe).unwrap();
    let mut used = 0u64;
    while probe.charge(1 << 16).is_ok() {
        used += 1 << 16;
    }
    let cost = (1u64 << 30) - used;
    assert!(cost > 100_000, "{cost}");
    let e = read(&Budget::new(cost - 70_000)).unwrap_err();
    assert_eq!(e.code(), "file_too_much_data", "{e}");
    assert!(e.to_string().contains("拆分"), "{e}");
    // One budget for the file: a second read of it has only what the first one left.
    let once = Budget::new(cost + cost / 2);
    read(&once).unwrap();
    assert_eq!(read(&once).unwrap_err().code(), "file_too_much_data");
}

#[test]
fn the_first_sheet_with_a_header_is_read_unless_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("two.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let notes = wb.add_worksheet();
    notes.set_name("说明").unwrap();
    notes.write_string(0, 0, "本表为古美街道2020年帮困对象名单").unwrap();
    let list = wb.add_worksheet();
    list.set_name("名单").unwrap();
    for (c, h) in ["姓名", "身份证号"].iter().enumerate() {
        list.write_string(0, c as u16, *h).unwrap();
    }
    list.write_string(1, 0, "张三").unwrap();
    list.write_string(1, 1, "11010519491231002X").unwrap();
    wb.save(&p).unwrap();
    let (valid, _, o) = rejected_rows(&p);
    assert_eq!(valid, 1);
    assert_eq!(o.source.sheet.as_deref(), Some("名单"));
    assert_eq!(o.source.sheets, vec!["说明".to_string(), "名单".to_string()]);
    let reference = Reference::shipped();
    let opts = options(&reference, Some("说明"));
    assert_eq!(process(&p, &opts, &mut |_| {}, &mut |_| {}).unwrap_err().code(), "no_header");
    let opts = options(&reference, Some("第三页"));
    let e = process(&p, &opts, &mut |_| {}, &mut |_| {}).unwrap_err();
    assert_eq!(e.code(), "file_no_such_sheet");
    assert!(e.to_string().contains("说明、名单"), "{e}");
}
