//! Problems of millions of copies. The portfolio and the exact method work bin by bin,
//! too slowly for millions of bins; but a packing of the problem whose counts are divided
//! by `q` (rounded down), taken `q` times, packs `q·⌊c/q⌋` copies of every item. So the
//! problem is solved in levels: at each level the remaining counts `c` split into
//! `q·⌊c/q⌋` and `c mod q`; the scaled problem `⌊c/q⌋` is solved whole, its bins taken `q`
//! times (one group per distinct bin, so nothing holds one object per bin), and the
//! remainders go to the next level with a smaller `q`, until one is small enough to solve
//! with `q = 1`. The remainders are below `q` per item, so two or three levels do.
//!
//! The portfolio's work also grows with item kinds times copies: a level with many kinds
//! is cut into chunks of consecutive items of bounded work, each packed on its own bins
//! (bins never mix chunks, so every rule still holds bin by bin). Chunks are packed in
//! parallel, each by one heuristic and its improvement pass and without the exact
//! method, whose bound the large path does not use: the plan is the same on any number
//! of threads.
//!
//! A partly filled bin of a level would be taken `q` times; so the least filled bins of
//! a level's tail (bins that occur a few times at most in its packing) go back to the
//! remainder (up to half a level's copies), and the next level packs their copies with
//! the rest.
//!
//! The bound is that of the original problem: the bound of a scaled problem times `q`
//! bounds the original only when it is an LP bound (`LP(q·c) = q·LP(c)`), which the exact
//! method's integer bound may not be. The levels leave [`BOUND_SHARE`] of the time limit
//! for it: the resource bound, then the fluid LP (whose size depends on the item kinds and
//! types, not on the counts, and which is far stronger with many types) on the problem
//! with identical items merged, each within the deadline; the higher bound is kept, and
//! the resource bound alone when the fluid LP does not solve in time.

use std::time::Instant;

use super::packing::{Bin, BinGroup, Grouped};
use super::problem::{Item, ItemId, Problem};
use rayon::prelude::*;

use super::{bound, exact, finish, identical, solve_whole, Phase, Portfolio, Progress, Settings, Solved};

/// Above this many copies in all, a problem is solved in scaled-down levels. Below it
/// (and below the work limits of [`is_large`]) the portfolio and the exact method take the
/// whole problem, and the plans are those of the whole solve.
pub const LARGE_COPIES: u64 = 1_000_000;
/// The portfolio's work on a problem, in units of copies × (item kinds + this): a bin
/// costs about as much as this many item kinds scanned.
const WORK_PER_COPY: u64 = 50;
/// Seconds per unit of work, measured on the realistic mixes and on one-service
/// problems: what turns work into an estimate of the portfolio's time.
const SECONDS_PER_WORK: f64 = 2e-8;
/// The share of the time limit the portfolio may take on the whole problem before the
/// problem is cut into chunks.
const PORTFOLIO_SHARE: f64 = 0.3;
/// Below this work a problem is always solved whole, however short the time limit: the
/// plans of small problems do not depend on it.
const MIN_LARGE_WORK: u64 = 100_000_000;
/// Work per chunk of a level: about a second of the portfolio.
const CHUNK_WORK: u64 = 50_000_000;
/// The copies each scaled level aims at: large enough that its partly filled bins, taken
/// `q` times, are a small share of the plan; small enough that the portfolio packs it in
/// a fraction of a second.
const SCALED_COPIES: u64 = 100_000;
/// The share of the time limit the levels leave for the bound of the whole problem.
const BOUND_SHARE: f64 = 0.2;
/// The fluid LP is tried when its copy columns (merged item kinds × bin types) are at
/// most this many. It solves with a few columns per kind and prices the rest in, so its
/// time grows with the kinds more than with the pairs (2,000 kinds × 766 types, 1.5
/// million pairs, in about a second), but every round scans the pairs, and a larger LP
/// that runs out of time holds the solve to its deadline, while checking a large plan
/// still needs time after it.
const FLUID_MAX_COLUMNS: usize = 2_000_000;
/// A level's groups of at most this many copies are its tail, whose least filled bins go
/// back to the remainder rather than be taken `q` times.
const TAIL_COPIES: u64 = 8;
/// A bin whose most used resource is at least this share of its capacity counts as full:
/// it is taken `q` times as it is.
const FULL: f64 = 0.98;

/// The portfolio's work on `copies` copies of `kinds` item kinds.
fn work(copies: u64, kinds: usize) -> u64 {
    copies.saturating_mul(kinds as u64 + WORK_PER_COPY)
}

