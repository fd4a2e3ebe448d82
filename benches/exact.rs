//! The two hot steps of column generation: one pricing round over every bin type (greedy,
//! quick and exact), and a master LP solve, on the realistic 200-service workload and, when
//! `../shared/bench` exists, on two public vector-packing instances; and a quick pricing
//! round on the realistic 2,000-service workload.

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

use ecsplan::bench::realistic::realistic;
use ecsplan::bench::vbp;
use ecsplan::ecs::lower::lower;
use ecsplan::ecs::rules::Figures;
use ecsplan::engine::exact::master::Master;
use ecsplan::engine::exact::pricing::{Effort, Pricer};
use ecsplan::engine::{heuristics, Bin, Problem, Settings};
use ecsplan::input::read_catalog;

/// Public instances: a small one with many patterns, and one of 500 items where pricing
/// runs once per step of every dive.
const PUBLIC: [(&str, &str); 2] = [
    (
        "panigrahy-class1-120",
        "../shared/bench/vectorpack/Panigrahy/class1/class1_120_10_0.vbp",
    ),
    (
        "panigrahy-class9-500",
        "../shared/bench/vectorpack/Panigrahy/class9/class9_500_5_0.vbp",
    ),
];

/// The built-in realistic workload of `services` services (seed 1) on the built-in catalog.
fn realistic_problem(services: usize) -> Problem {
    let catalog = read_catalog(None).expect("the built-in catalog");
    lower(&realistic(services, 1), &catalog, &Figures::default())
        .expect("a plannable workload")
        .problem
}

fn problems() -> Vec<(String, Problem)> {
    let mut all = vec![("realistic-200".to_string(), realistic_problem(200))];
    for (name, path) in PUBLIC {
        if Path::new(path).exists() {
            let instance = vbp::read_vbp(Path::new(path)).expect("a .vbp instance");
            all.push((name.to_string(), instance.problem));
        }
    }
    all
}

/// The master LP over `bins` (one column each), built and solved; its duals.
fn solve_master(problem: &Problem, bins: &[Bin]) -> Vec<f64> {
    let mut master = Master::new(problem, 0).expect("a master LP");
    for bin in bins {
        master.add(problem, bin).expect("a column");
    }
    master
        .solve(problem, Instant::now() + Duration::from_secs(60))
        .expect("an LP optimum")
        .duals
}

fn exact(c: &mut Criterion) {
    let mut group = c.benchmark_group("exact");
    group.sample_size(10);
    for (name, problem) in problems() {
        let bins = heuristics::portfolio(&problem, &Settings::default()).bins;
        let duals = solve_master(&problem, &bins);
        let pricer = Pricer::new(&problem);
        let far = || Instant::now() + Duration::from_secs(60);
        group.bench_with_input(BenchmarkId::new("pricing-greedy", &name), &duals, |b, d| {
            b.iter(|| pricer.price(d, Effort::Greedy, 4, far()))
        });
        group.bench_with_input(BenchmarkId::new("pricing-heuristic", &name), &duals, |b, d| {
            b.iter(|| pricer.price(d, Effort::Quick, 4, far()))
        });
        group.bench_with_input(BenchmarkId::new("pricing-exact", &name), &duals, |b, d| {
            b.iter(|| pricer.price(d, Effort::Exact, 4, far()))
        });
        group.bench_function(BenchmarkId::new("master-solve", &name), |b| {
            b.iter(|| solve_master(&problem, &bins))
        });
    }
    // At 2,000 services a quick round's searches are cut short at their node limit: its
    // time is the branch and bound's time per node.
    let problem = realistic_problem(2000);
    let bins = heuristics::portfolio(&problem, &Settings::default()).bins;
    let duals = solve_master(&problem, &bins);
    let pricer = Pricer::new(&problem);
    group.bench_with_input(
        BenchmarkId::new("pricing-heuristic", "realistic-2000"),
        &duals,
        |b, d| b.iter(|| pricer.price(d, Effort::Quick, 4, Instant::now() + Duration::from_secs(60))),
    );
    group.finish();
}

criterion_group!(benches, exact);
criterion_main!(benches);
