//! Share links: a whole scenario in a URL fragment, `#s=v1.<base64url(deflate(json))>`.
//!
//! Opening the link replays the same run, since a run is a pure function of the scenario (which
//! carries its seed) and the core version. Decoding takes untrusted input: every failure says
//! what is wrong (no prefix, unknown link version, bad base64, truncated or oversized data, or
//! which scenario field is invalid), and the decompressed size is capped.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

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

/// Decodes a whole link, a fragment (`#s=...` or `s=...`) or a bare payload (`v1....`).
pub fn decode(link: &str) -> Result<Scenario, String> {
    let link = link.trim();
    let after_hash = link.rsplit_once('#').map_or(link, |(_, fragment)| fragment);
    let payload = after_hash.strip_prefix(FRAGMENT_KEY).unwrap_or(after_hash);
    let Some((version, data)) = payload.split_once('.') else {
        return Err("this is not a GossipLab scenario link: expected \"#s=v1.<data>\"".into());
    };
    if version != LINK_VERSION {
        return Err(format!(
            "scenario link version {version:?} is not supported (this build reads {LINK_VERSION})"
        ));
    }
    let compressed = URL_SAFE_NO_PAD.decode(data).map_err(|error| {
        format!("the scenario link is damaged (bad base64: {error}); was it cut short when copied?")
    })?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&compressed, MAX_SCENARIO_BYTES)
        .map_err(|error| match error.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => {
                format!("the scenario in the link is larger than {MAX_SCENARIO_BYTES} bytes")
            }
            _ => "the scenario link is truncated or damaged (its data does not decompress)"
                .to_string(),
        })?;
    let scenario: Scenario =
        serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(&json))
            .map_err(|error| format!("the scenario in the link is invalid: {error}"))?;
    scenario.validate()?;
    Ok(scenario)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Protocol;
    use gossip_core::rumor::{Direction, LossOfInterest, RumorConfig};
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
        ] {
            assert_eq!(decode(&link), Ok(scenario.clone()), "{link}");
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn bad_links_say_what_is_wrong() {
        let payload = encode(&sample());
        let error = |link: &str| decode(link).unwrap_err();
        assert!(error("http://x/#hello").contains("not a GossipLab scenario link"));
        assert!(error(&payload.replacen("v1", "v9", 1)).contains("version \"v9\""));
        assert!(error("v1.@@@").contains("bad base64"));
        // Cut anywhere, a link is reported as cut short or truncated, never as something else.
        for cut in 4..payload.len() {
            let message = error(&payload[..cut]);
            assert!(
                message.contains("cut short") || message.contains("truncated"),
                "cut at {cut}: {message}"
            );
        }

        let invalid = |json: &str| {
            let compressed = miniz_oxide::deflate::compress_to_vec(json.as_bytes(), 9);
            decode(&format!("v1.{}", URL_SAFE_NO_PAD.encode(compressed))).unwrap_err()
        };
        let wrong_field = invalid(
            r#"{"version":1,"nodes":10,"seed":1,"rumor":{"loss":{"kind":"counter","k":2},"trigger":"feedback","fanout":"three"}}"#,
        );
        assert!(wrong_field.contains("rumor.fanout"), "{wrong_field}");
        let zero_k = invalid(
            r#"{"version":1,"nodes":10,"seed":1,"rumor":{"loss":{"kind":"coin","k":0},"trigger":"feedback","fanout":1}}"#,
        );
        assert!(zero_k.contains("k must be at least 1"), "{zero_k}");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn oversized_scenarios_are_refused() {
        let bomb = vec![b' '; MAX_SCENARIO_BYTES + 1];
        let compressed = miniz_oxide::deflate::compress_to_vec(&bomb, 9);
        let error = decode(&format!("v1.{}", URL_SAFE_NO_PAD.encode(compressed))).unwrap_err();
        assert!(error.contains("larger than"), "{error}");
    }
}
