//! The fluid LP's bound, with one bin type a plan on the bound's bins that places the
//! items kept apart first, an exact cover by bins filled exactly where the bound asks for
//! them, column generation over bin patterns (master LP with HiGHS, pricing per bin type in
//! parallel) with a Farley bound and, with several types, the fluid LP over what its exact
//! rounds proved ([`fluid::Cuts`]), reduced-cost enumeration with an exact-cover search and a
//! MIP, diving, with one bin type an ejection search from the plans the dives reach, and a
//! MIP over the generated columns warm-started from the best plan so far.
//!
//! A column is one bin type and a number of copies of each item that obeys every rule.
//! The master LP covers each item's count at least price; its duals price new columns.
//! The bound does not take HiGHS's word: it is recomputed from the duals and this module's
//! own pricing. The one exception is a small problem whose every maximal pattern is a
//! column, where HiGHS's proof of the MIP optimum is the bound. Every packing passes
//! [`Packing::verify`] before it is returned.

mod bin_mip;
mod bound;
mod cover;
mod dive;
mod dynamic;
mod enumerate;
pub mod error;
mod exchange;
mod fill;
pub(crate) mod fluid;
mod full;
mod highs_mip;
pub mod master;
mod mip;
mod plan;
pub mod pricing;
mod reduced;
mod repack;
mod spread;
#[cfg(test)]
mod tests;
mod tuning;

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use self::bound::Lattice;
use self::error::ExactError;
use self::master::{LpSolution, Master};
use self::pricing::{Effort, Pricer};
use self::tuning::*;
use super::packing::{Bin, Packing};
use super::problem::{BinTypeId, Problem};
use super::{Phase, Progress, Settings, Stop};

/// What the exact method reached before its deadline.
#[derive(Debug, Clone)]
pub struct Improved {
    /// Never worse than the packing passed in.
    pub packing: Packing,
    /// A valid lower bound, even when the search was cut short.
    pub lower_bound: f64,
    pub notes: Vec<String>,
}

/// Improves `start` and the bound `lower_bound` until `deadline`.
pub fn improve(
    problem: &Problem,
    start: &Packing,
    lower_bound: f64,
    deadline: Instant,
    settings: &Settings,
) -> Improved {
    let lattice = Lattice::of(problem);
    let mut run = Run {
        problem,
        lattice,
        best_cost: start.cost(problem),
        best: start.clone(),
        lower_bound: lattice.round_up(lower_bound.max(0.0)),
        dual: bound::resource_duals(problem),
        root_lp: None,
        settings,
        phase: Phase::Bound,
        notes: Vec::new(),
    };
    if !run.is_optimal() && Instant::now() < deadline && !settings.stop.is_requested() {
        // With several bin types, the fluid LP's duals price resources per type: a far
        // better bound and dual point than resources priced alike for all types. When the
        // bound is already a plan's cost, duals that price every resource come first (the
        // bound may still rise in column generation).
        let until = share_of_rest(deadline, FLUID_SHARE);
        let balanced = if lattice.fills_exactly(lower_bound) {
            balanced(problem, lattice.round_up(lower_bound), lattice, until, settings.seed)
        } else {
            None
        };
        let fluid = balanced.or_else(|| fluid::solve(problem, None, until, settings.seed));
        if let Some(fluid) = fluid {
            run.raise_bound(fluid.bound);
            if run.dual.as_ref().map_or(true, |(b, _)| fluid.bound > *b) {
                run.dual = Some((fluid.bound, fluid.duals));
            }
        }
    }
    if !run.is_optimal() && Instant::now() < deadline && !settings.stop.is_requested() {
        run.spread();
    }
    let fleets = run.fill_fleets();
    if !run.is_optimal() && !fleets.is_empty() && Instant::now() < deadline && !settings.stop.is_requested() {
        let few_per_bin = (problem.total_copies() as f64) < PROBE_COPIES_PER_BIN * fleets[0].len() as f64;
        if few_per_bin {
            // Where bins hold a few copies each, the fill's bins fall to its MIP, seconds at
            // a time, and column generation proves most such problems in a fraction of one
            // (the public sets): the fill gets a brief try, as it finds most plans it finds
            // in tens of milliseconds, then column generation. What that leaves unproved, it
            // leaves unsaid: column generation starts again below and has the last word.
            let quick = share_of_rest(deadline, PROBE_SHARE);
            run.fill(&fleets, quick, quick);
            let said = run.notes.len();
            if !run.is_optimal() {
                run.in_phase(Phase::ColumnGeneration, |run| {
                    run.generate(share_of_rest(deadline, PROBE_SHARE))
                });
            }
            if !run.is_optimal() {
                run.notes.truncate(said);
                run.root_lp = None;
            }
        } else {
            let share = if problem.bin_types.len() > 1 {
                MANY_TYPES_FILL_SHARE
            } else {
                FILL_SHARE
            };
            run.fill(
                &fleets,
                share_of_rest(deadline, share),
                share_of_rest(deadline, FILL_PACE_SHARE),
            );
        }
    }
    if !run.is_optimal()
        && Instant::now() < deadline
        && !settings.stop.is_requested()
        && run.best.bins.len() <= repack::FIRST_BINS
    {
        // A plan of a few bins is one MIP: solved whole, it is improved or proved.
        let _ = run.repack(&[], share_of_rest(deadline, WHOLE_REPACK_SHARE));
    }
    if !run.is_optimal() {
        if settings.stop.is_requested() {
            run.notes.push(ExactError::Interrupted.to_string());
        } else if Instant::now() >= deadline {
            run.notes
                .push("time limit reached: no time left for column generation (kept the heuristic plan)".into());
        } else {
            run.generate(deadline);
        }
    }
    Improved {
        packing: run.best,
        lower_bound: run.lower_bound,
        notes: run.notes,
    }
}

