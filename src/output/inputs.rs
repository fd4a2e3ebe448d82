//! Inputs written back as CSV: a workload (a compare scenario's rewrite, a generated
//! benchmark case) and a catalog, in the columns of `docs/inputs.md` that the readers accept.

use crate::ecs::catalog::Catalog;
use crate::ecs::workload::{NetworkMode, Workload};

/// A workload as a CSV with the columns of `docs/inputs.md`, which `ecsplan` reads back.
pub fn workload_csv(workload: &Workload) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(crate::input::workload::COLUMNS)?;
    for s in &workload.services {
        let ports: Vec<String> = s.host_ports.iter().map(u16::to_string).collect();
        w.write_record([
            s.name.as_str(),
            &s.cpu.to_string(),
            &s.memory_mib.to_string(),
            &s.count.to_string(),
            s.network_mode.as_str(),
            &ports.join(";"),
            &s.gpus.to_string(),
            s.arch.as_str(),
            &s.instance_types.join(";"),
            if s.distinct_instance { "true" } else { "false" },
            // Only awsvpc rows may carry container ports: a scenario that rewrote the
            // mode leaves them behind.
            &if s.network_mode == NetworkMode::Awsvpc {
                s.container_ports
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(";")
            } else {
                String::new()
            },
            s.scheduling.as_str(),
        ])?;
    }
    Ok(w.into_inner()?)
}

/// A catalog as a CSV with the columns of `docs/inputs.md`, optional ones included.
pub fn catalog_csv(catalog: &Catalog) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(crate::input::catalog::COLUMNS)?;
    let opt = |x: Option<u64>| x.map(|v| v.to_string()).unwrap_or_default();
    for t in &catalog.types {
        w.write_record([
            t.instance_type.clone(),
            t.family.clone(),
            t.vcpu.to_string(),
            t.memory_mib.to_string(),
            t.arch.as_str().to_string(),
            t.gpus.to_string(),
            t.max_enis.to_string(),
            t.ipv4_per_eni.to_string(),
            t.trunking.map(|b| b.to_string()).unwrap_or_default(),
            opt(t.awsvpc_trunk_tasks.map(u64::from)),
            t.price_usd_hour.to_string(),
            opt(t.awsvpc_tasks.map(u64::from)),
            opt(t.registered_memory_mib),
            t.zones.join(";"),
        ])?;
    }
    Ok(w.into_inner()?)
}
