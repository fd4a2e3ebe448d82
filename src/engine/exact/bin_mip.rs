//! One bin's load as a small MIP: a whole number of copies of each item, within its
//! bounds, that fills every resource to within the slack left and keeps conflict groups
//! apart, as near each item's share of the copies left as HiGHS finds in its time. It finds
//! the loads that [`super::fill`]'s depth-first search and [`super::exchange`]'s greedy
//! fills miss when three or more resources must be met exactly at once (CPU, memory and
//! static ports on a port-saturated fleet).

use std::time::Instant;

use highs::{ColProblem, HighsModelStatus, Model};

use super::error::ExactError;
use super::highs_mip;
use super::master::set_seed;
use crate::engine::problem::{BinTypeId, Problem};

/// What the bin may and must hold.
pub(super) struct BinAsk<'a> {
    pub bin_type: BinTypeId,
    /// Copies of each item: at least `least[i]`, at most `most[i]`.
    pub least: &'a [u32],
    pub most: &'a [u32],
    /// Groups that must have one copy here (the others have at most one).
    pub forced: &'a [bool],
    /// Per item, the copies the search would like here; each copy away from it costs
    /// `weight[i]`.
    pub share: &'a [f64],
    pub weight: &'a [f64],
    /// Per resource, the room that may stay unused in this bin.
    pub slack: &'a [u64],
}

/// Copies of each item, or `None` when HiGHS finds no load by `until`, proves that none
/// exists, or fails (the search then treats the bin as a dead end). Copies come back as
/// HiGHS rounds them: the caller checks the load.
pub(super) fn load(problem: &Problem, ask: &BinAsk, until: Instant, seed: u64) -> Option<Vec<u32>> {
    let seconds = until.saturating_duration_since(Instant::now()).as_secs_f64();
    if seconds <= 0.0 {
        return None;
    }
    let cap = &problem.bin_types[ask.bin_type].capacity;
    let n = problem.items.len();
    let mut mip = ColProblem::default();
    let resources: Vec<_> = (0..problem.dims())
        .map(|d| {
            let low = cap[d].saturating_sub(ask.slack[d]) as f64;
            mip.add_row(low..=cap[d] as f64)
        })
        .collect();
    let groups: Vec<_> = problem
        .conflict_groups
        .iter()
        .enumerate()
        .map(|(g, group)| {
            let open = group.items.iter().any(|&i| ask.most[i] > 0);
            match (ask.forced[g], open) {
                (true, false) => None,
                (true, true) => Some(Some(mip.add_row(1.0..=1.0))),
                (false, true) => Some(Some(mip.add_row(..=1.0))),
                (false, false) => Some(None),
            }
        })
        .collect::<Option<Vec<_>>>()?;
    let of_items = problem.groups_of_items();
    // x_i − over_i + under_i = share_i, with over and under priced by the item's weight.
    let near: Vec<_> = (0..n)
        .map(|i| (ask.most[i] > ask.least[i]).then(|| mip.add_row(ask.share[i]..=ask.share[i])))
        .collect();
    for i in 0..n {
        let size = &problem.items[i].size;
        let mut factors: Vec<_> = (0..problem.dims())
            .filter(|&d| size[d] > 0)
            .map(|d| (resources[d], size[d] as f64))
            .collect();
        factors.extend(of_items[i].iter().filter_map(|&g| groups[g]).map(|row| (row, 1.0)));
        factors.extend(near[i].map(|row| (row, 1.0)));
        mip.add_integer_column(0.0, f64::from(ask.least[i])..=f64::from(ask.most[i]), factors);
    }
    for (&row, &weight) in near.iter().zip(ask.weight) {
        if let Some(row) = row {
            mip.add_column(weight, 0.0.., [(row, -1.0)]);
            mip.add_column(weight, 0.0.., [(row, 1.0)]);
        }
    }
    let configure = move |model: &mut Model| {
        set_seed(model, seed)?;
        // Any load that fills the bin will do; a few improvements of the spread are worth
        // their time (the first load found spreads worst), proving the best one is not.
        model.try_set_option("mip_rel_gap", 0.2).map_err(ExactError::option)?;
        model
            .try_set_option("mip_max_improving_sols", 3)
            .map_err(ExactError::option)
    };
    let solved = highs_mip::solve(mip, seconds, "bin MIP", configure).ok()?;
    match solved.status() {
        HighsModelStatus::Optimal
        | HighsModelStatus::ReachedTimeLimit
        | HighsModelStatus::ReachedSolutionLimit
        | HighsModelStatus::ReachedInterrupt => {}
        _ => return None,
    }
    if !solved.feasible() {
        return None;
    }
    let values = solved.columns();
    Some(values[..n].iter().map(|&x| x.round().max(0.0) as u32).collect())
}
