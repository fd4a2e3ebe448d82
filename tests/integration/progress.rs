//! Live progress: drawn on standard error when it is a terminal (a pseudo-terminal made
//! by util-linux's `script`), never in a pipe or with `--quiet`, and never on standard
//! output.

use std::process::Command;

use crate::plan::HEADER;
use crate::util::Workdir;

/// A workload of `services` services of assorted sizes: enough for a solve that lasts its
/// time limit.
fn workload(services: usize) -> String {
    let mut text = HEADER.to_string();
    for i in 0..services {
        let cpu = 256 * (1 + (i * 7) % 8);
        let memory = 512 * (1 + (i * 5) % 12);
        let count = 1 + (i * 3) % 9;
        text.push_str(&format!("svc{i},{cpu},{memory},{count},bridge,0,0,any,,false\n"));
    }
    text
}

/// Runs `ecsplan ARGS > stdout.txt` under a pseudo-terminal and returns what the terminal
/// showed (standard error); `None` when `script` is missing (a visible skip, a failure on
/// CI).
fn on_terminal(dir: &Workdir, args: &str) -> Option<String> {
    let bin = env!("CARGO_BIN_EXE_ecsplan");
    let command = format!("'{bin}' {args} > stdout.txt");
    let out = match Command::new("script")
        .args(["-qefc", &command, "/dev/null"])
        .current_dir(dir.path("."))
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "util-linux `script` is needed on CI: {e}"
            );
            eprintln!("skipped: util-linux `script` not found ({e})");
            return None;
        }
    };
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn progress_shows_on_a_terminal_and_leaves_stdout_clean() {
    let dir = Workdir::new();
    dir.write("workload.csv", &workload(300));
    let args = "plan --workload workload.csv --time-limit 2 --threads 1 --format json";
    let Some(terminal) = on_terminal(&dir, args) else {
        return;
    };
    assert!(terminal.contains("/2 s"), "no clock against the limit:\n{terminal}");
    assert!(terminal.contains("gap "), "no gap:\n{terminal}");
    assert!(terminal.contains("best $"), "no best cost:\n{terminal}");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.path("stdout.txt")).unwrap())
        .expect("standard output is the summary JSON alone");
    assert!(json["cost_per_hour"].as_f64().unwrap() > 0.0);
}

#[test]
fn progress_stays_off_with_quiet_and_in_a_pipe() {
    let dir = Workdir::new();
    dir.write("workload.csv", &workload(300));
    if let Some(terminal) = on_terminal(&dir, "plan --workload workload.csv --time-limit 1 --threads 1 --quiet") {
        assert!(terminal.trim().is_empty(), "--quiet drew:\n{terminal}");
    }
    let piped = dir.run(&[
        "plan",
        "--workload",
        "workload.csv",
        "--time-limit",
        "1",
        "--threads",
        "1",
    ]);
    piped.expect(0);
    assert!(piped.stderr.is_empty(), "progress in a pipe:\n{}", piped.stderr);
}

#[test]
fn compare_shows_one_progress_line_per_scenario() {
    let dir = Workdir::new();
    dir.write("workload.csv", &workload(40));
    let Some(terminal) = on_terminal(&dir, "compare --workload workload.csv --time-limit 2 --threads 2") else {
        return;
    };
    for scenario in [
        "declared",
        "host",
        "bridge",
        "bridge-dynamic",
        "awsvpc",
        "awsvpc-trunking",
        "none",
    ] {
        assert!(
            terminal.contains(&format!(" {scenario} ")),
            "no line for {scenario}:\n{terminal}"
        );
    }
    assert!(!terminal.contains("fargate"), "{terminal}");
    let table = std::fs::read_to_string(dir.path("stdout.txt")).unwrap();
    assert!(!table.contains('\u{1b}'), "escape codes on standard output:\n{table}");
}

#[test]
fn zoned_plan_reports_its_end_once_with_the_zoned_cost() {
    let dir = Workdir::new();
    dir.write("workload.csv", &workload(60));
    let args = "plan --workload workload.csv --zones us-east-1a,us-east-1b --time-limit 2 --threads 1 --format json";
    let Some(terminal) = on_terminal(&dir, args) else {
        return;
    };
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path("stdout.txt")).unwrap()).unwrap();
    let cost = format!("best ${:.4}", json["cost_per_hour"].as_f64().unwrap());
    // The plain problem's and each zone's solves are steps: only the zoned plan ends.
    let ends: Vec<&str> = terminal.split(['\r', '\n']).filter(|l| l.contains(" done ")).collect();
    assert!(!ends.is_empty(), "no end drawn:\n{terminal}");
    assert!(ends.iter().all(|l| l.contains(&cost)), "{cost}:\n{}", ends.join("\n"));
}
