//! The light load client (the default; `RELAY_CLIENT=tokio` runs the earlier one): the 100 peers
//! on two plain threads, one sending on a schedule and one receiving every socket through one
//! epoll (mio), with the WebSocket framing written out here (a masked binary frame out, one
//! write per frame as a browser's `send` makes; unmasked frames in).
//!
//! Why: the tokio + tungstenite client spent 10-17 µs of CPU per frame on two runtime threads
//! (more than the relay's 7-11), on the same two cores as the relay, so the clients' view of
//! the relay's latency was largely the clients' own share of the CPU. This one spends a few µs
//! per frame on threads that sleep between bursts.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use gossip_relay_frame::{self as relay_frame, Control};

/// One peer joined to the relay: its socket (non-blocking once joined), its id, and the bytes
/// read past the welcome.
pub(crate) struct RawPeer {
    stream: TcpStream,
    id: u32,
    leftover: Vec<u8>,
}

/// A WebSocket frame found at the start of a buffer: its opcode, where its payload is and the
/// frame's whole length.
struct FrameAt {
    opcode: u8,
    payload: std::ops::Range<usize>,
    len: usize,
}

/// The first whole frame in `buffer`, if all of it has arrived. Frames from a server are not
/// masked; a masked one is an error.
fn frame_at(buffer: &[u8]) -> Result<Option<FrameAt>, &'static str> {
    let [first, second, ..] = *buffer else {
        return Ok(None);
    };
    if second & 0x80 != 0 {
        return Err("a masked frame from the server");
    }
    let (payload_len, header) = match second & 0x7f {
        126 => match buffer.get(2..4) {
            Some(b) => (u16::from_be_bytes([b[0], b[1]]) as usize, 4),
            None => return Ok(None),
        },
        127 => match buffer.get(2..10) {
            Some(b) => (u64::from_be_bytes(b.try_into().unwrap()) as usize, 10),
            None => return Ok(None),
        },
        short => (short as usize, 2),
    };
    if buffer.len() < header + payload_len {
        return Ok(None);
    }
    Ok(Some(FrameAt {
        opcode: first & 0x0f,
        payload: header..header + payload_len,
        len: header + payload_len,
    }))
}

/// Appends a client frame (FIN, `opcode`, masked with a fixed key: the relay only checks that
/// a mask is there) holding `payload`.
fn put_frame(out: &mut Vec<u8>, opcode: u8, payload: &[u8]) {
    const MASK: [u8; 4] = [0x5a, 0x17, 0xc3, 0x3e];
    out.push(0x80 | opcode);
    match payload.len() {
        len @ 0..=125 => out.push(0x80 | len as u8),
        len @ 126..=0xffff => {
            out.push(0x80 | 126);
            out.extend((len as u16).to_be_bytes());
        }
        len => {
            out.push(0x80 | 127);
            out.extend((len as u64).to_be_bytes());
        }
    }
    out.extend(MASK);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i % 4]));
}

/// Opens a WebSocket to `path` on the relay (a blocking handshake), waits for its welcome and
/// returns the peer with its id.
pub(crate) fn join(port: u16, path: &str) -> RawPeer {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("relay reachable");
    // As browsers and Node's `ws` have it.
    stream.set_nodelay(true).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    .unwrap();
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let body_from = loop {
        let n = stream.read(&mut chunk).expect("handshake answered");
        assert!(
            n > 0,
            "the relay closed the connection during the handshake"
        );
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..body_from]).to_string();
    assert!(
        head.starts_with("HTTP/1.1 101"),
        "the relay refused the WebSocket: {head}"
    );
    buffer.drain(..body_from);
    loop {
        while let Some(frame) = frame_at(&buffer).expect("a well-formed frame") {
            let payload = &buffer[frame.payload.clone()];
            let welcome = (frame.opcode == 1)
                .then(|| serde_json::from_slice::<Control>(payload).ok())
                .flatten();
            buffer.drain(..frame.len);
            if let Some(Control::Welcome { id, .. }) = welcome {
                stream.set_nonblocking(true).unwrap();
                return RawPeer {
                    stream,
                    id,
                    leftover: buffer,
                };
            }
        }
        let n = stream.read(&mut chunk).expect("the welcome arrives");
        assert!(n > 0, "the relay closed the connection before its welcome");
        buffer.extend_from_slice(&chunk[..n]);
    }
}

/// What the receiving thread gathered.
#[derive(Default)]
pub(crate) struct Received {
    /// Send-to-receive latencies (µs) of the frames received while measured.
    pub(crate) latencies_us: Vec<u64>,
    /// (sender, sequence number, wall-clock ns received) of those frames.
    pub(crate) received_at: Vec<(u32, u32, u64)>,
}

/// The switches and counters the two threads share with the bench during one load.
pub(crate) struct Shared {
    pub(crate) epoch: Instant,
    pub(crate) running: Arc<AtomicBool>,
    pub(crate) measuring: Arc<AtomicBool>,
    pub(crate) received: Arc<AtomicU64>,
    pub(crate) trace: bool,
}

