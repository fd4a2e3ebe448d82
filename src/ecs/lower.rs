//! Turns a workload, a catalog and the ECS figures into the engine's generic problem, and
//! the engine's packing back into a plan of instances and tasks. When some service fits
//! no allowed instance type, it explains why instead.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::catalog::{Catalog, InstanceType};
use super::daemons::{self, TypeDaemons};
use super::rules::{self, misfit, Figures, Misfit, Resource, TypePatterns};
use super::workload::{ImageArch, Service, Workload};
use super::zones;
use crate::engine::{BinType, ConflictGroup, Grouped, Item, Problem};

/// The generic problem and the way back to services and instance types.
#[derive(Debug, Clone)]
pub struct Lowered {
    pub problem: Problem,
    /// `service_of_item[item]` is an index into `Workload::services`.
    pub service_of_item: Vec<usize>,
    /// `zone_of_item[item]`: the zone (index into `zone_names`) the item's tasks run in,
    /// `None` for a service's extra tasks, which the plan puts in zones of its choosing.
    /// Zone 0 without zones.
    pub zone_of_item: Vec<Option<usize>>,
    /// `item_zones[item]`: the zones with a type that may hold the item's tasks.
    pub item_zones: Vec<Vec<usize>>,
    /// `type_of_bin[bin_type]` is an index into `Catalog::types`.
    pub type_of_bin: Vec<usize>,
    /// `zone_of_bin[bin_type]`: the zone of the bin type's instances.
    pub zone_of_bin: Vec<usize>,
    /// The daemons (indices into `Workload::services`) on every instance of each catalog
    /// type.
    pub daemons_of_type: Vec<Vec<usize>>,
    /// The zones' names; empty without zones.
    pub zone_names: Vec<String>,
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

/// Instances of a plan alike in type, zone and tasks, and the tasks each runs: one
/// object however many instances it stands for. Their ids are consecutive, `number` to
/// `number + copies − 1` ([`Plan::id`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedInstance {
    /// The number of the first of these instances, 1-based.
    pub number: u64,
    /// How many identical instances, at least 1.
    pub copies: u64,
    pub instance_type: String,
    /// The availability zone, when zones are planned.
    pub zone: Option<String>,
    /// `(service name, tasks)`, in workload order, daemons included.
    pub tasks: Vec<(String, u32)>,
}

/// A fleet and the placement of every task.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    /// Groups of identical instances, in order of their numbers.
    pub instances: Vec<PlannedInstance>,
    /// The zones' names, in the order given; empty without zones.
    pub zones: Vec<String>,
    /// Digits of the instance numbers in ids (at least 4).
    pub id_width: usize,
}

impl Plan {
    /// The id of instance `number`: `i-0001`, `i-0002`, …
    pub fn id(&self, number: u64) -> String {
        let mut id = Vec::with_capacity(2 + self.id_width);
        self.push_id(number, &mut id);
        String::from_utf8(id).expect("ids are ASCII")
    }

    /// Appends the id of instance `number` to `out`: the writers of a plan's files make
    /// millions of them, so without formatting machinery.
    pub fn push_id(&self, number: u64, out: &mut Vec<u8>) {
        let mut digits = [0u8; 20];
        let mut n = number;
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        out.extend_from_slice(b"i-");
        let len = digits.len() - start;
        out.extend(std::iter::repeat(b'0').take(self.id_width.saturating_sub(len)));
        out.extend_from_slice(&digits[start..]);
    }

    /// Instances in all, counting every copy.
    pub fn instance_count(&self) -> u64 {
        self.instances.iter().map(|i| i.copies).sum()
    }

    /// The services of each group of instances, counted once per group: the rows that
    /// checking or describing the plan goes through.
    pub fn group_rows(&self) -> usize {
        self.instances.iter().map(|i| i.tasks.len()).sum()
    }
}

