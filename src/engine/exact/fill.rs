//! A plan at the bound, built one exactly filled bin at a time, where the bound says every
//! bin of such a plan must be full.
//!
//! The plan is sought on one fleet: a list of bin types, one per bin, whose price is the
//! bound (with one bin type, as many bins as the bound allows). Its bins may leave at most
//! the fleet's capacity less the total size of each resource unused, together: where that
//! slack is 0 (every bin full in that resource), each bin is searched for, depth first,
//! among the loads that keep the rest packable in the bins left: an item with more copies
//! left than its per-bin cap allows in the other bins puts the excess in this one, and a
//! conflict group with as many copies left as bins left puts exactly one in each (items
//! kept apart are fixed first, in every bin alike). Copies are spread evenly, each item's
//! count nearest its share of the bins left first, so that the last bins are not left
//! with what fits nowhere; and a bin first seeks a load that leaves no more than its pace
//! of each resource's slack, so that the last bins still have room to spare. A search
//! that runs out of steps restarts a few times with the items' order shaken; where it
//! still does and two or more resources must be full (CPU, memory and ports at once defeat
//! it), greedy fills closed by an exchange of a few copies ([`super::exchange`]) seek the
//! bin, and then a small MIP ([`super::bin_mip`]); a bin not found of the next type is
//! sought of the fleet's other types left before it counts as a dead end (what the search
//! misses for one type it often finds for another). A dead end backs out of the last
//! bins a few times, each with new weights, then restarts from the first bin with another
//! order, until the deadline; an attempt still finding bins at the deadline may finish at
//! its pace, within a later one.

use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use super::bin_mip::{self, BinAsk};
use super::exchange;
use crate::engine::packing::{Bin, Packing};
use crate::engine::problem::{BinTypeId, ItemId, Problem};
use crate::engine::Stop;

/// Search steps per bin before a restart: a bin that is there to find is found in far
/// fewer, and one that is not is better escaped by another order of the earlier bins.
const STEPS_PER_BIN: u64 = 20_000;

/// The first search of a bin takes half of those steps; if it runs out of them, this many
/// restarts share the other half, each with the items' sizes shaken by up to [`SHAKE`] (of
/// their size) in its order. The first search's order finds most bins; the restarts escape
/// a bad choice near the top of the search, which one search rarely undoes.
const RESTARTS: u64 = 9;
const SHAKE: f64 = 0.3;

/// A bin first seeks a load that leaves at most this many times its part of the room
/// (in proportion to its capacity) that the bins left may leave unused in each resource:
/// bins that use more than their part of a resource that need not be full leave the last
/// bins none to spare.
const SLACK_PACE: f64 = 1.5;

/// Dead ends an attempt backs out of, each by this many bins, before it gives up.
const BACKTRACKS: u32 = 4;
const BACKTRACK_BINS: usize = 2;

/// Attempts each fleet gets at least, at the pace of the search, within the finish: most
/// end in a dead end, and a budget counted in attempts at the search's own pace holds on a
/// slower or busier machine, where a share of the time does not.
const ATTEMPTS_AT_PACE: u32 = 10;

/// Time for the greedy fills and exchanges that seek a bin the search missed, before the
/// MIP does.
const EXCHANGE_PER_BIN: Duration = Duration::from_millis(200);

/// The exchanges run where the bins left hold at least this many copies each on average.
/// With fewer, the MIP is small and quick, and its loads, nearest each item's share, keep
/// the rest packable, where the greedy fills' larger-first loads lead the last bins into
/// dead ends (the three-item bins of Triplet `classC_501_5_*`).
const EXCHANGE_LEAST_COPIES: f64 = 6.0;

/// Time for the MIP that seeks a bin the search missed.
const MIP_PER_BIN: Duration = Duration::from_millis(1000);

/// When the search stops.
#[derive(Debug, Clone)]
pub(super) struct Until {
    /// Attempts start until this, and later only to give the fleet [`ATTEMPTS_AT_PACE`]
    /// attempts at the pace.
    pub start: Instant,
    /// An attempt still going at `start` goes on while its pace fills the bins left by
    /// this.
    pub finish: Instant,
    /// The pace: time spent seeking bins and bins found, over every attempt and fleet.
    pub pace: (Duration, u32),
    /// Requested once a search beside this one has found a plan: this one stops.
    pub found: Stop,
}

impl Until {
    /// The time per bin found so far.
    fn per_bin(&self) -> Option<Duration> {
        let (spent, found) = self.pace;
        (found > 0).then(|| spent / found)
    }

