//! The workload CSV: one row per service. Reading it checks every value on its own and
//! every rule a row breaks by itself (ports by network mode, reserved ports, duplicates);
//! `validate_against_catalog` adds what only shows against the instance types.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::table::{self, Fields, Schema, Table};
use super::{Diagnostic, InputErrors};
use crate::ecs::catalog::Catalog;
use crate::ecs::rules::{self, Figures, Resource, TypePatterns, RESERVED_PORTS};
use crate::ecs::workload::{ImageArch, NetworkMode, Service, Workload};

const SCHEMA: Schema = Schema {
    required: &["service", "cpu", "memory_mib", "count"],
    optional: &[
        "network_mode",
        "host_ports",
        "gpus",
        "arch",
        "instance_types",
        "distinct_instance",
    ],
    row_noun: "service",
};

const MAX: u64 = u32::MAX as u64;

/// Reads and validates a workload file.
pub fn read_workload(path: &Path) -> Result<Workload, InputErrors> {
    let file = path.display().to_string();
    let text = table::read_text(path, &file, "check the path given to --workload").map_err(|d| InputErrors(vec![d]))?;
    parse_workload(&text, &file)
}

/// Parses and validates workload CSV text; `file` names it in messages.
pub fn parse_workload(text: &str, file: &str) -> Result<Workload, InputErrors> {
    let mut diagnostics = Vec::new();
    let mut services = Vec::new();
    if let Some(table) = Table::read(text, file, &SCHEMA, &mut diagnostics) {
        let mut first_line: BTreeMap<&str, u64> = BTreeMap::new();
        for row in &table.rows {
            let mut fields = Fields::new(&table, row, file, &mut diagnostics);
            if let Some(cell) = fields.cell("service") {
                if !cell.text.is_empty() {
                    if let Some(first) = first_line.insert(&cell.text, row.line) {
                        first_line.insert(&cell.text, first);
                        fields.report(
                            cell,
                            format!(
                                "the service `{}` is declared twice: on line {first} and on line {}",
                                cell.text, row.line
                            ),
                            "give each service a unique name, or merge the two rows into one",
                        );
                    }
                }
            }
            if let Some(service) = service(&mut fields) {
                services.push(service);
            }
        }
    }
    if diagnostics.is_empty() {
        Ok(Workload { services })
    } else {
        diagnostics.sort_by_key(|d| (d.line, d.column));
        Err(InputErrors(diagnostics))
    }
}

/// The service of one row, or `None` when a value is wrong (each problem reported).
fn service(fields: &mut Fields) -> Option<Service> {
    let name = fields.cell("service").and_then(|cell| {
        if cell.text.is_empty() {
            fields.report(cell, "`service` is empty".into(), "name the service, e.g. `api`");
            return None;
        }
        Some(cell.text.clone())
    });
    let cpu = fields.number(
        "cpu",
        MAX,
        "write the CPU units of one task as a whole number, e.g. 512 (1024 = 1 vCPU)",
    );
    let memory_mib = fields.number(
        "memory_mib",
        MAX,
        "write the memory ECS reserves for one task, in MiB, as a whole number, e.g. 1024",
    );
    if let (Some(0), Some(cell)) = (memory_mib, fields.cell("memory_mib")) {
        fields.report(
            cell,
            "`memory_mib` is `0`: ECS needs a memory reservation for every task".into(),
            "write the memory of one task in MiB, e.g. 512",
        );
    }
    let count = fields.number(
        "count",
        MAX,
        "write the desired number of tasks as a whole number, e.g. 3",
    );
    let gpus = fields.optional_number(
        "gpus",
        MAX,
        "write the GPUs of one task as a whole number, or leave it empty for 0",
    );

    let network_mode = match fields.cell("network_mode") {
        None => Some(NetworkMode::Default),
        Some(cell) => NetworkMode::parse(&cell.text).or_else(|| {
            fields.report(
                cell,
                format!("`network_mode` is `{}`, not a network mode", cell.text),
                "write one of host, bridge, awsvpc, none, default (or leave it empty for default)",
            );
            None
        }),
    };
    let host_ports = host_ports(fields, network_mode);

    let arch = match fields.cell("arch") {
        None => Some(ImageArch::Any),
        Some(cell) => ImageArch::parse(&cell.text).or_else(|| {
            let hint = match cell.text.to_ascii_lowercase().as_str() {
                "amd64" | "x86-64" | "x64" | "intel" => "did you mean x86_64? ",
                "aarch64" | "arm" | "graviton" => "did you mean arm64? ",
                _ => "",
            };
            fields.report(
                cell,
                format!("`arch` is `{}`, not an architecture", cell.text),
                format!("{hint}write one of x86_64, arm64, any (or leave it empty for any)"),
            );
            None
        }),
    };

    let instance_types: Vec<String> = table::list(fields.text("instance_types")).map(String::from).collect();
    let mut patterns_valid = true;
    for pattern in &instance_types {
        if let Err(cause) = TypePatterns::new(std::slice::from_ref(pattern)) {
            let cell = fields.cell("instance_types").expect("patterns come from the cell");
            fields.report(
                cell,
                format!("`instance_types`: {cause}"),
                "write `;`-separated glob patterns using `*`, `?` and `[...]`, e.g. `m6i.*;c6g.*`",
            );
            patterns_valid = false;
        }
    }

    let distinct_instance = match fields.cell("distinct_instance") {
        None => Some(false),
        Some(cell) => match table::boolean(&cell.text) {
            Ok(value) => Some(value.unwrap_or(false)),
            Err(()) => {
                fields.report(
                    cell,
                    format!("`distinct_instance` is `{}`, not true or false", cell.text),
                    "write true (at most one task of the service per instance) or false; empty means false",
                );
                None
            }
        },
    };

    Some(Service {
        name: name?,
        cpu: cpu? as u32,
        memory_mib: memory_mib.filter(|&m| m > 0)? as u32,
        count: count? as u32,
        network_mode: network_mode?,
        host_ports: host_ports?,
        gpus: gpus?.unwrap_or(0) as u32,
        arch: arch?,
        instance_types: patterns_valid.then_some(instance_types)?,
        distinct_instance: distinct_instance?,
        line: fields.row.line,
    })
}

