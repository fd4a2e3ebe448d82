//! Comparing one workload's scenarios (see `docs/compare.md`): every network mode on EC2,
//! and Fargate, each planned and checked, with the cost, bound, gap and binding limit of
//! each. `write` turns a comparison into the table, `compare.csv`, folders and chart.
//!
//! Time and threads (`schedule`): the EC2 scenarios run in lanes that together hold no
//! more than `--threads` solver threads, within 90 % of `--time-limit`, so the whole
//! compare, writing included, ends within the limit. Half of that time plans every
//! scenario; the rest goes to those whose difference from the cheapest is not yet told
//! apart by their bounds. Each scenario's time covers its lowering and check as well as
//! its solve; on large workloads the time to describe the plans, and to write them, is
//! kept back too, and checks of plans against other scenarios stop in time for it.

pub mod schedule;
pub mod write;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::Serialize;

use crate::ecs::fargate::{FargatePlan, Pricing};
use crate::ecs::lower::Plan;
use crate::ecs::placement::Planned;
use crate::ecs::rules::{Figures, HOURS_PER_MONTH};
use crate::ecs::scenario::{instance_limit, limit_counts, Scenario};
use crate::ecs::workload::{Service, Workload};
use crate::engine::{Reporter, Settings};
use crate::output::{money, summary::Summary};
use crate::planner::{self, Inputs, PlanError};

/// The share of `--time-limit` each scenario's solve may take; the rest is for checking
/// and writing.
pub const SOLVE_SHARE: f64 = 0.9;

/// The share of the solve time the first round (every EC2 scenario) may take; the rest
/// goes to the scenarios whose difference from the cheapest is not told apart yet, or
/// else to those not proven optimal, and is not spent when every one is.
pub const FIRST_ROUND_SHARE: f64 = 0.5;

/// The least time left worth a second round: below it a solve barely passes its
/// heuristics. A scenario planned again also needs the time its lowering and check took
/// in the first round on top of this, and no less than its whole first plan took: with
/// the same seed, less time finds no better plan or bound.
const MIN_SECOND_ROUND: Duration = Duration::from_millis(500);

/// The share of the time left to the second round that checking plans against other
/// scenarios may take before it: those checks only refine which scenarios the second
/// round plans again.
const CROSS_CHECK_SHARE: f64 = 0.1;

/// Time to check one row of a plan (the services of one group of instances) against a
/// scenario, with a margin: a cross-check is started only when it should end in time.
const CHECK_SECONDS_PER_ROW: f64 = 5e-6;

/// Time to describe one row of a plan once the solves are done (its binding limit, its
/// copy for the cross-checks), with a margin: kept back from the time limit.
const FINISH_SECONDS_PER_ROW: f64 = 1e-6;

/// The time to keep back from `limit` for writing every EC2 scenario's plan into the
/// folder of `--out`: [`planner::write_reserve`] for each, never more than half the
/// limit.
pub fn write_reserve(inputs: &Inputs, limit: Duration) -> Duration {
    let scenarios = Scenario::ALL.len() - 1;
    (planner::write_reserve(inputs, limit) * scenarios as u32).min(limit / 2)
}

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
    pub instances: Option<u64>,
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
    /// Where the difference of the least costs of this scenario and the cheapest one
    /// lies, in dollars per month: from this scenario's bound less the cheapest's cost
    /// (`delta_low`) to this scenario's cost less the cheapest's bound (`delta_high`).
    /// Both 0 on the cheapest row.
    pub delta_low: Option<f64>,
    pub delta_high: Option<f64>,
    /// `false` when that range has room on both sides of zero: at these gaps, either
    /// scenario may be the cheaper. `None` without a plan.
    pub told_apart: Option<bool>,
    pub cheapest: bool,
    pub eni_trunking: bool,
    pub solve_seconds: Option<f64>,
    /// Why there is no plan.
    pub reason: Option<String>,
    pub notes: Vec<String>,
}

/// A whole comparison: each scenario's outcome and its row, in `Scenario::ALL` order.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub results: Vec<ScenarioResult>,
    pub rows: Vec<Row>,
}

impl Comparison {
    /// The cheapest scenario's name; `None` when no scenario has a plan.
    pub fn cheapest(&self) -> Option<&'static str> {
        self.rows.iter().find(|r| r.cheapest).map(|r| r.scenario)
    }
}