/// The state of one exact solve: the best packing and bound so far.
struct Run<'p> {
    problem: &'p Problem,
    lattice: Lattice,
    best: Packing,
    best_cost: f64,
    lower_bound: f64,
    /// The feasible dual point of the full master LP with the best bound so far, and that
    /// bound: the prices of reduced-cost enumeration.
    dual: Option<(f64, Vec<f64>)>,
    /// The last root LP solved: its duals price reduced-cost enumeration when it only
    /// looks for a plan.
    root_lp: Option<LpSolution>,
    settings: &'p Settings,
    /// The step under way, for progress reports.
    phase: Phase,
    notes: Vec<String>,
}

/// How the root column generation ended.
struct Root {
    /// The LP is solved: no column can raise the bound further.
    converged: bool,
    /// It stopped once the LP and the bound rounded up alike, short of proving the LP
    /// solved.
    settled: bool,
    rounds: usize,
}

/// How a dive ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dive {
    /// Reached an integral LP, or an LP that cannot beat the best plan.
    Done,
    /// Out of time.
    Stopped,
    /// Not needed: the columns are every pattern.
    Skipped,
}

/// The master LP, its columns, and the pricing that extends them.
struct Generation<'p> {
    master: Master,
    columns: Columns,
    pricer: Pricer<'p>,
    groups: Vec<Vec<usize>>,
    /// Improving patterns kept per bin type and pricing round: at the root, and in dives.
    per_type: usize,
    dive_per_type: usize,
    /// What the exact rounds proved, for the fluid LP to bound by.
    cuts: fluid::Cuts,
    /// Whether rows joined since the fluid LP over them was last solved.
    cuts_pending: bool,
}

impl<'p> Generation<'p> {
    fn new(problem: &'p Problem, seed: u64) -> Result<Self, ExactError> {
        Ok(Generation {
            master: Master::new(problem, seed)?,
            columns: Columns::default(),
            pricer: Pricer::new(problem),
            groups: problem.groups_of_items(),
            per_type: (2 * problem.items.len() / problem.bin_types.len().max(1))
                .clamp(COLUMNS_PER_TYPE, MOST_COLUMNS_PER_TYPE),
            dive_per_type: (problem.items.len() / (2 * problem.bin_types.len().max(1)))
                .clamp(COLUMNS_PER_TYPE, MOST_DIVE_COLUMNS_PER_TYPE),
            cuts: fluid::Cuts::default(),
            cuts_pending: false,
        })
    }

    /// A generation whose columns are `bins`, each once.
    fn over<'b>(problem: &'p Problem, seed: u64, bins: impl IntoIterator<Item = &'b Bin>) -> Result<Self, ExactError> {
        let mut g = Generation::new(problem, seed)?;
        for bin in bins {
            g.add(problem, bin.clone())?;
        }
        Ok(g)
    }

    /// Adds `bin` as a column unless present; returns its index.
    fn add(&mut self, problem: &Problem, bin: Bin) -> Result<usize, ExactError> {
        let (c, new) = self.columns.insert(bin);
        if new {
            self.master.add(problem, &self.columns.bins[c])?;
        }
        Ok(c)
    }

    /// Adds the bins of a packing as columns; returns `(column, copies)` for a MIP start.
    fn add_packing(&mut self, problem: &Problem, bins: &[Bin]) -> Result<Vec<(usize, u32)>, ExactError> {
        let mut copies = Vec::new();
        for bin in bins {
            let mut bin = bin.clone();
            bin.load.retain(|&(_, n)| n > 0);
            bin.load.sort_unstable();
            if bin.load.is_empty() || bin.fault(problem, &self.groups).is_some() {
                continue;
            }
            copies.push((self.add(problem, bin)?, 1));
        }
        Ok(copies)
    }

    /// One column per item: as many copies as fit alone in the type cheapest per copy, so
    /// that the master covers every item from the first solve.
    fn add_singles(&mut self, problem: &Problem) -> Result<(), ExactError> {
        for (i, item) in problem.items.iter().enumerate() {
            if item.count == 0 {
                continue;
            }
            if let Some(t) = plan::cheapest_type_for(problem, &self.groups, i, u64::from(item.count)) {
                let load = vec![(i, self.pricer.copies_alone(i, t))];
                self.add(problem, Bin { bin_type: t, load })?;
            }
        }
        Ok(())
    }

    /// Adds the best new improving columns of a pricing round; returns how many.
    fn add_priced(&mut self, problem: &Problem, priced: Vec<pricing::Priced>) -> Result<usize, ExactError> {
        let (rows, large) = self.master.rows();
        // A column the master left out ([`Master::restore`]) rejoins it when priced again.
        let mut candidates: Vec<(f64, Bin)> = priced
            .into_iter()
            .flat_map(|p| p.columns)
            .map(|(value, bin)| (problem.bin_types[bin.bin_type].price / value, bin))
            .filter(|(_, bin)| {
                self.columns
                    .index
                    .get(bin)
                    .map_or(true, |&c| self.master.is_left_out(c))
            })
            .collect();
        candidates.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        candidates.dedup_by(|a, b| a.1 == b.1);
        let per_row = if large {
            LARGE_ROUND_COLUMNS_PER_ROW
        } else {
            ROUND_COLUMNS_PER_ROW
        };
        candidates.truncate(((per_row * rows as f64) as usize).max(50));
        let added = candidates.len();
        for (_, bin) in candidates {
            match self.columns.index.get(&bin) {
                Some(&c) => self.master.restore(c)?,
                None => {
                    self.add(problem, bin)?;
                }
            }
        }
        Ok(added)
    }
}

/// The generated columns, each once, in the order generated.
#[derive(Default)]
struct Columns {
    bins: Vec<Bin>,
    index: BTreeMap<Bin, usize>,
}

