//! Per-node state of the round engine, split by how the hot loop reaches it. A message reads
//! its receiver at a random place, so what it reads there (the phase, and whether the node
//! learned in this very round) is one byte per node: a million nodes' bytes stay in the
//! processor's cache, where a 12-byte [`RumorState`] per node did not. The rest (the counter,
//! who told the node and when) is read only by the node itself as it acts, in id order, and
//! written once when it learns.
//!
//! [`Spreaders`] is a bitset of the nodes that may spread in a push round, walked in id order.

use gossip_core::{NO_SENDER, NodeId, Phase, RumorState};

/// [`Nodes::flags`] bits.
mod flag {
    /// The phase ([`super::Phase`] as a number) in the low two bits.
    pub(super) const PHASE: u8 = 0b11;
    /// Learned during the current round: knows, but did not know when the round began.
    pub(super) const FRESH: u8 = 0b100;
}

/// Who told a node and when; written once, when it learns.
#[derive(Clone, Copy)]
pub(super) struct Learned {
    /// Who told the node ([`NO_SENDER`] for the origin and for a node that never learned).
    pub(super) from: NodeId,
    /// Round in which it learned.
    pub(super) at: u32,
}

/// Rumor state of every node, struct-of-arrays: 10 bytes a node, of which one is read at random.
pub(super) struct Nodes {
    /// Phase and [`flag::FRESH`], the byte a message's receiver is read for.
    flags: Vec<u8>,
    /// Contacts counted towards losing interest ([`RumorState::counter`]).
    counters: Vec<u8>,
    learned: Vec<Learned>,
}

fn phase_of(flags: u8) -> Phase {
    match flags & flag::PHASE {
        0 => Phase::Susceptible,
        1 => Phase::Infective,
        _ => Phase::Removed,
    }
}

impl Nodes {
    /// `n` susceptible nodes but `origin`, which starts infective in round 0.
    pub(super) fn new(n: usize, origin: usize) -> Self {
        let mut nodes = Nodes {
            flags: vec![Phase::Susceptible as u8; n],
            counters: vec![0; n],
            learned: vec![
                Learned {
                    from: NO_SENDER,
                    at: 0
                };
                n
            ],
        };
        nodes.flags[origin] = Phase::Infective as u8;
        nodes
    }

    pub(super) fn len(&self) -> usize {
        self.flags.len()
    }

    pub(super) fn phase(&self, node: usize) -> Phase {
        phase_of(self.flags[node])
    }

    /// Infective, and has been since before this round.
    pub(super) fn is_spreading(&self, node: usize) -> bool {
        self.flags[node] & (flag::PHASE | flag::FRESH) == Phase::Infective as u8
    }

    /// Removed, and knew before this round.
    pub(super) fn is_removed_before_now(&self, node: usize) -> bool {
        self.flags[node] & (flag::PHASE | flag::FRESH) == Phase::Removed as u8
    }

    /// Knew the rumor when this round began.
    pub(super) fn knew_before_now(&self, node: usize) -> bool {
        let flags = self.flags[node];
        flags & flag::PHASE != 0 && flags & flag::FRESH == 0
    }

    pub(super) fn knows(&self, node: usize) -> bool {
        self.flags[node] & flag::PHASE != 0
    }

    /// The peer `node` avoids when it chooses whom to tell ([`NO_SENDER`]: none).
    pub(super) fn avoid(&self, node: usize) -> NodeId {
        self.learned[node].from
    }

    /// The rumor reaches `node` from `from` in `round`; true if it learned it now
    /// ([`RumorState::receive`]).
    pub(super) fn receive(&mut self, node: usize, from: NodeId, round: u32) -> bool {
        if self.flags[node] & flag::PHASE != 0 {
            return false;
        }
        self.flags[node] = Phase::Infective as u8 | flag::FRESH;
        self.counters[node] = 0;
        self.learned[node] = Learned { from, at: round };
        true
    }

    /// The round is over: `node`, informed in it, now knew before the next.
    pub(super) fn settle(&mut self, node: usize) {
        self.flags[node] &= !flag::FRESH;
    }

    /// [`RumorState::after_contact`] for `node`: the same decision, on its state here.
    pub(super) fn after_contact<R: rand::Rng + ?Sized>(
        &mut self,
        node: usize,
        config: &gossip_core::RumorConfig,
        peer_knew: bool,
        rng: &mut R,
    ) -> bool {
        let flags = self.flags[node];
        let mut state = RumorState {
            phase: phase_of(flags),
            counter: self.counters[node],
            ..RumorState::default()
        };
        let lost_interest = state.after_contact(config, peer_knew, rng);
        self.flags[node] = (flags & !flag::PHASE) | state.phase as u8;
        self.counters[node] = state.counter;
        lost_interest
    }

    /// `node` forgets the rumor (a restart without state).
    pub(super) fn forget(&mut self, node: usize) {
        self.flags[node] = Phase::Susceptible as u8;
        self.counters[node] = 0;
        self.learned[node] = Learned {
            from: NO_SENDER,
            at: 0,
        };
    }

    /// Every node's phase, in id order.
    pub(super) fn phases(&self) -> impl Iterator<Item = Phase> + '_ {
        self.flags.iter().map(|&flags| phase_of(flags))
    }

    /// For every node, whether it knows and who told it when.
    pub(super) fn learned(&self) -> impl Iterator<Item = (bool, Learned)> + '_ {
        self.flags
            .iter()
            .zip(&self.learned)
            .map(|(&flags, &learned)| (flags & flag::PHASE != 0, learned))
    }
}

/// The nodes that may spread in a push round (infective ones, crashed or not), one bit each.
pub(super) struct Spreaders {
    words: Vec<u64>,
}

impl Spreaders {
    pub(super) fn new(n: usize) -> Self {
        Spreaders {
            words: vec![0; n.div_ceil(64)],
        }
    }

    pub(super) fn insert(&mut self, node: usize) {
        self.words[node / 64] |= 1 << (node % 64);
    }

    pub(super) fn remove(&mut self, node: usize) {
        self.words[node / 64] &= !(1 << (node % 64));
    }

    pub(super) fn word_count(&self) -> usize {
        self.words.len()
    }

    /// The members among nodes `64 * index .. 64 * index + 64`, one bit each.
    pub(super) fn word(&self, index: usize) -> u64 {
        self.words[index]
    }
}
