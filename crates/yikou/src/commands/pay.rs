//! `yikou pay`: disbursement from the command line, acting as a named account (`--as LOGIN`,
//! audited as it) through the same use cases as the pages and the API — the same rules (who may
//! pay, approval and payment by different people, nothing paid twice) and the same JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;
use yikou_domain::pay::PayMethod;
use yikou_domain::{Actor, Fen};
use yikou_service::pay::{self as use_case, FileFormat};
use yikou_store::pay::{BatchFilter, BatchMade};
use yikou_store::{Store, StoreConfig};

use super::rosters::acting_as;
use crate::{emit, say};

#[derive(Subcommand)]
pub enum PayCommand {
    /// 发放批次 (batches)
    Batch {
        #[command(subcommand)]
        batch: BatchCommand,
    },
    /// 导出银行代发文件（含完整账号，记入审计日志）
    Export {
        /// 批次编号（数字 id）
        batch: i64,
        #[arg(long, default_value = "xlsx")]
        format: String,
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        #[arg(long = "as", value_name = "LOGIN")]
        login: Option<String>,
    },
    /// 导入银行结果文件
    Results {
        batch: i64,
        file: PathBuf,
        #[arg(long = "as", value_name = "LOGIN")]
        login: String,
        #[arg(long)]
        json: bool,
    },
    /// 重新发放批次中的失败记录（新建批次）
    Reissue {
        batch: i64,
        #[arg(long = "as", value_name = "LOGIN")]
        login: String,
        #[arg(long)]
        json: bool,
    },
    /// 发放进度与对账
    Progress {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum BatchCommand {
    /// 创建发放批次
    Create {
        #[arg(long = "as", value_name = "LOGIN")]
        login: String,
        /// bank | card | cash | voucher | goods | service
        #[arg(long)]
        method: String,
        /// 项目代码，可重复
        #[arg(long = "project")]
        projects: Vec<String>,
        #[arg(long)]
        street: Option<String>,
        #[arg(long)]
        committee: Option<String>,
        /// 卡券批次的编号（卡券发放时随批次发出卡券编号，每笔按金额发相应张数）
        #[arg(long = "voucher-batch")]
        voucher_batch: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// 列出发放批次
    List {
        #[arg(long)]
        json: bool,
    },
}

fn made(m: &BatchMade, json_out: bool) {
    if json_out {
        emit(&format!("{}\n", use_case::made_json(m)));
    } else {
        say!("已创建发放批次 {}（编号 {}）：{} 笔，{} 元。", m.batch_no, m.id, m.lines, Fen(m.amount_fen).yuan());
        if m.without_account > 0 {
            say!("另有 {} 人没有银行账户，未列入。", m.without_account);
        }
    }
}

pub async fn run(cfg: &StoreConfig, cmd: PayCommand) -> anyhow::Result<ExitCode> {
    let store = Store::open(cfg).await?;
    let out = run_on(&store, cmd).await;
    store.close().await;
    out.map(|()| ExitCode::SUCCESS)
}

async fn run_on(store: &Store, cmd: PayCommand) -> anyhow::Result<()> {
    match cmd {
        PayCommand::Batch {
            batch: BatchCommand::Create { login, method, projects, street, committee, voucher_batch, json },
        } => {
            let method = PayMethod::from_code(&method)
                .ok_or_else(|| anyhow::anyhow!("--method 须为 bank、card、cash、voucher、goods 或 service 之一"))?;
            let (actor, _) = acting_as(store, &login).await?;
            let projects = use_case::project_ids(store, &actor, &projects).await?;
            let filter = BatchFilter { projects, street, committee, voucher_batch };
            made(&use_case::create_batch(store, &actor, method, &filter).await?, json);
        }
        PayCommand::Batch { batch: BatchCommand::List { json } } => {
            let list = use_case::batches(store, &Actor::system("pay-list")).await?;
            if json {
                emit(&format!("{}\n", json!({ "items": list })));
            } else {
                for b in &list {
                    say!(
                        "{}  {}  {}  {} 笔  {} 元  已发放 {}  失败 {}  待结果 {}",
                        b.id,
                        b.batch_no,
                        b.method.label(),
                        b.lines,
                        Fen(b.amount_fen).yuan(),
                        b.paid,
                        b.failed,
                        b.open
                    );
                }
            }
        }
        PayCommand::Export { batch, format, output, login } => {
            let f = match format.as_str() {
                "csv" => FileFormat::Csv,
                "xlsx" => FileFormat::Xlsx,
                _ => anyhow::bail!("--format 须为 csv 或 xlsx"),
            };
            let actor = match login {
                Some(l) => acting_as(store, &l).await?.0,
                None => Actor::system("pay-export"),
            };
            let (b, bytes, _) = use_case::bank_file(store, &actor, batch, f).await?;
            std::fs::write(&output, &bytes).map_err(|e| anyhow::anyhow!("无法写出 {}：{e}", output.display()))?;
            say!(
                "已导出批次 {} 的银行代发文件：{}（{} 笔，{} 元）。",
                b.batch_no,
                output.display(),
                b.lines,
                Fen(b.amount_fen).yuan()
            );
        }
        PayCommand::Results { batch, file, login, json } => {
            let (actor, _) = acting_as(store, &login).await?;
            let c = use_case::record_results(store, &actor, batch, &file).await?;
            if json {
                emit(&format!("{}\n", serde_json::to_value(&c)?));
            } else {
                say!(
                    "读取 {} 行：成功 {}，失败 {}，结果不明 {}，此前已记录 {}；不在本批次 {}，账号或金额不符 {}，重复 {}，未见结果 {}。",
                    c.lines, c.paid, c.failed, c.unresolved, c.already_recorded, c.unmatched, c.mismatched, c.duplicates, c.missing
                );
            }
        }
        PayCommand::Reissue { batch, login, json } => {
            let (actor, _) = acting_as(store, &login).await?;
            made(&use_case::reissue(store, &actor, batch).await?, json);
        }
        PayCommand::Progress { json } => {
            let p = use_case::progress(store, &Actor::system("pay-progress")).await?;
            if json {
                emit(&format!("{}\n", use_case::progress_json(&p)));
            } else {
                let t = &p.total;
                say!(
                    "已下达 {} 条 {} 元；已发放 {} 条 {} 元；发放失败 {} 条；待发放 {} 条。",
                    t.approved.entitlements,
                    Fen(t.approved.amount_fen).yuan(),
                    t.disbursed.entitlements,
                    Fen(t.disbursed.amount_fen).yuan(),
                    t.failed.entitlements,
                    t.pending.entitlements
                );
                for problem in &p.problems {
                    say!("对账问题：{problem}");
                }
            }
        }
    }
    Ok(())
}
