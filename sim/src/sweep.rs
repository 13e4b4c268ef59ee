//! Sweeps: one knob of a scenario varied over a list of values, several seeds per value, and the
//! statistics of every figure per value (the table behind a plot with error bars); and the
//! command line's [`Grid`], several knobs over every combination of their values.
//!
//! Sans-IO like the rest of the crate: [`Sweep::points`] lists the scenarios to run, whoever runs
//! them (threads, Web Workers) hands their summaries back to [`Sweep::table`]. Every value runs
//! the same seeds (`base.seed`, `base.seed + 1`, ...), so the points differ by the knob alone.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::SimError;
use crate::metrics::Aggregate;
use crate::scenario::{Protocol, Scenario, Summary};
use crate::topology::TopologyKind;

/// Most values one sweep takes.
pub const MAX_POINTS: usize = 50;
/// Most runs (values times seeds) one sweep takes.
pub const MAX_RUNS: usize = 10_000;
/// Largest population a sweep over nodes takes.
pub const MAX_NODES: u32 = 1_000_000;

/// The scenario setting a sweep varies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Knob {
    /// Contacts a node starts per round (`rumor.fanout`; rumor scenarios only), 1 to 255.
    Fanout,
    /// Messages lost on the way, in percent (`network.loss` times 100), 0 to 100.
    LossPercent,
    /// The population, 2 to [`MAX_NODES`].
    Nodes,
}

impl Knob {
    /// Every knob, in the order the playground offers them.
    pub const ALL: [Knob; 3] = [Knob::Fanout, Knob::LossPercent, Knob::Nodes];

    /// The knob's name in JSON and in the table's header.
    pub fn name(self) -> &'static str {
        match self {
            Knob::Fanout => "fanout",
            Knob::LossPercent => "loss_percent",
            Knob::Nodes => "nodes",
        }
    }

    /// Checks one value of the knob for `base`; the message names the knob and the value.
    fn check(self, base: &Scenario, value: f64) -> Result<(), SimError> {
        let whole = value.fract() == 0.0;
        match self {
            Knob::Fanout if base.rumor_config().is_none() => Err(SimError::invalid(
                "fanout",
                "applies to rumor scenarios only",
            )),
            Knob::Fanout if !(whole && (1.0..=255.0).contains(&value)) => Err(SimError::invalid(
                "fanout",
                format!("must be a whole number from 1 to 255, got {value}"),
            )),
            Knob::LossPercent if !(0.0..=100.0).contains(&value) => Err(SimError::invalid(
                "loss_percent",
                format!("must be between 0 and 100, got {value}"),
            )),
            Knob::Nodes if !(whole && (2.0..=f64::from(MAX_NODES)).contains(&value)) => {
                Err(SimError::invalid(
                    "nodes",
                    format!("must be a whole number from 2 to {MAX_NODES}, got {value}"),
                ))
            }
            _ => Ok(()),
        }
    }

    /// `base` with the knob set to `value` (checked first by [`Sweep::validate`]). A grid's width
    /// follows the population, as in the playground's form.
    pub fn apply(self, base: &Scenario, value: f64) -> Scenario {
        let mut scenario = base.clone();
        match self {
            Knob::Fanout => {
                if let Protocol::Rumor(rumor) = &mut scenario.protocol {
                    rumor.fanout = value as u8;
                }
            }
            Knob::LossPercent => scenario.network.loss = value / 100.0,
            Knob::Nodes => {
                scenario.nodes = value as u32;
                if let TopologyKind::Grid { .. } = scenario.network.topology {
                    scenario.network.topology = TopologyKind::Grid {
                        width: (value.sqrt().ceil() as u32).max(1),
                    };
                }
            }
        }
        scenario
    }
}

/// How [`steps`] goes from one value to the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Spacing {
    /// Adds the step: 0, 10, 20, ...
    Linear,
    /// Multiplies by the step: 10, 100, 1000, ...
    Geometric,
}

/// The values from `from` up to `to` (included), `step` apart; the message says what is wrong.
pub fn steps(from: f64, to: f64, step: f64, spacing: Spacing) -> Result<Vec<f64>, SimError> {
    steps_at_most(from, to, step, spacing, MAX_POINTS)
}

