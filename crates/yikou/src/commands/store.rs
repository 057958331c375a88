//! `yikou init` and `yikou doctor`: the data folder, its key and database, and a health check.

use std::process::ExitCode;

use yikou_domain::money::group_thousands;
use yikou_domain::Scope;
use yikou_store::{Store, StoreConfig};

use crate::say;

/// `yikou init`.
pub async fn init(cfg: &StoreConfig) -> anyhow::Result<ExitCode> {
    let init = Store::init(cfg).await?;
    print_init(cfg, &init);
    init.store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Checks what must not be lost silently: the key, that it fits the database, the audit chain,
/// and that the data agrees with itself (nothing half-written). `--json` also gives the figures.
pub async fn doctor(cfg: &StoreConfig, json: bool) -> anyhow::Result<ExitCode> {
    let mut checks: Vec<(bool, String)> = Vec::new();
    let mut line = |good: bool, text: String| checks.push((good, text));
    if cfg.key_hex.is_some() {
        line(true, "密钥：来自环境变量 YIKOU_KEY".into());
    } else if cfg.key_path().exists() {
        line(true, format!("密钥文件：{}（请确认已另行备份）", cfg.key_path().display()));
    } else {
        line(false, format!("密钥文件 {} 不存在，也未设置 YIKOU_KEY", cfg.key_path().display()));
    }
    let mut figures = None;
    let mut problems = Vec::new();
    match Store::open(cfg).await {
        Err(e) => line(false, format!("数据库：{e}")),
        Ok(store) => {
            line(true, format!("数据库：{}，密钥与数据库匹配", store.backend()));
            let v = store.verify_audit().await?;
            match &v.problem {
                None => line(true, format!("审计链完整（{} 条记录）", group_thousands(v.records as u64))),
                Some(p) => line(false, format!("审计链：{p}")),
            }
            problems = store.consistency().await?;
            if problems.is_empty() {
                line(true, "数据自洽：没有写了一半的导入批次或发放批次，发放明细与帮扶记录状态一致".into());
            }
            for p in &problems {
                line(false, format!("数据不自洽：{} {}", p.count, p.what));
            }
            let people = store.count_people(&Scope::All).await?;
            line(true, format!("帮困对象：{} 人", group_thousands(people as u64)));
            figures = Some(store.figures().await?);
            store.close().await;
        }
    }
    let ok = checks.iter().all(|(good, _)| *good);
    if json {
        let checks: Vec<_> =
            checks.iter().map(|(good, text)| serde_json::json!({ "ok": good, "text": text })).collect();
        say!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "ok": ok, "checks": checks, "problems": problems, "figures": figures })
            )?
        );
    } else {
        for (good, text) in &checks {
            say!("{} {}", if *good { "[正常]" } else { "[问题]" }, text);
        }
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// `yikou backup OUT`.
pub async fn backup(cfg: &StoreConfig, out: &std::path::Path) -> anyhow::Result<ExitCode> {
    let store = Store::open(cfg).await?;
    let made = store.backup(&yikou_domain::Actor::system("backup"), out, &cfg.url()).await;
    store.close().await;
    let m = made?;
    say!("已备份到 {}（{} 字节，SHA-256 {}）。", out.display(), group_thousands(m.bytes), m.sha256);
    print_figures(&m.figures);
    say!("备份中不含密钥：请把密钥文件 {} 另行保管，恢复时需要它。", cfg.key_path().display());
    Ok(ExitCode::SUCCESS)
}

/// `yikou restore BACKUP --data NEW --key KEY`.
pub async fn restore(cfg: &StoreConfig, backup: &std::path::Path, key: &std::path::Path) -> anyhow::Result<ExitCode> {
    let r = yikou_store::backup::restore(backup, cfg, key).await?;
    say!(
        "已从备份（北京时间 {} 备份）恢复到数据目录 {}。",
        yikou_domain::clock::beijing_seconds(&r.manifest.taken_at),
        r.data_dir.display()
    );
    print_figures(&r.manifest.figures);
    say!(
        "核对：审计链完整（{} 条记录），人数、户数、帮扶记录、金额与审计链末条均与备份时一致；已在审计链中追加一条恢复记录。",
        group_thousands(r.audit_records as u64)
    );
    Ok(ExitCode::SUCCESS)
}

fn print_figures(f: &yikou_store::backup::Figures) {
    let yuan = |fen: i64| yikou_domain::Fen(fen).yuan();
    say!(
        "帮困对象 {} 人，户 {} 个，帮扶记录 {} 条（金额 {} 元，已批准 {} 元），发放明细 {} 条（已发放 {} 元）；审计记录 {} 条，末条 #{}。",
        group_thousands(f.people as u64),
        group_thousands(f.households as u64),
        group_thousands(f.entitlements as u64),
        yuan(f.entitlements_fen),
        yuan(f.approved_fen),
        group_thousands(f.payment_lines as u64),
        yuan(f.paid_fen),
        group_thousands(f.audit_records as u64),
        f.audit_head_seq
    );
}

pub fn print_init(cfg: &StoreConfig, init: &yikou_store::Initialised) {
    say!("已初始化数据目录 {}（数据库：{}）。", cfg.data_dir.display(), init.store.backend());
    if cfg.key_hex.is_none() {
        say!("密钥文件：{}。请另行备份；丢失密钥将无法读取已存的身份证号。", cfg.key_path().display());
    }
    say!("管理员账号：{}　一次性密码：{}（首次登录须修改）", init.admin_login, init.admin_password);
    say!();
}

#[derive(clap::Subcommand)]
pub enum DbCommand {
    /// 打印把 PostgreSQL 库改为 Citus 分布式库的语句（create_reference_table / create_distributed_table），
    /// 先按 Citus 的规则检查当前库的表结构；不符合时列出问题，退出码 1
    /// (print the Citus statements after checking the live schema against Citus's rules)
    Distribute {
        /// 每张分布表的分片数 (shards per distributed table)
        #[arg(long, default_value_t = 32)]
        shards: u32,
    },
}

pub async fn db(cfg: &StoreConfig, cmd: DbCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        DbCommand::Distribute { shards } => {
            if !(1..=4096).contains(&shards) {
                anyhow::bail!("分片数应在 1 到 4096 之间（常用 32 或 64）");
            }
            let store = Store::open(cfg).await?;
            let checked = store.distribution_violations().await?;
            store.close().await;
            match checked {
                None => eprintln!(
                    "说明：当前为 SQLite 数据库，不能分布；以下语句在迁移到 PostgreSQL 并安装 Citus、加入工作节点后执行。"
                ),
                Some(v) if !v.is_empty() => {
                    eprintln!("当前数据库的表结构不符合 Citus 的分布规则（{} 处），未输出语句：", v.len());
                    for line in v {
                        eprintln!("  {line}");
                    }
                    return Ok(ExitCode::from(1));
                }
                Some(_) => {}
            }
            say!("-- yikou: Citus 分布语句（先 CREATE EXTENSION citus 并用 citus_add_node 加入工作节点，在协调节点上按顺序执行）");
            say!("-- 个人数据按 person_key（身份证号密钥散列的前 56 位）分片并同置；小表为参考表。说明见 docs/SCALING.md。");
            for line in yikou_store::distribution::statements(shards) {
                say!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
