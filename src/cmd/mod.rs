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

use std::path::Path;
use std::process::ExitCode;

use crate::cli::{Command, InputArgs, RuleArgs, UsageError};
use crate::ecs::lower::NoPlan;
use crate::ecs::options::PlanOptions;
use crate::engine::Stop;
use crate::input::InputErrors;
use crate::planner::inputs::{self, Inputs, LoadError};
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

/// The exit code of a run that an interrupt cut short, after its best plan was written.
pub const INTERRUPTED: u8 = 130;

/// Makes Ctrl-C (SIGINT) and SIGTERM ask `stop` to end the search: the command then checks
/// and writes the best plan so far and exits with [`INTERRUPTED`]. A second signal, once
/// the flag is set, exits at once. The handlers only set the flag: no thread waits for
/// signals.
pub fn stop_on_interrupt(stop: &Stop) -> anyhow::Result<()> {
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(signal, i32::from(INTERRUPTED), stop.flag())?;
        signal_hook::flag::register(signal, stop.flag())?;
    }
    Ok(())
}

/// Says on standard error that an interrupt cut the search short.
pub fn say_interrupted() {
    eprintln!("interrupted: the search stopped early; the best plan so far was checked and is reported");
}

/// Refuses at once, before any solving, an output folder (`--out`) or file (`--chart`)
/// that cannot be written: a usage error, so that no plan is computed only to be lost.
pub fn check_writable(flag: &'static str, path: Option<&Path>, is_folder: bool) -> Result<(), UsageError> {
    let Some(path) = path else {
        return Ok(());
    };
    let probe = if is_folder {
        crate::output::probe_folder(path)
    } else {
        crate::output::probe_file(path)
    };
    probe.map_err(|cause| UsageError {
        flag,
        cause,
        fix: "name a folder you can write to (a new one is created), or remove what is in the way".into(),
    })
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
            warn(crate::input::plausible::workload_warnings(path));
            (crate::input::read_workload(path), crate::input::workload_name(path))
        }
    };
    warn(crate::input::plausible::catalog_warnings(input_args.catalog.as_deref()));
    let inputs = inputs::from_workload(
        workload,
        &file,
        input_args.catalog.as_deref(),
        input_args.prices.as_deref(),
        figures,
        types,
    )
    .map_err(|e| -> anyhow::Error {
        match e {
            LoadError::Input(errors) => errors.into(),
            LoadError::NoPlan(no_plan) => no_plan.into(),
        }
    })?;
    Ok(inputs)
}

/// Prints figures that are probably in another unit; they are planned as given.
fn warn(warnings: Vec<crate::input::Diagnostic>) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

/// The rule options a plan folder records: the rule flags, the catalog's source and the
/// price overlay's, each with the SHA-256 of its bytes.
pub fn recorded_options(input_args: &InputArgs, rule_args: &RuleArgs) -> anyhow::Result<PlanOptions> {
    let catalog = crate::input::summary::catalog_source(input_args.catalog.as_deref())?;
    let price_overlay = input_args
        .prices
        .as_deref()
        .map(|p| crate::input::summary::catalog_source(Some(p)))
        .transpose()?;
    Ok(PlanOptions {
        price_overlay,
        ..rule_args.options(catalog)
    })
}
