//! The scenario: a small, versioned, serialisable description of an experiment. A run is a pure
//! function of (scenario, seed, core version), so a scenario and its seed are all a share link
//! needs to carry.
//!
//! # Versions
//!
//! A scenario's `version` is read before anything else ([`check_format_version`], and the
//! [`Deserialize`] impl itself), so that one from a newer build, whose new fields or variants
//! this build cannot parse, is refused naming both versions rather than as "unknown variant".
//! A scenario is written in the oldest version that holds what it uses
//! ([`Scenario::written_version`]): one without a newer feature stays readable by older builds.
//! Version 2 added the cluster fault `join` (a replayed recording's late joiners); version 1 is
//! every other scenario. docs/versions.md keeps the list.

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::SimError;
use crate::events::{Cluster, ClusterSummary, EventReport, EventSim};
use crate::metrics::{Figure, RoundMetrics, RunSummary};
use crate::network::Network;
use crate::rounds::RumorRun;
use crate::systems::{SystemReport, SystemRun, SystemSummary};
use crate::topology::TopologyKind;
use gossip_core::RumorConfig;

/// The newest scenario format version, which this build reads and writes: 2 added the cluster
/// fault `join` ([`crate::events::ClusterFault::Join`]).
pub const FORMAT_VERSION: u32 = 2;

/// The oldest scenario format version this build reads.
pub const OLDEST_FORMAT_VERSION: u32 = 1;

/// Refuses a scenario in JSON whose `version` this build does not read, before parsing anything
/// else: a newer scenario may hold fields and variants this build does not know, and should be
/// refused for its version, named, not as malformed. JSON that is not an object with a numeric
/// `version` passes (the full parse says what is wrong with it).
pub fn check_format_version(json: &[u8]) -> Result<(), SimError> {
    #[derive(Deserialize)]
    struct VersionOnly {
        version: Option<u32>,
    }
    match serde_json::from_slice::<VersionOnly>(json) {
        Ok(VersionOnly {
            version: Some(found),
        }) => check_version(found),
        _ => Ok(()),
    }
}

fn check_version(found: u32) -> Result<(), SimError> {
    if (OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(&found) {
        Ok(())
    } else {
        Err(SimError::UnsupportedVersion {
            found,
            supported: FORMAT_VERSION,
        })
    }
}

/// An experiment: who gossips, how, and with which seed.
///
/// In JSON the protocol is one field named after it: `"rumor": {...}` for a round-based rumor
/// run, `"cluster": {...}` for live nodes on the event engine.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(into = "ScenarioFields")]
pub struct Scenario {
    /// The format version it is held in: [`FORMAT_VERSION`] once read (an older version is read
    /// into the current one); [`Scenario::validate`] refuses any version this build does not
    /// read. It is written as [`Scenario::written_version`].
    pub version: u32,
    /// The population: how many nodes take part (ids `0..nodes`).
    pub nodes: u32,
    /// Seeds every random choice of the run: the same scenario and seed make the same run.
    pub seed: u64,
    /// What runs, and on which engine.
    pub protocol: Protocol,
    /// Topology, loss and faults; absent means a complete, reliable network.
    pub network: Network,
}

/// What runs, and on which engine.
#[derive(Clone, Debug, PartialEq)]
pub enum Protocol {
    /// One rumor from the network's origin (node 0 unless set), round by round ([`RumorRun`]).
    Rumor(RumorConfig),
    /// Live nodes (SWIM, anti-entropy, rumor mongering, direct mail) on the event engine
    /// ([`EventSim`]), with faults and writes at given times.
    Cluster(Box<Cluster>),
    /// A model of a real system ([`crate::systems`]) on the models engine.
    System(Box<SystemRun>),
}

/// The JSON shape of a [`Scenario`].
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFields {
    version: u32,
    nodes: u32,
    seed: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rumor: Option<RumorConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cluster: Option<Box<Cluster>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    system: Option<Box<SystemRun>>,
    #[serde(default, skip_serializing_if = "is_reliable_complete")]
    network: Network,
}

fn is_reliable_complete(network: &Network) -> bool {
    *network == Network::default()
}

impl<'de> Deserialize<'de> for Scenario {
    /// Reads the version first and refuses one this build does not read (naming both), then
    /// the fields.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let value = serde_json::Value::deserialize(deserializer)?;
        if let Some(found) = value.get("version").and_then(serde_json::Value::as_u64) {
            check_version(u32::try_from(found).unwrap_or(u32::MAX)).map_err(D::Error::custom)?;
        }
        // The path to a bad field ("cluster.faults[0].at: invalid type ...") says what to fix.
        let fields: ScenarioFields =
            serde_path_to_error::deserialize(value).map_err(D::Error::custom)?;
        Scenario::try_from(fields).map_err(D::Error::custom)
    }
}

