//! The flat, precomputed view of a problem that every heuristic shares, and the open bins
//! they fill: capacities and sizes in flat arrays, eligibility as a matrix, the effective
//! per-bin cap of each item, and the fit test that every move goes through.

use crate::engine::packing::{Bin, Packing};
use crate::engine::problem::{BinTypeId, ItemId, Problem};

/// Below this value an item counts as weightless when bins are scored.
const NO_VALUE: f64 = 1e-12;

/// Precomputed facts about a problem, shared read-only by every candidate.
pub(crate) struct Data<'p> {
    pub p: &'p Problem,
    pub n: usize,
    pub types: usize,
    pub dims: usize,
    /// `size[i * dims + d]`.
    pub size: Vec<u64>,
    /// `cap[t * dims + d]`.
    pub cap: Vec<u64>,
    pub price: Vec<f64>,
    /// `eligible[i * types + t]`.
    eligible: Vec<bool>,
    /// Copies of an item one bin may hold: `max_per_bin`, or 1 for an item in a group.
    pub per_bin: Vec<u32>,
    /// Conflict groups of each item.
    pub groups: Vec<Vec<usize>>,
    /// What one copy is worth: the least fractional cost of its resources on one
    /// eligible type, `min_t price_t × max_d size_d / cap_t,d`.
    pub value: Vec<f64>,
    /// Size of one copy relative to the capacity of the type that defines its value.
    pub relative: Vec<f64>,
    /// Types by ascending price, ties by index.
    pub by_price: Vec<BinTypeId>,
    /// For each item, the few types worth opening a bin of when it comes first.
    pub shortlist: Vec<Vec<BinTypeId>>,
    /// Eligibility class bit of each type (see [`super::rooms::class_bits`]).
    pub class_bit: Vec<u64>,
    /// The class bits of the types each item may use.
    pub class_mask: Vec<u64>,
}

/// How many types, per item, the shortlist takes by the item's own cost per copy and by
/// the cost of the whole workload's mixture.
const SHORTLIST_OWN: usize = 6;
const SHORTLIST_MIX: usize = 6;

