//! Lifeguard (Dadgar, Phillips and Currey, 2018, "Lifeguard: Local Health Awareness for More
//! Accurate Failure Detection"), as HashiCorp memberlist implements it, when
//! [`SwimConfig::lifeguard`] is on:
//! - Local health: a score from 0 to `max_health - 1`. A probe that gets an ack, direct or
//!   indirect, lowers it by one; a failed one raises it by the nacks that did not come (by one when
//!   no helper was asked); refuting a suspicion or a verdict about oneself raises it by one. The
//!   probe interval is multiplied by `score + 1` (the direct wait is not: memberlist's reasoning is
//!   that waiting longer does not get a datagram through), so a member that is itself the slow one
//!   probes, and so suspects, less.
//! - Nacks: a ping-req helper whose target has not answered within `ping_timeout` says so
//!   ([`SwimMessage::Nack`](super::message::SwimMessage::Nack)); nacks received tell the prober
//!   that its own messages get through.
//! - Dynamic suspicion: a suspicion's timeout starts at `suspicion_max_mult` times the plain one
//!   and falls logarithmically to it as independent members (the `origin` of each Suspect update)
//!   confirm it: `max - (max - min) ln(c + 1) / ln(k + 1)` after `c` of the `k =
//!   suspicion_confirmations` expected (none expected when the group has fewer than `k` others
//!   than the member and the suspect). A new confirmation is passed on. A lone slow member's
//!   suspicion thus waits long enough to be refuted; a real failure, seen by many, is declared
//!   as fast as before.
//! - The buddy system: a message to a member held Suspect carries the suspicion first, so the
//!   suspect learns of it from its prober and refutes at once.
//! - Not modelled: memberlist's TCP fallback ping and its gossip-to-the-dead timing.
//!
//! [`Swim`](super::swim::Swim) holds a [`Lifeguard`] when the option is on, and none when it is
//! off: then the member is plain SWIM, to the message. It calls Lifeguard at these points:
//! - the probe cycle: [`Lifeguard::probe_interval`] when a probe starts,
//!   [`Lifeguard::on_probe_acked`] or [`Lifeguard::on_probe_failed`] (with the nacks missing,
//!   from the probe's [`NackTally`]) when it ends;
//! - ping-req helping: [`Lifeguard::nack_at`], when to nack the requester;
//! - refutation: [`Lifeguard::on_refuted`], when the member outbids a suspicion or a Dead verdict
//!   about itself;
//! - suspicion: [`Lifeguard::suspicion_timeout`] when one starts, [`Lifeguard::on_confirmation`]
//!   when another member raises it too, [`Lifeguard::on_suspicion_ended`] when it is refuted or
//!   turns into a verdict.
//!
//! The buddy system is the one Lifeguard behaviour without a hook: whether a message to a suspect
//! carries its suspicion is decided where the message is put together, by whether the member has
//! a Lifeguard.

use std::collections::BTreeMap;

use super::config::SwimConfig;
use crate::{NodeId, Time};

/// The nacks of one probe: one may come per ping-req sent (from a helper running Lifeguard whose
/// ping of the target went unanswered).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct NackTally {
    /// Ping-reqs sent for the probe.
    expected: u8,
    /// Nacks received for it.
    received: u8,
}

impl NackTally {
    /// The probe asked `helpers` members to ping its target.
    pub(super) fn expect(&mut self, helpers: u8) {
        self.expected = helpers;
    }

    /// A helper nacked the probe.
    pub(super) fn receive(&mut self) {
        self.received = self.received.saturating_add(1);
    }

    /// The nacks that did not come; None when no helper was asked.
    pub(super) fn missing(&self) -> Option<u8> {
        (self.expected > 0).then(|| self.expected.saturating_sub(self.received))
    }
}

/// Lifeguard's record of a suspicion: when it began here, who has raised it, and how many
/// independent confirmations bring its timeout down to the plain one.
#[derive(Clone, Debug)]
struct Suspicion {
    started: Time,
    origins: Vec<NodeId>,
    expected: u32,
}

