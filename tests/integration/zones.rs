//! Availability zones and daemon services: spread and zone-loss counts on hand-computed
//! cases, the zones of the extra tasks chosen to lower cost, daemons on every instance,
//! the checker rejecting each broken plan, and the zoned bound against brute force.

use std::collections::BTreeMap;
use std::time::Duration;

use ecsplan::ecs::rules::{Figures, TypePatterns};
use ecsplan::ecs::workload::{ImageArch, NetworkMode, Scheduling, Service, Workload};
use ecsplan::ecs::zones::{self, Zones};
use ecsplan::engine::Settings;
use ecsplan::planner::Inputs;
use ecsplan::{input, planner};
use proptest::prelude::*;

use crate::util::{Run, Workdir};

const CATALOG: &str = "\
instance_type,family,vcpu,memory_mib,arch,gpus,max_enis,ipv4_per_eni,trunking,awsvpc_trunk_tasks,price_usd_hour,zones
m5.large,m5,2,8192,x86_64,0,3,10,true,10,0.096,
m5.xlarge,m5,4,16384,x86_64,0,4,15,true,20,0.192,
c6g.large,c6g,2,4096,arm64,0,3,10,true,10,0.068,a;b
";

const HEADER: &str =
    "service,cpu,memory_mib,count,network_mode,host_ports,instance_types,distinct_instance,scheduling\n";

fn plan(dir: &Workdir, workload: &str, extra: &[&str]) -> Run {
    dir.write("catalog.csv", CATALOG);
    dir.write("workload.csv", &format!("{HEADER}{workload}"));
    let mut args = vec![
        "plan",
        "--workload",
        "workload.csv",
        "--catalog",
        "catalog.csv",
        "--out",
        "out",
        "--time-limit",
        "10",
        "--threads",
        "2",
    ];
    args.extend_from_slice(extra);
    dir.run(&args)
}

/// Tasks per (service, zone) of the plan in `out/`, joining placements.csv with the zone
/// column of instances.csv.
fn tasks_by_zone(dir: &Workdir) -> BTreeMap<(String, String), u64> {
    let zone: BTreeMap<String, String> = dir
        .read_csv("out/instances.csv")
        .into_iter()
        .map(|r| (r["instance_id"].clone(), r["zone"].clone()))
        .collect();
    let mut tasks = BTreeMap::new();
    for r in dir.read_csv("out/placements.csv") {
        let key = (r["service"].clone(), zone[&r["instance_id"]].clone());
        *tasks.entry(key).or_insert(0) += r["tasks"].parse::<u64>().unwrap();
    }
    tasks
}

fn check(dir: &Workdir, extra: &[&str]) -> Run {
    let mut args = vec![
        "check",
        "--workload",
        "workload.csv",
        "--catalog",
        "catalog.csv",
        "--plan",
        "out",
    ];
    args.extend_from_slice(extra);
    dir.run(&args)
}

#[test]
fn sixty_tasks_surviving_the_loss_of_one_of_three_zones_place_thirty_per_zone() {
    let dir = Workdir::new();
    let zoned = ["--zones", "a,b,c", "--survive-zone-loss"];
    plan(&dir, "web,256,512,60,none,,,,\n", &zoned).expect(0);
    let tasks = tasks_by_zone(&dir);
    for zone in ["a", "b", "c"] {
        assert_eq!(tasks[&("web".to_string(), zone.to_string())], 30, "{tasks:?}");
    }
    let summary = dir.read_json("out/summary.json");
    assert_eq!(summary["desired_counts"]["web"], 90);
    assert_eq!(summary["tasks"], 90);
    assert_eq!(summary["zones"], serde_json::json!(["a", "b", "c"]));
    let by_zone = summary["instance_counts_by_zone"].as_object().unwrap();
    assert_eq!(by_zone.len(), 3, "{summary}");
    check(&dir, &zoned).expect(0);
    // Without the flag, check takes --survive-zone-loss from the options the plan records.
    check(&dir, &["--zones", "a,b,c"]).expect(0);
    // Under the flags alone (a summary without options), the plan places 30 too many.
    let mut summary = summary;
    summary.as_object_mut().unwrap().remove("options");
    std::fs::write(dir.path("out/summary.json"), summary.to_string()).unwrap();
    let run = check(&dir, &["--zones", "a,b,c"]);
    run.expect(1);
    assert!(
        run.stderr.contains("service `web`: 90 of 60 tasks placed"),
        "{}",
        run.stderr
    );
}

