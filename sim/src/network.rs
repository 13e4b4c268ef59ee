//! The network a round-based run happens on: who can reach whom (a [`TopologyKind`]), how many
//! messages are lost, and faults on a schedule of rounds (crashes, restarts, partitions and
//! heals, loss bursts).

use serde::{Deserialize, Serialize};

use crate::error::SimError;
use crate::topology::TopologyKind;
use gossip_core::NodeId;

/// Topology, loss and faults of a run. The default is a complete, reliable network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct Network {
    /// Who can contact whom; complete when absent.
    #[serde(default)]
    pub topology: TopologyKind,
    /// Probability that a message is lost (fraction 0..1).
    #[serde(default)]
    pub loss: f64,
    /// Faults on a schedule of rounds, in any order (a run sorts them by round).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<ScheduledRoundFault>,
    /// The node where the rumor starts (round engine): where the value is written.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub origin: u32,
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}

/// A fault that happens at the start of a round.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScheduledRoundFault {
    /// The round at whose start the fault happens (1: before the first round; 0 acts as 1).
    pub round: u32,
    /// What happens then.
    pub fault: RoundFault,
}

/// What can go wrong.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RoundFault {
    /// These nodes stop: they neither contact nor answer.
    Crash {
        /// The ids of the nodes that stop.
        nodes: Vec<NodeId>,
    },
    /// `count` nodes chosen at random among the running ones stop.
    CrashRandom {
        /// How many running nodes stop (all of them if fewer are running).
        count: u32,
    },
    /// These nodes run again, with what they knew (`keep_state`) or as new.
    Restart {
        /// The ids of the nodes that run again.
        nodes: Vec<NodeId>,
        /// Whether they keep what they knew; otherwise one that knew the rumor forgets it and
        /// is susceptible again.
        keep_state: bool,
    },
    /// The nodes split into `parts` groups of consecutive ids; no contact crosses groups.
    Partition {
        /// Number of groups, from 2 to the number of nodes.
        parts: u32,
    },
    /// The partition ends.
    Heal,
    /// Loss is `loss` for `rounds` rounds, then back to the run's loss.
    LossBurst {
        /// Probability that a message is lost during the burst (fraction 0..1).
        loss: f64,
        /// How many rounds the burst lasts, counting the one it starts in.
        rounds: u32,
    },
}

impl Network {
    /// Checks the network for `nodes` nodes; the message names the bad field.
    pub fn validate(&self, nodes: u32) -> Result<(), SimError> {
        if !(0.0..=1.0).contains(&self.loss) {
            return Err(SimError::invalid(
                "network.loss",
                format!("must be between 0 and 1, got {}", self.loss),
            ));
        }
        if self.origin >= nodes {
            return Err(SimError::invalid(
                "network.origin",
                format!(
                    "names node {}, which does not exist (nodes are 0..{nodes})",
                    self.origin
                ),
            ));
        }
        for (index, scheduled) in self.faults.iter().enumerate() {
            let field = format!("network.faults[{index}]");
            match &scheduled.fault {
                RoundFault::Crash { nodes: ids } | RoundFault::Restart { nodes: ids, .. } => {
                    if let Some(id) = ids.iter().find(|&&id| id >= nodes) {
                        return Err(SimError::invalid(
                            field,
                            format!("names node {id}, which does not exist (nodes are 0..{nodes})"),
                        ));
                    }
                }
                RoundFault::CrashRandom { count } if *count > nodes => {
                    return Err(SimError::invalid(
                        field,
                        format!("asks to crash {count} of {nodes} nodes"),
                    ));
                }
                RoundFault::Partition { parts } if *parts < 2 || *parts > nodes => {
                    return Err(SimError::invalid(
                        field,
                        "needs parts between 2 and the number of nodes",
                    ));
                }
                RoundFault::LossBurst { loss, .. } if !(0.0..=1.0).contains(loss) => {
                    return Err(SimError::invalid(field, "needs a loss between 0 and 1"));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Whether any fault can stop a node (the run then keeps one flag per node).
    pub fn has_crashes(&self) -> bool {
        self.faults.iter().any(|f| {
            matches!(
                f.fault,
                RoundFault::Crash { .. } | RoundFault::CrashRandom { .. }
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn faults_read_from_json_and_bad_ones_are_named() {
        let json = r#"{"topology":{"kind":"ring","k":2},"loss":0.1,"faults":[
            {"round":3,"fault":{"kind":"crash","nodes":[4,5]}},
            {"round":5,"fault":{"kind":"partition","parts":2}},
            {"round":9,"fault":{"kind":"heal"}}]}"#;
        let network: Network = serde_json::from_str(json).unwrap();
        assert_eq!(network.topology, TopologyKind::Ring { k: 2 });
        assert!(network.validate(10).is_ok());
        assert_eq!(
            network.validate(5),
            Err(SimError::invalid(
                "network.faults[0]",
                "names node 5, which does not exist (nodes are 0..5)"
            ))
        );
        let lossy = Network {
            loss: 1.5,
            ..Network::default()
        };
        assert_eq!(
            lossy.validate(10),
            Err(SimError::invalid(
                "network.loss",
                "must be between 0 and 1, got 1.5"
            ))
        );
        assert_eq!(
            serde_json::from_str::<Network>("{}").unwrap(),
            Network::default()
        );
    }
}
