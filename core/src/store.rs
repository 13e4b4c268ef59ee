//! The versioned key/value store that anti-entropy reconciles: a last-writer-wins map whose
//! entries carry a [`Stamp`] (version, origin), with the per-origin digests of scuttlebutt (van
//! Renesse et al. 2008, "Efficient Reconciliation and Flow Control for Anti-Entropy Protocols")
//! and a Merkle tree over key segments as Dynamo and Cassandra use it to find differing ranges.
//!
//! # Which write is newer
//! Versions are Lamport clocks: a local write takes `clock + 1`, where `clock` is the highest
//! version this store has seen from anyone, so a write made after seeing another one is newer
//! than it. Writes compare by `(version, origin)` and, only if both are equal, by value bytes. An
//! origin never reuses a version, so the value comparison only matters for a node that restarted
//! with an empty store; it keeps the order total in that case too. Merge keeps the newer entry
//! per key, which is a join: commutative, associative and idempotent.
//!
//! # Digest and delta
//! The digest maps an origin `o` to a version `v` and promises, for every key `k`:
//!
//! > if the newest write of `k` anywhere in the system is `o`'s write at a version `<= v`, this
//! > store holds exactly that write for `k`.
//!
//! It promises nothing about superseded writes: a key that another origin overwrote later no
//! longer holds `o`'s write anywhere, and need not. A node's own writes keep the promise for its
//! own origin. A [`Delta`] computed against a peer's [`DigestWindow`] lists, per origin, the
//! sender's entries above the peer's version in increasing version order; a delta cut to a byte
//! budget keeps a prefix of every origin's list. It advances the peer's digest explicitly
//! ([`Delta::digest_advance`]): to the sender's own digest for an origin sent in full, and to
//! `min(last version sent, sender's digest)` for an origin cut short. Entries never advance the
//! digest by themselves, because entries that arrive outside deltas (full copies, hash-tree
//! segments) are not prefixes. Why the promise survives a delta: a newest write of `o` with a
//! version between the peer's digest and the advance is held by the sender (the sender's own
//! promise, since the advance is at most the sender's digest) and is above the peer's digest, so
//! it is in the sender's list below the cut, so it was sent.
//!
//! Ordering of a delta ([`DeltaOrder`]), as compared in the scuttlebutt paper: `Oldest` sorts
//! every entry by stamp, oldest first (the paper's scuttle-breadth); `Depth` sends the origins
//! with the most entries to send first, each in full (scuttle-depth); `RoundRobin` takes one entry
//! per origin in turn. All three keep each origin's entries in increasing version order.
//!
//! # Sizes
//! Sizes are upper bounds of the postcard encoding, with every varint at its widest: `u32` 5
//! bytes, `u64` 10, and length prefixes 3 (enough below 2 MiB; the largest MTU is 60 KiB). An
//! entry costs `key.len() + value.len() + 21` ([`ENTRY_HEADER_BYTES`]: origin 5, version 10, two
//! length prefixes 3 each); an (origin, version) pair 15.
//!
//! # Checksum and hash tree
//! Keys fall into `segments` buckets (a power of two) by a 64-bit hash of the key. A segment's
//! hash is the wrapping sum of its entries' hashes (FNV-1a over key, stamp and value, then a
//! SplitMix64 finaliser), so a write updates it in O(1) without rereading the segment. A binary
//! Merkle tree sits over the segments, stored as an array (root at index 1, children of `i` at
//! `2i` and `2i + 1`, segment `s` at `segments + s`); a write rehashes the log2(segments) nodes
//! on its path. The whole-store checksum is the root. Two stores find their differing segments by
//! comparing hashes top down (anti-entropy's
//! [`Comparison::HashTree`](crate::anti_entropy::Comparison::HashTree)): one round trip per level,
//! two hashes per differing node.
//!
//! # Memory
//! An entry is a 16-byte boxed key and a 32-byte [`Entry`] (16-byte boxed value, 16-byte stamp)
//! in a B-tree, about 70 bytes with the B-tree's slack, plus the key and value bytes in two
//! allocations. The digest costs about 20 bytes per origin and the tree 16 bytes per segment.
//! Building a delta scans every entry and sorts the ones to send: O(n + d log d) for n entries
//! and d to send, which is cheap at the sizes GossipLab simulates (thousands of keys per node).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::NodeId;
use crate::error::ConfigError;

