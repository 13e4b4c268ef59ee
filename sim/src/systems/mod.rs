//! Real systems as models: each is a composition of gossip mechanisms with that system's
//! documented rules and default parameters (each module cites its sources), run on the
//! [`crate::models`] engine (the event loop of [`crate::process`]), or for memberlist on the
//! live node of [`gossip_core::Node`].
//!
//! - [`redis`]: the Redis Cluster bus (PING/PONG gossip, PFAIL, FAIL by a majority of masters).
//! - [`cassandra`]: Cassandra's gossiper (Syn/Ack/Ack2 digests, heartbeats, phi-accrual).
//! - [`memberlist`]: HashiCorp memberlist's LAN and WAN profiles (SWIM with Lifeguard).
//! - [`bitcoin`]: Bitcoin's transaction relay (inv/getdata to 8 outbound peers, trickling).

pub mod bitcoin;
pub mod cassandra;
pub mod inspect;
pub mod memberlist;
pub mod redis;

use serde::{Deserialize, Serialize};

use crate::error::SimError;
use crate::link::Latency;
use crate::metrics::Figure;
use crate::models::{ModelNetwork, ModelTotals, ScheduledSystemFault};
use gossip_core::Time;

/// The kinds and fixed phrases of every system model's message summaries (Redis, Cassandra,
/// Bitcoin; memberlist's are gossip-core's own), for a view that says them in another language
/// with [`gossip_core::reword`].
pub const SUMMARY_PHRASES: [&[&str]; 3] = [
    redis::SUMMARY_PHRASES,
    cassandra::SUMMARY_PHRASES,
    bitcoin::SUMMARY_PHRASES,
];

/// Which system, with its parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum System {
    /// The Redis Cluster bus.
    RedisCluster(redis::RedisConfig),
    /// Cassandra's gossiper.
    Cassandra(cassandra::CassandraConfig),
    /// Bitcoin's transaction relay.
    BitcoinRelay(bitcoin::BitcoinConfig),
}

/// A system run as a scenario describes it; the population, seed and loss come from the
/// scenario (`nodes`, `seed`, `network.loss`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemRun {
    /// Which system, with its parameters.
    pub model: System,
    /// The latency of every message.
    #[serde(default = "default_latency")]
    pub latency: Latency,
    /// How long the run goes, in milliseconds.
    #[serde(default = "default_duration")]
    pub duration: Time,
    /// What happens when.
    #[serde(default)]
    pub faults: Vec<ScheduledSystemFault>,
}

impl Default for SystemRun {
    /// A Redis Cluster for a minute on a LAN.
    fn default() -> Self {
        SystemRun {
            model: System::RedisCluster(redis::RedisConfig::default()),
            latency: default_latency(),
            duration: default_duration(),
            faults: Vec::new(),
        }
    }
}

fn default_latency() -> Latency {
    ModelNetwork::default().latency
}

fn default_duration() -> Time {
    ModelNetwork::default().duration
}

impl SystemRun {
    /// The models engine's network, with the scenario's `loss`.
    pub fn network(&self, loss: f64) -> ModelNetwork {
        ModelNetwork {
            latency: self.latency,
            loss,
            duration: self.duration,
            faults: self.faults.clone(),
        }
    }

    /// Checks the run for `nodes` nodes and `loss`.
    pub fn validate(&self, nodes: u32, loss: f64) -> Result<(), SimError> {
        self.network(loss).validate(nodes)?;
        match &self.model {
            System::RedisCluster(config) => config.validate(nodes),
            System::Cassandra(config) => config.validate(nodes),
            System::BitcoinRelay(config) => config.validate(nodes),
        }
    }

