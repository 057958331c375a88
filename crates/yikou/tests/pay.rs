//! `yikou roster` and `yikou pay` as scripts use them, on the clean demo stopped after submission:
//! the preparer cannot approve its own roster from the command line either; the reviewer approves;
//! the reviewer cannot pay, the bureau can; the bank file, a result file, a re-issue and progress
//! with the API's JSON shapes.

use std::process::Output;

use serde_json::Value;

mod common;
use common::yikou;

fn ok_json(o: &Output) -> Value {
    assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

#[test]
fn separation_of_duties_and_a_bank_batch_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let o = yikou(&data, &["demo", "--clean", "--stage", "submitted", "--no-serve"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // MZ-01 is the bureau's roster, submitted by `bureau`: it cannot approve it; `reviewer` can.
    let review = |who: &str| {
        yikou(
            &data,
            &[
                "roster",
                "review",
                "--as",
                who,
                "--project",
                "MZ-01",
                "--unit",
                "310112-MZJ",
                "--decision",
                "approve",
                "--json",
            ],
        )
    };
    let o = review("bureau");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("不能审核自己经手的名单"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = ok_json(&review("reviewer"));
    assert_eq!(v["state"], "approved");
    let n = v["entitlements"].as_i64().unwrap();
    assert!(n > 1000, "{v}");
    let list = ok_json(&yikou(&data, &["roster", "list", "--project", "MZ-01", "--json"]));
    assert_eq!(list["rosters"][0]["state"], "approved");

    // The reviewer does not pay; the bureau makes a bank batch of MZ-01.
    let create = |who: &str| {
        yikou(&data, &["pay", "batch", "create", "--as", who, "--method", "bank", "--project", "MZ-01", "--json"])
    };
    let o = create("reviewer");
    assert_eq!(o.status.code(), Some(1));
    let v = ok_json(&create("bureau"));
    let (batch, lines) = (v["batch"].as_i64().unwrap(), v["lines"].as_i64().unwrap());
    assert_eq!(lines + v["without_account"].as_i64().unwrap(), n, "{v}");
    let file = dir.path().join("bank.csv");
    let o = yikou(
        &data,
        &["pay", "export", &batch.to_string(), "--format", "csv", "-o", file.to_str().unwrap(), "--as", "bureau"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(&file).unwrap();
    assert!(csv.starts_with("\u{feff}序号,参考号,户名,账号,金额,摘要"));

    // The bank's answer: the first line refused, the rest paid; twice changes nothing.
    let mut result = String::new();
    for (i, line) in csv.trim_start_matches('\u{feff}').lines().enumerate() {
        let extra = match i {
            0 => "处理结果,失败原因",
            1 => "失败,账号不存在",
            _ => "成功,",
        };
        result.push_str(&format!("{line},{extra}\n"));
    }
    let rfile = dir.path().join("result.csv");
    std::fs::write(&rfile, result).unwrap();
    let results =
        || yikou(&data, &["pay", "results", &batch.to_string(), rfile.to_str().unwrap(), "--as", "bureau", "--json"]);
    let v = ok_json(&results());
    assert_eq!(
        (v["lines"].as_i64(), v["paid"].as_i64(), v["failed"].as_i64()),
        (Some(lines), Some(lines - 1), Some(1)),
        "{v}"
    );
    let v = ok_json(&results());
    assert_eq!((v["paid"].as_i64(), v["already_recorded"].as_i64()), (Some(0), Some(lines)), "{v}");
    let v = ok_json(&yikou(&data, &["pay", "reissue", &batch.to_string(), "--as", "bureau", "--json"]));
    assert_eq!(v["lines"], 1);
    let p = ok_json(&yikou(&data, &["pay", "progress", "--json"]));
    let t = &p["total"];
    assert_eq!(t["approved"]["entitlements"].as_i64(), Some(n));
    assert_eq!(t["disbursed"]["entitlements"].as_i64(), Some(lines - 1));
    assert_eq!(
        t["approved"]["amount_fen"].as_i64().unwrap(),
        ["disbursed", "failed", "pending"].iter().map(|k| t[*k]["amount_fen"].as_i64().unwrap()).sum::<i64>(),
        "adds up: {p}"
    );
    assert!(p["units"].as_array().unwrap().iter().any(|u| u["unit"] == "310112-MZJ"));
    // Every act is on record under the account that did it.
    let o = yikou(&data, &["audit", "verify"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
}
