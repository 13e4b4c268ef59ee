//! Peer selection: how a node chooses whom to contact each round.
//!
//! One abstraction, several sources of peers. A simulation samples from the whole population (an
//! oracle), so no node has to hold a list of a million peers; a live node samples from its
//! membership list. Both sit behind [`PeerSelector`]. The choices:
//! - uniform: [`UniformPopulation`] (ids `0..n`, nothing stored) and [`UniformList`] (a list);
//! - a fixed Hamiltonian cycle, [`HamiltonianCycle`]: every node always contacts its successor in
//!   one fixed ring order, which makes anti-entropy predictable (every update crosses the ring in
//!   a known number of rounds) instead of probabilistic;
//! - distance-biased, [`DistanceBiased`]: a peer at distance `d` is chosen with probability
//!   proportional to `d^-a` (Demers et al. 1987, section 3, spatial distributions), so nearby
//!   peers are contacted more and slow links less.

use std::collections::BTreeMap;

use rand::{Rng, RngExt};

use crate::NodeId;
use crate::detmath::portable_powf;

/// Chooses a contact for `node`, never `node` itself and never `avoid` (the peer a rumor came
/// from). Returns `None` when no eligible peer exists.
pub trait PeerSelector {
    /// A peer for `node` to contact, other than `node` and `avoid`; `None` if there is none.
    /// Random choices draw from `rng`, so a seeded generator replays the same picks.
    fn pick<R: Rng + ?Sized>(
        &mut self,
        node: NodeId,
        avoid: Option<NodeId>,
        rng: &mut R,
    ) -> Option<NodeId>;
}

/// Uniform choice over the population `0..n`, without storing it.
#[derive(Clone, Copy, Debug)]
pub struct UniformPopulation {
    /// Size of the population: the ids are `0..n`.
    pub n: u32,
}

impl PeerSelector for UniformPopulation {
    fn pick<R: Rng + ?Sized>(
        &mut self,
        node: NodeId,
        avoid: Option<NodeId>,
        rng: &mut R,
    ) -> Option<NodeId> {
        // Draw from the population minus the excluded ids by drawing an index into the smaller
        // range and shifting it past them: one random draw, no rejection loop.
        let mut excluded = [node, avoid.unwrap_or(node)];
        excluded.sort_unstable();
        let distinct = if excluded[0] == excluded[1] { 1 } else { 2 };
        let excluded = &excluded[..distinct];
        let in_range = excluded.iter().filter(|&&id| id < self.n).count() as u32;
        let choices = self.n.checked_sub(in_range).filter(|&c| c > 0)?;
        let mut pick = rng.random_range(0..choices);
        for &id in excluded {
            if pick >= id {
                pick += 1;
            }
        }
        Some(pick)
    }
}

/// Uniform choice from an explicit list (a live node's membership view).
#[derive(Clone, Debug, Default)]
pub struct UniformList {
    /// The ids to choose from; `node` and `avoid` may be among them, and are skipped.
    pub peers: Vec<NodeId>,
}

impl PeerSelector for UniformList {
    fn pick<R: Rng + ?Sized>(
        &mut self,
        node: NodeId,
        avoid: Option<NodeId>,
        rng: &mut R,
    ) -> Option<NodeId> {
        pick_from(&self.peers, node, avoid, rng)
    }
}

/// Uniform choice among the ids in `peers` other than `node` and `avoid`: one draw.
pub fn pick_from<R: Rng + ?Sized>(
    peers: &[NodeId],
    node: NodeId,
    avoid: Option<NodeId>,
    rng: &mut R,
) -> Option<NodeId> {
    // Without an id to avoid, `node` stands in for it: excluded anyway.
    let avoid = avoid.unwrap_or(node);
    let excluded = |id: NodeId| id == node || id == avoid;
    let count = peers.len() - peers.iter().filter(|&&id| excluded(id)).count();
    if count == 0 {
        return None;
    }
    let index = rng.random_range(0..count);
    // The index-th id not excluded: `index` plus the excluded ids before it (there are few, so
    // this jumps from one to the next instead of testing every id before the one picked).
    let mut skipped = 0;
    let mut start = 0;
    while let Some(offset) = peers[start..].iter().position(|&id| excluded(id)) {
        let next_excluded = start + offset;
        if index + skipped < next_excluded {
            break;
        }
        skipped += 1;
        start = next_excluded + 1;
    }
    peers.get(index + skipped).copied()
}

