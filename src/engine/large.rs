//! Problems of millions of copies. The portfolio and the exact method work bin by bin,
//! too slowly for millions of bins; but a packing of the problem whose counts are divided
//! by `q` (rounded down), taken `q` times, packs `q·⌊c/q⌋` copies of every item. So the
//! problem is solved in levels: at each level the remaining counts `c` split into
//! `q·⌊c/q⌋` and `c mod q`; the scaled problem `⌊c/q⌋` is solved whole, its bins taken `q`
//! times (one group per distinct bin, so nothing holds one object per bin), and the
//! remainders go to the next level with a smaller `q`, until one is small enough to solve
//! with `q = 1`. The remainders are below `q` per item, so two or three levels do.
//!
//! A partly filled bin of a level would be taken `q` times; so the least filled bins that
//! occur once in a level's packing go back to the remainder (up to half a level's copies),
//! and the next level packs their copies with the rest.
//!
//! The bound is the resource bound of the original problem: the bound of a scaled problem
//! times `q` bounds the original only when it is an LP bound (`LP(q·c) = q·LP(c)`), which
//! the exact method's integer bound may not be.

use std::time::Instant;

use super::packing::{Bin, BinGroup, Grouped};
use super::problem::{ConflictGroup, Item, ItemId, Problem};
use super::{bound, solve_whole, Phase, Progress, Settings, Solved};

/// Above this many copies in all, a problem is solved in scaled-down levels. Below it
/// the portfolio and the exact method take the whole problem within usual time limits,
/// and the plans are those of the whole solve.
pub const LARGE_COPIES: u64 = 1_000_000;
/// The copies each scaled level aims at: large enough that its partly filled bins, taken
/// `q` times, are a small share of the plan; small enough that the portfolio packs it in
/// a fraction of a second.
const SCALED_COPIES: u64 = 100_000;
/// A bin whose most used resource is at least this share of its capacity counts as full:
/// it is taken `q` times as it is.
const FULL: f64 = 0.98;

/// Solves `problem` level by level (see the module doc), by `start + time_limit`.
pub fn solve(problem: &Problem, settings: &Settings, start: Instant) -> Solved {
    let deadline = start + settings.time_limit;
    settings.report(Progress {
        phase: Phase::FirstPlan,
        best_cost: None,
        lower_bound: 0.0,
    });
    let mut remaining: Vec<u64> = problem.items.iter().map(|i| u64::from(i.count)).collect();
    let mut groups: Vec<BinGroup> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut scales: Vec<u64> = Vec::new();
    loop {
        let total: u64 = remaining.iter().sum();
        if total == 0 {
            break;
        }
        let mut q = total.div_ceil(SCALED_COPIES).max(1);
        // Items with fewer copies than `q` leave the scaled problem; when every item
        // would, the remainder is solved whole.
        if remaining.iter().all(|&c| c < q) {
            q = 1;
        }
        let (scaled, originals) = scaled_problem(problem, &remaining, q);
        let scaled_total = scaled.total_copies();
        let left_after: u64 = remaining.iter().map(|&c| c % q).sum();
        // This level's share of the time left: all of it when nothing remains after it,
        // else in proportion to the copies of this level and of the next (at most a
        // scaled problem's worth).
        let time_left = deadline.saturating_duration_since(Instant::now());
        let share = if left_after == 0 {
            time_left
        } else {
            let next = left_after.min(SCALED_COPIES) as f64;
            time_left.mul_f64(scaled_total as f64 / (scaled_total as f64 + next))
        };
        let part = Settings {
            time_limit: share,
            progress: None,
            ..settings.clone()
        };
        let solved = solve_whole(&scaled, &part, Instant::now());
        let mut kept = solved.packing.groups;
        if q > 1 {
            kept = give_back_least_filled(&scaled, kept, q);
        }
        for g in kept {
            let load: Vec<(ItemId, u32)> = g.bin.load.iter().map(|&(i, n)| (originals[i], n)).collect();
            for &(i, n) in &load {
                remaining[i] -= q * g.copies * u64::from(n);
            }
            groups.push(BinGroup {
                bin: Bin {
                    bin_type: g.bin.bin_type,
                    load,
                },
                copies: g.copies * q,
            });
        }
        notes.extend(solved.notes);
        scales.push(q);
        if q == 1 {
            break;
        }
    }
    let mut packing = Grouped { groups };
    packing.normalize();
    debug_assert_eq!(packing.verify(problem), Ok(()));
    let first_plan_seconds = start.elapsed().as_secs_f64();
    let cost = packing.cost(problem);
    let lower_bound = bound::resource_bound(problem).max(0.0).min(cost);
    let scales: Vec<String> = scales.iter().map(u64::to_string).collect();
    notes.push(format!(
        "a large problem ({} copies): solved in {} scaled-down level(s), each count divided by {} in turn and the level's bins repeated as many times; the bound is the resource bound of the whole problem",
        problem.total_copies(),
        scales.len(),
        scales.join(", then ")
    ));
    settings.report(Progress {
        phase: Phase::Done,
        best_cost: Some(cost),
        lower_bound,
    });
    Solved {
        packing,
        cost,
        lower_bound,
        notes,
        first_plan_seconds,
        seconds: start.elapsed().as_secs_f64(),
        interrupted: settings.stop.is_requested(),
    }
}

