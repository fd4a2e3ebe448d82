//! The resource LP bound: the least cost of fractional bins that cover the total demand
//! of each resource by the items eligible for them, with the bins that items kept apart
//! (per-bin caps, conflict groups) need. Valid for any packing, cheap to solve.
//!
//! The LP groups items with the same eligible types. Per group `g`, type `t` and resource
//! `d`, `w[g,t,d] ≥ 0` is how many bins of `t` the group's demand in `d` fills; it obeys
//! `Σ_t cap[t,d] · w[g,t,d] ≥ demand[g,d]` and `Σ_g w[g,t,d] ≤ y[t]`, where `y[t] ≥ 0`
//! counts fractional bins of type `t` and the LP minimizes `Σ_t price[t] · y[t]`. Any
//! packing gives a solution (each item's demand goes to the types of the bins that hold
//! it), so the optimum is a lower bound. Rows `Σ_t k[i,t] · y[t] ≥ count[i]`, where a bin
//! of `t` holds at most `k[i,t]` copies of item `i`, are valid too and added where they
//! may bind; so are rows for conflict groups, whose copies all need separate bins.
//!
//! HiGHS solves the LP within the caller's deadline; when it runs out (or the deadline
//! has passed), the bound is the counting bound alone.

use std::collections::BTreeMap;
use std::time::Instant;

use good_lp::solvers::highs::highs;
use good_lp::{constraint, variable, Expression, ProblemVariables, Solution, SolutionStatus, SolverModel, Variable};

use super::problem::{BinTypeId, Problem};

/// Copy rows are added for items of which a bin holds at most this many copies.
const FEW_COPIES: u32 = 8;
/// What the LP optimum is trusted to: the bound gives up this relative margin to the
/// solver's tolerances.
const LP_MARGIN: f64 = 1e-7;

/// A lower bound on the cost of any packing of `problem`: the larger of the resource LP
/// (when HiGHS solves it by `deadline`) and the counting bounds of items that need bins of
/// their own.
pub fn resource_bound(problem: &Problem, deadline: Instant) -> f64 {
    if problem.total_copies() == 0 {
        return 0.0;
    }
    let counting = counting_bound(problem);
    let lp = lp_bound(problem, deadline).unwrap_or(0.0);
    round_up_equal_prices(problem, counting.max(lp))
}

/// The copies of item `i` a bin of type `t` holds at most, by type.
fn copies_per_bin(problem: &Problem, groups: &[Vec<usize>], i: usize) -> Vec<(BinTypeId, u32)> {
    let item = &problem.items[i];
    item.eligible
        .iter()
        .map(|&t| (t, problem.max_copies_alone(i, t, !groups[i].is_empty())))
        .filter(|&(_, k)| k > 0)
        .collect()
}

/// Bounds that count bins: the copies of one item need `count / k` bins at the least
/// price per copy (and at least `⌈count / max k⌉` bins at the least price), and the copies
/// of a conflict group need one bin each.
fn counting_bound(problem: &Problem) -> f64 {
    let groups = problem.groups_of_items();
    let mut best = 0.0f64;
    let mut least_price = vec![f64::INFINITY; problem.items.len()];
    for (i, item) in problem.items.iter().enumerate() {
        let per_bin = copies_per_bin(problem, &groups, i);
        if item.count == 0 || per_bin.is_empty() {
            continue;
        }
        let count = f64::from(item.count);
        let per_copy = per_bin
            .iter()
            .map(|&(t, k)| problem.bin_types[t].price / f64::from(k))
            .fold(f64::INFINITY, f64::min);
        let most = per_bin.iter().map(|&(_, k)| k).max().unwrap_or(1);
        least_price[i] = per_bin
            .iter()
            .map(|&(t, _)| problem.bin_types[t].price)
            .fold(f64::INFINITY, f64::min);
        best = best
            .max(count * per_copy)
            .max(f64::from(item.count.div_ceil(most)) * least_price[i]);
    }
    for group in &problem.conflict_groups {
        let sum: f64 = group
            .items
            .iter()
            .filter(|&&i| problem.items[i].count > 0)
            .map(|&i| f64::from(problem.items[i].count) * least_price[i])
            .sum();
        best = best.max(sum);
    }
    best
}

