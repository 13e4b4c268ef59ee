//! What Lifeguard changes in the protocol: suspicion timeouts that shrink with confirmations,
//! nacks from helpers, suspicions told to the suspect.

use super::*;

fn lifeguard_member(me: NodeId, members: std::ops::RangeInclusive<NodeId>) -> Swim {
    let config = SwimConfig {
        lifeguard: true,
        ..SwimConfig::default()
    };
    let mut swim = Swim::new(me, config);
    swim.bootstrap(0, members, &mut seeded_rng(1));
    swim
}

fn suspicion_from(origin: NodeId, about: NodeId) -> SwimMessage {
    SwimMessage::Ping {
        seq: origin,
        updates: vec![MemberUpdate {
            id: about,
            incarnation: 0,
            state: MemberState::Suspect,
            origin: Some(origin),
        }],
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn lifeguard_suspicions_start_long_and_shrink_with_independent_confirmations() {
    let mut rng = seeded_rng(2);
    let mut swim = lifeguard_member(0, 1..=20);
    // n = 21: the plain timeout is 3 periods x ceil(ln 22) = 12 s; Lifeguard starts at 6 x 12 s.
    let min = swim.suspicion_timeout();
    assert_eq!(min, 12_000);
    let deadline = |swim: &Swim| swim.members.suspect_deadline(5).unwrap();
    swim.handle(100, 1, suspicion_from(1, 5), &mut rng);
    assert_eq!(deadline(&swim), 100 + 6 * min);
    // One confirmation of the 2 expected: max - (max - min) ln 2 / ln 3 (memberlist's formula).
    swim.handle(200, 2, suspicion_from(2, 5), &mut rng);
    let expected = 72_000.0 - 60_000.0 * 2f64.ln() / 3f64.ln();
    assert_eq!(deadline(&swim), 100 + expected.floor() as Time);
    // The same origin again, relayed by someone else, is not independent.
    swim.handle(300, 3, suspicion_from(2, 5), &mut rng);
    assert_eq!(deadline(&swim), 100 + expected.floor() as Time);
    // The second: down to the plain timeout, from the start of the suspicion.
    swim.handle(400, 4, suspicion_from(4, 5), &mut rng);
    assert_eq!(deadline(&swim), 100 + min);
    // Plain SWIM ignores origins.
    let mut plain = Swim::new(0, SwimConfig::default());
    plain.bootstrap(0, 1..=20, &mut rng);
    plain.handle(100, 1, suspicion_from(1, 5), &mut rng);
    plain.handle(200, 2, suspicion_from(2, 5), &mut rng);
    assert_eq!(deadline(&plain), 100 + min);
}

#[wasm_bindgen_test(unsupported = test)]
fn a_failed_probe_of_a_member_suspected_by_another_confirms_the_suspicion() {
    // memberlist: probeNode's failure calls suspectNode with this member as the origin; the
    // suspicion held since another's word counts it as a confirmation and passes it on.
    let mut rng = seeded_rng(5);
    let mut swim = lifeguard_member(0, 1..=20);
    let min = swim.suspicion_timeout();
    swim.handle(100, 1, suspicion_from(1, 5), &mut rng);
    while swim.poll_transmit().is_some() {}
    let deadline = |swim: &Swim| swim.members.suspect_deadline(5).unwrap();
    assert_eq!(deadline(&swim), 100 + 6 * min);
    // Probe period by period, answering every probe but the one of member 5.
    let mut now = 1_000;
    loop {
        swim.tick(now, &mut rng);
        let (to, seq) = std::iter::from_fn(|| swim.poll_transmit())
            .find_map(|(to, message)| match message {
                SwimMessage::Ping { seq, .. } => Some((to, seq)),
                _ => None,
            })
            .expect("a probe each period");
        if to == 5 {
            break;
        }
        let updates = Vec::new();
        swim.handle(now + 1, to, SwimMessage::Ack { seq, updates }, &mut rng);
        now += 1_000;
        assert!(now < 30_000, "member 5 probed within a pass");
    }
    swim.tick(now + swim.config().ping_timeout, &mut rng);
    while swim.poll_transmit().is_some() {}
    swim.tick(now + 1_000, &mut rng);
    let one = 72_000.0 - 60_000.0 * 2f64.ln() / 3f64.ln();
    assert_eq!(deadline(&swim), 100 + one.floor() as Time);
    let confirmation = MemberUpdate {
        id: 5,
        incarnation: 0,
        state: MemberState::Suspect,
        origin: Some(0),
    };
    let passed_on = std::iter::from_fn(|| swim.poll_transmit()).any(|(_, message)| {
        matches!(message, SwimMessage::Ping { updates, .. } if updates.contains(&confirmation))
    });
    assert!(passed_on, "the confirmation rides on the next probe");
}

#[wasm_bindgen_test(unsupported = test)]
fn a_lifeguard_helper_nacks_when_the_target_is_silent() {
    let mut rng = seeded_rng(3);
    let mut helper = lifeguard_member(0, 1..=2);
    let ask = |helper: &mut Swim, seq: u32, now: Time, rng: &mut SimRng| {
        let updates = Vec::new();
        helper.handle(
            now,
            1,
            SwimMessage::PingReq {
                seq,
                target: 2,
                updates,
            },
            rng,
        );
    };
    ask(&mut helper, 7, 0, &mut rng);
    let sent: Vec<_> = std::iter::from_fn(|| helper.poll_transmit()).collect();
    assert!(
        matches!(sent[..], [(2, SwimMessage::Ping { .. })]),
        "{sent:?}"
    );
    let timeout = helper.config().ping_timeout;
    assert!(helper.poll_timeout().unwrap() <= timeout);
    helper.tick(timeout, &mut rng);
    let sent: Vec<_> = std::iter::from_fn(|| helper.poll_transmit()).collect();
    assert!(
        sent.contains(&(1, SwimMessage::Nack { seq: 7 })),
        "{sent:?}"
    );
    // A target that answers in time gets its ack forwarded and no nack.
    ask(&mut helper, 8, 1_000, &mut rng);
    let Some((2, SwimMessage::Ping { seq, .. })) = helper.poll_transmit() else {
        panic!("the helper pings the target");
    };
    let updates = Vec::new();
    helper.handle(1_010, 2, SwimMessage::Ack { seq, updates }, &mut rng);
    helper.tick(1_000 + timeout, &mut rng);
    let sent: Vec<_> = std::iter::from_fn(|| helper.poll_transmit()).collect();
    assert!(
        sent.iter()
            .any(|(to, m)| *to == 1 && matches!(m, SwimMessage::IndirectAck { seq: 8, .. }))
    );
    assert!(
        !sent
            .iter()
            .any(|(_, m)| matches!(m, SwimMessage::Nack { .. })),
        "{sent:?}"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn lifeguard_tells_the_suspect_first() {
    let mut rng = seeded_rng(4);
    let mut swim = lifeguard_member(0, 1..=5);
    swim.handle(100, 1, suspicion_from(1, 5), &mut rng);
    let updates = swim.updates_for(5);
    assert_eq!(
        updates.first(),
        Some(&MemberUpdate {
            id: 5,
            incarnation: 0,
            state: MemberState::Suspect,
            origin: Some(0),
        }),
        "the buddy system puts the suspicion first in a message to the suspect"
    );
    let mut suspect = lifeguard_member(5, 0..=4);
    suspect.handle(150, 0, SwimMessage::Ping { seq: 1, updates }, &mut rng);
    assert_eq!(suspect.incarnation(), 1, "the suspect refutes at once");
    assert_eq!(
        suspect.health(),
        1,
        "and counts a refutation against its own health"
    );
}
