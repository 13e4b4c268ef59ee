//! The result of a system model's run: its figures and its lines over time (FAIL spreading in
//! Redis, phi in Cassandra, a transaction reaching Bitcoin nodes).

use std::rc::Rc;

use gossip_sim::systems::SystemReport;
use gossip_sim::trace::MessageTrace;
use yew::prelude::*;

use crate::chart::{LineChart, Series};
use crate::i18n::{from_english, t, t_opt, tf, use_lang, with_unit};
use crate::message_playback::MessagePlayback;
use crate::node_inspector::InspectContext;

#[derive(Properties, PartialEq)]
pub struct SystemViewProps {
    pub report: SystemReport,
    /// The run's messages, for the playback.
    #[prop_or_default]
    pub trace: Option<Rc<MessageTrace>>,
    /// The scenario that ran: with it, a node clicked in the playback can be inspected (its
    /// own table at that instant, from a rerun in the worker).
    #[prop_or_default]
    pub scenario: Option<Rc<gossip_sim::scenario::Scenario>>,
}

/// A figure for people: times in seconds, counts and rates with sensible decimals.
pub fn format_figure(name: &str, value: Option<f64>) -> String {
    match value {
        None => t("figure.never").into(),
        Some(ms) if name.ends_with("_ms") => with_unit(format!("{:.2}", ms / 1_000.0), "seconds"),
        Some(v) if v.fract() == 0.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.2}"),
    }
}

/// A figure's name for people, in the page's language: `mean_fail_all_ms` as "mean fail all"
/// (the catalogue's `figure.<name>`, else the name in words).
pub fn figure_label(name: &str) -> String {
    t_opt(&format!("figure.{name}")).map_or_else(
        || name.trim_end_matches("_ms").replace('_', " "),
        String::from,
    )
}

/// The patterns of gossip-sim's series names.
const SERIES: [&str; 3] = ["series.phi", "series.redis_fail", "series.bitcoin"];

/// A series name of gossip-sim ("phi of node 5 at node 0") in the page's language.
pub fn series_name(english: &str) -> String {
    from_english(&SERIES, english)
}

const CLASSES: [&str; 4] = ["infective", "susceptible", "dead", "alive"];

/// What a system model's lines count (each line's name says of what).
fn system_y_label(system: &str) -> &'static str {
    match system {
        "redis_cluster" => t("system.y.redis"),
        "cassandra" => t("system.y.cassandra"),
        "bitcoin_relay" => t("system.y.bitcoin"),
        _ => t("system.y.other"),
    }
}

/// The chart's caption: the model (`redis_cluster`) over time, in the page's language.
fn system_caption(system: &str) -> String {
    let name = match system {
        "redis_cluster" => "Redis Cluster",
        "cassandra" => "Cassandra",
        "bitcoin_relay" => t("system.bitcoin_relay"),
        other => other,
    };
    tf("system.chart_caption", &[("name", &name)])
}

#[component]
pub fn SystemView(props: &SystemViewProps) -> Html {
    let _lang = use_lang();
    let report = &props.report;
    let series: Vec<Series> = report
        .series
        .iter()
        .enumerate()
        .map(|(index, line)| {
            Series::line(
                series_name(&line.name),
                CLASSES[index % CLASSES.len()],
                line.points.clone(),
            )
        })
        .collect();
    html! {
        <div id="system-result" class="viz">
            <div class="chart-column">
                if !series.is_empty() {
                    <LineChart id="system-chart" series={series} caption={system_caption(&report.system)}
                        x_label={t("cluster.axis.time")} y_label={system_y_label(&report.system)} />
                }
            </div>
            <div class="chart-column">
                <table id="system-figures">
                    <caption>{tf("system.caption", &[("nodes", &report.nodes), ("seconds", &format!("{:.0}", report.duration as f64 / 1_000.0))])}</caption>
                    { for report.summary.figures().into_iter().map(|(name, value)| html! {
                        <tr data-figure={name}><th>{figure_label(name)}</th><td>{format_figure(name, value)}</td></tr>
                    }) }
                </table>
            </div>
            if let Some(trace) = &props.trace {
                <ContextProvider<Option<InspectContext>> context={props.scenario.clone().map(|scenario| InspectContext { scenario, on_fault: None })}>
                <MessagePlayback trace={trace.clone()} nodes={report.nodes as usize} duration={report.duration} />
                </ContextProvider<Option<InspectContext>>>
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn figures_read_as_people_write_them() {
        assert_eq!(format_figure("mean_fail_ms", Some(15_250.0)), "15.25 s");
        assert_eq!(format_figure("mean_fail_ms", None), "never");
        assert_eq!(format_figure("false_fails", Some(0.0)), "0");
        assert_eq!(format_figure("reached", Some(0.875)), "0.88");
        assert_eq!(figure_label("mean_fail_all_ms"), "mean fail all");
    }
}
