//! Deterministic portable math: the few transcendental functions the protocol and the engines
//! need, built from IEEE-754 basic operations only, so that a run is bit-for-bit the same natively
//! and in wasm. `f64::ln` comes from the platform's math library, whose last bit may differ
//! between native code and wasm; one differing bit in a draw changes every draw after it.

use rand::{Rng, RngExt};

use crate::Time;

/// An exponential variate with this mean, rounded to the millisecond.
pub fn exponential<R: Rng + ?Sized>(rng: &mut R, mean: f64) -> Time {
    // 1 - [0, 1) is in (0, 1], where the logarithm is finite.
    let u = 1.0 - rng.random::<f64>();
    (-portable_ln(u) * mean + 0.5) as Time
}

/// The natural logarithm of a positive finite number from IEEE-754 basic operations only, which
/// every platform rounds the same way: `f64::ln` comes from the platform's math library, whose
/// last bit may differ between native code and wasm. Within a few ulps of the true value.
pub fn portable_ln(x: f64) -> f64 {
    debug_assert!(x > 0.0 && x.is_finite(), "portable_ln({x})");
    let mut bits = x.to_bits();
    let mut exponent = ((bits >> 52) & 0x7ff) as i64 - 1023;
    if exponent == -1023 {
        // Subnormal: scale by 2^64 into the normal range.
        bits = (x * f64::from_bits((1023 + 64) << 52)).to_bits();
        exponent = ((bits >> 52) & 0x7ff) as i64 - 1023 - 64;
    }
    let mut m = f64::from_bits((bits & ((1 << 52) - 1)) | (1023 << 52));
    // m in [1, 2); centre it on 1 so the series below converges fast.
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        exponent += 1;
    }
    // ln m = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), |s| <= 0.172: 14 terms leave < 1e-21.
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut series = 0.0;
    for k in (0..14).rev() {
        series = series * s2 + 1.0 / f64::from(2 * k + 1);
    }
    2.0 * s * series + exponent as f64 * std::f64::consts::LN_2
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seeded_rng;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn portable_ln_matches_the_platform_logarithm() {
        let mut rng = seeded_rng(3);
        for _ in 0..50_000 {
            let unit = 1.0 - rng.random::<f64>();
            let wide = f64::from_bits(rng.random_range(1..0x7fef_ffff_ffff_ffffu64));
            for x in [unit, wide] {
                let (ours, platform) = (portable_ln(x), x.ln());
                let bound = 4.0 * f64::EPSILON * platform.abs().max(1.0);
                assert!(
                    (ours - platform).abs() <= bound,
                    "ln({x}): {ours} vs {platform}"
                );
            }
        }
        assert_eq!(portable_ln(1.0), 0.0);
        assert_eq!(portable_ln(2.0), std::f64::consts::LN_2);
    }
}
