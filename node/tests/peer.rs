//! Native peers gossiping through a real relay over loopback: writes at either peer reach the
//! other, a killed peer is detected, and a relay restart loses nothing. Every wait is bounded.

use std::process::Command;
use std::time::Duration;

mod common;
use common::{BIN, Process, free_port, relay};

fn peer(port: u16, room: &str) -> Process {
    peer_with(port, room, &[])
}

fn peer_with(port: u16, room: &str, extra: &[&str]) -> Process {
    let relay = format!("ws://127.0.0.1:{port}");
    let mut args = vec![
        "peer",
        "--relay",
        &relay,
        "--room",
        room,
        "--swim-period-ms",
        "200",
        "--anti-entropy-ms",
        "300",
    ];
    args.extend_from_slice(extra);
    Process::start(&args)
}

fn id_of(peer: &mut Process) -> String {
    let line = peer.wait_for("joined room", Duration::from_secs(10));
    line.split_whitespace().nth(5).unwrap().to_string()
}

#[test]
fn writes_cross_between_native_peers_and_a_killed_peer_is_detected() {
    writes_cross_and_a_kill_is_detected(&[]);
}

#[test]
fn with_lifeguard_too() {
    // Two members expect no confirmations (memberlist's rule), so the suspicion timeout is the
    // plain one and the same bounds hold.
    writes_cross_and_a_kill_is_detected(&["--lifeguard"]);
}

fn writes_cross_and_a_kill_is_detected(extra: &[&str]) {
    let port = free_port();
    let _relay = relay(port);
    let mut alice = peer_with(port, "native", extra);
    let alice_id = id_of(&mut alice);
    let mut bob = peer_with(port, "native", extra);
    let bob_id = id_of(&mut bob);
    bob.wait_for(
        &format!("member {alice_id} joined"),
        Duration::from_secs(10),
    );

    alice.send("put colour blue");
    bob.send("put shape round");
    bob.wait_for_value("colour", "blue", Duration::from_secs(10));
    alice.wait_for_value("shape", "round", Duration::from_secs(10));
    // Bob's receipt tells Alice when he learned her write.
    alice.wait_for(
        &format!("peer {bob_id} has colour version"),
        Duration::from_secs(10),
    );

    // Alice dies without a word: Bob suspects, then declares her failed. With 200 ms periods and
    // two members the suspicion timeout is 3 x 200 ms x ceil(ln 3) = 1.2 s; 10 s is ample.
    drop(alice);
    bob.wait_for(
        &format!("member {alice_id} suspected"),
        Duration::from_secs(10),
    );
    bob.wait_for(
        &format!("member {alice_id} failed"),
        Duration::from_secs(10),
    );
}

#[test]
fn nothing_written_is_lost_across_a_relay_restart() {
    let port = free_port();
    let relay_process = relay(port);
    let mut alice = peer(port, "restart");
    let alice_id = id_of(&mut alice);
    let mut bob = peer(port, "restart");
    let bob_id = id_of(&mut bob);
    alice.wait_for(&format!("member {bob_id} joined"), Duration::from_secs(10));
    alice.send("put before restart");
    bob.wait_for_value("before", "restart", Duration::from_secs(10));

    drop(relay_process);
    alice.wait_for("connection to the relay lost", Duration::from_secs(10));
    // Written while the relay is down: kept locally, spread once the peers are back.
    alice.send("put during outage");
    std::thread::sleep(Duration::from_millis(300));
    let _relay = relay(port);
    // Both come back under their own ids.
    alice.wait_for(
        &format!("joined room restart as peer {alice_id}"),
        Duration::from_secs(15),
    );
    bob.wait_for(
        &format!("joined room restart as peer {bob_id}"),
        Duration::from_secs(15),
    );
    bob.wait_for_value("during", "outage", Duration::from_secs(15));
    bob.wait_for_value("before", "restart", Duration::from_secs(2));
}

#[test]
fn a_bad_room_name_is_refused_before_connecting() {
    let output = Command::new(BIN)
        .args(["peer", "--room", "no spaces"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("invalid room name"));
}

#[test]
fn a_room_secret_keeps_out_peers_without_it() {
    let port = free_port();
    let _relay = relay(port);
    let with_secret = |secret: &str| {
        Process::start(&[
            "peer",
            "--relay",
            &format!("ws://127.0.0.1:{port}"),
            "--room",
            "locked",
            "--secret",
            secret,
        ])
    };
    // The first peer sets the room's secret.
    let mut first = with_secret("open sesame");
    id_of(&mut first);
    let mut intruder = with_secret("guess");
    intruder.wait_for("relay unreachable", Duration::from_secs(10));
    assert!(
        !intruder.printed("joined room"),
        "a wrong secret is refused"
    );
    let mut friend = with_secret("open sesame");
    id_of(&mut friend);
}
