//! The typed errors of gossip-core. Every fallible call says what was wrong in a value a caller
//! can match on, and none of them leaves state changed: a refused configuration builds nothing, a
//! refused write stores nothing.

use core::fmt;

/// A configuration value out of its range. `field` is the value's path as it is serialised
/// (`swim.protocol_period`), so a person editing a scenario or a config file can find it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The value's path, `section.field`.
    pub field: &'static str,
    /// What it must be, as a phrase that follows the field's name ("must be at least 1").
    pub reason: String,
}

impl ConfigError {
    /// A refusal of `field` for `reason`.
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.reason)
    }
}

impl std::error::Error for ConfigError {}

/// Why [`Node::put`](crate::node::Node::put) (or
/// [`AntiEntropy::put`](crate::anti_entropy::AntiEntropy::put)) refused a write. A refused write
/// stores nothing and sends nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PutError {
    /// The entry (key, value and their framing) is larger than any anti-entropy message can
    /// carry, so no exchange could ever repair a peer that missed it.
    TooLarge {
        /// The entry's size on the wire, in bytes.
        size: usize,
        /// The configured `anti_entropy.mtu_bytes`.
        mtu_bytes: u32,
        /// The largest entry that fits that MTU, in bytes.
        max: usize,
    },
}

impl fmt::Display for PutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutError::TooLarge {
                size,
                mtu_bytes,
                max,
            } => write!(
                f,
                "an entry of {size} bytes does not fit anti_entropy.mtu_bytes = {mtu_bytes} \
                 (at most {max})"
            ),
        }
    }
}

impl std::error::Error for PutError {}
