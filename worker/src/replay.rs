//! The playground's replay, in the worker: recording files dropped on the page are read here,
//! merged into the cluster scenario that replays them ([`gossip_sim::recording::merge()`], as
//! `gossip-node replay` does), and that scenario (or the page's "what if" edit of it) is run a
//! seed at a time, so the reactor can report progress and take a newer request between runs.
//! The figures come out as [`Comparison`]: every one recorded vs simulated, the same rows as the
//! command line prints.
//!
//! A relay's room recording (`/recording?room=`: frame metadata only) cannot be replayed on its
//! own; dropped beside the peers' recordings it gives the relay's count of each peer's messages
//! ([`RelayTraffic`]), shown beside what the peers recorded.
//!
//! Errors are [`ReplayError`]s with their figures (file, line, both versions), so the page says
//! them in each of its languages.

use std::collections::BTreeMap;

use gossip_core::NodeId;
use gossip_sim::recording::{
    self, Comparison, ComparisonRow, MergedRecording, RecordBody, Recording, RecordingError,
    Simulated,
};
use gossip_sim::scenario::Scenario;
use serde::{Deserialize, Serialize};

/// The `format` of a relay's room recording (gossip-node's `RELAY_RECORDING_FORMAT`).
pub const RELAY_RECORDING_FORMAT: &str = "gossiplab-relay-recording";

/// The relay recording version this build reads (gossip-node's `RELAY_RECORDING_VERSION`).
pub const RELAY_RECORDING_VERSION: u32 = 1;

/// Runs of a replay unless the page asks otherwise (as `gossip-node replay`).
pub const DEFAULT_REPLAY_RUNS: u32 = 20;

/// Most runs the page may ask of one replay.
pub const MAX_REPLAY_RUNS: u32 = 200;

/// Bytes of the relay's frame header (`[peer id: u32]`) and of the protocol's version envelope,
/// left out of a relay-counted byte rate so it reads as the simulator counts bytes.
const FRAME_OVERHEAD_BYTES: u64 = 4 + 1;

/// A file dropped on the page: its name and its text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingFile {
    /// The file's name, for messages.
    pub name: String,
    /// Its content.
    pub text: String,
}

/// Why a replay cannot run, with what the page needs to say it in either language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReplayError {
    /// No file was given.
    NoFiles,
    /// A file is neither a peer's recording nor a relay's.
    NotARecording {
        /// The file.
        name: String,
        /// What was wrong, as gossip-sim says it (English).
        reason: String,
    },
    /// A file of another recording version.
    OtherVersion {
        /// The file.
        name: String,
        /// Its version.
        found: u32,
        /// The version this build reads.
        supported: u32,
        /// A relay's room recording (else a peer's).
        relay: bool,
    },
    /// A line of a file does not read.
    BadLine {
        /// The file.
        name: String,
        /// The line, from 1.
        line: usize,
        /// What was wrong (English, from the JSON reader).
        reason: String,
    },
    /// Only relay recordings were given: they hold no peer's events to replay.
    OnlyRelayRecordings,
    /// No peer's recording shows it joining a room.
    NobodyJoined,
    /// Two files are the same peer's.
    SamePeer {
        /// The first file.
        first: String,
        /// The second.
        second: String,
        /// The peer both are.
        id: NodeId,
    },
    /// The merge refused for another reason (English, from gossip-sim).
    Merge(String),
    /// The scenario did not run (English, from gossip-sim; a "what if" edit that is not valid).
    Run(String),
    /// The page cancelled the replay.
    Cancelled,
}

impl From<RecordingError> for ReplayError {
    fn from(error: RecordingError) -> Self {
        match error {
            RecordingError::NotARecording { name, reason } => {
                ReplayError::NotARecording { name, reason }
            }
            RecordingError::UnsupportedVersion {
                name,
                found,
                supported,
            } => ReplayError::OtherVersion {
                name,
                found,
                supported,
                relay: false,
            },
            RecordingError::BadLine { name, line, reason } => {
                ReplayError::BadLine { name, line, reason }
            }
        }
    }
}

