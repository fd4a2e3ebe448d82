//! The README's `console` blocks, run: each `$ ecsplan …` line is run against the built
//! binary, in a temporary folder holding the repository's `data/`, one block's commands
//! one after another, and what it prints must be the lines that follow it in the block.
//! Timings are the only figures that differ between runs: `0.03 s` reads as `#.## s` on
//! both sides.

use std::path::Path;
use std::process::Command;

use crate::util::Workdir;

/// One command of a console block and the output the README shows for it.
#[derive(Debug)]
struct Shown {
    args: Vec<String>,
    output: String,
}

/// The `console` blocks of `markdown`, each a list of commands with their output.
fn console_blocks(markdown: &str) -> Vec<Vec<Shown>> {
    let mut blocks = Vec::new();
    let mut block: Option<Vec<Shown>> = None;
    for line in markdown.lines() {
        match (&mut block, line.trim_end()) {
            (None, "```console") => block = Some(Vec::new()),
            (None, _) => {}
            (Some(_), "```") => blocks.push(block.take().expect("in a block")),
            (Some(shown), line) => match line.strip_prefix("$ ") {
                Some(command) => shown.push(Shown {
                    args: command.split_whitespace().map(String::from).collect(),
                    output: String::new(),
                }),
                None => {
                    let last = shown.last_mut().expect("a console block starts with a `$ ` command");
                    last.output.push_str(line);
                    last.output.push('\n');
                }
            },
        }
    }
    blocks
}

/// `text` with every duration in seconds (`0.03 s`) written `#.## s`.
fn without_timings(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let words: Vec<&str> = line.split(' ').collect();
        let normal: Vec<&str> = words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let decimal = w.split_once('.').is_some_and(|(a, b)| {
                    !a.is_empty() && !b.is_empty() && a.chars().chain(b.chars()).all(|c| c.is_ascii_digit())
                });
                if decimal && words.get(i + 1).is_some_and(|next| next.starts_with('s')) && words[i + 1].len() <= 2 {
                    "#.##"
                } else {
                    w
                }
            })
            .collect();
        out.push_str(normal.join(" ").trim_end());
        out.push('\n');
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn readme_console_blocks_drifted_from_what_the_binary_prints() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let blocks = console_blocks(&readme);
    assert!(blocks.len() >= 2, "the README shows plan, check and compare");
    for block in blocks {
        let wd = Workdir::new();
        copy_dir(&root.join("data"), &wd.path("data"));
        for shown in block {
            assert_eq!(shown.args[0], "ecsplan", "{:?}", shown.args);
            let output = Command::new(env!("CARGO_BIN_EXE_ecsplan"))
                .args(&shown.args[1..])
                .current_dir(wd.path("."))
                .output()
                .expect("ecsplan runs");
            let printed = String::from_utf8_lossy(&output.stdout);
            assert_eq!(
                without_timings(&printed),
                without_timings(&shown.output),
                "`{}` prints (left) what the README does not show (right); stderr: {}",
                shown.args.join(" "),
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
}

#[test]
fn timings_alone_are_normalised() {
    assert_eq!(
        without_timings("gap 0.00 %: optimal in 0.03 s\n8 scenarios in 12.99 s (time limit 30 s)\n$0.1764/hour\n"),
        "gap 0.00 %: optimal in #.## s\n8 scenarios in #.## s (time limit 30 s)\n$0.1764/hour\n"
    );
    let blocks = console_blocks("text\n```console\n$ ecsplan a b\nline 1\nline 2\n$ ecsplan c\n```\n");
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0][0].args, ["ecsplan", "a", "b"]);
    assert_eq!(blocks[0][0].output, "line 1\nline 2\n");
    assert_eq!(blocks[0][1].output, "");
}