/// Widest postcard varint of a `u32`.
const U32_BYTES: usize = 5;
/// Widest postcard varint of a `u64`.
const U64_BYTES: usize = 10;
/// Length prefix of a string, byte string or vector shorter than 2 MiB.
pub(crate) const LENGTH_PREFIX_BYTES: usize = 3;
/// Fixed part of an entry's size: origin, version and the key's and value's length prefixes.
pub const ENTRY_HEADER_BYTES: usize = U32_BYTES + U64_BYTES + 2 * LENGTH_PREFIX_BYTES;
/// Size of one (origin, version) pair in a digest window or a digest advance.
pub(crate) const ORIGIN_VERSION_BYTES: usize = U32_BYTES + U64_BYTES;
/// Size of one (tree index, hash) pair.
pub(crate) const TREE_NODE_BYTES: usize = U32_BYTES + U64_BYTES;
/// Size of one segment number.
pub(crate) const SEGMENT_BYTES: usize = U32_BYTES;
/// Most segments a store may have: the tree then takes 2 MiB.
pub const MAX_SEGMENTS: u32 = 1 << 17;

/// Size of an entry with a key and a value of these lengths: the unit of
/// [`AntiEntropy::max_entry_bytes`](crate::anti_entropy::AntiEntropy::max_entry_bytes).
pub fn entry_size_bytes(key_len: usize, value_len: usize) -> usize {
    key_len + value_len + ENTRY_HEADER_BYTES
}

/// Identifies a write and orders writes: by version (a Lamport clock), then by origin.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Stamp {
    /// The writer's Lamport clock at the write: one more than the highest version it had seen.
    pub version: u64,
    /// The node that made the write.
    pub origin: NodeId,
}

/// A stored value and the write that produced it: 32 bytes plus the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The write that produced the value.
    pub stamp: Stamp,
    /// Bytes rather than text: values are opaque to gossip, encode compactly with postcard and need
    /// no UTF-8 check; a caller storing text stores its UTF-8 bytes.
    pub value: Box<[u8]>,
}

/// An entry on the wire, with its key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionedEntry {
    /// The key the value is stored under.
    pub key: String,
    /// The value's bytes, opaque to gossip (as in [`Entry::value`]).
    pub value: Vec<u8>,
    /// The write that produced the value.
    pub stamp: Stamp,
}

impl VersionedEntry {
    /// Upper bound of the entry's postcard encoding: [`entry_size_bytes`] of its key and value.
    pub fn size_bytes(&self) -> usize {
        entry_size_bytes(self.key.len(), self.value.len())
    }
}

/// Whether `(stamp, value)` beats `(other_stamp, other_value)`.
fn is_newer(stamp: Stamp, value: &[u8], other_stamp: Stamp, other_value: &[u8]) -> bool {
    (stamp, value) > (other_stamp, other_value)
}

/// Part of a digest: the versions of the origins in `first..=last`. An origin in that range that
/// `versions` does not list counts as version 0 (nothing seen); origins outside it are not
/// described, so a delta against the window leaves them out. Windows keep a digest message within
/// the MTU when there are more origins than fit; successive exchanges rotate through them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestWindow {
    /// First origin the window describes.
    pub first: NodeId,
    /// Last origin the window describes (inclusive); `NodeId::MAX` for a window that runs to the
    /// end of the ids.
    pub last: NodeId,
    /// Ascending by origin.
    pub versions: Vec<(NodeId, u64)>,
}

impl DigestWindow {
    /// Bytes of `first`, `last` and the length prefix of `versions`.
    pub const HEADER_BYTES: usize = 2 * U32_BYTES + LENGTH_PREFIX_BYTES;

    /// The window of a store that has nothing: a delta against it is the whole store.
    pub fn nothing() -> Self {
        DigestWindow {
            first: 0,
            last: NodeId::MAX,
            versions: Vec::new(),
        }
    }

    /// Whether the window describes `origin`, that is `origin` is in `first..=last`.
    pub fn covers(&self, origin: NodeId) -> bool {
        (self.first..=self.last).contains(&origin)
    }

    /// Where the next window should start: just past this one, wrapping to 0.
    pub fn next_first(&self) -> NodeId {
        self.last.wrapping_add(1)
    }

    /// Upper bound of the window's postcard encoding, in bytes.
    pub fn size_bytes(&self) -> usize {
        Self::HEADER_BYTES + self.versions.len() * ORIGIN_VERSION_BYTES
    }
}

