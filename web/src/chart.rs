//! Charts drawn by the app as SVG: line charts ([`Chart`], built from a [`Plot`]) with axes,
//! ticks and units, a readout of the values under the pointer or the keyboard cursor, and
//! downloads of the drawing (SVG, PNG) and of its data (CSV); and the sweep's error bars.

use std::rc::Rc;

use crate::i18n::{t, tf, use_lang};
use gossip_sim::metrics::RoundMetrics;
use yew::prelude::*;

use crate::download::{download_svg_as_png, download_text};
use crate::plot::{Axes, HEIGHT, WIDTH, nice_ticks, tick_label};
pub use crate::plot::{Plot, Series};

/// The SIR chart's data: susceptible, infective and removed nodes per round, the theory's
/// susceptible curve (fractions per round) and predicted residue (a fraction) where they apply,
/// and the round the graph shows.
pub fn sir_plot(
    rounds: &[RoundMetrics],
    nodes: u32,
    theory: Option<&[f64]>,
    residue: Option<f64>,
    marker: Option<usize>,
) -> Plot {
    let line = |class: &'static str, count: fn(&RoundMetrics) -> u32, start: u32| {
        let points = std::iter::once((0.0, f64::from(start)))
            .chain(
                rounds
                    .iter()
                    .map(|m| (f64::from(m.round), f64::from(count(m)))),
            )
            .collect();
        let name = match class {
            "susceptible" => t("chart.susceptible"),
            "infective" => t("chart.infective"),
            _ => t("chart.removed"),
        };
        Series::line(name, class, points)
    };
    let mut series = vec![
        line("susceptible", |m| m.susceptible, nodes.saturating_sub(1)),
        line("infective", |m| m.infective, 1),
        line("removed", |m| m.removed, 0),
    ];
    let size = f64::from(nodes);
    if let Some(fractions) = theory {
        let points = fractions
            .iter()
            .take(rounds.len() + 1)
            .enumerate()
            .map(|(round, s)| (round as f64, s * size))
            .collect();
        series.push(Series::theory(t("chart.theory"), points, "theory-curve"));
    }
    if let Some(s) = residue {
        let last = rounds.last().map_or(1.0, |m| f64::from(m.round));
        series.push(Series::theory(
            t("chart.residue"),
            vec![(0.0, s * size), (last, s * size)],
            "theory-residue",
        ));
    }
    Plot {
        id: "sir-chart".into(),
        title: t("chart.sir.label").into(),
        x_label: t("sim.axis.round").into(),
        y_label: t("chart.axis.nodes").into(),
        series,
        y_max: None,
        marker: marker.map(|round| round as f64),
    }
}

#[derive(Properties, PartialEq)]
pub struct SirChartProps {
    pub rounds: Vec<RoundMetrics>,
    pub nodes: u32,
    /// Expected susceptible fraction per round from theory, drawn dashed.
    #[prop_or_default]
    pub theory: Option<Vec<f64>>,
    /// A predicted final susceptible fraction (residue), drawn as a dashed level.
    #[prop_or_default]
    pub residue: Option<f64>,
    /// The round shown in the graph, marked with a vertical line.
    #[prop_or_default]
    pub marker: Option<usize>,
}

/// Susceptible / infective / removed counts per round, with the theory where it applies.
#[component]
pub fn SirChart(props: &SirChartProps) -> Html {
    let plot = sir_plot(
        &props.rounds,
        props.nodes,
        props.theory.as_deref(),
        props.residue,
        props.marker,
    );
    html! { <Chart plot={Rc::new(plot)} /> }
}

#[derive(Properties, PartialEq)]
pub struct LineChartProps {
    pub id: AttrValue,
    pub series: Vec<Series>,
    /// What the chart shows, in a sentence.
    pub caption: AttrValue,
    /// The x axis's name and unit ("time (s)").
    pub x_label: AttrValue,
    /// The y axis's name and unit.
    pub y_label: AttrValue,
    /// The top of the y axis; the largest value when absent.
    #[prop_or_default]
    pub y_max: Option<f64>,
}

