//! Property tests of the relay's frame decoder and control parser: what the relay runs on every
//! frame a peer sends must never panic. (Native only: proptest does not build for wasm32.)
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;

proptest! {
    #[test]
    fn relay_frames_split_as_joined_and_never_panic(
        id in any::<u32>(),
        payload in proptest::collection::vec(any::<u8>(), 0..256),
        max in 0usize..300,
        noise in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        use gossip_relay_frame::{join, split};
        let frame = join(id, &payload);
        // `max` bounds the whole frame, its 4-byte header included.
        match split(&frame, max) {
            Ok((from, body)) => {
                prop_assert!(frame.len() <= max);
                prop_assert_eq!((from, body), (id, &payload[..]));
            }
            Err(_) => prop_assert!(frame.len() > max),
        }
        // Anything at all: an error, or a split of a frame within the limit; never a panic.
        if let Ok((_, body)) = split(&noise, max) {
            prop_assert!(noise.len() <= max && body.len() + 4 == noise.len());
        }
    }

    #[test]
    fn control_text_never_panics(text in ".{0,200}") {
        let _ = serde_json::from_str::<gossip_relay_frame::Control>(&text);
    }
}
