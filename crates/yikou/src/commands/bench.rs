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
    }
    Ok(ExitCode::SUCCESS)
}