/// Lines over a shared x axis starting at 0.
#[component]
pub fn LineChart(props: &LineChartProps) -> Html {
    let plot = Plot {
        id: props.id.to_string(),
        title: props.caption.to_string(),
        x_label: props.x_label.to_string(),
        y_label: props.y_label.to_string(),
        series: props.series.clone(),
        y_max: props.y_max,
        marker: None,
    };
    html! { <Chart plot={Rc::new(plot)} /> }
}

/// Lines named in a chart's legend; more are counted.
const LEGEND_KEYS: usize = 8;

#[derive(Properties, PartialEq)]
pub struct ChartProps {
    pub plot: Rc<Plot>,
}

/// The drawing's x (in SVG units) under a pointer at `client_x`, from the chart's `<svg>` in
/// `frame`.
fn drawing_x(frame: &web_sys::Element, client_x: i32) -> Option<f64> {
    let rect = frame
        .query_selector("svg")
        .ok()??
        .get_bounding_client_rect();
    (rect.width() > 0.0).then(|| (f64::from(client_x) - rect.left()) / rect.width() * WIDTH)
}

/// A [`Plot`] on the page: the drawing; under it the values at the cursor (the pointer's x, or
/// one moved with the arrow keys while the chart has focus), the legend, and downloads.
#[component]
pub fn Chart(props: &ChartProps) -> Html {
    let _lang = use_lang();
    let cursor = use_state(|| None::<f64>);
    // The frame itself: Yew delegates events, so an event's current target is not the frame
    // (and the first drawing on the page is not necessarily this one).
    let frame = use_node_ref();
    let plot = &props.plot;
    let readout = cursor.and_then(|x| plot.readout(x));
    let svg = plot.svg(readout.as_ref(), false);
    let on_pointer = {
        let (cursor, plot, frame) = (cursor.clone(), plot.clone(), frame.clone());
        Callback::from(move |event: PointerEvent| {
            let Some(frame) = frame.cast::<web_sys::Element>() else {
                return;
            };
            if let Some(x) = drawing_x(&frame, event.client_x()) {
                let at = Axes::of(&plot).x_at(x);
                cursor.set(plot.readout(at).map(|r| r.x));
            }
        })
    };
    let on_leave = {
        let cursor = cursor.clone();
        Callback::from(move |_: PointerEvent| cursor.set(None))
    };
    let on_key = {
        let (cursor, plot) = (cursor.clone(), plot.clone());
        Callback::from(move |event: KeyboardEvent| {
            let stops = plot.stops().len() as isize;
            let by = match event.key().as_str() {
                "ArrowRight" | "ArrowUp" => 1,
                "ArrowLeft" | "ArrowDown" => -1,
                "PageUp" => 10,
                "PageDown" => -10,
                "Home" => -stops,
                "End" => stops,
                "Escape" => {
                    cursor.set(None);
                    return;
                }
                _ => return,
            };
            event.prevent_default();
            // The first key press shows the first point.
            let by = if cursor.is_none() { 0 } else { by };
            cursor.set(plot.step(*cursor, by));
        })
    };
    let (on_svg, on_png, on_csv) = {
        let (for_svg, for_csv) = (plot.clone(), plot.clone());
        download_buttons(
            &plot.id,
            move || for_svg.svg(None, true),
            move || for_csv.csv(),
            |svg| (WIDTH, svg_height(svg).unwrap_or(HEIGHT)),
        )
    };
    let readout_text = match &readout {
        Some(readout) => readout.text(&plot.x_label),
        None => t("chart.hint").to_string(),
    };
    let id = &plot.id;
    html! {
        <figure class="chart-figure">
            <div class="chart-frame" tabindex="0" role="group" ref={frame}
                aria-label={tf("chart.frame_label", &[("title", &plot.title)])}
                onpointermove={on_pointer} onpointerleave={on_leave} onkeydown={on_key}>
                { Html::from_html_unchecked(AttrValue::from(svg)) }
            </div>
            <p id={format!("{id}-readout")} class={classes!("readout", readout.is_none().then_some("hint"))} aria-live="polite">
                {readout_text}
            </p>
            <figcaption>
                { for plot.series.iter().take(LEGEND_KEYS).map(|s| html! { <span class={classes!("key", s.class)}>{s.name.clone()}</span> }) }
                if plot.series.len() > LEGEND_KEYS {
                    {tf("chart.more_lines", &[("count", &(plot.series.len() - LEGEND_KEYS))])}{" "}
                }
                {" "}{tf("chart.caption", &[("title", &plot.title), ("x", &plot.x_label), ("y", &plot.y_label)])}
            </figcaption>
            <div class="chart-downloads" role="group" aria-label={tf("chart.download", &[("title", &plot.title)])}>
                <button id={format!("{id}-svg")} type="button" onclick={on_svg}>{"SVG"}</button>
                <button id={format!("{id}-png")} type="button" onclick={on_png}>{"PNG"}</button>
                <button id={format!("{id}-csv")} type="button" onclick={on_csv}>{t("chart.csv")}</button>
            </div>
        </figure>
    }
}

