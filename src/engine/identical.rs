//! Items that no rule tells apart (the same sizes, the same bin types, the same conflict
//! groups, no per-bin cap of their own) are one item to the search: fewer rows in the
//! master LP and fewer kinds for the heuristics, the same least cost. The packing found is
//! split back over the original items.

use std::collections::BTreeMap;

use super::packing::{Bin, Packing};
use super::problem::{ConflictGroup, Item, ItemId, Problem};

/// A problem with identical items merged, and the way back.
pub struct Merged {
    pub problem: Problem,
    /// Per merged item, the original items it stands for, ascending.
    originals: Vec<Vec<ItemId>>,
}

/// Merges the identical items of `problem`; `None` when no two are identical. An item with
/// a per-bin cap of its own (not implied by a conflict group) stays alone: two capped items
/// merged would let one of them take the other's share of a bin.
pub fn merge(problem: &Problem) -> Option<Merged> {
    let groups = problem.groups_of_items();
    let mut merged_of = vec![0; problem.items.len()];
    let mut originals: Vec<Vec<ItemId>> = Vec::new();
    let mut by_key: BTreeMap<(&[u64], &[usize], &[usize]), usize> = BTreeMap::new();
    for (i, item) in problem.items.iter().enumerate() {
        let mergeable = item.max_per_bin == u32::MAX || !groups[i].is_empty();
        let m = if mergeable {
            *by_key
                .entry((&item.size, &item.eligible, &groups[i]))
                .or_insert(originals.len())
        } else {
            originals.len()
        };
        if m == originals.len() {
            originals.push(Vec::new());
        }
        originals[m].push(i);
        merged_of[i] = m;
    }
    if originals.len() == problem.items.len() {
        return None;
    }
    let items = originals
        .iter()
        .map(|of| {
            let first = &problem.items[of[0]];
            Item {
                name: first.name.clone(),
                size: first.size.clone(),
                count: of.iter().map(|&i| problem.items[i].count).sum(),
                eligible: first.eligible.clone(),
                max_per_bin: of
                    .iter()
                    .map(|&i| problem.items[i].max_per_bin)
                    .min()
                    .unwrap_or(u32::MAX),
            }
        })
        .collect();
    let conflict_groups = problem
        .conflict_groups
        .iter()
        .map(|g| {
            let mut items: Vec<ItemId> = g.items.iter().map(|&i| merged_of[i]).collect();
            items.sort_unstable();
            items.dedup();
            ConflictGroup {
                name: g.name.clone(),
                items,
            }
        })
        .collect();
    Some(Merged {
        problem: Problem {
            resources: problem.resources.clone(),
            items,
            bin_types: problem.bin_types.clone(),
            conflict_groups,
        },
        originals,
    })
}

impl Merged {
    /// The packing of the original problem that `packing` (of the merged one) stands for:
    /// each merged item's copies go to its original items in order, bin by bin.
    pub fn expand(&self, original: &Problem, packing: &Packing) -> Packing {
        // Per merged item, the originals with copies still to place and how many, the next
        // one last.
        let mut left: Vec<Vec<(ItemId, u32)>> = self
            .originals
            .iter()
            .map(|of| {
                of.iter()
                    .rev()
                    .map(|&i| (i, original.items[i].count))
                    .filter(|&(_, n)| n > 0)
                    .collect()
            })
            .collect();
        let bins = packing
            .bins
            .iter()
            .map(|bin| {
                let mut load = Vec::new();
                for &(m, mut n) in &bin.load {
                    while n > 0 {
                        let Some(next) = left[m].last_mut() else {
                            break;
                        };
                        let take = n.min(next.1);
                        load.push((next.0, take));
                        next.1 -= take;
                        n -= take;
                        if next.1 == 0 {
                            left[m].pop();
                        }
                    }
                }
                load.sort_unstable();
                Bin {
                    bin_type: bin.bin_type,
                    load,
                }
            })
            .collect();
        Packing { bins }
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::engine::heuristics::portfolio;
    use crate::engine::heuristics::tests::{brute_force, random_problem};
    use crate::engine::{BinType, Settings};

    fn item(name: &str, size: &[u64], count: u32, max_per_bin: u32) -> Item {
        Item {
            name: name.into(),
            size: size.to_vec(),
            count,
            eligible: vec![0],
            max_per_bin,
        }
    }

    #[test]
    fn identical_items_merge_and_capped_or_grouped_apart_ones_do_not() {
        let problem = Problem {
            resources: vec!["a".into(), "b".into()],
            items: vec![
                item("x", &[2, 3], 4, u32::MAX),
                item("capped", &[2, 3], 2, 1),
                item("y", &[2, 3], 5, u32::MAX),
                item("p", &[1, 1], 3, 1),
                item("q", &[1, 1], 2, 1),
                item("r", &[1, 1], 2, 1),
            ],
            bin_types: vec![BinType {
                name: "t".into(),
                capacity: vec![10, 10],
                price: 1.0,
            }],
            conflict_groups: vec![ConflictGroup {
                name: "port".into(),
                items: vec![3, 4],
            }],
        };
        let merged = merge(&problem).expect("x and y, p and q merge");
        let names: Vec<(&str, u32)> = merged
            .problem
            .items
            .iter()
            .map(|i| (i.name.as_str(), i.count))
            .collect();
        assert_eq!(names, [("x", 9), ("capped", 2), ("p", 5), ("r", 2)]);
        assert_eq!(merged.problem.conflict_groups[0].items, [2]);
        assert_eq!(merged.originals, [vec![0, 2], vec![1], vec![3, 4], vec![5]]);
    }

    #[test]
    fn nothing_to_merge_gives_none() {
        let problem = random_problem(3, 1, 4);
        assert!(merge(&problem).is_none());
    }

    /// `random_problem` with some items repeated (other counts, the same groups).
    fn with_twins(seed: u64) -> Problem {
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut problem = random_problem(seed, 3, 3);
        for i in 0..problem.items.len() {
            if rng.gen_bool(0.6) {
                let mut twin = problem.items[i].clone();
                twin.name.push('\'');
                twin.count = rng.gen_range(1..=3);
                let t = problem.items.len();
                problem.items.push(twin);
                for g in problem.conflict_groups.iter_mut().filter(|g| g.items.contains(&i)) {
                    g.items.push(t);
                    g.items.sort_unstable();
                }
            }
        }
        problem
    }

    #[test]
    fn merging_keeps_the_least_cost_and_expanded_packings_keep_every_rule() {
        let mut merged_any = 0;
        for seed in 0..60 {
            let problem = with_twins(seed);
            let Some(merged) = merge(&problem) else {
                continue;
            };
            merged_any += 1;
            let least = brute_force(&problem);
            assert!((brute_force(&merged.problem) - least).abs() < 1e-9, "seed {seed}");
            let packing = portfolio(&merged.problem, &Settings::default());
            let expanded = merged.expand(&problem, &packing);
            assert_eq!(expanded.verify(&problem), Ok(()), "seed {seed}");
            assert!((expanded.cost(&problem) - packing.cost(&merged.problem)).abs() < 1e-9);
        }
        assert!(merged_any >= 20, "{merged_any} of 60 problems had twins that merge");
    }
}
