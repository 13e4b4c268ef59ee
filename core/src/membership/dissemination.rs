//! Infection-style dissemination (SWIM section 4.1): the buffer of membership updates waiting to
//! be piggybacked on protocol messages.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use super::message::MemberUpdate;
use crate::NodeId;

/// The dissemination buffer: at most one pending update per member (the latest), ranked by fewest
/// transmissions as section 4.1 asks, ties going to the newest. The member's own update goes
/// before all of them: the caller takes it first, with [`Piggyback::take_one`].
#[derive(Clone, Debug, Default)]
pub(super) struct Piggyback {
    /// id -> (update, transmissions so far, insertion order).
    entries: BTreeMap<NodeId, (MemberUpdate, u32, u64)>,
    /// The keys of `entries` by rank: (transmissions so far, newest first, id).
    ranked: BTreeSet<(u32, Reverse<u64>, NodeId)>,
    /// The insertion order of the next update pushed.
    next_order: u64,
}

impl Piggyback {
    /// Updates waiting to be sent (at most one per member).
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether an update about `id` is waiting to be sent.
    pub(super) fn contains(&self, id: NodeId) -> bool {
        self.entries.contains_key(&id)
    }

    /// Queues `update`, never sent yet, in place of any update about the same member.
    pub(super) fn push(&mut self, update: MemberUpdate) {
        if let Some((_, sent, order)) = self.entries.remove(&update.id) {
            self.ranked.remove(&(sent, Reverse(order), update.id));
        }
        let order = self.next_order;
        self.next_order += 1;
        self.entries.insert(update.id, (update, 0, order));
        self.ranked.insert((0, Reverse(order), update.id));
    }

    /// Sends the update about `id` once more, if one is queued.
    pub(super) fn take_one(&mut self, id: NodeId, limit: u32) -> Option<MemberUpdate> {
        let &(_, sent, order) = self.entries.get(&id)?;
        Some(self.send((sent, Reverse(order), id), limit))
    }

    /// Takes up to `max` updates for one message, fewest sends first, none about an id in
    /// `skip`.
    pub(super) fn take(&mut self, max: usize, limit: u32, skip: &[NodeId]) -> Vec<MemberUpdate> {
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

    /// Counts one send of the update ranked at `key`; it leaves the buffer after `limit` sends.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::membership::message::MemberState;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn update(id: NodeId, incarnation: u32) -> MemberUpdate {
        MemberUpdate {
            id,
            incarnation,
            state: MemberState::Alive,
            origin: None,
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_buffer_keeps_the_latest_news_and_sends_the_least_sent_first() {
        let mut buffer = Piggyback::default();
        for id in 1..=3 {
            buffer.push(update(id, 0));
        }
        // Newer news about 2 replaces the older, and counts as never sent.
        assert_eq!(buffer.take(1, 2, &[]), [update(3, 0)]);
        buffer.push(update(2, 1));
        assert_eq!(buffer.len(), 3);
        // Never sent first (the newest first among those), then the once sent; none about 1.
        assert_eq!(buffer.take(3, 2, &[1]), [update(2, 1), update(3, 0)]);
        // 3 has now been sent twice, the limit: gone.
        assert!(!buffer.contains(3));
        assert_eq!(buffer.take_one(1, 2), Some(update(1, 0)));
        assert_eq!(buffer.take_one(4, 2), None);
        assert_eq!(buffer.take(16, 2, &[]), [update(2, 1), update(1, 0)]);
        assert_eq!(buffer.len(), 0);
    }
}
