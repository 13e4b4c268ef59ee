//! Live convergence figure, printed (not asserted):
//! `cargo bench -p gossip-node --bench live_convergence`.
//!
//! "A key written at one of 20 live peers (anti-entropy period 200 ms) reaches all within 2 s."
//! A relay and 20 native peers ([`gossip_node::peer::run`], the code of `gossip-node peer`, each
//! with its own input pipe and printed lines) run in this process on one tokio runtime, over real
//! WebSockets on 127.0.0.1. Once every peer lists the 19 others, each trial writes a new key at
//! one peer (a different one each time) and times until all 20 hold it, from the `put` command to
//! the last peer's `updated` line. Two set-ups: anti-entropy alone, then with rumor mongering
//! (every 200 ms, as `gossip-node peer` does by default); SWIM's period is the default 1 s.
//! Loopback and 2 shared cores: the figure is the protocol's periods, not the network's latency.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use gossip_core::NodeConfig;
use gossip_node::{peer, relay};
use tokio::io::{AsyncWriteExt, BufReader, DuplexStream};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;

const PEERS: usize = 20;
const TRIALS: usize = 10;
const ANTI_ENTROPY_MS: u64 = 200;
const CLAIM: Duration = Duration::from_secs(2);
const TRIAL_LIMIT: Duration = Duration::from_secs(15);

/// A peer's standard output: each complete line goes to the bench with the peer's index and the
/// moment it was printed.
struct Lines {
    peer: usize,
    partial: Vec<u8>,
    to: UnboundedSender<(usize, Instant, String)>,
}