/// Whether `problem` goes the scaled, chunked way: more than [`LARGE_COPIES`] copies, or a
/// portfolio estimated to take more than its share of `time_limit` (and above
/// [`MIN_LARGE_WORK`]). Depends on the problem and the limit only, never on threads.
pub fn is_large(problem: &Problem, time_limit: std::time::Duration) -> bool {
    let copies = problem.total_copies();
    let work = work(copies, problem.items.len());
    copies > LARGE_COPIES
        || work > MIN_LARGE_WORK && work as f64 * SECONDS_PER_WORK > PORTFOLIO_SHARE * time_limit.as_secs_f64()
}

/// Solves `problem` level by level (see the module doc), by `start + time_limit`.
pub fn solve(problem: &Problem, settings: &Settings, start: Instant) -> Solved {
    let deadline = start + settings.time_limit;
    let levels_end = start + settings.time_limit.mul_f64(1.0 - BOUND_SHARE);
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
        let chunks = chunks(&remaining, q);
        let scaled_total: u64 = remaining.iter().map(|&c| c / q).sum();
        let left_after: u64 = remaining.iter().map(|&c| c % q).sum();
        // This level's share of the time left: all of it when nothing remains after it,
        // else in proportion to the copies of this level and of the next (at most a
        // scaled problem's worth); each chunk's share in proportion to its work.
        let time_left = levels_end.saturating_duration_since(Instant::now());
        let share = if left_after == 0 {
            time_left
        } else {
            let next = left_after.min(SCALED_COPIES) as f64;
            time_left.mul_f64(scaled_total as f64 / (scaled_total as f64 + next))
        };
        let level_end = Instant::now() + share;
        let level_work: u64 = chunks.iter().map(|c| c.1).sum();
        let several = chunks.len() > 1;
        let solve_chunk = |(items, chunk_work): &(Vec<ItemId>, u64)| {
            let (scaled, originals) = scaled_problem(problem, &remaining, q, items);
            let left = level_end.saturating_duration_since(Instant::now());
            let part = Settings {
                time_limit: left.mul_f64(*chunk_work as f64 / level_work.max(1) as f64),
                progress: None,
                exact: settings.exact && !several,
                ..settings.clone()
            };
            let portfolio = if several { Portfolio::Lean } else { Portfolio::Full };
            let solved = solve_whole(&scaled, &part, Instant::now(), portfolio);
            let mut groups = solved.packing.groups;
            if q > 1 {
                groups = give_back_least_filled(&scaled, groups, q);
            }
            let groups: Vec<BinGroup> = groups
                .into_iter()
                .map(|g| BinGroup {
                    bin: Bin {
                        bin_type: g.bin.bin_type,
                        load: g.bin.load.iter().map(|&(i, n)| (originals[i], n)).collect(),
                    },
                    copies: g.copies,
                })
                .collect();
            (groups, solved.notes)
        };
        let solved: Vec<(Vec<BinGroup>, Vec<String>)> = if several {
            chunks.par_iter().map(solve_chunk).collect()
        } else {
            chunks.iter().map(solve_chunk).collect()
        };
        let mut kept = Vec::new();
        let mut notes_here: Vec<String> = Vec::new();
        for (groups, chunk_notes) in solved {
            kept.extend(groups);
            for note in chunk_notes {
                if !notes_here.contains(&note) {
                    notes_here.push(note);
                }
            }
        }
        notes.extend(notes_here);
        for g in kept {
            let load = g.bin.load;
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
    let (lower_bound, which) = whole_bound(problem, deadline, settings.seed);
    let scales: Vec<String> = scales.iter().map(u64::to_string).collect();
    notes.push(format!(
        "a large problem ({} copies): solved in {} scaled-down level(s), each count divided by {} in turn, the item kinds of a level in chunks, and the level's bins repeated as many times; the bound is the {which} of the whole problem",
        problem.total_copies(),
        scales.len(),
        scales.join(", then ")
    ));
    finish(settings, start, packing, cost, lower_bound, notes, first_plan_seconds)
}

/// A lower bound on `problem` by `deadline`: the resource bound, raised by the fluid LP of
/// the problem with identical items merged (the same least cost) when it is small enough
/// ([`FLUID_MAX_COLUMNS`]) and solves in time.
/// With the name of the bound that decided it.
fn whole_bound(problem: &Problem, deadline: Instant, seed: u64) -> (f64, &'static str) {
    let resource = bound::resource_bound(problem, deadline).max(0.0);
    if problem.bin_types.len() < 2 || Instant::now() >= deadline {
        return (resource, "resource bound");
    }
    let merged = identical::merge(problem);
    let merged = merged.as_ref().map_or(problem, |m| &m.problem);
    if merged.items.len() * merged.bin_types.len() > FLUID_MAX_COLUMNS {
        return (resource, "resource bound");
    }
    match exact::fluid::solve(merged, None, deadline, seed) {
        Some(fluid) if fluid.bound > resource => (fluid.bound, "fluid LP bound"),
        _ => (resource, "resource bound"),
    }
}

/// The level's groups without its least filled tail bins, which go back to the remainder:
/// bins of groups of at most [`TAIL_COPIES`] copies (the tail of a packing is a few bins,
/// alike or not; its body, many copies of a bin), least filled first (the most filled
/// resource share of the bin's capacity decides), as many as keep the copies given back,
/// `q` per copy in a bin, within half a level's copies. Full bins stay.
fn give_back_least_filled(scaled: &Problem, mut groups: Vec<BinGroup>, q: u64) -> Vec<BinGroup> {
    let fill = |bin: &Bin| bin.fullest(scaled);
    let mut tail: Vec<(f64, usize)> = groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.copies <= TAIL_COPIES)
        .map(|(k, g)| (fill(&g.bin), k))
        .filter(|&(f, _)| f < FULL)
        .collect();
    tail.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut copies = 0;
    for (_, k) in tail {
        let in_bin: u64 = groups[k].bin.load.iter().map(|&(_, n)| u64::from(n)).sum();
        let bins = ((SCALED_COPIES / 2 - copies) / (q * in_bin).max(1)).min(groups[k].copies);
        if bins == 0 {
            break;
        }
        copies += bins * q * in_bin;
        groups[k].copies -= bins;
    }
    groups.retain(|g| g.copies > 0);
    groups
}