/// Every node contacts its successor in a fixed ring order.
#[derive(Clone, Debug)]
pub struct HamiltonianCycle {
    /// The ring order; empty means the identity order over `0..n`.
    order: Vec<NodeId>,
    /// Position of each id in `order` (only for an explicit order).
    position: BTreeMap<NodeId, usize>,
    n: u32,
}

impl HamiltonianCycle {
    /// The ring 0 -> 1 -> ... -> n-1 -> 0, with nothing stored.
    pub fn over_population(n: u32) -> Self {
        HamiltonianCycle {
            order: Vec::new(),
            position: BTreeMap::new(),
            n,
        }
    }

    /// A ring over the given members in ascending id order, so that every member that sees the
    /// same membership builds the same ring.
    pub fn over_members(members: impl IntoIterator<Item = NodeId>) -> Self {
        let mut order: Vec<NodeId> = members.into_iter().collect();
        order.sort_unstable();
        order.dedup();
        let position = order
            .iter()
            .enumerate()
            .map(|(index, &id)| (id, index))
            .collect();
        HamiltonianCycle {
            n: order.len() as u32,
            order,
            position,
        }
    }

    fn at(&self, index: usize) -> NodeId {
        if self.order.is_empty() {
            index as NodeId
        } else {
            self.order[index]
        }
    }
}

impl PeerSelector for HamiltonianCycle {
    /// The successor of `node`; if that is `avoid`, the one after (a fixed ring has no choice, so
    /// "never back to the sender" only matters on a ring of two).
    fn pick<R: Rng + ?Sized>(
        &mut self,
        node: NodeId,
        avoid: Option<NodeId>,
        _rng: &mut R,
    ) -> Option<NodeId> {
        let n = self.n as usize;
        let position = if self.order.is_empty() {
            (node < self.n).then_some(node as usize)?
        } else {
            *self.position.get(&node)?
        };
        (1..n)
            .map(|step| self.at((position + step) % n))
            .find(|&peer| Some(peer) != avoid)
    }
}

/// Chooses a peer at distance `d` with probability proportional to `d^-exponent`.
///
/// Each pick weighs every candidate, O(n): meant for topologies the playground draws (up to tens
/// of thousands of nodes), not for million-node populations.
#[derive(Clone, Debug)]
pub struct DistanceBiased<D> {
    /// `distance(a, b)`: the hop count from `a` to `b`, or `None` when `b` is unreachable.
    pub distance: D,
    /// Size of the population: the candidates are `0..n`.
    pub n: u32,
    /// The bias `a`: a peer at distance `d` weighs `d^-a` (0 is uniform over reachable peers).
    pub exponent: f64,
}