impl TryFrom<ScenarioFields> for Scenario {
    type Error = String;

    fn try_from(fields: ScenarioFields) -> Result<Self, String> {
        let protocol = match (fields.rumor, fields.cluster, fields.system) {
            (Some(rumor), None, None) => Protocol::Rumor(rumor),
            (None, Some(cluster), None) => Protocol::Cluster(cluster),
            (None, None, Some(system)) => Protocol::System(system),
            (None, None, None) => {
                return Err(
                    "a scenario needs a protocol: a `rumor`, `cluster` or `system` field".into(),
                );
            }
            _ => {
                return Err(
                    "a scenario has one protocol: `rumor`, `cluster` or `system`, not both".into(),
                );
            }
        };
        // Held in the current version: every older one reads as it is.
        check_version(fields.version).map_err(|error| error.to_string())?;
        Ok(Scenario {
            version: FORMAT_VERSION,
            nodes: fields.nodes,
            seed: fields.seed,
            protocol,
            network: fields.network,
        })
    }
}

impl From<Scenario> for ScenarioFields {
    fn from(scenario: Scenario) -> Self {
        let version = scenario.written_version();
        let (mut rumor, mut cluster, mut system) = (None, None, None);
        match scenario.protocol {
            Protocol::Rumor(config) => rumor = Some(config),
            Protocol::Cluster(config) => cluster = Some(config),
            Protocol::System(config) => system = Some(config),
        }
        ScenarioFields {
            version,
            nodes: scenario.nodes,
            seed: scenario.seed,
            rumor,
            cluster,
            system,
            network: scenario.network,
        }
    }
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario::rumor(100, 42, RumorConfig::default())
    }
}

/// The outcome of a run, by engine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A rumor run on the round engine.
    Rumor(RunReport),
    /// Live nodes on the event engine.
    Cluster(EventReport),
    /// A model of a real system on the models engine.
    System(SystemReport),
}

/// The outcome of one run: counts per round and the totals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// The counts after each round, in order (`rounds[0]` is round 1).
    pub rounds: Vec<RoundMetrics>,
    /// The figures of the whole run.
    pub summary: RunSummary,
}

impl Outcome {
    /// The per-run figures.
    pub fn summary(&self) -> Summary {
        match self {
            Outcome::Rumor(report) => Summary::Rumor(report.summary),
            Outcome::Cluster(report) => Summary::Cluster(report.summary()),
            Outcome::System(report) => Summary::System(report.summary),
        }
    }
}

/// The figures of one run, by engine.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Summary {
    /// A rumor run's figures (round engine).
    Rumor(RunSummary),
    /// A cluster run's figures (event engine).
    Cluster(ClusterSummary),
    /// A system model's figures (models engine).
    System(SystemSummary),
}

impl Summary {
    /// The figures that batch runs aggregate, in output order (the same names for every run of
    /// one scenario).
    pub fn figures(&self) -> Vec<Figure> {
        match self {
            Summary::Rumor(summary) => summary.figures(),
            Summary::Cluster(summary) => summary.figures(),
            Summary::System(summary) => summary.figures(),
        }
    }
}

impl Scenario {
    /// The format version this scenario is written in: the oldest that holds what it uses, so
    /// that an older build reads it when it could run it. 2 for a cluster with a `join` fault,
    /// else 1.
    pub fn written_version(&self) -> u32 {
        use crate::events::ClusterFault;
        let joins = matches!(&self.protocol, Protocol::Cluster(cluster)
            if cluster.faults.iter().any(|scheduled| matches!(scheduled.fault, ClusterFault::Join { .. })));
        if joins { 2 } else { OLDEST_FORMAT_VERSION }
    }

    /// A rumor scenario on a complete, reliable network.
    pub fn rumor(nodes: u32, seed: u64, rumor: RumorConfig) -> Scenario {
        Scenario {
            version: FORMAT_VERSION,
            nodes,
            seed,
            protocol: Protocol::Rumor(rumor),
            network: Network::default(),
        }
    }

