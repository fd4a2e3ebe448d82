//! Fewer bins by an ejection search, after Buljubašić and Vasquez's consistent
//! neighborhood search for vector packing. From a plan of `m` bins, the two lightest are
//! emptied into a pool of copies left out; each move then puts one copy from the pool into
//! a bin (or two, into a bin of few copies), ejecting into the pool at most two copies that
//! no longer fit beside it. The move chosen leaves the pool nearest to fitting one bin (its
//! excess over a bin's capacity, then its weight). A copy may not go back into the bin that
//! ejected it for a while (tabu), unless that brings the pool nearer than ever; when the
//! pool stops getting nearer, swaps between bins gather their free room. Once the pool fits
//! one bin, the plan has `m − 1` bins, and the search goes on for one bin fewer, down to the
//! bound. One bin type only: with several, a bin fewer is not the only way to save.

use std::time::Instant;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::state::{self, Data, WorkBin};
use crate::engine::packing::Packing;
use crate::engine::problem::{ItemId, Problem};

/// Moves between looks at the clock.
const CLOCK_MOVES: u64 = 64;
/// A copy ejected from a bin may not go back into it for this many moves, plus up to
/// as many again at random.
const TENURE: u64 = 8;
/// Moves without a lighter pool between consolidations of the bins.
const STALL_MOVES: u64 = 100;
/// Most passes over all pairs of bins in one consolidation.
const CONSOLIDATE_PASSES: usize = 3;
/// Share of the pool's weight in its score.
const WEIGHT: f64 = 0.01;
/// Bins holding more copies than this are not searched for pairs to eject.
const PAIR_COPIES: u32 = 24;
/// Bins holding more copies than this do not take two copies of the pool in one move: in
/// bins of two or three copies, a pair from the pool replacing what the bin holds is often
/// the only way forward; in fuller bins, one copy at a time gets there, and pairs would
/// multiply the moves to weigh.
const PAIR_IN_COPIES: u32 = 4;

/// A plan with fewer bins than `start`, and no fewer than `least_bins`, if the search
/// finds one within `moves` moves per bin fewer and by `deadline`. Deterministic for a
/// given seed when it ends before the deadline.
pub fn fewer_bins(
    problem: &Problem,
    start: &Packing,
    least_bins: usize,
    moves: u64,
    deadline: Instant,
    seed: u64,
) -> Option<Packing> {
    if problem.bin_types.len() != 1 || start.bins.len() <= least_bins.max(2) {
        return None;
    }
    let data = Data::new(problem);
    let mut bins: Vec<WorkBin> = start
        .bins
        .iter()
        .map(|b| {
            let mut bin = WorkBin::new(b.bin_type, data.dims);
            for &(i, k) in &b.load {
                bin.add(&data, i, k);
            }
            bin
        })
        .collect();
    let weight: Vec<f64> = (0..data.n)
        .map(|i| {
            data.item_size(i)
                .iter()
                .zip(data.type_cap(0))
                .filter(|(_, &c)| c > 0)
                .map(|(&s, &c)| s as f64 / c as f64)
                .sum()
        })
        .collect();
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut fewer = false;
    while bins.len() > least_bins.max(2) {
        let mut search = Search::new(&data, &weight, bins.clone());
        match search.run(moves, deadline, &mut rng) {
            Some(found) => {
                bins = found;
                fewer = true;
            }
            None => break,
        }
    }
    fewer.then(|| state::to_packing(bins))
}

/// One move: one or two copies from the pool into bin `bin`, and at most two copies out of
/// it into the pool, by item (`ins` and `outs` of `into` and `out` count).
#[derive(Debug, Clone, Copy)]
struct Move {
    bin: usize,
    into: [ItemId; 2],
    ins: usize,
    out: [ItemId; 2],
    outs: usize,
}

impl Move {
    fn new(bin: usize, into: &[ItemId], out: &[ItemId]) -> Move {
        let pad = |x: &[ItemId]| [x[0], x[x.len() - 1]];
        let first = into[0];
        Move {
            bin,
            into: pad(into),
            ins: into.len(),
            out: if out.is_empty() { [first; 2] } else { pad(out) },
            outs: out.len(),
        }
    }
}

