//! Deterministic simulators. Each is a pure function of (scenario, seed, core version): the same
//! inputs give the same run natively and in wasm, bit for bit.
//!
//! - [`rounds`]: the round-based (cycle-driven) engine for large populations.

pub mod rounds;
