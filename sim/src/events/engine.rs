//! [`EventSim`]: live nodes on the shared event loop of [`crate::process`], with the cluster's
//! hooks: partitions, loss bursts and the slow link on the way out, crashes, restarts, leaves
//! and churn as actions, and the books of [`super::report`] kept from what the nodes report.

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::config::EventSimConfig;
use super::faults::{ClusterFault, ScheduledClusterFault, next_arrival};
use super::provenance::{Provenance, StoreWatch};
use super::report::{
    Books, CrashRecord, Deliveries, EventReport, EventSample, EventTotals, WriteRecord,
};
use crate::error::SimError;
use crate::link::{Link, LossDraw};
use crate::process::{Arrival, Hooks, Runner, WakeRule};
use crate::topology::{Topology, TopologyKind};
use crate::trace::{Fate, MessageTrace};
use gossip_core::Stamp;
use gossip_core::wire::{self, Message};
use gossip_core::{Node, NodeEvent};
use gossip_core::{NodeId, Time, seeded_rng};

/// Where a node is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeStatus {
    /// Running and a member.
    Live,
    /// Left, still running until SWIM has announced it.
    Leaving,
    /// Left and stopped.
    Departed,
    /// Crashed, and not restarted.
    Crashed,
    /// Crashed, then restarted without state under the id `by`.
    Replaced {
        /// The id it came back as.
        by: NodeId,
    },
    /// Not joined yet: a node of the initial population with a scheduled
    /// [`ClusterFault::Join`].
    Absent,
}

impl NodeStatus {
    /// Whether the node handles messages and timers.
    pub fn is_running(self) -> bool {
        matches!(self, NodeStatus::Live | NodeStatus::Leaving)
    }
}

/// The cluster's own queue entries, besides deliveries and wake-ups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum What {
    /// The fault at this index of the schedule.
    ClusterFault(u32),
    /// The next join or leave of the churn fault at this index.
    ChurnJoin(u32),
    ChurnLeave(u32),
}

/// What the cluster keeps about a node besides the loop's own.
struct Member {
    status: NodeStatus,
    /// Partition group.
    group: u32,
    received: Deliveries,
}

const NOT_LIVE: u32 = u32::MAX;

/// The cluster: everything but the loop, and the loop's hooks.
struct ClusterState {
    config: EventSimConfig,
    topology: Option<Topology>,
    members: Vec<Member>,
    /// Live nodes, in an order that only depends on the run; `live_index` finds one in it.
    live: Vec<NodeId>,
    live_index: Vec<u32>,
    crashed: u32,
    faults: Vec<ScheduledClusterFault>,
    partitioned: bool,
    bursts: Vec<(f64, Time)>,
    books: Books,
    /// The node whose store's provenance is being recorded, for the inspector (None in runs:
    /// a branch per message, nothing more).
    watch: Option<Box<StoreWatch>>,
}

type ClusterRunner = Runner<Node, What>;

/// The event-driven engine. See the [module documentation](super).
pub struct EventSim {
    runner: ClusterRunner,
    cluster: ClusterState,
}

impl EventSim {
    /// Builds the initial population, each node knowing all the others. With a positive
    /// `slow_link_extra`, ids split into two data centers ([`TopologyKind::DataCenters`]).
    pub fn new(config: EventSimConfig) -> Result<Self, SimError> {
        let topology = if config.slow_link_extra > 0 {
            let mut rng = seeded_rng(config.seed);
            Some(Topology::build(
                TopologyKind::DataCenters,
                config.nodes.max(2),
                &mut rng,
            )?)
        } else {
            None
        };
        Self::build(config, topology)
    }

    /// As [`EventSim::new`], charging `slow_link_extra` on the links `topology` says cross its
    /// slow link. Only that is taken from the topology: every node can still reach every other,
    /// as SWIM's full membership needs.
    pub fn with_topology(config: EventSimConfig, topology: Topology) -> Result<Self, SimError> {
        Self::build(config, Some(topology))
    }

