//! Daemons on one instance: exactly one task of every daemon service eligible for the
//! instance's type, and none of the others. Their usage counts in every per-instance
//! rule like any task's; the caller adds it with the rest.

use crate::ecs::catalog::InstanceType;
use crate::ecs::rules::{self, TypePatterns};
use crate::ecs::workload::Workload;

/// The daemon rules `instance` of type `t` breaks, given the tasks of each service on it
/// (`tasks[s]`, indexed like the workload's services). `daemons` are the indices of the
/// workload's daemon services; `filters` the services' compiled `instance_types` (`None`
/// when invalid).
pub fn check_instance(
    workload: &Workload,
    daemons: &[usize],
    filters: &[Option<TypePatterns>],
    t: &InstanceType,
    instance: &str,
    tasks: &[u64],
) -> Vec<String> {
    let mut violations = Vec::new();
    for &s in daemons {
        let service = &workload.services[s];
        let runs_here = filters[s]
            .as_ref()
            .is_some_and(|filter| rules::daemon_runs_on(service, filter, t));
        match (runs_here, tasks[s]) {
            (true, 1) | (false, 0) => {}
            (true, 0) => violations.push(format!(
                "instance {instance} ({}): the daemon `{}` has no task here, but it runs on every instance of this type",
                t.instance_type, service.name
            )),
            (true, n) => violations.push(format!(
                "instance {instance} ({}): the daemon `{}` has {n} tasks here, a daemon runs one per instance",
                t.instance_type, service.name
            )),
            (false, _) => violations.push(format!(
                "instance {instance} ({}): the daemon `{}` has a task here but may not run on this type (arch, instance_types or GPUs)",
                t.instance_type, service.name
            )),
        }
    }
    violations
}
