//! The Redis Cluster bus as Redis 7.0 runs it: how nodes form a cluster, spread who is up, and
//! agree that one is down. Sources: the Redis Cluster specification (redis.io, "Redis cluster
//! specification": heartbeat and gossip messages, failure detection) and src/cluster.c of Redis
//! 7.0.15 (`clusterCron`, `clusterSendPing`, `clusterSetGossipEntry`,
//! `clusterProcessGossipSection`, `clusterProcessPacket`, `markNodeAsFailingIfNeeded`,
//! `clusterLinkConnectHandler`). `scripts/bench/redis_vs_model.sh` runs real Redis beside it.
//!
//! - **Forming.** The cluster starts as `redis-cli --cluster create` makes it: every node but
//!   node 0 is told to MEET node 0 and knows nobody else. A node learns the others from the
//!   gossip of nodes it knows (a MEET also makes the receiver learn the sender, first in
//!   HANDSHAKE until it answers a ping). A node connects to a peer at its first cron after
//!   learning it and pings it on connecting. So first pongs, and with them every later ping
//!   time, spread over the forming instead of starting in step.
//! - **Cron.** Every node runs `clusterCron` 10 times a second, its phase random (and so is
//!   which of its crons is the once-a-second one). Once a second it samples 5 random known
//!   nodes and pings the one whose pong is oldest (of those linked, out of handshake and without
//!   a ping in flight); on every cron it pings any node whose last pong is older than half the
//!   node timeout. A ping unanswered for `node_timeout` (counting any message from the node as
//!   an answer, as Redis's `data_received` does) makes the node PFAIL, locally. The cron does
//!   not check the FAIL quorum.
//! - **Gossip.** Every MEET, PING and PONG carries `max(3, floor(known / 10))` random known
//!   nodes (not in PFAIL or handshake; `known` counts the sender), then every node the sender
//!   holds PFAIL. An entry carries the flags and the pong time **in whole seconds**
//!   (`pong_received / 1000` in `clusterSetGossipEntry`); the receiver multiplies it back by
//!   1,000. With no ping in flight to the node and no failure report about it, a gossiped pong
//!   time newer than one's own (and not more than 500 ms in the future) is taken as one's own:
//!   it spares a ping.
//! - **FAIL.** A master gossiping a node as PFAIL or FAIL leaves a failure report, valid for
//!   `2 x node_timeout`; one gossiping it OK takes its report back. Only when a report arrives
//!   does the receiver check the quorum (`markNodeAsFailingIfNeeded` from
//!   `clusterProcessGossipSection`): holding the node PFAIL itself, with reports from a majority
//!   of the masters (counting itself, if a master), it marks the node FAIL and broadcasts a FAIL
//!   message, on which every node marks it FAIL at once.
//! - **Sizes.** Every bus message has a header of 2,256 bytes (most of it the 16,384-slot
//!   bitmap), gossip entries are 104 bytes, a FAIL message adds a 40-byte node name.
//!
//! Nodes `0, r + 1, 2(r + 1), ...` are masters and the `r` nodes after each its replicas (`r =
//! replicas`); replicas gossip and relay FAIL but do not vote. Not modelled: slots, replica
//! promotion (failover) and epochs, links that break and reconnect.
//!
//! The report's figures are times from a crash: the first PFAIL anywhere, each running node's
//! first PFAIL (or FAIL, if the broadcast came first) averaged over the nodes, the first FAIL,
//! and FAIL at every running node; and traffic per node per second in the steady state, from
//! `warm_up` to the first crash after it.

use std::collections::BTreeMap;

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::{SystemReport, SystemSummary, TimeSeries};
use crate::error::SimError;
use crate::metrics::Figure;
use crate::models::{ModelNetwork, ModelSim, Observation, Outbox, SystemFault};
use crate::process::Process;
use gossip_core::{NodeId, SimRng, Time};

/// Redis Cluster's failure detection parameters, and when the traffic figures start counting.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisConfig {
    /// `cluster-node-timeout` (redis.conf default 15,000 ms).
    pub node_timeout: Time,
    /// Replicas per master.
    pub replicas: u32,
    /// Not a Redis setting: the start-up the traffic figures leave out, in ms. They count what
    /// is sent from here to the first crash after it (or the end of the run); when that leaves
    /// less than a second, the whole run.
    pub warm_up: Time,
}

impl Default for RedisConfig {
    fn default() -> Self {
        RedisConfig {
            node_timeout: 15_000,
            replicas: 0,
            warm_up: 10_000,
        }
    }
}

impl RedisConfig {
    /// Checks the parameters for a cluster of `nodes` nodes.
    pub fn validate(&self, nodes: u32) -> Result<(), SimError> {
        if nodes < 3 {
            return Err(SimError::invalid(
                "nodes",
                "must be at least 3 for a Redis cluster",
            ));
        }
        if self.node_timeout < 200 {
            return Err(SimError::invalid(
                "redis.node_timeout",
                format!("must be at least 200 ms, got {}", self.node_timeout),
            ));
        }
        Ok(())
    }

