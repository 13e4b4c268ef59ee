//! gossip-worker: the Web Worker that runs GossipLab simulations with gossip-core, off the page's
//! thread. The page talks to it through [`SimReactor`] (a yew-agent reactor): it sends
//! [`SimRequest`]s and receives [`SimOutput`]s. The worker runs the page's own wasm module, which
//! registers [`SimReactor`] when it starts in a worker (gossip-web's `worker_start`), so the code
//! both share is downloaded once.
//!
//! Every run is estimated first ([`gossip_sim::budget`]) and refused, with its estimate and
//! the limit, if it would not fit the worker's wasm memory: the page says so and stays usable.
//!
//! A run goes a step at a time ([`gossip_sim::recorded_run`]): after every [`SLICE_MS`] of work
//! the worker reports progress and reads its messages, so the page can cancel a long run, or
//! replace it with a newer one, without waiting for it to end.
//!
//! A replay ([`SimRequest::Replay`], [`replay`]) merges live peers' recordings into a cluster
//! scenario and runs it a seed at a time, reporting after each run, so it too never blocks the
//! page and gives way to a newer request.

pub mod inspect;
pub mod replay;

use futures::{FutureExt, SinkExt, StreamExt};
use gossip_sim::budget::{self, Exceeded, Limits};
use gossip_sim::error::SimError;
use gossip_sim::events::EventReport;
use gossip_sim::inspect::Inspected;
use gossip_sim::recorded_run::{ClusterRecording, Recording};
use gossip_sim::recorded_run::{Progress, RecordedOutcome};
use gossip_sim::scenario::{RunReport, Scenario, Summary};
use gossip_sim::systems::SystemReport;
use gossip_sim::trace::MessageTrace;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use inspect::InspectJob;
use replay::{RecordingFile, RelayTraffic, ReplayError, ReplayJob};
use yew_agent::Codec;
use yew_agent::reactor::{ReactorScope, reactor};

/// Messages between page and worker travel as JSON text. The default bincode codec cannot carry
/// the tagged enums of the scenario format, and JSON keeps them readable in the browser's tools.
#[derive(Debug)]
pub struct JsonCodec;

impl Codec for JsonCodec {
    fn encode<I: Serialize>(input: I) -> JsValue {
        JsValue::from_str(
            &serde_json::to_string(&input).expect("worker messages serialise to JSON"),
        )
    }

    fn decode<O: for<'de> Deserialize<'de>>(input: JsValue) -> O {
        let text = input.as_string().expect("worker messages are JSON text");
        serde_json::from_str(&text).expect("worker messages come from the same build")
    }
}

/// Most nodes recorded node by node for the graph view (a byte per node per round; WebGL2 draws
/// this many at 30 frames a second or better); larger runs are recorded for a sample of this many.
pub const MAX_DRAWN_NODES: u32 = 100_000;

/// Most messages of a run traced for the page's playback (about 60 bytes each as JSON); a
/// run with more sends a sample of them, which the trace says.
pub const MAX_TRACED_MESSAGES: usize = 20_000;

/// What the page asks of the worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SimRequest {
    /// Run a scenario to the end (replacing any run in progress).
    Run(Scenario),
    /// Stop the run in progress; it answers [`SimOutput::Cancelled`].
    Cancel,
    /// Run a batch of scenarios (part of a sweep) and answer with their figures only.
    Summaries {
        /// The batch's id, echoed in the answer so the page can place it.
        id: u64,
        /// The scenarios to run, each once.
        scenarios: Vec<Scenario>,
    },
    /// Merge live peers' recordings (and read any relay recordings among them) and run the
    /// merged scenario `runs` times beside them, answering [`SimOutput::ReplayProgress`] after
    /// each run and [`SimOutput::Replayed`] (or [`SimOutput::ReplayFailed`]) at the end.
    Replay {
        /// Echoed in every answer, so the page can tell a late answer from the current one.
        id: u64,
        /// The files, as dropped on the page.
        files: Vec<RecordingFile>,
        /// "What if": run this scenario instead of the merged one (against the same
        /// recordings); None runs the merged scenario.
        scenario: Option<Scenario>,
        /// Seed of the merged scenario's first run (ignored with `scenario`, which has its own).
        seed: u64,
        /// Runs, seeds the scenario's onward.
        runs: u32,
    },
    /// Rerun a cluster scenario or a system model to an instant and answer with one node as
    /// it is then ([`Scenario::start_inspect`]), with [`SimOutput::InspectProgress`] on the way (see
    /// [`inspect`]).
    Inspect {
        /// The question's id, echoed in the answers.
        id: u64,
        /// The scenario whose run is asked about.
        scenario: Scenario,
        /// The node.
        node: u32,
        /// The instant, in ms.
        at: u64,
    },
}

