//! The live tab's driver: the gossip-core [`Node`] this tab runs, fed the relay's frames and the
//! page's clock, and what the view shows of it. Nothing here touches the browser or Yew: the
//! panel ([`crate::live`]) owns the socket and the timers, hands every relay message, tick and
//! write here with the time, sends the frames [`LiveNode::poll`] gives back, and draws the
//! state this keeps (members and store through [`LiveNode::node`], the writes and who has them,
//! the messages crossing, the event log).
//!
//! Times are the tab's clock: milliseconds since the panel started, as the node counts them.
//!
//! Latency: this tab times each of its SWIM pings to the ack from the same peer and keeps half
//! the round trip, smoothed, as that peer's one-way latency ([`LiveNode::latency`]); frames
//! between two other peers take the mean of this tab's latencies to the two, an estimate that is
//! exact when every peer's link to the relay is alike. The view moves each frame from sender to
//! receiver over its latency slowed down ([`travel_ms`]), since frames through a relay on one
//! machine cross in a millisecond or two.
//!
//! Recording: switched on, the tab writes what its node lives through with gossip-sim's
//! [`Recorder`] into memory, in the format `gossip-node peer --record` writes (the relay's
//! welcome and the peers connecting and leaving, every message sent and received with its
//! summary and, for an ack of its own ping, the round trip; its writes and events), at most
//! [`TAB_RECORDING_CAP`] bytes (then it stops and says so). The page downloads it
//! ([`LiveNode::recording_text`]) and replays it beside other peers' recordings.
//!
//! Inspection: [`LiveNode::snapshot`] copies the node's member table, store, hot rumors and
//! mail queue out ([`Node::inspect`]) into the view-model the playback's inspector uses, with
//! how each stored version arrived: gossip-sim's [`StoreWatch`], fed as the event engine feeds
//! it. The node reports a new version with its mechanism but not its sender, so what the node
//! gives back while handling a frame is taken out at once, under that frame's sender, and kept
//! for the next [`LiveNode::poll`].

use std::collections::{BTreeMap, VecDeque};

use gossip_core::ConfigError;
use gossip_core::Stamp;
use gossip_core::wire;
use gossip_core::{Mechanism, Message, Node, NodeConfig, NodeEvent, SwimMessage};
use gossip_core::{NodeId, SimRng, Time, seeded_rng};
use gossip_relay_frame::{self as relay_frame, Control, PROTOCOL_VERSION};
use gossip_sim::events::{NodeStatus, StoreWatch};
use gossip_sim::inspect::NodeSnapshot;
use gossip_sim::recording::{RecordBody, Recorder, Start};

use crate::i18n::tf;

/// Lines of the event log kept (the newest).
pub const LOG_LINES: usize = 50;
/// How long a message stays drawn on the graph: its dot's longest trip ([`MAX_TRAVEL_MS`]) after
/// the latest start of a dot of the room's traffic, and a little to fade.
pub const FLOW_MS: Time = 3_000;
/// At most this many messages of each kind (this tab's, the room's) kept for drawing.
pub const MAX_FLOWS: usize = 400;
/// The shortest trip of a dot on screen, in ms (also that of a frame of unknown latency).
pub const MIN_TRAVEL_MS: f64 = 150.0;
/// The longest trip of a dot on screen, in ms.
pub const MAX_TRAVEL_MS: f64 = 2_500.0;
/// Dots drawn at most for one (sender, receiver) count of the relay's report.
pub const MAX_DOTS_PER_FLOW: u32 = 4;
/// How much a new round-trip sample weighs in a peer's smoothed latency.
const LATENCY_WEIGHT: f64 = 0.25;
/// This tab's pings awaiting their ack, kept for timing (the oldest are forgotten).
const PENDING_PINGS: usize = 64;

/// How long a frame of one-way `latency` ms takes to cross the graph when dots move `slowdown`
/// times slower than real time, in ms: within [`MIN_TRAVEL_MS`] and [`MAX_TRAVEL_MS`], the
/// shortest for an unknown latency.
pub fn travel_ms(latency: Option<f64>, slowdown: f64) -> f64 {
    latency.map_or(MIN_TRAVEL_MS, |ms| {
        (ms * slowdown).clamp(MIN_TRAVEL_MS, MAX_TRAVEL_MS)
    })
}

