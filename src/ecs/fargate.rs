//! Fargate: the valid task sizes and their prices (`data/fargate.csv`, sources in
//! `data/fargate.md`), the size a task is billed at, and what a workload costs there.

use std::fmt;
use std::sync::OnceLock;

use serde::Deserialize;

use super::rules::CPU_UNITS_PER_VCPU;
use super::workload::{CpuArch, ImageArch, Service, Workload};

/// The built-in sizes and prices, compiled in.
pub const BUILT_IN_CSV: &str = include_str!("../../data/fargate.csv");
/// MiB per GB in task definitions and in Fargate's price per GB-hour.
pub const MIB_PER_GB: u32 = 1024;

/// A valid Fargate task size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TaskSize {
    /// CPU units (1024 = 1 vCPU).
    pub cpu: u32,
    pub memory_mib: u32,
}

impl fmt::Display for TaskSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let vcpu = f64::from(self.cpu) / CPU_UNITS_PER_VCPU as f64;
        let gb = f64::from(self.memory_mib) / f64::from(MIB_PER_GB);
        write!(f, "{vcpu} vCPU / {gb} GB")
    }
}

/// The price of one architecture, in US dollars.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub usd_per_vcpu_hour: f64,
    pub usd_per_gb_hour: f64,
}

/// Fargate's task sizes and prices.
#[derive(Debug, Clone, PartialEq)]
pub struct Pricing {
    pub x86_64: Rate,
    pub arm64: Rate,
    /// Every valid size, ascending by CPU then memory.
    pub sizes: Vec<TaskSize>,
}

/// Why a service cannot run on Fargate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotEligible {
    /// Fargate offers no GPUs.
    Gpus(u32),
    /// No valid size holds the task.
    TooLarge { cpu: u32, memory_mib: u32 },
}

impl fmt::Display for NotEligible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotEligible::Gpus(n) => write!(f, "a task needs {n} GPU(s) and Fargate has none"),
            NotEligible::TooLarge { cpu, memory_mib } => write!(
                f,
                "no Fargate size holds {cpu} CPU units and {memory_mib} MiB (the largest is 16 vCPU / 120 GB)"
            ),
        }
    }
}

/// One service on Fargate.
#[derive(Debug, Clone, PartialEq)]
pub struct FargateService {
    pub service: String,
    pub count: u32,
    pub size: TaskSize,
    /// The architecture whose price applies.
    pub arch: CpuArch,
    /// Price of one task per hour.
    pub usd_per_task_hour: f64,
}

/// A workload priced on Fargate.
#[derive(Debug, Clone, PartialEq)]
pub struct FargatePlan {
    /// The services with tasks, in workload order.
    pub services: Vec<FargateService>,
}

impl FargatePlan {
    pub fn tasks(&self) -> u64 {
        self.services.iter().map(|s| u64::from(s.count)).sum()
    }

    pub fn cost_per_hour(&self) -> f64 {
        self.services
            .iter()
            .map(|s| f64::from(s.count) * s.usd_per_task_hour)
            .sum()
    }
}

/// One line of `fargate.csv`.
#[derive(Debug, Deserialize)]
struct Row {
    item: String,
    arch: Option<String>,
    cpu: Option<u32>,
    memory_mib_min: Option<u32>,
    memory_mib_max: Option<u32>,
    memory_mib_step: Option<u32>,
    usd_per_vcpu_hour: Option<f64>,
    usd_per_gb_hour: Option<f64>,
}

