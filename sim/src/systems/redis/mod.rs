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
//!   which of its crons is the once-a-second one): each run 100 ms after the one before plus 0
//!   to 1 ms, as ae's event loop makes it (the next run is booked when the current one ends,
//!   and epoll's timeout is in whole ms rounded up; `node::CRON_LATENESS_US` has the lines), so
//!   25 crons take a little over 2.5 s and a pong answered at once is pinged again at the
//!   25th cron after, not the 26th. Once a second it samples 5 random known
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
//! - **Failover** (`clusterHandleSlaveFailover`, `clusterSendFailoverAuthIfNeeded`). A replica
//!   whose master is FAIL (and not silent for longer than `cluster-replica-validity-factor`
//!   allows) schedules an election 500 ms + 0 to 500 ms + rank x 1 s ahead, then bumps its
//!   `currentEpoch` and asks every node for a vote. A master votes once per epoch, only for a
//!   replica whose master it holds FAIL, and not twice within `2 x node_timeout` for replicas of
//!   one master. With votes from a majority of the masters the replica takes its master's slots
//!   and tells every node with a PONG; an election not won within `max(2 x node_timeout, 2 s)` is
//!   tried again after twice that. Every message header carries the sender's `currentEpoch`
//!   (the highest is adopted) and whom it replicates.
//!
//! Nodes `0, r + 1, 2(r + 1), ...` are masters and the `r` nodes after each its replicas (`r =
//! replicas`), as `--cluster create` assigns them; replicas gossip and relay FAIL but do not
//! vote on it. Not modelled: slots one by one (a master serves all of its own or none), data and
//! replication offsets (so every replica's rank is 0), config epochs apart from the election's,
//! links that break and reconnect, manual failover and replica migration.
//!
//! The report's figures are times from a crash: the first PFAIL anywhere, each running node's
//! first PFAIL (or FAIL, if the broadcast came first) averaged over the nodes, the first FAIL,
//! FAIL at every running node, and a replica promoted; and traffic per node per second in the
//! steady state, from `warm_up` to the first crash after it.

//!
//! The module is split by concern: `node` is a cluster node (its messages, its cron and what it
//! does with each message), `tests` pins the behaviours above; here are the parameters and the
//! run with its figures.

mod node;
mod summary;
#[cfg(test)]
mod tests;

use rand::RngExt;
use serde::{Deserialize, Serialize};

pub use node::{Flag, GossipEntry, Header, Message, Node};
pub use summary::SUMMARY_PHRASES;

use super::{SystemReport, SystemSummary, TimeSeries};
use crate::error::SimError;
use crate::metrics::Figure;
use crate::models::{ModelNetwork, ModelSim, Observation, SystemFault};
use gossip_core::{NodeId, Time};

/// Redis Cluster's failure detection parameters, and when the traffic figures start counting.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisConfig {
    /// `cluster-node-timeout` (redis.conf default 15,000 ms).
    pub node_timeout: Time,
    /// Replicas per master.
    pub replicas: u32,
    /// `cluster-replica-validity-factor` (default 10): a replica whose master has been silent
    /// for longer than `repl-ping-replica-period + node_timeout x factor` (after the first
    /// `node_timeout`) does not try to fail over; 0: always tries.
    pub replica_validity_factor: u32,
    /// `repl-ping-replica-period` (default 10,000 ms).
    pub repl_ping_replica_period: Time,
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
            replica_validity_factor: 10,
            repl_ping_replica_period: 10_000,
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

    /// The master node `id` replicates, if a replica.
    fn master_of(&self, id: NodeId) -> Option<NodeId> {
        (!self.is_master(id)).then(|| id - id % (self.replicas + 1))
    }
}

/// Mixed into the seed for the draw of the wall clock's phase.
const CLOCK_SEED_MIX: u64 = 0x9e37_79b9_7f4a_7c15;

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
    /// Crash of a master to one of its replicas winning the election and taking its slots.
    pub failover_ms: Option<f64>,
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
            ("failover_ms", self.failover_ms),
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

/// The cluster of `nodes` nodes at time 0, not yet run: [`run`] runs it, the inspector reruns
/// it to an instant.
pub(crate) fn build(
    config: &RedisConfig,
    nodes: u32,
    network: ModelNetwork,
    seed: u64,
) -> Result<ModelSim<Node>, SimError> {
    // Where the wall clock's seconds fall in the run: a draw of its own, not from the run's
    // generator, so that the run's draws stay in the order the loop makes them.
    let clock_offset = gossip_core::seeded_rng(seed ^ CLOCK_SEED_MIX).random_range(0..1_000);
    let models = (0..nodes)
        .map(|me| Node::new(*config, me, nodes, clock_offset))
        .collect();
    ModelSim::new(models, network, seed)
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
    let mut sim = build(config, nodes, network, seed)?;
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
    let (mut first_fail, mut fail_all, mut failover) = (Vec::new(), Vec::new(), Vec::new());
    let mut series = Vec::new();
    for &(node, at) in &crashes {
        first_pfail.extend(first(&["pfail"], node, at, None));
        let flagged: Vec<f64> = running
            .iter()
            .filter_map(|&id| first(&["pfail", "fail"], node, at, Some(id)))
            .collect();
        mean_pfail.extend(mean(&flagged));
        first_fail.extend(first(&["fail"], node, at, None));
        failover.extend(first(&["promoted"], node, at, None));
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
        failover_ms: mean(&failover),
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
