//! The planning pipeline from validated inputs to a checked plan: lower to the generic
//! problem, solve, turn the packing back into instances, and run the independent checker.
//! `plan` and every scenario of `compare` go through here.

pub mod inputs;

use crate::check;
use crate::ecs::lower::{self, NoPlan};
pub use crate::ecs::placement::{instance_rows, rows, Planned};
use crate::ecs::rules::{MAX_INSTANCES_PER_CLUSTER, MAX_TASKS_PER_SERVICE};
use crate::ecs::workload::Workload;
use crate::ecs::zoned::{self, ZonedSolve};
use crate::ecs::zones::Zones;
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

/// Time to write one row of `placements.csv` or `instances.csv`, with a margin: the
/// writers copy each group's encoded row after each id.
const SECONDS_PER_ROW: f64 = 150e-9;

/// The time to keep back from the solve for writing a plan's rows when they are written
/// (`--out`, `--format csv`): a row per task at most in each of the two files, never more
/// than half the limit. Checking and the table work on distinct instances and need no
/// reserve of their own.
pub fn write_reserve(inputs: &Inputs, limit: std::time::Duration) -> std::time::Duration {
    let tasks: u64 = inputs
        .workload
        .services
        .iter()
        .map(|s| u64::from(inputs.figures.zones.placed(s.count)))
        .sum();
    std::time::Duration::from_secs_f64(2.0 * tasks as f64 * SECONDS_PER_ROW).min(limit / 2)
}

/// Plans `inputs` and checks the result.
pub fn plan(inputs: &Inputs, settings: &Settings) -> Result<Planned, PlanError> {
    let ZonedSolve { lowered, solved } = zoned::solve(&inputs.workload, &inputs.catalog, &inputs.figures, settings)?;
    let plan = lower::to_plan(&lowered, &solved.packing, &inputs.workload, &inputs.catalog);
    let instances = instance_rows(&plan);
    let mut report = check::check_instances(
        &inputs.workload,
        &inputs.whole_catalog,
        &inputs.figures,
        &inputs.types,
        &instances,
    );
    report.violations.extend(check::zones::check(
        &inputs.workload,
        &inputs.whole_catalog,
        &inputs.figures,
        &instances,
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
    notes.extend(limit_notes(
        &inputs.workload,
        &inputs.figures.zones,
        plan.instance_count(),
    ));
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
        prices: inputs.prices.clone(),
    })
}

/// Notes for the ECS quotas a plan of `instances` container instances runs into: more
/// instances than one cluster registers, and services with more tasks than one ECS
/// service runs (counting the tasks placed to survive a zone's loss).
pub fn limit_notes(workload: &Workload, zones: &Zones, instances: u64) -> Vec<String> {
    let mut notes = Vec::new();
    if instances > MAX_INSTANCES_PER_CLUSTER as u64 {
        let clusters = instances.div_ceil(MAX_INSTANCES_PER_CLUSTER as u64);
        notes.push(format!(
            "the plan has {instances} container instances, more than the {MAX_INSTANCES_PER_CLUSTER} that one ECS cluster registers (a quota that cannot be raised): it takes {clusters} clusters"
        ));
    }
    for service in &workload.services {
        let tasks = zones.placed(service.count);
        if tasks > MAX_TASKS_PER_SERVICE {
            let services = tasks.div_ceil(MAX_TASKS_PER_SERVICE);
            notes.push(format!(
                "service `{}` runs {} tasks, more than ECS's quota of {MAX_TASKS_PER_SERVICE} tasks per service: split it into {services} services or ask for a higher quota",
                service.name, tasks
            ));
        }
    }
    notes
}
