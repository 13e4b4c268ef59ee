//! gossip-worker: the Web Worker that runs GossipLab simulations with gossip-core, off the page's
//! thread. The page talks to it through [`SimReactor`] (a yew-agent reactor): it sends
//! [`SimRequest`]s and receives [`SimOutput`]s.

use futures::{SinkExt, StreamExt};
use gossip_core::scenario::Outcome;
use gossip_core::scenario::{ClusterRecording, Protocol, Recording, RunReport, Scenario, Summary};
use gossip_core::sim::events::EventReport;
use gossip_core::systems::SystemReport;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
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

/// Most nodes recorded node by node for the graph view (a byte per node per round); larger runs
/// are recorded for a sample of this many.
pub const MAX_DRAWN_NODES: u32 = 2_000;

/// What the page asks of the worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SimRequest {
    /// Run a scenario to the end.
    Run(Scenario),
    /// Run a batch of scenarios (part of a sweep) and answer with their figures only.
    Summaries { id: u64, scenarios: Vec<Scenario> },
}

/// What the worker answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SimOutput {
    Done {
        scenario: Scenario,
        report: RunReport,
        /// The run node by node, for populations small enough to draw.
        recording: Option<Recording>,
    },
    /// A cluster scenario's run on the event engine.
    ClusterDone {
        scenario: Scenario,
        report: EventReport,
        /// Each node's state over time, for clusters small enough to draw.
        recording: Option<ClusterRecording>,
    },
    /// A system model's run.
    SystemDone {
        scenario: Scenario,
        report: SystemReport,
    },
    Failed {
        scenario: Scenario,
        error: String,
    },
    /// The figures of a [`SimRequest::Summaries`] batch, in its order, with the batch's id.
    Summaries {
        id: u64,
        summaries: Vec<Result<Summary, String>>,
    },
}

/// Handles one request; kept apart from the reactor so it can be tested natively.
pub fn handle(request: SimRequest) -> SimOutput {
    match request {
        SimRequest::Run(scenario) => match &scenario.protocol {
            Protocol::Rumor(_) => match scenario.run_recorded(MAX_DRAWN_NODES) {
                Ok((report, recording)) => SimOutput::Done {
                    scenario,
                    report,
                    recording,
                },
                Err(error) => SimOutput::Failed { scenario, error },
            },
            Protocol::Cluster(_) => match scenario.run_cluster_recorded(MAX_DRAWN_NODES) {
                Ok((report, recording)) => SimOutput::ClusterDone {
                    scenario,
                    report,
                    recording,
                },
                Err(error) => SimOutput::Failed { scenario, error },
            },
            Protocol::System(_) => match scenario.run_any() {
                Ok(Outcome::System(report)) => SimOutput::SystemDone { scenario, report },
                Ok(_) => unreachable!("a system scenario runs its model"),
                Err(error) => SimOutput::Failed { scenario, error },
            },
        },
        SimRequest::Summaries { id, scenarios } => SimOutput::Summaries {
            id,
            summaries: scenarios
                .iter()
                .map(|scenario| scenario.run_any().map(|outcome| outcome.summary()))
                .collect(),
        },
    }
}

#[reactor(SimReactor)]
pub async fn sim_reactor(mut scope: ReactorScope<SimRequest, SimOutput>) {
    while let Some(request) = scope.next().await {
        if scope.send(handle(request)).await.is_err() {
            break; // the page went away
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
        } = handle(SimRequest::Run(scenario.clone()))
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
        let SimOutput::Done { recording, .. } = handle(SimRequest::Run(large)) else {
            panic!("a large scenario runs too");
        };
        let recording = recording.unwrap();
        assert_eq!(recording.sampled_from, Some(MAX_DRAWN_NODES + 1));
        assert_eq!(recording.frames[0].len(), MAX_DRAWN_NODES as usize);
    }

    #[test]
    fn cluster_scenarios_run_on_the_event_engine() {
        use gossip_core::sim::events::Cluster;
        let scenario = Scenario::cluster(
            10,
            1,
            Cluster {
                duration: 3_000,
                ..Cluster::default()
            },
        );
        let SimOutput::ClusterDone { report, .. } = handle(SimRequest::Run(scenario.clone()))
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
        let output = handle(request);
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
    fn invalid_scenario_fails_with_a_message() {
        let scenario = Scenario {
            nodes: 1,
            ..Scenario::default()
        };
        let SimOutput::Failed { error, .. } = handle(SimRequest::Run(scenario)) else {
            panic!("one node cannot gossip");
        };
        assert!(error.contains("nodes"), "{error}");
    }
}
