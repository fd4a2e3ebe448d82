//! Tests of `compare`: the scenario rewrites as written to each plan folder, costs that
//! move the way each network mode's rules say they must, Fargate prices, every plan
//! folder accepted by `check`, and the chart.

use std::collections::BTreeMap;

use crate::util::{self, Workdir};

const SCENARIOS: [&str; 8] = [
    "declared",
    "host",
    "bridge",
    "bridge-dynamic",
    "awsvpc",
    "awsvpc-trunking",
    "none",
    "fargate",
];

/// One instance type like an m5.large: 2048 CPU, 7946 MiB registered, 2 awsvpc tasks
/// without trunking and 10 with it.
const ONE_TYPE: &str =
    "instance_type,family,vcpu,memory_mib,arch,gpus,max_enis,ipv4_per_eni,trunking,awsvpc_trunk_tasks,price_usd_hour
m5.large,m5,2,8192,x86_64,0,3,10,true,10,0.096
";

const HEADER: &str =
    "service,cpu,memory_mib,count,network_mode,host_ports,gpus,arch,instance_types,distinct_instance\n";

type Rows = Vec<BTreeMap<String, String>>;

/// Runs `compare` with `--out out` and returns `compare.csv` by scenario name.
fn compare(wd: &Workdir, extra: &[&str]) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut args = vec![
        "compare",
        "--workload",
        "w.csv",
        "--out",
        "out",
        "--time-limit",
        "10",
        "--seed",
        "1",
    ];
    args.extend_from_slice(extra);
    wd.run(&args).expect(0);
    let rows: Rows = wd.read_csv("out/compare.csv");
    let names: Vec<&str> = rows.iter().map(|r| r["scenario"].as_str()).collect();
    assert_eq!(names, SCENARIOS);
    rows.into_iter().map(|r| (r["scenario"].clone(), r)).collect()
}

fn number(row: &BTreeMap<String, String>, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column} = `{}` in {row:?}", row[column]))
}

#[test]
fn compare_csv_has_the_issue_columns_and_one_row_per_scenario() {
    let wd = Workdir::new();
    wd.write("w.csv", &format!("{HEADER}web,256,512,4,bridge,80,0,any,,false\n"));
    wd.run(&["compare", "--workload", "w.csv", "--out", "out", "--time-limit", "5"])
        .expect(0);
    let text = std::fs::read_to_string(wd.path("out/compare.csv")).unwrap();
    assert_eq!(
        text.lines().next().unwrap(),
        "scenario,instances,cost_per_hour,cost_per_month,lower_bound_per_hour,gap,binding,delta_vs_cheapest,delta_low,delta_high"
    );
    let rows = compare(&wd, &[]);
    let cheapest = rows
        .values()
        .map(|r| number(r, "cost_per_hour"))
        .fold(f64::INFINITY, f64::min);
    for (name, r) in &rows {
        let (cost, bound) = (number(r, "cost_per_hour"), number(r, "lower_bound_per_hour"));
        assert!(bound <= cost + 1e-4, "{name}: bound {bound} above cost {cost}");
        assert!((number(r, "cost_per_month") - cost * 730.0).abs() < 0.01, "{name}");
        assert!(
            (number(r, "delta_vs_cheapest") - (cost - cheapest) * 730.0).abs() < 0.01,
            "{name}"
        );
        let gap = number(r, "gap");
        assert!((0.0..=1.0).contains(&gap), "{name}: gap {gap}");
        let (low, delta, high) = (
            number(r, "delta_low"),
            number(r, "delta_vs_cheapest"),
            number(r, "delta_high"),
        );
        assert!(
            low <= delta + 1e-4 && delta <= high + 1e-4,
            "{name}: {low} {delta} {high}"
        );
    }
    // Fargate has no instances.
    assert_eq!(rows["fargate"]["instances"], "");
    for name in &SCENARIOS[..7] {
        assert!(number(&rows[*name], "instances") >= 1.0, "{name}");
    }
}

