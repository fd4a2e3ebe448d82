//! The heuristic portfolio and the resource LP bound on realistic workloads of 20, 200
//! and 2,000 services (about 25 tasks each) on the built-in catalog, beside plain
//! first-fit decreasing (one candidate of the portfolio) as the baseline of the same run.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

use ecsplan::bench::realistic::realistic;
use ecsplan::ecs::lower::lower;
use ecsplan::ecs::rules::Figures;
use ecsplan::engine::{bound, heuristics, Problem, Settings};
use ecsplan::input::read_catalog;

/// A deadline the resource LP never reaches here.
fn far() -> std::time::Instant {
    std::time::Instant::now() + std::time::Duration::from_secs(60)
}

fn problem(services: usize) -> Problem {
    let catalog = read_catalog(None).expect("the built-in catalog");
    lower(&realistic(services, 1), &catalog, &Figures::default())
        .expect("a plannable workload")
        .problem
}

fn portfolio(c: &mut Criterion) {
    let mut group = c.benchmark_group("portfolio");
    group.sample_size(10);
    let settings = Settings {
        seed: 0,
        threads: 2,
        ..Settings::default()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.threads)
        .build()
        .expect("a thread pool");
    for services in [20, 200, 2000] {
        let problem = problem(services);
        let packing = pool.install(|| heuristics::portfolio(&problem, &settings));
        let lower = bound::resource_bound(&problem, far());
        eprintln!(
            "realistic {services}: {} tasks, {} bin types; portfolio {:.4} $/h in {} instances, bound {lower:.4}",
            problem.total_copies(),
            problem.bin_types.len(),
            packing.cost(&problem),
            packing.bins.len(),
        );
        group.bench_with_input(BenchmarkId::new("first-fit-decreasing", services), &problem, |b, p| {
            b.iter(|| heuristics::first_fit_decreasing(p))
        });
        group.bench_with_input(BenchmarkId::new("heuristics", services), &problem, |b, p| {
            b.iter(|| pool.install(|| heuristics::portfolio(p, &settings)))
        });
        group.bench_with_input(BenchmarkId::new("resource_bound", services), &problem, |b, p| {
            b.iter(|| bound::resource_bound(p, far()))
        });
    }
    group.finish();
}

criterion_group!(benches, portfolio);
criterion_main!(benches);