/// Compiles each service's `instance_types` filter. The readers have already rejected
/// invalid patterns, so a failure here is a bug.
/// Compiles each service's `instance_types` filter. The readers have already rejected
/// invalid patterns, so a failure here is a bug.
pub fn service_filters(workload: &Workload) -> Vec<TypePatterns> {
    rules::compile_each(workload.services.iter().map(|s| s.instance_types.as_slice()))
        .into_iter()
        .map(|p| p.expect("patterns validated on input"))
        .collect()
}

/// Builds the generic problem. Services with no tasks and daemons are left out: each
/// type's capacity is what its daemons leave. With zones, it is the relaxation whose
/// extra tasks any zone may hold (see [`relaxed_split`]).
pub fn lower(workload: &Workload, catalog: &Catalog, figures: &Figures) -> Result<Lowered, NoPlan> {
    lower_split(workload, catalog, figures, &relaxed_split(workload, figures))
}

/// How many tasks of one service each zone runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneTasks {
    /// Tasks in each zone, indexed like the zone names (one entry without zones).
    pub per_zone: Vec<u32>,
    /// Tasks that go to zones of the plan's choosing, at most one more per zone.
    pub extra: u32,
}

impl ZoneTasks {
    pub fn total(&self) -> u32 {
        self.per_zone.iter().sum::<u32>() + self.extra
    }
}

/// Every service's tasks as the relaxation plans them: with N tasks over Z zones,
/// ⌊N/Z⌋ in each zone and the N mod Z others in any zone. Every zoned plan is a plan of
/// it (read the zones holding one more task as holding the extras), so its bound is a
/// bound of the zoned problem. Without zones, or with one, all N are in the one zone.
pub fn relaxed_split(workload: &Workload, figures: &Figures) -> Vec<ZoneTasks> {
    let zones = figures.zones.count();
    workload
        .services
        .iter()
        .map(|s| {
            let n = if s.is_daemon() {
                0
            } else {
                figures.zones.placed(s.count)
            };
            let (q, r) = zones::spread(n, zones);
            ZoneTasks {
                per_zone: vec![q; zones as usize],
                extra: r,
            }
        })
        .collect()
}

/// What decides the types a service's task fits: its image's architecture, its
/// `instance_types` filter, its task's usage and its static host ports.
type Shape<'w> = (ImageArch, &'w [String], rules::Amounts, Vec<u16>);

