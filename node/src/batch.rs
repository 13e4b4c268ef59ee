//! What `sim` and `sweep` share: runs numbered `0..total`, a deterministic slice of them
//! (`--shard I/N`: the runs whose number is I modulo N, so every shard gets large and small
//! values alike), spread over every core within the memory the machine has (each run's peak
//! estimated first by [`gossip_sim::budget`]), with progress on standard error; and the shard
//! file that `merge` reads back.

use std::io::{IsTerminal, Write};
use std::str::FromStr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use gossip_sim::budget::{self, Estimate, LimitSource, Limits};
use gossip_sim::error::SimError;
use gossip_sim::scenario::{Outcome, Summary};
use serde::{Deserialize, Serialize};

/// A slice of the runs: those whose number is `index` modulo `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This shard, from 0.
    pub index: usize,
    /// How many shards the runs are split into.
    pub count: usize,
}

impl Shard {
    /// Every run: the one shard of one.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// The runs of `0..total` this shard takes, ascending.
    pub fn runs(&self, total: usize) -> Vec<usize> {
        (self.index..total).step_by(self.count).collect()
    }
}

impl FromStr for Shard {
    type Err = String;

    /// `I/N`, with I from 0 to N - 1 (a Slurm array index or a Kubernetes completion index).
    fn from_str(text: &str) -> Result<Shard, String> {
        let problem = || format!("--shard takes I/N with 0 <= I < N (like 3/8), got `{text}`");
        let (index, count) = text.split_once('/').ok_or_else(problem)?;
        let index: usize = index.trim().parse().map_err(|_| problem())?;
        let count: usize = count.trim().parse().map_err(|_| problem())?;
        if count == 0 || index >= count {
            return Err(problem());
        }
        Ok(Shard { index, count })
    }
}

/// `4G`, `512M`, `64K` or plain bytes (binary units), for `--memory-limit`.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size like 4G, 512M or 1000000"))?;
    let scale = match unit
        .trim()
        .to_ascii_uppercase()
        .trim_end_matches(['B', 'I'])
    {
        "" => 1u64,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => return Err(format!("`{text}`: the unit is one of K, M, G, T")),
    };
    Ok((number * scale as f64) as u64)
}

/// The memory this process may use: /proc/meminfo's `MemAvailable`, or the cgroup's
/// `memory.max` less what the cgroup uses if that is lower (a Slurm job or a Kubernetes pod).
pub fn available_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let available = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemAvailable:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })?
        * 1024;
    let read = |name: &str| -> Option<u64> {
        std::fs::read_to_string(format!("/sys/fs/cgroup/{name}"))
            .ok()?
            .trim()
            .parse()
            .ok()
    };
    let cgroup = match (read("memory.max"), read("memory.current")) {
        (Some(max), Some(current)) => Some(max.saturating_sub(current)),
        (Some(max), None) => Some(max),
        _ => None,
    };
    Some(cgroup.map_or(available, |cgroup| cgroup.min(available)))
}

/// The limits runs are checked against: `given` (`--memory-limit`), else the machine's
/// available memory, else only the address space.
pub fn host_limits(given: Option<u64>) -> Limits {
    match given {
        Some(bytes) => Limits {
            bytes,
            source: LimitSource::Given,
        },
        None => available_memory().map_or_else(Limits::address_space, Limits::machine),
    }
}

/// The cores this process may use: Slurm's `SLURM_CPUS_PER_TASK` when set (a job step without
/// CPU binding sees every core of the node), else what the OS reports for this process.
pub fn cores() -> usize {
    std::env::var("SLURM_CPUS_PER_TASK")
        .ok()
        .and_then(|cpus| cpus.trim().parse::<usize>().ok())
        .filter(|&cpus| cpus > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// How many of `runs` runs of `estimate` to run at once on `cores` cores within `limits`; an
/// error naming the estimate and the limit if even one does not fit.
pub fn threads_within(
    estimate: &Estimate,
    nodes: u32,
    runs: usize,
    cores: usize,
    limits: &Limits,
) -> Result<usize, SimError> {
    budget::check(estimate, nodes, limits)?;
    let fitting = (limits.bytes / estimate.bytes.max(1)).max(1) as usize;
    Ok(cores.min(fitting).min(runs).max(1))
}

/// The line said on standard error before the runs start.
pub fn plan_line(estimate: &Estimate, runs: usize, threads: usize) -> String {
    let waves = runs.div_ceil(threads.max(1)) as f64;
    let plural = |count: usize, word: &str| match count {
        1 => format!("1 {word}"),
        _ => format!("{count} {word}s"),
    };
    format!(
        "estimate: {} peak and about {} per run on the reference machine; {} on {}, about {} in \
         all",
        budget::bytes_text(estimate.bytes),
        budget::seconds_text(estimate.seconds_on_reference),
        plural(runs, "run"),
        plural(threads, "thread"),
        budget::seconds_text(estimate.seconds_on_reference * waves),
    )
}

/// How progress is shown on standard error: a bar on a terminal, a line every tenth otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Nothing.
    Quiet,
    /// A bar redrawn in place.
    Bar,
    /// A line at every tenth of the runs (for logs: Slurm, Kubernetes).
    Lines,
}

impl Progress {
    /// A bar on a terminal, lines in a log; nothing for a single run.
    pub fn for_stderr(runs: usize) -> Progress {
        if runs <= 1 {
            Progress::Quiet
        } else if std::io::stderr().is_terminal() {
            Progress::Bar
        } else {
            Progress::Lines
        }
    }

    fn show(self, finished: usize, total: usize) {
        const WIDTH: usize = 30;
        let mut stderr = std::io::stderr().lock();
        match self {
            Progress::Quiet => {}
            Progress::Bar => {
                let filled = finished * WIDTH / total;
                let _ = write!(
                    stderr,
                    "\r[{}{}] {finished}/{total} runs",
                    "#".repeat(filled),
                    ".".repeat(WIDTH - filled)
                );
                let _ = stderr.flush();
            }
            Progress::Lines => {
                let tenth = (finished * 10 / total, (finished - 1) * 10 / total);
                if finished == total || tenth.0 != tenth.1 {
                    let _ = writeln!(stderr, "{finished}/{total} runs done");
                }
            }
        }
    }

    fn end(self) {
        if self == Progress::Bar {
            eprintln!();
        }
    }
}

/// Runs `run(i)` for every `i` of `indices` on `threads` threads; the results come back in the
/// order of `indices` whatever the scheduling. The first error stops the runs not yet started.
pub fn run_all<T: Send>(
    indices: &[usize],
    threads: usize,
    progress: Progress,
    run: impl Fn(usize) -> Result<T, SimError> + Sync,
) -> Result<Vec<T>, SimError> {
    let results: Mutex<Vec<Option<T>>> = Mutex::new((0..indices.len()).map(|_| None).collect());
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let failure: Mutex<Option<SimError>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, indices.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let slot = next.fetch_add(1, Ordering::Relaxed);
                    if slot >= indices.len() || failure.lock().unwrap().is_some() {
                        break;
                    }
                    match run(indices[slot]) {
                        Ok(result) => results.lock().unwrap()[slot] = Some(result),
                        Err(error) => {
                            failure.lock().unwrap().get_or_insert(error);
                        }
                    }
                    let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                    progress.show(finished, indices.len());
                }
            });
        }
    });
    progress.end();
    if let Some(error) = failure.into_inner().unwrap() {
        return Err(error);
    }
    Ok(results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|result| result.expect("every run finished"))
        .collect())
}

