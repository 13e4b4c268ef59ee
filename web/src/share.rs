//! The scenario in the page's URL fragment: read on load and on back/forward, written on each run,
//! so a copied link replays the same experiment and history moves between edited ones.

use gossip_sim::scenario::Scenario;
use gossip_sim::share_link::{self, LinkError};
use wasm_bindgen::JsValue;

/// What the fragment holds.
#[derive(Clone, Debug, PartialEq)]
pub enum LinkedScenario {
    /// No scenario in the URL.
    None,
    Valid(Scenario),
    /// A link that could not be read, with the reason.
    Broken(LinkError),
}

/// Reads the scenario from the current URL fragment.
pub fn read_location() -> LinkedScenario {
    let hash = web_sys::window()
        .and_then(|window| window.location().hash().ok())
        .unwrap_or_default();
    parse_fragment(&hash)
}

/// Interprets a fragment (`#s=v1....`, possibly followed by other parts such as the tour's
/// `&learn=<chapter>`); anything without `s=` is not a scenario link.
pub fn parse_fragment(hash: &str) -> LinkedScenario {
    let fragment = hash.trim_start_matches('#');
    // The scenario's part ends at the next `&` (base64url never holds one).
    let Some(scenario_part) = fragment
        .split('&')
        .find(|part| part.starts_with(share_link::FRAGMENT_KEY))
    else {
        return LinkedScenario::None;
    };
    match share_link::decode(scenario_part) {
        Ok(scenario) => LinkedScenario::Valid(scenario),
        Err(reason) => LinkedScenario::Broken(reason),
    }
}

/// The fragment a run records: `scenario`'s link followed by `more` (the tour's chapter part,
/// `&learn=<id>`), or, for a scenario past what a link may unpack to
/// ([`share_link::MAX_SCENARIO_BYTES`]: a long replayed recording, which its panel offers as a
/// file), `more` alone, since no page would open that link (a reload would say it is too large
/// and open the default experiment, not this one).
pub fn location_fragment(scenario: &Scenario, more: Option<&str>) -> String {
    let more = more.unwrap_or_default();
    if crate::replay_view::scenario_file::too_large_for_a_link(scenario).is_some() {
        format!("#{}", more.trim_start_matches('&'))
    } else {
        share_link::fragment(scenario) + more
    }
}

/// Records `scenario` as a new history entry (unless the URL already holds it), followed by
/// `more` (the tour's chapter part, `&learn=<id>`), if any; see [`location_fragment`].
pub fn push_location(scenario: &Scenario, more: Option<String>) {
    let fragment = location_fragment(scenario, more.as_deref());
    let Some(window) = web_sys::window() else {
        return;
    };
    let current = window.location().hash().unwrap_or_default();
    // An empty fragment reads back as "" (no `#`).
    if current == fragment || (fragment == "#" && current.is_empty()) {
        return;
    }
    if let Ok(history) = window.history() {
        let _ = history.push_state_with_url(&JsValue::NULL, "", Some(&fragment));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn a_scenario_is_read_with_or_without_a_chapter_after_it() {
        let scenario = Scenario {
            nodes: 321,
            ..Scenario::default()
        };
        let old = share_link::fragment(&scenario);
        assert_eq!(
            parse_fragment(&old),
            LinkedScenario::Valid(scenario.clone())
        );
        let with_chapter = format!("{old}&learn=residue");
        assert_eq!(
            parse_fragment(&with_chapter),
            LinkedScenario::Valid(scenario)
        );
        assert_eq!(parse_fragment("#learn=residue"), LinkedScenario::None);
        assert!(matches!(
            parse_fragment("#s=v1.@@"),
            LinkedScenario::Broken(_)
        ));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_scenario_no_link_could_open_is_not_put_in_the_address() {
        let small = crate::replay_view::scenario_file::tests::replayed(1);
        assert_eq!(
            location_fragment(&small, Some("&learn=residue")),
            share_link::fragment(&small) + "&learn=residue"
        );
        assert_eq!(
            parse_fragment(&location_fragment(&small, None)),
            LinkedScenario::Valid(small)
        );
        // 2,000 writes: past what a link may unpack to.
        let huge = crate::replay_view::scenario_file::tests::replayed(2_000);
        assert_eq!(
            parse_fragment(&share_link::fragment(&huge)),
            LinkedScenario::Broken(LinkError::TooLarge)
        );
        assert_eq!(location_fragment(&huge, None), "#");
        assert_eq!(
            location_fragment(&huge, Some("&learn=residue")),
            "#learn=residue"
        );
        assert_eq!(
            parse_fragment(&location_fragment(&huge, Some("&learn=residue"))),
            LinkedScenario::None
        );
    }
}