/// Entries a peer lacks, and how far its digest may advance once it has merged them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delta {
    /// Entries the receiver lacks; each origin's in increasing version order, a prefix of what
    /// the sender had to send for it.
    pub entries: Vec<VersionedEntry>,
    /// `(origin, version)`: after merging `entries`, the receiver keeps the digest promise for
    /// `origin` up to `version`. Ascending by origin.
    pub digest_advance: Vec<(NodeId, u64)>,
}

impl Delta {
    /// Bytes of the two length prefixes.
    pub const HEADER_BYTES: usize = 2 * LENGTH_PREFIX_BYTES;

    /// Upper bound of the delta's postcard encoding, in bytes: what a delta budget measures.
    pub fn size_bytes(&self) -> usize {
        Self::HEADER_BYTES
            + self
                .entries
                .iter()
                .map(VersionedEntry::size_bytes)
                .sum::<usize>()
            + self.digest_advance.len() * ORIGIN_VERSION_BYTES
    }

    /// Whether the delta carries neither entries nor a digest advance: it would change nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.digest_advance.is_empty()
    }
}

/// What goes first when a delta does not fit its budget (see the module documentation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeltaOrder {
    /// Every entry by stamp, oldest first (scuttle-breadth).
    Oldest,
    /// Origins with the most entries to send first, each origin in full (scuttle-depth, which
    /// van Renesse et al. found to do best under flow control).
    #[default]
    Depth,
    /// One entry per origin in turn, origins in id order.
    RoundRobin,
}

/// The outcome of comparing a peer's tree hashes with ours.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct TreeComparison {
    /// Our hashes of the children of every differing inner node, for the peer to compare next.
    pub children: Vec<(u32, u64)>,
    /// Differing segments (differing leaves).
    pub segments: Vec<u32>,
    /// True if the peer sent the root and it matched: the stores are equal.
    pub root_matched: bool,
}

/// FNV-1a, 64-bit.
struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// SplitMix64's finaliser: FNV's high bits mix poorly, and segment hashes are sums.
    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn key_hash(key: &str) -> u64 {
    let mut hash = Fnv1a::new();
    hash.write(key.as_bytes());
    hash.finish()
}

fn entry_hash(key: &str, entry: &Entry) -> u64 {
    let mut hash = Fnv1a::new();
    // The key's length first, so that no (key, rest) pair can collide with another split.
    hash.write(&(key.len() as u64).to_le_bytes());
    hash.write(key.as_bytes());
    hash.write(&entry.stamp.version.to_le_bytes());
    hash.write(&entry.stamp.origin.to_le_bytes());
    hash.write(&entry.value);
    hash.finish()
}

fn combine(left: u64, right: u64) -> u64 {
    let mut hash = Fnv1a::new();
    hash.write(&left.to_le_bytes());
    hash.write(&right.to_le_bytes());
    hash.finish()
}

/// One node's replica.
#[derive(Clone, Debug)]
pub struct Store {
    me: NodeId,
    /// Highest version seen from anyone: the Lamport clock.
    clock: u64,
    entries: BTreeMap<Box<str>, Entry>,
    digest: BTreeMap<NodeId, u64>,
    segments: u32,
    /// The Merkle tree as an array: index 0 unused, root at 1, segment `s` at `segments + s`.
    tree: Box<[u64]>,
}

impl Store {
    /// An empty store for node `me` with `segments` key segments (a power of two, at most
    /// [`MAX_SEGMENTS`]); stores that compare trees must use the same number. Any other number
    /// of segments is refused, as a [`ConfigError`] on `segments`.
    pub fn new(me: NodeId, segments: u32) -> Result<Self, ConfigError> {
        if !segments.is_power_of_two() || segments > MAX_SEGMENTS {
            return Err(ConfigError::new(
                "segments",
                format!("must be a power of two between 1 and {MAX_SEGMENTS}, got {segments}"),
            ));
        }
        let size = 2 * segments as usize;
        let mut tree = vec![0; size].into_boxed_slice();
        for index in (1..segments as usize).rev() {
            tree[index] = combine(tree[2 * index], tree[2 * index + 1]);
        }
        Ok(Store {
            me,
            clock: 0,
            entries: BTreeMap::new(),
            digest: BTreeMap::new(),
            segments,
            tree,
        })
    }

    /// The node this replica belongs to: the origin of its local writes.
    pub fn me(&self) -> NodeId {
        self.me
    }

