//! Tests of `import`: AWS CLI JSON (fixtures in the shape `describe-services` and
//! `describe-task-definition` print) becomes workload rows by every mapping rule, `plan`,
//! `compare` and `check` read the JSON directly, bad input names its file, line and
//! column, and random task definitions always import into rows that `plan` accepts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use proptest::prelude::*;

use crate::util::{Run, Workdir};

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
        .display()
        .to_string()
}

/// The JSON arguments of the main fixture: seven services, five task definitions.
fn fixture_args() -> Vec<String> {
    vec![
        "--services".into(),
        fixture("services.json"),
        "--task-definitions".into(),
        fixture("task-definitions.json"),
        fixture("render-task-definition.json"),
    ]
}

fn run(wd: &Workdir, args: &[&str], json: &[String]) -> Run {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(json.iter().map(String::as_str));
    wd.run(&all)
}

fn rows_by_service(wd: &Workdir, name: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    wd.read_csv(name)
        .into_iter()
        .map(|row| (row["service"].clone(), row))
        .collect()
}

#[test]
fn import_applies_every_mapping_rule() {
    let wd = Workdir::new();
    let out = run(&wd, &["import", "--out", "w.csv"], &fixture_args());
    out.expect(0);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    let text = std::fs::read_to_string(wd.path("w.csv")).unwrap();
    assert_eq!(
        text,
        "service,cpu,memory_mib,count,network_mode,host_ports,gpus,arch,instance_types,distinct_instance,container_ports,scheduling\n\
         web,640,1280,6,bridge,0;0,0,any,m5.*;c5.large;c5.xlarge,false,,replica\n\
         api,1024,2048,3,awsvpc,,0,arm64,,true,8080;9090,replica\n\
         edge,256,512,2,host,53;443,0,x86_64,,false,,replica\n\
         render,2048,8192,2,bridge,0;0;0,1,any,g5.*,false,,replica\n\
         batch,1280,3584,5,none,,0,any,,false,,replica\n"
    );
}

#[test]
fn import_notes_everything_it_does_not_carry_over() {
    let wd = Workdir::new();
    let out = run(&wd, &["import"], &fixture_args());
    out.expect(0);
    let notes: Vec<&str> = out.stderr.lines().collect();
    for expected in [
        "describe-services could not describe `arn:aws:ecs:us-east-1:123456789012:service/prod/legacy`: MISSING",
        "service `web`: placement strategy `spread(attribute:ecs.availability-zone)`, `binpack(memory)` is not carried over",
        "service `edge`: host port 53 is mapped 2 times (tcp, udp): counted once",
        "service `edge`: `attribute:ecs.availability-zone in [us-east-1a, us-east-1b]` of the memberOf constraint",
        "service `frontend`: left out: it runs on Fargate (launchType FARGATE)",
        "service `reports`: left out: its capacity provider strategy names only FARGATE / FARGATE_SPOT",
    ] {
        assert!(
            notes.iter().any(|n| n.starts_with("note: ") && n.contains(expected)),
            "no note `{expected}` in:\n{}",
            out.stderr
        );
    }
    assert_eq!(notes.len(), 6, "{}", out.stderr);
}

#[test]
fn import_then_plan_then_check_round_trip() {
    let wd = Workdir::new();
    run(&wd, &["import", "--out", "w.csv"], &fixture_args()).expect(0);
    wd.run(&["plan", "--workload", "w.csv", "--out", "from-csv", "--time-limit", "5"])
        .expect(0);
    let direct = run(
        &wd,
        &["plan", "--out", "from-json", "--time-limit", "5"],
        &fixture_args(),
    );
    direct.expect(0);
    assert!(
        direct.stderr.contains("note: service `frontend`: left out"),
        "{}",
        direct.stderr
    );
    let cost = |dir: &str| {
        wd.read_json(&format!("{dir}/summary.json"))["cost_per_hour"]
            .as_f64()
            .unwrap()
    };
    assert!((cost("from-csv") - cost("from-json")).abs() < 1e-9);
    // The plan from the JSON holds every task of the EC2 services, and passes the checker
    // whichever way the workload is given.
    let placements = wd.read_csv("from-json/placements.csv");
    let mut tasks: BTreeMap<String, u32> = BTreeMap::new();
    for row in &placements {
        *tasks.entry(row["service"].clone()).or_default() += row["tasks"].parse::<u32>().unwrap();
    }
    let expected: BTreeMap<String, u32> = [("api", 3), ("batch", 5), ("edge", 2), ("render", 2), ("web", 6)]
        .into_iter()
        .map(|(s, n)| (s.to_string(), n))
        .collect();
    assert_eq!(tasks, expected);
    run(&wd, &["check", "--plan", "from-json"], &fixture_args()).expect(0);
    wd.run(&["check", "--workload", "w.csv", "--plan", "from-json"])
        .expect(0);
    // The constraints hold in the plan: web on m5 or c5, render on g5, api on arm64.
    for row in &placements {
        let t = &row["instance_type"];
        match row["service"].as_str() {
            "web" => assert!(t.starts_with("m5") || t == "c5.large" || t == "c5.xlarge", "{t}"),
            "render" => assert!(t.starts_with("g5."), "{t}"),
            _ => {}
        }
    }
}

