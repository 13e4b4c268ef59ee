//! Recordings of live peers, and their replay as a cluster scenario.
//!
//! A live peer (`gossip-node peer --record FILE`, the wasm peer, a tab) writes what it lives
//! through with a [`Recorder`] to a [`format`](mod@format) file: its configuration, the peers
//! it met, every message it sent and received (time, peer, kind, size,
//! [`gossip_core::Message::summary`]), its writes and events. [`merge()`] takes the recordings of a cluster's peers and builds the cluster scenario
//! that replays them (the same members joining at the same times, the same writes, crashes and
//! leaves when they were seen, latency and loss fitted to what the peers measured), with the
//! figures the recordings give; [`compare()`] runs that scenario (or an edited one, for "what
//! if") and sets every figure recorded beside simulated. Both sides run here, in gossip-sim, so
//! that the command line (`gossip-node replay`) and the playground share them.

pub mod compare;
pub mod format;
pub mod merge;
pub mod recorder;
#[cfg(test)]
mod tests;

pub use self::compare::{Comparison, ComparisonRow, Simulated, apply_setting, compare};
pub use self::format::{
    DEFAULT_CAP_BYTES, RECORDING_FORMAT, RECORDING_VERSION, Record, RecordBody, Recording,
    RecordingError, RecordingWriter, Start, WriterStopped,
};
pub use self::merge::{
    Departure, LinkFit, MergeError, MergedRecording, RecordedCrash, RecordedTraffic, RecordedWrite,
    ReplayPeer, Spread, merge,
};
pub use self::recorder::{MAX_PENDING_PINGS, Recorder};
