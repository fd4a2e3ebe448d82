//! `placements.csv`: `instance_id,instance_type,service,tasks`, one row per service on an
//! instance. Written by `plan`; `input::placements` reads it back for `check`.

use crate::ecs::placement::{PlacementRow, COLUMNS};

/// The CSV text of `rows`.
pub fn to_csv(rows: &[PlacementRow]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS)?;
    for r in rows {
        w.write_record([
            r.instance_id.as_str(),
            r.instance_type.as_str(),
            r.service.as_str(),
            &r.tasks.to_string(),
        ])?;
    }
    Ok(w.into_inner()?)
}
