//! The scenario form: every knob of the current scenario, edited as a draft and applied by "Run".

use crate::error_text;
use crate::i18n::{t, tf, use_lang};
use gossip_core::Comparison;
use gossip_core::{AntiEntropySchedule, PeerChoice, RumorSchedule};
use gossip_core::{Direction, LossOfInterest, Trigger};
use gossip_sim::scenario::{Protocol, Scenario};
use gossip_sim::systems::System;
use gossip_sim::topology::TopologyKind;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Most live nodes the form runs on the event engine: each holds every other in its membership
/// list, so memory and time grow with the square of the population.
const MAX_CLUSTER_NODES: u32 = 2_000;

/// The topologies offered, with their form values and the keys of their labels.
const TOPOLOGIES: [(&str, &str); 8] = [
    ("complete", "form.topology.complete"),
    ("ring", "form.topology.ring"),
    ("grid", "form.topology.grid"),
    ("random_regular", "form.topology.random_regular"),
    ("erdos_renyi", "form.topology.erdos_renyi"),
    ("small_world", "form.topology.small_world"),
    ("scale_free", "form.topology.scale_free"),
    ("data_centers", "form.topology.data_centers"),
];

fn topology_named(name: &str, nodes: u32) -> TopologyKind {
    match name {
        "ring" => TopologyKind::Ring { k: 1 },
        "grid" => TopologyKind::Grid {
            width: (f64::from(nodes).sqrt().ceil() as u32).max(1),
        },
        "random_regular" => TopologyKind::RandomRegular { degree: 4 },
        "erdos_renyi" => TopologyKind::ErdosRenyi { mean_degree: 4.0 },
        "small_world" => TopologyKind::WattsStrogatz { k: 2, beta: 0.1 },
        "scale_free" => TopologyKind::BarabasiAlbert { m: 2 },
        "data_centers" => TopologyKind::DataCenters,
        _ => TopologyKind::Complete,
    }
}

fn topology_name(kind: TopologyKind) -> &'static str {
    match kind {
        TopologyKind::Complete => "complete",
        TopologyKind::Ring { .. } => "ring",
        TopologyKind::Grid { .. } => "grid",
        TopologyKind::RandomRegular { .. } => "random_regular",
        TopologyKind::ErdosRenyi { .. } => "erdos_renyi",
        TopologyKind::WattsStrogatz { .. } => "small_world",
        TopologyKind::BarabasiAlbert { .. } => "scale_free",
        TopologyKind::DataCenters => "data_centers",
    }
}

#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    /// The scenario the form starts from (the one running).
    pub scenario: Scenario,
    pub on_run: Callback<Scenario>,
}

fn number<T: std::str::FromStr>(event: &Event) -> Option<T> {
    event
        .target_unchecked_into::<HtmlInputElement>()
        .value()
        .trim()
        .parse()
        .ok()
}

fn choice(event: &Event) -> String {
    event.target_unchecked_into::<HtmlSelectElement>().value()
}

