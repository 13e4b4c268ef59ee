//! Figures for the simulator at scale, printed rather than asserted (timing belongs in a bench,
//! not a test): `cargo bench -p gossip-core --bench scale`.
//!
//! - 1,000,000 nodes, push rumor mongering (counter k = 2, feedback) to quiescence on the round
//!   engine: wall time on one core and peak heap bytes per node (a counting allocator measures
//!   every allocation the run makes).
//! - Memory per unit of each mechanism's state, measured the same way.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use gossip_core::RumorConfig;
use gossip_core::seeded_rng;
use gossip_core::{DirectMail, DirectMailConfig};
use gossip_core::{MongerConfig, RumorMonger};
use gossip_core::{Node, NodeConfig};
use gossip_core::{Stamp, Store};
use gossip_core::{Swim, SwimConfig};
use gossip_sim::rounds::RumorRun;

struct CountingAllocator;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Heap bytes held by what `build` returns, divided by `units`.
fn bytes_per<T>(units: usize, build: impl FnOnce() -> T) -> f64 {
    let before = CURRENT.load(Ordering::Relaxed);
    let built = build();
    let held = CURRENT.load(Ordering::Relaxed) - before;
    drop(built);
    held as f64 / units as f64
}

fn memory() {
    println!("memory per unit of state (heap, plus the inline size where it is in a Vec)");
    println!(
        "  rumor state in the round engine: {} bytes per node",
        std::mem::size_of::<gossip_core::RumorState>()
    );
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

fn main() {
    memory();
    let nodes = 1_000_000u32;
    let runs = 5u64;
    println!("round engine, {nodes} nodes, push rumor mongering, counter k=2, feedback, fanout 1");
    for seed in 0..runs {
        let baseline = CURRENT.load(Ordering::Relaxed);
        PEAK.store(baseline, Ordering::Relaxed);
        let started = Instant::now();
        let mut run = RumorRun::new(nodes, RumorConfig::default(), seed).expect("valid scenario");
        let summary = run.run(|_| {});
        let elapsed = started.elapsed();
        let peak = PEAK.load(Ordering::Relaxed) - baseline;
        println!(
            "seed {seed}: {:.3} s, {} rounds, residue {:.4}, traffic {:.2}, peak heap {:.1} bytes/node",
            elapsed.as_secs_f64(),
            summary.rounds,
            summary.residue,
            summary.traffic,
            peak as f64 / f64::from(nodes)
        );
        drop(run);
    }
}
