//! Lower bounds from column generation that hold whenever it stops: the Farley bound from
//! any dual values and an upper bound on each bin type's best pattern, and rounding up to
//! the next cost that a packing can actually have.

use crate::engine::problem::Problem;

/// Prices in millionths: a price lattice finer than this is not detected.
const SCALE: f64 = 1e6;

/// The costs a packing can have: every cost is a whole multiple of `unit` when all prices
/// are (on a grid of millionths), so a bound may be rounded up to the next multiple.
#[derive(Debug, Clone, Copy)]
pub struct Lattice {
    /// The greatest common divisor of the prices, in millionths; `None` when the prices
    /// are not on the grid or all zero.
    unit: Option<u64>,
}

impl Lattice {
    pub fn of(problem: &Problem) -> Self {
        let mut unit = 0u64;
        for bin_type in &problem.bin_types {
            let scaled = bin_type.price * SCALE;
            if !scaled.is_finite() || scaled < 0.0 || (scaled - scaled.round()).abs() > 1e-6 || scaled > 1e15 {
                return Lattice { unit: None };
            }
            unit = gcd(unit, scaled.round() as u64);
        }
        Lattice {
            unit: (unit > 0).then_some(unit),
        }
    }

    /// The least cost on the lattice that is at least `bound` (up to a tolerance far above
    /// the LP's rounding errors), never below `bound` itself.
    pub fn round_up(&self, bound: f64) -> f64 {
        match self.unit {
            Some(unit) if bound.is_finite() && bound > 0.0 => {
                let units = unit as f64;
                let steps = (bound * SCALE / units - 1e-6).ceil();
                (steps * units / SCALE).max(bound)
            }
            _ => bound,
        }
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// The Farley bound: with `duals` π ≥ 0 and `upper_bounds[t]` ≥ the dual value of every
/// pattern of type `t`, π / θ is a feasible dual of the full master LP for
/// θ = max_t upper_bounds[t] / price_t, so Σ count_i π_i / θ bounds the optimum.
pub fn farley(problem: &Problem, duals: &[f64], upper_bounds: &[f64]) -> f64 {
    let mut theta: f64 = 0.0;
    for (bin_type, &ub) in problem.bin_types.iter().zip(upper_bounds) {
        if ub <= 0.0 {
            continue;
        }
        if bin_type.price <= 0.0 {
            return 0.0;
        }
        theta = theta.max(ub / bin_type.price);
    }
    // Guard against rounding in the sums that produced the upper bounds.
    let theta = theta * (1.0 + 1e-9);
    let covered: f64 = problem
        .items
        .iter()
        .zip(duals)
        .map(|(item, &pi)| f64::from(item.count) * pi.max(0.0))
        .sum();
    if theta <= 0.0 || !covered.is_finite() {
        0.0
    } else {
        covered / theta
    }
}
