//! SWIM's parameters and their validation.

use serde::{Deserialize, Serialize};

use crate::Time;
use crate::error::ConfigError;

/// SWIM parameters. Durations are in the caller's time unit (milliseconds for live peers and the
/// event simulator).
/// Absent fields take their defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SwimConfig {
    /// The protocol period `T'`: one probe per member per period.
    pub protocol_period: Time,
    /// How long to wait for a direct ack before asking others (must be less than the period).
    pub ping_timeout: Time,
    /// `k`: members asked to ping the target when the direct ping goes unanswered.
    pub indirect_checks: u8,
    /// Suspicion timeout in periods per unit of `ceil(ln(n + 1))`.
    pub suspicion_mult: u32,
    /// Most updates piggybacked on one message.
    pub max_piggyback: u8,
    /// `lambda`: each update is sent `lambda * ceil(ln(n + 1))` times (section 4.1).
    pub retransmit_mult: u32,
    /// Most members listed in one Sync message to a joiner.
    pub sync_chunk: u16,
    /// Every this many protocol periods, ping one Dead member chosen at random, so that members
    /// declared dead by mistake (the other side of a healed partition) hear of it and refute; 0
    /// never does.
    pub reconnect_every: u32,
    /// Lifeguard (Dadgar, Phillips and Currey, 2018; HashiCorp memberlist): local health scaling
    /// this member's probe interval, nacks from ping-req helpers, suspicion timeouts that start
    /// long and shrink with independent confirmations, and suspicions told to the suspect
    /// itself (the buddy system). Off: plain SWIM.
    pub lifeguard: bool,
    /// Lifeguard: the largest local health multiplier (memberlist's AwarenessMaxMultiplier).
    pub max_health: u32,
    /// Lifeguard: a suspicion's timeout starts at this multiple of the plain one and shrinks to
    /// it as confirmations come (memberlist's SuspicionMaxTimeoutMult).
    pub suspicion_max_mult: u32,
    /// Lifeguard: the independent confirmations that bring a suspicion's timeout down to the
    /// plain one (memberlist uses SuspicionMult - 2: 2 in its LAN profile).
    pub suspicion_confirmations: u32,
    /// How the suspicion timeout and the retransmission limit grow with the group size.
    #[serde(skip_serializing_if = "is_default")]
    pub log_scale: LogScale,
    /// memberlist's gossip timer (its GossipInterval): every this many time units, queued updates
    /// also go to `gossip_nodes` members in messages of their own
    /// ([`SwimMessage::Gossip`](super::message::SwimMessage::Gossip)), besides riding on probes;
    /// 0 never (updates ride on probes only, as in the SWIM paper).
    #[serde(skip_serializing_if = "is_default")]
    pub gossip_interval: Time,
    /// How many members each gossip round goes to (memberlist's GossipNodes), chosen at random
    /// among the live ones and those declared Dead less than `gossip_to_the_dead` ago.
    #[serde(skip_serializing_if = "is_default_gossip_nodes")]
    pub gossip_nodes: u8,
    /// How long a member declared Dead is still gossiped to (memberlist's GossipToTheDeadTime),
    /// so that one declared dead by mistake hears of it.
    #[serde(skip_serializing_if = "is_default")]
    pub gossip_to_the_dead: Time,
}

/// How SWIM's `log n` factors are computed from the group size `n` (this member included).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogScale {
    /// `ceil(ln(n + 1))` for both the suspicion timeout and the retransmission limit.
    #[default]
    CeilLn,
    /// HashiCorp memberlist's (util.go): the suspicion timeout is `suspicion_mult *
    /// max(1, log10(n)) * protocol_period` (the scale kept to a thousandth), the retransmission
    /// limit `retransmit_mult * ceil(log10(n + 1))`.
    Log10,
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

fn is_default_gossip_nodes(nodes: &u8) -> bool {
    *nodes == SwimConfig::default().gossip_nodes
}

impl Default for SwimConfig {
    /// One-second periods as in memberlist's LAN profile and the paper's experiments; a 300 ms
    /// direct wait leaves 700 ms for the four hops of an indirect probe; k = 3 as in the paper's
    /// evaluation. A suspect gets 3 log n periods to hear of it and answer: piggybacked news needs
    /// O(log n) periods each way. 16 updates (about 100 bytes with postcard) per message let a
    /// burst of 16 joins settle in about 3 periods and one of 50 in about 13. A ping to a dead
    /// member every 5 periods costs a few percent more messages while someone is dead and starts
    /// the merge of a healed partition within 5 s.
    fn default() -> Self {
        SwimConfig {
            protocol_period: 1000,
            ping_timeout: 300,
            indirect_checks: 3,
            suspicion_mult: 3,
            max_piggyback: 16,
            retransmit_mult: 3,
            sync_chunk: 32,
            reconnect_every: 5,
            lifeguard: false,
            max_health: 8,
            suspicion_max_mult: 6,
            suspicion_confirmations: 2,
            log_scale: LogScale::CeilLn,
            gossip_interval: 0,
            gossip_nodes: 3,
            gossip_to_the_dead: 0,
        }
    }
}

