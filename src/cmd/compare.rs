//! `ecsplan compare`.

use std::process::ExitCode;

use crate::cli::CompareArgs;

pub fn run(args: &CompareArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`ecsplan compare` is not built yet")
}
