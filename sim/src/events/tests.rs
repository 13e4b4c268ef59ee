//! The engine's tests, through its public face: runs with every kind of fault, checked
//! against what SWIM and the gossip mechanisms promise (the paper's figures, with tolerances
//! worked out in each test).

use super::*;
use crate::error::SimError;
use crate::topology::{Topology, TopologyKind};
use gossip_core::DirectMailConfig;
use gossip_core::MemberState;
use gossip_core::NodeConfig;
use gossip_core::{NodeId, Time, seeded_rng};
use rand::RngExt;
use wasm_bindgen_test::wasm_bindgen_test;

fn swim_only() -> NodeConfig {
    NodeConfig {
        anti_entropy: None,
        rumor: None,
        direct_mail: None,
        ..NodeConfig::default()
    }
}

/// `nodes` nodes on a 10 ms network without faults.
fn quiet(nodes: u32, seed: u64, node: NodeConfig) -> EventSimConfig {
    EventSimConfig {
        nodes,
        seed,
        node,
        latency: Latency::Fixed { ms: 10 },
        loss: 0.0,
        duplicate: 0.0,
        slow_link_extra: 0,
        duration: 30_000,
        sample_every: 1_000,
        faults: Vec::new(),
    }
}

fn at(at: Time, fault: ClusterFault) -> ScheduledClusterFault {
    ScheduledClusterFault { at, fault }
}

fn put(node: NodeId, key: &str) -> ClusterFault {
    ClusterFault::Put {
        node,
        key: key.into(),
        value: format!("from {node}"),
    }
}

