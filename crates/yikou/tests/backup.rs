//! The restore drill (issue 19, point 4) as an operator runs it: back up the demo campaign's data
//! folder, restore it into a fresh folder with the key file, and find the same report, a verified
//! audit chain and a healthy folder there; the backup holds no key.

use std::path::Path;
use std::process::{Command, Output};

fn yikou(data: &Path, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_yikou"));
    c.arg("--data").arg(data).args(args).env_remove("YIKOU_KEY").env_remove("YIKOU_DATABASE_URL");
    c.output().expect("run yikou")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn the_restore_drill_gives_back_the_same_report_and_a_verified_chain() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    let o = yikou(&data, &["demo", "--no-serve", "--seed", "2020"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let before = yikou(&data, &["report", "summary", "--json"]);
    assert!(before.status.success());

    let out = dir.path().join("backup-2026-12-07");
    let o = yikou(&data, &["backup", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("备份中不含密钥"), "{}", text(&o.stdout));
    let mut names: Vec<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["manifest.json", "yikou.db"], "the copy and its manifest, no key");

    let restored = dir.path().join("restored");
    let key = data.join("yikou.key");
    // Exactly as the issue writes it: yikou restore BACKUP_DIR --data NEW_DIR --key KEY_FILE.
    let o = Command::new(env!("CARGO_BIN_EXE_yikou"))
        .args(["restore", out.to_str().unwrap(), "--data", restored.to_str().unwrap(), "--key", key.to_str().unwrap()])
        .env_remove("YIKOU_KEY")
        .env_remove("YIKOU_DATABASE_URL")
        .env_remove("YIKOU_DATA")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("审计链完整"), "{}", text(&o.stdout));

    let after = yikou(&restored, &["report", "summary", "--json"]);
    assert!(after.status.success(), "{}", text(&after.stderr));
    assert_eq!(text(&after.stdout), text(&before.stdout), "the same figures, to the fen");
    let o = yikou(&restored, &["doctor"]);
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));
    let o = yikou(&restored, &["audit", "verify"]);
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));

    // Again into the same folder: refused, the restored folder untouched.
    let o = yikou(&restored, &["restore", out.to_str().unwrap(), "--key", key.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("已存在且不为空"), "{}", text(&o.stderr));
    assert!(yikou(&restored, &["doctor"]).status.success());
}
