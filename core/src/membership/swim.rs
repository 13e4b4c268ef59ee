//! The SWIM protocol: one member's state machine. The probe cycle (section 3.1: ping, ping-req,
//! indirect acks), suspicion and incarnations (section 4.2), round-robin probe targets (section
//! 4.3), and the additions the [`membership`](crate::membership) documentation lists: joins,
//! graceful leaves, refutation of verdicts and reconnects to dead members. Dissemination
//! (section 4.1) is the piggyback buffer of `dissemination.rs`; Lifeguard, when on, is called at
//! the points `lifeguard.rs` lists.
//!
//! About 1,100 lines, tests apart: it is one state machine, and its transitions (probe, suspect,
//! refute, declare, and memberlist's gossip timer) read best next to each other; Lifeguard,
//! dissemination and the member table are already outside it.

use std::collections::{BTreeSet, VecDeque};

use rand::{Rng, RngExt};

use super::config::{LogScale, SwimConfig};
use super::dissemination::Piggyback;
use super::id_set::IdSet;
use super::lifeguard::{Lifeguard, NackTally};
use super::math::{ceil_ln, ceil_log10, log10_thousandths};
use super::member_table::MemberTable;
use super::message::{Member, MemberEvent, MemberState, MemberUpdate, SwimMessage, supersedes};
use super::probe_order::ProbeOrder;
use crate::{NodeId, Time};

/// The probe of the current period.
#[derive(Clone, Copy, Debug)]
struct Probe {
    /// The member probed.
    target: NodeId,
    /// The direct ping's sequence number, which its ping-reqs carry too.
    seq: u32,
    /// When to ask others if no ack has come.
    indirect_at: Time,
    /// Whether others have been asked.
    indirect_sent: bool,
    /// Whether an ack, direct or indirect, has come.
    acked: bool,
    /// When the probe closes: the next period, or later when Lifeguard's local health scales
    /// the probe interval.
    end: Time,
    /// The nacks the probe may get (Lifeguard's helpers') and those it got.
    nacks: NackTally,
}

/// A ping sent for another member's ping-req, keyed by our own sequence number.
#[derive(Clone, Copy, Debug)]
struct Relay {
    /// The member that asked.
    requester: NodeId,
    /// The requester's probe.
    requester_seq: u32,
    /// The member pinged for it.
    target: NodeId,
    /// When the relay is forgotten, answered or not.
    expires: Time,
    /// Lifeguard: when to nack the requester if the target has not answered.
    nack_at: Option<Time>,
}

/// Where a member is in its life in the group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Probing and answering.
    Active,
    /// Left; still announcing it.
    Leaving,
    /// Left and silent.
    Gone,
}

/// One member's SWIM state machine.
#[derive(Clone, Debug)]
pub struct Swim {
    me: NodeId,
    config: SwimConfig,
    incarnation: u32,
    phase: Phase,
    declared_dead: bool,
    members: MemberTable,
    /// The ids of `members` held Alive: what [`Swim::alive_members`] lists, without a walk over
    /// every member (tombstones included) each time; a bit a member.
    alive: IdSet,
    /// The ids of `members` held Dead, ascending: the candidates of [`Swim::reconnect`].
    dead: Vec<NodeId>,
    /// Alive or Suspect members, not counting this one.
    live: usize,
    probe_order: ProbeOrder,
    probe_index: usize,
    probe: Option<Probe>,
    /// Start of the next protocol period; None until the first input.
    next_period: Option<Time>,
    /// The next round of the gossip timer, when it is on; None until the first tick.
    next_gossip: Option<Time>,
    next_seq: u32,
    /// The ping-reqs being relayed, by our own sequence number, ascending.
    relays: Vec<(u32, Relay)>,
    /// The deadlines of the suspicions held, soonest first.
    suspicions: BTreeSet<(Time, NodeId)>,
    /// Lifeguard, when [`SwimConfig::lifeguard`] is on.
    lifeguard: Option<Lifeguard>,
    piggyback: Piggyback,
    /// (seed, time of the next Join) while no Sync has come.
    joining: Option<(NodeId, Time)>,
    transmits: VecDeque<(NodeId, SwimMessage)>,
    events: VecDeque<MemberEvent>,
    /// A list of updates from a message handled, emptied, for the next message sent: in a
    /// simulated cluster the lists go round from member to member instead of being allocated
    /// for every message.
    spare: Vec<MemberUpdate>,
}

/// Frees an empty queue's storage when it is large: a bootstrap queues an event for every
/// member, and a thousand simulated nodes each keeping room for a thousand events held more
/// heap than their member tables.
fn release_if_large<T>(queue: &mut VecDeque<T>) {
    if queue.is_empty() && queue.capacity() > 64 {
        *queue = VecDeque::new();
    }
}

