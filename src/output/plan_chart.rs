//! The plan chart: one panel per group of instances (an instance type, in one zone when
//! the plan has zones) with its count, its share of the cost, and how full CPU,
//! memory, ENIs and host ports are (mean bar, minimum mark); for small plans, one column
//! per instance stacked by service. Drawn with plotters' SVG backend; each panel is a
//! `<g class="instance-group">`.

use std::collections::{BTreeMap, HashMap};

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::svg::{self, Canvas, Drawn};
use crate::ecs::placement::{self, InstanceUsage};
use crate::ecs::rules::{Resource, HOURS_PER_MONTH};
use crate::ecs::workload::Workload;
use crate::planner::Planned;

/// Plans of at most this many instances also get one column per instance.
pub const MAX_INSTANCE_COLUMNS: usize = 200;

/// What a panel groups instances by. Ordered as the panels are drawn when costs tie.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GroupKey {
    /// The availability zone, when the plan has zones.
    pub zone: Option<String>,
    pub instance_type: String,
}

impl GroupKey {
    /// The panel's heading.
    pub fn label(&self) -> String {
        match &self.zone {
            Some(zone) => format!("{} in {zone}", self.instance_type),
            None => self.instance_type.clone(),
        }
    }

    /// The group's attributes on its `<g>`.
    fn attributes(&self) -> Vec<(&'static str, String)> {
        let mut attributes = vec![("data-instance-type", self.instance_type.clone())];
        attributes.extend(self.zone.clone().map(|zone| ("data-zone", zone)));
        attributes
    }
}

/// How full one resource is over a group's instances, as fractions of capacity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fill {
    pub mean: f64,
    pub min: f64,
    /// Whether any instance of the group uses the resource at all.
    pub used: bool,
}

/// The resources a panel shows, and their names on it.
const SHOWN: [&str; 4] = ["CPU", "memory", "ENIs", "host ports"];

/// One panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub key: GroupKey,
    pub instances: u64,
    pub cost_per_hour: f64,
    /// Share of the plan's cost.
    pub cost_share: f64,
    /// CPU, memory, ENIs (awsvpc tasks) and host ports (the fuller of static and dynamic).
    pub fill: [Fill; 4],
    /// Per instance, each service's share of the instance's fuller resource of CPU and
    /// memory, as `(service index, share)` in workload order; empty above
    /// [`MAX_INSTANCE_COLUMNS`] instances.
    pub columns: Vec<Vec<(usize, f64)>>,
}

/// Everything the chart draws.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanChart {
    pub title: String,
    pub instances: u64,
    pub cost_per_hour: f64,
    pub lower_bound_per_hour: f64,
    /// Service names in workload order; a service's colour follows its index.
    pub services: Vec<String>,
    /// Panels, dearest first.
    pub groups: Vec<Group>,
}

