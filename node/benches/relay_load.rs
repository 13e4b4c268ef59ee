//! Relay load figures, printed (not asserted): `cargo bench -p gossip-node --bench relay_load`.
//!
//! 1. 100 peers in one room each send frames to random other peers for 5 s, 80,000 a second in
//!    all (`RELAY_LOAD_OFFERED=55000 cargo bench ...` offers another load); each payload
//!    carries its send time, so the receiver measures the latency the relay adds (on loopback,
//!    with the clients on the same 2 cores as the relay).
//!    The relay also times each frame itself, from its arrival to its write to the recipient's
//!    socket, and reports that in `/status`: the figure without the clients' scheduling.
//! 2. 1,000 idle peers join a room; the relay process's resident memory before and after gives
//!    the bytes each connection costs.
//!
//! The relay runs as its own process (the release binary), so its memory is its own.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use gossip_relay_frame::{self as relay_frame, Control};
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

const PEERS: usize = 100;
const SECONDS: u64 = 5;
const IDLE_PEERS: usize = 1_000;

fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The relay's `/status` document.
async fn relay_status(port: u16) -> serde_json::Value {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("relay reachable");
    stream
        .write_all(b"GET /status HTTP/1.0\r\nHost: relay\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(body).expect("status is JSON")
}

async fn join(
    url: &str,
) -> (
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    u32,
) {
    let (mut socket, _) = connect_async(url).await.expect("relay reachable");
    loop {
        if let Some(Ok(Message::Text(text))) = socket.next().await
            && let Ok(Control::Welcome { id, .. }) = serde_json::from_str(&text)
        {
            return (socket, id);
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut relay = Command::new(env!("CARGO_BIN_EXE_gossip-node"))
        .args([
            "relay",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--dist",
            "no-dist",
        ])
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("relay starts");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pid = relay.id();

    // 1. Throughput and added latency.
    let url = format!("ws://127.0.0.1:{port}/ws?room=load");
    let mut sockets = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..PEERS {
        let (socket, id) = join(&url).await;
        sockets.push(socket);
        ids.push(id);
    }
    // Frames per second offered by all peers together: 80,000 unless RELAY_LOAD_OFFERED says.
    let offered: f64 = std::env::var("RELAY_LOAD_OFFERED")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(80_000.0);
    let burst_pause = Duration::from_secs_f64(4.0 * PEERS as f64 / offered);
    let epoch = Instant::now();
    let running = Arc::new(AtomicBool::new(true));
    let received = Arc::new(AtomicU64::new(0));
    let latencies = Arc::new(std::sync::Mutex::new(Vec::<u64>::new()));
    let mut tasks = Vec::new();
    for (index, socket) in sockets.into_iter().enumerate() {
        let (mut sink, mut stream) = socket.split();
        let sender_running = running.clone();
        let (running, received, latencies, ids) = (
            running.clone(),
            received.clone(),
            latencies.clone(),
            ids.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while let Some(Ok(message)) = stream.next().await {
                if let Message::Binary(frame) = message
                    && let Ok((_, payload)) = relay_frame::split(&frame, usize::MAX)
                    && payload.len() >= 8
                {
                    let sent = u64::from_le_bytes(payload[..8].try_into().unwrap());
                    let count = received.fetch_add(1, Ordering::Relaxed);
                    if count % 16 == 0 {
                        let latency = (epoch.elapsed().as_micros() as u64).saturating_sub(sent);
                        latencies.lock().unwrap().push(latency);
                    }
                }
                if !running.load(Ordering::Relaxed) {
                    break;
                }
            }
        }));
        let running = sender_running;
        tasks.push(tokio::spawn(async move {
            let mut turn = index as u64;
            while running.load(Ordering::Relaxed) {
                turn = turn
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let to = ids[(turn >> 33) as usize % ids.len()];
                let mut payload = (epoch.elapsed().as_micros() as u64).to_le_bytes().to_vec();
                payload.extend_from_slice(&[0u8; 56]);
                if sink
                    .send(Message::Binary(relay_frame::join(to, &payload).into()))
                    .await
                    .is_err()
                {
                    break;
                }
                // Pace each peer at its share of the offered load, in bursts of 4 since timer
                // sleeps are no finer than about a millisecond.
                if turn % 4 == 0 {
                    tokio::time::sleep(burst_pause).await;
                }
            }
        }));
    }
    let start = received.load(Ordering::Relaxed);
    let measure_from = Instant::now();
    tokio::time::sleep(Duration::from_secs(SECONDS)).await;
    let forwarded = received.load(Ordering::Relaxed) - start;
    let elapsed = measure_from.elapsed().as_secs_f64();
    running.store(false, Ordering::Relaxed);
    for task in &tasks {
        task.abort();
    }
    let mut latencies = latencies.lock().unwrap().clone();
    latencies.sort_unstable();
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    println!(
        "relay throughput: {PEERS} peers, 64-byte payloads, {SECONDS} s, {offered:.0} frames/s offered"
    );
    println!(
        "  {:.0} frames forwarded per second",
        forwarded as f64 / elapsed
    );
    println!(
        "  latency added (send to receive, clients on the same machine): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} samples)",
        percentile(0.50) as f64 / 1000.0,
        percentile(0.99) as f64 / 1000.0,
        latencies.last().copied().unwrap_or(0) as f64 / 1000.0,
        latencies.len()
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let status = relay_status(port).await;
    let latency = &status["forward_latency"];
    println!(
        "  latency inside the relay (arrival to write, its /status): p50 {} ms, p99 {} ms, max {} ms ({} frames)",
        latency["p50_ms"], latency["p99_ms"], latency["max_ms"], latency["samples"]
    );
    println!(
        "  frames shed to full queues: {}; peers dropped as too slow: {}",
        status["shed"], status["slow_peers_dropped"]
    );

    // 2. Memory per idle connection.
    let before = resident_kib(pid);
    let url = format!("ws://127.0.0.1:{port}/ws?room=idle");
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
