//! Relay load figures, printed (not asserted): `cargo bench -p gossip-node --bench relay_load`.
//!
//! 1. The clients' view: 100 peers in one room each send 64-byte frames to random other peers,
//!    at 20,000, 40,000 and 60,000 frames a second in all (`RELAY_LOAD_OFFERED=30000,90000`
//!    offers other loads), 1 s of warm-up then 5 s measured; each payload carries its send time,
//!    so the receiver measures send-to-receive latency: the relay, both sockets and the clients'
//!    scheduling (on loopback, with the clients on the same 2 cores as the relay). The clients set
//!    TCP_NODELAY, as browsers' and Node's `ws` sockets do, so what is measured is the relay's.
//!    Then the saturated rate: every peer sends as fast as it can (each connection's rate limit,
//!    5,000 frames/s on average after a 10,000-frame allowance, caps 100 peers at 500,000-670,000
//!    a second over a 6 s load).
//!
//!    The clients are the light client of `relay_load/raw_client.rs`: two plain threads (one
//!    sends on the schedule, one frame per write; one receives every socket through one epoll)
//!    with the WebSocket framing written out. `RELAY_CLIENT=tokio` runs the earlier client, 200
//!    tokio tasks on two runtime threads with tokio-tungstenite, whose own CPU time (10-17 µs a
//!    frame against the light client's 7-12) and wake-ups on the two shared cores were most of
//!    the tail it measured: figures before session 11 were measured with it.
//!    The relay also times each frame itself, from reading it off the sender's socket to the
//!    return of its write to the recipient's, and reports that in `/status` (over the whole
//!    run): the figure without the kernel's delivery and the clients.
//! 2. Recording's cost: the saturated rate again, in rooms whose first peer asked the relay to
//!    record them (every frame's time, sender, recipient and size) and in rooms that are not
//!    recorded, alternately, twice each (for this build's relay, or another's with
//!    `RELAY_RECORDS=1`; `RELAY_RECORDS=0` leaves this part out), started with a recording cap
//!    large enough that no recording stops during its run.
//! 3. 1,000 idle peers join a room; the relay process's resident memory before and after gives
//!    the bytes each connection costs.
//!
//! The relay runs as its own process (the release binary), so its memory is its own; the
//! clients are this process, on the same two cores.
//! `RELAY_BIN=/path/to/gossip-node` measures another build's relay (an older commit's, to
//! compare); it must accept `relay --addr ADDR --dist DIR`. `RELAY_THREADS=N` starts the relay
//! with `--threads N`. `RELAY_CPUS=0` runs the relay on CPU 0 only (with `taskset`); run the bench
//! under `taskset -c 1` too and relay and clients have a core each.
//!
//! `RELAY_PACING=even` spreads the peers' bursts evenly in time with a pacing thread, where by
//! default each peer sleeps on a tokio timer, and the timers of this one process fire together
//! on whole milliseconds (at 60k frames/s, 60 frames at once each millisecond). Evenly paced,
//! the p50 shows a frame's way through an idle relay; the bursts let the relay batch its writes.
//!
//! `RELAY_BIN=$PWD/scripts/bench/ws-relay/relay.sh` (after `npm ci --prefix
//! scripts/bench/ws-relay`) measures the reference the issue compared us with: a minimal relay
//! on Node's `ws` package speaking our room protocol.
//!
//! Each load also prints the relay process's CPU time per frame received (user and system, all
//! its threads, in the kernel's 10 ms ticks): what a frame costs, a figure the other processes
//! on a loaded machine hardly move, unlike the latencies; and the clients' (this process's).
//!
//! Where a frame's time goes: `RELAY_TRACE=1 cargo bench -p gossip-node --features frame-trace
//! --bench relay_load` runs a measurement build of the relay (it stamps every frame as read,
//! looked up, queued, taken by the recipient's writer and written, on the wall clock the
//! clients' payloads also carry) and prints, after each load, each stage's p50 / p99 / max, the
//! mean of each stage over the slowest 1% of frames, and the share of frames read and written
//! on different relay threads.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use gossip_relay_frame::{self as relay_frame, Control, PROTOCOL_VERSION};
use tokio_tungstenite::connect_async_with_config;
use tokio_tungstenite::tungstenite::Message;

