//! Port-saturated fleets: every instance binds all of its static host ports and is exactly
//! full in CPU and memory. Host and bridge services bind static ports (a port bound by a
//! service or shared by a few, never twice on one instance); dynamic-port bridge services
//! and `none` services fill the CPU and memory left.
//!
//! Why no plan is cheaper: each type costs `PER_VCPU` per vCPU plus `PER_INSTANCE`, so a
//! plan costs `PER_VCPU` × its vCPUs plus `PER_INSTANCE` × its instances. The tasks take
//! exactly the CPU of the constructed fleet, so every plan has at least its vCPUs; they
//! bind `95 × k` static ports and an instance holds 95, so every plan has at least `k`
//! instances. The constructed fleet meets both bounds: its price is the least cost.

use std::collections::BTreeSet;

use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use super::families::{instance_type, EcsCase};
use super::fleet::{Fleet, Shape};
use crate::ecs::catalog::{Catalog, InstanceType};
use crate::ecs::placement::PlacementRow;
use crate::ecs::rules::{Figures, Resource, MAX_STATIC_PORTS};
use crate::ecs::workload::NetworkMode;

/// Price per vCPU and hour.
pub const PER_VCPU: f64 = 0.04;
/// Price per instance and hour, on top of its vCPUs.
pub const PER_INSTANCE: f64 = 0.08;
/// The first static port handed out; far from the agent's reserved ports and below the
/// dynamic range.
const FIRST_PORT: u16 = 10_000;
/// Most static ports one task binds.
const MAX_PORTS_PER_TASK: usize = 6;
/// CPU units and MiB kept per static port still to bind, so that the smallest port task
/// always fits, plus what the fillers need at least.
const RESERVE_PER_PORT: (u64, u64) = (32, 64);
const RESERVE_FILL: (u64, u64) = (1024, 1024);
/// The smallest remainder task that closes an instance.
const LEAST_TASK: (u64, u64) = (128, 128);

/// A type of this family: price from its vCPUs.
fn port_type(name: &str, vcpu: u32, max_enis: u32) -> InstanceType {
    let price = PER_VCPU * f64::from(vcpu) + PER_INSTANCE;
    instance_type(name, vcpu, u64::from(vcpu) * 4096, max_enis, price)
}

/// `k` instances of one type (8 vCPU, 32 GiB).
pub fn port_saturated(k: usize, seed: u64) -> EcsCase {
    built(k, seed, vec![port_type("bench.sat-2xl", 8, 4)]).0
}

/// `k` instances of three sizes (8, 16 and 32 vCPU, 4 GiB per vCPU), each drawn at random.
pub fn port_saturated_three_types(k: usize, seed: u64) -> EcsCase {
    built(k, seed, three_types()).0
}

fn three_types() -> Vec<InstanceType> {
    vec![
        port_type("bench.sat-2xl", 8, 4),
        port_type("bench.sat-4xl", 16, 8),
        port_type("bench.sat-8xl", 32, 8),
    ]
}

