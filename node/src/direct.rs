//! `gossip-node peer --listen ADDR [--seeds ADDR,ADDR]`: a native live peer without the relay.
//! Peers send each other UDP datagrams straight away, as memberlist and SWIM do, so a cluster
//! across machines needs nothing else. Commands and printing are the relay peer's
//! (`peer::Shell`); this module only moves datagrams.
//!
//! # Datagrams
//!
//! Every datagram is `[sender id: u32 LE][payload]` (the relay's frame layout,
//! [`relay_frame`]), the payload being one of:
//! - nothing: a *hello*, "I am this id, at this address";
//! - the single byte [`HELLO_ACK`] (`0xFF`): the answer to a hello. It is never a message: a
//!   message is its envelope's version byte and at least one byte more;
//! - a [`Message`](gossip_core::Message) in its envelope ([`wire::encode_message`]: the protocol version, then the
//!   message), at most the node's `max_message_bytes` (64 KiB by default, above what UDP
//!   carries).
//!
//! Truncated, oversized and undecodable datagrams are dropped, logged and counted; the `net`
//! command shows the counts. A message of another protocol version is dropped and counted too,
//! and said once per peer ("peer 7 runs protocol 1, this peer runs 2"), so that a peer of
//! another build is named rather than lost among malformed datagrams.
//!
//! # Addresses
//!
//! A peer learns where each id lives from the source address of its datagrams: the first
//! well-formed datagram claiming an id binds the id to that address. After that, datagrams
//! claiming the id from any other address are dropped and logged as forged, so that no peer can
//! speak as another. An id moves to a new address (a process restarted elsewhere under the same
//! `--id`) in two cases only:
//! - a hello from the new address, when this peer's membership holds the id Dead or Left;
//! - a datagram from the new address once the bound address has failed a challenge: the first
//!   forged datagram makes this peer say hello to the bound address (again every half second
//!   while claims go on), and if nothing comes back from there for [`CHALLENGE_WAIT`], the next
//!   datagram from the new address moves the id. A live peer answers, so keeps its id; a dead
//!   one is replaced within seconds, even at peers that never saw it die.
//!
//! This holds against peers on other sockets, not against forged source addresses: UDP carries
//! no proof of where a datagram came from.
//!
//! Each peer also writes its own address into the gossip store at start, under `addr/<id>`
//! (`IP:PORT` as it listens; not when it listens on an unspecified address such as `0.0.0.0`,
//! which others could not reach). A message to an id that has not been heard from yet goes to the
//! address in that record, if the record was written by that id itself; with no address, the
//! message is dropped and counted as unaddressable (SWIM's indirect probes and the other
//! mechanisms route around it until the id speaks).
//!
//! # Joining
//!
//! A peer with seeds says hello to each of them at start and again every second until one answers;
//! on the first hello-ack, from id `S`, it joins the cluster through `S` ([`Node::join`]: SWIM's
//! join and sync). A peer without seeds starts a cluster of its own and waits to be joined.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context;
use gossip_core::wire::{self, WireError};
use gossip_core::{MemberState, NodeId};
use gossip_core::{Node, NodeConfig};
use gossip_relay_frame::{self as relay_frame, BROADCAST, FrameError};
use rand::RngExt;
use tokio::io::AsyncBufRead;
use tokio::net::UdpSocket;

use crate::peer::{RecordOptions, Shell};
use gossip_sim::recording::RecordBody;

/// The payload of a hello-ack.
pub const HELLO_ACK: u8 = 0xFF;
/// How often a peer says hello to its seeds until one answers.
pub const HELLO_EVERY: Duration = Duration::from_secs(1);
/// How long a challenged address has to answer before its id moves (see the module doc).
pub const CHALLENGE_WAIT: Duration = Duration::from_secs(2);

/// How a direct peer listens, joins and gossips.
#[derive(Clone, Debug)]
pub struct DirectOptions {
    /// The UDP address to listen on (port 0: any free port).
    pub listen: SocketAddr,
    /// Addresses of peers to join through; none starts a cluster.
    pub seeds: Vec<SocketAddr>,
    /// This peer's id; a random one (from `seed`) when absent.
    pub id: Option<NodeId>,
    /// The node's protocol settings (periods in ms, message size bound in bytes); validated
    /// before the peer starts.
    pub config: NodeConfig,
    /// Seed of the peer's generator, which also draws its id when `id` is absent.
    pub seed: u64,
    /// Where to record what the peer lives through, if anywhere (as a relay peer records; its
    /// `welcome` is the moment it joined: its start without seeds, a seed's first answer with).
    pub record: Option<RecordOptions>,
}

/// The store key under which peer `id` publishes its address.
pub fn addr_key(id: NodeId) -> String {
    format!("addr/{id}")
}

