//! Native peers without a relay (`peer --listen`), as processes gossiping over loopback UDP:
//! three peers converge and detect a killed one; a datagram forged with another peer's id is
//! dropped; a peer restarted on another port under its id gets the id back everywhere; a
//! recording peer records every message it receives. Every wait is bounded.

use std::net::{SocketAddr, UdpSocket};
use std::process::Command;
use std::time::{Duration, Instant};

use gossip_core::RumorMessage;
use gossip_core::wire::{self, Message};
use gossip_core::{MemberState, MemberUpdate, SwimMessage};
use gossip_core::{Stamp, VersionedEntry};
use gossip_relay_frame as relay_frame;

mod common;
use common::{BIN, Process, wait_for_end};

const WAIT: Duration = Duration::from_secs(10);

/// A direct peer on a free loopback port, with short periods; returns it, its address and id.
fn peer(extra: &[&str]) -> (Process, SocketAddr, String) {
    let mut args = vec![
        "peer",
        "--listen",
        "127.0.0.1:0",
        "--swim-period-ms",
        "200",
        "--anti-entropy-ms",
        "300",
    ];
    args.extend_from_slice(extra);
    let mut process = Process::start(&args);
    // "listening on 127.0.0.1:PORT as peer ID"
    let line = process.wait_for("listening on", WAIT);
    let words: Vec<&str> = line.split_whitespace().collect();
    let addr = words[2].parse().unwrap();
    let id = words[5].to_string();
    (process, addr, id)
}

#[test]
fn three_direct_peers_converge_and_detect_a_killed_one() {
    let (mut alice, alice_addr, alice_id) = peer(&[]);
    let (mut bob, bob_addr, bob_id) = peer(&["--seeds", &alice_addr.to_string()]);
    // Carol knows only Bob: she hears of Alice through him, and of where Alice is from Alice's
    // own datagrams or from the address Alice published in the store.
    let (mut carol, _, carol_id) = peer(&["--seeds", &bob_addr.to_string()]);
    for (process, others) in [
        (&mut alice, [&bob_id, &carol_id]),
        (&mut bob, [&alice_id, &carol_id]),
        (&mut carol, [&alice_id, &bob_id]),
    ] {
        for id in others {
            process.wait_for(&format!("member {id} joined"), WAIT);
        }
    }

    alice.send("put colour blue");
    bob.send("put shape round");
    carol.send("put size large");
    for process in [&mut alice, &mut bob, &mut carol] {
        process.wait_for_value("colour", "blue", WAIT);
        process.wait_for_value("shape", "round", WAIT);
        process.wait_for_value("size", "large", WAIT);
    }
    // Carol talks to Alice directly, at the address Alice published.
    let net = carol.ask("net", "net: ");
    assert!(net.contains(&format!("{alice_id}@{alice_addr}")), "{net}");

    // Carol dies without a word. With 200 ms periods and three members the suspicion timeout is
    // 3 x 200 ms x ceil(ln 4) = 1.2 s; 10 s is ample.
    drop(carol);
    for process in [&mut alice, &mut bob] {
        process.wait_for(&format!("member {carol_id} failed"), WAIT);
    }
    assert!(
        bob.ask("members", "me: ")
            .contains(&format!("{alice_id}:alive"))
    );
}

/// A rumor writing `key = value` as version `version` of `origin`.
fn rumor(key: &str, value: &str, version: u64, origin: u32) -> Vec<u8> {
    let stamp = Stamp { version, origin };
    let entry = VersionedEntry {
        key: key.into(),
        value: value.into(),
        stamp,
    };
    wire::encode_message(&Message::Rumor(RumorMessage::Push {
        rumors: vec![(stamp, entry)],
        pull: false,
    }))
}

