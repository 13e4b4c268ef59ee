//! Rumor mongering among live nodes, many rumors at once: the same SIR decisions as the round
//! simulator ([`RumorState::after_contact`]), driven by periods and real messages.
//!
//! Each period a node contacts `fanout` peers per hot rumor (push), asks `fanout` peers for their
//! hot rumors (pull), or both (push-pull). A receiver tells the sender which rumors it already
//! knew (feedback), and that is what makes the sender lose interest in the feedback variants.
//! Rumors learned from a peer are never pushed back to it. With a connection limit, contacts
//! beyond the limit in one period are refused (ignored, and counted).
//!
//! Memory: a known rumor costs its key, its payload and a 12-byte [`RumorState`]. Removed rumors
//! are kept `remember_removed` periods to recognise late copies, then forgotten (the store, which
//! keeps versions, still recognises them).

use std::collections::{BTreeMap, VecDeque};

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::{RumorConfig, RumorState, Trigger};
use crate::NodeId;
use crate::error::ConfigError;
use crate::peer_selection::PeerSelector;

/// Live rumor mongering parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MongerConfig {
    /// The epidemic: loss of interest, trigger, fanout, direction and connection limit.
    pub rumor: RumorConfig,
    /// Most rumors carried by one message; more are split over several.
    pub max_rumors_per_message: usize,
    /// Periods a removed rumor is remembered.
    pub remember_removed: u32,
}

impl Default for MongerConfig {
    fn default() -> Self {
        MongerConfig {
            rumor: RumorConfig::default(),
            max_rumors_per_message: 64,
            remember_removed: 64,
        }
    }
}

impl MongerConfig {
    /// Checks the parameters a caller could get wrong; the error names the bad field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.rumor.validate()?;
        if self.max_rumors_per_message == 0 {
            return Err(ConfigError::new(
                "rumor.max_rumors_per_message",
                "must be at least 1",
            ));
        }
        Ok(())
    }
}

/// What rumor mongering puts on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RumorMessage<K, P> {
    /// Hot rumors; with `pull`, also a request for the receiver's hot rumors (push-pull).
    Push {
        /// `(key, payload)` of each rumor pushed.
        rumors: Vec<(K, P)>,
        /// Whether the receiver should answer with its own hot rumors.
        pull: bool,
    },
    /// A request for the receiver's hot rumors.
    PullRequest,
    /// The answer to a pull: the responder's hot rumors.
    PullReply {
        /// `(key, payload)` of each hot rumor, except those the asker sent or told the responder.
        rumors: Vec<(K, P)>,
    },
    /// The rumors just received that the receiver already knew.
    Feedback {
        /// Their keys.
        known: Vec<K>,
    },
}

/// What the node learns from rumor mongering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MongerEvent<K, P> {
    /// A rumor this node did not know arrived.
    Learned {
        /// The rumor's key.
        key: K,
        /// The rumor's payload.
        payload: P,
        /// The peer that told this node.
        from: NodeId,
    },
    /// This node stopped spreading a rumor.
    LostInterest {
        /// The rumor's key.
        key: K,
    },
}

/// Counters of one node's rumor mongering.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MongerStats {
    /// Messages sent: pushes, pull requests, pull replies and feedback.
    pub messages_sent: u64,
    /// Rumors carried by the pushes and pull replies sent.
    pub rumors_sent: u64,
    /// Contacts refused over the connection limit.
    pub refused_contacts: u64,
}

#[derive(Clone, Debug)]
struct Known<P> {
    payload: P,
    state: RumorState,
    /// Period at which the rumor was removed, for forgetting it later.
    removed_at: Option<u32>,
}

/// One node's rumor mongering over rumors keyed by `K` carrying `P`.
#[derive(Clone, Debug)]
pub struct RumorMonger<K, P> {
    me: NodeId,
    config: MongerConfig,
    period: u32,
    rumors: BTreeMap<K, Known<P>>,
    /// The keys of the infective rumors in `rumors`, each with the node not to send it to
    /// ([`RumorState::avoid`]): the rumors every period and every pull look at, without a walk
    /// over the removed ones still remembered.
    infective: BTreeMap<K, Option<NodeId>>,
    /// (period, key) of every removal, oldest first (periods only grow): what to forget when,
    /// without sweeping every rumor each period. An entry whose rumor has since been forgotten
    /// or restarted is skipped.
    removals: VecDeque<(u32, K)>,
    contacts_this_period: u16,
    outbox: VecDeque<(NodeId, RumorMessage<K, P>)>,
    events: VecDeque<MongerEvent<K, P>>,
    stats: MongerStats,
}