impl<'p> Data<'p> {
    pub fn new(p: &'p Problem) -> Data<'p> {
        let (n, types, dims) = (p.items.len(), p.bin_types.len(), p.dims());
        let size: Vec<u64> = p.items.iter().flat_map(|i| i.size.iter().copied()).collect();
        let cap: Vec<u64> = p.bin_types.iter().flat_map(|t| t.capacity.iter().copied()).collect();
        let price: Vec<f64> = p.bin_types.iter().map(|t| t.price).collect();
        let mut eligible = vec![false; n * types];
        for (i, item) in p.items.iter().enumerate() {
            for &t in &item.eligible {
                eligible[i * types + t] = true;
            }
        }
        let groups = p.groups_of_items();
        let per_bin = p
            .items
            .iter()
            .zip(&groups)
            .map(|(item, g)| {
                if g.is_empty() {
                    item.max_per_bin
                } else {
                    item.max_per_bin.min(1)
                }
            })
            .collect();
        let mut by_price: Vec<BinTypeId> = (0..types).collect();
        by_price.sort_by(|&a, &b| price[a].total_cmp(&price[b]).then(a.cmp(&b)));

        let mut data = Data {
            p,
            n,
            types,
            dims,
            size,
            cap,
            price,
            eligible,
            per_bin,
            groups,
            value: vec![0.0; n],
            relative: vec![0.0; n * dims],
            by_price,
            shortlist: vec![Vec::new(); n],
            class_bit: Vec::new(),
            class_mask: Vec::new(),
        };
        data.value_items();
        data.shortlist_types();
        data.class_bit = super::rooms::class_bits(&data);
        data.class_mask = (0..n)
            .map(|i| p.items[i].eligible.iter().fold(0, |m, &t| m | data.class_bit[t]))
            .collect();
        data
    }

    pub fn item_size(&self, i: ItemId) -> &[u64] {
        &self.size[i * self.dims..(i + 1) * self.dims]
    }

    pub fn type_cap(&self, t: BinTypeId) -> &[u64] {
        &self.cap[t * self.dims..(t + 1) * self.dims]
    }

    pub fn is_eligible(&self, i: ItemId, t: BinTypeId) -> bool {
        self.eligible[i * self.types + t]
    }

    pub fn count(&self, i: ItemId) -> u32 {
        self.p.items[i].count
    }

    /// Fractional cost of one copy on `t`: price times the largest share of a capacity.
    fn fractional_cost(&self, i: ItemId, t: BinTypeId) -> f64 {
        let share = self
            .item_size(i)
            .iter()
            .zip(self.type_cap(t))
            .filter(|(s, _)| **s > 0)
            .map(|(&s, &c)| if c == 0 { f64::INFINITY } else { s as f64 / c as f64 })
            .fold(0.0, f64::max);
        self.price[t] * share
    }

    fn value_items(&mut self) {
        for i in 0..self.n {
            let mut best: Option<(f64, BinTypeId)> = None;
            for &t in &self.p.items[i].eligible {
                let c = self.fractional_cost(i, t);
                if best.map_or(true, |(b, _)| c < b) {
                    best = Some((c, t));
                }
            }
            let Some((value, reference)) = best else { continue };
            self.value[i] = value;
            for d in 0..self.dims {
                let c = self.cap[reference * self.dims + d];
                let s = self.size[i * self.dims + d];
                self.relative[i * self.dims + d] = if c == 0 { 0.0 } else { s as f64 / c as f64 };
            }
        }
    }

    /// Copies of `i` an empty bin of `t` holds, not capped by the item's count.
    pub fn fit_alone(&self, i: ItemId, t: BinTypeId) -> u32 {
        if !self.is_eligible(i, t) {
            return 0;
        }
        let mut k = u64::from(self.per_bin[i]);
        for (&s, &c) in self.item_size(i).iter().zip(self.type_cap(t)) {
            if s > 0 {
                k = k.min(c / s);
            }
        }
        k as u32
    }

    /// For each item: the types cheapest per copy of the item alone, and the types that
    /// serve the whole mixture of eligible items at the least fractional cost.
    fn shortlist_types(&mut self) {
        let mut mixture_score = vec![f64::INFINITY; self.types];
        for (t, score) in mixture_score.iter_mut().enumerate() {
            let mut demand = vec![0.0f64; self.dims];
            let mut worth = 0.0;
            for i in 0..self.n {
                if self.is_eligible(i, t) {
                    let c = f64::from(self.count(i));
                    for (d, s) in demand.iter_mut().zip(self.item_size(i)) {
                        *d += c * *s as f64;
                    }
                    worth += c * self.value[i];
                }
            }
            let share = demand
                .iter()
                .zip(self.type_cap(t))
                .filter(|(d, _)| **d > 0.0)
                .map(|(&d, &c)| c as f64 / d)
                .fold(f64::INFINITY, f64::min);
            if worth > NO_VALUE && share.is_finite() && share > 0.0 {
                *score = self.price[t] / (share * worth);
            }
        }
        let mut mixture: Vec<BinTypeId> = (0..self.types).collect();
        mixture.sort_by(|&a, &b| mixture_score[a].total_cmp(&mixture_score[b]).then(a.cmp(&b)));

        for i in 0..self.n {
            let mut own: Vec<(f64, BinTypeId)> = self.p.items[i]
                .eligible
                .iter()
                .map(|&t| (self.price[t] / f64::from(self.fit_alone(i, t).max(1)), t))
                .collect();
            own.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let mut list: Vec<BinTypeId> = own.iter().take(SHORTLIST_OWN).map(|&(_, t)| t).collect();
            list.extend(
                mixture
                    .iter()
                    .copied()
                    .filter(|&t| self.is_eligible(i, t))
                    .take(SHORTLIST_MIX),
            );
            list.sort_unstable();
            list.dedup();
            self.shortlist[i] = list;
        }
    }

    /// Price per unit of value, the score a full bin of `t` worth `value` gets.
    pub fn price_per_value(&self, t: BinTypeId, value: f64) -> f64 {
        if value > NO_VALUE {
            self.price[t] / value
        } else {
            self.price[t] / NO_VALUE
        }
    }
}

/// A bin being filled: its type, resources used, load and conflict groups taken.
#[derive(Debug, Clone)]
pub(crate) struct WorkBin {
    pub bin_type: BinTypeId,
    pub used: Vec<u64>,
    /// `(item, copies)`, in the order the items arrived.
    pub load: Vec<(ItemId, u32)>,
    pub groups: Vec<usize>,
}

impl WorkBin {
    pub fn new(bin_type: BinTypeId, dims: usize) -> WorkBin {
        WorkBin {
            bin_type,
            used: vec![0; dims],
            load: Vec::new(),
            groups: Vec::new(),
        }
    }

