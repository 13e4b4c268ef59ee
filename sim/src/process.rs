//! One event loop for every simulated process: the live nodes of the cluster engine
//! ([`crate::events`]) and the models of real systems ([`crate::models`]).
//!
//! # Design
//!
//! A simulated process is a sans-IO state machine with the shape of
//! [`gossip_core::Node`], the [`Process`] trait: the loop hands it a message
//! ([`Process::handle`]) or wakes it ([`Process::tick`]) at a simulated time, lending it the run's
//! one generator, then drains what it has to send ([`Process::poll_transmit`]) and to report
//! ([`Process::poll_event`]) and asks when it next wants to be woken ([`Process::poll_timeout`]).
//! `Node` is a process as it is; each system model implements the trait itself.
//!
//! The `Runner` is the loop, the same for every engine:
//! - one priority queue (the crate's `queue`, a timing wheel that pops by time and then by the
//!   order of scheduling, exactly as a binary heap of `(time, seq)` would) of deliveries,
//!   wake-ups and the engine's own actions (faults, churn arrivals);
//! - the messages in flight, each sent over a `Link` (latency, duplication, loss) and
//!   delayed by its recipient's slowness;
//! - per process: whether it runs (one that does not loses what arrives and is not woken: a
//!   crash), how slow it is (deliveries to it and its wake-ups run that much late), and its one
//!   live wake-up. When the wake-up moves, the old queue entry stays and is skipped as stale when
//!   it comes up, which is cheaper than taking it out.
//!
//! An engine is a runner plus its `Hooks`: what its own actions do, how a message is sent
//! (partitions, counting), what a process's events mean, and what is counted on the way. The
//! cluster engine's hooks keep membership views, crash and write records and samples; the
//! models' keep observations and traffic totals.
//!
//! Two rules differ between the engines, because their recorded runs depend on them: how loss is
//! drawn (`LossDraw`: the models draw for every message, the cluster only when loss is
//! positive) and how a wake-up follows the deadline (`WakeRule`: the cluster's moves with the
//! deadline and the current slowness, the models' is booked once). So does where a run up to a
//! time stops: the models' stops there; the cluster's steps on past a superseded wake-up that
//! comes just before it (see [`EventSim::run_until`](crate::events::EventSim::run_until)).
//! Everything else, down to the order of the random draws, is one code path.
//!
//! The models' rules were their engine's own, with its own binary heap and `Model` trait; the
//! heap popped by `(time, seq)` as the wheel does, and a model's ported `poll_timeout` gives the
//! deadline its `wake_at` asked for, so every run is the same, draw for draw (the recorded
//! fingerprints in the tests of both engines say so).

use gossip_core::wire::{self, Message};
use gossip_core::{MessageSummary, Node, NodeEvent};
use gossip_core::{NodeId, SimRng, Time, seeded_rng};

use crate::link::Link;
use crate::queue::EventQueue;
use crate::trace::{Fate, MessageTrace, Tracer, UNTRACED};

/// A simulated process: a sans-IO state machine the event loop drives (see the module
/// documentation). Every call gets the current time; calls that may draw get the run's
/// generator, so that a run is a pure function of its seed.
pub trait Process {
    /// What it sends to other processes.
    type Message: Clone + core::fmt::Debug;
    /// What it reports about itself (member events, measurements).
    type Event;

