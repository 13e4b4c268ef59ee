//! What a message carries, in a few words: [`Message::summary`] gives its kind (one word, for
//! colouring and counting) and a short decoded text ("ping 41, carrying: 9 suspect inc 2",
//! "digest 3 origins", "delta 2 keys 180 B"), for traces of simulated runs and for views of
//! live traffic. It reads the decoded [`Message`], so it is the same whatever envelope the bytes
//! travelled in; to describe bytes, decode them with [`crate::wire::decode`] first.
//!
//! The text names at most [`MAX_LISTED`] items of a list (membership updates, keys, origins) and
//! says how many more there were, so a summary stays short however large the message.

use core::fmt;

use crate::anti_entropy::AntiEntropyMessage;
use crate::direct_mail::MailMessage;
use crate::membership::{MemberState, MemberUpdate, SwimMessage};
use crate::rumor::monger::RumorMessage;
use crate::store::{Stamp, VersionedEntry};
use crate::wire::Message;
use crate::{Direction, Mechanism};

/// The most items of a list a summary names; the rest are counted.
pub const MAX_LISTED: usize = 4;

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
        let (kind, text) = match self {
            Message::Swim(message) => swim(message),
            Message::AntiEntropy(message) => anti_entropy(message),
            Message::Rumor(message) => rumor(message),
            Message::Mail(message) => mail(message),
            Message::Learned(receipts) => ("receipt", receipts_text(receipts)),
        };
        MessageSummary { kind, text }
    }
}

fn state_word(state: MemberState) -> &'static str {
    match state {
        MemberState::Alive => "alive",
        MemberState::Suspect => "suspect",
        MemberState::Dead => "dead",
        MemberState::Left => "left",
    }
}

/// `items` as "a, b, c, 3 more", each written by `write`.
fn listed<T>(items: &[T], write: impl Fn(&T) -> String) -> String {
    let mut text = String::new();
    for (index, item) in items.iter().take(MAX_LISTED).enumerate() {
        if index > 0 {
            text.push_str(", ");
        }
        text.push_str(&write(item));
    }
    if items.len() > MAX_LISTED {
        text.push_str(&format!(", {} more", items.len() - MAX_LISTED));
    }
    text
}

fn updates_text(updates: &[MemberUpdate]) -> String {
    if updates.is_empty() {
        return String::new();
    }
    let each = |update: &MemberUpdate| {
        format!(
            "{} {} inc {}",
            update.id,
            state_word(update.state),
            update.incarnation
        )
    };
    format!(", carrying: {}", listed(updates, each))
}

fn swim(message: &SwimMessage) -> (&'static str, String) {
    match message {
        SwimMessage::Ping { seq, updates } => {
            ("ping", format!("ping {seq}{}", updates_text(updates)))
        }
        SwimMessage::Ack { seq, updates } => ("ack", format!("ack {seq}{}", updates_text(updates))),
        SwimMessage::PingReq {
            seq,
            target,
            updates,
        } => (
            "ping-req",
            format!(
                "ping-req {seq}: ping {target} for me{}",
                updates_text(updates)
            ),
        ),
        SwimMessage::IndirectAck {
            seq,
            target,
            updates,
        } => (
            "indirect-ack",
            format!(
                "indirect ack {seq}: {target} answered{}",
                updates_text(updates)
            ),
        ),
        SwimMessage::Join { incarnation } => ("join", format!("join, inc {incarnation}")),
        SwimMessage::Nack { seq } => ("nack", format!("nack {seq}: no answer yet")),
        SwimMessage::Gossip { updates } => ("gossip", format!("gossip{}", updates_text(updates))),
        SwimMessage::Sync { members } => (
            "sync",
            format!(
                "sync {} members: {}",
                members.len(),
                listed(members, |m| format!("{} {}", m.id, state_word(m.state)))
            ),
        ),
    }
}

fn direction_word(direction: Direction) -> &'static str {
    match direction {
        Direction::Push => "push",
        Direction::Pull => "pull",
        Direction::PushPull => "push-pull",
    }
}

