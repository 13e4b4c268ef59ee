//! A live gossip node: SWIM membership, the versioned store with anti-entropy, rumor mongering
//! and direct mail composed into one sans-IO state machine. The same type runs in a browser tab,
//! in a native peer and in the simulators; its drivers only move bytes and time.
//!
//! - Inputs: [`Node::handle`] (or [`Node::handle_bytes`] for untrusted bytes), [`Node::tick`] at
//!   or after [`Node::poll_timeout`], and [`Node::put`] for a local write.
//! - Outputs: [`Node::poll_transmit`] (messages to send) and [`Node::poll_event`] (what the view
//!   shows: membership changes, and every value that arrives, with the mechanism that brought it;
//!   each event prints as one line, see [`NodeEvent`]'s `Display`).
//!
//! A write is stored locally, then spread by every enabled mechanism: direct mail to every alive
//! member, a new rumor, and the next anti-entropy exchanges. Peers are chosen from the SWIM
//! membership list (alive members only).
//!
//! A live peer (a process, a browser tab) builds its configuration with [`NodeConfig::live`]
//! from the few settings its user chooses ([`LivePeerOptions`]).

mod config;
mod event;
mod inspect;

pub use config::{
    AntiEntropySchedule, LivePeerOptions, NodeConfig, PeerChoice, Receipts, RumorSchedule,
};
pub use event::NodeEvent;
pub use inspect::{MemberRow, NodeInspection, QueuedMail, StoredEntry};

use crate::Mechanism;
use crate::anti_entropy::{AntiEntropy, AntiEntropyConfig, AntiEntropyEvent};
use crate::direct_mail::{DirectMail, MailEvent};
use crate::error::{ConfigError, PutError};
use crate::membership::Swim;
use crate::peer_selection::{HamiltonianCycle, PeerSelector};
use crate::rumor::monger::{MongerEvent, RumorMonger};
use crate::store::{Stamp, Store, VersionedEntry};
use crate::wire::{self, Message, WireError};
use crate::{NodeId, Time};
use rand::{Rng, RngExt};
use std::collections::{BTreeSet, VecDeque};

/// One live node: SWIM membership, the versioned store with anti-entropy, rumor mongering and
/// direct mail composed into one sans-IO state machine.
///
/// - Inputs: [`Node::handle`] (or [`Node::handle_bytes`] for untrusted bytes), [`Node::tick`] at
///   or after [`Node::poll_timeout`], and [`Node::put`] for a local write.
/// - Outputs: [`Node::poll_transmit`] (messages to send) and [`Node::poll_event`] (what the view
///   shows: membership changes, and every value that arrives, with the mechanism that brought it;
///   each event prints as one line, see [`NodeEvent`]'s `Display`).
///
/// A write is stored locally, then spread by every enabled mechanism: direct mail to every alive
/// member, a new rumor, and the next anti-entropy exchanges. Peers are chosen from the SWIM
/// membership list (alive members only). The crate's documentation shows a driver loop.
pub struct Node {
    me: NodeId,
    config: NodeConfig,
    swim: Swim,
    /// Holds the store; exchanges run only if anti-entropy is enabled.
    anti_entropy: AntiEntropy,
    monger: Option<RumorMonger<Stamp, VersionedEntry>>,
    mail: Option<DirectMail<VersionedEntry>>,
    /// Stamps of mails in flight, by mail id, to name the write in a drop event.
    mail_stamps: VecDeque<(u64, Stamp)>,
    next_exchange: Option<Time>,
    next_rumor_period: Option<Time>,
    /// Whether anti-entropy may have something to send or report: it has only after handling a
    /// message or starting an exchange, so the node asks it only then.
    anti_entropy_busy: bool,
    /// Messages to send, before those SWIM still holds (see [`Node::poll_transmit`]).
    outbox: VecDeque<(NodeId, Message)>,
    events: VecDeque<NodeEvent>,
    /// This node's latest writes (stamp, key, when), to time the receipts that come back.
    recent_writes: VecDeque<(Stamp, String, Time)>,
    /// Receipts to send at the end of this step, grouped by origin then.
    receipts_due: Vec<(NodeId, Stamp, Mechanism)>,
}

