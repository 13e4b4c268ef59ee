//! Ask the picture: a node clicked in the message playback, as it was at the instant shown. The
//! panel reruns the scenario up to that instant ([`Scenario::inspect_node`]; the run is
//! deterministic, so it is the run being played) and shows the node's member table (state,
//! incarnation, since when, when a suspicion ends), its store (keys, versions, who wrote each),
//! its hot rumors and its direct-mail retry queue. Under it, what-ifs at that instant: crash,
//! restart, leave, cut off by a partition, heal, write; each reruns the scenario with that
//! fault added.
//!
//! The playback finds the scenario and the rerun callback in an `Option<`[`InspectContext`]`>` context that the
//! cluster view provides; without one (system models) nodes are not clickable.
//!
//! The rerun to the instant happens in the worker ([`SimRequest::Inspect`], on the panel's own
//! bridge, so a run in progress goes on): the panel shows its progress and the page never
//! waits, whatever the cluster's size. Each stored key says how its version arrived (written
//! here, or from which node by direct mail, rumor, or anti-entropy pushed or pulled, and when).
//! The tables themselves are [`crate::inspector_tables`], which the live tab's inspector shares.

use std::rc::Rc;

use std::cell::Cell;

use gossip_sim::events::{ClusterFault, NodeStatus, ScheduledClusterFault};
use gossip_sim::inspect::Inspected;
use gossip_sim::scenario::Scenario;
use gossip_sim::systems::inspect::{Cell as ModelCell, ModelNodeTable};
use gossip_worker::{SimOutput, SimReactor, SimRequest};
use yew::prelude::*;
use yew_agent::reactor::{ReactorEvent, use_reactor_bridge};

use crate::inspector_tables::{Naming, seconds, tables};

/// Every user-facing string of the panel, in one place for translation.
mod text {
    use crate::i18n::{t, tf};
    use gossip_sim::events::NodeStatus;

    pub fn heading(node: u32, at: &str, status: &str) -> String {
        tf(
            "inspect.heading",
            &[("node", &node), ("at", &at), ("status", &status)],
        )
    }
    pub fn status(status: NodeStatus) -> String {
        match status {
            NodeStatus::Live => t("inspect.status.live").into(),
            NodeStatus::Leaving => t("inspect.status.leaving").into(),
            NodeStatus::Departed => t("inspect.status.departed").into(),
            NodeStatus::Crashed => t("inspect.status.crashed").into(),
            NodeStatus::Replaced { by } => tf("inspect.status.replaced", &[("by", &by)]),
            _ => t("inspect.status.down").into(),
        }
    }
    pub fn error(error: &str) -> String {
        tf("inspect.error", &[("error", &error)])
    }
    pub fn actions(at: &str) -> String {
        tf("inspect.actions", &[("at", &at)])
    }
    pub fn crash() -> &'static str {
        t("inspect.crash")
    }
    pub fn restart() -> &'static str {
        t("inspect.restart")
    }
    pub fn restart_fresh() -> &'static str {
        t("inspect.restart_fresh")
    }
    pub fn leave() -> &'static str {
        t("inspect.leave")
    }
    pub fn cut_off() -> &'static str {
        t("inspect.cut_off")
    }
    pub fn heal() -> &'static str {
        t("inspect.heal")
    }
    pub fn key() -> &'static str {
        t("cluster.key")
    }
    pub fn value() -> &'static str {
        t("cluster.value")
    }
    pub fn write() -> &'static str {
        t("inspect.write")
    }
    pub fn close() -> &'static str {
        t("inspect.close")
    }
    pub fn rerunning(at: &str, percent: &str) -> String {
        tf("inspect.rerunning", &[("at", &at), ("percent", &percent)])
    }
}

/// What the cluster view gives the playback so that a clicked node can be inspected.
#[derive(Clone, PartialEq)]
pub struct InspectContext {
    /// The scenario whose run is being played.
    pub scenario: Rc<Scenario>,
    /// Reruns the scenario with one more fault.
    pub on_fault: Option<Callback<ScheduledClusterFault>>,
}

/// The node drawn at (`x`, `y`), if any: the nearest one within `reach` pixels of its centre.
pub fn node_at(points: &[(f64, f64)], (x, y): (f64, f64), reach: f64) -> Option<u32> {
    points
        .iter()
        .enumerate()
        .map(|(node, &(px, py))| (node, (px - x).powi(2) + (py - y).powi(2)))
        .filter(|&(_, distance)| distance <= reach * reach)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(node, _)| node as u32)
}

