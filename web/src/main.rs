//! gossip-web: the GossipLab playground. The page never runs a simulation itself: it sends the
//! scenario to the worker (gossip-worker) and draws what comes back. The scenario lives in the
//! URL fragment, so a link replays it.

// A binary, so no other crate reaches it; Yew's `#[component]` needs props as public as itself.
#![allow(unreachable_pub)]

mod chart;
mod cluster_view;
mod compare;
mod controls;
mod download;
mod error_text;
mod graph;
mod i18n;
mod inspector_tables;
mod live;
mod live_node;
mod message_playback;
mod node_inspector;
mod plot;
mod preset_text;
mod refusal;
mod relay_link;
mod replay_view;
mod round_view;
mod share;
mod sweep;
mod system_view;
mod timeline;
mod tour;
mod verdict;
mod worker_start;

use gossip_core::{Direction, LossOfInterest, Trigger};
use gossip_sim::network::{RoundFault, ScheduledRoundFault};
use gossip_sim::presets;
use gossip_sim::recorded_run::Recording;
use gossip_sim::scenario::{Protocol, Scenario};
use gossip_sim::systems::System;
use gossip_sim::topology::TopologyKind;
use gossip_worker::{JsonCodec, SimOutput, SimReactor, SimRequest};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;
use yew_agent::Registrable;
use yew_agent::reactor::{ReactorEvent, ReactorProvider, use_reactor_bridge};

use cluster_view::ClusterView;
use compare::{Compare, PinnedRun};
use controls::Controls;
use i18n::{LangProvider, LangSwitch, t, tf, use_lang, with_unit};
use live::LivePanel;
use round_view::RoundRunView;
use share::LinkedScenario;
use sweep::SweepPanel;
use system_view::SystemView;

#[component]
fn App() -> Html {
    html! {
        <LangProvider>
            <ReactorProvider<SimReactor, JsonCodec> path={worker_start::entry_url()}>
                <PageHeader />
                <main>
                    <Playground />
                    <LivePanel />
                </main>
            </ReactorProvider<SimReactor, JsonCodec>>
        </LangProvider>
    }
}

#[component]
fn PageHeader() -> Html {
    let _lang = use_lang();
    html! {
        <header><h1>{t("page.title")}</h1><p>{t("page.tagline")}</p><LangSwitch /></header>
    }
}

/// The shelves of presets, in the order shown.
const PRESET_GROUPS: [&str; 3] = ["Rumor mongering", "Live nodes", "Real systems"];

