//! The .xls reader runs in a child process with capped memory (src/xls.rs): a file that makes
//! calamine ask for terabytes kills the child, not the caller, and is refused with one message.

use std::path::{Path, PathBuf};

use yikou_ingest::read::{preview, read_rows};

fn crafted() -> PathBuf {
    // The fuzzer's find (alloc-abort-dimensions.xls: a 12.8 KB .xls whose DIMENSIONS record ends
    // before it starts, so calamine's row count wraps to about four billion in a release build) with
    // the record written as rows 0 to 4,294,967,294, which asks for 1.7 TB in any build.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions/xls/dimensions-4g-rows.xls")
}

#[test]
fn a_crafted_xls_that_asks_for_terabytes_is_refused_and_the_caller_lives_on() {
    yikou_ingest::xls::use_program(env!("CARGO_BIN_EXE_yikou-xls-reader").into());
    // In process this aborted the whole program ("memory allocation of 1717983039600 bytes failed").
    let e = read_rows(&crafted(), None, |_, _| Ok(())).unwrap_err();
    assert_eq!(e.code(), "file_reader_failed", "{e}");
    assert!(e.to_string().contains("另存为 .xlsx"), "the clerk is told what to do: {e}");
    let e = preview(&crafted(), 5).unwrap_err();
    assert_eq!(e.code(), "file_reader_failed", "{e}");
    // And the caller goes on reading the next file.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("next.csv");
    std::fs::write(&csv, "姓名,身份证号\n张三,11010519491231002X\n").unwrap();
    let mut n = 0;
    read_rows(&csv, None, |_, _| {
        n += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(n, 2);
}

#[test]
fn the_child_answers_only_when_asked_and_refuses_a_bad_request() {
    let reader = env!("CARGO_BIN_EXE_yikou-xls-reader");
    let out = std::process::Command::new(reader).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "not started as the reader: usage, exit 2");
    let out = std::process::Command::new(reader).args([yikou_ingest::xls::ARG, "x.xls", "bogus"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