/// A peer's messages as the relay counted them (frames it forwarded from that peer).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RelayPeerTraffic {
    /// The peer's id in the room.
    pub id: NodeId,
    /// Frames forwarded from it, one per recipient.
    pub frames: u64,
    /// Frames per second while it was in the room.
    pub messages_per_s: f64,
    /// Bytes per second, without the frame header and the version envelope (as the simulator
    /// counts bytes).
    pub bytes_per_s: f64,
}

/// What a relay's room recording says of each peer's traffic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RelayTraffic {
    /// The file.
    pub name: String,
    /// The room recorded.
    pub room: String,
    /// Each peer that joined, by id.
    pub peers: Vec<RelayPeerTraffic>,
    /// The recording reached its cap before the room emptied.
    pub stopped: bool,
}

#[derive(Deserialize)]
struct RelayLine {
    t_us: u64,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    from: Option<NodeId>,
    #[serde(default)]
    bytes: Option<u64>,
    #[serde(default)]
    peer: Option<NodeId>,
}

/// Whether `text` starts as a relay's room recording (its first line names the format).
pub fn is_relay_recording(text: &str) -> bool {
    let first = text.lines().next().unwrap_or_default();
    serde_json::from_str::<serde_json::Value>(first)
        .ok()
        .and_then(|value| value.get("format")?.as_str().map(str::to_string))
        .is_some_and(|format| format == RELAY_RECORDING_FORMAT)
}

/// Reads a relay's room recording: each peer's frames per second while in the room. A last
/// line cut short is left out, as in a peer's recording.
pub fn relay_traffic(file: &RecordingFile) -> Result<RelayTraffic, ReplayError> {
    let name = file.name.clone();
    let mut lines = file.text.split_inclusive('\n').enumerate();
    let header: serde_json::Value = lines
        .next()
        .and_then(|(_, line)| serde_json::from_str(line).ok())
        .ok_or_else(|| ReplayError::NotARecording {
            name: name.clone(),
            reason: "its first line is not JSON".into(),
        })?;
    let found = header.get("version").and_then(serde_json::Value::as_u64);
    if found != Some(u64::from(RELAY_RECORDING_VERSION)) {
        return Err(ReplayError::OtherVersion {
            name,
            found: found.map_or(0, |v| u32::try_from(v).unwrap_or(u32::MAX)),
            supported: RELAY_RECORDING_VERSION,
            relay: true,
        });
    }
    let room = header
        .get("room")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_string();
    // Per peer: (joined, left, frames, bytes), times in µs.
    let mut peers: BTreeMap<NodeId, (u64, Option<u64>, u64, u64)> = BTreeMap::new();
    let mut last = 0;
    let mut stopped = false;
    for (index, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let record: RelayLine = match serde_json::from_str(line) {
            Ok(record) => record,
            Err(_) if !line.ends_with('\n') => break,
            Err(error) => {
                return Err(ReplayError::BadLine {
                    name,
                    line: index + 1,
                    reason: error.to_string(),
                });
            }
        };
        last = last.max(record.t_us);
        match (record.kind.as_deref(), record.peer, record.from) {
            (Some("joined"), Some(peer), _) => {
                peers.entry(peer).or_insert((record.t_us, None, 0, 0));
            }
            (Some("left"), Some(peer), _) => {
                if let Some(entry) = peers.get_mut(&peer) {
                    entry.1 = Some(record.t_us);
                }
            }
            (Some("stopped"), ..) => stopped = true,
            (None, _, Some(from)) => {
                let entry = peers.entry(from).or_insert((record.t_us, None, 0, 0));
                entry.2 += 1;
                entry.3 += record
                    .bytes
                    .unwrap_or(0)
                    .saturating_sub(FRAME_OVERHEAD_BYTES);
            }
            _ => {}
        }
    }
    let peers = peers
        .into_iter()
        .map(|(id, (joined, left, frames, bytes))| {
            let seconds = (left.unwrap_or(last).saturating_sub(joined) as f64 / 1e6).max(1e-3);
            RelayPeerTraffic {
                id,
                frames,
                messages_per_s: frames as f64 / seconds,
                bytes_per_s: bytes as f64 / seconds,
            }
        })
        .collect();
    Ok(RelayTraffic {
        name,
        room,
        peers,
        stopped,
    })
}

