//! A merged recording's scenario run (over several seeds), its figures set beside the recorded
//! ones with the difference, and "what if" overrides of the scenario (`swim.protocol_period=500`).

use core::fmt;

use serde::{Deserialize, Serialize};

use super::merge::{Departure, MergedRecording};
use crate::error::SimError;
use crate::events::{EventReport, EventSim};
use crate::scenario::{Protocol, Scenario};

/// Messages a replay's trace keeps per run to count each node's traffic; past it the trace
/// samples and the counts are scaled (see [`crate::trace`]).
const TRACE_CAP: usize = 2_000_000;

/// A simulated figure over the runs that gave one.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Simulated {
    /// Runs that gave a value (a write that never reached everyone gives none).
    pub runs: usize,
    /// The mean over those runs.
    pub mean: f64,
    /// The smallest.
    pub min: f64,
    /// The largest.
    pub max: f64,
}

impl Simulated {
    /// The mean, least and largest of the runs that gave a figure; none when no run gave one.
    pub fn of(values: &[f64]) -> Option<Simulated> {
        if values.is_empty() {
            return None;
        }
        Some(Simulated {
            runs: values.len(),
            mean: values.iter().sum::<f64>() / values.len() as f64,
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        })
    }
}

/// One figure, recorded and simulated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComparisonRow {
    /// What is measured: `spread`, `first suspicion`, `first declared dead`,
    /// `declared dead everywhere`, `messages/s`, `bytes/s`.
    pub figure: String,
    /// Of what: "write colour at node 1 (peer 3), 2.013 s", "crash of node 3 (peer 5)", "node 2
    /// (peer 4)".
    pub subject: String,
    /// `ms` or `/s`.
    pub unit: String,
    /// What the recordings measured.
    pub recorded: Option<f64>,
    /// What the runs gave.
    pub simulated: Option<Simulated>,
    /// Simulated mean minus recorded.
    pub difference: Option<f64>,
}

/// A merged recording replayed: its scenario (with any overrides), who is who, the fit, and
/// every figure recorded vs simulated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The recordings merged, with the scenario that ran.
    pub merged: MergedRecording,
    /// Runs made, seeds `scenario.seed` onward.
    pub runs: u32,
    /// Every figure.
    pub rows: Vec<ComparisonRow>,
}

