//! The restricted master LP: minimize the price of the columns used, covering each item's
//! count, over the columns generated so far. HiGHS keeps its basis between solves, so each
//! round starts from the previous optimum.
//!
//! HiGHS starts its simplex afresh whenever columns join (scaling, factors and edge weights
//! all go), and every iteration prices every column, so a master that keeps every column
//! ever generated gets dearer each round. Once a large master ([`LARGE_MASTER_ROWS`] rows or
//! more) holds [`COMPACT_AT`] columns a row, it is rebuilt from the columns the last optimum
//! used and those nearest to being used, started from that optimum; the others stay known
//! by index and rejoin when a round prices them again ([`Master::restore`]) or a dive fixes
//! them.

use std::time::Instant;

use highs::{Col, ColProblem, HighsModelStatus, Model, Row, Sense};

use super::error::ExactError;
use super::tuning::{COMPACT_AT, COMPACT_TO, LARGE_MASTER_ROWS};
use crate::engine::packing::Bin;
use crate::engine::problem::Problem;

/// The master LP in HiGHS, with one covering row per item that has copies to pack.
pub struct Master {
    /// `None` only while HiGHS is solving, or after it failed.
    model: Option<Model>,
    /// Row of each item, `None` for items with count 0.
    rows: Vec<Option<Row>>,
    /// Each column, in the order added.
    columns: Vec<Column>,
    /// The column in each of HiGHS's places, in HiGHS's order.
    placed: Vec<usize>,
    /// What a rebuild keeps and starts from.
    last: Option<Last>,
    /// For HiGHS's random choices, again on every rebuild.
    seed: u64,
    /// When the HiGHS object was made: its `time_limit` counts from then, over every solve.
    created: Instant,
    /// The simplex for the next solve, after the last kind of change: `after_columns` after
    /// columns joined (the basis stays primal feasible), the dual one after bounds changed
    /// (it stays dual feasible). `None`: as in the last solve.
    strategy: Option<i32>,
    /// The simplex after columns joined: the primal one, or the dual one on a master of
    /// [`LARGE_MASTER_ROWS`] rows or more.
    after_columns: i32,
}

/// A column as the master knows it, in HiGHS or not.
struct Column {
    price: f64,
    /// (item, copies) for items with a row.
    factors: Vec<(usize, f64)>,
    /// Copies required at least ([`Master::fix_at_least`]).
    lower: f64,
    /// Its place in HiGHS, `None` while left out.
    place: Option<Col>,
}

/// The last optimum, as a rebuild needs it.
struct Last {
    /// Each column's value and reduced cost, `None` for columns not in HiGHS then.
    values: Vec<Option<(f64, f64)>>,
    /// Each row's activity, in HiGHS's order.
    rows: Vec<f64>,
}

/// HiGHS's `simplex_strategy` values.
const DUAL_SIMPLEX: i32 = 1;
pub(super) const PRIMAL_SIMPLEX: i32 = 4;

/// The optimum of the restricted master.
pub struct LpSolution {
    /// Objective value as HiGHS reports it.
    pub value: f64,
    /// Dual value of each item's covering row, clamped at 0 (0 for items without a row).
    pub duals: Vec<f64>,
    /// Value of each column, in the order added.
    pub primal: Vec<f64>,
}

impl Master {
    pub fn new(problem: &Problem, seed: u64) -> Result<Self, ExactError> {
        let (model, rows) = rows_only(problem, seed)?;
        let after_columns = if is_large(rows.iter().flatten().count()) {
            DUAL_SIMPLEX
        } else {
            PRIMAL_SIMPLEX
        };
        Ok(Master {
            model: Some(model),
            rows,
            columns: Vec::new(),
            placed: Vec::new(),
            last: None,
            seed,
            created: Instant::now(),
            strategy: Some(after_columns),
            after_columns,
        })
    }

