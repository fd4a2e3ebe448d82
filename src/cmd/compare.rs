//! `ecsplan compare`: the same workload planned under each scenario of SPEC section 5 —
//! every network mode on EC2, and Fargate — with the cost, bound, gap and binding limit
//! of each, as a table, JSON, `compare.csv`, one plan folder per scenario and a chart.
//!
//! Time: the EC2 scenarios are planned at once, each on its own share of the worker
//! threads (at least one) and with 90 % of `--time-limit`, so the whole compare, writing
//! included, ends within the limit. A scenario that proves its plan optimal early frees
//! its cores for the others.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use rayon::prelude::*;
use serde::Serialize;

use super::Inputs;
use crate::cli::{CompareArgs, Format};
use crate::ecs::fargate::{FargatePlan, Pricing};
use crate::ecs::rules::{Figures, HOURS_PER_MONTH};
use crate::ecs::scenario::{instance_limit, limit_counts, Scenario};
use crate::ecs::workload::Workload;
use crate::engine::Settings;
use crate::output::{self, chart, money, summary::Summary};
use crate::planner::{self, PlanError, Planned};

/// The share of `--time-limit` each scenario's solve may take; the rest is for checking
/// and writing.
pub const SOLVE_SHARE: f64 = 0.9;

/// The columns of `compare.csv`.
pub const CSV_HEADER: [&str; 8] = [
    "scenario",
    "instances",
    "cost_per_hour",
    "cost_per_month",
    "lower_bound_per_hour",
    "gap",
    "binding",
    "delta_vs_cheapest",
];

/// How one scenario came out.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A checked EC2 plan of the scenario's workload.
    Ec2(Box<Planned>, Summary),
    /// Every task priced on Fargate.
    Fargate(FargatePlan),
    /// Why the scenario has no plan.
    NoPlan(String),
}

/// One scenario of a comparison.
#[derive(Debug, Clone)]
pub struct ScenarioResult {
    pub scenario: Scenario,
    /// The workload as the scenario runs it (for Fargate, as declared).
    pub workload: Workload,
    /// The rule figures it was planned with: the flags', with the scenario's trunking.
    pub figures: Figures,
    pub outcome: Outcome,
}

/// One row of the comparison: what `compare.csv`, the table and the JSON report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Row {
    pub scenario: &'static str,
    /// `optimal`, `feasible`, or `no plan`.
    pub status: &'static str,
    /// EC2 instances; `None` on Fargate (no instances) and without a plan.
    pub instances: Option<usize>,
    pub tasks: u64,
    pub cost_per_hour: Option<f64>,
    pub cost_per_month: Option<f64>,
    pub lower_bound_per_hour: Option<f64>,
    pub gap: Option<f64>,
    /// The limit that binds the most instances, with its share: `memory 64 %`.
    pub binding: String,
    /// Share of the instances that each limit binds, by limit name.
    pub binding_shares: BTreeMap<&'static str, f64>,
    /// Cost per month above the cheapest scenario's, in dollars.
    pub delta_vs_cheapest: Option<f64>,
    /// The same as a fraction of the cheapest scenario's cost.
    pub delta_vs_cheapest_fraction: Option<f64>,
    pub cheapest: bool,
    pub eni_trunking: bool,
    pub solve_seconds: Option<f64>,
    /// Why there is no plan.
    pub reason: Option<String>,
    pub notes: Vec<String>,
}

/// The whole comparison, as `--format json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub cheapest: Option<&'static str>,
    pub scenarios: Vec<Row>,
    pub time_limit_seconds: f64,
    pub seconds: f64,
}

