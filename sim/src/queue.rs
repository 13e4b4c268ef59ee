//! The event loop's priority queue ([`crate::process`]): events come out in order of time, then of the sequence
//! number they were pushed with, exactly as from a binary heap of `(time, seq)`, but cheaper.
//!
//! A timing wheel holds the events of the next [`WINDOW`] milliseconds, one slot per
//! millisecond, each slot in push order (sequence numbers only grow, so that is `seq` order), with
//! a bitmap of the slots in use to find the next one. Events further ahead, or (should a caller
//! push one) behind the last popped time, wait in a binary heap; every pop takes the smaller of the
//! two fronts, so the order is the heap's whatever the times. Message latencies and protocol
//! periods are well inside the window, so nearly every event goes through the wheel.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use gossip_core::Time;

/// Milliseconds the wheel covers (a power of two).
pub(crate) const WINDOW: usize = 4_096;
const WORDS: usize = WINDOW / 64;

/// A priority queue of items by (time, sequence number); see the module documentation.
pub(crate) struct EventQueue<T> {
    slots: Vec<VecDeque<(u64, T)>>,
    /// Bit `i`: slot `i` holds something.
    used: [u64; WORDS],
    /// Events in the wheel have times in `[cursor, cursor + WINDOW)`.
    cursor: Time,
    in_wheel: usize,
    overflow: BinaryHeap<Reverse<(Time, u64, T)>>,
}

impl<T: Ord> Default for EventQueue<T> {
    fn default() -> Self {
        EventQueue {
            slots: (0..WINDOW).map(|_| VecDeque::new()).collect(),
            used: [0; WORDS],
            cursor: 0,
            in_wheel: 0,
            overflow: BinaryHeap::new(),
        }
    }
}

impl<T: Ord> EventQueue<T> {
    /// Queues `item` at `at`; `seq` must be larger than every sequence number pushed before.
    pub(crate) fn push(&mut self, at: Time, seq: u64, item: T) {
        if at >= self.cursor && at - self.cursor < WINDOW as Time {
            let slot = at as usize % WINDOW;
            self.slots[slot].push_back((seq, item));
            self.used[slot / 64] |= 1 << (slot % 64);
            self.in_wheel += 1;
        } else {
            self.overflow.push(Reverse((at, seq, item)));
        }
    }

    /// Items queued.
    pub(crate) fn len(&self) -> usize {
        self.in_wheel + self.overflow.len()
    }

    /// The time of the next event.
    pub(crate) fn peek_time(&self) -> Option<Time> {
        let wheel = self.next_slot().map(|(at, _)| at);
        let overflow = self.overflow.peek().map(|Reverse((at, ..))| *at);
        match (wheel, overflow) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The next event: (time, sequence number, item).
    pub(crate) fn pop(&mut self) -> Option<(Time, u64, T)> {
        let wheel = self
            .next_slot()
            .map(|(at, slot)| (at, self.slots[slot][0].0, slot));
        let from_overflow = match (wheel, self.overflow.peek()) {
            (None, None) => return None,
            (None, Some(_)) => true,
            (Some(_), None) => false,
            (Some((at, seq, _)), Some(Reverse((o_at, o_seq, _)))) => (*o_at, *o_seq) < (at, seq),
        };
        let (at, seq, item) = if from_overflow {
            let Reverse(entry) = self.overflow.pop()?;
            entry
        } else {
            let (at, _, slot) = wheel?;
            let (seq, item) = self.slots[slot].pop_front()?;
            if self.slots[slot].is_empty() {
                self.used[slot / 64] &= !(1 << (slot % 64));
            }
            self.in_wheel -= 1;
            (at, seq, item)
        };
        // Everything left in the wheel is at or after `at`, so the window may move up to it.
        self.cursor = self.cursor.max(at);
        Some((at, seq, item))
    }

    /// The first slot in use from the cursor on, with the time it stands for.
    fn next_slot(&self) -> Option<(Time, usize)> {
        if self.in_wheel == 0 {
            return None;
        }
        let start = self.cursor as usize % WINDOW;
        let (word, bit) = (start / 64, start % 64);
        // The start word from `bit` on, then the other words, then the start word's low bits.
        let first = self.used[word] & (!0u64 << bit);
        let found = if first != 0 {
            Some(word * 64 + first.trailing_zeros() as usize)
        } else {
            (1..=WORDS).find_map(|step| {
                let w = (word + step) % WORDS;
                let bits = if step == WORDS {
                    self.used[w] & !(!0u64 << bit)
                } else {
                    self.used[w]
                };
                (bits != 0).then(|| w * 64 + bits.trailing_zeros() as usize)
            })
        }?;
        let offset = (found + WINDOW - start) % WINDOW;
        Some((self.cursor + offset as Time, found))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gossip_core::seeded_rng;
    use rand::RngExt;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Random pushes (near, far, and behind the last pop) and pops: the same order as a binary
    /// heap of (time, seq).
    #[wasm_bindgen_test(unsupported = test)]
    fn pops_in_the_order_of_a_binary_heap() {
        let mut rng = seeded_rng(11);
        for round in 0..200 {
            let mut queue = EventQueue::default();
            let mut heap = BinaryHeap::new();
            let mut seq = 0u64;
            let mut now: Time = rng.random_range(0..10_000);
            for _ in 0..2_000 {
                if rng.random_bool(0.55) {
                    let at = match rng.random_range(0..10) {
                        0 => now + rng.random_range(0..3 * WINDOW as Time),
                        1 if round % 2 == 0 => now.saturating_sub(rng.random_range(0..50)),
                        2 => now,
                        _ => now + rng.random_range(0..40),
                    };
                    let item = rng.random_range(0..5u8);
                    queue.push(at, seq, item);
                    heap.push(Reverse((at, seq, item)));
                    seq += 1;
                } else {
                    let expected = heap.peek().map(|Reverse((at, ..))| *at);
                    assert_eq!(queue.peek_time(), expected);
                    let popped = queue.pop();
                    assert_eq!(popped, heap.pop().map(|Reverse(entry)| entry));
                    if let Some((at, ..)) = popped {
                        now = now.max(at);
                    }
                }
                assert_eq!(queue.len(), heap.len());
            }
            while let Some(Reverse(entry)) = heap.pop() {
                assert_eq!(queue.pop(), Some(entry));
            }
            assert!(queue.len() == 0 && queue.pop().is_none());
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn ties_come_out_in_push_order_across_the_window_edge() {
        let mut queue = EventQueue::default();
        // Pushed while far (overflow), then the same time pushed again once near (wheel).
        queue.push(WINDOW as Time + 5, 0, 'a');
        queue.push(10, 1, 'x');
        assert_eq!(queue.pop(), Some((10, 1, 'x')));
        queue.push(WINDOW as Time + 5, 2, 'b');
        queue.push(WINDOW as Time + 5, 3, 'c');
        assert_eq!(queue.pop(), Some((WINDOW as Time + 5, 0, 'a')));
        assert_eq!(queue.pop(), Some((WINDOW as Time + 5, 2, 'b')));
        assert_eq!(queue.pop(), Some((WINDOW as Time + 5, 3, 'c')));
        assert_eq!(queue.pop(), None);
    }
}
