//! Writing a comparison: `compare.csv`, the folder of scenario plans with its
//! `README.txt` of `ecsplan check` commands, the chart, and the terminal table.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;
use comfy_table::Cell;

use super::{Outcome, Report, Row, ScenarioResult};
use crate::ecs::fargate::FargatePlan;
use crate::ecs::rules::{Figures, HOURS_PER_MONTH};
use crate::ecs::scenario::Scenario;
use crate::output::{self, chart, money, table::right};

/// The columns of `compare.csv`.
pub const CSV_HEADER: [&str; 10] = [
    "scenario",
    "instances",
    "cost_per_hour",
    "cost_per_month",
    "lower_bound_per_hour",
    "gap",
    "binding",
    "delta_vs_cheapest",
    "delta_low",
    "delta_high",
];

/// `compare.csv`: one row per scenario, [`CSV_HEADER`] columns. Money with 4 decimals,
/// `gap` as a fraction, `delta_vs_cheapest` and its range `delta_low`..`delta_high` in
/// dollars per month; empty cells where a scenario has no such figure (`instances` on
/// Fargate, everything without a plan).
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
            opt_money(r.delta_low),
            opt_money(r.delta_high),
        ])?;
    }
    Ok(w.into_inner()?)
}

/// The Fargate scenario's `tasks.csv`: each service's size and price.
pub fn fargate_csv(plan: &FargatePlan) -> anyhow::Result<Vec<u8>> {
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
pub fn check_command(dir: &Path, result: &ScenarioResult, catalog: Option<&Path>, types: Option<&str>) -> String {
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
pub fn write_folder(
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

/// How much dearer than the cheapest a scenario is, as a fraction; `None` for the
/// cheapest, for one within rounding of it, and for one without a plan. The table and
/// the chart both read it here.
fn dearer_by(r: &Row) -> Option<f64> {
    match (r.cheapest, r.delta_vs_cheapest, r.delta_vs_cheapest_fraction) {
        (false, Some(d), Some(f)) if d >= 5e-5 => Some(f),
        _ => None,
    }
}

/// The chart of a comparison.
pub fn chart_svg(rows: &[Row], workload: &Path) -> anyhow::Result<String> {
    let bars: Vec<chart::Bar> = rows
        .iter()
        .map(|r| chart::Bar {
            label: r.scenario.to_string(),
            cost_per_month: r.cost_per_month,
            bound_per_month: r.lower_bound_per_hour.map(|b| b * HOURS_PER_MONTH),
            cheapest: r.cheapest,
            dearer_by: dearer_by(r),
            note: r.reason.clone().unwrap_or_default(),
        })
        .collect();
    let name = workload
        .file_name()
        .map_or_else(|| workload.display().to_string(), |n| n.to_string_lossy().into_owned());
    chart::svg(&bars, &format!("{name}: cost per month by scenario"))
}

/// The comparison as a terminal table, then the reasons, notes and time.
pub fn table(report: &Report, out: Option<&Path>) -> String {
    let mut table = output::table::new([
        "scenario",
        "instances",
        "$/hour",
        "$/month",
        "bound $/hour",
        "gap",
        "binding",
        "vs cheapest",
        "range $/month",
    ]);
    let dash = || "-".to_string();
    for r in &report.scenarios {
        let instances = match (r.instances, r.cost_per_hour) {
            (Some(n), _) => n.to_string(),
            (None, Some(_)) => format!("{} tasks", r.tasks),
            (None, None) => dash(),
        };
        let vs = match (r.cheapest, r.delta_vs_cheapest, dearer_by(r)) {
            (true, _, _) => "cheapest".to_string(),
            (false, Some(d), Some(f)) => format!("+${}/mo ({})", money(d), output::dearer_than_cheapest(f)),
            (false, Some(_), None) => "as cheap".to_string(),
            _ => dash(),
        };
        let range = match (r.cheapest, r.delta_low, r.delta_high, r.told_apart) {
            (false, Some(low), Some(high), Some(apart)) => {
                let signed = |x: f64| match x {
                    x if x < 0.0 => format!("-{}", money(-x)),
                    x if x > 0.0 => format!("+{}", money(x)),
                    _ => money(0.0),
                };
                let range = format!("{} … {}", signed(low), signed(high));
                if apart {
                    range
                } else {
                    format!("{range} (not told apart)")
                }
            }
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
            right(range),
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
    let _ = writeln!(
        out_text,
        "range: where the difference of the least costs per month against the cheapest lies, from the bounds; not told apart: it contains zero at these gaps"
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
    use crate::compare::rows;
    use crate::ecs::fargate::{FargateService, TaskSize};
    use crate::ecs::workload::Workload;
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
        assert_eq!(
            lines[1],
            "fargate,,1.0000,730.0000,1.0000,0.000000,,365.0000,365.0000,365.0000"
        );
        assert_eq!(lines[2], "host,,,,,,no plan: service `a`: too big,,,");
    }

    #[test]
    fn the_table_and_the_chart_print_one_rounding_of_the_difference() {
        // 1.0355 lies on a rounding edge: two computations of it used to print 103.5 and
        // 103.6.
        let rows = rows(&[fargate_result(0.20355, 1), fargate_result(0.1, 1)]);
        let shown = output::dearer_than_cheapest(rows[0].delta_vs_cheapest_fraction.unwrap());
        let report = Report {
            cheapest: Some("fargate"),
            scenarios: rows.clone(),
            time_limit_seconds: 1.0,
            seconds: 0.1,
        };
        let table = table(&report, None);
        let chart = chart_svg(&rows, Path::new("w.csv")).unwrap();
        assert!(table.contains(&format!("({shown})")), "{shown} in\n{table}");
        assert!(chart.contains(&format!("({shown})")), "{shown} not in the chart");
        assert_eq!(table.matches(" %)").count(), 1);
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
