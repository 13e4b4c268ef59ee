//! A scenario run a step at a time: a round of the round engine, or one sample of simulated
//! time on the event engine. Between steps a driver can report progress and give up, which is
//! how the playground's worker runs long experiments and cancels them. The steps make the same
//! run as running it at once (same events in the same order; the tests compare them).

use serde::{Deserialize, Serialize};

use crate::error::SimError;
use crate::events::{EventReport, EventSim};
use crate::metrics::RoundMetrics;
use crate::rounds::RumorRun;
use crate::scenario::{Outcome, Protocol, RunReport, Scenario};
use crate::systems::SystemReport;
use crate::trace::MessageTrace;
use gossip_core::Time;

/// What a finished run gives a view: the report and, where the population is small enough to
/// draw (or as a sample), the run node by node.
#[derive(Clone, Debug, PartialEq)]
pub enum RecordedOutcome {
    /// A rumor run on the round engine.
    Rumor {
        /// Counts per round and the run's figures.
        report: RunReport,
        /// The run node by node (only a sample of the nodes past the drawing limit).
        recording: Option<Recording>,
    },
    /// Live nodes on the event engine.
    Cluster {
        /// What the event engine measured.
        report: EventReport,
        /// The run node by node; `None` when the cluster had more nodes than a view draws.
        recording: Option<ClusterRecording>,
    },
    /// A model of a real system, run in one step; there is nothing to replay node by node.
    System {
        /// What the model measured.
        report: SystemReport,
        /// Its messages, if [`RecordedRun::trace_messages`] asked for them.
        trace: Option<MessageTrace>,
    },
}

/// How far a run has come.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Of the whole run, if known: simulated time over duration. A rumor's end is not known
    /// in advance, so its fraction is the share of nodes informed (it reaches 1 only if all
    /// learn).
    pub fraction: f64,
    /// In words: "round 12: 63.0% informed", "12.0 of 60 s simulated".
    pub text: String,
}

/// What a view needs to replay a run node by node: each node's phase after every round, who
/// informed whom, and the links of the topology. (`Eq` lets an `Rc<Recording>` compare by
/// pointer first: views compare their props on every frame of a playback.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recording {
    /// `frames[r][v]`: the phase of node `v` after round `r` (round 0: the start), as
    /// 0 susceptible, 1 infective, 2 removed.
    pub frames: Vec<Vec<u8>>,
    /// For each node, the node it learned from and the round (`None`: never learned, or the
    /// origin).
    pub informed_by: Vec<Option<(u32, u32)>>,
    /// Links of the topology, each once (empty for a complete graph).
    pub links: Vec<(u32, u32)>,
    /// When the run had more nodes than a view draws: how many. The recording then holds only
    /// nodes `0..frames[0].len()` (their links, and who informed them among all nodes), a
    /// sample as good as any since ids carry no meaning in the population.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampled_from: Option<u32>,
    /// For cluster runs, `stores[r][v]`: how many keys node `v` held at frame `r` (empty for
    /// rumor runs, where the frame itself says whether a node knows).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stores: Vec<Vec<u32>>,
    /// `messages[r]`: the messages of round `r` between recorded nodes (sender, receiver, and
    /// a [`crate::rounds::message_outcome`]), at most [`MESSAGES_PER_ROUND`] a round;
    /// `messages[0]` is empty. Empty for recordings made without them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<Vec<(u32, u32, u8)>>,
    /// When the run had more nodes than a view draws: every node as density, for a view that
    /// shows the whole population rather than the sample.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub density: Option<Density>,
}

/// Most bins of a [`Density`]: 3 bytes each a round, so a few hundred KB for a whole run, which
/// crosses from the worker as JSON.
pub const DENSITY_BINS: u32 = 16_384;

