//! Results said in words and set against theory: the figures the classic analyses predict for a
//! scenario (gossip-sim's `theory` module and the bounds the tour's chapters argue), and the
//! sentences under every finished run (rumor rounds, cluster runs, system models) that compare
//! the run with them. Pure functions of the scenario and its summary, so they are tested natively.

use gossip_core::{Direction, LogScale, LossOfInterest, Trigger};
use gossip_sim::events::{Cluster, ClusterSummary};
use gossip_sim::metrics::RunSummary;
use gossip_sim::scenario::{Protocol, Scenario, Summary};
use gossip_sim::systems::{System, SystemRun, SystemSummary};
use gossip_sim::theory;

use crate::i18n::{number, t, tf};

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

/// Demers et al.'s residue `s = e^-(k+1)(1-s)`, for the variant it was derived for (push,
/// feedback, coin 1/k, fanout 1); `None` for any other rumor or a scenario of another kind.
pub fn coin_residue(scenario: &Scenario) -> Option<f64> {
    let rumor = scenario.rumor_config()?;
    match rumor.loss {
        LossOfInterest::Coin(k)
            if rumor.trigger == Trigger::Feedback
                && rumor.direction == Direction::Push
                && rumor.fanout == 1 =>
        {
            Some(theory::residue_feedback_coin(k))
        }
        _ => None,
    }
}

/// SWIM's expected periods to the first suspicion of a crashed member among `n`: each of the
/// `n - 1` others probes one member a period, so the crashed one escapes a period with
/// probability `(1 - 1/(n-1))^(n-1)`; the mean of that geometric count tends to e/(e-1)
/// (Das, Gupta and Motivala 2002, section 3.1).
pub fn swim_first_suspicion_periods(n: u32) -> f64 {
    let others = f64::from(n.saturating_sub(1).max(1));
    1.0 / (1.0 - (1.0 - 1.0 / others).powf(others))
}

/// How long a plain SWIM suspect has to refute before it is declared dead among `n` members, in
/// ms: `suspicion_mult * period * ceil(ln(n + 1))`, or memberlist's `log10` scale (gossip-core's
/// `Swim::suspicion_timeout`, computed here from the configuration).
pub fn swim_suspicion_timeout_ms(cluster: &Cluster, n: u32) -> f64 {
    let swim = &cluster.node.swim;
    let scale = match swim.log_scale {
        LogScale::CeilLn => (f64::from(n) + 1.0).ln().ceil().max(1.0),
        LogScale::Log10 => f64::from(n.max(1)).log10().max(1.0),
    };
    f64::from(swim.suspicion_mult) * swim.protocol_period as f64 * scale
}

/// Cassandra's phi accrual passes `threshold` after `threshold * ln 10 * mean interval` of
/// silence: `phi(t) = t / (mean * ln 10)` for exponential inter-arrival times, with heartbeats
/// about once a gossip interval.
pub fn phi_conviction_ms(threshold: f64, interval_ms: f64) -> f64 {
    threshold * std::f64::consts::LN_10 * interval_ms
}

/// What theory says of any finished run, in sentences of the current language: a rumor run's
/// rounds and residue ([`rumor_words`]), a cluster's failure detection and write spread, a
/// system model's detection against its timeout.
pub fn words(scenario: &Scenario, summary: &Summary) -> Vec<String> {
    match (summary, &scenario.protocol) {
        (Summary::Rumor(run), _) => rumor_words(scenario, run),
        (Summary::Cluster(run), Protocol::Cluster(cluster)) => {
            cluster_words(scenario.nodes, cluster, run)
        }
        (Summary::System(run), Protocol::System(system)) => system_words(system, run),
        _ => Vec::new(),
    }
}

/// Seconds with two decimals, as the results say them.
fn seconds(ms: f64) -> String {
    number(ms / 1_000.0, 2)
}

