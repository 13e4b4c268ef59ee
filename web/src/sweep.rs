//! The sweep panel: one setting of the playground's scenario varied over a range of values, many
//! seeds per value, the runs spread over several Web Workers (never the page's thread); the means
//! plotted with error bars, and the table downloaded as CSV or JSON.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::ops::Range;
use std::rc::Rc;

use futures::StreamExt;
use gossip_sim::budget::{self, Exceeded, Limits};
use gossip_sim::error::SimError;
use gossip_sim::scenario::{Scenario, Summary};
use gossip_sim::sweep::{Knob, Spacing, Sweep, SweepTable, steps};
use gossip_worker::{JsonCodec, SimOutput, SimReactor, SimRequest};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;
use yew_agent::Spawnable;

use crate::chart::{ErrorBar, ErrorBarChart, value_label};
use crate::download::download_text;
use crate::error_text;
use crate::i18n::{Lang, current, t, tf, use_lang};
use crate::refusal;
use crate::system_view::figure_label;

/// Where a sweep stands.
#[derive(Clone, Debug, PartialEq)]
enum Status {
    Running,
    Done,
    Cancelled,
    Failed(String),
}

/// A sweep under way: its runs in order (value by value, seed by seed), the batches no worker
/// has taken yet, and the summaries that came back. Pure bookkeeping, tested natively.
struct Job {
    sweep: Sweep,
    runs: Vec<Scenario>,
    pending: VecDeque<Range<usize>>,
    summaries: Vec<Option<Summary>>,
    finished: usize,
    status: Status,
    workers: usize,
    /// When it started and how long it took, in milliseconds (set by the page).
    started: f64,
    took: Option<f64>,
}

/// Batches of consecutive runs: a few per worker so the load evens out, at most 8 runs each so
/// a cancel waits for little.
fn batches(runs: usize, workers: usize) -> Vec<Range<usize>> {
    let size = (runs / (workers.max(1) * 4)).clamp(1, 8);
    (0..runs)
        .step_by(size)
        .map(|start| start..(start + size).min(runs))
        .collect()
}

impl Job {
    fn new(sweep: Sweep, workers: usize, started: f64) -> Job {
        let runs: Vec<Scenario> = sweep
            .points()
            .into_iter()
            .flat_map(|(_, scenarios)| scenarios)
            .collect();
        let pending: VecDeque<_> = batches(runs.len(), workers).into();
        Job {
            summaries: vec![None; runs.len()],
            workers: workers.min(pending.len()).max(1),
            pending,
            runs,
            finished: 0,
            status: Status::Running,
            sweep,
            started,
            took: None,
        }
    }

    /// The next batch for a free worker, with its id (its first run's index); none once all are
    /// handed out or the sweep has stopped.
    fn next_batch(&mut self) -> Option<(u64, Vec<Scenario>)> {
        if self.status != Status::Running {
            return None;
        }
        let range = self.pending.pop_front()?;
        Some((range.start as u64, self.runs[range].to_vec()))
    }

    /// A worker's answer for the batch `id`.
    fn record(&mut self, id: u64, results: Vec<Result<Summary, String>>) {
        if self.status != Status::Running {
            return;
        }
        for (offset, result) in results.into_iter().enumerate() {
            let index = id as usize + offset;
            let Some(slot) = self.summaries.get_mut(index) else {
                continue;
            };
            match result {
                Ok(summary) => {
                    if slot.replace(summary).is_none() {
                        self.finished += 1;
                    }
                }
                Err(error) => {
                    let seeds = self.sweep.seeds_per_point as usize;
                    self.fail(tf(
                        "sweep.failed_at",
                        &[
                            ("knob", &self.sweep.knob.name()),
                            ("value", &self.sweep.values[index / seeds]),
                            ("seed", &self.runs[index].seed),
                            ("error", &error),
                        ],
                    ));
                    return;
                }
            }
        }
        if self.finished == self.runs.len() {
            self.status = Status::Done;
        }
    }

    fn fail(&mut self, reason: String) {
        if self.status == Status::Running {
            self.status = Status::Failed(reason);
            self.pending.clear();
        }
    }

    fn cancel(&mut self) {
        if self.status == Status::Running {
            self.status = Status::Cancelled;
            self.pending.clear();
        }
    }

