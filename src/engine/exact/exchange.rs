//! One bin's load that fills the resources it must fill exactly, found by a greedy fill
//! and one exchange of a few copies: the greedy fill leaves a little room in each
//! resource, and taking out up to two copies for up to two others closes it. On bins of
//! tens of copies from hundreds of items whose CPU, memory and static ports must all be
//! met at once, the depth-first search of [`super::fill`] rarely finds such a load in its
//! steps, and the small MIP ([`super::bin_mip`]) takes tenths of a second; among that many
//! items a closing exchange is often there, and where it is not the MIP still runs.
//!
//! Sizes are mostly round numbers (MiB in multiples of 64 or 256, CPU units in multiples
//! of 32 or 128), and a few copies are not: where a resource must be full and the bin's
//! room in it is not a multiple of the round unit, only those few copies can make up the
//! difference. A greedy fill that takes them as they come rarely does, and no exchange of
//! two copies mends it. So those copies ([`Fill::odd`]) are chosen first, one or two that
//! leave a room of whole units ([`Fill::settle_residues`]), and the greedy fill and the
//! exchange then work in whole units. On port-saturated fleets of three types, where each
//! instance has one odd task that fits its type's memory, this finds most bins in a few
//! milliseconds where the MIP took a second or found none.

use std::collections::HashMap;
use std::time::Instant;

use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::Rng;

use super::bin_mip::BinAsk;
use crate::engine::problem::{ItemId, Problem};

/// Greedy fills tried at most, each with other random weights.
const TRIES: usize = 64;

/// How far each greedy choice's score is shaken at random.
const JITTER: f64 = 0.5;

/// The round unit of a resource is the largest power of two, up to this one, that all
/// but [`ODD_SHARE`] of the copies are multiples of. A larger share counts the round
/// sizes' own variety (a quarter of the copies in odd multiples of 32 CPU units) as odd.
const LARGEST_UNIT: u64 = 1 << 12;
const ODD_SHARE: f64 = 0.1;

/// Pairs of odd copies that settle the residues are sought among at most this many.
const ODD_PAIRS_AMONG: usize = 40;

/// Up to two copies taken out (or put in) in one exchange: `(None, None)` is none.
type Few = (Option<ItemId>, Option<ItemId>);

/// Copies of each item that meet `ask`, or `None` after [`TRIES`] fills or at `until`.
pub(super) fn load(
    problem: &Problem,
    ask: &BinAsk,
    groups: &[Vec<usize>],
    until: Instant,
    rng: &mut SmallRng,
) -> Option<Vec<u32>> {
    let cap = &problem.bin_types[ask.bin_type].capacity;
    let exact: Vec<usize> = (0..cap.len()).filter(|&d| ask.slack[d] == 0).collect();
    if exact.is_empty() {
        return None;
    }
    let mut bin = Fill::new(problem, ask, groups)?;
    bin.unit = units(problem, ask, &exact);
    for _ in 0..TRIES {
        if Instant::now() >= until {
            return None;
        }
        bin.reset();
        if !bin.cover(rng) || !bin.settle_residues(rng) {
            continue;
        }
        bin.greedy(rng);
        if let Some(counts) = bin.close(&exact) {
            return Some(counts);
        }
    }
    None
}

/// Per resource, its round unit where it must be full ([`LARGEST_UNIT`]), 1 elsewhere.
/// Copies count by their share of this bin.
fn units(problem: &Problem, ask: &BinAsk, exact: &[usize]) -> Vec<u64> {
    let open: Vec<usize> = (0..problem.items.len()).filter(|&i| ask.most[i] > 0).collect();
    let all: f64 = open.iter().map(|&i| ask.share[i]).sum();
    (0..problem.dims())
        .map(|d| {
            let odd = |unit: u64| -> f64 {
                open.iter()
                    .filter(|&&i| problem.items[i].size[d] % unit != 0)
                    .map(|&i| ask.share[i])
                    .sum()
            };
            let mut unit = 1;
            while exact.contains(&d) && unit < LARGEST_UNIT && odd(unit * 2) <= ODD_SHARE * all {
                unit *= 2;
            }
            unit
        })
        .collect()
}

