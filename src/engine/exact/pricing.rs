//! Pricing: for one bin type and the master's dual values, the pattern of greatest dual
//! value that fits the bin — a bounded multi-dimensional knapsack with per-bin caps and
//! conflict groups. Fractional bounds first (per resource, surrogate, and Lagrangian over
//! every resource and the conflict groups): types they rule out are done. Then greedy
//! orders (fast, several columns) and, unless the round asks for greedy fills only (a
//! dive's steps), a branch and bound, to the end in exact rounds and for a few thousand
//! nodes in quick ones; cut short, it still leaves the valid upper bound on the best
//! pattern that the Farley bound needs. Exact rounds first try a dynamic program over the
//! binding resources ([`super::dynamic`]): where it proves its pattern best, the type is
//! done without a search; where not, its tables bound the search's nodes. Types whose
//! search was cut short are searched again above the ratio the others proved
//! ([`Pricer::tighten`]), so that one large type does not hold the bound down. An exact
//! round may first price only the types that found columns in the last one
//! ([`Pricer::price_found`]).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use super::dynamic;
use crate::engine::packing::Bin;
use crate::engine::problem::{BinTypeId, ItemId, Problem};

/// A pattern's dual value must beat its price by this relative margin to count as an
/// improving column: below it, the LP solver's own tolerances decide and columns cycle.
pub const IMPROVING: f64 = 1e-6;

/// Dual values below this are treated as zero: such items add nothing to a pattern.
pub(super) const DUAL_ZERO: f64 = 1e-9;

/// Seeded greedy fills run while candidates × seeds stay under this, per type and round.
const SEEDED_WORK: usize = 200_000;

/// Branch-and-bound nodes per bin type and round before giving up on exactness.
const NODE_LIMIT: u64 = 400_000;
/// The same in heuristic rounds.
const QUICK_NODE_LIMIT: u64 = 4_000;
/// A type whose last exact search was cut short with nothing found gets a quick search in
/// exact rounds, but in every this many: on a real catalog the same few large types reach
/// the node limit round after round, and those searches took most of every exact round.
pub(super) const RETRY_ROUNDS: usize = 4;
/// Partial exact rounds ([`Pricer::price_found`]) in a row, at most: every so many exact
/// rounds one prices every type, so that the bound still rises and the types left out get
/// their turn while a few types go on finding a column or two a round.
pub(super) const PARTIAL_ROUNDS: usize = 3;
/// Passes of [`Pricer::tighten`], at most.
const TIGHTEN_PASSES: usize = 2;
/// Searches per type of [`Pricer::narrow`], each at a ratio halfway between the last.
pub(super) const NARROWING_STEPS: usize = 4;
/// Their node limit once column generation has found nothing more, when the time left is
/// the root's to spend on its bound; and in the other exact rounds, which find columns.
const NARROWING_NODE_LIMITS: (u64, u64) = (4 * NODE_LIMIT, NODE_LIMIT / 4);
/// Their dynamic program's work and states: a few loose types searched alone can afford
/// what every type in every round cannot, and it proves types of 16 vCPU and 128 GiB
/// that the branch and bound is cut short on.
const NARROWING_DYNAMIC: (usize, (usize, usize)) = (8 * DYNAMIC_WORK, (4 * STATES.0, STATES.1));

/// State updates of the dynamic program per bin type and round, about.
const DYNAMIC_WORK: usize = 1 << 26;
/// Most values in the tables of the dynamic program that bound a branch and bound.
const COMPLETION_VALUES: usize = 1 << 22;
/// States of the dynamic program: whole, and per pass of its line searches.
pub(super) const STATES: (usize, usize) = (dynamic::MOST_STATES, dynamic::MOST_SEARCHED_STATES);

/// The part of pricing that does not change between rounds.
pub struct Pricer<'p> {
    problem: &'p Problem,
    /// `copies[t][i]`: copies of item `i` that an empty bin of type `t` holds alone (0 when
    /// ineligible), counting `max_per_bin`, conflict groups and the item's count.
    copies: Vec<Vec<u32>>,
    groups: Vec<Vec<usize>>,
    memory: ExactMemory,
}

/// What the exact rounds so far tell the next: which types' searches to run to the node
/// limit ([`RETRY_ROUNDS`]), and which types to price first ([`Pricer::price_found`]).
/// Each type's flags are read and written by that type's pricing alone, so the rounds go
/// the same way on any number of threads.
pub(super) struct ExactMemory {
    /// Per type, whether its last search to the limit (or, with `quick_first`, its last
    /// quick search) was cut short with nothing found.
    cut_short: Vec<AtomicBool>,
    /// Per type, whether its last exact pricing found improving columns.
    found: Vec<AtomicBool>,
    /// Exact rounds so far that priced every type, counted from 1 with `quick_first`.
    rounds: AtomicUsize,
    /// Partial rounds since the last exact round that priced every type.
    partial: AtomicUsize,
    /// Whether quick rounds count ([`ExactMemory::new`]).
    quick_first: bool,
}

impl ExactMemory {
    /// With `quick_first`, the quick rounds' searches count as searches to the limit
    /// ([`ExactMemory::record_quick`]), and the first exact round that searches every
    /// type to the limit is the [`RETRY_ROUNDS`]th, not the first: for a large master on
    /// several bin types, whose root prices quick rounds before any exact one. On a few
    /// hundred rows the root converges in its time, and the first exact round's proofs
    /// raise its bound sooner.
    pub(super) fn new(types: usize, quick_first: bool) -> Self {
        ExactMemory {
            cut_short: (0..types).map(|_| AtomicBool::new(false)).collect(),
            found: (0..types).map(|_| AtomicBool::new(false)).collect(),
            rounds: AtomicUsize::new(usize::from(quick_first)),
            partial: AtomicUsize::new(0),
            quick_first,
        }
    }

    /// Starts an exact round: whether it searches every type to the limit.
    pub(super) fn start_round(&self) -> bool {
        self.partial.store(0, Ordering::Relaxed);
        self.rounds.fetch_add(1, Ordering::Relaxed) % RETRY_ROUNDS == 0
    }

    /// Whether type `t` is searched to the limit in a round that `start_round` began.
    pub(super) fn to_the_limit(&self, t: BinTypeId, every_type: bool) -> bool {
        every_type || !self.cut_short[t].load(Ordering::Relaxed)
    }

    /// Records how type `t`'s exact pricing ended, searched to the limit or not.
    pub(super) fn record(&self, t: BinTypeId, priced: &Priced, to_the_limit: bool) {
        if to_the_limit {
            self.record_search(t, priced);
        }
        self.found[t].store(!priced.columns.is_empty(), Ordering::Relaxed);
    }

