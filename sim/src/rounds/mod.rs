//! The round-based engine: every round, each node that initiates contacts (infective nodes for
//! push; every node for pull and push-pull) contacts `fanout` peers chosen by a
//! [`PeerSelector`] (uniform over the population, or among its neighbours in a topology). In a
//! contact the initiator pushes the rumor if it is infective, and the contacted peer answers a
//! pull with the rumor if it is infective. Nodes that learn during round `r` start spreading in
//! round `r + 1`, as in the synchronous model of Demers et al. A contact counts as unnecessary
//! (for feedback) only if the peer knew the rumor before this round began: two senders reaching
//! the same susceptible node in one round both count as useful. The pulls a node answers in a
//! round count as one contact, useful if any requester learned from it. With these rules and
//! the counter of unnecessary contacts in a row (see [`gossip_core::RumorState`]), Demers et al.'s tables 1
//! (push, feedback, counter), 2 (push, blind, coin) and 3 (pull, feedback, counter) are
//! reproduced: residue, traffic and t_last. With a connection limit, a node
//! accepts at most that many contacts per round and refuses the rest.
//!
//! The [`Network`] adds loss (a lost message teaches nothing and brings no feedback; blind
//! senders count it anyway, since they never wait for an answer), and faults at the start of
//! rounds: crashed nodes neither contact nor answer, and contacts across a partition fail.
//!
//! A run ends when nothing more can change: no running node is infective and no fault is still
//! to come. When nodes never lose interest it ends once every node knows, or after
//! [`STALL_ROUNDS`] rounds without anyone learning (the rest are unreachable). A run whose nodes
//! do lose interest also ends after [`STALL_ROUNDS`] rounds without anyone learning: a node whose
//! only neighbour told it the rumor has no one to contact (never back to the sender), so it can
//! neither spread nor lose interest, and would otherwise keep the run going for ever.
//!
//! Per-node state is 10 bytes in arrays (`rounds/nodes.rs`: the byte a message reads at its receiver
//! apart from the rest; plus a 2-byte counter with a connection limit and a 1-byte flag with
//! crash faults), and peers are sampled from the population, so a million nodes fit in about
//! ten megabytes and the bytes read at random in one. A push round visits only the nodes that
//! may spread, kept in a bitset walked in id order, so it costs the spreaders, not the
//! population.

use crate::error::SimError;
use crate::metrics::{RoundMetrics, RunSummary};
use crate::network::{Network, RoundFault, ScheduledRoundFault};
use crate::topology::{Neighbours, Topology, TopologyKind};
use gossip_core::{LossOfInterest, NO_SENDER, Phase, RumorConfig, Trigger};
use gossip_core::{NodeId, SimRng, seeded_rng};
use gossip_core::{PeerSelector, UniformPopulation};
use nodes::{Nodes, Spreaders};
use rand::RngExt;

mod nodes;

/// Bits of [`RumorRun::answered`].
mod answered {
    /// Answered a pull (the answer may have been lost).
    pub(crate) const SENT: u8 = 1;
    /// A requester learned from an answer.
    pub(crate) const USEFUL: u8 = 2;
    /// A requester already knew.
    pub(crate) const UNNECESSARY: u8 = 4;
}

/// Rounds without a newly informed node after which a run that never loses interest stops.
pub const STALL_ROUNDS: u32 = 100;

/// Where contacts go: the whole population, or a topology's links.
enum Peers {
    Population(UniformPopulation),
    Graph(Topology),
}

impl Peers {
    /// A peer for `node`, other than `avoid` ([`NO_SENDER`]: none), as the [`PeerSelector`]s
    /// pick it.
    #[inline]
    fn pick(&mut self, node: NodeId, avoid: NodeId, rng: &mut SimRng) -> Option<NodeId> {
        match self {
            Peers::Population(population) => pick_from_population(population.n, node, avoid, rng),
            Peers::Graph(topology) => {
                let avoid = (avoid != NO_SENDER).then_some(avoid);
                Neighbours { topology }.pick(node, avoid, rng)
            }
        }
    }
}

