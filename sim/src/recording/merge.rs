//! Several peers' recordings of one live cluster merged into one cluster scenario: who joined
//! when, the writes, the crashes and leaves as they were seen, a latency model fitted to the
//! round trips measured and a loss fitted to the messages that never arrived; and the figures
//! the recordings themselves give (spread of each write, detection of each crash, traffic of
//! each peer), to set beside a simulated run's.
//!
//! Time: each recording counts from its own peer's start; its start line gives the wall clock
//! then, and the merge puts every record on the wall clock (so peers on one machine, or on
//! machines whose clocks agree, merge exactly). The scenario's time 0 is the first peer's
//! admission to the room.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use super::format::{RecordBody, Recording};
use crate::events::{Cluster, ClusterFault, Latency, ScheduledClusterFault};
use crate::scenario::Scenario;
use gossip_core::{MemberEvent, NodeId, Stamp, Time};

/// How a peer's part in the recording ended.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Departure {
    /// Its recording stops without an end: killed. `at_ms` is when the relay told the others
    /// its connection closed (or its last record, if nobody heard).
    Crashed {
        /// Scenario time, ms.
        at_ms: f64,
    },
    /// It left gracefully (`quit`).
    Left {
        /// Scenario time, ms.
        at_ms: f64,
    },
    /// It was still a member when its recording ended.
    Stayed,
}

/// One peer of the merged recording.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplayPeer {
    /// The peer's id in the room.
    pub id: NodeId,
    /// Its node in the scenario (peers in the order they joined).
    pub node: NodeId,
    /// The recording it comes from.
    pub source: String,
    /// When the relay admitted it, scenario ms.
    pub joined_ms: f64,
    /// How its part ended.
    pub departure: Departure,
    /// Its last record, scenario ms.
    pub end_ms: f64,
}

impl ReplayPeer {
    /// When it stopped being a member: its crash or leave, or the end of its recording.
    pub fn until_ms(&self) -> f64 {
        match self.departure {
            Departure::Crashed { at_ms } | Departure::Left { at_ms } => at_ms,
            Departure::Stayed => self.end_ms,
        }
    }

    /// Until when its recording covers its membership: its departure or its last record,
    /// whichever came first. A killed peer's last unflushed lines are lost, and a tab's
    /// recording downloaded before the tab closed ends before the relay hears it go: what the
    /// peer did after its last record is not in its file.
    pub fn recorded_until_ms(&self) -> f64 {
        self.until_ms().min(self.end_ms)
    }

    fn live_at(&self, t: f64) -> bool {
        self.joined_ms <= t && t < self.until_ms()
    }
}

/// The end of a recipient's recorded membership left out of the loss fit, ms: a message sent
/// then may still be in flight when its recording ends.
const IN_FLIGHT_MS: f64 = 1_000.0;

/// Summary statistics of a sample.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// How many values.
    pub count: usize,
    /// Their mean.
    pub mean: f64,
    /// The 10th percentile.
    pub p10: f64,
    /// The median.
    pub p50: f64,
    /// The 90th percentile.
    pub p90: f64,
    /// The 99th percentile.
    pub p99: f64,
    /// The largest.
    pub max: f64,
}

impl Spread {
    /// The statistics of `values` (all zero when empty).
    pub fn of(mut values: Vec<f64>) -> Spread {
        if values.is_empty() {
            return Spread::default();
        }
        values.sort_by(f64::total_cmp);
        let at = |p: f64| values[((values.len() - 1) as f64 * p).round() as usize];
        Spread {
            count: values.len(),
            mean: values.iter().sum::<f64>() / values.len() as f64,
            p10: at(0.10),
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            max: values[values.len() - 1],
        }
    }
}

/// The link model fitted to what the peers measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkFit {
    /// One-way latencies, ms: half of each ping's round trip to its ack (the peers' processing
    /// and the relay included, as a live member's timeouts see them).
    pub one_way_ms: Spread,
    /// The model: uniform over the 10th to the 90th percentile, rounded to whole ms (the event
    /// engine's resolution); fixed when they round to the same; the default LAN when no round
    /// trip was measured.
    pub latency: Latency,
    /// Messages sent between two recorded peers while both recordings cover them: sent after
    /// both were admitted, before the sender's recording ended, and more than a second before
    /// the recipient's ended (a message sent later may still be in flight).
    pub sent: u64,
    /// Of those very messages, the ones the recipient recorded receiving (each received
    /// message paired with its send; a duplicate counts once, a message whose send is not
    /// among `sent` not at all), so `received <= sent`.
    pub received: u64,
    /// The fitted loss: 1 - received / sent (0 when nothing was sent).
    pub loss: f64,
}

