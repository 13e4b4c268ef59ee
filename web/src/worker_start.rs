//! How the page starts its worker: the worker runs this same wasm module, so page and worker
//! download the code they share (std, serde, gossip-core, the scenario and report types) once.
//! As two modules they carried it twice, and the playground's transfer went over its 1 MB limit.
//!
//! [`main`](crate::main) tells the two apart by the global scope ([`in_window`]): in a window it
//! renders the page, in a worker it registers the simulation reactor (gossip-worker).
//!
//! yew-agent starts a worker from a script path with a shim that runs
//! `importScripts(path); wasm_bindgen(wasm_path)`, the interface of wasm-bindgen's `no-modules`
//! glue. Trunk builds the page with the ES-module glue instead, so the path given to yew-agent is
//! a small script made here ([`entry_url`]) that defines that `wasm_bindgen` as: import the page's
//! glue (found from its own `import.meta.url`, since Trunk puts a hash in its name) and start it
//! with the wasm Trunk wrote beside it (named explicitly: the glue's built-in default is the name
//! before Trunk's renaming). The glue's start function then runs `main` in the worker.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// The `import.meta` of the wasm-bindgen glue module this code is bound through.
    type ImportMeta;

    #[wasm_bindgen(method, getter)]
    fn url(this: &ImportMeta) -> String;

    #[wasm_bindgen(thread_local_v2, js_namespace = import, js_name = meta)]
    static IMPORT_META: ImportMeta;
}

/// True on the page's thread; false in the worker running this module.
pub fn in_window() -> bool {
    js_sys::global().is_instance_of::<web_sys::Window>()
}

thread_local! {
    static ENTRY_URL: String = make_entry_url();
}

/// The URL of the worker's entry script (made once; the page keeps it for its life, since a
/// sweep starts workers later on).
pub fn entry_url() -> String {
    ENTRY_URL.with(Clone::clone)
}

fn make_entry_url() -> String {
    let glue = IMPORT_META.with(ImportMeta::url);
    let source = js_sys::Array::of1(&entry_source(&glue).into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&source, &options)
        .expect("a blob from a string");
    web_sys::Url::create_object_url_with_blob(&blob).expect("a URL for a blob")
}

/// The wasm Trunk writes beside the glue: `name-HASH.js` -> `name-HASH_bg.wasm`.
fn wasm_url(glue: &str) -> String {
    format!("{}_bg.wasm", glue.strip_suffix(".js").unwrap_or(glue))
}

/// The worker's entry script (see the module's comment). `wasm_bindgen`'s argument, yew-agent's
/// guess at the wasm's path, is not ours to use.
fn entry_source(glue: &str) -> String {
    let quoted = |url: &str| serde_json::to_string(url).expect("a string serialises");
    format!(
        "self.wasm_bindgen = () => import({}).then((glue) => glue.default({{ module_or_path: {} }}));\n",
        quoted(glue),
        quoted(&wasm_url(glue))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn the_entry_starts_the_glue_with_the_wasm_trunk_wrote_beside_it() {
        assert_eq!(
            entry_source("http://127.0.0.1:8080/gossip-web-a2f6155944.js"),
            "self.wasm_bindgen = () => import(\"http://127.0.0.1:8080/gossip-web-a2f6155944.js\")\
             .then((glue) => glue.default({ module_or_path: \
             \"http://127.0.0.1:8080/gossip-web-a2f6155944_bg.wasm\" }));\n"
        );
    }
}
