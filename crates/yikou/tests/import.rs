//! `yikou import`, `yikou template` and `yikou batch` as scripts and clerks use them: JSON fields,
//! exit statuses (0 clean, 1 rows rejected, 2 unreadable), nothing written on errors, nothing twice.

use std::process::Output;

use serde_json::Value;

mod common;
use common::yikou;

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

const CLEAN: &str = "姓名,身份证号,性别,街镇,类别,金额\n张三,11010519491231002X,女,古美街道,低保家庭,600\n李四,34052419800101001X,男,七宝镇,困难老人,300\n";
const FAULTY: &str = "2020年元旦春节帮困对象名册\n姓名,公民身份号码,性别,街镇,类别,金额\n张三,11010519491231002X,女,古美街道,低保家庭,600\n李四,340524198001010013,男,七宝镇,困难老人,300\n王五,310221194503150021,女,火星街道,外星人,三百\n填表人：赵六,,审核人：钱七\n";

#[test]
fn dry_run_json_lists_every_row_problem_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let f = dir.path().join("faulty.csv");
    std::fs::write(&f, FAULTY).unwrap();
    // Works before init: checked against the reference data in the binary.
    let o = yikou(&data, &["import", f.to_str().unwrap(), "--dry-run", "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let v = json(&o);
    assert_eq!((v["rows"].as_u64(), v["valid"].as_u64(), v["invalid"].as_u64()), (Some(3), Some(1), Some(2)));
    assert_eq!(v["encoding"], "UTF-8");
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors[0]["row"], 4);
    assert_eq!(errors[0]["column"], "身份证号");
    assert_eq!(errors[0]["code"], "id_bad_check");
    assert!(errors[0]["message"].as_str().unwrap().contains("340524********0013"));
    let row5: Vec<&str> = errors.iter().filter(|e| e["row"] == 5).map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(row5, vec!["street_unknown", "category_unknown", "amount_not_a_number"]);
    assert!(!data.exists(), "a dry run before init creates nothing");
}

#[test]
fn all_or_nothing_then_accept_valid_then_nothing_twice_then_undo() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    assert!(yikou(&data, &["init"]).status.success());
    let f = dir.path().join("faulty.csv");
    std::fs::write(&f, FAULTY).unwrap();

    // Errors remain: nothing is written.
    let o = yikou(&data, &["import", f.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let o = yikou(&data, &["batch", "list", "--json"]);
    assert_eq!(json(&o).as_array().unwrap().len(), 0);

    // Accept the valid rows; the rest comes back as a workbook.
    let book = dir.path().join("错误行.xlsx");
    let o = yikou(&data, &["import", f.to_str().unwrap(), "--accept-valid", "--json", "-o", book.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!((v["rows"].as_u64(), v["created"].as_u64(), v["rejected"].as_u64()), (Some(3), Some(1), Some(2)));
    let batch = v["batch"].as_str().unwrap().to_string();
    assert!(book.exists());

    // The error workbook, fixed, imports cleanly; the clean file twice adds nothing twice.
    let clean = dir.path().join("clean.csv");
    std::fs::write(&clean, CLEAN).unwrap();
    let o = yikou(&data, &["import", clean.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    assert_eq!((v["created"].as_u64(), v["unchanged"].as_u64()), (Some(1), Some(1)), "张三 already there");
    let o = yikou(&data, &["import", clean.to_str().unwrap(), "--json"]);
    let v = json(&o);
    assert_eq!(v["created"], 0);
    assert_eq!(v["already_imported"], true);

    let o = yikou(&data, &["batch", "undo", &batch]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let list = json(&yikou(&data, &["batch", "list", "--json"]));
    let undone = list.as_array().unwrap().iter().find(|b| b["batch"] == batch.as_str()).unwrap();
    assert_eq!(undone["status"], "undone");
    let o = yikou(&data, &["batch", "undo", &batch]);
    assert_eq!(o.status.code(), Some(1), "an undone batch is not undone twice");
    assert!(String::from_utf8_lossy(&o.stdout).contains("无法撤销"), "{}", String::from_utf8_lossy(&o.stdout));
    let o = yikou(&data, &["batch", "undo", "B1999-000001"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("yikou batch list"), "says where to find batch numbers");
    let o = yikou(&data, &["audit", "verify"]);
    assert!(o.status.success());
}

#[test]
fn unreadable_files_exit_2_with_one_message() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    for (name, bytes, code) in [
        ("empty.xlsx", b"".as_slice(), "file_empty"),
        ("scan.xlsx", b"%PDF-1.7 not a sheet".as_slice(), "file_not_spreadsheet"),
        ("broken.xlsx", b"PK\x03\x04broken".as_slice(), "file_corrupt"),
        ("noheader.csv", "甲,乙\n1,2\n".as_bytes(), "no_header"),
        // An .xls that makes the reader ask for 1.7 TB: the binary reads .xls in a capped child of
        // itself, so this is one refusal, not an aborted import (yikou_ingest::xls).
        (
            "crafted.xls",
            include_bytes!("../../yikou-ingest/tests/fuzz-regressions/xls/dimensions-4g-rows.xls").as_slice(),
            "file_reader_failed",
        ),
    ] {
        let f = dir.path().join(name);
        std::fs::write(&f, bytes).unwrap();
        let o = yikou(&data, &["import", f.to_str().unwrap(), "--dry-run", "--json"]);
        assert_eq!(o.status.code(), Some(2), "{name}");
        assert_eq!(json(&o)["error"]["code"], code, "{name}");
        let o = yikou(&data, &["import", f.to_str().unwrap(), "--dry-run"]);
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr).contains("无法导入"), "{name}");
    }
}

#[test]
fn the_template_round_trips_through_the_importer() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let t = dir.path().join("模板.xlsx");
    let o = yikou(&data, &["template", "-o", t.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // An empty template has a recognisable header and no rows.
    let o = yikou(&data, &["import", t.to_str().unwrap(), "--dry-run", "--json"]);
    let v = json(&o);
    assert_eq!(o.status.code(), Some(0), "{v}");
    assert_eq!(v["rows"], 0);
    assert_eq!(v["sheet"], "帮困对象名单");
    assert_eq!(v["unknown_columns"].as_array().unwrap().len(), 0, "every template column is understood");
}
