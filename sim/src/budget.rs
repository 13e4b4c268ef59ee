//! What a run will cost, said before it starts: [`estimate`] gives a scenario's peak memory and
//! its time on the reference machine, [`check`] refuses one past what the host allows
//! ([`Limits`]: the machine's available memory for the command line, the wasm32 memory left for
//! the playground's worker, the address space of the build target for everyone), with an error
//! that names the estimate and the limit ([`SimError::TooLarge`]).
//!
//! The figures are calibration, not derivation: each engine's memory is a formula in the sizes
//! that drive it (nodes, member-table entries n², topology links, samples), with coefficients
//! fitted to peaks measured (VmHWM of `gossip-node sim`, one run per process) on the reference
//! machine, 2026-12-06: 2 cores, Debian 12, release build. They hold for the engines as they
//! were measured; a change of an engine's data layout moves them, and
//! `sim/tests/budget_calibration.rs` (estimate within [`CALIBRATION_FACTOR`] of the measured
//! peak) says so. Times are coarser (the same runs timed; within a few times either way): they
//! say "seconds" or "hours", not a deadline.

use serde::{Deserialize, Serialize};

use crate::error::SimError;
use crate::events::{Cluster, ClusterFault};
pub use crate::limits::{Engine, Exceeded, LimitSource, Limits, WASM32_MAX_BYTES, bytes_text};
use crate::scenario::{Protocol, Scenario};
use crate::systems::{System, SystemRun};
use crate::topology::TopologyKind;
use gossip_core::{Direction, RumorConfig};

/// The machine the times are measured on.
pub const REFERENCE_MACHINE: &str = "2 cores, Debian 12, 2026 (GossipLab's build machine)";

/// The factor within which [`estimate`]'s memory matched the measured peak in calibration (the
/// test holds every calibrated case to it).
pub const CALIBRATION_FACTOR: f64 = 2.0;

/// What a process holds before any run: code, the allocator, standard buffers (measured: 5.7 MiB
/// for `gossip-node sim` on a 10-node run).
const PROCESS_BASE_BYTES: f64 = 6.0 * MIB;

const MIB: f64 = 1024.0 * 1024.0;

/// What one run of a scenario is expected to cost.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The engine it runs on.
    pub engine: Engine,
    /// Peak memory of the process running it alone, in bytes (saturates at `u64::MAX`).
    pub bytes: u64,
    /// Work in the engine's steps (node-rounds for rounds, events otherwise), roughly.
    pub steps: u64,
    /// Wall-clock seconds on [`REFERENCE_MACHINE`], one core.
    pub seconds_on_reference: f64,
}

impl Estimate {
    fn new(engine: Engine, bytes: f64, steps: f64, seconds: f64) -> Estimate {
        Estimate {
            engine,
            bytes: saturating(bytes + PROCESS_BASE_BYTES),
            steps: saturating(steps),
            seconds_on_reference: seconds,
        }
    }
}

fn saturating(value: f64) -> u64 {
    if value.is_nan() {
        u64::MAX
    } else {
        // `as` saturates floats to the integer's range.
        value.max(0.0) as u64
    }
}

/// Seconds as a person says them: `42 ms`, `0.4 s`, `12 s`, `3.5 min`, `2.1 h`, `4.0 days`.
pub fn seconds_text(seconds: f64) -> String {
    match seconds {
        s if !s.is_finite() => "forever".into(),
        s if s < 0.1 => format!("{:.0} ms", (s * 1_000.0).max(1.0)),
        s if s < 10.0 => format!("{s:.1} s"),
        s if s < 120.0 => format!("{s:.0} s"),
        s if s < 7_200.0 => format!("{:.1} min", s / 60.0),
        s if s < 172_800.0 => format!("{:.1} h", s / 3_600.0),
        s => format!("{:.1} days", s / 86_400.0),
    }
}

/// Refuses `estimate` of a run of `nodes` nodes if its memory is past `limits`.
pub fn check(estimate: &Estimate, nodes: u32, limits: &Limits) -> Result<(), SimError> {
    if estimate.bytes > limits.bytes {
        return Err(SimError::TooLarge(Exceeded {
            nodes,
            engine: estimate.engine,
            estimate_bytes: estimate.bytes,
            limit_bytes: limits.bytes,
            source: limits.source,
        }));
    }
    Ok(())
}

