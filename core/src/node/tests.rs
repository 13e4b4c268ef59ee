//! Tests of the live node: clusters on an in-memory network, every mechanism and its events.

use super::*;
use crate::direct_mail::Overflow;
use crate::*;
use crate::{SimRng, seeded_rng};
use rand::RngExt;
use std::collections::BTreeMap;
use wasm_bindgen_test::wasm_bindgen_test;

/// Nodes on a network with a fixed latency and a loss rate; every message crosses it as
/// bytes, through the wire format.
struct Network {
    nodes: Vec<Node>,
    crashed: Vec<bool>,
    in_flight: BTreeMap<(Time, u64), (NodeId, NodeId, Vec<u8>)>,
    sequence: u64,
    now: Time,
    loss: f64,
    rng: SimRng,
    events: Vec<(NodeId, NodeEvent)>,
}

const LATENCY: Time = 10;

impl Network {
    fn new(n: u32, config: NodeConfig, loss: f64, seed: u64) -> Self {
        let mut rng = seeded_rng(seed);
        let mut nodes: Vec<Node> = (0..n).map(|id| Node::new(id, config).unwrap()).collect();
        for node in &mut nodes {
            let me = node.me();
            node.bootstrap(0, (0..n).filter(|&id| id != me), &mut rng);
        }
        Network {
            nodes,
            crashed: vec![false; n as usize],
            in_flight: BTreeMap::new(),
            sequence: 0,
            now: 0,
            loss,
            rng,
            events: Vec::new(),
        }
    }

    fn flush(&mut self, from: usize) {
        while let Some((to, bytes)) = self.nodes[from].poll_transmit_bytes() {
            if self.rng.random_bool(self.loss) {
                continue;
            }
            self.sequence += 1;
            self.in_flight.insert(
                (self.now + LATENCY, self.sequence),
                (from as NodeId, to, bytes),
            );
        }
        while let Some(event) = self.nodes[from].poll_event() {
            self.events.push((from as NodeId, event));
        }
    }

    /// Runs the network until `until`, delivering messages and ticking nodes on time.
    fn run_until(&mut self, until: Time) {
        while self.now < until {
            let next_delivery = self.in_flight.keys().next().map(|(at, _)| *at);
            let next_tick = (0..self.nodes.len())
                .filter(|&i| !self.crashed[i])
                .filter_map(|i| self.nodes[i].poll_timeout())
                .min();
            let next = [next_delivery, next_tick, Some(until)]
                .into_iter()
                .flatten()
                .min()
                .unwrap();
            self.now = next.max(self.now);
            if next_delivery == Some(self.now) {
                let (_, (from, to, bytes)) = self.in_flight.pop_first().unwrap();
                if !self.crashed[to as usize] && !self.crashed[from as usize] {
                    self.nodes[to as usize]
                        .handle_bytes(self.now, from, &bytes, &mut self.rng)
                        .unwrap();
                    self.flush(to as usize);
                }
                continue;
            }
            for i in 0..self.nodes.len() {
                if !self.crashed[i] && self.nodes[i].poll_timeout().is_some_and(|t| t <= self.now) {
                    self.nodes[i].tick(self.now, &mut self.rng);
                    self.flush(i);
                }
            }
            if next == until {
                break;
            }
        }
    }

    fn put(&mut self, at: usize, key: &str, value: &[u8]) {
        self.nodes[at].put(self.now, key, value).unwrap();
        self.flush(at);
    }

    fn holders(&self, key: &str, value: &[u8]) -> usize {
        self.nodes
            .iter()
            .filter(|node| node.store().value(key) == Some(value))
            .count()
    }
}

