//! What a cluster bus message carries, in a few words, for message traces
//! ([`crate::trace`]): "ping, gossip about 3 nodes: 12 PFAIL", "FAIL 7", "failover vote,
//! epoch 3".

use gossip_core::MessageSummary;

use super::node::{Flag, GossipEntry, Header, Message};

/// The kinds and fixed phrases of these summaries, for a view that says them in another
/// language with [`gossip_core::reword`] (`{n}` stands for a number).
pub const SUMMARY_PHRASES: &[&str] = &[
    "meet",
    "ping",
    "pong",
    "fail",
    "auth-request",
    "auth-ack",
    "gossip about {n} nodes",
    "PFAIL",
    "FAIL",
    "from a replica of {n}",
    "failover vote request",
    "failover vote",
    "epoch",
];

impl Message {
    /// This message in a few words: its kind (`meet`, `ping`, `pong`, `fail`, `auth-request`,
    /// `auth-ack`) and what it says; of a gossip section, the nodes it holds PFAIL or FAIL.
    pub fn summary(&self) -> MessageSummary {
        let (kind, text) = match self {
            Message::Meet(header, gossip) => ("meet", heartbeat("meet", header, gossip)),
            Message::Ping(header, gossip) => ("ping", heartbeat("ping", header, gossip)),
            Message::Pong(header, gossip) => ("pong", heartbeat("pong", header, gossip)),
            Message::Fail { node } => ("fail", format!("FAIL {node}")),
            Message::AuthRequest { epoch } => (
                "auth-request",
                format!("failover vote request, epoch {epoch}"),
            ),
            Message::AuthAck { epoch } => ("auth-ack", format!("failover vote, epoch {epoch}")),
        };
        MessageSummary { kind, text }
    }
}

fn heartbeat(name: &str, header: &Header, gossip: &[GossipEntry]) -> String {
    let mut text = format!("{name}, gossip about {} nodes", gossip.len());
    let flagged: Vec<String> = gossip
        .iter()
        .filter_map(|entry| match entry.flag {
            Flag::Ok => None,
            Flag::PFail => Some(format!("{} PFAIL", entry.node)),
            Flag::Fail => Some(format!("{} FAIL", entry.node)),
        })
        .collect();
    if !flagged.is_empty() {
        text.push_str(": ");
        text.push_str(&flagged.join(", "));
    }
    if let Some(master) = header.replica_of {
        text.push_str(&format!(" (from a replica of {master})"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn a_ping_names_the_nodes_it_gossips_as_failing() {
        let entry = |node, flag| GossipEntry {
            node,
            pong_seconds: 3,
            flag,
        };
        let header = Header {
            current_epoch: 2,
            replica_of: None,
        };
        let ping = Message::Ping(
            header,
            vec![
                entry(1, Flag::Ok),
                entry(12, Flag::PFail),
                entry(4, Flag::Fail),
            ],
        );
        let summary = ping.summary();
        assert_eq!(
            (summary.kind, summary.text.as_str()),
            ("ping", "ping, gossip about 3 nodes: 12 PFAIL, 4 FAIL")
        );
        assert_eq!(Message::Fail { node: 7 }.summary().text, "FAIL 7");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn every_word_of_every_summary_is_in_the_vocabulary() {
        let entry = |node, flag| GossipEntry {
            node,
            pong_seconds: 3,
            flag,
        };
        let gossip = vec![
            entry(1, Flag::Ok),
            entry(2, Flag::PFail),
            entry(3, Flag::Fail),
        ];
        let header = Header {
            current_epoch: 2,
            replica_of: Some(4),
        };
        let messages = [
            Message::Meet(header, gossip.clone()),
            Message::Ping(header, gossip.clone()),
            Message::Pong(header, gossip),
            Message::Fail { node: 7 },
            Message::AuthRequest { epoch: 3 },
            Message::AuthAck { epoch: 3 },
        ];
        let summaries: Vec<MessageSummary> = messages.iter().map(Message::summary).collect();
        crate::systems::assert_said_by(&summaries, SUMMARY_PHRASES);
    }
}
