//! A Redis Cluster node: its bus messages, its cron, and what it does with each message (see
//! the parent module for the rules and their sources).

use std::collections::BTreeMap;

use rand::RngExt;

use super::RedisConfig;
use crate::models::{Observation, Outbox};
use crate::process::Process;
use gossip_core::{NodeId, SimRng, Time};

/// `clusterCron` runs from `serverCron` (`run_with_period(100)`, server.c 1411), an ae time
/// event that asks to run again in `1000 / hz` = 100 ms (server.c 1461).
pub(super) const CRON_MS: Time = 100;
/// How late a cron comes after its 100 ms, at most, in microseconds. ae books the next run 100
/// ms after the current one *ends* (ae.c 329-332: `now = getMonotonicUs(); te->when = now +
/// retval * 1000`), and epoll_wait takes its timeout in whole ms rounded up (ae_epoll.c 113-114:
/// `(tvp->tv_usec + 999)/1000`), computed again at every wake-up for a message: so each run
/// comes 0 to 1 ms after its 100 ms, drawn uniformly here. This matters: with an exact 100 ms a
/// pong that came back within the cron's millisecond is exactly 2,500 ms old 25 crons later,
/// not older than `node_timeout / 2` (cluster.c 4163-4165), so the next ping waited a 26th
/// cron; in Redis 25 crons already take over 2,500 ms and most direct pings repeat every
/// 25 crons. (Load adds more: real Redis 7.0.15 here took 1,003 to 1,032 ms for 10 crons at
/// load average 15.)
const CRON_LATENESS_US: Time = 1_000;
/// A gossiped pong time may be this far in the receiver's future (`clusterProcessGossipSection`).
const PONG_TOLERANCE_MS: Time = 500;
/// Failure reports are valid for this many node timeouts (`CLUSTER_FAIL_REPORT_VALIDITY_MULT`).
const FAIL_REPORT_VALIDITY_MULT: Time = 2;
const HEADER_BYTES: usize = 2_256;
const GOSSIP_ENTRY_BYTES: usize = 104;
const NODE_NAME_BYTES: usize = 40;

/// Flags a node gossips about another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flag {
    /// Nothing wrong known.
    Ok,
    /// Not answering pings, as the sender sees it.
    PFail,
    /// Agreed failed by a majority of masters.
    Fail,
}

/// What a meet, ping or pong says about one node (`clusterMsgDataGossip`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GossipEntry {
    /// The node.
    pub node: NodeId,
    /// When the sender last had a pong from it, in whole seconds of the clock (0: never), as
    /// Redis 7.0 puts it on the wire.
    pub pong_seconds: u32,
    /// What the sender holds it.
    pub flag: Flag,
}

/// What a message's header says of its sender (of `clusterMsg`'s header, the fields the model
/// reads).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// The sender's `currentEpoch`.
    pub current_epoch: u64,
    /// The master the sender replicates (None: it is a master).
    pub replica_of: Option<NodeId>,
}

/// A cluster bus message.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// The first message to a node met by address (`CLUSTER MEET`): a ping that makes the
    /// receiver learn the sender.
    Meet(Header, Vec<GossipEntry>),
    /// A ping, with its gossip section.
    Ping(Header, Vec<GossipEntry>),
    /// The answer to a meet or ping, with its own gossip section.
    Pong(Header, Vec<GossipEntry>),
    /// A replica asks the masters for their vote in the election of `epoch`
    /// (`FAILOVER_AUTH_REQUEST`).
    AuthRequest {
        /// The sender's `currentEpoch`, the election's.
        epoch: u64,
    },
    /// A master's vote (`FAILOVER_AUTH_ACK`).
    AuthAck {
        /// The sender's `currentEpoch`.
        epoch: u64,
    },
    /// `node` is marked FAIL; sent to every node.
    Fail {
        /// The failed node.
        node: NodeId,
    },
}

