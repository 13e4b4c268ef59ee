//! What members say and what they know about each other: the states and their precedence, the
//! updates piggybacked on every message, the messages themselves, and the events a member
//! reports.

use serde::{Deserialize, Serialize};

use crate::{NodeId, Time};

/// What a member is believed to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum MemberState {
    /// Up, as far as anyone has said.
    Alive = 0,
    /// A probe of it failed; it is declared Dead unless it refutes within the suspicion timeout.
    Suspect = 1,
    /// Declared failed after an unrefuted suspicion (the paper's Confirm).
    Dead = 2,
    /// Left gracefully, announced by the member itself.
    Left = 3,
}

impl MemberState {
    /// Alive or Suspect: still in the group, still probed.
    pub fn is_live(self) -> bool {
        matches!(self, MemberState::Alive | MemberState::Suspect)
    }
}

/// Precedence: does news `new` at incarnation `new_inc` replace what is known, `old` at
/// `old_inc`? Section 4.2 of SWIM for Alive and Suspect, memberlist's rules for the verdicts:
///
/// | known \ news | Alive(i) | Suspect(i) | Dead(i) | Left(i) |
/// |--------------|----------|------------|---------|---------|
/// | Alive(j)     | i > j    | i >= j     | i >= j  | i >= j  |
/// | Suspect(j)   | i > j    | i > j      | i >= j  | i >= j  |
/// | Dead(j)      | i > j    | never      | never   | i >= j  |
/// | Left(j)      | i > j    | never      | never   | never   |
///
/// - Alive(i) overrides anything at a lower incarnation: a refutation of a suspicion, and a
///   member coming back after a Dead or Left verdict (see the module
///   documentation of `membership`, in its source).
/// - Suspect(i) overrides Alive(j) iff i >= j and Suspect(j) iff i > j, as in the paper; a
///   tombstone is revived by the member's own Alive only.
/// - Dead and Left override a live state at the same or a lower incarnation. The paper's Confirm
///   overrides whatever the incarnation; here a verdict older than the member's refutation must
///   not kill it again, now that a verdict can be refuted.
/// - Left, the member's own word, also replaces a Dead verdict at the same or a lower incarnation.
///   Otherwise verdicts do not replace verdicts.
pub fn supersedes(new: MemberState, new_inc: u32, old: MemberState, old_inc: u32) -> bool {
    use MemberState::{Alive, Dead, Left, Suspect};
    match (old, new) {
        (_, Alive) => new_inc > old_inc,
        (Alive, Suspect) => new_inc >= old_inc,
        (Suspect, Suspect) => new_inc > old_inc,
        (Alive | Suspect, Dead | Left) | (Dead, Left) => new_inc >= old_inc,
        (Dead | Left, Suspect | Dead) | (Left, Left) => false,
    }
}

/// One membership update, as disseminated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberUpdate {
    /// The member the update is about.
    pub id: NodeId,
    /// The member's incarnation the state is held at (section 4.2).
    pub incarnation: u32,
    /// What the member is said to be.
    pub state: MemberState,
    /// For a suspicion: the member that raised it. Lifeguard counts the independent ones.
    pub origin: Option<NodeId>,
}

