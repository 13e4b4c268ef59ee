//! The table of every member heard of, indexed by id: 16 bytes a member in the common case
//! (ids dense from 0), so that a thousand simulated nodes each holding a thousand members keep
//! their tables in about 16 MB.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::message::Member;
use crate::{NodeId, Time};

/// Hashes a [`NodeId`] by one multiplication (FxHash's): ids are small integers, and the table
/// is never iterated in hash order, so nothing depends on the hash but lookup speed.
#[derive(Clone, Copy, Debug, Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// Every member ever heard of (members are never removed), iterated by ascending id as a
/// sorted map would be. Ids are mostly small and dense (a population numbered from 0, joiners
/// after it), so most members sit in a vector indexed by id: a lookup is one memory access, and
/// a walk in id order is a scan. (With a thousand simulated nodes each holding a thousand
/// members, the tables miss the cache at nearly every message; a hash table missed twice.) Ids
/// far beyond the number of members go to a hash map instead, so that one peer named
/// 4,000,000,000 cannot make every table that large.
///
/// A slot is a [`Member`] (16 bytes, the empty slot in its state's spare values); the vector
/// grows by a quarter at a time rather than doubling, so it holds at most about 20 bytes a
/// member. The deadlines of suspicions, which few members have at a time, are kept apart.
#[derive(Clone, Debug, Default)]
pub(super) struct MemberTable {
    /// The member with id `i`, for ids below `dense.len()`.
    dense: Vec<Option<Member>>,
    /// Members whose ids are at least `dense.len()`.
    sparse: HashMap<NodeId, Member, BuildHasherDefault<IdHasher>>,
    /// The ids of `sparse`, ascending.
    sparse_ids: Vec<NodeId>,
    /// For each member held Suspect: when the suspicion runs out and it is declared Dead.
    suspect_deadlines: HashMap<NodeId, Time, BuildHasherDefault<IdHasher>>,
    /// Members held, dense and sparse.
    len: usize,
}

/// Ids up to this many slots past four times the member count still go to the dense vector:
/// its slots stay at least about a quarter used, or it stays under 16 KiB.
const DENSE_SLACK: usize = 1_024;

impl MemberTable {
    pub(super) fn get(&self, id: &NodeId) -> Option<&Member> {
        match self.dense.get(*id as usize) {
            Some(slot) => slot.as_ref(),
            None if self.sparse.is_empty() => None,
            None => self.sparse.get(id),
        }
    }

    /// While `id` is held Suspect: when the suspicion runs out.
    pub(super) fn suspect_deadline(&self, id: NodeId) -> Option<Time> {
        if self.suspect_deadlines.is_empty() {
            // Most of the time nobody is suspected: no hashing then.
            return None;
        }
        self.suspect_deadlines.get(&id).copied()
    }

    /// Moves the deadline of the suspicion of `id`, a member held Suspect.
    pub(super) fn set_suspect_deadline(&mut self, id: NodeId, deadline: Time) {
        if let Some(held) = self.suspect_deadlines.get_mut(&id) {
            *held = deadline;
        }
    }

    pub(super) fn contains_key(&self, id: &NodeId) -> bool {
        self.get(id).is_some()
    }

    /// Holds `member` for `id`, with the deadline of its suspicion if it is Suspect.
    pub(super) fn insert(&mut self, id: NodeId, member: Member, suspect_deadline: Option<Time>) {
        match suspect_deadline {
            Some(deadline) => {
                self.suspect_deadlines.insert(id, deadline);
            }
            None if !self.suspect_deadlines.is_empty() => {
                self.suspect_deadlines.remove(&id);
            }
            None => {}
        }
        let slot = id as usize;
        if slot >= self.dense.len() && !self.sparse.contains_key(&id) {
            if slot < 4 * (self.len + 1) + DENSE_SLACK {
                self.grow_dense(slot + 1);
            } else {
                let position = self.sparse_ids.partition_point(|&other| other < id);
                self.sparse_ids.insert(position, id);
                self.sparse.insert(id, member);
                self.len += 1;
                return;
            }
        }
        match self.dense.get_mut(slot) {
            Some(entry) => {
                if entry.replace(member).is_none() {
                    self.len += 1;
                }
            }
            None => {
                self.sparse.insert(id, member);
            }
        }
    }