/// The format of shard files this build writes and reads.
pub const SHARD_FORMAT: u32 = 1;

/// One run in a shard file: its number among all the runs, its figures, and its whole outcome
/// when the command keeps it (a single run).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardRun {
    /// The run's number, `0..total`.
    pub index: usize,
    /// Its figures.
    pub summary: Summary,
    /// Its whole outcome, for a `sim` of one run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
}

/// What a sharded `sim` or `sweep` writes: the command as given (so `merge` checks that every
/// shard ran the same one and can print its output), which shard, and its runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardFile {
    /// [`SHARD_FORMAT`].
    pub gossiplab_shard: u32,
    /// The command and everything that decides its output.
    pub command: serde_json::Value,
    /// Which slice this is.
    pub shard: Shard,
    /// Runs of the whole command.
    pub total_runs: usize,
    /// This shard's runs, ascending by index.
    pub runs: Vec<ShardRun>,
}

impl ShardFile {
    /// The file as JSON text (one line per run keeps large files diffable and streamable).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a shard serialises to JSON") + "\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_the_runs_round_robin_and_cover_them_once() {
        let shard: Shard = "1/3".parse().unwrap();
        assert_eq!(shard, Shard { index: 1, count: 3 });
        assert_eq!(shard.runs(8), [1, 4, 7]);
        let mut all: Vec<usize> = (0..3)
            .flat_map(|index| Shard { index, count: 3 }.runs(8))
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..8).collect::<Vec<_>>());
        assert_eq!(Shard::ALL.runs(3), [0, 1, 2]);
        for bad in ["3/3", "1", "a/2", "0/0", "-1/2"] {
            let error = bad.parse::<Shard>().unwrap_err();
            assert!(error.contains(bad), "{error}");
        }
    }

    #[test]
    fn sizes_read_in_binary_units() {
        assert_eq!(parse_bytes("4G"), Ok(4 << 30));
        assert_eq!(parse_bytes("512MiB"), Ok(512 << 20));
        assert_eq!(parse_bytes("1.5k"), Ok(1536));
        assert_eq!(parse_bytes("1000"), Ok(1000));
        assert!(parse_bytes("4X").unwrap_err().contains("unit"));
        assert!(parse_bytes("lots").is_err());
    }

    #[test]
    fn threads_stay_within_the_memory_and_one_too_large_run_is_refused() {
        let estimate = Estimate {
            engine: budget::Engine::Events,
            bytes: 3 << 30,
            steps: 1,
            seconds_on_reference: 1.0,
        };
        let limits = Limits::machine(10 << 30);
        assert_eq!(threads_within(&estimate, 5_000, 20, 8, &limits), Ok(3));
        assert_eq!(threads_within(&estimate, 5_000, 2, 8, &limits), Ok(2));
        let error = threads_within(&estimate, 5_000, 20, 8, &Limits::machine(2 << 30)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "a run of 5000 nodes would need about 3.00 GiB of memory (estimated before the run), \
             more than the 2.00 GiB memory available on this machine; try fewer nodes"
        );
        assert!(available_memory().is_some_and(|bytes| bytes > 0));
    }

    #[test]
    fn results_come_back_in_order_and_an_error_stops_the_rest() {
        let squares = run_all(&[5, 1, 3], 3, Progress::Quiet, |i| Ok(i * i)).unwrap();
        assert_eq!(squares, [25, 1, 9]);
        let failed = run_all(&[1, 2, 3], 2, Progress::Quiet, |i| {
            if i == 2 {
                Err(SimError::Refused("two".into()))
            } else {
                Ok(i)
            }
        });
        assert_eq!(failed, Err(SimError::Refused("two".into())));
    }
}
