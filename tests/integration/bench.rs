//! Tests of `bench`: the `.vbp` reader, the results CSV of a small folder of instances,
//! the optima of the built-in families, and a sample of the public sets when they exist.

use std::collections::BTreeMap;
use std::path::Path;

use ecsplan::bench::vbp;
use ecsplan::bench::{families, fills, ports};
use ecsplan::ecs::rules::{task_usage, workload_usage, Resource};

use crate::util::{self, Workdir};

const COLUMNS: [&str; 6] = ["instance", "optimum_or_bound", "found", "gap", "status", "seconds"];

fn number(row: &BTreeMap<String, String>, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column} = `{}` is not a number", row[column]))
}

/// Every row is a checked, honest result: a valid status, never below a known optimum,
/// and a gap that agrees with the two costs.
fn assert_rows_sound(rows: &[BTreeMap<String, String>]) {
    for row in rows {
        assert_eq!(row.keys().map(String::as_str).collect::<Vec<_>>().len(), COLUMNS.len());
        let status = row["status"].as_str();
        assert!(status == "optimal" || status == "feasible", "{row:?}");
        let (reference, found, gap) = (
            number(row, "optimum_or_bound"),
            number(row, "found"),
            number(row, "gap"),
        );
        assert!(found >= reference * (1.0 - 1e-6), "{row:?}");
        let expected = if reference > 0.0 {
            (found - reference) / reference
        } else {
            0.0
        };
        assert!((gap - expected).abs() < 1e-4, "{row:?}");
        assert!(number(row, "seconds") >= 0.0);
    }
}

#[test]
fn vbp_parser_reads_an_inline_file() {
    let text = "3\n100 80 60\n2\n50 40 30 4\n\n10 0 60 1\n";
    let v = vbp::parse_vbp(text, Path::new("inline.vbp")).unwrap();
    assert_eq!((v.negative_items, v.offset, v.exact), (0, 0.0, true));
    let p = v.problem;
    assert_eq!(p.resources, vec!["d0", "d1", "d2"]);
    assert_eq!(p.bin_types.len(), 1);
    assert_eq!(
        (p.bin_types[0].capacity.clone(), p.bin_types[0].price),
        (vec![100, 80, 60], 1.0)
    );
    assert_eq!(
        p.items.iter().map(|i| (i.size.clone(), i.count)).collect::<Vec<_>>(),
        vec![(vec![50, 40, 30], 4), (vec![10, 0, 60], 1)]
    );
    assert!(p
        .items
        .iter()
        .all(|i| i.eligible == vec![0] && i.max_per_bin == u32::MAX));
    assert!(p.conflict_groups.is_empty());
    let e = vbp::parse_vbp("2\n10 10\n1\n5 5\n", Path::new("short.vbp")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "short.vbp:4: the file ends before the demand of item kind 1"
    );
}

/// Two tiny instances: `a` needs 2 bins (two pairs of complementary items), `b` 3 (no two
/// items share a bin); the summary knows the optimum of `a` only.
fn tiny_set(w: &Workdir) {
    w.write("Tiny/classA/a.vbp", "2\n10 10\n2\n6 4 2\n4 6 2\n");
    w.write("Tiny/classA/b.vbp", "1\n10\n1\n6 3\n");
    w.write(
        "Tiny_summary_known.csv",
        "instance_name\tLB\tOPT\tbest_overall\tbest_IC\tbest_BC\tbest_MB-Pairing\tbest_MB-WFD\n\
         a\t2\t2\t3\t3\t3\t3\t3\nb\t2\t-1\t3\t3\t3\t3\t3\n",
    );
}