/// What a node knows of another (`clusterNode`).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Peer {
    /// In the node table.
    pub(super) known: bool,
    /// Known by address only, until it answers a ping (`CLUSTER_NODE_HANDSHAKE`).
    pub(super) handshake: bool,
    /// Met by `CLUSTER MEET`: the first message on the link is a MEET.
    pub(super) meet: bool,
    /// The link to it is up (made at the first cron after learning it).
    pub(super) linked: bool,
    /// When the ping in flight was sent (None: nothing in flight).
    pub(super) ping_sent: Option<Time>,
    /// When its last pong arrived (None: never, Redis's 0).
    pub(super) pong_received: Option<Time>,
    /// When any message from it last arrived.
    pub(super) data_received: Option<Time>,
    /// It has answered a ping (or meet) of this node's.
    pub(super) answered: bool,
    /// The master it replicates, as this node knows (None: a master).
    pub(super) replica_of: Option<NodeId>,
    /// It is a master serving slots, as this node knows.
    pub(super) serves_slots: bool,
    /// When this node, a master, last voted for a replica of it.
    pub(super) voted_time: Option<Time>,
    pub(super) pfail: bool,
    pub(super) fail: bool,
}

/// One node of the cluster bus.
pub struct Node {
    config: RedisConfig,
    pub(super) peers: Vec<Peer>,
    /// Every node in the node table, itself included, in the order learnt: what
    /// `dictGetRandomKey` draws from.
    pub(super) table: Vec<NodeId>,
    /// (subject, reporting master) -> when reported.
    reports: BTreeMap<(NodeId, NodeId), Time>,
    pub(super) crons: u64,
    /// `stats_pfail_nodes`: the nodes this one held PFAIL when its last cron began, how many
    /// PFAIL entries its gossip sections carry (cluster.c 4056, 3950, 2971).
    pfail_counted: usize,
    /// When the next cron runs (the ms of `next_cron_us`, as `mstime()` reads it).
    pub(super) next_cron: Option<Time>,
    /// When the next cron runs, in microseconds: the crons' lateness (`CRON_LATENESS_US`)
    /// adds up below the millisecond.
    next_cron_us: Time,
    /// The wall clock at the start of the run, in ms past a whole second: where the seconds of
    /// gossiped pong times begin.
    clock_offset: Time,
    /// Messages and bytes sent, per second of the run.
    pub(super) sent: Vec<(u64, u64)>,
    /// `currentEpoch`: the highest epoch heard of.
    current_epoch: u64,
    /// The epoch of this node's last vote (`lastVoteEpoch`).
    last_vote_epoch: u64,
    /// A replica's election, once its master is FAIL.
    election: Election,
    out: Outbox<Message>,
}

/// A replica's failover election (`server.cluster->failover_auth_*`).
#[derive(Clone, Copy, Debug, Default)]
struct Election {
    /// When the election starts, or started (None: never scheduled).
    time: Option<Time>,
    /// Its epoch, once the votes are asked for.
    epoch: Option<u64>,
    /// Votes received.
    votes: u32,
}

impl Node {
    /// Node `me` of `nodes` before `redis-cli --cluster create`: node 0 knows nobody, every
    /// other node has been told to meet node 0. The cluster shares one wall clock, which showed
    /// `clock_offset` ms past a whole second at the start.
    pub(super) fn new(config: RedisConfig, me: NodeId, nodes: u32, clock_offset: Time) -> Node {
        let mut node = Node {
            config,
            peers: vec![Peer::default(); nodes as usize],
            table: vec![me],
            reports: BTreeMap::new(),
            crons: 0,
            pfail_counted: 0,
            next_cron: None,
            next_cron_us: 0,
            clock_offset,
            sent: Vec::new(),
            // `redis-cli --cluster create` gives each node a config epoch of its own.
            current_epoch: u64::from(me) + 1,
            last_vote_epoch: 0,
            election: Election::default(),
            out: Outbox::new(me),
        };
        // The roles are as `--cluster create` assigns them; the model does not form them.
        for id in 0..nodes {
            let peer = &mut node.peers[id as usize];
            peer.replica_of = config.master_of(id);
            peer.serves_slots = config.is_master(id);
        }
        if me != 0 {
            node.learn(0, true);
            node.peers[0].meet = true;
        }
        node
    }

    fn me(&self) -> NodeId {
        self.out.me()
    }

