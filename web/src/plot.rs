//! A line chart as data, and everything made from it without a browser: its axes (round ticks
//! with units), its drawing as SVG text (the page shows that text, and exports it as a file with
//! its legend and colours inside), its data as CSV text, and the readout of the values at a
//! pointer or keyboard cursor. [`crate::chart`] puts it on the page; keeping this apart lets
//! native tests check what people read and download.

use std::fmt::Write;

/// One line of a [`Plot`]: points (x, y) and the CSS class that colours it. A series whose class
/// is `"theory"` is a prediction: drawn dashed, as a `<path>` (measured series are
/// `<polyline>`s), and named so in the legend.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The name in the legend, the readout and the CSV.
    pub name: String,
    /// The CSS class that colours it (`susceptible`, `infective`, `theory`, ...).
    pub class: &'static str,
    /// The points in data units, in order of x.
    pub points: Vec<(f64, f64)>,
    /// The element's id in the page, for links and tests (`theory-curve`).
    pub id: Option<&'static str>,
}

impl Series {
    /// A measured series.
    pub fn line(name: impl Into<String>, class: &'static str, points: Vec<(f64, f64)>) -> Self {
        Series {
            name: name.into(),
            class,
            points,
            id: None,
        }
    }

    /// A theory curve: dashed, and named "... (theory)" wherever it is named.
    pub fn theory(name: impl Into<String>, points: Vec<(f64, f64)>, id: &'static str) -> Self {
        Series {
            name: crate::i18n::tf("chart.theory_name", &[("name", &name.into())]),
            class: "theory",
            points,
            id: Some(id),
        }
    }

    fn is_theory(&self) -> bool {
        self.class == "theory"
    }
}

/// A chart: its series over two labelled axes. Axis labels carry their unit ("time (s)").
#[derive(Clone, Debug, PartialEq)]
pub struct Plot {
    /// The SVG element's id.
    pub id: String,
    /// What the chart shows, in a sentence: its accessible name and the exported file's title.
    pub title: String,
    /// The x axis's name and unit.
    pub x_label: String,
    /// The y axis's name and unit.
    pub y_label: String,
    /// The lines, in legend order.
    pub series: Vec<Series>,
    /// The top of the y axis (1 for fractions); the largest value, rounded up, when absent.
    pub y_max: Option<f64>,
    /// An x drawn as a vertical line (the round the graph shows).
    pub marker: Option<f64>,
}

/// The drawing's size and margins, in SVG units.
pub const WIDTH: f64 = 480.0;
/// The plot's height without the exported legend.
pub const HEIGHT: f64 = 210.0;
const LEFT: f64 = 54.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 38.0;
/// Height of one legend line in an exported drawing.
const LEGEND_LINE: f64 = 16.0;

/// The colours of the exported file, where the page's style sheet is absent (its light theme).
const EXPORT_STYLE: &str = "text{font-family:sans-serif;font-size:11px;fill:#555}\
text.title{fill:#111;font-size:12px}polyline,path{fill:none;stroke-width:2}\
.susceptible{stroke:#1f77b4}.infective{stroke:#d62728}.removed{stroke:#7f7f7f}\
.alive{stroke:#2ca02c}.suspect{stroke:#ff7f0e}.dead{stroke:#8c1c13}\
.theory{stroke:#111;stroke-dasharray:5 4;stroke-width:1.5}line.grid{stroke:#ddd}\
line.axis-line{stroke:#555}";

