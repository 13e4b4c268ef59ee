//! The million-node run timed natively and in wasm, to compare the two: not a test of speed
//! (timings belong in benchmarks) but the same work in both places, ignored by default.
//!
//! Native:  `cargo test -p gossip-core --release --test million -- --ignored --nocapture`
//! wasm:    `cargo test -p gossip-core --release --target wasm32-unknown-unknown --test million --
//!          --include-ignored --nocapture`
//! (under Node.js through wasm-bindgen-test-runner; the figure is printed to the console).

use gossip_core::{LossOfInterest, RumorConfig};
use gossip_sim::rounds::RumorRun;
use wasm_bindgen_test::wasm_bindgen_test;

#[cfg(target_arch = "wasm32")]
fn now_ms() -> f64 {
    js_sys::Date::now()
}

#[cfg(not(target_arch = "wasm32"))]
fn now_ms() -> f64 {
    use std::sync::OnceLock;
    static START: OnceLock<std::time::Instant> = OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_secs_f64()
        * 1_000.0
}

#[wasm_bindgen_test(unsupported = test)]
#[ignore = "a timing to read, not a test: run with --ignored in release"]
fn million_nodes_push_counter_2_feedback() {
    let config = RumorConfig {
        loss: LossOfInterest::Counter(2),
        ..RumorConfig::default()
    };
    let mut times = Vec::new();
    let mut residue = 0.0;
    for seed in 0..3 {
        let start = now_ms();
        let summary = RumorRun::new(1_000_000, config, seed).unwrap().run(|_| {});
        times.push(now_ms() - start);
        residue = summary.residue;
    }
    times.sort_by(f64::total_cmp);
    let line = format!(
        "1,000,000 nodes, push counter k=2 feedback: median {:.0} ms of 3 runs (min {:.0}, max {:.0}); residue {residue:.4}",
        times[1], times[0], times[2]
    );
    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test::console_log!("{line}");
    #[cfg(not(target_arch = "wasm32"))]
    println!("{line}");
    assert!(residue < 0.1, "the run did its work: residue {residue}");
}