/// How far a dot that leaves at `leaves` and takes `travel` ms has gone at `now`: 0 at its
/// sender, 1 at its receiver; None before it leaves and once it has arrived.
pub fn progress(leaves: f64, travel: f64, now: f64) -> Option<f64> {
    let fraction = (now - leaves) / travel.max(1.0);
    (0.0..1.0).contains(&fraction).then_some(fraction)
}
/// The size at which a tab's recording stops: 16 MiB, held in the tab's memory until downloaded
/// (about 100,000 messages; a room of five tabs at a 1 s period records about 40 a second).
pub const TAB_RECORDING_CAP: u64 = 16 << 20;

/// Where this tab's recording stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordingStatus {
    /// Never switched on.
    Off,
    /// Recording: this many bytes so far.
    Recording { bytes: u64 },
    /// Stopped at its size cap (`cap` bytes): the recording says so in its last line.
    Capped { bytes: u64, cap: u64 },
    /// Switched off: ended with an end line, ready to download.
    Ended { bytes: u64 },
}

/// A clock in microseconds since the tab's time 0, finer than the node's milliseconds.
pub type MicrosecondClock = Box<dyn Fn() -> u64>;

/// This tab's writes listed with who has them (the newest).
pub const TRACKED_WRITES: usize = 10;
/// Versions of other peers' writes whose receipts a tab keeps (the oldest go first).
pub const HEARD_VERSIONS: usize = 256;

/// A message this tab sent or received, drawn on the graph for [`FLOW_MS`].
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    /// Unique among flows: the graph's key for the line.
    pub serial: u64,
    /// The other end.
    pub peer: NodeId,
    /// Sent by this tab (else received).
    pub outgoing: bool,
    /// The message's kind ([`Message::kind`](gossip_core::Message::kind)).
    pub kind: &'static str,
    /// When it crossed.
    pub at: Time,
    /// The measured one-way latency to the other end then, in ms, if known.
    pub latency: Option<f64>,
}

/// Frames between two other peers of the room, as the relay reported them; drawn for
/// [`FLOW_MS`] like the tab's own messages, without their kind (the relay does not read frames).
#[derive(Clone, Debug, PartialEq)]
pub struct RoomFlow {
    /// Unique among flows: the graph's key for the line.
    pub serial: u64,
    /// The sender.
    pub from: NodeId,
    /// The receiver.
    pub to: NodeId,
    /// Frames counted over the relay's report interval.
    pub frames: u32,
    /// When the report arrived.
    pub at: Time,
    /// The estimated one-way latency from sender to receiver, in ms, if any latency is known:
    /// the mean of this tab's latencies to the two (to the one known, else to all).
    pub latency: Option<f64>,
}

impl RoomFlow {
    /// When each of its dots leaves, in ms after the report: the frames were counted over the
    /// relay's last [`TRAFFIC_EVERY_MS`](gossip_relay_frame::TRAFFIC_EVERY_MS), so at most
    /// [`MAX_DOTS_PER_FLOW`] dots are spread over that much time.
    pub fn departures(&self) -> impl Iterator<Item = f64> {
        let dots = self.frames.clamp(1, MAX_DOTS_PER_FLOW);
        let gap = gossip_relay_frame::TRAFFIC_EVERY_MS as f64 / f64::from(dots);
        (0..dots).map(move |dot| f64::from(dot) * gap)
    }
}

/// A write made in this tab, and the receipts that came back for it.
#[derive(Clone, Debug, PartialEq)]
pub struct TrackedWrite {
    /// The key written.
    pub key: String,
    /// The version written.
    pub stamp: Stamp,
    /// (peer, mechanism that brought the version there, ms from the write to its receipt), in
    /// the order the receipts came, one per peer.
    pub learned_by: Vec<(NodeId, Mechanism, Time)>,
}

