//! The cross-check on the demo campaign: nothing on the clean campaign (`--clean`), every fault the
//! default `yikou demo` plants found (its answer key), every kind open, two decided and a list
//! waiting to be imported, decisions kept across runs, rules as data, and the findings workbook
//! (one sheet per type, masked ID numbers).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn yikou(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yikou"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("YIKOU_KEY")
        .env_remove("YIKOU_DATABASE_URL")
        .output()
        .expect("run yikou")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn check_json(data: &Path) -> Value {
    serde_json::from_str(&ok(&yikou(data, &["check", "--json"]))).unwrap()
}

fn found(report: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        out.entry(f["type"].as_str().unwrap().to_string()).or_default().insert(f["key"].as_str().unwrap().to_string());
    }
    out
}

#[test]
fn a_clean_demo_campaign_has_no_finding_of_any_type() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    ok(&yikou(&data, &["demo", "--no-serve", "--clean"]));
    let r = check_json(&data);
    for (k, v) in r["counts"].as_object().unwrap() {
        assert_eq!(v.as_u64(), Some(0), "{k} on the clean demo");
    }
    assert_eq!(r["findings"].as_array().unwrap().len(), 0);
    assert_eq!(r["rules_version"], 1, "the demo saves its rule set");
}

#[test]
fn the_default_demo_shows_every_kind_of_finding_some_decided_and_a_waiting_import() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let key_path = dir.path().join("key.json");
    // The README's first command, without serving: faults are planted by default.
    let out = ok(&yikou(&data, &["demo", "--no-serve", "--answer-key", key_path.to_str().unwrap()]));
    assert!(out.contains("已植入") && out.contains("待完成的导入"), "{out}");
    let key: BTreeMap<String, BTreeSet<String>> =
        serde_json::from_str(&std::fs::read_to_string(&key_path).unwrap()).unwrap();
    for kind in yikou_domain::FindingKind::ALL {
        assert!(key.get(kind.code()).is_some_and(|k| !k.is_empty()), "the demo plants some {kind}");
    }
    let report = check_json(&data);
    let got = found(&report);
    // Every kind waits to be decided; the demo reviewer decided two (one confirmed, one dismissed).
    let findings = report["findings"].as_array().unwrap();
    for kind in yikou_domain::FindingKind::ALL {
        let open = findings.iter().filter(|f| f["type"] == kind.code() && f["status"] == "open").count();
        assert!(open > 0, "an open {kind} finding");
    }
    let with = |status: &str| findings.iter().filter(|f| f["status"] == status).collect::<Vec<_>>();
    assert_eq!((with("confirmed").len(), with("dismissed").len()), (1, 1));
    assert!(with("dismissed")[0]["reason"].as_str().is_some_and(|r| r.contains("核实")));
    // 古美街道's clerk has a checked list waiting, with rows to fix.
    let db = format!("sqlite://{}", data.join("yikou.db").display());
    let waiting: i64 = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&db).await.unwrap();
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM pending_uploads p JOIN users u ON u.id = p.user_id WHERE u.login = 'gumei'",
        )
        .fetch_one(&mut c)
        .await
        .unwrap()
    });
    assert_eq!(waiting, 1, "one import waits for 古美街道's clerk");
    // The campaign carried through review and payment (issue 14, point 9): rosters in every state,
    // a bank batch with refusals re-issued, unclear answers pending — and it all adds up.
    let out_lines = ok(&yikou(&data, &["pay", "progress", "--json"]));
    let p: serde_json::Value = serde_json::from_str(&out_lines).unwrap();
    let t = &p["total"];
    let sum = |k: &str| ["disbursed", "failed", "pending"].iter().map(|s| t[*s][k].as_i64().unwrap()).sum::<i64>();
    assert_eq!(t["approved"]["entitlements"].as_i64(), Some(sum("entitlements")), "{p}");
    assert_eq!(t["approved"]["amount_fen"].as_i64(), Some(sum("amount_fen")), "{p}");
    assert!(
        t["disbursed"]["entitlements"].as_i64().unwrap() > 10_000 && t["pending"]["entitlements"].as_i64().unwrap() > 0,
        "{p}"
    );
    assert_eq!(p["problems"], serde_json::json!([]), "every paid entitlement traces to its line");
    let batches: serde_json::Value =
        serde_json::from_str(&ok(&yikou(&data, &["pay", "batch", "list", "--json"]))).unwrap();
    let items = batches["items"].as_array().unwrap();
    assert!(items.iter().any(|b| b["reissue_of"].is_i64()), "a re-issue batch");
    assert!(out.contains("1 份待审核，1 份已退回"), "{out}");
    // And a finished follow-up (issue 15): drawn again with the demo's seed over the same population,
    // the CLI draws exactly the same people.
    assert!(out.contains("电话回访：抽取") && out.contains("件待办结"), "{out}");
    let v: serde_json::Value = serde_json::from_str(&ok(&yikou(
        &data,
        &["sample", "create", "--strata", "street", "--seed", "2020", "--json"],
    )))
    .unwrap();
    assert_eq!(v["seed"], 2020);
    let n = v["size"].as_u64().unwrap();
    assert_eq!(v["strata"].as_array().unwrap().iter().map(|s| s["size"].as_u64().unwrap()).sum::<u64>(), n, "{v}");
    assert!(v["strata"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["size"].as_u64().unwrap() >= 2.min(s["population"].as_u64().unwrap())));
    let (first, again) = (dir.path().join("s1.csv"), dir.path().join("s2.csv"));
    ok(&yikou(&data, &["sample", "export", "1", "-o", first.to_str().unwrap()]));
    ok(&yikou(&data, &["sample", "export", &v["sample"].to_string(), "-o", again.to_str().unwrap()]));
    let ids = |p: &std::path::Path| {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&first), ids(&again), "the same seed draws the same sample");
    assert_eq!(ids(&first).len() as u64, n + 1, "a header and one line per drawn entitlement");
    let sorted = {
        let mut x: Vec<i64> = ids(&first)[1..].iter().map(|s| s.parse().unwrap()).collect::<Vec<_>>();
        let y = x.clone();
        x.sort_unstable();
        x == y
    };
    assert!(sorted, "sorted by entitlement id");
    // `--faults` is still accepted (planting is the default); the demo is not built twice.
    assert!(ok(&yikou(&data, &["demo", "--no-serve", "--faults"])).contains("已存在"));
    for (kind, planted) in &key {
        let seen = got.get(kind).cloned().unwrap_or_default();
        if kind == "near_duplicates" {
            let hit = planted.intersection(&seen).count() as f64;
            let (precision, recall) = (hit / seen.len().max(1) as f64, hit / planted.len() as f64);
            assert!(precision >= 0.95 && recall >= 0.95, "near-duplicates precision {precision} recall {recall}");
        } else {
            let missed: Vec<_> = planted.difference(&seen).collect();
            assert!(missed.is_empty(), "{kind}: planted but not found: {missed:?}");
            let extra: Vec<_> = seen.difference(planted).collect();
            assert!(extra.is_empty(), "{kind}: found but not planted: {extra:?}");
        }
        assert_eq!(report["counts"][kind].as_u64(), Some(seen.len() as u64), "{kind} count is its findings");
    }

    // A dismissal needs a reason and holds on the next run; the audit chain stays intact.
    let target = key["dup_in_project"].iter().next().unwrap().clone();
    let o = yikou(&data, &["finding", "dismiss", &target, "--reason", ""]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("必须填写理由"));
    ok(&yikou(&data, &["finding", "dismiss", &target, "--reason", "已核实：同一人两次录入，另一笔已撤销"]));
    let o = yikou(&data, &["finding", "confirm", "dup_in_project:NOPE:1"]);
    assert_eq!(o.status.code(), Some(1), "an unknown finding is refused");
    let again = check_json(&data);
    let f = again["findings"].as_array().unwrap().iter().find(|f| f["key"] == target.as_str()).unwrap();
    assert_eq!(f["status"], "dismissed");
    assert_eq!(f["reason"], "已核实：同一人两次录入，另一笔已撤销");
    assert!(ok(&yikou(&data, &["audit", "verify"])).contains("完整"));

    // The workbook: a sheet per type found, masked IDs only.
    let xlsx = dir.path().join("findings.xlsx");
    ok(&yikou(&data, &["check", "-o", xlsx.to_str().unwrap()]));
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&xlsx).unwrap()).unwrap();
    let mut workbook = String::new();
    zip.by_name("xl/workbook.xml").unwrap().read_to_string(&mut workbook).unwrap();
    for title in
        ["同一项目重复", "互斥项目重复享受", "违反排除规则", "疑似重复（需人工核实）", "遗漏（未享受任何项目）"]
    {
        assert!(workbook.contains(title), "sheet {title}");
    }
    let mut all = String::new();
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).unwrap();
        let name = part.name().unwrap().to_string();
        if name.starts_with("xl/worksheets/") || name == "xl/sharedStrings.xml" {
            part.read_to_string(&mut all).unwrap();
        }
    }
    assert!(all.contains("********"), "masked ID numbers are in the sheets");
    let digits = all
        .as_bytes()
        .windows(18)
        .any(|w| w[..17].iter().all(u8::is_ascii_digit) && (w[17].is_ascii_digit() || w[17] == b'X'));
    assert!(!digits, "no full ID number in the workbook");
}

