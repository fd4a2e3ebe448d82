//! The independent plan checker. It recomputes every instance's usage from the placement
//! rows and the input files alone, sharing only the table of ECS figures
//! (`crate::ecs::rules`) with the planner, and lists every rule a plan breaks.

pub mod daemons;
pub mod zones;

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crate::ecs::catalog::{Catalog, InstanceType};
use crate::ecs::placement::{self, InstanceRows, InstanceUsage, PlacementRow};
use crate::ecs::rules::{self, Amounts, Figures, Resource, TypePatterns};
use crate::ecs::workload::{Service, Workload};

/// Which rule a plan breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViolationKind {
    /// An instance type that the catalog does not have.
    UnknownType,
    /// A type of the catalog that `--types` excludes.
    ExcludedType,
    /// One instance listed under two types.
    TwoTypes,
    /// A service with more than one row on an instance.
    RepeatedRow,
    /// A service that the workload does not have.
    UnknownService,
    /// A row with 0 tasks.
    NoTasks,
    /// A service on an instance of an architecture its image does not run on.
    WrongArch,
    /// A service on a type its `instance_types` does not allow.
    TypeNotAllowed,
    /// More than one task of a `distinct_instance` service on an instance.
    DistinctInstance,
    /// A static host port bound by more than one task of an instance.
    PortConflict,
    /// An instance using more of a resource than it has.
    OverCapacity(Resource),
    /// A service with more or fewer tasks placed than its count (with
    /// `--survive-zone-loss`, than the tasks that survive a zone's loss).
    TaskCount,
    /// A daemon missing from an instance it runs on, repeated there, or on one it may
    /// not run on.
    Daemon,
    /// An instance without a zone, in a zone not planned, or in one its type is not
    /// offered in.
    Zone,
    /// A service whose task counts in two zones differ by more than one.
    Spread,
}

/// One broken rule: what kind, where, and the text that says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub kind: ViolationKind,
    /// Line in the placements file (1-based), 0 when the rule concerns no single row.
    pub line: u64,
    pub instance: Option<String>,
    pub service: Option<String>,
    /// The whole finding, without the line.
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: ", self.line)?;
        }
        f.write_str(&self.detail)
    }
}

/// The checker's findings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckReport {
    /// Instances (groups of identical ones as given) in order of first appearance.
    pub instances: Vec<InstanceUsage>,
    /// Every broken rule, in a stable order; empty for a valid plan.
    pub violations: Vec<Violation>,
}

impl CheckReport {
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }

    pub fn cost_per_hour(&self) -> f64 {
        placement::cost_per_hour(&self.instances)
    }

    /// Instances in all, counting every copy.
    pub fn instance_count(&self) -> u64 {
        placement::instance_count(&self.instances)
    }
}

/// What the checker reads besides the rows, and where it writes its findings.
struct Checker<'a> {
    workload: &'a Workload,
    figures: &'a Figures,
    types: &'a TypePatterns,
    services: HashMap<&'a str, usize>,
    /// Each service's `instance_types` filter; `None` when it does not compile (the
    /// readers reject such patterns, so only rows built by hand reach this).
    filters: Vec<Option<TypePatterns>>,
    /// The daemon services' indices.
    daemons: Vec<usize>,
    /// Tasks of each service on the instance being checked; zero between instances (only
    /// the entries an instance set are cleared, so a check costs its rows, not the
    /// workload's services).
    tasks_here: Vec<u64>,
    violations: Vec<Violation>,
}