#[test]
fn bench_vbp_writes_the_results_csv() {
    let w = Workdir::new();
    tiny_set(&w);
    let run = w.run(&[
        "bench",
        "--vbp",
        "Tiny",
        "--optima",
        "Tiny_summary_known.csv",
        "--out",
        "r.csv",
        "--time-limit",
        "5",
    ]);
    run.expect(0);
    let text = std::fs::read_to_string(w.path("r.csv")).unwrap();
    assert_eq!(text.lines().next().unwrap(), COLUMNS.join(","));
    let rows = w.read_csv("r.csv");
    assert_eq!(rows.len(), 2);
    assert_rows_sound(&rows);
    assert_eq!(rows[0]["instance"], "Tiny/classA/a");
    assert_eq!(
        (rows[0]["optimum_or_bound"].as_str(), rows[0]["found"].as_str()),
        ("2", "2")
    );
    assert_eq!(rows[0]["status"], "optimal");
    // No known optimum for `b`: the bound is ecsplan's own (3: no two items share a bin).
    assert_eq!(rows[1]["instance"], "Tiny/classA/b");
    assert_eq!(rows[1]["found"], "3");
    assert!(run.stdout.contains("Tiny/classA"), "{}", run.stdout);
    assert!(run.stdout.contains("published"), "{}", run.stdout);
    assert_eq!(
        run.stderr.lines().filter(|l| l.starts_with('[')).count(),
        2,
        "{}",
        run.stderr
    );

    // Without --optima the summary beside the set is found.
    w.run(&["bench", "--vbp", "Tiny", "--out", "r2.csv", "--time-limit", "5"])
        .expect(0);
    let again = w.read_csv("r2.csv");
    assert_eq!(
        again.iter().map(|r| &r["found"]).collect::<Vec<_>>(),
        rows.iter().map(|r| &r["found"]).collect::<Vec<_>>()
    );
    assert_eq!(again[0]["optimum_or_bound"], "2");
}

#[test]
fn bench_known_only_keeps_the_files_whose_optimum_is_known() {
    let w = Workdir::new();
    tiny_set(&w);
    let args = [
        "bench",
        "--vbp",
        "Tiny",
        "--optima",
        "Tiny_summary_known.csv",
        "--time-limit",
        "5",
    ];
    let run = w.run(&[&args[..], &["--known-only", "--out", "r.csv"]].concat());
    run.expect(0);
    let rows = w.read_csv("r.csv");
    assert_eq!(
        rows.iter().map(|r| r["instance"].as_str()).collect::<Vec<_>>(),
        ["Tiny/classA/a"]
    );
    // Without --optima there is nothing to know the optima from.
    w.run(&["bench", "--vbp", "Tiny", "--known-only"]).expect(2);
    // A summary that knows no optimum of the folder selects nothing.
    w.write("none_known.csv", "instance_name\tLB\tOPT\na\t2\t-1\nb\t2\t-1\n");
    let none = w.run(&["bench", "--vbp", "Tiny", "--optima", "none_known.csv", "--known-only"]);
    none.expect(2);
    assert!(none.stderr.contains("--known-only"), "{}", none.stderr);
}

#[test]
fn a_missing_shared_bench_is_a_visible_skip_and_a_failure_on_ci() {
    util::missing_shared_bench(false);
    assert!(std::panic::catch_unwind(|| util::missing_shared_bench(true)).is_err());
}

