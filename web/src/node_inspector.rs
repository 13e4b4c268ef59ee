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
//! The rerun happens on the page's thread: playback exists only for clusters small enough to
//! draw, which rerun to any instant in milliseconds.

use std::rc::Rc;

use gossip_core::{MemberState, Stamp};
use gossip_sim::events::{ClusterFault, NodeStatus, ScheduledClusterFault};
use gossip_sim::inspect::NodeSnapshot;
use gossip_sim::scenario::Scenario;
use yew::prelude::*;

/// Every user-facing string of the panel, in one place for translation.
mod text {
    use crate::i18n::{t, tf};
    use gossip_core::{MemberState, Stamp};
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
    /// The state's name as the `data-state` attribute holds it (not translated).
    pub fn state(state: MemberState) -> &'static str {
        match state {
            MemberState::Alive => "alive",
            MemberState::Suspect => "suspect",
            MemberState::Dead => "dead",
            MemberState::Left => "left",
        }
    }
    /// The state's name in the page's language.
    pub fn state_label(state: MemberState) -> &'static str {
        match state {
            MemberState::Alive => t("live.state.alive"),
            MemberState::Suspect => t("live.state.suspect"),
            MemberState::Dead => t("live.state.dead"),
            MemberState::Left => t("live.state.left"),
        }
    }
    pub fn incarnation(incarnation: u32, queued: usize) -> String {
        tf(
            "inspect.incarnation",
            &[("incarnation", &incarnation), ("queued", &queued)],
        )
    }
    pub fn members() -> &'static str {
        t("inspect.members")
    }
    pub fn member_headers() -> [&'static str; 5] {
        [
            t("inspect.col.member"),
            t("inspect.col.state"),
            t("inspect.col.incarnation"),
            t("inspect.col.since"),
            t("inspect.col.suspicion_ends"),
        ]
    }
    pub fn ends_in(deadline: &str, left: &str) -> String {
        tf(
            "inspect.ends_in",
            &[("deadline", &deadline), ("left", &left)],
        )
    }
    pub fn store() -> &'static str {
        t("live.store")
    }
    pub fn store_empty() -> &'static str {
        t("inspect.store_empty")
    }
    pub fn store_headers() -> [&'static str; 4] {
        [
            t("cluster.col.key"),
            t("live.col.version"),
            t("inspect.col.written_by"),
            t("inspect.col.bytes"),
        ]
    }
    pub fn writer(origin: u32, me: u32) -> String {
        if origin == me {
            t("inspect.this_node").into()
        } else {
            tf("inspect.node", &[("node", &origin)])
        }
    }
    pub fn rumors() -> &'static str {
        t("inspect.rumors")
    }
    pub fn rumors_none() -> &'static str {
        t("inspect.rumors_none")
    }
    pub fn stamp(stamp: Stamp) -> String {
        tf(
            "inspect.stamp",
            &[("version", &stamp.version), ("origin", &stamp.origin)],
        )
    }
    pub fn mail() -> &'static str {
        t("inspect.mail")
    }
    pub fn mail_none() -> &'static str {
        t("inspect.mail_none")
    }
    pub fn mail_item(to: u32, stamp: Stamp, attempts: u8, due: &str) -> String {
        tf(
            "inspect.mail_item",
            &[
                ("to", &to),
                ("version", &stamp.version),
                ("origin", &stamp.origin),
                ("attempts", &attempts),
                ("due", &due),
            ],
        )
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

fn seconds(ms: u64) -> String {
    crate::i18n::with_unit(format!("{:.3}", ms as f64 / 1_000.0), "seconds")
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
    let snapshot = use_memo((scenario, props.node, props.at), |(scenario, node, at)| {
        scenario
            .as_ref()
            .map(|scenario| scenario.inspect_node(*node, *at).map_err(|e| e.to_string()))
    });
    let Some(context) = context else {
        return Html::default();
    };
    let close = props.on_close.reform(|_| ());
    let body = match &*snapshot {
        None => Html::default(),
        Some(Err(error)) => html! { <p class="note">{text::error(error)}</p> },
        Some(Ok(snapshot)) => tables(snapshot),
    };
    let actions = match (&context.on_fault, &*snapshot) {
        (Some(on_fault), Some(Ok(snapshot))) => {
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
        Some(Ok(snapshot)) => text::status(snapshot.status),
        _ => String::new(),
    };
    html! {
        <div id="node-inspector" class="message-panel" data-node={props.node.to_string()} data-at={props.at.to_string()}>
            <h4>{text::heading(props.node, &seconds(props.at), &status)}</h4>
            <button id="inspect-close" class="linklike" onclick={close}>{text::close()}</button>
            { body }
            { actions }
        </div>
    }
}

/// The member table, store, rumors and mail queue of `snapshot`.
fn tables(snapshot: &NodeSnapshot) -> Html {
    let seen = &snapshot.inspection;
    let at = snapshot.at;
    let member_rows = seen.members.iter().map(|m| {
        let ends = m.suspicion_deadline.map_or(String::new(), |deadline| {
            text::ends_in(&seconds(deadline), &seconds(deadline.saturating_sub(at)))
        });
        let class = match m.state {
            MemberState::Alive => "alive",
            MemberState::Suspect => "suspect",
            MemberState::Dead | MemberState::Left => "dead",
        };
        html! {
            <tr data-member={m.id.to_string()} data-state={text::state(m.state)} class={class}>
                <td>{m.id}</td><td>{text::state_label(m.state)}</td><td>{m.incarnation}</td>
                <td>{seconds(m.since)}</td><td>{ends}</td>
            </tr>
        }
    });
    let entry_rows = seen.entries.iter().map(|e| {
        html! {
            <tr data-key={e.key.clone()}>
                <td>{e.key.clone()}</td><td>{e.stamp.version}</td>
                <td>{text::writer(e.stamp.origin, seen.me)}</td><td>{e.value_bytes}</td>
            </tr>
        }
    });
    let stamp_item = |stamp: &Stamp| html! { <li>{text::stamp(*stamp)}</li> };
    html! {
        <>
            <p class="note">{text::incarnation(seen.incarnation, seen.queued_updates)}</p>
            <table id="inspector-members">
                <caption>{text::members()}</caption>
                <tr>{ for text::member_headers().iter().map(|h| html! { <th>{*h}</th> }) }</tr>
                { for member_rows }
            </table>
            if seen.entries.is_empty() {
                <p id="inspector-store" class="note">{text::store_empty()}</p>
            } else {
                <table id="inspector-store">
                    <caption>{text::store()}</caption>
                    <tr>{ for text::store_headers().iter().map(|h| html! { <th>{*h}</th> }) }</tr>
                    { for entry_rows }
                </table>
            }
            <p class="note">{text::rumors()}</p>
            if seen.hot_rumors.is_empty() {
                <p id="inspector-rumors" class="note">{text::rumors_none()}</p>
            } else {
                <ul id="inspector-rumors" class="note">{ for seen.hot_rumors.iter().map(stamp_item) }</ul>
            }
            <p class="note">{text::mail()}</p>
            if seen.mail_queue.is_empty() {
                <p id="inspector-mail" class="note">{text::mail_none()}</p>
            } else {
                <ul id="inspector-mail" class="note">
                    { for seen.mail_queue.iter().map(|m| html! {
                        <li>{text::mail_item(m.to, m.stamp, m.attempts, &seconds(m.due))}</li>
                    }) }
                </ul>
            }
        </>
    }
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
