//! The wire format: every message a node sends is one [`Message`], encoded compactly with
//! postcard (varint integers, no field names) for the network, or as JSON for inspection.
//!
//! On the network a message travels in an envelope ([`encode_message`], [`decode_message`]):
//! one leading byte, `0x80 | PROTOCOL_VERSION`, then the postcard bytes. The high bit is what
//! makes every version recognisable: a message of protocol 1 (every build before versions, with
//! no envelope) starts with its variant tag, 0 to 4, so its first byte never has it. A message
//! of another version is refused as [`WireError::OtherVersion`], naming both versions, never as
//! malformed, so a driver can say "peer 7 runs protocol 1, this peer runs 2" instead of
//! counting it as noise.
//!
//! Decoding takes untrusted bytes and never panics: input over the size limit is refused before
//! it is parsed, trailing bytes are an error, and a length prefix cannot make the decoder
//! allocate more than the input could hold (serde caps pre-allocation).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::Mechanism;
use crate::anti_entropy::AntiEntropyMessage;
use crate::direct_mail::MailMessage;
use crate::membership::SwimMessage;
use crate::rumor::monger::RumorMessage;
use crate::store::{Stamp, VersionedEntry};

/// Everything a live node sends: one variant per mechanism.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Message {
    /// Membership and failure detection ([`Swim`](crate::Swim)).
    Swim(SwimMessage),
    /// Anti-entropy exchanges ([`AntiEntropy`](crate::AntiEntropy)).
    AntiEntropy(AntiEntropyMessage),
    /// Rumors are writes, identified by their stamp.
    Rumor(RumorMessage<Stamp, VersionedEntry>),
    /// Direct mail of writes, and its acks ([`DirectMail`](crate::DirectMail)).
    Mail(MailMessage<VersionedEntry>),
    /// Receipts to a write's origin: these versions of its writes arrived here, by these
    /// mechanisms. Sent only by nodes configured to (live peers, to show how writes spread).
    Learned(Vec<(Stamp, Mechanism)>),
}

impl Message {
    /// The mechanism's name, for views that draw or count messages by kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Swim(_) => "swim",
            Message::AntiEntropy(_) => "anti-entropy",
            Message::Rumor(_) => "rumor",
            Message::Mail(_) => "mail",
            Message::Learned(_) => "receipt",
        }
    }
}

/// The version of the live protocol this build speaks: the envelope of every message, and the
/// relay's handshake (gossip-relay-frame). Version 1 is every build from before versions, which
/// sent messages without an envelope. Raised on any change an older peer could not read; see
/// docs/versions.md.
pub const PROTOCOL_VERSION: u8 = 2;

/// The protocol of messages (and relay handshakes) that carry no version: builds from before
/// versions.
pub const UNVERSIONED_PROTOCOL: u8 = 1;

/// The envelope's first byte has this bit set: a message without an envelope (protocol 1)
/// starts with a variant tag below it.
const VERSION_MARK: u8 = 0x80;

/// Bytes the envelope adds in front of a message's postcard bytes.
pub const ENVELOPE_LEN: usize = 1;

/// Largest encoded message accepted by default: 64 KiB less 4 bytes, so that a message and a
/// transport's 4-byte address header (GossipLab's relay frames) fit in 64 KiB, and a message
/// fits one UDP datagram.
pub const DEFAULT_MAX_MESSAGE: usize = 64 * 1024 - 4;

/// Why bytes could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireError {
    /// The input is longer than the limit; it was not parsed.
    TooLarge {
        /// Length of the input, in bytes.
        len: usize,
        /// The limit it exceeds, in bytes.
        max: usize,
    },
    /// The bytes are not a message of the expected type; the text is the decoder's reason.
    Malformed(String),
    /// A valid message followed by this many more bytes.
    TrailingBytes(usize),
    /// A message of another protocol version than [`PROTOCOL_VERSION`]; it was not parsed.
    OtherVersion {
        /// The version the message carries ([`UNVERSIONED_PROTOCOL`] for one without an
        /// envelope).
        found: u8,
    },
}

impl core::fmt::Display for WireError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            WireError::TooLarge { len, max } => {
                write!(f, "message of {len} bytes exceeds the limit of {max}")
            }
            WireError::Malformed(reason) => write!(f, "malformed message: {reason}"),
            WireError::TrailingBytes(count) => {
                write!(f, "{count} unexpected bytes after the message")
            }
            WireError::OtherVersion { found } => write!(
                f,
                "a message of protocol {found}, where this node runs protocol {PROTOCOL_VERSION}"
            ),
        }
    }
}

impl std::error::Error for WireError {}

