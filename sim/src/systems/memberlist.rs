//! HashiCorp memberlist (used by Consul, Nomad and Serf): SWIM with the Lifeguard extensions, in
//! the two default profiles of its config.go (v0.2.2, the version Debian 12's Serf is built with).
//!
//! | memberlist (`DefaultLANConfig` / `DefaultWANConfig`) | LAN | WAN | here |
//! |---|---|---|---|
//! | ProbeInterval | 1 s | 5 s | `protocol_period` |
//! | ProbeTimeout | 500 ms | 3 s | `ping_timeout` |
//! | IndirectChecks | 3 | 3 | `indirect_checks` |
//! | SuspicionMult | 4 | 6 | `suspicion_mult`, with `log_scale` [`LogScale::Log10`] |
//! | SuspicionMaxTimeoutMult | 6 | 6 | `suspicion_max_mult` |
//! | RetransmitMult | 4 | 4 | `retransmit_mult` |
//! | AwarenessMaxMultiplier | 8 | 8 | `max_health` |
//! | GossipInterval | 200 ms | 500 ms | `gossip_interval` |
//! | GossipNodes | 3 | 4 | `gossip_nodes` |
//! | GossipToTheDeadTime | 30 s | 60 s | `gossip_to_the_dead` |
//!
//! memberlist's suspicion timeout is `SuspicionMult * max(1, log10(n)) * ProbeInterval` and its
//! retransmission limit `RetransmitMult * ceil(log10(n + 1))` (util.go): [`LogScale::Log10`]
//! computes both so (4 s, 5.9 s and 7.1 s for 10, 30 and 60 members on a LAN). Lifeguard's
//! expected confirmations are memberlist's `SuspicionMult - 2`: 2 (LAN) and 4 (WAN). Its gossip
//! timer sends queued updates to a few members every `GossipInterval` besides piggybacking them
//! on probes; that is what spreads a suspicion, its confirmations and the verdict within a few
//! hundred milliseconds (see `docs/real-systems.md` for the model held against Serf's agents).
//! Not modelled: memberlist's TCP fallback ping, its periodic full push/pull state sync (every 30
//! s on a LAN) and the random start of each member's probe ticker (here every member's periods
//! begin on the same whole seconds).

use serde::{Deserialize, Serialize};

use crate::error::SimError;
use crate::events::{ClusterFault, EventSim, EventSimConfig, Latency, ScheduledClusterFault};
use gossip_core::{LogScale, MemberState, NodeConfig, NodeId, SwimConfig, Time};

/// memberlist's `DefaultLANConfig`, as SWIM settings.
pub fn lan() -> SwimConfig {
    SwimConfig {
        protocol_period: 1_000,
        ping_timeout: 500,
        indirect_checks: 3,
        suspicion_mult: 4,
        retransmit_mult: 4,
        lifeguard: true,
        max_health: 8,
        suspicion_max_mult: 6,
        suspicion_confirmations: 2,
        log_scale: LogScale::Log10,
        gossip_interval: 200,
        gossip_nodes: 3,
        gossip_to_the_dead: 30_000,
        ..SwimConfig::default()
    }
}

/// memberlist's `DefaultWANConfig`, as SWIM settings.
pub fn wan() -> SwimConfig {
    SwimConfig {
        protocol_period: 5_000,
        ping_timeout: 3_000,
        suspicion_mult: 6,
        suspicion_confirmations: 4,
        gossip_interval: 500,
        gossip_nodes: 4,
        gossip_to_the_dead: 60_000,
        ..lan()
    }
}

/// A node running memberlist alone (no anti-entropy or rumors of this core's store).
pub fn node(swim: SwimConfig) -> NodeConfig {
    NodeConfig {
        swim,
        anti_entropy: None,
        rumor: None,
        ..NodeConfig::default()
    }
}

