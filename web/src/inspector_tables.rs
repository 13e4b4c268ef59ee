//! The tables of an inspected node, shared by the simulated playback's inspector
//! ([`crate::node_inspector`]) and the live tab's ([`crate::live`]): its member table (state,
//! incarnation, since when, when a suspicion ends), its store (keys, versions, who wrote each,
//! how each arrived), its hot rumors and its direct-mail retry queue. Both feed the same
//! view-model, gossip-sim's [`NodeSnapshot`]: the simulator builds it by rerunning the scenario,
//! the live tab from its running node ([`crate::live_node::LiveNode::snapshot`]).
//!
//! Element ids start with a prefix the caller gives (`inspector` in the playback,
//! `live-inspector` in the live panel), since both panels can be open on the one page.

use gossip_core::{MemberRow, MemberState, Stamp, Time};
use gossip_sim::events::{Arrived, Provenance};
use gossip_sim::inspect::NodeSnapshot;
use yew::prelude::*;

/// What the tables call the nodes they name: nodes in the simulator, peers in a live room (as
/// the live graph and log call them).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Naming {
    Node,
    Peer,
}

/// Every user-facing string of the tables, in one place for translation.
mod text {
    use super::Naming;
    use crate::i18n::{t, tf};
    use gossip_core::{MemberState, Stamp};

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
    pub fn store_headers() -> [&'static str; 5] {
        [
            t("cluster.col.key"),
            t("live.col.version"),
            t("inspect.col.written_by"),
            t("inspect.col.bytes"),
            t("inspect.col.arrived"),
        ]
    }
    /// The key of a string that names a node: `node_key` in the simulator, `peer_key` live.
    fn naming(naming: Naming, node_key: &'static str, peer_key: &'static str) -> &'static str {
        match naming {
            Naming::Node => node_key,
            Naming::Peer => peer_key,
        }
    }
    pub fn writer(origin: u32, me: u32, names: Naming) -> String {
        if origin == me {
            t(naming(
                names,
                "inspect.this_node",
                "live.inspect.table.this_peer",
            ))
            .into()
        } else {
            tf(
                naming(names, "inspect.node", "live.inspect.table.peer"),
                &[("node", &origin)],
            )
        }
    }
    pub fn rumors() -> &'static str {
        t("inspect.rumors")
    }
    pub fn rumors_none() -> &'static str {
        t("inspect.rumors_none")
    }
    pub fn stamp(stamp: Stamp, names: Naming) -> String {
        tf(
            naming(names, "inspect.stamp", "live.inspect.table.stamp"),
            &[("version", &stamp.version), ("origin", &stamp.origin)],
        )
    }
    pub fn mail() -> &'static str {
        t("inspect.mail")
    }
    pub fn mail_none() -> &'static str {
        t("inspect.mail_none")
    }
    pub fn mail_item(to: u32, stamp: Stamp, attempts: u8, due: &str, names: Naming) -> String {
        tf(
            naming(names, "inspect.mail_item", "live.inspect.table.mail_item"),
            &[
                ("to", &to),
                ("version", &stamp.version),
                ("origin", &stamp.origin),
                ("attempts", &attempts),
                ("due", &due),
            ],
        )
    }
    /// How a version arrived, in words.
    pub fn arrived(arrived: super::Arrived, at: &str, names: Naming) -> String {
        use super::Arrived;
        let key = match arrived {
            Arrived::Written => {
                return tf(
                    naming(
                        names,
                        "inspect.arrived.written",
                        "live.inspect.table.arrived.written",
                    ),
                    &[("at", &at)],
                );
            }
            Arrived::DirectMail { .. } => naming(
                names,
                "inspect.arrived.mail",
                "live.inspect.table.arrived.mail",
            ),
            Arrived::Rumor { .. } => naming(
                names,
                "inspect.arrived.rumor",
                "live.inspect.table.arrived.rumor",
            ),
            Arrived::AntiEntropy { pulled: false, .. } => naming(
                names,
                "inspect.arrived.push",
                "live.inspect.table.arrived.push",
            ),
            Arrived::AntiEntropy { pulled: true, .. } => naming(
                names,
                "inspect.arrived.pull",
                "live.inspect.table.arrived.pull",
            ),
        };
        let from = super::arrived_from(arrived).unwrap_or_default();
        tf(key, &[("from", &from), ("at", &at)])
    }
}

