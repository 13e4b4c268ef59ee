//! The batch commands through the built binary: `sweep` gives the playground's sweep table,
//! `--shard I/N` processes merged by `merge` give the unsharded output byte for byte, and a run
//! past the machine's memory is refused before it starts with both figures named.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gossip_sim::events::Cluster;
use gossip_sim::scenario::Scenario;
use gossip_sim::sweep::{Knob, Sweep};

fn gossip_node(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gossip-node"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(output: Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A fresh folder for one test's files.
fn folder(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("gossiplab-batch-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&path);
    std::fs::create_dir_all(&path).unwrap();
    path
}

fn scenario_file(folder: &Path, scenario: &Scenario) -> String {
    let path = folder.join("scenario.json");
    std::fs::write(&path, serde_json::to_string(scenario).unwrap()).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn the_cli_sweep_gives_the_playground_s_table() {
    let dir = folder("sweep");
    let base = Scenario {
        nodes: 300,
        seed: 7,
        ..Scenario::default()
    };
    let file = scenario_file(&dir, &base);
    // The page's sweep of fanout 1 to 4, 6 seeds each, as gossip-sim runs it for the page.
    let sweep = Sweep {
        base,
        knob: Knob::Fanout,
        values: vec![1.0, 2.0, 3.0, 4.0],
        seeds_per_point: 6,
    };
    let table = sweep.run().unwrap();
    for (format, expected) in [("json", table.to_json()), ("csv", table.to_csv())] {
        let printed = stdout(gossip_node(&[
            "sweep",
            &file,
            "--vary",
            "fanout=1..4",
            "--seeds",
            "6",
            "--format",
            format,
        ]));
        assert_eq!(printed, expected, "{format}");
    }
    // The same values written as a list and as a stepped range.
    for vary in ["fanout=1,2,3,4", "fanout=1..4 step 1"] {
        let printed = stdout(gossip_node(&[
            "sweep", &file, "--vary", vary, "--seeds", "6", "--format", "csv",
        ]));
        assert_eq!(printed, table.to_csv(), "{vary}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// Runs `args` unsharded, then as `count` shard processes at once, merges them, and asserts the
/// merged text equals the unsharded one byte for byte.
fn shards_merge_to_the_unsharded_output(dir: &Path, args: &[&str], count: usize) {
    let whole = stdout(gossip_node(args));
    let shards: Vec<PathBuf> = (0..count)
        .map(|index| dir.join(format!("shard-{index}.json")))
        .collect();
    let children: Vec<_> = shards
        .iter()
        .enumerate()
        .map(|(index, path)| {
            Command::new(env!("CARGO_BIN_EXE_gossip-node"))
                .args(args)
                .args(["--shard", &format!("{index}/{count}")])
                .args(["--out", path.to_str().unwrap()])
                .output()
                .unwrap()
        })
        .collect();
    for child in children {
        assert!(
            child.status.success(),
            "{}",
            String::from_utf8_lossy(&child.stderr)
        );
    }
    // In any order.
    let mut paths: Vec<&str> = shards.iter().rev().map(|p| p.to_str().unwrap()).collect();
    paths.insert(0, "merge");
    let merged = stdout(gossip_node(&paths));
    assert_eq!(merged, whole, "{args:?}");
}

#[test]
fn shards_merged_equal_the_unsharded_output() {
    let dir = folder("shards");
    let rumor = scenario_file(
        &dir,
        &Scenario {
            nodes: 400,
            seed: 3,
            ..Scenario::default()
        },
    );
    shards_merge_to_the_unsharded_output(&dir, &["sim", &rumor, "--runs", "7"], 3);
    shards_merge_to_the_unsharded_output(
        &dir,
        &["sim", &rumor, "--runs", "5", "--format", "csv"],
        2,
    );
    shards_merge_to_the_unsharded_output(
        &dir,
        &[
            "sweep",
            &rumor,
            "--vary",
            "fanout=1..3",
            "--vary",
            "loss_percent=0,25",
            "--seeds",
            "4",
        ],
        4,
    );
    shards_merge_to_the_unsharded_output(
        &dir,
        &[
            "sweep",
            &rumor,
            "--vary",
            "nodes=100..1000 log 10",
            "--seeds",
            "3",
            "--format",
            "csv",
        ],
        5,
    );
    // A single cluster run keeps its samples: one shard holds it, the other none.
    let cluster = scenario_file(
        &dir,
        &Scenario::cluster(
            12,
            2,
            Cluster {
                duration: 4_000,
                ..Cluster::default()
            },
        ),
    );
    shards_merge_to_the_unsharded_output(&dir, &["sim", &cluster], 2);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn merge_names_a_missing_duplicate_or_foreign_shard() {
    let dir = folder("merge-errors");
    let file = scenario_file(&dir, &Scenario::default());
    let shard = |index: usize, runs: &str| {
        let path = dir.join(format!("{index}-{runs}.json"));
        let output = gossip_node(&[
            "sim",
            &file,
            "--runs",
            runs,
            "--shard",
            &format!("{index}/3"),
            "--out",
            path.to_str().unwrap(),
        ]);
        assert!(output.status.success());
        path.to_str().unwrap().to_string()
    };
    let (zero, one, two) = (shard(0, "6"), shard(1, "6"), shard(2, "6"));
    let error = |args: &[&str]| {
        let output = gossip_node(args);
        assert!(!output.status.success());
        String::from_utf8_lossy(&output.stderr).to_string()
    };
    assert!(error(&["merge", &zero, &two]).contains("shards missing: 1/3"));
    assert!(error(&["merge", &zero, &one, &one, &two]).contains("are both shard 1/3"));
    let other = shard(1, "9");
    assert!(error(&["merge", &zero, &other, &two]).contains("a shard of another command"));
    assert!(error(&["sim", &file, "--shard", "3/3"]).contains("0 <= I < N"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_run_past_the_memory_is_refused_before_it_starts() {
    let dir = folder("too-large");
    // 2^32 - 1 nodes: the largest the format allows; it aborted with an allocation failure.
    let file = dir.join("huge.json");
    std::fs::write(
        &file,
        r#"{"version": 1, "nodes": 4294967295, "seed": 1, "rumor": {}}"#,
    )
    .unwrap();
    let output = gossip_node(&["sim", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "an error, not a signal");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("a run of 4294967295 nodes would need about 72.0 GiB of memory")
            && stderr.contains("memory available on this machine"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
    // A limit given on the command line counts too, for sweeps as for runs (500 nodes need
    // about 15.7 MiB by the budget, just under the 16 MiB this test once used).
    let small = scenario_file(&dir, &Scenario::cluster(500, 1, Cluster::default()));
    for args in [
        vec!["sim", &small, "--memory-limit", "4M"],
        vec![
            "sweep",
            &small,
            "--vary",
            "loss_percent=0,10",
            "--memory-limit",
            "4M",
        ],
    ] {
        let output = gossip_node(&args);
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("a run of 500 nodes would need about")
                && stderr.contains("more than the 4.00 MiB memory limit given"),
            "{stderr}"
        );
    }
    // Within the limit it runs, and says its estimate first.
    let output = gossip_node(&["sim", &small, "--memory-limit", "1G"]);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("estimate: "));
    std::fs::remove_dir_all(dir).unwrap();
}
