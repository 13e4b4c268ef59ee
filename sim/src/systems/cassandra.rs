//! Cassandra's gossiper and its phi-accrual failure detector. Sources: the Cassandra source,
//! `org.apache.cassandra.gms.Gossiper` (the one-second gossip task, Syn/Ack/Ack2, the choice of
//! live, unreachable and seed endpoints) and `FailureDetector` (arrival windows, phi,
//! `phi_convict_threshold` = 8 in cassandra.yaml), and the architecture documentation ("Gossip",
//! "Failure detection").
//!
//! - Every second each node bumps its own heartbeat version and sends a GossipDigestSyn (one
//!   digest per endpoint it knows: generation and highest version) to a random live endpoint;
//!   then, with probability `unreachable / (live + 1)`, to a random unreachable one; then to a
//!   random seed if the live endpoint chosen was not one, or with probability `seeds / (live +
//!   unreachable)`.
//! - The receiver answers with a GossipDigestAck: the digests of what it needs and the states it
//!   has newer; the initiator applies those and sends a GossipDigestAck2 with what was asked.
//! - A node hearing a newer heartbeat of an endpoint reports an arrival to its failure detector,
//!   which keeps the last `window` inter-arrival times (1,000 in Cassandra), starting with an
//!   initial two gossip intervals and leaving out intervals over `max_interval`. `phi(t) = (t / mean) / ln 10` for `t` since the last arrival
//!   (Cassandra's exponential model, `PHI_FACTOR = 1 / ln 10`); an endpoint is convicted (held
//!   down) when phi exceeds `phi_convict_threshold`, and is up again at its next heartbeat.
//! - Sizes: a digest is about 20 bytes (address, generation, version), an endpoint state with
//!   its heartbeat and a few application states about 60, and each message has an 8-byte
//!   header.
//!
//! Nodes `0..seeds` are the seeds. Not modelled: application states beyond the heartbeat,
//! shadow rounds and generation changes on restart.

use std::collections::VecDeque;

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::{SystemReport, SystemSummary, TimeSeries, bytes_per_node_second};
use crate::error::SimError;
use crate::metrics::Figure;
use crate::models::{ModelNetwork, ModelSim, Observation, Outbox, SystemFault};
use crate::process::Process;
use gossip_core::{MessageSummary, NodeId, SimRng, Time};

/// Cassandra's gossip and failure detection parameters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CassandraConfig {
    /// Gossiper interval (1,000 ms).
    pub interval: Time,
    /// Seed nodes: `0..seeds`.
    pub seeds: u32,
    /// cassandra.yaml `phi_convict_threshold` (default 8).
    pub phi_convict_threshold: f64,
    /// Inter-arrival times kept per endpoint.
    pub window: usize,
    /// Longest inter-arrival time recorded; longer ones are left out (Cassandra's
    /// MAX_INTERVAL_IN_NANO: 2 s).
    pub max_interval: Time,
}

impl Default for CassandraConfig {
    fn default() -> Self {
        CassandraConfig {
            interval: 1_000,
            seeds: 3,
            phi_convict_threshold: 8.0,
            window: 1_000,
            max_interval: 2_000,
        }
    }
}

impl CassandraConfig {
    /// Checks the parameters for a ring of `nodes` nodes.
    pub fn validate(&self, nodes: u32) -> Result<(), SimError> {
        if nodes < 2 {
            return Err(SimError::invalid("nodes", "must be at least 2"));
        }
        for (field, positive) in [
            ("cassandra.interval", self.interval > 0),
            ("cassandra.window", self.window > 0),
            ("cassandra.max_interval", self.max_interval > 0),
        ] {
            if !positive {
                return Err(SimError::invalid(field, "must be positive"));
            }
        }
        if self.seeds == 0 || self.seeds > nodes {
            return Err(SimError::invalid(
                "cassandra.seeds",
                format!(
                    "must be between 1 and the {nodes} nodes, got {}",
                    self.seeds
                ),
            ));
        }
        if self.phi_convict_threshold.is_nan() || self.phi_convict_threshold <= 0.0 {
            return Err(SimError::invalid(
                "cassandra.phi_convict_threshold",
                "must be positive",
            ));
        }
        Ok(())
    }
}

const HEADER_BYTES: usize = 8;
const DIGEST_BYTES: usize = 20;
const STATE_BYTES: usize = 60;

/// A digest: endpoint and its highest heartbeat version known (one generation: no restarts).
pub type Digest = (NodeId, u64);