/// One line of the event log.
#[derive(Clone, Debug, PartialEq)]
pub struct LogLine {
    /// When it happened.
    pub at: Time,
    /// What happened: a [`NodeEvent`] as its `Display` says it, or a note of the driver's.
    pub text: String,
}

/// What the node produced since the last [`LiveNode::poll`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Output {
    /// Relay frames (`[to][message]`) to send, in order.
    pub frames: Vec<Vec<u8>>,
    /// Whether anything the view shows changed: a message went out, or the node reported
    /// something.
    pub changed: bool,
}

/// The live tab's node and what the view shows of it.
pub struct LiveNode {
    config: NodeConfig,
    /// The id the relay gave this tab; asked for again after a lost connection.
    id: Option<NodeId>,
    /// None until the relay's welcome names this tab.
    node: Option<Node>,
    rng: SimRng,
    /// Peers connected to the relay in this room, besides this one.
    others: usize,
    /// Newest first.
    writes: VecDeque<TrackedWrite>,
    /// Receipts about other peers' writes: for each version, who has it, brought by what, and
    /// when the receipt arrived here.
    heard: BTreeMap<Stamp, Vec<(NodeId, Mechanism, Time)>>,
    flows: VecDeque<Flow>,
    room_flows: VecDeque<RoomFlow>,
    flow_serial: u64,
    /// This tab's SWIM pings awaiting their ack: (peer, sequence number, when sent).
    pending_pings: VecDeque<(NodeId, u32, Time)>,
    /// Each peer's one-way latency in ms: half the round trip from a ping to its ack, smoothed.
    latencies: BTreeMap<NodeId, f64>,
    /// Newest first.
    log: VecDeque<LogLine>,
    /// Why this tab and the relay cannot talk (their protocol versions differ), once known: the
    /// page stops connecting and says it.
    refused: Option<(u8, u8)>,
    /// Peers of another protocol the relay kept out of the room: (the id each asked for, its
    /// protocol), in the order they came, each once.
    kept_out: Vec<(Option<NodeId>, u8)>,
    /// The seed of the node's generator (a recording names it).
    seed: u64,
    /// The recording under way, if switched on.
    recorder: Option<Recorder<Vec<u8>>>,
    /// The last recording switched off (ended), kept for download.
    ended: Option<Vec<u8>>,
    /// The cap the recording stopped at, once it did.
    capped: Option<u64>,
    /// Where recorded times come from; the node's milliseconds when unset.
    clock_us: Option<MicrosecondClock>,
    /// The cap of the recording under way.
    cap_bytes: u64,
    /// How each version stored here arrived (from the node's start).
    watch: Option<StoreWatch>,
    /// Messages the node gave back while handling a frame, to send at the next poll.
    pending_sent: Vec<(NodeId, Message)>,
    /// Events the node reported while handling a frame, for the next poll.
    pending_events: Vec<NodeEvent>,
}

/// What the page says, in its language, when it and the relay speak different protocols.
pub fn wrong_protocol_text(relay: u8, page: u8) -> String {
    let key = if page < relay {
        "live.protocol.newer_relay"
    } else {
        "live.protocol.older_relay"
    };
    tf(key, &[("page", &page), ("relay", &relay)])
}

/// What the page says, in its language, of a peer of another protocol that the relay kept out
/// of the room.
pub fn kept_out_text(id: Option<NodeId>, protocol: u8) -> String {
    let args: [(&str, &dyn std::fmt::Display); 3] = [
        ("id", &id.unwrap_or_default()),
        ("protocol", &protocol),
        ("page", &PROTOCOL_VERSION),
    ];
    match id {
        Some(_) => tf("live.kept_out.peer", &args),
        None => tf("live.kept_out.someone", &args),
    }
}