#[test]
fn sixty_one_tasks_surviving_a_zone_loss_place_thirty_one_thirty_one_and_thirty() {
    let dir = Workdir::new();
    let zoned = ["--zones", "a,b,c", "--survive-zone-loss"];
    plan(&dir, "web,256,512,61,none,,,,\n", &zoned).expect(0);
    let mut per_zone: Vec<u64> = tasks_by_zone(&dir).into_values().collect();
    per_zone.sort_unstable();
    assert_eq!(per_zone, [30, 31, 31]);
    assert_eq!(dir.read_json("out/summary.json")["desired_counts"]["web"], 92);
    check(&dir, &zoned).expect(0);
}

#[test]
fn spread_without_zone_loss_differs_by_at_most_one() {
    let dir = Workdir::new();
    plan(
        &dir,
        "web,512,1024,7,bridge,80,,,\napi,256,512,5,none,,,true,\nworker,256,512,11,none,,,,\n",
        &["--zones", "a,b,c"],
    )
    .expect(0);
    let tasks = tasks_by_zone(&dir);
    for (service, count) in [("web", 7), ("api", 5), ("worker", 11)] {
        let per: Vec<u64> = ["a", "b", "c"]
            .iter()
            .map(|z| tasks.get(&(service.to_string(), z.to_string())).copied().unwrap_or(0))
            .collect();
        assert_eq!(per.iter().sum::<u64>(), count, "{service}: {per:?}");
        assert!(
            per.iter().max().unwrap() - per.iter().min().unwrap() <= 1,
            "{service}: {per:?}"
        );
    }
    check(&dir, &["--zones", "a,b,c"]).expect(0);
}

#[test]
fn the_optimizer_puts_extra_tasks_where_they_cost_least() {
    // A cheap type offered only in zone b. One task of each of two services: both in b
    // share one cheap instance; a rotation that sends either to zone a pays for a dearer one.
    let dir = Workdir::new();
    dir.write(
        "catalog.csv",
        "instance_type,family,vcpu,memory_mib,arch,gpus,max_enis,ipv4_per_eni,trunking,awsvpc_trunk_tasks,price_usd_hour,zones\n\
         dear.large,dear,2,8192,x86_64,0,3,10,false,,0.2,\n\
         cheap.large,cheap,2,8192,x86_64,0,3,10,false,,0.1,b\n",
    );
    dir.write(
        "workload.csv",
        &format!("{HEADER}s1,1024,2048,1,none,,,,\ns2,1024,2048,1,none,,,,\n"),
    );
    dir.run(&[
        "plan",
        "--workload",
        "workload.csv",
        "--catalog",
        "catalog.csv",
        "--out",
        "out",
        "--zones",
        "a,b",
        "--time-limit",
        "5",
    ])
    .expect(0);
    let instances = dir.read_csv("out/instances.csv");
    assert_eq!(instances.len(), 1, "{instances:?}");
    assert_eq!(
        (instances[0]["instance_type"].as_str(), instances[0]["zone"].as_str()),
        ("cheap.large", "b")
    );
    let summary = dir.read_json("out/summary.json");
    assert_eq!(summary["cost_per_hour"], 0.1);
    assert_eq!(summary["status"], "optimal");
}

#[test]
fn one_zone_gives_the_same_plan_as_no_zones() {
    let workload = "web,512,1024,7,bridge,80,,,\napi,256,512,5,awsvpc,,,true,\nworker,300,700,23,bridge,0,,,\nlogs,128,256,,bridge,24224,,,daemon\n";
    let plain = Workdir::new();
    plan(&plain, workload, &[]).expect(0);
    let zoned = Workdir::new();
    plan(&zoned, workload, &["--zones", "a"]).expect(0);
    let read = |d: &Workdir, f: &str| std::fs::read_to_string(d.path(f)).unwrap();
    assert_eq!(read(&plain, "out/placements.csv"), read(&zoned, "out/placements.csv"));
    let mut with_zone = zoned.read_csv("out/instances.csv");
    for row in &mut with_zone {
        assert_eq!(row.remove("zone").as_deref(), Some("a"));
    }
    assert_eq!(plain.read_csv("out/instances.csv"), with_zone);
    assert!(!read(&plain, "out/instances.csv").contains("zone"));
}

