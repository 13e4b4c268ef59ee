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
use crate::message_playback::MessagePlayback;
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
            <p id="node-actions" class="note">{format!("Node {node} joined during the run: only the {} nodes present from the start can be crashed or written at.", props.nodes)}</p>
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
            let write = {
                let on_fault = on_fault.clone();
                let (key_input, value_input) = (key_input.clone(), value_input.clone());
                Callback::from(move |event: SubmitEvent| {
                    event.prevent_default();
                    let read = |input: &NodeRef, fallback: &str| {
                        input
                            .cast::<web_sys::HtmlInputElement>()
                            .map(|input| input.value().trim().to_string())
                            .filter(|text| !text.is_empty())
                            .unwrap_or_else(|| fallback.to_string())
                    };
                    on_fault.emit(ScheduledClusterFault {
                        at,
                        fault: ClusterFault::Put {
                            node,
                            key: read(&key_input, "key"),
                            value: read(&value_input, "value"),
                        },
                    })
                })
            };
            html! {
                <div id="node-actions" class="node-actions">
                    <button id="crash-cluster-node" onclick={crash}>{format!("Crash node {node} at t = {} and rerun", seconds(at as f64))}</button>
                    <form id="write-at-node" class="controls" onsubmit={write}>
                        <label>{"Key"}<input id="node-key" ref={key_input} type="text" maxlength="32" placeholder="key" /></label>
                        <label>{"Value"}<input id="node-value" ref={value_input} type="text" maxlength="64" placeholder="value" /></label>
                        <button type="submit">{format!("Write at node {node} at t = {} and rerun", seconds(at as f64))}</button>
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
    format!("{:.2} s", ms / 1_000.0)
}

/// The views, traffic and writes of a cluster run.
#[component]
pub fn ClusterView(props: &ClusterViewProps) -> Html {
    let report = &props.report;
    let summary = report.summary();
    let at = |sample: &EventSample| sample.at as f64 / 1_000.0;
    let per_live = |sample: &EventSample, views: u64| views as f64 / f64::from(sample.live.max(1));
    let views = vec![
        Series {
            name: "suspect".into(),
            class: "suspect",
            points: report
                .samples
                .iter()
                .map(|s| (at(s), per_live(s, s.suspect_views)))
                .collect(),
        },
        Series {
            name: "dead or left".into(),
            class: "dead",
            points: report
                .samples
                .iter()
                .map(|s| (at(s), per_live(s, s.dead_views + s.left_views)))
                .collect(),
        },
    ];
    let traffic = vec![Series {
        name: "messages per node per second".into(),
        class: "infective",
        points: per_second(&report.samples),
    }];
    let writes: Vec<Series> = report
        .writes
        .iter()
        .enumerate()
        .map(|(index, _)| Series {
            name: "write holders".into(),
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
    let writes_line = if summary.writes > 0 {
        format!(
            "; {}/{} writes reached every live node",
            summary.writes_reaching_all, summary.writes
        )
    } else {
        String::new()
    };
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
                {format!("{:.1} messages and {:.0} bytes per node per second; {detection}; {} false suspicions, {} false positives{writes_line}.",
                    summary.messages_per_node_second, summary.bytes_per_node_second,
                    summary.false_suspicions, summary.false_positives)}
            </p>
            if let Some(recording) = &props.recording {
                <div class="viz">
                    <ClusterGraph recording={Rc::new(as_graph_recording(recording))} times={recording.times.clone()} nodes={report.nodes} on_fault={props.on_fault.clone()} />
                    <div class="chart-column">
                        <p class="note">
                            {"Each node as the live nodes see it: "}
                            <span class="key alive">{"alive to all"}</span>
                            <span class="key suspect">{"suspected by some"}</span>
                            <span class="key dead">{"held dead by some"}</span>
                            <span class="key removed">{"down, not yet noticed"}</span>
                        </p>
                    </div>
                </div>
                if let Some(trace) = &recording.trace {
                    <MessagePlayback trace={Rc::new(trace.clone())} duration={report.duration}
                        nodes={recording.frames.iter().map(Vec::len).max().unwrap_or(0)}
                        times={Rc::new(recording.times.clone())} frames={Rc::new(recording.frames.clone())} />
                }
            }
            <div class="viz">
                <div class="chart-column">
                    <LineChart id="views-chart" series={views}
                        caption="Members a live node holds suspect or dead (mean over live nodes), over seconds" />
                    <LineChart id="traffic-chart" series={traffic}
                        caption="Messages per live node per second, over seconds" />
                    if !writes.is_empty() {
                        <LineChart id="writes-chart" series={writes} y_max={1.0}
                            caption="Fraction of live nodes holding each write, over seconds" />
                    }
                </div>
                <div class="chart-column">
                    if !report.crashes.is_empty() {
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
                    }
                    if !report.writes.is_empty() {
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