/// The level's groups without its least filled single bins (the most filled resource
/// share of the bin's capacity decides), which go back to the remainder: as many as keep
/// the copies given back, `q` per copy in a bin, within half a level's copies. Full bins
/// stay.
fn give_back_least_filled(scaled: &Problem, groups: Vec<BinGroup>, q: u64) -> Vec<BinGroup> {
    let fill = |bin: &Bin| {
        let capacity = &scaled.bin_types[bin.bin_type].capacity;
        (0..scaled.dims())
            .filter(|&d| capacity[d] > 0)
            .map(|d| {
                let used: u64 = bin
                    .load
                    .iter()
                    .map(|&(i, n)| scaled.items[i].size[d] * u64::from(n))
                    .sum();
                used as f64 / capacity[d] as f64
            })
            .fold(0.0, f64::max)
    };
    let mut single: Vec<(f64, usize)> = groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.copies == 1)
        .map(|(k, g)| (fill(&g.bin), k))
        .filter(|&(f, _)| f < FULL)
        .collect();
    single.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut given = vec![false; groups.len()];
    let mut copies = 0;
    for (_, k) in single {
        let in_bin: u64 = groups[k].bin.load.iter().map(|&(_, n)| u64::from(n)).sum();
        if copies + q * in_bin > SCALED_COPIES / 2 {
            break;
        }
        copies += q * in_bin;
        given[k] = true;
    }
    groups
        .into_iter()
        .zip(given)
        .filter(|(_, given)| !given)
        .map(|(g, _)| g)
        .collect()
}

/// The problem with every count `⌊remaining/q⌋`, items left at 0 dropped, with the
/// original index of each item kept. Sizes, eligibility, caps and conflict groups are the
/// original's, so every bin of its packings is a bin of the original problem.
fn scaled_problem(problem: &Problem, remaining: &[u64], q: u64) -> (Problem, Vec<ItemId>) {
    let originals: Vec<ItemId> = (0..problem.items.len()).filter(|&i| remaining[i] / q > 0).collect();
    let mut new_index = vec![usize::MAX; problem.items.len()];
    for (k, &i) in originals.iter().enumerate() {
        new_index[i] = k;
    }
    let items = originals
        .iter()
        .map(|&i| Item {
            count: u32::try_from(remaining[i] / q).expect("counts are u32"),
            ..problem.items[i].clone()
        })
        .collect();
    let conflict_groups = problem
        .conflict_groups
        .iter()
        .map(|g| ConflictGroup {
            name: g.name.clone(),
            items: g
                .items
                .iter()
                .filter_map(|&i| Some(new_index[i]).filter(|&k| k != usize::MAX))
                .collect(),
        })
        .filter(|g| !g.items.is_empty())
        .collect();
    let scaled = Problem {
        resources: problem.resources.clone(),
        items,
        bin_types: problem.bin_types.clone(),
        conflict_groups,
    };
    (scaled, originals)
}
