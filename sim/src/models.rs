//! The engine for models of real systems ([`crate::systems`]): each node runs a [`Model`], a
//! sans-IO state machine of that system's protocol, and the engine moves its messages over links
//! with latency and loss and wakes it at the times it asks for. It is the event engine of
//! [`super::events`] cut down to what the models need (crashes and slow nodes, no churn or
//! partitions), generic over the protocol.
//!
//! Deterministic like the other engines: one seeded generator, one priority queue ordered by
//! time and then by scheduling order, no hash-map iteration.
//!
//! A model reports what it decides through [`Io::observe`] ("node 3 holds node 7 failed", "the
//! transaction arrived"); the engine keeps every observation with its time, and each system's
//! module turns them into its figures.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use serde::{Deserialize, Serialize};

use crate::events::Latency;
use gossip_core::{NodeId, SimRng, Time, seeded_rng};
use rand::RngExt;

/// What a node of a system model does when the engine calls it.
pub trait Model {
    type Message: Clone;

    /// The bytes the real system would put on the wire for `message`.
    fn bytes(message: &Self::Message) -> usize;
    /// Called once at time 0.
    fn start(&mut self, io: &mut Io<'_, Self::Message>);
    /// Called at the time last asked for with [`Io::wake_at`].
    fn timer(&mut self, io: &mut Io<'_, Self::Message>);
    fn receive(&mut self, from: NodeId, message: Self::Message, io: &mut Io<'_, Self::Message>);
}

/// A decision or measurement a node reports: `what` happened about `subject`, with a value
/// (phi, a count; 0 when there is none).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Observation {
    pub at: Time,
    pub observer: NodeId,
    pub what: &'static str,
    pub subject: NodeId,
    pub value: f64,
}

/// A node's way out: messages to send, the next wake-up, observations.
pub struct Io<'a, M> {
    pub now: Time,
    pub me: NodeId,
    /// The population, ids `0..nodes`.
    pub nodes: u32,
    pub rng: &'a mut SimRng,
    sends: &'a mut Vec<(NodeId, M)>,
    wake: Option<Time>,
    observations: &'a mut Vec<Observation>,
}

impl<M> Io<'_, M> {
    pub fn send(&mut self, to: NodeId, message: M) {
        self.sends.push((to, message));
    }

    /// Asks to be woken at `at` (the earliest of several asks wins; a node asks again each time
    /// it is woken).
    pub fn wake_at(&mut self, at: Time) {
        self.wake = Some(self.wake.map_or(at, |wake| wake.min(at)));
    }

    pub fn observe(&mut self, what: &'static str, subject: NodeId, value: f64) {
        self.observations.push(Observation {
            at: self.now,
            observer: self.me,
            what,
            subject,
            value,
        });
    }
}

/// Something that happens to a node at a given time.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SystemFault {
    /// The node stops for good: it sends nothing and messages to it are lost.
    Crash { node: NodeId },
    /// Deliveries to the node and its timers run `extra_delay` ms late (0: normal again).
    Slow { node: NodeId, extra_delay: Time },
}

/// A fault and when it happens.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScheduledSystemFault {
    pub at: Time,
    pub fault: SystemFault,
}

/// The network and schedule of a model run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelNetwork {
    pub latency: Latency,
    /// Probability that a message is lost.
    pub loss: f64,
    pub duration: Time,
    pub faults: Vec<ScheduledSystemFault>,
}

impl Default for ModelNetwork {
    /// A LAN (5 to 15 ms), no loss, one minute, no faults.
    fn default() -> Self {
        ModelNetwork {
            latency: Latency::Uniform { min: 5, max: 15 },
            loss: 0.0,
            duration: 60_000,
            faults: Vec::new(),
        }
    }
}

