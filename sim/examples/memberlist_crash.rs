//! The memberlist model (`gossip_sim::systems::memberlist`, LAN profile) with one member
//! crashing, over several seeds: one JSON line per seed with the figures that
//! `scripts/bench/serf_vs_model.sh` sets beside Serf's (seconds after the crash).
//!
//! `cargo run --release -p gossip-sim --example memberlist_crash -- <nodes> <seeds>`

use gossip_sim::events::Latency;
use gossip_sim::systems::memberlist::{self, CrashTrial};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parse = |index: usize, default: u64| -> u64 {
        args.get(index).map_or(default, |text| {
            text.parse().unwrap_or_else(|_| {
                eprintln!("usage: memberlist_crash <nodes> <seeds>; got {text:?}");
                std::process::exit(2)
            })
        })
    };
    let nodes = parse(0, 10) as u32;
    let seeds = parse(1, 20);
    for seed in 0..seeds {
        // Crashes at 20 s plus an offset spread over a period, so that the crash falls at
        // different points of the probe cycle from seed to seed.
        let trial = CrashTrial {
            nodes,
            seed,
            latency: Latency::Uniform { min: 0, max: 1 },
            crashed: 1 + (seed % u64::from(nodes.max(2) - 1)) as u32,
            crash_at: 20_000 + (seed * 397) % 1_000,
            steady_window: 10_000,
            watch_for: 120_000,
        };
        let observation =
            match memberlist::observe_crash(memberlist::node(memberlist::lan()), trial) {
                Ok(observation) => observation,
                Err(error) => {
                    eprintln!("memberlist_crash: {error}");
                    std::process::exit(1)
                }
            };
        let seconds = |ms: Option<f64>| ms.map(|ms| ms / 1_000.0);
        let line = serde_json::json!({
            "nodes": nodes,
            "seed": seed,
            "first_suspicion_s": seconds(observation.first_suspicion().map(|t| t as f64)),
            "mean_suspicion_s": seconds(observation.mean_suspicion()),
            "suspecting_observers": observation.suspected.iter().flatten().count(),
            "first_failed_s": seconds(observation.first_failure().map(|t| t as f64)),
            "all_failed_s": seconds(observation.all_failed().map(|t| t as f64)),
            "messages_per_node_s": observation.steady_messages_per_node_second,
            "bytes_per_node_s": observation.steady_bytes_per_node_second,
        });
        println!("{line}");
    }
}
