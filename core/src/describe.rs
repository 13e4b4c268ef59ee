//! What a message carries, in a few words: [`Message::summary`] gives its kind (one word, for
//! colouring and counting) and a short decoded text ("ping 41, carrying: 9 suspect inc 2",
//! "digest 3 origins", "delta 2 keys 180 B"), for traces of simulated runs and for views of
//! live traffic. It reads the decoded [`Message`], so it is the same whatever envelope the bytes
//! travelled in; to describe bytes, decode them with [`crate::wire::decode`] first.
//!
//! The text names at most [`MAX_LISTED`] items of a list (membership updates, keys, origins) and
//! says how many more there were, so a summary stays short however large the message.
//!
//! The text is English, and stays so: traces, recordings and embedders keep it as written. A
//! view in another language says it in its own words with [`reword`] and a vocabulary of its
//! own for [`SUMMARY_PHRASES`] and [`MESSAGE_KINDS`], the closed set of words a summary is made
//! of (a test rewords every kind of message and finds no English word left); numbers, ids,
//! keys and versions stay as they are.

use core::fmt;
use core::fmt::Write as _;

use crate::anti_entropy::AntiEntropyMessage;
use crate::direct_mail::MailMessage;
use crate::membership::{MemberState, MemberUpdate, SwimMessage};
use crate::rumor::monger::RumorMessage;
use crate::store::{Stamp, VersionedEntry};
use crate::wire::Message;
use crate::{Direction, Mechanism};

/// The most items of a list a summary names; the rest are counted.
pub const MAX_LISTED: usize = 4;

/// Every kind a summary names ([`MessageSummary::kind`]), for a view to say in its language.
pub const MESSAGE_KINDS: &[&str] = &[
    "ping",
    "ack",
    "ping-req",
    "indirect-ack",
    "join",
    "nack",
    "gossip",
    "sync",
    "send-digest",
    "send-everything",
    "digest",
    "delta",
    "checksum",
    "tree-nodes",
    "segment-request",
    "push",
    "pull-request",
    "pull-reply",
    "feedback",
    "mail",
    "mail-ack",
    "receipt",
];

/// The fixed phrases a summary's text is written with, for [`reword`]: every word of a
/// [`MessageSummary::text`] belongs to one of these or to [`MESSAGE_KINDS`], or is a value (a
/// number, an id, a key, a version such as `v4`, a stamp such as `3@1`, a checksum). `{n}`
/// stands for one value starting with a digit (a count, an id), so that a language may put it
/// elsewhere in the phrase ("{n} more").
pub const SUMMARY_PHRASES: &[&str] = &[
    "carrying",
    "alive",
    "suspect",
    "dead",
    "left",
    "inc",
    "{n} more",
    "ping {n} for me",
    "indirect ack",
    "{n} answered",
    "no answer yet",
    "{n} members",
    "send me your digest",
    "send me everything",
    "{n} origin",
    "{n} origins",
    "send yours back",
    "{n} key",
    "{n} keys",
    "{n} tree nodes",
    "send segments",
    "{n} rumor",
    "{n} rumors",
    "send me your hot rumors",
    "pull reply",
    "already knew",
    "ack of mail {n}",
    "learned",
    "by local",
    "by anti-entropy",
    "by rumor",
    "by mail",
    "push-pull",
    "pull",
    "{n} B",
];

/// Characters that end a word of a summary (and of a phrase): everything else is part of one.
const SEPARATORS: [char; 5] = [' ', ',', ':', '(', ')'];

/// The length of the word (see [`SEPARATORS`]) at the start of `text`.
fn word_len(text: &str) -> usize {
    text.find(SEPARATORS).unwrap_or(text.len())
}

/// If `text` starts with `phrase` (whole words; `{n}` matching one word that starts with a
/// digit), the length matched and the word `{n}` matched.
fn phrase_at<'t>(phrase: &str, text: &'t str) -> Option<(usize, Option<&'t str>)> {
    let mut value = None;
    let mut matched = 0;
    let mut rest = phrase;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("{n}") {
            let word = &text[matched..matched + word_len(&text[matched..])];
            if !word.starts_with(|c: char| c.is_ascii_digit()) {
                return None;
            }
            value = Some(word);
            matched += word.len();
            rest = after;
        } else {
            let literal = rest.find("{n}").map_or(rest, |hole| &rest[..hole]);
            if !text[matched..].starts_with(literal) {
                return None;
            }
            matched += literal.len();
            rest = &rest[literal.len()..];
        }
    }
    let whole_word = text[matched..].is_empty() || text[matched..].starts_with(SEPARATORS);
    whole_word.then_some((matched, value))
}