impl LiveNode {
    /// A driver that starts its node with `config` once the relay names it; `seed` seeds the
    /// node's generator.
    pub fn new(config: NodeConfig, seed: u64) -> Self {
        LiveNode {
            config,
            id: None,
            node: None,
            rng: seeded_rng(seed),
            others: 0,
            writes: VecDeque::new(),
            heard: BTreeMap::new(),
            flows: VecDeque::new(),
            room_flows: VecDeque::new(),
            flow_serial: 0,
            pending_pings: VecDeque::new(),
            latencies: BTreeMap::new(),
            log: VecDeque::new(),
            refused: None,
            kept_out: Vec::new(),
            seed,
            recorder: None,
            ended: None,
            capped: None,
            clock_us: None,
            cap_bytes: TAB_RECORDING_CAP,
            watch: None,
            pending_sent: Vec::new(),
            pending_events: Vec::new(),
        }
    }

    /// This tab's node as the inspector shows it at `now` (see the module documentation);
    /// None before the relay's welcome has started it.
    pub fn snapshot(&self, now: Time) -> Option<NodeSnapshot> {
        let node = self.node.as_ref()?;
        let inspection = node.inspect();
        let status = if inspection.has_left {
            NodeStatus::Departed
        } else {
            NodeStatus::Live
        };
        Some(NodeSnapshot {
            node: inspection.me,
            at: now,
            status,
            inspection,
            provenance: self
                .watch
                .as_ref()
                .map(StoreWatch::provenance)
                .unwrap_or_default(),
        })
    }

    /// Takes what the node has given back (messages and events) into the pending lists,
    /// telling the store watch: handling a frame, between [`StoreWatch::arrived`] and
    /// [`StoreWatch::settled`], or on the node's own timer.
    fn take_output(&mut self) {
        let (Some(node), Some(me)) = (self.node.as_mut(), self.id) else {
            return;
        };
        while let Some((to, message)) = node.poll_transmit() {
            if let Some(watch) = self.watch.as_mut() {
                watch.sent(me, to, &message);
            }
            self.pending_sent.push((to, message));
        }
        while let Some(event) = node.poll_event() {
            if let (
                Some(watch),
                NodeEvent::Updated {
                    key,
                    stamp,
                    via,
                    at,
                    ..
                },
            ) = (self.watch.as_mut(), &event)
            {
                watch.updated(me, key, *stamp, *via, *at);
            }
            self.pending_events.push(event);
        }
    }

    /// Records times from `clock` (microseconds since the tab's time 0) rather than from the
    /// node's milliseconds: the round trips through a relay on one machine last a millisecond
    /// or two.
    pub fn set_clock_us(&mut self, clock: MicrosecondClock) {
        self.clock_us = Some(clock);
    }

    fn t_us(&self, now: Time) -> u64 {
        self.clock_us.as_ref().map_or(now * 1_000, |clock| clock())
    }

    /// Records `body` if recording; the first time the cap stops the recording, says so in the
    /// log.
    fn record(&mut self, now: Time, body: impl FnOnce() -> RecordBody) {
        let t_us = self.t_us(now);
        if let Some(recorder) = self.recorder.as_mut()
            && !recorder.is_stopped()
            && recorder.record(t_us, body()).is_some()
        {
            self.stopped_at_cap(now);
        }
    }

    fn stopped_at_cap(&mut self, now: Time) {
        self.capped = Some(self.cap_bytes);
        self.note(now, tf("live.record.capped", &[("bytes", &self.cap_bytes)]));
    }

    /// Starts recording (replacing an ended recording): `unix_us` is the wall clock at the tab's
    /// time 0, `transport` the relay's address and `room` the room. A tab already in the room
    /// records the relay's welcome now, with the members it knows: a replay has it join then.
    /// It stops at `cap_bytes` ([`TAB_RECORDING_CAP`] in the page).
    pub fn start_recording(
        &mut self,
        now: Time,
        unix_us: u64,
        transport: &str,
        room: &str,
        cap_bytes: u64,
    ) {
        let start = Start::live(
            unix_us,
            concat!("gossiplab tab ", env!("CARGO_PKG_VERSION")),
            transport,
            Some(room),
            self.seed,
            self.config,
            cap_bytes,
        );
        let Ok(recorder) = Recorder::new(Vec::new(), start) else {
            return;
        };
        self.recorder = Some(recorder);
        self.ended = None;
        self.capped = None;
        self.cap_bytes = cap_bytes;
        if let (Some(id), Some(node)) = (self.id, self.node.as_ref()) {
            let peers: Vec<NodeId> = node
                .membership()
                .members()
                .filter(|(_, member)| member.state.is_live())
                .map(|(id, _)| id)
                .collect();
            self.record(now, || RecordBody::Welcome { id, peers });
        }
    }