    /// Per value, its summaries if every seed has answered, else none.
    fn complete_points(&self) -> Vec<Vec<Summary>> {
        self.summaries
            .chunks(self.sweep.seeds_per_point as usize)
            .map(|point| point.iter().copied().collect::<Option<Vec<_>>>())
            .map(Option::unwrap_or_default)
            .collect()
    }

    fn points_done(&self) -> usize {
        self.complete_points()
            .iter()
            .filter(|runs| !runs.is_empty())
            .count()
    }

    /// The table of the values finished so far.
    fn table(&self) -> SweepTable {
        self.sweep.table(&self.complete_points())
    }
}

/// Starts one worker on `job`: it takes batches until none are left, then closes (the bridge is
/// dropped). A cancelled job's worker finishes its batch first, and its answer is ignored.
fn start_worker(job: Rc<RefCell<Job>>, notify: UseForceUpdateHandle) {
    let mut bridge = SimReactor::spawner()
        .encoding::<JsonCodec>()
        .spawn(&crate::worker_start::entry_url());
    yew::platform::spawn_local(async move {
        loop {
            let Some((id, scenarios)) = job.borrow_mut().next_batch() else {
                break;
            };
            bridge.send_input(SimRequest::Summaries { id, scenarios });
            match bridge.next().await {
                Some(SimOutput::Summaries { id, summaries }) => {
                    let mut job = job.borrow_mut();
                    job.record(id, summaries);
                    if job.status == Status::Done && job.took.is_none() {
                        job.took = Some(js_sys::Date::now() - job.started);
                    }
                }
                _ => job.borrow_mut().fail(t("sweep.worker_lost").into()),
            }
            notify.force_update();
        }
    });
}

/// Workers for a sweep: one per core the browser reports (`navigator.hardwareConcurrency`),
/// at least one. Each worker has its own wasm memory, so each run is checked against one
/// worker's share ([`too_large`]), whatever the count.
fn worker_count() -> usize {
    web_sys::window()
        .map_or(1.0, |window| window.navigator().hardware_concurrency())
        .max(1.0) as usize
}

/// The first value of `sweep` whose run would not fit a fresh worker's memory, with the
/// estimate and the limit ([`gossip_sim::budget`]); the form refuses the sweep before it starts.
fn too_large(sweep: &Sweep) -> Option<Exceeded> {
    sweep.values.iter().find_map(|&value| {
        let scenario = sweep.knob.apply(&sweep.base, value);
        match budget::check_scenario(&scenario, &Limits::wasm_worker(0)) {
            Err(SimError::TooLarge(exceeded)) => Some(exceeded),
            _ => None,
        }
    })
}

/// The sweep form as typed: text until it parses.
#[derive(Clone, Debug, PartialEq)]
struct Form {
    knob: Knob,
    from: String,
    to: String,
    step: String,
    spacing: Spacing,
    seeds: String,
}

impl Form {
    /// Each knob's usual range: fanout 1 to 6, loss 0 to 50%, 10 to 100,000 nodes.
    fn for_knob(knob: Knob, seeds: String) -> Form {
        let (from, to, step, spacing) = match knob {
            Knob::Fanout => ("1", "6", "1", Spacing::Linear),
            Knob::LossPercent => ("0", "50", "10", Spacing::Linear),
            Knob::Nodes => ("10", "100000", "10", Spacing::Geometric),
        };
        Form {
            knob,
            from: from.into(),
            to: to.into(),
            step: step.into(),
            spacing,
            seeds,
        }
    }

    /// The sweep this form describes on `base`, checked.
    fn sweep(&self, base: &Scenario) -> Result<Sweep, String> {
        let number = |field: &str, text: &str| {
            text.trim()
                .parse::<f64>()
                .map_err(|_| tf("sweep.error.number", &[("field", &field), ("text", &text)]))
        };
        let values = steps(
            number(t("sweep.from"), &self.from)?,
            number(t("sweep.to"), &self.to)?,
            number(t("sweep.step"), &self.step)?,
            self.spacing,
        )
        .map_err(|error| error_text::sim(&error))?;
        let seeds_per_point = self
            .seeds
            .trim()
            .parse()
            .map_err(|_| tf("sweep.error.seeds", &[("text", &self.seeds)]))?;
        let sweep = Sweep {
            base: base.clone(),
            knob: self.knob,
            values,
            seeds_per_point,
        };
        sweep.validate().map_err(|error| error_text::sim(&error))?;
        Ok(sweep)
    }
}

