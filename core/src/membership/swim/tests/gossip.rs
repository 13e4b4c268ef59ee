//! What memberlist's settings change: the gossip timer ([`SwimConfig::gossip_interval`]) and
//! the log10 scale of the suspicion timeout and the retransmission limit ([`LogScale::Log10`]).

use super::*;

fn gossiping_member() -> Swim {
    let config = SwimConfig {
        gossip_interval: 200,
        gossip_nodes: 3,
        gossip_to_the_dead: 30_000,
        ..SwimConfig::default()
    };
    let mut swim = Swim::new(0, config);
    swim.bootstrap(0, 1..=10, &mut seeded_rng(1));
    swim
}

/// What a member sent: its gossip (time, to, updates), and how many updates its pings carried.
#[derive(Debug, Default, PartialEq)]
struct Sent {
    gossip: Vec<(Time, NodeId, Vec<MemberUpdate>)>,
    updates_on_pings: usize,
}

/// Runs `swim`'s timers before `until`, answering every ping it sends at once (so that no probe
/// fails).
fn run_until(swim: &mut Swim, until: Time, rng: &mut SimRng) -> Sent {
    let mut sent = Sent::default();
    while let Some(now) = swim.poll_timeout().filter(|&at| at < until) {
        swim.tick(now, rng);
        while let Some((to, message)) = swim.poll_transmit() {
            match message {
                SwimMessage::Ping { seq, updates } => {
                    sent.updates_on_pings += updates.len();
                    let updates = Vec::new();
                    swim.handle(now, to, SwimMessage::Ack { seq, updates }, rng);
                }
                SwimMessage::Gossip { updates } => sent.gossip.push((now, to, updates)),
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    sent
}

#[wasm_bindgen_test(unsupported = test)]
fn the_gossip_timer_sends_queued_news_to_gossip_nodes_members_each_round() {
    let mut rng = seeded_rng(2);
    let mut swim = gossiping_member();
    assert_eq!(
        run_until(&mut swim, 5_000, &mut rng),
        Sent::default(),
        "nothing queued, nothing gossiped"
    );
    let news = MemberUpdate {
        id: 7,
        incarnation: 0,
        state: MemberState::Suspect,
        origin: Some(1),
    };
    swim.handle(
        5_000,
        1,
        SwimMessage::Ping {
            seq: 1,
            updates: vec![news],
        },
        &mut rng,
    );
    assert_eq!(
        swim.poll_transmit(),
        Some((
            1,
            SwimMessage::Ack {
                seq: 1,
                updates: vec![news]
            }
        ))
    );
    let sent = run_until(&mut swim, 10_000, &mut rng);
    // n = 11: the news goes out 3 ceil(ln 12) = 9 times in all: once on the ack above, the rest
    // on gossip and on the pings of probes.
    assert_eq!(sent.gossip.len() + sent.updates_on_pings, 8, "{sent:?}");
    assert!(sent.gossip.len() >= 6, "{sent:?}");
    assert!(
        sent.gossip
            .iter()
            .all(|(_, _, updates)| updates == &vec![news])
    );
    let rounds: Vec<Time> = sent
        .gossip
        .iter()
        .map(|&(at, _, _)| at)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(
        (5_000..5_200).contains(&rounds[0]),
        "the first round after the news: {rounds:?}"
    );
    assert!(rounds.windows(2).all(|w| w[1] - w[0] == 200), "{rounds:?}");
    for (index, &round) in rounds.iter().enumerate() {
        let targets: Vec<NodeId> = sent
            .gossip
            .iter()
            .filter(|&&(at, _, _)| at == round)
            .map(|&(_, to, _)| to)
            .collect();
        let distinct: BTreeSet<NodeId> = targets.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            targets.len(),
            "distinct members: {targets:?}"
        );
        assert!(
            distinct.iter().all(|id| (1..=10).contains(id)),
            "{targets:?}"
        );
        // Three a round, but the last, which may run out of sends.
        if index + 1 < rounds.len() {
            assert_eq!(targets.len(), 3, "round {round}: {targets:?}");
        }
    }
    assert_eq!(swim.queued_updates(), 0, "every send spent");
}

#[wasm_bindgen_test(unsupported = test)]
fn gossip_is_applied_and_not_answered() {
    let mut rng = seeded_rng(3);
    let mut swim = gossiping_member();
    let news = MemberUpdate {
        id: 4,
        incarnation: 0,
        state: MemberState::Dead,
        origin: None,
    };
    swim.handle(
        100,
        2,
        SwimMessage::Gossip {
            updates: vec![news],
        },
        &mut rng,
    );
    assert_eq!(swim.member(4).unwrap().state, MemberState::Dead);
    assert_eq!(swim.poll_transmit(), None);
    // About this member itself: refuted, by a ping back to the sender.
    let about_me = MemberUpdate { id: 0, ..news };
    swim.handle(
        200,
        2,
        SwimMessage::Gossip {
            updates: vec![about_me],
        },
        &mut rng,
    );
    assert_eq!(swim.incarnation(), 1);
    assert!(matches!(
        swim.poll_transmit(),
        Some((2, SwimMessage::Ping { .. }))
    ));
}

#[wasm_bindgen_test(unsupported = test)]
fn log10_scale_gives_memberlists_timeouts_and_limits() {
    let mut rng = seeded_rng(4);
    let config = SwimConfig {
        suspicion_mult: 4,
        retransmit_mult: 4,
        log_scale: LogScale::Log10,
        ..SwimConfig::default()
    };
    let figures: Vec<(Time, u32)> = [1, 10, 30, 60, 101]
        .into_iter()
        .map(|n: NodeId| {
            let mut swim = Swim::new(0, config);
            swim.bootstrap(0, 1..n, &mut rng);
            assert_eq!(swim.group_size(), n as usize);
            (swim.suspicion_timeout(), swim.retransmit_limit())
        })
        .collect();
    // memberlist (util.go): 4 s x max(1, log10 n) to the millisecond; 4 x ceil(log10(n + 1)).
    assert_eq!(
        figures,
        [(4_000, 4), (4_000, 8), (5_908, 8), (7_112, 8), (8_016, 12)]
    );
}
