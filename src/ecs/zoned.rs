//! Solving the zoned problem. The engine works on the relaxation in which a service's
//! extra tasks (those beyond an even ⌊N/Z⌋ per zone) may go to any zone; its bound is a
//! bound of the zoned problem and its plan is a zoned plan whenever no zone holds two
//! extra tasks of one service. When one does, that plan is repaired by moving the
//! surplus extras to zones without one, and the split it implies (one extra per zone
//! where it put them, the surplus in the zones with the most room for the service) is
//! solved again in the time left, zone by zone: with every task's zone fixed the zones
//! share nothing. The cheaper plan is kept. The plain problem (the same tasks, zones
//! ignored) relaxes the zoned one too, and with Z times fewer items and bin types the
//! engine proves its bound far sooner: it is solved first, for a fifth of the time, and
//! the better bound is kept. Without zones, or with one, it is one solve of the plain
//! problem.
//!
//! A large relaxation (one the engine solves the scaled, chunked way) spends seconds in
//! lowering and checking, outside the engine's clock: the time the relaxation took to
//! lower is kept back for lowering the fixed split and for checking the plan, the plain
//! problem is not solved (the relaxation's own bound stands), and each zone's problem is
//! cut from the fixed split's lowering rather than lowered again. Without zones too, a
//! large problem's solve ends early by twice its lowering time: the lowering spent and the
//! check to come.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::catalog::Catalog;
use super::lower::{self, Lowered, NoPlan, ZoneTasks};
use super::rules::Figures;
use super::workload::Workload;
use crate::engine::{self, Bin, BinGroup, Grouped, Item, Phase, Problem, Progress, Reporter, Settings, Solved};

/// The share of the time limit the relaxation gets when its plan may need repair: the
/// rest is for solving the fixed split.
const RELAXATION_SHARE: f64 = 0.7;
/// The share of the time limit for the plain problem (every service's tasks, zones
/// ignored): a relaxation of the zoned problem too, and one whose bound the engine
/// proves far sooner, having fewer items and bin types.
const PLAIN_SHARE: f64 = 0.2;
/// The least time the fixed split is given, even when the relaxation used it all.
const MIN_REPAIR_TIME: Duration = Duration::from_millis(200);
/// Moving extra tasks scans the plan's distinct instances for each task moved: above
/// this many, only the re-solved split is tried.
const MOVE_MAX_GROUPS: usize = 20_000;

/// A solved problem and the lowering it was solved on (the way back to a plan).
#[derive(Debug, Clone)]
pub struct ZonedSolve {
    pub lowered: Lowered,
    pub solved: Solved,
}