/// The whole comparison, as `--format json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub cheapest: Option<&'static str>,
    pub scenarios: Vec<Row>,
    pub time_limit_seconds: f64,
    pub seconds: f64,
}

/// Plans `inputs` under every scenario, and spends the time where it decides the answer.
///
/// The solves take [`SOLVE_SHARE`] of the time limit, in two rounds on the lanes of
/// [`schedule`] (never more solver threads than `settings.threads`; 0 = one per core).
/// The first round plans every EC2 scenario within [`FIRST_ROUND_SHARE`] of that time. A
/// scenario whose difference from the cheapest is not told apart yet (its range, see
/// [`Row::delta_low`], contains zero) and is not proven optimal, with the cheapest
/// itself when it is not, is planned again in the second round, which shares all the time
/// left among them alone (when every difference is told apart, among all the scenarios
/// not proven optimal): the better plan and the higher bound of the two runs are kept.
/// When every solve ends before its limit, nothing depends on timing and the comparison
/// is the same for a given seed. Each solve reports to the reporter `progress` gives its
/// scenario. Results are in `Scenario::ALL` order, with their rows. Fails only on an
/// internal error (a plan that breaks a rule).
pub fn compare(
    inputs: &Inputs,
    settings: &Settings,
    progress: &(dyn Fn(Scenario) -> Option<Reporter> + Sync),
) -> anyhow::Result<Comparison> {
    let start = Instant::now();
    let ec2: Vec<Scenario> = Scenario::ALL.into_iter().filter(|s| *s != Scenario::Fargate).collect();
    let threads = match settings.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let budget = settings.time_limit.mul_f64(SOLVE_SHARE);
    // The least time worth planning each scenario again, from its first plan.
    let worth: Mutex<BTreeMap<Scenario, Duration>> = Mutex::new(BTreeMap::new());
    let worth_of = |scenario: Scenario| worth.lock().expect("no lane panics").get(&scenario).copied();
    // A round plans each scenario given, except one planned before whose time limit is
    // less than its first plan makes worth it.
    let round = |scenarios: &[Scenario], deadline: Instant| -> anyhow::Result<Vec<ScenarioResult>> {
        schedule::run(scenarios, threads, deadline, |&scenario, threads, time_limit| {
            if worth_of(scenario).is_some_and(|least| time_limit < least) {
                return Ok(None);
            }
            let solver = Settings {
                threads,
                time_limit,
                progress: progress(scenario),
                ..settings.clone()
            };
            let began = Instant::now();
            let result = plan_scenario(inputs, scenario, &solver)?;
            let solving = match &result.outcome {
                Outcome::Ec2(planned, _) => Duration::from_secs_f64(planned.solved.seconds),
                _ => Duration::ZERO,
            };
            let least = worth_again(began.elapsed(), solving);
            worth.lock().expect("no lane panics").insert(scenario, least);
            Ok(Some(result))
        })
        .into_iter()
        .filter_map(anyhow::Result::transpose)
        .collect()
    };
    let mut results = round(&ec2, start + budget.mul_f64(FIRST_ROUND_SHARE))?;
    // The solves end in time for what follows them to end by the limit.
    let deadline = start + budget.min(settings.time_limit.saturating_sub(finish_time(&results)));
    // Without the exact method a solve ends as soon as its heuristics do: a second run
    // with the same seed would find the same plans.
    let again = if settings.exact {
        let left = deadline.saturating_duration_since(Instant::now());
        let checks_end = Instant::now() + left.mul_f64(CROSS_CHECK_SHARE);
        undecided(&finish(inputs, results.clone(), settings, checks_end).rows)
    } else {
        Vec::new()
    };
    if !again.is_empty() && deadline.saturating_duration_since(Instant::now()) >= MIN_SECOND_ROUND {
        let second = round(&again, deadline)?;
        for result in second {
            let first = results
                .iter_mut()
                .find(|r| r.scenario == result.scenario)
                .expect("planned in the first round");
            keep_better(first, result);
        }
    }
    let checks_end = start + settings.time_limit.saturating_sub(finish_time(&results));
    Ok(finish(inputs, results, settings, checks_end))
}

