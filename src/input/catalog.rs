//! The instance catalog CSV: one row per instance type, either the user's file or the
//! catalog built into the binary, checked with the same rules.

use std::collections::BTreeMap;
use std::path::Path;

use super::table::{self, Fields, Schema, Table};
use super::InputErrors;
use crate::ecs::catalog::{Catalog, InstanceType, BUILT_IN_CSV, BUILT_IN_NAME};
use crate::ecs::rules::TypePatterns;
use crate::ecs::workload::CpuArch;

/// The catalog's columns in the order of `docs/inputs.md`: the first eleven required, the rest optional.
pub const COLUMNS: [&str; 14] = [
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
    "awsvpc_tasks",
    "registered_memory_mib",
    "zones",
];

pub(crate) const SCHEMA: Schema = Schema {
    required: COLUMNS.split_at(11).0,
    optional: COLUMNS.split_at(11).1,
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
                let first = *first_line.entry(cell.text.to_ascii_lowercase()).or_insert(row.line);
                if first != row.line {
                    fields.report(
                        cell,
                        format!(
                            "the instance type `{}` is listed twice: on line {first} and on line {}",
                            cell.text, row.line
                        ),
                        "keep one row per instance type",
                    );
                }
            }
            if let Some(t) = instance_type(&mut fields) {
                types.push(t);
            }
        }
    }
    if diagnostics.is_empty() {
        Ok(Catalog {
            types,
            restriction: None,
        })
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
    let price_usd_hour = fields.price("price_usd_hour");
    let awsvpc_tasks = fields.optional_number(
        "awsvpc_tasks",
        MAX_U32,
        "write ECS's awsvpc task limit without trunking as a whole number, or leave it empty for max_enis - 1",
    );
    let registered_memory_mib = registered_memory(fields, memory_mib);
    let zones = zone_patterns(fields);
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
        zones: zones?,
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

/// `zones`: `;`-separated zone names or glob patterns; empty means every zone. A name no
/// plan uses is not an error (a catalog serves several regions).
fn zone_patterns(fields: &mut Fields) -> Option<Vec<String>> {
    let zones: Vec<String> = table::list(fields.text("zones")).map(String::from).collect();
    for pattern in &zones {
        if let Err(cause) = TypePatterns::new(std::slice::from_ref(pattern)) {
            let cell = fields.cell("zones").expect("patterns come from the cell");
            fields.report(
                cell,
                format!("`zones`: {cause}"),
                "write `;`-separated zone names or glob patterns, e.g. `us-east-1a;us-east-1b` or `us-east-1*`, or leave it empty for every zone",
            );
            return None;
        }
    }
    Some(zones)
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

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "instance_type,family,vcpu,memory_mib,arch,gpus,max_enis,ipv4_per_eni,trunking,awsvpc_trunk_tasks,price_usd_hour";

    fn problems(rows: &str) -> Vec<(u64, u64, String)> {
        match parse_catalog(&format!("{HEADER}\n{rows}"), "c.csv") {
            Ok(c) => panic!("expected problems, parsed {c:?}"),
            Err(e) => e.0.into_iter().map(|d| (d.line, d.column, d.cause)).collect(),
        }
    }

    #[test]
    fn the_built_in_catalog_is_valid_and_complete() {
        let c = read_catalog(None).unwrap();
        assert_eq!(c.types.len(), 766);
        let m5 = c.find("m5.large").unwrap();
        assert_eq!(
            (m5.vcpu, m5.memory_mib, m5.max_enis, m5.awsvpc_trunk_tasks),
            (2, 8192, 3, Some(10))
        );
        assert_eq!((m5.trunking, m5.price_usd_hour, m5.line), (Some(true), 0.096, 271));
        // Multi-network-card types carry ECS's awsvpc figure, or a conservative estimate.
        assert_eq!(c.find("c6in.32xlarge").unwrap().awsvpc_tasks, Some(13));
        assert_eq!(c.find("g6e.48xlarge").unwrap().awsvpc_tasks, Some(9));
        assert!(c.types.iter().all(|t| t.registered_memory_mib.is_none()));
        assert_eq!(c.types.iter().filter(|t| t.trunking.is_none()).count(), 313);
        assert_eq!(c.types[0].line, 2);
    }

    #[test]
    fn columns_in_any_order_with_bom_crlf_and_optional_columns() {
        let text = "\u{feff}price_usd_hour,instance_type,family,vcpu,memory_mib,arch,gpus,max_enis,ipv4_per_eni,trunking,awsvpc_trunk_tasks,registered_memory_mib,awsvpc_tasks\r\n\
                    0.5,x.big,x,4,16384,ARM64,0,16,30,,,15900,13\r\n\
                    0,x.small,x,1,2048,x86_64,1,2,4,false,,,\r\n";
        let c = parse_catalog(text, "c.csv").unwrap();
        let big = &c.types[0];
        assert_eq!(
            (big.arch, big.price_usd_hour, big.trunking),
            (CpuArch::Arm64, 0.5, None)
        );
        assert_eq!((big.registered_memory_mib, big.awsvpc_tasks), (Some(15900), Some(13)));
        let small = &c.types[1];
        assert_eq!(
            (small.trunking, small.gpus, small.price_usd_hour, small.line),
            (Some(false), 1, 0.0, 3)
        );
    }

    #[test]
    fn numbers_prices_and_arch_are_checked() {
        let p = problems(
            "a.1,a,0,8192,x86_64,0,3,10,,,0.1\n\
             a.2,a,2,0,x86_64,0,3,10,,,0.1\n\
             a.3,a,2,8192,sparc,x,3,10,,,0.1\n\
             a.4,a,2,8192,x86_64,0,0,-1,,,-0.1\n\
             a.5,a,2,8192,x86_64,0,3,10,,,NaN\n\
             a.6,a,2,8192,x86_64,0,3,10,,,inf\n",
        );
        let expected = [
            (2, 7, "`vcpu` is `0`"),
            (3, 9, "`memory_mib` is `0`"),
            (4, 14, "`arch` is `sparc`, not an architecture"),
            (4, 20, "`gpus` is `x`, not a number"),
            (5, 23, "`max_enis` is `0`"),
            (5, 25, "`ipv4_per_eni` is `-1`, a negative number"),
            (5, 30, "`price_usd_hour` is `-0.1`, not a price of 0 or more"),
            (6, 30, "`price_usd_hour` is `NaN`, not a price of 0 or more"),
            (7, 30, "`price_usd_hour` is `inf`, not a price of 0 or more"),
        ];
        assert_eq!(p, expected.map(|(l, c, m)| (l, c, m.to_string())));
    }

    #[test]
    fn trunk_tasks_go_with_trunking_true() {
        let p = problems(
            "a.1,a,2,8192,x86_64,0,3,10,yes,,0.1\n\
             a.2,a,2,8192,x86_64,0,3,10,true,,0.1\n\
             a.3,a,2,8192,x86_64,0,3,10,false,10,0.1\n\
             a.4,a,2,8192,x86_64,0,3,10,,10,0.1\n\
             a.5,a,2,8192,x86_64,0,3,10,TRUE,10,0.1\n",
        );
        let expected = [
            (2, 28, "`trunking` is `yes`, not true or false"),
            (3, 33, "`awsvpc_trunk_tasks` is empty but `trunking` is true"),
            (4, 34, "`awsvpc_trunk_tasks` is `10` but `trunking` is false"),
            (5, 29, "`awsvpc_trunk_tasks` is `10` but `trunking` is empty (unknown)"),
        ];
        assert_eq!(p, expected.map(|(l, c, m)| (l, c, m.to_string())));
    }

    #[test]
    fn duplicate_types_are_named_with_both_lines() {
        let p = problems("m5.large,m5,2,8192,x86_64,0,3,10,,,0.1\nM5.Large,m5,2,8192,x86_64,0,3,10,,,0.1\n");
        assert_eq!(
            p,
            [(
                3,
                1,
                "the instance type `M5.Large` is listed twice: on line 2 and on line 3".to_string()
            )]
        );
    }

    #[test]
    fn empty_names_and_registered_memory_above_nominal() {
        let text = format!(
            "{HEADER},registered_memory_mib\n,,2,8192,x86_64,0,3,10,,,0.1,\na.1,a,2,8192,x86_64,0,3,10,,,0.1,8193\n"
        );
        let e = parse_catalog(&text, "c.csv").unwrap_err();
        let causes: Vec<&str> = e.0.iter().map(|d| d.cause.as_str()).collect();
        assert_eq!(
            causes,
            [
                "`instance_type` is empty",
                "`family` is empty",
                "`registered_memory_mib` is `8193`, outside 1 to the nominal memory_mib 8192"
            ]
        );
    }

    #[test]
    fn a_header_alone_or_a_missing_column_is_reported() {
        let e = parse_catalog(HEADER, "c.csv").unwrap_err();
        assert_eq!(e.0[0].cause, "the file has a header but no instance type rows");
        let e = parse_catalog("instance_type,vcpu\nm5.large,2\n", "c.csv").unwrap_err();
        assert!(
            e.0[0]
                .cause
                .starts_with("the required columns `family`, `memory_mib`, `arch`"),
            "{}",
            e.0[0].cause
        );
    }

    #[test]
    fn a_missing_file_is_a_problem_on_line_zero() {
        let e = read_catalog(Some(Path::new("/nonexistent/catalog.csv"))).unwrap_err();
        assert_eq!(
            (e.0[0].line, e.0[0].column, e.0[0].file.as_str()),
            (0, 0, "/nonexistent/catalog.csv")
        );
        assert!(e.0[0].cause.starts_with("cannot read the file"));
    }
}