    /// Whether an attempt on a fleet of `bins` bins, sought since `begun`, starts.
    fn may_start(&self, begun: Instant, bins: usize) -> bool {
        let now = Instant::now();
        if self.found.is_requested() {
            return false;
        }
        now < self.start
            || self.per_bin().is_some_and(|p| {
                let attempt = p * bins as u32;
                now + attempt <= self.finish.min(begun + attempt * ATTEMPTS_AT_PACE)
            })
    }

    /// Whether an attempt with `bins_left` to fill goes on.
    fn on_pace(&self, bins_left: usize) -> bool {
        let now = Instant::now();
        !self.found.is_requested()
            && now < self.finish
            && (now < self.start
                || self
                    .per_bin()
                    .is_some_and(|p| now + p * bins_left as u32 <= self.finish))
    }
}

/// A plan on the bins of one of `fleets` (each a list of types, one per bin, priced at the
/// bound), each bin filled as the fleet's slack allows, or `None` by `until`. The attempts
/// are numbered from `attempts.0` in steps of `attempts.1`: attempt `a` starts on fleet
/// `a mod n` of the `n`, in the `a div n`th order of its bins (see [`Search::new`]), and
/// moves to another fleet that holds the bins found so far where the next bin is of a
/// type its own fleet has no more of ([`Search::next_of_any_type`]). Searches side by side
/// share the attempts out.
pub(super) fn fill(
    problem: &Problem,
    fleets: &[Vec<BinTypeId>],
    until: &mut Until,
    seed: u64,
    attempts: (u64, u64),
) -> Option<Packing> {
    if fleets.is_empty() {
        return None;
    }
    let groups = problem.groups_of_items();
    let fleets: Vec<Fleet> = fleets.iter().map(|bins| Fleet::of(problem, bins)).collect();
    let mut rng = SmallRng::seed_from_u64(seed);
    let begun = Instant::now();
    let mut attempt = attempts.0;
    let n = fleets.len() as u64;
    // Fleets that cannot start in a row: after `n`, none can.
    let mut ruled_out = 0;
    while ruled_out < n && until.may_start(begun, fleets[(attempt % n) as usize].bins.len()) {
        match Search::new(problem, &groups, &fleets, attempt, &mut rng) {
            Some(mut search) => {
                ruled_out = 0;
                if let Some(packing) = search.run(until) {
                    return Some(packing);
                }
            }
            None => ruled_out += 1,
        }
        attempt += attempts.1.max(1);
    }
    None
}

/// A fleet: its bins' types, dearest first, and how many bins of each type.
struct Fleet {
    bins: Vec<BinTypeId>,
    of_type: Vec<u32>,
}

impl Fleet {
    fn of(problem: &Problem, bins: &[BinTypeId]) -> Fleet {
        let mut of_type = vec![0; problem.bin_types.len()];
        bins.iter().for_each(|&t| of_type[t] += 1);
        Fleet {
            bins: bins.to_vec(),
            of_type,
        }
    }

    /// Whether it has at least the bins of `placed` (a count per type).
    fn holds(&self, placed: &[u32]) -> bool {
        self.of_type.iter().zip(placed).all(|(n, p)| n >= p)
    }
}

/// Per resource, the room `bins` leave once they hold the copies `left`, or `None` where
/// they cannot hold them.
fn slack(problem: &Problem, bins: &[BinTypeId], left: &[u32]) -> Option<Vec<u64>> {
    (0..problem.dims())
        .map(|d| {
            let room: u64 = bins.iter().map(|&t| problem.bin_types[t].capacity[d]).sum();
            let need: u64 = (problem.items.iter().zip(left))
                .map(|(it, &n)| it.size[d] * u64::from(n))
                .sum();
            room.checked_sub(need)
        })
        .collect()
}

/// One attempt: bins one after another from what is left.
struct Search<'a> {
    problem: &'a Problem,
    groups: &'a [Vec<usize>],
    /// Copies left of each item.
    left: Vec<u32>,
    /// Copies left per conflict group.
    group_left: Vec<u32>,
    /// The fleets priced at the bound, the one searched, and the bins found so far of
    /// each type.
    fleets: &'a [Fleet],
    fleet: usize,
    placed: Vec<u32>,
    /// The types of the bins left to fill, the next last.
    bins_left: Vec<BinTypeId>,
    /// The room each resource may still leave unused, in all the bins left together.
    slack: Vec<u64>,
    /// Whether bins the depth-first search misses go to the MIP: where two or more
    /// resources must be full in every bin (the search's sums check each alone).
    by_mip: bool,
    /// Random weight of each item in this attempt's orders (none in the first).
    jitter: Vec<f64>,
    rng: SmallRng,
}