/// A write as the recordings saw it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordedWrite {
    /// The writer's node.
    pub node: NodeId,
    /// The key.
    pub key: String,
    /// Scenario ms.
    pub at_ms: f64,
    /// From the write until every peer that was a member then (and did not leave or crash
    /// first) held it; None if one never did.
    pub spread_ms: Option<f64>,
}

/// A crash as the recordings saw it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordedCrash {
    /// The crashed node.
    pub node: NodeId,
    /// Scenario ms.
    pub at_ms: f64,
    /// Crash to the first suspicion anywhere; negative when a suspicion raised before the
    /// crash (a false one, not yet refuted) was still standing when the crash came.
    pub first_suspected_ms: Option<f64>,
    /// Crash to the first Failed verdict anywhere.
    pub first_failed_ms: Option<f64>,
    /// Crash to every peer that stayed a member holding it failed.
    pub all_failed_ms: Option<f64>,
}

/// A peer's traffic while it was a member.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordedTraffic {
    /// The node.
    pub node: NodeId,
    /// Messages sent per second.
    pub messages_per_s: f64,
    /// Bytes sent per second, counted as the simulator counts them: without the one-byte
    /// version envelope (docs/versions.md).
    pub bytes_per_s: f64,
}

/// The recordings merged: the scenario, who is who, the fit and the recorded figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MergedRecording {
    /// The cluster scenario that replays the recordings.
    pub scenario: Scenario,
    /// Every peer that joined, by node.
    pub peers: Vec<ReplayPeer>,
    /// The link model.
    pub fit: LinkFit,
    /// Each write, in order.
    pub writes: Vec<RecordedWrite>,
    /// Each crash, in order.
    pub crashes: Vec<RecordedCrash>,
    /// Each peer's traffic, by node.
    pub traffic: Vec<RecordedTraffic>,
    /// What the merge left out or assumed, in sentences.
    pub notes: Vec<String>,
}

/// Why recordings cannot be merged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergeError(pub String);

impl core::fmt::Display for MergeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MergeError {}

/// A record on the shared clock: microseconds since the first admission.
struct Timed<'a> {
    t: i64,
    body: &'a RecordBody,
}

/// One recording on the shared clock.
struct Track<'a> {
    peer: ReplayPeer,
    records: Vec<Timed<'a>>,
}

fn ms(t_us: i64) -> f64 {
    t_us as f64 / 1_000.0
}

