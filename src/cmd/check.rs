//! `ecsplan check`: verifies a plan folder against the workload, catalog and rule options,
//! independently of the planner.

use std::io::Write as _;
use std::process::ExitCode;

use crate::check;
use crate::cli::CheckArgs;
use crate::input;
use crate::output::money;

pub fn run(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let inputs = super::load_inputs(&args.input, &args.rules)?;
    let rows = input::placements::read(&args.plan.join("placements.csv"))?;
    let mut report = check::check(
        &inputs.workload,
        &inputs.whole_catalog,
        &inputs.figures,
        &inputs.types,
        &rows,
    );
    if inputs.figures.zones.is_zoned() {
        let zones = input::instances::read_zones(&args.plan.join("instances.csv"))?;
        report.violations.extend(check::zones::check(
            &inputs.workload,
            &inputs.whole_catalog,
            &inputs.figures,
            &rows,
            &zones,
        ));
    }
    let mut out = std::io::stdout().lock();
    if report.is_valid() {
        writeln!(
            out,
            "valid: {} instances, {} tasks, ${}/hour",
            report.instances.len(),
            rows.iter().map(|r| u64::from(r.tasks)).sum::<u64>(),
            money(report.cost_per_hour())
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    drop(out);
    eprintln!("invalid plan: {} problem(s)", report.violations.len());
    for v in &report.violations {
        eprintln!("  {v}");
    }
    Ok(ExitCode::from(1))
}