impl<'a> Search<'a> {
    fn new(
        problem: &'a Problem,
        groups: &'a [Vec<usize>],
        fleets: &'a [Fleet],
        attempt: u64,
        rng: &mut SmallRng,
    ) -> Option<Self> {
        let n = fleets.len() as u64;
        let (start, order) = ((attempt % n) as usize, attempt / n);
        let fleet = &fleets[start].bins;
        let left: Vec<u32> = problem.items.iter().map(|it| it.count).collect();
        let mut group_left = vec![0u32; problem.conflict_groups.len()];
        for (g, group) in problem.conflict_groups.iter().enumerate() {
            group_left[g] = group.items.iter().map(|&i| left[i]).sum();
        }
        let slack = slack(problem, fleet, &left)?;
        // Without a resource that every bin must fill, the bins are not pinned down enough
        // for this search: the other searches do better.
        if !slack.contains(&0) {
            return None;
        }
        let jitter = (0..problem.items.len())
            .map(|_| if order == 0 { 0.0 } else { rng.gen_range(0.0..0.3) })
            .collect();
        // A group with more copies than the fleet has bins never fits.
        if group_left.iter().any(|&n| n as usize > fleet.len()) {
            return None;
        }
        // The fleet lists its dearest bins first and bins are filled from its end. The first
        // attempt fills the smallest bins first (the last bin, which takes what is left, is
        // then the largest, whose exact fill is the hardest to search for), the second the
        // largest first, the others in random orders.
        let mut bins_left = fleet.to_vec();
        let one_type = fleet.iter().all(|&t| t == fleet[0]);
        match order {
            _ if one_type => {}
            0 => {}
            1 => bins_left.reverse(),
            _ => bins_left.shuffle(rng),
        }
        Some(Search {
            problem,
            groups,
            left,
            group_left,
            fleets,
            fleet: start,
            placed: vec![0; problem.bin_types.len()],
            bins_left,
            by_mip: slack.iter().filter(|&&s| s == 0).count() >= 2,
            slack,
            jitter,
            rng: SmallRng::seed_from_u64(rng.gen()),
        })
    }

    fn run(&mut self, until: &mut Until) -> Option<Packing> {
        let mut bins: Vec<Bin> = Vec::new();
        let mut backtracks = 0;
        while self.left.iter().any(|&n| n > 0) {
            if !until.on_pace(self.bins_left.len()) {
                return None;
            }
            let begun = Instant::now();
            let found = self.next_of_any_type(until.finish);
            until.pace.0 += begun.elapsed();
            match found {
                Some(bin) => {
                    until.pace.1 += 1;
                    self.change(&bin, true);
                    bins.push(bin);
                }
                // A dead end: the last bins again, with other weights, a few times.
                None if backtracks < BACKTRACKS && !bins.is_empty() => {
                    backtracks += 1;
                    for _ in 0..BACKTRACK_BINS.min(bins.len()) {
                        let bin = bins.pop()?;
                        self.change(&bin, false);
                    }
                    for j in &mut self.jitter {
                        *j = self.rng.gen_range(0.0..0.3);
                    }
                }
                None => return None,
            }
        }
        Some(Packing { bins })
    }

    /// The next bin: of the type next in the order, or where none of it is found, of
    /// another type among the bins left (that type's bin then comes next in the order, and
    /// the types not found go to the back). Which bin of a fleet is filled next is a
    /// choice, not a rule: where the searches run out of steps and time on one type, a bin
    /// of another often comes easily, and the first type's bin is easier among fewer
    /// copies left. Where no type of the fleet gives a bin, the other fleets that hold the
    /// bins found so far offer their other types: first those with the fewest bins left of
    /// the types just tried in vain, then those most like this fleet. Which fleet a plan at
    /// the bound has is often settled only by a few copies that fit one type alone (a task
    /// whose odd memory fits only one type's), which the listing of the fleets cannot see.
    fn next_of_any_type(&mut self, until: Instant) -> Option<Bin> {
        let mut tried: Vec<BinTypeId> = Vec::new();
        if let Some(bin) = self.next_in_fleet(&mut tried, until) {
            return Some(bin);
        }
        let left_of = |f: usize, t: BinTypeId| self.fleets[f].of_type[t] - self.placed[t];
        let mut others: Vec<(u32, u32, usize)> = (0..self.fleets.len())
            .filter(|&f| f != self.fleet && self.fleets[f].holds(&self.placed))
            .filter(|&f| (0..self.placed.len()).any(|t| left_of(f, t) > 0 && !tried.contains(&t)))
            .map(|f| {
                let in_vain: u32 = tried.iter().map(|&t| left_of(f, t)).sum();
                let alike: u32 = (0..self.placed.len())
                    .map(|t| left_of(f, t).min(left_of(self.fleet, t)))
                    .sum();
                (in_vain, alike, f)
            })
            .collect();
        others.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        let (fleet, bins_left, slack) = (self.fleet, self.bins_left.clone(), self.slack.clone());
        for (_, _, f) in others {
            // A move that does not fit changes nothing; one that finds no bin is undone.
            if self.move_to(f) {
                if let Some(bin) = self.next_in_fleet(&mut tried, until) {
                    return Some(bin);
                }
                (self.fleet, self.bins_left, self.slack) = (fleet, bins_left.clone(), slack.clone());
            }
        }
        None
    }

