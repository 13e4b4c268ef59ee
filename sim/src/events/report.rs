//! What a run of the event engine measures ([`EventReport`]: samples, crash and write records,
//! totals, and [`ClusterSummary`], its per-run figures), and the books the engine keeps from
//! what the live nodes report: who holds whom in which state, when a crash was detected, how far
//! each write got.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::metrics::Figure;
use gossip_core::Stamp;
use gossip_core::{MemberEvent, MemberState};
use gossip_core::{NodeId, Time};

/// Counts over one time step, `[at - sample_every, at)`. View counts are over the live nodes'
/// membership lists at `at`: how many (live node, member) pairs are Alive, Suspect, Dead
/// (declared failed by that node) or Left.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSample {
    /// The end of the step.
    pub at: Time,
    /// Live nodes at `at`.
    pub live: u32,
    /// Crashed nodes at `at`, not restarted.
    pub crashed: u32,
    /// (live node, member) pairs held Alive.
    pub alive_views: u64,
    /// Pairs held Suspect.
    pub suspect_views: u64,
    /// Pairs held Dead.
    pub dead_views: u64,
    /// Pairs held Left.
    pub left_views: u64,
    /// Member events during the step, at any node: Joined.
    pub joined: u32,
    /// Suspected events.
    pub suspected: u32,
    /// Refuted events.
    pub refuted: u32,
    /// Failed events.
    pub failed: u32,
    /// Left events.
    pub left: u32,
    /// Failed events about running nodes.
    pub false_failures: u32,
    /// Messages sent during the step.
    pub messages_sent: u64,
    /// Their bytes.
    pub bytes_sent: u64,
    /// Messages delivered during the step.
    pub delivered: u64,
    /// Lost at random (partitions not included).
    pub lost: u64,
    /// Second copies delivered.
    pub duplicates: u64,
    /// For each write, in order, the live nodes holding it (or a newer value of its key).
    pub write_holders: Vec<u32>,
}

/// What happened after a crash. Verdicts count while the node is down.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrashRecord {
    /// The node that crashed.
    pub node: NodeId,
    /// When.
    pub at: Time,
    /// The first Suspected event about it anywhere.
    pub first_suspected: Option<Time>,
    /// The first Failed event about it anywhere.
    pub first_failed: Option<Time>,
    /// When every live node first held it Dead (or Left).
    pub all_failed: Option<Time>,
    /// When it restarted.
    pub restarted: Option<Time>,
    /// The new id, after a restart without state.
    pub restarted_as: Option<NodeId>,
}

impl CrashRecord {
    /// Crash to first suspicion anywhere.
    pub fn suspicion_time(&self) -> Option<Time> {
        self.first_suspected.map(|t| t - self.at)
    }

    /// Crash to first Failed verdict anywhere: SWIM's detection time.
    pub fn detection_time(&self) -> Option<Time> {
        self.first_failed.map(|t| t - self.at)
    }

    /// Crash to every live node knowing.
    pub fn full_detection_time(&self) -> Option<Time> {
        self.all_failed.map(|t| t - self.at)
    }
}

/// One write and how far it got.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteRecord {
    /// The node written to.
    pub node: NodeId,
    /// The key written.
    pub key: String,
    /// The version the write made.
    pub stamp: Stamp,
    /// When.
    pub at: Time,
    /// Live nodes holding it (or a newer value of its key) now.
    pub holders: u32,
    /// When every live node first held it.
    pub reached_all: Option<Time>,
}

impl WriteRecord {
    /// Write to every live node holding it.
    pub fn dissemination_time(&self) -> Option<Time> {
        self.reached_all.map(|t| t - self.at)
    }
}