impl Swim {
    /// A member alone in its group. Call [`Swim::join`] to enter one, or wait to be joined.
    /// `config` must pass [`SwimConfig::validate`].
    pub fn new(me: NodeId, config: SwimConfig) -> Self {
        debug_assert_eq!(config.validate(), Ok(()));
        Swim {
            me,
            config,
            incarnation: 0,
            phase: Phase::Active,
            declared_dead: false,
            members: MemberTable::default(),
            alive: IdSet::default(),
            dead: Vec::new(),
            live: 0,
            probe_order: ProbeOrder::default(),
            probe_index: 0,
            probe: None,
            next_period: None,
            next_gossip: None,
            next_seq: 0,
            relays: Vec::new(),
            suspicions: BTreeSet::new(),
            lifeguard: config.lifeguard.then(|| Lifeguard::new(&config)),
            piggyback: Piggyback::new(me),
            joining: None,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            spare: Vec::new(),
        }
    }

    /// This member's id.
    pub fn me(&self) -> NodeId {
        self.me
    }

    /// The parameters this member runs with.
    pub fn config(&self) -> &SwimConfig {
        &self.config
    }

    /// This member's incarnation: raised to refute a suspicion or a verdict about it, and to
    /// rejoin after a leave.
    pub fn incarnation(&self) -> u32 {
        self.incarnation
    }

    /// True once [`Swim::leave`] was called.
    pub fn has_left(&self) -> bool {
        self.phase != Phase::Active
    }

    /// True once this member heard itself declared Dead. For information only: it refuted, as
    /// the module documentation of `membership` (in its source) describes, and carries on under the
    /// same id.
    pub fn declared_dead(&self) -> bool {
        self.declared_dead
    }