#[test]
fn a_daemon_runs_on_every_instance_even_beside_a_single_task() {
    let dir = Workdir::new();
    plan(
        &dir,
        "solo,1500,6000,3,none,,,true,\nsmall,256,512,4,none,,,,\nlogs,128,256,0,bridge,24224;0,,,daemon\narm-agent,64,64,,none,,c6g.*,,daemon\n",
        &[],
    )
    .expect(0);
    let placements = dir.read_csv("out/placements.csv");
    let instances = dir.read_csv("out/instances.csv");
    assert!(instances.len() >= 3);
    for inst in &instances {
        let on: Vec<(&str, &str)> = placements
            .iter()
            .filter(|p| p["instance_id"] == inst["instance_id"])
            .map(|p| (p["service"].as_str(), p["tasks"].as_str()))
            .collect();
        assert!(on.contains(&("logs", "1")), "{}: {on:?}", inst["instance_id"]);
        let arm = inst["instance_type"].starts_with("c6g");
        assert_eq!(on.iter().any(|(s, _)| *s == "arm-agent"), arm, "{on:?}");
        assert!(inst["host_ports"].contains("24224"));
    }
    // Every instance holding one task of `solo` holds the daemon too.
    let solo: Vec<&str> = placements
        .iter()
        .filter(|p| p["service"] == "solo")
        .map(|p| p["instance_id"].as_str())
        .collect();
    assert_eq!(solo.len(), 3);
    let summary = dir.read_json("out/summary.json");
    assert_eq!(summary["desired_counts"]["logs"], "daemon");
    assert_eq!(summary["desired_counts"]["solo"], 3);
    check(&dir, &[]).expect(0);
}

#[test]
fn types_that_cannot_hold_their_daemons_are_not_used() {
    // c6g.large registers 3973 MiB: it cannot hold the arm daemon of 4000 MiB, so it
    // is not used, though it would be the cheapest type for `web` alone.
    let dir = Workdir::new();
    plan(
        &dir,
        "web,256,1500,2,none,,,,\nbig-agent,128,4000,,none,,c6g.*,,daemon\n",
        &[],
    )
    .expect(0);
    let types: Vec<String> = dir
        .read_csv("out/instances.csv")
        .into_iter()
        .map(|r| r["instance_type"].clone())
        .collect();
    assert!(!types.iter().any(|t| t == "c6g.large"), "{types:?}");
    // Without the daemon, c6g.large (cheapest) is used.
    let plain = Workdir::new();
    plan(&plain, "web,256,1500,2,none,,,,\n", &[]).expect(0);
    let types: Vec<String> = plain
        .read_csv("out/instances.csv")
        .into_iter()
        .map(|r| r["instance_type"].clone())
        .collect();
    assert!(types.iter().any(|t| t == "c6g.large"), "{types:?}");
}

#[test]
fn a_workload_of_daemons_only_plans_nothing_and_says_so() {
    let dir = Workdir::new();
    let run = plan(&dir, "logs,128,256,,none,,,,daemon\n", &["--format", "json"]);
    run.expect(0);
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(summary["instances"], 0);
    assert!(
        summary["notes"][0].as_str().unwrap().contains("nothing is planned"),
        "{summary}"
    );
}

/// Writes a hand-made zoned plan and checks it with `--zones a,b`.
fn check_zoned(placements: &str, instances: &str, workload: &str) -> Run {
    let dir = Workdir::new();
    dir.write("catalog.csv", CATALOG);
    dir.write("workload.csv", &format!("{HEADER}{workload}"));
    dir.write(
        "out/placements.csv",
        &format!("instance_id,instance_type,service,tasks\n{placements}"),
    );
    dir.write(
        "out/instances.csv",
        &format!("instance_id,instance_type,zone\n{instances}"),
    );
    check(&dir, &["--zones", "a,b,c"])
}