    fn build(config: EventSimConfig, topology: Option<Topology>) -> Result<Self, SimError> {
        config.validate()?;
        let mut faults = config.faults.clone();
        // Stable: faults at the same time happen in the order they were listed.
        faults.sort_by_key(|scheduled| scheduled.at);
        let link = Link {
            latency: config.latency,
            duplicate: config.duplicate,
            loss_draw: LossDraw::Bernoulli,
        };
        let mut runner = Runner::new(config.seed, link, WakeRule::Follow);
        let mut cluster = ClusterState {
            topology,
            members: Vec::with_capacity(config.nodes as usize),
            live: Vec::new(),
            live_index: Vec::new(),
            crashed: 0,
            faults: Vec::new(),
            partitioned: false,
            bursts: Vec::new(),
            books: Books::new(config.sample_every),
            watch: None,
            config,
        };
        let n = cluster.config.nodes;
        // Nodes that join later are out of the cluster until then.
        let mut absent = vec![false; n as usize];
        for scheduled in &faults {
            if let ClusterFault::Join { node } = scheduled.fault {
                absent[node as usize] = true;
            }
        }
        for id in 0..n {
            cluster.spawn(&mut runner, 0);
            if absent[id as usize] {
                cluster.set_status(&mut runner, id, NodeStatus::Absent);
                cluster.set_live(&runner, id, false);
            }
        }
        for id in (0..n).filter(|&id| !absent[id as usize]) {
            let members = (0..n).filter(|&other| other != id && !absent[other as usize]);
            runner.call(id, |node, now, rng| node.bootstrap(now, members, rng));
            runner.settle(id, false, &mut cluster);
        }
        for scheduled in faults {
            cluster.schedule(&mut runner, scheduled)?;
        }
        Ok(EventSim { runner, cluster })
    }

    /// Records from now on how each version node `node` stores reached it (see
    /// [`crate::inspect`]); read it with [`EventSim::store_provenance`]. Draws nothing.
    pub fn watch_store(&mut self, node: NodeId) {
        self.cluster.watch = Some(Box::new(StoreWatch::new(node)));
    }

    /// How each version the watched node stores reached it, by key (empty without
    /// [`EventSim::watch_store`]).
    pub fn store_provenance(&self) -> Vec<Provenance> {
        self.cluster
            .watch
            .as_ref()
            .map(|watch| watch.provenance())
            .unwrap_or_default()
    }

    /// Adds a fault to the schedule; it must not be in the past.
    pub fn schedule(&mut self, scheduled: ScheduledClusterFault) -> Result<(), SimError> {
        self.cluster.schedule(&mut self.runner, scheduled)
    }

    /// The configuration of the run.
    pub fn config(&self) -> &EventSimConfig {
        &self.cluster.config
    }

    /// The simulated time.
    pub fn now(&self) -> Time {
        self.runner.now()
    }

    /// Ids handed out so far: the initial population, joiners and restarted nodes.
    pub fn node_count(&self) -> u32 {
        self.runner.count()
    }