/// What the worker answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SimOutput {
    /// A rumor scenario's run, round by round.
    Done {
        /// The scenario that ran, as the page sent it.
        scenario: Scenario,
        /// Its counts per round and totals.
        report: RunReport,
        /// The run node by node, for populations small enough to draw.
        recording: Option<Recording>,
    },
    /// A cluster scenario's run on the event engine.
    ClusterDone {
        /// The scenario that ran, as the page sent it.
        scenario: Scenario,
        /// Everything the run measured.
        report: EventReport,
        /// Each node's state over time, for clusters small enough to draw.
        recording: Option<ClusterRecording>,
    },
    /// A system model's run.
    SystemDone {
        /// The scenario that ran, as the page sent it.
        scenario: Scenario,
        /// Its figures, lines over time and traffic.
        report: SystemReport,
        /// Its messages (at most [`MAX_TRACED_MESSAGES`], then a sample), for the playback.
        #[serde(default)]
        trace: Option<MessageTrace>,
    },
    /// A run that could not start or stopped on an error.
    Failed {
        /// The scenario that failed, as the page sent it.
        scenario: Scenario,
        /// Why, as text.
        error: String,
        /// When it was refused for its size: the estimate and the limit, so the page can say
        /// it in each of its languages.
        #[serde(default)]
        too_large: Option<Exceeded>,
    },
    /// How far the run of `scenario` has come; sent every [`SLICE_MS`] of work.
    Progress {
        /// The scenario running, as the page sent it.
        scenario: Scenario,
        /// How far it has come.
        progress: Progress,
    },
    /// The run of `scenario` was cancelled before its end.
    Cancelled {
        /// The scenario whose run stopped, as the page sent it.
        scenario: Scenario,
    },
    /// The figures of a [`SimRequest::Summaries`] batch, in its order, with the batch's id.
    Summaries {
        /// The id of the [`SimRequest::Summaries`] answered.
        id: u64,
        /// Each scenario's figures, or why it failed as text.
        summaries: Vec<Result<Summary, String>>,
    },
    /// How far the replay `id` has come.
    ReplayProgress {
        /// The [`SimRequest::Replay`]'s id.
        id: u64,
        /// Runs made.
        done: u32,
        /// Runs in all.
        runs: u32,
    },
    /// A replay's figures, recorded vs simulated.
    Replayed {
        /// The [`SimRequest::Replay`]'s id.
        id: u64,
        /// Every figure, with the merged recording and the scenario that ran.
        comparison: Box<gossip_sim::recording::Comparison>,
        /// What each relay recording among the files counted.
        relays: Vec<RelayTraffic>,
    },
    /// How far the rerun of [`SimRequest::Inspect`] `id` has come.
    InspectProgress {
        /// The [`SimRequest::Inspect`]'s id.
        id: u64,
        /// The part done, from 0 to 1.
        fraction: f64,
    },
    /// The answer to [`SimRequest::Inspect`] `id`: the node at the instant, or why not.
    Inspected {
        /// The [`SimRequest::Inspect`]'s id.
        id: u64,
        /// The node as it was (a cluster's or a system model's), or the refusal as text.
        snapshot: Result<Inspected, String>,
    },
    /// A replay that could not run.
    ReplayFailed {
        /// The [`SimRequest::Replay`]'s id.
        id: u64,
        /// Why.
        error: ReplayError,
    },
}