/// The faults that can be added at `at` for a node in `status`, with their button ids and
/// labels.
pub fn what_ifs(node: u32, status: NodeStatus) -> Vec<(&'static str, &'static str, ClusterFault)> {
    let mut faults = Vec::new();
    match status {
        NodeStatus::Live => {
            faults.push(("inspect-crash", text::crash(), ClusterFault::Crash { node }));
            faults.push(("inspect-leave", text::leave(), ClusterFault::Leave { node }));
        }
        NodeStatus::Crashed => {
            faults.push((
                "inspect-restart",
                text::restart(),
                ClusterFault::Restart {
                    node,
                    keep_state: true,
                },
            ));
            faults.push((
                "inspect-restart-fresh",
                text::restart_fresh(),
                ClusterFault::Restart {
                    node,
                    keep_state: false,
                },
            ));
        }
        _ => {}
    }
    faults.push((
        "inspect-cut-off",
        text::cut_off(),
        ClusterFault::Partition {
            groups: vec![vec![node]],
        },
    ));
    faults.push(("inspect-heal", text::heal(), ClusterFault::Heal));
    faults
}

/// The panel's properties: which node, at which instant, and how to close it.
#[derive(Properties, PartialEq)]
pub struct NodeInspectorProps {
    /// The node clicked.
    pub node: u32,
    /// The instant, in ms.
    pub at: u64,
    /// Closes the panel.
    pub on_close: Callback<()>,
}

/// The panel (see the module documentation).
#[component]
pub fn NodeInspector(props: &NodeInspectorProps) -> Html {
    let _lang = crate::i18n::use_lang();
    let context = use_context::<Option<InspectContext>>().flatten();
    let key_input = use_node_ref();
    let value_input = use_node_ref();
    let scenario = context.as_ref().map(|c| c.scenario.clone());
    // The worker's answer to the latest question, and its progress; older answers are ignored.
    let answer = use_state(|| None::<Result<Inspected, String>>);
    let fraction = use_state(|| 0.0f64);
    let asked = use_mut_ref(|| Cell::new(0u64));
    let bridge = {
        let (answer, fraction, asked) = (answer.clone(), fraction.clone(), asked.clone());
        use_reactor_bridge::<SimReactor, _>(move |event| match event {
            ReactorEvent::Output(SimOutput::InspectProgress { id, fraction: done })
                if id == asked.borrow().get() =>
            {
                fraction.set(done)
            }
            ReactorEvent::Output(SimOutput::Inspected { id, snapshot })
                if id == asked.borrow().get() =>
            {
                answer.set(Some(snapshot))
            }
            _ => {}
        })
    };
    {
        let (answer, fraction, asked) = (answer.clone(), fraction.clone(), asked.clone());
        use_effect_with(
            (scenario, props.node, props.at),
            move |(scenario, node, at)| {
                if let Some(scenario) = scenario {
                    let id = asked.borrow().get() + 1;
                    asked.borrow().set(id);
                    answer.set(None);
                    fraction.set(0.0);
                    bridge.send(SimRequest::Inspect {
                        id,
                        scenario: (**scenario).clone(),
                        node: *node,
                        at: *at,
                    });
                }
            },
        );
    }
    let snapshot = answer.clone();
    let Some(context) = context else {
        return Html::default();
    };
    let close = props.on_close.reform(|_| ());
    let body = match &*snapshot {
        None => html! {
            <div class="run-progress">
                <p id="inspect-pending" class="pending" aria-live="polite">
                    {text::rerunning(&seconds(props.at), &format!("{:.0}", *fraction * 100.0))}
                </p>
                <progress id="inspect-progress" max="1" value={format!("{:.3}", *fraction)} />
            </div>
        },
        Some(Err(error)) => html! { <p class="note">{text::error(error)}</p> },
        Some(Ok(Inspected::Cluster(snapshot))) => tables(snapshot, "inspector", Naming::Node),
        Some(Ok(Inspected::Model(table))) => model_table(table),
    };
    let actions = match (&context.on_fault, &*snapshot) {
        (Some(on_fault), Some(Ok(Inspected::Cluster(snapshot)))) => {
            let at = props.at;
            let node = props.node;
            let buttons = what_ifs(node, snapshot.status)
                .into_iter()
                .map(|(id, label, fault)| {
                    let on_fault = on_fault.clone();
                    let onclick = Callback::from(move |_| {
                        on_fault.emit(ScheduledClusterFault {
                            at,
                            fault: fault.clone(),
                        })
                    });
                    html! { <button id={id} onclick={onclick}>{label}</button> }
                });
            let write = write_at(on_fault, node, at, &key_input, &value_input);
            let live = snapshot.status == NodeStatus::Live;
            html! {
                <div id="inspect-actions" class="node-actions">
                    <p class="note">{text::actions(&seconds(at))}</p>
                    { for buttons }
                    if live {
                        <form id="inspect-write" class="controls" onsubmit={write}>
                            <label>{text::key()}<input id="inspect-key" ref={key_input} type="text" maxlength="32" placeholder="key" /></label>
                            <label>{text::value()}<input id="inspect-value" ref={value_input} type="text" maxlength="64" placeholder="value" /></label>
                            <button type="submit">{text::write()}</button>
                        </form>
                    }
                </div>
            }
        }
        _ => Html::default(),
    };
    let status = match &*snapshot {
        Some(Ok(Inspected::Cluster(snapshot))) => text::status(snapshot.status),
        Some(Ok(Inspected::Model(table))) if table.crashed => text::status(NodeStatus::Crashed),
        Some(Ok(Inspected::Model(_))) => text::status(NodeStatus::Live),
        _ => String::new(),
    };
    html! {
        <div id="node-inspector" class="message-panel" data-node={props.node.to_string()} data-at={props.at.to_string()}
            data-ready={snapshot.is_some().then_some("true")}>
            <h4>{text::heading(props.node, &seconds(props.at), &status)}</h4>
            <button id="inspect-close" class="linklike" onclick={close}>{text::close()}</button>
            { body }
            { actions }
        </div>
    }
}