    fn nodes(&self) -> u32 {
        self.peers.len() as u32
    }

    fn header(&self) -> Header {
        Header {
            current_epoch: self.current_epoch,
            replica_of: self.peers[self.me() as usize].replica_of,
        }
    }

    /// Whether `id` is a master, as this node knows.
    fn is_master(&self, id: NodeId) -> bool {
        self.peers[id as usize].replica_of.is_none()
    }

    /// The cluster's size, as this node knows: masters serving slots (`server.cluster->size`).
    fn size(&self) -> u32 {
        self.peers.iter().filter(|peer| peer.serves_slots).count() as u32
    }

    pub(super) fn learn(&mut self, node: NodeId, handshake: bool) {
        let peer = &mut self.peers[node as usize];
        peer.known = true;
        peer.handshake = handshake;
        self.table.push(node);
    }

    /// Whether `node` is a known node out of handshake: messages from it count.
    fn trusts(&self, node: NodeId) -> bool {
        let peer = &self.peers[node as usize];
        peer.known && !peer.handshake
    }

    fn flag(&self, id: NodeId) -> Flag {
        let peer = &self.peers[id as usize];
        if peer.fail {
            Flag::Fail
        } else if peer.pfail {
            Flag::PFail
        } else {
            Flag::Ok
        }
    }

    /// `clusterSendPing`'s gossip section: `max(3, known / 10)` random known nodes (not in
    /// PFAIL, handshake or unlinked), then the nodes in PFAIL, as many as the cron counted when
    /// it began: a node flagged PFAIL during a cron is in no gossip until the next cron
    /// (cluster.c 2971, 3026-3045).
    pub(super) fn gossip(&self, rng: &mut SimRng) -> Vec<GossipEntry> {
        let known = self.table.len();
        let mut fresh = known.saturating_sub(2);
        let wanted = (known / 10).max(3).min(fresh);
        let mut entries: Vec<GossipEntry> = Vec::with_capacity(wanted);
        let mut iterations = wanted * 3;
        while fresh > 0 && entries.len() < wanted && iterations > 0 {
            iterations -= 1;
            let node = self.table[rng.random_range(0..known)];
            let peer = &self.peers[node as usize];
            if node == self.me() || peer.pfail {
                continue;
            }
            if peer.handshake || !peer.linked {
                fresh -= 1;
                continue;
            }
            if entries.iter().any(|e| e.node == node) {
                continue;
            }
            entries.push(self.entry(node));
            fresh -= 1;
        }
        let mut pfail_wanted = self.pfail_counted;
        for &node in &self.table {
            if pfail_wanted == 0 {
                break;
            }
            let peer = &self.peers[node as usize];
            if peer.pfail && !peer.handshake {
                entries.push(self.entry(node));
                pfail_wanted -= 1;
            }
        }
        entries
    }

    /// `clusterSetGossipEntry`: the pong time goes out in whole seconds of the wall clock.
    pub(super) fn entry(&self, node: NodeId) -> GossipEntry {
        let pong_seconds = self.peers[node as usize]
            .pong_received
            .map_or(0, |at| (at + self.clock_offset) / 1_000);
        GossipEntry {
            node,
            pong_seconds: u32::try_from(pong_seconds).unwrap_or(u32::MAX),
            flag: self.flag(node),
        }
    }

    fn send(&mut self, now: Time, to: NodeId, message: Message) {
        let second = (now / 1_000) as usize;
        if self.sent.len() <= second {
            self.sent.resize(second + 1, (0, 0));
        }
        self.sent[second].0 += 1;
        self.sent[second].1 += Node::message_bytes(&message) as u64;
        self.out.send(to, message);
    }

    pub(super) fn ping(&mut self, to: NodeId, now: Time, rng: &mut SimRng) {
        self.peers[to as usize].ping_sent = Some(now);
        let gossip = self.gossip(rng);
        self.send(now, to, Message::Ping(self.header(), gossip));
    }