/// Starts the two threads: the sender (bursts of 4 frames per peer every `burst_pause`, the
/// peers' schedules spread evenly over one pause; `None`: flat out) and the receiver. The sender
/// stops when `running` goes off and closes each socket; the receiver returns once every socket
/// is closed by the relay, or 5 s later.
pub(crate) fn start(
    peers: Vec<RawPeer>,
    burst_pause: Option<Duration>,
    whole_milliseconds: bool,
    shared: Shared,
) -> (
    std::thread::JoinHandle<()>,
    std::thread::JoinHandle<Received>,
) {
    let ids: Vec<u32> = peers.iter().map(|p| p.id).collect();
    let writers: Vec<TcpStream> = peers
        .iter()
        .map(|p| p.stream.try_clone().expect("socket cloned"))
        .collect();
    let Shared {
        epoch,
        running,
        measuring,
        received,
        trace,
    } = shared;
    let running_too = running.clone();
    let sender = std::thread::spawn(move || {
        send_on_schedule(
            writers,
            &ids,
            burst_pause,
            whole_milliseconds,
            epoch,
            &running,
        )
    });
    let receiver = std::thread::spawn(move || {
        receive_all(peers, epoch, &running_too, &measuring, &received, trace)
    });
    (sender, receiver)
}

/// One peer's sending side: its socket and what a full socket buffer left unsent.
struct Outgoing {
    stream: TcpStream,
    unsent: Vec<u8>,
}

