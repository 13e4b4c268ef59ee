//! Replay in the page: recording files dropped here (or chosen with the file picker) go to the
//! worker, which merges them into the cluster scenario that replays them and runs it a seed at
//! a time (gossip-worker's `replay`); this panel shows every figure recorded beside simulated,
//! with the difference: each write's spread, each crash's first suspicion and declared-dead
//! times, each peer's messages and bytes per second (the rows `gossip-node replay` prints).
//!
//! What if: the replayed scenario becomes the playground's scenario, so the knobs (this panel's
//! SWIM period, Lifeguard and loss, or the playground's own) change it like any other; each
//! change reruns it against the same recordings and sets the new figures in a column beside the
//! replay as recorded. A relay's room recording dropped with the peers' adds the relay's count
//! of each peer's messages.
//!
//! A file that cannot replay (not a recording, another version, a damaged line, two files of one
//! peer) is refused with its figures, in the page's language; the replay on screen stays.
//! [`view_rows`] (pure, tested natively) lays the worker's comparison out as the table's rows.
//!
//! The scenario on screen (the replay's, or its what if) downloads as a scenario file, and a
//! scenario file dropped or chosen here opens as the playground's experiment
//! ([`scenario_file`]).

pub mod scenario_file;

use std::cell::RefCell;
use std::rc::Rc;

use gossip_core::NodeId;
use gossip_sim::link::Latency;
use gossip_sim::recording::{Comparison, ComparisonRow, Departure, RECORDING_VERSION};
use gossip_sim::scenario::{Protocol, Scenario};
use gossip_worker::replay::{
    DEFAULT_REPLAY_RUNS, MAX_REPLAY_RUNS, RecordingFile, RelayTraffic, ReplayError,
};
use gossip_worker::{SimOutput, SimReactor, SimRequest};
use web_sys::HtmlInputElement;
use yew::prelude::*;
use yew_agent::reactor::{ReactorEvent, use_reactor_bridge};

use crate::i18n::{from_english, number, t, tf, use_lang};
use scenario_file::{Dropped, ScenarioFileError};

/// What a row measures (gossip-sim's `ComparisonRow::figure`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Figure {
    /// From a write until every member then held it.
    Spread,
    /// From a crash to the first suspicion anywhere.
    FirstSuspicion,
    /// From a crash to the first declared-dead verdict.
    FirstDeclaredDead,
    /// From a crash to every member that stayed holding it dead.
    DeclaredDeadEverywhere,
    /// A peer's messages per second.
    Messages,
    /// A peer's bytes per second.
    Bytes,
}

impl Figure {
    fn of(name: &str) -> Option<Figure> {
        Some(match name {
            "spread" => Figure::Spread,
            "first suspicion" => Figure::FirstSuspicion,
            "first declared dead" => Figure::FirstDeclaredDead,
            "declared dead everywhere" => Figure::DeclaredDeadEverywhere,
            "messages/s" => Figure::Messages,
            "bytes/s" => Figure::Bytes,
            _ => return None,
        })
    }

    fn key(self) -> &'static str {
        match self {
            Figure::Spread => "replay.figure.spread",
            Figure::FirstSuspicion => "replay.figure.first_suspicion",
            Figure::FirstDeclaredDead => "replay.figure.first_dead",
            Figure::DeclaredDeadEverywhere => "replay.figure.dead_everywhere",
            Figure::Messages => "replay.figure.messages",
            Figure::Bytes => "replay.figure.bytes",
        }
    }

    /// Whether it is a rate (per second) rather than a time (ms).
    fn is_rate(self) -> bool {
        matches!(self, Figure::Messages | Figure::Bytes)
    }
}

