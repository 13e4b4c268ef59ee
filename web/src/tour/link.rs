//! A chapter in the page's URL fragment: `#learn=<id>` opens the tour at that chapter with its
//! own experiment, and `#s=<scenario>&learn=<id>` at that chapter with the reader's state (the
//! scenario as they changed it). Old links (`#s=...` alone) hold no chapter and open as before.

use super::chapters::{CHAPTERS, index_of};

/// The key of the chapter in the fragment.
pub const CHAPTER_KEY: &str = "learn=";

/// The chapter a fragment names, if it names one the tour has.
pub fn chapter_in(hash: &str) -> Option<usize> {
    hash.trim_start_matches('#')
        .split('&')
        .find_map(|part| part.strip_prefix(CHAPTER_KEY))
        .and_then(index_of)
}

/// The chapter the page's current URL names.
pub fn chapter_at_location() -> Option<usize> {
    let hash = web_sys::window()?.location().hash().ok()?;
    chapter_in(&hash)
}

/// The fragment's part naming chapter `index` (`&learn=<id>`, to follow a scenario's part).
pub fn chapter_part(index: usize) -> String {
    CHAPTERS.get(index).map_or_else(String::new, |chapter| {
        format!("&{CHAPTER_KEY}{}", chapter.id)
    })
}

/// The link to chapter `index` with its own experiment.
pub fn chapter_href(index: usize) -> String {
    CHAPTERS.get(index).map_or_else(String::new, |chapter| {
        format!("#{CHAPTER_KEY}{}", chapter.id)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn a_chapter_is_read_alone_or_after_a_scenario_and_old_links_have_none() {
        let residue = index_of("residue").unwrap();
        assert_eq!(chapter_in(&chapter_href(residue)), Some(residue));
        assert_eq!(
            chapter_in(&format!("#s=v1.abc{}", chapter_part(residue))),
            Some(residue)
        );
        assert_eq!(chapter_in("#s=v1.abc"), None);
        assert_eq!(chapter_in("#learn=no-such-chapter"), None);
        assert_eq!(chapter_in(""), None);
    }
}
