//! Reading ECS's own descriptions: the JSON that `aws ecs describe-services` and
//! `aws ecs describe-task-definition` print becomes a workload, one row per service run
//! on EC2. The rows go through the workload reader's own checks, so what `import` writes
//! `plan` accepts; every problem points at its place in the JSON, and everything not
//! carried over is a note.

pub mod json;
pub mod mapping;
pub mod model;
pub mod query;

use std::collections::BTreeMap;
use std::path::PathBuf;

use json::{JsonFile, Step};
use mapping::Place;
use model::{DescribeServices, EcsService, TaskDefinition};

use crate::ecs::workload::Workload;
use crate::input::{self, Diagnostic, InputErrors};

const DESCRIBE_SERVICES: &str = "`aws ecs describe-services --output json`";
const DESCRIBE_TASK_DEFINITION: &str = "`aws ecs describe-task-definition --output json`";

/// The files to import, and whether a constraint that cannot be carried over is a note
/// rather than an error.
#[derive(Debug, Clone)]
pub struct Sources {
    pub services: Vec<PathBuf>,
    pub task_definitions: Vec<PathBuf>,
    pub ignore_unsupported: bool,
}

impl Sources {
    /// The services files, as messages about the whole workload name them.
    pub fn name(&self) -> String {
        self.services
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// An imported workload.
#[derive(Debug, Clone)]
pub struct Imported {
    /// Each service's `line` is its line in its services file.
    pub workload: Workload,
    /// The workload CSV.
    pub csv: Vec<u8>,
    /// What was left out or not carried over, one line each, in file order.
    pub notes: Vec<String>,
}

/// A task definition and where it is.
struct Located {
    task: TaskDefinition,
    file: usize,
    path: Vec<Step<'static>>,
}

/// A service's row and where the service is.
struct Origin {
    file: usize,
    index: usize,
    line: u64,
    column: u64,
}

/// Imports the workload that `sources` describe.
pub fn import(sources: &Sources) -> Result<Imported, InputErrors> {
    let mut problems = Vec::new();
    let mut notes = Vec::new();

    let task_files = read_all(&sources.task_definitions, DESCRIBE_TASK_DEFINITION, &mut problems);
    let mut tasks: Vec<Located> = Vec::new();
    for (f, file) in task_files.iter().enumerate() {
        let Some(file) = file else { continue };
        let entries: Vec<(Vec<Step<'static>>, TaskDefinition)> =
            if file.text.trim_start_matches('\u{feff}').trim_start().starts_with('[') {
                match file.parse::<Vec<TaskDefinition>>(DESCRIBE_TASK_DEFINITION) {
                    Ok(list) => list
                        .into_iter()
                        .enumerate()
                        .map(|(i, t)| (vec![Step::Index(i)], t))
                        .collect(),
                    Err(d) => {
                        problems.push(d);
                        continue;
                    }
                }
            } else {
                match file.parse::<TaskDefinition>(DESCRIBE_TASK_DEFINITION) {
                    Ok(t) => vec![(vec![], t)],
                    Err(d) => {
                        problems.push(d);
                        continue;
                    }
                }
            };
        for (mut path, entry) in entries {
            let task = match entry.task_definition {
                Some(inner) => {
                    path.push(Step::Key("taskDefinition"));
                    *inner
                }
                None => entry,
            };
            tasks.push(Located { task, file: f, path });
        }
    }
    let index = TaskIndex::new(&tasks);
    // A service whose task definition is missing is only reported when every task
    // definitions file could be read: otherwise it is likely in the broken one.
    let all_tasks_read = problems.is_empty();

    let service_files = read_all(&sources.services, DESCRIBE_SERVICES, &mut problems);
    let mut described: Vec<(usize, usize, EcsService)> = Vec::new();
    let mut positions: Vec<Vec<(u64, u64)>> = vec![Vec::new(); service_files.len()];
    for (f, file) in service_files.iter().enumerate() {
        let Some(file) = file else { continue };
        match file.parse::<DescribeServices>(DESCRIBE_SERVICES) {
            Ok(output) => {
                for failure in output.failures {
                    notes.push(format!(
                        "{}: describe-services could not describe `{}`: {}{}",
                        file.name,
                        failure.arn.as_deref().unwrap_or("?"),
                        failure.reason.as_deref().unwrap_or("no reason given"),
                        failure.detail.map(|d| format!(" ({d})")).unwrap_or_default()
                    ));
                }
                positions[f] = file.element_positions(&[Step::Key("services")]);
                described.extend(output.services.into_iter().enumerate().map(|(i, s)| (f, i, s)));
            }
            Err(d) => problems.push(d),
        }
    }
    let files = |f: usize| {
        service_files[f]
            .as_ref()
            .expect("services come from files that were read")
    };
    let position = |f: usize, i: usize| positions[f].get(i).copied().unwrap_or((0, 0));

    let mut rows = Vec::new();
    let mut origins: Vec<Origin> = Vec::new();
    let mut first_seen: BTreeMap<String, (usize, u64)> = BTreeMap::new();
    for (f, i, service) in &described {
        let (line, column) = position(*f, *i);
        let at = |cause: String, fix: &str| Diagnostic {
            file: files(*f).name.clone(),
            line,
            column,
            cause,
            fix: fix.to_string(),
        };
        let Some(name) = service.service_name.as_deref().filter(|n| !n.is_empty()) else {
            problems.push(at(
                "a service has no `serviceName`".into(),
                "give the output of describe-services unchanged",
            ));
            continue;
        };
        if let Some(reason) = left_out(service) {
            notes.push(format!("service `{name}`: left out: {reason}"));
            continue;
        }
        let providers = &service.capacity_provider_strategy;
        if providers.iter().any(is_fargate) {
            notes.push(format!(
                "service `{name}`: its capacity provider strategy mixes Fargate and EC2: every task is planned on EC2"
            ));
        } else if providers.is_empty() && service.launch_type.is_none() {
            notes.push(format!(
                "service `{name}`: it names neither a launch type nor a capacity provider strategy: planned on EC2"
            ));
        }
        if let Some(&(first_file, first_line)) = first_seen.get(name) {
            problems.push(at(
                format!(
                    "the service `{name}` is described twice: also in {} on line {first_line}",
                    files(first_file).name
                ),
                "import one cluster at a time, or leave out the repeated description",
            ));
            continue;
        }
        first_seen.insert(name.to_string(), (*f, line));
        let reference = service.task_definition.as_deref().unwrap_or("");
        let Some(task) = index.find(reference).map(|t| &tasks[t]) else {
            if !all_tasks_read {
                continue;
            }
            problems.push(at(
                format!("service `{name}`: its task definition `{reference}` is in none of the --task-definitions files"),
                &format!(
                    "add the output of `aws ecs describe-task-definition --task-definition {reference}` to --task-definitions"
                ),
            ));
            continue;
        };
        let mapped = mapping::map(name, service, &task.task, sources.ignore_unsupported);
        notes.extend(mapped.notes);
        match mapped.row {
            Ok(row) => {
                rows.push(row);
                origins.push(Origin {
                    file: *f,
                    index: *i,
                    line,
                    column,
                });
            }
            Err(found) => {
                for p in found {
                    let (file, path) = match &p.place {
                        Place::Service(rest) => {
                            let mut path = vec![Step::Key("services"), Step::Index(*i)];
                            path.extend(rest);
                            (files(*f), path)
                        }
                        Place::TaskDefinition(rest) => {
                            let mut path = task.path.clone();
                            path.extend(rest);
                            (task_files[task.file].as_ref().expect("read"), path)
                        }
                    };
                    let (line, column) = file.position(&path);
                    problems.push(Diagnostic {
                        file: file.name.clone(),
                        line,
                        column,
                        cause: p.cause,
                        fix: p.fix,
                    });
                }
            }
        }
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(Diagnostic {
            file: sources.name(),
            line: 0,
            column: 0,
            cause: "no service to plan on EC2 was found".into(),
            fix: format!("give the output of {DESCRIBE_SERVICES} for services that run on EC2"),
        });
    }
    if !problems.is_empty() {
        return Err(InputErrors(problems));
    }

    // The rows pass the workload reader, so that `plan` accepts what `import` writes; a
    // problem it finds points back at the service's place in the JSON.
    let workload = Workload { services: rows };
    let csv = crate::output::inputs::workload_csv(&workload).expect("a CSV in memory is always written");
    let text = String::from_utf8(csv.clone()).expect("the CSV writer writes UTF-8");
    let mut workload = input::parse_workload(&text, "the imported workload").map_err(|errors| {
        InputErrors(
            errors
                .0
                .into_iter()
                .map(|d| {
                    // Line 1 is the header, line 2 the first row.
                    let origin = usize::try_from(d.line)
                        .ok()
                        .and_then(|l| l.checked_sub(2))
                        .and_then(|r| origins.get(r));
                    match origin {
                        Some(o) => Diagnostic {
                            file: files(o.file).name.clone(),
                            line: o.line,
                            column: o.column,
                            cause: format!(
                                "service `{}` as imported: {}",
                                described
                                    .iter()
                                    .find(|(f, i, _)| *f == o.file && *i == o.index)
                                    .and_then(|(_, _, s)| s.service_name.clone())
                                    .unwrap_or_default(),
                                d.cause
                            ),
                            fix: d.fix,
                        },
                        None => d,
                    }
                })
                .collect(),
        )
    })?;
    for (service, origin) in workload.services.iter_mut().zip(&origins) {
        service.line = origin.line;
    }
    Ok(Imported { workload, csv, notes })
}

/// Reads every file; one that cannot be read is a problem.
fn read_all(paths: &[PathBuf], what: &str, problems: &mut Vec<Diagnostic>) -> Vec<Option<JsonFile>> {
    paths
        .iter()
        .map(|p| JsonFile::read(p, what).map_err(|d| problems.push(d)).ok())
        .collect()
}

/// Why a service is not planned on EC2, if it is not.
fn left_out(service: &EcsService) -> Option<String> {
    if let Some(status) = service.status.as_deref().filter(|s| !s.eq_ignore_ascii_case("ACTIVE")) {
        return Some(format!("its status is {status}"));
    }
    match service.launch_type.as_deref() {
        Some(t) if t.eq_ignore_ascii_case("FARGATE") => return Some("it runs on Fargate (launchType FARGATE)".into()),
        Some(t) if t.eq_ignore_ascii_case("EXTERNAL") => {
            return Some("it runs on external instances (launchType EXTERNAL), not on EC2".into())
        }
        _ => {}
    }
    let providers = &service.capacity_provider_strategy;
    if !providers.is_empty() && providers.iter().all(is_fargate) {
        return Some("its capacity provider strategy names only FARGATE / FARGATE_SPOT".into());
    }
    None
}

fn is_fargate(item: &model::CapacityProviderStrategyItem) -> bool {
    item.capacity_provider.eq_ignore_ascii_case("FARGATE")
        || item.capacity_provider.eq_ignore_ascii_case("FARGATE_SPOT")
}

/// Task definitions by ARN, by `family:revision`, and by family (latest revision).
struct TaskIndex {
    by_key: BTreeMap<String, usize>,
    latest: BTreeMap<String, (u32, usize)>,
}

impl TaskIndex {
    fn new(tasks: &[Located]) -> TaskIndex {
        let mut by_key = BTreeMap::new();
        let mut latest: BTreeMap<String, (u32, usize)> = BTreeMap::new();
        for (t, located) in tasks.iter().enumerate() {
            let task = &located.task;
            if let Some(arn) = &task.task_definition_arn {
                by_key.entry(arn.clone()).or_insert(t);
                by_key.entry(family_revision(arn).to_string()).or_insert(t);
            }
            if let (Some(family), Some(revision)) = (&task.family, task.revision) {
                by_key.entry(format!("{family}:{revision}")).or_insert(t);
                let entry = latest.entry(family.clone()).or_insert((revision, t));
                if revision > entry.0 {
                    *entry = (revision, t);
                }
            }
        }
        TaskIndex { by_key, latest }
    }

    /// The task definition a service names: an ARN, `family:revision`, or a family.
    fn find(&self, reference: &str) -> Option<usize> {
        self.by_key
            .get(reference)
            .or_else(|| self.by_key.get(family_revision(reference)))
            .copied()
            .or_else(|| self.latest.get(reference).map(|&(_, t)| t))
    }
}

/// `arn:aws:ecs:…:task-definition/web:7` → `web:7`.
fn family_revision(arn: &str) -> &str {
    arn.rsplit_once("task-definition/").map_or(arn, |(_, tail)| tail)
}