/// [`UniformPopulation::pick`] without its general case (any two excluded ids, in any order):
/// the same single draw and the same answer, for `node` in the population and `avoid` either in
/// it or [`NO_SENDER`]. The hot loop makes one of these per message.
#[inline]
fn pick_from_population(n: u32, node: NodeId, avoid: NodeId, rng: &mut SimRng) -> Option<NodeId> {
    let two = avoid != NO_SENDER && avoid != node;
    let choices = n - 1 - u32::from(two);
    if choices == 0 {
        return None;
    }
    let (low, high) = if two && avoid < node {
        (avoid, node)
    } else {
        (node, avoid)
    };
    let mut pick = rng.random_range(0..choices);
    if pick >= low {
        pick += 1;
    }
    if two && pick >= high {
        pick += 1;
    }
    Some(pick)
}

/// One rumor spreading through a population of `n` nodes, from the network's origin (node 0
/// unless set).
pub struct RumorRun {
    config: RumorConfig,
    nodes: Nodes,
    /// Contacts accepted by each node this round; empty without a connection limit.
    accepted: Vec<u16>,
    /// The round in which each node lost interest (0: not yet); empty for push, where a node
    /// acts once a round and nothing reads it.
    removed_in: Vec<u32>,
    /// What the pulls each node answered this round told it ([`answered`] bits), for its
    /// counter at the end of the round; empty for push.
    answered: Vec<u8>,
    /// Which nodes are stopped; empty when no fault can stop one.
    crashed: Vec<bool>,
    peers: Peers,
    rng: SimRng,
    round: u32,
    susceptible: u32,
    infective: u32,
    /// Infective nodes that are stopped (they cannot spread until restarted).
    infective_crashed: u32,
    messages: u64,
    contacts: u64,
    lost: u64,
    duplicates: u64,
    /// Partition groups (1: none).
    parts: u32,
    loss: f64,
    base_loss: f64,
    burst_until: u32,
    /// Faults still to come, in round order.
    faults: Vec<ScheduledRoundFault>,
    last_learned: u32,
    /// The messages of the current round between nodes below a bound, if a view asked.
    message_log: Option<MessageLog>,
    /// Push only: the nodes that may spread (infective, crashed or not). Only they act in a
    /// push round, so a round visits them rather than every node; in id order, so the
    /// generator is drawn exactly as by a pass over all nodes. `None` when nodes pull.
    spreaders: Option<Spreaders>,
    /// Nodes informed during the current round, to settle (and join `spreaders`) after it.
    informed_now: Vec<u32>,
}

/// What became of a message, as [`RumorRun::take_round_messages`] reports it.
pub mod message_outcome {
    /// The receiver learned the rumor from it.
    pub const INFORMED: u8 = 0;
    /// The receiver knew already.
    pub const KNEW: u8 = 1;
    /// Lost on the way.
    pub const LOST: u8 = 2;
}

struct MessageLog {
    below: u32,
    cap: usize,
    round: Vec<(NodeId, NodeId, u8)>,
}

impl RumorRun {
    /// A run on a complete, reliable network.
    pub fn new(nodes: u32, config: RumorConfig, seed: u64) -> Result<Self, SimError> {
        Self::on_network(nodes, config, &Network::default(), seed)
    }