    fn is_master(&self, id: NodeId) -> bool {
        id % (self.replicas + 1) == 0
    }

    fn masters(&self, nodes: u32) -> u32 {
        nodes.div_ceil(self.replicas + 1)
    }
}

const CRON_MS: Time = 100;
/// A gossiped pong time may be this far in the receiver's future (`clusterProcessGossipSection`).
const PONG_TOLERANCE_MS: Time = 500;
/// Failure reports are valid for this many node timeouts (`CLUSTER_FAIL_REPORT_VALIDITY_MULT`).
const FAIL_REPORT_VALIDITY_MULT: Time = 2;
/// Mixed into the seed for the draw of the wall clock's phase.
const CLOCK_SEED_MIX: u64 = 0x9e37_79b9_7f4a_7c15;
const HEADER_BYTES: usize = 2_256;
const GOSSIP_ENTRY_BYTES: usize = 104;
const NODE_NAME_BYTES: usize = 40;

/// Flags a node gossips about another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    /// Nothing wrong known.
    Ok,
    /// Not answering pings, as the sender sees it.
    PFail,
    /// Agreed failed by a majority of masters.
    Fail,
}

/// What a meet, ping or pong says about one node (`clusterMsgDataGossip`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GossipEntry {
    /// The node.
    pub node: NodeId,
    /// When the sender last had a pong from it, in whole seconds of the clock (0: never), as
    /// Redis 7.0 puts it on the wire.
    pub pong_seconds: u32,
    /// What the sender holds it.
    pub flag: Flag,
}

/// A cluster bus message.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// The first message to a node met by address (`CLUSTER MEET`): a ping that makes the
    /// receiver learn the sender.
    Meet(Vec<GossipEntry>),
    /// A ping, with its gossip section.
    Ping(Vec<GossipEntry>),
    /// The answer to a meet or ping, with its own gossip section.
    Pong(Vec<GossipEntry>),
    /// `node` is marked FAIL; sent to every node.
    Fail {
        /// The failed node.
        node: NodeId,
    },
}

/// What a node knows of another (`clusterNode`).
#[derive(Clone, Copy, Debug, Default)]
struct Peer {
    /// In the node table.
    known: bool,
    /// Known by address only, until it answers a ping (`CLUSTER_NODE_HANDSHAKE`).
    handshake: bool,
    /// Met by `CLUSTER MEET`: the first message on the link is a MEET.
    meet: bool,
    /// The link to it is up (made at the first cron after learning it).
    linked: bool,
    /// When the ping in flight was sent (None: nothing in flight).
    ping_sent: Option<Time>,
    /// When its last pong arrived (None: never, Redis's 0).
    pong_received: Option<Time>,
    /// When any message from it last arrived.
    data_received: Option<Time>,
    /// It has answered a ping (or meet) of this node's.
    answered: bool,
    pfail: bool,
    fail: bool,
}

/// One node of the cluster bus.
pub struct Node {
    config: RedisConfig,
    peers: Vec<Peer>,
    /// Every node in the node table, itself included, in the order learnt: what
    /// `dictGetRandomKey` draws from.
    table: Vec<NodeId>,
    /// (subject, reporting master) -> when reported.
    reports: BTreeMap<(NodeId, NodeId), Time>,
    crons: u64,
    /// When the next cron runs.
    next_cron: Option<Time>,
    /// The wall clock at the start of the run, in ms past a whole second: where the seconds of
    /// gossiped pong times begin.
    clock_offset: Time,
    /// Messages and bytes sent, per second of the run.
    sent: Vec<(u64, u64)>,
    out: Outbox<Message>,
}

impl Node {
    /// Node `me` of `nodes` before `redis-cli --cluster create`: node 0 knows nobody, every
    /// other node has been told to meet node 0. The cluster shares one wall clock, which showed
    /// `clock_offset` ms past a whole second at the start.
    fn new(config: RedisConfig, me: NodeId, nodes: u32, clock_offset: Time) -> Node {
        let mut node = Node {
            config,
            peers: vec![Peer::default(); nodes as usize],
            table: vec![me],
            reports: BTreeMap::new(),
            crons: 0,
            next_cron: None,
            clock_offset,
            sent: Vec::new(),
            out: Outbox::new(me),
        };
        if me != 0 {
            node.learn(0, true);
            node.peers[0].meet = true;
        }
        node
    }

    fn me(&self) -> NodeId {
        self.out.me()
    }

    fn nodes(&self) -> u32 {
        self.peers.len() as u32
    }

