//! The price overlay CSV of `--prices`: `instance_type,price_usd_hour`, a glob pattern
//! and a price per row, read with every problem reported at once.

use std::path::Path;

use super::table::{self, Fields, Schema, Table};
use super::{Diagnostic, InputErrors};
use crate::ecs::prices::{PriceOverlay, PriceRule};

/// The overlay's columns, both required.
pub const COLUMNS: [&str; 2] = ["instance_type", "price_usd_hour"];

const SCHEMA: Schema = Schema {
    required: &COLUMNS,
    optional: &[],
    row_noun: "price",
};

/// Reads and validates a price overlay file.
pub fn read_prices(path: &Path) -> Result<PriceOverlay, InputErrors> {
    let file = path.display().to_string();
    let text = table::read_text(path, &file, "check the path given to --prices").map_err(|d| InputErrors(vec![d]))?;
    parse_prices(&text, &file)
}

/// Parses and validates overlay CSV text; `file` names it in messages.
pub fn parse_prices(text: &str, file: &str) -> Result<PriceOverlay, InputErrors> {
    let mut diagnostics = Vec::new();
    let mut rules = Vec::new();
    if let Some(table) = Table::read(text, file, &SCHEMA, &mut diagnostics) {
        for row in &table.rows {
            let mut fields = Fields::new(&table, row, file, &mut diagnostics);
            let price = fields.price("price_usd_hour");
            let Some(cell) = fields.cell("instance_type") else {
                continue;
            };
            if cell.text.is_empty() {
                fields.report(
                    cell,
                    "`instance_type` is empty".into(),
                    "write an instance type or a glob pattern, e.g. `m6i.large` or `m6i.*`",
                );
                continue;
            }
            match PriceRule::new(&cell.text, price.unwrap_or(0.0), cell.line, cell.column) {
                Ok(rule) if price.is_some() => rules.push(rule),
                Ok(_) => {}
                Err(cause) => fields.report(cell, cause, "use `*`, `?` and `[...]`, e.g. `m6i.*`"),
            }
        }
    }
    if diagnostics.is_empty() {
        Ok(PriceOverlay {
            file: file.to_string(),
            rules,
        })
    } else {
        diagnostics.sort_by_key(|d| (d.line, d.column));
        Err(InputErrors(diagnostics))
    }
}

/// The diagnostics for overlay rows that match no type of the catalog.
pub fn unmatched(overlay: &PriceOverlay, rules: &[&PriceRule]) -> Vec<Diagnostic> {
    rules
        .iter()
        .map(|r| Diagnostic {
            file: overlay.file.clone(),
            line: r.line,
            column: r.column,
            cause: format!("the instance type `{}` matches no type of the catalog", r.pattern),
            fix: "check the spelling (`ecsplan catalog` lists the types), or remove the row".into(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_row_is_reported() {
        let err = parse_prices(
            "instance_type,price_usd_hour\nm5.*,cheap\n,0.1\nm5[.large,0.1\nc6g.*,0.03\n",
            "p.csv",
        )
        .unwrap_err();
        let at: Vec<(u64, u64)> = err.0.iter().map(|d| (d.line, d.column)).collect();
        assert_eq!(at, [(2, 6), (3, 1), (4, 1)], "{err}");
    }

    #[test]
    fn rows_keep_file_order_and_position() {
        let o = parse_prices("price_usd_hour,instance_type\n0.04,m5.large\n0.07, m5.*\n", "p.csv").unwrap();
        let rows: Vec<(&str, f64, u64, u64)> = o
            .rules
            .iter()
            .map(|r| (r.pattern.as_str(), r.price_usd_hour, r.line, r.column))
            .collect();
        assert_eq!(rows, [("m5.large", 0.04, 2, 6), ("m5.*", 0.07, 3, 6)]);
    }
}
