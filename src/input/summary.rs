//! Reading back what a plan folder's `summary.json` records about how the plan was made
//! (`options`, `ecsplan_version`), for `check`.

use std::path::Path;

use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use crate::ecs::catalog::BUILT_IN_CSV;
use crate::ecs::options::{CatalogSource, PlanOptions, BUILT_IN_SOURCE};

/// What `summary.json` says about how the plan was made.
#[derive(Debug, Clone, Deserialize)]
pub struct Recorded {
    pub options: Option<PlanOptions>,
    pub ecsplan_version: Option<String>,
}

/// The options recorded in `dir/summary.json`: `Ok(None)` when the folder has no summary
/// or an older one without `options`; `Err` with the reason when it cannot be read.
pub fn recorded_options(dir: &Path) -> Result<Option<PlanOptions>, String> {
    let path = dir.join("summary.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    serde_json::from_str::<Recorded>(&text)
        .map(|recorded| recorded.options)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// The source and SHA-256 of the catalog at `path` (`None`: the built-in one).
pub fn catalog_source(path: Option<&Path>) -> std::io::Result<CatalogSource> {
    let (source, bytes) = match path {
        None => (BUILT_IN_SOURCE.to_string(), BUILT_IN_CSV.as_bytes().to_vec()),
        Some(path) => (path.display().to_string(), std::fs::read(path)?),
    };
    let digest = Sha256::digest(&bytes);
    let sha256 = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok(CatalogSource { source, sha256 })
}

#[cfg(test)]
mod tests {
    #[test]
    fn sha256_is_lowercase_hex_of_the_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.csv");
        std::fs::write(&path, "abc").unwrap();
        let source = super::catalog_source(Some(&path)).unwrap();
        assert_eq!(
            source.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
