//! `yikou sample size` gives the contract's values (HOPE's own tests): Cochran's formula with the
//! finite-population correction and the design factor of 1.5.

use std::process::Command;

fn size(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_yikou")).args(["sample", "size"]).args(args).output().expect("run yikou");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn the_sample_size_command_gives_the_contracts_values() {
    assert_eq!(size(&["--population", "100"]), "100");
    assert_eq!(size(&["--population", "1000"]), "417");
    assert_eq!(size(&["--population", "10000"]), "555");
    assert_eq!(size(&["--population", "1000", "--confidence", "99", "--margin", "1"]), "1000");
    assert_eq!(size(&["--population", "1000", "--margin", "50"]), "6");
    let o = Command::new(env!("CARGO_BIN_EXE_yikou"))
        .args(["sample", "size", "--population", "10", "--margin", "0"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("允许误差"));
}