/// How long the worker computes before it reports progress and reads its messages, in ms.
pub const SLICE_MS: f64 = 50.0;

/// The answer to a finished run of `scenario`. An error crosses to the page as its text.
pub fn finished(scenario: Scenario, outcome: Result<RecordedOutcome, SimError>) -> SimOutput {
    match outcome {
        Ok(RecordedOutcome::Rumor { report, recording }) => SimOutput::Done {
            scenario,
            report,
            recording,
        },
        Ok(RecordedOutcome::Cluster { report, recording }) => SimOutput::ClusterDone {
            scenario,
            report,
            recording,
        },
        Ok(RecordedOutcome::System { report, trace }) => SimOutput::SystemDone {
            scenario,
            report,
            trace,
        },
        Err(error) => failed(scenario, error),
    }
}

/// The answer to a run of `scenario` that could not start or failed with `error`.
pub fn failed(scenario: Scenario, error: SimError) -> SimOutput {
    SimOutput::Failed {
        scenario,
        error: error.to_string(),
        too_large: match error {
            SimError::TooLarge(exceeded) => Some(exceeded),
            _ => None,
        },
    }
}

/// Bytes of wasm memory this worker holds now (0 natively, where nothing calls it for real).
pub fn memory_in_use() -> u64 {
    #[cfg(target_arch = "wasm32")]
    {
        core::arch::wasm32::memory_size::<0>() as u64 * 65_536
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0
    }
}

/// Refuses `scenario` before it starts if its estimated memory (with the recording, when
/// `recorded`) is past what this worker's wasm memory can still give ([`Limits::wasm_worker`]);
/// the worker refuses well before wasm32's 4 GiB, so a refused run never panics it.
pub fn check_budget(scenario: &Scenario, recorded: bool, in_use: u64) -> Result<(), SimError> {
    let estimate = if recorded {
        budget::estimate_recorded(scenario, MAX_DRAWN_NODES)
    } else {
        budget::estimate(scenario)
    };
    budget::check(&estimate, scenario.nodes, &Limits::wasm_worker(in_use))
}

/// Checks `scenario` before its recorded run starts: its settings, then its size.
fn admit(scenario: &Scenario) -> Result<(), SimError> {
    scenario.validate()?;
    check_budget(scenario, true, memory_in_use())
}

/// Handles one request at once, without progress; the reactor's logic minus the slicing, so it
/// can be tested natively.
pub fn handle(request: SimRequest) -> Option<SimOutput> {
    match request {
        SimRequest::Run(scenario) => {
            if let Err(error) = admit(&scenario) {
                return Some(failed(scenario, error));
            }
            let outcome = scenario
                .start_recorded(MAX_DRAWN_NODES)
                .and_then(|mut run| {
                    run.trace_messages(MAX_TRACED_MESSAGES);
                    run.finish()
                });
            Some(finished(scenario, outcome))
        }
        SimRequest::Cancel => None,
        SimRequest::Summaries { id, scenarios } => Some(summaries(id, &scenarios)),
        SimRequest::Replay {
            id,
            files,
            scenario,
            seed,
            runs,
        } => Some(match start_replay(id, &files, scenario, seed, runs) {
            Ok(mut job) => {
                while job.job.step() {}
                job.finish()
            }
            Err(error) => SimOutput::ReplayFailed { id, error },
        }),
        SimRequest::Inspect {
            id,
            scenario,
            node,
            at,
        } => Some(match InspectJob::start(id, &scenario, node, at) {
            Ok(job) => job.finish(),
            Err(error) => inspect::refused(id, error),
        }),
    }
}

/// A replay under way: the job, and what its answer carries besides the comparison.
pub struct ReplayRun {
    id: u64,
    job: ReplayJob,
    relays: Vec<RelayTraffic>,
}

impl ReplayRun {
    /// Its progress, as the page reads it.
    pub fn progress(&self) -> SimOutput {
        SimOutput::ReplayProgress {
            id: self.id,
            done: self.job.done(),
            runs: self.job.runs(),
        }
    }

