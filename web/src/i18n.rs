//! The page's two languages, English and Simplified Chinese: every string a reader sees comes
//! from a catalogue of messages, one file per language and part of the page (web/locales/).
//!
//! Why plain `key = value` files compiled in with `include_str!` rather than an i18n crate:
//! the page's messages need only named arguments (no plural rules: Chinese has none, and the
//! English texts are written to avoid them), and every byte of wasm is paid by each reader
//! (the page must stay under 1 MB gzip). `fluent-bundle` parses its files in the browser and
//! brings a parser, `intl-memoizer` and `unic-langid`; `rust-i18n` brings a proc macro and a
//! global store. Measured with `trunk build --release` (wasm-release profile, no wasm-opt):
//! the page's wasm went from 1,801,443 to 1,917,074 bytes (558,934 to 592,760 gzip -9) when
//! every playground string moved here in both languages; about half of that gzip cost is the
//! two catalogues' own text (50 KB, 17 KB gzip). fluent-bundle was not built for comparison.
//! A native test checks that both languages hold the same keys with the same arguments and
//! that every key the code asks for exists.
//!
//! File format (web/locales/*.txt): one message per line, `key = value`; lines starting with
//! `#` and blank lines are skipped; `{name}` in a value is filled by [`tf`]; a key is made of
//! lowercase letters, digits, `.`, `_` and `-`. The tour keeps its own pair of files
//! (tour.en.txt, tour.zh-CN.txt), owned by the tour, whose keys start with `tour.`.
//!
//! Use: in a component, `let lang = use_lang();` (so the component renders again when the
//! reader switches language), then `t(KEY)` or `tf(KEY, &[("name", &value)])` with KEY a string
//! literal (the tests find the keys the code asks for by that shape). Functions
//! outside components call `t`/`tf` too: they read the language of the render in progress.

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt::Display;
use yew::prelude::*;

/// A language of the page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese.
    ZhCn,
}

impl Lang {
    /// Both languages, in the order the switch shows them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    /// The BCP 47 tag, as `<html lang>` and `localStorage` hold it.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// The language's own name, as the switch shows it.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::ZhCn => "中文",
        }
    }

    /// The language a browser tag asks for (`zh`, `zh-CN`, `zh-Hans-SG`, `en-GB`...), if the
    /// page has it. Any Chinese gets Simplified Chinese: closer to the reader than English.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::ZhCn),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// One catalogue file: its name and text.
type Catalogue = (&'static str, &'static str);

/// The catalogues of each language, compiled in. The tour's files are its own.
const ENGLISH: [Catalogue; 2] = [
    ("en.txt", include_str!("../locales/en.txt")),
    ("tour.en.txt", include_str!("../locales/tour.en.txt")),
];
const CHINESE: [Catalogue; 2] = [
    ("zh-CN.txt", include_str!("../locales/zh-CN.txt")),
    ("tour.zh-CN.txt", include_str!("../locales/tour.zh-CN.txt")),
];

fn catalogues(lang: Lang) -> &'static [Catalogue] {
    match lang {
        Lang::En => &ENGLISH,
        Lang::ZhCn => &CHINESE,
    }
}

/// The `(key, value)` lines of a catalogue's text, in order, or the first malformed line.
fn parse(text: &'static str) -> impl Iterator<Item = Result<(&'static str, &'static str), usize>> {
    text.lines().enumerate().filter_map(|(index, line)| {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        Some(match line.split_once(" = ") {
            Some((key, value)) if is_key(key.trim()) => Ok((key.trim(), value.trim())),
            _ => Err(index + 1),
        })
    })
}

/// Whether `key` is a well-formed message key.
fn is_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

/// Every message of a language (a malformed line is skipped here; the tests refuse it).
fn messages(lang: Lang) -> HashMap<&'static str, &'static str> {
    catalogues(lang)
        .iter()
        .flat_map(|(_, text)| parse(text).filter_map(Result::ok))
        .collect()
}