impl<K: Ord + Clone, P: Clone> RumorMonger<K, P> {
    /// Rumor mongering for node `me`, knowing no rumor yet. `config` is not checked here:
    /// [`MongerConfig::validate`] does that.
    pub fn new(me: NodeId, config: MongerConfig) -> Self {
        RumorMonger {
            me,
            config,
            period: 0,
            rumors: BTreeMap::new(),
            infective: BTreeMap::new(),
            removals: VecDeque::new(),
            contacts_this_period: 0,
            outbox: VecDeque::new(),
            events: VecDeque::new(),
            stats: MongerStats::default(),
        }
    }

    /// Counters since this node started.
    pub fn stats(&self) -> MongerStats {
        self.stats
    }

    /// Whether this node knows the rumor `key`: hot, or removed and still remembered.
    pub fn knows(&self, key: &K) -> bool {
        self.rumors.contains_key(key)
    }

    /// Rumors this node is still spreading.
    pub fn hot(&self) -> impl Iterator<Item = &K> + '_ {
        self.infective.keys()
    }

    /// Starts a rumor at this node (a local update).
    pub fn start(&mut self, key: K, payload: P) {
        let state = RumorState::origin(self.period);
        self.infective.insert(key.clone(), state.avoid());
        self.rumors.insert(
            key,
            Known {
                payload,
                state,
                removed_at: None,
            },
        );
    }

    /// One period: push hot rumors and/or ask for the peers' hot rumors.
    pub fn tick<S: PeerSelector, R: Rng + ?Sized>(&mut self, peers: &mut S, rng: &mut R) {
        self.period += 1;
        self.contacts_this_period = 0;
        self.forget_old_removed();
        let direction = self.config.rumor.direction;
        let mut pushes: BTreeMap<NodeId, Vec<K>> = BTreeMap::new();
        if direction.pushes() {
            let hot: Vec<(K, Option<NodeId>)> = self
                .infective
                .iter()
                .map(|(key, &avoid)| (key.clone(), avoid))
                .collect();
            for (key, avoid) in hot {
                for _ in 0..self.config.rumor.fanout {
                    let Some(peer) = peers.pick(self.me, avoid, rng) else {
                        break;
                    };
                    pushes.entry(peer).or_default().push(key.clone());
                    if self.config.rumor.trigger == Trigger::Blind {
                        self.after_contact(&key, false, rng);
                    }
                }
            }
        }
        let pull = direction.pulls();
        for (peer, keys) in &pushes {
            let rumors: Vec<(K, P)> = keys.iter().filter_map(|key| self.entry(key)).collect();
            for rumors in chunked(rumors, self.config.max_rumors_per_message) {
                self.send(*peer, RumorMessage::Push { rumors, pull });
            }
        }
        // Pull-only nodes, and push-pull nodes with nothing to push, still ask.
        if pull && pushes.is_empty() {
            for _ in 0..self.config.rumor.fanout {
                let Some(peer) = peers.pick(self.me, None, rng) else {
                    break;
                };
                self.send(peer, RumorMessage::PullRequest);
            }
        }
    }

    /// A message from `from`.
    pub fn handle<R: Rng + ?Sized>(
        &mut self,
        from: NodeId,
        message: RumorMessage<K, P>,
        rng: &mut R,
    ) {
        match message {
            RumorMessage::Push { rumors, pull } => {
                if !self.accept_contact() {
                    return;
                }
                let sent: Vec<K> = rumors.iter().map(|(key, _)| key.clone()).collect();
                self.receive(from, rumors);
                if pull {
                    self.reply_to_pull(from, &sent, rng);
                }
            }
            RumorMessage::PullRequest => {
                if self.accept_contact() {
                    self.reply_to_pull(from, &[], rng);
                }
            }
            RumorMessage::PullReply { rumors } => self.receive(from, rumors),
            RumorMessage::Feedback { known } => {
                for key in known {
                    self.after_contact(&key, true, rng);
                }
            }
        }
    }

    /// The next message to send and its destination; `None` when nothing waits.
    pub fn poll_transmit(&mut self) -> Option<(NodeId, RumorMessage<K, P>)> {
        self.outbox.pop_front()
    }

    /// The next rumor learned or given up; `None` when nothing waits.
    pub fn poll_event(&mut self) -> Option<MongerEvent<K, P>> {
        self.events.pop_front()
    }

    fn entry(&self, key: &K) -> Option<(K, P)> {
        self.rumors
            .get(key)
            .map(|known| (key.clone(), known.payload.clone()))
    }

    fn send(&mut self, to: NodeId, message: RumorMessage<K, P>) {
        self.stats.messages_sent += 1;
        if let RumorMessage::Push { rumors, .. } | RumorMessage::PullReply { rumors } = &message {
            self.stats.rumors_sent += rumors.len() as u64;
        }
        self.outbox.push_back((to, message));
    }

    fn accept_contact(&mut self) -> bool {
        if let Some(limit) = self.config.rumor.connection_limit
            && self.contacts_this_period >= limit
        {
            self.stats.refused_contacts += 1;
            return false;
        }
        self.contacts_this_period = self.contacts_this_period.saturating_add(1);
        true
    }

    /// Takes in rumors from `from`; answers with the ones already known (feedback).
    fn receive(&mut self, from: NodeId, rumors: Vec<(K, P)>) {
        let mut known = Vec::new();
        for (key, payload) in rumors {
            if self.rumors.contains_key(&key) {
                known.push(key);
                continue;
            }
            let mut state = RumorState::default();
            state.receive(from, self.period);
            self.infective.insert(key.clone(), state.avoid());
            self.rumors.insert(
                key.clone(),
                Known {
                    payload: payload.clone(),
                    state,
                    removed_at: None,
                },
            );
            self.events
                .push_back(MongerEvent::Learned { key, payload, from });
        }
        if self.config.rumor.trigger == Trigger::Feedback && !known.is_empty() {
            for known in chunked(known, self.config.max_rumors_per_message) {
                self.send(from, RumorMessage::Feedback { known });
            }
        }
    }

    /// Answers a pull from `from` with our hot rumors, except those it just sent us and those it
    /// told us (never back to the sender).
    fn reply_to_pull<R: Rng + ?Sized>(&mut self, from: NodeId, just_received: &[K], rng: &mut R) {
        let keys: Vec<K> = self
            .infective
            .iter()
            .filter(|&(key, &avoid)| avoid != Some(from) && !just_received.contains(key))
            .map(|(key, _)| key.clone())
            .collect();
        if keys.is_empty() {
            return;
        }
        if self.config.rumor.trigger == Trigger::Blind {
            for key in &keys {
                self.after_contact(key, false, rng);
            }
        }
        let rumors: Vec<(K, P)> = keys.iter().filter_map(|key| self.entry(key)).collect();
        for rumors in chunked(rumors, self.config.max_rumors_per_message) {
            self.send(from, RumorMessage::PullReply { rumors });
        }
    }

    fn after_contact<R: Rng + ?Sized>(&mut self, key: &K, peer_knew: bool, rng: &mut R) {
        let period = self.period;
        let Some(known) = self.rumors.get_mut(key) else {
            return;
        };
        if known
            .state
            .after_contact(&self.config.rumor, peer_knew, rng)
        {
            known.removed_at = Some(period);
            self.infective.remove(key);
            self.removals.push_back((period, key.clone()));
            self.events
                .push_back(MongerEvent::LostInterest { key: key.clone() });
        }
    }

    fn forget_old_removed(&mut self) {
        let horizon = self.config.remember_removed;
        let period = self.period;
        // Every rumor removed more than `horizon` periods ago, as a sweep of all would find them.
        while let Some(&(at, _)) = self.removals.front()
            && period - at > horizon
        {
            let (_, key) = self.removals.pop_front().expect("just peeked");
            if self
                .rumors
                .get(&key)
                .is_some_and(|known| known.removed_at == Some(at))
            {
                self.rumors.remove(&key);
            }
        }
    }
}

