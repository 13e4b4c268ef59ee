//! The `sweep` command: the playground's sweep from the command line. One or more knobs over
//! values (lists, ranges, ranges that multiply), every combination run with the same consecutive
//! seeds on every core, and per combination the statistics of every figure, as JSON or CSV. With
//! one knob the output is the playground's own table ([`gossip_sim::sweep::SweepTable`], the
//! same numbers and the same files as its downloads); with several, a column per knob
//! ([`gossip_sim::sweep::GridTable`]).

use anyhow::Context;
use gossip_sim::budget;
use gossip_sim::scenario::Summary;
use gossip_sim::sweep::{Axis, Grid, Knob, MAX_GRID_VALUES, Spacing, steps_at_most};

use crate::batch::{self, Progress, Shard, ShardFile, ShardRun};
use crate::sim::{BatchOptions, Format, write_output};

/// One `--vary` argument: `KNOB=VALUES`, where VALUES is a list (`1,2,3`), a range stepped by
/// one (`1..6`), a range with a step (`0..50 step 10`, or `0..50:10`) or a range that
/// multiplies (`10..100000 log 10`, or `10..100000*10`).
pub fn parse_axis(text: &str) -> Result<Axis, String> {
    let (name, values) = text
        .split_once('=')
        .ok_or_else(|| format!("--vary takes KNOB=VALUES (like fanout=1..6), got `{text}`"))?;
    let knob = Knob::ALL
        .into_iter()
        .find(|knob| knob.name() == name.trim())
        .ok_or_else(|| {
            let names: Vec<&str> = Knob::ALL.iter().map(|knob| knob.name()).collect();
            format!("unknown knob `{name}`: one of {}", names.join(", "))
        })?;
    Ok(Axis {
        knob,
        values: parse_values(values.trim())?,
    })
}

fn parse_values(text: &str) -> Result<Vec<f64>, String> {
    let number = |part: &str| {
        part.trim()
            .parse::<f64>()
            .map_err(|_| format!("`{}` is not a number (in `{text}`)", part.trim()))
    };
    let Some((from, rest)) = text.split_once("..") else {
        return text.split(',').map(number).collect();
    };
    let (to, step, spacing) = if let Some((to, step)) = rest.split_once(" step ") {
        (to, step, Spacing::Linear)
    } else if let Some((to, step)) = rest.split_once(':') {
        (to, step, Spacing::Linear)
    } else if let Some((to, factor)) = rest.split_once(" log ") {
        (to, factor, Spacing::Geometric)
    } else if let Some((to, factor)) = rest.split_once('*') {
        (to, factor, Spacing::Geometric)
    } else {
        (rest, "1", Spacing::Linear)
    };
    steps_at_most(
        number(from)?,
        number(to)?,
        number(step)?,
        spacing,
        MAX_GRID_VALUES,
    )
    .map_err(|error| format!("`{text}`: {error}"))
}

/// What the `sweep` command was asked.
#[derive(Clone, Debug, clap::Args)]
pub struct SweepOptions {
    /// KNOB=VALUES, repeatable (every combination runs): fanout, loss_percent or nodes over a
    /// list (1,2,3), a range (1..6), a stepped range (0..50 step 10, or 0..50:10) or a
    /// multiplying one (10..100000 log 10, or 10..100000*10). The first varies slowest.
    #[arg(long = "vary", required = true, value_parser = parse_axis)]
    pub axes: Vec<Axis>,
    /// Runs per combination, with seeds seed, seed+1, ...
    #[arg(long, default_value_t = 10)]
    pub seeds: u32,
    /// The base scenario, seed, output and limits.
    #[command(flatten)]
    pub batch: BatchOptions,
}

/// The sweep a command line describes, checked.
pub fn grid(options: &SweepOptions) -> anyhow::Result<Grid> {
    let base = options.batch.load()?;
    let grid = Grid {
        base,
        axes: options.axes.clone(),
        seeds_per_point: options.seeds,
    };
    grid.validate().map_err(anyhow::Error::msg)?;
    Ok(grid)
}

/// Runs `shard` of `grid`'s runs on `threads` threads: each run's figures, ascending by run.
pub fn run_shard(
    grid: &Grid,
    shard: Shard,
    threads: usize,
    progress: Progress,
) -> anyhow::Result<Vec<ShardRun>> {
    let indices = shard.runs(grid.runs());
    let records = batch::run_all(&indices, threads, progress, |index| {
        let summary = grid.run_scenario(index).run_any()?.summary();
        Ok(ShardRun {
            index,
            summary,
            outcome: None,
        })
    })
    .map_err(|error| anyhow::anyhow!(error))?;
    Ok(records)
}