/// Round tick values covering `low..=high`, about `count` of them: 1, 2 or 5 times a power of
/// ten apart. The first is at or below `low`, the last at or above `high`.
pub fn nice_ticks(low: f64, high: f64, count: usize) -> Vec<f64> {
    let span = if high > low {
        high - low
    } else {
        low.abs().max(1.0)
    };
    let rough = span / count.max(1) as f64;
    let exponent = rough.log10().floor() as i32;
    let mantissa = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .find(|m| m * 10f64.powi(exponent) >= rough)
        .unwrap_or(10.0);
    // i * mantissa is a whole number: dividing by a power of ten gives 0.06, not 0.0600...01.
    let tick = |i: i64| {
        let units = i as f64 * mantissa;
        if exponent < 0 {
            units / 10f64.powi(-exponent)
        } else {
            units * 10f64.powi(exponent)
        }
    };
    let step = tick(1);
    let first = (low / step).floor() as i64;
    let last = ((high / step).ceil() as i64).max(first + 1);
    (first..=last).map(tick).collect()
}

/// A tick value with the decimals its spacing needs.
pub fn tick_label(value: f64, step: f64) -> String {
    // The slack keeps a step of 0.1 computed as 0.09999... at one decimal.
    let decimals = (-(step.abs() * (1.0 + 1e-9)).log10().floor()).max(0.0) as usize;
    format!("{value:.decimals$}")
}

/// A value in a readout: whole numbers as such, others with three significant figures or so.
pub fn readout_value(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else if value.abs() >= 100.0 {
        format!("{value:.1}")
    } else if value.abs() >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}

/// Where data units land in the drawing: the axes' ranges and ticks.
#[derive(Clone, Debug, PartialEq)]
pub struct Axes {
    /// Tick values along x, the first and last being the axis's ends.
    pub x_ticks: Vec<f64>,
    /// Tick values along y, likewise.
    pub y_ticks: Vec<f64>,
}

impl Axes {
    /// The axes that hold every point of `plot` (and its `y_max`), starting at 0 where the data
    /// are not negative.
    pub fn of(plot: &Plot) -> Self {
        let points = || plot.series.iter().flat_map(|s| s.points.iter());
        let (mut x_low, mut x_high) = (0.0f64, 0.0f64);
        let (mut y_low, mut y_high) = (0.0f64, 0.0f64);
        for &(x, y) in points().filter(|(x, y)| x.is_finite() && y.is_finite()) {
            x_low = x_low.min(x);
            x_high = x_high.max(x);
            y_low = y_low.min(y);
            y_high = y_high.max(y);
        }
        let y_ticks = match plot.y_max {
            Some(top) if top > y_low && y_high <= top => {
                let ticks = nice_ticks(y_low, top, 5);
                let step = ticks[1] - ticks[0];
                // The given top stays the axis's end: 0..1 in quarters, not 0..1.2.
                let mut ticks: Vec<f64> = ticks
                    .into_iter()
                    .filter(|t| *t < top - step * 1e-6)
                    .collect();
                ticks.push(top);
                ticks
            }
            _ => nice_ticks(y_low, y_high, 5),
        };
        Axes {
            x_ticks: nice_ticks(x_low, x_high, 6),
            y_ticks,
        }
    }

    fn x_range(&self) -> (f64, f64) {
        (self.x_ticks[0], self.x_ticks[self.x_ticks.len() - 1])
    }

    fn y_range(&self) -> (f64, f64) {
        (self.y_ticks[0], self.y_ticks[self.y_ticks.len() - 1])
    }

    /// The drawing's x for a data x.
    pub fn px(&self, x: f64) -> f64 {
        let (low, high) = self.x_range();
        LEFT + (x - low) / (high - low) * (WIDTH - LEFT - RIGHT)
    }

    /// The drawing's y for a data y (up is larger).
    pub fn py(&self, y: f64) -> f64 {
        let (low, high) = self.y_range();
        HEIGHT - BOTTOM - (y - low) / (high - low) * (HEIGHT - TOP - BOTTOM)
    }

    /// The data x under a drawing x (a pointer's), within the axis.
    pub fn x_at(&self, px: f64) -> f64 {
        let (low, high) = self.x_range();
        let fraction = ((px - LEFT) / (WIDTH - LEFT - RIGHT)).clamp(0.0, 1.0);
        low + fraction * (high - low)
    }
}

