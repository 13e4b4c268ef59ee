//! Charts drawn by the app as SVG: line charts ([`Chart`], built from a [`Plot`]) with axes,
//! ticks and units, a readout of the values under the pointer or the keyboard cursor, and
//! downloads of the drawing (SVG, PNG) and of its data (CSV); and the sweep's error bars.

use std::rc::Rc;

use crate::i18n::{t, tf, use_lang};
use gossip_sim::metrics::RoundMetrics;
use wasm_bindgen::JsCast;
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
    let plot = &props.plot;
    let readout = cursor.and_then(|x| plot.readout(x));
    let svg = plot.svg(readout.as_ref(), false);
    let on_pointer = {
        let (cursor, plot) = (cursor.clone(), plot.clone());
        Callback::from(move |event: PointerEvent| {
            let Some(frame) = event
                .current_target()
                .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            else {
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
    let file = |extension: &str| format!("gossiplab-{}.{extension}", plot.id);
    let on_svg = {
        let (plot, name) = (plot.clone(), file("svg"));
        Callback::from(move |_: MouseEvent| {
            if let Err(error) = download_text(&name, "image/svg+xml", &plot.svg(None, true)) {
                web_sys::console::error_1(&error);
            }
        })
    };
    let on_png = {
        let (plot, name) = (plot.clone(), file("png"));
        Callback::from(move |_: MouseEvent| {
            let svg = plot.svg(None, true);
            let height = svg_height(&svg).unwrap_or(HEIGHT);
            if let Err(error) = download_svg_as_png(&name, &svg, WIDTH, height, 2.0) {
                web_sys::console::error_1(&error);
            }
        })
    };
    let on_csv = {
        let (plot, name) = (plot.clone(), file("csv"));
        Callback::from(move |_: MouseEvent| {
            if let Err(error) = download_text(&name, "text/csv", &plot.csv()) {
                web_sys::console::error_1(&error);
            }
        })
    };
    let readout_text = match &readout {
        Some(readout) => readout.text(&plot.x_label),
        None => t("chart.hint").to_string(),
    };
    let id = &plot.id;
    html! {
        <figure class="chart-figure">
            <div class="chart-frame" tabindex="0" role="group"
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

/// Means joined by a line, each with a bar of plus and minus one standard deviation; the x axis
/// is labelled at each point (at most about ten labels), the y axis at round values.
#[component]
pub fn ErrorBarChart(props: &ErrorBarChartProps) -> Html {
    let _lang = use_lang();
    const WIDTH: f64 = 480.0;
    const HEIGHT: f64 = 230.0;
    const LEFT: f64 = 52.0;
    const RIGHT: f64 = 16.0;
    const TOP: f64 = 22.0;
    const BOTTOM: f64 = 40.0;
    let bars = &props.bars;
    if bars.is_empty() {
        return html! {};
    }
    let position = |x: f64| {
        if props.log_x {
            x.max(f64::MIN_POSITIVE).log10()
        } else {
            x
        }
    };
    let (x_low, x_high) = bars
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), bar| {
            (lo.min(position(bar.x)), hi.max(position(bar.x)))
        });
    // Some room left and right so the end bars are not on the frame.
    let pad = if x_high > x_low {
        (x_high - x_low) * 0.05
    } else {
        1.0
    };
    let (x_low, x_high) = (x_low - pad, x_high + pad);
    let clip = |y: f64| props.y_floor.map_or(y, |floor| y.max(floor));
    let low = bars
        .iter()
        .map(|b| clip(b.mean - b.sd))
        .fold(f64::INFINITY, f64::min);
    let high = bars
        .iter()
        .map(|b| b.mean + b.sd)
        .fold(f64::NEG_INFINITY, f64::max);
    let low = props.y_floor.map_or(low, |floor| floor.min(low));
    let ticks = nice_ticks(low, high, 4);
    let step = ticks.get(1).map_or(1.0, |second| second - ticks[0]);
    let (y_low, y_high) = (ticks[0], ticks[ticks.len() - 1]);
    let px = |x: f64| LEFT + (position(x) - x_low) / (x_high - x_low) * (WIDTH - LEFT - RIGHT);
    let py = |y: f64| HEIGHT - BOTTOM - (y - y_low) / (y_high - y_low) * (HEIGHT - TOP - BOTTOM);
    let every = bars.len().div_ceil(10);
    let line = bars
        .iter()
        .map(|bar| format!("{:.1},{:.1}", px(bar.x), py(bar.mean)))
        .collect::<Vec<_>>()
        .join(" ");
    let f = |v: f64| format!("{v:.1}");
    html! {
        <svg id={props.id.clone()} class="error-bars" viewBox={format!("0 0 {WIDTH} {HEIGHT}")} role="img"
            aria-label={tf("chart.error_bars.label", &[("y", &props.y_label), ("x", &props.x_label)])}>
            { for ticks.iter().map(|&tick| html! {
                <>
                    <line class="grid" x1={f(LEFT)} x2={f(WIDTH - RIGHT)} y1={f(py(tick))} y2={f(py(tick))} />
                    <text class="axis" x={f(LEFT - 6.0)} y={f(py(tick) + 4.0)} text-anchor="end">{tick_label(tick, step)}</text>
                </>
            }) }
            <text class="axis title" x={f(LEFT)} y="12">{props.y_label.clone()}</text>
            <text class="axis title" x={f((LEFT + WIDTH - RIGHT) / 2.0)} y={f(HEIGHT - 6.0)} text-anchor="middle">
                {if props.log_x { tf("chart.log_scale", &[("label", &props.x_label)]) } else { props.x_label.to_string() }}
            </text>
            { for bars.iter().step_by(every).map(|bar| html! {
                <text class="axis" x={f(px(bar.x))} y={f(HEIGHT - BOTTOM + 16.0)} text-anchor="middle">{value_label(bar.x)}</text>
            }) }
            <polyline class="sweep-mean" points={line} />
            { for bars.iter().map(|bar| {
                let (x, top, bottom) = (px(bar.x), py(bar.mean + bar.sd), py(clip(bar.mean - bar.sd)));
                html! {
                    <g class="error-bar">
                        <title>{bar.label.clone()}</title>
                        <line x1={f(x)} x2={f(x)} y1={f(top)} y2={f(bottom)} />
                        <line x1={f(x - 5.0)} x2={f(x + 5.0)} y1={f(top)} y2={f(top)} />
                        <line x1={f(x - 5.0)} x2={f(x + 5.0)} y1={f(bottom)} y2={f(bottom)} />
                        <circle class="sweep-point" cx={f(x)} cy={f(py(bar.mean))} r="4" />
                    </g>
                }
            }) }
        </svg>
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
}