    /// A bin of a type among the bins left and not in `tried`, which gains the types
    /// tried.
    fn next_in_fleet(&mut self, tried: &mut Vec<BinTypeId>, until: Instant) -> Option<Bin> {
        let missed = tried.len();
        for k in (0..self.bins_left.len()).rev() {
            let t = self.bins_left[k];
            if tried.contains(&t) {
                continue;
            }
            tried.push(t);
            if let Some(bin) = self.next_bin(t, until) {
                // The types just tried in vain go to the back, this bin to the front.
                let failed = &tried[missed..tried.len() - 1];
                self.bins_left.remove(k);
                let (back, front): (Vec<BinTypeId>, Vec<BinTypeId>) =
                    self.bins_left.iter().copied().partition(|u| failed.contains(u));
                self.bins_left = back.into_iter().chain(front).chain([t]).collect();
                return Some(bin);
            }
        }
        None
    }

    /// Makes fleet `f`, which holds the bins found so far, the one searched: its bins not
    /// yet found are left, in its order. `false`, and nothing changed, where the copies
    /// left do not fit them.
    fn move_to(&mut self, f: usize) -> bool {
        let mut found = self.placed.clone();
        let mut bins_left = Vec::new();
        for &t in &self.fleets[f].bins {
            if found[t] > 0 {
                found[t] -= 1;
            } else {
                bins_left.push(t);
            }
        }
        let Some(slack) = slack(self.problem, &bins_left, &self.left) else {
            return false;
        };
        (self.fleet, self.bins_left, self.slack) = (f, bins_left, slack);
        true
    }

    /// Takes `bin`'s copies from what is left (`take`), or puts them back.
    fn change(&mut self, bin: &Bin, take: bool) {
        let cap = &self.problem.bin_types[bin.bin_type].capacity;
        let mut used = vec![0u64; cap.len()];
        for &(i, n) in &bin.load {
            for (u, s) in used.iter_mut().zip(&self.problem.items[i].size) {
                *u += s * u64::from(n);
            }
            let groups = &self.groups[i];
            if take {
                self.left[i] -= n;
                groups.iter().for_each(|&g| self.group_left[g] -= n);
            } else {
                self.left[i] += n;
                groups.iter().for_each(|&g| self.group_left[g] += n);
            }
        }
        for d in 0..cap.len() {
            if take {
                self.slack[d] -= cap[d] - used[d];
            } else {
                self.slack[d] += cap[d] - used[d];
            }
        }
        if take {
            self.bins_left.pop();
            self.placed[bin.bin_type] += 1;
        } else {
            self.bins_left.push(bin.bin_type);
            self.placed[bin.bin_type] -= 1;
        }
    }