fn only(anti_entropy: bool, rumor: bool, direct_mail: bool) -> NodeConfig {
    let defaults = NodeConfig::default();
    NodeConfig {
        anti_entropy: defaults.anti_entropy.filter(|_| anti_entropy),
        rumor: defaults.rumor.filter(|_| rumor),
        direct_mail: direct_mail.then(DirectMailConfig::default),
        ..defaults
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn receipts_tell_the_writer_when_each_peer_learned_its_write() {
    let config = NodeConfig {
        receipts: true,
        ..only(false, true, false)
    };
    let mut network = Network::new(10, config, 0.0, 5);
    network.run_until(100);
    network.put(2, "colour", b"red");
    let stamp = network.nodes[2].store().entries().next().unwrap().1.stamp;
    network.run_until(5_000);
    assert_eq!(network.holders("colour", b"red"), 10);
    let mut confirmed: Vec<(NodeId, Time)> = network
        .events
        .iter()
        .filter_map(|(at, event)| match event {
            NodeEvent::Confirmed {
                by,
                key,
                stamp: s,
                via,
                after,
            } => {
                assert_eq!(
                    (*at, key.as_str(), *s, *via),
                    (2, "colour", stamp, Mechanism::Rumor)
                );
                Some((*by, *after))
            }
            _ => None,
        })
        .collect();
    confirmed.sort();
    // Every other node confirmed once; each receipt took at least a hop there and one back.
    let by: Vec<NodeId> = confirmed.iter().map(|(by, _)| *by).collect();
    assert_eq!(by, vec![0, 1, 3, 4, 5, 6, 7, 8, 9]);
    assert!(confirmed.iter().all(|(_, after)| *after >= 2 * LATENCY));
    // Receipts about someone else's write, or a write never made, are ignored.
    let before = network.events.len();
    for stamp in [
        Stamp {
            version: stamp.version,
            origin: 4,
        },
        Stamp {
            version: 99,
            origin: 2,
        },
    ] {
        network.nodes[2].handle(
            network.now,
            7,
            Message::Learned(vec![(stamp, Mechanism::Rumor)]),
            &mut seeded_rng(1),
        );
    }
    network.flush(2);
    assert_eq!(network.events.len(), before);
}

#[wasm_bindgen_test(unsupported = test)]
fn receipts_to_all_tell_every_peer_when_each_peer_learned_a_write() {
    let config = NodeConfig {
        receipts: true,
        receipts_to_all: true,
        ..only(false, true, false)
    };
    let mut network = Network::new(6, config, 0.0, 5);
    network.run_until(100);
    network.put(2, "colour", b"red");
    let stamp = network.nodes[2].store().entries().next().unwrap().1.stamp;
    network.run_until(5_000);
    assert_eq!(network.holders("colour", b"red"), 6);
    // Node 4 hears from each of the four others that learned the write (not from the
    // writer, which learned nothing, nor from itself); the writer still gets its receipts.
    let mut heard: Vec<NodeId> = network
        .events
        .iter()
        .filter_map(|(at, event)| match event {
            NodeEvent::Receipt { by, stamp: s, via } if *at == 4 => {
                assert_eq!((*s, *via), (stamp, Mechanism::Rumor));
                Some(*by)
            }
            _ => None,
        })
        .collect();
    heard.sort();
    assert_eq!(heard, vec![0, 1, 3, 5]);
    let confirmed = network
        .events
        .iter()
        .filter(|(at, event)| *at == 2 && matches!(event, NodeEvent::Confirmed { .. }))
        .count();
    assert_eq!(confirmed, 5);
    // Without the option a node keeps to its own writes' receipts.
    let mut origin_only = Network::new(
        6,
        NodeConfig {
            receipts_to_all: false,
            ..config
        },
        0.0,
        5,
    );
    origin_only.run_until(100);
    origin_only.put(2, "colour", b"red");
    origin_only.run_until(5_000);
    assert!(
        !origin_only
            .events
            .iter()
            .any(|(_, event)| matches!(event, NodeEvent::Receipt { .. }))
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn without_receipts_configured_no_receipt_is_sent() {
    let mut network = Network::new(5, only(false, true, false), 0.0, 5);
    network.run_until(100);
    network.put(0, "k", b"v");
    network.run_until(3_000);
    assert_eq!(network.holders("k", b"v"), 5);
    assert!(
        !network
            .events
            .iter()
            .any(|(_, event)| matches!(event, NodeEvent::Confirmed { .. }))
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_write_reaches_every_node_by_each_mechanism_alone() {
    for (name, config, deadline) in [
        // Push-pull anti-entropy every second: log n rounds for 20 nodes, about 5 s.
        ("anti-entropy", only(true, false, false), 15_000),
        ("rumor mongering", only(false, true, false), 5_000),
        ("direct mail", only(false, false, true), 1_000),
    ] {
        let mut network = Network::new(20, config, 0.0, 1);
        network.run_until(100);
        network.put(3, "colour", b"blue");
        network.run_until(deadline);
        assert_eq!(network.holders("colour", b"blue"), 20, "{name}");
        let via: Vec<Mechanism> = network
            .events
            .iter()
            .filter_map(|(_, event)| match event {
                NodeEvent::Updated { via, .. } => Some(*via),
                _ => None,
            })
            .collect();
        assert_eq!(
            via.iter().filter(|v| **v == Mechanism::Local).count(),
            1,
            "{name}"
        );
        assert_eq!(
            via.len(),
            20,
            "{name}: every node reports the value exactly once"
        );
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn anti_entropy_repairs_what_direct_mail_loses() {
    // Direct mail with one attempt over a 30% lossy network loses writes at some nodes, and
    // says so; anti-entropy then brings every node up to date.
    let lossy_mail = DirectMailConfig {
        max_attempts: 1,
        queue_capacity: 4,
        overflow: Overflow::DropOldest,
        ..DirectMailConfig::default()
    };
    let mail_only = NodeConfig {
        direct_mail: Some(lossy_mail),
        ..only(false, false, false)
    };
    let mut network = Network::new(12, mail_only, 0.3, 5);
    network.run_until(100);
    for i in 0..6 {
        network.put(0, &format!("k{i}"), b"v");
    }
    network.run_until(3_000);
    let missing: usize = (0..6)
        .map(|i| 12 - network.holders(&format!("k{i}"), b"v"))
        .sum();
    assert!(
        missing > 0,
        "30% loss should cost direct mail some deliveries"
    );
    assert!(
        network
            .events
            .iter()
            .any(|(_, e)| matches!(e, NodeEvent::MailDropped { .. }))
    );

    let repaired = NodeConfig {
        direct_mail: Some(lossy_mail),
        ..only(true, false, false)
    };
    let mut network = Network::new(12, repaired, 0.3, 5);
    network.run_until(100);
    for i in 0..6 {
        network.put(0, &format!("k{i}"), b"v");
    }
    network.run_until(30_000);
    for i in 0..6 {
        assert_eq!(
            network.holders(&format!("k{i}"), b"v"),
            12,
            "k{i} after anti-entropy"
        );
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn a_crashed_node_is_detected_by_every_other_node() {
    let mut network = Network::new(8, NodeConfig::default(), 0.0, 9);
    network.run_until(2_000);
    network.crashed[5] = true;
    network.run_until(40_000);
    for (i, node) in network.nodes.iter().enumerate() {
        if i != 5 {
            let state = node.membership().member(5).map(|m| m.state);
            assert_eq!(
                state,
                Some(crate::membership::MemberState::Dead),
                "node {i}"
            );
        }
    }
    assert!(
        !network.events.iter().any(
            |(_, e)| matches!(e, NodeEvent::Member(MemberEvent::Failed { id, .. }) if *id != 5)
        )
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn garbage_bytes_are_refused_and_change_nothing() {
    let mut rng = seeded_rng(1);
    let mut node = Node::new(0, NodeConfig::default()).unwrap();
    node.put(0, "k", b"v").unwrap();
    let checksum = node.store().checksum();
    assert!(
        node.handle_bytes(1, 7, &[0xff, 0x00, 0x13], &mut rng)
            .is_err()
    );
    let too_big = vec![0u8; node.config().max_message_bytes + 1];
    assert!(matches!(
        node.handle_bytes(1, 7, &too_big, &mut rng),
        Err(WireError::TooLarge { .. })
    ));
    assert_eq!(node.store().checksum(), checksum);
}

#[wasm_bindgen_test(unsupported = test)]
fn a_message_of_another_protocol_version_is_refused_as_such_and_changes_nothing() {
    let mut rng = seeded_rng(1);
    let mut sender = Node::new(7, NodeConfig::default()).unwrap();
    sender.bootstrap(0, [0], &mut rng);
    sender.tick(1_000, &mut rng);
    let (to, message) = sender.poll_transmit().expect("a probe of member 0");
    assert_eq!(to, 0);
    let mut node = Node::new(0, NodeConfig::default()).unwrap();
    // Protocol 1 sent the same message without the version byte.
    assert_eq!(
        node.handle_bytes(1, 7, &wire::encode(&message), &mut rng),
        Err(WireError::OtherVersion { found: 1 })
    );
    assert_eq!(
        node.membership().members().count(),
        0,
        "the sender is not listed"
    );
    assert!(node.poll_transmit().is_none(), "nor answered");
    assert!(node.poll_event().is_none());
    // The same message in the envelope is taken: the sender becomes a member and is answered.
    node.handle_bytes(2, 7, &wire::encode_message(&message), &mut rng)
        .unwrap();
    assert!(node.membership().member(7).is_some());
    assert!(node.poll_transmit().is_some());
}

#[wasm_bindgen_test(unsupported = test)]
fn every_message_kind_survives_the_wire() {
    // Every message in these runs crosses the network as bytes and is decoded by
    // handle_bytes (which the harness unwraps); here we check all five kinds were among them.
    let config = NodeConfig {
        direct_mail: Some(DirectMailConfig::default()),
        receipts: true,
        ..NodeConfig::default()
    };
    let mut network = Network::new(4, config, 0.0, 2);
    network.put(1, "k", b"v");
    let mut kinds = std::collections::HashSet::new();
    for step in 1..=300 {
        for (_, _, bytes) in network.in_flight.values() {
            let message = wire::decode_message(bytes, wire::DEFAULT_MAX_MESSAGE).unwrap();
            assert_eq!(wire::encode_message(&message), *bytes);
            kinds.insert(std::mem::discriminant(&message));
        }
        network.run_until(step * 10);
    }
    assert_eq!(
        kinds.len(),
        5,
        "swim, anti-entropy, rumor, mail and receipt messages"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn invalid_configs_are_refused() {
    let config = NodeConfig {
        rumor: Some(RumorSchedule {
            config: MongerConfig::default(),
            period: 0,
        }),
        ..NodeConfig::default()
    };
    let error = Node::new(0, config).err().unwrap();
    assert_eq!(error.field, "rumor.period");
    assert_eq!(error.to_string(), "rumor.period must be positive");
}

/// The mappings the three live drivers wrote by hand before [`NodeConfig::live`]: the
/// native peer's and the Node.js peer's (periods, 0 for off) and a browser tab's.
fn native_config_before(
    swim: Time,
    anti_entropy: Time,
    rumor: Time,
    lifeguard: bool,
) -> NodeConfig {
    let mut config = NodeConfig::default();
    config.swim.protocol_period = swim;
    config.swim.ping_timeout = swim * 3 / 10;
    config.swim.lifeguard = lifeguard;
    config.receipts = true;
    config.anti_entropy = config
        .anti_entropy
        .filter(|_| anti_entropy > 0)
        .map(|mut schedule| {
            schedule.period = anti_entropy;
            schedule
        });
    config.rumor = config.rumor.filter(|_| rumor > 0).map(|mut schedule| {
        schedule.period = rumor;
        schedule
    });
    config
}

fn tab_config_before(
    period: Time,
    ae: bool,
    rumor: bool,
    mail: bool,
    lifeguard: bool,
) -> NodeConfig {
    let mut config = NodeConfig::default();
    config.swim.protocol_period = period;
    config.swim.ping_timeout = period * 3 / 10;
    config.swim.lifeguard = lifeguard;
    config.receipts = true;
    config.receipts_to_all = true;
    config.anti_entropy = config.anti_entropy.filter(|_| ae);
    if let Some(schedule) = config.anti_entropy.as_mut() {
        schedule.period = period;
    }
    config.rumor = config.rumor.filter(|_| rumor);
    if let Some(schedule) = config.rumor.as_mut() {
        schedule.period = (period / 5).max(20);
    }
    if mail {
        config.direct_mail = Some(Default::default());
    }
    config
}

#[wasm_bindgen_test(unsupported = test)]
fn live_configs_are_the_ones_each_driver_built_by_hand() {
    for (swim, anti_entropy, rumor) in [(1_000, 1_000, 200), (200, 200, 40), (500, 0, 0), (7, 3, 0)]
    {
        for lifeguard in [false, true] {
            let options = LivePeerOptions {
                lifeguard,
                ..LivePeerOptions::from_periods(swim, anti_entropy, rumor)
            };
            assert_eq!(
                NodeConfig::live(options),
                native_config_before(swim, anti_entropy, rumor, lifeguard),
                "{options:?}"
            );
        }
    }
    assert_eq!(
        NodeConfig::live(LivePeerOptions::default()),
        native_config_before(1_000, 1_000, 200, false)
    );
    for period in [100, 1_000, 10_000] {
        for mask in 0..16 {
            let [ae, rumor, mail, lifeguard] = [1, 2, 4, 8].map(|bit| mask & bit != 0);
            let options = LivePeerOptions {
                protocol_period: period,
                anti_entropy_period: ae.then_some(period),
                rumor_period: rumor.then_some((period / 5).max(20)),
                direct_mail: mail,
                lifeguard,
                receipts: Receipts::ToAll,
            };
            assert_eq!(
                NodeConfig::live(options),
                tab_config_before(period, ae, rumor, mail, lifeguard),
                "{options:?}"
            );
        }
    }
    let quiet = NodeConfig::live(LivePeerOptions {
        receipts: Receipts::Off,
        ..LivePeerOptions::default()
    });
    assert!(!quiet.receipts && !quiet.receipts_to_all);
    // Too short a period is refused where every config is: by validate.
    assert_eq!(
        NodeConfig::live(LivePeerOptions::from_periods(3, 0, 0))
            .validate()
            .unwrap_err()
            .field,
        "swim.ping_timeout"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn every_event_prints_as_one_line() {
    let stamp = Stamp {
        version: 7,
        origin: 3,
    };
    let lines = [
        (
            NodeEvent::Member(MemberEvent::Joined {
                id: 3,
                incarnation: 0,
                at: 5,
            }),
            "member 3 joined",
        ),
        (
            NodeEvent::Member(MemberEvent::Suspected {
                id: 3,
                incarnation: 1,
                at: 5,
            }),
            "member 3 suspected",
        ),
        (
            NodeEvent::Member(MemberEvent::Refuted {
                id: 3,
                incarnation: 2,
                at: 5,
            }),
            "member 3 is alive (incarnation 2)",
        ),
        (
            NodeEvent::Member(MemberEvent::Failed {
                id: 3,
                incarnation: 2,
                at: 5,
            }),
            "member 3 failed",
        ),
        (
            NodeEvent::Member(MemberEvent::Left {
                id: 3,
                incarnation: 2,
                at: 5,
            }),
            "member 3 left",
        ),
        (
            NodeEvent::Updated {
                key: "colour".into(),
                value: b"round and red".to_vec(),
                stamp,
                via: Mechanism::AntiEntropy,
                at: 9,
            },
            "updated colour = round and red (origin 3, version 7, via AntiEntropy)",
        ),
        (
            NodeEvent::Updated {
                key: "k".into(),
                value: vec![b'a', 0xff],
                stamp,
                via: Mechanism::Local,
                at: 9,
            },
            "updated k = a\u{fffd} (origin 3, version 7, via Local)",
        ),
        (
            NodeEvent::MailDropped {
                to: 4,
                stamp,
                reason: DropReason::QueueFull,
            },
            "direct mail of version 7 to 4 given up (QueueFull)",
        ),
        (
            NodeEvent::Confirmed {
                by: 4,
                key: "colour".into(),
                stamp,
                via: Mechanism::Rumor,
                after: 35,
            },
            "peer 4 has colour version 7 (via Rumor), 35 ms after the write",
        ),
        (
            NodeEvent::Receipt {
                by: 4,
                stamp,
                via: Mechanism::DirectMail,
            },
            "peer 4 has peer 3's version 7 (via DirectMail)",
        ),
    ];
    for (event, line) in lines {
        assert_eq!(event.to_string(), line);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn an_update_carries_the_value_it_brought() {
    let mut network = Network::new(3, only(false, true, false), 0.0, 3);
    network.put(0, "k", b"one");
    network.run_until(2_000);
    network.put(1, "k", b"two");
    network.run_until(4_000);
    let values: Vec<(NodeId, &[u8], Mechanism)> = network
        .events
        .iter()
        .filter_map(|(at, event)| match event {
            NodeEvent::Updated { value, via, .. } => Some((*at, &value[..], *via)),
            _ => None,
        })
        .collect();
    assert_eq!(values.len(), 6, "{values:?}");
    assert_eq!(values.iter().filter(|(_, v, _)| *v == b"one").count(), 3);
    assert!(values.contains(&(1, b"two", Mechanism::Local)));
    assert!(values.contains(&(2, b"two", Mechanism::Rumor)));
}

#[wasm_bindgen_test(unsupported = test)]
fn refusals_name_the_field_as_the_checks_wrote_it() {
    let defaults = NodeConfig::default();
    let swim = |change: fn(&mut SwimConfig)| {
        let mut config = defaults;
        change(&mut config.swim);
        config
    };
    let monger = |change: fn(&mut MongerConfig)| {
        let mut config = defaults;
        change(&mut config.rumor.as_mut().unwrap().config);
        config
    };
    let anti_entropy = |change: fn(&mut AntiEntropyConfig)| {
        let mut config = defaults;
        change(&mut config.anti_entropy.as_mut().unwrap().config);
        config
    };
    let mail = |change: fn(&mut DirectMailConfig)| {
        let mut mail = DirectMailConfig::default();
        change(&mut mail);
        NodeConfig {
            direct_mail: Some(mail),
            ..defaults
        }
    };
    let bad = [
        swim(|c| c.protocol_period = 0),
        swim(|c| c.ping_timeout = c.protocol_period),
        swim(|c| c.suspicion_mult = 0),
        swim(|c| c.max_piggyback = 0),
        swim(|c| c.retransmit_mult = 0),
        swim(|c| c.sync_chunk = 0),
        swim(|c| c.max_health = 0),
        swim(|c| c.suspicion_max_mult = 0),
        anti_entropy(|c| c.mtu_bytes = 0),
        anti_entropy(|c| c.segments = 3),
        monger(|c| c.rumor.loss = crate::rumor::LossOfInterest::Counter(0)),
        monger(|c| c.rumor.fanout = 0),
        monger(|c| c.rumor.connection_limit = Some(0)),
        monger(|c| c.max_rumors_per_message = 0),
        mail(|c| c.ack_timeout = 0),
        mail(|c| c.queue_capacity = 0),
        mail(|c| c.max_attempts = 0),
    ];
    let mut fields = Vec::new();
    for config in bad {
        let error = Node::new(0, config).err().unwrap();
        let text = error.to_string();
        assert!(text.starts_with(&format!("{} ", error.field)), "{text}");
        assert!(!text[error.field.len()..].contains(error.field), "{text}");
        fields.push(error.field);
    }
    assert_eq!(
        fields,
        [
            "swim.protocol_period",
            "swim.ping_timeout",
            "swim.suspicion_mult",
            "swim.max_piggyback",
            "swim.retransmit_mult",
            "swim.sync_chunk",
            "swim.max_health",
            "swim.suspicion_max_mult",
            "anti_entropy.mtu_bytes",
            "anti_entropy.segments",
            "rumor.loss.k",
            "rumor.fanout",
            "rumor.connection_limit",
            "rumor.max_rumors_per_message",
            "direct_mail.ack_timeout",
            "direct_mail.queue_capacity",
            "direct_mail.max_attempts",
        ]
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_write_too_large_to_carry_is_refused_and_stores_nothing() {
    let mut node = Node::new(0, NodeConfig::default()).unwrap();
    let max = node.anti_entropy().max_entry_bytes();
    let error = node.put(0, "k", &vec![b'x'; max]).unwrap_err();
    let PutError::TooLarge {
        size,
        mtu_bytes,
        max: at_most,
    } = error.clone();
    assert_eq!((mtu_bytes, at_most), (1_400, max));
    assert!(size > max);
    assert_eq!(
        error.to_string(),
        format!(
            "an entry of {size} bytes does not fit anti_entropy.mtu_bytes = 1400 (at most {max})"
        )
    );
    assert!(node.store().get("k").is_none());
    assert!(node.poll_event().is_none() && node.poll_transmit().is_none());
}

#[wasm_bindgen_test(unsupported = test)]
fn a_drained_event_queue_gives_back_the_room_a_bootstrap_took() {
    // A bootstrap reports every member at once; a cluster of a thousand nodes keeping that room
    // held most of its heap (issue 16).
    let joined = |node: &mut Node| -> Vec<NodeId> {
        std::iter::from_fn(|| node.poll_event())
            .map(|event| match event {
                NodeEvent::Member(MemberEvent::Joined { id, .. }) => id,
                other => panic!("not a join: {other}"),
            })
            .collect()
    };
    let mut large = Node::new(0, NodeConfig::default()).unwrap();
    large.bootstrap(0, 1..=1_000, &mut seeded_rng(1));
    assert!(large.events.capacity() >= 1_000);
    assert_eq!(joined(&mut large), (1..=1_000).collect::<Vec<_>>());
    assert_eq!(large.events.capacity(), 0);
    // A small queue keeps its room: freeing it would only cost a new allocation at the next event.
    let mut small = Node::new(0, NodeConfig::default()).unwrap();
    small.bootstrap(0, 1..=10, &mut seeded_rng(1));
    let room = small.events.capacity();
    assert_eq!(joined(&mut small), (1..=10).collect::<Vec<_>>());
    assert_eq!(small.events.capacity(), room);
    assert!(room >= 10);
}

#[wasm_bindgen_test(unsupported = test)]
fn picks_from_the_alive_list_in_place_are_those_of_a_copy() {
    // Same draws and same peers as `UniformList` over a copy of the list, whatever is left out:
    // the runs' recorded fingerprints rest on it.
    let mut swim = Swim::new(0, SwimConfig::default());
    let members: Vec<NodeId> = (1..60).filter(|id| id % 3 != 0).collect();
    swim.bootstrap(0, members.iter().copied(), &mut seeded_rng(1));
    let nobody = Swim::new(0, SwimConfig::default());
    let mut pair = Swim::new(0, SwimConfig::default());
    pair.bootstrap(0, [4], &mut seeded_rng(1));
    let mut picks = 0;
    for swim in [&swim, &nobody, &pair] {
        for node in [0, 1, 4, 6, 58, 59, 100] {
            for avoid in [
                None,
                Some(0),
                Some(1),
                Some(4),
                Some(9),
                Some(58),
                Some(node),
            ] {
                for seed in 0..20 {
                    let (mut in_place, mut copied) = (seeded_rng(seed), seeded_rng(seed));
                    let picked = AliveMembers(swim).pick(node, avoid, &mut in_place);
                    let expected = UniformList {
                        peers: swim.alive_members().collect(),
                    }
                    .pick(node, avoid, &mut copied);
                    assert_eq!(
                        picked, expected,
                        "node {node}, avoid {avoid:?}, seed {seed}"
                    );
                    assert_eq!(in_place.random::<u64>(), copied.random::<u64>());
                    picks += usize::from(picked.is_some());
                }
            }
        }
    }
    assert!(picks > 1_000, "{picks}");
}
