//! Benchmark suites: instances the project generates with known optima, realistic
//! workloads, and the public vector-packing sets read from `.vbp` files. This module runs
//! one instance at a time, verifies every packing (the ECS checker for the built-in suite,
//! the engine's own check for `.vbp`), and turns the outcomes into the results CSV and a
//! summary per family.
//!
//! The gap of a result is `(found − reference) / reference`, against the known optimum
//! where there is one, else against ecsplan's proven bound: the definition the published
//! vector-packing results use, so the two columns of the summary compare directly.

pub mod families;
pub mod fills;
mod fleet;
pub mod mix;
pub mod ports;
pub mod realistic;
pub mod vbp;

use std::time::Instant;

use comfy_table::Cell;

use crate::check;
use crate::ecs::lower::{self, NoPlan};
use crate::ecs::placement;
use crate::ecs::rules::TypePatterns;
use crate::engine::{self, Settings};
use crate::output::{self, table::right};
use families::EcsCase;
use vbp::{KnownResult, VbpInstance};

/// Relative tolerance of every cost comparison (`docs/rules.md`).
const TOLERANCE: f64 = 1e-6;

/// The outcome of one instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The cost found equals the known optimum or meets the proven bound.
    Optimal,
    Feasible,
    /// The packing broke a rule, or contradicts the known optimum: a bug, never counted.
    Invalid,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Optimal => "optimal",
            Status::Feasible => "feasible",
            Status::Invalid => "invalid",
        }
    }
}

/// What the costs of a benchmark count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Vector packing: bins of price 1.
    Bins,
    /// ECS: dollars per hour.
    DollarsPerHour,
}

impl Unit {
    /// A cost as the results CSV writes it.
    pub fn format(self, cost: f64) -> String {
        match self {
            Unit::Bins => format!("{cost:.0}"),
            Unit::DollarsPerHour => output::money(cost),
        }
    }
}

/// One row of the results.
#[derive(Debug, Clone)]
pub struct BenchResult {
    pub family: String,
    /// `family/name`.
    pub instance: String,
    pub unit: Unit,
    /// The known optimum, when given.
    pub optimum: Option<f64>,
    /// ecsplan's proven lower bound.
    pub bound: f64,
    /// The cost of the packing found.
    pub found: f64,
    pub status: Status,
    pub seconds: f64,
    /// The best published heuristic result, for `.vbp` instances whose summary gives it.
    pub published_best: Option<f64>,
    /// What made the result invalid.
    pub problems: Vec<String>,
}

impl BenchResult {
    /// Builds a result and judges it: `problems` already holds the rules the packing broke.
    fn judge(
        head: ResultHead,
        optimum: Option<f64>,
        bound: f64,
        found: f64,
        seconds: f64,
        mut problems: Vec<String>,
    ) -> BenchResult {
        if let Some(opt) = optimum {
            if found < opt - TOLERANCE * opt {
                problems.push(format!("the cost found {found} is below the known optimum {opt}"));
            }
            if bound > opt + TOLERANCE * opt {
                problems.push(format!("the proven bound {bound} is above the known optimum {opt}"));
            }
        }
        let reference = optimum.unwrap_or(bound);
        let status = if !problems.is_empty() {
            Status::Invalid
        } else if found - reference <= TOLERANCE * found || found - bound <= TOLERANCE * found {
            Status::Optimal
        } else {
            Status::Feasible
        };
        BenchResult {
            family: head.family,
            instance: head.instance,
            unit: head.unit,
            optimum,
            bound,
            found,
            status,
            seconds,
            published_best: head.published_best,
            problems,
        }
    }

    /// The known optimum, else the proven bound.
    pub fn optimum_or_bound(&self) -> f64 {
        self.optimum.unwrap_or(self.bound)
    }

    /// `(found − reference) / reference`, 0 when the reference is 0.
    pub fn gap(&self) -> f64 {
        relative_gap(self.found, self.optimum_or_bound())
    }
}