    /// A load of type `t` that meets the target, or `None` after [`STEPS_PER_BIN`] steps.
    fn next_bin(&mut self, t: BinTypeId, until: Instant) -> Option<Bin> {
        let problem = self.problem;
        let cap = &problem.bin_types[t].capacity;
        let bins_left = self.bins_left.len() as u32;
        let rest = bins_left - 1;
        let eligible = |i: ItemId| problem.items[i].eligible.binary_search(&t).is_ok();
        // Every copy left needs a bin left of a type it may use.
        if (0..problem.items.len()).any(|i| {
            self.left[i] > 0
                && !self
                    .bins_left
                    .iter()
                    .any(|&u| problem.items[i].eligible.binary_search(&u).is_ok())
        }) {
            return None;
        }
        if self.group_left.iter().any(|&n| n > bins_left) {
            return None;
        }
        // Groups with a copy left for every bin left take one here.
        let forced: Vec<bool> = self.group_left.iter().map(|&n| n == bins_left && n > 0).collect();
        let most: Vec<u32> = (0..problem.items.len())
            .map(|i| {
                if self.left[i] == 0 || !eligible(i) {
                    0
                } else {
                    problem
                        .max_copies_alone(i, t, !self.groups[i].is_empty())
                        .min(self.left[i])
                }
            })
            .collect();
        let scale: Vec<f64> = cap.iter().map(|&c| if c > 0 { 1.0 / c as f64 } else { 0.0 }).collect();
        let size: Vec<f64> = (0..problem.items.len())
            .map(|i| problem.items[i].weighted_size(&scale) * (1.0 + self.jitter[i]))
            .collect();
        // This bin's part of the room left, the mean over the resources: its share of
        // each item's copies left.
        let part = if self.bins_left.iter().all(|&u| u == t) {
            1.0 / f64::from(bins_left)
        } else {
            let (mut sum, mut dims) = (0.0, 0);
            for (d, &c) in cap.iter().enumerate() {
                let all: u64 = self.bins_left.iter().map(|&u| problem.bin_types[u].capacity[d]).sum();
                if all > 0 {
                    sum += c as f64 / all as f64;
                    dims += 1;
                }
            }
            if dims > 0 {
                sum / f64::from(dims)
            } else {
                1.0 / f64::from(bins_left)
            }
        };
        let mut dfs = Dfs {
            problem,
            groups: self.groups,
            most,
            size,
            share: (0..problem.items.len())
                .map(|i| f64::from(self.left[i]) * part)
                .collect(),
            forced,
            slack: self.slack.clone(),
            room: cap.clone(),
            used: vec![false; self.group_left.len()],
            counts: vec![0; problem.items.len()],
            steps: 0,
            limit: 0,
            shake: 0.0,
            rng: SmallRng::seed_from_u64(self.rng.gen()),
        };
        // Copies the other bins cannot take go here first.
        let mut least_of = vec![0u32; problem.items.len()];
        for (i, least_here) in least_of.iter_mut().enumerate() {
            if self.left[i] == 0 {
                continue;
            }
            let item = &problem.items[i];
            let per_bin = if self.groups[i].is_empty() {
                item.max_per_bin
            } else {
                item.max_per_bin.min(1)
            };
            let least = self.left[i].saturating_sub(per_bin.saturating_mul(rest));
            if least == 0 {
                continue;
            }
            let fits = item
                .size
                .iter()
                .zip(&dfs.room)
                .all(|(&s, &r)| s * u64::from(least) <= r);
            if least > dfs.most[i] || !fits || self.groups[i].iter().any(|&g| dfs.used[g]) {
                return None;
            }
            dfs.place(i, least, true);
            *least_here = least;
        }
        // First a load that leaves at most its pace of the slack in each resource, so that
        // the last bins still have room to spare; then one that may leave all of it.
        let paced: Vec<u64> = self
            .slack
            .iter()
            .map(|&s| s.min((s as f64 * part * SLACK_PACE).ceil() as u64))
            .collect();
        let mut passes = vec![paced];
        if passes[0] != self.slack {
            passes.push(self.slack.clone());
        }
        let mut seek = Seek::NoLoad;
        for slack in passes {
            dfs.slack = slack;
            seek = dfs.seek();
            if seek == Seek::Found {
                break;
            }
        }
        match seek {
            Seek::Found => {}
            // A search that ran out of steps leaves the question open: the exchanges and
            // the MIP settle it. One that did not has shown that no load exists.
            Seek::OutOfSteps if self.by_mip => return self.load_otherwise(t, &dfs, &least_of, until),
            Seek::OutOfSteps | Seek::NoLoad => return None,
        }
        let bin = Bin::of_counts(t, &dfs.counts);
        (!bin.load.is_empty()).then_some(bin)
    }

    /// A load the depth-first search missed, with the same bounds: sought first by greedy
    /// fills closed by an exchange ([`exchange`]), then by a small MIP ([`bin_mip`]).
    /// Either's load is checked here, not taken on trust.
    fn load_otherwise(&mut self, t: BinTypeId, dfs: &Dfs, least: &[u32], until: Instant) -> Option<Bin> {
        let problem = self.problem;
        let weight: Vec<f64> = self.jitter.iter().map(|j| 1.0 + j).collect();
        let ask = BinAsk {
            bin_type: t,
            least,
            most: &dfs.most,
            forced: &dfs.forced,
            share: &dfs.share,
            weight: &weight,
            slack: &self.slack,
        };
        let copies: u64 = self.left.iter().map(|&n| u64::from(n)).sum();
        let many = copies as f64 >= EXCHANGE_LEAST_COPIES * self.bins_left.len() as f64;
        let quick = until.min(Instant::now() + EXCHANGE_PER_BIN);
        let counts = many
            .then(|| exchange::load(problem, &ask, self.groups, quick, &mut self.rng))
            .flatten()
            .or_else(|| bin_mip::load(problem, &ask, until.min(Instant::now() + MIP_PER_BIN), self.rng.gen()))?;
        let bin = Bin::of_counts(t, &counts);
        // The bin's own rules (capacity, per-bin caps, groups apart), then the search's:
        // the bounds, the slack, and one copy from each group that must be used here.
        let within = (0..counts.len()).all(|i| least[i] <= counts[i] && counts[i] <= dfs.most[i]);
        let cap = &problem.bin_types[t].capacity;
        let fills = || (0..cap.len()).all(|d| cap[d] - bin.used(problem, d) <= self.slack[d]);
        let covered = problem
            .conflict_groups
            .iter()
            .zip(&dfs.forced)
            .all(|(group, &forced)| !forced || group.items.iter().any(|&i| counts[i] > 0));
        let sound = within && bin.fault(problem, self.groups).is_none() && fills() && covered;
        (sound && !bin.load.is_empty()).then_some(bin)
    }
}

