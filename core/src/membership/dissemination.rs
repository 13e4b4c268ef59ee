//! Infection-style dissemination (SWIM section 4.1): the buffer of membership updates waiting to
//! be piggybacked on protocol messages.
//!
//! Shaped for the hot path of a large simulated cluster (issue 16): a buffer holds a handful of
//! updates most of the time, and every protocol message asks it for some, so it is a flat list
//! in no particular order, scanned for the best few (no tree nodes to allocate and chase), which
//! are written into the caller's buffer (no list per message). A joiner that has just learned a thousand members holds a
//! thousand updates; a scan of them per message costs microseconds, and a bitset of the queued
//! ids keeps a push from searching the list.

use std::cmp::Reverse;

use super::id_set::IdSet;
use super::message::MemberUpdate;
use crate::NodeId;

/// One queued update about another member.
#[derive(Clone, Copy, Debug)]
struct Entry {
    update: MemberUpdate,
    /// Transmissions so far.
    sent: u32,
    /// When it was queued: later pushes have larger orders.
    order: u64,
}

impl Entry {
    /// Fewest transmissions first, then the newest.
    fn rank(&self) -> (u32, Reverse<u64>) {
        (self.sent, Reverse(self.order))
    }
}

/// The dissemination buffer: at most one pending update per member (the latest), ranked by fewest
/// transmissions as section 4.1 asks, ties going to the newest. The member's own update is held
/// apart and goes before all of them: the caller takes it first, with [`Piggyback::take_own`].
#[derive(Clone, Debug)]
pub(super) struct Piggyback {
    /// The member whose buffer this is.
    me: NodeId,
    /// Its own update, with its transmissions so far.
    own: Option<(MemberUpdate, u32)>,
    /// Updates about other members, in no particular order.
    entries: Vec<Entry>,
    /// The ids `entries` holds an update about.
    queued: IdSet,
    /// The insertion order of the next update pushed.
    next_order: u64,
}

/// Above this many entries' room an emptied list gives its storage back: a joiner's burst of
/// news should not stay allocated for the rest of the run.
const RELEASED_ABOVE: usize = 64;

impl Piggyback {
    /// An empty buffer for member `me`.
    pub(super) fn new(me: NodeId) -> Self {
        Piggyback {
            me,
            own: None,
            entries: Vec::new(),
            queued: IdSet::default(),
            next_order: 0,
        }
    }

    /// Updates waiting to be sent (at most one per member).
    pub(super) fn len(&self) -> usize {
        self.entries.len() + usize::from(self.own.is_some())
    }

    /// Whether the member's own update is waiting to be sent.
    pub(super) fn has_own(&self) -> bool {
        self.own.is_some()
    }

    /// Queues `update`, never sent yet, in place of any update about the same member.
    pub(super) fn push(&mut self, update: MemberUpdate) {
        let order = self.next_order;
        self.next_order += 1;
        if update.id == self.me {
            self.own = Some((update, 0));
            return;
        }
        let entry = Entry {
            update,
            sent: 0,
            order,
        };
        if self.queued.insert(update.id) {
            self.entries.push(entry);
        } else {
            let index = self.index_of(update.id);
            self.entries[index] = entry;
        }
    }

    /// Sends the member's own update once more, if one is queued; it leaves the buffer after
    /// `limit` sends.
    pub(super) fn take_own(&mut self, limit: u32) -> Option<MemberUpdate> {
        let (update, sent) = self.own.as_mut()?;
        let update = *update;
        *sent += 1;
        if *sent >= limit {
            self.own = None;
        }
        Some(update)
    }

    /// Appends to `out` up to `max` updates about other members for one message, fewest sends
    /// first, none about `skip`; each leaves the buffer after `limit` sends.
    pub(super) fn take(
        &mut self,
        max: usize,
        limit: u32,
        skip: Option<NodeId>,
        out: &mut Vec<MemberUpdate>,
    ) {
        if max == 0 || self.entries.is_empty() {
            return;
        }
        // The best `max` entries, by rank, gathered at the front of the list in rank order: an
        // insertion sort whose front drops its worst when full (the list's order is free).
        let mut held = 0;
        for index in 0..self.entries.len() {
            if Some(self.entries[index].update.id) == skip {
                continue;
            }
            let rank = self.entries[index].rank();
            let mut at = if held < max {
                held += 1;
                held - 1
            } else if rank < self.entries[held - 1].rank() {
                held - 1
            } else {
                continue;
            };
            // The entry at `at` (a skipped one, or the front's worst) goes where this one was.
            self.entries.swap(at, index);
            while at > 0 && self.entries[at - 1].rank() > rank {
                self.entries.swap(at - 1, at);
                at -= 1;
            }
        }
        for entry in &mut self.entries[..held] {
            out.push(entry.update);
            entry.sent += 1;
        }
        // From the back of the front, so that each swap brings in an entry already looked at.
        for index in (0..held).rev() {
            let entry = self.entries[index];
            if entry.sent >= limit {
                self.entries.swap_remove(index);
                self.queued.remove(entry.update.id);
            }
        }
        if self.entries.is_empty() && self.entries.capacity() > RELEASED_ABOVE {
            self.entries = Vec::new();
        }
    }