    /// `clusterLinkConnectHandler`: the first message on a new link is a MEET or a PING; a ping
    /// already in flight keeps its time, and a MEET starts none.
    fn connect(&mut self, to: NodeId, now: Time, rng: &mut SimRng) {
        let peer = &mut self.peers[to as usize];
        peer.linked = true;
        if std::mem::take(&mut peer.meet) {
            let gossip = self.gossip(rng);
            self.send(now, to, Message::Meet(self.header(), gossip));
        } else {
            let in_flight = peer.ping_sent;
            self.ping(to, now, rng);
            if in_flight.is_some() {
                self.peers[to as usize].ping_sent = in_flight;
            }
        }
    }

    fn mark_fail(&mut self, node: NodeId, now: Time) {
        let peer = &mut self.peers[node as usize];
        if !peer.fail {
            peer.fail = true;
            peer.pfail = false;
            self.out.observe(now, "fail", node, 0.0);
        }
    }

    /// Failure reports about `node` still valid at `now` (`clusterNodeFailureReportsCount`).
    fn report_count(&mut self, node: NodeId, now: Time) -> u32 {
        let validity = FAIL_REPORT_VALIDITY_MULT * self.config.node_timeout;
        self.reports
            .retain(|&(subject, _), &mut at| subject != node || now - at <= validity);
        self.reports.range((node, 0)..=(node, NodeId::MAX)).count() as u32
    }

    /// `markNodeAsFailingIfNeeded`: PFAIL here and reported by a majority of masters. Redis
    /// calls it only when a failure report arrives.
    fn check_failing(&mut self, node: NodeId, now: Time) {
        let peer = self.peers[node as usize];
        if !peer.pfail || peer.fail {
            return;
        }
        let failures = self.report_count(node, now) + u32::from(self.is_master(self.me()));
        if failures > self.size() / 2 {
            self.mark_fail(node, now);
            let me = self.me();
            for index in 0..self.table.len() {
                let to = self.table[index];
                if to != me && !self.peers[to as usize].handshake {
                    self.send(now, to, Message::Fail { node });
                }
            }
        }
    }

    /// `clusterProcessGossipSection`, for a message from a trusted sender.
    pub(super) fn absorb(&mut self, from: NodeId, gossip: &[GossipEntry], now: Time) {
        let from_master = self.is_master(from);
        for entry in gossip {
            let node = entry.node;
            if node == self.me() || node >= self.nodes() {
                continue;
            }
            if !self.peers[node as usize].known {
                self.learn(node, false);
                continue;
            }
            if from_master {
                if entry.flag == Flag::Ok {
                    self.reports.remove(&(node, from));
                } else {
                    self.reports.insert((node, from), now);
                    self.check_failing(node, now);
                }
            }
            if entry.flag == Flag::Ok
                && self.peers[node as usize].ping_sent.is_none()
                && self.report_count(node, now) == 0
            {
                // Back to ms, and from the wall clock to the run's.
                let pong = (Time::from(entry.pong_seconds) * 1_000).checked_sub(self.clock_offset);
                let peer = &mut self.peers[node as usize];
                if let Some(pong) = pong
                    && pong <= now + PONG_TOLERANCE_MS
                    && Some(pong) > peer.pong_received
                {
                    peer.pong_received = Some(pong);
                }
            }
        }
    }

    fn adopt_epoch(&mut self, epoch: u64) {
        self.current_epoch = self.current_epoch.max(epoch);
    }

    /// A trusted sender's header: its epoch, and a replica that now says it is a master took
    /// its master's slots (the model's short form of `clusterUpdateSlotsConfigWith`).
    fn read_header(&mut self, from: NodeId, trusted: bool, header: Header, now: Time) {
        if !trusted {
            return;
        }
        self.adopt_epoch(header.current_epoch);
        let peer = &mut self.peers[from as usize];
        if header.replica_of.is_none()
            && let Some(old) = peer.replica_of.take()
        {
            peer.serves_slots = true;
            self.peers[old as usize].serves_slots = false;
            self.out.observe(now, "new_master", old, f64::from(from));
        }
    }

