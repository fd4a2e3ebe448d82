//! `ecsplan catalog`: the instance types with what ECS would register on each under the
//! rule options, so that an operator can see the figures a plan is built on.

use std::io::Write as _;
use std::process::ExitCode;

use serde::Serialize;

use crate::cli::{CatalogArgs, Format};
use crate::ecs::rules::Resource;
use crate::planner::inputs;

#[derive(Serialize)]
struct Row<'a> {
    instance_type: &'a str,
    arch: &'a str,
    price_usd_hour: f64,
    /// The catalog's own price, where `--prices` replaced it.
    #[serde(skip_serializing_if = "Option::is_none")]
    catalog_price_usd_hour: Option<f64>,
    cpu_capacity: u64,
    memory_capacity_mib: u64,
    gpus: u64,
    awsvpc_tasks: u64,
    trunking: Option<bool>,
}

pub fn run(args: &CatalogArgs) -> anyhow::Result<ExitCode> {
    let figures = args.rules.figures()?;
    let types = args.rules.type_patterns()?;
    let (catalog, prices) = inputs::read_priced_catalog(args.catalog.as_deref(), args.prices.as_deref())?;
    let catalog = inputs::restrict(catalog, &types)?;
    let catalog_price = |name: &str| {
        prices
            .iter()
            .flat_map(|p| &p.changes)
            .find(|c| c.instance_type == name)
            .map(|c| c.catalog_usd_hour)
    };
    let rows: Vec<Row> = catalog
        .types
        .iter()
        .map(|t| {
            let cap = figures.capacity(t);
            Row {
                instance_type: &t.instance_type,
                arch: t.arch.as_str(),
                price_usd_hour: t.price_usd_hour,
                catalog_price_usd_hour: catalog_price(&t.instance_type),
                cpu_capacity: cap[Resource::Cpu as usize],
                memory_capacity_mib: cap[Resource::Memory as usize],
                gpus: cap[Resource::Gpus as usize],
                awsvpc_tasks: cap[Resource::AwsvpcTasks as usize],
                trunking: t.trunking,
            }
        })
        .collect();
    let text = match args.format {
        Format::Json => serde_json::to_string_pretty(&rows)? + "\n",
        Format::Table => {
            let mut table = crate::output::table::new([
                "instance type",
                "arch",
                "$/hour",
                "cpu units",
                "memory MiB",
                "gpus",
                "awsvpc tasks",
                "trunking",
            ]);
            for r in &rows {
                let trunking = match r.trunking {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "unknown",
                };
                table.add_row(vec![
                    r.instance_type.to_string(),
                    r.arch.to_string(),
                    match r.catalog_price_usd_hour {
                        Some(_) => format!("{} *", crate::output::money(r.price_usd_hour)),
                        None => crate::output::money(r.price_usd_hour),
                    },
                    r.cpu_capacity.to_string(),
                    r.memory_capacity_mib.to_string(),
                    r.gpus.to_string(),
                    r.awsvpc_tasks.to_string(),
                    trunking.to_string(),
                ]);
            }
            let mut text = format!("{table}\n{} instance types\n", rows.len());
            if let Some(p) = &prices {
                let shown = rows.iter().filter(|r| r.catalog_price_usd_hour.is_some()).count();
                text.push_str(&format!("* price from {} ({shown} of the types shown)\n", p.file));
            }
            text
        }
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
