//! The relay: serves the built playground and forwards frames between the peers of a room.
//!
//! The room recording (`RoomRecording`, the kept recordings) lives in `relay/recording.rs`.
//!
//! It knows nothing of gossip. A peer connects to `/ws?room=NAME`, gets an id in a
//! [`Control::Welcome`], and sends binary frames addressed to a peer of the room (or to all);
//! the relay replaces the address with the sender's id before forwarding, so no peer can speak as
//! another. Bad frames are dropped and logged; the sender stays. Each peer has a bounded queue
//! of frames waiting to be written: a peer that cannot keep up loses the frames that find its
//! queue full (counted), and after [`RelayConfig::slow_peer_shed_limit`] of them in a row it is
//! disconnected (it reconnects, and anti-entropy repairs what it missed), so a stalled reader
//! costs at most its queue. `/status` reports rooms and counters as JSON. A peer that joins
//! with `traffic=true` (the playground's tabs) gets the room's traffic, who sent how many
//! frames to whom, every [`TRAFFIC_EVERY_MS`].
//!
//! A peer says which protocol it speaks (`&protocol=N`); the relay admits only its own
//! ([`relay_frame::PROTOCOL_VERSION`]), tells a peer of another version why it is turned away and
//! the room's peers that it was kept out (see gossip-relay-frame's "Versions").
//!
//! A room's first peer may ask (`record=true`) for the room to be recorded: every frame's time,
//! sender, recipient and size (never its payload), and peers joining and leaving, as JSON Lines
//! under a version line ([`RELAY_RECORDING_FORMAT`], [`RELAY_RECORDING_VERSION`]), at most
//! [`RELAY_RECORDING_CAP`] bytes (then a line says it stopped). `/recording?room=NAME` (with
//! `&secret=` for a room that has one) downloads it, also after the room has emptied; the last
//! [`KEPT_RECORDINGS`] are kept.
//!
//! Every accepted socket has TCP_NODELAY set: gossip frames are small, and without it the
//! kernel holds a small write back until the previous one is acknowledged (Nagle), which with
//! the peer's delayed acknowledgements added milliseconds to every frame.
//!
//! A frame's way through: the sender's reader task looks its recipients up under the rooms lock
//! (held for nothing else: the frame is recorded and queued after it is let go, since queuing
//! may wake a thread), then the recipient's writer task writes what its queue holds in one
//! flush. `gossip-node relay --threads 1` runs all of it on one thread.
//!
//! A measurement build (cargo feature `frame-trace`, `relay/trace.rs`) stamps each frame at each
//! of those steps and serves the stamps at `/trace` for the load bench to split a frame's time
//! into stages.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use axum::extract::ws::CloseFrame;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use axum::serve::ListenerExt;
use futures::{SinkExt, StreamExt};
use gossip_core::NodeId;
use gossip_relay_frame::{
    self as relay_frame, BROADCAST, CLOSE_WRONG_PROTOCOL, Control, PROTOCOL_VERSION,
    TRAFFIC_EVERY_MS, UNVERSIONED_PROTOCOL,
};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc};
use tower_http::compression::Compression;
use tower_http::services::ServeDir;

/// Relay settings.
#[derive(Clone, Debug)]
pub struct RelayConfig {
    /// Folder of the built playground.
    pub dist: PathBuf,
    /// Largest binary frame accepted, header included.
    pub max_frame: usize,
    /// Frames that may wait for a slow peer before newer ones are shed.
    pub outgoing_queue: usize,
    /// Frames per second a connection may send on average; more are dropped (counted).
    pub rate_limit: f64,
    /// Frames a connection may send at once above the average.
    pub burst: f64,
    /// Malformed frames a connection may send before the relay closes it.
    pub max_bad_frames: u32,
    /// Frames a peer may lose in a row to a full queue before the relay disconnects it: a peer
    /// that cannot keep up is dropped rather than fed a trickle of stale frames.
    pub slow_peer_shed_limit: u32,
    /// The size at which a room's recording stops.
    pub recording_cap: usize,
}

impl Default for RelayConfig {
    fn default() -> Self {
        RelayConfig {
            dist: PathBuf::from("dist"),
            max_frame: relay_frame::DEFAULT_MAX_FRAME,
            outgoing_queue: 256,
            rate_limit: 5_000.0,
            burst: 10_000.0,
            max_bad_frames: 100,
            slow_peer_shed_limit: 1_024,
            recording_cap: RELAY_RECORDING_CAP,
        }
    }
}

