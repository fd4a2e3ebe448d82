//! A plan on a fixed number of bins of one type, built for items that must spread: items
//! capped at one copy per bin or in conflict groups (a static host port, in ECS terms) go
//! first, those with most copies first, each copy to the open bins with the most room
//! left in what it uses; the other items follow, largest first, each copy to the bin it
//! fills best; copies that fit none open a bin more. Where such items use up a resource
//! of every bin (every static port bound), the order that fills bins one after another
//! runs out of bins that can still take a service's copies apart, and this one does not.

use crate::engine::packing::{Bin, Packing};
use crate::engine::problem::{BinTypeId, ItemId, Problem};

/// One bin under construction.
struct Open {
    room: Vec<u64>,
    used: Vec<bool>,
    counts: Vec<u32>,
}

impl Open {
    fn new(problem: &Problem, t: BinTypeId) -> Self {
        Open {
            room: problem.bin_types[t].capacity.clone(),
            used: vec![false; problem.conflict_groups.len()],
            counts: vec![0; problem.items.len()],
        }
    }

    fn takes(&self, problem: &Problem, groups: &[Vec<usize>], i: ItemId) -> bool {
        let item = &problem.items[i];
        self.counts[i] < item.max_per_bin
            && groups[i].iter().all(|&g| !self.used[g])
            && item.size.iter().zip(&self.room).all(|(s, r)| s <= r)
    }

    fn put(&mut self, problem: &Problem, groups: &[Vec<usize>], i: ItemId) {
        for (r, s) in self.room.iter_mut().zip(&problem.items[i].size) {
            *r -= s;
        }
        for &g in &groups[i] {
            self.used[g] = true;
        }
        self.counts[i] += 1;
    }
}

/// The plan of [`spread`] on `bins` bins of type `t` (more when copies are left over), or
/// `None` when some item may not use `t`.
pub(super) fn spread(problem: &Problem, t: BinTypeId, bins: usize) -> Option<Packing> {
    let groups = problem.groups_of_items();
    if problem
        .items
        .iter()
        .any(|it| it.count > 0 && it.eligible.binary_search(&t).is_err())
    {
        return None;
    }
    let capacity = &problem.bin_types[t].capacity;
    let share = |i: ItemId| -> f64 {
        let size = &problem.items[i].size;
        size.iter()
            .zip(capacity)
            .filter(|(_, &c)| c > 0)
            .map(|(&s, &c)| s as f64 / c as f64)
            .sum()
    };
    let apart = |i: ItemId| problem.items[i].max_per_bin <= 1 || !groups[i].is_empty();
    let mut order: Vec<ItemId> = (0..problem.items.len())
        .filter(|&i| problem.items[i].count > 0)
        .collect();
    order.sort_by(|&a, &b| {
        apart(b)
            .cmp(&apart(a))
            .then_with(|| {
                if apart(a) {
                    problem.items[b].count.cmp(&problem.items[a].count)
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .then_with(|| share(b).total_cmp(&share(a)))
            .then(a.cmp(&b))
    });
    let mut open: Vec<Open> = (0..bins.max(1)).map(|_| Open::new(problem, t)).collect();
    // How full a bin is in what item `i` uses: the greatest share used of those resources.
    let fullness = |bin: &Open, i: ItemId| -> f64 {
        problem.items[i]
            .size
            .iter()
            .zip(capacity)
            .zip(&bin.room)
            .filter(|((&s, &c), _)| s > 0 && c > 0)
            .map(|((_, &c), &r)| 1.0 - r as f64 / c as f64)
            .fold(0.0, f64::max)
    };
    for &i in &order {
        for _ in 0..problem.items[i].count {
            let candidates = open.iter().enumerate().filter(|(_, b)| b.takes(problem, &groups, i));
            // Items kept apart go where they leave the most room; the rest where they fill
            // the bin most (best fit by the surrogate size left).
            let chosen = if apart(i) {
                candidates
                    .min_by(|(x, a), (y, b)| fullness(a, i).total_cmp(&fullness(b, i)).then(x.cmp(y)))
                    .map(|(b, _)| b)
            } else {
                let left = |bin: &Open| -> f64 {
                    bin.room
                        .iter()
                        .zip(capacity)
                        .filter(|(_, &c)| c > 0)
                        .map(|(&r, &c)| r as f64 / c as f64)
                        .sum()
                };
                candidates
                    .min_by(|(x, a), (y, b)| left(a).total_cmp(&left(b)).then(x.cmp(y)))
                    .map(|(b, _)| b)
            };
            let b = match chosen {
                Some(b) => b,
                None => {
                    let fresh = Open::new(problem, t);
                    if !fresh.takes(problem, &groups, i) {
                        return None;
                    }
                    open.push(fresh);
                    open.len() - 1
                }
            };
            open[b].put(problem, &groups, i);
        }
    }
    let bins = open
        .into_iter()
        .map(|bin| Bin::of_counts(t, &bin.counts))
        .filter(|bin| !bin.load.is_empty())
        .collect();
    Some(Packing { bins })
}