pub fn run(args: &CompareArgs) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let inputs = super::load_inputs(&args.input, &args.rules)?;
    let settings = args.solver.settings()?;
    let results = compare(&inputs, &settings)?;
    let rows = rows(&results);
    if let Some(dir) = &args.out {
        write_folder(
            dir,
            &results,
            &rows,
            args.input.catalog.as_deref(),
            args.rules.types.as_deref(),
        )?;
    }
    if let Some(path) = &args.chart {
        output::write_file(path, chart_svg(&rows, &args.input.workload).into_bytes())?;
    }
    let report = Report {
        cheapest: rows.iter().find(|r| r.cheapest).map(|r| r.scenario),
        scenarios: rows,
        time_limit_seconds: settings.time_limit.as_secs_f64(),
        seconds: (start.elapsed().as_secs_f64() * 1e3).round() / 1e3,
    };
    let text = match args.format {
        Format::Json => {
            let mut json = serde_json::to_string_pretty(&report)?;
            json.push('\n');
            json
        }
        Format::Table => table(&report, args.out.as_deref()),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(if report.cheapest.is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Plans `inputs` under every scenario: the EC2 ones in parallel, each with the settings'
/// seed, its share of the threads and [`SOLVE_SHARE`] of the time limit. Results are in
/// `Scenario::ALL` order. Fails only on an internal error (a plan that breaks a rule).
pub fn compare(inputs: &Inputs, settings: &Settings) -> anyhow::Result<Vec<ScenarioResult>> {
    let ec2: Vec<Scenario> = Scenario::ALL.into_iter().filter(|s| *s != Scenario::Fargate).collect();
    let threads = match settings.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let each = Settings {
        threads: (threads / ec2.len()).max(1),
        time_limit: settings.time_limit.mul_f64(SOLVE_SHARE),
        ..settings.clone()
    };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(ec2.len()).build()?;
    let planned: Vec<anyhow::Result<ScenarioResult>> =
        pool.install(|| ec2.par_iter().map(|&s| plan_scenario(inputs, s, &each)).collect());
    let mut results = planned.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    share(inputs, &mut results, settings);
    // Fargate spreads a service's tasks over zones by itself and runs no daemons: it is
    // priced for the tasks a plan places (N to survive a zone's loss), daemons left out.
    // A daemon's count is 0, so it is never priced.
    let mut on_fargate = inputs.workload.clone();
    for s in &mut on_fargate.services {
        s.count = inputs.figures.zones.placed(s.count);
    }
    results.push(ScenarioResult {
        scenario: Scenario::Fargate,
        outcome: fargate(&on_fargate),
        workload: on_fargate,
        figures: Figures {
            eni_trunking: false,
            ..inputs.figures.clone()
        },
    });
    Ok(results)
}

/// What one scenario's solve shows about another's. A plan that passes another
/// scenario's own check is a plan of that scenario too (an all-host plan keeps tasks
/// further apart than `none` needs): each scenario takes the cheapest such plan, with a
/// note. And `none` (resources alone) relaxes every other scenario, so its lower bound
/// is one for them all.
fn share(inputs: &Inputs, results: &mut [ScenarioResult], settings: &Settings) {
    let mut plans: Vec<(f64, Scenario, crate::ecs::lower::Plan)> = results
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Ec2(p, _) => Some((p.report.cost_per_hour(), r.scenario, p.plan.clone())),
            _ => None,
        })
        .collect();
    plans.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let relaxed = results.iter().find_map(|r| match &r.outcome {
        Outcome::Ec2(p, _) if r.scenario == Scenario::None => Some(p.solved.lower_bound),
        _ => None,
    });
    for r in results.iter_mut() {
        let Outcome::Ec2(planned, summary) = &mut r.outcome else {
            continue;
        };
        let own = planned.report.cost_per_hour();
        for (cost, from, plan) in plans
            .iter()
            .filter(|(cost, from, _)| *from != r.scenario && *cost < own - 1e-9)
        {
            let rows = planner::rows(plan);
            let mut report = crate::check::check(&r.workload, &inputs.whole_catalog, &r.figures, &inputs.types, &rows);
            let zones = planner::zones(plan);
            report.violations.extend(crate::check::zones::check(
                &r.workload,
                &inputs.whole_catalog,
                &r.figures,
                &rows,
                &zones,
            ));
            if report.is_valid() {
                // `solved.packing` stays the scenario's own solve: nothing after planning
                // reads it; the plan, its check and its cost are what is reported.
                planned.plan = plan.clone();
                planned.report = report;
                planned.solved.cost = *cost;
                planned.notes.push(format!(
                    "the plan found for scenario {from} also passes this scenario's check and is cheaper: it is used here"
                ));
                break;
            }
        }
        if let Some(bound) = relaxed {
            planned.solved.lower_bound = planned.solved.lower_bound.max(bound).min(planned.solved.cost);
        }
        *summary = Summary::new(planned, settings);
    }
}