/// The `height` a standalone drawing says it has.
fn svg_height(svg: &str) -> Option<f64> {
    let rest = &svg[svg.find(" height=\"")? + 9..];
    rest[..rest.find('"')?].parse().ok()
}

/// A value as written, with whole thousands from 10,000 on as "k".
pub fn value_label(value: f64) -> String {
    if value.abs() >= 10_000.0 && (value / 1_000.0).fract() == 0.0 {
        format!("{}k", value / 1_000.0)
    } else {
        value.to_string()
    }
}

/// One point of an [`ErrorBarChart`]: the mean at `x` and its spread.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorBar {
    pub x: f64,
    pub mean: f64,
    /// Half the bar's height (one standard deviation).
    pub sd: f64,
    /// What the point's tooltip says.
    pub label: String,
}

#[derive(Properties, PartialEq)]
pub struct ErrorBarChartProps {
    pub id: AttrValue,
    pub bars: Vec<ErrorBar>,
    pub x_label: AttrValue,
    pub y_label: AttrValue,
    /// A logarithmic x axis, for values that span orders of magnitude.
    #[prop_or_default]
    pub log_x: bool,
    /// The lowest value the figure can take (0 for counts and fractions): the y axis starts
    /// there and bars are cut at it.
    #[prop_or_default]
    pub y_floor: Option<f64>,
}

/// The error-bar drawing's size and margins (its own: the x axis is labelled at each point).
/// The callbacks of a chart's SVG, PNG and CSV download buttons: `svg` and `csv` make the file's
/// text when a button is clicked, `png_size` the PNG's size from the SVG (drawn at twice it).
fn download_buttons(
    id: &str,
    svg: impl Fn() -> String + 'static,
    csv: impl Fn() -> String + 'static,
    png_size: fn(&str) -> (f64, f64),
) -> (
    Callback<MouseEvent>,
    Callback<MouseEvent>,
    Callback<MouseEvent>,
) {
    let report = |result: Result<(), wasm_bindgen::JsValue>| {
        if let Err(error) = result {
            web_sys::console::error_1(&error);
        }
    };
    let svg = Rc::new(svg);
    let (svg_name, png_name, csv_name) = (
        format!("gossiplab-{id}.svg"),
        format!("gossiplab-{id}.png"),
        format!("gossiplab-{id}.csv"),
    );
    let on_svg = {
        let svg = svg.clone();
        Callback::from(move |_: MouseEvent| {
            report(download_text(&svg_name, "image/svg+xml", &svg()))
        })
    };
    let on_png = Callback::from(move |_: MouseEvent| {
        let svg = svg();
        let (width, height) = png_size(&svg);
        report(download_svg_as_png(&png_name, &svg, width, height, 2.0))
    });
    let on_csv =
        Callback::from(move |_: MouseEvent| report(download_text(&csv_name, "text/csv", &csv())));
    (on_svg, on_png, on_csv)
}

const BARS_WIDTH: f64 = 480.0;
const BARS_HEIGHT: f64 = 230.0;
const BARS_LEFT: f64 = 52.0;
const BARS_RIGHT: f64 = 16.0;
const BARS_TOP: f64 = 22.0;
const BARS_BOTTOM: f64 = 40.0;

/// What an exported error-bar drawing carries for its colours (the page's style sheet is not
/// in the file).
const BARS_EXPORT_STYLE: &str = "text{font-family:sans-serif;font-size:11px;fill:#555}\
text.title{fill:#111;font-size:12px}line.grid{stroke:#ddd}\
polyline.sweep-mean{fill:none;stroke:#1f77b4;stroke-width:2}\
g.error-bar line{stroke:#d62728;stroke-width:1.5}circle.sweep-point{fill:#1f77b4}\
line.cursor{stroke:#111;opacity:0.6}";