/// The files read and merged: the recordings' merge (its scenario replaced by `scenario` when
/// given: a "what if") and what the relay recordings among them counted.
pub fn read_and_merge(
    files: &[RecordingFile],
    scenario: Option<Scenario>,
    seed: u64,
) -> Result<(MergedRecording, Vec<RelayTraffic>), ReplayError> {
    if files.is_empty() {
        return Err(ReplayError::NoFiles);
    }
    let mut recordings = Vec::new();
    let mut relays = Vec::new();
    for file in files {
        if is_relay_recording(&file.text) {
            relays.push(relay_traffic(file)?);
        } else {
            recordings.push(Recording::parse(&file.name, &file.text)?);
        }
    }
    if recordings.is_empty() {
        return Err(ReplayError::OnlyRelayRecordings);
    }
    // The merge's two refusals, found first so the page can say them with their figures.
    let mut admitted: Vec<(NodeId, &str)> = Vec::new();
    for recording in &recordings {
        let welcome = recording
            .records
            .iter()
            .find_map(|record| match record.body {
                RecordBody::Welcome { id, .. } => Some(id),
                _ => None,
            });
        if let Some(id) = welcome {
            if let Some((_, first)) = admitted.iter().find(|(other, _)| *other == id) {
                return Err(ReplayError::SamePeer {
                    first: first.to_string(),
                    second: recording.name.clone(),
                    id,
                });
            }
            admitted.push((id, &recording.name));
        }
    }
    if admitted.is_empty() {
        return Err(ReplayError::NobodyJoined);
    }
    let mut merged =
        recording::merge(&recordings, seed).map_err(|error| ReplayError::Merge(error.0))?;
    if let Some(scenario) = scenario {
        merged.scenario = scenario;
    }
    Ok((merged, relays))
}

/// A replay going a run at a time: [`ReplayJob::step`] runs the next seed, and
/// [`ReplayJob::finish`] sets the figures beside the recorded ones, exactly as
/// [`gossip_sim::recording::compare()`] would over all the runs at once.
pub struct ReplayJob {
    merged: MergedRecording,
    runs: u32,
    done: u32,
    /// Each row's simulated value in each run that gave one, in run order.
    values: Vec<Vec<f64>>,
    /// The rows as the first run gave them (figure, subject, unit, recorded).
    rows: Vec<ComparisonRow>,
    error: Option<String>,
}

impl ReplayJob {
    /// A replay of `merged` over `runs` seeds (the scenario's seed onward; at least one run, at
    /// most [`MAX_REPLAY_RUNS`]).
    pub fn new(merged: MergedRecording, runs: u32) -> Self {
        ReplayJob {
            merged,
            runs: runs.clamp(1, MAX_REPLAY_RUNS),
            done: 0,
            values: Vec::new(),
            rows: Vec::new(),
            error: None,
        }
    }

    /// Runs made so far, of [`ReplayJob::runs`].
    pub fn done(&self) -> u32 {
        self.done
    }

    /// Runs in all.
    pub fn runs(&self) -> u32 {
        self.runs
    }

    /// Runs the next seed; false once every run is made (or one failed).
    pub fn step(&mut self) -> bool {
        if self.done >= self.runs || self.error.is_some() {
            return false;
        }
        let mut one = self.merged.clone();
        one.scenario.seed = self.merged.scenario.seed.wrapping_add(u64::from(self.done));
        match recording::compare(one, 1) {
            Ok(comparison) => {
                if self.rows.is_empty() {
                    self.values = vec![Vec::new(); comparison.rows.len()];
                    self.rows = comparison.rows.clone();
                }
                for (values, row) in self.values.iter_mut().zip(&comparison.rows) {
                    // One run: its mean is its value.
                    if let Some(simulated) = row.simulated {
                        values.push(simulated.mean);
                    }
                }
                self.done += 1;
            }
            Err(error) => self.error = Some(error.to_string()),
        }
        self.done < self.runs && self.error.is_none()
    }

