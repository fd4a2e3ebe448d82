//! The planning pipeline from validated inputs to a checked plan: lower to the generic
//! problem, solve, turn the packing back into instances, and run the independent checker.
//! `plan` and every scenario of `compare` go through here.

pub mod inputs;

use crate::check;
use crate::ecs::lower::{self, NoPlan};
pub use crate::ecs::placement::{rows, Planned};
use crate::engine::{self, Settings};
pub use inputs::Inputs;

/// Why planning stopped without a plan.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    NoPlan(#[from] NoPlan),
    /// A bug: the planner produced a plan that breaks a rule. Never written out.
    #[error("internal error: the plan failed its independent check:\n  {}", .0.join("\n  "))]
    CheckFailed(Vec<String>),
}

/// Plans `inputs` and checks the result.
pub fn plan(inputs: &Inputs, settings: &Settings) -> Result<Planned, PlanError> {
    let lowered = lower::lower(&inputs.workload, &inputs.catalog, &inputs.figures)?;
    let solved = engine::solve(&lowered.problem, settings);
    let plan = lower::to_plan(&lowered, &solved.packing, &inputs.workload, &inputs.catalog);
    let report = check::check(
        &inputs.workload,
        &inputs.whole_catalog,
        &inputs.figures,
        &inputs.types,
        &rows(&plan),
    );
    if !report.is_valid() {
        return Err(PlanError::CheckFailed(
            report.violations.iter().map(ToString::to_string).collect(),
        ));
    }
    let mut notes = solved.notes.clone();
    if inputs.figures.eni_trunking {
        let unknown = inputs.catalog.types.iter().filter(|t| t.trunking.is_none()).count();
        if unknown > 0 {
            notes.push(format!(
                "ENI trunking support is unknown for {unknown} instance types of the catalog; they were planned without trunking"
            ));
        }
    }
    Ok(Planned {
        plan,
        solved,
        instances: report.instances,
        notes,
    })
}