/// Of what a row measures.
#[derive(Clone, Debug, PartialEq)]
pub enum Subject {
    /// A write of `key` at scenario node `node` (room peer `peer`), at `at_ms`.
    Write {
        key: String,
        node: u32,
        peer: NodeId,
        at_ms: f64,
    },
    /// The crash of `node` (room peer `peer`) at `at_ms`.
    Crash { node: u32, peer: NodeId, at_ms: f64 },
    /// A peer's own traffic.
    Peer { node: u32, peer: NodeId },
}

/// One row of the table: the figure, of what, the replay as recorded, the "what if" run's row
/// beside it (when one ran), and the relay's count (for a peer's rates, when a relay recording
/// was given).
#[derive(Clone, Debug, PartialEq)]
pub struct ViewRow<'a> {
    pub figure: Figure,
    pub subject: Subject,
    pub replay: &'a ComparisonRow,
    pub what_if: Option<&'a ComparisonRow>,
    pub relay: Option<f64>,
}

/// The comparison's rows, each with its figure and subject read from the merged recording (the
/// rows come as gossip-sim lists them: the writes, three per crash, two per peer), the "what if"
/// run's row of the same figure and subject, and the relay's count of a peer's rate. Rows of a
/// shape this build does not know are left out.
pub fn view_rows<'a>(
    replay: &'a Comparison,
    what_if: Option<&'a Comparison>,
    relays: &[RelayTraffic],
) -> Vec<ViewRow<'a>> {
    let merged = &replay.merged;
    let peer_of = |node: u32| merged.peers.get(node as usize).map_or(node, |peer| peer.id);
    let mut subjects = Vec::new();
    for write in &merged.writes {
        subjects.push(Subject::Write {
            key: write.key.clone(),
            node: write.node,
            peer: peer_of(write.node),
            at_ms: write.at_ms,
        });
    }
    for crash in &merged.crashes {
        let subject = Subject::Crash {
            node: crash.node,
            peer: peer_of(crash.node),
            at_ms: crash.at_ms,
        };
        subjects.extend([subject.clone(), subject.clone(), subject]);
    }
    for traffic in &merged.traffic {
        let subject = Subject::Peer {
            node: traffic.node,
            peer: peer_of(traffic.node),
        };
        subjects.extend([subject.clone(), subject]);
    }
    let relay_rate = |peer: NodeId, figure: Figure| {
        relays
            .iter()
            .flat_map(|relay| &relay.peers)
            .find(|counted| counted.id == peer)
            .map(|counted| match figure {
                Figure::Messages => counted.messages_per_s,
                _ => counted.bytes_per_s,
            })
    };
    replay
        .rows
        .iter()
        .zip(subjects)
        .enumerate()
        .filter_map(|(index, (row, subject))| {
            let figure = Figure::of(&row.figure)?;
            let relay = match &subject {
                Subject::Peer { peer, .. } if figure.is_rate() => relay_rate(*peer, figure),
                _ => None,
            };
            let what_if = what_if
                .and_then(|other| other.rows.get(index))
                .filter(|other| other.figure == row.figure && other.subject == row.subject);
            Some(ViewRow {
                figure,
                subject,
                replay: row,
                what_if,
                relay,
            })
        })
        .collect()
}

fn subject_text(subject: &Subject) -> String {
    let seconds = |ms: f64| number(ms / 1_000.0, 3);
    match subject {
        Subject::Write {
            key,
            node,
            peer,
            at_ms,
        } => tf(
            "replay.subject.write",
            &[
                ("key", key),
                ("node", node),
                ("peer", peer),
                ("at", &seconds(*at_ms)),
            ],
        ),
        Subject::Crash { node, peer, at_ms } => tf(
            "replay.subject.crash",
            &[("node", node), ("peer", peer), ("at", &seconds(*at_ms))],
        ),
        Subject::Peer { node, peer } => {
            tf("replay.subject.peer", &[("node", node), ("peer", peer)])
        }
    }
}

/// A figure's value with its unit: ms to the millisecond, rates to two decimals under 100.
pub fn value_text(figure: Figure, value: f64) -> String {
    if figure.is_rate() {
        let decimals = if value.abs() >= 100.0 { 0 } else { 2 };
        tf("replay.per_second", &[("value", &number(value, decimals))])
    } else {
        tf("replay.ms", &[("value", &number(value, 0))])
    }
}