#[test]
fn each_plan_folder_holds_its_scenario_workload_and_passes_check() {
    let wd = Workdir::new();
    wd.write("catalog.csv", ONE_TYPE);
    wd.write(
        "w.csv",
        &format!(
            "{HEADER}web,256,512,3,host,80;443,0,any,,false\napi,256,512,3,bridge,8080;0,0,any,,false\n\
             worker,128,256,4,,0;0,0,any,m5.*,false\nsvc,256,512,3,awsvpc,,0,any,,false\nbatch,128,256,2,none,,0,any,,true\n"
        ),
    );
    compare(&wd, &["--catalog", "catalog.csv", "--headroom", "0.1"]);
    let modes_and_ports = |scenario: &str| -> Vec<(String, String)> {
        wd.read_csv(&format!("out/{scenario}/workload.csv"))
            .into_iter()
            .map(|r| (r["network_mode"].clone(), r["host_ports"].clone()))
            .collect()
    };
    let expect = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs.iter().map(|(m, p)| (m.to_string(), p.to_string())).collect()
    };
    assert_eq!(
        modes_and_ports("declared"),
        expect(&[
            ("host", "80;443"),
            ("bridge", "8080;0"),
            ("default", "0;0"),
            ("awsvpc", ""),
            ("none", "")
        ])
    );
    assert_eq!(
        modes_and_ports("host"),
        expect(&[
            ("host", "80;443"),
            ("host", "8080;10000"),
            ("host", "10001;10002"),
            ("host", "10003"),
            ("host", "")
        ])
    );
    assert_eq!(
        modes_and_ports("bridge"),
        expect(&[
            ("bridge", "80;443"),
            ("bridge", "8080;0"),
            ("bridge", "0;0"),
            ("bridge", ""),
            ("bridge", "")
        ])
    );
    assert_eq!(
        modes_and_ports("bridge-dynamic"),
        expect(&[
            ("bridge", "0;0"),
            ("bridge", "0;0"),
            ("bridge", "0;0"),
            ("bridge", ""),
            ("bridge", "")
        ])
    );
    for (scenario, mode) in [("awsvpc", "awsvpc"), ("awsvpc-trunking", "awsvpc"), ("none", "none")] {
        assert!(
            modes_and_ports(scenario).iter().all(|(m, p)| m == mode && p.is_empty()),
            "{scenario}"
        );
    }
    // Everything but the mode and ports is kept.
    let declared = wd.read_csv("out/declared/workload.csv");
    let host = wd.read_csv("out/host/workload.csv");
    for (d, h) in declared.iter().zip(&host) {
        for column in [
            "service",
            "cpu",
            "memory_mib",
            "count",
            "gpus",
            "arch",
            "instance_types",
            "distinct_instance",
        ] {
            assert_eq!(d[column], h[column], "{column}");
        }
    }
    // Each plan checks with its own workload and the scenario's trunking.
    for scenario in &SCENARIOS[..7] {
        let dir = format!("out/{scenario}");
        let workload = format!("{dir}/workload.csv");
        let mut args = vec![
            "check",
            "--workload",
            &workload,
            "--plan",
            &dir,
            "--catalog",
            "catalog.csv",
            "--headroom",
            "0.1",
        ];
        if *scenario == "awsvpc-trunking" {
            args.extend(["--eni-trunking", "on"]);
        }
        let run = wd.run(&args);
        run.expect(0);
        assert!(run.stdout.starts_with("valid:"), "{scenario}: {}", run.stdout);
    }
    let readme = std::fs::read_to_string(wd.path("out/README.txt")).unwrap();
    assert!(readme.contains(
        "ecsplan check --workload out/awsvpc-trunking/workload.csv --plan out/awsvpc-trunking --catalog catalog.csv --eni-trunking on --headroom 0.1"
    ));
    // The Fargate folder prices each service.
    let tasks = wd.read_csv("out/fargate/tasks.csv");
    assert_eq!(tasks.len(), 5);
}