/// Binds the listening socket, with a clear message when the address is taken.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|error| {
        if error.kind() == std::io::ErrorKind::AddrInUse {
            anyhow::anyhow!("{addr} is already in use (is another relay running?); choose another address with --addr")
        } else {
            anyhow::Error::new(error).context(format!("cannot listen on {addr}"))
        }
    })
}

mod recording;
#[cfg(feature = "frame-trace")]
mod trace;
pub use recording::{
    KEPT_RECORDINGS, RELAY_RECORDING_CAP, RELAY_RECORDING_FORMAT, RELAY_RECORDING_VERSION,
};
use recording::{Recordings, SharedRecording};

/// Serves the playground, `/ws` and `/status` until the process ends.
pub async fn serve(listener: TcpListener, config: RelayConfig) -> anyhow::Result<()> {
    if !config.dist.join("index.html").exists() {
        tracing::warn!(dist = %config.dist.display(), "no built playground here; run scripts/run.sh to build it");
    }
    let state = Arc::new(Relay {
        config: config.clone(),
        started: Some(Instant::now()),
        ..Relay::default()
    });
    tokio::spawn(report_traffic(state.clone()));
    let app = Router::new()
        .route("/ws", get(upgrade))
        .route("/status", get(status))
        .route("/recording", get(download_recording));
    #[cfg(feature = "frame-trace")]
    let app = app.route("/trace", get(take_trace));
    let app = app
        // The playground's wasm shrinks to about a third with gzip.
        .fallback_service(Compression::new(ServeDir::new(&config.dist)))
        .with_state(state);
    let listener = listener.tap_io(|socket| {
        if let Err(error) = socket.set_nodelay(true) {
            tracing::warn!(%error, "cannot set TCP_NODELAY on an accepted socket");
        }
    });
    axum::serve(listener, app)
        .await
        .context("relay server stopped")
}

#[derive(Default)]
struct Relay {
    config: RelayConfig,
    rooms: Mutex<HashMap<String, Room>>,
    next_id: Mutex<NodeId>,
    forwarded: AtomicU64,
    rejected: AtomicU64,
    shed: AtomicU64,
    slow_peers_dropped: AtomicU64,
    rate_limited: AtomicU64,
    /// Peers turned away for speaking another protocol version.
    wrong_protocol: AtomicU64,
    started: Option<std::time::Instant>,
    /// From a frame's arrival to its write to the recipient's socket.
    latency: LatencyHistogram,
    /// Room recordings by room name, the latest [`KEPT_RECORDINGS`].
    recordings: Recordings,
    /// Per-frame timestamps, in a measurement build.
    #[cfg(feature = "frame-trace")]
    trace: trace::Trace,
}

/// What waits in a peer's outgoing queue: a message and when the relay received it.
struct Outgoing {
    arrived: Instant,
    message: Message,
    /// The frame's timestamps so far, in a measurement build.
    #[cfg(feature = "frame-trace")]
    stamp: Option<trace::Stamp>,
}

impl Outgoing {
    fn new(arrived: Instant, message: Message) -> Self {
        Outgoing {
            arrived,
            message,
            #[cfg(feature = "frame-trace")]
            stamp: None,
        }
    }
}

/// Frames written to a socket before it is flushed: under load one write carries many.
const WRITE_BATCH: usize = 64;

/// Latencies in buckets of [`LatencyHistogram::BUCKET_US`] up to 100 ms (one more for the rest),
/// counted with atomics so every connection's writer records without a lock.
struct LatencyHistogram {
    buckets: Vec<AtomicU64>,
    max_us: AtomicU64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        LatencyHistogram {
            buckets: (0..=Self::BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            max_us: AtomicU64::new(0),
        }
    }
}

/// The relay's own added latency, from the frames it forwarded.
#[derive(Serialize, Deserialize, Debug, Default, Clone, Copy, PartialEq)]
pub struct LatencySummary {
    /// Frames (and control messages) whose latency was recorded: every one written.
    pub samples: u64,
    /// Upper edge of the 0.05 ms bucket holding the median, in ms (at most `max_ms`).
    pub p50_ms: f64,
    /// Upper edge of the 0.05 ms bucket holding the 99th percentile, in ms (at most `max_ms`).
    pub p99_ms: f64,
    /// The largest latency recorded, in ms.
    pub max_ms: f64,
}

