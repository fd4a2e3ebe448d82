//! Command-line flags, parsed into raw structs by clap and then turned into validated
//! settings (`RuleArgs::figures`, `SolverArgs::settings`) by the commands.

use std::path::PathBuf;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{Args, CommandFactory as _, FromArgMatches as _, Parser, Subcommand, ValueEnum};

use crate::ecs::options::{CatalogSource, PlanOptions};
use crate::ecs::rules::{Figures, TypePatterns};
use crate::ecs::zones::{self, Zones};
use crate::engine::Settings;
use crate::import::Sources;

/// Least-cost capacity planner for Amazon ECS on EC2.
#[derive(Debug, Parser)]
#[command(
    name = "ecsplan",
    version,
    about,
    long_about = None,
    after_help = "Example:\n  ecsplan plan --workload services.csv --out plan/\n  ecsplan compare --workload services.csv --chart compare.svg"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Plan the least-cost fleet and the placement of every task.
    #[command(
        long_about = PLAN_LONG_ABOUT,
        after_help = "Example:\n  ecsplan plan --workload services.csv --out plan/ --time-limit 60\n  \
                            cat services.csv | ecsplan plan --workload - --format csv > placements.csv"
    )]
    Plan(PlanArgs),
    /// Plan one workload under each network mode and on Fargate, and compare the costs.
    #[command(after_help = "Example:\n  ecsplan compare --workload services.csv --out compare/ --chart compare.svg")]
    Compare(CompareArgs),
    /// Verify a plan folder independently of the planner.
    #[command(after_help = "Example:\n  ecsplan check --workload services.csv --plan plan/")]
    Check(CheckArgs),
    /// Run the benchmark suites and report cost, bound, gap and time per instance.
    #[command(after_help = "Example:\n  ecsplan bench --filter 2000 --time-limit 10 --out results.csv")]
    Bench(BenchArgs),
    /// Show the instance catalog with the capacities ECS would register.
    #[command(after_help = "Example:\n  ecsplan catalog --types 'm6i.*;c6g.*' --prices spot.csv")]
    Catalog(CatalogArgs),
    /// Write the workload CSV that `aws ecs describe-services` and
    /// `describe-task-definition` output describe.
    #[command(
        after_help = "Example:\n  ecsplan import --services services.json --task-definitions task-definitions.json --out workload.csv"
    )]
    Import(ImportArgs),
    /// Print a shell completion script on standard output.
    #[command(
        after_help = "Example:\n  ecsplan completions bash > ~/.local/share/bash-completion/completions/ecsplan\n  \
                            ecsplan completions zsh > \"${fpath[1]}/_ecsplan\""
    )]
    Completions(CompletionsArgs),
}

/// `plan --help`: what each workload column means, with an example row.
const PLAN_LONG_ABOUT: &str = "\
Plan the least-cost fleet and the placement of every task.

The workload CSV (--workload) has a header row and one row per service, columns in any
order. Lists inside a field are separated by `;`.

  service            unique name (required)
  cpu                CPU units per task, 1024 = 1 vCPU (required)
  memory_mib         memory ECS reserves per task, in MiB: 2 GiB = 2048 (required)
  count              desired number of tasks (required)
  network_mode       host, bridge, awsvpc, none or default; empty is default, which is
                     bridge (Docker's default network on Linux)
  host_ports         ports a task binds on the host, e.g. 80;443. In bridge mode `0` is
                     a dynamic mapping: the host port comes from --dynamic-port-range.
                     Host mode has no `0`; awsvpc and none take no host ports
  gpus               GPUs per task (empty is 0)
  arch               the image's architecture: x86_64, arm64 or any (empty is any)
  instance_types     glob patterns of the types the service may run on, e.g.
                     m6i.*;c6i.*; a pattern starting with `!` excludes (*;!t*); empty
                     allows every type
  distinct_instance  true: at most one task of the service per instance (empty is false)
  container_ports    awsvpc rows only: the ports a task listens on (containerPort); they
                     constrain nothing under awsvpc, and compare's host and bridge
                     scenarios bind them
  scheduling         replica (empty) or daemon: one task on every instance it may use,
                     with `count` empty or 0

Example:

  service,cpu,memory_mib,count,network_mode,host_ports,gpus,arch,instance_types,distinct_instance
  web,512,1024,4,bridge,0;8443,0,any,m6i.*;!m6i.metal,false

four tasks of 1/2 vCPU and 1 GiB, each with one dynamic port and host port 8443 (so at
most one task per instance), on m6i types other than the metal one.";

/// How results are printed on standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// How `plan` prints its result on standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Table,
    Json,
    /// `placements.csv`, as written into `--out`.
    Csv,
}

