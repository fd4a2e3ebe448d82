//! The independent plan checker. It recomputes every instance's usage from the placement
//! rows and the input files alone, sharing only the table of ECS figures
//! (`crate::ecs::rules`) with the planner, and lists every rule a plan breaks.

pub mod daemons;
pub mod zones;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::ecs::catalog::Catalog;
use crate::ecs::rules::{self, Amounts, Figures, Resource, TypePatterns};
use crate::ecs::workload::Workload;

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

/// What one instance uses and offers, recomputed by the checker.
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

/// The checker's findings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckReport {
    /// Instances in order of first appearance.
    pub instances: Vec<InstanceUsage>,
    /// Every broken rule, in a stable order; empty for a valid plan.
    pub violations: Vec<String>,
}

impl CheckReport {
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }

    pub fn cost_per_hour(&self) -> f64 {
        self.instances.iter().map(|i| i.price_usd_hour).sum()
    }
}

/// Checks placement rows against the workload, catalog and rules. `types` is the
/// `--types` restriction (empty allows every type of the catalog).
pub fn check(
    workload: &Workload,
    catalog: &Catalog,
    figures: &Figures,
    types: &TypePatterns,
    rows: &[PlacementRow],
) -> CheckReport {
    let mut violations = Vec::new();
    let at = |row: &PlacementRow| {
        if row.line > 0 {
            format!("line {}: ", row.line)
        } else {
            String::new()
        }
    };
    let services: HashMap<&str, usize> = workload
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    let filters: Vec<Option<TypePatterns>> = workload
        .services
        .iter()
        .map(|s| TypePatterns::new(&s.instance_types).ok())
        .collect();

    let mut order: Vec<&str> = Vec::new();
    let mut by_instance: HashMap<&str, Vec<&PlacementRow>> = HashMap::new();
    for row in rows {
        let rows_of = by_instance.entry(&row.instance_id).or_insert_with(|| {
            order.push(&row.instance_id);
            Vec::new()
        });
        rows_of.push(row);
    }

    let mut placed = vec![0u64; workload.services.len()];
    let mut instances = Vec::with_capacity(order.len());
    for id in order {
        let rows_of = &by_instance[id];
        let type_name = &rows_of[0].instance_type;
        let Some(t) = catalog.find(type_name) else {
            violations.push(format!(
                "{}instance {id}: type `{type_name}` is not in the catalog",
                at(rows_of[0])
            ));
            continue;
        };
        if !types.allows(&t.instance_type) {
            violations.push(format!(
                "instance {id}: type {} is excluded by --types `{}`",
                t.instance_type,
                types.display()
            ));
        }
        let capacity = figures.capacity(t);
        let mut used: Amounts = [0; 6];
        let mut port_users: BTreeMap<u16, Vec<&str>> = BTreeMap::new();
        let mut seen_services: Vec<&str> = Vec::new();
        let mut tasks_here = vec![0u64; workload.services.len()];
        for row in rows_of {
            if !row.instance_type.eq_ignore_ascii_case(&t.instance_type) {
                violations.push(format!(
                    "{}instance {id} is listed as both {} and {}",
                    at(row),
                    t.instance_type,
                    row.instance_type
                ));
            }
            if seen_services.contains(&row.service.as_str()) {
                violations.push(format!(
                    "{}instance {id}: service `{}` has more than one row",
                    at(row),
                    row.service
                ));
            }
            seen_services.push(&row.service);
            let Some(&s) = services.get(row.service.as_str()) else {
                violations.push(format!(
                    "{}instance {id}: service `{}` is not in the workload",
                    at(row),
                    row.service
                ));
                continue;
            };
            let service = &workload.services[s];
            if row.tasks == 0 {
                violations.push(format!(
                    "{}instance {id}: service `{}` has a row with 0 tasks",
                    at(row),
                    service.name
                ));
            }
            placed[s] += u64::from(row.tasks);
            tasks_here[s] += u64::from(row.tasks);
            if !service.arch.runs_on(t.arch) {
                violations.push(format!(
                    "instance {id}: service `{}` needs arch {} but {} is {}",
                    service.name,
                    service.arch.as_str(),
                    t.instance_type,
                    t.arch.as_str()
                ));
            }
            if let Some(filter) = &filters[s] {
                if !filter.allows(&t.instance_type) {
                    violations.push(format!(
                        "instance {id}: service `{}` may only use `{}`, not {}",
                        service.name,
                        filter.display(),
                        t.instance_type
                    ));
                }
            }
            if service.distinct_instance && row.tasks > 1 {
                violations.push(format!(
                    "instance {id}: service `{}` is distinct_instance but has {} tasks here",
                    service.name, row.tasks
                ));
            }
            let per_task = rules::task_usage(service);
            for r in Resource::ALL {
                used[r as usize] += per_task[r as usize] * u64::from(row.tasks);
            }
            for port in service.static_ports() {
                for _ in 0..row.tasks {
                    port_users.entry(port).or_default().push(&service.name);
                }
            }
        }
        violations.extend(daemons::check_instance(workload, &filters, t, id, &tasks_here));
        for (port, users) in &port_users {
            if users.len() > 1 {
                violations.push(format!(
                    "instance {id}: host port {port} is bound by {} tasks ({})",
                    users.len(),
                    users.join(", ")
                ));
            }
        }
        for r in Resource::ALL {
            let (u, c) = (used[r as usize], capacity[r as usize]);
            if u > c {
                violations.push(format!(
                    "instance {id} ({}): uses {} but has {}",
                    t.instance_type,
                    r.describe(u),
                    r.describe(c)
                ));
            }
        }
        instances.push(InstanceUsage {
            instance_id: id.to_string(),
            instance_type: t.instance_type.clone(),
            price_usd_hour: t.price_usd_hour,
            used,
            capacity,
            host_ports: port_users.keys().copied().collect(),
        });
    }
    for (s, service) in workload.services.iter().enumerate() {
        if service.is_daemon() {
            continue;
        }
        let expected = figures.zones.placed(service.count);
        if placed[s] != u64::from(expected) {
            let why = if expected != service.count {
                format!(
                    " ({} to keep {} after the loss of any one of {} zones)",
                    expected,
                    service.count,
                    figures.zones.count()
                )
            } else {
                String::new()
            };
            violations.push(format!(
                "service `{}`: {} of {} tasks placed{why}",
                service.name, placed[s], expected
            ));
        }
    }
    CheckReport { instances, violations }
}

/// Reads `placements.csv` from a plan folder.
pub fn read_placements(dir: &Path) -> Result<Vec<PlacementRow>, crate::input::InputErrors> {
    crate::output::placements::read(&dir.join("placements.csv"))
}
