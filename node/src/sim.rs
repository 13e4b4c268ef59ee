//! The headless `sim` command: reads a scenario (a file, a share link or its fragment), estimates
//! a run's memory and time and refuses one past the machine's memory, runs it with gossip-core
//! once or many times with consecutive seeds (on every core that memory allows), and reports the
//! per-run metrics and their aggregate as JSON or CSV; or, with a shard, that slice of the runs
//! for `merge`.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use gossip_sim::budget;
use gossip_sim::events::EventReport;
use gossip_sim::metrics::{Aggregate, Figure, RoundMetrics};
use gossip_sim::scenario::{Outcome, Scenario, Summary};
use gossip_sim::share_link;
use gossip_sim::systems::SystemReport;
use serde::Serialize;

use crate::batch::{self, Progress, Shard, ShardFile, ShardRun};

/// Reads a scenario from a JSON file, or decodes it from a share link or fragment.
pub fn load_scenario(source: &str) -> anyhow::Result<Scenario> {
    let path = Path::new(source);
    if path.is_file() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        // A newer scenario is refused for its version, named, before its fields are parsed.
        gossip_sim::scenario::check_format_version(text.as_bytes())
            .map_err(anyhow::Error::msg)
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

/// Output formats of the `sim` and `sweep` commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The whole output, pretty-printed JSON.
    Json,
    /// A table: for `sim`, one row of figures per run, then the aggregates ([`to_csv`]).
    Csv,
}

impl Format {
    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
        }
    }

    /// The format of that name.
    pub fn named(name: &str) -> anyhow::Result<Format> {
        match name {
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            _ => anyhow::bail!("unknown output format `{name}`"),
        }
    }
}

/// One run's seed and figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunRecord {
    /// The seed the run used.
    pub seed: u64,
    /// The run's figures.
    pub summary: Summary,
}

/// Everything one `sim` invocation produced.
#[derive(Clone, Debug, Serialize)]
pub struct SimOutput {
    /// The scenario as run; its seed is the first run's.
    pub scenario: Scenario,
    /// Every run, in seed order.
    pub runs: Vec<RunRecord>,
    /// Each figure's statistics over the runs that have it, by name (one no run has is left out).
    pub aggregate: std::collections::BTreeMap<&'static str, Aggregate>,
    /// Counts per round, for a single rumor run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_round: Option<Vec<RoundMetrics>>,
    /// Samples per time step, crashes and writes, for a single cluster run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<EventReport>,
    /// Lines over time and traffic, for a single run of a system model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<SystemReport>,
}

/// Runs `scenario` `runs` times with seeds `seed, seed + 1, ...` on `threads` threads. Results
/// are in seed order whatever the scheduling, so the output is deterministic.
pub fn run_many(
    scenario: &Scenario,
    runs: usize,
    threads: usize,
    progress: Progress,
) -> anyhow::Result<SimOutput> {
    anyhow::ensure!(runs >= 1, "--runs must be at least 1");
    scenario.validate().map_err(anyhow::Error::msg)?;
    let records = run_shard(scenario, runs, Shard::ALL, threads, progress)?;
    Ok(assemble(scenario, runs, records))
}

/// The runs of `shard` among `runs` runs of `scenario`, ascending by index.
fn run_shard(
    scenario: &Scenario,
    runs: usize,
    shard: Shard,
    threads: usize,
    progress: Progress,
) -> anyhow::Result<Vec<ShardRun>> {
    let indices = shard.runs(runs);
    let records = batch::run_all(&indices, threads, progress, |index| {
        let outcome = seeded(scenario, index).run_any()?;
        Ok(ShardRun {
            index,
            summary: outcome.summary(),
            // Only a single run keeps its details for the output.
            outcome: (runs == 1).then_some(outcome),
        })
    })?;
    Ok(records)
}

fn seeded(scenario: &Scenario, index: usize) -> Scenario {
    Scenario {
        seed: scenario.seed.wrapping_add(index as u64),
        ..scenario.clone()
    }
}

