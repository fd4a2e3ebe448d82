//! Every MIP of the exact method goes through [`solve`], which guards against three faults
//! of HiGHS 1.16 seen on small, well-formed models: its presolve may reduce a feasible MIP
//! to a solution it then cannot restore, and end with an error; its strengthening of
//! inequalities may loop without end, where it never looks at the time limit; and its
//! presolve's enumeration of solutions may cut off the optimum and report a dearer plan
//! as optimal (a false proof, so a bound above the optimum). The first is met by solving
//! once more without presolve; the second by solving on a thread of its own and leaving it
//! behind if it overruns its time by far (it then spins until the process ends: a core
//! lost, not the plan); the third by turning that presolve rule off.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use highs::{ColProblem, HighsModelStatus, HighsSolutionStatus, Model, Sense};

use super::error::ExactError;

/// HiGHS's `presolve_rule_off` mask: its rule 16, the enumeration of solutions, off. On
/// a re-packing MIP of five bins it reduced the model to a plan costing 6 and called that
/// optimal, where a plan costing 5 exists (the case is in `tests`).
const PRESOLVE_RULES_OFF: i32 = 1 << 16;
/// Seconds past a MIP's time limit (twice over, for the retry) after which its thread is
/// left behind.
const GRACE_SECONDS: f64 = 2.0;

/// What HiGHS reached on a MIP.
pub struct Solved {
    status: HighsModelStatus,
    feasible: bool,
    objective: f64,
    columns: Vec<f64>,
}

impl Solved {
    pub fn status(&self) -> HighsModelStatus {
        self.status
    }

    /// Whether HiGHS holds a feasible solution (its columns are then those of `columns`).
    pub fn feasible(&self) -> bool {
        self.feasible
    }

    pub fn objective_value(&self) -> f64 {
        self.objective
    }

    pub fn columns(&self) -> &[f64] {
        &self.columns
    }
}

/// Solves the MIP `mip` (minimised) within `seconds`, set up besides by `configure`.
pub fn solve(
    mip: ColProblem,
    seconds: f64,
    what: &'static str,
    configure: impl Fn(&mut Model) -> Result<(), ExactError> + Send + 'static,
) -> Result<Solved, ExactError> {
    let (sender, receiver) = mpsc::channel();
    let solver = thread::Builder::new()
        .name("highs-mip".into())
        .spawn(move || {
            // The receiver is gone only if the solve was left behind.
            let _ = sender.send(solve_here(mip, seconds, what, &configure));
        })
        .map_err(|e| ExactError::Solver(format!("could not start a thread for the {what}: {e}")))?;
    let wait = Duration::from_secs_f64(2.0 * seconds.max(0.0) + GRACE_SECONDS);
    match receiver.recv_timeout(wait) {
        Ok(result) => {
            // The thread has sent its last word; waiting for its end keeps the threads
            // alive at once to the caller's own and this one.
            let _ = solver.join();
            result
        }
        Err(_) => Err(ExactError::Solver(format!(
            "HiGHS did not return from the {what} within {:.1} s of its time limit",
            wait.as_secs_f64() - seconds
        ))),
    }
}

/// The solve itself, on the calling thread: once, and once more without presolve when
/// HiGHS fails.
fn solve_here(
    mip: ColProblem,
    seconds: f64,
    what: &str,
    configure: &dyn Fn(&mut Model) -> Result<(), ExactError>,
) -> Result<Solved, ExactError> {
    let build = |mip: ColProblem| -> Result<Model, ExactError> {
        let mut model = mip
            .try_optimise(Sense::Minimise)
            .map_err(|e| ExactError::Solver(format!("HiGHS rejected the {what}: {e:?}")))?;
        model
            .try_set_option("time_limit", seconds)
            .map_err(ExactError::option)?;
        model
            .try_set_option("presolve_rule_off", PRESOLVE_RULES_OFF)
            .map_err(ExactError::option)?;
        configure(&mut model)?;
        Ok(model)
    };
    let solved = match build(mip.clone())?.try_solve() {
        Ok(solved) => solved,
        Err(_) => {
            let mut model = build(mip)?;
            model.try_set_option("presolve", "off").map_err(ExactError::option)?;
            model
                .try_solve()
                .map_err(|e| ExactError::Solver(format!("HiGHS could not solve the {what}: {e:?}")))?
        }
    };
    let feasible = solved.primal_solution_status() == HighsSolutionStatus::Feasible;
    Ok(Solved {
        status: solved.status(),
        feasible,
        objective: solved.objective_value(),
        columns: if feasible {
            solved.get_solution().columns().to_vec()
        } else {
            Vec::new()
        },
    })
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    /// One copy of one item, at most two: the least cost is 1.
    fn tiny_mip() -> ColProblem {
        let mut mip = ColProblem::default();
        let row = mip.add_row(1.0..);
        mip.add_integer_column(1.0, 0.0..=2.0, [(row, 1.0)]);
        mip
    }

    #[test]
    fn a_solve_is_returned_whole() {
        let solved = solve(tiny_mip(), 5.0, "test MIP", |_| Ok(())).unwrap();
        assert_eq!(solved.status(), HighsModelStatus::Optimal);
        assert!(solved.feasible());
        assert_eq!(solved.columns(), &[1.0]);
        assert_eq!(solved.objective_value(), 1.0);
    }

    /// A solve that never returns (here, one whose setting-up sleeps far past its time
    /// limit) is left behind with an error, soon after its limit and the grace.
    #[test]
    fn a_solve_that_does_not_return_is_left_behind() {
        let started = Instant::now();
        let hung = solve(tiny_mip(), 0.1, "test MIP", |_| {
            thread::sleep(Duration::from_secs(60));
            Ok(())
        });
        let Err(ExactError::Solver(message)) = hung else {
            panic!("the solve should have been left behind");
        };
        assert!(message.contains("did not return"), "{message}");
        assert!(started.elapsed() < Duration::from_secs(30));
    }
}