fn entries_text(entries: &[VersionedEntry]) -> String {
    let bytes: usize = entries.iter().map(VersionedEntry::size_bytes).sum();
    let keys = listed(entries, |entry| {
        format!("{} v{}", entry.key, entry.stamp.version)
    });
    let plural = if entries.len() == 1 { "key" } else { "keys" };
    format!("{} {plural} {bytes} B: {keys}", entries.len())
}

fn anti_entropy(message: &AntiEntropyMessage) -> (&'static str, String) {
    match message {
        AntiEntropyMessage::SendDigest => ("send-digest", "send me your digest".into()),
        AntiEntropyMessage::SendEverything => ("send-everything", "send me everything".into()),
        AntiEntropyMessage::Digest {
            window,
            reply_with_digest,
        } => {
            let origins = window.versions.len();
            let plural = if origins == 1 { "origin" } else { "origins" };
            let versions = listed(&window.versions, |(origin, version)| {
                format!("{origin}: v{version}")
            });
            let reply = if *reply_with_digest {
                ", send yours back"
            } else {
                ""
            };
            let versions = if versions.is_empty() {
                String::new()
            } else {
                format!(" ({versions})")
            };
            (
                "digest",
                format!("digest {origins} {plural}{versions}{reply}"),
            )
        }
        AntiEntropyMessage::Delta(delta) => {
            ("delta", format!("delta {}", entries_text(&delta.entries)))
        }
        AntiEntropyMessage::Checksum {
            checksum,
            direction,
        } => (
            "checksum",
            format!("checksum {checksum:016x}, {}", direction_word(*direction)),
        ),
        AntiEntropyMessage::TreeNodes { nodes, direction } => (
            "tree-nodes",
            format!(
                "{} tree nodes ({}), {}",
                nodes.len(),
                listed(nodes, |(index, _)| index.to_string()),
                direction_word(*direction)
            ),
        ),
        AntiEntropyMessage::SegmentRequest { segments } => (
            "segment-request",
            format!(
                "send segments {}",
                listed(segments, |segment| segment.to_string())
            ),
        ),
    }
}

fn stamp_text(stamp: &Stamp) -> String {
    format!("{}@{}", stamp.version, stamp.origin)
}

fn rumors_text(rumors: &[(Stamp, VersionedEntry)]) -> String {
    let plural = if rumors.len() == 1 { "rumor" } else { "rumors" };
    let keys = listed(rumors, |(_, entry)| {
        format!("{} v{}", entry.key, entry.stamp.version)
    });
    format!("{} {plural}: {keys}", rumors.len())
}

fn rumor(message: &RumorMessage<Stamp, VersionedEntry>) -> (&'static str, String) {
    match message {
        RumorMessage::Push { rumors, pull } => {
            let pull = if *pull { ", send yours back" } else { "" };
            ("push", format!("push {}{pull}", rumors_text(rumors)))
        }
        RumorMessage::PullRequest => ("pull-request", "send me your hot rumors".into()),
        RumorMessage::PullReply { rumors } => {
            ("pull-reply", format!("pull reply {}", rumors_text(rumors)))
        }
        RumorMessage::Feedback { known } => (
            "feedback",
            format!("already knew {}", listed(known, stamp_text)),
        ),
    }
}

fn mail(message: &MailMessage<VersionedEntry>) -> (&'static str, String) {
    match message {
        MailMessage::Mail { id, payload } => (
            "mail",
            format!(
                "mail {id}: {} v{} {} B",
                payload.key,
                payload.stamp.version,
                payload.size_bytes()
            ),
        ),
        MailMessage::Ack { id } => ("mail-ack", format!("ack of mail {id}")),
    }
}

fn receipts_text(receipts: &[(Stamp, Mechanism)]) -> String {
    let each = |(stamp, mechanism): &(Stamp, Mechanism)| {
        let by = match mechanism {
            Mechanism::Local => "local",
            Mechanism::AntiEntropy => "anti-entropy",
            Mechanism::Rumor => "rumor",
            Mechanism::DirectMail => "mail",
        };
        format!("{} by {by}", stamp_text(stamp))
    };
    format!("learned {}", listed(receipts, each))
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
}