/// A difference, signed.
pub fn difference_text(figure: Figure, difference: f64) -> String {
    let sign = if difference >= 0.0 { "+" } else { "" };
    format!("{sign}{}", value_text(figure, difference))
}

fn simulated_cell(figure: Figure, row: &ComparisonRow) -> Html {
    match row.simulated {
        Some(simulated) => html! {
            <td class="simulated">
                {value_text(figure, simulated.mean)}
                <span class="range note">{tf("replay.range", &[
                    ("min", &value_text(figure, simulated.min)),
                    ("max", &value_text(figure, simulated.max)),
                    ("runs", &simulated.runs),
                ])}</span>
            </td>
        },
        None => html! { <td class="simulated never">{t("replay.never")}</td> },
    }
}

fn difference_cell(figure: Figure, row: &ComparisonRow) -> Html {
    match row.difference {
        Some(difference) => {
            html! { <td class="difference">{difference_text(figure, difference)}</td> }
        }
        None => html! { <td class="difference">{"-"}</td> },
    }
}

/// Why the files cannot replay, in the page's language.
pub fn error_text(error: &ReplayError) -> String {
    match error {
        ReplayError::NoFiles => t("replay.error.no_files").to_string(),
        ReplayError::NotARecording { name, reason } => tf(
            "replay.error.neither",
            &[("name", name), ("reason", reason)],
        ),
        ReplayError::OtherVersion {
            name,
            found,
            supported,
            relay,
        } => {
            let key = match (relay, found > supported) {
                (false, true) => "replay.error.newer",
                (false, false) => "replay.error.older",
                (true, true) => "replay.error.relay_newer",
                (true, false) => "replay.error.relay_older",
            };
            tf(
                key,
                &[("name", name), ("found", found), ("supported", supported)],
            )
        }
        ReplayError::BadLine { name, line, reason } => tf(
            "replay.error.bad_line",
            &[("name", name), ("line", line), ("reason", reason)],
        ),
        ReplayError::OnlyRelayRecordings => t("replay.error.only_relay").to_string(),
        ReplayError::NobodyJoined => t("replay.error.nobody_joined").to_string(),
        ReplayError::SamePeer { first, second, id } => tf(
            "replay.error.same_peer",
            &[("first", first), ("second", second), ("id", id)],
        ),
        ReplayError::Merge(reason) => tf("replay.error.merge", &[("reason", reason)]),
        ReplayError::Run(reason) => tf(
            "replay.error.run",
            &[("reason", &crate::error_text::reason(reason))],
        ),
        ReplayError::Cancelled => t("replay.error.cancelled").to_string(),
    }
}

/// gossip-sim's notes on a merge, as patterns said in the page's language.
const NOTE_PATTERNS: [&str; 5] = [
    "replay.note.never_joined",
    "replay.note.cut_short",
    "replay.note.came_back",
    "replay.note.capped",
    "replay.note.configs_differ",
];

/// Whether `scenario` can run against the replay's recordings: a cluster of its peers.
pub fn fits(scenario: &Scenario, replay: &Comparison) -> bool {
    matches!(scenario.protocol, Protocol::Cluster(_))
        && scenario.nodes as usize == replay.merged.peers.len()
}