    /// `clusterSendFailoverAuthIfNeeded`: a master votes once per epoch, for a replica whose
    /// master it holds FAIL, and not for two replicas of one master within two node timeouts.
    fn vote(&mut self, from: NodeId, epoch: u64, now: Time) {
        let me = self.me();
        if !self.is_master(me) || !self.peers[me as usize].serves_slots {
            return;
        }
        if epoch < self.current_epoch || self.last_vote_epoch == self.current_epoch {
            return;
        }
        let Some(master) = self.peers[from as usize].replica_of else {
            return;
        };
        let master_peer = self.peers[master as usize];
        if !master_peer.fail
            || master_peer
                .voted_time
                .is_some_and(|at| now - at < 2 * self.config.node_timeout)
        {
            return;
        }
        self.last_vote_epoch = self.current_epoch;
        self.peers[master as usize].voted_time = Some(now);
        let epoch = self.current_epoch;
        self.send(now, from, Message::AuthAck { epoch });
    }

    /// `clusterHandleSlaveFailover`, for a replica: once its master is FAIL, it schedules an
    /// election 500 ms + 0 to 500 ms + rank x 1 s ahead (rank 0: the model has no writes, so
    /// every replica's offset is the same), then asks every node for a vote in a new epoch,
    /// and takes over its master's slots with votes from a majority of the masters. An election
    /// not won within `max(2 x node_timeout, 2 s)` is retried after twice that.
    fn fail_over(&mut self, now: Time, rng: &mut SimRng) {
        let me = self.me();
        let Some(master) = self.peers[me as usize].replica_of else {
            return;
        };
        let master_peer = self.peers[master as usize];
        if !master_peer.fail || !master_peer.serves_slots {
            return;
        }
        let timeout = self.config.node_timeout;
        // How long the master has been silent, less the node timeout it takes to be FAIL.
        let mut data_age = now - master_peer.data_received.unwrap_or(0);
        if data_age > timeout {
            data_age -= timeout;
        }
        let factor = Time::from(self.config.replica_validity_factor);
        if factor > 0 && data_age > self.config.repl_ping_replica_period + timeout * factor {
            return;
        }
        let auth_timeout = (2 * timeout).max(2_000);
        let auth_retry = 2 * auth_timeout;
        let auth_age = self
            .election
            .time
            .map_or(Time::MAX, |at| now.saturating_sub(at));
        if self
            .election
            .time
            .is_none_or(|at| now > at && auth_age > auth_retry)
        {
            let at = now + 500 + rng.random_range(0..500);
            self.election = Election {
                time: Some(at),
                epoch: None,
                votes: 0,
            };
            self.out
                .observe(now, "election_scheduled", master, at as f64);
            // clusterBroadcastPong(CLUSTER_BROADCAST_LOCAL_SLAVES): the other replicas of the
            // master hear this one's offset.
            let siblings: Vec<NodeId> = self
                .table
                .iter()
                .copied()
                .filter(|&id| id != me && self.peers[id as usize].replica_of == Some(master))
                .collect();
            for to in siblings {
                let gossip = self.gossip(rng);
                self.send(now, to, Message::Pong(self.header(), gossip));
            }
            return;
        }
        let Some(start) = self.election.time else {
            return;
        };
        if now < start || auth_age > auth_timeout {
            return;
        }
        let Some(epoch) = self.election.epoch else {
            self.current_epoch += 1;
            let epoch = self.current_epoch;
            self.election.epoch = Some(epoch);
            for index in 0..self.table.len() {
                let to = self.table[index];
                if to != me && !self.peers[to as usize].handshake {
                    self.send(now, to, Message::AuthRequest { epoch });
                }
            }
            return;
        };
        if self.election.votes > self.size() / 2 {
            // clusterFailoverReplaceYourMaster: master of the old master's slots, announced to
            // every node with a PONG.
            let peer = &mut self.peers[me as usize];
            peer.replica_of = None;
            peer.serves_slots = true;
            self.peers[master as usize].serves_slots = false;
            self.out.observe(now, "promoted", master, epoch as f64);
            for index in 0..self.table.len() {
                let to = self.table[index];
                if to != me && !self.peers[to as usize].handshake {
                    let gossip = self.gossip(rng);
                    self.send(now, to, Message::Pong(self.header(), gossip));
                }
            }
        }
    }

