//! `yikou sample`: 随机电话回访 samples. `size` is the sizing formula alone (Cochran's with the
//! finite-population correction and the design factor); drawing and calling follow in the store.

use std::process::ExitCode;

use std::path::PathBuf;

use clap::Subcommand;
use serde_json::json;
use yikou_domain::followup::{SizeRule, Strata};
use yikou_domain::pay::PayMethod;
use yikou_domain::{Actor, Scope};
use yikou_store::followup::{SampleFilter, SampleParams};
use yikou_store::{Store, StoreConfig};

use crate::{emit, say};

#[derive(Subcommand)]
pub enum SampleCommand {
    /// 计算样本量：n0 = z²·0.25/e²，有限总体校正，乘以设计效应，向上取整，不超过总体
    Size {
        /// 总体（已发放记录数）
        #[arg(long)]
        population: u64,
        /// 置信水平（%）
        #[arg(long, default_value_t = 95.0)]
        confidence: f64,
        /// 允许误差（%）
        #[arg(long, default_value_t = 5.0)]
        margin: f64,
        #[arg(long, default_value_t = 1.5)]
        design_factor: f64,
    },
    /// 抽取回访样本（可重现：同一种子、同一总体，抽到同样的人）
    Create {
        #[arg(long)]
        campaign: Option<i32>,
        /// 项目代码，可重复
        #[arg(long = "project")]
        projects: Vec<String>,
        /// 街镇代码，可重复
        #[arg(long = "street")]
        streets: Vec<String>,
        /// 实施单位代码，可重复
        #[arg(long = "unit")]
        units: Vec<String>,
        /// 发放方式
        #[arg(long)]
        method: Option<String>,
        #[arg(long, default_value_t = 95.0)]
        confidence: f64,
        #[arg(long, default_value_t = 5.0)]
        margin: f64,
        /// 固定样本量
        #[arg(long, conflicts_with = "percent")]
        size: Option<u64>,
        /// 按总体的百分比
        #[arg(long)]
        percent: Option<f64>,
        #[arg(long, default_value_t = 1.5)]
        design_factor: f64,
        /// street | project | street,project
        #[arg(long)]
        strata: Option<String>,
        #[arg(long, default_value_t = 2)]
        min_per_stratum: u64,
        /// 回访员账号，逗号分隔（各层内轮流分配）
        #[arg(long, value_delimiter = ',')]
        callers: Vec<String>,
        #[arg(long)]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
    /// 导出样本：表头一行，之后每个抽中的帮扶记录一行（按编号排序，编号在第一列）
    Export {
        sample: i64,
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
}

pub async fn run(cfg: &StoreConfig, cmd: SampleCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SampleCommand::Create {
            campaign,
            projects,
            streets,
            units,
            method,
            confidence,
            margin,
            size,
            percent,
            design_factor,
            strata,
            min_per_stratum,
            callers,
            seed,
            json: json_out,
        } => {
            let store = Store::open(cfg).await?;
            let actor = Actor::system("sample");
            let c = yikou_service::campaign::of_year(&store, campaign).await.map_err(|_| {
                anyhow::anyhow!("没有{}的活动", campaign.map_or("任何".to_string(), |y| format!("{y}年")))
            })?;
            let all = store.projects(&Scope::All, c.id).await?;
            let mut ids = Vec::new();
            for code in &projects {
                let p = all
                    .iter()
                    .find(|p| p.project.code == *code)
                    .ok_or_else(|| anyhow::anyhow!("没有项目代码“{code}”"))?;
                ids.push(p.id);
            }
            let method = method
                .map(|m| {
                    PayMethod::from_code(&m)
                        .ok_or_else(|| anyhow::anyhow!("--method 须为 bank、card、cash、voucher、goods 或 service"))
                })
                .transpose()?;
            let strata = match strata.as_deref() {
                None => Strata::Whole,
                Some(s) => Strata::from_code(s)
                    .ok_or_else(|| anyhow::anyhow!("--strata 须为 street、project 或 street,project"))?,
            };
            let rule = match (size, percent) {
                (Some(n), _) => SizeRule::Fixed(n),
                (None, Some(p)) => SizeRule::Percent(p),
                (None, None) => SizeRule::Formula { confidence, margin, design_factor },
            };
            let params = SampleParams {
                filter: SampleFilter { projects: ids, streets, units, method },
                size: rule,
                strata,
                min_per_stratum,
                seed,
                callers,
            };
            let made = yikou_service::followup::create_sample(&store, &actor, Some(c.campaign.year), &params).await?;
            store.close().await;
            if json_out {
                let strata: Vec<_> = made
                    .strata
                    .iter()
                    .map(|s| json!({ "key": s.key, "population": s.population, "size": s.size }))
                    .collect();
                emit(&format!(
                    "{}\n",
                    json!({ "sample": made.sample, "seed": made.seed, "population": made.population,
                            "excluded_no_phone": made.excluded_no_phone, "size": made.size, "strata": strata,
                            "population_sha256": made.population_sha256 })
                ));
            } else {
                say!(
                    "已抽取回访样本 {}：总体 {} 人次（无电话未列入 {}），抽取 {}，分 {} 层；种子 {}。",
                    made.sample,
                    made.population,
                    made.excluded_no_phone,
                    made.size,
                    made.strata.len(),
                    made.seed
                );
            }
        }
        SampleCommand::Export { sample, output } => {
            let store = Store::open(cfg).await?;
            let csv = yikou_service::followup::export_csv(&store, &Actor::system("sample-export"), sample).await?;
            store.close().await;
            std::fs::write(&output, csv).map_err(|e| anyhow::anyhow!("无法写出 {}：{e}", output.display()))?;
        }
        SampleCommand::Size { population, confidence, margin, design_factor } => {
            let valid =
                (0.0 < confidence && confidence < 100.0) && (0.0 < margin && margin <= 100.0) && design_factor > 0.0;
            if !valid {
                anyhow::bail!("置信水平须在0到100之间，允许误差须在0到100之间，设计效应须大于0");
            }
            say!("{}", yikou_domain::followup::sample_size(population, confidence, margin, design_factor));
        }
    }
    Ok(ExitCode::SUCCESS)
}