/// A cluster run in words: each crash's first suspicion against SWIM's expected e/(e-1)
/// periods and its declaration against suspicion plus the suspicion timeout; false alarms;
/// writes against anti-entropy's rounds when anti-entropy alone spreads them.
fn cluster_words(nodes: u32, cluster: &Cluster, run: &ClusterSummary) -> Vec<String> {
    let mut words = Vec::new();
    let period = cluster.node.swim.protocol_period.max(1) as f64;
    if run.crashes > 0 {
        let expected = swim_first_suspicion_periods(nodes);
        words.push(match run.mean_suspicion_ms {
            Some(ms) => tf(
                "verdict.swim.suspicion",
                &[
                    ("crashes", &run.crashes),
                    ("yours", &seconds(ms)),
                    ("periods", &number(ms / period, 2)),
                    ("theory", &number(expected, 2)),
                    ("theory_s", &seconds(expected * period)),
                ],
            ),
            None => tf(
                "verdict.swim.never_suspected",
                &[("crashes", &run.crashes), ("theory", &number(expected, 2))],
            ),
        });
        if let (Some(suspected), Some(dead)) = (run.mean_suspicion_ms, run.mean_detection_ms) {
            let timeout = swim_suspicion_timeout_ms(cluster, nodes);
            let key = if cluster.node.swim.lifeguard {
                "verdict.swim.dead_lifeguard"
            } else {
                "verdict.swim.dead"
            };
            words.push(tf(
                key,
                &[
                    ("yours", &seconds(dead)),
                    ("timeout", &seconds(timeout)),
                    ("theory", &seconds(suspected + timeout)),
                    (
                        "most",
                        &seconds(
                            suspected + timeout * f64::from(cluster.node.swim.suspicion_max_mult),
                        ),
                    ),
                    ("detected", &run.detected),
                    ("crashes", &run.crashes),
                ],
            ));
        }
    }
    if run.false_positives > 0 || run.false_suspicions > 0 {
        words.push(tf(
            "verdict.swim.false_alarms",
            &[
                ("suspicions", &number(run.false_suspicions as f64, 0)),
                ("dead", &number(run.false_positives as f64, 0)),
                ("healthy", &number(run.healthy_false_positives as f64, 0)),
            ],
        ));
    }
    if run.writes > 0 {
        let spread = match (run.mean_dissemination_ms, run.max_dissemination_ms) {
            (Some(mean), Some(max)) => tf(
                "verdict.writes.spread",
                &[
                    ("reached", &run.writes_reaching_all),
                    ("writes", &run.writes),
                    ("mean", &seconds(mean)),
                    ("max", &seconds(max as f64)),
                ],
            ),
            _ => tf("verdict.writes.none_reached", &[("writes", &run.writes)]),
        };
        words.push(spread);
        // Anti-entropy alone: each member starts one exchange a period, a simple epidemic in
        // rounds of one period (message delays come on top).
        if let (Some(schedule), None, None) = (
            &cluster.node.anti_entropy,
            &cluster.node.rumor,
            &cluster.node.direct_mail,
        ) {
            let rounds = rounds_to_everyone(schedule.config.direction, nodes);
            let key = match schedule.config.direction {
                Direction::Push => "verdict.writes.ae.push",
                Direction::Pull => "verdict.writes.ae.pull",
                Direction::PushPull => "verdict.writes.ae.push_pull",
            };
            words.push(tf(
                key,
                &[
                    ("rounds", &number(rounds, 1)),
                    ("period", &seconds(schedule.period as f64)),
                    ("theory", &seconds(rounds * schedule.period as f64)),
                ],
            ));
        }
    }
    words
}

/// A system model's run in words: Redis's PFAIL and FAIL against its node timeout, Cassandra's
/// conviction against phi's threshold, Bitcoin's spread.
fn system_words(system: &SystemRun, run: &SystemSummary) -> Vec<String> {
    let never = || t("figure.never").to_string();
    match (&system.model, run) {
        (System::RedisCluster(config), SystemSummary::Redis(run)) if run.crashes > 0 => {
            vec![tf(
                "verdict.redis",
                &[
                    ("pfail", &run.first_pfail_ms.map_or_else(never, seconds)),
                    ("fail", &run.first_fail_ms.map_or_else(never, seconds)),
                    ("fail_all", &run.fail_all_ms.map_or_else(never, seconds)),
                    ("timeout", &seconds(config.node_timeout as f64)),
                    ("false_fails", &run.false_fails),
                ],
            )]
        }
        (System::Cassandra(config), SystemSummary::Cassandra(run)) if run.crashes > 0 => {
            let theory = phi_conviction_ms(config.phi_convict_threshold, config.interval as f64);
            vec![tf(
                "verdict.cassandra",
                &[
                    ("yours", &run.mean_convict_ms.map_or_else(never, seconds)),
                    ("threshold", &number(config.phi_convict_threshold, 1)),
                    ("interval", &seconds(config.interval as f64)),
                    ("theory", &seconds(theory)),
                    ("false", &run.false_convictions),
                ],
            )]
        }
        (System::BitcoinRelay(_), SystemSummary::Bitcoin(run)) => vec![tf(
            "verdict.bitcoin",
            &[
                ("half", &run.reach_50_ms.map_or_else(never, seconds)),
                ("ninety", &run.reach_90_ms.map_or_else(never, seconds)),
                ("all", &run.reach_all_ms.map_or_else(never, seconds)),
                ("reached", &number(run.reached * 100.0, 1)),
            ],
        )],
        _ => Vec::new(),
    }
}