/// [`steps`] with another cap than the playground's [`MAX_POINTS`] (the command line's
/// [`MAX_GRID_VALUES`]).
pub fn steps_at_most(
    from: f64,
    to: f64,
    step: f64,
    spacing: Spacing,
    most: usize,
) -> Result<Vec<f64>, SimError> {
    if !(from.is_finite() && to.is_finite() && step.is_finite()) {
        return Err(SimError::invalid("from, to and step", "must be numbers"));
    }
    if from > to {
        return Err(SimError::invalid(
            "from",
            format!("({from}) must not be above to ({to})"),
        ));
    }
    let next: Box<dyn Fn(f64, usize) -> f64> = match spacing {
        Spacing::Linear if step > 0.0 => Box::new(move |from, i| from + i as f64 * step),
        Spacing::Linear => return Err(SimError::invalid("step", "must be above 0")),
        Spacing::Geometric if step > 1.0 && from > 0.0 => {
            Box::new(move |from, i| from * step.powi(i as i32))
        }
        Spacing::Geometric => {
            return Err(SimError::Refused(
                "multiplying needs a step above 1 and a start above 0".into(),
            ));
        }
    };
    // Rounded to 9 decimals so that 0.1 + 0.2 is 0.3 in the table; the slack keeps `to` itself.
    let slack = 1e-9 * to.abs().max(1.0);
    let mut values = Vec::new();
    for i in 0.. {
        let value = (next(from, i) * 1e9).round() / 1e9;
        if value > to + slack {
            break;
        }
        if values.len() == most {
            return Err(SimError::Refused(format!(
                "these steps make more than {most} values; take a larger step"
            )));
        }
        values.push(value);
    }
    Ok(values)
}

/// A knob varied over values, each run with `seeds_per_point` consecutive seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    /// The scenario every value starts from; its seed is the first seed of every value.
    pub base: Scenario,
    /// The setting varied.
    pub knob: Knob,
    /// The knob's values, in the knob's unit (see [`Knob`]), at most [`MAX_POINTS`].
    pub values: Vec<f64>,
    /// Runs per value, with the seeds `base.seed`, `base.seed + 1`, ... (at least 1).
    pub seeds_per_point: u32,
}

impl Sweep {
    /// The number of runs: values times seeds.
    pub fn runs(&self) -> usize {
        self.values.len() * self.seeds_per_point as usize
    }

    /// Checks the sweep before it runs; the message names the value and what is wrong.
    pub fn validate(&self) -> Result<(), SimError> {
        if self.values.is_empty() {
            return Err(SimError::Refused("a sweep needs at least one value".into()));
        }
        if self.values.len() > MAX_POINTS {
            return Err(SimError::Refused(format!(
                "{} values; a sweep takes at most {MAX_POINTS}",
                self.values.len()
            )));
        }
        if self.seeds_per_point == 0 {
            return Err(SimError::invalid("seeds per point", "must be at least 1"));
        }
        if self.runs() > MAX_RUNS {
            return Err(SimError::Refused(format!(
                "{} values times {} seeds make {} runs; a sweep takes at most {MAX_RUNS}",
                self.values.len(),
                self.seeds_per_point,
                self.runs()
            )));
        }
        for &value in &self.values {
            self.knob.check(&self.base, value)?;
            self.knob
                .apply(&self.base, value)
                .validate()
                .map_err(|error| {
                    SimError::within(format!("at {} = {value}", self.knob.name()), error)
                })?;
        }
        Ok(())
    }

    /// Each value with its scenarios, one per seed: `base.seed`, `base.seed + 1`, ...
    pub fn points(&self) -> Vec<(f64, Vec<Scenario>)> {
        self.values
            .iter()
            .map(|&value| {
                let scenario = self.knob.apply(&self.base, value);
                let seeded = (0..self.seeds_per_point)
                    .map(|i| Scenario {
                        seed: self.base.seed.wrapping_add(u64::from(i)),
                        ..scenario.clone()
                    })
                    .collect();
                (value, seeded)
            })
            .collect()
    }

    /// The table of the runs so far: `summaries[i]` holds the summaries of value `i` (a value
    /// with none yet is left out).
    pub fn table(&self, summaries: &[Vec<Summary>]) -> SweepTable {
        let points = self
            .values
            .iter()
            .zip(summaries)
            .filter(|(_, runs)| !runs.is_empty())
            .map(|(&value, runs)| SweepPoint {
                value,
                runs: runs.len(),
                aggregate: aggregate(runs),
            })
            .collect();
        SweepTable {
            knob: self.knob,
            seeds_per_point: self.seeds_per_point,
            base: self.base.clone(),
            metrics: metric_names(summaries),
            points,
        }
    }