/// How far `found` is above `reference`, relative to the reference, clamped at 0.
pub fn relative_gap(found: f64, reference: f64) -> f64 {
    if reference <= 0.0 {
        0.0
    } else {
        ((found - reference) / reference).max(0.0)
    }
}

/// The parts of a result known before solving.
struct ResultHead {
    family: String,
    instance: String,
    unit: Unit,
    published_best: Option<f64>,
}

/// Solves a vector-packing instance and verifies the packing, against the engine's rules
/// and against the file's signed weights.
pub fn run_vbp(
    family: &str,
    name: &str,
    instance: &VbpInstance,
    known: Option<&KnownResult>,
    settings: &Settings,
) -> BenchResult {
    let problem = &instance.problem;
    let start = Instant::now();
    let solved = engine::solve(problem, settings);
    let seconds = start.elapsed().as_secs_f64();
    let packing = solved.packing.expand();
    let problems: Vec<String> = packing
        .verify(problem)
        .and_then(|()| instance.verify(&packing))
        .err()
        .into_iter()
        .collect();
    let bound = instance.bound(solved.lower_bound);
    let head = ResultHead {
        family: family.to_string(),
        instance: format!("{family}/{name}"),
        unit: Unit::Bins,
        published_best: known.and_then(|k| k.best_heuristic).map(|b| b as f64),
    };
    let optimum = known.and_then(|k| k.optimum).map(|o| o as f64);
    BenchResult::judge(head, optimum, bound, instance.bins(&packing), seconds, problems)
}

/// Plans a generated ECS instance through the whole pipeline (lower, solve, back to a
/// plan) and runs the independent checker on the plan.
pub fn run_ecs(family: &str, name: &str, case: &EcsCase, settings: &Settings) -> Result<BenchResult, NoPlan> {
    let start = Instant::now();
    let lowered = lower::lower(&case.workload, &case.catalog, &case.figures)?;
    let solved = engine::solve(&lowered.problem, settings);
    let seconds = start.elapsed().as_secs_f64();
    let plan = lower::to_plan(&lowered, &solved.packing, &case.workload, &case.catalog);
    let all_types = TypePatterns::new(&[]).expect("no patterns");
    let report = check::check_instances(
        &case.workload,
        &case.catalog,
        &case.figures,
        &all_types,
        &placement::instance_rows(&plan),
    );
    let mut problems: Vec<String> = report.violations.iter().map(ToString::to_string).collect();
    let checked_cost = report.cost_per_hour();
    if (checked_cost - solved.cost).abs() > TOLERANCE * solved.cost.max(1.0) {
        problems.push(format!(
            "the solver reports cost {} but the plan costs {checked_cost}",
            solved.cost
        ));
    }
    let head = ResultHead {
        family: family.to_string(),
        instance: format!("{family}/{name}"),
        unit: Unit::DollarsPerHour,
        published_best: None,
    };
    Ok(BenchResult::judge(
        head,
        case.optimum,
        solved.lower_bound,
        checked_cost,
        seconds,
        problems,
    ))
}

/// The instances to run: those whose id contains `filter`, then at most `sample` of them
/// (0 = all) spread evenly over the list, in list order.
pub fn select<T>(all: Vec<T>, id: impl Fn(&T) -> String, filter: Option<&str>, sample: usize) -> Vec<T> {
    let matching: Vec<T> = all
        .into_iter()
        .filter(|t| filter.map_or(true, |f| id(t).contains(f)))
        .collect();
    if sample == 0 || sample >= matching.len() {
        return matching;
    }
    let n = matching.len();
    let picks: Vec<usize> = (0..sample).map(|i| i * n / sample).collect();
    matching
        .into_iter()
        .enumerate()
        .filter(|(i, _)| picks.binary_search(i).is_ok())
        .map(|(_, t)| t)
        .collect()
}