/// `scenario` with the SWIM period set to `period` ms (the direct ping's wait keeps its share of
/// the period), Lifeguard on or off, and the loss, for the panel's "what if" knobs.
pub fn what_if(
    scenario: &Scenario,
    period: Option<u64>,
    lifeguard: Option<bool>,
    loss: Option<f64>,
) -> Scenario {
    let mut next = scenario.clone();
    if let Protocol::Cluster(cluster) = &mut next.protocol {
        let swim = &mut cluster.node.swim;
        if let Some(period) = period.filter(|ms| *ms >= 10) {
            let share = swim.ping_timeout as f64 / swim.protocol_period.max(1) as f64;
            swim.ping_timeout = ((period as f64 * share).round() as u64).clamp(1, period);
            swim.protocol_period = period;
        }
        if let Some(lifeguard) = lifeguard {
            swim.lifeguard = lifeguard;
        }
    }
    if let Some(loss) = loss.filter(|loss| (0.0..=1.0).contains(loss)) {
        next.network.loss = loss;
    }
    next
}

/// What came back for the files on screen.
#[derive(Clone, Debug, PartialEq)]
struct Replayed {
    comparison: Rc<Comparison>,
    relays: Rc<Vec<RelayTraffic>>,
    files: Rc<Vec<RecordingFile>>,
}

/// The request the worker is working on, if any.
#[derive(Clone, Debug, PartialEq)]
enum Asked {
    /// New files: their replay as recorded.
    Files(Rc<Vec<RecordingFile>>),
    /// The replay's files against another scenario.
    WhatIf(Scenario),
}

/// The props of [`ReplayPanel`].
#[derive(Properties, PartialEq)]
pub struct ReplayProps {
    /// The playground's scenario now: a "what if" when it is a cluster of the replay's peers.
    pub scenario: Scenario,
    /// Runs a scenario in the playground (the replayed one, or a knob's change of it).
    pub on_run: Callback<Scenario>,
}

fn read_files(list: web_sys::FileList, done: Callback<Vec<RecordingFile>>) {
    let files: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
    if files.is_empty() {
        return;
    }
    yew::platform::spawn_local(async move {
        let mut read = Vec::new();
        for file in files {
            let text = wasm_bindgen_futures::JsFuture::from(file.text())
                .await
                .ok()
                .and_then(|text| text.as_string())
                .unwrap_or_default();
            read.push(RecordingFile {
                name: file.name(),
                text,
            });
        }
        done.emit(read);
    });
}