impl Checker<'_> {
    fn report(&mut self, kind: ViolationKind, line: u64, instance: &str, service: Option<&str>, detail: String) {
        self.violations.push(Violation {
            kind,
            line,
            instance: (!instance.is_empty()).then(|| instance.to_string()),
            service: service.map(str::to_string),
            detail,
        });
    }

    /// Checks one instance's rows against its type, adds the tasks of each service, times
    /// the instance's copies, to `placed`, and returns the instance's usage recomputed
    /// from the rows. Identical copies break the same rules: each finding names the first
    /// and how many are alike.
    fn instance(&mut self, instance: &InstanceRows, t: &InstanceType, placed: &mut [u64]) -> InstanceUsage {
        use ViolationKind::*;
        let label = alike(instance);
        let id = label.as_str();
        let rows = &instance.rows;
        if !self.types.allows(&t.instance_type) {
            let detail = format!(
                "instance {id}: type {} is excluded by --types `{}`",
                t.instance_type,
                self.types.display()
            );
            self.report(ExcludedType, 0, id, None, detail);
        }
        let capacity = self.figures.capacity(t);
        let mut used: Amounts = [0; 6];
        let mut port_users: BTreeMap<u16, Vec<&str>> = BTreeMap::new();
        let mut seen_services: Vec<&str> = Vec::new();
        let mut tasks_here = std::mem::take(&mut self.tasks_here);
        for row in rows {
            if !row.instance_type.eq_ignore_ascii_case(&t.instance_type) {
                let detail = format!(
                    "instance {id} is listed as both {} and {}",
                    t.instance_type, row.instance_type
                );
                self.report(TwoTypes, row.line, id, None, detail);
            }
            if seen_services.contains(&row.service.as_str()) {
                let detail = format!("instance {id}: service `{}` has more than one row", row.service);
                self.report(RepeatedRow, row.line, id, Some(&row.service), detail);
            }
            seen_services.push(&row.service);
            let Some(&s) = self.services.get(row.service.as_str()) else {
                let detail = format!("instance {id}: service `{}` is not in the workload", row.service);
                self.report(UnknownService, row.line, id, Some(&row.service), detail);
                continue;
            };
            let service = &self.workload.services[s];
            placed[s] += u64::from(row.tasks) * instance.copies;
            tasks_here[s] += u64::from(row.tasks);
            self.service_on(id, t, service, &self.filters[s].clone(), row);
            let per_task = rules::task_usage(service);
            for r in Resource::ALL {
                used[r as usize] += per_task[r as usize] * u64::from(row.tasks);
            }
            for port in service.static_ports() {
                for _ in 0..row.tasks {
                    port_users.entry(port).or_default().push(&service.name);
                }
            }
        }
        for detail in daemons::check_instance(self.workload, &self.daemons, &self.filters, t, id, &tasks_here) {
            self.report(Daemon, 0, id, None, detail);
        }
        for row in rows {
            if let Some(&s) = self.services.get(row.service.as_str()) {
                tasks_here[s] = 0;
            }
        }
        self.tasks_here = tasks_here;
        for (port, users) in &port_users {
            if users.len() > 1 {
                let users: Vec<String> = users.iter().map(|u| u.to_string()).collect();
                let detail = format!(
                    "instance {id}: host port {port} is bound by {} tasks ({})",
                    users.len(),
                    crate::ecs::some_names(&users)
                );
                self.report(PortConflict, 0, id, None, detail);
            }
        }
        for r in Resource::ALL {
            let (u, c) = (used[r as usize], capacity[r as usize]);
            if u > c {
                let detail = format!(
                    "instance {id} ({}): uses {} but has {}",
                    t.instance_type,
                    r.describe(u),
                    r.describe(c)
                );
                self.report(OverCapacity(r), 0, id, None, detail);
            }
        }
        InstanceUsage {
            instance_id: instance.instance_id.clone(),
            copies: instance.copies,
            instance_type: t.instance_type.clone(),
            zone: instance.zone.clone(),
            price_usd_hour: t.price_usd_hour,
            used,
            capacity,
            host_ports: port_users.keys().copied().collect(),
        }
    }

    /// The rules of one service's row on an instance of type `t`, apart from usage.
    fn service_on(
        &mut self,
        id: &str,
        t: &InstanceType,
        service: &Service,
        filter: &Option<TypePatterns>,
        row: &PlacementRow,
    ) {
        use ViolationKind::*;
        let name = Some(service.name.as_str());
        if row.tasks == 0 {
            let detail = format!("instance {id}: service `{}` has a row with 0 tasks", service.name);
            self.report(NoTasks, row.line, id, name, detail);
        }
        if !service.arch.runs_on(t.arch) {
            let detail = format!(
                "instance {id}: service `{}` needs arch {} but {} is {}",
                service.name,
                service.arch.as_str(),
                t.instance_type,
                t.arch.as_str()
            );
            self.report(WrongArch, 0, id, name, detail);
        }
        if let Some(filter) = filter {
            if !filter.allows(&t.instance_type) {
                let detail = format!(
                    "instance {id}: service `{}` may only use `{}`, not {}",
                    service.name,
                    filter.display(),
                    t.instance_type
                );
                self.report(TypeNotAllowed, 0, id, name, detail);
            }
        }
        if service.distinct_instance && row.tasks > 1 {
            let detail = format!(
                "instance {id}: service `{}` is distinct_instance but has {} tasks here",
                service.name, row.tasks
            );
            self.report(DistinctInstance, 0, id, name, detail);
        }
    }
}

