//! Realistic mixes along a sweep of knobs, planned on the built-in catalog (optimum
//! unknown): the share of awsvpc services, memory per vCPU, the share of services that bind
//! static ports, arm64-only and GPU services, and `instance_types` filters. Unlike
//! `realistic`, task sizes are drawn on a continuous scale rather than from the usual task
//! sizes, counts are heavy-tailed (many services of one to three tasks, a few of hundreds),
//! memory-heavy services are common, and awsvpc reaches about half the services at the
//! heavy end of the sweep.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::ecs::workload::{CpuArch, ImageArch, NetworkMode, Scheduling, Service, Workload};

/// One point of the sweep. Shares are percentages of all services.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Knobs {
    pub awsvpc_pct: u32,
    /// The centre of the memory per vCPU drawn, in GiB.
    pub gib_per_vcpu: f64,
    pub static_port_pct: u32,
    pub arm64_pct: u32,
    pub gpu_pct: u32,
    pub filter_pct: u32,
}

/// The knobs a point does not name: 10 % of services bind static ports, 20 % are
/// arm64-only, 1 % need a GPU, 15 % carry an `instance_types` filter.
const BASE: Knobs = Knobs {
    awsvpc_pct: 25,
    gib_per_vcpu: 2.0,
    static_port_pct: 10,
    arm64_pct: 20,
    gpu_pct: 1,
    filter_pct: 15,
};

impl Knobs {
    /// The point's name: `awsvpc40-gib4`, followed by each other knob that differs from
    /// the base, e.g. `awsvpc25-gib2-ports30`.
    pub fn label(&self) -> String {
        let mut label = format!("awsvpc{}-gib{}", self.awsvpc_pct, self.gib_per_vcpu);
        for (name, value, base) in [
            ("ports", self.static_port_pct, BASE.static_port_pct),
            ("arm", self.arm64_pct, BASE.arm64_pct),
            ("gpu", self.gpu_pct, BASE.gpu_pct),
            ("types", self.filter_pct, BASE.filter_pct),
        ] {
            if value != base {
                label.push_str(&format!("-{name}{value}"));
            }
        }
        label
    }

    fn point(awsvpc_pct: u32, gib_per_vcpu: f64) -> Knobs {
        Knobs {
            awsvpc_pct,
            gib_per_vcpu,
            ..BASE
        }
    }
}

/// Awsvpc shares and memory per vCPU of the full sweep (their product).
const AWSVPC_PCTS: [u32; 4] = [10, 25, 40, 60];
const GIB_PER_VCPU: [f64; 5] = [0.5, 1.0, 2.0, 4.0, 8.0];

/// The points the default suite runs: the corners and the middle of the sweep.
pub fn default_points() -> Vec<Knobs> {
    [(10, 1.0), (25, 2.0), (40, 4.0), (60, 8.0), (60, 0.5)]
        .into_iter()
        .map(|(a, g)| Knobs::point(a, g))
        .collect()
}

/// Every point of the sweep: awsvpc share × memory per vCPU, then the other knobs turned
/// up one at a time from the base point.
pub fn sweep_points() -> Vec<Knobs> {
    let mut points: Vec<Knobs> = AWSVPC_PCTS
        .iter()
        .flat_map(|&a| GIB_PER_VCPU.iter().map(move |&g| Knobs::point(a, g)))
        .collect();
    points.extend([
        Knobs {
            static_port_pct: 30,
            ..BASE
        },
        Knobs { arm64_pct: 60, ..BASE },
        Knobs { gpu_pct: 5, ..BASE },
        Knobs { filter_pct: 40, ..BASE },
    ]);
    points
}

/// Static ports that many services of a large estate bind (exporters, sidecars, proxies):
/// services sharing one never share an instance.
const SHARED_PORTS: [u16; 6] = [8080, 9090, 9100, 3000, 8443, 15090];

/// Filters over families and sizes; each admits arm64 and x86 types except the last,
/// which is x86 only.
const FILTERS: [&str; 5] = [
    "m6*.*;m7*.*",
    "c6*.*;c7*.*;c8*.*",
    "r6*.*;r7*.*;r8*.*",
    "*.xlarge;*.2xlarge;*.4xlarge",
    "m5*.*;r5*.*",
];

