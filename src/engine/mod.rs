//! The generic optimization engine: a parallel heuristic portfolio for a first plan, a
//! resource LP for a first bound, then column generation and a MIP (HiGHS) that close the
//! gap within the time limit. It never names an ECS concept.

pub mod bound;
pub mod exact;
pub mod heuristics;
mod identical;
mod large;
pub mod packing;
pub mod problem;
pub mod progress;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use large::is_large;
pub use packing::{Bin, BinGroup, Grouped, Packing};
pub use problem::{BinType, BinTypeId, ConflictGroup, Item, ItemId, Problem};
pub use progress::{Phase, Progress, Reporter};

/// What the solver may use: passed explicitly, never read from globals.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Seed for every randomized choice. Same seed, same plan, on any thread count.
    pub seed: u64,
    /// Worker threads (rayon pool size); 0 means one per core.
    pub threads: usize,
    /// Wall-clock budget for the whole solve.
    pub time_limit: Duration,
    /// Run column generation and the MIP after the portfolio.
    pub exact: bool,
    /// Set from outside to stop the search early and return the best packing so far.
    pub stop: Stop,
    /// Told of each change of phase, best plan and bound; it never changes the search.
    pub progress: Option<Reporter>,
}

impl Settings {
    /// Sends `progress` to the reporter, if there is one.
    pub fn report(&self, progress: Progress) {
        if let Some(reporter) = &self.progress {
            reporter.report(&progress);
        }
    }
}

/// A request to stop searching, shared between the engine and whoever may ask (an
/// interrupt): the engine's loops check it beside their deadlines. A solve under way in
/// HiGHS (an LP or a MIP) runs to its own deadline first.
#[derive(Debug, Clone, Default)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    /// Asks every solve that shares this flag to stop.
    pub fn request(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// The flag itself, for a signal handler to set.
    pub fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.0)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            seed: 0,
            threads: 0,
            time_limit: Duration::from_secs(30),
            exact: true,
            stop: Stop::default(),
            progress: None,
        }
    }
}

/// The engine's answer: the best packing found and a proven lower bound on the optimum.
#[derive(Debug, Clone)]
pub struct Solved {
    /// Identical bins grouped, in the canonical order of [`Packing::normalize`].
    pub packing: Grouped,
    pub cost: f64,
    /// A valid lower bound on the least cost, whatever stopped the search.
    pub lower_bound: f64,
    /// Things the user should know (a solver fallback, a time limit reached).
    pub notes: Vec<String>,
    /// Seconds until the first complete packing existed.
    pub first_plan_seconds: f64,
    /// Seconds for the whole solve.
    pub seconds: f64,
    /// A stop was requested before the solve ended: the packing is the best found by then.
    pub interrupted: bool,
}

impl Solved {
    /// `(cost − bound) / cost`, 0 for an empty packing.
    pub fn gap(&self) -> f64 {
        gap(self.cost, self.lower_bound)
    }

    /// Proven least-cost: cost − bound ≤ 1e-6 × cost.
    pub fn is_optimal(&self) -> bool {
        self.cost - self.lower_bound <= 1e-6 * self.cost
    }
}

/// Relative gap between a cost and a lower bound, clamped at 0.
pub fn gap(cost: f64, bound: f64) -> f64 {
    if cost <= 0.0 {
        0.0
    } else {
        ((cost - bound) / cost).max(0.0)
    }
}

/// Solves `problem`: portfolio first, then the exact method while time remains. Every item
/// must have at least one eligible bin type that holds one copy (the domain layer checks
/// this and explains it when it fails). Problems of millions of copies, or too wide for
/// the portfolio within the limit ([`large::is_large`]), are solved in scaled-down,
/// chunked parts ([`large`]); the others whole.
pub fn solve(problem: &Problem, settings: &Settings) -> Solved {
    let start = Instant::now();
    let run = || {
        if large::is_large(problem, settings.time_limit) {
            large::solve(problem, settings, start)
        } else {
            solve_whole(problem, settings, start, Portfolio::Full)
        }
    };
    // A caller that runs several solves one after another (compare's lanes) may run them
    // in a pool of its own of the right size: no pool is built per solve, so no threads
    // start and end between them.
    if rayon::current_thread_index().is_some() && rayon::current_num_threads() == settings.threads {
        run()
    } else {
        rayon::ThreadPoolBuilder::new()
            .num_threads(settings.threads)
            .build()
            .expect("a rayon thread pool")
            .install(run)
    }
}

/// Which heuristics make the first plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Portfolio {
    /// Every candidate that fits the problem's size.
    Full,
    /// One candidate ([`heuristics::lean`]), and no bound.
    Lean,
}

/// The portfolio and the exact method on the whole problem, by `start + time_limit`.
fn solve_whole(problem: &Problem, settings: &Settings, start: Instant, portfolio: Portfolio) -> Solved {
    // With several bin types (an ECS catalog), the search runs on identical items merged;
    // the packing returned is the original's, and many services of one kind make the
    // master LP much smaller. With one bin type, items stay apart: on tightly filled
    // one-type problems, merged copies leave the search fewer ways to complete a bin.
    let merged = if problem.bin_types.len() > 1 {
        identical::merge(problem)
    } else {
        None
    };
    let original = problem;
    let problem = merged.as_ref().map_or(problem, |m| &m.problem);
    settings.report(Progress {
        phase: Phase::FirstPlan,
        best_cost: None,
        lower_bound: 0.0,
    });
    let mut packing = match portfolio {
        Portfolio::Full => heuristics::portfolio(problem, settings),
        Portfolio::Lean => heuristics::lean(problem),
    };
    let first_plan_seconds = start.elapsed().as_secs_f64();
    // The chunks of a large problem need no bound of their own: the large path bounds the
    // whole problem.
    let mut lower_bound = match portfolio {
        Portfolio::Full => bound::resource_bound(problem, start + settings.time_limit).max(0.0),
        Portfolio::Lean => 0.0,
    };
    settings.report(Progress {
        phase: Phase::Bound,
        best_cost: Some(packing.cost(problem)),
        lower_bound,
    });
    let mut notes = Vec::new();
    if settings.exact && !settings.stop.is_requested() {
        let deadline = start + settings.time_limit;
        let improved = exact::improve(problem, &packing, lower_bound, deadline, settings);
        lower_bound = lower_bound.max(improved.lower_bound);
        if improved.packing.cost(problem) < packing.cost(problem) {
            packing = improved.packing;
        }
        notes.extend(improved.notes);
    }
    if let Some(merged) = &merged {
        packing = merged.expand(original, &packing);
        debug_assert_eq!(packing.verify(original), Ok(()));
    }
    let packing = Grouped::from_packing(packing);
    let cost = packing.cost(original);
    finish(settings, start, packing, cost, lower_bound, notes, first_plan_seconds)
}

/// The answer of a solve that began at `start`: the bound clamped to the cost (a bound
/// can never exceed a feasible cost; this guards against rounding in the LPs), and the
/// end reported.
fn finish(
    settings: &Settings,
    start: Instant,
    packing: Grouped,
    cost: f64,
    lower_bound: f64,
    notes: Vec<String>,
    first_plan_seconds: f64,
) -> Solved {
    let lower_bound = lower_bound.min(cost);
    settings.report(Progress {
        phase: Phase::Done,
        best_cost: Some(cost),
        lower_bound,
    });
    Solved {
        packing,
        cost,
        lower_bound,
        notes,
        first_plan_seconds,
        seconds: start.elapsed().as_secs_f64(),
        interrupted: settings.stop.is_requested(),
    }
}
