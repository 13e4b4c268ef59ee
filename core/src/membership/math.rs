//! The integer logarithm behind SWIM's `log(n + 1)` factors (the suspicion timeout, the
//! retransmission limit): computed from a table rather than in floating point, so that a run is
//! the same natively and in wasm.

/// `floor(e^k)` for k = 0..=23: `x <= floor(e^k)` iff `x <= e^k` for an integer `x`.
const FLOOR_EXP: [u64; 24] = [
    1,
    2,
    7,
    20,
    54,
    148,
    403,
    1_096,
    2_980,
    8_103,
    22_026,
    59_874,
    162_754,
    442_413,
    1_202_604,
    3_269_017,
    8_886_110,
    24_154_952,
    65_659_969,
    178_482_300,
    485_165_195,
    1_318_815_734,
    3_584_912_846,
    9_744_803_446,
];

/// `ceil(ln(x))` for `x >= 1`, in integers so that it is the same on every platform.
pub fn ceil_ln(x: u64) -> u32 {
    FLOOR_EXP
        .iter()
        .position(|&bound| x <= bound)
        .unwrap_or(FLOOR_EXP.len()) as u32
}

/// `ceil(log10(x))` for `x >= 1`, in integers.
pub fn ceil_log10(x: u64) -> u32 {
    let mut power: u64 = 1;
    let mut k = 0;
    while power < x {
        power = power.saturating_mul(10);
        k += 1;
    }
    k
}

/// `floor(1000 log10(x))` for `x >= 1` (memberlist's suspicion scale is `log10(n)` kept to a
/// thousandth), from [`portable_ln`](crate::detmath::portable_ln) so that it is the same natively
/// and in wasm; exact at powers of ten.
pub fn log10_thousandths(x: u64) -> u64 {
    if x <= 1 {
        return 0;
    }
    let ln = crate::detmath::portable_ln;
    let scaled = ln(x as f64) / ln(10.0) * 1_000.0;
    // Within a few ulps of a whole number (1000 log10 of a power of ten), take it.
    let nearest = scaled.round();
    if (scaled - nearest).abs() < 1e-6 {
        nearest as u64
    } else {
        scaled.floor() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn ceil_ln_table_matches_the_exponential() {
        for (k, &bound) in FLOOR_EXP.iter().enumerate() {
            assert_eq!(bound, (k as f64).exp().floor() as u64, "e^{k}");
        }
        assert_eq!(ceil_ln(1), 0);
        assert_eq!(ceil_ln(2), 1);
        assert_eq!(ceil_ln(3), 2);
        assert_eq!(ceil_ln(8), 3);
        assert_eq!(ceil_ln(51), 4);
        assert_eq!(ceil_ln(55), 5);
        assert_eq!(ceil_ln(u64::from(u32::MAX) + 1), 23);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn log10_factors_match_memberlists() {
        let ceil: Vec<u32> = [1, 2, 10, 11, 100, 101, 1_000_000]
            .into_iter()
            .map(ceil_log10)
            .collect();
        assert_eq!(ceil, [0, 1, 1, 2, 2, 3, 6]);
        // Go's math.Log10 times 1000, truncated, as memberlist's suspicionTimeout takes it.
        let thousandths: Vec<u64> = [1, 2, 9, 10, 29, 30, 59, 60, 100, 1_000]
            .into_iter()
            .map(log10_thousandths)
            .collect();
        assert_eq!(
            thousandths,
            [0, 301, 954, 1_000, 1_462, 1_477, 1_770, 1_778, 2_000, 3_000]
        );
    }
}
