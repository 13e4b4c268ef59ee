//! Figures for the simulator at scale, printed rather than asserted (timing belongs in a bench,
//! not a test): `cargo bench -p gossip-core --bench scale`.
//!
//! - 1,000,000 nodes, push rumor mongering (counter k = 2, feedback) to quiescence on the round
//!   engine: wall time on one core and peak heap bytes per node (a counting allocator measures
//!   every allocation the run makes).
//! - Memory per unit of each mechanism's state, measured the same way.

use std::time::Instant;

use gossip_core::RumorConfig;
use gossip_core::seeded_rng;
use gossip_core::{DirectMail, DirectMailConfig};
use gossip_core::{MongerConfig, RumorMonger};
use gossip_core::{Node, NodeConfig};
use gossip_core::{Stamp, Store};
use gossip_core::{Swim, SwimConfig};
use gossip_sim::rounds::RumorRun;
use rand::Rng;

#[path = "support/heap.rs"]
mod heap;

/// Heap bytes held by what `build` returns, divided by `units`.
fn bytes_per<T>(units: usize, build: impl FnOnce() -> T) -> f64 {
    let before = heap::current();
    let built = build();
    let held = heap::current() - before;
    drop(built);
    held as f64 / units as f64
}

fn memory() {
    println!("memory per unit of state (heap, plus the inline size where it is in a Vec)");
    let round_node = bytes_per(1_000_000, || {
        RumorRun::new(1_000_000, RumorConfig::default(), 0).expect("valid scenario")
    });
    println!("  a node in the round engine, before the first round (push): {round_node:.1} bytes");
    let entry = bytes_per(10_000, || {
        let mut store = Store::new(0, 64).unwrap();
        for i in 0..10_000 {
            store.put(&format!("key-{i:05}"), &[7u8; 32]);
        }
        store
    });
    println!("  store entry (9-byte key, 32-byte value): {entry:.0} bytes");
    let member = bytes_per(1_000, || {
        let mut swim = Swim::new(0, SwimConfig::default());
        swim.bootstrap(0, 1..=1_000, &mut seeded_rng(1));
        swim
    });
    println!("  SWIM member entry (1,000 members): {member:.0} bytes");
    let rumor = bytes_per(1_000, || {
        let mut monger: RumorMonger<Stamp, ()> = RumorMonger::new(0, MongerConfig::default());
        for version in 0..1_000 {
            monger.start(Stamp { version, origin: 1 }, ());
        }
        monger
    });
    println!("  live rumor (stamp key, empty payload): {rumor:.0} bytes");
    let mail = bytes_per(1_000, || {
        let mut mail: DirectMail<()> = DirectMail::new(DirectMailConfig {
            queue_capacity: 1_000,
            ..DirectMailConfig::default()
        });
        mail.send_to_all(0, (), 1..=1_000);
        while mail.poll_transmit().is_some() {}
        mail
    });
    println!("  direct mail awaiting an ack (empty payload): {mail:.0} bytes");
    let node = bytes_per(1, || Node::new(0, NodeConfig::default()).unwrap());
    println!("  a live node with the default mechanisms, empty: {node:.0} bytes");
}

/// The same experiment as the engine's, in a loop written for it alone: push, feedback,
/// counter k on a complete graph, two bytes a node (the phase with the counter, and the low byte
/// of the round the node learned in) and a list of the nodes spreading this round, a peer drawn
/// by one multiply-shift of a 32-bit draw. It does not remember who told a node, so a node may
/// tell its informer back (one chance in n - 1 per push, which a million nodes do not see);
/// otherwise its residue and traffic are the engine's. The engine's time over this one is the
/// figure the engine is held to (issue 16: at most 4).
fn specialised_push_counter(nodes: u32, k: u8, seed: u64) -> (u32, f64, f64) {
    let n = nodes as usize;
    // 0: susceptible; 1..=k: infective, having counted (value - 1) unnecessary contacts in a row;
    // k + 1: removed.
    let removed = k + 1;
    let mut state = vec![0u8; n];
    // Runs end long before round 256, so the low byte tells this round from the earlier ones.
    let mut learned = vec![0u8; n];
    state[0] = 1;
    let mut spreading = vec![0u32];
    let mut next = Vec::new();
    let mut rng = seeded_rng(seed);
    let (mut round, mut susceptible, mut messages) = (0u32, nodes - 1, 0u64);
    while !spreading.is_empty() {
        round += 1;
        let now = round as u8;
        for &node in &spreading {
            let node = node as usize;
            let mut peer = ((u64::from(rng.next_u32()) * u64::from(nodes - 1)) >> 32) as usize;
            if peer >= node {
                peer += 1;
            }
            messages += 1;
            if state[peer] == 0 {
                state[peer] = 1;
                learned[peer] = now;
                susceptible -= 1;
                next.push(peer as u32);
                state[node] = 1;
            } else if learned[peer] == now {
                // Learned in this round from another: useful, as in the engine.
                state[node] = 1;
            } else if state[node] == k {
                state[node] = removed;
                continue;
            } else {
                state[node] += 1;
            }
            next.push(node as u32);
        }
        std::mem::swap(&mut spreading, &mut next);
        next.clear();
    }
    (
        round,
        f64::from(susceptible) / f64::from(nodes),
        messages as f64 / f64::from(nodes),
    )
}

