//! Re-packing a plan a few bins at a time (a large-neighbourhood search): the copies of a
//! handful of its bins are packed anew by a small MIP, which also chooses the bins' types,
//! and the result replaces those bins when it costs less. Where a plan is one price step
//! above the bound, the saving is usually spread thin over many bins: no single move of a
//! copy finds it, but a MIP over eight bins' copies often does.
//!
//! Each neighbourhood is drawn mostly from the bins that waste (price less the value of
//! their load at the bound's duals, or their unused room without duals), and grows while
//! its MIPs end proven within their time, and shrinks when they do not. The MIP is capped
//! below the old bins' cost, so that most neighbourhoods are proven hopeless in a few
//! nodes; at the same cost it takes more bins without waste, which gathers the waste of
//! the plan in fewer bins, nearer a saving. When the whole plan is one neighbourhood and
//! every type is a candidate, a MIP proven optimal proves the plan optimal.

use std::time::Instant;

use highs::{ColProblem, HighsModelStatus, Model, Row};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use super::error::ExactError;
use super::highs_mip;
use super::master::set_seed;
use crate::engine::packing::{Bin, Packing};
use crate::engine::problem::{BinTypeId, ItemId, Problem};
use crate::engine::Stop;

/// A bin wastes nothing when its waste is below this share of its price: far above the
/// duals' rounding errors.
const TIGHT: f64 = 1e-6;
/// Weight of each bin without waste in a neighbourhood's objective, beside its cost: far
/// below the least difference of two plans' costs (prices are in millionths).
const TIGHT_WEIGHT: f64 = 1e-7;
/// Neighbourhoods solved side by side in one round.
const ROUND: usize = 4;
/// Bins of the first neighbourhoods.
pub const FIRST_BINS: usize = 8;
/// Fewest and most bins in a neighbourhood.
const FEWEST_BINS: usize = 3;
const MOST_BINS: usize = 10;
/// Most MIP columns in one neighbourhood (copies' kinds and types, times bins): past this
/// HiGHS seldom proves a neighbourhood within its time.
const MOST_COLUMNS: usize = 2_400;
/// Seconds one neighbourhood's MIP may take, at most.
const MIP_SECONDS: f64 = 1.5;
/// Most candidate types beside those of the neighbourhood's bins.
const MOST_SUGGESTED: usize = 24;
/// Share of a neighbourhood's bins chosen for their waste (numerator, denominator): the
/// others are drawn at random.
const WASTEFUL_SHARE: (usize, usize) = (3, 4);
/// Bins drawn for each place in a neighbourhood, the most wasteful kept: how strongly the
/// search favours waste over variety.
const TOURNAMENT: usize = 3;

/// What a re-packing reached.
pub struct Repacked {
    /// Never dearer than the packing it started from.
    pub packing: Packing,
    /// The whole plan was re-packed by one MIP over every type, proven optimal.
    pub proven: bool,
}

/// What a re-packing is told besides the plan.
pub struct Aim<'a> {
    /// A proven lower bound: the search ends when the plan costs this.
    pub lower_bound: f64,
    /// Each item's dual value at the bound (how much of a bin's price its copy pays for),
    /// when known: a bin's waste is its price less the value of its load.
    pub duals: Option<&'a [f64]>,
    /// Types worth offering every neighbourhood besides its own bins' types (those of the
    /// root LP's solution, say), best first.
    pub suggested: &'a [BinTypeId],
    pub seed: u64,
    pub stop: &'a Stop,
}