    /// Records how type `t`'s search in a quick round ended, where quick rounds count
    /// ([`ExactMemory::new`]): on thousands of services and a catalog of hundreds of
    /// types, a type whose quick search is cut short with nothing found is cut short at
    /// the limit too, and a first exact round that searched every type to the limit took
    /// seconds for the columns of the few types that find them within thousands of nodes.
    pub(super) fn record_quick(&self, t: BinTypeId, priced: &Priced) {
        if self.quick_first {
            self.record_search(t, priced);
        }
    }

    /// Records whether type `t`'s search was cut short with nothing found.
    fn record_search(&self, t: BinTypeId, priced: &Priced) {
        self.cut_short[t].store(!priced.exact && priced.columns.is_empty(), Ordering::Relaxed);
    }

    /// The types whose last exact pricing found improving columns.
    fn found(&self) -> Vec<BinTypeId> {
        (0..self.found.len())
            .filter(|&t| self.found[t].load(Ordering::Relaxed))
            .collect()
    }
}

/// How hard a pricing round searches each bin type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effort {
    /// The fractional bound and the greedy fills: improving columns, no proof. What a
    /// dive's steps need, where the search's bound would go unused.
    Greedy,
    /// Besides, the Lagrangian bound and a branch and bound cut short after a few thousand
    /// nodes: the bound of a heuristic round at the root.
    Quick,
    /// The branch and bound to the end where it finishes in time: a proof that no column
    /// improves. A type whose last such search was cut short with nothing found gets a
    /// quick one, but in every [`RETRY_ROUNDS`]th exact round.
    Exact,
}

impl Effort {
    /// The next harder effort (exact stays exact).
    pub fn harder(self) -> Effort {
        match self {
            Effort::Greedy => Effort::Quick,
            Effort::Quick | Effort::Exact => Effort::Exact,
        }
    }
}

/// What pricing found for one bin type.
#[derive(Debug, Clone)]
pub struct Priced {
    /// Improving patterns, best first.
    pub columns: Vec<(f64, Bin)>,
    /// An upper bound on the dual value of every pattern that fits this bin type.
    pub upper_bound: f64,
    /// True when `upper_bound` is the exact best value (or proves that nothing improves).
    pub exact: bool,
}