/// What theory says of a rumor run, in sentences of the current language: the rounds to inform
/// everyone (simple epidemics, fanout 1, complete reliable network; a push of larger fanout
/// against its `log_(f+1) n` floor) and the residue against `s = e^-m` (push rumor mongering)
/// or Demers et al.'s coin equation.
pub fn rumor_words(scenario: &Scenario, summary: &RunSummary) -> Vec<String> {
    let Some(rumor) = scenario.rumor_config() else {
        return Vec::new();
    };
    let plain_network = scenario.network == Default::default();
    let mut words = Vec::new();
    if rumor.loss == LossOfInterest::Never && rumor.fanout > 1 && rumor.direction == Direction::Push
    {
        let floor = fastest_rounds(rumor.fanout, scenario.nodes);
        words.push(match summary.full_infection_round {
            Some(round) => tf(
                "verdict.rounds.fanout",
                &[
                    ("fanout", &rumor.fanout),
                    ("theory", &number(floor, 1)),
                    ("yours", &round),
                ],
            ),
            None => tf(
                "verdict.rounds.fanout_not_reached",
                &[("fanout", &rumor.fanout), ("theory", &number(floor, 1))],
            ),
        });
    }
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
        if let Some(expected) = coin_residue(scenario) {
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

    /// The preset's scenario, run natively, and its summary.
    fn run_preset(id: &str) -> (Scenario, Summary) {
        let preset = gossip_sim::presets::presets()
            .into_iter()
            .find(|preset| preset.id == id)
            .unwrap();
        let summary = preset.scenario.run_any().unwrap().summary();
        (preset.scenario, summary)
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_swim_crash_is_set_against_e_over_e_minus_one_periods_and_the_suspicion_timeout() {
        crate::i18n::set_current(crate::i18n::Lang::En);
        let (scenario, summary) = run_preset("swim-crash");
        let (Summary::Cluster(run), Protocol::Cluster(cluster)) = (&summary, &scenario.protocol)
        else {
            panic!("a cluster run")
        };
        let words = words(&scenario, &summary);
        // 20 members: 1 / (1 - (18/19)^19) = 1.56 periods; the timeout 3 x 1 s x ceil(ln 21).
        assert!(words[0].contains("= 1.56 periods"), "{}", words[0]);
        assert_eq!(swim_suspicion_timeout_ms(cluster, 20), 12_000.0);
        let suspected = run.mean_suspicion_ms.unwrap();
        assert!(
            words[1].contains(&format!("= {} s", seconds(suspected + 12_000.0))),
            "{}",
            words[1]
        );
        assert!(
            words[1].contains(&seconds(run.mean_detection_ms.unwrap())),
            "{}",
            words[1]
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn system_models_are_set_against_their_timeouts() {
        crate::i18n::set_current(crate::i18n::Lang::En);
        let (scenario, summary) = run_preset("redis-cluster-fail");
        let Summary::System(SystemSummary::Redis(run)) = &summary else {
            panic!("a Redis run")
        };
        let words = words(&scenario, &summary);
        assert_eq!(words.len(), 1, "{words:?}");
        assert!(words[0].contains("node timeout of 15.00 s"), "{}", words[0]);
        assert!(
            words[0].contains(&seconds(run.first_fail_ms.unwrap())),
            "{}",
            words[0]
        );
        let (scenario, summary) = run_preset("cassandra-phi");
        let words = self::words(&scenario, &summary);
        // phi's threshold 8 over one-second heartbeats: 8 ln 10 s.
        assert!(words[0].contains("= 18.42 s"), "{}", words[0]);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn every_preset_is_said_in_words_in_both_languages() {
        for preset in gossip_sim::presets::presets() {
            let summary = preset.scenario.run_any().unwrap().summary();
            crate::i18n::set_current(crate::i18n::Lang::En);
            let english = words(&preset.scenario, &summary);
            crate::i18n::set_current(crate::i18n::Lang::ZhCn);
            let chinese = words(&preset.scenario, &summary);
            crate::i18n::set_current(crate::i18n::Lang::En);
            assert_eq!(english.len(), chinese.len(), "{}", preset.id);
            for sentence in &chinese {
                assert!(
                    sentence
                        .chars()
                        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                    "{}: {sentence}",
                    preset.id
                );
            }
        }
    }
}