    /// Every member ever heard of, tombstones included, by id.
    pub fn members(&self) -> impl Iterator<Item = (NodeId, &Member)> + '_ {
        self.members.iter()
    }

    /// What this member knows about `id`, if it has heard of it.
    pub fn member(&self, id: NodeId) -> Option<&Member> {
        self.members.get(&id)
    }

    /// Members believed Alive (not Suspect), by id: the list other mechanisms pick peers from.
    pub fn alive_members(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.alive.iter()
    }

    /// How many members [`Swim::alive_members`] lists.
    pub(crate) fn alive_count(&self) -> usize {
        self.alive.len()
    }

    /// Where `id` is in [`Swim::alive_members`], if it is there.
    pub(crate) fn alive_position(&self, id: NodeId) -> Option<usize> {
        self.alive.position(id)
    }

    /// The `index`-th of [`Swim::alive_members`].
    pub(crate) fn alive_nth(&self, index: usize) -> Option<NodeId> {
        self.alive.nth(index)
    }

    /// Alive or Suspect members including this one: the `n` of the log(n + 1) factors.
    pub fn group_size(&self) -> usize {
        self.live + 1
    }

    /// How long a suspect has to refute: `suspicion_mult * protocol_period * ceil(ln(n + 1))`,
    /// or with [`LogScale::Log10`] memberlist's `suspicion_mult * max(1, log10(n)) *
    /// protocol_period`.
    pub fn suspicion_timeout(&self) -> Time {
        let (mult, period) = (
            Time::from(self.config.suspicion_mult),
            self.config.protocol_period,
        );
        match self.config.log_scale {
            LogScale::CeilLn => {
                let log = ceil_ln(self.group_size() as u64 + 1).max(1) as Time;
                mult * period * log
            }
            LogScale::Log10 => {
                let thousandths = log10_thousandths(self.group_size() as u64).max(1_000);
                mult * thousandths * period / 1_000
            }
        }
    }

    /// Lifeguard's local health score: 0 when healthy, up to `max_health - 1` when this member's
    /// own probes keep failing for want of nacks or it keeps having to refute suspicions.
    /// Always 0 without Lifeguard.
    pub fn health(&self) -> u32 {
        self.lifeguard.as_ref().map_or(0, Lifeguard::health)
    }

    /// How many times each update is piggybacked: `retransmit_mult * ceil(ln(n + 1))`, or with
    /// [`LogScale::Log10`] memberlist's `retransmit_mult * ceil(log10(n + 1))`.
    pub fn retransmit_limit(&self) -> u32 {
        let n = self.group_size() as u64 + 1;
        let log = match self.config.log_scale {
            LogScale::CeilLn => ceil_ln(n),
            LogScale::Log10 => ceil_log10(n),
        };
        self.config.retransmit_mult * log.max(1)
    }

    /// Updates waiting to be piggybacked (at most one per member).
    pub fn queued_updates(&self) -> usize {
        self.piggyback.len()
    }

    /// The deadlines of the suspicions held, soonest first, with the suspect (for inspection).
    pub(crate) fn suspicion_deadlines(&self) -> impl Iterator<Item = (Time, NodeId)> + Clone + '_ {
        self.suspicions.iter().copied()
    }

    /// Starts joining the group `seed` belongs to. After [`Swim::leave`] this rejoins under the
    /// same id, at an incarnation above the Left it announced so that its Alive overrides it.
    pub fn join(&mut self, now: Time, seed: NodeId) {
        if seed == self.me {
            return;
        }
        if self.phase != Phase::Active {
            self.rejoin(now);
        }
        self.start(now);
        self.joining = Some((seed, now + self.config.protocol_period));
        let incarnation = self.incarnation;
        // The joiner announces itself too, so that news of it spreads from two places.
        self.piggyback.push(MemberUpdate {
            id: self.me,
            incarnation,
            state: MemberState::Alive,
            origin: None,
        });
        self.transmits
            .push_back((seed, SwimMessage::Join { incarnation }));
    }

    /// Adds members known out of band (a simulator's initial population, the peers a relay lists
    /// on arrival) as Alive at incarnation 0, without announcing them: they know of each other
    /// the same way.
    pub fn bootstrap<R: Rng + ?Sized>(
        &mut self,
        now: Time,
        members: impl IntoIterator<Item = NodeId>,
        rng: &mut R,
    ) {
        if self.phase != Phase::Active {
            return;
        }
        self.start(now);
        for id in members {
            self.add_quietly(now, id, rng);
        }
        // Every node of a simulated population holds every other: no spare room in the lists
        // that grow with the members (issue 16's bytes per member entry).
        self.members.shrink_to_fit();
        self.alive.shrink_to_fit();
        self.probe_order.shrink_to_fit();
    }

    /// Back from a leave: active again, above the incarnation of the Left. Suspicions that ran
    /// out while this member was away restart from now rather than turn into verdicts at once.
    fn rejoin(&mut self, now: Time) {
        self.phase = Phase::Active;
        self.incarnation = self.incarnation.saturating_add(1);
        let timeout = self.suspicion_timeout();
        for (deadline, id) in std::mem::take(&mut self.suspicions) {
            let deadline = deadline.max(now + timeout);
            self.members.set_suspect_deadline(id, deadline);
            self.suspicions.insert((deadline, id));
        }
    }

    /// Leaves gracefully: stops probing and announces Left until it has been sent
    /// [`Swim::retransmit_limit`] times, then falls silent.
    pub fn leave(&mut self, now: Time) {
        if self.phase != Phase::Active {
            return;
        }
        self.start(now);
        self.phase = Phase::Leaving;
        self.probe = None;
        self.joining = None;
        self.piggyback.push(MemberUpdate {
            id: self.me,
            incarnation: self.incarnation,
            state: MemberState::Left,
            origin: None,
        });
        if self.live == 0 {
            self.phase = Phase::Gone;
        }
    }

    /// The next message to send, if any.
    pub fn poll_transmit(&mut self) -> Option<(NodeId, SwimMessage)> {
        let transmit = self.transmits.pop_front();
        if transmit.is_none() {
            release_if_large(&mut self.transmits);
        }
        transmit
    }

    /// The next change of view, if any.
    pub fn poll_event(&mut self) -> Option<MemberEvent> {
        let event = self.events.pop_front();
        if event.is_none() {
            release_if_large(&mut self.events);
        }
        event
    }

    /// When [`Swim::tick`] must next be called; None when there is nothing to time.
    pub fn poll_timeout(&self) -> Option<Time> {
        if self.phase == Phase::Gone {
            return None;
        }
        let mut next = self.next_period?;
        if self.phase == Phase::Active {
            if let Some(probe) = self.probe
                && !probe.acked
                && !probe.indirect_sent
            {
                next = next.min(probe.indirect_at);
            }
            if let Some(&(deadline, _)) = self.suspicions.first() {
                next = next.min(deadline);
            }
            if let Some((_, retry)) = self.joining {
                next = next.min(retry);
            }
        }
        if let Some(nack_at) = self
            .relays
            .iter()
            .filter_map(|(_, relay)| relay.nack_at)
            .min()
        {
            next = next.min(nack_at);
        }
        if let Some(gossip) = self.next_gossip {
            next = next.min(gossip);
        }
        Some(next)
    }

    /// Runs the timers due at `now`.
    pub fn tick<R: Rng + ?Sized>(&mut self, now: Time, rng: &mut R) {
        if self.phase == Phase::Gone {
            return;
        }
        self.start(now);
        self.send_nacks(now);
        self.relays.retain(|(_, relay)| relay.expires > now);
        if self.phase == Phase::Active {
            self.expire_suspicions(now, rng);
            self.send_indirect_probes(now, rng);
            if let Some((seed, retry)) = self.joining
                && now >= retry
            {
                self.join(now, seed);
            }
        }
        self.gossip(now, rng);
        let period = self.config.protocol_period;
        let start = self.next_period.expect("started above");
        if now < start {
            return;
        }
        // Late ticks skip missed periods rather than probing in a burst, and act in the period
        // that holds `now` (periods start at multiples of the period): a probe timed from a
        // missed period's start would be over before its indirect step, which would then be
        // asked for by `poll_timeout` at a time already past.
        let start = if start + period > now {
            start
        } else {
            now - now % period
        };
        self.next_period = Some(start + period);
        match self.phase {
            Phase::Active => {
                // Lifeguard may have stretched the probe over several periods.
                if self.probe.is_none_or(|probe| probe.end <= start) {
                    self.end_probe(now, rng);
                    self.start_probe(start, now, rng);
                }
                let every = Time::from(self.config.reconnect_every) * period;
                if every > 0 && start % every == 0 {
                    self.reconnect(rng);
                }
            }
            Phase::Leaving => {
                if let Some(target) = self.next_target(rng) {
                    let seq = self.take_seq();
                    let updates = self.updates_for(target);
                    self.transmits
                        .push_back((target, SwimMessage::Ping { seq, updates }));
                }
                self.check_gone();
            }
            Phase::Gone => {}
        }
    }

    /// Handles one message from `from`.
    pub fn handle<R: Rng + ?Sized>(
        &mut self,
        now: Time,
        from: NodeId,
        msg: SwimMessage,
        rng: &mut R,
    ) {
        if self.phase == Phase::Gone || from == self.me {
            return;
        }
        self.start(now);
        // A verdict about this member in anything but a ping (answered by an ack anyway): the
        // sender may hold it dead, and hears the refutation from the ping sent back below.
        let answer = !matches!(msg, SwimMessage::Ping { .. }) && self.names_me_gone(&msg);
        match msg {
            SwimMessage::Ping { seq, updates } => {
                self.absorb(now, from, updates, rng);
                let updates = self.updates_for(from);
                self.transmits
                    .push_back((from, SwimMessage::Ack { seq, updates }));
            }
            SwimMessage::Ack { seq, updates } => {
                self.absorb(now, from, updates, rng);
                if let Ok(index) = self.relays.binary_search_by_key(&seq, |&(seq, _)| seq)
                    && self.relays[index].1.target == from
                {
                    let (_, relay) = self.relays.remove(index);
                    let updates = self.updates_for(relay.requester);
                    self.transmits.push_back((
                        relay.requester,
                        SwimMessage::IndirectAck {
                            seq: relay.requester_seq,
                            target: from,
                            updates,
                        },
                    ));
                } else {
                    self.mark_acked(seq, from);
                }
            }
            SwimMessage::PingReq {
                seq,
                target,
                updates,
            } => {
                self.absorb(now, from, updates, rng);
                if target != self.me && target != from {
                    let own_seq = self.take_seq();
                    // Sequence numbers grow, so this is nearly always the end (not after a wrap).
                    let index = self.relays.partition_point(|&(seq, _)| seq < own_seq);
                    self.relays.insert(
                        index,
                        (
                            own_seq,
                            Relay {
                                requester: from,
                                requester_seq: seq,
                                target,
                                expires: now + self.config.protocol_period,
                                nack_at: self
                                    .lifeguard
                                    .as_ref()
                                    .map(|lifeguard| lifeguard.nack_at(now)),
                            },
                        ),
                    );
                    let updates = self.updates_for(target);
                    self.transmits.push_back((
                        target,
                        SwimMessage::Ping {
                            seq: own_seq,
                            updates,
                        },
                    ));
                }
            }
            SwimMessage::IndirectAck {
                seq,
                target,
                updates,
            } => {
                self.absorb(now, from, updates, rng);
                self.mark_acked(seq, target);
            }
            SwimMessage::Gossip { updates } => {
                self.absorb(now, from, updates, rng);
            }
            SwimMessage::Nack { seq } => {
                if let Some(probe) = &mut self.probe
                    && probe.seq == seq
                {
                    probe.nacks.receive();
                }
            }
            SwimMessage::Join { incarnation } => {
                let joiner = MemberUpdate {
                    id: from,
                    incarnation,
                    state: MemberState::Alive,
                    origin: None,
                };
                self.apply(now, joiner, true, rng);
                self.send_sync(from);
            }
            SwimMessage::Sync { members } => {
                // What the list teaches is news here, so it is spread like any other: were it kept
                // quiet, in a burst of joins the later joiners (who learn of the earlier ones from
                // the seed's list) would never pass them on, and the earlier joiners would be left
                // to the few spreaders that remain.
                for &update in members.iter().take(usize::from(self.config.sync_chunk)) {
                    self.apply(now, update, true, rng);
                }
                self.joining = None;
                self.add_quietly(now, from, rng);
            }
        }
        if answer && self.phase == Phase::Active {
            let seq = self.take_seq();
            let updates = self.updates_for(from);
            self.transmits
                .push_back((from, SwimMessage::Ping { seq, updates }));
        }
        self.check_gone();
    }

    /// Whether `msg` carries a Dead or Left verdict about this member, among the updates applied.
    fn names_me_gone(&self, msg: &SwimMessage) -> bool {
        let updates = match msg {
            SwimMessage::Ping { updates, .. }
            | SwimMessage::Ack { updates, .. }
            | SwimMessage::PingReq { updates, .. }
            | SwimMessage::IndirectAck { updates, .. }
            | SwimMessage::Gossip { updates } => {
                &updates[..updates.len().min(usize::from(self.config.max_piggyback))]
            }
            SwimMessage::Sync { members } => {
                &members[..members.len().min(usize::from(self.config.sync_chunk))]
            }
            SwimMessage::Join { .. } | SwimMessage::Nack { .. } => &[],
        };
        updates
            .iter()
            .any(|update| update.id == self.me && !update.state.is_live())
    }

    fn start(&mut self, now: Time) {
        if self.next_period.is_none() {
            let period = self.config.protocol_period;
            self.next_period = Some((now / period + 1) * period);
        }
    }

    fn take_seq(&mut self) -> u32 {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        seq
    }

    /// The Dead or Left verdict this member holds about `to`, if any: what a message to `to`
    /// carries so that `to` learns of it. With Lifeguard a suspicion too (the buddy system: the
    /// suspect hears of it from the first member that talks to it, and refutes sooner).
    fn certificate(&self, to: NodeId) -> Option<MemberUpdate> {
        if self.alive.contains(to) {
            // Most members, and no table lookup (a cache miss in a large cluster).
            return None;
        }
        let buddy = self.lifeguard.is_some();
        self.members
            .get(&to)
            .filter(|member| {
                !member.state.is_live() || (buddy && member.state == MemberState::Suspect)
            })
            .map(|member| MemberUpdate {
                id: to,
                incarnation: member.incarnation,
                state: member.state,
                origin: (member.state == MemberState::Suspect).then_some(self.me),
            })
    }

    /// The updates for one message to `to`: this member's own first (a refutation, its Left),
    /// then the verdict it holds about `to` if any (so that a member declared dead learns it from
    /// whoever it talks to), then the rest of the piggyback buffer, fewest sends first.
    fn updates_for(&mut self, to: NodeId) -> Vec<MemberUpdate> {
        let certificate = self.certificate(to);
        if self.piggyback.len() == 0 && certificate.is_none() {
            // Nothing to say: an empty list allocates nothing.
            return Vec::new();
        }
        let max = usize::from(self.config.max_piggyback);
        let limit = self.retransmit_limit();
        let mut updates = std::mem::take(&mut self.spare);
        // Taken (and counted as sent) even when `max` is 0, as it always was.
        let own = self.piggyback.take_own(limit);
        updates.extend(own.into_iter().chain(certificate).take(max));
        // With a verdict about `to` sent, queued news about it would repeat it or be older.
        let skip = certificate.is_some().then_some(to);
        let room = max.saturating_sub(updates.len());
        self.piggyback.take(room, limit, skip, &mut updates);
        updates
    }

    /// The gossip timer, when on (memberlist's gossip): every `gossip_interval`, from a first round
    /// at a random point of the first interval, queued updates go to `gossip_nodes` members chosen
    /// at random among the live ones and those declared Dead less than `gossip_to_the_dead` ago.
    /// Nothing is sent when nothing is queued. Late ticks skip missed rounds.
    fn gossip<R: Rng + ?Sized>(&mut self, now: Time, rng: &mut R) {
        let interval = self.config.gossip_interval;
        if interval == 0 || self.phase == Phase::Gone {
            return;
        }
        let due = *self
            .next_gossip
            .get_or_insert_with(|| now + rng.random_range(0..interval));
        if now < due {
            return;
        }
        self.next_gossip = Some(now + interval - (now - due) % interval);
        if self.piggyback.len() == 0 {
            return;
        }
        let recently = now.saturating_sub(self.config.gossip_to_the_dead);
        let mut targets: Vec<NodeId> = self.alive.iter().collect();
        targets.extend(self.suspicions.iter().map(|&(_, id)| id));
        targets.extend(self.dead.iter().copied().filter(|id| {
            self.members
                .get(id)
                .is_some_and(|member| member.since > recently)
        }));
        let k = usize::from(self.config.gossip_nodes).min(targets.len());
        // Partial Fisher-Yates: the first k entries become a uniform sample.
        for i in 0..k {
            let j = rng.random_range(i..targets.len());
            targets.swap(i, j);
        }
        for &target in &targets[..k] {
            if self.piggyback.len() == 0 {
                break;
            }
            let updates = self.updates_for(target);
            self.transmits
                .push_back((target, SwimMessage::Gossip { updates }));
        }
    }

    /// Pings one Dead member chosen at random, with its verdict: one that is back refutes in its
    /// ack. Not a probe: without an answer nothing happens.
    fn reconnect<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        if self.dead.is_empty() {
            return;
        }
        let target = self.dead[rng.random_range(0..self.dead.len())];
        let seq = self.take_seq();
        let updates = self.certificate(target).into_iter().collect();
        self.transmits
            .push_back((target, SwimMessage::Ping { seq, updates }));
    }

    fn check_gone(&mut self) {
        if self.phase == Phase::Leaving && (self.live == 0 || !self.piggyback.has_own()) {
            // Messages already queued still go out; nothing new is produced.
            self.phase = Phase::Gone;
        }
    }

    fn mark_acked(&mut self, seq: u32, target: NodeId) {
        if let Some(probe) = &mut self.probe
            && probe.seq == seq
            && probe.target == target
        {
            probe.acked = true;
        }
    }

    /// Applies piggybacked updates (at most `max_piggyback`, whatever the sender put in), and
    /// keeps their list for a message to send.
    fn absorb<R: Rng + ?Sized>(
        &mut self,
        now: Time,
        from: NodeId,
        mut updates: Vec<MemberUpdate>,
        rng: &mut R,
    ) {
        for &update in updates.iter().take(usize::from(self.config.max_piggyback)) {
            self.apply(now, update, true, rng);
        }
        self.add_quietly(now, from, rng);
        // One spare is enough (a message is sent for each one handled, at most), and one no
        // larger than a message needs: a list stuffed by a peer is not kept.
        if self.spare.capacity() == 0
            && updates.capacity() <= usize::from(self.config.max_piggyback)
        {
            updates.clear();
            self.spare = updates;
        }
    }

    /// A sender we never heard of is evidently up: list it, without spreading the news.
    fn add_quietly<R: Rng + ?Sized>(&mut self, now: Time, from: NodeId, rng: &mut R) {
        // The alive set first: it answers for most senders without a table lookup (a cache miss
        // in a large cluster).
        if from != self.me && !self.alive.contains(from) && !self.members.contains_key(&from) {
            let update = MemberUpdate {
                id: from,
                incarnation: 0,
                state: MemberState::Alive,
                origin: None,
            };
            self.apply(now, update, false, rng);
        }
    }

    /// Applies one update under the precedence rules; `disseminate` queues it for piggybacking
    /// when it changed the view.
    fn apply<R: Rng + ?Sized>(
        &mut self,
        now: Time,
        update: MemberUpdate,
        disseminate: bool,
        rng: &mut R,
    ) {
        if update.id == self.me {
            self.apply_about_me(update);
            return;
        }
        let MemberUpdate {
            id,
            incarnation,
            state,
            origin,
        } = update;
        // Lifeguard: a suspicion already held here, at the same incarnation, is confirmed by
        // whoever else raised it.
        if self.lifeguard.is_some()
            && state == MemberState::Suspect
            && let Some(origin) = origin
            && self
                .members
                .get(&id)
                .is_some_and(|m| m.state == MemberState::Suspect && m.incarnation == incarnation)
        {
            self.confirm(id, origin, update);
            return;
        }
        let old = match self.members.get(&id) {
            Some(member) => {
                if !supersedes(state, incarnation, member.state, member.incarnation) {
                    return;
                }
                Some(*member)
            }
            None => None,
        };
        if let Some(deadline) = self.members.suspect_deadline(id) {
            self.suspicions.remove(&(deadline, id));
            if let Some(lifeguard) = &mut self.lifeguard {
                lifeguard.on_suspicion_ended(id);
            }
        }
        let was_live = old.is_some_and(|m| m.state.is_live());
        let suspect_deadline =
            (state == MemberState::Suspect).then(|| now + self.new_suspicion(now, id, origin));
        let since = match old {
            Some(m) if m.state == state && state == MemberState::Alive => m.since,
            _ => now,
        };
        self.members.insert(
            id,
            Member {
                state,
                incarnation,
                since,
            },
            suspect_deadline,
        );
        if let Some(deadline) = suspect_deadline {
            self.suspicions.insert((deadline, id));
        }
        let old_state = old.map(|m| m.state);
        if old_state != Some(state) {
            if old_state == Some(MemberState::Alive) {
                self.alive.remove(id);
            } else if state == MemberState::Alive {
                self.alive.insert(id);
            }
            if old_state == Some(MemberState::Dead) {
                if let Ok(index) = self.dead.binary_search(&id) {
                    self.dead.remove(index);
                }
            } else if state == MemberState::Dead
                && let Err(index) = self.dead.binary_search(&id)
            {
                self.dead.insert(index, id);
            }
        }
        match (was_live, state.is_live()) {
            (false, true) => self.live += 1,
            (true, false) => self.live -= 1,
            _ => {}
        }
        if !was_live && state.is_live() {
            // Section 4.3: a new member goes to a random place in the probe order; so does one
            // back from a verdict, unless the current pass has yet to reach it anyway.
            // An id never heard of before cannot be in the order (members are never removed).
            let pending = old.is_some() && self.probe_order.contains_from(self.probe_index, id);
            if !pending {
                let position = rng.random_range(0..=self.probe_order.len());
                self.probe_order.insert(position, id);
                if position < self.probe_index {
                    self.probe_index += 1;
                }
            }
            self.events.push_back(MemberEvent::Joined {
                id,
                incarnation,
                at: now,
            });
        }
        let event = match (old.map(|m| m.state), state) {
            (_, MemberState::Suspect) => Some(MemberEvent::Suspected {
                id,
                incarnation,
                at: now,
            }),
            (Some(MemberState::Suspect), MemberState::Alive) => Some(MemberEvent::Refuted {
                id,
                incarnation,
                at: now,
            }),
            (Some(_), MemberState::Dead) => Some(MemberEvent::Failed {
                id,
                incarnation,
                at: now,
            }),
            (Some(_), MemberState::Left) => Some(MemberEvent::Left {
                id,
                incarnation,
                at: now,
            }),
            // First heard of already gone: a tombstone, not news about a member we had.
            _ => None,
        };
        self.events.extend(event);
        if disseminate {
            self.piggyback.push(update);
        }
    }

    /// The timeout of a suspicion about `id` starting now, raised by `origin`; with Lifeguard
    /// its record of confirmations begins.
    fn new_suspicion(&mut self, now: Time, id: NodeId, origin: Option<NodeId>) -> Time {
        let plain = self.suspicion_timeout();
        let group_size = self.group_size();
        match &mut self.lifeguard {
            Some(lifeguard) => lifeguard.suspicion_timeout(now, id, origin, group_size, plain),
            None => plain,
        }
    }

    /// Lifeguard: `origin` also suspects `id`. A new origin shortens the timeout and the
    /// confirmation is passed on, so that others count it too.
    fn confirm(&mut self, id: NodeId, origin: NodeId, update: MemberUpdate) {
        let plain = self.suspicion_timeout();
        let Some(deadline) = self
            .lifeguard
            .as_mut()
            .and_then(|lifeguard| lifeguard.on_confirmation(id, origin, plain))
        else {
            return;
        };
        if let Some(old) = self.members.suspect_deadline(id)
            && deadline < old
        {
            self.members.set_suspect_deadline(id, deadline);
            self.suspicions.remove(&(old, id));
            self.suspicions.insert((deadline, id));
        }
        self.piggyback.push(update);
    }

    fn apply_about_me(&mut self, update: MemberUpdate) {
        if self.phase != Phase::Active {
            return;
        }
        match update.state {
            MemberState::Alive => {
                self.incarnation = self.incarnation.max(update.incarnation);
            }
            // Section 4.2: refute by outbidding the suspicion's incarnation. Declared dead, or
            // still held Left after a rejoin: refuted the same way (memberlist's rule). News this
            // member has already outbid comes from someone who may have missed the refutation
            // (all its sends can be lost): say it again.
            MemberState::Suspect | MemberState::Dead | MemberState::Left => {
                self.declared_dead |= update.state == MemberState::Dead;
                // A Left is refuted after a rejoin, not for being slow.
                if update.state != MemberState::Left
                    && let Some(lifeguard) = &mut self.lifeguard
                {
                    lifeguard.on_refuted();
                }
                let incarnation = if update.incarnation >= self.incarnation {
                    update.incarnation.saturating_add(1)
                } else {
                    self.incarnation
                };
                self.refute(incarnation);
            }
        }
    }

    /// Takes `incarnation` and disseminates Alive at it, ahead of any other update.
    fn refute(&mut self, incarnation: u32) {
        self.incarnation = incarnation;
        self.piggyback.push(MemberUpdate {
            id: self.me,
            incarnation,
            state: MemberState::Alive,
            origin: None,
        });
    }

    fn expire_suspicions<R: Rng + ?Sized>(&mut self, now: Time, rng: &mut R) {
        while let Some(&(deadline, id)) = self.suspicions.first() {
            if deadline > now {
                break;
            }
            let incarnation = self.members[&id].incarnation;
            let dead = MemberUpdate {
                id,
                incarnation,
                state: MemberState::Dead,
                origin: None,
            };
            // Removes the suspicion too.
            self.apply(now, dead, true, rng);
        }
    }

    /// Lifeguard: nacks for the ping-reqs whose targets have not answered in time.
    fn send_nacks(&mut self, now: Time) {
        for (_, relay) in &mut self.relays {
            if relay.nack_at.is_some_and(|at| at <= now) {
                relay.nack_at = None;
                self.transmits.push_back((
                    relay.requester,
                    SwimMessage::Nack {
                        seq: relay.requester_seq,
                    },
                ));
            }
        }
    }

    fn send_indirect_probes<R: Rng + ?Sized>(&mut self, now: Time, rng: &mut R) {
        let Some(probe) = self.probe else { return };
        // Past the probe's end asking others would be wasted.
        if probe.acked || probe.indirect_sent || now < probe.indirect_at || now >= probe.end {
            return;
        }
        let mut helpers: Vec<NodeId> = self
            .alive_members()
            .filter(|&id| id != probe.target)
            .collect();
        let k = usize::from(self.config.indirect_checks).min(helpers.len());
        if let Some(p) = &mut self.probe {
            p.indirect_sent = true;
            p.nacks.expect(k as u8);
        }
        // Partial Fisher-Yates: the first k entries become a uniform sample.
        for i in 0..k {
            let j = rng.random_range(i..helpers.len());
            helpers.swap(i, j);
        }
        for &helper in &helpers[..k] {
            let updates = self.updates_for(helper);
            self.transmits.push_back((
                helper,
                SwimMessage::PingReq {
                    seq: probe.seq,
                    target: probe.target,
                    updates,
                },
            ));
        }
    }

    /// Closes the period's probe: no ack, direct or indirect, and the target is suspected.
    fn end_probe<R: Rng + ?Sized>(&mut self, now: Time, rng: &mut R) {
        let Some(probe) = self.probe.take() else {
            return;
        };
        if let Some(lifeguard) = &mut self.lifeguard {
            if probe.acked {
                lifeguard.on_probe_acked();
            } else {
                lifeguard.on_probe_failed(probe.nacks.missing());
            }
        }
        if probe.acked {
            return;
        }
        let Some(member) = self.members.get(&probe.target) else {
            return;
        };
        let suspect = MemberUpdate {
            id: probe.target,
            incarnation: member.incarnation,
            state: MemberState::Suspect,
            origin: Some(self.me),
        };
        match member.state {
            MemberState::Alive => self.apply(now, suspect, true, rng),
            // Lifeguard (memberlist's probeNode and suspectNode): a failed probe of a member
            // already held suspect, on someone else's word, is this member's own confirmation,
            // counted and passed on.
            MemberState::Suspect if self.lifeguard.is_some() => {
                self.confirm(probe.target, self.me, suspect);
            }
            _ => {}
        }
    }

    /// Probes the next target, from the period starting at `start`.
    fn start_probe<R: Rng + ?Sized>(&mut self, start: Time, now: Time, rng: &mut R) {
        let Some(target) = self.next_target(rng) else {
            return;
        };
        let seq = self.take_seq();
        // Lifeguard stretches the probe interval, not the direct wait.
        let period = self.config.protocol_period;
        let interval = self
            .lifeguard
            .as_ref()
            .map_or(period, |lifeguard| lifeguard.probe_interval(period));
        self.probe = Some(Probe {
            target,
            seq,
            indirect_at: now + self.config.ping_timeout,
            indirect_sent: false,
            acked: false,
            end: start + interval,
            nacks: NackTally::default(),
        });
        let updates = self.updates_for(target);
        self.transmits
            .push_back((target, SwimMessage::Ping { seq, updates }));
    }

    /// Section 4.3: walk a shuffled list of the live members, reshuffling after each pass.
    fn next_target<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Option<NodeId> {
        loop {
            if self.probe_index >= self.probe_order.len() {
                self.probe_order.refill(
                    self.members
                        .iter()
                        .filter(|(_, member)| member.state.is_live())
                        .map(|(id, _)| id),
                );
                for i in (1..self.probe_order.len()).rev() {
                    let j = rng.random_range(0..=i);
                    self.probe_order.swap(i, j);
                }
                self.probe_index = 0;
                if self.probe_order.is_empty() {
                    return None;
                }
            }
            let id = self.probe_order.get(self.probe_index);
            self.probe_index += 1;
            // The alive set answers for most targets without a table lookup.
            if self.alive.contains(id) || self.members.get(&id).is_some_and(|m| m.state.is_live()) {
                return Some(id);
            }
        }
    }

    /// Sends a joiner this member's list (itself first), `sync_chunk` entries per message.
    fn send_sync(&mut self, joiner: NodeId) {
        let me = MemberUpdate {
            id: self.me,
            incarnation: self.incarnation,
            state: if self.phase == Phase::Active {
                MemberState::Alive
            } else {
                MemberState::Left
            },
            origin: None,
        };
        // The joiner's own entry too: if it is a verdict, the joiner is coming back under an id
        // the group holds dead or left, and refutes.
        let list: Vec<MemberUpdate> = std::iter::once(me)
            .chain(self.members.iter().map(|(id, member)| MemberUpdate {
                id,
                incarnation: member.incarnation,
                state: member.state,
                origin: None,
            }))
            .collect();
        for chunk in list.chunks(usize::from(self.config.sync_chunk)) {
            self.transmits.push_back((
                joiner,
                SwimMessage::Sync {
                    members: chunk.to_vec(),
                },
            ));
        }
    }
}

#[cfg(test)]
mod tests;