/// The values at one x: each series's point nearest to it.
#[derive(Clone, Debug, PartialEq)]
pub struct Readout {
    /// The x read (a data point's).
    pub x: f64,
    /// (series name, its y at the point nearest `x`), in legend order; series without points
    /// are left out.
    pub values: Vec<(String, f64)>,
}

impl Readout {
    /// "round 12: susceptible 40, infective 3", or with an axis label that names its unit,
    /// "time (s)": "time 2.5 s: suspect 0.1".
    pub fn text(&self, x_label: &str) -> String {
        let values: Vec<String> = self
            .values
            .iter()
            .map(|(name, y)| format!("{name} {}", readout_value(*y)))
            .collect();
        let x = readout_value(self.x);
        let at = match x_label
            .strip_suffix(')')
            .and_then(|label| label.rsplit_once(" ("))
        {
            Some((name, unit)) => format!("{name} {x} {unit}"),
            None => format!("{x_label} {x}"),
        };
        format!("{at}: {}", values.join(", "))
    }
}

fn nearest(points: &[(f64, f64)], x: f64) -> Option<(f64, f64)> {
    points
        .iter()
        .copied()
        .filter(|(px, py)| px.is_finite() && py.is_finite())
        .min_by(|a, b| (a.0 - x).abs().total_cmp(&(b.0 - x).abs()))
}

impl Plot {
    /// Every x at which a measured series has a point, sorted, each once: where a keyboard
    /// cursor stops.
    pub fn stops(&self) -> Vec<f64> {
        let mut xs: Vec<f64> = self
            .series
            .iter()
            .filter(|s| !s.is_theory())
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .filter(|x| x.is_finite())
            .collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        xs
    }

    /// The data point nearest `x` among the cursor's stops, and every series's value there.
    pub fn readout(&self, x: f64) -> Option<Readout> {
        let stops = self.stops();
        let snapped = nearest(&stops.iter().map(|&s| (s, 0.0)).collect::<Vec<_>>(), x)?.0;
        let values = self
            .series
            .iter()
            .filter_map(|s| nearest(&s.points, snapped).map(|(_, y)| (s.name.clone(), y)))
            .collect();
        Some(Readout { x: snapped, values })
    }

    /// The stop `by` places after (or before, negative) `from`; the first stop when there is no
    /// cursor yet.
    pub fn step(&self, from: Option<f64>, by: isize) -> Option<f64> {
        let stops = self.stops();
        let last = stops.len().checked_sub(1)?;
        let index = match from {
            None => 0,
            Some(x) => {
                let at = stops.iter().position(|s| *s >= x).unwrap_or(last);
                at.saturating_add_signed(by).min(last)
            }
        };
        Some(stops[index])
    }

    /// The data as CSV: a header `series,<x label>,<y label>` and a row per point of every series
    /// (theory curves too), values written in full (they read back as the same numbers).
    pub fn csv(&self) -> String {
        let mut text = format!(
            "series,{},{}\n",
            csv_field(&self.x_label),
            csv_field(&self.y_label)
        );
        for series in &self.series {
            for (x, y) in &series.points {
                let _ = writeln!(text, "{},{x},{y}", csv_field(&series.name));
            }
        }
        text
    }

