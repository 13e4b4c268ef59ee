//! Asking a cluster run about one node at one instant: [`Scenario::inspect_node`] reruns the
//! scenario on the event engine up to that instant (the run is deterministic, so it is the
//! same run the page played) and copies the node's state out with
//! [`gossip_core::Node::inspect`]: its member table with suspicion deadlines, its store, its hot
//! rumors and its direct-mail queue; and, from the engine, how each stored version reached it
//! ([`Provenance`]: written there, or from which peer by which mechanism, and when).
//!
//! [`Scenario::start_inspect`] does the same a slice at a time ([`InspectRun::advance`]), so
//! that a worker can report progress and stay responsive while a large cluster reruns. It also
//! takes system models, whose nodes answer with a table of their own
//! ([`crate::systems::inspect`]).

use gossip_core::{NodeId, NodeInspection, Time};
use serde::{Deserialize, Serialize};

use crate::error::SimError;
use crate::events::{EventSim, NodeStatus, Provenance};
use crate::scenario::{Protocol, Scenario};
use crate::systems::inspect::{ModelNodeTable, ModelRerun};

/// One node of a cluster run at one instant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeSnapshot {
    /// The node.
    pub node: NodeId,
    /// The instant, in ms.
    pub at: Time,
    /// Where it is in its life then (running, crashed, left...).
    pub status: NodeStatus,
    /// What it holds then (a crashed node's state as it was when it stopped).
    pub inspection: NodeInspection,
    /// How each version in its store reached it, by key.
    #[serde(default)]
    pub provenance: Vec<Provenance>,
}

/// What [`InspectRun::finish`] finds: a cluster's node, or a system model's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Inspected {
    /// A live node of a cluster run.
    Cluster(NodeSnapshot),
    /// A node of a system model.
    Model(ModelNodeTable),
}

/// A rerun to an instant in progress (see [`Scenario::start_inspect`]).
pub enum InspectRun {
    /// A cluster run on the event engine.
    Cluster(Box<ClusterRerun>),
    /// A system model's run.
    Model(Box<dyn ModelRerun>),
}

/// A cluster's rerun to an instant.
pub struct ClusterRerun {
    sim: EventSim,
    node: NodeId,
    at: Time,
    /// Simulated time run so far, in ms.
    reached: Time,
}

impl Scenario {
    /// Reruns this cluster scenario up to `at` ms (every event at `at` included: a message
    /// arriving then has arrived) and returns node `node` as it is then. Refused for a scenario
    /// that is not a cluster, a node the run does not have, or an instant past the run's end.
    pub fn inspect_node(&self, node: NodeId, at: Time) -> Result<NodeSnapshot, SimError> {
        match self.start_inspect(node, at)? {
            InspectRun::Cluster(run) => run.finish(),
            InspectRun::Model(_) => Err(SimError::Refused(
                "only cluster runs have nodes to inspect".into(),
            )),
        }
    }

    /// Starts the rerun of [`Scenario::inspect_node`], to be advanced slice by slice with
    /// [`InspectRun::advance`]; refused as `inspect_node` refuses (a node the run does not have
    /// is refused by [`InspectRun::finish`], since nodes can join during the run).
    pub fn start_inspect(&self, node: NodeId, at: Time) -> Result<InspectRun, SimError> {
        let cluster = match &self.protocol {
            Protocol::Cluster(cluster) => cluster,
            Protocol::System(system) => {
                self.validate()?;
                return system
                    .start_inspect(self.nodes, self.seed, self.network.loss, node, at)
                    .map(InspectRun::Model);
            }
            Protocol::Rumor(_) => {
                return Err(SimError::Refused(
                    "only cluster runs and system models have nodes to inspect".into(),
                ));
            }
        };
        self.validate()?;
        if at > cluster.duration {
            return Err(SimError::Invalid {
                field: "at".into(),
                reason: format!(
                    "must be at most the run's duration, {} ms",
                    cluster.duration
                ),
            });
        }
        let mut sim = EventSim::new(cluster.config(self.nodes, self.seed, self.network.loss))?;
        sim.watch_store(node);
        Ok(InspectRun::Cluster(Box::new(ClusterRerun {
            sim,
            node,
            at,
            reached: 0,
        })))
    }
}

