//! The live tab's inspector: this tab's own node, read from the running gossip-core node
//! ([`LiveNode::snapshot`](crate::live_node::LiveNode::snapshot)) and drawn with the playback
//! inspector's tables ([`crate::inspector_tables`]), refreshed whenever the panel redraws (the
//! node changed, or a dot moved) unless frozen at an instant; or another peer of the room, whose
//! node runs elsewhere: this tab shows the row its own member table holds about it, and says so.

use gossip_core::NodeId;
use gossip_sim::inspect::NodeSnapshot;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::i18n::{t, tf, use_lang};
use crate::inspector_tables::{Naming, member_table, seconds, tables};

/// The ids of the panel's elements start with this (the playback's inspector uses `inspector`).
pub const PREFIX: &str = "live-inspector";

/// Which member the inspector shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inspecting {
    /// This tab's own node: its whole state.
    Own,
    /// Another peer of the room: this tab's member-table row about it.
    Peer(NodeId),
}

impl Inspecting {
    /// What a click on member `id` of the graph inspects, when this tab is `me`.
    pub fn clicked(id: NodeId, me: Option<NodeId>) -> Self {
        if Some(id) == me {
            Inspecting::Own
        } else {
            Inspecting::Peer(id)
        }
    }
}

/// The panel's properties.
#[derive(Properties, PartialEq)]
pub struct LiveInspectorProps {
    /// The member shown.
    pub target: Inspecting,
    /// This tab's node as it is now; None before the relay has named the tab.
    pub snapshot: Option<NodeSnapshot>,
    /// Closes the panel.
    pub on_close: Callback<()>,
}

/// The panel (see the module documentation).
#[component]
pub fn LiveInspector(props: &LiveInspectorProps) -> Html {
    let _lang = use_lang();
    // The snapshot taken when "freeze" was switched on.
    let frozen = use_state(|| None::<NodeSnapshot>);
    let on_freeze = {
        let (frozen, now) = (frozen.clone(), props.snapshot.clone());
        Callback::from(move |event: Event| {
            let on = event.target_unchecked_into::<HtmlInputElement>().checked();
            frozen.set(if on { now.clone() } else { None });
        })
    };
    let close = props.on_close.reform(|_| ());
    let shown = frozen.as_ref().or(props.snapshot.as_ref());
    let Some(snapshot) = shown else {
        return html! {
            <div id={PREFIX} class="message-panel">
                <p class="note">{t("live.connecting")}</p>
                <button id="live-inspector-close" class="linklike" onclick={close}>{t("inspect.close")}</button>
            </div>
        };
    };
    let at = seconds(snapshot.at);
    let (heading, body) = match props.target {
        Inspecting::Own => (
            tf("live.inspect.own", &[("id", &snapshot.node), ("at", &at)]),
            html! {
                <>
                    <p class="note">{t("live.inspect.own_note")}</p>
                    { tables(snapshot, PREFIX, Naming::Peer) }
                </>
            },
        ),
        Inspecting::Peer(id) => {
            let row: Vec<_> = snapshot
                .inspection
                .members
                .iter()
                .filter(|row| row.id == id)
                .copied()
                .collect();
            (
                tf("live.inspect.peer", &[("id", &id), ("at", &at)]),
                html! {
                    <>
                        <p class="note">{tf("live.inspect.peer_note", &[("id", &id), ("me", &snapshot.node)])}</p>
                        if row.is_empty() {
                            <p id={format!("{PREFIX}-members")} class="note">{tf("live.inspect.peer_unknown", &[("id", &id)])}</p>
                        } else {
                            { member_table(&row, snapshot.at, PREFIX) }
                        }
                    </>
                },
            )
        }
    };
    let target = match props.target {
        Inspecting::Own => "own".to_string(),
        Inspecting::Peer(id) => id.to_string(),
    };
    html! {
        <div id={PREFIX} class="message-panel" data-target={target} data-at={snapshot.at.to_string()}
            data-frozen={frozen.is_some().then_some("true")}>
            <h4>{heading}</h4>
            <label class="check">
                <input id="live-inspector-freeze" type="checkbox" checked={frozen.is_some()} onchange={on_freeze} />
                {match frozen.as_ref() {
                    Some(snapshot) => tf("live.inspect.frozen", &[("at", &seconds(snapshot.at))]),
                    None => t("live.inspect.freeze").to_string(),
                }}
            </label>
            {" "}
            <button id="live-inspector-close" class="linklike" onclick={close}>{t("inspect.close")}</button>
            { body }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn a_click_on_this_tab_inspects_its_node_and_on_another_its_row() {
        assert_eq!(Inspecting::clicked(3, Some(3)), Inspecting::Own);
        assert_eq!(Inspecting::clicked(4, Some(3)), Inspecting::Peer(4));
        assert_eq!(Inspecting::clicked(4, None), Inspecting::Peer(4));
    }
}