#[path = "relay_load/raw_client.rs"]
mod raw_client;

const PEERS: usize = 100;
const WARM_UP: Duration = Duration::from_secs(1);
const MEASURED: Duration = Duration::from_secs(5);
const IDLE_PEERS: usize = 1_000;
const PAYLOAD: usize = 64;

fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The CPU time (user and system, all threads) a process has used so far, in µs (counted in
/// the kernel's 10 ms ticks).
fn cpu_us(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and
    // 13th.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after_name
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse().ok())
        .collect();
    fields.iter().sum::<u64>() * 10_000
}

/// The body the relay answers `path` with, and whether the answer was 200 OK.
async fn relay_get(port: u16, path: &str) -> (String, bool) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("relay reachable");
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: relay\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let ok = response.starts_with("HTTP/1.0 200") || response.starts_with("HTTP/1.1 200");
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    (body.to_string(), ok)
}

/// The relay's `/status` document.
async fn relay_status(port: u16) -> serde_json::Value {
    serde_json::from_str(&relay_get(port, "/status").await.0).expect("status is JSON")
}

/// A frame's way from a client's send to a client's receive, in stages (ns), joined from the
/// measurement build's `/trace` and the receivers' times.
const STAGES: [&str; 6] = [
    "client send -> relay read",
    "read -> recipients looked up",
    "looked up -> queued",
    "queued -> writer takes it",
    "writer takes it -> write returned",
    "write returned -> client received",
];

/// Prints where the frames received while measured spent their time (a measurement build's
/// relay only: `cargo bench -p gossip-node --features frame-trace --bench relay_load`).
async fn print_stages(port: u16, received_at: &[(u32, u32, u64)]) {
    let (text, ok) = relay_get(port, "/trace").await;
    if !ok {
        println!("    (no /trace: the relay is not a measurement build)");
        return;
    }
    let mut relay_side = std::collections::HashMap::new();
    for line in text.lines() {
        let fields: Vec<u64> = line.split(' ').filter_map(|f| f.parse().ok()).collect();
        if let [sender, seq, rest @ ..] = fields.as_slice()
            && rest.len() == 8
        {
            relay_side.insert((*sender as u32, *seq as u32), rest.to_vec());
        }
    }
    // sent, read, looked up, queued, dequeued, flushed, received; then the threads.
    let mut frames: Vec<([u64; 7], bool)> = Vec::new();
    for &(sender, seq, received) in received_at {
        if let Some(r) = relay_side.get(&(sender, seq)) {
            let times = [r[0], r[1], r[2], r[3], r[4], r[5], received];
            frames.push((times, r[6] != r[7]));
        }
    }
    if frames.is_empty() {
        println!("    (no frame of the trace matched)");
        return;
    }
    let stage = |times: &[u64; 7], index: usize| times[index + 1].saturating_sub(times[index]);
    let total = |times: &[u64; 7]| times[6].saturating_sub(times[0]);
    let ms = |ns: u64| ns as f64 / 1e6;
    let mut totals: Vec<u64> = frames.iter().map(|(t, _)| total(t)).collect();
    totals.sort_unstable();
    let p99_total = totals[(totals.len() as f64 * 0.99) as usize % totals.len()];
    let slow: Vec<&[u64; 7]> = frames
        .iter()
        .map(|(t, _)| t)
        .filter(|t| total(t) >= p99_total)
        .collect();
    let crossed = frames.iter().filter(|(_, crossed)| *crossed).count();
    println!(
        "    where the time goes ({} frames matched; read and written on different relay threads: {:.0}%):",
        frames.len(),
        100.0 * crossed as f64 / frames.len() as f64
    );
    println!(
        "    {:<34} | p50 ms | p99 ms | max ms | mean ms in the slowest 1% (total >= {:.2} ms)",
        "stage",
        ms(p99_total)
    );
    for (index, name) in STAGES.iter().enumerate() {
        let mut times: Vec<u64> = frames.iter().map(|(t, _)| stage(t, index)).collect();
        times.sort_unstable();
        let slow_mean =
            slow.iter().map(|t| stage(t, index)).sum::<u64>() as f64 / slow.len() as f64 / 1e6;
        println!(
            "    {name:<34} | {:>6.3} | {:>6.3} | {:>6.2} | {slow_mean:.3}",
            ms(times[times.len() / 2]),
            ms(times[(times.len() as f64 * 0.99) as usize]),
            ms(*times.last().unwrap()),
        );
    }
}

