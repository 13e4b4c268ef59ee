//! `gossip-node peer`: a native live peer. It runs the same gossip-core [`Node`] as a browser
//! tab, driven by real time and a WebSocket to the relay (or, with `--listen`, by UDP straight to
//! other peers: [`crate::direct`]), and takes commands on standard input: `put KEY VALUE`,
//! `get KEY`, `keys`, `members`, `help`, `quit`. It prints what happens (members joining,
//! suspected, failing; values arriving and by which mechanism) one line each. `Shell` holds
//! what both transports share: the node, its clock and generator, commands and printing.
//!
//! The relay gives the peer an id on first contact; after a lost connection the peer reconnects
//! with backoff and asks for the same id, so the cluster sees the same member come back and its
//! state (store, membership) carries on.
//!
//! The peer joins with its protocol version. A relay of another version turns it away, or
//! (a relay from before versions) welcomes it with none: either way the peer says which versions
//! differ and stops with an error rather than gossip with peers that cannot read it. Peers of
//! other versions that the relay kept out of the room are named once each. The WebSocket has
//! TCP_NODELAY set, so a small frame leaves at once rather than after the previous one's
//! acknowledgement.
//!
//! With `--record FILE` the peer writes what it lives through to FILE, in the format of
//! [`gossip_sim::recording`]: its configuration, the relay's welcome and the peers it met, every
//! message sent and received (time, peer, kind, size, summary; an ack of its own ping carries the
//! round trip), its writes and events. The file stops at its size cap, saying so, and is flushed
//! after every turn of the loop, so a killed peer leaves all but its last turn.

use std::collections::BTreeSet;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures::{SinkExt, StreamExt};
use gossip_core::wire;
use gossip_core::{Node, NodeConfig};
use gossip_core::{NodeId, SimRng, Time, seeded_rng};
use gossip_relay_frame::{self as relay_frame, Control, PROTOCOL_VERSION};
use gossip_sim::recording::{RecordBody, Recorder, Start, WriterStopped};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, Lines};
use tokio_tungstenite::connect_async_with_config;
use tokio_tungstenite::tungstenite::Message;

/// How a peer joins and gossips.
#[derive(Clone, Debug)]
pub struct PeerOptions {
    /// The relay's base URL, `ws://HOST:PORT`.
    pub relay: String,
    /// The room (cluster) to join: 1 to 64 letters, digits, `-` or `_`.
    pub room: String,
    /// The id to ask for; the relay assigns one when absent.
    pub id: Option<NodeId>,
    /// The room's shared secret, if it has one.
    pub secret: Option<String>,
    /// The node's protocol settings (periods in ms, message size bound in bytes); validated
    /// before the peer starts.
    pub config: NodeConfig,
    /// Seed of the peer's generator ([`fresh_seed`] when the command line gives none).
    pub seed: u64,
    /// Where to record what the peer lives through, if anywhere.
    pub record: Option<RecordOptions>,
    /// Ask the relay to record the room's frames (heeded if this peer opens the room).
    pub relay_records: bool,
}

/// Where and how much a peer records.
#[derive(Clone, Debug)]
pub struct RecordOptions {
    /// The file written (replaced if it exists).
    pub path: PathBuf,
    /// The size at which the recording stops.
    pub cap_bytes: u64,
}

/// A peer's recording: the shared [`Recorder`] on a buffered file, and the file's name for
/// messages.
pub(crate) struct FileRecorder {
    recorder: Recorder<BufWriter<std::fs::File>>,
    path: PathBuf,
}

impl FileRecorder {
    /// Creates the file and writes the start line; `started_unix_us` is the wall clock at the
    /// peer's time 0.
    pub(crate) fn create(
        options: &RecordOptions,
        started_unix_us: u64,
        transport: &str,
        room: Option<&str>,
        seed: u64,
        config: NodeConfig,
    ) -> anyhow::Result<FileRecorder> {
        let file = std::fs::File::create(&options.path)
            .with_context(|| format!("cannot create the recording {}", options.path.display()))?;
        let start = Start::live(
            started_unix_us,
            &format!("gossip-node peer {}", env!("CARGO_PKG_VERSION")),
            transport,
            room,
            seed,
            config,
            options.cap_bytes,
        );
        Ok(FileRecorder {
            recorder: Recorder::new(BufWriter::new(file), start)?,
            path: options.path.clone(),
        })
    }
}

