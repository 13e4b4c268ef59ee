//! What a node reports to its view, and the one line each event prints as.

use crate::Mechanism;
use crate::direct_mail::DropReason;
use crate::membership::MemberEvent;
use crate::store::Stamp;
use crate::{NodeId, Time};
use std::fmt;

/// What a node reports to its view. Each event prints as the one line live peers show for it
/// (`Display`):
///
/// | event | line |
/// | --- | --- |
/// | [`MemberEvent::Joined`](crate::MemberEvent::Joined) | `member 3 joined` |
/// | [`MemberEvent::Suspected`](crate::MemberEvent::Suspected) | `member 3 suspected` |
/// | [`MemberEvent::Refuted`](crate::MemberEvent::Refuted) | `member 3 is alive (incarnation 2)` |
/// | [`MemberEvent::Failed`](crate::MemberEvent::Failed) | `member 3 failed` |
/// | [`MemberEvent::Left`](crate::MemberEvent::Left) | `member 3 left` |
/// | [`NodeEvent::Updated`](crate::NodeEvent::Updated) | `updated colour = blue (origin 3, version 7, via Rumor)` |
/// | [`NodeEvent::MailDropped`](crate::NodeEvent::MailDropped) | `direct mail of version 7 to 4 given up (QueueFull)` |
/// | [`NodeEvent::Confirmed`](crate::NodeEvent::Confirmed) | `peer 4 has colour version 7 (via Rumor), 35 ms after the write` |
/// | [`NodeEvent::Receipt`](crate::NodeEvent::Receipt) | `peer 4 has peer 3's version 7 (via AntiEntropy)` |
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
        /// What brought it ([`Mechanism::Local`](crate::Mechanism::Local): a write at this node).
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
    /// (only with [`NodeConfig::receipts_to_all`](crate::NodeConfig::receipts_to_all)).
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