/// `on` or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    On,
    Off,
}

impl Switch {
    /// `on` or `off`, as the flag takes it.
    pub fn name(self) -> &'static str {
        match self {
            Switch::On => "on",
            Switch::Off => "off",
        }
    }
}

/// The inputs every planning command reads: a workload CSV, or ECS's JSON to import.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Workload CSV: one row per service; `-` reads it from standard input.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "services",
        conflicts_with = "services"
    )]
    pub workload: Option<PathBuf>,
    /// Instead of --workload: `aws ecs describe-services` output (with --task-definitions).
    #[arg(long, value_name = "FILE", num_args = 1.., requires = "task_definitions")]
    pub services: Vec<PathBuf>,
    /// `aws ecs describe-task-definition` output, one per file or a JSON array.
    #[arg(long, value_name = "FILE", num_args = 1.., requires = "services")]
    pub task_definitions: Vec<PathBuf>,
    /// With --services: import a service without a memberOf constraint that cannot be
    /// carried over, with a note, instead of stopping.
    #[arg(long, requires = "services")]
    pub ignore_unsupported: bool,
    /// Instance catalog CSV [default: the built-in us-east-1 on-demand catalog].
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Price overlay CSV `instance_type,price_usd_hour` (globs allowed; the first row that
    /// matches a type sets its price), for spot, Savings Plans or another region.
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
}

/// The ECS rule options: a plan's validity depends on them.
#[derive(Debug, Clone, Args)]
pub struct RuleArgs {
    /// Count awsvpc tasks against the ENI trunking limit on types that support it.
    #[arg(long, value_enum, default_value = "off", value_name = "on|off")]
    pub eni_trunking: Switch,
    /// Keep this fraction of every instance's CPU and memory free (0 ≤ F < 1).
    #[arg(long, default_value_t = 0.0, value_name = "F")]
    pub headroom: f64,
    /// Restrict the catalog to types matching these `;`-separated glob patterns; a pattern
    /// starting with `!` excludes what it matches (`!t*`: every type but the `t` families).
    #[arg(long, value_name = "GLOBS")]
    pub types: Option<String>,
    /// Registered memory = nominal × (1 − PCT/100) where the catalog has no measured figure.
    #[arg(long, default_value_t = 3.0, value_name = "PCT")]
    pub memory_overhead_pct: f64,
    /// ECS_RESERVED_MEMORY: MiB subtracted from every instance's registered memory.
    #[arg(long, default_value_t = 0, value_name = "MIB")]
    pub reserved_memory_mib: u64,
    /// The dynamic host port range for bridge `0` mappings, inclusive.
    #[arg(long, default_value = "49153-65535", value_name = "LO-HI")]
    pub dynamic_port_range: String,
    /// Put every instance in one of these availability zones (`,`-separated, 1 to 6) and
    /// spread every service's tasks evenly over them.
    #[arg(long, value_name = "NAMES")]
    pub zones: Option<String>,
    /// Place enough tasks that every service keeps its count after losing any one zone
    /// (needs at least 2 zones).
    #[arg(long)]
    pub survive_zone_loss: bool,
}

/// How hard and how the solver works.
#[derive(Debug, Clone, Args)]
pub struct SolverArgs {
    /// Seed for randomized choices: the same seed gives the same plan on any thread count.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Worker threads [default: one per core].
    #[arg(long, default_value_t = 0, hide_default_value = true)]
    pub threads: usize,
    /// Wall-clock budget for the whole solve, in seconds.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub time_limit: f64,
    /// Stop after the heuristic portfolio: no column generation or MIP.
    #[arg(long)]
    pub heuristic_only: bool,
    /// No live progress on standard error (it is shown only on a terminal anyway).
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Write placements.csv, instances.csv and summary.json into this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print a table, the summary JSON, or placements.csv.
    #[arg(long, value_enum, default_value = "table")]
    pub format: PlanFormat,
    /// Draw the plan as an SVG chart: per instance type, the count, the share of the
    /// cost and how full CPU, memory, ENIs and host ports are.
    #[arg(long, value_name = "FILE.svg")]
    pub chart: Option<PathBuf>,
    #[command(flatten)]
    pub rules: RuleArgs,
    #[command(flatten)]
    pub solver: SolverArgs,
}

