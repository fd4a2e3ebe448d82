//! Pricing by dynamic programming: the best pattern of one bin type over the resources
//! that bind (those that the candidates together could overfill), each counted in the
//! greatest common unit of the candidates' sizes, so that few states make it exact.
//!
//! Where every binding resource fits in [`MOST_STATES`] states, one pass gives the best
//! pattern and proves it. Otherwise a few resources are kept, in coarser units if need be,
//! and the others are priced instead (a Lagrangian relaxation of them): each price is
//! found by a line search, one pass of the program per point. That bound is valid at any
//! prices, and often far tighter than relaxing every resource at once; its pattern counts
//! when it fits. Conflict groups count each candidate in its first group only (fewer
//! rules, still a bound), and the pattern is then checked against all of them. The
//! pattern is traced back from the choices of the last pass: one bit per state for a step
//! with one option, so that a program over a million states still yields its pattern.
//!
//! Where the bound is not proved, the same program run from the last candidate back gives
//! a table per candidate ([`Completion`]) that bounds a branch and bound's every node.

use super::pricing::Knapsack;

/// Most states of a program that keeps every binding resource, and of one pass of a line
/// search.
pub const MOST_STATES: usize = 1 << 20;
pub const MOST_SEARCHED_STATES: usize = 1 << 13;
/// Passes of the line searches over the prices of the resources not kept.
const SEARCH_PASSES: usize = 24;
/// Most bytes of recorded choices from which the best pattern is traced back.
const MOST_RECORDED: usize = 1 << 26;
/// Relative margin on the bound for the rounding of its sums.
const ROUNDING: f64 = 1e-12;

/// What the dynamic program proved and found.
pub struct Dynamic {
    /// An upper bound on the value of every pattern that fits the bin.
    pub bound: f64,
    /// The best pattern it found, if its choices were recorded and it fits: its value and
    /// its copies of each candidate.
    pub pattern: Option<(f64, Vec<u32>)>,
    /// The prices at which `bound` holds: those of the resources not kept, where the
    /// line searches ended.
    prices: Vec<f64>,
    layout: Layout,
}

/// Prices `knapsack` by dynamic programming within about `work` state updates in all:
/// over at most `most_states.0` states if every binding resource fits in them, else over
/// at most `most_states.1` per pass of the line searches. `mu` holds a price of each
/// resource (those of the Lagrangian bound; any prices at or above zero give a valid
/// bound), where the line searches start.
pub fn price(knapsack: &Knapsack, mu: &[f64], most_states: (usize, usize), work: usize) -> Option<Dynamic> {
    // Steps of a pass, at most: pieces of the candidates' copies, and the groups.
    let pieces: usize = (0..knapsack.items.len())
        .filter(|&j| knapsack.groups[j].is_empty())
        .map(|j| pieces(knapsack.copies[j]).count())
        .sum();
    let steps = (pieces + knapsack.group_count).max(1);
    let searched = most_states.1.min(work / (steps * (SEARCH_PASSES + 2)));
    let layout =
        Layout::whole(knapsack, most_states.0.min(work / steps)).or_else(|| Layout::chosen(knapsack, mu, searched))?;
    let mut mu = mu.to_vec();
    let pass = |mu: &[f64], record: bool| -> (f64, Option<Vec<u32>>) {
        let steps = layout.steps(knapsack, mu);
        let (value, chosen) = layout.pass(&steps, record);
        let pattern = chosen.and_then(|chosen| trace(knapsack, &steps, &chosen, layout.states - 1));
        (
            (value + layout.relief(mu, &knapsack.capacity)) * (1.0 + ROUNDING),
            pattern,
        )
    };
    let (mut bound, mut pattern) = pass(&mu, layout.priced.is_empty());
    let passes = SEARCH_PASSES / layout.priced.len().max(1);
    for &d in &layout.priced {
        // The bound is convex in each price; past `high` no candidate that takes the
        // resource has a profit left, and the bound only grows.
        let high = (0..knapsack.items.len())
            .filter(|&j| knapsack.size(j)[d] > 0)
            .map(|j| knapsack.value[j] / knapsack.size(j)[d] as f64)
            .fold(0.0, f64::max);
        let golden = (5f64.sqrt() - 1.0) / 2.0;
        let (mut low, mut high) = (0.0, high);
        let at = |x: f64, mu: &mut Vec<f64>, bound: &mut f64| -> f64 {
            let before = mu[d];
            mu[d] = x;
            let (value, _) = pass(mu, false);
            if value < *bound {
                *bound = value;
            } else {
                mu[d] = before;
            }
            value
        };
        let (mut x1, mut x2) = (high - golden * (high - low), low + golden * (high - low));
        let mut f1 = at(x1, &mut mu, &mut bound);
        let mut f2 = at(x2, &mut mu, &mut bound);
        for _ in 2..passes {
            if f1 <= f2 {
                high = x2;
                (x2, f2) = (x1, f1);
                x1 = high - golden * (high - low);
                f1 = at(x1, &mut mu, &mut bound);
            } else {
                low = x1;
                (x1, f1) = (x2, f2);
                x2 = low + golden * (high - low);
                f2 = at(x2, &mut mu, &mut bound);
            }
        }
    }
    if !layout.priced.is_empty() {
        // The best prices once more, recording the choices: the pattern at that bound.
        pattern = pass(&mu, true).1;
    }
    let pattern = pattern.map(|counts| {
        let value = counts.iter().zip(&knapsack.value).map(|(&n, v)| f64::from(n) * v).sum();
        (value, counts)
    });
    Some(Dynamic {
        bound,
        pattern,
        prices: mu,
        layout,
    })
}