/// The items with copies left at scale `q`, cut into runs of consecutive items whose
/// work stays within [`CHUNK_WORK`] (one item alone may exceed it), with each run's work.
fn chunks(remaining: &[u64], q: u64) -> Vec<(Vec<ItemId>, u64)> {
    let mut chunks: Vec<(Vec<ItemId>, u64)> = Vec::new();
    let mut copies = 0;
    for i in (0..remaining.len()).filter(|&i| remaining[i] / q > 0) {
        let c = remaining[i] / q;
        match chunks.last_mut() {
            Some((items, w)) if work(copies + c, items.len() + 1) <= CHUNK_WORK => {
                items.push(i);
                copies += c;
                *w = work(copies, items.len());
            }
            _ => {
                copies = c;
                chunks.push((vec![i], work(c, 1)));
            }
        }
    }
    chunks
}

/// The problem of `items` with every count `⌊remaining/q⌋`, with the original index of
/// each item kept. Sizes, eligibility, caps and conflict groups are the original's, so
/// every bin of its packings is a bin of the original problem.
fn scaled_problem(problem: &Problem, remaining: &[u64], q: u64, items: &[ItemId]) -> (Problem, Vec<ItemId>) {
    let originals: Vec<ItemId> = items.to_vec();
    let items = originals
        .iter()
        .map(|&i| Item {
            count: u32::try_from(remaining[i] / q).expect("counts are u32"),
            ..problem.items[i].clone()
        })
        .collect();
    let conflict_groups = problem.groups_among(&originals);
    let scaled = Problem {
        resources: problem.resources.clone(),
        items,
        bin_types: problem.bin_types.clone(),
        conflict_groups,
    };
    (scaled, originals)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::engine::{BinType, Packing};

    /// Items of size 3 in bins of 10 at price 1: three to a bin, so the optimum of `n`
    /// copies is ⌈n/3⌉ bins.
    fn thirds(n: u32) -> Problem {
        Problem {
            resources: vec!["cpu".into()],
            items: vec![Item {
                name: "a".into(),
                size: vec![3],
                count: n,
                eligible: vec![0],
                max_per_bin: u32::MAX,
            }],
            bin_types: vec![BinType {
                name: "b".into(),
                capacity: vec![10],
                price: 1.0,
            }],
            conflict_groups: vec![],
        }
    }

    fn settings(threads: usize) -> Settings {
        Settings {
            threads,
            time_limit: Duration::from_secs(5),
            ..Settings::default()
        }
    }

    /// The portfolio alone: the exact method's result depends on where the clock stops it.
    fn portfolio_only(threads: usize) -> Settings {
        Settings {
            exact: false,
            ..settings(threads)
        }
    }

    #[test]
    fn the_scaled_path_keeps_a_valid_bound_and_a_small_gap_on_a_known_optimum() {
        let n = 2_000_001;
        let problem = thirds(n);
        assert!(is_large(&problem, Duration::from_secs(5)));
        let solved = crate::engine::solve(&problem, &settings(1));
        let optimum = f64::from(n.div_ceil(3));
        assert_eq!(solved.packing.verify(&problem), Ok(()));
        assert!(
            solved.lower_bound <= optimum + 1e-6,
            "bound {} above the optimum",
            solved.lower_bound
        );
        assert!(solved.lower_bound >= 0.999 * optimum);
        assert!(solved.cost <= 1.001 * optimum, "cost {} against {optimum}", solved.cost);
        // Millions of bins, a handful of objects.
        assert!(solved.packing.groups.len() < 10);
    }

    #[test]
    fn the_scaled_path_gives_the_same_plan_on_one_and_two_threads() {
        let mut problem = thirds(1_500_000);
        problem.items.push(Item {
            name: "b".into(),
            size: vec![4],
            count: 700_001,
            eligible: vec![0],
            max_per_bin: u32::MAX,
        });
        let one = crate::engine::solve(&problem, &portfolio_only(1));
        let two = crate::engine::solve(&problem, &portfolio_only(2));
        assert_eq!(one.packing, two.packing);
        assert_eq!(one.packing.verify(&problem), Ok(()));
    }

    /// Items of size 3 in bins of 10 at price 1 or of 4 at price 0.4: a copy left over
    /// from the threes is cheaper on a small bin, two as well.
    #[test]
    fn a_levels_tail_of_alike_bins_goes_back_to_the_next_level() {
        let n: u32 = 2_000_054;
        let mut problem = thirds(n);
        problem.items[0].eligible = vec![0, 1];
        problem.bin_types.push(BinType {
            name: "small".into(),
            capacity: vec![4],
            price: 0.4,
        });
        // The first level packs ⌊n/21⌋ = 3·31,746 + 2 copies: its tail is two small bins
        // alike. Taken 21 times they would cost 16.8 where 14 large bins hold their copies.
        assert_eq!(u64::from(n).div_ceil(SCALED_COPIES), 21);
        let solved = crate::engine::solve(&problem, &settings(1));
        assert_eq!(solved.packing.verify(&problem), Ok(()));
        let optimum = f64::from(n / 3) + 0.4 * f64::from(n % 3);
        assert!(solved.cost <= optimum + 1e-6, "cost {} against {optimum}", solved.cost);
    }

    #[test]
    fn small_problems_are_solved_whole_however_short_the_limit() {
        assert!(!is_large(&thirds(100_000), Duration::ZERO));
        assert!(is_large(&thirds(1_000_001), Duration::from_secs(3600)));
    }

    #[test]
    fn a_grouped_packing_expands_to_the_normalized_packing() {
        let bin = |t: usize, load: Vec<(usize, u32)>| Bin { bin_type: t, load };
        let packing = Packing {
            bins: vec![
                bin(1, vec![(0, 2)]),
                bin(0, vec![(1, 1)]),
                bin(1, vec![(0, 2)]),
                bin(0, vec![]),
            ],
        };
        let grouped = Grouped::from_packing(packing.clone());
        assert_eq!(grouped.groups.len(), 2);
        assert_eq!(grouped.bins(), 3);
        let mut normalized = packing;
        normalized.normalize();
        assert_eq!(grouped.expand(), normalized);
    }

    #[test]
    fn a_bad_group_is_refused_by_the_grouped_verify() {
        let problem = thirds(9);
        let grouped = Grouped {
            groups: vec![
                BinGroup {
                    bin: Bin {
                        bin_type: 0,
                        load: vec![(0, 3)],
                    },
                    copies: 2,
                },
                BinGroup {
                    bin: Bin {
                        bin_type: 0,
                        load: vec![(0, 4)],
                    },
                    copies: 1,
                },
            ],
        };
        assert!(grouped.verify(&problem).unwrap_err().contains("over its cpu capacity"));
        let short = Grouped {
            groups: vec![grouped.groups[0].clone()],
        };
        assert!(short.verify(&problem).unwrap_err().contains("6 of 9 copies"));
    }
}