/// Largest memory of a task, so that every task fits a type of each filter.
const MAX_MEMORY_MIB: f64 = 61_440.0;

/// A workload of `services` services from `seed`, mixed as `knobs` says.
pub fn mix(services: usize, seed: u64, knobs: &Knobs) -> Workload {
    let mut rng = SmallRng::seed_from_u64(seed);
    let services = (0..services).map(|n| service(n, &mut rng, knobs)).collect();
    Workload { services }
}

fn service(n: usize, rng: &mut SmallRng, knobs: &Knobs) -> Service {
    let mut s = Service {
        name: format!("svc-{:04}", n + 1),
        cpu: 0,
        memory_mib: 0,
        count: count(rng),
        network_mode: NetworkMode::None,
        host_ports: Vec::new(),
        gpus: 0,
        arch: ImageArch::Any,
        instance_types: Vec::new(),
        distinct_instance: false,
        container_ports: Vec::new(),
        scheduling: Scheduling::Replica,
        line: 0,
    };
    // CPU on a log scale from 128 to 4,096 units, in steps of 128.
    let cpu = 128.0 * 2f64.powf(rng.gen_range(0.0..5.0));
    s.cpu = ((cpu / 128.0).round() as u32).clamp(1, 32) * 128;
    // Memory per vCPU within a factor of two of the knob; one service in four holds two
    // to four times more (caches, JVMs, in-memory indexes).
    let mut gib = knobs.gib_per_vcpu * 2f64.powf(rng.gen_range(-1.0..1.0));
    if rng.gen_bool(0.25) {
        gib *= rng.gen_range(2.0..4.0);
    }
    let memory = (f64::from(s.cpu) / 1024.0 * gib * 1024.0).min(MAX_MEMORY_MIB);
    s.memory_mib = ((memory / 128.0).round() as u32).max(1) * 128;

    if rng.gen_range(0..100) < knobs.gpu_pct {
        s.gpus = 1;
        s.cpu = s.cpu.clamp(1024, 3072);
        s.memory_mib = s.memory_mib.clamp(2048, 6144);
        s.count = s.count.min(8);
        s.network_mode = NetworkMode::Bridge;
        s.host_ports = vec![0];
        return s;
    }

    s.arch = match rng.gen_range(0..100) {
        x if x < knobs.arm64_pct => ImageArch::Only(CpuArch::Arm64),
        x if x < knobs.arm64_pct + 15 => ImageArch::Only(CpuArch::X86_64),
        _ => ImageArch::Any,
    };
    let mode = rng.gen_range(0..100);
    if mode < knobs.awsvpc_pct {
        s.network_mode = NetworkMode::Awsvpc;
    } else if mode < knobs.awsvpc_pct + knobs.static_port_pct {
        s.network_mode = if rng.gen_bool(0.5) {
            NetworkMode::Host
        } else {
            NetworkMode::Bridge
        };
        // A port shared with other services, else one of the service's own.
        s.host_ports = if rng.gen_bool(0.4) {
            vec![SHARED_PORTS[rng.gen_range(0..SHARED_PORTS.len())]]
        } else {
            let first = rng.gen_range(30_000..40_000);
            (first..first + rng.gen_range(1..=3)).collect()
        };
        // One task per instance: a service binding a port rarely runs hundreds.
        s.count = s.count.min(rng.gen_range(2..=30));
    } else {
        match rng.gen_range(0..20) {
            0..=8 => {
                s.network_mode = NetworkMode::Bridge;
                s.host_ports = if rng.gen_bool(0.2) { vec![0, 0] } else { vec![0] };
            }
            9..=11 => {
                s.network_mode = NetworkMode::Default;
                s.host_ports = vec![0];
            }
            _ => s.network_mode = NetworkMode::None,
        }
        if rng.gen_bool(0.05) {
            s.distinct_instance = true;
            s.count = s.count.min(12);
        }
    }
    if rng.gen_range(0..100) < knobs.filter_pct {
        let allowed = if s.arch == ImageArch::Only(CpuArch::Arm64) {
            &FILTERS[..FILTERS.len() - 1]
        } else {
            &FILTERS[..]
        };
        s.instance_types = allowed[rng.gen_range(0..allowed.len())]
            .split(';')
            .map(String::from)
            .collect();
    }
    s
}