    /// Rows (items with copies to pack) and whether that makes the master large
    /// ([`LARGE_MASTER_ROWS`]).
    pub fn rows(&self) -> (usize, bool) {
        let rows = self.rows.iter().flatten().count();
        (rows, is_large(rows))
    }

    /// Adds a column: one bin of `bin.bin_type` holding `bin.load`.
    pub fn add(&mut self, problem: &Problem, bin: &Bin) -> Result<(), ExactError> {
        let factors: Vec<(usize, f64)> = bin
            .load
            .iter()
            .filter(|&&(i, _)| self.rows[i].is_some())
            .map(|&(i, n)| (i, f64::from(n)))
            .collect();
        self.columns.push(Column {
            price: problem.bin_types[bin.bin_type].price,
            factors,
            lower: 0.0,
            place: None,
        });
        self.place(self.columns.len() - 1)
    }

    /// Whether column `c` is left out of HiGHS since the last rebuild.
    pub fn is_left_out(&self, c: usize) -> bool {
        self.columns[c].place.is_none()
    }

    /// Puts a left-out column back into HiGHS.
    pub fn restore(&mut self, c: usize) -> Result<(), ExactError> {
        if self.is_left_out(c) {
            self.place(c)?;
        }
        Ok(())
    }

    /// Adds column `c` to the HiGHS model.
    fn place(&mut self, c: usize) -> Result<(), ExactError> {
        let model = self.model.as_mut().ok_or(ExactError::from("HiGHS failed earlier"))?;
        let column = &mut self.columns[c];
        let factors = column.factors.iter().filter_map(|&(i, n)| self.rows[i].map(|r| (r, n)));
        let place = model
            .try_add_column(column.price, column.lower.., factors)
            .map_err(|e| format!("HiGHS rejected a column: {e:?}"))?;
        column.place = Some(place);
        self.placed.push(c);
        self.strategy = Some(self.after_columns);
        Ok(())
    }

    /// Solves the LP within `deadline`.
    pub fn solve(&mut self, problem: &Problem, deadline: Instant) -> Result<LpSolution, ExactError> {
        let (rows, large) = self.rows();
        if large && self.placed.len() > COMPACT_AT * rows {
            self.compact(problem, COMPACT_TO * rows)?;
        }
        let mut model = self.model.take().ok_or(ExactError::from("HiGHS failed earlier"))?;
        let seconds = deadline.saturating_duration_since(Instant::now()).as_secs_f64();
        if seconds <= 0.0 {
            self.model = Some(model);
            return Err(ExactError::TimeLimit);
        }
        let limit = self.created.elapsed().as_secs_f64() + seconds;
        model.try_set_option("time_limit", limit).map_err(ExactError::option)?;
        if let Some(strategy) = self.strategy.take() {
            model
                .try_set_option("simplex_strategy", strategy)
                .map_err(ExactError::option)?;
        }
        let solved = model
            .try_solve()
            .map_err(|e| format!("HiGHS could not solve the master LP: {e:?}"))?;
        let status = solved.status();
        if status == HighsModelStatus::ReachedTimeLimit {
            return Err(ExactError::TimeLimit);
        }
        if status != HighsModelStatus::Optimal {
            return Err(ExactError::Solver(format!("master LP ended with status {status:?}")));
        }
        let solution = solved.get_solution();
        let row_duals = solution.dual_rows();
        let mut duals = vec![0.0; problem.items.len()];
        let mut row = 0;
        for (i, r) in self.rows.iter().enumerate() {
            if r.is_some() {
                duals[i] = row_duals[row].max(0.0);
                row += 1;
            }
        }
        let mut primal = vec![0.0; self.columns.len()];
        let mut values = vec![None; self.columns.len()];
        for ((&c, &x), &reduced) in self.placed.iter().zip(solution.columns()).zip(solution.dual_columns()) {
            primal[c] = x;
            values[c] = Some((x, reduced));
        }
        self.last = Some(Last {
            values,
            rows: solution.rows().to_vec(),
        });
        let value = solved.objective_value();
        self.model = Some(Model::from(solved));
        Ok(LpSolution { value, duals, primal })
    }

