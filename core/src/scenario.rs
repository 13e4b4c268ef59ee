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

/// What a view needs to replay a run node by node: each node's phase after every round, who
/// informed whom, and the links of the topology.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recording {
    /// `frames[r][v]`: the phase of node `v` after round `r` (round 0: the start), as
    /// 0 susceptible, 1 infective, 2 removed.
    pub frames: Vec<Vec<u8>>,
    /// For each node, the node it learned from and the round (`None`: never learned, or the
    /// origin).
    pub informed_by: Vec<Option<(u32, u32)>>,
    /// Links of the topology, each once (empty for a complete graph).
    pub links: Vec<(u32, u32)>,
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

    /// Runs the scenario and records it node by node, if it has at most `max_nodes` nodes (a
    /// frame costs a byte per node per round).
    pub fn run_recorded(&self, max_nodes: u32) -> Result<(RunReport, Option<Recording>), String> {
        if self.nodes > max_nodes {
            return self.run().map(|report| (report, None));
        }
        self.validate()?;
        let mut run = RumorRun::on_network(self.nodes, self.rumor, &self.network, self.seed)?;
        let frame = |run: &RumorRun| run.phases().map(|phase| phase as u8).collect::<Vec<u8>>();
        let mut frames = vec![frame(&run)];
        let mut rounds = Vec::new();
        while let Some(metrics) = run.step() {
            rounds.push(metrics);
            frames.push(frame(&run));
        }
        let recording = Recording {
            frames,
            informed_by: run.informed_by().collect(),
            links: run.links(),
        };
        Ok((
            RunReport {
                rounds,
                summary: run.summary(),
            },
            Some(recording),
        ))
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
    fn a_recording_replays_the_counts_of_every_round() {
        use crate::topology::TopologyKind;
        let scenario = Scenario {
            network: Network {
                topology: TopologyKind::Ring { k: 2 },
                ..Network::default()
            },
            ..Scenario::default()
        };
        let (report, recording) = scenario.run_recorded(1_000).unwrap();
        let recording = recording.unwrap();
        assert_eq!(
            report,
            scenario.run().unwrap(),
            "recording does not change the run"
        );
        assert_eq!(recording.frames.len(), report.rounds.len() + 1);
        for (frame, metrics) in recording.frames[1..].iter().zip(&report.rounds) {
            let susceptible = frame.iter().filter(|&&phase| phase == 0).count() as u32;
            let infective = frame.iter().filter(|&&phase| phase == 1).count() as u32;
            assert_eq!(
                (susceptible, infective),
                (metrics.susceptible, metrics.infective)
            );
        }
        assert_eq!(
            recording.links.len(),
            200,
            "a ring with two links each side"
        );
        // Every informed node learned over a link of the ring from an earlier learner.
        for (node, informed) in recording.informed_by.iter().enumerate() {
            if let Some((from, round)) = informed {
                let node = node as u32;
                let link = (node.min(*from), node.max(*from));
                assert!(recording.links.contains(&link), "{link:?} is not a link");
                assert!(*round >= 1);
            }
        }
        assert!(
            Scenario {
                nodes: 2_000,
                ..Scenario::default()
            }
            .run_recorded(1_000)
            .unwrap()
            .1
            .is_none()
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn default_scenario_informs_almost_everyone() {
        let report = Scenario::default().run().unwrap();
        assert_eq!(report.rounds.len() as u32, report.summary.rounds);
        assert!(report.summary.residue < 0.2, "{:?}", report.summary);
    }
}
