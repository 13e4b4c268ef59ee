//! Every scenario example in docs/scenario.md parses, validates and runs, so the documentation
//! cannot drift from the format.

use gossip_core::scenario::Scenario;

#[test]
fn every_json_example_in_the_scenario_docs_runs() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/scenario.md"))
        .unwrap();
    let examples: Vec<&str> = docs
        .split("```json")
        .skip(1)
        .map(|block| block.split("```").next().unwrap())
        .collect();
    assert!(examples.len() >= 6, "found {} examples", examples.len());
    for example in examples {
        let scenario: Scenario = serde_json::from_str(example)
            .unwrap_or_else(|error| panic!("{error} in example:\n{example}"));
        let report = scenario
            .run()
            .unwrap_or_else(|error| panic!("{error} in example:\n{example}"));
        assert_eq!(report.summary.nodes, scenario.nodes);
    }
}