    /// Runs every point here, one run after the other.
    pub fn run(&self) -> Result<SweepTable, SimError> {
        self.validate()?;
        let summaries = self
            .points()
            .iter()
            .map(|(_, scenarios)| {
                scenarios
                    .iter()
                    .map(|scenario| Ok(scenario.run_any()?.summary()))
                    .collect::<Result<Vec<_>, SimError>>()
            })
            .collect::<Result<Vec<_>, SimError>>()?;
        Ok(self.table(&summaries))
    }
}

/// The figure names of the first run there is, in column order.
fn metric_names(summaries: &[Vec<Summary>]) -> Vec<&'static str> {
    summaries
        .iter()
        .find_map(|runs| runs.first())
        .map_or(Vec::new(), |summary| {
            summary.figures().iter().map(|(name, _)| *name).collect()
        })
}

/// The statistics of every figure over `runs`; a figure none has is left out.
fn aggregate(runs: &[Summary]) -> BTreeMap<&'static str, Aggregate> {
    let figures: Vec<_> = runs.iter().map(Summary::figures).collect();
    Aggregate::of_figures(&figures)
        .into_iter()
        .filter_map(|(name, aggregate)| Some((name, aggregate?)))
        .collect()
}

/// The CSV header's statistics columns: mean, sd, min, max and count of every metric.
fn statistics_header(metrics: &[&'static str]) -> String {
    let mut header = String::new();
    for metric in metrics {
        for statistic in ["mean", "sd", "min", "max", "count"] {
            header += &format!(",{metric}_{statistic}");
        }
    }
    header
}

/// One CSV row's statistics cells, empty where no run had the figure.
fn statistics_cells(metrics: &[&'static str], aggregate: &BTreeMap<&str, Aggregate>) -> String {
    let mut cells = String::new();
    for metric in metrics {
        match aggregate.get(metric) {
            Some(a) => cells += &format!(",{},{},{},{},{}", a.mean, a.sd, a.min, a.max, a.count),
            None => cells += ",,,,,",
        }
    }
    cells
}

/// A sweep's results: per value, the statistics of every figure.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepTable {
    /// The setting varied.
    pub knob: Knob,
    /// Runs asked for per value (a point may hold fewer while the sweep is running).
    pub seeds_per_point: u32,
    /// The scenario every value starts from; its seed is the first seed of every value.
    pub base: Scenario,
    /// The figure names, in column order.
    pub metrics: Vec<&'static str>,
    /// One per value that has runs, in the order of the sweep's values.
    pub points: Vec<SweepPoint>,
}

/// One value of a sweep and the statistics over its runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepPoint {
    /// The knob's value, in the knob's unit.
    pub value: f64,
    /// Runs the statistics are over.
    pub runs: usize,
    /// Per figure; a figure none of the runs had (no full infection, no crash) is absent.
    pub aggregate: BTreeMap<&'static str, Aggregate>,
}

impl SweepTable {
    /// One figure across the values that have it: (value, statistics).
    pub fn series(&self, metric: &str) -> Vec<(f64, Aggregate)> {
        self.points
            .iter()
            .filter_map(|point| Some((point.value, *point.aggregate.get(metric)?)))
            .collect()
    }

    /// One row per value: the value, its runs, then mean, sd, min, max and count of every
    /// figure (empty where no run had the figure).
    pub fn to_csv(&self) -> String {
        let mut csv = format!(
            "{},runs{}\n",
            self.knob.name(),
            statistics_header(&self.metrics)
        );
        for point in &self.points {
            csv += &format!(
                "{},{}{}\n",
                point.value,
                point.runs,
                statistics_cells(&self.metrics, &point.aggregate)
            );
        }
        csv
    }

    /// The whole table, base scenario included, as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a sweep table serialises to JSON") + "\n"
    }
}

/// Most runs one [`Grid`] takes (each keeps its figures, about 200 bytes, until the table).
pub const MAX_GRID_RUNS: usize = 1_000_000;
/// Most values one axis of a [`Grid`] takes.
pub const MAX_GRID_VALUES: usize = 10_000;

/// One knob and its values: an axis of a [`Grid`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    /// The setting varied.
    pub knob: Knob,
    /// Its values, in the knob's unit.
    pub values: Vec<f64>,
}

