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
//! rules, still a bound), and the pattern is then checked against all of them.

use super::pricing::Knapsack;

/// Most states of a program that keeps every binding resource, and of one pass of a line
/// search.
pub const MOST_STATES: usize = 1 << 20;
pub const MOST_SEARCHED_STATES: usize = 1 << 13;
/// Passes of the line searches over the prices of the resources not kept.
const SEARCH_PASSES: usize = 24;
/// Most recorded choices (two bytes each) from which the best pattern is traced back.
const MOST_RECORDED: usize = 1 << 25;
/// Relative margin on the bound for the rounding of its sums.
const ROUNDING: f64 = 1e-12;

/// What the dynamic program proved and found.
pub struct Dynamic {
    /// An upper bound on the value of every pattern that fits the bin.
    pub bound: f64,
    /// The best pattern it found, if its choices were recorded and it fits: its value and
    /// its copies of each candidate.
    pub pattern: Option<(f64, Vec<u32>)>,
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
        .map(|j| (u32::BITS - knapsack.copies[j].leading_zeros()) as usize)
        .sum();
    let steps = (pieces + knapsack.group_count).max(1);
    let searched = most_states.1.min(work / (steps * (SEARCH_PASSES + 2)));
    let layout =
        Layout::whole(knapsack, most_states.0.min(work / steps)).or_else(|| Layout::chosen(knapsack, mu, searched))?;
    let mut mu = mu.to_vec();
    let pass = |mu: &[f64], record: bool| -> (f64, Option<Vec<u32>>) {
        let steps = layout.steps(knapsack, mu);
        let (value, chosen) = layout.pass(&steps, record);
        let relief: f64 = layout.priced.iter().map(|&d| mu[d] * knapsack.capacity[d] as f64).sum();
        let pattern = chosen.and_then(|chosen| trace(knapsack, &steps, &chosen, layout.states - 1));
        ((value + relief) * (1.0 + ROUNDING), pattern)
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
    Some(Dynamic { bound, pattern })
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
        let choice = |j: usize, copies: u32, profit: f64| {
            // Sizes rounded down in coarse units: every pattern that fits still fits.
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
        };
        let mut steps = Vec::new();
        let mut members: Vec<Vec<Choice>> = (0..knapsack.group_count).map(|_| Vec::new()).collect();
        for j in 0..knapsack.items.len() {
            let paid: f64 = self.priced.iter().map(|&d| mu[d] * knapsack.size(j)[d] as f64).sum();
            let profit = knapsack.value[j] - paid;
            if profit <= 0.0 {
                continue;
            }
            match knapsack.groups[j].first() {
                None => {
                    let (mut left, mut piece) = (knapsack.copies[j], 1);
                    while left > 0 {
                        let take = piece.min(left);
                        steps.push(Step {
                            options: vec![choice(j, take, profit)],
                        });
                        left -= take;
                        piece *= 2;
                    }
                }
                Some(&g) => members[g].extend((1..=knapsack.copies[j]).map(|c| choice(j, c, profit))),
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

    /// The best profit of `steps` within the full state, and with `record` (if few enough
    /// choices) the choice of each step in each state.
    fn pass(&self, steps: &[Step], record: bool) -> (f64, Option<Vec<Vec<u16>>>) {
        let record = record
            && steps.len().saturating_mul(self.states) <= MOST_RECORDED
            && steps.iter().all(|s| s.options.len() < usize::from(u16::MAX));
        let mut best = vec![0.0f64; self.states];
        let mut chosen: Vec<Vec<u16>> = Vec::new();
        for step in steps {
            let mut taken = if record { vec![0u16; self.states] } else { Vec::new() };
            // Descending, so that every state reads the values before this step; `coords`
            // counts down with it.
            let mut coords: Vec<usize> = self.shape.iter().map(|&l| l - 1).collect();
            for x in (0..self.states).rev() {
                let mut value = best[x];
                let mut which = 0u16;
                for (o, c) in step.options.iter().enumerate() {
                    if c.units.iter().zip(&coords).all(|(u, have)| u <= have) {
                        let with = best[x - c.offset] + c.profit;
                        if with > value {
                            value = with;
                            which = o as u16 + 1;
                        }
                    }
                }
                best[x] = value;
                if record {
                    taken[x] = which;
                }
                for (c, &l) in coords.iter_mut().zip(&self.shape) {
                    if *c > 0 {
                        *c -= 1;
                        break;
                    }
                    *c = l - 1;
                }
            }
            if record {
                chosen.push(taken);
            }
        }
        (best[self.states - 1], record.then_some(chosen))
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

/// The greatest common divisor of the candidates' sizes in resource `d` (1 if none).
fn common_unit(knapsack: &Knapsack, d: usize) -> u64 {
    (0..knapsack.items.len())
        .map(|j| knapsack.size(j)[d])
        .fold(0, gcd)
        .max(1)
}

/// The copies of the recorded choices from state `x` back, if they fit every resource and
/// every conflict group.
fn trace(knapsack: &Knapsack, steps: &[Step], chosen: &[Vec<u16>], mut x: usize) -> Option<Vec<u32>> {
    let mut counts = vec![0u32; knapsack.items.len()];
    for (step, taken) in steps.iter().zip(chosen).rev() {
        if let Some(o) = taken[x].checked_sub(1) {
            let c = &step.options[usize::from(o)];
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
