//! The zone of each instance of a plan folder, from the `zone` column of its
//! `instances.csv` (written when zones are planned); the checker verifies the zone rules
//! from it.

use std::collections::BTreeMap;
use std::path::Path;

use super::{Diagnostic, InputErrors};

/// Instance id → zone, from `instances.csv`.
pub fn read_zones(path: &Path) -> Result<BTreeMap<String, String>, InputErrors> {
    let file = path.display().to_string();
    let problem = |line: u64, cause: String, fix: &str| {
        InputErrors(vec![Diagnostic {
            file: file.clone(),
            line,
            column: 0,
            cause,
            fix: fix.to_string(),
        }])
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        problem(
            0,
            format!("cannot read the file: {e}"),
            "give the folder that `ecsplan plan --zones ... --out` wrote; the zones are checked from its instances.csv",
        )
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header = reader
        .headers()
        .map_err(|e| problem(1, format!("unreadable header: {e}"), "write a header row"))?
        .clone();
    let column = |name: &str| header.iter().position(|h| h.trim() == name);
    let (Some(id), Some(zone)) = (column("instance_id"), column("zone")) else {
        return Err(problem(
            1,
            "instances.csv has no `instance_id` and `zone` columns: the plan was made without zones".into(),
            "check without --zones, or plan again with --zones",
        ));
    };
    let mut zones = BTreeMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            problem(line, format!("unreadable row: {e}"), "fix the CSV syntax")
        })?;
        if let (Some(i), Some(z)) = (record.get(id), record.get(zone)) {
            zones.insert(i.trim().to_string(), z.trim().to_string());
        }
    }
    Ok(zones)
}
