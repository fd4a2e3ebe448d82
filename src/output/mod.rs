//! Writing results: plan folders (CSV + JSON), terminal tables and charts. Every file is
//! written to a temporary file beside its target and renamed into place, so a reader
//! never sees half a file; it is created with the user's umask, like any file they make.

pub mod chart;
pub mod inputs;
pub mod instances;
pub mod placements;
pub mod plan_chart;
pub mod summary;
pub mod svg;
pub mod table;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::ecs::placement::Planned;
use summary::Summary;

/// Money as `docs/rules.md` prints it: 4 decimals.
pub fn money(x: f64) -> String {
    format!("{x:.4}")
}

/// A share as a percentage with one decimal, or two significant digits below 0.1 %, so
/// that a small difference never reads as `0.0 %`.
pub fn percent(share: f64) -> String {
    let p = 100.0 * share;
    if p != 0.0 && p.abs() < 0.1 {
        format!("{p:.2} %")
    } else {
        format!("{p:.1} %")
    }
}

/// How much dearer than the cheapest scenario a cost is, as a fraction of the cheapest's
/// cost: `+103.6 %`. The compare table and the compare chart both print it from here, so
/// they never round one figure two ways.
pub fn dearer_than_cheapest(fraction: f64) -> String {
    format!("+{}", percent(fraction))
}

/// Checks, before any work is done, that `dir` can take a run's files: it is a folder or
/// does not exist yet, and the nearest folder that exists accepts a new file (one is
/// created there and removed). Returns what stands in the way.
pub fn probe_folder(dir: &Path) -> Result<(), String> {
    let mut existing = dir;
    loop {
        match std::fs::metadata(existing) {
            Ok(meta) if meta.is_dir() => break,
            Ok(_) => return Err(format!("`{}` is a file, not a folder", existing.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                existing = existing
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
            }
            Err(e) => return Err(format!("cannot read `{}`: {e}", existing.display())),
        }
    }
    temp_file(existing, ".ecsplan-probe.")
        .map(drop)
        .map_err(|e| format!("cannot write in `{}`: {e}", existing.display()))
}

/// [`probe_folder`] for one file's folder; a folder in the file's place is refused too.
pub fn probe_file(path: &Path) -> Result<(), String> {
    if path.is_dir() {
        return Err(format!("`{}` is a folder, not a file", path.display()));
    }
    probe_folder(parent_folder(path))
}

/// The folder a file path is in (`.` for a bare name).
fn parent_folder(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// A new temporary file in `dir`, removed when dropped. Its mode is 0666 less the umask,
/// as for any file the user creates: the temporary files a library makes are owner-only,
/// and a rename keeps the mode.
fn temp_file(dir: &Path, prefix: &str) -> std::io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir)
}

/// Writes a file's text into the writer given.
pub type Streamer<'a> = Box<dyn FnOnce(&mut dyn std::io::Write) -> anyhow::Result<()> + 'a>;

/// What to write into one file: its bytes, or a writer that streams them.
pub enum Content<'a> {
    Bytes(Vec<u8>),
    Stream(Streamer<'a>),
}

/// Writes several files into `dir` (created if missing): all are first written to
/// temporary files, then each is renamed into place, so a failure leaves no partial file.
pub fn write_files(dir: &Path, files: &[(&str, Vec<u8>)]) -> anyhow::Result<()> {
    write_contents(
        dir,
        files
            .iter()
            .map(|(name, bytes)| (*name, Content::Bytes(bytes.clone())))
            .collect(),
    )
}

/// [`write_files`] for contents that may be streamed: a large plan's rows go through a
/// buffer to the temporary file as they are made.
pub fn write_contents(dir: &Path, files: Vec<(&str, Content<'_>)>) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create the folder {}", dir.display()))?;
    let mut staged: Vec<(tempfile::NamedTempFile, PathBuf)> = Vec::with_capacity(files.len());
    for (name, content) in files {
        let target = dir.join(name);
        let mut tmp =
            temp_file(dir, &format!(".{name}.")).with_context(|| format!("cannot write in {}", dir.display()))?;
        let written = match content {
            Content::Bytes(bytes) => tmp.write_all(&bytes).map_err(anyhow::Error::from),
            Content::Stream(write) => {
                let mut buffered = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
                write(&mut buffered).and_then(|()| buffered.flush().map_err(anyhow::Error::from))
            }
        };
        written
            .and_then(|()| tmp.as_file().sync_all().map_err(anyhow::Error::from))
            .with_context(|| format!("cannot write {}", target.display()))?;
        staged.push((tmp, target));
    }
    for (tmp, target) in staged {
        tmp.persist(&target)
            .with_context(|| format!("cannot write {}", target.display()))?;
    }
    Ok(())
}

/// Writes one file atomically.
pub fn write_file(path: &Path, bytes: Vec<u8>) -> anyhow::Result<()> {
    let dir = parent_folder(path);
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file name", path.display()))?;
    write_files(dir, &[(&name.to_string_lossy(), bytes)])
}

/// Writes a checked plan's `placements.csv`, `instances.csv` and `summary.json`, the two
/// CSV files row by row.
pub fn write_plan(dir: &Path, planned: &Planned, summary: &Summary) -> anyhow::Result<()> {
    write_contents(
        dir,
        vec![
            (
                "placements.csv",
                Content::Stream(Box::new(|out| placements::write_plan_csv(&planned.plan, out))),
            ),
            (
                "instances.csv",
                Content::Stream(Box::new(|out| {
                    instances::write_csv(&planned.plan, &planned.instances, out)
                })),
            ),
            ("summary.json", Content::Bytes(summary.to_json())),
        ],
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn small_shares_keep_two_decimals() {
        assert_eq!(super::percent(0.0003), "0.03 %");
        assert_eq!(super::percent(0.0), "0.0 %");
        assert_eq!(super::percent(0.4286), "42.9 %");
    }
}