/// Builds the generic problem for the zone split `split` (one entry per service).
pub fn lower_split(
    workload: &Workload,
    catalog: &Catalog,
    figures: &Figures,
    split: &[ZoneTasks],
) -> Result<Lowered, NoPlan> {
    let filters = service_filters(workload);
    let daemons = daemons::by_type(workload, &filters, &catalog.types, figures);
    let zone_count = figures.zones.count() as usize;
    let offered: Vec<Vec<usize>> = catalog.types.iter().map(|t| figures.zones.offering(t)).collect();

    // Items: per service, one per zone with tasks pinned there, then its extra tasks.
    let mut service_of_item = Vec::new();
    let mut zone_of_item = Vec::new();
    let mut item_count = Vec::new();
    // The catalog types each item may use (an index into `type_sets`), and the zones.
    // Services of one shape (architecture, type filter, usage, static ports a daemon
    // binds too) fit the same types: each shape's types are found once and shared by its
    // items. Other ports take no part: in host mode every service may bind its own.
    let daemon_ports: BTreeSet<u16> = daemons.iter().flat_map(|d| d.ports.iter().copied()).collect();
    let mut type_sets: Vec<Vec<usize>> = Vec::new();
    let mut set_of_shape: BTreeMap<Shape, usize> = BTreeMap::new();
    let mut item_types: Vec<usize> = Vec::new();
    let mut item_zones = Vec::new();
    let mut reasons = Vec::new();
    for (s, service) in workload.services.iter().enumerate() {
        if service.is_daemon() || split[s].total() == 0 {
            continue;
        }
        let need = rules::task_usage(service);
        let mut ports = service.static_ports();
        ports.retain(|p| daemon_ports.contains(p));
        let shape = (service.arch, service.instance_types.as_slice(), need, ports);
        let set = *set_of_shape.entry(shape).or_insert_with_key(|(_, _, _, ports)| {
            let fits = (0..catalog.types.len())
                .filter(|&t| {
                    let allowed = !matches!(
                        misfit(figures, service, &filters[s], &catalog.types[t]),
                        Some(Misfit::Arch | Misfit::Filter)
                    );
                    let room = daemons[t].room;
                    allowed
                        && room.is_some_and(|room| need.iter().zip(room).all(|(n, r)| *n <= r))
                        && !daemons[t].clash(ports)
                })
                .collect();
            type_sets.push(fits);
            type_sets.len() - 1
        });
        let fits = &type_sets[set];
        if fits.is_empty() {
            reasons.push(explain(figures, service, &filters[s], catalog, &daemons, workload));
            continue;
        }
        let zones_with_fit: Vec<usize> = (0..zone_count)
            .filter(|z| fits.iter().any(|&t| offered[t].contains(z)))
            .collect();
        let zone_name = |z: usize| figures.zones.names.get(z).map_or("", String::as_str);
        for (z, &tasks) in split[s].per_zone.iter().enumerate() {
            if tasks > 0 && !zones_with_fit.contains(&z) {
                reasons.push(format!(
                    "service `{}` (line {}): no instance type that holds a task of it is offered in zone `{}`; allow a type offered there in `instance_types` or `--types`, or list the zone in the catalog's `zones` column of such a type",
                    service.name, service.line, zone_name(z)
                ));
            }
        }
        if split[s].extra as usize > zones_with_fit.len() {
            let names: Vec<&str> = zones_with_fit.iter().map(|&z| zone_name(z)).collect();
            reasons.push(format!(
                "service `{}` (line {}): its {} tasks spread over {} zones, but the types that hold a task of it are offered in {} only ({}); allow types offered in the other zones",
                service.name,
                service.line,
                split[s].total(),
                split[s].extra,
                names.len(),
                names.join(", ")
            ));
        }
        let pinned = split[s].per_zone.iter().enumerate().filter(|(_, &n)| n > 0);
        let extra = (split[s].extra > 0).then_some((None, split[s].extra));
        for (zone, tasks) in pinned.map(|(z, &n)| (Some(z), n)).chain(extra) {
            service_of_item.push(s);
            zone_of_item.push(zone);
            item_count.push(tasks);
            item_types.push(set);
            item_zones.push(zone.map_or_else(|| zones_with_fit.clone(), |z| vec![z]));
        }
    }
    if !reasons.is_empty() {
        return Err(NoPlan { reasons });
    }

    // Keep only the resources some task uses.
    let usage: Vec<rules::Amounts> = service_of_item
        .iter()
        .map(|&s| rules::task_usage(&workload.services[s]))
        .collect();
    let kept: Vec<Resource> = Resource::ALL
        .iter()
        .copied()
        .filter(|&r| usage.iter().any(|u| u[r as usize] > 0))
        .collect();

    // Bin types: (instance type, zone) for the zones each type is offered in, in catalog
    // order, where some item may go.
    let bin_zones = |item: usize, t: usize| {
        let pinned = zone_of_item[item];
        offered[t]
            .iter()
            .copied()
            .filter(move |&z| pinned.map_or(true, |pinned| pinned == z))
    };
    let mut used = vec![vec![false; zone_count]; catalog.types.len()];
    for (item, &set) in item_types.iter().enumerate() {
        for &t in &type_sets[set] {
            for z in bin_zones(item, t) {
                used[t][z] = true;
            }
        }
    }
    let mut type_of_bin = Vec::new();
    let mut zone_of_bin = Vec::new();
    let mut bin_of = vec![vec![usize::MAX; zone_count]; catalog.types.len()];
    for t in 0..catalog.types.len() {
        for z in 0..zone_count {
            if used[t][z] {
                bin_of[t][z] = type_of_bin.len();
                type_of_bin.push(t);
                zone_of_bin.push(z);
            }
        }
    }
    let bin_types = type_of_bin
        .iter()
        .zip(&zone_of_bin)
        .map(|(&t, &z)| {
            let room = daemons[t].room.expect("types without room hold no item");
            let name = &catalog.types[t].instance_type;
            BinType {
                name: match figures.zones.names.get(z) {
                    Some(zone) if zone_count > 1 => format!("{name}@{zone}"),
                    _ => name.clone(),
                },
                capacity: kept.iter().map(|&r| room[r as usize]).collect(),
                price: catalog.types[t].price_usd_hour,
            }
        })
        .collect();
    let items = (0..service_of_item.len())
        .map(|item| {
            let service = &workload.services[service_of_item[item]];
            let u = &usage[item];
            let mut eligible: Vec<usize> = type_sets[item_types[item]]
                .iter()
                .flat_map(|&t| bin_zones(item, t).map(move |z| (t, z)))
                .map(|(t, z)| bin_of[t][z])
                .collect();
            eligible.sort_unstable();
            // Extra tasks of one service go to distinct zones, so to distinct instances.
            let spread_apart = zone_of_item[item].is_none() && item_count[item] > 1;
            Item {
                name: match zone_of_item[item] {
                    _ if zone_count == 1 => service.name.clone(),
                    Some(z) => format!("{}@{}", service.name, figures.zones.names[z]),
                    None => format!("{}@extra", service.name),
                },
                size: kept.iter().map(|&r| u[r as usize]).collect(),
                count: item_count[item],
                eligible,
                max_per_bin: if rules::tasks_may_share(service) && !spread_apart {
                    u32::MAX
                } else {
                    1
                },
            }
        })
        .collect();

    let mut conflict_groups = port_groups(workload, &service_of_item);
    conflict_groups.extend(distinct_groups(workload, &service_of_item));
    let problem = Problem {
        resources: kept.iter().map(|r| r.name().to_string()).collect(),
        items,
        bin_types,
        conflict_groups,
    };
    let mut lowered = Lowered {
        problem,
        service_of_item,
        zone_of_item,
        item_zones,
        type_of_bin,
        zone_of_bin,
        daemons_of_type: daemons.into_iter().map(|d| d.services).collect(),
        zone_names: figures.zones.names.clone(),
    };
    prune_dominated_types(&mut lowered);
    Ok(lowered)
}