/// The messages SWIM members exchange. Every `updates` list holds at most the sender's
/// `max_piggyback` entries and every `members` list at most its `sync_chunk`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SwimMessage {
    /// A probe, direct or sent by an intermediary on a requester's behalf.
    Ping {
        /// The sender's sequence number, echoed by the ack.
        seq: u32,
        /// Piggybacked membership updates.
        updates: Vec<MemberUpdate>,
    },
    /// Answer to the ping with the same `seq`.
    Ack {
        /// The sequence number of the ping answered.
        seq: u32,
        /// Piggybacked membership updates.
        updates: Vec<MemberUpdate>,
    },
    /// Asks the recipient to ping `target` and forward its ack (`seq` is the requester's).
    PingReq {
        /// The requester's probe.
        seq: u32,
        /// The member to ping on the requester's behalf.
        target: NodeId,
        /// Piggybacked membership updates.
        updates: Vec<MemberUpdate>,
    },
    /// An intermediary forwarding `target`'s ack for the requester's probe `seq`.
    IndirectAck {
        /// The requester's probe.
        seq: u32,
        /// The member that answered.
        target: NodeId,
        /// Piggybacked membership updates.
        updates: Vec<MemberUpdate>,
    },
    /// A newcomer asking a seed member to let it in.
    Join {
        /// The newcomer's incarnation.
        incarnation: u32,
    },
    /// Lifeguard: a ping-req helper telling the requester of probe `seq` that the target has
    /// not answered it in time, so the requester knows its own messages get through.
    Nack {
        /// The requester's probe.
        seq: u32,
    },
    /// Part of the seed's membership list, for a joiner.
    Sync {
        /// Members as the seed holds them, the seed itself first.
        members: Vec<MemberUpdate>,
    },
    /// Updates sent on their own by the gossip timer ([`SwimConfig::gossip_interval`](
    /// super::SwimConfig::gossip_interval), memberlist's gossip), not answered.
    Gossip {
        /// Membership updates.
        updates: Vec<MemberUpdate>,
    },
}

/// A change in this member's view of another member. `at` is when the new state began here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberEvent {
    /// First heard of, alive or suspect; or alive again after a Dead or Left verdict, at an
    /// incarnation above the verdict's (a member back after a crash, a partition or a leave,
    /// under the same id). Either way it is now listed and probed; a rejoin follows a `Failed` or
    /// `Left` event about the same id at this member.
    Joined {
        /// The member the event is about.
        id: NodeId,
        /// The member's incarnation in its new state.
        incarnation: u32,
        /// When the new state began here.
        at: Time,
    },
    /// Suspected: here by a failed probe, or heard from another member.
    Suspected {
        /// The member the event is about.
        id: NodeId,
        /// The member's incarnation in its new state.
        incarnation: u32,
        /// When the new state began here.
        at: Time,
    },
    /// A suspect is alive again at a higher incarnation.
    Refuted {
        /// The member the event is about.
        id: NodeId,
        /// The member's incarnation in its new state.
        incarnation: u32,
        /// When the new state began here.
        at: Time,
    },
    /// Declared dead: here by suspicion timeout, or heard from another member.
    Failed {
        /// The member the event is about.
        id: NodeId,
        /// The member's incarnation in its new state.
        incarnation: u32,
        /// When the new state began here.
        at: Time,
    },
    /// Left gracefully, by its own word.
    Left {
        /// The member the event is about.
        id: NodeId,
        /// The member's incarnation in its new state.
        incarnation: u32,
        /// When the new state began here.
        at: Time,
    },
}

impl MemberEvent {
    /// The member the event is about.
    pub fn id(&self) -> NodeId {
        match *self {
            MemberEvent::Joined { id, .. }
            | MemberEvent::Suspected { id, .. }
            | MemberEvent::Refuted { id, .. }
            | MemberEvent::Failed { id, .. }
            | MemberEvent::Left { id, .. } => id,
        }
    }

    /// When the new state began at the member reporting it.
    pub fn at(&self) -> Time {
        match *self {
            MemberEvent::Joined { at, .. }
            | MemberEvent::Suspected { at, .. }
            | MemberEvent::Refuted { at, .. }
            | MemberEvent::Failed { at, .. }
            | MemberEvent::Left { at, .. } => at,
        }
    }
}

