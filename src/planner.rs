//! The planning pipeline from validated inputs to a checked plan: lower to the generic
//! problem, solve, turn the packing back into instances, and run the independent checker.
//! `plan` and every scenario of `compare` go through here.

pub mod inputs;

use crate::check;
use crate::ecs::lower;
use crate::ecs::lower::NoPlan;
pub use crate::ecs::placement::{rows, zones, Planned};
use crate::ecs::zoned::{self, ZonedSolve};
use crate::engine::Settings;
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
    let ZonedSolve { lowered, solved } = zoned::solve(&inputs.workload, &inputs.catalog, &inputs.figures, settings)?;
    let plan = lower::to_plan(&lowered, &solved.packing, &inputs.workload, &inputs.catalog);
    let rows = rows(&plan);
    let mut report = check::check(
        &inputs.workload,
        &inputs.whole_catalog,
        &inputs.figures,
        &inputs.types,
        &rows,
    );
    report.violations.extend(check::zones::check(
        &inputs.workload,
        &inputs.whole_catalog,
        &inputs.figures,
        &rows,
        &zones(&plan),
    ));
    if !report.is_valid() {
        return Err(PlanError::CheckFailed(
            report.violations.iter().map(ToString::to_string).collect(),
        ));
    }
    let mut notes = solved.notes.clone();
    let daemons = inputs.workload.services.iter().filter(|s| s.is_daemon()).count();
    if daemons > 0 && plan.instances.is_empty() {
        notes.push(format!(
            "the workload's {daemons} daemon service(s) run on the instances other services need, and no other service has tasks: nothing is planned"
        ));
    }
    if inputs.figures.eni_trunking {
        let unknown = inputs.catalog.types.iter().filter(|t| t.trunking.is_none()).count();
        if unknown > 0 {
            notes.push(format!(
                "ENI trunking support is unknown for {unknown} instance types of the catalog; they were planned without trunking"
            ));
        }
    }
    let zones = &inputs.figures.zones;
    let desired_counts = (zones.is_zoned() || daemons > 0).then(|| {
        inputs
            .workload
            .services
            .iter()
            .map(|s| (s.name.clone(), (!s.is_daemon()).then(|| zones.placed(s.count))))
            .collect()
    });
    Ok(Planned {
        plan,
        solved,
        instances: report.instances,
        notes,
        desired_counts,
    })
}