#[component]
pub fn Controls(props: &ControlsProps) -> Html {
    let _lang = use_lang();
    // The draft is read synchronously by "Run": a field edited just before the click (its change
    // event fires on the same click) must not be lost to a render that has not happened yet.
    let draft = use_mut_ref(|| props.scenario.clone());
    let rerender = use_force_update();
    {
        // A scenario from a link or from history replaces the draft.
        let draft = draft.clone();
        let rerender = rerender.clone();
        use_effect_with(props.scenario.clone(), move |scenario| {
            *draft.borrow_mut() = scenario.clone();
            rerender.force_update();
        });
    }
    let edit = |apply: fn(&mut Scenario, &Event)| {
        let draft = draft.clone();
        let rerender = rerender.clone();
        Callback::from(move |event: Event| {
            apply(&mut draft.borrow_mut(), &event);
            rerender.force_update();
        })
    };
    // Number fields update the draft as the person types. Text that is not (yet) a number leaves
    // the draft alone and skips the render, which would put the old number back under the cursor.
    let edit_number = |apply: fn(&mut Scenario, &Event) -> bool| {
        let draft = draft.clone();
        let rerender = rerender.clone();
        Callback::from(move |event: InputEvent| {
            if apply(&mut draft.borrow_mut(), &event) {
                rerender.force_update();
            }
        })
    };
    let current = draft.borrow().clone();
    let rumor = current.rumor_config().copied().unwrap_or_default();
    let (loss_kind, k) = match rumor.loss {
        LossOfInterest::Counter(k) => ("counter", k),
        LossOfInterest::Coin(k) => ("coin", k),
        LossOfInterest::Never => ("never", 2),
    };
    let validation = current
        .validate()
        .map_err(|e| error_text::sim(&e))
        .and_then(|()| {
            if current.nodes < 2 {
                Err(t("form.error.nodes").to_string())
            } else if current.rumor_config().is_none() && current.nodes > MAX_CLUSTER_NODES {
                Err(tf(
                    "form.error.cluster_nodes",
                    &[("max", &MAX_CLUSTER_NODES)],
                ))
            } else {
                Ok(())
            }
        });
    let run = {
        let draft = draft.clone();
        let on_run = props.on_run.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let scenario = draft.borrow().clone();
            if scenario.validate().is_ok()
                && scenario.nodes >= 2
                && (scenario.rumor_config().is_some() || scenario.nodes <= MAX_CLUSTER_NODES)
            {
                on_run.emit(scenario);
            }
        })
    };
    let cluster = match &current.protocol {
        Protocol::Cluster(cluster) => Some(cluster.clone()),
        _ => None,
    };
    let system = match &current.protocol {
        Protocol::System(system) => Some(system.clone()),
        _ => None,
    };
    let engine = match &current.protocol {
        Protocol::Rumor(_) => "rumor",
        Protocol::Cluster(_) => "cluster",
        Protocol::System(_) => "system",
    };
    let knobs = match &cluster {
        None if system.is_none() => html! {
            <>
            <label>{t("form.direction")}
                <select id="direction" onchange={edit(|s, e| s.rumor_config_mut().direction = match choice(e).as_str() {
                    "pull" => Direction::Pull, "push_pull" => Direction::PushPull, _ => Direction::Push })}>
                    <option value="push" selected={rumor.direction == Direction::Push}>{t("form.push")}</option>
                    <option value="pull" selected={rumor.direction == Direction::Pull}>{t("form.pull")}</option>
                    <option value="push_pull" selected={rumor.direction == Direction::PushPull}>{t("form.push_pull")}</option>
                </select>
            </label>
            <label>{t("form.loss")}
                <select id="loss" onchange={edit(|s, e| {
                    let k = match s.rumor_config_mut().loss { LossOfInterest::Counter(k) | LossOfInterest::Coin(k) => k, LossOfInterest::Never => 2 };
                    s.rumor_config_mut().loss = match choice(e).as_str() {
                        "coin" => LossOfInterest::Coin(k),
                        "never" => LossOfInterest::Never,
                        _ => LossOfInterest::Counter(k),
                    };
                })}>
                    <option value="counter" selected={loss_kind == "counter"}>{t("form.loss.counter")}</option>
                    <option value="coin" selected={loss_kind == "coin"}>{t("form.loss.coin")}</option>
                    <option value="never" selected={loss_kind == "never"}>{t("form.loss.never")}</option>
                </select>
            </label>
            <label>{t("form.k")}
                <input id="k" type="number" min="1" max="255" value={k.to_string()} disabled={loss_kind == "never"}
                    oninput={edit_number(|s, e| if let Some(k) = number(e) {
                        s.rumor_config_mut().loss = match s.rumor_config_mut().loss {
                            LossOfInterest::Counter(_) => LossOfInterest::Counter(k),
                            LossOfInterest::Coin(_) => LossOfInterest::Coin(k),
                            LossOfInterest::Never => LossOfInterest::Never,
                        };
                        true
                    } else { false })} />
            </label>
            <label>{t("form.trigger")}
                <select id="trigger" onchange={edit(|s, e| s.rumor_config_mut().trigger = if choice(e) == "blind" { Trigger::Blind } else { Trigger::Feedback })}>
                    <option value="feedback" selected={rumor.trigger == Trigger::Feedback}>{t("form.trigger.feedback")}</option>
                    <option value="blind" selected={rumor.trigger == Trigger::Blind}>{t("form.trigger.blind")}</option>
                </select>
            </label>
            <label>{t("form.fanout")}
                <input id="fanout" type="number" min="1" max="16" value={rumor.fanout.to_string()}
                    oninput={edit_number(|s, e| if let Some(f) = number(e) { s.rumor_config_mut().fanout = f; true } else { false })} />
            </label>
            </>
        },
        None => {
            let system = system.clone().unwrap_or_default();
            let kind = match system.model {
                System::RedisCluster(_) => "redis_cluster",
                System::Cassandra(_) => "cassandra",
                System::BitcoinRelay(_) => "bitcoin_relay",
            };
            html! {
            <>
            <label>{t("form.system")}
                <select id="system-model" onchange={edit(|s, e| {
                    s.system_config_mut().model = match choice(e).as_str() {
                        "cassandra" => System::Cassandra(Default::default()),
                        "bitcoin_relay" => System::BitcoinRelay(Default::default()),
                        _ => System::RedisCluster(Default::default()),
                    };
                })}>
                    <option value="redis_cluster" selected={kind == "redis_cluster"}>{"Redis Cluster"}</option>
                    <option value="cassandra" selected={kind == "cassandra"}>{"Cassandra"}</option>
                    <option value="bitcoin_relay" selected={kind == "bitcoin_relay"}>{t("system.bitcoin_relay")}</option>
                </select>
            </label>
            <label>{t("form.seconds")}
                <input id="system-duration" type="number" min="1" max="3600" value={(system.duration / 1_000).to_string()}
                    oninput={edit_number(|s, e| match number::<u64>(e) {
                        Some(seconds) if seconds >= 1 => { s.system_config_mut().duration = seconds * 1_000; true }
                        _ => false,
                    })} />
            </label>
            { match system.model {
                System::RedisCluster(config) => html! {
                    <label>{t("form.redis_timeout")}
                        <input id="redis-timeout" type="number" min="200" value={config.node_timeout.to_string()}
                            oninput={edit_number(|s, e| match (number::<u64>(e), &mut s.system_config_mut().model) {
                                (Some(ms), System::RedisCluster(config)) if ms >= 200 => { config.node_timeout = ms; true }
                                _ => false,
                            })} />
                    </label>
                },
                System::Cassandra(config) => html! {
                    <label>{t("form.phi_threshold")}
                        <input id="phi-threshold" type="number" min="1" step="0.5" value={config.phi_convict_threshold.to_string()}
                            oninput={edit_number(|s, e| match (number::<f64>(e), &mut s.system_config_mut().model) {
                                (Some(phi), System::Cassandra(config)) if phi > 0.0 => { config.phi_convict_threshold = phi; true }
                                _ => false,
                            })} />
                    </label>
                },
                System::BitcoinRelay(config) => html! {
                    <label>{t("form.outbound")}
                        <input id="outbound" type="number" min="1" value={config.outbound.to_string()}
                            oninput={edit_number(|s, e| match (number::<u32>(e), &mut s.system_config_mut().model) {
                                (Some(n), System::BitcoinRelay(config)) if n >= 1 => { config.outbound = n; true }
                                _ => false,
                            })} />
                    </label>
                },
            } }
            </>
            }
        }
        Some(cluster) => {
            let anti_entropy = cluster.node.anti_entropy;
            let direction =
                anti_entropy.map_or("off", |schedule| match schedule.config.direction {
                    Direction::Push => "push",
                    Direction::Pull => "pull",
                    Direction::PushPull => "push_pull",
                });
            let comparison =
                anti_entropy.map_or(Comparison::Digest, |schedule| schedule.config.comparison);
            html! {
            <>
            <label>{t("form.seconds")}
                <input id="duration" type="number" min="1" max="3600" value={(cluster.duration / 1_000).to_string()}
                    oninput={edit_number(|s, e| match number::<u64>(e) {
                        Some(seconds) if seconds >= 1 => { s.cluster_config_mut().duration = seconds * 1_000; true }
                        _ => false,
                    })} />
            </label>
            <label>{t("form.swim_period")}
                <input id="swim-period" type="number" min="10" value={cluster.node.swim.protocol_period.to_string()}
                    oninput={edit_number(|s, e| match number::<u64>(e) {
                        Some(ms) if ms >= 10 => {
                            let swim = &mut s.cluster_config_mut().node.swim;
                            swim.protocol_period = ms;
                            // The direct wait keeps its share of the period.
                            swim.ping_timeout = (ms * 3 / 10).max(1);
                            true
                        }
                        _ => false,
                    })} />
            </label>
            <label>{t("form.anti_entropy")}
                <select id="ae-direction" onchange={edit(|s, e| {
                    let node = &mut s.cluster_config_mut().node;
                    let direction = match choice(e).as_str() {
                        "push" => Direction::Push,
                        "pull" => Direction::Pull,
                        "push_pull" => Direction::PushPull,
                        _ => { node.anti_entropy = None; return; }
                    };
                    node.anti_entropy.get_or_insert_with(AntiEntropySchedule::default).config.direction = direction;
                })}>
                    { for [("off", "form.off"), ("push", "form.push"), ("pull", "form.pull"), ("push_pull", "form.push_pull")].iter().map(|(value, label)| html! {
                        <option value={*value} selected={direction == *value}>{t(label)}</option>
                    }) }
                </select>
            </label>
            if let Some(schedule) = anti_entropy {
                <label>{t("form.comparison")}
                    <select id="ae-comparison" onchange={edit(|s, e| {
                        if let Some(schedule) = s.cluster_config_mut().node.anti_entropy.as_mut() {
                            schedule.config.comparison = match choice(e).as_str() {
                                "full_data" => Comparison::FullData,
                                "checksum" => Comparison::Checksum,
                                "hash_tree" => Comparison::HashTree,
                                _ => Comparison::Digest,
                            };
                        }
                    })}>
                        { for [(Comparison::FullData, "full_data", "form.comparison.full_data"), (Comparison::Digest, "digest", "form.comparison.digest"),
                               (Comparison::Checksum, "checksum", "form.comparison.checksum"), (Comparison::HashTree, "hash_tree", "form.comparison.hash_tree")]
                            .iter().map(|(kind, value, label)| html! {
                            <option value={*value} selected={comparison == *kind}>{t(label)}</option>
                        }) }
                    </select>
                </label>
                <label>{t("form.peer_order")}
                    <select id="ae-peers" onchange={edit(|s, e| {
                        if let Some(schedule) = s.cluster_config_mut().node.anti_entropy.as_mut() {
                            schedule.peer_choice = if choice(e) == "hamiltonian" { PeerChoice::Hamiltonian } else { PeerChoice::Uniform };
                        }
                    })}>
                        <option value="uniform" selected={schedule.peer_choice == PeerChoice::Uniform}>{t("form.peer_order.random")}</option>
                        <option value="hamiltonian" selected={schedule.peer_choice == PeerChoice::Hamiltonian}>{t("form.peer_order.ring")}</option>
                    </select>
                </label>
                <label>{t("form.ae_period")}
                    <input id="ae-period" type="number" min="10" value={schedule.period.to_string()}
                        oninput={edit_number(|s, e| match (number::<u64>(e), s.cluster_config_mut().node.anti_entropy.as_mut()) {
                            (Some(ms), Some(schedule)) if ms >= 10 => { schedule.period = ms; true }
                            _ => false,
                        })} />
                </label>
            }
            <label>{t("form.rumors")}
                <select id="cluster-rumor" onchange={edit(|s, e| {
                    s.cluster_config_mut().node.rumor = (choice(e) == "on").then(RumorSchedule::default);
                })}>
                    <option value="on" selected={cluster.node.rumor.is_some()}>{t("form.on")}</option>
                    <option value="off" selected={cluster.node.rumor.is_none()}>{t("form.off")}</option>
                </select>
            </label>
            <label>{t("form.direct_mail")}
                <select id="direct-mail" onchange={edit(|s, e| {
                    s.cluster_config_mut().node.direct_mail = (choice(e) == "on").then(Default::default);
                })}>
                    <option value="on" selected={cluster.node.direct_mail.is_some()}>{t("form.on")}</option>
                    <option value="off" selected={cluster.node.direct_mail.is_none()}>{t("form.off")}</option>
                </select>
            </label>
            </>
            }
        }
    };
    html! {
        <form id="controls" class="controls" onsubmit={run}>
            // Grouped by what they change: the protocol, the network it runs on, this run.
            <fieldset class="knob-group">
                <legend>{t("tour.group.protocol")}</legend>
                <label>{t("form.engine")}
                    <select id="engine" onchange={edit(|s, e| match choice(e).as_str() {
                        "cluster" => { s.cluster_config_mut(); }
                        "system" => { s.system_config_mut(); }
                        _ => { s.rumor_config_mut(); }
                    })}>
                        <option value="rumor" selected={engine == "rumor"}>{t("form.engine.rumor")}</option>
                        <option value="cluster" selected={engine == "cluster"}>{t("form.engine.cluster")}</option>
                        <option value="system" selected={engine == "system"}>{t("form.engine.system")}</option>
                    </select>
                </label>
                {knobs}
            </fieldset>
            <fieldset class="knob-group">
                <legend>{t("tour.group.network")}</legend>
                <label>{t("form.nodes")}
                    <input id="nodes" type="number" min="2" max="1000000" value={current.nodes.to_string()}
                        oninput={edit_number(|s, e| if let Some(n) = number(e) {
                            s.nodes = n;
                            // A grid's width follows the population.
                            if let TopologyKind::Grid { .. } = s.network.topology {
                                s.network.topology = topology_named("grid", n);
                            }
                            true
                        } else { false })} />
                </label>
                if engine == "rumor" {
                <label>{t("form.topology")}
                    <select id="topology" onchange={edit(|s, e| s.network.topology = topology_named(&choice(e), s.nodes))}>
                        { for TOPOLOGIES.iter().map(|(value, label)| html! {
                            <option value={*value} selected={topology_name(current.network.topology) == *value}>{t(label)}</option>
                        }) }
                    </select>
                </label>
                }
                <label>{t("form.loss_percent")}
                    <input id="loss-percent" type="number" min="0" max="100" step="1"
                        value={format!("{}", (current.network.loss * 100.0).round())}
                        oninput={edit_number(|s, e| match number::<f64>(e) {
                            Some(percent) if (0.0..=100.0).contains(&percent) => { s.network.loss = percent / 100.0; true }
                            _ => false,
                        })} />
                </label>
            </fieldset>
            <fieldset class="knob-group">
                <legend>{t("tour.group.run")}</legend>
                <label>{t("form.seed")}
                    <input id="seed" type="number" min="0" value={current.seed.to_string()}
                        oninput={edit_number(|s, e| if let Some(seed) = number(e) { s.seed = seed; true } else { false })} />
                </label>
            </fieldset>
            <button id="run" type="submit" disabled={validation.is_err()}>{t("form.run")}</button>
            if let Err(problem) = validation {
                <p class="error" role="alert">{problem}</p>
            }
        </form>
    }
}
