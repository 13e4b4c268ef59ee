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

/// Interprets a fragment (`#s=v1....`); anything without `s=` is not a scenario link.
pub fn parse_fragment(hash: &str) -> LinkedScenario {
    let fragment = hash.trim_start_matches('#');
    if !fragment.starts_with(share_link::FRAGMENT_KEY) {
        return LinkedScenario::None;
    }
    match share_link::decode(fragment) {
        Ok(scenario) => LinkedScenario::Valid(scenario),
        Err(reason) => LinkedScenario::Broken(reason),
    }
}

/// Records `scenario` as a new history entry (unless the URL already holds it).
pub fn push_location(scenario: &Scenario) {
    let fragment = share_link::fragment(scenario);
    let Some(window) = web_sys::window() else {
        return;
    };
    if window.location().hash().ok().as_deref() == Some(fragment.as_str()) {
        return;
    }
    if let Ok(history) = window.history() {
        let _ = history.push_state_with_url(&JsValue::NULL, "", Some(&fragment));
    }
}
