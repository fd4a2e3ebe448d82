//! The fields of `aws ecs describe-services` and `aws ecs describe-task-definition`
//! output that bear on placement, as serde reads them. Every other field is ignored.

use serde::Deserialize;

/// The output of `aws ecs describe-services`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeServices {
    #[serde(default)]
    pub services: Vec<EcsService>,
    #[serde(default)]
    pub failures: Vec<Failure>,
}

/// A service that `describe-services` could not describe.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    pub arn: Option<String>,
    pub reason: Option<String>,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EcsService {
    pub service_name: Option<String>,
    pub cluster_arn: Option<String>,
    /// `ACTIVE`, `DRAINING` or `INACTIVE`.
    pub status: Option<String>,
    pub desired_count: Option<u32>,
    /// `EC2`, `FARGATE` or `EXTERNAL`.
    pub launch_type: Option<String>,
    #[serde(default)]
    pub capacity_provider_strategy: Vec<CapacityProviderStrategyItem>,
    /// An ARN, `family:revision`, or a family.
    pub task_definition: Option<String>,
    /// `REPLICA` or `DAEMON`.
    pub scheduling_strategy: Option<String>,
    #[serde(default)]
    pub placement_constraints: Vec<PlacementConstraint>,
    #[serde(default)]
    pub placement_strategy: Vec<PlacementStrategy>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapacityProviderStrategyItem {
    pub capacity_provider: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlacementConstraint {
    /// `distinctInstance` or `memberOf`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub expression: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlacementStrategy {
    /// `binpack`, `spread` or `random`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub field: Option<String>,
}

/// One entry of a task definitions file: `{"taskDefinition": {...}}` as
/// `describe-task-definition` prints it, or a bare task definition.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskDefinition {
    /// Set when this object wraps the task definition, as `describe-task-definition` does.
    pub task_definition: Option<Box<TaskDefinition>>,
    pub task_definition_arn: Option<String>,
    pub family: Option<String>,
    pub revision: Option<u32>,
    #[serde(default)]
    pub container_definitions: Vec<ContainerDefinition>,
    /// Task-level CPU: `"1024"` or `"1 vCPU"`.
    pub cpu: Option<Quantity>,
    /// Task-level memory: `"2048"` (MiB) or `"2 GB"`.
    pub memory: Option<Quantity>,
    pub network_mode: Option<String>,
    #[serde(default)]
    pub placement_constraints: Vec<PlacementConstraint>,
    pub runtime_platform: Option<RuntimePlatform>,
    #[serde(default)]
    pub inference_accelerators: Vec<serde_json::Value>,
}

/// A figure ECS prints as a string and a hand-written file may give as a number.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Quantity {
    Number(u64),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuntimePlatform {
    /// `X86_64` or `ARM64`.
    pub cpu_architecture: Option<String>,
    /// `LINUX` or a Windows family.
    pub operating_system_family: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerDefinition {
    pub name: Option<String>,
    pub cpu: Option<u32>,
    /// Hard limit, MiB.
    pub memory: Option<u32>,
    /// Soft limit, MiB: what ECS reserves when it is set.
    pub memory_reservation: Option<u32>,
    #[serde(default)]
    pub port_mappings: Vec<PortMapping>,
    #[serde(default)]
    pub resource_requirements: Vec<ResourceRequirement>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortMapping {
    pub container_port: Option<u16>,
    pub host_port: Option<u16>,
    /// `tcp` (default) or `udp`.
    pub protocol: Option<String>,
    /// `"8000-8010"`: one dynamic host port per container port of the range.
    pub container_port_range: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ResourceRequirement {
    /// `GPU` or `InferenceAccelerator`.
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}
