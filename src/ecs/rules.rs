//! The placement rules of ECS on EC2 and the figures they use, in one place: what an
//! instance type offers and what a task takes, per resource and network mode. The model
//! builder (`lower`) and the independent checker (`crate::check`) both read them here.

use std::collections::HashMap;

use globset::{GlobBuilder, GlobMatcher};

use super::catalog::InstanceType;
use super::workload::{NetworkMode, Service, Workload};
use super::zones::Zones;

/// Ports the ECS agent reserves on every Linux container instance.
pub const RESERVED_PORTS: [u16; 5] = [22, 2375, 2376, 51678, 51679];
/// An instance holds at most 100 reserved ports, five of them the agent's.
pub const MAX_STATIC_PORTS: u64 = 95;
/// CPU units per vCPU.
pub const CPU_UNITS_PER_VCPU: u64 = 1024;
/// Hours in the month that costs are quoted for.
pub const HOURS_PER_MONTH: f64 = 730.0;
/// ECS registers at most this many container instances in one cluster; the quota is
/// not adjustable, so a larger fleet needs several clusters.
pub const MAX_INSTANCES_PER_CLUSTER: usize = 5_000;
/// ECS's default quota on the tasks of one service.
pub const MAX_TASKS_PER_SERVICE: u32 = 5_000;

/// The resources an instance offers and a task takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    Cpu,
    Memory,
    Gpus,
    AwsvpcTasks,
    StaticPorts,
    DynamicPorts,
}

impl Resource {
    pub const ALL: [Resource; 6] = [
        Resource::Cpu,
        Resource::Memory,
        Resource::Gpus,
        Resource::AwsvpcTasks,
        Resource::StaticPorts,
        Resource::DynamicPorts,
    ];

    /// The resource's name in reports and in the generic problem.
    pub fn name(self) -> &'static str {
        match self {
            Resource::Cpu => "cpu",
            Resource::Memory => "memory",
            Resource::Gpus => "gpus",
            Resource::AwsvpcTasks => "awsvpc_tasks",
            Resource::StaticPorts => "host_ports",
            Resource::DynamicPorts => "dynamic_ports",
        }
    }

    /// How a person reads an amount of this resource.
    pub fn describe(self, amount: u64) -> String {
        match self {
            Resource::Cpu => format!("{amount} CPU units"),
            Resource::Memory => format!("{amount} MiB"),
            Resource::Gpus => format!("{amount} GPUs"),
            Resource::AwsvpcTasks => format!("{amount} awsvpc tasks (ENIs)"),
            Resource::StaticPorts => format!("{amount} static host ports"),
            Resource::DynamicPorts => format!("{amount} dynamic host ports"),
        }
    }
}

/// An amount of each resource, indexed by `Resource as usize`.
pub type Amounts = [u64; 6];

/// The ECS figures a plan depends on (`docs/rules.md`), each overridable by a flag.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// Count awsvpc tasks against the trunk limit on types that support trunking.
    pub eni_trunking: bool,
    /// Fraction of CPU and memory kept free on every instance, in [0, 1).
    pub headroom: f64,
    /// Registered memory estimate: nominal × (1 − pct/100), where the catalog has none.
    pub memory_overhead_pct: f64,
    /// `ECS_RESERVED_MEMORY`, subtracted from registered memory.
    pub reserved_memory_mib: u64,
    /// The dynamic host port range, inclusive.
    pub dynamic_port_range: (u16, u16),
    /// The availability zones instances go in, and whether a zone's loss must be survived.
    pub zones: Zones,
}

impl Default for Figures {
    fn default() -> Self {
        Figures {
            eni_trunking: false,
            headroom: 0.0,
            memory_overhead_pct: 3.0,
            reserved_memory_mib: 0,
            dynamic_port_range: (49153, 65535),
            zones: Zones::default(),
        }
    }
}

impl Figures {
    /// Memory the agent registers for tasks, before headroom.
    pub fn registered_memory_mib(&self, t: &InstanceType) -> u64 {
        let registered = match t.registered_memory_mib {
            Some(measured) => measured,
            None => (t.memory_mib as f64 * (1.0 - self.memory_overhead_pct / 100.0)).floor() as u64,
        };
        registered.saturating_sub(self.reserved_memory_mib)
    }

    /// Whether awsvpc tasks on `t` count against the trunk limit.
    pub fn trunked(&self, t: &InstanceType) -> bool {
        self.eni_trunking && t.trunking == Some(true) && t.awsvpc_trunk_tasks.is_some()
    }