    /// Number of keys held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Highest version seen from anyone.
    pub fn clock(&self) -> u64 {
        self.clock
    }

    /// The entry held for `key`: its value and the write that produced it.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key)
    }

    /// The value held for `key`.
    pub fn value(&self, key: &str) -> Option<&[u8]> {
        self.entries.get(key).map(|entry| &entry.value[..])
    }

    /// Every entry, in key order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Entry)> + '_ {
        self.entries.iter().map(|(key, entry)| (&**key, entry))
    }

    /// Origin -> version up to which this store keeps the digest promise.
    pub fn digest(&self) -> &BTreeMap<NodeId, u64> {
        &self.digest
    }

    /// The version up to which this store keeps the digest promise for `origin` (0: none).
    pub fn digest_of(&self, origin: NodeId) -> u64 {
        self.digest.get(&origin).copied().unwrap_or(0)
    }

    /// Writes `value` under `key` as a new local write and returns its stamp.
    pub fn put(&mut self, key: &str, value: &[u8]) -> Stamp {
        // Saturating: a peer announcing version u64::MAX must not make writing panic; equal
        // stamps then still order by value.
        self.clock = self.clock.saturating_add(1);
        let stamp = Stamp {
            version: self.clock,
            origin: self.me,
        };
        self.digest.insert(self.me, self.clock);
        self.replace(
            key,
            Entry {
                stamp,
                value: value.into(),
            },
        );
        stamp
    }

    /// Merges one entry; returns true if it was newer than what this store held. The digest is
    /// left alone (see the module documentation); the clock advances.
    pub fn merge_entry(&mut self, entry: VersionedEntry) -> bool {
        self.merge_entry_keyed(entry).is_some()
    }

    /// As [`Store::merge_entry`], handing back the entry's key and stamp if it was newer: a
    /// caller reporting the change needs no copy of every key it offers.
    pub(crate) fn merge_entry_keyed(&mut self, entry: VersionedEntry) -> Option<(String, Stamp)> {
        self.clock = self.clock.max(entry.stamp.version);
        if let Some(current) = self.entries.get(entry.key.as_str())
            && !is_newer(entry.stamp, &entry.value, current.stamp, &current.value)
        {
            return None;
        }
        self.replace(
            &entry.key,
            Entry {
                stamp: entry.stamp,
                value: entry.value.into_boxed_slice(),
            },
        );
        Some((entry.key, entry.stamp))
    }

    /// Merges a delta and advances the digest as it says. Returns the keys that changed, with
    /// their new stamps, in the delta's order.
    pub fn apply_delta(&mut self, delta: Delta) -> Vec<(String, Stamp)> {
        let mut updated = Vec::new();
        for entry in delta.entries {
            updated.extend(self.merge_entry_keyed(entry));
        }
        for (origin, version) in delta.digest_advance {
            self.advance_digest(origin, version);
        }
        updated
    }

    /// Merges every entry of `other` and joins the digests: `other` keeps its promise for its
    /// digest, and this store now holds everything `other` holds.
    pub fn merge_store(&mut self, other: &Store) {
        for (key, entry) in &other.entries {
            self.merge_entry(VersionedEntry {
                key: key.to_string(),
                value: entry.value.to_vec(),
                stamp: entry.stamp,
            });
        }
        for (&origin, &version) in &other.digest {
            self.advance_digest(origin, version);
        }
    }

    fn advance_digest(&mut self, origin: NodeId, version: u64) {
        let known = self.digest.entry(origin).or_insert(0);
        *known = (*known).max(version);
        // A version in a digest was written by someone: the next local write must be newer.
        self.clock = self.clock.max(version);
    }

    /// This store's digest for the origins from `first` on, as many as fit `budget_bytes`.
    pub fn digest_window(&self, first: NodeId, budget_bytes: usize) -> DigestWindow {
        let mut window = DigestWindow {
            first,
            last: NodeId::MAX,
            versions: Vec::new(),
        };
        let mut used = DigestWindow::HEADER_BYTES;
        for (&origin, &version) in self.digest.range(first..) {
            if used + ORIGIN_VERSION_BYTES > budget_bytes {
                // Stop just before the first origin that does not fit. If not even one fits,
                // cover `first` alone as version 0: the peer then sends more, never less.
                window.last = origin.saturating_sub(1).max(first);
                break;
            }
            used += ORIGIN_VERSION_BYTES;
            window.versions.push((origin, version));
        }
        window
    }

    /// The entries a peer with digest window `peer` lacks, within `budget_bytes` (measured by
    /// [`Delta::size_bytes`]; no budget fits less than [`Delta::HEADER_BYTES`]), in `order`.
    pub fn delta(&self, peer: &DigestWindow, order: DeltaOrder, budget_bytes: usize) -> Delta {
        // The peer's versions ascending by origin, the last listed winning. Only covered origins
        // are ever looked up. A well-formed window is already in order: searched as it is.
        let resorted: Vec<(NodeId, u64)>;
        let peer_versions: &[(NodeId, u64)] =
            if peer.versions.windows(2).all(|pair| pair[0].0 < pair[1].0) {
                &peer.versions
            } else {
                let map: BTreeMap<NodeId, u64> = peer.versions.iter().copied().collect();
                resorted = map.into_iter().collect();
                &resorted
            };
        let peer_version = |origin: NodeId| match peer_versions
            .binary_search_by_key(&origin, |&(origin, _)| origin)
        {
            Ok(index) => peer_versions[index].1,
            Err(_) => 0,
        };

        // Per origin, the entries above the peer's version, in increasing version order.
        let mut needed: BTreeMap<NodeId, Vec<(&str, &Entry)>> = BTreeMap::new();
        for (key, entry) in &self.entries {
            let origin = entry.stamp.origin;
            if peer.covers(origin) && entry.stamp.version > peer_version(origin) {
                needed.entry(origin).or_default().push((key, entry));
            }
        }
        for list in needed.values_mut() {
            list.sort_unstable_by_key(|&(key, entry)| (entry.stamp.version, key));
        }

        let sequence = send_sequence(&needed, order);
        let mut delta = Delta::default();
        // At most every entry offered, and at most what the budget holds at the smallest size.
        delta
            .entries
            .reserve(sequence.len().min(budget_bytes / ENTRY_HEADER_BYTES));
        let mut used = Delta::HEADER_BYTES;
        let mut sent_count: BTreeMap<NodeId, usize> = BTreeMap::new();
        let mut cut_short: BTreeSet<NodeId> = BTreeSet::new();
        for (origin, index) in sequence {
            if cut_short.contains(&origin) {
                continue;
            }
            let (key, entry) = needed[&origin][index];
            let count = sent_count.entry(origin).or_insert(0);
            // The first entry of an origin also reserves room for its digest advance.
            let advance_bytes = if *count == 0 { ORIGIN_VERSION_BYTES } else { 0 };
            let cost = entry_size_bytes(key.len(), entry.value.len()) + advance_bytes;
            if used + cost > budget_bytes {
                // Skipping this one but sending later ones would break the per-origin prefix.
                cut_short.insert(origin);
                continue;
            }
            used += cost;
            *count += 1;
            delta.entries.push(VersionedEntry {
                key: key.to_string(),
                value: entry.value.to_vec(),
                stamp: entry.stamp,
            });
        }

        // Origins with nothing to send (their writes all overwritten) advance only if room is
        // left; the others had room reserved with their first entry.
        let mut room_left = budget_bytes.saturating_sub(used);
        for (&origin, &mine) in self.digest.range(peer.first..=peer.last) {
            let advance = match needed.get(&origin) {
                None if room_left >= ORIGIN_VERSION_BYTES => {
                    room_left -= ORIGIN_VERSION_BYTES;
                    mine
                }
                None => continue,
                Some(list) => match sent_count.get(&origin).copied().unwrap_or(0) {
                    0 => continue,
                    count if count == list.len() => mine,
                    count => mine.min(list[count - 1].1.stamp.version),
                },
            };
            if advance > peer_version(origin) {
                delta.digest_advance.push((origin, advance));
            }
        }
        delta
    }

    /// Number of key segments.
    pub fn segments(&self) -> u32 {
        self.segments
    }

    /// The segment `key` falls in: the low bits of its hash.
    pub(crate) fn segment_of(&self, key: &str) -> u32 {
        (key_hash(key) & u64::from(self.segments - 1)) as u32
    }

    /// Whole-store checksum: the root of the hash tree. Equal stores have equal checksums.
    pub fn checksum(&self) -> u64 {
        self.tree[1]
    }

    /// Hash of tree node `index` (1 is the root), if it exists.
    pub(crate) fn tree_node(&self, index: u32) -> Option<u64> {
        if index == 0 {
            return None;
        }
        self.tree.get(index as usize).copied()
    }

    /// Compares a peer's tree node hashes with ours, one level of the top-down descent. Unknown
    /// indices are ignored.
    pub(crate) fn compare_tree(&self, theirs: &[(u32, u64)]) -> TreeComparison {
        let mut comparison = TreeComparison::default();
        for &(index, hash) in theirs {
            let Some(ours) = self.tree_node(index) else {
                continue;
            };
            if ours == hash {
                comparison.root_matched |= index == 1;
            } else if index >= self.segments {
                comparison.segments.push(index - self.segments);
            } else {
                for child in [2 * index, 2 * index + 1] {
                    comparison.children.push((child, self.tree[child as usize]));
                }
            }
        }
        comparison
    }

    /// Every entry in one of `segments`, in key order.
    pub(crate) fn entries_in_segments<'a>(
        &'a self,
        segments: &'a BTreeSet<u32>,
    ) -> impl Iterator<Item = (&'a str, &'a Entry)> + 'a {
        self.entries()
            .filter(move |(key, _)| segments.contains(&self.segment_of(key)))
    }

    /// Puts `entry` under `key`, keeping the segment hash and the tree path up to date.
    fn replace(&mut self, key: &str, entry: Entry) {
        let new_hash = entry_hash(key, &entry);
        let old_hash = match self.entries.get_mut(key) {
            Some(slot) => {
                let old_hash = entry_hash(key, slot);
                *slot = entry;
                old_hash
            }
            None => {
                self.entries.insert(key.into(), entry);
                0
            }
        };
        let mut index = (self.segments + self.segment_of(key)) as usize;
        self.tree[index] = self.tree[index]
            .wrapping_sub(old_hash)
            .wrapping_add(new_hash);
        while index > 1 {
            index /= 2;
            self.tree[index] = combine(self.tree[2 * index], self.tree[2 * index + 1]);
        }
    }
}

