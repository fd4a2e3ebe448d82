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

/// The placement rows of a plan, as `placements.csv` holds them: one per service on each
/// instance, every instance of a group written out, made as they are read.
pub fn rows(plan: &Plan) -> impl Iterator<Item = PlacementRow> + '_ {
    plan.instances.iter().flat_map(move |inst| {
        (inst.number..inst.number + inst.copies).flat_map(move |number| {
            let id = plan.id(number);
            inst.tasks.iter().map(move |(service, tasks)| PlacementRow {
                instance_id: id.clone(),
                instance_type: inst.instance_type.clone(),
                service: service.clone(),
                tasks: *tasks,
                line: 0,
            })
        })
    })
}

/// The rows of one instance, or of several alike (the same type, zone and rows): the
/// checker's unit, checked once and counted `copies` times.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceRows {
    /// The id of the instance (the first of them); what a finding names.
    pub instance_id: String,
    /// How many instances alike, at least 1.
    pub copies: u64,
    /// The instance's zone as given (the `zone` column of `instances.csv`).
    pub zone: Option<String>,
    /// The instance's rows, all with `instance_id`.
    pub rows: Vec<PlacementRow>,
}

/// A plan's instances as the checker takes them: one entry per group of identical
/// instances, named by its first id.
pub fn instance_rows(plan: &Plan) -> Vec<InstanceRows> {
    plan.instances
        .iter()
        .map(|inst| {
            let id = plan.id(inst.number);
            InstanceRows {
                rows: inst
                    .tasks
                    .iter()
                    .map(|(service, tasks)| PlacementRow {
                        instance_id: id.clone(),
                        instance_type: inst.instance_type.clone(),
                        service: service.clone(),
                        tasks: *tasks,
                        line: 0,
                    })
                    .collect(),
                instance_id: id,
                copies: inst.copies,
                zone: inst.zone.clone(),
            }
        })
        .collect()
}

/// Groups rows by instance id (instances in order of first appearance, one each) and
/// gives each its zone from `zone_of`, when there is one.
pub fn by_instance(rows: Vec<PlacementRow>, zone_of: Option<&BTreeMap<String, String>>) -> Vec<InstanceRows> {
    let mut order: Vec<InstanceRows> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = Default::default();
    for row in rows {
        let i = *index.entry(row.instance_id.clone()).or_insert_with(|| {
            order.push(InstanceRows {
                instance_id: row.instance_id.clone(),
                copies: 1,
                zone: zone_of.and_then(|z| z.get(&row.instance_id).cloned()),
                rows: Vec::new(),
            });
            order.len() - 1
        });
        order[i].rows.push(row);
    }
    order
}

/// What one instance uses and offers (each of `copies` identical instances).
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceUsage {
    /// The id of the instance, the first of them when `copies` > 1.
    pub instance_id: String,
    /// How many identical instances this stands for, at least 1.
    pub copies: u64,
    pub instance_type: String,
    /// The instance's zone, when one was given.
    pub zone: Option<String>,
    pub price_usd_hour: f64,
    pub used: Amounts,
    pub capacity: Amounts,
    /// Static host ports bound on the instance, ascending.
    pub host_ports: Vec<u16>,
}

/// The cost per hour of a fleet.
pub fn cost_per_hour(instances: &[InstanceUsage]) -> f64 {
    instances.iter().map(|i| i.price_usd_hour * i.copies as f64).sum()
}

/// How many instances a fleet has, counting every copy.
pub fn instance_count(instances: &[InstanceUsage]) -> u64 {
    instances.iter().map(|i| i.copies).sum()
}

/// A plan that has passed the checker, with what the solver proved about it.
#[derive(Debug, Clone)]
pub struct Planned {
    pub plan: Plan,
    pub solved: Solved,
    /// The checker's recomputed usage per group of identical instances, in plan order
    /// (one per entry of `plan.instances`).
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
