//! The exchange layout: written and read back without loss, malformed rows listed, and the core
//! check's counts equal to what the peer script (DuckDB) counts on the same files.

use std::path::Path;

use yikou_domain::check::check_core;
use yikou_ingest::exchange::{core_rows, generate_exchange, read_exchange, write_exchange};

#[test]
fn a_round_trip_is_lossless() {
    let dir = tempfile::tempdir().unwrap();
    let ex = generate_exchange(500, 12, 800, 3, 0.05);
    write_exchange(dir.path(), &ex).unwrap();
    let (back, issues) = read_exchange(dir.path()).unwrap();
    assert!(issues.is_empty(), "{issues:?}");
    // Compared element by element so that a failure names one record, not all of them.
    assert_eq!(back.people.len(), ex.people.len());
    for (a, b) in back.people.iter().zip(&ex.people) {
        assert_eq!(a, b);
    }
    assert_eq!(back.projects, ex.projects);
    assert_eq!(back.entitlements.len(), ex.entitlements.len());
    assert!(back.entitlements.iter().zip(&ex.entitlements).all(|(a, b)| a == b));
    let again = tempfile::tempdir().unwrap();
    write_exchange(again.path(), &back).unwrap();
    for f in ["people.csv", "projects.csv", "entitlements.csv"] {
        assert_eq!(std::fs::read(dir.path().join(f)).unwrap(), std::fs::read(again.path().join(f)).unwrap(), "{f}");
    }
}

#[test]
fn malformed_rows_are_listed_by_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("people.csv"),
        "person_id,id_number,name,street_code,household_id,categories,deceased\nP1,11010519491231002X,甲,310112006,H1,DB,0\nP2,340524198001010013,乙,310112006,H2,DB,0\nP3,34052419800101001X,丙,3101,H3,DB,2\n",
    )
    .unwrap();
    std::fs::write(
        d.join("projects.csv"),
        "project_id,unit_group,exclusive_group,per_household,target_categories\nJ1,民政部门,,0,DB\nJ2,区委,,0,DB\n",
    )
    .unwrap();
    std::fs::write(d.join("entitlements.csv"), "entitlement_id,project_id,person_id,amount_fen\nE1,J1,P1,60000\nE2,J9,P1,60000\nE3,J1,P7,60000\nE4,J1,P1,六百\n").unwrap();
    let (_, issues) = read_exchange(d).unwrap();
    let got: Vec<(String, u32, &str)> = issues.iter().map(|i| (i.column.clone(), i.row, i.code.as_str())).collect();
    assert_eq!(
        got,
        vec![
            ("people.csv:id_number".to_string(), 3, "id_bad_check"),
            ("people.csv:street_code".to_string(), 4, "street_code_invalid"),
            ("people.csv:deceased".to_string(), 4, "flag_invalid"),
            ("projects.csv:unit_group".to_string(), 3, "unit_group_invalid"),
            ("entitlements.csv:project_id".to_string(), 3, "unknown_project"),
            ("entitlements.csv:person_id".to_string(), 4, "unknown_person"),
            ("entitlements.csv:amount_fen".to_string(), 5, "amount_invalid"),
        ]
    );
}

fn peer_counts(dir: &Path) -> Option<Vec<(String, u64)>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench/peer_check.py");
    let out = std::process::Command::new("python3").arg(&script).arg(dir).output().ok()?;
    if !out.status.success() {
        return None;
    }
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once('='))
            .filter(|(k, _)| !k.starts_with("group") && *k != "seconds")
            .map(|(k, v)| (k.to_string(), v.parse().unwrap()))
            .collect(),
    )
}

/// Runs where python3 with duckdb and ../shared/bench are present.
#[test]
fn core_counts_equal_the_peer_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let ex = generate_exchange(3_000, 30, 5_000, 8, 0.03);
    write_exchange(dir.path(), &ex).unwrap();
    let (people, projects, ents) = core_rows(&ex);
    let c = check_core(&people, &projects, &ents).counts();
    let all = [c.dup_in_project, c.dup_exclusive, c.household_twice, c.omissions, c.ineligible, c.deceased_paid];
    assert!(all.iter().all(|n| *n > 0), "every rule has something to find: {c:?}");
    let Some(peer) = peer_counts(dir.path()) else {
        eprintln!("note: peer_check.py (python3 + duckdb) not available, comparison skipped");
        return;
    };
    let ours = [
        ("dup_in_project", c.dup_in_project),
        ("dup_exclusive", c.dup_exclusive),
        ("household_twice", c.household_twice),
        ("omissions", c.omissions),
        ("ineligible", c.ineligible),
        ("deceased_paid", c.deceased_paid),
    ];
    for (k, v) in ours {
        let theirs = peer.iter().find(|(pk, _)| pk == k).map(|(_, v)| *v);
        assert_eq!(Some(v), theirs, "{k}");
    }
}