impl Outgoing {
    /// Writes `frame`, or keeps it (and whatever follows) while the socket cannot take it.
    fn send(&mut self, frame: &[u8]) -> bool {
        if self.unsent.is_empty() {
            match self.stream.write(frame) {
                Ok(n) if n == frame.len() => return true,
                Ok(n) => self.unsent.extend_from_slice(&frame[n..]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => self.unsent.extend_from_slice(frame),
                Err(_) => return false,
            }
        } else {
            self.unsent.extend_from_slice(frame);
        }
        self.flush()
    }

    /// Writes what was kept, as far as the socket takes it.
    fn flush(&mut self) -> bool {
        while !self.unsent.is_empty() {
            match self.stream.write(&self.unsent) {
                Ok(n) => {
                    self.unsent.drain(..n);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return true,
                Err(_) => return false,
            }
        }
        true
    }
}

fn send_on_schedule(
    writers: Vec<TcpStream>,
    ids: &[u32],
    burst_pause: Option<Duration>,
    whole_milliseconds: bool,
    epoch: Instant,
    running: &AtomicBool,
) {
    let peers = writers.len();
    let mut outgoing: Vec<Outgoing> = writers
        .into_iter()
        .map(|stream| Outgoing {
            stream,
            unsent: Vec::new(),
        })
        .collect();
    let mut turns: Vec<u64> = (0..peers as u64).collect();
    let mut seqs = vec![0u32; peers];
    let mut frame = Vec::with_capacity(512);
    // On a schedule each frame is its own write, as a browser's `send` is; flat out, a peer's
    // burst goes in one write (as a client whose socket is busy batches), so the one sending
    // thread is not what limits the rate.
    let one_write_per_burst = burst_pause.is_none();
    let mut burst = |index: usize, outgoing: &mut Outgoing| {
        frame.clear();
        for _ in 0..4 {
            let turn = &mut turns[index];
            *turn = turn
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let to = ids[(*turn >> 33) as usize % ids.len()];
            // [sent µs since the epoch][sender][seq][sent wall-clock ns], then zeros: as the
            // tokio client sends.
            let mut payload = [0u8; super::PAYLOAD];
            payload[..8].copy_from_slice(&(epoch.elapsed().as_micros() as u64).to_le_bytes());
            payload[8..12].copy_from_slice(&(index as u32).to_le_bytes());
            payload[12..16].copy_from_slice(&seqs[index].to_le_bytes());
            payload[16..24].copy_from_slice(&super::wall_ns().to_le_bytes());
            seqs[index] = seqs[index].wrapping_add(1);
            put_frame(&mut frame, 2, &relay_frame::join(to, &payload));
            if !one_write_per_burst {
                if !outgoing.send(&frame) {
                    return;
                }
                frame.clear();
            }
        }
        if one_write_per_burst {
            outgoing.send(&frame);
        }
    };
    match burst_pause {
        Some(pause) => {
            // Burst k is peer k % peers's, due `spacing` after burst k - 1: the schedule is
            // kept (a late burst is sent at once, not moved).
            let spacing = pause / peers as u32;
            let start = Instant::now();
            let mut next = 0u64;
            while running.load(Ordering::Relaxed) {
                let due = start + spacing * next as u32;
                // Bursty: wake on whole milliseconds as tokio's timers do, sending every
                // burst then due. Even: wake for each burst (Linux wakes a sleeper some
                // 50-100 µs late; the bursts due by then go together).
                let wake = if whole_milliseconds {
                    let since = due.saturating_duration_since(start);
                    start + Duration::from_millis(since.as_nanos().div_ceil(1_000_000) as u64)
                } else {
                    due
                };
                let now = Instant::now();
                if wake > now {
                    std::thread::sleep(wake - now);
                }
                let now = Instant::now();
                while start + spacing * next as u32 <= now {
                    let index = (next % peers as u64) as usize;
                    burst(index, &mut outgoing[index]);
                    next += 1;
                }
                for peer in &mut outgoing {
                    peer.flush();
                }
            }
        }
        None => {
            // Flat out: a burst from each peer in turn whose socket takes it.
            while running.load(Ordering::Relaxed) {
                let mut sent = false;
                for (index, peer) in outgoing.iter_mut().enumerate() {
                    if peer.flush() && peer.unsent.is_empty() {
                        burst(index, peer);
                        sent = true;
                    }
                }
                if !sent {
                    std::thread::yield_now();
                }
            }
        }
    }
    // Goodbye: a close frame from each peer (the relay then closes its socket).
    let mut close = Vec::new();
    put_frame(&mut close, 8, &1000u16.to_be_bytes());
    let deadline = Instant::now() + Duration::from_secs(2);
    for peer in &mut outgoing {
        peer.send(&close);
        while !peer.unsent.is_empty() && Instant::now() < deadline {
            peer.flush();
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

fn receive_all(
    peers: Vec<RawPeer>,
    epoch: Instant,
    running: &AtomicBool,
    measuring: &AtomicBool,
    received: &AtomicU64,
    trace: bool,
) -> Received {
    use mio::{Events, Interest, Poll, Token};
    let mut poll = Poll::new().expect("epoll");
    let mut sockets = Vec::new();
    let mut buffers = Vec::new();
    for (index, peer) in peers.into_iter().enumerate() {
        let mut stream = mio::net::TcpStream::from_std(peer.stream);
        poll.registry()
            .register(&mut stream, Token(index), Interest::READABLE)
            .expect("registered");
        sockets.push(stream);
        buffers.push(peer.leftover);
    }
    let mut open = vec![true; sockets.len()];
    let mut open_count = sockets.len();
    let mut out = Received::default();
    let mut events = Events::with_capacity(256);
    let mut chunk = vec![0u8; 64 * 1024];
    let mut stopped_at: Option<Instant> = None;
    // Frames already read with the welcome.
    let mut ready: Vec<usize> = (0..sockets.len()).collect();
    while open_count > 0 {
        if stopped_at.is_some_and(|at| at.elapsed() > Duration::from_secs(5)) {
            break;
        }
        for index in ready.drain(..) {
            if !open[index] {
                continue;
            }
            let buffer = &mut buffers[index];
            let mut closed = false;
            loop {
                match sockets[index].read(&mut chunk) {
                    Ok(0) => {
                        closed = true;
                        break;
                    }
                    Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(_) => {
                        closed = true;
                        break;
                    }
                }
            }
            let now_us = epoch.elapsed().as_micros() as u64;
            let counting = measuring.load(Ordering::Relaxed);
            let mut consumed = 0;
            loop {
                let frame = match frame_at(&buffer[consumed..]) {
                    Ok(Some(frame)) => frame,
                    Ok(None) => break,
                    Err(_) => {
                        closed = true;
                        break;
                    }
                };
                let body = &buffer[consumed..][frame.payload.clone()];
                match frame.opcode {
                    2 => {
                        if counting
                            && let Ok((_, payload)) = relay_frame::split(body, usize::MAX)
                            && payload.len() >= 16
                        {
                            let sent = u64::from_le_bytes(payload[..8].try_into().unwrap());
                            received.fetch_add(1, Ordering::Relaxed);
                            out.latencies_us.push(now_us.saturating_sub(sent));
                            if trace {
                                let sender = u32::from_le_bytes(payload[8..12].try_into().unwrap());
                                let seq = u32::from_le_bytes(payload[12..16].try_into().unwrap());
                                out.received_at.push((sender, seq, super::wall_ns()));
                            }
                        }
                    }
                    8 => closed = true,
                    _ => {}
                }
                consumed += frame.len;
            }
            buffer.drain(..consumed);
            if closed {
                open[index] = false;
                open_count -= 1;
                let _ = poll.registry().deregister(&mut sockets[index]);
            }
        }
        if stopped_at.is_none() && !running.load(Ordering::Relaxed) {
            // The wait for the relay's closes is bounded.
            stopped_at = Some(Instant::now());
        }
        match poll.poll(&mut events, Some(Duration::from_millis(100))) {
            Ok(()) => ready.extend(events.iter().map(|event| event.token().0)),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => panic!("epoll failed: {e}"),
        }
    }
    out
}