impl LatencyHistogram {
    const BUCKET_US: u64 = 50;
    const BUCKETS: usize = 2_000;

    fn record(&self, latency: Duration) {
        let us = latency.as_micros().min(u64::MAX as u128) as u64;
        let bucket = ((us / Self::BUCKET_US) as usize).min(Self::BUCKETS);
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.max_us.fetch_max(us, Ordering::Relaxed);
    }

    fn summary(&self) -> LatencySummary {
        let counts: Vec<u64> = self
            .buckets
            .iter()
            .map(|b| b.load(Ordering::Relaxed))
            .collect();
        let samples: u64 = counts.iter().sum();
        let max_ms = self.max_us.load(Ordering::Relaxed) as f64 / 1_000.0;
        let percentile = |p: f64| {
            let rank = ((samples as f64 * p).ceil() as u64).max(1);
            let mut seen = 0;
            for (bucket, count) in counts.iter().enumerate() {
                seen += count;
                if seen >= rank {
                    let edge = ((bucket as u64 + 1) * Self::BUCKET_US) as f64 / 1_000.0;
                    return edge.min(max_ms);
                }
            }
            max_ms
        };
        if samples == 0 {
            return LatencySummary::default();
        }
        LatencySummary {
            samples,
            p50_ms: percentile(0.50),
            p99_ms: percentile(0.99),
            max_ms,
        }
    }
}

/// A peer of a room, as the relay holds it: shared, so that a forwarder queues a frame to it
/// after letting go of the rooms lock.
struct Peer {
    queue: mpsc::Sender<Outgoing>,
    /// Frames lost in a row because the queue was full; any frame that fits resets it.
    shed_in_a_row: AtomicU32,
    /// Woken when the relay gives up on a peer that cannot keep up.
    too_slow: Notify,
}

#[derive(Default)]
struct Room {
    peers: BTreeMap<NodeId, Arc<Peer>>,
    /// Set by the room's first peer; everyone after must present it.
    secret: Option<String>,
    /// Peers that asked for the room's traffic.
    watchers: BTreeSet<NodeId>,
    /// Frames forwarded per (sender, recipient) since the last report; kept only while someone
    /// watches, and at most [`MAX_TRAFFIC_PAIRS`] pairs.
    traffic: BTreeMap<(NodeId, NodeId), u32>,
    /// The room's recording, if its first peer asked for one.
    recording: Option<SharedRecording>,
}

/// Pairs of peers one traffic report may list: bounds the relay's memory and the report's size
/// in a crowded room.
const MAX_TRAFFIC_PAIRS: usize = 2_048;

/// Every [`TRAFFIC_EVERY_MS`], sends each watching peer the traffic between the others of its
/// room.
async fn report_traffic(relay: Arc<Relay>) {
    let mut ticks = tokio::time::interval(Duration::from_millis(TRAFFIC_EVERY_MS));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticks.tick().await;
        let mut rooms = relay.rooms.lock().unwrap();
        for room in rooms.values_mut() {
            if room.traffic.is_empty() {
                continue;
            }
            let traffic = std::mem::take(&mut room.traffic);
            for watcher in &room.watchers {
                let flows: Vec<(NodeId, NodeId, u32)> = traffic
                    .iter()
                    .filter(|((from, to), _)| from != watcher && to != watcher)
                    .map(|(&(from, to), &frames)| (from, to, frames))
                    .collect();
                if let (false, Some(peer)) = (flows.is_empty(), room.peers.get(watcher)) {
                    let report = control_message(&Control::Traffic { flows });
                    relay.deliver(*watcher, peer, Outgoing::new(Instant::now(), report));
                }
            }
        }
    }
}

#[derive(Deserialize)]
struct JoinQuery {
    room: String,
    /// The id a returning peer asks for; the relay assigns one when absent.
    id: Option<NodeId>,
    /// The room's shared secret, if it has one.
    secret: Option<String>,
    /// Whether to send this peer the room's traffic ([`Control::Traffic`]).
    #[serde(default)]
    traffic: bool,
    /// The protocol version the peer speaks; absent from builds before versions.
    protocol: Option<u8>,
    /// Record the room's frames (heeded from the peer that opens the room).
    #[serde(default)]
    record: bool,
}

