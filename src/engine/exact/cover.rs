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
//!
//! On large instances (500 items and thousands of exactly filled triplets) the tree search
//! rarely recovers from its early choices; a local search with item weights does: it keeps
//! disjoint patterns, adds one that holds an uncovered copy and takes out the patterns it
//! overlaps, choosing the pattern that most lowers the weight of the copies left uncovered,
//! and raises the weight of every uncovered copy each step, so that copies left out long
//! are covered at last (the clause weighting of SAT local search). Weights halve every
//! [`DECAY_EVERY`] steps, so that old weights do not freeze the search. Its time to a cover
//! varies widely with the seed, so two searches run side by side; short of a cover, the
//! closest one it reached still makes a good plan once the copies it leaves out are packed.

use std::time::Instant;

use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use crate::engine::packing::Bin;
use crate::engine::problem::Problem;

/// Search nodes of the first restart; each next restart allows half as many more.
const FIRST_NODE_LIMIT: u64 = 2_000;
/// The tree search's share of the time before the local search takes the rest.
const TREE_SHARE: f64 = 0.1;
/// Steps between halvings of the local search's weights above 1.
const DECAY_EVERY: u64 = 10_000;
/// Steps for which a pattern taken out may not come back.
const TABU_STEPS: u64 = 3;
/// Local searches run side by side (not one per thread, so that the answer does not
/// depend on the thread count).
const LANES: u64 = 2;
/// Steps of each local search between looks at the others and at the clock.
const ROUND_STEPS: u64 = 4096;

/// Copies of each pattern, holding no copy of an item twice.
pub enum Cover {
    /// Every copy of every item.
    Exact(Vec<u32>),
    /// The local search's closest: the fewest copies left out.
    Closest(Vec<u32>),
}

impl Cover {
    pub fn copies(&self) -> &[u32] {
        match self {
            Cover::Exact(copies) | Cover::Closest(copies) => copies,
        }
    }
}

/// Copies of each pattern that together hold every copy of every item exactly, or the
/// closest the local search came by `deadline`; `None` when there is no exact cover.
pub fn exact_cover(problem: &Problem, patterns: &[Bin], deadline: Instant, seed: u64) -> Option<Cover> {
    let tree_until = Instant::now() + deadline.saturating_duration_since(Instant::now()).mul_f64(TREE_SHARE);
    match tree_search(problem, patterns, tree_until, seed) {
        Ok(found) => found.map(Cover::Exact),
        Err(Stopped) => Some(local_search(problem, patterns, deadline, seed)),
    }
}

/// The tree search stopped before it found a cover or showed there is none.
struct Stopped;

/// Algorithm X with restarts: `Ok(None)` when no exact cover exists.
fn tree_search(problem: &Problem, patterns: &[Bin], deadline: Instant, seed: u64) -> Result<Option<Vec<u32>>, Stopped> {
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
            return Ok(Some(copies));
        }
        if !search.stopped {
            // The search was complete: no exact cover exists.
            return Ok(None);
        }
        if Instant::now() >= deadline {
            return Err(Stopped);
        }
        limit += limit / 2;
    }
    Err(Stopped)
}

/// The weighted local search: copies of each pattern that cover every copy exactly, or
/// at `deadline` the state that left the fewest copies out. [`LANES`] searches with seeds
/// of their own run side by side in rounds of [`ROUND_STEPS`] steps, and the first (in
/// order) to cover after a round gives the answer: the same on any number of threads.
pub(super) fn local_search(problem: &Problem, patterns: &[Bin], deadline: Instant, seed: u64) -> Cover {
    let mut lanes: Vec<Local> = (0..LANES)
        .map(|k| Local::new(problem, patterns, seed.wrapping_add(k)))
        .collect();
    let copies_of = |lane: &Local| {
        let mut copies = vec![0u32; patterns.len()];
        for p in lane.slots.iter().flatten() {
            copies[*p] += 1;
        }
        copies
    };
    let mut closest: Option<(u64, Vec<u32>)> = None;
    while Instant::now() < deadline {
        lanes.par_iter_mut().for_each(|lane| lane.run(ROUND_STEPS));
        for lane in &lanes {
            let left: u64 = lane
                .open
                .iter()
                .map(|&i| u64::from(lane.count[i] - lane.covered[i]))
                .sum();
            if left == 0 {
                return Cover::Exact(copies_of(lane));
            }
            if closest.as_ref().map_or(true, |(l, _)| left < *l) {
                closest = Some((left, copies_of(lane)));
            }
        }
    }
    Cover::Closest(closest.map_or_else(|| vec![0; patterns.len()], |(_, copies)| copies))
}

/// The local search's state: disjoint patterns, in slots.
struct Local {
    /// The patterns' loads, one after another: pattern `p`'s is `loads[start[p]..start[p + 1]]`
    /// (a flat array: the search reads loads at random, millions of times).
    loads: Vec<(usize, u32)>,
    start: Vec<usize>,
    count: Vec<u32>,
    /// Per item, the patterns that hold it (those that fit in the counts).
    by_item: Vec<Vec<usize>>,
    /// The pattern in each slot; free slots are reused.
    slots: Vec<Option<usize>>,
    free_slots: Vec<usize>,
    /// Per item, the slots that hold it, and its copies covered.
    holders: Vec<Vec<usize>>,
    covered: Vec<u32>,
    /// Items with copies uncovered, and each one's place in `open` (`usize::MAX` if none).
    open: Vec<usize>,
    place: Vec<usize>,
    weight: Vec<u64>,
    /// The step until which each pattern may not come back.
    tabu: Vec<u64>,
    step: u64,
    rng: SmallRng,
    /// Scratch: the best patterns of a step, and the slots a pattern overlaps.
    best: Vec<usize>,
    taken_out: Vec<usize>,
}

