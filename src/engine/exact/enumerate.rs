//! Every maximal pattern of a small problem. A covering may always use maximal patterns
//! (copies beyond an item's count are dropped afterwards), so when they are few, the
//! master LP over all of them is the true LP and the MIP over them is the true optimum.

use crate::engine::packing::Bin;
use crate::engine::problem::Problem;

/// The maximal patterns of every bin type, or `None` when there are more than `limit`.
/// A pattern holds at most `count` copies of an item.
pub fn maximal_patterns(problem: &Problem, limit: usize) -> Option<Vec<Bin>> {
    let groups = problem.groups_of_items();
    let mut all = Vec::new();
    for t in 0..problem.bin_types.len() {
        let items: Vec<usize> = (0..problem.items.len())
            .filter(|&i| problem.items[i].count > 0 && problem.items[i].eligible.binary_search(&t).is_ok())
            .collect();
        let mut bin = Bin {
            bin_type: t,
            load: Vec::new(),
        };
        if !extend(problem, &groups, &items, 0, &mut bin, &mut all, limit) {
            return None;
        }
    }
    Some(all)
}

/// Chooses the copies of `items[k..]` to add to `bin`; pushes each maximal pattern.
/// False once `out` holds more than `limit` patterns.
fn extend(
    problem: &Problem,
    groups: &[Vec<usize>],
    items: &[usize],
    k: usize,
    bin: &mut Bin,
    out: &mut Vec<Bin>,
    limit: usize,
) -> bool {
    if k == items.len() {
        if !bin.load.is_empty() && is_maximal(problem, groups, bin) {
            out.push(bin.clone());
        }
        return out.len() <= limit;
    }
    let i = items[k];
    // The most copies of item `i` that still fit; then every number down to none.
    let mut most = 0;
    while most < problem.items[i].count {
        bin.load.push((i, most + 1));
        let fits = bin.fault(problem, groups).is_none();
        bin.load.pop();
        if !fits {
            break;
        }
        most += 1;
    }
    for copies in (0..=most).rev() {
        if copies > 0 {
            bin.load.push((i, copies));
        }
        let going = extend(problem, groups, items, k + 1, bin, out, limit);
        if copies > 0 {
            bin.load.pop();
        }
        if !going {
            return false;
        }
    }
    true
}

/// Whether no further copy of any item (up to its count) fits `bin`.
fn is_maximal(problem: &Problem, groups: &[Vec<usize>], bin: &Bin) -> bool {
    (0..problem.items.len()).all(|i| {
        let item = &problem.items[i];
        let held = bin.load.iter().find(|&&(j, _)| j == i).map_or(0, |&(_, n)| n);
        if held >= item.count || item.eligible.binary_search(&bin.bin_type).is_err() {
            return true;
        }
        let mut load: Vec<(usize, u32)> = bin.load.iter().copied().filter(|&(j, _)| j != i).collect();
        load.push((i, held + 1));
        load.sort_unstable();
        Bin {
            bin_type: bin.bin_type,
            load,
        }
        .fault(problem, groups)
        .is_some()
    })
}
