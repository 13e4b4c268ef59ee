//! Charts drawn by the app as SVG.

use gossip_core::metrics::RoundMetrics;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SirChartProps {
    pub rounds: Vec<RoundMetrics>,
    pub nodes: u32,
}

/// Susceptible / infective / removed counts per round, as three polylines.
#[component]
pub fn SirChart(props: &SirChartProps) -> Html {
    const WIDTH: f64 = 480.0;
    const HEIGHT: f64 = 160.0;
    let rounds = props.rounds.len().max(1) as f64;
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
            </svg>
            <figcaption>
                <span class="key susceptible">{"susceptible"}</span>
                <span class="key infective">{"infective"}</span>
                <span class="key removed">{"removed"}</span>
                {" per round"}
            </figcaption>
        </figure>
    }
}
