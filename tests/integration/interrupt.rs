//! Ctrl-C (SIGINT) or SIGTERM during a long search: the best plan so far is checked and
//! written with status `interrupted`, and the run exits with 130.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::Workdir;

/// 300 services of mixed sizes and modes: far from proven optimal after a second.
fn long_workload() -> String {
    let mut text = String::from("service,cpu,memory_mib,count,network_mode\n");
    for i in 0..300 {
        let cpu = [256, 512, 1024, 2048][i % 4];
        let memory = [512, 1000, 2048, 3000, 4096, 7000][i % 6] + i;
        let mode = ["awsvpc", "bridge", "none"][i % 3];
        text.push_str(&format!("s{i},{cpu},{memory},{},{mode}\n", 1 + i % 7));
    }
    text
}

/// Runs ecsplan with `args` in `dir`, sends `signal` after a second, and returns the exit
/// code and standard output; fails if the run does not end within 30 s of the signal.
fn interrupted_run(dir: &Workdir, args: &[&str], signal: &str) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecsplan"))
        .args(args)
        .current_dir(dir.path(""))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(1));
    let sent = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let signalled = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(30),
            "still running 30 s after {signal}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn sigint_writes_the_best_plan_so_far_as_interrupted_and_exits_130() {
    let dir = Workdir::new();
    dir.write("w.csv", &long_workload());
    let (code, stdout) = interrupted_run(
        &dir,
        &[
            "plan",
            "--workload",
            "w.csv",
            "--out",
            "out",
            "--time-limit",
            "120",
            "--format",
            "json",
        ],
        "-INT",
    );
    assert_eq!(code, 130);
    let printed: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let summary = dir.read_json("out/summary.json");
    assert_eq!(summary["status"], "interrupted");
    assert_eq!(printed["status"], "interrupted");
    assert!(summary["lower_bound_per_hour"].as_f64().unwrap() > 0.0);
    assert!(summary["solve_seconds"].as_f64().unwrap() < 60.0);
    dir.run(&["check", "--workload", "w.csv", "--plan", "out"]).expect(0);
}

#[test]
fn sigterm_stops_compare_with_its_unfinished_scenarios_interrupted() {
    let dir = Workdir::new();
    dir.write("w.csv", &long_workload());
    let (code, stdout) = interrupted_run(
        &dir,
        &[
            "compare",
            "--workload",
            "w.csv",
            "--out",
            "out",
            "--time-limit",
            "120",
            "--format",
            "json",
        ],
        "-TERM",
    );
    assert_eq!(code, 130);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let scenarios = report["scenarios"].as_array().unwrap();
    assert!(scenarios.iter().any(|s| s["status"] == "interrupted"), "{report}");
    for s in scenarios.iter().filter(|s| s["status"] == "interrupted") {
        let name = s["scenario"].as_str().unwrap();
        let folder = format!("out/{name}");
        assert_eq!(
            dir.read_json(&format!("{folder}/summary.json"))["status"],
            "interrupted"
        );
        let workload = format!("{folder}/workload.csv");
        let mut args = vec!["check", "--workload", workload.as_str(), "--plan", folder.as_str()];
        if name == "awsvpc-trunking" {
            args.extend(["--eni-trunking", "on"]);
        }
        dir.run(&args).expect(0);
    }
}