#[component]
pub fn ReplayPanel(props: &ReplayProps) -> Html {
    let _lang = use_lang();
    let replayed = use_state(|| None::<Replayed>);
    let what_if_result = use_state(|| None::<Rc<Comparison>>);
    let progress = use_state(|| None::<(u32, u32)>);
    let error = use_state(|| None::<ReplayError>);
    // A scenario file dropped here: the one opened, or why it did not open.
    let opened = use_state(|| None::<String>);
    let file_error = use_state(|| None::<ScenarioFileError>);
    let runs = use_state(|| DEFAULT_REPLAY_RUNS);
    let dragging = use_state(|| false);
    // The request in flight: its id and what it asked. Late answers of older ones are ignored.
    let asked: Rc<RefCell<(u64, Option<Asked>)>> = use_mut_ref(|| (0, None));
    let bridge = {
        let (replayed, what_if_result, progress, error, asked) = (
            replayed.clone(),
            what_if_result.clone(),
            progress.clone(),
            error.clone(),
            asked.clone(),
        );
        let on_run = props.on_run.clone();
        use_reactor_bridge::<SimReactor, _>(move |event| {
            let ReactorEvent::Output(output) = event else {
                return;
            };
            let current = asked.borrow().0;
            match output {
                SimOutput::ReplayProgress { id, done, runs } if id == current => {
                    progress.set(Some((done, runs)))
                }
                SimOutput::Replayed {
                    id,
                    comparison,
                    relays,
                } if id == current => {
                    progress.set(None);
                    error.set(None);
                    let comparison = Rc::new(*comparison);
                    match asked.borrow_mut().1.take() {
                        Some(Asked::Files(files)) => {
                            what_if_result.set(None);
                            replayed.set(Some(Replayed {
                                comparison: comparison.clone(),
                                relays: Rc::new(relays),
                                files,
                            }));
                            // The replayed scenario is the playground's from now on.
                            on_run.emit(comparison.merged.scenario.clone());
                        }
                        Some(Asked::WhatIf(_)) => what_if_result.set(Some(comparison)),
                        None => {}
                    }
                }
                SimOutput::ReplayFailed { id, error: failure } if id == current => {
                    progress.set(None);
                    asked.borrow_mut().1 = None;
                    error.set(Some(failure));
                }
                _ => {}
            }
        })
    };
    let send = {
        let (bridge, asked, progress, runs) =
            (bridge.clone(), asked.clone(), progress.clone(), *runs);
        Rc::new(move |files: Rc<Vec<RecordingFile>>, what: Asked| {
            let scenario = match &what {
                Asked::WhatIf(scenario) => Some(scenario.clone()),
                Asked::Files(_) => None,
            };
            let id = {
                let mut asked = asked.borrow_mut();
                asked.0 += 1;
                asked.1 = Some(what);
                asked.0
            };
            progress.set(Some((0, runs)));
            bridge.send(SimRequest::Replay {
                id,
                files: (*files).clone(),
                scenario,
                seed: 1,
                runs,
            });
        })
    };
    // New files: a scenario file opens in the playground; recordings are replayed as recorded.
    let on_files = {
        let send = send.clone();
        let (on_run, opened, file_error) =
            (props.on_run.clone(), opened.clone(), file_error.clone());
        Callback::from(move |files: Vec<RecordingFile>| {
            opened.set(None);
            file_error.set(None);
            match scenario_file::sort(files) {
                Dropped::Recordings(files) => {
                    let files = Rc::new(files);
                    send(files.clone(), Asked::Files(files));
                }
                Dropped::Scenario { name, scenario } => {
                    opened.set(Some(name));
                    on_run.emit(scenario);
                }
                Dropped::Refused(refusal) => file_error.set(Some(refusal)),
            }
        })
    };
    // A scenario of the playground that fits the replay and is not the replay's own: a what if.
    {
        let send = send.clone();
        let replayed = replayed.clone();
        let what_if_result = what_if_result.clone();
        let asked = asked.clone();
        let progress = progress.clone();
        use_effect_with(
            (props.scenario.clone(), (*replayed).clone()),
            move |(scenario, replay)| {
                if let Some(replay) = replay {
                    let own = scenario == &replay.comparison.merged.scenario;
                    let shown = what_if_result
                        .as_ref()
                        .is_some_and(|result| &result.merged.scenario == scenario);
                    let pending =
                        matches!(&asked.borrow().1, Some(Asked::WhatIf(s)) if s == scenario);
                    if own {
                        what_if_result.set(None);
                        // A what if asked before the replay's own scenario came back is moot.
                        let mut asked = asked.borrow_mut();
                        if matches!(asked.1, Some(Asked::WhatIf(_))) {
                            asked.1 = None;
                            progress.set(None);
                        }
                    } else if fits(scenario, &replay.comparison) && !shown && !pending {
                        send(replay.files.clone(), Asked::WhatIf(scenario.clone()));
                    }
                }
            },
        );
    }
    let on_pick = {
        let on_files = on_files.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            if let Some(list) = input.files() {
                read_files(list, on_files.clone());
            }
            input.set_value("");
        })
    };
    let on_drop = {
        let (on_files, dragging) = (on_files.clone(), dragging.clone());
        Callback::from(move |event: DragEvent| {
            event.prevent_default();
            dragging.set(false);
            if let Some(list) = event.data_transfer().and_then(|data| data.files()) {
                read_files(list, on_files.clone());
            }
        })
    };
    let on_drag_over = {
        let dragging = dragging.clone();
        Callback::from(move |event: DragEvent| {
            event.prevent_default();
            dragging.set(true);
        })
    };
    let on_drag_leave = {
        let dragging = dragging.clone();
        Callback::from(move |_: DragEvent| dragging.set(false))
    };
    let on_runs = {
        let runs = runs.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            if let Ok(value) = input.value().parse::<u32>() {
                runs.set(value.clamp(1, MAX_REPLAY_RUNS));
            }
        })
    };
    // The knobs edit the playground's scenario when it is the replay's (or a what if of it),
    // else the replay's own.
    let base = replayed.as_ref().map(|replay| {
        if fits(&props.scenario, &replay.comparison) {
            props.scenario.clone()
        } else {
            replay.comparison.merged.scenario.clone()
        }
    });
    let knob = |edit: fn(&Scenario, &str) -> Option<Scenario>| {
        let (on_run, base) = (props.on_run.clone(), base.clone());
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            let value = if input.type_() == "checkbox" {
                input.checked().to_string()
            } else {
                input.value()
            };
            if let Some(next) = base.as_ref().and_then(|base| edit(base, &value)) {
                on_run.emit(next);
            }
        })
    };
    let on_period = knob(|base, value| Some(what_if(base, Some(value.parse().ok()?), None, None)));
    let on_lifeguard = knob(|base, value| Some(what_if(base, None, Some(value == "true"), None)));
    let on_loss = knob(|base, value| {
        let percent: f64 = value.parse().ok()?;
        Some(what_if(base, None, None, Some(percent / 100.0)))
    });
    let back_to_replay = {
        let (on_run, replayed) = (props.on_run.clone(), replayed.clone());
        Callback::from(move |_| {
            if let Some(replay) = &*replayed {
                on_run.emit(replay.comparison.merged.scenario.clone());
            }
        })
    };

    let status = match (&*progress, &*error) {
        _ if file_error.is_some() => html! {
            <p id="replay-error" class="error" role="alert">
                {file_error.as_ref().map(scenario_file::error_text).unwrap_or_default()}
                if replayed.is_some() { {" "}{t("replay.error.kept")} }
            </p>
        },
        (Some((done, runs)), _) => html! {
            <p id="replay-status" class="pending" aria-live="polite">
                {tf("replay.progress", &[("done", done), ("runs", runs)])}
            </p>
        },
        (None, Some(failure)) => html! {
            <p id="replay-error" class="error" role="alert">
                {error_text(failure)}
                if replayed.is_some() { {" "}{t("replay.error.kept")} }
            </p>
        },
        _ => html! {},
    };
    let opened_note = opened.as_ref().map(|name| {
        html! {
            <p id="replay-opened" class="done">{tf("replay.scenario.opened", &[("name", name)])}</p>
        }
    });
    let body = replayed.as_ref().map(|replay| {
        let comparison = &replay.comparison;
        let merged = &comparison.merged;
        let what_if = what_if_result.as_deref();
        let rows = view_rows(comparison, what_if, &replay.relays);
        let has_relay = !replay.relays.is_empty();
        let fit = &merged.fit;
        let latency = latency_text(&fit.latency);
        let current = base.clone().unwrap_or_else(|| merged.scenario.clone());
        let swim = match &current.protocol {
            Protocol::Cluster(cluster) => Some(cluster.node.swim),
            _ => None,
        };
        let elsewhere = !fits(&props.scenario, comparison);
        let what_if_label = what_if.map(|other| what_if_words(&merged.scenario, &other.merged.scenario));
        // The scenario on screen as a file; its link's length beside the button.
        let page_chars = web_sys::window()
            .and_then(|window| window.location().href().ok())
            .map_or(0, |href| href.split('#').next().unwrap_or_default().len());
        let link = scenario_file::link_fit(&current, page_chars);
        let link_fits = matches!(link, scenario_file::LinkFit::Fits { .. });
        let on_download = {
            let current = current.clone();
            Callback::from(move |_| {
                let text = scenario_file::file_text(&current);
                if let Err(error) = crate::download::download_text(scenario_file::FILE_NAME, "application/json", &text) {
                    web_sys::console::error_1(&error);
                }
            })
        };
        html! {
            <>
            <p id="replay-summary" class="done">{tf("replay.summary", &[
                ("peers", &merged.peers.len()),
                ("files", &replay.files.len()),
                ("runs", &comparison.runs),
                ("seed", &merged.scenario.seed),
            ])}</p>
            <p id="replay-fit" class="note">{tf("replay.fit", &[
                ("count", &fit.one_way_ms.count),
                ("p10", &number(fit.one_way_ms.p10, 2)),
                ("p50", &number(fit.one_way_ms.p50, 2)),
                ("p90", &number(fit.one_way_ms.p90, 2)),
                ("latency", &latency),
                ("received", &fit.received),
                ("sent", &fit.sent),
                ("loss", &number(fit.loss * 100.0, 2)),
            ])}</p>
            <ul id="replay-peers" class="note">
                { for merged.peers.iter().map(|peer| {
                    let ended = match peer.departure {
                        Departure::Crashed { at_ms } => tf("replay.peer.crashed", &[("at", &number(at_ms / 1_000.0, 3))]),
                        Departure::Left { at_ms } => tf("replay.peer.left", &[("at", &number(at_ms / 1_000.0, 3))]),
                        Departure::Stayed => tf("replay.peer.stayed", &[("until", &number(peer.end_ms / 1_000.0, 3))]),
                    };
                    html! { <li data-peer={peer.id.to_string()}>{tf("replay.peer", &[
                        ("node", &peer.node), ("peer", &peer.id), ("joined", &number(peer.joined_ms / 1_000.0, 3)),
                        ("ended", &ended), ("source", &peer.source),
                    ])}</li> }
                }) }
            </ul>
            { for replay.relays.iter().map(|relay| html! {
                <p class="note relay-recording">{tf("replay.relay", &[("name", &relay.name), ("room", &relay.room), ("peers", &relay.peers.len())])}
                    if relay.stopped { {" "}{t("replay.relay.stopped")} }</p>
            }) }
            if !merged.notes.is_empty() {
                <ul id="replay-notes" class="note">
                    { for merged.notes.iter().map(|note| html! { <li>{from_english(&NOTE_PATTERNS, note)}</li> }) }
                </ul>
            }
            <fieldset id="replay-what-if" class="knob-group controls">
                <legend>{t("replay.what_if")}</legend>
                if let Some(swim) = swim {
                    <label>{t("replay.knob.period")}
                        <input id="replay-period" type="number" min="10" value={swim.protocol_period.to_string()} onchange={on_period} />
                    </label>
                    <label class="check">
                        <input id="replay-lifeguard" type="checkbox" checked={swim.lifeguard} onchange={on_lifeguard} />
                        {t("replay.knob.lifeguard")}
                    </label>
                }
                <label>{t("replay.knob.loss")}
                    <input id="replay-loss" type="number" min="0" max="100" step="0.1"
                        value={number(current.network.loss * 100.0, 1).replace(',', "")} onchange={on_loss} />
                </label>
                <label>{t("replay.knob.runs")}
                    <input id="replay-runs" type="number" min="1" max={MAX_REPLAY_RUNS.to_string()} value={runs.to_string()} onchange={on_runs} />
                </label>
                <p class="note">{t("replay.what_if.note")}</p>
                if elsewhere {
                    <p id="replay-elsewhere" class="note">{t("replay.elsewhere")}{" "}
                        <button id="replay-back" type="button" onclick={back_to_replay}>{t("replay.back")}</button></p>
                }
            </fieldset>
            <p id="replay-scenario" class={classes!("note", (!link_fits).then_some("too-long"))}>
                <button id="replay-download-scenario" type="button" onclick={on_download}>{t("replay.scenario.download")}</button>
                {" "}{scenario_file::link_fit_text(link)}
            </p>
            <table id="replay-table" class="replay-table">
                <caption>{t("replay.table.caption")}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t("replay.col.figure")}</th>
                        <th scope="col">{t("replay.col.of")}</th>
                        <th scope="col">{t("replay.col.recorded")}</th>
                        <th scope="col">{t("replay.col.simulated")}</th>
                        <th scope="col">{t("replay.col.difference")}</th>
                        if let Some(label) = &what_if_label {
                            <th scope="col" class="what-if">{tf("replay.col.what_if", &[("change", label)])}</th>
                            <th scope="col" class="what-if">{t("replay.col.difference")}</th>
                        }
                        if has_relay { <th scope="col">{t("replay.col.relay")}</th> }
                    </tr>
                </thead>
                <tbody>
                    { for rows.iter().map(|row| html! {
                        <tr data-figure={row.replay.figure.clone()}>
                            <th scope="row">{t(row.figure.key())}</th>
                            <td>{subject_text(&row.subject)}</td>
                            <td class="recorded">{row.replay.recorded.map_or_else(|| t("replay.never").to_string(), |value| value_text(row.figure, value))}</td>
                            {simulated_cell(row.figure, row.replay)}
                            {difference_cell(row.figure, row.replay)}
                            if what_if_label.is_some() {
                                if let Some(other) = row.what_if {
                                    {simulated_cell(row.figure, other)}
                                    {difference_cell(row.figure, other)}
                                } else {
                                    <td /><td />
                                }
                            }
                            if has_relay {
                                <td class="relay">{row.relay.map(|value| value_text(row.figure, value)).unwrap_or_default()}</td>
                            }
                        </tr>
                    }) }
                </tbody>
            </table>
            </>
        }
    });
    html! {
        <section id="replay" class="panel replay" aria-labelledby="replay-title">
            <h2 id="replay-title">{t("replay.title")}</h2>
            <p class="note">{tf("replay.intro", &[("version", &RECORDING_VERSION)])}</p>
            <div id="replay-drop" class={classes!("drop-zone", dragging.then_some("dragging"))}
                ondragover={on_drag_over} ondragleave={on_drag_leave} ondrop={on_drop}>
                <p>{t("replay.drop")}</p>
                <label>{t("replay.pick")}{" "}
                    <input id="replay-files" type="file" multiple=true accept=".jsonl,.json,.txt,.ndjson" onchange={on_pick} />
                </label>
                <p class="note">{t("replay.scenario.drop")}</p>
            </div>
            {status}
            { for opened_note }
            { for body }
        </section>
    }
}