/// Every node of a rumor run, round by round, as density: the nodes are cut into bins of
/// consecutive ids (ids are where layouts place nodes, so a bin is a place on the graph), and each
/// bin says how many of its nodes are in each phase.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Density {
    /// Nodes in the run.
    pub nodes: u32,
    /// Nodes per bin: bin `b` holds ids `b * bin..min((b + 1) * bin, nodes)`.
    pub bin: u32,
    /// `frames[r][3 * b + p]`: the share of bin `b`'s nodes in phase `p` (0 susceptible,
    /// 1 infective, 2 removed) after round `r`, in 255ths rounded down.
    pub frames: Vec<Vec<u8>>,
}

impl Density {
    /// An empty density of `nodes` nodes in at most [`DENSITY_BINS`] bins.
    pub fn new(nodes: u32) -> Density {
        Density {
            nodes,
            bin: nodes.div_ceil(DENSITY_BINS).max(1),
            frames: Vec::new(),
        }
    }

    /// How many bins there are.
    pub fn bins(&self) -> u32 {
        self.nodes.div_ceil(self.bin)
    }

    /// The nodes of bin `b`.
    pub fn bin_size(&self, b: u32) -> u32 {
        self.bin.min(self.nodes - b * self.bin)
    }

    /// Adds a frame from each node's phase code, in id order.
    pub fn push(&mut self, phases: impl Iterator<Item = u8>) {
        let bins = self.bins() as usize;
        let mut counts = vec![[0u32; 3]; bins];
        for (node, phase) in phases.enumerate() {
            if let Some(bin) = counts.get_mut(node / self.bin as usize) {
                bin[usize::from(phase).min(2)] += 1;
            }
        }
        let frame = counts
            .iter()
            .enumerate()
            .flat_map(|(b, count)| {
                let size = u64::from(self.bin_size(b as u32));
                count.map(|c| (u64::from(c) * 255 / size) as u8)
            })
            .collect();
        self.frames.push(frame);
    }
}

/// The most messages a recording keeps of one round: enough for every message of a drawn
/// population of a few thousand nodes with a small fanout.
pub const MESSAGES_PER_ROUND: usize = 20_000;

/// A cluster run node by node: at each time, each node's state as the live nodes see it (0 alive
/// everywhere, 1 suspected somewhere, 2 held dead or left somewhere, 3 not running and not yet
/// noticed). Nodes that join later lengthen the frames.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterRecording {
    /// The simulated time of each frame, in ms: 0, then one a sample until the duration.
    pub times: Vec<Time>,
    /// `frames[i][v]`: the state of node `v` at `times[i]`, coded as above.
    pub frames: Vec<Vec<u8>>,
    /// `stores[i][v]`: how many keys node `v`'s store held at `times[i]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stores: Vec<Vec<u32>>,
    /// The run's messages, if [`RecordedRun::trace_messages`] asked for them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<MessageTrace>,
}

/// A run in progress; see the module's documentation.
pub struct RecordedRun {
    nodes: u32,
    stage: Stage,
    /// The message trace's cap, when recording one.
    trace_cap: Option<usize>,
}

enum Stage {
    Rumor(Box<RumorSteps>),
    Cluster(Box<ClusterSteps>),
    /// System models run in one step.
    System(Box<Scenario>),
    Finished(Box<Result<RecordedOutcome, SimError>>),
}

struct RumorSteps {
    run: RumorRun,
    recorded: usize,
    sampled_from: Option<u32>,
    frames: Vec<Vec<u8>>,
    messages: Vec<Vec<(u32, u32, u8)>>,
    rounds: Vec<RoundMetrics>,
    /// Every node as density, when only a sample is recorded node by node.
    density: Option<Density>,
}

impl RumorSteps {
    fn frame(&self) -> Vec<u8> {
        self.run
            .phases()
            .take(self.recorded)
            .map(|phase| phase as u8)
            .collect()
    }

    /// Records the round just run: its frame of the recorded nodes and the density of all.
    fn record_frame(&mut self) {
        let frame = self.frame();
        self.frames.push(frame);
        if let Some(density) = &mut self.density {
            density.push(self.run.phases().map(|phase| phase as u8));
        }
    }