/// What a datagram carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload<'a> {
    /// An empty payload: "I am this id, at this address"; answered with a hello-ack.
    Hello,
    /// The single byte [`HELLO_ACK`]: the answer to a hello.
    HelloAck,
    /// An encoded [`Message`](gossip_core::Message) in its envelope, not yet decoded.
    Message(&'a [u8]),
}

/// Splits a datagram into its sender id and payload; `max_message` bounds the payload.
pub fn parse(datagram: &[u8], max_message: usize) -> Result<(NodeId, Payload<'_>), FrameError> {
    let (from, payload) = relay_frame::split(
        datagram,
        max_message.saturating_add(relay_frame::HEADER_LEN),
    )?;
    let payload = match payload {
        [] => Payload::Hello,
        [HELLO_ACK] => Payload::HelloAck,
        message => Payload::Message(message),
    };
    Ok((from, payload))
}

/// Builds a hello (or, with `ack`, a hello-ack) from `me`.
pub fn hello(me: NodeId, ack: bool) -> Vec<u8> {
    let payload: &[u8] = if ack { &[HELLO_ACK] } else { &[] };
    relay_frame::join(me, payload)
}

/// Datagrams dropped, by reason.
#[derive(Clone, Copy, Debug, Default)]
struct Dropped {
    /// Claimed an id bound to another address (or this peer's own id).
    forged: u64,
    /// Truncated, oversized or undecodable.
    malformed: u64,
    /// Messages of another protocol version.
    other_version: u64,
    /// Outgoing, to an id with no known address.
    unaddressable: u64,
    /// Outgoing, refused by the socket.
    unsent: u64,
}

/// The address an id is bound to, asked (with hellos) to confirm the id because another address
/// claimed it.
struct Challenge {
    since: Instant,
    /// When the last hello went.
    sent: Option<Instant>,
}

/// The UDP side of a direct peer.
struct Direct {
    socket: UdpSocket,
    me: NodeId,
    local: SocketAddr,
    /// Where each id was heard from.
    addrs: BTreeMap<NodeId, SocketAddr>,
    seeds: Vec<SocketAddr>,
    /// The seed this peer joined through, once one answered.
    joined: Option<NodeId>,
    /// Bound addresses asked to confirm their ids, by id.
    challenges: BTreeMap<NodeId, Challenge>,
    dropped: Dropped,
    /// Peers heard speaking another protocol version, with it: each is said once.
    other_versions: BTreeMap<NodeId, u8>,
}

impl Direct {
    /// Whether a datagram claiming `id` from `addr` may be believed; binds or rebinds the id, or
    /// challenges the address it is bound to.
    async fn admit(&mut self, node: &Node, id: NodeId, addr: SocketAddr, is_hello: bool) -> bool {
        if id == self.me || id == BROADCAST {
            if is_hello {
                // This peer among its own seeds (listening on 0.0.0.0, say): harmless.
                tracing::debug!(%addr, "ignored a hello from this peer itself");
            } else {
                tracing::warn!(%addr, id, "dropped a datagram claiming this peer's id");
                self.dropped.forged += 1;
            }
            return false;
        }
        let Some(&bound) = self.addrs.get(&id) else {
            self.addrs.insert(id, addr);
            return true;
        };
        if bound == addr {
            // The bound address answers: any challenge of it is met.
            self.challenges.remove(&id);
            return true;
        }
        let dead = matches!(
            node.membership().member(id).map(|member| member.state),
            Some(MemberState::Dead | MemberState::Left)
        );
        let silent = self
            .challenges
            .get(&id)
            .is_some_and(|challenge| challenge.since.elapsed() >= CHALLENGE_WAIT);
        if (is_hello && dead) || silent {
            tracing::info!(id, from = %bound, to = %addr, "peer moved (restarted)");
            self.addrs.insert(id, addr);
            self.challenges.remove(&id);
            return true;
        }
        tracing::warn!(
            id, %addr, %bound,
            "dropped a datagram claiming an id bound to another address"
        );
        self.dropped.forged += 1;
        let now = Instant::now();
        let challenge = self.challenges.entry(id).or_insert(Challenge {
            since: now,
            sent: None,
        });
        if challenge
            .sent
            .is_none_or(|sent| now.duration_since(sent) >= CHALLENGE_WAIT / 4)
        {
            challenge.sent = Some(now);
            self.send_to(bound, &hello(self.me, false)).await;
        }
        false
    }