    /// A MEET or PING: answered with a PONG built before its gossip is read, as Redis does; the
    /// gossip of an untrusted sender (unknown, or in handshake) is not read.
    fn answer(
        &mut self,
        from: NodeId,
        trusted: bool,
        gossip: &[GossipEntry],
        now: Time,
        rng: &mut SimRng,
    ) {
        let reply = self.gossip(rng);
        self.send(now, from, Message::Pong(self.header(), reply));
        if trusted {
            self.absorb(from, gossip, now);
        }
    }
}

impl crate::systems::inspect::InspectModel for Node {
    /// Its epochs and crons; a row per node in its table (itself left out): master or replica,
    /// its flag (`PFAIL`, `FAIL`, `handshake`, or `ok`), when the ping in flight left, when the
    /// last pong and the last message came, and how many masters' failure reports it holds.
    fn table(&self, _now: Time) -> crate::systems::inspect::NodeTable {
        use crate::systems::inspect::{Cell, names};
        let me = self.me();
        let facts = vec![
            ("current_epoch".into(), Cell::Count(self.current_epoch)),
            ("last_vote_epoch".into(), Cell::Count(self.last_vote_epoch)),
            ("crons".into(), Cell::Count(self.crons)),
            ("known".into(), Cell::Count(self.table.len() as u64)),
        ];
        let columns = names(&[
            "node",
            "role",
            "flag",
            "linked",
            "ping_sent",
            "pong_received",
            "data_received",
            "reports",
        ]);
        let mut known: Vec<NodeId> = self.table.iter().copied().filter(|&id| id != me).collect();
        known.sort_unstable();
        let rows = known
            .into_iter()
            .map(|id| {
                let peer = &self.peers[id as usize];
                let flag = if peer.fail {
                    "FAIL"
                } else if peer.pfail {
                    "PFAIL"
                } else if peer.handshake {
                    "handshake"
                } else {
                    "ok"
                };
                let role = match peer.replica_of {
                    Some(master) => format!("replica of {master}"),
                    None => "master".into(),
                };
                let reports = self
                    .reports
                    .keys()
                    .filter(|(subject, _)| *subject == id)
                    .count();
                vec![
                    Cell::Node(id),
                    Cell::Word(role),
                    Cell::Word(flag.into()),
                    Cell::Flag(peer.linked),
                    Cell::Time(peer.ping_sent),
                    Cell::Time(peer.pong_received),
                    Cell::Time(peer.data_received),
                    Cell::Count(reports as u64),
                ]
            })
            .collect();
        (facts, columns, rows)
    }
}

impl Process for Node {
    type Message = Message;
    type Event = Observation;

    fn summary(message: &Message) -> gossip_core::MessageSummary {
        message.summary()
    }

    fn message_bytes(message: &Message) -> usize {
        match message {
            Message::Meet(_, gossip) | Message::Ping(_, gossip) | Message::Pong(_, gossip) => {
                HEADER_BYTES + gossip.len() * GOSSIP_ENTRY_BYTES
            }
            Message::Fail { .. } => HEADER_BYTES + NODE_NAME_BYTES,
            Message::AuthRequest { .. } | Message::AuthAck { .. } => HEADER_BYTES,
        }
    }

    fn start(&mut self, _: Time, rng: &mut SimRng) {
        // Servers started at different times: the cron's phase, and which of its runs is the
        // once-a-second one, differ from node to node.
        self.next_cron_us = rng.random_range(0..CRON_MS * 1_000);
        self.next_cron = Some(self.next_cron_us / 1_000);
        self.crons = rng.random_range(0..10);
    }

