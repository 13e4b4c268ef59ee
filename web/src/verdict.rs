//! Results said in words and set against theory: the figures the classic analyses predict for a
//! scenario (gossip-sim's `theory` module and the bounds the tour's chapters argue), and the
//! sentence under a rumor run that compares the run with them. Pure functions of the scenario and
//! its summary, so they are tested natively.

use gossip_core::{Direction, LossOfInterest, Trigger};
use gossip_sim::metrics::RunSummary;
use gossip_sim::scenario::Scenario;
use gossip_sim::theory;

use crate::i18n::{number, tf};

/// Most rounds [`mean_field_rounds`] iterates: far past any population a run can hold.
const MAX_MEAN_FIELD_ROUNDS: u32 = 10_000;

/// Rounds until the mean-field recurrence of a simple epidemic (fanout 1) leaves fewer than half
/// a node of `n` susceptible, starting from the susceptible fraction `start`.
pub fn mean_field_rounds(direction: Direction, n: u32, start: f64) -> u32 {
    let n = f64::from(n.max(1));
    let mut susceptible = start;
    let mut rounds = 0;
    while susceptible * n >= 0.5 && rounds < MAX_MEAN_FIELD_ROUNDS {
        susceptible = theory::next_susceptible(direction, susceptible);
        rounds += 1;
    }
    rounds
}

/// The rounds a simple epidemic of fanout 1 needs to inform all `n`, as the classic analyses
/// give it: push `log2 n + ln n` (Pittel), push-pull `log3 n` (Karp et al.'s leading term), pull
/// the mean-field recurrence `s' = s^2` from one informed node.
pub fn rounds_to_everyone(direction: Direction, n: u32) -> f64 {
    match direction {
        Direction::Push => theory::push_rounds_estimate(n),
        Direction::PushPull => theory::push_pull_rounds_estimate(n),
        Direction::Pull => f64::from(mean_field_rounds(
            Direction::Pull,
            n,
            1.0 - 1.0 / f64::from(n.max(1)),
        )),
    }
}

/// The fewest rounds a push of fanout `f` can inform `n` nodes in: each round at most multiplies
/// the informed by `f + 1`, so `log_(f+1) n`.
pub fn fastest_rounds(fanout: u8, n: u32) -> f64 {
    f64::from(n.max(1)).ln() / (f64::from(fanout) + 1.0).ln()
}

/// What theory says of a rumor run, in sentences of the current language: the rounds to inform
/// everyone (simple epidemics, fanout 1, complete reliable network) and the residue against
/// `s = e^-m` (push rumor mongering) or Demers et al.'s coin equation.
pub fn rumor_words(scenario: &Scenario, summary: &RunSummary) -> Vec<String> {
    let Some(rumor) = scenario.rumor_config() else {
        return Vec::new();
    };
    let plain_network = scenario.network == Default::default();
    let mut words = Vec::new();
    if rumor.loss == LossOfInterest::Never && rumor.fanout == 1 && plain_network {
        let expected = rounds_to_everyone(rumor.direction, scenario.nodes);
        let key = match rumor.direction {
            Direction::Push => "tour.verdict.rounds.push",
            Direction::PushPull => "tour.verdict.rounds.push_pull",
            Direction::Pull => "tour.verdict.rounds.pull",
        };
        let formula = tf(key, &[("theory", &number(expected, 1))]);
        words.push(match summary.full_infection_round {
            Some(round) => tf(
                "tour.verdict.rounds.reached",
                &[("formula", &formula), ("yours", &round)],
            ),
            None => tf("tour.verdict.rounds.not_reached", &[("formula", &formula)]),
        });
    }
    if rumor.loss != LossOfInterest::Never && plain_network {
        let yours = number(summary.residue * 100.0, 1);
        let coin = match rumor.loss {
            LossOfInterest::Coin(k)
                if rumor.trigger == Trigger::Feedback
                    && rumor.direction == Direction::Push
                    && rumor.fanout == 1 =>
            {
                Some(theory::residue_feedback_coin(k))
            }
            _ => None,
        };
        if let Some(expected) = coin {
            words.push(tf(
                "tour.verdict.residue.coin",
                &[("yours", &yours), ("theory", &number(expected * 100.0, 1))],
            ));
        } else if rumor.direction == Direction::Push {
            let expected = theory::residue_from_traffic(summary.traffic);
            words.push(tf(
                "tour.verdict.residue.traffic",
                &[
                    ("yours", &yours),
                    ("traffic", &number(summary.traffic, 2)),
                    ("theory", &number(expected * 100.0, 1)),
                ],
            ));
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use gossip_core::RumorConfig;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn pull_needs_fewer_mean_field_rounds_than_push_from_half_informed() {
        // From half informed, pull squares the susceptible share: 0.5, 0.25, 0.0625, 0.0039,
        // 1.5e-5: under half a node of 1,000 after 4 rounds.
        assert_eq!(mean_field_rounds(Direction::Pull, 1_000, 0.5), 4);
        // Push only divides it by about e per round at the end: ln(1000) rounds and more.
        assert!(mean_field_rounds(Direction::Push, 1_000, 0.5) > 7);
        assert_eq!(fastest_rounds(3, 16), 2.0);
        assert!((rounds_to_everyone(Direction::Push, 1_000) - 16.87).abs() < 0.01);
        assert!((rounds_to_everyone(Direction::PushPull, 1_000) - 6.29).abs() < 0.01);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_push_run_is_set_against_pittel_and_its_residue_against_e_to_the_minus_m() {
        crate::i18n::set_current(crate::i18n::Lang::En);
        let scenario = Scenario::rumor(
            1_000,
            7,
            RumorConfig {
                loss: LossOfInterest::Never,
                ..RumorConfig::default()
            },
        );
        let report = scenario.run().unwrap();
        let words = rumor_words(&scenario, &report.summary);
        assert_eq!(words.len(), 1, "{words:?}");
        assert!(words[0].contains("16.9"), "{}", words[0]);
        let residue = Scenario::rumor(1_000, 3, RumorConfig::default());
        let report = residue.run().unwrap();
        let words = rumor_words(&residue, &report.summary);
        let expected = theory::residue_from_traffic(report.summary.traffic);
        assert_eq!(words.len(), 1, "{words:?}");
        assert!(
            words[0].contains(&number(expected * 100.0, 1)),
            "{}",
            words[0]
        );
    }
}
