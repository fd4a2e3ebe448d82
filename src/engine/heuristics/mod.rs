//! The heuristic portfolio: first-fit and best-fit decreasing over several item orders and
//! bin-type rules, run in parallel, each followed by an improvement pass; the cheapest wins.

use super::packing::Packing;
use super::problem::Problem;
use super::Settings;

/// The cheapest packing the portfolio finds. Deterministic for a given seed, whatever the
/// number of threads.
pub fn portfolio(problem: &Problem, settings: &Settings) -> Packing {
    let _ = (problem, settings);
    todo!("heuristic portfolio")
}
