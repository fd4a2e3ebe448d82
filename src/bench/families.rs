//! The built-in benchmark suite: ECS workloads generated from seeds, each with a small
//! catalog built in code, whose least cost is known by construction (every generator builds
//! a plan of that cost and a counting argument shows no plan is cheaper), plus realistic
//! mixes with the built-in catalog whose optimum is unknown.

use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use super::mix::Knobs;
use crate::ecs::catalog::{Catalog, InstanceType};
use crate::ecs::rules::{Figures, Resource};
use crate::ecs::workload::{CpuArch, ImageArch, NetworkMode, Scheduling, Service, Workload};

/// One generated ECS benchmark instance: a workload, the catalog and figures it is planned
/// with, and its least cost when known.
#[derive(Debug, Clone)]
pub struct EcsCase {
    pub workload: Workload,
    pub catalog: Catalog,
    pub figures: Figures,
    /// The least cost per hour, when known by construction.
    pub optimum: Option<f64>,
}

/// A generator of a family's instances, from a size and a seed.
type Generator = fn(usize, u64) -> EcsCase;

/// The families with a known optimum: name, the letter that names the size in an
/// instance's name, the generator and its sizes.
const FAMILIES: [(&str, char, Generator, &[usize]); 7] = [
    ("triplet", 'k', triplet, &[10, 20, 40]),
    ("awsvpc-eni", 'n', awsvpc_eni, &[10, 40, 120]),
    ("host-port", 'n', host_port, &[10, 40]),
    ("host-port-2types", 'n', host_port_two_types, &[10, 40]),
    ("port-saturated", 'k', super::ports::port_saturated, &[4, 12, 40]),
    (
        "port-saturated-3types",
        'k',
        super::ports::port_saturated_three_types,
        &[4, 12, 40],
    ),
    ("many-kind-fill", 'n', super::fills::many_kind_fill, &[50, 200, 500]),
];
/// Seeds of the families with a known optimum.
pub const SEEDS: [u64; 2] = [1, 2];
/// Sizes (services) of the realistic mixes, and their seed.
pub const REALISTIC_SIZES: [usize; 3] = [20, 200, 2000];
/// Sizes (services) of the swept mixes; they use the realistic mixes' seed.
pub const MIX_SIZES: [usize; 2] = [200, 2000];
const REALISTIC_SEED: u64 = 1;

/// One instance of the built-in suite, named but not yet generated (a realistic mix of
/// 2,000 services is worth generating only when it is run).
#[derive(Debug, Clone)]
pub struct BuiltIn {
    /// The family, e.g. `triplet` or `mix/awsvpc40-gib4`.
    pub family: String,
    /// The instance within its family, e.g. `k20-s1`.
    pub name: String,
    make: Make,
}

#[derive(Debug, Clone)]
enum Make {
    Known(Generator, usize, u64),
    Realistic(usize),
    Mix(Knobs, usize),
}

impl BuiltIn {
    /// `family/name`, what `--filter` matches and the results CSV lists.
    pub fn id(&self) -> String {
        format!("{}/{}", self.family, self.name)
    }

    /// Generates the instance. Realistic and swept mixes are planned on the built-in
    /// catalog.
    pub fn generate(&self) -> Result<EcsCase, crate::input::InputErrors> {
        let workload = match &self.make {
            Make::Known(generate, size, seed) => return Ok(generate(*size, *seed)),
            Make::Realistic(services) => super::realistic::realistic(*services, REALISTIC_SEED),
            Make::Mix(knobs, services) => super::mix::mix(*services, REALISTIC_SEED, knobs),
        };
        Ok(EcsCase {
            workload,
            catalog: crate::input::read_catalog(None)?,
            figures: Figures::default(),
            optimum: None,
        })
    }
}

/// The whole built-in suite in a fixed order: every family with a known optimum at each
/// size and seed, then the realistic mixes, then the swept mixes (`mix/<point>`) at each
/// size: a handful of points, or with `sweep` every point of the sweep.
pub fn suite(sweep: bool) -> Vec<BuiltIn> {
    let mut all = Vec::new();
    for (family, letter, generate, sizes) in FAMILIES {
        for &size in sizes {
            for seed in SEEDS {
                all.push(BuiltIn {
                    family: family.to_string(),
                    name: format!("{letter}{size}-s{seed}"),
                    make: Make::Known(generate, size, seed),
                });
            }
        }
    }
    for services in REALISTIC_SIZES {
        all.push(BuiltIn {
            family: "realistic".to_string(),
            name: format!("{services}-s{REALISTIC_SEED}"),
            make: Make::Realistic(services),
        });
    }
    let points = if sweep {
        super::mix::sweep_points()
    } else {
        super::mix::default_points()
    };
    for knobs in points {
        for services in MIX_SIZES {
            all.push(BuiltIn {
                family: format!("mix/{}", knobs.label()),
                name: format!("{services}-s{REALISTIC_SEED}"),
                make: Make::Mix(knobs, services),
            });
        }
    }
    all
}

