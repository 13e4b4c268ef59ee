//! Pinned runs, compared side by side: each run's figures in a column, and their main curves on
//! one chart (a rumor's informed fraction per round, a cluster's first write or its failure
//! verdicts over seconds, a system model's first line over seconds).

use gossip_sim::metrics::Figure;
use gossip_sim::presets::presets;
use gossip_sim::scenario::{Scenario, Summary};
use gossip_worker::SimOutput;
use yew::prelude::*;

use crate::chart::{LineChart, Series};
use crate::i18n::{t, tf, use_lang};
use crate::preset_text;
use crate::system_view::{figure_label, format_figure, series_name};

/// A run kept for comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct PinnedRun {
    /// The run's name as it was pinned.
    pub label: String,
    /// The experiment, so its name is said anew in the page's language.
    pub scenario: Option<Scenario>,
    pub figures: Vec<Figure>,
    /// What the curve shows, with its x unit.
    pub curve_name: CurveName,
    pub curve: Vec<(f64, f64)>,
}

/// What a pinned run's curve shows, said in the language of the moment it is drawn.
#[derive(Clone, Debug, PartialEq)]
pub enum CurveName {
    /// A message of the catalogue.
    Key(&'static str),
    /// A system model's first series, as gossip-sim names it.
    Series(String),
}

impl CurveName {
    /// Whether the curve's x axis counts rounds (else seconds).
    fn in_rounds(&self) -> bool {
        *self == CurveName::Key("compare.curve.informed")
    }

    /// What the curve measures, without its x unit, in the current language.
    fn quantity(&self) -> String {
        match self {
            CurveName::Key("compare.curve.informed") => t("compare.y.informed").to_string(),
            CurveName::Key("compare.curve.dead") => t("compare.y.dead").to_string(),
            CurveName::Key("compare.curve.write") => t("compare.y.write").to_string(),
            CurveName::Key(key) => t(key).to_string(),
            CurveName::Series(name) => series_name(name),
        }
    }

    /// The name in the current language.
    pub fn text(&self) -> String {
        match self {
            CurveName::Key(key) => t(key).to_string(),
            CurveName::Series(name) => tf("compare.curve.series", &[("name", &series_name(name))]),
        }
    }
}

impl PinnedRun {
    /// The run's name in the page's language: its preset's title, else its scenario in words.
    pub fn name(&self) -> String {
        let Some(scenario) = &self.scenario else {
            return self.label.clone();
        };
        presets()
            .into_iter()
            .find(|preset| preset.scenario == *scenario)
            .map_or_else(
                || crate::describe(scenario),
                |preset| preset_text::title(&preset).to_string(),
            )
    }
}

/// The run to pin from a worker's answer (`None` for a failed run).
pub fn pin(output: &SimOutput, label: String) -> Option<PinnedRun> {
    let scenario = match output {
        SimOutput::Done { scenario, .. }
        | SimOutput::ClusterDone { scenario, .. }
        | SimOutput::SystemDone { scenario, .. } => Some(scenario.clone()),
        _ => None,
    };
    let (summary, curve_name, curve) = match output {
        SimOutput::Done {
            scenario, report, ..
        } => {
            let nodes = f64::from(scenario.nodes.max(1));
            let curve = std::iter::once((0.0, 1.0 / nodes))
                .chain(
                    report
                        .rounds
                        .iter()
                        .map(|m| (f64::from(m.round), 1.0 - f64::from(m.susceptible) / nodes)),
                )
                .collect();
            (
                Summary::Rumor(report.summary),
                CurveName::Key("compare.curve.informed"),
                curve,
            )
        }
        SimOutput::ClusterDone { report, .. } => {
            let seconds = |at: u64| at as f64 / 1_000.0;
            let (name, curve) = if report.writes.is_empty() {
                (
                    "compare.curve.dead",
                    report
                        .samples
                        .iter()
                        .map(|s| {
                            let views = (s.dead_views + s.left_views) as f64;
                            (seconds(s.at), views / f64::from(s.live.max(1)))
                        })
                        .collect(),
                )
            } else {
                (
                    "compare.curve.write",
                    report
                        .samples
                        .iter()
                        .map(|s| {
                            let held = s.write_holders.first().copied().unwrap_or(0);
                            (seconds(s.at), f64::from(held) / f64::from(s.live.max(1)))
                        })
                        .collect(),
                )
            };
            (
                Summary::Cluster(report.summary()),
                CurveName::Key(name),
                curve,
            )
        }
        SimOutput::SystemDone { report, .. } => {
            let first = report.series.first();
            (
                Summary::System(report.summary),
                CurveName::Series(first.map_or(String::new(), |s| s.name.clone())),
                first.map_or(Vec::new(), |s| s.points.clone()),
            )
        }
        _ => return None,
    };
    Some(PinnedRun {
        label,
        scenario,
        figures: summary.figures(),
        curve_name,
        curve,
    })
}

/// Figure names over all runs, in first-seen order.
pub fn figure_names(runs: &[PinnedRun]) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for run in runs {
        for (name, _) in &run.figures {
            if !names.contains(name) {
                names.push(name);
            }
        }
    }
    names
}