impl<'p> Pricer<'p> {
    pub fn new(problem: &'p Problem) -> Self {
        let groups = problem.groups_of_items();
        let copies = (0..problem.bin_types.len())
            .map(|t| {
                problem
                    .items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        if item.eligible.binary_search(&t).is_ok() {
                            problem.max_copies_alone(i, t, !groups[i].is_empty())
                        } else {
                            0
                        }
                    })
                    .collect()
            })
            .collect();
        // A large master on several types: its quick rounds tell the exact rounds which
        // types to search to the limit.
        let quick_first = problem.bin_types.len() > 1 && super::master::is_large_for(problem);
        Pricer {
            problem,
            copies,
            groups,
            memory: ExactMemory::new(problem.bin_types.len(), quick_first),
        }
    }

    /// The knapsack of bin type `t` over every item that fits it, those without dual value
    /// last: what enumerating whole patterns needs.
    pub(super) fn knapsack_of_all(&self, t: BinTypeId, duals: &[f64]) -> Knapsack {
        Knapsack::tightest(self.problem, t, duals, &self.copies[t], &self.groups, true)
    }

    /// Copies of `item` that a bin of type `bin_type` holds alone.
    pub fn copies_alone(&self, item: ItemId, bin_type: BinTypeId) -> u32 {
        self.copies[bin_type][item]
    }

    /// Prices every bin type in parallel (results in bin-type order). Each type first gets
    /// a cheap fractional bound; types whose bound cannot beat their price are done. The
    /// others get the greedy orders, and the search that `effort` asks for (in exact
    /// rounds, a quick one for the types [`ExactMemory`] passes over).
    pub fn price(&self, duals: &[f64], effort: Effort, per_type: usize, deadline: Instant) -> Vec<Priced> {
        let round = Round::new(self.problem, duals, effort, per_type, deadline);
        let every_type = effort == Effort::Exact && self.memory.start_round();
        (0..self.problem.bin_types.len())
            .into_par_iter()
            .map(|t| {
                let to_the_limit = effort == Effort::Exact && self.memory.to_the_limit(t, every_type);
                let priced = self.price_type(t, &round, to_the_limit, 1.0);
                match effort {
                    Effort::Exact => self.memory.record(t, &priced, to_the_limit),
                    Effort::Quick => self.memory.record_quick(t, &priced),
                    Effort::Greedy => {}
                }
                priced
            })
            .collect()
    }

    /// Partial pricing: an exact pricing of the types whose last exact pricing found
    /// improving columns, the others left unpriced (their bound infinite, until
    /// [`Pricer::tighten`] searches them above the ratio these prove). Near convergence
    /// the greedy and quick rounds find nothing, and an exact round, which proves every
    /// type of a real catalog, took a second and found a few dozen columns, mostly of the
    /// types that had found them the round before.
    /// `None` when no type or every type found columns last time, after
    /// [`PARTIAL_ROUNDS`] partial rounds in a row, or when none finds any now: the round
    /// then prices every type.
    pub fn price_found(&self, duals: &[f64], per_type: usize, deadline: Instant) -> Option<Vec<Priced>> {
        let types = self.memory.found();
        let partial = self.memory.partial.load(Ordering::Relaxed);
        if types.is_empty() || types.len() == self.problem.bin_types.len() || partial >= PARTIAL_ROUNDS {
            return None;
        }
        let round = Round::new(self.problem, duals, Effort::Exact, per_type, deadline);
        let found: Vec<(BinTypeId, Priced)> = types
            .par_iter()
            .map(|&t| {
                let to_the_limit = self.memory.to_the_limit(t, false);
                let priced = self.price_type(t, &round, to_the_limit, 1.0);
                self.memory.record(t, &priced, to_the_limit);
                (t, priced)
            })
            .collect();
        if found.iter().all(|(_, p)| p.columns.is_empty()) {
            return None;
        }
        let mut priced: Vec<Priced> = (0..self.problem.bin_types.len())
            .map(|_| Priced {
                columns: Vec::new(),
                upper_bound: f64::INFINITY,
                exact: false,
            })
            .collect();
        for (t, p) in found {
            priced[t] = p;
        }
        self.memory.partial.store(partial + 1, Ordering::Relaxed);
        Some(priced)
    }

    /// Tightens the bounds of an exact round's `priced` where its searches were cut short.
    /// Farley's bound takes the worst type's ratio of bound to price, and a search cut
    /// short leaves its type at the root's ratio: a few large types whose patterns hold
    /// tens of tasks then hold the bound down, well above the ratio that every other type
    /// proved. Those types are searched once more, for the patterns above that ratio
    /// alone: a search that prunes everything below it ends far sooner, and where it ends
    /// it bounds its type at that ratio, or finds the patterns above it. Nothing is
    /// searched unless the bound at that ratio would beat `beat`. The types a partial round
    /// left unpriced ([`Pricer::price_found`]) are searched the same way.
    pub fn tighten(&self, duals: &[f64], priced: &mut [Priced], per_type: usize, beat: f64, deadline: Instant) {
        let problem = self.problem;
        let ratio = |t: BinTypeId, p: &Priced| p.upper_bound / problem.bin_types[t].price;
        let worth = worth(problem, duals);
        // With no type proved, there is no ratio to search above.
        let Some(mut proved) = proved_ratio(problem, priced) else {
            return;
        };
        let mut loose: Vec<BinTypeId> = (0..priced.len()).filter(|&t| !priced[t].exact).collect();
        let round = Round::new(problem, duals, Effort::Exact, per_type, deadline);
        // A type searched again may prove a ratio above the others': the types whose
        // search at the lower one was cut short get one more at that.
        for _ in 0..TIGHTEN_PASSES {
            loose.retain(|&t| ratio(t, &priced[t]) > proved * (1.0 + IMPROVING));
            if loose.is_empty() || worth / proved <= beat {
                return;
            }
            let again: Vec<(BinTypeId, Priced)> = loose
                .par_iter()
                .map(|&t| (t, self.price_type(t, &round, true, proved)))
                .collect();
            let mut raised = proved;
            loose.clear();
            for (t, found) in again {
                let p = &mut priced[t];
                // Cut short, a search still bounds its type: at its fractional bounds.
                p.upper_bound = p.upper_bound.min(found.upper_bound);
                if found.exact {
                    raised = raised.max(ratio(t, p));
                } else {
                    loose.push(t);
                }
                p.columns.extend(found.columns);
            }
            if raised == proved {
                return;
            }
            proved = raised;
        }
    }

    /// Narrows the bounds that an exact round's searches still leave loose after
    /// [`Pricer::tighten`], by bisection: each type is searched above a ratio halfway
    /// between the ratio the other types proved and its own bound, lower where the search
    /// ends in time, higher where it is cut short. When column generation finds nothing
    /// more but a few large types cannot be proved, Farley's bound would stay at their
    /// root ratio, a few percent below the LP's value; bounded at a fraction of a percent
    /// above the rest, they let it rise to within that fraction of the LP's. A search that
    /// ends in time with patterns above its ratio has found improving columns: the type's
    /// bisection stops there. Where the round found columns, column generation goes on and
    /// the searches are shorter ([`NARROWING_NODE_LIMITS`]). Nothing is searched unless
    /// the bound could beat `beat`.
    pub fn narrow(&self, duals: &[f64], priced: &mut [Priced], per_type: usize, beat: f64, deadline: Instant) {
        let problem = self.problem;
        let ratio = |t: BinTypeId, p: &Priced| p.upper_bound / problem.bin_types[t].price;
        let Some(proved) = proved_ratio(problem, priced) else {
            return;
        };
        // Farley's bound is the duals' worth over the worst ratio: above this one it
        // cannot beat `beat`.
        let needed = worth(problem, duals) / beat;
        let loose: Vec<BinTypeId> = (0..priced.len())
            .filter(|&t| !priced[t].exact && ratio(t, &priced[t]) > proved * (1.0 + IMPROVING))
            .collect();
        if loose.is_empty() || needed <= proved * (1.0 + IMPROVING) {
            return;
        }
        let mut round = Round::new(problem, duals, Effort::Exact, per_type, deadline);
        let stuck = priced.iter().all(|p| p.columns.is_empty());
        round.node_limit = if stuck {
            NARROWING_NODE_LIMITS.0
        } else {
            NARROWING_NODE_LIMITS.1
        };
        (round.dynamic_work, round.states) = NARROWING_DYNAMIC;
        let narrowed: Vec<(BinTypeId, Priced)> = loose
            .par_iter()
            .map(|&t| {
                let price = problem.bin_types[t].price;
                let mut upper_bound = priced[t].upper_bound;
                let mut low = proved;
                let mut columns = Vec::new();
                for _ in 0..NARROWING_STEPS {
                    let high = (upper_bound / price).min(needed);
                    if high <= low * (1.0 + IMPROVING) {
                        break;
                    }
                    let floor = 0.5 * (low + high);
                    let found = self.price_type(t, &round, true, floor);
                    upper_bound = upper_bound.min(found.upper_bound);
                    if !found.columns.is_empty() {
                        columns = found.columns;
                        break;
                    }
                    if !found.exact {
                        low = floor;
                    }
                }
                let narrowed = Priced {
                    columns,
                    upper_bound,
                    exact: false,
                };
                (t, narrowed)
            })
            .collect();
        for (t, found) in narrowed {
            priced[t].upper_bound = found.upper_bound;
            priced[t].columns.extend(found.columns);
        }
    }

    /// Prices type `t` for the patterns whose dual value beats `floor` times its price
    /// (`floor` at least 1): with `exact`, the bound it returns is proven.
    fn price_type(&self, t: BinTypeId, round: &Round, to_the_limit: bool, floor: f64) -> Priced {
        let (duals, effort, per_type, deadline) = (round.duals, round.effort, round.per_type, round.deadline);
        let price = self.problem.bin_types[t].price;
        let cheap = round.orders.bound(self.problem, &self.copies[t], duals, t);
        let target = price * floor.max(1.0) * (1.0 + IMPROVING);
        if cheap <= target {
            return Priced {
                columns: Vec::new(),
                upper_bound: cheap,
                exact: true,
            };
        }
        let knapsack = Knapsack::tightest(self.problem, t, duals, &self.copies[t], &self.groups, false);
        let mut root = knapsack.root_bound().min(cheap);
        let mut prices = None;
        // Greedy rounds skip the Lagrangian bound and the search: their bound goes unused.
        if root > target && effort != Effort::Greedy {
            let (bound, mu) = knapsack.lagrangian_bound();
            root = root.min(bound);
            prices = Some(mu);
        }
        if root <= target {
            return Priced {
                columns: Vec::new(),
                upper_bound: root,
                exact: true,
            };
        }
        let mut pool = Pool::new(per_type, target);
        let mut completion = None;
        // Exact rounds price by dynamic programming where its states are few: in quick
        // ones its passes cost the rounds more than its bound gives.
        if let Some(dynamic) = prices
            .as_deref()
            .filter(|_| effort == Effort::Exact)
            .and_then(|mu| dynamic::price(&knapsack, mu, round.states, round.dynamic_work))
        {
            root = root.min(dynamic.bound);
            let proven = dynamic
                .pattern
                .as_ref()
                .is_some_and(|(value, _)| *value * (1.0 + 1e-9) >= dynamic.bound);
            if let Some((value, counts)) = &dynamic.pattern {
                pool.offer(*value, counts);
            }
            if proven || root <= target {
                knapsack.greedy(&mut pool);
                return Priced {
                    columns: pool.into_columns(&knapsack, t),
                    upper_bound: root,
                    exact: true,
                };
            }
            completion = dynamic.into_completion(&knapsack, COMPLETION_VALUES);
        }
        knapsack.greedy(&mut pool);
        // Heuristic rounds still search small knapsacks (few candidates fit a small bin)
        // to the end: their exact value is what keeps the Farley bound tight.
        let node_limit = match effort {
            Effort::Greedy => {
                return Priced {
                    columns: pool.into_columns(&knapsack, t),
                    upper_bound: root,
                    exact: false,
                }
            }
            Effort::Exact if to_the_limit => round.node_limit,
            Effort::Quick | Effort::Exact => QUICK_NODE_LIMIT,
        };
        let mut search = Search::new(&knapsack, pool, deadline, node_limit, prices.as_deref(), completion);
        search.run();
        let complete = !search.aborted;
        let pool = search.pool;
        // A complete search proves that no pattern beats the pool's threshold or its best.
        let upper_bound = if complete {
            pool.best().max(target).min(root)
        } else {
            root
        };
        Priced {
            columns: pool.into_columns(&knapsack, t),
            upper_bound,
            exact: complete,
        }
    }
}