/// Run totals.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventTotals {
    /// Events processed: deliveries, wake-ups, faults, churn arrivals.
    pub events: u64,
    /// Superseded wake-ups skipped (not counted in `events`).
    pub stale_wakes: u64,
    /// Messages sent.
    pub messages_sent: u64,
    /// Their bytes, as encoded on the wire.
    pub bytes_sent: u64,
    /// Lost at random.
    pub lost: u64,
    /// Cut by a partition.
    pub cut: u64,
    /// Messages that got a second copy.
    pub duplicates_created: u64,
    /// Second copies delivered.
    pub duplicates_delivered: u64,
    /// Messages delivered to running nodes.
    pub delivered: u64,
    /// Arrived at a node that was not running.
    pub dropped_at_down: u64,
    /// Sum of the delivery delays of the delivered messages, in milliseconds.
    pub delay_sum: u64,
    /// Joined events, at any node.
    pub joined: u64,
    /// Suspected events.
    pub suspected: u64,
    /// Refuted events.
    pub refuted: u64,
    /// Failed events.
    pub failed: u64,
    /// Left events.
    pub left: u64,
    /// Suspected events about running nodes.
    pub false_suspicions: u64,
    /// Failed events about running nodes.
    pub false_positives: u64,
    /// Of the false suspicions, those about running nodes that were not slow at the time.
    #[serde(default)]
    pub healthy_false_suspicions: u64,
    /// Of the false positives, those about running nodes that were not slow at the time.
    #[serde(default)]
    pub healthy_false_positives: u64,
    /// Direct mail given up.
    pub mail_dropped: u64,
    /// Nodes that joined by churn.
    pub churn_joins: u64,
    /// Nodes that left by churn.
    pub churn_leaves: u64,
    /// Faults that found their node in the wrong state (crashing a crashed node, say).
    pub skipped_faults: u64,
}

impl EventTotals {
    /// Mean delivery delay in milliseconds.
    pub fn mean_delay(&self) -> f64 {
        self.delay_sum as f64 / self.delivered.max(1) as f64
    }
}

/// Everything a run measured.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventReport {
    /// The initial population.
    pub nodes: u32,
    /// How long the run went, in milliseconds.
    pub duration: Time,
    /// SWIM's protocol period, the unit of detection times in periods.
    pub protocol_period: Time,
    /// A sample per time step.
    pub samples: Vec<EventSample>,
    /// A record per crash, in order.
    pub crashes: Vec<CrashRecord>,
    /// A record per write, in order.
    pub writes: Vec<WriteRecord>,
    /// Run totals.
    pub totals: EventTotals,
}

impl EventReport {
    /// The per-run figures of this report.
    pub fn summary(&self) -> ClusterSummary {
        let (nodes, duration, protocol_period) = (self.nodes, self.duration, self.protocol_period);
        let totals = &self.totals;
        let node_seconds = f64::from(nodes.max(1)) * (duration.max(1) as f64 / 1_000.0);
        let times = |time: fn(&CrashRecord) -> Option<Time>| {
            self.crashes.iter().filter_map(time).collect::<Vec<_>>()
        };
        let detections = times(CrashRecord::detection_time);
        let disseminations: Vec<Time> = self
            .writes
            .iter()
            .filter_map(WriteRecord::dissemination_time)
            .collect();
        ClusterSummary {
            nodes,
            duration,
            messages: totals.messages_sent,
            bytes: totals.bytes_sent,
            messages_per_node_second: totals.messages_sent as f64 / node_seconds,
            bytes_per_node_second: totals.bytes_sent as f64 / node_seconds,
            lost: totals.lost,
            duplicates: totals.duplicates_delivered,
            mean_delay: totals.mean_delay(),
            crashes: self.crashes.len() as u32,
            detected: detections.len() as u32,
            mean_suspicion_ms: mean(&times(CrashRecord::suspicion_time)),
            mean_detection_ms: mean(&detections),
            mean_detection_periods: mean(&detections).map(|ms| ms / protocol_period as f64),
            mean_full_detection_ms: mean(&times(CrashRecord::full_detection_time)),
            false_suspicions: totals.false_suspicions,
            false_positives: totals.false_positives,
            healthy_false_positives: totals.healthy_false_positives,
            writes: self.writes.len() as u32,
            writes_reaching_all: disseminations.len() as u32,
            mean_dissemination_ms: mean(&disseminations),
            max_dissemination_ms: disseminations.iter().max().copied(),
            mail_dropped: totals.mail_dropped,
        }
    }
}

