//! Presets that teach: the examples the articles behind GossipLab use, as ready scenarios with a
//! short explanation each. The playground offers them as one-click experiments.

use crate::Direction;
use crate::rumor::{LossOfInterest, RumorConfig, Trigger};
use crate::scenario::Scenario;
use crate::sim::network::{Fault, Network, ScheduledFault};

/// A named scenario and what it shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Preset {
    pub id: &'static str,
    pub title: &'static str,
    pub explanation: &'static str,
    pub scenario: Scenario,
}

fn rumor(loss: LossOfInterest, direction: Direction, fanout: u8) -> RumorConfig {
    RumorConfig {
        loss,
        trigger: Trigger::Feedback,
        fanout,
        direction,
        connection_limit: None,
    }
}

/// Every preset, in the order the playground lists them.
pub fn presets() -> Vec<Preset> {
    let base = Scenario::default();
    vec![
        Preset {
            id: "sixteen-fanout-three",
            title: "16 nodes, fanout 3",
            explanation: "The classic picture: each informed node tells 3 random others per round (one-second \
                rounds), never back to the node it heard from. Everyone knows within a few rounds.",
            scenario: Scenario {
                nodes: 16,
                seed: 1,
                rumor: rumor(LossOfInterest::Never, Direction::Push, 3),
                ..base.clone()
            },
        },
        Preset {
            id: "push",
            title: "Push: fast start, slow finish",
            explanation: "Informed nodes push to a random peer. Early rounds double the informed set; at the end \
                the last few are found only by chance (the susceptible share falls by about e each round).",
            scenario: Scenario {
                nodes: 1_000,
                seed: 7,
                rumor: rumor(LossOfInterest::Never, Direction::Push, 1),
                ..base.clone()
            },
        },
        Preset {
            id: "pull",
            title: "Pull: slow start, fast finish",
            explanation: "Every node asks a random peer. Almost nobody is found at first, but once most know, the \
                susceptible share squares each round.",
            scenario: Scenario {
                nodes: 1_000,
                seed: 7,
                rumor: rumor(LossOfInterest::Never, Direction::Pull, 1),
                ..base.clone()
            },
        },
        Preset {
            id: "push-pull",
            title: "Push-pull: the best of both",
            explanation: "Each contact both pushes and pulls: log3 n + O(log log n) rounds (Karp et al. 2000), \
                against log2 n + ln n for push alone.",
            scenario: Scenario {
                nodes: 1_000,
                seed: 7,
                rumor: rumor(LossOfInterest::Never, Direction::PushPull, 1),
                ..base.clone()
            },
        },
        Preset {
            id: "rumor-residue",
            title: "Rumor mongering leaves a residue",
            explanation: "Nodes lose interest after 2 unnecessary contacts (Demers et al. 1987): traffic stays \
                low, but a few percent never hear the rumor.",
            scenario: Scenario {
                nodes: 1_000,
                seed: 3,
                rumor: rumor(LossOfInterest::Counter(2), Direction::Push, 1),
                ..base.clone()
            },
        },
        Preset {
            id: "partition-heals",
            title: "A partition that heals",
            explanation: "The network is split in two from the first round; the rumor stays on its side until \
                the partition heals at round 15, then reaches everyone within a few rounds.",
            scenario: Scenario {
                nodes: 200,
                seed: 5,
                rumor: rumor(LossOfInterest::Never, Direction::PushPull, 1),
                network: Network {
                    faults: vec![
                        ScheduledFault {
                            round: 1,
                            fault: Fault::Partition { parts: 2 },
                        },
                        ScheduledFault {
                            round: 15,
                            fault: Fault::Heal,
                        },
                    ],
                    ..Network::default()
                },
                ..base.clone()
            },
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn every_preset_runs_and_shows_what_it_says() {
        let presets = presets();
        let mut ids: Vec<&str> = presets.iter().map(|p| p.id).collect();
        ids.dedup();
        assert_eq!(ids.len(), presets.len(), "ids are unique");
        let run = |id: &str| {
            presets
                .iter()
                .find(|p| p.id == id)
                .unwrap()
                .scenario
                .run()
                .unwrap()
                .summary
        };
        assert_eq!(run("sixteen-fanout-three").residue, 0.0);
        let (push, pull, push_pull) = (run("push"), run("pull"), run("push-pull"));
        assert!(push_pull.rounds < push.rounds && push_pull.rounds < pull.rounds);
        assert!(run("rumor-residue").residue > 0.0);
        let healed = run("partition-heals");
        assert_eq!(healed.residue, 0.0);
        assert!(
            healed.t_last >= 15,
            "the far side learns only after the heal"
        );
    }
}
