//! gossip-core: gossip protocols as pure, sans-IO state machines, to embed in a service.
//!
//! Nothing in this crate touches a socket, a clock, a thread or the browser. Time is a number the
//! caller passes in and randomness comes from a seeded, named generator the caller owns, so the
//! same inputs give the same run natively and in wasm. Drivers (a tokio service, a Web Worker, a
//! browser tab, GossipLab's simulators) only move bytes and time in and out.
//!
//! The mechanisms, each usable alone or composed in a [`Node`]:
//! - [`Store`]: the versioned key/value store (per-origin versions, scuttlebutt digests, a Merkle
//!   tree over key segments).
//! - [`DirectMail`]: direct mail with acks and a bounded retry queue.
//! - [`AntiEntropy`]: push, pull and push-pull reconciliation comparing full data, digests, a
//!   checksum or the hash tree.
//! - [`Swim`]: SWIM membership and failure detection, with Lifeguard ([`SwimConfig::lifeguard`]).
//! - [`RumorMonger`]: rumor mongering as an SIR epidemic (Demers et al., 1987), whose decisions
//!   ([`RumorState`], [`RumorConfig`]) a simulator can also drive alone.
//! - [`PeerSelector`]: how a node picks whom to contact (uniform, Hamiltonian cycle,
//!   distance-biased).
//! - [`Node`]: every mechanism composed into one state machine: [`Node::handle_bytes`] and
//!   [`Node::tick`] in, [`Node::poll_transmit_bytes`], [`Node::poll_event`] and
//!   [`Node::poll_timeout`] out. [`NodeConfig::live`] configures a live peer from its periods.
//! - [`wire`]: the message format (compact binary; JSON with the `json` feature).
//! - [`detmath`]: a portable logarithm and exponential draws, the same on every platform.
//!
//! Each mechanism's source file opens with the paper sections it follows and every deviation.
//! Errors are typed: [`ConfigError`] names the field that is out of range, [`PutError`] a write
//! refused, [`WireError`] bytes that do not decode; none of them leaves state changed.
//!
//! # A cluster in memory
//!
//! Three [`Node`]s gossiping over a network that is only a list of messages, each delivered
//! 10 ms (one step of simulated time) after it was sent. A live driver does the same with a socket
//! and a clock: `examples/udp_cluster.rs` runs one member per process over UDP.
//!
//! ```
//! use gossip_core::{Node, NodeConfig, NodeId, seeded_rng};
//!
//! let mut rng = seeded_rng(1);
//! let mut nodes = Vec::new();
//! for id in 0..3 {
//!     let mut node = Node::new(id, NodeConfig::default())?;
//!     node.bootstrap(0, (0..3).filter(|&other| other != id), &mut rng);
//!     nodes.push(node);
//! }
//! nodes[0].put(0, "colour", b"blue")?;
//!
//! let mut sent: Vec<(NodeId, NodeId, Vec<u8>)> = Vec::new(); // (from, to, bytes)
//! for now in (0..3_000).step_by(10) {
//!     // Deliver what was sent in the last step, then run the timers that are due.
//!     for (from, to, bytes) in std::mem::take(&mut sent) {
//!         nodes[to as usize].handle_bytes(now, from, &bytes, &mut rng)?;
//!     }
//!     for node in &mut nodes {
//!         if node.poll_timeout().is_some_and(|at| at <= now) {
//!             node.tick(now, &mut rng);
//!         }
//!         while let Some((to, bytes)) = node.poll_transmit_bytes() {
//!             sent.push((node.me(), to, bytes));
//!         }
//!     }
//! }
//! for node in &nodes {
//!     assert_eq!(node.store().value("colour"), Some(&b"blue"[..]));
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

mod anti_entropy;
mod describe;
mod direct_mail;
mod error;
mod membership;
mod node;
mod peer_selection;
mod rumor;
mod store;

pub mod detmath;
pub mod wire;

pub use anti_entropy::{
    AntiEntropy, AntiEntropyConfig, AntiEntropyEvent, AntiEntropyMessage, AntiEntropyStats,
    Comparison, MAX_MTU_BYTES, MIN_MTU_BYTES,
};
pub use describe::{MAX_LISTED, MESSAGE_KINDS, MessageSummary, SUMMARY_PHRASES, reword};
pub use direct_mail::{
    DirectMail, DirectMailConfig, DropReason, MailEvent, MailId, MailMessage, MailStats, Overflow,
};
pub use error::{ConfigError, PutError};
pub use membership::{
    LogScale, Member, MemberEvent, MemberState, MemberUpdate, Swim, SwimConfig, SwimMessage,
    ceil_ln, ceil_log10, log10_thousandths, supersedes,
};
pub use node::{
    AntiEntropySchedule, LivePeerOptions, MemberRow, Node, NodeConfig, NodeEvent, NodeInspection,
    PeerChoice, QueuedMail, Receipts, RumorSchedule, StoredEntry,
};
pub use peer_selection::{
    DistanceBiased, HamiltonianCycle, PeerSelector, UniformList, UniformPopulation, pick_from,
};
pub use rumor::monger::{MongerConfig, MongerEvent, MongerStats, RumorMessage, RumorMonger};
pub use rumor::{LossOfInterest, NO_SENDER, Phase, RumorConfig, RumorState, Trigger};
pub use store::{
    Delta, DeltaOrder, DigestWindow, ENTRY_HEADER_BYTES, Entry, MAX_SEGMENTS, Stamp, Store,
    VersionedEntry, entry_size_bytes,
};
pub use wire::{Message, WireError};

/// Identifies a node within one cluster or simulation. Four bytes keep per-node state small when a
/// simulation holds a million of them.
pub type NodeId = u32;

/// A point in time as the caller counts it: rounds in the round simulator, milliseconds in live
/// peers and the event simulator. Durations in configurations use the same unit.
pub type Time = u64;

/// Who moves data in a contact, seen from the node that starts it (Demers et al. 1987, push vs.
/// pull). Rumor mongering and anti-entropy both use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The initiator sends what it has.
    Push,
    /// The initiator asks, and the contacted peer sends what it has.
    Pull,
    /// Both in the same contact.
    PushPull,
}

impl Direction {
    /// Whether the initiator's data goes to the peer.
    pub fn pushes(self) -> bool {
        matches!(self, Direction::Push | Direction::PushPull)
    }

    /// Whether the peer's data comes to the initiator.
    pub fn pulls(self) -> bool {
        matches!(self, Direction::Pull | Direction::PushPull)
    }

    /// The same flow seen from the other side.
    pub fn reversed(self) -> Self {
        match self {
            Direction::Push => Direction::Pull,
            Direction::Pull => Direction::Push,
            Direction::PushPull => Direction::PushPull,
        }
    }
}

/// The generator every simulation uses. Named explicitly (PCG, 64-bit MCG variant) so that a
/// scenario and seed replay the same run across rand releases and platforms.
pub type SimRng = rand_pcg::Pcg64Mcg;

/// Builds the simulation generator from a seed.
pub fn seeded_rng(seed: u64) -> SimRng {
    use rand::SeedableRng;
    SimRng::seed_from_u64(seed)
}

/// The mechanism that brought a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mechanism {
    /// Written at this node.
    Local,
    /// An anti-entropy exchange ([`AntiEntropy`]).
    AntiEntropy,
    /// Rumor mongering ([`RumorMonger`]).
    Rumor,
    /// Direct mail ([`DirectMail`]).
    DirectMail,
}