/// Builds the case and the plan that proves its optimum.
fn built(k: usize, seed: u64, types: Vec<InstanceType>) -> (EcsCase, Vec<PlacementRow>) {
    let mut rng = SmallRng::seed_from_u64(seed);
    let figures = Figures::default();
    let fillers = filler_shapes(&mut rng);
    // The shapes of the services that bind static ports, in order of creation.
    let mut port_services: Vec<Shape> = Vec::new();
    let mut next_port = FIRST_PORT;
    let mut fleet = Fleet::default();
    let mut optimum = 0.0;
    for _ in 0..k {
        let t = &types[rng.gen_range(0..types.len())];
        optimum += t.price_usd_hour;
        let i = fleet.open(&t.instance_type);
        let cap = figures.capacity(t);
        let (mut cpu_left, mut memory_left) = (cap[Resource::Cpu as usize], cap[Resource::Memory as usize]);
        let mut bound: BTreeSet<u16> = BTreeSet::new();
        let mut ports_left = MAX_STATIC_PORTS as usize;
        while ports_left > 0 {
            // Room that must stay free once a task binding `m` ports is placed.
            let keep = |m: usize| {
                let rest = (ports_left - m) as u64;
                (
                    RESERVE_FILL.0 + RESERVE_PER_PORT.0 * rest,
                    RESERVE_FILL.1 + RESERVE_PER_PORT.1 * rest,
                )
            };
            let fits = |s: &Shape| {
                let m = s.static_ports().count();
                let (cpu_keep, memory_keep) = keep(m.min(ports_left));
                m <= ports_left
                    && s.cpu + cpu_keep <= cpu_left
                    && s.memory_mib + memory_keep <= memory_left
                    && s.static_ports().all(|p| !bound.contains(&p))
            };
            let reusable: Vec<usize> = (0..port_services.len()).filter(|&j| fits(&port_services[j])).collect();
            let shape = if !reusable.is_empty() && rng.gen_bool(0.75) {
                port_services[reusable[rng.gen_range(0..reusable.len())]].clone()
            } else {
                let m = rng.gen_range(1..=MAX_PORTS_PER_TASK).min(ports_left);
                let mut ports = Vec::with_capacity(m + 1);
                // Now and then a port another service binds, on instances it is not on.
                let shared: Vec<u16> = port_services
                    .iter()
                    .flat_map(Shape::static_ports)
                    .filter(|p| !bound.contains(p))
                    .collect();
                if !shared.is_empty() && rng.gen_bool(0.2) {
                    ports.push(shared[rng.gen_range(0..shared.len())]);
                }
                while ports.len() < m {
                    ports.push(next_port);
                    next_port += 1;
                }
                ports.sort_unstable();
                ports.dedup();
                let (cpu_keep, memory_keep) = keep(ports.len());
                let cpu = pick_at_most(&mut rng, &[32, 64, 96, 128, 192, 256], cpu_left - cpu_keep);
                let memory = pick_at_most(&mut rng, &[64, 128, 256, 512], memory_left - memory_keep);
                let mode = if rng.gen_bool(0.5) {
                    NetworkMode::Host
                } else {
                    if rng.gen_bool(0.3) {
                        ports.push(0);
                    }
                    NetworkMode::Bridge
                };
                let shape = Shape::new(cpu, memory, mode, ports);
                port_services.push(shape.clone());
                shape
            };
            bound.extend(shape.static_ports());
            ports_left -= shape.static_ports().count();
            cpu_left -= shape.cpu;
            memory_left -= shape.memory_mib;
            fleet.place(i, shape);
        }
        fill(&mut fleet, i, (cpu_left, memory_left), &fillers, &mut rng);
    }
    let (workload, rows) = fleet.finish("sat");
    let case = EcsCase {
        workload,
        catalog: Catalog {
            types,
            restriction: None,
        },
        figures,
        optimum: Some(optimum),
    };
    (case, rows)
}

/// One of `choices` no larger than `limit` (the smallest when none is).
fn pick_at_most(rng: &mut SmallRng, choices: &[u64], limit: u64) -> u64 {
    let fitting: Vec<u64> = choices.iter().copied().filter(|&c| c <= limit).collect();
    fitting.choose(rng).copied().unwrap_or(choices[0])
}

/// The dynamic-port and `none` shapes that fill instances: 2, 4 or 6 GiB per vCPU.
fn filler_shapes(rng: &mut SmallRng) -> Vec<Shape> {
    (0..8)
        .map(|_| {
            let cpu = [256u64, 512, 1024, 2048][rng.gen_range(0..4)];
            let memory = cpu * [2u64, 4, 6][rng.gen_range(0..3)];
            let (mode, ports) = match rng.gen_range(0..4) {
                0 => (NetworkMode::Bridge, vec![0]),
                1 => (NetworkMode::Bridge, vec![0, 0]),
                2 => (NetworkMode::Default, vec![0]),
                _ => (NetworkMode::None, vec![]),
            };
            Shape::new(cpu, memory, mode, ports)
        })
        .collect()
}

