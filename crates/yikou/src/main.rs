//! yikou (一口上下): the relief campaign's one binary.

mod access_cmd;
mod check_cmd;
mod demo;
mod demo_faults;
mod import_cmd;
mod text;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand};
use yikou_domain::money::group_thousands;
use yikou_domain::reference::FUNDING_SOURCES;
use yikou_domain::summary::CampaignSummary;
use yikou_domain::{Actor, Fen, Scope};
use yikou_store::{Store, StoreConfig, StoreError};

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
        /// 植入各类比对疑点（供测试和培训）(plant cross-check faults)
        #[arg(long)]
        faults: bool,
        /// 植入疑点的答案（JSON：应发现的疑点编号）写到此文件
        #[arg(long, requires = "faults")]
        answer_key: Option<PathBuf>,
        /// 只生成数据，不启动网页服务
        #[arg(long)]
        no_serve: bool,
        #[command(flatten)]
        serve: access_cmd::ServeOpts,
    },
    /// 启动网页服务 (serve the web application)
    Serve {
        #[command(flatten)]
        serve: access_cmd::ServeOpts,
    },
    /// 用户账号 (accounts)
    User {
        #[command(subcommand)]
        user: UserCommand,
    },
    /// 机器访问令牌 (API tokens)
    Token {
        #[command(subcommand)]
        token: access_cmd::TokenCommand,
    },
    /// 自检：密钥、数据库、审计链 (check key, database and audit chain)
    Doctor,
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
    /// 以交换格式导出活动（含完整身份证号）(export a campaign)
    Export {
        /// 目录
        dir: PathBuf,
        /// 活动年度，默认最新
        #[arg(long)]
        campaign: Option<i32>,
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

#[derive(Subcommand)]
enum UserCommand {
    /// 新建账号：口令从标准输入读入，首次登录须修改
    Add {
        #[arg(long)]
        login: String,
        /// 单位代码，如街镇的12位统计代码 310112006000
        #[arg(long)]
        unit: String,
        /// system-admin, security-admin, audit-admin, bureau, reviewer, department, street, committee, caller
        #[arg(long)]
        role: String,
        /// 姓名（默认同登录名）
        #[arg(long)]
        name: Option<String>,
        /// 从标准输入读取口令
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum RulesCommand {
    /// 显示当前规则（JSON，可修改后用 rules set 保存）
    Show {
        #[arg(long)]
        campaign: Option<i32>,
    },
    /// 保存规则文件为新版本（逐项校验项目和类别代码）
    Set {
        file: PathBuf,
        #[arg(long)]
        campaign: Option<i32>,
    },
}

#[derive(Subcommand)]
enum FindingCommand {
    /// 确认疑点（将修正数据）
    Confirm {
        key: String,
        #[arg(long, default_value = "")]
        reason: String,
        #[arg(long)]
        campaign: Option<i32>,
    },
    /// 排除疑点（必须写明理由）
    Dismiss {
        key: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        campaign: Option<i32>,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// 活动汇总：按单位类别统计项目、人次、人数、户数、金额和资金来源 (campaign summary)
    Summary {
        /// 活动年度，默认最新 (campaign year)
        #[arg(long)]
        campaign: Option<i32>,
        /// 输出 JSON (print JSON)
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// 生成虚构名单（.xlsx 和/或 .csv），按比例植入错误 (generate a roster with planted faults)
    Roster {
        /// 行数
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// 有错误的行所占比例
        #[arg(long, default_value_t = 0.01)]
        fault_rate: f64,
        /// 只植入同行脚本也能发现的错误（身份证号、金额），以便计数可比
        #[arg(long)]
        peer_faults_only: bool,
        /// 输出 .xlsx
        #[arg(long)]
        xlsx: Option<PathBuf>,
        /// 输出 .csv（UTF-8 BOM）
        #[arg(long)]
        csv: Option<PathBuf>,
    },
    /// 生成虚构的整个活动（交换格式），植入比对问题 (generate a campaign in the exchange layout)
    Campaign {
        #[arg(long, default_value_t = 1_000_000)]
        people: usize,
        #[arg(long, default_value_t = 1_500_000)]
        entitlements: usize,
        #[arg(long, default_value_t = 2_000)]
        projects: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// 植入问题的比例
        #[arg(long, default_value_t = 0.01)]
        fault_rate: f64,
        /// 输出目录
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
}

#[derive(Subcommand)]
enum BatchCommand {
    /// 列出导入批次 (list)
    List {
        /// 输出 JSON
        #[arg(long)]
        json: bool,
    },
    /// 撤销一个批次（其记录均未下达时）(undo a batch)
    Undo {
        /// 批次号，如 B2026-000001
        batch: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// 校验审计链：发现被改动或删除的记录 (verify the hash chain)
    Verify {
        /// 输出 JSON
        #[arg(long)]
        json: bool,
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

fn config(cli: &Cli) -> StoreConfig {
    StoreConfig {
        data_dir: cli.data.clone(),
        database_url: cli.database.clone(),
        key_hex: std::env::var("YIKOU_KEY").ok().filter(|k| !k.trim().is_empty()),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
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
    let cfg = config(&cli);
    match cli.command {
        Command::Init => {
            let init = Store::init(&cfg).await?;
            print_init(&cfg, &init);
            init.store.close().await;
        }
        Command::Demo { seed, faults, answer_key, no_serve, serve } => {
            let store = match Store::open(&cfg).await {
                Ok(s) => s,
                Err(StoreError::NotInitialised | StoreError::KeyMissing(_)) if !cfg.key_path().exists() => {
                    let init = Store::init(&cfg).await?;
                    print_init(&cfg, &init);
                    init.store
                }
                Err(e) => return Err(e.into()),
            };
            if store.campaign(demo::DEMO_YEAR).await?.is_some() {
                say!("演示活动“2020年元旦春节帮困送温暖”已存在，未重复生成。");
            } else {
                let started = Instant::now();
                let mut data = demo::generate(seed).map_err(|e| anyhow::anyhow!("演示数据生成失败：{e}"))?;
                let planted = if faults { demo_faults::plant(&mut data, seed) } else { Vec::new() };
                let generated = started.elapsed();
                let mut tx = store.write(&Actor::system("demo")).await?;
                let written = demo::write(&mut tx, &data).await?;
                tx.commit().await?;
                if faults {
                    let key = demo_faults::answer_key(&planted, &data, &written);
                    say!("已植入 {} 个比对疑点（{}）。", planted.len(), demo_faults::describe(&key));
                    if let Some(path) = &answer_key {
                        std::fs::write(path, serde_json::to_string_pretty(&key)?)
                            .with_context(|| format!("无法写出 {}", path.display()))?;
                    }
                }
                say!(
                    "已生成演示活动（种子 {seed}，{}）：{} 人（其中 {} 人以15位旧身份证号录入，已升级为18位）、{} 户、{} 个项目、{} 条帮扶记录；生成 {:.2} 秒，写入 {:.2} 秒。",
                    store.backend(),
                    group_thousands(written.people as u64),
                    group_thousands(written.legacy15 as u64),
                    group_thousands(written.households as u64),
                    written.projects,
                    group_thousands(written.entitlements as u64),
                    generated.as_secs_f64(),
                    (started.elapsed() - generated).as_secs_f64()
                );
            }
            say!();
            let summary = store.campaign_summary(&Scope::All, demo::DEMO_YEAR).await?;
            emit(&render_summary(&summary));
            let accounts = demo::accounts(&store).await?;
            demo::contacts(&store).await?;
            if no_serve {
                store.close().await;
            } else {
                say!();
                say!("演示账号（口令均为 {}，仅供演示）：", demo::DEMO_PASSWORD);
                for (login, label) in &accounts {
                    say!("  {login:<10} {label}");
                }
                run_server(store, &serve.listen, serve.web_config(&cfg.data_dir)).await?;
            }
        }
        Command::Serve { serve } => {
            let store = Store::open(&cfg).await?;
            run_server(store, &serve.listen, serve.web_config(&cfg.data_dir)).await?;
        }
        Command::User { user: UserCommand::Add { login, unit, role, name, password_stdin } } => {
            let Some(role) = yikou_domain::Role::from_code(&role) else {
                anyhow::bail!("未知角色“{role}”：可用 system-admin, security-admin, audit-admin, bureau, reviewer, department, street, committee, caller");
            };
            if !password_stdin {
                anyhow::bail!("请用 --password-stdin 从标准输入提供口令（不要把口令写在命令行上）");
            }
            let mut password = String::new();
            std::io::stdin().read_line(&mut password).context("无法读取口令")?;
            let store = Store::open(&cfg).await?;
            let mut tx = store.write(&Actor::system("user-add")).await?;
            let new = yikou_store::users::NewUser {
                display_name: name.unwrap_or_else(|| login.clone()),
                login,
                unit_code: unit,
                role,
                password: password.trim_end_matches(['\r', '\n']).to_string(),
                must_change_password: true,
            };
            let id = yikou_store::users::create_user(&mut tx, &new).await?;
            tx.commit().await?;
            say!("已新建账号 {}（{}，编号 {id}），首次登录须修改口令。", new.login, role.label());
            store.close().await;
        }
        Command::Token { token } => access_cmd::token(&cfg, token).await?,
        Command::Doctor => return doctor(&cfg).await,
        Command::Import { file, project, campaign, dry_run, accept_valid, json, sheet, errors } => {
            let args = import_cmd::ImportArgs {
                file,
                project,
                campaign,
                dry_run,
                accept_valid,
                json,
                sheet,
                errors_out: errors,
            };
            return import_cmd::import(&cfg, args).await;
        }
        Command::Load { dir, campaign, json } => return check_cmd::load(&cfg, &dir, campaign, json).await,
        Command::Export { dir, campaign } => check_cmd::export(&cfg, &dir, campaign).await?,
        Command::Check { campaign, json, output } => check_cmd::check(&cfg, campaign, json, output.as_deref()).await?,
        Command::Rules { rules: RulesCommand::Show { campaign } } => check_cmd::rules_show(&cfg, campaign).await?,
        Command::Rules { rules: RulesCommand::Set { file, campaign } } => {
            return check_cmd::rules_set(&cfg, campaign, &file).await
        }
        Command::Finding { finding: FindingCommand::Confirm { key, reason, campaign } } => {
            return check_cmd::decide_finding(&cfg, campaign, &key, true, &reason).await
        }
        Command::Finding { finding: FindingCommand::Dismiss { key, reason, campaign } } => {
            return check_cmd::decide_finding(&cfg, campaign, &key, false, &reason).await
        }
        Command::Template { project, campaign, output } => {
            import_cmd::template(&cfg, project, campaign, &output).await?
        }
        Command::Bench { bench: BenchCommand::Roster { rows, seed, fault_rate, peer_faults_only, xlsx, csv } } => {
            use yikou_ingest::roster::{generate, write_csv, write_xlsx, Fault};
            let faults: &[Fault] = if peer_faults_only { &Fault::PEER_VISIBLE } else { &Fault::ALL };
            let data = generate(rows, seed, fault_rate, faults);
            let planted = data.iter().filter(|r| r.fault.is_some()).count();
            if let Some(p) = &xlsx {
                write_xlsx(p, &data, None).with_context(|| format!("无法写出 {}", p.display()))?;
            }
            if let Some(p) = &csv {
                write_csv(p, &data).with_context(|| format!("无法写出 {}", p.display()))?;
            }
            say!("rows={rows}\nvalid={}\ninvalid={planted}", rows - planted);
        }
        Command::Bench {
            bench: BenchCommand::Campaign { people, entitlements, projects, seed, fault_rate, output },
        } => {
            let ex = yikou_ingest::exchange::generate_exchange(people, projects, entitlements, seed, fault_rate);
            yikou_ingest::exchange::write_exchange(&output, &ex)
                .with_context(|| format!("无法写出 {}", output.display()))?;
            say!("people={}\nprojects={}\nentitlements={}", ex.people.len(), ex.projects.len(), ex.entitlements.len());
        }
        Command::Batch { batch: BatchCommand::List { json } } => import_cmd::batch_list(&cfg, json).await?,
        Command::Batch { batch: BatchCommand::Undo { batch } } => import_cmd::batch_undo(&cfg, &batch).await?,
        Command::Report { report: ReportCommand::Summary { campaign, json } } => {
            let store = Store::open(&cfg).await?;
            let year = match campaign {
                Some(y) => y,
                None => {
                    store.latest_campaign_year().await?.context("还没有任何活动：请先运行 yikou demo 或导入活动数据")?
                }
            };
            let summary = store.campaign_summary(&Scope::All, year).await?;
            if json {
                say!("{}", serde_json::to_string_pretty(&summary_json(&summary))?);
            } else {
                emit(&render_summary(&summary));
            }
            store.close().await;
        }
        Command::Audit { audit: AuditCommand::Verify { json } } => {
            let store = Store::open(&cfg).await?;
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
            if !v.ok() {
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Checks what must not be lost silently: the key, that it fits the database, and the audit chain.
async fn doctor(cfg: &StoreConfig) -> anyhow::Result<ExitCode> {
    let mut ok = true;
    let mut line = |good: bool, text: String| {
        ok &= good;
        say!("{} {}", if good { "[正常]" } else { "[问题]" }, text);
    };
    if cfg.key_hex.is_some() {
        line(true, "密钥：来自环境变量 YIKOU_KEY".into());
    } else if cfg.key_path().exists() {
        line(true, format!("密钥文件：{}（请确认已另行备份）", cfg.key_path().display()));
    } else {
        line(false, format!("密钥文件 {} 不存在，也未设置 YIKOU_KEY", cfg.key_path().display()));
    }
    match Store::open(cfg).await {
        Err(e) => line(false, format!("数据库：{e}")),
        Ok(store) => {
            line(true, format!("数据库：{}，密钥与数据库匹配", store.backend()));
            let v = store.verify_audit().await?;
            match &v.problem {
                None => line(true, format!("审计链完整（{} 条记录）", group_thousands(v.records as u64))),
                Some(p) => line(false, format!("审计链：{p}")),
            }
            let people = store.count_people(&Scope::All).await?;
            line(true, format!("帮困对象：{} 人", group_thousands(people as u64)));
            store.close().await;
        }
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Serves the web application until Ctrl+C or SIGTERM; requests in flight finish first.
async fn run_server(store: Store, listen: &str, web: yikou_web::WebConfig) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("无法监听 {listen}"))?;
    say!("网页服务已启动：http://{}/ （按 Ctrl+C 停止）", listener.local_addr()?);
    let shutdown = async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("signal handler");
            tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
    };
    yikou_web::serve(store, web, listener, shutdown).await.context("网页服务出错")?;
    say!("网页服务已停止。");
    Ok(())
}

fn print_init(cfg: &StoreConfig, init: &yikou_store::Initialised) {
    say!("已初始化数据目录 {}（数据库：{}）。", cfg.data_dir.display(), init.store.backend());
    if cfg.key_hex.is_none() {
        say!("密钥文件：{}。请另行备份；丢失密钥将无法读取已存的身份证号。", cfg.key_path().display());
    }
    say!("管理员账号：{}　一次性口令：{}（首次登录须修改）", init.admin_login, init.admin_password);
    say!();
}

/// The JSON contract of `yikou report summary --json`.
fn summary_json(s: &CampaignSummary) -> serde_json::Value {
    serde_json::json!({
        "campaign": s.campaign,
        "year": s.year,
        "groups": s.groups,
        "total": s.total,
        "stated": s.stated,
        "mismatches": s.mismatches,
    })
}

fn render_summary(s: &CampaignSummary) -> String {
    let range = |min: Option<i64>, max: Option<i64>| match (min, max) {
        (Some(a), Some(b)) => format!("{}–{}", group_thousands((a / 100) as u64), group_thousands((b / 100) as u64)),
        _ => "—".into(),
    };
    let mut rows: Vec<Vec<String>> = s
        .groups
        .iter()
        .map(|g| {
            vec![
                g.group.clone(),
                g.projects.to_string(),
                group_thousands(g.person_times as u64),
                group_thousands(g.people as u64),
                group_thousands(g.households as u64),
                Fen(g.amount_fen).wan(),
                range(g.standard_min_fen, g.standard_max_fen),
            ]
        })
        .collect();
    rows.push(vec![
        "合计".into(),
        s.total.projects.to_string(),
        group_thousands(s.total.person_times as u64),
        group_thousands(s.total.people as u64),
        group_thousands(s.total.households as u64),
        Fen(s.total.amount_fen).wan(),
        String::new(),
    ]);
    let mut out = format!("{} · 汇总（覆盖 {} 类困难对象）\n\n", s.campaign, s.total.categories);
    out.push_str(&text::table(&["单位类别", "项目数", "人次", "人数", "户数", "金额(万元)", "标准(元)"], &rows));
    out.push_str(
        "注：人数、户数按身份证号、户去重；同一人可在多个项目中，合计的人数不是各行之和。\n\n资金来源（万元）：\n",
    );
    for g in &s.groups {
        if g.by_source_fen.is_empty() {
            continue;
        }
        // In the reference order (市级, 部门预算, 区级, 街镇配套, 条线自筹, 社会募集), then any others.
        let order = |name: &str| FUNDING_SOURCES.iter().position(|f| f.name == name).unwrap_or(usize::MAX);
        let mut sources: Vec<(&String, &i64)> = g.by_source_fen.iter().collect();
        sources.sort_by_key(|(k, _)| order(k));
        let parts: Vec<String> = sources.iter().map(|(k, v)| format!("{k} {}", Fen(**v).wan())).collect();
        out.push_str(&format!("  {}：{}\n", g.group, parts.join("，")));
    }
    if s.stated.person_times.is_some() || s.stated.amount_fen.is_some() {
        out.push_str(&format!(
            "\n方案所述：{} 人次，{} 万元\n",
            s.stated.person_times.map_or("—".into(), |v| group_thousands(v as u64)),
            s.stated.amount_fen.map_or("—".into(), |v| Fen(v).wan())
        ));
    }
    for m in &s.mismatches {
        out.push_str(&format!("不符：{}\n", m.message));
    }
    out
}
