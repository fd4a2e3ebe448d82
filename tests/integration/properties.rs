//! Property tests over generated workloads, through the library: every plan passes the
//! independent checker, its cost is never below the reported bound, and the same seed
//! gives the same plan on one and on four threads.

use std::time::{Duration, Instant};

use ecsplan::ecs::placement::rows;
use ecsplan::ecs::rules::{Figures, TypePatterns};
use ecsplan::ecs::workload::{CpuArch, ImageArch, NetworkMode, Scheduling, Service, Workload};
use ecsplan::engine::Settings;
use ecsplan::planner::inputs::{restrict, Inputs};
use ecsplan::{check, input, planner};
use proptest::prelude::*;

const TYPES: &str = "m5.large;m5.xlarge;m5.2xlarge;c6g.large;c6g.xlarge;m6g.xlarge;r6i.large;t3.medium";

/// A deadline the resource LP never reaches in these tests.
fn far() -> Instant {
    Instant::now() + Duration::from_secs(60)
}

fn inputs(workload: Workload, eni_trunking: bool) -> Inputs {
    let patterns: Vec<String> = TYPES.split(';').map(String::from).collect();
    let types = TypePatterns::new(&patterns).unwrap();
    let catalog = restrict(input::read_catalog(None).unwrap(), &types).unwrap();
    Inputs {
        workload,
        whole_catalog: catalog.clone(),
        catalog,
        figures: Figures {
            eni_trunking,
            ..Figures::default()
        },
        types,
        prices: None,
    }
}

fn service() -> impl Strategy<Value = Service> {
    (
        prop::sample::select(vec![128u32, 256, 512, 1024, 2048, 3072]),
        prop::sample::select(vec![128u32, 512, 1024, 2048, 4096, 7000]),
        0u32..7,
        prop::sample::select(vec![
            NetworkMode::Host,
            NetworkMode::Bridge,
            NetworkMode::Awsvpc,
            NetworkMode::None,
        ]),
        prop::sample::select(vec![
            vec![80u16],
            vec![443],
            vec![80, 443],
            vec![0],
            vec![0, 0],
            vec![8080, 0],
        ]),
        prop::sample::select(vec![
            ImageArch::Any,
            ImageArch::Only(CpuArch::X86_64),
            ImageArch::Only(CpuArch::Arm64),
        ]),
        prop::bool::weighted(0.15),
    )
        .prop_map(|(cpu, memory_mib, count, mode, ports, arch, distinct)| Service {
            name: String::new(),
            cpu,
            memory_mib,
            count,
            network_mode: mode,
            host_ports: match mode {
                NetworkMode::Host => ports.into_iter().filter(|&p| p != 0).collect(),
                NetworkMode::Bridge | NetworkMode::Default => ports,
                NetworkMode::Awsvpc | NetworkMode::None => vec![],
            },
            gpus: 0,
            arch,
            instance_types: vec![],
            distinct_instance: distinct,
            container_ports: Vec::new(),
            scheduling: Scheduling::Replica,
            line: 0,
        })
}

fn workload() -> impl Strategy<Value = Workload> {
    prop::collection::vec(service(), 1..7).prop_map(|mut services| {
        for (i, s) in services.iter_mut().enumerate() {
            s.name = format!("svc-{i}");
        }
        Workload { services }
    })
}

fn settings(threads: usize) -> Settings {
    Settings {
        seed: 11,
        threads,
        time_limit: Duration::from_secs(20),
        ..Settings::default()
    }
}

proptest! {
    #![proptest_config(crate::util::fixed_cases(32))]

    #[test]
    fn plans_pass_check_and_never_beat_the_bound(workload in workload(), trunking in any::<bool>()) {
        let inputs = inputs(workload, trunking);
        let planned = planner::plan(&inputs, &settings(2)).expect("every generated service fits a type");
        let report = check::check(&inputs.workload, &inputs.whole_catalog, &inputs.figures, &inputs.types, &rows(&planned.plan).collect::<Vec<_>>());
        prop_assert!(report.is_valid());
        let cost = report.cost_per_hour();
        prop_assert!((cost - planned.solved.cost).abs() < 1e-9);
        prop_assert!(planned.solved.lower_bound <= cost + 1e-9, "bound {} > cost {}", planned.solved.lower_bound, cost);
        let tasks: u64 = inputs.workload.services.iter().map(|s| u64::from(s.count)).sum();
        prop_assert_eq!(report.instances.is_empty(), tasks == 0);
    }

    #[test]
    fn same_plan_on_one_and_four_threads(workload in workload()) {
        let inputs = inputs(workload, false);
        let one = planner::plan(&inputs, &settings(1)).unwrap();
        let four = planner::plan(&inputs, &settings(4)).unwrap();
        prop_assert_eq!(one.plan, four.plan);
    }
}

#[test]
fn the_portfolio_is_never_dearer_than_plain_first_fit_decreasing() {
    use ecsplan::bench::realistic::realistic;
    use ecsplan::ecs::lower::lower;
    use ecsplan::engine::{bound, heuristics};
    let catalog = input::read_catalog(None).unwrap();
    for (services, seed) in [(20, 1), (60, 2), (200, 3)] {
        let problem = lower(&realistic(services, seed), &catalog, &Figures::default())
            .unwrap()
            .problem;
        let baseline = heuristics::first_fit_decreasing(&problem);
        let best = heuristics::portfolio(&problem, &Settings::default());
        baseline.verify(&problem).unwrap();
        best.verify(&problem).unwrap();
        let (cost, floor) = (best.cost(&problem), bound::resource_bound(&problem, far()));
        assert!(
            cost <= baseline.cost(&problem) + 1e-9,
            "{services} services: {cost} > {}",
            baseline.cost(&problem)
        );
        assert!(
            floor <= cost + 1e-9,
            "{services} services: bound {floor} above the plan {cost}"
        );
    }
}

/// A realistic ECS workload through the generic engine: the portfolio gives the same
/// packing on one and on four threads, and the resource bound stays below its cost
/// without being trivially weak.
#[test]
fn the_portfolio_on_a_realistic_workload_is_thread_independent_and_above_the_bound() {
    use ecsplan::bench::realistic::realistic;
    use ecsplan::ecs::lower::lower;
    use ecsplan::engine::{bound, heuristics};
    let catalog = input::read_catalog(None).unwrap();
    let in_pool = |threads: usize, problem: &ecsplan::engine::Problem| {
        let settings = Settings {
            seed: 3,
            threads: 1,
            exact: false,
            ..Settings::default()
        };
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| heuristics::portfolio(problem, &settings))
    };
    let p = lower(&realistic(60, 5), &catalog, &Figures::default()).unwrap().problem;
    let one = in_pool(1, &p);
    assert_eq!(one, in_pool(4, &p));
    one.verify(&p).unwrap();

    let p = lower(&realistic(20, 1), &catalog, &Figures::default()).unwrap().problem;
    let settings = Settings {
        exact: false,
        threads: 1,
        ..Settings::default()
    };
    let cost = heuristics::portfolio(&p, &settings).cost(&p);
    let floor = bound::resource_bound(&p, far());
    assert!(floor > 0.5 * cost && floor <= cost, "bound {floor}, cost {cost}");
}
