//! Column generation over bin patterns (master LP with HiGHS, pricing per bin type in
//! parallel), a Farley bound, and a MIP over the generated columns warm-started from the
//! portfolio's packing.
//!
//! A column is one bin type and a number of copies of each item that obeys every rule.
//! The master LP covers each item's count at least price; its duals price new columns.
//! The bound never trusts HiGHS: it is recomputed from the duals and this module's own
//! pricing, and every packing passes [`Packing::verify`] before it is returned.

mod bound;
mod master;
mod mip;
mod plan;
mod pricing;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use self::bound::Lattice;
use self::master::Master;
use self::pricing::Pricer;
use super::packing::{Bin, Packing};
use super::problem::Problem;
use super::Settings;

/// What the exact method reached before its deadline.
#[derive(Debug, Clone)]
pub struct Improved {
    /// Never worse than the packing passed in.
    pub packing: Packing,
    /// A valid lower bound, even when the search was cut short.
    pub lower_bound: f64,
    pub notes: Vec<String>,
}

/// Share of the remaining time that column generation may use before the MIP starts.
const COLUMN_GENERATION_SHARE: f64 = 0.6;
/// Improving patterns kept per bin type and pricing round.
const COLUMNS_PER_TYPE: usize = 4;

/// Improves `start` and the bound `lower_bound` until `deadline`.
pub fn improve(
    problem: &Problem,
    start: &Packing,
    lower_bound: f64,
    deadline: Instant,
    settings: &Settings,
) -> Improved {
    let lattice = Lattice::of(problem);
    let mut run = Run {
        problem,
        lattice,
        best_cost: start.cost(problem),
        best: start.clone(),
        lower_bound: lattice.round_up(lower_bound.max(0.0)),
        notes: Vec::new(),
    };
    if !run.is_optimal() {
        if Instant::now() >= deadline {
            run.notes
                .push("time limit reached: no time left for column generation (kept the heuristic plan)".into());
        } else {
            let outcome = catch_unwind(AssertUnwindSafe(|| run.column_generation(deadline, settings.seed)));
            match outcome {
                Ok(Ok(())) => {}
                Ok(Err(e)) => run.notes.push(format!("HiGHS failed: {e} (kept the best plan so far)")),
                Err(_) => run
                    .notes
                    .push("HiGHS failed: the exact method stopped (kept the best plan so far)".into()),
            }
        }
    }
    Improved {
        packing: run.best,
        lower_bound: run.lower_bound,
        notes: run.notes,
    }
}

/// The state of one exact solve: the best packing and bound so far.
struct Run<'p> {
    problem: &'p Problem,
    lattice: Lattice,
    best: Packing,
    best_cost: f64,
    lower_bound: f64,
    notes: Vec<String>,
}

/// The generated columns, each once, in the order generated.
struct Columns {
    bins: Vec<Bin>,
    index: BTreeMap<Bin, usize>,
}

impl Columns {
    /// Adds `bin` unless already present; returns its index and whether it is new.
    fn insert(&mut self, bin: Bin) -> (usize, bool) {
        if let Some(&c) = self.index.get(&bin) {
            return (c, false);
        }
        let c = self.bins.len();
        self.index.insert(bin.clone(), c);
        self.bins.push(bin);
        (c, true)
    }
}

