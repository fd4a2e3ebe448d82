//! `ecsplan import`: the workload CSV that ECS's own JSON describes, with a note on
//! standard error for everything left out or not carried over.

use std::io::Write as _;
use std::process::ExitCode;

use crate::cli::ImportArgs;
use crate::ecs::workload::Workload;
use crate::import::{self, Sources};
use crate::input::InputErrors;
use crate::output;

pub fn run(args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let imported = import::import(&args.sources())?;
    print_notes(&imported.notes);
    match &args.out {
        Some(path) => output::write_file(path, imported.csv)?,
        None => std::io::stdout().lock().write_all(&imported.csv)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The workload that `sources` describe, for `plan`, `compare` and `check`; the notes go
/// to standard error.
pub fn imported_workload(sources: &Sources) -> Result<Workload, InputErrors> {
    let imported = import::import(sources)?;
    print_notes(&imported.notes);
    Ok(imported.workload)
}

fn print_notes(notes: &[String]) {
    for note in notes {
        eprintln!("note: {note}");
    }
}