/// A gossip message.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// GossipDigestSyn: a digest per endpoint the sender knows.
    Syn(Vec<Digest>),
    /// GossipDigestAck: what the sender needs and the states it has newer.
    Ack {
        /// Digests with the sender's versions, of what it needs.
        requests: Vec<Digest>,
        /// The states it has newer (endpoint and version).
        states: Vec<Digest>,
    },
    /// GossipDigestAck2: the states asked for.
    Ack2(Vec<Digest>),
}

/// One node's view of another: heartbeat version, arrivals, up or convicted.
#[derive(Clone, Debug, Default)]
struct Endpoint {
    version: u64,
    last_arrival: Option<Time>,
    intervals: VecDeque<Time>,
    interval_sum: Time,
    convicted: bool,
}

/// One node: its gossiper and failure detector.
pub struct Node {
    config: CassandraConfig,
    endpoints: Vec<Endpoint>,
    /// Endpoints whose phi this node reports every interval (those a fault will touch).
    watched: Vec<NodeId>,
    /// When the gossip task runs next.
    next_gossip: Option<Time>,
    out: Outbox<Message>,
}

impl Node {
    fn digests(&self) -> Vec<Digest> {
        self.endpoints
            .iter()
            .enumerate()
            .map(|(id, e)| (id as NodeId, e.version))
            .collect()
    }

    fn phi(&self, id: NodeId, now: Time) -> f64 {
        let endpoint = &self.endpoints[id as usize];
        let Some(last) = endpoint.last_arrival else {
            return 0.0;
        };
        if endpoint.intervals.is_empty() {
            return 0.0;
        }
        let mean = endpoint.interval_sum as f64 / endpoint.intervals.len() as f64;
        (now - last) as f64 / mean / std::f64::consts::LN_10
    }

    /// A newer heartbeat of `id`: an arrival for the failure detector.
    fn learn(&mut self, id: NodeId, version: u64, now: Time) {
        if id == self.out.me() || id as usize >= self.endpoints.len() {
            return;
        }
        let config = self.config;
        let endpoint = &mut self.endpoints[id as usize];
        if version <= endpoint.version {
            return;
        }
        endpoint.version = version;
        // Cassandra's ArrivalWindow: the first heartbeat adds a generous initial interval (two
        // gossip intervals: better to convict late than to flap), and intervals longer than
        // max_interval are left out.
        let interval = match endpoint.last_arrival {
            None => Some(2 * config.interval),
            Some(last) => Some(now - last).filter(|&i| i <= config.max_interval),
        };
        if let Some(interval) = interval {
            endpoint.intervals.push_back(interval);
            endpoint.interval_sum += interval;
            if endpoint.intervals.len() > config.window {
                endpoint.interval_sum -= endpoint.intervals.pop_front().unwrap_or(0);
            }
        }
        endpoint.last_arrival = Some(now);
        if endpoint.convicted {
            endpoint.convicted = false;
            self.out.observe(now, "up", id, 0.0);
        }
    }

    fn states_newer(&self, digests: &[Digest]) -> (Vec<Digest>, Vec<Digest>) {
        let mut requests = Vec::new();
        let mut states = Vec::new();
        for &(id, version) in digests {
            let Some(mine) = self.endpoints.get(id as usize) else {
                continue;
            };
            if version > mine.version {
                requests.push((id, mine.version));
            } else if version < mine.version {
                states.push((id, mine.version));
            }
        }
        (requests, states)
    }

    fn live_and_unreachable(&self, me: NodeId) -> (Vec<NodeId>, Vec<NodeId>) {
        (0..self.endpoints.len() as NodeId)
            .filter(|&id| id != me)
            .partition(|&id| !self.endpoints[id as usize].convicted)
    }
}

impl crate::systems::inspect::InspectModel for Node {
    /// A row per endpoint it knows (itself left out): the heartbeat version held, when the
    /// last newer heartbeat arrived, the mean interval between arrivals, phi now, and whether
    /// it is convicted.
    fn table(&self, now: Time) -> crate::systems::inspect::NodeTable {
        use crate::systems::inspect::{Cell, names};
        let me = self.out.me();
        let facts = vec![(
            "own_heartbeat".into(),
            Cell::Count(self.endpoints[me as usize].version),
        )];
        let columns = names(&[
            "endpoint",
            "heartbeat",
            "last_arrival",
            "mean_interval",
            "phi",
            "convicted",
        ]);
        let rows = self
            .endpoints
            .iter()
            .enumerate()
            .filter(|&(id, _)| id as NodeId != me)
            .map(|(id, endpoint)| {
                let mean = (!endpoint.intervals.is_empty())
                    .then(|| endpoint.interval_sum as f64 / endpoint.intervals.len() as f64);
                vec![
                    Cell::Node(id as NodeId),
                    Cell::Count(endpoint.version),
                    Cell::Time(endpoint.last_arrival),
                    mean.map_or(Cell::Time(None), Cell::Value),
                    Cell::Value(self.phi(id as NodeId, now)),
                    Cell::Flag(endpoint.convicted),
                ]
            })
            .collect();
        (facts, columns, rows)
    }
}