/// Re-packs neighbourhoods of `start` until `until`, the bound, or (for a plan small enough
/// to be one neighbourhood) a proof. Each round draws [`ROUND`] neighbourhoods without a
/// bin in common and solves them side by side; their savings are taken in the order drawn,
/// so the plan does not depend on the number of threads.
pub fn repack(problem: &Problem, start: &Packing, aim: &Aim, until: Instant) -> Result<Repacked, ExactError> {
    let mut bins = start.bins.clone();
    let mut cost = start.cost(problem);
    let mut rng = SmallRng::seed_from_u64(aim.seed ^ 0x5eed_4e9a);
    let mut size = FIRST_BINS;
    let mut proven = false;
    let all_types: Vec<BinTypeId> = (0..problem.bin_types.len()).collect();
    while Instant::now() < until && !aim.stop.is_requested() && cost > aim.lower_bound * (1.0 + 1e-9) + 1e-9 {
        // The whole plan is one neighbourhood when it is small, over every type if the
        // MIP stays small enough, else over the candidate types.
        let everything: Vec<usize> = (0..bins.len()).collect();
        let whole_types = if fits(&bins, &everything, &all_types) {
            all_types.clone()
        } else {
            candidate_types(&bins, &everything, aim.suggested)
        };
        let whole = bins.len() <= size && fits(&bins, &everything, &whole_types);
        // The whole plan's MIP gets all the time: its proof is worth waiting for.
        let left = until.saturating_duration_since(Instant::now()).as_secs_f64();
        let seconds = if whole { left } else { MIP_SECONDS.min(left) };
        if seconds <= 1e-3 {
            break;
        }
        if !whole && problem.bin_types.len() == 1 {
            // With one type only a whole bin's room saves, and a few bins seldom have it.
            break;
        }
        // The round's neighbourhoods and the types each may use.
        let mut round: Vec<(Vec<usize>, Vec<BinTypeId>)> = Vec::new();
        if whole {
            round.push((everything, whole_types));
        } else {
            let mut taken = vec![false; bins.len()];
            for _ in 0..ROUND {
                let mut chosen = neighbourhood(problem, &bins, &taken, size, aim.duals, &mut rng);
                let types = candidate_types(&bins, &chosen, aim.suggested);
                while chosen.len() > FEWEST_BINS && !fits(&bins, &chosen, &types) {
                    chosen.pop();
                }
                if chosen.len() < 2 {
                    break;
                }
                for &b in &chosen {
                    taken[b] = true;
                }
                round.push((chosen, types));
            }
        }
        let outcomes: Vec<Result<(Option<Vec<Bin>>, bool), ExactError>> = round
            .par_iter()
            .enumerate()
            .map(|(k, (chosen, types))| {
                let old: Vec<&Bin> = chosen.iter().map(|&b| &bins[b]).collect();
                // The whole plan is solved for its cost alone: a saving or a proof.
                let duals = if whole { None } else { aim.duals };
                Neighbourhood::new(problem, &old, types, duals).solve(seconds, aim.seed.wrapping_add(k as u64))
            })
            .collect();
        let mut gone: Vec<usize> = Vec::new();
        let mut added: Vec<Bin> = Vec::new();
        let mut all_proven = true;
        for ((chosen, types), outcome) in round.iter().zip(outcomes) {
            let old_cost: f64 = chosen.iter().map(|&b| problem.bin_types[bins[b].bin_type].price).sum();
            let (new, optimal) = outcome?;
            all_proven &= optimal;
            if let Some(new) = new {
                let new_cost: f64 = new.iter().map(|b| problem.bin_types[b.bin_type].price).sum();
                let cheaper = new_cost < old_cost - 1e-9 * old_cost.max(1.0);
                // At the same cost, more bins without waste: the waste gathered in fewer
                // bins, nearer a saving.
                let tighter = new_cost <= old_cost + 1e-9 * old_cost.max(1.0)
                    && aim.duals.is_some_and(|d| {
                        let old_tight = chosen.iter().filter(|&&b| tight(problem, &bins[b], d)).count();
                        new.iter().filter(|b| tight(problem, b, d)).count() > old_tight
                    });
                if cheaper || tighter {
                    cost += new_cost - old_cost;
                    gone.extend(chosen);
                    added.extend(new);
                }
            }
            if whole && optimal && types.len() == problem.bin_types.len() {
                proven = true;
            }
        }
        gone.sort_unstable();
        for &b in gone.iter().rev() {
            bins.swap_remove(b);
        }
        bins.extend(added);
        // Neighbourhoods proven within their time may grow; any cut short shrinks them.
        if proven || (whole && all_proven) {
            // The whole plan over the candidate types is optimal: drawing it again cannot
            // save more.
            break;
        }
        size = if all_proven {
            (size + 1).min(MOST_BINS)
        } else {
            size.saturating_sub(1).max(FEWEST_BINS)
        };
    }
    let mut packing = Packing { bins };
    packing.normalize();
    Ok(Repacked { packing, proven })
}

