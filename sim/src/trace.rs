//! Message traces: every message the event loop of [`crate::process`] carries between two
//! processes, recorded for playback (the playground draws each as a dot moving from sender to
//! receiver) and for inspection: who sent it to whom, when it left, when it arrived or why it
//! never did ([`Fate`]), its kind, its size and what it carried in a few words (the process's
//! [`Process::summary`](crate::process::Process::summary), for live nodes
//! [`gossip_core::Message::summary`]).
//!
//! Recording never changes the run: it draws nothing from the run's generator and decides
//! nothing (a test runs every engine with and without it and compares the reports).
//!
//! Bounded: a trace holds at most `cap` messages. Past that it becomes a deterministic sample of
//! the whole run: message `n` (counted in sending order from 0) is kept when `n` is a multiple of
//! [`MessageTrace::sample_every`], which doubles (dropping the kept messages that are no longer
//! multiples) whenever the cap would be exceeded. So a sampled trace still covers the run
//! evenly, at a rate the trace states, and summaries are only written for messages kept.
//!
//! Cheap while the run goes: a kept message is a fixed-size record whose summary is written into
//! one shared text buffer (no `String` per message); the [`TracedMessage`]s with their own
//! strings are built only when the trace is read or taken.

use std::cell::OnceCell;
use std::ops::Range;

use gossip_core::{NodeId, Time};
use serde::{Deserialize, Serialize};

/// Messages a trace keeps by default before it samples: enough for every message of a minute of
/// a 100-node SWIM cluster, and about 10 MB of memory.
pub const DEFAULT_TRACE_CAP: usize = 200_000;

/// What became of a traced message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    /// Still on its way when the run (or the trace) ended.
    InFlight,
    /// Handed to its receiver at [`TracedMessage::ended_at`].
    Arrived,
    /// Lost by the link (the run's loss probability or a loss burst); it never arrives, and no
    /// latency was drawn for it.
    Lost,
    /// Cut by a partition when it was sent.
    Partitioned,
    /// Arrived at [`TracedMessage::ended_at`] at a process that was not running (crashed,
    /// departed), which dropped it.
    ReceiverDown,
    /// Addressed to a process that does not exist.
    NoSuchReceiver,
}

/// One message between two processes. It serialises as a tuple `[from, to, sent_at, ended_at,
/// fate, kind, bytes, summary]` so that a trace of tens of thousands of messages stays small on
/// its way to the page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "TracedTuple", from = "TracedTuple")]
pub struct TracedMessage {
    /// The sender.
    pub from: NodeId,
    /// The receiver.
    pub to: NodeId,
    /// When it was sent, in ms.
    pub sent_at: Time,
    /// When it arrived (at a running or a stopped receiver), in ms; None when it never did.
    pub ended_at: Option<Time>,
    /// What became of it.
    pub fate: Fate,
    /// Its kind, an index into [`MessageTrace::kinds`].
    pub kind: u16,
    /// The bytes it takes on the wire.
    pub bytes: u32,
    /// What it carried, in a few words.
    pub summary: String,
}

type TracedTuple = (NodeId, NodeId, Time, Option<Time>, Fate, u16, u32, String);

impl From<TracedMessage> for TracedTuple {
    fn from(m: TracedMessage) -> Self {
        (
            m.from, m.to, m.sent_at, m.ended_at, m.fate, m.kind, m.bytes, m.summary,
        )
    }
}

impl From<TracedTuple> for TracedMessage {
    fn from(t: TracedTuple) -> Self {
        TracedMessage {
            from: t.0,
            to: t.1,
            sent_at: t.2,
            ended_at: t.3,
            fate: t.4,
            kind: t.5,
            bytes: t.6,
            summary: t.7,
        }
    }
}

/// The messages of a run (or a sample of them), in sending order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageTrace {
    /// The kinds met, in order of first appearance; messages name theirs by index.
    pub kinds: Vec<String>,
    /// The messages kept, in sending order.
    pub messages: Vec<TracedMessage>,
    /// Messages sent during the run, kept or not.
    pub total: u64,
    /// One message in this many was kept (1: every message).
    pub sample_every: u64,
    /// The most messages the trace keeps.
    pub cap: usize,
}

impl MessageTrace {
    /// Whether only a sample of the run's messages was kept.
    pub fn is_sampled(&self) -> bool {
        self.sample_every > 1
    }

    /// The kind of `message`, as a word.
    pub fn kind_of(&self, message: &TracedMessage) -> &str {
        self.kinds
            .get(message.kind as usize)
            .map_or("?", String::as_str)
    }
}

/// Marks a message in flight that the trace does not hold.
pub(crate) const UNTRACED: u64 = u64::MAX;

