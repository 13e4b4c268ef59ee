//! Peers of different protocol versions meeting at a relay: a peer speaking the previous
//! protocol (a build from before versions, faked here with the requests and parsing that build
//! had) and one speaking a later protocol are kept out of the room; both sides say so with both
//! versions; current members are unaffected (they keep each other, never list nor suspect the
//! other version's peer); a native peer behind a relay from before versions stops with an error
//! naming both versions.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use gossip_core::{LivePeerOptions, NodeConfig};
use gossip_node::peer::{self, PeerOptions};
use gossip_relay_frame::{self as relay_frame, CLOSE_WRONG_PROTOCOL, Control, PROTOCOL_VERSION};
use serde::Deserialize;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

mod relay_socket;
use relay_socket::{Socket, WAIT, join, next_control, next_message, start_relay, status};

/// The control messages of protocol 1, as the builds before versions parsed them.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(dead_code)] // the fields are only parsed, as the old build did
enum ProtocolOneControl {
    Welcome {
        id: u32,
        room: String,
        peers: Vec<u32>,
    },
    Joined {
        id: u32,
    },
    Left {
        id: u32,
    },
    Traffic {
        flows: Vec<(u32, u32, u32)>,
    },
}

async fn join_current(addr: std::net::SocketAddr, room: &str) -> (Socket, u32) {
    let (socket, id, _) = join(addr, room).await;
    (socket, id)
}

/// The close frame the relay ends a refused connection with: its code and reason.
async fn close_of(socket: &mut Socket) -> (u16, String) {
    match next_message(socket).await {
        Message::Close(Some(frame)) => (u16::from(frame.code), frame.reason.to_string()),
        other => panic!("expected a close frame, got {other:?}"),
    }
}

