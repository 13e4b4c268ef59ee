//! A room's recording at the relay: every frame's time, sender, recipient and size (never its
//! payload), and peers joining and leaving, as JSON Lines under a version line, in memory until
//! downloaded, stopped at a size cap; and the store of the latest [`KEPT_RECORDINGS`].
//!
//! A line is formatted into a reused buffer and copied into fixed-size chunks, so that a
//! recording of millions of frames never reallocates (and copies) its whole text while the
//! relay forwards: a frame's cost is one short format under the room's recording lock, never
//! under the relay's rooms lock.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use gossip_core::NodeId;

/// The `format` of a relay recording's first line.
pub const RELAY_RECORDING_FORMAT: &str = "gossiplab-relay-recording";

/// The relay recording version; raised on any change an older reader could not read.
pub const RELAY_RECORDING_VERSION: u32 = 1;

/// The size a room's recording stops at unless configured otherwise: about 300,000 frames.
pub const RELAY_RECORDING_CAP: usize = 16 << 20;

/// Recordings kept for download, the latest ones.
pub const KEPT_RECORDINGS: usize = 16;

/// The size of the chunks a recording's text is kept in.
const CHUNK: usize = 64 * 1024;

/// Room left below the cap for the line that says the recording stopped.
const STOP_LINE_ROOM: usize = 160;

/// A room's recording: frame metadata as JSON Lines, in memory until downloaded.
pub(super) struct RoomRecording {
    started: Instant,
    /// The text so far, in chunks of at most [`CHUNK`] bytes (a line is never split).
    chunks: Vec<Vec<u8>>,
    len: usize,
    /// The line being formatted.
    line: Vec<u8>,
    cap: usize,
    stopped: bool,
    /// The room's secret when it was recorded: the download asks for it.
    pub(super) secret: Option<String>,
    /// Order of creation, to drop the oldest.
    serial: u64,
}

impl RoomRecording {
    pub(super) fn new(room: &str, secret: Option<String>, serial: u64, cap: usize) -> Self {
        let unix_us = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as u64);
        let header = serde_json::json!({
            "format": RELAY_RECORDING_FORMAT,
            "version": RELAY_RECORDING_VERSION,
            "room": room,
            "unix_us": unix_us,
            "cap_bytes": cap,
        });
        let mut recording = RoomRecording {
            started: Instant::now(),
            chunks: Vec::new(),
            len: 0,
            line: Vec::with_capacity(STOP_LINE_ROOM),
            cap,
            stopped: false,
            secret,
            serial,
        };
        let _ = writeln!(recording.line, "{header}");
        recording.append_line();
        recording
    }

    /// Copies the formatted line into the last chunk (a new one if it does not fit).
    fn append_line(&mut self) {
        let fits = self
            .chunks
            .last()
            .is_some_and(|chunk| chunk.len() + self.line.len() <= chunk.capacity());
        if !fits {
            self.chunks
                .push(Vec::with_capacity(CHUNK.max(self.line.len())));
        }
        let chunk = self.chunks.last_mut().expect("a chunk was just made");
        chunk.extend_from_slice(&self.line);
        self.len += self.line.len();
        self.line.clear();
    }

    /// Appends a line made by `line` (given the time in µs), unless stopped; the line that
    /// would pass the cap is replaced by one saying the recording stopped.
    fn push(&mut self, line: impl FnOnce(u64, &mut Vec<u8>)) {
        if self.stopped {
            return;
        }
        let t_us = self.started.elapsed().as_micros() as u64;
        self.line.clear();
        line(t_us, &mut self.line);
        if self.len + self.line.len() + STOP_LINE_ROOM > self.cap {
            self.line.clear();
            let _ = writeln!(
                self.line,
                "{{\"t_us\":{t_us},\"kind\":\"stopped\",\"reason\":\"the recording reached its \
                 size cap of {} bytes and stopped\"}}",
                self.cap
            );
            self.stopped = true;
        }
        self.append_line();
    }

    /// Records a frame forwarded from `from` to `to`, `bytes` long with its header.
    pub(super) fn frame(&mut self, from: NodeId, to: NodeId, bytes: usize) {
        self.push(|t_us, text| {
            let _ = writeln!(
                text,
                "{{\"t_us\":{t_us},\"from\":{from},\"to\":{to},\"bytes\":{bytes}}}"
            );
        });
    }

    /// Records a peer joining or leaving (`kind`: `joined`, `left`).
    pub(super) fn peer(&mut self, kind: &str, id: NodeId) {
        self.push(|t_us, text| {
            let _ = writeln!(
                text,
                "{{\"t_us\":{t_us},\"kind\":\"{kind}\",\"peer\":{id}}}"
            );
        });
    }

    /// The whole text so far.
    pub(super) fn text(&self) -> Vec<u8> {
        self.chunks.concat()
    }
}