/// None of `items`, each alone, and each pair (an item with itself where `twice` allows
/// it at that position), in that order.
fn few_of<'a>(items: &'a [ItemId], twice: &'a [bool]) -> impl Iterator<Item = Few> + 'a {
    let pairs = items.iter().enumerate().flat_map(move |(a, &i)| {
        let with = items[a..]
            .iter()
            .enumerate()
            .filter(move |&(b, _)| b > 0 || twice[a])
            .map(move |(_, &j)| (Some(i), Some(j)));
        std::iter::once((Some(i), None)).chain(with)
    });
    std::iter::once((None, None)).chain(pairs)
}

/// A load being built, with what it uses.
struct Fill<'a> {
    problem: &'a Problem,
    ask: &'a BinAsk<'a>,
    groups: &'a [Vec<usize>],
    cap: &'a [u64],
    counts: Vec<u32>,
    used: Vec<u64>,
    /// Copies in the bin per conflict group.
    in_group: Vec<u32>,
    /// Per resource, its round unit ([`units`]).
    unit: Vec<u64>,
}

impl<'a> Fill<'a> {
    fn new(problem: &'a Problem, ask: &'a BinAsk<'a>, groups: &'a [Vec<usize>]) -> Option<Self> {
        let mut fill = Fill {
            problem,
            ask,
            groups,
            cap: &problem.bin_types[ask.bin_type].capacity,
            counts: Vec::new(),
            used: Vec::new(),
            in_group: Vec::new(),
            unit: vec![1; problem.dims()],
        };
        fill.reset();
        let fits = fill.used.iter().zip(fill.cap).all(|(u, c)| u <= c);
        (fits && fill.in_group.iter().all(|&n| n <= 1)).then_some(fill)
    }

    /// Back to the copies the bin must take.
    fn reset(&mut self) {
        let problem = self.problem;
        self.counts = vec![0; problem.items.len()];
        self.used = vec![0; self.cap.len()];
        self.in_group = vec![0; problem.conflict_groups.len()];
        for (i, &n) in self.ask.least.iter().enumerate() {
            if n > 0 {
                self.shift(i, i64::from(n));
            }
        }
    }

    /// Adds `n` copies of `i` (takes them out when negative) to what the bin uses.
    fn shift(&mut self, i: ItemId, n: i64) {
        for (u, &s) in self.used.iter_mut().zip(&self.problem.items[i].size) {
            *u = (*u as i64 + s as i64 * n) as u64;
        }
        for &g in &self.groups[i] {
            self.in_group[g] = (i64::from(self.in_group[g]) + n) as u32;
        }
        self.counts[i] = (i64::from(self.counts[i]) + n) as u32;
    }

    /// Whether one more copy of `i` fits.
    fn fits(&self, i: ItemId) -> bool {
        self.counts[i] < self.ask.most[i]
            && self.groups[i].iter().all(|&g| self.in_group[g] == 0)
            && self.problem.items[i]
                .size
                .iter()
                .zip(self.used.iter().zip(self.cap))
                .all(|(&s, (&u, &c))| u + s <= c)
    }

    /// One copy from each group that must be used here, chosen at random among those
    /// that fit.
    fn cover(&mut self, rng: &mut SmallRng) -> bool {
        let problem = self.problem;
        let mut order: Vec<usize> = (0..problem.conflict_groups.len())
            .filter(|&g| self.ask.forced[g])
            .collect();
        order.shuffle(rng);
        for g in order {
            if self.in_group[g] > 0 {
                continue;
            }
            let candidates: Vec<ItemId> = problem.conflict_groups[g]
                .items
                .iter()
                .copied()
                .filter(|&i| self.fits(i))
                .collect();
            let Some(&i) = candidates.choose(rng) else {
                return false;
            };
            self.shift(i, 1);
        }
        true
    }