impl Columns {
    /// Adds `bin` unless already present; returns its index and whether it is new.
    fn insert(&mut self, bin: Bin) -> (usize, bool) {
        if let Some(&c) = self.index.get(&bin) {
            return (c, false);
        }
        let c = self.bins.len();
        self.index.insert(bin.clone(), c);
        self.bins.push(bin);
        (c, true)
    }
}

impl<'p> Run<'p> {
    fn is_optimal(&self) -> bool {
        self.best_cost - self.lower_bound <= 1e-6 * self.best_cost
    }

    /// `Err(Interrupted)` once a stop is requested: checked between the steps of column
    /// generation and at the head of its loops, beside the deadlines.
    fn go_on(&self) -> Result<(), ExactError> {
        if self.settings.stop.is_requested() {
            Err(ExactError::Interrupted)
        } else {
            Ok(())
        }
    }

    /// Raises the bound by Farley's argument from `duals` and their pricing; keeps the
    /// scaled duals as `center` (column generation's own best dual point, the center of
    /// smoothing) and as the run's dual point when their bound is the best so far.
    fn raise_bound_from(&mut self, center: &mut Option<(f64, Vec<f64>)>, duals: &[f64], priced: &[pricing::Priced]) {
        let upper_bounds: Vec<f64> = priced.iter().map(|p| p.upper_bound).collect();
        let Some((farley, scaled)) = bound::farley(self.problem, duals, &upper_bounds) else {
            return;
        };
        self.raise_bound(farley);
        if center.as_ref().map_or(true, |(b, _)| farley > *b) {
            if self.dual.as_ref().map_or(true, |(b, _)| farley > *b) {
                self.dual = Some((farley, scaled.clone()));
            }
            *center = Some((farley, scaled));
        }
    }

    /// Raises the bound by the fluid LP over the rows of the exact rounds so far, and keeps
    /// its duals where they prove more than the best so far.
    fn bound_by_cuts(&mut self, g: &mut Generation, until: Instant) {
        if let Some(fluid) = fluid::solve_with(self.problem, &mut g.cuts, until, self.settings.seed) {
            self.raise_bound(fluid.bound);
            if self.dual.as_ref().map_or(true, |(b, _)| fluid.bound > *b) {
                self.dual = Some((fluid.bound, fluid.duals));
            }
        }
        g.cuts_pending = false;
    }

    fn raise_bound(&mut self, bound: f64) {
        let rounded = self.lattice.round_up(bound);
        if rounded > self.lower_bound {
            self.lower_bound = rounded;
            self.report();
        }
    }

    /// Tells the settings' reporter where the run stands.
    fn report(&self) {
        self.settings.report(Progress {
            phase: self.phase,
            best_cost: Some(self.best_cost),
            lower_bound: self.lower_bound,
        });
    }

    fn set_phase(&mut self, phase: Phase) {
        if phase != self.phase {
            self.phase = phase;
            self.report();
        }
    }

    /// Runs `step` in `phase`, then returns to the phase before.
    fn in_phase<T>(&mut self, phase: Phase, step: impl FnOnce(&mut Self) -> T) -> T {
        let was = self.phase;
        self.set_phase(phase);
        let out = step(self);
        self.set_phase(was);
        out
    }

    /// Column generation and what follows it until `deadline` ([`Run::column_generation`]),
    /// its end told in the notes.
    fn generate(&mut self, deadline: Instant) {
        let seed = self.settings.seed;
        match catch_unwind(AssertUnwindSafe(|| self.column_generation(deadline, seed))) {
            Ok(Ok(())) => {}
            Ok(Err(e @ (ExactError::TimeLimit | ExactError::Interrupted))) => self.notes.push(e.to_string()),
            Ok(Err(e)) => self
                .notes
                .push(format!("HiGHS failed: {e} (kept the best plan so far)")),
            Err(_) => self
                .notes
                .push("HiGHS failed: the exact method stopped (kept the best plan so far)".into()),
        }
    }

