//! From chosen columns to a packing: drop the copies that over-cover an item, move each bin
//! to the cheapest type that still holds its load, and pack whatever is still missing
//! first-fit, into bins already open or into new bins of the cheapest type.

use crate::engine::heuristics;
use crate::engine::packing::{Bin, Packing};
use crate::engine::problem::{BinTypeId, ItemId, Problem};
use crate::engine::Settings;

/// The packing made of `copies[c]` bins of each `columns[c]`, trimmed and repaired so that
/// every item is packed exactly `count` times.
pub fn to_packing(problem: &Problem, columns: &[Bin], copies: &[u32]) -> Packing {
    let mut bins: Vec<Bin> = Vec::new();
    for (column, &n) in columns.iter().zip(copies) {
        bins.extend(std::iter::repeat(column).take(n as usize).cloned());
    }
    drop_surplus(problem, &mut bins);
    let missing = missing_copies(problem, &bins);
    repair(problem, &mut bins, missing);
    for bin in &mut bins {
        downsize(problem, bin);
    }
    let mut packing = Packing { bins };
    packing.normalize();
    packing
}

/// A plan from an LP solution: the whole part of each column's value, and one copy more
/// where its fraction is at least `up_from` (none more at 1), trimmed; the copies still
/// missing are packed by the heuristic portfolio as a problem of their own. With many
/// copies per item, the whole part holds nearly all of them, so the plan costs little
/// more than the LP; a column the LP nearly takes once more is a whole bin that the
/// portfolio, packing the rest on its own, may rebuild less well.
pub fn round(problem: &Problem, columns: &[Bin], values: &[f64], up_from: f64, settings: &Settings) -> Packing {
    let copies: Vec<u32> = values
        .iter()
        .map(|&x| (x + 1e-6 + (1.0 - up_from)).floor().max(0.0) as u32)
        .collect();
    let mut bins: Vec<Bin> = Vec::new();
    for (column, &n) in columns.iter().zip(&copies) {
        bins.extend(std::iter::repeat(column).take(n as usize).cloned());
    }
    drop_surplus(problem, &mut bins);
    let missing = missing_copies(problem, &bins);
    let mut rest = problem.clone();
    for (item, &n) in rest.items.iter_mut().zip(&missing) {
        item.count = n as u32;
    }
    if rest.total_copies() > 0 {
        bins.extend(heuristics::portfolio(&rest, settings).bins);
    }
    for bin in &mut bins {
        downsize(problem, bin);
    }
    let mut packing = Packing { bins };
    packing.normalize();
    packing
}

/// Copies of each item packed beyond its count are taken out, emptiest bins first (so
/// that bins empty out and disappear rather than every bin shrinking a little).
fn drop_surplus(problem: &Problem, bins: &mut Vec<Bin>) {
    let mut packed = vec![0u64; problem.items.len()];
    for bin in bins.iter() {
        for &(i, n) in &bin.load {
            packed[i] += u64::from(n);
        }
    }
    let mut surplus: Vec<u64> = packed
        .iter()
        .zip(&problem.items)
        .map(|(&p, item)| p.saturating_sub(u64::from(item.count)))
        .collect();
    if surplus.iter().all(|&s| s == 0) {
        return;
    }
    let fill = |bin: &Bin| -> f64 { bin.shares(problem).sum() };
    let mut order: Vec<usize> = (0..bins.len()).collect();
    order.sort_by(|&a, &b| fill(&bins[a]).total_cmp(&fill(&bins[b])).then(a.cmp(&b)));
    for b in order {
        for (i, n) in &mut bins[b].load {
            let take = surplus[*i].min(u64::from(*n)) as u32;
            *n -= take;
            surplus[*i] -= u64::from(take);
        }
        bins[b].load.retain(|&(_, n)| n > 0);
    }
    bins.retain(|b| !b.load.is_empty());
}

fn missing_copies(problem: &Problem, bins: &[Bin]) -> Vec<u64> {
    let mut missing: Vec<u64> = problem.items.iter().map(|item| u64::from(item.count)).collect();
    for bin in bins {
        for &(i, n) in &bin.load {
            missing[i] = missing[i].saturating_sub(u64::from(n));
        }
    }
    missing
}

