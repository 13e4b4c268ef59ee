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

use std::collections::BTreeSet;
use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures::{SinkExt, StreamExt};
use gossip_core::{Node, NodeConfig};
use gossip_core::{NodeId, SimRng, Time, seeded_rng};
use gossip_relay_frame::{self as relay_frame, Control, PROTOCOL_VERSION};
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
        Shell {
            started: Instant::now(),
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

    /// Prints what the node reports and returns what it wants sent, encoded.
    pub(crate) fn outgoing(&mut self) -> Vec<(NodeId, Vec<u8>)> {
        let mut transmits = Vec::new();
        let mut events = Vec::new();
        if let Some(node) = self.node.as_mut() {
            while let Some(transmit) = node.poll_transmit_bytes() {
                transmits.push(transmit);
            }
            while let Some(event) = node.poll_event() {
                events.push(event);
            }
        }
        for event in &events {
            self.say(&event.to_string());
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
                            Ok(stamp) => format!("put {key} = {value} (version {})", stamp.version),
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
        let url = format!(
            "{}/ws?room={}&protocol={PROTOCOL_VERSION}{id_query}{secret_query}",
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
                            peer.say(&format!("joined room {room} as peer {id} ({} others)", peers.len()));
                        }
                        Ok(Control::Joined { id }) => {
                            // The relay vouches that the peer is there: list it now rather than
                            // wait for its probes to reach us one period at a time.
                            let now = peer.now();
                            if let Some(node) = peer.node.as_mut() {
                                node.bootstrap(now, [id], &mut peer.rng);
                            }
                            peer.say(&format!("peer {id} connected to the relay"));
                        }
                        Ok(Control::Left { id }) => peer.say(&format!("peer {id} disconnected from the relay")),
                        // Native peers do not ask for the room's traffic; nothing to draw here.
                        Ok(Control::Traffic { .. }) => {}
                        Err(error) => peer.say(&format!("ignored an unknown control frame: {error}")),
                    },
                    Some(Ok(Message::Binary(frame))) => {
                        let now = peer.now();
                        if let (Ok((from, payload)), Some(node)) = (relay_frame::split(&frame, usize::MAX), peer.node.as_mut())
                            && let Err(error) = node.handle_bytes(now, from, payload, &mut peer.rng)
                        {
                            peer.say(&format!("dropped a malformed message from {from}: {error}"));
                        }
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => {
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
