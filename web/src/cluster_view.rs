//! The result of a cluster scenario (live nodes on the event engine): what the members think of
//! each other over time, the traffic, how long each crash took to detect and each write to
//! spread.

use std::rc::Rc;

use gossip_sim::events::{ClusterFault, EventReport, EventSample, ScheduledClusterFault};
use gossip_sim::recorded_run::{ClusterRecording, Recording};
use gossip_sim::topology::TopologyKind;
use yew::prelude::*;

use crate::chart::{LineChart, Series};
use crate::graph::{GraphView, Palette};
use crate::i18n::{t, tf, use_lang, with_unit};
use crate::message_playback::MessagePlayback;
use crate::node_inspector::InspectContext;
use crate::timeline::{Timeline, TimelineAction, TimelineControls};

#[derive(Properties, PartialEq)]
pub struct ClusterViewProps {
    pub report: EventReport,
    /// Rerun the experiment with one more fault (a crash or a write at a clicked node).
    #[prop_or_default]
    pub on_fault: Option<Callback<ScheduledClusterFault>>,
    /// Each node's state over time, when the cluster is small enough to draw.
    #[prop_or_default]
    pub recording: Option<ClusterRecording>,
    /// The scenario that ran: with it, a node clicked in the message playback can be inspected.
    #[prop_or_default]
    pub scenario: Option<Rc<gossip_sim::scenario::Scenario>>,
}

/// A cluster recording in the graph's terms: frames padded to the largest population (nodes
/// that join later count as not running before), no links (SWIM's members all reach each other).
pub fn as_graph_recording(recording: &ClusterRecording) -> Recording {
    let nodes = recording.frames.iter().map(Vec::len).max().unwrap_or(0);
    Recording {
        frames: recording
            .frames
            .iter()
            .map(|frame| {
                let mut frame = frame.clone();
                frame.resize(nodes, 3);
                frame
            })
            .collect(),
        informed_by: vec![None; nodes],
        links: Vec::new(),
        sampled_from: None,
        stores: recording.stores.clone(),
        messages: Vec::new(),
        density: None,
    }
}

/// The graph of a cluster run, with its own timeline over the samples.
#[derive(Properties, PartialEq)]
struct ClusterGraphProps {
    recording: Rc<Recording>,
    times: Vec<u64>,
    /// Nodes at the start; those that join later have no id a scenario can name in advance.
    nodes: u32,
    on_fault: Option<Callback<ScheduledClusterFault>>,
}

#[component]
fn ClusterGraph(props: &ClusterGraphProps) -> Html {
    let _lang = use_lang();
    let timeline = use_reducer(Timeline::default);
    let selected = use_state(|| None::<usize>);
    {
        let timeline = timeline.clone();
        let selected = selected.clone();
        use_effect_with(props.recording.clone(), move |recording| {
            timeline.dispatch(TimelineAction::Load(recording.frames.len() - 1));
            selected.set(None);
        });
    }
    let key_input = use_node_ref();
    let value_input = use_node_ref();
    let at = props.times.get(timeline.round).copied().unwrap_or(0);
    // Acting on the selected node: the same experiment with one more fault at the time shown.
    let actions = match (&props.on_fault, *selected) {
        (Some(_), Some(node)) if node as u32 >= props.nodes => html! {
            <p id="node-actions" class="note">{tf("cluster.joined", &[("node", &node), ("nodes", &props.nodes)])}</p>
        },
        (Some(on_fault), Some(node)) => {
            let node = node as u32;
            let crash = {
                let on_fault = on_fault.clone();
                Callback::from(move |_| {
                    on_fault.emit(ScheduledClusterFault {
                        at,
                        fault: ClusterFault::Crash { node },
                    })
                })
            };
            let write =
                crate::node_inspector::write_at(on_fault, node, at, &key_input, &value_input);
            html! {
                <div id="node-actions" class="node-actions">
                    <button id="crash-cluster-node" onclick={crash}>{tf("cluster.crash", &[("node", &node), ("at", &seconds(at as f64))])}</button>
                    <form id="write-at-node" class="controls" onsubmit={write}>
                        <label>{t("cluster.key")}<input id="node-key" ref={key_input} type="text" maxlength="32" placeholder="key" /></label>
                        <label>{t("cluster.value")}<input id="node-value" ref={value_input} type="text" maxlength="64" placeholder="value" /></label>
                        <button type="submit">{tf("cluster.write", &[("node", &node), ("at", &seconds(at as f64))])}</button>
                    </form>
                </div>
            }
        }
        _ => Html::default(),
    };
    let on_select = {
        let selected = selected.clone();
        Callback::from(move |node: Option<usize>| selected.set(node))
    };
    html! {
        <div class="graph-column">
            <GraphView recording={props.recording.clone()} topology={TopologyKind::Complete}
                round={timeline.round} palette={Palette::Membership} on_select={Some(on_select)} />
            {actions}
            <TimelineControls timeline={timeline.clone()} steps=true />
            <p id="cluster-time" class="note">{format!("t = {}", seconds(at as f64))}</p>
        </div>
    }
}

