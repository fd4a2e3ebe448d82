//! Terminal tables for people: the house style every table uses, and the fleet of a plan
//! and its cost.

use std::collections::BTreeMap;
use std::fmt::Display;

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Row, Table};

use super::money;
use super::summary::Summary;
use crate::ecs::placement::Planned;
use crate::ecs::rules::Resource;

/// An empty table in the house style (condensed UTF-8 borders) with `header`.
pub fn new(header: impl Into<Row>) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(header);
    table
}

/// A right-aligned cell, for figures.
pub fn right(content: impl Display) -> Cell {
    Cell::new(content).set_alignment(CellAlignment::Right)
}

/// The fleet by instance type (by zone and type when zones are planned), with
/// utilisation, then the totals.
pub fn plan(planned: &Planned, summary: &Summary) -> String {
    let zoned = !planned.plan.zones.is_empty();
    // (zone, type) → (instances, $/hour, used, capacity)
    type Totals = (u64, f64, [u64; 6], [u64; 6]);
    let mut by_type: BTreeMap<(&str, &str), Totals> = BTreeMap::new();
    for i in &planned.instances {
        let key = (i.zone.as_deref().unwrap_or(""), i.instance_type.as_str());
        let e = by_type.entry(key).or_insert((0, 0.0, [0; 6], [0; 6]));
        e.0 += i.copies;
        e.1 += i.price_usd_hour * i.copies as f64;
        for r in 0..6 {
            e.2[r] += i.used[r] * i.copies;
            e.3[r] += i.capacity[r] * i.copies;
        }
    }
    let zone_header: &[&str] = if zoned { &["zone"] } else { &[] };
    let mut table = new(zone_header.iter().chain(&[
        "instance type",
        "count",
        "$/hour",
        "cpu used",
        "memory used",
        "awsvpc used",
        "tasks",
    ]));
    let tasks_by_type = tasks_by_type(planned);
    for (key @ (zone, t), (count, price, used, cap)) in &by_type {
        let pct = |r: Resource| {
            let c = cap[r as usize];
            if c == 0 {
                "-".to_string()
            } else {
                format!("{:.0} %", 100.0 * used[r as usize] as f64 / c as f64)
            }
        };
        let zone_cell = zoned.then(|| Cell::new(zone));
        table.add_row(zone_cell.into_iter().chain([
            Cell::new(t),
            right(count),
            right(money(*price)),
            right(pct(Resource::Cpu)),
            right(pct(Resource::Memory)),
            right(pct(Resource::AwsvpcTasks)),
            right(tasks_by_type.get(key).copied().unwrap_or(0)),
        ]));
    }
    let mut out = table.to_string();
    out.push('\n');
    if let Some(headroom) = summary.options.as_ref().map(|o| o.headroom).filter(|&h| h > 0.0) {
        out.push_str(&format!(
            "cpu and memory used are measured against the capacity left after {} headroom\n",
            super::percent(headroom)
        ));
    }
    out.push_str(&format!(
        "{} instances, {} tasks: ${}/hour (${}/month)\nlower bound ${}/hour, gap {:.2} %: {} in {:.2} s\n",
        summary.instances,
        summary.tasks,
        money(summary.cost_per_hour),
        money(summary.cost_per_month),
        money(summary.lower_bound_per_hour),
        summary.gap * 100.0,
        summary.status,
        summary.solve_seconds,
    ));
    if let Some(overlay) = &summary.price_overlay {
        out.push_str(&format!(
            "prices: {} sets {} types' prices",
            overlay.file, overlay.types_overridden
        ));
        let in_plan: Vec<String> = overlay
            .in_plan
            .iter()
            .map(|c| {
                format!(
                    "{} ${} (catalog ${})",
                    c.instance_type,
                    money(c.overlay_usd_hour),
                    money(c.catalog_usd_hour)
                )
            })
            .collect();
        if in_plan.is_empty() {
            out.push_str(", none in this plan\n");
        } else {
            out.push_str(&format!("; in this plan: {}\n", in_plan.join(", ")));
        }
    }
    for note in &summary.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    out
}

/// Tasks by (zone, instance type); the zone is empty without zones.
fn tasks_by_type(planned: &Planned) -> BTreeMap<(&str, &str), u64> {
    let mut tasks = BTreeMap::new();
    for i in &planned.plan.instances {
        let key = (i.zone.as_deref().unwrap_or(""), i.instance_type.as_str());
        *tasks.entry(key).or_insert(0) += i.copies * i.tasks.iter().map(|(_, n)| u64::from(*n)).sum::<u64>();
    }
    tasks
}
