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
}