/// An x86 instance type for a generated catalog.
pub(super) fn instance_type(name: &str, vcpu: u32, memory_mib: u64, max_enis: u32, price: f64) -> InstanceType {
    InstanceType {
        instance_type: name.into(),
        family: name.split('.').next().unwrap_or(name).into(),
        vcpu,
        memory_mib,
        arch: CpuArch::X86_64,
        gpus: 0,
        max_enis,
        ipv4_per_eni: 10,
        trunking: Some(false),
        awsvpc_trunk_tasks: None,
        price_usd_hour: price,
        awsvpc_tasks: None,
        registered_memory_mib: None,
        zones: vec![],
        line: 0,
    }
}

/// Tasks of a generated plan, before they are merged into services.
#[derive(Debug, Clone, Default)]
struct Tasks {
    /// `(cpu, memory, mode, ports)` per task.
    tasks: Vec<(u32, u32, NetworkMode, Vec<u16>)>,
}

impl Tasks {
    fn push(&mut self, cpu: u64, memory: u64, mode: NetworkMode, ports: Vec<u16>) {
        self.tasks.push((cpu as u32, memory as u32, mode, ports));
    }

    /// One service per distinct task shape, named `<prefix>-001`, … in order of shape.
    fn into_workload(mut self, prefix: &str) -> Workload {
        self.tasks.sort();
        let mut services: Vec<Service> = Vec::new();
        for (cpu, memory_mib, network_mode, host_ports) in self.tasks {
            if let Some(last) = services.last_mut() {
                if (last.cpu, last.memory_mib, last.network_mode, &last.host_ports)
                    == (cpu, memory_mib, network_mode, &host_ports)
                {
                    last.count += 1;
                    continue;
                }
            }
            services.push(Service {
                name: format!("{prefix}-{:03}", services.len() + 1),
                cpu,
                memory_mib,
                count: 1,
                network_mode,
                host_ports,
                gpus: 0,
                arch: ImageArch::Any,
                instance_types: Vec::new(),
                distinct_instance: false,
                container_ports: Vec::new(),
                scheduling: Scheduling::Replica,
                line: 0,
            });
        }
        Workload { services }
    }
}

/// Splits `total` into three parts, each strictly between a quarter and a half of it,
/// the first one drawn as in Falkenauer's triplets (so that first-fit decreasing fails).
pub fn triplet_split(total: u64, rng: &mut SmallRng) -> [u64; 3] {
    let quarter = total / 4 + 1; // smallest part > total / 4
    let half = total.div_ceil(2) - 1; // largest part < total / 2
    let a = rng.gen_range(quarter.max(total * 38 / 100)..=half.min(total * 49 / 100));
    // b and c = total − a − b must both lie in [quarter, half].
    let lo = quarter.max(total - a - half);
    let hi = half.min(total - a - quarter);
    let b = rng.gen_range(lo..=hi);
    [a, b, total - a - b]
}

/// (a) Exactly-filled triplets: `k` instances of one type, each one's CPU and registered
/// memory split into three tasks exactly. Every task takes more than a quarter of both, so
/// an instance holds at most three, and together they fill `k` instances exactly: the
/// least cost is `k` instances.
pub fn triplet(k: usize, seed: u64) -> EcsCase {
    let mut rng = SmallRng::seed_from_u64(seed);
    let t = instance_type("bench.triplet", 4, 16384, 4, 0.2);
    let figures = Figures::default();
    let cap = figures.capacity(&t);
    let mut tasks = Tasks::default();
    for _ in 0..k {
        let mut cpu = triplet_split(cap[Resource::Cpu as usize], &mut rng);
        let memory = triplet_split(cap[Resource::Memory as usize], &mut rng);
        cpu.shuffle(&mut rng);
        for (c, m) in cpu.into_iter().zip(memory) {
            tasks.push(c, m, NetworkMode::None, Vec::new());
        }
    }
    EcsCase {
        workload: tasks.into_workload("triplet"),
        optimum: Some(k as f64 * t.price_usd_hour),
        catalog: Catalog {
            types: vec![t],
            restriction: None,
        },
        figures,
    }
}