/// Estimates and checks `scenario` against `limits` in one go, and against the format's own
/// maximum: a topology's adjacency counts link ends in `u32`.
pub fn check_scenario(scenario: &Scenario, limits: &Limits) -> Result<Estimate, SimError> {
    let ends = 2.0 * topology_links(scenario);
    if ends > f64::from(u32::MAX) {
        return Err(SimError::invalid(
            "network.topology",
            format!(
                "would have about {ends:.0} link ends; a topology holds at most {} (u32)",
                u32::MAX
            ),
        ));
    }
    let estimate = estimate(scenario);
    check(&estimate, scenario.nodes, limits)?;
    Ok(estimate)
}

/// The links of a rumor scenario's topology (none for a complete graph), roughly.
fn topology_links(scenario: &Scenario) -> f64 {
    if scenario.rumor_config().is_none() {
        return 0.0;
    }
    let n = f64::from(scenario.nodes);
    match scenario.network.topology {
        TopologyKind::Complete | TopologyKind::DataCenters => 0.0,
        TopologyKind::Ring { k } | TopologyKind::WattsStrogatz { k, .. } => n * f64::from(k),
        TopologyKind::Grid { .. } => 2.0 * n,
        TopologyKind::RandomRegular { degree } => n * f64::from(degree) / 2.0,
        TopologyKind::ErdosRenyi { mean_degree } => n * mean_degree / 2.0,
        TopologyKind::BarabasiAlbert { m } => n * f64::from(m),
    }
}

/// One run of `scenario`: its peak memory and its time. Never panics, whatever the sizes (they
/// are computed in floating point and saturate).
pub fn estimate(scenario: &Scenario) -> Estimate {
    let nodes = f64::from(scenario.nodes);
    match &scenario.protocol {
        Protocol::Rumor(rumor) => rounds(scenario, rumor, nodes),
        Protocol::Cluster(cluster) => events(cluster, nodes),
        Protocol::System(system) => models(system, nodes),
    }
}

/// `estimate(scenario)` plus what the playground's worker records of the run for drawing: a
/// byte per drawn node per round or sample, and the messages of each round.
pub fn estimate_recorded(scenario: &Scenario, max_drawn: u32) -> Estimate {
    let mut estimate = estimate(scenario);
    let drawn = f64::from(scenario.nodes.min(max_drawn));
    let frames = match &scenario.protocol {
        Protocol::Rumor(_) => rounds_needed(scenario),
        Protocol::Cluster(cluster) => samples(cluster),
        Protocol::System(_) => 0.0,
    };
    // A frame's byte per node, and (rounds) about ten 9-byte messages per drawn node in all,
    // twice over: the worker's copy and its JSON text.
    let recorded = 2.0 * (frames * drawn + 90.0 * drawn);
    estimate.bytes = saturating(estimate.bytes as f64 + recorded);
    estimate
}

/// Rounds to quiescence, roughly: the mean-field log2 n + ln n on a well-mixed graph, the
/// diameter on a lattice.
fn rounds_needed(scenario: &Scenario) -> f64 {
    let n = f64::from(scenario.nodes.max(2));
    let mixed = n.log2() + n.ln() + 2.0;
    let diameter = match scenario.network.topology {
        TopologyKind::Ring { k } => n / (2.0 * f64::from(k.max(1))),
        TopologyKind::WattsStrogatz { k, beta: 0.0 } => n / (2.0 * f64::from(k.max(1))),
        TopologyKind::Grid { width } => {
            let width = f64::from(width.max(1));
            width + (n / width).ceil()
        }
        _ => 0.0,
    };
    mixed.max(diameter)
}