/// `size` bins of `bins` not yet `taken`: three in four of them bins that waste (all of
/// them when they are few, else each the most wasteful of a few drawn), the rest drawn at
/// random: room to fill, and copies to fill it with.
fn neighbourhood(
    problem: &Problem,
    bins: &[Bin],
    taken: &[bool],
    size: usize,
    duals: Option<&[f64]>,
    rng: &mut SmallRng,
) -> Vec<usize> {
    let waste: Vec<f64> = bins.iter().map(|b| waste(problem, b, duals)).collect();
    let (mut wasteful, mut rest): (Vec<usize>, Vec<usize>) = (0..bins.len())
        .filter(|&b| !taken[b])
        .partition(|&b| waste[b] > 1e-9 * problem.bin_types[bins[b].bin_type].price.max(1e-9));
    let for_waste = (size * WASTEFUL_SHARE.0).div_ceil(WASTEFUL_SHARE.1);
    let mut chosen = Vec::with_capacity(size);
    if wasteful.len() <= for_waste {
        chosen.append(&mut wasteful);
    } else {
        while chosen.len() < for_waste {
            let mut best = rng.gen_range(0..wasteful.len());
            for _ in 1..TOURNAMENT {
                let other = rng.gen_range(0..wasteful.len());
                if waste[wasteful[other]] > waste[wasteful[best]] {
                    best = other;
                }
            }
            chosen.push(wasteful.swap_remove(best));
        }
        rest.append(&mut wasteful);
    }
    while chosen.len() < size && !rest.is_empty() {
        chosen.push(rest.swap_remove(rng.gen_range(0..rest.len())));
    }
    chosen
}

/// What a bin wastes: its price less the value of its load at the duals, or without duals
/// its price times the share of its tightest resource left unused.
fn waste(problem: &Problem, bin: &Bin, duals: Option<&[f64]>) -> f64 {
    let price = problem.bin_types[bin.bin_type].price;
    match duals {
        Some(duals) => price - bin.load.iter().map(|&(i, n)| duals[i] * f64::from(n)).sum::<f64>(),
        None => price * (1.0 - bin.fullest(problem)),
    }
}

/// Whether a bin wastes nothing at the duals: its load pays its whole price. When the
/// bound is a plan's cost, every bin of an optimal plan is such a bin.
fn tight(problem: &Problem, bin: &Bin, duals: &[f64]) -> bool {
    let price = problem.bin_types[bin.bin_type].price;
    waste(problem, bin, Some(duals)) <= TIGHT * price.max(1.0)
}

/// The neighbourhood's own types, then the suggested ones, without repeats.
fn candidate_types(bins: &[Bin], chosen: &[usize], suggested: &[BinTypeId]) -> Vec<BinTypeId> {
    let mut types: Vec<BinTypeId> = chosen.iter().map(|&b| bins[b].bin_type).collect();
    types.extend(suggested.iter().take(MOST_SUGGESTED));
    let mut seen = std::collections::HashSet::new();
    types.retain(|t| seen.insert(*t));
    types
}

/// Whether the MIP of these bins over these types stays small enough to prove.
fn fits(bins: &[Bin], chosen: &[usize], types: &[BinTypeId]) -> bool {
    let mut kinds: Vec<ItemId> = chosen
        .iter()
        .flat_map(|&b| bins[b].load.iter().map(|&(i, _)| i))
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    chosen.len() * (kinds.len() + types.len()) <= MOST_COLUMNS
}

/// The MIP of one neighbourhood: slots for as many bins as it had, each of one candidate
/// type or none, holding every copy the old bins held.
struct Neighbourhood<'a> {
    problem: &'a Problem,
    /// The old bins, dearest first: their cost caps the MIP.
    old: Vec<&'a Bin>,
    types: &'a [BinTypeId],
    duals: Option<&'a [f64]>,
    /// The item kinds held, ascending, and the copies of each.
    kinds: Vec<ItemId>,
    copies: Vec<u32>,
}

