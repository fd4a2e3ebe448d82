//! Reduced-cost enumeration: the step that closes the gap the LP bound leaves open.
//!
//! Take dual values π ≥ 0 that price no pattern above its bin's price (a feasible dual of
//! the full master LP, as Farley's scaling gives). A plan of cost c covers every item, so
//! c = Σ (price − π·pattern) + Σ π·pattern ≥ Σ reduced costs + Σ count·π, and each of its
//! bins has a reduced cost of at most c − Σ count·π. Adding copies to a bin never raises
//! its reduced cost, so every plan of cost at most `u` can be made of maximal patterns of
//! reduced cost at most `u − Σ count·π`. When those patterns are few, the MIP over them
//! finds a plan of cost at most `u`, or proves that none exists.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use super::pricing::{Knapsack, Pricer};
use crate::engine::packing::Bin;
use crate::engine::problem::Problem;

/// Search nodes per bin type before the enumeration gives up.
const NODE_LIMIT: u64 = 50_000_000;

/// Every maximal pattern whose reduced cost under `duals` is at most `slack`, or `None`
/// when there are more than `limit` or the search reaches its node limit or `deadline`.
/// `duals` must price no pattern above its bin's price for the result to be complete.
pub fn patterns(
    problem: &Problem,
    pricer: &Pricer,
    duals: &[f64],
    slack: f64,
    limit: usize,
    deadline: Instant,
) -> Option<Vec<Bin>> {
    // Patterns found over all bin types: every search stops once they pass the limit.
    let total = AtomicUsize::new(0);
    let per_type: Vec<Option<Vec<Bin>>> = (0..problem.bin_types.len())
        .into_par_iter()
        .map(|t| {
            if total.load(Ordering::Relaxed) > limit {
                return None;
            }
            let knapsack = pricer.knapsack_of_all(t, duals);
            let need = problem.bin_types[t].price - slack;
            let mut search = Enumeration::new(&knapsack, need, &total, limit, deadline);
            search.visit(0, 0.0);
            (!search.aborted).then(|| {
                search
                    .found
                    .into_iter()
                    .map(|counts| {
                        let mut load: Vec<(usize, u32)> = counts
                            .iter()
                            .enumerate()
                            .filter(|(_, &c)| c > 0)
                            .map(|(j, &c)| (knapsack.items[j], c))
                            .collect();
                        load.sort_unstable();
                        Bin { bin_type: t, load }
                    })
                    .collect()
            })
        })
        .collect();
    let mut all = Vec::new();
    for bins in per_type {
        all.extend(bins?);
        if all.len() > limit {
            return None;
        }
    }
    Some(all)
}

/// Depth-first search over the candidates in ratio order, most copies first, pruned by
/// the knapsack's fractional bound against the value a pattern needs.
struct Enumeration<'k> {
    knapsack: &'k Knapsack,
    /// The least dual value a pattern must have (with a margin for rounding).
    need: f64,
    total: &'k AtomicUsize,
    limit: usize,
    deadline: Instant,
    room: Vec<u64>,
    used: Vec<bool>,
    counts: Vec<u32>,
    found: Vec<Vec<u32>>,
    nodes: u64,
    aborted: bool,
}

impl<'k> Enumeration<'k> {
    fn new(knapsack: &'k Knapsack, need: f64, total: &'k AtomicUsize, limit: usize, deadline: Instant) -> Self {
        Enumeration {
            need: need - 1e-7 * need.abs().max(1.0),
            total,
            limit,
            deadline,
            room: knapsack.capacity.clone(),
            used: vec![false; knapsack.group_count],
            counts: vec![0; knapsack.items.len()],
            found: Vec::new(),
            nodes: 0,
            aborted: false,
            knapsack,
        }
    }

    fn visit(&mut self, k: usize, value: f64) {
        if self.aborted {
            return;
        }
        self.nodes += 1;
        if self.nodes % 1024 == 0
            && (self.nodes > NODE_LIMIT
                || Instant::now() >= self.deadline
                || self.total.load(Ordering::Relaxed) > self.limit)
        {
            self.aborted = true;
            return;
        }
        let (rest, first) = self.knapsack.bound_from(k, &self.room, &self.used);
        if value + rest < self.need {
            return;
        }
        if first.is_some() && value + self.knapsack.dimension_bound(k, &self.room, &self.used) < self.need {
            return;
        }
        let Some(j) = first else {
            // Nothing after `k` fits: a pattern, kept when no candidate skipped earlier fits.
            if value >= self.need && self.is_maximal() {
                self.found.push(self.counts.clone());
                self.aborted = self.total.fetch_add(1, Ordering::Relaxed) + 1 > self.limit;
            }
            return;
        };
        if self.knapsack.at_most_one_more(&self.room) {
            self.last_copy(j, value);
            return;
        }
        let most = self.knapsack.fits(j, &self.room, &self.used);
        for c in (0..=most).rev() {
            if c > 0 {
                self.knapsack
                    .apply(j, c, &mut self.room, &mut self.used, &mut self.counts);
            }
            self.visit(j + 1, value + f64::from(c) * self.knapsack.value[j]);
            if c > 0 {
                self.knapsack
                    .remove(j, c, &mut self.room, &mut self.used, &mut self.counts);
            }
            if self.aborted {
                return;
            }
        }
    }

    /// The patterns of a bin that holds at most one more copy, whose first fitting
    /// candidate from here on is `first`: the bin plus one copy of each candidate from
    /// `first` on that fits (each then maximal), in one pass. The bin alone is not
    /// maximal, since `first` fits.
    fn last_copy(&mut self, first: usize, value: f64) {
        for j in first..self.knapsack.items.len() {
            if self.knapsack.value[j] + value < self.need || self.knapsack.fits(j, &self.room, &self.used) == 0 {
                continue;
            }
            self.nodes += 1;
            let mut counts = self.counts.clone();
            counts[j] += 1;
            self.found.push(counts);
            if self.total.fetch_add(1, Ordering::Relaxed) + 1 > self.limit {
                self.aborted = true;
                return;
            }
        }
    }

    fn is_maximal(&self) -> bool {
        (0..self.counts.len())
            .all(|j| self.counts[j] >= self.knapsack.copies[j] || self.knapsack.fits(j, &self.room, &self.used) == 0)
    }
}
