//! Share links: a whole scenario in a URL fragment, `#s=v1.<base64url(deflate(json))>`.
//!
//! Opening the link replays the same run, since a run is a pure function of the scenario (which
//! carries its seed) and the core version. Decoding takes untrusted input: every failure says
//! what is wrong (no prefix, unknown link version, bad base64, truncated or oversized data, or
//! which scenario field is invalid), and the decompressed size is capped.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use core::fmt;

use crate::error::SimError;
use crate::scenario::Scenario;

/// The link format this build writes and reads.
pub const LINK_VERSION: &str = "v1";
/// Largest decompressed scenario accepted, against decompression bombs.
pub const MAX_SCENARIO_BYTES: usize = 64 * 1024;
/// Fragment key the link's payload goes under.
pub const FRAGMENT_KEY: &str = "s=";

/// Encodes a scenario as the fragment payload `v1.<...>` (without `#s=`).
pub fn encode(scenario: &Scenario) -> String {
    let json = serde_json::to_vec(scenario).expect("scenarios serialise");
    let compressed = miniz_oxide::deflate::compress_to_vec(&json, 9);
    format!("{LINK_VERSION}.{}", URL_SAFE_NO_PAD.encode(compressed))
}

/// The full fragment, `#s=v1.<...>`.
pub fn fragment(scenario: &Scenario) -> String {
    format!("#{FRAGMENT_KEY}{}", encode(scenario))
}