impl InspectRun {
    /// Runs up to `span` more ms of simulated time; false once the instant is reached.
    pub fn advance(&mut self, span: Time) -> bool {
        match self {
            InspectRun::Cluster(run) => run.advance(span),
            InspectRun::Model(run) => run.advance(span),
        }
    }

    /// The part of the rerun done, from 0 to 1.
    pub fn fraction(&self) -> f64 {
        match self {
            InspectRun::Cluster(run) => run.fraction(),
            InspectRun::Model(run) => run.fraction(),
        }
    }

    /// Runs what is left and returns the node as it is at the instant.
    pub fn finish(self) -> Result<Inspected, SimError> {
        match self {
            InspectRun::Cluster(run) => run.finish().map(Inspected::Cluster),
            InspectRun::Model(run) => run.finish().map(Inspected::Model),
        }
    }
}

impl ClusterRerun {
    /// Runs up to `span` more ms of simulated time; false once the instant is reached.
    pub fn advance(&mut self, span: Time) -> bool {
        let until = self.end().min(self.reached.saturating_add(span.max(1)));
        self.sim.run_until(until);
        self.reached = until;
        self.reached < self.end()
    }

    /// The part of the rerun done, from 0 to 1.
    pub fn fraction(&self) -> f64 {
        self.reached as f64 / self.end() as f64
    }

    /// Where the rerun stops: just after `at`, so that every event at `at` has happened.
    fn end(&self) -> Time {
        self.at.saturating_add(1)
    }

