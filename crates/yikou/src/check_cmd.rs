//! `yikou load`, `yikou export`, `yikou check`: a whole campaign in the exchange layout, and the
//! cross-check over it.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::json;
use yikou_domain::money::group_thousands;
use yikou_domain::rules::RuleSet;
use yikou_domain::{today, Actor, Campaign};
use yikou_ingest::exchange::{read_exchange, write_exchange};
use yikou_ingest::output::{write_report, ReportSheet};
use yikou_store::check::{by_type_and_street, decide, save_rules, Finding, FINDING_TYPES};
use yikou_store::exchange::load_campaign;
use yikou_store::{Store, StoreConfig, StoreError};

use crate::say;

async fn campaign_id(store: &Store, year: Option<i32>, create: bool) -> anyhow::Result<(i64, Campaign)> {
    let year = match year {
        Some(y) => y,
        None => match store.latest_campaign_year().await? {
            Some(y) => y,
            None if create => anyhow::bail!("请用 --campaign 年度 指定要载入的活动（如 --campaign 2020）"),
            None => anyhow::bail!("还没有任何活动：请先运行 yikou demo 或 yikou load"),
        },
    };
    if let Some(c) = store.campaign(year).await? {
        return Ok((c.id, c.campaign));
    }
    if !create {
        anyhow::bail!("未找到{year}年的活动");
    }
    let campaign = Campaign::standard(year);
    let mut tx = store.write(&Actor::system("load")).await?;
    let id = yikou_store::campaigns::create_campaign(&mut tx, &campaign).await?;
    tx.commit().await?;
    Ok((id, campaign))
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
    let (id, campaign) = campaign_id(&store, year, true).await?;
    let mut tx = store.write(&Actor::system("load")).await?;
    let report = load_campaign(&mut tx, id, &ex, campaign.start).await?;
    tx.commit().await?;
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

pub async fn export(cfg: &StoreConfig, dir: &Path, year: Option<i32>) -> anyhow::Result<()> {
    let store = Store::open(cfg).await?;
    let (id, campaign) = campaign_id(&store, year, false).await?;
    let ex = store.export_campaign(id, campaign.start).await?;
    write_exchange(dir, &ex).with_context(|| format!("无法写出 {}", dir.display()))?;
    say!(
        "已导出“{}”到 {}：{} 人，{} 个项目，{} 条帮扶记录（含完整身份证号，请妥善保管）。",
        campaign.name,
        dir.display(),
        group_thousands(ex.people.len() as u64),
        ex.projects.len(),
        group_thousands(ex.entitlements.len() as u64)
    );
    store.close().await;
    Ok(())
}

pub async fn check(cfg: &StoreConfig, year: Option<i32>, json_out: bool, output: Option<&Path>) -> anyhow::Result<()> {
    let store = Store::open(cfg).await?;
    let (id, campaign) = campaign_id(&store, year, false).await?;
    let report = store.run_check(id, campaign.check_date(today())).await?;
    if let Some(path) = output {
        write_findings(path, &report.findings).with_context(|| format!("无法写出 {}", path.display()))?;
    }
    if json_out {
        say!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "campaign": campaign.name,
                "rules_version": report.rules_version,
                "counts": report.counts,
                "findings": report.findings,
            }))?
        );
    } else {
        say!(
            "{} · 比对核查（规则第{}版；读取 {:.2} 秒，比对 {:.3} 秒）",
            campaign.name,
            report.rules_version,
            report.read_seconds,
            report.check_seconds
        );
        let counts = serde_json::to_value(report.counts)?;
        for (code, title, _) in FINDING_TYPES {
            let n = counts[code].as_u64().unwrap_or(0);
            let decided = report
                .findings
                .iter()
                .filter(|f| f.kind == *code && matches!(f.status, "confirmed" | "dismissed"))
                .count();
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
    Ok(())
}

/// One sheet per finding type that occurs, with masked ID numbers.
fn write_findings(path: &Path, findings: &[Finding]) -> anyhow::Result<()> {
    let status = |s: &str| match s {
        "confirmed" => "已确认",
        "dismissed" => "已排除",
        "reopened" => "重新打开（情况有变）",
        _ => "待处理",
    };
    let mut sheets = Vec::new();
    for (code, title, _) in FINDING_TYPES {
        let rows: Vec<Vec<String>> = findings
            .iter()
            .filter(|f| f.kind == *code)
            .map(|f| {
                vec![
                    f.key.clone(),
                    f.street_code.as_deref().map(unit_name).unwrap_or_default(),
                    f.people.iter().map(|p| p.name.clone()).collect::<Vec<_>>().join("、"),
                    f.people.iter().map(|p| p.id_number_masked.clone()).collect::<Vec<_>>().join("、"),
                    f.projects.join("、"),
                    f.explanation.clone(),
                    status(f.status).to_string(),
                    f.reason.clone().unwrap_or_default(),
                ]
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        sheets.push(ReportSheet {
            name: title.to_string(),
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
    let mut summary: Vec<Vec<String>> = by_type_and_street(findings)
        .into_iter()
        .map(|((kind, street), n)| {
            let title = FINDING_TYPES.iter().find(|t| t.0 == kind).map_or(kind, |t| t.1);
            vec![
                title.to_string(),
                if street.is_empty() { "（不分街镇）".into() } else { unit_name(&street) },
                n.to_string(),
            ]
        })
        .collect();
    summary.sort_by_key(|r| FINDING_TYPES.iter().position(|t| t.1 == r[0]));
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
pub async fn rules_show(cfg: &StoreConfig, year: Option<i32>) -> anyhow::Result<()> {
    let store = Store::open(cfg).await?;
    let (id, _) = campaign_id(&store, year, false).await?;
    let (version, rules) = store.rules(id).await?;
    eprintln!("第{version}版比对规则{}", if version == 0 { "（默认：取自各项目的设置）" } else { "" });
    say!("{}", serde_json::to_string_pretty(&rules)?);
    store.close().await;
    Ok(())
}

/// `yikou rules set FILE`: saves a new version after checking every code in it.
pub async fn rules_set(cfg: &StoreConfig, year: Option<i32>, file: &Path) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(file).with_context(|| format!("无法读取 {}", file.display()))?;
    let rules: RuleSet = match serde_json::from_str(&text) {
        Ok(r) => r,
        Err(e) => {
            say!("规则文件格式错误（第{}行第{}列）：{e}", e.line(), e.column());
            return Ok(ExitCode::from(1));
        }
    };
    let store = Store::open(cfg).await?;
    let (id, campaign) = campaign_id(&store, year, false).await?;
    let mut tx = store.write(&Actor::system("rules")).await?;
    match save_rules(&mut tx, id, &rules).await {
        Ok(version) => {
            tx.commit().await?;
            say!("已保存“{}”的第{version}版比对规则。", campaign.name);
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Err(StoreError::Invalid(m)) => {
            say!("{m}");
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}

/// `yikou finding confirm|dismiss KEY`: a decision on a finding of the current run.
pub async fn decide_finding(
    cfg: &StoreConfig,
    year: Option<i32>,
    key: &str,
    confirm: bool,
    reason: &str,
) -> anyhow::Result<ExitCode> {
    let store = Store::open(cfg).await?;
    let (id, campaign) = campaign_id(&store, year, false).await?;
    let report = store.run_check(id, campaign.check_date(today())).await?;
    let Some(finding) = report.findings.iter().find(|f| f.key == key) else {
        say!("本次比对中没有编号为“{key}”的疑点（可能已经修正）：请重新运行 yikou check 查看当前疑点");
        return Ok(ExitCode::from(1));
    };
    let mut tx = store.write(&Actor::system("review")).await?;
    match decide(&mut tx, id, finding, confirm, reason).await {
        Ok(()) => {
            tx.commit().await?;
            say!("疑点 {key} 已{}。", if confirm { "确认" } else { "排除" });
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Err(StoreError::Invalid(m)) => {
            say!("{m}");
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}