    /// A run on `network`. A topology is drawn from its own generator (derived from `seed`), so
    /// changing the faults of a scenario does not change its graph.
    pub fn on_network(
        nodes: u32,
        config: RumorConfig,
        network: &Network,
        seed: u64,
    ) -> Result<Self, SimError> {
        config.validate()?;
        if nodes < 2 {
            return Err(SimError::invalid(
                "nodes",
                format!("must be at least 2, got {nodes}"),
            ));
        }
        network.validate(nodes)?;
        let peers = match network.topology {
            TopologyKind::Complete | TopologyKind::DataCenters => {
                Peers::Population(UniformPopulation { n: nodes })
            }
            kind => Peers::Graph(Topology::build(
                kind,
                nodes,
                &mut seeded_rng(seed ^ 0x70b0_1091),
            )?),
        };
        let node_count = nodes as usize;
        let spreaders = (!config.direction.pulls()).then(|| {
            let mut spreaders = Spreaders::new(node_count);
            spreaders.insert(network.origin as usize);
            spreaders
        });
        let mut faults = network.faults.clone();
        faults.sort_by_key(|f| f.round);
        Ok(RumorRun {
            config,
            nodes: Nodes::new(node_count, network.origin as usize),
            removed_in: if config.direction.pulls() {
                vec![0; nodes as usize]
            } else {
                Vec::new()
            },
            answered: if config.direction.pulls() {
                vec![0; nodes as usize]
            } else {
                Vec::new()
            },
            accepted: if config.connection_limit.is_some() {
                vec![0; nodes as usize]
            } else {
                Vec::new()
            },
            crashed: if network.has_crashes() {
                vec![false; nodes as usize]
            } else {
                Vec::new()
            },
            peers,
            rng: seeded_rng(seed),
            round: 0,
            susceptible: nodes - 1,
            infective: 1,
            infective_crashed: 0,
            messages: 0,
            contacts: 0,
            lost: 0,
            duplicates: 0,
            parts: 1,
            loss: network.loss,
            base_loss: network.loss,
            burst_until: 0,
            faults,
            last_learned: 0,
            message_log: None,
            spreaders,
            informed_now: Vec::new(),
        })
    }

    /// The last round run (0 before the first step).
    pub fn round(&self) -> u32 {
        self.round
    }

    /// True once nothing more can change (see the module documentation).
    pub fn is_quiescent(&self) -> bool {
        if !self.faults.is_empty() {
            return false;
        }
        let spreading = self.infective - self.infective_crashed;
        if self.config.loss == LossOfInterest::Never {
            return spreading == 0
                || self.susceptible == 0
                || self.round >= self.last_learned + STALL_ROUNDS;
        }
        spreading == 0 || self.round >= self.last_learned + STALL_ROUNDS
    }

