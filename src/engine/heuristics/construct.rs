//! Constructive heuristics: item orders, the rules that pick the type of each new bin,
//! item-centric first-fit and best-fit decreasing, and bin-centric filling. Every step
//! places as many copies of an item as fit at once, never one copy at a time.

use super::rooms::Rooms;
use super::state::{Data, WorkBin};
use crate::engine::problem::{BinTypeId, ItemId};

/// How many later items the value rule looks at when it fills a trial bin.
const LOOK_AHEAD: usize = 48;

/// How to choose the type of a new bin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TypeRule {
    /// The least price per value packed: fill a trial bin of each shortlisted type with
    /// the item and the items that follow it, and score price / value held.
    Value,
    /// The least price per share of the remaining demand the type covers; at the end of
    /// the packing, the cheapest type that holds everything left.
    Cover,
}

/// How an item-centric heuristic picks among the open bins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    /// The first open bin with room.
    FirstFit,
    /// The open bin left with the least relative free space.
    BestFit,
}

/// How a bin-centric heuristic picks the next item for the bin it fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Match {
    /// The largest dot product of the copies added with the bin's free capacity.
    DotProduct,
    /// The smallest Euclidean norm of the free capacity left.
    Norm,
}

/// Item orders, each by a decreasing measure of size, ties by index. Orders that come
/// out equal are listed once.
pub(crate) fn orders(data: &Data) -> Vec<Vec<ItemId>> {
    let dims = data.dims;
    let rel = |i: ItemId| &data.relative[i * dims..(i + 1) * dims];
    // Weight of each dimension: the total demand in it, relative to capacity.
    let mut weight = vec![0.0; dims];
    for i in 0..data.n {
        for (w, r) in weight.iter_mut().zip(rel(i)) {
            *w += f64::from(data.count(i)) * r;
        }
    }
    let mut keys: Vec<Vec<f64>> = Vec::new();
    for d in 0..dims.min(2) {
        keys.push((0..data.n).map(|i| data.item_size(i)[d] as f64).collect());
    }
    keys.push(
        (0..data.n)
            .map(|i| rel(i).iter().zip(&weight).map(|(r, w)| r * w).sum())
            .collect(),
    );
    keys.push((0..data.n).map(|i| rel(i).iter().map(|r| r * r).sum()).collect());
    keys.push(
        (0..data.n)
            .map(|i| rel(i).iter().copied().fold(0.0, f64::max))
            .collect(),
    );
    keys.push(data.value.clone());

    let mut orders: Vec<Vec<ItemId>> = Vec::new();
    for key in keys {
        let mut order: Vec<ItemId> = (0..data.n).filter(|&i| data.count(i) > 0).collect();
        order.sort_by(|&a, &b| key[b].total_cmp(&key[a]).then(a.cmp(&b)));
        if !orders.contains(&order) {
            orders.push(order);
        }
    }
    orders
}

/// What remains to pack, per bin type: the demand of the items eligible for it.
struct Demand {
    /// `left[t * dims + d]`.
    left: Vec<f64>,
}

impl Demand {
    fn new(data: &Data) -> Demand {
        let mut demand = Demand {
            left: vec![0.0; data.types * data.dims],
        };
        for i in 0..data.n {
            demand.change(data, i, f64::from(data.count(i)));
        }
        demand
    }

    fn change(&mut self, data: &Data, i: ItemId, copies: f64) {
        for &t in &data.p.items[i].eligible {
            let row = &mut self.left[t * data.dims..(t + 1) * data.dims];
            for (l, &s) in row.iter_mut().zip(data.item_size(i)) {
                *l = (*l + copies * s as f64).max(0.0);
            }
        }
    }

    /// Records that `copies` of `i` are packed.
    fn take(&mut self, data: &Data, i: ItemId, copies: u32) {
        self.change(data, i, -f64::from(copies));
    }
}

/// Chooses the type of each new bin.
pub(crate) struct Opener<'d, 'p> {
    data: &'d Data<'p>,
    rule: TypeRule,
    demand: Option<Demand>,
    trial: WorkBin,
}

impl<'d, 'p> Opener<'d, 'p> {
    pub fn new(data: &'d Data<'p>, rule: TypeRule) -> Self {
        let demand = (rule == TypeRule::Cover).then(|| Demand::new(data));
        Opener {
            data,
            rule,
            demand,
            trial: WorkBin::new(0, data.dims),
        }
    }

    /// Records that `copies` of `i` are packed (the cover rule tracks what is left).
    pub fn packed(&mut self, i: ItemId, copies: u32) {
        if let Some(d) = &mut self.demand {
            d.take(self.data, i, copies);
        }
    }