/// The chart's figures for a checked plan of `workload`.
pub fn from_plan(planned: &Planned, workload: &Workload, title: &str) -> PlanChart {
    let index: HashMap<&str, usize> = workload
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    let tasks: HashMap<String, &[(String, u32)]> = planned
        .plan
        .instances
        .iter()
        .map(|i| (planned.plan.id(i.number), i.tasks.as_slice()))
        .collect();
    let total = planned.cost_per_hour();
    let instances = placement::instance_count(&planned.instances);
    let columns = instances <= MAX_INSTANCE_COLUMNS as u64;
    let mut by_key: BTreeMap<GroupKey, Vec<&InstanceUsage>> = BTreeMap::new();
    for inst in &planned.instances {
        let key = GroupKey {
            zone: inst.zone.clone(),
            instance_type: inst.instance_type.clone(),
        };
        by_key.entry(key).or_default().push(inst);
    }
    let share = |used: u64, capacity: u64| {
        if capacity == 0 {
            0.0
        } else {
            used as f64 / capacity as f64
        }
    };
    let mut groups: Vec<Group> = by_key
        .into_iter()
        .map(|(key, members)| {
            // (share, copies) per group of identical instances.
            let per_instance = |f: &dyn Fn(&InstanceUsage) -> f64| -> Vec<(f64, u64)> {
                members.iter().map(|i| (f(i), i.copies)).collect()
            };
            let count: u64 = members.iter().map(|i| i.copies).sum();
            let resource = |r: Resource| move |i: &InstanceUsage| share(i.used[r as usize], i.capacity[r as usize]);
            let ports = |i: &InstanceUsage| resource(Resource::StaticPorts)(i).max(resource(Resource::DynamicPorts)(i));
            let fills = [
                per_instance(&resource(Resource::Cpu)),
                per_instance(&resource(Resource::Memory)),
                per_instance(&resource(Resource::AwsvpcTasks)),
                per_instance(&ports),
            ]
            .map(|shares| Fill {
                mean: shares.iter().map(|&(s, n)| s * n as f64).sum::<f64>() / count as f64,
                min: shares.iter().map(|&(s, _)| s).fold(f64::INFINITY, f64::min),
                used: shares.iter().any(|&(s, _)| s > 0.0),
            });
            let cost_per_hour: f64 = members.iter().map(|i| i.price_usd_hour * i.copies as f64).sum();
            let columns = if columns {
                members
                    .iter()
                    .flat_map(|&inst| std::iter::repeat(inst).take(inst.copies as usize))
                    .map(|inst| {
                        let cpu = inst.capacity[Resource::Cpu as usize];
                        let memory = inst.capacity[Resource::Memory as usize];
                        let by_cpu = resource(Resource::Cpu)(inst) >= resource(Resource::Memory)(inst);
                        tasks
                            .get(inst.instance_id.as_str())
                            .copied()
                            .unwrap_or_default()
                            .iter()
                            .filter_map(|(name, n)| {
                                let s = *index.get(name.as_str())?;
                                let service = &workload.services[s];
                                let part = if by_cpu {
                                    share(u64::from(service.cpu) * u64::from(*n), cpu)
                                } else {
                                    share(u64::from(service.memory_mib) * u64::from(*n), memory)
                                };
                                Some((s, part))
                            })
                            .collect()
                    })
                    .collect()
            } else {
                Vec::new()
            };
            Group {
                key,
                instances: count,
                cost_per_hour,
                cost_share: if total > 0.0 { cost_per_hour / total } else { 0.0 },
                fill: fills,
                columns,
            }
        })
        .collect();
    groups.sort_by(|a, b| {
        b.cost_per_hour
            .total_cmp(&a.cost_per_hour)
            .then_with(|| a.key.cmp(&b.key))
    });
    PlanChart {
        title: title.to_string(),
        instances,
        cost_per_hour: total,
        lower_bound_per_hour: planned.solved.lower_bound,
        services: workload.services.iter().map(|s| s.name.clone()).collect(),
        groups,
    }
}

const WIDTH: u32 = 1000;
/// Without instance columns the page ends where they would begin.
const NARROW: u32 = COLUMNS_X as u32 - 10;
/// The header without the service legend.
const HEADER: u32 = 92;
/// The service legend: entries per line, width and height of one.
const LEGEND_PER_LINE: usize = 6;
const LEGEND_ENTRY: i32 = 160;
const LEGEND_LINE: u32 = 18;
/// Services named in the legend; past them the colours repeat and the legend says so.
const LEGEND_MAX: usize = PALETTE.len();
const PANEL: u32 = 104;
const FOOTER: u32 = 16;
/// Where the utilisation bars start and how long a full one is.
const TRACK_X: i32 = 330;
const TRACK: i32 = 180;
/// The instance columns' area.
const COLUMNS_X: i32 = 660;
const COLUMNS_W: i32 = 320;
const COLUMNS_TOP: i32 = 14;
const COLUMNS_H: i32 = 76;