/// What this member knows about another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    /// What it is believed to be.
    pub state: MemberState,
    /// The incarnation that state is held at.
    pub incarnation: u32,
    /// When the current state began here.
    pub since: Time,
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn precedence_follows_swim_section_4_2_and_memberlist_for_verdicts() {
        use MemberState::*;
        // Alive(i) overrides Alive(j) and Suspect(j) iff i > j.
        assert!(supersedes(Alive, 2, Suspect, 1));
        assert!(!supersedes(Alive, 1, Suspect, 1));
        assert!(supersedes(Alive, 2, Alive, 1));
        assert!(!supersedes(Alive, 1, Alive, 1));
        // Suspect(i) overrides Alive(j) iff i >= j, Suspect(j) iff i > j.
        assert!(supersedes(Suspect, 1, Alive, 1));
        assert!(!supersedes(Suspect, 0, Alive, 1));
        assert!(supersedes(Suspect, 2, Suspect, 1));
        assert!(!supersedes(Suspect, 1, Suspect, 1));
        // Dead and Left override Alive and Suspect at the same or a lower incarnation only: a
        // verdict the member has outbid cannot kill it again. Left overrides Dead likewise.
        assert!(supersedes(Dead, 9, Alive, 9));
        assert!(supersedes(Dead, 9, Suspect, 9));
        assert!(!supersedes(Dead, 0, Alive, 9));
        assert!(!supersedes(Dead, 0, Suspect, 9));
        assert!(supersedes(Left, 0, Dead, 0));
        assert!(!supersedes(Left, 0, Dead, 1));
        assert!(supersedes(Left, 9, Alive, 9));
        assert!(!supersedes(Left, 0, Alive, 9));
        // A verdict is not final: the member's Alive at a higher incarnation overrides it.
        assert!(supersedes(Alive, 1, Dead, 0));
        assert!(!supersedes(Alive, 0, Dead, 0));
        assert!(supersedes(Alive, 1, Left, 0));
        assert!(!supersedes(Alive, 0, Left, 0));
        // Nothing else does.
        assert!(!supersedes(Suspect, 99, Dead, 0));
        assert!(!supersedes(Suspect, 99, Left, 0));
        assert!(!supersedes(Dead, 99, Dead, 0));
        assert!(!supersedes(Dead, 99, Left, 0));
        assert!(!supersedes(Left, 99, Left, 0));
        // The table of the documentation: a row per known state, a column per news.
        #[derive(Clone, Copy, Debug)]
        enum Rule {
            Higher,
            AtLeast,
            Never,
        }
        use Rule::{AtLeast, Higher, Never};
        let columns = [Alive, Suspect, Dead, Left];
        let table = [
            (Alive, [Higher, AtLeast, AtLeast, AtLeast]),
            (Suspect, [Higher, Higher, AtLeast, AtLeast]),
            (Dead, [Higher, Never, Never, AtLeast]),
            (Left, [Higher, Never, Never, Never]),
        ];
        for (old, rules) in table {
            for (new, rule) in columns.into_iter().zip(rules) {
                for (old_inc, new_inc) in (0..3).flat_map(|o| (0..3).map(move |n| (o, n))) {
                    let expected = match rule {
                        Higher => new_inc > old_inc,
                        AtLeast => new_inc >= old_inc,
                        Never => false,
                    };
                    assert_eq!(
                        supersedes(new, new_inc, old, old_inc),
                        expected,
                        "{new:?}({new_inc}) over {old:?}({old_inc}): {rule:?}"
                    );
                }
            }
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn messages_round_trip_through_serde() {
        let updates = vec![MemberUpdate {
            id: 1,
            incarnation: 2,
            state: MemberState::Suspect,
            origin: None,
        }];
        let messages = [
            SwimMessage::Ping {
                seq: 1,
                updates: updates.clone(),
            },
            SwimMessage::PingReq {
                seq: 2,
                target: 3,
                updates: updates.clone(),
            },
            SwimMessage::IndirectAck {
                seq: 2,
                target: 3,
                updates: updates.clone(),
            },
            SwimMessage::Join { incarnation: 4 },
            SwimMessage::Gossip { updates },
        ];
        for msg in messages {
            let json = serde_json::to_string(&msg).unwrap();
            assert_eq!(serde_json::from_str::<SwimMessage>(&json).unwrap(), msg);
        }
    }
}
