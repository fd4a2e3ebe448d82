//! The instance catalog CSV: one row per instance type, either the user's file or the
//! catalog built into the binary, checked with the same rules.

use std::collections::BTreeMap;
use std::path::Path;

use super::table::{self, Fields, Schema, Table};
use super::InputErrors;
use crate::ecs::catalog::{Catalog, InstanceType, BUILT_IN_CSV, BUILT_IN_NAME};
use crate::ecs::workload::CpuArch;

const SCHEMA: Schema = Schema {
    required: &[
        "instance_type",
        "family",
        "vcpu",
        "memory_mib",
        "arch",
        "gpus",
        "max_enis",
        "ipv4_per_eni",
        "trunking",
        "awsvpc_trunk_tasks",
        "price_usd_hour",
    ],
    optional: &["awsvpc_tasks", "registered_memory_mib"],
    row_noun: "instance type",
};

const MAX_U32: u64 = u32::MAX as u64;

/// Reads a catalog file, or the built-in catalog when `path` is `None`.
pub fn read_catalog(path: Option<&Path>) -> Result<Catalog, InputErrors> {
    let Some(path) = path else {
        return parse_catalog(BUILT_IN_CSV, BUILT_IN_NAME);
    };
    let file = path.display().to_string();
    let text = table::read_text(
        path,
        &file,
        "check the path given to --catalog, or leave --catalog out to use the built-in catalog",
    )
    .map_err(|d| InputErrors(vec![d]))?;
    parse_catalog(&text, &file)
}

/// Parses and validates catalog CSV text; `file` names it in messages.
pub fn parse_catalog(text: &str, file: &str) -> Result<Catalog, InputErrors> {
    let mut diagnostics = Vec::new();
    let mut types = Vec::new();
    if let Some(table) = Table::read(text, file, &SCHEMA, &mut diagnostics) {
        // Instance type names are matched case-insensitively (`Catalog::find`).
        let mut first_line: BTreeMap<String, u64> = BTreeMap::new();
        for row in &table.rows {
            let mut fields = Fields::new(&table, row, file, &mut diagnostics);
            if let Some(cell) = fields.cell("instance_type").filter(|c| !c.text.is_empty()) {
                let key = cell.text.to_ascii_lowercase();
                match first_line.get(&key) {
                    Some(&first) => fields.report(
                        cell,
                        format!(
                            "the instance type `{}` is listed twice: on line {first} and on line {}",
                            cell.text, row.line
                        ),
                        "keep one row per instance type",
                    ),
                    None => {
                        first_line.insert(key, row.line);
                    }
                }
            }
            if let Some(t) = instance_type(&mut fields) {
                types.push(t);
            }
        }
    }
    if diagnostics.is_empty() {
        Ok(Catalog { types })
    } else {
        diagnostics.sort_by_key(|d| (d.line, d.column));
        Err(InputErrors(diagnostics))
    }
}

