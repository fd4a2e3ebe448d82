//! Live progress on standard error while a plan is searched: one line per solve with its
//! phase, best cost and proven bound per hour, gap, and the time against the limit, redrawn
//! a few times a second. Shown only when standard error is a terminal and `--quiet` is not given, so
//! that pipes, files and standard output never see it.

use std::io::IsTerminal as _;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::engine::{gap, Phase, Progress, Reporter};
use crate::output::money;
use crate::output::summary::cents4_floor;

/// How often the lines are redrawn (the spinner and the clock move on their own).
const TICK: Duration = Duration::from_millis(200);

/// The progress lines of one command: none when progress is not shown.
pub struct Display {
    lines: Option<MultiProgress>,
    limit: Duration,
}

impl Display {
    /// Lines on standard error when it is a terminal and `quiet` is off; `limit` is the
    /// time limit shown beside the elapsed time.
    pub fn new(quiet: bool, limit: Duration) -> Display {
        let shown = !quiet && std::io::stderr().is_terminal();
        Display {
            lines: shown.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
            limit,
        }
    }

    /// A new line labelled `label` and the reporter that updates it; `None` when progress
    /// is not shown.
    pub fn line(&self, label: &str) -> Option<(ProgressBar, Reporter)> {
        let lines = self.lines.as_ref()?;
        let limit = self.limit.as_secs_f64();
        // `wide_msg` is cut to the terminal's width, so that a line never wraps.
        let style = ProgressStyle::with_template("{spinner} {prefix}{wide_msg} {clock}")
            .expect("a valid progress template")
            .with_key("clock", move |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.1}/{limit:.0} s", state.elapsed().as_secs_f64());
            });
        let bar = ProgressBar::new_spinner()
            .with_style(style)
            .with_prefix(if label.is_empty() {
                String::new()
            } else {
                format!("{label:<16} ")
            })
            .with_message("waiting");
        let bar = lines.add(bar);
        bar.enable_steady_tick(TICK);
        let shown = bar.clone();
        let reporter = Reporter::new(move |p| {
            if p.phase == Phase::Done {
                // Stops the clock and the spinner; the line stays until the command clears it.
                shown.finish_with_message(describe(p));
            } else {
                shown.set_message(describe(p));
            }
        });
        Some((bar, reporter))
    }
}

/// One progress report as the line shows it; costs are per hour.
fn describe(p: &Progress) -> String {
    let phase = p.phase.name();
    match p.best_cost {
        None => format!("{phase:<17}  searching for a first plan"),
        // The gap first: on a narrow terminal the line is cut from the right.
        Some(cost) => format!(
            "{phase:<17}  gap {:.2} %  best ${}  bound ${}",
            100.0 * gap(cost, p.lower_bound),
            money(cost),
            money(cents4_floor(p.lower_bound))
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_reads_phase_cost_bound_and_gap() {
        let line = describe(&Progress {
            phase: Phase::Dives,
            best_cost: Some(10.0),
            lower_bound: 9.499_999_99,
        });
        // The bound rounds down, as in the summary, so that what is shown is still a bound.
        assert_eq!(line, "dives              gap 5.00 %  best $10.0000  bound $9.4999");
        let first = describe(&Progress {
            phase: Phase::FirstPlan,
            best_cost: None,
            lower_bound: 0.0,
        });
        assert_eq!(first, "first plan         searching for a first plan");
    }
}