/// Median, minimum and maximum.
fn spread(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    (
        values[values.len() / 2],
        values[0],
        values[values.len() - 1],
    )
}

/// Seconds this thread has spent on a processor (Linux's scheduler statistics), so that a run
/// is timed apart from the other processes sharing the machine; `None` where there are none.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanoseconds: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(nanoseconds as f64 * 1e-9)
}

/// Times of one run: on the processor (wall time where that cannot be read) and on the wall.
struct Timing {
    cpu: f64,
    wall: f64,
}

fn timed<T>(work: impl FnOnce() -> T) -> (T, Timing) {
    let cpu = thread_cpu_seconds();
    let started = Instant::now();
    let result = work();
    let wall = started.elapsed().as_secs_f64();
    let cpu = match (cpu, thread_cpu_seconds()) {
        (Some(before), Some(after)) => after - before,
        _ => wall,
    };
    (result, Timing { cpu, wall })
}

/// Prints the median and spread of `timings`; returns the median time on the processor.
fn report(timings: Vec<Timing>) -> f64 {
    let (cpu, cpu_min, cpu_max) = spread(timings.iter().map(|t| t.cpu).collect());
    let (wall, wall_min, wall_max) = spread(timings.iter().map(|t| t.wall).collect());
    println!(
        "  median {:.1} ms on the processor (min {:.1}, max {:.1}); wall {:.1} ms (min {:.1}, max {:.1})",
        cpu * 1e3,
        cpu_min * 1e3,
        cpu_max * 1e3,
        wall * 1e3,
        wall_min * 1e3,
        wall_max * 1e3
    );
    cpu
}

fn main() {
    // `cargo bench -p gossip-sim --bench scale -- engine` (or `specialised`, `memory`) runs one
    // part, no name all of them; a number sets the runs of each timing (9 by default).
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let runs: u64 = args.iter().find_map(|arg| arg.parse().ok()).unwrap_or(9);
    let parts: Vec<&String> = args
        .iter()
        .filter(|arg| arg.parse::<u64>().is_err())
        .collect();
    let wanted = |part: &str| parts.is_empty() || parts.iter().any(|p| *p == part);
    if wanted("memory") {
        memory();
    }
    let nodes = 1_000_000u32;
    let mut engine_median = None;
    if wanted("engine") {
        println!(
            "round engine, {nodes} nodes, push rumor mongering, counter k=2, feedback, fanout 1, {runs} runs"
        );
        let mut timings = Vec::new();
        for seed in 0..runs {
            let baseline = heap::current();
            heap::reset_peak();
            let (summary, timing) = timed(|| {
                RumorRun::new(nodes, RumorConfig::default(), seed)
                    .expect("valid scenario")
                    .run(|_| {})
            });
            let peak = (heap::peak() - baseline) as f64 / f64::from(nodes);
            println!(
                "  seed {seed}: {:.1} ms on the processor ({:.1} wall), {} rounds, residue {:.4}, traffic {:.2}, peak heap {peak:.1} bytes/node",
                timing.cpu * 1e3,
                timing.wall * 1e3,
                summary.rounds,
                summary.residue,
                summary.traffic,
            );
            timings.push(timing);
        }
        engine_median = Some(report(timings));
    }
    if wanted("specialised") {
        println!(
            "specialised loop for the same experiment (2 bytes a node), {nodes} nodes, {runs} runs"
        );
        let mut timings = Vec::new();
        for seed in 0..runs {
            let ((rounds, residue, traffic), timing) =
                timed(|| specialised_push_counter(nodes, 2, seed));
            println!(
                "  seed {seed}: {:.1} ms on the processor ({:.1} wall), {rounds} rounds, residue {residue:.4}, traffic {traffic:.2}",
                timing.cpu * 1e3,
                timing.wall * 1e3,
            );
            timings.push(timing);
        }
        let median = report(timings);
        if let Some(engine) = engine_median {
            println!(
                "engine / specialised loop, medians on the processor: {:.1}x (target: at most 4x)",
                engine / median
            );
        }
    }
}
