//! Bitcoin's transaction relay, as Bitcoin Core does it: announce, then send on request.
//!
//! - Topology: every node opens `outbound` full-relay connections to peers chosen at random
//!   (Bitcoin Core's `MAX_OUTBOUND_FULL_RELAY_CONNECTIONS = 8`, src/net.h) and accepts the
//!   connections others open to it; a connection carries messages both ways.
//! - Announcement: a node that has a transaction announces it (`inv`) to every peer not known
//!   to have it, not at once but at the next tick of a Poisson timer ("trickling", to make the
//!   origin harder to trace): one timer per outbound peer with a mean of 2 s, one timer shared by
//!   all inbound peers with a mean of 5 s (`OUTBOUND_INVENTORY_BROADCAST_INTERVAL` and
//!   `INBOUND_INVENTORY_BROADCAST_INTERVAL`, src/net_processing.cpp). 0 for both gives plain
//!   flooding.
//! - Request: a node hearing of a transaction it lacks asks the announcer for it (`getdata`);
//!   if nothing comes within `getdata_timeout` (Core's `GETDATA_TX_INTERVAL = 60 s`), it asks the
//!   next peer that announces it. The answer (`tx`) makes the node a holder, and it announces in
//!   turn.
//! - Sizes: a 24-byte message header; `inv` and `getdata` hold a count and a 36-byte entry;
//!   `tx` is `tx_bytes` (about 250 for a typical one-input, two-output payment).
//!
//! One transaction enters at node 0 at `inject_at`; the run reports when 50%, 90% and every
//! node held it and what the relay cost.

use std::collections::BTreeSet;

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::{SystemReport, SystemSummary, TimeSeries, bytes_per_node_second};
use crate::error::SimError;
use crate::metrics::Figure;
use crate::models::{ModelNetwork, ModelSim, Observation, Outbox};
use crate::process::Process;
use gossip_core::detmath::exponential;
use gossip_core::{MessageSummary, NodeId, SimRng, Time, seeded_rng};

/// Bitcoin Core's relay parameters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BitcoinConfig {
    /// Outbound full-relay connections per node.
    pub outbound: u32,
    /// Mean trickle delay towards outbound peers, in ms (0: announce at once).
    pub outbound_interval: Time,
    /// Mean trickle delay towards inbound peers, in ms (0: announce at once).
    pub inbound_interval: Time,
    /// How long a node waits for a transaction it asked for before asking another peer.
    pub getdata_timeout: Time,
    /// The transaction's size in bytes.
    pub tx_bytes: u32,
    /// When the transaction enters at node 0.
    pub inject_at: Time,
}

impl Default for BitcoinConfig {
    fn default() -> Self {
        BitcoinConfig {
            outbound: 8,
            outbound_interval: 2_000,
            inbound_interval: 5_000,
            getdata_timeout: 60_000,
            tx_bytes: 250,
            inject_at: 1_000,
        }
    }
}

impl BitcoinConfig {
    /// Checks the parameters for `nodes` nodes.
    pub fn validate(&self, nodes: u32) -> Result<(), SimError> {
        if nodes < 2 {
            return Err(SimError::invalid("nodes", "must be at least 2"));
        }
        if self.outbound == 0 || self.outbound >= nodes {
            return Err(SimError::invalid(
                "bitcoin.outbound",
                format!(
                    "must be between 1 and nodes - 1 ({}), got {}",
                    nodes - 1,
                    self.outbound
                ),
            ));
        }
        Ok(())
    }
}

const HEADER_BYTES: usize = 24;
const INV_ENTRY_BYTES: usize = 36;

/// A relay message about the one transaction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Message {
    /// "I have it."
    Inv,
    /// "Send it to me."
    GetData,
    /// The transaction.
    Tx {
        /// Its size.
        bytes: u32,
    },
}

/// One node: its connections, and where it is with the transaction.
pub struct Node {
    config: BitcoinConfig,
    /// Peers and whether this node opened the connection.
    peers: Vec<(NodeId, bool)>,
    has_tx: bool,
    /// Peers known to have the transaction (they announced or sent it, or we announced to them).
    known: BTreeSet<NodeId>,
    /// The peer asked with getdata, and when.
    requested: Option<(NodeId, Time)>,
    /// Announcements waiting for their trickle time: (time, peer).
    announce: Vec<(Time, NodeId)>,
    /// Announcements heard about a transaction already held or asked for.
    pub redundant_invs: u64,
    out: Outbox<Message>,
}