/// Checks placement rows against the workload, catalog and rules. `types` is the
/// `--types` restriction (empty allows every type of the catalog).
pub fn check(
    workload: &Workload,
    catalog: &Catalog,
    figures: &Figures,
    types: &TypePatterns,
    rows: &[PlacementRow],
) -> CheckReport {
    check_instances(
        workload,
        catalog,
        figures,
        types,
        &placement::by_instance(rows.to_vec(), None),
    )
}

/// [`check`] on rows grouped by instance: each entry is checked once against every rule
/// and its tasks counted times its copies.
pub fn check_instances(
    workload: &Workload,
    catalog: &Catalog,
    figures: &Figures,
    types: &TypePatterns,
    instances: &[InstanceRows],
) -> CheckReport {
    let mut checker = Checker {
        workload,
        figures,
        types,
        services: workload
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.as_str(), i))
            .collect(),
        filters: rules::compile_each(workload.services.iter().map(|s| s.instance_types.as_slice()))
            .into_iter()
            .map(Result::ok)
            .collect(),
        daemons: (0..workload.services.len())
            .filter(|&s| workload.services[s].is_daemon())
            .collect(),
        tasks_here: vec![0; workload.services.len()],
        violations: Vec::new(),
    };
    let mut placed = vec![0u64; workload.services.len()];
    let mut usage = Vec::with_capacity(instances.len());
    for instance in instances {
        let Some(first) = instance.rows.first() else {
            continue;
        };
        let type_name = &first.instance_type;
        let Some(t) = catalog.find(type_name) else {
            let detail = format!("instance {}: type `{type_name}` is not in the catalog", alike(instance));
            checker.report(
                ViolationKind::UnknownType,
                first.line,
                &instance.instance_id,
                None,
                detail,
            );
            continue;
        };
        usage.push(checker.instance(instance, t, &mut placed));
    }
    for (s, service) in workload.services.iter().enumerate() {
        if service.is_daemon() {
            continue;
        }
        let expected = figures.zones.placed(service.count);
        if placed[s] != u64::from(expected) {
            let why = if expected != service.count {
                format!(
                    " ({} to keep {} after the loss of any one of {} zones)",
                    expected,
                    service.count,
                    figures.zones.count()
                )
            } else {
                String::new()
            };
            let detail = format!(
                "service `{}`: {} of {} tasks placed{why}",
                service.name, placed[s], expected
            );
            checker.report(ViolationKind::TaskCount, 0, "", Some(&service.name), detail);
        }
    }
    CheckReport {
        instances: usage,
        violations: checker.violations,
    }
}

