//! The guided tour ("Learn"): chapters in the order of the articles GossipLab was built from, each
//! with a few sentences, an experiment that runs on the page's graph, the knobs that matter
//! highlighted in the form, a question the reader answers by experiment, and the answer with the
//! reader's own figure next to theory's. The page owns the run (the tour asks for scenarios
//! through callbacks); the tour owns its words (web/locales/tour.*.txt), its links
//! (`#learn=<id>`) and the reader's progress (`localStorage`).

pub mod chapters;
pub mod link;
pub mod progress;

use gossip_sim::scenario::{Scenario, Summary};
use gossip_worker::SimOutput;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::i18n::{t, tf, use_lang};
use chapters::{CHAPTERS, Finding};
use progress::Progress;

/// The figures of a finished run, with its scenario (`None` for a run still going or failed).
pub fn summary_of(output: &SimOutput) -> Option<(&Scenario, Summary)> {
    match output {
        SimOutput::Done {
            scenario, report, ..
        } => Some((scenario, Summary::Rumor(report.summary))),
        SimOutput::ClusterDone {
            scenario, report, ..
        } => Some((scenario, Summary::Cluster(report.summary()))),
        SimOutput::SystemDone {
            scenario, report, ..
        } => Some((scenario, Summary::System(report.summary))),
        _ => None,
    }
}

/// The props of [`TourPanel`].
#[derive(Properties, PartialEq)]
pub struct TourProps {
    /// The chapter open (`None`: the tour's table of contents alone).
    pub chapter: Option<usize>,
    /// The scenario on the page.
    pub scenario: Scenario,
    /// Its figures once its run is done.
    pub finished: Option<Summary>,
    /// Opens a chapter and runs its experiment.
    pub on_open: Callback<usize>,
    /// Runs a scenario in the chapter (its experiment again).
    pub on_run: Callback<Scenario>,
    /// Pins the run on the page and runs this one beside it.
    pub on_compare: Callback<Scenario>,
}

/// Moves the keyboard focus to the element `id` (a knob of the form, a chapter's title).
fn focus(id: &str) {
    if let Some(element) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id(id))
        .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = element.focus();
    }
}

/// CSS that marks the chapter's knobs in the form (a generated rule, so the form needs no
/// knowledge of the tour).
fn highlight_rule(knobs: &[&str]) -> String {
    if knobs.is_empty() {
        return String::new();
    }
    let selectors: Vec<String> = knobs
        .iter()
        .map(|id| format!("#controls label:has(#{id})"))
        .collect();
    format!(
        "{} {{ outline: 3px solid var(--infective); outline-offset: 3px; background: var(--highlight); border-radius: 6px; }}",
        selectors.join(", ")
    )
}

/// The answer's sentence from a finding.
fn answer_text(finding: &Finding) -> String {
    let args: Vec<(&str, &dyn std::fmt::Display)> = finding
        .args
        .iter()
        .map(|(name, value)| (*name, value as &dyn std::fmt::Display))
        .collect();
    tf(finding.key, &args)
}

