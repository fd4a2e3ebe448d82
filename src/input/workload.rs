//! The workload CSV: one row per service. Reading it checks every value on its own and
//! every rule a row breaks by itself (ports by network mode, reserved ports, duplicates);
//! `validate_against_catalog` adds what only shows against the instance types.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use super::table::{self, Fields, Schema, Table};
use super::{Diagnostic, InputErrors};
use crate::ecs::catalog::Catalog;
use crate::ecs::rules::{self, Figures, Resource, TypePatterns, RESERVED_PORTS};
use crate::ecs::workload::{ImageArch, NetworkMode, Scheduling, Service, Workload};

/// The workload's columns in the order of `docs/inputs.md`: the first four required, the rest optional.
pub const COLUMNS: [&str; 12] = [
    "service",
    "cpu",
    "memory_mib",
    "count",
    "network_mode",
    "host_ports",
    "gpus",
    "arch",
    "instance_types",
    "distinct_instance",
    "container_ports",
    "scheduling",
];

pub(crate) const SCHEMA: Schema = Schema {
    required: COLUMNS.split_at(4).0,
    optional: COLUMNS.split_at(4).1,
    row_noun: "service",
};

const MAX: u64 = u32::MAX as u64;

/// Reads and validates a workload file; the path `-` reads standard input.
pub fn read_workload(path: &Path) -> Result<Workload, InputErrors> {
    let file = workload_name(path);
    let fix = "check the path given to --workload";
    let text = if path == Path::new(STDIN) {
        table::read_stdin(&file, fix)
    } else {
        table::read_text(path, &file, fix)
    };
    parse_workload(&text.map_err(|d| InputErrors(vec![d]))?, &file)
}

/// The `--workload` path that stands for standard input.
pub const STDIN: &str = "-";

/// How messages name the workload at `path`.
pub fn workload_name(path: &Path) -> String {
    if path == Path::new(STDIN) {
        "standard input".into()
    } else {
        path.display().to_string()
    }
}