const SPREAD_WORKLOAD: &str = "web,256,512,3,none,,,,\nlogs,128,256,,none,,,,daemon\n";

#[test]
fn check_accepts_a_valid_zoned_plan_with_daemons() {
    check_zoned(
        "i-1,m5.large,web,1\ni-1,m5.large,logs,1\ni-2,m5.large,web,1\ni-2,m5.large,logs,1\ni-3,c6g.large,web,1\ni-3,c6g.large,logs,1\n",
        "i-1,m5.large,a\ni-2,m5.large,c\ni-3,c6g.large,b\n",
        SPREAD_WORKLOAD,
    )
    .expect(0);
}

#[test]
fn check_rejects_a_missing_daemon_task() {
    let run = check_zoned(
        "i-1,m5.large,web,1\ni-1,m5.large,logs,1\ni-2,m5.large,web,1\ni-3,m5.large,web,1\ni-3,m5.large,logs,1\n",
        "i-1,m5.large,a\ni-2,m5.large,b\ni-3,m5.large,c\n",
        SPREAD_WORKLOAD,
    );
    run.expect(1);
    assert!(
        run.stderr
            .contains("instance i-2 (m5.large): the daemon `logs` has no task here"),
        "{}",
        run.stderr
    );
}

#[test]
fn check_rejects_an_uneven_spread() {
    let run = check_zoned(
        "i-1,m5.large,web,2\ni-1,m5.large,logs,1\ni-2,m5.large,web,1\ni-2,m5.large,logs,1\n",
        "i-1,m5.large,a\ni-2,m5.large,b\n",
        SPREAD_WORKLOAD,
    );
    run.expect(1);
    assert!(
        run.stderr
            .contains("service `web`: its tasks are not spread evenly over the zones (2 in a, 1 in b, 0 in c)"),
        "{}",
        run.stderr
    );
}

