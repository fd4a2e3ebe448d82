//! Turns a workload, a catalog and the ECS figures into the engine's generic problem, and
//! the engine's packing back into a plan of instances and tasks. When some service fits
//! no allowed instance type, it explains why instead.

use std::fmt::Write as _;

use super::catalog::{Catalog, InstanceType};
use super::rules::{self, misfit, Figures, Misfit, Resource, TypePatterns};
use super::workload::{Scheduling, Service, Workload};
use crate::engine::{BinType, ConflictGroup, Item, Packing, Problem};

/// The generic problem and the way back to services and instance types.
#[derive(Debug, Clone)]
pub struct Lowered {
    pub problem: Problem,
    /// `service_of_item[item]` is an index into `Workload::services`.
    pub service_of_item: Vec<usize>,
    /// `type_of_bin[bin_type]` is an index into `Catalog::types`.
    pub type_of_bin: Vec<usize>,
}

/// Services that no allowed instance type can hold, each with the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct NoPlan {
    pub reasons: Vec<String>,
}

impl std::fmt::Display for NoPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "no plan exists: {} service(s) fit no allowed instance type",
            self.reasons.len()
        )?;
        for r in &self.reasons {
            writeln!(f, "  {r}")?;
        }
        Ok(())
    }
}

impl std::error::Error for NoPlan {}

/// One instance of a plan and the tasks it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedInstance {
    pub id: String,
    pub instance_type: String,
    /// `(service name, tasks)`, in workload order.
    pub tasks: Vec<(String, u32)>,
}

/// A fleet and the placement of every task.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    pub instances: Vec<PlannedInstance>,
}

/// Compiles each service's `instance_types` filter. The readers have already rejected
/// invalid patterns, so a failure here is a bug.
pub fn service_filters(workload: &Workload) -> Vec<TypePatterns> {
    workload
        .services
        .iter()
        .map(|s| TypePatterns::new(&s.instance_types).expect("patterns validated on input"))
        .collect()
}

/// Daemon services that the lowering cannot plan, by name and workload line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "daemon services are not planned yet: {}; leave them out of the input to plan the rest (or make them replica services with a `count`)",
    .0.iter().map(|(name, line)| format!("`{name}` (line {line})")).collect::<Vec<_>>().join(", ")
)]
pub struct DaemonsNotPlanned(pub Vec<(String, u64)>);

/// Refuses a workload with daemon services. A daemon runs one task on every instance it
/// may use, which the problem built by [`lower`] does not express; lowering it as a
/// replica service with no tasks would leave it out silently. The commands call this
/// before anything is solved.
pub fn refuse_daemons(workload: &Workload) -> Result<(), DaemonsNotPlanned> {
    let daemons: Vec<(String, u64)> = workload
        .services
        .iter()
        .filter(|s| s.scheduling == Scheduling::Daemon)
        .map(|s| (s.name.clone(), s.line))
        .collect();
    if daemons.is_empty() {
        Ok(())
    } else {
        Err(DaemonsNotPlanned(daemons))
    }
}