/// The frames a room's recording holds, and whether it stopped at its cap.
async fn recording_size(port: u16, room: &str) -> (usize, bool) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("relay reachable");
    stream
        .write_all(format!("GET /recording?room={room} HTTP/1.0\r\nHost: relay\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
    let frames = body
        .lines()
        .filter(|line| line.contains("\"from\""))
        .count();
    (frames, body.contains("\"stopped\""))
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn join(url: &str) -> (Socket, u32) {
    // TCP_NODELAY on, as browsers and Node's `ws` have it.
    let (mut socket, _) = connect_async_with_config(url, None, true)
        .await
        .expect("relay reachable");
    loop {
        if let Some(Ok(Message::Text(text))) = socket.next().await
            && let Ok(Control::Welcome { id, .. }) = serde_json::from_str(&text)
        {
            return (socket, id);
        }
    }
}

/// What one load gave: frames received per second while measured, and the send-to-receive
/// latencies (µs) of every frame received then.
struct LoadFigures {
    per_second: f64,
    latencies_us: Vec<u64>,
    /// (sender, sequence number, wall-clock ns received) of every frame received while
    /// measured, for joining with a measurement build's `/trace`.
    received_at: Vec<(u32, u32, u64)>,
    /// The relay process's CPU time (all threads, user and system) per frame received while
    /// measured, in µs: what a frame costs, which other processes' load hardly changes.
    relay_cpu_us_per_frame: f64,
    /// The same for this process (the 100 clients, sending and receiving).
    client_cpu_us_per_frame: f64,
}

/// Nanoseconds on the wall clock: the clock a measurement build of the relay stamps frames with.
fn wall_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// How the clients time their bursts at an offered load.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Pacing {
    /// Each peer on a tokio timer. They fire on whole milliseconds, so the 100 peers of this one
    /// process send together at each tick (60 frames at once at 60k/s): bursty, as the figures
    /// before `RELAY_PACING` were measured. The light client's sending thread wakes on whole
    /// milliseconds likewise and sends every burst then due.
    Timers,
    /// A thread wakes each peer in turn (the light client: its sending thread wakes for each), the bursts spread evenly in time (to within Linux's
    /// 50-100 µs sleep slack), as 100 independent peers on their own clocks would send:
    /// `RELAY_PACING=even`.
    Even,
}

/// Which load client: the light one on two plain threads (the default), or the earlier one on
/// tokio and tungstenite (`RELAY_CLIENT=tokio`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Client {
    Raw,
    Tokio,
}

/// What the measured time of a load gave, but the latencies.
struct Measured {
    per_second: f64,
    frames: u64,
    relay_cpu_us: u64,
    client_cpu_us: u64,
}