/// An [`ErrorBarChart`]'s drawing, data and readout, as pure functions of its bars (tested
/// natively; the component adds the pointer, the keys and the downloads).
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorBarPlot {
    /// The drawing's id (and the downloads' file names).
    pub id: String,
    /// The points, in x order.
    pub bars: Vec<ErrorBar>,
    /// The x axis's name.
    pub x_label: String,
    /// The y axis's name.
    pub y_label: String,
    /// A logarithmic x axis.
    pub log_x: bool,
    /// The lowest value the figure can take.
    pub y_floor: Option<f64>,
}

/// Where an [`ErrorBarPlot`]'s values land in the drawing.
struct BarAxes {
    log_x: bool,
    x_low: f64,
    x_high: f64,
    y_low: f64,
    y_high: f64,
    ticks: Vec<f64>,
    step: f64,
}

impl BarAxes {
    fn position(&self, x: f64) -> f64 {
        if self.log_x {
            x.max(f64::MIN_POSITIVE).log10()
        } else {
            x
        }
    }
    fn px(&self, x: f64) -> f64 {
        BARS_LEFT
            + (self.position(x) - self.x_low) / (self.x_high - self.x_low)
                * (BARS_WIDTH - BARS_LEFT - BARS_RIGHT)
    }
    fn py(&self, y: f64) -> f64 {
        BARS_HEIGHT
            - BARS_BOTTOM
            - (y - self.y_low) / (self.y_high - self.y_low) * (BARS_HEIGHT - BARS_TOP - BARS_BOTTOM)
    }
}

impl ErrorBarPlot {
    fn clip(&self, y: f64) -> f64 {
        self.y_floor.map_or(y, |floor| y.max(floor))
    }

