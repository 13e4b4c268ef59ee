//! A run is a pure function of (scenario, seed, core version): the same on every platform. The
//! fingerprints below were recorded natively; the same tests compiled to wasm32 (run under
//! Node.js by scripts/test.sh: `cargo test -p gossip-sim --target wasm32-unknown-unknown`) must
//! reproduce them bit for bit, and so must any later build, or old share links and replayed
//! recordings would run differently in the page and on the command line. Change one only when a
//! change of random draws is intended, and say so in the commit.
//!
//! Each engine is covered with what it draws from: the round engine on a complete graph and on
//! an Erdős–Rényi graph (whose generator takes logarithms), peer choice biased by distance
//! (which weighs peers with a power), the event engine with SWIM, anti-entropy and rumor
//! mongering under loss, a crash and a partition (exponential latencies), memberlist's model on
//! the event engine (its log10 suspicion scale), the Redis Cluster, Cassandra and Bitcoin
//! models on the models engine, and recordings of live peers (a native one and a wasm one)
//! merged and replayed, as the page and `gossip-node replay` do. Each fingerprint hashes the whole run as text: every round's
//! counts, every message with its fate and times, every sample, crash and write record, every
//! figure.

use gossip_core::{DistanceBiased, LossOfInterest, NodeConfig, PeerSelector, RumorConfig};
use gossip_core::{Trigger, seeded_rng};
use gossip_sim::events::{ClusterFault, EventSim, EventSimConfig, Latency, ScheduledClusterFault};
use gossip_sim::metrics::RoundMetrics;
use gossip_sim::models;
use gossip_sim::network::Network;
use gossip_sim::recording::{self, Recording};
use gossip_sim::rounds::RumorRun;
use gossip_sim::scenario::{Protocol, Scenario};
use gossip_sim::systems::{SystemRun, memberlist};
use gossip_sim::topology::{Topology, TopologyKind};
use serde::Serialize;
use wasm_bindgen_test::wasm_bindgen_test;