/// Waits out the warm-up, then measures for `MEASURED`: the frames the clients count in
/// `received` while `measuring` is on, and the relay's and this process's CPU time meanwhile.
async fn measure(relay_pid: u32, measuring: &AtomicBool, received: &AtomicU64) -> Measured {
    tokio::time::sleep(WARM_UP).await;
    measuring.store(true, Ordering::Relaxed);
    let measure_from = Instant::now();
    let cpu_from = (cpu_us(relay_pid), cpu_us(std::process::id()));
    tokio::time::sleep(MEASURED).await;
    measuring.store(false, Ordering::Relaxed);
    let relay_cpu_us = cpu_us(relay_pid).saturating_sub(cpu_from.0);
    let client_cpu_us = cpu_us(std::process::id()).saturating_sub(cpu_from.1);
    let frames = received.load(Ordering::Relaxed);
    Measured {
        per_second: frames as f64 / measure_from.elapsed().as_secs_f64(),
        frames,
        relay_cpu_us,
        client_cpu_us,
    }
}

impl Measured {
    fn figures(self, mut latencies_us: Vec<u64>, received_at: Vec<(u32, u32, u64)>) -> LoadFigures {
        latencies_us.sort_unstable();
        let frames = self.frames.max(1) as f64;
        LoadFigures {
            per_second: self.per_second,
            latencies_us,
            received_at,
            relay_cpu_us_per_frame: self.relay_cpu_us as f64 / frames,
            client_cpu_us_per_frame: self.client_cpu_us as f64 / frames,
        }
    }
}

/// One load: 100 peers in a fresh room `room` send to random others at `offered` frames a
/// second in all (`None`: as fast as they can) for the warm-up and the measured time.
#[derive(Clone, Copy)]
struct Load<'a> {
    relay_pid: u32,
    port: u16,
    room: &'a str,
    offered: Option<f64>,
    /// The room's first peer asks the relay to record it.
    record: bool,
    /// Keep each frame's receive time for a measurement build's `/trace`.
    trace: bool,
    pacing: Pacing,
}

impl Load<'_> {
    /// The path each peer joins the room at.
    fn path(&self) -> String {
        let record = if self.record { "&record=true" } else { "" };
        format!("/ws?room={}&protocol={PROTOCOL_VERSION}{record}", self.room)
    }

    /// Each peer sends bursts of 4, one burst every this long (`None`: flat out), the peers'
    /// schedules spread over one pause.
    fn burst_pause(&self) -> Option<Duration> {
        self.offered
            .map(|offered| Duration::from_secs_f64(4.0 * PEERS as f64 / offered))
    }
}

/// `run_load` with the light client.
async fn run_load_raw(load: Load<'_>) -> LoadFigures {
    let path = load.path();
    let peers: Vec<raw_client::RawPeer> = (0..PEERS)
        .map(|_| raw_client::join(load.port, &path))
        .collect();
    let running = Arc::new(AtomicBool::new(true));
    let measuring = Arc::new(AtomicBool::new(false));
    let received = Arc::new(AtomicU64::new(0));
    let (sender, receiver) = raw_client::start(
        peers,
        load.burst_pause(),
        load.pacing == Pacing::Timers,
        raw_client::Shared {
            epoch: Instant::now(),
            running: running.clone(),
            measuring: measuring.clone(),
            received: received.clone(),
            trace: load.trace,
        },
    );
    let measured = measure(load.relay_pid, &measuring, &received).await;
    running.store(false, Ordering::Relaxed);
    let received = tokio::task::spawn_blocking(move || {
        sender.join().expect("the sender ran");
        receiver.join().expect("the receiver ran")
    })
    .await
    .unwrap();
    measured.figures(received.latencies_us, received.received_at)
}

