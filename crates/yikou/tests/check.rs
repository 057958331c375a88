//! `yikou load`, `yikou check`, `yikou export` on a generated campaign: the check's counts equal
//! DuckDB's (peer_check.py) on the same files, a second load is refused, an export loads back the same.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn yikou(data: &Path, db: Option<&str>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_yikou"));
    c.arg("--data").arg(data);
    if let Some(db) = db {
        c.arg("--database").arg(db);
    }
    c.args(args).env_remove("YIKOU_KEY").env_remove("YIKOU_DATABASE_URL").output().expect("run yikou")
}

fn peer(dir: &Path) -> Option<Vec<(String, u64)>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench/peer_check.py");
    let out = Command::new("python3").arg(script).arg(dir).output().ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once('='))
            .filter(|(k, _)| !k.starts_with("group") && *k != "seconds")
            .map(|(k, v)| (k.to_string(), v.parse().unwrap()))
            .collect()
    })
}

fn run(db: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let files = dir.path().join("ex");
    assert!(yikou(&data, db, &["init"]).status.success());
    let o = yikou(
        &data,
        db,
        &[
            "bench",
            "campaign",
            "--people",
            "2000",
            "--entitlements",
            "3000",
            "--projects",
            "20",
            "--seed",
            "4",
            "--fault-rate",
            "0.03",
            "-o",
            files.to_str().unwrap(),
        ],
    );
    assert!(o.status.success());
    let o = yikou(&data, db, &["load", files.to_str().unwrap(), "--campaign", "2021", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = yikou(&data, db, &["check", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let counts = &v["counts"];
    for k in ["dup_in_project", "dup_exclusive", "household_twice", "omissions", "ineligible", "deceased_paid"] {
        assert!(counts[k].as_u64().unwrap() > 0, "planted faults of every kind are found: {k}");
    }
    let findings = v["findings"].as_array().unwrap();
    let total: u64 = ["dup_in_project", "dup_exclusive", "household_twice", "omissions", "ineligible", "deceased_paid"]
        .iter()
        .map(|k| counts[k].as_u64().unwrap())
        .sum();
    assert_eq!(findings.len() as u64, total);
    // The run was kept: `--stored` reads it (same time of computing, same findings, same counts).
    let o = yikou(&data, db, &["check", "--stored", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let kept: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((&kept["computed_at"], &kept["counts"]), (&v["computed_at"], &v["counts"]));
    assert_eq!(kept["findings"], v["findings"]);
    if let Some(p) = peer(&files) {
        for (k, theirs) in p {
            assert_eq!(counts[&k].as_u64(), Some(theirs), "{k}");
        }
    } else {
        eprintln!("note: peer_check.py (python3 + duckdb) not available, comparison skipped");
    }
    // The same files again: refused, nothing doubled.
    let o = yikou(&data, db, &["load", files.to_str().unwrap(), "--campaign", "2021"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("已经载入过"));
    // Export, then load the export into a fresh folder: the same counts.
    let out = dir.path().join("out");
    assert!(yikou(&data, db, &["export", out.to_str().unwrap()]).status.success());
    let data2 = dir.path().join("d2");
    assert!(yikou(&data2, None, &["init"]).status.success());
    assert!(yikou(&data2, None, &["load", out.to_str().unwrap(), "--campaign", "2021"]).status.success());
    let v2: Value = serde_json::from_slice(&yikou(&data2, None, &["check", "--json"]).stdout).unwrap();
    assert_eq!(v2["counts"], v["counts"]);

    // The Excel layout for the municipal system; its 人员 sheet read back as a municipal roster makes
    // the base register a campaign then loads against (everyone known), with the same findings.
    let o = yikou(&data, db, &["export", out.to_str().unwrap(), "--format", "xlsx"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let workbook = out.join("交换数据_2021.xlsx");
    let data3 = dir.path().join("d3");
    assert!(yikou(&data3, None, &["init"]).status.success());
    let o = yikou(&data3, None, &["load-base", workbook.to_str().unwrap(), "--campaign", "2021", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let base: Value = serde_json::from_slice(&o.stdout).unwrap();
    let people = base["report"]["people_created"].as_u64().unwrap();
    assert!(people > 1_900, "{base}");
    let again: Value = serde_json::from_slice(
        &yikou(&data3, None, &["load-base", workbook.to_str().unwrap(), "--campaign", "2021", "--json"]).stdout,
    )
    .unwrap();
    assert_eq!(
        (again["report"]["people_created"].as_u64(), again["report"]["categories_set"].as_u64()),
        (Some(0), Some(0))
    );
    let o = yikou(&data3, None, &["load", out.to_str().unwrap(), "--campaign", "2021", "--json"]);
    let loaded: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        loaded["report"]["people_created"].as_u64(),
        Some(0),
        "every person of the campaign was in the base register"
    );
    let v3: Value = serde_json::from_slice(&yikou(&data3, None, &["check", "--json"]).stdout).unwrap();
    assert_eq!(v3["counts"], v["counts"]);
    // A roster with a wrong number: exit 1, the row named, nothing loaded.
    let bad = dir.path().join("市级名单.csv");
    std::fs::write(&bad, "公民身份号码,姓名\n110105194912310039,号码有误\n").unwrap();
    let o = yikou(&data3, None, &["load-base", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(said.contains("未载入任何数据") && said.contains("第2行 市级名单.csv:id_number"), "{said}");
}

#[test]
fn load_check_export_on_sqlite() {
    run(None);
}

#[test]
fn load_check_export_on_postgres() {
    let Ok(base) = std::env::var("YIKOU_TEST_POSTGRES_URL") else {
        eprintln!("note: YIKOU_TEST_POSTGRES_URL not set, PostgreSQL part skipped");
        return;
    };
    let schema = format!("chk_{}", std::process::id());
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(&base).await.unwrap();
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&mut c).await.unwrap();
        sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&mut c).await.unwrap();
    });
    let sep = if base.contains('?') { '&' } else { '?' };
    run(Some(&format!("{base}{sep}options=-c%20search_path%3D{schema}")));
}