/// A version's arrival as the `data-arrived` attribute holds it (not translated).
pub fn arrived_kind(arrived: Arrived) -> &'static str {
    match arrived {
        Arrived::Written => "written",
        Arrived::DirectMail { .. } => "direct_mail",
        Arrived::Rumor { .. } => "rumor",
        Arrived::AntiEntropy { pulled: false, .. } => "anti_entropy_push",
        Arrived::AntiEntropy { pulled: true, .. } => "anti_entropy_pull",
    }
}

/// The peer a version came from, if it came from one.
pub fn arrived_from(arrived: Arrived) -> Option<u32> {
    match arrived {
        Arrived::Written => None,
        Arrived::DirectMail { from }
        | Arrived::Rumor { from }
        | Arrived::AntiEntropy { from, .. } => Some(from),
    }
}

/// `ms` as seconds with three decimals and the unit, in the page's language.
pub fn seconds(ms: u64) -> String {
    crate::i18n::with_unit(format!("{:.3}", ms as f64 / 1_000.0), "seconds")
}

/// A member state's class on a row: suspects stand out, the dead and the departed look alike.
fn row_class(state: MemberState) -> &'static str {
    match state {
        MemberState::Alive => "alive",
        MemberState::Suspect => "suspect",
        MemberState::Dead | MemberState::Left => "dead",
    }
}

/// A member table of `rows` as held at `at` ms, with id `<prefix>-members`: the whole table of an
/// inspected node, or the one row a live tab holds about another peer.
pub fn member_table(rows: &[MemberRow], at: Time, prefix: &str) -> Html {
    let member_rows = rows.iter().map(|m| {
        let ends = m.suspicion_deadline.map_or(String::new(), |deadline| {
            text::ends_in(&seconds(deadline), &seconds(deadline.saturating_sub(at)))
        });
        html! {
            <tr data-member={m.id.to_string()} data-state={text::state(m.state)} class={row_class(m.state)}>
                <td>{m.id}</td><td>{text::state_label(m.state)}</td><td>{m.incarnation}</td>
                <td>{seconds(m.since)}</td><td>{ends}</td>
            </tr>
        }
    });
    html! {
        // A large cluster's table scrolls inside the panel rather than lengthening the page.
        <div class="inspector-scroll" style="max-height: 24rem; overflow-y: auto;">
        <table id={format!("{prefix}-members")}>
            <caption>{text::members()}</caption>
            <tr>{ for text::member_headers().iter().map(|h| html! { <th>{*h}</th> }) }</tr>
            { for member_rows }
        </table>
        </div>
    }
}

