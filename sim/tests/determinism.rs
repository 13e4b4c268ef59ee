//! A run is a pure function of (scenario, seed, core version): the same on every platform. The
//! fingerprint below was recorded natively; the same test compiled to wasm32 (run under Node.js by
//! scripts/test.sh) must reproduce it bit for bit, and so must any later build, or old share
//! links would replay differently. Change it only with the scenario format version.

use gossip_core::{LossOfInterest, RumorConfig, Trigger};
use gossip_sim::metrics::RoundMetrics;
use gossip_sim::scenario::{Protocol, Scenario};
use wasm_bindgen_test::wasm_bindgen_test;

/// FNV-1a over every per-round count: any change in any round changes it.
fn fingerprint(rounds: &[RoundMetrics]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for m in rounds {
        for value in [
            u64::from(m.round),
            u64::from(m.susceptible),
            u64::from(m.infective),
            u64::from(m.removed),
            m.messages,
        ] {
            for byte in value.to_le_bytes() {
                hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
    }
    hash
}

#[wasm_bindgen_test(unsupported = test)]
fn recorded_runs_replay_bit_for_bit() {
    let cases = [
        (
            Scenario {
                nodes: 10_000,
                seed: 7,
                ..Scenario::default()
            },
            0x1f0d_4f05_ead8_1a6f_u64,
        ),
        (
            Scenario {
                nodes: 2_000,
                seed: 99,
                protocol: Protocol::Rumor(RumorConfig {
                    loss: LossOfInterest::Coin(3),
                    trigger: Trigger::Blind,
                    fanout: 2,
                    ..RumorConfig::default()
                }),
                ..Scenario::default()
            },
            0xe458_9ee2_54f0_a84a_u64,
        ),
    ];
    for (scenario, expected) in cases {
        let report = scenario.run().unwrap();
        let actual = fingerprint(&report.rounds);
        assert_eq!(
            actual, expected,
            "fingerprint of {scenario:?} is {actual:#018x}"
        );
    }
}