    /// Where the entry about `id`, which is queued, is.
    fn index_of(&self, id: NodeId) -> usize {
        self.entries
            .iter()
            .position(|entry| entry.update.id == id)
            .expect("a queued id has an entry")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use rand::RngExt;

    use super::*;
    use crate::membership::message::MemberState;
    use crate::seeded_rng;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn update(id: NodeId, incarnation: u32) -> MemberUpdate {
        MemberUpdate {
            id,
            incarnation,
            state: MemberState::Alive,
            origin: None,
        }
    }

    fn take(
        buffer: &mut Piggyback,
        max: usize,
        limit: u32,
        skip: Option<NodeId>,
    ) -> Vec<MemberUpdate> {
        let mut out = Vec::new();
        buffer.take(max, limit, skip, &mut out);
        out
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_buffer_keeps_the_latest_news_and_sends_the_least_sent_first() {
        let mut buffer = Piggyback::new(1);
        for id in 1..=3 {
            buffer.push(update(id, 0));
        }
        // Newer news about 2 replaces the older, and counts as never sent.
        assert_eq!(take(&mut buffer, 1, 2, None), [update(3, 0)]);
        buffer.push(update(2, 1));
        assert_eq!(buffer.len(), 3);
        // Never sent first (the newest first among those), then the once sent; the own update
        // (member 1's) only by `take_own`.
        assert_eq!(take(&mut buffer, 3, 2, None), [update(2, 1), update(3, 0)]);
        // 3 has now been sent twice, the limit: gone.
        assert_eq!(buffer.len(), 2);
        assert!(buffer.has_own());
        assert_eq!(buffer.take_own(2), Some(update(1, 0)));
        assert_eq!(take(&mut buffer, 16, 2, Some(2)), []);
        assert_eq!(take(&mut buffer, 16, 2, None), [update(2, 1)]);
        assert_eq!(buffer.take_own(2), Some(update(1, 0)));
        assert_eq!(buffer.take_own(2), None);
        assert_eq!(buffer.len(), 0);
    }

    /// The buffer as it was, two sorted trees: the reference the flat list must agree with.
    #[derive(Default)]
    struct Reference {
        entries: BTreeMap<NodeId, (MemberUpdate, u32, u64)>,
        ranked: BTreeSet<(u32, Reverse<u64>, NodeId)>,
        next_order: u64,
    }

    impl Reference {
        fn push(&mut self, update: MemberUpdate) {
            if let Some((_, sent, order)) = self.entries.remove(&update.id) {
                self.ranked.remove(&(sent, Reverse(order), update.id));
            }
            let order = self.next_order;
            self.next_order += 1;
            self.entries.insert(update.id, (update, 0, order));
            self.ranked.insert((0, Reverse(order), update.id));
        }

        fn take_one(&mut self, id: NodeId, limit: u32) -> Option<MemberUpdate> {
            let &(_, sent, order) = self.entries.get(&id)?;
            Some(self.send((sent, Reverse(order), id), limit))
        }

        fn take(&mut self, max: usize, limit: u32, skip: &[NodeId]) -> Vec<MemberUpdate> {
            let picked: Vec<_> = self
                .ranked
                .iter()
                .filter(|(_, _, id)| !skip.contains(id))
                .take(max)
                .copied()
                .collect();
            picked
                .into_iter()
                .map(|key| self.send(key, limit))
                .collect()
        }

        fn send(&mut self, key: (u32, Reverse<u64>, NodeId), limit: u32) -> MemberUpdate {
            self.ranked.remove(&key);
            let (sent, order, id) = key;
            let sent = sent + 1;
            let entry = self
                .entries
                .get_mut(&id)
                .expect("ranked entries are present");
            let update = entry.0;
            if sent >= limit {
                self.entries.remove(&id);
            } else {
                entry.1 = sent;
                self.ranked.insert((sent, order, id));
            }
            update
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_flat_buffer_sends_what_the_sorted_trees_sent() {
        // Random pushes (the own id among them) and takes of every size, with and without a
        // skipped id, against the reference: the same updates in the same order every time.
        let mut rng = seeded_rng(21);
        for round in 0..60 {
            let me = rng.random_range(0..40);
            let mut buffer = Piggyback::new(me);
            let mut reference = Reference::default();
            let ids = if round % 3 == 0 { 400 } else { 40 };
            for _ in 0..1_500 {
                match rng.random_range(0..4) {
                    0 | 1 => {
                        let update = update(rng.random_range(0..ids), rng.random_range(0..9));
                        buffer.push(update);
                        reference.push(update);
                    }
                    _ => {
                        let (max, limit) = (rng.random_range(0..20), rng.random_range(1..6));
                        assert_eq!(buffer.take_own(limit), reference.take_one(me, limit));
                        let skip = rng.random_bool(0.5).then(|| rng.random_range(0..ids));
                        let skipped: Vec<NodeId> = [me].into_iter().chain(skip).collect();
                        assert_eq!(
                            take(&mut buffer, max, limit, skip),
                            reference.take(max, limit, &skipped)
                        );
                    }
                }
                assert_eq!(buffer.len(), reference.entries.len());
                assert_eq!(buffer.has_own(), reference.entries.contains_key(&me));
            }
        }
    }
}
