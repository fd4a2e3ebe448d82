//! Many-kind exact fills: `n` services of small-to-medium kinds (128–2,048 CPU units,
//! 256–8,192 MiB, every network mode) packed onto instances of four sizes so that every
//! instance is exactly full in CPU. Memory, awsvpc task caps and static ports only
//! restrict which kinds go together.
//!
//! Why no plan is cheaper: every type costs `PER_VCPU` per vCPU, so a plan costs
//! `PER_VCPU` × its vCPUs, and it needs at least the vCPUs the tasks take: exactly those
//! of the constructed fleet.

use std::collections::BTreeSet;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::families::{instance_type, EcsCase};
use super::fleet::{Fleet, Shape};
use crate::ecs::catalog::{Catalog, InstanceType};
use crate::ecs::placement::PlacementRow;
use crate::ecs::rules::{Figures, Resource};
use crate::ecs::workload::NetworkMode;

/// Price per vCPU and hour, the same for every type.
pub const PER_VCPU: f64 = 0.05;
/// The smallest kind, which closes every instance: the construction keeps room for
/// enough of it to fill the CPU left.
const SMALLEST: (u64, u64) = (128, 256);
/// The first static port of the host-mode kinds, one port each.
const FIRST_PORT: u16 = 20_000;
/// Tasks per service on average, at least.
const TASKS_PER_KIND: usize = 4;

/// The four sizes (4 GiB per vCPU), with how often the construction opens each.
fn types() -> Vec<(InstanceType, u32)> {
    [
        ("large", 2, 3, 1),
        ("xlarge", 4, 4, 2),
        ("2xlarge", 8, 4, 3),
        ("4xlarge", 16, 8, 3),
    ]
    .into_iter()
    .map(|(size, vcpu, max_enis, weight)| {
        let t = instance_type(
            &format!("bench.fill-{size}"),
            vcpu,
            u64::from(vcpu) * 4096,
            max_enis,
            PER_VCPU * f64::from(vcpu),
        );
        (t, weight)
    })
    .collect()
}

/// `n` services filling instances of four sizes exactly in CPU.
pub fn many_kind_fill(n: usize, seed: u64) -> EcsCase {
    built(n, seed).0
}

/// Draws `n` distinct kinds, the smallest first, each with a weight: how often the
/// construction picks it once every kind has a task.
fn kinds(n: usize, rng: &mut SmallRng) -> Vec<(Shape, u32)> {
    let mut seen = BTreeSet::new();
    let mut kinds = vec![(Shape::new(SMALLEST.0, SMALLEST.1, NetworkMode::None, vec![]), 4)];
    seen.insert(kinds[0].0.clone());
    let mut next_port = FIRST_PORT;
    while kinds.len() < n {
        let cpu = [128u64, 256, 256, 384, 512, 512, 768, 1024, 1024, 1536, 2048][rng.gen_range(0..11)];
        let gib_per_vcpu = [1.0, 2.0, 2.0, 3.0, 4.0, 4.0, 6.0, 8.0][rng.gen_range(0..8)] * rng.gen_range(0.8..1.25);
        let memory = ((cpu as f64 * gib_per_vcpu / 128.0).round() as u64 * 128).clamp(256, 8192);
        let (mode, ports) = match rng.gen_range(0..20) {
            0..=5 => (NetworkMode::Bridge, vec![0]),
            6..=8 => (NetworkMode::Default, vec![0]),
            9..=13 => (NetworkMode::None, vec![]),
            14..=17 => (NetworkMode::Awsvpc, vec![]),
            _ => {
                next_port += 1;
                (NetworkMode::Host, vec![next_port])
            }
        };
        let shape = Shape::new(cpu, memory, mode, ports);
        if seen.insert(shape.clone()) {
            // Squared, so that a few kinds run many tasks and most run a few.
            let weight = rng.gen_range(1..=12u32).pow(2);
            kinds.push((shape, weight));
        }
    }
    kinds
}