/// The output of `runs` runs of `scenario` from all of their records (in index order), however
/// they were run: at once, or in shards merged afterwards.
pub fn assemble(scenario: &Scenario, runs: usize, records: Vec<ShardRun>) -> SimOutput {
    let (mut per_round, mut events, mut system) = (None, None, None);
    let mut kept = Vec::with_capacity(runs);
    for record in records {
        match record.outcome {
            Some(Outcome::Rumor(report)) if runs == 1 => per_round = Some(report.rounds),
            Some(Outcome::Cluster(report)) if runs == 1 => events = Some(report),
            Some(Outcome::System(report)) if runs == 1 => system = Some(report),
            _ => {}
        }
        kept.push(RunRecord {
            seed: scenario.seed.wrapping_add(record.index as u64),
            summary: record.summary,
        });
    }
    let figures: Vec<Vec<Figure>> = kept.iter().map(|r| r.summary.figures()).collect();
    let aggregate = Aggregate::of_figures(&figures)
        .into_iter()
        .filter_map(|(name, aggregate)| Some((name, aggregate?)))
        .collect();
    SimOutput {
        scenario: scenario.clone(),
        runs: kept,
        aggregate,
        per_round,
        events,
        system,
    }
}

/// The output as text in `format`.
pub fn render(output: &SimOutput, format: Format) -> anyhow::Result<String> {
    Ok(match format {
        Format::Json => serde_json::to_string_pretty(output)? + "\n",
        Format::Csv => to_csv(output),
    })
}

/// The names of the per-run figures, the same for every run of one scenario.
fn metric_names(records: &[RunRecord]) -> Vec<&'static str> {
    records.first().map_or(Vec::new(), |record| {
        record
            .summary
            .figures()
            .iter()
            .map(|(name, _)| *name)
            .collect()
    })
}

/// The output as CSV: one row per run, then one row per aggregate statistic.
pub fn to_csv(output: &SimOutput) -> String {
    let names = metric_names(&output.runs);
    let mut csv = format!("run,seed,{}\n", names.join(","));
    for (index, record) in output.runs.iter().enumerate() {
        let values: Vec<String> = record
            .summary
            .figures()
            .iter()
            .map(|(_, value)| value.map_or(String::new(), |v| v.to_string()))
            .collect();
        csv += &format!("{index},{},{}\n", record.seed, values.join(","));
    }
    for (label, pick) in [
        ("mean", (|a: &Aggregate| a.mean) as fn(&Aggregate) -> f64),
        ("sd", |a| a.sd),
        ("min", |a| a.min),
        ("max", |a| a.max),
    ] {
        let values: Vec<String> = names
            .iter()
            .map(|name| {
                output
                    .aggregate
                    .get(name)
                    .map_or(String::new(), |a| pick(a).to_string())
            })
            .collect();
        csv += &format!("{label},,{}\n", values.join(","));
    }
    csv
}

/// What `sim` and `sweep` both take (on the command line too): the scenario, the seed, where
/// the output goes and how the work is split and bounded.
#[derive(Clone, Debug, clap::Args)]
pub struct BatchOptions {
    /// A scenario file (JSON), a share link, or a link's fragment (`sweep`: the base).
    pub scenario: String,
    /// Override the scenario's seed: the first run's (`sweep`: every combination's first).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output format (`sweep`: the playground's sweep table as JSON or CSV).
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
    /// Write the output to this file instead of standard output.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// Run only shard I of N (the runs whose number is I modulo N) and write them as a shard
    /// file for `merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// The memory a run may use (like 4G), instead of the machine's available memory.
    #[arg(long, value_name = "SIZE", value_parser = batch::parse_bytes)]
    pub memory_limit: Option<u64>,
}

