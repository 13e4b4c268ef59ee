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

use std::collections::{BTreeSet, VecDeque};
use std::fmt;

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::Mechanism;
use crate::anti_entropy::{AntiEntropy, AntiEntropyConfig, AntiEntropyEvent};
use crate::direct_mail::{DirectMail, DirectMailConfig, DropReason, MailEvent};
use crate::error::{ConfigError, PutError};
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
    /// Any alive member, uniformly at random.
    Uniform,
    /// The successor in a ring over the alive members sorted by id.
    Hamiltonian,
}

/// Anti-entropy settings of a live node. Absent fields take their defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AntiEntropySchedule {
    /// How each exchange runs (direction, comparison, message size).
    pub config: AntiEntropyConfig,
    /// Time between exchanges this node starts.
    pub period: Time,
    /// Whom each exchange is with.
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
    /// How rumors spread and when a node loses interest in one.
    pub config: MongerConfig,
    /// Time between the node's rumor mongering periods (each sends its hot rumors).
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
/// off. Live peers build one with [`NodeConfig::live`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NodeConfig {
    /// Membership and failure detection (always on: the other mechanisms pick peers from it).
    pub swim: SwimConfig,
    /// Periodic reconciliation with one peer at a time; `None`: off.
    pub anti_entropy: Option<AntiEntropySchedule>,
    /// Rumor mongering of every new version; `None`: off.
    pub rumor: Option<RumorSchedule>,
    /// Each write mailed to every alive member, with retries; `None`: off.
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

/// Whom a live peer tells that a version reached it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Receipts {
    /// Nobody.
    Off,
    /// The write's origin, which sees when each peer learned its write
    /// ([`NodeEvent::Confirmed`]): [`NodeConfig::receipts`].
    ToOrigin,
    /// The origin and every alive member, so every peer sees who has each version
    /// ([`NodeEvent::Receipt`]): [`NodeConfig::receipts_to_all`]. For small rooms.
    ToAll,
}

/// What the user of a live peer chooses; [`NodeConfig::live`] makes the [`NodeConfig`] from it,
/// everything else at its default. Times are milliseconds.
///
/// The defaults are `gossip-node peer`'s: SWIM and anti-entropy every second, rumor mongering
/// every 200 ms, no direct mail, SWIM without Lifeguard, receipts to the writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LivePeerOptions {
    /// SWIM's protocol period; the ping timeout is 30% of it.
    pub protocol_period: Time,
    /// Time between the anti-entropy exchanges this peer starts; `None`: no anti-entropy.
    pub anti_entropy_period: Option<Time>,
    /// Time between rumor mongering periods; `None`: no rumor mongering.
    pub rumor_period: Option<Time>,
    /// Mail every write to every alive member (with [`DirectMailConfig`]'s defaults).
    pub direct_mail: bool,
    /// Run SWIM with the Lifeguard extensions. Every peer of a cluster should agree.
    pub lifeguard: bool,
    /// Whom this peer tells that a version reached it.
    pub receipts: Receipts,
}

impl Default for LivePeerOptions {
    fn default() -> Self {
        LivePeerOptions {
            protocol_period: 1_000,
            anti_entropy_period: Some(1_000),
            rumor_period: Some(200),
            direct_mail: false,
            lifeguard: false,
            receipts: Receipts::ToOrigin,
        }
    }
}

impl LivePeerOptions {
    /// The defaults with the periods given as command-line flags and JavaScript hosts take them:
    /// milliseconds, 0 turning anti-entropy or rumor mongering off.
    pub fn from_periods(protocol_period: Time, anti_entropy: Time, rumor: Time) -> Self {
        LivePeerOptions {
            protocol_period,
            anti_entropy_period: (anti_entropy > 0).then_some(anti_entropy),
            rumor_period: (rumor > 0).then_some(rumor),
            ..LivePeerOptions::default()
        }
    }
}

