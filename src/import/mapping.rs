//! One ECS service and its task definition become one workload row: CPU and memory at
//! task or container level, GPUs, the network mode and its host ports, the architecture,
//! and the placement constraints. What cannot be carried over is a note; what makes the
//! row impossible to write is a problem.

use std::collections::BTreeMap;

use super::json::Step;
use super::model::{EcsService, PlacementConstraint, Quantity, TaskDefinition};
use super::query::{self, Selection};
use crate::ecs::workload::{CpuArch, ImageArch, NetworkMode, Scheduling, Service};

/// Where a problem is, relative to the service object or to the task definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    Service(Vec<Step<'static>>),
    TaskDefinition(Vec<Step<'static>>),
}

/// Builds a [`Place`] on one side from a path.
type PlaceAt = fn(Vec<Step<'static>>) -> Place;

/// Something that stops the row from being written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub place: Place,
    pub cause: String,
    pub fix: String,
}

/// The row of one service, or the problems that stop it; and the notes either way.
pub struct Mapped {
    pub row: Result<Service, Vec<Problem>>,
    pub notes: Vec<String>,
}

/// Maps `service` (named `name`) run from `task`.
pub fn map(name: &str, service: &EcsService, task: &TaskDefinition, ignore_unsupported: bool) -> Mapped {
    let mut m = Mapper {
        name,
        problems: Vec::new(),
        notes: Vec::new(),
    };
    let cpu = m.cpu(task);
    let memory_mib = m.memory(task);
    let gpus = m.gpus(task);
    let network_mode = m.network_mode(task);
    let (host_ports, container_ports) = network_mode.map_or((Vec::new(), Vec::new()), |mode| m.ports(task, mode));
    let image_arch = m.runtime_arch(task);
    let (distinct_instance, selection) = m.constraints(service, task, ignore_unsupported);
    let scheduling = match service.scheduling_strategy.as_deref() {
        Some(s) if s.eq_ignore_ascii_case("DAEMON") => Scheduling::Daemon,
        _ => Scheduling::Replica,
    };
    let count = match (scheduling, service.desired_count) {
        (Scheduling::Daemon, _) => Some(0),
        (Scheduling::Replica, Some(n)) => Some(n),
        (Scheduling::Replica, None) => {
            m.problem(
                Place::Service(vec![]),
                "it has no `desiredCount`".into(),
                "give the output of `aws ecs describe-services` unchanged",
            );
            None
        }
    };
    if !service.placement_strategy.is_empty() {
        let strategies: Vec<String> = service
            .placement_strategy
            .iter()
            .map(|s| {
                let field = s.field.as_deref().map(|f| format!("({f})")).unwrap_or_default();
                format!("`{}{field}`", s.kind.as_deref().unwrap_or("?"))
            })
            .collect();
        m.note(format!(
            "placement strategy {} is not carried over: the plan packs tasks for the least cost",
            strategies.join(", ")
        ));
    }
    let (arch, instance_types) = match (image_arch, selection) {
        (Some(image_arch), Some(selection)) => m.placement(image_arch, selection),
        _ => (None, None),
    };
    let row = match (cpu, memory_mib, gpus, network_mode, count, arch, instance_types) {
        (
            Some(cpu),
            Some(memory_mib),
            Some(gpus),
            Some(network_mode),
            Some(count),
            Some(arch),
            Some(instance_types),
        ) if m.problems.is_empty() => Ok(Service {
            name: name.to_string(),
            cpu,
            memory_mib,
            count,
            network_mode,
            host_ports,
            gpus,
            arch,
            instance_types,
            distinct_instance,
            container_ports,
            scheduling,
            line: 0,
        }),
        _ => Err(m.problems),
    };
    Mapped { row, notes: m.notes }
}

struct Mapper<'n> {
    name: &'n str,
    problems: Vec<Problem>,
    notes: Vec<String>,
}

const FIX_TASK_DEFINITION: &str = "give the output of `aws ecs describe-task-definition` unchanged";

