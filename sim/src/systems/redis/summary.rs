//! What a cluster bus message carries, in a few words, for message traces
//! ([`crate::trace`]): "ping, gossip about 3 nodes: 12 PFAIL", "FAIL 7", "failover vote,
//! epoch 3".

use gossip_core::MessageSummary;

use super::node::{Flag, GossipEntry, Header, Message};

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
}