/// The table of `grid` from every run's figures (ascending by run), in `format`: the playground's
/// table for one knob, a column per knob for several.
pub fn render(grid: &Grid, records: &[ShardRun], format: Format) -> String {
    let seeds = grid.seeds_per_point as usize;
    let mut summaries: Vec<Vec<Summary>> = vec![Vec::with_capacity(seeds); grid.points()];
    for record in records {
        summaries[record.index / seeds].push(record.summary);
    }
    match (grid.as_sweep(), format) {
        (Some(sweep), Format::Json) => sweep.table(&summaries).to_json(),
        (Some(sweep), Format::Csv) => sweep.table(&summaries).to_csv(),
        (None, Format::Json) => grid.table(&summaries).to_json(),
        (None, Format::Csv) => grid.table(&summaries).to_csv(),
    }
}

/// The `sweep` command: checks, estimates (the largest combination's run decides how many run
/// at once), runs, and writes the table, or with a shard that slice's runs for `merge`.
pub fn command(options: &SweepOptions) -> anyhow::Result<()> {
    let grid = grid(options)?;
    let shard = options.batch.shard.unwrap_or(Shard::ALL);
    let mine = shard.runs(grid.runs()).len();
    let (nodes, estimate) = (0..grid.points())
        .map(|point| {
            let scenario = grid.scenario(point);
            (scenario.nodes, budget::estimate(&scenario))
        })
        .max_by_key(|(_, estimate)| estimate.bytes)
        .context("a sweep has at least one combination")?;
    let cores = batch::cores();
    let limits = batch::host_limits(options.batch.memory_limit);
    let threads = batch::threads_within(&estimate, nodes, mine, cores, &limits)?;
    eprintln!(
        "{} combinations x {} seeds; the largest run's {}",
        grid.points(),
        grid.seeds_per_point,
        batch::plan_line(&estimate, mine, threads)
    );
    let records = run_shard(&grid, shard, threads, Progress::for_stderr(mine))?;
    let text = match options.batch.shard {
        Some(shard) => ShardFile {
            gossiplab_shard: batch::SHARD_FORMAT,
            command: serde_json::json!({
                "command": "sweep",
                "grid": grid,
                "format": options.batch.format.name(),
            }),
            shard,
            total_runs: grid.runs(),
            runs: records,
        }
        .to_json(),
        None => render(&grid, &records, options.batch.format),
    };
    write_output(&text, options.batch.out.as_deref())
}

/// The merged output of `sweep` shards recorded with `command`.
pub fn merge(command: &serde_json::Value, records: &[ShardRun]) -> anyhow::Result<String> {
    let grid: Grid = serde_json::from_value(command["grid"].clone())?;
    let format = Format::named(command["format"].as_str().unwrap_or_default())?;
    Ok(render(&grid, records, format))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_lists_ranges_and_multiplying_ranges() {
        let values = |text: &str| parse_axis(&format!("fanout={text}")).map(|axis| axis.values);
        assert_eq!(values("1,2,5"), Ok(vec![1.0, 2.0, 5.0]));
        assert_eq!(values("1..4"), Ok(vec![1.0, 2.0, 3.0, 4.0]));
        assert_eq!(values("0..50 step 25"), Ok(vec![0.0, 25.0, 50.0]));
        assert_eq!(values("0..0.3:0.1"), Ok(vec![0.0, 0.1, 0.2, 0.3]));
        assert_eq!(values("10..1000 log 10"), Ok(vec![10.0, 100.0, 1000.0]));
        assert_eq!(values("1..8*2"), Ok(vec![1.0, 2.0, 4.0, 8.0]));
        assert!(values("1,x").unwrap_err().contains("`x` is not a number"));
        assert!(values("5..1").unwrap_err().contains("must not be above"));
        assert_eq!(
            parse_axis("loss_percent=0,10").unwrap().knob,
            Knob::LossPercent
        );
        let unknown = parse_axis("speed=1").unwrap_err();
        assert!(unknown.contains("fanout, loss_percent, nodes"), "{unknown}");
        assert!(parse_axis("fanout").unwrap_err().contains("KNOB=VALUES"));
    }
}
