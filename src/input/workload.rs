//! The workload CSV: one row per service.

use std::path::Path;

use super::{Diagnostic, InputErrors};
use crate::ecs::catalog::Catalog;
use crate::ecs::rules::Figures;
use crate::ecs::workload::Workload;

/// Reads and validates a workload file.
pub fn read_workload(path: &Path) -> Result<Workload, InputErrors> {
    let _ = path;
    todo!("read workload")
}

/// Parses and validates workload CSV text; `file` names it in messages.
pub fn parse_workload(text: &str, file: &str) -> Result<Workload, InputErrors> {
    let _ = (text, file);
    todo!("parse workload")
}

/// Problems that only show against the catalog: a value beyond every instance type, an
/// `instance_types` pattern that matches no type.
pub fn validate_against_catalog(workload: &Workload, catalog: &Catalog, figures: &Figures, file: &str) -> Vec<Diagnostic> {
    let _ = (workload, catalog, figures, file);
    todo!("validate workload against catalog")
}