/// Runs `merged.scenario` `runs` times (seeds from the scenario's onward) and sets each figure
/// beside the recorded one. Nodes' traffic is counted over the same membership as recorded.
pub fn compare(merged: MergedRecording, runs: u32) -> Result<Comparison, SimError> {
    let scenario = &merged.scenario;
    scenario.validate()?;
    let Protocol::Cluster(cluster) = &scenario.protocol else {
        return Err(SimError::Refused("a replay runs a cluster scenario".into()));
    };
    let runs = runs.max(1);
    let nodes = merged.peers.len();
    let mut spreads = vec![Vec::new(); merged.writes.len()];
    let mut suspicions = vec![Vec::new(); merged.crashes.len()];
    let mut first_failed = vec![Vec::new(); merged.crashes.len()];
    let mut all_failed = vec![Vec::new(); merged.crashes.len()];
    let mut messages = vec![Vec::new(); nodes];
    let mut bytes = vec![Vec::new(); nodes];
    for run in 0..runs {
        let seed = scenario.seed.wrapping_add(u64::from(run));
        let mut sim = EventSim::new(cluster.config(scenario.nodes, seed, scenario.network.loss))?;
        sim.trace_messages(TRACE_CAP);
        let report: EventReport = sim.run();
        let trace = sim.take_message_trace();
        // Writes in the order scheduled; a write the run skipped (its node not running) is
        // matched by node and key.
        let mut simulated_writes = report.writes.iter();
        for (index, write) in merged.writes.iter().enumerate() {
            if let Some(record) = simulated_writes
                .by_ref()
                .find(|record| record.node == write.node && record.key == write.key)
                && let Some(time) = record.dissemination_time()
            {
                spreads[index].push(time as f64);
            }
        }
        for (index, crash) in merged.crashes.iter().enumerate() {
            if let Some(record) = report
                .crashes
                .iter()
                .find(|record| record.node == crash.node)
            {
                let push = |list: &mut Vec<f64>, value: Option<u64>| {
                    if let Some(value) = value {
                        list.push(value as f64);
                    }
                };
                push(&mut suspicions[index], record.suspicion_time());
                push(&mut first_failed[index], record.detection_time());
                push(&mut all_failed[index], record.full_detection_time());
            }
        }
        if let Some(trace) = trace {
            let scale = trace.sample_every.max(1) as f64;
            let mut sent = vec![(0u64, 0u64); nodes];
            for message in &trace.messages {
                if let Some(counts) = sent.get_mut(message.from as usize) {
                    counts.0 += 1;
                    counts.1 += u64::from(message.bytes);
                }
            }
            for (peer, (count, size)) in merged.peers.iter().zip(sent) {
                let until = match peer.departure {
                    Departure::Stayed => report.duration as f64,
                    _ => peer.until_ms(),
                };
                let seconds = ((until - peer.joined_ms.round()) / 1_000.0).max(1e-3);
                messages[peer.node as usize].push(count as f64 * scale / seconds);
                bytes[peer.node as usize].push(size as f64 * scale / seconds);
            }
        }
    }
    let mut rows = Vec::new();
    let row = |figure: &str, subject: String, unit: &str, recorded: Option<f64>, values: &[f64]| {
        let simulated = Simulated::of(values);
        ComparisonRow {
            figure: figure.into(),
            subject,
            unit: unit.into(),
            recorded,
            difference: recorded.zip(simulated).map(|(r, s)| s.mean - r),
            simulated,
        }
    };
    let name = |node: u32| format!("node {node} (peer {})", merged.peers[node as usize].id);
    for (index, write) in merged.writes.iter().enumerate() {
        rows.push(row(
            "spread",
            format!(
                "write {} at {}, {:.3} s",
                write.key,
                name(write.node),
                write.at_ms / 1_000.0
            ),
            "ms",
            write.spread_ms,
            &spreads[index],
        ));
    }
    for (index, crash) in merged.crashes.iter().enumerate() {
        let subject = format!(
            "crash of {}, {:.3} s",
            name(crash.node),
            crash.at_ms / 1_000.0
        );
        rows.push(row(
            "first suspicion",
            subject.clone(),
            "ms",
            crash.first_suspected_ms,
            &suspicions[index],
        ));
        rows.push(row(
            "first declared dead",
            subject.clone(),
            "ms",
            crash.first_failed_ms,
            &first_failed[index],
        ));
        rows.push(row(
            "declared dead everywhere",
            subject,
            "ms",
            crash.all_failed_ms,
            &all_failed[index],
        ));
    }
    for traffic in &merged.traffic {
        let node = traffic.node as usize;
        rows.push(row(
            "messages/s",
            name(traffic.node),
            "/s",
            Some(traffic.messages_per_s),
            &messages[node],
        ));
        rows.push(row(
            "bytes/s",
            name(traffic.node),
            "/s",
            Some(traffic.bytes_per_s),
            &bytes[node],
        ));
    }
    Ok(Comparison { merged, runs, rows })
}

/// Where a setting's short path may point, tried in order: the scenario itself
/// (`network.loss`), a cluster's node (`swim.protocol_period`), the cluster (`duration`).
const SETTING_ROOTS: [&[&str]; 3] = [&[], &["cluster", "node"], &["cluster"]];

