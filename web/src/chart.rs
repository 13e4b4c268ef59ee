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