    /// Starts a rerun of the model to `at` ms for the inspector, node `node` to be read at
    /// the end ([`inspect::ModelRerun`]).
    pub fn start_inspect(
        &self,
        nodes: u32,
        seed: u64,
        loss: f64,
        node: gossip_core::NodeId,
        at: Time,
    ) -> Result<Box<dyn inspect::ModelRerun>, SimError> {
        self.validate(nodes, loss)?;
        if at > self.duration {
            return Err(SimError::Invalid {
                field: "at".into(),
                reason: format!("must be at most the run's duration, {} ms", self.duration),
            });
        }
        let network = self.network(loss);
        Ok(match &self.model {
            System::RedisCluster(config) => Box::new(inspect::Rerun::new(
                redis::build(config, nodes, network, seed)?,
                "redis_cluster",
                node,
                at,
            )?),
            System::Cassandra(config) => Box::new(inspect::Rerun::new(
                cassandra::build(config, nodes, network, seed)?,
                "cassandra",
                node,
                at,
            )?),
            System::BitcoinRelay(config) => Box::new(inspect::Rerun::new(
                bitcoin::build(config, nodes, network, seed)?,
                "bitcoin_relay",
                node,
                at,
            )?),
        })
    }

    /// Runs the model.
    pub fn run(&self, nodes: u32, seed: u64, loss: f64) -> Result<SystemReport, SimError> {
        self.validate(nodes, loss)?;
        let network = self.network(loss);
        match &self.model {
            System::RedisCluster(config) => redis::run(config, nodes, network, seed),
            System::Cassandra(config) => cassandra::run(config, nodes, network, seed),
            System::BitcoinRelay(config) => bitcoin::run(config, nodes, network, seed),
        }
    }
}

/// A line over time for a chart: `(seconds, value)` points.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimeSeries {
    /// What it shows.
    pub name: String,
    /// The points, in time order.
    pub points: Vec<(f64, f64)>,
}

/// What a system run measured: its figures, lines over time, and the traffic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SystemReport {
    /// The system's name (`redis_cluster`, `cassandra`, `bitcoin_relay`).
    pub system: String,
    /// The population.
    pub nodes: u32,
    /// How long the run went, in milliseconds.
    pub duration: Time,
    /// The traffic.
    pub totals: ModelTotals,
    /// Lines over time for charts.
    pub series: Vec<TimeSeries>,
    /// The per-run figures.
    pub summary: SystemSummary,
}

/// The per-run figures of a system model.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SystemSummary {
    /// A Redis Cluster's.
    Redis(redis::RedisSummary),
    /// A Cassandra ring's.
    Cassandra(cassandra::CassandraSummary),
    /// Bitcoin's relay's.
    Bitcoin(bitcoin::BitcoinSummary),
}

impl SystemSummary {
    /// The figures batch runs aggregate, in output order.
    pub fn figures(&self) -> Vec<Figure> {
        match self {
            SystemSummary::Redis(summary) => summary.figures(),
            SystemSummary::Cassandra(summary) => summary.figures(),
            SystemSummary::Bitcoin(summary) => summary.figures(),
        }
    }
}

/// Bytes per node per second over a run.
pub fn bytes_per_node_second(totals: &ModelTotals, nodes: u32, duration: Time) -> f64 {
    totals.bytes as f64 / f64::from(nodes.max(1)) / (duration.max(1) as f64 / 1_000.0)
}

/// Asserts that `phrases` say every word of `summaries` (their kinds and texts): reworded with
/// each phrase as a mark without letters, no word of two letters or more is left, and every
/// phrase is used by some summary.
#[cfg(test)]
fn assert_said_by(summaries: &[gossip_core::MessageSummary], phrases: &[&str]) {
    let marks: Vec<(&str, &str)> = phrases
        .iter()
        .map(|phrase| (*phrase, if phrase.contains("{n}") { "#{n}#" } else { "#" }))
        .collect();
    let said = |text: &str| {
        let mut out = String::new();
        gossip_core::reword(text, &marks, &mut out);
        out
    };
    for summary in summaries {
        let text = said(&summary.text);
        let words: Vec<&str> = text
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|word| word.len() >= 2)
            .collect();
        assert!(words.is_empty(), "{summary:?} said as {text}");
        assert_eq!(said(summary.kind), "#", "{summary:?}");
    }
    for phrase in phrases {
        let used = summaries.iter().any(|summary| {
            let mut out = String::new();
            gossip_core::reword(&summary.text, &[(phrase, "#")], &mut out);
            out != summary.text || summary.kind == *phrase
        });
        assert!(used, "{phrase} is in no summary");
    }
}
