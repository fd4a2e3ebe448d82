//! Why the exact method stopped before it finished: the time limit, or a failure of the
//! LP/MIP solver or of its own threads. The caller keeps the best plan found either way and
//! tells the user which it was.

/// An early stop of the exact method.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExactError {
    /// The time limit stopped a master LP solve: not a failure.
    #[error("time limit reached during column generation (kept the best plan so far)")]
    TimeLimit,
    /// A stop was requested (`Settings::stop`): not a failure.
    #[error("interrupted: the search stopped early (kept the best plan so far)")]
    Interrupted,
    /// HiGHS refused a model, a column, an option or a start, failed to solve, or ended
    /// with a status that gives no solution.
    #[error("{0}")]
    Solver(String),
    /// A dive thread stopped without replying.
    #[error("a dive thread stopped")]
    DiveStopped,
    /// A dive thread answered with a reply of another kind than asked for (a bug).
    #[error("a dive slot answered out of turn")]
    DiveOutOfTurn,
    /// A plan the exact method built failed the packing's consistency check (a bug).
    #[error("its plan failed the check: {0}")]
    InvalidPlan(String),
}

impl ExactError {
    /// HiGHS refused an option (its name or its value).
    pub fn option(e: impl std::fmt::Display) -> Self {
        ExactError::Solver(format!("HiGHS option: {e}"))
    }
}

impl From<String> for ExactError {
    fn from(message: String) -> Self {
        ExactError::Solver(message)
    }
}

impl From<&str> for ExactError {
    fn from(message: &str) -> Self {
        ExactError::Solver(message.to_string())
    }
}
