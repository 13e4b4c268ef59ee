//! A real cluster recorded and replayed: five native peers on a relay on 127.0.0.1 record what
//! they live through (writes at three of them, one killed, one leaving gracefully), the relay
//! records the room's frames, `gossip-node replay` merges the five recordings into a scenario
//! and runs it, and the simulated spread and detection times must be near the recorded ones; the
//! same recording with SWIM's period halved must detect the crash sooner. Every wait is bounded.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

mod common;
use common::{BIN, Process, free_port, relay, wait_for_end};

/// SWIM's period in the recorded cluster, ms; its ping timeout is 30% of it (the live mapping).
const PERIOD: u64 = 400;
/// Rumor mongering's period, ms.
const RUMOR: u64 = 200;

fn peer(port: u16, record: &Path, first: bool) -> Process {
    let relay = format!("ws://127.0.0.1:{port}");
    let period = PERIOD.to_string();
    let rumor = RUMOR.to_string();
    let record = record.display().to_string();
    let mut args = vec![
        "peer",
        "--relay",
        &relay,
        "--room",
        "recorded",
        "--swim-period-ms",
        &period,
        "--rumor-ms",
        &rumor,
        "--record",
        &record,
    ];
    if first {
        args.push("--relay-records");
    }
    Process::start(&args)
}

fn id_of(peer: &mut Process) -> String {
    let line = peer.wait_for("joined room", Duration::from_secs(10));
    line.split_whitespace().nth(5).unwrap().to_string()
}

