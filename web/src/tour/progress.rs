//! The reader's progress through the tour, kept in `localStorage` so it survives a reload: the
//! chapters whose experiment they ran and those whose answer they saw, and the chapter they were
//! last in. Stored as JSON; anything unreadable counts as a fresh start.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The `localStorage` key.
const STORAGE_KEY: &str = "gossiplab.tour";

/// What the reader has done, by chapter id.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Chapters whose experiment ran.
    #[serde(default)]
    pub ran: BTreeSet<String>,
    /// Chapters whose answer the reader revealed.
    #[serde(default)]
    pub answered: BTreeSet<String>,
    /// The chapter open last.
    #[serde(default)]
    pub last: Option<String>,
}

impl Progress {
    /// Reads progress from its stored text (a fresh start when it cannot be read).
    pub fn parse(text: &str) -> Progress {
        serde_json::from_str(text).unwrap_or_default()
    }

    /// The text to store.
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The progress stored in this browser.
    pub fn load() -> Progress {
        storage()
            .and_then(|storage| storage.get_item(STORAGE_KEY).ok().flatten())
            .map(|text| Progress::parse(&text))
            .unwrap_or_default()
    }

    /// Stores this progress (silently nothing where storage is refused, as in private modes).
    pub fn save(&self) {
        if let Some(storage) = storage() {
            let _ = storage.set_item(STORAGE_KEY, &self.to_text());
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn progress_survives_its_text_and_bad_text_is_a_fresh_start() {
        let mut progress = Progress::default();
        progress.ran.insert("residue".into());
        progress.answered.insert("residue".into());
        progress.last = Some("swim".into());
        assert_eq!(Progress::parse(&progress.to_text()), progress);
        assert_eq!(Progress::parse("not json"), Progress::default());
        assert_eq!(
            Progress::parse(r#"{"ran":["why-gossip"]}"#).ran.len(),
            1,
            "fields added later default"
        );
    }
}
