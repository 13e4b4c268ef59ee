//! Properties of the versioned store (gossip_core::store), over random histories of writes,
//! whole-store merges, stray single entries and scuttlebutt exchanges cut to random byte budgets:
//! merge is a join (commutative, associative, idempotent), the digest promise holds after every
//! step, and full exchanges afterwards make every replica identical.
//!
//! proptest does not build for wasm32-unknown-unknown, so this file is native only; the store's
//! unit tests run on both.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;

use gossip_core::NodeId;
use gossip_core::{Delta, DeltaOrder, Entry, Store, VersionedEntry};
use proptest::prelude::*;

const NODES: usize = 4;
const KEYS: u8 = 6;
const SEGMENTS: u32 = 8;

#[derive(Clone, Debug)]
enum Step {
    Write {
        node: usize,
        key: u8,
        value: Vec<u8>,
    },
    /// `to` asks `from` with a digest window of `window_bytes` starting at `window_first`;
    /// `from` answers with a delta of at most `delta_bytes`.
    Exchange {
        from: usize,
        to: usize,
        order: DeltaOrder,
        window_first: NodeId,
        window_bytes: usize,
        delta_bytes: usize,
    },
    /// `to` merges all of `from` (entries and digest).
    MergeStore { from: usize, to: usize },
    /// `to` merges one entry of `from` outside any delta, as full-data and hash-tree transfers
    /// do: it must not touch the digest.
    CopyEntry { from: usize, to: usize, key: u8 },
}

fn order() -> impl Strategy<Value = DeltaOrder> {
    prop_oneof![
        Just(DeltaOrder::Oldest),
        Just(DeltaOrder::Depth),
        Just(DeltaOrder::RoundRobin),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..NODES, 0..KEYS, prop::collection::vec(any::<u8>(), 0..8))
            .prop_map(|(node, key, value)| Step::Write { node, key, value }),
        // Windows of 0 to 4 origins and deltas of 0 to about 6 entries: truncation is common.
        4 => (0..NODES, 0..NODES, order(), 0..NODES as NodeId + 1, 13usize..80, Delta::HEADER_BYTES..200)
            .prop_map(|(from, to, order, window_first, window_bytes, delta_bytes)| {
                Step::Exchange { from, to, order, window_first, window_bytes, delta_bytes }
            }),
        1 => (0..NODES, 0..NODES).prop_map(|(from, to)| Step::MergeStore { from, to }),
        1 => (0..NODES, 0..NODES, 0..KEYS).prop_map(|(from, to, key)| Step::CopyEntry { from, to, key }),
    ]
}

fn key(index: u8) -> String {
    format!("key{index}")
}

fn stores(count: usize) -> Vec<Store> {
    (0..count as NodeId)
        .map(|id| Store::new(id, SEGMENTS).unwrap())
        .collect()
}

/// One scuttlebutt exchange, checking what the delta promises about itself.
fn exchange(
    from: &Store,
    to: &mut Store,
    order: DeltaOrder,
    window: (NodeId, usize),
    budget: usize,
) {
    let window = to.digest_window(window.0, window.1);
    let delta = from.delta(&window, order, budget);
    assert!(delta.size_bytes() <= budget, "delta over budget");
    let mut last_version: BTreeMap<NodeId, u64> = BTreeMap::new();
    for entry in &delta.entries {
        assert!(window.covers(entry.stamp.origin));
        let last = last_version.entry(entry.stamp.origin).or_insert(0);
        assert!(entry.stamp.version > *last, "origin out of version order");
        *last = entry.stamp.version;
    }
    to.apply_delta(delta);
}

