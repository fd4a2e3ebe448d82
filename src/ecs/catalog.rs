//! The instance catalog: EC2 instance types with the facts placement needs. A catalog
//! built from public sources ships inside the binary (`data/instance_types.csv`).

use super::workload::CpuArch;

/// The default catalog, compiled in so that `--catalog` is optional.
pub const BUILT_IN_CSV: &str = include_str!("../../data/instance_types.csv");
/// How messages name the built-in catalog.
pub const BUILT_IN_NAME: &str = "<built-in catalog>";

/// One EC2 instance type.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceType {
    pub instance_type: String,
    pub family: String,
    pub vcpu: u32,
    /// Nominal memory, MiB.
    pub memory_mib: u64,
    pub arch: CpuArch,
    pub gpus: u32,
    pub max_enis: u32,
    pub ipv4_per_eni: u32,
    /// `None` when unknown (treated as not supported).
    pub trunking: Option<bool>,
    pub awsvpc_trunk_tasks: Option<u32>,
    pub price_usd_hour: f64,
    /// ECS's awsvpc task limit without trunking, where it differs from `max_enis − 1`.
    pub awsvpc_tasks: Option<u32>,
    /// Memory the ECS agent registers, measured on a real instance.
    pub registered_memory_mib: Option<u64>,
    /// Availability zones the type is offered in: names or glob patterns; empty means
    /// every zone.
    pub zones: Vec<String>,
    /// The line of the catalog file (1-based).
    pub line: u64,
}

/// The instance types available to a plan, in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    pub types: Vec<InstanceType>,
    /// The `--types` patterns the catalog was cut down to, if any: an explanation of why
    /// no type fits a service names them.
    pub restriction: Option<String>,
}

impl Catalog {
    pub fn find(&self, name: &str) -> Option<&InstanceType> {
        self.types.iter().find(|t| t.instance_type.eq_ignore_ascii_case(name))
    }
}