/// The host ports of one row, checked against its network mode (`None` when the mode
/// itself is wrong: the ports are checked once it is fixed).
fn host_ports(fields: &mut Fields, mode: Option<NetworkMode>) -> Option<Vec<u16>> {
    let Some(cell) = fields.cell("host_ports") else {
        return Some(Vec::new());
    };
    let mut ports = Vec::new();
    let mut valid = true;
    for entry in table::list(&cell.text) {
        match entry.parse::<u16>() {
            Ok(port) => ports.push(port),
            Err(_) => {
                fields.report(
                    cell,
                    format!("`host_ports` has `{entry}`, not a port number from 0 to 65535"),
                    "write `;`-separated port numbers, e.g. `80;443`, and `0` for a dynamic mapping in bridge mode",
                );
                valid = false;
            }
        }
    }
    let mode = mode?;
    if !ports.is_empty() && matches!(mode, NetworkMode::Awsvpc | NetworkMode::None) {
        let why = match mode {
            NetworkMode::Awsvpc => "each awsvpc task has its own network interface and binds no host port",
            _ => "a task in network mode none has no networking",
        };
        fields.report(
            cell,
            format!("`host_ports` is `{}` but the network mode is {mode}: {why}", cell.text),
            format!("leave host_ports empty for {mode} services, or change the network mode to bridge or host"),
        );
        return None;
    }
    for (i, &port) in ports.iter().enumerate() {
        let first = !ports[..i].contains(&port);
        if port == 0 && mode == NetworkMode::Host && first {
            fields.report(
                cell,
                "`host_ports` has `0` in host mode, which has no dynamic port mapping".into(),
                "give the port the container listens on, or use bridge mode for a dynamic (`0`) mapping",
            );
            valid = false;
        } else if RESERVED_PORTS.contains(&port) && first {
            let reserved = RESERVED_PORTS.map(|p| p.to_string()).join(", ");
            fields.report(
                cell,
                format!("`host_ports` has `{port}`, a port the ECS agent reserves on every instance ({reserved})"),
                "map the container to another host port",
            );
            valid = false;
        } else if port != 0 && !first && !ports[i + 1..].contains(&port) && !RESERVED_PORTS.contains(&port) {
            fields.report(
                cell,
                format!("`host_ports` lists `{port}` twice (`{}`)", cell.text),
                "list each host port once",
            );
            valid = false;
        }
    }
    valid.then_some(ports)
}

