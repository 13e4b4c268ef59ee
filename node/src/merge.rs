//! The `merge` command: shard files of one `sim` or `sweep` (written with `--shard I/N`, on one
//! machine or many) combined into exactly the output the command gives unsharded. Every shard
//! must come from the same command, and together they must hold every run once.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::batch::{SHARD_FORMAT, ShardFile, ShardRun};
use crate::{sim, sweep};

/// Reads one shard file.
fn read(path: &Path) -> anyhow::Result<ShardFile> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let shard: ShardFile = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a shard file", path.display()))?;
    anyhow::ensure!(
        shard.gossiplab_shard == SHARD_FORMAT,
        "{} is shard format {}; this build reads {SHARD_FORMAT}",
        path.display(),
        shard.gossiplab_shard
    );
    Ok(shard)
}

/// The output of the command the shards in `paths` split, as its text.
pub fn merge(paths: &[PathBuf]) -> anyhow::Result<String> {
    let (first, rest) = paths.split_first().context("merge needs shard files")?;
    let head = read(first)?;
    let mut seen = vec![None::<&Path>; head.shard.count];
    let mut runs: Vec<ShardRun> = Vec::with_capacity(head.total_runs);
    for shard in std::iter::once(Ok((first, head.clone()))).chain(
        rest.iter()
            .map(|path| read(path).map(|shard| (path, shard))),
    ) {
        let (path, shard) = shard?;
        anyhow::ensure!(
            shard.command == head.command
                && shard.shard.count == head.shard.count
                && shard.total_runs == head.total_runs,
            "{} is a shard of another command than {} (its scenario, values, runs or shard count \
             differ)",
            path.display(),
            first.display()
        );
        if let Some(earlier) = seen[shard.shard.index].replace(path) {
            anyhow::bail!(
                "{} and {} are both shard {}/{}",
                earlier.display(),
                path.display(),
                shard.shard.index,
                shard.shard.count
            );
        }
        anyhow::ensure!(
            shard
                .runs
                .iter()
                .all(|run| run.index % shard.shard.count == shard.shard.index),
            "{} holds runs of another shard",
            path.display()
        );
        runs.extend(shard.runs);
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, path)| path.is_none())
        .map(|(index, _)| format!("{index}/{}", head.shard.count))
        .collect();
    anyhow::ensure!(missing.is_empty(), "shards missing: {}", missing.join(", "));
    runs.sort_by_key(|run| run.index);
    anyhow::ensure!(
        runs.len() == head.total_runs && runs.iter().enumerate().all(|(i, run)| run.index == i),
        "the shards hold {} runs where the command has {}",
        runs.len(),
        head.total_runs
    );
    match head.command["command"].as_str() {
        Some("sim") => sim::merge(&head.command, runs),
        Some("sweep") => sweep::merge(&head.command, &runs),
        other => anyhow::bail!(
            "{} is a shard of an unknown command {other:?}",
            first.display()
        ),
    }
}

/// The `merge` command: merges and writes to `out` or standard output.
pub fn command(paths: &[PathBuf], out: Option<&Path>) -> anyhow::Result<()> {
    sim::write_output(&merge(paths)?, out)
}
