//! yikou (一口上下): the relief campaign's one binary. This file is the command line (clap) and
//! its dispatch; each feature's commands live in `commands/<feature>.rs`.

mod commands;
mod text;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use commands::accounts::{TokenCommand, UserCommand};
use commands::audit::AuditCommand;
use commands::bench::BenchCommand;
use commands::campaign::ReportCommand;
use commands::check::{FindingCommand, RulesCommand};
use commands::followup::SampleCommand;
use commands::imports::BatchCommand;
use commands::pay::PayCommand;
use commands::rosters::RosterCommand;
use commands::serve::ServeOpts;
use yikou_store::StoreConfig;

#[derive(Parser)]
#[command(
    name = "yikou",
    version,
    about = "一口上下 社会救助帮困信息系统 (yikou: the relief campaign system)",
    long_about = "一口上下 社会救助帮困信息系统：帮困对象建档、帮困项目、比对核查、一口下达一口发放、回访与汇总。\n\
                  yikou carries a district's holiday relief campaign from survey to summary.\n\n\
                  默认使用数据目录中的 SQLite 数据库；--database postgres://… 使用 PostgreSQL。"
)]
struct Cli {
    /// 数据目录：存放密钥文件和默认的 SQLite 数据库 (data folder)
    #[arg(long, global = true, env = "YIKOU_DATA", default_value = "yikou-data")]
    data: PathBuf,
    /// 数据库地址 postgres://… 或 sqlite://…；默认为数据目录中的 yikou.db (database URL)
    #[arg(long, global = true, env = "YIKOU_DATABASE_URL")]
    database: Option<String>,
    /// 每个进程的数据库连接数，1–1000，默认 8：多个 yikou serve 共用一个 PostgreSQL 时按其 max_connections 分配 (pool size)
    #[arg(long, global = true, env = "YIKOU_DB_POOL")]
    db_pool: Option<String>,
    /// PostgreSQL 单条语句最长秒数，0 为不限（默认沿用服务器设置）(statement timeout, seconds)
    #[arg(long, global = true, env = "YIKOU_DB_STATEMENT_TIMEOUT")]
    db_statement_timeout: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 初始化数据目录：生成密钥、建库、载入参考数据、创建管理员 (initialise)
    Init,
    /// 生成演示活动“2020年元旦春节帮困送温暖”（虚构数据）并显示汇总 (build the demo campaign)
    Demo {
        /// 随机种子：同一种子生成同样的数据 (seed)
        #[arg(long, default_value_t = 2020)]
        seed: u64,
        /// 生成没有任何比对疑点、没有待完成导入的干净活动（默认植入各类疑点，供演示和培训）(a clean campaign)
        #[arg(long)]
        clean: bool,
        /// 植入各类比对疑点：现为默认，保留此选项以兼容旧脚本 (planting is now the default; kept as a no-op)
        #[arg(long, conflicts_with = "clean")]
        faults: bool,
        /// 植入疑点的答案（JSON：应发现的疑点编号）写到此文件
        #[arg(long, conflicts_with = "clean")]
        answer_key: Option<PathBuf>,
        /// 只生成数据，不启动网页服务
        #[arg(long)]
        no_serve: bool,
        /// 办理到哪一步：draft（已导入）、submitted（已提交）、approved（已批准下达）、paid（已发放）；默认为混合状态
        #[arg(long, value_enum, default_value = "mixed")]
        stage: commands::demo::Stage,
        #[command(flatten)]
        serve: ServeOpts,
    },
    /// 启动网页服务 (serve the web application)
    Serve {
        #[command(flatten)]
        serve: ServeOpts,
    },
    /// 用户账号 (accounts)
    User {
        #[command(subcommand)]
        user: UserCommand,
    },
    /// 机器访问令牌 (API tokens)
    Token {
        #[command(subcommand)]
        token: TokenCommand,
    },
    /// 自检：密钥、数据库、审计链、数据自洽（没有写了一半的批次）(check key, database, audit chain and consistency)
    Doctor {
        /// 输出 JSON（含人数、金额、审计链末条）
        #[arg(long)]
        json: bool,
    },
    /// 备份：SQLite 数据库的一致快照（服务运行中也可执行）和校验信息，写到新建或空的文件夹；不含密钥
    /// (back up: a consistent snapshot while the server runs, without the key)
    Backup {
        /// 备份文件夹（新建或空文件夹）(backup folder)
        out: std::path::PathBuf,
    },
    /// 恢复：用备份和密钥文件建一个新的数据目录（--data 指定），并核对审计链、人数和金额
    /// (restore a backup into a new data folder and check it)
    Restore {
        /// yikou backup 生成的备份文件夹 (backup folder)
        backup: std::path::PathBuf,
        /// 密钥文件（原数据目录中的 yikou.key 或其另存的副本）(key file)
        #[arg(long)]
        key: std::path::PathBuf,
    },
    /// 数据库：分布式部署 (database)
    Db {
        #[command(subcommand)]
        db: commands::store::DbCommand,
    },
    /// 导入名单（.xlsx/.xls/.csv）：逐行校验，全部正确才导入 (import a roster)
    ///
    /// 退出码：0 全部正确；1 有行被拒绝；2 文件本身无法读取。
    Import {
        /// 名单文件 (roster file)
        file: PathBuf,
        /// 导入到该项目（项目编号），并按项目标准核对金额 (project code)
        #[arg(long)]
        project: Option<String>,
        /// 项目所属活动年度，默认最新 (campaign year)
        #[arg(long)]
        campaign: Option<i32>,
        /// 只校验，不写入 (validate only)
        #[arg(long)]
        dry_run: bool,
        /// 只导入正确的行，错误行导出为工作簿 (import the clean rows, export the rest)
        #[arg(long)]
        accept_valid: bool,
        /// 输出 JSON
        #[arg(long)]
        json: bool,
        /// 工作表名称，默认第一个有表头的工作表 (sheet)
        #[arg(long)]
        sheet: Option<String>,
        /// 错误工作簿的保存位置 (where to write the error workbook)
        #[arg(short = 'o', long = "errors")]
        errors: Option<PathBuf>,
    },
    /// 生成导入模板（附件3）(write the import template)
    Template {
        /// 为该项目生成（项目编号）
        #[arg(long)]
        project: Option<String>,
        /// 项目所属活动年度，默认最新
        #[arg(long)]
        campaign: Option<i32>,
        /// 输出文件 .xlsx
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// 载入交换格式目录（people.csv、projects.csv、entitlements.csv）中的整个活动 (load a campaign)
    Load {
        /// 目录
        dir: PathBuf,
        /// 活动年度；不存在时按常规日程新建
        #[arg(long)]
        campaign: Option<i32>,
        /// 输出 JSON
        #[arg(long)]
        json: bool,
    },
    /// 以交换格式导出活动（含完整身份证号），供市级系统上传 (export a campaign)
    Export {
        /// 目录
        dir: PathBuf,
        /// 活动年度，默认最新
        #[arg(long)]
        campaign: Option<i32>,
        /// csv：people.csv、projects.csv、entitlements.csv；xlsx：一个工作簿（人员、项目、帮扶记录），格式见 docs/EXCHANGE.md
        #[arg(long, default_value = "csv", value_parser = ["csv", "xlsx"])]
        format: String,
    },
    /// 载入市级名单作为比对的基础名册（.csv/.xlsx/.xls，人员列表；有错误行时不载入）(load a municipal roster)
    LoadBase {
        /// 名单文件
        file: PathBuf,
        /// 作为哪一年度活动的基础名册（类别自该活动开始之日起算），默认最新
        #[arg(long)]
        campaign: Option<i32>,
        /// 输出 JSON
        #[arg(long)]
        json: bool,
    },
    /// 比对核查：重复、互斥、同户、排除规则、遗漏、条件、金额、疑似重复 (cross-check)
    Check {
        /// 活动年度，默认最新
        #[arg(long)]
        campaign: Option<i32>,
        /// 输出 JSON
        #[arg(long)]
        json: bool,
        /// 疑点清单写出到 Excel（每类一张工作表，身份证号脱敏）
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        /// 读取保存的比对结果（数据未变动时不重新比对；默认每次重新比对并保存）
        #[arg(long)]
        stored: bool,
    },
    /// 比对规则：查看、保存新版本 (cross-check rules)
    Rules {
        #[command(subcommand)]
        rules: RulesCommand,
    },
    /// 疑点处理：确认或排除（须写理由）(decide a finding)
    Finding {
        #[command(subcommand)]
        finding: FindingCommand,
    },
    /// 基准测试用数据 (benchmark data)
    Bench {
        #[command(subcommand)]
        bench: BenchCommand,
    },
    /// 导入批次：列出、撤销 (import batches)
    Batch {
        #[command(subcommand)]
        batch: BatchCommand,
    },
    /// 发放：批次、银行代发文件、结果、重新发放、进度 (disbursement)
    Pay {
        #[command(subcommand)]
        pay: PayCommand,
    },
    /// 随机电话回访：样本量、抽样、导出 (follow-up samples)
    Sample {
        #[command(subcommand)]
        sample: SampleCommand,
    },
    /// 名单审核：列出、提交、批准或退回 (rosters)
    Roster {
        #[command(subcommand)]
        roster: RosterCommand,
    },
    /// 报表 (reports)
    Report {
        #[command(subcommand)]
        report: ReportCommand,
    },
    /// 审计日志 (audit log)
    Audit {
        #[command(subcommand)]
        audit: AuditCommand,
    },
}

/// Prints to stdout; a closed pipe (`yikou … | head`) ends the program quietly instead of panicking.
pub(crate) fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}