/// The search for one bin fewer: `bins` holds two bins fewer than the plan it started from,
/// and `pool` what they held and what moves ejected since.
struct Search<'d, 'p> {
    data: &'d Data<'p>,
    bins: Vec<WorkBin>,
    /// `(item, copies)` left out.
    pool: Vec<(ItemId, u32)>,
    /// Per item, one copy's size relative to the capacity, summed over the resources.
    weight: &'d [f64],
    pool_weight: f64,
    /// The pool's total size per resource.
    pool_sum: Vec<u64>,
    /// `tabu[item * bins + bin]`: the move before which the item may not enter the bin.
    tabu: Vec<u64>,
    moves: u64,
}

impl<'d, 'p> Search<'d, 'p> {
    fn new(data: &'d Data<'p>, weight: &'d [f64], mut bins: Vec<WorkBin>) -> Self {
        let load_weight = |b: &WorkBin| -> f64 { b.load.iter().map(|&(i, k)| f64::from(k) * weight[i]).sum() };
        let mut pool = Vec::new();
        for _ in 0..2 {
            let lightest = (0..bins.len())
                .min_by(|&a, &b| load_weight(&bins[a]).total_cmp(&load_weight(&bins[b])).then(a.cmp(&b)))
                .expect("more than two bins");
            pool.extend(bins.swap_remove(lightest).load);
        }
        let pool_weight = pool.iter().map(|&(i, k)| f64::from(k) * weight[i]).sum();
        let mut pool_sum = vec![0u64; data.dims];
        for &(i, k) in &pool {
            for (t, &s) in pool_sum.iter_mut().zip(data.item_size(i)) {
                *t += s * u64::from(k);
            }
        }
        let tabu = vec![0; data.n * bins.len()];
        Search {
            data,
            bins,
            pool,
            weight,
            pool_weight,
            pool_sum,
            tabu,
            moves: 0,
        }
    }

    /// Moves until the pool fits one bin (then the bins with that one), `moves` moves or
    /// `deadline`.
    fn run(&mut self, moves: u64, deadline: Instant, rng: &mut SmallRng) -> Option<Vec<WorkBin>> {
        let mut lightest = self.score(&[], &[]);
        let mut stalled = 0u64;
        loop {
            if let Some(last) = self.pool_in_one_bin() {
                let mut bins = std::mem::take(&mut self.bins);
                bins.push(last);
                return Some(bins);
            }
            if self.moves >= moves || self.moves % CLOCK_MOVES == 0 && Instant::now() >= deadline {
                return None;
            }
            let m = self.best_move(lightest, rng)?;
            self.apply(m, rng);
            let score = self.score(&[], &[]);
            if score < lightest - 1e-9 {
                lightest = score;
                stalled = 0;
            } else {
                stalled += 1;
                // A consolidation may take as long as many moves: the clock first.
                if stalled % STALL_MOVES == 0 {
                    if Instant::now() >= deadline {
                        return None;
                    }
                    self.consolidate();
                }
            }
        }
    }