/// Appends `text`, a summary's text or kind, to `out` in other words: each phrase of
/// `vocabulary`, an English phrase (from [`SUMMARY_PHRASES`], [`MESSAGE_KINDS`] or a
/// simulated system's list) with its replacement, is replaced where it stands as whole words,
/// the longest first where two could; `{n}` in a replacement is the value the phrase's `{n}`
/// matched. Everything else (values, punctuation, words the vocabulary lacks) is copied.
///
/// ```
/// use gossip_core::reword;
/// let vocabulary = [("ping-req", "PING-REQ"), ("ping {n} for me", "ping {n} on my behalf"),
///                   ("carrying", "with"), ("suspect", "SUSPECT"), ("inc", "incarnation")];
/// let mut out = String::new();
/// reword("ping-req 41: ping 7 for me, carrying: 9 suspect inc 2", &vocabulary, &mut out);
/// assert_eq!(out, "PING-REQ 41: ping 7 on my behalf, with: 9 SUSPECT incarnation 2");
/// ```
pub fn reword(text: &str, vocabulary: &[(&str, &str)], out: &mut String) {
    let mut at = 0;
    while at < text.len() {
        let rest = &text[at..];
        if rest.starts_with(SEPARATORS) {
            // A separator is one ASCII byte.
            out.push_str(&rest[..1]);
            at += 1;
            continue;
        }
        let best = vocabulary
            .iter()
            .filter_map(|(phrase, said)| phrase_at(phrase, rest).map(|found| (found, *said)))
            .max_by_key(|((length, _), _)| *length);
        match best {
            Some(((length, value), said)) => {
                match (value, said.split_once("{n}")) {
                    (Some(value), Some((before, after))) => {
                        out.push_str(before);
                        out.push_str(value);
                        out.push_str(after);
                    }
                    _ => out.push_str(said),
                }
                at += length;
            }
            None => {
                let length = word_len(rest);
                out.push_str(&rest[..length]);
                at += length;
            }
        }
    }
}

/// A message in a few words (see the module documentation). `Display` writes `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageSummary {
    /// The message's kind in one word or two: `ping`, `ack`, `ping-req`, `indirect-ack`,
    /// `join`, `nack`, `sync`, `send-digest`, `send-everything`, `digest`, `delta`, `checksum`,
    /// `tree-nodes`, `segment-request`, `push`, `pull-request`, `pull-reply`, `feedback`,
    /// `mail`, `mail-ack`, `receipt`.
    pub kind: &'static str,
    /// What it carried, decoded: "ping 41, carrying: 9 suspect inc 2".
    pub text: String,
}

impl fmt::Display for MessageSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Message {
    /// What this message carries, in a few words (see [`MessageSummary`]).
    ///
    /// ```
    /// use gossip_core::{MemberState, MemberUpdate, Message, SwimMessage};
    /// let suspicion = MemberUpdate { id: 9, incarnation: 2, state: MemberState::Suspect, origin: Some(4) };
    /// let ping = Message::Swim(SwimMessage::Ping { seq: 41, updates: vec![suspicion] });
    /// let summary = ping.summary();
    /// assert_eq!(summary.kind, "ping");
    /// assert_eq!(summary.to_string(), "ping 41, carrying: 9 suspect inc 2");
    /// ```
    pub fn summary(&self) -> MessageSummary {
        let mut text = String::new();
        let kind = self.write_summary(&mut text);
        MessageSummary { kind, text }
    }