/// The resource LP (module doc), or `None` when the solver fails or does not solve it
/// by `deadline`.
fn lp_bound(problem: &Problem, deadline: Instant) -> Option<f64> {
    if deadline <= Instant::now() {
        return None;
    }
    let dims = problem.dims();
    let groups = problem.groups_of_items();
    // Items by eligible types, in a fixed order.
    let mut classes: BTreeMap<&[BinTypeId], Vec<f64>> = BTreeMap::new();
    for item in problem.items.iter().filter(|i| i.count > 0) {
        let demand = classes.entry(&item.eligible).or_insert_with(|| vec![0.0; dims]);
        for (d, &s) in demand.iter_mut().zip(&item.size) {
            *d += f64::from(item.count) * s as f64;
        }
    }
    let mut used = vec![false; problem.bin_types.len()];
    for types in classes.keys() {
        for &t in types.iter() {
            used[t] = true;
        }
    }

    let mut vars = ProblemVariables::new();
    let y: Vec<Option<Variable>> = used.iter().map(|&u| u.then(|| vars.add(variable().min(0.0)))).collect();
    let mut rows: Vec<good_lp::Constraint> = Vec::new();
    // Per type and resource, the bins' worth the classes fill.
    let mut filled: Vec<Option<Expression>> = vec![None; problem.bin_types.len() * dims];
    for (types, demand) in &classes {
        for (d, &need) in demand.iter().enumerate() {
            if need <= 0.0 {
                continue;
            }
            let mut cover = Expression::default();
            for &t in types.iter() {
                let cap = problem.bin_types[t].capacity[d] as f64;
                if cap > 0.0 {
                    let w = vars.add(variable().min(0.0));
                    cover += (cap / need) * w;
                    *filled[t * dims + d].get_or_insert_with(Expression::default) += w;
                }
            }
            rows.push(constraint!(cover >= 1.0));
        }
    }
    for (t, yt) in y.iter().enumerate() {
        let Some(yt) = yt else { continue };
        for d in 0..dims {
            if let Some(f) = filled[t * dims + d].take() {
                rows.push(constraint!(f <= *yt));
            }
        }
    }
    // Items of which bins hold few copies: Σ_t k[i,t] y[t] ≥ count, the strongest count
    // for each distinct row.
    let mut copy_rows: BTreeMap<Vec<(BinTypeId, u32)>, u32> = BTreeMap::new();
    for (i, item) in problem.items.iter().enumerate().filter(|(_, i)| i.count > 0) {
        let per_bin = copies_per_bin(problem, &groups, i);
        if per_bin.iter().all(|&(_, k)| k <= FEW_COPIES) {
            let count = copy_rows.entry(per_bin).or_insert(0);
            *count = (*count).max(item.count);
        }
    }
    for (per_bin, count) in copy_rows {
        let lhs: Expression = per_bin
            .iter()
            .filter_map(|&(t, k)| y[t].map(|v| f64::from(k) * v))
            .sum();
        rows.push(constraint!(lhs >= f64::from(count)));
    }
    for group in &problem.conflict_groups {
        let count: u32 = group.items.iter().map(|&i| problem.items[i].count).sum();
        let mut types: Vec<BinTypeId> = group
            .items
            .iter()
            .flat_map(|&i| problem.items[i].eligible.iter().copied())
            .collect();
        types.sort_unstable();
        types.dedup();
        if count > 0 {
            let lhs: Expression = types.iter().filter_map(|&t| y[t]).sum();
            rows.push(constraint!(lhs >= f64::from(count)));
        }
    }

    let objective: Expression = y
        .iter()
        .enumerate()
        .filter_map(|(t, v)| v.map(|v| problem.bin_types[t].price * v))
        .sum();
    // One HiGHS thread: the engine's own pool is the parallelism (`exact::master::set_seed`).
    let mut model = vars.minimise(objective.clone()).using(highs).set_threads(1);
    for row in rows {
        model.add_constraint(row);
    }
    // Building the model takes time too: the limit is what is left now.
    let seconds = deadline.saturating_duration_since(Instant::now()).as_secs_f64();
    if seconds <= 0.0 {
        return None;
    }
    let solution = model.set_time_limit(seconds).solve().ok()?;
    if !matches!(solution.status(), SolutionStatus::Optimal) {
        return None;
    }
    let value = solution.eval(&objective);
    value.is_finite().then_some(value * (1.0 - LP_MARGIN))
}