/// Lowers and solves the workload, zoned when `figures.zones` says so.
pub fn solve(
    workload: &Workload,
    catalog: &Catalog,
    figures: &Figures,
    settings: &Settings,
) -> Result<ZonedSolve, NoPlan> {
    let start = Instant::now();
    let relaxed = lower::lower(workload, catalog, figures)?;
    let lowering = start.elapsed();
    let large = engine::is_large(&relaxed.problem, settings.time_limit);
    if !figures.zones.is_zoned() || figures.zones.count() == 1 {
        // A large problem's lowering and the check of its plan take seconds, each about
        // as long as the other: the solve gets what is left of the limit after both.
        let solving = if large {
            settings.time_limit.saturating_sub(lowering * 2)
        } else {
            settings.time_limit
        };
        let solver = Settings {
            time_limit: solving,
            ..settings.clone()
        };
        let solved = engine::solve(&relaxed.problem, &solver);
        return Ok(ZonedSolve {
            lowered: relaxed,
            solved,
        });
    }
    // Progress shows the relaxation's solve, the step whose plan becomes the zoned one;
    // the plain problem's and each zone's costs are not the zoned plan's, so they are not
    // shown, and the end is reported once, with the zoned plan.
    // The time the solves may use: all of it, or for a large problem what is left once
    // the fixed split is lowered and the plan checked, each about as long as the
    // relaxation's lowering.
    let solving = if large {
        settings.time_limit.saturating_sub(lowering * 2)
    } else {
        settings.time_limit
    };
    let until = |share: f64, progress: Option<Reporter>| {
        let end = solving.mul_f64(share);
        Settings {
            time_limit: end.saturating_sub(start.elapsed()).max(MIN_REPAIR_TIME),
            progress,
            ..settings.clone()
        }
    };
    let silent = Settings {
        progress: None,
        ..settings.clone()
    };
    let finished = |solved: &Solved| {
        settings.report(Progress {
            phase: Phase::Done,
            best_cost: Some(solved.cost),
            lower_bound: solved.lower_bound,
        });
    };
    // The plain problem first: its bound converges sooner than the relaxation's.
    let plain_bound = if large {
        0.0
    } else {
        plain_bound(workload, catalog, figures, &until(PLAIN_SHARE, None))?
    };
    let may_clash = relaxed
        .zone_of_item
        .iter()
        .zip(&relaxed.problem.items)
        .any(|(zone, item)| zone.is_none() && item.count > 1);
    let share = if may_clash { RELAXATION_SHARE } else { 1.0 };
    let step = settings.progress.as_ref().map(Reporter::for_step);
    let mut solved = engine::solve(&relaxed.problem, &until(share, step));
    solved.lower_bound = solved.lower_bound.max(plain_bound).min(solved.cost);
    let fixed = match fixed_split(&relaxed, &solved.packing, workload, figures) {
        Some(fixed) if may_clash => fixed,
        _ => {
            solved.seconds = start.elapsed().as_secs_f64();
            finished(&solved);
            return Ok(ZonedSolve {
                lowered: relaxed,
                solved,
            });
        }
    };
    let (split, moved) = fixed;
    let moved_plan = (solved.packing.groups.len() <= MOVE_MAX_GROUPS)
        .then(|| move_extras(&relaxed, &solved.packing))
        .flatten();
    let fixed = lower::lower_split(workload, catalog, figures, &split)?;
    let silent = Settings {
        time_limit: solving,
        ..silent
    };
    let left = solving.saturating_sub(start.elapsed()).max(MIN_REPAIR_TIME);
    let (repaired, mut notes) = solve_by_zone(workload, catalog, figures, &split, &fixed, &silent, start, large)?;
    let repaired_cost = repaired.cost(&fixed.problem);
    let moved_cost = moved_plan.as_ref().map(|p| p.cost(&relaxed.problem));
    let kept = match moved_cost {
        Some(cost) if cost < repaired_cost - 1e-9 => "the moved plan is kept",
        _ => "the re-solved plan is kept",
    };
    notes.push(format!(
        "the relaxed solve put two extra tasks of {moved} service(s) in one zone: the extra tasks were moved to zones without one (${}/hour), and that split solved again zone by zone with {:.1} s left (${}/hour); {kept}",
        moved_cost.map_or("-".to_string(), |c| format!("{c:.4}")),
        left.as_secs_f64(),
        format_args!("{repaired_cost:.4}"),
    ));
    let (lowered, packing, cost) = match (moved_plan, moved_cost) {
        (Some(packing), Some(cost)) if cost < repaired_cost - 1e-9 => (relaxed, packing, cost),
        _ => (fixed, repaired, repaired_cost),
    };
    let solved = Solved {
        packing,
        cost,
        lower_bound: solved.lower_bound.min(cost),
        notes,
        first_plan_seconds: solved.first_plan_seconds,
        seconds: start.elapsed().as_secs_f64(),
        interrupted: settings.stop.is_requested(),
    };
    finished(&solved);
    Ok(ZonedSolve { lowered, solved })
}