/// One member crashing in a cluster running the model, watched from every other member: what
/// `scripts/bench/serf_vs_model.sh` holds against Serf agents (memberlist) on loopback.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrashTrial {
    /// The population, every member knowing all the others from the start.
    pub nodes: u32,
    /// The seed of the run.
    pub seed: u64,
    /// The latency of every message.
    pub latency: Latency,
    /// The member that crashes.
    pub crashed: NodeId,
    /// When it crashes, in milliseconds from the start.
    pub crash_at: Time,
    /// The steady-state message rate is counted over `[crash_at - steady_window, crash_at)`.
    pub steady_window: Time,
    /// How long after the crash to keep watching for members that have not declared it failed.
    pub watch_for: Time,
}

impl CrashTrial {
    /// Checks the trial; the error names the bad field.
    pub fn validate(&self) -> Result<(), SimError> {
        if self.nodes < 2 {
            return Err(SimError::invalid("nodes", "must be at least 2"));
        }
        if self.crashed >= self.nodes {
            return Err(SimError::invalid(
                "crashed",
                format!("must be below nodes ({}), got {}", self.nodes, self.crashed),
            ));
        }
        if self.steady_window == 0 || self.steady_window > self.crash_at {
            return Err(SimError::invalid(
                "steady_window",
                format!(
                    "must be between 1 and crash_at ({}), got {}",
                    self.crash_at, self.steady_window
                ),
            ));
        }
        Ok(())
    }
}

/// What the other members saw of a [`CrashTrial`]. Times are in milliseconds after the crash.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrashObservation {
    /// The trial.
    pub trial: CrashTrial,
    /// Per other member (ids in order, the crashed one left out): when it first held the crashed
    /// member Suspect; None if it never did (it heard the Dead verdict first, or not at all).
    pub suspected: Vec<Option<Time>>,
    /// Per other member: when it first held the crashed member Dead; None if not by the end.
    pub failed: Vec<Option<Time>>,
    /// Messages sent per member per second over the steady window before the crash.
    pub steady_messages_per_node_second: f64,
    /// Their bytes per member per second.
    pub steady_bytes_per_node_second: f64,
}

impl CrashObservation {
    /// The first suspicion anywhere.
    pub fn first_suspicion(&self) -> Option<Time> {
        self.suspected.iter().flatten().min().copied()
    }

    /// The mean over the members that suspected the crashed one of when each did.
    pub fn mean_suspicion(&self) -> Option<f64> {
        mean(self.suspected.iter().flatten())
    }

    /// The first Dead verdict anywhere.
    pub fn first_failure(&self) -> Option<Time> {
        self.failed.iter().flatten().min().copied()
    }

    /// When the last member held it Dead; None unless every member did.
    pub fn all_failed(&self) -> Option<Time> {
        self.failed
            .iter()
            .try_fold(0, |latest: Time, failed| failed.map(|at| latest.max(at)))
    }
}

fn mean<'a>(values: impl Iterator<Item = &'a Time>) -> Option<f64> {
    let (sum, count) = values.fold((0, 0u32), |(sum, count), &v| (sum + v, count + 1));
    (count > 0).then(|| sum as f64 / f64::from(count))
}

