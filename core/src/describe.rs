//! What a message carries, in a few words: [`Message::summary`] gives its kind (one word, for
//! colouring and counting) and a short decoded text ("ping 41, carrying: 9 suspect inc 2",
//! "digest 3 origins", "delta 2 keys 180 B"), for traces of simulated runs and for views of
//! live traffic. It reads the decoded [`Message`], so it is the same whatever envelope the bytes
//! travelled in; to describe bytes, decode them with [`crate::wire::decode`] first.
//!
//! The text names at most [`MAX_LISTED`] items of a list (membership updates, keys, origins) and
//! says how many more there were, so a summary stays short however large the message.

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
}
