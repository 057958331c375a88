//! `yikou load`, `yikou export`, `yikou report summary`: a whole campaign in the exchange layout,
//! and its summary.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use serde_json::json;
use yikou_domain::money::group_thousands;
use yikou_domain::reference::FUNDING_SOURCES;
use yikou_domain::report::{Dimension, Drill};
use yikou_domain::summary::CampaignSummary;
use yikou_domain::{Actor, Campaign, Fen, Scope};
use yikou_ingest::exchange::{read_exchange, write_exchange};
use yikou_service::{exchange, ServiceError};
use yikou_store::{Store, StoreConfig};

use crate::{emit, say, text};

#[derive(Subcommand)]
pub enum ReportCommand {
    /// 活动汇总：按单位类别统计项目、人次、人数、户数、金额和资金来源 (campaign summary)
    Summary {
        /// 活动年度，默认最新 (campaign year)
        #[arg(long)]
        campaign: Option<i32>,
        /// 另按此口径列出各行：group | unit | project | roster | category | street | committee | source
        #[arg(long)]
        by: Option<String>,
        /// 输出 JSON (print JSON)
        #[arg(long)]
        json: bool,
    },
    /// 项目安排表（方案附表1）：按单位类别分组，小计、合计，金额以万元计，写成 Excel
    PlanTable {
        /// 活动年度，默认最新 (campaign year)
        #[arg(long)]
        campaign: Option<i32>,
        /// 输出文件（.xlsx）
        #[arg(short = 'o', long = "output")]
        output: std::path::PathBuf,
    },
    /// 分类汇总（可下钻）：按单位类别、单位、项目、名单、困难类别、街镇、居村委或资金来源统计人数、人次、户数和金额
    Figures {
        /// 活动年度，默认最新 (campaign year)
        #[arg(long)]
        campaign: Option<i32>,
        /// group | unit | project | roster | category | street | committee | source；可用逗号列出几个（依次计算，只输出最后一个）
        #[arg(long, default_value = "group", value_delimiter = ',')]
        by: Vec<String>,
        /// 只看一个街镇（代码）
        #[arg(long)]
        street: Option<String>,
        /// 只看一个单位（代码）
        #[arg(long)]
        unit: Option<String>,
        /// 输出 JSON (print JSON)
        #[arg(long)]
        json: bool,
        /// 重复计算几次并在标准错误输出每次用时（第一次读取数据，之后用缓存，与网页相同）
        #[arg(long, default_value_t = 1)]
        repeat: u32,
    },
}

/// What the command line says when the campaign of `year` (or any campaign) is missing.
pub fn missing(year: Option<i32>) -> anyhow::Error {
    match year {
        Some(y) => anyhow::anyhow!("未找到{y}年的活动"),
        None => anyhow::anyhow!("还没有任何活动：请先运行 yikou demo 或 yikou load"),
    }
}

/// A use case's error, with the command line's words for a missing campaign.
pub fn campaign_error(e: ServiceError, year: Option<i32>) -> anyhow::Error {
    match e {
        ServiceError::NotFound => missing(year),
        e => e.into(),
    }
}

/// The campaign of `year` (the latest without one), in the command line's words when missing.
pub async fn campaign_id(store: &Store, year: Option<i32>) -> anyhow::Result<(i64, Campaign)> {
    let c = yikou_service::campaign::of_year(store, year).await.map_err(|e| campaign_error(e, year))?;
    Ok((c.id, c.campaign))
}