const INK: RGBColor = RGBColor(0x1a, 0x1a, 0x1a);
const GREY: RGBColor = RGBColor(0x55, 0x55, 0x55);
const TRACK_FILL: RGBColor = RGBColor(0xe8, 0xe8, 0xe8);
/// A neutral slate, so that the service colours of the columns stand apart from it.
const MEAN_FILL: RGBColor = RGBColor(0x5b, 0x6b, 0x7d);
const COST_FILL: RGBColor = RGBColor(0xe1, 0x57, 0x59);
const RULE: RGBColor = RGBColor(0xd0, 0xd0, 0xd0);
/// Service colours, reused in order when there are more services than colours.
const PALETTE: [RGBColor; 10] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0xed, 0xc9, 0x48),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0xe1, 0x57, 0x59),
    RGBColor(0x9c, 0x75, 0x5f),
    RGBColor(0xff, 0x9d, 0xa7),
    RGBColor(0xba, 0xb0, 0xac),
];

/// The chart as an SVG document: a header, then one `<g class="instance-group">` per
/// group with its key in `data-` attributes.
pub fn svg(chart: &PlanChart) -> anyhow::Result<String> {
    let columns = chart.groups.iter().any(|g| !g.columns.is_empty());
    let legend_lines = if columns {
        chart.services.len().min(LEGEND_MAX).div_ceil(LEGEND_PER_LINE) as u32
    } else {
        0
    };
    let header_height = HEADER + (LEGEND_LINE * legend_lines + 8) * u32::from(legend_lines > 0);
    let width = if columns { WIDTH } else { NARROW };
    let size = (width, header_height + PANEL * chart.groups.len() as u32 + FOOTER);
    let header = svg::elements(size, |c| header(c, chart, columns))?;
    let mut parts = vec![svg::group("header", &[], 0.0, &header)];
    let widest = chart.groups.iter().map(|g| g.columns.len()).max().unwrap_or(0);
    for (n, group) in chart.groups.iter().enumerate() {
        let inner = svg::elements((width, PANEL), |c| panel(c, group, widest))?;
        let attributes = group.key.attributes();
        let attributes: Vec<(&str, &str)> = attributes.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let dy = f64::from(header_height + PANEL * n as u32);
        parts.push(svg::group("instance-group", &attributes, dy, &inner));
    }
    Ok(svg::document(size, &chart.title, &parts))
}

fn header(c: &Canvas, chart: &PlanChart, columns: bool) -> Drawn {
    c.draw_text(&chart.title, &svg::styled(17.0, &INK, FontStyle::Bold), (16, 12))?;
    let month = chart.cost_per_hour * HOURS_PER_MONTH;
    let bound = chart.lower_bound_per_hour * HOURS_PER_MONTH;
    c.draw_text(
        &format!(
            "{} instances · {} per month · proven lower bound {} per month",
            chart.instances,
            super::chart::dollars(month),
            super::chart::dollars(bound)
        ),
        &svg::text(13.0, &GREY),
        (16, 36),
    )?;
    // Legend: the mean bar, the minimum mark, then what the columns are.
    let y = 60;
    let left = svg::text(12.0, &GREY).pos(Pos::new(HPos::Left, VPos::Center));
    c.draw(&Rectangle::new([(16, y - 6), (40, y + 6)], MEAN_FILL.filled()))?;
    c.draw_text("mean over the group's instances", &left, (46, y))?;
    c.draw(&PathElement::new(vec![(262, y - 8), (262, y + 8)], INK.stroke_width(2)))?;
    c.draw_text("the emptiest instance", &left, (270, y))?;
    c.draw(&Rectangle::new([(430, y - 6), (454, y + 6)], COST_FILL.filled()))?;
    c.draw_text("share of the cost", &left, (460, y))?;
    if columns {
        let more = chart.services.len().saturating_sub(LEGEND_MAX);
        let text = if more > 0 {
            format!("columns: one per instance, a segment per service, of the fuller of CPU and memory; colours repeat every {LEGEND_MAX} services")
        } else {
            "columns: one per instance, a segment per service, of the fuller of CPU and memory".to_string()
        };
        c.draw_text(&text, &left, (16, y + 20))?;
        for (k, name) in chart.services.iter().take(LEGEND_MAX).enumerate() {
            let x = 16 + LEGEND_ENTRY * (k % LEGEND_PER_LINE) as i32;
            let ly = HEADER as i32 + 8 + LEGEND_LINE as i32 * (k / LEGEND_PER_LINE) as i32;
            c.draw(&Rectangle::new([(x, ly - 5), (x + 10, ly + 5)], PALETTE[k].filled()))?;
            // About 6 px per character: cut a long name to its entry.
            let room = ((LEGEND_ENTRY - 24) / 6) as usize;
            let shown: String = if name.chars().count() > room {
                format!("{}…", name.chars().take(room - 1).collect::<String>())
            } else {
                name.clone()
            };
            c.draw_text(&shown, &left, (x + 16, ly))?;
        }
    } else {
        c.draw_text(
            &format!("more than {MAX_INSTANCE_COLUMNS} instances: no column per instance"),
            &left,
            (16, y + 20),
        )?;
    }
    Ok(())
}