    /// Swaps and moves copies between bins while that makes full bins fuller (the sum
    /// over bins of their squared shares of each resource rises): room gathers in a few
    /// bins, where copies of the pool may then fit.
    fn consolidate(&mut self) {
        for _ in 0..CONSOLIDATE_PASSES {
            let mut changed = false;
            for a in 0..self.bins.len() {
                for b in a + 1..self.bins.len() {
                    changed |= self.exchange(a, b);
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// The best swap of one copy of `a` with one of `b`, or move of one copy between them,
    /// that raises their fullness; whether there was one.
    fn exchange(&mut self, a: usize, b: usize) -> bool {
        let data = self.data;
        let before = fullness(data, &self.bins[a]) + fullness(data, &self.bins[b]);
        let mut best: Option<(f64, Option<ItemId>, Option<ItemId>)> = None;
        let (x, y) = (&self.bins[a], &self.bins[b]);
        let movable =
            |bin: &WorkBin, i: ItemId| data.is_eligible(i, bin.bin_type) && bin.copies_of(i) < data.per_bin[i];
        let mut consider = |from_a: Option<ItemId>, from_b: Option<ItemId>| {
            let after = fullness_after(data, x, from_b, from_a) + fullness_after(data, y, from_a, from_b);
            if after > before + 1e-9 && best.as_ref().map_or(true, |(v, _, _)| after > *v + 1e-12) {
                best = Some((after, from_a, from_b));
            }
        };
        for &(j, _) in &x.load {
            if !movable(y, j) {
                continue;
            }
            if y.fit(data, j) > 0 {
                consider(Some(j), None);
            }
            for &(h, _) in &y.load {
                if h != j && movable(x, h) && fits_after(data, y, &[j], &[h]) && fits_after(data, x, &[h], &[j]) {
                    consider(Some(j), Some(h));
                }
            }
        }
        for &(h, _) in &y.load {
            if movable(x, h) && x.fit(data, h) > 0 {
                consider(None, Some(h));
            }
        }
        let Some((_, from_a, from_b)) = best else {
            return false;
        };
        if let Some(j) = from_a {
            self.bins[a].remove(data, j, 1);
        }
        if let Some(h) = from_b {
            self.bins[b].remove(data, h, 1);
            self.bins[a].add(data, h, 1);
        }
        if let Some(j) = from_a {
            self.bins[b].add(data, j, 1);
        }
        true
    }

    /// The pool packed into one bin, if it fits.
    fn pool_in_one_bin(&self) -> Option<WorkBin> {
        let mut bin = WorkBin::new(0, self.data.dims);
        for &(i, k) in &self.pool {
            if bin.fit(self.data, i) < k {
                return None;
            }
            bin.add(self.data, i, k);
        }
        Some(bin)
    }

    /// The move that leaves the pool the least [`Search::score`], ties at random: tabu
    /// moves only when their score is below `lightest`, the least so far.
    fn best_move(&self, lightest: f64, rng: &mut SmallRng) -> Option<Move> {
        let data = self.data;
        let nb = self.bins.len();
        let mut best: Option<(f64, Move)> = None;
        let mut ties = 0u32;
        let mut consider = |score: f64, tabu: bool, m: Move| {
            if tabu && score >= lightest - 1e-9 {
                return;
            }
            match best {
                Some((d, _)) if score > d + 1e-12 => {}
                Some((d, _)) if score >= d - 1e-12 => {
                    ties += 1;
                    if rng.gen_range(0..=ties) == 0 {
                        best = Some((score, m));
                    }
                }
                _ => {
                    ties = 0;
                    best = Some((score, m));
                }
            }
        };
        // The items of a bin whose copy alone makes room, reused from bin to bin.
        let mut alone = Vec::new();
        // One copy of the pool into a bin, then two into a bin of few copies: where bins
        // hold two or three, a pair from the pool often replaces what a bin holds.
        let singles = self.pool.iter().map(|&(i, _)| ([i, i], 1));
        let pairs = self.pool.iter().enumerate().flat_map(|(x, &(i, k))| {
            self.pool[x..]
                .iter()
                .filter(move |&&(h, _)| h != i || k >= 2)
                .map(move |&(h, _)| ([i, h], 2))
        });
        let held: Vec<u32> = self.bins.iter().map(WorkBin::copies).collect();
        for (entering, ins) in singles.chain(pairs) {
            let into = &entering[..ins];
            for (b, bin) in self.bins.iter().enumerate() {
                if ins == 2 && held[b] > PAIR_IN_COPIES {
                    continue;
                }
                let allowed = |i: ItemId| {
                    let need = into.iter().filter(|&&x| x == i).count() as u32;
                    data.is_eligible(i, bin.bin_type) && bin.copies_of(i) + need <= data.per_bin[i]
                };
                if !into.iter().all(|&i| allowed(i)) {
                    continue;
                }
                let tabu = into.iter().any(|&i| self.tabu[i * nb + b] > self.moves);
                if fits_after(data, bin, into, &[]) {
                    consider(self.score(into, &[]), tabu, Move::new(b, into, &[]));
                    continue;
                }
                alone.clear();
                for &(j, _) in &bin.load {
                    if !into.contains(&j) && fits_after(data, bin, into, &[j]) {
                        consider(self.score(into, &[j]), tabu, Move::new(b, into, &[j]));
                        alone.push(j);
                    }
                }
                if held[b] > PAIR_COPIES {
                    continue;
                }
                for (x, &(j, kj)) in bin.load.iter().enumerate() {
                    if into.contains(&j) || alone.contains(&j) {
                        continue;
                    }
                    if kj >= 2 && fits_after(data, bin, into, &[j, j]) {
                        consider(self.score(into, &[j, j]), tabu, Move::new(b, into, &[j, j]));
                    }
                    for &(h, _) in &bin.load[x + 1..] {
                        if !into.contains(&h) && !alone.contains(&h) && fits_after(data, bin, into, &[j, h]) {
                            consider(self.score(into, &[j, h]), tabu, Move::new(b, into, &[j, h]));
                        }
                    }
                }
            }
        }
        best.map(|(_, m)| m)
    }

    /// Makes move `m`: its copies out of the bin go to the pool, tabu for that bin.
    fn apply(&mut self, m: Move, rng: &mut SmallRng) {
        let data = self.data;
        let nb = self.bins.len();
        self.moves += 1;
        for &j in &m.out[..m.outs] {
            self.bins[m.bin].remove(data, j, 1);
            add_copy(&mut self.pool, j);
            self.pool_weight += self.weight[j];
            for (t, &s) in self.pool_sum.iter_mut().zip(data.item_size(j)) {
                *t += s;
            }
            self.tabu[j * nb + m.bin] = self.moves + TENURE + rng.gen_range(0..=TENURE);
        }
        for &i in &m.into[..m.ins] {
            self.bins[m.bin].add(data, i, 1);
            let at = self
                .pool
                .iter()
                .position(|&(j, _)| j == i)
                .expect("the pool holds the item");
            self.pool[at].1 -= 1;
            if self.pool[at].1 == 0 {
                self.pool.remove(at);
            }
            self.pool_weight -= self.weight[i];
            for (t, &s) in self.pool_sum.iter_mut().zip(data.item_size(i)) {
                *t -= s;
            }
        }
    }

    /// The pool's score once a copy of each of `out` has left it and one of each of `into`
    /// has joined it: how far its size exceeds one bin, summed over the resources relative
    /// to the capacity, and a little of its weight, so that of two pools equally far from
    /// fitting the lighter comes first.
    fn score(&self, out: &[ItemId], into: &[ItemId]) -> f64 {
        let data = self.data;
        let cap = data.type_cap(0);
        let mut over = 0.0;
        let mut weight = self.pool_weight;
        for &j in into {
            weight += self.weight[j];
        }
        for &j in out {
            weight -= self.weight[j];
        }
        for d in 0..data.dims {
            let mut t = self.pool_sum[d];
            for &j in into {
                t += data.item_size(j)[d];
            }
            for &j in out {
                t -= data.item_size(j)[d];
            }
            if t > cap[d] {
                over += (t - cap[d]) as f64 / cap[d].max(1) as f64;
            }
        }
        over + WEIGHT * weight
    }
}

/// Whether a copy of each of `into` fits `bin` once a copy of each of `eject` is out:
/// capacity and conflict groups (the caller has checked eligibility and the per-bin cap).
fn fits_after(data: &Data, bin: &WorkBin, into: &[ItemId], eject: &[ItemId]) -> bool {
    let cap = data.type_cap(bin.bin_type);
    for d in 0..data.dims {
        let freed: u64 = eject.iter().map(|&j| data.item_size(j)[d]).sum();
        let added: u64 = into.iter().map(|&i| data.item_size(i)[d]).sum();
        if bin.used[d] + added > cap[d] + freed {
            return false;
        }
    }
    into.iter().enumerate().all(|(x, &i)| {
        data.groups[i].iter().all(|g| {
            let held = bin.groups.contains(g) && !eject.iter().any(|&j| data.groups[j].contains(g));
            let twice = into[..x].iter().any(|&h| data.groups[h].contains(g));
            !held && !twice
        })
    })
}

/// Sum over the resources of the bin's squared share of each.
fn fullness(data: &Data, bin: &WorkBin) -> f64 {
    fullness_after(data, bin, None, None)
}

/// [`fullness`] once a copy of `into` has joined the bin and one of `out` has left it.
fn fullness_after(data: &Data, bin: &WorkBin, into: Option<ItemId>, out: Option<ItemId>) -> f64 {
    let cap = data.type_cap(bin.bin_type);
    let mut total = 0.0;
    for d in 0..data.dims {
        let mut u = bin.used[d];
        if let Some(i) = into {
            u += data.item_size(i)[d];
        }
        if let Some(j) = out {
            u -= data.item_size(j)[d];
        }
        let share = u as f64 / cap[d].max(1) as f64;
        total += share * share;
    }
    total
}

fn add_copy(pool: &mut Vec<(ItemId, u32)>, i: ItemId) {
    match pool.iter_mut().find(|(j, _)| *j == i) {
        Some((_, k)) => *k += 1,
        None => pool.push((i, 1)),
    }
}
