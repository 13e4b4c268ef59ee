//! The replayed scenario (or its "what if") as a file, for when a link will not do, and a
//! scenario file dropped or chosen on the replay panel opened as the playground's experiment.
//!
//! A scenario travels as the page's link (`#s=v1.<deflate + base64url of its JSON>`, gossip-sim's
//! `share_link`) like any other; a replay with many writes makes a long one. The file is the
//! scenario format itself (gossip-sim's `scenario`, its `version` as that module writes it), the
//! same JSON `gossip-node sim FILE` reads. Recordings and scenario files share the panel's drop
//! zone: a scenario file is told apart by its shape (one JSON object with `nodes`, no recording's
//! `kind` or `format`), opens on its own, and is refused in words when it cannot run.

use gossip_sim::error::SimError;
use gossip_sim::scenario::{self, Scenario};
use gossip_sim::share_link::{self, MAX_SCENARIO_BYTES};
use gossip_worker::replay::RecordingFile;

use crate::i18n::{number, tf};

/// The longest link offered, in characters (the page's address with the `#s=` fragment). RFC
/// 9110 section 4.1 recommends that every sender and recipient support URIs of at least 8,000
/// octets: a link within that is one any conforming browser, server or proxy it passes through
/// should carry whole. Browsers take far longer ones (Chromium 2 MiB), but a link is for
/// pasting into mail, chat and documents, whose limits are that recommendation or less.
pub const LINK_LIMIT_CHARS: usize = 8_000;

/// The name the scenario file downloads under.
pub const FILE_NAME: &str = "gossiplab-scenario.json";

/// The scenario as a file: its JSON, indented, in the version the scenario format writes it in.
pub fn file_text(scenario: &Scenario) -> String {
    let mut text = serde_json::to_string_pretty(scenario).expect("scenarios serialise");
    text.push('\n');
    text
}

/// Whether a scenario can travel as a link from a page whose address (without fragment) is
/// `page_chars` characters long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkFit {
    /// The link is `chars` characters long, within [`LINK_LIMIT_CHARS`].
    Fits {
        /// The whole link's length.
        chars: usize,
    },
    /// The link would be `chars` characters long, past [`LINK_LIMIT_CHARS`].
    TooLong {
        /// The whole link's length.
        chars: usize,
    },
    /// The scenario's JSON is `bytes` long, past what a link may unpack to
    /// ([`MAX_SCENARIO_BYTES`]): no page would open the link, whatever its length.
    TooLarge {
        /// The JSON's size.
        bytes: usize,
    },
}

/// The size of `scenario`'s JSON if it is past what a link may unpack to
/// ([`MAX_SCENARIO_BYTES`]): no page would open its link, whatever its length.
pub fn too_large_for_a_link(scenario: &Scenario) -> Option<usize> {
    let bytes = serde_json::to_vec(scenario)
        .expect("scenarios serialise")
        .len();
    (bytes > MAX_SCENARIO_BYTES).then_some(bytes)
}

/// How `scenario` would travel as a link from a page whose address is `page_chars` long.
pub fn link_fit(scenario: &Scenario, page_chars: usize) -> LinkFit {
    if let Some(bytes) = too_large_for_a_link(scenario) {
        return LinkFit::TooLarge { bytes };
    }
    let chars = page_chars + share_link::fragment(scenario).len();
    if chars > LINK_LIMIT_CHARS {
        LinkFit::TooLong { chars }
    } else {
        LinkFit::Fits { chars }
    }
}

/// What the link's fit says on the panel, in the page's language.
pub fn link_fit_text(fit: LinkFit) -> String {
    let limit = number(LINK_LIMIT_CHARS as f64, 0);
    match fit {
        LinkFit::Fits { chars } => tf(
            "replay.scenario.link",
            &[("chars", &number(chars as f64, 0)), ("limit", &limit)],
        ),
        LinkFit::TooLong { chars } => tf(
            "replay.scenario.too_long",
            &[("chars", &number(chars as f64, 0)), ("limit", &limit)],
        ),
        LinkFit::TooLarge { bytes } => tf(
            "replay.scenario.too_large",
            &[
                ("bytes", &number(bytes as f64, 0)),
                ("max", &number(MAX_SCENARIO_BYTES as f64, 0)),
            ],
        ),
    }
}

