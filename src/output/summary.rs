//! `summary.json`: what a plan costs, what bounds it, and how long it took.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::ecs::options::PlanOptions;
use crate::ecs::placement::Planned;
use crate::ecs::prices::PriceChange;
use crate::ecs::rules::HOURS_PER_MONTH;
use crate::engine::Settings;

/// The plan summary (`docs/outputs.md`), printed by `--format json` and written to
/// `summary.json`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    /// `optimal` when the plan is proven least-cost; `interrupted` when an interrupt stopped
    /// the search first; else `feasible`.
    pub status: &'static str,
    pub cost_per_hour: f64,
    pub cost_per_month: f64,
    pub instances: u64,
    /// Instance type → count, by type name.
    pub instance_counts: BTreeMap<String, u64>,
    /// The zones planned, in the order given (absent without zones).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<String>,
    /// Zone → instance type → count (absent without zones).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub instance_counts_by_zone: BTreeMap<String, BTreeMap<String, u64>>,
    /// Service → the desired count to set: the tasks placed (with `--survive-zone-loss`,
    /// more than `count`), or `daemon`. Present with zones or daemons.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desired_counts: Option<BTreeMap<String, DesiredCount>>,
    pub tasks: u64,
    pub lower_bound_per_hour: f64,
    pub gap: f64,
    pub solve_seconds: f64,
    pub first_plan_seconds: f64,
    pub seed: u64,
    pub notes: Vec<String>,
    /// The rule options and catalog the plan was made under, for `check`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Box<PlanOptions>>,
    pub ecsplan_version: &'static str,
    /// The `--prices` overlay, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_overlay: Option<Box<PriceOverlaySummary>>,
}

/// Which catalog prices a `--prices` overlay replaced.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PriceOverlaySummary {
    /// The overlay file as given.
    pub file: String,
    /// How many types of the catalog the overlay priced.
    pub types_overridden: usize,
    /// The overridden prices of the types in the plan, by type name.
    pub in_plan: Vec<PriceChange>,
}

/// A service's desired count: a number of tasks, or `daemon`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum DesiredCount {
    Tasks(u32),
    Daemon(&'static str),
}

/// Rounds money to the 4 decimals it is printed with.
fn cents4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

impl Summary {
    pub fn new(planned: &Planned, settings: &Settings) -> Summary {
        let solved = &planned.solved;
        let mut instance_counts = BTreeMap::new();
        for inst in &planned.plan.instances {
            *instance_counts.entry(inst.instance_type.clone()).or_insert(0) += inst.copies;
        }
        let mut instance_counts_by_zone: BTreeMap<String, BTreeMap<String, u64>> = planned
            .plan
            .zones
            .iter()
            .map(|z| (z.clone(), BTreeMap::new()))
            .collect();
        for inst in &planned.plan.instances {
            if let Some(zone) = &inst.zone {
                *instance_counts_by_zone
                    .entry(zone.clone())
                    .or_default()
                    .entry(inst.instance_type.clone())
                    .or_insert(0) += inst.copies;
            }
        }
        let desired_counts = planned.desired_counts.as_ref().map(|counts| {
            counts
                .iter()
                .map(|(service, n)| {
                    let n = n.map_or(DesiredCount::Daemon("daemon"), DesiredCount::Tasks);
                    (service.clone(), n)
                })
                .collect()
        });
        let cost = planned.cost_per_hour();
        Summary {
            status: if solved.is_optimal() {
                "optimal"
            } else if solved.interrupted {
                "interrupted"
            } else {
                "feasible"
            },
            cost_per_hour: cents4(cost),
            cost_per_month: cents4(cost * HOURS_PER_MONTH),
            instances: planned.plan.instance_count(),
            zones: planned.plan.zones.clone(),
            instance_counts_by_zone,
            desired_counts,
            tasks: planned
                .plan
                .instances
                .iter()
                .flat_map(|i| i.tasks.iter().map(move |(_, n)| u64::from(*n) * i.copies))
                .sum(),
            lower_bound_per_hour: cents4_floor(solved.lower_bound),
            gap: (solved.gap() * 1e6).round() / 1e6,
            solve_seconds: (solved.seconds * 1e3).round() / 1e3,
            first_plan_seconds: (solved.first_plan_seconds * 1e3).round() / 1e3,
            seed: settings.seed,
            notes: planned.notes.clone(),
            options: None,
            ecsplan_version: env!("CARGO_PKG_VERSION"),
            price_overlay: planned.prices.as_ref().map(|overlaid| {
                Box::new(PriceOverlaySummary {
                    file: overlaid.file.clone(),
                    types_overridden: overlaid.changes.len(),
                    in_plan: overlaid
                        .changes
                        .iter()
                        .filter(|c| instance_counts.contains_key(&c.instance_type))
                        .cloned()
                        .collect(),
                })
            }),
            instance_counts,
        }
    }

    /// The summary with the options the plan was made under.
    pub fn with_options(self, options: PlanOptions) -> Summary {
        Summary {
            options: Some(Box::new(options)),
            ..self
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut text = serde_json::to_vec_pretty(self).expect("a summary serializes");
        text.push(b'\n');
        text
    }
}

/// Rounds a bound down, so that the printed bound is still a bound.
pub fn cents4_floor(x: f64) -> f64 {
    ((x * 1e4) + 1e-9).floor() / 1e4
}