impl Dynamic {
    /// The program's tables for a branch and bound, if they fit in `most_values` values.
    pub fn into_completion(self, knapsack: &Knapsack, most_values: usize) -> Option<Completion> {
        Completion::new(knapsack, self.layout, self.prices, most_values)
    }
}

/// Bounds on what the candidates from any `k` on can add in any room: the program of
/// [`price`] (its resources kept, the others at the prices where its line searches ended)
/// run from the last candidate back, one table of best profits per candidate. Conflict
/// groups are left out (still a bound). What a branch and bound needs to prune where bins
/// hold tens of tasks and no fractional bound comes near the best pattern.
pub struct Completion {
    layout: Layout,
    mu: Vec<f64>,
    /// `table[k * states + x]`: the best profit of the candidates from `k` on within the
    /// state `x`.
    table: Vec<f64>,
}

impl Completion {
    fn new(knapsack: &Knapsack, layout: Layout, mu: Vec<f64>, most_values: usize) -> Option<Completion> {
        let n = knapsack.items.len();
        let states = layout.states;
        if (n + 1).checked_mul(states)? > most_values {
            return None;
        }
        let mut table = vec![0.0f64; (n + 1) * states];
        for k in (0..n).rev() {
            let (rest, after) = table.split_at_mut((k + 1) * states);
            let best = &mut rest[k * states..];
            best.copy_from_slice(&after[..states]);
            let profit = layout.profit(knapsack, k, &mu);
            if profit <= 0.0 {
                continue;
            }
            for take in pieces(knapsack.copies[k]) {
                layout.add(best, &layout.choice(knapsack, k, take, profit), None);
            }
        }
        Some(Completion { layout, mu, table })
    }

    /// An upper bound on what the candidates from `k` on add in `room`.
    pub fn bound(&self, k: usize, room: &[u64]) -> f64 {
        let layout = &self.layout;
        let x: usize = layout
            .kept
            .iter()
            .zip(&layout.unit)
            .zip(&layout.stride)
            .map(|((&d, &u), &s)| (room[d] / u) as usize * s)
            .sum();
        (self.table[k * layout.states + x] + layout.relief(&self.mu, room)) * (1.0 + ROUNDING)
    }
}