    /// Whether `i`'s size is not a whole number of units in some resource.
    fn odd(&self, i: ItemId) -> bool {
        self.problem.items[i]
            .size
            .iter()
            .zip(&self.unit)
            .any(|(&s, &u)| s % u != 0)
    }

    /// Whether the room left is a whole number of units in every resource.
    fn settled(&self) -> bool {
        (0..self.cap.len()).all(|d| (self.cap[d] - self.used[d]) % self.unit[d] == 0)
    }

    /// One or two odd copies, chosen at random among those that fit, after which the room
    /// left is whole units; `false` if none do.
    fn settle_residues(&mut self, rng: &mut SmallRng) -> bool {
        if self.settled() {
            return true;
        }
        let mut odd: Vec<ItemId> = (0..self.problem.items.len())
            .filter(|&i| self.odd(i) && self.fits(i))
            .collect();
        odd.shuffle(rng);
        for &i in &odd {
            self.shift(i, 1);
            if self.settled() {
                return true;
            }
            self.shift(i, -1);
        }
        let among = &odd[..odd.len().min(ODD_PAIRS_AMONG)];
        for (a, &i) in among.iter().enumerate() {
            self.shift(i, 1);
            for &j in &among[a..] {
                if self.fits(j) {
                    self.shift(j, 1);
                    if self.settled() {
                        return true;
                    }
                    self.shift(j, -1);
                }
            }
            self.shift(i, -1);
        }
        false
    }

    /// Adds copies one at a time while any fits: each the one whose sizes point most
    /// nearly the way of the room left (in the resources that must be filled, relative to
    /// the bin), larger ones first among those alike, items short of their share first.
    /// Pointing the way of the room keeps it even, so that one resource is not full while
    /// another has room that only a few items could close. Odd copies are left out: the
    /// room is already whole units.
    fn greedy(&mut self, rng: &mut SmallRng) {
        let problem = self.problem;
        let scale: Vec<f64> = (0..self.cap.len())
            .map(|d| {
                if self.cap[d] > 0 && self.ask.slack[d] < self.cap[d] {
                    1.0 / self.cap[d] as f64
                } else {
                    0.0
                }
            })
            .collect();
        let noise: Vec<f64> = (0..problem.items.len())
            .map(|_| 1.0 + JITTER * rng.gen::<f64>())
            .collect();
        loop {
            let left: Vec<f64> = (0..self.cap.len())
                .map(|d| (self.cap[d] - self.used[d]) as f64 * scale[d])
                .collect();
            let left_norm = left.iter().map(|x| x * x).sum::<f64>().sqrt();
            if left_norm <= 0.0 {
                return;
            }
            let mut best: Option<(f64, ItemId)> = None;
            for (i, &noise) in noise.iter().enumerate() {
                if !self.fits(i) || self.odd(i) {
                    continue;
                }
                let size: Vec<f64> = problem.items[i]
                    .size
                    .iter()
                    .zip(&scale)
                    .map(|(&s, &k)| s as f64 * k)
                    .collect();
                let norm = size.iter().map(|x| x * x).sum::<f64>().sqrt();
                if norm <= 0.0 {
                    continue;
                }
                let along: f64 = size.iter().zip(&left).map(|(s, l)| s * l).sum::<f64>() / (norm * left_norm);
                let short = if f64::from(self.counts[i]) < self.ask.share[i] {
                    2.0
                } else {
                    1.0
                };
                let score = along * norm.sqrt() * short * noise;
                if best.map_or(true, |(b, _)| score > b) {
                    best = Some((score, i));
                }
            }
            match best {
                Some((_, i)) => self.shift(i, 1),
                None => return,
            }
        }
    }

