//! Every maximal pattern of a small problem. A covering may always use maximal patterns
//! (copies beyond an item's count are dropped afterwards), so when they are few, the
//! master LP over all of them is the true LP and the MIP over them is the true optimum.

use super::plan;
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
        let mut load: Vec<(usize, u32)> = Vec::new();
        if !extend(problem, &groups, t, &items, 0, &mut load, &mut all, limit) {
            return None;
        }
    }
    Some(all)
}

/// Chooses the copies of `items[k..]` after `load`; pushes each maximal pattern. False
/// once `out` holds more than `limit` patterns.
#[allow(clippy::too_many_arguments)]
fn extend(
    problem: &Problem,
    groups: &[Vec<usize>],
    t: usize,
    items: &[usize],
    k: usize,
    load: &mut Vec<(usize, u32)>,
    out: &mut Vec<Bin>,
    limit: usize,
) -> bool {
    if k == items.len() {
        let bin = Bin {
            bin_type: t,
            load: load.clone(),
        };
        if !load.is_empty() && is_maximal(problem, groups, &bin) {
            out.push(bin);
        }
        return out.len() <= limit;
    }
    let i = items[k];
    let mut n = 0;
    // Every number of copies of item `i` that still fits, largest first.
    while n < problem.items[i].count {
        load.push((i, n + 1));
        let fits = plan::is_valid(
            problem,
            groups,
            &Bin {
                bin_type: t,
                load: load.clone(),
            },
        );
        load.pop();
        if !fits {
            break;
        }
        n += 1;
    }
    for copies in (0..=n).rev() {
        if copies > 0 {
            load.push((i, copies));
        }
        let going = extend(problem, groups, t, items, k + 1, load, out, limit);
        if copies > 0 {
            load.pop();
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
        !plan::is_valid(
            problem,
            groups,
            &Bin {
                bin_type: bin.bin_type,
                load,
            },
        )
    })
}