    /// Its answer once every run is made.
    pub fn finish(self) -> SimOutput {
        match self.job.finish() {
            Ok(comparison) => SimOutput::Replayed {
                id: self.id,
                comparison: Box::new(comparison),
                relays: self.relays,
            },
            Err(error) => SimOutput::ReplayFailed { id: self.id, error },
        }
    }
}

/// Reads and merges the files of replay `id`; why not if they cannot be.
pub fn start_replay(
    id: u64,
    files: &[RecordingFile],
    scenario: Option<Scenario>,
    seed: u64,
    runs: u32,
) -> Result<ReplayRun, ReplayError> {
    let (merged, relays) = replay::read_and_merge(files, scenario, seed)?;
    Ok(ReplayRun {
        id,
        job: ReplayJob::new(merged, runs),
        relays,
    })
}

fn summaries(id: u64, scenarios: &[Scenario]) -> SimOutput {
    SimOutput::Summaries {
        id,
        summaries: scenarios
            .iter()
            .map(|scenario| {
                scenario
                    .validate()
                    .and_then(|()| check_budget(scenario, false, memory_in_use()))
                    .and_then(|()| scenario.run_any())
                    .map(|outcome| outcome.summary())
                    .map_err(|error| error.to_string())
            })
            .collect(),
    }
}

/// The worker's reactor: runs each [`SimRequest`] and answers with [`SimOutput`]s, one run at a
/// time, sliced every [`SLICE_MS`] so a newer request or a cancel ends the run in progress.
#[reactor(SimReactor)]
pub async fn sim_reactor(mut scope: ReactorScope<SimRequest, SimOutput>) {
    // A request that arrived during a run and ended it.
    let mut next = None;
    loop {
        let request = match next.take() {
            Some(request) => request,
            None => match scope.next().await {
                Some(request) => request,
                None => break, // the page went away
            },
        };
        let mut job = match request {
            SimRequest::Run(scenario) => {
                let started = admit(&scenario).and_then(|()| {
                    let mut run = scenario.start_recorded(MAX_DRAWN_NODES)?;
                    run.trace_messages(MAX_TRACED_MESSAGES);
                    Ok(run)
                });
                match started {
                    Ok(run) => Job::Run { scenario, run },
                    Err(error) => {
                        if scope.send(failed(scenario, error)).await.is_err() {
                            break;
                        }
                        continue;
                    }
                }
            }
            SimRequest::Cancel => continue, // nothing is running
            SimRequest::Summaries { id, scenarios } => {
                if scope.send(summaries(id, &scenarios)).await.is_err() {
                    break;
                }
                continue;
            }
            SimRequest::Replay {
                id,
                files,
                scenario,
                seed,
                runs,
            } => match start_replay(id, &files, scenario, seed, runs) {
                Ok(replay) => Job::Replay(Box::new(replay)),
                Err(error) => {
                    if scope
                        .send(SimOutput::ReplayFailed { id, error })
                        .await
                        .is_err()
                    {
                        break;
                    }
                    continue;
                }
            },
            SimRequest::Inspect {
                id,
                scenario,
                node,
                at,
            } => match InspectJob::start(id, &scenario, node, at) {
                Ok(inspection) => Job::Inspect(inspection),
                Err(error) => {
                    if scope.send(inspect::refused(id, error)).await.is_err() {
                        break;
                    }
                    continue;
                }
            },
        };
        loop {
            let started = js_sys::Date::now();
            let mut more = true;
            while more && js_sys::Date::now() - started < SLICE_MS {
                more = job.step();
            }
            if !more {
                let _ = scope.send(job.finish()).await;
                break;
            }
            if scope.send(job.progress()).await.is_err() {
                return;
            }
            // A macrotask boundary, so the worker's event loop delivers the page's messages.
            gloo_timers::future::TimeoutFuture::new(0).await;
            match scope.next().now_or_never() {
                None => {}
                Some(None) => return,
                Some(Some(SimRequest::Cancel)) => {
                    let _ = scope.send(job.cancelled()).await;
                    break;
                }
                Some(Some(request)) => {
                    // A newer request replaces this run; the page ignores its late answers.
                    next = Some(request);
                    break;
                }
            }
        }
    }
}