#[test]
fn compare_reads_the_json_directly() {
    let wd = Workdir::new();
    let out = run(
        &wd,
        &["compare", "--format", "json", "--time-limit", "4", "--heuristic-only"],
        &fixture_args(),
    );
    out.expect(0);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["scenarios"].as_array().unwrap().len(), 8);
}

#[test]
fn a_daemon_service_becomes_a_daemon_row_and_alone_plans_nothing() {
    let wd = Workdir::new();
    let json = vec![
        "--services".to_string(),
        fixture("daemon-services.json"),
        "--task-definitions".into(),
        fixture("daemon-task-definition.json"),
    ];
    run(&wd, &["import", "--out", "w.csv"], &json).expect(0);
    let rows = rows_by_service(&wd, "w.csv");
    let agent = &rows["log-agent"];
    assert_eq!(
        (
            agent["scheduling"].as_str(),
            agent["count"].as_str(),
            agent["host_ports"].as_str()
        ),
        ("daemon", "0", "2020")
    );
    // A daemon alone runs on the instances other services need: nothing is planned.
    run(&wd, &["plan", "--out", "out"], &json).expect(0);
    let summary = wd.read_json("out/summary.json");
    assert_eq!(summary["instances"], 0);
    assert_eq!(summary["desired_counts"]["log-agent"], "daemon");
    assert!(
        summary["notes"][0].as_str().unwrap().contains("nothing is planned"),
        "{summary}"
    );
}

/// A services file with one EC2 service running `td` (a `family:revision`), written with
/// `constraints` as its placement constraints.
fn service_json(name: &str, td: &str, constraints: &str) -> String {
    format!(
        r#"{{
    "services": [
        {{
            "serviceName": "{name}",
            "status": "ACTIVE",
            "desiredCount": 2,
            "launchType": "EC2",
            "taskDefinition": "{td}",
            "placementConstraints": [{constraints}],
            "schedulingStrategy": "REPLICA"
        }}
    ],
    "failures": []
}}
"#
    )
}

fn task_json(family: &str, network_mode: &str, containers: &str) -> String {
    format!(
        r#"{{
    "taskDefinition": {{
        "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/{family}:1",
        "family": "{family}",
        "revision": 1,
        "networkMode": "{network_mode}",
        "containerDefinitions": [{containers}]
    }}
}}
"#
    )
}

fn import(wd: &Workdir, extra: &[&str]) -> Run {
    let mut args = vec![
        "import",
        "--services",
        "s.json",
        "--task-definitions",
        "t.json",
        "--out",
        "w.csv",
    ];
    args.extend_from_slice(extra);
    wd.run(&args)
}

/// Asserts exit 2, no output file, and a problem at `at` holding `cause` and `fix`.
fn assert_problem(run: &Run, wd: &Workdir, at: &str, cause: &str, fix: &str) {
    run.expect(2);
    assert!(!wd.path("w.csv").exists(), "w.csv was written on bad input");
    let lines: Vec<&str> = run.stderr.lines().collect();
    let found = lines.windows(2).any(|w| {
        w[0].starts_with(&format!("{at}: "))
            && w[0].contains(cause)
            && w[1].trim_start().starts_with("fix: ")
            && w[1].contains(fix)
    });
    assert!(
        found,
        "no problem `{at}: …{cause}…` with fix `…{fix}…` in:\n{}",
        run.stderr
    );
}

