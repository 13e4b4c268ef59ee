//! A run refused before it started because it would not fit the browser's memory, said in
//! English and in Chinese: the estimate, the limit and what to do instead. Both figures come
//! from [`gossip_sim::budget`], through the worker's answer or the sweep form's own check.

use gossip_sim::budget::{Exceeded, LimitSource, bytes_text};
use yew::prelude::*;

/// The refusal in English: the library's sentence, and where the run can go instead.
pub fn english(exceeded: &Exceeded) -> String {
    format!(
        "This run was not started: {exceeded}. A larger run goes on the command line: \
         gossip-node sim (or sweep) on a machine with the memory."
    )
}

/// The limit and its size in Chinese, as [`LimitSource::phrase`] says it in English.
fn limit_in_chinese(source: LimitSource, bytes: u64) -> String {
    let bytes = bytes_text(bytes);
    match source {
        LimitSource::MachineMemory => format!("本机可用的 {bytes} 内存"),
        LimitSource::Given => format!("指定的 {bytes} 内存上限"),
        LimitSource::WasmMemory => {
            format!("浏览器 worker 可用的 {bytes} 内存（wasm32 最多 4 GiB）")
        }
        LimitSource::AddressSpace => format!("此构建 {bytes} 的地址空间"),
    }
}

/// The refusal in Simplified Chinese.
pub fn chinese(exceeded: &Exceeded) -> String {
    format!(
        "此次运行未启动：{} 个节点预计需要约 {} 内存（运行前估算），超过{}。请减少节点数；\
         更大的运行请在内存足够的机器上用命令行 gossip-node sim（或 sweep）。",
        exceeded.nodes,
        bytes_text(exceeded.estimate_bytes),
        limit_in_chinese(exceeded.source, exceeded.limit_bytes),
    )
}

/// Both sentences, each marked with its language.
pub fn too_large(exceeded: &Exceeded) -> Html {
    html! {
        <>
            <p lang="en" class="refusal">{english(exceeded)}</p>
            <p lang="zh-Hans" class="refusal">{chinese(exceeded)}</p>
        </>
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
            english(&exceeded),
            "This run was not started: a run of 4294967295 nodes would need about 72.0 GiB of \
             memory (estimated before the run), more than the 2.00 GiB memory a browser worker \
             can use (wasm32: 4 GiB at most); try fewer nodes. A larger run goes on the command \
             line: gossip-node sim (or sweep) on a machine with the memory."
        );
        assert_eq!(
            chinese(&exceeded),
            "此次运行未启动：4294967295 个节点预计需要约 72.0 GiB 内存（运行前估算），超过浏览器 \
             worker 可用的 2.00 GiB 内存（wasm32 最多 4 GiB）。请减少节点数；更大的运行请在内存\
             足够的机器上用命令行 gossip-node sim（或 sweep）。"
        );
        for source in [
            LimitSource::MachineMemory,
            LimitSource::Given,
            LimitSource::AddressSpace,
        ] {
            assert!(limit_in_chinese(source, 1 << 30).contains("1.00 GiB"));
        }
    }
}
