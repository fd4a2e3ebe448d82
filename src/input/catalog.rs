//! The instance catalog CSV: one row per instance type.

use std::path::Path;

use super::InputErrors;
use crate::ecs::catalog::Catalog;

/// Reads a catalog file, or the built-in catalog when `path` is `None`.
pub fn read_catalog(path: Option<&Path>) -> Result<Catalog, InputErrors> {
    let _ = path;
    todo!("read catalog")
}

/// Parses and validates catalog CSV text; `file` names it in messages.
pub fn parse_catalog(text: &str, file: &str) -> Result<Catalog, InputErrors> {
    let _ = (text, file);
    todo!("parse catalog")
}
