//! `ecsplan check`: an independent verdict on hand-written plans, one broken rule at a time.

use crate::plan::{CATALOG, HEADER};
use crate::util::Workdir;

const WORKLOAD: &str = "\
web,256,512,2,host,80,0,any,,false
api,512,1024,2,bridge,0;8080,0,x86_64,m5.*,false
vpc,256,512,3,awsvpc,,0,any,,false
agent,128,128,2,none,,0,any,,true
";

/// Runs `check` on `placements` (rows after the header) and returns the outcome.
fn check(placements: &str, extra: &[&str]) -> crate::util::Run {
    let dir = Workdir::new();
    dir.write("catalog.csv", CATALOG);
    dir.write("workload.csv", &format!("{HEADER}{WORKLOAD}"));
    dir.write(
        "plan/placements.csv",
        &format!("instance_id,instance_type,service,tasks\n{placements}"),
    );
    let mut args = vec![
        "check",
        "--workload",
        "workload.csv",
        "--catalog",
        "catalog.csv",
        "--plan",
        "plan",
    ];
    args.extend_from_slice(extra);
    dir.run(&args)
}

const VALID: &str = "\
i-1,m5.large,web,1
i-1,m5.large,api,1
i-1,m5.large,vpc,2
i-1,m5.large,agent,1
i-2,m5.large,web,1
i-2,m5.large,api,1
i-2,m5.large,vpc,1
i-2,m5.large,agent,1
";

fn invalid(placements: &str, extra: &[&str], expected: &str) {
    let run = check(placements, extra);
    run.expect(1);
    assert!(
        run.stderr.contains(expected),
        "expected `{expected}` in:\n{}",
        run.stderr
    );
}

#[test]
fn a_valid_plan_passes() {
    let run = check(VALID, &[]);
    run.expect(0);
    assert!(run.stdout.contains("valid: 2 instances, 9 tasks"), "{}", run.stdout);
}

#[test]
fn an_instance_whose_rows_are_apart_is_checked_as_a_whole() {
    // i-1's rows are split by i-2's: the file cannot be grouped as it is read, and every
    // row is kept; the same plan is valid, and an extra web task on i-1 still breaks its
    // host port.
    let apart = "\
i-1,m5.large,web,1
i-1,m5.large,api,1
i-2,m5.large,web,1
i-2,m5.large,api,1
i-2,m5.large,vpc,1
i-2,m5.large,agent,1
i-1,m5.large,vpc,2
i-1,m5.large,agent,1
";
    let run = check(apart, &[]);
    run.expect(0);
    assert!(run.stdout.contains("valid: 2 instances, 9 tasks"), "{}", run.stdout);
    invalid(
        &format!("{apart}i-1,m5.large,web,1\n"),
        &[],
        "instance i-1: service `web` has more than one row",
    );
}

#[test]
fn identical_instances_are_counted_each() {
    // Three instances alike (i-3 is i-2 again): checked once, counted three times.
    let three = format!("{VALID}i-3,m5.large,web,1\ni-3,m5.large,api,1\ni-3,m5.large,vpc,1\ni-3,m5.large,agent,1\n");
    invalid(&three, &[], "service `web`: 3 of 2 tasks placed");
    invalid(&three, &[], "service `vpc`: 4 of 3 tasks placed");
}

#[test]
fn a_missing_task_is_found() {
    invalid(
        &VALID.replace("i-2,m5.large,vpc,1\n", ""),
        &[],
        "service `vpc`: 2 of 3 tasks placed",
    );
}

#[test]
fn two_tasks_on_one_host_port_are_found() {
    let p = VALID
        .replace("i-1,m5.large,web,1", "i-1,m5.large,web,2")
        .replace("i-2,m5.large,web,1\n", "");
    invalid(&p, &[], "host port 80 is bound by 2 tasks");
}

