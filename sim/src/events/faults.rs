//! What can happen to a cluster ([`ClusterFault`]) and when ([`ScheduledClusterFault`]), the
//! checks of a fault against the population, and churn's arrivals.

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::error::SimError;
use gossip_core::detmath::exponential;
use gossip_core::{NodeId, Time};

/// Something that happens to the cluster or the network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ClusterFault {
    /// The node stops.
    Crash {
        /// The node.
        node: NodeId,
    },
    /// A crashed node comes back: the same node if `keep_state`, otherwise a fresh node under a
    /// new id (see the [module documentation](super)).
    Restart {
        /// The crashed node.
        node: NodeId,
        /// Whether it comes back with its state, under its id.
        keep_state: bool,
    },
    /// The node leaves gracefully.
    Leave {
        /// The node.
        node: NodeId,
    },
    /// Messages between different groups are cut; unlisted nodes form one more group.
    Partition {
        /// The groups, each a list of node ids.
        groups: Vec<Vec<NodeId>>,
    },
    /// Ends the partition.
    Heal,
    /// Until `until`, messages are lost with probability `loss` (or the base loss, if higher).
    LossBurst {
        /// The probability of loss during the burst.
        loss: f64,
        /// When the burst ends.
        until: Time,
    },
    /// Deliveries to the node and its timers run `extra_delay` late; 0 makes it normal again.
    Slow {
        /// The node.
        node: NodeId,
        /// The extra delay, in milliseconds.
        extra_delay: Time,
    },
    /// Until `until`, nodes join and leave at these rates per second (whole cluster).
    Churn {
        /// Joins per second.
        join_rate: f64,
        /// Graceful leaves per second.
        leave_rate: f64,
        /// When the churn stops.
        until: Time,
    },
    /// A node of the initial population that was out of the cluster until now joins it: every
    /// live member lists it and it lists them, as a relay room's welcome does for a peer that
    /// joins late (a replayed recording's late joiners). A node with a join fault is not
    /// started at 0.
    Join {
        /// The node.
        node: NodeId,
    },
    /// A write at the node.
    Put {
        /// The node written to.
        node: NodeId,
        /// The key.
        key: String,
        /// The value.
        value: String,
    },
}

/// A fault and when it happens.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScheduledClusterFault {
    /// When, in milliseconds from the start of the run.
    pub at: Time,
    /// What happens.
    pub fault: ClusterFault,
}

/// Most joins or leaves per second churn may ask for: beyond it, interarrival times below a
/// millisecond would round to zero.
pub const MAX_CHURN_RATE: f64 = 1_000.0;

/// Checks that `p`, named `name`, is a probability.
pub(super) fn probability(name: &str, p: f64) -> Result<(), SimError> {
    if (0.0..=1.0).contains(&p) {
        Ok(())
    } else {
        Err(SimError::invalid(
            name,
            format!("must be between 0 and 1, got {p}"),
        ))
    }
}

impl ClusterFault {
    /// Checks the fault, happening at `at`, against an initial population of `nodes`: faults
    /// name nodes of the initial population.
    pub(super) fn validate(&self, nodes: u32, at: Time) -> Result<(), SimError> {
        let node = |id: NodeId| {
            if id < nodes {
                Ok(())
            } else {
                Err(SimError::invalid(
                    "node",
                    format!("{id} is not among the {nodes} nodes"),
                ))
            }
        };
        match self {
            ClusterFault::Crash { node: id }
            | ClusterFault::Restart { node: id, .. }
            | ClusterFault::Leave { node: id }
            | ClusterFault::Slow { node: id, .. }
            | ClusterFault::Join { node: id }
            | ClusterFault::Put { node: id, .. } => node(*id),
            ClusterFault::Partition { groups } => {
                let mut seen = vec![false; nodes as usize];
                for &id in groups.iter().flatten() {
                    node(id)?;
                    if std::mem::replace(&mut seen[id as usize], true) {
                        return Err(SimError::invalid(
                            "node",
                            format!("{id} is in two partition groups"),
                        ));
                    }
                }
                Ok(())
            }
            ClusterFault::Heal => Ok(()),
            ClusterFault::LossBurst { loss, until } => {
                probability("loss", *loss)?;
                if *until <= at {
                    return Err(SimError::invalid(
                        "until",
                        "must be after the loss burst starts",
                    ));
                }
                Ok(())
            }
            ClusterFault::Churn {
                join_rate,
                leave_rate,
                until,
            } => {
                for (name, rate) in [("join_rate", join_rate), ("leave_rate", leave_rate)] {
                    if !(0.0..=MAX_CHURN_RATE).contains(rate) {
                        return Err(SimError::invalid(
                            name,
                            format!(
                                "must be between 0 and {MAX_CHURN_RATE} per second, got {rate}"
                            ),
                        ));
                    }
                }
                if *until <= at {
                    return Err(SimError::invalid("until", "must be after the churn starts"));
                }
                Ok(())
            }
        }
    }
}

