//! What recording a message trace costs, printed rather than asserted:
//! `cargo bench -p gossip-sim --bench traces`. The target is at most 2x the run without a
//! trace.
//!
//! Each case runs the same scenario with and without a trace (the default cap of 200,000
//! messages, then a sample) seven times each, alternating, and prints the best time of each,
//! their ratio, the median of the seven pairs' ratios (a busy machine slows both runs of a
//! pair alike, so this one moves least with the load), and the messages traced. Arguments
//! filter the cases by name: `cargo bench -p gossip-sim --bench traces -- 600` runs the 600 s
//! one. Cases: the "SWIM detects a crash" preset (20 nodes, 30 s), SWIM on 200 nodes
//! for 60 s (more messages than the cap: the sampled path), 200 nodes with every mechanism and
//! a write every 100 ms, and each system model's preset.

#[cfg(not(target_arch = "wasm32"))]
#[path = "support/workloads.rs"]
mod workloads;

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use std::time::Instant;

    use gossip_core::{DirectMailConfig, NodeConfig};
    use gossip_sim::events::{ClusterFault, EventSim, EventSimConfig, ScheduledClusterFault};
    use gossip_sim::models::traced;
    use gossip_sim::presets::presets;
    use gossip_sim::scenario::Protocol;
    use gossip_sim::trace::{DEFAULT_TRACE_CAP, MessageTrace};

    /// Seven timings of `plain` and of `traced`, alternating (the machine may be busy): the
    /// best of each, the median ratio of the pairs, and what the last traced run returned.
    fn paired<A, R>(
        mut plain: impl FnMut() -> A,
        mut traced: impl FnMut() -> R,
    ) -> ((f64, f64, f64), R) {
        let time = |run: &mut dyn FnMut()| {
            let started = Instant::now();
            run();
            started.elapsed().as_secs_f64()
        };
        let (mut best_plain, mut best_traced) = (f64::INFINITY, f64::INFINITY);
        let mut ratios = Vec::new();
        let mut last = None;
        for _ in 0..7 {
            let a = time(&mut || drop(plain()));
            let b = time(&mut || last = Some(traced()));
            best_plain = best_plain.min(a);
            best_traced = best_traced.min(b);
            ratios.push(b / a);
        }
        ratios.sort_by(f64::total_cmp);
        (
            (best_plain, best_traced, ratios[3]),
            last.expect("seven runs"),
        )
    }

    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let wanted =
        |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()));

    fn print(name: &str, (plain, with_trace, median): (f64, f64, f64), trace: &MessageTrace) {
        println!("{name}");
        println!(
            "  without trace {plain:.3} s, with trace {with_trace:.3} s: ratio of the best {:.2}, \
             median ratio of 7 pairs {median:.2} (target <= 2)",
            with_trace / plain
        );
        println!(
            "  {} messages sent, {} kept (one in {}), {} kinds",
            trace.total,
            trace.messages.len(),
            trace.sample_every,
            trace.kinds.len()
        );
    }

    let cluster = |name: &str, config: EventSimConfig| {
        if !wanted(name) {
            return;
        }
        let (times, trace) = paired(
            || EventSim::new(config.clone()).unwrap().run(),
            || {
                let mut sim = EventSim::new(config.clone()).unwrap();
                sim.trace_messages(DEFAULT_TRACE_CAP);
                sim.run();
                sim.take_message_trace().unwrap()
            },
        );
        print(name, times, &trace);
    };

    for preset in presets() {
        let scenario = &preset.scenario;
        let (nodes, seed, loss) = (scenario.nodes, scenario.seed, scenario.network.loss);
        match &scenario.protocol {
            Protocol::Cluster(config) if preset.id == "swim-crash" => {
                cluster(
                    &format!("preset {}: {}", preset.id, preset.title),
                    config.config(nodes, seed, loss),
                );
            }
            Protocol::System(run) => {
                let name = format!("preset {}: {}", preset.id, preset.title);
                if !wanted(&name) {
                    continue;
                }
                let (times, trace) = paired(
                    || run.run(nodes, seed, loss).unwrap(),
                    || traced(DEFAULT_TRACE_CAP, || run.run(nodes, seed, loss)).1,
                );
                print(&name, times, &trace.unwrap());
            }
            _ => {}
        }
    }

    let swim_only = NodeConfig {
        anti_entropy: None,
        rumor: None,
        direct_mail: None,
        ..NodeConfig::default()
    };
    cluster(
        "200 nodes, SWIM only, 600 s, one crash (past the cap: sampled)",
        EventSimConfig {
            nodes: 200,
            seed: 1,
            node: swim_only,
            duration: 600_000,
            sample_every: 1_000,
            faults: vec![ScheduledClusterFault {
                at: 10_500,
                fault: ClusterFault::Crash { node: 17 },
            }],
            ..EventSimConfig::default()
        },
    );
    let faults = workloads::write_every_100ms();
    cluster(
        "200 nodes, every mechanism, 60 s, 1% loss and duplication, a write every 100 ms",
        EventSimConfig {
            nodes: 200,
            seed: 2,
            node: NodeConfig {
                direct_mail: Some(DirectMailConfig::default()),
                ..NodeConfig::default()
            },
            loss: 0.01,
            duplicate: 0.01,
            duration: 60_000,
            sample_every: 100,
            faults,
            ..EventSimConfig::default()
        },
    );
}