    /// The type of a new bin that starts with item `i`, of which `left` copies are still
    /// to pack; `following` are the items that come next. `pending` copies of `i` are
    /// packed but not yet recorded with [`Opener::packed`]. Also returns how many copies
    /// of `i` must still be left for the same choice to hold on the next call (the value
    /// rule's trials do not change while `left` stays at least that), `u32::MAX` if none.
    pub fn choose(
        &mut self,
        i: ItemId,
        left: u32,
        pending: u32,
        following: &[ItemId],
        remaining: &[u32],
    ) -> (BinTypeId, u32) {
        match self.rule {
            TypeRule::Value => self.by_value(i, left, following, remaining),
            TypeRule::Cover => {
                // While a full bin of copies is left, the demand the choice weighs barely
                // moves: the choice holds until the last, partial bin.
                let t = self.by_cover(i, pending);
                (t, self.data.fit_alone(i, t).min(left).max(1))
            }
        }
    }

    fn by_value(&mut self, i: ItemId, left: u32, following: &[ItemId], remaining: &[u32]) -> (BinTypeId, u32) {
        let data = self.data;
        let mut best: Option<(f64, BinTypeId)> = None;
        let mut still = 0;
        for &t in &data.shortlist[i] {
            let trial = &mut self.trial;
            trial.reset(t);
            let alone = trial.fit(data, i);
            still = still.max(alone);
            let k = alone.min(left);
            if k == 0 {
                continue;
            }
            trial.add(data, i, k);
            let mut value = f64::from(k) * data.value[i];
            let mut looked = 0;
            for &j in following {
                if remaining[j] == 0 || !data.is_eligible(j, t) {
                    continue;
                }
                looked += 1;
                if looked > LOOK_AHEAD {
                    break;
                }
                let k = trial.fit(data, j).min(remaining[j]);
                if k > 0 {
                    trial.add(data, j, k);
                    value += f64::from(k) * data.value[j];
                }
            }
            let score = data.price_per_value(t, value);
            if best.map_or(true, |(b, _)| score < b) {
                best = Some((score, t));
            }
        }
        match best {
            Some((_, t)) => (t, still),
            // No shortlisted type holds a copy: fall back on the cheapest that does.
            None => (self.cheapest_holding(i), u32::MAX),
        }
    }

    fn by_cover(&self, i: ItemId, pending: u32) -> BinTypeId {
        let data = self.data;
        let demand = self.demand.as_ref().expect("the cover rule tracks demand");
        let size = data.item_size(i);
        let mut best: Option<(f64, BinTypeId)> = None;
        for &t in &data.p.items[i].eligible {
            if data.fit_alone(i, t) == 0 {
                continue;
            }
            let left = &demand.left[t * data.dims..(t + 1) * data.dims];
            let mut cover = 1.0f64;
            for ((&l, &s), &c) in left.iter().zip(size).zip(data.type_cap(t)) {
                let l = l - f64::from(pending) * s as f64;
                if l > 0.5 {
                    cover = cover.min(c as f64 / l);
                }
            }
            let score = data.price[t] / cover.max(1e-12);
            let better = match best {
                None => true,
                Some((b, bt)) => score < b || (score == b && data.price[t] < data.price[bt]),
            };
            if better {
                best = Some((score, t));
            }
        }
        best.map_or_else(|| self.cheapest_holding(i), |(_, t)| t)
    }

    fn cheapest_holding(&self, i: ItemId) -> BinTypeId {
        let data = self.data;
        *data
            .by_price
            .iter()
            .find(|&&t| data.fit_alone(i, t) > 0)
            .expect("every item fits some eligible bin type")
    }
}

/// Free space left in a bin after adding `k` copies of `i`, relative to its capacity,
/// summed over dimensions.
fn slack_after(data: &Data, bin: &WorkBin, i: ItemId, k: u32) -> f64 {
    let size = data.item_size(i);
    let cap = data.type_cap(bin.bin_type);
    (0..data.dims)
        .filter(|&d| cap[d] > 0)
        .map(|d| (cap[d] - bin.used[d] - size[d] * u64::from(k)) as f64 / cap[d] as f64)
        .sum()
}