/// The depth-first search for one bin: first an item for each group that must be used
/// (the group with fewest candidates first), then the other items one at a time.
struct Dfs<'s> {
    problem: &'s Problem,
    groups: &'s [Vec<usize>],
    /// Per item: the most copies this bin may take, its size relative to the bin (the
    /// order of the search), its share of the copies left (in proportion to the room).
    most: Vec<u32>,
    size: Vec<f64>,
    share: Vec<f64>,
    forced: Vec<bool>,
    /// The room each resource may leave unused in this bin and those left together.
    slack: Vec<u64>,
    room: Vec<u64>,
    used: Vec<bool>,
    counts: Vec<u32>,
    /// Steps of this search, and the most it may take.
    steps: u64,
    limit: u64,
    /// How far the sizes that order the items are shaken at random (none in the first
    /// search of a bin).
    shake: f64,
    rng: SmallRng,
}

/// How the search for one bin ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seek {
    Found,
    OutOfSteps,
    /// No load meets the target: the search ended within its steps.
    NoLoad,
}

impl Dfs<'_> {
    /// The load, sought again with the items' order shaken while the steps run out (see
    /// [`RESTARTS`]).
    fn seek(&mut self) -> Seek {
        for restart in 0..=RESTARTS {
            self.steps = 0;
            (self.limit, self.shake) = if restart == 0 {
                (STEPS_PER_BIN / 2, 0.0)
            } else {
                (STEPS_PER_BIN / 2 / RESTARTS, SHAKE)
            };
            if self.cover() {
                return Seek::Found;
            }
            if self.steps <= self.limit {
                return Seek::NoLoad;
            }
        }
        Seek::OutOfSteps
    }

    fn out_of_steps(&mut self) -> bool {
        self.steps += 1;
        self.steps > self.limit
    }

    fn fits(&self, i: ItemId, n: u32) -> bool {
        self.groups[i].iter().all(|&g| !self.used[g])
            && self.counts[i] + n <= self.most[i]
            && self.problem.items[i]
                .size
                .iter()
                .zip(&self.room)
                .all(|(&s, &r)| s * u64::from(n) <= r)
    }

    /// Covers the groups that must be used, one copy each, then fills the rest.
    fn cover(&mut self) -> bool {
        if self.out_of_steps() {
            return false;
        }
        let mut pick: Option<(usize, Vec<ItemId>)> = None;
        for g in 0..self.forced.len() {
            if !self.forced[g] || self.used[g] {
                continue;
            }
            let candidates: Vec<ItemId> = self.problem.conflict_groups[g]
                .items
                .iter()
                .copied()
                .filter(|&i| self.fits(i, 1))
                .collect();
            if pick.as_ref().map_or(true, |(_, c)| candidates.len() < c.len()) {
                let none = candidates.is_empty();
                pick = Some((g, candidates));
                if none {
                    return false;
                }
            }
        }
        let Some((_, mut candidates)) = pick else {
            return self.fill_rest();
        };
        // In random order: which item covers a group is what the restarts vary.
        candidates.shuffle(&mut self.rng);
        for i in candidates {
            self.place(i, 1, true);
            if self.cover() {
                return true;
            }
            self.place(i, 1, false);
            if self.steps > self.limit {
                return false;
            }
        }
        false
    }

    /// The items that may still go in, largest first, one at a time.
    fn fill_rest(&mut self) -> bool {
        // Largest first; now and then near ties broken at random, for another order.
        let jitter = if self.shake > 0.0 {
            self.shake
        } else if self.rng.gen_bool(0.5) {
            0.04
        } else {
            0.0
        };
        let fitting: Vec<ItemId> = (0..self.counts.len()).filter(|&i| self.fits(i, 1)).collect();
        let mut keyed: Vec<(f64, ItemId)> = fitting
            .into_iter()
            .map(|i| (self.size[i] * (1.0 + jitter * self.rng.gen::<f64>()), i))
            .collect();
        keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let order: Vec<ItemId> = keyed.into_iter().map(|(_, i)| i).collect();
        let dims = self.room.len();
        let mut reach = vec![vec![0u64; dims]; order.len() + 1];
        for j in (0..order.len()).rev() {
            let i = order[j];
            let n = self.most[i] - self.counts[i];
            let size = &self.problem.items[i].size;
            let (here, after) = reach.split_at_mut(j + 1);
            for ((r, a), s) in here[j].iter_mut().zip(&after[0]).zip(size) {
                *r = a + s * u64::from(n);
            }
        }
        let sums = Sums::of(self.problem, &order, &self.most, &self.counts, &self.room, &self.slack);
        self.fill_from(&order, &reach, &sums, 0)
    }

    fn fill_from(&mut self, order: &[ItemId], reach: &[Vec<u64>], sums: &Sums, j: usize) -> bool {
        if self.out_of_steps() {
            return false;
        }
        // What stays unused even if every later item goes in whole.
        if (0..self.room.len()).any(|d| self.room[d] > reach[j][d] + self.slack[d]) {
            return false;
        }
        if !sums.reachable(j, &self.room, &self.slack) {
            return false;
        }
        if j == order.len() {
            return true;
        }
        let i = order[j];
        let item = &self.problem.items[i];
        let mut hi = self.most[i] - self.counts[i];
        for (&s, &r) in item.size.iter().zip(&self.room) {
            if let Some(q) = r.checked_div(s) {
                hi = hi.min(q.min(u64::from(u32::MAX)) as u32);
            }
        }
        if self.groups[i].iter().any(|&g| self.used[g]) {
            hi = 0;
        }
        // Counts nearest the item's share of the bins left first.
        let mut choices: Vec<u32> = (0..=hi).collect();
        let share = self.share[i] - f64::from(self.counts[i]);
        choices.sort_by(|&a, &b| {
            (f64::from(a) - share)
                .abs()
                .total_cmp(&(f64::from(b) - share).abs())
                .then(b.cmp(&a))
        });
        for n in choices {
            self.place(i, n, true);
            if self.fill_from(order, reach, sums, j + 1) {
                return true;
            }
            self.place(i, n, false);
            if self.steps > self.limit {
                return false;
            }
        }
        false
    }

    /// Puts `n` copies of `i` in the bin (`add`) or takes them out.
    fn place(&mut self, i: ItemId, n: u32, add: bool) {
        if n == 0 {
            return;
        }
        let size = &self.problem.items[i].size;
        for (r, &s) in self.room.iter_mut().zip(size) {
            if add {
                *r -= s * u64::from(n);
            } else {
                *r += s * u64::from(n);
            }
        }
        for &g in &self.groups[i] {
            self.used[g] = add;
        }
        if add {
            self.counts[i] += n;
        } else {
            self.counts[i] -= n;
        }
    }
}

