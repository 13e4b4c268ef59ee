//! A live peer's recorder: what every peer (`gossip-node peer`, the wasm peer under Node.js, a
//! browser tab) does to write its recording, whatever its clock and its output. It turns the
//! node's messages and events into [`RecordBody`] lines, pairs each ping sent with its ack to
//! give a round trip, and stops at the recording's size cap ([`RecordingWriter`]). The peer
//! gives the time (microseconds since it started) with each call, so the same code serves
//! `Instant` natively and `performance.now()` in JavaScript; the output is any [`Write`]: a
//! buffered file, or a `Vec<u8>` a page downloads.
//!
//! ```
//! use gossip_core::{Message, NodeConfig, SwimMessage};
//! use gossip_sim::recording::{Recorder, Recording, RecordBody, Start};
//!
//! let start = Start::live(0, "example", "udp", None, 7, NodeConfig::default(), 1 << 20);
//! let mut recorder = Recorder::new(Vec::new(), start).unwrap();
//! let ping = Message::Swim(SwimMessage::Ping { seq: 1, updates: vec![] });
//! recorder.sent(1_000, 2, &ping, 9);
//! let ack = Message::Swim(SwimMessage::Ack { seq: 1, updates: vec![] });
//! recorder.received(1_400, 2, &ack, 9);
//! let text = String::from_utf8(recorder.finish(2_000).unwrap()).unwrap();
//! let recording = Recording::parse("example", &text).unwrap();
//! assert!(matches!(recording.records[1].body, RecordBody::Received { rtt_us: Some(400), .. }));
//! ```

use std::collections::BTreeMap;
use std::io::Write;

use gossip_core::wire::{Message, PROTOCOL_VERSION};
use gossip_core::{NodeConfig, NodeEvent, NodeId, SwimMessage};

use super::format::{
    RECORDING_FORMAT, RECORDING_VERSION, RecordBody, RecordingWriter, Start, WriterStopped,
};

/// Pings awaiting their ack beyond this many are forgotten (their round trip is not measured):
/// a peer that pings members that never answer must not grow without bound.
pub const MAX_PENDING_PINGS: usize = 1_024;

impl Start {
    /// The start line of a live peer's recording in this build's format and version, speaking
    /// this build's protocol. `unix_us` is the wall clock at the peer's time 0; `recorder` names
    /// what records (`gossip-node peer 0.1.0`, `wasm peer`, ...); `transport` is the relay's URL
    /// or `udp`.
    #[allow(clippy::too_many_arguments)]
    pub fn live(
        unix_us: u64,
        recorder: &str,
        transport: &str,
        room: Option<&str>,
        seed: u64,
        config: NodeConfig,
        cap_bytes: u64,
    ) -> Start {
        Start {
            format: RECORDING_FORMAT.into(),
            version: RECORDING_VERSION,
            unix_us,
            recorder: recorder.into(),
            transport: transport.into(),
            room: room.map(str::to_string),
            protocol: PROTOCOL_VERSION,
            seed,
            config,
            cap_bytes,
        }
    }
}

/// Writes a live peer's recording: the [`RecordingWriter`] and the pings sent whose ack will
/// give a round trip. Each method takes `t_us`, microseconds since the peer started, and
/// returns [`WriterStopped`] the one time the recording stops (cap reached, or the output
/// failed): say so to the user.
pub struct Recorder<W: Write> {
    writer: RecordingWriter<W>,
    /// (peer, ping sequence number) -> when sent, microseconds.
    pings: BTreeMap<(NodeId, u32), u64>,
    /// Something was written since the last [`Recorder::flush`].
    dirty: bool,
}

impl<W: Write> Recorder<W> {
    /// Starts a recording on `out` with its start line.
    pub fn new(out: W, start: Start) -> std::io::Result<Self> {
        Ok(Recorder {
            writer: RecordingWriter::new(out, start)?,
            pings: BTreeMap::new(),
            dirty: true,
        })
    }