fn seconds(ms: f64) -> String {
    with_unit(format!("{:.2}", ms / 1_000.0), "seconds")
}

/// The views, traffic and writes of a cluster run.
#[component]
pub fn ClusterView(props: &ClusterViewProps) -> Html {
    let _lang = use_lang();
    let report = &props.report;
    let summary = report.summary();
    let at = |sample: &EventSample| sample.at as f64 / 1_000.0;
    let per_live = |sample: &EventSample, views: u64| views as f64 / f64::from(sample.live.max(1));
    let views = vec![
        Series::line(
            t("cluster.series.suspect"),
            "suspect",
            report
                .samples
                .iter()
                .map(|s| (at(s), per_live(s, s.suspect_views)))
                .collect(),
        ),
        Series::line(
            t("cluster.series.dead"),
            "dead",
            report
                .samples
                .iter()
                .map(|s| (at(s), per_live(s, s.dead_views + s.left_views)))
                .collect(),
        ),
    ];
    let traffic = vec![Series::line(
        t("cluster.series.traffic"),
        "infective",
        per_second(&report.samples),
    )];
    let writes: Vec<Series> = report
        .writes
        .iter()
        .enumerate()
        .map(|(index, _)| {
            Series::line(
                tf("cluster.series.write", &[("index", &(index + 1))]),
                "susceptible",
                report
                    .samples
                    .iter()
                    .map(|s| {
                        let held = s.write_holders.get(index).copied().unwrap_or(0);
                        (at(s), f64::from(held) / f64::from(s.live.max(1)))
                    })
                    .collect(),
            )
        })
        .collect();
    let detection = match summary.mean_detection_ms {
        Some(ms) => tf(
            "cluster.detected",
            &[
                ("time", &seconds(ms)),
                (
                    "periods",
                    &format!("{:.2}", summary.mean_detection_periods.unwrap_or_default()),
                ),
            ],
        ),
        None if summary.crashes > 0 => t("cluster.undetected").to_string(),
        None => t("cluster.no_crash").to_string(),
    };
    let figures = tf(
        if summary.writes > 0 {
            "cluster.figures.writes"
        } else {
            "cluster.figures"
        },
        &[
            (
                "messages",
                &format!("{:.1}", summary.messages_per_node_second),
            ),
            ("bytes", &format!("{:.0}", summary.bytes_per_node_second)),
            ("detection", &detection),
            ("suspicions", &summary.false_suspicions),
            ("positives", &summary.false_positives),
            ("reached", &summary.writes_reaching_all),
            ("writes", &summary.writes),
        ],
    );
    html! {
        <div id="cluster-result">
            <p class="figures">
                {figures}
            </p>
            if let Some(recording) = &props.recording {
                <div class="viz">
                    <ClusterGraph recording={Rc::new(as_graph_recording(recording))} times={recording.times.clone()} nodes={report.nodes} on_fault={props.on_fault.clone()} />
                    <div class="chart-column">
                        <p class="note">
                            {t("cluster.legend")}{" "}
                            <span class="key alive">{t("cluster.legend.alive")}</span>
                            <span class="key suspect">{t("cluster.legend.suspect")}</span>
                            <span class="key dead">{t("cluster.legend.dead")}</span>
                            <span class="key removed">{t("cluster.legend.down")}</span>
                        </p>
                    </div>
                </div>
                if let Some(trace) = &recording.trace {
                    <ContextProvider<Option<InspectContext>> context={props.scenario.clone().map(|scenario| InspectContext { scenario, on_fault: props.on_fault.clone() })}>
                    <MessagePlayback trace={Rc::new(trace.clone())} duration={report.duration}
                        nodes={recording.frames.iter().map(Vec::len).max().unwrap_or(0)}
                        times={Rc::new(recording.times.clone())} frames={Rc::new(recording.frames.clone())} />
                    </ContextProvider<Option<InspectContext>>>
                }
            }
            <div class="viz">
                <div class="chart-column">
                    <LineChart id="views-chart" series={views}
                        caption={t("cluster.chart.views")}
                        x_label={t("cluster.axis.time")} y_label={t("cluster.axis.members")} />
                    <LineChart id="traffic-chart" series={traffic}
                        caption={t("cluster.chart.traffic")}
                        x_label={t("cluster.axis.time")} y_label={t("cluster.axis.messages")} />
                    if !writes.is_empty() {
                        <LineChart id="writes-chart" series={writes} y_max={1.0}
                            caption={t("cluster.chart.writes")}
                            x_label={t("cluster.axis.time")} y_label={t("cluster.axis.fraction")} />
                    }
                </div>
                <div class="chart-column">
                    if !report.crashes.is_empty() {
                    <table id="crashes">
                        <caption>{t("cluster.crashes")}</caption>
                        <tr><th>{t("cluster.col.node")}</th><th>{t("cluster.col.at")}</th><th>{t("cluster.col.suspected")}</th><th>{t("cluster.col.failed")}</th><th>{t("cluster.col.all_knew")}</th></tr>
                        { for report.crashes.iter().map(|crash| {
                            let after = |time: Option<u64>| time.map_or(t("figure.never").to_string(), |ms| format!("+{}", seconds(ms as f64)));
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
                    }
                    if !report.writes.is_empty() {
                    <table id="writes">
                        <caption>{t("cluster.writes")}</caption>
                        <tr><th>{t("cluster.col.key")}</th><th>{t("cluster.col.at_node")}</th><th>{t("cluster.col.at")}</th><th>{t("cluster.col.everyone")}</th></tr>
                        { for report.writes.iter().map(|write| html! {
                            <tr>
                                <td>{&write.key}</td><td>{write.node}</td><td>{seconds(write.at as f64)}</td>
                                <td>{write.dissemination_time().map_or(t("cluster.not_yet").to_string(), |ms| format!("+{}", seconds(ms as f64)))}</td>
                            </tr>
                        }) }
                    </table>
                    }
                </div>
            </div>
        </div>
    }
}

/// Messages per live node per second, over one-second windows of the samples (SWIM's periods
/// line up, so finer steps would show every period as a spike).
pub fn per_second(samples: &[EventSample]) -> Vec<(f64, f64)> {
    let mut points = Vec::new();
    let (mut messages, mut node_ms, mut window_start) = (0u64, 0f64, 0u64);
    let mut previous = 0u64;
    for sample in samples {
        let step = sample.at - previous;
        previous = sample.at;
        messages += sample.messages_sent;
        node_ms += f64::from(sample.live) * step as f64;
        if sample.at - window_start >= 1_000 {
            points.push((
                sample.at as f64 / 1_000.0,
                messages as f64 / (node_ms / 1_000.0).max(f64::MIN_POSITIVE),
            ));
            (messages, node_ms, window_start) = (0, 0.0, sample.at);
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn a_cluster_recording_pads_late_joiners_as_not_running() {
        let recording = ClusterRecording {
            times: vec![0, 100],
            frames: vec![vec![0, 0], vec![0, 1, 0]],
            stores: vec![vec![0, 0], vec![1, 2, 0]],
            trace: None,
        };
        let graph = as_graph_recording(&recording);
        assert_eq!(graph.frames, vec![vec![0, 0, 3], vec![0, 1, 0]]);
        assert_eq!(graph.informed_by.len(), 3);
        assert_eq!(
            crate::graph::describe_node(&graph, crate::graph::Palette::Membership, 1, 1),
            "Node 1 at step 1: suspected by some; its store holds 2 keys"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn traffic_is_averaged_over_whole_seconds() {
        // 10 live nodes; 100 ms steps; 20 messages at the start of each second only.
        let samples: Vec<EventSample> = (1..=25)
            .map(|i| EventSample {
                at: i * 100,
                live: 10,
                messages_sent: if i % 10 == 1 { 20 } else { 0 },
                ..EventSample::default()
            })
            .collect();
        let points = per_second(&samples);
        assert_eq!(
            points,
            vec![(1.0, 2.0), (2.0, 2.0)],
            "the last half second is left out"
        );
    }
}