/// Per resource that the bin must fill (nearly) exactly, the sums the items from each
/// position of the search order on can make, in units of the greatest common divisor of
/// their sizes: a bin whose room left no such sum fills within the slack is a dead end.
struct Sums {
    /// `(resource, unit, sums[position] as a bit set)`.
    dims: Vec<(usize, u64, Vec<Vec<u64>>)>,
}

impl Sums {
    /// Resources whose slack is under the room, with at most this many units, are tracked.
    const MOST_UNITS: u64 = 1 << 16;

    fn of(problem: &Problem, order: &[ItemId], most: &[u32], counts: &[u32], room: &[u64], slack: &[u64]) -> Sums {
        let mut dims = Vec::new();
        for d in 0..room.len() {
            if slack[d] >= room[d] {
                continue;
            }
            let unit = order.iter().fold(0u64, |g, &i| gcd(g, problem.items[i].size[d]));
            if unit == 0 || room[d] / unit > Self::MOST_UNITS {
                continue;
            }
            let bits = (room[d] / unit + 1) as usize;
            let words = bits.div_ceil(64);
            let mut sets = vec![vec![0u64; words]; order.len() + 1];
            sets[order.len()][0] = 1;
            for j in (0..order.len()).rev() {
                let i = order[j];
                let step = (problem.items[i].size[d] / unit) as usize;
                let mut set = sets[j + 1].clone();
                let mut shifted = sets[j + 1].clone();
                for _ in 0..(most[i] - counts[i]) {
                    if step == 0 {
                        break;
                    }
                    shifted = shift_up(&shifted, step, bits);
                    for (a, b) in set.iter_mut().zip(&shifted) {
                        *a |= b;
                    }
                }
                sets[j] = set;
            }
            dims.push((d, unit, sets));
        }
        Sums { dims }
    }