    /// Ends the recording with an end line (the tab stayed a member), kept for download.
    pub fn stop_recording(&mut self, now: Time) {
        let t_us = self.t_us(now);
        if let Some(recorder) = self.recorder.take() {
            self.ended = recorder.finish(t_us).ok();
        }
    }

    /// The recording as it stands: while recording, the lines so far without an end line (a
    /// replay reads the tab as closed at its last line, as if it were closed now); once switched
    /// off, the whole recording. None if never switched on.
    pub fn recording_text(&self) -> Option<&[u8]> {
        match &self.recorder {
            Some(recorder) => Some(recorder.get_ref()),
            None => self.ended.as_deref(),
        }
    }

    /// Where the recording stands.
    pub fn recording_status(&self) -> RecordingStatus {
        match (&self.recorder, &self.ended, self.capped) {
            (Some(recorder), _, Some(cap)) => RecordingStatus::Capped {
                bytes: recorder.written(),
                cap,
            },
            (Some(recorder), ..) => RecordingStatus::Recording {
                bytes: recorder.written(),
            },
            (None, Some(ended), _) => RecordingStatus::Ended {
                bytes: ended.len() as u64,
            },
            (None, None, _) => RecordingStatus::Off,
        }
    }

    /// The tab lost its connection to the relay (recorded).
    pub fn relay_lost(&mut self, now: Time) {
        self.record(now, || RecordBody::RelayLost);
    }

    /// The node's configuration.
    pub fn config(&self) -> &NodeConfig {
        &self.config
    }

    /// The id the relay gave this tab, once it has.
    pub fn id(&self) -> Option<NodeId> {
        self.id
    }

    /// The node, once the relay's welcome has named it.
    pub fn node(&self) -> Option<&Node> {
        self.node.as_ref()
    }

    /// Peers connected to the relay in this room, besides this tab.
    pub fn others(&self) -> usize {
        self.others
    }

    /// How and when `key`'s current value arrived here.
    pub fn arrival(&self, key: &str) -> Option<(Mechanism, Time)> {
        let arrival = self.watch.as_ref()?.latest(key)?;
        Some((arrival.arrived.mechanism(), arrival.at))
    }

    /// This tab's latest writes, newest first, with who has them.
    pub fn writes(&self) -> impl Iterator<Item = &TrackedWrite> {
        self.writes.iter()
    }

    /// Who reported having version `stamp` of another peer's write: (peer, mechanism, when the
    /// receipt arrived here), in the order they came.
    pub fn holders(&self, stamp: Stamp) -> &[(NodeId, Mechanism, Time)] {
        self.heard.get(&stamp).map_or(&[], Vec::as_slice)
    }

    /// This tab's messages still drawn at `now`.
    pub fn flows(&self, now: Time) -> impl Iterator<Item = &Flow> {
        self.flows
            .iter()
            .filter(move |flow| now.saturating_sub(flow.at) <= FLOW_MS)
    }

    /// Messages between other peers still drawn at `now`.
    pub fn room_flows(&self, now: Time) -> impl Iterator<Item = &RoomFlow> {
        self.room_flows
            .iter()
            .filter(move |flow| now.saturating_sub(flow.at) <= FLOW_MS)
    }

    /// The measured one-way latency to `peer` in ms (half the round trip of this tab's pings to
    /// it, smoothed), once a ping has been answered.
    pub fn latency(&self, peer: NodeId) -> Option<f64> {
        self.latencies.get(&peer).copied()
    }