#[test]
fn awsvpc_costs_more_than_bridge_on_enis_and_trunking_brings_it_down() {
    let wd = Workdir::new();
    wd.write("catalog.csv", ONE_TYPE);
    // 20 small tasks: 3 instances by CPU (8 per m5.large of 2048 units), but 10 without
    // trunking, where each instance holds only 2 awsvpc tasks.
    wd.write("w.csv", &format!("{HEADER}svc,256,256,20,bridge,0,0,any,,false\n"));
    let rows = compare(&wd, &["--catalog", "catalog.csv"]);
    let instances = |s: &str| number(&rows[s], "instances");
    let cost = |s: &str| number(&rows[s], "cost_per_hour");
    assert_eq!(instances("bridge"), 3.0);
    assert_eq!(instances("awsvpc"), 10.0);
    assert_eq!(instances("awsvpc-trunking"), 3.0);
    assert!(cost("awsvpc") > cost("bridge"));
    assert!(cost("awsvpc-trunking") < cost("awsvpc"));
    assert_eq!(rows["awsvpc"]["binding"], "awsvpc_tasks 100 %");
    assert_eq!(
        rows["awsvpc"]["gap"], "0.000000",
        "10 instances is provably least: 20 tasks, 2 per instance"
    );
    let cheapest = rows
        .values()
        .map(|r| number(r, "cost_per_month"))
        .fold(f64::INFINITY, f64::min);
    let delta = number(&rows["awsvpc"], "cost_per_month") - cheapest;
    assert!((number(&rows["awsvpc"], "delta_vs_cheapest") - delta).abs() < 0.01);
    assert!(
        delta >= 7.0 * 0.096 * 730.0 - 0.01,
        "awsvpc costs 7 more instances than bridge"
    );
}

#[test]
fn host_ports_make_host_costlier_than_bridge() {
    let wd = Workdir::new();
    wd.write("catalog.csv", ONE_TYPE);
    // Dynamic ports: 8 tasks of 256 CPU share an instance in bridge mode; in host mode
    // each `0` is a port of the service's own, so one task per instance.
    wd.write("w.csv", &format!("{HEADER}web,256,512,8,bridge,0,0,any,,false\n"));
    let rows = compare(&wd, &["--catalog", "catalog.csv"]);
    assert_eq!(number(&rows["bridge"], "instances"), 1.0);
    assert_eq!(number(&rows["host"], "instances"), 8.0);
    assert!(number(&rows["host"], "cost_per_hour") > number(&rows["bridge"], "cost_per_hour"));
    assert_eq!(rows["host"]["binding"], "host_ports 100 %");
    assert_eq!(rows["bridge"]["binding"], "cpu 100 %");
    // Without ports to share, bridge costs what resources alone cost.
    assert_eq!(rows["bridge"]["cost_per_hour"], rows["none"]["cost_per_hour"]);
}

/// Two types: `small` (2048 CPU, 3973 MiB registered, 2 awsvpc tasks) at $0.10 and
/// `big` (8192 CPU, 31784 MiB, 3 awsvpc tasks) at $0.40.
const SMALL_AND_BIG: &str =
    "instance_type,family,vcpu,memory_mib,arch,gpus,max_enis,ipv4_per_eni,trunking,awsvpc_trunk_tasks,price_usd_hour
small.large,small,2,4096,x86_64,0,3,10,false,,0.10
big.2xlarge,big,8,32768,x86_64,0,4,10,false,,0.40
";

