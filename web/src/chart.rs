//! Charts drawn by the app as SVG.

use crate::i18n::{t, tf, use_lang};
use gossip_sim::metrics::RoundMetrics;
use yew::prelude::*;

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

/// Susceptible / infective / removed counts per round, as three polylines.
#[component]
pub fn SirChart(props: &SirChartProps) -> Html {
    let _lang = use_lang();
    const WIDTH: f64 = 480.0;
    const HEIGHT: f64 = 160.0;
    let rounds = props.rounds.len().max(1) as f64;
    let theory = props.theory.as_ref().map(|fractions| {
        fractions
            .iter()
            .enumerate()
            .take(props.rounds.len() + 1)
            .map(|(round, s)| {
                format!(
                    "{:.1},{:.1}",
                    round as f64 / rounds * WIDTH,
                    HEIGHT - s * HEIGHT
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    });
    let residue_y = props.residue.map(|s| HEIGHT - s * HEIGHT);
    let marker_x = props.marker.map(|round| round as f64 / rounds * WIDTH);
    let nodes = f64::from(props.nodes.max(1));
    let line = |count: fn(&RoundMetrics) -> u32, start: u32| {
        std::iter::once((0.0, start))
            .chain(props.rounds.iter().map(|m| (f64::from(m.round), count(m))))
            .map(|(x, y)| {
                format!(
                    "{:.1},{:.1}",
                    x / rounds * WIDTH,
                    HEIGHT - f64::from(y) / nodes * HEIGHT
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    html! {
        <figure>
            <svg id="sir-chart" viewBox={format!("-4 -4 {} {}", WIDTH + 8.0, HEIGHT + 8.0)} role="img"
                aria-label={t("chart.sir.label")}>
                <polyline class="susceptible" points={line(|m| m.susceptible, props.nodes - 1)} />
                <polyline class="infective" points={line(|m| m.infective, 1)} />
                <polyline class="removed" points={line(|m| m.removed, 0)} />
                if let Some(points) = theory {
                    <polyline id="theory-curve" class="theory" points={points} />
                }
                if let Some(x) = marker_x {
                    <line id="round-marker" class="marker" x1={format!("{x:.1}")} x2={format!("{x:.1}")} y1="0" y2={HEIGHT.to_string()} />
                }
                if let Some(y) = residue_y {
                    <line id="theory-residue" class="theory" x1="0" x2={WIDTH.to_string()} y1={format!("{y:.1}")} y2={format!("{y:.1}")} />
                }
            </svg>
            <figcaption>
                <span class="key susceptible">{t("chart.susceptible")}</span>
                <span class="key infective">{t("chart.infective")}</span>
                <span class="key removed">{t("chart.removed")}</span>
                {" "}{t("chart.per_round")}
                if props.theory.is_some() {
                    <span class="key theory">{t("chart.theory")}</span>
                }
                if props.residue.is_some() {
                    <span class="key theory">{t("chart.residue")}</span>
                }
            </figcaption>
        </figure>
    }
}

/// One line of a [`LineChart`]: points (x, y) and the CSS class that colours it.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: AttrValue,
    pub class: &'static str,
    pub points: Vec<(f64, f64)>,
}

#[derive(Properties, PartialEq)]
pub struct LineChartProps {
    pub id: AttrValue,
    pub series: Vec<Series>,
    pub caption: AttrValue,
    /// The top of the y axis; the largest value when absent.
    #[prop_or_default]
    pub y_max: Option<f64>,
}

/// The SVG points of `series` scaled into a `width` by `height` box with the given axis ranges.
pub fn scaled_points(
    points: &[(f64, f64)],
    x_max: f64,
    y_max: f64,
    width: f64,
    height: f64,
) -> String {
    points
        .iter()
        .map(|(x, y)| {
            format!(
                "{:.1},{:.1}",
                x / x_max.max(f64::MIN_POSITIVE) * width,
                height - y / y_max.max(f64::MIN_POSITIVE) * height
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// An axis maximum with as many decimals as its size needs.
pub fn axis_label(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// Lines over a shared x axis starting at 0, with the axis maxima written in the corners.
#[component]
pub fn LineChart(props: &LineChartProps) -> Html {
    const WIDTH: f64 = 480.0;
    const HEIGHT: f64 = 140.0;
    let all = || props.series.iter().flat_map(|s| s.points.iter());
    let x_max = all().map(|p| p.0).fold(0.0, f64::max);
    let y_max = props
        .y_max
        .unwrap_or_else(|| all().map(|p| p.1).fold(0.0, f64::max));
    let mut names: Vec<(&str, &str)> = props
        .series
        .iter()
        .map(|s| (s.name.as_str(), s.class))
        .collect();
    names.dedup();
    html! {
        <figure>
            <svg id={props.id.clone()} viewBox={format!("-4 -4 {} {}", WIDTH + 8.0, HEIGHT + 8.0)} role="img"
                aria-label={props.caption.clone()}>
                <text class="axis" x="2" y="10">{axis_label(y_max)}</text>
                <text class="axis" x={(WIDTH - 2.0).to_string()} y={(HEIGHT - 4.0).to_string()} text-anchor="end">{axis_label(x_max)}</text>
                { for props.series.iter().map(|s| html! {
                    <polyline class={s.class} points={scaled_points(&s.points, x_max, y_max, WIDTH, HEIGHT)} />
                }) }
            </svg>
            <figcaption>
                { for names.iter().map(|(name, class)| html! { <span class={classes!("key", *class)}>{*name}</span> }) }
                {" "}{props.caption.clone()}
            </figcaption>
        </figure>
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

/// A value as written, with whole thousands from 10,000 on as "k".
pub fn value_label(value: f64) -> String {
    if value.abs() >= 10_000.0 && (value / 1_000.0).fract() == 0.0 {
        format!("{}k", value / 1_000.0)
    } else {
        value.to_string()
    }
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

    #[wasm_bindgen_test(unsupported = test)]
    fn points_scale_into_the_box_with_y_up() {
        let points = scaled_points(
            &[(0.0, 0.0), (5.0, 1.0), (10.0, 2.0)],
            10.0,
            2.0,
            100.0,
            50.0,
        );
        assert_eq!(points, "0.0,50.0 50.0,25.0 100.0,0.0");
        assert_eq!(
            scaled_points(&[(0.0, 0.0)], 0.0, 0.0, 100.0, 50.0),
            "0.0,50.0"
        );
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
        assert_eq!(value_label(100_000.0), "100k");
        assert_eq!(value_label(2_500.0), "2500");
        assert_eq!(value_label(2.5), "2.5");
    }
}
