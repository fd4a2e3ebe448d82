//! Realistic generated workloads: a seeded mix of the services an ECS cluster runs (web
//! and API services, workers, host-mode agents, caches, a little GPU inference), sized like
//! real task definitions and planned on the built-in catalog. About a quarter of the web
//! and API services use awsvpc: without trunking an instance holds only a few of those
//! tasks, so clusters that run many of them turn trunking on (`compare` shows the cost).

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::ecs::workload::{CpuArch, ImageArch, NetworkMode, Scheduling, Service, Workload};

/// One kind of service: its share of the mix and how to draw one.
struct Kind {
    name: &'static str,
    weight: u32,
    draw: fn(&mut SmallRng, &mut Service),
}

/// The mix, by weight out of 100.
const KINDS: [Kind; 8] = [
    Kind {
        name: "web",
        weight: 24,
        draw: web,
    },
    Kind {
        name: "api",
        weight: 24,
        draw: api,
    },
    Kind {
        name: "worker",
        weight: 22,
        draw: worker,
    },
    Kind {
        name: "batch",
        weight: 8,
        draw: batch,
    },
    Kind {
        name: "cache",
        weight: 6,
        draw: cache,
    },
    Kind {
        name: "agent",
        weight: 8,
        draw: agent,
    },
    Kind {
        name: "edge",
        weight: 6,
        draw: edge,
    },
    Kind {
        name: "gpu",
        weight: 2,
        draw: gpu,
    },
];

/// Static host ports that agents and edge proxies commonly bind: several services of a
/// large mix share them, so their tasks never share an instance.
const POPULAR_PORTS: [u16; 6] = [9100, 8125, 24224, 8080, 443, 80];

/// Instance type filters a team might set.
const FILTERS: [&str; 5] = [
    "m5.*;m6i.*;m7i.*",
    "c6g.*;c7g.*;m7g.*",
    "c6i.*;c7i.*",
    "r6g.*;r7g.*",
    "t3.*;t3a.*",
];

/// A workload of `services` services, about 25 tasks each on average, from `seed`. Every
/// service fits some type of the built-in catalog with the default rules.
pub fn realistic(services: usize, seed: u64) -> Workload {
    let mut rng = SmallRng::seed_from_u64(seed);
    let total: u32 = KINDS.iter().map(|k| k.weight).sum();
    let services = (0..services)
        .map(|n| {
            let mut pick = rng.gen_range(0..total);
            let kind = KINDS
                .iter()
                .find(|k| {
                    let hit = pick < k.weight;
                    pick = pick.saturating_sub(k.weight);
                    hit
                })
                .expect("weights cover the range");
            let mut service = Service {
                name: format!("{}-{:04}", kind.name, n + 1),
                cpu: 256,
                memory_mib: 512,
                count: 1,
                network_mode: NetworkMode::Bridge,
                host_ports: Vec::new(),
                gpus: 0,
                arch: ImageArch::Any,
                instance_types: Vec::new(),
                distinct_instance: false,
                container_ports: Vec::new(),
                scheduling: Scheduling::Replica,
                line: 0,
            };
            (kind.draw)(&mut rng, &mut service);
            service
        })
        .collect();
    Workload { services }
}

/// Task counts: most services run a handful of tasks, a few run many (mean about 25).
fn count(rng: &mut SmallRng) -> u32 {
    match rng.gen_range(0..100) {
        0..=39 => rng.gen_range(2..=10),
        40..=74 => rng.gen_range(11..=40),
        75..=93 => rng.gen_range(41..=100),
        _ => rng.gen_range(101..=200),
    }
}

/// CPU units from the sizes teams actually pick.
fn cpu(rng: &mut SmallRng, sizes: &[u32]) -> u32 {
    sizes[rng.gen_range(0..sizes.len())]
}

/// Memory as `ratio` MiB per vCPU, give or take a quarter, rounded to 64 MiB.
fn memory(rng: &mut SmallRng, cpu: u32, ratio: u32) -> u32 {
    let base = f64::from(cpu) / 1024.0 * f64::from(ratio) * rng.gen_range(0.75..1.25);
    ((base / 64.0).round() as u32).max(2) * 64
}

/// An image for both architectures, for Graviton only, or for x86 only.
fn arch(rng: &mut SmallRng) -> ImageArch {
    match rng.gen_range(0..10) {
        0..=4 => ImageArch::Any,
        5..=7 => ImageArch::Only(CpuArch::Arm64),
        _ => ImageArch::Only(CpuArch::X86_64),
    }
}

/// A filter matching the image's architecture, on one service in `one_in`.
fn filter(rng: &mut SmallRng, arch: ImageArch, one_in: u32) -> Vec<String> {
    if rng.gen_range(0..one_in) != 0 {
        return Vec::new();
    }
    let fits = |f: &&str| match arch {
        ImageArch::Any => true,
        ImageArch::Only(CpuArch::Arm64) => f.contains('g'),
        ImageArch::Only(CpuArch::X86_64) => !f.contains('g'),
    };
    let choices: Vec<&str> = FILTERS.iter().copied().filter(fits).collect();
    choices[rng.gen_range(0..choices.len())]
        .split(';')
        .map(String::from)
        .collect()
}

fn web(rng: &mut SmallRng, s: &mut Service) {
    s.cpu = cpu(rng, &[256, 512, 512, 1024]);
    s.memory_mib = memory(rng, s.cpu, 2048);
    s.count = count(rng);
    s.arch = arch(rng);
    s.instance_types = filter(rng, s.arch, 6);
    if rng.gen_bool(0.75) {
        s.network_mode = NetworkMode::Bridge;
        s.host_ports = vec![0];
    } else {
        s.network_mode = NetworkMode::Awsvpc;
    }
}