/// A recording shared by the room's forwarders and the download.
pub(super) type SharedRecording = Arc<Mutex<RoomRecording>>;

/// The latest [`KEPT_RECORDINGS`] recordings, by room name.
#[derive(Default)]
pub(super) struct Recordings {
    kept: Mutex<BTreeMap<String, SharedRecording>>,
    made: AtomicU64,
}

impl Recordings {
    /// Starts a recording of `room` (replacing an older one of that name), dropping the oldest
    /// beyond [`KEPT_RECORDINGS`].
    pub(super) fn start(&self, room: &str, secret: Option<String>, cap: usize) -> SharedRecording {
        let serial = self.made.fetch_add(1, Ordering::Relaxed);
        let recording = Arc::new(Mutex::new(RoomRecording::new(room, secret, serial, cap)));
        let mut kept = self.kept.lock().unwrap();
        kept.insert(room.to_string(), recording.clone());
        while kept.len() > KEPT_RECORDINGS {
            let oldest = kept
                .iter()
                .min_by_key(|(_, recording)| recording.lock().unwrap().serial)
                .map(|(name, _)| name.clone());
            if let Some(name) = oldest {
                kept.remove(&name);
            }
        }
        recording
    }

    /// The latest recording of `room`, if kept.
    pub(super) fn get(&self, room: &str) -> Option<SharedRecording> {
        self.kept.lock().unwrap().get(room).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_room_recording_holds_frame_metadata_and_stops_at_its_cap() {
        let mut recording = RoomRecording::new("r", None, 0, 1_000);
        recording.peer("joined", 3);
        let mut frames = 0;
        while !recording.stopped {
            recording.frame(3, 4, 77);
            frames += 1;
            assert!(frames < 100, "never stopped");
        }
        let text = String::from_utf8(recording.text()).unwrap();
        assert!(text.len() <= 1_000, "{} bytes", text.len());
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(lines[0]["format"], RELAY_RECORDING_FORMAT);
        assert_eq!(lines[0]["version"], RELAY_RECORDING_VERSION);
        assert_eq!(lines[0]["cap_bytes"], 1_000);
        assert_eq!(lines[1]["kind"], "joined");
        assert_eq!(lines[1]["peer"], 3);
        let frame_lines = &lines[2..lines.len() - 1];
        assert_eq!(
            frame_lines.len(),
            frames - 1,
            "the last one gave way to the stop"
        );
        for line in frame_lines {
            let fields: Vec<&String> = line.as_object().unwrap().keys().collect();
            assert_eq!(fields, ["bytes", "from", "t_us", "to"]);
            assert_eq!(
                (&line["from"], &line["to"], &line["bytes"]),
                (&3.into(), &4.into(), &77.into())
            );
        }
        assert_eq!(
            lines.last().unwrap()["reason"],
            "the recording reached its size cap of 1000 bytes and stopped"
        );
        // Nothing after the stop.
        let length = recording.text().len();
        recording.frame(3, 4, 77);
        assert_eq!(recording.text().len(), length);
    }

    #[test]
    fn a_long_recording_spans_chunks_without_splitting_a_line() {
        let mut recording = RoomRecording::new("r", None, 0, 1 << 20);
        let mut frames = 0u32;
        while !recording.stopped {
            recording.frame(frames, 4, 77);
            frames += 1;
        }
        assert!(
            recording.chunks.len() > 10,
            "{} chunks",
            recording.chunks.len()
        );
        assert!(
            recording.chunks.iter().all(|chunk| chunk.ends_with(b"\n")),
            "every chunk ends at a line's end"
        );
        let text = String::from_utf8(recording.text()).unwrap();
        assert_eq!(text.len(), recording.len);
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        // The header, every frame but the last in order, the stop.
        assert_eq!(lines.len() as u32, frames + 1);
        for (index, line) in lines[1..lines.len() - 1].iter().enumerate() {
            assert_eq!(line["from"], index);
        }
        assert_eq!(lines.last().unwrap()["kind"], "stopped");
    }

    #[test]
    fn the_latest_recordings_are_kept() {
        let recordings = Recordings::default();
        for room in 0..KEPT_RECORDINGS + 2 {
            recordings.start(&format!("room{room}"), None, 1_000);
        }
        assert!(recordings.get("room0").is_none());
        assert!(recordings.get("room1").is_none());
        assert!(recordings.get("room2").is_some());
        let last = format!("room{}", KEPT_RECORDINGS + 1);
        assert!(recordings.get(&last).is_some());
        // A room recorded again replaces its older recording.
        let again = recordings.start("room2", Some("s".into()), 1_000);
        assert!(Arc::ptr_eq(&again, &recordings.get("room2").unwrap()));
    }
}
