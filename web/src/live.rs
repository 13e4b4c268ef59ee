//! Live mode: this tab is a gossip peer. It runs the same gossip-core [`Node`] as the native
//! peers, driven by the page's clock and the relay socket: members appear and fail, values
//! written here or anywhere in the room arrive by anti-entropy, rumor mongering or direct mail.
//! The room comes from the URL (`?room=NAME`, so a link invites others), and so do the settings:
//! `&period=MS` sets the SWIM period (1,000 ms by default; anti-entropy runs at the same period
//! and rumor mongering at a fifth of it), `&mechanisms=ae,rumor,mail` chooses what spreads
//! writes besides SWIM (default `ae,rumor`), `&lifeguard=1` runs SWIM with Lifeguard.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use gloo_timers::callback::{Interval, Timeout};
use gossip_core::membership::{MemberEvent, State};
use gossip_core::node::{Mechanism, Node, NodeConfig, NodeEvent};
use gossip_core::relay_frame::{self, Control};
use gossip_core::{NodeId, SimRng, Time, seeded_rng};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::relay_link::{self, RelayConnection, RelayEvent};

const DEFAULT_ROOM: &str = "lobby";
/// How often the page checks whether the node has something due.
const TICK_MS: u32 = 50;
const LOG_LINES: usize = 50;
const MAX_BACKOFF_MS: u32 = 5_000;

/// What the page's query string asks of the live peer.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveSettings {
    pub room: String,
    pub period: Time,
    pub anti_entropy: bool,
    pub rumor: bool,
    pub direct_mail: bool,
    pub lifeguard: bool,
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
            _ => {}
        }
    }
    settings
}

fn settings_from_url() -> LiveSettings {
    let search = web_sys::window()
        .and_then(|window| window.location().search().ok())
        .unwrap_or_default();
    parse_settings(&search)
}

fn node_config(settings: &LiveSettings) -> NodeConfig {
    let period = settings.period;
    let mut config = NodeConfig::default();
    config.swim.protocol_period = period;
    config.swim.ping_timeout = period * 3 / 10;
    config.swim.lifeguard = settings.lifeguard;
    config.anti_entropy = config.anti_entropy.filter(|_| settings.anti_entropy);
    if let Some(schedule) = config.anti_entropy.as_mut() {
        schedule.period = period;
    }
    config.rumor = config.rumor.filter(|_| settings.rumor);
    if let Some(schedule) = config.rumor.as_mut() {
        schedule.period = (period / 5).max(20);
    }
    if settings.direct_mail {
        config.direct_mail = Some(Default::default());
    }
    config
}

/// The mechanisms running, in words.
fn mechanisms_text(config: &NodeConfig) -> String {
    let mut parts = vec![format!(
        "SWIM every {} ms{}",
        config.swim.protocol_period,
        if config.swim.lifeguard {
            " with Lifeguard"
        } else {
            ""
        }
    )];
    if let Some(schedule) = &config.anti_entropy {
        parts.push(format!("anti-entropy every {} ms", schedule.period));
    }
    if let Some(schedule) = &config.rumor {
        parts.push(format!("rumor mongering every {} ms", schedule.period));
    }
    if config.direct_mail.is_some() {
        parts.push("direct mail".to_string());
    }
    parts.join(", ")
}

#[derive(Clone, Debug, PartialEq)]
enum Link {
    Connecting,
    Connected,
    Down(String),
}

/// Everything the live peer holds; shared by the socket's and the timer's callbacks.
struct LivePeer {
    room: String,
    config: NodeConfig,
    id: Option<NodeId>,
    node: Option<Node>,
    rng: SimRng,
    started: f64,
    connection: Option<RelayConnection>,
    reconnect: Option<Timeout>,
    backoff_ms: u32,
    link: Link,
    /// Peers connected to the relay in this room, besides this one.
    others: usize,
    /// How and when each key's current value arrived here.
    arrivals: BTreeMap<String, (Mechanism, Time)>,
    log: VecDeque<String>,
}

type Shared = Rc<RefCell<LivePeer>>;

impl LivePeer {
    fn now(&self) -> Time {
        (js_sys::Date::now() - self.started).max(0.0) as Time
    }

    fn note(&mut self, line: String) {
        if self.log.len() == LOG_LINES {
            self.log.pop_back();
        }
        self.log
            .push_front(format!("{:>6.1} s  {line}", self.now() as f64 / 1000.0));
    }

