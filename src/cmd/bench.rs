//! `ecsplan bench`: runs the built-in suite, or the `.vbp` instances of a folder, one
//! instance at a time (each solve uses the whole thread pool), prints a progress line per
//! instance on standard error and a summary per family on standard output, and writes the
//! results CSV with `--out`.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

use crate::bench::{self, families, vbp, BenchResult, Status};
use crate::cli::{self, BenchArgs, UsageError};
use crate::engine::Settings;
use crate::input::InputErrors;
use crate::output;

pub fn run(args: &BenchArgs) -> anyhow::Result<ExitCode> {
    if let Some(dir) = &args.write_workloads {
        write_built_in(dir, args)?;
        return Ok(ExitCode::SUCCESS);
    }
    let settings = Settings {
        seed: args.seed,
        threads: args.threads,
        time_limit: cli::time_limit(args.time_limit)?,
        ..Settings::default()
    };
    let results = match &args.vbp {
        Some(dir) => run_vbp(dir, args, &settings)?,
        None => run_built_in(args, &settings)?,
    };
    if let Some(path) = &args.out {
        output::write_file(path, bench::results_csv(&results)?)?;
    }
    let summaries = bench::summarize(&results);
    std::io::stdout()
        .lock()
        .write_all(bench::summary_table(&summaries).as_bytes())?;
    let invalid: Vec<&BenchResult> = results.iter().filter(|r| r.status == Status::Invalid).collect();
    if !invalid.is_empty() {
        let list: Vec<String> = invalid
            .iter()
            .map(|r| format!("{}: {}", r.instance, r.problems.join("; ")))
            .collect();
        anyhow::bail!(
            "internal error: {} benchmark plan(s) are invalid:\n  {}",
            invalid.len(),
            list.join("\n  ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A selection that is empty because of `--filter` is a usage error.
fn nothing_selected(args: &BenchArgs, what: &str) -> UsageError {
    UsageError {
        flag: "--filter",
        cause: format!("no {what} matches `{}`", args.filter.as_deref().unwrap_or("")),
        fix: "give part of an instance name as the results CSV lists it, e.g. `triplet` or `class3`".into(),
    }
}

/// One progress line on standard error: the proven bound is given beside a known
/// optimum too, as it tells a weak bound from a weak search.
fn progress(done: usize, total: usize, r: &BenchResult) {
    let reference = match r.optimum {
        Some(optimum) => format!("optimum {}, bound {}", r.unit.format(optimum), r.unit.format(r.bound)),
        None => format!("bound {}", r.unit.format(r.bound)),
    };
    eprintln!(
        "[{done}/{total}] {}: found {} ({reference}, gap {:.2} %) {} in {:.2} s",
        r.instance,
        r.unit.format(r.found),
        100.0 * r.gap(),
        r.status.as_str(),
        r.seconds
    );
    for p in &r.problems {
        eprintln!("  INVALID: {p}");
    }
}

/// The built-in instances that `--filter` and `--sample` select.
fn select_built_in(args: &BenchArgs) -> anyhow::Result<Vec<families::BuiltIn>> {
    let selected = bench::select(
        families::suite(args.sweep),
        families::BuiltIn::id,
        args.filter.as_deref(),
        args.sample,
    );
    if selected.is_empty() {
        return Err(nothing_selected(args, "built-in instance").into());
    }
    Ok(selected)
}

/// Writes the selected built-in instances as input files, one folder each.
fn write_built_in(dir: &Path, args: &BenchArgs) -> anyhow::Result<()> {
    for instance in select_built_in(args)? {
        let case = instance
            .generate()
            .with_context(|| format!("cannot generate {}", instance.id()))?;
        let folder = dir.join(&instance.family).join(&instance.name);
        output::write_files(
            &folder,
            &[
                ("workload.csv", output::inputs::workload_csv(&case.workload)?),
                ("catalog.csv", output::inputs::catalog_csv(&case.catalog)?),
            ],
        )?;
        eprintln!("wrote {}", folder.display());
    }
    Ok(())
}

fn run_built_in(args: &BenchArgs, settings: &Settings) -> anyhow::Result<Vec<BenchResult>> {
    if args.optima.is_some() {
        return Err(UsageError {
            flag: "--optima",
            cause: "the built-in suite knows its optima by construction".into(),
            fix: "use --optima with --vbp DIR".into(),
        }
        .into());
    }
    let selected = select_built_in(args)?;
    let mut results = Vec::with_capacity(selected.len());
    for (n, instance) in selected.iter().enumerate() {
        let case = instance
            .generate()
            .with_context(|| format!("cannot generate {}", instance.id()))?;
        let result = bench::run_ecs(&instance.family, &instance.name, &case, settings)
            .with_context(|| format!("the generated instance {} has no plan", instance.id()))?;
        progress(n + 1, selected.len(), &result);
        results.push(result);
    }
    Ok(results)
}

fn run_vbp(dir: &Path, args: &BenchArgs, settings: &Settings) -> anyhow::Result<Vec<BenchResult>> {
    let files = vbp::find_vbp_files(dir).map_err(InputErrors::from)?;
    if files.is_empty() {
        return Err(UsageError {
            flag: "--vbp",
            cause: format!("{} holds no .vbp file", dir.display()),
            fix: "give a folder of vector-packing instances, e.g. ../shared/bench/vectorpack/Panigrahy".into(),
        }
        .into());
    }
    let given = args
        .optima
        .as_deref()
        .map(vbp::read_summary)
        .transpose()
        .map_err(InputErrors::from)?;
    let files = match (&given, args.known_only) {
        (Some(summary), true) => known_only(files, summary, args)?,
        _ => files,
    };
    let selected = bench::select(
        files,
        |f| format!("{}/{}", f.family, f.name),
        args.filter.as_deref(),
        args.sample,
    );
    if selected.is_empty() {
        return Err(nothing_selected(args, ".vbp instance").into());
    }
    // Summaries discovered beside each set, read once per folder.
    let mut discovered: BTreeMap<PathBuf, Option<vbp::Summary>> = BTreeMap::new();
    let mut results = Vec::with_capacity(selected.len());
    for (n, file) in selected.iter().enumerate() {
        let instance = vbp::read_vbp(&file.path).map_err(InputErrors::from)?;
        let summary = match &given {
            Some(s) => Some(s),
            None => {
                let folder = file.path.parent().unwrap_or(Path::new(".")).to_path_buf();
                if !discovered.contains_key(&folder) {
                    let found = vbp::discover_summary(&folder)
                        .map(|p| vbp::read_summary(&p))
                        .transpose()
                        .map_err(InputErrors::from)?;
                    discovered.insert(folder.clone(), found);
                }
                discovered[&folder].as_ref()
            }
        };
        let known = summary.and_then(|s| s.get(&file.name));
        let result = bench::run_vbp(&file.family, &file.name, &instance, known, settings);
        progress(n + 1, selected.len(), &result);
        results.push(result);
    }
    Ok(results)
}

/// The files whose optimum `summary` gives (`--known-only`), before `--filter` and
/// `--sample` choose among them.
fn known_only(files: Vec<vbp::VbpFile>, summary: &vbp::Summary, args: &BenchArgs) -> anyhow::Result<Vec<vbp::VbpFile>> {
    let known: Vec<vbp::VbpFile> = files
        .into_iter()
        .filter(|f| summary.get(&f.name).is_some_and(|k| k.optimum.is_some()))
        .collect();
    if known.is_empty() {
        return Err(UsageError {
            flag: "--known-only",
            cause: format!(
                "the summary {} gives the optimum of no .vbp file in the folder",
                args.optima.as_deref().unwrap_or(Path::new("")).display()
            ),
            fix: "give the summary of the same set, e.g. --vbp $B/Panigrahy --optima $B/Panigrahy_summary_known.csv"
                .into(),
        }
        .into());
    }
    Ok(known)
}
