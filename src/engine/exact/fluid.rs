//! The fluid LP: copies split freely over fractional bins of each type, each bin type's
//! resources, per-bin caps and conflict groups obeyed in total. It is what the master LP
//! becomes when a pattern may hold fractions of copies, so it bounds the master LP from
//! below, and its item duals are feasible duals of the master: a start for reduced-cost
//! enumeration and a bound long before column generation converges when there are many
//! bin types (a real catalog) and many services.
//!
//! Variables `y[t]` (fractional bins of type `t`) and `x[i,t]` (copies of item `i` on type
//! `t`). Rows: `Σ_t x[i,t] ≥ count[i]` (dual `π[i]`); per type and resource
//! `cap[t,d]·y[t] − Σ_i size[i,d]·x[i,t] ≥ 0` (dual `μ[t,d]`); for items with a per-bin cap
//! `m[i]` (1 in a conflict group) `m[i]·y[t] − x[i,t] ≥ 0` (dual `λ[i,t]`); per conflict
//! group `y[t] − Σ_{i∈G} x[i,t] ≥ 0` (dual `ν[G,t]`); for items whose copies all fit in
//! one bin, `Σ_t k[i,t]·y[t] ≥ count[i]` (dual `ρ[i]`), where a bin of `t` holds at most
//! `k[i,t]` copies: such an item needs whole bins, not the share its size fills (a single
//! GPU task, a bin type only one item may use). Minimize `Σ_t price[t]·y[t]`.
//!
//! A pattern `a` of type `t` is worth `Σ_i (π[i] + ρ[i])·a[i] ≤ U[t] = Σ_d cap[t,d]·μ[t,d] +
//! Σ_i m[i]·λ[i,t] + Σ_G ν[G,t] + Σ_i k[i,t]·ρ[i]` once every `π[i] ≤ Σ_d size[i,d]·μ[t,d] +
//! λ[i,t] + Σ_{G∋i} ν[G,t]`, as `a[i] ≤ k[i,t]`. The duals HiGHS returns are clamped to make
//! that hold exactly, then scaled by `max_t U[t]/price[t]` (Farley): the bound does not
//! rest on HiGHS's tolerances.
//!
//! Types that another type beats per unit of price in every resource (and in price, where
//! caps or groups count bins), for the same items, never help a fractional plan and are
//! left out; the bound covers them through the type that beats them.
//!
//! Column generation's exact rounds add rows of their own ([`Cuts`]): where pricing proved
//! at duals `σ` that no pattern of type `t` is worth more than `V[t]`, the row
//! `V[t]·y[t] − Σ_i σ[i]·x[i,t] ≥ 0` holds for every plan, as each bin of type `t` holds a
//! pattern. Its dual `κ[t]` adds `σ[i]·κ[t]` to the worth of item `i` on `t` and `V[t]·κ[t]`
//! to `U[t]`. The resource rows alone let a bin hold any fraction of a copy, and integral
//! patterns are what makes the master LP rise above the fluid LP's bound: the rows bring
//! that in type by type, each at the duals where it was proved, so the bound needs neither
//! every type proved at one dual point nor column generation converged (Farley's bound
//! needs both). The LP over them is at least Farley's bound at each of their dual points.
//! A type left out is held by the type that beats it: a bin of the one left out is a share
//! `price[u]/price[t]` of a bin of the keeper `t`, so the keeper's row takes the greater of
//! `V[t]` and every `V[u]·price[t]/price[u]`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use highs::{ColProblem, HighsModelStatus, Sense};

use super::master::{set_seed, PRIMAL_SIMPLEX};
use super::pricing::DUAL_ZERO;
use crate::engine::problem::{BinTypeId, Problem};

/// What the fluid LP proves.
pub struct Fluid {
    /// A lower bound on the master LP, so on every plan.
    pub bound: f64,
    /// Feasible duals of the master LP whose value is `bound`.
    pub duals: Vec<f64>,
}

/// What pricing proved at one dual point: no pattern of type `t` is worth more than
/// `upper_bounds[t]` at `duals` (those at most [`DUAL_ZERO`] count as 0, as in pricing).
struct Cut {
    duals: Vec<f64>,
    upper_bounds: Vec<f64>,
}