/// A seed from the clock and the process id, for peers not given one.
pub fn fresh_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ (u64::from(std::process::id()) << 32)
}

const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// How long a peer that said `quit` keeps answering while SWIM announces its leave.
const LEAVE_GRACE: Duration = Duration::from_secs(3);

/// What every native peer does whatever carries its messages (the relay, or UDP in
/// [`crate::direct`]): it owns the [`Node`], real time and the generator, reads commands from
/// standard input and prints what happens.
pub(crate) struct Shell<R, W> {
    started: Instant,
    /// The wall clock at `started`, microseconds since the Unix epoch.
    started_unix_us: u64,
    /// The recording, if one was asked for.
    recorder: Option<FileRecorder>,
    pub(crate) rng: SimRng,
    /// None until the transport can name this peer (the relay's welcome).
    pub(crate) node: Option<Node>,
    out: W,
    /// None once standard input has ended: the peer keeps gossiping.
    input: Option<Lines<R>>,
    /// Set by `quit`: the peer keeps answering until SWIM has announced its leave.
    leaving_since: Option<Instant>,
    /// Transport commands `help` lists after the shared ones.
    pub(crate) extra_help: &'static str,
    /// What a command gets before the node exists.
    pub(crate) waiting_for: &'static str,
}

impl<R: AsyncBufRead + Unpin, W: Write> Shell<R, W> {
    pub(crate) fn new(seed: u64, input: R, out: W) -> Self {
        let started_unix_us = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as u64);
        Shell {
            started: Instant::now(),
            started_unix_us,
            recorder: None,
            rng: seeded_rng(seed),
            node: None,
            out,
            input: Some(input.lines()),
            leaving_since: None,
            extra_help: "",
            waiting_for: "the relay",
        }
    }

    /// Milliseconds since the peer started: the node's clock.
    pub(crate) fn now(&self) -> Time {
        self.started.elapsed().as_millis() as Time
    }

    /// Starts recording to `options.path`.
    pub(crate) fn start_recording(
        &mut self,
        options: &RecordOptions,
        transport: &str,
        room: Option<&str>,
        seed: u64,
        config: NodeConfig,
    ) -> anyhow::Result<()> {
        self.recorder = Some(FileRecorder::create(
            options,
            self.started_unix_us,
            transport,
            room,
            seed,
            config,
        )?);
        Ok(())
    }

    /// Microseconds since the peer started: the recording's clock.
    fn now_us(&self) -> u64 {
        self.started.elapsed().as_micros() as u64
    }

    /// Records with `write` now, if recording; says so once if the recording stops.
    fn record_with(
        &mut self,
        write: impl FnOnce(&mut Recorder<BufWriter<std::fs::File>>, u64) -> Option<WriterStopped>,
    ) {
        let t_us = self.now_us();
        let Some(recording) = self.recorder.as_mut() else {
            return;
        };
        if let Some(stopped) = write(&mut recording.recorder, t_us) {
            let line = format!("{stopped} ({})", recording.path.display());
            self.say(&line);
        }
    }

    /// Records `body` now, if recording; says so once if the recording stops.
    pub(crate) fn record(&mut self, body: RecordBody) {
        self.record_with(|recorder, t_us| recorder.record(t_us, body));
    }

    /// Writes out what was recorded since the last call.
    pub(crate) fn flush_recording(&mut self) {
        if let Some(recording) = self.recorder.as_mut() {
            let _ = recording.recorder.flush();
        }
    }

    /// Ends the recording (an end line, then the file flushed).
    pub(crate) fn finish_recording(&mut self) {
        let t_us = self.now_us();
        if let Some(recorder) = self.recorder.take()
            && let Err(error) = recorder.recorder.finish(t_us)
        {
            let line = format!(
                "cannot finish the recording {}: {error}",
                recorder.path.display()
            );
            self.say(&line);
        }
    }

    /// Decodes and handles a message from `from`, recording it; the error of one that does not
    /// decode (it is dropped).
    pub(crate) fn receive(&mut self, from: NodeId, bytes: &[u8]) -> Result<(), wire::WireError> {
        if self.node.is_none() {
            return Ok(());
        }
        let message = self.decode(from, bytes)?;
        self.handle(from, message, bytes.len());
        Ok(())
    }

    /// Decodes a message from `from` (bounded by the node's message size), recording one that
    /// does not decode.
    pub(crate) fn decode(
        &mut self,
        from: NodeId,
        bytes: &[u8],
    ) -> Result<wire::Message, wire::WireError> {
        let max = self
            .node
            .as_ref()
            .map_or(usize::MAX, |node| node.config().max_message_bytes);
        wire::decode_message(bytes, max).inspect_err(|error| {
            self.record_with(|recorder, t_us| recorder.undecodable(t_us, from, bytes.len(), error));
        })
    }

    /// Records a decoded message from `from` (`size` bytes on the wire) and hands it to the
    /// node.
    pub(crate) fn handle(&mut self, from: NodeId, message: wire::Message, size: usize) {
        let now = self.now();
        self.record_with(|recorder, t_us| recorder.received(t_us, from, &message, size));
        if let Some(node) = self.node.as_mut() {
            node.handle(now, from, message, &mut self.rng);
        }
    }

    pub(crate) fn say(&mut self, line: &str) {
        let _ = writeln!(self.out, "{line}");
        let _ = self.out.flush();
    }

    /// The next command line; None when input has just ended. Never completes after that, so
    /// it can stay a branch of a `select!`. Cancel-safe.
    pub(crate) async fn next_line(&mut self) -> Option<String> {
        let Some(lines) = self.input.as_mut() else {
            return std::future::pending().await;
        };
        match lines.next_line().await {
            Ok(Some(line)) => Some(line),
            _ => {
                self.input = None;
                None
            }
        }
    }

    /// How long until the node has something to do.
    pub(crate) fn wait(&self) -> Duration {
        let now = self.now();
        self.node
            .as_ref()
            .and_then(Node::poll_timeout)
            .map_or(Duration::from_secs(1), |at| {
                Duration::from_millis(at.saturating_sub(now))
            })
    }

    pub(crate) fn tick(&mut self) {
        let now = self.now();
        if let Some(node) = self.node.as_mut() {
            node.tick(now, &mut self.rng);
        }
    }

    /// Prints (and records) what the node reports and returns what it wants sent, encoded.
    pub(crate) fn outgoing(&mut self) -> Vec<(NodeId, Vec<u8>)> {
        let mut transmits = Vec::new();
        let mut events = Vec::new();
        let mut sent = Vec::new();
        let recording = self.recorder.is_some();
        if let Some(node) = self.node.as_mut() {
            while let Some((to, message)) = node.poll_transmit() {
                let bytes = wire::encode_message(&message);
                if recording {
                    sent.push((to, message, bytes.len()));
                }
                transmits.push((to, bytes));
            }
            while let Some(event) = node.poll_event() {
                events.push(event);
            }
        }
        for (to, message, size) in sent {
            self.record_with(|recorder, t_us| recorder.sent(t_us, to, &message, size));
        }
        for event in events {
            self.say(&event.to_string());
            self.record_with(|recorder, t_us| recorder.event(t_us, &event));
        }
        transmits
    }

    /// True once `quit` was given and SWIM has announced the leave (or [`LEAVE_GRACE`] passed).
    pub(crate) fn finished(&self) -> bool {
        self.leaving_since.is_some_and(|since| {
            since.elapsed() > LEAVE_GRACE
                || self
                    .node
                    .as_ref()
                    .is_none_or(|node| node.membership().poll_timeout().is_none())
        })
    }

    /// Runs one command line. `quit` starts a graceful leave and stops reading input.
    pub(crate) fn command(&mut self, line: &str) {
        let now = self.now();
        let mut words = line.split_whitespace();
        let reply = match (words.next(), self.node.as_mut()) {
            (None, _) => return,
            (Some("quit" | "exit"), node) => {
                if let Some(node) = node {
                    node.leave(now);
                }
                self.record(RecordBody::Leave);
                self.leaving_since.get_or_insert_with(Instant::now);
                self.input = None;
                return;
            }
            (Some("help"), _) => format!(
                "commands: put KEY VALUE, get KEY, keys, members, {}quit",
                self.extra_help
            ),
            (Some(_), None) => format!("not joined yet: waiting for {}", self.waiting_for),
            (Some("put"), Some(node)) => {
                match (words.next(), words.collect::<Vec<_>>().join(" ")) {
                    (Some(key), value) if !value.is_empty() => {
                        match node.put(now, key, value.as_bytes()) {
                            Ok(stamp) => {
                                let reply =
                                    format!("put {key} = {value} (version {})", stamp.version);
                                self.record(RecordBody::Put {
                                    key: key.to_string(),
                                    value,
                                    version: stamp.version,
                                });
                                reply
                            }
                            Err(error) => format!("cannot put {key}: {error}"),
                        }
                    }
                    _ => "usage: put KEY VALUE".to_string(),
                }
            }
            (Some("get"), Some(node)) => match words.next() {
                Some(key) => match (node.store().value(key), node.store().get(key)) {
                    (Some(value), Some(entry)) => format!(
                        "{key} = {} (origin {}, version {})",
                        String::from_utf8_lossy(value),
                        entry.stamp.origin,
                        entry.stamp.version
                    ),
                    _ => format!("{key} is not set"),
                },
                None => "usage: get KEY".to_string(),
            },
            (Some("keys"), Some(node)) => {
                let keys: Vec<&str> = node.store().entries().map(|(key, _)| key).collect();
                format!("keys: {}", keys.join(" "))
            }
            (Some("members"), Some(node)) => {
                let members: Vec<String> = node
                    .membership()
                    .members()
                    .map(|(id, member)| format!("{id}:{:?}", member.state).to_lowercase())
                    .collect();
                format!("me: {}; members: {}", node.me(), members.join(" "))
            }
            (Some(other), _) => format!("unknown command {other:?}; try help"),
        };
        self.say(&reply);
    }
}

