//! Deterministic portable math: the few transcendental functions the protocol and the engines
//! need, built from IEEE-754 basic operations only, so that a run is bit-for-bit the same natively
//! and in wasm. `f64::ln`, `f64::exp` and `f64::powf` come from the platform's math library
//! (glibc natively, a Rust port of musl in wasm), whose last bit may differ between the two; one
//! differing bit in a draw changes every draw after it.
//!
//! [`portable_exp`] and [`portable_powf`] follow fdlibm's argument reductions (Sun, 1993) with a
//! logarithm carried in two doubles, so that `powf` stays within a few ulps of the exact power
//! where `exp(y * ln x)` in plain doubles would lose `|y ln x|` ulps.

use rand::{Rng, RngExt};

use crate::Time;

/// An exponential variate with this mean, rounded to the millisecond.
pub fn exponential<R: Rng + ?Sized>(rng: &mut R, mean: f64) -> Time {
    // 1 - [0, 1) is in (0, 1], where the logarithm is finite.
    let u = 1.0 - rng.random::<f64>();
    (-portable_ln(u) * mean + 0.5) as Time
}

/// `x` (positive, finite) as `2^exponent * m` with `m` in (sqrt(1/2), sqrt(2)]: the reduction
/// both logarithms start from, centring `m` on 1 so their series converge fast.
fn reduce(x: f64) -> (i64, f64) {
    let mut bits = x.to_bits();
    let mut exponent = ((bits >> 52) & 0x7ff) as i64 - 1023;
    if exponent == -1023 {
        // Subnormal: scale by 2^64 into the normal range.
        bits = (x * f64::from_bits((1023 + 64) << 52)).to_bits();
        exponent = ((bits >> 52) & 0x7ff) as i64 - 1023 - 64;
    }
    let mut m = f64::from_bits((bits & ((1 << 52) - 1)) | (1023 << 52));
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        exponent += 1;
    }
    (exponent, m)
}

/// The natural logarithm of a positive finite number from IEEE-754 basic operations only, which
/// every platform rounds the same way: `f64::ln` comes from the platform's math library, whose
/// last bit may differ between native code and wasm. Within a few ulps of the true value.
pub fn portable_ln(x: f64) -> f64 {
    debug_assert!(x > 0.0 && x.is_finite(), "portable_ln({x})");
    let (exponent, m) = reduce(x);
    // ln m = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), |s| <= 0.172: 14 terms leave < 1e-21.
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut series = 0.0;
    for k in (0..14).rev() {
        series = series * s2 + 1.0 / f64::from(2 * k + 1);
    }
    2.0 * s * series + exponent as f64 * std::f64::consts::LN_2
}

/// ln 2 split so that `k * LN2_HI` is exact for `|k| < 2^11` (its low 21 bits are zero) and
/// `LN2_HI + LN2_LO` is ln 2 to about 2^-85 (fdlibm's constants).
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);

/// `a + b` as a double and its rounding error, exactly (Knuth's two-sum).
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let sum = a + b;
    let b_virtual = sum - a;
    let a_virtual = sum - b_virtual;
    (sum, (a - a_virtual) + (b - b_virtual))
}

/// `a * b` as a double and its rounding error, exactly, without a fused multiply-add (Dekker's
/// product; the operands are split in halves of 26 bits). Finite products far from overflow.
fn two_product(a: f64, b: f64) -> (f64, f64) {
    fn split(x: f64) -> (f64, f64) {
        let scaled = x * 134_217_729.0; // 2^27 + 1
        let high = scaled - (scaled - x);
        (high, x - high)
    }
    let product = a * b;
    let ((a_high, a_low), (b_high, b_low)) = (split(a), split(b));
    let error = ((a_high * b_high - product) + a_high * b_low + a_low * b_high) + a_low * b_low;
    (product, error)
}

/// The natural logarithm of a positive finite number as `high + low`, with an absolute error
/// below about 2^-56: fdlibm's `log` reduction (`x = 2^k (1 + f)`, `s = f / (2 + f)`) with its
/// large terms kept exactly.
fn ln_double(x: f64) -> (f64, f64) {
    let (exponent, m) = reduce(x);
    let k = exponent as f64;
    // m - 1 is exact (Sterbenz); ln(1 + f) = f - (f^2/2 - s (f^2/2 + R(s^2))).
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    // R(z) = 2 z/3 + 2 z^2/5 + ...: |s| <= 0.172, so 13 terms leave < 2^-70.
    let mut r = 0.0;
    for n in (1..14).rev() {
        r = (r + 2.0 / f64::from(2 * n + 1)) * z;
    }
    let half_f_squared = 0.5 * f * f;
    let correction = half_f_squared - s * (half_f_squared + r) - k * LN2_LO;
    let (high, low) = two_sum(k * LN2_HI, f);
    two_sum(high, low - correction)
}