impl NodeConfig {
    /// The configuration of a live peer: the options' periods and mechanisms, every other
    /// setting at its default. Not checked here: [`Node::new`] (or [`NodeConfig::validate`])
    /// refuses a period of 0, or a protocol period below 4 ms (its ping timeout would be 0).
    ///
    /// ```
    /// use gossip_core::{LivePeerOptions, Node, NodeConfig, Receipts};
    ///
    /// // A browser tab: SWIM every 500 ms, rumors only, receipts to the whole room.
    /// let config = NodeConfig::live(LivePeerOptions {
    ///     protocol_period: 500,
    ///     anti_entropy_period: None,
    ///     rumor_period: Some(100),
    ///     receipts: Receipts::ToAll,
    ///     ..LivePeerOptions::default()
    /// });
    /// assert_eq!(config.swim.ping_timeout, 150);
    /// assert!(config.anti_entropy.is_none() && config.direct_mail.is_none());
    /// assert!(config.receipts && config.receipts_to_all);
    /// let node = Node::new(7, config)?;
    /// assert_eq!(node.config().rumor.map(|schedule| schedule.period), Some(100));
    /// # Ok::<(), gossip_core::ConfigError>(())
    /// ```
    pub fn live(options: LivePeerOptions) -> NodeConfig {
        let LivePeerOptions {
            protocol_period,
            anti_entropy_period,
            rumor_period,
            direct_mail,
            lifeguard,
            receipts,
        } = options;
        let defaults = NodeConfig::default();
        NodeConfig {
            swim: SwimConfig {
                protocol_period,
                ping_timeout: protocol_period.saturating_mul(3) / 10,
                lifeguard,
                ..defaults.swim
            },
            anti_entropy: anti_entropy_period.map(|period| AntiEntropySchedule {
                period,
                ..AntiEntropySchedule::default()
            }),
            rumor: rumor_period.map(|period| RumorSchedule {
                period,
                ..RumorSchedule::default()
            }),
            direct_mail: direct_mail.then(DirectMailConfig::default),
            receipts: receipts != Receipts::Off,
            receipts_to_all: receipts == Receipts::ToAll,
            ..defaults
        }
    }

    /// Checks every mechanism's settings; the error names the first value out of its range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.swim.validate()?;
        if let Some(schedule) = &self.anti_entropy {
            schedule.config.validate()?;
            if schedule.period == 0 {
                return Err(ConfigError::new("anti_entropy.period", "must be positive"));
            }
        }
        if let Some(schedule) = &self.rumor {
            schedule.config.validate()?;
            if schedule.period == 0 {
                return Err(ConfigError::new("rumor.period", "must be positive"));
            }
        }
        if let Some(config) = &self.direct_mail {
            config.validate()?;
        }
        Ok(())
    }
}

/// What a node reports to its view. Each event prints as the one line live peers show for it
/// (`Display`):
///
/// | event | line |
/// | --- | --- |
/// | [`MemberEvent::Joined`] | `member 3 joined` |
/// | [`MemberEvent::Suspected`] | `member 3 suspected` |
/// | [`MemberEvent::Refuted`] | `member 3 is alive (incarnation 2)` |
/// | [`MemberEvent::Failed`] | `member 3 failed` |
/// | [`MemberEvent::Left`] | `member 3 left` |
/// | [`NodeEvent::Updated`] | `updated colour = blue (origin 3, version 7, via Rumor)` |
/// | [`NodeEvent::MailDropped`] | `direct mail of version 7 to 4 given up (QueueFull)` |
/// | [`NodeEvent::Confirmed`] | `peer 4 has colour version 7 (via Rumor), 35 ms after the write` |
/// | [`NodeEvent::Receipt`] | `peer 4 has peer 3's version 7 (via AntiEntropy)` |
///
/// Mechanisms and drop reasons are named as in Rust (`AntiEntropy`, `DirectMail`); a value is
/// shown as UTF-8, with any invalid byte as `�`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeEvent {
    /// A member joined, was suspected, refuted a suspicion, failed or left.
    Member(MemberEvent),
    /// A newer value of `key` is now stored.
    Updated {
        /// The key written.
        key: String,
        /// The value now stored.
        value: Vec<u8>,
        /// The version: its origin (the writer) and number.
        stamp: Stamp,
        /// What brought it ([`Mechanism::Local`]: a write at this node).
        via: Mechanism,
        /// When it arrived.
        at: Time,
    },
    /// Direct mail gave up on a write to `to`; anti-entropy is what repairs it.
    MailDropped {
        /// The member the mail was for.
        to: NodeId,
        /// The version mailed.
        stamp: Stamp,
        /// Why it was given up.
        reason: DropReason,
    },
    /// Peer `by` reports that it has this node's write `stamp` of `key`, brought by `via`;
    /// the receipt arrived `after` milliseconds after the write (the learning time plus one
    /// trip back).
    Confirmed {
        /// The peer that has the version.
        by: NodeId,
        /// The key written.
        key: String,
        /// The version, written here.
        stamp: Stamp,
        /// What brought it to `by`.
        via: Mechanism,
        /// Time from the write to the receipt's arrival here.
        after: Time,
    },
    /// Peer `by` reports that it has version `stamp` of another peer's write, brought by `via`
    /// (only with [`NodeConfig::receipts_to_all`]).
    Receipt {
        /// The peer that has the version.
        by: NodeId,
        /// The version, written elsewhere (`stamp.origin`).
        stamp: Stamp,
        /// What brought it to `by`.
        via: Mechanism,
    },
}