#[component]
fn Playground() -> Html {
    // Renders again on a language switch (the scenario and results stay).
    let _lang = use_lang();
    let initial = use_memo((), |_| share::read_location());
    // A tour link (`#learn=<id>`) opens its chapter, with its experiment unless the link also
    // holds the reader's own scenario.
    let chapter = use_state(tour::link::chapter_at_location);
    let scenario = use_state(|| match &*initial {
        LinkedScenario::Valid(scenario) => scenario.clone(),
        _ => chapter_scenario(*chapter),
    });
    // The side panel (the tour and the presets) is open until the reader closes it.
    let side_open = use_state(|| true);
    // Set by the tour's compare button: the next finished run is pinned beside the one before.
    let pin_next = use_state(|| false);
    let notice = use_state(|| match &*initial {
        LinkedScenario::Broken(reason) => Some(reason.clone()),
        _ => None,
    });
    let output = use_state(|| None::<SimOutput>);
    // The last rumor run's recording (taken out of its `SimOutput::Done`), shared with the graph
    // rather than copied on each render: a playback renders the page every frame, and a
    // recording can be a megabyte.
    let drawn = use_state(|| None::<Rc<Recording>>);
    // The worker's last word on a run still going (progress) or stopped (cancelled).
    let running = use_state(|| None::<SimOutput>);
    // Counts the runs asked for, so Run reruns even an unchanged scenario (after a cancel).
    let generation = use_state(|| 0u64);
    let pinned = use_state(Vec::<PinnedRun>::new);
    // Counts the rumor runs finished: each one's view is keyed by it, so it opens at its last
    // round.
    let rumor_runs = use_mut_ref(|| 0u64);
    let bridge = {
        let output = output.clone();
        let drawn = drawn.clone();
        let running = running.clone();
        let rumor_runs = rumor_runs.clone();
        use_reactor_bridge::<SimReactor, _>(move |event| {
            if let ReactorEvent::Output(result) = event {
                match result {
                    SimOutput::Progress { .. } | SimOutput::Cancelled { .. } => {
                        running.set(Some(result))
                    }
                    mut result => {
                        if let SimOutput::Done { recording, .. } = &mut result {
                            *rumor_runs.borrow_mut() += 1;
                            // Moved out, so the page holds one copy.
                            drawn.set(recording.take().map(Rc::new));
                        }
                        running.set(None);
                        output.set(Some(result));
                    }
                }
            }
        })
    };
    {
        // Every scenario change (and every Run) runs it in the worker.
        let bridge = bridge.clone();
        let running = running.clone();
        use_effect_with(((*scenario).clone(), *generation), move |(scenario, _)| {
            running.set(None);
            bridge.send(SimRequest::Run(scenario.clone()))
        });
    }
    let cancel_run = {
        let bridge = bridge.clone();
        Callback::from(move |_| bridge.send(SimRequest::Cancel))
    };
    {
        // Back and forward move between the scenarios run before; a broken link keeps the
        // current experiment and says why.
        let scenario = scenario.clone();
        let notice = notice.clone();
        let chapter = chapter.clone();
        use_effect_with((), move |_| {
            let listener = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                let linked_chapter = tour::link::chapter_at_location();
                chapter.set(linked_chapter);
                match share::read_location() {
                    LinkedScenario::Valid(linked) => {
                        notice.set(None);
                        scenario.set(linked);
                    }
                    LinkedScenario::Broken(reason) => notice.set(Some(reason)),
                    LinkedScenario::None => scenario.set(chapter_scenario(linked_chapter)),
                }
            });
            let window = web_sys::window().expect("a window");
            let _ = window
                .add_event_listener_with_callback("popstate", listener.as_ref().unchecked_ref());
            move || {
                let _ = window.remove_event_listener_with_callback(
                    "popstate",
                    listener.as_ref().unchecked_ref(),
                );
            }
        });
    }
    // Runs a scenario in a chapter of the tour (or none), recording both in the address.
    let run_in_chapter = {
        let scenario = scenario.clone();
        let notice = notice.clone();
        let generation = generation.clone();
        let output = output.clone();
        let chapter = chapter.clone();
        Callback::from(move |(next, in_chapter): (Scenario, Option<usize>)| {
            share::push_location(&next, in_chapter.map(tour::link::chapter_part));
            chapter.set(in_chapter);
            notice.set(None);
            if next == *scenario {
                // The same experiment again: forget its result so it runs anew.
                output.set(None);
                generation.set(*generation + 1);
            }
            scenario.set(next);
        })
    };
    // A run from the form, the presets or the graph stays in the chapter open.
    let on_run = {
        let run_in_chapter = run_in_chapter.clone();
        let in_chapter = *chapter;
        Callback::from(move |next: Scenario| run_in_chapter.emit((next, in_chapter)))
    };
    let open_chapter = {
        let run_in_chapter = run_in_chapter.clone();
        Callback::from(move |index: usize| {
            run_in_chapter.emit((chapter_scenario(Some(index)), Some(index)))
        })
    };
    let toggle_side = {
        let side_open = side_open.clone();
        Callback::from(move |_| side_open.set(!*side_open))
    };
    let next_seed = {
        let on_run = on_run.clone();
        let current = (*scenario).clone();
        Callback::from(move |_| {
            on_run.emit(Scenario {
                seed: current.seed + 1,
                ..current.clone()
            })
        })
    };
    // A result counts only for the scenario on screen (an older run may answer late).
    let result = match &*output {
        Some(
            result @ (SimOutput::Done { scenario: ran, .. }
            | SimOutput::ClusterDone { scenario: ran, .. }
            | SimOutput::SystemDone { scenario: ran, .. }
            | SimOutput::Failed { scenario: ran, .. }),
        ) if ran == &*scenario => Some(result),
        _ => None,
    };
    // "What if this node had crashed?": the same experiment with one more fault.
    let crash_node = {
        let on_run = on_run.clone();
        let current = (*scenario).clone();
        Callback::from(move |(node, round): (u32, u32)| {
            let mut next = current.clone();
            next.network.faults.push(ScheduledRoundFault {
                round,
                fault: RoundFault::Crash { nodes: vec![node] },
            });
            // Faults are kept in round order.
            next.network.faults.sort_by_key(|fault| fault.round);
            on_run.emit(next);
        })
    };
    // "What if this node crashed, or took a write, at this moment?" for cluster runs.
    let cluster_fault = {
        let on_run = on_run.clone();
        let current = (*scenario).clone();
        Callback::from(move |fault: gossip_sim::events::ScheduledClusterFault| {
            let mut next = current.clone();
            if let Protocol::Cluster(cluster) = &mut next.protocol {
                cluster.faults.push(fault);
                cluster.faults.sort_by_key(|fault| fault.at);
                on_run.emit(next);
            }
        })
    };
    // "What if the value were written at this node?": the rumor starts there.
    let start_at = {
        let on_run = on_run.clone();
        let current = (*scenario).clone();
        Callback::from(move |node: u32| {
            let mut next = current.clone();
            next.network.origin = node;
            on_run.emit(next);
        })
    };
    // A preset's title says more than a description of its numbers.
    let label = presets::presets()
        .into_iter()
        .find(|preset| preset.scenario == *scenario)
        .map_or_else(
            || describe(&scenario),
            |preset| preset_text::title(&preset).to_string(),
        );
    let pinnable = result.and_then(|output| compare::pin(output, label));
    let pin_run = {
        let pinned = pinned.clone();
        let pinnable = pinnable.clone();
        Callback::from(move |_| {
            if let Some(run) = pinnable.clone() {
                let mut runs = (*pinned).clone();
                if !runs.contains(&run) {
                    runs.push(run);
                }
                pinned.set(runs);
            }
        })
    };
    let unpin = {
        let pinned = pinned.clone();
        Callback::from(move |index: usize| {
            let mut runs = (*pinned).clone();
            if index < runs.len() {
                runs.remove(index);
            }
            pinned.set(runs);
        })
    };
    // The tour's "Compare with ...": this run pinned, then the variant run, pinned beside it
    // once done, without leaving the chapter.
    let compare_with = {
        let pinned = pinned.clone();
        let pinnable = pinnable.clone();
        let pin_next = pin_next.clone();
        let on_run = on_run.clone();
        Callback::from(move |variant: Scenario| {
            if let Some(run) = pinnable.clone() {
                let mut runs = (*pinned).clone();
                if !runs.contains(&run) {
                    runs.push(run);
                }
                pinned.set(runs);
            }
            pin_next.set(true);
            on_run.emit(variant);
        })
    };
    {
        let pinned = pinned.clone();
        let pin_next = pin_next.clone();
        use_effect_with((pinnable.clone(), *pin_next), move |(pinnable, waiting)| {
            if let (Some(run), true) = (pinnable, *waiting) {
                let mut runs = (*pinned).clone();
                if !runs.contains(run) {
                    runs.push(run.clone());
                }
                pinned.set(runs);
                pin_next.set(false);
            }
        });
    }
    let finished = result
        .and_then(tour::summary_of)
        .map(|(_, summary)| summary);
    // The run said in words against theory, for every kind of run.
    let theory_words = match (result.and_then(tour::summary_of), &finished) {
        (Some((ran, _)), Some(summary)) => html! {
            <div id="theory-words" class="theory-words">
                { for verdict::words(ran, summary).into_iter().map(|words| html! { <p>{words}</p> }) }
            </div>
        },
        _ => Html::default(),
    };
    let body = match result {
        // The playground never asks for summaries (sweeps run on their own workers).
        // Progress and cancellation come on their own; the playground never asks for
        // summaries (sweeps run on their own workers).
        None
        | Some(
            SimOutput::Summaries { .. }
            | SimOutput::Progress { .. }
            | SimOutput::Cancelled { .. }
            | SimOutput::ReplayProgress { .. }
            | SimOutput::Replayed { .. }
            | SimOutput::ReplayFailed { .. }
            | SimOutput::InspectProgress { .. }
            | SimOutput::Inspected { .. },
        ) => match &*running {
            Some(SimOutput::Cancelled { scenario: ran }) if ran == &*scenario => html! {
                <p id="sim-result" class="error">{tf("sim.cancelled", &[("scenario", &describe(&scenario))])}</p>
            },
            Some(SimOutput::Progress {
                scenario: ran,
                progress,
            }) if ran == &*scenario => html! {
                <div class="run-progress">
                    <p id="sim-result" class="pending" aria-live="polite">{tf("sim.progress", &[("scenario", &describe(&scenario)), ("progress", &progress_text(&progress.text))])}</p>
                    <progress id="run-progress" max="1" value={format!("{:.3}", progress.fraction)} aria-label={t("sim.progress_label")} />
                    <button id="cancel-run" onclick={cancel_run.clone()}>{t("sim.cancel")}</button>
                </div>
            },
            _ => {
                html! { <p id="sim-result" class="pending">{tf("sim.running", &[("scenario", &describe(&scenario))])}</p> }
            }
        },
        Some(SimOutput::ClusterDone {
            scenario,
            report,
            recording,
        }) => html! {
            <>
                <p id="sim-result" class="done">{simulated_for(scenario, report.duration)}</p>
                {theory_words.clone()}
                <ClusterView report={report.clone()} recording={recording.clone()} on_fault={Some(cluster_fault.clone())}
                    scenario={Some(std::rc::Rc::new(scenario.clone()))} />
            </>
        },
        Some(SimOutput::SystemDone {
            scenario,
            report,
            trace,
        }) => html! {
            <>
                <p id="sim-result" class="done">{simulated_for(scenario, report.duration)}</p>
                {theory_words.clone()}
                <SystemView report={report.clone()} trace={trace.clone().map(Rc::new)}
                    scenario={Some(Rc::new(scenario.clone()))} />
            </>
        },
        // Refused for its size: said with both figures, in English and Chinese.
        Some(SimOutput::Failed {
            too_large: Some(exceeded),
            ..
        }) => html! {
            <div id="sim-result" class="error" role="alert"><refusal::TooLarge exceeded={*exceeded} /></div>
        },
        Some(SimOutput::Failed { error, .. }) => {
            html! { <p id="sim-result" class="error">{tf("sim.failed", &[("error", error)])}</p> }
        }
        Some(SimOutput::Done {
            scenario, report, ..
        }) => {
            let summary = report.summary;
            let outcome = match summary.full_infection_round {
                Some(round) => tf("sim.outcome.everyone", &[("round", &round)]),
                None => tf(
                    "sim.outcome.residue",
                    &[("percent", &format!("{:.1}", summary.residue * 100.0))],
                ),
            };
            html! {
                <>
                    <p id="sim-result" class="done">
                        {tf("sim.summary", &[("scenario", &describe(scenario)), ("rounds", &summary.rounds), ("outcome", &outcome),
                            ("messages", &summary.messages), ("per_node", &format!("{:.2}", summary.traffic))])}
                    </p>
                    {theory_words.clone()}
                    <RoundRunView key={*rumor_runs.borrow()} scenario={scenario.clone()} rounds={report.rounds.clone()}
                        recording={(*drawn).clone()} on_crash={crash_node.clone()} on_origin={start_at.clone()} />
                </>
            }
        }
    };
    html! {
        <>
        <div id="lab" class={classes!("lab", (!*side_open).then_some("side-closed"))}>
            if *side_open {
                <aside id="side-panel" class="side" aria-label={t("tour.side.label")}>
                    <button id="side-close" class="side-close" onclick={toggle_side.clone()}>{t("tour.side.close")}</button>
                    <tour::TourPanel chapter={*chapter} scenario={(*scenario).clone()} finished={finished}
                        on_open={open_chapter} on_run={on_run.clone()} on_compare={compare_with} />
                    <section id="presets" class="preset-shelves" aria-labelledby="presets-title">
                        <h2 id="presets-title">{t("tour.side.presets")}</h2>
                        { for PRESET_GROUPS.iter().map(|group| html! {
                            <div class="presets" role="group" aria-label={tf("sim.presets_group", &[("group", &preset_text::group(group))])}>
                                <span class="preset-group">{preset_text::group(group)}</span>
                                { for presets::presets().into_iter().filter(|preset| preset.group == *group).map(|preset| {
                                    let on_run = on_run.clone();
                                    let chosen = preset.scenario == *scenario;
                                    let scenario = preset.scenario.clone();
                                    html! {
                                        <button class={classes!("preset", chosen.then_some("chosen"))} aria-pressed={chosen.to_string()}
                                            onclick={Callback::from(move |_| on_run.emit(scenario.clone()))}>{preset_text::title(&preset)}</button>
                                    }
                                }) }
                            </div>
                        }) }
                    </section>
                </aside>
            }
            <section class="panel stage" aria-labelledby="sim-title">
                <div class="stage-head">
                    <h2 id="sim-title">{t("sim.title")}</h2>
                    <button id="side-toggle" aria-expanded={side_open.to_string()} aria-controls="side-panel"
                        onclick={toggle_side}>{t("tour.side.toggle")}</button>
                </div>
                if let Some(reason) = &*notice {
                    <p id="link-error" class="error" role="alert">
                        {tf("sim.link_error", &[("reason", &error_text::link(reason))])}
                    </p>
                }
                if let Some(preset) = presets::presets().into_iter().find(|preset| preset.scenario == *scenario) {
                    <p id="preset-explanation" class="explanation">{preset_text::explanation(&preset)}</p>
                }
                {body}
                <div class="run-actions">
                    <button id="rerun" onclick={next_seed}>{t("sim.rerun")}</button>
                    <button id="pin" onclick={pin_run} disabled={pinnable.is_none()}>{t("sim.pin")}</button>
                </div>
                <Compare runs={(*pinned).clone()} on_unpin={unpin} />
            </section>
            <section class="panel knobs" aria-labelledby="knobs-title">
                <h2 id="knobs-title">{t("tour.knobs_title")}</h2>
                <Controls scenario={(*scenario).clone()} on_run={on_run.clone()} />
            </section>
        </div>
        <replay_view::ReplayPanel scenario={(*scenario).clone()} on_run={on_run} />
        <SweepPanel base={(*scenario).clone()} />
        </>
    }
}

