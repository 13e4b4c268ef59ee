//! Live mode: this tab is a gossip peer. It runs the same gossip-core
//! [`Node`](gossip_core::Node) as the native peers, driven by the page's clock and the relay
//! socket: members appear and fail, values written here or anywhere in the room arrive by
//! anti-entropy, rumor mongering or direct mail. This panel is the view and the wiring (socket,
//! timers, form); [`LiveNode`] drives the node.
//!
//! The room comes from the URL (`?room=NAME`, so a link invites others), and so do the settings:
//! `&period=MS` sets the SWIM period (1,000 ms by default; anti-entropy runs at the same period
//! and rumor mongering at a fifth of it), `&mechanisms=ae,rumor,mail` chooses what spreads
//! writes besides SWIM (default `ae,rumor`), `&lifeguard=1` runs SWIM with Lifeguard.
//!
//! Recording: the "Record this tab" switch (or `&record=1`, from the start) records what the
//! tab's node lives through ([`LiveNode::start_recording`]), for download and replay (the
//! playground's replay panel, or `gossip-node replay`). "Ask the relay to record the room" (or
//! `&relay_record=1`) joins with `record=true`, which the relay heeds from the peer that opens
//! the room; the room's recording downloads from `/recording?room=`.
//!
//! Inspecting: a click on this tab's own node in the graph (or the "Inspect this tab's node"
//! button) opens the playback inspector's tables ([`crate::inspector_tables`]) read from the
//! running node ([`LiveNode::snapshot`]), refreshed as it changes, or frozen at an instant. A
//! click on another peer shows what this tab knows of it: the row its member table holds, since
//! that peer's node runs elsewhere.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::{Interval, Timeout};
use gossip_core::MemberState;
use gossip_core::Stamp;
use gossip_core::{LivePeerOptions, Mechanism, NodeConfig, Receipts};
use gossip_core::{NodeId, Time};
use gossip_relay_frame::Control;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::i18n::{from_english, join, t, tf, use_lang, with_unit};
use crate::live_node::{
    Flow, LiveNode, RecordingStatus, RoomFlow, TAB_RECORDING_CAP, kept_out_text, progress,
    travel_ms,
};
use crate::relay_link::{self, RelayConnection, RelayEvent};

mod inspector;
use inspector::{Inspecting, LiveInspector};

const DEFAULT_ROOM: &str = "lobby";
/// How often the page checks whether the node has something due.
const TICK_MS: u32 = 50;
const MAX_BACKOFF_MS: u32 = 5_000;
/// At most this many of this tab's frames, and as many of the room's, are drawn moving (the
/// newest): a tab busy drawing answers pings late, which would lengthen every trip in turn.
const MAX_DOTS: usize = 48;
/// How long a frame's track stays drawn (it fades meanwhile), in ms.
const TRACK_MS: Time = 1_200;
/// How many times slower than real time frames cross the graph, to choose from; the first is
/// the default. Frames through a relay on one machine take a millisecond or two.
const SLOWDOWNS: [u32; 5] = [500, 100, 10, 1, 2_000];

/// What the page's query string asks of the live peer.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveSettings {
    pub room: String,
    pub period: Time,
    pub anti_entropy: bool,
    pub rumor: bool,
    pub direct_mail: bool,
    pub lifeguard: bool,
    /// Record this tab from the start (`&record=1`).
    pub record: bool,
    /// Ask the relay to record the room (`&relay_record=1`).
    pub relay_records: bool,
}

/// Reads `?room=..&period=..&mechanisms=..&lifeguard=..`; anything unreadable keeps its default.
pub fn parse_settings(query: &str) -> LiveSettings {
    let mut settings = LiveSettings {
        room: DEFAULT_ROOM.to_string(),
        period: 1_000,
        anti_entropy: true,
        rumor: true,
        direct_mail: false,
        lifeguard: false,
        record: false,
        relay_records: false,
    };
    for pair in query.trim_start_matches('?').split('&') {
        match pair.split_once('=') {
            Some(("room", name))
                if !name.is_empty()
                    && name.len() <= 64
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                settings.room = name.to_string()
            }
            Some(("period", ms)) => {
                settings.period = ms.parse().unwrap_or(settings.period).clamp(100, 10_000)
            }
            Some(("mechanisms", list)) => {
                let names: Vec<&str> = list.split(',').collect();
                settings.anti_entropy = names.contains(&"ae");
                settings.rumor = names.contains(&"rumor");
                settings.direct_mail = names.contains(&"mail");
            }
            Some(("lifeguard", flag)) => settings.lifeguard = flag == "1",
            Some(("record", flag)) => settings.record = flag == "1",
            Some(("relay_record", flag)) => settings.relay_records = flag == "1",
            _ => {}
        }
    }
    settings
}