#[tokio::test]
async fn a_peer_of_the_previous_protocol_is_kept_out_and_both_sides_say_so() {
    let addr = start_relay().await;
    let (mut alice, alice_id) = join_current(addr, "mixed").await;
    let (mut bob, bob_id) = join_current(addr, "mixed").await;
    assert_eq!(
        next_control(&mut alice).await,
        Control::Joined { id: bob_id }
    );

    // A tab of the previous build comes back asking for its id 7, with no protocol: its build
    // had none.
    let (mut old, _) = connect_async(format!("ws://{addr}/ws?room=mixed&id=7"))
        .await
        .unwrap();
    let Message::Text(text) = next_message(&mut old).await else {
        panic!("expected a text frame");
    };
    // That build prints "ignored an unknown control frame: {error}": the error says why.
    let error = serde_json::from_str::<ProtocolOneControl>(&text).unwrap_err();
    let expected = format!(
        "the relay runs protocol {PROTOCOL_VERSION}, this peer runs protocol 1: reload the page, \
         or run gossip-node of the relay's build"
    );
    assert!(error.to_string().contains(&expected), "{error}");
    let (code, reason) = close_of(&mut old).await;
    assert_eq!(code, CLOSE_WRONG_PROTOCOL);
    assert!(expected.starts_with(&reason), "{reason}");

    // The room's members are told, with both versions, and 7 never becomes one.
    for member in [&mut alice, &mut bob] {
        assert_eq!(
            next_control(member).await,
            Control::KeptOut {
                id: Some(7),
                protocol: 1
            }
        );
    }
    assert_eq!(
        relay_frame::kept_out_text(Some(7), 1, PROTOCOL_VERSION),
        format!(
            "peer 7 runs protocol 1, this peer runs {PROTOCOL_VERSION}: the relay keeps it out of \
             the room (it is not a member; it must reload its page or update)"
        )
    );
    let status = status(addr).await;
    assert_eq!(status.rooms["mixed"], vec![alice_id, bob_id]);
    assert_eq!(status.wrong_protocol, 1);
    assert_eq!(status.protocol, PROTOCOL_VERSION);

    // A peer of a later protocol is told in the control message every version keeps.
    let (mut newer, _) = connect_async(format!(
        "ws://{addr}/ws?room=mixed&protocol={}",
        PROTOCOL_VERSION + 1
    ))
    .await
    .unwrap();
    assert_eq!(
        next_control(&mut newer).await,
        Control::WrongProtocol {
            relay: PROTOCOL_VERSION,
            peer: PROTOCOL_VERSION + 1
        }
    );
    assert_eq!(close_of(&mut newer).await.0, CLOSE_WRONG_PROTOCOL);
    assert_eq!(
        next_control(&mut alice).await,
        Control::KeptOut {
            id: None,
            protocol: PROTOCOL_VERSION + 1
        }
    );

    // The current members still talk.
    alice
        .send(Message::Binary(
            relay_frame::join(bob_id, b"still here").into(),
        ))
        .await
        .unwrap();
    loop {
        match next_message(&mut bob).await {
            Message::Binary(frame) => {
                assert_eq!(
                    relay_frame::split(&frame, usize::MAX).unwrap(),
                    (alice_id, &b"still here"[..])
                );
                break;
            }
            Message::Text(_) => continue, // the later peer's notice
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// What a native peer prints, kept for the test to read.
#[derive(Clone, Default)]
struct Printed(Arc<Mutex<Vec<u8>>>);

impl Write for Printed {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Printed {
    fn lines(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock().unwrap())
            .lines()
            .map(str::to_string)
            .collect()
    }
}

fn native_peer(relay: String, room: &str, id: u32) -> PeerOptions {
    PeerOptions {
        relay,
        room: room.to_string(),
        id: Some(id),
        secret: None,
        // A 100 ms SWIM period: a peer that never answers would be suspected within the test.
        config: NodeConfig::live(LivePeerOptions::from_periods(100, 200, 100)),
        seed: u64::from(id),
        record: None,
        relay_records: false,
    }
}

#[tokio::test]
async fn native_peers_name_a_kept_out_peer_once_and_never_suspect_it() {
    let addr = start_relay().await;
    let relay_url = format!("ws://{addr}");
    let (one, two) = (Printed::default(), Printed::default());
    let peers = [
        tokio::spawn(peer::run(
            native_peer(relay_url.clone(), "native", 1),
            tokio::io::BufReader::new(tokio::io::empty()),
            one.clone(),
        )),
        tokio::spawn(peer::run(
            native_peer(relay_url.clone(), "native", 2),
            tokio::io::BufReader::new(tokio::io::empty()),
            two.clone(),
        )),
    ];
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The old build retries with backoff: three attempts, each turned away.
    for _ in 0..3 {
        let (mut old, _) = connect_async(format!("ws://{addr}/ws?room=native&id=7"))
            .await
            .unwrap();
        let _ = next_message(&mut old).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Ten SWIM periods: 7 would have been suspected had it been listed.
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    for (printed, other) in [(&one, 2), (&two, 1)] {
        let lines = printed.lines();
        let notice = relay_frame::kept_out_text(Some(7), 1, PROTOCOL_VERSION);
        assert_eq!(
            lines.iter().filter(|line| **line == notice).count(),
            1,
            "said once: {lines:#?}"
        );
        let about_seven: Vec<&String> = lines
            .iter()
            .filter(|line| line.contains("peer 7") || line.contains("member 7"))
            .collect();
        assert_eq!(about_seven, vec![&notice], "{lines:#?}");
        assert!(
            !lines
                .iter()
                .any(|line| line.contains("suspect") || line.contains("fail")),
            "{lines:#?}"
        );
        assert!(
            lines
                .iter()
                .any(|line| *line == format!("member {other} joined")),
            "the current members know each other: {lines:#?}"
        );
    }
    let status = status(addr).await;
    assert_eq!(status.rooms["native"], vec![1, 2]);
    for peer in peers {
        peer.abort();
    }
}

#[tokio::test]
async fn a_native_peer_behind_a_relay_from_before_versions_stops_naming_both() {
    // A relay of the previous build: its welcome has no protocol.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut socket = tokio_tungstenite::accept_async(stream).await.unwrap();
        socket
            .send(Message::Text(
                r#"{"type":"welcome","id":4,"room":"old","peers":[]}"#.into(),
            ))
            .await
            .unwrap();
        // Whatever the peer sends next, this build would take as malformed.
        while socket.next().await.is_some() {}
    });
    let printed = Printed::default();
    let outcome = tokio::time::timeout(
        WAIT,
        peer::run(
            native_peer(format!("ws://{addr}"), "old", 4),
            tokio::io::BufReader::new(tokio::io::empty()),
            printed.clone(),
        ),
    )
    .await
    .expect("the peer stops by itself");
    let expected = format!(
        "the relay runs protocol 1, this peer runs protocol {PROTOCOL_VERSION}: the relay is \
         older: run a relay of this build"
    );
    assert_eq!(outcome.unwrap_err().to_string(), expected);
    assert_eq!(printed.lines(), vec![expected]);
}