/// One conflict group per static host port that two or more items bind: at most one
/// task per instance may bind it. A port bound by one item only is covered by that
/// item's one-task-per-instance rule. The items of one service in several zones bind
/// its ports too, so the group also keeps them on distinct instances.
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

/// One conflict group per `distinct_instance` service without static ports that has
/// several items (a zone's tasks and the extra ones): at most one of its tasks per
/// instance, whichever item it comes from.
fn distinct_groups(workload: &Workload, service_of_item: &[usize]) -> Vec<ConflictGroup> {
    let mut groups: Vec<ConflictGroup> = Vec::new();
    for (item, &s) in service_of_item.iter().enumerate() {
        let service = &workload.services[s];
        if rules::tasks_may_share(service) || !service.static_ports().is_empty() {
            continue;
        }
        match groups.last_mut() {
            Some(g) if service_of_item[g.items[0]] == s => g.items.push(item),
            _ => groups.push(ConflictGroup {
                name: format!("distinct instance {}", service.name),
                items: vec![item],
            }),
        }
    }
    groups.retain(|g| g.items.len() > 1);
    groups
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
    let kept = |v: &[usize]| -> Vec<usize> {
        v.iter()
            .enumerate()
            .filter(|(b, _)| keep[*b])
            .map(|(_, &x)| x)
            .collect()
    };
    lowered.type_of_bin = kept(&lowered.type_of_bin);
    lowered.zone_of_bin = kept(&lowered.zone_of_bin);
}