/// `items` in consecutive pieces of at most `max` (as `chunks` would cut them), moved rather than
/// cloned: a list that fits one message goes as it is.
fn chunked<T>(mut items: Vec<T>, max: usize) -> impl Iterator<Item = Vec<T>> {
    let max = max.max(1);
    std::iter::from_fn(move || {
        if items.is_empty() {
            return None;
        }
        if items.len() <= max {
            return Some(std::mem::take(&mut items));
        }
        let rest = items.split_off(max);
        Some(std::mem::replace(&mut items, rest))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::peer_selection::UniformList;
    use crate::rumor::{Direction, LossOfInterest};
    use crate::{SimRng, seeded_rng};
    use wasm_bindgen_test::wasm_bindgen_test;

    type Monger = RumorMonger<u32, String>;

    /// `n` nodes that all know each other, exchanging messages instantly.
    /// The infective index says what a walk over every rumor would, and nothing removed is
    /// remembered past the horizon.
    fn check_infective(node: &Monger) {
        let walked: Vec<(u32, Option<NodeId>)> = node
            .rumors
            .iter()
            .filter(|(_, known)| known.state.phase == crate::rumor::Phase::Infective)
            .map(|(&key, known)| (key, known.state.avoid()))
            .collect();
        let indexed: Vec<(u32, Option<NodeId>)> = node
            .infective
            .iter()
            .map(|(&key, &avoid)| (key, avoid))
            .collect();
        assert_eq!(indexed, walked);
        let horizon = node.config.remember_removed;
        assert!(node.rumors.values().all(|known| {
            known
                .removed_at
                .is_none_or(|at| node.period - at <= horizon)
        }));
    }

    struct Cluster {
        nodes: Vec<Monger>,
        rng: SimRng,
    }

    impl Cluster {
        fn new(n: u32, rumor: RumorConfig) -> Self {
            let config = MongerConfig {
                rumor,
                ..MongerConfig::default()
            };
            Cluster {
                nodes: (0..n).map(|id| Monger::new(id, config)).collect(),
                rng: seeded_rng(3),
            }
        }

        fn period(&mut self) {
            let everyone: Vec<NodeId> = (0..self.nodes.len() as NodeId).collect();
            for node in &mut self.nodes {
                node.tick(
                    &mut UniformList {
                        peers: everyone.clone(),
                    },
                    &mut self.rng,
                );
            }
            self.deliver_all();
            for node in &self.nodes {
                check_infective(node);
            }
        }

        fn deliver_all(&mut self) {
            loop {
                let mut in_flight = Vec::new();
                for (from, node) in self.nodes.iter_mut().enumerate() {
                    while let Some((to, message)) = node.poll_transmit() {
                        in_flight.push((from as NodeId, to, message));
                    }
                }
                if in_flight.is_empty() {
                    return;
                }
                for (from, to, message) in in_flight {
                    self.nodes[to as usize].handle(from, message, &mut self.rng);
                }
            }
        }

        fn informed(&self, key: u32) -> usize {
            self.nodes.iter().filter(|node| node.knows(&key)).count()
        }

        fn any_hot(&self) -> bool {
            self.nodes.iter().any(|node| node.hot().next().is_some())
        }
    }

    fn config(direction: Direction, k: u8) -> RumorConfig {
        RumorConfig {
            direction,
            loss: LossOfInterest::Counter(k),
            ..RumorConfig::default()
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn every_direction_spreads_several_rumors_then_goes_quiet() {
        for direction in [Direction::Push, Direction::Pull, Direction::PushPull] {
            let mut cluster = Cluster::new(40, config(direction, 4));
            cluster.nodes[0].start(1, "a".into());
            cluster.nodes[7].start(2, "b".into());
            let mut periods = 0;
            while cluster.any_hot() && periods < 200 {
                cluster.period();
                periods += 1;
            }
            assert!(!cluster.any_hot(), "{direction:?} never went quiet");
            // Counter k = 4 with feedback leaves a residue of about e^-5 (Demers et al.'s
            // s = e^-(k+1)(1-s)), under 1% per rumor: at most a couple of 40 may miss one.
            assert!(
                cluster.informed(1) >= 38,
                "{direction:?}: {} of 40 know rumor 1",
                cluster.informed(1)
            );
            assert!(
                cluster.informed(2) >= 38,
                "{direction:?}: {} of 40 know rumor 2",
                cluster.informed(2)
            );
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_rumor_is_never_pushed_back_to_its_sender() {
        let mut cluster = Cluster::new(2, config(Direction::Push, 1));
        cluster.nodes[0].start(1, "x".into());
        cluster.period();
        assert_eq!(cluster.informed(1), 2);
        // Node 1 learned it from node 0, its only peer: it has nobody to push it to.
        cluster.nodes[1].tick(&mut UniformList { peers: vec![0, 1] }, &mut seeded_rng(1));
        assert_eq!(cluster.nodes[1].poll_transmit(), None);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn feedback_makes_the_sender_lose_interest() {
        let mut rng = seeded_rng(1);
        let mut sender = Monger::new(
            0,
            MongerConfig {
                rumor: config(Direction::Push, 1),
                ..MongerConfig::default()
            },
        );
        sender.start(5, "v".into());
        sender.handle(1, RumorMessage::Feedback { known: vec![5] }, &mut rng);
        assert_eq!(
            sender.poll_event(),
            Some(MongerEvent::LostInterest { key: 5 })
        );
        assert_eq!(sender.hot().count(), 0);
        assert!(sender.knows(&5));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_receiver_reports_what_it_already_knew() {
        let mut rng = seeded_rng(1);
        let mut receiver = Monger::new(1, MongerConfig::default());
        receiver.start(5, "old".into());
        let push = RumorMessage::Push {
            rumors: vec![(5, "old".to_string()), (6, "new".to_string())],
            pull: false,
        };
        receiver.handle(0, push, &mut rng);
        assert_eq!(
            receiver.poll_event(),
            Some(MongerEvent::Learned {
                key: 6,
                payload: "new".into(),
                from: 0
            })
        );
        assert_eq!(
            receiver.poll_transmit(),
            Some((0, RumorMessage::Feedback { known: vec![5] }))
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn contacts_over_the_connection_limit_are_refused() {
        let mut rng = seeded_rng(1);
        let rumor = RumorConfig {
            connection_limit: Some(1),
            ..config(Direction::Pull, 2)
        };
        let mut node = Monger::new(
            1,
            MongerConfig {
                rumor,
                ..MongerConfig::default()
            },
        );
        node.start(9, "x".into());
        node.handle(2, RumorMessage::PullRequest, &mut rng);
        node.handle(3, RumorMessage::PullRequest, &mut rng);
        assert!(matches!(
            node.poll_transmit(),
            Some((2, RumorMessage::PullReply { .. }))
        ));
        assert_eq!(node.poll_transmit(), None);
        assert_eq!(node.stats().refused_contacts, 1);
        // A new period resets the count.
        node.tick(&mut UniformList { peers: vec![] }, &mut rng);
        node.handle(3, RumorMessage::PullRequest, &mut rng);
        assert!(matches!(
            node.poll_transmit(),
            Some((3, RumorMessage::PullReply { .. }))
        ));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn messages_carry_at_most_the_configured_number_of_rumors() {
        let mut rng = seeded_rng(2);
        let config = MongerConfig {
            max_rumors_per_message: 3,
            ..MongerConfig::default()
        };
        let mut node = Monger::new(0, config);
        for key in 0..10 {
            node.start(key, "x".into());
        }
        node.tick(&mut UniformList { peers: vec![0, 1] }, &mut rng);
        let mut carried = 0;
        while let Some((to, message)) = node.poll_transmit() {
            assert_eq!(to, 1);
            let RumorMessage::Push { rumors, .. } = message else {
                panic!("push expected")
            };
            assert!(rumors.len() <= 3);
            carried += rumors.len();
        }
        assert_eq!(carried, 10);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn removed_rumors_are_forgotten_after_the_horizon() {
        let mut rng = seeded_rng(1);
        let config = MongerConfig {
            remember_removed: 2,
            ..MongerConfig::default()
        };
        let mut node = Monger::new(0, config);
        node.start(1, "x".into());
        node.handle(1, RumorMessage::Feedback { known: vec![1] }, &mut rng);
        node.handle(1, RumorMessage::Feedback { known: vec![1] }, &mut rng);
        assert!(node.knows(&1) && node.hot().count() == 0);
        let mut nobody = UniformList { peers: vec![] };
        for _ in 0..2 {
            node.tick(&mut nobody, &mut rng);
        }
        assert!(node.knows(&1));
        node.tick(&mut nobody, &mut rng);
        assert!(!node.knows(&1));
    }
}