/// `e^(high + low)` for a double-double exponent, as fdlibm's `exp` reduces it
/// (`x = k ln 2 + r`, `|r| <= ln 2 / 2`), its series summed as `expm1(r)` so that adding the 1
/// rounds once. Saturates to infinity and to 0 (through the subnormals) outside the range.
fn exp_double(high: f64, low: f64) -> f64 {
    if high.is_nan() {
        return high;
    }
    if high > 709.79 {
        return f64::INFINITY;
    }
    if high < -745.2 {
        return 0.0;
    }
    let k = (high * std::f64::consts::LOG2_E).round();
    // Exact: k * LN2_HI has at most 32 + 11 significant bits and lies within a factor 2 of high.
    let reduced = high - k * LN2_HI;
    let r = reduced + (low - k * LN2_LO);
    // expm1(r) = r + r^2 (1/2! + r/3! + ...): |r| <= 0.347, so 16 terms leave < 2^-64.
    let mut series = 0.0;
    let mut factorial = [1.0f64; 18];
    for n in 1..18 {
        factorial[n] = factorial[n - 1] * n as f64;
    }
    for n in (2..18).rev() {
        series = series * r + 1.0 / factorial[n];
    }
    let value = 1.0 + (r + r * r * series);
    scale_by_power_of_two(value, k as i32)
}

/// `value * 2^k` with one rounding at most (for results in the subnormal range).
fn scale_by_power_of_two(value: f64, k: i32) -> f64 {
    let power = |e: i32| f64::from_bits(((1023 + e) as u64) << 52);
    if k > 1023 {
        value * power(1023) * power(k - 1023)
    } else if k < -1022 {
        // Two steps: the first exact, the second the one rounding into the subnormals.
        value * power(-1022 + 54) * power(k + 1022 - 54)
    } else {
        value * power(k)
    }
}

/// `e^x` from IEEE-754 basic operations only, within a few ulps of the true value (see the
/// module documentation): infinity above about 709.78, 0 below about -745.13.
pub fn portable_exp(x: f64) -> f64 {
    exp_double(x, 0.0)
}

/// `x^y` for a positive finite `x` from IEEE-754 basic operations only, within a few ulps of
/// the true value (see the module documentation): the portable [`f64::powf`] that peer choice
/// by distance weighs peers with. `x^0` and `1^y` are exactly 1.
pub fn portable_powf(x: f64, y: f64) -> f64 {
    debug_assert!(x > 0.0 && x.is_finite(), "portable_powf({x}, {y})");
    let (ln_high, ln_low) = ln_double(x);
    let (product, error) = two_product(y, ln_high);
    let (high, low) = two_sum(product, error + y * ln_low);
    exp_double(high, low)
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

    /// Ulps between two finite doubles of the same sign.
    fn ulps(a: f64, b: f64) -> u64 {
        a.to_bits().abs_diff(b.to_bits())
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn portable_exp_matches_the_platform_exponential() {
        let mut rng = seeded_rng(5);
        let mut worst = 0;
        for _ in 0..50_000 {
            let x = rng.random_range(-740.0..709.0);
            let small = rng.random_range(-1.0..1.0);
            for x in [x, small] {
                let (ours, platform) = (portable_exp(x), x.exp());
                worst = worst.max(ulps(ours, platform));
                assert!(ulps(ours, platform) <= 1, "exp({x}): {ours} vs {platform}");
            }
        }
        println!("portable_exp: at most {worst} ulps from the platform");
        assert_eq!(portable_exp(0.0), 1.0);
        assert!(ulps(portable_exp(1.0), std::f64::consts::E) <= 1);
        assert_eq!(portable_exp(710.0), f64::INFINITY);
        assert_eq!(portable_exp(-746.0), 0.0);
        assert!(portable_exp(f64::NAN).is_nan());
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn portable_powf_matches_the_platform_power() {
        let mut rng = seeded_rng(6);
        // (worst ulps, bound) for hop counts and biases as peer choice by distance uses them,
        // then for wide ranges, where the logarithm's error grows with |y|.
        let mut worst = [(0, 2), (0, 4)];
        for _ in 0..50_000 {
            let hops = f64::from(rng.random_range(1..10_000u32));
            let bias = rng.random_range(-8.0..8.0);
            let base = rng.random_range(1e-3..1e3);
            let exponent = rng.random_range(-40.0..40.0);
            for (case, (x, y)) in [(hops, -bias), (base, exponent)].into_iter().enumerate() {
                let (ours, platform) = (portable_powf(x, y), x.powf(y));
                let (worst, bound) = &mut worst[case];
                *worst = (*worst).max(ulps(ours, platform));
                assert!(*worst <= *bound, "{x}^{y}: {ours} vs {platform}");
            }
        }
        println!("portable_powf: at most {worst:?} (ulps, bound) from the platform");
        for x in [1.0, 2.0, 3.0, 1e6] {
            assert_eq!(portable_powf(x, 0.0), 1.0);
        }
        for y in [-3.5, 0.5, 7.0] {
            assert_eq!(portable_powf(1.0, y), 1.0);
        }
        assert_eq!(portable_powf(2.0, -2.0), 0.25);
        assert_eq!(portable_powf(10.0, 3.0), 1_000.0);
        assert_eq!(portable_powf(4.0, 0.5), 2.0);
    }
}
