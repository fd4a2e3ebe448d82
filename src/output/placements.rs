//! `placements.csv`: `instance_id,instance_type,service,tasks`, one row per service on an
//! instance. Written by `plan`; `input::placements` reads it back for `check`.

use std::io::Write;

use crate::ecs::lower::Plan;
use crate::ecs::placement::{PlacementRow, COLUMNS};

/// Writes `plan`'s placement rows as CSV to `out`, the same text as [`write_csv`] on
/// [`crate::ecs::placement::rows`]: each group's rows are encoded once, and each of its
/// instances writes its id before them, so a plan of millions of instances is written
/// at the speed of copying bytes.
pub fn write_plan_csv(plan: &Plan, mut out: impl Write) -> anyhow::Result<()> {
    let mut header = csv::Writer::from_writer(Vec::new());
    header.write_record(COLUMNS)?;
    out.write_all(&header.into_inner()?)?;
    let mut line = Vec::new();
    for group in &plan.instances {
        // The CSV text of each row after its id: `,type,service,tasks\n`.
        let rests: Vec<Vec<u8>> = group
            .tasks
            .iter()
            .map(|(service, tasks)| {
                let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
                w.write_record(["", group.instance_type.as_str(), service.as_str(), &tasks.to_string()])?;
                Ok(w.into_inner()?)
            })
            .collect::<anyhow::Result<_>>()?;
        for number in group.number..group.number + group.copies {
            line.clear();
            for rest in &rests {
                plan.push_id(number, &mut line);
                line.extend_from_slice(rest);
            }
            out.write_all(&line)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Writes `rows` as CSV to `out`, one at a time: a plan's rows are made as they are
/// written, never held all at once.
pub fn write_csv(rows: impl IntoIterator<Item = PlacementRow>, out: impl Write) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS)?;
    let mut tasks = itoa_buffer();
    for r in rows {
        w.write_record([
            r.instance_id.as_bytes(),
            r.instance_type.as_bytes(),
            r.service.as_bytes(),
            format_u32(&mut tasks, r.tasks),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// The CSV text of `rows`.
pub fn to_csv(rows: impl IntoIterator<Item = PlacementRow>) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    write_csv(rows, &mut bytes)?;
    Ok(bytes)
}

fn itoa_buffer() -> String {
    String::with_capacity(10)
}

/// `n` in decimal, in a buffer reused from row to row.
fn format_u32(buffer: &mut String, n: u32) -> &[u8] {
    use std::fmt::Write as _;
    buffer.clear();
    let _ = write!(buffer, "{n}");
    buffer.as_bytes()
}
