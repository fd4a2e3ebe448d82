//! A plan written down while a generator builds it: instances opened one at a time and the
//! tasks placed on each. The workload is read off the tasks (one service per distinct task
//! shape), so the plan that proves a family's optimum comes with its placement rows, which
//! the tests hand to the independent checker.

use std::collections::BTreeMap;

use crate::ecs::placement::PlacementRow;
use crate::ecs::workload::{ImageArch, NetworkMode, Scheduling, Service, Workload};

/// What one task takes and binds; tasks of the same shape form one service.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Shape {
    pub cpu: u64,
    pub memory_mib: u64,
    pub network_mode: NetworkMode,
    /// Static ports and `0` (dynamic) mappings, as the workload's `host_ports` lists them.
    pub host_ports: Vec<u16>,
}

impl Shape {
    pub fn new(cpu: u64, memory_mib: u64, network_mode: NetworkMode, host_ports: Vec<u16>) -> Shape {
        Shape {
            cpu,
            memory_mib,
            network_mode,
            host_ports,
        }
    }

    /// The static host ports a task binds (`0` is a dynamic mapping).
    pub fn static_ports(&self) -> impl Iterator<Item = u16> + '_ {
        self.host_ports.iter().copied().filter(|&p| p != 0)
    }
}

/// A fleet under construction: each instance's type and the shapes placed on it.
#[derive(Debug, Clone, Default)]
pub struct Fleet {
    instances: Vec<(String, Vec<Shape>)>,
}

impl Fleet {
    /// Opens an instance of `instance_type` and returns its index.
    pub fn open(&mut self, instance_type: &str) -> usize {
        self.instances.push((instance_type.to_string(), Vec::new()));
        self.instances.len() - 1
    }

    /// Places one task of `shape` on instance `instance`.
    pub fn place(&mut self, instance: usize, shape: Shape) {
        self.instances[instance].1.push(shape);
    }

    /// The workload, one service per distinct shape named `<prefix>-001`, … in order of
    /// shape, and the placement rows of the plan that was built.
    pub fn finish(self, prefix: &str) -> (Workload, Vec<PlacementRow>) {
        let mut names: BTreeMap<Shape, (String, u32)> = BTreeMap::new();
        for shape in self.instances.iter().flat_map(|(_, shapes)| shapes) {
            names.entry(shape.clone()).or_default().1 += 1;
        }
        for (n, (_, (name, _))) in names.iter_mut().enumerate() {
            *name = format!("{prefix}-{:03}", n + 1);
        }
        let services = names
            .iter()
            .map(|(shape, (name, count))| Service {
                name: name.clone(),
                cpu: shape.cpu as u32,
                memory_mib: shape.memory_mib as u32,
                count: *count,
                network_mode: shape.network_mode,
                host_ports: shape.host_ports.clone(),
                gpus: 0,
                arch: ImageArch::Any,
                instance_types: Vec::new(),
                distinct_instance: false,
                container_ports: Vec::new(),
                scheduling: Scheduling::Replica,
                line: 0,
            })
            .collect();
        let mut rows = Vec::new();
        for (i, (instance_type, shapes)) in self.instances.iter().enumerate() {
            let mut tasks: BTreeMap<&str, u32> = BTreeMap::new();
            for shape in shapes {
                *tasks.entry(names[shape].0.as_str()).or_default() += 1;
            }
            rows.extend(tasks.into_iter().map(|(service, tasks)| PlacementRow {
                instance_id: format!("i-{:04}", i + 1),
                instance_type: instance_type.clone(),
                service: service.to_string(),
                tasks,
                line: 0,
            }));
        }
        (Workload { services }, rows)
    }
}