impl ModelNetwork {
    pub fn validate(&self, nodes: u32) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.loss) {
            return Err(format!("loss must be between 0 and 1, got {}", self.loss));
        }
        for (index, fault) in self.faults.iter().enumerate() {
            let (SystemFault::Crash { node } | SystemFault::Slow { node, .. }) = fault.fault;
            if node >= nodes {
                return Err(format!(
                    "faults[{index}]: node {node} is not among the {nodes} nodes"
                ));
            }
        }
        Ok(())
    }
}

enum Pending<M> {
    Deliver {
        from: NodeId,
        to: NodeId,
        message: M,
    },
    Wake {
        node: NodeId,
    },
    Fault(SystemFault),
}

/// Traffic and observations of a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelTotals {
    pub messages: u64,
    pub bytes: u64,
    pub lost: u64,
    /// Messages that reached a crashed node.
    pub dropped_at_down: u64,
}

/// A run of `nodes` copies of a model.
pub struct ModelSim<M: Model> {
    nodes: Vec<M>,
    crashed: Vec<bool>,
    slow: Vec<Time>,
    /// Each node's live wake-up; queue entries for other times are stale.
    wakes: Vec<Option<Time>>,
    queue: BinaryHeap<Reverse<(Time, u64)>>,
    pending: std::collections::BTreeMap<u64, Pending<M::Message>>,
    seq: u64,
    now: Time,
    rng: SimRng,
    network: ModelNetwork,
    totals: ModelTotals,
    observations: Vec<Observation>,
}

impl<M: Model> ModelSim<M> {
    /// Starts every node at time 0.
    pub fn new(nodes: Vec<M>, network: ModelNetwork, seed: u64) -> Result<Self, String> {
        let count = nodes.len();
        network.validate(count as u32)?;
        let mut sim = ModelSim {
            nodes,
            crashed: vec![false; count],
            slow: vec![0; count],
            wakes: vec![None; count],
            queue: BinaryHeap::new(),
            pending: std::collections::BTreeMap::new(),
            seq: 0,
            now: 0,
            rng: seeded_rng(seed),
            totals: ModelTotals::default(),
            observations: Vec::new(),
            network,
        };
        for fault in sim.network.faults.clone() {
            sim.push(fault.at, Pending::Fault(fault.fault));
        }
        for node in 0..count as NodeId {
            sim.call(node, |model, io| model.start(io));
        }
        Ok(sim)
    }

    fn push(&mut self, at: Time, event: Pending<M::Message>) {
        self.queue.push(Reverse((at, self.seq)));
        self.pending.insert(self.seq, event);
        self.seq += 1;
    }