/// The kinds and fixed phrases of [`Node`]'s message summaries, for a view that says them in
/// another language with [`gossip_core::reword`] (`{n}` stands for a number).
pub const SUMMARY_PHRASES: &[&str] = &[
    "syn",
    "ack",
    "ack2",
    "{n} digest",
    "{n} digests",
    "wants",
    "sends",
    "{n} state",
    "{n} states",
];

impl Process for Node {
    type Message = Message;
    type Event = Observation;

    /// "syn 20 digests", "ack: wants 2, sends 3 states", "ack2 2 states".
    fn summary(message: &Message) -> MessageSummary {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let (kind, text) = match message {
            Message::Syn(digests) => ("syn", format!("syn {}", plural(digests.len(), "digest"))),
            Message::Ack { requests, states } => (
                "ack",
                format!(
                    "ack: wants {}, sends {}",
                    requests.len(),
                    plural(states.len(), "state")
                ),
            ),
            Message::Ack2(states) => ("ack2", format!("ack2 {}", plural(states.len(), "state"))),
        };
        MessageSummary { kind, text }
    }

    fn message_bytes(message: &Message) -> usize {
        HEADER_BYTES
            + match message {
                Message::Syn(digests) => digests.len() * DIGEST_BYTES,
                Message::Ack { requests, states } => {
                    requests.len() * DIGEST_BYTES + states.len() * STATE_BYTES
                }
                Message::Ack2(states) => states.len() * STATE_BYTES,
            }
    }

    fn start(&mut self, _: Time, rng: &mut SimRng) {
        // Gossip tasks start at different moments within the first interval.
        self.next_gossip = Some(rng.random_range(0..self.config.interval));
    }

    /// The gossip task and the status check.
    fn tick(&mut self, now: Time, rng: &mut SimRng) {
        let me = self.out.me();
        self.endpoints[me as usize].version += 1;
        let (live, unreachable) = self.live_and_unreachable(me);
        let seeds = self.config.seeds;
        let digests = self.digests();
        let mut sent_to_seed = false;
        if !live.is_empty() {
            let to = live[rng.random_range(0..live.len())];
            sent_to_seed = to < seeds;
            self.out.send(to, Message::Syn(digests.clone()));
        }
        if !unreachable.is_empty() {
            let chance = unreachable.len() as f64 / (live.len() as f64 + 1.0);
            if rng.random::<f64>() < chance {
                let to = unreachable[rng.random_range(0..unreachable.len())];
                self.out.send(to, Message::Syn(digests.clone()));
            }
        }
        let others = (live.len() + unreachable.len()) as f64;
        if !sent_to_seed
            && (live.len() < seeds as usize || rng.random::<f64>() < f64::from(seeds) / others)
        {
            let to = rng.random_range(0..seeds);
            if to != me {
                self.out.send(to, Message::Syn(digests));
            }
        }
        // The status check: convict endpoints whose phi is past the threshold.
        for id in 0..self.endpoints.len() as NodeId {
            if id == me {
                continue;
            }
            let phi = self.phi(id, now);
            if self.watched.contains(&id) {
                self.out.observe(now, "phi", id, phi);
            }
            let endpoint = &mut self.endpoints[id as usize];
            if !endpoint.convicted && phi > self.config.phi_convict_threshold {
                endpoint.convicted = true;
                self.out.observe(now, "convict", id, phi);
            }
        }
        self.next_gossip = Some(now + self.config.interval);
    }