/// Parses and validates workload CSV text; `file` names it in messages.
pub fn parse_workload(text: &str, file: &str) -> Result<Workload, InputErrors> {
    let mut diagnostics = Vec::new();
    let mut services = Vec::new();
    if let Some(table) = Table::read(text, file, &SCHEMA, &mut diagnostics) {
        let mut first_line: BTreeMap<&str, u64> = BTreeMap::new();
        for row in &table.rows {
            let mut fields = Fields::new(&table, row, file, &mut diagnostics);
            if let Some(cell) = fields.cell("service").filter(|c| !c.text.is_empty()) {
                let first = *first_line.entry(&cell.text).or_insert(row.line);
                if first != row.line {
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
            if let Some(service) = service(&mut fields) {
                services.push(service);
            }
        }
    }
    daemon_port_conflicts(&services, file, &mut diagnostics);
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
    let scheduling = match fields.cell("scheduling") {
        None => Some(Scheduling::Replica),
        Some(cell) => Scheduling::parse(&cell.text).or_else(|| {
            fields.report(
                cell,
                format!("`scheduling` is `{}`, not a scheduling strategy", cell.text),
                "write replica or daemon (or leave it empty for replica)",
            );
            None
        }),
    };
    let count = if scheduling == Some(Scheduling::Daemon) {
        // A daemon runs one task per eligible instance: its count comes from the plan.
        let count = fields.optional_number("count", MAX, "leave `count` empty or 0 for a daemon service");
        match (count, fields.cell("count")) {
            (Some(Some(n)), Some(cell)) if n > 0 => {
                fields.report(
                    cell,
                    format!("`count` is `{n}` on a daemon service, which runs one task on every instance it may use"),
                    "leave `count` empty or 0 for a daemon service, or set `scheduling` to replica",
                );
                None
            }
            (count, _) => count.map(|_| 0),
        }
    } else {
        fields.number(
            "count",
            MAX,
            "write the desired number of tasks as a whole number, e.g. 3",
        )
    };
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
    let container_ports = container_ports(fields, network_mode);

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
        container_ports: container_ports?,
        scheduling: scheduling?,
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
    let mut seen = BTreeSet::new();
    for &port in &ports {
        if !seen.insert(port) {
            continue;
        }
        let times = ports.iter().filter(|&&p| p == port).count();
        if port == 0 {
            if mode == NetworkMode::Host {
                fields.report(
                    cell,
                    "`host_ports` has `0` in host mode, which has no dynamic port mapping".into(),
                    "give the port the container listens on, or use bridge mode for a dynamic (`0`) mapping",
                );
                valid = false;
            }
        } else if RESERVED_PORTS.contains(&port) {
            let reserved = RESERVED_PORTS.map(|p| p.to_string()).join(", ");
            fields.report(
                cell,
                format!("`host_ports` has `{port}`, a port the ECS agent reserves on every instance ({reserved})"),
                "map the container to another host port",
            );
            valid = false;
        } else if times > 1 {
            let times = if times == 2 {
                "twice".to_string()
            } else {
                format!("{times} times")
            };
            fields.report(
                cell,
                format!("`host_ports` lists `{port}` {times} (`{}`)", cell.text),
                "list each host port once",
            );
            valid = false;
        }
    }
    valid.then_some(ports)
}

/// The ports an awsvpc task listens on, ascending: only awsvpc rows may list them, each
/// once, from 1 to 65535 and none that the agent reserves (the `host` and `bridge`
/// compare scenarios bind them on the host).
fn container_ports(fields: &mut Fields, mode: Option<NetworkMode>) -> Option<Vec<u16>> {
    let Some(cell) = fields.cell("container_ports").filter(|c| !c.text.is_empty()) else {
        return Some(Vec::new());
    };
    let mut ports = Vec::new();
    let mut valid = true;
    for entry in table::list(&cell.text) {
        match entry.parse::<u16>() {
            Ok(port) if port > 0 => ports.push(port),
            _ => {
                fields.report(
                    cell,
                    format!("`container_ports` has `{entry}`, not a port number from 1 to 65535"),
                    "write the `;`-separated ports the containers listen on, e.g. `8080;9090`",
                );
                valid = false;
            }
        }
    }
    let mode = mode?;
    if mode != NetworkMode::Awsvpc {
        fields.report(
            cell,
            format!(
                "`container_ports` is `{}` but the network mode is {mode}: they describe awsvpc tasks only",
                cell.text
            ),
            format!("list the ports of a {mode} task in host_ports, and leave container_ports empty"),
        );
        return None;
    }
    ports.sort_unstable();
    for port in ports.iter().copied().filter(|p| RESERVED_PORTS.contains(p)) {
        let reserved = RESERVED_PORTS.map(|p| p.to_string()).join(", ");
        fields.report(
            cell,
            format!("`container_ports` has `{port}`, a port the ECS agent reserves on every instance ({reserved})"),
            "have the container listen on another port: in host or bridge mode it would bind this port on the host",
        );
        valid = false;
    }
    if let Some(pair) = ports.windows(2).find(|w| w[0] == w[1]) {
        fields.report(
            cell,
            format!("`container_ports` lists `{}` more than once (`{}`)", pair[0], cell.text),
            "list each container port once",
        );
        valid = false;
    }
    valid.then_some(ports)
}

/// Two daemons binding the same static host port could never run on one instance, yet
/// each must run on every instance it may use.
fn daemon_port_conflicts(services: &[Service], file: &str, diagnostics: &mut Vec<Diagnostic>) {
    let mut first_daemon: BTreeMap<u16, &Service> = BTreeMap::new();
    for daemon in services.iter().filter(|s| s.scheduling == Scheduling::Daemon) {
        for port in daemon.static_ports() {
            match first_daemon.get(&port) {
                None => {
                    first_daemon.insert(port, daemon);
                }
                Some(first) => diagnostics.push(Diagnostic {
                    file: file.to_string(),
                    line: daemon.line,
                    column: 0,
                    cause: format!(
                        "the daemon services `{}` (line {}) and `{}` both bind host port {port}, and each must run on every instance",
                        first.name, first.line, daemon.name
                    ),
                    fix: "give one of them another host port, or a dynamic mapping (`0`) in bridge mode".into(),
                }),
            }
        }
    }
}

/// `instance_types` patterns that match no type of the catalog: input errors. `catalog`
/// is the whole catalog, before `--types`. Services with no tasks are not checked.
pub fn validate_against_catalog(workload: &Workload, catalog: &Catalog, file: &str) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let names = || catalog.types.iter().map(|t| t.instance_type.as_str());
    let families: BTreeSet<&str> = catalog.types.iter().map(|t| t.family.as_str()).collect();
    // Each distinct list of patterns is matched against the catalog once.
    let mut unmatched: HashMap<&[String], Vec<String>> = HashMap::new();
    for s in workload.services.iter().filter(|s| s.count > 0 || s.is_daemon()) {
        let patterns = unmatched.entry(&s.instance_types).or_insert_with(|| {
            TypePatterns::new(&s.instance_types).map_or_else(|_| Vec::new(), |p| p.unmatched(names()))
        });
        for pattern in patterns.iter() {
            let family = pattern.split('.').next().unwrap_or("");
            let hint = match table::closest(family, families.iter().copied()) {
                Some(near) if near != family => {
                    format!("did you mean `{}`? ", pattern.replacen(family, near, 1))
                }
                _ => String::new(),
            };
            diagnostics.push(whole_row(
                file,
                s.line,
                format!("service `{}`: the `instance_types` pattern `{pattern}` matches no instance type of the catalog", s.name),
                format!("{hint}check the spelling (patterns match whole names, e.g. `m6i.*`); `ecsplan catalog` lists the types"),
            ));
        }
    }
    diagnostics
}

/// Services a task of which needs more of some resource than every type of the whole
/// catalog offers, each named with the largest figure and the fix. The input is
/// well-formed, so this is "no plan exists", not an input error. Replica services with
/// no tasks are not checked; daemons are.
pub fn beyond_every_type(workload: &Workload, catalog: &Catalog, figures: &Figures, file: &str) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    if catalog.types.is_empty() {
        return diagnostics;
    }
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
    for s in workload.services.iter().filter(|s| s.count > 0 || s.is_daemon()) {
        let need = rules::task_usage(s);
        for r in Resource::ALL {
            let (have, offered_by) = largest[r as usize];
            if need[r as usize] <= have {
                continue;
            }
            let (cause, fix) = beyond_all(s, r, need[r as usize], have, offered_by, figures);
            diagnostics.push(whole_row(file, s.line, cause, fix));
        }
    }
    diagnostics
}

