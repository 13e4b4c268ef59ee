//! What a run measures: per-round counts and traffic, and the per-run figures Demers et al. report
//! (residue, traffic, t_ave, t_last), and their statistics over many runs ([`Aggregate`]).

use serde::{Deserialize, Serialize};

/// Counts after one round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RoundMetrics {
    /// The round these counts follow (1 for the first round).
    pub round: u32,
    /// Nodes that do not know the rumor yet, after the round.
    pub susceptible: u32,
    /// Nodes that know the rumor and still spread it (crashed ones included), after the round.
    pub infective: u32,
    /// Nodes that know the rumor but lost interest, so no longer spread it, after the round.
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
    /// Nodes in the run.
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
    /// Messages carrying the rumor sent in the whole run (lost ones included).
    pub messages: u64,
    /// Contacts initiated in the whole run (pull requests included, refused ones too).
    pub contacts: u64,
    /// Messages lost on the way, in the whole run.
    #[serde(default)]
    pub lost: u64,
    /// Messages that reached a node that already knew, in the whole run.
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

/// Mean, standard deviation (sample), min and max of one figure over several runs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Aggregate {
    /// Mean over the runs the figure exists for.
    pub mean: f64,
    /// Sample standard deviation (`n - 1` in the denominator); 0 for a single run.
    pub sd: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Runs the figure exists for (`full_infection_round` is absent when a run left a residue).
    pub count: usize,
}

impl Aggregate {
    /// The statistics of `values`; `None` when there are none.
    pub fn of(values: &[f64]) -> Option<Aggregate> {
        let count = values.len();
        if count == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / count as f64;
        let sd = if count > 1 {
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (count - 1) as f64).sqrt()
        } else {
            0.0
        };
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Some(Aggregate {
            mean,
            sd,
            min,
            max,
            count,
        })
    }

    /// Aggregates the figures of several runs column by column, in the order of the first run's
    /// figures (every run of one scenario has the same names). A figure no run has is `None`.
    pub fn of_figures(runs: &[Vec<Figure>]) -> Vec<(&'static str, Option<Aggregate>)> {
        let Some(first) = runs.first() else {
            return Vec::new();
        };
        first
            .iter()
            .enumerate()
            .map(|(column, (name, _))| {
                let values: Vec<f64> = runs.iter().filter_map(|f| f.get(column)?.1).collect();
                (*name, Aggregate::of(&values))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn aggregates_are_the_textbook_statistics() {
        let aggregate = Aggregate::of(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        assert_eq!(aggregate.mean, 5.0);
        assert!(
            (aggregate.sd - 2.138).abs() < 1e-3,
            "sample sd, n - 1 in the denominator"
        );
        assert_eq!(
            (aggregate.min, aggregate.max, aggregate.count),
            (2.0, 9.0, 8)
        );
        assert_eq!(
            Aggregate::of(&[7.0]).unwrap().sd,
            0.0,
            "one run has no spread"
        );
        assert_eq!(Aggregate::of(&[]), None);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn figures_aggregate_by_name_and_skip_absent_values() {
        let runs = vec![
            vec![("rounds", Some(4.0)), ("full", Some(3.0)), ("never", None)],
            vec![("rounds", Some(6.0)), ("full", None), ("never", None)],
        ];
        let aggregate = Aggregate::of_figures(&runs);
        let names: Vec<&str> = aggregate.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, ["rounds", "full", "never"]);
        assert_eq!(aggregate[0].1.unwrap().mean, 5.0);
        assert_eq!(aggregate[1].1.unwrap().count, 1);
        assert_eq!(aggregate[2].1, None);
        assert!(Aggregate::of_figures(&[]).is_empty());
    }
}
