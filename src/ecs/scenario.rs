//! The compare scenarios (`docs/compare.md`): each rewrites every service's network mode and
//! keeps everything else. Also what binds a scenario's plan: which resource or rule stops
//! more tasks from packing onto its instances.

use std::collections::BTreeSet;
use std::fmt;

use super::placement::InstanceUsage;
use super::rules::{self, Resource, RESERVED_PORTS};
use super::workload::{NetworkMode, Service, Workload};

/// One way to run the workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scenario {
    /// Every service as the workload declares it.
    Declared,
    /// Every service in host mode.
    Host,
    /// Every service in bridge mode, ports as declared.
    Bridge,
    /// Every service in bridge mode with every port a dynamic mapping.
    BridgeDynamic,
    /// Every service in awsvpc mode, without ENI trunking.
    Awsvpc,
    /// Every service in awsvpc mode, with ENI trunking.
    AwsvpcTrunking,
    /// No networking: resources alone, a floor for the EC2 scenarios.
    None,
    /// Every task on Fargate at the smallest valid task size.
    Fargate,
}

/// The first port tried for the private ports that the `host` scenario gives to each `0`.
pub const FIRST_PRIVATE_PORT: u16 = 10000;

/// A scenario's version of the workload, for the EC2 planner.
#[derive(Debug, Clone, PartialEq)]
pub struct Rewritten {
    pub workload: Workload,
    /// ENI trunking as the scenario fixes it; `None` keeps the `--eni-trunking` flag.
    pub eni_trunking: Option<bool>,
    /// What the rewrite assumed where the workload does not say, for the reader.
    pub notes: Vec<String>,
}

impl Scenario {
    /// Every scenario, in the order reports list them.
    pub const ALL: [Scenario; 8] = [
        Scenario::Declared,
        Scenario::Host,
        Scenario::Bridge,
        Scenario::BridgeDynamic,
        Scenario::Awsvpc,
        Scenario::AwsvpcTrunking,
        Scenario::None,
        Scenario::Fargate,
    ];

