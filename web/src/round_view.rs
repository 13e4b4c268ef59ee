//! A rumor run's results: the graph with its timeline, the S/I/R chart marking the shown round,
//! and the traffic chart. The shown round is this view's own state, not the playground's:
//! playing a run back changes it up to 60 times a second, and only this view draws again on
//! each change, not the page's form, tour and panels around it.

use std::rc::Rc;

use gossip_core::LossOfInterest;
use gossip_sim::metrics::RoundMetrics;
use gossip_sim::network::RoundFault;
use gossip_sim::recorded_run::Recording;
use gossip_sim::scenario::Scenario;
use gossip_sim::theory;
use gossip_worker::MAX_DRAWN_NODES;
use yew::prelude::*;

use crate::chart::{LineChart, Series, SirChart};
use crate::graph::GraphView;
use crate::i18n::{number, t, tf, use_lang};
use crate::timeline::{Timeline, TimelineAction, TimelineControls};
use crate::verdict;

#[derive(Properties, PartialEq)]
pub struct RoundRunProps {
    /// The scenario that ran.
    pub scenario: Scenario,
    /// Its counts per round.
    pub rounds: Vec<RoundMetrics>,
    /// The run node by node, when the population is small enough to draw.
    pub recording: Option<Rc<Recording>>,
    /// "What if this node had crashed from this round?"
    pub on_crash: Callback<(u32, u32)>,
    /// "What if the value were written at this node?"
    pub on_origin: Callback<u32>,
}

/// The graph, its timeline and the charts of one rumor run. Give each run its own `key`, so
/// a new run starts at its last round.
#[component]
pub fn RoundRunView(props: &RoundRunProps) -> Html {
    let last = props.rounds.len();
    let timeline =
        use_reducer(move || *Rc::new(Timeline::default()).reduce(TimelineAction::Load(last)));
    let scenario = &props.scenario;
    // The theory curve and the traffic depend on the run (and the traffic's names on the
    // language) only: made once, not on every round shown.
    let theory = use_memo((), {
        let (scenario, rounds) = (scenario.clone(), last as u32);
        move |_| theory_curve(&scenario, rounds)
    });
    let lang = use_lang();
    let traffic = use_memo(lang, {
        let (rounds, nodes) = (props.rounds.clone(), scenario.nodes);
        move |_| traffic_series(&rounds, nodes)
    });
    let crashed = use_memo((), {
        let scenario = scenario.clone();
        move |_| crashed_nodes(&scenario)
    });
    html! {
        <div class="viz">
            <div class="graph-column">
                if let Some(recording) = &props.recording {
                    if let Some(total) = recording.sampled_from {
                        <p id="graph-note" class="note">
                            {tf("sim.sample_note", &[("drawn", &number(f64::from(MAX_DRAWN_NODES), 0)), ("total", &number(f64::from(total), 0))])}
                        </p>
                    }
                    <GraphView recording={recording.clone()} topology={scenario.network.topology}
                        round={timeline.round} on_crash={recording.sampled_from.is_none().then(|| props.on_crash.clone())}
                        on_origin={recording.sampled_from.is_none().then(|| props.on_origin.clone())}
                        crashed={(*crashed).clone()} />
                    <TimelineControls timeline={timeline.clone()} />
                }
            </div>
            <div class="chart-column">
                <SirChart rounds={props.rounds.clone()} nodes={scenario.nodes}
                    theory={(*theory).clone()}
                    residue={verdict::coin_residue(scenario)}
                    marker={props.recording.as_ref().map(|_| timeline.round)} />
                <LineChart id="traffic-chart" series={(*traffic).clone()}
                    caption={t("sim.traffic_caption")}
                    x_label={t("sim.axis.round")} y_label={t("sim.axis.messages")} />
            </div>
        </div>
    }
}

/// Messages per node in each round, and their running total (the traffic).
fn traffic_series(rounds: &[gossip_sim::metrics::RoundMetrics], nodes: u32) -> Vec<Series> {
    let nodes = f64::from(nodes.max(1));
    let mut total = 0.0;
    let mut per_round = vec![(0.0, 0.0)];
    let mut cumulative = vec![(0.0, 0.0)];
    for metrics in rounds {
        let sent = metrics.messages as f64 / nodes;
        total += sent;
        per_round.push((f64::from(metrics.round), sent));
        cumulative.push((f64::from(metrics.round), total));
    }
    vec![
        Series::line(t("sim.traffic.round"), "infective", per_round),
        Series::line(t("sim.traffic.total"), "susceptible", cumulative),
    ]
}

/// The nodes a rumor scenario crashes by name, with the round of each crash.
fn crashed_nodes(scenario: &Scenario) -> Vec<(u32, u32)> {
    scenario
        .network
        .faults
        .iter()
        .flat_map(|scheduled| match &scheduled.fault {
            RoundFault::Crash { nodes } => {
                nodes.iter().map(|&node| (node, scheduled.round)).collect()
            }
            _ => Vec::new(),
        })
        .collect()
}

/// The mean-field susceptible fraction per round, where it describes the run: nobody loses
/// interest, fanout 1, a complete and reliable network.
fn theory_curve(scenario: &Scenario, rounds: u32) -> Option<Vec<f64>> {
    let rumor = scenario.rumor_config()?;
    let applies = rumor.loss == LossOfInterest::Never
        && rumor.fanout == 1
        && scenario.network == Default::default();
    applies.then(|| {
        theory::simple_epidemic_informed(rumor.direction, scenario.nodes, rounds)
            .into_iter()
            .map(|informed| 1.0 - informed)
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn the_traffic_curve_ends_at_the_run_s_traffic() {
        let scenario = Scenario {
            nodes: 300,
            ..Scenario::default()
        };
        let report = scenario.run().unwrap();
        let series = traffic_series(&report.rounds, scenario.nodes);
        let total = series[1].points.last().unwrap().1;
        assert!((total - report.summary.traffic).abs() < 1e-9);
        let summed: f64 = series[0].points.iter().map(|p| p.1).sum();
        assert!((summed - total).abs() < 1e-9);
    }
}