/// A fill as a whole percentage; a small use that is not zero reads `<1 %`, not `0 %`.
fn whole_percent(share: f64) -> String {
    if share > 0.0 && share < 0.005 {
        "<1 %".to_string()
    } else {
        format!("{:.0} %", 100.0 * share)
    }
}

fn panel(c: &Canvas, group: &Group, widest: usize) -> Drawn {
    c.draw(&PathElement::new(
        vec![(16, 0), (c.dim_in_pixel().0 as i32 - 16, 0)],
        RULE.stroke_width(1),
    ))?;
    c.draw_text(&group.key.label(), &svg::styled(15.0, &INK, FontStyle::Bold), (16, 14))?;
    let plain = svg::text(12.0, &GREY);
    let noun = if group.instances == 1 { "instance" } else { "instances" };
    c.draw_text(&format!("{} {noun}", group.instances), &plain, (16, 36))?;
    c.draw_text(
        &format!(
            "{} per month, {} of the cost",
            super::chart::dollars(group.cost_per_hour * HOURS_PER_MONTH),
            super::percent(group.cost_share)
        ),
        &plain,
        (16, 54),
    )?;
    let bar = |c: &Canvas, y: i32, share: f64, fill: RGBColor| -> Drawn {
        c.draw(&Rectangle::new([(16, y), (16 + 200, y + 10)], TRACK_FILL.filled()))?;
        let w = (200.0 * share.clamp(0.0, 1.0)).round() as i32;
        c.draw(&Rectangle::new([(16, y), (16 + w, y + 10)], fill.filled()))
    };
    bar(c, 76, group.cost_share, COST_FILL)?;

    let label = svg::text(12.0, &INK).pos(Pos::new(HPos::Right, VPos::Center));
    let value = svg::text(12.0, &GREY).pos(Pos::new(HPos::Left, VPos::Center));
    for (k, (name, fill)) in SHOWN.iter().zip(group.fill).enumerate() {
        let mid = 20 + 22 * k as i32;
        c.draw_text(name, &label, (TRACK_X - 10, mid))?;
        c.draw(&Rectangle::new(
            [(TRACK_X, mid - 6), (TRACK_X + TRACK, mid + 6)],
            TRACK_FILL.filled(),
        ))?;
        if !fill.used {
            c.draw_text("none used", &value, (TRACK_X + TRACK + 8, mid))?;
            continue;
        }
        let x = |share: f64| TRACK_X + (f64::from(TRACK) * share.clamp(0.0, 1.0)).round() as i32;
        c.draw(&Rectangle::new(
            [(TRACK_X, mid - 6), (x(fill.mean), mid + 6)],
            MEAN_FILL.filled(),
        ))?;
        c.draw(&PathElement::new(
            vec![(x(fill.min), mid - 9), (x(fill.min), mid + 9)],
            INK.stroke_width(2),
        ))?;
        c.draw_text(
            &format!("{} · min {}", whole_percent(fill.mean), whole_percent(fill.min)),
            &value,
            (TRACK_X + TRACK + 8, mid),
        )?;
    }

    if group.columns.is_empty() {
        return Ok(());
    }
    // Every panel uses the column width of the widest group, so columns compare.
    let step = (f64::from(COLUMNS_W) / widest.max(1) as f64).min(16.0);
    let gap = if step >= 4.0 { 1.0 } else { 0.0 };
    let bottom = COLUMNS_TOP + COLUMNS_H;
    for (n, segments) in group.columns.iter().enumerate() {
        let x0 = COLUMNS_X + (step * n as f64).round() as i32;
        let x1 = COLUMNS_X + (step * (n + 1) as f64 - gap).round() as i32;
        let x1 = x1.max(x0 + 1);
        c.draw(&Rectangle::new([(x0, COLUMNS_TOP), (x1, bottom)], TRACK_FILL.filled()))?;
        let mut top = f64::from(bottom);
        for &(service, share) in segments {
            let height = f64::from(COLUMNS_H) * share.clamp(0.0, 1.0);
            let y1 = (top - height).max(f64::from(COLUMNS_TOP));
            if top.round() > y1.round() {
                let colour = PALETTE[service % PALETTE.len()];
                c.draw(&Rectangle::new(
                    [(x0, y1.round() as i32), (x1, top.round() as i32)],
                    colour.filled(),
                ))?;
            }
            top = y1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(instance_type: &str, cost: f64, columns: usize) -> Group {
        let fill = Fill {
            mean: 0.5,
            min: 0.25,
            used: true,
        };
        Group {
            key: GroupKey {
                zone: None,
                instance_type: instance_type.into(),
            },
            instances: columns.max(1) as u64,
            cost_per_hour: cost,
            cost_share: cost / 3.0,
            fill: [fill, fill, Fill { used: false, ..fill }, fill],
            columns: vec![vec![(0, 0.5), (1, 0.25)]; columns],
        }
    }

    #[test]
    fn one_group_per_instance_type_with_its_columns() {
        let chart = PlanChart {
            title: "w.csv & co".into(),
            instances: 3,
            cost_per_hour: 3.0,
            lower_bound_per_hour: 2.9,
            services: vec!["web".into(), "api".into()],
            groups: vec![group("m6i.large", 2.0, 2), group("c6g.large", 1.0, 1)],
        };
        let text = svg(&chart).unwrap();
        let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
        let groups: Vec<_> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("instance-group"))
            .collect();
        let types: Vec<&str> = groups
            .iter()
            .map(|g| g.attribute("data-instance-type").unwrap())
            .collect();
        assert_eq!(types, ["m6i.large", "c6g.large"]);
        let texts = |g: &roxmltree::Node| -> String { g.descendants().filter_map(|n| n.text()).collect() };
        assert!(texts(&groups[0]).contains("2 instances"));
        assert!(texts(&groups[0]).contains("66.7 % of the cost"));
        assert!(texts(&groups[0]).contains("50 % · min 25 %"));
        assert!(texts(&groups[0]).contains("none used"));
        // Two services stacked in each of the m6i.large group's two columns.
        let colour = |c: RGBColor| format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2);
        let segments = |g: &roxmltree::Node, c: RGBColor| {
            g.descendants()
                .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some(colour(c).as_str()))
                .count()
        };
        assert_eq!(segments(&groups[0], PALETTE[1]), 2);
        assert_eq!(segments(&groups[1], PALETTE[1]), 1);
    }
}