impl Cut {
    /// Item `i`'s value in the cut.
    fn value(&self, i: usize) -> f64 {
        let d = self.duals[i];
        if d > DUAL_ZERO {
            d
        } else {
            0.0
        }
    }
}

/// The rows of column generation's exact rounds (the module's description), the most
/// recent [`MOST_CUTS`], and the copy columns of the last LP over them: the next LP starts
/// from those, so that it needs few rounds of its own.
#[derive(Default)]
pub struct Cuts {
    proved: Vec<Cut>,
    columns: BTreeSet<(BinTypeId, usize)>,
}

impl Cuts {
    /// Adds what pricing proved at `duals`: `upper_bounds[t]` bounds every pattern of `t`
    /// (infinite where it was not priced).
    pub fn add(&mut self, duals: &[f64], upper_bounds: Vec<f64>) {
        if self.proved.len() == MOST_CUTS {
            self.proved.remove(0);
        }
        self.proved.push(Cut {
            duals: duals.to_vec(),
            upper_bounds,
        });
    }
}

/// Rows of [`Cuts`] kept, the most recent: each adds a row per kept type, and the LP over
/// them is solved anew each time.
const MOST_CUTS: usize = 64;

/// The fluid LP with the rows of `cuts` (see the module's description); `None` when no LP
/// solves by `deadline` or it gives no bound.
pub fn solve_with(problem: &Problem, cuts: &mut Cuts, deadline: Instant, seed: u64) -> Option<Fluid> {
    let (fluid, columns) = solve_over(problem, None, &cuts.proved, &cuts.columns, deadline, seed)?;
    cuts.columns = columns;
    Some(fluid)
}

/// Solves the fluid LP; `None` when no LP solves by `deadline` or it gives no bound.
/// With `only`, the LP keeps that resource's rows alone: a weaker bound, whose duals price
/// that resource only.
///
/// The LP starts with a few `x[i,t]` columns per item, on the types that hold its copies
/// cheapest, and grows by the columns of negative reduced cost until none is left: the
/// LP over every column is far larger (items times types) and slower to solve whole. The
/// bound holds at any round, as [`FluidLp::farley`] prices every column.
pub fn solve(problem: &Problem, only: Option<usize>, deadline: Instant, seed: u64) -> Option<Fluid> {
    solve_over(problem, only, &[], &BTreeSet::new(), deadline, seed).map(|(fluid, _)| fluid)
}

/// [`solve`] with the rows of `cuts`, starting from the copy columns `columns` too; returns
/// the copy columns of the last LP solved as well.
fn solve_over(
    problem: &Problem,
    only: Option<usize>,
    cuts: &[Cut],
    columns: &BTreeSet<(BinTypeId, usize)>,
    deadline: Instant,
    seed: u64,
) -> Option<(Fluid, BTreeSet<(BinTypeId, usize)>)> {
    let (lp, rows, mut present) = FluidLp::build(problem, only, cuts, columns);
    let mut model = lp.optimise(Sense::Minimise);
    let created = Instant::now();
    set_seed(&mut model, seed).ok()?;
    // The duals of the last LP solved: their bound holds when time runs out before the end.
    let mut last: Option<Vec<f64>> = None;
    loop {
        let seconds = deadline.saturating_duration_since(Instant::now()).as_secs_f64();
        if seconds <= 0.0 {
            break;
        }
        // HiGHS counts its time limit from the model's creation, over every solve.
        model
            .try_set_option("time_limit", created.elapsed().as_secs_f64() + seconds)
            .ok()?;
        let solved = model.try_solve().ok()?;
        if solved.status() != HighsModelStatus::Optimal {
            break;
        }
        let duals = solved.get_solution().dual_rows().to_vec();
        let entering = rows.entering(&duals, &present);
        if entering.is_empty() {
            return rows.farley(&duals).map(|fluid| (fluid, present));
        }
        last = Some(duals);
        model = highs::Model::from(solved);
        // New columns leave the basis primal feasible: the primal simplex goes on from it.
        model.try_set_option("simplex_strategy", PRIMAL_SIMPLEX).ok()?;
        for (t, i) in entering {
            model.try_add_column(0.0, 0.0.., rows.copy_factors(t, i)).ok()?;
            present.insert((t, i));
        }
    }
    last.and_then(|duals| rows.farley(&duals)).map(|fluid| (fluid, present))
}

