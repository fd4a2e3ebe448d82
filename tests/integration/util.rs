//! A temporary work folder, the binary run inside it, and its CSV output read back.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A temporary folder that tests write inputs into and run `ecsplan` in.
pub struct Workdir {
    dir: tempfile::TempDir,
}

/// What one run of the binary did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("a temp dir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `text` to `name` and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Runs `ecsplan` with `args` in the folder.
    pub fn run(&self, args: &[&str]) -> Run {
        let output: Output = Command::new(env!("CARGO_BIN_EXE_ecsplan"))
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("ecsplan runs");
        Run::of(output)
    }

    /// Runs `ecsplan` with `args` in the folder, `input` on its standard input.
    pub fn run_with_input(&self, args: &[&str], input: &str) -> Run {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ecsplan"))
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ecsplan runs");
        child
            .stdin
            .take()
            .expect("a piped stdin")
            .write_all(input.as_bytes())
            .expect("ecsplan reads its input");
        Run::of(child.wait_with_output().expect("ecsplan ends"))
    }

    /// Reads a CSV file into rows of `header → value`.
    pub fn read_csv(&self, name: &str) -> Vec<std::collections::BTreeMap<String, String>> {
        read_csv(&self.path(name))
    }

    pub fn read_json(&self, name: &str) -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(self.path(name)).unwrap()).unwrap()
    }
}

pub fn read_csv(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            header
                .iter()
                .zip(rec.unwrap().iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

impl Run {
    fn of(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Panics with both streams unless the exit code is `code`.
    pub fn expect(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// The shared benchmark folder, when it exists beside the project. When it is missing the
/// test says so on standard error and is skipped, except under `CI=true`, where a missing
/// folder fails the test instead of passing it unchecked.
pub fn shared_bench() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench");
    if p.is_dir() {
        return Some(p);
    }
    missing_shared_bench(std::env::var("CI").is_ok_and(|v| v == "true"));
    None
}

/// Reports a missing `../shared/bench`: a panic on CI, a visible skip line elsewhere.
pub fn missing_shared_bench(on_ci: bool) {
    assert!(!on_ci, "../shared/bench not found, and CI=true requires it");
    eprintln!("skipped: ../shared/bench not found");
}

/// The repository's data folder.
pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join(name)
}

/// Property-test settings that draw the same cases on every run, so that a CI failure can be
/// reproduced; `PROPTEST_RNG_SEED` (a number) still picks other cases when set.
pub fn fixed_cases(cases: u32) -> proptest::test_runner::Config {
    use proptest::test_runner::{Config, RngSeed};
    let config = Config::default();
    let rng_seed = match config.rng_seed {
        RngSeed::Random => RngSeed::Fixed(PROPTEST_SEED),
        chosen => chosen,
    };
    Config {
        cases,
        rng_seed,
        ..config
    }
}

/// The seed of [`fixed_cases`].
const PROPTEST_SEED: u64 = 20_261_207;