    /// Node `id`, whatever its status.
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        (id < self.runner.count()).then(|| self.runner.process(id))
    }

    /// Where node `id` is in its life.
    pub fn status(&self, id: NodeId) -> Option<NodeStatus> {
        self.cluster.status(id)
    }

    /// Running members, in no particular (but deterministic) order.
    pub fn live_nodes(&self) -> &[NodeId] {
        &self.cluster.live
    }

    /// Messages delivered to `id` so far, and their total delay.
    pub fn deliveries_to(&self, id: NodeId) -> Option<Deliveries> {
        self.cluster
            .members
            .get(id as usize)
            .map(|member| member.received)
    }

    /// The samples of the time steps closed so far.
    pub fn samples(&self) -> &[EventSample] {
        self.cluster.books.samples()
    }

    /// A record per crash so far.
    pub fn crashes(&self) -> &[CrashRecord] {
        self.cluster.books.crashes()
    }

    /// A record per write so far.
    pub fn writes(&self) -> impl Iterator<Item = &WriteRecord> + '_ {
        self.cluster.books.writes()
    }

    /// The totals so far.
    pub fn totals(&self) -> &EventTotals {
        &self.cluster.books.totals
    }

    /// Each node's state as the live nodes see it, for a picture of the cluster: 2 if some live
    /// node holds it Dead or Left, else 1 if some live node suspects it, else 0 if it is running
    /// (every live node holds it Alive) and 3 if it is not (crashed, and nobody has noticed yet).
    pub fn member_states(&self) -> Vec<u8> {
        let members = &self.cluster.members;
        self.cluster.books.member_states(self.runner.count(), |id| {
            members[id as usize].status.is_running()
        })
    }

    /// How many keys each node's store holds (a crashed node: what it held when it stopped).
    pub fn store_sizes(&self) -> Vec<u32> {
        self.runner
            .processes()
            .map(|node| node.store().len() as u32)
            .collect()
    }

    /// Events queued, stale wake-ups included.
    pub fn queued(&self) -> usize {
        self.runner.queued()
    }

    /// Everything measured so far.
    pub fn report(&self) -> EventReport {
        let config = &self.cluster.config;
        EventReport {
            nodes: config.nodes,
            duration: self.runner.now(),
            protocol_period: config.node.swim.protocol_period,
            samples: self.samples().to_vec(),
            crashes: self.crashes().to_vec(),
            writes: self.writes().cloned().collect(),
            totals: self.totals().clone(),
        }
    }

    /// Runs to the configured duration and reports.
    pub fn run(&mut self) -> EventReport {
        self.run_until(self.cluster.config.duration);
        self.report()
    }

    /// Processes every event before `until`, then sets the clock to `until` (if it is later).
    /// Events at `until` itself stay queued, so the samples up to `until` are complete; but
    /// when the last entry before `until` is a superseded wake-up, the event after it runs too,
    /// whenever it is (as it always has: recorded runs depend on it).
    pub fn run_until(&mut self, until: Time) {
        // Step by step, as this engine always has: a stale wake-up skipped just before `until`
        // lets the step go on to the next event (the models' loop stops at `until`).
        while self.runner.peek_time().is_some_and(|at| at < until) {
            self.runner.step(&mut self.cluster);
        }
        self.runner.advance_to(until);
        let now = self.runner.now();
        self.cluster.close_samples(&self.runner, now);
    }

    /// Processes the next event (skipping stale wake-ups) and returns its time, or None when
    /// nothing is queued.
    pub fn step(&mut self) -> Option<Time> {
        self.runner.step(&mut self.cluster)
    }

    /// Records every message sent from now on, at most `cap` of them (then a sample; see
    /// [`crate::trace`]). The run stays the same, draw for draw.
    pub fn trace_messages(&mut self, cap: usize) {
        self.runner.trace_messages(cap);
    }

    /// The message trace so far, if [`EventSim::trace_messages`] was called.
    pub fn message_trace(&self) -> Option<&MessageTrace> {
        self.runner.trace()
    }

    /// The message trace, ending the recording.
    pub fn take_message_trace(&mut self) -> Option<MessageTrace> {
        self.runner.take_trace()
    }

    /// A write at `node` now, tracked like a scheduled one.
    pub fn put(&mut self, node: NodeId, key: &str, value: &[u8]) -> Result<Stamp, SimError> {
        self.cluster.put(&mut self.runner, node, key, value)
    }
}

impl ClusterState {
    fn status(&self, id: NodeId) -> Option<NodeStatus> {
        self.members.get(id as usize).map(|member| member.status)
    }

    /// Sets a node's status, and the loop's idea of whether it runs.
    fn set_status(&mut self, runner: &mut ClusterRunner, id: NodeId, status: NodeStatus) {
        self.members[id as usize].status = status;
        runner.set_running(id, status.is_running());
    }

    fn schedule(
        &mut self,
        runner: &mut ClusterRunner,
        scheduled: ScheduledClusterFault,
    ) -> Result<(), SimError> {
        if scheduled.at < runner.now() {
            return Err(SimError::Refused(format!(
                "a fault at {} is in the past (now is {})",
                scheduled.at,
                runner.now()
            )));
        }
        scheduled.fault.validate(self.config.nodes, scheduled.at)?;
        let index = self.faults.len() as u32;
        let at = scheduled.at;
        self.faults.push(scheduled);
        runner.schedule(at, What::ClusterFault(index));
        Ok(())
    }

    fn close_samples(&mut self, runner: &ClusterRunner, t: Time) {
        let listed = |id| runner.process(id).membership().group_size() as u64;
        self.books
            .close_samples(t, &self.live, self.crashed, listed);
    }