/// Checks a schedule: each fault, named by its index.
pub(super) fn validate_schedule(
    faults: &[ScheduledClusterFault],
    nodes: u32,
) -> Result<(), SimError> {
    for (index, scheduled) in faults.iter().enumerate() {
        scheduled
            .fault
            .validate(nodes, scheduled.at)
            .map_err(|error| SimError::within(format!("faults[{index}]"), error))?;
    }
    Ok(())
}

/// The next arrival after `now` of a Poisson process of `rate` per second, if it comes before
/// `until` (none for a rate of 0). One draw, when the rate is positive.
pub(super) fn next_arrival<R: Rng + ?Sized>(
    rng: &mut R,
    now: Time,
    rate: f64,
    until: Time,
) -> Option<Time> {
    if rate <= 0.0 {
        return None;
    }
    let at = now + exponential(rng, 1_000.0 / rate);
    (at < until).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gossip_core::seeded_rng;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn check(fault: ClusterFault, at: Time) -> Result<(), SimError> {
        validate_schedule(&[ScheduledClusterFault { at, fault }], 10)
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn faults_are_checked_against_the_population_and_their_own_times() {
        assert_eq!(
            check(ClusterFault::Crash { node: 10 }, 1),
            Err(SimError::within(
                "faults[0]",
                SimError::invalid("node", "10 is not among the 10 nodes")
            ))
        );
        let twice = ClusterFault::Partition {
            groups: vec![vec![1, 2], vec![2]],
        };
        assert_eq!(
            check(twice, 1).unwrap_err().to_string(),
            "faults[0]: node 2 is in two partition groups"
        );
        let churn = |join_rate, until| ClusterFault::Churn {
            join_rate,
            leave_rate: 0.0,
            until,
        };
        assert_eq!(
            check(churn(1e6, 5), 1).unwrap_err().to_string(),
            "faults[0]: join_rate must be between 0 and 1000 per second, got 1000000"
        );
        assert!(check(churn(1.0, 5), 5).is_err());
        assert!(check(churn(1.0, 6), 5).is_ok());
        let burst = |loss| ClusterFault::LossBurst { loss, until: 9 };
        assert_eq!(
            check(burst(2.0), 1).unwrap_err().to_string(),
            "faults[0]: loss must be between 0 and 1, got 2"
        );
        assert!(check(burst(0.5), 9).is_err());
        assert!(check(ClusterFault::Heal, 0).is_ok());
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn churn_arrivals_stop_at_their_end_and_draw_nothing_at_rate_zero() {
        let mut rng = seeded_rng(4);
        assert_eq!(next_arrival(&mut rng, 100, 0.0, 1_000_000), None);
        // 2 per second over 100 s: a Poisson count of mean 200 (standard deviation 14).
        let (mut now, mut count) = (0, 0);
        while let Some(at) = next_arrival(&mut rng, now, 2.0, 100_000) {
            assert!(at >= now && at < 100_000);
            (now, count) = (at, count + 1);
        }
        assert!((150..250).contains(&count), "{count}");
    }
}