/// `x[i,t]` columns per item in the LP's first solve, on the types cheapest for its copies.
const FIRST_COPY_COLUMNS: usize = 4;
/// `x[i,t]` columns that join per item and round, those of least reduced cost.
const ENTERING_PER_ITEM: usize = 4;
/// Reduced costs below `−REDUCED_TOLERANCE · |π[i]|` enter: above HiGHS's own dual
/// tolerance, so that the loop ends.
const REDUCED_TOLERANCE: f64 = 1e-7;

/// Per item, the `k` types of least key (ties to the lower type), as `(t, i)` columns.
fn least_per_item(per_item: Vec<Vec<(f64, BinTypeId)>>, k: usize) -> impl Iterator<Item = (BinTypeId, usize)> {
    per_item.into_iter().enumerate().flat_map(move |(i, mut types)| {
        types.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        types.into_iter().take(k).map(move |(_, t)| (t, i))
    })
}

/// A row of the LP and its index in HiGHS's order, which is the order of its duals.
type LpRow = (highs::Row, usize);

/// The fluid LP's rows and columns, by what they stand for.
struct FluidLp<'p> {
    problem: &'p Problem,
    /// The conflict groups of each item.
    groups: Vec<Vec<usize>>,
    /// Each item's per-bin cap `m[i]`, for items that have one that binds.
    capped: Vec<Option<f64>>,
    /// The bin types kept (the undominated ones), ascending.
    kept: Vec<BinTypeId>,
    /// Each item's covering row, `None` for items without copies.
    item_rows: Vec<Option<LpRow>>,
    /// Each item's whole-bins row, for items whose copies all fit in one bin.
    whole_rows: Vec<Option<LpRow>>,
    /// The whole rows by type, each with its `k[i,t]`.
    whole_on: BTreeMap<BinTypeId, Vec<(LpRow, f64)>>,
    /// `(type, resource)` → its resource row.
    resource_rows: BTreeMap<(BinTypeId, usize), LpRow>,
    /// `(item, type)` → its cap row.
    cap_rows: BTreeMap<(usize, BinTypeId), LpRow>,
    /// `(group, type)` → its group row.
    group_rows: BTreeMap<(usize, BinTypeId), LpRow>,
    /// The items with an `x[i,t]` column, by kept type.
    x_columns: BTreeMap<BinTypeId, Vec<usize>>,
    cuts: &'p [Cut],
    /// Per kept type, its rows of `cuts`: `(row, cut, V[t])`.
    cut_rows: BTreeMap<BinTypeId, Vec<(LpRow, usize, f64)>>,
}