#[test]
fn too_many_awsvpc_tasks_are_found_unless_trunking_is_on() {
    let p = VALID
        .replace("i-1,m5.large,vpc,2", "i-1,m5.large,vpc,3")
        .replace("i-2,m5.large,vpc,1\n", "");
    invalid(&p, &[], "3 awsvpc tasks (ENIs) but has 2 awsvpc tasks");
    check(&p, &["--eni-trunking", "on"]).expect(0);
}

#[test]
fn over_cpu_is_found_and_headroom_counts() {
    check(VALID, &["--headroom", "0.3"]).expect(0);
    invalid(VALID, &["--headroom", "0.5"], "CPU units");
}

#[test]
fn the_wrong_arch_and_a_filtered_type_are_found() {
    let p = VALID.replace("i-2,m5.large", "i-2,c6g.large");
    invalid(&p, &[], "service `api` needs arch x86_64 but c6g.large is arm64");
    invalid(&p, &[], "service `api` may only use `m5.*`, not c6g.large");
}

#[test]
fn distinct_instance_is_enforced() {
    let p = VALID
        .replace("i-1,m5.large,agent,1", "i-1,m5.large,agent,2")
        .replace("i-2,m5.large,agent,1\n", "");
    invalid(&p, &[], "distinct_instance");
}

#[test]
fn unknown_types_services_and_excluded_types_are_found() {
    invalid(
        &VALID.replace("i-2,m5.large", "i-2,m9.huge"),
        &[],
        "`m9.huge` is not in the catalog",
    );
    invalid(
        &format!("{VALID}i-3,m5.large,ghost,1\n"),
        &[],
        "service `ghost` is not in the workload",
    );
    invalid(VALID, &["--types", "c6g.*;g5.*"], "excluded by --types");
}

#[test]
fn a_placements_file_with_a_bad_number_is_an_input_error() {
    let run = check("i-1,m5.large,web,two\n", &[]);
    run.expect(2);
    assert!(run.stderr.contains("placements.csv:2:"), "{}", run.stderr);
}

/// The checker as a library: each broken rule comes back with its kind, instance and
/// service, and prints as `check` prints it.
#[test]
fn violations_name_their_kind_instance_and_service() {
    use ecsplan::check::{self, ViolationKind};
    use ecsplan::ecs::placement::PlacementRow;
    use ecsplan::ecs::rules::{Figures, Resource, TypePatterns};
    let workload = ecsplan::input::parse_workload(&format!("{HEADER}{WORKLOAD}"), "workload.csv").unwrap();
    let catalog = ecsplan::input::parse_catalog(CATALOG, "catalog.csv").unwrap();
    let row = |instance: &str, service: &str, tasks: u32, line: u64| PlacementRow {
        instance_id: instance.into(),
        instance_type: "m5.large".into(),
        service: service.into(),
        tasks,
        line,
    };
    let rows = [
        row("i-1", "web", 2, 2),
        row("i-1", "api", 2, 3),
        row("i-1", "vpc", 3, 4),
        row("i-1", "agent", 2, 5),
        row("i-1", "ghost", 1, 6),
    ];
    let all_types = TypePatterns::new(&[]).unwrap();
    let report = check::check(&workload, &catalog, &Figures::default(), &all_types, &rows);
    let found: Vec<(ViolationKind, Option<&str>, Option<&str>)> = report
        .violations
        .iter()
        .map(|v| (v.kind, v.instance.as_deref(), v.service.as_deref()))
        .collect();
    assert!(
        found.contains(&(ViolationKind::DistinctInstance, Some("i-1"), Some("agent"))),
        "{found:?}"
    );
    assert!(
        found.contains(&(ViolationKind::UnknownService, Some("i-1"), Some("ghost"))),
        "{found:?}"
    );
    assert!(
        found.contains(&(ViolationKind::PortConflict, Some("i-1"), None)),
        "{found:?}"
    );
    assert!(
        found.contains(&(ViolationKind::OverCapacity(Resource::AwsvpcTasks), Some("i-1"), None)),
        "{found:?}"
    );
    assert!(
        !found.iter().any(|(k, _, _)| *k == ViolationKind::TaskCount),
        "{found:?}"
    );
    let ghost = report
        .violations
        .iter()
        .find(|v| v.kind == ViolationKind::UnknownService)
        .unwrap();
    assert_eq!(
        ghost.to_string(),
        "line 6: instance i-1: service `ghost` is not in the workload"
    );
}