    /// Runs what is left and returns the node as it is at the instant.
    pub fn finish(mut self) -> Result<NodeSnapshot, SimError> {
        while self.advance(self.end()) {}
        let (Some(status), Some(state)) = (self.sim.status(self.node), self.sim.node(self.node))
        else {
            return Err(SimError::Invalid {
                field: "node".into(),
                reason: format!("must be a node of the run, below {}", self.sim.node_count()),
            });
        };
        Ok(NodeSnapshot {
            node: self.node,
            at: self.at,
            status,
            inspection: state.inspect(),
            provenance: self.sim.store_provenance(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::presets;
    use gossip_core::MemberState;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn preset(id: &str) -> Scenario {
        presets().into_iter().find(|p| p.id == id).unwrap().scenario
    }

    /// The row node `observer` holds about `subject`.
    fn row(
        scenario: &Scenario,
        observer: NodeId,
        subject: NodeId,
        at: Time,
    ) -> (MemberState, Option<Time>) {
        let snapshot = scenario.inspect_node(observer, at).unwrap();
        let row = snapshot
            .inspection
            .members
            .iter()
            .find(|m| m.id == subject)
            .unwrap();
        (row.state, row.suspicion_deadline)
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn in_the_swim_crash_preset_an_observer_lists_the_crashed_node_alive_then_suspect_then_dead() {
        let scenario = preset("swim-crash");
        let Protocol::Cluster(cluster) = &scenario.protocol else {
            panic!("swim-crash is a cluster preset");
        };
        let crash = cluster.faults[0].clone();
        let crashed = match crash.fault {
            crate::events::ClusterFault::Crash { node } => node,
            ref other => panic!("{other:?}"),
        };
        let observer = (crashed + 1) % scenario.nodes;
        // Before the crash every member is alive and nobody is suspected.
        let before = scenario.inspect_node(observer, crash.at - 1).unwrap();
        assert_eq!(before.status, NodeStatus::Live);
        assert_eq!(before.inspection.members.len() as u32, scenario.nodes - 1);
        assert!(
            before
                .inspection
                .members
                .iter()
                .all(|m| m.state == MemberState::Alive && m.suspicion_deadline.is_none())
        );
        // Walk forward: the observer suspects the crashed node with a deadline, then declares
        // it dead (no deadline left), and never goes back to alive.
        let (mut suspected_at, mut dead_at) = (None, None);
        let mut t = crash.at;
        while t <= cluster.duration && dead_at.is_none() {
            match row(&scenario, observer, crashed, t) {
                (MemberState::Alive, None) => assert!(suspected_at.is_none(), "alive again at {t}"),
                (MemberState::Suspect, Some(deadline)) => {
                    assert!(deadline > t, "{deadline} at {t}");
                    suspected_at.get_or_insert(t);
                }
                (MemberState::Dead, None) => dead_at = Some(t),
                other => panic!("{other:?} at {t}"),
            }
            t += 250;
        }
        let (suspected_at, dead_at) = (suspected_at.unwrap(), dead_at.unwrap());
        assert!(
            crash.at < suspected_at && suspected_at < dead_at,
            "{suspected_at} {dead_at}"
        );
        // The crashed node itself is stopped, its table as it was.
        let crashed_then = scenario.inspect_node(crashed, dead_at).unwrap();
        assert_eq!(crashed_then.status, NodeStatus::Crashed);
        assert!(
            crashed_then
                .inspection
                .members
                .iter()
                .all(|m| m.state == MemberState::Alive)
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn on_the_ring_each_node_got_the_write_from_a_neighbour_pushed_or_pulled() {
        use crate::events::Arrived;
        let scenario = preset("ae-hamiltonian");
        let Protocol::Cluster(cluster) = &scenario.protocol else {
            panic!("ae-hamiltonian is a cluster preset");
        };
        let end = cluster.duration;
        let mut how = Vec::new();
        for node in 0..4 {
            let snapshot = scenario.inspect_node(node, end).unwrap();
            // One row per stored key, at the version stored.
            let stored: Vec<_> = snapshot
                .inspection
                .entries
                .iter()
                .map(|e| (e.key.clone(), e.stamp))
                .collect();
            let traced: Vec<_> = snapshot
                .provenance
                .iter()
                .map(|p| (p.key.clone(), p.stamp))
                .collect();
            assert_eq!(stored, traced, "node {node}");
            assert_eq!(snapshot.provenance.len(), 1, "node {node}");
            how.push(snapshot.provenance[0].arrived);
        }
        assert_eq!(how[0], Arrived::Written);
        // The ring is 0 -> 1 -> 2 -> 3 -> 0, push-pull: a node opens an exchange with its
        // successor, pushing to it and pulling from it.
        for (node, arrived) in how.iter().enumerate().skip(1) {
            let (predecessor, successor) = ((node as u32 + 3) % 4, (node as u32 + 1) % 4);
            assert!(
                matches!(*arrived, Arrived::AntiEntropy { from, pulled: false } if from == predecessor)
                    || matches!(*arrived, Arrived::AntiEntropy { from, pulled: true } if from == successor),
                "node {node}: {arrived:?}"
            );
        }
        // Stepped in slices, the rerun gives the same answer.
        let mut run = scenario.start_inspect(2, end).unwrap();
        let mut slices = 0;
        while run.advance(37) {
            slices += 1;
            assert!(run.fraction() < 1.0);
        }
        assert!(slices > 10);
        assert_eq!(
            run.finish().unwrap(),
            Inspected::Cluster(scenario.inspect_node(2, end).unwrap())
        );
    }

    /// Node `observer`'s row about `subject` in a system model's table, by column name.
    fn model_row(
        scenario: &Scenario,
        observer: NodeId,
        subject: NodeId,
        at: Time,
    ) -> std::collections::BTreeMap<String, crate::systems::inspect::Cell> {
        let mut run = scenario.start_inspect(observer, at).unwrap();
        while run.advance(1_000) {}
        let Inspected::Model(table) = run.finish().unwrap() else {
            panic!("a system model's node answers with its table");
        };
        let row = table
            .rows
            .iter()
            .find(|row| row[0] == crate::systems::inspect::Cell::Node(subject))
            .unwrap_or_else(|| panic!("{subject} in {table:?}"));
        table
            .columns
            .iter()
            .cloned()
            .zip(row.iter().cloned())
            .collect()
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_redis_master_holds_the_crashed_node_ok_then_pfail_then_fail() {
        use crate::systems::inspect::Cell;
        let scenario = preset("redis-cluster-fail");
        let report = scenario.run_any().unwrap();
        let crate::scenario::Outcome::System(report) = report else {
            panic!("a system run");
        };
        let figure = |name: &str| {
            report
                .summary
                .figures()
                .into_iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, v)| v)
                .unwrap()
        };
        // Node 7 crashes at 5 s; the figures are times from the crash.
        let fail_at = 5_000 + figure("first_fail_ms") as Time;
        let flag = |at: Time| model_row(&scenario, 0, 7, at)["flag"].clone();
        assert_eq!(flag(4_000), Cell::Word("ok".into()));
        let mut seen = Vec::new();
        for at in (5_000..=fail_at + 2_000).step_by(500) {
            let Cell::Word(word) = flag(at) else {
                panic!("a flag is a word")
            };
            if seen.last() != Some(&word) {
                seen.push(word);
            }
        }
        assert_eq!(seen, ["ok", "PFAIL", "FAIL"]);
        // Its pong time stops at the crash; node 0 is a master.
        let row = model_row(&scenario, 0, 7, fail_at + 2_000);
        assert!(
            matches!(row["pong_received"], Cell::Time(Some(t)) if t <= 5_000),
            "{row:?}"
        );
        assert_eq!(row["role"], Cell::Word("master".into()));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn cassandra_and_bitcoin_nodes_answer_with_their_tables() {
        use crate::systems::inspect::Cell;
        let cassandra = preset("cassandra-phi");
        let mut run = cassandra.start_inspect(0, 30_000).unwrap();
        while run.advance(500) {}
        let Inspected::Model(table) = run.finish().unwrap() else {
            panic!("a model table");
        };
        assert_eq!(table.system, "cassandra");
        assert_eq!(table.rows.len() as u32, cassandra.nodes - 1);
        assert!(
            table
                .rows
                .iter()
                .all(|row| matches!(row[4], Cell::Value(phi) if phi >= 0.0))
        );
        let bitcoin = preset("bitcoin-relay");
        let mut run = bitcoin.start_inspect(3, 1_000).unwrap();
        while run.advance(500) {}
        let Inspected::Model(table) = run.finish().unwrap() else {
            panic!("a model table");
        };
        assert_eq!(
            table.columns,
            ["peer", "direction", "has_tx", "announce_at"]
        );
        assert!(!table.rows.is_empty());
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn mailed_writes_arrive_from_their_writer_and_missed_ones_by_anti_entropy() {
        use crate::events::Arrived;
        let scenario = preset("direct-mail-repair");
        let (mut mailed, mut repaired) = (0, 0);
        for node in 1..scenario.nodes {
            for provenance in scenario.inspect_node(node, 30_000).unwrap().provenance {
                match provenance.arrived {
                    Arrived::DirectMail { from } => {
                        assert_eq!(from, 0, "only node 0 mails");
                        mailed += 1;
                    }
                    Arrived::AntiEntropy { .. } => repaired += 1,
                    other => panic!("node {node}: {other:?}"),
                }
            }
        }
        // 30% loss and a queue of 2: both ways are seen on this seed.
        assert!(
            mailed > 0 && repaired > 0,
            "{mailed} mailed, {repaired} repaired"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_bad_question_gets_a_typed_refusal() {
        let scenario = preset("swim-crash");
        assert_eq!(
            scenario.inspect_node(999, 10).unwrap_err(),
            SimError::Invalid {
                field: "node".into(),
                reason: format!("must be a node of the run, below {}", scenario.nodes),
            }
        );
        assert!(matches!(
            scenario.inspect_node(0, u64::MAX).unwrap_err(),
            SimError::Invalid { ref field, .. } if field == "at"
        ));
        let rumor = presets()
            .into_iter()
            .find(|p| matches!(p.scenario.protocol, Protocol::Rumor(_)))
            .unwrap()
            .scenario;
        assert_eq!(
            rumor.inspect_node(0, 0).unwrap_err(),
            SimError::Refused("only cluster runs and system models have nodes to inspect".into())
        );
    }
}
