//! The presets' titles, shelves and explanations in the page's language. gossip-sim keeps its
//! English text (the CLI shows it); the page's catalogues hold both languages under keys made
//! from the preset's id (`preset.<id>.title`, `preset.<id>.explanation`) and the shelf's name
//! (`preset.group.<shelf>`), and a test checks the English ones still say what gossip-sim says.

use crate::i18n::t;
use gossip_sim::presets::Preset;

/// The catalogue key of a shelf: its English name, lowercased, spaces as dashes.
fn group_key(group: &str) -> String {
    format!(
        "preset.group.{}",
        group.to_ascii_lowercase().replace(' ', "-")
    )
}

/// A shelf's name (`group` as gossip-sim names it) in the current language.
pub fn group(group: &str) -> &'static str {
    t(&group_key(group))
}

/// The preset's button label in the current language.
pub fn title(preset: &Preset) -> &'static str {
    t(&format!("preset.{}.title", preset.id))
}

/// What the preset shows, in the current language.
pub fn explanation(preset: &Preset) -> &'static str {
    t(&format!("preset.{}.explanation", preset.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, t_in};
    use gossip_sim::presets::presets;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn every_preset_is_written_in_both_languages_and_the_english_is_gossip_sim_s() {
        for preset in presets() {
            let title = format!("preset.{}.title", preset.id);
            let explanation = format!("preset.{}.explanation", preset.id);
            assert_eq!(t_in(Lang::En, &title), preset.title, "{title}");
            assert_eq!(
                t_in(Lang::En, &explanation),
                preset.explanation,
                "{explanation}"
            );
            assert_eq!(t_in(Lang::En, &group_key(preset.group)), preset.group);
            for key in [title, explanation, group_key(preset.group)] {
                let chinese = t_in(Lang::ZhCn, &key);
                assert!(
                    chinese != key && chinese != t_in(Lang::En, &key),
                    "{key} has no Chinese text"
                );
            }
        }
    }
}