/// The resources a program keeps, in which units, and those it prices.
struct Layout {
    kept: Vec<usize>,
    unit: Vec<u64>,
    /// Levels of each kept resource, and the distance in states of one level.
    shape: Vec<usize>,
    stride: Vec<usize>,
    states: usize,
    priced: Vec<usize>,
}

impl Layout {
    /// Every binding resource in its greatest common unit, if they fit in `most_states`.
    fn whole(knapsack: &Knapsack, most_states: usize) -> Option<Layout> {
        let binding = binding(knapsack);
        let unit: Vec<u64> = binding.iter().map(|&(_, u)| u).collect();
        let binding = binding.into_iter().map(|(d, _)| d).collect();
        Layout::new(knapsack, binding, unit, Vec::new(), most_states)
    }

    /// The resource of most weight in the Lagrangian bound at `mu`, coarser if need be,
    /// then the others from the fewest levels up (awsvpc slots and GPUs, which cost the
    /// states least) while they fit in `most_states`; the rest priced.
    fn chosen(knapsack: &Knapsack, mu: &[f64], most_states: usize) -> Option<Layout> {
        let levels = |d: usize, unit: u64| (knapsack.capacity[d] / unit) as usize + 1;
        let mut order = binding(knapsack);
        order.sort_by_key(|&(d, unit)| (levels(d, unit), d));
        let weight = |d: usize| mu[d] * knapsack.capacity[d] as f64;
        let first =
            (0..order.len()).max_by(|&a, &b| weight(order[a].0).total_cmp(&weight(order[b].0)).then(b.cmp(&a)))?;
        let (first, mut unit) = order.remove(first);
        while levels(first, unit) > most_states.max(1) {
            unit *= 2;
        }
        let (mut kept, mut units) = (vec![first], vec![unit]);
        let mut states = levels(first, unit);
        let mut priced = Vec::new();
        for (d, unit) in order {
            match states.checked_mul(levels(d, unit)).filter(|&s| s <= most_states) {
                Some(more) => {
                    kept.push(d);
                    units.push(unit);
                    states = more;
                }
                None => priced.push(d),
            }
        }
        Layout::new(knapsack, kept, units, priced, most_states)
    }

    fn new(knapsack: &Knapsack, kept: Vec<usize>, unit: Vec<u64>, priced: Vec<usize>, most: usize) -> Option<Layout> {
        let shape: Vec<usize> = kept
            .iter()
            .zip(&unit)
            .map(|(&d, &u)| usize::try_from(knapsack.capacity[d] / u).ok()?.checked_add(1))
            .collect::<Option<_>>()?;
        let mut stride = Vec::with_capacity(shape.len());
        let mut states = 1usize;
        for &levels in &shape {
            stride.push(states);
            states = states.checked_mul(levels).filter(|&s| s <= most)?;
        }
        Some(Layout {
            kept,
            unit,
            shape,
            stride,
            states,
            priced,
        })
    }

    /// The steps of a pass at resource prices `mu`: each candidate's profit is its value
    /// less the price of the resources not kept, and those without profit never raise the
    /// best value. Copies come in pieces of 1, 2, 4, …, so that any number up to the
    /// candidate's copies is a sum of distinct pieces; a conflict group is one step.
    fn steps(&self, knapsack: &Knapsack, mu: &[f64]) -> Vec<Step> {
        let mut steps = Vec::new();
        let mut members: Vec<Vec<Choice>> = (0..knapsack.group_count).map(|_| Vec::new()).collect();
        for j in 0..knapsack.items.len() {
            let profit = self.profit(knapsack, j, mu);
            if profit <= 0.0 {
                continue;
            }
            match knapsack.groups[j].first() {
                None => steps.extend(pieces(knapsack.copies[j]).map(|take| Step {
                    options: vec![self.choice(knapsack, j, take, profit)],
                })),
                Some(&g) => members[g].extend((1..=knapsack.copies[j]).map(|c| self.choice(knapsack, j, c, profit))),
            }
        }
        steps.extend(
            members
                .into_iter()
                .filter(|m| !m.is_empty())
                .map(|options| Step { options }),
        );
        steps
    }