impl Mapper<'_> {
    fn problem(&mut self, place: Place, cause: String, fix: &str) {
        self.problems.push(Problem {
            place,
            cause: format!("service `{}`: {cause}", self.name),
            fix: fix.to_string(),
        });
    }

    fn note(&mut self, text: String) {
        self.notes.push(format!("service `{}`: {text}", self.name));
    }

    /// Task-level CPU if set, else the sum of the containers' (absent = 0).
    fn cpu(&mut self, task: &TaskDefinition) -> Option<u32> {
        let units = match &task.cpu {
            Some(q) => match cpu_units(q) {
                Some(units) => units,
                None => {
                    self.problem(
                        Place::TaskDefinition(vec![Step::Key("cpu")]),
                        format!("the task-level `cpu` {} is not CPU units", quote(q)),
                        "write CPU units (`\"1024\"`) or vCPUs (`\"1 vCPU\"`)",
                    );
                    return None;
                }
            },
            None => task
                .container_definitions
                .iter()
                .map(|c| u64::from(c.cpu.unwrap_or(0)))
                .sum(),
        };
        self.within_u32(units, "CPU units", Place::TaskDefinition(vec![]))
    }

    /// Task-level memory if set, else each container's `memoryReservation` or `memory`.
    fn memory(&mut self, task: &TaskDefinition) -> Option<u32> {
        if let Some(q) = &task.memory {
            return match memory_mib(q) {
                Some(mib) if mib > 0 => self.within_u32(mib, "MiB", Place::TaskDefinition(vec![Step::Key("memory")])),
                _ => {
                    self.problem(
                        Place::TaskDefinition(vec![Step::Key("memory")]),
                        format!("the task-level `memory` {} is not a memory size", quote(q)),
                        "write MiB (`\"2048\"`) or GB (`\"2 GB\"`)",
                    );
                    None
                }
            };
        }
        let mut total = 0u64;
        let mut complete = true;
        for (i, c) in task.container_definitions.iter().enumerate() {
            match c.memory_reservation.or(c.memory) {
                Some(mib) => total += u64::from(mib),
                None => {
                    let container = c.name.as_deref().unwrap_or("?");
                    self.problem(
                        Place::TaskDefinition(vec![Step::Key("containerDefinitions"), Step::Index(i)]),
                        format!("container `{container}` has neither `memoryReservation` nor `memory`, and the task has no task-level `memory`"),
                        "set `memoryReservation` (or `memory`) on the container, or `memory` on the task definition",
                    );
                    complete = false;
                }
            }
        }
        if task.container_definitions.is_empty() {
            self.problem(
                Place::TaskDefinition(vec![]),
                "the task definition has no containers and no task-level `memory`".into(),
                FIX_TASK_DEFINITION,
            );
            return None;
        }
        if !complete {
            return None;
        }
        self.within_u32(total, "MiB", Place::TaskDefinition(vec![]))
    }

    fn within_u32(&mut self, value: u64, unit: &str, place: Place) -> Option<u32> {
        u32::try_from(value).ok().or_else(|| {
            self.problem(
                place,
                format!("{value} {unit} is beyond the largest figure ecsplan takes"),
                FIX_TASK_DEFINITION,
            );
            None
        })
    }

    /// The sum of the containers' `GPU` resource requirements.
    fn gpus(&mut self, task: &TaskDefinition) -> Option<u32> {
        let mut total = 0u32;
        let mut accelerators = !task.inference_accelerators.is_empty();
        for (i, c) in task.container_definitions.iter().enumerate() {
            for (j, r) in c.resource_requirements.iter().enumerate() {
                if r.kind.eq_ignore_ascii_case("GPU") {
                    match r.value.trim().parse::<u32>() {
                        Ok(n) => total = total.saturating_add(n),
                        Err(_) => self.problem(
                            Place::TaskDefinition(vec![
                                Step::Key("containerDefinitions"),
                                Step::Index(i),
                                Step::Key("resourceRequirements"),
                                Step::Index(j),
                            ]),
                            format!("the GPU requirement `{}` is not a whole number", r.value),
                            "write the number of GPUs, e.g. `\"1\"`",
                        ),
                    }
                } else {
                    accelerators = true;
                }
            }
        }
        if accelerators {
            self.note(
                "Elastic Inference accelerators are not carried over: no instance type in the catalog lists them"
                    .into(),
            );
        }
        Some(total)
    }

    /// `networkMode`; absent means bridge (ECS's default on Linux).
    fn network_mode(&mut self, task: &TaskDefinition) -> Option<NetworkMode> {
        match task.network_mode.as_deref() {
            None => Some(NetworkMode::Bridge),
            Some(text) => NetworkMode::parse(text).or_else(|| {
                self.problem(
                    Place::TaskDefinition(vec![Step::Key("networkMode")]),
                    format!("`networkMode` is `{text}`, not an ECS network mode"),
                    "use bridge, host, awsvpc or none",
                );
                None
            }),
        }
    }

    /// Host ports (static ascending, then one `0` per dynamic mapping) and, under awsvpc,
    /// the container ports.
    fn ports(&mut self, task: &TaskDefinition, mode: NetworkMode) -> (Vec<u16>, Vec<u16>) {
        // Static host port → the protocols of the mappings that bind it.
        let mut bound: BTreeMap<u16, Vec<String>> = BTreeMap::new();
        let mut dynamic = 0usize;
        let mut listening: Vec<u16> = Vec::new();
        let mut ignored = 0usize;
        for (i, c) in task.container_definitions.iter().enumerate() {
            for (j, mapping) in c.port_mappings.iter().enumerate() {
                let protocol = mapping.protocol.as_deref().unwrap_or("tcp").to_ascii_lowercase();
                let range = match &mapping.container_port_range {
                    None => None,
                    Some(text) => match port_range(text) {
                        Some(range) => Some(range),
                        None => {
                            self.problem(
                                Place::TaskDefinition(vec![
                                    Step::Key("containerDefinitions"),
                                    Step::Index(i),
                                    Step::Key("portMappings"),
                                    Step::Index(j),
                                ]),
                                format!("`containerPortRange` `{text}` is not a range of ports"),
                                "write it as `FIRST-LAST`, e.g. `\"8000-8010\"`",
                            );
                            continue;
                        }
                    },
                };
                match mode {
                    NetworkMode::Bridge | NetworkMode::Default => match (range, mapping.host_port) {
                        (Some((first, last)), _) => dynamic += usize::from(last - first) + 1,
                        (None, None | Some(0)) => dynamic += 1,
                        (None, Some(port)) => bound.entry(port).or_default().push(protocol),
                    },
                    NetworkMode::Host => {
                        match (range, mapping.host_port.filter(|&p| p != 0).or(mapping.container_port)) {
                            (None, Some(port)) if port != 0 => bound.entry(port).or_default().push(protocol),
                            _ => ignored += 1,
                        }
                    }
                    NetworkMode::Awsvpc => match range {
                        Some((first, last)) => listening.extend(first..=last),
                        None => listening.extend(mapping.container_port.filter(|&p| p != 0)),
                    },
                    NetworkMode::None => ignored += 1,
                }
            }
        }
        if ignored > 0 {
            self.note(format!(
                "{ignored} port mapping(s) ignored: network mode {mode} takes no {}",
                if mode == NetworkMode::Host {
                    "port range or mapping without a port"
                } else {
                    "port mappings"
                }
            ));
        }
        for (port, protocols) in &bound {
            if protocols.len() > 1 {
                self.note(format!(
                    "host port {port} is mapped {} times ({}): counted once",
                    protocols.len(),
                    protocols.join(", ")
                ));
            }
        }
        let mut host_ports: Vec<u16> = bound.into_keys().collect();
        host_ports.extend(std::iter::repeat(0).take(dynamic));
        listening.sort_unstable();
        listening.dedup();
        (host_ports, listening)
    }

    /// `runtimePlatform.cpuArchitecture`; absent means any.
    fn runtime_arch(&mut self, task: &TaskDefinition) -> Option<ImageArch> {
        let platform = task.runtime_platform.as_ref();
        if let Some(family) = platform.and_then(|p| p.operating_system_family.as_deref()) {
            if !family.eq_ignore_ascii_case("LINUX") {
                self.note(format!(
                    "operating system family `{family}` is planned with the Linux figures and prices of the catalog"
                ));
            }
        }
        match platform.and_then(|p| p.cpu_architecture.as_deref()) {
            None => Some(ImageArch::Any),
            Some(a) if a.eq_ignore_ascii_case("X86_64") => Some(ImageArch::Only(CpuArch::X86_64)),
            Some(a) if a.eq_ignore_ascii_case("ARM64") => Some(ImageArch::Only(CpuArch::Arm64)),
            Some(other) => {
                self.problem(
                    Place::TaskDefinition(vec![Step::Key("runtimePlatform"), Step::Key("cpuArchitecture")]),
                    format!("`cpuArchitecture` is `{other}`, not X86_64 or ARM64"),
                    "use X86_64 or ARM64, or leave it out for an image that runs on both",
                );
                None
            }
        }
    }

    /// `distinctInstance`, and every `memberOf` of the service and of the task
    /// definition together (ECS applies all of them).
    fn constraints(
        &mut self,
        service: &EcsService,
        task: &TaskDefinition,
        ignore_unsupported: bool,
    ) -> (bool, Option<Selection>) {
        let mut distinct = false;
        let mut selection = Some(Selection::all());
        let lists: [(&[PlacementConstraint], PlaceAt); 2] = [
            (&service.placement_constraints, Place::Service),
            (&task.placement_constraints, Place::TaskDefinition),
        ];
        for (list, place) in lists {
            for (i, constraint) in list.iter().enumerate() {
                let here = || place(vec![Step::Key("placementConstraints"), Step::Index(i)]);
                let kind = constraint.kind.as_deref().unwrap_or("");
                if kind.eq_ignore_ascii_case("distinctInstance") {
                    distinct = true;
                    continue;
                }
                if !kind.eq_ignore_ascii_case("memberOf") {
                    self.note(format!("placement constraint of type `{kind}` is not carried over"));
                    continue;
                }
                let expression = constraint.expression.as_deref().unwrap_or("");
                let result = query::parse(expression)
                    .map_err(|e| format!("it cannot be parsed {e}"))
                    .and_then(query::selection)
                    .and_then(|(s, left_out)| {
                        let combined = selection.clone().unwrap_or_else(Selection::all).and(s)?;
                        Ok((combined, left_out))
                    });
                match result {
                    Ok((combined, left_out)) => {
                        for part in left_out {
                            self.note(format!(
                                "`{part}` of the memberOf constraint `{expression}` is left out of the plan: ecsplan does not model that attribute"
                            ));
                        }
                        if selection.is_some() {
                            selection = Some(combined);
                        }
                    }
                    Err(why) if ignore_unsupported => self.note(format!(
                        "the memberOf constraint `{expression}` is left out of the plan (--ignore-unsupported): {why}"
                    )),
                    Err(why) => {
                        self.problem(
                            here(),
                            format!("the memberOf constraint `{expression}` is not supported: {why}"),
                            "write it with ==, !=, in, not in, =~ (`.`, `.*`, `\\.`), and, or, not over attribute:ecs.instance-type and attribute:ecs.cpu-architecture, or pass --ignore-unsupported to import the service without it",
                        );
                        selection = None;
                    }
                }
            }
        }
        (distinct, selection)
    }

    /// The row's `arch` and `instance_types` from the image's architecture and what the
    /// constraints select.
    fn placement(&mut self, image_arch: ImageArch, selection: Selection) -> (Option<ImageArch>, Option<Vec<String>>) {
        let x86_64 = selection.arch.x86_64 && image_arch.runs_on(CpuArch::X86_64);
        let arm64 = selection.arch.arm64 && image_arch.runs_on(CpuArch::Arm64);
        let arch = match (x86_64, arm64) {
            (true, true) => Some(ImageArch::Any),
            (true, false) => Some(ImageArch::Only(CpuArch::X86_64)),
            (false, true) => Some(ImageArch::Only(CpuArch::Arm64)),
            (false, false) => {
                self.problem(
                    Place::TaskDefinition(vec![]),
                    format!(
                        "no CPU architecture satisfies both the image ({}) and the memberOf constraints",
                        image_arch.as_str()
                    ),
                    "make the attribute:ecs.cpu-architecture constraint agree with runtimePlatform.cpuArchitecture",
                );
                None
            }
        };
        if selection.types.include.as_ref().is_some_and(Vec::is_empty) {
            self.problem(
                Place::Service(vec![Step::Key("placementConstraints")]),
                "the memberOf constraints together allow no instance type".into(),
                "check the attribute:ecs.instance-type conditions: an `and` of two lists keeps only the names in both",
            );
            return (arch, None);
        }
        let mut types = selection.types.include.unwrap_or_default();
        types.extend(selection.types.exclude.iter().map(|p| format!("!{p}")));
        (arch, Some(types))
    }
}

