//! `ecsplan compare`: reads the flags, runs the comparison (`crate::compare`) and prints
//! it as a table or JSON, with `compare.csv`, the scenario folders and the chart on request.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use indicatif::ProgressBar;

use crate::cli::{CompareArgs, Format};
use crate::compare::{self, write, Report};
use crate::ecs::scenario::Scenario;
use crate::engine::Reporter;
use crate::output;

use super::progress::Display;

pub fn run(args: &CompareArgs) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    super::check_writable("--out", args.out.as_deref(), true)?;
    super::check_writable("--chart", args.chart.as_deref(), false)?;
    let inputs = super::load_inputs(&args.input, &args.rules)?;
    let mut settings = args.solver.settings()?;
    super::stop_on_interrupt(&settings.stop)?;
    let display = Display::new(args.solver.quiet, settings.time_limit);
    let time_limit = settings.time_limit;
    // Reading the inputs took part of the limit, and writing every scenario's plan takes
    // more on a large workload: the comparison gets what is left.
    let mut reserve = start.elapsed();
    if args.out.is_some() {
        reserve += compare::write_reserve(&inputs, time_limit);
    }
    settings.time_limit = time_limit.saturating_sub(reserve);
    let lines: Vec<(Scenario, ProgressBar, Reporter)> = Scenario::ALL
        .into_iter()
        .filter(|s| *s != Scenario::Fargate)
        .filter_map(|s| display.line(s.name()).map(|(bar, reporter)| (s, bar, reporter)))
        .collect();
    let reporter = |scenario: Scenario| {
        lines
            .iter()
            .find(|(s, _, _)| *s == scenario)
            .map(|(_, _, reporter)| reporter.clone())
    };
    let comparison = compare::compare(&inputs, &settings, &reporter);
    for (_, bar, _) in &lines {
        bar.finish_and_clear();
    }
    let comparison = comparison?;
    if let Some(dir) = &args.out {
        let options = super::recorded_options(&args.input, &args.rules)?;
        write::write_folder(dir, &comparison.results, &comparison.rows, &options)?;
    }
    if let Some(path) = &args.chart {
        output::write_file(
            path,
            write::chart_svg(&comparison.rows, args.input.workload_source())?.into_bytes(),
        )?;
    }
    let report = Report {
        cheapest: comparison.cheapest(),
        scenarios: comparison.rows,
        time_limit_seconds: time_limit.as_secs_f64(),
        seconds: (start.elapsed().as_secs_f64() * 1e3).round() / 1e3,
    };
    let text = match args.format {
        Format::Json => {
            let mut json = serde_json::to_string_pretty(&report)?;
            json.push('\n');
            json
        }
        Format::Table => write::table(&report, args.out.as_deref()),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(if settings.stop.is_requested() {
        super::say_interrupted();
        ExitCode::from(super::INTERRUPTED)
    } else if report.cheapest.is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