    /// A cluster scenario on a reliable network.
    pub fn cluster(nodes: u32, seed: u64, cluster: Cluster) -> Scenario {
        Scenario {
            version: FORMAT_VERSION,
            nodes,
            seed,
            protocol: Protocol::Cluster(Box::new(cluster)),
            network: Network::default(),
        }
    }

    /// A system model's run on a reliable network.
    pub fn system(nodes: u32, seed: u64, system: SystemRun) -> Scenario {
        Scenario {
            version: FORMAT_VERSION,
            nodes,
            seed,
            protocol: Protocol::System(Box::new(system)),
            network: Network::default(),
        }
    }

    /// The rumor settings, if this is a rumor scenario.
    pub fn rumor_config(&self) -> Option<&RumorConfig> {
        match &self.protocol {
            Protocol::Rumor(rumor) => Some(rumor),
            Protocol::Cluster(_) | Protocol::System(_) => None,
        }
    }

    /// Runs `protocol` from now on. The live-node engines need every node to reach every other
    /// and time their own faults, so leaving the round engine resets the topology and drops the
    /// round-numbered faults.
    fn switch_to(&mut self, protocol: Protocol) {
        if !matches!(protocol, Protocol::Rumor(_)) {
            self.network.topology = TopologyKind::Complete;
            self.network.faults.clear();
        }
        self.protocol = protocol;
    }

    /// The rumor settings to edit; another scenario becomes a rumor scenario with the default
    /// settings first.
    pub fn rumor_config_mut(&mut self) -> &mut RumorConfig {
        if !matches!(self.protocol, Protocol::Rumor(_)) {
            self.switch_to(Protocol::Rumor(RumorConfig::default()));
        }
        let Protocol::Rumor(rumor) = &mut self.protocol else {
            unreachable!("switched to a rumor just above")
        };
        rumor
    }

    /// The cluster settings to edit; another scenario becomes a cluster with the default
    /// settings first.
    pub fn cluster_config_mut(&mut self) -> &mut Cluster {
        if !matches!(self.protocol, Protocol::Cluster(_)) {
            self.switch_to(Protocol::Cluster(Box::default()));
        }
        let Protocol::Cluster(cluster) = &mut self.protocol else {
            unreachable!("switched to a cluster just above")
        };
        cluster
    }

    /// The system run to edit; another scenario becomes the default system run first.
    pub fn system_config_mut(&mut self) -> &mut SystemRun {
        if !matches!(self.protocol, Protocol::System(_)) {
            self.switch_to(Protocol::System(Box::default()));
        }
        let Protocol::System(system) = &mut self.protocol else {
            unreachable!("switched to a system just above")
        };
        system
    }

    /// Checks the scenario before a run; the message names what is wrong.
    pub fn validate(&self) -> Result<(), SimError> {
        check_version(self.version)?;
        match &self.protocol {
            Protocol::Rumor(rumor) => {
                rumor.validate()?;
                self.network.validate(self.nodes)
            }
            Protocol::Cluster(cluster) => {
                self.network.validate(self.nodes)?;
                if self.network.topology != TopologyKind::Complete {
                    return Err(SimError::invalid(
                        "network.topology",
                        "must be complete for a cluster, a full mesh (SWIM probes every \
                         member); set cluster.slow_link_extra for two data centers",
                    ));
                }
                if !self.network.faults.is_empty() {
                    return Err(SimError::invalid(
                        "network.faults",
                        "count rounds; a cluster takes timed faults in cluster.faults",
                    ));
                }
                cluster
                    .config(self.nodes, self.seed, self.network.loss)
                    .validate()
                    .map_err(|error| SimError::within("cluster", error))
            }
            Protocol::System(system) => {
                self.network.validate(self.nodes)?;
                if self.network.topology != TopologyKind::Complete
                    || !self.network.faults.is_empty()
                {
                    return Err(SimError::invalid(
                        "network",
                        "must be a complete topology without faults for a system model, which \
                         has its own topology; only network.loss applies (timed faults go in \
                         system.faults)",
                    ));
                }
                system
                    .validate(self.nodes, self.network.loss)
                    .map_err(|error| SimError::within("system", error))
            }
        }
    }

    /// The rumor settings, or an error naming the engine this scenario needs.
    pub(crate) fn rumor_or_error(&self) -> Result<RumorConfig, SimError> {
        self.rumor_config().copied().ok_or_else(|| {
            SimError::Refused(
                "this is not a rumor scenario: it runs on another engine (see run_any)".into(),
            )
        })
    }