/// Encodes a message in the compact binary form.
pub fn encode<T: Serialize>(message: &T) -> Vec<u8> {
    postcard::to_allocvec(message)
        .expect("messages serialise (no maps with non-string keys needed)")
}

/// Size of a message in the compact binary form, without keeping the bytes.
pub fn encoded_len<T: Serialize>(message: &T) -> usize {
    postcard::experimental::serialized_size(message).expect("messages serialise")
}

/// Decodes untrusted bytes; never panics.
pub fn decode<T: DeserializeOwned>(bytes: &[u8], max: usize) -> Result<T, WireError> {
    if bytes.len() > max {
        return Err(WireError::TooLarge {
            len: bytes.len(),
            max,
        });
    }
    let (message, rest) = postcard::take_from_bytes(bytes)
        .map_err(|error| WireError::Malformed(error.to_string()))?;
    if !rest.is_empty() {
        return Err(WireError::TrailingBytes(rest.len()));
    }
    Ok(message)
}

/// Encodes a message for the network: the envelope's version byte, then the compact form.
pub fn encode_message(message: &Message) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(message_len(message));
    bytes.push(VERSION_MARK | PROTOCOL_VERSION);
    postcard::to_extend(message, bytes).expect("messages serialise")
}

/// Size of a message on the network ([`encode_message`]), without keeping the bytes.
pub fn message_len(message: &Message) -> usize {
    ENVELOPE_LEN + encoded_len(message)
}

/// The protocol version network bytes were written in: the envelope's, or
/// [`UNVERSIONED_PROTOCOL`] for a message without one. `None` for no bytes at all.
pub fn message_version(bytes: &[u8]) -> Option<u8> {
    let first = *bytes.first()?;
    Some(if first & VERSION_MARK == 0 {
        UNVERSIONED_PROTOCOL
    } else {
        first & !VERSION_MARK
    })
}

/// Decodes untrusted network bytes ([`encode_message`]'s) with the size limit `max` (envelope
/// included); never panics. A message of another version is refused as
/// [`WireError::OtherVersion`] before its body is parsed.
pub fn decode_message(bytes: &[u8], max: usize) -> Result<Message, WireError> {
    if bytes.len() > max {
        return Err(WireError::TooLarge {
            len: bytes.len(),
            max,
        });
    }
    match message_version(bytes) {
        None => Err(WireError::Malformed("empty message".to_string())),
        Some(PROTOCOL_VERSION) => decode(&bytes[ENVELOPE_LEN..], max),
        Some(found) => Err(WireError::OtherVersion { found }),
    }
}

/// The JSON form, for people and logs.
#[cfg(any(test, feature = "json"))]
pub fn to_json<T: Serialize>(message: &T) -> String {
    serde_json::to_string(message).expect("messages serialise to JSON")
}