/// Fills what is left of instance `i` exactly: filler tasks while one fits with room to
/// spare (of two that fit, the one closer to the memory per CPU left), then one `none`
/// task takes the rest.
fn fill(fleet: &mut Fleet, i: usize, left: (u64, u64), fillers: &[Shape], rng: &mut SmallRng) {
    let (mut cpu_left, mut memory_left) = left;
    loop {
        let fitting: Vec<&Shape> = fillers
            .iter()
            .filter(|s| s.cpu + LEAST_TASK.0 <= cpu_left && s.memory_mib + LEAST_TASK.1 <= memory_left)
            .collect();
        if fitting.is_empty() {
            break;
        }
        let ratio = memory_left as f64 / cpu_left as f64;
        let off = |s: &Shape| (s.memory_mib as f64 / s.cpu as f64 - ratio).abs();
        let (a, b) = (
            fitting[rng.gen_range(0..fitting.len())],
            fitting[rng.gen_range(0..fitting.len())],
        );
        let shape = if off(a) <= off(b) { a } else { b };
        cpu_left -= shape.cpu;
        memory_left -= shape.memory_mib;
        fleet.place(i, shape.clone());
    }
    fleet.place(i, Shape::new(cpu_left, memory_left, NetworkMode::None, vec![]));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check;
    use crate::ecs::rules::{workload_usage, TypePatterns, CPU_UNITS_PER_VCPU};

    fn all_sizes() -> Vec<(usize, EcsCase, Vec<PlacementRow>)> {
        let mut cases = Vec::new();
        for k in [4, 12, 40] {
            for seed in [1, 2] {
                let (case, rows) = built(k, seed, vec![port_type("bench.sat-2xl", 8, 4)]);
                cases.push((k, case, rows));
                let (case, rows) = built(k, seed, three_types());
                cases.push((k, case, rows));
            }
        }
        cases
    }

    #[test]
    fn the_constructed_plan_passes_the_checker_at_the_optimum() {
        for (k, case, rows) in all_sizes() {
            let all = TypePatterns::new(&[]).unwrap();
            let report = check::check(&case.workload, &case.catalog, &case.figures, &all, &rows);
            assert!(report.is_valid(), "k = {k}: {:?}", report.violations);
            assert_eq!(report.instances.len(), k);
            assert!((report.cost_per_hour() - case.optimum.unwrap()).abs() < 1e-9);
            for usage in &report.instances {
                for r in [Resource::Cpu, Resource::Memory, Resource::StaticPorts] {
                    assert_eq!(usage.used[r as usize], usage.capacity[r as usize], "{r:?}");
                }
            }
        }
    }

    #[test]
    fn the_cpu_and_port_counting_bound_equals_the_optimum() {
        for (k, case, _) in all_sizes() {
            let used = workload_usage(&case.workload);
            assert_eq!(used[Resource::StaticPorts as usize], k as u64 * MAX_STATIC_PORTS);
            let vcpus = used[Resource::Cpu as usize] as f64 / CPU_UNITS_PER_VCPU as f64;
            let instances = (used[Resource::StaticPorts as usize] / MAX_STATIC_PORTS) as f64;
            let bound = PER_VCPU * vcpus + PER_INSTANCE * instances;
            assert!((bound - case.optimum.unwrap()).abs() < 1e-9, "k = {k}");
            // Every type's price is exactly what the bound charges for it.
            for t in &case.catalog.types {
                assert!((PER_VCPU * f64::from(t.vcpu) + PER_INSTANCE - t.price_usd_hour).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn static_ports_are_shared_by_services_and_kept_clear_of_reserved_ones() {
        let (case, _) = built(12, 1, vec![port_type("bench.sat-2xl", 8, 4)]);
        let mut binders = std::collections::BTreeMap::<u16, usize>::new();
        for s in &case.workload.services {
            for p in s.static_ports() {
                assert!((FIRST_PORT..49_153).contains(&p));
                *binders.entry(p).or_default() += 1;
            }
        }
        assert!(binders.values().any(|&n| n > 1), "no port is shared by two services");
        let modes: BTreeSet<String> = case
            .workload
            .services
            .iter()
            .map(|s| s.network_mode.to_string())
            .collect();
        assert!(modes.len() >= 4, "{modes:?}");
    }
}