    /// Candidate `j`'s value less the price at `mu` of its sizes in the resources not kept.
    fn profit(&self, knapsack: &Knapsack, j: usize, mu: &[f64]) -> f64 {
        knapsack.value[j]
            - self
                .priced
                .iter()
                .map(|&d| mu[d] * knapsack.size(j)[d] as f64)
                .sum::<f64>()
    }

    /// What `room` in the resources not kept is worth at `mu`: added to a pass's best
    /// profit, it makes the bound (the Lagrangian of the resources priced).
    fn relief(&self, mu: &[f64], room: &[u64]) -> f64 {
        self.priced.iter().map(|&d| mu[d] * room[d] as f64).sum()
    }

    /// `copies` of candidate `j` at `profit` each, with sizes rounded down in coarse
    /// units: every pattern that fits still fits.
    fn choice(&self, knapsack: &Knapsack, j: usize, copies: u32, profit: f64) -> Choice {
        let units: Vec<usize> = self
            .kept
            .iter()
            .zip(&self.unit)
            .map(|(&d, &u)| (knapsack.size(j)[d] / u) as usize * copies as usize)
            .collect();
        let offset = units.iter().zip(&self.stride).map(|(u, s)| u * s).sum();
        Choice {
            candidate: j,
            copies,
            profit: profit * f64::from(copies),
            units,
            offset,
        }
    }

    /// Takes `choice` at most once into `best`, the best profit within each state; sets
    /// in `taken` (if any) the bit of each state where it is taken.
    fn add(&self, best: &mut [f64], choice: &Choice, mut taken: Option<&mut [u64]>) {
        // Descending, so that every state reads a value from before this choice.
        self.rows(&choice.units, |first, last| {
            for x in (first..=last).rev() {
                let with = best[x - choice.offset] + choice.profit;
                if with > best[x] {
                    best[x] = with;
                    if let Some(bits) = taken.as_deref_mut() {
                        bits[x / 64] |= 1 << (x % 64);
                    }
                }
            }
        });
    }

    /// Calls `row(first, last)` on each run of consecutive states whose every kept
    /// resource has at least `units` levels, last run first.
    fn rows(&self, units: &[usize], mut row: impl FnMut(usize, usize)) {
        if units.iter().zip(&self.shape).any(|(&u, &l)| u >= l) {
            return;
        }
        let Some((&inner, outer)) = self.shape.split_first() else {
            row(0, 0);
            return;
        };
        // `at`: the coordinates of the outer resources, counting down to `units`.
        let mut at: Vec<usize> = outer.iter().map(|&l| l - 1).collect();
        loop {
            let base: usize = at.iter().zip(&self.stride[1..]).map(|(c, s)| c * s).sum();
            row(base + units[0], base + inner - 1);
            let mut d = 0;
            loop {
                if d == at.len() {
                    return;
                }
                if at[d] > units[d + 1] {
                    at[d] -= 1;
                    break;
                }
                at[d] = outer[d] - 1;
                d += 1;
            }
        }
    }