fn mean(values: &[Time]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<Time>() as f64 / values.len() as f64)
}

/// The figures of one cluster run, as `gossip-node sim` reports and aggregates them. Times are
/// in milliseconds; `None` where nothing was measured (no crash, no write).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterSummary {
    /// The initial population.
    pub nodes: u32,
    /// How long the run went.
    pub duration: Time,
    /// Messages sent.
    pub messages: u64,
    /// Bytes sent.
    pub bytes: u64,
    /// Messages per node per second.
    pub messages_per_node_second: f64,
    /// Bytes per node per second.
    pub bytes_per_node_second: f64,
    /// Messages lost at random.
    pub lost: u64,
    /// Second copies delivered.
    pub duplicates: u64,
    /// Mean delivery delay.
    pub mean_delay: f64,
    /// Crashes during the run.
    pub crashes: u32,
    /// Crashes some node declared failed.
    pub detected: u32,
    /// Crash to the first suspicion anywhere.
    pub mean_suspicion_ms: Option<f64>,
    /// Crash to the first Failed verdict anywhere.
    pub mean_detection_ms: Option<f64>,
    /// The same in SWIM protocol periods.
    pub mean_detection_periods: Option<f64>,
    /// Crash to every live node holding it failed.
    pub mean_full_detection_ms: Option<f64>,
    /// Suspicions about running nodes.
    pub false_suspicions: u64,
    /// Failed verdicts about running nodes.
    pub false_positives: u64,
    /// False positives about nodes that were not slow (Lifeguard's measure).
    pub healthy_false_positives: u64,
    /// Writes during the run.
    pub writes: u32,
    /// Writes that reached every live node.
    pub writes_reaching_all: u32,
    /// Write to every live node holding it, over the writes that got there.
    pub mean_dissemination_ms: Option<f64>,
    /// The longest of those.
    pub max_dissemination_ms: Option<Time>,
    /// Direct mail given up.
    pub mail_dropped: u64,
}

impl ClusterSummary {
    /// The figures that batch runs aggregate, in output order.
    pub fn figures(&self) -> Vec<Figure> {
        let count = |n: u64| Some(n as f64);
        vec![
            (
                "messages_per_node_second",
                Some(self.messages_per_node_second),
            ),
            ("bytes_per_node_second", Some(self.bytes_per_node_second)),
            ("mean_delay", Some(self.mean_delay)),
            ("lost", count(self.lost)),
            ("detected", count(u64::from(self.detected))),
            ("mean_suspicion_ms", self.mean_suspicion_ms),
            ("mean_detection_ms", self.mean_detection_ms),
            ("mean_detection_periods", self.mean_detection_periods),
            ("mean_full_detection_ms", self.mean_full_detection_ms),
            ("false_suspicions", count(self.false_suspicions)),
            ("false_positives", count(self.false_positives)),
            (
                "healthy_false_positives",
                count(self.healthy_false_positives),
            ),
            (
                "writes_reaching_all",
                count(u64::from(self.writes_reaching_all)),
            ),
            ("mean_dissemination_ms", self.mean_dissemination_ms),
            (
                "max_dissemination_ms",
                self.max_dissemination_ms.map(|ms| ms as f64),
            ),
            ("mail_dropped", count(self.mail_dropped)),
        ]
    }
}

/// Messages delivered to one node and their total delay.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deliveries {
    /// Messages delivered.
    pub count: u64,
    /// Sum of their delays, in milliseconds.
    pub delay_sum: u64,
}

