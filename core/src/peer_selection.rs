//! Peer selection: how a node chooses whom to contact each round.
//!
//! One abstraction, several sources of peers. A simulation samples from the whole population (an
//! oracle), so no node has to hold a list of a million peers; a live node samples from its
//! membership list. Both sit behind [`PeerSelector`].

use rand::{Rng, RngExt};

use crate::NodeId;

/// Chooses a contact for `node`, never `node` itself and never `avoid` (the peer a rumor came
/// from). Returns `None` when no eligible peer exists.
pub trait PeerSelector {
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
    pub peers: Vec<NodeId>,
}

impl PeerSelector for UniformList {
    fn pick<R: Rng + ?Sized>(
        &mut self,
        node: NodeId,
        avoid: Option<NodeId>,
        rng: &mut R,
    ) -> Option<NodeId> {
        let eligible = |id: &&NodeId| **id != node && Some(**id) != avoid;
        let count = self.peers.iter().filter(eligible).count();
        if count == 0 {
            return None;
        }
        let index = rng.random_range(0..count);
        self.peers.iter().filter(eligible).nth(index).copied()
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
}
