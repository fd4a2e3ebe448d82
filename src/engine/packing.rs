//! A solution of a [`Problem`]: a list of bins, each of one type, holding copies of items,
//! and the same with identical bins counted once ([`Grouped`]), the form the engine answers
//! in: a plan of millions of bins often has only a few distinct ones.

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
    /// exactly once, and every bin as [`Bin::fault`] checks it. This is the engine's own
    /// consistency check; the ECS checker (`crate::check`) is separate.
    pub fn verify(&self, problem: &Problem) -> Result<(), String> {
        let groups = problem.groups_of_items();
        let mut packed = vec![0u64; problem.items.len()];
        for (b, bin) in self.bins.iter().enumerate() {
            if let Some(fault) = bin.fault(problem, &groups) {
                return Err(format!("bin {b}: {}", fault.describe(problem)));
            }
            for &(i, n) in &bin.load {
                packed[i] += u64::from(n);
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

/// Bins that are all alike: one bin and how many copies of it there are.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BinGroup {
    pub bin: Bin,
    /// How many identical bins, > 0.
    pub copies: u64,
}

/// A packing with identical bins (same type, same load) grouped: the same solution as the
/// [`Packing`] it expands to, in memory that grows with the distinct bins only.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Grouped {
    pub groups: Vec<BinGroup>,
}

impl Grouped {
    /// Groups a packing's bins, in the canonical order of [`Packing::normalize`]: the
    /// expansion of the result is the normalized packing, bin for bin.
    pub fn from_packing(mut packing: Packing) -> Grouped {
        packing.normalize();
        let mut groups: Vec<BinGroup> = Vec::new();
        for bin in packing.bins {
            match groups.last_mut() {
                Some(last) if last.bin == bin => last.copies += 1,
                _ => groups.push(BinGroup { bin, copies: 1 }),
            }
        }
        Grouped { groups }
    }

    /// Total price of the bins.
    pub fn cost(&self, problem: &Problem) -> f64 {
        self.groups
            .iter()
            .map(|g| problem.bin_types[g.bin.bin_type].price * g.copies as f64)
            .sum()
    }

    /// Number of bins, counting every copy.
    pub fn bins(&self) -> u64 {
        self.groups.iter().map(|g| g.copies).sum()
    }

    /// The canonical order of [`Packing::normalize`], identical bins in one group: loads
    /// sorted, empty bins and empty groups dropped, groups sorted by bin and equal ones
    /// merged.
    pub fn normalize(&mut self) {
        for group in &mut self.groups {
            group.bin.load.retain(|&(_, n)| n > 0);
            group.bin.load.sort_unstable();
        }
        self.groups.retain(|g| !g.bin.load.is_empty() && g.copies > 0);
        self.groups.sort_by(|a, b| a.bin.cmp(&b.bin));
        let mut merged: Vec<BinGroup> = Vec::with_capacity(self.groups.len());
        for group in self.groups.drain(..) {
            match merged.last_mut() {
                Some(last) if last.bin == group.bin => last.copies += group.copies,
                _ => merged.push(group),
            }
        }
        self.groups = merged;
    }

    /// Every bin written out, in group order. For small packings and tests: it holds one
    /// object per bin.
    pub fn expand(&self) -> Packing {
        Packing {
            bins: self
                .groups
                .iter()
                .flat_map(|g| std::iter::repeat(&g.bin).take(g.copies as usize).cloned())
                .collect(),
        }
    }

    /// [`Packing::verify`] on the grouped bins: each distinct bin is checked once against
    /// every rule, and its copies counted times its multiplicity.
    pub fn verify(&self, problem: &Problem) -> Result<(), String> {
        let groups = problem.groups_of_items();
        let mut packed = vec![0u64; problem.items.len()];
        for (g, group) in self.groups.iter().enumerate() {
            if let Some(fault) = group.bin.fault(problem, &groups) {
                return Err(format!(
                    "bin group {g} ({} bins): {}",
                    group.copies,
                    fault.describe(problem)
                ));
            }
            for &(i, n) in &group.bin.load {
                packed[i] += u64::from(n) * group.copies;
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

/// The first rule a bin breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinFault {
    UnknownType,
    UnknownItem(ItemId),
    /// The item may not use the bin's type.
    Ineligible(ItemId),
    /// More copies of the item than its `max_per_bin`.
    TooManyCopies(ItemId),
    /// The load exceeds the capacity of this resource.
    OverCapacity(usize),
    /// More than one copy from this conflict group.
    Conflict(usize),
}

impl BinFault {
    /// The fault in words, with the problem's names.
    pub fn describe(&self, problem: &Problem) -> String {
        match *self {
            BinFault::UnknownType => "unknown bin type".to_string(),
            BinFault::UnknownItem(i) => format!("unknown item {i}"),
            BinFault::Ineligible(i) => format!("item {} may not use this bin type", problem.items[i].name),
            BinFault::TooManyCopies(i) => {
                format!(
                    "more than {} copies of {}",
                    problem.items[i].max_per_bin, problem.items[i].name
                )
            }
            BinFault::OverCapacity(d) => format!("over its {} capacity", problem.resources[d]),
            BinFault::Conflict(g) => format!("conflict group {} used more than once", problem.conflict_groups[g].name),
        }
    }
}

impl Bin {
    /// A bin of `bin_type` holding `counts[i]` copies of each item `i`.
    pub fn of_counts(bin_type: BinTypeId, counts: &[u32]) -> Bin {
        let load = counts
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(i, &n)| (i, n))
            .collect();
        Bin { bin_type, load }
    }

    /// The first rule of `problem` this bin breaks, if any: eligibility, capacities,
    /// `max_per_bin` and conflict groups (`groups` as from [`Problem::groups_of_items`]).
    pub fn fault(&self, problem: &Problem, groups: &[Vec<usize>]) -> Option<BinFault> {
        if self.bin_type >= problem.bin_types.len() {
            return Some(BinFault::UnknownType);
        }
        if let Some(&(i, _)) = self.load.iter().find(|&&(i, _)| i >= problem.items.len()) {
            return Some(BinFault::UnknownItem(i));
        }
        if let Some(fault) = self.type_fault(problem, self.bin_type) {
            return Some(fault);
        }
        let mut use_of = vec![0u32; problem.conflict_groups.len()];
        for &(i, n) in &self.load {
            if n > problem.items[i].max_per_bin {
                return Some(BinFault::TooManyCopies(i));
            }
            for &g in &groups[i] {
                use_of[g] += n;
                if use_of[g] > 1 {
                    return Some(BinFault::Conflict(g));
                }
            }
        }
        None
    }

    /// How much of resource `d` the load uses.
    pub fn used(&self, problem: &Problem, d: usize) -> u64 {
        self.load
            .iter()
            .map(|&(i, n)| problem.items[i].size[d] * u64::from(n))
            .sum()
    }

    /// The shares of its type's capacity that the load uses, per resource (0 where the
    /// type has none).
    pub fn shares<'a>(&'a self, problem: &'a Problem) -> impl Iterator<Item = f64> + 'a {
        let capacity = &problem.bin_types[self.bin_type].capacity;
        (0..problem.dims()).map(move |d| match capacity[d] {
            0 => 0.0,
            c => self.used(problem, d) as f64 / c as f64,
        })
    }

    /// The largest share of its type's capacity that the load uses in any resource.
    pub fn fullest(&self, problem: &Problem) -> f64 {
        self.shares(problem).fold(0.0, f64::max)
    }

    /// Whether this load fits a bin of type `t`: eligibility and capacity (the per-bin and
    /// group rules do not depend on the type).
    pub fn fits_type(&self, problem: &Problem, t: BinTypeId) -> bool {
        self.type_fault(problem, t).is_none()
    }

    fn type_fault(&self, problem: &Problem, t: BinTypeId) -> Option<BinFault> {
        if let Some(&(i, _)) = self
            .load
            .iter()
            .find(|&&(i, _)| problem.items[i].eligible.binary_search(&t).is_err())
        {
            return Some(BinFault::Ineligible(i));
        }
        let capacity = &problem.bin_types[t].capacity;
        (0..problem.dims())
            .find(|&d| self.used(problem, d) > capacity[d])
            .map(BinFault::OverCapacity)
    }
}