/// The member table, store, rumors and mail queue of `snapshot`, with ids `<prefix>-members`,
/// `<prefix>-store`, `<prefix>-rumors` and `<prefix>-mail`, naming other nodes as `names` says.
pub fn tables(snapshot: &NodeSnapshot, prefix: &str, names: Naming) -> Html {
    let seen = &snapshot.inspection;
    let entry_rows = seen.entries.iter().map(|e| {
        let arrival = snapshot
            .provenance
            .iter()
            .find(|p: &&Provenance| p.key == e.key && p.stamp == e.stamp);
        let (kind, from, how) = match arrival {
            Some(p) => (
                Some(arrived_kind(p.arrived)),
                arrived_from(p.arrived).map(|from| from.to_string()),
                text::arrived(p.arrived, &seconds(p.at), names),
            ),
            None => (None, None, String::new()),
        };
        html! {
            <tr data-key={e.key.clone()} data-arrived={kind} data-from={from}>
                <td>{e.key.clone()}</td><td>{e.stamp.version}</td>
                <td>{text::writer(e.stamp.origin, seen.me, names)}</td><td>{e.value_bytes}</td>
                <td>{how}</td>
            </tr>
        }
    });
    let stamp_item = |stamp: &Stamp| html! { <li>{text::stamp(*stamp, names)}</li> };
    html! {
        <>
            <p class="note">{text::incarnation(seen.incarnation, seen.queued_updates)}</p>
            { member_table(&seen.members, snapshot.at, prefix) }
            if seen.entries.is_empty() {
                <p id={format!("{prefix}-store")} class="note">{text::store_empty()}</p>
            } else {
                <table id={format!("{prefix}-store")}>
                    <caption>{text::store()}</caption>
                    <tr>{ for text::store_headers().iter().map(|h| html! { <th>{*h}</th> }) }</tr>
                    { for entry_rows }
                </table>
            }
            <p class="note">{text::rumors()}</p>
            if seen.hot_rumors.is_empty() {
                <p id={format!("{prefix}-rumors")} class="note">{text::rumors_none()}</p>
            } else {
                <ul id={format!("{prefix}-rumors")} class="note">{ for seen.hot_rumors.iter().map(stamp_item) }</ul>
            }
            <p class="note">{text::mail()}</p>
            if seen.mail_queue.is_empty() {
                <p id={format!("{prefix}-mail")} class="note">{text::mail_none()}</p>
            } else {
                <ul id={format!("{prefix}-mail")} class="note">
                    { for seen.mail_queue.iter().map(|m| html! {
                        <li>{text::mail_item(m.to, m.stamp, m.attempts, &seconds(m.due), names)}</li>
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
    fn each_arrival_names_its_mechanism_and_its_sender() {
        let all = [
            Arrived::Written,
            Arrived::DirectMail { from: 2 },
            Arrived::Rumor { from: 3 },
            Arrived::AntiEntropy {
                from: 4,
                pulled: false,
            },
            Arrived::AntiEntropy {
                from: 5,
                pulled: true,
            },
        ];
        let seen: Vec<(&str, Option<u32>)> = all
            .into_iter()
            .map(|arrived| (arrived_kind(arrived), arrived_from(arrived)))
            .collect();
        assert_eq!(
            seen,
            [
                ("written", None),
                ("direct_mail", Some(2)),
                ("rumor", Some(3)),
                ("anti_entropy_push", Some(4)),
                ("anti_entropy_pull", Some(5)),
            ]
        );
    }

    /// The live panel calls the others peers, as the live graph and log do; the simulator's
    /// inspector calls them nodes.
    #[wasm_bindgen_test(unsupported = test)]
    fn live_tables_name_peers_and_the_simulators_name_nodes() {
        use crate::i18n::{Lang, set_current};
        let stamp = Stamp {
            version: 2,
            origin: 3,
        };
        let said = |names: Naming| {
            [
                text::writer(3, 1, names),
                text::writer(1, 1, names),
                text::stamp(stamp, names),
                text::mail_item(4, stamp, 2, "1.500 s", names),
                text::arrived(Arrived::Rumor { from: 5 }, "0.250 s", names),
                text::arrived(
                    Arrived::AntiEntropy {
                        from: 6,
                        pulled: true,
                    },
                    "0.250 s",
                    names,
                ),
            ]
        };
        assert_eq!(
            said(Naming::Peer),
            [
                "peer 3",
                "this peer",
                "version 2 of peer 3",
                "to peer 4: version 2 of peer 3, sent 2 times, next at 1.500 s",
                "by rumor from peer 5 at 0.250 s",
                "by anti-entropy, pulled from peer 6, at 0.250 s",
            ]
        );
        assert_eq!(
            said(Naming::Node),
            [
                "node 3",
                "this node",
                "version 2 of node 3",
                "to node 4: version 2 of node 3, sent 2 times, next at 1.500 s",
                "by rumor from node 5 at 0.250 s",
                "by anti-entropy, pulled from node 6, at 0.250 s",
            ]
        );
        set_current(Lang::ZhCn);
        let chinese = said(Naming::Peer);
        set_current(Lang::En);
        assert_eq!(
            chinese,
            [
                "对等节点 3",
                "本对等节点",
                "对等节点 3 的版本 2",
                "发往对等节点 4：对等节点 3 的版本 2，已发送 2 次，下次在 1.500 s",
                "于 0.250 s 经谣言从对等节点 5 到达",
                "于 0.250 s 经反熵从对等节点 6 拉取而来",
            ]
        );
    }
}