impl Run<'_> {
    fn is_optimal(&self) -> bool {
        self.best_cost - self.lower_bound <= 1e-6 * self.best_cost
    }

    fn raise_bound(&mut self, bound: f64) {
        let rounded = self.lattice.round_up(bound);
        if rounded > self.lower_bound {
            self.lower_bound = rounded;
        }
    }

    /// Column generation, then the MIP over the columns, then the packing.
    fn column_generation(&mut self, deadline: Instant, seed: u64) -> Result<(), String> {
        let problem = self.problem;
        let began = Instant::now();
        let cg_deadline = began
            + deadline
                .saturating_duration_since(began)
                .mul_f64(COLUMN_GENERATION_SHARE);
        let groups = problem.groups_of_items();
        let pricer = Pricer::new(problem);
        let mut master = Master::new(problem, seed)?;
        let mut columns = Columns {
            bins: Vec::new(),
            index: BTreeMap::new(),
        };

        // The start packing's bins, then one single-item column per item, so the master
        // is feasible from the first solve.
        let mut start_copies: BTreeMap<usize, u32> = BTreeMap::new();
        for bin in &self.best.bins {
            let mut bin = bin.clone();
            bin.load.retain(|&(_, n)| n > 0);
            bin.load.sort_unstable();
            if bin.load.is_empty() || !plan::is_valid(problem, &groups, &bin) {
                continue;
            }
            let (c, _) = columns.insert(bin);
            *start_copies.entry(c).or_default() += 1;
        }
        for (i, item) in problem.items.iter().enumerate() {
            if item.count == 0 {
                continue;
            }
            let best_type = item
                .eligible
                .iter()
                .filter_map(|&t| {
                    let n = pricer.copies_alone(i, t);
                    (n > 0).then(|| (problem.bin_types[t].price / f64::from(n), t, n))
                })
                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            if let Some((_, t, n)) = best_type {
                columns.insert(Bin {
                    bin_type: t,
                    load: vec![(i, n)],
                });
            }
        }
        for bin in &columns.bins {
            master.add(problem, bin)?;
        }

        let rows = problem.items.iter().filter(|i| i.count > 0).count();
        let round_cap = (2 * rows).max(50);
        let mut exact = false;
        let mut converged = false;
        let mut rounds = 0usize;
        while Instant::now() < cg_deadline {
            rounds += 1;
            let lp = master.solve(problem, deadline)?;
            let priced = pricer.price(&lp.duals, exact, COLUMNS_PER_TYPE, cg_deadline);
            let upper_bounds: Vec<f64> = priced.iter().map(|p| p.upper_bound).collect();
            self.raise_bound(bound::farley(problem, &lp.duals, &upper_bounds));
            if self.is_optimal() {
                break;
            }
            // The LP optimum is at most this round's value: once its rounding meets the
            // bound, more columns cannot raise the bound further.
            if self.lattice.round_up(lp.value * (1.0 - 1e-9)) <= self.lower_bound * (1.0 + 1e-12) {
                converged = true;
                break;
            }
            let mut candidates: Vec<(f64, Bin)> = priced
                .into_iter()
                .flat_map(|p| p.columns)
                .map(|(value, bin)| (problem.bin_types[bin.bin_type].price / value, bin))
                .filter(|(_, bin)| !columns.index.contains_key(bin))
                .collect();
            candidates.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
            candidates.dedup_by(|a, b| a.1 == b.1);
            candidates.truncate(round_cap);
            if candidates.is_empty() {
                if exact {
                    converged = true;
                    break;
                }
                exact = true;
                continue;
            }
            exact = false;
            for (_, bin) in candidates {
                let (_, new) = columns.insert(bin.clone());
                if new {
                    master.add(problem, &bin)?;
                }
            }
        }
        if self.is_optimal() {
            return Ok(());
        }

        // The integer step over every generated column.
        let warm: Vec<u32> = (0..columns.bins.len())
            .map(|c| start_copies.get(&c).copied().unwrap_or(0))
            .collect();
        let target = self.lower_bound + 1e-7 * self.lower_bound.max(1e-9);
        let mip_deadline =
            deadline - (deadline.saturating_duration_since(Instant::now()) / 20).min(Duration::from_millis(200));
        let result = mip::solve(problem, &columns.bins, &warm, target, mip_deadline, seed)?;
        let mut proven = false;
        if let Some(result) = result {
            proven = result.proven;
            let packing = plan::to_packing(problem, &columns.bins, &result.copies);
            self.offer(packing)?;
        }
        if !self.is_optimal() {
            let mut reasons = Vec::new();
            if !converged {
                reasons.push(format!("column generation stopped after {rounds} rounds"));
            }
            if !proven {
                reasons.push(format!("the MIP over {} columns did not finish", columns.bins.len()));
            }
            if !reasons.is_empty() {
                self.notes.push(format!("time limit reached: {}", reasons.join("; ")));
            }
        }
        Ok(())
    }

    /// Keeps `packing` if it verifies and is cheaper than the best so far.
    fn offer(&mut self, packing: Packing) -> Result<(), String> {
        packing
            .verify(self.problem)
            .map_err(|e| format!("its plan failed the check: {e}"))?;
        let cost = packing.cost(self.problem);
        if cost < self.best_cost {
            self.best = packing;
            self.best_cost = cost;
        }
        Ok(())
    }
}
