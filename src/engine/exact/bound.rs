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

    /// Whether `bound` may be the cost of a plan whose bins are all filled exactly: it is a
    /// reachable cost, and reachable costs are coarse (at most 10,000 up to `bound`), so
    /// that a bound on the lattice is not a coincidence of fine prices.
    pub fn fills_exactly(&self, bound: f64) -> bool {
        match self.unit {
            Some(unit) => unit as f64 / SCALE >= 1e-4 * bound && self.round_up(bound) <= bound + 1e-6 * bound.max(1.0),
            None => false,
        }
    }

    /// The greatest cost a packing can have that is below `cost`: one lattice step less, or
    /// just below `cost` when there is no lattice.
    pub fn below(&self, cost: f64) -> f64 {
        match self.unit {
            Some(unit) => {
                let steps = (cost * SCALE / unit as f64).round() - 1.0;
                steps * unit as f64 / SCALE
            }
            None => cost * (1.0 - 1e-9),
        }
    }

    /// The least cost a packing can have that is above `cost`, or `cost` itself when there
    /// is no lattice.
    pub fn above(&self, cost: f64) -> f64 {
        match self.unit {
            Some(unit) => {
                let steps = (cost * SCALE / unit as f64 + 1e-6).floor() + 1.0;
                steps * unit as f64 / SCALE
            }
            None => cost,
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

/// Farley's scaling: with `duals` π ≥ 0 and `upper_bounds[t]` ≥ the dual value of every
/// pattern of type `t`, π / θ is a feasible dual of the full master LP for
/// θ = max_t upper_bounds[t] / price_t. Returns the bound it proves, Σ count_i π_i / θ,
/// and the scaled duals; `None` when no such θ exists (a free bin type with value).
pub fn farley(problem: &Problem, duals: &[f64], upper_bounds: &[f64]) -> Option<(f64, Vec<f64>)> {
    let mut theta: f64 = 0.0;
    for (bin_type, &ub) in problem.bin_types.iter().zip(upper_bounds) {
        if ub <= 0.0 {
            continue;
        }
        if bin_type.price <= 0.0 {
            return None;
        }
        theta = theta.max(ub / bin_type.price);
    }
    // Guard against rounding in the sums that produced the upper bounds.
    let theta = theta * (1.0 + 1e-9);
    if theta <= 0.0 {
        return None;
    }
    let scaled: Vec<f64> = duals.iter().map(|&pi| pi.max(0.0) / theta).collect();
    let bound: f64 = problem
        .items
        .iter()
        .zip(&scaled)
        .map(|(item, &pi)| f64::from(item.count) * pi)
        .sum();
    bound.is_finite().then_some((bound, scaled))
}

/// Feasible duals of the full master LP priced by resources: π_i = Σ_d μ_d · size_id,
/// scaled so that no bin type's capacity is worth more than its price. One weighting per
/// resource alone and one over all resources alike (each resource relative to its largest
/// capacity); returns the best by bound, the all-alike one on ties. Where a bin must be
/// full in every resource for the bound to be met (exact-fill instances), those duals
/// leave only the full patterns at reduced cost 0.
pub fn resource_duals(problem: &Problem) -> Option<(f64, Vec<f64>)> {
    let dims = problem.dims();
    let scale = problem.capacity_scale();
    let mut weightings = vec![scale.clone()];
    for d in 0..dims {
        let mut w = vec![0.0; dims];
        w[d] = scale[d];
        weightings.push(w);
    }
    let mut best: Option<(f64, Vec<f64>)> = None;
    for mu in weightings {
        let duals: Vec<f64> = problem.items.iter().map(|item| item.weighted_size(&mu)).collect();
        let upper_bounds: Vec<f64> = problem
            .bin_types
            .iter()
            .map(|b| b.capacity.iter().zip(&mu).map(|(&c, m)| c as f64 * m).sum())
            .collect();
        if let Some((bound, scaled)) = farley(problem, &duals, &upper_bounds) {
            if best.as_ref().map_or(true, |(b, _)| bound > *b * (1.0 + 1e-12)) {
                best = Some((bound, scaled));
            }
        }
    }
    best
}