/// Why a scenario file does not open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScenarioFileError {
    /// A scenario file came with other files: it opens on its own.
    WithOthers {
        /// The scenario file.
        name: String,
    },
    /// Scenario-shaped JSON whose fields do not read as a scenario.
    Unreadable {
        /// The file.
        name: String,
        /// What the JSON reader said (English, with the field's place).
        detail: String,
    },
    /// A scenario gossip-sim refuses: another version, or a value out of range.
    Refused {
        /// The file.
        name: String,
        /// Why.
        error: SimError,
    },
}

/// What dropped or chosen files are.
#[derive(Clone, Debug, PartialEq)]
pub enum Dropped {
    /// Not a scenario file among them: recordings (or files the replay will refuse).
    Recordings(Vec<RecordingFile>),
    /// One scenario file, read and valid.
    Scenario {
        /// The file's name.
        name: String,
        /// The experiment.
        scenario: Scenario,
    },
    /// A scenario file that does not open.
    Refused(ScenarioFileError),
}

/// Whether `text` has a scenario's shape: one JSON object with `nodes` and neither a
/// recording's `kind` nor its `format`.
fn is_scenario(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|value| value.as_object().cloned())
        .is_some_and(|object| {
            object.contains_key("nodes")
                && !object.contains_key("kind")
                && !object.contains_key("format")
        })
}

/// Tells a scenario file among `files` from recordings and reads it.
pub fn sort(files: Vec<RecordingFile>) -> Dropped {
    let Some(index) = files.iter().position(|file| is_scenario(&file.text)) else {
        return Dropped::Recordings(files);
    };
    let file = &files[index];
    if files.len() > 1 {
        return Dropped::Refused(ScenarioFileError::WithOthers {
            name: file.name.clone(),
        });
    }
    let refused = |error| {
        Dropped::Refused(ScenarioFileError::Refused {
            name: file.name.clone(),
            error,
        })
    };
    // A newer scenario is refused for its version before its fields are read.
    if let Err(error) = scenario::check_format_version(file.text.as_bytes()) {
        return refused(error);
    }
    let scenario: Scenario = match serde_json::from_str(&file.text) {
        Ok(scenario) => scenario,
        Err(error) => {
            return Dropped::Refused(ScenarioFileError::Unreadable {
                name: file.name.clone(),
                detail: error.to_string(),
            });
        }
    };
    match scenario.validate() {
        Ok(()) => Dropped::Scenario {
            name: file.name.clone(),
            scenario,
        },
        Err(error) => refused(error),
    }
}

