//! gossip-node's library: the relay, the native peer and the headless simulator, used by the
//! binary and its tests.

pub mod peer;
pub mod relay;
pub mod sim;