    /// Column generation at the root (the bound), diving (plans), then the MIP over every
    /// column generated (plans, and a proof where the columns are all the patterns).
    fn column_generation(&mut self, deadline: Instant, seed: u64) -> Result<(), ExactError> {
        let problem = self.problem;
        self.set_phase(Phase::ColumnGeneration);
        let (mut g, complete) = self.first_columns(seed)?;

        // When resource prices alone bound the cost at a plan's cost (bins filled exactly),
        // the patterns a plan at that bound could use may be few: try them before any
        // column generation, first those found quickest. The shares of the time below are
        // of what is left after.
        let filled = self
            .dual
            .as_ref()
            .is_some_and(|(value, _)| self.lattice.fills_exactly(*value));
        if !complete
            && filled
            && self.in_phase(Phase::Mip, |run| {
                run.cover_full(share_of_rest(deadline, FULL_COVER_SHARE), seed)
            })?
        {
            return Ok(());
        }
        let began = Instant::now();
        let share = |f: f64| began + deadline.saturating_duration_since(began).mul_f64(f);
        // On a catalog of many types the dives seldom beat the plans rounded from the root
        // LP as it falls: the root gets a larger share.
        let root_share = if problem.bin_types.len() > 1 && filled {
            FILLED_ROOT_SHARE
        } else if problem.bin_types.len() > 1 {
            MANY_TYPES_ROOT_SHARE
        } else {
            ROOT_SHARE
        };
        if !complete && filled && self.enumerate(&g, share(FIRST_ENUMERATION_SHARE), seed, true)? {
            return Ok(());
        }
        let root = self.root(&mut g, complete, true, share(root_share), deadline)?;
        if g.cuts_pending && !self.is_optimal() {
            self.bound_by_cuts(&mut g, deadline);
        }
        if let Some(lp) = self.root_lp.take() {
            self.offer_rounded(&g.columns.bins, &lp.primal)?;
            self.root_lp = Some(lp);
        }
        if self.is_optimal() {
            return Ok(());
        }
        self.go_on()?;
        // With one bin type, a few moves of the ejection search may already save a bin.
        self.eject(QUICK_EJECT_MOVES, deadline, seed)?;
        if self.is_optimal() {
            return Ok(());
        }
        self.go_on()?;
        if root.settled {
            self.solve_lp(&g, share(root_share), deadline, seed)?;
        }
        // The patterns that a cheaper plan could use may already be few enough for a proof.
        if !complete && self.enumerate(&g, share(ENUMERATION_SHARE), seed, false)? {
            return Ok(());
        }
        if self.is_optimal() {
            return Ok(());
        }
        self.go_on()?;
        // With several types, the plan is re-packed a few bins at a time, on the types of
        // the root LP's solution: the plans the dives would look for, found more often.
        if problem.bin_types.len() > 1 {
            // Over every maximal pattern the MIP is the whole problem: it goes first, and
            // its proof spares the re-packing, which can only find plans.
            if complete {
                self.in_phase(Phase::Mip, |run| {
                    run.last_mip(&mut g, complete, share(COMPLETE_MIP_SHARE), seed)
                })?;
                if self.is_optimal() {
                    return Ok(());
                }
                self.go_on()?;
            }
            let suggested = self.root_types(&g);
            self.repack(&suggested, share(REPACK_SHARE))?;
            if self.is_optimal() {
                return Ok(());
            }
            self.go_on()?;
        }
        self.set_phase(Phase::Dives);
        let dived = if complete {
            Dive::Skipped
        } else {
            self.dives(&mut g, share(DIVE_SHARE), deadline, seed)?
        };
        if self.is_optimal() {
            return Ok(());
        }
        self.go_on()?;
        // The dives' best plan may be a few moves from one bin fewer: the ejection search
        // gets the time the dives left, but for the last share.
        self.eject(u64::MAX, share(EJECT_SHARE), seed)?;
        if self.is_optimal() {
            return Ok(());
        }
        self.go_on()?;
        // Plans from the patterns of least reduced cost, and once more the proof.
        if !complete && self.enumerate(&g, share(1.0), seed, true)? {
            return Ok(());
        }
        if self.is_optimal() {
            return Ok(());
        }
        self.go_on()?;

        self.set_phase(Phase::Mip);
        let proven = self.last_mip(&mut g, complete, deadline, seed)?;
        if !self.is_optimal() {
            self.explain_gap(&root, dived, proven, g.columns.bins.len());
        }
        Ok(())
    }

    /// The generation's first columns: the best plan's bins, and every maximal pattern
    /// when there are few enough (then the LP is exact: `true`), else one column per item.
    fn first_columns(&self, seed: u64) -> Result<(Generation<'p>, bool), ExactError> {
        let problem = self.problem;
        let mut g = Generation::new(problem, seed)?;
        let start: Vec<Bin> = self.best.bins.clone();
        g.add_packing(problem, &start)?;
        let complete = match enumerate::maximal_patterns(problem, ENUMERATION_LIMIT) {
            Some(patterns) => {
                for bin in patterns {
                    g.add(problem, bin)?;
                }
                true
            }
            None => {
                g.add_singles(problem)?;
                false
            }
        };
        Ok((g, complete))
    }

    /// The integer step over every column, started from the best plan so far: offers its
    /// plan, and over every maximal pattern (`complete`) raises the bound to its proven
    /// optimum. Whether the MIP proved its optimum.
    fn last_mip(
        &mut self,
        g: &mut Generation<'p>,
        complete: bool,
        deadline: Instant,
        seed: u64,
    ) -> Result<bool, ExactError> {
        let problem = self.problem;
        let best: Vec<Bin> = self.best.bins.clone();
        let warm = g.add_packing(problem, &best)?;
        let target = self.lower_bound + 1e-7 * self.lower_bound.max(1e-9);
        let mip_deadline = deadline
            - deadline
                .saturating_duration_since(Instant::now())
                .mul_f64(MIP_MARGIN)
                .min(Duration::from_secs(1));
        let mut warm_copies = vec![0u32; g.columns.bins.len()];
        for (c, n) in warm {
            warm_copies[c] += n;
        }
        let result = mip::solve(problem, &g.columns.bins, &warm_copies, target, mip_deadline, seed)?;
        let mut proven = false;
        if let Some(result) = result {
            proven = result.proven;
            // Over every maximal pattern, the MIP optimum is the least cost of any plan.
            if complete && proven {
                self.raise_bound(result.price * (1.0 - 1e-9));
            }
            self.offer(plan::to_packing(problem, &g.columns.bins, &result.copies))?;
        }
        Ok(proven)
    }

    /// The note that says why a gap remains after column generation over `columns` columns.
    fn explain_gap(&mut self, root: &Root, dived: Dive, proven: bool, columns: usize) {
        let mut reasons = Vec::new();
        if !root.converged {
            reasons.push(format!("column generation stopped after {} rounds", root.rounds));
        }
        if dived == Dive::Stopped {
            reasons.push("diving stopped".to_string());
        }
        if !proven {
            reasons.push(format!("the MIP over {columns} columns did not finish"));
        }
        if reasons.is_empty() {
            self.notes.push(format!(
                "gap remains: the lower bound is the LP optimum over all patterns, and no cheaper plan exists \
                 among the {columns} patterns generated; closing the gap would need branching on the LP"
            ));
        } else {
            self.notes.push(format!("time limit reached: {}", reasons.join("; ")));
        }
    }