/// What the pricing of every type in one round shares.
struct Round<'d> {
    duals: &'d [f64],
    orders: DimensionOrders,
    effort: Effort,
    per_type: usize,
    deadline: Instant,
    /// Branch-and-bound nodes of a search to the limit.
    node_limit: u64,
    /// The dynamic program's work and states ([`dynamic::price`]).
    dynamic_work: usize,
    states: (usize, usize),
}

impl<'d> Round<'d> {
    fn new(problem: &Problem, duals: &'d [f64], effort: Effort, per_type: usize, deadline: Instant) -> Self {
        Round {
            duals,
            orders: DimensionOrders::new(problem, duals),
            effort,
            per_type,
            deadline,
            node_limit: NODE_LIMIT,
            dynamic_work: DYNAMIC_WORK,
            states: STATES,
        }
    }
}

/// Items with a positive dual value, sorted per dimension by value per unit of that
/// dimension: shared by all bin types for the single-dimension fractional bounds.
struct DimensionOrders {
    per_dim: Vec<Vec<ItemId>>,
}

impl DimensionOrders {
    fn new(problem: &Problem, duals: &[f64]) -> Self {
        let positive: Vec<ItemId> = (0..problem.items.len()).filter(|&i| duals[i] > DUAL_ZERO).collect();
        let per_dim = (0..problem.dims())
            .map(|d| {
                let mut order = positive.clone();
                let ratio = |i: ItemId| {
                    let s = problem.items[i].size[d];
                    if s == 0 {
                        f64::INFINITY
                    } else {
                        duals[i] / s as f64
                    }
                };
                order.sort_by(|&a, &b| ratio(b).total_cmp(&ratio(a)).then(a.cmp(&b)));
                order
            })
            .collect();
        DimensionOrders { per_dim }
    }

    /// The least, over dimensions, of the fractional knapsack bound in that dimension alone.
    fn bound(&self, problem: &Problem, copies: &[u32], duals: &[f64], t: BinTypeId) -> f64 {
        let capacity = &problem.bin_types[t].capacity;
        let mut best = f64::INFINITY;
        for (d, order) in self.per_dim.iter().enumerate() {
            let mut room = capacity[d] as f64;
            let mut value = 0.0;
            for &i in order {
                let n = copies[i];
                if n == 0 {
                    continue;
                }
                let s = problem.items[i].size[d] as f64;
                let take = f64::from(n) * s;
                if take <= room {
                    room -= take;
                    value += f64::from(n) * duals[i];
                } else {
                    value += duals[i] * room / s;
                    break;
                }
            }
            best = best.min(value);
        }
        if problem.dims() == 0 {
            best = (0..problem.items.len())
                .map(|i| f64::from(copies[i]) * duals[i].max(0.0))
                .sum();
        }
        best
    }
}

/// The greatest ratio of bound to price among the types whose pricing is proved (at least
/// 1), if any: the ratio that [`Pricer::tighten`] and [`Pricer::narrow`] search above.
fn proved_ratio(problem: &Problem, priced: &[Priced]) -> Option<f64> {
    (priced.iter().zip(&problem.bin_types))
        .filter(|(p, _)| p.exact)
        .map(|(p, bin_type)| (p.upper_bound / bin_type.price).max(1.0))
        .reduce(f64::max)
}

/// What `duals` value all the tasks at: Farley's bound is this over the worst type's ratio.
fn worth(problem: &Problem, duals: &[f64]) -> f64 {
    (problem.items.iter().zip(duals))
        .map(|(item, &pi)| f64::from(item.count) * pi.max(0.0))
        .sum()
}

/// The fractional knapsack bound under one surrogate constraint: Σ_d w_d · size_d ≤
/// Σ_d w_d · capacity_d, with at most `copies` of each candidate. A bin holds few of many
/// candidates, so only the best by value per unit of size are put in order: the first
/// [`FIRST_ORDERED`], then four times as many while the room is not full.
fn surrogate_bound(
    problem: &Problem,
    candidates: &[ItemId],
    duals: &[f64],
    copies: &[u32],
    capacity: &[u64],
    weight: &[f64],
) -> f64 {
    let ratio = |v: f64, s: f64| if s <= 0.0 { f64::INFINITY } else { v / s };
    let mut order: Vec<(f64, f64, f64, ItemId)> = candidates
        .iter()
        .map(|&i| {
            let s = problem.items[i].weighted_size(weight);
            (ratio(duals[i], s), duals[i], s, i)
        })
        .collect();
    let best_first = |a: &(f64, f64, f64, ItemId), b: &(f64, f64, f64, ItemId)| b.0.total_cmp(&a.0).then(a.3.cmp(&b.3));
    let room: f64 = capacity.iter().zip(weight).map(|(&c, w)| c as f64 * w).sum();
    let mut ordered = FIRST_ORDERED.min(order.len());
    loop {
        if ordered < order.len() {
            order.select_nth_unstable_by(ordered, best_first);
        }
        order[..ordered].sort_by(best_first);
        let mut room = room;
        let mut value = 0.0;
        for &(_, v, s, i) in &order[..ordered] {
            let n = f64::from(copies[i]);
            if s <= 0.0 || n * s <= room {
                room -= n * s;
                value += n * v;
            } else {
                return value + v * room / s;
            }
        }
        if ordered == order.len() {
            return value;
        }
        ordered = (4 * ordered).min(order.len());
    }
}

/// Candidates put in order first by [`surrogate_bound`].
const FIRST_ORDERED: usize = 64;

