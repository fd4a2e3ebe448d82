//! One module per subcommand. Each returns the process exit code on success; errors carry
//! their own code (`exit_code`): 1 when no plan exists, 2 for bad input or usage.

pub mod bench;
pub mod catalog;
pub mod check;
pub mod compare;
pub mod completions;
pub mod import;
pub mod plan;
pub mod progress;

use std::process::ExitCode;

use crate::cli::{Command, InputArgs, RuleArgs, UsageError};
use crate::ecs::lower::NoPlan;
use crate::input::InputErrors;
use crate::planner::inputs::{self, Inputs};
use crate::planner::PlanError;

/// Runs one command.
pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Plan(args) => plan::run(&args),
        Command::Compare(args) => compare::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Catalog(args) => catalog::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Completions(args) => completions::run(&args),
    }
}

/// The exit code an error stands for.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    // `PlanError::NoPlan` is transparent: the `NoPlan` inside is not in the cause chain.
    if err.downcast_ref::<NoPlan>().is_some() || matches!(err.downcast_ref(), Some(PlanError::NoPlan(_))) {
        1
    } else if err.downcast_ref::<InputErrors>().is_some() || err.downcast_ref::<UsageError>().is_some() {
        2
    } else {
        // An internal failure (an I/O error, a plan that failed its check).
        3
    }
}

/// Reads the workload and the catalog and applies the rule flags, reporting every input
/// problem of both files at once.
pub fn load_inputs(input_args: &InputArgs, rule_args: &RuleArgs) -> anyhow::Result<Inputs> {
    let figures = rule_args.figures()?;
    let types = rule_args.type_patterns()?;
    let (workload, file) = match input_args.sources() {
        Some(sources) => (import::imported_workload(&sources), sources.name()),
        None => {
            let path = input_args
                .workload
                .as_deref()
                .expect("clap requires --workload or --services");
            (crate::input::read_workload(path), crate::input::workload_name(path))
        }
    };
    Ok(inputs::from_workload(
        workload,
        &file,
        input_args.catalog.as_deref(),
        input_args.prices.as_deref(),
        figures,
        types,
    )?)
}
