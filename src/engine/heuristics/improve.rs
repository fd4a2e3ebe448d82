//! Improvement of a complete packing: move each bin to the cheapest type that still holds
//! its load, empty the least useful bins into the others (or lighten them enough to move
//! them to a cheaper type), and merge pairs of light bins into one cheaper bin.

use super::state::{Data, WorkBin};
use crate::engine::problem::BinTypeId;

/// How many of the least useful bins the emptying pass tries.
const EMPTY_TRIES: usize = 96;
/// How many of the least useful bins the merging pass pairs up.
const MERGE_CANDIDATES: usize = 40;
/// A move must save more than this fraction of the cheapest price to count.
const SAVING: f64 = 1e-9;

/// Runs every pass until one round saves nothing (at most a few rounds).
pub(crate) fn improve(data: &Data, bins: &mut Vec<WorkBin>) {
    downsize(data, bins);
    for _ in 0..3 {
        let before = super::state::cost(data, bins);
        empty_light_bins(data, bins);
        merge_light_bins(data, bins);
        downsize(data, bins);
        if super::state::cost(data, bins) >= before - SAVING * before {
            break;
        }
    }
}

/// The cheapest type that holds the load of `bin`, if cheaper than its own.
fn cheaper_type(data: &Data, bin: &WorkBin) -> Option<BinTypeId> {
    let own = data.price[bin.bin_type];
    data.by_price
        .iter()
        .copied()
        .take_while(|&t| data.price[t] < own)
        .find(|&t| bin.fits_type(data, t))
}

/// Moves every bin to the cheapest type that still holds its load.
pub(crate) fn downsize(data: &Data, bins: &mut [WorkBin]) {
    for bin in bins.iter_mut() {
        if let Some(t) = cheaper_type(data, bin) {
            bin.bin_type = t;
        }
    }
}

/// Bins by ascending value per price (ties by position): the least useful first.
fn least_useful(data: &Data, bins: &[WorkBin]) -> Vec<usize> {
    let worth: Vec<f64> = bins
        .iter()
        .map(|b| b.value(data) / data.price[b.bin_type].max(f64::MIN_POSITIVE))
        .collect();
    let mut order: Vec<usize> = (0..bins.len()).collect();
    order.sort_by(|&a, &b| worth[a].total_cmp(&worth[b]).then(a.cmp(&b)));
    order
}

/// Tries to move the whole load of each of the least useful bins into the others, most
/// useful first. A bin that cannot be emptied keeps the moves only when what stays in it
/// fits a cheaper type.
pub(crate) fn empty_light_bins(data: &Data, bins: &mut Vec<WorkBin>) {
    let order = least_useful(data, bins);
    let targets: Vec<usize> = order.iter().rev().copied().collect();
    for &source in order.iter().take(EMPTY_TRIES) {
        if bins[source].load.is_empty() {
            continue;
        }
        let mut moves: Vec<(usize, usize, u32)> = Vec::new();
        let load = bins[source].load.clone();
        let mut emptied = true;
        for &(i, copies) in &load {
            let mut left = copies;
            for &b in &targets {
                if left == 0 {
                    break;
                }
                if b == source || bins[b].load.is_empty() {
                    continue;
                }
                let k = bins[b].fit(data, i).min(left);
                if k > 0 {
                    bins[b].add(data, i, k);
                    bins[source].remove(data, i, k);
                    moves.push((b, i, k));
                    left -= k;
                }
            }
            emptied &= left == 0;
        }
        if emptied {
            continue;
        }
        match cheaper_type(data, &bins[source]) {
            Some(t) => bins[source].bin_type = t,
            None => {
                for &(b, i, k) in moves.iter().rev() {
                    bins[b].remove(data, i, k);
                    bins[source].add(data, i, k);
                }
            }
        }
    }
    bins.retain(|b| !b.load.is_empty());
}

/// Merges pairs among the least useful bins into one bin of the cheapest type that holds
/// both loads, when that type costs less than the two.
pub(crate) fn merge_light_bins(data: &Data, bins: &mut Vec<WorkBin>) {
    let order = least_useful(data, bins);
    let candidates: Vec<usize> = order.into_iter().take(MERGE_CANDIDATES).collect();
    let mut merged = WorkBin::new(0, data.dims);
    for (x, &a) in candidates.iter().enumerate() {
        for &b in &candidates[x + 1..] {
            if bins[a].load.is_empty() || bins[b].load.is_empty() {
                continue;
            }
            let pair = data.price[bins[a].bin_type] + data.price[bins[b].bin_type];
            let Some(t) = merged_type(data, &bins[a], &bins[b], pair, &mut merged) else {
                continue;
            };
            merged.bin_type = t;
            std::mem::swap(&mut bins[a], &mut merged);
            let own = bins[b].bin_type;
            bins[b].reset(own);
        }
    }
    bins.retain(|b| !b.load.is_empty());
}

/// The cheapest type, costing less than `limit`, of one bin holding the loads of `a` and
/// `b`; the combined bin is left in `merged`.
fn merged_type(data: &Data, a: &WorkBin, b: &WorkBin, limit: f64, merged: &mut WorkBin) -> Option<BinTypeId> {
    merged.reset(a.bin_type);
    merged.load.extend_from_slice(&a.load);
    merged.groups.extend_from_slice(&a.groups);
    merged.used.copy_from_slice(&a.used);
    for &(i, k) in &b.load {
        let together = merged.copies_of(i) + k;
        if together > data.per_bin[i] || data.groups[i].iter().any(|g| merged.groups.contains(g)) {
            return None;
        }
        for (u, &s) in merged.used.iter_mut().zip(data.item_size(i)) {
            *u += s * u64::from(k);
        }
        match merged.load.iter_mut().find(|(j, _)| *j == i) {
            Some((_, n)) => *n += k,
            None => merged.load.push((i, k)),
        }
        merged.groups.extend_from_slice(&data.groups[i]);
    }
    let limit = limit - SAVING * limit;
    data.by_price
        .iter()
        .copied()
        .take_while(|&t| data.price[t] < limit)
        .find(|&t| merged.fits_type(data, t))
}
