//! How each version a node stores reached it, for the inspector: written there, or from which
//! peer by direct mail, rumor or anti-entropy (pushed to it, or pulled by it), and when.
//!
//! The node reports a new version once ([`NodeEvent::Updated`](gossip_core::NodeEvent::Updated),
//! with its mechanism but not its sender) and keeps no history, so that per-node memory stays
//! small. The engine knows the rest: which message a node was handling when it reported the
//! version (its sender), and which exchanges the node opened on its own timer. [`StoreWatch`]
//! follows one node with that, only when asked ([`EventSim::watch_store`](super::EventSim::watch_store));
//! a run without a watch pays one branch per message.
//!
//! Push or pull: anti-entropy entries always travel in a delta. A delta from a peer the node
//! opened its latest exchange with answers the node's own digest or request: pulled. Any
//! other delta was pushed by the peer (it opened the exchange, or it answers the digest the
//! node sent back in the peer's push-pull exchange).

use std::collections::BTreeMap;

use gossip_core::wire::Message;
use gossip_core::{Mechanism, NodeId, Stamp, Time};
use serde::{Deserialize, Serialize};

/// How a stored version reached the node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arrived {
    /// Written at this node.
    Written,
    /// By direct mail from `from`.
    DirectMail {
        /// The sender.
        from: NodeId,
    },
    /// By rumor mongering from `from`.
    Rumor {
        /// The sender.
        from: NodeId,
    },
    /// In an anti-entropy delta from `from`.
    AntiEntropy {
        /// The sender.
        from: NodeId,
        /// True when the node opened the exchange and the delta answered it (pull); false when
        /// the peer sent it in an exchange it opened (push).
        pulled: bool,
    },
}

impl Arrived {
    /// The mechanism that brought the version (a write here is [`Mechanism::Local`]).
    pub fn mechanism(self) -> Mechanism {
        match self {
            Arrived::Written => Mechanism::Local,
            Arrived::DirectMail { .. } => Mechanism::DirectMail,
            Arrived::Rumor { .. } => Mechanism::Rumor,
            Arrived::AntiEntropy { .. } => Mechanism::AntiEntropy,
        }
    }
}

/// How the version of `key` a node stores reached it, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The key.
    pub key: String,
    /// The version stored: its writer and number.
    pub stamp: Stamp,
    /// How it arrived.
    pub arrived: Arrived,
    /// When, in ms.
    pub at: Time,
}

/// Follows one node's store (see the module documentation). The event engine feeds it
/// ([`EventSim::watch_store`](super::EventSim::watch_store)); a driver of a real node (the
/// playground's live tab) feeds it the same calls: [`StoreWatch::arrived`] before handing the
/// node a message, [`StoreWatch::sent`] and [`StoreWatch::updated`] for what the node gives
/// back, [`StoreWatch::settled`] once it has given back everything of that call.
///
/// ```
/// use gossip_core::{Mechanism, Stamp};
/// use gossip_sim::events::{Arrived, StoreWatch};
/// let mut watch = StoreWatch::new(1);
/// watch.arrived(4, 1);
/// watch.updated(1, "colour", Stamp { origin: 4, version: 1 }, Mechanism::Rumor, 30);
/// watch.settled(1);
/// assert_eq!(watch.provenance()[0].arrived, Arrived::Rumor { from: 4 });
/// ```
#[derive(Clone, Debug)]
pub struct StoreWatch {
    node: NodeId,
    /// The sender of the message the node is handling, between its arrival and the node's
    /// settling; None while the node acts on its own timer.
    handling: Option<NodeId>,
    /// The peer of the last anti-entropy exchange the node opened.
    opened: Option<NodeId>,
    latest: BTreeMap<String, Provenance>,
}

impl StoreWatch {
    /// Watches node `node`.
    pub fn new(node: NodeId) -> Self {
        StoreWatch {
            node,
            handling: None,
            opened: None,
            latest: BTreeMap::new(),
        }
    }

    /// A message from `from` arrives at `to`, which handles it next.
    pub fn arrived(&mut self, from: NodeId, to: NodeId) {
        if to == self.node {
            self.handling = Some(from);
        }
    }

    /// Node `id` has sent and reported everything of its last call.
    pub fn settled(&mut self, id: NodeId) {
        if id == self.node {
            self.handling = None;
        }
    }

    /// `from` sends `message` to `to`: an anti-entropy message the watched node sends on its
    /// own timer opens an exchange.
    pub fn sent(&mut self, from: NodeId, to: NodeId, message: &Message) {
        if from == self.node
            && self.handling.is_none()
            && matches!(message, Message::AntiEntropy(_))
        {
            self.opened = Some(to);
        }
    }

    /// Node `observer` reports that it now stores `stamp` of `key`, brought by `via`.
    pub fn updated(&mut self, observer: NodeId, key: &str, stamp: Stamp, via: Mechanism, at: Time) {
        if observer != self.node {
            return;
        }
        let arrived = match (via, self.handling) {
            (Mechanism::Local, _) | (_, None) => Arrived::Written,
            (Mechanism::DirectMail, Some(from)) => Arrived::DirectMail { from },
            (Mechanism::Rumor, Some(from)) => Arrived::Rumor { from },
            (Mechanism::AntiEntropy, Some(from)) => Arrived::AntiEntropy {
                from,
                pulled: self.opened == Some(from),
            },
        };
        self.latest.insert(
            key.to_string(),
            Provenance {
                key: key.to_string(),
                stamp,
                arrived,
                at,
            },
        );
    }

    /// The latest arrival of `key`, if one was seen.
    pub fn latest(&self, key: &str) -> Option<&Provenance> {
        self.latest.get(key)
    }

    /// The latest arrival of each key, by key.
    pub fn provenance(&self) -> Vec<Provenance> {
        self.latest.values().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gossip_core::AntiEntropyMessage;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn a_delta_answering_the_node_s_own_exchange_is_pulled_and_any_other_pushed() {
        let stamp = |version| Stamp { origin: 9, version };
        let mut watch = StoreWatch::new(1);
        // Node 1 opens an exchange with 2 on its timer; 2's delta answers it.
        watch.sent(1, 2, &Message::AntiEntropy(AntiEntropyMessage::SendDigest));
        watch.arrived(2, 1);
        watch.updated(1, "a", stamp(1), Mechanism::AntiEntropy, 10);
        watch.settled(1);
        // Node 3 pushes a delta; a rumor from 4; a write here; another node's update ignored.
        watch.arrived(3, 1);
        watch.sent(1, 3, &Message::AntiEntropy(AntiEntropyMessage::SendDigest));
        watch.updated(1, "b", stamp(2), Mechanism::AntiEntropy, 20);
        watch.settled(1);
        watch.arrived(4, 1);
        watch.updated(1, "c", stamp(3), Mechanism::Rumor, 30);
        watch.settled(1);
        watch.updated(1, "d", stamp(4), Mechanism::Local, 40);
        watch.updated(5, "e", stamp(5), Mechanism::Local, 50);
        let arrived: Vec<(String, Arrived, Time)> = watch
            .provenance()
            .into_iter()
            .map(|p| (p.key, p.arrived, p.at))
            .collect();
        assert_eq!(
            arrived,
            [
                (
                    "a".into(),
                    Arrived::AntiEntropy {
                        from: 2,
                        pulled: true
                    },
                    10
                ),
                (
                    "b".into(),
                    Arrived::AntiEntropy {
                        from: 3,
                        pulled: false
                    },
                    20
                ),
                ("c".into(), Arrived::Rumor { from: 4 }, 30),
                ("d".into(), Arrived::Written, 40),
            ]
        );
    }
}
