//! Tests of the protocol, through [`Swim`]'s inputs and outputs: `view.rs` drives one member by
//! hand (precedence, refutation, dissemination, probe order, joining); `cluster.rs` runs groups
//! over [`Net`], a simulated network, through crashes, loss, partitions, leaves and rejoins;
//! `lifeguard.rs` covers what Lifeguard changes; `gossip.rs` the gossip timer and the log10 scale.

use std::collections::{BTreeMap, BTreeSet};

use rand::RngExt;

use super::*;
use crate::{SimRng, seeded_rng};
use wasm_bindgen_test::wasm_bindgen_test;

mod cluster;
mod gossip;
mod lifeguard;
mod view;

/// The one-way latency of every message in a [`Net`].
const LATENCY: Time = 10;

/// A network of SWIM members: messages arrive after a fixed one-way latency, unless lost,
/// addressed to or from a crashed member, or muted.
struct Net {
    now: Time,
    nodes: Vec<Swim>,
    timeouts: Vec<Option<Time>>,
    rng: SimRng,
    queue: BTreeMap<(Time, u64), (NodeId, NodeId, SwimMessage)>,
    next_seq: u64,
    loss: f64,
    down: Vec<bool>,
    /// Acks sent by this member are dropped.
    mute_acks: Option<NodeId>,
    /// Links (either direction) that drop everything.
    cut: BTreeSet<(NodeId, NodeId)>,
    /// (observer, event), in order.
    events: Vec<(NodeId, MemberEvent)>,
    max_updates: usize,
    max_sync: usize,
    indirect_acks: usize,
}

impl Net {
    fn new(n: usize, config: SwimConfig, seed: u64, loss: f64) -> Net {
        Net {
            now: 0,
            nodes: (0..n as NodeId).map(|id| Swim::new(id, config)).collect(),
            timeouts: vec![None; n],
            rng: seeded_rng(seed),
            queue: BTreeMap::new(),
            next_seq: 0,
            loss,
            down: vec![false; n],
            mute_acks: None,
            cut: BTreeSet::new(),
            events: Vec::new(),
            max_updates: 0,
            max_sync: 0,
            indirect_acks: 0,
        }
    }

    /// A group formed by joins through member 0, 20 ms apart.
    fn joined(n: usize, config: SwimConfig, seed: u64, loss: f64) -> Net {
        let mut net = Net::new(n, config, seed, loss);
        for id in 1..n {
            net.run_until(20 * id as Time);
            net.nodes[id].join(net.now, 0);
            net.flush(id);
        }
        net
    }

    fn flush(&mut self, i: usize) {
        while let Some((to, msg)) = self.nodes[i].poll_transmit() {
            match &msg {
                SwimMessage::Ping { updates, .. }
                | SwimMessage::Ack { updates, .. }
                | SwimMessage::PingReq { updates, .. }
                | SwimMessage::IndirectAck { updates, .. }
                | SwimMessage::Gossip { updates } => {
                    self.max_updates = self.max_updates.max(updates.len());
                }
                SwimMessage::Sync { members } => self.max_sync = self.max_sync.max(members.len()),
                SwimMessage::Join { .. } | SwimMessage::Nack { .. } => {}
            }
            let key = (self.now + LATENCY, self.next_seq);
            self.next_seq += 1;
            self.queue.insert(key, (i as NodeId, to, msg));
        }
        while let Some(event) = self.nodes[i].poll_event() {
            self.events.push((i as NodeId, event));
        }
        self.timeouts[i] = self.nodes[i].poll_timeout();
        check_indices(&self.nodes[i]);
    }

    fn deliver(&mut self, from: NodeId, to: NodeId, msg: SwimMessage) {
        let (f, t) = (from as usize, to as usize);
        let muted = self.mute_acks == Some(from) && matches!(msg, SwimMessage::Ack { .. });
        let cut = self.cut.contains(&(from.min(to), from.max(to)));
        if self.down[f] || self.down[t] || muted || cut {
            return;
        }
        if self.loss > 0.0 && self.rng.random_bool(self.loss) {
            return;
        }
        if matches!(msg, SwimMessage::IndirectAck { .. }) {
            self.indirect_acks += 1;
        }
        self.nodes[t].handle(self.now, from, msg, &mut self.rng);
        self.flush(t);
    }

    /// Runs every delivery and timer strictly before `until`.
    fn run_until(&mut self, until: Time) {
        loop {
            let delivery = self.queue.first_key_value().map(|(&(at, _), _)| at);
            let timer = (0..self.nodes.len())
                .filter(|&i| !self.down[i])
                .filter_map(|i| self.timeouts[i])
                .min();
            let next = match (delivery, timer) {
                (Some(d), Some(t)) => d.min(t),
                (d, t) => match d.or(t) {
                    Some(next) => next,
                    None => break,
                },
            };
            if next >= until {
                break;
            }
            self.now = self.now.max(next);
            if delivery == Some(next) {
                let ((_, _), (from, to, msg)) = self.queue.pop_first().unwrap();
                self.deliver(from, to, msg);
            } else {
                for i in 0..self.nodes.len() {
                    if !self.down[i] && self.timeouts[i].is_some_and(|t| t <= self.now) {
                        self.nodes[i].tick(self.now, &mut self.rng);
                        self.flush(i);
                    }
                }
            }
        }
        self.now = self.now.max(until);
    }

    fn view(&self, observer: usize, id: usize) -> Option<MemberState> {
        self.nodes[observer]
            .member(id as NodeId)
            .map(|member| member.state)
    }

    /// Every running member sees every other running member Alive.
    fn converged(&self) -> bool {
        let up: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| !self.down[i] && !self.nodes[i].has_left())
            .collect();
        up.iter().all(|&i| {
            up.iter()
                .all(|&j| i == j || self.view(i, j) == Some(MemberState::Alive))
        })
    }

    /// Runs period by period until converged; returns the time, or None by `limit`.
    fn run_to_convergence(&mut self, limit: Time) -> Option<Time> {
        let period = self.nodes[0].config().protocol_period;
        while self.now < limit {
            self.run_until(self.now + period / 10);
            if self.converged() {
                return Some(self.now);
            }
        }
        None
    }

    fn events_about(&self, id: usize) -> impl Iterator<Item = &(NodeId, MemberEvent)> {
        self.events
            .iter()
            .filter(move |(_, event)| event.id() == id as NodeId)
    }
}

/// The lists kept beside the member table say what a walk over it would.
fn check_indices(swim: &Swim) {
    let listed = |state: MemberState| -> Vec<NodeId> {
        swim.members()
            .filter(|(_, member)| member.state == state)
            .map(|(id, _)| id)
            .collect()
    };
    assert_eq!(
        swim.alive.iter().collect::<Vec<_>>(),
        listed(MemberState::Alive)
    );
    assert_eq!(swim.dead, listed(MemberState::Dead));
    assert!(swim.members.iter().map(|(id, _)| id).is_sorted());
    assert_eq!(swim.members.iter().count(), swim.members.len());
}

fn is_suspected(event: &MemberEvent) -> bool {
    matches!(event, MemberEvent::Suspected { .. })
}

fn is_failed(event: &MemberEvent) -> bool {
    matches!(event, MemberEvent::Failed { .. })
}
