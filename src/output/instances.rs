//! `instances.csv`: one row per instance with its price, usage and capacity per resource
//! (after headroom) and the static host ports it binds.

use std::collections::BTreeMap;

use crate::ecs::placement::InstanceUsage;
use crate::ecs::rules::Resource;

/// The CSV text for the checker's recomputed usage. With zones (`zones` maps instance
/// ids to zones, `None` without zones) a `zone` column follows `instance_type`.
pub fn to_csv(instances: &[InstanceUsage], zones: Option<&BTreeMap<String, String>>) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let zone_column: &[&str] = if zones.is_some() { &["zone"] } else { &[] };
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
    for i in instances {
        let pair = |r: Resource| [i.used[r as usize].to_string(), i.capacity[r as usize].to_string()];
        let [cpu_u, cpu_c] = pair(Resource::Cpu);
        let [mem_u, mem_c] = pair(Resource::Memory);
        let [eni_u, eni_c] = pair(Resource::AwsvpcTasks);
        let [gpu_u, gpu_c] = pair(Resource::Gpus);
        let ports: Vec<String> = i.host_ports.iter().map(u16::to_string).collect();
        let zone = zones.map(|z| z.get(&i.instance_id).map_or("", String::as_str));
        w.write_record(
            [i.instance_id.as_str(), i.instance_type.as_str()]
                .into_iter()
                .chain(zone)
                .chain([
                    i.price_usd_hour.to_string().as_str(),
                    &cpu_u,
                    &cpu_c,
                    &mem_u,
                    &mem_c,
                    &eni_u,
                    &eni_c,
                    &gpu_u,
                    &gpu_c,
                    &ports.join(";"),
                ]),
        )?;
    }
    Ok(w.into_inner()?)
}
