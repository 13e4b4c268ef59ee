//! One member driven by hand: precedence as its view applies it, refutation, the piggyback
//! buffer's bounds and order, the probe order, joining.

use super::*;

#[wasm_bindgen_test(unsupported = test)]
fn a_members_view_follows_the_precedence_rules() {
    use MemberState::*;
    // The same rules through a member's view, with the events they raise.
    let mut swim = Swim::new(0, SwimConfig::default());
    let mut rng = seeded_rng(1);
    let ping = |updates: Vec<MemberUpdate>| SwimMessage::Ping { seq: 0, updates };
    let up = |incarnation, state| MemberUpdate {
        id: 5,
        incarnation,
        state,
        origin: None,
    };
    let state = |swim: &Swim| {
        let member = swim.member(5).unwrap();
        (member.state, member.incarnation)
    };
    swim.handle(10, 1, ping(vec![up(1, Alive)]), &mut rng);
    swim.handle(20, 1, ping(vec![up(0, Suspect)]), &mut rng);
    assert_eq!(state(&swim), (Alive, 1), "stale suspicion");
    swim.handle(30, 1, ping(vec![up(1, Suspect)]), &mut rng);
    assert_eq!(state(&swim), (Suspect, 1));
    assert_eq!(swim.member(5).unwrap().since, 30);
    swim.handle(40, 1, ping(vec![up(1, Alive)]), &mut rng);
    assert_eq!(state(&swim), (Suspect, 1), "alive at the same incarnation");
    swim.handle(50, 1, ping(vec![up(2, Alive)]), &mut rng);
    assert_eq!(state(&swim), (Alive, 2));
    swim.handle(55, 1, ping(vec![up(1, Dead)]), &mut rng);
    assert_eq!(state(&swim), (Alive, 2), "a verdict already outbid");
    swim.handle(60, 1, ping(vec![up(2, Dead)]), &mut rng);
    assert_eq!(state(&swim), (Dead, 2));
    assert_eq!(swim.group_size(), 2, "this member and 1");
    swim.handle(65, 1, ping(vec![up(2, Alive), up(9, Suspect)]), &mut rng);
    assert_eq!(
        state(&swim),
        (Dead, 2),
        "no resurrection at the same incarnation"
    );
    swim.handle(70, 1, ping(vec![up(3, Alive)]), &mut rng);
    assert_eq!(state(&swim), (Alive, 3), "back, refuting the verdict");
    assert_eq!(swim.group_size(), 3);
    assert!(swim.alive_members().any(|id| id == 5));
    swim.handle(80, 1, ping(vec![up(3, Left)]), &mut rng);
    swim.handle(85, 1, ping(vec![up(3, Alive)]), &mut rng);
    assert_eq!(state(&swim), (Left, 3));
    swim.handle(90, 1, ping(vec![up(4, Alive)]), &mut rng);
    assert_eq!(state(&swim), (Alive, 4), "rejoined after leaving");
    let events: Vec<_> = std::iter::from_fn(|| swim.poll_event())
        .filter(|event| event.id() == 5)
        .collect();
    let id = 5;
    assert_eq!(
        events,
        [
            MemberEvent::Joined {
                id,
                incarnation: 1,
                at: 10
            },
            MemberEvent::Suspected {
                id,
                incarnation: 1,
                at: 30
            },
            MemberEvent::Refuted {
                id,
                incarnation: 2,
                at: 50
            },
            MemberEvent::Failed {
                id,
                incarnation: 2,
                at: 60
            },
            MemberEvent::Joined {
                id,
                incarnation: 3,
                at: 70
            },
            MemberEvent::Left {
                id,
                incarnation: 3,
                at: 80
            },
            MemberEvent::Joined {
                id,
                incarnation: 4,
                at: 90
            },
        ]
    );
    // The revived member is probed again.
    let period = swim.config().protocol_period;
    let mut probed = BTreeSet::new();
    for k in 1..=4 {
        swim.tick(k * period, &mut rng);
        while let Some((to, msg)) = swim.poll_transmit() {
            if matches!(msg, SwimMessage::Ping { .. }) {
                probed.insert(to);
            }
        }
    }
    assert!(probed.contains(&5), "{probed:?}");
}