/// One pricing problem: the candidate items of one bin type, sorted by dual value per unit
/// of surrogate size (each dimension weighted by 1 / capacity).
pub(super) struct Knapsack {
    dims: usize,
    pub(super) capacity: Vec<u64>,
    pub(super) items: Vec<ItemId>,
    pub(super) value: Vec<f64>,
    /// `size[j * dims + d]`.
    size: Vec<u64>,
    /// Surrogate size: Σ_d size / capacity.
    surrogate: Vec<f64>,
    /// Per dimension, the candidates by value per unit of that dimension, best first (only
    /// when every item that fits is a candidate: enumeration's knapsack).
    by_dimension: Vec<Vec<usize>>,
    /// Per dimension, the least size of any candidate.
    smallest: Vec<u64>,
    weight: Vec<f64>,
    pub(super) copies: Vec<u32>,
    /// Local conflict-group indices of each candidate.
    pub(super) groups: Vec<Vec<usize>>,
    pub(super) group_count: usize,
}

impl Knapsack {
    /// The knapsack whose surrogate constraint gives the least root bound, among a few
    /// weightings: every resource that the candidates could fill counted alike, and each
    /// such resource alone. Resources the candidates cannot fill even all together get
    /// weight 0: counting them only loosens the bound. Any weights give a valid bound.
    fn tightest(
        problem: &Problem,
        t: BinTypeId,
        duals: &[f64],
        copies: &[u32],
        groups: &[Vec<usize>],
        zero_too: bool,
    ) -> Self {
        let capacity = &problem.bin_types[t].capacity;
        let dims = capacity.len();
        let binding: Vec<usize> = (0..dims)
            .filter(|&d| {
                let demand: u64 = (0..problem.items.len())
                    .filter(|&i| copies[i] > 0 && duals[i] > DUAL_ZERO)
                    .map(|i| u64::from(copies[i]) * problem.items[i].size[d])
                    .sum();
                capacity[d] > 0 && demand > capacity[d]
            })
            .collect();
        let weights = |only: Option<usize>| -> Vec<f64> {
            (0..dims)
                .map(|d| {
                    let counted = binding.contains(&d) && only.map_or(true, |o| o == d);
                    if counted {
                        1.0 / capacity[d] as f64
                    } else {
                        0.0
                    }
                })
                .collect()
        };
        let candidates: Vec<ItemId> = (0..problem.items.len())
            .filter(|&i| copies[i] > 0 && duals[i] > DUAL_ZERO)
            .collect();
        let bound = |w: &[f64]| surrogate_bound(problem, &candidates, duals, copies, capacity, w);
        let mut best_weight = weights(None);
        let mut best_bound = bound(&best_weight);
        let mut consider = |w: Vec<f64>| {
            let b = bound(&w);
            if b < best_bound {
                best_bound = b;
                best_weight = w;
            }
        };
        if binding.len() > 1 {
            for &d in &binding {
                consider(weights(Some(d)));
            }
            // Mixes of two resources: the surrogate dual of the LP relaxation is reached
            // by some weighting, and two resources usually decide it.
            for (a, &d1) in binding.iter().enumerate() {
                for &d2 in &binding[a + 1..] {
                    for mix in [0.2, 0.35, 0.5, 0.65, 0.8] {
                        let mut w = vec![0.0; dims];
                        w[d1] = mix / capacity[d1] as f64;
                        w[d2] = (1.0 - mix) / capacity[d2] as f64;
                        consider(w);
                    }
                }
            }
        }
        Knapsack::new(problem, t, duals, copies, groups, best_weight, zero_too)
    }

    /// The candidates are the items that fit the type and have a positive dual value, or,
    /// with `zero_too`, every item that fits the type (those without value sorted last).
    fn new(
        problem: &Problem,
        t: BinTypeId,
        duals: &[f64],
        copies: &[u32],
        groups: &[Vec<usize>],
        weight: Vec<f64>,
        zero_too: bool,
    ) -> Self {
        let capacity = problem.bin_types[t].capacity.clone();
        let dims = capacity.len();
        let surrogate_of = |i: ItemId| problem.items[i].weighted_size(&weight);
        let mut candidates: Vec<ItemId> = (0..problem.items.len())
            .filter(|&i| copies[i] > 0 && (zero_too || duals[i] > DUAL_ZERO))
            .collect();
        let ratio = |i: ItemId| {
            let s = surrogate_of(i);
            if duals[i] <= DUAL_ZERO {
                f64::NEG_INFINITY
            } else if s <= 0.0 {
                f64::INFINITY
            } else {
                duals[i] / s
            }
        };
        let mut keyed: Vec<(f64, ItemId)> = candidates.iter().map(|&i| (ratio(i), i)).collect();
        keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        candidates = keyed.into_iter().map(|(_, i)| i).collect();
        // Renumber the conflict groups that the candidates touch.
        let mut local = std::collections::BTreeMap::new();
        let cand_groups: Vec<Vec<usize>> = candidates
            .iter()
            .map(|&i| {
                groups[i]
                    .iter()
                    .map(|&g| {
                        let next = local.len();
                        *local.entry(g).or_insert(next)
                    })
                    .collect()
            })
            .collect();
        let value: Vec<f64> = candidates.iter().map(|&i| duals[i]).collect();
        // Only enumeration (every item a candidate) bounds by single resources.
        let by_dimension = (0..if zero_too { dims } else { 0 })
            .map(|d| {
                let ratio = |j: usize| {
                    let s = problem.items[candidates[j]].size[d];
                    if value[j] <= DUAL_ZERO {
                        f64::NEG_INFINITY
                    } else if s == 0 {
                        f64::INFINITY
                    } else {
                        value[j] / s as f64
                    }
                };
                let mut order: Vec<usize> = (0..candidates.len()).collect();
                order.sort_by(|&a, &b| ratio(b).total_cmp(&ratio(a)).then(a.cmp(&b)));
                order
            })
            .collect();
        let smallest = (0..dims)
            .map(|d| candidates.iter().map(|&i| problem.items[i].size[d]).min().unwrap_or(0))
            .collect();
        Knapsack {
            dims,
            value,
            by_dimension,
            smallest,
            size: candidates
                .iter()
                .flat_map(|&i| problem.items[i].size.iter().copied())
                .collect(),
            surrogate: candidates.iter().map(|&i| surrogate_of(i)).collect(),
            copies: candidates.iter().map(|&i| copies[i]).collect(),
            items: candidates,
            capacity,
            weight,
            groups: cand_groups,
            group_count: local.len(),
        }
    }

    pub(super) fn size(&self, j: usize) -> &[u64] {
        &self.size[j * self.dims..(j + 1) * self.dims]
    }

    /// Copies of candidate `j` that fit in `room`, given the conflict groups in use.
    pub(super) fn fits(&self, j: usize, room: &[u64], used: &[bool]) -> u32 {
        if self.groups[j].iter().any(|&g| used[g]) {
            return 0;
        }
        // A division only where the room holds some copies but fewer than counted so far:
        // one resource or none for most candidates, and the search calls this for every
        // candidate at every node.
        let mut n = u64::from(self.copies[j]);
        for (&s, &r) in self.size(j).iter().zip(room) {
            if s.saturating_mul(n) > r {
                if s > r {
                    return 0;
                }
                n = r / s;
            }
        }
        n as u32
    }

