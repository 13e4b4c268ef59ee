use super::*;
use crate::i18n::{Lang, set_current};
use crate::live_node::tests::recorded_room;
use gossip_worker::replay::RelayPeerTraffic;
use wasm_bindgen_test::wasm_bindgen_test;

fn files() -> Vec<RecordingFile> {
    recorded_room()
        .into_iter()
        .map(|(name, text)| RecordingFile { name, text })
        .collect()
}

/// The worker's answer to a replay of `files`, `runs` runs from seed 1.
fn replay(files: Vec<RecordingFile>, scenario: Option<Scenario>, runs: u32) -> Comparison {
    let request = SimRequest::Replay {
        id: 1,
        files,
        scenario,
        seed: 1,
        runs,
    };
    match gossip_worker::handle(request) {
        Some(SimOutput::Replayed { comparison, .. }) => *comparison,
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn a_recorded_room_replays_and_each_row_sets_recorded_beside_simulated_and_what_if() {
    let replayed = replay(files(), None, 5);
    let merged = &replayed.merged;
    assert_eq!(
        merged.peers.iter().map(|p| p.id).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    // Closed at 2 s and written at 1 s (the room's clock moves a few ms at a time).
    let Departure::Crashed { at_ms: closed } = merged.peers[2].departure else {
        panic!("{:?}", merged.peers[2]);
    };
    assert!((2_000.0..2_020.0).contains(&closed), "{closed}");
    let written = merged.writes[0].at_ms;
    assert!((1_000.0..1_020.0).contains(&written), "{written}");
    // The tabs' pings took 2 ms there and back: 1 ms one way, fitted as such.
    assert_eq!(merged.fit.latency, Latency::Fixed { ms: 1 });
    // Half the SWIM period, with its ping wait in the same share of it.
    let halved = what_if(&merged.scenario, Some(100), None, None);
    let Protocol::Cluster(cluster) = &halved.protocol else {
        panic!()
    };
    assert_eq!(
        (
            cluster.node.swim.protocol_period,
            cluster.node.swim.ping_timeout
        ),
        (100, 30)
    );
    assert!(fits(&halved, &replayed));
    let other = replay(files(), Some(halved), 5);
    let relay = RelayTraffic {
        name: "room.jsonl".into(),
        room: "lab".into(),
        peers: vec![RelayPeerTraffic {
            id: 1,
            frames: 10,
            messages_per_s: 5.0,
            bytes_per_s: 50.0,
        }],
        stopped: false,
    };
    let rows = view_rows(&replayed, Some(&other), &[relay]);
    let figures: Vec<Figure> = rows.iter().map(|row| row.figure).collect();
    use Figure::*;
    assert_eq!(
        figures,
        [
            Spread,
            FirstSuspicion,
            FirstDeclaredDead,
            DeclaredDeadEverywhere,
            Messages,
            Bytes,
            Messages,
            Bytes,
            Messages,
            Bytes
        ]
    );
    assert_eq!(
        rows[0].subject,
        Subject::Write {
            key: "colour".into(),
            node: 0,
            peer: 1,
            at_ms: written
        }
    );
    assert_eq!(
        rows[1].subject,
        Subject::Crash {
            node: 2,
            peer: 3,
            at_ms: closed
        }
    );
    assert_eq!(rows[9].subject, Subject::Peer { node: 2, peer: 3 });
    for (index, row) in rows.iter().enumerate() {
        assert_eq!(row.replay, &replayed.rows[index]);
        assert_eq!(row.what_if, Some(&other.rows[index]));
    }
    assert_eq!(
        rows.iter().map(|row| row.relay).collect::<Vec<_>>(),
        [
            None,
            None,
            None,
            None,
            Some(5.0),
            Some(50.0),
            None,
            None,
            None,
            None
        ]
    );
    // Every figure was recorded, and every run gave the crash's times.
    assert!(
        rows.iter().all(|row| row.replay.recorded.is_some()),
        "{rows:?}"
    );
    for row in &rows[1..4] {
        assert_eq!(row.replay.simulated.map(|s| s.runs), Some(5), "{row:?}");
    }
    // What if: SWIM twice as often declares the crashed tab dead sooner.
    let dead = |row: &ComparisonRow| row.simulated.unwrap().mean;
    assert!(
        dead(rows[2].what_if.unwrap()) < dead(rows[2].replay),
        "{} vs {}",
        dead(rows[2].what_if.unwrap()),
        dead(rows[2].replay)
    );
    // Another experiment is not a what if of this replay.
    assert!(!fits(&Scenario::default(), &replayed));
}

#[wasm_bindgen_test(unsupported = test)]
fn values_differences_and_refusals_are_said_in_both_languages() {
    assert_eq!(value_text(Figure::Spread, 1_234.4), "1,234 ms");
    assert_eq!(value_text(Figure::Messages, 12.5), "12.50/s");
    assert_eq!(difference_text(Figure::Spread, -40.0), "-40 ms");
    assert_eq!(difference_text(Figure::Bytes, 250.0), "+250/s");
    let newer = ReplayError::OtherVersion {
        name: "a.jsonl".into(),
        found: 2,
        supported: 1,
        relay: false,
    };
    let same = ReplayError::SamePeer {
        first: "a.jsonl".into(),
        second: "b.jsonl".into(),
        id: 4,
    };
    assert_eq!(
        error_text(&newer),
        "a.jsonl is recording version 2, this page reads version 1: it was written by a newer build; replay it with that build."
    );
    assert_eq!(
        error_text(&same),
        "a.jsonl and b.jsonl are both peer 4: give each peer's recording once."
    );
    set_current(Lang::ZhCn);
    let chinese = (
        error_text(&newer),
        error_text(&same),
        value_text(Figure::Spread, 40.0),
    );
    set_current(Lang::En);
    assert_eq!(
        chinese.0,
        "a.jsonl 是录制格式版本 2，本页面读取版本 1：它由更新的版本写成，请用那个版本回放。"
    );
    assert_eq!(
        chinese.1,
        "a.jsonl 和 b.jsonl 都是节点 4：每个节点的录制只给一次。"
    );
    assert_eq!(chinese.2, "40 毫秒");
}
