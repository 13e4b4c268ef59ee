//! The result of a cluster scenario (live nodes on the event engine): what the members think of
//! each other over time, the traffic, how long each crash took to detect and each write to
//! spread.

use gossip_core::sim::events::{EventReport, EventSample};
use yew::prelude::*;

use crate::chart::{LineChart, Series};

#[derive(Properties, PartialEq)]
pub struct ClusterViewProps {
    pub report: EventReport,
}

fn seconds(ms: f64) -> String {
    format!("{:.2} s", ms / 1_000.0)
}

/// The views, traffic and writes of a cluster run.
#[component]
pub fn ClusterView(props: &ClusterViewProps) -> Html {
    let report = &props.report;
    let summary = report.summary();
    let at = |sample: &EventSample| sample.at as f64 / 1_000.0;
    let pairs = |sample: &EventSample| {
        (sample.alive_views + sample.suspect_views + sample.dead_views + sample.left_views).max(1)
            as f64
    };
    let view_series =
        |name: &'static str, class: &'static str, count: fn(&EventSample) -> u64| Series {
            name,
            class,
            points: report
                .samples
                .iter()
                .map(|s| (at(s), count(s) as f64 / pairs(s)))
                .collect(),
        };
    let views = vec![
        view_series("alive", "alive", |s| s.alive_views),
        view_series("suspect", "suspect", |s| s.suspect_views),
        view_series("dead or left", "dead", |s| s.dead_views + s.left_views),
    ];
    let step_seconds = report
        .samples
        .first()
        .map_or(0.1, |s| s.at as f64 / 1_000.0)
        .max(0.001);
    let traffic = vec![Series {
        name: "messages per node per second",
        class: "infective",
        points: report
            .samples
            .iter()
            .map(|s| {
                (
                    at(s),
                    s.messages_sent as f64 / f64::from(s.live.max(1)) / step_seconds,
                )
            })
            .collect(),
    }];
    let writes: Vec<Series> = report
        .writes
        .iter()
        .enumerate()
        .map(|(index, _)| Series {
            name: "write holders",
            class: "susceptible",
            points: report
                .samples
                .iter()
                .map(|s| {
                    let held = s.write_holders.get(index).copied().unwrap_or(0);
                    (at(s), f64::from(held) / f64::from(s.live.max(1)))
                })
                .collect(),
        })
        .collect();
    let detection = match summary.mean_detection_ms {
        Some(ms) => format!(
            "crashes detected in {} on average ({:.2} protocol periods)",
            seconds(ms),
            summary.mean_detection_periods.unwrap_or_default()
        ),
        None if summary.crashes > 0 => "no crash was detected".to_string(),
        None => "no crash".to_string(),
    };
    html! {
        <div id="cluster-result">
            <p class="figures">
                {format!("{:.1} messages and {:.0} bytes per node per second; {detection}; {} false suspicions, {} false positives; {}/{} writes reached every live node.",
                    summary.messages_per_node_second, summary.bytes_per_node_second,
                    summary.false_suspicions, summary.false_positives,
                    summary.writes_reaching_all, summary.writes)}
            </p>
            <div class="viz">
                <div class="chart-column">
                    <LineChart id="views-chart" series={views} y_max={1.0}
                        caption="Membership views (pairs of live node and member), fraction, over seconds" />
                    <LineChart id="traffic-chart" series={traffic}
                        caption="Messages per live node per second, over seconds" />
                    if !writes.is_empty() {
                        <LineChart id="writes-chart" series={writes} y_max={1.0}
                            caption="Fraction of live nodes holding each write, over seconds" />
                    }
                </div>
                <div class="chart-column">
                    <table id="crashes">
                        <caption>{"Crashes"}</caption>
                        <tr><th>{"node"}</th><th>{"at"}</th><th>{"first suspected"}</th><th>{"first failed"}</th><th>{"all knew"}</th></tr>
                        { for report.crashes.iter().map(|crash| {
                            let after = |t: Option<u64>| t.map_or("never".to_string(), |t| format!("+{}", seconds(t as f64)));
                            html! {
                                <tr>
                                    <td>{crash.node}</td><td>{seconds(crash.at as f64)}</td>
                                    <td>{after(crash.suspicion_time())}</td>
                                    <td>{after(crash.detection_time())}</td>
                                    <td>{after(crash.full_detection_time())}</td>
                                </tr>
                            }
                        }) }
                    </table>
                    <table id="writes">
                        <caption>{"Writes"}</caption>
                        <tr><th>{"key"}</th><th>{"at node"}</th><th>{"at"}</th><th>{"everyone had it"}</th></tr>
                        { for report.writes.iter().map(|write| html! {
                            <tr>
                                <td>{&write.key}</td><td>{write.node}</td><td>{seconds(write.at as f64)}</td>
                                <td>{write.dissemination_time().map_or("not yet".to_string(), |t| format!("+{}", seconds(t as f64)))}</td>
                            </tr>
                        }) }
                    </table>
                </div>
            </div>
        </div>
    }
}