    /// The fractional bound from candidate `k` on, for the room left: items that no longer
    /// fit alone are skipped, the rest fill the surrogate capacity in ratio order. Returns
    /// the bound (excluding the value already packed) and the first candidate that fits.
    pub(super) fn bound_from(&self, k: usize, room: &[u64], used: &[bool]) -> (f64, Option<usize>) {
        self.bound_over((k..self.items.len()).map(|j| (j, self.fits(j, room, used))), room)
    }

    /// [`Knapsack::bound_from`] over `(candidate, copies that fit)`, candidates ascending;
    /// it reads no further than the candidate that fills the room.
    fn bound_over(&self, fitting: impl Iterator<Item = (usize, u32)>, room: &[u64]) -> (f64, Option<usize>) {
        let mut capacity: f64 = room.iter().zip(&self.weight).map(|(&r, w)| r as f64 * w).sum();
        let mut value = 0.0;
        let mut first = None;
        for (j, n) in fitting {
            if n == 0 {
                continue;
            }
            first.get_or_insert(j);
            let s = self.surrogate[j];
            let take = f64::from(n) * s;
            if take <= capacity {
                capacity -= take;
                value += f64::from(n) * self.value[j];
            } else {
                value += self.value[j] * capacity / s;
                break;
            }
        }
        (value, first)
    }

    /// The least, over dimensions, of the fractional bound in that dimension alone, over
    /// the candidates from `k` on that still fit: tighter than the surrogate bound where
    /// the duals do not follow one weighting of the resources, and d times dearer.
    pub(super) fn dimension_bound(&self, k: usize, room: &[u64], used: &[bool]) -> f64 {
        let mut best = f64::INFINITY;
        for (d, order) in self.by_dimension.iter().enumerate() {
            let mut left = room[d] as f64;
            let mut value = 0.0;
            for &j in order {
                if j < k || self.value[j] <= DUAL_ZERO {
                    continue;
                }
                let n = self.fits(j, room, used);
                if n == 0 {
                    continue;
                }
                let s = self.size(j)[d] as f64;
                let take = f64::from(n) * s;
                if take <= left {
                    left -= take;
                    value += f64::from(n) * self.value[j];
                } else {
                    value += self.value[j] * left / s;
                    break;
                }
            }
            best = best.min(value);
        }
        best
    }

    /// Whether `room` holds at most one more copy of any candidate: some resource that
    /// every candidate uses has less than twice the least size left.
    pub(super) fn at_most_one_more(&self, room: &[u64]) -> bool {
        self.smallest.iter().zip(room).any(|(&s, &r)| s > 0 && r < 2 * s)
    }

    fn root_bound(&self) -> f64 {
        self.bound_from(0, &self.capacity, &vec![false; self.group_count]).0
    }

    /// The Lagrangian bound: for any resource prices μ ≥ 0, every pattern's value is at
    /// most `μ · capacity` plus the best profit `Σ_j x_j (value_j − μ · size_j)` with
    /// resources free, where at most one candidate of each conflict group counts (each
    /// candidate kept in its first group only: fewer rules, so still a bound). Unlike the
    /// surrogate bound it weighs every resource at once and counts the conflict groups,
    /// which matter where many small tasks bind the same port. The prices start from the
    /// surrogate weighting and improve by exact line searches along each resource.
    fn lagrangian_bound(&self) -> (f64, Vec<f64>) {
        let mut lagrangian = Lagrangian {
            knapsack: self,
            profit: self.value.clone(),
            best: vec![(f64::NEG_INFINITY, usize::MAX); self.group_count],
            scratch: vec![0.0; self.group_count],
            mu: vec![0.0; self.dims],
        };
        let mut value = lagrangian.line_search(&self.weight);
        for _ in 0..LAGRANGIAN_SWEEPS {
            let before = value;
            for d in 0..self.dims {
                if self.capacity[d] == 0 {
                    continue;
                }
                let mut unit = vec![0.0; self.dims];
                unit[d] = 1.0;
                value = value.min(lagrangian.line_search(&unit));
            }
            if value >= before * (1.0 - 1e-6) {
                break;
            }
        }
        (value, lagrangian.mu)
    }

    /// What the Lagrangian bound adds to `μ · room`: `copies × profit` of each candidate
    /// `(j, profit, copies)` with a positive profit, where a conflict group (a candidate's
    /// first) counts its best member once. `best` is scratch per group, all 0, and is left so.
    fn free_profit(&self, terms: impl Iterator<Item = (usize, f64, u32)>, best: &mut [f64]) -> f64 {
        let mut total = 0.0;
        let mut touched = Vec::new();
        for (j, p, n) in terms {
            if p <= 0.0 || n == 0 {
                continue;
            }
            match self.groups[j].first() {
                None => total += f64::from(n) * p,
                Some(&g) => {
                    if best[g] == 0.0 {
                        touched.push(g);
                    }
                    best[g] = best[g].max(p);
                }
            }
        }
        for g in touched {
            total += std::mem::take(&mut best[g]);
        }
        total
    }

