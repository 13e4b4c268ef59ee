//! A live gossip node: SWIM membership, the versioned store with anti-entropy, rumor mongering
//! and direct mail composed into one sans-IO state machine. The same type runs in a browser tab,
//! in a native peer and in the simulators; its drivers only move bytes and time.
//!
//! - Inputs: [`Node::handle`] (or [`Node::handle_bytes`] for untrusted bytes), [`Node::tick`] at
//!   or after [`Node::poll_timeout`], and [`Node::put`] for a local write.
//! - Outputs: [`Node::poll_transmit`] (messages to send) and [`Node::poll_event`] (what the view
//!   shows: membership changes, and every value that arrives, with the mechanism that brought it).
//!
//! A write is stored locally, then spread by every enabled mechanism: direct mail to every alive
//! member, a new rumor, and the next anti-entropy exchanges. Peers are chosen from the SWIM
//! membership list (alive members only).

use std::collections::{BTreeSet, VecDeque};

use rand::Rng;
use serde::{Deserialize, Serialize};

pub use crate::Mechanism;
use crate::anti_entropy::{AntiEntropy, AntiEntropyConfig, AntiEntropyEvent};
use crate::direct_mail::{DirectMail, DirectMailConfig, DropReason, MailEvent};
use crate::membership::{MemberEvent, Swim, SwimConfig};
use crate::peer_selection::{HamiltonianCycle, PeerSelector, UniformList};
use crate::rumor::monger::{MongerConfig, MongerEvent, RumorMonger};
use crate::store::{Stamp, Store, VersionedEntry};
use crate::wire::{self, Message, WireError};
use crate::{NodeId, Time};

/// How anti-entropy picks the peer of each exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeerChoice {
    Uniform,
    /// The successor in a ring over the alive members sorted by id.
    Hamiltonian,
}

/// Anti-entropy settings of a live node. Absent fields take their defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AntiEntropySchedule {
    pub config: AntiEntropyConfig,
    /// Time between exchanges this node starts.
    pub period: Time,
    pub peer_choice: PeerChoice,
}

impl Default for AntiEntropySchedule {
    /// Push-pull scuttlebutt every second with a uniformly chosen peer.
    fn default() -> Self {
        AntiEntropySchedule {
            config: AntiEntropyConfig::default(),
            period: 1_000,
            peer_choice: PeerChoice::Uniform,
        }
    }
}

/// Rumor mongering settings of a live node. Absent fields take their defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RumorSchedule {
    pub config: MongerConfig,
    pub period: Time,
}

impl Default for RumorSchedule {
    /// Every 200 ms.
    fn default() -> Self {
        RumorSchedule {
            config: MongerConfig::default(),
            period: 200,
        }
    }
}

/// Which mechanisms run, and how. Absent fields take their defaults; `null` turns a mechanism
/// off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NodeConfig {
    pub swim: SwimConfig,
    pub anti_entropy: Option<AntiEntropySchedule>,
    pub rumor: Option<RumorSchedule>,
    pub direct_mail: Option<DirectMailConfig>,
    /// Largest message accepted by [`Node::handle_bytes`].
    pub max_message_bytes: usize,
    /// Send a receipt to a write's origin when one of its versions arrives here, so the origin
    /// sees when each peer learned it ([`NodeEvent::Confirmed`]). Off in simulations: it adds
    /// a message per learner and write.
    pub receipts: bool,
    /// With `receipts`, send each receipt to every alive member as well, and report the
    /// receipts about other peers' writes that arrive here ([`NodeEvent::Receipt`]): every peer
    /// then sees when each peer learned each version. For small rooms (the playground's tabs):
    /// it costs a message per learner, write and member.
    pub receipts_to_all: bool,
}

impl Default for NodeConfig {
    /// SWIM, push-pull anti-entropy every second and rumor mongering every 200 ms (milliseconds).
    fn default() -> Self {
        NodeConfig {
            swim: SwimConfig::default(),
            anti_entropy: Some(AntiEntropySchedule::default()),
            rumor: Some(RumorSchedule::default()),
            direct_mail: None,
            max_message_bytes: wire::DEFAULT_MAX_MESSAGE,
            receipts: false,
            receipts_to_all: false,
        }
    }
}

