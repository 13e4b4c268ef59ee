//! The headless `sim` command: scenario files and share links in, JSON or CSV out.

use std::process::Command;

use gossip_sim::scenario::Scenario;
use gossip_sim::share_link;

fn gossip_node(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gossip-node"))
        .args(args)
        .output()
        .unwrap()
}

fn temp_file(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("gossiplab-{}-{name}", std::process::id()))
}

fn json(output: &std::process::Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn one_run_reports_the_same_as_the_core() {
    let scenario = Scenario {
        nodes: 300,
        seed: 9,
        ..Scenario::default()
    };
    let path = temp_file("one.json");
    std::fs::write(&path, serde_json::to_string(&scenario).unwrap()).unwrap();
    let expected = scenario.run().unwrap();
    let printed = json(&gossip_node(&["sim", path.to_str().unwrap()]));
    assert_eq!(
        printed["runs"][0]["summary"],
        serde_json::to_value(expected.summary).unwrap()
    );
    assert_eq!(
        printed["per_round"],
        serde_json::to_value(&expected.rounds).unwrap()
    );

    // --seed overrides the file's seed.
    let printed = json(&gossip_node(&[
        "sim",
        path.to_str().unwrap(),
        "--seed",
        "10",
    ]));
    assert_eq!(printed["scenario"]["seed"], 10);
    std::fs::remove_file(path).unwrap();

    // The same scenario as a share link, whole or as a fragment, gives the same report.
    let link = format!("http://127.0.0.1:8080/{}", share_link::fragment(&scenario));
    for source in [link.as_str(), &share_link::encode(&scenario)] {
        let printed = json(&gossip_node(&["sim", source]));
        assert_eq!(
            printed["runs"][0]["summary"],
            serde_json::to_value(expected.summary).unwrap()
        );
    }
}

#[test]
fn many_runs_use_consecutive_seeds_and_aggregate() {
    let scenario = Scenario {
        nodes: 500,
        seed: 100,
        ..Scenario::default()
    };
    let link = share_link::encode(&scenario);
    let printed = json(&gossip_node(&["sim", &link, "--runs", "5"]));
    let runs = printed["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 5);
    let mut residues = Vec::new();
    for (index, run) in runs.iter().enumerate() {
        let seeded = Scenario {
            seed: 100 + index as u64,
            ..scenario.clone()
        };
        assert_eq!(run["seed"], 100 + index as u64);
        assert_eq!(
            run["summary"],
            serde_json::to_value(seeded.run().unwrap().summary).unwrap()
        );
        residues.push(seeded.run().unwrap().summary.residue);
    }
    let mean = residues.iter().sum::<f64>() / 5.0;
    let aggregate = &printed["aggregate"]["residue"];
    assert!((aggregate["mean"].as_f64().unwrap() - mean).abs() < 1e-12);
    let min = residues.iter().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(aggregate["min"].as_f64().unwrap(), min);
    assert!(
        printed.get("per_round").is_none(),
        "per-round counts only for a single run"
    );
}

#[test]
fn csv_goes_to_the_out_file() {
    let scenario = Scenario {
        nodes: 200,
        ..Scenario::default()
    };
    let out = temp_file("runs.csv");
    let output = gossip_node(&[
        "sim",
        &share_link::encode(&scenario),
        "--runs",
        "3",
        "--format",
        "csv",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.stdout.is_empty());
    let csv = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "run,seed,rounds,full_infection_round,residue,traffic,t_ave,t_last,messages,contacts"
    );
    assert_eq!(
        lines.len(),
        1 + 3 + 4,
        "header, three runs, mean/sd/min/max"
    );
    let first: Vec<&str> = lines[1].split(',').collect();
    let summary = scenario.run().unwrap().summary;
    assert_eq!(first[0..3], ["0", "42", &summary.rounds.to_string()]);
    assert!(lines[4].starts_with("mean,,"));
    std::fs::remove_file(out).unwrap();
}

#[test]
fn a_broken_link_or_missing_file_is_explained() {
    let output = gossip_node(&["sim", "v1.AAAA"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("truncated"));
    let output = gossip_node(&["sim", "no-such-file.json"]);
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("neither a scenario file nor a share link")
    );
    let output = gossip_node(&[
        "sim",
        &share_link::encode(&Scenario::default()),
        "--runs",
        "0",
    ]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("--runs must be at least 1"));
}

#[test]
fn a_malformed_scenario_names_the_file_and_the_problem() {
    let path = temp_file("bad.json");
    std::fs::write(&path, r#"{"version": 1, "nodes": "many"}"#).unwrap();
    let output = gossip_node(&["sim", path.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("not a valid scenario") && stderr.contains("nodes"),
        "{stderr}"
    );
    std::fs::remove_file(path).unwrap();
}

#[test]
fn a_cluster_scenario_reports_detection_and_dissemination() {
    let path = temp_file("cluster.json");
    std::fs::write(
        &path,
        r#"{ "version": 1, "nodes": 12, "seed": 4,
             "cluster": { "duration": 25000,
                          "faults": [ { "at": 2000, "fault": { "kind": "crash", "node": 3 } },
                                      { "at": 2500, "fault": { "kind": "put", "node": 0, "key": "k", "value": "v" } } ] } }"#,
    )
    .unwrap();
    let output = gossip_node(&["sim", path.to_str().unwrap(), "--runs", "4"]);
    assert!(output.status.success(), "{output:?}");
    let value = json(&output);
    let runs = value["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 4);
    for run in runs {
        let summary = &run["summary"];
        assert_eq!(summary["detected"], 1, "{summary}");
        assert_eq!(summary["writes_reaching_all"], 1, "{summary}");
        assert_eq!(summary["false_positives"], 0, "{summary}");
    }
    let detection = &value["aggregate"]["mean_detection_ms"];
    assert_eq!(detection["count"], 4);
    // Suspicion timeout 3 ceil(ln 13) = 9 periods of 1 s, after a first suspicion within a few.
    let mean = detection["mean"].as_f64().unwrap();
    assert!((9_000.0..16_000.0).contains(&mean), "{mean}");

    let csv = gossip_node(&["sim", path.to_str().unwrap(), "--format", "csv"]);
    let text = String::from_utf8(csv.stdout).unwrap();
    let header = text.lines().next().unwrap();
    assert!(
        header.starts_with("run,seed,messages_per_node_second,"),
        "{header}"
    );
    assert!(header.contains(",mean_detection_ms,"), "{header}");
    assert_eq!(
        text.lines().count(),
        1 + 1 + 4,
        "header, one run, four statistics"
    );
}