/// Sets one value of `scenario`: `PATH=VALUE`, the path dotted as in the scenario's JSON and
/// found from the scenario, its cluster's `node` or its `cluster` (so `swim.protocol_period=500`,
/// `swim.lifeguard=true`, `network.loss=0.2`, `duration=90000` all work). The value is JSON, or
/// else a string. The setting must exist (a misspelt one is refused, naming the paths tried).
pub fn apply_setting(scenario: &Scenario, setting: &str) -> Result<Scenario, SimError> {
    let (path, value) = setting
        .split_once('=')
        .ok_or_else(|| SimError::invalid("--set", format!("{setting:?} is not PATH=VALUE")))?;
    let value: serde_json::Value = serde_json::from_str(value.trim())
        .unwrap_or_else(|_| serde_json::Value::String(value.trim().to_string()));
    let mut json = serde_json::to_value(scenario).expect("scenarios serialise");
    let keys: Vec<&str> = path.trim().split('.').collect();
    let mut tried = Vec::new();
    for root in SETTING_ROOTS {
        let full: Vec<&str> = root.iter().copied().chain(keys.iter().copied()).collect();
        tried.push(full.join("."));
        let (last, parents) = full.split_last().expect("a path has a key");
        let pointer: String = parents.iter().map(|key| format!("/{key}")).collect();
        if let Some(object) = json
            .pointer_mut(&pointer)
            .and_then(|place| place.as_object_mut())
            && object.contains_key(*last)
        {
            object.insert((*last).to_string(), value);
            let changed: Scenario = serde_json::from_value(json).map_err(|error| {
                SimError::invalid(full.join("."), format!("cannot take that value: {error}"))
            })?;
            changed.validate()?;
            return Ok(changed);
        }
    }
    Err(SimError::invalid(
        path,
        format!(
            "is no setting of this scenario (tried {})",
            tried.join(", ")
        ),
    ))
}

impl fmt::Display for Comparison {
    /// The comparison as a table, after who is who and the fit.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let merged = &self.merged;
        writeln!(f, "peers (scenario node: room id, joined, how it ended):")?;
        for peer in &merged.peers {
            let ended = match peer.departure {
                Departure::Crashed { at_ms } => format!("crashed at {:.3} s", at_ms / 1_000.0),
                Departure::Left { at_ms } => format!("left at {:.3} s", at_ms / 1_000.0),
                Departure::Stayed => format!("stayed (recorded to {:.3} s)", peer.end_ms / 1_000.0),
            };
            writeln!(
                f,
                "  node {}: peer {}, joined {:.3} s, {ended}  [{}]",
                peer.node,
                peer.id,
                peer.joined_ms / 1_000.0,
                peer.source
            )?;
        }
        let fit = &merged.fit;
        writeln!(
            f,
            "latency: {} round trips, one way (half a round trip) mean {:.3} ms, p10 {:.3}, p50 \
             {:.3}, p90 {:.3}, p99 {:.3}, max {:.3} ms; fitted {}",
            fit.one_way_ms.count,
            fit.one_way_ms.mean,
            fit.one_way_ms.p10,
            fit.one_way_ms.p50,
            fit.one_way_ms.p90,
            fit.one_way_ms.p99,
            fit.one_way_ms.max,
            serde_json::to_string(&fit.latency).expect("latencies serialise")
        )?;
        writeln!(
            f,
            "loss: {} of {} messages between members arrived; fitted loss {:.4}",
            fit.received, fit.sent, fit.loss
        )?;
        for note in &merged.notes {
            writeln!(f, "note: {note}")?;
        }
        writeln!(
            f,
            "simulated: {} runs, seeds {} onward (mean, min-max)",
            self.runs, merged.scenario.seed
        )?;
        writeln!(
            f,
            "{:<26} {:<44} {:>12} {:>26} {:>12}",
            "figure", "of", "recorded", "simulated", "difference"
        )?;
        let number = |value: f64| {
            if value.abs() >= 100.0 {
                format!("{value:.0}")
            } else {
                format!("{value:.2}")
            }
        };
        for row in &self.rows {
            let recorded = row.recorded.map_or("never".to_string(), |r| {
                format!("{} {}", number(r), row.unit)
            });
            let simulated = row.simulated.map_or("never".to_string(), |s| {
                format!(
                    "{} ({}-{}, {} runs)",
                    number(s.mean),
                    number(s.min),
                    number(s.max),
                    s.runs
                )
            });
            let difference = row.difference.map_or("-".to_string(), |d| {
                format!("{}{}", if d >= 0.0 { "+" } else { "" }, number(d))
            });
            writeln!(
                f,
                "{:<26} {:<44} {:>12} {:>26} {:>12}",
                row.figure, row.subject, recorded, simulated, difference
            )?;
        }
        Ok(())
    }
}