impl NodeConfig {
    pub fn validate(&self) -> Result<(), String> {
        self.swim.validate()?;
        if let Some(schedule) = &self.anti_entropy {
            schedule.config.validate()?;
            if schedule.period == 0 {
                return Err("anti_entropy.period must be positive".into());
            }
        }
        if let Some(schedule) = &self.rumor {
            schedule.config.validate()?;
            if schedule.period == 0 {
                return Err("rumor.period must be positive".into());
            }
        }
        if let Some(config) = &self.direct_mail {
            config.validate()?;
        }
        Ok(())
    }
}

/// What a node reports to its view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeEvent {
    Member(MemberEvent),
    /// A newer value of `key` is now stored.
    Updated {
        key: String,
        stamp: Stamp,
        via: Mechanism,
        at: Time,
    },
    /// Direct mail gave up on a write to `to`; anti-entropy is what repairs it.
    MailDropped {
        to: NodeId,
        stamp: Stamp,
        reason: DropReason,
    },
    /// Peer `by` reports that it has this node's write `stamp` of `key`, brought by `via`;
    /// the receipt arrived `after` milliseconds after the write (the learning time plus one
    /// trip back).
    Confirmed {
        by: NodeId,
        key: String,
        stamp: Stamp,
        via: Mechanism,
        after: Time,
    },
    /// Peer `by` reports that it has version `stamp` of another peer's write, brought by `via`
    /// (only with [`NodeConfig::receipts_to_all`]).
    Receipt {
        by: NodeId,
        stamp: Stamp,
        via: Mechanism,
    },
}

impl NodeEvent {
    /// The event in one line, as live peers print it (`value`: the key's value, for an update).
    pub fn line(&self, value: Option<&str>) -> String {
        match self {
            NodeEvent::Member(member) => match *member {
                MemberEvent::Joined { id, .. } => format!("member {id} joined"),
                MemberEvent::Suspected { id, .. } => format!("member {id} suspected"),
                MemberEvent::Refuted {
                    id, incarnation, ..
                } => format!("member {id} is alive (incarnation {incarnation})"),
                MemberEvent::Failed { id, .. } => format!("member {id} failed"),
                MemberEvent::Left { id, .. } => format!("member {id} left"),
            },
            NodeEvent::Updated {
                key, stamp, via, ..
            } => format!(
                "updated {key} = {} (origin {}, version {}, via {via:?})",
                value.unwrap_or_default(),
                stamp.origin,
                stamp.version
            ),
            NodeEvent::MailDropped { to, stamp, reason } => format!(
                "direct mail of version {} to {to} given up ({reason:?})",
                stamp.version
            ),
            NodeEvent::Confirmed {
                by,
                key,
                stamp,
                via,
                after,
            } => format!(
                "peer {by} has {key} version {} (via {via:?}), {after} ms after the write",
                stamp.version
            ),
            NodeEvent::Receipt { by, stamp, via } => format!(
                "peer {by} has peer {}'s version {} (via {via:?})",
                stamp.origin, stamp.version
            ),
        }
    }
}

/// One live node.
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
    outbox: VecDeque<(NodeId, Message)>,
    events: VecDeque<NodeEvent>,
    /// This node's latest writes (stamp, key, when), to time the receipts that come back.
    recent_writes: VecDeque<(Stamp, String, Time)>,
    /// Receipts to send at the end of this step, grouped by origin then.
    receipts_due: Vec<(NodeId, Stamp, Mechanism)>,
}

/// How many of its own writes a node remembers to time receipts.
const RECENT_WRITES: usize = 256;

