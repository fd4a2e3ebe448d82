//! Validated inputs of a planning run: the workload and the catalog read and checked
//! against each other, the rule figures, and the `--types` restriction. `cmd` turns flags
//! into these; `planner`, `compare` and tests start from them.

use std::path::Path;

use crate::ecs::catalog::Catalog;
use crate::ecs::lower::NoPlan;
use crate::ecs::prices::Overlaid;
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
    /// The `--prices` overlay applied to both catalogs, and what it changed.
    pub prices: Option<Overlaid>,
}

/// Why the inputs cannot be planned from.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Malformed input: every problem of both files.
    #[error(transparent)]
    Input(#[from] InputErrors),
    /// Well-formed, but some task is larger than every instance type of the catalog.
    #[error(transparent)]
    NoPlan(#[from] NoPlan),
}

/// Reads the workload, the catalog (`None`: the built-in one) and the price overlay, and
/// applies the rule figures and the `--types` restriction, reporting every input problem
/// of the files at once.
pub fn load(
    workload_path: &Path,
    catalog_path: Option<&Path>,
    prices_path: Option<&Path>,
    figures: Figures,
    types: TypePatterns,
) -> Result<Inputs, LoadError> {
    let file = input::workload_name(workload_path);
    from_workload(
        input::read_workload(workload_path),
        &file,
        catalog_path,
        prices_path,
        figures,
        types,
    )
}

/// As [`load`], for a workload already read (or imported) from `file`, or the problems
/// found reading it.
pub fn from_workload(
    workload: Result<Workload, InputErrors>,
    file: &str,
    catalog_path: Option<&Path>,
    prices_path: Option<&Path>,
    figures: Figures,
    types: TypePatterns,
) -> Result<Inputs, LoadError> {
    let catalog = read_priced_catalog(catalog_path, prices_path);
    let (workload, (catalog, prices)) = match (workload, catalog) {
        (Ok(w), Ok(c)) => (w, c),
        (w, c) => {
            let mut all = Vec::new();
            all.extend(c.err().map(|e| e.0).unwrap_or_default());
            all.extend(w.err().map(|e| e.0).unwrap_or_default());
            return Err(InputErrors(all).into());
        }
    };
    // A pattern that matches no type is an input error; a task larger than every type of
    // the whole catalog is "no plan exists", as is what `--types` excludes (explained
    // when the plan is lowered).
    let problems = input::validate_against_catalog(&workload, &catalog, file);
    if !problems.is_empty() {
        return Err(InputErrors(problems).into());
    }
    let unplaceable = input::beyond_every_type(&workload, &catalog, &figures, file);
    if !unplaceable.is_empty() {
        return Err(NoPlan {
            reasons: unplaceable
                .iter()
                .map(|d| d.to_string().replace('\n', "\n  "))
                .collect(),
        }
        .into());
    }
    let whole_catalog = catalog.clone();
    let catalog = restrict(catalog, &types)?;
    Ok(Inputs {
        workload,
        catalog,
        whole_catalog,
        figures,
        types,
        prices,
    })
}

/// Reads the catalog and the price overlay, and sets the overlay's prices in the catalog;
/// an overlay row that matches no type of the catalog is an error.
pub fn read_priced_catalog(
    catalog_path: Option<&Path>,
    prices_path: Option<&Path>,
) -> Result<(Catalog, Option<Overlaid>), InputErrors> {
    let catalog = input::read_catalog(catalog_path);
    let Some(prices_path) = prices_path else {
        return catalog.map(|c| (c, None));
    };
    let (mut catalog, overlay) = match (catalog, input::read_prices(prices_path)) {
        (Ok(c), Ok(o)) => (c, o),
        (c, o) => {
            let mut all = c.err().map(|e| e.0).unwrap_or_default();
            all.extend(o.err().map(|e| e.0).unwrap_or_default());
            return Err(InputErrors(all));
        }
    };
    match overlay.apply(&mut catalog) {
        Ok(overlaid) => Ok((catalog, Some(overlaid))),
        Err(unmatched) => Err(InputErrors(input::prices::unmatched(&overlay, &unmatched))),
    }
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
    if !types.is_empty() {
        catalog.restriction = Some(types.display());
    }
    Ok(catalog)
}
