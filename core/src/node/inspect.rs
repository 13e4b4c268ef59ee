//! A read-only look inside a [`Node`] at one instant, for views that let a user click a node
//! and read its state: its member table (each member's state, incarnation, since when, and the
//! deadline of a suspicion it holds), its store (keys and versions), its hot rumors and its
//! direct-mail retry queue. [`Node::inspect`] copies these out; nothing in the node changes.
//!
//! How each stored value arrived is not kept by the node (it reports it once, in
//! [`NodeEvent::Updated`](crate::NodeEvent::Updated)); a driver that wants it records those
//! events.

use serde::{Deserialize, Serialize};

use super::Node;
use crate::membership::MemberState;
use crate::store::Stamp;
use crate::{NodeId, Time};

/// What [`Node::inspect`] copies out of a node (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInspection {
    /// The node's id.
    pub me: NodeId,
    /// Its own incarnation number.
    pub incarnation: u32,
    /// Whether it has left its group.
    pub has_left: bool,
    /// The other members it lists, by id.
    pub members: Vec<MemberRow>,
    /// Membership updates waiting to be piggybacked.
    pub queued_updates: usize,
    /// Its store, by key.
    pub entries: Vec<StoredEntry>,
    /// The versions it is still spreading by rumor mongering (its hot rumors).
    pub hot_rumors: Vec<Stamp>,
    /// Direct mails awaiting an ack, oldest first.
    pub mail_queue: Vec<QueuedMail>,
}

/// One row of a member table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRow {
    /// The member.
    pub id: NodeId,
    /// What the node believes it is.
    pub state: MemberState,
    /// The incarnation that belief is held at.
    pub incarnation: u32,
    /// When that state began at this node, in ms.
    pub since: Time,
    /// When a suspicion of it ends (the member is then declared dead unless it refuted), in ms;
    /// None unless it is suspected.
    pub suspicion_deadline: Option<Time>,
}

/// One key of a store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEntry {
    /// The key.
    pub key: String,
    /// The version held: its writer and number.
    pub stamp: Stamp,
    /// The value's size in bytes.
    pub value_bytes: usize,
}

/// A direct mail waiting for its ack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedMail {
    /// The member it is for.
    pub to: NodeId,
    /// The version it carries.
    pub stamp: Stamp,
    /// Times sent so far.
    pub attempts: u8,
    /// When it is sent again (or given up), in ms.
    pub due: Time,
}

impl Node {
    /// A copy of this node's member table, store, hot rumors and mail queue (see
    /// [`NodeInspection`]); the node is left as it was.
    ///
    /// ```
    /// use gossip_core::{MemberState, Node, NodeConfig};
    /// let mut node = Node::new(0, NodeConfig::default())?;
    /// let mut rng = gossip_core::seeded_rng(1);
    /// node.bootstrap(0, [1, 2], &mut rng);
    /// node.put(5, "colour", b"blue")?;
    /// let seen = node.inspect();
    /// assert_eq!(seen.members.iter().map(|m| (m.id, m.state)).collect::<Vec<_>>(),
    ///            [(1, MemberState::Alive), (2, MemberState::Alive)]);
    /// assert_eq!((seen.entries[0].key.as_str(), seen.entries[0].value_bytes), ("colour", 4));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn inspect(&self) -> NodeInspection {
        let swim = &self.swim;
        let deadlines = swim.suspicion_deadlines();
        let members = swim
            .members()
            .filter(|&(id, _)| id != self.me)
            .map(|(id, member)| MemberRow {
                id,
                state: member.state,
                incarnation: member.incarnation,
                since: member.since,
                suspicion_deadline: deadlines
                    .clone()
                    .find(|&(_, suspect)| suspect == id)
                    .map(|(deadline, _)| deadline),
            })
            .collect();
        let entries = self
            .store()
            .entries()
            .map(|(key, entry)| StoredEntry {
                key: key.to_string(),
                stamp: entry.stamp,
                value_bytes: entry.value.len(),
            })
            .collect();
        let hot_rumors = self
            .monger
            .as_ref()
            .map(|monger| monger.hot().copied().collect())
            .unwrap_or_default();
        let mail_queue = self
            .mail
            .as_ref()
            .map(|mail| {
                mail.pending()
                    .map(|(to, entry, attempts, due)| QueuedMail {
                        to,
                        stamp: entry.stamp,
                        attempts,
                        due,
                    })
                    .collect()
            })
            .unwrap_or_default();
        NodeInspection {
            me: self.me,
            incarnation: swim.incarnation(),
            has_left: swim.has_left(),
            members,
            queued_updates: swim.queued_updates(),
            entries,
            hot_rumors,
            mail_queue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::membership::{MemberUpdate, SwimMessage};
    use crate::wire::Message;
    use crate::{DirectMailConfig, NodeConfig, seeded_rng};
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn a_write_shows_in_the_store_the_rumors_and_the_mail_queue_and_a_suspicion_its_deadline() {
        let config = NodeConfig {
            direct_mail: Some(DirectMailConfig::default()),
            ..NodeConfig::default()
        };
        let mut node = Node::new(0, config).unwrap();
        let mut rng = seeded_rng(1);
        node.bootstrap(0, [1, 2], &mut rng);
        let stamp = node.put(10, "colour", b"blue").unwrap();
        while node.poll_transmit().is_some() {}
        // Member 1 tells that it suspects 2.
        let suspicion = MemberUpdate {
            id: 2,
            incarnation: 0,
            state: MemberState::Suspect,
            origin: Some(1),
        };
        let ping = SwimMessage::Ping {
            seq: 1,
            updates: vec![suspicion],
        };
        node.handle(100, 1, Message::Swim(ping), &mut rng);
        let seen = node.inspect();
        let timeout = node.membership().suspicion_timeout();
        assert_eq!(
            seen.members,
            [
                MemberRow {
                    id: 1,
                    state: MemberState::Alive,
                    incarnation: 0,
                    since: 0,
                    suspicion_deadline: None,
                },
                MemberRow {
                    id: 2,
                    state: MemberState::Suspect,
                    incarnation: 0,
                    since: 100,
                    suspicion_deadline: Some(100 + timeout),
                },
            ]
        );
        assert_eq!(
            seen.entries,
            [StoredEntry {
                key: "colour".into(),
                stamp,
                value_bytes: 4,
            }]
        );
        assert_eq!(seen.hot_rumors, [stamp]);
        let mailed: Vec<(NodeId, Stamp, u8)> = seen
            .mail_queue
            .iter()
            .map(|mail| (mail.to, mail.stamp, mail.attempts))
            .collect();
        assert_eq!(mailed, [(1, stamp, 1), (2, stamp, 1)]);
        assert!(seen.mail_queue.iter().all(|mail| mail.due > 10));
        assert_eq!((seen.me, seen.incarnation, seen.has_left), (0, 0, false));
    }
}