    fn learn(&mut self, node: NodeId, handshake: bool) {
        let peer = &mut self.peers[node as usize];
        peer.known = true;
        peer.handshake = handshake;
        self.table.push(node);
    }

    /// Whether `node` is a known node out of handshake: messages from it count.
    fn trusts(&self, node: NodeId) -> bool {
        let peer = &self.peers[node as usize];
        peer.known && !peer.handshake
    }

    fn flag(&self, id: NodeId) -> Flag {
        let peer = &self.peers[id as usize];
        if peer.fail {
            Flag::Fail
        } else if peer.pfail {
            Flag::PFail
        } else {
            Flag::Ok
        }
    }

    /// `clusterSendPing`'s gossip section: `max(3, known / 10)` random known nodes (not in
    /// PFAIL, handshake or unlinked), then every node in PFAIL.
    fn gossip(&self, rng: &mut SimRng) -> Vec<GossipEntry> {
        let known = self.table.len();
        let mut fresh = known.saturating_sub(2);
        let wanted = (known / 10).max(3).min(fresh);
        let mut entries: Vec<GossipEntry> = Vec::with_capacity(wanted);
        let mut iterations = wanted * 3;
        while fresh > 0 && entries.len() < wanted && iterations > 0 {
            iterations -= 1;
            let node = self.table[rng.random_range(0..known)];
            let peer = &self.peers[node as usize];
            if node == self.me() || peer.pfail {
                continue;
            }
            if peer.handshake || !peer.linked {
                fresh -= 1;
                continue;
            }
            if entries.iter().any(|e| e.node == node) {
                continue;
            }
            entries.push(self.entry(node));
            fresh -= 1;
        }
        for &node in &self.table {
            let peer = &self.peers[node as usize];
            if peer.pfail && !peer.handshake {
                entries.push(self.entry(node));
            }
        }
        entries
    }

    /// `clusterSetGossipEntry`: the pong time goes out in whole seconds of the wall clock.
    fn entry(&self, node: NodeId) -> GossipEntry {
        let pong_seconds = self.peers[node as usize]
            .pong_received
            .map_or(0, |at| (at + self.clock_offset) / 1_000);
        GossipEntry {
            node,
            pong_seconds: u32::try_from(pong_seconds).unwrap_or(u32::MAX),
            flag: self.flag(node),
        }
    }

    fn send(&mut self, now: Time, to: NodeId, message: Message) {
        let second = (now / 1_000) as usize;
        if self.sent.len() <= second {
            self.sent.resize(second + 1, (0, 0));
        }
        self.sent[second].0 += 1;
        self.sent[second].1 += Node::message_bytes(&message) as u64;
        self.out.send(to, message);
    }

    fn ping(&mut self, to: NodeId, now: Time, rng: &mut SimRng) {
        self.peers[to as usize].ping_sent = Some(now);
        let gossip = self.gossip(rng);
        self.send(now, to, Message::Ping(gossip));
    }

    /// `clusterLinkConnectHandler`: the first message on a new link is a MEET or a PING; a ping
    /// already in flight keeps its time, and a MEET starts none.
    fn connect(&mut self, to: NodeId, now: Time, rng: &mut SimRng) {
        let peer = &mut self.peers[to as usize];
        peer.linked = true;
        if std::mem::take(&mut peer.meet) {
            let gossip = self.gossip(rng);
            self.send(now, to, Message::Meet(gossip));
        } else {
            let in_flight = peer.ping_sent;
            self.ping(to, now, rng);
            if in_flight.is_some() {
                self.peers[to as usize].ping_sent = in_flight;
            }
        }
    }

    fn mark_fail(&mut self, node: NodeId, now: Time) {
        let peer = &mut self.peers[node as usize];
        if !peer.fail {
            peer.fail = true;
            peer.pfail = false;
            self.out.observe(now, "fail", node, 0.0);
        }
    }

    /// Failure reports about `node` still valid at `now` (`clusterNodeFailureReportsCount`).
    fn report_count(&mut self, node: NodeId, now: Time) -> u32 {
        let validity = FAIL_REPORT_VALIDITY_MULT * self.config.node_timeout;
        self.reports
            .retain(|&(subject, _), &mut at| subject != node || now - at <= validity);
        self.reports.range((node, 0)..=(node, NodeId::MAX)).count() as u32
    }

    /// `markNodeAsFailingIfNeeded`: PFAIL here and reported by a majority of masters. Redis
    /// calls it only when a failure report arrives.
    fn check_failing(&mut self, node: NodeId, now: Time) {
        let peer = self.peers[node as usize];
        if !peer.pfail || peer.fail {
            return;
        }
        let failures = self.report_count(node, now) + u32::from(self.config.is_master(self.me()));
        if failures > self.config.masters(self.nodes()) / 2 {
            self.mark_fail(node, now);
            let me = self.me();
            for index in 0..self.table.len() {
                let to = self.table[index];
                if to != me && !self.peers[to as usize].handshake {
                    self.send(now, to, Message::Fail { node });
                }
            }
        }
    }

