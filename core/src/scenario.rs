//! The scenario: a small, versioned, serialisable description of an experiment. A run is a pure
//! function of (scenario, seed, core version), so a scenario and its seed are all a share link
//! needs to carry.

use serde::{Deserialize, Serialize};

use crate::metrics::{RoundMetrics, RunSummary};
use crate::rumor::RumorConfig;
use crate::sim::network::Network;
use crate::sim::rounds::RumorRun;

/// The scenario format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// An experiment: who gossips, how, and with which seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    pub version: u32,
    pub nodes: u32,
    pub seed: u64,
    pub rumor: RumorConfig,
    /// Topology, loss and faults; absent means a complete, reliable network.
    #[serde(default, skip_serializing_if = "is_reliable_complete")]
    pub network: Network,
}

fn is_reliable_complete(network: &Network) -> bool {
    *network == Network::default()
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            version: FORMAT_VERSION,
            nodes: 100,
            seed: 42,
            rumor: RumorConfig::default(),
            network: Network::default(),
        }
    }
}

/// The outcome of one run: counts per round and the totals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    pub rounds: Vec<RoundMetrics>,
    pub summary: RunSummary,
}

impl Scenario {
    /// Checks the scenario before a run; the message names what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if self.version != FORMAT_VERSION {
            return Err(format!(
                "scenario version {} is not supported (this build reads version {FORMAT_VERSION})",
                self.version
            ));
        }
        self.rumor.validate()?;
        self.network.validate(self.nodes)
    }

    /// Runs the scenario to quiescence.
    pub fn run(&self) -> Result<RunReport, String> {
        self.validate()?;
        let mut rounds = Vec::new();
        let summary = RumorRun::on_network(self.nodes, self.rumor, &self.network, self.seed)?
            .run(|m| rounds.push(*m));
        Ok(RunReport { rounds, summary })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn scenario_round_trips_through_json() {
        let scenario = Scenario::default();
        let json = serde_json::to_string(&scenario).unwrap();
        let back: Scenario = serde_json::from_str(&json).unwrap();
        assert_eq!(back, scenario);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn unknown_version_is_named_in_the_error() {
        let scenario = Scenario {
            version: 99,
            ..Scenario::default()
        };
        let error = scenario.run().unwrap_err();
        assert!(error.contains("version 99"), "{error}");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn default_scenario_informs_almost_everyone() {
        let report = Scenario::default().run().unwrap();
        assert_eq!(report.rounds.len() as u32, report.summary.rounds);
        assert!(report.summary.residue < 0.2, "{:?}", report.summary);
    }
}
