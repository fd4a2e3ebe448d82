//! Realistic generated workloads: a seeded mix of the services an ECS cluster runs.

use crate::ecs::workload::Workload;

/// A workload of `services` services, about 25 tasks each on average, from `seed`.
pub fn realistic(services: usize, seed: u64) -> Workload {
    let _ = (services, seed);
    todo!("realistic workload generator")
}