    /// `clusterProcessGossipSection`, for a message from a trusted sender.
    fn absorb(&mut self, from: NodeId, gossip: &[GossipEntry], now: Time) {
        let from_master = self.config.is_master(from);
        for entry in gossip {
            let node = entry.node;
            if node == self.me() || node >= self.nodes() {
                continue;
            }
            if !self.peers[node as usize].known {
                self.learn(node, false);
                continue;
            }
            if from_master {
                if entry.flag == Flag::Ok {
                    self.reports.remove(&(node, from));
                } else {
                    self.reports.insert((node, from), now);
                    self.check_failing(node, now);
                }
            }
            if entry.flag == Flag::Ok
                && self.peers[node as usize].ping_sent.is_none()
                && self.report_count(node, now) == 0
            {
                // Back to ms, and from the wall clock to the run's.
                let pong = (Time::from(entry.pong_seconds) * 1_000).checked_sub(self.clock_offset);
                let peer = &mut self.peers[node as usize];
                if let Some(pong) = pong
                    && pong <= now + PONG_TOLERANCE_MS
                    && Some(pong) > peer.pong_received
                {
                    peer.pong_received = Some(pong);
                }
            }
        }
    }

    /// A MEET or PING: answered with a PONG built before its gossip is read, as Redis does; the
    /// gossip of an untrusted sender (unknown, or in handshake) is not read.
    fn answer(
        &mut self,
        from: NodeId,
        trusted: bool,
        gossip: &[GossipEntry],
        now: Time,
        rng: &mut SimRng,
    ) {
        let reply = self.gossip(rng);
        self.send(now, from, Message::Pong(reply));
        if trusted {
            self.absorb(from, gossip, now);
        }
    }
}

impl Process for Node {
    type Message = Message;
    type Event = Observation;

    fn message_bytes(message: &Message) -> usize {
        match message {
            Message::Meet(gossip) | Message::Ping(gossip) | Message::Pong(gossip) => {
                HEADER_BYTES + gossip.len() * GOSSIP_ENTRY_BYTES
            }
            Message::Fail { .. } => HEADER_BYTES + NODE_NAME_BYTES,
        }
    }

    fn start(&mut self, _: Time, rng: &mut SimRng) {
        // Servers started at different times: the cron's phase, and which of its runs is the
        // once-a-second one, differ from node to node.
        self.next_cron = Some(rng.random_range(0..CRON_MS));
        self.crons = rng.random_range(0..10);
    }

    /// `clusterCron`.
    fn tick(&mut self, now: Time, rng: &mut SimRng) {
        self.crons += 1;
        let me = self.me();
        for index in 0..self.table.len() {
            let node = self.table[index];
            if node != me && !self.peers[node as usize].linked {
                self.connect(node, now, rng);
            }
        }
        if self.crons % 10 == 0 {
            // Once a second: of 5 random known nodes, the oldest pong.
            let mut oldest: Option<NodeId> = None;
            for _ in 0..5 {
                let node = self.table[rng.random_range(0..self.table.len())];
                let peer = &self.peers[node as usize];
                if node == me || !peer.linked || peer.ping_sent.is_some() || peer.handshake {
                    continue;
                }
                if oldest.is_none_or(|o| peer.pong_received < self.peers[o as usize].pong_received)
                {
                    oldest = Some(node);
                }
            }
            if let Some(node) = oldest {
                self.ping(node, now, rng);
            }
        }
        let half = self.config.node_timeout / 2;
        for index in 0..self.table.len() {
            let node = self.table[index];
            let peer = self.peers[node as usize];
            if node == me || peer.handshake {
                continue;
            }
            if peer.linked
                && peer.ping_sent.is_none()
                && peer.pong_received.is_none_or(|at| now - at > half)
            {
                self.ping(node, now, rng);
                continue;
            }
            let Some(sent) = peer.ping_sent else {
                continue;
            };
            let heard = peer.data_received.map_or(sent, |at| at.max(sent));
            if now - heard > self.config.node_timeout && !peer.pfail && !peer.fail {
                self.peers[node as usize].pfail = true;
                self.out.observe(now, "pfail", node, 0.0);
            }
        }
        self.next_cron = Some(now + CRON_MS);
    }

