//! A live node's configuration: which mechanisms run and how often, how peers are chosen, and
//! [`NodeConfig::live`](crate::NodeConfig::live), the one mapping from a live peer's few settings to all of it.

use crate::Time;
use crate::anti_entropy::AntiEntropyConfig;
use crate::direct_mail::DirectMailConfig;
use crate::error::ConfigError;
use crate::membership::SwimConfig;
use crate::rumor::monger::MongerConfig;
use crate::wire::{self};
use serde::{Deserialize, Serialize};

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
/// off. Live peers build one with [`NodeConfig::live`](crate::NodeConfig::live).
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
    /// Largest message accepted by [`Node::handle_bytes`](crate::Node::handle_bytes).
    pub max_message_bytes: usize,
    /// Send a receipt to a write's origin when one of its versions arrives here, so the origin
    /// sees when each peer learned it ([`NodeEvent::Confirmed`](crate::NodeEvent::Confirmed)). Off in simulations: it adds
    /// a message per learner and write.
    pub receipts: bool,
    /// With `receipts`, send each receipt to every alive member as well, and report the
    /// receipts about other peers' writes that arrive here ([`NodeEvent::Receipt`](crate::NodeEvent::Receipt)): every peer
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
    /// ([`NodeEvent::Confirmed`](crate::NodeEvent::Confirmed)): [`NodeConfig::receipts`](crate::NodeConfig::receipts).
    ToOrigin,
    /// The origin and every alive member, so every peer sees who has each version
    /// ([`NodeEvent::Receipt`](crate::NodeEvent::Receipt)): [`NodeConfig::receipts_to_all`](crate::NodeConfig::receipts_to_all). For small rooms.
    ToAll,
}

/// What the user of a live peer chooses; [`NodeConfig::live`](crate::NodeConfig::live) makes the [`NodeConfig`](crate::NodeConfig) from it,
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
    /// setting at its default. Not checked here: [`Node::new`](crate::Node::new) (or [`NodeConfig::validate`](crate::NodeConfig::validate))
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
