//! Diving: from the root LP, round columns up step by step, with a pricing round or two
//! at each step, until the LP is integral (a plan) or cannot beat the best plan.
//!
//! Dives run [`DIVERS`] at a time, each on a master LP of its own ([`Divers`]): one on
//! the calling thread and the others on helper threads while the pool has threads to
//! spare, else all on the calling thread, one after another. (A HiGHS object stays on the
//! thread that made it.) Every dive of a batch aims at the same best plan and the caller
//! takes their plans in slot order, so the plans found do not depend on the thread count.

use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread::{self, Scope};
use std::time::Instant;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::bound::Lattice;
use super::error::ExactError;
use super::master::LpSolution;
use super::plan;
use super::pricing::Effort;
use super::tuning::{DIVERS, DIVE_BACKTRACKS, DIVE_CHOICES, DIVE_PRICING_ROUNDS, NEARLY_WHOLE, QUICK_EJECT_MOVES};
use super::{Dive, Generation};
use crate::engine::heuristics;
use crate::engine::packing::{Bin, Packing};
use crate::engine::problem::Problem;
use crate::engine::Stop;

/// What a dive needs to know of the run: the best plan's cost and the bound when the
/// batch starts.
#[derive(Clone, Copy)]
pub(super) struct Aim<'p> {
    pub problem: &'p Problem,
    pub lattice: Lattice,
    pub best_cost: f64,
    pub lower_bound: f64,
    pub seed: u64,
    /// A dive ends at its next step once a stop is requested.
    pub stop: &'p Stop,
}

/// How a dive ended and the plans it found, for the caller to offer.
pub(super) type Dived = Result<(Dive, Vec<Packing>), ExactError>;

impl<'p> Aim<'p> {
    /// Whether an LP of this value leaves room for a plan cheaper than the best.
    pub fn leaves_room(&self, lp_value: f64) -> bool {
        self.lattice.round_up(lp_value * (1.0 - 1e-9)) < self.best_cost * (1.0 - 1e-9)
    }

    /// With one bin type, a plan of fewer bins than `start` found by the ejection search
    /// ([`heuristics::fewer_bins`]) in at most `moves` moves per bin fewer, down to the
    /// bound.
    pub fn fewer_bins(&self, start: &Packing, moves: u64, until: Instant, seed: u64) -> Option<Packing> {
        let problem = self.problem;
        if problem.bin_types.len() != 1 {
            return None;
        }
        let least = (self.lower_bound / problem.bin_types[0].price * (1.0 - 1e-9)).ceil() as usize;
        heuristics::fewer_bins(problem, start, least, moves, until, seed)
    }

    /// One dive. The first rounds up the fractional column that raises the LP least; later
    /// ones (with `rng`) one of a few such columns at random, so that each dive explores
    /// other columns. When a step leaves no room to beat the best plan, the dive goes back
    /// one step and rounds up another column instead, [`DIVE_BACKTRACKS`] times at most.
    fn dive(&self, g: &mut Generation, until: Instant, deadline: Instant, rng: Option<&mut SmallRng>) -> Dived {
        let mut floor = Vec::new();
        let outcome = self.dive_with_floors(g, until, deadline, &mut floor, rng);
        // Free the columns for the next dive.
        for (c, &f) in floor.iter().enumerate() {
            if f > 0 {
                g.master.fix_at_least(c, 0)?;
            }
        }
        outcome
    }