/// Packs the `missing` copies first-fit, largest items first: into any open bin that has
/// room, else into a new bin of the type that packs the copies cheapest.
pub fn repair(problem: &Problem, bins: &mut Vec<Bin>, mut missing: Vec<u64>) {
    let groups = problem.groups_of_items();
    let weight = problem.capacity_scale();
    let mut order: Vec<ItemId> = (0..problem.items.len()).filter(|&i| missing[i] > 0).collect();
    let size = |i: ItemId| problem.items[i].weighted_size(&weight);
    order.sort_by(|&a, &b| size(b).total_cmp(&size(a)).then(a.cmp(&b)));
    let mut states: Vec<BinState> = bins.iter().map(|b| BinState::of(problem, &groups, b)).collect();
    for i in order {
        for (b, state) in states.iter_mut().enumerate() {
            if missing[i] == 0 {
                break;
            }
            let n = state.room_for(problem, &groups, &bins[b], i).min(missing[i]);
            if n > 0 {
                state.add(problem, &groups, &mut bins[b], i, n as u32);
                missing[i] -= n;
            }
        }
        while missing[i] > 0 {
            let Some(t) = cheapest_type_for(problem, &groups, i, missing[i]) else {
                return;
            };
            let mut bin = Bin {
                bin_type: t,
                load: Vec::new(),
            };
            let mut state = BinState::of(problem, &groups, &bin);
            let n = state.room_for(problem, &groups, &bin, i).min(missing[i]);
            state.add(problem, &groups, &mut bin, i, n as u32);
            missing[i] -= n;
            bins.push(bin);
            states.push(state);
        }
    }
}

/// The eligible type with the least price per copy of `item`, counting at most `wanted`.
pub fn cheapest_type_for(problem: &Problem, groups: &[Vec<usize>], item: ItemId, wanted: u64) -> Option<BinTypeId> {
    let in_group = !groups[item].is_empty();
    problem.items[item]
        .eligible
        .iter()
        .filter_map(|&t| {
            let n = u64::from(problem.max_copies_alone(item, t, in_group)).min(wanted);
            (n > 0).then(|| (problem.bin_types[t].price / n as f64, t))
        })
        .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
        .map(|(_, t)| t)
}

/// Moves `bin` to the cheapest type that holds its load (its own type if none is cheaper).
pub fn downsize(problem: &Problem, bin: &mut Bin) {
    let mut best = bin.bin_type;
    for t in 0..problem.bin_types.len() {
        if problem.bin_types[t].price < problem.bin_types[best].price && bin.fits_type(problem, t) {
            best = t;
        }
    }
    bin.bin_type = best;
}

/// What a bin uses, for first-fit.
struct BinState {
    used: Vec<u64>,
    groups_used: Vec<bool>,
}

impl BinState {
    fn of(problem: &Problem, groups: &[Vec<usize>], bin: &Bin) -> Self {
        let mut state = BinState {
            used: vec![0; problem.dims()],
            groups_used: vec![false; problem.conflict_groups.len()],
        };
        for &(i, n) in &bin.load {
            state.count(problem, groups, i, n);
        }
        state
    }

    fn count(&mut self, problem: &Problem, groups: &[Vec<usize>], i: ItemId, n: u32) {
        for (u, &s) in self.used.iter_mut().zip(&problem.items[i].size) {
            *u += s * u64::from(n);
        }
        for &g in &groups[i] {
            self.groups_used[g] = true;
        }
    }

    /// Copies of `i` that fit in `bin` as it is.
    fn room_for(&self, problem: &Problem, groups: &[Vec<usize>], bin: &Bin, i: ItemId) -> u64 {
        let item = &problem.items[i];
        if item.eligible.binary_search(&bin.bin_type).is_err() || groups[i].iter().any(|&g| self.groups_used[g]) {
            return 0;
        }
        let have = bin.load.iter().find(|l| l.0 == i).map_or(0, |l| l.1);
        let mut n = u64::from(item.max_per_bin.saturating_sub(have));
        if !groups[i].is_empty() {
            n = n.min(1);
        }
        let capacity = &problem.bin_types[bin.bin_type].capacity;
        for ((&s, &u), &c) in item.size.iter().zip(&self.used).zip(capacity) {
            if s > 0 {
                n = n.min((c - u) / s);
            }
        }
        n
    }

    fn add(&mut self, problem: &Problem, groups: &[Vec<usize>], bin: &mut Bin, i: ItemId, n: u32) {
        self.count(problem, groups, i, n);
        match bin.load.binary_search_by_key(&i, |l| l.0) {
            Ok(at) => bin.load[at].1 += n,
            Err(at) => bin.load.insert(at, (i, n)),
        }
    }
}