/// Microseconds since the Unix epoch of a page clock reading in ms (`Date.now()`).
fn unix_us(date_ms: f64) -> u64 {
    (date_ms * 1_000.0).max(0.0) as u64
}

/// The relay this page talks to, as a recording names it: `ws://HOST`.
fn relay_address() -> String {
    relay_link::relay_url("", None, false)
        .ok()
        .and_then(|url| url.split("/ws?").next().map(str::to_string))
        .unwrap_or_default()
}

/// A recording's size in words: bytes, KB or MB.
fn size_text(bytes: u64) -> String {
    match bytes {
        0..1_000 => tf("live.record.bytes", &[("n", &bytes)]),
        1_000..1_000_000 => tf(
            "live.record.kb",
            &[("n", &format!("{:.1}", bytes as f64 / 1e3))],
        ),
        _ => tf(
            "live.record.mb",
            &[("n", &format!("{:.1}", bytes as f64 / 1e6))],
        ),
    }
}

fn settings_from_url() -> LiveSettings {
    let search = web_sys::window()
        .and_then(|window| window.location().search().ok())
        .unwrap_or_default();
    parse_settings(&search)
}

impl LiveSettings {
    /// The tab's node: SWIM and anti-entropy every `period`, rumor mongering at a fifth of it
    /// (at least every 20 ms), and receipts to the whole room, so that each tab sees when each
    /// peer learned each version.
    pub fn options(&self) -> LivePeerOptions {
        LivePeerOptions {
            protocol_period: self.period,
            anti_entropy_period: self.anti_entropy.then_some(self.period),
            rumor_period: self.rumor.then_some((self.period / 5).max(20)),
            direct_mail: self.direct_mail,
            lifeguard: self.lifeguard,
            receipts: Receipts::ToAll,
        }
    }
}

fn node_config(settings: &LiveSettings) -> NodeConfig {
    NodeConfig::live(settings.options())
}

/// The English patterns of the event log's lines (gossip-core's events, the tab's own notes),
/// said in the page's language when the log is shown.
const LOG_PATTERNS: [&str; 14] = [
    "event.joined",
    "event.suspected",
    "event.alive",
    "event.failed",
    "event.left",
    "event.updated",
    "event.mail_dropped",
    "event.learned",
    "event.receipt",
    "live.log.joined",
    "live.log.malformed",
    "live.log.cannot_write",
    "live.reconnecting",
    "live.record.capped",
];

/// The mechanisms running, in words.
fn mechanisms_text(config: &NodeConfig) -> String {
    let swim = if config.swim.lifeguard {
        "live.swim.lifeguard"
    } else {
        "live.swim"
    };
    let mut parts = vec![tf(swim, &[("ms", &config.swim.protocol_period)])];
    if let Some(schedule) = &config.anti_entropy {
        parts.push(tf("live.anti_entropy", &[("ms", &schedule.period)]));
    }
    if let Some(schedule) = &config.rumor {
        parts.push(tf("live.rumor", &[("ms", &schedule.period)]));
    }
    if config.direct_mail.is_some() {
        parts.push(t("live.direct_mail").to_string());
    }
    join(&parts)
}

#[derive(Clone, Debug, PartialEq)]
enum Link {
    Connecting,
    Connected,
    Down(String),
    /// The relay and this page speak different protocols: the page stops connecting.
    Refused(String),
}

/// The panel's state, shared by the socket's and the timer's callbacks: the relay connection
/// and the node's driver.
struct LivePeer {
    room: String,
    /// Page clock (ms) when the panel started: the node's time 0.
    started: f64,
    live: LiveNode,
    connection: Option<RelayConnection>,
    reconnect: Option<Timeout>,
    backoff_ms: u32,
    link: Link,
    /// Frames cross the graph this many times slower than real time.
    slowdown: u32,
    /// Join asking the relay to record the room.
    relay_records: bool,
}

type Shared = Rc<RefCell<LivePeer>>;

impl LivePeer {
    /// The node's clock: milliseconds since the panel started.
    fn now(&self) -> Time {
        (js_sys::Date::now() - self.started).max(0.0) as Time
    }

    /// Sends what the node produced. Returns whether the view has anything new.
    fn flush(&mut self) -> bool {
        let output = self.live.poll(self.now());
        if let Some(connection) = &self.connection {
            for frame in &output.frames {
                connection.send(frame);
            }
        }
        output.changed
    }
}

/// For the store's narrow columns.
fn short_mechanism_name(via: Mechanism) -> &'static str {
    match via {
        Mechanism::Local => t("live.via.local"),
        Mechanism::AntiEntropy => t("live.via.anti_entropy"),
        Mechanism::Rumor => t("live.via.rumor"),
        Mechanism::DirectMail => t("live.via.mail"),
    }
}

