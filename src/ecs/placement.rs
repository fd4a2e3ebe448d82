//! What a plan places where, in the shapes every layer above shares: the rows of
//! `placements.csv`, each instance's usage and capacity, and a plan that has passed the
//! independent checker. The checker computes the usage; this module only holds it.

use std::collections::BTreeMap;

use super::lower::Plan;
use super::prices::Overlaid;
use super::rules::Amounts;
use crate::engine::Solved;

/// The columns of `placements.csv`, in order.
pub const COLUMNS: [&str; 4] = ["instance_id", "instance_type", "service", "tasks"];

/// One row of `placements.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacementRow {
    pub instance_id: String,
    pub instance_type: String,
    pub service: String,
    pub tasks: u32,
    /// Line in the placements file (1-based), 0 when the row did not come from a file.
    pub line: u64,
}

/// The placement rows of a plan, as `placements.csv` holds them.
pub fn rows(plan: &Plan) -> Vec<PlacementRow> {
    plan.instances
        .iter()
        .flat_map(|inst| {
            inst.tasks.iter().map(|(service, tasks)| PlacementRow {
                instance_id: inst.id.clone(),
                instance_type: inst.instance_type.clone(),
                service: service.clone(),
                tasks: *tasks,
                line: 0,
            })
        })
        .collect()
}

/// Each instance's zone, by instance id (empty without zones).
pub fn zones(plan: &Plan) -> BTreeMap<String, String> {
    plan.instances
        .iter()
        .filter_map(|i| i.zone.clone().map(|z| (i.id.clone(), z)))
        .collect()
}

/// What one instance uses and offers.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceUsage {
    pub instance_id: String,
    pub instance_type: String,
    pub price_usd_hour: f64,
    pub used: Amounts,
    pub capacity: Amounts,
    /// Static host ports bound on the instance, ascending.
    pub host_ports: Vec<u16>,
}

/// The cost per hour of a fleet.
pub fn cost_per_hour(instances: &[InstanceUsage]) -> f64 {
    instances.iter().map(|i| i.price_usd_hour).sum()
}

/// A plan that has passed the checker, with what the solver proved about it.
#[derive(Debug, Clone)]
pub struct Planned {
    pub plan: Plan,
    pub solved: Solved,
    /// The checker's recomputed usage per instance, in plan order.
    pub instances: Vec<InstanceUsage>,
    /// Things the user should know about this plan.
    pub notes: Vec<String>,
    /// Per service in workload order, the desired count to set in ECS (`None` for a
    /// daemon); given when zones are planned or daemons run.
    pub desired_counts: Option<Vec<(String, Option<u32>)>>,
    /// The price overlay the plan was priced with.
    pub prices: Option<Overlaid>,
}

impl Planned {
    /// The fleet's cost per hour, from the checker's usage.
    pub fn cost_per_hour(&self) -> f64 {
        cost_per_hour(&self.instances)
    }
}
