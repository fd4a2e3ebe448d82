//! Validated inputs of a planning run: the workload and the catalog read and checked
//! against each other, the rule figures, and the `--types` restriction. `cmd` turns flags
//! into these; `planner`, `compare` and tests start from them.

use std::path::Path;

use crate::ecs::catalog::Catalog;
use crate::ecs::rules::{Figures, TypePatterns};
use crate::ecs::workload::Workload;
use crate::input::{self, Diagnostic, InputErrors};

/// Validated inputs of a planning command.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub workload: Workload,
    /// The catalog after `--types`.
    pub catalog: Catalog,
    /// The whole catalog, for `check` to tell a type excluded by `--types` from an unknown one.
    pub whole_catalog: Catalog,
    pub figures: Figures,
    pub types: TypePatterns,
}

/// Reads the workload and the catalog (`None`: the built-in one) and applies the rule
/// figures and the `--types` restriction, reporting every input problem of both files at
/// once.
pub fn load(
    workload_path: &Path,
    catalog_path: Option<&Path>,
    figures: Figures,
    types: TypePatterns,
) -> Result<Inputs, InputErrors> {
    let workload = input::read_workload(workload_path);
    let catalog = input::read_catalog(catalog_path);
    let (workload, catalog) = match (workload, catalog) {
        (Ok(w), Ok(c)) => (w, c),
        (w, c) => {
            let mut all = Vec::new();
            all.extend(c.err().map(|e| e.0).unwrap_or_default());
            all.extend(w.err().map(|e| e.0).unwrap_or_default());
            return Err(InputErrors(all));
        }
    };
    // Values beyond every type of the whole catalog are input errors; what `--types`
    // excludes is explained as "no plan exists" instead.
    let file = input::workload_name(workload_path);
    let problems = input::validate_against_catalog(&workload, &catalog, &figures, &file);
    if !problems.is_empty() {
        return Err(InputErrors(problems));
    }
    let whole_catalog = catalog.clone();
    let catalog = restrict(catalog, &types)?;
    Ok(Inputs {
        workload,
        catalog,
        whole_catalog,
        figures,
        types,
    })
}

/// Keeps the catalog types that `--types` allows; a pattern that matches none is an error.
pub fn restrict(mut catalog: Catalog, types: &TypePatterns) -> Result<Catalog, InputErrors> {
    let unmatched = types.unmatched(catalog.types.iter().map(|t| t.instance_type.as_str()));
    if !unmatched.is_empty() {
        return Err(InputErrors(
            unmatched
                .into_iter()
                .map(|p| Diagnostic {
                    file: "--types".into(),
                    line: 0,
                    column: 0,
                    cause: format!("the pattern `{p}` matches no instance type of the catalog"),
                    fix: "check the spelling (e.g. `m6i.*`), or run `ecsplan catalog` to list the types".into(),
                })
                .collect(),
        ));
    }
    catalog.types.retain(|t| types.allows(&t.instance_type));
    Ok(catalog)
}