    /// Called once when the run starts, before anything is delivered. Nothing by default.
    fn start(&mut self, now: Time, rng: &mut SimRng) {
        let _ = (now, rng);
    }
    /// A message from `from` arrives.
    fn handle(&mut self, now: Time, from: NodeId, message: Self::Message, rng: &mut SimRng);
    /// The time asked for with [`Process::poll_timeout`] has come (or passed, for a slow
    /// process).
    fn tick(&mut self, now: Time, rng: &mut SimRng);
    /// The next message to send, with its recipient.
    fn poll_transmit(&mut self) -> Option<(NodeId, Self::Message)>;
    /// The next event to report.
    fn poll_event(&mut self) -> Option<Self::Event>;
    /// When to call [`Process::tick`] next, if at all.
    fn poll_timeout(&self) -> Option<Time>;
    /// The bytes `message` takes on the wire.
    fn message_bytes(message: &Self::Message) -> usize;
    /// What `message` carries, in a few words, for message traces ([`crate::trace`]): its
    /// kind and a decoded text. By default, [`debug_summary`]: the message's `Debug` form.
    fn summary(message: &Self::Message) -> MessageSummary {
        debug_summary(message)
    }
    /// Appends [`Process::summary`]'s text to `out` and returns its kind: what traces call, so
    /// that a process able to write its summary in place (a live node) allocates nothing per
    /// message. By default, [`Process::summary`] copied.
    fn write_summary(message: &Self::Message, out: &mut String) -> &'static str {
        let summary = Self::summary(message);
        out.push_str(&summary.text);
        summary.kind
    }
}

/// The longest text [`debug_summary`] gives, in characters.
pub const DEBUG_SUMMARY_CHARS: usize = 160;

/// A summary read from a message's `Debug` form, for processes that give none of their own:
/// the kind is the form's leading name in lower case (`Ping(...)` is a "ping"; a name-less form
/// is a "message"), the text the form cut to [`DEBUG_SUMMARY_CHARS`] characters.
pub fn debug_summary(message: &impl core::fmt::Debug) -> MessageSummary {
    use core::fmt::Write;
    // Stops the formatting once past the limit: a long message costs no more than a short one.
    struct Bounded(String);
    impl Write for Bounded {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            self.0.push_str(s);
            if self.0.len() > DEBUG_SUMMARY_CHARS {
                return Err(core::fmt::Error);
            }
            Ok(())
        }
    }
    let mut bounded = Bounded(String::new());
    // An error here only means the form was cut short.
    let _ = write!(bounded, "{message:?}");
    let mut text = bounded.0;
    let name_end = text
        .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .unwrap_or(text.len());
    let kind = KIND_WORDS
        .iter()
        .find(|word| word.eq_ignore_ascii_case(&text[..name_end]))
        .copied()
        .unwrap_or("message");
    if let Some((cut, _)) = text.char_indices().nth(DEBUG_SUMMARY_CHARS) {
        text.truncate(cut);
        text.push_str("...");
    }
    MessageSummary { kind, text }
}

/// The kinds [`debug_summary`] recognises (a kind is a `&'static str`, so it cannot be made
/// from the text): the message names of the system models.
const KIND_WORDS: [&str; 14] = [
    "meet", "ping", "pong", "fail", "syn", "ack", "ack2", "inv", "getdata", "tx", "push", "pull",
    "digest", "delta",
];

/// The live node of gossip-core, as the cluster engine runs it.
impl Process for Node {
    type Message = Message;
    type Event = NodeEvent;

    fn handle(&mut self, now: Time, from: NodeId, message: Message, rng: &mut SimRng) {
        Node::handle(self, now, from, message, rng);
    }

    fn tick(&mut self, now: Time, rng: &mut SimRng) {
        Node::tick(self, now, rng);
    }

    fn poll_transmit(&mut self) -> Option<(NodeId, Message)> {
        Node::poll_transmit(self)
    }

    fn poll_event(&mut self) -> Option<NodeEvent> {
        Node::poll_event(self)
    }

    fn poll_timeout(&self) -> Option<Time> {
        Node::poll_timeout(self)
    }

    fn message_bytes(message: &Message) -> usize {
        wire::encoded_len(message)
    }

    fn summary(message: &Message) -> MessageSummary {
        message.summary()
    }

    fn write_summary(message: &Message, out: &mut String) -> &'static str {
        message.write_summary(out)
    }
}

/// How a process's wake-up follows its deadline ([`Process::poll_timeout`]) after each call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WakeRule {
    /// The cluster engine's: after every call the wake-up moves to the deadline plus the
    /// process's slowness as it is now (what is overdue runs now), and never to the instant of
    /// a tick just done.
    Follow,
    /// The models': a wake-up is booked after every tick and whenever the deadline changes, at
    /// the deadline (or now, if it has passed) plus the slowness at booking, and then kept.
    Book,
}