/// Solves a fixed split zone by zone. With every task's zone fixed the zones share
/// nothing, so each is a problem of its own (a Z-th of the tasks, the same services and
/// types), which the engine solves far sooner than their union. Each zone gets an equal
/// share of the time left; the packings are read back into `fixed`, the union's
/// lowering, by service, type and zone. Each zone is lowered on its own, or when `cut`
/// (a large problem) cut from `fixed`. With the notes.
#[allow(clippy::too_many_arguments)]
fn solve_by_zone(
    workload: &Workload,
    catalog: &Catalog,
    figures: &Figures,
    split: &[ZoneTasks],
    fixed: &Lowered,
    settings: &Settings,
    start: Instant,
    cut: bool,
) -> Result<(Grouped, Vec<String>), NoPlan> {
    let zones = figures.zones.count() as usize;
    let item_key = |l: &Lowered, i: usize| (l.service_of_item[i], l.zone_of_item[i]);
    let bin_key = |l: &Lowered, b: usize| (l.type_of_bin[b], l.zone_of_bin[b]);
    let item_of: BTreeMap<_, usize> = (0..fixed.problem.items.len())
        .map(|i| (item_key(fixed, i), i))
        .collect();
    let bin_of: BTreeMap<_, usize> = (0..fixed.problem.bin_types.len())
        .map(|b| (bin_key(fixed, b), b))
        .collect();
    let mut bins = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for z in 0..zones {
        let one: Vec<ZoneTasks> = split
            .iter()
            .map(|t| ZoneTasks {
                per_zone: (0..zones).map(|k| if k == z { t.per_zone[k] } else { 0 }).collect(),
                extra: 0,
            })
            .collect();
        let lowered = if cut {
            zone_of(fixed, z)
        } else {
            lower::lower_split(workload, catalog, figures, &one)?
        };
        if lowered.problem.items.is_empty() {
            continue;
        }
        let left = settings.time_limit.saturating_sub(start.elapsed());
        let share = Settings {
            time_limit: (left / (zones - z) as u32).max(MIN_REPAIR_TIME),
            ..settings.clone()
        };
        let solved = engine::solve(&lowered.problem, &share);
        bins.extend(solved.packing.groups.iter().map(|g| {
            BinGroup {
                bin: Bin {
                    bin_type: bin_of[&bin_key(&lowered, g.bin.bin_type)],
                    load: g
                        .bin
                        .load
                        .iter()
                        .map(|&(i, n)| (item_of[&item_key(&lowered, i)], n))
                        .collect(),
                },
                copies: g.copies,
            }
        }));
        let name = figures.zones.names.get(z).map_or("", String::as_str);
        notes.extend(solved.notes.into_iter().map(|note| format!("zone {name}: {note}")));
    }
    let mut packing = Grouped { groups: bins };
    packing.normalize();
    debug_assert_eq!(packing.verify(&fixed.problem), Ok(()));
    Ok((packing, notes))
}

/// The part of `fixed` (every task's zone fixed) in zone `z`: its items and bin types,
/// with the conflict groups among them. Zones share nothing, so its packings are packings
/// of that part of `fixed`.
fn zone_of(fixed: &Lowered, z: usize) -> Lowered {
    let p = &fixed.problem;
    let items: Vec<usize> = (0..p.items.len())
        .filter(|&i| fixed.zone_of_item[i] == Some(z))
        .collect();
    let bins: Vec<usize> = (0..p.bin_types.len()).filter(|&b| fixed.zone_of_bin[b] == z).collect();
    let mut bin_index = vec![usize::MAX; p.bin_types.len()];
    for (k, &b) in bins.iter().enumerate() {
        bin_index[b] = k;
    }
    let problem = Problem {
        resources: p.resources.clone(),
        items: items
            .iter()
            .map(|&i| Item {
                eligible: p.items[i].eligible.iter().map(|&b| bin_index[b]).collect(),
                ..p.items[i].clone()
            })
            .collect(),
        bin_types: bins.iter().map(|&b| p.bin_types[b].clone()).collect(),
        // As lowering leaves them: a group of one says no more than its item's own cap.
        conflict_groups: p
            .groups_among(&items)
            .into_iter()
            .filter(|g| g.items.len() > 1)
            .collect(),
    };
    Lowered {
        problem,
        service_of_item: items.iter().map(|&i| fixed.service_of_item[i]).collect(),
        zone_of_item: items.iter().map(|&i| fixed.zone_of_item[i]).collect(),
        item_zones: items.iter().map(|&i| fixed.item_zones[i].clone()).collect(),
        type_of_bin: bins.iter().map(|&b| fixed.type_of_bin[b]).collect(),
        zone_of_bin: bins.iter().map(|&b| fixed.zone_of_bin[b]).collect(),
        daemons_of_type: fixed.daemons_of_type.clone(),
        zone_names: fixed.zone_names.clone(),
    }
}