/// A kept message while the run goes: a [`TracedMessage`] whose summary is a range of
/// [`Tracer`]'s shared text.
#[derive(Clone, Debug)]
struct Kept {
    from: NodeId,
    to: NodeId,
    sent_at: Time,
    ended_at: Option<Time>,
    fate: Fate,
    kind: u16,
    bytes: u32,
    summary: Range<usize>,
}

/// The recorder the event loop holds while tracing (see the module documentation).
///
/// It keeps exactly the messages whose number is a multiple of `sample_every`, so message `n`
/// sits at index `n / sample_every` and is found without a search when it ends.
#[derive(Debug)]
pub(crate) struct Tracer {
    kept: Vec<Kept>,
    /// The kept messages' summaries, one after another.
    text: String,
    kind_words: Vec<&'static str>,
    total: u64,
    sample_every: u64,
    cap: usize,
    /// The trace built from the records, for [`Tracer::trace`]; emptied by every change.
    built: OnceCell<MessageTrace>,
}

impl Tracer {
    /// A recorder keeping at most `cap` messages (at least 1).
    pub(crate) fn new(cap: usize) -> Self {
        Tracer {
            kept: Vec::new(),
            text: String::new(),
            kind_words: Vec::new(),
            total: 0,
            sample_every: 1,
            cap: cap.max(1),
            built: OnceCell::new(),
        }
    }

