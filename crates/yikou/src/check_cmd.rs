//! `yikou load`, `yikou export`, `yikou check`: a whole campaign in the exchange layout, and the
//! cross-check over it.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::json;
use yikou_domain::check::check_core;
use yikou_domain::money::group_thousands;
use yikou_domain::{today, Actor, Campaign};
use yikou_ingest::exchange::{read_exchange, write_exchange};
use yikou_store::exchange::load_campaign;
use yikou_store::{Store, StoreConfig};

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

pub async fn check(cfg: &StoreConfig, year: Option<i32>, json_out: bool) -> anyhow::Result<()> {
    let store = Store::open(cfg).await?;
    let (id, campaign) = campaign_id(&store, year, false).await?;
    let started = std::time::Instant::now();
    let rows = store.check_rows(id, campaign.start.max(today().min(campaign.end))).await?;
    let loaded = started.elapsed();
    let f = check_core(&rows.people, &rows.projects, &rows.entitlements);
    let counts = f.counts();
    if json_out {
        let findings: Vec<serde_json::Value> = f
            .dup_in_project
            .iter()
            .map(|(p, x)| json!({ "type": "dup_in_project", "project_id": rows.project_ids[*p as usize], "person_id": rows.person_ids[*x as usize] }))
            .chain(f.dup_exclusive.iter().map(|(g, x)| json!({ "type": "dup_exclusive", "group": g, "person_id": rows.person_ids[*x as usize] })))
            .chain(f.household_twice.iter().map(|(p, h)| json!({ "type": "household_twice", "project_id": rows.project_ids[*p as usize], "household_id": h })))
            .chain(f.omissions.iter().map(|x| json!({ "type": "omissions", "person_id": rows.person_ids[*x as usize] })))
            .chain(f.ineligible.iter().map(|e| json!({ "type": "ineligible", "entitlement_id": rows.entitlement_ids[*e] })))
            .chain(f.deceased_paid.iter().map(|e| json!({ "type": "deceased_paid", "entitlement_id": rows.entitlement_ids[*e] })))
            .collect();
        say!(
            "{}",
            serde_json::to_string_pretty(
                &json!({ "campaign": campaign.name, "counts": counts, "findings": findings })
            )?
        );
    } else {
        say!(
            "{} · 比对核查（读取 {:.2} 秒，比对 {:.3} 秒）",
            campaign.name,
            loaded.as_secs_f64(),
            (started.elapsed() - loaded).as_secs_f64()
        );
        for (label, n) in [
            ("同一项目中重复", counts.dup_in_project),
            ("互斥项目重复享受", counts.dup_exclusive),
            ("按户发放的项目同户重复", counts.household_twice),
            ("遗漏（有类别未享受任何项目）", counts.omissions),
            ("不符合项目对象类别", counts.ineligible),
            ("已故人员仍在名单中", counts.deceased_paid),
        ] {
            say!("  {label}：{}", group_thousands(n));
        }
    }
    store.close().await;
    Ok(())
}