/// Turns a packing into named instances `i-0001`, `i-0002`, … in the packing's order, a
/// group of identical bins into a group of instances with consecutive ids. Each instance
/// runs one task of every daemon eligible for its type, and its zone's name when zones are
/// planned.
pub fn to_plan(lowered: &Lowered, packing: &Grouped, workload: &Workload, catalog: &Catalog) -> Plan {
    let width = packing.bins().to_string().len().max(4);
    let mut number = 1;
    let instances = packing
        .groups
        .iter()
        .map(|group| {
            let bin = &group.bin;
            let t = lowered.type_of_bin[bin.bin_type];
            let mut tasks: std::collections::BTreeMap<usize, u32> =
                lowered.daemons_of_type[t].iter().map(|&s| (s, 1)).collect();
            for &(item, count) in &bin.load {
                *tasks.entry(lowered.service_of_item[item]).or_insert(0) += count;
            }
            let planned = PlannedInstance {
                number,
                copies: group.copies,
                instance_type: catalog.types[t].instance_type.clone(),
                zone: lowered.zone_names.get(lowered.zone_of_bin[bin.bin_type]).cloned(),
                tasks: tasks
                    .into_iter()
                    .map(|(s, count)| (workload.services[s].name.clone(), count))
                    .collect(),
            };
            number += group.copies;
            planned
        })
        .collect();
    Plan {
        instances,
        zones: lowered.zone_names.clone(),
        id_width: width,
    }
}