    /// The awsvpc task cap of `t`: the trunk limit when trunked, else the ECS figure or
    /// `max_enis − 1` (the primary ENI belongs to the host).
    pub fn awsvpc_task_cap(&self, t: &InstanceType) -> u64 {
        if self.trunked(t) {
            return u64::from(t.awsvpc_trunk_tasks.unwrap_or(0));
        }
        u64::from(t.awsvpc_tasks.unwrap_or_else(|| t.max_enis.saturating_sub(1)))
    }

    /// Size of the dynamic host port range.
    pub fn dynamic_ports(&self) -> u64 {
        let (lo, hi) = self.dynamic_port_range;
        u64::from(hi.saturating_sub(lo)) + 1
    }

    /// What one instance of `t` offers for tasks, after headroom.
    pub fn capacity(&self, t: &InstanceType) -> Amounts {
        let keep = 1.0 - self.headroom;
        let cpu = u64::from(t.vcpu) * CPU_UNITS_PER_VCPU;
        [
            (cpu as f64 * keep).floor() as u64,
            (self.registered_memory_mib(t) as f64 * keep).floor() as u64,
            u64::from(t.gpus),
            self.awsvpc_task_cap(t),
            MAX_STATIC_PORTS,
            self.dynamic_ports(),
        ]
    }
}

/// What all the tasks of a workload take together, per resource.
pub fn workload_usage(workload: &Workload) -> Amounts {
    let mut sum: Amounts = [0; 6];
    for s in &workload.services {
        for (t, u) in sum.iter_mut().zip(task_usage(s)) {
            *t += u * u64::from(s.count);
        }
    }
    sum
}

/// What one task of `s` takes, per resource.
pub fn task_usage(s: &Service) -> Amounts {
    [
        u64::from(s.cpu),
        u64::from(s.memory_mib),
        u64::from(s.gpus),
        u64::from(s.network_mode == NetworkMode::Awsvpc),
        s.static_ports().len() as u64,
        u64::from(s.dynamic_ports()),
    ]
}

/// Whether two tasks of `s` may share an instance: not when the service is
/// `distinct_instance` or binds a static host port (the port can be bound once).
pub fn tasks_may_share(s: &Service) -> bool {
    !s.distinct_instance && s.static_ports().is_empty()
}

/// Whether a daemon service runs on every instance of `t`: its image runs on the type's
/// architecture, its `instance_types` allow the type, and the type has the GPUs it needs.
/// Whether the type also has room for it is a separate question (a type eligible for a
/// daemon that cannot hold it is not used).
pub fn daemon_runs_on(s: &Service, filter: &TypePatterns, t: &InstanceType) -> bool {
    s.arch.runs_on(t.arch) && filter.allows(&t.instance_type) && u64::from(s.gpus) <= u64::from(t.gpus)
}

/// A set of case-insensitive glob patterns over instance type names, matched against the
/// whole name; `*`, `?` and `[...]` as in a shell. A pattern starting with `!` excludes
/// what it matches, after the inclusions; only exclusions mean "all but these".
#[derive(Debug, Clone)]
pub struct TypePatterns {
    /// The pattern as written, its matcher (without the `!`), and whether it excludes.
    patterns: Vec<(String, GlobMatcher, bool)>,
}

impl TypePatterns {
    /// Compiles the patterns, or names the first one that is not a valid glob.
    pub fn new(patterns: &[String]) -> Result<TypePatterns, String> {
        let mut compiled = Vec::with_capacity(patterns.len());
        for p in patterns {
            let (exclude, glob) = match p.trim().strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, p.trim()),
            };
            let glob = GlobBuilder::new(glob)
                .case_insensitive(true)
                .literal_separator(false)
                .build()
                .map_err(|e| format!("`{p}` is not a valid glob pattern: {}", e.kind()))?;
            compiled.push((p.trim().to_string(), glob.compile_matcher(), exclude));
        }
        Ok(TypePatterns { patterns: compiled })
    }

    /// True when an inclusion matches `name` (or there is none) and no exclusion does.
    pub fn allows(&self, name: &str) -> bool {
        let mut inclusions = self.patterns.iter().filter(|(_, _, exclude)| !exclude).peekable();
        let included = inclusions.peek().is_none() || inclusions.any(|(_, m, _)| m.is_match(name));
        included && !self.patterns.iter().any(|(_, m, exclude)| *exclude && m.is_match(name))
    }

    /// The patterns that match no name in `names` (an exclusion by what follows its `!`).
    pub fn unmatched<'a>(&self, names: impl Iterator<Item = &'a str> + Clone) -> Vec<String> {
        self.patterns
            .iter()
            .filter(|(_, m, _)| !names.clone().any(|n| m.is_match(n)))
            .map(|(p, _, _)| p.clone())
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The patterns as written, `;`-separated.
    pub fn display(&self) -> String {
        self.patterns
            .iter()
            .map(|(p, _, _)| p.as_str())
            .collect::<Vec<_>>()
            .join(";")
    }
}

