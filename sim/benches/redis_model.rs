//! The Redis Cluster model's figures for `scripts/bench/redis_vs_model.sh`, which sets them
//! beside real Redis: `cargo bench -p gossip-sim --bench redis_model -- nodes=10,30,60`.
//!
//! For each number of masters, each with `replicas` replicas (0 by default), the model runs over
//! `seeds` seeds (1, 2, ...) with the given `node_timeout`; one master, picked by the seed,
//! crashes at `crash_at` ms, the traffic
//! figures count the `window` ms before it, and the run goes on for `after` ms. Latency is
//! loopback's: 0 to 1 ms. Prints one JSON line per size: each figure's mean, min and max over
//! the seeds (times in ms after the crash), and the wall time taken.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use std::time::Instant;

    use gossip_sim::link::Latency;
    use gossip_sim::metrics::Aggregate;
    use gossip_sim::models::{ScheduledSystemFault, SystemFault};
    use gossip_sim::systems::redis::RedisConfig;
    use gossip_sim::systems::{System, SystemRun};

    let mut nodes = vec![10, 30, 60];
    let mut replicas = 0_u32;
    let (mut seeds, mut node_timeout, mut crash_at, mut window, mut after) =
        (20_u64, 5_000_u64, 24_000_u64, 10_000_u64, 25_000_u64);
    // `key=value` arguments; cargo's own `--bench` is skipped.
    for arg in std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
    {
        let (key, value) = arg.split_once('=').unwrap_or((&arg, ""));
        let number = || {
            value
                .parse::<u64>()
                .unwrap_or_else(|_| panic!("{key}: not a number: {value}"))
        };
        match key {
            "nodes" => {
                nodes = value
                    .split(',')
                    .map(|n| n.parse().expect("nodes: a list of numbers"))
                    .collect();
            }
            "seeds" => seeds = number(),
            "node_timeout" => node_timeout = number(),
            "crash_at" => crash_at = number(),
            "window" => window = number(),
            "after" => after = number(),
            "replicas" => replicas = number() as u32,
            _ => panic!(
                "unknown argument {arg}: nodes, seeds, node_timeout, crash_at, window, after"
            ),
        }
    }
    for &n in &nodes {
        let started = Instant::now();
        let runs: Vec<_> = (1..=seeds)
            .map(|seed| {
                let run = SystemRun {
                    model: System::RedisCluster(RedisConfig {
                        node_timeout,
                        replicas,
                        warm_up: crash_at.saturating_sub(window),
                        ..RedisConfig::default()
                    }),
                    latency: Latency::Uniform { min: 0, max: 1 },
                    duration: crash_at + after,
                    faults: vec![ScheduledSystemFault {
                        at: crash_at,
                        fault: SystemFault::Crash {
                            node: (seed % u64::from(n)) as u32 * (replicas + 1),
                        },
                    }],
                };
                run.run(n * (replicas + 1), seed, 0.0)
                    .expect("a valid run")
                    .summary
                    .figures()
            })
            .collect();
        let figures: serde_json::Map<String, serde_json::Value> = Aggregate::of_figures(&runs)
            .into_iter()
            .map(|(name, aggregate)| {
                let value = aggregate.map_or(serde_json::Value::Null, |a| {
                    serde_json::json!({"mean": a.mean, "min": a.min, "max": a.max, "count": a.count})
                });
                (name.to_string(), value)
            })
            .collect();
        let line = serde_json::json!({
            "nodes": n,
            "seeds": seeds,
            "node_timeout": node_timeout,
            "replicas": replicas,
            "figures": figures,
            "seconds": started.elapsed().as_secs_f64(),
        });
        println!("{line}");
    }
}