fn mechanism_name(via: Mechanism) -> &'static str {
    match via {
        Mechanism::Local => t("live.by.local"),
        Mechanism::AntiEntropy => t("live.by.anti_entropy"),
        Mechanism::Rumor => t("live.by.rumor"),
        Mechanism::DirectMail => t("live.by.mail"),
    }
}

/// Where a dot is, `fraction` of the way from `from` to `to`.
fn along((x1, y1): (f64, f64), (x2, y2): (f64, f64), fraction: f64) -> (f64, f64) {
    (x1 + (x2 - x1) * fraction, y1 + (y2 - y1) * fraction)
}

/// The room as this tab sees it: every member on a circle, coloured by its state and labelled
/// with its measured latency, and the messages that cross it. Each frame this tab sends or
/// receives is a dot moving from sender to receiver over the measured latency, slowed down
/// `slowdown` times, coloured by mechanism; a received frame starts its trip when it arrives,
/// since the tab cannot see it earlier. Its track stays as a line that fades. Messages between
/// two other peers never pass through this tab: the relay reports how many frames went between
/// which peers, drawn as grey dots (a few per report) over the estimated latency, and thin
/// grey tracks. A click on a member calls `on_select` with its id.
fn live_graph(
    live: &LiveNode,
    members: &[(NodeId, MemberState, u32)],
    flows: &[Flow],
    room_flows: &[RoomFlow],
    now: Time,
    slowdown: f64,
    on_select: &Callback<NodeId>,
) -> Html {
    const SIZE: f64 = 300.0;
    let me = live.id();
    let mut ids: Vec<(NodeId, &'static str)> = members
        .iter()
        .map(|(id, state, _)| (*id, state_name(*state)))
        .collect();
    if let Some(me) = me {
        ids.push((me, "alive"));
    }
    ids.sort();
    let centre = SIZE / 2.0;
    let radius = if ids.len() > 1 {
        SIZE / 2.0 - 50.0
    } else {
        0.0
    };
    let position = |index: usize| {
        let angle = std::f64::consts::TAU * index as f64 / ids.len().max(1) as f64
            - std::f64::consts::FRAC_PI_2;
        (centre + radius * angle.cos(), centre + radius * angle.sin())
    };
    let place = |id: NodeId| ids.iter().position(|(other, _)| *other == id).map(position);
    let mine = me.and_then(place);
    // Tracks fade in TRACK_MS (the style sheet's animation): older ones are not drawn.
    let recent = |at: Time| now.saturating_sub(at) <= TRACK_MS;
    let lines = flows.iter().filter(|flow| recent(flow.at)).filter_map(|flow| {
        let (sx, sy) = mine?;
        let (px, py) = place(flow.peer)?;
        let ((x1, y1), (x2, y2)) = if flow.outgoing {
            ((sx, sy), (px, py))
        } else {
            ((px, py), (sx, sy))
        };
        let direction = if flow.outgoing { "out" } else { "in" };
        Some(html! {
            <line key={flow.serial.to_string()} class={classes!("flow", flow.kind, direction)}
                x1={format!("{x1:.1}")} y1={format!("{y1:.1}")} x2={format!("{x2:.1}")} y2={format!("{y2:.1}")}
                marker-end="url(#flow-arrow)" />
        })
    });
    let room_lines = room_flows.iter().filter(|flow| recent(flow.at)).filter_map(|flow| {
        let ((x1, y1), (x2, y2)) = (place(flow.from)?, place(flow.to)?);
        let width = 1.0 + f64::from(flow.frames).log2().min(3.0);
        Some(html! {
            <line key={flow.serial.to_string()} class="flow room"
                x1={format!("{x1:.1}")} y1={format!("{y1:.1}")} x2={format!("{x2:.1}")} y2={format!("{y2:.1}")}
                style={format!("stroke-width: {width:.1}")} data-frames={flow.frames.to_string()}
                marker-end="url(#flow-arrow)" />
        })
    });
    let now_ms = now as f64;
    let dot = |key: String,
               class: Classes,
               from: (f64, f64),
               to: (f64, f64),
               fraction: f64,
               ends: (NodeId, NodeId)| {
        let (x, y) = along(from, to, fraction);
        html! {
            <circle key={key.clone()} data-dot={key} class={classes!("dot", class)} cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="5"
                data-from={ends.0.to_string()} data-to={ends.1.to_string()} />
        }
    };
    let mut dots: Vec<Html> = flows
        .iter()
        .rev()
        .filter_map(|flow| {
            let me = me?;
            let (ends, from, to) = if flow.outgoing {
                ((me, flow.peer), mine?, place(flow.peer)?)
            } else {
                ((flow.peer, me), place(flow.peer)?, mine?)
            };
            let fraction = progress(flow.at as f64, travel_ms(flow.latency, slowdown), now_ms)?;
            let direction = if flow.outgoing { "out" } else { "in" };
            Some(dot(
                format!("d{}", flow.serial),
                classes!(flow.kind, direction),
                from,
                to,
                fraction,
                ends,
            ))
        })
        .take(MAX_DOTS)
        .collect();
    // Oldest first, as they were sent.
    dots.reverse();
    let mut room_dots: Vec<Html> = room_flows
        .iter()
        .rev()
        .flat_map(|flow| {
            let ends = place(flow.from).zip(place(flow.to));
            let travel = travel_ms(flow.latency, slowdown);
            flow.departures()
                .enumerate()
                .filter_map(move |(index, delay)| {
                    let (from, to) = ends?;
                    let fraction = progress(flow.at as f64 + delay, travel, now_ms)?;
                    Some(dot(
                        format!("r{}-{index}", flow.serial),
                        classes!("room"),
                        from,
                        to,
                        fraction,
                        (flow.from, flow.to),
                    ))
                })
                .collect::<Vec<_>>()
        })
        .take(MAX_DOTS)
        .collect();
    room_dots.reverse();
    let nodes = ids.iter().enumerate().map(|(index, (id, state))| {
        let (x, y) = position(index);
        let this = Some(*id) == me;
        let label = if this {
            tf("live.you", &[("id", &id)])
        } else {
            id.to_string()
        };
        let measured = (!this).then(|| live.latency(*id)).flatten();
        let onclick = {
            let (on_select, id) = (on_select.clone(), *id);
            Callback::from(move |_: MouseEvent| on_select.emit(id))
        };
        // A member is a button for the keyboard too: Tab reaches it, Enter or Space inspects it.
        // Its name is its <title> (which holds the text drawn: the id and the latency).
        let onkeydown = {
            let (on_select, id) = (on_select.clone(), *id);
            Callback::from(move |event: KeyboardEvent| {
                if matches!(event.key().as_str(), "Enter" | " ") {
                    event.prevent_default();
                    on_select.emit(id);
                }
            })
        };
        html! {
            <g key={id.to_string()} class={classes!("member", *state, this.then_some("me"))} data-peer={id.to_string()}
                onclick={onclick} onkeydown={onkeydown} style="cursor: pointer"
                tabindex="0" role="button">
                <circle cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="14" />
                <text x={format!("{x:.1}")} y={format!("{:.1}", y + 30.0)} text-anchor="middle">{label}</text>
                if let Some(ms) = measured {
                    <text class="latency" x={format!("{x:.1}")} y={format!("{:.1}", y + 43.0)} text-anchor="middle">{tf("live.ms", &[("ms", &format!("{ms:.1}"))])}</text>
                }
                <title>{match measured {
                    Some(ms) => tf("live.member.latency", &[("id", &id), ("state", &state_label(state)), ("ms", &format!("{ms:.1}"))]),
                    None => tf("live.member", &[("id", &id), ("state", &state_label(state))]),
                }}</title>
            </g>
        }
    });
    html! {
        <svg id="live-graph" class="live-graph" viewBox={format!("0 0 {SIZE} {SIZE}")} role="group"
            aria-label={tf("live.graph_label", &[("count", &ids.len())])}>
            <defs>
                <marker id="flow-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                    <path d="M 0 0 L 10 5 L 0 10 z" />
                </marker>
            </defs>
            // Tracks and dots let clicks through to the members under them.
            <g class="room-flows" style="pointer-events: none">{ for room_lines }</g>
            <g class="flows" style="pointer-events: none">{ for lines }</g>
            { for nodes }
            <g class="dots" style="pointer-events: none">{ for room_dots }{ for dots }</g>
        </svg>
    }
}

/// A member state's class name (`alive`) in the page's language.
fn state_label(class: &str) -> &'static str {
    match class {
        "suspect" => t("live.state.suspect"),
        "dead" => t("live.state.dead"),
        "left" => t("live.state.left"),
        _ => t("live.state.alive"),
    }
}