/// The Fargate scenario: every task priced, or why some cannot run there and what the
/// others would cost.
fn fargate(workload: &Workload) -> Outcome {
    let pricing = Pricing::built_in();
    let refused = match pricing.plan(workload) {
        Ok(plan) => return Outcome::Fargate(plan),
        Err(refused) => refused,
    };
    // Services that cannot run there, grouped by why; what the others would cost first,
    // so that a shortened note (the chart's) still says it.
    let mut why: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (service, reason) in refused.iter() {
        why.entry(reason.to_string()).or_default().push(format!("`{service}`"));
    }
    let mut reason: Vec<String> = Vec::new();
    let eligible: Vec<_> = workload
        .services
        .iter()
        .filter(|s| s.count > 0)
        .filter_map(|s| pricing.service(s).ok())
        .collect();
    if !eligible.is_empty() {
        let cost = FargatePlan { services: eligible }.cost_per_hour();
        reason.push(format!(
            "the services that can run there would cost ${}/hour (${}/month)",
            money(cost),
            money(cost * HOURS_PER_MONTH)
        ));
    }
    for (because, services) in why {
        let noun = if services.len() == 1 { "service" } else { "services" };
        reason.push(format!("{noun} {}: {because}", services.join(", ")));
    }
    Outcome::NoPlan(reason.join("; "))
}

/// Plans one EC2 scenario.
fn plan_scenario(inputs: &Inputs, scenario: Scenario, settings: &Settings) -> anyhow::Result<ScenarioResult> {
    let rewritten = scenario.rewrite(&inputs.workload).expect("an EC2 scenario");
    let figures = Figures {
        eni_trunking: rewritten.eni_trunking.unwrap_or(inputs.figures.eni_trunking),
        ..inputs.figures.clone()
    };
    let scenario_inputs = Inputs {
        workload: rewritten.workload,
        catalog: inputs.catalog.clone(),
        whole_catalog: inputs.whole_catalog.clone(),
        figures,
        types: inputs.types.clone(),
    };
    let outcome = match planner::plan(&scenario_inputs, settings) {
        Ok(planned) => {
            let summary = Summary::new(&planned, settings);
            Outcome::Ec2(Box::new(planned), summary)
        }
        Err(PlanError::NoPlan(no_plan)) => Outcome::NoPlan(no_plan.reasons.join("; ")),
        Err(e @ PlanError::CheckFailed(_)) => return Err(e).context(format!("scenario {scenario}")),
    };
    Ok(ScenarioResult {
        scenario,
        workload: scenario_inputs.workload,
        figures: scenario_inputs.figures,
        outcome,
    })
}

/// The rows of a comparison, with the binding limits and the deltas from the cheapest.
pub fn rows(results: &[ScenarioResult]) -> Vec<Row> {
    let mut rows: Vec<Row> = results.iter().map(row).collect();
    let cheapest = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.cost_per_hour.map(|c| (i, c)))
        .fold(None, |best: Option<(usize, f64)>, (i, c)| match best {
            Some((_, b)) if b <= c => best,
            _ => Some((i, c)),
        });
    if let Some((best, cost)) = cheapest {
        rows[best].cheapest = true;
        for r in &mut rows {
            if let Some(c) = r.cost_per_hour {
                r.delta_vs_cheapest = Some(round4((c - cost) * HOURS_PER_MONTH));
                r.delta_vs_cheapest_fraction = Some(if cost > 0.0 { round6((c - cost) / cost) } else { 0.0 });
            }
        }
    }
    rows
}