    /// Whether a dot is still moving at `now` when dots move `slowdown` times slower than real
    /// time: the view redraws until none is.
    pub fn moving(&self, now: Time, slowdown: f64) -> bool {
        let now = now as f64;
        self.flows
            .iter()
            .any(|flow| now < flow.at as f64 + travel_ms(flow.latency, slowdown))
            || self.room_flows.iter().any(|flow| {
                let last = flow.departures().last().unwrap_or(0.0);
                now < flow.at as f64 + last + travel_ms(flow.latency, slowdown)
            })
    }

    /// The event log, newest first.
    pub fn log(&self) -> impl Iterator<Item = &LogLine> {
        self.log.iter()
    }

    /// Adds a line to the log.
    pub fn note(&mut self, now: Time, text: impl Into<String>) {
        if self.log.len() == LOG_LINES {
            self.log.pop_back();
        }
        self.log.push_front(LogLine {
            at: now,
            text: text.into(),
        });
    }

    /// Why this tab and the relay cannot talk, once a welcome or a refusal showed that their
    /// protocol versions differ ([`wrong_protocol_text`], in the page's language now); the
    /// page then stops connecting.
    pub fn refused(&self) -> Option<String> {
        self.refused
            .map(|(relay, page)| wrong_protocol_text(relay, page))
    }

    /// Peers of another protocol the relay kept out of the room: (the id each asked for, its
    /// protocol), each once, in the order they came.
    pub fn kept_out(&self) -> &[(Option<NodeId>, u8)] {
        &self.kept_out
    }

    /// A control message from the relay. The welcome starts the node (the first time: after a
    /// reconnection the node carries on) and lists the room's peers in it; a refused
    /// configuration is the error, and the node stays unstarted. A welcome of another protocol,
    /// or the relay's refusal, leaves the node unstarted and sets [`LiveNode::refused`].
    pub fn control(&mut self, now: Time, control: Control) -> Result<(), ConfigError> {
        match control {
            Control::Welcome { protocol, .. } if protocol != PROTOCOL_VERSION => {
                self.refuse(now, protocol, PROTOCOL_VERSION);
            }
            Control::WrongProtocol { relay, peer } => {
                self.refuse(now, relay, peer);
            }
            Control::KeptOut { id, protocol } => {
                if !self.kept_out.contains(&(id, protocol)) {
                    self.kept_out.push((id, protocol));
                    self.note(now, kept_out_text(id, protocol));
                }
            }
            Control::Welcome {
                id, room, peers, ..
            } => {
                self.id = Some(id);
                self.others = peers.len();
                let listed = peers.clone();
                self.record(now, || RecordBody::Welcome { id, peers: listed });
                if self.node.is_none() {
                    self.node = Some(Node::new(id, self.config)?);
                    self.watch = Some(StoreWatch::new(id));
                }
                if let Some(node) = self.node.as_mut() {
                    node.bootstrap(now, peers.iter().copied(), &mut self.rng);
                }
                self.note(now, tf("live.log.joined", &[("room", &room), ("id", &id)]));
            }
            Control::Joined { id } => {
                self.others += 1;
                self.record(now, || RecordBody::PeerConnected { id });
                // The relay vouches that the peer is there: list it now rather than wait for
                // its first probe (a newcomer reaches the others one period at a time).
                if let Some(node) = self.node.as_mut() {
                    node.bootstrap(now, [id], &mut self.rng);
                }
            }
            Control::Left { id } => {
                self.others = self.others.saturating_sub(1);
                self.record(now, || RecordBody::PeerDisconnected { id });
            }
            Control::Traffic { flows } => self.record_room_traffic(now, flows),
        }
        Ok(())
    }

    fn refuse(&mut self, now: Time, relay: u8, page: u8) {
        if self.refused.is_none() {
            self.note(now, wrong_protocol_text(relay, page));
        }
        self.refused = Some((relay, page));
    }