impl Local {
    fn new(problem: &Problem, patterns: &[Bin], seed: u64) -> Self {
        let count: Vec<u32> = problem.items.iter().map(|i| i.count).collect();
        let mut by_item = vec![Vec::new(); count.len()];
        for (p, pattern) in patterns.iter().enumerate() {
            if pattern.load.iter().all(|&(i, n)| n <= count[i]) {
                for &(i, _) in &pattern.load {
                    by_item[i].push(p);
                }
            }
        }
        let mut start = vec![0];
        let mut loads = Vec::new();
        for pattern in patterns {
            loads.extend_from_slice(&pattern.load);
            start.push(loads.len());
        }
        let open: Vec<usize> = (0..count.len()).filter(|&i| count[i] > 0).collect();
        let mut place = vec![usize::MAX; count.len()];
        for (k, &i) in open.iter().enumerate() {
            place[i] = k;
        }
        Local {
            loads,
            start,
            by_item,
            slots: Vec::new(),
            free_slots: Vec::new(),
            holders: vec![Vec::new(); count.len()],
            covered: vec![0; count.len()],
            open,
            place,
            weight: vec![1; count.len()],
            tabu: vec![0; patterns.len()],
            count,
            step: 0,
            rng: SmallRng::seed_from_u64(seed),
            best: Vec::new(),
            taken_out: Vec::new(),
        }
    }

    /// Up to `steps` steps, fewer once every copy is covered. A step takes an uncovered
    /// item, puts in the pattern holding it that lowers the uncovered weight most (ties at
    /// random), takes out what it overlaps, and weighs the uncovered copies once more.
    fn run(&mut self, steps: u64) {
        let mut best = std::mem::take(&mut self.best);
        let mut taken_out = std::mem::take(&mut self.taken_out);
        for _ in 0..steps {
            if self.open.is_empty() {
                break;
            }
            self.step += 1;
            let u = self.open[self.rng.gen_range(0..self.open.len())];
            best.clear();
            let mut best_score = i64::MIN;
            for &p in &self.by_item[u] {
                if self.tabu[p] > self.step {
                    continue;
                }
                self.overlapped(p, &mut taken_out);
                let score = self.weight_of(p)
                    - taken_out
                        .iter()
                        .map(|&s| self.weight_of(self.slots[s].expect("chosen")))
                        .sum::<i64>();
                if score > best_score {
                    best_score = score;
                    best.clear();
                }
                if score == best_score {
                    best.push(p);
                }
            }
            if best.is_empty() {
                continue;
            }
            let p = best[self.rng.gen_range(0..best.len())];
            self.overlapped(p, &mut taken_out);
            for &slot in &taken_out {
                self.take_out(slot, self.step);
            }
            self.put_in(p);
            for &i in &self.open {
                self.weight[i] += u64::from(self.count[i] - self.covered[i]);
            }
            if self.step % DECAY_EVERY == 0 {
                for w in &mut self.weight {
                    *w = 1 + (*w - 1) / 2;
                }
            }
        }
        self.best = best;
        self.taken_out = taken_out;
    }

    /// The load of pattern `p`.
    fn load(&self, p: usize) -> &[(usize, u32)] {
        &self.loads[self.start[p]..self.start[p + 1]]
    }

    /// The weight of pattern `p`'s copies.
    fn weight_of(&self, p: usize) -> i64 {
        self.load(p)
            .iter()
            .map(|&(i, n)| self.weight[i] as i64 * i64::from(n))
            .sum()
    }

    /// The slots that pattern `p` makes over-cover an item, taken out first to last until
    /// none does, into `out`.
    fn overlapped(&self, p: usize, out: &mut Vec<usize>) {
        out.clear();
        for &(i, n) in self.load(p) {
            let mut excess = i64::from(self.covered[i] + n) - i64::from(self.count[i]);
            if excess <= 0 {
                continue;
            }
            for &slot in &out[..] {
                excess -= self.copies_in(slot, i);
            }
            for &slot in &self.holders[i] {
                if excess <= 0 {
                    break;
                }
                if !out.contains(&slot) {
                    out.push(slot);
                    excess -= self.copies_in(slot, i);
                }
            }
        }
    }

    /// Copies of item `i` in the pattern in `slot`.
    fn copies_in(&self, slot: usize, i: usize) -> i64 {
        let q = self.slots[slot].expect("a chosen pattern");
        self.load(q)
            .iter()
            .find(|&&(j, _)| j == i)
            .map_or(0, |&(_, m)| i64::from(m))
    }

    fn take_out(&mut self, slot: usize, step: u64) {
        let q = self.slots[slot].take().expect("a chosen pattern");
        self.free_slots.push(slot);
        self.tabu[q] = step + TABU_STEPS;
        for k in self.start[q]..self.start[q + 1] {
            let (j, m) = self.loads[k];
            self.holders[j].retain(|&s| s != slot);
            self.covered[j] -= m;
            if self.place[j] == usize::MAX {
                self.place[j] = self.open.len();
                self.open.push(j);
            }
        }
    }

    fn put_in(&mut self, p: usize) {
        let slot = self.free_slots.pop().unwrap_or_else(|| {
            self.slots.push(None);
            self.slots.len() - 1
        });
        self.slots[slot] = Some(p);
        for k in self.start[p]..self.start[p + 1] {
            let (i, n) = self.loads[k];
            self.holders[i].push(slot);
            self.covered[i] += n;
            if self.covered[i] == self.count[i] {
                let at = self.place[i];
                self.open.swap_remove(at);
                if let Some(&moved) = self.open.get(at) {
                    self.place[moved] = at;
                }
                self.place[i] = usize::MAX;
            }
        }
    }
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