/// The least time limit worth planning a scenario again when its first plan `took` that
/// long, `solving` of it in the solve: all it took (with the same seed, less time finds
/// no better plan or bound), and at least its lowering and check plus
/// [`MIN_SECOND_ROUND`].
fn worth_again(took: Duration, solving: Duration) -> Duration {
    took.max(took.saturating_sub(solving) + MIN_SECOND_ROUND)
}

/// The time to keep back for turning `results` into a comparison once the solves and
/// the cross-checks are done, in proportion to the plans' rows.
fn finish_time(results: &[ScenarioResult]) -> Duration {
    let rows: usize = results
        .iter()
        .map(|r| match &r.outcome {
            Outcome::Ec2(planned, _) => planned.plan.group_rows(),
            _ => 0,
        })
        .sum();
    Duration::from_secs_f64(rows as f64 * FINISH_SECONDS_PER_ROW)
}

/// The scenarios worth more time: each EC2 scenario not proven optimal whose range
/// against the cheapest contains zero, with the cheapest when it is not proven optimal
/// either; when every difference is told apart, each EC2 scenario not proven optimal
/// (a narrower range for each).
fn undecided(rows: &[Row]) -> Vec<Scenario> {
    let open: Vec<&Row> = rows
        .iter()
        .filter(|r| r.status == "feasible" && r.scenario != Scenario::Fargate.name())
        .collect();
    let contested = rows.iter().any(|r| r.told_apart == Some(false));
    open.into_iter()
        .filter(|r| !contested || r.told_apart == Some(false) || r.cheapest)
        .filter_map(|r| Scenario::parse(r.scenario))
        .collect()
}

/// Merges a scenario's second run into its first: the cheaper plan, the higher of the two
/// bounds (each is a bound on the same least cost), the time of both.
fn keep_better(first: &mut ScenarioResult, second: ScenarioResult) {
    let (Outcome::Ec2(kept, _), Outcome::Ec2(again, _)) = (&mut first.outcome, second.outcome) else {
        return;
    };
    let bound = kept.solved.lower_bound.max(again.solved.lower_bound);
    let seconds = kept.solved.seconds + again.solved.seconds;
    if again.cost_per_hour() < kept.cost_per_hour() - 1e-9 {
        *kept = again;
    }
    kept.solved.lower_bound = bound.min(kept.solved.cost);
    kept.solved.seconds = seconds;
    kept.notes.push(
        "planned twice, the second time with the time that proven scenarios left: the better plan and the higher bound are kept"
            .into(),
    );
}

/// The comparison from the EC2 results: plans and bounds shared between scenarios (plans
/// tried until `deadline`), Fargate priced, and the rows.
fn finish(inputs: &Inputs, mut results: Vec<ScenarioResult>, settings: &Settings, deadline: Instant) -> Comparison {
    share(inputs, &mut results, settings, deadline);
    // Fargate spreads a service's tasks over zones by itself and runs no daemons: it is
    // priced for the tasks a plan places (N to survive a zone's loss). A daemon's count
    // is 0, so it is never priced.
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
    let rows = rows(&results);
    Comparison { results, rows }
}

