//! `ecsplan bench`.

use std::process::ExitCode;

use crate::cli::BenchArgs;

pub fn run(args: &BenchArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`ecsplan bench` is not built yet")
}
