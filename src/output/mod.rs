//! Writing results: plan folders (CSV + JSON), terminal tables and charts. Every file is
//! written to a temporary file beside its target and renamed into place, so a reader
//! never sees half a file.

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

use crate::ecs::placement::{self, Planned};
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

/// Writes several files into `dir` (created if missing): all are first written to
/// temporary files, then each is renamed into place, so a failure leaves no partial file.
pub fn write_files(dir: &Path, files: &[(&str, Vec<u8>)]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create the folder {}", dir.display()))?;
    let mut staged: Vec<(tempfile::NamedTempFile, PathBuf)> = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let target = dir.join(name);
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .tempfile_in(dir)
            .with_context(|| format!("cannot write in {}", dir.display()))?;
        tmp.write_all(bytes)
            .and_then(|()| tmp.as_file().sync_all())
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
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file name", path.display()))?;
    write_files(dir, &[(&name.to_string_lossy(), bytes)])
}

/// Writes a checked plan's `placements.csv`, `instances.csv` and `summary.json`.
pub fn write_plan(dir: &Path, planned: &Planned, summary: &Summary) -> anyhow::Result<()> {
    write_files(
        dir,
        &[
            ("placements.csv", placements::to_csv(&placement::rows(&planned.plan))?),
            (
                "instances.csv",
                instances::to_csv(
                    &planned.instances,
                    (!planned.plan.zones.is_empty())
                        .then(|| placement::zones(&planned.plan))
                        .as_ref(),
                )?,
            ),
            ("summary.json", summary.to_json()),
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