impl Write for Lines {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.partial.extend_from_slice(data);
        while let Some(end) = self.partial.iter().position(|&byte| byte == b'\n') {
            let line = String::from_utf8_lossy(&self.partial[..end]).into_owned();
            self.partial.drain(..=end);
            let _ = self.to.send((self.peer, Instant::now(), line));
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Cluster {
    inputs: Vec<DuplexStream>,
    tasks: Vec<JoinHandle<anyhow::Result<()>>>,
    lines: UnboundedReceiver<(usize, Instant, String)>,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

fn config(rumor_ms: Option<u64>) -> NodeConfig {
    let mut config = NodeConfig::default();
    if let Some(schedule) = config.anti_entropy.as_mut() {
        schedule.period = ANTI_ENTROPY_MS;
    }
    config.rumor = config.rumor.filter(|_| rumor_ms.is_some()).map(|mut s| {
        s.period = rumor_ms.unwrap_or(s.period);
        s
    });
    config
}

/// Starts the peers in `room` and waits until each lists all the others.
async fn start_cluster(port: u16, room: &str, config: NodeConfig) -> Cluster {
    let (to, mut lines) = unbounded_channel();
    let mut inputs = Vec::new();
    let mut tasks = Vec::new();
    for index in 0..PEERS {
        let (input, peer_end) = tokio::io::duplex(4096);
        let options = peer::PeerOptions {
            relay: format!("ws://127.0.0.1:{port}"),
            room: room.to_string(),
            id: None,
            secret: None,
            config,
            seed: 1 + index as u64,
            record: None,
            relay_records: false,
        };
        let out = Lines {
            peer: index,
            partial: Vec::new(),
            to: to.clone(),
        };
        tasks.push(tokio::spawn(peer::run(
            options,
            BufReader::new(peer_end),
            out,
        )));
        inputs.push(input);
    }
    let mut joined = [0usize; PEERS];
    let deadline = Instant::now() + Duration::from_secs(30);
    while joined.iter().any(|&n| n < PEERS - 1) {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, lines.recv()).await {
            Ok(Some((index, _, line))) => {
                if line.starts_with("member ") && line.ends_with(" joined") {
                    joined[index] += 1;
                }
            }
            _ => {
                println!("  (membership incomplete after 30 s: {joined:?} members known)");
                break;
            }
        }
    }
    Cluster {
        inputs,
        tasks,
        lines,
    }
}

/// Writes `key` at `writer` and returns the time until all peers hold it (None: not within
/// [`TRIAL_LIMIT`]) and how many of the arrivals each mechanism brought.
async fn trial(
    cluster: &mut Cluster,
    writer: usize,
    key: &str,
) -> (Option<Duration>, Vec<(String, usize)>) {
    let value = format!("value-of-{key}");
    let wanted = format!("updated {key} = {value} (");
    let start = Instant::now();
    cluster.inputs[writer]
        .write_all(format!("put {key} {value}\n").as_bytes())
        .await
        .expect("peer reads its input");
    let mut holds = [false; PEERS];
    let mut last = start;
    let mut via: Vec<(String, usize)> = Vec::new();
    while holds.iter().any(|held| !held) {
        let left = (start + TRIAL_LIMIT).saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, cluster.lines.recv()).await {
            Ok(Some((index, at, line))) if line.starts_with(&wanted) => {
                holds[index] = true;
                last = last.max(at);
                let mechanism = line
                    .rsplit("via ")
                    .next()
                    .unwrap_or("?")
                    .trim_end_matches(')')
                    .to_string();
                match via.iter_mut().find(|(name, _)| *name == mechanism) {
                    Some((_, count)) => *count += 1,
                    None => via.push((mechanism, 1)),
                }
            }
            Ok(Some(_)) => {}
            _ => return (None, via),
        }
    }
    (Some(last - start), via)
}

fn ms(duration: Duration) -> String {
    format!("{:.0} ms", duration.as_secs_f64() * 1000.0)
}

async fn measure(port: u16, room: &str, label: &str, config: NodeConfig) {
    let started = Instant::now();
    let mut cluster = start_cluster(port, room, config).await;
    println!(
        "{label}: {PEERS} peers joined and listed each other in {}",
        ms(started.elapsed())
    );
    let mut times = Vec::new();
    let mut failed = 0;
    let mut mechanisms: Vec<(String, usize)> = Vec::new();
    for index in 0..TRIALS {
        // Let the previous write settle and start each trial at a different phase of the periods.
        tokio::time::sleep(Duration::from_millis(500 + 37 * index as u64)).await;
        let writer = (index * 7) % PEERS;
        let (time, via) = trial(&mut cluster, writer, &format!("{room}-key-{index}")).await;
        for (name, count) in via {
            match mechanisms.iter_mut().find(|(known, _)| *known == name) {
                Some((_, total)) => *total += count,
                None => mechanisms.push((name, count)),
            }
        }
        match time {
            Some(time) => times.push(time),
            None => failed += 1,
        }
    }
    times.sort();
    let within = times.iter().filter(|time| **time <= CLAIM).count();
    let list: Vec<String> = times.iter().map(|time| ms(*time)).collect();
    if times.is_empty() {
        println!("  no trial converged within {}", ms(TRIAL_LIMIT));
        return;
    }
    println!(
        "  time until all {PEERS} hold a new key, {} trials: median {}, max {}; within {}: {within}/{TRIALS}{}",
        TRIALS,
        ms((times[(times.len() - 1) / 2] + times[times.len() / 2]) / 2),
        ms(*times.last().unwrap()),
        ms(CLAIM),
        if failed > 0 {
            format!(" ({failed} not within {})", ms(TRIAL_LIMIT))
        } else {
            String::new()
        }
    );
    println!("  sorted: {}", list.join(", "));
    let arrivals: Vec<String> = mechanisms
        .iter()
        .map(|(name, count)| format!("{name} {count}"))
        .collect();
    println!("  arrivals by mechanism: {}", arrivals.join(", "));
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let listener = relay::bind("127.0.0.1:0".parse().unwrap())
        .await
        .expect("a free loopback port");
    let port = listener.local_addr().unwrap().port();
    let relay_config = relay::RelayConfig {
        dist: PathBuf::from("no-dist"),
        ..relay::RelayConfig::default()
    };
    tokio::spawn(relay::serve(listener, relay_config));
    println!(
        "live convergence: {PEERS} native peers and the relay in-process on 127.0.0.1:{port}; \
         SWIM period 1000 ms, anti-entropy (push-pull scuttlebutt) every {ANTI_ENTROPY_MS} ms"
    );
    measure(port, "ae-only", "anti-entropy alone", config(None)).await;
    measure(
        port,
        "ae-rumor",
        "anti-entropy and rumor mongering every 200 ms",
        config(Some(200)),
    )
    .await;
}