#[test]
fn host_was_cheapest_for_awsvpc_services_whose_container_ports_it_ignored() {
    let wd = Workdir::new();
    wd.write("catalog.csv", SMALL_AND_BIG);
    // Six awsvpc tasks of 512 CPU and 1024 MiB; `api` listens on 8080, `worker` on 9090.
    // By hand:
    // - declared (awsvpc): 2 tasks per small (ENIs), 3 per big: 3 smalls, $0.30/hour.
    // - host: the 4 `api` tasks bind 8080, so no two share an instance: at least 4
    //   instances, and 4 smalls hold all 6 (3 tasks of 1024 MiB fit 3973): $0.40/hour.
    //   Without its container ports, host packed 3 tasks per small by memory: $0.20.
    // - bridge: hostPort = containerPort, the same as host: $0.40.
    // - bridge-dynamic: every port `0`, resources alone: 2 smalls, $0.20.
    wd.write(
        "w.csv",
        "service,cpu,memory_mib,count,network_mode,container_ports\n\
         api,512,1024,4,awsvpc,8080\n\
         worker,512,1024,2,awsvpc,9090\n",
    );
    let rows = compare(&wd, &["--catalog", "catalog.csv"]);
    let cost = |s: &str| number(&rows[s], "cost_per_hour");
    let instances = |s: &str| number(&rows[s], "instances");
    assert_eq!((instances("declared"), cost("declared")), (3.0, 0.3));
    assert_eq!((instances("host"), cost("host")), (4.0, 0.4));
    assert_eq!((instances("bridge"), cost("bridge")), (4.0, 0.4));
    assert_eq!((instances("bridge-dynamic"), cost("bridge-dynamic")), (2.0, 0.2));
    assert!(
        cost("host") > cost("declared"),
        "host is not cheaper without ports to share"
    );
    assert_eq!(rows["host"]["binding"], "host_ports 100 %");
    // The rewritten workloads say where the ports went, and pass `check`.
    let host = wd.read_csv("out/host/workload.csv");
    assert_eq!(
        (host[0]["host_ports"].as_str(), host[0]["container_ports"].as_str()),
        ("8080", "")
    );
    let bridge = wd.read_csv("out/bridge/workload.csv");
    assert_eq!(bridge[1]["host_ports"], "9090");
    let awsvpc = wd.read_csv("out/awsvpc/workload.csv");
    assert_eq!(
        (awsvpc[0]["host_ports"].as_str(), awsvpc[0]["container_ports"].as_str()),
        ("", "8080")
    );
    for scenario in ["host", "bridge", "awsvpc"] {
        wd.run(&[
            "check",
            "--workload",
            &format!("out/{scenario}/workload.csv"),
            "--plan",
            &format!("out/{scenario}"),
            "--catalog",
            "catalog.csv",
        ])
        .expect(0);
    }
}

#[test]
fn lanes_and_rounds_keep_the_comparison_the_same_for_a_seed_on_any_thread_count() {
    let wd = Workdir::new();
    wd.write("catalog.csv", SMALL_AND_BIG);
    wd.write(
        "w.csv",
        "service,cpu,memory_mib,count,network_mode,host_ports,container_ports\n\
         api,512,1024,7,awsvpc,,8080\n\
         web,256,512,9,bridge,0;80,\n\
         batch,1024,2048,5,none,,\n",
    );
    // Every solve here is proven well before its limit: nothing depends on timing.
    let csv = |threads: &str| {
        wd.run(&[
            "compare",
            "--workload",
            "w.csv",
            "--catalog",
            "catalog.csv",
            "--out",
            "out",
            "--time-limit",
            "10",
            "--seed",
            "7",
            "--threads",
            threads,
        ])
        .expect(0);
        std::fs::read_to_string(wd.path("out/compare.csv")).unwrap()
    };
    let one = csv("1");
    assert_eq!(csv("2"), one);
    assert_eq!(csv("7"), one);
}

#[test]
fn an_awsvpc_service_without_container_ports_gets_a_private_host_port_with_a_note() {
    let wd = Workdir::new();
    wd.write("catalog.csv", SMALL_AND_BIG);
    wd.write(
        "w.csv",
        "service,cpu,memory_mib,count,network_mode\napi,512,1024,3,awsvpc\n",
    );
    let rows = compare(&wd, &["--catalog", "catalog.csv"]);
    // One port of its own: the 3 tasks on 3 smalls, where resources alone need 1.
    assert_eq!(number(&rows["host"], "instances"), 3.0);
    assert_eq!(number(&rows["none"], "instances"), 1.0);
    let summary = wd.read_json("out/host/summary.json");
    let notes = summary["notes"].to_string();
    assert!(notes.contains("1 awsvpc service lists no container_ports"), "{notes}");
    assert!(notes.contains("`api` (10000)"), "{notes}");
}

/// The most threads `ecsplan args` had at once, from `/proc/PID/task` sampled while it runs.
#[cfg(target_os = "linux")]
fn most_threads(wd: &Workdir, args: &[&str]) -> usize {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ecsplan"))
        .args(args)
        .current_dir(wd.path("."))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("ecsplan runs");
    let tasks = format!("/proc/{}/task", child.id());
    let mut most = 0;
    while child.try_wait().expect("ecsplan waits").is_none() {
        if let Ok(entries) = std::fs::read_dir(&tasks) {
            // A thread that has exited may linger in the listing for a moment: count the
            // ones whose state is neither zombie nor dead.
            let alive = entries
                .filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("stat")).ok())
                .filter(|stat| {
                    let state = stat.rsplit(')').next().unwrap_or("").trim_start().chars().next();
                    !matches!(state, Some('Z' | 'X') | None)
                })
                .count();
            most = most.max(alive);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    most
}