impl Node {
    pub fn new(me: NodeId, config: NodeConfig) -> Result<Self, String> {
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
            outbox: VecDeque::new(),
            events: VecDeque::new(),
            recent_writes: VecDeque::new(),
            receipts_due: Vec::new(),
        })
    }

    pub fn me(&self) -> NodeId {
        self.me
    }

    pub fn config(&self) -> &NodeConfig {
        &self.config
    }

    pub fn store(&self) -> &Store {
        self.anti_entropy.store()
    }

    pub fn membership(&self) -> &Swim {
        &self.swim
    }

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

    pub fn leave(&mut self, now: Time) {
        self.swim.leave(now);
        self.collect(now);
    }

    /// Writes `key` here and starts spreading it.
    pub fn put(&mut self, now: Time, key: &str, value: &[u8]) -> Result<Stamp, String> {
        let stamp = self.anti_entropy.put(key, value)?;
        let entry = VersionedEntry {
            key: key.to_string(),
            value: value.to_vec(),
            stamp,
        };
        self.events.push_back(NodeEvent::Updated {
            key: key.to_string(),
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
            Message::AntiEntropy(message) => self.anti_entropy.handle(now, from, message),
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

    /// Bytes from `from`, untrusted: decoded with the size limit, then handled. A malformed
    /// message is refused with the reason and changes nothing.
    pub fn handle_bytes<R: Rng + ?Sized>(
        &mut self,
        now: Time,
        from: NodeId,
        bytes: &[u8],
        rng: &mut R,
    ) -> Result<(), WireError> {
        let message = wire::decode(bytes, self.config.max_message_bytes)?;
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
                let alive: Vec<NodeId> = self.swim.alive_members().collect();
                let peer = match schedule.peer_choice {
                    PeerChoice::Uniform => UniformList { peers: alive }.pick(self.me, None, rng),
                    PeerChoice::Hamiltonian => {
                        HamiltonianCycle::over_members(alive.into_iter().chain([self.me]))
                            .pick(self.me, None, rng)
                    }
                };
                if let Some(peer) = peer {
                    self.anti_entropy.start_exchange(peer);
                }
            }
        }
        if let (Some(schedule), Some(monger)) = (self.config.rumor, &mut self.monger) {
            let due = *self.next_rumor_period.get_or_insert(now + schedule.period);
            if now >= due {
                self.next_rumor_period = Some(now.max(due) + schedule.period);
                let mut members = UniformList {
                    peers: self.swim.alive_members().collect(),
                };
                monger.tick(&mut members, rng);
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

    pub fn poll_transmit(&mut self) -> Option<(NodeId, Message)> {
        self.outbox.pop_front()
    }

    /// The next message to send, encoded for the network.
    pub fn poll_transmit_bytes(&mut self) -> Option<(NodeId, Vec<u8>)> {
        self.poll_transmit()
            .map(|(to, message)| (to, wire::encode(&message)))
    }

    pub fn poll_event(&mut self) -> Option<NodeEvent> {
        self.events.pop_front()
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

    /// Reports a version that arrived from elsewhere, and owes its origin a receipt if asked to.
    fn learned(&mut self, key: String, stamp: Stamp, via: Mechanism, at: Time) {
        if self.config.receipts && stamp.origin != self.me {
            self.receipts_due.push((stamp.origin, stamp, via));
        }
        self.events.push_back(NodeEvent::Updated {
            key,
            stamp,
            via,
            at,
        });
    }

    /// Moves the mechanisms' outputs into the node's queues, storing what rumors and mail brought.
    fn collect(&mut self, now: Time) {
        while let Some((to, message)) = self.swim.poll_transmit() {
            self.outbox.push_back((to, Message::Swim(message)));
        }
        while let Some(event) = self.swim.poll_event() {
            self.events.push_back(NodeEvent::Member(event));
        }
        while let Some((to, message)) = self.anti_entropy.poll_transmit() {
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
        let mut arrived = Vec::new();
        if let Some(monger) = &mut self.monger {
            while let Some((to, message)) = monger.poll_transmit() {
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
            for member in to {
                self.outbox
                    .push_back((member, Message::Learned(receipts.clone())));
            }
        }
        if !self.receipts_due.is_empty() {
            // One message per origin, in the order the versions arrived.
            let mut due = std::mem::take(&mut self.receipts_due);
            due.sort_by_key(|(origin, ..)| *origin);
            for group in due.chunk_by(|a, b| a.0 == b.0) {
                let receipts = group.iter().map(|&(_, stamp, via)| (stamp, via)).collect();
                self.outbox
                    .push_back((group[0].0, Message::Learned(receipts)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::direct_mail::Overflow;
    use crate::{SimRng, seeded_rng};
    use rand::RngExt;
    use std::collections::BTreeMap;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Nodes on a network with a fixed latency and a loss rate; every message crosses it as
    /// bytes, through the wire format.
    struct Network {
        nodes: Vec<Node>,
        crashed: Vec<bool>,
        in_flight: BTreeMap<(Time, u64), (NodeId, NodeId, Vec<u8>)>,
        sequence: u64,
        now: Time,
        loss: f64,
        rng: SimRng,
        events: Vec<(NodeId, NodeEvent)>,
    }

    const LATENCY: Time = 10;

    impl Network {
        fn new(n: u32, config: NodeConfig, loss: f64, seed: u64) -> Self {
            let mut rng = seeded_rng(seed);
            let mut nodes: Vec<Node> = (0..n).map(|id| Node::new(id, config).unwrap()).collect();
            for node in &mut nodes {
                let me = node.me();
                node.bootstrap(0, (0..n).filter(|&id| id != me), &mut rng);
            }
            Network {
                nodes,
                crashed: vec![false; n as usize],
                in_flight: BTreeMap::new(),
                sequence: 0,
                now: 0,
                loss,
                rng,
                events: Vec::new(),
            }
        }

        fn flush(&mut self, from: usize) {
            while let Some((to, bytes)) = self.nodes[from].poll_transmit_bytes() {
                if self.rng.random_bool(self.loss) {
                    continue;
                }
                self.sequence += 1;
                self.in_flight.insert(
                    (self.now + LATENCY, self.sequence),
                    (from as NodeId, to, bytes),
                );
            }
            while let Some(event) = self.nodes[from].poll_event() {
                self.events.push((from as NodeId, event));
            }
        }

        /// Runs the network until `until`, delivering messages and ticking nodes on time.
        fn run_until(&mut self, until: Time) {
            while self.now < until {
                let next_delivery = self.in_flight.keys().next().map(|(at, _)| *at);
                let next_tick = (0..self.nodes.len())
                    .filter(|&i| !self.crashed[i])
                    .filter_map(|i| self.nodes[i].poll_timeout())
                    .min();
                let next = [next_delivery, next_tick, Some(until)]
                    .into_iter()
                    .flatten()
                    .min()
                    .unwrap();
                self.now = next.max(self.now);
                if next_delivery == Some(self.now) {
                    let (_, (from, to, bytes)) = self.in_flight.pop_first().unwrap();
                    if !self.crashed[to as usize] && !self.crashed[from as usize] {
                        self.nodes[to as usize]
                            .handle_bytes(self.now, from, &bytes, &mut self.rng)
                            .unwrap();
                        self.flush(to as usize);
                    }
                    continue;
                }
                for i in 0..self.nodes.len() {
                    if !self.crashed[i]
                        && self.nodes[i].poll_timeout().is_some_and(|t| t <= self.now)
                    {
                        self.nodes[i].tick(self.now, &mut self.rng);
                        self.flush(i);
                    }
                }
                if next == until {
                    break;
                }
            }
        }

        fn put(&mut self, at: usize, key: &str, value: &[u8]) {
            self.nodes[at].put(self.now, key, value).unwrap();
            self.flush(at);
        }

        fn holders(&self, key: &str, value: &[u8]) -> usize {
            self.nodes
                .iter()
                .filter(|node| node.store().value(key) == Some(value))
                .count()
        }
    }

    fn only(anti_entropy: bool, rumor: bool, direct_mail: bool) -> NodeConfig {
        let defaults = NodeConfig::default();
        NodeConfig {
            anti_entropy: defaults.anti_entropy.filter(|_| anti_entropy),
            rumor: defaults.rumor.filter(|_| rumor),
            direct_mail: direct_mail.then(DirectMailConfig::default),
            ..defaults
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn receipts_tell_the_writer_when_each_peer_learned_its_write() {
        let config = NodeConfig {
            receipts: true,
            ..only(false, true, false)
        };
        let mut network = Network::new(10, config, 0.0, 5);
        network.run_until(100);
        network.put(2, "colour", b"red");
        let stamp = network.nodes[2].store().entries().next().unwrap().1.stamp;
        network.run_until(5_000);
        assert_eq!(network.holders("colour", b"red"), 10);
        let mut confirmed: Vec<(NodeId, Time)> = network
            .events
            .iter()
            .filter_map(|(at, event)| match event {
                NodeEvent::Confirmed {
                    by,
                    key,
                    stamp: s,
                    via,
                    after,
                } => {
                    assert_eq!(
                        (*at, key.as_str(), *s, *via),
                        (2, "colour", stamp, Mechanism::Rumor)
                    );
                    Some((*by, *after))
                }
                _ => None,
            })
            .collect();
        confirmed.sort();
        // Every other node confirmed once; each receipt took at least a hop there and one back.
        let by: Vec<NodeId> = confirmed.iter().map(|(by, _)| *by).collect();
        assert_eq!(by, vec![0, 1, 3, 4, 5, 6, 7, 8, 9]);
        assert!(confirmed.iter().all(|(_, after)| *after >= 2 * LATENCY));
        // Receipts about someone else's write, or a write never made, are ignored.
        let before = network.events.len();
        for stamp in [
            Stamp {
                version: stamp.version,
                origin: 4,
            },
            Stamp {
                version: 99,
                origin: 2,
            },
        ] {
            network.nodes[2].handle(
                network.now,
                7,
                Message::Learned(vec![(stamp, Mechanism::Rumor)]),
                &mut seeded_rng(1),
            );
        }
        network.flush(2);
        assert_eq!(network.events.len(), before);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn receipts_to_all_tell_every_peer_when_each_peer_learned_a_write() {
        let config = NodeConfig {
            receipts: true,
            receipts_to_all: true,
            ..only(false, true, false)
        };
        let mut network = Network::new(6, config, 0.0, 5);
        network.run_until(100);
        network.put(2, "colour", b"red");
        let stamp = network.nodes[2].store().entries().next().unwrap().1.stamp;
        network.run_until(5_000);
        assert_eq!(network.holders("colour", b"red"), 6);
        // Node 4 hears from each of the four others that learned the write (not from the
        // writer, which learned nothing, nor from itself); the writer still gets its receipts.
        let mut heard: Vec<NodeId> = network
            .events
            .iter()
            .filter_map(|(at, event)| match event {
                NodeEvent::Receipt { by, stamp: s, via } if *at == 4 => {
                    assert_eq!((*s, *via), (stamp, Mechanism::Rumor));
                    Some(*by)
                }
                _ => None,
            })
            .collect();
        heard.sort();
        assert_eq!(heard, vec![0, 1, 3, 5]);
        let confirmed = network
            .events
            .iter()
            .filter(|(at, event)| *at == 2 && matches!(event, NodeEvent::Confirmed { .. }))
            .count();
        assert_eq!(confirmed, 5);
        // Without the option a node keeps to its own writes' receipts.
        let mut origin_only = Network::new(
            6,
            NodeConfig {
                receipts_to_all: false,
                ..config
            },
            0.0,
            5,
        );
        origin_only.run_until(100);
        origin_only.put(2, "colour", b"red");
        origin_only.run_until(5_000);
        assert!(
            !origin_only
                .events
                .iter()
                .any(|(_, event)| matches!(event, NodeEvent::Receipt { .. }))
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn without_receipts_configured_no_receipt_is_sent() {
        let mut network = Network::new(5, only(false, true, false), 0.0, 5);
        network.run_until(100);
        network.put(0, "k", b"v");
        network.run_until(3_000);
        assert_eq!(network.holders("k", b"v"), 5);
        assert!(
            !network
                .events
                .iter()
                .any(|(_, event)| matches!(event, NodeEvent::Confirmed { .. }))
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_write_reaches_every_node_by_each_mechanism_alone() {
        for (name, config, deadline) in [
            // Push-pull anti-entropy every second: log n rounds for 20 nodes, about 5 s.
            ("anti-entropy", only(true, false, false), 15_000),
            ("rumor mongering", only(false, true, false), 5_000),
            ("direct mail", only(false, false, true), 1_000),
        ] {
            let mut network = Network::new(20, config, 0.0, 1);
            network.run_until(100);
            network.put(3, "colour", b"blue");
            network.run_until(deadline);
            assert_eq!(network.holders("colour", b"blue"), 20, "{name}");
            let via: Vec<Mechanism> = network
                .events
                .iter()
                .filter_map(|(_, event)| match event {
                    NodeEvent::Updated { via, .. } => Some(*via),
                    _ => None,
                })
                .collect();
            assert_eq!(
                via.iter().filter(|v| **v == Mechanism::Local).count(),
                1,
                "{name}"
            );
            assert_eq!(
                via.len(),
                20,
                "{name}: every node reports the value exactly once"
            );
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn anti_entropy_repairs_what_direct_mail_loses() {
        // Direct mail with one attempt over a 30% lossy network loses writes at some nodes, and
        // says so; anti-entropy then brings every node up to date.
        let lossy_mail = DirectMailConfig {
            max_attempts: 1,
            queue_capacity: 4,
            overflow: Overflow::DropOldest,
            ..DirectMailConfig::default()
        };
        let mail_only = NodeConfig {
            direct_mail: Some(lossy_mail),
            ..only(false, false, false)
        };
        let mut network = Network::new(12, mail_only, 0.3, 5);
        network.run_until(100);
        for i in 0..6 {
            network.put(0, &format!("k{i}"), b"v");
        }
        network.run_until(3_000);
        let missing: usize = (0..6)
            .map(|i| 12 - network.holders(&format!("k{i}"), b"v"))
            .sum();
        assert!(
            missing > 0,
            "30% loss should cost direct mail some deliveries"
        );
        assert!(
            network
                .events
                .iter()
                .any(|(_, e)| matches!(e, NodeEvent::MailDropped { .. }))
        );

        let repaired = NodeConfig {
            direct_mail: Some(lossy_mail),
            ..only(true, false, false)
        };
        let mut network = Network::new(12, repaired, 0.3, 5);
        network.run_until(100);
        for i in 0..6 {
            network.put(0, &format!("k{i}"), b"v");
        }
        network.run_until(30_000);
        for i in 0..6 {
            assert_eq!(
                network.holders(&format!("k{i}"), b"v"),
                12,
                "k{i} after anti-entropy"
            );
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_crashed_node_is_detected_by_every_other_node() {
        let mut network = Network::new(8, NodeConfig::default(), 0.0, 9);
        network.run_until(2_000);
        network.crashed[5] = true;
        network.run_until(40_000);
        for (i, node) in network.nodes.iter().enumerate() {
            if i != 5 {
                let state = node.membership().member(5).map(|m| m.state);
                assert_eq!(state, Some(crate::membership::State::Dead), "node {i}");
            }
        }
        assert!(!network.events.iter().any(
            |(_, e)| matches!(e, NodeEvent::Member(MemberEvent::Failed { id, .. }) if *id != 5)
        ));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn garbage_bytes_are_refused_and_change_nothing() {
        let mut rng = seeded_rng(1);
        let mut node = Node::new(0, NodeConfig::default()).unwrap();
        node.put(0, "k", b"v").unwrap();
        let checksum = node.store().checksum();
        assert!(
            node.handle_bytes(1, 7, &[0xff, 0x00, 0x13], &mut rng)
                .is_err()
        );
        let too_big = vec![0u8; node.config().max_message_bytes + 1];
        assert!(matches!(
            node.handle_bytes(1, 7, &too_big, &mut rng),
            Err(WireError::TooLarge { .. })
        ));
        assert_eq!(node.store().checksum(), checksum);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn every_message_kind_survives_the_wire() {
        // Every message in these runs crosses the network as bytes and is decoded by
        // handle_bytes (which the harness unwraps); here we check all five kinds were among them.
        let config = NodeConfig {
            direct_mail: Some(DirectMailConfig::default()),
            receipts: true,
            ..NodeConfig::default()
        };
        let mut network = Network::new(4, config, 0.0, 2);
        network.put(1, "k", b"v");
        let mut kinds = std::collections::HashSet::new();
        for step in 1..=300 {
            for (_, _, bytes) in network.in_flight.values() {
                let message: Message = wire::decode(bytes, wire::DEFAULT_MAX_MESSAGE).unwrap();
                assert_eq!(wire::encode(&message), *bytes);
                kinds.insert(std::mem::discriminant(&message));
            }
            network.run_until(step * 10);
        }
        assert_eq!(
            kinds.len(),
            5,
            "swim, anti-entropy, rumor, mail and receipt messages"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn invalid_configs_are_refused() {
        let config = NodeConfig {
            rumor: Some(RumorSchedule {
                config: MongerConfig::default(),
                period: 0,
            }),
            ..NodeConfig::default()
        };
        assert!(Node::new(0, config).err().unwrap().contains("rumor.period"));
    }
}
