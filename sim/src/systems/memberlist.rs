//! HashiCorp memberlist (used by Consul, Nomad and Serf): SWIM with the Lifeguard extensions, in
//! the two default profiles of its config.go.
//!
//! | memberlist (`DefaultLANConfig` / `DefaultWANConfig`) | LAN | WAN | here |
//! |---|---|---|---|
//! | ProbeInterval | 1 s | 5 s | `protocol_period` |
//! | ProbeTimeout | 500 ms | 3 s | `ping_timeout` |
//! | IndirectChecks | 3 | 3 | `indirect_checks` |
//! | SuspicionMult | 4 | 6 | see below |
//! | SuspicionMaxTimeoutMult | 6 | 6 | `suspicion_max_mult` |
//! | RetransmitMult | 4 | 4 | `retransmit_mult` |
//! | AwarenessMaxMultiplier | 8 | 8 | `max_health` |
//!
//! memberlist's suspicion timeout is `SuspicionMult * max(1, log10(n)) * ProbeInterval`; this
//! core's is `suspicion_mult * ceil(ln(n + 1)) * protocol_period`. Since ln is about 2.3 log10,
//! the profiles take `suspicion_mult` 2 (LAN) and 3 (WAN): for 50 members 8 s against
//! memberlist's 6.8 s on a LAN. Lifeguard's expected confirmations are memberlist's
//! `SuspicionMult - 2`: 2 (LAN) and 4 (WAN). Not modelled: memberlist's separate gossip timer
//! (GossipInterval, GossipNodes: here updates ride on probes only), its TCP fallback ping and
//! its periodic full push/pull state sync.

use gossip_core::NodeConfig;
use gossip_core::SwimConfig;

/// memberlist's `DefaultLANConfig`, as SWIM settings.
pub fn lan() -> SwimConfig {
    SwimConfig {
        protocol_period: 1_000,
        ping_timeout: 500,
        indirect_checks: 3,
        suspicion_mult: 2,
        retransmit_mult: 4,
        lifeguard: true,
        max_health: 8,
        suspicion_max_mult: 6,
        suspicion_confirmations: 2,
        ..SwimConfig::default()
    }
}

/// memberlist's `DefaultWANConfig`, as SWIM settings.
pub fn wan() -> SwimConfig {
    SwimConfig {
        protocol_period: 5_000,
        ping_timeout: 3_000,
        suspicion_mult: 3,
        suspicion_confirmations: 4,
        ..lan()
    }
}

/// A node running memberlist alone (no anti-entropy or rumors of this core's store).
pub fn node(swim: SwimConfig) -> NodeConfig {
    NodeConfig {
        swim,
        anti_entropy: None,
        rumor: None,
        ..NodeConfig::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn the_profiles_are_valid_and_lifeguard_is_on() {
        for profile in [lan(), wan()] {
            assert_eq!(profile.validate(), Ok(()));
            assert!(profile.lifeguard);
        }
        assert!(wan().protocol_period > lan().protocol_period);
    }
}