#[wasm_bindgen_test(unsupported = test)]
fn a_suspected_member_refutes_with_a_higher_incarnation() {
    let mut swim = Swim::new(3, SwimConfig::default());
    let mut rng = seeded_rng(2);
    let suspicion = MemberUpdate {
        id: 3,
        incarnation: 4,
        state: MemberState::Suspect,
        origin: None,
    };
    swim.handle(
        5,
        1,
        SwimMessage::Ping {
            seq: 9,
            updates: vec![suspicion],
        },
        &mut rng,
    );
    assert_eq!(swim.incarnation(), 5);
    let (to, ack) = swim.poll_transmit().unwrap();
    assert_eq!(to, 1);
    let refutation = MemberUpdate {
        id: 3,
        incarnation: 5,
        state: MemberState::Alive,
        origin: None,
    };
    assert_eq!(
        ack,
        SwimMessage::Ack {
            seq: 9,
            updates: vec![refutation]
        }
    );
    // An older suspicion is already refuted and changes nothing.
    let old = MemberUpdate {
        incarnation: 2,
        ..suspicion
    };
    let ping = SwimMessage::Ping {
        seq: 10,
        updates: vec![old],
    };
    swim.handle(6, 1, ping, &mut rng);
    assert_eq!(swim.incarnation(), 5);
}

#[wasm_bindgen_test(unsupported = test)]
fn piggyback_is_bounded_and_prefers_the_least_sent() {
    let config = SwimConfig::default();
    let max = usize::from(config.max_piggyback);
    let mut rng = seeded_rng(3);
    let news = |id, state| MemberUpdate {
        id,
        incarnation: 0,
        state,
        origin: None,
    };
    // A sender stuffing more than `max_piggyback` updates into a message gets `max` applied.
    let mut swim = Swim::new(0, config);
    let stuffed = (100..100 + 2 * max as NodeId)
        .map(|id| news(id, MemberState::Alive))
        .collect();
    swim.handle(
        0,
        1,
        SwimMessage::Ping {
            seq: 0,
            updates: stuffed,
        },
        &mut rng,
    );
    assert_eq!(swim.members().filter(|(id, _)| *id >= 100).count(), max);

    // 40 members announced, then all suspected, `max` per ping; then empty pings until the
    // buffer drains. A model of the buffer checks every ack: at most `max` updates, only the
    // latest news per member, and none sent more often than one left behind.
    let mut swim = Swim::new(0, config);
    let mut model = BTreeMap::<NodeId, (MemberState, u32)>::new();
    let ids: Vec<NodeId> = (2..42).collect();
    let mut loads: Vec<Vec<MemberUpdate>> = Vec::new();
    for state in [MemberState::Alive, MemberState::Suspect] {
        for chunk in ids.chunks(max) {
            loads.push(chunk.iter().map(|&id| news(id, state)).collect());
        }
    }
    let mut loads = loads.into_iter();
    let mut acks = 0;
    loop {
        let updates = loads.next().unwrap_or_default();
        if updates.is_empty() && model.is_empty() {
            break;
        }
        for update in &updates {
            model.insert(update.id, (update.state, 0));
        }
        swim.handle(1, 1, SwimMessage::Ping { seq: 0, updates }, &mut rng);
        let Some((_, SwimMessage::Ack { updates: sent, .. })) = swim.poll_transmit() else {
            panic!("a ping is acked");
        };
        acks += 1;
        assert!(sent.len() <= max);
        let limit = swim.retransmit_limit();
        let picked: BTreeSet<NodeId> = sent.iter().map(|u| u.id).collect();
        let most_sent = sent.iter().map(|u| model[&u.id].1).max().unwrap_or(0);
        let mut left_behind = model
            .iter()
            .filter(|(id, _)| !picked.contains(id))
            .map(|(_, &(_, count))| count);
        if sent.len() < max {
            assert_eq!(left_behind.count(), 0, "ack {acks} had room");
        } else {
            assert!(left_behind.all(|count| count >= most_sent), "ack {acks}");
        }
        for update in &sent {
            let entry = model.get_mut(&update.id).unwrap();
            assert_eq!(update.state, entry.0, "only the latest news");
            entry.1 += 1;
            if entry.1 >= limit {
                model.remove(&update.id);
            }
        }
        assert_eq!(swim.queued_updates(), model.len());
        assert!(swim.queued_updates() <= ids.len(), "one entry per member");
        assert!(acks < 1000, "the buffer drains");
    }
    assert_eq!(swim.queued_updates(), 0);
}