/// FNV-1a over every per-round count: any change in any round changes it.
fn fingerprint(rounds: &[RoundMetrics]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for m in rounds {
        for value in [
            u64::from(m.round),
            u64::from(m.susceptible),
            u64::from(m.infective),
            u64::from(m.removed),
            m.messages,
        ] {
            for byte in value.to_le_bytes() {
                hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
    }
    hash
}

/// FNV-1a over the JSON text of every part of a run, in order.
#[derive(Clone, Copy)]
struct RunHash(u64);

impl RunHash {
    fn new() -> Self {
        RunHash(0xcbf2_9ce4_8422_2325)
    }

    fn text(mut self, text: &str) -> Self {
        for byte in text.bytes().chain([b'\n']) {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        self
    }

    fn json(self, value: &impl Serialize) -> Self {
        self.text(&serde_json::to_string(value).expect("runs serialise"))
    }
}

/// Messages a trace may hold before it samples: more than any run here sends, so every message
/// is hashed.
const WHOLE_TRACE: usize = 1 << 22;

/// An event-engine run hashed whole: its report (samples, crashes, writes, totals) and every
/// message sent, with its fate and times.
fn event_run(config: EventSimConfig) -> u64 {
    let mut sim = EventSim::new(config).unwrap();
    sim.trace_messages(WHOLE_TRACE);
    let report = sim.run();
    let trace = sim.take_message_trace().unwrap();
    assert!(
        !trace.is_sampled(),
        "{} messages: raise WHOLE_TRACE",
        trace.total
    );
    RunHash::new().json(&report).json(&trace).0
}

fn at(at: u64, fault: ClusterFault) -> ScheduledClusterFault {
    ScheduledClusterFault { at, fault }
}

fn put(node: u32, key: &str, value: &str) -> ClusterFault {
    ClusterFault::Put {
        node,
        key: key.into(),
        value: value.into(),
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn recorded_runs_replay_bit_for_bit() {
    let cases = [
        (
            Scenario {
                nodes: 10_000,
                seed: 7,
                ..Scenario::default()
            },
            0x1f0d_4f05_ead8_1a6f_u64,
        ),
        (
            Scenario {
                nodes: 2_000,
                seed: 99,
                protocol: Protocol::Rumor(RumorConfig {
                    loss: LossOfInterest::Coin(3),
                    trigger: Trigger::Blind,
                    fanout: 2,
                    ..RumorConfig::default()
                }),
                ..Scenario::default()
            },
            0xe458_9ee2_54f0_a84a_u64,
        ),
    ];
    for (scenario, expected) in cases {
        let report = scenario.run().unwrap();
        let actual = fingerprint(&report.rounds);
        assert_eq!(
            actual, expected,
            "fingerprint of {scenario:?} is {actual:#018x}"
        );
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn a_round_run_on_a_random_graph_replays_bit_for_bit() {
    // An Erdős–Rényi graph draws each gap between links as a logarithm of a uniform draw; a
    // last bit that differed would move a link and change the whole run.
    let network = Network {
        topology: TopologyKind::ErdosRenyi { mean_degree: 6.0 },
        loss: 0.05,
        ..Network::default()
    };
    let rumor = RumorConfig {
        fanout: 2,
        ..RumorConfig::default()
    };
    let nodes = 1_500;
    let mut hash = RunHash::new();
    // As the page and the command line run it (the plain loop), then with every message kept.
    let mut plain = RumorRun::on_network(nodes, rumor, &network, 23).unwrap();
    hash = hash.json(&plain.links());
    let mut rounds = Vec::new();
    let summary = plain.run(|m| rounds.push(*m));
    let informed_by: Vec<_> = plain.informed_by().collect();
    hash = hash.json(&rounds).json(&summary).json(&informed_by);
    let mut logged = RumorRun::on_network(nodes, rumor, &network, 23).unwrap();
    logged.record_messages(nodes, usize::MAX);
    while logged.step().is_some() {
        hash = hash.json(&logged.take_round_messages());
    }
    // The other random graphs' links, each from its own seed.
    for (seed, kind) in [
        (1, TopologyKind::ErdosRenyi { mean_degree: 3.5 }),
        (2, TopologyKind::RandomRegular { degree: 4 }),
        (3, TopologyKind::WattsStrogatz { k: 3, beta: 0.2 }),
        (4, TopologyKind::BarabasiAlbert { m: 2 }),
    ] {
        let topology = Topology::build(kind, 400, &mut seeded_rng(seed)).unwrap();
        let links: Vec<Vec<u32>> = (0..400)
            .map(|v| topology.neighbours(v).unwrap().to_vec())
            .collect();
        hash = hash.json(&links);
    }
    let expected = 0x46a5_43f1_7dc0_3a70_u64;
    assert_eq!(hash.0, expected, "fingerprint {:#018x}", hash.0);
}

#[wasm_bindgen_test(unsupported = test)]
fn peer_choice_biased_by_distance_replays_bit_for_bit() {
    // Push gossip on a 12 x 12 grid where each informed node tells one peer a round, chosen
    // with weight d^-a: every weight is a power, and a last bit that differed in one would move
    // a pick.
    let topology =
        Topology::build(TopologyKind::Grid { width: 12 }, 144, &mut seeded_rng(0)).unwrap();
    let distances: Vec<Vec<Option<u32>>> = (0..144).map(|v| topology.distances_from(v)).collect();
    let mut hash = RunHash::new();
    for (seed, exponent) in [(1, 0.0), (2, 1.5), (3, 2.7), (4, 0.35)] {
        let mut selector = DistanceBiased {
            distance: |a: u32, b: u32| distances[a as usize][b as usize],
            n: 144,
            exponent,
        };
        let mut rng = seeded_rng(seed);
        let mut informed = [false; 144];
        informed[0] = true;
        let mut picks = Vec::new();
        for round in 1..=60u32 {
            let tellers: Vec<u32> = (0..144).filter(|&v| informed[v as usize]).collect();
            for from in tellers {
                let to = selector.pick(from, None, &mut rng).unwrap();
                informed[to as usize] = true;
                picks.push((round, from, to));
            }
            if informed.iter().all(|&known| known) {
                break;
            }
        }
        hash = hash.json(&picks);
    }
    let expected = 0xf69d_777a_9de6_2ce0_u64;
    assert_eq!(hash.0, expected, "fingerprint {:#018x}", hash.0);
}

#[wasm_bindgen_test(unsupported = test)]
fn a_cluster_with_loss_a_crash_and_a_partition_replays_bit_for_bit() {
    // SWIM, anti-entropy and rumor mongering (the default node), exponential latencies, loss
    // and duplicates; a crash, writes before, during and after a partition, and its healing.
    let faults = vec![
        at(1_500, put(2, "colour", "blue")),
        at(4_000, ClusterFault::Crash { node: 5 }),
        at(
            7_000,
            ClusterFault::Partition {
                groups: vec![(0..10).collect(), (10..24).collect()],
            },
        ),
        at(8_000, put(3, "shape", "round")),
        at(8_500, put(17, "shape", "square")),
        at(11_000, ClusterFault::Heal),
        at(13_000, put(20, "size", "large")),
    ];
    let config = EventSimConfig {
        nodes: 24,
        seed: 31,
        node: NodeConfig::default(),
        latency: Latency::Exponential { mean: 12 },
        loss: 0.05,
        duplicate: 0.02,
        slow_link_extra: 0,
        duration: 18_000,
        sample_every: 250,
        faults,
    };
    let expected = 0x7024_5419_05b3_2afb_u64;
    let actual = event_run(config);
    assert_eq!(actual, expected, "fingerprint {actual:#018x}");
}

#[wasm_bindgen_test(unsupported = test)]
fn memberlists_model_replays_bit_for_bit() {
    // memberlist's LAN profile: Lifeguard, its log10 suspicion scale, its gossip timer.
    let config = EventSimConfig {
        nodes: 14,
        seed: 5,
        node: memberlist::node(memberlist::lan()),
        latency: Latency::Uniform { min: 1, max: 6 },
        loss: 0.02,
        duplicate: 0.0,
        slow_link_extra: 0,
        duration: 25_000,
        sample_every: 500,
        faults: vec![at(6_300, ClusterFault::Crash { node: 4 })],
    };
    let expected = 0x8726_a1cb_22c6_5045_u64;
    let actual = event_run(config);
    assert_eq!(actual, expected, "fingerprint {actual:#018x}");
}

#[wasm_bindgen_test(unsupported = test)]
fn the_system_models_replay_bit_for_bit() {
    // (model, latency, faults, (nodes, seed, loss), expected): each run's report and every
    // message of it.
    let cases = [
        (
            r#"{"kind":"redis_cluster","node_timeout":3000,"replicas":1}"#,
            r#"{"kind":"uniform","min":1,"max":4}"#,
            r#"[{"at":4000,"fault":{"kind":"crash","node":2}},
                {"at":2000,"fault":{"kind":"slow","node":5,"extra_delay":40}}]"#,
            (12, 9, 0.02),
            0x84cc_9988_0ae2_2cbd_u64,
        ),
        (
            r#"{"kind":"cassandra"}"#,
            r#"{"kind":"exponential","mean":8}"#,
            r#"[{"at":9000,"fault":{"kind":"crash","node":3}}]"#,
            (16, 4, 0.03),
            0x8511_a53d_3acc_120f,
        ),
        (
            r#"{"kind":"bitcoin_relay"}"#,
            r#"{"kind":"exponential","mean":30}"#,
            r#"[{"at":500,"fault":{"kind":"crash","node":7}}]"#,
            (40, 6, 0.02),
            0x47f6_2766_248d_ba52,
        ),
    ];
    let mut actual = Vec::new();
    let mut expected = Vec::new();
    for (model, latency, faults, (nodes, seed, loss), recorded) in cases {
        let json = format!(
            r#"{{"model":{model},"latency":{latency},"duration":25000,"faults":{faults}}}"#
        );
        let run: SystemRun = serde_json::from_str(&json).unwrap();
        let (report, trace) = models::traced(WHOLE_TRACE, || run.run(nodes, seed, loss));
        let trace = trace.unwrap();
        assert!(!trace.is_sampled(), "{} messages", trace.total);
        actual.push(RunHash::new().json(&report.unwrap()).json(&trace).0);
        expected.push(recorded);
    }
    assert_eq!(actual, expected, "fingerprints {actual:#018x?}");
}

/// Recordings of a native peer (`gossip-node peer --record`) and a wasm peer under Node.js
/// (peer-wasm/peer.mjs `--record`) of one room, made by tests/e2e/wasm-peer.test.mjs.
const RECORDINGS: [(&str, &str); 2] = [
    (
        "native.jsonl",
        include_str!("fixtures/recording-native.jsonl"),
    ),
    ("wasm.jsonl", include_str!("fixtures/recording-wasm.jsonl")),
];

#[wasm_bindgen_test(unsupported = test)]
fn a_replayed_recording_runs_the_same_everywhere() {
    let recordings: Vec<Recording> = RECORDINGS
        .iter()
        .map(|(name, text)| Recording::parse(name, text).unwrap())
        .collect();
    let merged = recording::merge(&recordings, 17).unwrap();
    // Every message of one replay, then the comparison over three seeds.
    let Protocol::Cluster(cluster) = &merged.scenario.protocol else {
        panic!("a replay is a cluster scenario");
    };
    let scenario = &merged.scenario;
    let run = event_run(cluster.config(scenario.nodes, scenario.seed, scenario.network.loss));
    let comparison = recording::compare(merged.clone(), 3).unwrap();
    let actual = RunHash::new()
        .json(&merged)
        .text(&run.to_string())
        .json(&comparison)
        .0;
    let expected = 0x285d_081d_6476_007d_u64;
    assert_eq!(actual, expected, "fingerprint {actual:#018x}");
}
