//! The links between simulated processes: how long a message takes ([`Latency`]) and whether it
//! gets through, each message drawing from the run's one generator. The event loop of
//! [`crate::process`] sends every message of the cluster engine ([`crate::events`]) and of the
//! system models ([`crate::models`]) through a `Link`.

use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};

use crate::error::SimError;
use gossip_core::Time;
use gossip_core::detmath::exponential;

/// How long a message takes on a link, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Latency {
    /// Always the same.
    Fixed {
        /// The latency.
        ms: Time,
    },
    /// Uniform over the integers `min..=max`.
    Uniform {
        /// The shortest latency.
        min: Time,
        /// The longest latency.
        max: Time,
    },
    /// Exponential with this mean, rounded to the millisecond.
    Exponential {
        /// The mean latency.
        mean: Time,
    },
}

impl Latency {
    /// The mean latency the model promises.
    pub fn mean(&self) -> f64 {
        match *self {
            Latency::Fixed { ms } => ms as f64,
            Latency::Uniform { min, max } => (min + max) as f64 / 2.0,
            Latency::Exponential { mean } => mean as f64,
        }
    }

    /// Checks the model: a uniform range must not be empty, an exponential mean not zero.
    pub(crate) fn validate(&self) -> Result<(), SimError> {
        match *self {
            Latency::Uniform { min, max } if min > max => Err(SimError::invalid(
                "latency.min",
                format!("({min}) must not exceed latency.max ({max})"),
            )),
            Latency::Exponential { mean: 0 } => {
                Err(SimError::invalid("latency.mean", "must be positive"))
            }
            _ => Ok(()),
        }
    }

    /// One latency: no draw for a fixed one, one for the others.
    pub(crate) fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Time {
        match *self {
            Latency::Fixed { ms } => ms,
            Latency::Uniform { min, max } => rng.random_range(min..=max),
            Latency::Exponential { mean } => exponential(rng, mean as f64),
        }
    }
}

/// How a link decides that a message is lost. Each takes one number from the generator (or
/// none); the two engines came with different draws, and recorded runs of each depend on its own,
/// so both stay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LossDraw {
    /// `random_bool(loss)`, drawn only when `loss` is positive (the cluster engine).
    Bernoulli,
    /// `random::<f64>() < loss`, drawn for every message (the system models).
    Uniform,
}

/// A link model: latency, duplication, and how loss is drawn (the loss itself is passed with
/// each message, as a burst may raise it for a while).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Link {
    /// Each copy's latency.
    pub(crate) latency: Latency,
    /// Probability that a message that got through arrives twice.
    pub(crate) duplicate: f64,
    /// How loss is drawn.
    pub(crate) loss_draw: LossDraw,
}

/// The way of a message that got through: its delay and, if it was duplicated, its copy's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Transit {
    /// Latency of the second copy, if there is one.
    pub(crate) copy: Option<Time>,
    /// Latency of the message.
    pub(crate) delay: Time,
}

impl Link {
    /// Draws a message's fate: lost with probability `loss` (None), otherwise its latency and,
    /// with the duplication probability, a copy's. The draws, in order: loss, duplication, the
    /// copy's latency, the message's latency (each only where it applies).
    pub(crate) fn transit<R: Rng + ?Sized>(&self, rng: &mut R, loss: f64) -> Option<Transit> {
        let lost = match self.loss_draw {
            LossDraw::Bernoulli => loss > 0.0 && rng.random_bool(loss),
            LossDraw::Uniform => rng.random::<f64>() < loss,
        };
        if lost {
            return None;
        }
        let duplicated = self.duplicate > 0.0 && rng.random_bool(self.duplicate);
        let copy = duplicated.then(|| self.latency.sample(rng));
        Some(Transit {
            copy,
            delay: self.latency.sample(rng),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gossip_core::seeded_rng;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn the_two_loss_draws_take_what_their_engines_took() {
        let link = |loss_draw| Link {
            latency: Latency::Fixed { ms: 7 },
            duplicate: 0.0,
            loss_draw,
        };
        // No loss: the cluster engine draws nothing, the models one number per message.
        let (mut a, mut b) = (seeded_rng(3), seeded_rng(3));
        let through = Transit {
            copy: None,
            delay: 7,
        };
        assert_eq!(
            link(LossDraw::Bernoulli).transit(&mut a, 0.0),
            Some(through)
        );
        assert_eq!(link(LossDraw::Uniform).transit(&mut b, 0.0), Some(through));
        assert_ne!(a.random::<u64>(), b.random::<u64>());
        // Everything lost either way.
        assert_eq!(link(LossDraw::Bernoulli).transit(&mut a, 1.0), None);
        assert_eq!(link(LossDraw::Uniform).transit(&mut b, 1.0), None);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn duplicates_come_at_their_rate_with_their_own_latency() {
        let link = Link {
            latency: Latency::Uniform { min: 1, max: 100 },
            duplicate: 0.25,
            loss_draw: LossDraw::Bernoulli,
        };
        let mut rng = seeded_rng(5);
        let transits: Vec<Transit> = (0..4_000)
            .filter_map(|_| link.transit(&mut rng, 0.0))
            .collect();
        let copies: Vec<Time> = transits.iter().filter_map(|t| t.copy).collect();
        // A binomial count of mean 1,000 and standard deviation 27: 100 is 3.7 of them.
        assert!(
            (copies.len() as i64 - 1_000).abs() < 100,
            "{}",
            copies.len()
        );
        let differ = transits
            .iter()
            .filter(|t| t.copy.is_some_and(|c| c != t.delay));
        assert!(differ.count() > copies.len() * 9 / 10);
        assert_eq!(Latency::Uniform { min: 1, max: 100 }.mean(), 50.5);
        assert!(Latency::Uniform { min: 2, max: 1 }.validate().is_err());
        assert!(Latency::Exponential { mean: 0 }.validate().is_err());
    }
}
