//! `yikou bench roster|campaign`: fictional data for the benchmarks (nothing is stored).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

use crate::say;

#[derive(Subcommand)]
pub enum BenchCommand {
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
    /// 从虚构的已发放记录中按街镇×项目分层抽取回访样本，计时（不写入）(time a stratified draw)
    Sample {
        #[arg(long, default_value_t = 1_000_000)]
        population: usize,
        #[arg(long, default_value_t = 14)]
        streets: usize,
        #[arg(long, default_value_t = 120)]
        projects: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

pub fn run(cmd: BenchCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        BenchCommand::Roster { rows, seed, fault_rate, peer_faults_only, xlsx, csv } => {
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
        BenchCommand::Campaign { people, entitlements, projects, seed, fault_rate, output } => {
            let ex = yikou_ingest::exchange::generate_exchange(people, projects, entitlements, seed, fault_rate);
            yikou_ingest::exchange::write_exchange(&output, &ex)
                .with_context(|| format!("无法写出 {}", output.display()))?;
            say!("people={}\nprojects={}\nentitlements={}", ex.people.len(), ex.projects.len(), ex.entitlements.len());
        }
        BenchCommand::Sample { population, streets, projects, seed } => {
            use std::collections::BTreeMap;
            use yikou_domain::followup::{allocate, draw, sample_size};
            // Entitlement ids shuffled (the draw must not depend on the order rows come in), each in a
            // street × project stratum.
            let mut rng = yikou_domain::rng::Rng::new(seed);
            let mut pop: Vec<(String, i64)> = (1..=population as i64)
                .map(|id| (format!("S{:02}/P{:03}", rng.below(streets as u64), rng.below(projects as u64)), id))
                .collect();
            for i in (1..pop.len()).rev() {
                pop.swap(i, rng.below(i as u64 + 1) as usize);
            }
            let started = std::time::Instant::now();
            let mut counts: BTreeMap<String, u64> = BTreeMap::new();
            for (k, _) in &pop {
                *counts.entry(k.clone()).or_default() += 1;
            }
            let n = sample_size(pop.len() as u64, 95.0, 5.0, 1.5);
            let sizes: Vec<u64> = counts.values().copied().collect();
            let alloc = allocate(n, &sizes, 2);
            let plan: BTreeMap<String, u64> = counts.keys().cloned().zip(alloc).collect();
            let drawn = draw(&pop, &plan, seed);
            let secs = started.elapsed().as_secs_f64();
            say!(
                "population={}\nstrata={}\nsize={n}\ndrawn={}\nseconds={secs:.3}",
                pop.len(),
                counts.len(),
                drawn.len()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