    fn axes(&self) -> BarAxes {
        let mut axes = BarAxes {
            log_x: self.log_x,
            x_low: 0.0,
            x_high: 1.0,
            y_low: 0.0,
            y_high: 1.0,
            ticks: Vec::new(),
            step: 1.0,
        };
        let (x_low, x_high) = self
            .bars
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), bar| {
                (lo.min(axes.position(bar.x)), hi.max(axes.position(bar.x)))
            });
        // Some room left and right so the end bars are not on the frame.
        let pad = if x_high > x_low {
            (x_high - x_low) * 0.05
        } else {
            1.0
        };
        (axes.x_low, axes.x_high) = (x_low - pad, x_high + pad);
        let low = self
            .bars
            .iter()
            .map(|b| self.clip(b.mean - b.sd))
            .fold(f64::INFINITY, f64::min);
        let high = self
            .bars
            .iter()
            .map(|b| b.mean + b.sd)
            .fold(f64::NEG_INFINITY, f64::max);
        let low = self.y_floor.map_or(low, |floor| floor.min(low));
        axes.ticks = nice_ticks(low, high, 4);
        axes.step = axes
            .ticks
            .get(1)
            .map_or(1.0, |second| second - axes.ticks[0]);
        (axes.y_low, axes.y_high) = (axes.ticks[0], axes.ticks[axes.ticks.len() - 1]);
        axes
    }

    /// The x axis's title as drawn.
    fn x_title(&self) -> String {
        if self.log_x {
            tf("chart.log_scale", &[("label", &self.x_label)])
        } else {
            self.x_label.clone()
        }
    }

    /// The bar nearest to the drawing's x `drawing_x` (in SVG units).
    pub fn nearest(&self, drawing_x: f64) -> Option<usize> {
        let axes = self.axes();
        self.bars
            .iter()
            .enumerate()
            .map(|(index, bar)| (index, (axes.px(bar.x) - drawing_x).abs()))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(index, _)| index)
    }

    /// What the readout says of bar `index`: its x, mean, standard deviation and label.
    pub fn readout(&self, index: usize) -> Option<String> {
        let bar = self.bars.get(index)?;
        Some(tf(
            "chart.error_bars.readout",
            &[
                ("x", &format!("{} = {}", self.x_label, value_label(bar.x))),
                ("mean", &crate::plot::readout_value(bar.mean)),
                ("sd", &crate::plot::readout_value(bar.sd)),
                ("label", &bar.label),
            ],
        ))
    }

    /// The data as CSV: a row per point with its mean, standard deviation, and the bar's ends
    /// as drawn (cut at the floor).
    pub fn csv(&self) -> String {
        use std::fmt::Write;
        let mut text = format!(
            "{},mean {},sd,low,high\n",
            crate::plot::csv_field(&self.x_label),
            crate::plot::csv_field(&self.y_label)
        );
        for bar in &self.bars {
            let _ = writeln!(
                text,
                "{},{},{},{},{}",
                bar.x,
                bar.mean,
                bar.sd,
                self.clip(bar.mean - bar.sd),
                bar.mean + bar.sd
            );
        }
        text
    }

    /// The drawing as SVG markup; with `cursor`, a line at that bar. `standalone` makes a file:
    /// the XML namespace, a white background, the colours and the title.
    pub fn svg(&self, cursor: Option<usize>, standalone: bool) -> String {
        use crate::plot::escape;
        use std::fmt::Write;
        let axes = self.axes();
        let label = tf(
            "chart.error_bars.label",
            &[("y", &self.y_label), ("x", &self.x_label)],
        );
        let namespace = if standalone {
            " xmlns=\"http://www.w3.org/2000/svg\""
        } else {
            ""
        };
        let mut svg = format!(
            "<svg{namespace} id=\"{}\" class=\"error-bars\" viewBox=\"0 0 {BARS_WIDTH} {BARS_HEIGHT}\" \
             width=\"{BARS_WIDTH}\" height=\"{BARS_HEIGHT}\" role=\"img\" aria-label=\"{}\">",
            escape(&self.id),
            escape(&label)
        );
        if standalone {
            let _ = write!(
                svg,
                "<title>{}</title><style>{BARS_EXPORT_STYLE}</style>\
                 <rect width=\"{BARS_WIDTH}\" height=\"{BARS_HEIGHT}\" fill=\"#fff\"/>",
                escape(&label)
            );
        }
        for &tick in &axes.ticks {
            let y = axes.py(tick);
            let _ = write!(
                svg,
                "<line class=\"grid\" x1=\"{BARS_LEFT:.1}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>\
                 <text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                BARS_WIDTH - BARS_RIGHT,
                BARS_LEFT - 6.0,
                y + 4.0,
                tick_label(tick, axes.step)
            );
        }
        let _ = write!(
            svg,
            "<text class=\"axis title\" x=\"{BARS_LEFT:.1}\" y=\"12\">{}</text>\
             <text class=\"axis title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            escape(&self.y_label),
            (BARS_LEFT + BARS_WIDTH - BARS_RIGHT) / 2.0,
            BARS_HEIGHT - 6.0,
            escape(&self.x_title())
        );
        let every = self.bars.len().div_ceil(10).max(1);
        for bar in self.bars.iter().step_by(every) {
            let _ = write!(
                svg,
                "<text class=\"axis\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                axes.px(bar.x),
                BARS_HEIGHT - BARS_BOTTOM + 16.0,
                value_label(bar.x)
            );
        }
        let line = self
            .bars
            .iter()
            .map(|bar| format!("{:.1},{:.1}", axes.px(bar.x), axes.py(bar.mean)))
            .collect::<Vec<_>>()
            .join(" ");
        let _ = write!(svg, "<polyline class=\"sweep-mean\" points=\"{line}\"/>");
        for bar in &self.bars {
            let (x, top, bottom) = (
                axes.px(bar.x),
                axes.py(bar.mean + bar.sd),
                axes.py(self.clip(bar.mean - bar.sd)),
            );
            let _ = write!(
                svg,
                "<g class=\"error-bar\"><title>{}</title>\
                 <line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{top:.1}\" y2=\"{bottom:.1}\"/>\
                 <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{top:.1}\" y2=\"{top:.1}\"/>\
                 <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{bottom:.1}\" y2=\"{bottom:.1}\"/>\
                 <circle class=\"sweep-point\" cx=\"{x:.1}\" cy=\"{:.1}\" r=\"4\"/></g>",
                escape(&bar.label),
                x - 5.0,
                x + 5.0,
                x - 5.0,
                x + 5.0,
                axes.py(bar.mean)
            );
        }
        if let Some(bar) = cursor.and_then(|index| self.bars.get(index)) {
            let x = axes.px(bar.x);
            let _ = write!(
                svg,
                "<line class=\"cursor\" stroke=\"currentColor\" stroke-opacity=\"0.6\" \
                 x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{BARS_TOP:.1}\" y2=\"{:.1}\"/>",
                BARS_HEIGHT - BARS_BOTTOM
            );
        }
        svg.push_str("</svg>");
        svg
    }
}