/// A queue entry: a delivery (an index into the messages in flight), a wake-up, or an action
/// of the engine's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Queued<A> {
    Deliver(u32),
    Wake(NodeId),
    Act(A),
}

/// A message on its way.
struct Flight<M> {
    from: NodeId,
    to: NodeId,
    sent_at: Time,
    duplicate: bool,
    /// Its number in the message trace, or [`UNTRACED`].
    traced: u64,
    message: M,
}

/// A message arriving at a running process, before it handles it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Arrival {
    /// The sender.
    pub(crate) from: NodeId,
    /// The recipient.
    pub(crate) to: NodeId,
    /// When it was sent.
    pub(crate) sent_at: Time,
    /// Whether it is the second copy of a duplicated message.
    pub(crate) duplicate: bool,
}

/// The live wake-up of a process: the deadline it was booked for, when it fires, and its
/// queue entry's sequence number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Wake {
    due: Time,
    at: Time,
    seq: u64,
}

/// A process and what the loop keeps about it.
struct Host<P> {
    process: P,
    running: bool,
    slow: Time,
    wake: Option<Wake>,
}

/// What an engine adds to the [`Runner`]: its own queued actions and what happens around each
/// step. Every hook gets the runner, to read it or to act through it.
pub(crate) trait Hooks<P: Process> {
    /// The engine's own queue entries (faults, churn arrivals).
    type Action: Copy + Ord;

    /// An event at `at` is about to happen; the clock still shows the previous one.
    fn before(&mut self, runner: &Runner<P, Self::Action>, at: Time) {
        let _ = (runner, at);
    }
    /// One of the engine's actions is due.
    fn act(&mut self, runner: &mut Runner<P, Self::Action>, action: Self::Action);
    /// Process `from` sends `message` to `to` (which may not exist).
    fn send(
        &mut self,
        runner: &mut Runner<P, Self::Action>,
        from: NodeId,
        to: NodeId,
        message: P::Message,
    );
    /// Process `id` reports `event`.
    fn event(&mut self, runner: &Runner<P, Self::Action>, id: NodeId, event: P::Event);
    /// A message arrives at a running process, which handles it next.
    fn arrived(&mut self, runner: &Runner<P, Self::Action>, arrival: Arrival) {
        let _ = (runner, arrival);
    }
    /// A message arrived at a process that is not running and was dropped.
    fn dropped(&mut self) {}
    /// A superseded wake-up came up and was skipped.
    fn stale_wake(&mut self) {}
    /// Process `id` has sent and reported everything after a call; its wake-up moves next.
    fn settled(&mut self, runner: &mut Runner<P, Self::Action>, id: NodeId) {
        let _ = (runner, id);
    }
}

/// The event loop (see the module documentation): processes, their queue and their links.
pub(crate) struct Runner<P: Process, A> {
    now: Time,
    rng: SimRng,
    /// The next sequence number: ties in time resolve in scheduling order.
    seq: u64,
    queue: EventQueue<Queued<A>>,
    flights: Vec<Option<Flight<P::Message>>>,
    free_flights: Vec<u32>,
    hosts: Vec<Host<P>>,
    link: Link,
    wake_rule: WakeRule,
    /// The message trace, when recording one.
    tracer: Option<Box<Tracer>>,
}

impl<P: Process, A: Copy + Ord> Runner<P, A> {
    /// No process yet, the clock at 0, the generator seeded with `seed`.
    pub(crate) fn new(seed: u64, link: Link, wake_rule: WakeRule) -> Self {
        Runner {
            now: 0,
            rng: seeded_rng(seed),
            seq: 0,
            queue: EventQueue::default(),
            flights: Vec::new(),
            free_flights: Vec::new(),
            hosts: Vec::new(),
            link,
            wake_rule,
            tracer: None,
        }
    }

    /// Records every message from now on in a trace of at most `cap` messages (then a sample,
    /// see [`crate::trace`]). Recording draws nothing and changes nothing in the run.
    pub(crate) fn trace_messages(&mut self, cap: usize) {
        self.tracer = Some(Box::new(Tracer::new(cap)));
    }