impl<'p> FluidLp<'p> {
    /// Builds the LP of the module's description over the undominated types, with every
    /// row and `y[t]` column but only the first `x[i,t]` columns ([`FIRST_COPY_COLUMNS`]
    /// per item) and those of `columns`; returns those as `(t, i)`.
    fn build(
        problem: &'p Problem,
        only: Option<usize>,
        cuts: &'p [Cut],
        columns: &BTreeSet<(BinTypeId, usize)>,
    ) -> (ColProblem, FluidLp<'p>, BTreeSet<(BinTypeId, usize)>) {
        let dims = problem.dims();
        let groups = problem.groups_of_items();
        let capped: Vec<Option<f64>> = problem
            .items
            .iter()
            .zip(&groups)
            .map(|(item, g)| {
                let m = if g.is_empty() { item.max_per_bin } else { 1 };
                (item.count > 0 && m < item.count).then_some(f64::from(m))
            })
            .collect();
        // Per item whose copies fit in one bin of some type, the copies a bin holds by type.
        let mut whole: Vec<Option<Vec<(BinTypeId, u32)>>> = problem
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let per_bin: Vec<(BinTypeId, u32)> = item
                    .eligible
                    .iter()
                    .map(|&t| (t, problem.max_copies_alone(i, t, !groups[i].is_empty())))
                    .filter(|&(_, k)| k > 0)
                    .collect();
                (item.count > 0 && per_bin.iter().any(|&(_, k)| k >= item.count)).then_some(per_bin)
            })
            .collect();
        let counts_bins = capped.iter().any(Option::is_some)
            || whole.iter().any(Option::is_some)
            || !problem.conflict_groups.is_empty();
        let keeper = undominated(problem, counts_bins);
        let kept: Vec<BinTypeId> = (0..keeper.len()).filter(|&t| keeper[t] == Some(t)).collect();
        // The whole rows count the kept types only, so they are left out for items that may use
        // a type left out: the bound on those types' patterns does not count them. They are
        // left out too for items that may use every kept type, whose bins the resource rows
        // already count.
        for w in &mut whole {
            if w.as_ref()
                .is_some_and(|w| w.len() == kept.len() || w.iter().any(|(t, _)| kept.binary_search(t).is_err()))
            {
                *w = None;
            }
        }

        let mut lp = ColProblem::default();
        // HiGHS numbers rows in the order added; its duals come back in that order.
        let mut rows = 0usize;
        let mut add_row = |lp: &mut ColProblem, low: f64| {
            rows += 1;
            (lp.add_row(low..), rows - 1)
        };
        let item_rows: Vec<_> = problem
            .items
            .iter()
            .map(|item| (item.count > 0).then(|| add_row(&mut lp, f64::from(item.count))))
            .collect();
        let whole_rows: Vec<_> = problem
            .items
            .iter()
            .zip(&whole)
            .map(|(item, w)| w.as_ref().map(|_| add_row(&mut lp, f64::from(item.count))))
            .collect();
        // The whole rows by type, each with its k[i,t]: `(row, k)`.
        let mut whole_on: BTreeMap<BinTypeId, Vec<((highs::Row, usize), f64)>> = BTreeMap::new();
        for (i, w) in whole.iter().enumerate() {
            if let (Some(w), Some(r)) = (w, whole_rows[i]) {
                for &(t, k) in w {
                    whole_on.entry(t).or_default().push((r, f64::from(k)));
                }
            }
        }
        // Per kept type: its resource rows, cap rows and group rows.
        let mut resource_rows = BTreeMap::new();
        let mut cap_rows = BTreeMap::new();
        let mut group_rows = BTreeMap::new();
        let mut x_columns: BTreeMap<BinTypeId, Vec<usize>> = BTreeMap::new();
        let mut cut_rows: BTreeMap<BinTypeId, Vec<(LpRow, usize, f64)>> = BTreeMap::new();
        for &t in &kept {
            let on_t: Vec<usize> = (0..problem.items.len())
                .filter(|&i| item_rows[i].is_some() && problem.items[i].eligible.binary_search(&t).is_ok())
                .filter(|&i| problem.max_copies_alone(i, t, !groups[i].is_empty()) > 0)
                .collect();
            for d in (0..dims).filter(|&d| only.map_or(true, |o| o == d)) {
                if on_t.iter().any(|&i| problem.items[i].size[d] > 0) {
                    resource_rows.insert((t, d), add_row(&mut lp, 0.0));
                }
            }
            for &i in &on_t {
                if capped[i].is_some() {
                    cap_rows.insert((i, t), add_row(&mut lp, 0.0));
                }
            }
            for (g, group) in problem.conflict_groups.iter().enumerate() {
                if group.items.iter().any(|i| on_t.contains(i)) {
                    group_rows.insert((g, t), add_row(&mut lp, 0.0));
                }
            }
            let price = problem.bin_types[t].price;
            // The types whose patterns `t` holds, itself among them.
            let held: Vec<BinTypeId> = (0..keeper.len()).filter(|&u| keeper[u] == Some(t)).collect();
            for (k, cut) in cuts.iter().enumerate() {
                if only.is_some() || price <= 0.0 || !on_t.iter().any(|&i| cut.value(i) > 0.0) {
                    continue;
                }
                // Infinite where a type it holds was not priced: no row then.
                let bound = held
                    .iter()
                    .map(|&u| cut.upper_bounds[u] * price / problem.bin_types[u].price)
                    .fold(0.0, f64::max);
                if bound.is_finite() {
                    let row = add_row(&mut lp, 0.0);
                    cut_rows.entry(t).or_default().push((row, k, bound));
                }
            }
            x_columns.insert(t, on_t);
        }
        let fluid = FluidLp {
            problem,
            groups,
            capped,
            kept,
            item_rows,
            whole_rows,
            whole_on,
            resource_rows,
            cap_rows,
            group_rows,
            x_columns,
            cuts,
            cut_rows,
        };
        for &t in &fluid.kept {
            let bin_type = &problem.bin_types[t];
            let mut factors = Vec::new();
            for d in 0..dims {
                if let Some(&r) = fluid.resource_rows.get(&(t, d)) {
                    factors.push((r.0, bin_type.capacity[d] as f64));
                }
            }
            for &i in &fluid.x_columns[&t] {
                if let (Some(&r), Some(m)) = (fluid.cap_rows.get(&(i, t)), fluid.capped[i]) {
                    factors.push((r.0, m));
                }
            }
            for g in 0..problem.conflict_groups.len() {
                if let Some(&r) = fluid.group_rows.get(&(g, t)) {
                    factors.push((r.0, 1.0));
                }
            }
            for &(r, k) in fluid.whole_on.get(&t).into_iter().flatten() {
                factors.push((r.0, k));
            }
            for &(r, _, bound) in fluid.cut_rows.get(&t).into_iter().flatten() {
                factors.push((r.0, bound));
            }
            lp.add_column(bin_type.price, 0.0.., factors);
        }
        let mut first = fluid.first_columns();
        first.extend(
            columns
                .iter()
                .filter(|(t, i)| fluid.x_columns.get(t).is_some_and(|on_t| on_t.binary_search(i).is_ok())),
        );
        for &(t, i) in &first {
            lp.add_column(0.0, 0.0.., fluid.copy_factors(t, i));
        }
        (lp, fluid, first)
    }

    /// The factors of column `x[i,t]`.
    fn copy_factors(&self, t: BinTypeId, i: usize) -> Vec<(highs::Row, f64)> {
        let mut factors = Vec::new();
        self.copy_terms(t, i, |r, factor| factors.push((r.0, factor)));
        factors
    }

    /// Visits the rows of column `x[i,t]` with its factor in each: its item's covering
    /// row, its type's resource rows, its cap row and its groups' rows.
    fn copy_terms(&self, t: BinTypeId, i: usize, mut visit: impl FnMut(LpRow, f64)) {
        visit(self.item_rows[i].expect("a row"), 1.0);
        for (d, &size) in self.problem.items[i].size.iter().enumerate() {
            if let Some(&r) = self.resource_rows.get(&(t, d)) {
                if size > 0 {
                    visit(r, -(size as f64));
                }
            }
        }
        if let Some(&r) = self.cap_rows.get(&(i, t)) {
            visit(r, -1.0);
        }
        for &g in &self.groups[i] {
            if let Some(&r) = self.group_rows.get(&(g, t)) {
                visit(r, -1.0);
            }
        }
        for &(r, k, _) in self.cut_rows.get(&t).into_iter().flatten() {
            let value = self.cuts[k].value(i);
            if value > 0.0 {
                visit(r, -value);
            }
        }
    }

    /// The first `x[i,t]` columns: per item, the [`FIRST_COPY_COLUMNS`] kept types whose
    /// price per copy is least, a copy counted as the largest share it takes of any
    /// resource or of the item's per-bin cap.
    fn first_columns(&self) -> BTreeSet<(BinTypeId, usize)> {
        let problem = self.problem;
        let mut per_item: Vec<Vec<(f64, BinTypeId)>> = vec![Vec::new(); problem.items.len()];
        for (&t, items) in &self.x_columns {
            let bin_type = &problem.bin_types[t];
            for &i in items {
                let share = (problem.items[i].size.iter().zip(&bin_type.capacity))
                    .filter(|&(&s, _)| s > 0)
                    .map(|(&s, &c)| s as f64 / c as f64)
                    .fold(self.capped[i].map_or(0.0, |m| 1.0 / m), f64::max);
                per_item[i].push((bin_type.price * share, t));
            }
        }
        least_per_item(per_item, FIRST_COPY_COLUMNS).collect()
    }

    /// The `x[i,t]` columns not in `present` whose reduced cost under `row_dual` is
    /// negative: per item the [`ENTERING_PER_ITEM`] least.
    fn entering(&self, row_dual: &[f64], present: &BTreeSet<(BinTypeId, usize)>) -> Vec<(BinTypeId, usize)> {
        let problem = self.problem;
        let dual = |r: LpRow| row_dual[r.1];
        let mut per_item: Vec<Vec<(f64, BinTypeId)>> = vec![Vec::new(); problem.items.len()];
        for (&t, items) in &self.x_columns {
            for &i in items {
                let Some(row) = self.item_rows[i] else { continue };
                if present.contains(&(t, i)) {
                    continue;
                }
                // The reduced cost c − Aᵀy of a column whose cost c is 0.
                let pi = dual(row);
                let mut reduced = 0.0;
                self.copy_terms(t, i, |r, factor| reduced -= factor * dual(r));
                if reduced < -REDUCED_TOLERANCE * pi.abs().max(1.0) {
                    per_item[i].push((reduced, t));
                }
            }
        }
        least_per_item(per_item, ENTERING_PER_ITEM).collect()
    }

    /// The bound and feasible master duals from the LP's row duals: `π` clamped to the dual
    /// rows of the x columns, then scaled by the largest pattern bound per unit of price.
    fn farley(&self, row_dual: &[f64]) -> Option<Fluid> {
        let FluidLp {
            problem,
            groups,
            capped,
            kept,
            item_rows,
            whole_rows,
            whole_on,
            resource_rows,
            cap_rows,
            group_rows,
            x_columns,
            cuts,
            cut_rows,
        } = self;
        let dims = problem.dims();
        let dual = |r: LpRow| row_dual[r.1].max(0.0);

        // Clamp π to the dual rows of the x columns, and find each type's pattern bound U[t].
        let mut pi: Vec<f64> = item_rows.iter().map(|r| r.map_or(0.0, dual)).collect();
        let mut theta = 0.0f64;
        for &t in kept {
            let bin_type = &problem.bin_types[t];
            let mut most = 0.0;
            for d in 0..dims {
                if let Some(&r) = resource_rows.get(&(t, d)) {
                    most += bin_type.capacity[d] as f64 * dual(r);
                }
            }
            for &i in &x_columns[&t] {
                let item = &problem.items[i];
                let mut worth: f64 = (0..dims)
                    .filter_map(|d| resource_rows.get(&(t, d)).map(|&r| item.size[d] as f64 * dual(r)))
                    .sum();
                if let (Some(&r), Some(m)) = (cap_rows.get(&(i, t)), capped[i]) {
                    worth += dual(r);
                    most += m * dual(r);
                }
                worth += groups[i]
                    .iter()
                    .filter_map(|&g| group_rows.get(&(g, t)).map(|&r| dual(r)))
                    .sum::<f64>();
                worth += cut_rows
                    .get(&t)
                    .into_iter()
                    .flatten()
                    .map(|&(r, k, _)| cuts[k].value(i) * dual(r))
                    .sum::<f64>();
                pi[i] = pi[i].min(worth);
            }
            most += (0..problem.conflict_groups.len())
                .filter_map(|g| group_rows.get(&(g, t)).map(|&r| dual(r)))
                .sum::<f64>();
            most += cut_rows
                .get(&t)
                .into_iter()
                .flatten()
                .map(|&(r, _, bound)| bound * dual(r))
                .sum::<f64>();
            // Every item of a whole row has an x column on each of its types (all kept).
            most += whole_on
                .get(&t)
                .into_iter()
                .flatten()
                .map(|&(r, k)| k * dual(r))
                .sum::<f64>();
            if most > 0.0 {
                if bin_type.price <= 0.0 {
                    return None;
                }
                theta = theta.max(most / bin_type.price);
            }
        }
        // Items that no kept type takes have no x column: the LP covered them not at all.
        let mut taken = vec![false; problem.items.len()];
        for &i in x_columns.values().flatten() {
            taken[i] = true;
        }
        for (p, _) in pi.iter_mut().zip(&taken).filter(|(_, &t)| !t) {
            *p = 0.0;
        }
        for (i, r) in whole_rows.iter().enumerate() {
            if let (Some(r), true) = (r, taken[i]) {
                pi[i] += dual(*r);
            }
        }
        let theta = theta * (1.0 + 1e-9);
        if theta <= 0.0 {
            return None;
        }
        let scaled: Vec<f64> = pi.iter().map(|p| p / theta).collect();
        let bound: f64 = problem
            .items
            .iter()
            .zip(&scaled)
            .map(|(item, p)| f64::from(item.count) * p)
            .sum();
        (bound.is_finite() && bound > 0.0).then_some(Fluid {
            bound: bound * (1.0 - 1e-9),
            duals: scaled,
        })
    }
}

