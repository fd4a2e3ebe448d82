//! Tests of the portfolio, and the small problems and brute-force optimum that the tests
//! of the bound share.

use std::collections::HashMap;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::construct::{self, Placement, TypeRule};
use super::state::{self, Data, WorkBin};
use super::{candidates, improve, portfolio, run};
use crate::engine::{BinType, ConflictGroup, Item, Packing, Problem, Settings};

/// A small random problem: 1–3 resources, 1–4 bin types, 1–`max_items` items with 1–
/// `max_count` copies, random eligibility (every item fits one eligible type), a few
/// per-bin caps and now and then a conflict group.
pub(crate) fn random_problem(seed: u64, max_items: usize, max_count: u32) -> Problem {
    let mut rng = SmallRng::seed_from_u64(seed);
    let dims = rng.gen_range(1..=3);
    let types = rng.gen_range(1..=4);
    let bin_types: Vec<BinType> = (0..types)
        .map(|t| BinType {
            name: format!("t{t}"),
            capacity: (0..dims).map(|_| rng.gen_range(6..=30)).collect(),
            price: f64::from(rng.gen_range(1..=20u32)) / 4.0,
        })
        .collect();
    let n = rng.gen_range(1..=max_items);
    let items: Vec<Item> = (0..n)
        .map(|i| {
            let home = rng.gen_range(0..types);
            let size: Vec<u64> = bin_types[home]
                .capacity
                .iter()
                .map(|&c| rng.gen_range(0..=c * 2 / 3))
                .collect();
            let mut eligible: Vec<usize> = (0..types).filter(|&t| t == home || rng.gen_bool(0.6)).collect();
            eligible.sort_unstable();
            let max_per_bin = match rng.gen_range(0..10) {
                0 => 1,
                1 => 2,
                _ => u32::MAX,
            };
            Item {
                name: format!("i{i}"),
                size,
                count: rng.gen_range(1..=max_count),
                eligible,
                max_per_bin,
            }
        })
        .collect();
    let mut conflict_groups = Vec::new();
    if n >= 2 && rng.gen_bool(0.3) {
        let a = rng.gen_range(0..n);
        let b = (a + rng.gen_range(1..n)) % n;
        conflict_groups.push(ConflictGroup {
            name: "g".into(),
            items: vec![a.min(b), a.max(b)],
        });
    }
    Problem {
        resources: (0..dims).map(|d| format!("r{d}")).collect(),
        items,
        bin_types,
        conflict_groups,
    }
}

/// The least cost of any packing, by search over the contents of the bin that holds the
/// first copy left. For tiny problems only.
pub(crate) fn brute_force(p: &Problem) -> f64 {
    let counts: Vec<u32> = p.items.iter().map(|i| i.count).collect();
    let groups = p.groups_of_items();
    let mut memo = HashMap::new();
    least(p, &groups, counts, &mut memo)
}

fn least(p: &Problem, groups: &[Vec<usize>], left: Vec<u32>, memo: &mut HashMap<Vec<u32>, f64>) -> f64 {
    let Some(first) = left.iter().position(|&c| c > 0) else {
        return 0.0;
    };
    if let Some(&v) = memo.get(&left) {
        return v;
    }
    let mut best = f64::INFINITY;
    for (t, bt) in p.bin_types.iter().enumerate() {
        // Every load of a bin of `t` with at least one copy of `first`.
        let mut load = vec![0u32; left.len()];
        loop {
            if load[first] > 0 && fits(p, groups, t, &load) {
                let rest: Vec<u32> = left.iter().zip(&load).map(|(l, k)| l - k).collect();
                best = best.min(bt.price + least(p, groups, rest, memo));
            }
            // Next load, odometer style.
            let mut d = 0;
            while d < load.len() && load[d] == left[d] {
                load[d] = 0;
                d += 1;
            }
            if d == load.len() {
                break;
            }
            load[d] += 1;
        }
    }
    memo.insert(left, best);
    best
}