/// A run with every kind of fault, on a jittery, lossy network.
fn eventful(seed: u64) -> EventSimConfig {
    EventSimConfig {
        latency: Latency::Exponential { mean: 15 },
        loss: 0.05,
        duplicate: 0.05,
        duration: 20_000,
        sample_every: 500,
        node: NodeConfig {
            direct_mail: Some(DirectMailConfig::default()),
            ..NodeConfig::default()
        },
        faults: vec![
            at(4_300, ClusterFault::Crash { node: 3 }),
            at(5_000, put(1, "a")),
            at(
                6_000,
                ClusterFault::Partition {
                    groups: vec![(0..10).collect()],
                },
            ),
            at(7_000, put(12, "b")),
            at(9_000, ClusterFault::Heal),
            at(
                2_000,
                ClusterFault::Churn {
                    join_rate: 1.0,
                    leave_rate: 1.0,
                    until: 15_000,
                },
            ),
            at(
                10_000,
                ClusterFault::LossBurst {
                    loss: 0.5,
                    until: 11_000,
                },
            ),
            at(
                3_000,
                ClusterFault::Slow {
                    node: 5,
                    extra_delay: 50,
                },
            ),
            at(
                12_000,
                ClusterFault::Restart {
                    node: 3,
                    keep_state: false,
                },
            ),
        ],
        ..quiet(30, seed, NodeConfig::default())
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn same_config_same_run_other_seed_other_run() {
    let run = |seed| EventSim::new(eventful(seed)).unwrap().run();
    let first = run(7);
    assert_eq!(first, run(7));
    assert_ne!(first, run(8));
    assert!(first.totals.churn_joins > 0 && first.totals.cut > 0 && first.totals.lost > 0);
    assert_eq!(first.samples.len(), 40);
}

#[wasm_bindgen_test(unsupported = test)]
fn views_add_up_without_faults() {
    let mut sim = EventSim::new(quiet(20, 1, swim_only())).unwrap();
    sim.run_until(10_000);
    assert_eq!(sim.samples().len(), 10);
    for sample in sim.samples() {
        assert_eq!((sample.live, sample.alive_views), (20, 20 * 19));
        assert_eq!(
            sample.suspect_views + sample.dead_views + sample.left_views,
            0
        );
        // Every node probes once a period: a ping and its ack each.
        if sample.at > 1_000 {
            assert_eq!(sample.messages_sent, 40, "{sample:?}");
        }
    }
    assert_eq!(sim.samples()[0].joined, 20 * 19, "bootstrap");
}

#[wasm_bindgen_test(unsupported = test)]
fn swim_detects_a_crash_everywhere_first_suspicion_after_about_e_over_e_minus_1_periods() {
    // SWIM section 3.1: with n - 1 live members each probing one uniformly chosen other per
    // period, some member probes a given failed member in a period with probability
    // q = 1 - (1 - 1/(n - 1))^(n - 1), so the number of periods K until one does, counting the
    // period whose probe fails, has mean 1/q (1.573 for n = 50, e/(e - 1) = 1.582 as n grows),
    // and the suspicion is raised at the end of that period.
    //
    // Alignment: periods start at multiples of T in every node (the synchronous model of the
    // paper), so a crash at a random time first waits for the next boundary; that wait is not
    // part of the paper's figure. We crash between 100 ms and T after a boundary, when the
    // probe of that period (10 ms each way) has been answered, and measure K from the next
    // boundary to the first Suspected event. Random victims and crash periods vary the place
    // in the round-robin order of section 4.3, which lowers the exact mean to about 1.562
    // (the first probe is then slightly more likely than 1/(n - 1) in later periods): 0.01
    // from 1/q, well inside the tolerance.
    //
    // Tolerance: K is close to geometric, sd = sqrt(1 - q)/q = 0.95 periods (0.90 measured),
    // so the mean of 300 runs has a standard error of 0.055; 0.2 is 3.6 of them.
    const RUNS: u64 = 300;
    let (n, period) = (50u32, 1_000);
    let mut pick = seeded_rng(99);
    let mut sum = 0.0;
    for seed in 0..RUNS {
        let victim = pick.random_range(0..n);
        let crash_at = pick.random_range(3..8u64) * period + pick.random_range(100..period);
        let config = EventSimConfig {
            faults: vec![at(crash_at, ClusterFault::Crash { node: victim })],
            ..quiet(n, seed, swim_only())
        };
        let mut sim = EventSim::new(config).unwrap();
        sim.run_until(crash_at + 30_000);
        let crash = &sim.crashes()[0];
        let totals = sim.totals();
        assert_eq!(
            (totals.false_suspicions, totals.false_positives),
            (0, 0),
            "seed {seed}"
        );
        assert!(crash.all_failed.is_some(), "seed {seed}: {crash:?}");
        for &id in sim.live_nodes() {
            let state = sim
                .node(id)
                .unwrap()
                .membership()
                .member(victim)
                .unwrap()
                .state;
            assert_eq!(state, MemberState::Dead, "seed {seed}, node {id}");
        }
        assert_eq!(sim.samples().last().unwrap().dead_views, u64::from(n - 1));
        let first = crash.first_suspected.unwrap();
        assert_eq!(first % period, 0, "suspicions are raised at period ends");
        sum += (first - crash_at.div_ceil(period) * period) as f64 / period as f64;
    }
    let mean = sum / RUNS as f64;
    let q = 1.0 - (1.0 - 1.0 / f64::from(n - 1)).powi(n as i32 - 1);
    assert!(
        (mean - 1.0 / q).abs() < 0.2,
        "mean {mean} periods to the first suspicion, expected {}",
        1.0 / q
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn under_heavy_loss_false_suspicions_are_refuted_and_writes_still_spread() {
    // 20% loss: a direct probe fails with probability 1 - 0.8^2 = 0.36 and all three
    // indirect ones (four hops each) with (1 - 0.8^4)^3 = 0.2, so about 7% of probes raise
    // a false suspicion. The suspect hears of it and refutes within the suspicion timeout.
    let config = EventSimConfig {
        loss: 0.2,
        duration: 60_000,
        faults: vec![
            at(5_000, put(1, "a")),
            at(20_000, put(7, "b")),
            at(40_000, put(20, "c")),
        ],
        ..quiet(30, 4, NodeConfig::default())
    };
    let report = EventSim::new(config).unwrap().run();
    let totals = &report.totals;
    let ratio = totals.lost as f64 / totals.messages_sent as f64;
    assert!((ratio - 0.2).abs() < 0.02, "loss {ratio}");
    // Measured: 2,708 Suspected events (each node hearing of each suspicion counts) and
    // 2,546 refutations; the rest were still open at the end or overtaken by a newer
    // suspicion of the same member. No Failed verdict in this run: a suspect's refutation
    // goes first in its messages, and it says it again on hearing a suspicion it has already
    // outbid (gossip_core::membership). A verdict would not be final anyway: the member refutes it.
    assert!(totals.false_suspicions > 100, "{totals:?}");
    assert!(
        totals.refuted as f64 > 0.9 * totals.false_suspicions as f64,
        "{totals:?}"
    );
    assert!(
        totals.false_positives * 10 <= totals.false_suspicions,
        "{totals:?}"
    );
    for write in &report.writes {
        assert!(write.reached_all.is_some(), "{write:?}");
    }
}

/// 20 nodes (default mechanisms) split into 0..10 and 10..20 at 5 s, healed at `heal`; a
/// write on each side at 6.5 s.
fn partitioned(heal: Time) -> EventSim {
    let config = EventSimConfig {
        duration: heal + 30_000,
        faults: vec![
            at(
                5_000,
                ClusterFault::Partition {
                    groups: vec![(0..10).collect()],
                },
            ),
            at(6_500, put(2, "left")),
            at(6_500, put(15, "right")),
            at(heal, ClusterFault::Heal),
        ],
        ..quiet(20, 3, NodeConfig::default())
    };
    EventSim::new(config).unwrap()
}

#[wasm_bindgen_test(unsupported = test)]
fn after_a_short_partition_suspicions_are_refuted_and_writes_cross() {
    // 3 s apart, well within the suspicion timeout (3 periods x ceil(ln 21) = 12 s): the
    // halves suspect each other, no verdict is final, and the heal mends everything.
    let mut sim = partitioned(8_000);
    sim.run_until(8_000);
    let at_heal = sim.samples().last().unwrap().clone();
    assert!(at_heal.suspect_views > 0, "{at_heal:?}");
    assert!(at_heal.write_holders.iter().all(|&holders| holders <= 10));
    assert!(sim.totals().cut > 0);
    let report = sim.run();
    let end = report.samples.last().unwrap();
    assert_eq!((end.alive_views, end.suspect_views), (20 * 19, 0));
    assert_eq!(report.totals.false_positives, 0);
    for write in &report.writes {
        assert_eq!(write.holders, 20, "{write:?}");
        assert!(write.reached_all.unwrap() < 8_000 + 5_000, "{write:?}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn after_a_long_partition_the_halves_refute_and_merge() {
    // 35 s apart: every node declares every node across Dead. A verdict can be refuted
    // (gossip_core::membership): every 5 periods each node pings one member it holds Dead, and the
    // exchange tells each side of its verdict; both refute, gossip spreads the refutations,
    // and anti-entropy then carries the writes across.
    let mut sim = partitioned(40_000);
    sim.run_until(40_000);
    let at_heal = sim.samples().last().unwrap().clone();
    assert_eq!(at_heal.dead_views, 2 * 10 * 10, "{at_heal:?}");
    assert_eq!(at_heal.alive_views, 2 * 10 * 9);
    let report = sim.run();
    assert_eq!(report.totals.false_positives, 200);
    // Merged 6 s after the heal (measured: the first sample with every view Alive is at 46 s).
    let merged = report
        .samples
        .iter()
        .find(|s| s.at > 40_000 && (s.alive_views, s.suspect_views) == (20 * 19, 0))
        .map(|s| s.at);
    assert!(merged.is_some_and(|at| at <= 50_000), "{merged:?}");
    let end = report.samples.last().unwrap();
    assert_eq!((end.alive_views, end.suspect_views), (20 * 19, 0));
    for id in 0..20 {
        let membership = sim.node(id).unwrap().membership();
        assert!(membership.incarnation() >= 1, "node {id} refuted");
        for other in (0..20).filter(|&other| other != id) {
            let state = membership.member(other).map(|m| m.state);
            assert_eq!(state, Some(MemberState::Alive), "{other} at {id}");
        }
    }
    for write in &report.writes {
        assert_eq!(write.holders, 20, "{write:?}");
        assert!(write.reached_all.is_some(), "{write:?}");
    }
    let left = sim.node(2).unwrap().store();
    assert_eq!(left.value("left"), Some(&b"from 2"[..]));
    assert_eq!(left.value("right"), Some(&b"from 15"[..]));
}

#[wasm_bindgen_test(unsupported = test)]
fn latency_models_have_their_means_and_duplicates_their_rate() {
    // About 8,000 deliveries per run. The standard error of the mean delay is 20/90 =
    // 0.22 ms for the exponential (sd = mean = 20) and 8.7/90 = 0.1 ms for uniform 5..=35
    // (sd = 30/sqrt(12)): tolerances of 1 and 0.5 ms are 4.5 and 5 of them. Duplicates: a
    // binomial rate of 0.1 over 8,000 messages has a standard error of 0.0034; 0.015 is 4.4.
    for (latency, tolerance) in [
        (Latency::Fixed { ms: 20 }, 0.0),
        (Latency::Uniform { min: 5, max: 35 }, 0.5),
        (Latency::Exponential { mean: 20 }, 1.0),
    ] {
        let config = EventSimConfig {
            latency,
            duplicate: 0.1,
            duration: 60_000,
            ..quiet(30, 5, NodeConfig::default())
        };
        let report = EventSim::new(config).unwrap().run();
        let totals = &report.totals;
        let mean = totals.mean_delay();
        assert!(
            (mean - latency.mean()).abs() <= tolerance,
            "{latency:?}: mean delay {mean}"
        );
        let rate = totals.duplicates_created as f64 / totals.messages_sent as f64;
        assert!(
            (rate - 0.1).abs() < 0.015,
            "{latency:?}: duplicate rate {rate}"
        );
        // Every copy arrives, but those still in flight at the end.
        let in_flight = totals.duplicates_created - totals.duplicates_delivered;
        assert!(in_flight < 20, "{totals:?}");
        let per_step: u64 = report.samples.iter().map(|s| s.duplicates).sum();
        assert_eq!(per_step, totals.duplicates_delivered);
        assert_eq!(totals.false_positives, 0, "{latency:?}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn a_slow_node_receives_late_and_a_very_slow_one_is_suspected() {
    let slow = |extra_delay| EventSimConfig {
        faults: vec![at(
            0,
            ClusterFault::Slow {
                node: 4,
                extra_delay,
            },
        )],
        ..quiet(20, 3, swim_only())
    };
    let mut sim = EventSim::new(slow(100)).unwrap();
    sim.run_until(30_000);
    for id in 0..20 {
        let deliveries = sim.deliveries_to(id).unwrap();
        let delay = if id == 4 { 110 } else { 10 };
        assert!(deliveries.count > 30, "node {id}");
        assert_eq!(deliveries.delay_sum, delay * deliveries.count, "node {id}");
    }
    // A 120 ms round trip is within the 300 ms ping timeout.
    assert_eq!(sim.totals().false_suspicions, 0);

    // Over a period late, its acks miss every probe: it is suspected, and refutes when the
    // news reaches it.
    let mut sim = EventSim::new(slow(1_500)).unwrap();
    sim.run_until(30_000);
    let totals = sim.totals();
    assert!(totals.false_suspicions > 0, "{totals:?}");
    assert!(totals.refuted > 0, "{totals:?}");
}

#[wasm_bindgen_test(unsupported = test)]
fn churn_changes_the_population_at_the_configured_rates() {
    // Joins at 2/s and leaves at 1/s for 30 s, over 5 seeded runs: Poisson counts with means
    // 300 and 150; 3.5 standard deviations (sqrt of the mean) either way.
    let (mut joins, mut leaves) = (0, 0);
    for seed in 0..5 {
        let config = EventSimConfig {
            faults: vec![at(
                2_000,
                ClusterFault::Churn {
                    join_rate: 2.0,
                    leave_rate: 1.0,
                    until: 32_000,
                },
            )],
            ..quiet(50, seed, swim_only())
        };
        let mut sim = EventSim::new(config).unwrap();
        sim.run_until(60_000);
        let totals = sim.totals().clone();
        joins += totals.churn_joins;
        leaves += totals.churn_leaves;
        let live = sim.live_nodes().len() as u64;
        assert_eq!(live, 50 + totals.churn_joins - totals.churn_leaves);
        assert_eq!(u64::from(sim.node_count()), 50 + totals.churn_joins);
        // A leaver runs until its Left has been piggybacked enough times; under churn it
        // competes with the news of every join for room in messages, so some still run.
        let gone = (0..sim.node_count())
            .filter(|&id| {
                matches!(
                    sim.status(id),
                    Some(NodeStatus::Leaving | NodeStatus::Departed)
                )
            })
            .count() as u64;
        assert_eq!(gone, totals.churn_leaves);
        // 28 s after the churn stopped, the live nodes know each other.
        for &id in sim.live_nodes() {
            let size = sim.node(id).unwrap().membership().group_size() as u64;
            assert_eq!(size, live, "seed {seed}, node {id}");
        }
        assert_eq!(totals.false_positives, 0, "seed {seed}");
    }
    for (count, mean) in [(joins, 300.0), (leaves, 150.0)] {
        let deviation = (count as f64 - mean).abs();
        assert!(deviation < 3.5 * f64::sqrt(mean), "{count} against {mean}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn restarts_with_and_without_state() {
    let restart = |restart_at, keep_state| EventSimConfig {
        faults: vec![
            at(5_300, ClusterFault::Crash { node: 6 }),
            at(
                restart_at,
                ClusterFault::Restart {
                    node: 6,
                    keep_state,
                },
            ),
        ],
        duration: 50_000,
        ..quiet(20, 8, swim_only())
    };
    let state_of = |sim: &EventSim, observer: NodeId, id: NodeId| {
        sim.node(observer)
            .unwrap()
            .membership()
            .member(id)
            .map(|m| m.state)
    };

    // Back with its state before the suspicion timeout: it refutes and stays.
    let mut sim = EventSim::new(restart(8_000, true)).unwrap();
    let report = sim.run();
    assert_eq!(sim.status(6), Some(NodeStatus::Live));
    assert!(report.crashes[0].first_suspected.is_some());
    assert_eq!(report.crashes[0].first_failed, None);
    for id in (0..20).filter(|&id| id != 6) {
        assert_eq!(state_of(&sim, id, 6), Some(MemberState::Alive), "node {id}");
    }

    // Back with its state after the group declared it dead: the first node it talks to tells
    // it of the verdict, it refutes at a higher incarnation and every node takes it back.
    let mut sim = EventSim::new(restart(30_000, true)).unwrap();
    let report = sim.run();
    assert!(report.crashes[0].all_failed.unwrap() < 30_000);
    assert_eq!(sim.status(6), Some(NodeStatus::Live));
    let incarnation = sim.node(6).unwrap().membership().incarnation();
    assert!(incarnation >= 1);
    // Restarted at 30 s: all 19 took it back (Joined) within the step ending at 31 s.
    let step = sim.samples().iter().find(|s| s.at == 31_000).unwrap();
    assert_eq!(step.joined, 19, "{step:?}");
    for id in (0..20).filter(|&id| id != 6) {
        let member = sim.node(id).unwrap().membership().member(6).copied();
        let view = member.map(|m| (m.state, m.incarnation));
        assert_eq!(view, Some((MemberState::Alive, incarnation)), "node {id}");
    }

    // Without state: a fresh node under a new id joins; the old id stays dead.
    let mut sim = EventSim::new(restart(30_000, false)).unwrap();
    let report = sim.run();
    assert_eq!(report.crashes[0].restarted_as, Some(20));
    assert_eq!(sim.status(6), Some(NodeStatus::Replaced { by: 20 }));
    assert_eq!(sim.live_nodes().len(), 20);
    for &id in sim.live_nodes() {
        if id != 20 {
            assert_eq!(
                state_of(&sim, id, 20),
                Some(MemberState::Alive),
                "node {id}"
            );
            assert_eq!(state_of(&sim, id, 6), Some(MemberState::Dead), "node {id}");
        }
    }
    assert_eq!(sim.node(20).unwrap().membership().group_size(), 20);
}

#[wasm_bindgen_test(unsupported = test)]
fn links_across_data_centers_pay_the_slow_link() {
    // With a topology of 2 nodes' worth, node 0 is alone in the first data center: every
    // message to it crosses the slow link.
    let config = EventSimConfig {
        slow_link_extra: 50,
        ..quiet(20, 2, swim_only())
    };
    let topology = Topology::build(TopologyKind::DataCenters, 2, &mut seeded_rng(0)).unwrap();
    let mut sim = EventSim::with_topology(config.clone(), topology).unwrap();
    sim.run_until(20_000);
    let to_zero = sim.deliveries_to(0).unwrap();
    assert_eq!(to_zero.delay_sum, 60 * to_zero.count);

    // Two halves: 10 of each node's 19 peers are across, and SWIM contacts peers uniformly,
    // so the mean delay is about 10 + 50 * 10/19 = 36.3 ms. Over about 1,500 deliveries the
    // fraction crossing has a standard error near 0.013, 0.65 ms of delay; 3 ms is 4.6.
    let mut sim = EventSim::new(config).unwrap();
    sim.run_until(40_000);
    let mean = sim.totals().mean_delay();
    assert!((mean - (10.0 + 50.0 * 10.0 / 19.0)).abs() < 3.0, "{mean}");
}

#[wasm_bindgen_test(unsupported = test)]
fn bad_configs_and_refused_changes_are_named() {
    let error = |change: fn(&mut EventSimConfig)| {
        let mut config = quiet(10, 1, swim_only());
        change(&mut config);
        EventSim::new(config).err().unwrap().to_string()
    };
    assert!(error(|c| c.loss = 1.5).contains("loss"));
    assert!(error(|c| c.latency = Latency::Uniform { min: 9, max: 3 }).contains("latency"));
    assert!(
        error(|c| c.faults = vec![at(1, ClusterFault::Crash { node: 10 })]).contains("node 10")
    );
    let mut sim = EventSim::new(quiet(10, 1, swim_only())).unwrap();
    sim.run_until(100);
    assert_eq!(
        sim.schedule(at(50, ClusterFault::Heal)),
        Err(SimError::Refused(
            "a fault at 50 is in the past (now is 100)".into()
        ))
    );
    assert_eq!(
        sim.schedule(at(150, ClusterFault::Crash { node: 10 })),
        Err(SimError::invalid("node", "10 is not among the 10 nodes"))
    );
    assert_eq!(
        sim.put(10, "k", b"v"),
        Err(SimError::Refused("no node 10".into()))
    );
    sim.schedule(at(150, ClusterFault::Crash { node: 2 }))
        .unwrap();
    sim.run_until(200);
    assert_eq!(
        sim.put(2, "k", b"v"),
        Err(SimError::Refused("node 2 is not running".into()))
    );
    assert_eq!(sim.totals().skipped_faults, 0);
    // Faults that find their node in the wrong state are counted, not refused.
    sim.schedule(at(250, ClusterFault::Crash { node: 2 }))
        .unwrap();
    sim.schedule(at(
        250,
        ClusterFault::Restart {
            node: 3,
            keep_state: true,
        },
    ))
    .unwrap();
    sim.run_until(300);
    assert_eq!(sim.totals().skipped_faults, 2);
}

#[wasm_bindgen_test(unsupported = test)]
fn a_write_overtaken_by_a_newer_one_counts_as_held() {
    // Concurrent writes of one key: node 6's stamp (1, 6) beats node 5's (1, 5), so node 6
    // never stores node 5's value, and nodes that hear of node 6's first never report node
    // 5's. Holding the newer value counts as holding the older write.
    let mut sim = EventSim::new(quiet(10, 1, NodeConfig::default())).unwrap();
    sim.run_until(2_000);
    let newer = sim.put(6, "k", b"six").unwrap();
    let older = sim.put(5, "k", b"five").unwrap();
    assert!(older < newer);
    sim.run_until(20_000);
    for write in sim.writes() {
        assert_eq!(write.holders, 10, "{write:?}");
        assert!(write.reached_all.is_some(), "{write:?}");
    }
    for id in 0..10 {
        assert_eq!(sim.node(id).unwrap().store().value("k"), Some(&b"six"[..]));
    }
}

/// FNV-1a of a text.
fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[wasm_bindgen_test(unsupported = test)]
fn recorded_runs_replay_bit_for_bit() {
    // Recorded before the engine moved onto the shared loop of crate::process; any change in any
    // draw or in the order of any two events changes them. Like tests/determinism.rs, change
    // them only with the scenario format version.
    let slow = |node, extra_delay| ClusterFault::Slow { node, extra_delay };
    let restart = |node, keep_state| ClusterFault::Restart { node, keep_state };
    let crash = |node| ClusterFault::Crash { node };
    let faults = vec![
        at(4_300, crash(3)),
        at(5_000, put(1, "a")),
        at(
            6_000,
            ClusterFault::Partition {
                groups: vec![(0..10).collect()],
            },
        ),
        at(7_000, put(12, "b")),
        at(9_000, ClusterFault::Heal),
        at(
            2_000,
            ClusterFault::Churn {
                join_rate: 1.0,
                leave_rate: 1.5,
                until: 15_000,
            },
        ),
        at(
            10_000,
            ClusterFault::LossBurst {
                loss: 0.5,
                until: 11_000,
            },
        ),
        at(3_000, slow(5, 50)),
        at(8_000, slow(6, 1_700)),
        at(14_000, slow(6, 0)),
        at(12_000, restart(3, false)),
        at(4_000, crash(8)),
        at(16_000, restart(8, true)),
        at(4_500, crash(9)),
        at(6_000, restart(9, true)),
        at(7_000, ClusterFault::Leave { node: 11 }),
        at(7_000, crash(11)),
        at(7_500, ClusterFault::Leave { node: 13 }),
        at(9_500, crash(13)),
        at(11_000, restart(13, true)),
        at(7_000, crash(11)),
    ];
    let cases = [
        (
            0,
            Latency::Exponential { mean: 15 },
            0,
            0x6678_0824_1f79_ee6a_u64,
        ),
        (
            1,
            Latency::Uniform { min: 5, max: 35 },
            40,
            0x3e63_2ddb_4b26_3894,
        ),
    ];
    for (seed, latency, slow_link_extra, expected) in cases {
        let config = EventSimConfig {
            nodes: 30,
            seed,
            node: NodeConfig {
                direct_mail: Some(DirectMailConfig::default()),
                ..NodeConfig::default()
            },
            latency,
            loss: 0.05,
            duplicate: 0.05,
            slow_link_extra,
            duration: 20_000,
            sample_every: 500,
            faults: faults.clone(),
        };
        let report = EventSim::new(config).unwrap().run();
        let actual = fingerprint(&serde_json::to_string(&report).unwrap());
        assert_eq!(actual, expected, "seed {seed}: {actual:#018x}");
    }
}