    /// The message trace so far, if recording one.
    pub(crate) fn trace(&self) -> Option<&MessageTrace> {
        self.tracer.as_deref().map(Tracer::trace)
    }

    /// The message trace, ending the recording.
    pub(crate) fn take_trace(&mut self) -> Option<MessageTrace> {
        self.tracer.take().map(|tracer| tracer.into_trace())
    }

    /// Traces a message from `from` to `to` that the engine refused to send (`fate`: a
    /// partition, no such receiver), if recording.
    pub(crate) fn trace_refused(
        &mut self,
        from: NodeId,
        to: NodeId,
        message: &P::Message,
        fate: Fate,
    ) {
        let now = self.now;
        if let Some(tracer) = &mut self.tracer {
            tracer.sent((from, to, now), fate, |out| {
                (P::write_summary(message, out), P::message_bytes(message))
            });
        }
    }

    /// Traces a message leaving now with `fate`, if recording: its number, or [`UNTRACED`].
    fn trace_sent(&mut self, from: NodeId, to: NodeId, message: &P::Message, fate: Fate) -> u64 {
        let now = self.now;
        match &mut self.tracer {
            Some(tracer) => tracer.sent((from, to, now), fate, |out| {
                (P::write_summary(message, out), P::message_bytes(message))
            }),
            None => UNTRACED,
        }
    }

    /// The time of the event being processed, or of the last one.
    pub(crate) fn now(&self) -> Time {
        self.now
    }

    /// The run's generator.
    pub(crate) fn rng(&mut self) -> &mut SimRng {
        &mut self.rng
    }

    /// Processes so far: their ids are `0..count`.
    pub(crate) fn count(&self) -> u32 {
        self.hosts.len() as u32
    }

    /// A running process under the next id; it is not woken until it is settled.
    pub(crate) fn add(&mut self, process: P) -> NodeId {
        let id = self.count();
        self.hosts.push(Host {
            process,
            running: true,
            slow: 0,
            wake: None,
        });
        id
    }

    /// Process `id`.
    pub(crate) fn process(&self, id: NodeId) -> &P {
        &self.hosts[id as usize].process
    }