/// Builds the case and the plan that proves its optimum: instances are opened until every
/// kind has a task and there are `TASKS_PER_KIND` tasks per kind, each instance filled
/// exactly in CPU, now and then with a kind not yet placed, else by the kinds' weights.
fn built(n: usize, seed: u64) -> (EcsCase, Vec<PlacementRow>) {
    let mut rng = SmallRng::seed_from_u64(seed);
    let figures = Figures::default();
    let types = types();
    let kinds = kinds(n, &mut rng);
    let mut placed = vec![false; kinds.len()];
    let mut unplaced = kinds.len();
    let mut fleet = Fleet::default();
    let mut optimum = 0.0;
    let type_weights: u32 = types.iter().map(|(_, w)| w).sum();
    let mut tasks = 0;
    while unplaced > 0 || tasks < TASKS_PER_KIND * n {
        let t = pick(&types, type_weights, &mut rng);
        optimum += t.price_usd_hour;
        let i = fleet.open(&t.instance_type);
        let cap = figures.capacity(t);
        let (mut cpu_left, mut memory_left) = (cap[Resource::Cpu as usize], cap[Resource::Memory as usize]);
        let mut awsvpc_left = cap[Resource::AwsvpcTasks as usize];
        let mut bound: BTreeSet<u16> = BTreeSet::new();
        while cpu_left > 0 {
            // A kind fits when, after it, the smallest kind can still fill the CPU left.
            let fits = |s: &Shape| {
                s.cpu <= cpu_left
                    && s.memory_mib + (cpu_left - s.cpu) / SMALLEST.0 * SMALLEST.1 <= memory_left
                    && (s.network_mode != NetworkMode::Awsvpc || awsvpc_left > 0)
                    && s.static_ports().all(|p| !bound.contains(&p))
            };
            let fitting: Vec<usize> = (0..kinds.len()).filter(|&j| fits(&kinds[j].0)).collect();
            let new: Vec<usize> = fitting.iter().copied().filter(|&j| !placed[j]).collect();
            let j = if !new.is_empty() && rng.gen_bool(0.2) {
                new[rng.gen_range(0..new.len())]
            } else {
                let weights: Vec<(usize, u32)> = fitting.iter().map(|&j| (j, kinds[j].1)).collect();
                let total = weights.iter().map(|(_, w)| w).sum();
                *pick(&weights, total, &mut rng)
            };
            let shape = &kinds[j].0;
            if !placed[j] {
                placed[j] = true;
                unplaced -= 1;
            }
            cpu_left -= shape.cpu;
            memory_left -= shape.memory_mib;
            if shape.network_mode == NetworkMode::Awsvpc {
                awsvpc_left -= 1;
            }
            bound.extend(shape.static_ports());
            fleet.place(i, shape.clone());
            tasks += 1;
        }
    }
    let (workload, rows) = fleet.finish("kind");
    let case = EcsCase {
        workload,
        catalog: Catalog {
            types: types.into_iter().map(|(t, _)| t).collect(),
            restriction: None,
        },
        figures,
        optimum: Some(optimum),
    };
    (case, rows)
}

/// One of `choices`, each as likely as its weight; `total` is the sum of the weights.
fn pick<'a, T>(choices: &'a [(T, u32)], total: u32, rng: &mut SmallRng) -> &'a T {
    let mut ticket = rng.gen_range(0..total);
    for (choice, weight) in choices {
        if ticket < *weight {
            return choice;
        }
        ticket -= weight;
    }
    unreachable!("the weights sum to the total")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check;
    use crate::ecs::rules::{workload_usage, TypePatterns, CPU_UNITS_PER_VCPU};

    #[test]
    fn the_constructed_plan_passes_the_checker_with_every_instance_full_in_cpu() {
        for n in [50, 200, 500] {
            for seed in [1, 2] {
                let (case, rows) = built(n, seed);
                assert_eq!(case.workload.services.len(), n);
                let all = TypePatterns::new(&[]).unwrap();
                let report = check::check(&case.workload, &case.catalog, &case.figures, &all, &rows);
                assert!(report.is_valid(), "n = {n}: {:?}", report.violations);
                assert!((report.cost_per_hour() - case.optimum.unwrap()).abs() < 1e-9);
                for usage in &report.instances {
                    assert_eq!(
                        usage.used[Resource::Cpu as usize],
                        usage.capacity[Resource::Cpu as usize]
                    );
                }
            }
        }
    }

    #[test]
    fn the_cpu_counting_bound_equals_the_optimum() {
        for n in [50, 500] {
            let (case, _) = built(n, 3);
            let cpu = workload_usage(&case.workload)[Resource::Cpu as usize];
            let bound = PER_VCPU * cpu as f64 / CPU_UNITS_PER_VCPU as f64;
            assert!((bound - case.optimum.unwrap()).abs() < 1e-9);
            for t in &case.catalog.types {
                assert!((PER_VCPU * f64::from(t.vcpu) - t.price_usd_hour).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn kinds_are_small_to_medium_and_use_every_mode() {
        let (case, _) = built(200, 1);
        for s in &case.workload.services {
            assert!((128..=2048).contains(&s.cpu) && (256..=8192).contains(&s.memory_mib));
        }
        for mode in NetworkMode::ALL {
            assert!(case.workload.services.iter().any(|s| s.network_mode == mode), "{mode}");
        }
        let counts: Vec<u32> = case.workload.services.iter().map(|s| s.count).collect();
        assert!(counts.contains(&1) && counts.iter().any(|&c| c >= 10));
    }
}