fn state_name(state: MemberState) -> &'static str {
    match state {
        MemberState::Alive => "alive",
        MemberState::Suspect => "suspect",
        MemberState::Dead => "dead",
        MemberState::Left => "left",
    }
}

fn on_relay_event(shared: &Shared, event: RelayEvent, rerender: &Callback<()>) {
    let reconnect_after = {
        let mut peer = shared.borrow_mut();
        let now = peer.now();
        let mut reconnect_after = None;
        match event {
            RelayEvent::Control(control) => {
                let welcome = matches!(control, Control::Welcome { .. });
                if welcome {
                    peer.link = Link::Connected;
                    peer.backoff_ms = 250;
                }
                if let Err(error) = peer.live.control(now, control) {
                    peer.link = Link::Down(tf(
                        "live.cannot_start",
                        &[("error", &crate::error_text::sim(&error.into()))],
                    ));
                }
                if let Some(reason) = peer.live.refused() {
                    // Another protocol: talking on would only be misread. Dropping the
                    // connection closes it without a close event, so nothing reconnects.
                    peer.link = Link::Refused(reason.to_string());
                    peer.connection = None;
                }
            }
            RelayEvent::Frame(frame) => {
                peer.live.receive(now, &frame);
            }
            RelayEvent::Closed(_) if peer.live.refused().is_some() => {
                peer.connection = None;
            }
            RelayEvent::Closed(reason) => {
                peer.connection = None;
                peer.link = Link::Down(reason.clone());
                peer.live.relay_lost(now);
                peer.live
                    .note(now, tf("live.reconnecting", &[("reason", &reason)]));
                reconnect_after = Some(peer.backoff_ms);
                peer.backoff_ms = (peer.backoff_ms * 2).min(MAX_BACKOFF_MS);
            }
        }
        peer.flush();
        reconnect_after
    };
    if let Some(delay) = reconnect_after {
        let (shared_again, rerender_again) = (shared.clone(), rerender.clone());
        let timeout = Timeout::new(delay, move || connect(&shared_again, &rerender_again));
        shared.borrow_mut().reconnect = Some(timeout);
    }
    rerender.emit(());
}

