//! Progress reports from a solve: the phase, the best plan's cost and the proven bound,
//! sent to a callback in [`Settings`](super::Settings) whenever one of them changes. The
//! engine only calls it; drawing it is the caller's business.

use std::fmt;
use std::sync::Arc;

/// The step a solve is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The heuristic portfolio, before any complete plan exists.
    FirstPlan,
    /// The resource and fluid LP bounds.
    Bound,
    /// Column generation at the root, which raises the bound.
    ColumnGeneration,
    /// Diving from the root LP, and the ejection search from the plans it reaches.
    Dives,
    /// A MIP or an exact cover over enumerated patterns: plans, and proofs of optimality.
    Mip,
    /// The solve has ended: the cost and bound are final.
    Done,
}

impl Phase {
    /// The phase as a person reads it.
    pub fn name(self) -> &'static str {
        match self {
            Phase::FirstPlan => "first plan",
            Phase::Bound => "bound",
            Phase::ColumnGeneration => "column generation",
            Phase::Dives => "dives",
            Phase::Mip => "MIP",
            Phase::Done => "done",
        }
    }
}

/// Where a solve stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    pub phase: Phase,
    /// The best plan's cost so far; `None` before the first plan.
    pub best_cost: Option<f64>,
    /// The best proven lower bound so far.
    pub lower_bound: f64,
}

/// The callback a solve reports to. It runs on the solving threads, at each change of
/// phase, plan or bound: it must return at once and must not block.
#[derive(Clone)]
pub struct Reporter(Arc<dyn Fn(&Progress) + Send + Sync>);

impl Reporter {
    pub fn new(report: impl Fn(&Progress) + Send + Sync + 'static) -> Reporter {
        Reporter(Arc::new(report))
    }

    pub fn report(&self, progress: &Progress) {
        (self.0)(progress);
    }

    /// A reporter for a solve that is one step of a larger one: every report but the
    /// last ([`Phase::Done`]) goes on to this one; the larger solve reports its own end.
    pub fn for_step(&self) -> Reporter {
        let whole = self.clone();
        Reporter::new(move |p| {
            if p.phase != Phase::Done {
                whole.report(p);
            }
        })
    }
}

impl fmt::Debug for Reporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Reporter")
    }
}