#[wasm_bindgen_test(unsupported = test)]
fn probe_targets_are_a_fresh_permutation_every_pass() {
    let config = SwimConfig::default();
    let period = config.protocol_period;
    let mut swim = Swim::new(0, config);
    let mut rng = seeded_rng(4);
    let members = (1..10)
        .map(|id| MemberUpdate {
            id,
            incarnation: 0,
            state: MemberState::Alive,
            origin: None,
        })
        .collect();
    swim.handle(0, 1, SwimMessage::Sync { members }, &mut rng);
    let mut passes = Vec::new();
    for pass in 0..4 {
        let mut targets = Vec::new();
        for round in 0..9 {
            let now = (pass * 9 + round + 1) * period;
            swim.tick(now, &mut rng);
            let (to, SwimMessage::Ping { seq, .. }) = swim.poll_transmit().unwrap() else {
                panic!("a probe starts every period");
            };
            targets.push(to);
            let ack = SwimMessage::Ack {
                seq,
                updates: vec![],
            };
            swim.handle(now + 20, to, ack, &mut rng);
            assert_eq!(swim.poll_transmit(), None);
            assert_eq!(swim.poll_timeout(), Some(now + period));
        }
        let mut sorted = targets.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (1..10).collect::<Vec<_>>(), "pass {pass}");
        passes.push(targets);
    }
    assert!(passes.windows(2).any(|w| w[0] != w[1]), "reshuffled");
    assert_eq!(swim.alive_members().count(), 9);
}

