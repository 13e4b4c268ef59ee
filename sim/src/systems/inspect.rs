//! A system model's node at one instant, for the inspector: what the node holds, as a table of
//! its own (Redis: the nodes it knows with their flags, pong times and epochs; Cassandra: the
//! endpoint states with heartbeat versions and phi; Bitcoin: its peers and what it knows of the
//! transaction's inventory). The run is deterministic, so rerunning it to the instant
//! ([`ModelRerun`]) finds the node as the page's run had it; nothing here draws.
//!
//! The table is generic ([`ModelNodeTable`]: named facts, named columns, typed cells) so that
//! one view shows every model; names are keys the page translates.

use gossip_core::{NodeId, Time};
use serde::{Deserialize, Serialize};

use crate::error::SimError;
use crate::models::{ModelSim, Observation};
use crate::process::Process;

/// One cell of a [`ModelNodeTable`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cell {
    /// A node id.
    Node(NodeId),
    /// An instant in ms, or never.
    Time(Option<Time>),
    /// A count or version.
    Count(u64),
    /// A measured value.
    Value(f64),
    /// A yes or no.
    Flag(bool),
    /// A word of the system's own vocabulary (`PFAIL`, `FAIL`, `master`): shown as it is.
    Word(String),
}

/// A system model's node as it is at one instant (see the module documentation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelNodeTable {
    /// The node.
    pub node: NodeId,
    /// The instant, in ms.
    pub at: Time,
    /// The model (`redis_cluster`, `cassandra`, `bitcoin_relay`).
    pub system: String,
    /// Whether it has crashed by then (its table as it was when it stopped).
    pub crashed: bool,
    /// Facts about the node itself, by name.
    pub facts: Vec<(String, Cell)>,
    /// The table's column names.
    pub columns: Vec<String>,
    /// Its rows, a cell per column.
    pub rows: Vec<Vec<Cell>>,
}

/// A node's facts (by name), its table's column names, and its rows.
pub type NodeTable = (Vec<(String, Cell)>, Vec<String>, Vec<Vec<Cell>>);

/// What a model's node shows the inspector.
pub trait InspectModel {
    /// The node's facts, column names and rows at `now`.
    fn table(&self, now: Time) -> NodeTable;
}

/// A model's rerun to an instant, a slice at a time.
pub trait ModelRerun {
    /// Runs up to `span` more ms; false once at the instant.
    fn advance(&mut self, span: Time) -> bool;
    /// The part done, from 0 to 1.
    fn fraction(&self) -> f64;
    /// The node at the instant.
    fn finish(self: Box<Self>) -> Result<ModelNodeTable, SimError>;
}

/// [`ModelRerun`] of a model run on [`ModelSim`].
pub(crate) struct Rerun<P: Process<Event = Observation>> {
    pub(crate) sim: ModelSim<P>,
    pub(crate) system: &'static str,
    pub(crate) node: NodeId,
    pub(crate) at: Time,
    pub(crate) reached: Time,
}

impl<P: Process<Event = Observation> + InspectModel> Rerun<P> {
    /// Node `node` of `sim` at `at` ms (every event at `at` included).
    pub(crate) fn new(
        sim: ModelSim<P>,
        system: &'static str,
        node: NodeId,
        at: Time,
    ) -> Result<Self, SimError> {
        if node >= sim.node_count() {
            return Err(SimError::Invalid {
                field: "node".into(),
                reason: format!("must be a node of the run, below {}", sim.node_count()),
            });
        }
        Ok(Rerun {
            sim,
            system,
            node,
            at,
            reached: 0,
        })
    }

    fn end(&self) -> Time {
        self.at.saturating_add(1)
    }
}

impl<P: Process<Event = Observation> + InspectModel> ModelRerun for Rerun<P> {
    fn advance(&mut self, span: Time) -> bool {
        let until = self.end().min(self.reached.saturating_add(span.max(1)));
        self.sim.run_until(until);
        self.reached = until;
        self.reached < self.end()
    }

    fn fraction(&self) -> f64 {
        self.reached as f64 / self.end() as f64
    }

    fn finish(mut self: Box<Self>) -> Result<ModelNodeTable, SimError> {
        while self.advance(self.end()) {}
        let (facts, columns, rows) = self.sim.node(self.node).table(self.at);
        Ok(ModelNodeTable {
            node: self.node,
            at: self.at,
            system: self.system.into(),
            crashed: self.sim.is_crashed(self.node),
            facts,
            columns,
            rows,
        })
    }
}

/// `name` as an owned column or fact name.
pub(crate) fn names(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| name.to_string()).collect()
}