    /// Every process, by id.
    pub(crate) fn processes(&self) -> impl Iterator<Item = &P> + '_ {
        self.hosts.iter().map(|host| &host.process)
    }

    /// Runs `f` on process `id` with the clock and the generator (outside handle and tick: a
    /// bootstrap, a write); settle it afterwards so that what it did goes out.
    pub(crate) fn call<R>(
        &mut self,
        id: NodeId,
        f: impl FnOnce(&mut P, Time, &mut SimRng) -> R,
    ) -> R {
        f(
            &mut self.hosts[id as usize].process,
            self.now,
            &mut self.rng,
        )
    }

    /// Whether process `id` handles messages and timers.
    pub(crate) fn is_running(&self, id: NodeId) -> bool {
        self.hosts[id as usize].running
    }

    /// Starts or stops process `id`; a stopped one loses its wake-up (reschedule a restarted
    /// one).
    pub(crate) fn set_running(&mut self, id: NodeId, running: bool) {
        let host = &mut self.hosts[id as usize];
        host.running = running;
        if !running {
            host.wake = None;
        }
    }

    /// The extra delay of process `id`.
    pub(crate) fn slow(&self, id: NodeId) -> Time {
        self.hosts[id as usize].slow
    }

    /// Makes deliveries to `id` (sent from now on) and its wake-ups (booked from now on) run
    /// `extra_delay` late.
    pub(crate) fn set_slow(&mut self, id: NodeId, extra_delay: Time) {
        self.hosts[id as usize].slow = extra_delay;
    }

    /// Queue entries, stale wake-ups included.
    pub(crate) fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Queues one of the engine's actions at `at`.
    pub(crate) fn schedule(&mut self, at: Time, action: A) {
        self.push(at, Queued::Act(action));
    }

    fn push(&mut self, at: Time, queued: Queued<A>) -> u64 {
        let seq = self.seq;
        self.seq += 1;
        self.queue.push(at, seq, queued);
        seq
    }

    /// Sends `message` from `from` to process `to` over the link, lost with probability `loss`,
    /// `extra` ms later than the link's latency (and the recipient's slowness) says. None if it
    /// was lost, otherwise whether it was duplicated.
    pub(crate) fn transmit(
        &mut self,
        from: NodeId,
        to: NodeId,
        message: P::Message,
        loss: f64,
        extra: Time,
    ) -> Option<bool> {
        let extra = extra + self.hosts[to as usize].slow;
        let Some(transit) = self.link.transit(&mut self.rng, loss) else {
            self.trace_sent(from, to, &message, Fate::Lost);
            return None;
        };
        if let Some(copy) = transit.copy {
            let traced = self.trace_sent(from, to, &message, Fate::InFlight);
            self.enqueue((from, to), copy + extra, (true, traced), message.clone());
        }
        let traced = self.trace_sent(from, to, &message, Fate::InFlight);
        self.enqueue((from, to), transit.delay + extra, (false, traced), message);
        Some(transit.copy.is_some())
    }

    /// Queues the delivery of `message` `delay` from now (`duplicate`: the second copy;
    /// `traced`: its number in the trace).
    fn enqueue(
        &mut self,
        (from, to): (NodeId, NodeId),
        delay: Time,
        (duplicate, traced): (bool, u64),
        message: P::Message,
    ) {
        let flight = Flight {
            from,
            to,
            sent_at: self.now,
            duplicate,
            traced,
            message,
        };
        let index = match self.free_flights.pop() {
            Some(index) => {
                self.flights[index as usize] = Some(flight);
                index
            }
            None => {
                self.flights.push(Some(flight));
                (self.flights.len() - 1) as u32
            }
        };
        self.push(self.now + delay, Queued::Deliver(index));
    }

    /// Calls [`Process::start`] on process `id` and settles it.
    pub(crate) fn start<H: Hooks<P, Action = A>>(&mut self, id: NodeId, hooks: &mut H) {
        let host = &mut self.hosts[id as usize];
        host.process.start(self.now, &mut self.rng);
        self.settle(id, false, hooks);
    }

    /// After a call to process `id`: sends what it has to send, passes on what it reports,
    /// and moves its wake-up (`ticked`: the call was a tick).
    pub(crate) fn settle<H: Hooks<P, Action = A>>(
        &mut self,
        id: NodeId,
        ticked: bool,
        hooks: &mut H,
    ) {
        while let Some((to, message)) = self.hosts[id as usize].process.poll_transmit() {
            hooks.send(self, id, to, message);
        }
        while let Some(event) = self.hosts[id as usize].process.poll_event() {
            hooks.event(self, id, event);
        }
        hooks.settled(self, id);
        self.reschedule(id, ticked);
    }

    /// Moves the wake-up of process `id` after its deadline, by the engine's [`WakeRule`].
    pub(crate) fn reschedule(&mut self, id: NodeId, ticked: bool) {
        let now = self.now;
        let host = &mut self.hosts[id as usize];
        let due = if host.running {
            host.process.poll_timeout()
        } else {
            None
        };
        let Some(due) = due else {
            host.wake = None;
            return;
        };
        let at = match self.wake_rule {
            WakeRule::Follow => {
                // A slow process's timers fire late; what is overdue is done now, not
                // postponed again by every message that arrives meanwhile. After a tick, never
                // the same instant again.
                let earliest = if ticked { now + 1 } else { now };
                let at = (due + host.slow).max(earliest);
                if host.wake.is_some_and(|wake| wake.at == at) {
                    return;
                }
                at
            }
            WakeRule::Book => {
                if !ticked && host.wake.is_some_and(|wake| wake.due == due) {
                    return;
                }
                due.max(now) + host.slow
            }
        };
        let seq = self.push(at, Queued::Wake(id));
        self.hosts[id as usize].wake = Some(Wake { due, at, seq });
    }

    /// The time of the next queued event, stale wake-ups included.
    pub(crate) fn peek_time(&self) -> Option<Time> {
        self.queue.peek_time()
    }

    /// Sets the clock to `until`, if that is later.
    pub(crate) fn advance_to(&mut self, until: Time) {
        self.now = self.now.max(until);
    }

    /// Processes every event before `until` (skipping stale wake-ups), then sets the clock to
    /// `until` (if it is later). Events at `until` itself stay queued.
    pub(crate) fn run_until<H: Hooks<P, Action = A>>(&mut self, until: Time, hooks: &mut H) {
        while self.step_before(Some(until), hooks).is_some() {}
        self.advance_to(until);
    }

    /// Processes the next event (skipping stale wake-ups) and returns its time, or None when
    /// nothing is queued.
    pub(crate) fn step<H: Hooks<P, Action = A>>(&mut self, hooks: &mut H) -> Option<Time> {
        self.step_before(None, hooks)
    }

    /// [`Runner::step`], but None rather than an event at or after `until`.
    fn step_before<H: Hooks<P, Action = A>>(
        &mut self,
        until: Option<Time>,
        hooks: &mut H,
    ) -> Option<Time> {
        loop {
            if let Some(until) = until
                && self.queue.peek_time()? >= until
            {
                return None;
            }
            let (at, seq, queued) = self.queue.pop()?;
            if let Queued::Wake(id) = queued
                && self.hosts[id as usize].wake.map(|wake| wake.seq) != Some(seq)
            {
                hooks.stale_wake();
                continue;
            }
            hooks.before(self, at);
            self.now = at;
            match queued {
                Queued::Deliver(index) => self.deliver(index, hooks),
                Queued::Wake(id) => self.wake(id, hooks),
                Queued::Act(action) => hooks.act(self, action),
            }
            return Some(at);
        }
    }

    fn deliver<H: Hooks<P, Action = A>>(&mut self, index: u32, hooks: &mut H) {
        let flight = self.flights[index as usize]
            .take()
            .expect("a queued delivery has its message");
        self.free_flights.push(index);
        let running = self.hosts[flight.to as usize].running;
        if let Some(tracer) = &mut self.tracer {
            let fate = if running {
                Fate::Arrived
            } else {
                Fate::ReceiverDown
            };
            tracer.end(flight.traced, self.now, fate);
        }
        if !running {
            hooks.dropped();
            return;
        }
        let arrival = Arrival {
            from: flight.from,
            to: flight.to,
            sent_at: flight.sent_at,
            duplicate: flight.duplicate,
        };
        hooks.arrived(self, arrival);
        let host = &mut self.hosts[flight.to as usize];
        host.process
            .handle(self.now, flight.from, flight.message, &mut self.rng);
        self.settle(flight.to, false, hooks);
    }

    fn wake<H: Hooks<P, Action = A>>(&mut self, id: NodeId, hooks: &mut H) {
        let host = &mut self.hosts[id as usize];
        host.wake = None;
        if !host.running {
            return;
        }
        host.process.tick(self.now, &mut self.rng);
        self.settle(id, true, hooks);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::{Latency, LossDraw};
    use std::collections::VecDeque;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Pings the next process every `period` ms (from `first` on) and answers pings; reports
    /// every message it handles, with the time.
    struct Pinger {
        me: NodeId,
        count: u32,
        period: Time,
        next: Option<Time>,
        outbox: VecDeque<(NodeId, bool)>,
        heard: VecDeque<(Time, NodeId, bool)>,
    }

    impl Process for Pinger {
        type Message = bool;
        type Event = (Time, NodeId, bool);

        fn handle(&mut self, now: Time, from: NodeId, ping: bool, _: &mut SimRng) {
            self.heard.push_back((now, from, ping));
            if ping {
                self.outbox.push_back((from, false));
            }
        }

        fn tick(&mut self, now: Time, _: &mut SimRng) {
            self.outbox.push_back(((self.me + 1) % self.count, true));
            self.next = Some(now + self.period);
        }

        fn poll_transmit(&mut self) -> Option<(NodeId, bool)> {
            self.outbox.pop_front()
        }

        fn poll_event(&mut self) -> Option<(Time, NodeId, bool)> {
            self.heard.pop_front()
        }

        fn poll_timeout(&self) -> Option<Time> {
            self.next
        }

        fn message_bytes(_: &bool) -> usize {
            1
        }
    }

    /// Counts and records; crashes the process named by an action.
    #[derive(Default)]
    struct Log {
        events: Vec<(NodeId, (Time, NodeId, bool))>,
        lost: u32,
        dropped: u32,
        stale: u32,
    }

    impl Hooks<Pinger> for Log {
        type Action = NodeId;

        fn act(&mut self, runner: &mut Runner<Pinger, NodeId>, id: NodeId) {
            runner.set_running(id, false);
        }

        fn send(&mut self, runner: &mut Runner<Pinger, NodeId>, from: NodeId, to: NodeId, m: bool) {
            if runner.transmit(from, to, m, 0.0, 0).is_none() {
                self.lost += 1;
            }
        }

        fn event(&mut self, _: &Runner<Pinger, NodeId>, id: NodeId, event: (Time, NodeId, bool)) {
            self.events.push((id, event));
        }

        fn dropped(&mut self) {
            self.dropped += 1;
        }

        fn stale_wake(&mut self) {
            self.stale += 1;
        }
    }

    fn ring(rule: WakeRule, latency: Time) -> (Runner<Pinger, NodeId>, Log) {
        let link = Link {
            latency: Latency::Fixed { ms: latency },
            duplicate: 0.0,
            loss_draw: LossDraw::Bernoulli,
        };
        let mut runner = Runner::new(1, link, rule);
        let mut log = Log::default();
        for me in 0..3 {
            runner.add(Pinger {
                me,
                count: 3,
                period: 100,
                next: Some(10 * Time::from(me)),
                outbox: VecDeque::new(),
                heard: VecDeque::new(),
            });
        }
        for id in 0..3 {
            runner.start(id, &mut log);
        }
        (runner, log)
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn pings_and_answers_follow_the_latency_and_a_stopped_process_drops_what_arrives() {
        let (mut runner, mut log) = ring(WakeRule::Follow, 5);
        runner.schedule(150, 2);
        runner.run_until(250, &mut log);
        assert_eq!(runner.now(), 250);
        assert_eq!(
            log.events[..6],
            [
                (1, (5, 0, true)),
                (0, (10, 1, false)),
                (2, (15, 1, true)),
                (1, (20, 2, false)),
                (0, (25, 2, true)),
                (2, (30, 0, false)),
            ]
        );
        // Node 2 stopped at 150: node 1's ping at 110 was answered, its ping at 210 is dropped.
        assert!(log.events.iter().all(|&(id, (at, ..))| id != 2 || at < 150));
        assert_eq!(log.dropped, 1);
        assert!(!runner.is_running(2));
        // Its wake-up at 220 was dropped with it.
        assert_eq!((log.lost, log.stale), (0, 1));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_two_wake_rules_time_a_slow_process_differently() {
        // Follow: made slow at 50, process 0 next wakes at 100 + 30, then at 230 + 30. Book:
        // the wake-up booked at 0 for 100 stays; the next one, for 200, is booked with the
        // slowness.
        for (rule, expected) in [
            (WakeRule::Follow, [0, 130, 260]),
            (WakeRule::Book, [0, 100, 230]),
        ] {
            let (mut runner, mut log) = ring(rule, 5);
            runner.run_until(50, &mut log);
            runner.set_slow(0, 30);
            runner.reschedule(0, false);
            runner.run_until(300, &mut log);
            // Process 1 hears process 0's pings 5 ms (plus nothing: 1 is not slow) after each tick.
            let pings: Vec<Time> = log
                .events
                .iter()
                .filter(|&&(id, (_, from, ping))| id == 1 && from == 0 && ping)
                .map(|&(_, (at, ..))| at - 5)
                .collect();
            assert_eq!(pings, expected, "{rule:?}");
        }
    }
}