/// A problem with a whole row of `file`.
fn whole_row(file: &str, line: u64, cause: String, fix: String) -> Diagnostic {
    Diagnostic {
        file: file.to_string(),
        line,
        column: 0,
        cause,
        fix,
    }
}

/// The cause and fix when one task of `s` needs more of `r` than any instance type has.
fn beyond_all(s: &Service, r: Resource, need: u64, have: u64, offered_by: &str, figures: &Figures) -> (String, String) {
    let after_headroom = if figures.headroom > 0.0 && matches!(r, Resource::Cpu | Resource::Memory) {
        format!(" after {} % headroom", figures.headroom * 100.0)
    } else {
        String::new()
    };
    let largest = match r {
        // The same on every instance: no type to name.
        Resource::StaticPorts | Resource::DynamicPorts => r.describe(have),
        _ => format!("the largest is {} ({offered_by}){after_headroom}", r.describe(have)),
    };
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
            format!("service `{name}`: `host_ports` binds {need} static host ports per task, an instance holds at most {largest}"),
            "bind fewer static host ports, or use dynamic (`0`) mappings in bridge mode".into(),
        ),
        Resource::DynamicPorts => (
            format!("service `{name}`: `host_ports` takes {need} dynamic host ports per task, the dynamic port range holds {largest}"),
            "use fewer dynamic mappings, or widen --dynamic-port-range".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::workload::CpuArch;
    use crate::input::parse_catalog;

    /// Every problem as (line, column, cause).
    fn problems(text: &str) -> Vec<(u64, u64, String)> {
        match parse_workload(text, "w.csv") {
            Ok(w) => panic!("expected problems, parsed {w:?}"),
            Err(e) => e.0.into_iter().map(|d| (d.line, d.column, d.cause)).collect(),
        }
    }

    /// The single problem of a one-row workload with these optional columns.
    fn problem(header: &str, row: &str) -> (u64, u64, String) {
        let all = problems(&format!("service,cpu,memory_mib,count,{header}\nweb,256,512,2,{row}\n"));
        assert_eq!(all.len(), 1, "{all:?}");
        all.into_iter().next().unwrap()
    }

    #[test]
    fn every_column_in_any_order_with_bom_and_crlf() {
        let text = "\u{feff}count,Service,memory_mib,cpu,network_mode,host_ports,gpus,arch,instance_types,distinct_instance\r\n\
                    3,api,1024,512,HOST,80;443,,arm64,m6g.*; c6g.*,TRUE\r\n\
                    \r\n\
                    2,gpu,16384,4096,,0;0,1,,,\r\n";
        let w = parse_workload(text, "w.csv").unwrap();
        assert_eq!(w.services.len(), 2);
        let api = &w.services[0];
        assert_eq!(
            (api.name.as_str(), api.cpu, api.memory_mib, api.count),
            ("api", 512, 1024, 3)
        );
        assert_eq!(api.network_mode, NetworkMode::Host);
        assert_eq!(api.host_ports, [80, 443]);
        assert_eq!(api.arch, ImageArch::Only(CpuArch::Arm64));
        assert_eq!(api.instance_types, ["m6g.*", "c6g.*"]);
        assert!(api.distinct_instance);
        assert_eq!(api.line, 2);
        let gpu = &w.services[1];
        assert_eq!(gpu.network_mode, NetworkMode::Default);
        assert_eq!(
            (gpu.host_ports.as_slice(), gpu.gpus, gpu.arch),
            (&[0, 0][..], 1, ImageArch::Any)
        );
        assert!(gpu.instance_types.is_empty() && !gpu.distinct_instance);
        assert_eq!(gpu.line, 4);
    }

    #[test]
    fn optional_columns_take_their_defaults() {
        let w = parse_workload("service,cpu,memory_mib,count\nworker,0,128,0\n", "w.csv").unwrap();
        let s = &w.services[0];
        assert_eq!((s.cpu, s.count, s.gpus), (0, 0, 0));
        assert_eq!(
            (s.network_mode, s.arch, s.distinct_instance),
            (NetworkMode::Default, ImageArch::Any, false)
        );
        assert!(s.host_ports.is_empty() && s.instance_types.is_empty());
    }

    #[test]
    fn an_empty_file_or_a_header_alone_has_nothing_to_plan() {
        assert_eq!(problems("")[0].2, "the file is empty");
        assert_eq!(problems("\u{feff}")[0].2, "the file is empty");
        assert_eq!(
            problems("service,cpu,memory_mib,count\r\n"),
            [(0, 0, "the file has a header but no service rows".into())]
        );
    }

    #[test]
    fn missing_and_unknown_columns() {
        let p = problems("service,cpus,memory,count\nweb,1,1,1\n");
        assert_eq!(
            p[0],
            (
                1,
                1,
                "the required columns `cpu`, `memory_mib` are missing from the header".into()
            )
        );
        assert_eq!(p[1], (1, 9, "unknown column `cpus`".into()));
        assert_eq!(p[2], (1, 14, "unknown column `memory`".into()));
        let e = parse_workload("service,cpus,memory_mib,count\nweb,1,1,1\n", "w.csv").unwrap_err();
        assert!(e.0[1].fix.contains("did you mean `cpu`?"), "{}", e.0[1].fix);
    }

    #[test]
    fn numbers_are_whole_within_u32_and_memory_is_positive() {
        let p = problems(
            "service,cpu,memory_mib,count,gpus\n\
             a,x,512,1,\n\
             b,-256,512,1,\n\
             c,256,0,1,\n\
             d,256,4294967296,1,\n\
             e,256,512,2.5,\n\
             f,256,512,1,-1\n\
             g,256,512,,\n",
        );
        let expected = [
            (2, 3, "`cpu` is `x`, not a number"),
            (3, 3, "`cpu` is `-256`, a negative number"),
            (
                4,
                7,
                "`memory_mib` is `0`: ECS needs a memory reservation for every task",
            ),
            (
                5,
                7,
                "`memory_mib` is `4294967296`, beyond the largest allowed value 4294967295",
            ),
            (6, 11, "`count` is `2.5`, not a whole number"),
            (7, 13, "`gpus` is `-1`, a negative number"),
            (8, 11, "`count` is empty"),
        ];
        assert_eq!(p, expected.map(|(l, c, m)| (l, c, m.to_string())));
    }

    #[test]
    fn service_names_are_present_and_unique() {
        let p = problems("service,cpu,memory_mib,count\napi,1,1,1\n,1,1,1\napi,1,1,1\n");
        assert_eq!(p[0], (3, 1, "`service` is empty".into()));
        assert_eq!(
            p[1],
            (
                4,
                1,
                "the service `api` is declared twice: on line 2 and on line 4".into()
            )
        );
    }

    #[test]
    fn wrong_field_counts_are_reported_once_per_row() {
        let p = problems("service,cpu,memory_mib,count\napi,1,1\nweb,1,1,1,1\n\"a,b\",1,1,1\n");
        assert_eq!(p[0], (2, 0, "this service has 3 fields, the header has 4".into()));
        assert_eq!(p[1], (3, 11, "this service has 5 fields, the header has 4".into()));
        assert_eq!(p.len(), 2);
    }

    #[test]
    fn network_mode_and_arch_list_the_valid_values() {
        let e = parse_workload("service,cpu,memory_mib,count,network_mode\nweb,1,1,1,vpc\n", "w.csv").unwrap_err();
        assert_eq!((e.0[0].line, e.0[0].column), (2, 11));
        assert_eq!(e.0[0].cause, "`network_mode` is `vpc`, not a network mode");
        assert!(e.0[0].fix.contains("host, bridge, awsvpc, none, default"));
        let e = parse_workload("service,cpu,memory_mib,count,arch\nweb,1,1,1,aarch64\n", "w.csv").unwrap_err();
        assert_eq!(e.0[0].cause, "`arch` is `aarch64`, not an architecture");
        assert!(e.0[0].fix.starts_with("did you mean arm64?"));
        assert!(e.0[0].fix.contains("x86_64, arm64, any"));
    }

    #[test]
    fn ports_are_numbers_in_range() {
        let (line, column, cause) = problem("network_mode,host_ports", "bridge,80;http");
        assert_eq!((line, column), (2, 22));
        assert_eq!(cause, "`host_ports` has `http`, not a port number from 0 to 65535");
        assert!(problem("network_mode,host_ports", "bridge,65536")
            .2
            .contains("`65536`, not a port number"));
        assert!(problem("network_mode,host_ports", "bridge,-1")
            .2
            .contains("`-1`, not a port number"));
    }

    #[test]
    fn reserved_ports_are_refused() {
        for port in RESERVED_PORTS {
            let cause = problem("network_mode,host_ports", &format!("host,{port}")).2;
            assert!(cause.contains("reserves on every instance"), "{cause}");
        }
    }

    #[test]
    fn host_mode_has_no_dynamic_ports() {
        let cause = problem("network_mode,host_ports", "host,80;0").2;
        assert_eq!(
            cause,
            "`host_ports` has `0` in host mode, which has no dynamic port mapping"
        );
        // Bridge and default modes take dynamic mappings.
        let w = parse_workload(
            "service,cpu,memory_mib,count,network_mode,host_ports\nweb,1,1,1,,0;0;8080\n",
            "w",
        )
        .unwrap();
        assert_eq!(w.services[0].host_ports, [0, 0, 8080]);
    }

    #[test]
    fn awsvpc_and_none_take_no_ports() {
        assert!(problem("network_mode,host_ports", "awsvpc,443")
            .2
            .contains("the network mode is awsvpc"));
        assert!(problem("network_mode,host_ports", "none,0")
            .2
            .contains("the network mode is none"));
    }

    #[test]
    fn a_port_listed_twice_is_one_problem() {
        let cause = problem("network_mode,host_ports", "bridge,80;443;80;80;0;0").2;
        assert_eq!(cause, "`host_ports` lists `80` 3 times (`80;443;80;80;0;0`)");
        let all = problems("service,cpu,memory_mib,count,network_mode,host_ports\nweb,1,1,1,host,22;22;0;0;443;443\n");
        let causes: Vec<&str> = all.iter().map(|p| p.2.as_str()).collect();
        assert_eq!(
            causes,
            [
                "`host_ports` has `22`, a port the ECS agent reserves on every instance (22, 2375, 2376, 51678, 51679)",
                "`host_ports` has `0` in host mode, which has no dynamic port mapping",
                "`host_ports` lists `443` twice (`22;22;0;0;443;443`)",
            ]
        );
    }

    #[test]
    fn distinct_instance_is_true_or_false_in_any_case() {
        let w = parse_workload(
            "service,cpu,memory_mib,count,distinct_instance\na,1,1,1,True\nb,1,1,1,FALSE\nc,1,1,1,\n",
            "w",
        )
        .unwrap();
        assert_eq!(
            w.services.iter().map(|s| s.distinct_instance).collect::<Vec<_>>(),
            [true, false, false]
        );
        assert_eq!(
            problem("distinct_instance", "yes").2,
            "`distinct_instance` is `yes`, not true or false"
        );
    }

    #[test]
    fn every_invalid_glob_is_named() {
        let p = problems("service,cpu,memory_mib,count,instance_types\nweb,1,1,1,m6i.*;c6[;r6{\n");
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].2.contains("`c6[` is not a valid glob pattern"), "{}", p[0].2);
        assert_eq!((p[0].0, p[0].1), (2, 11));
    }

    #[test]
    fn scheduling_is_replica_or_daemon_in_any_case() {
        let w = parse_workload(
            "service,cpu,memory_mib,count,scheduling\na,1,1,2,\nb,1,1,,DAEMON\nc,1,1,0,daemon\nd,1,1,1,Replica\n",
            "w",
        )
        .unwrap();
        let got: Vec<(Scheduling, u32)> = w.services.iter().map(|s| (s.scheduling, s.count)).collect();
        assert_eq!(
            got,
            [
                (Scheduling::Replica, 2),
                (Scheduling::Daemon, 0),
                (Scheduling::Daemon, 0),
                (Scheduling::Replica, 1)
            ]
        );
        assert_eq!(
            problem("scheduling", "cron").2,
            "`scheduling` is `cron`, not a scheduling strategy"
        );
    }

    #[test]
    fn a_daemon_with_a_count_names_the_fix() {
        let e = parse_workload("service,cpu,memory_mib,count,scheduling\nagent,1,1,3,daemon\n", "w.csv").unwrap_err();
        assert_eq!((e.0[0].line, e.0[0].column), (2, 11));
        assert_eq!(
            e.0[0].cause,
            "`count` is `3` on a daemon service, which runs one task on every instance it may use"
        );
        assert!(e.0[0].fix.starts_with("leave `count` empty or 0"), "{}", e.0[0].fix);
    }

    #[test]
    fn two_daemons_on_one_static_port_are_refused() {
        let p = problems(
            "service,cpu,memory_mib,count,network_mode,host_ports,scheduling\n\
             logs,1,1,,bridge,2020;0,daemon\n\
             web,1,1,2,bridge,2020,replica\n\
             metrics,1,1,,host,2020,daemon\n",
        );
        assert_eq!(
            p,
            [(
                4,
                0,
                "the daemon services `logs` (line 2) and `metrics` both bind host port 2020, and each must run on every instance".into()
            )]
        );
    }

    const CATALOG: &str = "instance_type,family,vcpu,memory_mib,arch,gpus,max_enis,ipv4_per_eni,trunking,awsvpc_trunk_tasks,price_usd_hour\n\
        m6i.large,m6i,2,8192,x86_64,0,3,10,true,10,0.096\n\
        m6i.4xlarge,m6i,16,65536,x86_64,0,8,30,true,60,0.768\n\
        g5.12xlarge,g5,48,196608,x86_64,4,8,30,true,25,5.672\n\
        m6g.large,m6g,2,8192,arm64,0,3,10,true,10,0.077\n";

    fn against_catalog(rows: &str, figures: &Figures) -> Vec<(u64, String, String)> {
        let header = "service,cpu,memory_mib,count,network_mode,host_ports,gpus,arch,instance_types\n";
        let w = parse_workload(&format!("{header}{rows}"), "w.csv").unwrap();
        let c = parse_catalog(CATALOG, "c.csv").unwrap();
        let mut problems = beyond_every_type(&w, &c, figures, "w.csv");
        problems.extend(validate_against_catalog(&w, &c, "w.csv"));
        problems.sort_by_key(|d| d.line);
        problems.into_iter().map(|d| (d.line, d.cause, d.fix)).collect()
    }

    #[test]
    fn values_beyond_every_type_name_the_largest_figure() {
        let p = against_catalog(
            "fits,49152,190000,1,,,4,,\n\
             cpu,49153,512,1,,,,,\n\
             memory,256,190710,1,,,,,\n\
             gpus,256,512,1,,,5,,\n\
             ports,256,512,1,host,1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17;18;19;20;21;23;24;25;26;27;28;29;30;31;32;33;34;35;36;37;38;39;40;41;42;43;44;45;46;47;48;49;50;51;52;53;54;55;56;57;58;59;60;61;62;63;64;65;66;67;68;69;70;71;72;73;74;75;76;77;78;79;80;81;82;83;84;85;86;87;88;89;90;91;92;93;94;95;96;97,,,\n\
             idle,999999,512,0,,,,,\n",
            &Figures::default(),
        );
        let lines: Vec<u64> = p.iter().map(|(l, _, _)| *l).collect();
        assert_eq!(lines, [3, 4, 5, 6], "{p:?}");
        assert_eq!(
            p[0].1,
            "service `cpu`: `cpu` is 49153 CPU units per task, more than any instance type offers: the largest is 49152 CPU units (g5.12xlarge)"
        );
        assert!(
            p[1].1.starts_with("service `memory`: `memory_mib` is 190710 MiB"),
            "{}",
            p[1].1
        );
        assert_eq!(
            p[2].1,
            "service `gpus`: `gpus` is 5 per task, more than any instance type has: the largest is 4 GPUs (g5.12xlarge)"
        );
        assert_eq!(
            p[3].1,
            "service `ports`: `host_ports` binds 96 static host ports per task, an instance holds at most 95 static host ports"
        );
    }

    #[test]
    fn memory_just_above_the_registered_figure_is_refused() {
        // floor(196608 × 0.97) = 190709 MiB registered: that fits, one MiB more does not.
        assert!(against_catalog("memory,256,190709,1,,,,,\n", &Figures::default()).is_empty());
        let p = against_catalog("memory,256,190710,1,,,,,\n", &Figures::default());
        assert_eq!(p.len(), 1);
        assert!(p[0].1.contains("`memory_mib` is 190710 MiB per task"), "{}", p[0].1);
        assert!(p[0].1.contains("the largest is 190709 MiB (g5.12xlarge)"), "{}", p[0].1);
    }

    #[test]
    fn headroom_is_part_of_the_figure() {
        let f = Figures {
            headroom: 0.5,
            ..Figures::default()
        };
        let p = against_catalog("half,24577,512,1,,,,,\n", &f);
        assert!(
            p[0].1
                .ends_with("the largest is 24576 CPU units (g5.12xlarge) after 50 % headroom"),
            "{}",
            p[0].1
        );
    }

    #[test]
    fn filters_are_not_combined_with_resources() {
        // arm64 with 4 GPUs: no arm64 type has a GPU, but that is "no plan", not bad input.
        let p = against_catalog("arm-gpu,256,512,1,,,4,arm64,m6g.*\n", &Figures::default());
        assert!(p.is_empty(), "{p:?}");
    }

    #[test]
    fn patterns_matching_no_type_are_named_with_a_suggestion() {
        let p = against_catalog("web,256,512,1,,,,,m6i.*;m6f.*;c9z.large\n", &Figures::default());
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!(
            p[0].1,
            "service `web`: the `instance_types` pattern `m6f.*` matches no instance type of the catalog"
        );
        assert!(
            p[0].2.starts_with("did you mean `m6g.*`?") || p[0].2.starts_with("did you mean `m6i.*`?"),
            "{}",
            p[0].2
        );
        assert!(p[1].1.contains("`c9z.large`"));
        assert!(!p[1].2.starts_with("did you mean"), "{}", p[1].2);
    }

    #[test]
    fn container_ports_are_awsvpc_ports_from_1_that_the_agent_does_not_reserve() {
        let w = parse_workload(
            "service,cpu,memory_mib,count,network_mode,container_ports\napi,1,1,1,awsvpc,9090;8080\nb,1,1,1,bridge,\n",
            "w",
        )
        .unwrap();
        assert_eq!(w.services[0].container_ports, [8080, 9090]);
        assert!(w.services[1].container_ports.is_empty());
        let (line, column, cause) = problem("network_mode,container_ports", "bridge,8080");
        assert_eq!((line, column), (2, 22));
        assert_eq!(
            cause,
            "`container_ports` is `8080` but the network mode is bridge: they describe awsvpc tasks only"
        );
        assert!(problem("network_mode,container_ports", "awsvpc,0")
            .2
            .contains("`0`, not a port number from 1 to 65535"));
        assert!(problem("network_mode,container_ports", "awsvpc,65536")
            .2
            .contains("`65536`, not a port number"));
        assert!(problem("network_mode,container_ports", "awsvpc,80;80")
            .2
            .contains("lists `80` more than once"));
        assert!(problem("network_mode,container_ports", "awsvpc,22")
            .2
            .contains("`22`, a port the ECS agent reserves"));
    }
}