    /// Runs `f` on a node and carries out what it asked for.
    fn call(&mut self, node: NodeId, f: impl FnOnce(&mut M, &mut Io<'_, M::Message>)) {
        let mut sends = Vec::new();
        let mut io = Io {
            now: self.now,
            me: node,
            nodes: self.nodes.len() as u32,
            rng: &mut self.rng,
            sends: &mut sends,
            wake: None,
            observations: &mut self.observations,
        };
        f(&mut self.nodes[node as usize], &mut io);
        let wake = io.wake;
        for (to, message) in sends {
            self.totals.messages += 1;
            self.totals.bytes += M::bytes(&message) as u64;
            if to as usize >= self.nodes.len() || self.rng.random::<f64>() < self.network.loss {
                self.totals.lost += 1;
                continue;
            }
            let delay = self.network.latency.sample(&mut self.rng) + self.slow[to as usize];
            self.push(
                self.now + delay,
                Pending::Deliver {
                    from: node,
                    to,
                    message,
                },
            );
        }
        if let Some(at) = wake {
            let at = at.max(self.now) + self.slow[node as usize];
            self.wakes[node as usize] = Some(at);
            self.push(at, Pending::Wake { node });
        }
    }

    /// Runs every event before the configured duration.
    pub fn run(&mut self) {
        let until = self.network.duration;
        while let Some(&Reverse((at, seq))) = self.queue.peek() {
            if at >= until {
                break;
            }
            self.queue.pop();
            self.now = at;
            let event = self
                .pending
                .remove(&seq)
                .expect("queued events are pending");
            match event {
                Pending::Fault(SystemFault::Crash { node }) => self.crashed[node as usize] = true,
                Pending::Fault(SystemFault::Slow { node, extra_delay }) => {
                    self.slow[node as usize] = extra_delay;
                }
                Pending::Wake { node } => {
                    if self.crashed[node as usize] || self.wakes[node as usize] != Some(at) {
                        continue;
                    }
                    self.wakes[node as usize] = None;
                    self.call(node, |model, io| model.timer(io));
                }
                Pending::Deliver { from, to, message } => {
                    if self.crashed[to as usize] {
                        self.totals.dropped_at_down += 1;
                        continue;
                    }
                    self.call(to, |model, io| model.receive(from, message, io));
                }
            }
        }
        self.now = self.now.max(until);
    }

    pub fn now(&self) -> Time {
        self.now
    }

    pub fn node(&self, id: NodeId) -> &M {
        &self.nodes[id as usize]
    }

    pub fn is_crashed(&self, id: NodeId) -> bool {
        self.crashed[id as usize]
    }

    pub fn totals(&self) -> &ModelTotals {
        &self.totals
    }

    pub fn observations(&self) -> &[Observation] {
        &self.observations
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Floods a token: whoever first hears it tells everyone else once.
    struct Flood {
        heard: bool,
    }

    impl Model for Flood {
        type Message = ();
        fn bytes(_: &()) -> usize {
            10
        }
        fn start(&mut self, io: &mut Io<'_, ()>) {
            if io.me == 0 {
                io.wake_at(100);
            }
        }
        fn timer(&mut self, io: &mut Io<'_, ()>) {
            self.heard = true;
            for to in 1..io.nodes {
                io.send(to, ());
            }
        }
        fn receive(&mut self, _: NodeId, _: (), io: &mut Io<'_, ()>) {
            if !self.heard {
                self.heard = true;
                io.observe("heard", io.me, 0.0);
            }
        }
    }

    fn flood(network: ModelNetwork, seed: u64) -> ModelSim<Flood> {
        let nodes = (0..10).map(|_| Flood { heard: false }).collect();
        let mut sim = ModelSim::new(nodes, network, seed).unwrap();
        sim.run();
        sim
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn messages_arrive_after_their_latency_and_crashed_nodes_hear_nothing() {
        let network = ModelNetwork {
            latency: Latency::Fixed { ms: 20 },
            faults: vec![ScheduledSystemFault {
                at: 50,
                fault: SystemFault::Crash { node: 3 },
            }],
            ..ModelNetwork::default()
        };
        let sim = flood(network, 1);
        let heard: Vec<_> = sim
            .observations()
            .iter()
            .map(|o| (o.at, o.subject))
            .collect();
        assert_eq!(
            heard.len(),
            8,
            "everyone but the sender and the crashed node"
        );
        assert!(heard.iter().all(|&(at, node)| at == 120 && node != 3));
        assert_eq!(sim.totals().messages, 9);
        assert_eq!(sim.totals().bytes, 90);
        assert_eq!(sim.totals().dropped_at_down, 1);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn loss_is_drawn_per_message_and_runs_repeat() {
        let network = ModelNetwork {
            loss: 0.5,
            ..ModelNetwork::default()
        };
        let a = flood(network.clone(), 9);
        assert!(a.totals().lost > 0 && a.totals().lost < 9);
        assert_eq!(a.observations(), flood(network, 9).observations());
        let bad = ModelNetwork {
            faults: vec![ScheduledSystemFault {
                at: 0,
                fault: SystemFault::Crash { node: 10 },
            }],
            ..ModelNetwork::default()
        };
        let nodes = (0..10).map(|_| Flood { heard: false }).collect();
        let error = ModelSim::new(nodes, bad, 1).err().unwrap();
        assert!(
            error.contains("node 10 is not among the 10 nodes"),
            "{error}"
        );
    }
}
