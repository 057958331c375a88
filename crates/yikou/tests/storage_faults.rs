//! A full disk and a read-only database (issue 19, point 2): the act is refused with a Chinese
//! message that says what to do, nothing of it is written, and the data opens and checks as before.
//! The data folder is put on a small tmpfs, which needs root (as `.ci/run` runs); elsewhere the
//! test says so and skips.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod common;
use common::{ok, yikou};

/// Figures of a healthy database (doctor must pass), without the audit head's hash.
fn figures(data: &Path) -> Value {
    let o = yikou(data, &["doctor", "--json"]);
    let v: Value = serde_json::from_slice(&ok(&o).stdout).unwrap();
    assert_eq!(v["ok"], true, "{v:#}");
    v["figures"].clone()
}

/// A tmpfs of `mb` MB, unmounted when dropped.
struct Small(PathBuf);

impl Small {
    fn mount(at: PathBuf, mb: u32) -> Option<Small> {
        std::fs::create_dir_all(&at).unwrap();
        let done = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mb}m"), "tmpfs"])
            .arg(&at)
            .output()
            .ok()?;
        done.status.success().then_some(Small(at))
    }

    fn remount(&self, how: &str) {
        let o = Command::new("mount").args(["-o", &format!("remount,{how}")]).arg(&self.0).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }

    fn resize(&self, mb: u32) {
        self.remount(&format!("size={mb}m"));
    }

    fn read_only(&self) {
        self.remount("ro");
    }
}

impl Drop for Small {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).output();
    }
}

#[test]
fn a_full_disk_and_a_read_only_database_refuse_the_act_in_chinese_and_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let Some(small) = Small::mount(dir.path().join("small"), 24) else {
        eprintln!("note: cannot mount a tmpfs here (not root?), the full-disk test is skipped");
        return;
    };
    let data = small.0.join("d");
    ok(&yikou(&data, &["init"]));
    let first = dir.path().join("first.csv");
    std::fs::write(&first, "姓名,身份证号,性别,街镇,类别,金额\n张三,11010519491231002X,女,古美街道,低保家庭,600\n")
        .unwrap();
    ok(&yikou(&data, &["import", first.to_str().unwrap()]));
    let before = figures(&data);

    // A roster larger than the room left on the disk.
    let big = dir.path().join("big.csv");
    ok(&yikou(
        &dir.path().join("tool"),
        &["bench", "roster", "--rows", "60000", "--fault-rate", "0", "--seed", "5", "--csv", big.to_str().unwrap()],
    ));
    let o = yikou(&data, &["import", big.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "the import cannot have fitted: {said}");
    assert!(said.contains("磁盘已满") && said.contains("没有写入任何数据"), "{said}");
    // The operator makes room (SQLite needs some to open at all: its write-ahead log grew into
    // the space the import wanted); then the data is as it was before the import.
    small.resize(64);
    assert_eq!(figures(&data), before, "nothing of the refused import is there");
    let o = yikou(&data, &["audit", "verify"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));

    // The same disk made read-only: the next write is refused, the data still reads.
    small.read_only();
    let second = dir.path().join("second.csv");
    std::fs::write(&second, "姓名,身份证号,性别,街镇,类别,金额\n李四,34052419800101001X,男,七宝镇,困难老人,300\n")
        .unwrap();
    let o = yikou(&data, &["import", second.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{said}");
    assert!(said.contains("只读"), "{said}");
}