    fn put(
        &mut self,
        runner: &mut ClusterRunner,
        node: NodeId,
        key: &str,
        value: &[u8],
    ) -> Result<Stamp, SimError> {
        let status = self
            .status(node)
            .ok_or_else(|| SimError::Refused(format!("no node {node}")))?;
        if !status.is_running() {
            return Err(SimError::Refused(format!("node {node} is not running")));
        }
        let stamp = runner
            .call(node, |process, now, _| process.put(now, key, value))
            .map_err(|error| SimError::Refused(error.to_string()))?;
        // A node already holding a newer value of the key (a concurrent write) will never report
        // this one, and counts as holding it.
        let held: Vec<bool> = runner
            .processes()
            .map(|process| {
                process
                    .store()
                    .get(key)
                    .is_some_and(|entry| entry.stamp >= stamp)
            })
            .collect();
        self.books
            .track_write((node, key, stamp), held, &self.live, runner.now());
        runner.settle(node, false, self);
        Ok(stamp)
    }

    /// A new, live node under the next id, in partition group `group`.
    fn spawn(&mut self, runner: &mut ClusterRunner, group: u32) -> NodeId {
        let id = runner.count();
        let node = Node::new(id, self.config.node).expect("the node config was validated");
        runner.add(node);
        self.members.push(Member {
            status: NodeStatus::Live,
            group,
            received: Deliveries::default(),
        });
        self.books.add_node();
        self.live_index.push(NOT_LIVE);
        self.set_live(runner, id, true);
        id
    }

    /// A new node joining through a random live node (alone if there is none).
    fn spawn_joiner(&mut self, runner: &mut ClusterRunner) -> NodeId {
        let seed = self.random_live(runner);
        let group = seed.map_or(0, |s| self.members[s as usize].group);
        let id = self.spawn(runner, group);
        if let Some(seed) = seed {
            runner.call(id, |node, now, _| node.join(now, seed));
        }
        runner.settle(id, false, self);
        id
    }

    fn random_live(&mut self, runner: &mut ClusterRunner) -> Option<NodeId> {
        if self.live.is_empty() {
            return None;
        }
        let index = runner.rng().random_range(0..self.live.len() as u32);
        Some(self.live[index as usize])
    }

    /// Adds `id` to or removes it from the live set, and updates what depends on it.
    fn set_live(&mut self, runner: &ClusterRunner, id: NodeId, live: bool) {
        let index = self.live_index[id as usize];
        if live == (index != NOT_LIVE) {
            return;
        }
        if live {
            self.live_index[id as usize] = self.live.len() as u32;
            self.live.push(id);
        } else {
            self.live.swap_remove(index as usize);
            if let Some(&moved) = self.live.get(index as usize) {
                self.live_index[moved as usize] = index;
            }
            self.live_index[id as usize] = NOT_LIVE;
        }
        self.books
            .liveness_changed(id, live, &self.live, runner.now());
    }

    fn is_live(&self, id: NodeId) -> bool {
        self.live_index[id as usize] != NOT_LIVE
    }

    fn loss_now(&mut self, now: Time) -> f64 {
        self.bursts.retain(|&(_, until)| until > now);
        self.bursts
            .iter()
            .map(|&(loss, _)| loss)
            .fold(self.config.loss, f64::max)
    }

    fn apply_fault(&mut self, runner: &mut ClusterRunner, index: usize) {
        let fault = self.faults[index].fault.clone();
        let applied = match fault {
            ClusterFault::Crash { node } => self.crash(runner, node),
            ClusterFault::Restart { node, keep_state } => self.restart(runner, node, keep_state),
            ClusterFault::Leave { node } => self.leave(runner, node),
            ClusterFault::Partition { groups } => {
                let rest = groups.len() as u32;
                for member in &mut self.members {
                    member.group = rest;
                }
                for (group, ids) in groups.iter().enumerate() {
                    for &id in ids {
                        self.members[id as usize].group = group as u32;
                    }
                }
                self.partitioned = true;
                true
            }
            ClusterFault::Heal => {
                for member in &mut self.members {
                    member.group = 0;
                }
                self.partitioned = false;
                true
            }
            ClusterFault::LossBurst { loss, until } => {
                self.bursts.push((loss, until));
                true
            }
            ClusterFault::Slow { node, extra_delay } => {
                runner.set_slow(node, extra_delay);
                runner.reschedule(node, false);
                true
            }
            ClusterFault::Churn {
                join_rate,
                leave_rate,
                until,
            } => {
                let index = index as u32;
                schedule_churn(runner, join_rate, until, What::ChurnJoin(index));
                schedule_churn(runner, leave_rate, until, What::ChurnLeave(index));
                true
            }
            ClusterFault::Put { node, key, value } => {
                self.put(runner, node, &key, value.as_bytes()).is_ok()
            }
            ClusterFault::Join { node } => self.join_late(runner, node),
        };
        if !applied {
            self.books.totals.skipped_faults += 1;
        }
    }