/// Runs `load` with `client`.
async fn run_load(client: Client, load: Load<'_>) -> LoadFigures {
    if client == Client::Raw {
        return run_load_raw(load).await;
    }
    let Load {
        relay_pid,
        trace,
        pacing,
        ..
    } = load;
    let url = format!("ws://127.0.0.1:{}{}", load.port, load.path());
    let mut sockets = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..PEERS {
        let (socket, id) = join(&url).await;
        sockets.push(socket);
        ids.push(id);
    }
    let burst_pause = load.burst_pause();
    let epoch = Instant::now();
    let running = Arc::new(AtomicBool::new(true));
    // With `Pacing::Even` a pacing thread says when each burst is due.
    let bursts_due: Vec<Arc<tokio::sync::Notify>> = (0..PEERS)
        .map(|_| Arc::new(tokio::sync::Notify::new()))
        .collect();
    let paced = burst_pause.filter(|_| pacing == Pacing::Even);
    let pacer = paced.map(|pause| {
        let (bursts_due, running) = (bursts_due.clone(), running.clone());
        std::thread::spawn(move || {
            let spacing = pause / PEERS as u32;
            let start = Instant::now();
            let mut bursts = 0u32;
            while running.load(Ordering::Relaxed) {
                let due = start + spacing * bursts;
                let now = Instant::now();
                if due > now {
                    // Linux wakes a sleeping thread some 50-100 µs late; the bursts due by
                    // then go together.
                    std::thread::sleep(due - now);
                }
                bursts_due[bursts as usize % PEERS].notify_one();
                bursts += 1;
            }
            // Each peer's last wait ends, so that it sees `running` off and says goodbye.
            for due in &bursts_due {
                due.notify_one();
            }
        })
    });
    let measuring = Arc::new(AtomicBool::new(false));
    let received = Arc::new(AtomicU64::new(0));
    let mut receivers = Vec::new();
    let mut senders = Vec::new();
    for (index, socket) in sockets.into_iter().enumerate() {
        let (mut sink, mut stream) = socket.split();
        let (measuring, received) = (measuring.clone(), received.clone());
        receivers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut received_at = Vec::new();
            while let Some(Ok(message)) = stream.next().await {
                if let Message::Binary(frame) = message
                    && let Ok((_, payload)) = relay_frame::split(&frame, usize::MAX)
                    && payload.len() >= 16
                    && measuring.load(Ordering::Relaxed)
                {
                    let sent = u64::from_le_bytes(payload[..8].try_into().unwrap());
                    received.fetch_add(1, Ordering::Relaxed);
                    latencies.push((epoch.elapsed().as_micros() as u64).saturating_sub(sent));
                    if trace {
                        let sender = u32::from_le_bytes(payload[8..12].try_into().unwrap());
                        let seq = u32::from_le_bytes(payload[12..16].try_into().unwrap());
                        received_at.push((sender, seq, wall_ns()));
                    }
                }
            }
            (latencies, received_at)
        }));
        let (running, ids) = (running.clone(), ids.clone());
        let burst_due = bursts_due[index].clone();
        senders.push(tokio::spawn(async move {
            let mut turn = index as u64;
            let mut seq = 0u32;
            // Bursts keep to a schedule (a late one is not made up by the next pause), the
            // peers' schedules spread over one pause; evenly paced, a burst when the pacer says
            // it is due (if the last is still being sent, the next follows it at once).
            let mut next_burst = burst_pause.map(|pause| {
                tokio::time::Instant::now() + pause.mul_f64(index as f64 / PEERS as f64)
            });
            while running.load(Ordering::Relaxed) {
                if paced.is_some() {
                    burst_due.notified().await;
                } else if let (Some(at), Some(pause)) = (next_burst.as_mut(), burst_pause) {
                    tokio::time::sleep_until(*at).await;
                    *at += pause;
                }
                for _ in 0..4 {
                    turn = turn
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let to = ids[(turn >> 33) as usize % ids.len()];
                    // [sent µs since the epoch][sender][seq][sent wall-clock ns] (the last three
                    // for a measurement build's per-frame trace), then zeros.
                    let mut payload = Vec::with_capacity(PAYLOAD);
                    payload.extend((epoch.elapsed().as_micros() as u64).to_le_bytes());
                    payload.extend((index as u32).to_le_bytes());
                    payload.extend(seq.to_le_bytes());
                    payload.extend(wall_ns().to_le_bytes());
                    payload.resize(PAYLOAD, 0);
                    seq = seq.wrapping_add(1);
                    if sink
                        .send(Message::Binary(relay_frame::join(to, &payload).into()))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                if burst_pause.is_none() {
                    // Flat out, but let the receivers run.
                    tokio::task::yield_now().await;
                }
            }
            let _ = sink.close().await;
        }));
    }
    let measured = measure(relay_pid, &measuring, &received).await;
    running.store(false, Ordering::Relaxed);
    if let Some(pacer) = pacer {
        let _ = pacer.join();
    }
    for sender in senders {
        let _ = sender.await;
    }
    let mut latencies_us = Vec::new();
    let mut received_at = Vec::new();
    for receiver in receivers {
        // The relay closes each receiver's socket once its sender said goodbye.
        if let Ok(Ok((mut latencies, mut at))) =
            tokio::time::timeout(Duration::from_secs(5), receiver).await
        {
            latencies_us.append(&mut latencies);
            received_at.append(&mut at);
        }
    }
    measured.figures(latencies_us, received_at)
}