/// Why a scenario file does not open, in the page's language.
pub fn error_text(error: &ScenarioFileError) -> String {
    match error {
        ScenarioFileError::WithOthers { name } => {
            tf("replay.scenario.error.with_others", &[("name", name)])
        }
        ScenarioFileError::Unreadable { name, detail } => tf(
            "replay.scenario.error.unreadable",
            &[("name", name), ("detail", detail)],
        ),
        ScenarioFileError::Refused { name, error } => tf(
            "replay.scenario.error.refused",
            &[("name", name), ("reason", &crate::error_text::sim(error))],
        ),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::i18n::{Lang, set_current};
    use gossip_sim::events::{Cluster, ClusterFault, ScheduledClusterFault};
    use wasm_bindgen_test::wasm_bindgen_test;

    /// A replay's scenario: two peers, the second joining at 1 s, `writes` writes, one crash.
    /// A replayed two-node recording with `writes` writes: its link grows with them.
    pub(crate) fn replayed(writes: usize) -> Scenario {
        let mut faults = vec![ScheduledClusterFault {
            at: 1_000,
            fault: ClusterFault::Join { node: 1 },
        }];
        for index in 0..writes {
            faults.push(ScheduledClusterFault {
                at: 2_000 + index as u64,
                fault: ClusterFault::Put {
                    node: (index % 2) as u32,
                    key: format!("key-{index}"),
                    value: format!("value {index}"),
                },
            });
        }
        faults.push(ScheduledClusterFault {
            at: 9_000,
            fault: ClusterFault::Crash { node: 1 },
        });
        let cluster = Cluster {
            duration: 12_000,
            faults,
            ..Cluster::default()
        };
        Scenario::cluster(2, 7, cluster)
    }

    fn file(name: &str, text: &str) -> RecordingFile {
        RecordingFile {
            name: name.into(),
            text: text.into(),
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_downloaded_scenario_file_opens_as_the_same_experiment() {
        let scenario = replayed(3);
        let text = file_text(&scenario);
        // The format's own version: 2, for the join a replay holds.
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["version"], scenario.written_version());
        assert_eq!(json["version"], 2);
        assert_eq!(
            sort(vec![file(FILE_NAME, &text)]),
            Dropped::Scenario {
                name: FILE_NAME.into(),
                scenario: scenario.clone(),
            }
        );
        // Recordings (JSON Lines, the first a start line) and a relay's are not scenarios.
        let recordings = vec![
            file(
                "tab.jsonl",
                "{\"t_us\":0,\"kind\":\"start\",\"format\":\"gossiplab-recording\",\"version\":1}\n{}",
            ),
            file(
                "room.jsonl",
                "{\"format\":\"gossiplab-relay-recording\",\"version\":1,\"nodes\":3}",
            ),
            file("notes.txt", "not JSON"),
        ];
        assert_eq!(
            sort(recordings.clone()),
            Dropped::Recordings(recordings.clone())
        );
        // With other files, a scenario file is refused.
        let mut mixed = recordings;
        mixed.push(file("s.json", &text));
        assert_eq!(
            sort(mixed),
            Dropped::Refused(ScenarioFileError::WithOthers {
                name: "s.json".into()
            })
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_scenario_file_that_cannot_run_is_refused_in_words() {
        let text = file_text(&replayed(1));
        let newer = text.replacen("\"version\": 2", "\"version\": 9", 1);
        let broken = text.replacen("\"nodes\": 2", "\"nodes\": \"two\"", 1);
        let small = text.replacen("\"nodes\": 2", "\"nodes\": 1", 1);
        let refusal = |text: &str| match sort(vec![file("s.json", text)]) {
            Dropped::Refused(error) => error,
            other => panic!("{other:?}"),
        };
        let (newer, broken, small) = (refusal(&newer), refusal(&broken), refusal(&small));
        assert_eq!(
            newer,
            ScenarioFileError::Refused {
                name: "s.json".into(),
                error: SimError::UnsupportedVersion {
                    found: 9,
                    supported: 2
                }
            }
        );
        assert!(matches!(broken, ScenarioFileError::Unreadable { .. }));
        assert!(matches!(small, ScenarioFileError::Refused { .. }));
        assert_eq!(
            error_text(&newer),
            "s.json is a scenario file but does not open: scenario version 9 is not supported \
             (this build reads version 2)."
        );
        set_current(Lang::ZhCn);
        let chinese = error_text(&newer);
        set_current(Lang::En);
        assert_eq!(
            chinese,
            "s.json 是场景文件，但无法打开：不支持场景版本 9（此版本读取版本 2）。"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_long_replay_is_offered_as_a_file_rather_than_a_link() {
        let page = "http://127.0.0.1:8080/".len();
        let short = replayed(1);
        let LinkFit::Fits { chars } = link_fit(&short, page) else {
            panic!("{:?}", link_fit(&short, page));
        };
        assert_eq!(chars, page + share_link::fragment(&short).len());
        // Each write adds its fault to the link: a few hundred of them pass the limit.
        let writes_to_pass = (1..)
            .step_by(25)
            .find(|&writes| matches!(link_fit(&replayed(writes), page), LinkFit::TooLong { .. }))
            .unwrap();
        println!(
            "link of a 1-write replay: {chars} characters; {writes_to_pass} writes pass {LINK_LIMIT_CHARS}"
        );
        assert!((100..2_000).contains(&writes_to_pass), "{writes_to_pass}");
        // Past what a link may unpack to, it is too large whatever its length.
        let huge = replayed(2_000);
        let bytes = serde_json::to_vec(&huge).unwrap().len();
        assert!(bytes > MAX_SCENARIO_BYTES, "{bytes}");
        assert_eq!(link_fit(&huge, page), LinkFit::TooLarge { bytes });
        assert_eq!(
            link_fit_text(LinkFit::TooLong { chars: 9_123 }),
            "Its link would be 9,123 characters long, more than the 8,000 a link is kept to: \
             download the scenario as a file instead."
        );
    }
}