    /// Runs the scenario on the engine its protocol needs.
    pub fn run_any(&self) -> Result<Outcome, SimError> {
        match &self.protocol {
            Protocol::Rumor(_) => self.run().map(Outcome::Rumor),
            Protocol::Cluster(_) => self.run_cluster().map(Outcome::Cluster),
            Protocol::System(system) => {
                self.validate()?;
                Ok(Outcome::System(system.run(
                    self.nodes,
                    self.seed,
                    self.network.loss,
                )?))
            }
        }
    }

    /// Runs a cluster scenario for its duration.
    pub fn run_cluster(&self) -> Result<EventReport, SimError> {
        self.validate()?;
        let Protocol::Cluster(cluster) = &self.protocol else {
            return Err(SimError::Refused(
                "this is not a cluster scenario (see run_any)".into(),
            ));
        };
        Ok(EventSim::new(cluster.config(self.nodes, self.seed, self.network.loss))?.run())
    }

    /// Runs a rumor scenario to quiescence.
    pub fn run(&self) -> Result<RunReport, SimError> {
        self.validate()?;
        let rumor = self.rumor_or_error()?;
        let mut rounds = Vec::new();
        let summary = RumorRun::on_network(self.nodes, rumor, &self.network, self.seed)?
            .run(|m| rounds.push(*m));
        Ok(RunReport { rounds, summary })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn a_recording_holds_every_message_of_each_round_and_changes_nothing() {
        use crate::rounds::message_outcome::{INFORMED, KNEW, LOST};
        let mut scenario = Scenario {
            nodes: 300,
            ..Scenario::default()
        };
        scenario.network.loss = 0.1;
        let (report, recording) = scenario.run_recorded(1_000).unwrap();
        let recording = recording.unwrap();
        assert_eq!(report, scenario.run().unwrap(), "recording draws nothing");
        assert_eq!(recording.messages.len(), report.rounds.len() + 1);
        assert!(recording.messages[0].is_empty());
        for (round, metrics) in report.rounds.iter().enumerate() {
            let messages = &recording.messages[round + 1];
            let count = |outcome| messages.iter().filter(|m| m.2 == outcome).count() as u64;
            assert_eq!(
                messages.len() as u64,
                metrics.messages,
                "round {}",
                round + 1
            );
            assert_eq!(count(LOST), metrics.lost);
            assert_eq!(
                count(INFORMED) + count(KNEW) + count(LOST),
                metrics.messages
            );
            // Each informing message is the one the receiver learned from, in this round.
            for &(from, to, outcome) in messages {
                if outcome == INFORMED {
                    assert_eq!(
                        recording.informed_by[to as usize],
                        Some((from, round as u32 + 1))
                    );
                }
            }
        }
        // A sample keeps only messages between its own nodes.
        let (_, sample) = scenario.run_recorded(100).unwrap();
        let sample = sample.unwrap();
        assert!(
            sample
                .messages
                .iter()
                .flatten()
                .all(|&(a, b, _)| a < 100 && b < 100)
        );
        assert!(sample.messages.iter().flatten().count() > 0);
    }

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
        assert_eq!(
            scenario.run().unwrap_err(),
            SimError::UnsupportedVersion {
                found: 99,
                supported: FORMAT_VERSION
            }
        );
    }