#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Write compare.csv and each scenario's plan into this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Draw the cost per month of each scenario as an SVG bar chart.
    #[arg(long, value_name = "FILE.svg")]
    pub chart: Option<PathBuf>,
    /// Print a table, or the comparison as JSON.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    #[command(flatten)]
    pub rules: RuleArgs,
    #[command(flatten)]
    pub solver: SolverArgs,
}

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The plan folder: its placements.csv is checked, under the options its summary.json
    /// records unless a flag here says otherwise.
    #[arg(long, value_name = "DIR")]
    pub plan: PathBuf,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// The ids of the rule options given on the command line (`catalog`, `headroom`, …):
    /// the others take the values the plan was made with.
    #[arg(skip)]
    pub given: Vec<String>,
}

/// The ids of the options a plan records, as clap names the fields.
const RECORDED_IDS: [&str; 9] = [
    "catalog",
    "eni_trunking",
    "headroom",
    "types",
    "memory_overhead_pct",
    "reserved_memory_mib",
    "dynamic_port_range",
    "zones",
    "survive_zone_loss",
];

#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Read vector-packing instances (`.vbp`) from this folder, recursively, instead of the
    /// built-in suite.
    #[arg(long, value_name = "DIR")]
    pub vbp: Option<PathBuf>,
    /// Tab-separated summary with known optima and the best published heuristics.
    #[arg(long, value_name = "FILE")]
    pub optima: Option<PathBuf>,
    /// Write the results CSV here.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Keep only the instances whose optimum the `--optima` summary gives.
    #[arg(long, requires = "optima")]
    pub known_only: bool,
    /// Run at most this many instances, spread evenly over the set (0 = all).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub sample: usize,
    /// Only instances whose name contains this text.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Seconds per instance.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub time_limit: f64,
    /// Write each selected built-in instance as `DIR/FAMILY/NAME/{workload,catalog}.csv`
    /// (inputs that `plan`, `compare` and `check` read) instead of running it.
    #[arg(long, value_name = "DIR", conflicts_with = "vbp")]
    pub write_workloads: Option<PathBuf>,
    /// Add every point of the realistic-mix sweep (`mix/awsvpcA-gibG…`) to the built-in
    /// suite, not only the handful it runs by default.
    #[arg(long, conflicts_with = "vbp")]
    pub sweep: bool,
    /// Seed for randomized choices.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Worker threads [default: one per core].
    #[arg(long, default_value_t = 0, hide_default_value = true)]
    pub threads: usize,
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// `aws ecs describe-services` output; several files are merged.
    #[arg(long, value_name = "FILE", num_args = 1.., required = true)]
    pub services: Vec<PathBuf>,
    /// `aws ecs describe-task-definition` output, one per file or a JSON array.
    #[arg(long, value_name = "FILE", num_args = 1.., required = true)]
    pub task_definitions: Vec<PathBuf>,
    /// Write the workload CSV here [default: standard output].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Import a service without a memberOf constraint that cannot be carried over, with a
    /// note, instead of stopping.
    #[arg(long)]
    pub ignore_unsupported: bool,
}

impl ImportArgs {
    pub fn sources(&self) -> Sources {
        Sources {
            services: self.services.clone(),
            task_definitions: self.task_definitions.clone(),
            ignore_unsupported: self.ignore_unsupported,
        }
    }
}

impl InputArgs {
    /// The JSON to import, when the workload is given that way.
    pub fn sources(&self) -> Option<Sources> {
        (!self.services.is_empty()).then(|| Sources {
            services: self.services.clone(),
            task_definitions: self.task_definitions.clone(),
            ignore_unsupported: self.ignore_unsupported,
        })
    }

    /// The file that names the workload in titles: the CSV, or the first services file.
    pub fn workload_source(&self) -> &std::path::Path {
        self.workload
            .as_deref()
            .or(self.services.first().map(PathBuf::as_path))
            .expect("clap requires --workload or --services")
    }
}