    /// A gossip frame from the relay, `[from][message]`; returns whether the node took a
    /// message from it. A malformed message is noted in the log and changes nothing.
    pub fn receive(&mut self, now: Time, frame: &[u8]) -> bool {
        let Ok((from, payload)) = relay_frame::split(frame, usize::MAX) else {
            return false;
        };
        let Some(max_bytes) = self
            .node
            .as_ref()
            .map(|node| node.config().max_message_bytes)
        else {
            return false;
        };
        let decoded = wire::decode_message(payload, max_bytes);
        let t_us = self.t_us(now);
        let stopped = self.recorder.as_mut().and_then(|recorder| match &decoded {
            Ok(message) => recorder.received(t_us, from, message, payload.len()),
            Err(error) => recorder.undecodable(t_us, from, payload.len(), error),
        });
        if stopped.is_some() {
            self.stopped_at_cap(now);
        }
        let Some(node) = self.node.as_mut() else {
            return false;
        };
        match decoded {
            Ok(message) => {
                let kind = message.kind();
                let acked = match &message {
                    Message::Swim(SwimMessage::Ack { seq, .. }) => Some(*seq),
                    _ => None,
                };
                if let Some(watch) = self.watch.as_mut() {
                    watch.arrived(from, node.me());
                }
                node.handle(now, from, message, &mut self.rng);
                self.take_output();
                if let (Some(watch), Some(me)) = (self.watch.as_mut(), self.id) {
                    watch.settled(me);
                }
                if let Some(seq) = acked {
                    self.time_ack(now, from, seq);
                }
                self.record_flow(now, from, false, kind);
                true
            }
            Err(error) => {
                self.note(
                    now,
                    tf("live.log.malformed", &[("from", &from), ("error", &error)]),
                );
                false
            }
        }
    }

    /// Runs what the node has due at `now`, if anything.
    pub fn tick(&mut self, now: Time) {
        if let Some(node) = self.node.as_mut()
            && node.poll_timeout().is_some_and(|at| at <= now)
        {
            node.tick(now, &mut self.rng);
        }
    }

    /// Writes `key` here; returns its version. None before the node has started, or when the
    /// node refuses the write (noted in the log).
    pub fn put(&mut self, now: Time, key: &str, value: &[u8]) -> Option<Stamp> {
        let node = self.node.as_mut()?;
        match node.put(now, key, value) {
            Ok(stamp) => {
                let (key, value) = (key.to_string(), String::from_utf8_lossy(value).into_owned());
                self.record(now, || RecordBody::Put {
                    key,
                    value,
                    version: stamp.version,
                });
                Some(stamp)
            }
            Err(error) => {
                self.note(now, tf("live.log.cannot_write", &[("error", &error)]));
                None
            }
        }
    }

    /// The frames to send and what changed since the last poll; every event reported is
    /// logged and folded into what the view shows.
    pub fn poll(&mut self, now: Time) -> Output {
        if self.node.is_none() {
            return Output::default();
        }
        // What the node did on its own timer or at a write since; then all of it, in order.
        self.take_output();
        let mut frames = Vec::new();
        let mut sent = Vec::new();
        for (to, message) in std::mem::take(&mut self.pending_sent) {
            if let Message::Swim(SwimMessage::Ping { seq, .. }) = &message {
                if self.pending_pings.len() == PENDING_PINGS {
                    self.pending_pings.pop_front();
                }
                self.pending_pings.push_back((to, *seq, now));
            }
            let encoded = wire::encode_message(&message);
            frames.push(relay_frame::join(to, &encoded));
            sent.push((to, message, encoded.len()));
        }
        let events = std::mem::take(&mut self.pending_events);
        if self.recorder.is_some() {
            let t_us = self.t_us(now);
            let mut stopped = false;
            if let Some(recorder) = self.recorder.as_mut() {
                for (to, message, bytes) in &sent {
                    stopped |= recorder.sent(t_us, *to, message, *bytes).is_some();
                }
                for event in &events {
                    stopped |= recorder.event(t_us, event).is_some();
                }
            }
            if stopped {
                self.stopped_at_cap(now);
            }
        }
        let changed = !events.is_empty() || !sent.is_empty();
        for (to, message, _) in sent {
            self.record_flow(now, to, true, message.kind());
        }
        for event in events {
            self.observe(now, &event);
            self.note(now, event.to_string());
        }
        Output { frames, changed }
    }