thread_local! {
    static CURRENT: Cell<Lang> = const { Cell::new(Lang::En) };
    static ENGLISH_MESSAGES: HashMap<&'static str, &'static str> = messages(Lang::En);
    static CHINESE_MESSAGES: HashMap<&'static str, &'static str> = messages(Lang::ZhCn);
}

/// The language the page is rendering in now.
pub fn current() -> Lang {
    CURRENT.with(Cell::get)
}

/// Sets the language `t` and `tf` answer in (the provider does it on each render; tests too).
pub fn set_current(lang: Lang) {
    CURRENT.with(|current| current.set(lang));
}

/// The message `key` in `lang`: English where Chinese lacks it, the key itself where both do
/// (visible on the page; the tests fail first).
pub fn t_in(lang: Lang, key: &str) -> &'static str {
    let lookup = |lang| match lang {
        Lang::En => ENGLISH_MESSAGES.with(|messages| messages.get(key).copied()),
        Lang::ZhCn => CHINESE_MESSAGES.with(|messages| messages.get(key).copied()),
    };
    lookup(lang)
        .or_else(|| lookup(Lang::En))
        .unwrap_or_else(|| Box::leak(key.to_owned().into_boxed_str()))
}

/// The message `key` in the current language.
pub fn t(key: &str) -> &'static str {
    t_in(current(), key)
}

/// The message `key` in `lang` with each `{name}` replaced by its argument; a placeholder with
/// no argument stays as written.
pub fn tf_in(lang: Lang, key: &str, args: &[(&str, &dyn Display)]) -> String {
    fill(t_in(lang, key), args)
}

/// The message `key` in the current language, its `{name}` placeholders filled from `args`.
pub fn tf(key: &str, args: &[(&str, &dyn Display)]) -> String {
    tf_in(current(), key, args)
}

/// Replaces each `{name}` in `template` by the argument of that name.
fn fill(template: &str, args: &[(&str, &dyn Display)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}');
        let arg = close.and_then(|close| {
            let name = &after[..close];
            args.iter()
                .find(|(arg, _)| *arg == name)
                .map(|(_, value)| (close, value))
        });
        match arg {
            Some((close, value)) => {
                out.push_str(&value.to_string());
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The message `key` in the current language, if a catalogue has it.
pub fn t_opt(key: &str) -> Option<&'static str> {
    let lookup = |lang| match lang {
        Lang::En => ENGLISH_MESSAGES.with(|messages| messages.get(key).copied()),
        Lang::ZhCn => CHINESE_MESSAGES.with(|messages| messages.get(key).copied()),
    };
    lookup(current()).or_else(|| lookup(Lang::En))
}

/// The messages whose keys start with `prefix`, as pairs of their English text and their text
/// in `lang`, in catalogue order: a vocabulary for words written in English outside the page
/// (gossip-core's message summaries, said with [`gossip_core::reword`]).
pub fn vocabulary(prefix: &str, lang: Lang) -> Vec<(&'static str, &'static str)> {
    catalogues(Lang::En)
        .iter()
        .flat_map(|(_, text)| parse(text).filter_map(Result::ok))
        .filter(|(key, _)| key.starts_with(prefix))
        .map(|(key, english)| (english, t_in(lang, key)))
        .collect()
}

/// `english`, a sentence written by gossip-sim, in the current language: the first of `keys`
/// whose English message, read as a pattern, matches it gives the translation, with the values
/// of its `{name}` placeholders carried over. A sentence no pattern matches stays English.
pub fn from_english(keys: &[&str], english: &str) -> String {
    if current() == Lang::En {
        return english.to_string();
    }
    for key in keys {
        if let Some(values) = match_pattern(t_in(Lang::En, key), english) {
            let values: Vec<(&str, &str)> = values
                .into_iter()
                .map(|(name, value)| (name, enum_value(name, value)))
                .collect();
            let args: Vec<(&str, &dyn Display)> = values
                .iter()
                .map(|(name, value)| (*name, value as &dyn Display))
                .collect();
            return tf(key, &args);
        }
    }
    english.to_string()
}

/// Placeholders whose values are names of a gossip-core enum as its `Debug` writes them
/// (`Rumor`, `AntiEntropy`): said through the catalogue's `value.<snake_case>` where it has one.
const ENUM_PLACEHOLDERS: [&str; 2] = ["via", "reason"];

/// `value` of placeholder `name` in the current language: an enum's name through
/// `value.<snake_case>`, anything else (keys, numbers, peers' words) as it came.
fn enum_value<'a>(name: &str, value: &'a str) -> &'a str {
    if !ENUM_PLACEHOLDERS.contains(&name) {
        return value;
    }
    let mut key = String::from("value.");
    for (index, c) in value.chars().enumerate() {
        if c.is_ascii_uppercase() && index > 0 {
            key.push('_');
        }
        key.push(c.to_ascii_lowercase());
    }
    t_opt(&key).unwrap_or(value)
}