/// One member's Lifeguard: its local health score and its record of the suspicions it holds.
#[derive(Clone, Debug)]
pub(super) struct Lifeguard {
    /// How long a helper waits for the target before nacking (the direct ping's wait).
    ping_timeout: Time,
    /// The local health score stays below this.
    max_health: u32,
    /// A suspicion's timeout starts at this multiple of the plain one.
    suspicion_max_mult: u32,
    /// The independent confirmations that bring a suspicion's timeout down to the plain one.
    suspicion_confirmations: u32,
    /// The local health score, 0 (healthy) to `max_health - 1`.
    health: u32,
    /// The suspicions' origins, while the members are suspect.
    suspicions: BTreeMap<NodeId, Suspicion>,
}

impl Lifeguard {
    /// Lifeguard with `config`'s parameters, healthy and holding no suspicion.
    pub(super) fn new(config: &SwimConfig) -> Self {
        Lifeguard {
            ping_timeout: config.ping_timeout,
            max_health: config.max_health,
            suspicion_max_mult: config.suspicion_max_mult,
            suspicion_confirmations: config.suspicion_confirmations,
            health: 0,
            suspicions: BTreeMap::new(),
        }
    }

    /// The local health score: 0 when healthy, up to `max_health - 1` when this member's own
    /// probes keep failing for want of nacks or it keeps having to refute suspicions.
    pub(super) fn health(&self) -> u32 {
        self.health
    }

    /// The probe interval: `base` (the protocol period) times `health + 1`. The direct wait is not
    /// stretched (memberlist: waiting longer would not help a datagram through; the longer
    /// interval leaves more time for indirect acks and nacks).
    pub(super) fn probe_interval(&self, base: Time) -> Time {
        (Time::from(self.health) + 1) * base
    }

    /// When a helper asked at `asked_at` to ping a target nacks the requester, if the target has
    /// not answered by then.
    pub(super) fn nack_at(&self, asked_at: Time) -> Time {
        asked_at + self.ping_timeout
    }

    /// A probe got an ack, direct or indirect (memberlist's probeNode): this member is likely
    /// healthy.
    pub(super) fn on_probe_acked(&mut self) {
        self.change_health(-1);
    }

    /// A probe got no ack. Every nack that did not come counts against this member (the helpers
    /// answered others, so the fault is likely here); when no helper was asked (`None`), the
    /// failure counts once.
    pub(super) fn on_probe_failed(&mut self, missing_nacks: Option<u8>) {
        self.change_health(missing_nacks.map_or(1, i64::from));
    }

    /// This member had to refute a suspicion or a Dead verdict about itself (memberlist's
    /// refute): that suggests it is the slow one.
    pub(super) fn on_refuted(&mut self) {
        self.change_health(1);
    }

    /// The timeout of a suspicion of `suspect` starting at `now`, raised by `origin`, in a group
    /// of `group_size` live members (this one included) whose plain SWIM timeout is `plain`; the
    /// record of its confirmations begins. As memberlist: no confirmations are expected when the
    /// group is too small to give them (leaving out this member and the suspect), and then the
    /// timeout is the plain one.
    pub(super) fn suspicion_timeout(
        &mut self,
        now: Time,
        suspect: NodeId,
        origin: Option<NodeId>,
        group_size: usize,
        plain: Time,
    ) -> Time {
        let wanted = self.suspicion_confirmations;
        let others = (group_size as u32).saturating_sub(2);
        let expected = if others < wanted { 0 } else { wanted };
        self.suspicions.insert(
            suspect,
            Suspicion {
                started: now,
                origins: origin.into_iter().collect(),
                expected,
            },
        );
        self.timeout(plain, 0, expected)
    }

    /// `origin` also suspects `suspect`. A new origin (an independent confirmation) gives the
    /// suspicion's new deadline, from its start, with the plain timeout now `plain`: the caller
    /// moves the deadline if that is sooner, and passes the confirmation on so that others count
    /// it too. None when the origin was already counted or no such suspicion is held.
    pub(super) fn on_confirmation(
        &mut self,
        suspect: NodeId,
        origin: NodeId,
        plain: Time,
    ) -> Option<Time> {
        let suspicion = self.suspicions.get_mut(&suspect)?;
        if suspicion.origins.contains(&origin) {
            return None;
        }
        suspicion.origins.push(origin);
        let confirmations = suspicion.origins.len().saturating_sub(1) as u32;
        let (started, expected) = (suspicion.started, suspicion.expected);
        Some(started + self.timeout(plain, confirmations, expected))
    }