/// Item-centric decreasing heuristics: items in `order`, each placed with as many copies
/// as fit into the open bins (first or best fit), then into new bins of the types
/// `rule` chooses.
pub(crate) fn item_centric(data: &Data, order: &[ItemId], rule: TypeRule, placement: Placement) -> Vec<WorkBin> {
    let mut remaining: Vec<u32> = (0..data.n).map(|i| data.count(i)).collect();
    let mut bins: Vec<WorkBin> = Vec::new();
    let mut rooms = Rooms::new(data);
    let mut roomy = Vec::new();
    let mut opener = Opener::new(data, rule);
    for (pos, &i) in order.iter().enumerate() {
        let count = remaining[i];
        let mut left = count;
        let size = data.item_size(i);
        match placement {
            Placement::FirstFit => {
                let mut from = 0;
                while let Some(b) = rooms.next_room(data, i, from, size).filter(|_| left > 0) {
                    let k = bins[b].fit(data, i).min(left);
                    if k > 0 {
                        bins[b].add(data, i, k);
                        left -= k;
                        rooms.set(data, b, &bins[b]);
                    }
                    from = b + 1;
                }
            }
            Placement::BestFit => {
                // Adding copies to one bin leaves the others' fit unchanged, and a bin
                // takes all the copies it can at once: so one pass ranks the bins, which
                // then fill in order of the free space they would keep.
                rooms.all_rooms(data, i, size, &mut roomy);
                let mut ranked: Vec<(f64, usize)> = roomy
                    .iter()
                    .filter_map(|&b| {
                        let k = bins[b].fit(data, i).min(left);
                        (k > 0).then(|| (slack_after(data, &bins[b], i, k), b))
                    })
                    .collect();
                // Usually one or two bins take all the copies: pick the least slack
                // repeatedly rather than sort them all.
                while left > 0 && !ranked.is_empty() {
                    let at = (0..ranked.len())
                        .min_by(|&x, &y| ranked[x].0.total_cmp(&ranked[y].0).then(ranked[x].1.cmp(&ranked[y].1)))
                        .expect("a ranked bin");
                    let (_, b) = ranked.swap_remove(at);
                    let k = bins[b].fit(data, i).min(left);
                    bins[b].add(data, i, k);
                    left -= k;
                    rooms.set(data, b, &bins[b]);
                }
            }
        }
        let mut chosen: Option<(BinTypeId, u32)> = None;
        while left > 0 {
            let t = match chosen {
                Some((t, still)) if left >= still => t,
                _ => {
                    let c = opener.choose(i, left, count - left, &order[pos + 1..], &remaining);
                    chosen = Some(c);
                    c.0
                }
            };
            let mut bin = WorkBin::new(t, data.dims);
            let k = bin.fit(data, i).min(left);
            assert!(k > 0, "item {} fits no bin of its chosen type", data.p.items[i].name);
            bin.add(data, i, k);
            left -= k;
            rooms.set(data, bins.len(), &bin);
            bins.push(bin);
        }
        remaining[i] = 0;
        opener.packed(i, count);
    }
    bins
}

/// Bin-centric heuristics: open one bin at a time for the largest item left, then keep
/// adding the item (all the copies that fit) that best matches the bin's free capacity.
pub(crate) fn bin_centric(data: &Data, order: &[ItemId], rule: TypeRule, measure: Match) -> Vec<WorkBin> {
    let mut remaining: Vec<u32> = (0..data.n).map(|i| data.count(i)).collect();
    let mut active: Vec<ItemId> = order.iter().copied().filter(|&i| remaining[i] > 0).collect();
    let mut bins = Vec::new();
    let mut opener = Opener::new(data, rule);
    while let Some(&first) = active.first() {
        let (t, _) = opener.choose(first, remaining[first], 0, &active[1..], &remaining);
        let mut bin = WorkBin::new(t, data.dims);
        let mut next = Some((first, bin.fit(data, first).min(remaining[first])));
        while let Some((i, k)) = next {
            assert!(k > 0, "item {} fits no bin of its chosen type", data.p.items[i].name);
            bin.add(data, i, k);
            remaining[i] -= k;
            opener.packed(i, k);
            next = best_match(data, &bin, &active, &remaining, measure);
        }
        bins.push(bin);
        active.retain(|&i| remaining[i] > 0);
    }
    bins
}

/// The item, and copies, that best match the free capacity of `bin`.
fn best_match(
    data: &Data,
    bin: &WorkBin,
    active: &[ItemId],
    remaining: &[u32],
    measure: Match,
) -> Option<(ItemId, u32)> {
    let cap = data.type_cap(bin.bin_type);
    let free: Vec<f64> = (0..data.dims)
        .map(|d| {
            if cap[d] == 0 {
                0.0
            } else {
                (cap[d] - bin.used[d]) as f64 / cap[d] as f64
            }
        })
        .collect();
    let mut best: Option<(f64, ItemId, u32)> = None;
    for &j in active {
        if remaining[j] == 0 {
            continue;
        }
        let k = bin.fit(data, j).min(remaining[j]);
        if k == 0 {
            continue;
        }
        let size = data.item_size(j);
        let added = |d: usize| {
            if cap[d] == 0 {
                0.0
            } else {
                (size[d] * u64::from(k)) as f64 / cap[d] as f64
            }
        };
        let score = match measure {
            Match::DotProduct => (0..data.dims).map(|d| added(d) * free[d]).sum::<f64>(),
            Match::Norm => -(0..data.dims).map(|d| (free[d] - added(d)).powi(2)).sum::<f64>(),
        };
        if best.map_or(true, |(s, _, _)| score > s) {
            best = Some((score, j, k));
        }
    }
    best.map(|(_, j, k)| (j, k))
}