fn knob_label(knob: Knob) -> &'static str {
    match knob {
        Knob::Fanout => t("sweep.knob.fanout"),
        Knob::LossPercent => t("sweep.knob.loss"),
        Knob::Nodes => t("sweep.knob.nodes"),
    }
}

/// A figure's name as the sweep shows it: in English the name in words (`mean_delay` as
/// "mean delay"), in Chinese the figure's name from the catalogue.
fn metric_label(name: &str) -> String {
    match current() {
        Lang::En => name.replace('_', " "),
        Lang::ZhCn => figure_label(name),
    }
}

/// A figure with four significant digits (whole numbers from 1,000 on).
fn figure(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return value.to_string();
    }
    let decimals = (3.0 - value.abs().log10().floor()).clamp(0.0, 6.0) as usize;
    format!("{value:.decimals$}")
}

#[derive(Properties, PartialEq)]
pub struct SweepPanelProps {
    /// The scenario every value starts from: the playground's current one.
    pub base: Scenario,
}

#[component]
pub fn SweepPanel(props: &SweepPanelProps) -> Html {
    let _lang = use_lang();
    let default_knob = if props.base.rumor_config().is_some() {
        Knob::Fanout
    } else {
        Knob::LossPercent
    };
    // Read synchronously by "Run sweep", like the scenario form's draft.
    let form = use_mut_ref(|| Form::for_knob(default_knob, "10".into()));
    let job = use_mut_ref(|| None::<Rc<RefCell<Job>>>);
    let metric = use_state(|| None::<String>);
    let rerender = use_force_update();
    {
        // Leaving the page's view stops the sweep.
        let job = job.clone();
        use_effect_with((), move |_| {
            move || {
                if let Some(job) = job.borrow().as_ref() {
                    job.borrow_mut().cancel();
                }
            }
        })
    }
    let edit = |apply: fn(&mut Form, String)| {
        let form = form.clone();
        let rerender = rerender.clone();
        move |value: String| {
            apply(&mut form.borrow_mut(), value);
            rerender.force_update();
        }
    };
    let on_input = |apply: fn(&mut Form, String)| {
        let edit = edit(apply);
        Callback::from(move |event: InputEvent| {
            edit(event.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let on_select = |apply: fn(&mut Form, String)| {
        let edit = edit(apply);
        Callback::from(move |event: Event| {
            edit(event.target_unchecked_into::<HtmlSelectElement>().value())
        })
    };
    let current = form.borrow().clone();
    let planned = current.sweep(&props.base);
    let refused = planned.as_ref().ok().and_then(too_large);
    let running = job
        .borrow()
        .as_ref()
        .is_some_and(|job| job.borrow().status == Status::Running);
    let run = {
        let form = form.clone();
        let job = job.clone();
        let rerender = rerender.clone();
        let base = props.base.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let Ok(sweep) = form.borrow().sweep(&base) else {
                return;
            };
            if too_large(&sweep).is_some() {
                return;
            }
            if let Some(old) = job.borrow().as_ref() {
                old.borrow_mut().cancel();
            }
            let next = Rc::new(RefCell::new(Job::new(
                sweep,
                worker_count(),
                js_sys::Date::now(),
            )));
            for _ in 0..next.borrow().workers {
                start_worker(next.clone(), rerender.clone());
            }
            *job.borrow_mut() = Some(next);
            rerender.force_update();
        })
    };
    let cancel = {
        let job = job.clone();
        let rerender = rerender.clone();
        Callback::from(move |_| {
            if let Some(job) = job.borrow().as_ref() {
                job.borrow_mut().cancel();
            }
            rerender.force_update();
        })
    };
    let plan = match (&planned, &refused) {
        (Ok(_), Some(exceeded)) => html! {
            <div id="sweep-plan" class="error" role="alert"><refusal::TooLarge exceeded={*exceeded} /></div>
        },
        (Ok(sweep), None) => html! {
            <p id="sweep-plan" class="note">
                {tf("sweep.plan", &[
                    ("values", &sweep.values.iter().map(|v| value_label(*v)).collect::<Vec<_>>().join(", ")),
                    ("seeds", &sweep.seeds_per_point), ("first", &sweep.base.seed),
                    ("last", &(sweep.base.seed + u64::from(sweep.seeds_per_point) - 1)), ("runs", &sweep.runs())])}
            </p>
        },
        (Err(problem), _) => html! { <p id="sweep-plan" class="error" role="alert">{problem}</p> },
    };
    let results = job
        .borrow()
        .as_ref()
        .map(|job| results(&job.borrow(), &metric));
    html! {
        <section id="sweep" class="panel" aria-labelledby="sweep-title">
            <h2 id="sweep-title">{t("sweep.title")}</h2>
            <p class="explanation">
                {t("sweep.explanation")}
            </p>
            <form id="sweep-form" class="controls" onsubmit={run}>
                <label>{t("sweep.vary")}
                    <select id="sweep-knob" onchange={on_select(|form, value| {
                        let knob = match value.as_str() {
                            "loss_percent" => Knob::LossPercent,
                            "nodes" => Knob::Nodes,
                            _ => Knob::Fanout,
                        };
                        *form = Form::for_knob(knob, form.seeds.clone());
                    })}>
                        { for Knob::ALL.iter().map(|knob| html! {
                            <option value={knob.name()} selected={*knob == current.knob}>{knob_label(*knob)}</option>
                        }) }
                    </select>
                </label>
                <label>{t("sweep.from_label")}
                    <input id="sweep-from" type="number" step="any" value={current.from.clone()}
                        oninput={on_input(|form, value| form.from = value)} />
                </label>
                <label>{t("sweep.to_label")}
                    <input id="sweep-to" type="number" step="any" value={current.to.clone()}
                        oninput={on_input(|form, value| form.to = value)} />
                </label>
                <label>{t("sweep.step_label")}
                    <input id="sweep-step" type="number" step="any" value={current.step.clone()}
                        oninput={on_input(|form, value| form.step = value)} />
                </label>
                <label>{t("sweep.spacing")}
                    <select id="sweep-spacing" onchange={on_select(|form, value| {
                        form.spacing = if value == "geometric" { Spacing::Geometric } else { Spacing::Linear };
                    })}>
                        <option value="linear" selected={current.spacing == Spacing::Linear}>{t("sweep.spacing.linear")}</option>
                        <option value="geometric" selected={current.spacing == Spacing::Geometric}>{t("sweep.spacing.geometric")}</option>
                    </select>
                </label>
                <label>{t("sweep.seeds")}
                    <input id="sweep-seeds" type="number" min="1" value={current.seeds.clone()}
                        oninput={on_input(|form, value| form.seeds = value)} />
                </label>
                <button id="sweep-run" type="submit" disabled={planned.is_err() || refused.is_some() || running}>{t("sweep.run")}</button>
                <button id="sweep-cancel" type="button" disabled={!running} onclick={cancel}>{t("sweep.cancel")}</button>
                {plan}
            </form>
            {results.unwrap_or_default()}
        </section>
    }
}

/// Progress, chart, table and downloads of a sweep.
fn results(job: &Job, metric: &UseStateHandle<Option<String>>) -> Html {
    let total = job.sweep.values.len();
    let done = job.points_done();
    let (status, class) = match &job.status {
        Status::Running => (
            tf(
                "sweep.status.running",
                &[
                    ("done", &done),
                    ("total", &total),
                    ("finished", &job.finished),
                    ("runs", &job.runs.len()),
                    ("workers", &job.workers),
                ],
            ),
            "pending",
        ),
        Status::Done => (
            tf(
                "sweep.status.done",
                &[
                    ("total", &total),
                    ("runs", &job.runs.len()),
                    ("workers", &job.workers),
                    (
                        "seconds",
                        &format!("{:.1}", job.took.unwrap_or_default() / 1_000.0),
                    ),
                ],
            ),
            "done",
        ),
        Status::Cancelled => (
            tf(
                "sweep.status.cancelled",
                &[("done", &done), ("total", &total)],
            ),
            "note",
        ),
        Status::Failed(reason) => (tf("sweep.status.failed", &[("reason", reason)]), "error"),
    };
    let table = job.table();
    let chosen = metric
        .as_deref()
        .and_then(|name| table.metrics.iter().find(|m| **m == name))
        .or_else(|| table.metrics.iter().find(|m| **m == "residue"))
        .or(table.metrics.first())
        .copied();
    let knob = knob_label(table.knob);
    let chart = chosen.map(|name| {
        let series = table.series(name);
        let bars: Vec<ErrorBar> = series
            .iter()
            .map(|(value, a)| ErrorBar {
                x: *value,
                mean: a.mean,
                sd: a.sd,
                label: tf(
                    "sweep.bar",
                    &[
                        ("knob", &knob),
                        ("value", &value_label(*value)),
                        ("metric", &metric_label(name)),
                        ("mean", &figure(a.mean)),
                        ("sd", &figure(a.sd)),
                        ("runs", &a.count),
                    ],
                ),
            })
            .collect();
        let values: Vec<f64> = bars.iter().map(|bar| bar.x).collect();
        let (low, high) = values
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        let log_x = low > 0.0 && high / low >= 100.0;
        let y_floor = series.iter().all(|(_, a)| a.min >= 0.0).then_some(0.0);
        let on_metric = {
            let metric = metric.clone();
            Callback::from(move |event: Event| {
                metric.set(Some(
                    event.target_unchecked_into::<HtmlSelectElement>().value(),
                ))
            })
        };
        let csv = {
            let text = table.to_csv();
            Callback::from(move |_| {
                if let Err(error) = download_text("gossiplab-sweep.csv", "text/csv", &text) {
                    web_sys::console::error_1(&error);
                }
            })
        };
        let json = {
            let text = table.to_json();
            Callback::from(move |_| {
                if let Err(error) = download_text("gossiplab-sweep.json", "application/json", &text) {
                    web_sys::console::error_1(&error);
                }
            })
        };
        html! {
            <>
                <div class="controls">
                    <label>{t("sweep.plot")}
                        <select id="sweep-metric" onchange={on_metric}>
                            { for table.metrics.iter().map(|m| html! {
                                <option value={*m} selected={*m == name}>{metric_label(m)}</option>
                            }) }
                        </select>
                    </label>
                    <button id="sweep-csv" type="button" onclick={csv}>{t("sweep.csv")}</button>
                    <button id="sweep-json" type="button" onclick={json}>{t("sweep.json")}</button>
                </div>
                <figure>
                    <ErrorBarChart id="sweep-chart" bars={bars} x_label={knob} y_label={metric_label(name)}
                        log_x={log_x} y_floor={y_floor} />
                    <figcaption>
                        {tf("sweep.chart_caption", &[("metric", &metric_label(name)), ("knob", &knob), ("seeds", &table.seeds_per_point)])}
                    </figcaption>
                </figure>
                <table id="sweep-table">
                    <caption>{tf("sweep.table_caption", &[("metric", &metric_label(name)), ("knob", &knob)])}</caption>
                    <thead><tr>
                        <th scope="col">{knob}</th><th scope="col">{t("sweep.col.runs")}</th><th scope="col">{t("sweep.col.mean")}</th>
                        <th scope="col">{t("sweep.col.sd")}</th><th scope="col">{t("sweep.col.min")}</th><th scope="col">{t("sweep.col.max")}</th>
                    </tr></thead>
                    <tbody>
                        { for table.points.iter().map(|point| {
                            let a = point.aggregate.get(name);
                            let cell = |pick: fn(&gossip_sim::metrics::Aggregate) -> f64| a.map_or(String::from("-"), |a| figure(pick(a)));
                            html! {
                                <tr>
                                    <th scope="row">{value_label(point.value)}</th>
                                    <td>{a.map_or(0, |a| a.count)}</td>
                                    <td>{cell(|a| a.mean)}</td><td>{cell(|a| a.sd)}</td>
                                    <td>{cell(|a| a.min)}</td><td>{cell(|a| a.max)}</td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            </>
        }
    });
    html! {
        <>
            <div class="sweep-progress">
                <progress id="sweep-progress" max={total.to_string()} value={done.to_string()}
                    aria-label={t("sweep.progress_label")} />
                <span id="sweep-status" class={class} role={if class == "error" { "alert" } else { "status" }}>{status}</span>
            </div>
            {chart.unwrap_or_default()}
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn job(values: Vec<f64>, seeds: u32, workers: usize) -> Job {
        let sweep = Sweep {
            base: Scenario {
                nodes: 50,
                ..Scenario::default()
            },
            knob: Knob::Fanout,
            values,
            seeds_per_point: seeds,
        };
        Job::new(sweep, workers, 0.0)
    }

    fn answer(scenarios: &[Scenario]) -> Vec<Result<Summary, String>> {
        scenarios
            .iter()
            .map(|s| {
                s.run_any()
                    .map(|outcome| outcome.summary())
                    .map_err(|error| error.to_string())
            })
            .collect()
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn batches_cover_every_run_once() {
        for (runs, workers) in [(9, 2), (1, 4), (500, 4), (7, 1)] {
            let batches = batches(runs, workers);
            let covered: Vec<usize> = batches.iter().flat_map(|b| b.clone()).collect();
            assert_eq!(covered, (0..runs).collect::<Vec<_>>());
            assert!(batches.iter().all(|b| b.len() <= 8));
        }
        assert_eq!(batches(9, 2).len(), 9, "few runs: one per batch");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_job_hands_out_batches_and_collects_them_in_any_order() {
        let mut job = job(vec![1.0, 2.0, 3.0], 3, 2);
        assert_eq!(job.workers, 2);
        let mut handed = Vec::new();
        while let Some(batch) = job.next_batch() {
            handed.push(batch);
        }
        assert_eq!(handed.len(), 9);
        // Answers arrive out of order; the table only has values whose seeds all answered.
        for (id, scenarios) in handed.iter().rev().take(4) {
            job.record(*id, answer(scenarios));
        }
        assert_eq!((job.finished, job.points_done()), (4, 1));
        assert_eq!(job.table().points.len(), 1);
        assert_eq!(job.table().points[0].value, 3.0);
        assert_eq!(job.status, Status::Running);
        for (id, scenarios) in handed.iter().take(5) {
            job.record(*id, answer(scenarios));
        }
        assert_eq!(job.status, Status::Done);
        assert_eq!(job.points_done(), 3);
        assert_eq!(
            job.table(),
            job.sweep.run().unwrap(),
            "same as running it in one go"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn cancel_stops_handing_out_and_ignores_late_answers() {
        let mut job = job(vec![1.0, 2.0], 2, 4);
        let (id, scenarios) = job.next_batch().unwrap();
        job.cancel();
        assert!(job.next_batch().is_none());
        job.record(id, answer(&scenarios));
        assert_eq!((job.status.clone(), job.finished), (Status::Cancelled, 0));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_failed_run_stops_the_sweep_and_says_where() {
        let mut job = job(vec![1.0, 2.0], 2, 1);
        let (id, _) = job.next_batch().unwrap();
        job.record(id, vec![Err("boom".into())]);
        assert_eq!(
            job.status,
            Status::Failed("at fanout = 1, seed 42: boom".into())
        );
        assert!(job.next_batch().is_none());
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_form_checks_what_was_typed() {
        let base = Scenario::default();
        let form = Form::for_knob(Knob::Fanout, "3".into());
        let sweep = form.sweep(&base).unwrap();
        assert_eq!(sweep.values, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(sweep.runs(), 18);
        let nodes = Form::for_knob(Knob::Nodes, "2".into())
            .sweep(&base)
            .unwrap();
        assert_eq!(nodes.values, [10.0, 100.0, 1_000.0, 10_000.0, 100_000.0]);
        let typo = Form {
            to: "six".into(),
            ..form.clone()
        };
        assert_eq!(typo.sweep(&base).unwrap_err(), "to: `six` is not a number");
        let seeds = Form {
            seeds: "1.5".into(),
            ..form
        };
        assert!(seeds.sweep(&base).unwrap_err().contains("whole number"));
        // Up to 100,000 live nodes: fine as a form, refused for the browser's memory (each node
        // keeps every other), with the first value too large named.
        let cluster = Scenario::cluster(50, 1, gossip_sim::events::Cluster::default());
        let nodes = Form::for_knob(Knob::Nodes, "2".into())
            .sweep(&cluster)
            .unwrap();
        let exceeded = too_large(&nodes).expect("100,000 live nodes need terabytes");
        assert_eq!(exceeded.nodes, 10_000);
        assert_eq!(exceeded.limit_bytes, 2 << 30);
        assert_eq!(too_large(&sweep), None);
        assert_eq!(figure(0.036666), "0.03667");
        assert_eq!(figure(14.666), "14.67");
        assert_eq!(figure(123_456.7), "123457");
        assert_eq!(figure(0.0), "0");
    }
}
