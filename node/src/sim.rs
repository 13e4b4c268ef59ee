//! The headless `sim` command: reads a scenario (a file, a share link or its fragment), runs it
//! with gossip-core once or many times with consecutive seeds (on every core), and reports the
//! per-run metrics and their aggregate as JSON or CSV.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;
use gossip_sim::error::SimError;
use gossip_sim::events::EventReport;
use gossip_sim::metrics::{Aggregate, Figure, RoundMetrics};
use gossip_sim::scenario::{Outcome, Scenario, Summary};
use gossip_sim::share_link;
use gossip_sim::systems::SystemReport;
use serde::Serialize;

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

/// Output formats of the `sim` command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The whole [`SimOutput`], pretty-printed JSON.
    Json,
    /// One row of figures per run, then the aggregates ([`to_csv`]).
    Csv,
}

/// One run's seed and figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunRecord {
    /// The seed the run used.
    pub seed: u64,
    /// The run's figures.
    pub summary: Summary,
}

/// A run's figures, and its whole outcome when there is a single run.
type RunResult = (Summary, Option<Outcome>);

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
    progress: bool,
) -> anyhow::Result<SimOutput> {
    anyhow::ensure!(runs >= 1, "--runs must be at least 1");
    scenario.validate().map_err(anyhow::Error::msg)?;
    let results: Mutex<Vec<Option<RunResult>>> = Mutex::new(vec![None; runs]);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let failure: Mutex<Option<SimError>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, runs) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= runs {
                        break;
                    }
                    let seeded = Scenario {
                        seed: scenario.seed.wrapping_add(index as u64),
                        ..scenario.clone()
                    };
                    match seeded.run_any() {
                        Ok(outcome) => {
                            // Only a single run keeps its details for the output.
                            let kept = (runs == 1).then(|| outcome.clone());
                            results.lock().unwrap()[index] = Some((outcome.summary(), kept));
                        }
                        Err(error) => *failure.lock().unwrap() = Some(error),
                    }
                    let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if progress {
                        draw_progress(finished, runs);
                    }
                }
            });
        }
    });
    if progress {
        eprintln!();
    }
    if let Some(error) = failure.into_inner().unwrap() {
        anyhow::bail!(error);
    }
    let (mut per_round, mut events, mut system) = (None, None, None);
    let mut records = Vec::with_capacity(runs);
    for (index, result) in results.into_inner().unwrap().into_iter().enumerate() {
        let (summary, kept) = result.expect("every run finished");
        match kept {
            Some(Outcome::Rumor(report)) => per_round = Some(report.rounds),
            Some(Outcome::Cluster(report)) => events = Some(report),
            Some(Outcome::System(report)) => system = Some(report),
            None => {}
        }
        records.push(RunRecord {
            seed: scenario.seed.wrapping_add(index as u64),
            summary,
        });
    }
    let figures: Vec<Vec<Figure>> = records.iter().map(|r| r.summary.figures()).collect();
    let aggregate = Aggregate::of_figures(&figures)
        .into_iter()
        .filter_map(|(name, aggregate)| Some((name, aggregate?)))
        .collect();
    Ok(SimOutput {
        scenario: scenario.clone(),
        runs: records,
        aggregate,
        per_round,
        events,
        system,
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

fn draw_progress(finished: usize, total: usize) {
    const WIDTH: usize = 30;
    let filled = finished * WIDTH / total;
    let mut stderr = std::io::stderr().lock();
    let _ = write!(
        stderr,
        "\r[{}{}] {finished}/{total} runs",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled)
    );
    let _ = stderr.flush();
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

/// The `sim` command: loads, runs, formats, and writes to `out` or standard output.
pub fn command(
    source: &str,
    runs: usize,
    seed: Option<u64>,
    format: Format,
    out: Option<&Path>,
) -> anyhow::Result<()> {
    let mut scenario = load_scenario(source)?;
    if let Some(seed) = seed {
        scenario.seed = seed;
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let progress = runs > 1 && std::io::stderr().is_terminal();
    let output = run_many(&scenario, runs, threads, progress)?;
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&output)? + "\n",
        Format::Csv => to_csv(&output),
    };
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
        let one = run_many(&scenario, 6, 1, false).unwrap();
        let three = run_many(&scenario, 6, 3, false).unwrap();
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