/// Task counts, heavy-tailed: 30 % of services run one to three tasks, half 4 to 24, and
/// the rest 25 to 400 on a log scale.
fn count(rng: &mut SmallRng) -> u32 {
    match rng.gen_range(0..100) {
        0..=29 => rng.gen_range(1..=3),
        30..=79 => rng.gen_range(4..=24),
        _ => (25.0 * 16f64.powf(rng.gen_range(0.0..1.0))).round() as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::lower::lower;
    use crate::ecs::rules::Figures;
    use crate::input::{beyond_every_type, read_catalog, validate_against_catalog};

    #[test]
    fn every_point_of_the_sweep_is_valid_and_plannable_on_the_built_in_catalog() {
        let catalog = read_catalog(None).unwrap();
        let figures = Figures::default();
        let defaults = default_points();
        for knobs in sweep_points() {
            let sizes: &[usize] = if defaults.contains(&knobs) {
                &[200, 2000]
            } else {
                &[200]
            };
            for &services in sizes {
                let w = mix(services, 1, &knobs);
                let at = format!("{} at {services}", knobs.label());
                assert!(validate_against_catalog(&w, &catalog, "generated").is_empty(), "{at}");
                assert!(
                    beyond_every_type(&w, &catalog, &figures, "generated").is_empty(),
                    "{at}"
                );
                let lowered = lower(&w, &catalog, &figures);
                assert!(lowered.is_ok(), "{at}: {:?}", lowered.err().map(|e| e.reasons));
            }
        }
    }

    #[test]
    fn the_knobs_set_the_shares_they_name() {
        let share = |w: &Workload, f: &dyn Fn(&Service) -> bool| {
            w.services.iter().filter(|s| f(s)).count() as f64 / w.services.len() as f64
        };
        for knobs in sweep_points() {
            let w = mix(2000, 1, &knobs);
            let awsvpc = share(&w, &|s| s.network_mode == NetworkMode::Awsvpc);
            let expected = f64::from(knobs.awsvpc_pct) / 100.0 * (1.0 - f64::from(knobs.gpu_pct) / 100.0);
            assert!((awsvpc - expected).abs() < 0.04, "{}: awsvpc {awsvpc}", knobs.label());
            let ports = share(&w, &|s| !s.static_ports().is_empty());
            assert!(
                (ports - f64::from(knobs.static_port_pct) / 100.0).abs() < 0.04,
                "{}: ports {ports}",
                knobs.label()
            );
            let gpu = share(&w, &|s| s.gpus > 0);
            assert!(
                (gpu - f64::from(knobs.gpu_pct) / 100.0).abs() < 0.02,
                "{}",
                knobs.label()
            );
            // Memory per vCPU, over services that are not GPU ones, centres on the knob.
            let mut ratios: Vec<f64> = w
                .services
                .iter()
                .filter(|s| s.gpus == 0)
                .map(|s| f64::from(s.memory_mib) / f64::from(s.cpu))
                .collect();
            ratios.sort_by(f64::total_cmp);
            let median = ratios[ratios.len() / 2];
            assert!(
                (0.7..2.0).contains(&(median / knobs.gib_per_vcpu)),
                "{}: median {median} GiB per vCPU",
                knobs.label()
            );
        }
    }

    #[test]
    fn labels_name_the_point_and_are_unique() {
        let labels: Vec<String> = sweep_points().iter().map(Knobs::label).collect();
        assert!(labels.contains(&"awsvpc40-gib4".to_string()));
        assert!(labels.contains(&"awsvpc10-gib0.5".to_string()));
        assert!(labels.contains(&"awsvpc25-gib2-ports30".to_string()));
        let unique: std::collections::BTreeSet<&String> = labels.iter().collect();
        assert_eq!(unique.len(), labels.len());
        assert!(default_points().iter().all(|p| sweep_points().contains(p)));
    }

    #[test]
    fn the_same_seed_gives_the_same_workload() {
        let knobs = Knobs::point(40, 4.0);
        assert_eq!(mix(100, 1, &knobs), mix(100, 1, &knobs));
        assert_ne!(mix(100, 1, &knobs), mix(100, 2, &knobs));
    }
}
