//! What a run measures: per-round counts and traffic, and the per-run figures Demers et al. report
//! (residue, traffic, t_ave, t_last).

use serde::{Deserialize, Serialize};

/// Counts after one round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RoundMetrics {
    pub round: u32,
    pub susceptible: u32,
    pub infective: u32,
    pub removed: u32,
    /// Messages carrying the rumor sent during this round.
    pub messages: u64,
    /// Contacts initiated during this round (pull requests included, refused ones too).
    pub contacts: u64,
    /// Messages lost on the way.
    #[serde(default)]
    pub lost: u64,
    /// Messages that reached a node that already knew.
    #[serde(default)]
    pub duplicates: u64,
}

/// Figures for a whole run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct RunSummary {
    pub nodes: u32,
    /// Rounds until no node was infective any more.
    pub rounds: u32,
    /// First round after which every node knew, if that happened.
    pub full_infection_round: Option<u32>,
    /// Fraction of nodes that never learned.
    pub residue: f64,
    /// Messages sent per node.
    pub traffic: f64,
    /// Mean round at which the nodes that learned did so (the origin counts as round 0).
    pub t_ave: f64,
    /// Last round at which a node learned.
    pub t_last: u32,
    pub messages: u64,
    pub contacts: u64,
    #[serde(default)]
    pub lost: u64,
    #[serde(default)]
    pub duplicates: u64,
}

/// A named per-run figure, `None` where it does not apply to the run.
pub type Figure = (&'static str, Option<f64>);

impl RunSummary {
    /// The figures that batch runs aggregate, in output order.
    pub fn figures(&self) -> Vec<Figure> {
        vec![
            ("rounds", Some(f64::from(self.rounds))),
            (
                "full_infection_round",
                self.full_infection_round.map(f64::from),
            ),
            ("residue", Some(self.residue)),
            ("traffic", Some(self.traffic)),
            ("t_ave", Some(self.t_ave)),
            ("t_last", Some(f64::from(self.t_last))),
            ("messages", Some(self.messages as f64)),
            ("contacts", Some(self.contacts as f64)),
        ]
    }
}
