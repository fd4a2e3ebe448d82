//! The integer step: choose a whole number of copies of each generated column so that every
//! item is covered at least least cost, with HiGHS's MIP solver, started from a known plan.

use std::time::Instant;

use highs::{ColProblem, HighsModelStatus, Model};

use super::error::ExactError;
use super::highs_mip;
use super::master::set_seed;
use crate::engine::packing::Bin;
use crate::engine::problem::Problem;

/// What the MIP reached.
pub struct MipResult {
    /// Copies of each column.
    pub copies: Vec<u32>,
    /// The price of those copies, computed here.
    pub price: f64,
    /// True when HiGHS proved the choice optimal over these columns (and its reported
    /// objective is `price`).
    pub proven: bool,
    /// Whether HiGHS's reported objective is `price`.
    consistent: bool,
}

/// Solves the covering MIP over `columns` until `deadline`. `start` holds the copies of a
/// known feasible choice (used as HiGHS's first incumbent); `target` is a cost at which to
/// stop at once (a proven lower bound).
///
/// HiGHS's answer is not taken on trust: when the objective it reports is not the price of
/// the copies it returns (seen with a start solution: an objective below the start's price,
/// returned together with the start itself), the MIP is solved once more without the start
/// and the claim of optimality is dropped unless that second solve agrees with itself.
pub fn solve(
    problem: &Problem,
    columns: &[Bin],
    start: &[u32],
    target: f64,
    deadline: Instant,
    seed: u64,
) -> Result<Option<MipResult>, ExactError> {
    match solve_once(problem, columns, Some(start), target, deadline, seed)? {
        Some(first) if !first.consistent => {
            let second = solve_once(problem, columns, None, target, deadline, seed)?;
            Ok(Some(match second {
                Some(second) if second.consistent || second.price < first.price => second,
                _ => first,
            }))
        }
        result => Ok(result),
    }
}

/// The price of `copies` of each column.
fn price_of(problem: &Problem, columns: &[Bin], copies: &[u32]) -> f64 {
    columns
        .iter()
        .zip(copies)
        .map(|(c, &n)| problem.bin_types[c.bin_type].price * f64::from(n))
        .sum()
}

/// One HiGHS solve, started from `start` when given.
fn solve_once(
    problem: &Problem,
    columns: &[Bin],
    start: Option<&[u32]>,
    target: f64,
    deadline: Instant,
    seed: u64,
) -> Result<Option<MipResult>, ExactError> {
    let seconds = deadline.saturating_duration_since(Instant::now()).as_secs_f64();
    if seconds <= 0.0 {
        return Ok(None);
    }
    let mut mip = ColProblem::default();
    let rows: Vec<_> = problem
        .items
        .iter()
        .map(|item| (item.count > 0).then(|| mip.add_row(f64::from(item.count)..)))
        .collect();
    for column in columns {
        let factors: Vec<_> = column
            .load
            .iter()
            .filter_map(|&(i, n)| rows[i].map(|r| (r, f64::from(n))))
            .collect();
        // More copies than the largest item count needs never help a covering.
        let most = column
            .load
            .iter()
            .map(|&(i, n)| problem.items[i].count.div_ceil(n))
            .max()
            .unwrap_or(0);
        mip.add_integer_column(problem.bin_types[column.bin_type].price, 0.0..=f64::from(most), factors);
    }
    let warm: Option<Vec<f64>> = start.map(|start| start.iter().map(|&n| f64::from(n)).collect());
    let configure = move |model: &mut Model| {
        set_seed(model, seed)?;
        model
            .try_set_option("objective_target", target)
            .map_err(ExactError::option)?;
        model.try_set_option("mip_rel_gap", 1e-9).map_err(ExactError::option)?;
        if let Some(warm) = &warm {
            model
                .try_set_solution(Some(warm), None, None, None)
                .map_err(|e| ExactError::Solver(format!("HiGHS rejected the start: {e:?}")))?;
        }
        Ok(())
    };
    let solved = highs_mip::solve(mip, seconds, "MIP", configure)?;
    let status = solved.status();
    match status {
        HighsModelStatus::Optimal
        | HighsModelStatus::ObjectiveTarget
        | HighsModelStatus::ReachedTimeLimit
        | HighsModelStatus::ReachedInterrupt
        | HighsModelStatus::ReachedSolutionLimit
        | HighsModelStatus::ReachedIterationLimit
        | HighsModelStatus::ReachedMemoryLimit => {}
        other => return Err(ExactError::Solver(format!("MIP ended with status {other:?}"))),
    }
    if !solved.feasible() {
        return Ok(None);
    }
    let copies: Vec<u32> = solved.columns().iter().map(|&x| x.round().max(0.0) as u32).collect();
    let price = price_of(problem, columns, &copies);
    let consistent = (price - solved.objective_value()).abs() <= 1e-6 * price.max(1.0);
    Ok(Some(MipResult {
        copies,
        price,
        proven: consistent && status == HighsModelStatus::Optimal,
        consistent,
    }))
}