    /// The greedy load with one exchange that fills the `exact` resources: up to two
    /// copies out and up to two in, whose difference is the room left there.
    fn close(&mut self, exact: &[usize]) -> Option<Vec<u32>> {
        let problem = self.problem;
        let room: Vec<u64> = exact.iter().map(|&d| self.cap[d] - self.used[d]).collect();
        let size = |i: Option<ItemId>, e: usize| i.map_or(0, |i| problem.items[i].size[exact[e]]);
        let sum = |few: Few, e: usize| size(few.0, e) + size(few.1, e);
        let key = |of: &dyn Fn(usize) -> u64| {
            (0..exact.len()).fold(0u64, |h, e| h.wrapping_mul(1_000_003).wrapping_add(of(e)))
        };
        // What may come out: copies above the least, alone or in pairs.
        let out: Vec<ItemId> = (0..problem.items.len())
            .filter(|&i| self.counts[i] > self.ask.least[i])
            .collect();
        let mut outs: HashMap<u64, Vec<Few>> = HashMap::new();
        let mut most_out = vec![0u64; exact.len()];
        let twice: Vec<bool> = out.iter().map(|&i| self.counts[i] >= self.ask.least[i] + 2).collect();
        for few in few_of(&out, &twice) {
            for (e, m) in most_out.iter_mut().enumerate() {
                *m = (*m).max(sum(few, e));
            }
            outs.entry(key(&|e| sum(few, e))).or_default().push(few);
        }
        // What may go in: items below their most, small enough for the room and what
        // comes out; alone or in pairs.
        let candidates: Vec<ItemId> = (0..problem.items.len())
            .filter(|&i| {
                self.counts[i] < self.ask.most[i] && (0..exact.len()).all(|e| size(Some(i), e) <= room[e] + most_out[e])
            })
            .collect();
        let twice: Vec<bool> = candidates
            .iter()
            .map(|&i| self.counts[i] + 2 <= self.ask.most[i])
            .collect();
        for few_in in few_of(&candidates, &twice) {
            // out = in − room, in every exact resource.
            if (0..exact.len()).any(|e| sum(few_in, e) < room[e] || sum(few_in, e) - room[e] > most_out[e]) {
                continue;
            }
            let need = |e: usize| sum(few_in, e) - room[e];
            let Some(matches) = outs.get(&key(&need)) else {
                continue;
            };
            for &few_out in matches {
                if (0..exact.len()).all(|e| sum(few_out, e) == need(e)) && self.try_exchange(few_out, few_in) {
                    return Some(self.counts.clone());
                }
            }
        }
        None
    }

    /// Makes the exchange if the load it gives meets the ask; leaves the load as it was
    /// if not.
    fn try_exchange(&mut self, out: Few, into: Few) -> bool {
        for i in [out.0, out.1].into_iter().flatten() {
            self.shift(i, -1);
        }
        for i in [into.0, into.1].into_iter().flatten() {
            self.shift(i, 1);
        }
        if self.meets() {
            return true;
        }
        for i in [into.0, into.1].into_iter().flatten() {
            self.shift(i, -1);
        }
        for i in [out.0, out.1].into_iter().flatten() {
            self.shift(i, 1);
        }
        false
    }

    /// Whether the load is within its bounds, keeps groups apart, uses each group that
    /// must be used, and fills every resource to within the slack.
    fn meets(&self) -> bool {
        let ask = self.ask;
        (0..self.counts.len()).all(|i| ask.least[i] <= self.counts[i] && self.counts[i] <= ask.most[i])
            && self
                .in_group
                .iter()
                .zip(ask.forced)
                .all(|(&n, &forced)| n <= 1 && (!forced || n == 1))
            && (0..self.cap.len()).all(|d| self.used[d] <= self.cap[d] && self.cap[d] - self.used[d] <= ask.slack[d])
    }
}
