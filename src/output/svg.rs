//! Putting plotters' SVG output together into one document whose parts are named groups.
//! Plotters draws every shape and label; its SVG backend writes them as a flat list, so
//! each part of a chart is drawn on its own canvas and wrapped in a `<g>` that says what
//! it is (a scenario, an instance type), which tests and style sheets can select.

use plotters::coord::Shift;
use plotters::prelude::*;

/// A canvas to draw one part of a chart on, in the chart's pixel coordinates.
pub type Canvas<'a> = DrawingArea<SVGBackend<'a>, Shift>;
/// What drawing on a canvas returns.
pub type Drawn = Result<(), DrawingAreaErrorKind<std::io::Error>>;

/// The font of every label.
pub const FONT: &str = "Helvetica, Arial, sans-serif";

/// A text style of `px` pixels: plotters' SVG backend writes a font size of 1/1.24 of the
/// size it is given, so the size is scaled up to come out as `px`.
pub fn text(px: f64, colour: &RGBColor) -> TextStyle<'static> {
    styled(px, colour, FontStyle::Normal)
}

/// The same in bold or italic.
pub fn styled(px: f64, colour: &RGBColor, style: FontStyle) -> TextStyle<'static> {
    (FONT, px * 1.24).into_font().style(style).color(colour)
}

/// Draws with `draw` on a canvas of `size` pixels and returns the SVG elements drawn,
/// without the document around them.
pub fn elements(size: (u32, u32), draw: impl FnOnce(&Canvas) -> Drawn) -> anyhow::Result<String> {
    let mut buf = String::new();
    {
        let canvas = SVGBackend::with_string(&mut buf, size).into_drawing_area();
        draw(&canvas)?;
        canvas.present()?;
    }
    // The backend opens with one `<svg ...>` line and closes with `</svg>`.
    let body = buf.split_once('\n').map_or("", |(_, rest)| rest);
    Ok(body.trim_end().trim_end_matches("</svg>").to_string())
}

/// `inner` as a group: `<g class="class" name="value" ...>`; a `translate` moves it down.
pub fn group(class: &str, attributes: &[(&str, &str)], dy: f64, inner: &str) -> String {
    let mut open = format!("<g class=\"{}\"", escape(class));
    for (name, value) in attributes {
        open.push_str(&format!(" {name}=\"{}\"", escape(value)));
    }
    if dy != 0.0 {
        open.push_str(&format!(" transform=\"translate(0,{dy})\""));
    }
    format!("{open}>\n{inner}</g>\n")
}

/// The whole document: a white page of `size` pixels, its title, then `parts` in order.
pub fn document(size: (u32, u32), title: &str, parts: &[String]) -> String {
    let (w, h) = size;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"{FONT}\">\n<title>{}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n{}</svg>\n",
        escape(title),
        parts.concat()
    )
}

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_drawn_by_plotters_compose_into_one_svg_document() {
        let rect = elements((100, 50), |c| {
            c.draw(&Rectangle::new([(1, 2), (30, 40)], RGBColor(1, 2, 3).filled()))
        })
        .unwrap();
        assert!(rect.contains("<rect"), "{rect}");
        assert!(!rect.contains("<svg") && !rect.contains("</svg>"), "{rect}");
        let doc = document((100, 50), "a & b", &[group("bar", &[("data-x", "<1>")], 5.0, &rect)]);
        let parsed = roxmltree::Document::parse(&doc).expect("well-formed SVG");
        let g = parsed.descendants().find(|n| n.has_tag_name("g")).unwrap();
        assert_eq!(g.attribute("data-x"), Some("<1>"));
        assert_eq!(g.attribute("transform"), Some("translate(0,5)"));
        assert_eq!(g.children().filter(|n| n.has_tag_name("rect")).count(), 1);
    }
}