/// Means joined by a line, each with a bar of plus and minus one standard deviation; the x axis
/// is labelled at each point (at most about ten labels), the y axis at round values. Under it,
/// the values at the point nearest the pointer (or moved to with the arrow keys), and downloads
/// of the drawing (SVG, PNG) and of its data (CSV), as the line charts have.
#[component]
pub fn ErrorBarChart(props: &ErrorBarChartProps) -> Html {
    let _lang = use_lang();
    let cursor = use_state(|| None::<usize>);
    // The frame itself: Yew delegates events, so an event's current target is not the frame.
    let frame = use_node_ref();
    if props.bars.is_empty() {
        return html! {};
    }
    let plot = Rc::new(ErrorBarPlot {
        id: props.id.to_string(),
        bars: props.bars.clone(),
        x_label: props.x_label.to_string(),
        y_label: props.y_label.to_string(),
        log_x: props.log_x,
        y_floor: props.y_floor,
    });
    let cursor_at = cursor.filter(|&index| index < plot.bars.len());
    let svg = plot.svg(cursor_at, false);
    let on_pointer = {
        let (cursor, plot, frame) = (cursor.clone(), plot.clone(), frame.clone());
        Callback::from(move |event: PointerEvent| {
            let Some(frame) = frame.cast::<web_sys::Element>() else {
                return;
            };
            let Some(rect) = frame
                .query_selector("svg")
                .ok()
                .flatten()
                .map(|svg| svg.get_bounding_client_rect())
                .filter(|rect| rect.width() > 0.0)
            else {
                return;
            };
            // The drawing keeps its aspect in the element's box (preserveAspectRatio's default,
            // centred), which CSS may make wider than the drawing.
            let scale = (rect.width() / BARS_WIDTH).min(rect.height() / BARS_HEIGHT);
            let left = rect.left() + (rect.width() - BARS_WIDTH * scale) / 2.0;
            let x = (f64::from(event.client_x()) - left) / scale;
            cursor.set(plot.nearest(x));
        })
    };
    let on_leave = {
        let cursor = cursor.clone();
        Callback::from(move |_: PointerEvent| cursor.set(None))
    };
    let on_key = {
        let (cursor, count) = (cursor.clone(), plot.bars.len() as isize);
        Callback::from(move |event: KeyboardEvent| {
            let by = match event.key().as_str() {
                "ArrowRight" | "ArrowUp" => 1,
                "ArrowLeft" | "ArrowDown" => -1,
                "Home" => -count,
                "End" => count,
                "Escape" => {
                    cursor.set(None);
                    return;
                }
                _ => return,
            };
            event.prevent_default();
            let next = match *cursor {
                None => 0,
                Some(index) => (index as isize + by).clamp(0, count - 1),
            };
            cursor.set(Some(next as usize));
        })
    };
    let (on_svg, on_png, on_csv) = {
        let (for_svg, for_csv) = (plot.clone(), plot.clone());
        download_buttons(
            &plot.id,
            move || for_svg.svg(None, true),
            move || for_csv.csv(),
            |_| (BARS_WIDTH, BARS_HEIGHT),
        )
    };
    let readout = cursor_at.and_then(|index| plot.readout(index));
    let id = &plot.id;
    let title = tf(
        "chart.error_bars.label",
        &[("y", &props.y_label), ("x", &props.x_label)],
    );
    html! {
        <figure class="chart-figure">
            <div class="chart-frame" tabindex="0" role="group" ref={frame}
                aria-label={tf("chart.frame_label", &[("title", &title)])}
                onpointermove={on_pointer} onpointerleave={on_leave} onkeydown={on_key}>
                { Html::from_html_unchecked(AttrValue::from(svg)) }
            </div>
            <p id={format!("{id}-readout")} class={classes!("readout", readout.is_none().then_some("hint"))}
                data-index={cursor_at.map(|index| index.to_string())} aria-live="polite">
                {readout.unwrap_or_else(|| t("chart.hint").to_string())}
            </p>
            <div class="chart-downloads" role="group" aria-label={tf("chart.download", &[("title", &title)])}>
                <button id={format!("{id}-svg")} type="button" onclick={on_svg}>{"SVG"}</button>
                <button id={format!("{id}-png")} type="button" onclick={on_png}>{"PNG"}</button>
                <button id={format!("{id}-csv")} type="button" onclick={on_csv}>{t("chart.csv")}</button>
            </div>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn round(round: u32, susceptible: u32, infective: u32, removed: u32) -> RoundMetrics {
        RoundMetrics {
            round,
            susceptible,
            infective,
            removed,
            ..Default::default()
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_sir_chart_counts_nodes_per_round_and_names_its_theory() {
        let rounds = [round(1, 7, 2, 1), round(2, 4, 3, 3)];
        let plot = sir_plot(&rounds, 10, Some(&[0.9, 0.8, 0.6, 0.3]), Some(0.2), Some(1));
        let names: Vec<&str> = plot.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "susceptible",
                "infective",
                "removed",
                "susceptible, mean-field simple epidemic (theory)",
                "residue from s = e^-(k+1)(1-s) (theory)"
            ]
        );
        assert_eq!(plot.series[0].points, [(0.0, 9.0), (1.0, 7.0), (2.0, 4.0)]);
        assert_eq!(plot.series[1].points, [(0.0, 1.0), (1.0, 2.0), (2.0, 3.0)]);
        assert_eq!(plot.series[2].points, [(0.0, 0.0), (1.0, 1.0), (2.0, 3.0)]);
        // The theory as many rounds as the run, in nodes.
        assert_eq!(plot.series[3].points, [(0.0, 9.0), (1.0, 8.0), (2.0, 6.0)]);
        assert_eq!(plot.series[4].points, [(0.0, 2.0), (2.0, 2.0)]);
        assert_eq!(plot.marker, Some(1.0));
        assert_eq!(
            svg_height(&plot.svg(None, true)),
            Some(HEIGHT + 16.0 * 6.0 + 4.0)
        );
        assert_eq!(value_label(100_000.0), "100k");
        assert_eq!(value_label(2_500.0), "2500");
        assert_eq!(value_label(2.5), "2.5");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_error_bars_read_out_the_nearest_point_and_export_their_data_and_drawing() {
        let bar = |x: f64, mean: f64, sd: f64| ErrorBar {
            x,
            mean,
            sd,
            label: format!("{x}: {mean}"),
        };
        let plot = ErrorBarPlot {
            id: "sweep-chart".into(),
            bars: vec![bar(1.0, 10.0, 2.0), bar(2.0, 6.0, 8.0), bar(4.0, 3.0, 1.0)],
            x_label: "fanout".into(),
            y_label: "rounds".into(),
            log_x: false,
            y_floor: Some(0.0),
        };
        // The ends are 5% in from the frame: the first point at the left margin plus the pad.
        let left = BARS_LEFT + (BARS_WIDTH - BARS_LEFT - BARS_RIGHT) * (0.15 / 3.3);
        assert_eq!(plot.nearest(left - 30.0), Some(0));
        assert_eq!(plot.nearest(BARS_WIDTH), Some(2));
        assert_eq!(
            plot.readout(1).unwrap(),
            "fanout = 2: mean 6, standard deviation 8 (2: 6)"
        );
        assert_eq!(plot.readout(3), None);
        // The bar cut at the floor in the data as in the drawing.
        assert_eq!(
            plot.csv(),
            "fanout,mean rounds,sd,low,high\n1,10,2,8,12\n2,6,8,0,14\n4,3,1,2,4\n"
        );
        let file = plot.svg(None, true);
        assert!(file.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"sweep-chart\""));
        assert_eq!(file.matches("<g class=\"error-bar\">").count(), 3);
        assert!(!file.contains("class=\"cursor\""));
        assert_eq!(
            plot.svg(Some(1), false).matches("class=\"cursor\"").count(),
            1
        );
    }
}
