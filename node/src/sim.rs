//! The headless `sim` command: reads a scenario, runs it with gossip-core, returns JSON.

use std::path::Path;

use anyhow::Context;
use gossip_core::scenario::Scenario;

/// Runs the scenario in `path` (JSON), with an optional seed override; returns the report as JSON.
pub fn run_file(path: &Path, seed: Option<u64>) -> anyhow::Result<String> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    // The path to the bad field ("rumor.fanout: invalid type ...") tells the user what to fix.
    let mut scenario: Scenario =
        serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(&text))
            .with_context(|| format!("{} is not a valid scenario", path.display()))?;
    if let Some(seed) = seed {
        scenario.seed = seed;
    }
    let report = scenario.run().map_err(anyhow::Error::msg)?;
    Ok(serde_json::to_string_pretty(
        &serde_json::json!({ "scenario": scenario, "report": report }),
    )?)
}