/// The command line's sweep: one or more knobs, every combination of their values, each run
/// with the same consecutive seeds. With one axis it is the playground's [`Sweep`] and gives
/// the same table ([`Grid::as_sweep`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    /// The scenario every combination starts from; its seed is the first seed of each.
    pub base: Scenario,
    /// The knobs, the first varying slowest.
    pub axes: Vec<Axis>,
    /// Runs per combination, with the seeds `base.seed`, `base.seed + 1`, ...
    pub seeds_per_point: u32,
}

impl Grid {
    /// The number of combinations (saturating).
    pub fn points(&self) -> usize {
        self.axes.iter().fold(1usize, |points, axis| {
            points.saturating_mul(axis.values.len())
        })
    }

    /// The number of runs: combinations times seeds (saturating).
    pub fn runs(&self) -> usize {
        self.points().saturating_mul(self.seeds_per_point as usize)
    }

    /// The playground's sweep, if this grid has one axis.
    pub fn as_sweep(&self) -> Option<Sweep> {
        match self.axes.as_slice() {
            [axis] => Some(Sweep {
                base: self.base.clone(),
                knob: axis.knob,
                values: axis.values.clone(),
                seeds_per_point: self.seeds_per_point,
            }),
            _ => None,
        }
    }

    /// The values of combination `point` (0 is every axis's first value; the last axis varies
    /// fastest).
    pub fn values(&self, point: usize) -> Vec<f64> {
        let mut rest = point;
        let mut values = vec![0.0; self.axes.len()];
        for (slot, axis) in values.iter_mut().zip(&self.axes).rev() {
            *slot = axis.values[rest % axis.values.len()];
            rest /= axis.values.len();
        }
        values
    }

    /// The scenario of combination `point`: every knob applied to the base, in axis order.
    pub fn scenario(&self, point: usize) -> Scenario {
        self.axes
            .iter()
            .zip(self.values(point))
            .fold(self.base.clone(), |scenario, (axis, value)| {
                axis.knob.apply(&scenario, value)
            })
    }

    /// Run `index` (runs go combination by combination, seed by seed): its scenario, seeded.
    pub fn run_scenario(&self, index: usize) -> Scenario {
        let seeds = self.seeds_per_point.max(1) as usize;
        Scenario {
            seed: self.base.seed.wrapping_add((index % seeds) as u64),
            ..self.scenario(index / seeds)
        }
    }

    /// Checks the grid before it runs; the message names the combination and what is wrong.
    pub fn validate(&self) -> Result<(), SimError> {
        if self.axes.is_empty() {
            return Err(SimError::Refused("a sweep needs a knob to vary".into()));
        }
        for (i, axis) in self.axes.iter().enumerate() {
            if self.axes[..i].iter().any(|other| other.knob == axis.knob) {
                return Err(SimError::invalid(axis.knob.name(), "is varied twice"));
            }
            if axis.values.is_empty() || axis.values.len() > MAX_GRID_VALUES {
                return Err(SimError::invalid(
                    axis.knob.name(),
                    format!("needs 1 to {MAX_GRID_VALUES} values"),
                ));
            }
            for &value in &axis.values {
                axis.knob.check(&self.base, value)?;
            }
        }
        if self.seeds_per_point == 0 {
            return Err(SimError::invalid("seeds per point", "must be at least 1"));
        }
        if self.runs() > MAX_GRID_RUNS {
            return Err(SimError::Refused(format!(
                "{} combinations times {} seeds make {} runs; a sweep takes at most \
                 {MAX_GRID_RUNS}",
                self.points(),
                self.seeds_per_point,
                self.runs()
            )));
        }
        for point in 0..self.points() {
            self.scenario(point)
                .validate()
                .map_err(|error| SimError::within(format!("at {}", self.label(point)), error))?;
        }
        Ok(())
    }

