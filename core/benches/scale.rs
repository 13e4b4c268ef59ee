//! Figures for the simulator at scale, printed rather than asserted (timing belongs in a bench,
//! not a test): `cargo bench -p gossip-core --bench scale`.
//!
//! - 1,000,000 nodes, push rumor mongering (counter k = 2, feedback) to quiescence on the round
//!   engine: wall time on one core and peak heap bytes per node (a counting allocator measures
//!   every allocation the run makes).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use gossip_core::rumor::RumorConfig;
use gossip_core::sim::rounds::RumorRun;

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

fn main() {
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