/// What the reactor runs a slice at a time: a scenario's recorded run, or a replay.
enum Job {
    Run {
        scenario: Scenario,
        run: gossip_sim::recorded_run::RecordedRun,
    },
    Replay(Box<ReplayRun>),
    Inspect(InspectJob),
}

impl Job {
    /// One step (a replay's step is a whole run); false once done.
    fn step(&mut self) -> bool {
        match self {
            Job::Run { run, .. } => run.step(),
            Job::Replay(replay) => replay.job.step(),
            Job::Inspect(inspection) => inspection.step(),
        }
    }

    fn progress(&self) -> SimOutput {
        match self {
            Job::Run { scenario, run } => SimOutput::Progress {
                scenario: scenario.clone(),
                progress: run.progress(),
            },
            Job::Replay(replay) => replay.progress(),
            Job::Inspect(inspection) => inspection.progress(),
        }
    }

    fn finish(self) -> SimOutput {
        match self {
            Job::Run { scenario, run } => finished(scenario, run.finish()),
            Job::Replay(replay) => replay.finish(),
            Job::Inspect(inspection) => inspection.finish(),
        }
    }

    fn cancelled(self) -> SimOutput {
        match self {
            Job::Run { scenario, .. } => SimOutput::Cancelled { scenario },
            Job::Replay(replay) => SimOutput::ReplayFailed {
                id: replay.id,
                error: ReplayError::Cancelled,
            },
            Job::Inspect(inspection) => inspection.cancelled(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_request_returns_the_scenario_and_its_report() {
        let scenario = Scenario {
            nodes: 50,
            ..Scenario::default()
        };
        let SimOutput::Done {
            scenario: echoed,
            report,
            recording,
        } = handle(SimRequest::Run(scenario.clone())).unwrap()
        else {
            panic!("the default scenario should run");
        };
        assert_eq!(echoed, scenario);
        assert_eq!(report.summary.nodes, 50);
        assert_eq!(report, scenario.run().unwrap());
        assert_eq!(recording.unwrap().frames.len(), report.rounds.len() + 1);

        // Too many nodes to draw: a sample of them comes back, and says so.
        let large = Scenario {
            nodes: MAX_DRAWN_NODES + 1,
            ..Scenario::default()
        };
        let SimOutput::Done { recording, .. } = handle(SimRequest::Run(large)).unwrap() else {
            panic!("a large scenario runs too");
        };
        let recording = recording.unwrap();
        assert_eq!(recording.sampled_from, Some(MAX_DRAWN_NODES + 1));
        assert_eq!(recording.frames[0].len(), MAX_DRAWN_NODES as usize);
    }

    #[test]
    fn cluster_scenarios_run_on_the_event_engine() {
        use gossip_sim::events::Cluster;
        let scenario = Scenario::cluster(
            10,
            1,
            Cluster {
                duration: 3_000,
                ..Cluster::default()
            },
        );
        let SimOutput::ClusterDone { report, .. } =
            handle(SimRequest::Run(scenario.clone())).unwrap()
        else {
            panic!("a cluster scenario runs");
        };
        assert_eq!(report, scenario.run_cluster().unwrap());
        assert_eq!(report.samples.len(), 30, "one sample per 100 ms");
    }

    #[test]
    fn a_batch_answers_with_the_summaries_in_order() {
        let scenarios: Vec<Scenario> = (0..3)
            .map(|seed| Scenario {
                nodes: 60,
                seed,
                ..Scenario::default()
            })
            .chain([Scenario {
                nodes: 1,
                ..Scenario::default()
            }])
            .collect();
        let request = SimRequest::Summaries {
            id: 7,
            scenarios: scenarios.clone(),
        };
        // Through the codec both ways, as page and worker exchange it.
        let request: SimRequest = serde_json::from_str(&serde_json::to_string(&request).unwrap())
            .expect("the request reads back");
        let output = handle(request).unwrap();
        let output: SimOutput = serde_json::from_str(&serde_json::to_string(&output).unwrap())
            .expect("the answer reads back");
        let SimOutput::Summaries { id, summaries } = output else {
            panic!("a batch answers with summaries");
        };
        assert_eq!(id, 7);
        assert_eq!(summaries.len(), 4);
        for (scenario, summary) in scenarios.iter().zip(&summaries[..3]) {
            let expected = Summary::Rumor(scenario.run().unwrap().summary);
            assert_eq!(summary.as_ref().unwrap(), &expected);
        }
        assert!(summaries[3].as_ref().unwrap_err().contains("nodes"));
    }

    #[test]
    fn a_run_past_the_worker_s_memory_is_refused_with_the_figures() {
        // The largest population the format allows: it panicked the worker ("capacity
        // overflow") and left the page waiting.
        let huge = Scenario {
            nodes: u32::MAX,
            ..Scenario::default()
        };
        let SimOutput::Failed {
            error, too_large, ..
        } = handle(SimRequest::Run(huge.clone())).unwrap()
        else {
            panic!("refused");
        };
        let too_large = too_large.expect("the figures travel with the refusal");
        assert_eq!(too_large.nodes, u32::MAX);
        assert_eq!(
            too_large.limit_bytes,
            2 << 30,
            "half of 4 GiB, nothing in use natively"
        );
        assert!(too_large.estimate_bytes > 70 << 30, "{too_large:?}");
        assert_eq!(error, SimError::TooLarge(too_large).to_string());
        // Through the codec, as the page reads it.
        let text = serde_json::to_string(&failed(huge.clone(), SimError::TooLarge(too_large)));
        let back: SimOutput = serde_json::from_str(&text.unwrap()).unwrap();
        assert!(matches!(back, SimOutput::Failed { too_large: Some(t), .. } if t == too_large));
        // A worker already holding 3.9 GiB refuses a run that fits a fresh one.
        let cluster = Scenario::cluster(2_000, 1, gossip_sim::events::Cluster::default());
        assert_eq!(check_budget(&cluster, true, 0), Ok(()));
        assert!(check_budget(&cluster, true, 3_900 << 20).is_err());
        // In a sweep's batch, the refusal is that run's answer.
        let SimOutput::Summaries { summaries, .. } = handle(SimRequest::Summaries {
            id: 1,
            scenarios: vec![huge, Scenario::default()],
        })
        .unwrap() else {
            panic!("a batch answers with summaries");
        };
        assert!(summaries[0].as_ref().unwrap_err().contains("72.0 GiB"));
        assert!(summaries[1].is_ok());
    }

    #[test]
    fn cluster_and_system_runs_reach_the_page_with_their_message_trace() {
        use gossip_sim::presets::presets;
        for id in ["swim-crash", "redis-cluster-fail"] {
            let scenario = presets().into_iter().find(|p| p.id == id).unwrap().scenario;
            let output = handle(SimRequest::Run(scenario)).unwrap();
            let json = serde_json::to_string(&output).unwrap();
            // The size the page receives, printed: `cargo test -p gossip-worker -- --nocapture`.
            println!("{id}: answer of {} bytes as JSON", json.len());
            let (trace, messages) = match serde_json::from_str(&json).unwrap() {
                SimOutput::ClusterDone {
                    report, recording, ..
                } => (recording.unwrap().trace, report.totals.messages_sent),
                SimOutput::SystemDone { report, trace, .. } => (trace, report.totals.messages),
                other => panic!("{id}: {other:?}"),
            };
            let trace = trace.unwrap();
            assert_eq!(trace.total, messages, "{id}");
            assert_eq!(
                trace.messages.len() as u64,
                messages.min(MAX_TRACED_MESSAGES as u64)
            );
        }
    }

    #[test]
    fn invalid_scenario_fails_with_a_message() {
        let scenario = Scenario {
            nodes: 1,
            ..Scenario::default()
        };
        let SimOutput::Failed { error, .. } = handle(SimRequest::Run(scenario)).unwrap() else {
            panic!("one node cannot gossip");
        };
        assert!(error.contains("nodes"), "{error}");
    }
}