    /// `fanout = 2, loss_percent = 10`: combination `point` in words.
    pub fn label(&self, point: usize) -> String {
        self.axes
            .iter()
            .zip(self.values(point))
            .map(|(axis, value)| format!("{} = {value}", axis.knob.name()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The table: `summaries[i]` holds the summaries of combination `i` (one with none is left
    /// out).
    pub fn table(&self, summaries: &[Vec<Summary>]) -> GridTable {
        GridTable {
            knobs: self.axes.iter().map(|axis| axis.knob).collect(),
            seeds_per_point: self.seeds_per_point,
            base: self.base.clone(),
            metrics: metric_names(summaries),
            points: summaries
                .iter()
                .enumerate()
                .filter(|(_, runs)| !runs.is_empty())
                .map(|(point, runs)| GridPoint {
                    values: self.values(point),
                    runs: runs.len(),
                    aggregate: aggregate(runs),
                })
                .collect(),
        }
    }
}

/// A [`Grid`]'s results: per combination, the statistics of every figure.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GridTable {
    /// The settings varied, in axis order.
    pub knobs: Vec<Knob>,
    /// Runs asked for per combination.
    pub seeds_per_point: u32,
    /// The scenario every combination starts from.
    pub base: Scenario,
    /// The figure names, in column order.
    pub metrics: Vec<&'static str>,
    /// One per combination that has runs, the last knob varying fastest.
    pub points: Vec<GridPoint>,
}

/// One combination of a grid and the statistics over its runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GridPoint {
    /// Each knob's value, in axis order.
    pub values: Vec<f64>,
    /// Runs the statistics are over.
    pub runs: usize,
    /// Per figure; a figure none of the runs had is absent.
    pub aggregate: BTreeMap<&'static str, Aggregate>,
}

impl GridTable {
    /// One row per combination: each knob's value, the runs, then mean, sd, min, max and count
    /// of every figure (the playground's sweep CSV with a column per knob).
    pub fn to_csv(&self) -> String {
        let knobs: Vec<&str> = self.knobs.iter().map(|knob| knob.name()).collect();
        let mut csv = format!(
            "{},runs{}\n",
            knobs.join(","),
            statistics_header(&self.metrics)
        );
        for point in &self.points {
            let values: Vec<String> = point.values.iter().map(f64::to_string).collect();
            csv += &format!(
                "{},{}{}\n",
                values.join(","),
                point.runs,
                statistics_cells(&self.metrics, &point.aggregate)
            );
        }
        csv
    }

    /// The whole table, base scenario included, as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a grid table serialises to JSON") + "\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Cluster;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn fanout_sweep() -> Sweep {
        Sweep {
            base: Scenario {
                nodes: 200,
                ..Scenario::default()
            },
            knob: Knob::Fanout,
            values: vec![1.0, 2.0, 3.0],
            seeds_per_point: 3,
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn every_value_runs_the_same_consecutive_seeds() {
        let sweep = fanout_sweep();
        let points = sweep.points();
        assert_eq!(points.len(), 3);
        for (value, scenarios) in &points {
            let seeds: Vec<u64> = scenarios.iter().map(|s| s.seed).collect();
            assert_eq!(seeds, [42, 43, 44]);
            for scenario in scenarios {
                assert_eq!(f64::from(scenario.rumor_config().unwrap().fanout), *value);
                assert_eq!(scenario.nodes, 200);
            }
        }
        assert_eq!(sweep.runs(), 9);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_table_aggregates_each_value_and_fanout_lowers_the_residue() {
        let sweep = fanout_sweep();
        let table = sweep.run().unwrap();
        assert_eq!(table.points.len(), 3);
        let residue = table.series("residue");
        let means: Vec<f64> = residue.iter().map(|(_, a)| a.mean).collect();
        assert!(
            means[0] > means[1] && means[1] >= means[2],
            "more contacts per round leave fewer nodes uninformed: {means:?}"
        );
        // The statistics are those of the individual runs.
        let (_, first) = &sweep.points()[0];
        let residues: Vec<f64> = first
            .iter()
            .map(|s| s.run().unwrap().summary.residue)
            .collect();
        assert_eq!(residue[0].1, Aggregate::of(&residues).unwrap());

        // A value without summaries yet is left out.
        let partial = sweep.table(&[
            first
                .iter()
                .map(|s| s.run_any().unwrap().summary())
                .collect(),
            Vec::new(),
            Vec::new(),
        ]);
        assert_eq!(partial.points.len(), 1);
        assert_eq!(partial.points[0], table.points[0]);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn csv_has_a_row_per_value_and_json_carries_the_same_numbers() {
        let table = fanout_sweep().run().unwrap();
        let csv = table.to_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 4, "{csv}");
        let header: Vec<&str> = lines[0].split(',').collect();
        assert_eq!(&header[..4], ["fanout", "runs", "rounds_mean", "rounds_sd"]);
        assert_eq!(header.len(), 2 + 5 * table.metrics.len());
        let column = header.iter().position(|h| *h == "residue_mean").unwrap();
        for (line, point) in lines[1..].iter().zip(&table.points) {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells.len(), header.len(), "{line}");
            assert_eq!(cells[0], point.value.to_string());
            assert_eq!(cells[1], "3");
            let mean: f64 = cells[column].parse().unwrap();
            assert_eq!(mean, point.aggregate["residue"].mean);
        }
        assert_eq!(&lines[1][..4], "1,3,");

        let json: serde_json::Value = serde_json::from_str(&table.to_json()).unwrap();
        assert_eq!(json["knob"], "fanout");
        assert_eq!(json["seeds_per_point"], 3);
        assert_eq!(json["base"]["nodes"], 200);
        assert_eq!(json["points"][2]["value"], 3.0);
        assert_eq!(
            json["points"][0]["aggregate"]["residue"]["mean"],
            table.points[0].aggregate["residue"].mean
        );
        let base: Scenario = serde_json::from_value(json["base"].clone()).unwrap();
        assert_eq!(base, table.base, "the base scenario reads back");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn validation_names_the_problem() {
        let error = |change: fn(&mut Sweep)| {
            let mut sweep = fanout_sweep();
            change(&mut sweep);
            sweep.validate().unwrap_err()
        };
        let refused = |sentence: &str| SimError::Refused(sentence.to_string());
        assert_eq!(
            error(|s| s.values.clear()),
            refused("a sweep needs at least one value")
        );
        assert_eq!(
            error(|s| s.seeds_per_point = 0),
            SimError::invalid("seeds per point", "must be at least 1")
        );
        assert_eq!(
            error(|s| s.seeds_per_point = 5_000),
            refused("3 values times 5000 seeds make 15000 runs; a sweep takes at most 10000")
        );
        assert_eq!(
            error(|s| s.values = vec![1.0; 51]),
            refused("51 values; a sweep takes at most 50")
        );
        assert_eq!(
            error(|s| s.values = vec![0.0]),
            SimError::invalid("fanout", "must be a whole number from 1 to 255, got 0")
        );
        assert_eq!(
            error(|s| s.values = vec![1.5]),
            SimError::invalid("fanout", "must be a whole number from 1 to 255, got 1.5")
        );
        assert_eq!(
            error(|s| s.base = Scenario::cluster(10, 1, Cluster::default())),
            SimError::invalid("fanout", "applies to rumor scenarios only")
        );
        let loss = error(|s| {
            s.knob = Knob::LossPercent;
            s.values = vec![10.0, 120.0];
        });
        assert_eq!(
            loss,
            SimError::invalid("loss_percent", "must be between 0 and 100, got 120")
        );
        let nodes = error(|s| {
            s.knob = Knob::Nodes;
            s.values = vec![1.0];
        });
        assert_eq!(
            nodes,
            SimError::invalid("nodes", "must be a whole number from 2 to 1000000, got 1")
        );
        // The scenario's own checks name the value they failed at.
        let version = error(|s| s.base.version = 99);
        assert_eq!(
            version.to_string(),
            "at fanout = 1: scenario version 99 is not supported (this build reads version 2)"
        );
        assert_eq!(fanout_sweep().validate(), Ok(()));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn steps_add_or_multiply_up_to_the_end() {
        assert_eq!(
            steps(1.0, 6.0, 1.0, Spacing::Linear).unwrap(),
            [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
        );
        assert_eq!(
            steps(0.0, 50.0, 10.0, Spacing::Linear).unwrap(),
            [0.0, 10.0, 20.0, 30.0, 40.0, 50.0]
        );
        assert_eq!(
            steps(0.0, 0.3, 0.1, Spacing::Linear).unwrap(),
            [0.0, 0.1, 0.2, 0.3]
        );
        assert_eq!(
            steps(0.0, 25.0, 10.0, Spacing::Linear).unwrap(),
            [0.0, 10.0, 20.0]
        );
        assert_eq!(
            steps(10.0, 100_000.0, 10.0, Spacing::Geometric).unwrap(),
            [10.0, 100.0, 1_000.0, 10_000.0, 100_000.0]
        );
        assert_eq!(steps(3.0, 3.0, 1.0, Spacing::Linear).unwrap(), [3.0]);
        assert_eq!(
            steps(5.0, 1.0, 1.0, Spacing::Linear),
            Err(SimError::invalid("from", "(5) must not be above to (1)"))
        );
        assert_eq!(
            steps(1.0, 5.0, 0.0, Spacing::Linear),
            Err(SimError::invalid("step", "must be above 0"))
        );
        assert_eq!(
            steps(1.0, 5.0, 1.0, Spacing::Geometric),
            Err(SimError::Refused(
                "multiplying needs a step above 1 and a start above 0".into()
            ))
        );
        assert_eq!(
            steps(0.0, 1e6, 1.0, Spacing::Linear),
            Err(SimError::Refused(
                "these steps make more than 50 values; take a larger step".into()
            ))
        );
        assert_eq!(
            steps(f64::NAN, 1.0, 1.0, Spacing::Linear),
            Err(SimError::invalid("from, to and step", "must be numbers"))
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_grid_runs_every_combination_and_one_axis_is_the_sweep() {
        let sweep = fanout_sweep();
        let grid = Grid {
            base: sweep.base.clone(),
            axes: vec![Axis {
                knob: Knob::Fanout,
                values: sweep.values.clone(),
            }],
            seeds_per_point: 3,
        };
        assert_eq!(grid.as_sweep(), Some(sweep.clone()));
        let points = sweep.points();
        for index in 0..grid.runs() {
            assert_eq!(grid.run_scenario(index), points[index / 3].1[index % 3]);
        }
        // Two knobs: the last varies fastest, every combination runs the same seeds.
        let grid = Grid {
            axes: vec![
                Axis {
                    knob: Knob::Fanout,
                    values: vec![1.0, 2.0],
                },
                Axis {
                    knob: Knob::LossPercent,
                    values: vec![0.0, 10.0, 20.0],
                },
            ],
            ..grid
        };
        assert_eq!(grid.validate(), Ok(()));
        assert_eq!((grid.points(), grid.runs()), (6, 18));
        assert_eq!(grid.values(4), [2.0, 10.0]);
        assert_eq!(grid.label(4), "fanout = 2, loss_percent = 10");
        let run = grid.run_scenario(4 * 3 + 2);
        assert_eq!(
            (run.rumor_config().unwrap().fanout, run.network.loss),
            (2, 0.1)
        );
        assert_eq!(run.seed, 44);
        let summaries: Vec<Vec<Summary>> = (0..6)
            .map(|point| {
                (0..3)
                    .map(|seed| {
                        grid.run_scenario(point * 3 + seed)
                            .run_any()
                            .unwrap()
                            .summary()
                    })
                    .collect()
            })
            .collect();
        let table = grid.table(&summaries);
        let csv = table.to_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 7);
        assert!(
            lines[0].starts_with("fanout,loss_percent,runs,rounds_mean,"),
            "{csv}"
        );
        assert!(lines[5].starts_with("2,10,3,"), "{csv}");
        assert_eq!(table.points[5].aggregate, aggregate(&summaries[5]));
        let twice = Grid {
            axes: vec![grid.axes[0].clone(), grid.axes[0].clone()],
            ..grid.clone()
        };
        assert_eq!(
            twice.validate(),
            Err(SimError::invalid("fanout", "is varied twice"))
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn nodes_and_loss_sweeps_set_their_knob() {
        let base = Scenario {
            network: crate::network::Network {
                topology: TopologyKind::Grid { width: 10 },
                ..Default::default()
            },
            ..Scenario::default()
        };
        let grid = Knob::Nodes.apply(&base, 400.0);
        assert_eq!(grid.nodes, 400);
        assert_eq!(grid.network.topology, TopologyKind::Grid { width: 20 });
        assert_eq!(Knob::LossPercent.apply(&base, 25.0).network.loss, 0.25);

        // A small cluster over two loss rates: live nodes sweep too.
        let sweep = Sweep {
            base: Scenario::cluster(
                8,
                1,
                Cluster {
                    duration: 3_000,
                    ..Cluster::default()
                },
            ),
            knob: Knob::LossPercent,
            values: vec![0.0, 30.0],
            seeds_per_point: 2,
        };
        let table = sweep.run().unwrap();
        assert_eq!(table.points.len(), 2);
        assert_eq!(table.points[1].runs, 2);
        assert!(table.metrics.contains(&"messages_per_node_second"));
        let lost = table.series("lost");
        assert_eq!(lost[0].1.mean, 0.0, "nothing is lost without loss");
        assert!(lost[1].1.mean > 0.0, "{lost:?}");
        assert!(table.to_csv().starts_with("loss_percent,runs,"));
    }
}