impl<'a> Neighbourhood<'a> {
    fn new(problem: &'a Problem, old: &[&'a Bin], types: &'a [BinTypeId], duals: Option<&'a [f64]>) -> Self {
        let mut old = old.to_vec();
        old.sort_by(|a, b| {
            let (pa, pb) = (problem.bin_types[a.bin_type].price, problem.bin_types[b.bin_type].price);
            pb.total_cmp(&pa).then_with(|| a.cmp(b))
        });
        let mut held: Vec<(ItemId, u32)> = old.iter().flat_map(|b| b.load.iter().copied()).collect();
        held.sort_unstable();
        let mut kinds: Vec<ItemId> = Vec::new();
        let mut copies: Vec<u32> = Vec::new();
        for (i, n) in held {
            if kinds.last() == Some(&i) {
                *copies.last_mut().unwrap() += n;
            } else {
                kinds.push(i);
                copies.push(n);
            }
        }
        Neighbourhood {
            problem,
            old,
            types,
            duals,
            kinds,
            copies,
        }
    }

    /// Bins cheaper than the old ones, if HiGHS found them within `seconds`, and whether it
    /// proved that none cheaper exist (than those, or than the old bins).
    fn solve(&self, seconds: f64, seed: u64) -> Result<(Option<Vec<Bin>>, bool), ExactError> {
        let problem = self.problem;
        // No more slots than bins of the cheapest type fit under the old cost.
        let old_cost: f64 = self.old.iter().map(|b| problem.bin_types[b.bin_type].price).sum();
        let least_price = self
            .types
            .iter()
            .map(|&t| problem.bin_types[t].price)
            .fold(f64::INFINITY, f64::min);
        let affordable = if least_price > 0.0 {
            ((old_cost / least_price) * (1.0 - 1e-9)).ceil() as usize - 1
        } else {
            usize::MAX
        };
        let slots = self.old.len().min(affordable.max(1));
        let dims: Vec<usize> = (0..problem.dims())
            .filter(|&d| self.kinds.iter().any(|&i| problem.items[i].size[d] > 0))
            .collect();
        let groups = problem.groups_of_items();
        // Conflict groups with two or more kinds here (a kind alone is capped by its bound).
        let mut shared: Vec<(usize, Vec<usize>)> = Vec::new();
        for (g, group) in problem.conflict_groups.iter().enumerate() {
            let here: Vec<usize> = group
                .items
                .iter()
                .filter_map(|i| self.kinds.binary_search(i).ok())
                .collect();
            if here.len() > 1 {
                shared.push((g, here));
            }
        }
        let most: Vec<u32> = self
            .kinds
            .iter()
            .zip(&self.copies)
            .map(|(&i, &n)| {
                let it = &problem.items[i];
                let capped = if groups[i].is_empty() { it.max_per_bin } else { 1 };
                n.min(capped)
            })
            .collect();
        let eligible = |k: usize, t: BinTypeId| problem.items[self.kinds[k]].eligible.binary_search(&t).is_ok();
        let restricted: Vec<bool> = (0..self.kinds.len())
            .map(|k| self.types.iter().any(|&t| !eligible(k, t)))
            .collect();

        let mut mip = ColProblem::default();
        let cover: Vec<Row> = self
            .copies
            .iter()
            .map(|&n| mip.add_row(f64::from(n)..=f64::from(n)))
            .collect();
        let one_type: Vec<Row> = (0..slots).map(|_| mip.add_row(..=1.0)).collect();
        let capacity: Vec<Vec<Row>> = (0..slots)
            .map(|_| dims.iter().map(|_| mip.add_row(..=0.0)).collect())
            .collect();
        let allowed: Vec<Vec<Option<Row>>> = (0..slots)
            .map(|_| restricted.iter().map(|&r| r.then(|| mip.add_row(..=0.0))).collect())
            .collect();
        let conflicts: Vec<Vec<Row>> = (0..slots)
            .map(|_| shared.iter().map(|_| mip.add_row(..=1.0)).collect())
            .collect();
        // Slots in order of price, dearest first: one plan, not every permutation of it.
        let order: Vec<Row> = (1..slots).map(|_| mip.add_row(0.0..)).collect();
        // Only bins better than the old ones are of use: cheaper, or as cheap with more
        // bins without waste. The cap proves most neighbourhoods hopeless in a few nodes,
        // and a MIP it makes infeasible proves that nothing better exists.
        let old_tight = self
            .duals
            .map_or(0, |d| self.old.iter().filter(|b| tight(problem, b, d)).count());
        let cap = mip.add_row(..=old_cost - TIGHT_WEIGHT * old_tight as f64 - TIGHT_WEIGHT / 2.0);
        // With duals, a slot may count as without waste (z = 1) only when the value of its
        // load reaches its price: value − price − M z ≥ −M − tolerance, and z ≤ Σ_t y.
        let most_price = self
            .types
            .iter()
            .map(|&t| problem.bin_types[t].price)
            .fold(0.0, f64::max);
        let big = most_price * 2.0 + 1.0;
        let tight_rows: Vec<(Row, Row)> = match self.duals {
            Some(_) => (0..slots)
                .map(|_| {
                    let tolerance = TIGHT * most_price.max(1.0);
                    (mip.add_row(-big - tolerance..), mip.add_row(..=0.0))
                })
                .collect(),
            None => Vec::new(),
        };

        for s in 0..slots {
            for &t in self.types {
                let bt = &problem.bin_types[t];
                let mut factors = vec![(one_type[s], 1.0)];
                for (r, &d) in dims.iter().enumerate() {
                    factors.push((capacity[s][r], -(bt.capacity[d] as f64)));
                }
                for (k, row) in allowed[s].iter().enumerate() {
                    if let Some(row) = row {
                        if eligible(k, t) {
                            factors.push((*row, -f64::from(most[k])));
                        }
                    }
                }
                if s > 0 {
                    factors.push((order[s - 1], -bt.price));
                }
                if s + 1 < slots {
                    factors.push((order[s], bt.price));
                }
                if let Some(&(value, used)) = tight_rows.get(s) {
                    factors.push((value, -bt.price));
                    factors.push((used, -1.0));
                }
                factors.push((cap, bt.price));
                mip.add_integer_column(bt.price, 0.0..=1.0, factors);
            }
            for (k, &i) in self.kinds.iter().enumerate() {
                let size = &problem.items[i].size;
                let mut factors = vec![(cover[k], 1.0)];
                for (r, &d) in dims.iter().enumerate() {
                    if size[d] > 0 {
                        factors.push((capacity[s][r], size[d] as f64));
                    }
                }
                if let Some(row) = allowed[s][k] {
                    factors.push((row, 1.0));
                }
                if let (Some(&(value, _)), Some(duals)) = (tight_rows.get(s), self.duals) {
                    if duals[i] != 0.0 {
                        factors.push((value, duals[i]));
                    }
                }
                for (c, (_, here)) in shared.iter().enumerate() {
                    if here.contains(&k) {
                        factors.push((conflicts[s][c], 1.0));
                    }
                }
                mip.add_integer_column(0.0, 0.0..=f64::from(most[k]), factors);
            }
        }
        for &(value, used) in &tight_rows {
            mip.add_integer_column(
                -TIGHT_WEIGHT,
                0.0..=1.0,
                [(value, -big), (used, 1.0), (cap, -TIGHT_WEIGHT)],
            );
        }
        let configure = move |model: &mut Model| {
            set_seed(model, seed)?;
            model.try_set_option("mip_rel_gap", 0.0).map_err(ExactError::option)?;
            model
                .try_set_option("mip_abs_gap", TIGHT_WEIGHT / 4.0)
                .map_err(ExactError::option)
        };
        let solved = match highs_mip::solve(mip, seconds, "re-packing MIP", configure) {
            Ok(solved) => solved,
            // HiGHS failed on this neighbourhood: nothing learnt.
            Err(_) => return Ok((None, false)),
        };
        let status = solved.status();
        match status {
            HighsModelStatus::Optimal
            | HighsModelStatus::ReachedTimeLimit
            | HighsModelStatus::ReachedInterrupt
            | HighsModelStatus::ReachedSolutionLimit
            | HighsModelStatus::ReachedIterationLimit
            | HighsModelStatus::ReachedMemoryLimit => {}
            // Nothing cheaper than the old bins (the objective bound cut every plan off).
            HighsModelStatus::Infeasible => return Ok((None, true)),
            other => {
                return Err(ExactError::Solver(format!(
                    "re-packing MIP ended with status {other:?}"
                )))
            }
        }
        let optimal = status == HighsModelStatus::Optimal;
        if !solved.feasible() {
            return Ok((None, optimal));
        }
        let values = solved.columns();
        let per_slot = self.types.len() + self.kinds.len();
        let mut bins = Vec::new();
        for s in 0..slots {
            let at = &values[s * per_slot..(s + 1) * per_slot];
            let chosen = (0..self.types.len()).find(|&c| at[c] > 0.5);
            let load: Vec<(ItemId, u32)> = self
                .kinds
                .iter()
                .enumerate()
                .map(|(k, &i)| (i, at[self.types.len() + k].round().max(0.0) as u32))
                .filter(|&(_, n)| n > 0)
                .collect();
            match chosen {
                Some(c) => bins.push(Bin {
                    bin_type: self.types[c],
                    load,
                }),
                None if load.is_empty() => {}
                None => return Ok((None, false)),
            }
        }
        // HiGHS's answer is checked, not trusted: every copy once, every bin valid.
        let mut packed = vec![0u32; self.kinds.len()];
        for bin in &bins {
            if bin.fault(problem, &groups).is_some() {
                return Ok((None, false));
            }
            for &(i, n) in &bin.load {
                packed[self.kinds.binary_search(&i).expect("a kind of the neighbourhood")] += n;
            }
        }
        if packed != self.copies {
            return Ok((None, false));
        }
        let cost: f64 = bins.iter().map(|b| problem.bin_types[b.bin_type].price).sum();
        let consistent = (cost - solved.objective_value()).abs() <= 1e-6 * cost.max(1.0) + TIGHT_WEIGHT * slots as f64;
        // A claim of optimality stands only when HiGHS's objective is these bins' own.
        Ok((Some(bins), optimal && consistent))
    }
}