/// Merges recordings of one cluster (one per peer) into a scenario with `seed`.
pub fn merge(recordings: &[Recording], seed: u64) -> Result<MergedRecording, MergeError> {
    let mut notes = Vec::new();
    // Each peer's admission, on the wall clock.
    let mut admitted = Vec::new();
    for recording in recordings {
        let welcome = recording
            .records
            .iter()
            .find_map(|record| match &record.body {
                RecordBody::Welcome { id, .. } => Some((*id, record.t_us)),
                _ => None,
            });
        match welcome {
            Some((id, t_us)) => {
                admitted.push((recording.start.unix_us as i64 + t_us as i64, id, recording))
            }
            None => notes.push(format!("{} never joined a room: left out", recording.name)),
        }
        if recording.cut_short {
            notes.push(format!(
                "{}: its last line was cut short (the peer was killed while writing) and is \
                 left out",
                recording.name
            ));
        }
    }
    if admitted.is_empty() {
        return Err(MergeError(
            "no recording shows its peer joining a room: nothing to replay".into(),
        ));
    }
    admitted.sort_by_key(|&(at, id, _)| (at, id));
    for pair in admitted.windows(2) {
        if pair[0].1 == pair[1].1 {
            return Err(MergeError(format!(
                "{} and {} are both peer {}: give each peer's recording once",
                pair[0].2.name, pair[1].2.name, pair[0].1
            )));
        }
    }
    let origin = admitted[0].0;
    let mut tracks: Vec<Track> = admitted
        .iter()
        .enumerate()
        .map(|(node, &(at, id, recording))| {
            let base = recording.start.unix_us as i64 - origin;
            let records: Vec<Timed> = recording
                .records
                .iter()
                .map(|record| Timed {
                    t: base + record.t_us as i64,
                    body: &record.body,
                })
                .collect();
            let end = records.last().map_or(at - origin, |timed| timed.t);
            Track {
                peer: ReplayPeer {
                    id,
                    node: node as NodeId,
                    source: recording.name.clone(),
                    joined_ms: ms(at - origin),
                    departure: Departure::Stayed,
                    end_ms: ms(end),
                },
                records,
            }
        })
        .collect();
    let welcomes: Vec<usize> = admitted
        .iter()
        .map(|(_, _, recording)| {
            recording
                .records
                .iter()
                .filter(|record| matches!(record.body, RecordBody::Welcome { .. }))
                .count()
        })
        .collect();
    for (track, welcomes) in tracks.iter().zip(welcomes) {
        if welcomes > 1 {
            notes.push(format!(
                "peer {} lost the relay and came back {} times: replayed as one membership",
                track.peer.id,
                welcomes - 1
            ));
        }
    }
    // How each part ended.
    let disconnects: Vec<(NodeId, i64)> = tracks
        .iter()
        .flat_map(|track| {
            track.records.iter().filter_map(|timed| match timed.body {
                RecordBody::PeerDisconnected { id } => Some((*id, timed.t)),
                _ => None,
            })
        })
        .collect();
    for track in &mut tracks {
        let left = track
            .records
            .iter()
            .find(|timed| matches!(timed.body, RecordBody::Leave));
        let ended = track
            .records
            .iter()
            .any(|timed| matches!(timed.body, RecordBody::End | RecordBody::Stopped { .. }));
        track.peer.departure = if let Some(leave) = left {
            Departure::Left { at_ms: ms(leave.t) }
        } else if ended {
            Departure::Stayed
        } else {
            // Killed: the relay saw its connection close; its own last record is a little
            // earlier (what it had not flushed is lost).
            let last = track.records.last().map_or(0, |timed| timed.t);
            let heard = disconnects
                .iter()
                .filter(|&&(id, t)| id == track.peer.id && t >= last - 1_000_000)
                .map(|&(_, t)| t)
                .min();
            Departure::Crashed {
                at_ms: ms(heard.unwrap_or(last)),
            }
        };
        if track
            .records
            .iter()
            .any(|timed| matches!(timed.body, RecordBody::Stopped { .. }))
        {
            notes.push(format!(
                "{}: the recording reached its size cap; the peer is taken to have stayed",
                track.peer.source
            ));
        }
    }
    let peers: Vec<ReplayPeer> = tracks.iter().map(|track| track.peer.clone()).collect();

    let configs: Vec<_> = admitted
        .iter()
        .map(|(_, _, recording)| recording.start.config)
        .collect();
    if configs.iter().any(|config| *config != configs[0]) {
        notes.push(format!(
            "the peers' configurations differ; every node replays {}'s",
            admitted[0].2.name
        ));
    }

    // The schedule.
    let mut faults = Vec::new();
    let at = |t_ms: f64| t_ms.round().max(0.0) as Time;
    for peer in peers.iter().skip(1) {
        faults.push(ScheduledClusterFault {
            at: at(peer.joined_ms),
            fault: ClusterFault::Join { node: peer.node },
        });
    }
    let mut writes = Vec::new();
    for track in &tracks {
        for timed in &track.records {
            if let RecordBody::Put {
                key,
                value,
                version,
            } = timed.body
            {
                faults.push(ScheduledClusterFault {
                    at: at(ms(timed.t)),
                    fault: ClusterFault::Put {
                        node: track.peer.node,
                        key: key.clone(),
                        value: value.clone(),
                    },
                });
                let stamp = Stamp {
                    version: *version,
                    origin: track.peer.id,
                };
                writes.push(RecordedWrite {
                    node: track.peer.node,
                    key: key.clone(),
                    at_ms: ms(timed.t),
                    spread_ms: write_spread(&tracks, track.peer.node, key, stamp, ms(timed.t)),
                });
            }
        }
    }
    writes.sort_by(|a, b| a.at_ms.total_cmp(&b.at_ms));
    let mut crashes = Vec::new();
    for peer in &peers {
        match peer.departure {
            Departure::Crashed { at_ms } => {
                faults.push(ScheduledClusterFault {
                    at: at(at_ms),
                    fault: ClusterFault::Crash { node: peer.node },
                });
                crashes.push(crash_seen(&tracks, peer, at_ms));
            }
            Departure::Left { at_ms } => faults.push(ScheduledClusterFault {
                at: at(at_ms),
                fault: ClusterFault::Leave { node: peer.node },
            }),
            Departure::Stayed => {}
        }
    }
    // Stable: a join before a write at the same millisecond, as listed above.
    faults.sort_by_key(|scheduled| scheduled.at);
    crashes.sort_by(|a, b| a.at_ms.total_cmp(&b.at_ms));

    let fit = fit_link(&tracks);
    let traffic = tracks.iter().map(traffic_of).collect();
    let duration = peers
        .iter()
        .map(|peer| peer.end_ms)
        .fold(0.0, f64::max)
        .ceil() as Time
        + 1;
    let cluster = Cluster {
        node: configs[0],
        latency: fit.latency,
        duration,
        faults,
        ..Cluster::default()
    };
    let mut scenario = Scenario::cluster(peers.len() as u32, seed, cluster);
    scenario.network.loss = fit.loss;
    Ok(MergedRecording {
        scenario,
        peers,
        fit,
        writes,
        crashes,
        traffic,
        notes,
    })
}

