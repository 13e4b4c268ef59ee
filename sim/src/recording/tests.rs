use super::*;
use crate::events::{ClusterFault, EventSim, Latency, NodeStatus, ScheduledClusterFault};
use crate::scenario::{Protocol, Scenario};
use gossip_core::{Mechanism, MemberEvent, NodeConfig};
use wasm_bindgen_test::wasm_bindgen_test;

fn start(unix_us: u64, cap_bytes: u64) -> Start {
    Start {
        format: RECORDING_FORMAT.into(),
        version: RECORDING_VERSION,
        unix_us,
        recorder: "test".into(),
        transport: "ws://127.0.0.1:1".into(),
        room: Some("r".into()),
        protocol: gossip_core::wire::PROTOCOL_VERSION,
        seed: 1,
        config: NodeConfig::default(),
        cap_bytes,
    }
}

fn written(start: Start, records: Vec<(u64, RecordBody)>, finish: bool) -> String {
    let mut writer = RecordingWriter::new(Vec::new(), start).unwrap();
    let mut last = 0;
    for (t_us, body) in records {
        writer.record(t_us, body);
        last = t_us;
    }
    let bytes = if finish {
        writer.finish(last).unwrap()
    } else {
        writer.flush().unwrap();
        writer.into_inner()
    };
    String::from_utf8(bytes).unwrap()
}

fn sent(to: u32, bytes: u32) -> RecordBody {
    RecordBody::Sent {
        to,
        msg: "ping".into(),
        bytes,
        summary: "ping 1".into(),
    }
}

fn received(from: u32, rtt_us: Option<u64>) -> RecordBody {
    RecordBody::Received {
        from,
        msg: "ack".into(),
        bytes: 9,
        summary: "ack 1".into(),
        rtt_us,
    }
}

/// The ping `sent` sends, as its recipient records it.
fn pinged(from: u32, bytes: u32) -> RecordBody {
    RecordBody::Received {
        from,
        msg: "ping".into(),
        bytes,
        summary: "ping 1".into(),
        rtt_us: None,
    }
}