impl<D: Fn(NodeId, NodeId) -> Option<u32>> PeerSelector for DistanceBiased<D> {
    /// `distance(a, b)` is the hop count, or `None` when `b` is unreachable from `a`.
    fn pick<R: Rng + ?Sized>(
        &mut self,
        node: NodeId,
        avoid: Option<NodeId>,
        rng: &mut R,
    ) -> Option<NodeId> {
        let weight = |peer: NodeId| -> f64 {
            if peer == node || Some(peer) == avoid {
                return 0.0;
            }
            match (self.distance)(node, peer) {
                // The portable power: the platform's may differ in the last bit in wasm.
                Some(d) if d > 0 => portable_powf(f64::from(d), -self.exponent),
                _ => 0.0,
            }
        };
        let total: f64 = (0..self.n).map(weight).sum();
        if total <= 0.0 {
            return None;
        }
        let mut target = rng.random_range(0.0..total);
        let mut last = None;
        for peer in 0..self.n {
            let w = weight(peer);
            if w <= 0.0 {
                continue;
            }
            last = Some(peer);
            if target < w {
                return Some(peer);
            }
            target -= w;
        }
        last // rounding left a sliver past the last weight
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeded_rng;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn population_pick_is_uniform_and_skips_excluded() {
        let mut selector = UniformPopulation { n: 10 };
        let mut rng = seeded_rng(3);
        let mut counts = [0u32; 10];
        for _ in 0..80_000 {
            let peer = selector.pick(4, Some(7), &mut rng).unwrap();
            counts[peer as usize] += 1;
        }
        assert_eq!(counts[4], 0);
        assert_eq!(counts[7], 0);
        // 8 eligible peers, 10,000 expected each; sd = sqrt(80000 * 1/8 * 7/8) ~ 94, so +-500 is
        // over 5 sigma.
        for (id, &count) in counts.iter().enumerate() {
            if id != 4 && id != 7 {
                assert!(
                    (9_500..=10_500).contains(&count),
                    "peer {id} picked {count} times"
                );
            }
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn population_pick_handles_tiny_populations() {
        let mut rng = seeded_rng(3);
        assert_eq!(UniformPopulation { n: 1 }.pick(0, None, &mut rng), None);
        assert_eq!(UniformPopulation { n: 2 }.pick(0, Some(1), &mut rng), None);
        assert_eq!(UniformPopulation { n: 2 }.pick(0, None, &mut rng), Some(1));
        assert_eq!(
            UniformPopulation { n: 3 }.pick(2, Some(0), &mut rng),
            Some(1)
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn list_pick_only_returns_listed_eligible_peers() {
        let mut selector = UniformList {
            peers: vec![3, 9, 12],
        };
        let mut rng = seeded_rng(5);
        for _ in 0..100 {
            assert_eq!(selector.pick(3, Some(9), &mut rng), Some(12));
        }
        assert_eq!(selector.pick(12, Some(9), &mut rng), Some(3));
        assert_eq!(UniformList::default().pick(0, None, &mut rng), None);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn list_pick_is_the_index_th_eligible_peer_with_duplicates_too() {
        // The reference: count the eligible peers, draw an index, take that one.
        fn reference(
            peers: &[NodeId],
            node: NodeId,
            avoid: Option<NodeId>,
            rng: &mut crate::SimRng,
        ) -> Option<NodeId> {
            let eligible = |id: &&NodeId| **id != node && Some(**id) != avoid;
            let count = peers.iter().filter(eligible).count();
            if count == 0 {
                return None;
            }
            let index = rng.random_range(0..count);
            peers.iter().filter(eligible).nth(index).copied()
        }
        let mut lists = seeded_rng(11);
        for case in 0..2_000u64 {
            let len = lists.random_range(0..12usize);
            let peers: Vec<NodeId> = (0..len).map(|_| lists.random_range(0..6)).collect();
            let node = lists.random_range(0..6);
            let avoid = lists.random_bool(0.7).then(|| lists.random_range(0..6));
            let (mut a, mut b) = (seeded_rng(case), seeded_rng(case));
            assert_eq!(
                pick_from(&peers, node, avoid, &mut a),
                reference(&peers, node, avoid, &mut b),
                "{peers:?} {node} {avoid:?}"
            );
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn hamiltonian_cycle_always_contacts_the_successor() {
        let mut rng = seeded_rng(1);
        let mut ring = HamiltonianCycle::over_population(4);
        let successors: Vec<_> = (0..4).map(|node| ring.pick(node, None, &mut rng)).collect();
        assert_eq!(successors, vec![Some(1), Some(2), Some(3), Some(0)]);
        assert_eq!(ring.pick(2, Some(3), &mut rng), Some(0), "skips the sender");
        assert_eq!(ring.pick(9, None, &mut rng), None, "not in the ring");

        let mut members = HamiltonianCycle::over_members([40, 10, 30, 10]);
        assert_eq!(members.pick(10, None, &mut rng), Some(30));
        assert_eq!(members.pick(40, None, &mut rng), Some(10));
        assert_eq!(
            HamiltonianCycle::over_members([7]).pick(7, None, &mut rng),
            None
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn distance_bias_follows_the_power_law() {
        // On a line 0..5 seen from node 0, peers at distance 1..4 have weights 1, 1/4, 1/9, 1/16
        // for a = 2 (total 1.4236): node 1 should get 70.2% of 50,000 picks (sd about 0.2%), and
        // node 4 4.4%.
        let mut selector = DistanceBiased {
            distance: |a: NodeId, b: NodeId| Some(a.abs_diff(b)),
            n: 5,
            exponent: 2.0,
        };
        let mut rng = seeded_rng(9);
        let mut counts = [0u32; 5];
        for _ in 0..50_000 {
            counts[selector.pick(0, None, &mut rng).unwrap() as usize] += 1;
        }
        let share = |id: usize| f64::from(counts[id]) / 50_000.0;
        assert_eq!(counts[0], 0);
        assert!((share(1) - 1.0 / 1.4236).abs() < 0.01, "{counts:?}");
        assert!(
            (share(4) - (1.0 / 16.0) / 1.4236).abs() < 0.005,
            "{counts:?}"
        );
        // Unreachable peers are never chosen.
        let mut cut = DistanceBiased {
            distance: |a: NodeId, b: NodeId| (b < 2).then_some(a.abs_diff(b)),
            n: 5,
            exponent: 1.0,
        };
        for _ in 0..100 {
            assert_eq!(cut.pick(0, None, &mut rng), Some(1));
        }
        assert_eq!(cut.pick(0, Some(1), &mut rng), None);
    }
}