    /// Folds an event into the view's tables.
    fn observe(&mut self, now: Time, event: &NodeEvent) {
        match *event {
            NodeEvent::Updated {
                ref key,
                stamp,
                via,
                ..
            } => {
                // How it arrived is the store watch's (see `take_output`).
                if via == Mechanism::Local {
                    if self.writes.len() == TRACKED_WRITES {
                        self.writes.pop_back();
                    }
                    self.writes.push_front(TrackedWrite {
                        key: key.clone(),
                        stamp,
                        learned_by: Vec::new(),
                    });
                }
            }
            NodeEvent::Confirmed {
                by,
                stamp,
                via,
                after,
                ..
            } => {
                if let Some(write) = self.writes.iter_mut().find(|w| w.stamp == stamp)
                    && !write.learned_by.iter().any(|(peer, ..)| *peer == by)
                {
                    write.learned_by.push((by, via, after));
                }
            }
            NodeEvent::Receipt { by, stamp, via } => {
                let holders = self.heard.entry(stamp).or_default();
                if !holders.iter().any(|(peer, ..)| *peer == by) {
                    holders.push((by, via, now));
                }
                while self.heard.len() > HEARD_VERSIONS {
                    self.heard.pop_first();
                }
            }
            NodeEvent::Member(_) | NodeEvent::MailDropped { .. } => {}
        }
    }

    /// An ack from `from` for this tab's ping `seq`: half the round trip is a latency sample.
    fn time_ack(&mut self, now: Time, from: NodeId, seq: u32) {
        let Some(index) = self
            .pending_pings
            .iter()
            .position(|&(to, sent_seq, _)| to == from && sent_seq == seq)
        else {
            return;
        };
        let Some((_, _, sent)) = self.pending_pings.remove(index) else {
            return;
        };
        let sample = now.saturating_sub(sent) as f64 / 2.0;
        let latency = self.latencies.entry(from).or_insert(sample);
        *latency += LATENCY_WEIGHT * (sample - *latency);
    }

    /// The latency between two other peers: the mean of this tab's latencies to them, or to
    /// the one known, or to every peer measured.
    fn estimated_latency(&self, from: NodeId, to: NodeId) -> Option<f64> {
        let mean = |values: &mut dyn Iterator<Item = f64>| {
            let (sum, count) = values.fold((0.0, 0u32), |(sum, n), v| (sum + v, n + 1));
            (count > 0).then(|| sum / f64::from(count))
        };
        mean(&mut [from, to].into_iter().filter_map(|peer| self.latency(peer)))
            .or_else(|| mean(&mut self.latencies.values().copied()))
    }

    /// Records a message for the graph, forgetting those that have faded.
    fn record_flow(&mut self, now: Time, peer: NodeId, outgoing: bool, kind: &'static str) {
        while self.flows.front().is_some_and(|flow| {
            now.saturating_sub(flow.at) > FLOW_MS || self.flows.len() >= MAX_FLOWS
        }) {
            self.flows.pop_front();
        }
        self.flow_serial += 1;
        self.flows.push_back(Flow {
            serial: self.flow_serial,
            peer,
            outgoing,
            kind,
            at: now,
            latency: self.latency(peer),
        });
    }

    /// Records the relay's report of the traffic between the other peers.
    fn record_room_traffic(&mut self, now: Time, flows: Vec<(NodeId, NodeId, u32)>) {
        for (from, to, frames) in flows {
            while self.room_flows.front().is_some_and(|flow| {
                now.saturating_sub(flow.at) > FLOW_MS || self.room_flows.len() >= MAX_FLOWS
            }) {
                self.room_flows.pop_front();
            }
            self.flow_serial += 1;
            self.room_flows.push_back(RoomFlow {
                serial: self.flow_serial,
                from,
                to,
                frames,
                at: now,
                latency: self.estimated_latency(from, to),
            });
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