    /// `clusterCron`.
    fn tick(&mut self, now: Time, rng: &mut SimRng) {
        self.crons += 1;
        let me = self.me();
        // clusterNodeCronHandleReconnect counts the PFAIL nodes before this cron flags any.
        self.pfail_counted = self.peers.iter().filter(|peer| peer.pfail).count();
        for index in 0..self.table.len() {
            let node = self.table[index];
            if node != me && !self.peers[node as usize].linked {
                self.connect(node, now, rng);
            }
        }
        if self.crons % 10 == 0 {
            // Once a second: of 5 random known nodes, the oldest pong.
            let mut oldest: Option<NodeId> = None;
            for _ in 0..5 {
                let node = self.table[rng.random_range(0..self.table.len())];
                let peer = &self.peers[node as usize];
                if node == me || !peer.linked || peer.ping_sent.is_some() || peer.handshake {
                    continue;
                }
                if oldest.is_none_or(|o| peer.pong_received < self.peers[o as usize].pong_received)
                {
                    oldest = Some(node);
                }
            }
            if let Some(node) = oldest {
                self.ping(node, now, rng);
            }
        }
        let half = self.config.node_timeout / 2;
        for index in 0..self.table.len() {
            let node = self.table[index];
            let peer = self.peers[node as usize];
            if node == me || peer.handshake {
                continue;
            }
            if peer.linked
                && peer.ping_sent.is_none()
                && peer.pong_received.is_none_or(|at| now - at > half)
            {
                self.ping(node, now, rng);
                continue;
            }
            let Some(sent) = peer.ping_sent else {
                continue;
            };
            let heard = peer.data_received.map_or(sent, |at| at.max(sent));
            if now - heard > self.config.node_timeout && !peer.pfail && !peer.fail {
                self.peers[node as usize].pfail = true;
                self.out.observe(now, "pfail", node, 0.0);
            }
        }
        if self.peers[me as usize].replica_of.is_some() {
            self.fail_over(now, rng);
        }
        // The next run: 100 ms after this one, plus the event loop's lateness (CRON_LATENESS_US).
        let ran_us = self.next_cron_us.max(now * 1_000);
        self.next_cron_us = ran_us + CRON_MS * 1_000 + rng.random_range(0..CRON_LATENESS_US);
        self.next_cron = Some(self.next_cron_us / 1_000);
    }

    fn handle(&mut self, now: Time, from: NodeId, message: Message, rng: &mut SimRng) {
        let trusted = self.trusts(from);
        if trusted {
            self.peers[from as usize].data_received = Some(now);
        }
        match message {
            Message::Meet(header, gossip) => {
                // A MEET introduces an unknown sender, in handshake until it answers a ping.
                if !self.peers[from as usize].known {
                    self.learn(from, true);
                }
                self.read_header(from, trusted, header, now);
                self.answer(from, trusted, &gossip, now, rng);
            }
            Message::Ping(header, gossip) => {
                self.read_header(from, trusted, header, now);
                self.answer(from, trusted, &gossip, now, rng);
            }
            Message::Pong(header, gossip) => {
                self.read_header(from, trusted, header, now);
                let peer = &mut self.peers[from as usize];
                if peer.known {
                    peer.handshake = false;
                    peer.ping_sent = None;
                    peer.pong_received = Some(now);
                    if !std::mem::replace(&mut peer.answered, true) {
                        self.out.observe(now, "met", from, 0.0);
                    }
                    if peer.pfail {
                        peer.pfail = false;
                        self.out.observe(now, "pfail_cleared", from, 0.0);
                    }
                }
                if trusted {
                    self.absorb(from, &gossip, now);
                }
            }
            Message::Fail { node } => {
                if trusted && node != self.me() && self.peers[node as usize].known {
                    self.mark_fail(node, now);
                }
            }
            Message::AuthRequest { epoch } => {
                if trusted {
                    self.adopt_epoch(epoch);
                    self.vote(from, epoch, now);
                }
            }
            Message::AuthAck { epoch } => {
                if trusted {
                    self.adopt_epoch(epoch);
                    let peer = &self.peers[from as usize];
                    if peer.replica_of.is_none()
                        && peer.serves_slots
                        && self.election.epoch.is_some_and(|asked| epoch >= asked)
                    {
                        self.election.votes += 1;
                        self.fail_over(now, rng);
                    }
                }
            }
        }
    }

    fn poll_transmit(&mut self) -> Option<(NodeId, Message)> {
        self.out.poll_transmit()
    }

    fn poll_event(&mut self) -> Option<Observation> {
        self.out.poll_event()
    }

    fn poll_timeout(&self) -> Option<Time> {
        self.next_cron
    }
}
