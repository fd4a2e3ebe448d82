//! The compare chart: cost per month per scenario as a horizontal SVG bar chart, with the
//! proven lower bound marked on each bar and the cheapest scenario highlighted. Written
//! by hand as plain SVG 1.1, so it needs no fonts or renderer to produce.

use std::fmt::Write as _;

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
    /// Why there is no plan, for a gap; ignored for a bar.
    pub note: String,
}

const WIDTH: f64 = 900.0;
const LEFT: f64 = 150.0;
const RIGHT: f64 = 200.0;
const TOP: f64 = 78.0;
const ROW: f64 = 40.0;
const BAR: f64 = 24.0;
const AXIS: f64 = 50.0;
const FONT: &str = "font-family=\"Helvetica, Arial, sans-serif\"";
const BAR_FILL: &str = "#4e79a7";
const CHEAPEST_FILL: &str = "#2e9e4f";
const BOUND_STROKE: &str = "#1a1a1a";

/// The chart as an SVG document. Each scenario is a `<g class="scenario">` with a
/// `data-scenario` attribute; one with a plan holds a `rect.bar` and a `line.bound`, and
/// its label says how much dearer than the cheapest it is.
pub fn svg(bars: &[Bar], title: &str) -> String {
    let plot_width = WIDTH - LEFT - RIGHT;
    let height = TOP + ROW * bars.len() as f64 + AXIS;
    let top_value = bars
        .iter()
        .flat_map(|b| [b.cost_per_month, b.bound_per_month])
        .flatten()
        .fold(0.0, f64::max);
    let ticks = ticks(top_value);
    let axis_max = *ticks.last().expect("at least two ticks");
    let x = |v: f64| LEFT + plot_width * (v / axis_max).clamp(0.0, 1.0);
    let bottom = TOP + ROW * bars.len() as f64;
    let cheapest = bars.iter().find(|b| b.cheapest).and_then(|b| b.cost_per_month);

    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" {FONT} font-size=\"13\">"
    );
    let _ = writeln!(s, "<title>{}</title>", escape(title));
    let _ = writeln!(s, "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>");
    let _ = writeln!(
        s,
        "<text x=\"{LEFT}\" y=\"28\" font-size=\"17\" font-weight=\"bold\" fill=\"#1a1a1a\">{}</text>",
        escape(title)
    );
    legend(&mut s);

    // Grid and axis.
    let _ = writeln!(s, "<g class=\"axis\" fill=\"#555555\" font-size=\"12\">");
    for &t in &ticks {
        let tx = x(t);
        let _ = writeln!(
            s,
            "<line x1=\"{tx:.1}\" y1=\"{TOP}\" x2=\"{tx:.1}\" y2=\"{bottom}\" stroke=\"#e3e3e3\" stroke-width=\"1\"/>"
        );
        let _ = writeln!(
            s,
            "<text x=\"{tx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            bottom + 18.0,
            short_dollars(t)
        );
    }
    let _ = writeln!(
        s,
        "<line x1=\"{LEFT}\" y1=\"{bottom}\" x2=\"{:.1}\" y2=\"{bottom}\" stroke=\"#888888\"/>",
        LEFT + plot_width
    );
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#333333\">cost per month (US dollars, 730 hours)</text>",
        LEFT + plot_width / 2.0,
        bottom + 40.0
    );
    let _ = writeln!(s, "</g>");

    for (n, bar) in bars.iter().enumerate() {
        let row_top = TOP + ROW * n as f64;
        let y = row_top + (ROW - BAR) / 2.0;
        let mid = row_top + ROW / 2.0 + 4.5;
        let name = escape(&bar.label);
        let _ = writeln!(s, "<g class=\"scenario\" data-scenario=\"{name}\">");
        let weight = if bar.cheapest { " font-weight=\"bold\"" } else { "" };
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{mid:.1}\" text-anchor=\"end\" fill=\"#1a1a1a\"{weight}>{name}</text>",
            LEFT - 10.0
        );
        match bar.cost_per_month {
            Some(cost) => {
                let fill = if bar.cheapest { CHEAPEST_FILL } else { BAR_FILL };
                let w = (x(cost) - LEFT).max(1.0);
                let _ = writeln!(
                    s,
                    "<rect class=\"bar\" x=\"{LEFT}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{BAR}\" fill=\"{fill}\"><title>{name}: {} per month</title></rect>",
                    dollars(cost)
                );
                if let Some(bound) = bar.bound_per_month {
                    let bx = x(bound);
                    let _ = writeln!(
                        s,
                        "<line class=\"bound\" x1=\"{bx:.1}\" y1=\"{:.1}\" x2=\"{bx:.1}\" y2=\"{:.1}\" stroke=\"{BOUND_STROKE}\" stroke-width=\"3\"><title>lower bound {} per month</title></line>",
                        y - 4.0,
                        y + BAR + 4.0,
                        dollars(bound)
                    );
                }
                let label_x = x(cost).max(bar.bound_per_month.map_or(0.0, x)) + 8.0;
                let text = match cheapest {
                    _ if bar.cheapest => format!("{} · cheapest", dollars(cost)),
                    Some(c) if c > 0.0 && cost > c => {
                        format!("{} (+{})", dollars(cost), super::percent((cost - c) / c))
                    }
                    Some(_) => format!("{} · as cheap", dollars(cost)),
                    None => dollars(cost),
                };
                let colour = if bar.cheapest { CHEAPEST_FILL } else { "#1a1a1a" };
                let _ = writeln!(
                    s,
                    "<text class=\"value\" x=\"{label_x:.1}\" y=\"{mid:.1}\" fill=\"{colour}\"{weight}>{}</text>",
                    escape(&text)
                );
            }
            None => {
                let note = if bar.note.is_empty() {
                    "no plan".to_string()
                } else {
                    format!("no plan: {}", bar.note)
                };
                let width = WIDTH - LEFT - 10.0;
                let _ = writeln!(
                    s,
                    "<rect class=\"gap\" x=\"{LEFT}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{BAR}\" fill=\"#f4f4f4\" stroke=\"#bbbbbb\" stroke-dasharray=\"4 3\"><title>{}</title></rect>",
                    escape(&note)
                );
                // Up to two lines of about 6 px per character, the second cut short.
                let lines = wrap(&note, (width / 6.2) as usize, 2);
                let first_y = if lines.len() > 1 { y + 10.0 } else { mid - 1.0 };
                let _ = write!(
                    s,
                    "<text class=\"note\" x=\"{:.1}\" y=\"{first_y:.1}\" fill=\"#555555\" font-style=\"italic\" font-size=\"11\">",
                    LEFT + 6.0
                );
                for (k, line) in lines.iter().enumerate() {
                    let dy = if k == 0 { 0.0 } else { 12.0 };
                    let _ = write!(s, "<tspan x=\"{:.1}\" dy=\"{dy}\">{}</tspan>", LEFT + 6.0, escape(line));
                }
                let _ = writeln!(s, "</text>");
            }
        }
        let _ = writeln!(s, "</g>");
    }
    s.push_str("</svg>\n");
    s
}