fn api(rng: &mut SmallRng, s: &mut Service) {
    s.cpu = cpu(rng, &[512, 1024, 1024, 2048]);
    s.memory_mib = memory(rng, s.cpu, 2048);
    s.count = count(rng);
    s.arch = arch(rng);
    s.instance_types = filter(rng, s.arch, 5);
    if rng.gen_bool(0.3) {
        s.network_mode = NetworkMode::Awsvpc;
    } else {
        s.network_mode = if rng.gen_bool(0.5) {
            NetworkMode::Bridge
        } else {
            NetworkMode::Default
        };
        s.host_ports = if rng.gen_bool(0.3) { vec![0, 0] } else { vec![0] };
    }
}

fn worker(rng: &mut SmallRng, s: &mut Service) {
    s.cpu = cpu(rng, &[256, 512, 1024, 2048]);
    let ratio = if rng.gen_bool(0.5) { 2048 } else { 4096 };
    s.memory_mib = memory(rng, s.cpu, ratio);
    s.count = count(rng);
    s.arch = arch(rng);
    s.instance_types = filter(rng, s.arch, 8);
    s.network_mode = if rng.gen_bool(0.5) {
        NetworkMode::None
    } else {
        NetworkMode::Bridge
    };
}

fn batch(rng: &mut SmallRng, s: &mut Service) {
    s.cpu = cpu(rng, &[1024, 2048, 4096]);
    s.memory_mib = memory(rng, s.cpu, 4096);
    s.count = rng.gen_range(1..=12);
    s.arch = ImageArch::Only(CpuArch::X86_64);
    s.network_mode = NetworkMode::None;
}

fn cache(rng: &mut SmallRng, s: &mut Service) {
    s.cpu = cpu(rng, &[512, 1024, 2048]);
    s.memory_mib = memory(rng, s.cpu, 8192);
    s.count = rng.gen_range(2..=9);
    s.arch = arch(rng);
    s.instance_types = filter(rng, s.arch, 3);
    s.network_mode = NetworkMode::Awsvpc;
    s.distinct_instance = rng.gen_bool(0.5);
}

fn agent(rng: &mut SmallRng, s: &mut Service) {
    s.cpu = cpu(rng, &[128, 256]);
    s.memory_mib = memory(rng, s.cpu, 2048).min(512);
    s.count = rng.gen_range(3..=30);
    s.arch = ImageArch::Any;
    s.network_mode = NetworkMode::Host;
    s.host_ports = vec![if rng.gen_bool(0.5) {
        POPULAR_PORTS[rng.gen_range(0..3)]
    } else {
        rng.gen_range(10_000..20_000)
    }];
}

fn edge(rng: &mut SmallRng, s: &mut Service) {
    s.cpu = cpu(rng, &[256, 512, 1024]);
    s.memory_mib = memory(rng, s.cpu, 1024);
    s.count = rng.gen_range(2..=12);
    s.arch = arch(rng);
    if rng.gen_bool(0.5) {
        s.network_mode = NetworkMode::Host;
        s.host_ports = vec![POPULAR_PORTS[rng.gen_range(3..6)]];
    } else {
        s.network_mode = NetworkMode::Bridge;
        s.host_ports = vec![rng.gen_range(20_000..30_000)];
    }
}

fn gpu(rng: &mut SmallRng, s: &mut Service) {
    s.cpu = cpu(rng, &[2048, 4096]);
    s.memory_mib = memory(rng, s.cpu, 4096);
    s.count = rng.gen_range(1..=4);
    s.gpus = 1;
    s.arch = ImageArch::Only(CpuArch::X86_64);
    s.instance_types = vec!["g5.*".into(), "g6.*".into()];
    s.network_mode = NetworkMode::None;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::lower::lower;
    use crate::ecs::rules::Figures;
    use crate::input::{beyond_every_type, read_catalog, validate_against_catalog};

    #[test]
    fn the_same_seed_gives_the_same_workload() {
        assert_eq!(realistic(50, 3), realistic(50, 3));
        assert_ne!(realistic(50, 3), realistic(50, 4));
    }

    #[test]
    fn tasks_average_about_25_per_service() {
        let w = realistic(2000, 1);
        let tasks: u64 = w.services.iter().map(|s| u64::from(s.count)).sum();
        let mean = tasks as f64 / 2000.0;
        assert!((20.0..=30.0).contains(&mean), "mean {mean}");
    }

    #[test]
    fn every_mode_and_rule_appears() {
        let w = realistic(200, 1);
        for mode in NetworkMode::ALL {
            assert!(w.services.iter().any(|s| s.network_mode == mode), "{mode}");
        }
        assert!(w.services.iter().any(|s| s.distinct_instance));
        assert!(w.services.iter().any(|s| !s.instance_types.is_empty()));
        assert!(w.services.iter().any(|s| s.arch == ImageArch::Only(CpuArch::Arm64)));
        assert!(w.services.iter().any(|s| s.host_ports.iter().any(|&p| p != 0)));
    }

    #[test]
    fn every_generated_workload_is_valid_and_plannable_on_the_built_in_catalog() {
        let catalog = read_catalog(None).unwrap();
        let figures = Figures::default();
        for (services, seed) in [(20, 1), (200, 1), (200, 7), (2000, 1)] {
            let w = realistic(services, seed);
            assert!(validate_against_catalog(&w, &catalog, "generated").is_empty());
            assert!(beyond_every_type(&w, &catalog, &figures, "generated").is_empty());
            let lowered = lower(&w, &catalog, &figures);
            assert!(
                lowered.is_ok(),
                "{services} services, seed {seed}: {:?}",
                lowered.err().map(|e| e.reasons)
            );
        }
    }
}