    /// Appends [`Message::summary`]'s text to `out` and returns its kind: the same words
    /// without a new `String` per message, for recorders that keep many summaries in one buffer
    /// (message traces).
    ///
    /// ```
    /// use gossip_core::{Message, SwimMessage};
    /// let ack = Message::Swim(SwimMessage::Ack { seq: 3, updates: Vec::new() });
    /// let mut out = String::from("before; ");
    /// assert_eq!(ack.write_summary(&mut out), "ack");
    /// assert_eq!(out, "before; ack 3");
    /// ```
    pub fn write_summary(&self, out: &mut String) -> &'static str {
        match self {
            Message::Swim(message) => swim(message, out),
            Message::AntiEntropy(message) => anti_entropy(message, out),
            Message::Rumor(message) => rumor(message, out),
            Message::Mail(message) => mail(message, out),
            Message::Learned(receipts) => {
                receipts_text(receipts, out);
                "receipt"
            }
        }
    }
}

// Writing to a `String` cannot fail: the `fmt::Result`s below are always Ok and are ignored.

fn state_word(state: MemberState) -> &'static str {
    match state {
        MemberState::Alive => "alive",
        MemberState::Suspect => "suspect",
        MemberState::Dead => "dead",
        MemberState::Left => "left",
    }
}

/// Appends `items` as "a, b, c, 3 more", each written by `write`.
fn listed<T>(items: &[T], out: &mut String, write: impl Fn(&T, &mut String)) {
    for (index, item) in items.iter().take(MAX_LISTED).enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        write(item, out);
    }
    if items.len() > MAX_LISTED {
        let _ = write!(out, ", {} more", items.len() - MAX_LISTED);
    }
}

fn updates_text(updates: &[MemberUpdate], out: &mut String) {
    if updates.is_empty() {
        return;
    }
    out.push_str(", carrying: ");
    listed(updates, out, |update, out| {
        let _ = write!(
            out,
            "{} {} inc {}",
            update.id,
            state_word(update.state),
            update.incarnation
        );
    });
}

fn swim(message: &SwimMessage, out: &mut String) -> &'static str {
    match message {
        SwimMessage::Ping { seq, updates } => {
            let _ = write!(out, "ping {seq}");
            updates_text(updates, out);
            "ping"
        }
        SwimMessage::Ack { seq, updates } => {
            let _ = write!(out, "ack {seq}");
            updates_text(updates, out);
            "ack"
        }
        SwimMessage::PingReq {
            seq,
            target,
            updates,
        } => {
            let _ = write!(out, "ping-req {seq}: ping {target} for me");
            updates_text(updates, out);
            "ping-req"
        }
        SwimMessage::IndirectAck {
            seq,
            target,
            updates,
        } => {
            let _ = write!(out, "indirect ack {seq}: {target} answered");
            updates_text(updates, out);
            "indirect-ack"
        }
        SwimMessage::Join { incarnation } => {
            let _ = write!(out, "join, inc {incarnation}");
            "join"
        }
        SwimMessage::Nack { seq } => {
            let _ = write!(out, "nack {seq}: no answer yet");
            "nack"
        }
        SwimMessage::Gossip { updates } => {
            out.push_str("gossip");
            updates_text(updates, out);
            "gossip"
        }
        SwimMessage::Sync { members } => {
            let _ = write!(out, "sync {} members: ", members.len());
            listed(members, out, |m, out| {
                let _ = write!(out, "{} {}", m.id, state_word(m.state));
            });
            "sync"
        }
    }
}

fn direction_word(direction: Direction) -> &'static str {
    match direction {
        Direction::Push => "push",
        Direction::Pull => "pull",
        Direction::PushPull => "push-pull",
    }
}

fn entries_text(entries: &[VersionedEntry], out: &mut String) {
    let bytes: usize = entries.iter().map(VersionedEntry::size_bytes).sum();
    let plural = if entries.len() == 1 { "key" } else { "keys" };
    let _ = write!(out, "{} {plural} {bytes} B: ", entries.len());
    listed(entries, out, |entry, out| {
        let _ = write!(out, "{} v{}", entry.key, entry.stamp.version);
    });
}