    /// Empties the bin and gives it type `t`, keeping its allocations.
    pub fn reset(&mut self, bin_type: BinTypeId) {
        self.bin_type = bin_type;
        self.used.iter_mut().for_each(|u| *u = 0);
        self.load.clear();
        self.groups.clear();
    }

    /// Copies the bin holds, of every item.
    pub fn copies(&self) -> u32 {
        self.load.iter().map(|&(_, k)| k).sum()
    }

    /// Copies of `i` the bin holds.
    pub fn copies_of(&self, i: ItemId) -> u32 {
        match self.load.last() {
            Some(&(j, k)) if j == i => k,
            _ => self.load.iter().find(|&&(j, _)| j == i).map_or(0, |&(_, k)| k),
        }
    }

    /// How many more copies of `i` the bin takes: eligibility, free capacity, the
    /// per-bin cap and conflict groups. Not capped by what remains to pack.
    pub fn fit(&self, data: &Data, i: ItemId) -> u32 {
        if !data.is_eligible(i, self.bin_type) {
            return 0;
        }
        let per_bin = data.per_bin[i];
        let mut k = if per_bin == u32::MAX {
            u64::MAX
        } else {
            u64::from(per_bin - per_bin.min(self.copies_of(i)))
        };
        if k == 0 || data.groups[i].iter().any(|g| self.groups.contains(g)) {
            return 0;
        }
        let size = data.item_size(i);
        let cap = data.type_cap(self.bin_type);
        // Most bins a heuristic asks are too full for one copy: rule them out without
        // dividing.
        if size.iter().zip(cap).zip(&self.used).any(|((&s, &c), &u)| u + s > c) {
            return 0;
        }
        // At least one copy fits: now how many.
        for ((&s, &c), &u) in size.iter().zip(cap).zip(&self.used) {
            if s > 0 {
                k = k.min((c - u) / s);
            }
        }
        k.min(u64::from(u32::MAX)) as u32
    }

    /// Adds `k` copies of `i`; the caller has checked that they fit.
    pub fn add(&mut self, data: &Data, i: ItemId, k: u32) {
        debug_assert!(k > 0 && k <= self.fit(data, i));
        for (u, &s) in self.used.iter_mut().zip(data.item_size(i)) {
            *u += s * u64::from(k);
        }
        match self.load.iter_mut().rev().find(|(j, _)| *j == i) {
            Some((_, n)) => *n += k,
            None => self.load.push((i, k)),
        }
        self.groups.extend_from_slice(&data.groups[i]);
    }

    /// Removes `k` copies of `i`, which the bin holds.
    pub fn remove(&mut self, data: &Data, i: ItemId, k: u32) {
        for (u, &s) in self.used.iter_mut().zip(data.item_size(i)) {
            *u -= s * u64::from(k);
        }
        let at = self
            .load
            .iter()
            .position(|&(j, _)| j == i)
            .expect("the bin holds the item");
        self.load[at].1 -= k;
        if self.load[at].1 == 0 {
            self.load.remove(at);
            for g in &data.groups[i] {
                if let Some(x) = self.groups.iter().position(|h| h == g) {
                    self.groups.swap_remove(x);
                }
            }
        }
    }

    /// What the bin holds, in value (see [`Data::value`]).
    pub fn value(&self, data: &Data) -> f64 {
        self.load.iter().map(|&(i, k)| f64::from(k) * data.value[i]).sum()
    }

    /// Whether the load fits a bin of type `t`: eligibility and capacity (the per-bin
    /// and group rules do not depend on the type).
    pub fn fits_type(&self, data: &Data, t: BinTypeId) -> bool {
        self.used.iter().zip(data.type_cap(t)).all(|(u, c)| u <= c)
            && self.load.iter().all(|&(i, _)| data.is_eligible(i, t))
    }
}

/// Total price of a set of bins.
pub(crate) fn cost(data: &Data, bins: &[WorkBin]) -> f64 {
    bins.iter().map(|b| data.price[b.bin_type]).sum()
}

/// The packing the bins describe, normalized.
pub(crate) fn to_packing(bins: Vec<WorkBin>) -> Packing {
    let mut packing = Packing {
        bins: bins
            .into_iter()
            .filter(|b| !b.load.is_empty())
            .map(|b| Bin {
                bin_type: b.bin_type,
                load: b.load,
            })
            .collect(),
    };
    packing.normalize();
    packing
}
