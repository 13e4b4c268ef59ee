//! gossip-sim's typed errors said in the page's language. gossip-sim writes them in English
//! (its `Display`); the page matches the variants and keeps their numbers and field names
//! (`rumor.fanout` is the name a person finds in the scenario's JSON, in either language).
//! A reason phrase ("must be at least 2, got 1") is matched against the English patterns of
//! the catalogue (`reason.*`) and said with the same numbers in the reader's language; a phrase
//! no pattern matches is shown as gossip-sim wrote it.

use crate::i18n::{Lang, current, t, t_in, tf};
use gossip_sim::error::SimError;
use gossip_sim::share_link::{LINK_VERSION, LinkError, MAX_SCENARIO_BYTES};

/// Why a share link could not be opened.
pub fn link(error: &LinkError) -> String {
    match error {
        LinkError::NotALink => t("link.not_a_link").to_string(),
        LinkError::UnsupportedVersion { found } => tf(
            "link.unsupported_version",
            &[("found", found), ("supported", &LINK_VERSION)],
        ),
        LinkError::BadBase64(detail) => tf("link.bad_base64", &[("detail", detail)]),
        LinkError::TooLarge => tf("link.too_large", &[("bytes", &MAX_SCENARIO_BYTES)]),
        LinkError::Truncated => t("link.truncated").to_string(),
        LinkError::Unreadable(detail) => tf("link.unreadable", &[("detail", detail)]),
        LinkError::Invalid(error) => sim(error),
    }
}

/// Why gossip-sim refused an experiment.
pub fn sim(error: &SimError) -> String {
    match error {
        SimError::Config(error) => field_reason(error.field, &error.reason),
        SimError::Invalid { field, reason } => field_reason(field, reason),
        SimError::UnsupportedVersion { found, supported } => tf(
            "error.unsupported_version",
            &[("found", found), ("supported", supported)],
        ),
        SimError::In { part, error } => tf("error.in", &[("part", part), ("error", &sim(error))]),
        SimError::TooLarge(exceeded) => crate::refusal::sentence(exceeded),
        SimError::Refused(sentence) => reason(sentence),
    }
}

/// "`field` must be ...", in the current language.
fn field_reason(field: &str, why: &str) -> String {
    tf("error.field", &[("field", &field), ("reason", &reason(why))])
}

/// The English patterns of reason phrases, in the order they are tried.
const REASONS: [&str; 12] = [
    "reason.at_least",
    "reason.at_least_got",
    "reason.positive",
    "reason.above_zero",
    "reason.between",
    "reason.whole_number",
    "reason.below_nodes",
    "reason.not_among",
    "reason.rumor_only",
    "reason.numbers",
    "reason.node_missing",
    "reason.not_above",
];

/// A reason phrase of gossip-sim in the current language, if a pattern matches it.
pub fn reason(english: &str) -> String {
    if current() == Lang::En {
        return english.to_string();
    }
    for key in REASONS {
        if let Some(args) = match_pattern(t_in(Lang::En, key), english) {
            let args: Vec<(&str, &dyn std::fmt::Display)> = args
                .iter()
                .map(|(name, value)| (*name, value as &dyn std::fmt::Display))
                .collect();
            return tf(key, &args);
        }
    }
    english.to_string()
}

/// The values of `pattern`'s `{name}` placeholders if `text` is the pattern filled in (each
/// value is a run of characters up to the literal text after it).
fn match_pattern<'a>(pattern: &'a str, text: &'a str) -> Option<Vec<(&'a str, &'a str)>> {
    let mut values = Vec::new();
    let mut pattern = pattern;
    let mut text = text;
    loop {
        let Some(open) = pattern.find('{') else {
            return (pattern == text).then_some(values);
        };
        text = text.strip_prefix(&pattern[..open])?;
        let close = open + pattern[open..].find('}')?;
        let name = &pattern[open + 1..close];
        pattern = &pattern[close + 1..];
        let end = match pattern.find('{').map_or(pattern, |next| &pattern[..next]) {
            "" if pattern.is_empty() => text.len(),
            "" => return None,
            literal => text.find(literal)?,
        };
        if end == 0 {
            return None;
        }
        values.push((name, &text[..end]));
        text = &text[end..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::set_current;
    use gossip_sim::scenario::Scenario;
    use gossip_sim::share_link;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn patterns_give_back_their_values() {
        assert_eq!(
            match_pattern("must be between {min} and {max}, got {value}", "must be between 0 and 1, got 1.5"),
            Some(vec![("min", "0"), ("max", "1"), ("value", "1.5")])
        );
        assert_eq!(match_pattern("must be at least {min}", "must be at least 2"), Some(vec![("min", "2")]));
        assert_eq!(match_pattern("must be at least {min}", "must be positive"), None);
        assert_eq!(match_pattern("must be positive", "must be positive"), Some(vec![]));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_refused_scenario_is_said_in_chinese_with_its_numbers() {
        let mut scenario = Scenario::default();
        scenario.rumor_config_mut().fanout = 0;
        let error = scenario.validate().unwrap_err();
        set_current(Lang::En);
        assert_eq!(sim(&error), error.to_string());
        set_current(Lang::ZhCn);
        let chinese = sim(&error);
        set_current(Lang::En);
        assert!(chinese.contains("fanout") && !chinese.contains("must"), "{chinese}");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn every_link_error_has_a_chinese_sentence() {
        let broken = share_link::decode("#s=v1.@@").unwrap_err();
        let errors = [
            LinkError::NotALink,
            LinkError::UnsupportedVersion { found: "v9".into() },
            broken,
            LinkError::TooLarge,
            LinkError::Truncated,
            LinkError::Unreadable("missing field `nodes`".into()),
        ];
        for error in errors {
            set_current(Lang::ZhCn);
            let chinese = link(&error);
            set_current(Lang::En);
            let english = link(&error);
            assert_eq!(english, error.to_string());
            assert!(chinese.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{chinese}");
        }
    }
}