fn percentile_ms(sorted: &[u64], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0) as f64
        / 1_000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let other_build = std::env::var("RELAY_BIN").ok();
    let binary = other_build
        .clone()
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_gossip-node").into());
    let addr = format!("127.0.0.1:{port}");
    let mut args = vec!["relay", "--addr", &addr, "--dist", "no-dist"];
    // Part 2 needs a build that records rooms: this one, or another said to with
    // RELAY_RECORDS=1; RELAY_RECORDS=0 leaves it out.
    let records = std::env::var("RELAY_RECORDS").map_or(other_build.is_none(), |v| v == "1");
    if records {
        // About 55 bytes a frame: room for a saturated run of several million frames.
        args.extend(["--recording-cap", "1G"]);
    }
    // A measurement build's per-frame stages: RELAY_TRACE=1 (the relay must be built with the
    // `frame-trace` feature).
    let trace = std::env::var("RELAY_TRACE").is_ok_and(|v| v == "1");
    let pacing = match std::env::var("RELAY_PACING").as_deref() {
        Ok("even") => Pacing::Even,
        _ => Pacing::Timers,
    };
    let client = match std::env::var("RELAY_CLIENT").as_deref() {
        Ok("tokio") => Client::Tokio,
        _ => Client::Raw,
    };
    let threads = std::env::var("RELAY_THREADS").ok();
    if let Some(threads) = &threads {
        args.extend(["--threads", threads]);
    }
    // RELAY_CPUS=LIST runs the relay on those CPUs only (with `taskset`), e.g. RELAY_CPUS=0 and
    // the bench itself under `taskset -c 1`: relay and clients on a core each.
    let cpus = std::env::var("RELAY_CPUS").ok();
    let mut command = match &cpus {
        Some(cpus) => {
            let mut command = Command::new("taskset");
            command.args(["-c", cpus, &binary]);
            command
        }
        None => Command::new(&binary),
    };
    let mut relay = command
        .args(&args)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("relay starts");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pid = relay.id();
    println!(
        "relay: {binary}{}{}",
        threads.map_or(String::new(), |threads| format!(" --threads {threads}")),
        cpus.map_or(String::new(), |cpus| format!(" on CPUs {cpus}"))
    );

    // 1. The clients' view, at each offered load, then saturated.
    let loads: Vec<f64> = std::env::var("RELAY_LOAD_OFFERED")
        .ok()
        .map(|list| {
            list.split(',')
                .filter_map(|v| v.trim().parse().ok())
                .collect()
        })
        .unwrap_or_else(|| vec![20_000.0, 40_000.0, 60_000.0]);
    println!(
        "relay load: {PEERS} peers, {PAYLOAD}-byte payloads, loopback; {} s warm-up, {} s measured",
        WARM_UP.as_secs(),
        MEASURED.as_secs()
    );
    println!(
        "  clients' send-to-receive latency (relay, sockets and clients on the same 2 cores), {}, bursts {}:",
        match client {
            Client::Raw => "the light client (two threads, one epoll)",
            Client::Tokio => "the tokio client (RELAY_CLIENT=tokio)",
        },
        match pacing {
            Pacing::Timers => "together at each millisecond",
            Pacing::Even => "spread evenly (RELAY_PACING=even)",
        }
    );
    println!(
        "  offered frames/s | received frames/s |  p50 ms |  p99 ms |  max ms | samples | CPU µs/frame: relay, clients"
    );
    for (index, offered) in loads.iter().map(|&o| Some(o)).chain([None]).enumerate() {
        let room = format!("load{index}");
        let figures = run_load(
            client,
            Load {
                relay_pid: pid,
                port,
                room: &room,
                offered,
                record: false,
                trace,
                pacing,
            },
        )
        .await;
        let sorted = &figures.latencies_us;
        println!(
            "  {:>16} | {:>17.0} | {:>7.2} | {:>7.2} | {:>7.2} | {:>7} | {:.2}, {:.2}",
            offered.map_or("saturated".to_string(), |o| format!("{o:.0}")),
            figures.per_second,
            percentile_ms(sorted, 0.50),
            percentile_ms(sorted, 0.99),
            sorted.last().copied().unwrap_or(0) as f64 / 1_000.0,
            sorted.len(),
            figures.relay_cpu_us_per_frame,
            figures.client_cpu_us_per_frame
        );
        if trace {
            print_stages(port, &figures.received_at).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let status = relay_status(port).await;
    let latency = &status["forward_latency"];
    println!(
        "  the relay's own figure over the whole run (/status forward_latency): p50 {} ms, p99 {} ms, max {} ms ({} frames)",
        latency["p50_ms"], latency["p99_ms"], latency["max_ms"], latency["samples"]
    );
    if let Some(spans) = status["forward_latency_spans"].as_str() {
        println!("    spanning {spans}");
    }
    println!(
        "  frames shed to full queues: {}; peers dropped as too slow: {}; frames over the rate limit: {}",
        status["shed"], status["slow_peers_dropped"], status["rate_limited"]
    );

    // 2. Recording's cost.
    if records {
        println!("  saturated, the room recorded or not (alternately):");
        println!("  recorded | received frames/s |  p50 ms |  p99 ms | recording");
        for (index, record) in [false, true, false, true].into_iter().enumerate() {
            let room = format!("recorded{index}");
            let load = Load {
                relay_pid: pid,
                port,
                room: &room,
                offered: None,
                record,
                trace: false,
                pacing,
            };
            let figures = run_load(client, load).await;
            let sorted = &figures.latencies_us;
            let recording = if record {
                let (frames, stopped) = recording_size(port, &room).await;
                format!(
                    "{frames} frames recorded{}",
                    if stopped { ", stopped at its cap" } else { "" }
                )
            } else {
                "-".to_string()
            };
            println!(
                "  {:>8} | {:>17.0} | {:>7.2} | {:>7.2} | {recording}",
                if record { "yes" } else { "no" },
                figures.per_second,
                percentile_ms(sorted, 0.50),
                percentile_ms(sorted, 0.99),
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    // 3. Memory per idle connection.
    let before = resident_kib(pid);
    let url = format!("ws://127.0.0.1:{port}/ws?room=idle&protocol={PROTOCOL_VERSION}");
    let mut idle = Vec::new();
    for _ in 0..IDLE_PEERS {
        idle.push(join(&url).await.0);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = resident_kib(pid);
    println!("idle peers: {IDLE_PEERS} connected");
    println!(
        "  relay resident memory {before} KiB -> {after} KiB: {:.1} KiB per idle peer",
        (after.saturating_sub(before)) as f64 / IDLE_PEERS as f64
    );
    drop(idle);
    let _ = relay.kill();
    let _ = relay.wait();
}
