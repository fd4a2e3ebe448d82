//! Where the open bins have room: a tournament tree over the bins in the order they were
//! opened keeps, per node, the largest free capacity of each resource below it and the
//! eligibility classes of the types below it. First fit and best fit walk it to skip whole
//! ranges of bins that cannot hold one copy of an item, in the order a plain scan would
//! take: the packing is the same, only found faster.

use std::collections::BTreeMap;

use super::state::{Data, WorkBin};
use crate::engine::problem::ItemId;

/// The open bins of one packing, in the order they were opened.
pub(crate) struct Rooms {
    tree: FreeTree,
    /// Scratch space for one bin's free capacity.
    free: Vec<u64>,
}

/// Bit of each bin type: types that every item may use alike share a bit (beyond 64 such
/// classes, several classes share one). Computed once per problem.
pub(crate) fn class_bits(data: &Data) -> Vec<u64> {
    let mut classes: BTreeMap<Vec<bool>, usize> = BTreeMap::new();
    (0..data.types)
        .map(|t| {
            let key: Vec<bool> = (0..data.n).map(|i| data.is_eligible(i, t)).collect();
            let next = classes.len();
            1u64 << (*classes.entry(key).or_insert(next) % 64)
        })
        .collect()
}

impl Rooms {
    pub fn new(data: &Data) -> Rooms {
        Rooms {
            tree: FreeTree::new(data.dims),
            free: vec![0; data.dims],
        }
    }

    /// Records bin `b` as it is now: a bin just opened (the next index) or one whose load
    /// changed.
    pub fn set(&mut self, data: &Data, b: usize, bin: &WorkBin) {
        let cap = data.type_cap(bin.bin_type);
        for ((f, &c), &u) in self.free.iter_mut().zip(cap).zip(&bin.used) {
            *f = c - u;
        }
        self.tree.set(b, &self.free, data.class_bit[bin.bin_type]);
    }

    /// The first bin at or after `from` whose type item `i` may use (as far as the class
    /// bits tell) and whose free capacity covers `size`: a necessary condition for a fit,
    /// the caller checks the rest.
    pub fn next_room(&self, data: &Data, i: ItemId, from: usize, size: &[u64]) -> Option<usize> {
        self.tree.next_room(from, size, data.class_mask[i])
    }

    /// Every bin that [`Rooms::next_room`] would return in turn, in order, into `out`.
    pub fn all_rooms(&self, data: &Data, i: ItemId, size: &[u64], out: &mut Vec<usize>) {
        out.clear();
        self.tree.collect(1, 0, self.tree.leaves, size, data.class_mask[i], out);
    }
}

/// Largest free capacity per resource over ranges of bins, in bin order.
struct FreeTree {
    dims: usize,
    /// Leaves in the tree (a power of two, at least one).
    leaves: usize,
    /// `free[node * dims + d]`, nodes numbered from 1 (the root) as in a binary heap.
    free: Vec<u64>,
    /// The class bits of the bins below each node.
    mask: Vec<u64>,
}

impl FreeTree {
    pub fn new(dims: usize) -> FreeTree {
        FreeTree {
            dims,
            leaves: 1,
            free: vec![0; 2 * dims],
            mask: vec![0; 2],
        }
    }

    /// Sets the free capacity and class bit of bin `b` (a new bin or one whose load
    /// changed).
    pub fn set(&mut self, b: usize, free: &[u64], bit: u64) {
        while b >= self.leaves {
            self.grow();
        }
        let mut node = self.leaves + b;
        self.free[node * self.dims..(node + 1) * self.dims].copy_from_slice(free);
        self.mask[node] = bit;
        while node > 1 {
            node /= 2;
            self.pull(node);
        }
    }

    /// Recomputes `node` from its two children.
    fn pull(&mut self, node: usize) {
        for d in 0..self.dims {
            let (l, r) = (
                self.free[2 * node * self.dims + d],
                self.free[(2 * node + 1) * self.dims + d],
            );
            self.free[node * self.dims + d] = l.max(r);
        }
        self.mask[node] = self.mask[2 * node] | self.mask[2 * node + 1];
    }

