//! gossip-web: the GossipLab playground. The page never runs a simulation itself: it sends the
//! scenario to the worker (gossip-worker) and draws what comes back.

mod relay_link;

use gossip_core::metrics::RoundMetrics;
use gossip_core::relay_frame::Control;
use gossip_core::rumor::LossOfInterest;
use gossip_core::scenario::Scenario;
use gossip_worker::{JsonCodec, SimOutput, SimReactor, SimRequest};
use relay_link::RelayEvent;
use yew::prelude::*;
use yew_agent::reactor::{ReactorEvent, ReactorProvider, use_reactor_bridge};

/// Where Trunk puts the worker script.
const WORKER_PATH: &str = "/worker.js";
const LIVE_ROOM: &str = "lobby";

#[component]
fn App() -> Html {
    html! {
        <ReactorProvider<SimReactor, JsonCodec> path={WORKER_PATH}>
            <header><h1>{"GossipLab"}</h1><p>{"Watch information spread by gossip."}</p></header>
            <main>
                <SimulationPanel />
                <RelayPanel />
            </main>
        </ReactorProvider<SimReactor, JsonCodec>>
    }
}

#[derive(Clone, PartialEq)]
enum SimState {
    Running(Scenario),
    Finished(SimOutput),
}

#[component]
fn SimulationPanel() -> Html {
    let state = use_state(|| SimState::Running(Scenario::default()));
    let bridge = {
        let state = state.clone();
        use_reactor_bridge::<SimReactor, _>(move |event| {
            if let ReactorEvent::Output(output) = event {
                state.set(SimState::Finished(output));
            }
        })
    };
    {
        let bridge = bridge.clone();
        use_effect_with((), move |_| {
            bridge.send(SimRequest::Run(Scenario::default()))
        });
    }
    let rerun = {
        let state = state.clone();
        Callback::from(move |_| {
            let seed = match &*state {
                SimState::Finished(SimOutput::Done { scenario, .. }) => scenario.seed + 1,
                _ => Scenario::default().seed,
            };
            let scenario = Scenario {
                seed,
                ..Scenario::default()
            };
            state.set(SimState::Running(scenario.clone()));
            bridge.send(SimRequest::Run(scenario));
        })
    };
    let body = match &*state {
        SimState::Running(scenario) => {
            html! { <p id="sim-result" class="pending">{format!("Running {} in the worker...", describe(scenario))}</p> }
        }
        SimState::Finished(SimOutput::Failed { error, .. }) => {
            html! { <p id="sim-result" class="error">{format!("The simulation failed: {error}")}</p> }
        }
        SimState::Finished(SimOutput::Done { scenario, report }) => {
            let summary = report.summary;
            let outcome = match summary.full_infection_round {
                Some(round) => format!("every node knew by round {round}"),
                None => format!("{:.1}% never heard it", summary.residue * 100.0),
            };
            html! {
                <>
                    <p id="sim-result" class="done">
                        {format!("{}: quiet after {} rounds, {outcome}; {} messages ({:.2} per node).",
                            describe(scenario), summary.rounds, summary.messages, summary.traffic)}
                    </p>
                    <SirChart rounds={report.rounds.clone()} nodes={scenario.nodes} />
                </>
            }
        }
    };
    html! {
        <section class="panel" aria-labelledby="sim-title">
            <h2 id="sim-title">{"Simulation (Web Worker)"}</h2>
            {body}
            <button id="rerun" onclick={rerun}>{"Run again with the next seed"}</button>
        </section>
    }
}

fn describe(scenario: &Scenario) -> String {
    let loss = match scenario.rumor.loss {
        LossOfInterest::Counter(k) => format!("counter k={k}"),
        LossOfInterest::Coin(k) => format!("coin 1/{k}"),
    };
    format!(
        "{} nodes, push rumor mongering ({loss}, {:?}, fanout {}), seed {}",
        scenario.nodes, scenario.rumor.trigger, scenario.rumor.fanout, scenario.seed
    )
    .replace("Feedback", "feedback")
    .replace("Blind", "blind")
}

#[derive(Properties, PartialEq)]
struct SirChartProps {
    rounds: Vec<RoundMetrics>,
    nodes: u32,
}

/// Susceptible / infective / removed counts per round, as three polylines.
#[component]
fn SirChart(props: &SirChartProps) -> Html {
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

#[derive(Clone, PartialEq)]
enum RelayState {
    Connecting,
    Connected {
        id: u32,
        room: String,
        others: usize,
    },
    Down(String),
}

#[component]
fn RelayPanel() -> Html {
    let state = use_state(|| RelayState::Connecting);
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            let on_event = {
                let state = state.clone();
                move |event| {
                    let next = match (event, &*state) {
                        (RelayEvent::Control(Control::Welcome { id, room, peers }), _) => {
                            RelayState::Connected {
                                id,
                                room,
                                others: peers.len(),
                            }
                        }
                        (
                            RelayEvent::Control(Control::Joined { .. }),
                            RelayState::Connected { id, room, others },
                        ) => RelayState::Connected {
                            id: *id,
                            room: room.clone(),
                            others: others + 1,
                        },
                        (
                            RelayEvent::Control(Control::Left { .. }),
                            RelayState::Connected { id, room, others },
                        ) => RelayState::Connected {
                            id: *id,
                            room: room.clone(),
                            others: others.saturating_sub(1),
                        },
                        (RelayEvent::Closed(reason), _) => RelayState::Down(reason),
                        (_, current) => current.clone(),
                    };
                    state.set(next);
                }
            };
            let connection = relay_link::connect(LIVE_ROOM, on_event);
            if let Err(error) = &connection {
                state.set(RelayState::Down(error.clone()));
            }
            move || drop(connection)
        });
    }
    let (class, text) = match &*state {
        RelayState::Connecting => ("pending", "Connecting to the relay...".to_string()),
        RelayState::Connected { id, room, others } => (
            "done",
            format!(
                "Connected to the relay as peer {id} in room \"{room}\" ({others} other peers)."
            ),
        ),
        RelayState::Down(reason) => ("error", format!("Relay connection {reason}.")),
    };
    html! {
        <section class="panel" aria-labelledby="relay-title">
            <h2 id="relay-title">{"Live peers (relay)"}</h2>
            <p id="relay-status" class={class}>{text}</p>
        </section>
    }
}

fn main() {
    console_error_panic_hook::set_once();
    yew::Renderer::<App>::new().render();
}