/// Members one node holds Suspect, Dead (declared by it or heard) and Left.
#[derive(Clone, Copy, Debug)]
struct Held {
    suspects: u32,
    dead: u32,
    left: u32,
    /// The members the node lists (itself included) as it last told, or [`UNKNOWN`] since its
    /// last member event: a node's list changes only with an event, so a sample asks only the
    /// nodes that had one (asking every live node at every sample was a cache miss per node).
    listed: u64,
    /// Whether the node is live, so counted in [`Books::sums`].
    live: bool,
}

/// [`Held::listed`] before the node is asked.
const UNKNOWN: u64 = u64::MAX;

impl Default for Held {
    fn default() -> Self {
        Held {
            suspects: 0,
            dead: 0,
            left: 0,
            listed: UNKNOWN,
            live: false,
        }
    }
}

/// The views of the live nodes, summed over them as the samples report them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct ViewSums {
    /// Members listed (Alive or Suspect), not counting the node itself, over the live nodes
    /// whose [`Held::listed`] is known.
    listed: u64,
    suspects: u64,
    dead: u64,
    left: u64,
}

impl ViewSums {
    /// Adds (`add`) or takes out one live node's counts, and its list if known.
    fn count(&mut self, held: &Held, add: bool) {
        let apply = |sum: &mut u64, value: u64| {
            if add {
                *sum += value;
            } else {
                *sum -= value;
            }
        };
        apply(&mut self.suspects, u64::from(held.suspects));
        apply(&mut self.dead, u64::from(held.dead));
        apply(&mut self.left, u64::from(held.left));
        if held.listed != UNKNOWN {
            apply(&mut self.listed, held.listed - 1);
        }
    }
}

impl Held {
    /// Uncounts a view that is replaced.
    fn forget(&mut self, old: Option<MemberState>) {
        match old {
            Some(MemberState::Suspect) => self.suspects -= 1,
            Some(MemberState::Dead) => self.dead -= 1,
            Some(MemberState::Left) => self.left -= 1,
            _ => {}
        }
    }
}

struct WriteTrack {
    record: WriteRecord,
    /// Node ids holding it (grown on demand).
    held: Vec<bool>,
}

/// The books of a run: totals, samples, crash and write records, and the views they are
/// computed from, kept up to date from what the nodes report. The engine says who is live
/// (`live`, the running members, in its order) and when (`now`).
pub(super) struct Books {
    /// Run totals, counted by the engine and here.
    pub(super) totals: EventTotals,
    /// The time step in progress.
    pub(super) step: EventSample,
    samples: Vec<EventSample>,
    next_sample: Time,
    sample_every: Time,
    /// Non-Alive views, by (observer, subject): what the next member event changes from.
    views: BTreeMap<(NodeId, NodeId), MemberState>,
    /// By node id.
    held: Vec<Held>,
    /// The live nodes' views, summed: a sample adds up nothing (issue 16).
    sums: ViewSums,
    /// Live nodes whose list is to be asked for at the next sample (and maybe some others).
    unknown: Vec<NodeId>,
    /// By node id: its latest crash, an index into `crashes`.
    last_crash: Vec<Option<u32>>,
    crashes: Vec<CrashRecord>,
    /// Failed (or Left) verdicts about each crash, at any node: an upper bound of the live nodes
    /// that know, so that the exact check runs only when it can succeed.
    crash_verdicts: Vec<u32>,
    writes: Vec<WriteTrack>,
    writes_by_key: BTreeMap<String, Vec<u32>>,
}

impl Books {
    /// Empty books, sampling every `sample_every` ms.
    pub(super) fn new(sample_every: Time) -> Self {
        Books {
            totals: EventTotals::default(),
            step: EventSample::default(),
            samples: Vec::new(),
            next_sample: sample_every,
            sample_every,
            views: BTreeMap::new(),
            held: Vec::new(),
            sums: ViewSums::default(),
            unknown: Vec::new(),
            last_crash: Vec::new(),
            crashes: Vec::new(),
            crash_verdicts: Vec::new(),
            writes: Vec::new(),
            writes_by_key: BTreeMap::new(),
        }
    }

