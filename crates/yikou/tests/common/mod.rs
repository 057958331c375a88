//! Running the `yikou` binary as scripts do: a data folder, optionally a database URL, nothing from
//! the environment that could point it elsewhere.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// The command, ready to run or spawn.
pub fn command(data: &Path, database: Option<&str>, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_yikou"));
    c.arg("--data").arg(data);
    if let Some(url) = database {
        c.arg("--database").arg(url);
    }
    c.args(args).env_remove("YIKOU_KEY").env_remove("YIKOU_DATABASE_URL");
    c
}

/// Runs `yikou --data DATA ARGS…` on the folder's own SQLite database.
pub fn yikou(data: &Path, args: &[&str]) -> Output {
    command(data, None, args).output().expect("run yikou")
}

/// The same on the given database.
pub fn yikou_on(data: &Path, database: Option<&str>, args: &[&str]) -> Output {
    command(data, database, args).output().expect("run yikou")
}

/// The output of a run that must have succeeded.
pub fn ok(o: &Output) -> &Output {
    assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    o
}
