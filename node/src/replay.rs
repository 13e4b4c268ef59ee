//! `gossip-node replay RECORDING...`: merges live peers' recordings (`gossip-node peer --record`)
//! into the cluster scenario that replays them, runs it over several seeds and prints every
//! figure recorded vs simulated with the difference: each write's spread, each crash's first
//! suspicion and declared-dead times, each peer's messages and bytes per second.
//!
//! What if: `--set swim.protocol_period=500` (repeatable) changes the scenario before it runs;
//! `--write-scenario FILE` saves the merged scenario to edit by hand, and `--scenario FILE` runs
//! an edited one against the same recordings. The merge and the comparison are
//! [`gossip_sim::recording`]'s, which the playground shares.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use gossip_sim::recording::{self, Comparison, Recording};

use crate::sim::load_scenario;

/// What `replay` was asked.
#[derive(Clone, Debug)]
pub struct ReplayOptions {
    /// Seed of the first run.
    pub seed: u64,
    /// Runs, seeds `seed` onward.
    pub runs: u32,
    /// `PATH=VALUE` settings applied to the merged (or given) scenario, in order.
    pub settings: Vec<String>,
    /// Run this scenario instead of the merged one.
    pub scenario: Option<String>,
    /// Write the merged scenario (after the settings) here.
    pub write_scenario: Option<PathBuf>,
    /// How to print the comparison.
    pub format: ReplayFormat,
    /// Write the output here instead of standard output.
    pub out: Option<PathBuf>,
}

/// Reads a recording file.
pub fn read_recording(path: &Path) -> anyhow::Result<Recording> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(Recording::parse(&path.display().to_string(), &text)?)
}

/// Merges, runs and compares; the comparison.
pub fn replay(paths: &[PathBuf], options: &ReplayOptions) -> anyhow::Result<Comparison> {
    let recordings = paths
        .iter()
        .map(|path| read_recording(path))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut merged = recording::merge(&recordings, options.seed)?;
    if let Some(source) = &options.scenario {
        let mut scenario = load_scenario(source)?;
        scenario.seed = options.seed;
        merged.scenario = scenario;
    }
    for setting in &options.settings {
        merged.scenario = recording::apply_setting(&merged.scenario, setting)
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("--set {setting}"))?;
    }
    if let Some(path) = &options.write_scenario {
        let json = serde_json::to_string_pretty(&merged.scenario)?;
        std::fs::write(path, json + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    recording::compare(merged, options.runs).map_err(anyhow::Error::msg)
}

/// Output formats of `replay`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReplayFormat {
    /// Who is who, the fit, then a row per figure: recorded, simulated (mean, min-max), difference.
    Table,
    /// The whole comparison: the merged recording (scenario, peers, fit, recorded figures) and
    /// every row.
    Json,
    /// The rows only.
    Csv,
}

/// The comparison in `format`.
pub fn render(comparison: &Comparison, format: ReplayFormat) -> anyhow::Result<String> {
    Ok(match format {
        ReplayFormat::Table => comparison.to_string(),
        ReplayFormat::Json => serde_json::to_string_pretty(comparison)? + "\n",
        ReplayFormat::Csv => {
            let mut csv = String::from(
                "figure,of,unit,recorded,simulated_mean,simulated_min,simulated_max,\
                 simulated_runs,difference\n",
            );
            let cell = |value: Option<f64>| value.map_or(String::new(), |v| v.to_string());
            for row in &comparison.rows {
                let simulated = row.simulated;
                csv.push_str(&format!(
                    "{},\"{}\",{},{},{},{},{},{},{}\n",
                    row.figure,
                    row.subject,
                    row.unit,
                    cell(row.recorded),
                    cell(simulated.map(|s| s.mean)),
                    cell(simulated.map(|s| s.min)),
                    cell(simulated.map(|s| s.max)),
                    simulated.map_or(0, |s| s.runs),
                    cell(row.difference),
                ));
            }
            csv
        }
    })
}

/// The `replay` command.
pub fn command(paths: &[PathBuf], options: &ReplayOptions) -> anyhow::Result<()> {
    let text = render(&replay(paths, options)?, options.format)?;
    match &options.out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
        }
        None => Ok(std::io::stdout().lock().write_all(text.as_bytes())?),
    }
}
