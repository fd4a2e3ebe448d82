//! `ecsplan plan`: the least-cost fleet and the placement of every task.

use std::io::Write as _;
use std::process::ExitCode;

use crate::cli::{Format, PlanArgs};
use crate::input;
use crate::output::{self, plan_chart, summary::Summary};
use crate::planner;

pub fn run(args: &PlanArgs) -> anyhow::Result<ExitCode> {
    super::check_writable("--out", args.out.as_deref(), true)?;
    super::check_writable("--chart", args.chart.as_deref(), false)?;
    let inputs = super::load_inputs(&args.input, &args.rules)?;
    let catalog = input::summary::catalog_source(args.input.catalog.as_deref())?;
    let settings = args.solver.settings()?;
    super::stop_on_interrupt(&settings.stop)?;
    let planned = planner::plan(&inputs, &settings)?;
    let summary = Summary::new(&planned, &settings).with_options(args.rules.options(catalog));
    if let Some(dir) = &args.out {
        output::write_plan(dir, &planned, &summary)?;
    }
    if let Some(path) = &args.chart {
        let workload = args.input.workload_source();
        let name = workload
            .file_name()
            .map_or_else(|| workload.display().to_string(), |n| n.to_string_lossy().into_owned());
        let by = if inputs.figures.zones.is_zoned() {
            "zone and instance type"
        } else {
            "instance type"
        };
        let chart = plan_chart::from_plan(&planned, &inputs.workload, &format!("{name}: the plan by {by}"));
        output::write_file(path, plan_chart::svg(&chart)?.into_bytes())?;
    }
    let text = match args.format {
        Format::Json => String::from_utf8(summary.to_json())?,
        Format::Table => output::table::plan(&planned, &summary),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(if planned.solved.interrupted {
        super::say_interrupted();
        ExitCode::from(super::INTERRUPTED)
    } else {
        ExitCode::SUCCESS
    })
}