    /// Column generation at the root until the LP is solved (exact pricing finds no
    /// improving column), the bound meets the best plan, or `until`; with `settle`, also
    /// once no column can raise the bound. Every round raises the bound by Farley's
    /// argument.
    fn root(
        &mut self,
        g: &mut Generation,
        complete: bool,
        settle: bool,
        until: Instant,
        deadline: Instant,
    ) -> Result<Root, ExactError> {
        let problem = self.problem;
        // With one bin type, Farley's bound is that type's alone: the quick rounds' bound
        // on it settles the root early and makes a good center for smoothing. With many,
        // it is the worst type's, which stays below the fluid LP's bound until column
        // generation all but converges: there the rounds that count are cheap ones on the
        // LP's own duals, each round that finds nothing searching harder, and every
        // [`QUICK_ROUNDS`]th a quick one so that the bound still rises near convergence
        // (greedy rounds alone can leave it at the fluid LP's when cores are shared).
        let one_type = problem.bin_types.len() == 1;
        let base = if one_type { Effort::Quick } else { Effort::Greedy };
        let mut effort = base;
        let mut rounds = 0usize;
        // Column generation's own best dual point, scaled to be feasible, and its bound.
        let mut center: Option<(f64, Vec<f64>)> = None;
        let mut price_every_type = false;
        // Full exact rounds so far: every [`CUT_LP_ROUNDS`]th raises the bound by the fluid
        // LP over what the exact rounds proved.
        let mut full_rounds = 0usize;
        let rounding_rounds = if g.master.rows().1 {
            LARGE_ROUNDING_ROUNDS
        } else {
            ROUNDING_ROUNDS
        };
        while Instant::now() < until {
            self.go_on()?;
            rounds += 1;
            let lp = g.master.solve(problem, deadline)?;
            if complete {
                // Every pattern is a column: the LP optimum is the LP bound itself.
                self.raise_bound(lp.value * (1.0 - 1e-9));
                return Ok(Root {
                    converged: true,
                    settled: false,
                    rounds,
                });
            }
            // Heuristic rounds on one bin type price duals smoothed toward the best dual
            // point so far (Wentges): fewer columns that the next LP throws away. When they
            // find nothing, the LP's own duals are priced in the same round.
            if one_type && effort != Effort::Exact {
                if let Some((_, c)) = &center {
                    let smooth: Vec<f64> = c
                        .iter()
                        .zip(&lp.duals)
                        .map(|(a, b)| SMOOTHING * a + (1.0 - SMOOTHING) * b)
                        .collect();
                    let priced = g.pricer.price(&smooth, effort, g.per_type, until);
                    self.raise_bound_from(&mut center, &smooth, &priced);
                    if g.add_priced(problem, priced)? > 0 {
                        continue;
                    }
                }
            }
            if effort == Effort::Greedy && rounds % QUICK_ROUNDS == 0 {
                effort = Effort::Quick;
            }
            // An exact round first prices the types that found columns in the last one
            // ([`Pricer::price_found`]): where they find some again, the round ends there,
            // and the other types are searched only above the ratio those proved, where
            // that can raise the bound (`tighten`). Otherwise the round prices every type.
            let partial = (effort == Effort::Exact && !price_every_type)
                .then(|| g.pricer.price_found(&lp.duals, g.per_type, until))
                .flatten();
            let is_partial = partial.is_some();
            let mut priced = match partial {
                Some(priced) => priced,
                None => g.pricer.price(&lp.duals, effort, g.per_type, until),
            };
            if effort == Effort::Exact {
                g.pricer
                    .tighten(&lp.duals, &mut priced, g.per_type, self.lower_bound, until);
                // The types that cannot be proved hold the bound down: a root that runs out
                // of time keeps the bound of its last full round, and one whose round finds
                // nothing ends here.
                if !is_partial {
                    g.pricer
                        .narrow(&lp.duals, &mut priced, g.per_type, self.lower_bound, until);
                }
            }
            self.raise_bound_from(&mut center, &lp.duals, &priced);
            // With many types, what an exact round proves bounds each type at its duals,
            // whatever the others' bounds: the fluid LP over those rows raises the bound
            // long before every type is proved at one dual point ([`fluid::Cuts`]).
            if effort == Effort::Exact && !one_type {
                g.cuts.add(&lp.duals, priced.iter().map(|p| p.upper_bound).collect());
                g.cuts_pending = true;
                if !is_partial {
                    full_rounds += 1;
                    if full_rounds % CUT_LP_ROUNDS == 1 {
                        self.bound_by_cuts(g, until);
                    }
                }
            }
            if rounds % rounding_rounds == 0 {
                self.offer_rounded(&g.columns.bins, &lp.primal)?;
            }
            // The LP optimum lies between the bound and this LP's value: once both round up
            // alike, no column can raise the bound, and diving may start.
            let settled = settle && self.lattice.round_up(lp.value * (1.0 - 1e-9)) <= self.lower_bound;
            self.root_lp = Some(lp);
            let all_exact = priced.iter().all(|p| p.exact);
            if self.is_optimal() || settled {
                return Ok(Root {
                    converged: true,
                    settled,
                    rounds,
                });
            }
            let added = g.add_priced(problem, priced)?;
            price_every_type = is_partial && added == 0;
            if price_every_type {
                // The columns found were in the master already.
                continue;
            }
            if added == 0 {
                if effort == Effort::Exact && all_exact {
                    return Ok(Root {
                        converged: true,
                        settled: false,
                        rounds,
                    });
                }
                if effort == Effort::Exact {
                    // The exact search was cut short on some type and found nothing: the
                    // bound cannot be closed in time.
                    return Ok(Root {
                        converged: false,
                        settled: false,
                        rounds,
                    });
                }
                effort = effort.harder();
                continue;
            }
            effort = base;
        }
        Ok(Root {
            converged: false,
            settled: false,
            rounds,
        })
    }

    /// Solves the root LP that [`Run::root`] left once it settled, on a master of its own
    /// over the same columns, for its duals alone: reduced-cost enumeration prices
    /// patterns against the best feasible duals, and the LP optimum's leave the least
    /// slack. A root settles once its LP and Farley's bound round up to the same number
    /// of bins, and Farley's duals can leave too many patterns within reach of a plan at
    /// that bound; a few rounds more close the slack to a few hundredths, and the MIP over
    /// the patterns left finds the plan. The dives still start from the settled LP and its
    /// columns: started from the solved one they take other paths, no better on balance.
    fn solve_lp(&mut self, g: &Generation, until: Instant, deadline: Instant, seed: u64) -> Result<(), ExactError> {
        let mut solved = Generation::over(self.problem, seed, &g.columns.bins)?;
        let settled = self.root_lp.take();
        let outcome = self.root(&mut solved, false, false, until, deadline);
        self.root_lp = settled;
        outcome.map(|_| ())
    }