#[test]
fn malformed_json_names_file_line_and_column() {
    let wd = Workdir::new();
    wd.write(
        "s.json",
        "{\n    \"services\": [\n        {\"serviceName\": \"web\",}\n    ]\n}\n",
    );
    wd.write(
        "t.json",
        &task_json("web", "bridge", r#"{"name": "web", "memory": 512}"#),
    );
    let run = import(&wd, &[]);
    assert_problem(
        &run,
        &wd,
        "s.json:3:31",
        "malformed JSON: trailing comma",
        "describe-services",
    );
}

#[test]
fn a_value_of_the_wrong_type_names_its_place() {
    let wd = Workdir::new();
    wd.write("s.json", &service_json("web", "web:1", ""));
    wd.write(
        "t.json",
        &task_json("web", "bridge", "{\"name\": \"web\",\n \"memory\": \"lots\"}"),
    );
    let run = import(&wd, &[]);
    assert_problem(
        &run,
        &wd,
        "t.json:8:17",
        "invalid type: string \"lots\", expected u32",
        "describe-task-definition",
    );
    // The task definition is in the broken file: it is not reported missing as well.
    assert!(run.stderr.contains("1 problem(s)"), "{}", run.stderr);
}

#[test]
fn a_missing_task_definition_and_a_container_without_memory_are_both_reported() {
    let wd = Workdir::new();
    let services = format!(
        "{{\"services\": [{}, {}]}}",
        service_block("web", "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1"),
        service_block("jobs", "arn:aws:ecs:us-east-1:123456789012:task-definition/jobs:4")
    );
    wd.write("s.json", &services);
    wd.write(
        "t.json",
        &task_json(
            "web",
            "bridge",
            "{\"name\": \"web\", \"memoryReservation\": 256},\n {\"name\": \"sidecar\", \"cpu\": 64}",
        ),
    );
    let run = import(&wd, &[]);
    assert_problem(
        &run,
        &wd,
        "t.json:8:2",
        "service `web`: container `sidecar` has neither `memoryReservation` nor `memory`, and the task has no task-level `memory`",
        "set `memoryReservation` (or `memory`) on the container",
    );
    assert_problem(
        &run,
        &wd,
        "s.json:1:157",
        "service `jobs`: its task definition `arn:aws:ecs:us-east-1:123456789012:task-definition/jobs:4` is in none of the --task-definitions files",
        "aws ecs describe-task-definition --task-definition arn:aws:ecs:us-east-1:123456789012:task-definition/jobs:4",
    );
}

fn service_block(name: &str, td: &str) -> String {
    format!(r#"{{"serviceName": "{name}", "desiredCount": 1, "launchType": "EC2", "taskDefinition": "{td}"}}"#)
}

#[test]
fn an_unsupported_member_of_stops_the_import_unless_ignored() {
    let wd = Workdir::new();
    let constraint =
        r#"{"type": "memberOf", "expression": "attribute:ecs.instance-type =~ m5* and attribute:stack == prod"}"#;
    wd.write("s.json", &service_json("web", "web:1", constraint));
    wd.write(
        "t.json",
        &task_json("web", "bridge", r#"{"name": "web", "memory": 512}"#),
    );
    let run = import(&wd, &[]);
    assert_problem(
        &run,
        &wd,
        "s.json:9:38",
        "service `web`: the memberOf constraint `attribute:ecs.instance-type =~ m5* and attribute:stack == prod` is not supported: the regular expression `m5*` uses a repetition of `5`",
        "or pass --ignore-unsupported to import the service without it",
    );
    let run = import(&wd, &["--ignore-unsupported"]);
    run.expect(0);
    assert!(
        run.stderr.contains("note: service `web`: the memberOf constraint `attribute:ecs.instance-type =~ m5* and attribute:stack == prod` is left out of the plan (--ignore-unsupported)"),
        "{}",
        run.stderr
    );
    assert_eq!(rows_by_service(&wd, "w.csv")["web"]["instance_types"], "");
    // A syntax error is unsupported too.
    let broken = r#"{"type": "memberOf", "expression": "(attribute:ecs.instance-type == m5.large"}"#;
    wd.write("s.json", &service_json("web", "web:1", broken));
    std::fs::remove_file(wd.path("w.csv")).unwrap();
    let run = import(&wd, &[]);
    assert_problem(
        &run,
        &wd,
        "s.json:9:38",
        "it cannot be parsed at character 41: expected `)`",
        "--ignore-unsupported",
    );
}

#[test]
fn memory_reservation_comes_before_memory_and_task_level_figures_win() {
    let wd = Workdir::new();
    let services = format!(
        "{{\"services\": [{}, {}]}}",
        service_block("containers", "containers:1"),
        service_block("task", "task:1")
    );
    wd.write("s.json", &services);
    let containers = task_json(
        "containers",
        "bridge",
        r#"{"name": "a", "cpu": 100, "memory": 1024, "memoryReservation": 300}, {"name": "b", "memory": 200}"#,
    );
    let task = task_json("task", "bridge", r#"{"name": "a", "cpu": 100, "memory": 1024}"#).replace(
        "\"networkMode\"",
        "\"cpu\": \"0.5 vCPU\", \"memory\": \"3 GB\", \"networkMode\"",
    );
    wd.write("t.json", &format!("[{containers}, {task}]"));
    import(&wd, &[]).expect(0);
    let rows = rows_by_service(&wd, "w.csv");
    assert_eq!(
        (
            rows["containers"]["cpu"].as_str(),
            rows["containers"]["memory_mib"].as_str()
        ),
        ("100", "500")
    );
    assert_eq!(
        (rows["task"]["cpu"].as_str(), rows["task"]["memory_mib"].as_str()),
        ("512", "3072")
    );
}

#[test]
fn absent_network_mode_is_bridge_and_host_mode_binds_the_container_port() {
    let wd = Workdir::new();
    let services = format!(
        "{{\"services\": [{}, {}]}}",
        service_block("plain", "plain:1"),
        service_block("hosted", "hosted:1")
    );
    wd.write("s.json", &services);
    let plain = task_json(
        "plain",
        "bridge",
        r#"{"name": "a", "memory": 128, "portMappings": [{"containerPort": 80}, {"containerPort": 81, "hostPort": 8081}]}"#,
    )
    .replace("\"networkMode\": \"bridge\",", "");
    let hosted = task_json(
        "hosted",
        "host",
        r#"{"name": "a", "memory": 128, "portMappings": [{"containerPort": 9000}, {"containerPort": 9001, "hostPort": 9001, "protocol": "udp"}]}"#,
    );
    wd.write("t.json", &format!("[{plain}, {hosted}]"));
    import(&wd, &[]).expect(0);
    let rows = rows_by_service(&wd, "w.csv");
    assert_eq!(
        (
            rows["plain"]["network_mode"].as_str(),
            rows["plain"]["host_ports"].as_str()
        ),
        ("bridge", "8081;0")
    );
    assert_eq!(
        (
            rows["hosted"]["network_mode"].as_str(),
            rows["hosted"]["host_ports"].as_str()
        ),
        ("host", "9000;9001")
    );
}

#[test]
fn an_imported_reserved_port_is_refused_at_the_service() {
    let wd = Workdir::new();
    wd.write("s.json", &service_json("ssh", "ssh:1", ""));
    wd.write(
        "t.json",
        &task_json(
            "ssh",
            "host",
            r#"{"name": "a", "memory": 128, "portMappings": [{"containerPort": 22}]}"#,
        ),
    );
    let run = import(&wd, &[]);
    assert_problem(
        &run,
        &wd,
        "s.json:3:9",
        "service `ssh` as imported: `host_ports` has `22`, a port the ECS agent reserves",
        "map the container to another host port",
    );
}

#[test]
fn member_of_over_architecture_and_runtime_platform_must_agree() {
    let wd = Workdir::new();
    let constraint = r#"{"type": "memberOf", "expression": "attribute:ecs.cpu-architecture != x86_64"}"#;
    wd.write("s.json", &service_json("web", "web:1", constraint));
    let task = task_json("web", "awsvpc", r#"{"name": "a", "memory": 128}"#).replace(
        "\"networkMode\"",
        "\"runtimePlatform\": {\"cpuArchitecture\": \"X86_64\"}, \"networkMode\"",
    );
    wd.write("t.json", &task);
    let run = import(&wd, &[]);
    assert_problem(
        &run,
        &wd,
        "t.json:2:23",
        "service `web`: no CPU architecture satisfies both the image (x86_64) and the memberOf constraints",
        "make the attribute:ecs.cpu-architecture constraint agree",
    );
}

// Random task definitions: every one that ECS would register imports into rows that
// the workload reader and the catalog check accept.

fn container() -> impl Strategy<Value = serde_json::Value> {
    let port = prop::sample::select(vec![80u16, 443, 8080, 8443, 9000, 53, 3000]);
    let mapping = (
        port,
        prop::option::of(prop::sample::select(vec![0u16, 80, 8080, 9100])),
        prop::bool::ANY,
        prop::bool::weighted(0.1),
    )
        .prop_map(|(container_port, host_port, udp, range)| {
            let mut m =
                serde_json::json!({"containerPort": container_port, "protocol": if udp { "udp" } else { "tcp" }});
            if let Some(h) = host_port {
                m["hostPort"] = h.into();
            }
            if range {
                m = serde_json::json!({"containerPortRange": "7000-7003"});
            }
            m
        });
    (
        prop::option::of(0u32..1024),
        prop::option::of(64u32..4096),
        prop::option::of(64u32..2048),
        prop::collection::vec(mapping, 0..3),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(cpu, memory, reservation, mappings, gpu)| {
            let mut c =
                serde_json::json!({"name": "c", "image": "example", "essential": true, "portMappings": mappings});
            if let Some(cpu) = cpu {
                c["cpu"] = cpu.into();
            }
            // ECS requires a memory figure when the task has none; one is always set.
            c["memory"] = memory
                .or(reservation.is_none().then_some(256))
                .map_or(serde_json::Value::Null, Into::into);
            if let Some(r) = reservation {
                c["memoryReservation"] = r.into();
            }
            if gpu {
                c["resourceRequirements"] = serde_json::json!([{"type": "GPU", "value": "1"}]);
            }
            c
        })
}

fn task_definition() -> impl Strategy<Value = serde_json::Value> {
    (
        prop::collection::vec(container(), 1..4),
        prop::option::of(prop::sample::select(vec!["bridge", "host", "awsvpc", "none"])),
        prop::option::of(prop::sample::select(vec!["256", "1 vCPU", "0.5 vCPU", "2048"])),
        prop::option::of(prop::sample::select(vec!["512", "2 GB", "4096"])),
        prop::option::of(prop::sample::select(vec!["X86_64", "ARM64"])),
        prop::option::of(prop::sample::select(vec![
            "attribute:ecs.instance-type =~ m5\\..*",
            "attribute:ecs.instance-type in [m5.large, c6g.xlarge] or attribute:ecs.instance-type == m6i.2xlarge",
            "attribute:ecs.instance-type != t3.nano and attribute:ecs.availability-zone in [us-east-1a]",
            "not (attribute:ecs.instance-type =~ t.*)",
            "attribute:ecs.os-type == linux",
        ])),
    )
        .prop_map(|(containers, mode, cpu, memory, arch, member_of)| {
            let gpu = containers.iter().any(|c| c.get("resourceRequirements").is_some());
            let mut td = serde_json::json!({
                "taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/t:1",
                "family": "t",
                "revision": 1,
                "containerDefinitions": containers,
                "status": "ACTIVE",
            });
            if let Some(mode) = mode {
                td["networkMode"] = mode.into();
            }
            if let Some(cpu) = cpu {
                td["cpu"] = cpu.into();
            }
            if let Some(memory) = memory {
                td["memory"] = memory.into();
            }
            // GPU instance types are x86_64 only in the catalog, and have no m5 names.
            if let (Some(arch), false) = (arch, gpu) {
                td["runtimePlatform"] = serde_json::json!({"cpuArchitecture": arch, "operatingSystemFamily": "LINUX"});
            }
            if let (Some(e), false) = (member_of, gpu) {
                td["placementConstraints"] = serde_json::json!([{"type": "memberOf", "expression": e}]);
            }
            serde_json::json!({"taskDefinition": td, "tags": []})
        })
}

fn write_json(dir: &Path, name: &str, value: &serde_json::Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path
}

proptest! {
    #![proptest_config(crate::util::fixed_cases(64))]

    #[test]
    fn random_task_definitions_import_into_rows_plan_accepts(
        td in task_definition(),
        count in 0u32..5,
        distinct in any::<bool>(),
    ) {
        use ecsplan::ecs::rules::Figures;
        let dir = tempfile::tempdir().unwrap();
        let mut service = serde_json::json!({
            "serviceName": "svc",
            "status": "ACTIVE",
            "desiredCount": count,
            "launchType": "EC2",
            "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/t:1",
            "schedulingStrategy": "REPLICA",
        });
        if distinct {
            service["placementConstraints"] = serde_json::json!([{"type": "distinctInstance"}]);
        }
        let sources = ecsplan::import::Sources {
            services: vec![write_json(dir.path(), "s.json", &serde_json::json!({"services": [service], "failures": []}))],
            task_definitions: vec![write_json(dir.path(), "t.json", &td)],
            ignore_unsupported: false,
        };
        let imported = ecsplan::import::import(&sources);
        prop_assert!(imported.is_ok(), "{}\n{}", imported.unwrap_err(), serde_json::to_string_pretty(&td).unwrap());
        let imported = imported.unwrap();
        let text = String::from_utf8(imported.csv).unwrap();
        let workload = ecsplan::input::parse_workload(&text, "w.csv");
        prop_assert!(workload.is_ok(), "{text}");
        let catalog = ecsplan::input::read_catalog(None).unwrap();
        let workload = workload.unwrap();
        let problems = ecsplan::input::validate_against_catalog(&workload, &catalog, "w.csv");
        prop_assert!(problems.is_empty(), "{problems:?}\n{text}");
        let unplaceable = ecsplan::input::beyond_every_type(&workload, &catalog, &Figures::default(), "w.csv");
        prop_assert!(unplaceable.is_empty(), "{unplaceable:?}\n{text}");
    }
}