    /// The samples of the steps closed so far.
    pub(super) fn samples(&self) -> &[EventSample] {
        &self.samples
    }

    /// The crash records.
    pub(super) fn crashes(&self) -> &[CrashRecord] {
        &self.crashes
    }

    /// The write records.
    pub(super) fn writes(&self) -> impl Iterator<Item = &WriteRecord> + '_ {
        self.writes.iter().map(|track| &track.record)
    }

    /// A node under the next id.
    pub(super) fn add_node(&mut self) {
        self.held.push(Held::default());
        self.last_crash.push(None);
    }

    /// Closes every time step that ends at or before `t`. `listed(id)`: the members live node
    /// `id` lists, itself included.
    pub(super) fn close_samples(
        &mut self,
        t: Time,
        live: &[NodeId],
        crashed: u32,
        listed: impl Fn(NodeId) -> u64,
    ) {
        while self.next_sample <= t {
            let mut sample = std::mem::take(&mut self.step);
            sample.at = self.next_sample;
            sample.live = live.len() as u32;
            sample.crashed = crashed;
            for id in self.unknown.drain(..) {
                let held = &mut self.held[id as usize];
                if held.live && held.listed == UNKNOWN {
                    held.listed = listed(id);
                    self.sums.listed += held.listed - 1;
                }
            }
            #[cfg(debug_assertions)]
            {
                // The sums are what adding up the live nodes' views (and asking each for its
                // list) gives.
                let mut expected = ViewSums::default();
                for &id in live {
                    let held = self.held[id as usize];
                    assert!(held.live, "node {id} is counted live");
                    assert_eq!(held.listed, listed(id), "node {id} lists what it told");
                    expected.count(&held, true);
                }
                assert_eq!(live.len(), self.held.iter().filter(|h| h.live).count());
                assert_eq!(self.sums, expected);
                let alive_views: u64 = live
                    .iter()
                    .map(|&id| {
                        (listed(id) - 1).saturating_sub(u64::from(self.held[id as usize].suspects))
                    })
                    .sum();
                assert_eq!(alive_views, self.sums.listed - self.sums.suspects);
            }
            sample.alive_views = self.sums.listed - self.sums.suspects;
            sample.suspect_views = self.sums.suspects;
            sample.dead_views = self.sums.dead;
            sample.left_views = self.sums.left;
            sample.write_holders = self.writes.iter().map(|w| w.record.holders).collect();
            self.samples.push(sample);
            self.next_sample += self.sample_every;
        }
    }

    /// Node `id` crashed at `at`: a new record.
    pub(super) fn crash(&mut self, id: NodeId, at: Time) {
        self.last_crash[id as usize] = Some(self.crashes.len() as u32);
        self.crashes.push(CrashRecord {
            node: id,
            at,
            first_suspected: None,
            first_failed: None,
            all_failed: None,
            restarted: None,
            restarted_as: None,
        });
        self.crash_verdicts.push(0);
    }

    /// Crashed node `id` restarted at `at`; returns its crash record's index.
    pub(super) fn restart(&mut self, id: NodeId, at: Time) -> usize {
        let crash = self.last_crash[id as usize].expect("a crashed node has a crash record");
        self.crashes[crash as usize].restarted = Some(at);
        crash as usize
    }

    /// The node of crash `crash` came back under the id `by`.
    pub(super) fn replaced(&mut self, crash: usize, by: NodeId) {
        self.crashes[crash].restarted_as = Some(by);
    }

    /// Node `id` joined (`live`) or left the live nodes, now `live_nodes`.
    pub(super) fn liveness_changed(
        &mut self,
        id: NodeId,
        live: bool,
        live_nodes: &[NodeId],
        now: Time,
    ) {
        let held = &mut self.held[id as usize];
        if held.live != live {
            held.live = live;
            let held = *held;
            self.sums.count(&held, live);
            if live && held.listed == UNKNOWN {
                self.unknown.push(id);
            }
        }
        for track in &mut self.writes {
            if track.held.get(id as usize).copied().unwrap_or(false) {
                if live {
                    track.record.holders += 1;
                } else {
                    track.record.holders -= 1;
                }
            }
        }
        for index in 0..self.writes.len() {
            self.check_write(index, live_nodes.len(), now);
        }
        for index in 0..self.crashes.len() {
            self.check_crash(index, live_nodes, now);
        }
    }

    /// The open crash of `subject`, which is `running` or not: it is down and its latest crash
    /// is the reason.
    fn open_crash(&self, subject: NodeId, running: bool) -> Option<usize> {
        if running {
            return None;
        }
        self.last_crash[subject as usize]
            .map(|index| index as usize)
            .filter(|&index| self.crashes[index].restarted.is_none())
    }

    /// A member event at `observer`. Its subject is `running` or not, and `healthy` if running
    /// and not slow (Lifeguard's healthy members).
    pub(super) fn observe_member(
        &mut self,
        observer: NodeId,
        event: MemberEvent,
        (running, healthy): (bool, bool),
        live: &[NodeId],
        now: Time,
    ) {
        let subject = event.id();
        let key = (observer, subject);
        // The observer's counts come out of the sums while they change, and its list is
        // asked for again at the next sample.
        let held = self.held[observer as usize];
        if held.live {
            self.sums.count(&held, false);
            if held.listed != UNKNOWN {
                self.unknown.push(observer);
            }
        }
        self.held[observer as usize].listed = UNKNOWN;
        match event {
            MemberEvent::Joined { .. } => {
                self.totals.joined += 1;
                self.step.joined += 1;
                // A member that rejoins (refuting Dead or Left) is no longer counted as such.
                let old = self.views.remove(&key);
                self.held[observer as usize].forget(old);
            }
            MemberEvent::Suspected { .. } => {
                self.totals.suspected += 1;
                self.step.suspected += 1;
                if self.views.insert(key, MemberState::Suspect) != Some(MemberState::Suspect) {
                    self.held[observer as usize].suspects += 1;
                }
                if running {
                    self.totals.false_suspicions += 1;
                    self.totals.healthy_false_suspicions += u64::from(healthy);
                } else if let Some(crash) = self.open_crash(subject, running) {
                    self.crashes[crash].first_suspected.get_or_insert(now);
                }
            }
            MemberEvent::Refuted { .. } => {
                self.totals.refuted += 1;
                self.step.refuted += 1;
                if self.views.remove(&key) == Some(MemberState::Suspect) {
                    self.held[observer as usize].suspects -= 1;
                }
            }
            MemberEvent::Failed { .. } => {
                self.totals.failed += 1;
                self.step.failed += 1;
                let old = self.views.insert(key, MemberState::Dead);
                let held = &mut self.held[observer as usize];
                held.forget(old);
                held.dead += 1;
                if running {
                    self.totals.false_positives += 1;
                    self.totals.healthy_false_positives += u64::from(healthy);
                    self.step.false_failures += 1;
                } else if let Some(crash) = self.open_crash(subject, running) {
                    self.crashes[crash].first_failed.get_or_insert(now);
                    self.crash_verdicts[crash] += 1;
                    self.check_crash(crash, live, now);
                }
            }
            MemberEvent::Left { .. } => {
                self.totals.left += 1;
                self.step.left += 1;
                let old = self.views.insert(key, MemberState::Left);
                let held = &mut self.held[observer as usize];
                match old {
                    Some(MemberState::Suspect) => held.suspects -= 1,
                    Some(MemberState::Dead) => held.dead -= 1,
                    _ => {}
                }
                held.left += 1;
                if old != Some(MemberState::Dead)
                    && let Some(crash) = self.open_crash(subject, running)
                {
                    self.crash_verdicts[crash] += 1;
                    self.check_crash(crash, live, now);
                }
            }
        }
        let held = self.held[observer as usize];
        if held.live {
            self.sums.count(&held, true);
        }
    }

    /// Sets `all_failed` once every live node holds the crashed node Dead or Left.
    fn check_crash(&mut self, index: usize, live: &[NodeId], now: Time) {
        let record = &self.crashes[index];
        if record.all_failed.is_some()
            || record.restarted.is_some()
            || live.is_empty()
            || (self.crash_verdicts[index] as usize) < live.len()
        {
            return;
        }
        let subject = record.node;
        let everyone = live.iter().all(|&observer| {
            matches!(
                self.views.get(&(observer, subject)),
                Some(MemberState::Dead | MemberState::Left)
            )
        });
        if everyone {
            self.crashes[index].all_failed = Some(now);
        }
    }

    /// A write at `at` by `node`, held by the nodes `held` says (by id), among them the live
    /// ones of `live`.
    pub(super) fn track_write(
        &mut self,
        (node, key, stamp): (NodeId, &str, Stamp),
        held: Vec<bool>,
        live: &[NodeId],
        at: Time,
    ) {
        let index = self.writes.len();
        let holders = live.iter().filter(|&&id| held[id as usize]).count() as u32;
        self.writes.push(WriteTrack {
            record: WriteRecord {
                node,
                key: key.to_string(),
                stamp,
                at,
                holders,
                reached_all: None,
            },
            held,
        });
        self.check_write(index, live.len(), at);
        self.writes_by_key
            .entry(key.to_string())
            .or_default()
            .push(index as u32);
    }

    /// `observer` (live or not) now holds `stamp` of `key`, with `live` nodes running.
    pub(super) fn observe_write(
        &mut self,
        (observer, observer_live): (NodeId, bool),
        key: &str,
        stamp: Stamp,
        live: usize,
        now: Time,
    ) {
        let Some(indices) = self.writes_by_key.get(key) else {
            return;
        };
        let mut completed = false;
        for &index in indices {
            let track = &mut self.writes[index as usize];
            if track.record.stamp > stamp {
                continue;
            }
            let o = observer as usize;
            if track.held.len() <= o {
                track.held.resize(o + 1, false);
            }
            if !std::mem::replace(&mut track.held[o], true) && observer_live {
                track.record.holders += 1;
                completed = true;
            }
        }
        if completed {
            for index in 0..self.writes_by_key[key].len() {
                let write = self.writes_by_key[key][index] as usize;
                self.check_write(write, live, now);
            }
        }
    }

    fn check_write(&mut self, index: usize, live: usize, now: Time) {
        let live = live as u32;
        let record = &mut self.writes[index].record;
        if record.reached_all.is_none() && live > 0 && record.holders == live {
            record.reached_all = Some(now);
        }
    }

    /// Each of `count` nodes' state as the running nodes see it (see
    /// [`EventSim::member_states`](super::EventSim::member_states)).
    pub(super) fn member_states(&self, count: u32, running: impl Fn(NodeId) -> bool) -> Vec<u8> {
        let mut states = vec![0u8; count as usize];
        for (&(observer, subject), &state) in &self.views {
            let observer_live = observer < count && running(observer);
            if let Some(seen) = states.get_mut(subject as usize)
                && observer_live
            {
                let severity = if state == MemberState::Suspect { 1 } else { 2 };
                *seen = (*seen).max(severity);
            }
        }
        for (id, seen) in states.iter_mut().enumerate() {
            if *seen == 0 && !running(id as NodeId) {
                *seen = 3;
            }
        }
        states
    }
}