/// When every bin type has the same price `p`, a packing costs a whole number of `p`:
/// the bound rounds up to the next multiple, past a small tolerance.
fn round_up_equal_prices(problem: &Problem, bound: f64) -> f64 {
    let Some(first) = problem.bin_types.first() else {
        return bound;
    };
    let p = first.price;
    if p <= 0.0 || problem.bin_types.iter().any(|t| t.price != p) {
        return bound;
    }
    (bound / p - 1e-6).ceil().max(0.0) * p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{BinType, ConflictGroup, Item};
    use std::time::Duration;

    /// The bound with time enough for the LP.
    fn bound_of(p: &Problem) -> f64 {
        resource_bound(p, Instant::now() + Duration::from_secs(60))
    }

    fn item(name: &str, size: &[u64], count: u32, eligible: &[usize]) -> Item {
        Item {
            name: name.into(),
            size: size.to_vec(),
            count,
            eligible: eligible.to_vec(),
            max_per_bin: u32::MAX,
        }
    }

    fn bin_type(name: &str, capacity: &[u64], price: f64) -> BinType {
        BinType {
            name: name.into(),
            capacity: capacity.to_vec(),
            price,
        }
    }

    fn problem(items: Vec<Item>, bin_types: Vec<BinType>) -> Problem {
        let dims = items[0].size.len();
        Problem {
            resources: (0..dims).map(|d| format!("r{d}")).collect(),
            items,
            bin_types,
            conflict_groups: vec![],
        }
    }

    #[test]
    fn covers_total_demand_with_the_cheapest_capacity() {
        // 10 units of demand; type 1 costs 3 for 10 units, type 0 costs 1 for 2 units.
        let p = problem(
            vec![item("a", &[1], 10, &[0, 1])],
            vec![bin_type("small", &[2], 1.0), bin_type("big", &[10], 3.0)],
        );
        assert!((bound_of(&p) - 3.0).abs() < 1e-6);
    }

    #[test]
    fn each_resource_is_covered_by_the_types_eligible_for_it() {
        // cpu item only on type 0 (cpu 4, price 4), memory item on both; type 1 has only
        // memory (price 1 for 8). The cpu demand 8 needs 2 bins of type 0 (price 8), whose
        // memory then also serves the memory item.
        let p = problem(
            vec![item("cpu", &[4, 0], 2, &[0]), item("mem", &[0, 8], 2, &[0, 1])],
            vec![bin_type("both", &[4, 8], 4.0), bin_type("mem", &[0, 8], 1.0)],
        );
        assert!((bound_of(&p) - 8.0).abs() < 1e-6);
    }

    #[test]
    fn items_alone_in_their_bins_need_one_bin_per_copy() {
        let mut a = item("a", &[1, 1], 5, &[0]);
        a.max_per_bin = 1;
        let p = problem(vec![a], vec![bin_type("t", &[100, 100], 2.0)]);
        assert!((bound_of(&p) - 10.0).abs() < 1e-6);
    }

    #[test]
    fn a_conflict_group_needs_a_bin_per_copy() {
        let mut p = problem(
            vec![item("a", &[1], 2, &[0]), item("b", &[1], 3, &[0])],
            vec![bin_type("t", &[100], 1.5)],
        );
        p.conflict_groups.push(ConflictGroup {
            name: "g".into(),
            items: vec![0, 1],
        });
        assert!((bound_of(&p) - 7.5).abs() < 1e-6);
    }

    #[test]
    fn equal_prices_round_up_to_whole_bins() {
        // Demand 13 in bins of 10: the LP says 1.3, a packing needs 2.
        let p = problem(
            vec![item("a", &[3], 3, &[0]), item("b", &[4], 1, &[0])],
            vec![bin_type("t", &[10], 1.0)],
        );
        assert_eq!(bound_of(&p), 2.0);
        // Exactly two bins' worth stays two, despite the solver's margin.
        let p = problem(vec![item("a", &[5], 4, &[0])], vec![bin_type("t", &[10], 0.5)]);
        assert_eq!(bound_of(&p), 1.0);
    }

    #[test]
    fn a_passed_deadline_leaves_the_counting_bound() {
        // Demand 7 in bins of 5 at price 1 (or 10 at 2.5): the LP proves 1.4; counted copy
        // by copy, each item needs one bin, 1.
        let p = problem(
            vec![item("a", &[3], 1, &[0, 1]), item("b", &[4], 1, &[0, 1])],
            vec![bin_type("t5", &[5], 1.0), bin_type("t10", &[10], 2.5)],
        );
        assert!((bound_of(&p) - 1.4).abs() < 1e-6);
        let passed = Instant::now();
        assert!(lp_bound(&p, passed).is_none());
        assert!((resource_bound(&p, passed) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn an_empty_problem_costs_nothing() {
        let p = problem(vec![item("a", &[6], 0, &[0])], vec![bin_type("t", &[10], 1.0)]);
        assert_eq!(bound_of(&p), 0.0);
    }

    #[test]
    fn never_above_the_brute_force_optimum_of_tiny_problems() {
        use crate::engine::heuristics::tests::{brute_force, random_problem};
        let (mut ratio_sum, mut cases) = (0.0, 0);
        for seed in 0..400 {
            // Three item kinds of up to three copies, or two of up to five.
            let p = if seed % 2 == 0 {
                random_problem(seed, 3, 3)
            } else {
                random_problem(seed, 2, 5)
            };
            let opt = brute_force(&p);
            let bound = bound_of(&p);
            assert!(opt.is_finite(), "seed {seed}: no packing");
            assert!(
                bound <= opt + 1e-9 * opt,
                "seed {seed}: bound {bound} above the optimum {opt}\n{p:?}"
            );
            assert!(bound > 0.0, "seed {seed}: a problem with copies has a positive bound");
            ratio_sum += bound / opt;
            cases += 1;
        }
        // Not trivially weak either: on average within a tenth of the optimum.
        let mean = ratio_sum / f64::from(cases);
        assert!(mean > 0.9, "mean bound / optimum {mean}");
    }
}