    fn handle(&mut self, now: Time, from: NodeId, message: Message, rng: &mut SimRng) {
        let trusted = self.trusts(from);
        if trusted {
            self.peers[from as usize].data_received = Some(now);
        }
        match message {
            Message::Meet(gossip) => {
                // A MEET introduces an unknown sender, in handshake until it answers a ping.
                if !self.peers[from as usize].known {
                    self.learn(from, true);
                }
                self.answer(from, trusted, &gossip, now, rng);
            }
            Message::Ping(gossip) => self.answer(from, trusted, &gossip, now, rng),
            Message::Pong(gossip) => {
                let peer = &mut self.peers[from as usize];
                if peer.known {
                    peer.handshake = false;
                    peer.ping_sent = None;
                    peer.pong_received = Some(now);
                    if !std::mem::replace(&mut peer.answered, true) {
                        self.out.observe(now, "met", from, 0.0);
                    }
                    if peer.pfail {
                        peer.pfail = false;
                        self.out.observe(now, "pfail_cleared", from, 0.0);
                    }
                }
                if trusted {
                    self.absorb(from, &gossip, now);
                }
            }
            Message::Fail { node } => {
                if trusted && node != self.me() && self.peers[node as usize].known {
                    self.mark_fail(node, now);
                }
            }
        }
    }

    fn poll_transmit(&mut self) -> Option<(NodeId, Message)> {
        self.out.poll_transmit()
    }

    fn poll_event(&mut self) -> Option<Observation> {
        self.out.poll_event()
    }

    fn poll_timeout(&self) -> Option<Time> {
        self.next_cron
    }
}

/// The figures of one run. Times are from a crash, in ms, averaged over the crashed nodes.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RedisSummary {
    /// Nodes crashed during the run.
    pub crashes: u32,
    /// Crash to the first PFAIL anywhere.
    pub first_pfail_ms: Option<f64>,
    /// Crash to each running node's first flag on it, PFAIL (or FAIL, when the broadcast came
    /// before its own timeout), averaged over the running nodes that flag it.
    pub mean_pfail_ms: Option<f64>,
    /// Crash to the first FAIL anywhere.
    pub first_fail_ms: Option<f64>,
    /// Crash to every running node holding it FAIL.
    pub fail_all_ms: Option<f64>,
    /// FAIL verdicts about running nodes.
    pub false_fails: u64,
    /// Bus bytes per node per second in the steady state ([`RedisConfig::warm_up`]).
    pub bytes_per_node_second: f64,
    /// Bus messages per node per second in the steady state ([`RedisConfig::warm_up`]).
    pub messages_per_node_second: f64,
}

