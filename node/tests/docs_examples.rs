//! Every scenario example in docs/scenario.md parses, validates and runs, so the documentation
//! cannot drift from the format.

use gossip_sim::scenario::{Outcome, Protocol, Scenario};

#[test]
fn every_json_example_in_the_scenario_docs_runs() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/scenario.md"))
        .unwrap();
    let examples: Vec<&str> = docs
        .split("```json")
        .skip(1)
        .map(|block| block.split("```").next().unwrap())
        .collect();
    assert!(examples.len() >= 14, "found {} examples", examples.len());
    let (mut clusters, mut systems) = (0, 0);
    for example in examples {
        let scenario: Scenario = serde_json::from_str(example)
            .unwrap_or_else(|error| panic!("{error} in example:\n{example}"));
        let outcome = scenario
            .run_any()
            .unwrap_or_else(|error| panic!("{error} in example:\n{example}"));
        match outcome {
            Outcome::Rumor(report) => assert_eq!(report.summary.nodes, scenario.nodes),
            Outcome::Cluster(report) => {
                clusters += 1;
                let summary = report.summary();
                assert_eq!(summary.nodes, scenario.nodes);
                // Each example shows what it says: every crash is detected, and with
                // anti-entropy every write reaches all live nodes within the run (rumor mongering
                // alone may leave a residue).
                assert_eq!(summary.detected, summary.crashes, "{example}");
                let Protocol::Cluster(cluster) = &scenario.protocol else {
                    unreachable!("a cluster outcome comes from a cluster scenario")
                };
                if cluster.node.anti_entropy.is_some() {
                    assert_eq!(summary.writes_reaching_all, summary.writes, "{example}");
                }
            }
            Outcome::System(report) => {
                systems += 1;
                assert_eq!(report.nodes, scenario.nodes);
                // Every figure a model reports about its faults is there: a crash is detected,
                // a transaction reaches everyone.
                for (name, value) in report.summary.figures() {
                    let about_faults = name.starts_with("mean_") || name.starts_with("reach_");
                    assert!(
                        !about_faults || value.is_some(),
                        "{name} is missing in {example}"
                    );
                }
            }
        }
    }
    assert!(clusters >= 9, "{clusters} cluster examples");
    assert!(systems >= 3, "{systems} system examples");
}
