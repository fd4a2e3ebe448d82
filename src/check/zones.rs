//! The zone rules of a plan, recomputed from the placement rows and each instance's zone
//! (the `zone` column of `instances.csv`): every instance in one of the plan's zones and
//! in a zone its type is offered in, and every service spread so that the numbers of its
//! tasks in any two zones differ by at most one (identical instances counted times their
//! copies). Without zones there is nothing to check.

use std::collections::BTreeMap;

use crate::ecs::catalog::Catalog;
use crate::ecs::rules::{Figures, TypePatterns};
use crate::ecs::workload::Workload;

use super::{Violation, ViolationKind};
use crate::ecs::placement::InstanceRows;

/// The zone rules the plan's instances break, each instance with the zone given for it.
pub fn check(workload: &Workload, catalog: &Catalog, figures: &Figures, instances: &[InstanceRows]) -> Vec<Violation> {
    let zones = &figures.zones;
    if !zones.is_zoned() {
        return Vec::new();
    }
    let mut violations = Vec::new();
    let mut report = |kind, instance: Option<&str>, service: Option<&str>, detail: String| {
        violations.push(Violation {
            kind,
            line: 0,
            instance: instance.map(str::to_string),
            service: service.map(str::to_string),
            detail,
        })
    };
    let services: BTreeMap<&str, usize> = workload
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    let mut per_zone = vec![vec![0u64; zones.names.len()]; workload.services.len()];
    for instance in instances {
        let id = &instance.instance_id;
        let Some(first) = instance.rows.first() else {
            continue;
        };
        let Some(zone) = &instance.zone else {
            let detail = format!("instance {id}: no zone given for it (the `zone` column of instances.csv)");
            report(ViolationKind::Zone, Some(id), None, detail);
            continue;
        };
        let Some(z) = zones.names.iter().position(|n| n.eq_ignore_ascii_case(zone)) else {
            let detail = format!(
                "instance {id}: zone `{zone}` is not one of --zones {}",
                zones.names.join(",")
            );
            report(ViolationKind::Zone, Some(id), None, detail);
            continue;
        };
        if let Some(t) = catalog.find(&first.instance_type) {
            let offered = TypePatterns::new(&t.zones).is_ok_and(|p| p.allows(&zones.names[z]));
            if !offered {
                let detail = format!(
                    "instance {id}: {} is not offered in zone `{zone}` (the catalog's zones for it: `{}`)",
                    t.instance_type,
                    t.zones.join(";")
                );
                report(ViolationKind::Zone, Some(id), None, detail);
            }
        }
        for row in &instance.rows {
            if let Some(&s) = services.get(row.service.as_str()) {
                per_zone[s][z] += u64::from(row.tasks) * instance.copies;
            }
        }
    }
    for (s, service) in workload.services.iter().enumerate() {
        if service.is_daemon() {
            continue;
        }
        let counts = &per_zone[s];
        let (most, least) = (counts.iter().max(), counts.iter().min());
        if let (Some(most), Some(least)) = (most, least) {
            if most - least > 1 {
                let each: Vec<String> = zones
                    .names
                    .iter()
                    .zip(counts)
                    .map(|(zone, n)| format!("{n} in {zone}"))
                    .collect();
                let detail = format!(
                    "service `{}`: its tasks are not spread evenly over the zones ({}); two zones may differ by at most one task",
                    service.name,
                    each.join(", ")
                );
                report(ViolationKind::Spread, None, Some(&service.name), detail);
            }
        }
    }
    violations
}
