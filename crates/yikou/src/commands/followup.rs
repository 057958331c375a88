//! `yikou sample`: 随机电话回访 samples. `size` is the sizing formula alone (Cochran's with the
//! finite-population correction and the design factor); drawing and calling follow in the store.

use std::process::ExitCode;

use clap::Subcommand;

use crate::say;

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
}

pub fn run(cmd: SampleCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SampleCommand::Size { population, confidence, margin, design_factor } => {
            if !(0.0 < confidence && confidence < 100.0) || !(0.0 < margin && margin <= 100.0) || design_factor <= 0.0 {
                anyhow::bail!("置信水平须在0到100之间，允许误差须在0到100之间，设计效应须大于0");
            }
            say!("{}", yikou_domain::followup::sample_size(population, confidence, margin, design_factor));
        }
    }
    Ok(ExitCode::SUCCESS)
}