    /// The suspicion of `suspect` is over: refuted, superseded or turned into a verdict.
    pub(super) fn on_suspicion_ended(&mut self, suspect: NodeId) {
        self.suspicions.remove(&suspect);
    }

    /// The suspicion timeout after `confirmations` independent confirmations (memberlist's
    /// `remainingSuspicionTime`, measured from the start of the suspicion): the plain timeout
    /// times `suspicion_max_mult` at first, falling logarithmically to the plain one at
    /// `expected` confirmations.
    fn timeout(&self, plain: Time, confirmations: u32, expected: u32) -> Time {
        let min = plain;
        if expected == 0 {
            return min;
        }
        let max = min * Time::from(self.suspicion_max_mult);
        let fraction = crate::detmath::portable_ln(f64::from(confirmations) + 1.0)
            / crate::detmath::portable_ln(f64::from(expected) + 1.0);
        let timeout = max as f64 - fraction * (max - min) as f64;
        (timeout.floor() as Time).max(min)
    }

    fn change_health(&mut self, delta: i64) {
        let top = i64::from(self.max_health - 1);
        self.health = (i64::from(self.health) + delta).clamp(0, top) as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn lifeguard() -> Lifeguard {
        Lifeguard::new(&SwimConfig {
            lifeguard: true,
            ..SwimConfig::default()
        })
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn local_health_follows_probes_and_refutations_within_its_bounds() {
        let mut lifeguard = lifeguard();
        assert_eq!(lifeguard.health(), 0);
        lifeguard.on_probe_acked();
        assert_eq!(lifeguard.health(), 0, "never below healthy");
        lifeguard.on_probe_failed(None);
        assert_eq!(lifeguard.health(), 1, "no helper asked: once");
        let mut tally = NackTally::default();
        tally.expect(3);
        tally.receive();
        assert_eq!(tally.missing(), Some(2));
        lifeguard.on_probe_failed(tally.missing());
        assert_eq!(lifeguard.health(), 3, "one per missing nack");
        tally.receive();
        tally.receive();
        lifeguard.on_probe_failed(tally.missing());
        assert_eq!(
            lifeguard.health(),
            3,
            "every nack came: not this member's fault"
        );
        lifeguard.on_refuted();
        assert_eq!(lifeguard.health(), 4);
        assert_eq!(lifeguard.probe_interval(1_000), 5_000);
        lifeguard.on_probe_failed(Some(10));
        assert_eq!(lifeguard.health(), 7, "at most max_health - 1");
        lifeguard.on_probe_acked();
        assert_eq!(lifeguard.health(), 6);
        assert_eq!(NackTally::default().missing(), None);
        assert_eq!(lifeguard.nack_at(1_000), 1_300);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn suspicion_timeouts_fall_from_the_maximum_with_independent_confirmations() {
        let mut lifeguard = lifeguard();
        let plain = 12_000;
        assert_eq!(
            lifeguard.suspicion_timeout(100, 5, Some(1), 21, plain),
            6 * plain
        );
        assert_eq!(
            lifeguard.on_confirmation(5, 1, plain),
            None,
            "the origin itself"
        );
        let one = 72_000.0 - 60_000.0 * 2f64.ln() / 3f64.ln();
        assert_eq!(
            lifeguard.on_confirmation(5, 2, plain),
            Some(100 + one.floor() as Time)
        );
        assert_eq!(lifeguard.on_confirmation(5, 2, plain), None, "counted once");
        assert_eq!(lifeguard.on_confirmation(5, 3, plain), Some(100 + plain));
        assert_eq!(
            lifeguard.on_confirmation(6, 3, plain),
            None,
            "no such suspicion"
        );
        lifeguard.on_suspicion_ended(5);
        assert_eq!(lifeguard.on_confirmation(5, 4, plain), None, "over");
        // Three live members: only one other than this one and the suspect, fewer than the two
        // confirmations wanted, so none is expected and the timeout is the plain one; with four,
        // two are.
        assert_eq!(lifeguard.suspicion_timeout(0, 6, None, 3, 3_000), 3_000);
        assert_eq!(lifeguard.suspicion_timeout(0, 7, None, 4, 3_000), 18_000);
    }
}