#[wasm_bindgen_test(unsupported = test)]
fn joining_retries_every_period_until_synced() {
    let mut swim = Swim::new(4, SwimConfig::default());
    let mut rng = seeded_rng(5);
    swim.join(100, 7);
    assert_eq!(
        swim.poll_transmit(),
        Some((7, SwimMessage::Join { incarnation: 0 }))
    );
    // The retry (1100) comes after the first period boundary (1000), where there is no one
    // to probe yet.
    assert_eq!(swim.poll_timeout(), Some(1000));
    swim.tick(1000, &mut rng);
    assert_eq!(swim.poll_transmit(), None);
    assert_eq!(swim.poll_timeout(), Some(1100));
    swim.tick(1100, &mut rng);
    assert!(matches!(
        swim.poll_transmit(),
        Some((7, SwimMessage::Join { .. }))
    ));
    let members = vec![MemberUpdate {
        id: 7,
        incarnation: 2,
        state: MemberState::Alive,
        origin: None,
    }];
    swim.handle(1050, 7, SwimMessage::Sync { members }, &mut rng);
    assert_eq!(swim.member(7).unwrap().incarnation, 2);
    for period in 2..6 {
        swim.tick(period * 1000, &mut rng);
        while let Some((_, msg)) = swim.poll_transmit() {
            assert!(!matches!(msg, SwimMessage::Join { .. }), "{msg:?}");
        }
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn own_updates_go_first_even_in_a_full_buffer() {
    let config = SwimConfig::default();
    let max = usize::from(config.max_piggyback);
    let me = 0;
    let mut rng = seeded_rng(8);
    // Member 1 pings with `max` fresh updates about 48 others each time: with 50 members the
    // limit is 3 * ceil(ln 51) = 12 sends, and the buffer always holds more than fit.
    let others = 48;
    let news = |round: usize| -> Vec<MemberUpdate> {
        (0..max)
            .map(|k| MemberUpdate {
                id: 100 + ((round * max + k) % others) as NodeId,
                incarnation: round as u32,
                state: MemberState::Alive,
                origin: None,
            })
            .collect()
    };
    let ack = |swim: &mut Swim, rng: &mut SimRng, updates: Vec<MemberUpdate>| {
        swim.handle(0, 1, SwimMessage::Ping { seq: 0, updates }, rng);
        match swim.poll_transmit() {
            Some((1, SwimMessage::Ack { updates, .. })) => Some(updates),
            None => None,
            other => panic!("{other:?}"),
        }
    };
    for leaving in [true, false] {
        let mut swim = Swim::new(me, config);
        for round in 0..3 {
            ack(&mut swim, &mut rng, news(round));
        }
        assert_eq!(swim.group_size(), 50);
        let limit = swim.retransmit_limit();
        assert_eq!(limit, 12);
        // The own update: a Left, or the refutation of a suspicion.
        let own = if leaving {
            swim.leave(0);
            MemberUpdate {
                id: me,
                incarnation: 0,
                state: MemberState::Left,
                origin: None,
            }
        } else {
            let suspicion = MemberUpdate {
                id: me,
                incarnation: 0,
                state: MemberState::Suspect,
                origin: None,
            };
            let sent = ack(&mut swim, &mut rng, vec![suspicion]).unwrap();
            assert_eq!(sent[0].id, me);
            MemberUpdate {
                id: me,
                incarnation: 1,
                state: MemberState::Alive,
                origin: None,
            }
        };
        let mut sends = u32::from(!leaving);
        for round in 3.. {
            assert!(swim.queued_updates() > max, "the buffer is full");
            let fresh = news(round);
            let Some(sent) = ack(&mut swim, &mut rng, fresh.clone()) else {
                assert!(
                    leaving && sends == limit,
                    "silent only once the Left is out"
                );
                break;
            };
            assert_eq!(sent.len(), max);
            if sends == limit {
                assert!(sent.iter().all(|u| u.id != me), "no more than the limit");
                break;
            }
            // The own update went first although sent before, and every other update in the
            // message was fresh: by fewest sends alone it would have waited.
            assert_eq!(sent[0], own, "round {round}");
            assert!(sent[1..].iter().all(|u| fresh.contains(u)), "round {round}");
            sends += 1;
        }
        assert_eq!(sends, limit);
        assert_eq!(swim.has_left(), leaving);
    }
}

/// What a member sends in one call of `tick`, as (to, kind) pairs.
fn tick_and_collect(swim: &mut Swim, now: Time, rng: &mut SimRng) -> Vec<(NodeId, &'static str)> {
    swim.tick(now, rng);
    std::iter::from_fn(|| swim.poll_transmit())
        .map(|(to, msg)| {
            let kind = match msg {
                SwimMessage::Ping { .. } => "ping",
                SwimMessage::PingReq { .. } => "ping-req",
                _ => "other",
            };
            (to, kind)
        })
        .collect()
}

#[wasm_bindgen_test(unsupported = test)]
fn a_tick_periods_late_probes_within_the_current_period() {
    // A driver that wakes more than a period late (a busy host, a paused tab): the probe it
    // starts belongs to the period that holds `now`, so its indirect step still comes, and the
    // next wake-up asked for is a time to come.
    let config = SwimConfig::default();
    let (period, ping_timeout) = (config.protocol_period, config.ping_timeout);
    let mut swim = Swim::new(0, config);
    let mut rng = seeded_rng(5);
    swim.bootstrap(0, 1..10, &mut rng);
    while swim.poll_event().is_some() {}
    // One unanswered probe, its ping-reqs sent: the timer is due at the next period start.
    assert_eq!(swim.poll_timeout(), Some(period));
    assert_eq!(tick_and_collect(&mut swim, period, &mut rng).len(), 1);
    assert_eq!(swim.poll_timeout(), Some(period + ping_timeout));
    assert_eq!(
        tick_and_collect(&mut swim, period + ping_timeout, &mut rng).len(),
        3
    );
    assert_eq!(swim.poll_timeout(), Some(2 * period));
    // It fires two and a half periods late: a new probe, in the period that holds now.
    let late = 4 * period + period / 2;
    let sent = tick_and_collect(&mut swim, late, &mut rng);
    assert_eq!(sent.len(), 1, "{sent:?}");
    let (target, kind) = sent[0];
    assert_eq!(kind, "ping");
    assert_eq!(swim.poll_timeout(), Some(late + ping_timeout));
    // No ack: at the ping timeout the probe asks three others, then waits for the next period.
    let sent = tick_and_collect(&mut swim, late + ping_timeout, &mut rng);
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert!(
        sent.iter()
            .all(|&(to, kind)| kind == "ping-req" && to != target)
    );
    assert_eq!(swim.poll_timeout(), Some(5 * period));
}

#[wasm_bindgen_test(unsupported = test)]
fn the_next_wake_up_is_never_in_the_past_even_when_ticks_come_late() {
    // Plain SWIM and Lifeguard (whose probe may span several periods), driven at the times it
    // asks for, except that every third wake-up comes two and a half periods late.
    for lifeguard in [false, true] {
        let config = SwimConfig {
            lifeguard,
            ..SwimConfig::default()
        };
        let period = config.protocol_period;
        let mut swim = Swim::new(0, config);
        let mut rng = seeded_rng(6);
        swim.bootstrap(0, 1..10, &mut rng);
        let mut now = 0;
        for wake in 0..60 {
            let due = swim.poll_timeout().expect("a running member has a timer");
            assert!(
                due > now,
                "lifeguard {lifeguard}, wake-up {wake}: asked for {due} at {now}"
            );
            now = if wake % 3 == 2 {
                due + 2 * period + period / 2
            } else {
                due
            };
            tick_and_collect(&mut swim, now, &mut rng);
        }
    }
}
