//! The compare chart: cost per month per scenario as horizontal bars, with the proven
//! lower bound marked on each bar and the cheapest scenario highlighted. Drawn with
//! plotters' SVG backend; each scenario is a `<g class="scenario">` of its own.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::svg::{self, Canvas, Drawn};

/// One scenario on the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// The scenario's name, drawn left of its bar.
    pub label: String,
    /// Cost per month; `None` when the scenario has no plan (drawn as an annotated gap).
    pub cost_per_month: Option<f64>,
    /// Proven lower bound per month, marked on the bar.
    pub bound_per_month: Option<f64>,
    /// Drawn in the highlight colour and labelled `cheapest`.
    pub cheapest: bool,
    /// How much dearer than the cheapest, as a fraction of its cost; `None` for the
    /// cheapest and for a scenario as cheap as it.
    pub dearer_by: Option<f64>,
    /// Why there is no plan, for a gap; ignored for a bar.
    pub note: String,
}

const WIDTH: u32 = 900;
const LEFT: u32 = 150;
const RIGHT: u32 = 200;
const TOP: u32 = 78;
const ROW: u32 = 40;
const BAR: i32 = 24;
const AXIS: u32 = 50;
/// Room under the axis title for its descenders.
const BOTTOM: u32 = 8;
const BAR_FILL: RGBColor = RGBColor(0x4e, 0x79, 0xa7);
const CHEAPEST_FILL: RGBColor = RGBColor(0x2e, 0x9e, 0x4f);
const INK: RGBColor = RGBColor(0x1a, 0x1a, 0x1a);
const GREY: RGBColor = RGBColor(0x55, 0x55, 0x55);
const GAP_FILL: RGBColor = RGBColor(0xf4, 0xf4, 0xf4);
const GAP_STROKE: RGBColor = RGBColor(0xbb, 0xbb, 0xbb);

/// The chart as an SVG document. Each scenario is a `<g class="scenario">` with a
/// `data-scenario` attribute; one with a plan holds a `g.bar` and a `g.bound`, and its
/// label says how much dearer than the cheapest it is.
pub fn svg(bars: &[Bar], title: &str) -> anyhow::Result<String> {
    let rows = bars.len().max(1) as u32;
    let size = (WIDTH, TOP + ROW * rows + AXIS + BOTTOM);
    let top_value = bars
        .iter()
        .flat_map(|b| [b.cost_per_month, b.bound_per_month])
        .flatten()
        .fold(0.0, f64::max);
    let axis_max = *ticks(top_value).last().expect("at least two ticks");

    let mut plot = (LEFT as i32, (WIDTH - RIGHT) as i32);
    let frame = svg::elements(size, |canvas| {
        canvas.draw_text(title, &svg::styled(17.0, &INK, FontStyle::Bold), (LEFT as i32, 12))?;
        legend(canvas)?;
        let mut chart = ChartBuilder::on(canvas)
            .margin_top(TOP)
            .margin_left(LEFT)
            .margin_right(RIGHT)
            .margin_bottom(BOTTOM)
            .x_label_area_size(AXIS)
            .build_cartesian_2d(0.0..axis_max, 0.0..f64::from(rows))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .disable_y_axis()
            .x_labels(8)
            .x_label_formatter(&|v| short_dollars(*v))
            .x_label_style(svg::text(12.0, &GREY))
            .x_desc("cost per month (US dollars, 730 hours)")
            .axis_desc_style(svg::text(13.0, &RGBColor(0x33, 0x33, 0x33)))
            .bold_line_style(RGBColor(0xe3, 0xe3, 0xe3))
            .light_line_style(TRANSPARENT)
            .axis_style(RGBColor(0x88, 0x88, 0x88))
            .draw()?;
        let (columns, _) = chart.plotting_area().get_pixel_range();
        plot = (columns.start, columns.end);
        Ok(())
    })?;
    let x = |v: f64| plot.0 + ((plot.1 - plot.0) as f64 * (v / axis_max).clamp(0.0, 1.0)).round() as i32;

    let mut parts = vec![svg::group("frame", &[], 0.0, &frame)];
    for (n, bar) in bars.iter().enumerate() {
        let row_top = (TOP + ROW * n as u32) as i32;
        let y = row_top + (ROW as i32 - BAR) / 2;
        let mid = row_top + ROW as i32 / 2;
        let label = svg::elements(size, |c| {
            let style = svg::styled(13.0, &INK, weight(bar.cheapest)).pos(Pos::new(HPos::Right, VPos::Center));
            c.draw_text(&bar.label, &style, (LEFT as i32 - 10, mid))
        })?;
        let mut inner = label;
        match bar.cost_per_month {
            Some(cost) => {
                let fill = if bar.cheapest { CHEAPEST_FILL } else { BAR_FILL };
                let right = x(cost).max(plot.0 + 1);
                let shape = svg::elements(size, |c| {
                    c.draw(&Rectangle::new([(plot.0, y), (right, y + BAR)], fill.filled()))
                })?;
                inner.push_str(&svg::group("bar", &[], 0.0, &shape));
                let mut label_x = right;
                if let Some(bound) = bar.bound_per_month {
                    let bx = x(bound);
                    label_x = label_x.max(bx);
                    let mark = svg::elements(size, |c| {
                        c.draw(&PathElement::new(
                            vec![(bx, y - 4), (bx, y + BAR + 4)],
                            INK.stroke_width(3),
                        ))
                    })?;
                    inner.push_str(&svg::group("bound", &[], 0.0, &mark));
                }
                let text = match bar.dearer_by {
                    _ if bar.cheapest => format!("{} · cheapest", dollars(cost)),
                    Some(f) => format!("{} ({})", dollars(cost), super::dearer_than_cheapest(f)),
                    None => format!("{} · as cheap", dollars(cost)),
                };
                let colour = if bar.cheapest { CHEAPEST_FILL } else { INK };
                let value = svg::elements(size, |c| {
                    let style =
                        svg::styled(13.0, &colour, weight(bar.cheapest)).pos(Pos::new(HPos::Left, VPos::Center));
                    c.draw_text(&text, &style, (label_x + 8, mid))
                })?;
                inner.push_str(&svg::group("value", &[], 0.0, &value));
            }
            None => {
                let note = if bar.note.is_empty() {
                    "no plan".to_string()
                } else {
                    format!("no plan: {}", bar.note)
                };
                let width = (WIDTH - LEFT - 10) as i32;
                // Up to two lines of about 6 px per character, the second cut short.
                let lines = wrap(&note, (f64::from(width) / 6.2) as usize, 2);
                let gap = svg::elements(size, |c| {
                    let corners = [(LEFT as i32, y), (LEFT as i32 + width, y + BAR)];
                    c.draw(&Rectangle::new(corners, GAP_FILL.filled()))?;
                    c.draw(&Rectangle::new(corners, GAP_STROKE.stroke_width(1)))?;
                    let style = svg::styled(11.0, &GREY, FontStyle::Italic).pos(Pos::new(HPos::Left, VPos::Center));
                    let first = if lines.len() > 1 { mid - 6 } else { mid };
                    for (k, line) in lines.iter().enumerate() {
                        c.draw_text(line, &style, (LEFT as i32 + 6, first + 12 * k as i32))?;
                    }
                    Ok(())
                })?;
                inner.push_str(&svg::group("gap", &[], 0.0, &gap));
            }
        }
        parts.push(svg::group("scenario", &[("data-scenario", &bar.label)], 0.0, &inner));
    }
    Ok(svg::document(size, title, &parts))
}

