//! Exact cover: bins that hold every copy of every item exactly once, chosen among given
//! patterns, found by depth-first search (Knuth's Algorithm X, with copy counts).
//!
//! When the patterns are those of reduced cost zero under dual values whose bound is a
//! plan's cost (bins filled exactly, as in triplet instances), any exact cover meets the
//! bound and is optimal. A MIP solver struggles with such covers (few hundred rows, a few
//! thousand columns, no slack anywhere); the search branches on the item with the fewest
//! patterns left and drops every pattern that no longer fits, so a wrong choice shows at
//! once. Restarts with a growing node limit and another order of the patterns keep it from
//! being stuck under an early mistake.

use std::time::Instant;

use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use crate::engine::packing::Bin;
use crate::engine::problem::Problem;

/// Search nodes of the first restart; each next restart allows half as many more.
const FIRST_NODE_LIMIT: u64 = 2_000;

/// Copies of each pattern that together hold every copy of every item exactly, or `None`
/// when the search finds none before `deadline`.
pub fn exact_cover(problem: &Problem, patterns: &[Bin], deadline: Instant, seed: u64) -> Option<Vec<u32>> {
    let mut search = Search::new(problem, patterns);
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut limit = FIRST_NODE_LIMIT;
    for restart in 0u64.. {
        if restart > 0 {
            for list in &mut search.by_item {
                list.shuffle(&mut rng);
            }
        }
        search.nodes = 0;
        search.limit = limit;
        search.stopped = false;
        if search.visit(deadline) {
            let mut copies = vec![0u32; patterns.len()];
            for &p in &search.chosen {
                copies[p] += 1;
            }
            return Some(copies);
        }
        if Instant::now() >= deadline || !search.stopped {
            // Out of time, or the search was complete: no exact cover exists.
            return None;
        }
        limit += limit / 2;
    }
    None
}

struct Search<'a> {
    patterns: &'a [Bin],
    /// Copies of each item still to place.
    remaining: Vec<u32>,
    /// Per item, the patterns that hold it.
    by_item: Vec<Vec<usize>>,
    /// Whether each pattern still fits in what remains.
    alive: Vec<bool>,
    /// Per item, the live patterns that hold it.
    options: Vec<u32>,
    /// Patterns dropped, in order, to restore on the way back.
    trail: Vec<usize>,
    chosen: Vec<usize>,
    nodes: u64,
    limit: u64,
    stopped: bool,
}

impl<'a> Search<'a> {
    fn new(problem: &Problem, patterns: &'a [Bin]) -> Self {
        let items = problem.items.len();
        let mut by_item = vec![Vec::new(); items];
        let mut options = vec![0u32; items];
        let remaining: Vec<u32> = problem.items.iter().map(|i| i.count).collect();
        let alive: Vec<bool> = patterns
            .iter()
            .map(|p| p.load.iter().all(|&(i, n)| n <= remaining[i]))
            .collect();
        for (p, pattern) in patterns.iter().enumerate() {
            for &(i, _) in &pattern.load {
                by_item[i].push(p);
                if alive[p] {
                    options[i] += 1;
                }
            }
        }
        Search {
            patterns,
            remaining,
            by_item,
            alive,
            options,
            trail: Vec::new(),
            chosen: Vec::new(),
            nodes: 0,
            limit: 0,
            stopped: false,
        }
    }

    /// Extends the chosen patterns to an exact cover; true when it did.
    fn visit(&mut self, deadline: Instant) -> bool {
        self.nodes += 1;
        if self.nodes > self.limit || (self.nodes % 1024 == 0 && Instant::now() >= deadline) {
            self.stopped = true;
            return false;
        }
        // The item with copies left and the fewest patterns that can still take one.
        let Some(item) = (0..self.remaining.len())
            .filter(|&i| self.remaining[i] > 0)
            .min_by_key(|&i| (self.options[i], i))
        else {
            return true;
        };
        if self.options[item] == 0 {
            return false;
        }
        for k in 0..self.by_item[item].len() {
            let p = self.by_item[item][k];
            if !self.alive[p] {
                continue;
            }
            let mark = self.trail.len();
            self.place(p);
            self.chosen.push(p);
            if self.visit(deadline) {
                return true;
            }
            self.chosen.pop();
            self.unplace(p, mark);
            if self.stopped {
                return false;
            }
        }
        false
    }

    /// Places one copy of pattern `p` and drops the patterns that no longer fit.
    fn place(&mut self, p: usize) {
        for &(i, n) in &self.patterns[p].load {
            self.remaining[i] -= n;
        }
        for &(i, _) in &self.patterns[p].load {
            for k in 0..self.by_item[i].len() {
                let q = self.by_item[i][k];
                if self.alive[q] && self.patterns[q].load.iter().any(|&(j, m)| m > self.remaining[j]) {
                    self.alive[q] = false;
                    for &(j, _) in &self.patterns[q].load {
                        self.options[j] -= 1;
                    }
                    self.trail.push(q);
                }
            }
        }
    }

    /// Takes back pattern `p` and the patterns dropped since `mark`.
    fn unplace(&mut self, p: usize, mark: usize) {
        for q in self.trail.drain(mark..) {
            self.alive[q] = true;
            for &(j, _) in &self.patterns[q].load {
                self.options[j] += 1;
            }
        }
        for &(i, n) in &self.patterns[p].load {
            self.remaining[i] += n;
        }
    }
}