fn row(result: &ScenarioResult) -> Row {
    let tasks = result.workload.services.iter().map(|s| u64::from(s.count)).sum();
    let mut row = Row {
        scenario: result.scenario.name(),
        status: "no plan",
        instances: None,
        tasks,
        cost_per_hour: None,
        cost_per_month: None,
        lower_bound_per_hour: None,
        gap: None,
        binding: String::new(),
        binding_shares: BTreeMap::new(),
        delta_vs_cheapest: None,
        delta_vs_cheapest_fraction: None,
        cheapest: false,
        eni_trunking: result.figures.eni_trunking,
        solve_seconds: None,
        reason: None,
        notes: Vec::new(),
    };
    match &result.outcome {
        Outcome::Ec2(planned, summary) => {
            let limits = planned.report.instances.iter().map(|usage| {
                let tasks = planned
                    .plan
                    .instances
                    .iter()
                    .find(|i| i.id == usage.instance_id)
                    .map_or(&[][..], |i| &i.tasks);
                instance_limit(&result.workload, usage, tasks)
            });
            let counts = limit_counts(limits);
            let n = planned.report.instances.len().max(1) as f64;
            row.binding = counts.first().map_or(String::new(), |(l, c)| {
                format!("{} {:.0} %", l.name(), 100.0 * *c as f64 / n)
            });
            for (limit, count) in &counts {
                *row.binding_shares.entry(limit.name()).or_default() += round6(*count as f64 / n);
            }
            row.status = summary.status;
            row.instances = Some(summary.instances);
            row.cost_per_hour = Some(summary.cost_per_hour);
            row.cost_per_month = Some(summary.cost_per_month);
            row.lower_bound_per_hour = Some(summary.lower_bound_per_hour);
            row.gap = Some(summary.gap);
            row.solve_seconds = Some(summary.solve_seconds);
            row.tasks = summary.tasks;
            row.notes = summary.notes.clone();
        }
        Outcome::Fargate(plan) => {
            row.notes = fargate_notes(result);
            let cost = plan.cost_per_hour();
            row.status = "optimal";
            row.cost_per_hour = Some(round4(cost));
            row.cost_per_month = Some(round4(cost * HOURS_PER_MONTH));
            row.lower_bound_per_hour = Some(round4(cost));
            row.gap = Some(0.0);
        }
        Outcome::NoPlan(reason) => {
            row.binding = format!("no plan: {reason}");
            row.reason = Some(reason.clone());
        }
    }
    row
}

/// What the Fargate row leaves out or adds: daemons (Fargate has none) and, with
/// `--survive-zone-loss`, the tasks priced beyond `count`.
fn fargate_notes(result: &ScenarioResult) -> Vec<String> {
    let mut notes = Vec::new();
    let daemons: Vec<String> = result
        .workload
        .services
        .iter()
        .filter(|s| s.is_daemon())
        .map(|s| format!("`{}`", s.name))
        .collect();
    if !daemons.is_empty() {
        notes.push(format!(
            "Fargate has no daemon services: {} left out of this row",
            daemons.join(", ")
        ));
    }
    let zones = &result.figures.zones;
    if zones.survive_zone_loss {
        notes.push(format!(
            "priced for the tasks that survive the loss of one of {} zones (the desired counts of the EC2 plans); Fargate spreads them over the zones itself",
            zones.count()
        ));
    }
    notes
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// `compare.csv`: one row per scenario, [`CSV_HEADER`] columns. Money with 4 decimals,
/// `gap` as a fraction, `delta_vs_cheapest` in dollars per month; empty cells where a
/// scenario has no such figure (`instances` on Fargate, everything without a plan).
pub fn to_csv(rows: &[Row]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER)?;
    let opt_money = |x: Option<f64>| x.map(money).unwrap_or_default();
    for r in rows {
        w.write_record([
            r.scenario.to_string(),
            r.instances.map(|n| n.to_string()).unwrap_or_default(),
            opt_money(r.cost_per_hour),
            opt_money(r.cost_per_month),
            opt_money(r.lower_bound_per_hour),
            r.gap.map(|g| format!("{g:.6}")).unwrap_or_default(),
            r.binding.clone(),
            opt_money(r.delta_vs_cheapest),
        ])?;
    }
    Ok(w.into_inner()?)
}