fn fits(p: &Problem, groups: &[Vec<usize>], t: usize, load: &[u32]) -> bool {
    let mut used = vec![0u64; p.dims()];
    let mut group_use = vec![0u32; p.conflict_groups.len()];
    for (i, &k) in load.iter().enumerate().filter(|(_, &k)| k > 0) {
        let item = &p.items[i];
        if item.eligible.binary_search(&t).is_err() || k > item.max_per_bin {
            return false;
        }
        for (u, s) in used.iter_mut().zip(&item.size) {
            *u += s * u64::from(k);
        }
        for &g in &groups[i] {
            group_use[g] += k;
        }
    }
    used.iter().zip(&p.bin_types[t].capacity).all(|(u, c)| u <= c) && group_use.iter().all(|&n| n <= 1)
}

fn settings(seed: u64) -> Settings {
    Settings {
        seed,
        threads: 1,
        exact: false,
        stop: Default::default(),
        ..Settings::default()
    }
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

fn packing_of(bins: &[WorkBin]) -> Packing {
    state::to_packing(bins.to_vec())
}

/// One resource and one bin type of price 1 and this capacity; items as `(size, count)`.
pub(crate) fn one_type_problem(capacity: u64, items: &[(u64, u32)]) -> Problem {
    Problem {
        resources: vec!["r".into()],
        items: items
            .iter()
            .enumerate()
            .map(|(i, &(s, count))| Item {
                name: format!("i{i}"),
                size: vec![s],
                count,
                eligible: vec![0],
                max_per_bin: u32::MAX,
            })
            .collect(),
        bin_types: vec![BinType {
            name: "t".into(),
            capacity: vec![capacity],
            price: 1.0,
        }],
        conflict_groups: vec![],
    }
}

#[test]
fn every_candidate_packs_every_copy_within_the_rules() {
    for seed in 0..150 {
        let p = random_problem(seed, 7, 12);
        let data = Data::new(&p);
        let orders = construct::orders(&data);
        for (index, c) in candidates(&data, orders.len()).iter().enumerate() {
            let mut bins = run(&data, &orders, c, index as u64);
            packing_of(&bins)
                .verify(&p)
                .unwrap_or_else(|e| panic!("seed {seed}, {c:?}: {e}"));
            let before = state::cost(&data, &bins);
            improve::improve(&data, &mut bins);
            packing_of(&bins)
                .verify(&p)
                .unwrap_or_else(|e| panic!("seed {seed}, {c:?} improved: {e}"));
            assert!(
                state::cost(&data, &bins) <= before + 1e-9,
                "seed {seed}, {c:?}: improvement raised the cost"
            );
        }
        let best = portfolio(&p, &settings(seed));
        best.verify(&p).unwrap();
        assert_eq!(best, {
            let mut b = best.clone();
            b.normalize();
            b
        });
    }
}

#[test]
fn improved_bins_sit_on_the_cheapest_type_that_holds_them() {
    for seed in 0..100 {
        let p = random_problem(seed, 6, 10);
        let data = Data::new(&p);
        let orders = construct::orders(&data);
        let mut bins = construct::item_centric(&data, &orders[0], TypeRule::Cover, Placement::FirstFit);
        improve::improve(&data, &mut bins);
        for bin in &bins {
            let cheapest = data
                .by_price
                .iter()
                .copied()
                .find(|&t| bin.fits_type(&data, t))
                .unwrap();
            assert_eq!(data.price[bin.bin_type], data.price[cheapest], "seed {seed}: {bin:?}");
        }
    }
}

#[test]
fn downsizing_moves_a_bin_to_the_cheapest_type_that_holds_it() {
    // Types: big (20, $4), medium (10, $2), small (5, $1), tiny (2, $0.5). A bin of the big
    // type holding 7 units fits medium and big only.
    let mut p = one_type_problem(20, &[(7, 1), (3, 1)]);
    p.bin_types[0].price = 4.0;
    for (name, cap, price) in [("medium", 10, 2.0), ("small", 5, 1.0), ("tiny", 2, 0.5)] {
        p.bin_types.push(BinType {
            name: name.into(),
            capacity: vec![cap],
            price,
        });
    }
    for item in &mut p.items {
        item.eligible = vec![0, 1, 2, 3];
    }
    let data = Data::new(&p);
    let mut bins = vec![WorkBin::new(0, 1), WorkBin::new(0, 1)];
    bins[0].add(&data, 0, 1);
    bins[1].add(&data, 1, 1);
    improve::downsize(&data, &mut bins);
    assert_eq!(bins[0].bin_type, 1);
    assert_eq!(bins[1].bin_type, 2);
    // The whole pass merges both into one medium bin ($2 < $2 + $1).
    let mut bins = vec![WorkBin::new(0, 1), WorkBin::new(0, 1)];
    bins[0].add(&data, 0, 1);
    bins[1].add(&data, 1, 1);
    improve::improve(&data, &mut bins);
    assert_eq!(state::cost(&data, &bins), 2.0);
    packing_of(&bins).verify(&p).unwrap();
}

#[test]
fn the_same_seed_gives_the_same_packing_on_any_thread_count() {
    for seed in 0..40 {
        let p = random_problem(seed, 7, 30);
        let one = in_pool(1, || portfolio(&p, &settings(seed)));
        let four = in_pool(4, || portfolio(&p, &settings(seed)));
        assert_eq!(one, four, "seed {seed}");
    }
}

#[test]
fn conflict_groups_and_per_bin_caps_hold() {
    // Four items, three of them sharing a group; item 3 at most two per bin. Everything
    // else would fit one bin.
    let mut p = one_type_problem(100, &[(1, 2), (1, 3), (1, 1), (1, 7)]);
    p.conflict_groups.push(ConflictGroup {
        name: "port 80".into(),
        items: vec![0, 1, 2],
    });
    p.items[3].max_per_bin = 2;
    let packing = portfolio(&p, &settings(0));
    packing.verify(&p).unwrap();
    // Six copies in the group need six bins, which also hold item 3's seven copies.
    assert_eq!(packing.bins.len(), 6);
    for bin in &packing.bins {
        let in_group: u32 = bin.load.iter().filter(|(i, _)| *i < 3).map(|(_, k)| k).sum();
        assert_eq!(in_group, 1);
        assert!(bin.load.iter().all(|&(i, k)| i != 3 || k <= 2));
    }
}

#[test]
fn the_portfolio_beats_plain_first_fit_decreasing() {
    // Sizes 5, 4, 3, 3, 3, 2 in bins of 10: first-fit decreasing needs three bins
    // ({5, 4}, {3, 3, 3}, {2}); two suffice ({5, 3, 2}, {4, 3, 3}).
    let p = one_type_problem(10, &[(5, 1), (4, 1), (3, 3), (2, 1)]);
    let data = Data::new(&p);
    let orders = construct::orders(&data);
    let ffd = construct::item_centric(&data, &orders[0], TypeRule::Value, Placement::FirstFit);
    assert_eq!(ffd.len(), 3);
    let best = portfolio(&p, &settings(0));
    best.verify(&p).unwrap();
    assert_eq!(best.bins.len(), 2);
}

#[test]
fn best_fit_sometimes_beats_first_fit() {
    let mut wins = 0;
    for seed in 0..400 {
        let p = random_problem(seed, 7, 12);
        let data = Data::new(&p);
        let orders = construct::orders(&data);
        let cost = |placement| {
            state::cost(
                &data,
                &construct::item_centric(&data, &orders[0], TypeRule::Value, placement),
            )
        };
        if cost(Placement::BestFit) < cost(Placement::FirstFit) - 1e-9 {
            wins += 1;
        }
    }
    assert!(wins > 0, "best fit never beat first fit");
}

#[test]
fn the_portfolio_is_never_below_the_optimum_and_often_at_it() {
    let mut optimal = 0;
    let total = 120;
    for seed in 0..total {
        let p = random_problem(seed, 3, 3);
        let opt = brute_force(&p);
        let cost = portfolio(&p, &settings(seed)).cost(&p);
        assert!(cost >= opt - 1e-9, "seed {seed}: {cost} below the optimum {opt}");
        if cost <= opt + 1e-9 {
            optimal += 1;
        }
    }
    assert!(optimal * 10 >= total * 8, "optimal on {optimal} of {total}");
}

/// Bins of capacity 1,000 filled exactly by triplets of random sizes: the optimum is
/// `triplets` bins.
fn triplet_problem(seed: u64, triplets: usize) -> Problem {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut items = Vec::new();
    for _ in 0..triplets {
        let a = rng.gen_range(250..=500);
        let b = rng.gen_range(250..=(1000 - a - 1).min(500));
        items.push((a, 1));
        items.push((b, 1));
        items.push((1000 - a - b, 1));
    }
    one_type_problem(1000, &items)
}

/// One bin per copy: the worst start the ejection search can get.
fn one_bin_each(p: &Problem) -> Packing {
    let mut bins = Vec::new();
    for (i, item) in p.items.iter().enumerate() {
        for _ in 0..item.count {
            bins.push(crate::engine::Bin {
                bin_type: 0,
                load: vec![(i, 1)],
            });
        }
    }
    Packing { bins }
}

/// Triplets in the instances of the ejection search's test.
const TRIPLETS: usize = 8;

#[test]
fn the_ejection_search_reaches_the_optimum_of_exact_triplets() {
    let far = std::time::Instant::now() + std::time::Duration::from_secs(3600);
    let total = 40;
    let mut optimal = 0;
    for seed in 0..total {
        let p = triplet_problem(seed, TRIPLETS);
        let start = one_bin_each(&p);
        let fewer = super::fewer_bins(&p, &start, TRIPLETS, 20_000, far, seed).expect("fewer bins than one per item");
        fewer.verify(&p).unwrap();
        assert!(fewer.bins.len() >= TRIPLETS && fewer.bins.len() < start.bins.len());
        if fewer.bins.len() == TRIPLETS {
            optimal += 1;
        }
    }
    assert!(optimal * 10 >= total * 9, "the optimum on {optimal} of {total}");
}

#[test]
fn the_ejection_search_keeps_every_rule_and_never_beats_the_optimum() {
    let far = std::time::Instant::now() + std::time::Duration::from_secs(3600);
    let mut improved = 0;
    let mut tried = 0;
    for seed in 0..400 {
        let mut p = random_problem(seed, 4, 3);
        p.bin_types.truncate(1);
        p.bin_types[0].price = 1.0;
        for item in &mut p.items {
            item.eligible = vec![0];
            for (s, &c) in item.size.iter_mut().zip(&p.bin_types[0].capacity) {
                *s = (*s).min(c);
            }
        }
        let start = one_bin_each(&p);
        let opt = brute_force(&p) as usize;
        if start.bins.len() <= opt.max(2) {
            continue;
        }
        tried += 1;
        // Asked for as few bins as it can find: a plan below the optimum would break a rule.
        let Some(fewer) = super::fewer_bins(&p, &start, 0, 5_000, far, seed) else {
            continue;
        };
        fewer.verify(&p).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert!(
            fewer.bins.len() >= opt && fewer.bins.len() < start.bins.len(),
            "seed {seed}"
        );
        assert_eq!(
            Some(&fewer),
            super::fewer_bins(&p, &start, 0, 5_000, far, seed).as_ref()
        );
        improved += 1;
    }
    assert!(improved * 2 >= tried, "fewer bins on {improved} of {tried}");
}