#[test]
fn rules_are_edited_as_json_checked_and_versioned() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    ok(&yikou(&data, &["demo", "--no-serve", "--clean"]));
    let shown = ok(&yikou(&data, &["rules", "show"]));
    let mut rules: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(rules["exclusive_groups"]["助学金"], serde_json::json!(["BM-09", "BM-17"]));
    assert_eq!(rules["exclusions"][0]["receives"], "MZ-04");

    let bad = dir.path().join("bad.json");
    let mut wrong = rules.clone();
    wrong["exclusions"][0]["receives"] = "MZ-99".into();
    std::fs::write(&bad, wrong.to_string()).unwrap();
    let o = yikou(&data, &["rules", "set", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("“MZ-99”不存在"));
    std::fs::write(&bad, "{\"exclusive_group\": {}}").unwrap();
    let o = yikou(&data, &["rules", "set", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "a misspelt field is refused, not ignored");

    // Coverage narrowed to 低保 and a 1,000元 cap: the check follows the new version.
    rules["coverage"] = serde_json::json!(["DB"]);
    rules["cap_per_person_fen"] = 100_000.into();
    let good = dir.path().join("good.json");
    std::fs::write(&good, rules.to_string()).unwrap();
    assert!(ok(&yikou(&data, &["rules", "set", good.to_str().unwrap()])).contains("第2版"));
    let r = check_json(&data);
    assert_eq!(r["rules_version"], 2);
    assert!(r["counts"]["over_cap"].as_u64().unwrap() > 0, "some people received more than 1,000元");
    assert_eq!(r["counts"]["omissions"], 0);
}

#[test]
fn one_id_number_sent_under_two_names_loads_as_one_person_and_is_flagged_for_review() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let files = dir.path().join("ex");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(
        files.join("people.csv"),
        "person_id,id_number,name,street_code,household_id,categories,deceased\n\
         A1,11010519491231002X,张秀英,310112006000,H1,DB,0\n\
         B7,11010519491231002X,张秀瑛,310112006000,H1,DB,0\n\
         C3,34052419800101001X,李强,310112102000,H2,DB,0\n",
    )
    .unwrap();
    std::fs::write(
        files.join("projects.csv"),
        "project_id,unit_group,exclusive_group,per_household,target_categories\nJ1,民政部门,,0,DB\nJ2,相关职能部门,,0,DB\n",
    )
    .unwrap();
    std::fs::write(
        files.join("entitlements.csv"),
        "entitlement_id,project_id,person_id,amount_fen\nE1,J1,A1,90000\nE2,J2,B7,50000\nE3,J1,C3,90000\n",
    )
    .unwrap();
    ok(&yikou(&data, &["init"]));
    let loaded: Value =
        serde_json::from_str(&ok(&yikou(&data, &["load", files.to_str().unwrap(), "--campaign", "2021", "--json"])))
            .unwrap();
    assert_eq!(loaded["report"]["people_created"], 2, "one register record per ID number");
    let r = check_json(&data);
    let near: Vec<&Value> =
        r["findings"].as_array().unwrap().iter().filter(|f| f["type"] == "near_duplicates").collect();
    assert_eq!(near.len(), 1, "{near:?}");
    assert!(near[0]["explanation"].as_str().unwrap().contains("张秀瑛"));
    assert_eq!(near[0]["people"][0]["id_number_masked"], "110105********002X");
    assert_eq!(r["counts"]["dup_in_project"], 0, "two projects, not one project twice");
}