/// The values of `pattern`'s `{name}` placeholders if `text` is the pattern filled in (each
/// value runs up to the literal text that follows its placeholder).
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
        let literal = pattern.find('{').map_or(pattern, |next| &pattern[..next]);
        let end = match literal {
            "" if pattern.is_empty() => text.len(),
            // Two placeholders in a row cannot be told apart.
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

/// The `{name}` placeholders of a message, sorted.
#[cfg(test)]
fn placeholders(value: &str) -> Vec<&str> {
    let mut names: Vec<&str> = value
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// `value` with `decimals` digits after the point and thousands grouped as the language
/// writes them (both languages group by three with a comma: 12,345.6).
pub fn number(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let negative = value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0');
    let sign = if negative { "-" } else { "" };
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{fraction}")
    }
}

/// `items` as a list in the current language: "a, b, c" in English, "a，b，c" in Chinese.
pub fn join(items: &[String]) -> String {
    items.join(match current() {
        Lang::En => ", ",
        Lang::ZhCn => "，",
    })
}

/// A quantity with its unit in the current language: `unit` names a message `unit.<unit>`
/// taking `{n}` (e.g. `seconds`: "12.5 s" / "12.5 秒"); `n` is already formatted.
pub fn with_unit(n: impl Display, unit: &str) -> String {
    tf(&format!("unit.{unit}"), &[("n", &n)])
}

/// What the language context carries: the language and the way to change it.
#[derive(Clone, Debug, PartialEq)]
pub struct LangContext {
    /// The language shown.
    pub lang: Lang,
    /// Changes the language (and remembers the choice in `localStorage`).
    pub set: Callback<Lang>,
}

/// The `localStorage` key of the reader's choice.
const STORAGE_KEY: &str = "gossiplab.lang";

/// The language to start in: the reader's earlier choice, else the browser's languages in
/// order of preference, else English. A share link does not carry a language.
pub fn initial() -> Lang {
    let Some(window) = web_sys::window() else {
        return Lang::En;
    };
    if let Some(lang) = window
        .local_storage()
        .ok()
        .flatten()
        .and_then(|storage| storage.get_item(STORAGE_KEY).ok().flatten())
        .and_then(|tag| Lang::from_tag(&tag))
    {
        return lang;
    }
    let navigator = window.navigator();
    navigator
        .languages()
        .iter()
        .filter_map(|tag| tag.as_string())
        .chain(navigator.language())
        .find_map(|tag| Lang::from_tag(&tag))
        .unwrap_or_default()
}

/// Remembers the choice and marks the document with it (screen readers and fonts use it).
fn remember(lang: Lang) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Some(storage) = window.local_storage().ok().flatten() {
        let _ = storage.set_item(STORAGE_KEY, lang.code());
    }
    if let Some(root) = window.document().and_then(|doc| doc.document_element()) {
        let _ = root.set_attribute("lang", lang.code());
    }
    if let Some(document) = window.document() {
        document.set_title(t_in(lang, "page.title"));
    }
}

/// The props of [`LangProvider`].
#[derive(Properties, PartialEq)]
pub struct LangProviderProps {
    /// The page under it.
    pub children: Html,
}

