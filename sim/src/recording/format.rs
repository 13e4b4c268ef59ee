//! The recording file: JSON Lines, one [`Record`] a line, the first a [`Start`] naming the
//! format and its version. Lines rather than one document so that a peer writes as it goes and a
//! peer killed mid-run leaves a file that reads up to its last whole line.
//!
//! ```text
//! {"t_us":0,"kind":"start","format":"gossiplab-recording","version":1,"unix_us":...,"config":{...},...}
//! {"t_us":10532,"kind":"welcome","id":3,"peers":[1,2]}
//! {"t_us":10890,"kind":"sent","to":1,"msg":"ping","bytes":9,"summary":"ping 1"}
//! {"t_us":11301,"kind":"received","from":1,"msg":"ack","bytes":9,"summary":"ack 1","rtt_us":411}
//! {"t_us":2000114,"kind":"put","key":"colour","value":"blue","version":1}
//! {"t_us":5100871,"kind":"member","event":{"suspected":{"id":4,"incarnation":0,"at":5100}}}
//! ```

use core::fmt;
use std::io::Write;

use serde::{Deserialize, Serialize};

use gossip_core::{Mechanism, MemberEvent, NodeConfig, NodeId};

/// The `format` of a recording's first line.
pub const RECORDING_FORMAT: &str = "gossiplab-recording";

/// The recording version this build writes and reads. Raise it on any change an older reader
/// could not read, and say what changed in docs/versions.md.
pub const RECORDING_VERSION: u32 = 1;

/// The size a recording stops at unless told otherwise: 64 MiB, about 400,000 messages.
pub const DEFAULT_CAP_BYTES: u64 = 64 << 20;

/// Room kept under the cap for the line that says the recording stopped.
const STOP_LINE_ROOM: u64 = 256;

/// One line of a recording: when (microseconds since the peer started) and what.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Microseconds since the peer started (its node's clock is this in milliseconds).
    pub t_us: u64,
    /// What happened.
    #[serde(flatten)]
    pub body: RecordBody,
}

/// The first line: what recorded, how it was set up, and the wall clock at its start (the one
/// clock several peers' recordings share, to merge them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Start {
    /// Always [`RECORDING_FORMAT`].
    pub format: String,
    /// The recording version ([`RECORDING_VERSION`] when written by this build).
    pub version: u32,
    /// The wall clock at `t_us = 0`, microseconds since the Unix epoch.
    pub unix_us: u64,
    /// What recorded: `gossip-node peer`, a tab, ...
    pub recorder: String,
    /// How it reached the others: the relay's URL, or `udp`.
    pub transport: String,
    /// The relay room, if any.
    #[serde(default)]
    pub room: Option<String>,
    /// The live protocol version spoken ([`gossip_core::wire::PROTOCOL_VERSION`]).
    pub protocol: u8,
    /// The seed of the peer's generator.
    pub seed: u64,
    /// The node's configuration.
    pub config: NodeConfig,
    /// The size at which the recording stops.
    pub cap_bytes: u64,
}

/// What a line records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum RecordBody {
    /// The first line.
    Start(Box<Start>),
    /// The relay admitted the peer under `id`, with these peers in the room.
    Welcome {
        /// This peer's id.
        id: NodeId,
        /// The room's other peers.
        peers: Vec<NodeId>,
    },
    /// The relay says another peer connected.
    PeerConnected {
        /// Its id.
        id: NodeId,
    },
    /// The relay says another peer's connection ended (a crash, or a leave's end).
    PeerDisconnected {
        /// Its id.
        id: NodeId,
    },
    /// This peer lost its connection to the relay.
    RelayLost,
    /// A message sent.
    Sent {
        /// The recipient.
        to: NodeId,
        /// Its kind ([`gossip_core::MessageSummary::kind`]).
        msg: String,
        /// Its size on the wire, version envelope included.
        bytes: u32,
        /// What it carried ([`gossip_core::Message::summary`]).
        summary: String,
    },
    /// A message received and handled.
    Received {
        /// The sender.
        from: NodeId,
        /// Its kind.
        msg: String,
        /// Its size on the wire, version envelope included.
        bytes: u32,
        /// What it carried.
        summary: String,
        /// For an ack of this peer's own ping: the round trip, in microseconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rtt_us: Option<u64>,
    },
    /// Bytes that did not decode (another version, or damaged), dropped.
    Undecodable {
        /// The sender.
        from: NodeId,
        /// Their size.
        bytes: u32,
        /// Why.
        error: String,
    },
    /// A write at this peer.
    Put {
        /// The key.
        key: String,
        /// The value, as text.
        value: String,
        /// The version it made (its origin is this peer).
        version: u64,
    },
    /// A member event at this peer.
    Member {
        /// The event.
        event: MemberEvent,
    },
    /// A newer value of a key arrived (or was written here).
    Updated {
        /// The key.
        key: String,
        /// The writer.
        origin: NodeId,
        /// The writer's version.
        version: u64,
        /// What brought it.
        via: Mechanism,
    },
    /// Anything else the peer reported, as it printed it.
    Note {
        /// The line.
        text: String,
    },
    /// The peer started a graceful leave.
    Leave,
    /// The recording reached its size cap and stopped: nothing after this was recorded.
    Stopped {
        /// Why, in a sentence.
        reason: String,
    },
    /// The peer ended normally.
    End,
}