    /// Whether the items from position `j` on can fill `room` to within `slack` in every
    /// tracked resource (each alone).
    fn reachable(&self, j: usize, room: &[u64], slack: &[u64]) -> bool {
        self.dims.iter().all(|(d, unit, sets)| {
            let hi = room[*d] / unit;
            let lo = room[*d].saturating_sub(slack[*d]).div_ceil(*unit);
            lo <= hi && any_in(&sets[j], lo as usize, hi as usize)
        })
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// `set` shifted up by `by` bits, cut at `bits`.
fn shift_up(set: &[u64], by: usize, bits: usize) -> Vec<u64> {
    let mut out = vec![0u64; set.len()];
    let (words, rest) = (by / 64, by % 64);
    for k in (words..set.len()).rev() {
        let mut w = set[k - words] << rest;
        if rest > 0 && k > words {
            w |= set[k - words - 1] >> (64 - rest);
        }
        out[k] = w;
    }
    if bits % 64 != 0 {
        if let Some(last) = out.last_mut() {
            *last &= (1u64 << (bits % 64)) - 1;
        }
    }
    out
}

/// Whether any bit from `lo` to `hi` (inclusive) is set.
fn any_in(set: &[u64], lo: usize, hi: usize) -> bool {
    (lo..=hi.min(set.len() * 64 - 1)).any(|b| set[b / 64] >> (b % 64) & 1 == 1)
}

/// Fleets worth a search: lists of types, dearest first, that cost `cost` (up to rounding)
/// and leave no room in some resource, at most `most` of them, fewest bins first. Listing
/// stops after [`LISTING_STEPS`] steps: many cheap types make fleets without number.
pub(super) fn fleets(problem: &Problem, cost: f64, most: usize) -> Vec<Vec<BinTypeId>> {
    let mut by_price: Vec<BinTypeId> = (0..problem.bin_types.len())
        .filter(|&t| problem.bin_types[t].price > 0.0)
        .collect();
    by_price.sort_by(|&a, &b| {
        let (pa, pb) = (problem.bin_types[a].price, problem.bin_types[b].price);
        pb.total_cmp(&pa).then(a.cmp(&b))
    });
    let need: Vec<u64> = (0..problem.dims())
        .map(|d| problem.items.iter().map(|it| it.size[d] * u64::from(it.count)).sum())
        .collect();
    let mut listing = Listing {
        problem,
        by_price,
        need,
        tolerance: 1e-9 * cost.max(1.0),
        chosen: Vec::new(),
        found: Vec::new(),
        steps: 0,
    };
    listing.extend(0, cost);
    let mut found = listing.found;
    found.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    found.truncate(most);
    found
}

/// Steps of [`fleets`]' listing before it stops.
const LISTING_STEPS: usize = 20_000;

struct Listing<'a> {
    problem: &'a Problem,
    by_price: Vec<BinTypeId>,
    /// What the copies take of each resource, all told.
    need: Vec<u64>,
    tolerance: f64,
    chosen: Vec<BinTypeId>,
    found: Vec<Vec<BinTypeId>>,
    steps: usize,
}

impl Listing<'_> {
    /// Extends the fleet being built with types from `from` on, `budget` left to spend.
    fn extend(&mut self, from: usize, budget: f64) {
        self.steps += 1;
        if self.steps > LISTING_STEPS {
            return;
        }
        if budget.abs() <= self.tolerance {
            if self.fills() {
                self.found.push(self.chosen.clone());
            }
            return;
        }
        for k in from..self.by_price.len() {
            let t = self.by_price[k];
            if self.problem.bin_types[t].price <= budget + self.tolerance {
                self.chosen.push(t);
                self.extend(k, budget - self.problem.bin_types[t].price);
                self.chosen.pop();
            }
        }
    }

    /// Whether the fleet being built has room for every copy in each resource, none to
    /// spare in at least one.
    fn fills(&self) -> bool {
        let room = |d: usize| -> u64 { self.chosen.iter().map(|&t| self.problem.bin_types[t].capacity[d]).sum() };
        let rooms: Vec<u64> = (0..self.need.len()).map(room).collect();
        rooms.iter().zip(&self.need).all(|(r, n)| r >= n) && rooms.iter().zip(&self.need).any(|(r, n)| r == n)
    }
}
