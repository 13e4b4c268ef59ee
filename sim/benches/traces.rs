//! What recording a message trace costs, printed rather than asserted:
//! `cargo bench -p gossip-sim --bench traces`. The target is at most 2x the run without a
//! trace.
//!
//! Each case runs the same scenario with and without a trace (the default cap of 200,000
//! messages, then a sample), best of seven each, and prints both times, their ratio, and the
//! messages traced. Cases: the "SWIM detects a crash" preset (20 nodes, 30 s), SWIM on 200 nodes
//! for 60 s (more messages than the cap: the sampled path), 200 nodes with every mechanism and
//! a write every 100 ms, and each system model's preset.

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

    /// The best of seven timings of `run` (the machine may be busy), with what the last one
    /// returned.
    fn best_of_seven<R>(mut run: impl FnMut() -> R) -> (f64, R) {
        let mut best = f64::INFINITY;
        let mut last = None;
        for _ in 0..7 {
            let started = Instant::now();
            let result = run();
            best = best.min(started.elapsed().as_secs_f64());
            last = Some(result);
        }
        (best, last.expect("seven runs"))
    }

    fn print(name: &str, plain: f64, with_trace: f64, trace: &MessageTrace) {
        println!("{name}");
        println!(
            "  without trace {plain:.3} s, with trace {with_trace:.3} s: ratio {:.2} (target <= 2)",
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
        let (plain, _) = best_of_seven(|| EventSim::new(config.clone()).unwrap().run());
        let (with_trace, trace) = best_of_seven(|| {
            let mut sim = EventSim::new(config.clone()).unwrap();
            sim.trace_messages(DEFAULT_TRACE_CAP);
            sim.run();
            sim.take_message_trace().unwrap()
        });
        print(name, plain, with_trace, &trace);
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
                let (plain, _) = best_of_seven(|| run.run(nodes, seed, loss).unwrap());
                let (with_trace, trace) =
                    best_of_seven(|| traced(DEFAULT_TRACE_CAP, || run.run(nodes, seed, loss)).1);
                let name = format!("preset {}: {}", preset.id, preset.title);
                print(&name, plain, with_trace, &trace.unwrap());
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
    let faults = (0..590)
        .map(|i| ScheduledClusterFault {
            at: 1_000 + 100 * i,
            fault: ClusterFault::Put {
                node: (i * 7 % 200) as u32,
                key: format!("key-{}", i % 50),
                value: format!("value-{i}"),
            },
        })
        .collect();
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