/// Runs `trial` with every member configured as `node` on the event engine, polling every other
/// member's view of the crashed one after each event.
pub fn observe_crash(node: NodeConfig, trial: CrashTrial) -> Result<CrashObservation, SimError> {
    trial.validate()?;
    let end = trial.crash_at + trial.watch_for;
    let mut sim = EventSim::new(EventSimConfig {
        nodes: trial.nodes,
        seed: trial.seed,
        node,
        latency: trial.latency,
        duration: end,
        sample_every: 1_000,
        faults: vec![ScheduledClusterFault {
            at: trial.crash_at,
            fault: ClusterFault::Crash {
                node: trial.crashed,
            },
        }],
        ..EventSimConfig::default()
    })?;
    sim.run_until(trial.crash_at - trial.steady_window);
    let before = sim.totals().clone();
    sim.run_until(trial.crash_at);
    let after = sim.totals().clone();
    let node_seconds = f64::from(trial.nodes) * trial.steady_window as f64 / 1_000.0;
    let observers: Vec<NodeId> = (0..trial.nodes).filter(|&id| id != trial.crashed).collect();
    let mut suspected = vec![None; observers.len()];
    let mut failed = vec![None; observers.len()];
    while let Some(now) = sim.step() {
        if now >= end {
            break;
        }
        for (index, &id) in observers.iter().enumerate() {
            let state = sim
                .node(id)
                .and_then(|node| node.membership().member(trial.crashed))
                .map(|member| member.state);
            let since_crash = now.saturating_sub(trial.crash_at);
            match state {
                Some(MemberState::Suspect) => {
                    suspected[index].get_or_insert(since_crash);
                }
                Some(MemberState::Dead | MemberState::Left) => {
                    failed[index].get_or_insert(since_crash);
                }
                _ => {}
            }
        }
        if failed.iter().all(Option::is_some) {
            break;
        }
    }
    Ok(CrashObservation {
        trial,
        suspected,
        failed,
        steady_messages_per_node_second: (after.messages_sent - before.messages_sent) as f64
            / node_seconds,
        steady_bytes_per_node_second: (after.bytes_sent - before.bytes_sent) as f64 / node_seconds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn the_profiles_are_valid_and_lifeguard_is_on() {
        for profile in [lan(), wan()] {
            assert_eq!(profile.validate(), Ok(()));
            assert!(profile.lifeguard);
        }
        assert!(wan().protocol_period > lan().protocol_period);
    }

    fn trial(nodes: u32, seed: u64) -> CrashTrial {
        CrashTrial {
            nodes,
            seed,
            latency: Latency::Uniform { min: 0, max: 1 },
            crashed: 1,
            crash_at: 20_000 + seed * 397 % 1_000,
            steady_window: 10_000,
            watch_for: 60_000,
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_crash_among_lan_members_is_declared_at_memberlists_timeout_and_spread_by_gossip() {
        // memberlist's timeout once two confirmations are in: 4 s x max(1, log10 n), to the
        // millisecond (util.go's suspicionTimeout).
        for (nodes, timeout) in [(10, 4_000), (30, 5_908)] {
            for seed in 0..3 {
                let seen = observe_crash(node(lan()), trial(nodes, seed)).unwrap();
                assert_eq!(seen.suspected.len(), nodes as usize - 1);
                let first = seen.first_suspicion().unwrap();
                assert!((1_000..4_000).contains(&first), "{seen:?}");
                assert_eq!(seen.first_failure(), Some(first + timeout), "{seen:?}");
                // The verdict reaches everyone within a few gossip rounds (calibration: Serf's
                // agents took 0.01 to 0.3 s, docs/real-systems.md).
                let all = seen.all_failed().unwrap();
                assert!(all - (first + timeout) < 500, "{seen:?}");
                // No probe, ack or gossip beyond the probe and its ack in steady state.
                assert_eq!(seen.steady_messages_per_node_second, 2.0, "{seen:?}");
            }
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn without_the_gossip_timer_news_rides_on_probes_only_and_spreads_slower() {
        let slower = SwimConfig {
            gossip_interval: 0,
            ..lan()
        };
        let spread = |swim: SwimConfig| -> f64 {
            (0..4)
                .map(|seed| {
                    let seen = observe_crash(node(swim), trial(30, seed)).unwrap();
                    seen.mean_suspicion().unwrap() - seen.first_suspicion().unwrap() as f64
                })
                .sum::<f64>()
                / 4.0
        };
        let (gossiping, probing) = (spread(lan()), spread(slower));
        assert!(gossiping < 500.0, "{gossiping}");
        assert!(probing > 2.0 * gossiping, "{probing} against {gossiping}");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_trial_that_cannot_run_is_refused() {
        let refused = |trial: CrashTrial| observe_crash(node(lan()), trial).unwrap_err();
        assert_eq!(
            refused(CrashTrial {
                nodes: 1,
                ..trial(10, 0)
            }),
            SimError::invalid("nodes", "must be at least 2")
        );
        assert_eq!(
            refused(CrashTrial {
                crashed: 10,
                ..trial(10, 0)
            }),
            SimError::invalid("crashed", "must be below nodes (10), got 10")
        );
        assert_eq!(
            refused(CrashTrial {
                steady_window: 30_000,
                crash_at: 20_000,
                ..trial(10, 0)
            }),
            SimError::invalid(
                "steady_window",
                "must be between 1 and crash_at (20000), got 30000"
            )
        );
    }
}