macro_rules! say {
    () => { $crate::emit("\n") };
    ($($arg:tt)*) => { $crate::emit(&format!("{}\n", format_args!($($arg)*))) };
}
pub(crate) use say;

fn config(cli: &Cli) -> Result<StoreConfig, yikou_store::StoreError> {
    Ok(StoreConfig {
        data_dir: cli.data.clone(),
        database_url: cli.database.clone(),
        key_hex: std::env::var("YIKOU_KEY").ok().filter(|k| !k.trim().is_empty()),
        pool: yikou_store::PoolSettings::parse(cli.db_pool.as_deref(), cli.db_statement_timeout.as_deref())?,
    })
}

fn main() -> ExitCode {
    // This binary is also the capped child that reads .xls files (yikou_ingest::xls): answer that
    // first, before any thread or runtime exists, and otherwise name itself as the reader.
    if let Some(code) = yikou_ingest::xls::run_if_asked() {
        return code;
    }
    // On Linux /proc/self/exe, so that the child is this very program even after the file on disk
    // has been replaced by an upgrade (the frames on the pipe are this version's).
    let me = std::path::Path::new("/proc/self/exe");
    match if me.exists() { Ok(me.to_path_buf()) } else { std::env::current_exe() } {
        Ok(me) => yikou_ingest::xls::use_program(me),
        Err(e) => eprintln!("警告：找不到本程序的路径（{e}），.xls 文件将在本进程内读取，不受内存上限保护"),
    }
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime").block_on(cli_main())
}