impl SwimConfig {
    /// Checks the parameters a caller could get wrong; the error names the bad field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let at_least_one = |field| ConfigError::new(field, "must be at least 1");
        if self.protocol_period == 0 {
            return Err(at_least_one("swim.protocol_period"));
        }
        if self.ping_timeout == 0 || self.ping_timeout >= self.protocol_period {
            return Err(ConfigError::new(
                "swim.ping_timeout",
                format!(
                    "must be between 1 and protocol_period - 1 ({}), got {}",
                    self.protocol_period - 1,
                    self.ping_timeout
                ),
            ));
        }
        if self.suspicion_mult == 0 {
            return Err(at_least_one("swim.suspicion_mult"));
        }
        if self.max_piggyback == 0 {
            return Err(at_least_one("swim.max_piggyback"));
        }
        if self.retransmit_mult == 0 {
            return Err(at_least_one("swim.retransmit_mult"));
        }
        if self.sync_chunk == 0 {
            return Err(at_least_one("swim.sync_chunk"));
        }
        if self.max_health == 0 {
            return Err(at_least_one("swim.max_health"));
        }
        if self.suspicion_max_mult == 0 {
            return Err(at_least_one("swim.suspicion_max_mult"));
        }
        if self.gossip_interval > 0 && self.gossip_nodes == 0 {
            return Err(ConfigError::new(
                "swim.gossip_nodes",
                "must be at least 1 when swim.gossip_interval is set",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn config_validation_names_the_bad_field() {
        assert_eq!(SwimConfig::default().validate(), Ok(()));
        let cases = [
            (
                SwimConfig {
                    protocol_period: 0,
                    ..SwimConfig::default()
                },
                "protocol_period",
            ),
            (
                SwimConfig {
                    ping_timeout: 1000,
                    ..SwimConfig::default()
                },
                "ping_timeout",
            ),
            (
                SwimConfig {
                    suspicion_mult: 0,
                    ..SwimConfig::default()
                },
                "suspicion_mult",
            ),
            (
                SwimConfig {
                    max_piggyback: 0,
                    ..SwimConfig::default()
                },
                "max_piggyback",
            ),
            (
                SwimConfig {
                    retransmit_mult: 0,
                    ..SwimConfig::default()
                },
                "retransmit_mult",
            ),
            (
                SwimConfig {
                    sync_chunk: 0,
                    ..SwimConfig::default()
                },
                "sync_chunk",
            ),
        ];
        for (config, field) in cases {
            let error = config.validate().unwrap_err();
            assert!(error.to_string().contains(field), "{error}");
            assert_eq!(error.field.strip_prefix("swim."), Some(field), "{error}");
        }
        // The text is the one callers that still carry strings have always shown.
        let messages = [
            (
                SwimConfig {
                    protocol_period: 0,
                    ..SwimConfig::default()
                },
                "swim.protocol_period must be at least 1",
            ),
            (
                SwimConfig {
                    ping_timeout: 1000,
                    ..SwimConfig::default()
                },
                "swim.ping_timeout must be between 1 and protocol_period - 1 (999), got 1000",
            ),
            (
                SwimConfig {
                    max_health: 0,
                    ..SwimConfig::default()
                },
                "swim.max_health must be at least 1",
            ),
        ];
        for (config, message) in messages {
            assert_eq!(config.validate().unwrap_err().to_string(), message);
        }
        let json = serde_json::to_string(&SwimConfig::default()).unwrap();
        assert_eq!(
            serde_json::from_str::<SwimConfig>(&json).unwrap(),
            SwimConfig::default()
        );
        // memberlist's settings are written only when set, so that configurations written before
        // them (scenarios, share links) read and write as they did.
        for field in [
            "log_scale",
            "gossip_interval",
            "gossip_nodes",
            "gossip_to_the_dead",
        ] {
            assert!(!json.contains(field), "{json}");
        }
        let memberlist = SwimConfig {
            log_scale: LogScale::Log10,
            gossip_interval: 200,
            gossip_nodes: 4,
            gossip_to_the_dead: 30_000,
            ..SwimConfig::default()
        };
        let json = serde_json::to_string(&memberlist).unwrap();
        assert!(json.contains(r#""log_scale":"log10""#), "{json}");
        assert_eq!(
            serde_json::from_str::<SwimConfig>(&json).unwrap(),
            memberlist
        );
        let no_one_to_gossip_to = SwimConfig {
            gossip_interval: 200,
            gossip_nodes: 0,
            ..SwimConfig::default()
        };
        assert_eq!(
            no_one_to_gossip_to.validate().unwrap_err().to_string(),
            "swim.gossip_nodes must be at least 1 when swim.gossip_interval is set"
        );
    }
}
