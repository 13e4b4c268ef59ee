//! gossip-node's library: the relay and the headless simulator, used by the binary and its tests.

pub mod relay;
pub mod sim;