#[cfg(target_os = "linux")]
#[test]
fn compare_with_one_thread_ran_twenty() {
    let wd = Workdir::new();
    // Enough work for every scenario to reach the exact solver.
    let workload = std::fs::read_to_string(util::data("examples/platform.csv")).unwrap();
    wd.write("w.csv", &workload);
    let args = |command: &'static str| {
        ["--workload", "w.csv", "--time-limit", "3", "--threads", "1"]
            .iter()
            .fold(vec![command], |mut v, a| {
                v.push(a);
                v
            })
    };
    let plan = most_threads(&wd, &args("plan"));
    let compare = most_threads(&wd, &args("compare"));
    // One solver thread, the main thread waiting for it, and the thread of a HiGHS MIP
    // that the solver thread waits for (`engine::exact::highs_mip`: a MIP that never
    // returns is left behind there); compare uses no more than one plan does.
    assert!(
        compare <= plan && compare <= 3,
        "compare ran {compare} threads at once, plan {plan}"
    );
}

#[test]
fn fargate_prices_known_sizes_and_refuses_gpu_tasks() {
    let wd = Workdir::new();
    // 4 × (0.25 vCPU, 0.5 GB) at the x86 price, 2 × (1 vCPU, 2 GB) and 3 × 700 MiB
    // (billed as 0.25 vCPU, 1 GB) at the arm64 price.
    wd.write(
        "w.csv",
        &format!(
            "{HEADER}a,256,512,4,awsvpc,,0,x86_64,,false\nb,1024,2048,2,awsvpc,,0,arm64,,false\nc,200,700,3,awsvpc,,0,any,,false\n"
        ),
    );
    let rows = compare(&wd, &[]);
    let expected =
        4.0 * (0.25 * 0.04048 + 0.5 * 0.004445) + 2.0 * (0.03238 + 2.0 * 0.00356) + 3.0 * (0.25 * 0.03238 + 0.00356);
    let f = &rows["fargate"];
    assert!((number(f, "cost_per_hour") - expected).abs() < 1e-4, "{f:?}");
    assert!((number(f, "cost_per_month") - expected * 730.0).abs() < 0.01);
    assert_eq!(f["gap"], "0.000000");
    assert_eq!(f["lower_bound_per_hour"], f["cost_per_hour"]);
    let sizes: Vec<(String, String)> = wd
        .read_csv("out/fargate/tasks.csv")
        .into_iter()
        .map(|r| (r["fargate_cpu"].clone(), r["fargate_memory_mib"].clone()))
        .collect();
    let pairs = [("256", "512"), ("1024", "2048"), ("256", "1024")];
    assert_eq!(sizes, pairs.map(|(c, m)| (c.to_string(), m.to_string())));

    // A GPU service: Fargate has no plan, the row says why, the others still plan.
    let wd = Workdir::new();
    wd.write(
        "w.csv",
        &format!("{HEADER}web,256,512,2,bridge,80,0,any,,false\nml,4096,16384,1,,,1,x86_64,,false\n"),
    );
    let run = wd.run(&["compare", "--workload", "w.csv", "--out", "out", "--time-limit", "10"]);
    run.expect(0);
    assert!(
        run.stdout
            .contains("service `ml`: a task needs 1 GPU(s) and Fargate has none"),
        "{}",
        run.stdout
    );
    let rows: Rows = wd.read_csv("out/compare.csv");
    let f = rows.iter().find(|r| r["scenario"] == "fargate").unwrap();
    assert_eq!((f["cost_per_hour"].as_str(), f["instances"].as_str()), ("", ""));
    assert!(
        f["binding"].starts_with("no plan: the services that can run there would cost $"),
        "{f:?}"
    );
    assert!(
        f["binding"].ends_with("service `ml`: a task needs 1 GPU(s) and Fargate has none"),
        "{f:?}"
    );
    assert!(rows
        .iter()
        .filter(|r| r["scenario"] != "fargate")
        .all(|r| !r["cost_per_hour"].is_empty()));
    assert!(wd.path("out/fargate/no_plan.txt").is_file());
}