/// Builds the generic problem. Services with no tasks are left out. The workload must
/// have passed [`refuse_daemons`].
pub fn lower(workload: &Workload, catalog: &Catalog, figures: &Figures) -> Result<Lowered, NoPlan> {
    if let Err(refused) = refuse_daemons(workload) {
        panic!("the commands refuse daemons before lowering: {refused}");
    }
    let filters = service_filters(workload);
    let service_of_item: Vec<usize> = (0..workload.services.len())
        .filter(|&s| workload.services[s].count > 0)
        .collect();

    let mut reasons = Vec::new();
    let mut eligible_types: Vec<Vec<usize>> = Vec::with_capacity(service_of_item.len());
    for &s in &service_of_item {
        let service = &workload.services[s];
        let fits: Vec<usize> = (0..catalog.types.len())
            .filter(|&t| misfit(figures, service, &filters[s], &catalog.types[t]).is_none())
            .collect();
        if fits.is_empty() {
            reasons.push(explain(figures, service, &filters[s], catalog));
        }
        eligible_types.push(fits);
    }
    if !reasons.is_empty() {
        return Err(NoPlan { reasons });
    }

    // Keep only the resources some task uses, and the types some service may use.
    let usage: Vec<rules::Amounts> = service_of_item
        .iter()
        .map(|&s| rules::task_usage(&workload.services[s]))
        .collect();
    let kept: Vec<Resource> = Resource::ALL
        .iter()
        .copied()
        .filter(|&r| usage.iter().any(|u| u[r as usize] > 0))
        .collect();
    let mut used_type = vec![false; catalog.types.len()];
    for fits in &eligible_types {
        for &t in fits {
            used_type[t] = true;
        }
    }
    let type_of_bin: Vec<usize> = (0..catalog.types.len()).filter(|&t| used_type[t]).collect();
    let mut bin_of_type = vec![usize::MAX; catalog.types.len()];
    for (b, &t) in type_of_bin.iter().enumerate() {
        bin_of_type[t] = b;
    }

    let bin_types = type_of_bin
        .iter()
        .map(|&t| {
            let cap = figures.capacity(&catalog.types[t]);
            BinType {
                name: catalog.types[t].instance_type.clone(),
                capacity: kept.iter().map(|&r| cap[r as usize]).collect(),
                price: catalog.types[t].price_usd_hour,
            }
        })
        .collect();
    let items = service_of_item
        .iter()
        .zip(&usage)
        .zip(&eligible_types)
        .map(|((&s, u), fits)| {
            let service = &workload.services[s];
            Item {
                name: service.name.clone(),
                size: kept.iter().map(|&r| u[r as usize]).collect(),
                count: service.count,
                eligible: fits.iter().map(|&t| bin_of_type[t]).collect(),
                max_per_bin: if rules::tasks_may_share(service) { u32::MAX } else { 1 },
            }
        })
        .collect();

    let problem = Problem {
        resources: kept.iter().map(|r| r.name().to_string()).collect(),
        items,
        bin_types,
        conflict_groups: port_groups(workload, &service_of_item),
    };
    let mut lowered = Lowered {
        problem,
        service_of_item,
        type_of_bin,
    };
    prune_dominated_types(&mut lowered);
    Ok(lowered)
}

/// One conflict group per static host port that two or more services bind: at most one
/// task per instance may bind it. A port bound by one service only is covered by that
/// service's one-task-per-instance rule.
fn port_groups(workload: &Workload, service_of_item: &[usize]) -> Vec<ConflictGroup> {
    let mut by_port: std::collections::BTreeMap<u16, Vec<usize>> = Default::default();
    for (item, &s) in service_of_item.iter().enumerate() {
        for port in workload.services[s].static_ports() {
            by_port.entry(port).or_default().push(item);
        }
    }
    by_port
        .into_iter()
        .filter(|(_, items)| items.len() > 1)
        .map(|(port, items)| ConflictGroup {
            name: format!("host port {port}"),
            items,
        })
        .collect()
}

/// Drops bin types that another type dominates: no dearer, at least as large in every
/// resource, and allowed for every item the dominated one is allowed for. The least cost
/// is unchanged, and the search gets smaller. Of identical types the first is kept.
fn prune_dominated_types(lowered: &mut Lowered) {
    let p = &lowered.problem;
    let n = p.bin_types.len();
    let words = p.items.len().div_ceil(64);
    let mut allowed = vec![vec![0u64; words]; n];
    for (i, item) in p.items.iter().enumerate() {
        for &b in &item.eligible {
            allowed[b][i / 64] |= 1 << (i % 64);
        }
    }
    let dominates = |a: usize, b: usize| {
        let (ta, tb) = (&p.bin_types[a], &p.bin_types[b]);
        ta.price <= tb.price
            && ta.capacity.iter().zip(&tb.capacity).all(|(x, y)| x >= y)
            && allowed[b].iter().zip(&allowed[a]).all(|(wb, wa)| wb & !wa == 0)
    };
    let keep: Vec<bool> = (0..n)
        .map(|b| !(0..n).any(|a| a != b && dominates(a, b) && (!dominates(b, a) || a < b)))
        .collect();
    let mut new_index = vec![usize::MAX; n];
    let mut next = 0;
    for b in 0..n {
        if keep[b] {
            new_index[b] = next;
            next += 1;
        }
    }
    let p = &mut lowered.problem;
    p.bin_types = p
        .bin_types
        .drain(..)
        .enumerate()
        .filter(|(b, _)| keep[*b])
        .map(|(_, t)| t)
        .collect();
    for item in &mut p.items {
        item.eligible = item
            .eligible
            .iter()
            .filter(|&&b| keep[b])
            .map(|&b| new_index[b])
            .collect();
    }
    lowered.type_of_bin = lowered
        .type_of_bin
        .iter()
        .enumerate()
        .filter(|(b, _)| keep[*b])
        .map(|(_, &t)| t)
        .collect();
}

