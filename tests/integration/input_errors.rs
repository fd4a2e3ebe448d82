//! Tests of `input_errors`: bad workload and catalog files exit with status 2 before any
//! planning, and every problem is named with its `file:line:column` and a fix.

use crate::util::{Run, Workdir};

const HEADER: &str = "service,cpu,memory_mib,count,network_mode,host_ports,gpus,arch,instance_types,distinct_instance";

/// Plans a workload of `rows` under the full header and expects exit status 2.
fn plan_rows(rows: &str) -> Run {
    let wd = Workdir::new();
    wd.write("w.csv", &format!("{HEADER}\n{rows}"));
    plan(&wd, &[])
}

fn plan(wd: &Workdir, extra: &[&str]) -> Run {
    let mut args = vec!["plan", "--workload", "w.csv", "--out", "out"];
    args.extend_from_slice(extra);
    let run = wd.run(&args);
    run.expect(2);
    assert!(!wd.path("out").exists(), "--out was created on bad input");
    assert!(run.stdout.is_empty(), "stdout: {}", run.stdout);
    run
}

/// Asserts that stderr holds a problem at `at` whose cause holds `cause` and whose fix
/// holds `fix`.
fn assert_problem(run: &Run, at: &str, cause: &str, fix: &str) {
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
fn missing_required_columns() {
    let wd = Workdir::new();
    wd.write("w.csv", "service,cpu,count\nweb,256,2\n");
    let run = plan(&wd, &[]);
    assert_problem(
        &run,
        "w.csv:1:1",
        "the required column `memory_mib` is missing",
        "write a header row",
    );
}

#[test]
fn unknown_column_with_a_suggestion() {
    let wd = Workdir::new();
    wd.write(
        "w.csv",
        "service,cpu,memory_mib,count,netwrk_mode\nweb,256,512,2,host\n",
    );
    let run = plan(&wd, &[]);
    assert_problem(
        &run,
        "w.csv:1:30",
        "unknown column `netwrk_mode`",
        "did you mean `network_mode`?",
    );
}

#[test]
fn empty_file() {
    let wd = Workdir::new();
    wd.write("w.csv", "");
    let run = plan(&wd, &[]);
    assert_problem(&run, "w.csv", "the file is empty", "service,cpu,memory_mib,count");
}

#[test]
fn header_only_has_nothing_to_plan() {
    let wd = Workdir::new();
    wd.write("w.csv", &format!("{HEADER}\r\n"));
    let run = plan(&wd, &[]);
    assert_problem(&run, "w.csv", "no service rows", "add one row per service");
}

#[test]
fn missing_file() {
    let wd = Workdir::new();
    let run = plan(&wd, &[]);
    assert_problem(
        &run,
        "w.csv",
        "cannot read the file",
        "check the path given to --workload",
    );
}

#[test]
fn not_utf8() {
    let wd = Workdir::new();
    std::fs::write(wd.path("w.csv"), b"service,cpu,memory_mib,count\ncaf\xe9,256,512,1\n").unwrap();
    let run = plan(&wd, &[]);
    assert_problem(&run, "w.csv:2:4", "the file is not UTF-8 text", "CSV UTF-8");
}

#[test]
fn wrong_field_count() {
    let run = plan_rows("web,256,512,2,bridge,80,443,,,,\n");
    assert_problem(
        &run,
        "w.csv:2:32",
        "this service has 11 fields, the header has 10",
        "quote a value that holds a comma",
    );
}

#[test]
fn not_a_number() {
    let run = plan_rows("web,one,512,2,,,,,,\n");
    assert_problem(&run, "w.csv:2:5", "`cpu` is `one`, not a number", "1024 = 1 vCPU");
}

#[test]
fn negative_number() {
    let run = plan_rows("web,256,512,-2,,,,,,\n");
    assert_problem(
        &run,
        "w.csv:2:13",
        "`count` is `-2`, a negative number",
        "desired number of tasks",
    );
}

#[test]
fn beyond_u32() {
    let run = plan_rows("web,256,512,2,,,4294967296,,,\n");
    assert_problem(
        &run,
        "w.csv:2:17",
        "`gpus` is `4294967296`, beyond the largest allowed value 4294967295",
        "GPUs",
    );
}

#[test]
fn zero_memory() {
    let run = plan_rows("web,256,0,2,,,,,,\n");
    assert_problem(&run, "w.csv:2:9", "`memory_mib` is `0`", "memory of one task in MiB");
}

#[test]
fn duplicate_service_names_both_lines() {
    let run = plan_rows("web,256,512,2,,,,,,\napi,256,512,2,,,,,,\nweb,512,512,1,,,,,,\n");
    assert_problem(
        &run,
        "w.csv:4:1",
        "`web` is declared twice: on line 2 and on line 4",
        "unique name",
    );
}

#[test]
fn empty_service_name() {
    let run = plan_rows(",256,512,2,,,,,,\n");
    assert_problem(&run, "w.csv:2:1", "`service` is empty", "name the service");
}

#[test]
fn unknown_network_mode_lists_the_modes() {
    let run = plan_rows("web,256,512,2,nat,,,,,\n");
    assert_problem(
        &run,
        "w.csv:2:15",
        "`network_mode` is `nat`",
        "host, bridge, awsvpc, none, default",
    );
}

#[test]
fn unknown_arch_lists_the_architectures() {
    let run = plan_rows("web,256,512,2,,,,amd64,,\n");
    assert_problem(
        &run,
        "w.csv:2:18",
        "`arch` is `amd64`",
        "did you mean x86_64? write one of x86_64, arm64, any",
    );
}

#[test]
fn port_not_an_integer_or_out_of_range() {
    let run = plan_rows("web,256,512,2,bridge,80;http,,,,\napi,256,512,2,bridge,65536,,,,\n");
    assert_problem(
        &run,
        "w.csv:2:22",
        "`host_ports` has `http`, not a port number from 0 to 65535",
        "`80;443`",
    );
    assert_problem(&run, "w.csv:3:22", "`host_ports` has `65536`", "`80;443`");
}

#[test]
fn port_reserved_by_the_agent() {
    let run = plan_rows("ssh,256,512,1,host,22,,,,\n");
    assert_problem(
        &run,
        "w.csv:2:20",
        "`22`, a port the ECS agent reserves",
        "another host port",
    );
}

#[test]
fn dynamic_port_in_host_mode() {
    let run = plan_rows("web,256,512,2,host,0,,,,\n");
    assert_problem(&run, "w.csv:2:20", "`0` in host mode", "use bridge mode for a dynamic");
}

#[test]
fn ports_on_awsvpc_and_none() {
    let run = plan_rows("web,256,512,2,awsvpc,443,,,,\nbatch,256,512,2,none,0,,,,\n");
    assert_problem(
        &run,
        "w.csv:2:22",
        "the network mode is awsvpc",
        "leave host_ports empty for awsvpc",
    );
    assert_problem(
        &run,
        "w.csv:3:22",
        "the network mode is none",
        "leave host_ports empty for none",
    );
}

#[test]
fn port_listed_twice() {
    let run = plan_rows("web,256,512,2,bridge,8080;0;8080,,,,\n");
    assert_problem(&run, "w.csv:2:22", "lists `8080` twice", "list each host port once");
}

#[test]
fn distinct_instance_not_a_boolean() {
    let run = plan_rows("web,256,512,2,,,,,,1\n");
    assert_problem(
        &run,
        "w.csv:2:20",
        "`distinct_instance` is `1`, not true or false",
        "empty means false",
    );
}

#[test]
fn invalid_glob() {
    let run = plan_rows("web,256,512,2,,,,,m6i.[,\n");
    assert_problem(
        &run,
        "w.csv:2:19",
        "`m6i.[` is not a valid glob pattern",
        "`m6i.*;c6g.*`",
    );
}

#[test]
fn quoted_fields_keep_columns_right() {
    let run = plan_rows("\"web, eu\",\"256\",512,2,\"bridge\",\"80;80\",,,,\n");
    assert_problem(&run, "w.csv:2:32", "lists `80` twice", "list each host port once");
}

#[test]
fn a_task_too_large_for_every_type_exits_1_no_plan_not_2() {
    // Well-formed but unplaceable: "no plan exists" with the explanation, not bad input.
    let wd = Workdir::new();
    wd.write(
        "w.csv",
        &format!("{HEADER}\nhuge,393217,512,1,,,,,,\nhungry,256,5000000,1,,,,,,\ngpus,256,512,1,,,16,,,\n"),
    );
    let run = wd.run(&["plan", "--workload", "w.csv", "--out", "out"]);
    run.expect(1);
    assert!(!wd.path("out").exists());
    assert!(run.stderr.contains("no plan exists"), "{}", run.stderr);
    assert!(!run.stderr.contains("problem(s) in the input"), "{}", run.stderr);
    for expected in [
        "w.csv:2: service `huge`: `cpu` is 393217 CPU units per task",
        "the largest is 393216 CPU units (c8i.96xlarge)",
        "w.csv:3: service `hungry`: `memory_mib` is 5000000 MiB per task",
        "w.csv:4: service `gpus`: `gpus` is 16 per task",
        "the largest is 8 GPUs (g4dn.metal)",
        "fix: lower `gpus`",
    ] {
        assert!(run.stderr.contains(expected), "no `{expected}` in:\n{}", run.stderr);
    }
}

#[test]
fn no_location_shows_line_or_column_0() {
    let wd = Workdir::new();
    wd.write("empty.csv", "");
    let run = wd.run(&["plan", "--workload", "empty.csv"]);
    run.expect(2);
    assert!(run.stderr.contains("\nempty.csv: the file is empty"), "{}", run.stderr);
    wd.write("w.csv", "service,cpu,memory_mib,count\nweb,256,512,1\n");
    let run = wd.run(&["plan", "--workload", "w.csv", "--types", "zz*"]);
    run.expect(2);
    assert!(run.stderr.contains("\n--types: the pattern `zz*`"), "{}", run.stderr);
    wd.write(
        "w.csv",
        "service,cpu,memory_mib,count,instance_types\nweb,256,512,1,zz*\n",
    );
    let run = wd.run(&["plan", "--workload", "w.csv"]);
    run.expect(2);
    assert!(run.stderr.contains("\nw.csv:2: service `web`"), "{}", run.stderr);
    assert!(!run.stderr.contains(":0"), "{}", run.stderr);
}

#[test]
fn pattern_matching_no_type_of_the_whole_catalog() {
    let run = plan_rows("gpu,1024,4096,1,,,1,,g5.*;g9.*,\n");
    assert_problem(
        &run,
        "w.csv:2",
        "the `instance_types` pattern `g9.*` matches no instance type",
        "ecsplan catalog",
    );
}

#[test]
fn a_value_beyond_the_types_subset_is_no_plan_not_bad_input() {
    // 64 vCPU fits types of the whole catalog: that `--types` keeps only small ones is
    // "no plan exists" (status 1), explained per service, not an input error.
    let wd = Workdir::new();
    wd.write("w.csv", "service,cpu,memory_mib,count\nbig,65536,1024,1\n");
    let run = wd.run(&["plan", "--workload", "w.csv", "--types", "t3.*", "--out", "out"]);
    run.expect(1);
    assert!(run.stderr.contains("big"), "{}", run.stderr);
    assert!(!run.stderr.contains("problem(s) in the input"), "{}", run.stderr);
    assert!(!wd.path("out").exists());
}

#[test]
fn several_errors_in_one_file_are_all_reported() {
    let wd = Workdir::new();
    wd.write(
        "w.csv",
        "\u{feff}service,cpu,memory_mib,count,network_mode,host_ports,distinct_instance\r\n\
         api,256,512,2,host,80;0,true\r\n\
         api,-1,0,2,bridge,80;80,maybe\r\n\
         jobs,256,512,x,none,9000,\r\n",
    );
    let run = plan(&wd, &[]);
    assert!(
        run.stderr.contains("8 problem(s) in the input; nothing was planned"),
        "{}",
        run.stderr
    );
    assert_problem(&run, "w.csv:2:20", "`0` in host mode", "bridge mode");
    assert_problem(&run, "w.csv:3:1", "declared twice", "unique name");
    assert_problem(&run, "w.csv:3:5", "`cpu` is `-1`", "CPU units");
    assert_problem(&run, "w.csv:3:8", "`memory_mib` is `0`", "MiB");
    assert_problem(&run, "w.csv:3:19", "lists `80` twice", "once");
    assert_problem(&run, "w.csv:3:25", "`maybe`, not true or false", "empty means false");
    assert_problem(&run, "w.csv:4:14", "`count` is `x`", "desired number");
    // …and `jobs`'s port under mode none is reported too: count and ports are separate.
    assert!(
        run.stderr
            .contains("w.csv:4:21: `host_ports` is `9000` but the network mode is none"),
        "{}",
        run.stderr
    );
}

#[test]
fn workload_and_catalog_problems_are_reported_together() {
    let wd = Workdir::new();
    wd.write("w.csv", "service,cpu,memory_mib,count\nweb,x,512,1\n");
    wd.write(
        "c.csv",
        "instance_type,family,vcpu,memory_mib,arch,gpus,max_enis,ipv4_per_eni,trunking,awsvpc_trunk_tasks,price_usd_hour\n\
         m5.large,m5,2,8192,x86_64,0,3,10,true,10,0.096\n\
         m5.large,m5,2,8192,x86_64,0,3,10,maybe,,-1\n",
    );
    let run = plan(&wd, &["--catalog", "c.csv"]);
    assert_problem(
        &run,
        "c.csv:3:1",
        "`m5.large` is listed twice: on line 2 and on line 3",
        "one row per instance type",
    );
    assert_problem(&run, "c.csv:3:34", "`trunking` is `maybe`", "true or false");
    assert_problem(&run, "c.csv:3:41", "`price_usd_hour` is `-1`", "price per hour");
    assert_problem(&run, "w.csv:2:5", "`cpu` is `x`", "CPU units");
}

#[test]
fn catalog_trunk_tasks_without_trunking() {
    let wd = Workdir::new();
    wd.write("w.csv", "service,cpu,memory_mib,count\nweb,256,512,1\n");
    wd.write(
        "c.csv",
        "instance_type,family,vcpu,memory_mib,arch,gpus,max_enis,ipv4_per_eni,trunking,awsvpc_trunk_tasks,price_usd_hour\n\
         m5.large,m5,2,8192,x86_64,0,3,10,,10,0.096\n",
    );
    let run = plan(&wd, &["--catalog", "c.csv"]);
    assert_problem(
        &run,
        "c.csv:2:35",
        "`awsvpc_trunk_tasks` is `10` but `trunking` is empty",
        "leave awsvpc_trunk_tasks empty",
    );
}

#[test]
fn missing_catalog_file() {
    let wd = Workdir::new();
    wd.write("w.csv", "service,cpu,memory_mib,count\nweb,256,512,1\n");
    let run = plan(&wd, &["--catalog", "nope.csv"]);
    assert_problem(
        &run,
        "nope.csv",
        "cannot read the file",
        "leave --catalog out to use the built-in catalog",
    );
}

#[test]
fn check_stops_on_bad_input_too() {
    let wd = Workdir::new();
    wd.write("w.csv", "service,cpu,memory_mib,count\nweb,256,512,two\n");
    let run = wd.run(&["check", "--workload", "w.csv", "--plan", "plan"]);
    run.expect(2);
    assert_problem(&run, "w.csv:2:13", "`count` is `two`", "desired number of tasks");
}

#[test]
fn the_shipped_examples_are_valid_and_use_every_feature() {
    use ecsplan::ecs::workload::{ImageArch, NetworkMode};
    let catalog = ecsplan::input::read_catalog(None).unwrap();
    let figures = ecsplan::ecs::rules::Figures::default();
    for name in ["platform.csv", "small.csv"] {
        let path = crate::util::data(&format!("examples/{name}"));
        let workload = ecsplan::input::read_workload(&path).unwrap_or_else(|e| panic!("{e}"));
        let problems = ecsplan::input::validate_against_catalog(&workload, &catalog, name);
        assert!(problems.is_empty(), "{problems:?}");
        let unplaceable = ecsplan::input::beyond_every_type(&workload, &catalog, &figures, name);
        assert!(unplaceable.is_empty(), "{unplaceable:?}");
    }
    let platform = ecsplan::input::read_workload(&crate::util::data("examples/platform.csv")).unwrap();
    let s = &platform.services;
    assert!((15..=25).contains(&s.len()));
    assert!(s.iter().all(|s| (1..=40).contains(&s.count)));
    for mode in NetworkMode::ALL {
        assert!(s.iter().any(|s| s.network_mode == mode), "no {mode} service");
    }
    assert!(s
        .iter()
        .any(|s| s.network_mode == NetworkMode::Host && !s.host_ports.is_empty()));
    assert!(s
        .iter()
        .any(|s| s.network_mode == NetworkMode::Bridge && s.host_ports.contains(&0)));
    assert!(s
        .iter()
        .any(|s| s.network_mode == NetworkMode::Bridge && s.host_ports.iter().any(|&p| p != 0)));
    assert!(s
        .iter()
        .any(|s| s.arch == ImageArch::Only(ecsplan::ecs::workload::CpuArch::Arm64)));
    assert!(s.iter().any(|s| s.gpus > 0 && !s.instance_types.is_empty()));
    assert!(s.iter().any(|s| s.distinct_instance));
}

#[test]
fn types_filter_that_removes_every_arch_type_says_so() {
    let wd = Workdir::new();
    wd.write("w.csv", "service,cpu,memory_mib,count,arch\nweb,256,512,2,x86_64\n");
    let run = wd.run(&["plan", "--workload", "w.csv", "--types", "t4g.nano"]);
    run.expect(1);
    assert!(
        run.stderr
            .contains("no instance type that `--types t4g.nano` leaves runs arch `x86_64`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("widen `--types`"), "{}", run.stderr);
}

#[test]
fn memory_in_gib_and_other_unit_slips_warn_without_refusing() {
    let wd = Workdir::new();
    wd.write("w.csv", "service,cpu,memory_mib,count\nweb,2,1,2\napi,256,512,1\n");
    wd.write(
        "c.csv",
        "instance_type,family,vcpu,memory_mib,arch,gpus,max_enis,ipv4_per_eni,trunking,awsvpc_trunk_tasks,price_usd_hour\n\
         m5.large,m5,2,8,x86_64,0,3,10,true,10,70.08\n\
         m5.xlarge,m5,4,16384,x86_64,0,4,15,true,20,1401.6\n",
    );
    let run = wd.run(&["plan", "--workload", "w.csv", "--catalog", "c.csv", "--format", "json"]);
    run.expect(0);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 8, "{}", run.stderr);
    assert!(
        lines[0].starts_with("warning: w.csv:2:5: `cpu` is 2 CPU units"),
        "{}",
        run.stderr
    );
    assert!(lines[1].contains("did you mean vCPUs × 1024"), "{}", run.stderr);
    assert!(
        lines[2].starts_with("warning: w.csv:2:7: `memory_mib` is 1: less than 64 MiB"),
        "{}",
        run.stderr
    );
    assert!(lines[3].contains("did you mean GiB × 1024"), "{}", run.stderr);
    assert!(
        lines[4].starts_with("warning: c.csv:2:15: `memory_mib` is 8"),
        "{}",
        run.stderr
    );
    assert!(
        lines[6].starts_with("warning: c.csv:3:44: `price_usd_hour` is 1401.6"),
        "{}",
        run.stderr
    );
    assert!(lines[7].contains("a month is 730 hours"), "{}", run.stderr);
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(summary["tasks"], 3);
}

#[test]
fn plan_help_explains_every_workload_column_with_an_example() {
    let run = Workdir::new().run(&["plan", "--help"]);
    run.expect(0);
    for column in HEADER.split(',').chain(["container_ports", "scheduling"]) {
        assert!(
            run.stdout.contains(&format!("\n  {column} ")),
            "{column}:\n{}",
            run.stdout
        );
    }
    assert!(
        run.stdout.contains("`0` is\n                     a dynamic mapping"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("Example:\n\n  {HEADER}\n  web,")),
        "{}",
        run.stdout
    );
}

#[test]
fn help_shows_one_default_for_threads_and_describes_format_everywhere() {
    let wd = Workdir::new();
    for command in ["plan", "compare", "check", "catalog", "bench"] {
        let run = wd.run(&[command, "-h"]);
        run.expect(0);
        let threads = run.stdout.lines().find(|l| l.contains("--threads"));
        if let Some(line) = threads {
            assert_eq!(line.matches("[default").count(), 1, "{command}: {line}");
        }
        if let Some(line) = run.stdout.lines().find(|l| l.contains("--format <FORMAT>")) {
            assert!(line.contains("Print a table"), "{command}: {line}");
        }
    }
}