/// The Fargate scenario's `tasks.csv`: each service's size and price.
fn fargate_csv(plan: &FargatePlan) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "service",
        "tasks",
        "arch",
        "fargate_cpu",
        "fargate_memory_mib",
        "usd_per_task_hour",
        "usd_per_hour",
    ])?;
    for s in &plan.services {
        w.write_record([
            s.service.as_str(),
            &s.count.to_string(),
            s.arch.as_str(),
            &s.size.cpu.to_string(),
            &s.size.memory_mib.to_string(),
            &format!("{:.6}", s.usd_per_task_hour),
            &money(f64::from(s.count) * s.usd_per_task_hour),
        ])?;
    }
    Ok(w.into_inner()?)
}

/// The `ecsplan check` command that verifies a scenario's plan folder: the scenario's
/// workload, the same catalog and `--types`, and the scenario's figures where they differ
/// from the defaults.
fn check_command(dir: &Path, result: &ScenarioResult, catalog: Option<&Path>, types: Option<&str>) -> String {
    let sub = dir.join(result.scenario.name());
    let quote = |p: &Path| shell_word(&p.display().to_string());
    let mut cmd = format!(
        "ecsplan check --workload {} --plan {}",
        quote(&sub.join("workload.csv")),
        quote(&sub)
    );
    if let Some(c) = catalog {
        let _ = write!(cmd, " --catalog {}", quote(c));
    }
    if let Some(t) = types {
        let _ = write!(cmd, " --types {}", shell_word(t));
    }
    let (f, default) = (&result.figures, Figures::default());
    if f.eni_trunking {
        cmd.push_str(" --eni-trunking on");
    }
    if f.headroom != default.headroom {
        let _ = write!(cmd, " --headroom {}", f.headroom);
    }
    if f.memory_overhead_pct != default.memory_overhead_pct {
        let _ = write!(cmd, " --memory-overhead-pct {}", f.memory_overhead_pct);
    }
    if f.reserved_memory_mib != default.reserved_memory_mib {
        let _ = write!(cmd, " --reserved-memory-mib {}", f.reserved_memory_mib);
    }
    if f.dynamic_port_range != default.dynamic_port_range {
        let (lo, hi) = f.dynamic_port_range;
        let _ = write!(cmd, " --dynamic-port-range {lo}-{hi}");
    }
    if f.zones.is_zoned() {
        let _ = write!(cmd, " --zones {}", shell_word(&f.zones.names.join(",")));
    }
    if f.zones.survive_zone_loss {
        cmd.push_str(" --survive-zone-loss");
    }
    cmd
}