    /// Greedy fills in several orders; each complete fill is offered to the pool.
    fn greedy(&self, pool: &mut Pool) {
        let n = self.items.len();
        let surrogate: Vec<usize> = (0..n).collect();
        let by = |key: &dyn Fn(usize) -> f64| {
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| key(b).total_cmp(&key(a)).then(a.cmp(&b)));
            order
        };
        let largest_share = |j: usize| -> f64 {
            let s = self
                .size(j)
                .iter()
                .zip(&self.weight)
                .map(|(&s, w)| s as f64 * w)
                .fold(0.0, f64::max);
            if s <= 0.0 {
                f64::INFINITY
            } else {
                self.value[j] / s
            }
        };
        let orders = [surrogate, by(&largest_share), by(&|j| self.value[j])];
        for order in &orders {
            let mut room = self.capacity.clone();
            let mut used = vec![false; self.group_count];
            let mut counts = vec![0u32; n];
            let mut value = 0.0;
            for &j in order {
                let c = self.fits(j, &room, &used);
                if c > 0 {
                    self.apply(j, c, &mut room, &mut used, &mut counts);
                    value += f64::from(c) * self.value[j];
                }
            }
            pool.offer(value, &counts);
        }
        self.seeded_fills(pool);
        self.dynamic_fill(pool);
    }

    /// Greedy fills in surrogate order, each begun with a different seed candidate: many
    /// distinct patterns per round, which the master needs when there are few bin types.
    fn seeded_fills(&self, pool: &mut Pool) {
        let n = self.items.len();
        let seeds = (2 * pool.limit).min(n);
        if seeds <= 1 || n * seeds > SEEDED_WORK {
            return;
        }
        for seed in 0..seeds {
            let mut room = self.capacity.clone();
            let mut used = vec![false; self.group_count];
            let mut counts = vec![0u32; n];
            let mut value = 0.0;
            for j in std::iter::once(seed).chain((0..n).filter(|&j| j != seed)) {
                let c = self.fits(j, &room, &used);
                if c > 0 {
                    self.apply(j, c, &mut room, &mut used, &mut counts);
                    value += f64::from(c) * self.value[j];
                }
            }
            pool.offer(value, &counts);
        }
    }

    /// A greedy fill that rescores the candidates by value per unit of the room left after
    /// each choice, so the scarce dimension weighs most.
    fn dynamic_fill(&self, pool: &mut Pool) {
        let n = self.items.len();
        if n > 400 {
            return;
        }
        let mut room = self.capacity.clone();
        let mut used = vec![false; self.group_count];
        let mut counts = vec![0u32; n];
        let mut value = 0.0;
        loop {
            let mut best: Option<(f64, usize)> = None;
            for j in 0..n {
                if counts[j] >= self.copies[j] || self.fits(j, &room, &used) == 0 || counts[j] > 0 {
                    continue;
                }
                let load: f64 = self
                    .size(j)
                    .iter()
                    .zip(&room)
                    .filter(|(&s, _)| s > 0)
                    .map(|(&s, &r)| s as f64 / r as f64)
                    .sum();
                let score = if load <= 0.0 {
                    f64::INFINITY
                } else {
                    self.value[j] / load
                };
                if best.map_or(true, |(b, _)| score > b) {
                    best = Some((score, j));
                }
            }
            let Some((_, j)) = best else { break };
            let c = self.fits(j, &room, &used);
            self.apply(j, c, &mut room, &mut used, &mut counts);
            value += f64::from(c) * self.value[j];
        }
        pool.offer(value, &counts);
    }

    pub(super) fn apply(&self, j: usize, c: u32, room: &mut [u64], used: &mut [bool], counts: &mut [u32]) {
        for (r, &s) in room.iter_mut().zip(self.size(j)) {
            *r -= s * u64::from(c);
        }
        for &g in &self.groups[j] {
            used[g] = true;
        }
        counts[j] += c;
    }

    /// Undoes [`Knapsack::apply`].
    pub(super) fn remove(&self, j: usize, c: u32, room: &mut [u64], used: &mut [bool], counts: &mut [u32]) {
        for (r, &s) in room.iter_mut().zip(self.size(j)) {
            *r += s * u64::from(c);
        }
        for &g in &self.groups[j] {
            used[g] = false;
        }
        counts[j] -= c;
    }
}

/// Sweeps of line searches over the resources in [`Knapsack::lagrangian_bound`].
const LAGRANGIAN_SWEEPS: usize = 12;

/// The state of [`Knapsack::lagrangian_bound`]: the prices μ and each candidate's profit
/// `value − μ · size` at those prices.
struct Lagrangian<'k> {
    knapsack: &'k Knapsack,
    profit: Vec<f64>,
    /// Per group, scratch for the best member at the current μ: its profit and index.
    best: Vec<(f64, usize)>,
    /// Per group, scratch for [`Knapsack::free_profit`].
    scratch: Vec<f64>,
    mu: Vec<f64>,
}

impl Lagrangian<'_> {
    /// Moves μ along `direction` (≥ 0) to the best point with μ ≥ 0 of the form
    /// `μ_kept + α · direction`, where `μ_kept` is μ with the direction's resources set to
    /// 0 and α ≥ 0; returns the bound there. The bound is convex and piecewise linear in α:
    /// each free candidate adds `copies · (a_j − α s_j)⁺`, each group the positive part of
    /// its best member's profit (taken as the member best at the current μ, which makes
    /// the step a heuristic but keeps the value exact). The least point is the breakpoint
    /// where the room `direction · capacity` is first outweighed.
    fn line_search(&mut self, direction: &[f64]) -> f64 {
        let k = self.knapsack;
        let previous = self.value();
        let kept: Vec<f64> = self
            .mu
            .iter()
            .zip(direction)
            .map(|(&m, &w)| if w > 0.0 { 0.0 } else { m })
            .collect();
        let room: f64 = k.capacity.iter().zip(direction).map(|(&c, w)| c as f64 * w).sum();
        if room <= 0.0 {
            return previous;
        }
        // (breakpoint, weight) of each term that a positive α can change.
        let mut points: Vec<(f64, f64)> = Vec::with_capacity(k.items.len());
        for b in &mut self.best {
            *b = (f64::NEG_INFINITY, usize::MAX);
        }
        for j in 0..k.items.len() {
            let size = k.size(j);
            let a = k.value[j] - dot(size, &kept);
            let s = dot(size, direction);
            if a <= 0.0 || s <= 0.0 {
                continue;
            }
            match k.groups[j].first().copied() {
                None => points.push((a / s, f64::from(k.copies[j]) * s)),
                Some(g) => {
                    // The member best at the current μ speaks for the group.
                    if self.profit[j] > self.best[g].0 {
                        self.best[g] = (self.profit[j], j);
                    }
                }
            }
        }
        for g in 0..self.best.len() {
            let (_, j) = self.best[g];
            if j == usize::MAX {
                continue;
            }
            let size = k.size(j);
            let a = k.value[j] - dot(size, &kept);
            let s = dot(size, direction);
            if a > 0.0 && s > 0.0 {
                points.push((a / s, s));
            }
        }
        points.sort_by(|x, y| y.0.total_cmp(&x.0));
        let mut outweighed = 0.0;
        let mut alpha = 0.0;
        for &(b, w) in &points {
            outweighed += w;
            if outweighed >= room {
                alpha = b;
                break;
            }
        }
        let old = std::mem::replace(&mut self.mu, kept);
        for (m, &w) in self.mu.iter_mut().zip(direction) {
            *m += alpha * w;
        }
        let value = self.refresh();
        if value <= previous {
            value
        } else {
            self.mu = old;
            self.refresh()
        }
    }

    /// Recomputes every profit at μ and returns the bound.
    fn refresh(&mut self) -> f64 {
        let k = self.knapsack;
        for j in 0..k.items.len() {
            self.profit[j] = k.value[j] - dot(k.size(j), &self.mu);
        }
        self.value()
    }

    /// The bound at μ: `μ · capacity` plus the best profit with resources free.
    fn value(&mut self) -> f64 {
        let k = self.knapsack;
        let terms = self.profit.iter().enumerate().map(|(j, &p)| (j, p, k.copies[j]));
        dot(&k.capacity, &self.mu) + k.free_profit(terms, &mut self.scratch)
    }
}

fn dot(size: &[u64], weight: &[f64]) -> f64 {
    size.iter().zip(weight).map(|(&s, w)| s as f64 * w).sum()
}

