//! Patterns that fill a bin exactly, of one to three items, found by looking up what is
//! left of the bin among the item sizes.
//!
//! When the bound is a plan's cost and bins must be full in every resource for a plan to
//! meet it (triplet instances), the reduced-cost enumeration has nothing to prune: under
//! duals that price every resource, every item is worth its size, so every partial
//! pattern looks completable, and on 500 items it runs out of time. Looking up the rest of
//! a bin after one or two items is quadratic instead, and the triplets such instances
//! are built from are among what it finds.

use std::collections::HashMap;
use std::time::Instant;

use crate::engine::packing::Bin;
use crate::engine::problem::Problem;

/// Every pattern of one to three items (copies counted) whose load equals its bin type's
/// capacity in every resource and whose reduced cost under `duals` is 0 (to a millionth
/// of the price, as the duals are a solver's); `None` when there are more than `limit` or
/// at `deadline`.
pub fn patterns(problem: &Problem, duals: &[f64], limit: usize, deadline: Instant) -> Option<Vec<Bin>> {
    let groups = problem.groups_of_items();
    let mut found = Vec::new();
    let mut rest = vec![0u64; problem.dims()];
    for (t, bin_type) in problem.bin_types.iter().enumerate() {
        let cap = &bin_type.capacity;
        let on_t: Vec<usize> = (0..problem.items.len())
            .filter(|&i| {
                let item = &problem.items[i];
                item.count > 0 && item.eligible.binary_search(&t).is_ok()
            })
            .collect();
        let mut by_size: HashMap<&[u64], Vec<usize>> = HashMap::new();
        for &i in &on_t {
            by_size.entry(&problem.items[i].size).or_default().push(i);
        }
        let keep = |load: Vec<(usize, u32)>, found: &mut Vec<Bin>| {
            let bin = Bin { bin_type: t, load };
            let worth: f64 = bin.load.iter().map(|&(i, n)| duals[i] * f64::from(n)).sum();
            let no_reduced_cost = bin_type.price - worth <= 1e-6 * bin_type.price.max(1.0);
            let copies_left = bin.load.iter().all(|&(i, n)| n <= problem.items[i].count);
            if no_reduced_cost && copies_left && bin.fault(problem, &groups).is_none() {
                found.push(bin);
            }
        };
        for (k, &a) in on_t.iter().enumerate() {
            if Instant::now() >= deadline || found.len() > limit {
                return None;
            }
            let sa = &problem.items[a].size;
            if sa == cap {
                keep(vec![(a, 1)], &mut found);
            }
            for &b in &on_t[k..] {
                let sb = &problem.items[b].size;
                let mut fits = true;
                for d in 0..cap.len() {
                    match cap[d].checked_sub(sa[d] + sb[d]) {
                        Some(r) => rest[d] = r,
                        None => fits = false,
                    }
                }
                if !fits {
                    continue;
                }
                if rest.iter().all(|&r| r == 0) {
                    keep(pair(a, b), &mut found);
                    continue;
                }
                for &c in by_size.get(&rest[..]).into_iter().flatten() {
                    if c >= b {
                        keep(triple(a, b, c), &mut found);
                    }
                }
            }
        }
    }
    Some(found)
}

/// The load of items `a ≤ b`.
fn pair(a: usize, b: usize) -> Vec<(usize, u32)> {
    if a == b {
        vec![(a, 2)]
    } else {
        vec![(a, 1), (b, 1)]
    }
}

/// The load of items `a ≤ b ≤ c`.
fn triple(a: usize, b: usize, c: usize) -> Vec<(usize, u32)> {
    let mut load: Vec<(usize, u32)> = Vec::with_capacity(3);
    for i in [a, b, c] {
        match load.last_mut() {
            Some((j, n)) if *j == i => *n += 1,
            _ => load.push((i, 1)),
        }
    }
    load
}
