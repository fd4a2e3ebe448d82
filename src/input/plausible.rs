//! Figures that read correctly but are probably in another unit: memory in GiB, CPU in
//! vCPUs, a monthly price. They are planned as given, and each is named on standard error
//! with its file, line and column, so that a plan on 1 % of a t4g.nano is not a surprise.

use std::path::Path;

use super::table::{self, Schema, Table};
use super::{catalog, workload, Diagnostic};

/// One column's test for an implausible value, and what to say about it.
struct Suspect {
    column: &'static str,
    implausible: fn(f64) -> bool,
    cause: fn(&str) -> String,
    fix: &'static str,
}

const WORKLOAD: [Suspect; 2] = [
    Suspect {
        column: "memory_mib",
        implausible: |mib| mib > 0.0 && mib < 64.0,
        cause: |text| format!("`memory_mib` is {text}: less than 64 MiB per task"),
        fix: "did you mean GiB × 1024 (2 GiB = 2048)? `memory_mib` is in MiB; planned as given",
    },
    Suspect {
        column: "cpu",
        implausible: |units| units > 0.0 && units <= 16.0,
        cause: |text| format!("`cpu` is {text} CPU units per task, at most 1/64 of a vCPU"),
        fix: "did you mean vCPUs × 1024 (2 vCPUs = 2048)? `cpu` is in CPU units; planned as given",
    },
];

const CATALOG: [Suspect; 3] = [
    Suspect {
        column: "memory_mib",
        implausible: |mib| mib > 0.0 && mib < 256.0,
        cause: |text| format!("`memory_mib` is {text}: less than the 512 MiB of the smallest EC2 type"),
        fix: "did you mean GiB × 1024 (8 GiB = 8192)? `memory_mib` is in MiB; used as given",
    },
    Suspect {
        column: "vcpu",
        implausible: |vcpu| vcpu >= 1024.0 && vcpu % 1024.0 == 0.0,
        cause: |text| format!("`vcpu` is {text}, a multiple of 1024: more vCPUs than any EC2 type has"),
        fix: "did you give CPU units? `vcpu` counts vCPUs (1024 units = 1 vCPU); used as given",
    },
    Suspect {
        column: "price_usd_hour",
        implausible: |price| price > 1000.0,
        cause: |text| format!("`price_usd_hour` is {text}: more than any EC2 type costs per hour"),
        fix: "did you give a price per month? a month is 730 hours; used as given",
    },
];

/// The implausible figures of a workload file (none when it cannot be read: that is an
/// error reported elsewhere).
pub fn workload_warnings(path: &Path) -> Vec<Diagnostic> {
    scan(path, &workload::SCHEMA, &WORKLOAD)
}

/// The implausible figures of a catalog file; the built-in catalog (`None`) has none.
pub fn catalog_warnings(path: Option<&Path>) -> Vec<Diagnostic> {
    path.map_or_else(Vec::new, |path| scan(path, &catalog::SCHEMA, &CATALOG))
}

fn scan(path: &Path, schema: &Schema, suspects: &[Suspect]) -> Vec<Diagnostic> {
    let file = path.display().to_string();
    let Ok(text) = table::read_text(path, &file, "") else {
        return Vec::new();
    };
    let mut ignored = Vec::new();
    let Some(table) = Table::read(&text, &file, schema, &mut ignored) else {
        return Vec::new();
    };
    let mut warnings = Vec::new();
    for row in &table.rows {
        for suspect in suspects {
            let Some(cell) = table.cell(row, suspect.column) else {
                continue;
            };
            if cell.text.parse::<f64>().is_ok_and(suspect.implausible) {
                warnings.push(Diagnostic {
                    file: file.clone(),
                    line: cell.line,
                    column: cell.column,
                    cause: (suspect.cause)(&cell.text),
                    fix: suspect.fix.into(),
                });
            }
        }
    }
    warnings.sort_by_key(|w| (w.line, w.column));
    warnings
}