/// How findings name an instance: its id, and how many more are alike when it stands for
/// several.
fn alike(instance: &InstanceRows) -> String {
    match instance.copies {
        1 => instance.instance_id.clone(),
        n => format!("{} (and {} more alike)", instance.instance_id, n - 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::workload::NetworkMode;
    use crate::input::parse_catalog;

    fn group(id: &str, copies: u64, service: &str, tasks: u32) -> InstanceRows {
        InstanceRows {
            instance_id: id.into(),
            copies,
            zone: None,
            rows: vec![PlacementRow {
                instance_id: id.into(),
                instance_type: "m.large".into(),
                service: service.into(),
                tasks,
                line: 0,
            }],
        }
    }

    #[test]
    fn a_port_bound_by_many_tasks_names_ten_then_counts_the_rest() {
        let catalog = parse_catalog(
            "instance_type,family,vcpu,memory_mib,arch,gpus,max_enis,ipv4_per_eni,trunking,awsvpc_trunk_tasks,price_usd_hour\n\
             m.large,m,2,8192,x86_64,0,3,10,false,,0.1\n",
            "c.csv",
        )
        .unwrap();
        let mut web = Service::sample("web", NetworkMode::Host, &[80]);
        web.count = 12;
        let workload = Workload { services: vec![web] };
        let all = TypePatterns::new(&[]).unwrap();
        let report = check_instances(
            &workload,
            &catalog,
            &Figures::default(),
            &all,
            &[group("i-0001", 1, "web", 12)],
        );
        let conflicts: Vec<&str> = report
            .violations
            .iter()
            .filter(|v| v.kind == ViolationKind::PortConflict)
            .map(|v| v.detail.as_str())
            .collect();
        let ten = vec!["web"; 10].join(", ");
        assert_eq!(
            conflicts,
            [format!(
                "instance i-0001: host port 80 is bound by 12 tasks ({ten} and 2 more)"
            )]
        );
    }

    #[test]
    fn a_grouped_plan_with_one_bad_group_is_refused_and_counts_multiply() {
        let catalog = parse_catalog(
            "instance_type,family,vcpu,memory_mib,arch,gpus,max_enis,ipv4_per_eni,trunking,awsvpc_trunk_tasks,price_usd_hour\n\
             m.large,m,2,8192,x86_64,0,3,10,false,,0.1\n",
            "c.csv",
        )
        .unwrap();
        let mut web = Service::sample("web", NetworkMode::Bridge, &[]);
        web.count = 4_000_003;
        let workload = Workload { services: vec![web] };
        let figures = Figures::default();
        let all = TypePatterns::new(&[]).unwrap();
        // 1,000,000 instances of 4 tasks and one of 3: every task placed.
        let good = [group("i-0000001", 1_000_000, "web", 4), group("i-1000001", 1, "web", 3)];
        let report = check_instances(&workload, &catalog, &figures, &all, &good);
        assert_eq!(report.violations, vec![]);
        assert_eq!(report.instance_count(), 1_000_001);
        assert!((report.cost_per_hour() - 100_000.1).abs() < 1e-6);
        // The same with the million as 1,000,000 instances of 9 tasks (over 2 vCPU): the
        // group breaks the CPU rule once, and its tasks count a million times.
        let bad = [group("i-0000001", 1_000_000, "web", 9), group("i-1000001", 1, "web", 3)];
        let report = check_instances(&workload, &catalog, &figures, &all, &bad);
        let kinds: Vec<ViolationKind> = report.violations.iter().map(|v| v.kind).collect();
        assert_eq!(
            kinds,
            [ViolationKind::OverCapacity(Resource::Cpu), ViolationKind::TaskCount]
        );
        assert!(report.violations[0]
            .detail
            .contains("i-0000001 (and 999999 more alike)"));
        assert!(report.violations[1].detail.contains("9000003 of 4000003 tasks placed"));
    }
}