/// Holds the page's language; everything under it that calls [`use_lang`] renders again when
/// the reader switches.
#[component]
pub fn LangProvider(props: &LangProviderProps) -> Html {
    let lang = use_state(initial);
    set_current(*lang);
    {
        let lang = *lang;
        use_effect_with(lang, move |_| remember(lang));
    }
    let set = {
        let lang = lang.clone();
        Callback::from(move |next: Lang| {
            set_current(next);
            lang.set(next);
        })
    };
    let context = LangContext { lang: *lang, set };
    html! {
        <ContextProvider<LangContext> {context}>
            {props.children.clone()}
        </ContextProvider<LangContext>>
    }
}

/// The language to render in; the calling component renders again on a switch.
#[hook]
pub fn use_lang() -> Lang {
    let lang = use_context::<LangContext>().map_or_else(current, |context| context.lang);
    set_current(lang);
    lang
}

/// English / 中文: the switch, each language named in itself.
#[component]
pub fn LangSwitch() -> Html {
    let context = use_context::<LangContext>();
    let lang = use_lang();
    html! {
        <div class="lang-switch" role="group" aria-label={t("lang.switch")}>
            { for Lang::ALL.into_iter().map(|choice| {
                let context = context.clone();
                let onclick = Callback::from(move |_| {
                    if let Some(context) = &context {
                        context.set.emit(choice);
                    }
                });
                html! {
                    <button id={format!("lang-{}", choice.code())} lang={choice.code()}
                        aria-pressed={(choice == lang).to_string()} {onclick}>{choice.name()}</button>
                }
            }) }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Each language's keys, from every file, refusing malformed lines and duplicates.
    fn keys(lang: Lang) -> BTreeSet<&'static str> {
        let mut keys = BTreeSet::new();
        for (file, text) in catalogues(lang) {
            for line in parse(text) {
                let (key, value) =
                    line.unwrap_or_else(|line| panic!("{file}:{line} is not `key = value`"));
                assert!(!value.is_empty(), "{file}: {key} is empty");
                assert!(keys.insert(key), "{file}: {key} is given twice");
            }
        }
        keys
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn both_languages_have_the_same_keys_and_arguments() {
        let english = keys(Lang::En);
        let chinese = keys(Lang::ZhCn);
        let only_english: Vec<_> = english.difference(&chinese).collect();
        let only_chinese: Vec<_> = chinese.difference(&english).collect();
        assert!(
            only_english.is_empty(),
            "missing in Chinese: {only_english:?}"
        );
        assert!(
            only_chinese.is_empty(),
            "missing in English: {only_chinese:?}"
        );
        for key in &english {
            assert_eq!(
                placeholders(t_in(Lang::En, key)),
                placeholders(t_in(Lang::ZhCn, key)),
                "{key} takes different arguments in the two languages"
            );
        }
    }

    /// The keys the code asks for with `t`, `tf`, `t_in` or `tf_in` and a string literal, in
    /// every source file of the page.
    #[cfg(not(target_arch = "wasm32"))]
    fn keys_used_in(
        dir: &std::path::Path,
        namespaces: &BTreeSet<&str>,
        found: &mut Vec<(String, String)>,
    ) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                keys_used_in(&path, namespaces, found);
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "rs") {
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            for (at, _) in source.match_indices('(') {
                let before = &source[..at];
                let name_start = before
                    .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .map_or(0, |i| i + 1);
                let name = &before[name_start..];
                let after = &source[at + 1..];
                let quoted = match name {
                    "t" | "tf" => after.trim_start().strip_prefix('"'),
                    "t_in" | "tf_in" => after
                        .split_once(',')
                        .and_then(|(_, rest)| rest.trim_start().strip_prefix('"')),
                    _ => None,
                };
                if let Some(key) = quoted
                    .and_then(|rest| rest.split_once('"'))
                    .map(|(key, _)| key)
                {
                    found.push((path.display().to_string(), key.to_string()));
                }
            }
            // Keys kept in tables (`("ring", "form.topology.ring")`): any literal that reads as
            // a key of one of the catalogues' namespaces.
            for literal in source.split('"').skip(1).step_by(2) {
                let segments: Vec<&str> = literal.split('.').collect();
                let file_name = matches!(segments.last(), Some(&("txt" | "rs" | "json" | "csv")));
                if segments.len() > 1
                    && !segments.contains(&"")
                    && !file_name
                    && is_key(literal)
                    && namespaces.contains(segments[0])
                {
                    found.push((path.display().to_string(), literal.to_string()));
                }
            }
        }
    }

    // Native only: it reads the page's sources from disk, which a wasm32 test cannot.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn every_key_the_code_asks_for_is_in_the_catalogues() {
        let english = keys(Lang::En);
        let namespaces = english
            .iter()
            .filter_map(|key| key.split('.').next())
            .collect();
        let mut used = Vec::new();
        keys_used_in(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &namespaces,
            &mut used,
        );
        assert!(used.len() > 10, "the scan found only {used:?}");
        let missing: Vec<_> = used
            .iter()
            .filter(|(_, key)| !english.contains(key.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "keys used but not in the catalogues: {missing:?}"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn named_arguments_are_filled_in_either_language() {
        assert_eq!(
            fill(
                "{a} of {b}, {a} again, {c} kept, {{",
                &[("a", &1), ("b", &"two")]
            ),
            "1 of two, 1 again, {c} kept, {{"
        );
        assert_eq!(
            tf_in(Lang::En, "unit.seconds", &[("n", &number(1234.5, 1))]),
            "1,234.5 s"
        );
        assert_eq!(
            tf_in(Lang::ZhCn, "unit.seconds", &[("n", &number(1234.5, 1))]),
            "1,234.5 秒"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn patterns_give_back_their_values() {
        assert_eq!(
            match_pattern(
                "must be between {min} and {max}, got {value}",
                "must be between 0 and 1, got 1.5"
            ),
            Some(vec![("min", "0"), ("max", "1"), ("value", "1.5")])
        );
        assert_eq!(
            match_pattern("must be at least {min}", "must be at least 2"),
            Some(vec![("min", "2")])
        );
        assert_eq!(
            match_pattern("must be at least {min}", "must be positive"),
            None
        );
        assert_eq!(
            match_pattern("must be positive", "must be positive"),
            Some(vec![])
        );
        assert_eq!(match_pattern("{a}{b}", "xy"), None);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_mechanism_named_by_gossip_core_is_said_in_the_reader_s_language() {
        set_current(Lang::ZhCn);
        let said = from_english(
            &["event.learned"],
            "peer 5 has colour version 1 (via AntiEntropy), 517 ms after the write",
        );
        let key_kept = from_english(
            &["event.updated"],
            "updated Rumor = blue (origin 4, version 1, via Local)",
        );
        set_current(Lang::En);
        assert!(
            said.contains("反熵") && !said.contains("AntiEntropy"),
            "{said}"
        );
        // A key that happens to read as a mechanism's name stays as written.
        assert!(
            key_kept.contains("Rumor") && key_kept.contains("本地"),
            "{key_kept}"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(number(0.0, 0), "0");
        assert_eq!(number(999.0, 0), "999");
        assert_eq!(number(1000.0, 0), "1,000");
        assert_eq!(number(-1_234_567.891, 2), "-1,234,567.89");
        assert_eq!(number(-0.001, 1), "0.0");
        assert_eq!(number(12.25, 1), "12.2");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn browser_tags_pick_a_language() {
        assert_eq!(Lang::from_tag("zh-CN"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_tag("zh-Hans-SG"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_tag("zh_TW"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_tag("en-GB"), Some(Lang::En));
        assert_eq!(Lang::from_tag("fr"), None);
        assert_eq!(Lang::from_tag(""), None);
        for lang in Lang::ALL {
            assert_eq!(Lang::from_tag(lang.code()), Some(lang));
        }
    }
}