/// (b) awsvpc tasks that fill the ENI cap exactly: `n` instances, each with exactly
/// `cap` small awsvpc tasks and one to three larger bridge tasks that fill 60–95 % of the
/// CPU and memory left. There are `n × cap` awsvpc tasks and an instance holds `cap`, so
/// no plan has fewer than `n` instances; the generated plan has `n`.
pub fn awsvpc_eni(n: usize, seed: u64) -> EcsCase {
    let mut rng = SmallRng::seed_from_u64(seed);
    let t = instance_type("bench.eni", 8, 32768, 4, 0.4);
    let figures = Figures::default();
    let cap = figures.capacity(&t);
    let enis = cap[Resource::AwsvpcTasks as usize];
    let small = [(256u64, 512u64), (256, 1024), (512, 1024), (512, 2048)];
    let mut tasks = Tasks::default();
    for _ in 0..n {
        let (mut cpu_left, mut memory_left) = (cap[Resource::Cpu as usize], cap[Resource::Memory as usize]);
        for _ in 0..enis {
            let (c, m) = small[rng.gen_range(0..small.len())];
            tasks.push(c, m, NetworkMode::Awsvpc, Vec::new());
            cpu_left -= c;
            memory_left -= m;
        }
        let parts = rng.gen_range(1..=3u64);
        let fill = rng.gen_range(60..=95u64);
        // Multiples of 128 CPU units and 256 MiB, so that shapes repeat across instances.
        let cpu = (cpu_left * fill / 100 / parts) / 128 * 128;
        let memory = (memory_left * fill / 100 / parts) / 256 * 256;
        for _ in 0..parts {
            tasks.push(cpu, memory, NetworkMode::Bridge, vec![0]);
        }
    }
    EcsCase {
        workload: tasks.into_workload("eni"),
        optimum: Some(n as f64 * t.price_usd_hour),
        catalog: Catalog {
            types: vec![t],
            restriction: None,
        },
        figures,
    }
}

/// Host-mode tasks for `n` instances: on each, a random partition of a random subset of
/// the ports 8000–8011 into tasks of one or two ports, always including port 8000; each
/// distinct port set is one service, with one size. A port is bound at most once per
/// instance and port 8000 is bound by `n` tasks, so no plan has fewer than `n` instances;
/// the generated plan has `n`. `cap` is the (smallest) instance's CPU and memory.
fn host_port_tasks(n: usize, cap: (u64, u64), rng: &mut SmallRng) -> Tasks {
    const PORTS: u16 = 12;
    let mut shapes: std::collections::BTreeMap<Vec<u16>, (u64, u64)> = Default::default();
    let mut tasks = Tasks::default();
    for _ in 0..n {
        let mut ports: Vec<u16> = (1..PORTS).map(|p| 8000 + p).filter(|_| rng.gen_bool(0.8)).collect();
        ports.shuffle(rng);
        ports.insert(0, 8000);
        let (mut cpu_left, mut memory_left) = cap;
        let mut rest = &ports[..];
        while !rest.is_empty() {
            let take = rng.gen_range(1..=2).min(rest.len());
            let mut set = rest[..take].to_vec();
            rest = &rest[take..];
            set.sort_unstable();
            let &mut (cpu, memory) = shapes
                .entry(set.clone())
                .or_insert_with(|| (rng.gen_range(1..=4u64) * 128, rng.gen_range(1..=6u64) * 256));
            // The task binding port 8000 comes first on an empty instance and always fits.
            if cpu <= cpu_left && memory <= memory_left {
                cpu_left -= cpu;
                memory_left -= memory;
                tasks.push(cpu, memory, NetworkMode::Host, set);
            }
        }
    }
    tasks
}

/// (c) Host-port-bound: one instance type; see `host_port_tasks`. The least cost is `n`
/// instances.
pub fn host_port(n: usize, seed: u64) -> EcsCase {
    let mut rng = SmallRng::seed_from_u64(seed);
    let t = instance_type("bench.port", 2, 4096, 3, 0.1);
    let figures = Figures::default();
    let cap = figures.capacity(&t);
    let tasks = host_port_tasks(
        n,
        (cap[Resource::Cpu as usize], cap[Resource::Memory as usize]),
        &mut rng,
    );
    EcsCase {
        workload: tasks.into_workload("port"),
        optimum: Some(n as f64 * t.price_usd_hour),
        catalog: Catalog {
            types: vec![t],
            restriction: None,
        },
        figures,
    }
}