    /// Requires at least `copies` copies of column `c` from now on (diving).
    pub fn fix_at_least(&mut self, c: usize, copies: u32) -> Result<(), ExactError> {
        self.columns[c].lower = f64::from(copies);
        match self.columns[c].place {
            Some(place) => {
                let model = self.model.as_mut().ok_or(ExactError::from("HiGHS failed earlier"))?;
                model.change_column_bounds(place, f64::from(copies)..);
            }
            None => self.place(c)?,
        }
        self.strategy = Some(DUAL_SIMPLEX);
        Ok(())
    }

    /// Rebuilds HiGHS's model from the columns the last optimum used, those fixed at some
    /// copies, those that joined since, and of the others the `keep` nearest to being used
    /// (least reduced cost per price), and starts it from that optimum.
    fn compact(&mut self, problem: &Problem, keep: usize) -> Result<(), ExactError> {
        let Some(last) = self.last.take() else {
            return Ok(());
        };
        let mut spare: Vec<(f64, usize)> = Vec::new();
        let mut kept: Vec<usize> = Vec::new();
        for &c in &self.placed {
            let column = &self.columns[c];
            match last.values.get(c).copied().flatten() {
                Some((x, reduced)) if x <= 1e-9 && column.lower == 0.0 => spare.push((reduced / column.price, c)),
                _ => kept.push(c),
            }
        }
        spare.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        kept.extend(spare.iter().take(keep.saturating_sub(kept.len())).map(|&(_, c)| c));
        kept.sort_unstable();
        let (model, rows) = rows_only(problem, self.seed)?;
        self.model = Some(model);
        self.rows = rows;
        self.created = Instant::now();
        for column in &mut self.columns {
            column.place = None;
        }
        self.placed.clear();
        for &c in &kept {
            self.place(c)?;
        }
        let values: Vec<f64> = kept
            .iter()
            .map(|&c| last.values.get(c).copied().flatten().map_or(0.0, |(x, _)| x))
            .collect();
        let model = self.model.as_mut().ok_or(ExactError::from("HiGHS failed earlier"))?;
        model
            .try_set_solution(Some(&values), Some(&last.rows), None, None)
            .map_err(|e| format!("HiGHS rejected the master's start: {e:?}"))?;
        Ok(())
    }
}

/// The master without columns: one covering row per item with copies to pack, and each
/// item's row.
fn rows_only(problem: &Problem, seed: u64) -> Result<(Model, Vec<Option<Row>>), ExactError> {
    let mut lp = ColProblem::default();
    let rows = problem
        .items
        .iter()
        .map(|item| (item.count > 0).then(|| lp.add_row(f64::from(item.count)..)))
        .collect();
    let mut model = Model::try_new(lp).map_err(|e| format!("HiGHS rejected the master LP: {e:?}"))?;
    model.set_sense(Sense::Minimise);
    set_seed(&mut model, seed)?;
    Ok((model, rows))
}

/// Whether a master of `rows` rows is large.
pub(super) fn is_large(rows: usize) -> bool {
    rows >= LARGE_MASTER_ROWS
}

/// Whether the master of `problem` is large: one row per item with copies ([`rows_only`]).
pub(super) fn is_large_for(problem: &Problem) -> bool {
    is_large(problem.items.iter().filter(|item| item.count > 0).count())
}

/// Passes the engine's seed to HiGHS so that its own random choices repeat, and keeps
/// HiGHS on the calling thread: the engine's parallelism is its own thread pool, and
/// HiGHS would otherwise start workers of its own on every thread that calls it.
pub fn set_seed(model: &mut Model, seed: u64) -> Result<(), ExactError> {
    let seed = (seed % i32::MAX as u64) as i32;
    model.try_set_option("random_seed", seed).map_err(ExactError::option)?;
    model.try_set_option("threads", 1).map_err(ExactError::option)
}