    /// Diving ([`dive`]): dives repeat, each from the root, until the plan is proven
    /// optimal, `until`, or [`FRUITLESS_DIVES`] in a row find nothing cheaper. Their
    /// columns join `g` at the end.
    fn dives(&mut self, g: &mut Generation, until: Instant, deadline: Instant, seed: u64) -> Result<Dive, ExactError> {
        dive::with_divers(self.problem, seed, |divers| {
            let outcome = self.dives_on(divers, g, until, deadline, seed);
            for bin in divers.rebuild(None)? {
                g.add(self.problem, bin)?;
            }
            outcome
        })
    }

    /// The dives of [`Run::dives`], a batch at a time on `divers`, whose masters are
    /// rebuilt whenever the best plan gets cheaper.
    fn dives_on(
        &mut self,
        divers: &mut dive::Divers<'p>,
        g: &mut Generation,
        until: Instant,
        deadline: Instant,
        seed: u64,
    ) -> Result<Dive, ExactError> {
        let mut built_for = f64::INFINITY;
        let mut first = true;
        let mut fruitless = 0;
        while !self.is_optimal() && fruitless < FRUITLESS_DIVES {
            self.go_on()?;
            if self.best_cost < built_for {
                for bin in divers.rebuild(Some(&self.dive_columns(g)))? {
                    g.add(self.problem, bin)?;
                }
                built_for = self.best_cost;
            }
            let before = self.best_cost;
            let mut stopped = false;
            for (outcome, plans) in divers.dive(self.aim(), until, deadline, first)? {
                for plan in plans {
                    self.offer(plan)?;
                }
                stopped |= outcome == Dive::Stopped;
            }
            if stopped {
                return Ok(Dive::Stopped);
            }
            first = false;
            fruitless = if self.best_cost < before { 0 } else { fruitless + DIVERS };
            // A cheaper plan leaves less slack: the patterns that a still cheaper plan could
            // use may now be few enough for a proof, with a share of the time left.
            if fruitless == 0 {
                let proof = share_of_rest(deadline, DIVE_PROOF_SHARE);
                if self.enumerate(g, proof, seed, false)? {
                    return Ok(Dive::Done);
                }
            }
        }
        Ok(Dive::Done)
    }

    /// The columns of a dive's master: those of `g` of least reduced cost under the root
    /// LP's duals ([`DIVE_MASTER_SLACK`]), and those of the root LP's solution; pricing
    /// adds what is missing. It is rebuilt after each cheaper plan, with a fresh basis.
    fn dive_columns(&self, g: &Generation) -> Vec<Bin> {
        let problem = self.problem;
        let root = self.root_lp.as_ref();
        let room = root.map_or(f64::INFINITY, |lp| {
            (self.lattice.below(self.best_cost) - lp.value) * DIVE_MASTER_SLACK
        });
        let kept = g.columns.bins.iter().enumerate().filter(|&(c, bin)| {
            root.map_or(true, |lp| {
                let value: f64 = bin.load.iter().map(|&(i, n)| lp.duals[i] * f64::from(n)).sum();
                let reduced = problem.bin_types[bin.bin_type].price - value;
                lp.primal.get(c).is_some_and(|&x| x > 1e-9) || reduced <= room + 1e-9
            })
        });
        kept.map(|(_, bin)| bin.clone()).collect()
    }

