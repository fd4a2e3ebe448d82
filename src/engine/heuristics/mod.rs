//! The heuristic portfolio: first-fit and best-fit decreasing over several item orders and
//! bin-type rules, and bin-centric filling, run in parallel, each followed by an
//! improvement pass; the cheapest wins. Also the ejection search ([`fewer_bins`]) that the
//! exact method runs on the plans it reaches with one bin type.

mod construct;
mod eject;
mod improve;
mod rooms;
mod state;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

pub use eject::fewer_bins;

use super::packing::Packing;
use super::problem::{ItemId, Problem};
use super::Settings;
use construct::{Match, Placement, TypeRule};
use state::{Data, WorkBin};

/// Bin-centric candidates scan every item for every addition: they run only while
/// item kinds × copies stay under this.
const BIN_CENTRIC_WORK: u64 = 4_000_000;
/// Randomized candidates (perturbed orders) run only while copies stay under this.
const RANDOM_WORK: u64 = 20_000;
/// How many of the cheapest constructions the improvement pass then works on.
const IMPROVED: usize = 6;
/// Above this many item kinds × copies, item-centric candidates use first fit only: best
/// fit scores every bin with room for each item, and on large workloads its packings are
/// no better than first fit's once improved, at many times the cost.
const BEST_FIT_WORK: u64 = 20_000_000;
/// How many randomized candidates run on small problems.
const RANDOM_CANDIDATES: usize = 16;

/// One heuristic of the portfolio.
#[derive(Debug, Clone)]
enum Candidate {
    ItemCentric {
        order: usize,
        rule: TypeRule,
        placement: Placement,
    },
    BinCentric {
        order: usize,
        rule: TypeRule,
        measure: Match,
    },
    /// First-fit decreasing on a randomly perturbed order.
    Perturbed { order: usize, rule: TypeRule },
}

/// The cheapest packing the portfolio finds. Deterministic for a given seed, whatever the
/// number of threads.
pub fn portfolio(problem: &Problem, settings: &Settings) -> Packing {
    let data = Data::new(problem);
    let orders = construct::orders(&data);
    let candidates = candidates(&data, orders.len());
    let mut built: Vec<(f64, usize, Vec<WorkBin>)> = candidates
        .par_iter()
        .enumerate()
        .map(|(index, candidate)| {
            let bins = run(&data, &orders, candidate, settings.seed ^ index as u64);
            (state::cost(&data, &bins), index, bins)
        })
        .collect();
    // The improvement pass costs as much as a construction and seldom reorders packings
    // far apart: it runs on the cheapest few.
    built.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    built.truncate(IMPROVED);
    let improved: Vec<(f64, Vec<WorkBin>)> = built
        .into_par_iter()
        .map(|(_, _, mut bins)| {
            improve::improve(&data, &mut bins);
            (state::cost(&data, &bins), bins)
        })
        .collect();
    let mut best: Option<(f64, Vec<WorkBin>)> = None;
    for (cost, bins) in improved {
        if best.as_ref().map_or(true, |(c, _)| cost < *c) {
            best = Some((cost, bins));
        }
    }
    best.map_or_else(Packing::default, |(_, bins)| state::to_packing(bins))
}

/// The portfolio's first candidate alone (first-fit decreasing in the first order, the
/// price-per-value type rule) and the improvement pass: for the chunks of very large
/// problems, where the whole portfolio on every chunk would take many times as long.
/// Deterministic.
pub fn lean(problem: &Problem) -> Packing {
    let data = Data::new(problem);
    let orders = construct::orders(&data);
    let mut bins = construct::item_centric(&data, &orders[0], TypeRule::Value, Placement::FirstFit);
    improve::improve(&data, &mut bins);
    state::to_packing(bins)
}

/// Plain first-fit decreasing (by CPU, the first resource) with the price-per-value type
/// rule and no improvement pass: one candidate of the portfolio, the baseline it is
/// measured against.
pub fn first_fit_decreasing(problem: &Problem) -> Packing {
    let data = Data::new(problem);
    let orders = construct::orders(&data);
    state::to_packing(construct::item_centric(
        &data,
        &orders[0],
        TypeRule::Value,
        Placement::FirstFit,
    ))
}

/// The candidates worth running on this problem, in a fixed order.
fn candidates(data: &Data, orders: usize) -> Vec<Candidate> {
    let rules: &[TypeRule] = if data.types > 1 {
        &[TypeRule::Value, TypeRule::Cover]
    } else {
        &[TypeRule::Value]
    };
    let copies = data.p.total_copies();
    let placements: &[Placement] = if data.n as u64 * copies > BEST_FIT_WORK {
        &[Placement::FirstFit]
    } else {
        &[Placement::FirstFit, Placement::BestFit]
    };
    let mut list = Vec::new();
    for order in 0..orders {
        for &rule in rules {
            for &placement in placements {
                list.push(Candidate::ItemCentric { order, rule, placement });
            }
        }
    }
    if data.n as u64 * copies <= BIN_CENTRIC_WORK {
        for order in 0..orders {
            for &rule in rules {
                for measure in [Match::DotProduct, Match::Norm] {
                    list.push(Candidate::BinCentric { order, rule, measure });
                }
            }
        }
    }
    if copies <= RANDOM_WORK {
        for k in 0..RANDOM_CANDIDATES {
            list.push(Candidate::Perturbed {
                order: k % orders,
                rule: rules[k / orders % rules.len()],
            });
        }
    }
    list
}

/// Builds the packing of one candidate.
fn run(data: &Data, orders: &[Vec<ItemId>], candidate: &Candidate, seed: u64) -> Vec<WorkBin> {
    match *candidate {
        Candidate::ItemCentric { order, rule, placement } => {
            construct::item_centric(data, &orders[order], rule, placement)
        }
        Candidate::BinCentric { order, rule, measure } => construct::bin_centric(data, &orders[order], rule, measure),
        Candidate::Perturbed { order, rule } => {
            let order = perturbed(&orders[order], seed);
            construct::item_centric(data, &order, rule, Placement::FirstFit)
        }
    }
}

/// `order` with random swaps of nearby items: each position trades places with one a few
/// steps later with probability one half.
fn perturbed(order: &[ItemId], seed: u64) -> Vec<ItemId> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut order = order.to_vec();
    for a in 0..order.len() {
        if rng.gen_bool(0.5) {
            let b = (a + rng.gen_range(1..=3)).min(order.len() - 1);
            order.swap(a, b);
        }
    }
    order
}

#[cfg(test)]
pub(crate) mod tests;
