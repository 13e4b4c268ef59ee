//! Theory overlays: what the classic analyses predict, as data the view can draw next to a run
//! and the tests can check runs against.
//!
//! - Simple epidemic (nobody loses interest), mean-field recurrences on the susceptible fraction
//!   `s` per round (Demers et al. 1987, section 1.3; Karp et al. 2000): push
//!   `s' = s e^-(1-s)` (each susceptible node escapes each of the `(1-s)n` pushes with
//!   probability `1 - 1/n`), pull `s' = s^2` (it asks one peer, who knows with probability
//!   `1 - s`), push-pull `s' = s^2 e^-(1-s)`. Late in a run these become Demers et al.'s
//!   `p_{i+1} = p_i e^-1` for push and `p_{i+1} = p_i^2` for pull.
//! - Rounds to inform everyone: push `log2 n + ln n + O(1)` (Pittel 1987), push-pull
//!   `log3 n + O(log log n)` (Karp et al. 2000).
//! - Rumor mongering residue: `s = e^-(k+1)(1-s)` for feedback with coin `1/k` (Demers et al.
//!   1987, section 1.4), and `s = e^-m` relating the residue to the traffic `m` per node for
//!   push.
//! - The logistic curve of HashiCorp Serf's convergence simulator: with
//!   `b = fanout / n * (1 - loss) * (1 - failed) / 2`, the informed fraction after `r` rounds is
//!   `1 / (1 + (n + 1) e^(-b n r))`.

use gossip_core::Direction;

/// Expected informed fraction after each round `0..=rounds` of a simple epidemic started by one
/// node among `n`, for a fanout of 1.
pub fn simple_epidemic_informed(direction: Direction, n: u32, rounds: u32) -> Vec<f64> {
    let mut susceptible = 1.0 - 1.0 / f64::from(n);
    let mut informed = vec![1.0 - susceptible];
    for _ in 0..rounds {
        susceptible = next_susceptible(direction, susceptible);
        informed.push(1.0 - susceptible);
    }
    informed
}

/// One round of the mean-field recurrence in the susceptible fraction `s`, fanout 1: a node
/// escapes every push with probability e^-(1-s), and its own pull when it asks a susceptible
/// node (probability s).
pub fn next_susceptible(direction: Direction, s: f64) -> f64 {
    let escape_push = (-(1.0 - s)).exp();
    match direction {
        Direction::Push => s * escape_push,
        Direction::Pull => s * s,
        Direction::PushPull => s * s * escape_push,
    }
}

/// Pittel's estimate of the rounds push needs to inform all `n`: `log2 n + ln n`.
pub fn push_rounds_estimate(n: u32) -> f64 {
    let n = f64::from(n);
    n.log2() + n.ln()
}

/// Karp et al.'s leading term for push-pull: `log3 n` (plus `O(log log n)`).
pub fn push_pull_rounds_estimate(n: u32) -> f64 {
    f64::from(n).ln() / 3f64.ln()
}

/// The residue `s` solving `s = e^-(k+1)(1-s)` (feedback, coin 1/k), by fixed-point iteration
/// from 0, which converges to the smallest root (the other root, `s = 1`, means "never spread").
pub fn residue_feedback_coin(k: u8) -> f64 {
    let rate = f64::from(k) + 1.0;
    let mut s = 0.0f64;
    for _ in 0..200 {
        s = (-rate * (1.0 - s)).exp();
    }
    s
}

/// The residue push leaves for a traffic of `m` messages per node: `e^-m`.
pub fn residue_from_traffic(m: f64) -> f64 {
    (-m).exp()
}

/// The informed fraction after `rounds` rounds in Serf's convergence simulator model.
pub fn serf_logistic(n: u32, fanout: f64, loss: f64, failed: f64, rounds: f64) -> f64 {
    let n = f64::from(n);
    let contact = fanout / n * (1.0 - loss) * (1.0 - failed) * 0.5;
    1.0 / (1.0 + (n + 1.0) * (-contact * n * rounds).exp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn recurrences_reach_everyone_in_the_expected_order() {
        let rounds_to = |direction, n| {
            simple_epidemic_informed(direction, n, 200)
                .iter()
                .position(|&f| f >= 1.0 - 0.5 / f64::from(n))
                .unwrap()
        };
        // Pull is slow while few know, push-pull fastest; all finish in O(log n).
        let n = 1_000_000;
        let (push, pull, push_pull) = (
            rounds_to(Direction::Push, n),
            rounds_to(Direction::Pull, n),
            rounds_to(Direction::PushPull, n),
        );
        assert!(
            push_pull < push && push_pull < pull,
            "{push} {pull} {push_pull}"
        );
        assert!(
            (push as f64 - push_rounds_estimate(n)).abs() < 4.0,
            "push {push}"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn late_rounds_match_demers_ratios() {
        // Once almost everyone knows, push divides the susceptible fraction by e each round and
        // pull squares it.
        let push = simple_epidemic_informed(Direction::Push, 1_000_000, 40);
        let (a, b) = (1.0 - push[30], 1.0 - push[31]);
        assert!((b / a - (-1f64).exp()).abs() < 1e-3, "{}", b / a);
        let pull = simple_epidemic_informed(Direction::Pull, 1_000_000, 40);
        let (a, b) = (1.0 - pull[24], 1.0 - pull[25]);
        assert!((b - a * a).abs() < 1e-12);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn residue_equation_matches_demers_values() {
        // Demers et al. quote s ~ 0.2 for k = 1 and s ~ 0.06 for k = 2.
        assert!(
            (residue_feedback_coin(1) - 0.2032).abs() < 1e-3,
            "{}",
            residue_feedback_coin(1)
        );
        assert!(
            (residue_feedback_coin(2) - 0.0595).abs() < 1e-3,
            "{}",
            residue_feedback_coin(2)
        );
        let s = residue_feedback_coin(3);
        assert!((s - (-(4.0) * (1.0 - s)).exp()).abs() < 1e-12);
        assert!((residue_from_traffic(3.0) - 0.0498).abs() < 1e-3);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn serf_curve_rises_from_zero_to_one() {
        let start = serf_logistic(30, 3.0, 0.0, 0.0, 0.0);
        assert!(start < 0.05);
        let late = serf_logistic(30, 3.0, 0.0, 0.0, 20.0);
        assert!(late > 0.999);
        // Loss slows it down.
        assert!(serf_logistic(30, 3.0, 0.5, 0.0, 3.0) < serf_logistic(30, 3.0, 0.0, 0.0, 3.0));
    }
}
