//! Reading the workload and catalog CSVs (`docs/inputs.md`) into domain types, with every
//! problem found reported at once, each with its file, line, column, cause and fix.

pub mod catalog;
pub mod instances;
pub mod placements;
pub mod plausible;
pub mod prices;
pub mod summary;
pub mod workload;

mod table;

use std::fmt;

pub use catalog::{parse_catalog, read_catalog};
pub use prices::read_prices;
pub use workload::{beyond_every_type, parse_workload, read_workload, validate_against_catalog, workload_name};

/// One problem in an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file as the user named it.
    pub file: String,
    /// 1-based line; 0 when the problem concerns the whole file.
    pub line: u64,
    /// 1-based character column where the offending field starts; 0 for a whole line.
    pub column: u64,
    /// What is wrong, quoting the value.
    pub cause: String,
    /// What to do about it.
    pub fix: String,
}

/// `file:line:column:`, `file:line:` for a whole line, `file:` for a whole file or a flag:
/// a position is shown only where there is one.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.file)?;
        if self.line > 0 {
            write!(f, "{}:", self.line)?;
            if self.column > 0 {
                write!(f, "{}:", self.column)?;
            }
        }
        write!(f, " {}\n  fix: {}", self.cause, self.fix)
    }
}

/// Every problem found in the inputs; nothing is planned from them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputErrors(pub Vec<Diagnostic>);

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} problem(s) in the input; nothing was planned:", self.0.len())?;
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputErrors {}