/// Opens the socket (again, after a loss: asking for the same id).
fn connect(shared: &Shared, rerender: &Callback<()>) {
    let (room, id, record) = {
        let peer = shared.borrow();
        (peer.room.clone(), peer.live.id(), peer.relay_records)
    };
    let on_event = {
        let (shared, rerender) = (shared.clone(), rerender.clone());
        move |event| on_relay_event(&shared, event, &rerender)
    };
    let connection = relay_link::connect(&room, id, record, on_event);
    let mut peer = shared.borrow_mut();
    match connection {
        Ok(connection) => {
            peer.connection = Some(connection);
            peer.link = Link::Connecting;
        }
        Err(error) => peer.link = Link::Down(error),
    }
}

#[component]
pub fn LivePanel() -> Html {
    let _lang = use_lang();
    let rerender = use_force_update();
    let shared: Rc<RefCell<LivePeer>> = use_mut_ref(|| {
        let settings = settings_from_url();
        let seed = (js_sys::Math::random() * 2f64.powi(53)) as u64;
        let started = js_sys::Date::now();
        let mut live = LiveNode::new(node_config(&settings), seed);
        // Recorded times in microseconds from the page's fine clock, counted from now.
        if let Some(performance) = web_sys::window().and_then(|window| window.performance()) {
            let origin = performance.now();
            live.set_clock_us(Box::new(move || {
                ((performance.now() - origin) * 1_000.0).max(0.0) as u64
            }));
        }
        if settings.record {
            live.start_recording(
                0,
                unix_us(started),
                &relay_address(),
                &settings.room,
                TAB_RECORDING_CAP,
            );
        }
        LivePeer {
            room: settings.room.clone(),
            started,
            live,
            connection: None,
            reconnect: None,
            backoff_ms: 250,
            link: Link::Connecting,
            slowdown: SLOWDOWNS[0],
            relay_records: settings.relay_records,
        }
    });
    {
        let shared = shared.clone();
        let rerender = rerender.clone();
        use_effect_with((), move |_| {
            let on_change = Callback::from(move |()| rerender.force_update());
            connect(&shared, &on_change);
            let ticking = {
                let (shared, on_change) = (shared.clone(), on_change.clone());
                Interval::new(TICK_MS, move || {
                    let changed = {
                        let mut peer = shared.borrow_mut();
                        let now = peer.now();
                        peer.live.tick(now);
                        // Moving dots are redrawn at every tick.
                        peer.flush() || peer.live.moving(now, f64::from(peer.slowdown))
                    };
                    if changed {
                        on_change.emit(());
                    }
                })
            };
            move || {
                drop(ticking);
                let mut peer = shared.borrow_mut();
                peer.reconnect = None;
                peer.connection = None;
            }
        });
    }
    let key_input = use_node_ref();
    let value_input = use_node_ref();
    // The member being inspected, if any.
    let inspecting = use_state(|| None::<Inspecting>);
    let on_select = {
        let (shared, inspecting) = (shared.clone(), inspecting.clone());
        Callback::from(move |id: NodeId| {
            let me = shared.borrow().live.id();
            inspecting.set(Some(Inspecting::clicked(id, me)));
        })
    };
    let on_inspect_me = {
        let inspecting = inspecting.clone();
        Callback::from(move |_: MouseEvent| inspecting.set(Some(Inspecting::Own)))
    };
    let on_inspect_close = {
        let inspecting = inspecting.clone();
        Callback::from(move |()| inspecting.set(None))
    };
    let put = {
        let (shared, rerender) = (shared.clone(), rerender.clone());
        let (key_input, value_input) = (key_input.clone(), value_input.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let (Some(key), Some(value)) = (
                key_input.cast::<HtmlInputElement>(),
                value_input.cast::<HtmlInputElement>(),
            ) else {
                return;
            };
            if key.value().trim().is_empty() {
                return;
            }
            {
                let mut peer = shared.borrow_mut();
                let now = peer.now();
                // A refused write is noted in the log.
                peer.live
                    .put(now, key.value().trim(), value.value().as_bytes());
                peer.flush();
            }
            value.set_value("");
            rerender.force_update();
        })
    };

    let on_slowdown = {
        let (shared, rerender) = (shared.clone(), rerender.clone());
        Callback::from(move |event: Event| {
            let value = event
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            if let Ok(slowdown) = value.parse() {
                shared.borrow_mut().slowdown = slowdown;
                rerender.force_update();
            }
        })
    };
    // Recording: this tab's, switched on and off, downloaded; and the relay's of the room.
    let on_record = {
        let (shared, rerender) = (shared.clone(), rerender.clone());
        Callback::from(move |event: Event| {
            let on = event.target_unchecked_into::<HtmlInputElement>().checked();
            {
                let mut peer = shared.borrow_mut();
                let now = peer.now();
                if on {
                    let (started, room) = (peer.started, peer.room.clone());
                    peer.live.start_recording(
                        now,
                        unix_us(started),
                        &relay_address(),
                        &room,
                        TAB_RECORDING_CAP,
                    );
                } else {
                    peer.live.stop_recording(now);
                }
            }
            rerender.force_update();
        })
    };
    let on_download = {
        let shared = shared.clone();
        Callback::from(move |_| {
            let peer = shared.borrow();
            if let Some(text) = peer.live.recording_text() {
                let id = peer.live.id().map(|id| id.to_string()).unwrap_or_default();
                let name = format!("gossiplab-{}-peer{id}.jsonl", peer.room);
                let text = String::from_utf8_lossy(text);
                let _ = crate::download::download_text(&name, "application/x-ndjson", &text);
            }
        })
    };
    let on_relay_record = {
        let (shared, rerender) = (shared.clone(), rerender.clone());
        Callback::from(move |event: Event| {
            let on = event.target_unchecked_into::<HtmlInputElement>().checked();
            let changed = {
                let mut peer = shared.borrow_mut();
                let changed = peer.relay_records != on;
                peer.relay_records = on;
                changed
            };
            // Asked when joining: join again (under the same id). The relay heeds it only from
            // the peer that opens the room.
            if changed && on {
                shared.borrow_mut().connection = None;
                let on_change = {
                    let rerender = rerender.clone();
                    Callback::from(move |()| rerender.force_update())
                };
                connect(&shared, &on_change);
            }
            rerender.force_update();
        })
    };
    let peer = shared.borrow();
    let live = &peer.live;
    let recording = live.recording_status();
    let recording_text = match &recording {
        RecordingStatus::Off => t("live.record.off").to_string(),
        RecordingStatus::Recording { bytes } => tf(
            "live.record.on",
            &[
                ("size", &size_text(*bytes)),
                ("cap", &size_text(TAB_RECORDING_CAP)),
            ],
        ),
        RecordingStatus::Capped { bytes, .. } => {
            tf("live.record.stopped", &[("size", &size_text(*bytes))])
        }
        RecordingStatus::Ended { bytes } => {
            tf("live.record.ended", &[("size", &size_text(*bytes))])
        }
    };
    let recording_on = matches!(
        recording,
        RecordingStatus::Recording { .. } | RecordingStatus::Capped { .. }
    );
    let (class, status) = match (&peer.link, live.id()) {
        (Link::Connected, Some(id)) => (
            "done",
            tf(
                "live.connected",
                &[
                    ("id", &id),
                    ("room", &peer.room),
                    ("others", &live.others()),
                ],
            ),
        ),
        (Link::Down(reason), _) => ("error", tf("live.down", &[("reason", reason)])),
        (Link::Refused(reason), _) => ("error", live.refused().unwrap_or_else(|| reason.clone())),
        _ => ("pending", t("live.connecting").to_string()),
    };
    let members: Vec<(NodeId, MemberState, u32)> = live
        .node()
        .map(|node| {
            node.membership()
                .members()
                .map(|(id, member)| (id, member.state, member.incarnation))
                .collect()
        })
        .unwrap_or_default();
    let entries: Vec<(String, String, u32, u64)> = live
        .node()
        .map(|node| {
            node.store()
                .entries()
                .map(|(key, entry)| {
                    (
                        key.to_string(),
                        String::from_utf8_lossy(&entry.value).into_owned(),
                        entry.stamp.origin,
                        entry.stamp.version,
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let now = peer.now();
    let flows: Vec<Flow> = live.flows(now).cloned().collect();
    let room_flows: Vec<RoomFlow> = live.room_flows(now).cloned().collect();
    html! {
        <section class="panel" aria-labelledby="relay-title">
            <h2 id="relay-title">{t("live.title")}</h2>
            <p id="relay-status" class={class}>{status}</p>
            if !live.kept_out().is_empty() {
                <ul id="kept-out" class="error">
                    { for live.kept_out().iter().map(|&(id, protocol)| html! { <li>{kept_out_text(id, protocol)}</li> }) }
                </ul>
            }
            <p class="note">{t("live.invite")}{" "}
                <a id="invite" href={format!("?room={}", peer.room)}>{peer.room.clone()}</a>
                {t("live.native")}{" "}<code>{format!("gossip-node peer --room {}", peer.room)}</code>{t("live.sentence_end")}</p>
            <p id="live-mechanisms" class="note">{tf("live.mechanisms", &[("mechanisms", &mechanisms_text(live.config()))])}</p>
            <fieldset id="live-recording" class="controls recording">
                <legend>{t("live.record.title")}</legend>
                <label class="check">
                    <input id="live-record" type="checkbox" checked={recording_on} onchange={on_record} />
                    {t("live.record.switch")}
                </label>
                <button id="live-download" type="button" onclick={on_download}
                    disabled={matches!(recording, RecordingStatus::Off)}>{t("live.record.download")}</button>
                <p id="live-record-status" class={classes!("note", matches!(recording, RecordingStatus::Capped { .. }).then_some("error"))}
                    aria-live="polite">{recording_text}
                    if recording_on { {" "}{t("live.record.download_note")} }</p>
                <label class="check">
                    <input id="live-relay-record" type="checkbox" checked={peer.relay_records} onchange={on_relay_record} />
                    {t("live.record.relay")}
                </label>
                <p class="note">{t("live.record.relay_note")}{" "}<code lang="en">{"&relay_record=1"}</code>{" "}
                    <a id="live-room-recording" href={format!("/recording?room={}", peer.room)}
                        download={format!("gossiplab-{}-relay.jsonl", peer.room)}>{t("live.record.relay_download")}</a></p>
            </fieldset>
            <form id="put-form" class="controls" onsubmit={put}>
                <label>{t("cluster.key")}<input id="put-key" ref={key_input} type="text" maxlength="64" /></label>
                <label>{t("cluster.value")}<input id="put-value" ref={value_input} type="text" maxlength="256" /></label>
                <button type="submit" disabled={live.node().is_none()}>{t("live.write")}</button>
            </form>
            <div class="live-grid">
                <div>
                    <h3>{t("live.members")}</h3>
                    { live_graph(live, &members, &flows, &room_flows, now, f64::from(peer.slowdown), &on_select) }
                    <p class="note">
                        <button id="live-inspect-me" type="button" onclick={on_inspect_me}
                            disabled={live.node().is_none()}>{t("live.inspect.open")}</button>
                        {" "}{t("live.inspect.hint")}
                    </p>
                    <label class="slowdown note">{t("live.slowdown")}{" "}
                        <select id="live-slowdown" onchange={on_slowdown}>
                            { for SLOWDOWNS.iter().map(|&s| html! {
                                <option value={s.to_string()} selected={s == peer.slowdown}>
                                    {if s == 1 { t("live.slowdown.real").to_string() } else { tf("live.slowdown.factor", &[("factor", &s)]) }}
                                </option>
                            }) }
                        </select>
                    </label>
                    <p class="legend note">
                        <span class="key flow-swim">{"SWIM"}</span>
                        <span class="key flow-anti-entropy">{t("live.flow.anti_entropy")}</span>
                        <span class="key flow-rumor">{t("live.flow.rumor")}</span>
                        <span class="key flow-mail">{t("live.flow.mail")}</span>
                        <span class="key flow-receipt">{t("live.flow.receipt")}</span>
                        <span class="key flow-room">{t("live.flow.room")}</span>
                        {" "}{t("live.flow.legend")}
                    </p>
                    <ul id="members">
                        if let Some(id) = live.id() { <li class="alive">{tf("live.member.me", &[("id", &id)])}</li> }
                        { for members.iter().map(|(id, state, incarnation)| {
                            let state = format!("{state:?}").to_lowercase();
                            let latency = live.latency(*id).map(|ms| tf("live.latency", &[("ms", &format!("{ms:.1}"))])).unwrap_or_default();
                            html! { <li class={state.clone()}>{tf("live.member.incarnation", &[("id", &id), ("state", &state_label(&state)), ("incarnation", &incarnation)])}{latency}</li> }
                        }) }
                    </ul>
                </div>
                <div>
                    <h3>{t("live.store")}</h3>
                    <p class="note">{t("live.store.note")}</p>
                    <table id="store">
                        <thead><tr><th>{t("cluster.col.key")}</th><th>{t("live.col.value")}</th><th>{t("live.col.writer")}</th><th>{t("live.col.version")}</th><th>{t("live.col.arrived_by")}</th><th>{t("cluster.col.at")}</th><th>{t("live.col.others")}</th></tr></thead>
                        <tbody>
                            { for entries.iter().map(|(key, value, origin, version)| {
                                let (via, at) = live.arrival(key).map_or(("", String::new()), |(via, at)| {
                                    (short_mechanism_name(via), with_unit(format!("{:.1}", at as f64 / 1000.0), "seconds"))
                                });
                                let stamp = Stamp { version: *version, origin: *origin };
                                let mut holders = live.holders(stamp).to_vec();
                                holders.sort_by_key(|(_, _, at)| *at);
                                let holders = holders.iter().map(|(by, via, at)| html! {
                                    <span class="holder">{tf("live.holder", &[("id", &by), ("via", &short_mechanism_name(*via)), ("at", &with_unit(format!("{:.1}", *at as f64 / 1000.0), "seconds"))])}</span>
                                });
                                html! { <tr data-key={key.clone()}><td>{key}</td><td class="value">{value}</td><td>{tf("live.peer", &[("id", &origin)])}</td><td>{version}</td><td>{via}</td><td>{at}</td><td class="holders">{ for holders }</td></tr> }
                            }) }
                        </tbody>
                    </table>
                    <h3>{t("live.writes")}</h3>
                    <p class="note">{t("live.writes.note")}</p>
                    <table id="live-writes">
                        <thead><tr><th>{t("cluster.col.key")}</th><th>{t("live.col.version")}</th><th>{t("live.col.have_it")}</th><th>{t("live.col.learned_by")}</th></tr></thead>
                        <tbody>
                            { for live.writes().map(|write| {
                                let mut learned = write.learned_by.clone();
                                learned.sort_by_key(|(_, _, after)| *after);
                                let others = members.iter().filter(|(_, state, _)| state.is_live()).count();
                                html! {
                                    <tr data-key={write.key.clone()} data-version={write.stamp.version.to_string()}>
                                        <td>{&write.key}</td>
                                        <td>{write.stamp.version}</td>
                                        <td class="count">{tf("live.count", &[("count", &learned.len()), ("others", &others)])}</td>
                                        <td class="learned">{ for learned.iter().map(|(by, via, after)| html! {
                                            <span class="receipt" data-peer={by.to_string()}>{tf("live.receipt", &[("id", &by), ("ms", &after), ("by", &mechanism_name(*via))])}</span>
                                        }) }</td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                </div>
            </div>
            if let Some(target) = *inspecting {
                <LiveInspector target={target} snapshot={live.snapshot(now)} on_close={on_inspect_close} />
            }
            <details>
                <summary>{t("live.events")}</summary>
                <ol id="live-log">{ for live.log().map(|line| html! { <li>{format!("{:>6.1} s  {}", line.at as f64 / 1000.0, from_english(&LOG_PATTERNS, &line.text))}</li> }) }</ol>
            </details>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn the_event_log_is_said_in_chinese() {
        use crate::i18n::{Lang, set_current};
        set_current(Lang::ZhCn);
        let lines = [
            from_english(&LOG_PATTERNS, "member 3 is alive (incarnation 2)"),
            from_english(
                &LOG_PATTERNS,
                "peer 4 has colour version 1 (via Rumor), 120 ms after the write",
            ),
            from_english(&LOG_PATTERNS, "something gossip-core may add later"),
        ];
        set_current(Lang::En);
        assert_eq!(
            lines,
            [
                "成员 3 存活（版本号 2）",
                "节点 4 持有 colour 的版本 1（经由 谣言传播），写入后 120 毫秒",
                "something gossip-core may add later"
            ]
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_query_string_chooses_room_period_and_mechanisms() {
        let defaults = parse_settings("");
        assert_eq!(defaults.room, DEFAULT_ROOM);
        let config = node_config(&defaults);
        assert!(config.anti_entropy.is_some() && config.rumor.is_some());
        assert!(config.direct_mail.is_none() && !config.swim.lifeguard);

        let settings = parse_settings("?room=lab-2&period=500&mechanisms=mail,ae&lifeguard=1");
        assert_eq!((settings.room.as_str(), settings.period), ("lab-2", 500));
        let config = node_config(&settings);
        assert_eq!(config.anti_entropy.map(|s| s.period), Some(500));
        assert!(config.rumor.is_none() && config.direct_mail.is_some());
        assert!(config.swim.lifeguard);
        assert_eq!(
            mechanisms_text(&config),
            "SWIM every 500 ms with Lifeguard, anti-entropy every 500 ms, direct mail"
        );
        // Bad values keep the defaults.
        let odd = parse_settings("?room=no%20spaces&period=fast");
        assert_eq!((odd.room.as_str(), odd.period), (DEFAULT_ROOM, 1_000));
    }
}