    /// A cluster of 4 whose node 3 joins at 1 s (a replayed late joiner) when `join` is set.
    fn cluster_of_four(join: bool) -> Scenario {
        use crate::events::{ClusterFault, ScheduledClusterFault};
        let mut faults = vec![ScheduledClusterFault {
            at: 2_000,
            fault: ClusterFault::Crash { node: 1 },
        }];
        if join {
            faults.push(ScheduledClusterFault {
                at: 1_000,
                fault: ClusterFault::Join { node: 3 },
            });
        }
        Scenario::cluster(
            4,
            7,
            Cluster {
                duration: 5_000,
                faults,
                ..Cluster::default()
            },
        )
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_scenario_is_written_in_the_oldest_version_that_holds_it() {
        for (join, written) in [(false, 1), (true, 2)] {
            let scenario = cluster_of_four(join);
            assert_eq!(scenario.version, FORMAT_VERSION);
            assert_eq!(scenario.written_version(), written);
            let json: serde_json::Value = serde_json::to_value(&scenario).unwrap();
            assert_eq!(json["version"], written, "join: {join}");
            // Read back, it is held in the current version, equal to what was written.
            let back: Scenario = serde_json::from_value(json).unwrap();
            assert_eq!(back, scenario);
            assert_eq!(back.validate(), Ok(()));
        }
        // The build before version 2 wrote its replays' joins as version 1: still read.
        let mut old = serde_json::to_value(cluster_of_four(true)).unwrap();
        old["version"] = 1.into();
        let back: Scenario = serde_json::from_value(old).unwrap();
        assert_eq!(back, cluster_of_four(true));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_newer_scenario_is_refused_for_its_version_before_its_fields() {
        // A version-3 scenario with a fault this build does not know, the version last.
        let newer = r#"{"nodes": 4, "seed": 7, "cluster": {"duration": 5000,
            "faults": [{"at": 1000, "fault": {"kind": "teleport", "node": 3}}]}, "version": 3}"#;
        let refusal = SimError::UnsupportedVersion {
            found: 3,
            supported: FORMAT_VERSION,
        };
        assert_eq!(check_format_version(newer.as_bytes()), Err(refusal.clone()));
        let error = serde_json::from_str::<Scenario>(newer).unwrap_err();
        assert!(
            error.to_string().starts_with(&refusal.to_string()),
            "{error}"
        );
        assert_eq!(
            refusal.to_string(),
            "scenario version 3 is not supported (this build reads version 2)"
        );
        // Version 0 is refused too; a known version with an unknown variant is malformed.
        let zero = r#"{"version": 0, "nodes": 4, "seed": 7, "rumor": {}}"#;
        assert!(matches!(
            check_format_version(zero.as_bytes()),
            Err(SimError::UnsupportedVersion { found: 0, .. })
        ));
        assert!(serde_json::from_str::<Scenario>(zero).is_err());
        let current = newer.replace("\"version\": 3", "\"version\": 2");
        assert_eq!(check_format_version(current.as_bytes()), Ok(()));
        let error = serde_json::from_str::<Scenario>(&current).unwrap_err();
        assert!(
            error.to_string().contains("unknown variant `teleport`"),
            "{error}"
        );
        assert!(error.to_string().contains("cluster.faults[0]"), "{error}");
        // Not JSON of an object: left to the full parse.
        assert_eq!(check_format_version(b"[1, 2]"), Ok(()));
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
        // A larger run records a sample: the first 1,000 nodes, the same counts overall.
        let large = Scenario {
            nodes: 2_000,
            ..Scenario::default()
        };
        let (report, sample) = large.run_recorded(1_000).unwrap();
        let sample = sample.unwrap();
        assert_eq!(report, large.run().unwrap());
        assert_eq!(sample.sampled_from, Some(2_000));
        assert!(sample.frames.iter().all(|frame| frame.len() == 1_000));
        assert_eq!(sample.informed_by.len(), 1_000);
        let last = sample.frames.last().unwrap();
        let informed = last.iter().filter(|&&phase| phase != 0).count() as f64 / 1_000.0;
        assert!(
            (informed - (1.0 - report.summary.residue)).abs() < 0.05,
            "the sample looks like the whole: {informed}"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_scenario_names_exactly_one_protocol() {
        let neither = r#"{"version": 1, "nodes": 10, "seed": 1}"#;
        let error = serde_json::from_str::<Scenario>(neither).unwrap_err();
        assert!(error.to_string().contains("needs a protocol"), "{error}");
        let both = r#"{"version": 1, "nodes": 10, "seed": 1, "rumor": {}, "cluster": {}}"#;
        let error = serde_json::from_str::<Scenario>(both).unwrap_err();
        assert!(error.to_string().contains("not both"), "{error}");
        let typo = r#"{"version": 1, "nodes": 10, "seed": 1, "cluster": {"duraton": 5}}"#;
        let error = serde_json::from_str::<Scenario>(typo).unwrap_err();
        assert!(error.to_string().contains("duraton"), "{error}");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_minimal_cluster_scenario_takes_the_defaults_and_round_trips() {
        let json = r#"{"version": 1, "nodes": 8, "seed": 3,
            "cluster": {"duration": 5000, "node": {"swim": {"protocol_period": 500}}}}"#;
        let scenario: Scenario = serde_json::from_str(json).unwrap();
        let Protocol::Cluster(cluster) = &scenario.protocol else {
            panic!("not a cluster: {scenario:?}");
        };
        assert_eq!(cluster.duration, 5_000);
        assert_eq!(cluster.node.swim.protocol_period, 500);
        assert_eq!(
            cluster.node.swim.ping_timeout,
            gossip_core::SwimConfig::default().ping_timeout
        );
        assert!(cluster.node.anti_entropy.is_some(), "absent means default");
        let back: Scenario =
            serde_json::from_str(&serde_json::to_string(&scenario).unwrap()).unwrap();
        assert_eq!(back, scenario);
        assert_eq!(
            scenario.run().unwrap_err(),
            SimError::Refused(
                "this is not a rumor scenario: it runs on another engine (see run_any)".into()
            )
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_cluster_scenario_detects_a_crash_without_false_positives() {
        use crate::events::{ClusterFault, ScheduledClusterFault};
        let scenario = Scenario::cluster(
            20,
            5,
            Cluster {
                duration: 20_000,
                faults: vec![ScheduledClusterFault {
                    at: 2_000,
                    fault: ClusterFault::Crash { node: 7 },
                }],
                ..Cluster::default()
            },
        );
        let report = scenario.run_cluster().unwrap();
        assert_eq!(report, scenario.run_cluster().unwrap(), "deterministic");
        let summary = report.summary();
        assert_eq!((summary.crashes, summary.detected), (1, 1));
        assert!(summary.mean_full_detection_ms.is_some(), "{summary:?}");
        assert_eq!(summary.false_positives, 0);
        assert!(summary.messages_per_node_second > 1.0, "{summary:?}");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_cluster_recording_shows_the_crash_and_changes_nothing() {
        use crate::events::{ClusterFault, ScheduledClusterFault};
        let scenario = Scenario::cluster(
            12,
            2,
            Cluster {
                duration: 30_000,
                faults: vec![ScheduledClusterFault {
                    at: 2_000,
                    fault: ClusterFault::Crash { node: 4 },
                }],
                ..Cluster::default()
            },
        );
        let (report, recording) = scenario.run_cluster_recorded(100).unwrap();
        assert_eq!(
            report,
            scenario.run_cluster().unwrap(),
            "recording changes nothing"
        );
        let recording = recording.unwrap();
        assert_eq!(recording.times.len(), recording.frames.len());
        assert_eq!(recording.times.last(), Some(&30_000));
        assert!(recording.frames[0].iter().all(|&state| state == 0));
        let last = recording.frames.last().unwrap();
        assert_eq!(last[4], 2, "the crashed node is held dead");
        let after_crash = recording.times.iter().position(|&t| t == 2_100).unwrap();
        assert_eq!(
            recording.frames[after_crash][4], 3,
            "down, and nobody knows yet"
        );
        assert!(
            last.iter()
                .enumerate()
                .all(|(node, &state)| node == 4 || state == 0)
        );
        assert!(scenario.run_cluster_recorded(5).unwrap().1.is_none());
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_cluster_refuses_round_faults_and_sparse_topologies() {
        use crate::network::{RoundFault, ScheduledRoundFault};
        let mut scenario = Scenario::cluster(10, 1, Cluster::default());
        scenario.network.topology = TopologyKind::Ring { k: 1 };
        assert!(matches!(
            scenario.validate(),
            Err(SimError::Invalid { field, .. }) if field == "network.topology"
        ));
        scenario.network.topology = TopologyKind::Complete;
        scenario.network.faults = vec![ScheduledRoundFault {
            round: 1,
            fault: RoundFault::Heal,
        }];
        assert_eq!(
            scenario.validate(),
            Err(SimError::invalid(
                "network.faults",
                "count rounds; a cluster takes timed faults in cluster.faults"
            ))
        );
        scenario.network.faults.clear();
        if let Protocol::Cluster(cluster) = &mut scenario.protocol {
            cluster.sample_every = 0;
        }
        let error = scenario.validate().unwrap_err();
        assert!(
            matches!(&error, SimError::In { part, .. } if part == "cluster"),
            "{error:?}"
        );
        assert!(
            error.to_string().starts_with("cluster: sample_every"),
            "{error}"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn default_scenario_informs_almost_everyone() {
        let report = Scenario::default().run().unwrap();
        assert_eq!(report.rounds.len() as u32, report.summary.rounds);
        assert!(report.summary.residue < 0.2, "{:?}", report.summary);
    }
}
