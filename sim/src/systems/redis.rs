//! The Redis Cluster bus: how Redis Cluster nodes spread who is up and agree that one is down.
//! Sources: the Redis Cluster specification (redis.io, "Redis cluster specification": heartbeat
//! and gossip messages, failure detection) and src/cluster_legacy.c (`clusterCron`,
//! `clusterSetGossipEntry`, `markNodeAsFailingIfNeeded`).
//!
//! - Every node runs a cron 10 times a second. Once a second it samples 5 random nodes and pings
//!   the one whose pong is oldest (of those without a ping in flight); on every cron it pings any
//!   node whose last pong is older than half the node timeout. So traffic grows with the cluster:
//!   every node hears from every other at least every `node_timeout / 2`.
//! - Every PING and PONG carries a gossip section about `max(3, floor(N / 10))` random nodes
//!   (their flags and ping/pong times), plus every node the sender holds in PFAIL.
//! - A node not answering a ping within `node_timeout` is PFAIL, locally. A master gossiping a
//!   node as PFAIL or FAIL leaves a failure report, valid for `2 x node_timeout`. A node holding
//!   another PFAIL marks it FAIL when a majority of the masters (counting itself, if a master)
//!   report it, and broadcasts a FAIL message to every node, which marks it FAIL at once.
//! - A gossip entry can spare a ping: with nothing in flight to the node and no failure report
//!   about it, a newer pong time heard from a peer is taken as one's own.
//! - Sizes: every bus message has a header of 2,256 bytes (most of it the 16,384-slot bitmap),
//!   gossip entries are 104 bytes, a FAIL message adds a 40-byte node name.
//!
//! Nodes `0, r + 1, 2(r + 1), ...` are masters and the `r` nodes after each its replicas (`r =
//! replicas`). Not modelled: slots, replica promotion (failover) and epochs.

use std::collections::BTreeMap;

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::{SystemReport, SystemSummary, TimeSeries, bytes_per_node_second};
use crate::error::SimError;
use crate::metrics::Figure;
use crate::models::{ModelNetwork, ModelSim, Observation, Outbox, SystemFault};
use crate::process::Process;
use gossip_core::{NodeId, SimRng, Time};

/// Redis Cluster's failure detection parameters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisConfig {
    /// `cluster-node-timeout` (redis.conf default 15,000 ms).
    pub node_timeout: Time,
    /// Replicas per master.
    pub replicas: u32,
}

impl Default for RedisConfig {
    fn default() -> Self {
        RedisConfig {
            node_timeout: 15_000,
            replicas: 0,
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

/// What a ping or pong says about one node.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GossipEntry {
    /// The node.
    pub node: NodeId,
    /// When the sender last had a pong from it.
    pub pong_received: Time,
    /// What the sender holds it.
    pub flag: Flag,
}

/// A cluster bus message.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// A ping, with its gossip section.
    Ping(Vec<GossipEntry>),
    /// The answer to a ping, with its own gossip section.
    Pong(Vec<GossipEntry>),
    /// `node` is marked FAIL; sent to every node.
    Fail {
        /// The failed node.
        node: NodeId,
    },
}

/// What a node knows of another.
#[derive(Clone, Copy, Debug, Default)]
struct Peer {
    /// When the ping in flight was sent (None: nothing in flight).
    ping_sent: Option<Time>,
    pong_received: Time,
    pfail: bool,
    fail: bool,
}

/// One node of the cluster bus.
pub struct Node {
    config: RedisConfig,
    peers: Vec<Peer>,
    /// (subject, reporting master) -> when reported.
    reports: BTreeMap<(NodeId, NodeId), Time>,
    crons: u64,
    /// When the next cron runs.
    next_cron: Option<Time>,
    out: Outbox<Message>,
}

impl Node {
    fn new(config: RedisConfig, me: NodeId, nodes: u32) -> Node {
        Node {
            config,
            peers: vec![Peer::default(); nodes as usize],
            reports: BTreeMap::new(),
            crons: 0,
            next_cron: None,
            out: Outbox::new(me),
        }
    }

    fn me(&self) -> NodeId {
        self.out.me()
    }

