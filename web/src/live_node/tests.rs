//! The live tab's driver tested natively and in wasm32: tabs in a room without a browser.

use super::*;
use gossip_core::{LivePeerOptions, Receipts};
use gossip_relay_frame::BROADCAST;
use wasm_bindgen_test::wasm_bindgen_test;

fn tab_config() -> NodeConfig {
    NodeConfig::live(LivePeerOptions {
        protocol_period: 200,
        anti_entropy_period: Some(200),
        rumor_period: Some(40),
        receipts: Receipts::ToAll,
        ..LivePeerOptions::default()
    })
}

/// Tabs in one room behind a relay that forwards every frame at once, as the relay does:
/// `[to][message]` from a tab arrives as `[from][message]`.
struct Room {
    tabs: Vec<LiveNode>,
    now: Time,
    /// How long each frame takes from tab to tab; 0 delivers at once.
    one_way: Time,
}

impl Room {
    /// `n` tabs, welcomed one after the other with ids 1, 2, ...
    fn new(n: u32) -> Self {
        Room::recording(n, None)
    }

    /// `n` tabs as [`Room::new`], each recording from the start up to `cap` bytes if given.
    fn recording(n: u32, cap: Option<u64>) -> Self {
        let mut room = Room {
            tabs: Vec::new(),
            now: 0,
            one_way: 0,
        };
        for id in 1..=n {
            let mut tab = LiveNode::new(tab_config(), u64::from(id));
            if let Some(cap) = cap {
                tab.start_recording(0, UNIX_US, "ws://127.0.0.1:1", "lab", cap);
            }
            let welcome = Control::Welcome {
                id,
                room: "lab".into(),
                peers: (1..id).collect(),
                protocol: PROTOCOL_VERSION,
            };
            tab.control(0, welcome).unwrap();
            for other in &mut room.tabs {
                other.control(0, Control::Joined { id }).unwrap();
            }
            room.tabs.push(tab);
        }
        room.deliver();
        room
    }

    fn index(&self, id: NodeId) -> usize {
        self.tabs
            .iter()
            .position(|tab| tab.id() == Some(id))
            .unwrap()
    }

    /// Polls every tab and forwards the frames until nothing moves, each batch `one_way`
    /// ms after it was sent.
    fn deliver(&mut self) {
        loop {
            let mut batch = Vec::new();
            for from in 0..self.tabs.len() {
                let sender = self.tabs[from].id().unwrap();
                for frame in self.tabs[from].poll(self.now).frames {
                    let (to, payload) = relay_frame::split(&frame, usize::MAX).unwrap();
                    batch.push((sender, to, relay_frame::join(sender, payload)));
                }
            }
            if batch.is_empty() {
                return;
            }
            self.now += self.one_way;
            for (sender, to, forwarded) in batch {
                for tab in &mut self.tabs {
                    if tab.id() != Some(sender) && (to == BROADCAST || tab.id() == Some(to)) {
                        assert!(tab.receive(self.now, &forwarded));
                    }
                }
            }
        }
    }

    fn run_until(&mut self, until: Time) {
        while self.now < until {
            self.now += 10;
            for tab in &mut self.tabs {
                tab.tick(self.now);
            }
            self.deliver();
        }
    }

