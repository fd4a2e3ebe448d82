//! Comparing one workload's scenarios (see `docs/compare.md`): every network mode on EC2,
//! and Fargate, each planned and checked, with the cost, bound, gap and binding limit of
//! each. `write` turns a comparison into the table, `compare.csv`, folders and chart.
//!
//! Time: the EC2 scenarios are planned at once, each on its own share of the worker
//! threads (at least one) and with 90 % of `--time-limit`, so the whole compare, writing
//! included, ends within the limit. A scenario that proves its plan optimal early frees
//! its cores for the others.

pub mod write;

use std::collections::BTreeMap;

use anyhow::Context as _;
use rayon::prelude::*;
use serde::Serialize;

use crate::ecs::fargate::{FargatePlan, Pricing};
use crate::ecs::lower::Plan;
use crate::ecs::placement::Planned;
use crate::ecs::rules::{Figures, HOURS_PER_MONTH};
use crate::ecs::scenario::{instance_limit, limit_counts, Scenario};
use crate::ecs::workload::Workload;
use crate::engine::{Reporter, Settings};
use crate::output::{money, summary::Summary};
use crate::planner::{self, Inputs, PlanError};

/// The share of `--time-limit` each scenario's solve may take; the rest is for checking
/// and writing.
pub const SOLVE_SHARE: f64 = 0.9;

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

/// Plans `inputs` under every scenario: the EC2 ones in parallel, each with the settings'
/// seed, its share of the threads, [`SOLVE_SHARE`] of the time limit and the reporter
/// `progress` gives it. Results are in `Scenario::ALL` order, with their rows. Fails only
/// on an internal error (a plan that breaks a rule).
pub fn compare(
    inputs: &Inputs,
    settings: &Settings,
    progress: &(dyn Fn(Scenario) -> Option<Reporter> + Sync),
) -> anyhow::Result<Comparison> {
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
    let planned: Vec<anyhow::Result<ScenarioResult>> = pool.install(|| {
        ec2.par_iter()
            .map(|&s| {
                let settings = Settings {
                    progress: progress(s),
                    ..each.clone()
                };
                plan_scenario(inputs, s, &settings)
            })
            .collect()
    });
    let mut results = planned.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    share(inputs, &mut results, settings);
    results.push(ScenarioResult {
        scenario: Scenario::Fargate,
        workload: inputs.workload.clone(),
        figures: Figures {
            eni_trunking: false,
            ..inputs.figures.clone()
        },
        outcome: fargate(&inputs.workload),
    });
    let rows = rows(&results);
    Ok(Comparison { results, rows })
}

/// What one scenario's solve shows about another's. A plan that passes another
/// scenario's own check is a plan of that scenario too (an all-host plan keeps tasks
/// further apart than `none` needs): each scenario takes the cheapest such plan, with a
/// note. And `none` (resources alone) relaxes every other scenario, so its lower bound
/// is one for them all.
fn share(inputs: &Inputs, results: &mut [ScenarioResult], settings: &Settings) {
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
            let rows = planner::rows(plan);
            let report = crate::check::check(&r.workload, &inputs.whole_catalog, &r.figures, &inputs.types, &rows);
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
        prices: inputs.prices.clone(),
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
            let limits = planned.instances.iter().map(|usage| {
                let tasks = planned
                    .plan
                    .instances
                    .iter()
                    .find(|i| i.id == usage.instance_id)
                    .map_or(&[][..], |i| &i.tasks);
                instance_limit(&result.workload, usage, tasks)
            });
            let counts = limit_counts(limits);
            let n = planned.instances.len().max(1) as f64;
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
            row.notes = summary.notes.clone();
        }
        Outcome::Fargate(plan) => {
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

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