#[test]
fn json_lists_every_scenario_and_the_cheapest() {
    let wd = Workdir::new();
    wd.write("catalog.csv", ONE_TYPE);
    wd.write("w.csv", &format!("{HEADER}svc,256,256,20,bridge,0,0,any,,false\n"));
    let run = wd.run(&[
        "compare",
        "--workload",
        "w.csv",
        "--catalog",
        "catalog.csv",
        "--format",
        "json",
        "--time-limit",
        "4",
    ]);
    run.expect(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let scenarios = json["scenarios"].as_array().unwrap();
    let names: Vec<&str> = scenarios.iter().map(|s| s["scenario"].as_str().unwrap()).collect();
    assert_eq!(names, SCENARIOS);
    let cheapest = json["cheapest"].as_str().unwrap();
    let min = scenarios
        .iter()
        .map(|s| s["cost_per_hour"].as_f64().unwrap())
        .fold(f64::INFINITY, f64::min);
    let of = |name: &str| scenarios.iter().find(|s| s["scenario"] == name).unwrap();
    assert_eq!(of(cheapest)["cost_per_hour"].as_f64().unwrap(), min);
    assert_eq!(of(cheapest)["cheapest"], true);
    assert_eq!(of("awsvpc-trunking")["eni_trunking"], true);
    assert_eq!(of("awsvpc")["eni_trunking"], false);
    assert_eq!(of("awsvpc")["binding_shares"]["awsvpc_tasks"], 1.0);
    // Every plan here is proven: each range is the delta itself, told apart from zero.
    for s in scenarios {
        assert_eq!(s["delta_low"], s["delta_vs_cheapest"], "{s}");
        assert_eq!(s["delta_high"], s["delta_vs_cheapest"], "{s}");
        assert_eq!(s["told_apart"], true, "{s}");
    }
    // One time limit for the whole compare.
    assert!(json["seconds"].as_f64().unwrap() <= 4.0, "{}", json["seconds"]);
}

#[test]
fn the_chart_is_svg_with_one_bar_per_scenario() {
    let wd = Workdir::new();
    wd.write(
        "w.csv",
        &format!("{HEADER}web,512,1024,6,bridge,80,0,any,,false\napi,256,512,10,awsvpc,,0,any,,false\n"),
    );
    wd.run(&[
        "compare",
        "--workload",
        "w.csv",
        "--chart",
        "cost.svg",
        "--time-limit",
        "5",
    ])
    .expect(0);
    let text = std::fs::read_to_string(wd.path("cost.svg")).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("the chart parses as XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.tag_name().namespace(), Some("http://www.w3.org/2000/svg"));
    let class = |n: &roxmltree::Node, c: &str| n.attribute("class") == Some(c);
    let groups: Vec<roxmltree::Node> = doc.descendants().filter(|n| class(n, "scenario")).collect();
    let names: Vec<&str> = groups.iter().map(|g| g.attribute("data-scenario").unwrap()).collect();
    assert_eq!(names, SCENARIOS);
    let mut cheapest = 0;
    for g in &groups {
        let bars: Vec<roxmltree::Node> = g.descendants().filter(|n| class(n, "bar")).collect();
        assert_eq!(bars.len(), 1, "{:?}", g.attribute("data-scenario"));
        assert_eq!(g.descendants().filter(|n| class(n, "bound")).count(), 1);
        let rect = bars[0].descendants().find(|n| n.has_tag_name("rect")).unwrap();
        let width: f64 = rect.attribute("width").unwrap().parse().unwrap();
        assert!(width > 0.0);
        cheapest += g
            .descendants()
            .filter(|n| n.is_element() && n.text().is_some_and(|t| t.contains("cheapest")))
            .count();
    }
    assert_eq!(cheapest, 1, "exactly one scenario is labelled cheapest");
    assert!(text.contains("cost per month"));

    // A scenario without a plan is a gap with its reason.
    wd.write("w.csv", &format!("{HEADER}ml,1024,4096,1,,,1,x86_64,,false\n"));
    wd.run(&[
        "compare",
        "--workload",
        "w.csv",
        "--chart",
        "gpu.svg",
        "--time-limit",
        "5",
    ])
    .expect(0);
    let text = std::fs::read_to_string(wd.path("gpu.svg")).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let fargate = doc
        .descendants()
        .find(|n| n.attribute("data-scenario") == Some("fargate"))
        .unwrap();
    assert_eq!(fargate.descendants().filter(|n| class(n, "bar")).count(), 0);
    assert!(fargate
        .descendants()
        .any(|n| n.text().is_some_and(|t| t.contains("GPU"))));
}

#[test]
fn no_scenario_with_a_plan_exits_1() {
    let wd = Workdir::new();
    wd.write("catalog.csv", ONE_TYPE);
    // Fits the catalog as a whole, but `--types` leaves nothing the GPU task can use.
    wd.write(
        "c2.csv",
        &format!("{ONE_TYPE}g4dn.xlarge,g4dn,4,16384,x86_64,1,3,10,true,39,0.526\n"),
    );
    wd.write("w.csv", &format!("{HEADER}ml,1024,4096,1,,,1,x86_64,,false\n"));
    let run = wd.run(&[
        "compare",
        "--workload",
        "w.csv",
        "--catalog",
        "c2.csv",
        "--types",
        "m5.*",
        "--time-limit",
        "3",
    ]);
    run.expect(1);
    assert!(run.stdout.contains("declared: no plan: service `ml`"), "{}", run.stdout);
}

#[test]
fn no_scenario_costs_less_than_none_and_every_bound_holds_for_its_plan() {
    // `none` relaxes every EC2 scenario: any of their plans is one of its plans.
    let wd = Workdir::new();
    let workload = util::data("examples/platform.csv");
    let run = wd.run(&[
        "compare",
        "--workload",
        workload.to_str().unwrap(),
        "--out",
        "out",
        "--time-limit",
        "6",
    ]);
    run.expect(0);
    let rows: Rows = wd.read_csv("out/compare.csv");
    let cost = |s: &str| number(rows.iter().find(|r| r["scenario"] == s).unwrap(), "cost_per_hour");
    for row in rows.iter().filter(|r| r["scenario"] != "fargate") {
        assert!(cost("none") <= number(row, "cost_per_hour") + 1e-9, "{row:?}");
        assert!(
            number(row, "lower_bound_per_hour") <= number(row, "cost_per_hour") + 1e-9,
            "{row:?}"
        );
        let dir = format!("out/{}", row["scenario"]);
        let workload = format!("{dir}/workload.csv");
        let mut args = vec!["check", "--workload", &workload, "--plan", &dir];
        if row["scenario"] == "awsvpc-trunking" {
            args.extend(["--eni-trunking", "on"]);
        }
        wd.run(&args).expect(0);
    }
}

#[test]
fn compare_scenario_folders_needed_their_trunking_flag_to_check() {
    // Each scenario folder records the options it was planned under, with the scenario's
    // own trunking, so `check` on it needs no rule flag, even for awsvpc-trunking.
    let wd = Workdir::new();
    wd.write(
        "w.csv",
        &format!("{HEADER}api,256,512,12,awsvpc,,0,any,,false\nweb,256,512,4,bridge,80,0,any,,false\n"),
    );
    wd.run(&[
        "compare",
        "--workload",
        "w.csv",
        "--out",
        "out",
        "--time-limit",
        "5",
        "--types",
        "c6i.*;m6i.*",
    ])
    .expect(0);
    for scenario in ["declared", "awsvpc", "awsvpc-trunking"] {
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(wd.path(&format!("out/{scenario}/summary.json"))).unwrap())
                .unwrap();
        let trunking = if scenario == "awsvpc-trunking" { "on" } else { "off" };
        assert_eq!(summary["options"]["eni_trunking"], trunking, "{scenario}");
        assert_eq!(summary["options"]["types"], "c6i.*;m6i.*", "{scenario}");
        let workload = format!("out/{scenario}/workload.csv");
        let plan = format!("out/{scenario}");
        let run = wd.run(&["check", "--workload", &workload, "--plan", &plan]);
        run.expect(0);
        assert!(!run.stderr.contains("warning"), "{scenario}: {}", run.stderr);
    }
}
