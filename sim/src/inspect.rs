//! Asking a cluster run about one node at one instant: [`Scenario::inspect_node`] reruns the
//! scenario on the event engine up to that instant (the run is deterministic, so it is the
//! same run the page played) and copies the node's state out with
//! [`gossip_core::Node::inspect`]: its member table with suspicion deadlines, its store, its hot
//! rumors and its direct-mail queue.

use gossip_core::{NodeId, NodeInspection, Time};
use serde::{Deserialize, Serialize};

use crate::error::SimError;
use crate::events::{EventSim, NodeStatus};
use crate::scenario::{Protocol, Scenario};

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
}

impl Scenario {
    /// Reruns this cluster scenario up to `at` ms (every event at `at` included: a message
    /// arriving then has arrived) and returns node `node` as it is then. Refused for a scenario that is not a cluster, a node
    /// the run does not have, or an instant past the run's end.
    pub fn inspect_node(&self, node: NodeId, at: Time) -> Result<NodeSnapshot, SimError> {
        let Protocol::Cluster(cluster) = &self.protocol else {
            return Err(SimError::Refused(
                "only cluster runs have nodes to inspect".into(),
            ));
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
        sim.run_until(at.saturating_add(1));
        let (Some(status), Some(state)) = (sim.status(node), sim.node(node)) else {
            return Err(SimError::Invalid {
                field: "node".into(),
                reason: format!("must be a node of the run, below {}", sim.node_count()),
            });
        };
        Ok(NodeSnapshot {
            node,
            at,
            status,
            inspection: state.inspect(),
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
            SimError::Refused("only cluster runs have nodes to inspect".into())
        );
    }
}