/// The ack `received` receives, as its sender records it.
fn acked(to: u32) -> RecordBody {
    RecordBody::Sent {
        to,
        msg: "ack".into(),
        bytes: 9,
        summary: "ack 1".into(),
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn a_recording_reads_back_as_written() {
    let records = vec![
        (
            1_000,
            RecordBody::Welcome {
                id: 3,
                peers: vec![1, 2],
            },
        ),
        (2_000, sent(1, 10)),
        (2_500, received(1, Some(500))),
        (
            3_000,
            RecordBody::Member {
                event: MemberEvent::Suspected {
                    id: 2,
                    incarnation: 0,
                    at: 3,
                },
            },
        ),
        (
            4_000,
            RecordBody::Updated {
                key: "k".into(),
                origin: 1,
                version: 1,
                via: Mechanism::Rumor,
            },
        ),
    ];
    let text = written(start(7, DEFAULT_CAP_BYTES), records.clone(), true);
    let recording = Recording::parse("a.jsonl", &text).unwrap();
    assert_eq!(recording.start, start(7, DEFAULT_CAP_BYTES));
    let mut expected: Vec<Record> = records
        .into_iter()
        .map(|(t_us, body)| Record { t_us, body })
        .collect();
    expected.push(Record {
        t_us: 4_000,
        body: RecordBody::End,
    });
    assert_eq!(recording.records, expected);
    assert!(!recording.cut_short);
}

#[wasm_bindgen_test(unsupported = test)]
fn a_recording_stops_at_its_cap_and_says_so() {
    let cap = 4_096;
    let mut writer = RecordingWriter::new(Vec::new(), start(0, cap)).unwrap();
    let mut stops = Vec::new();
    for t in 0..1_000 {
        if let Some(stop) = writer.record(t, sent(1, 10)) {
            stops.push((t, stop));
        }
    }
    assert_eq!(stops.len(), 1, "said once");
    assert_eq!(stops[0].1, WriterStopped::Cap(cap));
    assert!(writer.is_stopped());
    let bytes = writer.finish(1_000).unwrap();
    assert!(bytes.len() as u64 <= cap, "{} bytes", bytes.len());
    let recording = Recording::parse("capped", &String::from_utf8(bytes).unwrap()).unwrap();
    let last = recording.records.last().unwrap();
    assert_eq!(
        last,
        &Record {
            t_us: stops[0].0,
            body: RecordBody::Stopped {
                reason: "the recording reached its size cap of 4096 bytes and stopped".into()
            }
        }
    );
    assert_eq!(recording.records.len() as u64, stops[0].0 + 1);
}

#[wasm_bindgen_test(unsupported = test)]
fn another_version_is_refused_naming_both() {
    let text = written(start(0, DEFAULT_CAP_BYTES), vec![], true).replacen(
        "\"version\":1",
        "\"version\":2,\"a_field_of_version_2\":true",
        1,
    );
    let error = Recording::parse("new.jsonl", &text).unwrap_err();
    assert_eq!(
        error,
        RecordingError::UnsupportedVersion {
            name: "new.jsonl".into(),
            found: 2,
            supported: 1
        }
    );
    assert_eq!(
        error.to_string(),
        "new.jsonl is recording version 2, this build reads version 1: it was written by a \
         newer build: replay it with that build"
    );
    let old = text.replacen("\"version\":2", "\"version\":0", 1);
    assert!(
        Recording::parse("old", &old)
            .unwrap_err()
            .to_string()
            .contains("version 0, this build reads version 1: it was written by an older build")
    );
    assert!(matches!(
        Recording::parse("x", "{\"kind\":\"start\"}\n"),
        Err(RecordingError::NotARecording { .. })
    ));
    assert!(matches!(
        Recording::parse("x", ""),
        Err(RecordingError::NotARecording { .. })
    ));
}

#[wasm_bindgen_test(unsupported = test)]
fn a_line_cut_short_at_the_end_is_left_out_and_one_in_the_middle_is_not() {
    let text = written(start(0, DEFAULT_CAP_BYTES), vec![(5, sent(1, 10))], false);
    let cut = format!("{text}{{\"t_us\":9,\"kind\":\"se");
    let recording = Recording::parse("cut", &cut).unwrap();
    assert!(recording.cut_short);
    assert_eq!(recording.records.len(), 1);
    let broken = format!("{text}not json\n{text}");
    assert_eq!(
        Recording::parse("broken", &broken).unwrap_err(),
        RecordingError::BadLine {
            name: "broken".into(),
            line: 3,
            reason: "expected ident at line 1 column 2".into()
        }
    );
}

/// Three peers on one wall clock: 1 starts the room at 1 s, 3 joins at 1.2 s, 2 at 1.5 s
/// (their own clocks start at different times); 1 writes at 2 s, the others learn it; 3 is
/// killed at 4 s and 1 and 2 suspect it and declare it failed; 2 leaves at 9 s.
fn three_peers() -> Vec<Recording> {
    three_peers_with(Vec::new())
}

/// [`three_peers`] with more records in peer 2's recording (its own clock, in µs).
fn three_peers_with(more_of_two: Vec<(u64, RecordBody)>) -> Vec<Recording> {
    let member = |event| RecordBody::Member { event };
    let updated = || RecordBody::Updated {
        key: "colour".into(),
        origin: 1,
        version: 1,
        via: Mechanism::Rumor,
    };
    let suspected = MemberEvent::Suspected {
        id: 3,
        incarnation: 0,
        at: 0,
    };
    let failed = MemberEvent::Failed {
        id: 3,
        incarnation: 0,
        at: 0,
    };
    // Peer 1's clock starts at wall 0.5 s.
    let one = written(
        start(500_000, DEFAULT_CAP_BYTES),
        vec![
            (
                500_000,
                RecordBody::Welcome {
                    id: 1,
                    peers: vec![],
                },
            ),
            (700_000, RecordBody::PeerConnected { id: 3 }),
            (1_000_000, RecordBody::PeerConnected { id: 2 }),
            (1_400_000, sent(3, 10)),
            (1_401_000, received(3, Some(1_000))),
            (1_500_000, sent(2, 20)),
            (1_503_000, received(2, Some(3_000))),
            (
                1_500_000,
                RecordBody::Put {
                    key: "colour".into(),
                    value: "blue".into(),
                    version: 1,
                },
            ),
            (3_500_000, RecordBody::PeerDisconnected { id: 3 }),
            (4_300_000, member(suspected)),
            (6_000_000, member(failed)),
        ],
        true,
    );
    // Peer 3's clock starts at wall 1.0 s; it is killed (no end line).
    let three = written(
        start(1_000_000, DEFAULT_CAP_BYTES),
        vec![
            (
                200_000,
                RecordBody::Welcome {
                    id: 3,
                    peers: vec![1],
                },
            ),
            (400_000, sent(1, 10)),
            (900_200, pinged(1, 10)),
            (900_500, acked(1)),
            (1_700_000, updated()),
            (2_999_000, sent(1, 10)),
        ],
        false,
    );
    // Peer 2's clock starts at wall 1.4 s.
    let mut records_of_two = vec![
        (
            100_000,
            RecordBody::Welcome {
                id: 2,
                peers: vec![1, 3],
            },
        ),
        (600_500, pinged(1, 20)),
        (601_000, acked(1)),
        (1_000_000, updated()),
        (2_900_000, member(suspected)),
        (4_100_000, member(failed)),
        (7_600_000, RecordBody::Leave),
    ];
    records_of_two.extend(more_of_two);
    records_of_two.sort_by_key(|(t, _)| *t);
    let two = written(start(1_400_000, DEFAULT_CAP_BYTES), records_of_two, true);
    [("one", one), ("three", three), ("two", two)]
        .iter()
        .map(|(name, text)| Recording::parse(name, text).unwrap())
        .collect()
}

#[wasm_bindgen_test(unsupported = test)]
fn recordings_merge_into_the_scenario_that_replays_them() {
    let merged = merge(&three_peers(), 5).unwrap();
    let at = |at, fault| ScheduledClusterFault { at, fault };
    // Node 0 is peer 1 (first in), node 1 peer 3, node 2 peer 2; times from peer 1's admission
    // at wall 1.0 s.
    assert_eq!(
        merged.peers,
        vec![
            ReplayPeer {
                id: 1,
                node: 0,
                source: "one".into(),
                joined_ms: 0.0,
                departure: Departure::Stayed,
                end_ms: 5_500.0,
            },
            ReplayPeer {
                id: 3,
                node: 1,
                source: "three".into(),
                joined_ms: 200.0,
                departure: Departure::Crashed { at_ms: 3_000.0 },
                end_ms: 2_999.0,
            },
            ReplayPeer {
                id: 2,
                node: 2,
                source: "two".into(),
                joined_ms: 500.0,
                departure: Departure::Left { at_ms: 8_000.0 },
                end_ms: 8_000.0,
            },
        ]
    );
    let Protocol::Cluster(cluster) = &merged.scenario.protocol else {
        panic!("a cluster scenario");
    };
    assert_eq!(
        cluster.faults,
        vec![
            at(200, ClusterFault::Join { node: 1 }),
            at(500, ClusterFault::Join { node: 2 }),
            at(
                1_000,
                ClusterFault::Put {
                    node: 0,
                    key: "colour".into(),
                    value: "blue".into()
                }
            ),
            at(3_000, ClusterFault::Crash { node: 1 }),
            at(8_000, ClusterFault::Leave { node: 2 }),
        ]
    );
    assert_eq!(merged.scenario.nodes, 3);
    assert_eq!(merged.scenario.seed, 5);
    assert_eq!(cluster.duration, 8_001);
    // Round trips 1 and 3 ms: one way 0.5 and 1.5 ms; the 10th and 90th percentiles round to 1
    // and 2 ms (0.5 rounds away from zero).
    assert_eq!(merged.fit.latency, Latency::Uniform { min: 1, max: 2 });
    assert_eq!(merged.fit.one_way_ms.count, 2);
    assert_eq!(merged.fit.one_way_ms.mean, 1.0);
    // Sent while both ends recorded (3's recording ends at 2.999 s, so 1's sends to it count
    // until 1.999 s): 1's pings to 3 (0.9 s) and 2 (1.0 s), 3's ping (0.4 s), ack (0.9005 s)
    // and ping (2.999 s) to 1, 2's ack to 1 (1.001 s); received: both pings, both acks.
    assert_eq!((merged.fit.sent, merged.fit.received), (6, 4));
    assert_eq!(merged.fit.loss, 1.0 - 4.0 / 6.0);
    assert_eq!(merged.scenario.network.loss, merged.fit.loss);
    assert_eq!(
        merged.writes,
        vec![RecordedWrite {
            node: 0,
            key: "colour".into(),
            at_ms: 1_000.0,
            // Peer 3 learned at 1.7 s, peer 2 at 1.4 s.
            spread_ms: Some(700.0),
        }]
    );
    assert_eq!(
        merged.crashes,
        vec![RecordedCrash {
            node: 1,
            at_ms: 3_000.0,
            // Peer 2 suspected at 3.3 s and failed it at 4.5 s; peer 1 at 3.8 s and 5.5 s.
            first_suspected_ms: Some(300.0),
            first_failed_ms: Some(1_500.0),
            all_failed_ms: Some(2_500.0),
        }]
    );
    // Peer 1 sent 30 bytes (28 without envelopes) in 2 messages over 5.5 s.
    assert_eq!(
        merged.traffic[0],
        RecordedTraffic {
            node: 0,
            messages_per_s: 2.0 / 5.5,
            bytes_per_s: 28.0 / 5.5,
        }
    );
    assert_eq!(merged.notes, Vec::<String>::new());
    // The same recording given twice is refused.
    let mut twice = three_peers();
    twice.push(twice[0].clone());
    assert!(
        merge(&twice, 1)
            .unwrap_err()
            .to_string()
            .contains("both peer 1")
    );
}

/// A false suspicion under load: refuted before the crash, it is not the crash's first
/// suspicion; still standing when the crash came, it is, counted from when it was raised.
#[wasm_bindgen_test(unsupported = test)]
fn a_suspicion_standing_at_the_crash_is_its_first() {
    let event = |suspect: bool| RecordBody::Member {
        event: if suspect {
            MemberEvent::Suspected {
                id: 3,
                incarnation: 0,
                at: 0,
            }
        } else {
            MemberEvent::Refuted {
                id: 3,
                incarnation: 1,
                at: 0,
            }
        },
    };
    let first_suspected = |more_of_two| {
        merge(&three_peers_with(more_of_two), 5).unwrap().crashes[0].first_suspected_ms
    };
    // Peer 2's clock starts at wall 1.4 s, the scenario's at 1.0 s: the crash (scenario 3 s)
    // is at 2.6 s on peer 2's clock; without a false suspicion peer 2 suspects at 3.3 s.
    assert_eq!(first_suspected(Vec::new()), Some(300.0));
    // Raised at scenario 2.2 s, refuted at 2.4 s: over before the crash.
    assert_eq!(
        first_suspected(vec![(1_800_000, event(true)), (2_000_000, event(false))]),
        Some(300.0)
    );
    // Raised at scenario 2.2 s and again at 2.5 s (the second one standing at the crash).
    assert_eq!(
        first_suspected(vec![
            (1_800_000, event(true)),
            (2_000_000, event(false)),
            (2_100_000, event(true)),
        ]),
        Some(-500.0)
    );
}

/// Three peers whose recordings cover different windows of their membership, on one clock
/// (every recording starts at wall 0; times in ms). Peer 1 records from the room's start to
/// 10 s. Peer 2 joins at 1 s and its recording ends at 6 s (a tab's, downloaded), but it runs
/// until peer 1 hears it go at 6.4 s, sending 2 more messages no recording of it holds. Peer 3
/// was in the room before it started recording at 2 s (a tab switched on late; its welcome line
/// is written then) and records to 10 s.
#[wasm_bindgen_test(unsupported = test)]
fn sent_and_received_are_counted_over_the_windows_both_recordings_cover() {
    let message = |n: u32| ("ping".to_string(), 9, format!("ping {n}"));
    let send = |to, n| {
        let (msg, bytes, summary) = message(n);
        RecordBody::Sent {
            to,
            msg,
            bytes,
            summary,
        }
    };
    let receive = |from, n| {
        let (msg, bytes, summary) = message(n);
        RecordBody::Received {
            from,
            msg,
            bytes,
            summary,
            rtt_us: None,
        }
    };
    let welcome = |id, peers| RecordBody::Welcome { id, peers };
    let ms = |t: u64| t * 1_000;
    let one = written(
        start(0, DEFAULT_CAP_BYTES),
        vec![
            (0, welcome(1, vec![])),
            // 3 was in the room but not yet recording: neither side counts these.
            (ms(1_500), receive(3, 100)),
            (ms(1_500), send(3, 1)),
            // Sent before 3 recorded, received after: its send is not counted, nor its receipt.
            (ms(1_999), send(3, 2)),
            (ms(3_000), send(2, 3)),
            // Received twice (a duplicate): counted once.
            (ms(3_200), receive(2, 10)),
            (ms(3_201), receive(2, 10)),
            // Never received: the loss.
            (ms(3_500), send(2, 4)),
            (ms(4_000), send(3, 5)),
            (ms(4_500), receive(3, 11)),
            (ms(5_001), receive(2, 14)),
            // In 2's last recorded second: may be in flight when its recording ends.
            (ms(5_200), send(2, 7)),
            // Sent by 2 after its recording ended.
            (ms(6_100), receive(2, 12)),
            (ms(6_300), receive(2, 13)),
            (ms(6_400), RecordBody::PeerDisconnected { id: 2 }),
            // In 3's last recorded second.
            (ms(9_500), send(3, 6)),
            (ms(10_000), RecordBody::Note { text: "end".into() }),
        ],
        true,
    );
    let two = written(
        start(0, DEFAULT_CAP_BYTES),
        vec![
            (ms(1_000), welcome(2, vec![1])),
            (ms(3_001), receive(1, 3)),
            (ms(3_199), send(1, 10)),
            (ms(5_000), send(1, 14)),
            (ms(5_201), receive(1, 7)),
            (
                ms(6_000),
                RecordBody::Note {
                    text: "downloaded".into(),
                },
            ),
        ],
        false,
    );
    let three = written(
        start(0, DEFAULT_CAP_BYTES),
        vec![
            (ms(2_000), welcome(3, vec![1])),
            (ms(2_001), receive(1, 2)),
            (ms(4_001), receive(1, 5)),
            (ms(4_499), send(1, 11)),
            (ms(9_501), receive(1, 6)),
            (ms(10_000), RecordBody::Note { text: "end".into() }),
        ],
        true,
    );
    let recordings: Vec<Recording> = [("one", one), ("two", two), ("three", three)]
        .iter()
        .map(|(name, text)| Recording::parse(name, text).unwrap())
        .collect();
    let merged = merge(&recordings, 1).unwrap();
    assert_eq!(
        merged
            .peers
            .iter()
            .map(|peer| (peer.id, peer.joined_ms, peer.departure, peer.end_ms))
            .collect::<Vec<_>>(),
        vec![
            (1, 0.0, Departure::Stayed, 10_000.0),
            (2, 1_000.0, Departure::Crashed { at_ms: 6_400.0 }, 6_000.0),
            (3, 2_000.0, Departure::Stayed, 10_000.0),
        ]
    );
    // Sent, pair by pair over [later admission, min(sender's recorded end, recipient's - 1 s)]:
    // 1 -> 2 over [1, 5] s: 3 and 4; 1 -> 3 over [2, 9] s: 5; 2 -> 1 over [1, 6] s: 10 and 14;
    // 3 -> 1 over [2, 10] s: 11. Received of those: 3 (not 4), 5, 10 (once), 14, 11. Counting
    // receipts on their own would give 11 received (1: 100, 10 twice, 11, 14, 12, 13; 2: 3, 7;
    // 3: 2, 5), more than were sent.
    assert_eq!((merged.fit.sent, merged.fit.received), (6, 5));
    assert_eq!(merged.fit.loss, 1.0 - 5.0 / 6.0);
    assert_eq!(merged.scenario.network.loss, merged.fit.loss);
    // 2's traffic is counted over what its recording covers: 2 messages in 1 to 6 s.
    assert_eq!(
        merged.traffic[1],
        RecordedTraffic {
            node: 1,
            messages_per_s: 2.0 / 5.0,
            bytes_per_s: 16.0 / 5.0,
        }
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_merged_recording_runs_and_compares_every_figure() {
    let mut merged = merge(&three_peers(), 5).unwrap();
    // Long enough for SWIM's suspicion timeout (3 periods x ceil(ln 3) = 6 s) in every run.
    merged.scenario = apply_setting(&merged.scenario, "duration=20000").unwrap();
    let comparison = compare(merged, 3).unwrap();
    assert_eq!(comparison.runs, 3);
    let figures: Vec<(&str, &str)> = comparison
        .rows
        .iter()
        .map(|row| (row.figure.as_str(), row.subject.as_str()))
        .collect();
    assert_eq!(
        figures,
        vec![
            ("spread", "write colour at node 0 (peer 1), 1.000 s"),
            ("first suspicion", "crash of node 1 (peer 3), 3.000 s"),
            ("first declared dead", "crash of node 1 (peer 3), 3.000 s"),
            (
                "declared dead everywhere",
                "crash of node 1 (peer 3), 3.000 s"
            ),
            ("messages/s", "node 0 (peer 1)"),
            ("bytes/s", "node 0 (peer 1)"),
            ("messages/s", "node 1 (peer 3)"),
            ("bytes/s", "node 1 (peer 3)"),
            ("messages/s", "node 2 (peer 2)"),
            ("bytes/s", "node 2 (peer 2)"),
        ]
    );
    for row in &comparison.rows {
        let simulated = row.simulated.unwrap_or_else(|| panic!("{row:?}"));
        assert_eq!(
            row.difference,
            row.recorded.map(|recorded| simulated.mean - recorded)
        );
        assert!(simulated.min <= simulated.mean && simulated.mean <= simulated.max);
    }
    // The crash is detected in every run, after it.
    assert_eq!(comparison.rows[2].simulated.unwrap().runs, 3);
    assert!(comparison.rows[1].simulated.unwrap().min > 0.0);
    let text = comparison.to_string();
    assert!(
        text.contains("node 1: peer 3, joined 0.200 s, crashed at 3.000 s"),
        "{text}"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn settings_are_found_by_short_paths_and_misspellings_are_refused() {
    let scenario = merge(&three_peers(), 5).unwrap().scenario;
    let changed = apply_setting(&scenario, "swim.protocol_period=500").unwrap();
    let changed = apply_setting(&changed, "network.loss=0.2").unwrap();
    let changed = apply_setting(&changed, "swim.lifeguard=true").unwrap();
    let changed = apply_setting(&changed, "duration=20000").unwrap();
    let Protocol::Cluster(cluster) = &changed.protocol else {
        panic!("a cluster");
    };
    assert_eq!(cluster.node.swim.protocol_period, 500);
    assert!(cluster.node.swim.lifeguard);
    assert_eq!(cluster.duration, 20_000);
    assert_eq!(changed.network.loss, 0.2);
    let error = apply_setting(&scenario, "swim.protocl_period=500").unwrap_err();
    assert_eq!(
        error.to_string(),
        "swim.protocl_period is no setting of this scenario (tried swim.protocl_period, \
         cluster.node.swim.protocl_period, cluster.swim.protocl_period)"
    );
    assert!(apply_setting(&scenario, "network.loss=2").is_err());
    assert!(apply_setting(&scenario, "swim.protocol_period").is_err());
}

#[wasm_bindgen_test(unsupported = test)]
fn a_node_with_a_join_fault_is_out_of_the_cluster_until_then() {
    let mut scenario = Scenario::cluster(
        4,
        3,
        crate::events::Cluster {
            duration: 8_000,
            faults: vec![ScheduledClusterFault {
                at: 3_000,
                fault: ClusterFault::Join { node: 2 },
            }],
            ..crate::events::Cluster::default()
        },
    );
    scenario.network.loss = 0.0;
    let Protocol::Cluster(cluster) = &scenario.protocol else {
        unreachable!()
    };
    let mut sim = EventSim::new(cluster.config(4, 3, 0.0)).unwrap();
    sim.run_until(2_999);
    assert_eq!(sim.status(2), Some(NodeStatus::Absent));
    for id in [0, 1, 3] {
        let listed: Vec<u32> = sim
            .node(id)
            .unwrap()
            .membership()
            .members()
            .map(|(m, _)| m)
            .collect();
        assert!(!listed.contains(&2), "node {id} lists {listed:?}");
    }
    assert_eq!(sim.totals().messages_sent, sim.totals().delivered);
    sim.run_until(3_500);
    assert_eq!(sim.status(2), Some(NodeStatus::Live));
    for id in [0, 1, 2, 3] {
        let listed = sim.node(id).unwrap().membership().members().count();
        assert_eq!(listed, 3, "node {id} lists the three others");
    }
    let report = sim.run();
    assert_eq!(report.totals.false_suspicions, 0);
    assert_eq!(report.totals.skipped_faults, 0);
    // A second join of a node already in is skipped, and counted.
    let mut twice = cluster.config(4, 3, 0.0);
    twice.faults.push(ScheduledClusterFault {
        at: 4_000,
        fault: ClusterFault::Join { node: 2 },
    });
    assert_eq!(EventSim::new(twice).unwrap().run().totals.skipped_faults, 1);
}

/// A SWIM ping with sequence number `seq` and nothing piggybacked: what the recorder pairs.
fn ping(seq: u32) -> gossip_core::Message {
    gossip_core::Message::Swim(gossip_core::SwimMessage::Ping {
        seq,
        updates: vec![],
    })
}

/// The ack of [`ping`]`(seq)`.
fn ack(seq: u32) -> gossip_core::Message {
    gossip_core::Message::Swim(gossip_core::SwimMessage::Ack {
        seq,
        updates: vec![],
    })
}

#[wasm_bindgen_test(unsupported = test)]
fn the_recorder_pairs_pings_with_acks_and_writes_events_as_data() {
    use gossip_core::{NodeEvent, Stamp};
    let mut recorder = Recorder::new(Vec::new(), start(5, DEFAULT_CAP_BYTES)).unwrap();
    recorder.sent(1_000, 2, &ping(1), 9);
    recorder.sent(1_100, 3, &ping(1), 9);
    // The ack from 3 pairs with the ping to 3, not the one to 2 of the same number.
    recorder.received(1_350, 3, &ack(1), 9);
    recorder.received(1_700, 2, &ack(1), 9);
    // An ack already paired, or of a ping never sent, carries no round trip.
    recorder.received(1_800, 2, &ack(1), 9);
    recorder.received(1_900, 2, &ack(7), 9);
    recorder.undecodable(2_000, 4, 3, &"a message of protocol 9");
    let joined = MemberEvent::Joined {
        id: 4,
        incarnation: 0,
        at: 2,
    };
    recorder.event(2_100, &NodeEvent::Member(joined));
    recorder.event(
        2_200,
        &NodeEvent::Updated {
            key: "k".into(),
            value: b"v".to_vec(),
            stamp: Stamp {
                origin: 4,
                version: 2,
            },
            via: Mechanism::Rumor,
            at: 2,
        },
    );
    recorder.flush().unwrap();
    let text = String::from_utf8(recorder.finish(3_000).unwrap()).unwrap();
    let recording = Recording::parse("recorder", &text).unwrap();
    assert_eq!(recording.start, start(5, DEFAULT_CAP_BYTES));
    let sent = |to| RecordBody::Sent {
        to,
        msg: "ping".into(),
        bytes: 9,
        summary: "ping 1".into(),
    };
    let acked = |from, seq: u32, rtt_us| RecordBody::Received {
        from,
        msg: "ack".into(),
        bytes: 9,
        summary: format!("ack {seq}"),
        rtt_us,
    };
    let expected = vec![
        (1_000, sent(2)),
        (1_100, sent(3)),
        (1_350, acked(3, 1, Some(250))),
        (1_700, acked(2, 1, Some(700))),
        (1_800, acked(2, 1, None)),
        (1_900, acked(2, 7, None)),
        (
            2_000,
            RecordBody::Undecodable {
                from: 4,
                bytes: 3,
                error: "a message of protocol 9".into(),
            },
        ),
        (2_100, RecordBody::Member { event: joined }),
        (
            2_200,
            RecordBody::Updated {
                key: "k".into(),
                origin: 4,
                version: 2,
                via: Mechanism::Rumor,
            },
        ),
        (3_000, RecordBody::End),
    ];
    let actual: Vec<(u64, RecordBody)> = recording
        .records
        .into_iter()
        .map(|record| (record.t_us, record.body))
        .collect();
    assert_eq!(actual, expected);
}

#[wasm_bindgen_test(unsupported = test)]
fn the_recorder_forgets_the_oldest_ping_past_its_bound_and_stops_at_the_cap() {
    let mut recorder = Recorder::new(Vec::new(), start(0, DEFAULT_CAP_BYTES)).unwrap();
    for seq in 0..=MAX_PENDING_PINGS as u32 {
        recorder.sent(u64::from(seq), 2, &ping(seq), 9);
    }
    assert_eq!(recorder.received(5_000, 2, &ack(0), 9), None);
    assert_eq!(recorder.received(6_000, 2, &ack(1), 9), None);
    let text = String::from_utf8(recorder.finish(7_000).unwrap()).unwrap();
    let recording = Recording::parse("pings", &text).unwrap();
    let rtts: Vec<Option<u64>> = recording
        .records
        .iter()
        .filter_map(|record| match record.body {
            RecordBody::Received { rtt_us, .. } => Some(rtt_us),
            _ => None,
        })
        .collect();
    // Ping 0 was forgotten when the bound was passed; ping 1 was not.
    assert_eq!(rtts, vec![None, Some(5_999)]);

    let mut capped = Recorder::new(Vec::new(), start(0, 2_000)).unwrap();
    let mut stopped = Vec::new();
    for t in 0..100 {
        stopped.extend(capped.sent(t, 2, &ping(t as u32), 9));
    }
    assert_eq!(stopped, vec![WriterStopped::Cap(2_000)]);
    assert!(capped.is_stopped() && capped.written() <= 2_000);
    let text = String::from_utf8(capped.get_ref().clone()).unwrap();
    let recording = Recording::parse("capped", &text).unwrap();
    assert!(matches!(
        recording.records.last().unwrap().body,
        RecordBody::Stopped { .. }
    ));
}