fn anti_entropy(message: &AntiEntropyMessage, out: &mut String) -> &'static str {
    match message {
        AntiEntropyMessage::SendDigest => {
            out.push_str("send me your digest");
            "send-digest"
        }
        AntiEntropyMessage::SendEverything => {
            out.push_str("send me everything");
            "send-everything"
        }
        AntiEntropyMessage::Digest {
            window,
            reply_with_digest,
        } => {
            let origins = window.versions.len();
            let plural = if origins == 1 { "origin" } else { "origins" };
            let _ = write!(out, "digest {origins} {plural}");
            if !window.versions.is_empty() {
                out.push_str(" (");
                listed(&window.versions, out, |(origin, version), out| {
                    let _ = write!(out, "{origin}: v{version}");
                });
                out.push(')');
            }
            if *reply_with_digest {
                out.push_str(", send yours back");
            }
            "digest"
        }
        AntiEntropyMessage::Delta(delta) => {
            out.push_str("delta ");
            entries_text(&delta.entries, out);
            "delta"
        }
        AntiEntropyMessage::Checksum {
            checksum,
            direction,
        } => {
            let _ = write!(
                out,
                "checksum {checksum:016x}, {}",
                direction_word(*direction)
            );
            "checksum"
        }
        AntiEntropyMessage::TreeNodes { nodes, direction } => {
            let _ = write!(out, "{} tree nodes (", nodes.len());
            listed(nodes, out, |(index, _), out| {
                let _ = write!(out, "{index}");
            });
            let _ = write!(out, "), {}", direction_word(*direction));
            "tree-nodes"
        }
        AntiEntropyMessage::SegmentRequest { segments } => {
            out.push_str("send segments ");
            listed(segments, out, |segment, out| {
                let _ = write!(out, "{segment}");
            });
            "segment-request"
        }
    }
}

fn stamp_text(stamp: &Stamp, out: &mut String) {
    let _ = write!(out, "{}@{}", stamp.version, stamp.origin);
}

fn rumors_text(rumors: &[(Stamp, VersionedEntry)], out: &mut String) {
    let plural = if rumors.len() == 1 { "rumor" } else { "rumors" };
    let _ = write!(out, "{} {plural}: ", rumors.len());
    listed(rumors, out, |(_, entry), out| {
        let _ = write!(out, "{} v{}", entry.key, entry.stamp.version);
    });
}

fn rumor(message: &RumorMessage<Stamp, VersionedEntry>, out: &mut String) -> &'static str {
    match message {
        RumorMessage::Push { rumors, pull } => {
            out.push_str("push ");
            rumors_text(rumors, out);
            if *pull {
                out.push_str(", send yours back");
            }
            "push"
        }
        RumorMessage::PullRequest => {
            out.push_str("send me your hot rumors");
            "pull-request"
        }
        RumorMessage::PullReply { rumors } => {
            out.push_str("pull reply ");
            rumors_text(rumors, out);
            "pull-reply"
        }
        RumorMessage::Feedback { known } => {
            out.push_str("already knew ");
            listed(known, out, stamp_text);
            "feedback"
        }
    }
}

fn mail(message: &MailMessage<VersionedEntry>, out: &mut String) -> &'static str {
    match message {
        MailMessage::Mail { id, payload } => {
            let _ = write!(
                out,
                "mail {id}: {} v{} {} B",
                payload.key,
                payload.stamp.version,
                payload.size_bytes()
            );
            "mail"
        }
        MailMessage::Ack { id } => {
            let _ = write!(out, "ack of mail {id}");
            "mail-ack"
        }
    }
}

