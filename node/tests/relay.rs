//! The relay over real loopback sockets: joining, forwarding with the sender stamped, refusing
//! bad frames without dropping the sender, and a clear error for a busy port.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use gossip_node::relay::{self, RelayConfig};
use gossip_relay_frame::{self as relay_frame, BROADCAST, Control, PROTOCOL_VERSION};
use tokio::net::TcpStream;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

mod relay_socket;
use relay_socket::{
    Socket, WAIT, join, join_with, next_control, next_message, start_relay, start_relay_with,
    status,
};

async fn next_binary(socket: &mut Socket) -> Vec<u8> {
    loop {
        match next_message(socket).await {
            Message::Binary(frame) => return frame.into(),
            Message::Text(_) => continue, // joined/left notices
            other => panic!("expected a binary frame, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn frames_reach_their_addressee_stamped_with_the_sender() {
    let addr = start_relay().await;
    let (mut alice, alice_id, peers) = join(addr, "lab").await;
    assert!(peers.is_empty());
    let (mut bob, bob_id, peers) = join(addr, "lab").await;
    assert_eq!(peers, vec![alice_id]);
    assert_eq!(
        next_control(&mut alice).await,
        Control::Joined { id: bob_id }
    );

    // Alice addresses Bob; Bob sees Alice as the sender.
    alice
        .send(Message::Binary(relay_frame::join(bob_id, b"rumor").into()))
        .await
        .unwrap();
    let frame = next_binary(&mut bob).await;
    assert_eq!(
        relay_frame::split(&frame, 1 << 16).unwrap(),
        (alice_id, &b"rumor"[..])
    );

    // Bob cannot pass himself off as someone else: whatever header he writes, Alice sees Bob.
    bob.send(Message::Binary(
        relay_frame::join(alice_id, b"from bob").into(),
    ))
    .await
    .unwrap();
    let frame = next_binary(&mut alice).await;
    assert_eq!(
        relay_frame::split(&frame, 1 << 16).unwrap(),
        (bob_id, &b"from bob"[..])
    );

    let state = status(addr).await;
    assert_eq!(state.rooms["lab"], vec![alice_id, bob_id]);
    assert_eq!(state.forwarded, 2);
    // The two frames and the control message telling Alice that Bob joined, each timed once
    // written (the last may be recorded just after Alice has read it).
    let latency = state.forward_latency;
    assert!((2..=3).contains(&latency.samples), "{latency:?}");
    assert!(latency.p50_ms <= latency.p99_ms && latency.p99_ms <= latency.max_ms);
}

#[tokio::test]
async fn a_watching_peer_hears_who_sent_frames_to_whom_between_the_others() {
    let addr = start_relay().await;
    let (mut watcher, watcher_id, _) = join_with(addr, "lab", "&traffic=true").await;
    let (mut alice, alice_id, _) = join(addr, "lab").await;
    let (mut bob, bob_id, _) = join(addr, "lab").await;
    let _ = next_control(&mut alice).await; // bob joined
    // Three frames from Alice to Bob, one broadcast from Bob (to Alice and the watcher), one
    // frame from Alice to the watcher itself.
    for _ in 0..3 {
        alice
            .send(Message::Binary(relay_frame::join(bob_id, b"x").into()))
            .await
            .unwrap();
    }
    bob.send(Message::Binary(relay_frame::join(BROADCAST, b"y").into()))
        .await
        .unwrap();
    alice
        .send(Message::Binary(relay_frame::join(watcher_id, b"z").into()))
        .await
        .unwrap();
    for _ in 0..3 {
        next_binary(&mut bob).await;
    }
    next_binary(&mut alice).await;
    // The watcher's report, within a few periods, lists the traffic between the others only
    // (what it sends and receives itself it already sees); reports may split the frames.
    let mut flows = std::collections::BTreeMap::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    while flows.values().sum::<u32>() < 4 && tokio::time::Instant::now() < deadline {
        match next_message(&mut watcher).await {
            Message::Text(text) => {
                if let Control::Traffic { flows: reported } = serde_json::from_str(&text).unwrap() {
                    for (from, to, frames) in reported {
                        *flows.entry((from, to)).or_default() += frames;
                    }
                }
            }
            Message::Binary(_) => {} // Alice's frame to the watcher
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        flows,
        [((alice_id, bob_id), 3), ((bob_id, alice_id), 1)].into()
    );
    // Alice did not ask: she gets no reports.
    let quiet = tokio::time::timeout(Duration::from_millis(600), async {
        loop {
            if let Message::Text(text) = next_message(&mut alice).await
                && matches!(
                    serde_json::from_str(&text).unwrap(),
                    Control::Traffic { .. }
                )
            {
                return;
            }
        }
    })
    .await;
    assert!(
        quiet.is_err(),
        "a peer that did not ask got a traffic report"
    );
}

#[tokio::test]
async fn broadcast_stays_inside_the_room() {
    let addr = start_relay().await;
    let (mut alice, _, _) = join(addr, "one").await;
    let (mut bob, bob_id, _) = join(addr, "one").await;
    let (mut carol, _, _) = join(addr, "two").await;
    let _ = next_control(&mut alice).await; // bob joined
    bob.send(Message::Binary(relay_frame::join(BROADCAST, b"all").into()))
        .await
        .unwrap();
    let frame = next_binary(&mut alice).await;
    assert_eq!(
        relay_frame::split(&frame, 1 << 16).unwrap(),
        (bob_id, &b"all"[..])
    );
    // Carol, in another room, hears nothing.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), carol.next())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn bad_frames_are_dropped_and_the_sender_stays() {
    let addr = start_relay().await;
    let (mut alice, _, _) = join(addr, "lab").await;
    let (mut bob, bob_id, _) = join(addr, "lab").await;
    let _ = next_control(&mut alice).await; // bob joined

    bob.send(Message::Binary(vec![1, 2].into())).await.unwrap(); // truncated header
    bob.send(Message::Binary(
        vec![0; relay_frame::DEFAULT_MAX_FRAME + 1].into(),
    ))
    .await
    .unwrap(); // oversized
    bob.send(Message::Text("not a frame".into())).await.unwrap();
    // Bob is still connected and still heard.
    bob.send(Message::Binary(
        relay_frame::join(BROADCAST, b"still here").into(),
    ))
    .await
    .unwrap();
    let frame = next_binary(&mut alice).await;
    assert_eq!(
        relay_frame::split(&frame, 1 << 16).unwrap(),
        (bob_id, &b"still here"[..])
    );
    assert_eq!(status(addr).await.rejected, 3);
}

#[tokio::test]
async fn leaving_is_announced_and_invalid_rooms_are_refused() {
    let addr = start_relay().await;
    let (mut alice, _, _) = join(addr, "lab").await;
    let (bob, bob_id, _) = join(addr, "lab").await;
    let _ = next_control(&mut alice).await; // bob joined
    drop(bob);
    assert_eq!(next_control(&mut alice).await, Control::Left { id: bob_id });
    assert!(
        connect_async(format!(
            "ws://{addr}/ws?protocol={PROTOCOL_VERSION}&room=bad%20name"
        ))
        .await
        .is_err()
    );
}

#[test]
fn a_busy_port_is_reported_and_the_relay_exits_non_zero() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_gossip-node"))
        .args(["relay", "--addr", &addr.to_string()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("already in use"), "{stderr}");
}

#[tokio::test]
async fn a_returning_peer_gets_its_id_back_but_cannot_take_a_live_one() {
    let addr = start_relay().await;
    let (mut alice, alice_id, _) = join(addr, "ids").await;
    let (socket, _) = connect_async(format!(
        "ws://{addr}/ws?protocol={PROTOCOL_VERSION}&room=ids&id=77"
    ))
    .await
    .unwrap();
    let mut returning = socket;
    assert_eq!(
        next_control(&mut returning).await,
        Control::Welcome {
            id: 77,
            room: "ids".into(),
            peers: vec![alice_id],
            protocol: PROTOCOL_VERSION,
        }
    );
    assert_eq!(next_control(&mut alice).await, Control::Joined { id: 77 });
    // Alice's id is taken while she is connected: nobody else can claim it.
    assert!(
        connect_async(format!(
            "ws://{addr}/ws?protocol={PROTOCOL_VERSION}&room=ids&id={alice_id}"
        ))
        .await
        .is_err()
    );
    assert!(
        connect_async(format!(
            "ws://{addr}/ws?protocol={PROTOCOL_VERSION}&room=ids&id={}",
            BROADCAST
        ))
        .await
        .is_err()
    );
}

#[tokio::test]
async fn a_room_with_a_secret_refuses_peers_without_it() {
    let addr = start_relay().await;
    let (socket, _) = connect_async(format!(
        "ws://{addr}/ws?protocol={PROTOCOL_VERSION}&room=vault&secret=s3cret"
    ))
    .await
    .unwrap();
    let mut owner = socket;
    assert!(matches!(
        next_control(&mut owner).await,
        Control::Welcome { .. }
    ));
    assert!(
        connect_async(format!(
            "ws://{addr}/ws?protocol={PROTOCOL_VERSION}&room=vault"
        ))
        .await
        .is_err()
    );
    assert!(
        connect_async(format!(
            "ws://{addr}/ws?protocol={PROTOCOL_VERSION}&room=vault&secret=guess"
        ))
        .await
        .is_err()
    );
    let (mut friend, _) = connect_async(format!(
        "ws://{addr}/ws?protocol={PROTOCOL_VERSION}&room=vault&secret=s3cret"
    ))
    .await
    .unwrap();
    assert!(matches!(
        next_control(&mut friend).await,
        Control::Welcome { .. }
    ));
}

#[tokio::test]
async fn a_flooding_peer_is_limited_and_does_not_stall_the_others() {
    let addr = start_relay_with(RelayConfig {
        rate_limit: 200.0,
        burst: 100.0,
        ..RelayConfig::default()
    })
    .await;
    let (mut flooder, _, _) = join(addr, "flood").await;
    let (mut victim, victim_id, _) = join(addr, "flood").await;
    let (mut polite, _, _) = join(addr, "flood").await;
    // The flooder sends 3,000 frames as fast as it can; the relay passes the burst and the rate.
    let started = std::time::Instant::now();
    for _ in 0..3_000 {
        flooder
            .send(Message::Binary(
                relay_frame::join(victim_id, b"spam").into(),
            ))
            .await
            .unwrap();
    }
    // A polite peer's frame still gets through promptly.
    polite
        .send(Message::Binary(
            relay_frame::join(victim_id, b"hello").into(),
        ))
        .await
        .unwrap();
    let mut spam = 0;
    loop {
        let frame = next_binary(&mut victim).await;
        if frame.ends_with(b"hello") {
            break;
        }
        spam += 1;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let allowed = 100.0 + 200.0 * elapsed + 1.0;
    assert!(
        f64::from(spam) <= allowed,
        "{spam} spam frames passed in {elapsed:.2} s (allowed {allowed:.0})"
    );
    // Once the relay has read all 3,000, nearly all were dropped, and counted.
    let mut state = status(addr).await;
    for _ in 0..50 {
        if state.rate_limited + state.forwarded >= 3_001 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        state = status(addr).await;
    }
    assert_eq!(state.rate_limited + state.forwarded, 3_001, "{state:?}");
    assert!(
        state.rate_limited >= 3_000 - allowed as u64 - 100,
        "{state:?}"
    );
    // The flooder is still connected: within the rate again, its frames pass.
    tokio::time::sleep(Duration::from_millis(600)).await;
    flooder
        .send(Message::Binary(
            relay_frame::join(victim_id, b"calm").into(),
        ))
        .await
        .unwrap();
    loop {
        if next_binary(&mut victim).await.ends_with(b"calm") {
            break;
        }
    }
}

#[tokio::test]
async fn a_peer_that_cannot_keep_up_loses_frames_then_is_dropped_and_the_others_go_on() {
    // A queue of 8 frames and 40 frames lost in a row before the relay gives up.
    let addr = start_relay_with(RelayConfig {
        outgoing_queue: 8,
        slow_peer_shed_limit: 40,
        ..RelayConfig::default()
    })
    .await;
    let (mut sleeper, sleeper_id, _) = join(addr, "slow").await;
    let (mut sender, sender_id, _) = join(addr, "slow").await;
    let (mut reader, reader_id, _) = join(addr, "slow").await;
    // The sleeper never reads. 40 MB addressed to it fill the loopback socket buffers (a few
    // MB each way), then its queue, then overflow it by far more than 40 frames.
    let payload = vec![7u8; 60_000];
    for _ in 0..700 {
        sender
            .send(Message::Binary(
                relay_frame::join(sleeper_id, &payload).into(),
            ))
            .await
            .unwrap();
    }
    // The reader is not held up by the sleeper.
    sender
        .send(Message::Binary(
            relay_frame::join(reader_id, b"still here").into(),
        ))
        .await
        .unwrap();
    // (The relay may give up on the sleeper before it forwards this: the reader may hear that
    // the sleeper left first.)
    let mut heard_left = false;
    loop {
        match next_message(&mut reader).await {
            Message::Binary(frame) => {
                assert_eq!(relay_frame::split(&frame, usize::MAX).unwrap().0, sender_id);
                assert!(frame.ends_with(b"still here"));
                break;
            }
            Message::Text(text) => {
                heard_left |= serde_json::from_str::<Control>(&text).unwrap()
                    == (Control::Left { id: sleeper_id });
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    // The relay shed what found the queue full, dropped the sleeper once, and kept the others.
    let mut state = status(addr).await;
    for _ in 0..50 {
        if state.slow_peers_dropped > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        state = status(addr).await;
    }
    assert_eq!(state.slow_peers_dropped, 1, "{state:?}");
    assert!(state.shed >= 40, "{state:?}");
    assert_eq!(state.rooms["slow"], vec![sender_id, reader_id], "{state:?}");
    // The sleeper, reading at last, finds what was in flight and then the end of the connection.
    let closed = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match sleeper.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the relay should close the slow peer's connection"
    );
    // The others heard that it left.
    while !heard_left {
        match next_message(&mut reader).await {
            Message::Text(text) => {
                heard_left = serde_json::from_str::<Control>(&text).unwrap()
                    == (Control::Left { id: sleeper_id });
            }
            other => panic!("expected a control frame, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_peer_that_keeps_sending_garbage_is_disconnected() {
    let addr = start_relay_with(RelayConfig {
        max_bad_frames: 5,
        ..RelayConfig::default()
    })
    .await;
    let (mut garbage, _, _) = join(addr, "bad").await;
    for _ in 0..6 {
        garbage.send(Message::Binary(vec![1].into())).await.unwrap();
    }
    let closed = tokio::time::timeout(WAIT, async {
        loop {
            match garbage.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the relay should close the connection");
}

#[tokio::test]
async fn the_playground_is_served_gzipped_to_browsers_that_ask() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dist = std::env::temp_dir().join(format!("gossiplab-dist-{}", std::process::id()));
    std::fs::create_dir_all(&dist).unwrap();
    // Compressible like a wasm module full of repeated tables.
    let page = "<p>gossip</p>\n".repeat(2_000);
    std::fs::write(dist.join("index.html"), &page).unwrap();
    let listener = relay::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = RelayConfig {
        dist: dist.clone(),
        ..RelayConfig::default()
    };
    tokio::spawn(relay::serve(listener, config));
    let get = |encoding: &'static str| async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let request = format!(
            "GET /index.html HTTP/1.0\r\nHost: relay\r\nAccept-Encoding: {encoding}\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.unwrap();
        let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&response[..split]).to_lowercase();
        (head, response.len() - split - 4)
    };
    let (head, gzipped) = get("gzip").await;
    assert!(head.contains("content-encoding: gzip"), "{head}");
    assert!(
        gzipped * 10 < page.len(),
        "{gzipped} bytes for {}",
        page.len()
    );
    let (head, plain) = get("identity").await;
    assert!(!head.contains("content-encoding"), "{head}");
    assert_eq!(plain, page.len());
    std::fs::remove_dir_all(dist).ok();
}