    /// A message leaves `from` for `to` at `now`; `describe` appends what it carried to the
    /// `String` it is given and returns its kind and its size in bytes; it is only called if
    /// the message is kept. Returns its number if kept (to end it with [`Tracer::end`]), else
    /// [`UNTRACED`].
    pub(crate) fn sent(
        &mut self,
        (from, to, now): (NodeId, NodeId, Time),
        fate: Fate,
        describe: impl FnOnce(&mut String) -> (&'static str, usize),
    ) -> u64 {
        let number = self.total;
        self.total += 1;
        if number % self.sample_every != 0 {
            return UNTRACED;
        }
        if self.kept.len() >= self.cap {
            self.halve();
            if number % self.sample_every != 0 {
                return UNTRACED;
            }
        }
        self.built.take();
        let start = self.text.len();
        let (kind_word, bytes) = describe(&mut self.text);
        let kind = match self.kind_words.iter().position(|&k| k == kind_word) {
            Some(index) => index,
            None => {
                self.kind_words.push(kind_word);
                self.kind_words.len() - 1
            }
        };
        self.kept.push(Kept {
            from,
            to,
            sent_at: now,
            ended_at: None,
            fate,
            kind: kind as u16,
            bytes: bytes.min(u32::MAX as usize) as u32,
            summary: start..self.text.len(),
        });
        number
    }

    /// Message `number` (from [`Tracer::sent`]) reached its receiver at `now`.
    pub(crate) fn end(&mut self, number: u64, now: Time, fate: Fate) {
        if number == UNTRACED {
            return;
        }
        // Sampling may have dropped it since it was sent.
        let every = self.sample_every;
        if number % every == 0
            && let Some(message) = self.kept.get_mut((number / every) as usize)
        {
            message.ended_at = Some(now);
            message.fate = fate;
            self.built.take();
        }
    }

    /// Doubles the sampling interval, keeping the messages whose number is still a multiple,
    /// and their text only.
    fn halve(&mut self) {
        // Message `n` is at index `n / every`: the multiples of the doubled interval are at
        // the even indices.
        self.sample_every *= 2;
        let mut text = String::with_capacity(self.text.len() / 2 + 64);
        let mut index = 0;
        self.kept.retain_mut(|message| {
            index += 1;
            let keep = index % 2 == 1;
            if keep {
                let start = text.len();
                text.push_str(&self.text[message.summary.clone()]);
                message.summary = start..text.len();
            }
            keep
        });
        self.text = text;
    }

    /// The trace so far (built on the first call after a change).
    pub(crate) fn trace(&self) -> &MessageTrace {
        self.built.get_or_init(|| self.build())
    }

    /// The trace, ending the recording.
    pub(crate) fn into_trace(mut self) -> MessageTrace {
        self.built.take().unwrap_or_else(|| self.build())
    }

    fn build(&self) -> MessageTrace {
        MessageTrace {
            kinds: self.kind_words.iter().map(|&k| k.to_string()).collect(),
            messages: self
                .kept
                .iter()
                .map(|m| TracedMessage {
                    from: m.from,
                    to: m.to,
                    sent_at: m.sent_at,
                    ended_at: m.ended_at,
                    fate: m.fate,
                    kind: m.kind,
                    bytes: m.bytes,
                    summary: self.text[m.summary.clone()].to_string(),
                })
                .collect(),
            total: self.total,
            sample_every: self.sample_every,
            cap: self.cap,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Cluster, ClusterFault, EventSim, ScheduledClusterFault};
    use crate::models::traced;
    use crate::presets::presets;
    use crate::scenario::{Protocol, Scenario};
    use wasm_bindgen_test::wasm_bindgen_test;

    fn count(trace: &MessageTrace, fate: Fate) -> u64 {
        trace.messages.iter().filter(|m| m.fate == fate).count() as u64
    }

    /// Runs a cluster scenario without a trace, with one and with a small one (sampled), and
    /// checks that the three runs are the same and that the full trace agrees with the totals.
    fn check_cluster(name: &str, scenario: &Scenario, cluster: &Cluster) -> MessageTrace {
        let mut full = MessageTrace::default();
        let config = cluster.config(scenario.nodes, scenario.seed, scenario.network.loss);
        let plain = EventSim::new(config.clone()).unwrap().run();
        for cap in [DEFAULT_TRACE_CAP, 300] {
            let mut sim = EventSim::new(config.clone()).unwrap();
            sim.trace_messages(cap);
            let report = sim.run();
            assert_eq!(report, plain, "{name}: tracing (cap {cap}) changed the run");
            let trace = sim.take_message_trace().unwrap();
            let totals = &report.totals;
            assert_eq!(
                trace.total,
                totals.messages_sent + totals.duplicates_created,
                "{name}"
            );
            assert!(trace.messages.len() <= cap, "{name}");
            if cap == DEFAULT_TRACE_CAP {
                assert!(!trace.is_sampled(), "{name}");
                let fates = [
                    count(&trace, Fate::Arrived),
                    count(&trace, Fate::Lost),
                    count(&trace, Fate::Partitioned),
                    count(&trace, Fate::ReceiverDown) + count(&trace, Fate::NoSuchReceiver),
                ];
                let expected = [
                    totals.delivered,
                    totals.lost,
                    totals.cut,
                    totals.dropped_at_down,
                ];
                assert_eq!(fates, expected, "{name}");
                for m in &trace.messages {
                    assert_eq!(
                        m.ended_at.is_some(),
                        matches!(m.fate, Fate::Arrived | Fate::ReceiverDown),
                        "{name}: {m:?}"
                    );
                    assert!(
                        m.ended_at.is_none_or(|end| end >= m.sent_at),
                        "{name}: {m:?}"
                    );
                }
                full = trace;
            } else {
                let sampled = trace.total > cap as u64;
                assert_eq!(trace.is_sampled(), sampled, "{name}: {}", trace.total);
                assert!(trace.messages.iter().all(|m| !m.summary.is_empty()));
            }
        }
        full
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn tracing_changes_no_run_of_the_event_engine() {
        let mut checked = 0;
        for preset in presets() {
            if let Protocol::Cluster(cluster) = &preset.scenario.protocol {
                check_cluster(preset.id, &preset.scenario, cluster);
                checked += 1;
            }
        }
        assert!(checked >= 5, "{checked} cluster presets");
        // Every fate at once: a partition, a loss burst, duplicates, a crash and a restart.
        let at = |at, fault| ScheduledClusterFault { at, fault };
        let cluster = Cluster {
            duration: 12_000,
            duplicate: 0.05,
            faults: vec![
                at(
                    1_000,
                    ClusterFault::Partition {
                        groups: vec![vec![0, 1, 2, 3]],
                    },
                ),
                at(3_000, ClusterFault::Heal),
                at(
                    4_000,
                    ClusterFault::LossBurst {
                        loss: 0.3,
                        until: 6_000,
                    },
                ),
                at(5_000, ClusterFault::Crash { node: 5 }),
                at(
                    9_000,
                    ClusterFault::Restart {
                        node: 5,
                        keep_state: true,
                    },
                ),
            ],
            ..Cluster::default()
        };
        let scenario = Scenario::cluster(12, 4, cluster.clone());
        let trace = check_cluster("every fate", &scenario, &cluster);
        for fate in [
            Fate::Arrived,
            Fate::Lost,
            Fate::Partitioned,
            Fate::ReceiverDown,
        ] {
            assert!(count(&trace, fate) > 0, "{fate:?}");
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_recorded_run_carries_its_trace_beside_the_same_report() {
        use crate::recorded_run::RecordedOutcome;
        for id in ["swim-crash", "redis-cluster-fail"] {
            let scenario = presets().into_iter().find(|p| p.id == id).unwrap().scenario;
            let plain = scenario.start_recorded(100).unwrap().finish().unwrap();
            let mut run = scenario.start_recorded(100).unwrap();
            run.trace_messages(DEFAULT_TRACE_CAP);
            match (plain, run.finish().unwrap()) {
                (
                    RecordedOutcome::Cluster {
                        report: a,
                        recording: Some(plain),
                    },
                    RecordedOutcome::Cluster {
                        report: b,
                        recording: Some(traced),
                    },
                ) => {
                    assert_eq!(a, b);
                    assert_eq!((&plain.frames, &plain.trace), (&traced.frames, &None));
                    let trace = traced.trace.unwrap();
                    assert_eq!(
                        trace.total,
                        b.totals.messages_sent + b.totals.duplicates_created
                    );
                }
                (
                    RecordedOutcome::System {
                        report: a,
                        trace: None,
                    },
                    RecordedOutcome::System {
                        report: b,
                        trace: Some(trace),
                    },
                ) => {
                    assert_eq!(a, b);
                    assert_eq!(trace.total, b.totals.messages);
                }
                other => panic!("{id}: {other:?}"),
            }
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn tracing_changes_no_run_of_the_system_models() {
        let mut checked = 0;
        for preset in presets() {
            let scenario = &preset.scenario;
            let Protocol::System(run) = &scenario.protocol else {
                continue;
            };
            let (nodes, seed, loss) = (scenario.nodes, scenario.seed, scenario.network.loss);
            let plain = run.run(nodes, seed, loss).unwrap();
            for cap in [DEFAULT_TRACE_CAP, 300] {
                let (report, trace) = traced(cap, || run.run(nodes, seed, loss));
                let report = report.unwrap();
                assert_eq!(
                    report, plain,
                    "{}: tracing (cap {cap}) changed the run",
                    preset.id
                );
                let trace = trace.unwrap();
                assert_eq!(trace.total, report.totals.messages, "{}", preset.id);
                if cap == DEFAULT_TRACE_CAP {
                    assert!(!trace.is_sampled());
                    let bytes: u64 = trace.messages.iter().map(|m| u64::from(m.bytes)).sum();
                    assert_eq!(bytes, report.totals.bytes, "{}", preset.id);
                    let lost = count(&trace, Fate::Lost) + count(&trace, Fate::NoSuchReceiver);
                    assert_eq!(lost, report.totals.lost, "{}", preset.id);
                    assert_eq!(
                        count(&trace, Fate::ReceiverDown),
                        report.totals.dropped_at_down
                    );
                    assert!(
                        trace.kinds.iter().all(|kind| kind != "message"),
                        "{:?}",
                        trace.kinds
                    );
                } else {
                    let sampled = trace.total > cap as u64;
                    assert_eq!(trace.is_sampled(), sampled, "{}", preset.id);
                    assert!(trace.messages.len() <= cap);
                }
            }
            checked += 1;
        }
        assert!(checked >= 3, "{checked} system presets");
        // Outside `traced`, nothing is recorded.
        assert_eq!(crate::models::traced(1, || ()).1, None);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn past_its_cap_a_trace_keeps_every_nth_message_and_ends_the_kept_ones() {
        let mut tracer = Tracer::new(4);
        let mut numbers = Vec::new();
        for n in 0..10 {
            let kind = if n % 3 == 0 { "ping" } else { "ack" };
            numbers.push(tracer.sent((1, 2, n * 10), Fate::InFlight, |out| {
                out.push_str(&format!("{kind} {n}"));
                (kind, 20)
            }));
        }
        for (n, &number) in numbers.iter().enumerate() {
            tracer.end(number, 1_000 + n as Time, Fate::Arrived);
        }
        let trace = tracer.into_trace();
        // 4 kept of 0..4, then every 2nd (0, 2, 4, 6), then every 4th: 0, 4, 8.
        assert_eq!((trace.total, trace.sample_every), (10, 4));
        assert!(trace.is_sampled());
        let kept: Vec<(Time, &str, Option<Time>)> = trace
            .messages
            .iter()
            .map(|m| (m.sent_at, m.summary.as_str(), m.ended_at))
            .collect();
        assert_eq!(
            kept,
            [
                (0, "ping 0", Some(1_000)),
                (40, "ack 4", Some(1_004)),
                (80, "ack 8", Some(1_008)),
            ]
        );
        assert_eq!(trace.kinds, ["ping", "ack"]);
        assert_eq!(trace.kind_of(&trace.messages[1]), "ack");
        assert_eq!(
            numbers.iter().filter(|&&n| n == UNTRACED).count(),
            3,
            "5, 7 and 9 were never kept; 1, 2, 3 and 6 for a while"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_traced_message_reads_back_from_its_compact_form() {
        let message = TracedMessage {
            from: 3,
            to: 7,
            sent_at: 1_200,
            ended_at: None,
            fate: Fate::Partitioned,
            kind: 1,
            bytes: 40,
            summary: "ping 41".into(),
        };
        let json = serde_json::to_string(&message).unwrap();
        assert_eq!(json, r#"[3,7,1200,null,"partitioned",1,40,"ping 41"]"#);
        assert_eq!(
            serde_json::from_str::<TracedMessage>(&json).unwrap(),
            message
        );
    }
}