    /// The dive of [`Aim::dive`]; `floor` records the lower bounds set.
    fn dive_with_floors(
        &self,
        g: &mut Generation,
        until: Instant,
        deadline: Instant,
        floor: &mut Vec<u32>,
        mut rng: Option<&mut SmallRng>,
    ) -> Result<(Dive, Vec<Packing>), ExactError> {
        let problem = self.problem;
        // Per step, the column it chose and the floors it changed, with their old values.
        let mut steps: Vec<(usize, Vec<(usize, u32)>)> = Vec::new();
        // Columns that a step undone had chosen: not chosen again in this dive.
        let mut tabu: Vec<bool> = Vec::new();
        let mut backtracks = 0;
        loop {
            if Instant::now() >= until || self.stop.is_requested() {
                return Ok((Dive::Stopped, Vec::new()));
            }
            let Some(lp) = self.node_lp(g, until, deadline)? else {
                return Ok((Dive::Stopped, Vec::new()));
            };
            floor.resize(g.columns.bins.len(), 0);
            tabu.resize(g.columns.bins.len(), false);
            // Rounding a column up from x raises the LP by at most (⌈x⌉ − x) × its price:
            // the dive rounds up as many columns at once as the room left below the best
            // plan allows, so that it stays able to beat it.
            let open = self.leaves_room(lp.value);
            let mut room = (self.lattice.below(self.best_cost) - lp.value).max(0.0);
            let mut changes = Vec::new();
            let mut fractional: Vec<(f64, usize)> = Vec::new();
            if open {
                let mut integral = true;
                for (c, &x) in lp.primal.iter().enumerate() {
                    let whole = (x + 1e-6).floor().max(0.0) as u32;
                    if whole > floor[c] {
                        changes.push((c, floor[c]));
                        floor[c] = whole;
                        g.master.fix_at_least(c, whole)?;
                    }
                    let fraction = x - x.floor();
                    if fraction > 1e-6 && fraction < 1.0 - 1e-6 {
                        integral = false;
                        if !tabu[c] {
                            fractional.push((fraction, c));
                        }
                    }
                }
                if integral {
                    let copies: Vec<u32> = lp.primal.iter().map(|&x| x.round().max(0.0) as u32).collect();
                    let plan = plan::to_packing(problem, &g.columns.bins, &copies);
                    // A plan as cheap as the best (a new best, or another as cheap) is often
                    // a few moves of the ejection search from one bin fewer.
                    let mut plans = Vec::new();
                    if plan.cost(problem) <= self.best_cost {
                        plans.extend(self.fewer_bins(&plan, QUICK_EJECT_MOVES, until, self.seed));
                    }
                    plans.push(plan);
                    return Ok((Dive::Done, plans));
                }
            }
            if fractional.is_empty() {
                // No room, or only forbidden columns to round: undo the last step.
                restore(g, floor, changes)?;
                if backtracks == DIVE_BACKTRACKS {
                    return Ok((Dive::Done, Vec::new()));
                }
                let Some((c, undone)) = steps.pop() else {
                    return Ok((Dive::Done, Vec::new()));
                };
                restore(g, floor, undone)?;
                tabu[c] = true;
                backtracks += 1;
                continue;
            }
            let price = |c: usize| problem.bin_types[g.columns.bins[c].bin_type].price;
            let rise = |&(f, c): &(f64, usize)| (1.0 - f) * price(c);
            fractional.sort_by(|a, b| {
                rise(a)
                    .total_cmp(&rise(b))
                    .then(b.0.total_cmp(&a.0))
                    .then(a.1.cmp(&b.1))
            });
            let c = match rng.as_deref_mut() {
                Some(rng) => {
                    let fitting = fractional.iter().take_while(|x| rise(x) <= room).count();
                    let choices = fitting.max(DIVE_CHOICES).min(fractional.len());
                    fractional[rng.gen_range(0..choices)].1
                }
                None => fractional[0].1,
            };
            // With it, the columns nearly whole that share no item with those already
            // rounded up in this step, while their rises fit the room (the chosen column's
            // own rise is not counted against it, since it is rounded up either way):
            // fewer steps, little over-cover.
            let mut claimed = vec![false; problem.items.len()];
            let nearly_whole = fractional.iter().filter(|(f, d)| *f >= NEARLY_WHOLE && *d != c);
            for (k, &(f, d)) in std::iter::once(&(0.0, c)).chain(nearly_whole).enumerate() {
                let load = &g.columns.bins[d].load;
                if load.iter().any(|&(i, _)| claimed[i]) {
                    continue;
                }
                if k > 0 {
                    if rise(&(f, d)) > room {
                        break;
                    }
                    room -= rise(&(f, d));
                }
                for &(i, _) in load {
                    claimed[i] = true;
                }
                changes.push((d, floor[d]));
                floor[d] = lp.primal[d].ceil() as u32;
                g.master.fix_at_least(d, floor[d])?;
            }
            steps.push((c, changes));
        }
    }

