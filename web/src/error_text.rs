//! gossip-sim's typed errors said in the page's language. gossip-sim writes them in English
//! (its `Display`); the page matches the variants and keeps their numbers and field names
//! (`rumor.fanout` is the name a person finds in the scenario's JSON, in either language).
//! A reason phrase ("must be at least 2, got 1") is matched against the English patterns of
//! the catalogue (`reason.*`) and said with the same numbers in the reader's language; a phrase
//! no pattern matches is shown as gossip-sim wrote it. A field's name is said by its label in
//! the reader's language where the catalogue has one (`field.<name>`), else as written.

use crate::i18n::{Lang, current, from_english, t, t_opt, tf};
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
        LinkError::BadBase64(detail) => tf(
            "link.bad_base64",
            &[("detail", &from_english(&BASE64_DETAILS, detail))],
        ),
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
        &[("field", &field_name(field)), ("reason", &reason(why))],
    )
}

/// The base64 crate's decoding errors (its `Display`), as patterns.
const BASE64_DETAILS: [&str; 4] = [
    "detail.base64.symbol",
    "detail.base64.last_symbol",
    "detail.base64.length",
    "detail.base64.padding",
];

/// A field of the scenario (`rumor.fanout`, `seeds per point`) for the reader: in English as
/// gossip-sim names it, in Chinese by its label (`field.<name>`, the name's letters and digits
/// joined by `_`) where the catalogue has one.
pub fn field_name(field: &str) -> String {
    if current() == Lang::En {
        return field.to_string();
    }
    let mut key = String::from("field.");
    let mut gap = false;
    for c in field.chars() {
        if c.is_ascii_alphanumeric() {
            if gap && !key.ends_with('.') {
                key.push('_');
            }
            key.push(c.to_ascii_lowercase());
            gap = false;
        } else {
            gap = true;
        }
    }
    t_opt(&key).map_or_else(|| field.to_string(), String::from)
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
            chinese.contains("扇出") && !chinese.contains("must") && !chinese.contains("fanout"),
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
    fn field_names_are_labelled_in_chinese_and_kept_in_english() {
        set_current(Lang::ZhCn);
        let labels = [
            field_name("seeds per point"),
            field_name("from, to and step"),
            field_name("rumor.loss.k"),
            field_name("no such field"),
        ];
        set_current(Lang::En);
        assert_eq!(labels[0], "每个点的种子数");
        assert_eq!(labels[1], "起点、终点和步长");
        assert_eq!(labels[2], "谣言的 k 值");
        assert_eq!(labels[3], "no such field");
        assert_eq!(field_name("seeds per point"), "seeds per point");
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
            if matches!(error, LinkError::BadBase64(_)) {
                assert!(!chinese.contains("Invalid"), "{chinese}");
            }
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
