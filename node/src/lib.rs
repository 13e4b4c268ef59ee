//! gossip-node's library: the relay, the native peer (through the relay, or direct over UDP) and
//! the headless simulator, used by the binary and its tests.

pub mod direct;
pub mod peer;
pub mod relay;
pub mod sim;
