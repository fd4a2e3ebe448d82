//! `ecsplan compare`: reads the flags, runs the comparison (`crate::compare`) and prints
//! it as a table or JSON, with `compare.csv`, the scenario folders and the chart on request.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use crate::cli::{CompareArgs, Format};
use crate::compare::{self, write, Report};
use crate::{input, output};

pub fn run(args: &CompareArgs) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    super::check_writable("--out", args.out.as_deref(), true)?;
    super::check_writable("--chart", args.chart.as_deref(), false)?;
    let inputs = super::load_inputs(&args.input, &args.rules)?;
    let settings = args.solver.settings()?;
    super::stop_on_interrupt(&settings.stop)?;
    let comparison = compare::compare(&inputs, &settings)?;
    if let Some(dir) = &args.out {
        let catalog = input::summary::catalog_source(args.input.catalog.as_deref())?;
        write::write_folder(dir, &comparison.results, &comparison.rows, &args.rules.options(catalog))?;
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
        time_limit_seconds: settings.time_limit.as_secs_f64(),
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
