//! `yikou demo`: builds the demo campaign once, shows its summary and the demo accounts, and serves
//! it. By default the campaign shows what the system catches: cross-check findings of every kind
//! planted (their answer key on request), two of them decided, and a list with errors waiting on
//! 古美街道's import page; `--clean` builds it without any of that. The campaign's plan is
//! `plan.rs`, its generation `generate.rs`, writing it `write.rs`, the planted faults `faults.rs`,
//! the decisions and the waiting list `showcase.rs`.

mod care;
mod donations;
mod faults;
mod generate;
mod plan;
mod showcase;
mod workflow;
mod write;

pub use workflow::Stage;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use yikou_domain::money::group_thousands;
use yikou_domain::Fen;
use yikou_domain::{Actor, Scope};
use yikou_store::{Store, StoreConfig, StoreError};

use super::campaign::render_summary;
use super::serve::{run_server, ServeOpts};
use super::store::print_init;
use crate::{emit, say};

use plan::DEMO_YEAR;

pub struct DemoArgs {
    pub seed: u64,
    /// Plant the findings, decide two and leave a list waiting (everything but `--clean`).
    pub faults: bool,
    pub answer_key: Option<PathBuf>,
    pub no_serve: bool,
    pub serve: ServeOpts,
    /// Where the campaign's workflow stops (see `workflow.rs`).
    pub stage: Stage,
}

pub async fn run(cfg: &StoreConfig, a: DemoArgs) -> anyhow::Result<ExitCode> {
    let DemoArgs { seed, faults, answer_key, no_serve, serve, stage } = a;
    let store = match Store::open(cfg).await {
        Ok(s) => s,
        Err(StoreError::NotInitialised | StoreError::KeyMissing(_)) if !cfg.key_path().exists() => {
            let init = Store::init(cfg).await?;
            print_init(cfg, &init);
            init.store
        }
        Err(e) => return Err(e.into()),
    };
    let mut key = None;
    let mut made = None;
    if store.campaign(DEMO_YEAR).await?.is_some() {
        say!("演示活动“2020年元旦春节帮困送温暖”已存在，未重复生成。");
    } else {
        let started = Instant::now();
        let mut data = generate::generate(seed).map_err(|e| anyhow::anyhow!("演示数据生成失败：{e}"))?;
        let planted = if faults { faults::plant(&mut data, seed) } else { Vec::new() };
        let generated = started.elapsed();
        let mut tx = store.write(&Actor::system("demo")).await?;
        let written = write::write(&mut tx, &data).await?;
        tx.commit().await?;
        if faults {
            let k = faults::answer_key(&planted, &data, &written);
            let findings: usize = k.values().map(Vec::len).sum();
            say!("已植入 {} 处错误，应查出 {findings} 个比对疑点（{}）。", planted.len(), faults::describe(&k));
            if let Some(path) = &answer_key {
                std::fs::write(path, serde_json::to_string_pretty(&k)?)
                    .with_context(|| format!("无法写出 {}", path.display()))?;
            }
            key = Some(k);
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
        say!(
            "走访慰问：应走访的独居老人、困境儿童中已登记走访 {} 人次{}。",
            group_thousands(written.visits as u64),
            if data.unvisited.is_empty() {
                String::new()
            } else {
                format!("，{} 人尚未走访（见比对核查）", data.unvisited.len())
            }
        );
        made = Some((data, written));
    }
    say!();
    let summary = store.campaign_summary(&Scope::All, DEMO_YEAR).await?;
    emit(&render_summary(&summary));
    let accounts = write::accounts(&store).await?;
    write::contacts(&store).await?;
    if let Some(key) = &key {
        let n = showcase::decide_a_few(&store, key).await?;
        say!("演示审核员已处理 {n} 个疑点（确认1个、排除1个并写明理由），其余待处理。");
    }
    if let Some((data, written)) = &made {
        let started = Instant::now();
        let c = workflow::carry(&store, data, written, stage, seed).await?;
        say!(
            "名单审核：{} 份批准下达，{} 份待审核，{} 份已退回，{} 份因有未处理的疑点尚未提交；发放：{} 个批次，成功 {} 笔，失败 {} 笔，结果待定 {} 笔（{:.2} 秒）。",
            c.approved,
            c.in_review,
            c.returned,
            c.blocked,
            c.batches,
            group_thousands(c.paid_lines as u64),
            c.failed_lines,
            c.unclear_lines,
            started.elapsed().as_secs_f64()
        );
        let cid = store.campaign(DEMO_YEAR).await?.map(|c| c.id).unwrap_or_default();
        let requests = care::hotline(&store, cid, data, &written.person_ids).await?;
        say!("生活服务热线：受理求助 {requests} 件，已派单给所在街镇办理，约三分之二已办结。");
        let (providers, delivered) = care::services(&store, data, &written.person_ids).await?;
        say!(
            "上门服务：{providers} 个服务提供方（含政府购买服务），已导入服务记录 {} 条。",
            group_thousands(delivered as u64)
        );
        let start = data.campaign.start;
        let (gifts, given, left) = donations::donations(&store, cid, start).await?;
        say!(
            "社会捐赠：登记 {gifts} 笔，资金已分配 {} 元（计入各街镇项目的社会募集资金），尚未分配 {} 元；物资已分配到慰问品项目。",
            Fen(given).yuan(),
            Fen(left).yuan()
        );
        if c.redeemed > 0 {
            say!("慈善超市卡券：随卡券发放批次发出，已在区慈善超市兑换 {} 张。", group_thousands(c.redeemed as u64));
        }
        if let Some((drawn, called, open, closed)) = c.followup {
            say!("电话回访：抽取 {drawn} 人（按街镇分层，种子 {seed}），已全部拨打 {called} 次；问题件 {open} 件待办结、{closed} 件已办结。");
        }
    }
    if faults {
        if let Some((rows, invalid)) =
            showcase::pending_import(&store, &serve.web_config(&cfg.data_dir).upload_dir()).await?
        {
            say!(
                "古美街道经办（gumei）有一份待完成的导入：{} 行，其中 {} 行需要修改（见“名单导入”页）。",
                group_thousands(rows),
                group_thousands(invalid)
            );
        }
    }
    // The accounts always (the README promises them with --no-serve too).
    say!();
    say!("演示账号（密码均为 {}，仅供演示）：", write::DEMO_PASSWORD);
    for (login, label) in &accounts {
        say!("  {login:<10} {label}");
    }
    if no_serve {
        store.close().await;
    } else {
        run_server(store, &serve.listen, serve.web_config(&cfg.data_dir)).await?;
    }
    Ok(ExitCode::SUCCESS)
}