/// Per bin type, the kept type that holds its patterns: itself when no other type beats
/// it, else a kept type that does (`None` for types no item may use). Another type `u`
/// beats `t` when every item that may use `t` may use `u` and fits in it alone when it fits
/// in `t`, `u` gives at least as much of every resource per unit of price, and (when
/// `counts_bins`) costs no more. Of equal types the first is kept.
fn undominated(problem: &Problem, counts_bins: bool) -> Vec<Option<BinTypeId>> {
    let types = problem.bin_types.len();
    // The items (by their eligible lists) that may use each type.
    let mut classes: BTreeMap<&[BinTypeId], usize> = BTreeMap::new();
    for item in problem.items.iter().filter(|i| i.count > 0) {
        let next = classes.len();
        classes.entry(&item.eligible).or_insert(next);
    }
    let mut users = vec![Vec::new(); types];
    for (eligible, &c) in &classes {
        for &t in eligible.iter() {
            users[t].push(c);
        }
    }
    // Per type, the largest size in each resource among the items it holds alone.
    let groups = problem.groups_of_items();
    let mut largest = vec![vec![0u64; problem.dims()]; types];
    for (i, item) in problem.items.iter().enumerate().filter(|(_, i)| i.count > 0) {
        for &t in &item.eligible {
            if problem.max_copies_alone(i, t, !groups[i].is_empty()) > 0 {
                for (l, &s) in largest[t].iter_mut().zip(&item.size) {
                    *l = (*l).max(s);
                }
            }
        }
    }
    let used: Vec<BinTypeId> = (0..types)
        .filter(|&t| !users[t].is_empty() && problem.bin_types[t].price > 0.0)
        .collect();
    let beats = |u: BinTypeId, t: BinTypeId| {
        let (a, b) = (&problem.bin_types[u], &problem.bin_types[t]);
        (!counts_bins || a.price <= b.price)
            && users[t].iter().all(|c| users[u].contains(c))
            && largest[t].iter().zip(&a.capacity).all(|(&l, &c)| l <= c)
            && a.capacity
                .iter()
                .zip(&b.capacity)
                .all(|(&cu, &ct)| cu as f64 * b.price >= ct as f64 * a.price)
    };
    let kept: Vec<BinTypeId> = used
        .iter()
        .copied()
        .filter(|&t| !used.iter().any(|&u| u != t && beats(u, t) && (!beats(t, u) || u < t)))
        .collect();
    let mut keeper: Vec<Option<BinTypeId>> = vec![None; types];
    for &t in &used {
        // Beating is transitive, so some kept type beats each type left out; should none,
        // the type is kept.
        keeper[t] = Some(kept.iter().copied().find(|&u| u == t || beats(u, t)).unwrap_or(t));
    }
    // Free types with users cannot be beaten per unit of price: keep them.
    for t in (0..types).filter(|&t| !users[t].is_empty() && problem.bin_types[t].price <= 0.0) {
        keeper[t] = Some(t);
    }
    keeper
}