    /// Records `body` (the peer's own lines: welcome, connections, writes, leave, notes).
    pub fn record(&mut self, t_us: u64, body: RecordBody) -> Option<WriterStopped> {
        self.dirty = true;
        self.writer.record(t_us, body)
    }

    /// Records a message sent to `to`, `bytes` long on the wire; a ping is remembered so that
    /// its ack gives a round trip.
    pub fn sent(
        &mut self,
        t_us: u64,
        to: NodeId,
        message: &Message,
        bytes: usize,
    ) -> Option<WriterStopped> {
        if let Message::Swim(SwimMessage::Ping { seq, .. }) = message {
            if self.pings.len() >= MAX_PENDING_PINGS {
                self.pings.pop_first();
            }
            self.pings.insert((to, *seq), t_us);
        }
        let summary = message.summary();
        self.record(
            t_us,
            RecordBody::Sent {
                to,
                msg: summary.kind.into(),
                bytes: bytes as u32,
                summary: summary.text,
            },
        )
    }

    /// Records a message received from `from` (decoded; `bytes` long on the wire); an ack of a
    /// ping this peer sent carries the round trip.
    pub fn received(
        &mut self,
        t_us: u64,
        from: NodeId,
        message: &Message,
        bytes: usize,
    ) -> Option<WriterStopped> {
        let rtt_us = match message {
            Message::Swim(SwimMessage::Ack { seq, .. }) => self
                .pings
                .remove(&(from, *seq))
                .map(|sent| t_us.saturating_sub(sent)),
            _ => None,
        };
        let summary = message.summary();
        self.record(
            t_us,
            RecordBody::Received {
                from,
                msg: summary.kind.into(),
                bytes: bytes as u32,
                summary: summary.text,
                rtt_us,
            },
        )
    }

    /// Records bytes from `from` that did not decode (and were dropped), with why.
    pub fn undecodable(
        &mut self,
        t_us: u64,
        from: NodeId,
        bytes: usize,
        error: &dyn std::fmt::Display,
    ) -> Option<WriterStopped> {
        self.record(
            t_us,
            RecordBody::Undecodable {
                from,
                bytes: bytes as u32,
                error: error.to_string(),
            },
        )
    }

    /// Records a node event: member events and arrivals as data, the rest as printed.
    pub fn event(&mut self, t_us: u64, event: &NodeEvent) -> Option<WriterStopped> {
        self.record(t_us, RecordBody::of_event(event))
    }

    /// Writes out what was recorded since the last call (nothing if nothing was).
    pub fn flush(&mut self) -> std::io::Result<()> {
        if !self.dirty {
            return Ok(());
        }
        self.dirty = false;
        self.writer.flush()
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.writer.written()
    }

    /// Whether the recording has stopped (cap or error).
    pub fn is_stopped(&self) -> bool {
        self.writer.is_stopped()
    }

    /// The output as written so far (for a `Vec<u8>`: the text without an end line, as a
    /// killed peer would leave it).
    pub fn get_ref(&self) -> &W {
        self.writer.get_ref()
    }

    /// The output, to take what was written so far (a `Vec<u8>` drained into a file by a host
    /// that writes it itself); the cap still counts every byte written since the start.
    pub fn get_mut(&mut self) -> &mut W {
        self.writer.get_mut()
    }

    /// Ends the recording with an end line (unless it stopped), flushes it and gives the
    /// output back.
    pub fn finish(self, t_us: u64) -> std::io::Result<W> {
        self.writer.finish(t_us)
    }
}

impl RecordBody {
    /// The record of a node event: member events and arrivals as data, the rest as the peer
    /// prints them.
    pub fn of_event(event: &NodeEvent) -> RecordBody {
        match event {
            NodeEvent::Member(event) => RecordBody::Member { event: *event },
            NodeEvent::Updated {
                key, stamp, via, ..
            } => RecordBody::Updated {
                key: key.clone(),
                origin: stamp.origin,
                version: stamp.version,
                via: *via,
            },
            other => RecordBody::Note {
                text: other.to_string(),
            },
        }
    }
}