/// Room names: 1 to 64 characters of ASCII letters, digits, '-' and '_'.
pub fn validate_room(room: &str) -> Result<(), String> {
    let valid_chars = room
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if room.is_empty() || room.len() > 64 || !valid_chars {
        return Err(format!(
            "invalid room name {room:?}: use 1 to 64 letters, digits, '-' or '_'"
        ));
    }
    Ok(())
}

async fn upgrade(
    ws: WebSocketUpgrade,
    Query(query): Query<JoinQuery>,
    State(relay): State<Arc<Relay>>,
) -> Response {
    if let Err(reason) = validate_room(&query.room) {
        return (StatusCode::BAD_REQUEST, reason).into_response();
    }
    if let Some(room) = relay.rooms.lock().unwrap().get(&query.room)
        && room.secret.is_some()
        && room.secret != query.secret
    {
        return (
            StatusCode::FORBIDDEN,
            format!("room {:?} needs its secret", query.room),
        )
            .into_response();
    }
    let protocol = query.protocol.unwrap_or(UNVERSIONED_PROTOCOL);
    if protocol != PROTOCOL_VERSION {
        // Accepted only to be told why in words it can show, and to tell the room.
        return ws
            .on_upgrade(move |socket| relay.turn_away(socket, query.room, query.id, protocol));
    }
    if let Some(id) = query.id {
        if id == 0 || id == BROADCAST {
            return (StatusCode::BAD_REQUEST, format!("peer id {id} is reserved")).into_response();
        }
        if relay
            .rooms
            .lock()
            .unwrap()
            .get(&query.room)
            .is_some_and(|room| room.peers.contains_key(&id))
        {
            return (
                StatusCode::CONFLICT,
                format!("peer id {id} is already in room {:?}", query.room),
            )
                .into_response();
        }
    }
    // Frames over our own limit are refused one by one below; this transport limit only stops a
    // peer from making us buffer arbitrarily large messages.
    ws.max_message_size(relay.config.max_frame * 4)
        // Small socket buffers keep an idle connection cheap (tungstenite's default read buffer
        // alone is 128 KiB); gossip frames are small. Frames queued together are written to the
        // socket in one call at the writer's flush (the write buffer grows only when used): with
        // TCP_NODELAY, writing each frame on its own would send a packet per frame.
        .read_buffer_size(4 * 1024)
        .write_buffer_size(16 * 1024)
        .on_upgrade(move |socket| {
            let asks = Asks {
                watch: query.traffic,
                record: query.record,
            };
            relay.session(socket, query.room, query.id, query.secret, asks)
        })
}

/// What a joining peer asks of the relay besides a place in the room.
#[derive(Clone, Copy, Debug, Default)]
struct Asks {
    /// The room's traffic reports.
    watch: bool,
    /// A recording of the room (if it opens the room).
    record: bool,
}

/// `/recording?room=NAME[&secret=S]`: a room's recording, as a download.
#[derive(Deserialize)]
struct RecordingQuery {
    room: String,
    secret: Option<String>,
}

async fn download_recording(
    Query(query): Query<RecordingQuery>,
    State(relay): State<Arc<Relay>>,
) -> Response {
    let Some(recording) = relay.recordings.get(&query.room) else {
        return (
            StatusCode::NOT_FOUND,
            format!(
                "no recording of room {:?}: its first peer must join with record=true",
                query.room
            ),
        )
            .into_response();
    };
    let recording = recording.lock().unwrap();
    if recording.secret.is_some() && recording.secret != query.secret {
        return (
            StatusCode::FORBIDDEN,
            format!("room {:?} needs its secret", query.room),
        )
            .into_response();
    }
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/x-ndjson".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.relay.jsonl\"", query.room),
            ),
        ],
        recording.text(),
    )
        .into_response()
}

