//! The headless `sim` command: reads a scenario (a file, a share link or its fragment), runs it
//! with gossip-core, returns JSON.

use std::path::Path;

use anyhow::Context;
use gossip_core::scenario::Scenario;
use gossip_core::share_link;

/// Reads a scenario from a JSON file, or decodes it from a share link or fragment.
pub fn load_scenario(source: &str) -> anyhow::Result<Scenario> {
    let path = Path::new(source);
    if path.is_file() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        // The path to the bad field ("rumor.fanout: invalid type ...") tells the user what to fix.
        let scenario: Scenario =
            serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(&text))
                .with_context(|| format!("{} is not a valid scenario", path.display()))?;
        scenario
            .validate()
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("{} is not a valid scenario", path.display()))?;
        return Ok(scenario);
    }
    if source.contains(share_link::LINK_VERSION) || source.contains('#') {
        return share_link::decode(source).map_err(anyhow::Error::msg);
    }
    anyhow::bail!("{source} is neither a scenario file nor a share link")
}

/// Runs the scenario from `source`, with an optional seed override; returns the report as JSON.
pub fn run(source: &str, seed: Option<u64>) -> anyhow::Result<String> {
    let mut scenario = load_scenario(source)?;
    if let Some(seed) = seed {
        scenario.seed = seed;
    }
    let report = scenario.run().map_err(anyhow::Error::msg)?;
    Ok(serde_json::to_string_pretty(
        &serde_json::json!({ "scenario": scenario, "report": report }),
    )?)
}