/// The alive members, picked from where SWIM lists them: the same draw and the same peer as
/// [`UniformList`](crate::peer_selection::UniformList) over a copy of the list, without copying
/// it (and scanning it twice) at every rumor period and exchange: with ten thousand members that
/// copying was most of a node's work (issue 16).
struct AliveMembers<'a>(&'a Swim);

impl AliveMembers<'_> {
    /// Where `id` is in the list (sorted by id), if it is there.
    fn position(&self, id: NodeId) -> Option<usize> {
        self.0.alive_position(id)
    }
}

impl PeerSelector for AliveMembers<'_> {
    fn pick<R: Rng + ?Sized>(
        &mut self,
        node: NodeId,
        avoid: Option<NodeId>,
        rng: &mut R,
    ) -> Option<NodeId> {
        // As `pick_from`: `node` and `avoid` are left out, one draw among the rest.
        let avoid = avoid.unwrap_or(node);
        let mut excluded = [
            self.position(node),
            (avoid != node).then(|| self.position(avoid)).flatten(),
        ];
        // Ascending, the absent ones last.
        excluded.sort_unstable_by_key(|position| position.unwrap_or(usize::MAX));
        let excluded = excluded.into_iter().flatten();
        let count = self.0.alive_count() - excluded.clone().count();
        if count == 0 {
            return None;
        }
        let mut index = rng.random_range(0..count);
        for position in excluded {
            if position <= index {
                index += 1;
            }
        }
        self.0.alive_nth(index)
    }
}

/// How many of its own writes a node remembers to time receipts.
const RECENT_WRITES: usize = 256;

/// The event queue's storage is freed once drained when it has room for more than this many.
const RELEASED_ABOVE: usize = 64;

impl Node {
    /// A node with id `me`, knowing no other member yet; refuses a configuration with a value
    /// out of its range.
    pub fn new(me: NodeId, config: NodeConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let anti_entropy_config = config
            .anti_entropy
            .map_or_else(AntiEntropyConfig::default, |s| s.config);
        Ok(Node {
            me,
            config,
            swim: Swim::new(me, config.swim),
            anti_entropy: AntiEntropy::new(me, anti_entropy_config)?,
            monger: config
                .rumor
                .map(|schedule| RumorMonger::new(me, schedule.config)),
            mail: config.direct_mail.map(DirectMail::new),
            mail_stamps: VecDeque::new(),
            next_exchange: None,
            next_rumor_period: None,
            anti_entropy_busy: false,
            outbox: VecDeque::new(),
            events: VecDeque::new(),
            recent_writes: VecDeque::new(),
            receipts_due: Vec::new(),
        })
    }

