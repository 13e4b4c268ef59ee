//! The node inspector's questions ([`SimRequest::Inspect`](crate::SimRequest::Inspect)): a
//! cluster scenario or a system model rerun to an instant, a slice at a time like a run, answered with one node as
//! it is then. The inspector asks on its own bridge, so its reactor interleaves with the page's
//! run (each yields between slices) and the page never waits on the rerun.

use gossip_sim::inspect::InspectRun;
use gossip_sim::scenario::Scenario;

use crate::{SimOutput, check_budget, memory_in_use};

/// Most simulated ms an inspection's rerun advances between two looks at the clock: short
/// enough that a 1,000-node cluster's slice stays near [`SLICE_MS`](crate::SLICE_MS).
pub const INSPECT_STEP_MS: u64 = 20;

/// The answer to question `id` when its rerun cannot start.
pub fn refused(id: u64, error: String) -> SimOutput {
    SimOutput::Inspected {
        id,
        snapshot: Err(error),
    }
}

/// An inspection under way: its id and its rerun.
pub struct InspectJob {
    id: u64,
    run: InspectRun,
}

impl InspectJob {
    /// Checks the scenario (its settings, then its size unrecorded) and starts the rerun of
    /// question `id`; why not as text if it cannot start (answer it with [`refused`]).
    pub fn start(id: u64, scenario: &Scenario, node: u32, at: u64) -> Result<Self, String> {
        scenario
            .validate()
            .and_then(|()| check_budget(scenario, false, memory_in_use()))
            .and_then(|()| scenario.start_inspect(node, at))
            .map(|run| InspectJob { id, run })
            .map_err(|error| error.to_string())
    }

    /// Advances the rerun by [`INSPECT_STEP_MS`]; false once at the instant.
    pub fn step(&mut self) -> bool {
        self.run.advance(INSPECT_STEP_MS)
    }

    /// How far it has come.
    pub fn progress(&self) -> SimOutput {
        SimOutput::InspectProgress {
            id: self.id,
            fraction: self.run.fraction(),
        }
    }

    /// The node at the instant.
    pub fn finish(self) -> SimOutput {
        SimOutput::Inspected {
            id: self.id,
            snapshot: self.run.finish().map_err(|error| error.to_string()),
        }
    }

    /// The answer when cancelled or replaced.
    pub fn cancelled(self) -> SimOutput {
        SimOutput::Inspected {
            id: self.id,
            snapshot: Err("cancelled".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{SimOutput, SimRequest, handle};
    use gossip_sim::presets::presets;

    #[test]
    fn an_inspection_answers_with_the_node_as_the_scenario_s_rerun_finds_it() {
        let scenario = presets()
            .into_iter()
            .find(|p| p.id == "ae-hamiltonian")
            .unwrap()
            .scenario;
        let request = SimRequest::Inspect {
            id: 4,
            scenario: scenario.clone(),
            node: 2,
            at: 3_000,
        };
        // Through the codec both ways, as page and worker exchange it.
        let request = serde_json::from_str(&serde_json::to_string(&request).unwrap()).unwrap();
        let output = handle(request).unwrap();
        let output: SimOutput =
            serde_json::from_str(&serde_json::to_string(&output).unwrap()).unwrap();
        assert_eq!(
            output,
            SimOutput::Inspected {
                id: 4,
                snapshot: Ok(gossip_sim::inspect::Inspected::Cluster(
                    scenario.inspect_node(2, 3_000).unwrap()
                )),
            }
        );
        // A node the run does not have: refused with the reason.
        let SimOutput::Inspected { id, snapshot } = handle(SimRequest::Inspect {
            id: 5,
            scenario,
            node: 40,
            at: 0,
        })
        .unwrap() else {
            panic!("an inspection answers");
        };
        assert_eq!(id, 5);
        assert!(snapshot.unwrap_err().contains("node"));
    }
}
