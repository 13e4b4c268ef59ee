//! Charts drawn by the app as SVG.

use gossip_core::metrics::RoundMetrics;
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
                aria-label="Susceptible, infective and removed nodes per round">
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
                <span class="key susceptible">{"susceptible"}</span>
                <span class="key infective">{"infective"}</span>
                <span class="key removed">{"removed"}</span>
                {" per round"}
                if props.theory.is_some() {
                    <span class="key theory">{"susceptible, mean-field theory"}</span>
                }
                if props.residue.is_some() {
                    <span class="key theory">{"residue predicted by s = e^-(k+1)(1-s)"}</span>
                }
            </figcaption>
        </figure>
    }
}

/// One line of a [`LineChart`]: points (x, y) and the CSS class that colours it.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: &'static str,
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
    let mut names: Vec<(&str, &str)> = props.series.iter().map(|s| (s.name, s.class)).collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
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
}