    fn log(&self, id: NodeId) -> Vec<&str> {
        self.tabs[self.index(id)]
            .log()
            .map(|line| line.text.as_str())
            .collect()
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn nothing_runs_before_the_relay_names_the_tab() {
    let mut tab = LiveNode::new(tab_config(), 1);
    assert!(tab.node().is_none() && tab.id().is_none());
    assert_eq!(tab.put(0, "k", b"v"), None);
    tab.tick(1_000);
    assert!(!tab.receive(1_000, &relay_frame::join(2, &[1, 2, 3])));
    assert_eq!(tab.poll(1_000), Output::default());
    assert_eq!(tab.log().count(), 0);
}

#[wasm_bindgen_test(unsupported = test)]
fn a_write_reaches_the_room_and_every_tab_hears_who_has_it() {
    let mut room = Room::new(3);
    assert_eq!(room.tabs[0].others(), 2);
    assert!(room.log(1).contains(&"joined room lab as peer 1"));
    room.run_until(500);
    let write_at = room.now;
    let stamp = room.tabs[0].put(write_at, "colour", b"blue").unwrap();
    room.deliver();
    room.run_until(3_000);
    for tab in &room.tabs {
        let node = tab.node().unwrap();
        assert_eq!(node.store().value("colour"), Some(&b"blue"[..]));
        let (via, at) = tab.arrival("colour").unwrap();
        assert_eq!(via == Mechanism::Local, tab.id() == Some(1));
        assert!(at >= write_at);
    }
    // The writer tracks its write and hears back from both others.
    let writes: Vec<&TrackedWrite> = room.tabs[0].writes().collect();
    assert_eq!(writes.len(), 1);
    assert_eq!((writes[0].key.as_str(), writes[0].stamp), ("colour", stamp));
    let mut learned: Vec<NodeId> = writes[0].learned_by.iter().map(|(by, ..)| *by).collect();
    learned.sort();
    assert_eq!(learned, [2, 3]);
    // Receipts go to everyone: tab 3 knows that tab 2 has tab 1's write, and the reverse.
    assert_eq!(
        room.tabs[2]
            .holders(stamp)
            .iter()
            .map(|(by, ..)| *by)
            .collect::<Vec<_>>(),
        [2]
    );
    assert_eq!(room.tabs[1].holders(stamp).len(), 1);
    assert!(room.tabs[0].holders(stamp).is_empty());
    // The log says it in the core's words (NodeEvent's Display).
    let log = room.log(2);
    assert!(log.contains(&"member 1 joined"), "{log:?}");
    assert!(
        log.iter()
            .any(|line| line.starts_with("updated colour = blue (origin 1, version 1, via ")),
        "{log:?}"
    );
    assert!(
        room.log(1)
            .iter()
            .any(|line| line.starts_with("peer 2 has colour version 1 (via ")),
    );
    assert!(
        room.log(3)
            .iter()
            .any(|line| line.starts_with("peer 2 has peer 1's version 1 (via ")),
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn messages_are_drawn_until_they_fade() {
    let mut room = Room::new(2);
    room.run_until(300);
    let now = room.now;
    let flows: Vec<&Flow> = room.tabs[0].flows(now).collect();
    assert!(flows.iter().any(|flow| flow.outgoing && flow.peer == 2));
    assert!(flows.iter().any(|flow| !flow.outgoing && flow.peer == 2));
    assert!(flows.iter().any(|flow| flow.kind == "swim"));
    let serials: std::collections::BTreeSet<u64> = flows.iter().map(|f| f.serial).collect();
    assert_eq!(serials.len(), flows.len());
    // Nothing new crosses after a while without ticks: everything fades.
    assert_eq!(room.tabs[0].flows(now + FLOW_MS + 1).count(), 0);
    assert!(room.tabs[0].flows.len() <= MAX_FLOWS);
}

#[wasm_bindgen_test(unsupported = test)]
fn latency_is_half_the_round_trip_of_a_ping_and_its_ack() {
    let mut room = Room::new(3);
    assert_eq!(room.tabs[0].latency(2), None);
    // Every frame takes 7 ms from tab to tab: each ping's ack comes back 14 ms after it.
    room.one_way = 7;
    room.run_until(2_000);
    for tab in &room.tabs {
        let me = tab.id().unwrap();
        for peer in (1..=3).filter(|peer| *peer != me) {
            assert_eq!(tab.latency(peer), Some(7.0), "tab {me} to {peer}");
        }
    }
    // This tab's frames carry the latency to their peer; the room's the mean of the two.
    let now = room.now;
    let tab = &mut room.tabs[0];
    let late: Vec<&Flow> = tab.flows(now).filter(|flow| flow.at > 1_000).collect();
    assert!(!late.is_empty() && late.iter().all(|flow| flow.latency == Some(7.0)));
    let traffic = Control::Traffic {
        flows: vec![(2, 3, 9)],
    };
    tab.control(now, traffic).unwrap();
    let flow = tab.room_flows(now).last().unwrap().clone();
    assert_eq!(flow.latency, Some(7.0));
    // Nine frames in the relay's interval: four dots, spread over it.
    assert_eq!(
        flow.departures().collect::<Vec<_>>(),
        [0.0, 62.5, 125.0, 187.5]
    );
    assert!(tab.moving(now, 100.0));
    // The last dot leaves 187.5 ms after the report and takes 700 ms at 1/100 speed.
    assert!(tab.moving(now + 887, 100.0));
    assert!(!tab.moving(now + 888, 100.0));
    // An ack for no ping of this tab's changes nothing.
    let before = tab.latency(2);
    tab.time_ack(now, 2, 999_999);
    assert_eq!(tab.latency(2), before);
}

#[wasm_bindgen_test(unsupported = test)]
fn dots_cross_over_their_latency_slowed_within_bounds() {
    assert_eq!(travel_ms(Some(2.0), 100.0), 200.0);
    assert_eq!(travel_ms(Some(0.5), 100.0), MIN_TRAVEL_MS);
    assert_eq!(travel_ms(Some(80.0), 100.0), MAX_TRAVEL_MS);
    assert_eq!(travel_ms(None, 100.0), MIN_TRAVEL_MS);
    assert_eq!(progress(1_000.0, 200.0, 999.0), None);
    assert_eq!(progress(1_000.0, 200.0, 1_000.0), Some(0.0));
    assert_eq!(progress(1_000.0, 200.0, 1_050.0), Some(0.25));
    assert_eq!(progress(1_000.0, 200.0, 1_200.0), None);
    let report = RoomFlow {
        serial: 1,
        from: 2,
        to: 3,
        frames: 1,
        at: 0,
        latency: None,
    };
    assert_eq!(report.departures().collect::<Vec<_>>(), [0.0]);
}

#[wasm_bindgen_test(unsupported = test)]
fn the_relays_counts_of_other_peers_traffic_are_drawn_and_fade() {
    let mut tab = LiveNode::new(tab_config(), 1);
    let welcome = Control::Welcome {
        id: 1,
        room: "lab".into(),
        peers: vec![2, 3],
        protocol: PROTOCOL_VERSION,
    };
    tab.control(0, welcome).unwrap();
    tab.control(10, Control::Joined { id: 4 }).unwrap();
    tab.control(20, Control::Left { id: 2 }).unwrap();
    assert_eq!(tab.others(), 2);
    let traffic = Control::Traffic {
        flows: vec![(3, 4, 5), (4, 3, 1)],
    };
    tab.control(100, traffic).unwrap();
    let drawn: Vec<(NodeId, NodeId, u32)> = tab
        .room_flows(200)
        .map(|flow| (flow.from, flow.to, flow.frames))
        .collect();
    assert_eq!(drawn, [(3, 4, 5), (4, 3, 1)]);
    assert_eq!(tab.room_flows(100 + FLOW_MS + 1).count(), 0);
    // Many reports keep at most MAX_FLOWS.
    for at in 0..(MAX_FLOWS as Time + 10) {
        let traffic = Control::Traffic {
            flows: vec![(3, 4, 1)],
        };
        tab.control(200 + at, traffic).unwrap();
    }
    assert!(tab.room_flows.len() <= MAX_FLOWS);
}

#[wasm_bindgen_test(unsupported = test)]
fn malformed_frames_and_refused_writes_are_noted_and_change_nothing() {
    let mut room = Room::new(2);
    let tab = &mut room.tabs[0];
    let before = tab.node().unwrap().store().checksum();
    assert!(!tab.receive(5, &relay_frame::join(2, &[0xff, 0x00, 0x13])));
    assert!(!tab.receive(5, &[1, 2]));
    let too_big = vec![b'x'; 10_000];
    assert_eq!(tab.put(6, "k", &too_big), None);
    assert_eq!(tab.node().unwrap().store().checksum(), before);
    let log: Vec<&str> = tab.log().take(2).map(|line| line.text.as_str()).collect();
    assert!(log[0].starts_with("cannot write: an entry of "), "{log:?}");
    assert!(
        log[1].starts_with("dropped a malformed message from peer 2: "),
        "{log:?}"
    );
    assert_eq!(tab.log().next().unwrap().at, 6);
}

#[wasm_bindgen_test(unsupported = test)]
fn a_reconnection_keeps_the_node_and_its_store() {
    let mut tab = LiveNode::new(tab_config(), 1);
    let welcome = |peers: Vec<NodeId>| Control::Welcome {
        id: 7,
        room: "lab".into(),
        peers,
        protocol: PROTOCOL_VERSION,
    };
    tab.control(0, welcome(vec![])).unwrap();
    tab.put(10, "k", b"v").unwrap();
    tab.control(5_000, welcome(vec![8])).unwrap();
    assert_eq!(tab.others(), 1);
    let node = tab.node().unwrap();
    assert_eq!(node.store().value("k"), Some(&b"v"[..]));
    assert!(node.membership().member(8).is_some());
    assert_eq!(tab.log().count(), 2);
}

#[wasm_bindgen_test(unsupported = test)]
fn the_log_keeps_the_newest_lines() {
    let mut tab = LiveNode::new(tab_config(), 1);
    for at in 0..(LOG_LINES as Time + 5) {
        tab.note(at, format!("line {at}"));
    }
    assert_eq!(tab.log().count(), LOG_LINES);
    assert_eq!(
        tab.log().next().unwrap().text,
        format!("line {}", LOG_LINES + 4)
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_refused_config_leaves_the_node_unstarted() {
    let mut config = tab_config();
    config.swim.ping_timeout = 0;
    let mut tab = LiveNode::new(config, 1);
    let welcome = Control::Welcome {
        id: 1,
        room: "lab".into(),
        peers: vec![],
        protocol: PROTOCOL_VERSION,
    };
    let error = tab.control(0, welcome).unwrap_err();
    assert_eq!(error.field, "swim.ping_timeout");
    assert!(tab.node().is_none());
}

#[wasm_bindgen_test(unsupported = test)]
fn another_protocol_is_said_in_both_languages_and_no_node_starts() {
    // A relay of a later build turns the tab away.
    let mut tab = LiveNode::new(tab_config(), 1);
    let refusal = Control::WrongProtocol {
        relay: PROTOCOL_VERSION + 1,
        peer: PROTOCOL_VERSION,
    };
    tab.control(0, refusal).unwrap();
    let text = wrong_protocol_text(PROTOCOL_VERSION + 1, PROTOCOL_VERSION);
    assert_eq!(tab.refused(), Some(text.clone()));
    assert!(text.contains("reload the page"), "{text}");
    crate::i18n::set_current(crate::i18n::Lang::ZhCn);
    let chinese = tab.refused().unwrap();
    crate::i18n::set_current(crate::i18n::Lang::En);
    assert!(chinese.contains("请刷新页面"), "{chinese}");
    assert!(tab.node().is_none());
    // A relay from before versions welcomes with no protocol: read as 1.
    let mut tab = LiveNode::new(tab_config(), 1);
    let welcome: Control =
        serde_json::from_str(r#"{"type":"welcome","id":3,"room":"lab","peers":[]}"#).unwrap();
    tab.control(0, welcome).unwrap();
    assert_eq!(
        tab.refused(),
        Some(wrong_protocol_text(1, PROTOCOL_VERSION))
    );
    assert!(tab.node().is_none() && tab.id().is_none());
    assert_eq!(tab.log().count(), 1);
}

#[wasm_bindgen_test(unsupported = test)]
fn a_kept_out_peer_is_listed_and_noted_once_and_the_room_carries_on() {
    let mut room = Room::new(2);
    let kept_out = Control::KeptOut {
        id: Some(7),
        protocol: 1,
    };
    for _ in 0..3 {
        room.tabs[0].control(room.now, kept_out.clone()).unwrap();
    }
    assert_eq!(room.tabs[0].kept_out(), &[(Some(7), 1)]);
    let text = kept_out_text(Some(7), 1);
    assert!(text.starts_with(&format!(
        "Peer 7 runs protocol 1, this page runs {PROTOCOL_VERSION}"
    )));
    crate::i18n::set_current(crate::i18n::Lang::ZhCn);
    let chinese = kept_out_text(Some(7), 1);
    crate::i18n::set_current(crate::i18n::Lang::En);
    assert!(chinese.starts_with("节点 7 运行协议 1"), "{chinese}");
    assert_eq!(
        room.tabs[0].log().filter(|line| line.text == text).count(),
        1
    );
    assert!(
        room.tabs[0]
            .node()
            .unwrap()
            .membership()
            .member(7)
            .is_none()
    );
    room.run_until(5_000);
    assert!(room.tabs[0].refused().is_none());
    assert!(
        room.tabs[0]
            .node()
            .unwrap()
            .membership()
            .member(2)
            .is_some()
    );
}

/// The wall clock at every test tab's time 0.
const UNIX_US: u64 = 1_700_000_000_000_000;

/// A room of three recording tabs, frames taking 1 ms each way: tab 1 writes `colour` at
/// 1 s, tab 3 is closed at 2 s (its recording downloaded just before, without an end), tabs
/// 1 and 2 record until 6 s and are switched off. The three recordings' texts.
pub(crate) fn recorded_room() -> Vec<(String, String)> {
    let mut room = Room::recording(3, Some(TAB_RECORDING_CAP));
    room.one_way = 1;
    room.run_until(1_000);
    room.tabs[0].put(room.now, "colour", b"blue").unwrap();
    room.deliver();
    room.run_until(2_000);
    let closed = room.tabs.pop().unwrap();
    let closed_text = String::from_utf8(closed.recording_text().unwrap().to_vec()).unwrap();
    // The relay tells the others the tab's connection closed.
    let now = room.now;
    for tab in &mut room.tabs {
        tab.control(now, Control::Left { id: 3 }).unwrap();
    }
    room.run_until(6_000);
    let mut texts = Vec::new();
    for tab in &mut room.tabs {
        tab.stop_recording(room.now);
        assert!(matches!(
            tab.recording_status(),
            RecordingStatus::Ended { .. }
        ));
        let text = String::from_utf8(tab.recording_text().unwrap().to_vec()).unwrap();
        texts.push((format!("tab-{}.jsonl", tab.id().unwrap()), text));
    }
    texts.push(("tab-3.jsonl".into(), closed_text));
    texts
}

#[wasm_bindgen_test(unsupported = test)]
fn a_tab_records_what_its_node_lives_through_in_the_peers_format() {
    use gossip_sim::recording::Recording;
    let texts = recorded_room();
    let recordings: Vec<Recording> = texts
        .iter()
        .map(|(name, text)| Recording::parse(name, text).unwrap())
        .collect();
    for recording in &recordings {
        assert_eq!(recording.start.unix_us, UNIX_US);
        assert_eq!(recording.start.config, tab_config());
        assert_eq!(recording.start.room.as_deref(), Some("lab"));
        // Every ack of the tab's own pings carries the round trip: 1 ms each way.
        let rtts: Vec<u64> = recording
            .records
            .iter()
            .filter_map(|record| match record.body {
                RecordBody::Received { rtt_us, .. } => rtt_us,
                _ => None,
            })
            .collect();
        assert!(
            !rtts.is_empty() && rtts.iter().all(|rtt| *rtt == 2_000),
            "{rtts:?}"
        );
    }
    let kinds = |recording: &Recording| {
        recording
            .records
            .iter()
            .map(|record| {
                serde_json::to_value(&record.body).unwrap()["kind"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect::<Vec<_>>()
    };
    // Tab 1: welcomed alone, then 2 and 3 connect; its write; 3 leaves the room; it ends.
    let first = kinds(&recordings[0]);
    assert_eq!(&first[..3], ["welcome", "peer_connected", "peer_connected"]);
    assert_eq!(first.iter().filter(|kind| *kind == "put").count(), 1);
    assert_eq!(first.last().map(String::as_str), Some("end"));
    assert!(
        recordings[0]
            .records
            .iter()
            .any(|record| record.body == RecordBody::PeerDisconnected { id: 3 })
    );
    assert!(recordings[0].records.iter().any(|record| matches!(
        &record.body,
        RecordBody::Member {
            event: gossip_core::MemberEvent::Failed { id: 3, .. }
        }
    )));
    // Tab 3's download ends without an end line: a replay reads it as closed.
    assert_ne!(
        kinds(&recordings[2]).last().map(String::as_str),
        Some("end")
    );
    assert!(
        recordings[2]
            .records
            .iter()
            .any(|record| matches!(&record.body,
        RecordBody::Updated { key, origin: 1, .. } if key == "colour"))
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_tab_s_recording_stops_at_its_cap_and_says_so_once() {
    let cap = 8_192;
    let mut room = Room::recording(2, Some(cap));
    room.run_until(5_000);
    let tab = &room.tabs[0];
    assert_eq!(
        tab.recording_status(),
        RecordingStatus::Capped {
            bytes: tab.recording_text().unwrap().len() as u64,
            cap
        }
    );
    let text = std::str::from_utf8(tab.recording_text().unwrap()).unwrap();
    assert!(text.len() as u64 <= cap, "{} bytes", text.len());
    let last = text.lines().last().unwrap();
    assert!(last.contains(r#""kind":"stopped""#), "{last}");
    let said = format!("the recording reached its size cap of {cap} bytes and stopped");
    assert_eq!(tab.log().filter(|line| line.text == said).count(), 1);
    // The node carries on past the cap.
    assert!(tab.node().unwrap().membership().member(2).is_some());
}

#[wasm_bindgen_test(unsupported = test)]
fn recording_switched_on_mid_run_starts_with_the_tab_in_the_room() {
    let mut room = Room::new(2);
    room.run_until(1_000);
    assert_eq!(room.tabs[0].recording_status(), RecordingStatus::Off);
    assert!(room.tabs[0].recording_text().is_none());
    let now = room.now;
    room.tabs[0].start_recording(now, UNIX_US, "ws://127.0.0.1:1", "lab", TAB_RECORDING_CAP);
    let text = std::str::from_utf8(room.tabs[0].recording_text().unwrap())
        .unwrap()
        .to_string();
    let recording = gossip_sim::recording::Recording::parse("mid", &text).unwrap();
    assert_eq!(
        recording.records[0].body,
        RecordBody::Welcome {
            id: 1,
            peers: vec![2]
        }
    );
    assert_eq!(recording.records[0].t_us, now * 1_000);
}

#[wasm_bindgen_test(unsupported = test)]
fn a_tab_inspects_its_own_node_with_where_each_key_came_from_and_sees_a_closed_tab_fail() {
    use gossip_core::{MemberRow, MemberState, StoredEntry};
    use gossip_sim::events::{Arrived, Provenance};
    let mut room = Room::new(2);
    assert!(LiveNode::new(tab_config(), 9).snapshot(0).is_none());
    room.run_until(500);
    let write_at = room.now;
    let stamp = room.tabs[0].put(write_at, "colour", b"blue").unwrap();
    room.deliver();
    room.run_until(1_000);
    // The writer: written here, when it was written.
    let writer = room.tabs[0].snapshot(room.now).unwrap();
    assert_eq!(
        (writer.node, writer.at, writer.status),
        (1, 1_000, NodeStatus::Live)
    );
    assert_eq!(
        writer.provenance,
        [Provenance {
            key: "colour".into(),
            stamp,
            arrived: Arrived::Written,
            at: write_at,
        }]
    );
    // The other tab: from tab 1, by the mechanism and at the time its event reported.
    let reader = room.tabs[1].snapshot(room.now).unwrap();
    let (via, arrived_at) = room.tabs[1].arrival("colour").unwrap();
    assert_eq!(via, Mechanism::Rumor);
    assert_eq!(
        reader.provenance,
        [Provenance {
            key: "colour".into(),
            stamp,
            arrived: Arrived::Rumor { from: 1 },
            at: arrived_at,
        }]
    );
    assert_eq!(
        reader.inspection.entries,
        [StoredEntry {
            key: "colour".into(),
            stamp,
            value_bytes: 4,
        }]
    );
    let row_of_1 = |snapshot: &NodeSnapshot| -> (MemberState, Option<Time>) {
        let rows: Vec<&MemberRow> = snapshot.inspection.members.iter().collect();
        assert_eq!(rows.len(), 1, "{rows:?}");
        (rows[0].state, rows[0].suspicion_deadline)
    };
    assert_eq!(row_of_1(&reader), (MemberState::Alive, None));
    // Tab 1 closes: the relay says it left, and it answers nothing more. Tab 2 suspects it,
    // with a deadline, then declares it dead.
    room.tabs.remove(0);
    room.tabs[0]
        .control(room.now, Control::Left { id: 1 })
        .unwrap();
    let closed = room.now;
    let mut seen = Vec::new();
    while room.now < closed + 10_000 {
        room.run_until(room.now + 10);
        let snapshot = room.tabs[0].snapshot(room.now).unwrap();
        let (state, deadline) = row_of_1(&snapshot);
        if seen.last().map(|(last, _, _)| *last) != Some(state) {
            seen.push((state, deadline.is_some(), room.now));
        }
    }
    let states: Vec<(MemberState, bool)> = seen.iter().map(|&(s, d, _)| (s, d)).collect();
    assert_eq!(
        states,
        [
            (MemberState::Alive, false),
            (MemberState::Suspect, true),
            (MemberState::Dead, false)
        ],
        "{seen:?}"
    );
}