/// Why a recording cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordingError {
    /// The file is empty, or its first line is not a recording's start.
    NotARecording {
        /// What was read.
        name: String,
        /// What was wrong.
        reason: String,
    },
    /// Written by another recording version than this build reads.
    UnsupportedVersion {
        /// What was read.
        name: String,
        /// The recording's version.
        found: u32,
        /// The version this build reads.
        supported: u32,
    },
    /// A line that is not a record (not one cut short at the end by a killed peer).
    BadLine {
        /// What was read.
        name: String,
        /// The line's number, from 1.
        line: usize,
        /// What was wrong.
        reason: String,
    },
}

impl fmt::Display for RecordingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordingError::NotARecording { name, reason } => {
                write!(f, "{name} is not a GossipLab recording: {reason}")
            }
            RecordingError::UnsupportedVersion {
                name,
                found,
                supported,
            } => {
                let advice = if found > supported {
                    "it was written by a newer build: replay it with that build"
                } else {
                    "it was written by an older build, whose format this build no longer reads"
                };
                write!(
                    f,
                    "{name} is recording version {found}, this build reads version {supported}: \
                     {advice}"
                )
            }
            RecordingError::BadLine { name, line, reason } => {
                write!(f, "{name}, line {line}: {reason}")
            }
        }
    }
}

impl std::error::Error for RecordingError {}

/// A recording as read: its start, its records in order, and whether its last line was cut
/// short (a peer killed while writing).
#[derive(Clone, Debug, PartialEq)]
pub struct Recording {
    /// What it was read from (a file name), for messages.
    pub name: String,
    /// The first line.
    pub start: Start,
    /// Every line after the first.
    pub records: Vec<Record>,
    /// The last line was cut short and left out.
    pub cut_short: bool,
}

impl Recording {
    /// Reads a recording's text; `name` names it in errors. A last line without its newline
    /// that does not parse is left out (`cut_short`): a killed peer may leave one.
    pub fn parse(name: &str, text: &str) -> Result<Recording, RecordingError> {
        let mut lines = text.split_inclusive('\n').enumerate();
        let first = lines
            .next()
            .map(|(_, line)| line.trim())
            .filter(|line| !line.is_empty())
            .ok_or_else(|| RecordingError::NotARecording {
                name: name.to_string(),
                reason: "it is empty".into(),
            })?;
        let start = read_start(name, first)?;
        let mut records = Vec::new();
        let mut cut_short = false;
        for (index, line) in lines {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Record>(line) {
                Ok(record) => records.push(record),
                Err(_) if !line.ends_with('\n') => cut_short = true,
                Err(error) => {
                    return Err(RecordingError::BadLine {
                        name: name.to_string(),
                        line: index + 1,
                        reason: error.to_string(),
                    });
                }
            }
        }
        Ok(Recording {
            name: name.to_string(),
            start,
            records,
            cut_short,
        })
    }

    /// The time of the last record, in microseconds since the peer started.
    pub fn last_t_us(&self) -> u64 {
        self.records.last().map_or(0, |record| record.t_us)
    }
}