impl Node {
    fn got_tx(&mut self, from: Option<NodeId>, now: Time, rng: &mut SimRng) {
        self.has_tx = true;
        self.known.extend(from);
        let me = self.out.me();
        self.out.observe(now, "tx", me, 0.0);
        let inbound_at = now + self.delay(self.config.inbound_interval, rng);
        for index in 0..self.peers.len() {
            let (peer, outbound) = self.peers[index];
            if self.known.contains(&peer) {
                continue;
            }
            let at = if outbound {
                now + self.delay(self.config.outbound_interval, rng)
            } else {
                inbound_at
            };
            self.announce.push((at, peer));
        }
    }

    fn delay(&self, mean: Time, rng: &mut SimRng) -> Time {
        if mean == 0 {
            0
        } else {
            exponential(rng, mean as f64)
        }
    }
}

impl crate::systems::inspect::InspectModel for Node {
    /// Whether it has the transaction, whom it asked for it; a row per peer: who opened the
    /// connection, whether the peer is known to have the transaction (inventory), and when an
    /// announcement to it is due.
    fn table(&self, _now: Time) -> crate::systems::inspect::NodeTable {
        use crate::systems::inspect::{Cell, names};
        let facts = vec![
            ("has_tx".into(), Cell::Flag(self.has_tx)),
            (
                "requested_from".into(),
                self.requested
                    .map_or(Cell::Word("-".into()), |(peer, _)| Cell::Node(peer)),
            ),
            (
                "requested_at".into(),
                Cell::Time(self.requested.map(|(_, at)| at)),
            ),
            ("redundant_invs".into(), Cell::Count(self.redundant_invs)),
        ];
        let columns = names(&["peer", "direction", "has_tx", "announce_at"]);
        let rows = self
            .peers
            .iter()
            .map(|&(peer, outbound)| {
                let announce = self
                    .announce
                    .iter()
                    .filter(|&&(_, to)| to == peer)
                    .map(|&(at, _)| at)
                    .min();
                vec![
                    Cell::Node(peer),
                    Cell::Word(if outbound { "outbound" } else { "inbound" }.into()),
                    Cell::Flag(self.known.contains(&peer)),
                    Cell::Time(announce),
                ]
            })
            .collect();
        (facts, columns, rows)
    }
}

/// The kinds and fixed phrases of [`Node`]'s message summaries, for a view that says them in
/// another language with [`gossip_core::reword`].
pub const SUMMARY_PHRASES: &[&str] = &["inv", "getdata", "tx", "{n} B"];

impl Process for Node {
    type Message = Message;
    type Event = Observation;

    /// "inv 1 tx", "getdata 1 tx", "tx 250 B".
    fn summary(message: &Message) -> MessageSummary {
        let (kind, text) = match message {
            Message::Inv => ("inv", "inv 1 tx".to_string()),
            Message::GetData => ("getdata", "getdata 1 tx".to_string()),
            Message::Tx { bytes } => ("tx", format!("tx {bytes} B")),
        };
        MessageSummary { kind, text }
    }

    fn message_bytes(message: &Message) -> usize {
        match message {
            Message::Inv | Message::GetData => HEADER_BYTES + 1 + INV_ENTRY_BYTES,
            Message::Tx { bytes } => HEADER_BYTES + *bytes as usize,
        }
    }

    /// Node 0's injection, or the trickle timer: announces to the peers whose time has come.
    fn tick(&mut self, now: Time, rng: &mut SimRng) {
        if self.out.me() == 0 && !self.has_tx && now >= self.config.inject_at {
            self.got_tx(None, now, rng);
            return;
        }
        let (due, later): (Vec<_>, Vec<_>) = self.announce.iter().partition(|(at, _)| *at <= now);
        self.announce = later;
        for (_, peer) in due {
            if self.known.insert(peer) {
                self.out.send(peer, Message::Inv);
            }
        }
    }