    /// Sends what the node produced and records what happened. Returns whether anything did.
    fn flush(&mut self) -> bool {
        let Some(node) = self.node.as_mut() else {
            return false;
        };
        let mut frames = Vec::new();
        while let Some((to, bytes)) = node.poll_transmit_bytes() {
            frames.push(relay_frame::join(to, &bytes));
        }
        let mut events = Vec::new();
        while let Some(event) = node.poll_event() {
            events.push(event);
        }
        if let Some(connection) = &self.connection {
            for frame in &frames {
                connection.send(frame);
            }
        }
        let changed = !events.is_empty();
        for event in events {
            let line = match event {
                NodeEvent::Member(member) => match member {
                    MemberEvent::Joined { id, .. } => format!("peer {id} joined"),
                    MemberEvent::Suspected { id, .. } => format!("peer {id} suspected"),
                    MemberEvent::Refuted { id, .. } => format!("peer {id} is alive again"),
                    MemberEvent::Failed { id, .. } => format!("peer {id} failed"),
                    MemberEvent::Left { id, .. } => format!("peer {id} left"),
                    #[allow(unreachable_patterns)]
                    other => format!("{other:?}"),
                },
                NodeEvent::Updated {
                    key,
                    stamp,
                    via,
                    at,
                } => {
                    self.arrivals.insert(key.clone(), (via, at));
                    format!(
                        "{key} version {} from peer {} by {}",
                        stamp.version,
                        stamp.origin,
                        mechanism_name(via)
                    )
                }
                NodeEvent::MailDropped { to, .. } => format!("direct mail to peer {to} given up"),
            };
            self.note(line);
        }
        changed
    }
}

fn mechanism_name(via: Mechanism) -> &'static str {
    match via {
        Mechanism::Local => "a local write",
        Mechanism::AntiEntropy => "anti-entropy",
        Mechanism::Rumor => "rumor mongering",
        Mechanism::DirectMail => "direct mail",
    }
}