/// Why a link could not be opened. Each says what is wrong in words a person can act on; the
/// experiment that was open stays as it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkError {
    /// No `v1.` payload: not a scenario link at all.
    NotALink,
    /// A payload of another link format version.
    UnsupportedVersion {
        /// The link's version, as written in it.
        found: String,
    },
    /// The payload is not base64url: usually a link cut short or altered when copied.
    BadBase64(String),
    /// The scenario inflates past [`MAX_SCENARIO_BYTES`].
    TooLarge,
    /// The compressed data ends early or is damaged.
    Truncated,
    /// The data is JSON of no scenario: which field, and why (from the parser).
    Unreadable(String),
    /// A well-formed scenario that is not valid (a value out of range).
    Invalid(SimError),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::NotALink => {
                f.write_str("this is not a GossipLab scenario link: expected \"#s=v1.<data>\"")
            }
            LinkError::UnsupportedVersion { found } => write!(
                f,
                "scenario link version {found:?} is not supported (this build reads {LINK_VERSION})"
            ),
            LinkError::BadBase64(error) => write!(
                f,
                "the scenario link is damaged (bad base64: {error}); was it cut short when copied?"
            ),
            LinkError::TooLarge => write!(
                f,
                "the scenario in the link is larger than {MAX_SCENARIO_BYTES} bytes"
            ),
            LinkError::Truncated => f.write_str(
                "the scenario link is truncated or damaged (its data does not decompress)",
            ),
            LinkError::Unreadable(error) => {
                write!(f, "the scenario in the link is invalid: {error}")
            }
            LinkError::Invalid(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for LinkError {}

/// Decodes a whole link, a fragment (`#s=...` or `s=...`) or a bare payload (`v1....`). Other
/// parts of a fragment after an `&` (the playground's tour chapter, `&learn=<id>`) are not the
/// scenario's and are left out (base64url never holds an `&`).
pub fn decode(link: &str) -> Result<Scenario, LinkError> {
    let link = link.trim();
    let after_hash = link.rsplit_once('#').map_or(link, |(_, fragment)| fragment);
    let scenario_part = after_hash
        .split('&')
        .find(|part| part.starts_with(FRAGMENT_KEY))
        .unwrap_or(after_hash);
    let payload = scenario_part
        .strip_prefix(FRAGMENT_KEY)
        .unwrap_or(scenario_part);
    let Some((version, data)) = payload.split_once('.') else {
        return Err(LinkError::NotALink);
    };
    if version != LINK_VERSION {
        return Err(LinkError::UnsupportedVersion {
            found: version.to_string(),
        });
    }
    let compressed = URL_SAFE_NO_PAD
        .decode(data)
        .map_err(|error| LinkError::BadBase64(error.to_string()))?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&compressed, MAX_SCENARIO_BYTES)
        .map_err(|error| match error.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => LinkError::TooLarge,
            _ => LinkError::Truncated,
        })?;
    // A newer scenario is refused for its version before its fields are parsed.
    crate::scenario::check_format_version(&json).map_err(LinkError::Invalid)?;
    let scenario: Scenario =
        serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(&json))
            .map_err(|error| LinkError::Unreadable(error.to_string()))?;
    scenario.validate().map_err(LinkError::Invalid)?;
    Ok(scenario)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Protocol;
    use gossip_core::{Direction, LossOfInterest, RumorConfig};
    use wasm_bindgen_test::wasm_bindgen_test;

    fn sample() -> Scenario {
        Scenario {
            nodes: 1_000,
            seed: 123,
            protocol: Protocol::Rumor(RumorConfig {
                loss: LossOfInterest::Coin(3),
                direction: Direction::PushPull,
                ..RumorConfig::default()
            }),
            ..Scenario::default()
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn links_round_trip_in_every_form() {
        let scenario = sample();
        let payload = encode(&scenario);
        assert!(payload.starts_with("v1."));
        assert!(
            payload.len() < 200,
            "a scenario fits in a short link: {}",
            payload.len()
        );
        for link in [
            payload.clone(),
            format!("s={payload}"),
            fragment(&scenario),
            format!("http://127.0.0.1:8080/{}", fragment(&scenario)),
            // A link to a chapter of the playground's tour, with the reader's scenario.
            format!(
                "http://127.0.0.1:8080/{}&learn=residue",
                fragment(&scenario)
            ),
            format!("http://127.0.0.1:8080/#learn=residue&s={payload}"),
        ] {
            assert_eq!(decode(&link), Ok(scenario.clone()), "{link}");
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn bad_links_say_what_is_wrong() {
        let payload = encode(&sample());
        let error = |link: &str| decode(link).unwrap_err();
        assert_eq!(error("http://x/#hello"), LinkError::NotALink);
        assert_eq!(
            error(&payload.replacen("v1", "v9", 1)),
            LinkError::UnsupportedVersion { found: "v9".into() }
        );
        assert!(matches!(error("v1.@@@"), LinkError::BadBase64(_)));
        // Cut anywhere, a link is reported as cut short or truncated, never as something else.
        for cut in 4..payload.len() {
            let error = error(&payload[..cut]);
            assert!(
                matches!(error, LinkError::BadBase64(_) | LinkError::Truncated),
                "cut at {cut}: {error}"
            );
        }

        let invalid = |json: &str| {
            let compressed = miniz_oxide::deflate::compress_to_vec(json.as_bytes(), 9);
            decode(&format!("v1.{}", URL_SAFE_NO_PAD.encode(compressed))).unwrap_err()
        };
        let wrong_field = invalid(
            r#"{"version":1,"nodes":10,"seed":1,"rumor":{"loss":{"kind":"counter","k":2},"trigger":"feedback","fanout":"three"}}"#,
        );
        assert!(
            matches!(&wrong_field, LinkError::Unreadable(why) if why.starts_with("rumor.fanout")),
            "{wrong_field}"
        );
        let zero_k = invalid(
            r#"{"version":1,"nodes":10,"seed":1,"rumor":{"loss":{"kind":"coin","k":0},"trigger":"feedback","fanout":1}}"#,
        );
        assert_eq!(zero_k.to_string(), "rumor.loss.k must be at least 1");
        assert!(matches!(zero_k, LinkError::Invalid(_)));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn oversized_scenarios_are_refused() {
        let bomb = vec![b' '; MAX_SCENARIO_BYTES + 1];
        let compressed = miniz_oxide::deflate::compress_to_vec(&bomb, 9);
        let error = decode(&format!("v1.{}", URL_SAFE_NO_PAD.encode(compressed))).unwrap_err();
        assert_eq!(error, LinkError::TooLarge);
    }
}
