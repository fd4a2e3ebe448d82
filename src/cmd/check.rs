//! `ecsplan check`: verifies a plan folder against the workload, catalog and rule options,
//! independently of the planner. Options not given take the values the plan's
//! `summary.json` records; a value given that differs from the recorded one wins, with a
//! warning naming both.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum as _;

use crate::check;
use crate::cli::{CheckArgs, InputArgs, RuleArgs, Switch, UsageError};
use crate::ecs::options::{PlanOptions, BUILT_IN_SOURCE};
use crate::ecs::placement;
use crate::input;
use crate::output::money;

pub fn run(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let recorded = input::summary::recorded_options(&args.plan).unwrap_or_else(|cause| {
        eprintln!("warning: {cause}; checking under the options given here");
        None
    });
    let (input_args, rule_args) = match &recorded {
        Some(recorded) => under_recorded(args, recorded)?,
        None => (args.input.clone(), args.rules.clone()),
    };
    let inputs = super::load_inputs(&input_args, &rule_args)?;
    if let Some(recorded) = &recorded {
        let used = input::summary::catalog_source(input_args.catalog.as_deref())?;
        if used.sha256 != recorded.catalog.sha256 {
            eprintln!(
                "warning: the catalog `{}` (SHA-256 {}) differs from the one the plan was made with, `{}` (SHA-256 {}); checking with `{}`",
                used.source, used.sha256, recorded.catalog.source, recorded.catalog.sha256, used.source
            );
        }
    }
    let placements = args.plan.join("placements.csv");
    let zoned = inputs.figures.zones.is_zoned();
    let (instances, tasks) = match (!zoned).then(|| grouped_rows(&placements)).transpose()? {
        Some(Some(grouped)) => grouped,
        // Zones come from instances.csv by id, and a file whose instances' rows are not
        // consecutive cannot be grouped as it is read: every row is kept.
        _ => {
            let rows = input::placements::read(&placements)?;
            let tasks: u64 = rows.iter().map(|r| u64::from(r.tasks)).sum();
            let zones = if zoned {
                Some(input::instances::read_zones(&args.plan.join("instances.csv"))?)
            } else {
                None
            };
            (placement::by_instance(rows, zones.as_ref()), tasks)
        }
    };
    let mut report = check::check_instances(
        &inputs.workload,
        &inputs.whole_catalog,
        &inputs.figures,
        &inputs.types,
        &instances,
    );
    if zoned {
        report.violations.extend(check::zones::check(
            &inputs.workload,
            &inputs.whole_catalog,
            &inputs.figures,
            &instances,
        ));
    }
    let mut out = std::io::stdout().lock();
    if report.is_valid() {
        writeln!(
            out,
            "valid: {} instances, {} tasks, ${}/hour",
            report.instance_count(),
            tasks,
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

/// The instances of a placements file with identical ones grouped (the same rows but for
/// the id: type, service and tasks, in order), each group named by its first instance and
/// its rows, with the tasks in all; read row by row, so a file of millions of instances
/// takes memory for its distinct instances and one number per id. `None` when an
/// instance's rows are not consecutive in the file (or two ids hash alike): the caller
/// then reads every row.
fn grouped_rows(path: &std::path::Path) -> Result<Option<(Vec<placement::InstanceRows>, u64)>, input::InputErrors> {
    use std::collections::{HashMap, HashSet};
    use std::hash::{BuildHasher as _, RandomState};
    type Content = Vec<(String, String, u32)>;
    let hasher = RandomState::new();
    let mut finished: HashSet<u64> = HashSet::new();
    let mut index: HashMap<Content, usize> = HashMap::new();
    let mut groups: Vec<placement::InstanceRows> = Vec::new();
    let mut current: Vec<placement::PlacementRow> = Vec::new();
    let mut tasks = 0u64;
    let mut broken = false;
    let mut close = |rows: &mut Vec<placement::PlacementRow>, finished: &mut HashSet<u64>| {
        let Some(first) = rows.first() else {
            return true;
        };
        if !finished.insert(hasher.hash_one(&first.instance_id)) {
            return false;
        }
        let content: Content = rows
            .iter()
            .map(|r| (r.instance_type.clone(), r.service.clone(), r.tasks))
            .collect();
        match index.get(&content) {
            Some(&g) => groups[g].copies += 1,
            None => {
                index.insert(content, groups.len());
                groups.push(placement::InstanceRows {
                    instance_id: first.instance_id.clone(),
                    copies: 1,
                    zone: None,
                    rows: std::mem::take(rows),
                });
            }
        }
        rows.clear();
        true
    };
    input::placements::read_each(path, |row| {
        if broken {
            return;
        }
        tasks += u64::from(row.tasks);
        if current.first().is_some_and(|r| r.instance_id != row.instance_id) && !close(&mut current, &mut finished) {
            broken = true;
        }
        current.push(row);
    })?;
    if broken || !close(&mut current, &mut finished) {
        return Ok(None);
    }
    Ok(Some((groups, tasks)))
}

/// The catalog and rule options to check under: each one given on the command line as
/// given (with a warning when it differs from the recorded value), each other one as
/// recorded. A field recorded by a newer version is one more `adopt` line here.
fn under_recorded(args: &CheckArgs, recorded: &PlanOptions) -> Result<(InputArgs, RuleArgs), UsageError> {
    let mut input = args.input.clone();
    let mut rules = args.rules.clone();
    let given = |id: &str| args.given.iter().any(|g| g == id);
    let adopt = |flag: &str, id: &str, current: String, recorded: String| {
        if !given(id) {
            return recorded;
        }
        if current != recorded {
            eprintln!("warning: {flag}: the plan was made with `{recorded}`; checking with `{current}` as given");
        }
        current
    };
    let trunking = adopt(
        "--eni-trunking",
        "eni_trunking",
        rules.eni_trunking.name().into(),
        recorded.eni_trunking.clone(),
    );
    rules.eni_trunking = Switch::from_str(&trunking, true).map_err(|_| recorded_error("--eni-trunking", &trunking))?;
    let headroom = adopt(
        "--headroom",
        "headroom",
        rules.headroom.to_string(),
        recorded.headroom.to_string(),
    );
    rules.headroom = headroom.parse().map_err(|_| recorded_error("--headroom", &headroom))?;
    let types = adopt(
        "--types",
        "types",
        rules.types.clone().unwrap_or_default(),
        recorded.types.clone().unwrap_or_default(),
    );
    rules.types = Some(types).filter(|t| !t.is_empty());
    let pct = adopt(
        "--memory-overhead-pct",
        "memory_overhead_pct",
        rules.memory_overhead_pct.to_string(),
        recorded.memory_overhead_pct.to_string(),
    );
    rules.memory_overhead_pct = pct.parse().map_err(|_| recorded_error("--memory-overhead-pct", &pct))?;
    let reserved = adopt(
        "--reserved-memory-mib",
        "reserved_memory_mib",
        rules.reserved_memory_mib.to_string(),
        recorded.reserved_memory_mib.to_string(),
    );
    rules.reserved_memory_mib = reserved
        .parse()
        .map_err(|_| recorded_error("--reserved-memory-mib", &reserved))?;
    rules.dynamic_port_range = adopt(
        "--dynamic-port-range",
        "dynamic_port_range",
        rules.dynamic_port_range.clone(),
        recorded.dynamic_port_range.clone(),
    );
    let zones = adopt(
        "--zones",
        "zones",
        rules.zones.clone().unwrap_or_default(),
        recorded.zones.clone().unwrap_or_default(),
    );
    rules.zones = Some(zones).filter(|z| !z.is_empty());
    let survive = adopt(
        "--survive-zone-loss",
        "survive_zone_loss",
        rules.survive_zone_loss.to_string(),
        recorded.survive_zone_loss.to_string(),
    );
    rules.survive_zone_loss = survive == "true";
    // The catalog: given, it is used (its bytes are compared with the recorded SHA-256 by
    // the caller); not given, the recorded one is read again.
    if !given("catalog") && recorded.catalog.source != BUILT_IN_SOURCE {
        let path = PathBuf::from(&recorded.catalog.source);
        if !path.is_file() {
            return Err(UsageError {
                flag: "--catalog",
                cause: format!(
                    "the plan was made with the catalog `{}`, which is not there to read",
                    recorded.catalog.source
                ),
                fix: "pass --catalog with that file (or another one, to check the plan against it)".into(),
            });
        }
        input.catalog = Some(path);
    }
    Ok((input, rules))
}

/// A recorded value that is not one the flag takes: the summary was edited by hand.
fn recorded_error(flag: &'static str, value: &str) -> UsageError {
    UsageError {
        flag,
        cause: format!("the plan's summary.json records `{value}`, which is not a value of this flag"),
        fix: format!("give {flag} on the command line"),
    }
}