    fn crash(&mut self, runner: &mut ClusterRunner, id: NodeId) -> bool {
        if !self.members[id as usize].status.is_running() {
            return false;
        }
        self.set_status(runner, id, NodeStatus::Crashed);
        self.crashed += 1;
        self.books.crash(id, runner.now());
        self.set_live(runner, id, false);
        true
    }

    fn restart(&mut self, runner: &mut ClusterRunner, id: NodeId, keep_state: bool) -> bool {
        if self.members[id as usize].status != NodeStatus::Crashed {
            return false;
        }
        self.crashed -= 1;
        let crash = self.books.restart(id, runner.now());
        if keep_state {
            let leaving = runner.process(id).membership().has_left();
            let status = if leaving {
                NodeStatus::Leaving
            } else {
                NodeStatus::Live
            };
            self.set_status(runner, id, status);
            if !leaving {
                self.set_live(runner, id, true);
            }
            runner.reschedule(id, false);
        } else {
            let by = self.spawn_joiner(runner);
            self.set_status(runner, id, NodeStatus::Replaced { by });
            self.books.replaced(crash, by);
        }
        true
    }

    fn leave(&mut self, runner: &mut ClusterRunner, id: NodeId) -> bool {
        if self.members[id as usize].status != NodeStatus::Live {
            return false;
        }
        self.set_status(runner, id, NodeStatus::Leaving);
        self.set_live(runner, id, false);
        runner.call(id, |node, now, _| node.leave(now));
        runner.settle(id, false, self);
        true
    }

    /// An absent node joins: it lists every live member and each of them lists it.
    fn join_late(&mut self, runner: &mut ClusterRunner, id: NodeId) -> bool {
        if self.members[id as usize].status != NodeStatus::Absent {
            return false;
        }
        let members = self.live.clone();
        self.set_status(runner, id, NodeStatus::Live);
        self.set_live(runner, id, true);
        runner.call(id, |node, now, rng| {
            node.bootstrap(now, members.iter().copied(), rng)
        });
        runner.settle(id, false, self);
        for member in members {
            runner.call(member, |node, now, rng| node.bootstrap(now, [id], rng));
            runner.settle(member, false, self);
        }
        true
    }

    fn churn_params(&self, index: u32) -> (f64, f64, Time) {
        match self.faults[index as usize].fault {
            ClusterFault::Churn {
                join_rate,
                leave_rate,
                until,
            } => (join_rate, leave_rate, until),
            _ => unreachable!("churn events name churn faults"),
        }
    }

    fn churn_join(&mut self, runner: &mut ClusterRunner, index: u32) {
        let (join_rate, _, until) = self.churn_params(index);
        self.spawn_joiner(runner);
        self.books.totals.churn_joins += 1;
        schedule_churn(runner, join_rate, until, What::ChurnJoin(index));
    }

    fn churn_leave(&mut self, runner: &mut ClusterRunner, index: u32) {
        let (_, leave_rate, until) = self.churn_params(index);
        // The last live node stays: a cluster of nobody has nothing left to measure.
        if self.live.len() > 1
            && let Some(id) = self.random_live(runner)
            && self.leave(runner, id)
        {
            self.books.totals.churn_leaves += 1;
        }
        schedule_churn(runner, leave_rate, until, What::ChurnLeave(index));
    }
}

/// Queues the next arrival of a churn process of `rate` per second, if before `until`.
fn schedule_churn(runner: &mut ClusterRunner, rate: f64, until: Time, what: What) {
    let now = runner.now();
    if let Some(at) = next_arrival(runner.rng(), now, rate, until) {
        runner.schedule(at, what);
    }
}