    /// Phase of every node, in node order (the view's frame).
    pub fn phases(&self) -> impl Iterator<Item = Phase> + '_ {
        self.nodes.phases()
    }

    /// For each node, who it learned from and when (`None`: never learned, or the origin).
    pub fn informed_by(&self) -> impl Iterator<Item = Option<(NodeId, u32)>> + '_ {
        self.nodes
            .learned()
            .map(|(_, learned)| (learned.from != NO_SENDER).then_some((learned.from, learned.at)))
    }

    /// Keeps the messages of each round between nodes numbered below `below` (at most `cap` a
    /// round), for [`RumorRun::take_round_messages`]. Recording draws nothing from the
    /// generator: the run is the same with or without it.
    pub fn record_messages(&mut self, below: u32, cap: usize) {
        self.message_log = Some(MessageLog {
            below,
            cap,
            round: Vec::new(),
        });
    }

    /// The messages recorded since the last call (the last round's, after a step): sender,
    /// receiver and a [`message_outcome`].
    pub fn take_round_messages(&mut self) -> Vec<(NodeId, NodeId, u8)> {
        self.message_log
            .as_mut()
            .map(|log| std::mem::take(&mut log.round))
            .unwrap_or_default()
    }

    fn log_message(&mut self, from: usize, to: usize, outcome: u8) {
        if let Some(log) = &mut self.message_log
            && (from as u32) < log.below
            && (to as u32) < log.below
            && log.round.len() < log.cap
        {
            log.round.push((from as NodeId, to as NodeId, outcome));
        }
    }

    /// The topology's links, each once (empty for a complete graph).
    pub fn links(&self) -> Vec<(NodeId, NodeId)> {
        match &self.peers {
            Peers::Population(_) => Vec::new(),
            Peers::Graph(topology) => (0..topology.len())
                .flat_map(|v| {
                    topology
                        .neighbours(v)
                        .unwrap_or(&[])
                        .iter()
                        .filter(move |&&w| v < w)
                        .map(move |&w| (v, w))
                })
                .collect(),
        }
    }

    fn is_crashed(&self, node: usize) -> bool {
        !self.crashed.is_empty() && self.crashed[node]
    }

    fn partition_of(&self, node: usize) -> u64 {
        node as u64 * u64::from(self.parts) / self.nodes.len() as u64
    }

    /// Infective at the start of `round` (learned before it, and did not lose interest before
    /// it), running, so spreading in it. As in the synchronous model every node acts on the
    /// state the round began with: one that loses interest while answering this round's pulls
    /// still answers the rest of them.
    #[inline]
    fn spreads(&self, node: usize, round: u32) -> bool {
        let infective = self.nodes.is_spreading(node)
            || (self.nodes.is_removed_before_now(node)
                && self.removed_in.get(node).is_some_and(|&r| r == round));
        infective && !self.is_crashed(node)
    }

    /// Whether `peer` accepts one more contact this round.
    fn accepts(&mut self, peer: usize) -> bool {
        let Some(limit) = self.config.connection_limit else {
            return true;
        };
        let accepted = &mut self.accepted[peer];
        if *accepted >= limit {
            return false;
        }
        *accepted += 1;
        true
    }

    /// Draws whether a message is lost; no draw at all on a reliable network, so such runs
    /// consume the generator exactly as before loss existed.
    fn lost(&mut self) -> bool {
        self.loss > 0.0 && self.rng.random_bool(self.loss)
    }

    /// `from`, spreading, sends the rumor to `to`, pushing it or (`answer`) answering a pull;
    /// feedback and loss of interest follow, for answers at the end of the round.
    fn transmit(&mut self, from: usize, to: usize, round: u32, answer: bool) {
        self.messages += 1;
        if self.lost() {
            self.lost += 1;
            self.log_message(from, to, message_outcome::LOST);
            if answer {
                self.answered[from] |= answered::SENT;
            } else if self.config.trigger == Trigger::Blind
                && self
                    .nodes
                    .after_contact(from, &self.config, false, &mut self.rng)
            {
                self.lose_interest(from, round);
            }
            return;
        }
        let knew = self.nodes.knew_before_now(to);
        if knew {
            self.duplicates += 1;
        }
        let informed = self.nodes.receive(to, from as NodeId, round);
        if informed {
            self.susceptible -= 1;
            self.infective += 1;
            self.last_learned = round;
            self.informed_now.push(to as u32);
        }
        if self.message_log.is_some() {
            let outcome = if informed {
                message_outcome::INFORMED
            } else {
                message_outcome::KNEW
            };
            self.log_message(from, to, outcome);
        }
        if answer {
            self.answered[from] |= answered::SENT
                | if knew {
                    answered::UNNECESSARY
                } else {
                    answered::USEFUL
                };
        } else if self
            .nodes
            .after_contact(from, &self.config, knew, &mut self.rng)
        {
            self.lose_interest(from, round);
        }
    }

    /// The pulls each node answered this round count as one contact for its loss of interest:
    /// useful if any requester learned from it, unnecessary if every one already knew (blind:
    /// a contact whatever came of it). Counting each answer instead, a node asked by several
    /// sites that knew would lose interest within one round, and the residue of Demers et al.'s
    /// table 3 comes out twice theirs (see `core/tests/validation.rs`).
    fn close_answers(&mut self, round: u32) {
        for node in 0..self.answered.len() {
            let flags = std::mem::take(&mut self.answered[node]);
            let knew = if flags & answered::USEFUL != 0 {
                false
            } else if flags & answered::UNNECESSARY != 0
                || (flags & answered::SENT != 0 && self.config.trigger == Trigger::Blind)
            {
                true
            } else {
                continue;
            };
            if self
                .nodes
                .after_contact(node, &self.config, knew, &mut self.rng)
            {
                self.lose_interest(node, round);
            }
        }
    }

    fn lose_interest(&mut self, node: usize, round: u32) {
        self.infective -= 1;
        if let Some(removed) = self.removed_in.get_mut(node) {
            *removed = round;
        }
        if let Some(spreaders) = &mut self.spreaders {
            spreaders.remove(node);
        }
    }

    fn apply_faults(&mut self, round: u32) {
        if self.burst_until != 0 && round >= self.burst_until {
            self.loss = self.base_loss;
            self.burst_until = 0;
        }
        let due = self.faults.iter().take_while(|f| f.round <= round).count();
        for scheduled in self.faults.drain(..due).collect::<Vec<_>>() {
            match scheduled.fault {
                RoundFault::Crash { nodes } => nodes
                    .iter()
                    .for_each(|&id| self.crashed[id as usize] = true),
                RoundFault::CrashRandom { count } => {
                    let running: Vec<usize> = (0..self.nodes.len())
                        .filter(|&i| !self.crashed[i])
                        .collect();
                    let count = (count as usize).min(running.len());
                    let mut running = running;
                    for chosen in 0..count {
                        let pick = self.rng.random_range(chosen..running.len());
                        running.swap(chosen, pick);
                        self.crashed[running[chosen]] = true;
                    }
                }
                RoundFault::Restart { nodes, keep_state } => {
                    for id in nodes {
                        let node = id as usize;
                        if !self.crashed.is_empty() {
                            self.crashed[node] = false;
                        }
                        if !keep_state && self.nodes.knows(node) {
                            if self.nodes.phase(node) == Phase::Infective {
                                self.infective -= 1;
                            }
                            self.susceptible += 1;
                            self.nodes.forget(node);
                            if let Some(spreaders) = &mut self.spreaders {
                                spreaders.remove(node);
                            }
                        }
                    }
                }
                RoundFault::Partition { parts } => self.parts = parts,
                RoundFault::Heal => self.parts = 1,
                RoundFault::LossBurst { loss, rounds } => {
                    self.loss = loss;
                    self.burst_until = round + rounds;
                }
            }
        }
        if due > 0 && !self.crashed.is_empty() {
            self.infective_crashed = (0..self.nodes.len())
                .filter(|&i| self.crashed[i] && self.nodes.phase(i) == Phase::Infective)
                .count() as u32;
        }
    }

    /// Runs one round; returns its counts, or `None` if the run was already quiescent.
    pub fn step(&mut self) -> Option<RoundMetrics> {
        if self.is_quiescent() {
            return None;
        }
        self.round += 1;
        let round = self.round;
        self.apply_faults(round);
        self.accepted.fill(0);
        let before = (self.messages, self.contacts, self.lost, self.duplicates);
        if let Some(population) = self.plain_push_population() {
            self.plain_push_round(population, round);
        } else if let Some(spreaders) = &self.spreaders {
            // A node acting removes only itself, so each word read before its nodes act still
            // lists exactly the spreaders this round began with.
            for index in 0..spreaders.word_count() {
                let mut word = self.spreaders.as_ref().map_or(0, |s| s.word(index));
                while word != 0 {
                    let node = index * 64 + word.trailing_zeros() as usize;
                    word &= word - 1;
                    self.act(node, round);
                }
            }
        } else {
            for node in 0..self.nodes.len() {
                self.act(node, round);
            }
            self.close_answers(round);
        }
        self.settle_informed();
        Some(RoundMetrics {
            round,
            susceptible: self.susceptible,
            infective: self.infective,
            removed: self.nodes.len() as u32 - self.susceptible - self.infective,
            messages: self.messages - before.0,
            contacts: self.contacts - before.1,
            lost: self.lost - before.2,
            duplicates: self.duplicates - before.3,
        })
    }

    /// The nodes informed in the round just run knew before the next; in push, they spread in
    /// it.
    fn settle_informed(&mut self) {
        for &node in &self.informed_now {
            self.nodes.settle(node as usize);
            if let Some(spreaders) = &mut self.spreaders {
                spreaders.insert(node as usize);
            }
        }
        self.informed_now.clear();
    }

    /// The population's size if this round is a plain push round: pushes to peers drawn from
    /// the whole population, where nothing can be lost, refused, cut off, crashed or logged.
    fn plain_push_population(&self) -> Option<u32> {
        match self.peers {
            Peers::Population(UniformPopulation { n })
                if self.spreaders.is_some()
                    && self.crashed.is_empty()
                    && self.accepted.is_empty()
                    && self.parts == 1
                    && self.loss == 0.0
                    && self.message_log.is_none() =>
            {
                Some(n)
            }
            _ => None,
        }
    }

    /// A plain push round ([`Self::plain_push_population`]): what [`Self::act`] and
    /// [`Self::transmit`] do for each spreader, with the branches that cannot apply taken out
    /// and the counts kept in registers. The same draws in the same order, so the same run.
    fn plain_push_round(&mut self, population: u32, round: u32) {
        let RumorRun {
            config,
            nodes,
            spreaders: Some(spreaders),
            rng,
            informed_now,
            ..
        } = self
        else {
            return;
        };
        let (mut messages, mut duplicates, mut informed, mut lost_interest) = (0u64, 0u64, 0, 0);
        // A node acting removes only itself, so each word read before its nodes act still lists
        // exactly the spreaders this round began with.
        for index in 0..spreaders.word_count() {
            let mut word = spreaders.word(index);
            while word != 0 {
                let node = index * 64 + word.trailing_zeros() as usize;
                word &= word - 1;
                for _ in 0..config.fanout {
                    if !nodes.is_spreading(node) {
                        break;
                    }
                    let avoid = nodes.avoid(node);
                    let Some(peer) = pick_from_population(population, node as NodeId, avoid, rng)
                    else {
                        break;
                    };
                    let peer = peer as usize;
                    messages += 1;
                    let knew = nodes.knew_before_now(peer);
                    duplicates += u64::from(knew);
                    if nodes.receive(peer, node as NodeId, round) {
                        informed += 1;
                        informed_now.push(peer as u32);
                    }
                    if nodes.after_contact(node, config, knew, rng) {
                        lost_interest += 1;
                        spreaders.remove(node);
                    }
                }
            }
        }
        self.messages += messages;
        self.contacts += messages;
        self.duplicates += duplicates;
        self.susceptible -= informed;
        self.infective = self.infective + informed - lost_interest;
        if informed > 0 {
            self.last_learned = round;
        }
    }

    /// What `node` does in `round`: its contacts, each a push, a pull or both.
    fn act(&mut self, node: usize, round: u32) {
        let (pushes, pulls) = (
            self.config.direction.pushes(),
            self.config.direction.pulls(),
        );
        if self.is_crashed(node) {
            return;
        }
        for _ in 0..self.config.fanout {
            let spreading = self.spreads(node, round);
            // Push only: a node that is not (or no longer) spreading has nothing to do.
            if !pulls && !spreading {
                break;
            }
            let avoid = if spreading {
                self.nodes.avoid(node)
            } else {
                NO_SENDER
            };
            let Some(peer) = self.peers.pick(node as NodeId, avoid, &mut self.rng) else {
                break;
            };
            let peer = peer as usize;
            self.contacts += 1;
            let unreachable = self.is_crashed(peer)
                || (self.parts > 1 && self.partition_of(node) != self.partition_of(peer));
            if unreachable || !self.accepts(peer) {
                continue;
            }
            if pushes && spreading {
                self.transmit(node, peer, round, false);
            }
            if pulls && self.spreads(peer, round) {
                self.transmit(peer, node, round, true);
            }
        }
    }

    /// Runs to quiescence, calling `on_round` after each round.
    pub fn run(&mut self, mut on_round: impl FnMut(&RoundMetrics)) -> RunSummary {
        while let Some(metrics) = self.step() {
            on_round(&metrics);
        }
        self.summary()
    }

    /// Figures so far (final once quiescent).
    pub fn summary(&self) -> RunSummary {
        let nodes = self.nodes.len() as u32;
        let (learned, time_sum, t_last) = self.nodes.learned().filter(|(knows, _)| *knows).fold(
            (0u64, 0u64, 0u32),
            |(count, sum, last), (_, learned)| {
                (count + 1, sum + u64::from(learned.at), last.max(learned.at))
            },
        );
        RunSummary {
            nodes,
            rounds: self.round,
            full_infection_round: (self.susceptible == 0).then_some(t_last),
            residue: f64::from(self.susceptible) / f64::from(nodes),
            traffic: self.messages as f64 / f64::from(nodes),
            t_ave: time_sum as f64 / learned as f64,
            t_last,
            messages: self.messages,
            contacts: self.contacts,
            lost: self.lost,
            duplicates: self.duplicates,
        }
    }
}

#[cfg(test)]
mod tests;