fn rounds(scenario: &Scenario, rumor: &RumorConfig, n: f64) -> Estimate {
    let pulls = rumor.direction != Direction::Push;
    // Per node (calibrated: push 17.4 B, pull 16.5 B measured at 1 and 4 million nodes): the
    // 12-byte RumorState; pull's round of interest loss (4) and answered bits (1); push's list
    // of spreaders (4, up to 8 while it doubles).
    let mut per_node = 12.0 + if pulls { 5.0 } else { 6.0 };
    if rumor.connection_limit.is_some() {
        per_node += 2.0;
    }
    if scenario.network.has_crashes() {
        per_node += 1.0;
    }
    let links = topology_links(scenario);
    // Per link, calibrated on 10^6-node rings and grids and 2 x 10^5-node random graphs: the
    // edge list (8 bytes, growing by doubling) and both ends in the adjacency (8), plus the sets
    // that keep random graphs simple.
    let per_link = match scenario.network.topology {
        TopologyKind::RandomRegular { .. } => 32.0,
        TopologyKind::WattsStrogatz { .. } => 24.0,
        TopologyKind::BarabasiAlbert { .. } => 20.0,
        _ => 16.0,
    };
    // The adjacency's offsets, degrees and fill counters: 12 bytes a node with a topology.
    let topology_nodes = if links > 0.0 { 12.0 * n } else { 0.0 };
    let bytes = n * per_node + links * per_link + topology_nodes;
    let rounds = rounds_needed(scenario);
    // Calibrated on push (0.43 s at 10^6 nodes, 2.3 s at 4 x 10^6: the spreaders' sends) and
    // pull (2.7 s and 22 s: every node every round, slower once out of cache); building a
    // topology costs about 0.3 us a link.
    let cache = if n > 2e6 { 2.0 } else { 1.0 };
    // Push-pull ends in about half the rounds of pull; more contacts a round cost more each
    // round but end sooner (about the square root of the fanout in all).
    let rounds = match rumor.direction {
        Direction::PushPull => rounds / 2.0,
        _ => rounds,
    };
    let node_rounds = if pulls { n * rounds } else { n * 4.0 };
    let per_step = if pulls { 80e-9 } else { 110e-9 } * cache;
    let seconds = node_rounds * f64::from(rumor.fanout).sqrt() * per_step + links * 0.3e-6;
    Estimate::new(Engine::Rounds, bytes, node_rounds, seconds)
}

/// Samples a cluster run keeps (one per `sample_every`).
fn samples(cluster: &Cluster) -> f64 {
    cluster.duration as f64 / cluster.sample_every.max(1) as f64
}

fn events(cluster: &Cluster, n: f64) -> Estimate {
    // Nodes that ever run: the initial ones, churn's joiners, restarts under new ids.
    let mut total = n;
    let mut written = 0.0;
    for scheduled in &cluster.faults {
        match &scheduled.fault {
            ClusterFault::Churn {
                join_rate, until, ..
            } => total += join_rate * until.saturating_sub(scheduled.at) as f64 / 1_000.0,
            ClusterFault::Restart {
                keep_state: false, ..
            } => total += 1.0,
            ClusterFault::Put { key, value, .. } => {
                written += (key.len() + value.len()) as f64 + 100.0
            }
            _ => {}
        }
    }
    // Calibrated on full-membership clusters of 100 to 2,000 nodes with every mechanism (SWIM
    // alone measured the same): a few KiB per node (its queues, store, schedules), 200 bytes per
    // sample kept, every write at every node; and the member-table entries (n^2 of them),
    // re-fitted after the nodes' compaction (issue 16) on 2,000, 5,000 and 10,000 nodes with
    // every mechanism, 60 s: `cargo bench -p gossip-sim --bench events -- "SWIM + anti"`. Since
    // the event queue stopped growing a buffer per millisecond slot and the probe order holds
    // two bytes an id, a run's peak is about 25 bytes per entry at 2,000 nodes (heap; 102 MiB
    // resident) and 8 KiB per node covers the rest.
    let bytes =
        24.0 * total * total + 8.0 * 1024.0 * total + 200.0 * samples(cluster) + written * total;
    let seconds_simulated = cluster.duration as f64 / 1_000.0;
    // Building the tables costs n^2; each simulated second costs a few events per node, each
    // slower as the tables outgrow the caches (fitted at 1,000 and 2,000 nodes, 10 and 60 s).
    let seconds = 0.19e-6 * total * total + 0.29e-6 * total.powf(1.5) * seconds_simulated;
    let steps = 20.0 * total * seconds_simulated;
    Estimate::new(Engine::Events, bytes, steps, seconds)
}