#[derive(Debug, Clone, Args)]
pub struct CatalogArgs {
    /// Instance catalog CSV [default: the built-in catalog].
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Price overlay CSV `instance_type,price_usd_hour`, as for `plan`.
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Print a table, or the catalog with its registered capacities as JSON.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    #[command(flatten)]
    pub rules: RuleArgs,
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Parses the process arguments.
pub fn parse() -> Result<Command, clap::Error> {
    let matches = Cli::command().try_get_matches()?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    if let (Command::Check(args), Some(("check", sub))) = (&mut cli.command, matches.subcommand()) {
        args.given = RECORDED_IDS
            .iter()
            .filter(|id| sub.value_source(id) == Some(ValueSource::CommandLine))
            .map(|id| id.to_string())
            .collect();
    }
    Ok(cli.command)
}

/// A flag value that makes no sense, named with the fix.
#[derive(Debug, thiserror::Error)]
#[error("{flag}: {cause}; {fix}")]
pub struct UsageError {
    pub flag: &'static str,
    pub cause: String,
    pub fix: String,
}

impl RuleArgs {
    /// The ECS figures these flags set.
    pub fn figures(&self) -> Result<Figures, UsageError> {
        if !(0.0..1.0).contains(&self.headroom) {
            return Err(UsageError {
                flag: "--headroom",
                cause: format!("{} is outside [0, 1)", self.headroom),
                fix: "give the fraction to keep free, e.g. 0.1 for 10 %".into(),
            });
        }
        if !(0.0..100.0).contains(&self.memory_overhead_pct) {
            return Err(UsageError {
                flag: "--memory-overhead-pct",
                cause: format!("{} is outside [0, 100)", self.memory_overhead_pct),
                fix: "give a percentage such as 3".into(),
            });
        }
        let range_error = || UsageError {
            flag: "--dynamic-port-range",
            cause: format!("`{}` is not LO-HI with 1 ≤ LO ≤ HI ≤ 65535", self.dynamic_port_range),
            fix: "write it as e.g. 49153-65535".into(),
        };
        let (lo, hi) = self.dynamic_port_range.split_once('-').ok_or_else(range_error)?;
        let lo: u16 = lo.trim().parse().map_err(|_| range_error())?;
        let hi: u16 = hi.trim().parse().map_err(|_| range_error())?;
        if lo == 0 || lo > hi {
            return Err(range_error());
        }
        let zones = self.zones()?;
        Ok(Figures {
            eni_trunking: self.eni_trunking == Switch::On,
            headroom: self.headroom,
            memory_overhead_pct: self.memory_overhead_pct,
            reserved_memory_mib: self.reserved_memory_mib,
            dynamic_port_range: (lo, hi),
            zones,
        })
    }

    /// `--zones` and `--survive-zone-loss`.
    fn zones(&self) -> Result<Zones, UsageError> {
        let names = match &self.zones {
            None => Vec::new(),
            Some(text) => zones::parse_names(text).map_err(|(cause, fix)| UsageError {
                flag: "--zones",
                cause,
                fix,
            })?,
        };
        if self.survive_zone_loss && names.len() < 2 {
            return Err(UsageError {
                flag: "--survive-zone-loss",
                cause: format!(
                    "needs at least 2 zones, and {} given: the loss of the only zone leaves nothing",
                    if names.is_empty() {
                        "none was".to_string()
                    } else {
                        "1 was".to_string()
                    }
                ),
                fix: "give the zones with --zones, e.g. --zones us-east-1a,us-east-1b,us-east-1c".into(),
            });
        }
        Ok(Zones {
            names,
            survive_zone_loss: self.survive_zone_loss,
        })
    }

    /// The options as `summary.json` records them, with the catalog's source.
    pub fn options(&self, catalog: CatalogSource) -> PlanOptions {
        PlanOptions {
            eni_trunking: self.eni_trunking.name().into(),
            headroom: self.headroom,
            types: self.types.clone(),
            memory_overhead_pct: self.memory_overhead_pct,
            reserved_memory_mib: self.reserved_memory_mib,
            dynamic_port_range: self.dynamic_port_range.clone(),
            catalog,
            zones: self.zones.clone(),
            survive_zone_loss: self.survive_zone_loss,
            ..PlanOptions::default()
        }
    }

    /// The `--types` restriction (empty when not given).
    pub fn type_patterns(&self) -> Result<TypePatterns, UsageError> {
        let list: Vec<String> = self
            .types
            .as_deref()
            .unwrap_or("")
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect();
        TypePatterns::new(&list).map_err(|cause| UsageError {
            flag: "--types",
            cause,
            fix: "use `*`, `?` and `[...]`, and `!` to exclude, e.g. `m6i.*;c6g.*` or `*;!t*`".into(),
        })
    }
}

impl SolverArgs {
    /// The engine settings these flags set.
    pub fn settings(&self) -> Result<Settings, UsageError> {
        time_limit(self.time_limit).map(|time_limit| Settings {
            seed: self.seed,
            threads: self.threads,
            time_limit,
            exact: !self.heuristic_only,
            stop: Default::default(),
            progress: None,
        })
    }
}

/// A positive, finite number of seconds.
pub fn time_limit(seconds: f64) -> Result<Duration, UsageError> {
    if seconds.is_finite() && seconds > 0.0 {
        Ok(Duration::from_secs_f64(seconds))
    } else {
        Err(UsageError {
            flag: "--time-limit",
            cause: format!("{seconds} is not a positive number of seconds"),
            fix: "give e.g. --time-limit 30".into(),
        })
    }
}