/// A latency model in words.
fn latency_text(latency: &Latency) -> String {
    match *latency {
        Latency::Fixed { ms } => tf("replay.latency.fixed", &[("ms", &ms)]),
        Latency::Uniform { min, max } => {
            tf("replay.latency.uniform", &[("min", &min), ("max", &max)])
        }
        Latency::Exponential { mean } => tf("replay.latency.exponential", &[("mean", &mean)]),
    }
}

/// What a "what if" changed, in words: each knob that differs from the replay's scenario.
fn what_if_words(replay: &Scenario, other: &Scenario) -> String {
    let mut changes = Vec::new();
    if let (Protocol::Cluster(a), Protocol::Cluster(b)) = (&replay.protocol, &other.protocol) {
        if a.node.swim.protocol_period != b.node.swim.protocol_period {
            changes.push(tf(
                "replay.change.period",
                &[("ms", &b.node.swim.protocol_period)],
            ));
        }
        if a.node.swim.lifeguard != b.node.swim.lifeguard {
            changes.push(
                t(if b.node.swim.lifeguard {
                    "replay.change.lifeguard_on"
                } else {
                    "replay.change.lifeguard_off"
                })
                .to_string(),
            );
        }
    }
    if replay.network.loss != other.network.loss {
        changes.push(tf(
            "replay.change.loss",
            &[("percent", &number(other.network.loss * 100.0, 1))],
        ));
    }
    if changes.is_empty() {
        t("replay.change.other").to_string()
    } else {
        crate::i18n::join(&changes)
    }
}

#[cfg(test)]
mod tests;
