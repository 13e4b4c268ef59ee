//! gossip-node's library: the relay, the native peer (through the relay, or direct over UDP) and
//! the headless simulator (`sim`, `sweep`, and `merge` of their shards) and `replay` of recordings, used by the binary and
//! its tests.

pub mod batch;
pub mod direct;
pub mod merge;
pub mod peer;
pub mod relay;
pub mod replay;
pub mod sim;
pub mod sweep;