fn http_get(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: relay\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// `gossip-node` with `args` and `--format json`: its JSON output, once it has succeeded.
fn json_of(args: &[&std::ffi::OsStr]) -> serde_json::Value {
    let output = Command::new(BIN)
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// `gossip-node replay FILES --runs RUNS EXTRA`.
fn replay_runs(files: &[PathBuf], runs: &str, extra: &[&str]) -> serde_json::Value {
    let flags = ["--runs", runs];
    let mut args: Vec<&std::ffi::OsStr> = vec!["replay".as_ref()];
    args.extend(files.iter().map(|file| file.as_os_str()));
    args.extend(flags.iter().chain(extra).map(std::ffi::OsStr::new));
    json_of(&args)
}

fn replay(files: &[PathBuf], extra: &[&str]) -> serde_json::Value {
    replay_runs(files, "20", extra)
}

/// The row of `figure` whose subject starts with `subject`: (recorded, simulated mean).
fn row(comparison: &serde_json::Value, figure: &str, subject: &str) -> (f64, f64) {
    let row = comparison["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| {
            row["figure"] == figure && row["subject"].as_str().unwrap().starts_with(subject)
        })
        .unwrap_or_else(|| panic!("no {figure} of {subject}: {comparison:#}"));
    (
        row["recorded"].as_f64().unwrap_or_else(|| panic!("{row}")),
        row["simulated"]["mean"]
            .as_f64()
            .unwrap_or_else(|| panic!("{row}")),
    )
}

#[test]
fn a_recorded_cluster_replays_within_tolerance_and_a_shorter_period_detects_sooner() {
    let dir = std::env::temp_dir().join(format!("gossiplab-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let files: Vec<PathBuf> = (0..5)
        .map(|index| dir.join(format!("peer{index}.jsonl")))
        .collect();
    let port = free_port();
    let _relay = relay(port);
    // Five peers, joining 300 ms apart.
    let mut peers = Vec::new();
    let mut ids = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let mut peer = peer(port, file, index == 0);
        ids.push(id_of(&mut peer));
        peers.push(peer);
        std::thread::sleep(Duration::from_millis(300));
    }
    for (index, peer) in peers.iter_mut().enumerate() {
        for (other, id) in ids.iter().enumerate() {
            if other != index {
                peer.wait_for(&format!("member {id} joined"), Duration::from_secs(10));
            }
        }
    }
    // Writes at three peers, each awaited everywhere.
    for (writer, key) in [(0, "colour"), (2, "shape"), (4, "size")] {
        peers[writer].send(&format!("put {key} {writer}"));
        for peer in peers.iter_mut() {
            peer.wait_for(&format!("updated {key} ="), Duration::from_secs(10));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    // Peer 3 is killed: every other peer declares it failed.
    let crashed = ids[3].clone();
    peers.remove(3);
    for peer in peers.iter_mut() {
        peer.wait_for(&format!("member {crashed} failed"), Duration::from_secs(20));
    }
    // Peer 4 (now at index 3) leaves gracefully; a last write after it.
    let leaver = ids[4].clone();
    peers[3].send("quit");
    for peer in peers.iter_mut().take(3) {
        peer.wait_for(&format!("member {leaver} left"), Duration::from_secs(10));
    }
    wait_for_end(&files[4]);
    peers[1].send("put after leave");
    for peer in peers.iter_mut().take(3) {
        peer.wait_for("updated after =", Duration::from_secs(10));
    }
    std::thread::sleep(Duration::from_millis(1_000));
    for peer in peers.iter_mut().take(3) {
        peer.send("quit");
    }
    for index in [0, 1, 2] {
        wait_for_end(&files[index]);
    }

    // The relay's recording of the room: every frame's metadata, no payload; between any two
    // peers no more frames than the sender recorded sending and no fewer than the recipient
    // recorded receiving.
    let response = http_get(port, "/recording?room=recorded");
    assert!(response.starts_with("HTTP/1.0 200"), "{response:.300}");
    let body = response.split("\r\n\r\n").nth(1).unwrap();
    let mut lines = body.lines();
    let header: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(header["format"], "gossiplab-relay-recording");
    assert_eq!(header["version"], 1);
    let mut relayed = std::collections::BTreeMap::<(u64, u64), u64>::new();
    for line in lines {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        if record.get("kind").is_none() {
            assert_eq!(record.as_object().unwrap().len(), 4, "{record}");
            *relayed
                .entry((
                    record["from"].as_u64().unwrap(),
                    record["to"].as_u64().unwrap(),
                ))
                .or_default() += 1;
        }
    }
    let counts = |file: &Path, kind: &str, field: &str| {
        let mut counts = std::collections::BTreeMap::<u64, u64>::new();
        for line in std::fs::read_to_string(file).unwrap().lines() {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            if record["kind"] == kind {
                *counts.entry(record[field].as_u64().unwrap()).or_default() += 1;
            }
        }
        counts
    };
    let id = |index: usize| ids[index].parse::<u64>().unwrap();
    for a in 0..5 {
        let sent = counts(&files[a], "sent", "to");
        for b in (0..5).filter(|&b| b != a) {
            let received = counts(&files[b], "received", "from");
            let through = relayed.get(&(id(a), id(b))).copied().unwrap_or(0);
            let sent = sent.get(&id(b)).copied().unwrap_or(0);
            let received = received.get(&id(a)).copied().unwrap_or(0);
            // The killed peer's last turn may be sent but not yet written to its file.
            let sent_bound = if a == 3 { sent + 10 } else { sent };
            assert!(
                received <= through && through <= sent_bound,
                "{a} -> {b}: sent {sent}, relayed {through}, received {received}"
            );
        }
    }
    assert!(relayed.values().sum::<u64>() > 200, "{relayed:?}");

    let recorded = replay(&files, &[]);
    let merged = &recorded["merged"];
    let peers_json = merged["peers"].as_array().unwrap();
    assert_eq!(peers_json.len(), 5);
    assert_eq!(peers_json[3]["departure"]["kind"], "crashed");
    assert_eq!(peers_json[4]["departure"]["kind"], "left");
    assert_eq!(merged["writes"].as_array().unwrap().len(), 4);
    eprintln!(
        "{}",
        serde_json::to_string_pretty(&recorded["rows"]).unwrap()
    );
    eprintln!("fit: {}", merged["fit"]);

    // Spread: the recorded spread of each write and the simulated mean over 20 runs must be
    // within TOLERANCE_SPREAD. Rumor mongering moves a write at its holders' next rumor tick,
    // which comes 0 to RUMOR ms after it arrives; the live peers' ticks fall at phases of
    // their own (each counts from its own start) while the simulator's nodes tick together,
    // and one recorded write is one draw of those phases: about two hops for five peers, each
    // up to a rumor period apart from the simulator's, so 2 x RUMOR, plus 100 ms for the live
    // peers' scheduling on a loaded two-core machine.
    const TOLERANCE_SPREAD: f64 = 2.0 * RUMOR as f64 + 100.0;
    for key in ["colour", "shape", "size", "after"] {
        let (recorded_spread, simulated) = row(&recorded, "spread", &format!("write {key} "));
        assert!(
            (simulated - recorded_spread).abs() <= TOLERANCE_SPREAD,
            "write {key}: recorded {recorded_spread} ms, simulated {simulated} ms"
        );
    }
    // Detection: the first suspicion comes when a live member's probe of the dead one goes
    // unanswered: the earliest of the 4 live members' probes of it, each reaching the dead one
    // in its shuffled round-robin order of 4 after 0-3 whole periods plus its own phase, both
    // drawn differently live and simulated. One recorded crash is one draw of that earliest
    // probe, set against the simulator's mean over 20 seeds. Drawn as min over 4 members of
    // (uniform 0..=3 + uniform [0, 1)) periods (400,000 draws), a draw lies more than 1.25
    // periods above the mean (0.80) in 5.6% of runs (this test's first tolerance, which failed
    // in CI at 1,076 vs 564 ms), more than 2 periods in 0.8%, and more than 2.25 in about 0.4%:
    // hence 2 periods plus 100 ms of scheduling. Declared dead adds the suspicion timeout, the
    // same number live and simulated (3 periods x ceil(ln n)), so the same tolerance holds.
    const TOLERANCE_DETECTION: f64 = 2.0 * PERIOD as f64 + 100.0;
    let (recorded_suspicion, simulated_suspicion) = row(&recorded, "first suspicion", "crash");
    let (recorded_dead, simulated_dead) = row(&recorded, "first declared dead", "crash");
    assert!(
        (simulated_suspicion - recorded_suspicion).abs() <= TOLERANCE_DETECTION,
        "first suspicion: recorded {recorded_suspicion} ms, simulated {simulated_suspicion} ms"
    );
    assert!(
        (simulated_dead - recorded_dead).abs() <= TOLERANCE_DETECTION,
        "declared dead: recorded {recorded_dead} ms, simulated {simulated_dead} ms"
    );

    // What if the period were halved (and its ping timeout with it, as live peers set it)?
    let half = replay(
        &files,
        &[
            "--set",
            &format!("swim.protocol_period={}", PERIOD / 2),
            "--set",
            &format!("swim.ping_timeout={}", PERIOD * 3 / 20),
        ],
    );
    let (_, halved_dead) = row(&half, "first declared dead", "crash");
    let (_, halved_suspicion) = row(&half, "first suspicion", "crash");
    eprintln!(
        "halved period: first suspicion {halved_suspicion} ms, declared dead {halved_dead} ms \
         (recorded {recorded_suspicion}, {recorded_dead}; simulated {simulated_suspicion}, \
         {simulated_dead})"
    );
    assert!(
        halved_dead < simulated_dead && halved_dead < recorded_dead,
        "halved: {halved_dead} ms; as recorded: simulated {simulated_dead}, recorded {recorded_dead}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The scenario a replay builds, saved as a file the way the playground's "Download scenario"
/// saves it (the scenario format's JSON, indented), runs with `gossip-node sim FILE` as it is,
/// and its run is the replay's: the same seed gives the same spread of each write.
#[test]
fn a_replayed_scenario_saved_as_a_file_runs_with_sim() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sim/tests/fixtures");
    let recordings = [
        fixtures.join("recording-native.jsonl"),
        fixtures.join("recording-wasm.jsonl"),
    ];
    let replayed = replay_runs(&recordings, "1", &[]);
    let scenario = &replayed["merged"]["scenario"];
    // A replay's peers join late: the join fault is scenario version 2's.
    assert_eq!(scenario["version"], 2);
    let dir = std::env::temp_dir().join(format!("gossiplab-scenario-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("gossiplab-scenario.json");
    std::fs::write(
        &file,
        serde_json::to_string_pretty(scenario).unwrap() + "\n",
    )
    .unwrap();
    let simulated = json_of(&["sim".as_ref(), file.as_os_str()]);
    assert_eq!(&simulated["scenario"], scenario);
    let summary = &simulated["runs"][0]["summary"];
    assert_eq!(summary["nodes"], 2);
    assert_eq!(summary["writes"], 2);
    assert_eq!(summary["writes_reaching_all"], 2);
    let spreads: Vec<f64> = replayed["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["figure"] == "spread")
        .map(|row| row["simulated"]["mean"].as_f64().unwrap())
        .collect();
    assert_eq!(spreads.len(), 2);
    assert_eq!(
        summary["mean_dissemination_ms"].as_f64().unwrap(),
        spreads.iter().sum::<f64>() / 2.0
    );
    let _ = std::fs::remove_dir_all(&dir);
}