    /// Extends the dense vector to `slots`, moving in the sparse members it now covers.
    fn grow_dense(&mut self, slots: usize) {
        let capacity = self.dense.capacity();
        if slots > capacity {
            // By a quarter, not the doubling `resize` would choose: still a constant number of
            // copies per slot, and at most a fifth of the slots spare.
            let wanted = slots.max(capacity + capacity / 4 + 16);
            self.dense.reserve_exact(wanted - self.dense.len());
        }
        self.dense.resize(slots, None);
        let covered = self.sparse_ids.partition_point(|&id| (id as usize) < slots);
        for id in self.sparse_ids.drain(..covered) {
            self.dense[id as usize] = self.sparse.remove(&id);
        }
    }

    /// Frees the dense vector's spare slots (after a bootstrap, when the table will not grow
    /// much).
    pub(super) fn shrink_to_fit(&mut self) {
        self.dense.shrink_to_fit();
        self.sparse_ids.shrink_to_fit();
    }

    /// How many members the table holds.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// By ascending id.
    pub(super) fn iter(&self) -> impl Iterator<Item = (NodeId, &Member)> + '_ {
        let dense = self
            .dense
            .iter()
            .enumerate()
            .filter_map(|(id, slot)| slot.as_ref().map(|member| (id as NodeId, member)));
        let sparse = self.sparse_ids.iter().map(|id| (*id, &self.sparse[id]));
        dense.chain(sparse)
    }
}

impl std::ops::Index<&NodeId> for MemberTable {
    type Output = Member;

    fn index(&self, id: &NodeId) -> &Member {
        self.get(id).expect("a member of the table")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use rand::RngExt;

    use super::*;
    use crate::Time;
    use crate::membership::message::MemberState;
    use crate::seeded_rng;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn a_slot_is_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<Option<Member>>(), 16);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn member_table_agrees_with_a_sorted_map_for_dense_and_far_ids() {
        // Ids from a dense population, joiners past it, and far ids that must go to the hash
        // map, until the dense vector grows over some of them and takes them in.
        let mut rng = seeded_rng(11);
        for round in 0..50 {
            let mut table = MemberTable::default();
            let mut reference = BTreeMap::new();
            for step in 0..600u32 {
                let id = match rng.random_range(0..10) {
                    0 => rng.random_range(0..u32::MAX),
                    1 => rng.random_range(0..20_000),
                    _ => rng.random_range(0..(step + 8)),
                };
                let member = Member {
                    state: MemberState::Alive,
                    incarnation: round * 1_000 + step,
                    since: Time::from(step),
                };
                let deadline = (step % 3 == 0).then_some(Time::from(step) * 7);
                table.insert(id, member, deadline);
                reference.insert(id, (member, deadline));
                let probe = rng.random_range(0..25_000);
                assert_eq!(table.get(&probe), reference.get(&probe).map(|(m, _)| m));
                assert_eq!(
                    table.suspect_deadline(probe),
                    reference.get(&probe).and_then(|(_, d)| *d)
                );
            }
            assert_eq!(table.len, reference.len());
            assert!(
                table
                    .iter()
                    .eq(reference.iter().map(|(&id, (m, _))| (id, m)))
            );
            for (id, (member, deadline)) in &mut reference {
                assert_eq!(table.get(id), Some(&*member));
                assert_eq!(table.suspect_deadline(*id), *deadline);
                if deadline.is_some() {
                    table.set_suspect_deadline(*id, 5);
                    *deadline = Some(5);
                }
            }
            for (id, (_, deadline)) in &reference {
                assert_eq!(table.suspect_deadline(*id), *deadline);
            }
            assert!(
                table.dense.len() <= 4 * (reference.len() + 1) + DENSE_SLACK,
                "the dense vector stays within its bound"
            );
            assert!(
                table.dense.capacity() <= table.dense.len() * 5 / 4 + 16,
                "at most a fifth of its slots spare"
            );
        }
    }
}
