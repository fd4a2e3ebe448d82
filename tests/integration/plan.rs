//! `ecsplan plan` end to end: outputs, exit codes, the rules of each network mode.

use crate::util::{data, Workdir};

/// A small catalog whose optima are easy to see by hand.
pub const CATALOG: &str = "\
instance_type,family,vcpu,memory_mib,arch,gpus,max_enis,ipv4_per_eni,trunking,awsvpc_trunk_tasks,price_usd_hour
m5.large,m5,2,8192,x86_64,0,3,10,true,10,0.096
m5.xlarge,m5,4,16384,x86_64,0,4,15,true,20,0.192
c6g.large,c6g,2,4096,arm64,0,3,10,true,10,0.068
g5.xlarge,g5,4,16384,x86_64,1,4,15,true,6,1.006
";

pub const HEADER: &str =
    "service,cpu,memory_mib,count,network_mode,host_ports,gpus,arch,instance_types,distinct_instance\n";

fn plan(dir: &Workdir, workload: &str, extra: &[&str]) -> crate::util::Run {
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
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    dir.run(&args)
}

fn summary(dir: &Workdir) -> serde_json::Value {
    dir.read_json("out/summary.json")
}

fn cost(dir: &Workdir) -> f64 {
    summary(dir)["cost_per_hour"].as_f64().unwrap()
}

#[test]
fn host_port_puts_each_task_on_its_own_instance() {
    let dir = Workdir::new();
    plan(&dir, "web,256,512,4,host,80,0,any,,false\n", &[]).expect(0);
    let s = summary(&dir);
    assert_eq!(s["instances"], 4);
    assert!((cost(&dir) - 4.0 * 0.068).abs() < 1e-9, "{s}");
    assert_eq!(s["status"], "optimal", "{s}");
}

#[test]
fn two_services_on_one_port_never_share_an_instance() {
    let dir = Workdir::new();
    plan(
        &dir,
        "a,256,512,2,host,8080,0,any,,false\nb,256,512,2,bridge,8080;0,0,any,,false\n",
        &[],
    )
    .expect(0);
    assert_eq!(summary(&dir)["instances"], 4);
    for row in dir.read_csv("out/instances.csv") {
        assert_eq!(row["host_ports"], "8080");
    }
}

#[test]
fn dynamic_bridge_ports_pack_together() {
    let dir = Workdir::new();
    plan(&dir, "api,256,512,6,bridge,0;0,0,any,,false\n", &[]).expect(0);
    assert_eq!(summary(&dir)["instances"], 1);
    assert_eq!(dir.read_csv("out/instances.csv")[0]["host_ports"], "");
}

#[test]
fn awsvpc_is_capped_by_enis_and_trunking_lifts_the_cap() {
    let dir = Workdir::new();
    let workload = "svc,256,512,6,awsvpc,,0,x86_64,m5.large,false\n";
    plan(&dir, workload, &[]).expect(0);
    assert_eq!(summary(&dir)["instances"], 3);
    let rows = dir.read_csv("out/instances.csv");
    assert!(
        rows.iter().all(|r| r["enis_used"] == "2" && r["eni_capacity"] == "2"),
        "{rows:?}"
    );

    let dir = Workdir::new();
    plan(&dir, workload, &["--eni-trunking", "on"]).expect(0);
    assert_eq!(summary(&dir)["instances"], 1);
    assert_eq!(dir.read_csv("out/instances.csv")[0]["eni_capacity"], "10");
}

#[test]
fn distinct_instance_spreads_tasks() {
    let dir = Workdir::new();
    plan(&dir, "agent,128,256,3,none,,0,any,,true\n", &[]).expect(0);
    assert_eq!(summary(&dir)["instances"], 3);
}

#[test]
fn arch_and_filters_choose_the_type() {
    let dir = Workdir::new();
    plan(
        &dir,
        "x,512,1024,2,awsvpc,,0,x86_64,,false\narm,512,1024,2,none,,0,arm64,,false\n",
        &[],
    )
    .expect(0);
    let rows = dir.read_csv("out/placements.csv");
    for r in &rows {
        let arm = r["instance_type"].starts_with("c6g");
        assert_eq!(arm, r["service"] == "arm", "{rows:?}");
    }
}