/// The legend under the title: bar, cheapest bar, lower-bound mark.
fn legend(s: &mut String) {
    let y = 44.0;
    let mut x = LEFT;
    for (fill, text) in [(BAR_FILL, "cost per month"), (CHEAPEST_FILL, "cheapest")] {
        let _ = writeln!(
            s,
            "<rect x=\"{x}\" y=\"{y}\" width=\"14\" height=\"14\" fill=\"{fill}\"/>"
        );
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" fill=\"#333333\">{text}</text>",
            x + 20.0,
            y + 11.5
        );
        x += 40.0 + 7.0 * text.len() as f64;
    }
    let _ = writeln!(
        s,
        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{BOUND_STROKE}\" stroke-width=\"3\"/>",
        x + 7.0,
        y - 2.0,
        x + 7.0,
        y + 16.0
    );
    let _ = writeln!(
        s,
        "<text x=\"{}\" y=\"{}\" fill=\"#333333\">proven lower bound</text>",
        x + 20.0,
        y + 11.5
    );
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
fn dollars(v: f64) -> String {
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

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, cost: Option<f64>, bound: Option<f64>, cheapest: bool) -> Bar {
        Bar {
            label: label.into(),
            cost_per_month: cost,
            bound_per_month: bound,
            cheapest,
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
            bar("declared", Some(1000.0), Some(900.0), false),
            bar("none", Some(700.0), Some(700.0), true),
            Bar {
                note: "service `ml`: a task needs 1 GPU(s) & Fargate has none".into(),
                ..bar("fargate", None, None, false)
            },
        ];
        let svg = svg(&bars, "Cost <per> month");
        assert_eq!(svg.matches("<g class=\"scenario\"").count(), 3);
        assert_eq!(svg.matches("class=\"bar\"").count(), 2);
        assert_eq!(svg.matches("class=\"bound\"").count(), 2);
        assert_eq!(svg.matches(CHEAPEST_FILL).count(), 3, "legend, bar and label");
        assert!(svg.contains("$700.00 · cheapest"));
        assert!(svg.contains("$1,000.00 (+42.9 %)"));
        assert!(svg.contains("no plan: service `ml`: a task needs 1 GPU(s) &amp; Fargate has none"));
        assert!(svg.contains("Cost &lt;per&gt; month"));
        // The declared bar is 1000 / 1000 of the plot, its bound at 900.
        assert!(svg.contains(&format!("width=\"{:.1}\"", WIDTH - LEFT - RIGHT)));
        assert!(svg.contains(&format!("x1=\"{:.1}\"", LEFT + 0.9 * (WIDTH - LEFT - RIGHT))));
    }
}
