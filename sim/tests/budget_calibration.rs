//! Calibration of `gossip_sim::budget` (not validation: the coefficients were fitted to this
//! machine's own measurements): each engine's memory estimate is held within
//! [`budget::CALIBRATION_FACTOR`] of the peak a run really reaches. Each run goes in a child
//! process (this test binary, re-run with one scenario in an environment variable) so that its
//! peak, /proc/self/status's VmHWM, is its own. Sizes are chosen so that the run, not the
//! process, holds most of the memory. Linux only (VmHWM).
#![cfg(not(target_arch = "wasm32"))]

use std::process::Command;

use gossip_sim::budget::{self, CALIBRATION_FACTOR};
use gossip_sim::events::Cluster;
use gossip_sim::scenario::Scenario;
use gossip_sim::systems::{System, SystemRun};
use gossip_sim::topology::TopologyKind;

/// Set in the child process: the scenario to run, as JSON.
const SCENARIO_VARIABLE: &str = "GOSSIPLAB_BUDGET_SCENARIO";

/// The process's peak resident memory, in bytes.
fn peak_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status");
    kib * 1024
}

/// The child's part: run the scenario, print the peak. Does nothing in a plain test run.
#[test]
fn measure_one_run() {
    let Ok(json) = std::env::var(SCENARIO_VARIABLE) else {
        return;
    };
    let scenario: Scenario = serde_json::from_str(&json).unwrap();
    scenario.run_any().unwrap();
    println!("peak-bytes {}", peak_bytes());
}

fn measured_peak(scenario: &Scenario) -> u64 {
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "measure_one_run",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(SCENARIO_VARIABLE, serde_json::to_string(scenario).unwrap())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .find_map(|line| line.split_once("peak-bytes ").map(|(_, bytes)| bytes))
        .and_then(|bytes| bytes.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak in {stdout}"))
}

fn cases() -> Vec<(&'static str, Scenario)> {
    let mut ring = Scenario {
        nodes: 400_000,
        ..Scenario::default()
    };
    ring.network.topology = TopologyKind::Ring { k: 8 };
    let system = |nodes, model, duration| {
        Scenario::system(
            nodes,
            1,
            SystemRun {
                model,
                duration,
                ..SystemRun::default()
            },
        )
    };
    vec![
        (
            "rumor, push, 3,000,000 nodes",
            Scenario {
                nodes: 3_000_000,
                ..Scenario::default()
            },
        ),
        ("rumor on a ring of 8 links a side, 400,000 nodes", ring),
        (
            "cluster, every mechanism, 700 nodes, 2 s",
            Scenario::cluster(
                700,
                1,
                Cluster {
                    duration: 2_000,
                    ..Cluster::default()
                },
            ),
        ),
        (
            "Redis Cluster, 400 nodes, 5 s",
            system(400, System::RedisCluster(Default::default()), 5_000),
        ),
        (
            "Cassandra, 500 nodes, 10 s",
            system(500, System::Cassandra(Default::default()), 10_000),
        ),
        (
            "Bitcoin relay, 30,000 nodes, 10 s",
            system(30_000, System::BitcoinRelay(Default::default()), 10_000),
        ),
    ]
}

#[test]
fn estimates_are_within_the_calibration_factor_of_measured_peaks() {
    if std::env::var(SCENARIO_VARIABLE).is_ok() {
        return; // the child runs measure_one_run only
    }
    let mut outside = Vec::new();
    for (name, scenario) in cases() {
        let estimate = budget::estimate(&scenario).bytes;
        let measured = measured_peak(&scenario);
        let ratio = estimate as f64 / measured as f64;
        println!(
            "{name}: estimate {}, measured peak {}, ratio {ratio:.2}",
            budget::bytes_text(estimate),
            budget::bytes_text(measured)
        );
        if !(1.0 / CALIBRATION_FACTOR..=CALIBRATION_FACTOR).contains(&ratio) {
            outside.push(format!("{name}: ratio {ratio:.2}"));
        }
    }
    assert!(
        outside.is_empty(),
        "estimates off by more than {CALIBRATION_FACTOR}x (re-calibrate sim/src/budget.rs after \
         a change of an engine's memory): {outside:?}"
    );
}
