//! The workload as the operator declares it: services and their tasks.

use std::fmt;

/// An ECS network mode (EC2, Linux).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NetworkMode {
    Host,
    Bridge,
    /// Docker's default bridge network: the same rules as `Bridge` on Linux.
    Default,
    Awsvpc,
    None,
}

impl NetworkMode {
    /// Every mode, in the order `docs/inputs.md` lists them.
    pub const ALL: [NetworkMode; 5] = [
        NetworkMode::Host,
        NetworkMode::Bridge,
        NetworkMode::Default,
        NetworkMode::Awsvpc,
        NetworkMode::None,
    ];

    /// Parses a mode, case-insensitively; empty means `default`.
    pub fn parse(text: &str) -> Option<NetworkMode> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "default" => Some(NetworkMode::Default),
            "host" => Some(NetworkMode::Host),
            "bridge" => Some(NetworkMode::Bridge),
            "awsvpc" => Some(NetworkMode::Awsvpc),
            "none" => Some(NetworkMode::None),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NetworkMode::Host => "host",
            NetworkMode::Bridge => "bridge",
            NetworkMode::Default => "default",
            NetworkMode::Awsvpc => "awsvpc",
            NetworkMode::None => "none",
        }
    }
}

impl fmt::Display for NetworkMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The CPU architecture of an instance type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CpuArch {
    X86_64,
    Arm64,
}

impl CpuArch {
    pub fn parse(text: &str) -> Option<CpuArch> {
        match text.trim().to_ascii_lowercase().as_str() {
            "x86_64" => Some(CpuArch::X86_64),
            "arm64" => Some(CpuArch::Arm64),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CpuArch::X86_64 => "x86_64",
            CpuArch::Arm64 => "arm64",
        }
    }
}

/// The architecture a service's image runs on: one of them, or `any` (multi-arch image).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ImageArch {
    Only(CpuArch),
    Any,
}

impl ImageArch {
    /// Parses `x86_64`, `arm64` or `any`; empty means `any`.
    pub fn parse(text: &str) -> Option<ImageArch> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "any" => Some(ImageArch::Any),
            other => CpuArch::parse(other).map(ImageArch::Only),
        }
    }

    pub fn runs_on(self, arch: CpuArch) -> bool {
        match self {
            ImageArch::Any => true,
            ImageArch::Only(a) => a == arch,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ImageArch::Any => "any",
            ImageArch::Only(a) => a.as_str(),
        }
    }
}

/// How ECS schedules a service's tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scheduling {
    /// `count` tasks, placed by the plan.
    Replica,
    /// One task on every instance whose type the service may run on.
    Daemon,
}

impl Scheduling {
    /// Parses `replica` or `daemon`, case-insensitively; empty means `replica`.
    pub fn parse(text: &str) -> Option<Scheduling> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "replica" => Some(Scheduling::Replica),
            "daemon" => Some(Scheduling::Daemon),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scheduling::Replica => "replica",
            Scheduling::Daemon => "daemon",
        }
    }
}

/// One service: `count` identical tasks, or one task per eligible instance for a daemon.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub name: String,
    /// CPU units per task (1024 = 1 vCPU).
    pub cpu: u32,
    /// Memory per task that ECS reserves, MiB.
    pub memory_mib: u32,
    pub count: u32,
    pub network_mode: NetworkMode,
    /// Host ports per task as declared: non-zero is a static mapping, 0 a dynamic one.
    pub host_ports: Vec<u16>,
    pub gpus: u32,
    pub arch: ImageArch,
    /// Glob patterns over instance type names; empty means every type.
    pub instance_types: Vec<String>,
    pub distinct_instance: bool,
    /// The ports an awsvpc task listens on (its containers' `containerPort`s), ascending;
    /// empty in every other mode. They constrain nothing under awsvpc; the `host` and
    /// `bridge` compare scenarios bind them on the host.
    pub container_ports: Vec<u16>,
    pub scheduling: Scheduling,
    /// The line of the workload file this service came from (1-based), 0 when generated.
    pub line: u64,
}

#[cfg(test)]
impl Service {
    /// For unit tests: 3 tasks of 256 CPU units and 512 MiB, any arch, any type.
    pub(crate) fn sample(name: &str, network_mode: NetworkMode, ports: &[u16]) -> Service {
        Service {
            name: name.into(),
            cpu: 256,
            memory_mib: 512,
            count: 3,
            network_mode,
            host_ports: ports.to_vec(),
            gpus: 0,
            arch: ImageArch::Any,
            instance_types: vec![],
            distinct_instance: false,
            container_ports: Vec::new(),
            scheduling: Scheduling::Replica,
            line: 0,
        }
    }
}

impl Service {
    pub fn is_daemon(&self) -> bool {
        self.scheduling == Scheduling::Daemon
    }

    /// The static (non-zero) host ports of one task, ascending. Only host and bridge
    /// modes bind ports on the host.
    pub fn static_ports(&self) -> Vec<u16> {
        let mut ports: Vec<u16> = match self.network_mode {
            NetworkMode::Host | NetworkMode::Bridge | NetworkMode::Default => {
                self.host_ports.iter().copied().filter(|&p| p != 0).collect()
            }
            NetworkMode::Awsvpc | NetworkMode::None => Vec::new(),
        };
        ports.sort_unstable();
        ports
    }

    /// Dynamic host ports one task takes from the ephemeral range (bridge `0` mappings).
    pub fn dynamic_ports(&self) -> u32 {
        match self.network_mode {
            NetworkMode::Bridge | NetworkMode::Default => self.host_ports.iter().filter(|&&p| p == 0).count() as u32,
            _ => 0,
        }
    }
}

/// The services of one workload, in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Workload {
    pub services: Vec<Service>,
}