/// Until every peer that was a member at the write, and stayed one until it arrived, held the
/// write (or a newer value of its key).
fn write_spread(tracks: &[Track], writer: NodeId, key: &str, stamp: Stamp, at: f64) -> Option<f64> {
    let mut latest: f64 = 0.0;
    for track in tracks {
        if track.peer.node == writer || !track.peer.live_at(at) {
            continue;
        }
        let arrived = track.records.iter().find_map(|timed| match timed.body {
            RecordBody::Updated {
                key: k,
                origin,
                version,
                ..
            } if k == key
                && Stamp {
                    version: *version,
                    origin: *origin,
                } >= stamp =>
            {
                Some(ms(timed.t))
            }
            _ => None,
        });
        match arrived {
            Some(t) if t <= track.peer.until_ms() => latest = latest.max(t - at),
            // Gone before it arrived: not counted, as the simulator counts only live nodes.
            _ if !matches!(track.peer.departure, Departure::Stayed) => {}
            _ => return None,
        }
    }
    Some(latest.max(0.0))
}

/// When the others suspected the crashed peer and declared it failed.
fn crash_seen(tracks: &[Track], crashed: &ReplayPeer, at: f64) -> RecordedCrash {
    let mut first_suspected: Option<f64> = None;
    let mut first_failed: Option<f64> = None;
    let mut all_failed: Option<f64> = Some(0.0);
    for track in tracks {
        if track.peer.node == crashed.node || !track.peer.live_at(at) {
            continue;
        }
        let mut failed_here = None;
        // A suspicion raised before the crash and still standing when it came (a false one
        // under load, not yet refuted) is this peer's first suspicion of the crashed peer:
        // counted from when it was raised, so before the crash (negative).
        let mut standing: Option<f64> = None;
        for timed in &track.records {
            let t = ms(timed.t);
            if t < at {
                if let RecordBody::Member { event } = &timed.body
                    && event.id() == crashed.id
                {
                    standing = match event {
                        MemberEvent::Suspected { .. } => standing.or(Some(t)),
                        _ => None,
                    };
                }
                continue;
            }
            match timed.body {
                RecordBody::Member {
                    event: MemberEvent::Suspected { id, .. },
                } if *id == crashed.id => {
                    first_suspected = Some(first_suspected.map_or(t, |s| s.min(t)));
                }
                RecordBody::Member {
                    event: MemberEvent::Failed { id, .. } | MemberEvent::Left { id, .. },
                } if *id == crashed.id => {
                    if matches!(
                        timed.body,
                        RecordBody::Member {
                            event: MemberEvent::Failed { .. }
                        }
                    ) {
                        first_failed = Some(first_failed.map_or(t, |f| f.min(t)));
                    }
                    failed_here.get_or_insert(t);
                }
                _ => {}
            }
        }
        if let Some(raised) = standing {
            first_suspected = Some(first_suspected.map_or(raised, |s| s.min(raised)));
        }
        match failed_here {
            Some(t) if t <= track.peer.until_ms() => {
                all_failed = all_failed.map(|all| all.max(t - at));
            }
            _ if !matches!(track.peer.departure, Departure::Stayed) => {}
            _ => all_failed = None,
        }
    }
    RecordedCrash {
        node: crashed.node,
        at_ms: at,
        first_suspected_ms: first_suspected.map(|t| t - at),
        first_failed_ms: first_failed.map(|t| t - at),
        all_failed_ms: all_failed.filter(|_| first_failed.is_some()),
    }
}

/// Messages (and bytes, less the envelope byte) a peer sent per second while a member and
/// recording (a tab's recording downloaded before it closed holds none of its last messages:
/// their time is not counted either).
fn traffic_of(track: &Track) -> RecordedTraffic {
    let (from, until) = (track.peer.joined_ms, track.peer.recorded_until_ms());
    let (mut messages, mut bytes) = (0u64, 0u64);
    for timed in &track.records {
        let t = ms(timed.t);
        if let RecordBody::Sent { bytes: size, .. } = timed.body
            && t >= from
            && t <= until
        {
            messages += 1;
            bytes += u64::from(size.saturating_sub(1));
        }
    }
    let seconds = ((until - from) / 1_000.0).max(1e-3);
    RecordedTraffic {
        node: track.peer.node,
        messages_per_s: messages as f64 / seconds,
        bytes_per_s: bytes as f64 / seconds,
    }
}

