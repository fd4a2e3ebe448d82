//! One module per subcommand. Each returns the process exit code on success; errors carry
//! their own code (`exit_code`): 1 when no plan exists, 2 for bad input or usage.

pub mod bench;
pub mod catalog;
pub mod check;
pub mod compare;
pub mod import;
pub mod plan;

use std::process::ExitCode;

use crate::cli::{Command, InputArgs, RuleArgs, UsageError};
use crate::ecs::catalog::Catalog;
use crate::ecs::lower::{self, DaemonsNotPlanned, NoPlan};
use crate::ecs::rules::{Figures, TypePatterns};
use crate::ecs::workload::Workload;
use crate::input::{self, Diagnostic, InputErrors};
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
    }
}

/// The exit code an error stands for.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    // `PlanError::NoPlan` is transparent: the `NoPlan` inside is not in the cause chain.
    if err.downcast_ref::<NoPlan>().is_some() || matches!(err.downcast_ref(), Some(PlanError::NoPlan(_))) {
        1
    } else if err.downcast_ref::<InputErrors>().is_some()
        || err.downcast_ref::<UsageError>().is_some()
        || err.downcast_ref::<DaemonsNotPlanned>().is_some()
    {
        2
    } else {
        // An internal failure (an I/O error, a plan that failed its check).
        3
    }
}

/// Validated inputs of a planning command.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub workload: Workload,
    /// The catalog after `--types`.
    pub catalog: Catalog,
    /// The whole catalog, for `check` to tell a type excluded by `--types` from an unknown one.
    pub whole_catalog: Catalog,
    pub figures: Figures,
    pub types: TypePatterns,
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
            (input::read_workload(path), path.display().to_string())
        }
    };
    let catalog = input::read_catalog(input_args.catalog.as_deref());
    let (workload, catalog) = match (workload, catalog) {
        (Ok(w), Ok(c)) => (w, c),
        (w, c) => {
            let mut all = Vec::new();
            all.extend(c.err().map(|e| e.0).unwrap_or_default());
            all.extend(w.err().map(|e| e.0).unwrap_or_default());
            return Err(InputErrors(all).into());
        }
    };
    lower::refuse_daemons(&workload)?;
    // Values beyond every type of the whole catalog are input errors; what `--types`
    // excludes is explained as "no plan exists" instead.
    let problems = input::validate_against_catalog(&workload, &catalog, &figures, &file);
    if !problems.is_empty() {
        return Err(InputErrors(problems).into());
    }
    let whole_catalog = catalog.clone();
    let catalog = restrict(catalog, &types)?;
    Ok(Inputs {
        workload,
        catalog,
        whole_catalog,
        figures,
        types,
    })
}

/// Keeps the catalog types that `--types` allows; a pattern that matches none is an error.
pub fn restrict(mut catalog: Catalog, types: &TypePatterns) -> Result<Catalog, InputErrors> {
    let unmatched = types.unmatched(catalog.types.iter().map(|t| t.instance_type.as_str()));
    if !unmatched.is_empty() {
        return Err(InputErrors(
            unmatched
                .into_iter()
                .map(|p| Diagnostic {
                    file: "--types".into(),
                    line: 0,
                    column: 0,
                    cause: format!("the pattern `{p}` matches no instance type of the catalog"),
                    fix: "check the spelling (e.g. `m6i.*`), or run `ecsplan catalog` to list the types".into(),
                })
                .collect(),
        ));
    }
    catalog.types.retain(|t| types.allows(&t.instance_type));
    Ok(catalog)
}
