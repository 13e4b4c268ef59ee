//! The headless `sim` command on a scenario file.

use std::process::Command;

use gossip_core::scenario::Scenario;
use gossip_core::share_link;

fn gossip_node(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gossip-node"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn sim_prints_the_same_report_as_the_core() {
    let scenario = Scenario {
        nodes: 300,
        seed: 9,
        ..Scenario::default()
    };
    let path = std::env::temp_dir().join(format!("gossiplab-sim-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_string(&scenario).unwrap()).unwrap();
    let output = gossip_node(&["sim", path.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let expected = serde_json::to_value(scenario.run().unwrap()).unwrap();
    assert_eq!(printed["report"], expected);

    // --seed overrides the file's seed.
    let output = gossip_node(&["sim", path.to_str().unwrap(), "--seed", "10"]);
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed["scenario"]["seed"], 10);
    std::fs::remove_file(path).unwrap();

    // The same scenario as a share link, whole or as a fragment, gives the same report.
    let link = format!("http://127.0.0.1:8080/{}", share_link::fragment(&scenario));
    for source in [link.as_str(), &share_link::encode(&scenario)] {
        let output = gossip_node(&["sim", source]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(printed["report"], expected);
    }
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
}

#[test]
fn a_malformed_scenario_names_the_file_and_the_problem() {
    let path = std::env::temp_dir().join(format!("gossiplab-bad-{}.json", std::process::id()));
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
