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

/// Transitional: lets callers that still carry `String` errors use `?` on a [`ConfigError`].
impl From<ConfigError> for String {
    fn from(error: ConfigError) -> Self {
        error.to_string()
    }
}