fn quote(q: &Quantity) -> String {
    match q {
        Quantity::Number(n) => n.to_string(),
        Quantity::Text(t) => format!("`{t}`"),
    }
}

/// `"1024"`, `1024`, `"1 vCPU"`, `"0.25 vcpu"` → CPU units.
fn cpu_units(q: &Quantity) -> Option<u64> {
    match q {
        Quantity::Number(n) => Some(*n),
        Quantity::Text(t) => {
            let t = t.trim();
            match strip_unit(t, &["vcpu"]) {
                Some(vcpus) => whole(vcpus.parse::<f64>().ok()? * 1024.0),
                None => t.parse().ok(),
            }
        }
    }
}

/// `"2048"`, `2048`, `"2 GB"`, `"0.5GB"`, `"512 MiB"` → MiB (1 GB = 1024 MiB).
fn memory_mib(q: &Quantity) -> Option<u64> {
    match q {
        Quantity::Number(n) => Some(*n),
        Quantity::Text(t) => {
            let t = t.trim();
            if let Some(gb) = strip_unit(t, &["gb", "gib"]) {
                whole(gb.parse::<f64>().ok()? * 1024.0)
            } else if let Some(mib) = strip_unit(t, &["mb", "mib"]) {
                mib.parse().ok()
            } else {
                t.parse().ok()
            }
        }
    }
}