impl Pricing {
    /// The built-in sizes and prices, parsed once.
    pub fn built_in() -> &'static Pricing {
        static PRICING: OnceLock<Pricing> = OnceLock::new();
        PRICING.get_or_init(|| Pricing::parse(BUILT_IN_CSV).unwrap_or_else(|e| panic!("data/fargate.csv: {e}")))
    }

    /// Parses the `fargate.csv` format (described in `data/fargate.md`).
    pub fn parse(text: &str) -> Result<Pricing, String> {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let (mut x86_64, mut arm64, mut sizes) = (None, None, Vec::new());
        for (n, row) in reader.deserialize::<Row>().enumerate() {
            let line = n + 2;
            let row = row.map_err(|e| format!("line {line}: {e}"))?;
            match row.item.as_str() {
                "price" => {
                    let (Some(v), Some(g)) = (row.usd_per_vcpu_hour, row.usd_per_gb_hour) else {
                        return Err(format!(
                            "line {line}: a price needs usd_per_vcpu_hour and usd_per_gb_hour"
                        ));
                    };
                    let rate = Some(Rate {
                        usd_per_vcpu_hour: v,
                        usd_per_gb_hour: g,
                    });
                    match row.arch.as_deref().and_then(CpuArch::parse) {
                        Some(CpuArch::X86_64) => x86_64 = rate,
                        Some(CpuArch::Arm64) => arm64 = rate,
                        None => return Err(format!("line {line}: a price needs arch x86_64 or arm64")),
                    }
                }
                "size" => {
                    let (Some(cpu), Some(min), Some(max), Some(step)) =
                        (row.cpu, row.memory_mib_min, row.memory_mib_max, row.memory_mib_step)
                    else {
                        return Err(format!(
                            "line {line}: a size needs cpu and memory_mib_min, _max and _step"
                        ));
                    };
                    if step == 0 || min == 0 || min > max {
                        return Err(format!(
                            "line {line}: the memory range {min}..{max} step {step} is empty"
                        ));
                    }
                    sizes.extend(
                        (min..=max)
                            .step_by(step as usize)
                            .map(|memory_mib| TaskSize { cpu, memory_mib }),
                    );
                }
                other => return Err(format!("line {line}: unknown item `{other}` (price or size)")),
            }
        }
        sizes.sort_unstable();
        sizes.dedup();
        match (x86_64, arm64) {
            (Some(x86_64), Some(arm64)) if !sizes.is_empty() => Ok(Pricing { x86_64, arm64, sizes }),
            _ => Err("needs a price for x86_64, one for arm64, and at least one size".into()),
        }
    }

    /// The rate of an architecture.
    pub fn rate(&self, arch: CpuArch) -> Rate {
        match arch {
            CpuArch::X86_64 => self.x86_64,
            CpuArch::Arm64 => self.arm64,
        }
    }

    /// The architecture whose price a task pays: arm64 when its image runs there.
    pub fn billed_arch(arch: ImageArch) -> CpuArch {
        if arch.runs_on(CpuArch::Arm64) {
            CpuArch::Arm64
        } else {
            CpuArch::X86_64
        }
    }

    /// Price per hour of one task of `size` on `arch`.
    pub fn price(&self, size: TaskSize, arch: CpuArch) -> f64 {
        let rate = self.rate(arch);
        let vcpu = f64::from(size.cpu) / CPU_UNITS_PER_VCPU as f64;
        let gb = f64::from(size.memory_mib) / f64::from(MIB_PER_GB);
        vcpu * rate.usd_per_vcpu_hour + gb * rate.usd_per_gb_hour
    }

    /// The cheapest valid size that holds `cpu` units and `memory_mib` on `arch` (with
    /// Fargate's prices also the smallest); on equal prices the one with less CPU.
    pub fn size_for(&self, cpu: u32, memory_mib: u32, arch: CpuArch) -> Option<TaskSize> {
        self.sizes
            .iter()
            .filter(|s| s.cpu >= cpu && s.memory_mib >= memory_mib)
            .min_by(|a, b| self.price(**a, arch).total_cmp(&self.price(**b, arch)).then(a.cmp(b)))
            .copied()
    }

    /// One service on Fargate, or why it cannot run there.
    pub fn service(&self, s: &Service) -> Result<FargateService, NotEligible> {
        if s.gpus > 0 {
            return Err(NotEligible::Gpus(s.gpus));
        }
        let arch = Pricing::billed_arch(s.arch);
        let size = self.size_for(s.cpu, s.memory_mib, arch).ok_or(NotEligible::TooLarge {
            cpu: s.cpu,
            memory_mib: s.memory_mib,
        })?;
        Ok(FargateService {
            service: s.name.clone(),
            count: s.count,
            size,
            arch,
            usd_per_task_hour: self.price(size, arch),
        })
    }

    /// The workload on Fargate, or every service (with tasks) that cannot run there.
    pub fn plan(&self, workload: &Workload) -> Result<FargatePlan, Vec<(String, NotEligible)>> {
        let mut services = Vec::new();
        let mut refused = Vec::new();
        for s in workload.services.iter().filter(|s| s.count > 0) {
            match self.service(s) {
                Ok(f) => services.push(f),
                Err(why) => refused.push((s.name.clone(), why)),
            }
        }
        if refused.is_empty() {
            Ok(FargatePlan { services })
        } else {
            Err(refused)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::workload::{NetworkMode, Scheduling};

    fn pricing() -> &'static Pricing {
        Pricing::built_in()
    }

    fn size(cpu: u32, gb: f64) -> TaskSize {
        TaskSize {
            cpu,
            memory_mib: (gb * 1024.0) as u32,
        }
    }

    fn service(name: &str, cpu: u32, memory_mib: u32, arch: ImageArch) -> Service {
        Service {
            name: name.into(),
            cpu,
            memory_mib,
            count: 4,
            network_mode: NetworkMode::Awsvpc,
            host_ports: vec![],
            gpus: 0,
            arch,
            instance_types: vec![],
            distinct_instance: false,
            container_ports: Vec::new(),
            scheduling: Scheduling::Replica,
            line: 2,
        }
    }

    #[test]
    fn the_built_in_table_has_every_valid_size() {
        let p = pricing();
        // 3 + 4 + 7 + 13 + 23 + 12 + 12 sizes.
        assert_eq!(p.sizes.len(), 74);
        let memory_of = |cpu| {
            p.sizes
                .iter()
                .filter(|s| s.cpu == cpu)
                .map(|s| s.memory_mib)
                .collect::<Vec<_>>()
        };
        assert_eq!(memory_of(256), [512, 1024, 2048]);
        assert_eq!(memory_of(512), [1024, 2048, 3072, 4096]);
        assert_eq!(memory_of(8192).first(), Some(&16384));
        assert_eq!(memory_of(8192).last(), Some(&61440));
        assert!(memory_of(8192).windows(2).all(|w| w[1] - w[0] == 4096));
        assert_eq!(memory_of(16384).len(), 12);
        assert_eq!(memory_of(16384).last(), Some(&122880));
        assert_eq!(
            p.x86_64,
            Rate {
                usd_per_vcpu_hour: 0.04048,
                usd_per_gb_hour: 0.004445
            }
        );
        assert_eq!(
            p.arm64,
            Rate {
                usd_per_vcpu_hour: 0.03238,
                usd_per_gb_hour: 0.00356
            }
        );
    }

    #[test]
    fn a_task_gets_the_smallest_size_that_holds_it() {
        let p = pricing();
        let x86 = CpuArch::X86_64;
        assert_eq!(p.size_for(256, 512, x86), Some(size(256, 0.5)));
        assert_eq!(p.size_for(0, 100, x86), Some(size(256, 0.5)));
        assert_eq!(p.size_for(256, 513, x86), Some(size(256, 1.0)));
        assert_eq!(p.size_for(256, 1500, x86), Some(size(256, 2.0)));
        // More memory than 256 CPU allows: the next CPU step.
        assert_eq!(p.size_for(256, 3000, x86), Some(size(512, 3.0)));
        assert_eq!(p.size_for(300, 512, x86), Some(size(512, 1.0)));
        // 1 vCPU starts at 2 GB.
        assert_eq!(p.size_for(1024, 512, x86), Some(size(1024, 2.0)));
        assert_eq!(p.size_for(2048, 16 * 1024 + 1, x86), Some(size(4096, 17.0)));
        // 4 GB steps at 8 vCPU, 8 GB steps at 16.
        assert_eq!(p.size_for(4097, 17 * 1024, x86), Some(size(8192, 20.0)));
        assert_eq!(p.size_for(8193, 1024, x86), Some(size(16384, 32.0)));
        assert_eq!(p.size_for(16384, 100 * 1024, x86), Some(size(16384, 104.0)));
        assert_eq!(p.size_for(16385, 1024, x86), None);
        assert_eq!(p.size_for(1024, 120 * 1024 + 1, x86), None);
    }

    #[test]
    fn known_sizes_cost_what_the_price_list_says() {
        let p = pricing();
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        // 0.25 vCPU, 0.5 GB on x86: 0.25 × 0.04048 + 0.5 × 0.004445.
        assert!(close(p.price(size(256, 0.5), CpuArch::X86_64), 0.0123425));
        // 1 vCPU, 2 GB: 0.04048 + 2 × 0.004445 = 0.04937; on arm64 0.03238 + 2 × 0.00356.
        assert!(close(p.price(size(1024, 2.0), CpuArch::X86_64), 0.04937));
        assert!(close(p.price(size(1024, 2.0), CpuArch::Arm64), 0.0395));
        // 4 vCPU, 30 GB on x86: 0.16192 + 0.13335.
        assert!(close(p.price(size(4096, 30.0), CpuArch::X86_64), 0.29527));
        // 16 vCPU, 120 GB on arm64: 0.51808 + 0.4272.
        assert!(close(p.price(size(16384, 120.0), CpuArch::Arm64), 0.94528));
    }

    #[test]
    fn arm64_and_multi_arch_images_pay_the_arm64_price() {
        let p = pricing();
        let one = |arch| p.service(&service("a", 512, 1024, arch)).unwrap();
        let x86 = one(ImageArch::Only(CpuArch::X86_64));
        assert_eq!((x86.arch, x86.size), (CpuArch::X86_64, size(512, 1.0)));
        assert!((x86.usd_per_task_hour - (0.5 * 0.04048 + 0.004445)).abs() < 1e-12);
        assert_eq!(one(ImageArch::Only(CpuArch::Arm64)).arch, CpuArch::Arm64);
        let any = one(ImageArch::Any);
        assert_eq!(any.arch, CpuArch::Arm64);
        assert!((any.usd_per_task_hour - (0.5 * 0.03238 + 0.00356)).abs() < 1e-12);
    }

    #[test]
    fn a_workload_costs_the_sum_of_its_tasks_and_gpu_tasks_are_refused() {
        let p = pricing();
        let w = Workload {
            services: vec![
                service("web", 256, 512, ImageArch::Only(CpuArch::X86_64)),
                Service {
                    count: 0,
                    gpus: 1,
                    ..service("idle-gpu", 256, 512, ImageArch::Any)
                },
                Service {
                    count: 10,
                    ..service("api", 1024, 2048, ImageArch::Any)
                },
            ],
        };
        let plan = p.plan(&w).unwrap();
        assert_eq!(plan.tasks(), 14);
        assert!((plan.cost_per_hour() - (4.0 * 0.0123425 + 10.0 * 0.0395)).abs() < 1e-9);
        let mut gpu = w.clone();
        gpu.services.push(Service {
            gpus: 2,
            ..service("ml", 4096, 16384, ImageArch::Any)
        });
        gpu.services.push(service("huge", 32768, 1024, ImageArch::Any));
        let refused = p.plan(&gpu).unwrap_err();
        assert_eq!(refused.len(), 2);
        assert_eq!(refused[0], ("ml".to_string(), NotEligible::Gpus(2)));
        assert_eq!(
            refused[1].1,
            NotEligible::TooLarge {
                cpu: 32768,
                memory_mib: 1024
            }
        );
        assert!(refused[0].1.to_string().contains("GPU"));
    }

    #[test]
    fn a_broken_table_is_refused() {
        assert!(Pricing::parse("item,arch,cpu,memory_mib_min,memory_mib_max,memory_mib_step,usd_per_vcpu_hour,usd_per_gb_hour\nprice,x86_64,,,,,1,1\n").is_err());
        let bad_step = BUILT_IN_CSV.replace("size,,512,1024,4096,1024", "size,,512,1024,4096,0");
        assert!(Pricing::parse(&bad_step).unwrap_err().contains("line"));
        assert!(Pricing::parse(&BUILT_IN_CSV.replace("price,arm64", "price,sparc")).is_err());
    }
}