/// The Learn panel: the table of contents, the open chapter, its question and answer.
#[component]
pub fn TourPanel(props: &TourProps) -> Html {
    let _lang = use_lang();
    let progress = use_state(Progress::load);
    let revealed = use_state(|| false);
    // Set when the reader moves to a chapter (not when a link opens the page), so that the focus
    // follows them to its title once it is drawn.
    let focus_title = use_mut_ref(|| false);
    {
        // A new chapter starts with its answer hidden, and is remembered as the last one open.
        let revealed = revealed.clone();
        let progress = progress.clone();
        let focus_title = focus_title.clone();
        use_effect_with(props.chapter, move |chapter| {
            revealed.set(false);
            if std::mem::take(&mut *focus_title.borrow_mut()) {
                focus("chapter-title");
            }
            if let Some(chapter) = chapter.and_then(|index| CHAPTERS.get(index)) {
                let mut next = (*progress).clone();
                next.last = Some(chapter.id.to_string());
                next.save();
                progress.set(next);
            }
        });
    }
    let chapter = props.chapter.and_then(|index| CHAPTERS.get(index));
    let finding = chapter.and_then(|chapter| {
        let finished = props.finished.as_ref()?;
        (chapter.answer)(&props.scenario, finished)
    });
    {
        // A chapter whose experiment finished counts as run, and as answered once its answer
        // shows (the reader may reveal it before the run is done). One effect, so that both
        // marks land in the same copy of the progress.
        let progress = progress.clone();
        let done = chapter
            .filter(|_| finding.is_some())
            .map(|c| (c.id, *revealed));
        use_effect_with(done, move |done| {
            if let Some((id, revealed)) = *done {
                let mut next = (*progress).clone();
                next.ran.insert(id.to_string());
                if revealed {
                    next.answered.insert(id.to_string());
                }
                if next != *progress {
                    next.save();
                    progress.set(next);
                }
            }
        });
    }
    let total = CHAPTERS.len();
    let answered = CHAPTERS
        .iter()
        .filter(|c| progress.answered.contains(c.id))
        .count();
    // Opens a chapter at the reader's request.
    let open = {
        let on_open = props.on_open.clone();
        let focus_title = focus_title.clone();
        Callback::from(move |index: usize| {
            *focus_title.borrow_mut() = true;
            on_open.emit(index);
        })
    };
    let contents = html! {
        <nav class="tour-contents" aria-label={t("tour.contents")}>
            <details open={chapter.is_none()}>
                <summary>{tf("tour.progress", &[("answered", &answered), ("total", &total)])}</summary>
                <ol>
                    { for CHAPTERS.iter().enumerate().map(|(index, entry)| {
                        let open = open.clone();
                        let onclick = Callback::from(move |event: MouseEvent| {
                            event.prevent_default();
                            open.emit(index);
                        });
                        let current = props.chapter == Some(index);
                        let state = if progress.answered.contains(entry.id) {
                            Some(("done", t("tour.state.answered")))
                        } else if progress.ran.contains(entry.id) {
                            Some(("ran", t("tour.state.ran")))
                        } else {
                            None
                        };
                        html! {
                            <li class={classes!(state.map(|s| s.0))}>
                                <a href={link::chapter_href(index)} {onclick}
                                    aria-current={current.then_some("step")}>{t(&entry.key("title"))}</a>
                                if let Some((_, label)) = state {
                                    <span class="chapter-state">{format!(" ({label})")}</span>
                                }
                            </li>
                        }
                    }) }
                </ol>
            </details>
        </nav>
    };
    let Some(chapter) = chapter else {
        let open = open.clone();
        let start = progress
            .last
            .as_deref()
            .and_then(chapters::index_of)
            .unwrap_or(0);
        return html! {
            <section id="tour" class="tour" aria-labelledby="tour-title">
                <h2 id="tour-title">{t("tour.heading")}</h2>
                <p>{t("tour.intro")}</p>
                <button id="tour-start" class="primary" onclick={Callback::from(move |_| open.emit(start))}>
                    {if start == 0 { t("tour.start").to_string() } else { tf("tour.resume", &[("title", &t(&CHAPTERS[start].key("title")))]) }}
                </button>
                {contents}
            </section>
        };
    };
    let index = props.chapter.unwrap_or(0);
    let run = {
        let on_run = props.on_run.clone();
        let scenario = chapter.scenario();
        Callback::from(move |_| on_run.emit(scenario.clone()))
    };
    let compare = {
        let on_compare = props.on_compare.clone();
        let variant = chapter.variant_of(&props.scenario);
        Callback::from(move |_| on_compare.emit(variant.clone()))
    };
    let reveal = {
        let revealed = revealed.clone();
        Callback::from(move |_| revealed.set(!*revealed))
    };
    let go = |to: Option<usize>| {
        let open = open.clone();
        Callback::from(move |_| {
            if let Some(to) = to {
                open.emit(to);
            }
        })
    };
    let previous = index.checked_sub(1);
    let next = (index + 1 < CHAPTERS.len()).then_some(index + 1);
    html! {
        <section id="tour" class="tour" aria-labelledby="tour-title">
            <h2 id="tour-title">{t("tour.heading")}</h2>
            {contents}
            <style>{highlight_rule(chapter.knobs)}</style>
            <article id="chapter" class="chapter" data-chapter={chapter.id} aria-labelledby="chapter-title">
                <h3 id="chapter-title" tabindex="-1">
                    {tf("tour.chapter_number", &[("n", &(index + 1)), ("total", &CHAPTERS.len())])}
                    <br />{t(&chapter.key("title"))}
                </h3>
                <p class="chapter-body">{t(&chapter.key("body"))}</p>
                <p class="chapter-knobs">
                    {t("tour.knobs")}{" "}
                    { for chapter.knobs.iter().map(|knob| {
                        let knob = *knob;
                        html! {
                            <button class="knob-link" onclick={Callback::from(move |_| focus(knob))}>
                                <span class="visually-hidden">{t("tour.go_to_knob")}{" "}</span>{t(&format!("tour.knob.{knob}"))}
                            </button>
                        }
                    }) }
                </p>
                <div class="chapter-actions">
                    <button id="tour-run" class="primary" onclick={run}>{t("tour.run")}</button>
                    <button id="tour-compare" onclick={compare}>{t(&chapter.key("variant"))}</button>
                </div>
                <h4 id="question-title">{t("tour.question")}</h4>
                <p id="tour-question">{t(&chapter.key("question"))}</p>
                <button id="tour-reveal" aria-expanded={revealed.to_string()} aria-controls="tour-answer" onclick={reveal}>
                    {if *revealed { t("tour.hide") } else { t("tour.reveal") }}
                </button>
                <div id="tour-answer" aria-live="polite">
                    if *revealed {
                        { match &finding {
                            Some(finding) => html! { <p class="answer">{answer_text(finding)}</p> },
                            None => html! { <p class="answer pending">{t("tour.run_first")}</p> },
                        } }
                    }
                </div>
                <div class="chapter-nav">
                    <button id="tour-previous" disabled={previous.is_none()} onclick={go(previous)}>{t("tour.previous")}</button>
                    <button id="tour-next" disabled={next.is_none()} onclick={go(next)}>{t("tour.next")}</button>
                </div>
            </article>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, set_current, t_in};
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Every message a chapter asks for, in both languages (the catalogue test checks that both
    /// hold the same keys; this one that the tour's keys, built from ids, are among them).
    #[wasm_bindgen_test(unsupported = test)]
    fn every_chapter_has_its_words_in_both_languages() {
        for lang in [Lang::En, Lang::ZhCn] {
            for chapter in CHAPTERS {
                for part in ["title", "body", "question", "answer", "variant"] {
                    let key = chapter.key(part);
                    assert_ne!(t_in(lang, &key), key, "{key} missing in {lang:?}");
                }
                for knob in chapter.knobs {
                    let key = format!("tour.knob.{knob}");
                    assert_ne!(t_in(lang, &key), key, "{key} missing in {lang:?}");
                }
            }
        }
    }

    /// The reader's figure against theory's for each chapter's own experiment (its preset's
    /// seed). Calibration on these seeds, not validation (gossip-sim's tests validate the
    /// engines over many seeds): the bounds say what the chapter's text claims of the figure.
    fn check_against_theory(id: &str, finding: &Finding) {
        let yours = finding
            .yours
            .unwrap_or_else(|| panic!("{id}: the experiment has no figure"));
        let theory = finding.theory;
        let holds = match id {
            // Rounds: within a few rounds of the estimate.
            "why-gossip" | "anti-entropy" | "log-n" => (yours - theory).abs() <= 3.0,
            // Bounds the text states: no run beats log_(f+1) n, Redis never marks FAIL before
            // the node timeout, the ring reaches everyone within its hops (plus delays).
            "fanout" | "redis" => yours >= theory,
            "hamiltonian" => yours <= theory + 500.0,
            // Keys and values alone: the run's bytes are the same order, a little more.
            "digests" => yours >= 0.9 * theory && yours <= 1.5 * theory,
            // phi's silence to conviction, within the spread of heartbeat intervals.
            "cassandra" => (yours / theory - 1.0).abs() < 0.3,
            "residue" => yours <= 2.0 * theory && yours >= 0.5 * theory,
            // One crash is one geometric draw of mean 1.56 periods.
            "swim" => (1.0..=6.0).contains(&yours),
            // More mails given up than if only the losses counted (the queue of 2 overflows).
            "direct-mail" => yours >= theory,
            "lifeguard" => yours >= 1.0,
            _ => panic!("{id}: no check"),
        };
        assert!(holds, "{id}: yours {yours} against theory {theory}");
    }

    /// Every chapter's experiment runs (as the worker runs it) and its question is answered
    /// from the run, with every argument of the answer filled, in both languages.
    #[wasm_bindgen_test(unsupported = test)]
    fn every_chapter_s_experiment_answers_its_question() {
        for chapter in CHAPTERS {
            let scenario = chapter.scenario();
            let output =
                gossip_worker::handle(gossip_worker::SimRequest::Run(scenario.clone())).unwrap();
            let (ran, summary) = summary_of(&output).unwrap();
            assert_eq!(ran, &scenario);
            for lang in [Lang::En, Lang::ZhCn] {
                set_current(lang);
                let finding = (chapter.answer)(&scenario, &summary)
                    .unwrap_or_else(|| panic!("{}: no answer", chapter.id));
                assert!(finding.theory.is_finite(), "{}", chapter.id);
                let text = answer_text(&finding);
                assert!(
                    !text.contains('{') && !text.contains("tour."),
                    "{}: {text}",
                    chapter.id
                );
                println!("{} ({lang:?}): {text}", chapter.id);
                check_against_theory(chapter.id, &finding);
            }
            set_current(Lang::En);
            // The compare button's run is answered too (the chapter's answer follows the run on
            // screen).
            let variant = chapter.variant_of(&scenario);
            let output =
                gossip_worker::handle(gossip_worker::SimRequest::Run(variant.clone())).unwrap();
            let (_, summary) = summary_of(&output).unwrap();
            let finding = (chapter.answer)(&variant, &summary)
                .unwrap_or_else(|| panic!("{}: no answer for its variant", chapter.id));
            let text = answer_text(&finding);
            assert!(
                !text.contains('{') && !text.contains("tour."),
                "{}: {text}",
                chapter.id
            );
            println!("{} variant: {text}", chapter.id);
        }
    }
}