/// The best few patterns seen, by value, each above the improving target.
struct Pool {
    limit: usize,
    target: f64,
    /// `(value, counts per candidate)`, best first.
    found: Vec<(f64, Vec<u32>)>,
}

impl Pool {
    fn new(limit: usize, target: f64) -> Self {
        Pool {
            limit: limit.max(1),
            target,
            found: Vec::new(),
        }
    }

    fn best(&self) -> f64 {
        self.found.first().map_or(f64::NEG_INFINITY, |f| f.0)
    }

    /// The value a new pattern must beat to enter the pool.
    fn threshold(&self) -> f64 {
        if self.found.len() < self.limit {
            self.target
        } else {
            self.found[self.found.len() - 1].0.max(self.target)
        }
    }

    fn offer(&mut self, value: f64, counts: &[u32]) {
        if value <= self.threshold() || self.found.iter().any(|f| f.1 == counts) {
            return;
        }
        let at = self.found.iter().position(|f| f.0 < value).unwrap_or(self.found.len());
        self.found.insert(at, (value, counts.to_vec()));
        self.found.truncate(self.limit);
    }

    fn into_columns(self, knapsack: &Knapsack, bin_type: BinTypeId) -> Vec<(f64, Bin)> {
        self.found
            .into_iter()
            .map(|(value, counts)| {
                let mut load: Vec<(ItemId, u32)> = counts
                    .iter()
                    .enumerate()
                    .filter(|(_, &c)| c > 0)
                    .map(|(j, &c)| (knapsack.items[j], c))
                    .collect();
                load.sort_unstable();
                (value, Bin { bin_type, load })
            })
            .collect()
    }
}

/// Depth-first branch and bound over the candidates in ratio order, most copies first.
struct Search<'k> {
    knapsack: &'k Knapsack,
    pool: Pool,
    room: Vec<u64>,
    used: Vec<bool>,
    counts: Vec<u32>,
    nodes: u64,
    node_limit: u64,
    deadline: Instant,
    aborted: bool,
    /// The Lagrangian prices of the root, if any: `μ · room` plus the positive profits
    /// at μ of the candidates still open bound a node (see [`Knapsack::lagrangian_bound`]).
    prices: Vec<f64>,
    /// `(candidate, profit at μ)` of the candidates with a positive profit, ascending.
    profitable: Vec<(usize, f64)>,
    /// Per group, scratch for [`Knapsack::free_profit`].
    scratch: Vec<f64>,
    /// The dynamic program's tables, if any: the bound of a node is the table's best
    /// profit of the candidates from `k` on in the room left.
    completion: Option<dynamic::Completion>,
    /// Per depth, ascending, the candidates that may still fit: a node's room is its
    /// parent's less what the branch took, so what did not fit the parent fits none of its
    /// children, and a node reads only what its parent left (about a fifteenth of the
    /// candidates on `realistic/2000-s1`).
    open: Vec<Vec<usize>>,
}

impl<'k> Search<'k> {
    fn new(
        knapsack: &'k Knapsack,
        pool: Pool,
        deadline: Instant,
        node_limit: u64,
        prices: Option<&[f64]>,
        completion: Option<dynamic::Completion>,
    ) -> Self {
        let profitable = prices.map_or_else(Vec::new, |mu| {
            (0..knapsack.items.len())
                .map(|j| (j, knapsack.value[j] - dot(knapsack.size(j), mu)))
                .filter(|&(_, p)| p > 0.0)
                .collect()
        });
        Search {
            prices: prices.map_or_else(Vec::new, <[f64]>::to_vec),
            profitable,
            scratch: vec![0.0; knapsack.group_count],
            completion,
            room: knapsack.capacity.clone(),
            used: vec![false; knapsack.group_count],
            counts: vec![0; knapsack.items.len()],
            knapsack,
            pool,
            nodes: 0,
            node_limit,
            deadline,
            aborted: false,
            open: Vec::new(),
        }
    }

    fn run(&mut self) {
        self.open = vec![(0..self.knapsack.items.len()).collect()];
        self.visit(0, 0.0, 0);
    }

    /// [`Knapsack::bound_from`] `k` over the candidates open at `depth`, leaving open at
    /// `depth + 1` those of them that fit and those it did not reach.
    fn bound_from(&mut self, k: usize, depth: usize) -> (f64, Option<usize>) {
        if self.open.len() < depth + 2 {
            self.open.resize_with(depth + 2, Vec::new);
        }
        let (knapsack, room, used) = (self.knapsack, &self.room, &self.used);
        let (before, after) = self.open.split_at_mut(depth + 1);
        let (open, next) = (&before[depth], &mut after[0]);
        next.clear();
        let mut read = open.partition_point(|&j| j < k);
        let fitting = open[read..].iter().map(|&j| {
            read += 1;
            let n = knapsack.fits(j, room, used);
            if n > 0 {
                next.push(j);
            }
            (j, n)
        });
        let bound = knapsack.bound_over(fitting, room);
        next.extend_from_slice(&open[read..]);
        bound
    }

    /// The Lagrangian bound at the root's prices on what candidates from `k` on can add
    /// in the room left.
    fn lagrangian_from(&mut self, k: usize) -> f64 {
        let knapsack = self.knapsack;
        let start = self.profitable.partition_point(|&(j, _)| j < k);
        let (room, used) = (&self.room, &self.used);
        let terms = self.profitable[start..]
            .iter()
            .map(|&(j, p)| (j, p, knapsack.fits(j, room, used)));
        dot(room, &self.prices) + knapsack.free_profit(terms, &mut self.scratch)
    }

    fn visit(&mut self, k: usize, value: f64, depth: usize) {
        if self.aborted {
            return;
        }
        self.nodes += 1;
        if self.nodes % 1024 == 0 && (self.nodes > self.node_limit || Instant::now() >= self.deadline) {
            self.aborted = true;
            return;
        }
        let (rest, first) = self.bound_from(k, depth);
        let Some(j) = first else {
            self.pool.offer(value, &self.counts);
            return;
        };
        let threshold = self.pool.threshold();
        if value + rest <= threshold * (1.0 + 1e-12) {
            return;
        }
        if let Some(c) = &self.completion {
            if value + c.bound(k, &self.room) <= threshold * (1.0 + 1e-12) {
                return;
            }
        }
        if !self.prices.is_empty() && value + self.lagrangian_from(k) <= threshold * (1.0 + 1e-12) {
            return;
        }
        let most = self.knapsack.fits(j, &self.room, &self.used);
        for c in (0..=most).rev() {
            if c > 0 {
                self.knapsack
                    .apply(j, c, &mut self.room, &mut self.used, &mut self.counts);
            }
            self.visit(j + 1, value + f64::from(c) * self.knapsack.value[j], depth + 1);
            if c > 0 {
                self.knapsack
                    .remove(j, c, &mut self.room, &mut self.used, &mut self.counts);
            }
            if self.aborted {
                return;
            }
        }
    }
}