    /// This node's id.
    pub fn me(&self) -> NodeId {
        self.me
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &NodeConfig {
        &self.config
    }

    /// The local replica: every key's latest value known here.
    pub fn store(&self) -> &Store {
        self.anti_entropy.store()
    }

    /// The SWIM membership list and failure detector.
    pub fn membership(&self) -> &Swim {
        &self.swim
    }

    /// Anti-entropy's state and counters (it holds the store).
    pub fn anti_entropy(&self) -> &AntiEntropy {
        &self.anti_entropy
    }

    /// Joins a cluster through a member it knows.
    pub fn join(&mut self, now: Time, seed: NodeId) {
        self.swim.join(now, seed);
        self.collect(now);
    }

    /// Adds members known out of band (a relay's list of peers, a simulation's population).
    pub fn bootstrap<R: Rng + ?Sized>(
        &mut self,
        now: Time,
        members: impl IntoIterator<Item = NodeId>,
        rng: &mut R,
    ) {
        self.swim.bootstrap(now, members, rng);
        self.collect(now);
    }

    /// Starts a graceful leave: SWIM announces it to the members, then the node falls silent.
    pub fn leave(&mut self, now: Time) {
        self.swim.leave(now);
        self.collect(now);
    }

    /// Writes `key` here and starts spreading it; returns the new version's stamp. Refuses an
    /// entry too large for anti-entropy to carry, storing nothing.
    pub fn put(&mut self, now: Time, key: &str, value: &[u8]) -> Result<Stamp, PutError> {
        let stamp = self.anti_entropy.put(key, value)?;
        let entry = VersionedEntry {
            key: key.to_string(),
            value: value.to_vec(),
            stamp,
        };
        self.events.push_back(NodeEvent::Updated {
            key: key.to_string(),
            value: value.to_vec(),
            stamp,
            via: Mechanism::Local,
            at: now,
        });
        if self.recent_writes.len() == RECENT_WRITES {
            self.recent_writes.pop_front();
        }
        self.recent_writes.push_back((stamp, key.to_string(), now));
        if let Some(monger) = &mut self.monger {
            monger.start(stamp, entry.clone());
        }
        if let Some(mail) = &mut self.mail {
            let id = mail.send_to_all(now, entry, self.swim.alive_members());
            self.mail_stamps.push_back((id, stamp));
        }
        self.collect(now);
        Ok(stamp)
    }

    /// A message from `from`.
    pub fn handle<R: Rng + ?Sized>(
        &mut self,
        now: Time,
        from: NodeId,
        message: Message,
        rng: &mut R,
    ) {
        match message {
            Message::Swim(message) => self.swim.handle(now, from, message, rng),
            Message::AntiEntropy(message) => {
                self.anti_entropy.handle(now, from, message);
                self.anti_entropy_busy = true;
            }
            Message::Rumor(message) => {
                if let Some(monger) = &mut self.monger {
                    monger.handle(from, message, rng);
                }
            }
            Message::Mail(message) => {
                if let Some(mail) = &mut self.mail {
                    mail.handle(from, message);
                }
            }
            Message::Learned(receipts) => self.confirmations(now, from, receipts),
        }
        self.collect(now);
    }

    /// Network bytes from `from` ([`wire::encode_message`]'s), untrusted: decoded with the size
    /// limit, then handled. A malformed message, or one of another protocol version
    /// ([`WireError::OtherVersion`]), is refused with the reason and changes nothing.
    pub fn handle_bytes<R: Rng + ?Sized>(
        &mut self,
        now: Time,
        from: NodeId,
        bytes: &[u8],
        rng: &mut R,
    ) -> Result<(), WireError> {
        let message = wire::decode_message(bytes, self.config.max_message_bytes)?;
        self.handle(now, from, message, rng);
        Ok(())
    }

    /// Runs what is due at `now`: SWIM's protocol period, an anti-entropy exchange, a rumor
    /// period, direct mail retries.
    pub fn tick<R: Rng + ?Sized>(&mut self, now: Time, rng: &mut R) {
        self.swim.tick(now, rng);
        if let Some(schedule) = self.config.anti_entropy {
            let due = *self.next_exchange.get_or_insert(now + schedule.period);
            if now >= due {
                self.next_exchange = Some(now.max(due) + schedule.period);
                let peer = match schedule.peer_choice {
                    PeerChoice::Uniform => AliveMembers(&self.swim).pick(self.me, None, rng),
                    PeerChoice::Hamiltonian => {
                        HamiltonianCycle::over_members(self.swim.alive_members().chain([self.me]))
                            .pick(self.me, None, rng)
                    }
                };
                if let Some(peer) = peer {
                    self.anti_entropy.start_exchange(peer);
                    self.anti_entropy_busy = true;
                }
            }
        }
        if let (Some(schedule), Some(monger)) = (self.config.rumor, &mut self.monger) {
            let due = *self.next_rumor_period.get_or_insert(now + schedule.period);
            if now >= due {
                self.next_rumor_period = Some(now.max(due) + schedule.period);
                monger.tick(&mut AliveMembers(&self.swim), rng);
            }
        }
        if let Some(mail) = &mut self.mail {
            mail.tick(now);
        }
        self.collect(now);
    }

    /// When [`Node::tick`] next has something to do.
    pub fn poll_timeout(&self) -> Option<Time> {
        [
            self.swim.poll_timeout(),
            self.next_exchange
                .filter(|_| self.config.anti_entropy.is_some()),
            self.next_rumor_period.filter(|_| self.monger.is_some()),
            self.mail.as_ref().and_then(DirectMail::poll_timeout),
        ]
        .into_iter()
        .flatten()
        .min()
        .or_else(|| {
            // Before the first tick the periodic mechanisms have no schedule yet: tick now.
            (self.config.anti_entropy.is_some() && self.next_exchange.is_none()).then_some(0)
        })
    }

    /// The next message to send, and to whom; `None` when there is none.
    pub fn poll_transmit(&mut self) -> Option<(NodeId, Message)> {
        // SWIM's messages wait in its own queue until another mechanism's message is queued
        // after them (see `Node::flush_swim`): most messages are SWIM's, and one queue per
        // message costs less than two.
        match self.outbox.pop_front() {
            Some(next) => Some(next),
            None => self
                .swim
                .poll_transmit()
                .map(|(to, message)| (to, Message::Swim(message))),
        }
    }

    /// The next message to send, encoded for the network ([`wire::encode_message`]: its
    /// protocol version, then the message).
    pub fn poll_transmit_bytes(&mut self) -> Option<(NodeId, Vec<u8>)> {
        self.poll_transmit()
            .map(|(to, message)| (to, wire::encode_message(&message)))
    }

    /// The next thing to report; `None` when there is none.
    pub fn poll_event(&mut self) -> Option<NodeEvent> {
        let event = self.events.pop_front();
        if event.is_none() && self.events.capacity() > RELEASED_ABOVE {
            // A bootstrap reports every member at once; keeping that room for the rest of the
            // run held most of a large cluster's heap (issue 16), so it goes once drained.
            self.events = VecDeque::new();
        }
        event
    }

    /// Receipts from `from` about writes made here; receipts about other origins' writes are
    /// reported only with `receipts_to_all`, and about writes forgotten, ignored.
    fn confirmations(&mut self, now: Time, from: NodeId, receipts: Vec<(Stamp, Mechanism)>) {
        for (stamp, via) in receipts {
            if from == self.me {
                continue;
            }
            if stamp.origin != self.me {
                if self.config.receipts_to_all {
                    self.events.push_back(NodeEvent::Receipt {
                        by: from,
                        stamp,
                        via,
                    });
                }
                continue;
            }
            if let Some((_, key, written)) = self.recent_writes.iter().find(|(s, ..)| *s == stamp) {
                self.events.push_back(NodeEvent::Confirmed {
                    by: from,
                    key: key.clone(),
                    stamp,
                    via,
                    after: now.saturating_sub(*written),
                });
            }
        }
    }

    /// Reports a version that arrived from elsewhere (now in the store), and owes its origin a
    /// receipt if asked to.
    fn learned(&mut self, key: String, stamp: Stamp, via: Mechanism, at: Time) {
        if self.config.receipts && stamp.origin != self.me {
            self.receipts_due.push((stamp.origin, stamp, via));
        }
        let value = self
            .anti_entropy
            .store()
            .value(&key)
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        self.events.push_back(NodeEvent::Updated {
            key,
            value,
            stamp,
            via,
            at,
        });
    }

    /// Moves SWIM's queued messages to the outbox: done before another mechanism's message is
    /// queued there, so that messages leave in the order they were made.
    fn flush_swim(swim: &mut Swim, outbox: &mut VecDeque<(NodeId, Message)>) {
        while let Some((to, message)) = swim.poll_transmit() {
            outbox.push_back((to, Message::Swim(message)));
        }
    }

    /// Moves the mechanisms' outputs into the node's queues, storing what rumors and mail brought.
    /// SWIM's messages stay in its queue until another's follow them (see `Node::flush_swim`).
    fn collect(&mut self, now: Time) {
        while let Some(event) = self.swim.poll_event() {
            self.events.push_back(NodeEvent::Member(event));
        }
        if std::mem::take(&mut self.anti_entropy_busy) {
            while let Some((to, message)) = self.anti_entropy.poll_transmit() {
                Self::flush_swim(&mut self.swim, &mut self.outbox);
                self.outbox.push_back((to, Message::AntiEntropy(message)));
            }
            while let Some(event) = self.anti_entropy.poll_event() {
                if let AntiEntropyEvent::Updated {
                    key,
                    origin,
                    version,
                    at,
                } = event
                {
                    self.learned(key, Stamp { version, origin }, Mechanism::AntiEntropy, at);
                }
            }
        }
        let mut arrived = Vec::new();
        if let Some(monger) = &mut self.monger {
            while let Some((to, message)) = monger.poll_transmit() {
                Self::flush_swim(&mut self.swim, &mut self.outbox);
                self.outbox.push_back((to, Message::Rumor(message)));
            }
            while let Some(event) = monger.poll_event() {
                if let MongerEvent::Learned { payload, .. } = event {
                    arrived.push((payload, Mechanism::Rumor));
                }
            }
        }
        if let Some(mail) = &mut self.mail {
            while let Some((to, message)) = mail.poll_transmit() {
                Self::flush_swim(&mut self.swim, &mut self.outbox);
                self.outbox.push_back((to, Message::Mail(message)));
            }
            while let Some(event) = mail.poll_event() {
                match event {
                    MailEvent::Delivered { payload, .. } => {
                        arrived.push((payload, Mechanism::DirectMail))
                    }
                    MailEvent::Dropped { to, id, reason } => {
                        let stamp = self
                            .mail_stamps
                            .iter()
                            .find(|(mail_id, _)| *mail_id == id)
                            .map(|(_, s)| *s);
                        if let Some(stamp) = stamp {
                            self.events
                                .push_back(NodeEvent::MailDropped { to, stamp, reason });
                        }
                    }
                }
            }
            // Keep the id-to-stamp map as long as the mail's queue can hold anything.
            let capacity = self.config.direct_mail.map_or(0, |c| c.queue_capacity);
            while self.mail_stamps.len() > capacity {
                self.mail_stamps.pop_front();
            }
        }
        for (entry, via) in arrived {
            if let Some((key, stamp)) = self.anti_entropy.store_mut().merge_entry_keyed(entry) {
                self.learned(key, stamp, via, now);
            }
        }
        if !self.receipts_due.is_empty() && self.config.receipts_to_all {
            // One message to each alive member (and each origin, known or not yet).
            let due = std::mem::take(&mut self.receipts_due);
            let receipts: Vec<(Stamp, Mechanism)> =
                due.iter().map(|&(_, stamp, via)| (stamp, via)).collect();
            let mut to: BTreeSet<NodeId> = self.swim.alive_members().collect();
            to.extend(due.iter().map(|&(origin, ..)| origin));
            to.remove(&self.me);
            Self::flush_swim(&mut self.swim, &mut self.outbox);
            for member in to {
                self.outbox
                    .push_back((member, Message::Learned(receipts.clone())));
            }
        }
        if !self.receipts_due.is_empty() {
            // One message per origin, in the order the versions arrived.
            let mut due = std::mem::take(&mut self.receipts_due);
            due.sort_by_key(|(origin, ..)| *origin);
            Self::flush_swim(&mut self.swim, &mut self.outbox);
            for group in due.chunk_by(|a, b| a.0 == b.0) {
                let receipts = group.iter().map(|&(_, stamp, via)| (stamp, via)).collect();
                self.outbox
                    .push_back((group[0].0, Message::Learned(receipts)));
            }
        }
    }
}

#[cfg(test)]
mod tests;