fn receipts_text(receipts: &[(Stamp, Mechanism)], out: &mut String) {
    out.push_str("learned ");
    listed(receipts, out, |(stamp, mechanism), out| {
        let by = match mechanism {
            Mechanism::Local => "local",
            Mechanism::AntiEntropy => "anti-entropy",
            Mechanism::Rumor => "rumor",
            Mechanism::DirectMail => "mail",
        };
        stamp_text(stamp, out);
        let _ = write!(out, " by {by}");
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Delta, DigestWindow};
    use wasm_bindgen_test::wasm_bindgen_test;

    fn entry(key: &str, version: u64, origin: u32) -> VersionedEntry {
        VersionedEntry {
            key: key.into(),
            value: vec![7; 10],
            stamp: Stamp { version, origin },
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn each_kind_reads_as_what_it_carried() {
        let suspect = |id| MemberUpdate {
            id,
            incarnation: 2,
            state: MemberState::Suspect,
            origin: Some(1),
        };
        let cases = [
            (
                Message::Swim(SwimMessage::PingReq {
                    seq: 41,
                    target: 7,
                    updates: (0..6).map(suspect).collect(),
                }),
                "ping-req",
                "ping-req 41: ping 7 for me, carrying: 0 suspect inc 2, 1 suspect inc 2, \
                 2 suspect inc 2, 3 suspect inc 2, 2 more",
            ),
            (
                Message::Swim(SwimMessage::Ack {
                    seq: 3,
                    updates: Vec::new(),
                }),
                "ack",
                "ack 3",
            ),
            (
                Message::AntiEntropy(AntiEntropyMessage::Digest {
                    window: DigestWindow {
                        first: 0,
                        last: u32::MAX,
                        versions: vec![(0, 4), (2, 1), (5, 9)],
                    },
                    reply_with_digest: true,
                }),
                "digest",
                "digest 3 origins (0: v4, 2: v1, 5: v9), send yours back",
            ),
            (
                Message::AntiEntropy(AntiEntropyMessage::Delta(Delta {
                    entries: vec![entry("colour", 4, 0), entry("size", 1, 2)],
                    digest_advance: Vec::new(),
                })),
                "delta",
                "delta 2 keys 72 B: colour v4, size v1",
            ),
            (
                Message::Rumor(RumorMessage::Feedback {
                    known: vec![Stamp {
                        version: 3,
                        origin: 1,
                    }],
                }),
                "feedback",
                "already knew 3@1",
            ),
            (
                Message::Mail(MailMessage::Mail {
                    id: 5,
                    payload: entry("k", 2, 3),
                }),
                "mail",
                "mail 5: k v2 32 B",
            ),
        ];
        for (message, kind, text) in cases {
            let summary = message.summary();
            assert_eq!((summary.kind, summary.text.as_str()), (kind, text));
        }
    }

    /// One message of every kind, with lists long enough to be cut, single and plural counts
    /// and every member state, direction and mechanism.
    fn every_kind_of_message() -> Vec<Message> {
        let update = |id, state| MemberUpdate {
            id,
            incarnation: 3,
            state,
            origin: None,
        };
        let updates: Vec<MemberUpdate> = [
            MemberState::Alive,
            MemberState::Suspect,
            MemberState::Dead,
            MemberState::Left,
            MemberState::Alive,
        ]
        .into_iter()
        .enumerate()
        .map(|(id, state)| update(id as u32, state))
        .collect();
        let stamp = Stamp {
            version: 2,
            origin: 1,
        };
        let rumors = |count: usize| (0..count).map(|_| (stamp, entry("k", 2, 1))).collect();
        let window = |versions| DigestWindow {
            first: 0,
            last: u32::MAX,
            versions,
        };
        let mut messages = vec![
            SwimMessage::Ping {
                seq: 1,
                updates: updates.clone(),
            },
            SwimMessage::Ack {
                seq: 1,
                updates: updates.clone(),
            },
            SwimMessage::PingReq {
                seq: 2,
                target: 7,
                updates: Vec::new(),
            },
            SwimMessage::IndirectAck {
                seq: 2,
                target: 7,
                updates: Vec::new(),
            },
            SwimMessage::Join { incarnation: 1 },
            SwimMessage::Nack { seq: 2 },
            SwimMessage::Gossip {
                updates: updates.clone(),
            },
            SwimMessage::Sync { members: updates },
        ]
        .into_iter()
        .map(Message::Swim)
        .collect::<Vec<_>>();
        let directions = [Direction::Push, Direction::Pull, Direction::PushPull];
        messages.extend(
            [
                AntiEntropyMessage::SendDigest,
                AntiEntropyMessage::SendEverything,
                AntiEntropyMessage::Digest {
                    window: window(vec![(0, 4)]),
                    reply_with_digest: true,
                },
                AntiEntropyMessage::Digest {
                    window: window((0..6).map(|origin| (origin, 1)).collect()),
                    reply_with_digest: false,
                },
                AntiEntropyMessage::Delta(Delta {
                    entries: vec![entry("k", 1, 0)],
                    digest_advance: Vec::new(),
                }),
                AntiEntropyMessage::Delta(Delta {
                    entries: (0..6).map(|origin| entry("k", 1, origin)).collect(),
                    digest_advance: Vec::new(),
                }),
                AntiEntropyMessage::SegmentRequest {
                    segments: (0..6).collect(),
                },
            ]
            .into_iter()
            .chain(directions.into_iter().flat_map(|direction| {
                [
                    // A checksum of decimal digits only: a hexadecimal one is a value too, but
                    // its letters would read as words to this test.
                    AntiEntropyMessage::Checksum {
                        checksum: 0x1234,
                        direction,
                    },
                    AntiEntropyMessage::TreeNodes {
                        nodes: (1..7).map(|index| (index, 0)).collect(),
                        direction,
                    },
                ]
            }))
            .map(Message::AntiEntropy),
        );
        messages.extend(
            [
                RumorMessage::Push {
                    rumors: rumors(1),
                    pull: true,
                },
                RumorMessage::Push {
                    rumors: rumors(6),
                    pull: false,
                },
                RumorMessage::PullRequest,
                RumorMessage::PullReply { rumors: rumors(2) },
                RumorMessage::Feedback {
                    known: vec![stamp; 6],
                },
            ]
            .map(Message::Rumor),
        );
        messages.extend([
            Message::Mail(MailMessage::Mail {
                id: 5,
                payload: entry("k", 2, 3),
            }),
            Message::Mail(MailMessage::Ack { id: 5 }),
            Message::Learned(
                [
                    Mechanism::Local,
                    Mechanism::AntiEntropy,
                    Mechanism::Rumor,
                    Mechanism::DirectMail,
                ]
                .map(|mechanism| (stamp, mechanism))
                .to_vec(),
            ),
        ]);
        messages
    }

    /// The words of `text` of two letters or more (a version `v4` or the unit `B` is none).
    fn words(text: &str) -> Vec<&str> {
        text.split(|c: char| !c.is_ascii_alphabetic())
            .filter(|word| word.len() >= 2)
            .collect()
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn every_word_of_every_summary_is_in_the_vocabulary() {
        // Each phrase said as a mark with no letters, its value carried over: what a language
        // with a word for every phrase makes of the summaries.
        let marks: Vec<(&str, &str)> = SUMMARY_PHRASES
            .iter()
            .chain(MESSAGE_KINDS)
            .map(|phrase| (*phrase, if phrase.contains("{n}") { "#{n}#" } else { "#" }))
            .collect();
        let messages = every_kind_of_message();
        let mut kinds = Vec::new();
        for message in &messages {
            let summary = message.summary();
            assert!(MESSAGE_KINDS.contains(&summary.kind), "{summary:?}");
            kinds.push(summary.kind);
            let mut said = String::new();
            reword(&summary.text, &marks, &mut said);
            assert_eq!(
                words(&said),
                Vec::<&str>::new(),
                "{summary:?} said as {said}"
            );
            let mut kind = String::new();
            reword(summary.kind, &marks, &mut kind);
            assert_eq!(kind, "#");
        }
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(
            kinds.len(),
            MESSAGE_KINDS.len(),
            "every kind met: {kinds:?}"
        );
        // Every phrase is needed by some summary (none is left over from an old wording).
        for phrase in SUMMARY_PHRASES {
            let used = messages.iter().any(|message| {
                let text = message.summary().text;
                let mut said = String::new();
                reword(&text, &[(phrase, "#")], &mut said);
                said != text
            });
            assert!(used, "{phrase} is in no summary");
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn rewording_replaces_whole_phrases_and_keeps_values() {
        let vocabulary = [
            ("ack", "A"),
            ("ack of mail {n}", "M[{n}]"),
            ("{n} more", "+{n}"),
            ("{n} keys", "K{n}"),
            ("delta", "D"),
        ];
        let said = |text: &str| {
            let mut out = String::new();
            reword(text, &vocabulary, &mut out);
            out
        };
        // The longest phrase wins; a phrase inside a longer word (ack in ack2, delta in
        // deltas) or a hole on a word not starting with a digit is no match.
        assert_eq!(said("ack of mail 12"), "M[12]");
        assert_eq!(said("ack 3, ack2 deltas"), "A 3, ack2 deltas");
        assert_eq!(
            said("delta 2 keys 72 B: colour v4, 2 more"),
            "D K2 72 B: colour v4, +2"
        );
        assert_eq!(said("x keys, ack of mail y"), "x keys, A of mail y");
        assert_eq!(said(""), "");
    }
}