    /// Doubles the leaves, keeping the bins in order.
    fn grow(&mut self) {
        let leaves = self.leaves * 2;
        let old = std::mem::replace(
            self,
            FreeTree {
                dims: self.dims,
                leaves,
                free: vec![0; 2 * leaves * self.dims],
                mask: vec![0; 2 * leaves],
            },
        );
        for b in 0..old.leaves {
            let node = old.leaves + b;
            let at = (self.leaves + b) * self.dims;
            self.free[at..at + self.dims].copy_from_slice(&old.free[node * self.dims..(node + 1) * self.dims]);
            self.mask[self.leaves + b] = old.mask[node];
        }
        for node in (1..self.leaves).rev() {
            self.pull(node);
        }
    }

    /// The first bin at or after `from` with one of the class bits of `mask` whose free
    /// capacity covers `size` in every resource, if any.
    pub fn next_room(&self, from: usize, size: &[u64], mask: u64) -> Option<usize> {
        if from >= self.leaves {
            return None;
        }
        self.descend(1, 0, self.leaves, from, size, mask)
    }

    /// Pushes every leaf below `node` that passes [`FreeTree::next_room`]'s test, in order.
    fn collect(&self, node: usize, lo: usize, hi: usize, size: &[u64], mask: u64, out: &mut Vec<usize>) {
        let covers = || {
            self.free[node * self.dims..(node + 1) * self.dims]
                .iter()
                .zip(size)
                .all(|(&f, &s)| f >= s)
        };
        if self.mask[node] & mask == 0 || !covers() {
            return;
        }
        if hi - lo == 1 {
            out.push(lo);
            return;
        }
        let mid = (lo + hi) / 2;
        self.collect(2 * node, lo, mid, size, mask, out);
        self.collect(2 * node + 1, mid, hi, size, mask, out);
    }

    fn descend(&self, node: usize, lo: usize, hi: usize, from: usize, size: &[u64], mask: u64) -> Option<usize> {
        let covers = || {
            self.free[node * self.dims..(node + 1) * self.dims]
                .iter()
                .zip(size)
                .all(|(&f, &s)| f >= s)
        };
        if hi <= from || self.mask[node] & mask == 0 || !covers() {
            return None;
        }
        if hi - lo == 1 {
            return Some(lo);
        }
        let mid = (lo + hi) / 2;
        self.descend(2 * node, lo, mid, from, size, mask)
            .or_else(|| self.descend(2 * node + 1, mid, hi, from, size, mask))
    }
}

#[cfg(test)]
mod tests {
    use super::FreeTree;

    #[test]
    fn finds_the_first_bin_with_room_from_a_position() {
        let mut tree = FreeTree::new(2);
        let free = [[1, 5], [4, 4], [0, 9], [4, 1], [6, 6]];
        for (b, f) in free.iter().enumerate() {
            tree.set(b, f, 1);
        }
        assert_eq!(tree.next_room(0, &[3, 3], 1), Some(1));
        assert_eq!(tree.next_room(2, &[3, 3], 1), Some(4));
        assert_eq!(tree.next_room(0, &[7, 0], 1), None);
        tree.set(4, &[0, 0], 1);
        assert_eq!(tree.next_room(2, &[3, 3], 1), None);
        assert_eq!(tree.next_room(0, &[0, 9], 1), Some(2));
    }

    #[test]
    fn agrees_with_a_scan_as_it_grows() {
        let mut tree = FreeTree::new(3);
        let mut free: Vec<[u64; 3]> = Vec::new();
        for b in 0..100u64 {
            let f = [(b * 7) % 11, (b * 5) % 13, (b * 3) % 4];
            tree.set(b as usize, &f, 1 << (b % 3));
            free.push(f);
            let size = [b % 9, b % 10, b % 3];
            for from in [0, b as usize / 2] {
                let mask = 1 << (b % 2);
                let scan = (from..free.len())
                    .find(|&i| (1 << (i % 3)) & mask != 0 && free[i].iter().zip(&size).all(|(f, s)| f >= s));
                assert_eq!(tree.next_room(from, &size, mask), scan);
                let mut all = Vec::new();
                tree.collect(1, 0, tree.leaves, &size, mask, &mut all);
                let scanned: Vec<usize> = (0..free.len())
                    .filter(|&i| (1 << (i % 3)) & mask != 0 && free[i].iter().zip(&size).all(|(f, s)| f >= s))
                    .collect();
                assert_eq!(all, scanned);
            }
        }
    }
}