impl Relay {
    /// Tells a peer of another protocol version that it cannot join, closes its connection, and
    /// tells the room's peers that it was kept out.
    async fn turn_away(
        self: Arc<Self>,
        mut socket: WebSocket,
        room: String,
        id: Option<NodeId>,
        protocol: u8,
    ) {
        self.wrong_protocol.fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            room,
            ?id,
            protocol,
            relay = PROTOCOL_VERSION,
            "turned away a peer of another protocol version"
        );
        let text = relay_frame::wrong_protocol_text(PROTOCOL_VERSION, protocol);
        let refusal = if protocol == UNVERSIONED_PROTOCOL {
            // A build from before versions knows none of our control messages, but prints the
            // type of one it does not know: the type is the sentence.
            Message::Text(serde_json::json!({ "type": text }).to_string().into())
        } else {
            control_message(&Control::WrongProtocol {
                relay: PROTOCOL_VERSION,
                peer: protocol,
            })
        };
        if let Some(room) = self.rooms.lock().unwrap().get_mut(&room) {
            let kept_out = control_message(&Control::KeptOut { id, protocol });
            for (&other, peer) in &room.peers {
                self.deliver(other, peer, Outgoing::new(Instant::now(), kept_out.clone()));
            }
        }
        let reason: String = text.chars().take(120).collect();
        let _ = socket.send(refusal).await;
        let _ = socket
            .send(Message::Close(Some(CloseFrame {
                code: CLOSE_WRONG_PROTOCOL,
                reason: reason.into(),
            })))
            .await;
    }

    /// Adds a peer to `room` under `wanted` if that id is free there, else under a new id.
    fn join(
        &self,
        room: &str,
        wanted: Option<NodeId>,
        secret: Option<String>,
        asks: Asks,
    ) -> (NodeId, Vec<NodeId>, mpsc::Receiver<Outgoing>, Arc<Peer>) {
        let (sender, receiver) = mpsc::channel(self.config.outgoing_queue);
        let peer = Arc::new(Peer {
            queue: sender,
            shed_in_a_row: AtomicU32::new(0),
            too_slow: Notify::new(),
        });
        let mut rooms = self.rooms.lock().unwrap();
        let room_name = room;
        let room = rooms.entry(room.to_string()).or_insert_with(|| Room {
            recording: asks.record.then(|| {
                self.recordings
                    .start(room_name, secret.clone(), self.config.recording_cap)
            }),
            secret,
            ..Room::default()
        });
        let id = match wanted.filter(|id| !room.peers.contains_key(id)) {
            Some(id) => id,
            None => {
                let mut next = self.next_id.lock().unwrap();
                loop {
                    *next = next.wrapping_add(1).max(1);
                    if !room.peers.contains_key(&*next) && *next != BROADCAST {
                        break *next;
                    }
                }
            }
        };
        let others: Vec<NodeId> = room.peers.keys().copied().collect();
        let joined = control_message(&Control::Joined { id });
        for (&other, peer) in &room.peers {
            self.deliver(other, peer, Outgoing::new(Instant::now(), joined.clone()));
        }
        room.peers.insert(id, peer.clone());
        if asks.watch {
            room.watchers.insert(id);
        }
        if let Some(recording) = &room.recording {
            recording.lock().unwrap().peer("joined", id);
        }
        (id, others, receiver, peer)
    }

    fn leave(&self, room_name: &str, id: NodeId) {
        let mut rooms = self.rooms.lock().unwrap();
        let Some(room) = rooms.get_mut(room_name) else {
            return;
        };
        room.peers.remove(&id);
        room.watchers.remove(&id);
        if let Some(recording) = &room.recording {
            recording.lock().unwrap().peer("left", id);
        }
        if room.watchers.is_empty() {
            room.traffic.clear();
        }
        let left = control_message(&Control::Left { id });
        for (&other, peer) in &room.peers {
            self.deliver(other, peer, Outgoing::new(Instant::now(), left.clone()));
        }
        if room.peers.is_empty() {
            rooms.remove(room_name);
        }
    }

    /// Queues a frame for a peer; a peer whose queue is full loses the frame (counted), and one
    /// that has lost [`RelayConfig::slow_peer_shed_limit`] in a row is told to go.
    fn deliver(&self, id: NodeId, peer: &Peer, message: Outgoing) {
        match peer.queue.try_send(message) {
            Ok(()) => {
                peer.shed_in_a_row.store(0, Ordering::Relaxed);
                return;
            }
            // It left after the frame's targets were looked up: nothing to count.
            Err(mpsc::error::TrySendError::Closed(_)) => return,
            Err(mpsc::error::TrySendError::Full(_)) => {}
        }
        self.shed.fetch_add(1, Ordering::Relaxed);
        let shed = peer.shed_in_a_row.fetch_add(1, Ordering::Relaxed) + 1;
        if shed == self.config.slow_peer_shed_limit {
            self.slow_peers_dropped.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(peer = id, shed, "disconnecting a peer that cannot keep up");
            peer.too_slow.notify_one();
        }
    }

    /// Forwards a frame; returns false if it was malformed (and dropped).
    fn forward(&self, room_name: &str, from: NodeId, mut frame: Vec<u8>, arrived: Instant) -> bool {
        #[cfg(feature = "frame-trace")]
        let mut stamp = trace::Stamp::read(frame.get(relay_frame::HEADER_LEN..).unwrap_or(&[]));
        let to = match relay_frame::split(&frame, self.config.max_frame) {
            Ok((to, _payload)) => to,
            Err(error) => {
                self.rejected.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(room = room_name, peer = from, %error, "dropped a frame");
                return false;
            }
        };
        relay_frame::restamp(&mut frame, from);
        let size = frame.len();
        let message = Message::Binary(frame.into());
        // Under the rooms lock only the look-up (and the traffic count): the frame is recorded
        // and queued (which may wake another thread) after it is let go. A frame to one peer,
        // the common case, allocates nothing here.
        let mut one = None;
        let mut all = Vec::new();
        let recording = {
            let mut rooms = self.rooms.lock().unwrap();
            let Some(Room {
                peers,
                watchers,
                traffic,
                recording,
                ..
            }) = rooms.get_mut(room_name)
            else {
                return true;
            };
            if to == BROADCAST {
                all.extend(
                    peers
                        .iter()
                        .filter(|(id, _)| **id != from)
                        .map(|(id, peer)| (*id, peer.clone())),
                );
            } else {
                one = peers.get(&to).map(|peer| (to, peer.clone()));
            }
            if !watchers.is_empty() {
                for id in one
                    .iter()
                    .map(|(id, _)| *id)
                    .chain(all.iter().map(|(id, _)| *id))
                {
                    if traffic.len() < MAX_TRAFFIC_PAIRS || traffic.contains_key(&(from, id)) {
                        *traffic.entry((from, id)).or_default() += 1;
                    }
                }
            }
            recording.clone()
        };
        #[cfg(feature = "frame-trace")]
        if let Some(stamp) = &mut stamp {
            stamp.looked_up_ns = trace::now_ns();
        }
        if one.is_none() && all.is_empty() {
            tracing::debug!(
                room = room_name,
                peer = from,
                to,
                "frame for a peer not in the room"
            );
        }
        if let Some(recording) = recording {
            let mut recording = recording.lock().unwrap();
            for (id, _) in one.iter().chain(&all) {
                recording.frame(from, *id, size);
            }
        }
        for (id, peer) in one.into_iter().chain(all) {
            let outgoing = Outgoing {
                arrived,
                message: message.clone(),
                #[cfg(feature = "frame-trace")]
                stamp: stamp.map(|mut stamp| {
                    stamp.queued_ns = trace::now_ns();
                    stamp
                }),
            };
            self.deliver(id, &peer, outgoing);
            self.forwarded.fetch_add(1, Ordering::Relaxed);
        }
        true
    }

    async fn session(
        self: Arc<Self>,
        socket: WebSocket,
        room: String,
        wanted: Option<NodeId>,
        secret: Option<String>,
        asks: Asks,
    ) {
        let (id, others, mut outgoing, me) = self.join(&room, wanted, secret, asks);
        tracing::info!(room, peer = id, "peer joined");
        let (mut sink, mut stream) = socket.split();
        let welcome = control_message(&Control::Welcome {
            id,
            room: room.clone(),
            peers: others,
            protocol: PROTOCOL_VERSION,
        });
        let relay = self.clone();
        let writer = tokio::spawn(async move {
            if sink.send(welcome).await.is_err() {
                return;
            }
            let mut written = Vec::with_capacity(WRITE_BATCH);
            #[cfg(feature = "frame-trace")]
            let mut stamps = Vec::with_capacity(WRITE_BATCH);
            while let Some(first) = outgoing.recv().await {
                #[cfg(feature = "frame-trace")]
                stamps.extend(first.stamp.map(|mut stamp| {
                    stamp.dequeued_ns = trace::now_ns();
                    stamp
                }));
                // Whatever else is queued goes out in the same write.
                if sink.feed(first.message).await.is_err() {
                    break;
                }
                written.push(first.arrived);
                // One pass of the scheduler first: under load the readers forward more frames
                // meanwhile, and they leave in the same packet (TCP_NODELAY sends every write at
                // once); idle, it costs microseconds.
                tokio::task::yield_now().await;
                while written.len() < WRITE_BATCH {
                    let Ok(next) = outgoing.try_recv() else {
                        break;
                    };
                    #[cfg(feature = "frame-trace")]
                    stamps.extend(next.stamp.map(|mut stamp| {
                        stamp.dequeued_ns = trace::now_ns();
                        stamp
                    }));
                    if sink.feed(next.message).await.is_err() {
                        return;
                    }
                    written.push(next.arrived);
                }
                if sink.flush().await.is_err() {
                    break;
                }
                #[cfg(feature = "frame-trace")]
                {
                    relay.trace.written(&stamps, trace::now_ns());
                    stamps.clear();
                }
                let now = Instant::now();
                for arrived in written.drain(..) {
                    relay.latency.record(now.duration_since(arrived));
                }
            }
        });
        let mut bucket = TokenBucket::new(self.config.rate_limit, self.config.burst);
        let mut bad_frames = 0u32;
        loop {
            let message = tokio::select! {
                message = stream.next() => match message {
                    Some(Ok(message)) => message,
                    _ => break,
                },
                // Its writer may be stuck on a full socket: dropping the connection frees both.
                () = me.too_slow.notified() => break,
            };
            let well_formed = match message {
                Message::Binary(frame) => {
                    let arrived = Instant::now();
                    if !bucket.take(arrived) {
                        // A flooding peer loses its excess frames, not its connection, and
                        // never holds up the others: nothing waits on it.
                        if self.rate_limited.fetch_add(1, Ordering::Relaxed) % 1_000 == 0 {
                            tracing::warn!(room, peer = id, "rate limit: dropping frames");
                        }
                        continue;
                    }
                    self.forward(&room, id, frame.into(), arrived)
                }
                Message::Text(_) => {
                    self.rejected.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(
                        room,
                        peer = id,
                        "dropped a text frame: peers send binary frames"
                    );
                    false
                }
                Message::Close(_) => break,
                Message::Ping(_) | Message::Pong(_) => true,
            };
            if !well_formed {
                bad_frames += 1;
                if bad_frames > self.config.max_bad_frames {
                    tracing::warn!(
                        room,
                        peer = id,
                        bad_frames,
                        "closing a connection that keeps sending bad frames"
                    );
                    break;
                }
            }
        }
        self.leave(&room, id);
        writer.abort();
        tracing::info!(room, peer = id, "peer left");
    }
}