#[test]
fn a_datagram_forged_with_another_peers_id_is_dropped() {
    let (mut alice, alice_addr, _) = peer(&["--id", "1"]);
    let (mut bob, bob_addr, _) = peer(&["--id", "2", "--seeds", &alice_addr.to_string()]);
    bob.wait_for("member 1 joined", WAIT);
    alice.send("put colour blue");
    bob.wait_for_value("colour", "blue", WAIT);

    // From another socket, as Alice (id 1): a newer colour, Alice leaving, and a hello (which
    // would move her id here if she were dead).
    let mallory = UdpSocket::bind("127.0.0.1:0").unwrap();
    let as_alice = |payload: &[u8]| relay_frame::join(1, payload);
    let leave = wire::encode_message(&Message::Swim(SwimMessage::Ping {
        seq: 1,
        updates: vec![MemberUpdate {
            id: 1,
            incarnation: 1_000,
            state: MemberState::Left,
            origin: None,
        }],
    }));
    for datagram in [
        as_alice(&rumor("colour", "red", 1_000, 1)),
        as_alice(&leave),
        as_alice(&[]),
    ] {
        mallory.send_to(&datagram, bob_addr).unwrap();
    }
    // Malformed: shorter than the id, and garbage in an envelope of this version after a fresh
    // id. And a message of protocol 1 (no envelope) from another fresh id: not malformed, but
    // of another version, counted apart and said.
    mallory.send_to(&[1, 2], bob_addr).unwrap();
    mallory
        .send_to(
            &relay_frame::join(77, &[0x80 | wire::PROTOCOL_VERSION, 9, 0xFF]),
            bob_addr,
        )
        .unwrap();
    let old_ping = wire::encode(&Message::Swim(SwimMessage::Ping {
        seq: 1,
        updates: vec![],
    }));
    mallory
        .send_to(&relay_frame::join(78, &old_ping), bob_addr)
        .unwrap();

    std::thread::sleep(Duration::from_millis(1_000));
    let net = bob.ask("net", "net: ");
    assert!(
        net.contains("forged 3, malformed 2, other protocol version 1")
            && net.contains(&format!("1@{alice_addr}"))
            && !net.contains("78@"),
        "{net}"
    );
    let colour = bob.ask("get colour", "colour ");
    assert!(
        colour.starts_with("colour = blue (origin 1, version "),
        "{colour}"
    );
    assert!(bob.ask("members", "me: ").contains("1:alive"));
    assert!(!bob.printed("member 1 left"));
    assert!(!bob.printed("= red"));
    assert!(bob.printed(&format!(
        "peer 78 at {} runs protocol 1, this peer runs {}: its messages are ignored",
        mallory.local_addr().unwrap(),
        wire::PROTOCOL_VERSION
    )));

    // Bob challenged Alice's address, and she answered: her id stays hers after the wait.
    std::thread::sleep(Duration::from_millis(2_500));
    mallory
        .send_to(&as_alice(&rumor("colour", "red", 1_001, 1)), bob_addr)
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let net = bob.ask("net", "net: ");
    assert!(net.contains("forged 4,"), "{net}");
    let colour = bob.ask("get colour", "colour ");
    assert!(colour.starts_with("colour = blue "), "{colour}");

    // The same kind of rumor under an id of its own is taken: the forgery failed on its id.
    mallory
        .send_to(
            &relay_frame::join(99, &rumor("probe", "taken", 1, 99)),
            bob_addr,
        )
        .unwrap();
    bob.wait_for_value("probe", "taken", WAIT);
}