    fn finish(self) -> RecordedOutcome {
        let limit = self.recorded as u32;
        let recording = Recording {
            frames: self.frames,
            informed_by: self.run.informed_by().take(self.recorded).collect(),
            links: self
                .run
                .links()
                .into_iter()
                .filter(|&(a, b)| a < limit && b < limit)
                .collect(),
            sampled_from: self.sampled_from,
            stores: Vec::new(),
            messages: self.messages,
            density: self.density,
        };
        RecordedOutcome::Rumor {
            report: RunReport {
                rounds: self.rounds,
                summary: self.run.summary(),
            },
            recording: Some(recording),
        }
    }
}

struct ClusterSteps {
    sim: EventSim,
    /// None when the cluster is too large to record.
    recording: Option<ClusterRecording>,
    at: Time,
    duration: Time,
    sample_every: Time,
}

impl Scenario {
    /// Starts this scenario, to be run by [`RecordedRun::step`]. Rumor runs are recorded for
    /// at most `max_nodes` nodes (a sample of larger populations); clusters are recorded only
    /// if they have at most `max_nodes` nodes.
    pub fn start_recorded(&self, max_nodes: u32) -> Result<RecordedRun, SimError> {
        self.validate()?;
        let stage = match &self.protocol {
            Protocol::Rumor(rumor) => {
                let recorded = self.nodes.min(max_nodes) as usize;
                let mut run = RumorRun::on_network(self.nodes, *rumor, &self.network, self.seed)?;
                run.record_messages(recorded as u32, MESSAGES_PER_ROUND);
                let mut steps = RumorSteps {
                    run,
                    recorded,
                    sampled_from: (self.nodes > max_nodes).then_some(self.nodes),
                    frames: Vec::new(),
                    messages: vec![Vec::new()],
                    rounds: Vec::new(),
                    density: (self.nodes > max_nodes).then(|| Density::new(self.nodes)),
                };
                steps.record_frame();
                Stage::Rumor(Box::new(steps))
            }
            Protocol::Cluster(cluster) => {
                let sim = EventSim::new(cluster.config(self.nodes, self.seed, self.network.loss))?;
                let recording = (self.nodes <= max_nodes).then(|| ClusterRecording {
                    times: vec![0],
                    frames: vec![sim.member_states()],
                    stores: vec![sim.store_sizes()],
                    trace: None,
                });
                Stage::Cluster(Box::new(ClusterSteps {
                    sim,
                    recording,
                    at: 0,
                    duration: cluster.duration,
                    sample_every: cluster.sample_every,
                }))
            }
            Protocol::System(_) => Stage::System(Box::new(self.clone())),
        };
        Ok(RecordedRun {
            nodes: self.nodes,
            stage,
            trace_cap: None,
        })
    }

    /// Runs a cluster scenario and records, at every sample, each node's state as the live
    /// nodes see it ([`EventSim::member_states`]), if the run starts with at most `max_nodes`.
    pub fn run_cluster_recorded(
        &self,
        max_nodes: u32,
    ) -> Result<(EventReport, Option<ClusterRecording>), SimError> {
        if !matches!(self.protocol, Protocol::Cluster(_)) {
            return Err(SimError::Refused(
                "this is not a cluster scenario (see run_any)".into(),
            ));
        }
        match self.start_recorded(max_nodes)?.finish()? {
            RecordedOutcome::Cluster { report, recording } => Ok((report, recording)),
            _ => unreachable!("a cluster scenario runs on the event engine"),
        }
    }

    /// Runs a rumor scenario and records it node by node: every node when there are at most
    /// `max_nodes`, otherwise nodes `0..max_nodes` as a sample (a frame costs a byte per recorded
    /// node per round).
    pub fn run_recorded(&self, max_nodes: u32) -> Result<(RunReport, Option<Recording>), SimError> {
        self.rumor_or_error()?;
        match self.start_recorded(max_nodes)?.finish()? {
            RecordedOutcome::Rumor { report, recording } => Ok((report, recording)),
            _ => unreachable!("a rumor scenario runs on the round engine"),
        }
    }
}