/// The experiment of the tour's chapter `index`, or the playground's default outside the tour.
fn chapter_scenario(index: Option<usize>) -> Scenario {
    index
        .and_then(|index| tour::chapters::CHAPTERS.get(index))
        .map_or_else(Scenario::default, |chapter| chapter.scenario())
}

fn topology_label(kind: TopologyKind) -> String {
    match kind {
        TopologyKind::Complete => t("topology.complete").into(),
        TopologyKind::Ring { k } => tf("topology.ring", &[("k", &k)]),
        TopologyKind::Grid { width } => tf("topology.grid", &[("width", &width)]),
        TopologyKind::RandomRegular { degree } => {
            tf("topology.random_regular", &[("degree", &degree)])
        }
        TopologyKind::ErdosRenyi { mean_degree } => {
            tf("topology.erdos_renyi", &[("mean_degree", &mean_degree)])
        }
        TopologyKind::WattsStrogatz { k, beta } => {
            tf("topology.small_world", &[("k", &k), ("beta", &beta)])
        }
        TopologyKind::BarabasiAlbert { m } => tf("topology.scale_free", &[("m", &m)]),
        TopologyKind::DataCenters => t("topology.data_centers").into(),
    }
}

/// "{scenario}: 60 s simulated." for a run on the event engine (`duration` in ms).
fn simulated_for(scenario: &Scenario, duration: u64) -> String {
    tf(
        "sim.simulated",
        &[
            ("scenario", &describe(scenario)),
            (
                "duration",
                &with_unit(format!("{:.0}", duration as f64 / 1_000.0), "seconds"),
            ),
        ],
    )
}