#[test]
fn bench_vbp_reports_a_bad_file_with_its_line() {
    let w = Workdir::new();
    w.write("Bad/c/x.vbp", "1\n10\n1\n11 1\n");
    let run = w.run(&["bench", "--vbp", "Bad"]);
    run.expect(2);
    assert!(run.stderr.contains("x.vbp:4:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("needs 11 in dimension 1 but a bin holds 10"),
        "{}",
        run.stderr
    );
    w.run(&["bench", "--vbp", "Bad", "--filter", "nothing-like-this"])
        .expect(2);
}

#[test]
fn built_in_optima_hold_by_construction() {
    let known = |i: &&families::BuiltIn| i.family != "realistic" && !i.family.starts_with("mix/");
    for instance in families::suite(false, families::SEEDS).iter().filter(known) {
        let case = instance.generate().unwrap();
        let optimum = case
            .optimum
            .unwrap_or_else(|| panic!("{} has no optimum", instance.id()));
        let sum = workload_usage(&case.workload);
        let vcpus = sum[Resource::Cpu as usize] as f64 / 1024.0;
        match instance.family.as_str() {
            "port-saturated" | "port-saturated-3types" => {
                // The CPU total and the static-port total price the optimum exactly.
                let instances = sum[Resource::StaticPorts as usize] as f64 / 95.0;
                let bound = ports::PER_VCPU * vcpus + ports::PER_INSTANCE * instances;
                assert!((bound - optimum).abs() < 1e-9, "{}", instance.id());
                continue;
            }
            "many-kind-fill" => {
                assert!((fills::PER_VCPU * vcpus - optimum).abs() < 1e-9, "{}", instance.id());
                continue;
            }
            _ => {}
        }
        let cheapest = case
            .catalog
            .types
            .iter()
            .map(|t| t.price_usd_hour)
            .fold(f64::INFINITY, f64::min);
        let n = (optimum / cheapest).round() as u64;
        assert!((n as f64 * cheapest - optimum).abs() < 1e-9, "{}", instance.id());
        let cap = case.figures.capacity(&case.catalog.types[0]);
        match instance.family.as_str() {
            "triplet" => {
                // Every task more than a quarter of the instance, and the sums fill n exactly.
                for r in [Resource::Cpu, Resource::Memory] {
                    assert_eq!(sum[r as usize], n * cap[r as usize], "{} {r:?}", instance.id());
                    for s in &case.workload.services {
                        assert!(4 * task_usage(s)[r as usize] > cap[r as usize], "{}", instance.id());
                    }
                }
            }
            "awsvpc-eni" => {
                assert_eq!(
                    sum[Resource::AwsvpcTasks as usize],
                    n * cap[Resource::AwsvpcTasks as usize]
                );
                assert!(sum[Resource::Cpu as usize] <= n * cap[Resource::Cpu as usize]);
            }
            "host-port" | "host-port-2types" => {
                let mut per_port: BTreeMap<u16, u64> = BTreeMap::new();
                for s in &case.workload.services {
                    for p in s.static_ports() {
                        *per_port.entry(p).or_default() += u64::from(s.count);
                    }
                }
                assert_eq!(per_port.values().max(), Some(&n), "{}", instance.id());
            }
            other => panic!("a family without a test: {other}"),
        }
    }
}

/// Twelve instances each full in CPU, memory and all 95 static ports: only a search that
/// fills every instance exactly at once reaches the optimum, and the bound proves it.
#[test]
fn a_port_saturated_fleet_of_twelve_is_planned_and_proven_optimal() {
    let dir = Workdir::new();
    let plan = plan_written_case(&dir, "port-saturated/k12-s1", "30", "2");
    let summary = dir.read_json(&format!("{plan}/summary.json"));
    assert_eq!(summary["status"], "optimal", "{summary}");
    assert_eq!(summary["instances"], 12, "{summary}");
}

/// 500 services of distinct kinds filling some 250 instances of four sizes exactly in CPU,
/// with memory and awsvpc slots to spare only in all of them together: the bin-by-bin
/// search reaches the optimum only by pacing what each instance leaves unused.
#[test]
fn a_many_kind_fill_of_five_hundred_services_is_planned_and_proven_optimal() {
    let dir = Workdir::new();
    let plan = plan_written_case(&dir, "many-kind-fill/n500-s1", "30", "2");
    let summary = dir.read_json(&format!("{plan}/summary.json"));
    assert_eq!(summary["status"], "optimal", "{summary}");
}

/// Writes the built-in instance `filter` names, plans it with the time limit and threads
/// given, checks the plan and returns its folder.
fn plan_written_case(dir: &Workdir, filter: &str, seconds: &str, threads: &str) -> String {
    dir.run(&["bench", "--write-workloads", "cases", "--filter", filter])
        .expect(0);
    let case = format!("cases/{filter}");
    let (workload, catalog) = (format!("{case}/workload.csv"), format!("{case}/catalog.csv"));
    let plan = format!("plan-{}", filter.replace('/', "-"));
    dir.run(&[
        "plan",
        "--workload",
        &workload,
        "--catalog",
        &catalog,
        "--time-limit",
        seconds,
        "--threads",
        threads,
        "--out",
        &plan,
    ])
    .expect(0);
    dir.run(&["check", "--workload", &workload, "--catalog", &catalog, "--plan", &plan])
        .expect(0);
    plan
}

#[test]
fn bench_built_in_plans_pass_the_checker_and_never_beat_the_optimum() {
    let w = Workdir::new();
    for filter in ["n10-s1", "triplet/k10-s1"] {
        let run = w.run(&["bench", "--filter", filter, "--time-limit", "5", "--out", "r.csv"]);
        run.expect(0);
        let rows = w.read_csv("r.csv");
        assert!(!rows.is_empty());
        assert_rows_sound(&rows);
        assert!(rows.iter().all(|r| r["instance"].contains(filter)));
    }
    w.run(&["bench", "--filter", "no-such-family"]).expect(2);
}

/// About 20 instances of one public set, 2 s each: every row sound and checked.
fn public_sample(set: &str) {
    let Some(root) = util::shared_bench() else { return };
    let dir = root.join("vectorpack").join(set);
    assert!(dir.is_dir(), "{} is missing from ../shared/bench", dir.display());
    let w = Workdir::new();
    let dir = dir.to_string_lossy().into_owned();
    let run = w.run(&[
        "bench",
        "--vbp",
        &dir,
        "--sample",
        "20",
        "--time-limit",
        "2",
        "--threads",
        "1",
        "--out",
        "r.csv",
    ]);
    run.expect(0);
    let rows = w.read_csv("r.csv");
    assert_eq!(rows.len(), 20);
    assert_rows_sound(&rows);
    assert!(rows.iter().all(|r| r["instance"].starts_with(&format!("{set}/"))));
}

#[test]
fn public_sample_panigrahy() {
    public_sample("Panigrahy");
}

#[test]
fn public_sample_new() {
    public_sample("New");
}

#[test]
fn public_sample_triplet() {
    public_sample("Triplet");
}

#[test]
fn written_workloads_plan_and_check_at_their_known_optimum() {
    let dir = Workdir::new();
    dir.run(&["bench", "--write-workloads", "cases", "--filter", "host-port/n10-s1"])
        .expect(0);
    let case = "cases/host-port/n10-s1";
    let (workload, catalog) = (format!("{case}/workload.csv"), format!("{case}/catalog.csv"));
    dir.run(&["plan", "--workload", &workload, "--catalog", &catalog, "--out", "plan"])
        .expect(0);
    dir.run(&[
        "check",
        "--workload",
        &workload,
        "--catalog",
        &catalog,
        "--plan",
        "plan",
    ])
    .expect(0);
    let generated = families::suite(false, families::SEEDS)
        .into_iter()
        .find(|i| i.id() == "host-port/n10-s1")
        .unwrap()
        .generate()
        .unwrap();
    let summary = dir.read_json("plan/summary.json");
    let cost = summary["cost_per_hour"].as_f64().unwrap();
    assert!((cost - generated.optimum.unwrap()).abs() < 1e-6, "{summary}");
}

#[test]
fn new_families_write_workloads_that_plan_and_check() {
    let dir = Workdir::new();
    for filter in [
        "port-saturated/k4-s1",
        "many-kind-fill/n50-s1",
        "mix/awsvpc40-gib4/200-s1",
    ] {
        plan_written_case(&dir, filter, "1", "1");
    }
}

#[test]
fn sweep_adds_every_point_of_the_mix_sweep() {
    let dir = Workdir::new();
    dir.run(&["bench", "--write-workloads", "default", "--filter", "gib0.5/200-"])
        .expect(0);
    dir.run(&[
        "bench",
        "--write-workloads",
        "swept",
        "--sweep",
        "--filter",
        "gib0.5/200-",
    ])
    .expect(0);
    let points = |folder: &str| {
        let mut names: Vec<String> = std::fs::read_dir(dir.path(&format!("{folder}/mix")))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(points("default"), vec!["awsvpc60-gib0.5"]);
    assert_eq!(
        points("swept"),
        vec![
            "awsvpc10-gib0.5",
            "awsvpc25-gib0.5",
            "awsvpc40-gib0.5",
            "awsvpc60-gib0.5"
        ]
    );
}

#[test]
fn seeds_sets_how_many_instances_each_known_family_size_gets() {
    let dir = Workdir::new();
    dir.run(&["bench", "--write-workloads", "two", "--filter", "port-saturated/k4-"])
        .expect(0);
    dir.run(&[
        "bench",
        "--write-workloads",
        "ten",
        "--seeds",
        "10",
        "--filter",
        "port-saturated/k4-",
    ])
    .expect(0);
    let names = |folder: &str| {
        let mut names: Vec<String> = std::fs::read_dir(dir.path(&format!("{folder}/port-saturated")))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names("two"), vec!["k4-s1", "k4-s2"]);
    let ten = names("ten");
    assert_eq!(ten.len(), 10);
    assert!(ten.contains(&"k4-s10".to_string()) && ten.contains(&"k4-s7".to_string()));
    dir.run(&["bench", "--seeds", "0", "--filter", "k4-"]).expect(2);
}