async fn cli_main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("YIKOU_LOG").unwrap_or_else(|_| "warn,sqlx=error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::from(1)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    use commands::*;
    let cfg = config(&cli)?;
    match cli.command {
        Command::Init => store::init(&cfg).await,
        Command::Demo { seed, clean, faults: _, answer_key, no_serve, stage, serve } => {
            demo::run(&cfg, demo::DemoArgs { seed, faults: !clean, answer_key, no_serve, serve, stage }).await
        }
        Command::Serve { serve } => serve::serve(&cfg, &serve).await,
        Command::User { user } => accounts::user(&cfg, user).await,
        Command::Token { token } => accounts::token(&cfg, token).await,
        Command::Doctor { json } => store::doctor(&cfg, json).await,
        Command::Db { db } => store::db(&cfg, db).await,
        Command::Backup { out } => store::backup(&cfg, &out).await,
        Command::Restore { backup, key } => store::restore(&cfg, &backup, &key).await,
        Command::Import { file, project, campaign, dry_run, accept_valid, json, sheet, errors } => {
            let args =
                imports::ImportArgs { file, project, campaign, dry_run, accept_valid, json, sheet, errors_out: errors };
            imports::import(&cfg, args).await
        }
        Command::Template { project, campaign, output } => imports::template(&cfg, project, campaign, &output).await,
        Command::Batch { batch } => imports::batch(&cfg, batch).await,
        Command::Load { dir, campaign, json } => campaign::load(&cfg, &dir, campaign, json).await,
        Command::Export { dir, campaign, format } => campaign::export(&cfg, &dir, campaign, &format).await,
        Command::LoadBase { file, campaign, json } => campaign::load_base(&cfg, &file, campaign, json).await,
        Command::Report { report } => campaign::report(&cfg, report).await,
        Command::Check { campaign, json, output, stored } => {
            check::check(&cfg, campaign, json, output.as_deref(), stored).await
        }
        Command::Rules { rules } => check::rules(&cfg, rules).await,
        Command::Finding { finding } => check::finding(&cfg, finding).await,
        Command::Bench { bench } => bench::run(bench),
        Command::Audit { audit } => audit::run(&cfg, audit).await,
        Command::Roster { roster } => rosters::run(&cfg, roster).await,
        Command::Pay { pay } => pay::run(&cfg, pay).await,
        Command::Sample { sample } => followup::run(&cfg, sample).await,
    }
}