/// (c′) Host-port-bound with two types where price matters: the tasks of `host_port` fit
/// the small type, and a large type is cheaper per vCPU and per GiB, so a plan sized by
/// resources alone picks large instances. But the ports need `n` instances whatever their
/// type, and each costs at least the small type's price: the least cost is `n` small ones.
pub fn host_port_two_types(n: usize, seed: u64) -> EcsCase {
    let mut rng = SmallRng::seed_from_u64(seed);
    let small = instance_type("bench.port-small", 2, 4096, 3, 0.1);
    let large = instance_type("bench.port-large", 8, 16384, 4, 0.32);
    let figures = Figures::default();
    let cap = figures.capacity(&small);
    let tasks = host_port_tasks(
        n,
        (cap[Resource::Cpu as usize], cap[Resource::Memory as usize]),
        &mut rng,
    );
    EcsCase {
        workload: tasks.into_workload("port"),
        optimum: Some(n as f64 * small.price_usd_hour),
        catalog: Catalog {
            types: vec![small, large],
            restriction: None,
        },
        figures,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::rules::workload_usage;

    #[test]
    fn triplet_parts_fill_the_total_and_each_is_between_a_quarter_and_a_half() {
        let mut rng = SmallRng::seed_from_u64(7);
        for total in [4096u64, 15892, 1000, 101] {
            for _ in 0..200 {
                let parts = triplet_split(total, &mut rng);
                assert_eq!(parts.iter().sum::<u64>(), total);
                assert!(
                    parts.iter().all(|&p| 4 * p > total && 2 * p < total),
                    "{parts:?} of {total}"
                );
            }
        }
    }

    #[test]
    fn triplets_fill_k_instances_exactly() {
        let case = triplet(20, 3);
        let cap = case.figures.capacity(&case.catalog.types[0]);
        let sum = workload_usage(&case.workload);
        assert_eq!(sum[Resource::Cpu as usize], 20 * cap[Resource::Cpu as usize]);
        assert_eq!(sum[Resource::Memory as usize], 20 * cap[Resource::Memory as usize]);
        assert_eq!(case.workload.services.iter().map(|s| s.count).sum::<u32>(), 60);
        assert!((case.optimum.unwrap() - 20.0 * 0.2).abs() < 1e-9);
    }

    #[test]
    fn awsvpc_tasks_fill_the_eni_cap_of_n_instances() {
        let case = awsvpc_eni(10, 1);
        let cap = case.figures.capacity(&case.catalog.types[0]);
        let sum = workload_usage(&case.workload);
        assert_eq!(
            sum[Resource::AwsvpcTasks as usize],
            10 * cap[Resource::AwsvpcTasks as usize]
        );
        assert!(sum[Resource::Cpu as usize] <= 10 * cap[Resource::Cpu as usize]);
        assert!(sum[Resource::Memory as usize] <= 10 * cap[Resource::Memory as usize]);
    }

    #[test]
    fn port_8000_is_bound_by_n_tasks_and_no_port_by_more() {
        for (n, case) in [(10, host_port(10, 1)), (40, host_port_two_types(40, 2))] {
            let mut by_port = std::collections::BTreeMap::<u16, u32>::new();
            for s in &case.workload.services {
                for p in s.static_ports() {
                    *by_port.entry(p).or_default() += s.count;
                }
            }
            assert_eq!(by_port[&8000], n);
            assert!(by_port.values().all(|&c| c <= n));
        }
    }

    #[test]
    fn suite_names_are_unique() {
        let ids: std::collections::BTreeSet<String> = suite(false).iter().map(BuiltIn::id).collect();
        assert_eq!(ids.len(), suite(false).len());
        assert!(ids.contains("triplet/k20-s1") && ids.contains("realistic/2000-s1"));
        assert!(ids.contains("port-saturated/k12-s1") && ids.contains("many-kind-fill/n500-s2"));
        assert!(ids.contains("mix/awsvpc40-gib4/200-s1"));
        let swept: std::collections::BTreeSet<String> = suite(true).iter().map(BuiltIn::id).collect();
        assert_eq!(swept.len(), suite(true).len());
        assert!(swept.is_superset(&ids) && swept.contains("mix/awsvpc10-gib0.5/2000-s1"));
    }

    #[test]
    fn generation_is_deterministic() {
        assert_eq!(triplet(10, 1).workload, triplet(10, 1).workload);
        assert_ne!(triplet(10, 1).workload, triplet(10, 2).workload);
        assert_eq!(host_port(10, 1).workload, host_port(10, 1).workload);
    }
}