impl RedisSummary {
    /// The figures batch runs aggregate, in output order.
    pub fn figures(&self) -> Vec<Figure> {
        vec![
            ("first_pfail_ms", self.first_pfail_ms),
            ("mean_pfail_ms", self.mean_pfail_ms),
            ("first_fail_ms", self.first_fail_ms),
            ("fail_all_ms", self.fail_all_ms),
            ("false_fails", Some(self.false_fails as f64)),
            ("bytes_per_node_second", Some(self.bytes_per_node_second)),
            (
                "messages_per_node_second",
                Some(self.messages_per_node_second),
            ),
        ]
    }
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Messages and bytes per node per second over the steady state: the whole seconds from
/// `warm_up` to the first crash after it (or the end), or the whole run when that is empty.
fn steady_rates(
    sim: &ModelSim<Node>,
    nodes: u32,
    warm_up: Time,
    crashes: &[(NodeId, Time)],
    duration: Time,
) -> (f64, f64) {
    let end = crashes
        .iter()
        .map(|&(_, at)| at)
        .filter(|&at| at >= warm_up)
        .min()
        .unwrap_or(duration)
        .min(duration);
    let (from, to) = (warm_up.div_ceil(1_000) as usize, (end / 1_000) as usize);
    let (from, to, seconds) = if to > from {
        (from, to, (to - from) as f64)
    } else {
        (0, usize::MAX, duration.max(1) as f64 / 1_000.0)
    };
    let (mut messages, mut bytes) = (0, 0);
    for id in 0..nodes {
        let sent = &sim.node(id).sent;
        for &(m, b) in sent.get(from..to.min(sent.len())).unwrap_or(&[]) {
            messages += m;
            bytes += b;
        }
    }
    let per_node_second = |total: u64| total as f64 / f64::from(nodes) / seconds;
    (per_node_second(messages), per_node_second(bytes))
}

/// Runs a Redis Cluster of `nodes` nodes, formed at the start as `redis-cli --cluster create`
/// forms one.
pub fn run(
    config: &RedisConfig,
    nodes: u32,
    network: ModelNetwork,
    seed: u64,
) -> Result<SystemReport, SimError> {
    config.validate(nodes)?;
    let crashes: Vec<(NodeId, Time)> = network
        .faults
        .iter()
        .filter_map(|fault| match fault.fault {
            SystemFault::Crash { node } => Some((node, fault.at)),
            SystemFault::Slow { .. } => None,
        })
        .collect();
    let duration = network.duration;
    // Where the wall clock's seconds fall in the run: a draw of its own, not from the run's
    // generator, so that the run's draws stay in the order the loop makes them.
    let clock_offset = gossip_core::seeded_rng(seed ^ CLOCK_SEED_MIX).random_range(0..1_000);
    let models = (0..nodes)
        .map(|me| Node::new(*config, me, nodes, clock_offset))
        .collect();
    let mut sim = ModelSim::new(models, network, seed)?;
    sim.run();
    let observations = sim.observations();
    let crashed_at = |node: NodeId| crashes.iter().find(|c| c.0 == node).map(|c| c.1);
    let running: Vec<NodeId> = (0..nodes).filter(|&id| !sim.is_crashed(id)).collect();
    // The first observation of one of `what` about `node` since `since`, by `observer` if given.
    let first = |what: &[&str], node: NodeId, since: Time, observer: Option<NodeId>| {
        observations
            .iter()
            .find(|o| {
                what.contains(&o.what)
                    && o.subject == node
                    && o.at >= since
                    && observer.is_none_or(|id| o.observer == id)
            })
            .map(|o| (o.at - since) as f64)
    };
    let (mut first_pfail, mut mean_pfail) = (Vec::new(), Vec::new());
    let (mut first_fail, mut fail_all) = (Vec::new(), Vec::new());
    let mut series = Vec::new();
    for &(node, at) in &crashes {
        first_pfail.extend(first(&["pfail"], node, at, None));
        let flagged: Vec<f64> = running
            .iter()
            .filter_map(|&id| first(&["pfail", "fail"], node, at, Some(id)))
            .collect();
        mean_pfail.extend(mean(&flagged));
        first_fail.extend(first(&["fail"], node, at, None));
        // Every running node holds it FAIL: the last of their first FAILs.
        let holders: Vec<&Observation> = observations
            .iter()
            .filter(|o| o.what == "fail" && o.subject == node && !sim.is_crashed(o.observer))
            .collect();
        if holders.len() == running.len() {
            fail_all.push((holders.last().unwrap().at.saturating_sub(at)) as f64);
        }
        let mut points = vec![(0.0, 0.0)];
        points.extend(holders.iter().enumerate().map(|(index, o)| {
            (
                o.at as f64 / 1_000.0,
                (index + 1) as f64 / running.len() as f64,
            )
        }));
        // Held to the end of the run.
        let last = points.last().map_or(0.0, |p| p.1);
        points.push((duration as f64 / 1_000.0, last));
        series.push(TimeSeries {
            name: format!("nodes holding node {node} FAIL"),
            points,
        });
    }
    let false_fails = observations
        .iter()
        .filter(|o| o.what == "fail" && crashed_at(o.subject).is_none_or(|at| o.at < at))
        .count() as u64;
    let (messages_per_node_second, bytes_per_node_second) =
        steady_rates(&sim, nodes, config.warm_up, &crashes, duration);
    let summary = RedisSummary {
        crashes: crashes.len() as u32,
        first_pfail_ms: mean(&first_pfail),
        mean_pfail_ms: mean(&mean_pfail),
        first_fail_ms: mean(&first_fail),
        fail_all_ms: mean(&fail_all),
        false_fails,
        bytes_per_node_second,
        messages_per_node_second,
    };
    Ok(SystemReport {
        system: "redis_cluster".into(),
        nodes,
        duration,
        totals: sim.totals().clone(),
        series,
        summary: SystemSummary::Redis(summary),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::ScheduledSystemFault;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Node `me` of a formed cluster of `nodes`: every other node known, linked, and last heard
    /// from at `now`.
    fn formed(config: RedisConfig, me: NodeId, nodes: u32, now: Time) -> Node {
        let mut node = Node::new(config, me, nodes, 0);
        for id in 0..nodes {
            if id != me && !node.peers[id as usize].known {
                node.learn(id, false);
            }
            node.peers[id as usize] = Peer {
                known: id != me,
                linked: id != me,
                pong_received: Some(now),
                ..Peer::default()
            };
        }
        node
    }

    const FIVE_SECONDS: RedisConfig = RedisConfig {
        node_timeout: 5_000,
        replicas: 0,
        warm_up: 10_000,
    };

    fn entry(node: NodeId, pong_seconds: u32, flag: Flag) -> GossipEntry {
        GossipEntry {
            node,
            pong_seconds,
            flag,
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn gossip_entries_carry_the_pong_time_in_whole_seconds() {
        // Sent: `pong_received / 1000`, as clusterSetGossipEntry puts it on the wire.
        let mut sender = formed(FIVE_SECONDS, 0, 5, 0);
        sender.peers[3].pong_received = Some(12_999);
        assert_eq!(sender.entry(3), entry(3, 12, Flag::Ok));
        let mut rng = gossip_core::seeded_rng(1);
        let gossip = sender.gossip(&mut rng);
        assert_eq!(gossip.len(), 3, "{gossip:?}");
        assert!(gossip.contains(&entry(3, 12, Flag::Ok)), "{gossip:?}");
        // Read back as 12,000 ms: older than a pong at 12,100, newer than one at 11,000.
        let mut receiver = formed(FIVE_SECONDS, 1, 5, 0);
        receiver.peers[3].pong_received = Some(12_100);
        receiver.absorb(0, &[entry(3, 12, Flag::Ok)], 13_000);
        assert_eq!(receiver.peers[3].pong_received, Some(12_100));
        receiver.peers[3].pong_received = Some(11_000);
        receiver.absorb(0, &[entry(3, 12, Flag::Ok)], 13_000);
        assert_eq!(receiver.peers[3].pong_received, Some(12_000));
        // Up to 500 ms in the future is taken, further is not.
        receiver.absorb(0, &[entry(3, 14, Flag::Ok)], 13_000);
        assert_eq!(receiver.peers[3].pong_received, Some(12_000));
        receiver.absorb(0, &[entry(3, 13, Flag::Ok)], 12_500);
        assert_eq!(receiver.peers[3].pong_received, Some(13_000));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_fail_quorum_is_checked_when_a_report_arrives_not_when_pfail_is_set() {
        // 5 masters: FAIL needs 3. Node 0 pings node 3 at 0, which never answers.
        let mut node = formed(FIVE_SECONDS, 0, 5, 0);
        let mut rng = gossip_core::seeded_rng(1);
        node.ping(3, 0, &mut rng);
        while node.poll_transmit().is_some() {}
        // Masters 1 and 2 report it before node 0 holds it PFAIL: kept, nothing decided.
        node.absorb(1, &[entry(3, 0, Flag::PFail)], 4_000);
        node.absorb(2, &[entry(3, 0, Flag::PFail)], 4_100);
        assert!(!node.peers[3].pfail && !node.peers[3].fail);
        // The cron at 5,100 sets PFAIL. Two reports and itself are a quorum, but the cron does
        // not check it (the model did before; Redis does not).
        node.tick(5_100, &mut rng);
        assert!(node.peers[3].pfail && !node.peers[3].fail);
        let seen: Vec<_> = std::iter::from_fn(|| node.poll_event())
            .map(|o| (o.at, o.what, o.subject))
            .collect();
        assert_eq!(seen, [(5_100, "pfail", 3)]);
        while node.poll_transmit().is_some() {}
        // The next report (master 1 again) brings the check: FAIL, broadcast to every node.
        node.absorb(1, &[entry(3, 0, Flag::PFail)], 5_200);
        assert!(node.peers[3].fail && !node.peers[3].pfail);
        let sent: Vec<_> = std::iter::from_fn(|| node.poll_transmit()).collect();
        assert_eq!(sent, [1, 2, 3, 4].map(|to| (to, Message::Fail { node: 3 })),);
        // A replica's report does not count: with replicas, node 1 is one.
        let config = RedisConfig {
            replicas: 1,
            ..FIVE_SECONDS
        };
        let mut node = formed(config, 0, 6, 0);
        node.ping(4, 0, &mut rng);
        node.tick(5_100, &mut rng);
        node.absorb(1, &[entry(4, 0, Flag::PFail)], 5_200);
        assert!(node.peers[4].pfail && !node.peers[4].fail);
        node.absorb(2, &[entry(4, 0, Flag::PFail)], 5_300);
        assert!(node.peers[4].fail, "masters 0 and 2 of 3");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_cluster_forms_from_meets_and_its_nodes_start_out_of_step() {
        // Before `redis-cli --cluster create` is done: node 0 knows nobody, every other node
        // has been told to meet node 0.
        assert_eq!(Node::new(FIVE_SECONDS, 0, 30, 0).table, [0]);
        let node = Node::new(FIVE_SECONDS, 4, 30, 0);
        assert_eq!(node.table, [4, 0]);
        assert!(node.peers[0].handshake && node.peers[0].meet);
        let network = ModelNetwork {
            duration: 20_000,
            ..ModelNetwork::default()
        };
        let models = (0..30)
            .map(|me| Node::new(FIVE_SECONDS, me, 30, 0))
            .collect();
        let mut sim = ModelSim::new(models, network, 1).unwrap();
        sim.run();
        // Formed: everyone knows everyone, out of handshake.
        for id in 0..30 {
            let node = sim.node(id);
            assert_eq!(node.table.len(), 30, "node {id}");
            assert!(node.peers.iter().all(|peer| !peer.handshake), "node {id}");
        }
        // Every node first heard from each other once, and those first contacts (which set
        // when each later ping is due) spread over the forming rather than falling together.
        let met: Vec<Time> = sim
            .observations()
            .iter()
            .filter(|o| o.what == "met")
            .map(|o| o.at)
            .collect();
        assert_eq!(met.len(), 30 * 29);
        let (first, last) = (met.iter().min().unwrap(), met.iter().max().unwrap());
        let slots: std::collections::BTreeSet<Time> = met.iter().map(|at| at / 100).collect();
        assert!(last - first > 1_000, "{first}..{last}");
        assert!(slots.len() >= 20, "{} slots of 100 ms", slots.len());
        // Crons in different phases, and a different one of every ten pings a random node.
        let phases: std::collections::BTreeSet<Time> = (0..30)
            .map(|id| sim.node(id).next_cron.unwrap() % CRON_MS)
            .collect();
        let seconds: std::collections::BTreeSet<u64> =
            (0..30).map(|id| sim.node(id).crons % 10).collect();
        assert!(phases.len() >= 20, "{phases:?}");
        assert!(seconds.len() >= 5, "{seconds:?}");
    }

    fn crash_run(config: RedisConfig, nodes: u32, crashed: &[NodeId], seed: u64) -> RedisSummary {
        let network = ModelNetwork {
            duration: 60_000,
            faults: crashed
                .iter()
                .map(|&node| ScheduledSystemFault {
                    at: 5_000,
                    fault: SystemFault::Crash { node },
                })
                .collect(),
            ..ModelNetwork::default()
        };
        let SystemSummary::Redis(summary) = run(&config, nodes, network, seed).unwrap().summary
        else {
            unreachable!()
        };
        summary
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_crashed_node_goes_pfail_then_fail_everywhere_without_false_fails() {
        let summary = crash_run(RedisConfig::default(), 30, &[7], 1);
        let (pfail, fail, all) = (
            summary.first_pfail_ms.unwrap(),
            summary.first_fail_ms.unwrap(),
            summary.fail_all_ms.unwrap(),
        );
        // Pinged at least every node_timeout / 2 = 7.5 s, PFAIL node_timeout after the ping.
        assert!((15_000.0..=23_000.0).contains(&pfail), "{summary:?}");
        assert!(pfail <= fail && fail <= all, "{summary:?}");
        // FAIL follows once a majority has PFAIL'd it (a few seconds of spread) and then is
        // broadcast: everyone within a latency.
        assert!(all - fail < 100.0, "{summary:?}");
        assert_eq!(summary.false_fails, 0);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn fail_needs_a_majority_of_masters() {
        // 10 masters with 2 replicas each. Crash 5 masters and a replica: the 5 masters left
        // are not a majority of 10 and can never mark anything FAIL, though all PFAIL it.
        let config = RedisConfig {
            replicas: 2,
            ..RedisConfig::default()
        };
        let masters: Vec<NodeId> = (0..5).map(|m| m * 3).collect();
        let mut crashed = masters.clone();
        crashed.push(1);
        let summary = crash_run(config, 30, &crashed, 2);
        assert!(summary.first_pfail_ms.is_some(), "{summary:?}");
        assert_eq!(summary.first_fail_ms, None, "{summary:?}");
        // With 4 masters down, the 6 left are a majority: FAIL comes.
        let summary = crash_run(config, 30, &masters[..4], 2);
        assert!(summary.fail_all_ms.is_some(), "{summary:?}");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_sweep_over_the_cluster_size_shows_fail_times_and_traffic() {
        use crate::scenario::Scenario;
        use crate::sweep::{Knob, Sweep};
        use crate::systems::{System, SystemRun};
        // What the playground's sweep over N shows for the Redis preset, small enough for a test.
        let base = Scenario::system(
            10,
            1,
            SystemRun {
                model: System::RedisCluster(RedisConfig::default()),
                faults: vec![ScheduledSystemFault {
                    at: 5_000,
                    fault: SystemFault::Crash { node: 7 },
                }],
                ..SystemRun::default()
            },
        );
        let table = Sweep {
            base,
            knob: Knob::Nodes,
            values: vec![10.0, 40.0],
            seeds_per_point: 2,
        }
        .run()
        .unwrap();
        let bytes = table.series("bytes_per_node_second");
        assert!(bytes[1].1.mean > 2.0 * bytes[0].1.mean, "{bytes:?}");
        let fail = table.series("first_fail_ms");
        assert_eq!(fail.len(), 2, "the crash is marked FAIL at both sizes");
        assert!(
            fail.iter()
                .all(|(_, a)| (15_000.0..30_000.0).contains(&a.mean)),
            "{fail:?}"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn gossip_bytes_per_node_grow_with_the_cluster() {
        // Every node pings every other at least every node_timeout / 2, each message about N / 10
        // others: bytes per node per second grow about linearly in N (the header dominates).
        let small = crash_run(RedisConfig::default(), 20, &[], 3);
        let large = crash_run(RedisConfig::default(), 100, &[], 3);
        let ratio = large.bytes_per_node_second / small.bytes_per_node_second;
        assert!(ratio > 3.0, "{small:?} {large:?}");
        assert_eq!(large.false_fails, 0);
    }
}