/// Turns a packing into named instances `i-0001`, `i-0002`, … in the packing's order.
pub fn to_plan(lowered: &Lowered, packing: &Packing, workload: &Workload, catalog: &Catalog) -> Plan {
    let width = packing.bins.len().to_string().len().max(4);
    let instances = packing
        .bins
        .iter()
        .enumerate()
        .map(|(n, bin)| PlannedInstance {
            id: format!("i-{:0width$}", n + 1),
            instance_type: catalog.types[lowered.type_of_bin[bin.bin_type]].instance_type.clone(),
            tasks: bin
                .load
                .iter()
                .map(|&(item, count)| (workload.services[lowered.service_of_item[item]].name.clone(), count))
                .collect(),
        })
        .collect();
    Plan { instances }
}

/// Says why no allowed instance type holds one task of `s`.
fn explain(figures: &Figures, s: &Service, filter: &TypePatterns, catalog: &Catalog) -> String {
    let need = rules::task_usage(s);
    let mut text = format!("service `{}` (line {}): a task needs ", s.name, s.line);
    let needs: Vec<String> = Resource::ALL
        .iter()
        .filter(|&&r| need[r as usize] > 0)
        .map(|&r| r.describe(need[r as usize]))
        .collect();
    text.push_str(&needs.join(", "));

    let allowed: Vec<&InstanceType> = catalog
        .types
        .iter()
        .filter(|t| !matches!(misfit(figures, s, filter, t), Some(Misfit::Arch | Misfit::Filter)))
        .collect();
    if allowed.is_empty() {
        let _ = write!(
            text,
            "; no instance type in the catalog runs arch `{}`",
            s.arch.as_str()
        );
        if !filter.is_empty() {
            let _ = write!(text, " and matches `{}`", filter.display());
        }
        text.push_str("; widen `instance_types` or `arch`, or check `--types`");
        return text;
    }
    let short: Vec<String> = Resource::ALL
        .iter()
        .filter(|&&r| {
            allowed
                .iter()
                .all(|t| figures.capacity(t)[r as usize] < need[r as usize])
        })
        .map(|&r| {
            let most = allowed
                .iter()
                .map(|t| figures.capacity(t)[r as usize])
                .max()
                .unwrap_or(0);
            format!(
                "no allowed type has {} (the most is {})",
                r.describe(need[r as usize]),
                most
            )
        })
        .collect();
    if short.is_empty() {
        text.push_str("; some allowed types have enough of each resource, but none has enough of all at once");
    } else {
        let _ = write!(text, "; {}", short.join("; "));
    }
    let first = &allowed[0].instance_type;
    let last = &allowed[allowed.len() - 1].instance_type;
    let range = if allowed.len() == 1 {
        first.clone()
    } else {
        format!("{first}…{last}")
    };
    if filter.is_empty() {
        let _ = write!(
            text,
            "; {} types allow arch `{}` ({range})",
            allowed.len(),
            s.arch.as_str()
        );
    } else {
        let _ = write!(text, "; the filter `{}` allows {range}", filter.display());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::workload::{CpuArch, NetworkMode, Scheduling};

    fn instance(name: &str, vcpu: u32, memory_mib: u64, arch: CpuArch, gpus: u32, price: f64) -> InstanceType {
        InstanceType {
            instance_type: name.into(),
            family: name.split('.').next().unwrap().into(),
            vcpu,
            memory_mib,
            arch,
            gpus,
            max_enis: 3,
            ipv4_per_eni: 10,
            trunking: Some(true),
            awsvpc_trunk_tasks: Some(10),
            price_usd_hour: price,
            awsvpc_tasks: None,
            registered_memory_mib: None,
            line: 0,
        }
    }

    fn catalog() -> Catalog {
        Catalog {
            types: vec![
                instance("m5.large", 2, 8192, CpuArch::X86_64, 0, 0.096),
                instance("m5a.large", 2, 8192, CpuArch::X86_64, 0, 0.086),
                instance("m5.xlarge", 4, 16384, CpuArch::X86_64, 0, 0.192),
                instance("c6g.large", 2, 4096, CpuArch::Arm64, 0, 0.068),
                instance("g5.xlarge", 4, 16384, CpuArch::X86_64, 1, 1.006),
            ],
        }
    }

    fn service(name: &str, mode: NetworkMode, ports: &[u16]) -> Service {
        Service {
            line: 2,
            ..Service::sample(name, mode, ports)
        }
    }

    #[test]
    fn a_port_shared_by_two_services_is_a_conflict_group() {
        let w = Workload {
            services: vec![
                service("a", NetworkMode::Host, &[80, 443]),
                service("b", NetworkMode::Bridge, &[80, 0]),
                service("c", NetworkMode::Bridge, &[0]),
            ],
        };
        let l = lower(&w, &catalog(), &Figures::default()).unwrap();
        assert_eq!(l.problem.conflict_groups.len(), 1);
        assert_eq!(l.problem.conflict_groups[0].items, vec![0, 1]);
        assert_eq!(l.problem.items[0].max_per_bin, 1);
        assert_eq!(l.problem.items[2].max_per_bin, u32::MAX);
        assert_eq!(
            l.problem.resources,
            vec!["cpu", "memory", "host_ports", "dynamic_ports"]
        );
        assert_eq!(l.problem.items[1].size, vec![256, 512, 1, 1]);
    }

    #[test]
    fn dearer_types_no_larger_than_a_cheaper_one_are_dropped() {
        let w = Workload {
            services: vec![service("a", NetworkMode::None, &[])],
        };
        let l = lower(&w, &catalog(), &Figures::default()).unwrap();
        let names: Vec<String> = l
            .type_of_bin
            .iter()
            .map(|&t| catalog().types[t].instance_type.clone())
            .collect();
        // m5.large is dominated by m5a.large (same size, cheaper); g5.xlarge by m5.xlarge
        // for a service that needs no GPU.
        assert_eq!(names, vec!["m5a.large", "m5.xlarge", "c6g.large"]);
        for item in &l.problem.items {
            assert!(item.eligible.iter().all(|&b| b < l.problem.bin_types.len()));
        }
    }

    #[test]
    fn a_type_that_only_some_services_may_use_is_not_dominated_by_it() {
        let mut only_m5 = service("m5-only", NetworkMode::None, &[]);
        only_m5.instance_types = vec!["m5.*".into()];
        let w = Workload {
            services: vec![only_m5, service("any", NetworkMode::None, &[])],
        };
        let l = lower(&w, &catalog(), &Figures::default()).unwrap();
        let names: Vec<String> = l
            .type_of_bin
            .iter()
            .map(|&t| catalog().types[t].instance_type.clone())
            .collect();
        assert!(names.contains(&"m5.large".to_string()), "{names:?}");
    }

    #[test]
    fn a_service_that_fits_nowhere_is_explained() {
        let mut gpu = service("ml-train", NetworkMode::None, &[]);
        gpu.gpus = 4;
        gpu.memory_mib = 30000;
        gpu.instance_types = vec!["g5.*".into()];
        let w = Workload {
            services: vec![service("ok", NetworkMode::None, &[]), gpu],
        };
        let err = lower(&w, &catalog(), &Figures::default()).unwrap_err();
        assert_eq!(err.reasons.len(), 1);
        let r = &err.reasons[0];
        assert!(r.contains("`ml-train`"), "{r}");
        assert!(r.contains("no allowed type has 4 GPUs (the most is 1)"), "{r}");
        assert!(r.contains("no allowed type has 30000 MiB"), "{r}");
        assert!(r.contains("the filter `g5.*` allows g5.xlarge"), "{r}");
    }

    #[test]
    fn services_without_tasks_are_left_out() {
        let mut idle = service("idle", NetworkMode::None, &[]);
        idle.count = 0;
        let w = Workload {
            services: vec![idle, service("busy", NetworkMode::Awsvpc, &[])],
        };
        let l = lower(&w, &catalog(), &Figures::default()).unwrap();
        assert_eq!(l.service_of_item, vec![1]);
        assert_eq!(l.problem.resources, vec!["cpu", "memory", "awsvpc_tasks"]);
    }

    #[test]
    fn daemons_are_refused_before_lowering() {
        let mut daemon = Service::sample("logs", NetworkMode::Bridge, &[0]);
        daemon.scheduling = Scheduling::Daemon;
        daemon.count = 0;
        daemon.line = 4;
        let workload = Workload {
            services: vec![Service::sample("web", NetworkMode::Bridge, &[0]), daemon],
        };
        let refused = refuse_daemons(&workload).unwrap_err();
        assert_eq!(refused, DaemonsNotPlanned(vec![("logs".into(), 4)]));
        assert!(refused
            .to_string()
            .starts_with("daemon services are not planned yet: `logs` (line 4)"));
    }
}