/// The start line, its format and version checked before anything else is parsed (a newer
/// version's start may hold fields this build does not know).
fn read_start(name: &str, line: &str) -> Result<Start, RecordingError> {
    let not = |reason: String| RecordingError::NotARecording {
        name: name.to_string(),
        reason,
    };
    let value: serde_json::Value = serde_json::from_str(line)
        .map_err(|error| not(format!("its first line is not JSON ({error})")))?;
    if value.get("format").and_then(|f| f.as_str()) != Some(RECORDING_FORMAT) {
        return Err(not(format!(
            "its first line has no \"format\": \"{RECORDING_FORMAT}\""
        )));
    }
    let found = value
        .get("version")
        .and_then(|v| v.as_u64())
        .ok_or_else(|| not("its first line has no version".into()))?;
    if found != u64::from(RECORDING_VERSION) {
        return Err(RecordingError::UnsupportedVersion {
            name: name.to_string(),
            found: u32::try_from(found).unwrap_or(u32::MAX),
            supported: RECORDING_VERSION,
        });
    }
    match serde_json::from_value::<Record>(value) {
        Ok(Record {
            body: RecordBody::Start(start),
            ..
        }) => Ok(*start),
        Ok(_) => Err(not("its first line is not a start".into())),
        Err(error) => Err(not(format!("its start does not read: {error}"))),
    }
}

/// What a [`RecordingWriter`] tells its owner once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriterStopped {
    /// The cap was reached; the recording says so in its last line.
    Cap(u64),
    /// Writing failed.
    Io(String),
}

impl fmt::Display for WriterStopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriterStopped::Cap(cap) => write!(
                f,
                "the recording reached its size cap of {cap} bytes and stopped"
            ),
            WriterStopped::Io(error) => write!(f, "the recording stopped: {error}"),
        }
    }
}

/// Writes a recording line by line, at most `cap_bytes` in all: the line that would pass the
/// cap is replaced by a [`RecordBody::Stopped`] line, and nothing is written after it.
pub struct RecordingWriter<W: Write> {
    out: W,
    written: u64,
    cap: u64,
    stopped: bool,
}

impl<W: Write> RecordingWriter<W> {
    /// Starts a recording with its first line. The cap is at least a few hundred bytes (room
    /// for the start and the line saying it stopped).
    pub fn new(out: W, start: Start) -> std::io::Result<Self> {
        let cap = start.cap_bytes.max(4 * STOP_LINE_ROOM);
        let mut writer = RecordingWriter {
            out,
            written: 0,
            cap,
            stopped: false,
        };
        let line = line_of(&Record {
            t_us: 0,
            body: RecordBody::Start(Box::new(start)),
        });
        writer.out.write_all(line.as_bytes())?;
        writer.written = line.len() as u64;
        Ok(writer)
    }

    /// Appends a record; the first time the cap (or an error) stops the recording, says why.
    pub fn record(&mut self, t_us: u64, body: RecordBody) -> Option<WriterStopped> {
        if self.stopped {
            return None;
        }
        let line = line_of(&Record { t_us, body });
        let (line, stopping) = if self.written + line.len() as u64 + STOP_LINE_ROOM > self.cap {
            let reason = WriterStopped::Cap(self.cap);
            let stop = line_of(&Record {
                t_us,
                body: RecordBody::Stopped {
                    reason: reason.to_string(),
                },
            });
            (stop, Some(reason))
        } else {
            (line, None)
        };
        if let Err(error) = self.out.write_all(line.as_bytes()) {
            self.stopped = true;
            return Some(WriterStopped::Io(error.to_string()));
        }
        self.written += line.len() as u64;
        self.stopped = stopping.is_some();
        stopping
    }

    /// Writes out what is buffered.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Whether the recording has stopped (cap or error).
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// The output as written so far.
    pub fn get_ref(&self) -> &W {
        &self.out
    }

    /// The output, to take what was written so far; the cap still counts every byte written.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// The output as written so far, without an end line (as a killed peer leaves it).
    pub fn into_inner(self) -> W {
        self.out
    }

    /// Ends the recording with [`RecordBody::End`] (unless it stopped) and flushes it.
    pub fn finish(mut self, t_us: u64) -> std::io::Result<W> {
        if !self.stopped {
            let line = line_of(&Record {
                t_us,
                body: RecordBody::End,
            });
            self.out.write_all(line.as_bytes())?;
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

fn line_of(record: &Record) -> String {
    let mut line = serde_json::to_string(record).expect("records serialise");
    line.push('\n');
    line
}