impl Hooks<Node> for ClusterState {
    type Action = What;

    fn before(&mut self, runner: &ClusterRunner, at: Time) {
        self.close_samples(runner, at);
        self.books.totals.events += 1;
    }

    fn act(&mut self, runner: &mut ClusterRunner, what: What) {
        match what {
            What::ClusterFault(index) => self.apply_fault(runner, index as usize),
            What::ChurnJoin(index) => self.churn_join(runner, index),
            What::ChurnLeave(index) => self.churn_leave(runner, index),
        }
    }

    fn send(&mut self, runner: &mut ClusterRunner, from: NodeId, to: NodeId, message: Message) {
        if let Some(watch) = &mut self.watch {
            watch.sent(from, to, &message);
        }
        let totals = &mut self.books.totals;
        let step = &mut self.books.step;
        totals.messages_sent += 1;
        step.messages_sent += 1;
        let bytes = wire::encoded_len(&message) as u64;
        totals.bytes_sent += bytes;
        step.bytes_sent += bytes;
        let Some(recipient) = self.members.get(to as usize) else {
            totals.dropped_at_down += 1;
            runner.trace_refused(from, to, &message, Fate::NoSuchReceiver);
            return;
        };
        if self.partitioned && recipient.group != self.members[from as usize].group {
            totals.cut += 1;
            runner.trace_refused(from, to, &message, Fate::Partitioned);
            return;
        }
        let loss = self.loss_now(runner.now());
        let extra = match &self.topology {
            Some(topology) if topology.crosses_slow_link(from, to) => self.config.slow_link_extra,
            _ => 0,
        };
        let totals = &mut self.books.totals;
        match runner.transmit(from, to, message, loss, extra) {
            None => {
                totals.lost += 1;
                self.books.step.lost += 1;
            }
            Some(duplicated) => totals.duplicates_created += u64::from(duplicated),
        }
    }

    fn event(&mut self, runner: &ClusterRunner, observer: NodeId, event: NodeEvent) {
        let now = runner.now();
        match event {
            NodeEvent::Member(event) => {
                let subject = event.id();
                let running = self.members[subject as usize].status.is_running();
                // Verdicts about a running node that is not slow either: Lifeguard's "healthy"
                // members.
                let healthy = running && runner.slow(subject) == 0;
                self.books
                    .observe_member(observer, event, (running, healthy), &self.live, now);
            }
            NodeEvent::Updated {
                key, stamp, via, ..
            } => {
                if let Some(watch) = &mut self.watch {
                    watch.updated(observer, &key, stamp, via, now);
                }
                let observer_live = self.is_live(observer);
                let live = self.live.len();
                self.books
                    .observe_write((observer, observer_live), &key, stamp, live, now);
            }
            NodeEvent::MailDropped { .. } => self.books.totals.mail_dropped += 1,
            // Receipts are for live peers; a cluster scenario that turns them on sees them in
            // its message counts only.
            NodeEvent::Confirmed { .. } | NodeEvent::Receipt { .. } => {}
        }
    }

    fn arrived(&mut self, runner: &ClusterRunner, arrival: Arrival) {
        if let Some(watch) = &mut self.watch {
            watch.arrived(arrival.from, arrival.to);
        }
        let delay = runner.now() - arrival.sent_at;
        let received = &mut self.members[arrival.to as usize].received;
        received.count += 1;
        received.delay_sum += delay;
        let totals = &mut self.books.totals;
        totals.delivered += 1;
        totals.delay_sum += delay;
        self.books.step.delivered += 1;
        if arrival.duplicate {
            self.books.totals.duplicates_delivered += 1;
            self.books.step.duplicates += 1;
        }
    }

    fn dropped(&mut self) {
        self.books.totals.dropped_at_down += 1;
    }

    fn stale_wake(&mut self) {
        self.books.totals.stale_wakes += 1;
    }

    fn settled(&mut self, runner: &mut ClusterRunner, id: NodeId) {
        if let Some(watch) = &mut self.watch {
            watch.settled(id);
        }
        if self.members[id as usize].status == NodeStatus::Leaving
            && runner.process(id).membership().poll_timeout().is_none()
        {
            // SWIM has announced the leave and fallen silent: the process exits.
            self.set_status(runner, id, NodeStatus::Departed);
        }
    }
}