    /// The LP of a dive's node: a few greedy pricing rounds while it leaves room to beat
    /// the best plan, and pricing until quick pricing finds nothing when it seems not to
    /// (so that the dive seldom turns back on a restricted LP), each round that finds
    /// nothing searching harder (greedy, then quick). Greedy pricing skips the search
    /// whose bound a dive does not use: on large problems a quick round can take as long
    /// as the LP solve. Exact pricing is left out: a dive is a search for plans, and near
    /// the bound exact pricing can take seconds a step that the next dives need more.
    /// `None` when out of time.
    fn node_lp(&self, g: &mut Generation, until: Instant, deadline: Instant) -> Result<Option<LpSolution>, ExactError> {
        let problem = self.problem;
        let mut lp = g.master.solve(problem, deadline)?;
        let mut rounds = 0;
        let mut effort = Effort::Greedy;
        loop {
            let open = self.leaves_room(lp.value);
            if open && rounds >= DIVE_PRICING_ROUNDS {
                return Ok(Some(lp));
            }
            if Instant::now() >= until {
                return Ok(None);
            }
            let priced = g.pricer.price(&lp.duals, effort, g.dive_per_type, until);
            rounds += 1;
            if g.add_priced(problem, priced)? == 0 {
                if open || effort == Effort::Quick {
                    return Ok(Some(lp));
                }
                effort = effort.harder();
                continue;
            }
            lp = g.master.solve(problem, deadline)?;
        }
    }
}

/// Sets the floors in `changes` back to their old values, last change first.
fn restore(g: &mut Generation, floor: &mut [u32], changes: Vec<(usize, u32)>) -> Result<(), ExactError> {
    for (c, f) in changes.into_iter().rev() {
        floor[c] = f;
        g.master.fix_at_least(c, f)?;
    }
    Ok(())
}

/// One dive slot: a master over the dives' columns, and the slot's random choices.
struct Diver<'p> {
    problem: &'p Problem,
    seed: u64,
    g: Option<Generation<'p>>,
    rng: SmallRng,
}

impl<'p> Diver<'p> {
    fn new(problem: &'p Problem, seed: u64, slot: usize) -> Self {
        Diver {
            problem,
            seed,
            g: None,
            rng: SmallRng::seed_from_u64(seed.wrapping_add(slot as u64)),
        }
    }

    /// Its columns so far, and a new master over `columns` when given.
    fn rebuild(&mut self, columns: Option<Vec<Bin>>) -> Result<Vec<Bin>, ExactError> {
        let old = self.g.take().map_or_else(Vec::new, |g| g.columns.bins);
        if let Some(columns) = columns {
            self.g = Some(Generation::over(self.problem, self.seed, &columns)?);
        }
        Ok(old)
    }

    fn dive(&mut self, aim: Aim, until: Instant, deadline: Instant, random: bool) -> Dived {
        let g = self.g.as_mut().ok_or("a dive before its master")?;
        aim.dive(g, until, deadline, random.then_some(&mut self.rng))
    }
}

/// An order to a helper thread's slot; each gets one reply.
enum Order<'p> {
    /// Reply with the slot's columns, then dive over these from now on (`None`: stop).
    Rebuild(Option<Vec<Bin>>),
    /// Dive (at random when `true`) and reply with how it ended.
    Dive(Aim<'p>, Instant, Instant, bool),
}

enum Reply {
    Rebuilt(Result<Vec<Bin>, ExactError>),
    Dived(Dived),
}

/// A dive slot, on this thread or on a helper thread.
enum Slot<'p> {
    Here(Box<Diver<'p>>),
    There(Sender<Order<'p>>, Receiver<Reply>),
}

/// The [`DIVERS`] dive slots.
pub(super) struct Divers<'p> {
    slots: Vec<Slot<'p>>,
}

/// Runs `f` with the dive slots, on helper threads within `scope` when the thread pool
/// has more than one thread.
pub(super) fn with_divers<'p, R>(problem: &'p Problem, seed: u64, f: impl FnOnce(&mut Divers<'p>) -> R) -> R {
    let side_by_side = rayon::current_num_threads() > 1;
    thread::scope(|scope| {
        let mut divers = Divers {
            slots: (0..DIVERS)
                .map(|slot| {
                    if slot > 0 && side_by_side {
                        helper(scope, problem, seed, slot)
                    } else {
                        Slot::Here(Box::new(Diver::new(problem, seed, slot)))
                    }
                })
                .collect(),
        };
        let result = f(&mut divers);
        // Dropping the orders' senders ends the helpers.
        drop(divers);
        result
    })
}