/// The engine's bound on the plain problem: the tasks the zoned plan places, on every
/// type offered in some zone, with no zones.
fn plain_bound(workload: &Workload, catalog: &Catalog, figures: &Figures, settings: &Settings) -> Result<f64, NoPlan> {
    let placed = lower::relaxed_split(workload, figures);
    let split: Vec<ZoneTasks> = placed
        .iter()
        .map(|z| ZoneTasks {
            per_zone: vec![z.total()],
            extra: 0,
        })
        .collect();
    let mut types = catalog.clone();
    types.types.retain(|t| !figures.zones.offering(t).is_empty());
    let plain = Figures {
        zones: Default::default(),
        ..figures.clone()
    };
    let lowered = lower::lower_split(workload, &types, &plain, &split)?;
    Ok(engine::solve(&lowered.problem, settings).lower_bound)
}

/// The relaxation's `packing` with extra tasks moved until no zone holds two of one
/// service: each surplus task goes to a zone without one, onto an instance there with
/// room for it, else onto a new instance of the cheapest type there that holds it. The
/// result is still a packing of the relaxation, and a zoned plan. `None` when some task
/// finds no zone to go to. Identical instances stay grouped; the one a task leaves or
/// joins is split off its group first.
fn move_extras(lowered: &Lowered, packing: &Grouped) -> Option<Grouped> {
    let p = &lowered.problem;
    let groups = p.groups_of_items();
    let zones = lowered.zone_names.len().max(1);
    let zone = |bin: &Bin| lowered.zone_of_bin[bin.bin_type];
    let copies = |bin: &Bin, item: usize| bin.load.iter().find(|l| l.0 == item).map_or(0, |l| l.1);
    let mut bins = packing.groups.clone();
    for item in (0..p.items.len()).filter(|&i| lowered.zone_of_item[i].is_none() && p.items[i].count > 1) {
        let mut per_zone = vec![0u64; zones];
        for g in &bins {
            per_zone[zone(&g.bin)] += u64::from(copies(&g.bin, item)) * g.copies;
        }
        while let Some(from) = (0..zones).find(|&z| per_zone[z] > 1) {
            let b = bins
                .iter()
                .rposition(|g| zone(&g.bin) == from && copies(&g.bin, item) > 0)?;
            let b = split_off(&mut bins, b, true);
            change(&mut bins[b].bin, item, -1);
            per_zone[from] -= 1;
            let targets: Vec<usize> = lowered.item_zones[item]
                .iter()
                .copied()
                .filter(|&z| per_zone[z] == 0)
                .collect();
            let into = (0..bins.len()).find(|&b| {
                targets.contains(&zone(&bins[b].bin)) && {
                    change(&mut bins[b].bin, item, 1);
                    let fits = bins[b].bin.fault(p, &groups).is_none();
                    change(&mut bins[b].bin, item, -1);
                    fits
                }
            });
            let to = match into {
                Some(b) => {
                    let b = split_off(&mut bins, b, false);
                    change(&mut bins[b].bin, item, 1);
                    zone(&bins[b].bin)
                }
                None => {
                    let t = p.items[item]
                        .eligible
                        .iter()
                        .copied()
                        .filter(|&t| targets.contains(&lowered.zone_of_bin[t]))
                        .filter(|&t| p.max_copies_alone(item, t, false) >= 1)
                        .min_by(|&a, &b| p.bin_types[a].price.total_cmp(&p.bin_types[b].price))?;
                    bins.push(BinGroup {
                        bin: Bin {
                            bin_type: t,
                            load: vec![(item, 1)],
                        },
                        copies: 1,
                    });
                    lowered.zone_of_bin[t]
                }
            };
            per_zone[to] += 1;
        }
    }
    let mut moved = Grouped { groups: bins };
    moved.normalize();
    debug_assert_eq!(moved.verify(p), Ok(()));
    Some(moved)
}

/// Makes bin `b`'s group a single bin, splitting one copy off a larger group: the last of
/// its copies (`last`) or the first, so that the bins keep the order they have written
/// out. Returns the single bin's index.
fn split_off(bins: &mut Vec<BinGroup>, b: usize, last: bool) -> usize {
    if bins[b].copies == 1 {
        return b;
    }
    bins[b].copies -= 1;
    let one = BinGroup {
        bin: bins[b].bin.clone(),
        copies: 1,
    };
    let at = if last { b + 1 } else { b };
    bins.insert(at, one);
    at
}