    /// Where to send to `id`: where it was heard from, else the address it published.
    fn address_of(&self, node: &Node, id: NodeId) -> Option<SocketAddr> {
        if let Some(&addr) = self.addrs.get(&id) {
            return Some(addr);
        }
        let key = addr_key(id);
        let entry = node.store().get(&key)?;
        if entry.stamp.origin != id {
            return None;
        }
        std::str::from_utf8(node.store().value(&key)?)
            .ok()?
            .parse()
            .ok()
    }

    async fn send_to(&mut self, addr: SocketAddr, datagram: &[u8]) {
        if let Err(error) = self.socket.send_to(datagram, addr).await {
            tracing::warn!(%addr, len = datagram.len(), "cannot send a datagram: {error}");
            self.dropped.unsent += 1;
        }
    }

    async fn send(&mut self, node: &Node, to: NodeId, payload: &[u8]) {
        let Some(addr) = self.address_of(node, to) else {
            tracing::debug!(to, "no address for a peer; message dropped");
            self.dropped.unaddressable += 1;
            return;
        };
        self.send_to(addr, &relay_frame::join(self.me, payload))
            .await;
    }

    async fn hello_seeds(&mut self) {
        let datagram = hello(self.me, false);
        for seed in self.seeds.clone() {
            self.send_to(seed, &datagram).await;
        }
    }

    /// Handles one received datagram.
    async fn receive<R: AsyncBufRead + Unpin, W: Write>(
        &mut self,
        shell: &mut Shell<R, W>,
        datagram: &[u8],
        from: SocketAddr,
    ) {
        let now = shell.now();
        let Some(node) = shell.node.as_mut() else {
            return;
        };
        let (id, payload) = match parse(datagram, node.config().max_message_bytes) {
            Ok(parsed) => parsed,
            Err(error) => {
                tracing::warn!(%from, "dropped a datagram: {error}");
                self.dropped.malformed += 1;
                return;
            }
        };
        match payload {
            Payload::Hello => {
                if self.admit(node, id, from, true).await {
                    self.send_to(from, &hello(self.me, true)).await;
                }
            }
            Payload::HelloAck => {
                if self.admit(node, id, from, false).await && self.joined.is_none() {
                    self.joined = Some(id);
                    node.join(now, id);
                    shell.record(RecordBody::Welcome {
                        id: self.me,
                        peers: vec![id],
                    });
                    shell.say(&format!("joining through peer {id} at {from}"));
                }
            }
            Payload::Message(bytes) => {
                // Decoded (and recorded if it does not decode) before the sender is bound, so
                // that garbage binds no id.
                let message = match shell.decode(id, bytes) {
                    Ok(message) => message,
                    Err(WireError::OtherVersion { found }) => {
                        self.dropped.other_version += 1;
                        if self.other_versions.insert(id, found) != Some(found) {
                            shell.say(&format!(
                                "peer {id} at {from} runs protocol {found}, this peer runs {}: \
                                 its messages are ignored (run the same gossip-node build on every peer)",
                                wire::PROTOCOL_VERSION
                            ));
                        }
                        return;
                    }
                    Err(error) => {
                        tracing::warn!(%from, id, "dropped a datagram: {error}");
                        self.dropped.malformed += 1;
                        return;
                    }
                };
                let admitted = match shell.node.as_ref() {
                    Some(node) => self.admit(node, id, from, false).await,
                    None => false,
                };
                if admitted {
                    shell.handle(id, message, bytes.len());
                }
            }
        }
    }

    /// The `net` command: addresses known and datagrams dropped.
    fn describe(&self) -> String {
        let addrs: Vec<String> = self
            .addrs
            .iter()
            .map(|(id, addr)| format!("{id}@{addr}"))
            .collect();
        let Dropped {
            forged,
            malformed,
            other_version,
            unaddressable,
            unsent,
        } = self.dropped;
        format!(
            "net: me {}@{}; heard from: {}; dropped: forged {forged}, malformed {malformed}, \
             other protocol version {other_version}, unaddressable {unaddressable}, unsent {unsent}",
            self.me,
            self.local,
            addrs.join(" ")
        )
    }
}

/// Runs a direct peer until `quit` (or forever, if `input` ends).
pub async fn run<R: AsyncBufRead + Unpin, W: Write>(
    options: DirectOptions,
    input: R,
    out: W,
) -> anyhow::Result<()> {
    options.config.validate()?;
    let mut shell = Shell::new(options.seed, input, out);
    shell.extra_help = "net, ";
    let result = run_shell(options, &mut shell).await;
    if let Err(error) = &result {
        shell.record(RecordBody::Note {
            text: format!("stopped: {error}"),
        });
    }
    shell.finish_recording();
    result
}