fn apply(stores: &mut [Store], step: &Step) {
    match step {
        Step::Write {
            node,
            key: k,
            value,
        } => {
            stores[*node].put(&key(*k), value);
        }
        &Step::Exchange {
            from,
            to,
            order,
            window_first,
            window_bytes,
            delta_bytes,
        } if from != to => {
            let sender = stores[from].clone();
            exchange(
                &sender,
                &mut stores[to],
                order,
                (window_first, window_bytes),
                delta_bytes,
            );
        }
        &Step::MergeStore { from, to } if from != to => {
            let other = stores[from].clone();
            stores[to].merge_store(&other);
        }
        &Step::CopyEntry { from, to, key: k } => {
            if let Some(entry) = stores[from].get(&key(k)) {
                let entry = VersionedEntry {
                    key: key(k),
                    value: entry.value.to_vec(),
                    stamp: entry.stamp,
                };
                let digest_before = stores[to].digest().clone();
                stores[to].merge_entry(entry);
                assert_eq!(stores[to].digest(), &digest_before);
            }
        }
        _ => {}
    }
}

/// The digest promise: if the newest write of a key anywhere is origin o's at version v, every
/// store whose digest for o is at least v holds exactly that write.
fn check_digest_promise(stores: &[Store]) -> Result<(), TestCaseError> {
    let mut newest: BTreeMap<&str, &Entry> = BTreeMap::new();
    for store in stores {
        for (key, entry) in store.entries() {
            let current = newest.entry(key).or_insert(entry);
            if (entry.stamp, &entry.value) > (current.stamp, &current.value) {
                *current = entry;
            }
        }
    }
    for store in stores {
        for (&key, &top) in &newest {
            if store.digest_of(top.stamp.origin) >= top.stamp.version {
                prop_assert_eq!(
                    store.get(key),
                    Some(top),
                    "node {} claims origin {} up to {} but lacks {:?}",
                    store.me(),
                    top.stamp.origin,
                    store.digest_of(top.stamp.origin),
                    key
                );
            }
        }
    }
    Ok(())
}

/// Everything that must agree between two replicas that hold the same data: entries, digest,
/// checksum and clock.
type Contents = (Vec<(String, Entry)>, BTreeMap<NodeId, u64>, u64, u64);

fn contents(store: &Store) -> Contents {
    (
        store
            .entries()
            .map(|(key, entry)| (key.to_string(), entry.clone()))
            .collect(),
        store.digest().clone(),
        store.checksum(),
        store.clock(),
    )
}

fn merged(into: &Store, other: &Store) -> Store {
    let mut result = into.clone();
    result.merge_store(other);
    result
}

proptest! {
    #[test]
    fn merge_is_commutative_associative_and_idempotent(
        steps in prop::collection::vec(step(), 0..40)
    ) {
        let mut replicas = stores(NODES);
        for step in &steps {
            apply(&mut replicas, step);
        }
        let (a, b, c) = (&replicas[0], &replicas[1], &replicas[2]);
        prop_assert_eq!(contents(&merged(a, b)), contents(&merged(b, a)));
        prop_assert_eq!(
            contents(&merged(&merged(a, b), c)),
            contents(&merged(a, &merged(b, c)))
        );
        prop_assert_eq!(contents(&merged(a, a)), contents(a));
    }

    #[test]
    fn digest_promise_holds_after_every_step(
        steps in prop::collection::vec(step(), 0..60)
    ) {
        let mut replicas = stores(NODES);
        for step in &steps {
            apply(&mut replicas, step);
            check_digest_promise(&replicas)?;
        }
    }

    #[test]
    fn truncated_exchanges_then_full_ones_converge(
        steps in prop::collection::vec(step(), 0..60),
        final_order in order(),
    ) {
        let mut replicas = stores(NODES);
        for step in &steps {
            apply(&mut replicas, step);
        }
        let mut union = Store::new(NodeId::MAX, SEGMENTS).unwrap();
        for replica in &replicas {
            union.merge_store(replica);
        }
        // Two sweeps over every ordered pair: after the first the last node holds everything,
        // and in the second it passes everything on.
        for _ in 0..2 {
            for from in 0..NODES {
                for to in 0..NODES {
                    if from != to {
                        let sender = replicas[from].clone();
                        exchange(&sender, &mut replicas[to], final_order, (0, usize::MAX), usize::MAX);
                    }
                }
            }
        }
        for replica in &replicas {
            prop_assert!(replica.entries().eq(union.entries()));
            prop_assert_eq!(replica.digest(), union.digest());
            prop_assert_eq!(replica.checksum(), union.checksum());
        }
    }
}
