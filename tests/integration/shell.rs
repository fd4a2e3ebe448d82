//! Shell conventions: the workload on standard input, completion scripts, placements on
//! standard output, an example in every help text.

use crate::plan::{CATALOG, HEADER};
use crate::util::Workdir;

const WORKLOAD: &str = "web,512,1024,6,bridge,0,0,any,,false\napi,1024,2048,2,awsvpc,,0,any,,false\n";

#[test]
fn workload_dash_reads_standard_input() {
    let dir = Workdir::new();
    dir.write("catalog.csv", CATALOG);
    dir.write("workload.csv", &format!("{HEADER}{WORKLOAD}"));
    let from_file = dir.run(&[
        "plan",
        "--workload",
        "workload.csv",
        "--catalog",
        "catalog.csv",
        "--format",
        "csv",
    ]);
    let from_stdin = dir.run_with_input(
        &["plan", "--workload", "-", "--catalog", "catalog.csv", "--format", "csv"],
        &format!("{HEADER}{WORKLOAD}"),
    );
    from_file.expect(0);
    from_stdin.expect(0);
    assert_eq!(from_stdin.stdout, from_file.stdout);
}

#[test]
fn workload_errors_on_standard_input_name_it() {
    let dir = Workdir::new();
    let run = dir.run_with_input(
        &["plan", "--workload", "-"],
        &format!("{HEADER}web,lots,1024,1,bridge,0,0,any,,false\n"),
    );
    run.expect(2);
    assert!(run.stderr.contains("standard input:2:5:"), "{}", run.stderr);
}

#[test]
fn format_csv_prints_the_placements_file() {
    let dir = Workdir::new();
    dir.write("catalog.csv", CATALOG);
    dir.write("workload.csv", &format!("{HEADER}{WORKLOAD}"));
    let run = dir.run(&[
        "plan",
        "--workload",
        "workload.csv",
        "--catalog",
        "catalog.csv",
        "--out",
        "out",
        "--format",
        "csv",
    ]);
    run.expect(0);
    let written = std::fs::read_to_string(dir.path("out/placements.csv")).unwrap();
    assert_eq!(run.stdout, written);
    assert!(
        run.stdout.starts_with("instance_id,instance_type,service,tasks\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn completions_generate_for_each_shell() {
    let dir = Workdir::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = dir.run(&["completions", shell]);
        run.expect(0);
        assert!(run.stdout.contains("ecsplan"), "{shell}: {}", run.stdout);
        assert!(run.stdout.contains("workload"), "{shell} completes no --workload");
        assert!(run.stderr.is_empty(), "{shell}: {}", run.stderr);
    }
    dir.run(&["completions", "tcsh"]).expect(2);
}

#[test]
fn every_help_text_shows_an_example() {
    let dir = Workdir::new();
    for command in [
        &[][..],
        &["plan"],
        &["compare"],
        &["check"],
        &["bench"],
        &["catalog"],
        &["import"],
        &["completions"],
    ] {
        let mut args = command.to_vec();
        args.push("--help");
        let run = dir.run(&args);
        run.expect(0);
        assert!(run.stdout.contains("Example:\n  ecsplan "), "{args:?}:\n{}", run.stdout);
    }
}