    fn nodes(&self) -> u32 {
        self.peers.len() as u32
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

    /// `max(3, N / 10)` random other nodes, then every node in PFAIL.
    fn gossip(&self, to: NodeId, rng: &mut SimRng) -> Vec<GossipEntry> {
        let n = self.nodes();
        let wanted = (n / 10).max(3).min(n.saturating_sub(2)) as usize;
        let mut entries: Vec<GossipEntry> = Vec::with_capacity(wanted);
        let mut tries = 0;
        while entries.len() < wanted && tries < wanted * 3 {
            tries += 1;
            let node = rng.random_range(0..n);
            if node == self.me() || node == to || entries.iter().any(|e| e.node == node) {
                continue;
            }
            entries.push(self.entry(node));
        }
        for node in 0..n {
            if self.peers[node as usize].pfail && !entries.iter().any(|e| e.node == node) {
                entries.push(self.entry(node));
            }
        }
        entries
    }

    fn entry(&self, node: NodeId) -> GossipEntry {
        GossipEntry {
            node,
            pong_received: self.peers[node as usize].pong_received,
            flag: self.flag(node),
        }
    }

    fn ping(&mut self, to: NodeId, now: Time, rng: &mut SimRng) {
        self.peers[to as usize].ping_sent = Some(now);
        let gossip = self.gossip(to, rng);
        self.out.send(to, Message::Ping(gossip));
    }

    fn mark_fail(&mut self, node: NodeId, now: Time) {
        let peer = &mut self.peers[node as usize];
        if !peer.fail {
            peer.fail = true;
            self.out.observe(now, "fail", node, 0.0);
        }
    }

    /// `markNodeAsFailingIfNeeded`: PFAIL here and reported by a majority of masters.
    fn check_failing(&mut self, node: NodeId, now: Time) {
        let peer = self.peers[node as usize];
        if !peer.pfail || peer.fail {
            return;
        }
        let validity = 2 * self.config.node_timeout;
        self.reports
            .retain(|&(_, _), &mut at| now.saturating_sub(at) <= validity);
        let reports = self.reports.range((node, 0)..=(node, NodeId::MAX)).count() as u32;
        let failures = reports + u32::from(self.config.is_master(self.me()));
        if failures > self.config.masters(self.nodes()) / 2 {
            self.mark_fail(node, now);
            for to in 0..self.nodes() {
                if to != self.me() {
                    self.out.send(to, Message::Fail { node });
                }
            }
        }
    }

    fn absorb(&mut self, from: NodeId, gossip: &[GossipEntry], now: Time) {
        let from_master = self.config.is_master(from);
        for entry in gossip {
            let node = entry.node;
            if node == self.me() || node >= self.nodes() {
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
            let has_reports = self
                .reports
                .range((node, 0)..=(node, NodeId::MAX))
                .next()
                .is_some();
            let peer = &mut self.peers[node as usize];
            if entry.flag == Flag::Ok
                && !peer.pfail
                && !peer.fail
                && peer.ping_sent.is_none()
                && !has_reports
                && entry.pong_received > peer.pong_received
                && entry.pong_received <= now
            {
                peer.pong_received = entry.pong_received;
            }
        }
    }
}

impl Process for Node {
    type Message = Message;
    type Event = Observation;

    fn message_bytes(message: &Message) -> usize {
        match message {
            Message::Ping(gossip) | Message::Pong(gossip) => {
                HEADER_BYTES + gossip.len() * GOSSIP_ENTRY_BYTES
            }
            Message::Fail { .. } => HEADER_BYTES + NODE_NAME_BYTES,
        }
    }

    fn start(&mut self, _: Time, rng: &mut SimRng) {
        // Everyone starts having just heard from everyone (a formed cluster); crons are spread
        // over the first 100 ms.
        self.next_cron = Some(rng.random_range(0..CRON_MS));
    }

    /// The cron.
    fn tick(&mut self, now: Time, rng: &mut SimRng) {
        self.crons += 1;
        let n = self.nodes();
        let me = self.me();
        if self.crons % 10 == 0 {
            // Once a second: of 5 random nodes without a ping in flight, the oldest pong.
            let mut oldest: Option<NodeId> = None;
            for _ in 0..5 {
                let node = rng.random_range(0..n);
                let peer = &self.peers[node as usize];
                if node == me || peer.ping_sent.is_some() || peer.fail {
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
        for node in 0..n {
            if node == me {
                continue;
            }
            let peer = self.peers[node as usize];
            match peer.ping_sent {
                None if now.saturating_sub(peer.pong_received) > half => self.ping(node, now, rng),
                Some(sent) if now - sent > self.config.node_timeout && !peer.pfail => {
                    self.peers[node as usize].pfail = true;
                    self.out.observe(now, "pfail", node, 0.0);
                    self.check_failing(node, now);
                }
                _ => {}
            }
        }
        self.next_cron = Some(now + CRON_MS);
    }

    fn handle(&mut self, now: Time, from: NodeId, message: Message, rng: &mut SimRng) {
        match message {
            Message::Ping(gossip) => {
                self.absorb(from, &gossip, now);
                let reply = self.gossip(from, rng);
                self.out.send(from, Message::Pong(reply));
            }
            Message::Pong(gossip) => {
                let peer = &mut self.peers[from as usize];
                peer.ping_sent = None;
                peer.pong_received = now;
                if peer.pfail {
                    peer.pfail = false;
                    self.out.observe(now, "pfail_cleared", from, 0.0);
                }
                self.absorb(from, &gossip, now);
            }
            Message::Fail { node } => {
                if node != self.me() {
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

/// The figures of one run. Times from the crash, in ms, averaged over the crashed nodes.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RedisSummary {
    /// Nodes crashed during the run.
    pub crashes: u32,
    /// Crash to the first PFAIL anywhere.
    pub mean_pfail_ms: Option<f64>,
    /// Crash to the first FAIL anywhere.
    pub mean_fail_ms: Option<f64>,
    /// Crash to every running node holding it FAIL.
    pub mean_fail_all_ms: Option<f64>,
    /// FAIL verdicts about running nodes.
    pub false_fails: u64,
    /// Bus bytes per node per second.
    pub bytes_per_node_second: f64,
    /// Bus messages per node per second.
    pub messages_per_node_second: f64,
}

impl RedisSummary {
    /// The figures batch runs aggregate, in output order.
    pub fn figures(&self) -> Vec<Figure> {
        vec![
            ("mean_pfail_ms", self.mean_pfail_ms),
            ("mean_fail_ms", self.mean_fail_ms),
            ("mean_fail_all_ms", self.mean_fail_all_ms),
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

/// Runs a Redis Cluster of `nodes` nodes.
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
    let models = (0..nodes).map(|me| Node::new(*config, me, nodes)).collect();
    let mut sim = ModelSim::new(models, network, seed)?;
    sim.run();
    let observations = sim.observations();
    let crashed_at = |node: NodeId| crashes.iter().find(|c| c.0 == node).map(|c| c.1);
    let first = |what: &str, node: NodeId, since: Time| {
        observations
            .iter()
            .find(|o| o.what == what && o.subject == node && o.at >= since)
            .map(|o| (o.at - since) as f64)
    };
    let (mut pfail, mut fail, mut fail_all) = (Vec::new(), Vec::new(), Vec::new());
    let mut series = Vec::new();
    for &(node, at) in &crashes {
        pfail.extend(first("pfail", node, at));
        fail.extend(first("fail", node, at));
        // Every other running node holds it FAIL: the last of their first FAILs.
        let holders: Vec<&Observation> = observations
            .iter()
            .filter(|o| o.what == "fail" && o.subject == node && !sim.is_crashed(o.observer))
            .collect();
        let running = (0..nodes).filter(|&id| !sim.is_crashed(id)).count();
        if holders.len() == running {
            fail_all.push((holders.last().unwrap().at - at) as f64);
        }
        let mut points = vec![(0.0, 0.0)];
        points.extend(
            holders
                .iter()
                .enumerate()
                .map(|(index, o)| (o.at as f64 / 1_000.0, (index + 1) as f64 / running as f64)),
        );
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
    let totals = sim.totals().clone();
    let seconds = duration.max(1) as f64 / 1_000.0;
    let summary = RedisSummary {
        crashes: crashes.len() as u32,
        mean_pfail_ms: mean(&pfail),
        mean_fail_ms: mean(&fail),
        mean_fail_all_ms: mean(&fail_all),
        false_fails,
        bytes_per_node_second: bytes_per_node_second(&totals, nodes, duration),
        messages_per_node_second: totals.messages as f64 / f64::from(nodes) / seconds,
    };
    Ok(SystemReport {
        system: "redis_cluster".into(),
        nodes,
        duration,
        totals,
        series,
        summary: SystemSummary::Redis(summary),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::ScheduledSystemFault;
    use wasm_bindgen_test::wasm_bindgen_test;

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
            summary.mean_pfail_ms.unwrap(),
            summary.mean_fail_ms.unwrap(),
            summary.mean_fail_all_ms.unwrap(),
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
        assert!(summary.mean_pfail_ms.is_some(), "{summary:?}");
        assert_eq!(summary.mean_fail_ms, None, "{summary:?}");
        // With 4 masters down, the 6 left are a majority: FAIL comes.
        let summary = crash_run(config, 30, &masters[..4], 2);
        assert!(summary.mean_fail_all_ms.is_some(), "{summary:?}");
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
        let fail = table.series("mean_fail_ms");
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