/// Slot `slot`, served by a helper thread of `scope` (which makes the slot's master).
fn helper<'scope, 'p: 'scope>(
    scope: &'scope Scope<'scope, '_>,
    problem: &'p Problem,
    seed: u64,
    slot: usize,
) -> Slot<'p> {
    let (orders, inbox) = channel::<Order<'p>>();
    let (outbox, replies) = channel();
    scope.spawn(move || {
        let mut diver = Diver::new(problem, seed, slot);
        for order in inbox {
            let reply = match order {
                Order::Rebuild(columns) => Reply::Rebuilt(diver.rebuild(columns)),
                Order::Dive(aim, until, deadline, random) => Reply::Dived(diver.dive(aim, until, deadline, random)),
            };
            if outbox.send(reply).is_err() {
                return;
            }
        }
    });
    Slot::There(orders, replies)
}

impl<'p> Divers<'p> {
    /// Every slot's columns so far, in slot order; from now on each dives over a master
    /// of its own over `columns` (none when `None`).
    pub fn rebuild(&mut self, columns: Option<&[Bin]>) -> Result<Vec<Bin>, ExactError> {
        let replies = self.each(
            |_| Order::Rebuild(columns.map(<[Bin]>::to_vec)),
            |_, diver| Reply::Rebuilt(diver.rebuild(columns.map(<[Bin]>::to_vec))),
        );
        let mut all = Vec::new();
        for columns in of_kind(replies, |reply| match reply {
            Reply::Rebuilt(columns) => Some(columns),
            Reply::Dived(_) => None,
        })? {
            all.extend(columns?);
        }
        Ok(all)
    }

    /// One dive per slot toward `aim`, each at random but the first slot's when `first`;
    /// how each ended and its plans, in slot order.
    pub fn dive(
        &mut self,
        aim: Aim<'p>,
        until: Instant,
        deadline: Instant,
        first: bool,
    ) -> Result<Vec<(Dive, Vec<Packing>)>, ExactError> {
        let random = |slot: usize| !first || slot > 0;
        let replies = self.each(
            |slot| Order::Dive(aim, until, deadline, random(slot)),
            |slot, diver| Reply::Dived(diver.dive(aim, until, deadline, random(slot))),
        );
        of_kind(replies, |reply| match reply {
            Reply::Dived(dived) => Some(dived),
            Reply::Rebuilt(_) => None,
        })?
        .into_iter()
        .collect()
    }

    /// Sends `order(slot)` to the helper threads' slots, runs `here(slot, diver)` on this
    /// thread's, then collects the helpers' replies: every reply in slot order.
    fn each(
        &mut self,
        order: impl Fn(usize) -> Order<'p>,
        mut here: impl FnMut(usize, &mut Diver<'p>) -> Reply,
    ) -> Vec<Result<Reply, ExactError>> {
        let mut replies: Vec<Option<Result<Reply, ExactError>>> = (0..self.slots.len()).map(|_| None).collect();
        for (slot, s) in self.slots.iter().enumerate() {
            if let Slot::There(orders, _) = s {
                if orders.send(order(slot)).is_err() {
                    replies[slot] = Some(Err(ExactError::DiveStopped));
                }
            }
        }
        for (slot, s) in self.slots.iter_mut().enumerate() {
            if let Slot::Here(diver) = s {
                replies[slot] = Some(Ok(here(slot, diver)));
            }
        }
        for (slot, s) in self.slots.iter().enumerate() {
            if let (Slot::There(_, inbox), None) = (s, &replies[slot]) {
                replies[slot] = Some(inbox.recv().map_err(|_| ExactError::DiveStopped));
            }
        }
        replies.into_iter().map(|r| r.expect("every slot answered")).collect()
    }
}

/// What `pick` takes from each reply, in slot order; an error for a reply of another kind.
fn of_kind<T>(
    replies: Vec<Result<Reply, ExactError>>,
    pick: impl Fn(Reply) -> Option<T>,
) -> Result<Vec<T>, ExactError> {
    replies
        .into_iter()
        .map(|reply| pick(reply?).ok_or(ExactError::DiveOutOfTurn))
        .collect()
}
