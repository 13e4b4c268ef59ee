//! The event-driven engine: live [`Node`](gossip_core::Node)s (SWIM, anti-entropy, rumor
//! mongering, direct mail) exchanging messages over a simulated network, with faults on a
//! schedule. It is the general, fast version of the test harness in [`gossip_core::Node`], for
//! protocols where timing matters.
//!
//! Time is in milliseconds. The loop is the one of [`crate::process`], which also runs the
//! system models: one priority queue (by time, then by the order of scheduling, so ties resolve
//! the same way on every run) holds every future event: message deliveries, node wake-ups,
//! faults and churn arrivals. Each node has at most one live wake-up, at its `poll_timeout`:
//! when that moves, a new wake-up is queued and the old one is ignored when it comes up (a stale
//! entry is cheaper than removing it from the queue). Message values are handed over as they
//! are, never encoded; [`gossip_core::wire::encoded_len`] gives the bytes each would take. SWIM's
//! protocol periods start at multiples of the period (see [`gossip_core::Swim`]), so the
//! nodes probe in step, as in the paper's synchronous model.
//!
//! Links: every message independently draws a latency from the [`Latency`] model (fixed,
//! uniform, exponential), plus the configured extra for links crossing the slow link of a
//! two-data-center topology, plus the extra delay of a slow recipient. Independent latencies
//! reorder messages, as a real network does; with a fixed latency each link stays FIFO. A
//! message is lost with the configured probability (or that of a loss burst in progress,
//! whichever is higher), and a message that gets through is delivered twice with the
//! duplication probability (the copy draws its own latency). A partition cuts every message
//! between groups at sending time.
//!
//! Faults ([`ClusterFault`]), each at a scheduled time:
//! - Crash: the node stops; messages to it are dropped on arrival (those it sent before still
//!   arrive). Restart with state resumes the same node, same id: if the group declared it dead
//!   meanwhile, it refutes with a higher incarnation and is alive again everywhere. Restart
//!   without state comes back as a fresh node under a new id, joining through a random live
//!   node; the old id stays down.
//! - Leave: a graceful leave; the node keeps running until SWIM has announced it, then stops.
//! - Partition into groups (nodes listed in none form one more group together; nodes created
//!   during it join their seed's group), and Heal.
//! - Loss bursts, slow nodes (deliveries to them and their own timers run late), churn (joins
//!   through a random live node and graceful leaves of random live nodes, each a Poisson process
//!   at a rate per second for the whole cluster, new ids above the initial population), and
//!   writes (to measure dissemination).
//!
//! Metrics ([`EventReport`]): a sample per time step (counts as the live nodes see each other,
//! member events, messages and bytes sent, deliveries, losses, duplicates, and how many live
//! nodes hold each write), a record per crash (first suspicion and first failure anywhere, and
//! when every live node held it dead), a record per write (when every live node held it), and
//! run totals (false suspicions and false positives: Suspected and Failed about running nodes).
//!
//! Everything is a pure function of the configuration: one seeded generator drives the network
//! and the nodes, nothing iterates a hash map, and the only floating-point function used is a
//! logarithm built from basic IEEE-754 operations (`gossip_core::detmath::portable_ln`), so a
//! run is the same natively and in wasm, bit for bit.
//!
//! The parts: `config` (what a run is: [`EventSimConfig`], and [`Cluster`] as a scenario holds
//! it), `faults` ([`ClusterFault`] and its checks, churn's arrivals), `report` (what a run
//! measures, and the books kept from what the nodes report) and `engine` ([`EventSim`]: the
//! cluster's hooks on the shared loop).

mod config;
mod engine;
mod faults;
mod provenance;
mod report;
#[cfg(test)]
mod tests;

pub use self::config::{Cluster, EventSimConfig};
pub use self::engine::{EventSim, NodeStatus};
pub use self::faults::{ClusterFault, MAX_CHURN_RATE, ScheduledClusterFault};
pub use self::provenance::{Arrived, Provenance, StoreWatch};
pub use self::report::{
    ClusterSummary, CrashRecord, Deliveries, EventReport, EventSample, EventTotals, WriteRecord,
};
pub use crate::link::Latency;
