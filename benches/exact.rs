//! The two hot steps of column generation: one pricing round over every bin type, and a
//! master LP solve, on the realistic 200-service workload and, when `../shared/bench`
//! exists, on a public vector-packing instance.

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

use ecsplan::bench::realistic::realistic;
use ecsplan::bench::vbp;
use ecsplan::ecs::lower::lower;
use ecsplan::ecs::rules::Figures;
use ecsplan::engine::exact::master::Master;
use ecsplan::engine::exact::pricing::Pricer;
use ecsplan::engine::{heuristics, Bin, Problem, Settings};
use ecsplan::input::read_catalog;

const PUBLIC: &str = "../shared/bench/vectorpack/Panigrahy/class1/class1_120_10_0.vbp";

fn problems() -> Vec<(String, Problem)> {
    let catalog = read_catalog(None).expect("the built-in catalog");
    let mut all = vec![(
        "realistic-200".to_string(),
        lower(&realistic(200, 1), &catalog, &Figures::default())
            .expect("a plannable workload")
            .problem,
    )];
    if Path::new(PUBLIC).exists() {
        let instance = vbp::read_vbp(Path::new(PUBLIC)).expect("a .vbp instance");
        all.push(("panigrahy-class1-120".to_string(), instance.problem));
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
        group.bench_with_input(BenchmarkId::new("pricing-heuristic", &name), &duals, |b, d| {
            b.iter(|| pricer.price(d, false, 4, far()))
        });
        group.bench_with_input(BenchmarkId::new("pricing-exact", &name), &duals, |b, d| {
            b.iter(|| pricer.price(d, true, 4, far()))
        });
        group.bench_function(BenchmarkId::new("master-solve", &name), |b| {
            b.iter(|| solve_master(&problem, &bins))
        });
    }
    group.finish();
}

criterion_group!(benches, exact);
criterion_main!(benches);