/// The worker's progress line ("round 12: 63.0% informed", "12.0 of 60 s simulated", as
/// gossip-sim writes it) in the page's language; any other shape is shown as written.
fn progress_text(text: &str) -> String {
    if let Some((round, percent)) = text
        .strip_prefix("round ")
        .and_then(|rest| rest.split_once(": "))
        .and_then(|(round, rest)| Some((round, rest.strip_suffix("% informed")?)))
    {
        return tf(
            "sim.progress.rounds",
            &[("round", &round), ("percent", &percent)],
        );
    }
    if let Some((done, total)) = text
        .strip_suffix(" s simulated")
        .and_then(|rest| rest.split_once(" of "))
    {
        return tf("sim.progress.time", &[("done", &done), ("total", &total)]);
    }
    text.to_string()
}

/// The scenario in a phrase, in the page's language.
fn describe(scenario: &Scenario) -> String {
    let rumor = match &scenario.protocol {
        Protocol::Rumor(rumor) => rumor,
        Protocol::Cluster(_) => {
            return tf(
                "describe.cluster",
                &[("nodes", &scenario.nodes), ("seed", &scenario.seed)],
            );
        }
        Protocol::System(system) => {
            let name = match system.model {
                System::RedisCluster(_) => "Redis Cluster",
                System::Cassandra(_) => "Cassandra",
                System::BitcoinRelay(_) => t("system.bitcoin_relay"),
            };
            return tf(
                "describe.system",
                &[
                    ("name", &name),
                    ("nodes", &scenario.nodes),
                    ("seed", &scenario.seed),
                ],
            );
        }
    };
    let loss = match rumor.loss {
        LossOfInterest::Counter(k) => tf("describe.counter", &[("k", &k)]),
        LossOfInterest::Coin(k) => tf("describe.coin", &[("k", &k)]),
        LossOfInterest::Never => t("describe.never").to_string(),
    };
    let direction = match rumor.direction {
        Direction::Push => t("direction.push"),
        Direction::Pull => t("direction.pull"),
        Direction::PushPull => t("direction.push_pull"),
    };
    let trigger = match rumor.trigger {
        Trigger::Feedback => t("trigger.feedback"),
        Trigger::Blind => t("trigger.blind"),
    };
    let mut text = tf(
        "describe.rumor",
        &[
            ("nodes", &scenario.nodes),
            ("direction", &direction),
            ("loss", &loss),
            ("trigger", &trigger),
            ("fanout", &rumor.fanout),
            ("seed", &scenario.seed),
        ],
    );
    let network = &scenario.network;
    if network.topology != TopologyKind::Complete {
        text += &tf(
            "describe.on",
            &[("topology", &topology_label(network.topology))],
        );
    }
    if network.loss > 0.0 {
        text += &tf(
            "describe.loss",
            &[("percent", &format!("{:.0}", network.loss * 100.0))],
        );
    }
    if !network.faults.is_empty() {
        text += &tf("describe.faults", &[("count", &network.faults.len())]);
    }
    if network.origin != 0 {
        text += &tf("describe.origin", &[("node", &network.origin)]);
    }
    text
}

fn main() {
    console_error_panic_hook::set_once();
    // The worker runs this same module (see worker_start).
    if worker_start::in_window() {
        yew::Renderer::<App>::new().render();
    } else {
        SimReactor::registrar().encoding::<JsonCodec>().register();
    }
}