    fn handle(&mut self, now: Time, from: NodeId, message: Message, rng: &mut SimRng) {
        match message {
            Message::Inv => {
                self.known.insert(from);
                let stale = self
                    .requested
                    .is_some_and(|(_, at)| now >= at + self.config.getdata_timeout);
                if self.has_tx || (self.requested.is_some() && !stale) {
                    self.redundant_invs += 1;
                    return;
                }
                self.requested = Some((from, now));
                self.out.send(from, Message::GetData);
            }
            Message::GetData => {
                if self.has_tx {
                    self.out.send(
                        from,
                        Message::Tx {
                            bytes: self.config.tx_bytes,
                        },
                    );
                }
            }
            Message::Tx { .. } => {
                if !self.has_tx {
                    self.got_tx(Some(from), now, rng);
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

    /// Node 0 wakes for the injection; a holder at the earliest announcement due.
    fn poll_timeout(&self) -> Option<Time> {
        if self.out.me() == 0 && !self.has_tx {
            return Some(self.config.inject_at);
        }
        self.announce.iter().min().map(|&(at, _)| at)
    }
}

/// The figures of one relay run. Times are from the injection, in ms; `None` if never reached.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BitcoinSummary {
    /// Injection to half the nodes holding it.
    pub reach_50_ms: Option<f64>,
    /// Injection to 90% of the nodes holding it.
    pub reach_90_ms: Option<f64>,
    /// Injection to every node holding it.
    pub reach_all_ms: Option<f64>,
    /// Nodes holding the transaction at the end, as a fraction.
    pub reached: f64,
    /// Relay bytes per node over the run.
    pub bytes_per_node: f64,
    /// Relay messages per node over the run.
    pub messages_per_node: f64,
    /// Announcements of a transaction already held or asked for, per node.
    pub redundant_invs_per_node: f64,
    /// Relay bytes per node per second.
    pub bytes_per_node_second: f64,
}

impl BitcoinSummary {
    /// The figures batch runs aggregate, in output order.
    pub fn figures(&self) -> Vec<Figure> {
        vec![
            ("reach_50_ms", self.reach_50_ms),
            ("reach_90_ms", self.reach_90_ms),
            ("reach_all_ms", self.reach_all_ms),
            ("reached", Some(self.reached)),
            ("bytes_per_node", Some(self.bytes_per_node)),
            ("messages_per_node", Some(self.messages_per_node)),
            (
                "redundant_invs_per_node",
                Some(self.redundant_invs_per_node),
            ),
            ("bytes_per_node_second", Some(self.bytes_per_node_second)),
        ]
    }
}

/// The random graph: each node's outbound picks, the links both ways.
fn connect(nodes: u32, outbound: u32, seed: u64) -> Vec<Vec<(NodeId, bool)>> {
    let mut rng = seeded_rng(seed ^ 0xb17c_0111);
    let mut peers = vec![Vec::new(); nodes as usize];
    for node in 0..nodes {
        let mut chosen = BTreeSet::new();
        // Earlier nodes' links into this one leave fewer to choose from; in a small network
        // (12 nodes, 8 outbound) none may be left, and asking for more would never end.
        let free = nodes - 1 - peers[node as usize].len() as u32;
        while (chosen.len() as u32) < outbound.min(free) {
            let peer = rng.random_range(0..nodes);
            let linked = peers[node as usize].iter().any(|&(p, _)| p == peer);
            if peer != node && !linked {
                chosen.insert(peer);
            }
        }
        for peer in chosen {
            peers[node as usize].push((peer, true));
            peers[peer as usize].push((node, false));
        }
    }
    peers
}

/// The network at time 0, not yet run: [`run`] runs it, the inspector reruns it to an instant.
pub(crate) fn build(
    config: &BitcoinConfig,
    nodes: u32,
    network: ModelNetwork,
    seed: u64,
) -> Result<ModelSim<Node>, SimError> {
    let models = connect(nodes, config.outbound, seed)
        .into_iter()
        .zip(0..)
        .map(|(peers, me)| Node {
            config: *config,
            peers,
            has_tx: false,
            known: BTreeSet::new(),
            requested: None,
            announce: Vec::new(),
            redundant_invs: 0,
            out: Outbox::new(me),
        })
        .collect();
    ModelSim::new(models, network, seed)
}

/// Runs the relay of one transaction.
pub fn run(
    config: &BitcoinConfig,
    nodes: u32,
    network: ModelNetwork,
    seed: u64,
) -> Result<SystemReport, SimError> {
    config.validate(nodes)?;
    let duration = network.duration;
    let mut sim = build(config, nodes, network, seed)?;
    sim.run();
    let mut arrivals: Vec<Time> = sim
        .observations()
        .iter()
        .filter(|o| o.what == "tx")
        .map(|o| o.at - config.inject_at.min(o.at))
        .collect();
    arrivals.sort_unstable();
    let reach = |fraction: f64| {
        let needed = (fraction * f64::from(nodes)).ceil() as usize;
        arrivals.get(needed.max(1) - 1).map(|&t| t as f64)
    };
    let n = f64::from(nodes);
    let totals = sim.totals().clone();
    let redundant: u64 = (0..nodes).map(|id| sim.node(id).redundant_invs).sum();
    let points = arrivals
        .iter()
        .enumerate()
        .map(|(index, &t)| {
            (
                (t + config.inject_at) as f64 / 1_000.0,
                (index + 1) as f64 / n,
            )
        })
        .collect();
    let summary = BitcoinSummary {
        reach_50_ms: reach(0.5),
        reach_90_ms: reach(0.9),
        reach_all_ms: reach(1.0),
        reached: arrivals.len() as f64 / n,
        bytes_per_node: totals.bytes as f64 / n,
        messages_per_node: totals.messages as f64 / n,
        redundant_invs_per_node: redundant as f64 / n,
        bytes_per_node_second: bytes_per_node_second(&totals, nodes, duration),
    };
    Ok(SystemReport {
        system: "bitcoin_relay".into(),
        nodes,
        duration,
        totals,
        series: vec![TimeSeries {
            name: "fraction holding the transaction".into(),
            points,
        }],
        summary: SystemSummary::Bitcoin(summary),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::Latency;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn every_word_of_every_summary_is_in_the_vocabulary() {
        let summaries: Vec<MessageSummary> =
            [Message::Inv, Message::GetData, Message::Tx { bytes: 250 }]
                .iter()
                .map(<Node as Process>::summary)
                .collect();
        crate::systems::assert_said_by(&summaries, SUMMARY_PHRASES);
    }

    fn relay(config: BitcoinConfig, nodes: u32, seed: u64) -> BitcoinSummary {
        let network = ModelNetwork {
            latency: Latency::Uniform { min: 50, max: 150 },
            duration: 120_000,
            ..ModelNetwork::default()
        };
        let SystemSummary::Bitcoin(summary) = run(&config, nodes, network, seed).unwrap().summary
        else {
            unreachable!()
        };
        summary
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn every_node_opens_its_outbound_connections_and_links_go_both_ways() {
        let peers = connect(100, 8, 3);
        for (node, list) in peers.iter().enumerate() {
            assert_eq!(list.iter().filter(|(_, outbound)| *outbound).count(), 8);
            for &(peer, outbound) in list {
                assert_ne!(peer as usize, node);
                assert!(peers[peer as usize].contains(&(node as NodeId, !outbound)));
            }
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_small_network_connects_everyone_it_can_and_the_run_ends() {
        // 12 nodes asking for 8 outbound peers each: the later nodes are already linked to
        // most others, so they open fewer, and every node ends linked to all 11 others.
        let peers = connect(12, 8, 3);
        for list in &peers {
            let mut linked: Vec<NodeId> = list.iter().map(|&(peer, _)| peer).collect();
            linked.sort_unstable();
            linked.dedup();
            assert_eq!(linked.len(), list.len(), "no link twice");
            assert!(list.iter().filter(|(_, outbound)| *outbound).count() <= 8);
        }
        assert!(peers.iter().all(|list| list.len() >= 8));
        assert_eq!(relay(BitcoinConfig::default(), 12, 3).reached, 1.0);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_transaction_reaches_everyone_and_trickling_costs_time_not_data() {
        let flooding = BitcoinConfig {
            outbound_interval: 0,
            inbound_interval: 0,
            ..BitcoinConfig::default()
        };
        let (trickled, flooded) = (
            relay(BitcoinConfig::default(), 300, 1),
            relay(flooding, 300, 1),
        );
        for summary in [trickled, flooded] {
            assert_eq!(summary.reached, 1.0, "{summary:?}");
            let (half, most, all) = (
                summary.reach_50_ms.unwrap(),
                summary.reach_90_ms.unwrap(),
                summary.reach_all_ms.unwrap(),
            );
            assert!(half <= most && most <= all, "{summary:?}");
            // One getdata and one tx per node but the origin; an inv over most links.
            let tx_and_getdata = 2.0 * (1.0 - 1.0 / 300.0);
            assert!(
                summary.messages_per_node > tx_and_getdata + 5.0,
                "{summary:?}"
            );
        }
        // Flooding: a hop is a round trip and a half of 50-150 ms, and the graph's diameter is
        // about log(300) / log(16) = 2 to 3 hops: well under a second to everyone. Trickling
        // adds seconds per hop.
        assert!(flooded.reach_all_ms.unwrap() < 1_500.0, "{flooded:?}");
        assert!(
            trickled.reach_50_ms.unwrap() > 2.0 * flooded.reach_all_ms.unwrap(),
            "{trickled:?} vs {flooded:?}"
        );
    }
}
