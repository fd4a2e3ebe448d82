//! The compare chart: cost per month per scenario as an SVG bar chart.
