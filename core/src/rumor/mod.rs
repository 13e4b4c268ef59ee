//! Rumor mongering: the SIR epidemic of Demers et al., 1987 ("Epidemic Algorithms for Replicated
//! Database Maintenance", section 1.4).
//!
//! Every node is susceptible (has not heard the rumor), infective (knows it and spreads it) or
//! removed (knows it but has lost interest). An infective node contacts `fanout` peers each round.
//! It loses interest either by *counter* (after `k` contacts that count) or by *coin* (with
//! probability `1/k` after each contact that counts). With *feedback* only unnecessary contacts
//! count (the peer already knew); *blind*, every contact counts.
//!
//! The decisions live here, on [`RumorState`], so that the round simulator and a live node make
//! exactly the same ones. [`monger`] drives them for live nodes with many rumors at once.

pub(crate) mod monger;

use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};

use crate::NodeId;
use crate::error::ConfigError;

/// When a node stops spreading a rumor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "k")]
pub enum LossOfInterest {
    /// Removed after `k` contacts in a row that count (with feedback, a useful contact starts
    /// the count over).
    Counter(u8),
    /// Removed with probability `1/k` after each contact that counts.
    Coin(u8),
    /// Never: every node that knows keeps spreading (the "simple epidemic" of Demers et al., as
    /// in anti-entropy); a run ends when everyone knows.
    Never,
}

/// Which contacts count towards losing interest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// Only contacts with a peer that already knew the rumor.
    Feedback,
    /// Every contact, whatever the peer knew.
    Blind,
}

use crate::Direction;

/// Rumor mongering parameters. Absent fields take their defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RumorConfig {
    /// When a node stops spreading a rumor.
    pub loss: LossOfInterest,
    /// Which contacts count towards losing interest.
    pub trigger: Trigger,
    /// Contacts a node initiates per round.
    pub fanout: u8,
    /// Whether a contact pushes the rumor to the peer, pulls it from the peer, or both.
    pub direction: Direction,
    /// Most contacts a node accepts per round; further ones are refused (Demers et al.'s
    /// "connection limit"). `None`: no limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_limit: Option<u16>,
}

impl Default for RumorConfig {
    /// Push, feedback, counter k = 2: Demers et al.'s example variant (residue about 5%).
    fn default() -> Self {
        RumorConfig {
            loss: LossOfInterest::Counter(2),
            trigger: Trigger::Feedback,
            fanout: 1,
            direction: Direction::Push,
            connection_limit: None,
        }
    }
}

impl RumorConfig {
    /// Checks the parameters a caller could get wrong; the error names the bad field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let k = match self.loss {
            LossOfInterest::Counter(k) | LossOfInterest::Coin(k) => k,
            LossOfInterest::Never => 1,
        };
        if k == 0 {
            return Err(ConfigError::new("rumor.loss.k", "must be at least 1"));
        }
        if self.fanout == 0 {
            return Err(ConfigError::new("rumor.fanout", "must be at least 1"));
        }
        if self.connection_limit == Some(0) {
            return Err(ConfigError::new(
                "rumor.connection_limit",
                "must be at least 1 (or absent for no limit)",
            ));
        }
        Ok(())
    }
}

/// SIR phase of one node for one rumor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[repr(u8)]
pub enum Phase {
    /// Has not heard the rumor.
    #[default]
    Susceptible = 0,
    /// Knows the rumor and spreads it.
    Infective = 1,
    /// Knows the rumor but has lost interest: no longer spreads it.
    Removed = 2,
}

/// What one node holds about one rumor: 12 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RumorState {
    /// Where the node stands in the epidemic.
    pub phase: Phase,
    /// Contacts counted so far towards losing interest (counter variant).
    pub counter: u8,
    /// Who told us, so we never send it back (`NodeId::MAX` for the origin).
    pub learned_from: NodeId,
    /// Round (or time) at which we learned it.
    pub learned_at: u32,
}

/// Sentinel for "nobody told us": the node is the rumor's origin.
pub const NO_SENDER: NodeId = NodeId::MAX;

impl Default for RumorState {
    /// Susceptible, told by nobody.
    fn default() -> Self {
        RumorState {
            phase: Phase::Susceptible,
            counter: 0,
            learned_from: NO_SENDER,
            learned_at: 0,
        }
    }
}

impl RumorState {
    /// The state of the node where the rumor starts.
    pub fn origin(now: u32) -> Self {
        RumorState {
            phase: Phase::Infective,
            counter: 0,
            learned_from: NO_SENDER,
            learned_at: now,
        }
    }

    /// Whether the node has heard the rumor (infective or removed).
    pub fn knows(&self) -> bool {
        self.phase != Phase::Susceptible
    }