/// Adds `delta` copies of `item` to `bin`, keeping its load sorted and without zeros.
fn change(bin: &mut Bin, item: usize, delta: i64) {
    match bin.load.binary_search_by_key(&item, |l| l.0) {
        Ok(k) => {
            let n = i64::from(bin.load[k].1) + delta;
            if n == 0 {
                bin.load.remove(k);
            } else {
                bin.load[k].1 = n as u32;
            }
        }
        Err(k) => bin.load.insert(k, (item, delta as u32)),
    }
}

/// When `packing` puts two extra tasks of a service in one zone: the split that keeps
/// one extra task in each zone where it put some, moves the surplus to the zones without
/// one (most room for the service first), and fixes every other service's extras where
/// the packing put them; with the number of services moved. `None` when the packing is
/// already a zoned plan.
fn fixed_split(
    lowered: &Lowered,
    packing: &Grouped,
    workload: &Workload,
    figures: &Figures,
) -> Option<(Vec<ZoneTasks>, usize)> {
    let zones = figures.zones.count() as usize;
    let p = &lowered.problem;
    let services = workload.services.len();
    let mut extras = vec![vec![0u64; zones]; services];
    let mut room = vec![vec![0u64; zones]; services];
    for BinGroup { bin, copies } in &packing.groups {
        let z = lowered.zone_of_bin[bin.bin_type];
        let capacity = &p.bin_types[bin.bin_type].capacity;
        let mut load = vec![0u64; p.dims()];
        for &(item, n) in &bin.load {
            for (l, s) in load.iter_mut().zip(&p.items[item].size) {
                *l += s * u64::from(n);
            }
            if lowered.zone_of_item[item].is_none() {
                extras[lowered.service_of_item[item]][z] += u64::from(n) * copies;
            }
        }
        // How many more tasks of each service on the bin fit in what is free.
        for &(item, _) in &bin.load {
            let size = &p.items[item].size;
            let more = size
                .iter()
                .zip(capacity.iter().zip(&load))
                .filter(|(s, _)| **s > 0)
                .map(|(s, (c, l))| c.saturating_sub(*l) / s)
                .min()
                .unwrap_or(0);
            let cap = if p.items[item].max_per_bin == u32::MAX { more } else { 0 };
            room[lowered.service_of_item[item]][z] += cap.saturating_mul(*copies);
        }
    }
    if extras.iter().all(|per_zone| per_zone.iter().all(|&n| n <= 1)) {
        return None;
    }
    let mut split = lower::relaxed_split(workload, figures);
    let mut moved = 0;
    for (s, tasks) in split.iter_mut().enumerate() {
        if tasks.extra == 0 {
            continue;
        }
        let allowed = lowered
            .zone_of_item
            .iter()
            .zip(&lowered.service_of_item)
            .position(|(zone, &of)| zone.is_none() && of == s)
            .map(|item| lowered.item_zones[item].clone())
            .unwrap_or_default();
        let mut surplus: u64 = extras[s].iter().map(|&n| n.saturating_sub(1)).sum();
        if surplus > 0 {
            moved += 1;
        }
        let mut empty: Vec<usize> = allowed.iter().copied().filter(|&z| extras[s][z] == 0).collect();
        empty.sort_by_key(|&z| (std::cmp::Reverse(room[s][z]), z));
        for z in empty {
            if surplus == 0 {
                break;
            }
            extras[s][z] = 1;
            surplus -= 1;
        }
        for (z, n) in tasks.per_zone.iter_mut().enumerate() {
            *n += u32::from(extras[s][z] > 0);
        }
        tasks.extra = 0;
    }
    Some((split, moved))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::workload::{NetworkMode, Service};
    use crate::ecs::zones::Zones;
    use crate::input::parse_catalog;

    fn zoned(names: &[&str]) -> Figures {
        Figures {
            zones: Zones {
                names: names.iter().map(|n| n.to_string()).collect(),
                survive_zone_loss: false,
            },
            ..Figures::default()
        }
    }

    #[test]
    fn two_extras_in_one_zone_are_split_toward_the_zone_with_room() {
        let catalog = parse_catalog(
            "instance_type,family,vcpu,memory_mib,arch,gpus,max_enis,ipv4_per_eni,trunking,awsvpc_trunk_tasks,price_usd_hour\n\
             m.large,m,2,8192,x86_64,0,3,10,false,,0.1\n",
            "c.csv",
        )
        .unwrap();
        let mut web = Service::sample("web", NetworkMode::Host, &[80]);
        web.count = 5; // 1 per zone and 2 extras over 3 zones
        let w = Workload { services: vec![web] };
        let figures = zoned(&["a", "b", "c"]);
        let l = lower::lower(&w, &catalog, &figures).unwrap();
        assert_eq!(l.zone_of_item, [Some(0), Some(1), Some(2), None]);
        assert_eq!(l.problem.items[3].max_per_bin, 1);
        // Both extras in zone a, on two instances.
        let bin = |z: usize, item: usize| Bin {
            bin_type: l.zone_of_bin.iter().position(|&b| b == z).unwrap(),
            load: vec![(item, 1)],
        };
        let packing = Grouped::from_packing(crate::engine::Packing {
            bins: vec![bin(0, 0), bin(1, 1), bin(2, 2), bin(0, 3), bin(0, 3)],
        });
        let (split, moved) = fixed_split(&l, &packing, &w, &figures).unwrap();
        assert_eq!(moved, 1);
        assert_eq!(split[0].extra, 0);
        assert_eq!(split[0].per_zone.iter().sum::<u32>(), 5);
        assert_eq!(split[0].per_zone[0], 2);
        assert!(split[0].per_zone.iter().all(|&n| n == 1 || n == 2));

        // Moved instead: the second extra leaves zone a for a new instance in zone b
        // (host port 80 keeps it off b's instance), and the packing stays one of `l`.
        let moved = move_extras(&l, &packing).unwrap();
        assert_eq!(moved.verify(&l.problem), Ok(()));
        let mut extras = [0; 3];
        for g in &moved.groups {
            if g.bin.load.iter().any(|&(item, _)| item == 3) {
                extras[l.zone_of_bin[g.bin.bin_type]] += g.copies;
            }
        }
        assert_eq!(extras, [1, 1, 0]);
        assert_eq!(moved.bins(), 5);
    }

    #[test]
    fn a_zone_cut_from_the_fixed_split_is_that_zone_lowered_alone() {
        let catalog = parse_catalog(
            "instance_type,family,vcpu,memory_mib,arch,gpus,max_enis,ipv4_per_eni,trunking,awsvpc_trunk_tasks,price_usd_hour\n\
             m.large,m,2,8192,x86_64,0,3,10,false,,0.1\n\
             m.xlarge,m,4,16384,x86_64,0,4,15,false,,0.2\n",
            "c.csv",
        )
        .unwrap();
        let mut web = Service::sample("web", NetworkMode::Host, &[80]);
        web.count = 4;
        let mut api = Service::sample("api", NetworkMode::Bridge, &[]);
        api.count = 7;
        let w = Workload {
            services: vec![web, api],
        };
        let figures = zoned(&["a", "b"]);
        let split = [
            ZoneTasks {
                per_zone: vec![2, 2],
                extra: 0,
            },
            ZoneTasks {
                per_zone: vec![4, 3],
                extra: 0,
            },
        ];
        let fixed = lower::lower_split(&w, &catalog, &figures, &split).unwrap();
        for z in 0..2 {
            let one: Vec<ZoneTasks> = split
                .iter()
                .map(|t| ZoneTasks {
                    per_zone: (0..2).map(|k| if k == z { t.per_zone[k] } else { 0 }).collect(),
                    extra: 0,
                })
                .collect();
            let alone = lower::lower_split(&w, &catalog, &figures, &one).unwrap();
            let cut = zone_of(&fixed, z);
            assert_eq!(cut.problem, alone.problem, "zone {z}");
            assert_eq!(cut.service_of_item, alone.service_of_item);
            assert_eq!(cut.type_of_bin, alone.type_of_bin);
            assert_eq!(cut.zone_of_bin, alone.zone_of_bin);
        }
    }
}
