//! SWIM membership and failure detection: Das, Gupta and Motivala, 2002, "SWIM: Scalable
//! Weakly-consistent Infection-style Process Group Membership Protocol".
//!
//! What this follows:
//! - Section 3.1, the failure detector: every protocol period `T'` a member pings one target; if no
//!   ack arrives within `ping_timeout` it asks `k` other members to ping the target on its behalf
//!   (ping-req) and they forward the target's ack. No ack, direct or indirect, by the end of the
//!   period and the target is suspected.
//! - Section 4.1, infection-style dissemination: membership updates ride on every protocol
//!   message, each update about `lambda * log(n + 1)` times, and when more are queued than fit in
//!   one message those sent fewer times go first (after the member's own updates, see below).
//! - Section 4.2, the suspicion mechanism: Alive, Suspect and Dead (the paper's Confirm) with
//!   incarnation numbers and the paper's precedence rules (see [`supersedes`]). A member that
//!   hears itself suspected increments its incarnation and disseminates Alive. A suspect not
//!   refuted within the suspicion timeout is declared Dead.
//! - Section 4.3, round-robin probe targets: the member list is shuffled and walked, reshuffled
//!   after each full pass, and new members are inserted at a random position, so every member is
//!   probed within `2n - 1` periods of failing.
//!
//! Where this deviates, and why:
//! - The paper leaves the suspicion timeout open beyond saying it must cover the dissemination
//!   time, which is O(log n) periods. Here it is `suspicion_mult * protocol_period *
//!   ceil(ln(n + 1))`, `n` being the live members including this one.
//! - Logarithms are natural and rounded up by an integer table ([`ceil_ln`]) rather than computed
//!   in floating point, so a run is bit-for-bit the same natively and in wasm.
//! - Joining: the paper assumes a well-known server or IP multicast. Here a member sends
//!   [`SwimMessage::Join`] to any seed member; the seed disseminates the newcomer's Alive and
//!   answers with its membership list in [`SwimMessage::Sync`] chunks of at most `sync_chunk`
//!   entries. The joiner retries every period until a Sync arrives. The joiner announces itself
//!   too, and what a Sync teaches is disseminated like any other news: kept quiet, in a burst of
//!   joins the later joiners would never pass on the earlier ones and the rumor about those would
//!   die out before reaching the first joiners. [`Swim::bootstrap`] instead adds members known out
//!   of band (a simulator's population, a relay's peer list) quietly.
//! - Graceful leave is an addition: a leaving member disseminates Left about itself, which takes
//!   precedence like Dead but is never a false positive. It stops probing, keeps answering until
//!   its Left has been sent `lambda * log(n + 1)` times, then falls silent. [`Swim::join`] after
//!   a leave rejoins under the same id at an incarnation above its Left.
//! - A successful probe of a suspect does not clear the suspicion: under the section 4.2
//!   precedence an Alive at the same incarnation cannot override it, so only the member's own
//!   refutation does (the probe's ping has told it, if the news was piggybacked).
//! - Dead and Left are not final for an id (the paper removes a confirmed member for good; this
//!   follows HashiCorp memberlist instead, because live peers reconnect under the same id after a
//!   relay restart or a partition). A member that hears itself declared Dead (or Left while it is
//!   active: a leave followed by a rejoin) refutes as it refutes a suspicion: it takes an
//!   incarnation above the verdict's and disseminates Alive. Alive(i) then overrides Dead(j) or
//!   Left(j) iff i > j, and the member is listed, probed and reported ([`MemberEvent::Joined`])
//!   as a newcomer again. Verdicts are kept as tombstones so that a stale Alive still circulating
//!   cannot resurrect a member; for the same reason Dead and Left now need an incarnation at least
//!   that of the state they replace (the paper's Confirm overrides whatever the incarnation), so a
//!   stale verdict cannot kill a member that has already outbid it. Tombstones are never
//!   collected. The full table is at [`supersedes`].
//! - Telling a member it was declared dead: every message sent to a member held Dead or Left
//!   carries that verdict about it (its "certificate"), right after the sender's own update, so a
//!   member coming back learns of it from the first message it gets from anyone holding it dead.
//!   It refutes at once: in its ack if the message was a ping, otherwise in a ping it sends back
//!   to the sender, so the two have exchanged the verdict and the refutation in one round trip.
//!   A member that hears a suspicion or a verdict about an incarnation it has already outbid
//!   disseminates its current Alive again: whoever sent it missed the refutation (all of a
//!   refutation's sends can be lost, or spent on acks a network drops).
//! - Reaching dead members (an addition, after memberlist's gossip to the dead and Serf's
//!   reconnects): round robin probes live members only, so after a partition heals the halves,
//!   each holding the other Dead, would never talk again. Every `reconnect_every` protocol periods
//!   (periods whose start is a multiple of `reconnect_every * protocol_period`, the same periods
//!   at every member) an active member also pings one Dead member (never a Left one) chosen
//!   uniformly at random, with only the certificate piggybacked. A member that is really gone
//!   ignores it; one that is back refutes in its ack. The ping is not a probe: an unanswered one
//!   raises no suspicion. With the default of 5 periods that is one more ping per member every 5
//!   periods while it holds anyone Dead, and the halves of a healed partition start merging within
//!   5 periods of the heal.
//! - A member's own updates (its refutations, its Left) go first in every message, ahead of the
//!   least-sent rule of section 4.1, still at most `lambda * log(n + 1)` times: under churn the
//!   buffer holds many updates about others, and a leaver's Left or a suspect's refutation waiting
//!   behind them keeps the leaver running and lets the suspicion time out.
//! - A message from a sender not in the list adds it as Alive at incarnation 0, without
//!   disseminating it: the message proves the sender is up, and it repairs a missed join
//!   announcement at once instead of after the announcer's retransmissions are exhausted.
//! - Protocol periods start at multiples of `protocol_period` in the caller's time. That is the
//!   synchronous-period model of the paper's analysis (section 3.1); live peers' clocks have
//!   different origins, so their phases differ anyway.
//!
//! Lifeguard (Dadgar, Phillips and Currey, 2018), as HashiCorp memberlist implements it, is an
//! option on top, off by default ([`SwimConfig::lifeguard`]): local health scaling the probe
//! interval, nacks from ping-req helpers, suspicion timeouts that start long and shrink with
//! independent confirmations, and suspicions told to the suspect. With it off the protocol is the
//! plain SWIM above. What it follows and what it leaves out is documented with its code, in
//! `membership/lifeguard.rs`.
//!
//! The module is split one concern per file, layered so that each file uses only those listed
//! before it:
//! - `math.rs`: [`ceil_ln`], the integer logarithm of the `log(n + 1)` factors.
//! - `config.rs`: [`SwimConfig`] and its validation.
//! - `message.rs`: what members say and know: [`MemberState`] and its precedence ([`supersedes`]),
//!   [`MemberUpdate`], [`SwimMessage`], [`MemberEvent`], [`Member`].
//! - `member_table.rs`: the table of every member heard of, indexed by id.
//! - `dissemination.rs`: the piggyback buffer of infection-style dissemination (section 4.1).
//! - `lifeguard.rs`: Lifeguard's local health, nack accounting and dynamic suspicion timeouts.
//! - `swim.rs`: [`Swim`], the protocol itself: the probe cycle, suspicion, incarnations, joins,
//!   leaves and reconnects. It calls Lifeguard, when on, at a few named points.

mod config;
mod dissemination;
mod id_set;
mod lifeguard;
mod math;
mod member_table;
mod message;
mod probe_order;
mod swim;

pub use config::{LogScale, SwimConfig};
pub use math::{ceil_ln, ceil_log10, log10_thousandths};
pub use message::{Member, MemberEvent, MemberState, MemberUpdate, SwimMessage, supersedes};
pub use swim::Swim;
