//! Deterministic simulators. Each is a pure function of (scenario, seed, core version): the same
//! inputs give the same run natively and in wasm, bit for bit.
//!
//! - [`rounds`]: the round-based (cycle-driven) engine for large populations, on a
//!   [`network`] (topology, loss, faults on a schedule).
//! - [`events`]: the event-driven engine: live [`crate::node::Node`]s over links with latency,
//!   loss, duplication and reordering, for protocols where timing matters (SWIM, timeouts).
//! - [`queue`]: the event engine's priority queue (a timing wheel).
//! - [`models`]: the event engine for the models of real systems ([`crate::systems`]), generic
//!   over their protocols.

pub mod events;
pub mod models;
pub mod network;
pub mod queue;
pub mod rounds;
