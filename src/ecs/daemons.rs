//! Daemon services as a change of capacity. Every instance of a type carries exactly the
//! daemons eligible for that type, so planning the other services on what each type has
//! left once its daemons are in is the same problem, exactly: a type that cannot hold
//! its daemons is not used, and a service that binds a port one of the type's daemons
//! binds may not use the type.

use super::catalog::InstanceType;
use super::rules::{self, Amounts, Figures, Resource, TypePatterns};
use super::workload::Workload;

/// The daemons one instance type carries and what they leave for other tasks.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDaemons {
    /// Indices into `Workload::services`, in workload order.
    pub services: Vec<usize>,
    /// What the daemons take together, per resource.
    pub usage: Amounts,
    /// Static host ports the daemons bind, ascending.
    pub ports: Vec<u16>,
    /// Capacity after headroom minus the daemons' usage; `None` when the daemons do not
    /// fit on the type.
    pub room: Option<Amounts>,
}

impl TypeDaemons {
    /// True when a task binding `ports` clashes with a daemon's port.
    pub fn clash(&self, ports: &[u16]) -> bool {
        ports.iter().any(|p| self.ports.binary_search(p).is_ok())
    }
}

/// The daemons of each catalog type, indexed like `catalog`. `filters` are the services'
/// compiled `instance_types`.
pub fn by_type(
    workload: &Workload,
    filters: &[TypePatterns],
    catalog: &[InstanceType],
    figures: &Figures,
) -> Vec<TypeDaemons> {
    catalog
        .iter()
        .map(|t| {
            let services: Vec<usize> = (0..workload.services.len())
                .filter(|&s| {
                    let service = &workload.services[s];
                    service.is_daemon() && rules::daemon_runs_on(service, &filters[s], t)
                })
                .collect();
            let mut usage: Amounts = [0; 6];
            let mut ports = Vec::new();
            for &s in &services {
                let service = &workload.services[s];
                for (u, n) in usage.iter_mut().zip(rules::task_usage(service)) {
                    *u += n;
                }
                ports.extend(service.static_ports());
            }
            ports.sort_unstable();
            let capacity = figures.capacity(t);
            let room = Resource::ALL
                .iter()
                .map(|&r| capacity[r as usize].checked_sub(usage[r as usize]))
                .collect::<Option<Vec<u64>>>()
                .map(|left| std::array::from_fn(|r| left[r]));
            TypeDaemons {
                services,
                usage,
                ports,
                room,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::lower::service_filters;
    use crate::ecs::workload::{NetworkMode, Scheduling, Service};
    use crate::input::parse_catalog;

    fn daemon(name: &str, mode: NetworkMode, ports: &[u16]) -> Service {
        Service {
            count: 0,
            scheduling: Scheduling::Daemon,
            ..Service::sample(name, mode, ports)
        }
    }

    #[test]
    fn daemons_take_their_usage_from_every_eligible_type_and_overfull_types_have_no_room() {
        let catalog = parse_catalog(
            "instance_type,family,vcpu,memory_mib,arch,gpus,max_enis,ipv4_per_eni,trunking,awsvpc_trunk_tasks,price_usd_hour\n\
             t.small,t,1,1024,x86_64,0,2,4,false,,0.01\n\
             m.large,m,2,8192,x86_64,0,3,10,false,,0.1\n\
             g.large,g,4,16384,x86_64,1,3,10,false,,1.0\n",
            "c.csv",
        )
        .unwrap();
        let mut gpu_agent = daemon("gpu-agent", NetworkMode::None, &[]);
        gpu_agent.gpus = 1;
        let mut big = daemon("big", NetworkMode::Awsvpc, &[]);
        big.memory_mib = 1000;
        let w = Workload {
            services: vec![
                daemon("logs", NetworkMode::Bridge, &[24224, 0]),
                big,
                gpu_agent,
                Service::sample("web", NetworkMode::Bridge, &[80]),
            ],
        };
        let by = by_type(&w, &service_filters(&w), &catalog.types, &Figures::default());
        // t.small registers 993 MiB: 512 + 1000 do not fit.
        assert_eq!(by[0].services, [0, 1]);
        assert_eq!(by[0].room, None);
        assert_eq!(by[1].services, [0, 1]);
        assert_eq!(by[1].usage, [512, 1512, 0, 1, 1, 1]);
        assert_eq!(by[1].room, Some([2048 - 512, 7946 - 1512, 0, 1, 94, 16382]));
        assert!(by[1].clash(&[24224]) && !by[1].clash(&[80]));
        // Only the GPU type carries the GPU daemon.
        assert_eq!(by[2].services, [0, 1, 2]);
    }
}
