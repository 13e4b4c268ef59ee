//! The event loop's priority queue ([`crate::process`]): events come out in order of time, then of the sequence
//! number they were pushed with, exactly as from a binary heap of `(time, seq)`, but cheaper.
//!
//! A timing wheel holds the events of the next [`WINDOW`] milliseconds, one slot per
//! millisecond, each slot a list in push order (sequence numbers only grow, so that is `seq`
//! order), with a bitmap of the slots in use to find the next one. Events further ahead, or
//! (should a caller push one) behind the last popped time, wait in a binary heap; every pop takes
//! the smaller of the two fronts, so the order is the heap's whatever the times. Message
//! latencies and protocol periods are well inside the window, so nearly every event goes
//! through the wheel.
//!
//! The slots' lists are linked through one pool of entries, and a popped entry is reused by the
//! next push: the queue holds room for the most events ever queued at once. (A buffer per slot
//! kept room for the most events that slot ever held: with a thousand nodes starting their
//! protocol periods on the same millisecond, every slot a period boundary had passed over
//! held a thousand, and the wheel grew by megabytes over a minute: issue 16.)

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use gossip_core::Time;

/// Milliseconds the wheel covers (a power of two).
pub(crate) const WINDOW: usize = 4_096;
const WORDS: usize = WINDOW / 64;
/// No entry: the end of a list.
const NONE: u32 = u32::MAX;

/// An event in the wheel, linked to the next one of its slot (or of the free list).
#[derive(Clone, Copy)]
struct Entry<T> {
    seq: u64,
    next: u32,
    item: T,
}

/// A priority queue of items by (time, sequence number); see the module documentation.
pub(crate) struct EventQueue<T> {
    /// Per slot, the first and the last entry of its list in `pool`, or [`NONE`].
    ends: Box<[(u32, u32)]>,
    /// Every entry, in the slots' lists or in the free list.
    pool: Vec<Entry<T>>,
    /// The first entry of the free list, or [`NONE`].
    free: u32,
    /// Bit `i`: slot `i` holds something.
    used: [u64; WORDS],
    /// Events in the wheel have times in `[cursor, cursor + WINDOW)`.
    cursor: Time,
    in_wheel: usize,
    /// The first slot in use from the cursor on, with the time it stands for (None when the
    /// wheel is empty): kept up to date, so that a peek does not search the bitmap.
    front: Option<(Time, usize)>,
    overflow: BinaryHeap<Reverse<(Time, u64, T)>>,
}

impl<T: Copy + Ord> Default for EventQueue<T> {
    fn default() -> Self {
        EventQueue {
            ends: vec![(NONE, NONE); WINDOW].into_boxed_slice(),
            pool: Vec::new(),
            free: NONE,
            used: [0; WORDS],
            cursor: 0,
            in_wheel: 0,
            front: None,
            overflow: BinaryHeap::new(),
        }
    }
}

impl<T: Copy + Ord> EventQueue<T> {
    /// Queues `item` at `at`; `seq` must be larger than every sequence number pushed before.
    pub(crate) fn push(&mut self, at: Time, seq: u64, item: T) {
        if at >= self.cursor && at - self.cursor < WINDOW as Time {
            let slot = at as usize % WINDOW;
            let entry = Entry {
                seq,
                next: NONE,
                item,
            };
            let index = if self.free == NONE {
                self.pool.push(entry);
                (self.pool.len() - 1) as u32
            } else {
                let index = self.free;
                self.free = self.pool[index as usize].next;
                self.pool[index as usize] = entry;
                index
            };
            let (head, tail) = &mut self.ends[slot];
            if *tail == NONE {
                *head = index;
                self.used[slot / 64] |= 1 << (slot % 64);
            } else {
                self.pool[*tail as usize].next = index;
            }
            *tail = index;
            self.in_wheel += 1;
            if self.front.is_none_or(|(front, _)| at < front) {
                self.front = Some((at, slot));
            }
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
        let wheel = self.next_slot().map(|(at, slot)| {
            let head = self.ends[slot].0;
            (at, self.pool[head as usize].seq, slot)
        });
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
            let (at, seq, slot) = wheel?;
            let (head, tail) = &mut self.ends[slot];
            let index = *head;
            let entry = self.pool[index as usize];
            let emptied = index == *tail;
            if emptied {
                *head = NONE;
                *tail = NONE;
                self.used[slot / 64] &= !(1 << (slot % 64));
            } else {
                *head = entry.next;
            }
            self.pool[index as usize].next = self.free;
            self.free = index;
            self.in_wheel -= 1;
            self.cursor = self.cursor.max(at);
            if emptied {
                self.front = self.search_front();
            }
            (at, seq, entry.item)
        };
        // Everything left in the wheel is at or after `at`, so the window may move up to it
        // (and the front slot stays the front).
        self.cursor = self.cursor.max(at);
        Some((at, seq, item))
    }

    /// The first slot in use from the cursor on, with the time it stands for.
    fn next_slot(&self) -> Option<(Time, usize)> {
        debug_assert_eq!(self.front, self.search_front());
        self.front
    }

    /// [`EventQueue::next_slot`], searched for in the bitmap.
    fn search_front(&self) -> Option<(Time, usize)> {
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

    /// Entries the pool holds room for, queued or free (for tests).
    #[cfg(test)]
    fn pool_len(&self) -> usize {
        self.pool.len()
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

    #[wasm_bindgen_test(unsupported = test)]
    fn the_wheel_holds_room_for_the_most_events_queued_at_once_not_per_slot() {
        // A thousand events on one millisecond, once a period, for twenty periods: every
        // period lands on another slot, and the pool never grows past the thousand.
        let mut queue = EventQueue::default();
        let mut seq = 0;
        for period in 0..20u64 {
            let at = period * 1_000;
            for id in 0..1_000u32 {
                queue.push(at, seq, id);
                seq += 1;
            }
            for id in 0..1_000u32 {
                assert_eq!(queue.pop(), Some((at, seq - 1_000 + u64::from(id), id)));
            }
            assert_eq!(queue.pool_len(), 1_000);
        }
        assert_eq!(queue.pop(), None);
    }
}
