//! `gossip-node peer`: a native live peer. It runs the same gossip-core [`Node`] as a browser
//! tab, driven by real time and a WebSocket to the relay, and takes commands on standard input:
//! `put KEY VALUE`, `get KEY`, `keys`, `members`, `help`, `quit`. It prints what happens (members
//! joining, suspected, failing; values arriving and by which mechanism) one line each.
//!
//! The relay gives the peer an id on first contact; after a lost connection the peer reconnects
//! with backoff and asks for the same id, so the cluster sees the same member come back and its
//! state (store, membership) carries on.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures::{SinkExt, StreamExt};
use gossip_core::membership::MemberEvent;
use gossip_core::node::{Node, NodeConfig, NodeEvent};
use gossip_core::relay_frame::{self, Control};
use gossip_core::{NodeId, SimRng, Time, seeded_rng};
use tokio::io::{AsyncBufRead, AsyncBufReadExt};
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

/// How a peer joins and gossips.
#[derive(Clone, Debug)]
pub struct PeerOptions {
    /// The relay's base URL, `ws://HOST:PORT`.
    pub relay: String,
    pub room: String,
    /// The id to ask for; the relay assigns one when absent.
    pub id: Option<NodeId>,
    /// The room's shared secret, if it has one.
    pub secret: Option<String>,
    pub config: NodeConfig,
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

struct Peer<W: Write> {
    options: PeerOptions,
    started: Instant,
    rng: SimRng,
    node: Option<Node>,
    out: W,
}

impl<W: Write> Peer<W> {
    fn now(&self) -> Time {
        self.started.elapsed().as_millis() as Time
    }

    fn say(&mut self, line: &str) {
        let _ = writeln!(self.out, "{line}");
        let _ = self.out.flush();
    }

    fn describe(&self, event: &NodeEvent) -> String {
        match event {
            NodeEvent::Member(member) => match member {
                MemberEvent::Joined { id, .. } => format!("member {id} joined"),
                MemberEvent::Suspected { id, .. } => format!("member {id} suspected"),
                MemberEvent::Refuted {
                    id, incarnation, ..
                } => {
                    format!("member {id} is alive (incarnation {incarnation})")
                }
                MemberEvent::Failed { id, .. } => format!("member {id} failed"),
                MemberEvent::Left { id, .. } => format!("member {id} left"),
                #[allow(unreachable_patterns)]
                other => format!("member event {other:?}"),
            },
            NodeEvent::Updated {
                key, stamp, via, ..
            } => {
                let value = self.value_of(key).unwrap_or_default();
                format!(
                    "updated {key} = {value} (origin {}, version {}, via {via:?})",
                    stamp.origin, stamp.version
                )
            }
            NodeEvent::MailDropped { to, stamp, reason } => {
                format!(
                    "direct mail of version {} to {to} given up ({reason:?})",
                    stamp.version
                )
            }
        }
    }

    fn value_of(&self, key: &str) -> Option<String> {
        let value = self.node.as_ref()?.store().value(key)?;
        Some(String::from_utf8_lossy(value).into_owned())
    }

    /// Runs one command line; returns false on `quit`.
    fn command(&mut self, line: &str) -> bool {
        let now = self.now();
        let mut words = line.split_whitespace();
        let reply = match (words.next(), self.node.as_mut()) {
            (None, _) => return true,
            (Some("quit" | "exit"), node) => {
                if let Some(node) = node {
                    node.leave(now);
                }
                return false;
            }
            (Some("help"), _) => {
                "commands: put KEY VALUE, get KEY, keys, members, quit".to_string()
            }
            (Some(_), None) => "not joined yet: waiting for the relay".to_string(),
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
        true
    }
}

/// Runs a peer until `quit` (or forever, if `input` ends: a peer without a terminal keeps
/// gossiping).
pub async fn run<R: AsyncBufRead + Unpin, W: Write>(
    options: PeerOptions,
    input: R,
    out: W,
) -> anyhow::Result<()> {
    options.config.validate().map_err(anyhow::Error::msg)?;
    gossip_node_room_check(&options.room)?;
    let mut peer = Peer {
        rng: seeded_rng(options.seed),
        options,
        started: Instant::now(),
        node: None,
        out,
    };
    let mut lines = input.lines();
    let mut input_open = true;
    // Set by `quit`: the peer keeps answering until SWIM has announced its leave (or 3 s pass).
    let mut leaving_since: Option<Instant> = None;
    let mut backoff = Duration::from_millis(250);
    loop {
        let id_query = peer
            .options
            .id
            .map(|id| format!("&id={id}"))
            .unwrap_or_default();
        let url = format!(
            "{}/ws?room={}{id_query}",
            peer.options.relay.trim_end_matches('/'),
            peer.options.room
        );
        let socket = match connect_async(&url).await {
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
            let now = peer.now();
            let wait = peer
                .node
                .as_ref()
                .and_then(Node::poll_timeout)
                .map_or(Duration::from_secs(1), |at| {
                    Duration::from_millis(at.saturating_sub(now))
                });
            tokio::select! {
                message = stream.next() => match message {
                    Some(Ok(Message::Text(text))) => match serde_json::from_str::<Control>(&text) {
                        Ok(Control::Welcome { id, room, peers }) => {
                            peer.options.id = Some(id);
                            let now = peer.now();
                            let node = match peer.node.take() {
                                Some(node) => node,
                                None => Node::new(id, peer.options.config).map_err(anyhow::Error::msg)?,
                            };
                            let mut node = node;
                            node.bootstrap(now, peers.iter().copied(), &mut peer.rng);
                            peer.node = Some(node);
                            peer.say(&format!("joined room {room} as peer {id} ({} others)", peers.len()));
                        }
                        Ok(Control::Joined { id }) => peer.say(&format!("peer {id} connected to the relay")),
                        Ok(Control::Left { id }) => peer.say(&format!("peer {id} disconnected from the relay")),
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
                _ = tokio::time::sleep(wait) => {
                    let now = peer.now();
                    if let Some(node) = peer.node.as_mut() {
                        node.tick(now, &mut peer.rng);
                    }
                }
                line = lines.next_line(), if input_open => match line {
                    Ok(Some(line)) => {
                        if !peer.command(&line) {
                            leaving_since.get_or_insert_with(Instant::now);
                            input_open = false;
                        }
                    }
                    _ => input_open = false,
                },
            }
            // Send what the node produced and report what happened.
            let mut frames = Vec::new();
            let mut events = Vec::new();
            if let Some(node) = peer.node.as_mut() {
                while let Some((to, bytes)) = node.poll_transmit_bytes() {
                    frames.push(relay_frame::join(to, &bytes));
                }
                while let Some(event) = node.poll_event() {
                    events.push(event);
                }
            }
            for event in &events {
                let line = peer.describe(event);
                peer.say(&line);
            }
            for frame in frames {
                if sink.send(Message::Binary(frame.into())).await.is_err() {
                    break;
                }
            }
            if let Some(since) = leaving_since {
                let announced = peer
                    .node
                    .as_ref()
                    .is_none_or(|node| node.membership().poll_timeout().is_none());
                if announced || since.elapsed() > Duration::from_secs(3) {
                    let _ = sink.close().await;
                    return Ok(());
                }
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
