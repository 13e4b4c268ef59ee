//! gossip-sim: GossipLab's experiment side, built on gossip-core.
//!
//! Everything here is deterministic: a run is a pure function of (scenario, seed, format
//! version), natively and in wasm, bit for bit. gossip-core never depends on this crate.
//!
//! - Engines: [`rounds`] (the round-based engine for one rumor over up to millions of nodes, on a
//!   [`network`] with loss and scheduled faults), [`events`] (the event-driven engine running
//!   live `gossip_core::Node`s over links with latency, loss, duplication, partitions and
//!   churn) and [`models`] (the same for the models of real systems in [`systems`]). Both event
//!   engines run on the one event loop of [`process`] (a timing-wheel queue, messages over a
//!   [`link`]).
//! - [`topology`]: who can contact whom (ring, grid, random graphs, data centers).
//! - [`metrics`]: what a run measures; [`theory`]: what the classic analyses predict.
//! - [`scenario`]: the serialisable description of an experiment and its runs;
//!   [`recorded_run`]: a run a step at a time, recorded for the playground's graph;
//!   [`inspect`]: one node of a cluster run at one instant (its member table, store, rumors);
//!   [`presets`]: scenarios that teach; [`sweep`]: one knob over values, many seeds each;
//!   [`share_link`]: a scenario in a URL fragment; [`budget`]: a run's memory and time, said
//!   before it starts, and refused past what the host allows ([`limits`]).

pub mod budget;
pub mod error;
pub mod events;
pub mod inspect;
pub mod limits;
pub mod link;
pub mod metrics;
pub mod models;
pub mod network;
pub mod presets;
pub mod process;
mod queue;
pub mod recorded_run;
pub mod recording;
pub mod rounds;
pub mod scenario;
pub mod share_link;
pub mod sweep;
pub mod systems;
pub mod theory;
pub mod topology;
pub mod trace;