/// Reads the JSON form; never panics.
#[cfg(any(test, feature = "json"))]
pub fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, WireError> {
    serde_json::from_str(text).map_err(|error| WireError::Malformed(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::direct_mail::MailMessage;
    use crate::rumor::monger::RumorMessage;
    use crate::seeded_rng;
    use rand::RngExt;
    use wasm_bindgen_test::wasm_bindgen_test;

    type Rumor = RumorMessage<(u32, u64), Vec<u8>>;

    fn samples() -> Vec<Rumor> {
        vec![
            RumorMessage::Push {
                rumors: vec![((1, 2), b"value".to_vec()), ((3, 4), vec![])],
                pull: true,
            },
            RumorMessage::PullRequest,
            RumorMessage::PullReply {
                rumors: vec![((7, 1), vec![0; 300])],
            },
            RumorMessage::Feedback {
                known: vec![(1, 2)],
            },
        ]
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn binary_and_json_forms_round_trip() {
        for message in samples() {
            let bytes = encode(&message);
            assert_eq!(bytes.len(), encoded_len(&message));
            assert_eq!(
                decode::<Rumor>(&bytes, DEFAULT_MAX_MESSAGE),
                Ok(message.clone())
            );
            assert_eq!(from_json::<Rumor>(&to_json(&message)), Ok(message));
        }
        let mail: MailMessage<String> = MailMessage::Mail {
            id: 300,
            payload: "x".into(),
        };
        assert_eq!(decode::<MailMessage<String>>(&encode(&mail), 100), Ok(mail));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_binary_form_is_compact() {
        // Tag, rumor count, (varint key, length + bytes) and the flag: no names, no padding.
        let message: Rumor = RumorMessage::Push {
            rumors: vec![((1, 2), b"abc".to_vec())],
            pull: false,
        };
        assert_eq!(encode(&message).len(), 1 + 1 + 2 + 4 + 1);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn limits_and_trailing_bytes_are_enforced() {
        let bytes = encode(&samples()[2]);
        assert_eq!(
            decode::<Rumor>(&bytes, 10),
            Err(WireError::TooLarge {
                len: bytes.len(),
                max: 10
            })
        );
        let mut padded = bytes.clone();
        padded.push(0);
        assert_eq!(
            decode::<Rumor>(&padded, DEFAULT_MAX_MESSAGE),
            Err(WireError::TrailingBytes(1))
        );
        assert!(matches!(
            decode::<Rumor>(&[9], DEFAULT_MAX_MESSAGE),
            Err(WireError::Malformed(_))
        ));
        // A length prefix claiming four billion rumors in a few bytes fails without allocating.
        assert!(decode::<Rumor>(&[0, 0xff, 0xff, 0xff, 0xff, 0x0f], DEFAULT_MAX_MESSAGE).is_err());
    }

    fn swim_ping() -> Message {
        Message::Swim(crate::membership::SwimMessage::Ping {
            seq: 3,
            updates: vec![],
        })
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_network_message_leads_with_its_version_byte() {
        let message = swim_ping();
        let bytes = encode_message(&message);
        assert_eq!(bytes[0], 0x80 | PROTOCOL_VERSION);
        assert_eq!(
            &bytes[1..],
            &encode(&message)[..],
            "then the compact form, unchanged"
        );
        assert_eq!(bytes.len(), message_len(&message));
        assert_eq!(message_version(&bytes), Some(PROTOCOL_VERSION));
        assert_eq!(decode_message(&bytes, DEFAULT_MAX_MESSAGE), Ok(message));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn messages_of_other_versions_are_recognised_not_malformed() {
        // Protocol 1 sent the compact form with no envelope: its first byte is a variant tag.
        for message in [
            swim_ping(),
            Message::Learned(vec![]),
            Message::Rumor(RumorMessage::PullRequest),
        ] {
            let unversioned = encode(&message);
            assert_eq!(message_version(&unversioned), Some(UNVERSIONED_PROTOCOL));
            assert_eq!(
                decode_message(&unversioned, DEFAULT_MAX_MESSAGE),
                Err(WireError::OtherVersion { found: 1 })
            );
        }
        // A later version: its body is not parsed, whatever it holds.
        let mut newer = encode_message(&swim_ping());
        newer[0] = 0x80 | (PROTOCOL_VERSION + 1);
        newer.push(0xff);
        assert_eq!(
            decode_message(&newer, DEFAULT_MAX_MESSAGE),
            Err(WireError::OtherVersion {
                found: PROTOCOL_VERSION + 1
            })
        );
        assert_eq!(
            WireError::OtherVersion { found: 1 }.to_string(),
            format!("a message of protocol 1, where this node runs protocol {PROTOCOL_VERSION}")
        );
        // No bytes, and an envelope with a broken body, are malformed; the limit counts the
        // envelope.
        assert!(matches!(
            decode_message(&[], DEFAULT_MAX_MESSAGE),
            Err(WireError::Malformed(_))
        ));
        assert!(matches!(
            decode_message(&[0x80 | PROTOCOL_VERSION, 9], DEFAULT_MAX_MESSAGE),
            Err(WireError::Malformed(_))
        ));
        let bytes = encode_message(&swim_ping());
        assert_eq!(
            decode_message(&bytes, bytes.len() - 1),
            Err(WireError::TooLarge {
                len: bytes.len(),
                max: bytes.len() - 1
            })
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn arbitrary_and_mutated_bytes_never_panic() {
        // A seeded fuzz loop that runs natively and in wasm: random byte strings, and valid
        // messages with bytes flipped, cut or extended. Decoding must return, never panic.
        let mut rng = seeded_rng(77);
        let valid: Vec<Vec<u8>> = samples().iter().map(encode).collect();
        for round in 0..20_000 {
            let bytes: Vec<u8> = if round % 2 == 0 {
                let len = rng.random_range(0..64);
                (0..len).map(|_| rng.random()).collect()
            } else {
                let mut bytes = valid[round % valid.len()].clone();
                match rng.random_range(0..3) {
                    0 => {
                        let at = rng.random_range(0..bytes.len());
                        bytes[at] ^= 1 << rng.random_range(0..8);
                    }
                    1 => bytes.truncate(rng.random_range(0..bytes.len())),
                    _ => bytes.extend((0..rng.random_range(1..8)).map(|_| rng.random::<u8>())),
                }
                bytes
            };
            let _ = decode::<Rumor>(&bytes, DEFAULT_MAX_MESSAGE);
            let _ = decode_message(&bytes, DEFAULT_MAX_MESSAGE);
        }
    }
}