/// The compare chart's axis labels: each run's curve says its own unit; runs in rounds and runs
/// in seconds pinned together share one x axis.
fn compare_axes(runs: &[PinnedRun]) -> (String, String) {
    let in_rounds = |run: &PinnedRun| run.curve_name.in_rounds();
    let x = if runs.iter().all(in_rounds) {
        t("compare.x.rounds")
    } else if runs.iter().any(in_rounds) {
        t("compare.x.mixed")
    } else {
        t("compare.x.seconds")
    };
    let mut names: Vec<String> = runs.iter().map(|run| run.curve_name.quantity()).collect();
    names.dedup();
    let y = if names.len() == 1 {
        names.remove(0)
    } else {
        t("compare.y.mixed").to_string()
    };
    (x.to_string(), y)
}

#[derive(Properties, PartialEq)]
pub struct CompareProps {
    pub runs: Vec<PinnedRun>,
    pub on_unpin: Callback<usize>,
}

const CLASSES: [&str; 4] = ["infective", "susceptible", "alive", "dead"];

#[component]
pub fn Compare(props: &CompareProps) -> Html {
    let _lang = use_lang();
    if props.runs.is_empty() {
        return html! {};
    }
    let names = figure_names(&props.runs);
    let series: Vec<Series> = props
        .runs
        .iter()
        .enumerate()
        .map(|(index, run)| {
            Series::line(
                format!("{}: {}", index + 1, run.curve_name.text()),
                CLASSES[index % CLASSES.len()],
                run.curve.clone(),
            )
        })
        .collect();
    let (x_label, y_label) = compare_axes(&props.runs);
    html! {
        <section id="pinned" class="panel" aria-labelledby="pinned-title">
            <h2 id="pinned-title">{t("compare.title")}</h2>
            <LineChart id="compare-chart" series={series} caption={t("compare.caption")}
                x_label={x_label} y_label={y_label} />
            <table id="compare-table">
                <tr>
                    <th>{t("figure.header")}</th>
                    { for props.runs.iter().enumerate().map(|(index, run)| {
                        let on_unpin = props.on_unpin.clone();
                        html! {
                            <th>
                                {format!("{}. {}", index + 1, run.name())}
                                <button class="unpin" aria-label={tf("compare.unpin", &[("index", &(index + 1))])}
                                    onclick={Callback::from(move |_| on_unpin.emit(index))}>{"×"}</button>
                            </th>
                        }
                    }) }
                </tr>
                { for names.iter().map(|name| html! {
                    <tr data-figure={*name}>
                        <td>{figure_label(name)}</td>
                        { for props.runs.iter().map(|run| {
                            let value = run.figures.iter().find(|f| f.0 == *name);
                            html! { <td>{value.map_or(String::from("-"), |f| format_figure(name, f.1))}</td> }
                        }) }
                    </tr>
                }) }
            </table>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, set_current};
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn a_pinned_rumor_run_keeps_its_figures_and_informed_curve() {
        let scenario = Scenario {
            nodes: 50,
            ..Scenario::default()
        };
        let output =
            gossip_worker::handle(gossip_worker::SimRequest::Run(scenario.clone())).unwrap();
        let run = pin(&output, "a".into()).unwrap();
        let report = scenario.run().unwrap();
        assert_eq!(run.figures, report.summary.figures());
        assert_eq!(run.curve.len(), report.rounds.len() + 1);
        assert_eq!(run.curve[0], (0.0, 1.0 / 50.0));
        let informed = 1.0 - report.summary.residue;
        assert!((run.curve.last().unwrap().1 - informed).abs() < 1e-9);
        let names = figure_names(&[run.clone(), run]);
        assert_eq!(names.len(), report.summary.figures().len(), "no repeats");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_pinned_run_is_named_in_the_language_of_the_moment() {
        let scenario = Scenario {
            nodes: 40,
            seed: 9,
            ..Scenario::default()
        };
        let output =
            gossip_worker::handle(gossip_worker::SimRequest::Run(scenario.clone())).unwrap();
        let run = pin(&output, "pinned in English".into()).unwrap();
        assert_eq!(run.name(), crate::describe(&scenario));
        assert!(
            run.name().starts_with("40 nodes, push rumor mongering"),
            "{}",
            run.name()
        );
        set_current(Lang::ZhCn);
        let chinese = run.name();
        set_current(Lang::En);
        assert!(
            chinese.starts_with("40 个节点，推（push）式谣言传播"),
            "{chinese}"
        );
        // A preset's run is named by its title.
        let preset = presets().into_iter().find(|p| p.id == "push").unwrap();
        let run = PinnedRun {
            scenario: Some(preset.scenario.clone()),
            ..run
        };
        assert_eq!(run.name(), preset.title);
    }
}