/// The results CSV: `instance, optimum_or_bound, found, gap, status, seconds`.
pub fn results_csv(results: &[BenchResult]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["instance", "optimum_or_bound", "found", "gap", "status", "seconds"])?;
    for r in results {
        w.write_record([
            r.instance.clone(),
            r.unit.format(r.optimum_or_bound()),
            r.unit.format(r.found),
            format!("{:.6}", r.gap()),
            r.status.as_str().to_string(),
            format!("{:.3}", r.seconds),
        ])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Figures of one family. The targets count the instances whose optimum is known; the
/// others are judged against ecsplan's own proven bound.
#[derive(Debug, Clone, PartialEq)]
pub struct FamilySummary {
    pub family: String,
    pub instances: usize,
    pub invalid: usize,
    /// Over the instances with a known optimum: how many, the share solved to
    /// optimality (in [0, 1]) and the mean gap to the optimum.
    pub known: Option<(usize, f64, f64)>,
    /// Over the instances without: how many, how many proven optimal, and the mean gap
    /// to the proven bound.
    pub unknown: Option<(usize, usize, f64)>,
    pub median_seconds: f64,
    pub max_seconds: f64,
    /// Over the instances with a known optimum and a published result: the share where
    /// the best published heuristic reached the optimum, and its mean gap.
    pub published: Option<(f64, f64)>,
}

/// One summary per family, in order of first appearance; after the last family of a set
/// of several (`Panigrahy/class1`, `Panigrahy/class2`, …), a row `Panigrahy (all)`.
pub fn summarize(results: &[BenchResult]) -> Vec<FamilySummary> {
    let set_of = |family: &str| family.split_once('/').map(|(set, _)| set.to_string());
    let mut groups: Vec<(String, Vec<&BenchResult>)> = Vec::new();
    for r in results {
        match groups.iter_mut().find(|(f, _)| *f == r.family) {
            Some((_, rows)) => rows.push(r),
            None => groups.push((r.family.clone(), vec![r])),
        }
    }
    let mut with_sets: Vec<(String, Vec<&BenchResult>)> = Vec::new();
    for (i, (family, rows)) in groups.iter().enumerate() {
        with_sets.push((family.clone(), rows.clone()));
        let set = set_of(family);
        let last_of_set = groups.get(i + 1).map_or(true, |(next, _)| set_of(next) != set);
        if let Some(set) = set.filter(|_| last_of_set) {
            let members: Vec<&BenchResult> = groups
                .iter()
                .filter(|(f, _)| set_of(f).as_ref() == Some(&set))
                .flat_map(|(_, r)| r.iter().copied())
                .collect();
            if members.len() > rows.len() {
                with_sets.push((format!("{set} (all)"), members));
            }
        }
    }
    with_sets
        .into_iter()
        .map(|(family, rows)| {
            let mut seconds: Vec<f64> = rows.iter().map(|r| r.seconds).collect();
            seconds.sort_by(f64::total_cmp);
            let median = if seconds.len() % 2 == 1 {
                seconds[seconds.len() / 2]
            } else {
                (seconds[seconds.len() / 2 - 1] + seconds[seconds.len() / 2]) / 2.0
            };
            let published: Vec<(f64, f64)> = rows
                .iter()
                .filter_map(|r| Some((r.published_best?, r.optimum?)))
                .collect();
            let published = (!published.is_empty()).then(|| {
                let k = published.len() as f64;
                let reached = published.iter().filter(|(b, o)| b - o <= TOLERANCE * o).count() as f64;
                (
                    reached / k,
                    published.iter().map(|&(b, o)| relative_gap(b, o)).sum::<f64>() / k,
                )
            });
            let (known, unknown): (Vec<&BenchResult>, Vec<&BenchResult>) =
                rows.iter().partition(|r| r.optimum.is_some());
            let optimal = |rows: &[&BenchResult]| rows.iter().filter(|r| r.status == Status::Optimal).count();
            let mean_gap = |rows: &[&BenchResult]| rows.iter().map(|r| r.gap()).sum::<f64>() / rows.len() as f64;
            FamilySummary {
                family,
                instances: rows.len(),
                invalid: rows.iter().filter(|r| r.status == Status::Invalid).count(),
                known: (!known.is_empty()).then(|| {
                    (
                        known.len(),
                        optimal(&known) as f64 / known.len() as f64,
                        mean_gap(&known),
                    )
                }),
                unknown: (!unknown.is_empty()).then(|| (unknown.len(), optimal(&unknown), mean_gap(&unknown))),
                median_seconds: median,
                max_seconds: seconds.last().copied().unwrap_or(0.0),
                published,
            }
        })
        .collect()
}

/// The summary as a terminal table.
pub fn summary_table(summaries: &[FamilySummary]) -> String {
    let with_published = summaries.iter().any(|s| s.published.is_some());
    let mut header = vec![
        "family",
        "instances",
        "OPT known",
        "optimal",
        "mean gap",
        "OPT unknown",
        "proven optimal",
        "gap to bound",
        "median s",
        "max s",
        "invalid",
    ];
    if with_published {
        header.extend(["published best = OPT", "published mean gap"]);
    }
    let mut table = output::table::new(header);
    let pct = |x: f64| format!("{:.1} %", 100.0 * x);
    let gap = |x: f64| format!("{:.2} %", 100.0 * x);
    for s in summaries {
        let (known, share, known_gap) = match s.known {
            Some((n, share, g)) => (n.to_string(), pct(share), gap(g)),
            None => ("0".into(), "-".into(), "-".into()),
        };
        let (unknown, proven, bound_gap) = match s.unknown {
            Some((n, proven, g)) => (n.to_string(), proven.to_string(), gap(g)),
            None => ("0".into(), "-".into(), "-".into()),
        };
        let mut row = vec![
            Cell::new(&s.family),
            right(s.instances),
            right(known),
            right(share),
            right(known_gap),
            right(unknown),
            right(proven),
            right(bound_gap),
            right(format!("{:.2}", s.median_seconds)),
            right(format!("{:.2}", s.max_seconds)),
            right(s.invalid),
        ];
        if with_published {
            let (share, gap) = match s.published {
                Some((share, gap)) => (pct(share), format!("{:.2} %", 100.0 * gap)),
                None => ("-".into(), "-".into()),
            };
            row.extend([right(share), right(gap)]);
        }
        table.add_row(row);
    }
    let mut out = table.to_string();
    out.push('\n');
    out.push_str(
        "optimal, mean gap: over the instances whose optimum is known, (found − optimum) / optimum; \
         proven optimal, gap to bound: over the others, against ecsplan's proven bound\n",
    );
    if with_published {
        out.push_str(
            "published: the best of the published heuristics per instance, over the instances with a known optimum\n",
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head() -> ResultHead {
        ResultHead {
            family: "f".into(),
            instance: "f/a".into(),
            unit: Unit::Bins,
            published_best: None,
        }
    }

    #[test]
    fn status_follows_the_optimum_then_the_bound() {
        assert_eq!(
            BenchResult::judge(head(), Some(10.0), 9.0, 10.0, 0.1, vec![]).status,
            Status::Optimal
        );
        let r = BenchResult::judge(head(), Some(10.0), 9.0, 11.0, 0.1, vec![]);
        assert_eq!(r.status, Status::Feasible);
        assert!((r.gap() - 0.1).abs() < 1e-12);
        assert_eq!(
            BenchResult::judge(head(), None, 11.0, 11.0, 0.1, vec![]).status,
            Status::Optimal
        );
        assert_eq!(
            BenchResult::judge(head(), None, 10.0, 11.0, 0.1, vec![]).status,
            Status::Feasible
        );
    }

    #[test]
    fn a_cost_below_the_optimum_or_a_broken_rule_is_invalid() {
        assert_eq!(
            BenchResult::judge(head(), Some(10.0), 9.0, 9.0, 0.1, vec![]).status,
            Status::Invalid
        );
        assert_eq!(
            BenchResult::judge(head(), Some(10.0), 11.0, 12.0, 0.1, vec![]).status,
            Status::Invalid
        );
        assert_eq!(
            BenchResult::judge(head(), None, 9.0, 10.0, 0.1, vec!["over".into()]).status,
            Status::Invalid
        );
    }

    #[test]
    fn sample_spreads_evenly_and_filter_comes_first() {
        let all: Vec<u32> = (0..10).collect();
        assert_eq!(select(all.clone(), |x| x.to_string(), None, 3), vec![0, 3, 6]);
        assert_eq!(select(all.clone(), |x| x.to_string(), None, 0).len(), 10);
        assert_eq!(select(all.clone(), |x| x.to_string(), Some("1"), 5), vec![1]);
        let all: Vec<u32> = (0..100).collect();
        assert_eq!(select(all, |x| format!("n{x}"), Some("n"), 4), vec![0, 25, 50, 75]);
    }

    #[test]
    fn summary_counts_per_family_in_order() {
        let mk = |family: &str, found: f64, opt: f64, best: Option<f64>, s: f64| {
            let h = ResultHead {
                family: family.into(),
                instance: format!("{family}/x"),
                unit: Unit::Bins,
                published_best: best,
            };
            BenchResult::judge(h, Some(opt), opt - 1.0, found, s, vec![])
        };
        let rows = vec![
            mk("b", 10.0, 10.0, Some(11.0), 1.0),
            mk("a", 12.0, 10.0, None, 3.0),
            mk("b", 20.0, 20.0, Some(20.0), 2.0),
            mk("b", 22.0, 20.0, Some(22.0), 4.0),
        ];
        let s = summarize(&rows);
        assert_eq!(s[0].family, "b");
        assert_eq!(s[0].instances, 3);
        let (known, share, gap) = s[0].known.unwrap();
        assert_eq!(known, 3);
        assert!((share - 2.0 / 3.0).abs() < 1e-12);
        assert!((gap - 0.1 / 3.0).abs() < 1e-12);
        assert_eq!(s[0].unknown, None);
        assert_eq!((s[0].median_seconds, s[0].max_seconds), (2.0, 4.0));
        let (share, gap) = s[0].published.unwrap();
        assert!((share - 1.0 / 3.0).abs() < 1e-12 && (gap - 0.2 / 3.0).abs() < 1e-12);
        assert_eq!(s[1].published, None);
        assert_eq!(s.len(), 2);
        let sets = summarize(&[
            mk("S/c1", 10.0, 10.0, None, 1.0),
            mk("S/c2", 12.0, 10.0, None, 2.0),
            mk("T/c1", 1.0, 1.0, None, 1.0),
        ]);
        let names: Vec<&str> = sets.iter().map(|s| s.family.as_str()).collect();
        assert_eq!(names, vec!["S/c1", "S/c2", "S (all)", "T/c1"]);
        assert_eq!((sets[2].instances, sets[2].known.unwrap().1), (2, 0.5));
        let h = ResultHead {
            family: "u".into(),
            instance: "u/x".into(),
            unit: Unit::Bins,
            published_best: None,
        };
        let unknown = summarize(&[
            BenchResult::judge(h, None, 10.0, 10.0, 1.0, vec![]),
            mk("u", 11.0, 10.0, None, 1.0),
        ]);
        assert_eq!(unknown[0].unknown, Some((1, 1, 0.0)));
        assert_eq!(unknown[0].known.map(|k| k.0), Some(1));
        let csv = String::from_utf8(results_csv(&rows).unwrap()).unwrap();
        assert_eq!(
            csv.lines().next(),
            Some("instance,optimum_or_bound,found,gap,status,seconds")
        );
        assert_eq!(csv.lines().nth(2), Some("a/x,10,12,0.200000,feasible,3.000"));
    }
}