impl RecordedRun {
    /// Records the messages of a cluster run that is recorded (small enough to draw) or of a
    /// system model, at most `cap` of them (then a sample; see [`crate::trace`]); call it before
    /// the first step. The run stays the same; rumor runs record their messages per round anyway.
    pub fn trace_messages(&mut self, cap: usize) {
        self.trace_cap = Some(cap);
        if let Stage::Cluster(steps) = &mut self.stage
            && steps.recording.is_some()
        {
            steps.sim.trace_messages(cap);
        }
    }

    /// Runs one step: a round, a sample of simulated time, or a whole system model. Returns
    /// false once the run is finished (then [`RecordedRun::finish`] returns at once).
    pub fn step(&mut self) -> bool {
        let finished = match &mut self.stage {
            Stage::Finished(_) => return false,
            Stage::Rumor(steps) => match steps.run.step() {
                Some(metrics) => {
                    steps.rounds.push(metrics);
                    steps.record_frame();
                    let messages = steps.run.take_round_messages();
                    steps.messages.push(messages);
                    false
                }
                None => true,
            },
            Stage::Cluster(steps) => {
                if steps.at < steps.duration {
                    steps.at = (steps.at + steps.sample_every).min(steps.duration);
                    steps.sim.run_until(steps.at);
                    if let Some(recording) = &mut steps.recording {
                        recording.times.push(steps.at);
                        recording.frames.push(steps.sim.member_states());
                        recording.stores.push(steps.sim.store_sizes());
                    }
                }
                steps.at >= steps.duration
            }
            Stage::System(scenario) => {
                let (outcome, trace) = match self.trace_cap {
                    Some(cap) => crate::models::traced(cap, || scenario.run_any()),
                    None => (scenario.run_any(), None),
                };
                let outcome = match outcome {
                    Ok(Outcome::System(report)) => Ok(RecordedOutcome::System { report, trace }),
                    Ok(_) => Err(SimError::Refused(
                        "a system scenario runs its model".to_string(),
                    )),
                    Err(error) => Err(error),
                };
                self.stage = Stage::Finished(Box::new(outcome));
                return false;
            }
        };
        if finished {
            let stage = std::mem::replace(
                &mut self.stage,
                Stage::Finished(Box::new(Err(SimError::Refused(String::new())))),
            );
            self.stage = Stage::Finished(Box::new(Ok(match stage {
                Stage::Rumor(steps) => steps.finish(),
                Stage::Cluster(mut steps) => {
                    let trace = steps.sim.take_message_trace();
                    RecordedOutcome::Cluster {
                        report: steps.sim.report(),
                        recording: steps
                            .recording
                            .map(|recording| ClusterRecording { trace, ..recording }),
                    }
                }
                _ => unreachable!("only rumor and cluster runs finish here"),
            })));
        }
        !finished
    }

    /// Whether the run is over (then [`RecordedRun::finish`] returns at once).
    pub fn is_finished(&self) -> bool {
        matches!(self.stage, Stage::Finished(_))
    }

    /// How far the run has come, for a progress bar and its caption.
    pub fn progress(&self) -> Progress {
        match &self.stage {
            Stage::Rumor(steps) => {
                let informed = steps
                    .rounds
                    .last()
                    .map_or(1, |m| self.nodes - m.susceptible);
                let fraction = f64::from(informed) / f64::from(self.nodes.max(1));
                Progress {
                    fraction,
                    text: format!(
                        "round {}: {:.1}% informed",
                        steps.rounds.len(),
                        fraction * 100.0
                    ),
                }
            }
            Stage::Cluster(steps) => Progress {
                fraction: steps.at as f64 / steps.duration.max(1) as f64,
                text: format!(
                    "{:.1} of {:.0} s simulated",
                    steps.at as f64 / 1_000.0,
                    steps.duration as f64 / 1_000.0
                ),
            },
            Stage::System(_) => Progress {
                fraction: 0.0,
                text: "running the model".into(),
            },
            Stage::Finished(_) => Progress {
                fraction: 1.0,
                text: "finished".into(),
            },
        }
    }