    fn handle(&mut self, now: Time, from: NodeId, message: Message, _: &mut SimRng) {
        match message {
            Message::Syn(digests) => {
                let (requests, states) = self.states_newer(&digests);
                self.out.send(from, Message::Ack { requests, states });
            }
            Message::Ack { requests, states } => {
                for (id, version) in states {
                    self.learn(id, version, now);
                }
                let wanted: Vec<Digest> = requests
                    .iter()
                    .filter_map(|&(id, _)| {
                        self.endpoints
                            .get(id as usize)
                            .map(|endpoint| (id, endpoint.version))
                    })
                    .collect();
                if !wanted.is_empty() {
                    self.out.send(from, Message::Ack2(wanted));
                }
            }
            Message::Ack2(states) => {
                for (id, version) in states {
                    self.learn(id, version, now);
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
        self.next_gossip
    }
}

/// The figures of one run. Times from the fault, in ms.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CassandraSummary {
    /// Nodes crashed during the run.
    pub crashes: u32,
    /// Crash to the first conviction anywhere, averaged over the crashed nodes.
    pub mean_convict_ms: Option<f64>,
    /// Crash to every running node holding it down.
    pub mean_convict_all_ms: Option<f64>,
    /// Convictions of running nodes (slow ones included).
    pub false_convictions: u64,
    /// Highest phi any node computed about a slow (not crashed) node.
    pub max_phi_slow: Option<f64>,
    /// Gossip bytes per node per second.
    pub bytes_per_node_second: f64,
}

impl CassandraSummary {
    /// The figures batch runs aggregate, in output order.
    pub fn figures(&self) -> Vec<Figure> {
        vec![
            ("mean_convict_ms", self.mean_convict_ms),
            ("mean_convict_all_ms", self.mean_convict_all_ms),
            ("false_convictions", Some(self.false_convictions as f64)),
            ("max_phi_slow", self.max_phi_slow),
            ("bytes_per_node_second", Some(self.bytes_per_node_second)),
        ]
    }
}

/// The cluster at time 0, not yet run: [`run`] runs it, the inspector reruns it to an instant.
pub(crate) fn build(
    config: &CassandraConfig,
    nodes: u32,
    network: ModelNetwork,
    seed: u64,
) -> Result<ModelSim<Node>, SimError> {
    // The endpoints a fault touches, crashed ones first: each node reports their phi every
    // interval.
    let (mut crashed, mut slow) = (Vec::new(), Vec::new());
    for fault in &network.faults {
        match fault.fault {
            SystemFault::Crash { node } => crashed.push(node),
            SystemFault::Slow { node, .. } => slow.push(node),
        }
    }
    let watched: Vec<NodeId> = crashed.into_iter().chain(slow).collect();
    let models = (0..nodes)
        .map(|me| Node {
            config: *config,
            endpoints: vec![Endpoint::default(); nodes as usize],
            watched: watched.clone(),
            next_gossip: None,
            out: Outbox::new(me),
        })
        .collect();
    ModelSim::new(models, network, seed)
}

/// Runs a Cassandra ring of `nodes` nodes.
pub fn run(
    config: &CassandraConfig,
    nodes: u32,
    network: ModelNetwork,
    seed: u64,
) -> Result<SystemReport, SimError> {
    config.validate(nodes)?;
    let mut crashes: Vec<(NodeId, Time)> = Vec::new();
    let mut slow: Vec<NodeId> = Vec::new();
    for fault in &network.faults {
        match fault.fault {
            SystemFault::Crash { node } => crashes.push((node, fault.at)),
            SystemFault::Slow { node, .. } => slow.push(node),
        }
    }
    let watched: Vec<NodeId> = crashes.iter().map(|c| c.0).chain(slow.clone()).collect();
    let duration = network.duration;
    let mut sim = build(config, nodes, network, seed)?;
    sim.run();
    let observations = sim.observations();
    let running = |id: NodeId| !sim.is_crashed(id);
    let observer = (0..nodes).find(|&id| running(id) && !watched.contains(&id));
    let (mut first, mut all) = (Vec::new(), Vec::new());
    for &(node, at) in &crashes {
        let convictions: Vec<Time> = observations
            .iter()
            .filter(|o| o.what == "convict" && o.subject == node && o.at >= at)
            .map(|o| o.at)
            .collect();
        if let Some(&t) = convictions.first() {
            first.push((t - at) as f64);
        }
        let holders = (0..nodes).filter(|&id| running(id) && id != node).count();
        let mut convicted: Vec<NodeId> = observations
            .iter()
            .filter(|o| o.what == "convict" && o.subject == node && o.at >= at)
            .map(|o| o.observer)
            .collect();
        convicted.sort_unstable();
        convicted.dedup();
        if convicted.len() >= holders
            && let Some(&last) = convictions.last()
        {
            all.push((last - at) as f64);
        }
    }
    let false_convictions = observations
        .iter()
        .filter(|o| {
            o.what == "convict"
                && crashes
                    .iter()
                    .find(|c| c.0 == o.subject)
                    .is_none_or(|c| o.at < c.1)
        })
        .count() as u64;
    let max_phi_slow = observations
        .iter()
        .filter(|o| o.what == "phi" && slow.contains(&o.subject))
        .map(|o| o.value)
        .reduce(f64::max);
    let series = watched
        .iter()
        .map(|&subject| TimeSeries {
            name: format!("phi of node {subject} at node {}", observer.unwrap_or(0)),
            points: observations
                .iter()
                .filter(|o| o.what == "phi" && o.subject == subject && Some(o.observer) == observer)
                .map(|o| (o.at as f64 / 1_000.0, o.value))
                .collect(),
        })
        .collect();
    let mean = |values: &[f64]| {
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    let totals = sim.totals().clone();
    let summary = CassandraSummary {
        crashes: crashes.len() as u32,
        mean_convict_ms: mean(&first),
        mean_convict_all_ms: mean(&all),
        false_convictions,
        max_phi_slow,
        bytes_per_node_second: bytes_per_node_second(&totals, nodes, duration),
    };
    Ok(SystemReport {
        system: "cassandra".into(),
        nodes,
        duration,
        totals,
        series,
        summary: SystemSummary::Cassandra(summary),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::ScheduledSystemFault;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn every_word_of_every_summary_is_in_the_vocabulary() {
        let digests = |count: u32| (0..count).map(|node| (node, 1)).collect::<Vec<Digest>>();
        let messages = [
            Message::Syn(digests(1)),
            Message::Syn(digests(20)),
            Message::Ack {
                requests: digests(2),
                states: digests(1),
            },
            Message::Ack {
                requests: digests(0),
                states: digests(3),
            },
            Message::Ack2(digests(1)),
            Message::Ack2(digests(2)),
        ];
        let summaries: Vec<MessageSummary> =
            messages.iter().map(<Node as Process>::summary).collect();
        crate::systems::assert_said_by(&summaries, SUMMARY_PHRASES);
    }

    fn summary_of(report: &SystemReport) -> CassandraSummary {
        let SystemSummary::Cassandra(summary) = report.summary else {
            unreachable!()
        };
        summary
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn phi_rises_past_the_threshold_for_a_silent_node_and_stays_low_for_a_regular_one() {
        // Node 5 crashes at 20 s; node 6 answers 300 ms late throughout.
        let network = ModelNetwork {
            duration: 60_000,
            faults: vec![
                ScheduledSystemFault {
                    at: 0,
                    fault: SystemFault::Slow {
                        node: 6,
                        extra_delay: 300,
                    },
                },
                ScheduledSystemFault {
                    at: 20_000,
                    fault: SystemFault::Crash { node: 5 },
                },
            ],
            ..ModelNetwork::default()
        };
        let report = run(&CassandraConfig::default(), 20, network, 1).unwrap();
        let summary = summary_of(&report);
        // Heartbeats arrive about once a second (capped at 2 s), so phi = 8 after about
        // 8 ln 10 = 18 s of silence: conviction 15 to 25 s after the crash.
        let convict = summary.mean_convict_ms.unwrap();
        assert!((12_000.0..=25_000.0).contains(&convict), "{summary:?}");
        assert!(summary.mean_convict_all_ms.is_some(), "{summary:?}");
        assert_eq!(summary.false_convictions, 0, "{summary:?}");
        let slow_phi = summary.max_phi_slow.unwrap();
        assert!(slow_phi < 4.0, "{summary:?}");
        // The crashed node's phi climbs steadily after the crash.
        let crashed = &report.series[0];
        let after: Vec<f64> = crashed
            .points
            .iter()
            .filter(|p| p.0 > 21.0 && p.0 < 50.0)
            .map(|p| p.1)
            .collect();
        assert!(after.windows(2).all(|w| w[1] >= w[0]), "{after:?}");
        assert!(after.last().unwrap() > &8.0);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_lower_threshold_convicts_sooner() {
        let network = ModelNetwork {
            duration: 60_000,
            faults: vec![ScheduledSystemFault {
                at: 10_000,
                fault: SystemFault::Crash { node: 2 },
            }],
            ..ModelNetwork::default()
        };
        let at = |threshold: f64| {
            let config = CassandraConfig {
                phi_convict_threshold: threshold,
                ..CassandraConfig::default()
            };
            summary_of(&run(&config, 15, network.clone(), 4).unwrap())
                .mean_convict_ms
                .unwrap()
        };
        assert!(at(4.0) < at(8.0));
    }
}