/// Says why no allowed instance type holds one task of `s`: the types' own limits, or
/// the daemons they carry.
fn explain(
    figures: &Figures,
    s: &Service,
    filter: &TypePatterns,
    catalog: &Catalog,
    daemons: &[TypeDaemons],
    workload: &Workload,
) -> String {
    let need = rules::task_usage(s);
    let holds: Vec<usize> = (0..catalog.types.len())
        .filter(|&t| misfit(figures, s, filter, &catalog.types[t]).is_none())
        .collect();
    if !holds.is_empty() {
        let mut names: Vec<usize> = holds
            .iter()
            .flat_map(|&t| daemons[t].services.iter().copied())
            .collect();
        names.sort_unstable();
        names.dedup();
        let names: Vec<String> = names
            .iter()
            .map(|&d| format!("`{}`", workload.services[d].name))
            .collect();
        let first = &catalog.types[holds[0]].instance_type;
        return format!(
            "service `{}` (line {}): the {} types that hold a task of it ({first}…) cannot hold it beside the daemons they carry ({}), or do not hold those daemons at all, or a daemon binds one of its host ports; make the daemons smaller, narrow their `instance_types`, or allow larger types",
            s.name,
            s.line,
            holds.len(),
            super::some_names(&names)
        );
    }
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
        match &catalog.restriction {
            Some(types) => {
                let _ = write!(
                    text,
                    "; no instance type that `--types {types}` leaves runs arch `{}`",
                    s.arch.as_str()
                );
            }
            None => {
                let _ = write!(
                    text,
                    "; no instance type in the catalog runs arch `{}`",
                    s.arch.as_str()
                );
            }
        }
        if !filter.is_empty() {
            let _ = write!(text, " and matches `{}`", filter.display());
        }
        text.push_str(if catalog.restriction.is_some() {
            "; widen `--types` (it removed the others), `instance_types` or `arch`"
        } else {
            "; widen `instance_types` or `arch`"
        });
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
            zones: vec![],
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
            restriction: None,
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

    fn zoned(names: &[&str], survive_zone_loss: bool) -> Figures {
        Figures {
            zones: crate::ecs::zones::Zones {
                names: names.iter().map(|n| n.to_string()).collect(),
                survive_zone_loss,
            },
            ..Figures::default()
        }
    }

    #[test]
    fn one_zone_lowers_to_the_same_problem_as_no_zones() {
        let w = Workload {
            services: vec![
                service("a", NetworkMode::Host, &[80, 443]),
                service("b", NetworkMode::Bridge, &[80, 0]),
                service("c", NetworkMode::Awsvpc, &[]),
            ],
        };
        let plain = lower(&w, &catalog(), &Figures::default()).unwrap();
        let one = lower(&w, &catalog(), &zoned(&["us-east-1a"], false)).unwrap();
        assert_eq!(plain.problem, one.problem);
        assert_eq!(plain.type_of_bin, one.type_of_bin);
    }

    #[test]
    fn zones_give_an_item_per_zone_and_the_extras_share_a_conflict_group() {
        let mut web = service("web", NetworkMode::None, &[]);
        web.distinct_instance = true;
        web.count = 5;
        let mut api = service("api", NetworkMode::None, &[]);
        api.count = 4; // with zone loss over 3 zones: 6, two per zone
        let w = Workload {
            services: vec![web, api],
        };
        let l = lower(&w, &catalog(), &zoned(&["a", "b", "c"], true)).unwrap();
        let items: Vec<(&str, u32, u32)> = l
            .problem
            .items
            .iter()
            .map(|i| (i.name.as_str(), i.count, i.max_per_bin))
            .collect();
        // web: 5 − ⌈5/3⌉ = 3 < 5, so 8 tasks: 2 per zone and 2 extras.
        assert_eq!(
            items,
            [
                ("web@a", 2, 1),
                ("web@b", 2, 1),
                ("web@c", 2, 1),
                ("web@extra", 2, 1),
                ("api@a", 2, u32::MAX),
                ("api@b", 2, u32::MAX),
                ("api@c", 2, u32::MAX),
            ]
        );
        assert_eq!(l.problem.conflict_groups.len(), 1);
        assert_eq!(l.problem.conflict_groups[0].items, [0, 1, 2, 3]);
        // A zone's item may only use that zone's bins; the extras any zone's.
        for (item, zone) in l.zone_of_item.iter().enumerate() {
            let zones: Vec<usize> = l.problem.items[item]
                .eligible
                .iter()
                .map(|&b| l.zone_of_bin[b])
                .collect();
            match zone {
                Some(z) => assert!(zones.iter().all(|b| b == z)),
                None => assert_eq!(zones.iter().collect::<std::collections::BTreeSet<_>>().len(), 3),
            }
        }
    }

    #[test]
    fn daemons_take_capacity_and_their_ports_from_every_type() {
        let mut logs = service("logs", NetworkMode::Bridge, &[24224]);
        logs.count = 0;
        logs.scheduling = Scheduling::Daemon;
        logs.cpu = 1024;
        let w = Workload {
            services: vec![
                logs,
                service("web", NetworkMode::Bridge, &[80]),
                service("fwd", NetworkMode::Host, &[24224]),
                service("other", NetworkMode::Bridge, &[0]),
            ],
        };
        let err = lower(&w, &catalog(), &Figures::default()).unwrap_err();
        assert_eq!(err.reasons.len(), 1);
        assert!(
            err.reasons[0].contains("`fwd`") && err.reasons[0].contains("`logs`"),
            "{}",
            err.reasons[0]
        );
        let w = Workload {
            services: vec![w.services[0].clone(), w.services[1].clone(), w.services[3].clone()],
        };
        let l = lower(&w, &catalog(), &Figures::default()).unwrap();
        let m5a = l.type_of_bin.iter().position(|&t| t == 1).unwrap();
        // m5a.large: 2048 CPU units less the daemon's 1024; 95 static ports less one.
        assert_eq!(l.problem.resources, ["cpu", "memory", "host_ports", "dynamic_ports"]);
        assert_eq!(l.problem.bin_types[m5a].capacity, [1024, 7946 - 512, 94, 16383]);
        assert_eq!(l.daemons_of_type[1], [0]);
    }
}