    /// What a dive needs of the run now.
    fn aim(&self) -> dive::Aim<'p> {
        dive::Aim {
            problem: self.problem,
            lattice: self.lattice,
            best_cost: self.best_cost,
            lower_bound: self.lower_bound,
            seed: self.settings.seed,
            stop: &self.settings.stop,
        }
    }

    /// Reduced-cost enumeration ([`reduced`]): the MIP over every pattern that a plan
    /// cheaper than the best could use, from the best feasible duals so far. It either
    /// finds such a plan or proves the best optimal. When those patterns are too many,
    /// the MIP over the patterns of least reduced cost under the root LP's own duals still
    /// looks for a cheaper plan, without a proof (only when `for_plan`). Returns whether it
    /// proved the best plan optimal.
    fn enumerate(&mut self, g: &Generation, deadline: Instant, seed: u64, for_plan: bool) -> Result<bool, ExactError> {
        self.in_phase(Phase::Mip, |run| run.reduced_cost_mip(g, deadline, seed, for_plan))
    }

    /// The body of [`Run::enumerate`].
    fn reduced_cost_mip(
        &mut self,
        g: &Generation,
        deadline: Instant,
        seed: u64,
        for_plan: bool,
    ) -> Result<bool, ExactError> {
        let problem = self.problem;
        let cheaper = self.lattice.below(self.best_cost);
        // (slack, duals, complete, whole window): the tries for a plan under the root LP's
        // duals only get a share of the time each, as their patterns may be many.
        let mut tries = Vec::new();
        if let Some((value, duals)) = &self.dual {
            tries.push((cheaper - value, duals, true, true));
            if for_plan && self.lattice.fills_exactly(*value) {
                tries.push((0.0, duals, false, true));
            }
        }
        if let Some(LpSolution { value, duals, .. }) = self.root_lp.as_ref().filter(|_| for_plan) {
            let slack = (cheaper - value).max(0.0);
            for share in HEURISTIC_SLACK {
                tries.push((slack * share, duals, false, false));
            }
        }
        let mut found = None;
        for (slack, duals, complete, whole) in tries {
            if Instant::now() >= deadline {
                return Ok(false);
            }
            self.go_on()?;
            let until = share_of_rest(deadline, if whole { 1.0 } else { HEURISTIC_TRY_SHARE });
            if let Some(patterns) = reduced::patterns(problem, &g.pricer, duals, slack, REDUCED_LIMIT, until) {
                found = Some((patterns, slack, complete));
                break;
            }
        }
        let Some((patterns, slack, complete)) = found else {
            return Ok(false);
        };
        let mut columns = Columns::default();
        for bin in patterns {
            columns.insert(bin);
        }
        // Patterns of no reduced cost: an exact cover of the items by them costs the
        // duals' value, so the search for one goes first, with half the time left.
        if slack == 0.0 {
            let until = share_of_rest(deadline, 0.5);
            if let Some(cover) = cover::exact_cover(problem, &columns.bins, until, seed) {
                self.offer(plan::to_packing(problem, &columns.bins, cover.copies()))?;
                if self.is_optimal() {
                    return Ok(true);
                }
            }
        }
        let mut start = vec![0u32; columns.bins.len()];
        for bin in &self.best.bins {
            let mut bin = bin.clone();
            bin.load.retain(|&(_, n)| n > 0);
            bin.load.sort_unstable();
            let (c, _) = columns.insert(bin);
            start.resize(columns.bins.len(), 0);
            start[c] += 1;
        }
        let target = self.lower_bound * (1.0 + 1e-9);
        // Without a proof to finish, the MIP is one plan search among others (diving).
        let until = share_of_rest(deadline, if complete { 1.0 } else { HEURISTIC_MIP_SHARE });
        let Some(result) = mip::solve(problem, &columns.bins, &start, target, until, seed)? else {
            return Ok(false);
        };
        let proven = complete && result.proven;
        if proven {
            // The columns hold every pattern a plan of cost at most `cheaper` could use.
            let least = if result.price <= cheaper * (1.0 + 1e-9) {
                result.price
            } else {
                self.lattice.above(cheaper)
            };
            self.raise_bound(least * (1.0 - 1e-12));
        }
        self.offer(plan::to_packing(problem, &columns.bins, &result.copies))?;
        Ok(proven)
    }

    /// An exact cover by the patterns of one to three items that fill their bin exactly
    /// at no reduced cost ([`full`]): a plan at the bound. Returns whether it found one.
    fn cover_full(&mut self, until: Instant, seed: u64) -> Result<bool, ExactError> {
        let problem = self.problem;
        let Some((_, duals)) = &self.dual else {
            return Ok(false);
        };
        let Some(patterns) = full::patterns(problem, duals, REDUCED_LIMIT, until) else {
            return Ok(false);
        };
        // Short of an exact cover, the closest one with the copies it leaves out packed
        // first-fit is still a plan, often a good one.
        if let Some(cover) = cover::exact_cover(problem, &patterns, until, seed) {
            self.offer(plan::to_packing(problem, &patterns, cover.copies()))?;
        }
        Ok(self.is_optimal())
    }

    /// With one bin type, the ejection search ([`heuristics::fewer_bins`]) for a plan of
    /// fewer bins than the best, down to the bound, in at most `moves` moves per bin fewer.
    fn eject(&mut self, moves: u64, until: Instant, seed: u64) -> Result<(), ExactError> {
        match self.aim().fewer_bins(&self.best, moves, until, seed) {
            Some(fewer) => self.offer(fewer),
            None => Ok(()),
        }
    }

    /// With one bin type and items that must spread, plans on as few bins as the bound
    /// allows and a few more, those items placed first ([`spread`]). With several types
    /// the same construction on the types of the best plan's bins (each less one bin)
    /// found no cheaper plans than the search does, so it is not tried.
    fn spread(&mut self) {
        let problem = self.problem;
        let groups = problem.groups_of_items();
        let apart = problem
            .items
            .iter()
            .enumerate()
            .any(|(i, it)| it.count > 1 && (it.max_per_bin <= 1 || !groups[i].is_empty()));
        let price = problem.bin_types.first().map_or(0.0, |b| b.price);
        if problem.bin_types.len() != 1 || !apart || price <= 0.0 {
            return;
        }
        let least = (self.lower_bound / price * (1.0 - 1e-9)).ceil().max(1.0);
        if least * problem.total_copies() as f64 > SPREAD_WORK {
            return;
        }
        for extra in 0..SPREAD_EXTRA_BINS {
            if let Some(packing) = spread::spread(problem, 0, least as usize + extra) {
                if self.offer(packing).is_err() || self.is_optimal() {
                    return;
                }
            }
        }
    }

    /// The fleets priced at the bound that [`Run::fill`] searches: with one bin type, as few
    /// bins as the bound allows; with several, the lists of types that cost the bound and
    /// leave no room in some resource (where the bound is a cost that such a fleet can
    /// have). None where a plan on them would not be cheaper than the best.
    fn fill_fleets(&self) -> Vec<Vec<BinTypeId>> {
        let problem = self.problem;
        if self.lower_bound >= self.best_cost * (1.0 - 1e-9) {
            return Vec::new();
        }
        match problem.bin_types.as_slice() {
            [one] if one.price > 0.0 => {
                let least = (self.lower_bound / one.price * (1.0 - 1e-9)).ceil().max(1.0);
                if least * one.price >= self.best_cost * (1.0 - 1e-9) {
                    return Vec::new();
                }
                vec![vec![0; least as usize]]
            }
            [_] => Vec::new(),
            _ if self.lattice.fills_exactly(self.lower_bound) => fill::fleets(problem, self.lower_bound, FILL_FLEETS),
            _ => Vec::new(),
        }
    }

    /// Where the bound asks for bins filled exactly, a plan of such bins built one bin at
    /// a time ([`fill`]) on `fleets` ([`Run::fill_fleets`]). The search is one thread's
    /// work: [`FILL_LANES`] of them run side by side.
    fn fill(&mut self, fleets: &[Vec<BinTypeId>], until: Instant, latest: Instant) {
        let problem = self.problem;
        // The lanes search side by side, each its share of the attempts (with several
        // fleets, starting on every fleet in turn). The first plan found stops them all.
        // On one thread the lanes take turns, each with an even share of the time.
        let found = Stop::default();
        let seed = self.settings.seed;
        let lane = |k: usize, until: Instant, latest: Instant| -> Option<Packing> {
            let mut search = fill::Until {
                start: until,
                finish: latest,
                pace: (Duration::ZERO, 0),
                found: found.clone(),
            };
            let packing = fill::fill(
                problem,
                fleets,
                &mut search,
                seed.wrapping_add(k as u64),
                (k as u64, FILL_LANES as u64),
            );
            if packing.is_some() {
                found.request();
            }
            packing
        };
        let plans: Vec<Option<Packing>> = if rayon::current_num_threads() >= FILL_LANES {
            (0..FILL_LANES)
                .into_par_iter()
                .map(|k| lane(k, until, latest))
                .collect()
        } else {
            (0..FILL_LANES)
                .map(|k| {
                    let (now, turns) = (Instant::now(), (FILL_LANES - k) as f64);
                    let share = |end: Instant| now + end.saturating_duration_since(now).div_f64(turns);
                    lane(k, share(until), share(latest))
                })
                .collect()
        };
        if let Some(packing) = plans.into_iter().flatten().next() {
            let _ = self.offer(packing);
        }
    }

    /// Re-packs the best plan a few bins at a time until `until` ([`repack`]), offering
    /// `suggested` types besides each neighbourhood's own; a whole plan proven optimal
    /// raises the bound to its cost.
    fn repack(&mut self, suggested: &[BinTypeId], until: Instant) -> Result<(), ExactError> {
        let duals = match (&self.root_lp, &self.dual) {
            (Some(lp), _) => Some(lp.duals.clone()),
            (None, Some((_, duals))) => Some(duals.clone()),
            (None, None) => None,
        };
        let settings = self.settings;
        let repacked = self.in_phase(Phase::Mip, |run| {
            let aim = repack::Aim {
                lower_bound: run.lower_bound,
                duals: duals.as_deref(),
                suggested,
                seed: settings.seed,
                stop: &settings.stop,
            };
            repack::repack(run.problem, &run.best, &aim, until)
        })?;
        let cost = repacked.packing.cost(self.problem);
        self.offer(repacked.packing)?;
        if repacked.proven {
            self.raise_bound(cost);
        }
        Ok(())
    }

    /// The bin types of the root LP's solution, most used first.
    fn root_types(&self, g: &Generation) -> Vec<BinTypeId> {
        let mut weight = vec![0.0; self.problem.bin_types.len()];
        if let Some(lp) = &self.root_lp {
            for (c, &x) in lp.primal.iter().enumerate() {
                if x > 1e-9 {
                    if let Some(bin) = g.columns.bins.get(c) {
                        weight[bin.bin_type] += x;
                    }
                }
            }
        }
        for bin in &self.best.bins {
            weight[bin.bin_type] += 1e-3;
        }
        let mut types: Vec<BinTypeId> = (0..weight.len()).filter(|&t| weight[t] > 0.0).collect();
        types.sort_by(|&a, &b| weight[b].total_cmp(&weight[a]).then(a.cmp(&b)));
        types
    }

    /// Offers the plans rounded from an LP solution over `columns` ([`ROUND_UP_FROM`]).
    fn offer_rounded(&mut self, columns: &[Bin], values: &[f64]) -> Result<(), ExactError> {
        for up_from in ROUND_UP_FROM {
            self.offer(plan::round(self.problem, columns, values, up_from, self.settings))?;
        }
        Ok(())
    }

    /// Keeps `packing` if it verifies and is cheaper than the best so far.
    fn offer(&mut self, packing: Packing) -> Result<(), ExactError> {
        packing.verify(self.problem).map_err(ExactError::InvalidPlan)?;
        let cost = packing.cost(self.problem);
        if cost < self.best_cost {
            self.best = packing;
            self.best_cost = cost;
            self.report();
        }
        Ok(())
    }
}

