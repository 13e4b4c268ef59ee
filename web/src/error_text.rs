//! gossip-sim's typed errors said in the page's language. gossip-sim writes them in English
//! (its `Display`); the page matches the variants and keeps their numbers and field names
//! (`rumor.fanout` is the name a person finds in the scenario's JSON, in either language).
//! A reason phrase ("must be at least 2, got 1") is matched against the English patterns of
//! the catalogue (`reason.*`) and said with the same numbers in the reader's language; a phrase
//! no pattern matches is shown as gossip-sim wrote it.

use crate::i18n::{from_english, t, tf};
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
    tf(
        "error.field",
        &[("field", &field), ("reason", &reason(why))],
    )
}

/// The English patterns of reason phrases, in the order they are tried.
const REASONS: [&str; 18] = [
    "reason.sweep_multiply",
    "reason.sweep_steps",
    "reason.sweep_empty",
    "reason.sweep_points",
    "reason.sweep_runs",
    "reason.varied_twice",
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
    from_english(&REASONS, english)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, set_current};
    use gossip_sim::scenario::Scenario;
    use gossip_sim::share_link;
    use wasm_bindgen_test::wasm_bindgen_test;

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
        assert!(
            chinese.contains("fanout") && !chinese.contains("must"),
            "{chinese}"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_refused_sweep_is_said_in_chinese_with_its_numbers() {
        let refused = SimError::Refused(
            "3 values times 5000 seeds make 15000 runs; a sweep takes at most 10000".into(),
        );
        set_current(Lang::ZhCn);
        let chinese = sim(&refused);
        set_current(Lang::En);
        assert_eq!(
            chinese,
            "3 个取值乘以 5000 个种子共 15000 次运行；一次扫描最多 10000 次"
        );
        assert_eq!(sim(&refused), refused.to_string());
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
            assert!(
                chinese
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{chinese}"
            );
        }
    }
}