#[test]
fn headroom_reduces_capacity() {
    let dir = Workdir::new();
    // 4 × 512 CPU fills an m5.large exactly; with 10 % headroom it no longer fits.
    plan(&dir, "w,512,1024,4,none,,0,x86_64,m5.large,false\n", &[]).expect(0);
    assert_eq!(summary(&dir)["instances"], 1);
    let dir = Workdir::new();
    plan(
        &dir,
        "w,512,1024,4,none,,0,x86_64,m5.large,false\n",
        &["--headroom", "0.1"],
    )
    .expect(0);
    assert_eq!(summary(&dir)["instances"], 2);
    assert_eq!(dir.read_csv("out/instances.csv")[0]["cpu_capacity"], "1843");
}

#[test]
fn outputs_have_the_spec_columns_and_pass_check() {
    let dir = Workdir::new();
    plan(
        &dir,
        "web,256,512,4,host,80;443,0,any,,false\nworker,1024,4096,5,awsvpc,,0,any,,false\n",
        &[],
    )
    .expect(0);
    let placements = std::fs::read_to_string(dir.path("out/placements.csv")).unwrap();
    assert!(
        placements.starts_with("instance_id,instance_type,service,tasks\n"),
        "{placements}"
    );
    let instances = std::fs::read_to_string(dir.path("out/instances.csv")).unwrap();
    assert!(instances.starts_with(
        "instance_id,instance_type,price_usd_hour,cpu_used,cpu_capacity,memory_used_mib,memory_capacity_mib,\
         enis_used,eni_capacity,gpus_used,gpus_capacity,host_ports\n"
    ));
    assert!(instances.contains(",80;443\n"), "{instances}");
    let s = summary(&dir);
    for key in [
        "status",
        "cost_per_hour",
        "cost_per_month",
        "instances",
        "instance_counts",
        "lower_bound_per_hour",
        "gap",
        "solve_seconds",
    ] {
        assert!(s.get(key).is_some(), "summary lacks {key}: {s}");
    }
    let cost = s["cost_per_hour"].as_f64().unwrap();
    assert!((s["cost_per_month"].as_f64().unwrap() - cost * 730.0).abs() < 1e-3);
    assert!(s["lower_bound_per_hour"].as_f64().unwrap() <= cost + 1e-9);
    let counted: u64 = s["instance_counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(counted, s["instances"].as_u64().unwrap());
    dir.run(&[
        "check",
        "--workload",
        "workload.csv",
        "--catalog",
        "catalog.csv",
        "--plan",
        "out",
    ])
    .expect(0);
}

#[test]
fn json_on_stdout_is_the_summary() {
    let dir = Workdir::new();
    let run = plan(&dir, "web,256,512,2,none,,0,any,,false\n", &[]);
    run.expect(0);
    let printed: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(printed["cost_per_hour"], summary(&dir)["cost_per_hour"]);
}

#[test]
fn no_plan_exits_1_names_the_service_and_writes_nothing() {
    let dir = Workdir::new();
    let run = plan(
        &dir,
        "ok,256,512,1,none,,0,any,,false\nml-train,4096,8000,1,none,,1,any,m5.*,false\n",
        &[],
    );
    run.expect(1);
    assert!(run.stderr.contains("ml-train"), "{}", run.stderr);
    assert!(run.stderr.contains("GPU"), "{}", run.stderr);
    assert!(run.stderr.contains("m5.*"), "{}", run.stderr);
    assert!(!run.stderr.contains("`ok`"), "{}", run.stderr);
    assert!(!dir.path("out").exists());
}

#[test]
fn same_seed_same_plan_on_one_and_four_threads() {
    let workload =
        "a,256,512,7,awsvpc,,0,any,,false\nb,1024,3000,5,bridge,0,0,any,,false\nc,512,2048,4,host,9100,0,any,,false\n";
    let one = Workdir::new();
    plan(&one, workload, &["--threads", "1", "--seed", "7"]).expect(0);
    let four = Workdir::new();
    plan(&four, workload, &["--threads", "4", "--seed", "7"]).expect(0);
    let read = |d: &Workdir| std::fs::read_to_string(d.path("out/placements.csv")).unwrap();
    assert_eq!(read(&one), read(&four));
}

#[test]
fn table_output_names_the_cost_and_bound() {
    let dir = Workdir::new();
    dir.write("catalog.csv", CATALOG);
    dir.write("workload.csv", &format!("{HEADER}web,256,512,3,none,,0,any,,false\n"));
    let run = dir.run(&["plan", "--workload", "workload.csv", "--catalog", "catalog.csv"]);
    run.expect(0);
    assert!(run.stdout.contains("/hour"), "{}", run.stdout);
    assert!(run.stdout.contains("lower bound"), "{}", run.stdout);
}

#[test]
fn the_shipped_example_plans_and_checks() {
    let dir = Workdir::new();
    let example = data("examples/platform.csv");
    let example = example.to_str().unwrap();
    dir.run(&["plan", "--workload", example, "--out", "out", "--time-limit", "20"])
        .expect(0);
    dir.run(&["check", "--workload", example, "--plan", "out"]).expect(0);
}

#[test]
fn a_bad_flag_is_a_usage_error() {
    let dir = Workdir::new();
    let run = plan(&dir, "web,256,512,1,none,,0,any,,false\n", &["--headroom", "1.5"]);
    run.expect(2);
    assert!(run.stderr.contains("--headroom"), "{}", run.stderr);
    let run = plan(&dir, "web,256,512,1,none,,0,any,,false\n", &["--types", "zz.*"]);
    run.expect(2);
    assert!(run.stderr.contains("zz.*"), "{}", run.stderr);
}

#[test]
fn types_exclusions_keep_burstable_types_out() {
    // Without `--types`, the cheapest home of one small task is a burstable type.
    let workload = "web,256,512,1,none,,0,any,,false\n";
    let dir = Workdir::new();
    dir.write("workload.csv", &format!("{HEADER}{workload}"));
    let types_of = |extra: &[&str]| {
        let mut args = vec!["plan", "--workload", "workload.csv", "--format", "json"];
        args.extend_from_slice(extra);
        let run = dir.run(&args);
        run.expect(0);
        let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        json["instance_counts"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    assert!(types_of(&[])[0].starts_with('t'));
    for types in ["*;!t*", "!t*"] {
        let chosen = types_of(&["--types", types]);
        assert!(!chosen[0].starts_with('t'), "{types}: {chosen:?}");
    }
    // An inclusion and an exclusion: only what the first keeps and the second spares.
    assert_eq!(types_of(&["--types", "m5.*;!*xlarge;!*.metal"]), ["m5.large"]);
}

#[test]
fn an_existing_file_as_out_is_a_usage_error_before_solving() {
    let dir = Workdir::new();
    dir.write("out", "not a folder");
    let started = std::time::Instant::now();
    let run = plan(&dir, "web,256,512,3,none,,0,any,,false\n", &["--time-limit", "20"]);
    run.expect(2);
    assert!(run.stderr.contains("--out: `out` is a file"), "{}", run.stderr);
    assert!(started.elapsed().as_secs_f64() < 5.0);
    assert_eq!(std::fs::read_to_string(dir.path("out")).unwrap(), "not a folder");
}

#[test]
fn an_unwritable_out_folder_is_a_usage_error_before_solving() {
    // Even root cannot create a file in /proc.
    let dir = Workdir::new();
    dir.write("workload.csv", &format!("{HEADER}web,256,512,3,none,,0,any,,false\n"));
    let run = dir.run(&["plan", "--workload", "workload.csv", "--out", "/proc/ecsplan-plan"]);
    run.expect(2);
    assert!(run.stderr.contains("--out: cannot write in `/proc`"), "{}", run.stderr);
    let run = dir.run(&[
        "compare",
        "--workload",
        "workload.csv",
        "--out",
        "/proc/ecsplan-compare",
    ]);
    run.expect(2);
    let run = dir.run(&["compare", "--workload", "workload.csv", "--chart", "/proc/chart.svg"]);
    run.expect(2);
    assert!(run.stderr.contains("--chart"), "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn output_files_follow_the_umask_not_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = Workdir::new();
    dir.write("catalog.csv", CATALOG);
    dir.write("workload.csv", &format!("{HEADER}web,256,512,3,none,,0,any,,false\n"));
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 022 && {} plan --workload workload.csv --catalog catalog.csv --out out && \
             umask 027 && {} compare --workload workload.csv --catalog catalog.csv --time-limit 2 \
             --out cmp --chart chart.svg >/dev/null",
            env!("CARGO_BIN_EXE_ecsplan"),
            env!("CARGO_BIN_EXE_ecsplan")
        ))
        .current_dir(dir.path(""))
        .status()
        .unwrap();
    assert!(status.success());
    let mode = |name: &str| std::fs::metadata(dir.path(name)).unwrap().permissions().mode() & 0o777;
    for name in ["out/placements.csv", "out/instances.csv", "out/summary.json"] {
        assert_eq!(mode(name), 0o644, "{name}");
    }
    for name in ["cmp/compare.csv", "cmp/declared/placements.csv", "chart.svg"] {
        assert_eq!(mode(name), 0o640, "{name}");
    }
}

#[test]
fn a_plan_beyond_one_clusters_instances_says_how_many_clusters_it_takes() {
    let dir = Workdir::new();
    // Two services on host port 80 never share an instance: 5,200 instances.
    dir.write(
        "workload.csv",
        &format!("{HEADER}front,256,512,2600,host,80,0,any,,false\nback,256,512,2600,host,80,0,any,,false\n"),
    );
    let run = dir.run(&[
        "plan",
        "--workload",
        "workload.csv",
        "--types",
        "t3.*",
        "--heuristic-only",
        "--format",
        "json",
        "--chart",
        "big.svg",
    ]);
    run.expect(0);
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(summary["instances"], 5200);
    // Too many instances for a column each: the chart says so and draws the panels only.
    let chart = std::fs::read_to_string(dir.path("big.svg")).unwrap();
    assert!(chart.contains("no column per instance"));
    assert_eq!(chart.matches("class=\"instance-group\"").count(), 1);
    let notes: Vec<&str> = summary["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("5200 container instances") && n.contains("takes 2 clusters")),
        "{notes:?}"
    );
    assert!(!notes.iter().any(|n| n.contains("tasks per service")), "{notes:?}");
}

#[test]
fn a_service_beyond_the_tasks_per_service_quota_gets_a_note_and_a_small_one_none() {
    let dir = Workdir::new();
    dir.write(
        "workload.csv",
        &format!("{HEADER}workers,64,128,12001,none,,0,any,,false\nweb,256,512,5000,none,,0,any,,false\n"),
    );
    let run = dir.run(&[
        "plan",
        "--workload",
        "workload.csv",
        "--heuristic-only",
        "--format",
        "json",
    ]);
    run.expect(0);
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let notes: Vec<&str> = summary["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    let quota: Vec<&&str> = notes.iter().filter(|n| n.contains("tasks per service")).collect();
    assert_eq!(quota.len(), 1, "{notes:?}");
    assert!(
        quota[0].contains("`workers` runs 12001 tasks") && quota[0].contains("into 3 services"),
        "{notes:?}"
    );
    assert!(!notes.iter().any(|n| n.contains("clusters")), "{notes:?}");
}

#[test]
fn the_plan_chart_is_svg_with_one_group_per_instance_type() {
    let dir = Workdir::new();
    dir.write(
        "workload.csv",
        &format!(
            "{HEADER}web,512,1024,6,bridge,80,0,any,,false\napi,256,512,10,awsvpc,,0,any,,false\nml,1024,4096,1,,,1,x86_64,,false\n"
        ),
    );
    let run = dir.run(&[
        "plan",
        "--workload",
        "workload.csv",
        "--chart",
        "plan.svg",
        "--time-limit",
        "5",
        "--format",
        "json",
    ]);
    run.expect(0);
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let counts = summary["instance_counts"].as_object().unwrap();
    let text = std::fs::read_to_string(dir.path("plan.svg")).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("the chart parses as XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    assert_eq!(
        doc.root_element().tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let groups: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("instance-group"))
        .collect();
    let mut types: Vec<&str> = groups
        .iter()
        .map(|g| g.attribute("data-instance-type").unwrap())
        .collect();
    types.sort_unstable();
    assert_eq!(types, counts.keys().map(String::as_str).collect::<Vec<_>>());
    for g in &groups {
        let n = counts[g.attribute("data-instance-type").unwrap()].as_u64().unwrap();
        let noun = if n == 1 { "instance" } else { "instances" };
        let texts: String = g.descendants().filter_map(|t| t.text()).collect();
        assert!(texts.contains(&format!("{n} {noun}")), "{texts}");
        assert!(texts.contains("of the cost") && texts.contains("min"), "{texts}");
    }
    // Fewer than 200 instances: one column per instance, the services in their colours.
    assert!(text.contains("one per instance"));
}

#[test]
fn the_plan_chart_of_a_zoned_plan_has_one_group_per_zone_and_type() {
    let dir = Workdir::new();
    dir.write(
        "workload.csv",
        &format!("{HEADER}web,512,1024,7,bridge,80,0,any,,false\napi,256,512,5,awsvpc,,0,any,,false\n"),
    );
    let run = dir.run(&[
        "plan",
        "--workload",
        "workload.csv",
        "--zones",
        "a,b",
        "--chart",
        "plan.svg",
        "--time-limit",
        "5",
        "--format",
        "json",
    ]);
    run.expect(0);
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let mut expected: Vec<(String, String, u64)> = Vec::new();
    for (zone, types) in summary["instance_counts_by_zone"].as_object().unwrap() {
        for (t, n) in types.as_object().unwrap() {
            expected.push((zone.clone(), t.clone(), n.as_u64().unwrap()));
        }
    }
    expected.sort();
    let text = std::fs::read_to_string(dir.path("plan.svg")).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("the chart parses as XML");
    let mut drawn: Vec<(String, String, u64)> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("instance-group"))
        .map(|g| {
            let texts: String = g.descendants().filter_map(|t| t.text()).collect();
            let t = g.attribute("data-instance-type").unwrap().to_string();
            let zone = g.attribute("data-zone").expect("a zone on every group").to_string();
            assert!(texts.contains(&format!("{t} in {zone}")), "{texts}");
            let n = expected.iter().find(|e| e.0 == zone && e.1 == t).map_or(0, |e| e.2);
            (zone, t, n)
        })
        .collect();
    drawn.sort();
    assert_eq!(drawn, expected);
    assert!(expected.iter().any(|e| e.0 == "a") && expected.iter().any(|e| e.0 == "b"));
}

#[test]
fn headroom_table_says_use_is_of_the_reduced_capacity() {
    let dir = Workdir::new();
    dir.write("catalog.csv", CATALOG);
    dir.write("workload.csv", &format!("{HEADER}web,256,512,3,none,,0,any,,false\n"));
    let args = ["plan", "--workload", "workload.csv", "--catalog", "catalog.csv"];
    let run = dir.run(&[&args[..], &["--headroom", "0.1"]].concat());
    run.expect(0);
    assert!(
        run.stdout
            .contains("cpu and memory used are measured against the capacity left after 10.0 % headroom"),
        "{}",
        run.stdout
    );
    let run = dir.run(&args);
    assert!(!run.stdout.contains("headroom"), "{}", run.stdout);
}