    /// The comparison over the runs made, or why the scenario did not run.
    pub fn finish(self) -> Result<Comparison, ReplayError> {
        if let Some(error) = self.error {
            return Err(ReplayError::Run(error));
        }
        let rows = self
            .rows
            .into_iter()
            .zip(&self.values)
            .map(|(row, values)| {
                let simulated = Simulated::of(values);
                ComparisonRow {
                    difference: row.recorded.zip(simulated).map(|(r, s)| s.mean - r),
                    simulated,
                    ..row
                }
            })
            .collect();
        Ok(Comparison {
            merged: self.merged,
            runs: self.done,
            rows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SimOutput, SimRequest, handle};
    use gossip_core::{LivePeerOptions, Mechanism, MemberEvent, NodeConfig};
    use gossip_sim::recording::{RECORDING_FORMAT, RECORDING_VERSION, RecordingWriter, Start};

    const UNIX_US: u64 = 1_700_000_000_000_000;

    fn start() -> Start {
        Start {
            format: RECORDING_FORMAT.into(),
            version: RECORDING_VERSION,
            unix_us: UNIX_US,
            recorder: "test".into(),
            transport: "ws://127.0.0.1:1".into(),
            room: Some("r".into()),
            protocol: gossip_core::wire::PROTOCOL_VERSION,
            seed: 1,
            // SWIM every 200 ms: the crash is declared dead well within the recording.
            config: NodeConfig::live(LivePeerOptions {
                protocol_period: 200,
                anti_entropy_period: Some(200),
                rumor_period: Some(40),
                ..LivePeerOptions::default()
            }),
            cap_bytes: 1 << 20,
        }
    }

    /// A peer's recording: joined at `joined_us` among `peers`, pinging each of the others
    /// every 100 ms (acks after 2 ms), with `extra` records; ended unless `killed`.
    fn peer(
        id: NodeId,
        others: &[NodeId],
        until_us: u64,
        extra: Vec<(u64, RecordBody)>,
        killed: bool,
    ) -> RecordingFile {
        let mut records = vec![(
            1_000 * u64::from(id),
            RecordBody::Welcome {
                id,
                peers: others.iter().copied().filter(|o| *o < id).collect(),
            },
        )];
        let mut t = 100_000;
        while t < until_us {
            for &other in others {
                records.push((
                    t,
                    RecordBody::Sent {
                        to: other,
                        msg: "swim".into(),
                        bytes: 12,
                        summary: "ping 1".into(),
                    },
                ));
                records.push((
                    t + 2_000,
                    RecordBody::Received {
                        from: other,
                        msg: "swim".into(),
                        bytes: 12,
                        // What the other peer sent at `t`, so the fit pairs it with that send.
                        summary: "ping 1".into(),
                        rtt_us: Some(2_000),
                    },
                ));
            }
            t += 100_000;
        }
        records.extend(extra);
        records.sort_by_key(|(t, _)| *t);
        let mut writer = RecordingWriter::new(Vec::new(), start()).unwrap();
        let last = records.last().map_or(0, |(t, _)| *t);
        for (t, body) in records {
            writer.record(t, body);
        }
        let bytes = if killed {
            writer.into_inner()
        } else {
            writer.finish(last).unwrap()
        };
        RecordingFile {
            name: format!("peer-{id}.jsonl"),
            text: String::from_utf8(bytes).unwrap(),
        }
    }

    fn member(event: MemberEvent) -> RecordBody {
        RecordBody::Member { event }
    }

    /// Three peers: 1 writes `colour` at 0.5 s, it reaches 2 and 3; 3 is killed at about 1 s and
    /// 1 and 2 suspect it, then declare it dead.
    fn cluster() -> Vec<RecordingFile> {
        let updated = |t| {
            (
                t,
                RecordBody::Updated {
                    key: "colour".into(),
                    origin: 1,
                    version: 1,
                    via: Mechanism::Rumor,
                },
            )
        };
        let seen_dead = |suspected, failed| {
            vec![
                (1_050_000, RecordBody::PeerDisconnected { id: 3 }),
                (
                    suspected,
                    member(MemberEvent::Suspected {
                        id: 3,
                        incarnation: 0,
                        at: suspected / 1_000,
                    }),
                ),
                (
                    failed,
                    member(MemberEvent::Failed {
                        id: 3,
                        incarnation: 0,
                        at: failed / 1_000,
                    }),
                ),
            ]
        };
        let mut first = vec![(
            500_000,
            RecordBody::Put {
                key: "colour".into(),
                value: "blue".into(),
                version: 1,
            },
        )];
        first.extend(seen_dead(2_000_000, 4_000_000));
        let mut second = vec![updated(520_000)];
        second.extend(seen_dead(2_100_000, 4_200_000));
        vec![
            peer(1, &[2, 3], 6_000_000, first, false),
            peer(2, &[1, 3], 6_000_000, second, false),
            peer(3, &[1, 2], 1_000_000, vec![updated(540_000)], true),
        ]
    }

    fn replay(files: Vec<RecordingFile>, scenario: Option<Scenario>, runs: u32) -> SimOutput {
        let request = SimRequest::Replay {
            id: 9,
            files,
            scenario,
            seed: 5,
            runs,
        };
        // Through the codec both ways, as page and worker exchange it.
        let request: SimRequest =
            serde_json::from_str(&serde_json::to_string(&request).unwrap()).unwrap();
        let output = handle(request).unwrap();
        serde_json::from_str(&serde_json::to_string(&output).unwrap()).unwrap()
    }

    fn failure(files: Vec<RecordingFile>) -> ReplayError {
        match replay(files, None, 1) {
            SimOutput::ReplayFailed { id: 9, error } => error,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_replay_run_by_run_gives_the_comparison_of_all_the_runs_at_once() {
        let files = cluster();
        // Straight from the worker's logic: JSON's float parsing may change a last bit.
        let request = SimRequest::Replay {
            id: 9,
            files: files.clone(),
            scenario: None,
            seed: 5,
            runs: 4,
        };
        let Some(SimOutput::Replayed {
            id,
            comparison,
            relays,
        }) = handle(request)
        else {
            panic!("the recordings replay");
        };
        assert_eq!(id, 9);
        assert!(relays.is_empty());
        let recordings: Vec<Recording> = files
            .iter()
            .map(|f| Recording::parse(&f.name, &f.text).unwrap())
            .collect();
        let expected = recording::compare(recording::merge(&recordings, 5).unwrap(), 4).unwrap();
        assert_eq!(*comparison, expected);
        // The rows the page shows: the write's spread, the crash's three times, two per peer.
        let figures: Vec<&str> = comparison
            .rows
            .iter()
            .map(|row| row.figure.as_str())
            .collect();
        assert_eq!(
            figures,
            [
                "spread",
                "first suspicion",
                "first declared dead",
                "declared dead everywhere",
                "messages/s",
                "bytes/s",
                "messages/s",
                "bytes/s",
                "messages/s",
                "bytes/s"
            ]
        );
        assert_eq!(comparison.rows[0].recorded, Some(40.0));
        assert_eq!(comparison.rows[1].recorded, Some(950.0));
        assert!(
            comparison
                .rows
                .iter()
                .take(4)
                .all(|row| row.simulated.is_some_and(|s| s.runs == 4)),
            "{:?}",
            comparison.rows
        );
    }

    #[test]
    fn what_if_runs_the_edited_scenario_against_the_same_recordings() {
        let SimOutput::Replayed {
            comparison: base, ..
        } = replay(cluster(), None, 2)
        else {
            panic!()
        };
        let halved =
            recording::apply_setting(&base.merged.scenario, "swim.protocol_period=500").unwrap();
        let SimOutput::Replayed { comparison, .. } = replay(cluster(), Some(halved.clone()), 2)
        else {
            panic!()
        };
        assert_eq!(comparison.merged.scenario, halved);
        // The recorded side is the same; the simulated side ran the edit.
        let recorded = |c: &Comparison| c.rows.iter().map(|row| row.recorded).collect::<Vec<_>>();
        assert_eq!(recorded(&comparison), recorded(&base));
        assert_ne!(comparison.rows, base.rows);
        // An edit that is not valid is refused as a run error, said by gossip-sim.
        let mut broken = halved;
        broken.nodes = 1;
        assert!(
            matches!(failure_with(cluster(), broken), ReplayError::Run(error) if error.contains("nodes"))
        );
    }

    fn failure_with(files: Vec<RecordingFile>, scenario: Scenario) -> ReplayError {
        match replay(files, Some(scenario), 1) {
            SimOutput::ReplayFailed { error, .. } => error,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn files_that_cannot_replay_are_refused_with_their_figures() {
        assert_eq!(failure(vec![]), ReplayError::NoFiles);
        let junk = RecordingFile {
            name: "notes.txt".into(),
            text: "hello\n".into(),
        };
        assert!(
            matches!(failure(vec![junk]), ReplayError::NotARecording { name, .. } if name == "notes.txt")
        );
        let mut newer = cluster();
        newer[1].text = newer[1].text.replacen("\"version\":1", "\"version\":2", 1);
        assert_eq!(
            failure(newer),
            ReplayError::OtherVersion {
                name: "peer-2.jsonl".into(),
                found: 2,
                supported: 1,
                relay: false
            }
        );
        let mut damaged = cluster();
        let first_line_end = damaged[0].text.find('\n').unwrap() + 1;
        damaged[0].text.insert_str(first_line_end, "{not json}\n");
        assert!(
            matches!(failure(damaged), ReplayError::BadLine { name, line: 2, .. } if name == "peer-1.jsonl")
        );
        let mut twice = cluster();
        let mut copy = twice[0].clone();
        copy.name = "copy.jsonl".into();
        twice.push(copy);
        assert_eq!(
            failure(twice),
            ReplayError::SamePeer {
                first: "peer-1.jsonl".into(),
                second: "copy.jsonl".into(),
                id: 1
            }
        );
        let lonely = RecordingFile {
            name: "alone.jsonl".into(),
            text: String::from_utf8(
                RecordingWriter::new(Vec::new(), start())
                    .unwrap()
                    .into_inner(),
            )
            .unwrap(),
        };
        assert_eq!(failure(vec![lonely]), ReplayError::NobodyJoined);
        assert_eq!(
            failure(vec![relay_file(1)]),
            ReplayError::OnlyRelayRecordings
        );
        let mut files = cluster();
        files.push(relay_file(3));
        assert_eq!(
            failure(files),
            ReplayError::OtherVersion {
                name: "room.jsonl".into(),
                found: 3,
                supported: 1,
                relay: true
            }
        );
    }

    fn relay_file(version: u32) -> RecordingFile {
        let text = format!(
            "{{\"format\":\"{RELAY_RECORDING_FORMAT}\",\"version\":{version},\"room\":\"r\",\"unix_us\":1,\"cap_bytes\":100000}}\n\
             {{\"t_us\":0,\"kind\":\"joined\",\"peer\":1}}\n\
             {{\"t_us\":500000,\"kind\":\"joined\",\"peer\":2}}\n\
             {{\"t_us\":600000,\"from\":1,\"to\":2,\"bytes\":25}}\n\
             {{\"t_us\":700000,\"from\":2,\"to\":1,\"bytes\":15}}\n\
             {{\"t_us\":800000,\"from\":1,\"to\":2,\"bytes\":35}}\n\
             {{\"t_us\":1500000,\"kind\":\"left\",\"peer\":2}}\n\
             {{\"t_us\":2000000,\"from\":1,\"to\":2,\"bytes\":5}}\n{{\"t_us\":2000"
        );
        RecordingFile {
            name: "room.jsonl".into(),
            text,
        }
    }

    #[test]
    fn a_relay_recording_counts_each_peer_s_frames_while_in_the_room() {
        let traffic = relay_traffic(&relay_file(1)).unwrap();
        assert_eq!(
            traffic,
            RelayTraffic {
                name: "room.jsonl".into(),
                room: "r".into(),
                peers: vec![
                    // In the room from 0 to the last line, 2 s: 3 frames of 20 + 30 + 0 bytes.
                    RelayPeerTraffic {
                        id: 1,
                        frames: 3,
                        messages_per_s: 1.5,
                        bytes_per_s: 25.0
                    },
                    // From 0.5 s to 1.5 s: one frame of 10 bytes.
                    RelayPeerTraffic {
                        id: 2,
                        frames: 1,
                        messages_per_s: 1.0,
                        bytes_per_s: 10.0
                    },
                ],
                stopped: false,
            }
        );
        // Beside the peers' recordings it is read, not replayed.
        let mut files = cluster();
        files.push(relay_file(1));
        let SimOutput::Replayed {
            relays, comparison, ..
        } = replay(files, None, 1)
        else {
            panic!()
        };
        assert_eq!(relays, vec![traffic]);
        assert_eq!(comparison.merged.peers.len(), 3);
    }
}
