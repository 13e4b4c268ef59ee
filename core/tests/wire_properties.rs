//! Property tests of the wire decoder: arbitrary bytes never make it panic, and every message a
//! node can build decodes back to itself. (Native only: proptest does not build for wasm32; the
//! seeded fuzz loop in `wire`'s unit tests runs on both.)
#![cfg(not(target_arch = "wasm32"))]

use gossip_core::MailMessage;
use gossip_core::RumorMessage;
use gossip_core::wire::{self, Message};
use gossip_core::{Stamp, VersionedEntry};
use proptest::prelude::*;

fn entry() -> impl Strategy<Value = VersionedEntry> {
    (
        "[a-z]{0,12}",
        proptest::collection::vec(any::<u8>(), 0..64),
        any::<u64>(),
        any::<u32>(),
    )
        .prop_map(|(key, value, version, origin)| VersionedEntry {
            key,
            value,
            stamp: Stamp { version, origin },
        })
}

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        (proptest::collection::vec(entry(), 0..8), any::<bool>()).prop_map(|(entries, pull)| {
            Message::Rumor(RumorMessage::Push {
                rumors: entries.into_iter().map(|e| (e.stamp, e)).collect(),
                pull,
            })
        }),
        proptest::collection::vec(any::<(u64, u32)>(), 0..8).prop_map(|known| {
            Message::Rumor(RumorMessage::Feedback {
                known: known
                    .into_iter()
                    .map(|(version, origin)| Stamp { version, origin })
                    .collect(),
            })
        }),
        (any::<u64>(), entry())
            .prop_map(|(id, payload)| Message::Mail(MailMessage::Mail { id, payload })),
        any::<u64>().prop_map(|id| Message::Mail(MailMessage::Ack { id })),
    ]
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = wire::decode::<Message>(&bytes, wire::DEFAULT_MAX_MESSAGE);
    }

    #[test]
    fn messages_round_trip(message in message()) {
        let bytes = wire::encode(&message);
        prop_assert_eq!(wire::decode::<Message>(&bytes, wire::DEFAULT_MAX_MESSAGE), Ok(message.clone()));
        prop_assert_eq!(wire::from_json::<Message>(&wire::to_json(&message)), Ok(message));
    }

    #[test]
    fn mutated_messages_never_panic(message in message(), flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6)) {
        let mut bytes = wire::encode(&message);
        for (at, value) in flips {
            if !bytes.is_empty() {
                let index = at % bytes.len();
                bytes[index] ^= value;
            }
        }
        let _ = wire::decode::<Message>(&bytes, wire::DEFAULT_MAX_MESSAGE);
    }
}
