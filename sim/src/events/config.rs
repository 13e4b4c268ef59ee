//! What a run of the event engine is: [`EventSimConfig`], and [`Cluster`], the same settings as
//! a scenario holds them; and their checks.

use serde::{Deserialize, Serialize};

use super::faults::{ScheduledClusterFault, probability, validate_schedule};
use crate::error::SimError;
use crate::link::Latency;
use gossip_core::NodeConfig;
use gossip_core::Time;

/// A run of the event engine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventSimConfig {
    /// The initial population: ids `0..nodes`, each knowing all the others.
    pub nodes: u32,
    /// The seed of the run's one generator.
    pub seed: u64,
    /// Every node's configuration (initial and joining nodes alike).
    pub node: NodeConfig,
    /// The latency of every message.
    pub latency: Latency,
    /// Probability that a message is lost.
    pub loss: f64,
    /// Probability that a message that got through arrives twice.
    pub duplicate: f64,
    /// Extra latency, in milliseconds, on links crossing the slow link of a two-data-center
    /// layout (the lower half of the ids in one, the upper half in the other; see
    /// [`EventSim::with_topology`](super::EventSim::with_topology) for another topology).
    #[serde(default)]
    pub slow_link_extra: Time,
    /// How long [`EventSim::run`](super::EventSim::run) runs.
    pub duration: Time,
    /// The time step of the samples.
    pub sample_every: Time,
    /// What happens when.
    #[serde(default)]
    pub faults: Vec<ScheduledClusterFault>,
}

impl Default for EventSimConfig {
    /// 50 nodes with every default mechanism, a LAN (5 to 15 ms), one minute in 100 ms steps.
    fn default() -> Self {
        EventSimConfig {
            nodes: 50,
            seed: 42,
            node: NodeConfig::default(),
            latency: Latency::Uniform { min: 5, max: 15 },
            loss: 0.0,
            duplicate: 0.0,
            slow_link_extra: 0,
            duration: 60_000,
            sample_every: 100,
            faults: Vec::new(),
        }
    }
}

impl EventSimConfig {
    /// Checks the configuration; the error names what is wrong.
    pub fn validate(&self) -> Result<(), SimError> {
        if self.nodes == 0 {
            return Err(SimError::invalid("nodes", "must be at least 1"));
        }
        if self.sample_every == 0 {
            return Err(SimError::invalid("sample_every", "must be positive"));
        }
        self.node.validate()?;
        self.latency.validate()?;
        probability("loss", self.loss)?;
        probability("duplicate", self.duplicate)?;
        validate_schedule(&self.faults, self.nodes)
    }
}

/// A cluster as a scenario describes it: the event engine's settings besides the population
/// and the seed (the scenario's `nodes` and `seed`) and the loss (its `network.loss`). Absent
/// fields take the defaults of [`EventSimConfig`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Cluster {
    /// Every node's configuration.
    pub node: NodeConfig,
    /// The latency of every message.
    pub latency: Latency,
    /// Probability that a message that got through arrives twice.
    pub duplicate: f64,
    /// Extra latency across the slow link of two data centers.
    pub slow_link_extra: Time,
    /// How long the run goes, in milliseconds.
    pub duration: Time,
    /// The time step of the samples.
    pub sample_every: Time,
    /// What happens when.
    pub faults: Vec<ScheduledClusterFault>,
}

impl Default for Cluster {
    fn default() -> Self {
        Cluster::from(EventSimConfig::default())
    }
}

impl From<EventSimConfig> for Cluster {
    fn from(config: EventSimConfig) -> Self {
        Cluster {
            node: config.node,
            latency: config.latency,
            duplicate: config.duplicate,
            slow_link_extra: config.slow_link_extra,
            duration: config.duration,
            sample_every: config.sample_every,
            faults: config.faults,
        }
    }
}

impl Cluster {
    /// The event engine's configuration for `nodes` nodes, `seed` and `loss`.
    pub fn config(&self, nodes: u32, seed: u64, loss: f64) -> EventSimConfig {
        EventSimConfig {
            nodes,
            seed,
            node: self.node,
            latency: self.latency,
            loss,
            duplicate: self.duplicate,
            slow_link_extra: self.slow_link_extra,
            duration: self.duration,
            sample_every: self.sample_every,
            faults: self.faults.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::faults::ClusterFault;
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn config() -> EventSimConfig {
        EventSimConfig {
            nodes: 10,
            faults: vec![ScheduledClusterFault {
                at: 4_300,
                fault: ClusterFault::Crash { node: 3 },
            }],
            latency: Latency::Exponential { mean: 15 },
            ..EventSimConfig::default()
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn configs_round_trip_through_json_and_clusters() {
        let config = config();
        let json = serde_json::to_string(&config).unwrap();
        assert!(json.contains(r#"{"at":4300,"fault":{"kind":"crash","node":3}}"#));
        assert!(json.contains(r#""latency":{"kind":"exponential","mean":15}"#));
        assert_eq!(
            serde_json::from_str::<EventSimConfig>(&json).unwrap(),
            config
        );
        let cluster = Cluster::from(config.clone());
        assert_eq!(
            cluster.config(config.nodes, config.seed, config.loss),
            config
        );
        let empty: Cluster = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, Cluster::default());
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn bad_configs_are_named() {
        let error = |change: fn(&mut EventSimConfig)| {
            let mut config = config();
            change(&mut config);
            config.validate().unwrap_err()
        };
        assert_eq!(
            error(|c| c.loss = 1.5),
            SimError::invalid("loss", "must be between 0 and 1, got 1.5")
        );
        assert_eq!(
            error(|c| c.latency = Latency::Uniform { min: 9, max: 3 }).to_string(),
            "latency.min (9) must not exceed latency.max (3)"
        );
        assert_eq!(
            error(|c| c.sample_every = 0),
            SimError::invalid("sample_every", "must be positive")
        );
        assert_eq!(
            error(|c| c.nodes = 0),
            SimError::invalid("nodes", "must be at least 1")
        );
        assert!(matches!(
            error(|c| c.node.swim.protocol_period = 0),
            SimError::Config(_)
        ));
        assert_eq!(
            error(|c| c.nodes = 3).to_string(),
            "faults[0]: node 3 is not among the 3 nodes"
        );
    }
}