    /// The rumor arrives from `from`. Returns true if this node learned it now.
    pub fn receive(&mut self, from: NodeId, now: u32) -> bool {
        if self.knows() {
            return false;
        }
        *self = RumorState {
            phase: Phase::Infective,
            counter: 0,
            learned_from: from,
            learned_at: now,
        };
        true
    }

    /// The peer to avoid when choosing whom to tell.
    pub fn avoid(&self) -> Option<NodeId> {
        (self.learned_from != NO_SENDER).then_some(self.learned_from)
    }

    /// Records the outcome of one contact in which this node, infective, passed the rumor on (it
    /// pushed it, or answered a pull): `peer_knew` is whether the peer already had it. Returns true if the node lost interest (became removed).
    pub fn after_contact<R: Rng + ?Sized>(
        &mut self,
        config: &RumorConfig,
        peer_knew: bool,
        rng: &mut R,
    ) -> bool {
        if self.phase != Phase::Infective {
            return false;
        }
        let counts = match config.trigger {
            Trigger::Feedback => peer_knew,
            Trigger::Blind => true,
        };
        if !counts {
            // A useful contact starts the count of unnecessary ones over: the counter measures
            // unnecessary contacts in a row. This reading reproduces table 1 of Demers et al.
            // (residue and traffic for k = 1..5) where a plain running total does not.
            self.counter = 0;
            return false;
        }
        let lose = match config.loss {
            LossOfInterest::Counter(k) => {
                self.counter = self.counter.saturating_add(1);
                self.counter >= k
            }
            LossOfInterest::Coin(k) => rng.random_range(0..k) == 0,
            LossOfInterest::Never => false,
        };
        if lose {
            self.phase = Phase::Removed;
        }
        lose
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeded_rng;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn counter_with_feedback_ignores_useful_contacts() {
        let config = RumorConfig {
            loss: LossOfInterest::Counter(2),
            trigger: Trigger::Feedback,
            fanout: 1,
            ..RumorConfig::default()
        };
        let mut rng = seeded_rng(1);
        let mut state = RumorState::origin(0);
        assert!(!state.after_contact(&config, false, &mut rng));
        assert!(!state.after_contact(&config, false, &mut rng));
        assert_eq!(state.phase, Phase::Infective);
        assert!(!state.after_contact(&config, true, &mut rng));
        // A useful contact in between starts the count over.
        assert!(!state.after_contact(&config, false, &mut rng));
        assert!(!state.after_contact(&config, true, &mut rng));
        assert!(state.after_contact(&config, true, &mut rng));
        assert_eq!(state.phase, Phase::Removed);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn blind_counter_counts_every_contact() {
        let config = RumorConfig {
            loss: LossOfInterest::Counter(3),
            trigger: Trigger::Blind,
            fanout: 1,
            ..RumorConfig::default()
        };
        let mut rng = seeded_rng(1);
        let mut state = RumorState::origin(0);
        assert!(!state.after_contact(&config, false, &mut rng));
        assert!(!state.after_contact(&config, false, &mut rng));
        assert!(state.after_contact(&config, false, &mut rng));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn coin_loses_interest_about_one_time_in_k() {
        // 20,000 trials of a 1/4 coin: the standard deviation of the count is
        // sqrt(20000 * 0.25 * 0.75) ~ 61, so +-300 is about 5 sigma.
        let config = RumorConfig {
            loss: LossOfInterest::Coin(4),
            trigger: Trigger::Feedback,
            fanout: 1,
            ..RumorConfig::default()
        };
        let mut rng = seeded_rng(7);
        let removed = (0..20_000)
            .filter(|_| RumorState::origin(0).after_contact(&config, true, &mut rng))
            .count();
        assert!(
            (4_700..=5_300).contains(&removed),
            "removed {removed} of 20000"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn receive_remembers_sender_once() {
        let mut state = RumorState::default();
        assert!(state.receive(5, 3));
        assert!(!state.receive(6, 4));
        assert_eq!(state.avoid(), Some(5));
        assert_eq!(state.learned_at, 3);
        assert_eq!(RumorState::origin(0).avoid(), None);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn zero_k_and_zero_fanout_are_rejected() {
        let bad_k = RumorConfig {
            loss: LossOfInterest::Coin(0),
            ..RumorConfig::default()
        };
        assert_eq!(
            bad_k.validate().unwrap_err().to_string(),
            "rumor.loss.k must be at least 1"
        );
        let bad_fanout = RumorConfig {
            fanout: 0,
            ..RumorConfig::default()
        };
        assert_eq!(
            bad_fanout.validate(),
            Err(ConfigError::new("rumor.fanout", "must be at least 1"))
        );
        let no_connections = RumorConfig {
            connection_limit: Some(0),
            ..RumorConfig::default()
        };
        assert_eq!(
            no_connections.validate().unwrap_err().to_string(),
            "rumor.connection_limit must be at least 1 (or absent for no limit)"
        );
    }
}
