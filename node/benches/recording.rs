//! What recording costs a peer, printed (not asserted): `cargo bench -p gossip-node --bench
//! recording`.
//!
//! Ten live `Node`s (SWIM every 100 ms, anti-entropy every 200 ms, rumor mongering every 50 ms,
//! a write somewhere every 100 ms) exchange messages in one process over an in-memory network
//! for 120 simulated seconds, doing what `gossip-node peer` does with each message: encode it
//! with its envelope, decode it at the recipient, handle it. Once as is, once recording every
//! message as the peer does (its summary, a JSON line for the sender and one for the recipient,
//! written through a buffered file in the temporary folder, flushed every 64 messages as the
//! peer flushes once a turn). Best of five, messages per second of processor time; no sockets,
//! so what is measured is the peer's own work, of which recording is part.

use std::collections::VecDeque;
use std::io::BufWriter;
use std::time::Instant;

use gossip_core::wire;
use gossip_core::{LivePeerOptions, Node, NodeConfig, seeded_rng};
use gossip_sim::recording::{
    DEFAULT_CAP_BYTES, RECORDING_FORMAT, RECORDING_VERSION, RecordBody, RecordingWriter, Start,
};

const NODES: u32 = 10;
const SIMULATED_MS: u64 = 120_000;

/// Messages on their way: (from, to, encoded).
type Queue = VecDeque<(u32, u32, Vec<u8>)>;

/// Encodes what `node` wants sent into `queue`, recording each (if `writer`), as the peer does
/// after each turn; drops its events.
fn send_all(node: &mut Node, mut writer: Option<&mut Writer>, now: u64, queue: &mut Queue) {
    let from = node.me();
    while let Some((to, message)) = node.poll_transmit() {
        let bytes = wire::encode_message(&message);
        if let Some(writer) = writer.as_mut() {
            let summary = message.summary();
            writer.record(
                now * 1_000,
                RecordBody::Sent {
                    to,
                    msg: summary.kind.into(),
                    bytes: bytes.len() as u32,
                    summary: summary.text,
                },
            );
        }
        queue.push_back((from, to, bytes));
    }
    while node.poll_event().is_some() {}
}

type Writer = RecordingWriter<BufWriter<std::fs::File>>;

/// Runs the cluster; returns the messages handled and the seconds taken.
fn run(record: bool) -> (u64, f64) {
    let config = NodeConfig::live(LivePeerOptions::from_periods(100, 200, 50));
    let mut rng = seeded_rng(7);
    let mut nodes: Vec<Node> = (1..=NODES)
        .map(|id| Node::new(id, config).unwrap())
        .collect();
    for node in &mut nodes {
        let me = node.me();
        node.bootstrap(0, (1..=NODES).filter(|&id| id != me), &mut rng);
    }
    let path = |index: u32| {
        std::env::temp_dir().join(format!(
            "gossiplab-bench-{}-{index}.jsonl",
            std::process::id()
        ))
    };
    let mut writers: Vec<_> = (0..NODES)
        .map(|index| {
            record.then(|| {
                let file = std::fs::File::create(path(index)).unwrap();
                let start = Start {
                    format: RECORDING_FORMAT.into(),
                    version: RECORDING_VERSION,
                    unix_us: 0,
                    recorder: "bench".into(),
                    transport: "memory".into(),
                    room: None,
                    protocol: wire::PROTOCOL_VERSION,
                    seed: 7,
                    config,
                    cap_bytes: DEFAULT_CAP_BYTES * 64,
                };
                RecordingWriter::new(BufWriter::new(file), start).unwrap()
            })
        })
        .collect();
    let started = Instant::now();
    let mut handled = 0u64;
    let mut queue = Queue::new();
    for now in 0..SIMULATED_MS {
        if now % 100 == 0 {
            let writer = (now / 100 % u64::from(NODES)) as usize;
            let _ = nodes[writer].put(now, &format!("k{}", now % 37), b"value");
        }
        for index in 0..nodes.len() {
            if nodes[index].poll_timeout().is_some_and(|at| at <= now) {
                nodes[index].tick(now, &mut rng);
            }
            send_all(&mut nodes[index], writers[index].as_mut(), now, &mut queue);
        }
        while let Some((from, to, bytes)) = queue.pop_front() {
            let index = (to - 1) as usize;
            let message = wire::decode_message(&bytes, usize::MAX).unwrap();
            if let Some(writer) = writers[index].as_mut() {
                let summary = message.summary();
                writer.record(
                    now * 1_000,
                    RecordBody::Received {
                        from,
                        msg: summary.kind.into(),
                        bytes: bytes.len() as u32,
                        summary: summary.text,
                        rtt_us: None,
                    },
                );
                if handled % 64 == 0 {
                    let _ = writer.flush();
                }
            }
            nodes[index].handle(now, from, message, &mut rng);
            handled += 1;
            send_all(&mut nodes[index], writers[index].as_mut(), now, &mut queue);
        }
    }
    for writer in writers.into_iter().flatten() {
        writer.finish(SIMULATED_MS * 1_000).unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    for index in 0..NODES {
        let _ = std::fs::remove_file(path(index));
    }
    (handled, seconds)
}

fn main() {
    println!(
        "recording's cost to a peer: {NODES} live nodes in one process, {} simulated s, every \
         message encoded, decoded and handled; best of 5",
        SIMULATED_MS / 1_000
    );
    let mut best = [f64::INFINITY; 2];
    let mut messages = [0u64; 2];
    for _ in 0..5 {
        for (slot, record) in [false, true].into_iter().enumerate() {
            let (handled, seconds) = run(record);
            messages[slot] = handled;
            best[slot] = best[slot].min(seconds);
        }
    }
    assert_eq!(messages[0], messages[1], "recording changes nothing");
    for (slot, name) in ["not recorded", "recorded"].iter().enumerate() {
        println!(
            "  {name:>12}: {} messages in {:.3} s: {:.0} messages/s",
            messages[slot],
            best[slot],
            messages[slot] as f64 / best[slot]
        );
    }
    println!(
        "  recording costs {:.2} us a message ({:.0}% more time)",
        (best[1] - best[0]) * 1e6 / messages[1] as f64,
        (best[1] / best[0] - 1.0) * 100.0
    );
}
