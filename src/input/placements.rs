//! Reading `placements.csv` (`instance_id,instance_type,service,tasks`, one row per
//! service on an instance) from a plan folder, for `check`.

use std::path::Path;

use super::{Diagnostic, InputErrors};
use crate::ecs::placement::{PlacementRow, COLUMNS};

/// Reads a placements file, reporting every malformed row.
pub fn read(path: &Path) -> Result<Vec<PlacementRow>, InputErrors> {
    let mut rows = Vec::new();
    read_each(path, |row| rows.push(row))?;
    Ok(rows)
}

/// Reads a placements file and hands each well-formed row to `each` as it is read, so
/// that a file of millions of rows is never held as rows; reports every malformed row.
pub fn read_each(path: &Path, mut each: impl FnMut(PlacementRow)) -> Result<(), InputErrors> {
    let file = path.display().to_string();
    let problem = |line: u64, column: u64, cause: String, fix: &str| Diagnostic {
        file: file.clone(),
        line,
        column,
        cause,
        fix: fix.to_string(),
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        InputErrors(vec![problem(
            0,
            0,
            format!("cannot read the file: {e}"),
            "give the folder that `ecsplan plan --out` wrote",
        )])
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header = reader
        .headers()
        .map_err(|e| {
            InputErrors(vec![problem(
                1,
                1,
                format!("unreadable header: {e}"),
                "write the header `instance_id,instance_type,service,tasks`",
            )])
        })?
        .clone();
    let mut errors = Vec::new();
    let mut index = [0usize; 4];
    for (k, name) in COLUMNS.iter().enumerate() {
        match header.iter().position(|h| h.trim() == *name) {
            Some(i) => index[k] = i,
            None => errors.push(problem(
                1,
                1,
                format!("the column `{name}` is missing"),
                "write the header `instance_id,instance_type,service,tasks`",
            )),
        }
    }
    if !errors.is_empty() {
        return Err(InputErrors(errors));
    }
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(problem(line, 1, format!("unreadable row: {e}"), "fix the CSV syntax"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let field = |k: usize| record.get(index[k]).unwrap_or("").trim().to_string();
        let tasks = field(3);
        match tasks.parse::<u32>() {
            Ok(tasks) => each(PlacementRow {
                instance_id: field(0),
                instance_type: field(1),
                service: field(2),
                tasks,
                line,
            }),
            Err(_) => errors.push(problem(
                line,
                index[3] as u64 + 1,
                format!("`tasks` is `{tasks}`, not a whole number"),
                "write the number of tasks, e.g. 3",
            )),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(InputErrors(errors))
    }
}