/// When the bound is a plan's cost (`target`), the optimal duals are many, and those
/// HiGHS returns for the fluid LP may price one resource alone: then every pattern full in
/// that resource has reduced cost 0, too many to enumerate. The mean of the duals of the
/// fluid LPs over each resource alone that reach `target` is feasible (a mean of feasible
/// duals) and has that bound; at reduced cost 0 it leaves only the patterns full in all of
/// those resources, which the exact covers that meet the bound are made of. Each of these
/// LPs is also far quicker to solve than the fluid LP over all resources, by orders of
/// magnitude with many resources and bin types. `None` unless two resources reach it.
fn balanced(problem: &Problem, target: f64, lattice: Lattice, until: Instant, seed: u64) -> Option<fluid::Fluid> {
    let alone: Vec<fluid::Fluid> = (0..problem.dims())
        .filter_map(|d| fluid::solve(problem, Some(d), until, seed))
        .filter(|f| lattice.fills_exactly(f.bound) && lattice.round_up(f.bound) == target)
        .collect();
    // With one resource alone at the bound, the fluid LP over all of them prices it no
    // worse, and gives column generation a better start.
    if alone.len() < 2 {
        return None;
    }
    let n = alone.len() as f64;
    let duals: Vec<f64> = (0..problem.items.len())
        .map(|i| alone.iter().map(|f| f.duals[i]).sum::<f64>() / n)
        .collect();
    let bound = alone.iter().map(|f| f.bound).sum::<f64>() / n;
    Some(fluid::Fluid { bound, duals })
}

/// The instant by which `share` of the time left until `deadline` has passed.
fn share_of_rest(deadline: Instant, share: f64) -> Instant {
    Instant::now() + deadline.saturating_duration_since(Instant::now()).mul_f64(share)
}