/// The cheapest scenario's labels are bold.
fn weight(cheapest: bool) -> FontStyle {
    if cheapest {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    }
}

/// The legend under the title: bar, cheapest bar, lower-bound mark.
fn legend(canvas: &Canvas) -> Drawn {
    let y = 44;
    let mut x = LEFT as i32;
    let style = svg::text(13.0, &RGBColor(0x33, 0x33, 0x33)).pos(Pos::new(HPos::Left, VPos::Center));
    for (fill, text) in [(BAR_FILL, "cost per month"), (CHEAPEST_FILL, "cheapest")] {
        canvas.draw(&Rectangle::new([(x, y), (x + 14, y + 14)], fill.filled()))?;
        canvas.draw_text(text, &style, (x + 20, y + 7))?;
        x += 40 + 7 * text.len() as i32;
    }
    canvas.draw(&PathElement::new(
        vec![(x + 7, y - 2), (x + 7, y + 16)],
        INK.stroke_width(3),
    ))?;
    canvas.draw_text("proven lower bound", &style, (x + 20, y + 7))
}

/// Axis ticks from 0 to at least `max`, 4 to 8 of them at a round step (1, 2, 2.5 or 5
/// times a power of ten).
fn ticks(max: f64) -> Vec<f64> {
    if !(max.is_finite() && max > 0.0) {
        return vec![0.0, 1.0];
    }
    let raw = max / 5.0;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * power);
    let n = (max / step - 1e-9).ceil().max(1.0) as usize;
    (0..=n).map(|i| i as f64 * step).collect()
}

/// `$1,234.56`.
pub(super) fn dollars(v: f64) -> String {
    let cents = (v * 100.0).round() as i64;
    let (whole, frac) = (cents / 100, (cents % 100).abs());
    format!("${}.{frac:02}", thousands(whole))
}