impl fmt::Display for NodeEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // MemberEvent's words live here until membership has a Display of its own.
            NodeEvent::Member(member) => match *member {
                MemberEvent::Joined { id, .. } => write!(f, "member {id} joined"),
                MemberEvent::Suspected { id, .. } => write!(f, "member {id} suspected"),
                MemberEvent::Refuted {
                    id, incarnation, ..
                } => write!(f, "member {id} is alive (incarnation {incarnation})"),
                MemberEvent::Failed { id, .. } => write!(f, "member {id} failed"),
                MemberEvent::Left { id, .. } => write!(f, "member {id} left"),
            },
            NodeEvent::Updated {
                key,
                value,
                stamp,
                via,
                ..
            } => write!(
                f,
                "updated {key} = {} (origin {}, version {}, via {via:?})",
                String::from_utf8_lossy(value),
                stamp.origin,
                stamp.version
            ),
            NodeEvent::MailDropped { to, stamp, reason } => write!(
                f,
                "direct mail of version {} to {to} given up ({reason:?})",
                stamp.version
            ),
            NodeEvent::Confirmed {
                by,
                key,
                stamp,
                via,
                after,
            } => write!(
                f,
                "peer {by} has {key} version {} (via {via:?}), {after} ms after the write",
                stamp.version
            ),
            NodeEvent::Receipt { by, stamp, via } => write!(
                f,
                "peer {by} has peer {}'s version {} (via {via:?})",
                stamp.origin, stamp.version
            ),
        }
    }
}

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

    /// The next message to send, and to whom; `None` when there is none.
    pub fn poll_transmit(&mut self) -> Option<(NodeId, Message)> {
        self.outbox.pop_front()
    }

    /// The next message to send, encoded for the network.
    pub fn poll_transmit_bytes(&mut self) -> Option<(NodeId, Vec<u8>)> {
        self.poll_transmit()
            .map(|(to, message)| (to, wire::encode(&message)))
    }

    /// The next thing to report; `None` when there is none.
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
                assert_eq!(
                    state,
                    Some(crate::membership::MemberState::Dead),
                    "node {i}"
                );
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
        let error = Node::new(0, config).err().unwrap();
        assert_eq!(error.field, "rumor.period");
        assert_eq!(error.to_string(), "rumor.period must be positive");
    }

    /// The mappings the three live drivers wrote by hand before [`NodeConfig::live`]: the
    /// native peer's and the Node.js peer's (periods, 0 for off) and a browser tab's.
    fn native_config_before(
        swim: Time,
        anti_entropy: Time,
        rumor: Time,
        lifeguard: bool,
    ) -> NodeConfig {
        let mut config = NodeConfig::default();
        config.swim.protocol_period = swim;
        config.swim.ping_timeout = swim * 3 / 10;
        config.swim.lifeguard = lifeguard;
        config.receipts = true;
        config.anti_entropy =
            config
                .anti_entropy
                .filter(|_| anti_entropy > 0)
                .map(|mut schedule| {
                    schedule.period = anti_entropy;
                    schedule
                });
        config.rumor = config.rumor.filter(|_| rumor > 0).map(|mut schedule| {
            schedule.period = rumor;
            schedule
        });
        config
    }

    fn tab_config_before(
        period: Time,
        ae: bool,
        rumor: bool,
        mail: bool,
        lifeguard: bool,
    ) -> NodeConfig {
        let mut config = NodeConfig::default();
        config.swim.protocol_period = period;
        config.swim.ping_timeout = period * 3 / 10;
        config.swim.lifeguard = lifeguard;
        config.receipts = true;
        config.receipts_to_all = true;
        config.anti_entropy = config.anti_entropy.filter(|_| ae);
        if let Some(schedule) = config.anti_entropy.as_mut() {
            schedule.period = period;
        }
        config.rumor = config.rumor.filter(|_| rumor);
        if let Some(schedule) = config.rumor.as_mut() {
            schedule.period = (period / 5).max(20);
        }
        if mail {
            config.direct_mail = Some(Default::default());
        }
        config
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn live_configs_are_the_ones_each_driver_built_by_hand() {
        for (swim, anti_entropy, rumor) in
            [(1_000, 1_000, 200), (200, 200, 40), (500, 0, 0), (7, 3, 0)]
        {
            for lifeguard in [false, true] {
                let options = LivePeerOptions {
                    lifeguard,
                    ..LivePeerOptions::from_periods(swim, anti_entropy, rumor)
                };
                assert_eq!(
                    NodeConfig::live(options),
                    native_config_before(swim, anti_entropy, rumor, lifeguard),
                    "{options:?}"
                );
            }
        }
        assert_eq!(
            NodeConfig::live(LivePeerOptions::default()),
            native_config_before(1_000, 1_000, 200, false)
        );
        for period in [100, 1_000, 10_000] {
            for mask in 0..16 {
                let [ae, rumor, mail, lifeguard] = [1, 2, 4, 8].map(|bit| mask & bit != 0);
                let options = LivePeerOptions {
                    protocol_period: period,
                    anti_entropy_period: ae.then_some(period),
                    rumor_period: rumor.then_some((period / 5).max(20)),
                    direct_mail: mail,
                    lifeguard,
                    receipts: Receipts::ToAll,
                };
                assert_eq!(
                    NodeConfig::live(options),
                    tab_config_before(period, ae, rumor, mail, lifeguard),
                    "{options:?}"
                );
            }
        }
        let quiet = NodeConfig::live(LivePeerOptions {
            receipts: Receipts::Off,
            ..LivePeerOptions::default()
        });
        assert!(!quiet.receipts && !quiet.receipts_to_all);
        // Too short a period is refused where every config is: by validate.
        assert_eq!(
            NodeConfig::live(LivePeerOptions::from_periods(3, 0, 0))
                .validate()
                .unwrap_err()
                .field,
            "swim.ping_timeout"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn every_event_prints_as_one_line() {
        let stamp = Stamp {
            version: 7,
            origin: 3,
        };
        let lines = [
            (
                NodeEvent::Member(MemberEvent::Joined {
                    id: 3,
                    incarnation: 0,
                    at: 5,
                }),
                "member 3 joined",
            ),
            (
                NodeEvent::Member(MemberEvent::Suspected {
                    id: 3,
                    incarnation: 1,
                    at: 5,
                }),
                "member 3 suspected",
            ),
            (
                NodeEvent::Member(MemberEvent::Refuted {
                    id: 3,
                    incarnation: 2,
                    at: 5,
                }),
                "member 3 is alive (incarnation 2)",
            ),
            (
                NodeEvent::Member(MemberEvent::Failed {
                    id: 3,
                    incarnation: 2,
                    at: 5,
                }),
                "member 3 failed",
            ),
            (
                NodeEvent::Member(MemberEvent::Left {
                    id: 3,
                    incarnation: 2,
                    at: 5,
                }),
                "member 3 left",
            ),
            (
                NodeEvent::Updated {
                    key: "colour".into(),
                    value: b"round and red".to_vec(),
                    stamp,
                    via: Mechanism::AntiEntropy,
                    at: 9,
                },
                "updated colour = round and red (origin 3, version 7, via AntiEntropy)",
            ),
            (
                NodeEvent::Updated {
                    key: "k".into(),
                    value: vec![b'a', 0xff],
                    stamp,
                    via: Mechanism::Local,
                    at: 9,
                },
                "updated k = a\u{fffd} (origin 3, version 7, via Local)",
            ),
            (
                NodeEvent::MailDropped {
                    to: 4,
                    stamp,
                    reason: DropReason::QueueFull,
                },
                "direct mail of version 7 to 4 given up (QueueFull)",
            ),
            (
                NodeEvent::Confirmed {
                    by: 4,
                    key: "colour".into(),
                    stamp,
                    via: Mechanism::Rumor,
                    after: 35,
                },
                "peer 4 has colour version 7 (via Rumor), 35 ms after the write",
            ),
            (
                NodeEvent::Receipt {
                    by: 4,
                    stamp,
                    via: Mechanism::DirectMail,
                },
                "peer 4 has peer 3's version 7 (via DirectMail)",
            ),
        ];
        for (event, line) in lines {
            assert_eq!(event.to_string(), line);
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn an_update_carries_the_value_it_brought() {
        let mut network = Network::new(3, only(false, true, false), 0.0, 3);
        network.put(0, "k", b"one");
        network.run_until(2_000);
        network.put(1, "k", b"two");
        network.run_until(4_000);
        let values: Vec<(NodeId, &[u8], Mechanism)> = network
            .events
            .iter()
            .filter_map(|(at, event)| match event {
                NodeEvent::Updated { value, via, .. } => Some((*at, &value[..], *via)),
                _ => None,
            })
            .collect();
        assert_eq!(values.len(), 6, "{values:?}");
        assert_eq!(values.iter().filter(|(_, v, _)| *v == b"one").count(), 3);
        assert!(values.contains(&(1, b"two", Mechanism::Local)));
        assert!(values.contains(&(2, b"two", Mechanism::Rumor)));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn refusals_name_the_field_as_the_checks_wrote_it() {
        let defaults = NodeConfig::default();
        let swim = |change: fn(&mut SwimConfig)| {
            let mut config = defaults;
            change(&mut config.swim);
            config
        };
        let monger = |change: fn(&mut MongerConfig)| {
            let mut config = defaults;
            change(&mut config.rumor.as_mut().unwrap().config);
            config
        };
        let anti_entropy = |change: fn(&mut AntiEntropyConfig)| {
            let mut config = defaults;
            change(&mut config.anti_entropy.as_mut().unwrap().config);
            config
        };
        let mail = |change: fn(&mut DirectMailConfig)| {
            let mut mail = DirectMailConfig::default();
            change(&mut mail);
            NodeConfig {
                direct_mail: Some(mail),
                ..defaults
            }
        };
        let bad = [
            swim(|c| c.protocol_period = 0),
            swim(|c| c.ping_timeout = c.protocol_period),
            swim(|c| c.suspicion_mult = 0),
            swim(|c| c.max_piggyback = 0),
            swim(|c| c.retransmit_mult = 0),
            swim(|c| c.sync_chunk = 0),
            swim(|c| c.max_health = 0),
            swim(|c| c.suspicion_max_mult = 0),
            anti_entropy(|c| c.mtu_bytes = 0),
            anti_entropy(|c| c.segments = 3),
            monger(|c| c.rumor.loss = crate::rumor::LossOfInterest::Counter(0)),
            monger(|c| c.rumor.fanout = 0),
            monger(|c| c.rumor.connection_limit = Some(0)),
            monger(|c| c.max_rumors_per_message = 0),
            mail(|c| c.ack_timeout = 0),
            mail(|c| c.queue_capacity = 0),
            mail(|c| c.max_attempts = 0),
        ];
        let mut fields = Vec::new();
        for config in bad {
            let error = Node::new(0, config).err().unwrap();
            let text = error.to_string();
            assert!(text.starts_with(&format!("{} ", error.field)), "{text}");
            assert!(!text[error.field.len()..].contains(error.field), "{text}");
            fields.push(error.field);
        }
        assert_eq!(
            fields,
            [
                "swim.protocol_period",
                "swim.ping_timeout",
                "swim.suspicion_mult",
                "swim.max_piggyback",
                "swim.retransmit_mult",
                "swim.sync_chunk",
                "swim.max_health",
                "swim.suspicion_max_mult",
                "anti_entropy.mtu_bytes",
                "anti_entropy.segments",
                "rumor.loss.k",
                "rumor.fanout",
                "rumor.connection_limit",
                "rumor.max_rumors_per_message",
                "direct_mail.ack_timeout",
                "direct_mail.queue_capacity",
                "direct_mail.max_attempts",
            ]
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_write_too_large_to_carry_is_refused_and_stores_nothing() {
        let mut node = Node::new(0, NodeConfig::default()).unwrap();
        let max = node.anti_entropy().max_entry_bytes();
        let error = node.put(0, "k", &vec![b'x'; max]).unwrap_err();
        let PutError::TooLarge {
            size,
            mtu_bytes,
            max: at_most,
        } = error.clone();
        assert_eq!((mtu_bytes, at_most), (1_400, max));
        assert!(size > max);
        assert_eq!(
            error.to_string(),
            format!(
                "an entry of {size} bytes does not fit anti_entropy.mtu_bytes = 1400 (at most {max})"
            )
        );
        assert!(node.store().get("k").is_none());
        assert!(node.poll_event().is_none() && node.poll_transmit().is_none());
    }
}
