//! The frames live peers and the relay exchange over a WebSocket.
//!
//! The relay is dumb about gossip: it forwards opaque payloads between the peers of a room and
//! stamps the sender on each, so no peer can speak as another.
//! - Binary frames carry gossip. Peer to relay: `[to: u32 LE][payload]`, where `to` is a peer id
//!   or [`BROADCAST`]. Relay to peer: `[from: u32 LE][payload]`, `from` written by the relay.
//! - Text frames carry control messages from the relay, as JSON ([`Control`]).
//! - A peer that joins with `traffic=true` also gets [`Control::Traffic`] every
//!   [`TRAFFIC_EVERY_MS`]: which peers of the room sent frames to which, so a tab can draw the
//!   messages it does not carry itself. The relay counts frames; it never reads them.
//!
//! # Versions
//!
//! A peer joins with `/ws?room=NAME&protocol=N`, `N` being the live protocol its node speaks
//! ([`PROTOCOL_VERSION`], gossip-core's [`wire::PROTOCOL_VERSION`](gossip_core::wire::PROTOCOL_VERSION));
//! no `protocol` means a build from before versions ([`UNVERSIONED_PROTOCOL`]). The relay admits
//! only peers of its own protocol, so a room never mixes versions and no member counts another
//! version's messages as malformed (nor suspects their sender). A peer of another version gets
//! [`Control::WrongProtocol`] (a peer from before versions: a control frame whose `type` is the
//! sentence itself, the only text such a build prints) and the connection closes with
//! [`CLOSE_WRONG_PROTOCOL`]; the room's peers get [`Control::KeptOut`]. The relay's
//! [`Control::Welcome`] carries its protocol too, so a peer newer than its relay finds out at
//! once (a relay from before versions sends none: protocol 1).

use serde::{Deserialize, Serialize};

use gossip_core::NodeId;
use gossip_core::wire::DEFAULT_MAX_MESSAGE;
pub use gossip_core::wire::{PROTOCOL_VERSION, UNVERSIONED_PROTOCOL};

/// Addressee meaning "every other peer in the room".
pub const BROADCAST: NodeId = NodeId::MAX;
/// Bytes of the id header on every binary frame.
pub const HEADER_LEN: usize = 4;
/// Largest frame a relay accepts by default: the protocol's largest message and the header.
pub const DEFAULT_MAX_FRAME: usize = HEADER_LEN + DEFAULT_MAX_MESSAGE;

/// How often the relay reports a room's traffic to the peers that asked for it.
pub const TRAFFIC_EVERY_MS: u64 = 250;

/// The WebSocket close code with which the relay turns away a peer of another protocol version
/// (in the 4000-4999 range applications may use).
pub const CLOSE_WRONG_PROTOCOL: u16 = 4010;

fn unversioned() -> u8 {
    UNVERSIONED_PROTOCOL
}

/// What a peer of protocol `peer` is told by a relay of protocol `relay` that turns it away, and
/// what to do about it.
pub fn wrong_protocol_text(relay: u8, peer: u8) -> String {
    let remedy = if peer < relay {
        "reload the page, or run gossip-node of the relay's build"
    } else {
        "the relay is older: run a relay of this build"
    };
    format!("the relay runs protocol {relay}, this peer runs protocol {peer}: {remedy}")
}

/// What a peer of protocol `mine` says when the relay kept out a peer of protocol `theirs`
/// (`id`: the id it asked for, if any).
pub fn kept_out_text(id: Option<NodeId>, theirs: u8, mine: u8) -> String {
    let who = id.map_or_else(|| "a peer".to_string(), |id| format!("peer {id}"));
    format!(
        "{who} runs protocol {theirs}, this peer runs {mine}: the relay keeps it out of the room \
         (it is not a member; it must reload its page or update)"
    )
}

/// A control message from the relay to a peer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Control {
    /// Sent once on joining: the id the relay gave this peer and who else is in the room.
    Welcome {
        /// The id the relay gave this peer; it stamps it on the peer's frames.
        id: NodeId,
        /// The name of the room joined.
        room: String,
        /// The ids of the other peers already in the room.
        peers: Vec<NodeId>,
        /// The relay's protocol version (absent from a relay from before versions: 1).
        #[serde(default = "unversioned")]
        protocol: u8,
    },
    /// Another peer joined the room.
    Joined {
        /// The id the relay gave it.
        id: NodeId,
    },
    /// A peer left the room (or its connection dropped).
    Left {
        /// Its id.
        id: NodeId,
    },
    /// The frames forwarded in the room in the last [`TRAFFIC_EVERY_MS`] between peers other
    /// than the recipient: `(from, to, frames)`, a broadcast counted once per recipient.
    Traffic {
        /// `(from, to, frames)`: sender, addressee and how many frames went from one to the
        /// other.
        flows: Vec<(NodeId, NodeId, u32)>,
    },
    /// This peer speaks another protocol than the relay: it is not admitted, and the relay closes
    /// the connection ([`CLOSE_WRONG_PROTOCOL`]). This variant keeps its shape in every version,
    /// so that any later peer can read it.
    WrongProtocol {
        /// The relay's protocol version.
        relay: u8,
        /// The protocol this peer asked to join with.
        peer: u8,
    },
    /// A peer of another protocol tried to join the room and was kept out: it is not a member and
    /// its frames never reach the room.
    KeptOut {
        /// The id it asked for (a returning peer), if any.
        id: Option<NodeId>,
        /// Its protocol version.
        protocol: u8,
    },
}

