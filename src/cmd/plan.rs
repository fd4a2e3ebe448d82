//! `ecsplan plan`: the least-cost fleet and the placement of every task.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use crate::cli::{PlanArgs, PlanFormat};
use crate::input::{self, workload::STDIN};
use crate::output::{self, placements, plan_chart, summary::Summary};
use crate::planner;

use super::progress::Display;

pub fn run(args: &PlanArgs) -> anyhow::Result<ExitCode> {
    super::check_writable("--out", args.out.as_deref(), true)?;
    super::check_writable("--chart", args.chart.as_deref(), false)?;
    let inputs = super::load_inputs(&args.input, &args.rules)?;
    let mut settings = args.solver.settings()?;
    super::stop_on_interrupt(&settings.stop)?;
    let display = Display::new(args.solver.quiet, settings.time_limit);
    // The rows of a large plan take seconds to write: the solve ends that much sooner, so
    // that the command ends within the limit.
    if args.out.is_some() || matches!(args.format, PlanFormat::Csv) {
        settings.time_limit -= planner::write_reserve(&inputs, settings.time_limit);
    }
    let line = display.line("");
    settings.progress = line.as_ref().map(|(_, reporter)| reporter.clone());
    let planned = planner::plan(&inputs, &settings);
    if let Some((bar, _)) = line {
        bar.finish_and_clear();
    }
    let planned = planned?;
    let options = super::recorded_options(&args.input, &args.rules)?;
    let summary = Summary::new(&planned, &settings).with_options(options);
    if let Some(dir) = &args.out {
        output::write_plan(dir, &planned, &summary)?;
    }
    if let Some(path) = &args.chart {
        let workload = args.input.workload_source();
        let name = match workload.file_name() {
            Some(n) if workload != Path::new(STDIN) => n.to_string_lossy().into_owned(),
            _ => input::workload_name(workload),
        };
        let by = if inputs.figures.zones.is_zoned() {
            "zone and instance type"
        } else {
            "instance type"
        };
        let chart = plan_chart::from_plan(&planned, &inputs.workload, &format!("{name}: the plan by {by}"));
        output::write_file(path, plan_chart::svg(&chart)?.into_bytes())?;
    }
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        PlanFormat::Json => stdout.write_all(&summary.to_json())?,
        PlanFormat::Table => stdout.write_all(output::table::plan(&planned, &summary).as_bytes())?,
        PlanFormat::Csv => placements::write_plan_csv(&planned.plan, &mut stdout)?,
    }
    stdout.flush()?;
    Ok(if planned.solved.interrupted {
        super::say_interrupted();
        ExitCode::from(super::INTERRUPTED)
    } else {
        ExitCode::SUCCESS
    })
}