/// `text` percent-encoded for a URL query: unreserved characters stay, every other byte is
/// `%XX`.
fn query_component(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// Runs a peer until `quit` (or forever, if `input` ends: a peer without a terminal keeps
/// gossiping).
pub async fn run<R: AsyncBufRead + Unpin, W: Write>(
    mut options: PeerOptions,
    input: R,
    out: W,
) -> anyhow::Result<()> {
    options.config.validate()?;
    gossip_node_room_check(&options.room)?;
    let mut peer = Shell::new(options.seed, input, out);
    if let Some(record) = &options.record {
        peer.start_recording(
            record,
            &options.relay,
            Some(&options.room),
            options.seed,
            options.config,
        )?;
    }
    let result = run_shell(&mut options, &mut peer).await;
    if let Err(error) = &result {
        peer.record(RecordBody::Note {
            text: format!("stopped: {error}"),
        });
    }
    peer.finish_recording();
    result
}

async fn run_shell<R: AsyncBufRead + Unpin, W: Write>(
    options: &mut PeerOptions,
    peer: &mut Shell<R, W>,
) -> anyhow::Result<()> {
    let mut backoff = Duration::from_millis(250);
    // Peers of other versions the relay kept out, each said once.
    let mut kept_out = BTreeSet::new();
    loop {
        let id_query = options.id.map(|id| format!("&id={id}")).unwrap_or_default();
        let secret_query = options
            .secret
            .as_deref()
            .map(|secret| format!("&secret={}", query_component(secret)))
            .unwrap_or_default();
        let record_query = if options.relay_records {
            "&record=true"
        } else {
            ""
        };
        let url = format!(
            "{}/ws?room={}&protocol={PROTOCOL_VERSION}{id_query}{secret_query}{record_query}",
            options.relay.trim_end_matches('/'),
            options.room
        );
        let socket = match connect_async_with_config(&url, None, true).await {
            Ok((socket, _)) => {
                backoff = Duration::from_millis(250);
                socket
            }
            Err(error) => {
                peer.say(&format!(
                    "relay unreachable ({error}); retrying in {} ms",
                    backoff.as_millis()
                ));
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        let (mut sink, mut stream) = socket.split();
        loop {
            let wait = peer.wait();
            tokio::select! {
                message = stream.next() => match message {
                    Some(Ok(Message::Text(text))) => match serde_json::from_str::<Control>(&text) {
                        Ok(Control::Welcome { protocol, .. }) if protocol != PROTOCOL_VERSION => {
                            let text = relay_frame::wrong_protocol_text(protocol, PROTOCOL_VERSION);
                            peer.say(&text);
                            let _ = sink.close().await;
                            anyhow::bail!(text);
                        }
                        Ok(Control::WrongProtocol { relay, peer: mine }) => {
                            let text = relay_frame::wrong_protocol_text(relay, mine);
                            peer.say(&text);
                            anyhow::bail!(text);
                        }
                        Ok(Control::KeptOut { id, protocol }) => {
                            if kept_out.insert((id, protocol)) {
                                peer.say(&relay_frame::kept_out_text(id, protocol, PROTOCOL_VERSION));
                            }
                        }
                        Ok(Control::Welcome { id, room, peers, .. }) => {
                            options.id = Some(id);
                            let now = peer.now();
                            let mut node = match peer.node.take() {
                                Some(node) => node,
                                None => Node::new(id, options.config)?,
                            };
                            node.bootstrap(now, peers.iter().copied(), &mut peer.rng);
                            peer.node = Some(node);
                            peer.record(RecordBody::Welcome { id, peers: peers.clone() });
                            peer.say(&format!("joined room {room} as peer {id} ({} others)", peers.len()));
                        }
                        Ok(Control::Joined { id }) => {
                            // The relay vouches that the peer is there: list it now rather than
                            // wait for its probes to reach us one period at a time.
                            let now = peer.now();
                            if let Some(node) = peer.node.as_mut() {
                                node.bootstrap(now, [id], &mut peer.rng);
                            }
                            peer.record(RecordBody::PeerConnected { id });
                            peer.say(&format!("peer {id} connected to the relay"));
                        }
                        Ok(Control::Left { id }) => {
                            peer.record(RecordBody::PeerDisconnected { id });
                            peer.say(&format!("peer {id} disconnected from the relay"));
                        }
                        // Native peers do not ask for the room's traffic; nothing to draw here.
                        Ok(Control::Traffic { .. }) => {}
                        Err(error) => peer.say(&format!("ignored an unknown control frame: {error}")),
                    },
                    Some(Ok(Message::Binary(frame))) => {
                        if let Ok((from, payload)) = relay_frame::split(&frame, usize::MAX)
                            && let Err(error) = peer.receive(from, payload)
                        {
                            peer.say(&format!("dropped a malformed message from {from}: {error}"));
                        }
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => {
                        peer.record(RecordBody::RelayLost);
                        peer.say("connection to the relay lost; reconnecting");
                        break;
                    }
                },
                _ = tokio::time::sleep(wait) => peer.tick(),
                line = peer.next_line() => if let Some(line) = line {
                    peer.command(&line);
                },
            }
            // Send what the node produced (after reporting what happened).
            for (to, bytes) in peer.outgoing() {
                if sink
                    .send(Message::Binary(relay_frame::join(to, &bytes).into()))
                    .await
                    .is_err()
                {
                    break;
                }
            }
            peer.flush_recording();
            if peer.finished() {
                let _ = sink.close().await;
                return Ok(());
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

fn gossip_node_room_check(room: &str) -> anyhow::Result<()> {
    crate::relay::validate_room(room)
        .map_err(anyhow::Error::msg)
        .context("--room")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_percent_encoded_in_the_query() {
        assert_eq!(query_component("s3cret-_.~"), "s3cret-_.~");
        assert_eq!(query_component("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
    }
}
