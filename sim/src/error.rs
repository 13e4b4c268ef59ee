//! The typed errors of gossip-sim: why a scenario, a network or a run was refused. A refusal
//! happens before anything runs, and a refused change (a fault scheduled in the past, a write
//! at a crashed node) leaves the run as it was.

use core::fmt;

use gossip_core::ConfigError;

use crate::limits::Exceeded;

/// Why an experiment was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SimError {
    /// A protocol configuration out of its range (checked by gossip-core).
    Config(ConfigError),
    /// A scenario, network, fault or engine value out of its range: the value's path as it is
    /// serialised (`network.loss`, `faults[2].at`) and what it must be.
    Invalid {
        /// The value's path.
        field: String,
        /// What it must be, as a phrase that follows the field's name.
        reason: String,
    },
    /// A scenario written by another format version than this build reads.
    UnsupportedVersion {
        /// The scenario's `version`.
        found: u32,
        /// The version this build reads.
        supported: u32,
    },
    /// An error inside one part of a scenario (`cluster`, `system`), said with that part's name.
    In {
        /// The part: `cluster`, `system`, or a sweep's `at fanout = 3`.
        part: String,
        /// What is wrong inside it.
        error: Box<SimError>,
    },
    /// A run whose estimated memory is past what the host allows, refused before it started
    /// (see [`crate::budget`]): the estimate, the limit and where the limit comes from.
    TooLarge(Exceeded),
    /// The request does not fit what this engine or this moment allows (a write at a crashed
    /// node, a run too large for the playground), said in a sentence.
    Refused(String),
}

impl SimError {
    /// A refusal of `field` for `reason`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        SimError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl SimError {
    /// `error`, said as happening inside `part` of a scenario.
    pub fn within(part: impl Into<String>, error: impl Into<SimError>) -> Self {
        SimError::In {
            part: part.into(),
            error: Box::new(error.into()),
        }
    }
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::Config(error) => error.fmt(f),
            SimError::Invalid { field, reason } => write!(f, "{field} {reason}"),
            SimError::UnsupportedVersion { found, supported } => write!(
                f,
                "scenario version {found} is not supported (this build reads version {supported})"
            ),
            SimError::In { part, error } => write!(f, "{part}: {error}"),
            SimError::TooLarge(exceeded) => exceeded.fmt(f),
            SimError::Refused(sentence) => f.write_str(sentence),
        }
    }
}

impl std::error::Error for SimError {}

impl From<ConfigError> for SimError {
    fn from(error: ConfigError) -> Self {
        SimError::Config(error)
    }
}