pub async fn load(cfg: &StoreConfig, dir: &Path, year: Option<i32>, json_out: bool) -> anyhow::Result<ExitCode> {
    let (ex, issues) = read_exchange(dir).with_context(|| format!("无法读取交换目录 {}", dir.display()))?;
    if !issues.is_empty() {
        if json_out {
            say!("{}", serde_json::to_string_pretty(&json!({ "loaded": false, "errors": issues }))?);
        } else {
            say!("有{}处格式错误，未载入任何数据：", group_thousands(issues.len() as u64));
            for i in issues.iter().take(50) {
                say!("  {} 第{}行：{}", i.column, i.row, i.message);
            }
        }
        return Ok(ExitCode::from(1));
    }
    let store = Store::open(cfg).await?;
    let year = match year {
        Some(y) => y,
        None => store
            .latest_campaign_year()
            .await?
            .context("请用 --campaign 年度 指定要载入的活动（如 --campaign 2020）")?,
    };
    let (campaign, report) = exchange::load(&store, &Actor::system("load"), year, &ex).await?;
    if json_out {
        say!(
            "{}",
            serde_json::to_string_pretty(&json!({ "loaded": true, "campaign": campaign.name, "report": report }))?
        );
    } else {
        say!(
            "已载入“{}”：新登记 {} 人（已在库 {} 人），{} 户，{} 个项目，{} 条帮扶记录。",
            campaign.name,
            group_thousands(report.people_created),
            group_thousands(report.people_known),
            group_thousands(report.households_created),
            group_thousands(report.projects_created),
            group_thousands(report.entitlements_created)
        );
        if !report.categories_added.is_empty() {
            say!("新增类别代码（请在类别设置中补充名称）：{}", report.categories_added.join("、"));
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn export(cfg: &StoreConfig, dir: &Path, year: Option<i32>, format: &str) -> anyhow::Result<ExitCode> {
    let store = Store::open(cfg).await?;
    let (campaign, ex) =
        exchange::export(&store, &Actor::system("export"), year).await.map_err(|e| campaign_error(e, year))?;
    let campaign = campaign.campaign;
    let written = if format == "xlsx" {
        std::fs::create_dir_all(dir).with_context(|| format!("无法创建 {}", dir.display()))?;
        let path = dir.join(format!("交换数据_{}.xlsx", campaign.year));
        let file = std::io::BufWriter::new(
            std::fs::File::create(&path).with_context(|| format!("无法写出 {}", path.display()))?,
        );
        yikou_ingest::municipal::exchange_workbook(&ex, file)
            .with_context(|| format!("无法写出 {}", path.display()))?;
        path
    } else {
        write_exchange(dir, &ex).with_context(|| format!("无法写出 {}", dir.display()))?;
        dir.to_path_buf()
    };
    say!(
        "已导出“{}”到 {}：{} 人，{} 个项目，{} 条帮扶记录（含完整身份证号，请妥善保管）。",
        campaign.name,
        written.display(),
        group_thousands(ex.people.len() as u64),
        ex.projects.len(),
        group_thousands(ex.entitlements.len() as u64)
    );
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `yikou load-base FILE`: a municipal roster as the base register; exit 1 (nothing loaded) when a
/// row is malformed, each listed.
pub async fn load_base(cfg: &StoreConfig, file: &Path, year: Option<i32>, json_out: bool) -> anyhow::Result<ExitCode> {
    let store = Store::open(cfg).await?;
    let name = file.file_name().map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned());
    let outcome = exchange::load_base(&store, &Actor::system("load-base"), file, &name, year).await;
    store.close().await;
    match outcome.map_err(|e| anyhow::anyhow!("{e}"))? {
        exchange::BaseOutcome::Loaded(r) => {
            if json_out {
                say!("{}", serde_json::to_string_pretty(&json!({ "loaded": true, "report": r }))?);
            } else {
                say!(
                    "已载入市级名单 {} 行：新登记 {} 人（已在库 {} 人），其中 {} 人补充了对象类别（{} 项），{} 人登记为已故。",
                    group_thousands(r.rows),
                    group_thousands(r.people_created),
                    group_thousands(r.people_known),
                    group_thousands(r.people_updated),
                    group_thousands(r.categories_set),
                    group_thousands(r.deceased_marked)
                );
                if !r.categories_added.is_empty() {
                    say!("新增类别代码（请在类别设置中补充名称）：{}", r.categories_added.join("、"));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        exchange::BaseOutcome::Refused { rows_with_issues, issues } => {
            if json_out {
                say!(
                    "{}",
                    serde_json::to_string_pretty(
                        &json!({ "loaded": false, "rows_with_issues": rows_with_issues, "issues": issues })
                    )?
                );
            } else {
                say!("名单有 {} 行有错误，未载入任何数据。请改正后重新载入：", rows_with_issues);
                for i in issues.iter().take(50) {
                    say!("  第{}行 {}：{}", i.row, i.column, i.message);
                }
                if issues.len() > 50 {
                    say!("  ……另有 {} 处", issues.len() - 50);
                }
            }
            Ok(ExitCode::from(1))
        }
    }
}

/// `yikou report summary`.
pub async fn report(cfg: &StoreConfig, cmd: ReportCommand) -> anyhow::Result<ExitCode> {
    let (campaign, by, json) = match cmd {
        ReportCommand::Summary { campaign, by, json } => (campaign, by, json),
        ReportCommand::PlanTable { campaign, output } => return plan_table(cfg, campaign, &output).await,
        ReportCommand::Figures { campaign, by, street, unit, json, repeat } => {
            return figures(cfg, campaign, &by, Drill { street, unit, ..Default::default() }, json, repeat).await;
        }
    };
    let store = Store::open(cfg).await?;
    let year = match campaign {
        Some(y) => y,
        None => store.latest_campaign_year().await?.context("还没有任何活动：请先运行 yikou demo 或导入活动数据")?,
    };
    let summary = store.campaign_summary(&Scope::All, year).await?;
    let rows = match by.as_deref().map(|b| (b, Dimension::from_code(b.trim()))) {
        None => None,
        Some((b, None)) => anyhow::bail!(
            "不认识的统计口径“{b}”：可用 group、unit、project、roster、category、street、committee、source"
        ),
        Some((_, Some(d))) => {
            let cache = yikou_service::reports::FactsCache::default();
            let sum = yikou_service::reports::summary(
                &store,
                &cache,
                &Actor::system("cli"),
                Some(year),
                d,
                &Drill::default(),
            )
            .await?;
            Some((d, sum.tally))
        }
    };
    if json {
        let mut v = summary_json(&summary);
        if let Some((d, t)) = &rows {
            v["by"] = json!(d.code());
            v["rows"] = json!(t.rows.iter().map(row_json).collect::<Vec<_>>());
            v["rows_total"] = row_json(&t.total);
        }
        say!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        emit(&render_summary(&summary));
        if let Some((d, t)) = &rows {
            say!("\n按{}：", d.label());
            let list = t.rows.iter().map(|f| (if f.key.is_empty() { "（未登记）" } else { f.key.as_str() }, f));
            for (key, f) in list.chain(std::iter::once(("合计", &t.total))) {
                say!(
                    "{key}\t{} 人\t{} 人次\t列入 {} 万元\t已下达 {} 万元\t已发放 {} 万元",
                    group_thousands(f.people as u64),
                    group_thousands(f.person_times as u64),
                    Fen(f.listed_fen).wan(),
                    Fen(f.approved_fen).wan(),
                    Fen(f.disbursed_fen).wan()
                );
            }
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `yikou report figures`: the summary the web's 汇总报表 shows, through the same use case and cache.
async fn figures(
    cfg: &StoreConfig,
    year: Option<i32>,
    by: &[String],
    drill: Drill,
    json: bool,
    repeat: u32,
) -> anyhow::Result<ExitCode> {
    let mut dims = Vec::new();
    for b in by {
        let Some(d) = Dimension::from_code(b.trim()) else {
            anyhow::bail!(
                "不认识的统计口径“{b}”：可用 group、unit、project、roster、category、street、committee、source"
            );
        };
        dims.push(d);
    }
    let store = Store::open(cfg).await?;
    let cache = yikou_service::reports::FactsCache::default();
    let actor = Actor::system("cli");
    let mut last = None;
    for by in dims {
        for i in 0..repeat.max(1) {
            let started = std::time::Instant::now();
            let sum = yikou_service::reports::summary(&store, &cache, &actor, year, by, &drill).await?;
            eprintln!("按{} 第{}次：{:.3} 秒", by.label(), i + 1, started.elapsed().as_secs_f64());
            last = Some(sum);
        }
    }
    let sum = last.expect("at least once");
    if json {
        say!("{}", serde_json::to_string_pretty(&sum.tally)?);
    } else {
        let rows = sum.tally.rows.iter().map(|f| (if f.key.is_empty() { "（未登记）" } else { f.key.as_str() }, f));
        for (key, f) in rows.chain(std::iter::once(("合计", &sum.tally.total))) {
            say!(
                "{key}\t{} 人\t{} 人次\t{} 户\t{} 元",
                group_thousands(f.people as u64),
                group_thousands(f.person_times as u64),
                group_thousands(f.households as u64),
                Fen(f.listed_fen).yuan()
            );
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// A row of `--by`: the same names as the groups' fields (amount_fen is the money listed).
fn row_json(f: &yikou_domain::report::Figures) -> serde_json::Value {
    json!({
        "key": f.key, "person_times": f.person_times, "people": f.people, "households": f.households,
        "household_times": f.household_times, "amount_fen": f.listed_fen, "planned_fen": f.planned_fen,
        "approved_fen": f.approved_fen, "disbursed_fen": f.disbursed_fen, "failed_fen": f.failed_fen,
    })
}

/// `yikou report plan-table`: the plan's table as a workbook (one sheet, 附表1).
async fn plan_table(cfg: &StoreConfig, year: Option<i32>, output: &Path) -> anyhow::Result<ExitCode> {
    let store = Store::open(cfg).await?;
    let cache = yikou_service::reports::FactsCache::default();
    let maker = yikou_domain::reference::UNITS
        .iter()
        .find(|u| u.code == yikou_domain::reference::BUREAU_CODE)
        .map_or("区民政局", |u| u.name);
    let sheet = yikou_service::reports::plan_sheet(&store, &cache, &Actor::system("cli"), year, maker).await?;
    let bytes = sheet.to_xlsx().map_err(|e| anyhow::anyhow!("附表1无法生成：{e}"))?;
    std::fs::write(output, bytes).with_context(|| format!("无法写入 {}", output.display()))?;
    let lines = sheet.rows.iter().filter(|r| !r.bold).count();
    say!("已写出 {}：{} 个项目，{}", output.display(), lines, sheet.title);
    store.close().await;
    Ok(ExitCode::SUCCESS)
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

pub fn render_summary(s: &CampaignSummary) -> String {
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