async fn run_shell<R: AsyncBufRead + Unpin, W: Write>(
    options: DirectOptions,
    shell: &mut Shell<R, W>,
) -> anyhow::Result<()> {
    let id = match options.id {
        Some(BROADCAST) => anyhow::bail!("--id {BROADCAST} is reserved"),
        Some(id) => id,
        None => shell.rng.random_range(0..BROADCAST),
    };
    let socket = UdpSocket::bind(options.listen)
        .await
        .with_context(|| format!("cannot listen on {} (UDP)", options.listen))?;
    let local = socket.local_addr()?;
    if let Some(record) = &options.record {
        let transport = format!("udp://{local}");
        shell.start_recording(record, &transport, None, options.seed, options.config)?;
    }
    let mut node = Node::new(id, options.config)?;
    let published = !local.ip().is_unspecified();
    if published {
        node.put(shell.now(), &addr_key(id), local.to_string().as_bytes())?;
    } else {
        tracing::warn!(
            %local,
            "listening on an unspecified address: not publishing it; others learn it from datagrams"
        );
    }
    shell.node = Some(node);
    if options.seeds.iter().all(|&seed| seed == local) {
        // Nobody to join through: this peer is the cluster from its start.
        shell.record(RecordBody::Welcome { id, peers: vec![] });
    }
    shell.say(&format!("listening on {local} as peer {id}"));
    let mut net = Direct {
        socket,
        me: id,
        local,
        addrs: BTreeMap::new(),
        seeds: options
            .seeds
            .into_iter()
            .filter(|&seed| seed != local)
            .collect(),
        joined: None,
        challenges: BTreeMap::new(),
        dropped: Dropped::default(),
        other_versions: BTreeMap::new(),
    };
    // Room for one byte over the limit, so that an oversized datagram shows as one.
    let max = options.config.max_message_bytes;
    let mut buffer = vec![0; relay_frame::HEADER_LEN + max + 1];
    let mut next_hello = Instant::now();
    loop {
        let saying_hello = net.joined.is_none() && !net.seeds.is_empty();
        let mut wait = shell.wait();
        if saying_hello {
            wait = wait.min(next_hello.saturating_duration_since(Instant::now()));
        }
        tokio::select! {
            received = net.socket.recv_from(&mut buffer) => match received {
                Ok((len, from)) => net.receive(shell, &buffer[..len], from).await,
                // An ICMP error reported on the socket (some systems do): not fatal.
                Err(error) => tracing::warn!("receiving: {error}"),
            },
            _ = tokio::time::sleep(wait) => {
                shell.tick();
                if saying_hello && Instant::now() >= next_hello {
                    net.hello_seeds().await;
                    next_hello = Instant::now() + HELLO_EVERY;
                }
            }
            line = shell.next_line() => if let Some(line) = line {
                if line.trim() == "net" {
                    let status = net.describe();
                    shell.say(&status);
                } else {
                    shell.command(&line);
                }
            },
        }
        let outgoing = shell.outgoing();
        let now = shell.now();
        if let Some(node) = shell.node.as_mut() {
            for (to, bytes) in outgoing {
                net.send(node, to, &bytes).await;
            }
            // A record of this id from an earlier run (same id, other address) came in: write
            // this run's address again, above it.
            let key = addr_key(id);
            let own = local.to_string();
            if published && node.store().value(&key) != Some(own.as_bytes()) {
                let _ = node.put(now, &key, own.as_bytes());
            }
        }
        shell.flush_recording();
        if shell.finished() {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datagrams_parse_into_hellos_acks_and_messages() {
        assert_eq!(parse(&hello(7, false), 100), Ok((7, Payload::Hello)));
        assert_eq!(parse(&hello(7, true), 100), Ok((7, Payload::HelloAck)));
        let datagram = relay_frame::join(9, &[1, 2, 3]);
        assert_eq!(parse(&datagram, 100), Ok((9, Payload::Message(&[1, 2, 3]))));
    }

    #[test]
    fn short_and_oversized_datagrams_are_refused() {
        assert_eq!(
            parse(&[1, 2, 3], 100),
            Err(FrameError::Truncated { len: 3 })
        );
        assert!(parse(&relay_frame::join(1, &[0; 100]), 100).is_ok());
        assert_eq!(
            parse(&relay_frame::join(1, &[0; 101]), 100),
            Err(FrameError::Oversized { len: 105, max: 104 })
        );
    }

    #[test]
    fn a_hello_ack_is_never_a_message() {
        assert!(wire::decode_message(&[HELLO_ACK], usize::MAX).is_err());
        assert!(wire::decode_message(&[], usize::MAX).is_err());
        // The smallest message: its version byte, a variant tag and an empty list's length.
        let receipts = wire::encode_message(&gossip_core::Message::Learned(vec![]));
        assert_eq!(receipts, vec![0x80 | wire::PROTOCOL_VERSION, 4, 0]);
    }
}