/// A tick label: `$0`, `$250`, `$2.5k`, `$40k`, `$1.2M`, or `$0.25` below one dollar.
fn short_dollars(v: f64) -> String {
    let trim = |x: f64| {
        let t = format!("{x:.2}");
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    if v >= 1e6 {
        format!("${}M", trim(v / 1e6))
    } else if v >= 1e3 {
        format!("${}k", trim(v / 1e3))
    } else {
        format!("${}", trim(v))
    }
}

fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// Splits `text` at spaces into at most `max_lines` lines of at most `width` characters;
/// what does not fit ends in `…`.
fn wrap(text: &str, width: usize, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        let last = &mut lines[max_lines - 1];
        let keep: String = last.chars().take(width.saturating_sub(1)).collect();
        *last = format!("{}…", keep.trim_end());
    }
    for l in &mut lines {
        if l.chars().count() > width {
            *l = format!("{}…", l.chars().take(width.saturating_sub(1)).collect::<String>());
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, cost: Option<f64>, bound: Option<f64>, dearer_by: Option<f64>) -> Bar {
        Bar {
            label: label.into(),
            cost_per_month: cost,
            bound_per_month: bound,
            cheapest: cost.is_some() && dearer_by.is_none(),
            dearer_by,
            note: String::new(),
        }
    }

    #[test]
    fn ticks_are_round_and_cover_the_largest_value() {
        assert_eq!(ticks(1000.0), vec![0.0, 200.0, 400.0, 600.0, 800.0, 1000.0]);
        assert_eq!(ticks(1234.0), vec![0.0, 250.0, 500.0, 750.0, 1000.0, 1250.0]);
        assert_eq!(ticks(0.0), vec![0.0, 1.0]);
        let t = ticks(87_654.0);
        assert!(t.len() >= 5 && t.len() <= 9 && *t.last().unwrap() >= 87_654.0, "{t:?}");
    }

    #[test]
    fn long_notes_wrap_onto_two_lines_and_the_rest_is_cut() {
        assert_eq!(wrap("a bb ccc", 4, 2), vec!["a bb", "ccc"]);
        assert_eq!(wrap("a bb ccc dd", 4, 2), vec!["a bb", "ccc…"]);
        assert_eq!(wrap("short", 40, 2), vec!["short"]);
        assert_eq!(wrap("abcdefgh", 4, 2), vec!["abc…"]);
    }

    #[test]
    fn money_labels_read_as_dollars() {
        assert_eq!(dollars(1234567.891), "$1,234,567.89");
        assert_eq!(dollars(70.08), "$70.08");
        assert_eq!(short_dollars(2500.0), "$2.5k");
        assert_eq!(short_dollars(40000.0), "$40k");
        assert_eq!(short_dollars(250.0), "$250");
        assert_eq!(short_dollars(0.25), "$0.25");
        assert_eq!(short_dollars(1_200_000.0), "$1.2M");
    }

    #[test]
    fn one_group_per_scenario_bars_bounds_and_the_cheapest_highlighted() {
        let bars = vec![
            bar("declared", Some(1000.0), Some(900.0), Some(0.428_571)),
            bar("none", Some(700.0), Some(700.0), None),
            Bar {
                note: "service `ml`: a task needs 1 GPU(s) & Fargate has none".into(),
                ..bar("fargate", None, None, None)
            },
        ];
        let svg = svg(&bars, "Cost <per> month").unwrap();
        let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
        let class = |c: &str| doc.descendants().filter(|n| n.attribute("class") == Some(c)).count();
        assert_eq!(class("scenario"), 3);
        assert_eq!(class("bar"), 2);
        assert_eq!(class("bound"), 2);
        assert_eq!(class("gap"), 1);
        assert!(svg.contains("$700.00 · cheapest"));
        assert!(svg.contains("$1,000.00 (+42.9 %)"));
        assert!(svg.contains("no plan: service `ml`: a task needs 1 GPU(s) &amp; Fargate has none"));
        assert!(svg.contains("Cost &lt;per&gt; month"));
        // The declared bar fills the plot (1000 of a 0–1000 axis), its bound at 900.
        let plot = f64::from(WIDTH - LEFT - RIGHT);
        let rect = doc
            .descendants()
            .find(|n| n.attribute("class") == Some("bar"))
            .and_then(|g| g.descendants().find(|n| n.has_tag_name("rect")))
            .unwrap();
        let width: f64 = rect.attribute("width").unwrap().parse().unwrap();
        assert!((width - plot).abs() <= 2.0, "{width}");
        let bound = doc
            .descendants()
            .find(|n| n.attribute("class") == Some("bound"))
            .and_then(|g| g.descendants().find(|n| n.has_tag_name("polyline")))
            .unwrap();
        let x: f64 = bound
            .attribute("points")
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!((x - (f64::from(LEFT) + 0.9 * plot)).abs() <= 2.0, "{x}");
    }
}
