//! `yikou check`, `yikou rules`, `yikou finding`: the cross-check over a campaign, its rules, and
//! decisions on its findings (the use cases are `yikou_service::check`).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use serde_json::json;
use yikou_domain::money::group_thousands;
use yikou_domain::rules::RuleSet;
use yikou_domain::Actor;
use yikou_domain::FindingKind;
use yikou_ingest::output::{write_report, ReportSheet};
use yikou_service::check::{self as use_case, Decision};
use yikou_service::ServiceError;
use yikou_store::check::{by_type_and_street, Finding};
use yikou_store::{Store, StoreConfig};

use super::campaign::{campaign_error, campaign_id};
use crate::say;

#[derive(Subcommand)]
pub enum RulesCommand {
    /// 显示当前规则（JSON，可修改后用 rules set 保存）
    Show {
        #[arg(long)]
        campaign: Option<i32>,
    },
    /// 保存规则文件为新版本（逐项校验项目和类别代码）
    Set {
        file: std::path::PathBuf,
        #[arg(long)]
        campaign: Option<i32>,
    },
}

#[derive(Subcommand)]
pub enum FindingCommand {
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

pub async fn check(
    cfg: &StoreConfig,
    year: Option<i32>,
    json_out: bool,
    output: Option<&Path>,
    stored: bool,
) -> anyhow::Result<ExitCode> {
    let store = Store::open(cfg).await?;
    let actor = Actor::system("check");
    // `--stored`: the kept run while nothing it reads changed; otherwise run now and keep it.
    let outcome =
        if stored { use_case::run(&store, &actor, year).await } else { use_case::refresh(&store, &actor, year).await }
            .map_err(|e| campaign_error(e, year))?;
    let (campaign, report) = (&outcome.campaign.campaign, &outcome.report);
    if let Some(path) = output {
        write_findings(path, &report.findings).with_context(|| format!("无法写出 {}", path.display()))?;
    }
    if json_out {
        say!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "campaign": campaign.name,
                "rules_version": report.rules_version,
                "computed_at": report.computed_at,
                "counts": report.counts,
                "findings": report.findings,
            }))?
        );
    } else {
        say!(
            "{} · 比对核查（规则第{}版；计算于 {}（北京时间），读取 {:.2} 秒，比对 {:.3} 秒）",
            campaign.name,
            report.rules_version,
            yikou_domain::clock::beijing_seconds(&report.computed_at),
            report.read_seconds,
            report.check_seconds
        );
        for &kind in FindingKind::ALL {
            let (n, title) = (report.counts.get(kind), kind.title());
            let decided = report.findings.iter().filter(|f| f.kind == kind && f.status.is_decided()).count();
            if decided > 0 {
                say!("  {title}：{}（已处理 {}）", group_thousands(n), group_thousands(decided as u64));
            } else {
                say!("  {title}：{}", group_thousands(n));
            }
        }
        if let Some(p) = output {
            say!("疑点清单已写出到 {}（每类一张工作表，身份证号已脱敏）。", p.display());
        } else if !report.findings.is_empty() {
            say!("用 -o 疑点.xlsx 导出清单；用 yikou finding dismiss 编号 --reason 理由 排除疑点。");
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// One sheet per finding type that occurs, with masked ID numbers.
fn write_findings(path: &Path, findings: &[Finding]) -> anyhow::Result<()> {
    let mut sheets = Vec::new();
    for &kind in FindingKind::ALL {
        let rows: Vec<Vec<String>> = findings
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| {
                vec![
                    f.key.clone(),
                    f.street_code.as_deref().map(unit_name).unwrap_or_default(),
                    f.people.iter().map(|p| p.name.clone()).collect::<Vec<_>>().join("、"),
                    f.people.iter().map(|p| p.id_number_masked.clone()).collect::<Vec<_>>().join("、"),
                    f.projects.join("、"),
                    f.explanation.clone(),
                    f.status.label().to_string(),
                    f.reason.clone().unwrap_or_default(),
                ]
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        sheets.push(ReportSheet {
            name: kind.title().to_string(),
            columns: vec![
                ("疑点编号", 34.0),
                ("街镇", 14.0),
                ("姓名", 12.0),
                ("身份证号（脱敏）", 22.0),
                ("项目", 16.0),
                ("说明", 70.0),
                ("处理状态", 12.0),
                ("理由", 30.0),
            ],
            rows,
        });
    }
    // First sheet: counts by type and street/town.
    // By type in report order (FindingKind's order), then street/town.
    let summary: Vec<Vec<String>> = by_type_and_street(findings)
        .into_iter()
        .map(|((kind, street), n)| {
            vec![
                kind.title().to_string(),
                if street.is_empty() { "（不分街镇）".into() } else { unit_name(&street) },
                n.to_string(),
            ]
        })
        .collect();
    if !summary.is_empty() {
        sheets.insert(
            0,
            ReportSheet {
                name: "汇总".into(),
                columns: vec![("疑点类型", 26.0), ("街镇", 18.0), ("数量", 10.0)],
                rows: summary,
            },
        );
    }
    if sheets.is_empty() {
        sheets.push(ReportSheet {
            name: "无疑点".into(),
            columns: vec![("说明", 60.0)],
            rows: vec![vec!["本次比对未发现疑点。".into()]],
        });
    }
    write_report(path, &sheets)?;
    Ok(())
}

fn unit_name(code: &str) -> String {
    yikou_domain::reference::UNITS
        .iter()
        .find(|u| u.code == code)
        .map_or_else(|| code.to_string(), |u| u.name.to_string())
}

/// `yikou rules show`: the rule set in force, as the JSON the bureau edits.
async fn rules_show(cfg: &StoreConfig, year: Option<i32>) -> anyhow::Result<ExitCode> {
    let store = Store::open(cfg).await?;
    let (id, _) = campaign_id(&store, year).await?;
    let (version, rules) = store.rules(id).await?;
    eprintln!("第{version}版比对规则{}", if version == 0 { "（默认：取自各项目的设置）" } else { "" });
    say!("{}", serde_json::to_string_pretty(&rules)?);
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `yikou rules set FILE`: saves a new version after checking every code in it.
async fn rules_set(cfg: &StoreConfig, year: Option<i32>, file: &Path) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(file).with_context(|| format!("无法读取 {}", file.display()))?;
    let rules: RuleSet = match serde_json::from_str(&text) {
        Ok(r) => r,
        Err(e) => {
            say!("规则文件格式错误（第{}行第{}列）：{e}", e.line(), e.column());
            return Ok(ExitCode::from(1));
        }
    };
    let store = Store::open(cfg).await?;
    let saved = use_case::save_rules(&store, &Actor::system("rules"), year, &rules).await;
    store.close().await;
    match saved {
        Ok((campaign, version)) => {
            say!("已保存“{}”的第{version}版比对规则。", campaign.campaign.name);
            Ok(ExitCode::SUCCESS)
        }
        Err(ServiceError::Rejected(m)) => {
            say!("{m}");
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(campaign_error(e, year)),
    }
}

/// `yikou rules show|set`.
pub async fn rules(cfg: &StoreConfig, cmd: RulesCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        RulesCommand::Show { campaign } => rules_show(cfg, campaign).await,
        RulesCommand::Set { file, campaign } => rules_set(cfg, campaign, &file).await,
    }
}

/// `yikou finding confirm|dismiss KEY`: a decision on a finding of the current run.
pub async fn finding(cfg: &StoreConfig, cmd: FindingCommand) -> anyhow::Result<ExitCode> {
    let (key, year, decision) = match cmd {
        FindingCommand::Confirm { key, reason, campaign } => (key, campaign, Decision::Confirm { reason }),
        FindingCommand::Dismiss { key, reason, campaign } => (key, campaign, Decision::Dismiss { reason }),
    };
    let confirm = decision.is_confirm();
    let store = Store::open(cfg).await?;
    // The campaign first, so that a missing one is told apart from a missing finding.
    let campaign = yikou_service::campaign::of_year(&store, year).await.map_err(|e| campaign_error(e, year))?;
    match use_case::decide(&store, &Actor::system("review"), Some(campaign.campaign.year), &key, decision).await {
        Ok(_) => {
            say!("疑点 {key} 已{}。", if confirm { "确认" } else { "排除" });
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Err(ServiceError::NotFound) => {
            say!("本次比对中没有编号为“{key}”的疑点（可能已经修正）：请重新运行 yikou check 查看当前疑点");
            Ok(ExitCode::from(1))
        }
        Err(ServiceError::Rejected(m)) => {
            say!("{m}");
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}