/// The number before one of `units` (case-insensitive, blanks allowed between).
fn strip_unit<'t>(text: &'t str, units: &[&str]) -> Option<&'t str> {
    let lower = text.to_ascii_lowercase();
    units
        .iter()
        .find(|u| lower.ends_with(*u))
        .map(|u| text[..text.len() - u.len()].trim_end())
}

/// A non-negative whole number, allowing for the rounding of a decimal figure.
fn whole(x: f64) -> Option<u64> {
    let rounded = x.round();
    (x.is_finite() && x >= 0.0 && (x - rounded).abs() < 1e-6).then_some(rounded as u64)
}

/// `"8000-8010"` → (8000, 8010).
fn port_range(text: &str) -> Option<(u16, u16)> {
    let (first, last) = text.split_once('-')?;
    let (first, last): (u16, u16) = (first.trim().parse().ok()?, last.trim().parse().ok()?);
    (first > 0 && first <= last).then_some((first, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_and_memory_strings() {
        let text = |t: &str| Quantity::Text(t.into());
        assert_eq!(cpu_units(&text("1024")), Some(1024));
        assert_eq!(cpu_units(&text("1 vCPU")), Some(1024));
        assert_eq!(cpu_units(&text("0.25 vcpu")), Some(256));
        assert_eq!(cpu_units(&text(".5vCPU")), Some(512));
        assert_eq!(cpu_units(&Quantity::Number(512)), Some(512));
        assert_eq!(cpu_units(&text("0.0001 vCPU")), None);
        assert_eq!(cpu_units(&text("lots")), None);
        assert_eq!(memory_mib(&text("2048")), Some(2048));
        assert_eq!(memory_mib(&text("2 GB")), Some(2048));
        assert_eq!(memory_mib(&text("0.5GB")), Some(512));
        assert_eq!(memory_mib(&text("3 GiB")), Some(3072));
        assert_eq!(memory_mib(&text("512 MiB")), Some(512));
        assert_eq!(memory_mib(&text("2 TB")), None);
    }

    #[test]
    fn port_ranges() {
        assert_eq!(port_range("8000-8010"), Some((8000, 8010)));
        assert_eq!(port_range("8010-8000"), None);
        assert_eq!(port_range("80"), None);
    }
}
