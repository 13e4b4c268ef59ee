//! A run refused before it started because it would not fit the browser's memory, said in the
//! page's language: the estimate, the limit and what to do instead. Both figures come from
//! [`gossip_sim::budget`], through the worker's answer or the sweep form's own check.

use crate::i18n::{Lang, current, tf_in, use_lang};
use gossip_sim::budget::{Exceeded, LimitSource, bytes_text};
use yew::prelude::*;

/// The limit and its size, as [`LimitSource::phrase`] says it in English.
fn limit(lang: Lang, source: LimitSource, bytes: u64) -> String {
    let key = match source {
        LimitSource::MachineMemory => "limit.machine",
        LimitSource::Given => "limit.given",
        LimitSource::WasmMemory => "limit.wasm",
        LimitSource::AddressSpace => "limit.address",
    };
    tf_in(lang, key, &[("bytes", &bytes_text(bytes))])
}

/// What was too large, in `lang`: in English, gossip-sim's own sentence.
fn exceeded_in(lang: Lang, exceeded: &Exceeded) -> String {
    tf_in(
        lang,
        "refusal.exceeded",
        &[
            ("nodes", &exceeded.nodes),
            ("estimate", &bytes_text(exceeded.estimate_bytes)),
            ("limit", &limit(lang, exceeded.source, exceeded.limit_bytes)),
        ],
    )
}

/// The refusal in `lang`: the estimate, the limit, and where the run can go instead.
pub fn sentence_in(lang: Lang, exceeded: &Exceeded) -> String {
    tf_in(
        lang,
        "refusal.run",
        &[("exceeded", &exceeded_in(lang, exceeded))],
    )
}

/// What was too large, in the current language (for a refusal inside another message).
pub fn sentence(exceeded: &Exceeded) -> String {
    exceeded_in(current(), exceeded)
}

/// The props of [`TooLarge`].
#[derive(Properties, PartialEq)]
pub struct TooLargeProps {
    /// The estimate and the limit.
    pub exceeded: Exceeded,
}

/// The refusal, marked with its language.
#[component]
pub fn TooLarge(props: &TooLargeProps) -> Html {
    let lang = use_lang();
    html! {
        <p lang={lang.code()} class="refusal">{sentence_in(lang, &props.exceeded)}</p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gossip_sim::budget::Engine;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn both_languages_name_the_estimate_and_the_limit() {
        let exceeded = Exceeded {
            nodes: 4_294_967_295,
            engine: Engine::Rounds,
            estimate_bytes: 72 << 30,
            limit_bytes: 2 << 30,
            source: LimitSource::WasmMemory,
        };
        assert_eq!(
            sentence_in(Lang::En, &exceeded),
            "This run was not started: a run of 4294967295 nodes would need about 72.0 GiB of \
             memory (estimated before the run), more than the 2.00 GiB memory a browser worker \
             can use (wasm32: 4 GiB at most); try fewer nodes. A larger run goes on the command \
             line: gossip-node sim (or sweep) on a machine with the memory."
        );
        assert_eq!(
            sentence_in(Lang::ZhCn, &exceeded),
            "此次运行未启动：4294967295 个节点预计需要约 72.0 GiB 内存（运行前估算），超过浏览器\
             后台线程可用的 2.00 GiB 内存（wasm32 最多 4 GiB）。请减少节点数；更大的运行请在内存\
             足够的机器上用命令行 gossip-node sim（或 sweep）。"
        );
        // In English, the phrase is gossip-sim's own, for every source of the limit.
        for source in [
            LimitSource::MachineMemory,
            LimitSource::Given,
            LimitSource::WasmMemory,
            LimitSource::AddressSpace,
        ] {
            let exceeded = Exceeded { source, ..exceeded };
            assert_eq!(exceeded_in(Lang::En, &exceeded), exceeded.to_string());
            assert!(exceeded_in(Lang::ZhCn, &exceeded).contains("2.00 GiB"));
        }
    }
}
