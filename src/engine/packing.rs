//! A solution of a [`Problem`]: a list of bins, each of one type, holding copies of items.

use super::problem::{BinTypeId, ItemId, Problem};

/// One bin and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bin {
    pub bin_type: BinTypeId,
    /// `(item, copies)`, ascending by item, copies > 0.
    pub load: Vec<(ItemId, u32)>,
}

/// A set of bins that together hold every copy of every item.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Packing {
    pub bins: Vec<Bin>,
}

impl Packing {
    /// Total price of the bins.
    pub fn cost(&self, problem: &Problem) -> f64 {
        self.bins.iter().map(|b| problem.bin_types[b.bin_type].price).sum()
    }

    /// Puts the bins in a canonical order (by type, then load) and drops empty ones, so
    /// that equal packings compare equal and output order never depends on search order.
    pub fn normalize(&mut self) {
        for bin in &mut self.bins {
            bin.load.retain(|&(_, n)| n > 0);
            bin.load.sort_unstable();
        }
        self.bins.retain(|b| !b.load.is_empty());
        self.bins.sort();
    }

    /// Checks the packing against the generic rules of `problem`: every copy packed
    /// exactly once, eligibility, capacities, `max_per_bin` and conflict groups. This is
    /// the engine's own consistency check; the ECS checker (`crate::check`) is separate.
    pub fn verify(&self, problem: &Problem) -> Result<(), String> {
        let mut packed = vec![0u64; problem.items.len()];
        let groups = problem.groups_of_items();
        for (b, bin) in self.bins.iter().enumerate() {
            let bt = problem
                .bin_types
                .get(bin.bin_type)
                .ok_or_else(|| format!("bin {b}: unknown bin type {}", bin.bin_type))?;
            let mut used = vec![0u64; problem.dims()];
            let mut group_use = vec![0u32; problem.conflict_groups.len()];
            for &(i, n) in &bin.load {
                let item = problem
                    .items
                    .get(i)
                    .ok_or_else(|| format!("bin {b}: unknown item {i}"))?;
                if item.eligible.binary_search(&bin.bin_type).is_err() {
                    return Err(format!("bin {b}: item {} may not use type {}", item.name, bt.name));
                }
                if n > item.max_per_bin {
                    return Err(format!(
                        "bin {b}: {n} copies of {} (at most {})",
                        item.name, item.max_per_bin
                    ));
                }
                for (u, s) in used.iter_mut().zip(&item.size) {
                    *u += s * u64::from(n);
                }
                for &g in &groups[i] {
                    group_use[g] += n;
                }
                packed[i] += u64::from(n);
            }
            for (d, (u, c)) in used.iter().zip(&bt.capacity).enumerate() {
                if u > c {
                    return Err(format!("bin {b} ({}): {} {u} > {c}", bt.name, problem.resources[d]));
                }
            }
            if let Some(g) = group_use.iter().position(|&n| n > 1) {
                return Err(format!(
                    "bin {b}: conflict group {} used {} times",
                    problem.conflict_groups[g].name, group_use[g]
                ));
            }
        }
        for (i, item) in problem.items.iter().enumerate() {
            if packed[i] != u64::from(item.count) {
                return Err(format!(
                    "item {}: {} of {} copies packed",
                    item.name, packed[i], item.count
                ));
            }
        }
        Ok(())
    }
}