    /// The scenario's name in reports, file names and folder names.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Declared => "declared",
            Scenario::Host => "host",
            Scenario::Bridge => "bridge",
            Scenario::BridgeDynamic => "bridge-dynamic",
            Scenario::Awsvpc => "awsvpc",
            Scenario::AwsvpcTrunking => "awsvpc-trunking",
            Scenario::None => "none",
            Scenario::Fargate => "fargate",
        }
    }

    /// The scenario named `name`, case-insensitively.
    pub fn parse(name: &str) -> Option<Scenario> {
        Scenario::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The workload as this scenario runs it on EC2, or `None` for Fargate (priced per
    /// task by `crate::ecs::fargate`, no instances). An awsvpc service's
    /// `container_ports` are the ports its tasks would bind in `host` and `bridge` mode;
    /// they stay on the service only while it is awsvpc.
    pub fn rewrite(self, workload: &Workload) -> Option<Rewritten> {
        let all = |mode: NetworkMode, ports: &dyn Fn(&Service) -> Vec<u16>| Workload {
            services: workload
                .services
                .iter()
                .map(|s| Service {
                    network_mode: mode,
                    host_ports: ports(s),
                    container_ports: if mode == NetworkMode::Awsvpc {
                        s.container_ports.clone()
                    } else {
                        Vec::new()
                    },
                    ..s.clone()
                })
                .collect(),
        };
        let mut notes = Vec::new();
        let (workload, eni_trunking) = match self {
            Scenario::Declared => (workload.clone(), None),
            Scenario::Host => {
                let (rewritten, note) = host(workload);
                notes.extend(note);
                (rewritten, None)
            }
            Scenario::Bridge => (all(NetworkMode::Bridge, &|s| bound_ports(s).to_vec()), None),
            Scenario::BridgeDynamic => (all(NetworkMode::Bridge, &|s| vec![0; bound_ports(s).len()]), None),
            Scenario::Awsvpc => (all(NetworkMode::Awsvpc, &|_| Vec::new()), Some(false)),
            Scenario::AwsvpcTrunking => (all(NetworkMode::Awsvpc, &|_| Vec::new()), Some(true)),
            Scenario::None => (all(NetworkMode::None, &|_| Vec::new()), None),
            Scenario::Fargate => return None,
        };
        Some(Rewritten {
            workload,
            eni_trunking,
            notes,
        })
    }
}

/// The ports a task of `s` binds once it leaves awsvpc for host or bridge: an awsvpc
/// service's container ports (a static mapping with hostPort = containerPort), every
/// other service's host ports as declared.
fn bound_ports(s: &Service) -> &[u16] {
    match s.network_mode {
        NetworkMode::Awsvpc => &s.container_ports,
        _ => &s.host_ports,
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every service in host mode: static ports keep their number, an awsvpc service's
/// container ports become its host ports, and each `0` becomes a port of its own that no
/// other service binds, so that two tasks of the service never share an instance, as
/// host mode requires. An awsvpc service without container ports still listens on some
/// port: it gets one private port, and the note names it. The private ports are the
/// lowest from [`FIRST_PRIVATE_PORT`] up that the workload does not list and the agent
/// does not reserve, handed out in file order: the same workload always gets the same
/// ports.
fn host(workload: &Workload) -> (Workload, Option<String>) {
    let taken: BTreeSet<u16> = workload
        .services
        .iter()
        .flat_map(|s| s.host_ports.iter().chain(&s.container_ports).copied())
        .chain(RESERVED_PORTS)
        .collect();
    let mut free = (FIRST_PRIVATE_PORT..=u16::MAX)
        .chain(1..FIRST_PRIVATE_PORT)
        .filter(|p| !taken.contains(p));
    let mut private = || free.next().expect("fewer than 65,000 ports in a workload");
    let mut unlisted = Vec::new();
    let services = workload
        .services
        .iter()
        .map(|s| {
            let host_ports = if s.network_mode == NetworkMode::Awsvpc && s.container_ports.is_empty() {
                let port = private();
                unlisted.push(format!("`{}` ({port})", s.name));
                vec![port]
            } else {
                bound_ports(s)
                    .iter()
                    .map(|&p| if p == 0 { private() } else { p })
                    .collect()
            };
            Service {
                network_mode: NetworkMode::Host,
                host_ports,
                container_ports: Vec::new(),
                ..s.clone()
            }
        })
        .collect();
    let note = (!unlisted.is_empty()).then(|| {
        let (noun, each) = if unlisted.len() == 1 {
            ("service lists", "it gets")
        } else {
            ("services list", "each gets")
        };
        format!(
            "{} awsvpc {noun} no container_ports: {each} one host port private to it, so two of its tasks never share an instance: {}; list their container_ports for the real ports",
            unlisted.len(),
            super::some_names(&unlisted)
        )
    });
    (Workload { services }, note)
}

/// What stops more tasks from packing onto an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Limit {
    /// A resource of the instance: the one with the highest utilisation.
    Resource(Resource),
    /// Another task of each service on the instance would fit, but its static host port
    /// is already bound there.
    HostPorts,
    /// Another task of each service on the instance would fit, but the services are
    /// `distinct_instance`.
    DistinctInstance,
}

impl Limit {
    /// The name in reports: the resource's name, `host_ports` or `distinct_instance`.
    pub fn name(self) -> &'static str {
        match self {
            // A full static-port table and a port conflict are both the host-port rule.
            Limit::Resource(r) => r.name(),
            Limit::HostPorts => Resource::StaticPorts.name(),
            Limit::DistinctInstance => "distinct_instance",
        }
    }
}

/// What binds one instance of a checked plan, given the services it runs.
///
/// For each service on the instance, ask what stops one more of its tasks: a resource
/// that would overflow, or else a rule (its static host port is bound already, or it is
/// `distinct_instance`). When a rule stops every service there and no resource does, the
/// instance is bound by that rule (host ports take precedence). Otherwise it is bound by
/// its most used resource (highest `used / capacity`; on a tie the first in
/// `Resource::ALL`).
pub fn instance_limit(services: &[&Service], usage: &InstanceUsage) -> Limit {
    let overflows = |s: &Service| {
        let need = rules::task_usage(s);
        Resource::ALL
            .iter()
            .any(|&r| usage.used[r as usize] + need[r as usize] > usage.capacity[r as usize])
    };
    let by_rule: Vec<Option<Limit>> = services
        .iter()
        .map(|s| {
            if overflows(s) {
                None
            } else if !s.static_ports().is_empty() {
                Some(Limit::HostPorts)
            } else if s.distinct_instance {
                Some(Limit::DistinctInstance)
            } else {
                None
            }
        })
        .collect();
    if !by_rule.is_empty() && by_rule.iter().all(Option::is_some) {
        return by_rule.into_iter().flatten().min().expect("not empty");
    }
    let utilisation = |r: Resource| {
        let (u, c) = (usage.used[r as usize], usage.capacity[r as usize]);
        if c == 0 {
            0.0
        } else {
            u as f64 / c as f64
        }
    };
    let mut best = Resource::Cpu;
    for r in Resource::ALL {
        if utilisation(r) > utilisation(best) {
            best = r;
        }
    }
    Limit::Resource(best)
}

/// How often each limit binds over a plan's instances: `(limit, instances)`, most frequent
/// first (ties in `Limit` order).
pub fn limit_counts(limits: impl IntoIterator<Item = (Limit, u64)>) -> Vec<(Limit, u64)> {
    let mut counts: Vec<(Limit, u64)> = Vec::new();
    for (limit, copies) in limits {
        match counts.iter_mut().find(|(l, _)| *l == limit) {
            Some((_, n)) => *n += copies,
            None => counts.push((limit, copies)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::workload::Scheduling;

    fn service(name: &str, mode: NetworkMode, ports: &[u16]) -> Service {
        Service {
            instance_types: vec!["m5.*".into()],
            line: 2,
            ..Service::sample(name, mode, ports)
        }
    }

    fn mixed() -> Workload {
        Workload {
            services: vec![
                service("web", NetworkMode::Host, &[80, 443]),
                service("api", NetworkMode::Bridge, &[8080, 0]),
                service("worker", NetworkMode::Default, &[0, 0]),
                service("svc", NetworkMode::Awsvpc, &[]),
                service("batch", NetworkMode::None, &[]),
            ],
        }
    }

    fn modes_and_ports(w: &Workload) -> Vec<(NetworkMode, Vec<u16>)> {
        w.services
            .iter()
            .map(|s| (s.network_mode, s.host_ports.clone()))
            .collect()
    }

    /// Everything but the mode and the ports is kept.
    fn assert_rest_kept(before: &Workload, after: &Workload) {
        assert_eq!(before.services.len(), after.services.len());
        for (b, a) in before.services.iter().zip(&after.services) {
            let strip = |s: &Service| Service {
                network_mode: NetworkMode::None,
                host_ports: vec![],
                container_ports: vec![],
                ..s.clone()
            };
            assert_eq!(strip(b), strip(a));
        }
    }

    #[test]
    fn names_round_trip_and_are_the_spec_names() {
        let names: Vec<&str> = Scenario::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(
            names,
            [
                "declared",
                "host",
                "bridge",
                "bridge-dynamic",
                "awsvpc",
                "awsvpc-trunking",
                "none",
                "fargate"
            ]
        );
        for s in Scenario::ALL {
            assert_eq!(Scenario::parse(&s.name().to_uppercase()), Some(s));
        }
        assert_eq!(Scenario::parse("ecs"), None);
    }

    #[test]
    fn declared_changes_nothing_and_keeps_the_trunking_flag() {
        let w = mixed();
        assert_eq!(
            Scenario::Declared.rewrite(&w),
            Some(Rewritten {
                workload: w.clone(),
                eni_trunking: None,
                notes: vec![]
            })
        );
    }

    #[test]
    fn host_keeps_static_ports_and_gives_each_dynamic_one_a_private_port() {
        let w = mixed();
        let r = Scenario::Host.rewrite(&w).unwrap();
        assert_eq!(r.eni_trunking, None);
        assert_rest_kept(&w, &r.workload);
        use NetworkMode::Host;
        assert_eq!(
            modes_and_ports(&r.workload),
            vec![
                (Host, vec![80, 443]),
                (Host, vec![8080, 10000]),
                (Host, vec![10001, 10002]),
                (Host, vec![10003]),
                (Host, vec![]),
            ]
        );
        assert_eq!(
            r.notes,
            ["1 awsvpc service lists no container_ports: it gets one host port private to it, so two of its tasks never share an instance: `svc` (10003); list their container_ports for the real ports"]
        );
        // A port with a dynamic mapping now stops two tasks of the service sharing.
        assert!(!rules::tasks_may_share(&r.workload.services[2]));
    }

    fn with_container_ports(name: &str, ports: &[u16]) -> Service {
        Service {
            container_ports: ports.to_vec(),
            ..service(name, NetworkMode::Awsvpc, &[])
        }
    }

    #[test]
    fn awsvpc_container_ports_become_host_ports_and_static_bridge_mappings() {
        let w = Workload {
            services: vec![
                with_container_ports("api", &[8080, 9090]),
                with_container_ports("lonely", &[]),
                service("web", NetworkMode::Bridge, &[0]),
            ],
        };
        let host = Scenario::Host.rewrite(&w).unwrap();
        // 10000 goes to `lonely`, the awsvpc service without container ports, and the
        // next free one to web's dynamic mapping; container ports are gone in host mode.
        assert_eq!(
            modes_and_ports(&host.workload),
            vec![
                (NetworkMode::Host, vec![8080, 9090]),
                (NetworkMode::Host, vec![10000]),
                (NetworkMode::Host, vec![10001])
            ]
        );
        assert!(host.workload.services.iter().all(|s| s.container_ports.is_empty()));
        assert_eq!(host.notes.len(), 1);
        assert!(host.notes[0].contains("`lonely` (10000)"), "{}", host.notes[0]);
        let bridge = Scenario::Bridge.rewrite(&w).unwrap();
        assert_eq!(
            modes_and_ports(&bridge.workload),
            vec![
                (NetworkMode::Bridge, vec![8080, 9090]),
                (NetworkMode::Bridge, vec![]),
                (NetworkMode::Bridge, vec![0])
            ]
        );
        assert!(bridge.notes.is_empty());
        let dynamic = Scenario::BridgeDynamic.rewrite(&w).unwrap();
        assert_eq!(
            modes_and_ports(&dynamic.workload)
                .into_iter()
                .map(|(_, p)| p)
                .collect::<Vec<_>>(),
            vec![vec![0, 0], vec![], vec![0]]
        );
        // awsvpc keeps them (they constrain nothing there); none drops them.
        let awsvpc = Scenario::Awsvpc.rewrite(&w).unwrap();
        assert_eq!(awsvpc.workload.services[0].container_ports, [8080, 9090]);
        let none = Scenario::None.rewrite(&w).unwrap();
        assert!(none.workload.services.iter().all(|s| s.container_ports.is_empty()));
    }

    #[test]
    fn host_private_ports_skip_ports_in_use_and_reserved_ones() {
        let w = Workload {
            services: vec![
                service("a", NetworkMode::Bridge, &[10000, 0]),
                service("b", NetworkMode::Bridge, &[0, 10001]),
                service("c", NetworkMode::Bridge, &[0]),
            ],
        };
        let r = Scenario::Host.rewrite(&w).unwrap();
        assert_eq!(
            modes_and_ports(&r.workload)
                .into_iter()
                .map(|(_, p)| p)
                .collect::<Vec<_>>(),
            vec![vec![10000, 10002], vec![10003, 10001], vec![10004]]
        );
        // When the ports from 10000 up run out, the search wraps to the low ports and
        // still skips the agent's reserved ones.
        let mut busy: Vec<Service> = (10000..=u16::MAX)
            .map(|p| service(&format!("s{p}"), NetworkMode::Host, &[p]))
            .collect();
        busy.push(service("w", NetworkMode::Bridge, &[0; 25]));
        let r = Scenario::Host.rewrite(&Workload { services: busy }).unwrap();
        let ports = &r.workload.services.last().unwrap().host_ports;
        assert!(ports.contains(&21) && !ports.contains(&22) && ports.contains(&23) && ports.contains(&26));
        // Deterministic.
        assert_eq!(Scenario::Host.rewrite(&w), Scenario::Host.rewrite(&w));
    }

    #[test]
    fn bridge_keeps_ports_as_declared() {
        let w = mixed();
        let r = Scenario::Bridge.rewrite(&w).unwrap();
        assert_rest_kept(&w, &r.workload);
        use NetworkMode::Bridge;
        assert_eq!(
            modes_and_ports(&r.workload),
            vec![
                (Bridge, vec![80, 443]),
                (Bridge, vec![8080, 0]),
                (Bridge, vec![0, 0]),
                (Bridge, vec![]),
                (Bridge, vec![])
            ]
        );
    }

    #[test]
    fn bridge_dynamic_makes_every_port_dynamic() {
        let w = mixed();
        let r = Scenario::BridgeDynamic.rewrite(&w).unwrap();
        assert_rest_kept(&w, &r.workload);
        use NetworkMode::Bridge;
        assert_eq!(
            modes_and_ports(&r.workload),
            vec![
                (Bridge, vec![0, 0]),
                (Bridge, vec![0, 0]),
                (Bridge, vec![0, 0]),
                (Bridge, vec![]),
                (Bridge, vec![])
            ]
        );
        assert!(r.workload.services.iter().all(rules::tasks_may_share));
    }

    #[test]
    fn awsvpc_and_none_drop_the_ports_and_fix_trunking() {
        let w = mixed();
        for (scenario, mode, trunking) in [
            (Scenario::Awsvpc, NetworkMode::Awsvpc, Some(false)),
            (Scenario::AwsvpcTrunking, NetworkMode::Awsvpc, Some(true)),
            (Scenario::None, NetworkMode::None, None),
        ] {
            let r = scenario.rewrite(&w).unwrap();
            assert_rest_kept(&w, &r.workload);
            assert_eq!(r.eni_trunking, trunking, "{scenario}");
            assert!(r
                .workload
                .services
                .iter()
                .all(|s| s.network_mode == mode && s.host_ports.is_empty()));
        }
    }

    #[test]
    fn fargate_has_no_ec2_workload() {
        assert_eq!(Scenario::Fargate.rewrite(&mixed()), None);
    }

    fn usage(used: [u64; 6], capacity: [u64; 6]) -> InstanceUsage {
        InstanceUsage {
            instance_id: "i-0001".into(),
            copies: 1,
            instance_type: "m5.large".into(),
            zone: None,
            price_usd_hour: 0.096,
            used,
            capacity,
            host_ports: vec![],
        }
    }

    const M5_LARGE: [u64; 6] = [2048, 7946, 0, 2, 95, 16383];

    #[test]
    fn the_most_used_resource_binds() {
        let w = Workload {
            services: vec![service("a", NetworkMode::None, &[])],
        };
        // 6 tasks: 1536 of 2048 CPU (75 %), 3072 of 7946 MiB (39 %); one more fits.
        let u = usage([1536, 3072, 0, 0, 0, 0], M5_LARGE);
        assert_eq!(instance_limit(&[&w.services[0]], &u), Limit::Resource(Resource::Cpu));
        let heavy = Workload {
            services: vec![Service {
                memory_mib: 1900,
                ..service("a", NetworkMode::None, &[])
            }],
        };
        let u = usage([1024, 7600, 0, 0, 0, 0], M5_LARGE);
        assert_eq!(
            instance_limit(&[&heavy.services[0]], &u),
            Limit::Resource(Resource::Memory)
        );
        // Two awsvpc tasks fill the ENIs of an m5.large.
        let vpc = Workload {
            services: vec![service("a", NetworkMode::Awsvpc, &[])],
        };
        let u = usage([512, 1024, 0, 2, 0, 0], M5_LARGE);
        assert_eq!(
            instance_limit(&[&vpc.services[0]], &u),
            Limit::Resource(Resource::AwsvpcTasks)
        );
    }

    #[test]
    fn a_port_conflict_binds_when_resources_would_allow_another_task() {
        let w = Workload {
            services: vec![
                service("web", NetworkMode::Host, &[80]),
                service("api", NetworkMode::Host, &[8080]),
            ],
        };
        let u = usage([512, 1024, 0, 0, 2, 0], M5_LARGE);
        assert_eq!(instance_limit(&[&w.services[0], &w.services[1]], &u), Limit::HostPorts);
        assert_eq!(Limit::HostPorts.name(), "host_ports");
        // With one service that could take another task, the resources decide.
        let w2 = Workload {
            services: vec![w.services[0].clone(), service("api", NetworkMode::Bridge, &[0])],
        };
        let u = usage([512, 1024, 0, 0, 1, 1], M5_LARGE);
        assert_eq!(
            instance_limit(&[&w2.services[0], &w2.services[1]], &u),
            Limit::Resource(Resource::Cpu)
        );
        // When another task would not fit anyway, the full resource binds, not the port.
        let u = usage([1900, 1024, 0, 0, 2, 0], M5_LARGE);
        assert_eq!(
            instance_limit(&[&w.services[0], &w.services[1]], &u),
            Limit::Resource(Resource::Cpu)
        );
        // distinct_instance is a rule of its own.
        let d = Workload {
            services: vec![Service {
                distinct_instance: true,
                container_ports: Vec::new(),
                scheduling: Scheduling::Replica,
                ..service("d", NetworkMode::None, &[])
            }],
        };
        let u = usage([256, 512, 0, 0, 0, 0], M5_LARGE);
        assert_eq!(instance_limit(&[&d.services[0]], &u), Limit::DistinctInstance);
    }

    #[test]
    fn limits_are_counted_most_frequent_first() {
        use Limit::*;
        let counts = limit_counts([
            (Resource(super::Resource::Memory), 1),
            (HostPorts, 2),
            (Resource(super::Resource::Cpu), 1),
            (Resource(super::Resource::Memory), 1),
        ]);
        assert_eq!(
            counts,
            vec![
                (Resource(super::Resource::Memory), 2),
                (HostPorts, 2),
                (Resource(super::Resource::Cpu), 1)
            ]
        );
    }
}