/// A catalog whose one type supports trunking, at `price` per hour.
fn trunking_catalog(price: &str) -> String {
    format!(
        "instance_type,family,vcpu,memory_mib,arch,gpus,max_enis,ipv4_per_eni,trunking,awsvpc_trunk_tasks,price_usd_hour\n\
         m5.xlarge,m5,4,16384,x86_64,0,4,15,true,20,{price}\n"
    )
}

#[test]
fn a_plan_made_with_trunking_checks_without_the_flag() {
    // 26 awsvpc tasks fit two m5.xlarge with trunking (20 each), not without (3 each).
    let dir = Workdir::new();
    dir.write("catalog.csv", &trunking_catalog("0.192"));
    dir.write(
        "workload.csv",
        &format!("{HEADER}api,256,512,26,awsvpc,,0,any,,false\n"),
    );
    let base = ["--workload", "workload.csv", "--catalog", "catalog.csv"];
    let mut args = vec!["plan", "--out", "plan", "--eni-trunking", "on"];
    args.extend_from_slice(&base);
    dir.run(&args).expect(0);
    let options = &dir.read_json("plan/summary.json")["options"];
    assert_eq!(options["eni_trunking"], "on");
    assert_eq!(options["catalog"]["source"], "catalog.csv");
    assert_eq!(options["catalog"]["sha256"].as_str().unwrap().len(), 64);
    assert!(dir.read_json("plan/summary.json")["ecsplan_version"].is_string());
    let mut args = vec!["check", "--plan", "plan"];
    args.extend_from_slice(&base);
    let run = dir.run(&args);
    run.expect(0);
    assert!(run.stdout.starts_with("valid: 2 instances, 26 tasks"), "{}", run.stdout);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    // A flag given that differs wins, with a warning naming both values.
    args.extend_from_slice(&["--eni-trunking", "off"]);
    let run = dir.run(&args);
    run.expect(1);
    assert!(
        run.stderr
            .contains("warning: --eni-trunking: the plan was made with `on`; checking with `off` as given"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_plan_made_with_a_discounted_catalog_checks_at_its_price() {
    let dir = Workdir::new();
    dir.write("discounted.csv", &trunking_catalog("0.0672"));
    dir.write("workload.csv", &format!("{HEADER}web,1024,4096,3,none,,0,any,,false\n"));
    dir.run(&[
        "plan",
        "--workload",
        "workload.csv",
        "--catalog",
        "discounted.csv",
        "--out",
        "plan",
    ])
    .expect(0);
    // Without --catalog, the recorded catalog is read again: the plan's own price.
    let run = dir.run(&["check", "--workload", "workload.csv", "--plan", "plan"]);
    run.expect(0);
    assert_eq!(run.stdout, "valid: 1 instances, 3 tasks, $0.0672/hour\n");
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    // Another catalog given: checked against it, with a warning that its bytes differ.
    dir.write("list.csv", &trunking_catalog("0.192"));
    let run = dir.run(&[
        "check",
        "--workload",
        "workload.csv",
        "--plan",
        "plan",
        "--catalog",
        "list.csv",
    ]);
    run.expect(0);
    assert_eq!(run.stdout, "valid: 1 instances, 3 tasks, $0.1920/hour\n");
    assert!(
        run.stderr.contains("warning: the catalog `list.csv` (SHA-256 ")
            && run
                .stderr
                .contains("differs from the one the plan was made with, `discounted.csv`"),
        "{}",
        run.stderr
    );
    // A plan folder without options checks as before: under the flags given.
    std::fs::remove_file(dir.path("plan/summary.json")).unwrap();
    let run = dir.run(&[
        "check",
        "--workload",
        "workload.csv",
        "--plan",
        "plan",
        "--catalog",
        "list.csv",
    ]);
    run.expect(0);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}