/// The order in which a delta offers `(origin, index into that origin's list)`.
fn send_sequence(
    needed: &BTreeMap<NodeId, Vec<(&str, &Entry)>>,
    order: DeltaOrder,
) -> Vec<(NodeId, usize)> {
    let mut sequence: Vec<(NodeId, usize)> = Vec::new();
    match order {
        DeltaOrder::Oldest => {
            for (&origin, list) in needed {
                sequence.extend((0..list.len()).map(|index| (origin, index)));
            }
            // Stable sort by stamp: within an origin, the list order (version, key) is kept.
            sequence.sort_by_key(|&(origin, index)| needed[&origin][index].1.stamp);
        }
        DeltaOrder::Depth => {
            let mut origins: Vec<(&NodeId, &Vec<_>)> = needed.iter().collect();
            origins.sort_by_key(|(origin, list)| (std::cmp::Reverse(list.len()), **origin));
            for (&origin, list) in origins {
                sequence.extend((0..list.len()).map(|index| (origin, index)));
            }
        }
        DeltaOrder::RoundRobin => {
            let longest = needed.values().map(Vec::len).max().unwrap_or(0);
            for index in 0..longest {
                for (&origin, list) in needed {
                    if index < list.len() {
                        sequence.push((origin, index));
                    }
                }
            }
        }
    }
    sequence
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn store(me: NodeId) -> Store {
        Store::new(me, 16).unwrap()
    }

    fn versioned(key: &str, value: &[u8], version: u64, origin: NodeId) -> VersionedEntry {
        VersionedEntry {
            key: key.into(),
            value: value.into(),
            stamp: Stamp { version, origin },
        }
    }

    /// A delta with no budget limit against `to`'s whole digest.
    fn full_delta(from: &Store, to: &Store, order: DeltaOrder) -> Delta {
        from.delta(&to.digest_window(0, usize::MAX), order, usize::MAX)
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn local_writes_are_lamport_clocks() {
        let mut a = store(1);
        assert_eq!(a.put("x", b"1").version, 1);
        assert_eq!(a.put("y", b"2").version, 2);
        assert_eq!(a.digest_of(1), 2);
        // After seeing version 10 from node 2, a local write must be newer than it.
        a.merge_entry(versioned("z", b"3", 10, 2));
        let stamp = a.put("z", b"4");
        assert_eq!(
            stamp,
            Stamp {
                version: 11,
                origin: 1
            }
        );
        assert_eq!(a.value("z"), Some(&b"4"[..]));
        assert_eq!(a.digest_of(1), 11);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn newer_wins_whatever_the_arrival_order() {
        let writes = [
            versioned("k", b"a", 3, 1),
            versioned("k", b"b", 3, 2),
            versioned("k", b"c", 2, 9),
            // Same stamp, different value: only a restarted node can do this; value bytes decide.
            versioned("k", b"d", 3, 2),
        ];
        let mut forward = store(0);
        let mut backward = store(0);
        for entry in &writes {
            forward.merge_entry(entry.clone());
        }
        for entry in writes.iter().rev() {
            backward.merge_entry(entry.clone());
        }
        for merged in [&forward, &backward] {
            let entry = merged.get("k").unwrap();
            assert_eq!(
                entry.stamp,
                Stamp {
                    version: 3,
                    origin: 2
                }
            );
            assert_eq!(&*entry.value, b"d");
        }
        assert_eq!(forward.checksum(), backward.checksum());
        assert!(!forward.merge_entry(versioned("k", b"a", 3, 1)));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn delta_keeps_each_origin_in_version_order_for_every_ordering() {
        let mut source = store(0);
        for (i, origin) in [1, 2, 1, 3, 2, 1, 1, 3].into_iter().enumerate() {
            source.merge_entry(versioned(&format!("k{i}"), b"v", 20 - i as u64, origin));
        }
        let expected_firsts = [
            (DeltaOrder::Oldest, vec![13, 14, 15, 16]),
            (DeltaOrder::Depth, vec![14, 15, 18, 20]),
            (DeltaOrder::RoundRobin, vec![14, 16, 13, 15]),
        ];
        for (order, firsts) in expected_firsts {
            let delta = source.delta(&DigestWindow::nothing(), order, usize::MAX);
            assert_eq!(delta.entries.len(), 8);
            let versions: Vec<u64> = delta.entries.iter().map(|e| e.stamp.version).collect();
            assert_eq!(versions[..4], firsts[..], "{order:?}");
            for origin in 1..=3 {
                let of_origin: Vec<u64> = delta
                    .entries
                    .iter()
                    .filter(|e| e.stamp.origin == origin)
                    .map(|e| e.stamp.version)
                    .collect();
                assert!(of_origin.is_sorted(), "{order:?} origin {origin}");
            }
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn delta_only_sends_what_the_peer_lacks() {
        let mut a = store(1);
        let mut b = store(2);
        a.put("x", b"1");
        a.put("y", b"2");
        b.apply_delta(full_delta(&a, &b, DeltaOrder::Depth));
        a.put("z", b"3");
        let delta = full_delta(&a, &b, DeltaOrder::Depth);
        assert_eq!(delta.entries, vec![versioned("z", b"3", 3, 1)]);
        assert_eq!(delta.digest_advance, vec![(1, 3)]);
        b.apply_delta(delta);
        assert!(full_delta(&a, &b, DeltaOrder::Depth).is_empty());
        assert_eq!(a.checksum(), b.checksum());
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn truncated_delta_fits_its_budget_and_advances_only_to_what_was_sent() {
        let mut a = store(1);
        for i in 0..10 {
            a.put(&format!("key{i}"), &[7; 20]);
        }
        let entry_bytes = entry_size_bytes(4, 20);
        let budget = Delta::HEADER_BYTES + ORIGIN_VERSION_BYTES + 3 * entry_bytes + 5;
        let delta = a.delta(&DigestWindow::nothing(), DeltaOrder::Depth, budget);
        assert!(delta.size_bytes() <= budget);
        assert_eq!(delta.entries.len(), 3);
        assert_eq!(delta.digest_advance, vec![(1, 3)]);

        let mut b = store(2);
        b.apply_delta(delta);
        assert_eq!(b.digest_of(1), 3);
        // The next delta resumes where the last one stopped.
        let next = a.delta(&b.digest_window(0, usize::MAX), DeltaOrder::Depth, budget);
        assert_eq!(next.entries[0].stamp.version, 4);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn overwritten_writes_still_advance_the_digest() {
        // Node 1 writes k; node 2 overwrites it. Node 3 never sees node 1's write, yet learns
        // that nothing of node 1 is missing, so digests agree once stores do.
        let mut one = store(1);
        let mut two = store(2);
        let mut three = store(3);
        one.put("k", b"old");
        two.apply_delta(full_delta(&one, &two, DeltaOrder::Depth));
        two.put("k", b"new");
        let delta = full_delta(&two, &three, DeltaOrder::Depth);
        assert_eq!(delta.entries, vec![versioned("k", b"new", 2, 2)]);
        assert_eq!(delta.digest_advance, vec![(1, 1), (2, 2)]);
        three.apply_delta(delta);
        assert_eq!(three.digest(), two.digest());
        assert!(full_delta(&one, &three, DeltaOrder::Depth).is_empty());
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn digest_window_fits_its_budget_and_rotates() {
        let mut a = store(0);
        for origin in 0..10 {
            a.merge_store(&{
                let mut other = store(origin);
                other.put(&format!("k{origin}"), b"v");
                other
            });
        }
        let budget = DigestWindow::HEADER_BYTES + 4 * ORIGIN_VERSION_BYTES;
        let first = a.digest_window(0, budget);
        assert_eq!(first.size_bytes(), budget);
        assert_eq!((first.first, first.last), (0, 3));
        let second = a.digest_window(first.next_first(), budget);
        assert_eq!((second.first, second.last), (4, 7));
        let third = a.digest_window(second.next_first(), budget);
        assert_eq!(
            (third.first, third.last, third.versions.len()),
            (8, NodeId::MAX, 2)
        );
        assert_eq!(third.next_first(), 0);

        // A delta against a window leaves the other origins out.
        let b = store(99);
        let delta = b.delta(&second, DeltaOrder::Depth, usize::MAX);
        assert!(delta.is_empty());
        let delta = a.delta(
            &DigestWindow {
                first: 4,
                last: 7,
                versions: vec![],
            },
            DeltaOrder::Depth,
            usize::MAX,
        );
        let origins: Vec<NodeId> = delta.entries.iter().map(|e| e.stamp.origin).collect();
        assert_eq!(origins, vec![4, 5, 6, 7]);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn checksum_depends_on_contents_not_history() {
        let mut a = store(1);
        let mut b = store(1);
        a.merge_entry(versioned("x", b"1", 1, 5));
        a.merge_entry(versioned("y", b"2", 2, 5));
        b.merge_entry(versioned("y", b"2", 2, 5));
        b.merge_entry(versioned("x", b"0", 1, 4));
        assert_ne!(a.checksum(), b.checksum());
        b.merge_entry(versioned("x", b"1", 1, 5));
        assert_eq!(a.checksum(), b.checksum());
        assert_ne!(a.checksum(), store(1).checksum());
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn tree_descent_finds_the_one_differing_segment() {
        let mut a = Store::new(1, 64).unwrap();
        for i in 0..500 {
            a.put(&format!("key{i}"), b"same");
        }
        let mut b = a.clone();
        b.put("key123", b"different");
        let mut level = vec![(1, a.tree_node(1).unwrap())];
        let mut rounds = 0;
        let found = loop {
            rounds += 1;
            let comparison = b.compare_tree(&level);
            if !comparison.segments.is_empty() {
                break comparison.segments;
            }
            // b compares a's hashes one level at a time, as a peer would receive them.
            assert_eq!(comparison.children.len(), 2);
            level = comparison
                .children
                .iter()
                .map(|&(index, _)| (index, a.tree_node(index).unwrap()))
                .collect();
        };
        assert_eq!(found, vec![b.segment_of("key123")]);
        assert_eq!(rounds, 7, "root plus log2(64) levels");
        let differing: BTreeSet<u32> = found.into_iter().collect();
        assert!(
            b.entries_in_segments(&differing)
                .any(|(key, _)| key == "key123")
        );
        let same = a.compare_tree(&[(1, a.checksum())]);
        assert!(same.root_matched && same.children.is_empty());
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn segments_must_be_a_power_of_two() {
        let error = Store::new(0, 12).unwrap_err();
        assert_eq!(error.field, "segments");
        assert_eq!(
            error.to_string(),
            "segments must be a power of two between 1 and 131072, got 12"
        );
        assert!(Store::new(0, 0).is_err());
        assert!(Store::new(0, MAX_SEGMENTS * 2).is_err());
        assert_eq!(Store::new(0, 1).unwrap().checksum(), 0);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn entry_size_is_key_plus_value_plus_header() {
        let entry = versioned("abc", &[0; 10], u64::MAX, NodeId::MAX);
        assert_eq!(entry.size_bytes(), 3 + 10 + 21);
        assert_eq!(ENTRY_HEADER_BYTES, 21);
    }
}