/// The instance type of one row, or `None` when a value is wrong (each problem reported).
fn instance_type(fields: &mut Fields) -> Option<InstanceType> {
    let name = non_empty(
        fields,
        "instance_type",
        "write the EC2 instance type name, e.g. `m6i.large`",
    );
    let family = non_empty(fields, "family", "write the instance family, e.g. `m6i` for m6i.large");
    let vcpu = positive(
        fields,
        "vcpu",
        MAX_U32,
        "write the number of vCPUs as a whole number above 0, e.g. 2",
    );
    let memory_mib = positive(
        fields,
        "memory_mib",
        u64::MAX,
        "write the nominal memory in MiB as a whole number above 0, e.g. 8192",
    );
    let arch = fields.cell("arch").and_then(|cell| {
        CpuArch::parse(&cell.text).or_else(|| {
            fields.report(
                cell,
                format!("`arch` is `{}`, not an architecture", cell.text),
                "write x86_64 or arm64",
            );
            None
        })
    });
    let gpus = fields.number(
        "gpus",
        MAX_U32,
        "write the number of GPUs as a whole number, 0 for none",
    );
    let max_enis = positive(
        fields,
        "max_enis",
        MAX_U32,
        "write the maximum number of network interfaces (EC2 `MaximumNetworkInterfaces`), at least 1",
    );
    let ipv4_per_eni = fields.number(
        "ipv4_per_eni",
        MAX_U32,
        "write the IPv4 addresses per interface as a whole number",
    );
    let trunking = fields.cell("trunking").and_then(|cell| {
        table::boolean(&cell.text)
            .map_err(|()| {
                fields.report(
                    cell,
                    format!("`trunking` is `{}`, not true or false", cell.text),
                    "write true or false, or leave it empty when ECS ENI trunking support is unknown",
                )
            })
            .ok()
    });
    let awsvpc_trunk_tasks = trunk_tasks(fields, trunking);
    let price_usd_hour = fields
        .cell("price_usd_hour")
        .and_then(|cell| match cell.text.parse::<f64>() {
            Ok(p) if p.is_finite() && p >= 0.0 => Some(p),
            _ => {
                fields.report(
                    cell,
                    format!("`price_usd_hour` is `{}`, not a price of 0 or more", cell.text),
                    "write the price per hour in US dollars, e.g. 0.096",
                );
                None
            }
        });
    let awsvpc_tasks = fields.optional_number(
        "awsvpc_tasks",
        MAX_U32,
        "write ECS's awsvpc task limit without trunking as a whole number, or leave it empty for max_enis - 1",
    );
    let registered_memory_mib = registered_memory(fields, memory_mib);
    Some(InstanceType {
        instance_type: name?,
        family: family?,
        vcpu: vcpu? as u32,
        memory_mib: memory_mib?,
        arch: arch?,
        gpus: gpus? as u32,
        max_enis: max_enis? as u32,
        ipv4_per_eni: ipv4_per_eni? as u32,
        trunking: trunking?,
        awsvpc_trunk_tasks: awsvpc_trunk_tasks?.map(|n| n as u32),
        price_usd_hour: price_usd_hour?,
        awsvpc_tasks: awsvpc_tasks?.map(|n| n as u32),
        registered_memory_mib: registered_memory_mib?,
        line: fields.row.line,
    })
}

/// `awsvpc_trunk_tasks`, which is filled exactly when `trunking` is true.
fn trunk_tasks(fields: &mut Fields, trunking: Option<Option<bool>>) -> Option<Option<u64>> {
    let fix = "write ECS's task limit with ENI trunking for this type, e.g. 10";
    let tasks = fields.optional_number("awsvpc_trunk_tasks", MAX_U32, fix)?;
    let cell = fields.cell("awsvpc_trunk_tasks")?;
    match (trunking?, tasks) {
        (Some(true), None) => {
            fields.report(cell, "`awsvpc_trunk_tasks` is empty but `trunking` is true".into(), fix);
            None
        }
        (trunking, Some(_)) if trunking != Some(true) => {
            let value = if trunking.is_some() { "false" } else { "empty (unknown)" };
            fields.report(
                cell,
                format!("`awsvpc_trunk_tasks` is `{}` but `trunking` is {value}", cell.text),
                "leave awsvpc_trunk_tasks empty, or set trunking to true if ECS supports ENI trunking on this type",
            );
            None
        }
        _ => Some(tasks),
    }
}

/// `registered_memory_mib`, a measured figure that cannot exceed the nominal memory.
fn registered_memory(fields: &mut Fields, nominal: Option<u64>) -> Option<Option<u64>> {
    let fix = "write the memory the ECS agent registers on this type in MiB, or leave it empty to estimate it";
    let registered = fields.optional_number("registered_memory_mib", u64::MAX, fix)?;
    match (registered, nominal, fields.cell("registered_memory_mib")) {
        (Some(r), Some(nominal), Some(cell)) if r == 0 || r > nominal => {
            fields.report(
                cell,
                format!(
                    "`registered_memory_mib` is `{}`, outside 1 to the nominal memory_mib {nominal}",
                    cell.text
                ),
                fix,
            );
            None
        }
        _ => Some(registered),
    }
}

/// A required text value.
fn non_empty(fields: &mut Fields, column: &str, fix: &str) -> Option<String> {
    let cell = fields.cell(column)?;
    if cell.text.is_empty() {
        fields.report(cell, format!("`{column}` is empty"), fix);
        return None;
    }
    Some(cell.text.clone())
}

/// A required whole number in `1..=max`.
fn positive(fields: &mut Fields, column: &str, max: u64, fix: &str) -> Option<u64> {
    let n = fields.number(column, max, fix)?;
    if n == 0 {
        let cell = fields.cell(column).expect("the number came from this cell");
        fields.report(cell, format!("`{column}` is `0`"), fix);
        return None;
    }
    Some(n)
}