/// Asks `net` until the answer contains `text`.
fn wait_for_net(process: &mut Process, text: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let net = process.ask("net", "net: ");
        if net.contains(text) {
            return;
        }
        assert!(Instant::now() < deadline, "never {text:?}: {net}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_peer_restarted_elsewhere_under_its_id_gets_it_back() {
    let (mut alice, alice_addr, _) = peer(&["--id", "1"]);
    let seeds = ["--seeds", &alice_addr.to_string()];
    let (bob, old_bob_addr, _) = peer(&[&["--id", "2"][..], &seeds].concat());
    let (mut carol, carol_addr, _) = peer(&[&["--id", "3"][..], &seeds].concat());
    // Both have heard from Bob at his first address.
    for process in [&mut alice, &mut carol] {
        wait_for_net(process, &format!("2@{old_bob_addr}"));
    }
    drop(bob);
    for process in [&mut alice, &mut carol] {
        process.wait_for("member 2 failed", WAIT);
    }

    // Bob again, on another port. Alice, his seed, holds him dead and takes his hello; Carol
    // hears from him first as a forger, challenges his old address, and moves him when it stays
    // silent.
    let (mut bob, bob_addr, _) = peer(&[&["--id", "2"][..], &seeds].concat());
    bob.send("put back again");
    wait_for_net(&mut alice, &format!("2@{bob_addr}"));
    wait_for_net(&mut carol, &format!("2@{bob_addr}"));
    wait_for_net(&mut bob, &format!("3@{carol_addr}"));
    carol.wait_for_value("back", "again", WAIT);
    assert!(carol.ask("members", "me: ").contains("2:alive"));
}

#[test]
fn a_direct_peer_records_the_messages_it_receives() {
    use gossip_sim::recording::{RecordBody, Recording, merge};
    let dir = std::env::temp_dir().join(format!("gossiplab-direct-record-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (alice_file, bob_file) = (dir.join("alice.jsonl"), dir.join("bob.jsonl"));
    let (mut alice, alice_addr, alice_id) = peer(&["--record", alice_file.to_str().unwrap()]);
    let (mut bob, _, bob_id) = peer(&[
        "--seeds",
        &alice_addr.to_string(),
        "--record",
        bob_file.to_str().unwrap(),
    ]);
    alice.wait_for(&format!("member {bob_id} joined"), WAIT);
    bob.send("put colour blue");
    alice.wait_for_value("colour", "blue", WAIT);
    // Bob ends first, so that everything he sent reached a live Alice.
    bob.send("quit");
    wait_for_end(&bob_file);
    alice.send("quit");
    wait_for_end(&alice_file);
    let read = |path: &std::path::Path| {
        let text = std::fs::read_to_string(path).unwrap();
        Recording::parse(&path.display().to_string(), &text).unwrap()
    };
    let (alice_recording, bob_recording) = (read(&alice_file), read(&bob_file));
    let (alice_id, bob_id): (u32, u32) = (alice_id.parse().unwrap(), bob_id.parse().unwrap());
    let welcome = |recording: &Recording| {
        recording
            .records
            .iter()
            .find_map(|record| match &record.body {
                RecordBody::Welcome { id, peers } => Some((*id, peers.clone())),
                _ => None,
            })
    };
    // Alice started the cluster; Bob joined through her.
    assert_eq!(welcome(&alice_recording), Some((alice_id, vec![])));
    assert_eq!(welcome(&bob_recording), Some((bob_id, vec![alice_id])));
    // What Alice received from Bob is what Bob sent her, message by message.
    let received: Vec<(String, u32, String)> = alice_recording
        .records
        .iter()
        .filter_map(|record| match &record.body {
            RecordBody::Received {
                from,
                msg,
                bytes,
                summary,
                ..
            } if *from == bob_id => Some((msg.clone(), *bytes, summary.clone())),
            _ => None,
        })
        .collect();
    let sent: Vec<(String, u32, String)> = bob_recording
        .records
        .iter()
        .filter_map(|record| match &record.body {
            RecordBody::Sent {
                to,
                msg,
                bytes,
                summary,
            } if *to == alice_id => Some((msg.clone(), *bytes, summary.clone())),
            _ => None,
        })
        .collect();
    assert!(sent.len() > 5, "Bob sent Alice {} messages", sent.len());
    assert_eq!(received, sent);
    // Alice's round trips are measured from her pings' acks.
    assert!(alice_recording.records.iter().any(|record| matches!(
        record.body,
        RecordBody::Received {
            rtt_us: Some(_),
            ..
        }
    )));
    assert!(alice_recording.records.iter().any(|record| matches!(
        &record.body,
        RecordBody::Updated { key, origin, .. } if key == "colour" && *origin == bob_id
    )));
    // The two recordings merge into a cluster of two for the replay.
    let merged = merge(&[alice_recording, bob_recording], 1).unwrap();
    let ids: Vec<u32> = merged.peers.iter().map(|peer| peer.id).collect();
    assert_eq!(ids, [alice_id, bob_id]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn listen_conflicts_with_the_relay_and_seeds_need_it() {
    let run = |args: &[&str]| Command::new(BIN).args(args).output().unwrap();
    let both = run(&[
        "peer",
        "--relay",
        "ws://127.0.0.1:1",
        "--listen",
        "127.0.0.1:0",
    ]);
    assert!(!both.status.success());
    assert!(String::from_utf8_lossy(&both.stderr).contains("cannot be used with"));
    let seeds_alone = run(&["peer", "--seeds", "127.0.0.1:1"]);
    assert!(!seeds_alone.status.success());
    assert!(String::from_utf8_lossy(&seeds_alone.stderr).contains("--listen"));
    let reserved = run(&["peer", "--listen", "127.0.0.1:0", "--id", "4294967295"]);
    assert!(String::from_utf8_lossy(&reserved.stderr).contains("reserved"));
}
