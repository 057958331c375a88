//! `yikou audit verify`: the audit log's hash chain.

use std::process::ExitCode;

use clap::Subcommand;
use yikou_domain::money::group_thousands;
use yikou_store::{Store, StoreConfig};

use crate::say;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// 校验审计链：发现被改动或删除的记录 (verify the hash chain)
    Verify {
        /// 输出 JSON
        #[arg(long)]
        json: bool,
    },
}

/// `yikou audit verify`: exit status 1 when the chain is broken.
pub async fn run(cfg: &StoreConfig, cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    let AuditCommand::Verify { json } = cmd;
    let store = Store::open(cfg).await?;
    let v = store.verify_audit().await?;
    store.close().await;
    if json {
        say!("{}", serde_json::to_string_pretty(&v)?);
    } else if v.ok() {
        say!("审计链完整：共 {} 条记录，均未被改动或删除。", group_thousands(v.records as u64));
    } else {
        say!(
            "审计链被破坏：第一条有问题的记录是 #{}。{}",
            v.first_bad.unwrap_or(0),
            v.problem.as_deref().unwrap_or("")
        );
    }
    Ok(if v.ok() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
