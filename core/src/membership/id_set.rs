//! A set of member ids kept as a bitset over the dense ids (one bit a member, where a sorted
//! list took four bytes), with the far ids in a sorted list beside it: SWIM's list of the Alive
//! members, which every node holds for every other (issue 16's bytes per member entry).

use crate::NodeId;

/// Ids below this many bits past 32 times the set's size still go to the bitset: it takes at
/// most about four bytes an id (what the sorted list took), or 1 KiB, so that one far id cannot
/// make it large.
const DENSE_SLACK_BITS: usize = 8_192;

/// A set of ids iterated, counted, ranked and indexed in ascending order, as a sorted
/// `Vec<NodeId>` would be.
#[derive(Clone, Debug, Default)]
pub(super) struct IdSet {
    /// Bit `id % 64` of word `id / 64` is set when `id` is in the set, for ids below
    /// `64 * words.len()`.
    words: Vec<u64>,
    /// Ids of the set at or past the bitset's end, ascending.
    far: Vec<NodeId>,
    /// Ids in the set, both parts.
    len: usize,
}

impl IdSet {
    /// How many ids the set holds.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// The bitset's end: ids below it are bits.
    fn dense_end(&self) -> usize {
        self.words.len() * 64
    }

    /// Adds `id`; false if it was there.
    pub(super) fn insert(&mut self, id: NodeId) -> bool {
        let slot = id as usize;
        if slot >= self.dense_end() && slot < 32 * (self.len + 1) + DENSE_SLACK_BITS {
            self.grow(slot / 64 + 1);
        }
        if slot < self.dense_end() {
            let (word, bit) = (slot / 64, 1u64 << (slot % 64));
            if self.words[word] & bit != 0 {
                return false;
            }
            self.words[word] |= bit;
        } else {
            match self.far.binary_search(&id) {
                Ok(_) => return false,
                Err(position) => self.far.insert(position, id),
            }
        }
        self.len += 1;
        true
    }

    /// Removes `id`; false if it was not there.
    pub(super) fn remove(&mut self, id: NodeId) -> bool {
        let slot = id as usize;
        if slot < self.dense_end() {
            let (word, bit) = (slot / 64, 1u64 << (slot % 64));
            if self.words[word] & bit == 0 {
                return false;
            }
            self.words[word] &= !bit;
        } else {
            match self.far.binary_search(&id) {
                Ok(position) => {
                    self.far.remove(position);
                }
                Err(_) => return false,
            }
        }
        self.len -= 1;
        true
    }

    /// Extends the bitset to `words` words (exactly: the bitset is small beside the member
    /// table, and grows rarely), moving in the far ids it now covers.
    fn grow(&mut self, words: usize) {
        self.words.resize(words, 0);
        let covered = self.far.partition_point(|&id| (id as usize) < words * 64);
        for id in self.far.drain(..covered) {
            self.words[id as usize / 64] |= 1 << (id % 64);
        }
    }

    /// Frees spare capacity (after a bootstrap, when the set will not grow much).
    pub(super) fn shrink_to_fit(&mut self) {
        self.words.shrink_to_fit();
        self.far.shrink_to_fit();
    }

    /// Whether `id` is in the set: a bit test for the dense ids.
    pub(super) fn contains(&self, id: NodeId) -> bool {
        let slot = id as usize;
        if slot < self.dense_end() {
            self.words[slot / 64] & (1 << (slot % 64)) != 0
        } else {
            self.far.binary_search(&id).is_ok()
        }
    }

    /// Where `id` is in ascending order, if it is in the set.
    pub(super) fn position(&self, id: NodeId) -> Option<usize> {
        let slot = id as usize;
        if slot < self.dense_end() {
            let (word, bit) = (slot / 64, slot % 64);
            if self.words[word] & (1 << bit) == 0 {
                return None;
            }
            let before: u32 = self.words[..word].iter().map(|w| w.count_ones()).sum();
            let below = (self.words[word] & ((1u64 << bit) - 1)).count_ones();
            Some((before + below) as usize)
        } else {
            let dense = self.len - self.far.len();
            self.far.binary_search(&id).ok().map(|i| dense + i)
        }
    }

    /// The `index`-th id in ascending order.
    pub(super) fn nth(&self, index: usize) -> Option<NodeId> {
        let dense = self.len - self.far.len();
        if index >= dense {
            return self.far.get(index - dense).copied();
        }
        let mut left = index as u32;
        for (w, &word) in self.words.iter().enumerate() {
            let ones = word.count_ones();
            if left < ones {
                let mut word = word;
                for _ in 0..left {
                    word &= word - 1;
                }
                return Some((w * 64) as NodeId + word.trailing_zeros());
            }
            left -= ones;
        }
        None
    }

    /// Ascending.
    pub(super) fn iter(&self) -> impl Iterator<Item = NodeId> + '_ {
        let dense = self.words.iter().enumerate().flat_map(|(w, &word)| {
            let mut word = word;
            std::iter::from_fn(move || {
                (word != 0).then(|| {
                    let bit = word.trailing_zeros();
                    word &= word - 1;
                    (w * 64) as NodeId + bit
                })
            })
        });
        dense.chain(self.far.iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use rand::RngExt;

    use super::*;
    use crate::seeded_rng;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn the_set_agrees_with_a_sorted_set_for_dense_and_far_ids() {
        let mut rng = seeded_rng(12);
        for _ in 0..40 {
            let mut set = IdSet::default();
            let mut reference = BTreeSet::new();
            let mut largest = 0;
            for step in 0..800u32 {
                let id = match rng.random_range(0..10) {
                    0 => rng.random_range(0..u32::MAX),
                    1 => rng.random_range(0..40_000),
                    _ => rng.random_range(0..(step + 64)),
                };
                if rng.random_range(0..3) == 0 {
                    assert_eq!(set.remove(id), reference.remove(&id));
                } else {
                    assert_eq!(set.insert(id), reference.insert(id));
                }
                assert_eq!(set.len(), reference.len());
                largest = largest.max(reference.len());
                let probe = rng.random_range(0..(step + 64));
                assert_eq!(set.contains(probe), reference.contains(&probe));
                assert_eq!(set.contains(id), reference.contains(&id));
                assert_eq!(
                    set.position(probe),
                    reference.iter().position(|&other| other == probe)
                );
            }
            assert!(set.iter().eq(reference.iter().copied()));
            for (index, &id) in reference.iter().enumerate() {
                assert_eq!(set.nth(index), Some(id));
                assert_eq!(set.position(id), Some(index));
            }
            assert_eq!(set.nth(reference.len()), None);
            set.shrink_to_fit();
            assert!(set.iter().eq(reference.iter().copied()));
            assert!(
                set.dense_end() <= 32 * (largest + 1) + DENSE_SLACK_BITS + 64,
                "the bitset stays within its bound"
            );
        }
    }
}