/// Why a binary frame was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// The frame is shorter than its [`HEADER_LEN`]-byte id header.
    Truncated {
        /// The frame's length, in bytes.
        len: usize,
    },
    /// The frame is longer than the relay accepts.
    Oversized {
        /// The frame's length, in bytes.
        len: usize,
        /// The largest frame accepted, in bytes.
        max: usize,
    },
}

impl core::fmt::Display for FrameError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FrameError::Truncated { len } => {
                write!(
                    f,
                    "frame of {len} bytes is shorter than its {HEADER_LEN}-byte id header"
                )
            }
            FrameError::Oversized { len, max } => {
                write!(f, "frame of {len} bytes exceeds the limit of {max}")
            }
        }
    }
}

impl std::error::Error for FrameError {}

/// Splits a binary frame into its id header and payload, checking its size.
pub fn split(frame: &[u8], max: usize) -> Result<(NodeId, &[u8]), FrameError> {
    if frame.len() > max {
        return Err(FrameError::Oversized {
            len: frame.len(),
            max,
        });
    }
    let Some((header, payload)) = frame.split_first_chunk::<HEADER_LEN>() else {
        return Err(FrameError::Truncated { len: frame.len() });
    };
    Ok((NodeId::from_le_bytes(*header), payload))
}

/// Builds a binary frame: an id header then the payload.
pub fn join(id: NodeId, payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(HEADER_LEN + payload.len());
    frame.extend_from_slice(&id.to_le_bytes());
    frame.extend_from_slice(payload);
    frame
}

/// Replaces the addressee header of a peer's frame with the sender's id, in place.
pub fn restamp(frame: &mut [u8], from: NodeId) {
    frame[..HEADER_LEN].copy_from_slice(&from.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn frames_round_trip() {
        let frame = join(7, b"hello");
        assert_eq!(split(&frame, DEFAULT_MAX_FRAME), Ok((7, &b"hello"[..])));
        let mut forwarded = frame.clone();
        restamp(&mut forwarded, 3);
        assert_eq!(split(&forwarded, DEFAULT_MAX_FRAME), Ok((3, &b"hello"[..])));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn short_and_long_frames_are_refused_with_their_size() {
        assert_eq!(
            split(&[1, 2, 3], 100),
            Err(FrameError::Truncated { len: 3 })
        );
        assert_eq!(
            split(&[0; 101], 100),
            Err(FrameError::Oversized { len: 101, max: 100 })
        );
        assert!(
            FrameError::Truncated { len: 3 }
                .to_string()
                .contains("3 bytes")
        );
        assert_eq!(split(&[0; 4], 100), Ok((0, &[][..])));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn control_messages_are_tagged_json() {
        let welcome = Control::Welcome {
            id: 2,
            room: "lobby".into(),
            peers: vec![1],
            protocol: PROTOCOL_VERSION,
        };
        let json = serde_json::to_string(&welcome).unwrap();
        assert_eq!(
            json,
            format!(
                r#"{{"type":"welcome","id":2,"room":"lobby","peers":[1],"protocol":{PROTOCOL_VERSION}}}"#
            )
        );
        assert_eq!(serde_json::from_str::<Control>(&json).unwrap(), welcome);
        let kept_out = Control::KeptOut {
            id: Some(7),
            protocol: 1,
        };
        let json = serde_json::to_string(&kept_out).unwrap();
        assert_eq!(json, r#"{"type":"kept_out","id":7,"protocol":1}"#);
        assert_eq!(serde_json::from_str::<Control>(&json).unwrap(), kept_out);
        let traffic = Control::Traffic {
            flows: vec![(3, 4, 2)],
        };
        let json = serde_json::to_string(&traffic).unwrap();
        assert_eq!(json, r#"{"type":"traffic","flows":[[3,4,2]]}"#);
        assert_eq!(serde_json::from_str::<Control>(&json).unwrap(), traffic);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_welcome_from_a_relay_before_versions_reads_as_protocol_1() {
        let old = r#"{"type":"welcome","id":2,"room":"lobby","peers":[1]}"#;
        assert_eq!(
            serde_json::from_str::<Control>(old).unwrap(),
            Control::Welcome {
                id: 2,
                room: "lobby".into(),
                peers: vec![1],
                protocol: 1
            }
        );
        // What a refused peer reads, the same in every version.
        assert_eq!(
            serde_json::to_string(&Control::WrongProtocol { relay: 2, peer: 3 }).unwrap(),
            r#"{"type":"wrong_protocol","relay":2,"peer":3}"#
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn version_texts_name_both_versions_and_the_remedy() {
        assert_eq!(
            wrong_protocol_text(2, 1),
            "the relay runs protocol 2, this peer runs protocol 1: reload the page, or run \
             gossip-node of the relay's build"
        );
        assert_eq!(
            wrong_protocol_text(2, 3),
            "the relay runs protocol 2, this peer runs protocol 3: the relay is older: run a relay \
             of this build"
        );
        assert_eq!(
            kept_out_text(Some(7), 1, 2),
            "peer 7 runs protocol 1, this peer runs 2: the relay keeps it out of the room (it is \
             not a member; it must reload its page or update)"
        );
        assert!(kept_out_text(None, 3, 2).starts_with("a peer runs protocol 3"));
    }
}