/// Compiles each list of patterns, each distinct list once: the services of a large
/// workload share a few lists, and compiling a glob costs far more than cloning it.
pub fn compile_each<'a>(lists: impl IntoIterator<Item = &'a [String]>) -> Vec<Result<TypePatterns, String>> {
    let mut compiled: HashMap<&[String], Result<TypePatterns, String>> = HashMap::new();
    lists
        .into_iter()
        .map(|list| compiled.entry(list).or_insert_with(|| TypePatterns::new(list)).clone())
        .collect()
}

/// Why a task of a service cannot run on an instance type.
#[derive(Debug, Clone, PartialEq)]
pub enum Misfit {
    /// The image does not run on the type's architecture.
    Arch,
    /// The service's `instance_types` filter excludes the type.
    Filter,
    /// One task needs more of a resource than an empty instance offers.
    Resource { resource: Resource, need: u64, have: u64 },
}

/// Why one task of `s` cannot be placed on an empty instance of `t`, or `None` when it can.
/// `filter` is the service's compiled `instance_types`.
pub fn misfit(figures: &Figures, s: &Service, filter: &TypePatterns, t: &InstanceType) -> Option<Misfit> {
    if !s.arch.runs_on(t.arch) {
        return Some(Misfit::Arch);
    }
    if !filter.allows(&t.instance_type) {
        return Some(Misfit::Filter);
    }
    let need = task_usage(s);
    let have = figures.capacity(t);
    Resource::ALL
        .iter()
        .find(|r| need[**r as usize] > have[**r as usize])
        .map(|&r| Misfit::Resource {
            resource: r,
            need: need[r as usize],
            have: have[r as usize],
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::workload::{CpuArch, ImageArch, Scheduling};

    fn m5_large() -> InstanceType {
        InstanceType {
            instance_type: "m5.large".into(),
            family: "m5".into(),
            vcpu: 2,
            memory_mib: 8192,
            arch: CpuArch::X86_64,
            gpus: 0,
            max_enis: 3,
            ipv4_per_eni: 10,
            trunking: Some(true),
            awsvpc_trunk_tasks: Some(10),
            price_usd_hour: 0.096,
            awsvpc_tasks: None,
            registered_memory_mib: None,
            zones: vec![],
            line: 2,
        }
    }

    fn service(mode: NetworkMode, ports: &[u16]) -> Service {
        Service {
            name: "web".into(),
            cpu: 256,
            memory_mib: 512,
            count: 1,
            network_mode: mode,
            host_ports: ports.to_vec(),
            gpus: 0,
            arch: ImageArch::Any,
            instance_types: vec![],
            distinct_instance: false,
            container_ports: Vec::new(),
            scheduling: Scheduling::Replica,
            line: 2,
        }
    }

    #[test]
    fn each_list_compiles_to_its_own_patterns_shared_or_not() {
        let m6i = vec!["m6i.*".to_string()];
        let bad = vec!["m6i.[".to_string()];
        let c = vec!["c*".to_string(), "!c5.*".to_string()];
        let lists: [&[String]; 5] = [&m6i, &c, &m6i, &bad, &[]];
        let compiled = compile_each(lists);
        assert_eq!(compiled.len(), 5);
        let allows = |i: usize, name: &str| compiled[i].as_ref().unwrap().allows(name);
        assert!(allows(0, "m6i.large") && !allows(0, "c6i.large"));
        assert!(allows(1, "c6i.large") && !allows(1, "c5.large") && !allows(1, "m6i.large"));
        assert!(allows(2, "m6i.large") && !allows(2, "c6i.large"));
        assert!(compiled[3].is_err());
        assert!(allows(4, "anything.large"));
    }

    #[test]
    fn registered_memory_is_three_percent_below_nominal_by_default() {
        let f = Figures::default();
        assert_eq!(f.registered_memory_mib(&m5_large()), 7946); // floor(8192 × 0.97)
        let f = Figures {
            reserved_memory_mib: 256,
            ..Figures::default()
        };
        assert_eq!(f.registered_memory_mib(&m5_large()), 7690);
    }

    #[test]
    fn measured_registered_memory_replaces_the_estimate_but_not_the_reservation() {
        let t = InstanceType {
            registered_memory_mib: Some(7985),
            ..m5_large()
        };
        let f = Figures {
            reserved_memory_mib: 100,
            ..Figures::default()
        };
        assert_eq!(f.registered_memory_mib(&t), 7885);
    }

    #[test]
    fn awsvpc_cap_is_enis_minus_one_or_the_trunk_limit() {
        let t = m5_large();
        assert_eq!(Figures::default().awsvpc_task_cap(&t), 2);
        let trunk = Figures {
            eni_trunking: true,
            ..Figures::default()
        };
        assert_eq!(trunk.awsvpc_task_cap(&t), 10);
        let unknown = InstanceType {
            trunking: None,
            awsvpc_trunk_tasks: None,
            ..t.clone()
        };
        assert_eq!(trunk.awsvpc_task_cap(&unknown), 2);
        let multi_card = InstanceType {
            max_enis: 16,
            awsvpc_tasks: Some(13),
            ..t
        };
        assert_eq!(Figures::default().awsvpc_task_cap(&multi_card), 13);
    }

    #[test]
    fn headroom_floors_cpu_and_memory_only() {
        let f = Figures {
            headroom: 0.1,
            ..Figures::default()
        };
        let cap = f.capacity(&m5_large());
        assert_eq!(cap, [1843, 7151, 0, 2, 95, 16383]);
    }

    #[test]
    fn usage_per_mode() {
        assert_eq!(
            task_usage(&service(NetworkMode::Host, &[80, 443])),
            [256, 512, 0, 0, 2, 0]
        );
        assert_eq!(
            task_usage(&service(NetworkMode::Bridge, &[80, 0, 0])),
            [256, 512, 0, 0, 1, 2]
        );
        assert_eq!(task_usage(&service(NetworkMode::Default, &[0])), [256, 512, 0, 0, 0, 1]);
        assert_eq!(task_usage(&service(NetworkMode::Awsvpc, &[])), [256, 512, 0, 1, 0, 0]);
        assert_eq!(task_usage(&service(NetworkMode::None, &[])), [256, 512, 0, 0, 0, 0]);
    }

    #[test]
    fn static_ports_stop_tasks_sharing_and_dynamic_ones_do_not() {
        assert!(!tasks_may_share(&service(NetworkMode::Host, &[80])));
        assert!(!tasks_may_share(&service(NetworkMode::Bridge, &[8080, 0])));
        assert!(tasks_may_share(&service(NetworkMode::Bridge, &[0, 0])));
        let distinct = Service {
            distinct_instance: true,
            container_ports: Vec::new(),
            scheduling: Scheduling::Replica,
            ..service(NetworkMode::None, &[])
        };
        assert!(!tasks_may_share(&distinct));
    }

    #[test]
    fn globs_match_whole_names_case_insensitively() {
        let p = TypePatterns::new(&["M6i.*".into(), "c6?.large".into(), "r[56].xlarge".into()]).unwrap();
        assert!(p.allows("m6i.large"));
        assert!(!p.allows("m6id.large"));
        assert!(p.allows("c6g.large"));
        assert!(p.allows("r5.xlarge"));
        assert!(!p.allows("r7.xlarge"));
        assert!(!p.allows("xm6i.large"));
        assert!(TypePatterns::new(&["m6i.[".into()]).is_err());
    }

    #[test]
    fn misfit_names_the_first_resource_short() {
        let f = Figures::default();
        let s = Service {
            gpus: 1,
            ..service(NetworkMode::None, &[])
        };
        let none = TypePatterns::new(&[]).unwrap();
        assert_eq!(
            misfit(&f, &s, &none, &m5_large()),
            Some(Misfit::Resource {
                resource: Resource::Gpus,
                need: 1,
                have: 0
            })
        );
        let arm = Service {
            arch: ImageArch::Only(CpuArch::Arm64),
            ..s
        };
        assert_eq!(misfit(&f, &arm, &none, &m5_large()), Some(Misfit::Arch));
    }

    #[test]
    fn exclusions_apply_after_inclusions() {
        let patterns =
            |list: &[&str]| TypePatterns::new(&list.iter().map(|p| p.to_string()).collect::<Vec<_>>()).unwrap();
        let but_burstable = patterns(&["*", "!t*"]);
        assert!(but_burstable.allows("m5.large") && !but_burstable.allows("t3.nano"));
        let only_exclusions = patterns(&["!t3.nano", "!T3.MICRO"]);
        assert!(only_exclusions.allows("t3.small") && !only_exclusions.allows("t3.micro"));
        let m5_not_large = patterns(&["m5.*", "!m5.large"]);
        assert!(
            m5_not_large.allows("m5.xlarge") && !m5_not_large.allows("m5.large") && !m5_not_large.allows("c5.xlarge")
        );
        assert_eq!(
            m5_not_large.unmatched(["m5.large", "m5.xlarge"].into_iter()),
            Vec::<String>::new()
        );
        assert_eq!(patterns(&["!x9.*"]).unmatched(["m5.large"].into_iter()), ["!x9.*"]);
    }
}