/// A token bucket: `rate` tokens a second, at most `burst` saved up.
struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: std::time::Instant,
}

impl TokenBucket {
    fn new(rate: f64, burst: f64) -> Self {
        TokenBucket {
            rate,
            burst,
            tokens: burst,
            last: std::time::Instant::now(),
        }
    }

    fn take(&mut self, now: std::time::Instant) -> bool {
        self.tokens =
            (self.tokens + now.duration_since(self.last).as_secs_f64() * self.rate).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

fn control_message(control: &Control) -> Message {
    Message::Text(
        serde_json::to_string(control)
            .expect("control messages serialise")
            .into(),
    )
}

/// The `/status` document.
#[derive(Serialize, Deserialize, Debug)]
pub struct Status {
    /// Every room with a peer in it, by name, with its peers' ids.
    pub rooms: BTreeMap<String, Vec<NodeId>>,
    /// Frames forwarded since the relay started, one per recipient (a broadcast counts once per
    /// peer it goes to), shed ones included.
    pub forwarded: u64,
    /// Frames dropped as malformed (or sent as text) since the relay started.
    pub rejected: u64,
    /// Frames (and control messages) lost because the recipient's outgoing queue was full.
    pub shed: u64,
    /// Peers disconnected for losing too many frames in a row to a full queue.
    #[serde(default)]
    pub slow_peers_dropped: u64,
    /// Frames dropped because their sender went over its rate limit.
    pub rate_limited: u64,
    /// Peers turned away for speaking another protocol version than the relay's.
    #[serde(default)]
    pub wrong_protocol: u64,
    /// The relay's protocol version ([`relay_frame::PROTOCOL_VERSION`]).
    #[serde(default)]
    pub protocol: u8,
    /// Frames forwarded per second since the relay started.
    pub forwarded_per_second: f64,
    /// Time inside the relay: from a frame's arrival (read off the sender's socket) to the
    /// return of the write to the recipient's socket, over every frame (and control message)
    /// sent since the relay started. It ends where the kernel takes the bytes, so it leaves out
    /// the network and the clients (their send-to-receive figure is the load bench's); see
    /// [`Status::forward_latency_spans`].
    #[serde(default)]
    pub forward_latency: LatencySummary,
    /// What [`Status::forward_latency`] spans, in words, for whoever reads the JSON.
    #[serde(default)]
    pub forward_latency_spans: String,
}

/// [`Status::forward_latency_spans`].
pub const FORWARD_LATENCY_SPANS: &str = "inside the relay only: from reading a frame off the \
    sender's socket to the return of its write to the recipient's socket; not the network nor \
    the clients (a client's send-to-receive time is longer)";

/// `/trace` (measurement builds): the frames' timestamps since the last call.
#[cfg(feature = "frame-trace")]
async fn take_trace(State(relay): State<Arc<Relay>>) -> String {
    relay.trace.take_text()
}

async fn status(State(relay): State<Arc<Relay>>) -> Json<Status> {
    let rooms = relay.rooms.lock().unwrap();
    Json(Status {
        rooms: rooms
            .iter()
            .map(|(name, room)| (name.clone(), room.peers.keys().copied().collect()))
            .collect(),
        forwarded: relay.forwarded.load(Ordering::Relaxed),
        rejected: relay.rejected.load(Ordering::Relaxed),
        shed: relay.shed.load(Ordering::Relaxed),
        slow_peers_dropped: relay.slow_peers_dropped.load(Ordering::Relaxed),
        rate_limited: relay.rate_limited.load(Ordering::Relaxed),
        wrong_protocol: relay.wrong_protocol.load(Ordering::Relaxed),
        protocol: PROTOCOL_VERSION,
        forwarded_per_second: relay.forwarded.load(Ordering::Relaxed) as f64
            / relay
                .started
                .map_or(1.0, |started| started.elapsed().as_secs_f64().max(1e-3)),
        forward_latency: relay.latency.summary(),
        forward_latency_spans: FORWARD_LATENCY_SPANS.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latency_histogram_reports_percentiles_by_bucket() {
        let histogram = LatencyHistogram::default();
        assert_eq!(histogram.summary(), LatencySummary::default());
        // 98 frames at 0.12 ms, one at 3 ms, one at 250 ms (past the last bucket).
        for _ in 0..98 {
            histogram.record(Duration::from_micros(120));
        }
        histogram.record(Duration::from_millis(3));
        histogram.record(Duration::from_millis(250));
        let summary = histogram.summary();
        assert_eq!(summary.samples, 100);
        assert_eq!(summary.p50_ms, 0.15, "the upper edge of 0.10-0.15 ms");
        assert_eq!(summary.p99_ms, 3.05, "the 99th of 100 is the 3 ms frame");
        assert_eq!(summary.max_ms, 250.0);
    }

    #[test]
    fn the_token_bucket_allows_the_burst_then_the_rate() {
        let start = std::time::Instant::now();
        let mut bucket = TokenBucket::new(10.0, 5.0);
        bucket.last = start;
        assert_eq!(
            (0..8).filter(|_| bucket.take(start)).count(),
            5,
            "the burst"
        );
        let later = start + std::time::Duration::from_millis(500);
        assert_eq!(
            (0..8).filter(|_| bucket.take(later)).count(),
            5,
            "half a second at 10 a second"
        );
    }

    #[test]
    fn room_names_are_checked() {
        assert!(validate_room("lobby").is_ok());
        assert!(validate_room("team_a-2").is_ok());
        assert!(validate_room("").is_err());
        assert!(
            validate_room("a b")
                .unwrap_err()
                .contains("invalid room name")
        );
        assert!(validate_room(&"x".repeat(65)).is_err());
    }
}