/// A word for a POSIX shell, quoted when it needs to be.
fn shell_word(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@".contains(c))
    {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// Writes `compare.csv`, `README.txt` and one folder per scenario: an EC2 plan folder
/// (`placements.csv`, `instances.csv`, `summary.json`) with the scenario's `workload.csv`,
/// which `ecsplan check` accepts; the Fargate prices (`tasks.csv`, `summary.json`); or,
/// without a plan, the workload and `no_plan.txt`.
fn write_folder(
    dir: &Path,
    results: &[ScenarioResult],
    rows: &[Row],
    catalog: Option<&Path>,
    types: Option<&str>,
) -> anyhow::Result<()> {
    let mut readme = String::from(
        "ecsplan compare: compare.csv has one row per scenario; each folder holds that scenario's plan.\n\
         Each EC2 plan checks with its own workload.csv, the same catalog and rule flags, and the\n\
         scenario's ENI trunking:\n\n",
    );
    for (result, row) in results.iter().zip(rows) {
        let sub = dir.join(result.scenario.name());
        // Files of an earlier run that this outcome does not rewrite would mislead.
        let stale: &[&str] = match &result.outcome {
            Outcome::Ec2(..) => &["no_plan.txt", "tasks.csv"],
            Outcome::Fargate(_) => &["no_plan.txt", "placements.csv", "instances.csv", "workload.csv"],
            Outcome::NoPlan(_) => &["placements.csv", "instances.csv", "summary.json", "tasks.csv"],
        };
        for name in stale {
            let path = sub.join(name);
            if path.is_file() {
                std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
            }
        }
        match &result.outcome {
            Outcome::Ec2(planned, summary) => {
                output::write_plan(&sub, planned, summary)?;
                output::write_files(
                    &sub,
                    &[("workload.csv", output::inputs::workload_csv(&result.workload)?)],
                )?;
                let _ = writeln!(
                    readme,
                    "{:<16} {}",
                    result.scenario.name(),
                    check_command(dir, result, catalog, types)
                );
            }
            Outcome::Fargate(plan) => {
                let summary = serde_json::to_vec_pretty(&serde_json::json!({
                    "status": row.status,
                    "cost_per_hour": row.cost_per_hour,
                    "cost_per_month": row.cost_per_month,
                    "tasks": plan.tasks(),
                    "lower_bound_per_hour": row.lower_bound_per_hour,
                    "gap": row.gap,
                }))?;
                output::write_files(&sub, &[("tasks.csv", fargate_csv(plan)?), ("summary.json", summary)])?;
                let _ = writeln!(
                    readme,
                    "{:<16} no instances: tasks.csv prices each service's tasks",
                    "fargate"
                );
            }
            Outcome::NoPlan(reason) => {
                let mut files = vec![("no_plan.txt", format!("{reason}\n").into_bytes())];
                if result.scenario != Scenario::Fargate {
                    files.push(("workload.csv", output::inputs::workload_csv(&result.workload)?));
                }
                output::write_files(&sub, &files)?;
                let _ = writeln!(readme, "{:<16} no plan: see no_plan.txt", result.scenario.name());
            }
        }
    }
    output::write_files(
        dir,
        &[("compare.csv", to_csv(rows)?), ("README.txt", readme.into_bytes())],
    )
}

/// The chart of a comparison.
fn chart_svg(rows: &[Row], workload: &Path) -> String {
    let bars: Vec<chart::Bar> = rows
        .iter()
        .map(|r| chart::Bar {
            label: r.scenario.to_string(),
            cost_per_month: r.cost_per_month,
            bound_per_month: r.lower_bound_per_hour.map(|b| b * HOURS_PER_MONTH),
            cheapest: r.cheapest,
            note: r.reason.clone().unwrap_or_default(),
        })
        .collect();
    let name = workload
        .file_name()
        .map_or_else(|| workload.display().to_string(), |n| n.to_string_lossy().into_owned());
    chart::svg(&bars, &format!("{name}: cost per month by scenario"))
}

/// The comparison as a terminal table, then the reasons, notes and time.
fn table(report: &Report, out: Option<&Path>) -> String {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header([
        "scenario",
        "instances",
        "$/hour",
        "$/month",
        "bound $/hour",
        "gap",
        "binding",
        "vs cheapest",
    ]);
    let right = |text: String| Cell::new(text).set_alignment(CellAlignment::Right);
    let dash = || "-".to_string();
    for r in &report.scenarios {
        let instances = match (r.instances, r.cost_per_hour) {
            (Some(n), _) => n.to_string(),
            (None, Some(_)) => format!("{} tasks", r.tasks),
            (None, None) => dash(),
        };
        let vs = match (r.cheapest, r.delta_vs_cheapest, r.delta_vs_cheapest_fraction) {
            (true, _, _) => "cheapest".to_string(),
            (false, Some(d), _) if d < 5e-5 => "as cheap".to_string(),
            (false, Some(d), Some(f)) => format!("+${}/mo (+{})", money(d), output::percent(f)),
            _ => dash(),
        };
        let binding = if r.reason.is_some() {
            "no plan (below)".to_string()
        } else if r.binding.is_empty() {
            dash()
        } else {
            r.binding.clone()
        };
        table.add_row(vec![
            Cell::new(if r.eni_trunking && r.scenario != "awsvpc-trunking" {
                format!("{} (trunking)", r.scenario)
            } else {
                r.scenario.to_string()
            }),
            right(instances),
            right(r.cost_per_hour.map_or_else(dash, money)),
            right(r.cost_per_month.map_or_else(dash, money)),
            right(r.lower_bound_per_hour.map_or_else(dash, money)),
            right(r.gap.map_or_else(dash, |g| format!("{:.2} %", 100.0 * g))),
            Cell::new(binding),
            right(vs),
        ]);
    }
    let mut out_text = table.to_string();
    out_text.push('\n');
    for r in report.scenarios.iter().filter(|r| r.reason.is_some()) {
        let _ = writeln!(
            out_text,
            "{}: no plan: {}",
            r.scenario,
            r.reason.as_deref().unwrap_or("")
        );
    }
    // The same note from several scenarios is said once.
    let mut notes: Vec<(&str, Vec<&str>)> = Vec::new();
    for r in &report.scenarios {
        for n in &r.notes {
            match notes.iter_mut().find(|(text, _)| text == n) {
                Some((_, who)) => who.push(r.scenario),
                None => notes.push((n, vec![r.scenario])),
            }
        }
    }
    for (text, who) in notes {
        let _ = writeln!(out_text, "note ({}): {text}", who.join(", "));
    }
    let _ = writeln!(
        out_text,
        "binding: the limit that stops more tasks on the most instances, and the share of instances it binds"
    );
    if let Some(dir) = out {
        let _ = writeln!(
            out_text,
            "wrote {}: compare.csv and one plan folder per scenario; README.txt gives the `ecsplan check` command for each (awsvpc-trunking needs --eni-trunking on)",
            dir.display()
        );
    }
    let _ = writeln!(
        out_text,
        "{} scenarios in {:.2} s (time limit {} s)",
        report.scenarios.len(),
        report.seconds,
        report.time_limit_seconds
    );
    out_text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::fargate::{FargateService, TaskSize};
    use crate::ecs::workload::{CpuArch, ImageArch, NetworkMode, Service};

    fn service(name: &str, mode: NetworkMode, ports: &[u16]) -> Service {
        Service {
            count: 2,
            arch: ImageArch::Only(CpuArch::Arm64),
            instance_types: vec!["m6g.*".into(), "c6g.x?large".into()],
            distinct_instance: true,
            ..Service::sample(name, mode, ports)
        }
    }

    #[test]
    fn a_written_workload_reads_back_the_same_in_every_scenario() {
        let w = Workload {
            services: vec![
                service("web", NetworkMode::Host, &[80, 443]),
                service("api", NetworkMode::Bridge, &[8080, 0]),
                Service {
                    arch: ImageArch::Any,
                    distinct_instance: false,
                    ..service("svc", NetworkMode::Awsvpc, &[])
                },
                Service {
                    instance_types: vec![],
                    ..service("batch", NetworkMode::Default, &[0])
                },
            ],
        };
        for scenario in Scenario::ALL.into_iter().filter(|s| *s != Scenario::Fargate) {
            let rewritten = scenario.rewrite(&w).unwrap().workload;
            let text = String::from_utf8(output::inputs::workload_csv(&rewritten).unwrap()).unwrap();
            let mut back = crate::input::parse_workload(&text, "workload.csv").unwrap();
            for s in &mut back.services {
                s.line = 0;
            }
            assert_eq!(back, rewritten, "{scenario}");
        }
    }

    fn fargate_result(cost_per_task: f64, count: u32) -> ScenarioResult {
        ScenarioResult {
            scenario: Scenario::Fargate,
            workload: Workload {
                services: vec![Service {
                    count,
                    ..service("a", NetworkMode::Awsvpc, &[])
                }],
            },
            figures: Figures::default(),
            outcome: Outcome::Fargate(FargatePlan {
                services: vec![FargateService {
                    service: "a".into(),
                    count,
                    size: TaskSize {
                        cpu: 256,
                        memory_mib: 512,
                    },
                    arch: CpuArch::Arm64,
                    usd_per_task_hour: cost_per_task,
                }],
            }),
        }
    }

    #[test]
    fn the_cheapest_row_sets_the_deltas_and_rows_without_a_plan_have_none() {
        let no_plan = ScenarioResult {
            scenario: Scenario::Host,
            workload: Workload::default(),
            figures: Figures::default(),
            outcome: Outcome::NoPlan("service `a`: too big".into()),
        };
        let rows = rows(&[
            fargate_result(0.5, 2),
            no_plan,
            fargate_result(0.25, 2),
            fargate_result(0.25, 2),
        ]);
        assert_eq!(
            rows.iter().map(|r| r.cheapest).collect::<Vec<_>>(),
            [false, false, true, false]
        );
        assert_eq!(rows[0].delta_vs_cheapest, Some(365.0));
        assert_eq!(rows[0].delta_vs_cheapest_fraction, Some(1.0));
        assert_eq!(rows[3].delta_vs_cheapest, Some(0.0));
        assert_eq!(
            (rows[1].status, rows[1].delta_vs_cheapest, rows[1].cost_per_hour),
            ("no plan", None, None)
        );
        assert_eq!(rows[1].binding, "no plan: service `a`: too big");
        assert_eq!(
            (rows[0].cost_per_hour, rows[0].lower_bound_per_hour, rows[0].gap),
            (Some(1.0), Some(1.0), Some(0.0))
        );
        assert_eq!(rows[0].instances, None);
        let csv = String::from_utf8(to_csv(&rows).unwrap()).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], CSV_HEADER.join(","));
        assert_eq!(lines[1], "fargate,,1.0000,730.0000,1.0000,0.000000,,365.0000");
        assert_eq!(lines[2], "host,,,,,,no plan: service `a`: too big,");
    }

    #[test]
    fn the_check_command_repeats_the_flags_that_matter() {
        let mut result = fargate_result(0.1, 1);
        result.scenario = Scenario::AwsvpcTrunking;
        result.figures = Figures {
            eni_trunking: true,
            headroom: 0.15,
            reserved_memory_mib: 256,
            dynamic_port_range: (32768, 60999),
            ..Figures::default()
        };
        let cmd = check_command(
            Path::new("my out"),
            &result,
            Some(Path::new("cat.csv")),
            Some("m6i.*;c6i.*"),
        );
        assert_eq!(
            cmd,
            "ecsplan check --workload 'my out/awsvpc-trunking/workload.csv' --plan 'my out/awsvpc-trunking' \
             --catalog cat.csv --types 'm6i.*;c6i.*' --eni-trunking on --headroom 0.15 --reserved-memory-mib 256 \
             --dynamic-port-range 32768-60999"
        );
        result.figures = Figures::default();
        assert_eq!(
            check_command(Path::new("o"), &result, None, None),
            "ecsplan check --workload o/awsvpc-trunking/workload.csv --plan o/awsvpc-trunking"
        );
    }
}
