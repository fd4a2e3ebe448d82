//! `instances.csv`: one row per instance with its price, usage and capacity per resource
//! (after headroom) and the static host ports it binds.

use std::io::Write;

use crate::ecs::lower::Plan;
use crate::ecs::placement::InstanceUsage;
use crate::ecs::rules::Resource;

/// Writes the checker's recomputed usage of `plan`'s instances as CSV to `out`: `usage`
/// has one entry per group of identical instances, in plan order, and each instance of a
/// group gets its row and its own id. With zones a `zone` column follows `instance_type`.
pub fn write_csv(plan: &Plan, usage: &[InstanceUsage], out: impl Write) -> anyhow::Result<()> {
    let zoned = !plan.zones.is_empty();
    let mut w = csv::Writer::from_writer(out);
    let zone_column: &[&str] = if zoned { &["zone"] } else { &[] };
    w.write_record(["instance_id", "instance_type"].iter().chain(zone_column).chain(&[
        "price_usd_hour",
        "cpu_used",
        "cpu_capacity",
        "memory_used_mib",
        "memory_capacity_mib",
        "enis_used",
        "eni_capacity",
        "gpus_used",
        "gpus_capacity",
        "host_ports",
    ]))?;
    let mut out = w.into_inner().map_err(|e| anyhow::anyhow!("{}", e.error()))?;
    for (group, i) in plan.instances.iter().zip(usage) {
        let pair = |r: Resource| [i.used[r as usize].to_string(), i.capacity[r as usize].to_string()];
        let [cpu_u, cpu_c] = pair(Resource::Cpu);
        let [mem_u, mem_c] = pair(Resource::Memory);
        let [eni_u, eni_c] = pair(Resource::AwsvpcTasks);
        let [gpu_u, gpu_c] = pair(Resource::Gpus);
        let ports: Vec<String> = i.host_ports.iter().map(u16::to_string).collect();
        let ports = ports.join(";");
        let price = i.price_usd_hour.to_string();
        let zone = zoned.then(|| i.zone.as_deref().unwrap_or(""));
        // The row after its id is the same for every instance of the group: encoded once,
        // then written after each id.
        let mut rest = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
        rest.write_record(["", i.instance_type.as_str()].into_iter().chain(zone).chain([
            price.as_str(),
            &cpu_u,
            &cpu_c,
            &mem_u,
            &mem_c,
            &eni_u,
            &eni_c,
            &gpu_u,
            &gpu_c,
            &ports,
        ]))?;
        let rest = rest.into_inner()?;
        let mut line = Vec::with_capacity(rest.len() + 24);
        for number in group.number..group.number + group.copies {
            line.clear();
            plan.push_id(number, &mut line);
            line.extend_from_slice(&rest);
            out.write_all(&line)?;
        }
    }
    out.flush()?;
    Ok(())
}