impl BatchOptions {
    /// The scenario, with the seed given on the command line if any.
    pub fn load(&self) -> anyhow::Result<Scenario> {
        let mut scenario = load_scenario(&self.scenario)?;
        if let Some(seed) = self.seed {
            scenario.seed = seed;
        }
        Ok(scenario)
    }
}

/// What the `sim` command was asked.
#[derive(Clone, Debug, clap::Args)]
pub struct SimOptions {
    /// Number of runs, with seeds seed, seed+1, ...; spread over every core.
    #[arg(long, default_value_t = 1)]
    pub runs: usize,
    /// The scenario, seed, output and limits.
    #[command(flatten)]
    pub batch: BatchOptions,
}

/// The `sim` command: loads, estimates, runs, formats, and writes to `out` or standard output.
/// With a shard, it writes that shard's runs for `merge` instead.
pub fn command(options: &SimOptions) -> anyhow::Result<()> {
    let scenario = options.batch.load()?;
    anyhow::ensure!(options.runs >= 1, "--runs must be at least 1");
    let shard = options.batch.shard.unwrap_or(Shard::ALL);
    let mine = shard.runs(options.runs).len();
    let estimate = budget::estimate(&scenario);
    let cores = batch::cores();
    let limits = batch::host_limits(options.batch.memory_limit);
    let threads = batch::threads_within(&estimate, scenario.nodes, mine, cores, &limits)?;
    eprintln!("{}", batch::plan_line(&estimate, mine, threads));
    let records = run_shard(
        &scenario,
        options.runs,
        shard,
        threads,
        Progress::for_stderr(mine),
    )?;
    let text = match options.batch.shard {
        Some(shard) => ShardFile {
            gossiplab_shard: batch::SHARD_FORMAT,
            command: shard_command(&scenario, options.runs, options.batch.format),
            shard,
            total_runs: options.runs,
            runs: records,
        }
        .to_json(),
        None => render(
            &assemble(&scenario, options.runs, records),
            options.batch.format,
        )?,
    };
    write_output(&text, options.batch.out.as_deref())
}

/// What a `sim` shard file records of its command, for `merge`.
fn shard_command(scenario: &Scenario, runs: usize, format: Format) -> serde_json::Value {
    serde_json::json!({
        "command": "sim",
        "scenario": scenario,
        "runs": runs,
        "format": format.name(),
    })
}

/// The merged output of `sim` shards recorded with `command` (the scenario, runs and format).
pub fn merge(command: &serde_json::Value, records: Vec<ShardRun>) -> anyhow::Result<String> {
    let scenario: Scenario = serde_json::from_value(command["scenario"].clone())?;
    let runs = command["runs"]
        .as_u64()
        .context("a sim shard names its runs")? as usize;
    let format = Format::named(command["format"].as_str().unwrap_or_default())?;
    render(&assemble(&scenario, runs, records), format)
}

/// Writes `text` to `out`, or to standard output.
pub fn write_output(text: &str, out: Option<&Path>) -> anyhow::Result<()> {
    match out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
        }
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .context("cannot write to standard output"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_runs_are_the_same_whatever_the_thread_count() {
        let scenario = Scenario {
            nodes: 200,
            ..Scenario::default()
        };
        let one = run_many(&scenario, 6, 1, Progress::Quiet).unwrap();
        let three = run_many(&scenario, 6, 3, Progress::Quiet).unwrap();
        assert_eq!(one.runs, three.runs);
        for (index, record) in one.runs.iter().enumerate() {
            let alone = Scenario {
                seed: scenario.seed + index as u64,
                ..scenario.clone()
            }
            .run()
            .unwrap();
            assert_eq!(record.summary, Summary::Rumor(alone.summary));
        }
        let residues: Vec<f64> = one
            .runs
            .iter()
            .map(|record| {
                let Summary::Rumor(summary) = record.summary else {
                    unreachable!("a rumor scenario");
                };
                summary.residue
            })
            .collect();
        assert_eq!(one.aggregate["residue"], Aggregate::of(&residues).unwrap());
    }
}