    /// Runs what is left and returns the outcome.
    pub fn finish(mut self) -> Result<RecordedOutcome, SimError> {
        while self.step() {}
        match self.stage {
            Stage::Finished(outcome) => *outcome,
            _ => unreachable!("step returns false only once finished"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Cluster;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn density_bins_give_each_phase_in_255ths_of_their_nodes() {
        let mut density = Density {
            nodes: 5,
            bin: 2,
            frames: Vec::new(),
        };
        assert_eq!(density.bins(), 3);
        assert_eq!(density.bin_size(2), 1, "the last bin holds the rest");
        density.push([0u8, 1, 2, 2, 1].into_iter());
        assert_eq!(
            density.frames,
            vec![vec![127, 127, 0, 0, 0, 255, 0, 255, 0]]
        );
        let million = Density::new(1_000_000);
        assert_eq!((million.bin, million.bins()), (62, 16_130));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn steps_make_the_same_run_and_report_progress() {
        let scenario = Scenario {
            nodes: 500,
            ..Scenario::default()
        };
        let mut run = scenario.start_recorded(100).unwrap();
        let mut fractions = vec![run.progress().fraction];
        while run.step() {
            fractions.push(run.progress().fraction);
        }
        assert!(run.progress().text == "finished" && run.is_finished());
        assert!(fractions.windows(2).all(|w| w[0] <= w[1]), "{fractions:?}");
        assert_eq!(fractions[0], 1.0 / 500.0);
        let RecordedOutcome::Rumor { report, recording } = run.finish().unwrap() else {
            panic!("a rumor scenario");
        };
        assert_eq!(report, scenario.run().unwrap());
        let recording = recording.unwrap();
        assert_eq!(recording.sampled_from, Some(500));
        assert_eq!(recording.frames.len(), report.rounds.len() + 1);
        // Past the sample, every node as density: the bins' shares add up to the round's counts.
        let density = recording.density.as_ref().unwrap();
        assert_eq!((density.bin, density.bins()), (1, 500));
        assert_eq!(density.frames.len(), recording.frames.len());
        for (frame, metrics) in density.frames[1..].iter().zip(&report.rounds) {
            let in_phase = |p: usize| {
                frame
                    .iter()
                    .skip(p)
                    .step_by(3)
                    .filter(|&&s| s == 255)
                    .count()
            };
            assert_eq!(
                [in_phase(0), in_phase(1), in_phase(2)],
                [metrics.susceptible, metrics.infective, metrics.removed].map(|n| n as usize)
            );
        }

        let cluster = Scenario::cluster(
            12,
            3,
            Cluster {
                duration: 5_000,
                sample_every: 1_000,
                ..Cluster::default()
            },
        );
        let mut run = cluster.start_recorded(100).unwrap();
        assert!(run.step());
        assert_eq!(run.progress().text, "1.0 of 5 s simulated");
        assert_eq!(run.progress().fraction, 0.2);
        let RecordedOutcome::Cluster { report, recording } = run.finish().unwrap() else {
            panic!("a cluster scenario");
        };
        assert_eq!(report, cluster.run_cluster().unwrap());
        let recording = recording.unwrap();
        assert_eq!(recording.times, vec![0, 1_000, 2_000, 3_000, 4_000, 5_000]);
        assert_eq!(recording.stores.len(), recording.times.len());
        assert!(recording.stores.iter().all(|sizes| sizes.len() == 12));
        // Too large to record: the same report, no recording.
        let RecordedOutcome::Cluster { report, recording } =
            cluster.start_recorded(10).unwrap().finish().unwrap()
        else {
            panic!("a cluster scenario");
        };
        assert_eq!((report, recording), (cluster.run_cluster().unwrap(), None));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_bad_scenario_is_refused_before_any_step() {
        let scenario = Scenario {
            nodes: 1,
            ..Scenario::default()
        };
        let error = scenario
            .start_recorded(100)
            .err()
            .expect("one node cannot gossip");
        assert_eq!(
            error,
            SimError::invalid("nodes", "must be at least 2, got 1")
        );
    }
}