fn on_relay_event(shared: &Shared, event: RelayEvent, rerender: &Callback<()>) {
    let reconnect_after = {
        let mut peer = shared.borrow_mut();
        let now = peer.now();
        let mut reconnect_after = None;
        match event {
            RelayEvent::Control(Control::Welcome { id, room, peers }) => {
                peer.id = Some(id);
                peer.others = peers.len();
                peer.link = Link::Connected;
                peer.backoff_ms = 250;
                if peer.node.is_none() {
                    match Node::new(id, peer.config) {
                        Ok(node) => peer.node = Some(node),
                        Err(error) => {
                            peer.link = Link::Down(format!("cannot start the node: {error}"))
                        }
                    }
                }
                let peer = &mut *peer;
                if let Some(node) = peer.node.as_mut() {
                    node.bootstrap(now, peers.iter().copied(), &mut peer.rng);
                }
                peer.note(format!("joined room {room} as peer {id}"));
            }
            RelayEvent::Control(Control::Joined { id }) => {
                peer.others += 1;
                // The relay vouches that the peer is there: list it now rather than wait for
                // its first probe (a newcomer reaches the others one period at a time).
                let peer = &mut *peer;
                if let Some(node) = peer.node.as_mut() {
                    node.bootstrap(now, [id], &mut peer.rng);
                }
            }
            RelayEvent::Control(Control::Left { .. }) => {
                peer.others = peer.others.saturating_sub(1)
            }
            RelayEvent::Frame(frame) => {
                let peer = &mut *peer;
                if let (Ok((from, payload)), Some(node)) =
                    (relay_frame::split(&frame, usize::MAX), peer.node.as_mut())
                    && let Err(error) = node.handle_bytes(now, from, payload, &mut peer.rng)
                {
                    let line = format!("dropped a malformed message from peer {from}: {error}");
                    peer.note(line);
                }
            }
            RelayEvent::Closed(reason) => {
                peer.connection = None;
                peer.link = Link::Down(reason.clone());
                peer.note(format!("relay connection {reason}; reconnecting"));
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
    let (room, id) = {
        let peer = shared.borrow();
        (peer.room.clone(), peer.id)
    };
    let on_event = {
        let (shared, rerender) = (shared.clone(), rerender.clone());
        move |event| on_relay_event(&shared, event, &rerender)
    };
    let connection = relay_link::connect(&room, id, on_event);
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
    let rerender = use_force_update();
    let shared: Rc<RefCell<LivePeer>> = use_mut_ref(|| {
        let settings = settings_from_url();
        let seed = (js_sys::Math::random() * 2f64.powi(53)) as u64;
        LivePeer {
            room: settings.room.clone(),
            config: node_config(&settings),
            id: None,
            node: None,
            rng: seeded_rng(seed),
            started: js_sys::Date::now(),
            connection: None,
            reconnect: None,
            backoff_ms: 250,
            link: Link::Connecting,
            others: 0,
            arrivals: BTreeMap::new(),
            log: VecDeque::new(),
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
                        let peer = &mut *peer;
                        if let Some(node) = peer.node.as_mut()
                            && node.poll_timeout().is_some_and(|at| at <= now)
                        {
                            node.tick(now, &mut peer.rng);
                        }
                        peer.flush()
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
                if let Some(node) = peer.node.as_mut()
                    && let Err(error) = node.put(now, key.value().trim(), value.value().as_bytes())
                {
                    peer.note(format!("cannot write: {error}"));
                }
                peer.flush();
            }
            value.set_value("");
            rerender.force_update();
        })
    };

    let peer = shared.borrow();
    let (class, status) = match (&peer.link, peer.id) {
        (Link::Connected, Some(id)) => (
            "done",
            format!(
                "Connected to the relay as peer {id} in room \"{}\" ({} other peers).",
                peer.room, peer.others
            ),
        ),
        (Link::Down(reason), _) => ("error", format!("Relay connection {reason}.")),
        _ => ("pending", "Connecting to the relay...".to_string()),
    };
    let members: Vec<(NodeId, State, u32)> = peer
        .node
        .as_ref()
        .map(|node| {
            node.membership()
                .members()
                .map(|(id, member)| (id, member.state, member.incarnation))
                .collect()
        })
        .unwrap_or_default();
    let entries: Vec<(String, String, u32, u64)> = peer
        .node
        .as_ref()
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
    html! {
        <section class="panel" aria-labelledby="relay-title">
            <h2 id="relay-title">{"Live peers (relay)"}</h2>
            <p id="relay-status" class={class}>{status}</p>
            <p class="note">{"Every tab on this page is a gossip peer. Invite others to room "}
                <a id="invite" href={format!("?room={}", peer.room)}>{peer.room.clone()}</a>
                {"; native peers join with "}<code>{format!("gossip-node peer --room {}", peer.room)}</code>{"."}</p>
            <p id="live-mechanisms" class="note">{format!("This tab runs {} (set with ?period=MS&mechanisms=ae,rumor,mail&lifeguard=1).", mechanisms_text(&peer.config))}</p>
            <form id="put-form" class="controls" onsubmit={put}>
                <label>{"Key"}<input id="put-key" ref={key_input} type="text" maxlength="64" /></label>
                <label>{"Value"}<input id="put-value" ref={value_input} type="text" maxlength="256" /></label>
                <button type="submit" disabled={peer.node.is_none()}>{"Write here"}</button>
            </form>
            <div class="live-grid">
                <div>
                    <h3>{"Members"}</h3>
                    <ul id="members">
                        if let Some(id) = peer.id { <li class="alive">{format!("peer {id} (this tab): alive")}</li> }
                        { for members.iter().map(|(id, state, incarnation)| {
                            let state = format!("{state:?}").to_lowercase();
                            html! { <li class={state.clone()}>{format!("peer {id}: {state} (incarnation {incarnation})")}</li> }
                        }) }
                    </ul>
                </div>
                <div>
                    <h3>{"Store"}</h3>
                    <table id="store">
                        <thead><tr><th>{"key"}</th><th>{"value"}</th><th>{"written by"}</th><th>{"version"}</th><th>{"arrived by"}</th><th>{"at"}</th></tr></thead>
                        <tbody>
                            { for entries.iter().map(|(key, value, origin, version)| {
                                let (via, at) = peer.arrivals.get(key).map_or(("", String::new()), |(via, at)| {
                                    (mechanism_name(*via), format!("{:.1} s", *at as f64 / 1000.0))
                                });
                                html! { <tr data-key={key.clone()}><td>{key}</td><td class="value">{value}</td><td>{format!("peer {origin}")}</td><td>{version}</td><td>{via}</td><td>{at}</td></tr> }
                            }) }
                        </tbody>
                    </table>
                </div>
            </div>
            <details>
                <summary>{"Events"}</summary>
                <ol id="live-log">{ for peer.log.iter().map(|line| html! { <li>{line}</li> }) }</ol>
            </details>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
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