fn models(system: &SystemRun, n: f64) -> Estimate {
    let seconds_simulated = system.duration as f64 / 1_000.0;
    // Calibrated per model on runs of 100 to 2,000 nodes (Bitcoin to 100,000), 20 and 60 s.
    let (bytes, seconds) = match &system.model {
        // Every node's view of every other (85 bytes), and gossip sections of n/10 entries in
        // every message in flight (the n^3 term).
        System::RedisCluster(_) => (
            85.0 * n * n + 0.3 * n * n * n,
            1.2e-9 * n * n * n * seconds_simulated,
        ),
        // Every endpoint's arrival window, 8 bytes a heartbeat seen (about 0.7 a second) up to
        // the window's length.
        System::Cassandra(config) => {
            let filled = seconds_simulated.min(config.window as f64 / 0.7);
            (
                n * n * (84.0 + 5.6 * filled),
                7.3e-8 * n * n * seconds_simulated * (1.0 + filled / 30.0),
            )
        }
        System::BitcoinRelay(_) => (1_600.0 * n, 3e-6 * n * seconds_simulated),
    };
    Estimate::new(Engine::Models, bytes, 10.0 * n * seconds_simulated, seconds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn the_largest_population_is_refused_with_both_figures() {
        let scenario = Scenario {
            nodes: u32::MAX,
            ..Scenario::default()
        };
        let estimate = estimate(&scenario);
        assert!(estimate.bytes > 50_000_000_000, "{estimate:?}");
        let error = check(&estimate, u32::MAX, &Limits::wasm_worker(0)).unwrap_err();
        let SimError::TooLarge(exceeded) = &error else {
            panic!("{error:?}");
        };
        assert_eq!(exceeded.limit_bytes, 2 << 30);
        assert_eq!(exceeded.estimate_bytes, estimate.bytes);
        assert_eq!(
            error.to_string(),
            format!(
                "a run of 4294967295 nodes would need about {} of memory (estimated before the \
                 run), more than the 2.00 GiB memory a browser worker can use (wasm32: 4 GiB at \
                 most); try fewer nodes",
                bytes_text(estimate.bytes)
            )
        );
        assert_eq!(bytes_text(estimate.bytes), "72.0 GiB");
        // The same scenario at a size that fits passes.
        let small = Scenario {
            nodes: 1_000,
            ..Scenario::default()
        };
        assert_eq!(
            check_scenario(&small, &Limits::wasm_worker(0)),
            Ok(estimate_of(&small))
        );
    }

    fn estimate_of(scenario: &Scenario) -> Estimate {
        estimate(scenario)
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn memory_grows_as_each_engine_stores() {
        let rumor = |nodes| {
            estimate(&Scenario {
                nodes,
                ..Scenario::default()
            })
            .bytes as f64
        };
        // Linear in the population for the round engine.
        let per_node = (rumor(2_000_000) - rumor(1_000_000)) / 1e6;
        assert!((17.0..19.0).contains(&per_node), "{per_node}");
        // Quadratic for full-membership live nodes (at sizes where the tables outweigh the
        // nodes' own 20 KiB).
        let cluster = |nodes| estimate(&Scenario::cluster(nodes, 1, Cluster::default())).bytes;
        let (one, two) = (cluster(5_000) as f64, cluster(10_000) as f64);
        assert!((3.5..4.1).contains(&(two / one)), "{}", two / one);
        // A ring's links cost more than the nodes.
        let mut ring = Scenario {
            nodes: 1_000_000,
            ..Scenario::default()
        };
        ring.network.topology = TopologyKind::Ring { k: 10 };
        assert!(estimate(&ring).bytes as f64 > 8.0 * rumor(1_000_000));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn sizes_and_times_read_as_a_person_says_them() {
        assert_eq!(bytes_text(512), "512 B");
        assert_eq!(bytes_text(17 * 1024 * 1024 + 300 * 1024), "17.3 MiB");
        assert_eq!(bytes_text(3 << 30), "3.00 GiB");
        assert_eq!(bytes_text(u64::MAX), "16.0 EiB");
        assert_eq!(seconds_text(0.42), "0.4 s");
        assert_eq!(seconds_text(0.042), "42 ms");
        assert_eq!(seconds_text(0.0), "1 ms");
        assert_eq!(seconds_text(95.0), "95 s");
        assert_eq!(seconds_text(600.0), "10.0 min");
        assert_eq!(seconds_text(7_200.0), "2.0 h");
        assert_eq!(seconds_text(f64::INFINITY), "forever");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_address_space_refuses_what_no_host_could_hold() {
        let limits = Limits::address_space();
        let huge = Scenario::cluster(4_000_000_000, 1, Cluster::default());
        assert!(matches!(
            check_scenario(&huge, &limits),
            Err(SimError::TooLarge(Exceeded {
                source: LimitSource::AddressSpace,
                ..
            }))
        ));
        assert!(check_scenario(&Scenario::default(), &limits).is_ok());
    }
}