/// The latency and loss the recordings measured.
fn fit_link(tracks: &[Track]) -> LinkFit {
    let one_way: Vec<f64> = tracks
        .iter()
        .flat_map(|track| &track.records)
        .filter_map(|timed| match timed.body {
            RecordBody::Received {
                rtt_us: Some(rtt), ..
            } => Some(*rtt as f64 / 2_000.0),
            _ => None,
        })
        .collect();
    let one_way_ms = Spread::of(one_way);
    let latency = if one_way_ms.count == 0 {
        Cluster::default().latency
    } else {
        let (low, high) = (
            one_way_ms.p10.round() as Time,
            one_way_ms.p90.round() as Time,
        );
        if low >= high {
            Latency::Fixed { ms: low }
        } else {
            Latency::Uniform {
                min: low,
                max: high,
            }
        }
    };
    let (sent, received) = delivery(tracks);
    let loss = if sent == 0 {
        0.0
    } else {
        (1.0 - received as f64 / sent as f64).clamp(0.0, 1.0)
    };
    LinkFit {
        one_way_ms,
        latency,
        sent,
        received,
        loss,
    }
}

/// What identifies a message on both sides of a link: its kind, size and summary.
type Content<'a> = (&'a str, u32, &'a str);

/// Messages sent between recorded peers while both recordings cover the pair, and how many of
/// those very messages arrived.
///
/// Counted per ordered pair over one window on the sender's clock: from the later admission to
/// the sender's recorded end or a second ([`IN_FLIGHT_MS`]) before the recipient's, whichever
/// is first. Each message the recipient recorded is paired with the sender's earliest unpaired
/// send of the same content to it (the relay keeps a pair's order), and counts as received only
/// if that send was counted as sent. Receipts counted on their own would take in messages whose
/// send no recording holds (sent after a tab's recording was downloaded, or before a late
/// recording began) and duplicates, and more could arrive than were sent.
fn delivery(tracks: &[Track]) -> (u64, u64) {
    // Each track's sends by recipient and receipts by sender, in order.
    let mut sends: Vec<BTreeMap<NodeId, Vec<(f64, Content)>>> = Vec::new();
    let mut receipts: Vec<BTreeMap<NodeId, Vec<Content>>> = Vec::new();
    for track in tracks {
        let (mut out, mut into) = (BTreeMap::<_, Vec<_>>::new(), BTreeMap::<_, Vec<_>>::new());
        for timed in &track.records {
            match timed.body {
                RecordBody::Sent {
                    to,
                    msg,
                    bytes,
                    summary,
                } => out
                    .entry(*to)
                    .or_default()
                    .push((ms(timed.t), (msg.as_str(), *bytes, summary.as_str()))),
                RecordBody::Received {
                    from,
                    msg,
                    bytes,
                    summary,
                    ..
                } => into
                    .entry(*from)
                    .or_default()
                    .push((msg.as_str(), *bytes, summary.as_str())),
                _ => {}
            }
        }
        sends.push(out);
        receipts.push(into);
    }
    let (mut sent, mut received) = (0u64, 0u64);
    for (sender, track) in tracks.iter().enumerate() {
        for (recipient, other) in tracks.iter().enumerate() {
            if sender == recipient {
                continue;
            }
            let from = track.peer.joined_ms.max(other.peer.joined_ms);
            let until = track
                .peer
                .recorded_until_ms()
                .min(other.peer.recorded_until_ms() - IN_FLIGHT_MS);
            // Whether each send is counted, queued by content in the order sent.
            let mut unpaired: BTreeMap<Content, VecDeque<bool>> = BTreeMap::new();
            for &(t, content) in sends[sender].get(&other.peer.id).into_iter().flatten() {
                let counted = from <= t && t <= until;
                sent += u64::from(counted);
                unpaired.entry(content).or_default().push_back(counted);
            }
            for content in receipts[recipient]
                .get(&track.peer.id)
                .into_iter()
                .flatten()
            {
                if unpaired
                    .get_mut(content)
                    .and_then(|queue| queue.pop_front())
                    .unwrap_or(false)
                {
                    received += 1;
                }
            }
        }
    }
    (sent, received)
}