/// Problems that only show against the catalog: a value beyond every instance type, an
/// `instance_types` pattern that matches no type. `catalog` is the whole catalog, before
/// `--types`: what a mix of filters excludes is "no plan exists", explained elsewhere.
/// Services with no tasks are not checked against the catalog.
pub fn validate_against_catalog(
    workload: &Workload,
    catalog: &Catalog,
    figures: &Figures,
    file: &str,
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let problem = |line: u64, cause: String, fix: String| Diagnostic {
        file: file.to_string(),
        line,
        column: 0,
        cause,
        fix,
    };
    // The largest figure of each resource, and the first type that offers it.
    let mut largest: Vec<(u64, &str)> = vec![(0, ""); Resource::ALL.len()];
    for t in &catalog.types {
        let capacity = figures.capacity(t);
        for r in Resource::ALL {
            if capacity[r as usize] > largest[r as usize].0 || largest[r as usize].1.is_empty() {
                largest[r as usize] = (capacity[r as usize], &t.instance_type);
            }
        }
    }
    let names = || catalog.types.iter().map(|t| t.instance_type.as_str());
    let families: BTreeSet<&str> = catalog.types.iter().map(|t| t.family.as_str()).collect();
    for s in workload.services.iter().filter(|s| s.count > 0) {
        let need = rules::task_usage(s);
        for r in Resource::ALL {
            let (have, offered_by) = largest[r as usize];
            if catalog.types.is_empty() || need[r as usize] <= have {
                continue;
            }
            let (cause, fix) = beyond_every_type(s, r, need[r as usize], have, offered_by, figures);
            diagnostics.push(problem(s.line, cause, fix));
        }
        let Ok(patterns) = TypePatterns::new(&s.instance_types) else {
            continue;
        };
        for pattern in patterns.unmatched(names()) {
            let family = pattern.split('.').next().unwrap_or("");
            let hint = match table::closest(family, families.iter().copied()) {
                Some(near) if near != family => {
                    format!("did you mean `{}`? ", pattern.replacen(family, near, 1))
                }
                _ => String::new(),
            };
            diagnostics.push(problem(
                s.line,
                format!("service `{}`: the `instance_types` pattern `{pattern}` matches no instance type of the catalog", s.name),
                format!("{hint}check the spelling (patterns match whole names, e.g. `m6i.*`); `ecsplan catalog` lists the types"),
            ));
        }
    }
    diagnostics
}

/// The cause and fix when one task of `s` needs more of `r` than any instance type has.
fn beyond_every_type(
    s: &Service,
    r: Resource,
    need: u64,
    have: u64,
    offered_by: &str,
    figures: &Figures,
) -> (String, String) {
    let after_headroom = if figures.headroom > 0.0 && matches!(r, Resource::Cpu | Resource::Memory) {
        format!(" after {} % headroom", figures.headroom * 100.0)
    } else {
        String::new()
    };
    let largest = format!("the largest is {} ({offered_by}){after_headroom}", r.describe(have));
    let name = &s.name;
    match r {
        Resource::Cpu => (
            format!("service `{name}`: `cpu` is {need} CPU units per task, more than any instance type offers: {largest}"),
            "lower `cpu` (1024 = 1 vCPU), or use a catalog with larger instance types".into(),
        ),
        Resource::Memory => (
            format!(
                "service `{name}`: `memory_mib` is {need} MiB per task, more than any instance type registers for tasks: {largest}"
            ),
            "lower `memory_mib` (ECS registers less than the nominal memory: see --memory-overhead-pct), or use a catalog with larger instance types".into(),
        ),
        Resource::Gpus => (
            format!("service `{name}`: `gpus` is {need} per task, more than any instance type has: {largest}"),
            "lower `gpus`, or use a catalog with larger GPU instance types".into(),
        ),
        Resource::AwsvpcTasks => (
            format!("service `{name}`: `network_mode` is awsvpc, but no instance type of the catalog can run an awsvpc task: {largest}"),
            "use another network mode, or a catalog whose types have at least 2 network interfaces".into(),
        ),
        Resource::StaticPorts => (
            format!("service `{name}`: `host_ports` binds {need} static host ports per task, more than an instance holds: {largest}"),
            "bind fewer static host ports, or use dynamic (`0`) mappings in bridge mode".into(),
        ),
        Resource::DynamicPorts => (
            format!("service `{name}`: `host_ports` takes {need} dynamic host ports per task, more than the dynamic port range holds: {largest}"),
            "use fewer dynamic mappings, or widen --dynamic-port-range".into(),
        ),
    }
}