    /// The chart as SVG markup. With `cursor`, a vertical line and a dot on each series at the
    /// readout's x. `standalone` makes a file: the XML namespace, a white background, the
    /// colours and fonts (the page's style sheet is not there), the title and the legend under
    /// the axes.
    pub fn svg(&self, cursor: Option<&Readout>, standalone: bool) -> String {
        let axes = Axes::of(self);
        let legend_height = if standalone {
            LEGEND_LINE * (self.series.len() as f64 + 1.0) + 4.0
        } else {
            0.0
        };
        let height = HEIGHT + legend_height;
        let mut svg = String::new();
        let namespace = if standalone {
            " xmlns=\"http://www.w3.org/2000/svg\""
        } else {
            ""
        };
        let _ = write!(
            svg,
            "<svg{namespace} id=\"{}\" class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" \
             width=\"{WIDTH}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
            escape(&self.id),
            escape(&self.title)
        );
        if standalone {
            let _ = write!(
                svg,
                "<title>{}</title><style>{EXPORT_STYLE}</style>\
                 <rect width=\"{WIDTH}\" height=\"{height}\" fill=\"#fff\"/>",
                escape(&self.title)
            );
        }
        let (x_left, x_right) = (
            axes.px(axes.x_ticks[0]),
            axes.px(*axes.x_ticks.last().unwrap_or(&0.0)),
        );
        let (y_bottom, y_top) = (
            axes.py(axes.y_ticks[0]),
            axes.py(*axes.y_ticks.last().unwrap_or(&0.0)),
        );
        let y_step = axes.y_ticks.get(1).map_or(1.0, |t| t - axes.y_ticks[0]);
        for &tick in &axes.y_ticks {
            let y = axes.py(tick);
            let _ = write!(
                svg,
                "<line class=\"grid\" x1=\"{x_left:.1}\" x2=\"{x_right:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>\
                 <text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                x_left - 6.0,
                y + 4.0,
                tick_label(tick, y_step)
            );
        }
        let x_step = axes.x_ticks.get(1).map_or(1.0, |t| t - axes.x_ticks[0]);
        for &tick in &axes.x_ticks {
            let x = axes.px(tick);
            let _ = write!(
                svg,
                "<line class=\"axis-line\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{y_bottom:.1}\" y2=\"{:.1}\"/>\
                 <text class=\"axis\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                y_bottom + 4.0,
                y_bottom + 16.0,
                tick_label(tick, x_step)
            );
        }
        let _ = write!(
            svg,
            "<line class=\"axis-line\" x1=\"{x_left:.1}\" x2=\"{x_right:.1}\" y1=\"{y_bottom:.1}\" y2=\"{y_bottom:.1}\"/>\
             <line class=\"axis-line\" x1=\"{x_left:.1}\" x2=\"{x_left:.1}\" y1=\"{y_bottom:.1}\" y2=\"{y_top:.1}\"/>\
             <text class=\"axis title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\
             <text class=\"axis title\" transform=\"translate(12 {:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
            (x_left + x_right) / 2.0,
            HEIGHT - 6.0,
            escape(&self.x_label),
            (y_bottom + y_top) / 2.0,
            escape(&self.y_label)
        );
        for series in &self.series {
            let points: Vec<String> = series
                .points
                .iter()
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .map(|&(x, y)| format!("{:.1},{:.1}", axes.px(x), axes.py(y)))
                .collect();
            let id = series
                .id
                .map(|id| format!(" id=\"{id}\""))
                .unwrap_or_default();
            let _ = if series.is_theory() {
                write!(
                    svg,
                    "<path{id} class=\"series theory\" d=\"M{}\"><title>{}</title></path>",
                    points.join(" L"),
                    escape(&series.name)
                )
            } else {
                write!(
                    svg,
                    "<polyline{id} class=\"{}\" points=\"{}\"><title>{}</title></polyline>",
                    series.class,
                    points.join(" "),
                    escape(&series.name)
                )
            };
        }
        if let Some(x) = self.marker.filter(|_| !standalone) {
            let x = axes.px(x);
            let _ = write!(
                svg,
                "<line id=\"round-marker\" class=\"marker\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{y_top:.1}\" y2=\"{y_bottom:.1}\"/>"
            );
        }
        if let Some(readout) = cursor.filter(|_| !standalone) {
            let x = axes.px(readout.x);
            let _ = write!(
                svg,
                "<line class=\"cursor\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{y_top:.1}\" y2=\"{y_bottom:.1}\"/>"
            );
            for series in &self.series {
                if let Some((_, y)) = nearest(&series.points, readout.x) {
                    let _ = write!(
                        svg,
                        "<circle class=\"cursor-dot {}\" cx=\"{x:.1}\" cy=\"{:.1}\" r=\"3.5\"/>",
                        series.class,
                        axes.py(y)
                    );
                }
            }
        }
        if standalone {
            let mut y = HEIGHT + LEGEND_LINE;
            let _ = write!(
                svg,
                "<text class=\"title\" x=\"{LEFT}\" y=\"{y:.1}\">{}</text>",
                escape(&self.title)
            );
            for series in &self.series {
                y += LEGEND_LINE;
                let dash = if series.is_theory() {
                    " stroke-dasharray=\"5 4\""
                } else {
                    ""
                };
                let _ = write!(
                    svg,
                    "<line class=\"{}\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke-width=\"2\"{dash}/>\
                     <text x=\"{:.1}\" y=\"{y:.1}\">{}</text>",
                    series.class,
                    LEFT + 20.0,
                    y - 4.0,
                    y - 4.0,
                    LEFT + 26.0,
                    escape(&series.name)
                );
            }
        }
        svg.push_str("</svg>");
        svg
    }
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Text for XML content and attribute values.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn sir() -> Plot {
        Plot {
            id: "sir-chart".into(),
            title: "Nodes per round".into(),
            x_label: "round".into(),
            y_label: "nodes".into(),
            series: vec![
                Series::line(
                    "susceptible",
                    "susceptible",
                    vec![(0.0, 99.0), (1.0, 97.0), (2.0, 90.0)],
                ),
                Series::line(
                    "infective",
                    "infective",
                    vec![(0.0, 1.0), (1.0, 3.0), (2.0, 10.0)],
                ),
                Series::theory(
                    "susceptible, mean-field SIR",
                    vec![(0.0, 99.0), (1.0, 98.01), (2.0, 96.1)],
                    "theory-curve",
                ),
            ],
            y_max: None,
            marker: Some(1.0),
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(nice_ticks(0.0, 0.05, 4), [0.0, 0.02, 0.04, 0.06]);
        assert_eq!(nice_ticks(0.0, 15.0, 4), [0.0, 5.0, 10.0, 15.0]);
        assert_eq!(nice_ticks(-1.0, 9.0, 4), [-5.0, 0.0, 5.0, 10.0]);
        // A flat series still gets an axis.
        assert_eq!(nice_ticks(0.0, 0.0, 4), [0.0, 0.5]);
        assert_eq!(nice_ticks(8.0, 8.0, 4).len(), 2);
        assert_eq!(tick_label(0.04, 0.02), "0.04");
        assert_eq!(tick_label(15.0, 5.0), "15");
        assert_eq!(tick_label(0.3, 0.09999999999999998), "0.3");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn axes_start_at_zero_and_keep_a_given_top() {
        let plot = sir();
        let axes = Axes::of(&plot);
        assert_eq!(axes.x_ticks, [0.0, 0.5, 1.0, 1.5, 2.0]);
        assert_eq!(axes.y_ticks, [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(axes.px(0.0), LEFT);
        assert_eq!(axes.px(2.0), WIDTH - RIGHT);
        assert_eq!(axes.py(0.0), HEIGHT - BOTTOM);
        assert_eq!(axes.py(100.0), TOP);
        assert_eq!(axes.x_at(axes.px(1.5)), 1.5);
        assert_eq!(axes.x_at(0.0), 0.0, "left of the axis reads its start");
        let fractions = Plot {
            series: vec![Series::line("held", "alive", vec![(0.0, 0.1), (30.0, 0.7)])],
            y_max: Some(1.0),
            ..plot
        };
        let axes = Axes::of(&fractions);
        assert_eq!(axes.y_ticks, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(axes.x_ticks, [0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0]);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_readout_gives_each_series_at_the_nearest_point_and_the_keys_step() {
        let plot = sir();
        let readout = plot.readout(1.3).unwrap();
        assert_eq!(
            readout,
            Readout {
                x: 1.0,
                values: vec![
                    ("susceptible".into(), 97.0),
                    ("infective".into(), 3.0),
                    ("susceptible, mean-field SIR (theory)".into(), 98.01),
                ],
            }
        );
        assert_eq!(
            readout.text("round"),
            "round 1: susceptible 97, infective 3, susceptible, mean-field SIR (theory) 98.01"
        );
        let timed = Readout {
            x: 2.5,
            values: vec![("suspect".into(), 0.125)],
        };
        assert_eq!(timed.text("time (s)"), "time 2.50 s: suspect 0.125");
        assert_eq!(plot.step(None, 1), Some(0.0));
        assert_eq!(plot.step(Some(0.0), 1), Some(1.0));
        assert_eq!(plot.step(Some(2.0), 1), Some(2.0), "stays at the end");
        assert_eq!(plot.step(Some(1.0), -1), Some(0.0));
        assert_eq!(plot.step(Some(0.0), -1), Some(0.0));
        let empty = Plot {
            series: vec![],
            ..sir()
        };
        assert_eq!(empty.readout(1.0), None);
        assert_eq!(empty.step(None, 1), None);
        assert_eq!(readout_value(0.12345), "0.123");
        assert_eq!(readout_value(12.345), "12.35");
        assert_eq!(readout_value(1234.56), "1234.6");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn csv_has_a_row_per_point_that_reads_back_as_the_same_numbers() {
        let mut plot = sir();
        plot.series[1].name = "infective, \"now\"".into();
        plot.series[0].points[1].1 = 0.1 + 0.2;
        let csv = plot.csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "series,round,nodes");
        assert_eq!(lines.len(), 1 + 9);
        assert_eq!(lines[2], "susceptible,1,0.30000000000000004");
        assert_eq!(lines[4], "\"infective, \"\"now\"\"\",0,1");
        assert_eq!(lines[9], "\"susceptible, mean-field SIR (theory)\",2,96.1");
        let y: f64 = lines[2].rsplit(',').next().unwrap().parse().unwrap();
        assert_eq!(y, 0.1 + 0.2);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn svg_draws_measured_lines_theory_dashed_and_a_file_carries_its_legend() {
        let plot = sir();
        let page = plot.svg(None, false);
        assert!(page.starts_with("<svg id=\"sir-chart\" class=\"chart\""));
        assert_eq!(page.matches("<polyline").count(), 2);
        assert!(page.contains(
            "<path id=\"theory-curve\" class=\"series theory\" d=\"M54.0,13.6 L260.0,15.2 L466.0,18.2\">"
        ));
        assert!(page.contains("<line id=\"round-marker\""));
        assert!(
            !page.contains("<style>"),
            "the page's style sheet colours it"
        );
        // Ticks and axis titles.
        for label in [
            ">0<", ">40<", ">100<", ">0.5<", ">1.5<", ">round<", ">nodes<",
        ] {
            assert!(page.contains(label), "{label} in {page}");
        }
        let cursor = plot.readout(2.0);
        let hovered = plot.svg(cursor.as_ref(), false);
        assert_eq!(hovered.matches("class=\"cursor-dot").count(), 3);
        let file = plot.svg(cursor.as_ref(), true);
        assert!(
            !file.contains("cursor") && !file.contains("round-marker"),
            "the page's state stays on the page"
        );
        assert!(file.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(file.ends_with("</svg>"));
        assert!(file.contains("<style>") && file.contains("<title>Nodes per round</title>"));
        assert!(file.contains(">susceptible, mean-field SIR (theory)</text>"));
        // Names are escaped.
        let odd = Plot {
            title: "a < b & \"c\"".into(),
            ..sir()
        };
        assert!(
            odd.svg(None, true)
                .contains("<title>a &lt; b &amp; &quot;c&quot;</title>")
        );
    }
}