    /// The best profit of `steps` within the full state, and with `record` (if few enough
    /// choices) the choices of each step in each state.
    fn pass(&self, steps: &[Step], record: bool) -> (f64, Option<Vec<Taken>>) {
        let words = self.states.div_ceil(64);
        let bytes: usize = steps
            .iter()
            .map(|s| {
                if s.options.len() == 1 {
                    8 * words
                } else {
                    2 * self.states
                }
            })
            .sum();
        let record = record && bytes <= MOST_RECORDED && steps.iter().all(|s| s.options.len() < usize::from(u16::MAX));
        let mut best = vec![0.0f64; self.states];
        let mut chosen = Vec::new();
        for step in steps {
            if let [choice] = step.options.as_slice() {
                let mut bits = if record { vec![0u64; words] } else { Vec::new() };
                self.add(&mut best, choice, record.then_some(bits.as_mut_slice()));
                if record {
                    chosen.push(Taken::Bits(bits));
                }
                continue;
            }
            // Members of a conflict group all read the values from before the step.
            let before = best.clone();
            let mut which = if record { vec![0u16; self.states] } else { Vec::new() };
            for (o, c) in step.options.iter().enumerate() {
                self.rows(&c.units, |first, last| {
                    for x in first..=last {
                        let with = before[x - c.offset] + c.profit;
                        if with > best[x] {
                            best[x] = with;
                            if record {
                                which[x] = o as u16 + 1;
                            }
                        }
                    }
                });
            }
            if record {
                chosen.push(Taken::Which(which));
            }
        }
        (best[self.states - 1], record.then_some(chosen))
    }
}

/// The choices of one step in each state: a bit per state where the step has one option,
/// else the option taken (0 for none).
enum Taken {
    Bits(Vec<u64>),
    Which(Vec<u16>),
}

impl Taken {
    fn at(&self, x: usize) -> Option<usize> {
        match self {
            Taken::Bits(bits) => (bits[x / 64] >> (x % 64) & 1 == 1).then_some(0),
            Taken::Which(which) => usize::from(which[x]).checked_sub(1),
        }
    }
}

/// One step of the program: take at most one of its options (a few copies of one
/// candidate, or one member of a conflict group).
struct Step {
    options: Vec<Choice>,
}

/// Copies of a candidate, their profit, the units of each kept resource they take, and
/// the distance in states that those units make.
struct Choice {
    candidate: usize,
    copies: u32,
    profit: f64,
    units: Vec<usize>,
    offset: usize,
}

/// The resources that the candidates together could overfill (the others never bind),
/// each with the greatest common divisor of the candidates' sizes in it.
fn binding(knapsack: &Knapsack) -> Vec<(usize, u64)> {
    (0..knapsack.capacity.len())
        .filter(|&d| {
            let demand: u64 = (0..knapsack.items.len())
                .map(|j| u64::from(knapsack.copies[j]) * knapsack.size(j)[d])
                .sum();
            demand > knapsack.capacity[d]
        })
        .map(|d| (d, common_unit(knapsack, d)))
        .collect()
}

/// Pieces of 1, 2, 4, … copies (the last what is left) that add up to `copies`: any
/// number up to `copies` is a sum of distinct pieces.
fn pieces(copies: u32) -> impl Iterator<Item = u32> {
    let mut left = copies;
    (0..).map_while(move |k: u32| {
        let take = 1u32.checked_shl(k)?.min(left);
        left -= take;
        (take > 0).then_some(take)
    })
}

/// The greatest common divisor of the candidates' sizes in resource `d` (1 if none).
fn common_unit(knapsack: &Knapsack, d: usize) -> u64 {
    (0..knapsack.items.len())
        .map(|j| knapsack.size(j)[d])
        .fold(0, gcd)
        .max(1)
}

/// The copies of the recorded choices from state `x` back, if they fit every resource and
/// every conflict group.
fn trace(knapsack: &Knapsack, steps: &[Step], chosen: &[Taken], mut x: usize) -> Option<Vec<u32>> {
    let mut counts = vec![0u32; knapsack.items.len()];
    for (step, taken) in steps.iter().zip(chosen).rev() {
        if let Some(o) = taken.at(x) {
            let c = &step.options[o];
            counts[c.candidate] += c.copies;
            x -= c.offset;
        }
    }
    let mut room = knapsack.capacity.clone();
    let mut used = vec![false; knapsack.group_count];
    let mut placed = vec![0u32; counts.len()];
    for (j, &c) in counts.iter().enumerate().filter(|&(_, &c)| c > 0) {
        if knapsack.fits(j, &room, &used) < c {
            return None;
        }
        knapsack.apply(j, c, &mut room, &mut used, &mut placed);
    }
    Some(counts)
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}
