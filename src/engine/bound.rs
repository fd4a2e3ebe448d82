//! The resource LP bound: the least cost of fractional bins that cover the total demand
//! of each resource by the items eligible for them. Valid for any packing, cheap to solve.

use super::problem::Problem;

/// A lower bound on the cost of any packing of `problem`.
pub fn resource_bound(problem: &Problem) -> f64 {
    let _ = problem;
    todo!("resource LP bound")
}