#[test]
fn check_rejects_a_type_outside_its_zones_and_an_unknown_zone() {
    let run = check_zoned(
        "i-1,m5.large,web,1\ni-1,m5.large,logs,1\ni-2,m5.large,web,1\ni-2,m5.large,logs,1\ni-3,c6g.large,web,1\ni-3,c6g.large,logs,1\n",
        "i-1,m5.large,a\ni-2,m5.large,d\ni-3,c6g.large,c\n",
        SPREAD_WORKLOAD,
    );
    run.expect(1);
    assert!(
        run.stderr
            .contains("instance i-3: c6g.large is not offered in zone `c` (the catalog's zones for it: `a;b`)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("instance i-2: zone `d` is not one of --zones a,b,c"),
        "{}",
        run.stderr
    );
}

#[test]
fn zone_flags_that_make_no_sense_exit_2_with_the_fix() {
    let dir = Workdir::new();
    for (flags, expected) in [
        (&["--zones", "a,b,a"][..], "the zone `a` is listed twice"),
        (&["--zones", "a,,b"][..], "empty zone name"),
        (&["--zones", "a,b,c,d,e,f,g"][..], "7 zones given, at most 6"),
        (
            &["--zones", "a", "--survive-zone-loss"][..],
            "--survive-zone-loss: needs at least 2 zones",
        ),
        (
            &["--survive-zone-loss"][..],
            "--survive-zone-loss: needs at least 2 zones",
        ),
    ] {
        let run = plan(&dir, "web,256,512,3,none,,,,\n", flags);
        run.expect(2);
        assert!(run.stderr.contains(expected), "{flags:?}: {}", run.stderr);
    }
}

#[test]
fn a_service_that_fits_no_type_offered_in_a_zone_names_the_zone() {
    let dir = Workdir::new();
    let run = plan(&dir, "arm,256,512,3,none,,c6g.*,,\n", &["--zones", "a,b,c"]);
    run.expect(1);
    assert!(run.stderr.contains("service `arm`"), "{}", run.stderr);
    assert!(run.stderr.contains("offered in zone `c`"), "{}", run.stderr);
}

// The zoned bound against brute force on tiny cases.

/// A tiny instance type: vCPUs, memory MiB, price, and the zones it is offered in.
#[derive(Debug, Clone)]
struct TinyType {
    vcpu: u64,
    memory: u64,
    price: f64,
    zones: Vec<usize>,
}

fn tiny_type() -> impl Strategy<Value = TinyType> {
    (
        1u64..=2,
        prop::sample::select(vec![2048u64, 4096]),
        prop::sample::select(vec![0.05, 0.08, 0.1, 0.13]),
    )
        .prop_map(|(vcpu, memory, price)| TinyType {
            vcpu,
            memory,
            price,
            zones: vec![],
        })
}

fn tiny_service() -> impl Strategy<Value = (u32, u32, u32, bool)> {
    (
        prop::sample::select(vec![256u32, 512, 768, 1024]),
        prop::sample::select(vec![512u32, 1024, 1536]),
        1u32..=3,
        prop::bool::weighted(0.3),
    )
}

/// The least cost of packing `tasks` (cpu, memory, service, distinct) into instances of
/// the types offered in zone `z`, every instance also carrying `daemon`.
fn cheapest_zone(tasks: &[(u64, u64, usize, bool)], types: &[TinyType], z: usize, daemon: (u64, u64)) -> f64 {
    struct Open {
        cpu: u64,
        memory: u64,
        cap: (u64, u64),
        services: Vec<usize>,
    }
    fn go(
        i: usize,
        tasks: &[(u64, u64, usize, bool)],
        offered: &[&TinyType],
        daemon: (u64, u64),
        open: &mut Vec<Open>,
        cost: f64,
        best: &mut f64,
    ) {
        if cost >= *best - 1e-12 {
            return;
        }
        if i == tasks.len() {
            *best = cost;
            return;
        }
        let (cpu, memory, s, distinct) = tasks[i];
        for b in 0..open.len() {
            let o = &open[b];
            if o.cpu + cpu <= o.cap.0 && o.memory + memory <= o.cap.1 && !(distinct && o.services.contains(&s)) {
                open[b].cpu += cpu;
                open[b].memory += memory;
                open[b].services.push(s);
                go(i + 1, tasks, offered, daemon, open, cost, best);
                open[b].services.pop();
                open[b].cpu -= cpu;
                open[b].memory -= memory;
            }
        }
        for t in offered {
            let cap = (t.vcpu * 1024, t.memory);
            if daemon.0 + cpu <= cap.0 && daemon.1 + memory <= cap.1 {
                open.push(Open {
                    cpu: daemon.0 + cpu,
                    memory: daemon.1 + memory,
                    cap,
                    services: vec![s],
                });
                go(i + 1, tasks, offered, daemon, open, cost + t.price, best);
                open.pop();
            }
        }
    }
    let offered: Vec<&TinyType> = types.iter().filter(|t| t.zones.contains(&z)).collect();
    let mut best = f64::INFINITY;
    go(0, tasks, &offered, daemon, &mut Vec::new(), 0.0, &mut best);
    best
}

/// The least cost of the zoned problem: over every choice of the zones that get each
/// service's extra tasks, the zones packed one by one.
fn brute_force(
    services: &[(u32, u32, u32, bool)],
    types: &[TinyType],
    zone_count: usize,
    survive: bool,
    daemon: (u64, u64),
) -> f64 {
    let z = zone_count as u32;
    let subsets: Vec<Vec<Vec<usize>>> = services
        .iter()
        .map(|&(_, _, count, _)| {
            let n = if survive {
                zones::tasks_to_survive_zone_loss(count, z)
            } else {
                count
            };
            let r = (n % z) as usize;
            (0u32..1 << zone_count)
                .filter(|m| m.count_ones() as usize == r)
                .map(|m| (0..zone_count).filter(|&b| m & (1 << b) != 0).collect())
                .collect()
        })
        .collect();
    let mut best = f64::INFINITY;
    let mut choice = vec![0usize; services.len()];
    loop {
        let mut cost = 0.0;
        for zone in 0..zone_count {
            let mut tasks = Vec::new();
            for (s, &(cpu, memory, count, distinct)) in services.iter().enumerate() {
                let n = if survive {
                    zones::tasks_to_survive_zone_loss(count, z)
                } else {
                    count
                };
                let here = n / z + u32::from(subsets[s][choice[s]].contains(&zone));
                for _ in 0..here {
                    tasks.push((u64::from(cpu), u64::from(memory), s, distinct));
                }
            }
            cost += cheapest_zone(&tasks, types, zone, daemon);
        }
        best = best.min(cost);
        // The next combination of choices.
        let mut s = 0;
        while s < services.len() {
            choice[s] += 1;
            if choice[s] < subsets[s].len() {
                break;
            }
            choice[s] = 0;
            s += 1;
        }
        if s == services.len() {
            return best;
        }
    }
}

proptest! {
    #![proptest_config(crate::util::fixed_cases(24))]

    #[test]
    fn the_zoned_bound_is_never_above_the_brute_force_optimum(
        mut types in prop::collection::vec(tiny_type(), 2),
        services in prop::collection::vec(tiny_service(), 1..=2),
        zone_count in 2usize..=3,
        second_type_zones in 1u32..8,
        survive in any::<bool>(),
        with_daemon in any::<bool>(),
    ) {
        let names = ["a", "b", "c"];
        types[0].zones = (0..zone_count).collect();
        types[1].zones = (0..zone_count).filter(|z| second_type_zones & (1 << z) != 0).collect();
        let daemon = if with_daemon { (128u64, 256u64) } else { (0, 0) };
        let optimum = brute_force(&services, &types, zone_count, survive, daemon);
        prop_assume!(optimum.is_finite());

        let mut text = String::from("instance_type,family,vcpu,memory_mib,arch,gpus,max_enis,ipv4_per_eni,trunking,awsvpc_trunk_tasks,price_usd_hour,registered_memory_mib,zones\n");
        for (i, t) in types.iter().enumerate() {
            let zones: Vec<&str> = t.zones.iter().map(|&z| names[z]).collect();
            // An empty zones cell means every zone: list them instead when none.
            let zones = if zones.is_empty() { "none".to_string() } else { zones.join(";") };
            text.push_str(&format!("t{i}.large,t{i},{},{},x86_64,0,3,10,false,,{},{},{zones}\n", t.vcpu, t.memory, t.price, t.memory));
        }
        let catalog = input::parse_catalog(&text, "c.csv").unwrap();
        let mut workload: Vec<Service> = services
            .iter()
            .enumerate()
            .map(|(i, &(cpu, memory_mib, count, distinct))| Service {
                name: format!("s{i}"),
                cpu,
                memory_mib,
                count,
                network_mode: NetworkMode::None,
                host_ports: vec![],
                gpus: 0,
                arch: ImageArch::Any,
                instance_types: vec![],
                distinct_instance: distinct,
                container_ports: vec![],
                scheduling: Scheduling::Replica,
                line: 0,
            })
            .collect();
        if with_daemon {
            workload.push(Service {
                name: "agent".into(),
                cpu: 128,
                memory_mib: 256,
                count: 0,
                scheduling: Scheduling::Daemon,
                distinct_instance: false,
                ..workload[0].clone()
            });
        }
        let inputs = Inputs {
            workload: Workload { services: workload },
            whole_catalog: catalog.clone(),
            catalog,
            figures: Figures {
                zones: Zones {
                    names: names[..zone_count].iter().map(|n| n.to_string()).collect(),
                    survive_zone_loss: survive,
                },
                ..Figures::default()
            },
            types: TypePatterns::new(&[]).unwrap(),
            prices: None,
        };
        let settings = Settings { seed: 3, threads: 1, time_limit: Duration::from_secs(10), ..Settings::default() };
        let planned = planner::plan(&inputs, &settings).expect("a plan exists when brute force finds one");
        let (cost, bound) = (planned.solved.cost, planned.solved.lower_bound);
        prop_assert!(bound <= optimum + 1e-9, "bound {} above the optimum {}", bound, optimum);
        prop_assert!(cost >= optimum - 1e-9, "plan {} below the optimum {}", cost, optimum);
        if planned.solved.is_optimal() {
            prop_assert!((cost - optimum).abs() < 1e-9, "optimal plan {} but the optimum is {}", cost, optimum);
        }
    }
}