/// A word of a model's own table in the reader's language: roles, link directions and the
/// `ok`/`handshake` states; the systems' flag names (PFAIL, FAIL) and anything else as they came.
fn model_word(word: &str) -> String {
    use crate::i18n::{t, tf};
    match word {
        "master" => t("inspect.model.master").into(),
        "ok" => t("inspect.model.ok").into(),
        "handshake" => t("inspect.model.handshake").into(),
        "outbound" => t("inspect.model.outbound").into(),
        "inbound" => t("inspect.model.inbound").into(),
        _ => match word.strip_prefix("replica of ") {
            Some(master) => tf("inspect.model.replica_of", &[("master", &master)]),
            None => word.to_string(),
        },
    }
}

/// A cell of a system model's table, for people.
fn model_cell(cell: &ModelCell) -> String {
    match cell {
        ModelCell::Node(id) => id.to_string(),
        ModelCell::Time(Some(ms)) => seconds(*ms),
        ModelCell::Time(None) => crate::i18n::t("figure.never").into(),
        ModelCell::Count(count) => count.to_string(),
        ModelCell::Value(value) => format!("{value:.2}"),
        ModelCell::Flag(true) => crate::i18n::t("inspect.yes").into(),
        ModelCell::Flag(false) => crate::i18n::t("inspect.no").into(),
        ModelCell::Word(word) => model_word(word),
    }
}

/// A column or fact name of a system model's table in the page's language.
fn model_name(name: &str) -> String {
    crate::i18n::t_opt(&format!("inspect.model.{name}"))
        .map_or_else(|| name.replace('_', " "), String::from)
}

/// A system model's node: its facts, then its table (Redis: known nodes; Cassandra: endpoint
/// states; Bitcoin: peers).
fn model_table(table: &ModelNodeTable) -> Html {
    let facts = table
        .facts
        .iter()
        .map(|(name, cell)| format!("{}: {}", model_name(name), model_cell(cell)))
        .collect::<Vec<_>>()
        .join(" · ");
    html! {
        <>
            <p id="inspector-facts" class="note">{facts}</p>
            <div class="inspector-scroll" style="max-height: 24rem; overflow-y: auto;">
            <table id="inspector-model" data-system={table.system.clone()}>
                <tr>{ for table.columns.iter().map(|name| html! { <th>{model_name(name)}</th> }) }</tr>
                { for table.rows.iter().map(|row| html! {
                    <tr data-row={row.first().map(model_cell)}>
                        { for row.iter().zip(&table.columns).map(|(cell, name)| html! {
                            <td data-column={name.clone()}>{model_cell(cell)}</td>
                        }) }
                    </tr>
                }) }
            </table>
            </div>
        </>
    }
}

/// The submit of a "write at this node" form: the same experiment with a write of the form's
/// key and value (or "key" and "value" when left empty) at `node` at `at` ms. The cluster
/// graph's form and the node inspector's both use it.
pub fn write_at(
    on_fault: &Callback<ScheduledClusterFault>,
    node: u32,
    at: u64,
    key_input: &NodeRef,
    value_input: &NodeRef,
) -> Callback<SubmitEvent> {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn a_click_finds_the_nearest_node_within_reach() {
        let points = [(10.0, 10.0), (30.0, 10.0), (100.0, 100.0)];
        assert_eq!(node_at(&points, (12.0, 11.0), 8.0), Some(0));
        assert_eq!(node_at(&points, (24.0, 10.0), 8.0), Some(1));
        assert_eq!(node_at(&points, (60.0, 60.0), 8.0), None);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_running_node_can_crash_or_leave_and_a_crashed_one_restart() {
        let ids =
            |status| -> Vec<&str> { what_ifs(4, status).into_iter().map(|(id, ..)| id).collect() };
        assert_eq!(
            ids(NodeStatus::Live),
            [
                "inspect-crash",
                "inspect-leave",
                "inspect-cut-off",
                "inspect-heal"
            ]
        );
        assert_eq!(
            ids(NodeStatus::Crashed),
            [
                "inspect-restart",
                "inspect-restart-fresh",
                "inspect-cut-off",
                "inspect-heal"
            ]
        );
        assert_eq!(
            what_ifs(4, NodeStatus::Crashed)[0].2,
            ClusterFault::Restart {
                node: 4,
                keep_state: true
            }
        );
    }
}