/// What one scenario's solve shows about another's. A plan that passes another
/// scenario's own check is a plan of that scenario too (an all-host plan keeps tasks
/// further apart than `none` needs): each scenario takes the cheapest such plan, with a
/// note. And `none` (resources alone) relaxes every other scenario, so its lower bound
/// is one for them all. Checking a plan against another scenario takes time on large
/// plans: none is tried that would not end by `deadline` (as estimated from its rows),
/// and the scenarios left untried say so.
fn share(inputs: &Inputs, results: &mut [ScenarioResult], settings: &Settings, deadline: Instant) {
    let mut plans: Vec<(f64, Scenario, Plan)> = results
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Ec2(p, _) => Some((p.cost_per_hour(), r.scenario, p.plan.clone())),
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
        let own = planned.cost_per_hour();
        for (cost, from, plan) in plans
            .iter()
            .filter(|(cost, from, _)| *from != r.scenario && *cost < own - 1e-9)
        {
            let checking = Duration::from_secs_f64(plan.group_rows() as f64 * CHECK_SECONDS_PER_ROW);
            if Instant::now() + checking >= deadline {
                planned.notes.push(
                    "the time limit was reached before the cheaper plans of other scenarios were checked against this one"
                        .into(),
                );
                break;
            }
            let instances = planner::instance_rows(plan);
            let mut report = crate::check::check_instances(
                &r.workload,
                &inputs.whole_catalog,
                &r.figures,
                &inputs.types,
                &instances,
            );
            report.violations.extend(crate::check::zones::check(
                &r.workload,
                &inputs.whole_catalog,
                &r.figures,
                &instances,
            ));
            if report.is_valid() {
                // `solved.packing` stays the scenario's own solve: nothing after planning
                // reads it; the plan, its check and its cost are what is reported.
                planned.plan = plan.clone();
                planned.instances = report.instances;
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
        reason.push(format!("{noun} {}: {because}", crate::ecs::some_names(&services)));
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
        prices: inputs.prices.clone(),
    };
    let outcome = match planner::plan(&scenario_inputs, settings) {
        Ok(mut planned) => {
            planned.notes.extend(rewritten.notes);
            let summary = Summary::new(&planned, settings);
            Outcome::Ec2(Box::new(planned), summary)
        }
        Err(PlanError::NoPlan(no_plan)) => Outcome::NoPlan(
            no_plan
                .reasons
                .iter()
                .chain(&rewritten.notes)
                .cloned()
                .collect::<Vec<_>>()
                .join("; "),
        ),
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
    deltas(&mut rows);
    rows
}

/// Marks the cheapest row and sets each row's delta from it, with the delta's range.
fn deltas(rows: &mut [Row]) {
    let cheapest = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.cost_per_hour.map(|c| (i, c)))
        .fold(None, |best: Option<(usize, f64)>, (i, c)| match best {
            Some((_, b)) if b <= c => best,
            _ => Some((i, c)),
        });
    let Some((best, cost)) = cheapest else {
        return;
    };
    rows[best].cheapest = true;
    let best_bound = rows[best].lower_bound_per_hour.unwrap_or(cost);
    for (i, r) in rows.iter_mut().enumerate() {
        let (Some(c), Some(bound)) = (r.cost_per_hour, r.lower_bound_per_hour) else {
            continue;
        };
        r.delta_vs_cheapest = Some(round4((c - cost) * HOURS_PER_MONTH));
        r.delta_vs_cheapest_fraction = Some(if cost > 0.0 { round6((c - cost) / cost) } else { 0.0 });
        let (low, high) = if i == best {
            (0.0, 0.0)
        } else {
            (
                round4((bound - cost) * HOURS_PER_MONTH),
                round4((c - best_bound) * HOURS_PER_MONTH),
            )
        };
        r.delta_low = Some(low);
        r.delta_high = Some(high);
        r.told_apart = Some(!(low < 0.0 && high > 0.0));
    }
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
        delta_low: None,
        delta_high: None,
        told_apart: None,
        cheapest: false,
        eni_trunking: result.figures.eni_trunking,
        solve_seconds: None,
        reason: None,
        notes: Vec::new(),
    };
    match &result.outcome {
        Outcome::Ec2(planned, summary) => {
            // The checker's usage has one entry per group of the plan, in its order. A plan
            // has up to one group per task: its services are found by name in a map.
            let by_name: HashMap<&str, &Service> =
                result.workload.services.iter().map(|s| (s.name.as_str(), s)).collect();
            let limits = planned
                .instances
                .iter()
                .zip(&planned.plan.instances)
                .map(|(usage, group)| {
                    let services: Vec<&Service> = group
                        .tasks
                        .iter()
                        .filter_map(|(name, _)| by_name.get(name.as_str()).copied())
                        .collect();
                    (instance_limit(&services, usage), usage.copies)
                });
            let counts = limit_counts(limits);
            let n = crate::ecs::placement::instance_count(&planned.instances).max(1) as f64;
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
            crate::ecs::some_names(&daemons)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A row of `scenario` with a plan of `cost` and `bound` per hour.
    fn planned_row(scenario: Scenario, cost: f64, bound: f64) -> Row {
        let mut r = row(&ScenarioResult {
            scenario,
            workload: Workload::default(),
            figures: Figures::default(),
            outcome: Outcome::NoPlan(String::new()),
        });
        r.status = if cost - bound <= 1e-6 * cost {
            "optimal"
        } else {
            "feasible"
        };
        r.reason = None;
        r.cost_per_hour = Some(cost);
        r.lower_bound_per_hour = Some(bound);
        r
    }

    #[test]
    fn deltas_were_stated_without_their_range() {
        let mut rows = vec![
            planned_row(Scenario::Declared, 1.02, 0.97),
            planned_row(Scenario::Host, 1.00, 0.95),
            planned_row(Scenario::Bridge, 1.50, 1.40),
            planned_row(Scenario::None, 1.00, 1.00),
        ];
        deltas(&mut rows);
        assert_eq!(
            rows.iter().map(|r| r.cheapest).collect::<Vec<_>>(),
            [false, true, false, false]
        );
        // declared: from (0.97 − 1.00) × 730 to (1.02 − 0.95) × 730: either may be cheaper.
        assert_eq!(rows[0].delta_vs_cheapest, Some(14.6));
        assert_eq!((rows[0].delta_low, rows[0].delta_high), (Some(-21.9), Some(51.1)));
        assert_eq!(rows[0].told_apart, Some(false));
        assert_eq!(
            (rows[1].delta_low, rows[1].delta_high, rows[1].told_apart),
            (Some(0.0), Some(0.0), Some(true))
        );
        // bridge: from (1.40 − 1.00) × 730 = 292 to (1.50 − 0.95) × 730 = 401.5.
        assert_eq!((rows[2].delta_low, rows[2].delta_high), (Some(292.0), Some(401.5)));
        assert_eq!(rows[2].told_apart, Some(true));
        // none costs what host costs and is proven optimal: its least cost is at least
        // host's plan, so it cannot be the cheaper one (the range starts at zero).
        assert_eq!((rows[3].delta_low, rows[3].delta_high), (Some(0.0), Some(36.5)));
        assert_eq!(rows[3].told_apart, Some(true));
    }

    #[test]
    fn a_scenario_is_planned_again_only_with_more_time_than_its_first_plan_took() {
        let ms = Duration::from_millis;
        // A solve of 2 s in a plan of 3 s: nothing under 3 s is worth it.
        assert_eq!(worth_again(ms(3000), ms(2000)), ms(3000));
        // A plan of 1.2 s that spent 1 s lowering and checking: that, and half a second.
        assert_eq!(worth_again(ms(1200), ms(200)), ms(1500));
        assert_eq!(worth_again(Duration::ZERO, Duration::ZERO), MIN_SECOND_ROUND);
    }

    #[test]
    fn the_fargate_row_names_ten_daemons_then_counts_the_rest() {
        use crate::ecs::workload::{NetworkMode, Scheduling};
        let services = (1..=12)
            .map(|i| Service {
                count: 0,
                scheduling: Scheduling::Daemon,
                ..Service::sample(&format!("d{i}"), NetworkMode::Bridge, &[])
            })
            .collect();
        let notes = fargate_notes(&ScenarioResult {
            scenario: Scenario::Fargate,
            workload: Workload { services },
            figures: Figures::default(),
            outcome: Outcome::NoPlan(String::new()),
        });
        assert_eq!(
            notes,
            ["Fargate has no daemon services: `d1`, `d2`, `d3`, `d4`, `d5`, `d6`, `d7`, `d8`, `d9`, `d10` and 2 more left out of this row"]
        );
    }

    #[test]
    fn the_time_left_goes_to_the_scenarios_not_told_apart_and_the_cheapest() {
        let mut rows = vec![
            planned_row(Scenario::Declared, 1.02, 0.97),
            planned_row(Scenario::Host, 1.00, 0.95),
            planned_row(Scenario::Bridge, 1.50, 1.40),
        ];
        deltas(&mut rows);
        assert_eq!(undecided(&rows), [Scenario::Declared, Scenario::Host]);
        // Everything told apart: whatever is not proven optimal gets it.
        let mut rows = vec![
            planned_row(Scenario::Host, 1.00, 1.00),
            planned_row(Scenario::Bridge, 1.50, 1.40),
            planned_row(Scenario::None, 2.00, 2.00),
        ];
        deltas(&mut rows);
        assert_eq!(undecided(&rows), [Scenario::Bridge]);
        // All proven: no second round.
        rows[1].status = "optimal";
        assert!(undecided(&rows).is_empty());
    }
}
