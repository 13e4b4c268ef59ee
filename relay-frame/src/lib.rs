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

use serde::{Deserialize, Serialize};

use gossip_core::NodeId;
use gossip_core::wire::DEFAULT_MAX_MESSAGE;

/// Addressee meaning "every other peer in the room".
pub const BROADCAST: NodeId = NodeId::MAX;
/// Bytes of the id header on every binary frame.
pub const HEADER_LEN: usize = 4;
/// Largest frame a relay accepts by default: the protocol's largest message and the header.
pub const DEFAULT_MAX_FRAME: usize = HEADER_LEN + DEFAULT_MAX_MESSAGE;

/// How often the relay reports a room's traffic to the peers that asked for it.
pub const TRAFFIC_EVERY_MS: u64 = 250;

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
        };
        let json = serde_json::to_string(&welcome).unwrap();
        assert_eq!(
            json,
            r#"{"type":"welcome","id":2,"room":"lobby","peers":[1]}"#
        );
        assert_eq!(serde_json::from_str::<Control>(&json).unwrap(), welcome);
        let traffic = Control::Traffic {
            flows: vec![(3, 4, 2)],
        };
        let json = serde_json::to_string(&traffic).unwrap();
        assert_eq!(json, r#"{"type":"traffic","flows":[[3,4,2]]}"#);
        assert_eq!(serde_json::from_str::<Control>(&json).unwrap(), traffic);
    }
}
