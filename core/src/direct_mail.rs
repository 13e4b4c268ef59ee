//! Direct mail (Demers et al. 1987, section 1.1): a node sends each update straight to every peer
//! it knows. It is timely and cheap but not reliable: a send can fail, and the sender may not know
//! every peer. Here a mail is acknowledged; mails whose ack does not come back within a timeout
//! wait in a bounded retry queue and are sent again with exponential backoff, up to a number of
//! attempts. What the queue cannot hold, and what runs out of attempts, is counted and reported as
//! an event: never lost silently. Anti-entropy repairs what direct mail loses.
//!
//! The payload type is generic, so the same mechanism carries store entries in a live node and
//! bare update ids in a simulation.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::{NodeId, Time};

/// Identifies one update within the sender's mail (its sequence number).
pub type MailId = u64;

/// Which entry the retry queue gives up when it is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Overflow {
    /// Keep what is queued; the new mail is not queued (counted as dropped).
    DropNewest,
    /// Make room by dropping the oldest queued mail (counted as dropped).
    DropOldest,
}

/// Direct mail parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DirectMailConfig {
    /// How long to wait for an ack before the mail counts as failed (caller's time unit).
    pub ack_timeout: Time,
    /// Mails awaiting an ack or a retry, over all peers.
    pub queue_capacity: usize,
    /// Sends per mail and peer, the first included; 1 means never retry.
    pub max_attempts: u8,
    /// Which mail a full queue gives up.
    pub overflow: Overflow,
}

impl Default for DirectMailConfig {
    fn default() -> Self {
        DirectMailConfig {
            ack_timeout: 500,
            queue_capacity: 1024,
            max_attempts: 4,
            overflow: Overflow::DropOldest,
        }
    }
}

impl DirectMailConfig {
    /// Checks the parameters a caller could get wrong; the error names the bad field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.ack_timeout == 0 {
            return Err(ConfigError::new(
                "direct_mail.ack_timeout",
                "must be positive",
            ));
        }
        if self.queue_capacity == 0 {
            return Err(ConfigError::new(
                "direct_mail.queue_capacity",
                "must be at least 1",
            ));
        }
        if self.max_attempts == 0 {
            return Err(ConfigError::new(
                "direct_mail.max_attempts",
                "must be at least 1",
            ));
        }
        Ok(())
    }
}

/// What direct mail puts on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailMessage<P> {
    /// An update for the receiver, who acknowledges it.
    Mail {
        /// The update's id in the sender's mail.
        id: MailId,
        /// The update.
        payload: P,
    },
    /// The receiver got a mail (sent for every copy, since an ack may be lost).
    Ack {
        /// The id of the mail received.
        id: MailId,
    },
}

/// What the view and the simulator learn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailEvent<P> {
    /// A mail arrived from a peer (duplicates from retries are reported once per sender and id).
    Delivered {
        /// The sender.
        from: NodeId,
        /// The mail's id in the sender's mail.
        id: MailId,
        /// The update.
        payload: P,
    },
    /// A mail to `to` was given up: the queue overflowed or the attempts ran out.
    Dropped {
        /// The peer the mail was for.
        to: NodeId,
        /// The mail's id.
        id: MailId,
        /// Why it was given up.
        reason: DropReason,
    },
}

/// Why a mail was given up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// The retry queue was full, and [`Overflow`] chose this mail.
    QueueFull,
    /// Sent `max_attempts` times without an ack.
    AttemptsExhausted,
}

/// Counters of one node's mail.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailStats {
    /// Mails sent, one per peer and attempt, retries included.
    pub sent: u64,
    /// Of those, the retries.
    pub retried: u64,
    /// Mails acknowledged.
    pub acked: u64,
    /// Mails given up because the retry queue was full ([`DropReason::QueueFull`]).
    pub dropped_queue_full: u64,
    /// Mails given up after `max_attempts` sends ([`DropReason::AttemptsExhausted`]).
    pub dropped_attempts: u64,
}

#[derive(Clone, Debug)]
struct Pending<P> {
    to: NodeId,
    id: MailId,
    payload: P,
    attempts: u8,
    due: Time,
}

/// One node's direct mail.
#[derive(Clone, Debug)]
pub struct DirectMail<P> {
    config: DirectMailConfig,
    next_id: MailId,
    /// Mails awaiting an ack, oldest first.
    pending: VecDeque<Pending<P>>,
    /// Highest ids delivered per sender, to report retried duplicates once. Bounded by the
    /// window below so a long-lived node does not grow without end.
    seen: BTreeMap<NodeId, VecDeque<MailId>>,
    outbox: VecDeque<(NodeId, MailMessage<P>)>,
    events: VecDeque<MailEvent<P>>,
    stats: MailStats,
}

/// Ids remembered per sender for duplicate suppression.
const SEEN_WINDOW: usize = 64;

impl<P: Clone> DirectMail<P> {
    /// Direct mail with nothing sent yet. `config` is not checked here:
    /// [`DirectMailConfig::validate`] does that.
    pub fn new(config: DirectMailConfig) -> Self {
        DirectMail {
            config,
            next_id: 0,
            pending: VecDeque::new(),
            seen: BTreeMap::new(),
            outbox: VecDeque::new(),
            events: VecDeque::new(),
            stats: MailStats::default(),
        }
    }

    /// Counters since this node started.
    pub fn stats(&self) -> MailStats {
        self.stats
    }

    /// Mails waiting for an ack or a retry.
    pub fn queued(&self) -> usize {
        self.pending.len()
    }

    /// The mails waiting for an ack, oldest first: recipient, payload, attempts so far and when
    /// the next is due (for inspection).
    pub(crate) fn pending(&self) -> impl Iterator<Item = (NodeId, &P, u8, Time)> + '_ {
        self.pending
            .iter()
            .map(|mail| (mail.to, &mail.payload, mail.attempts, mail.due))
    }

    /// Mails `payload` to every peer in `peers`; returns its id.
    pub fn send_to_all(
        &mut self,
        now: Time,
        payload: P,
        peers: impl IntoIterator<Item = NodeId>,
    ) -> MailId {
        self.next_id += 1;
        let id = self.next_id;
        for to in peers {
            self.outbox.push_back((
                to,
                MailMessage::Mail {
                    id,
                    payload: payload.clone(),
                },
            ));
            self.stats.sent += 1;
            self.enqueue(Pending {
                to,
                id,
                payload: payload.clone(),
                attempts: 1,
                due: now + self.config.ack_timeout,
            });
        }
        id
    }

    fn enqueue(&mut self, mail: Pending<P>) {
        if self.pending.len() >= self.config.queue_capacity {
            let dropped = match self.config.overflow {
                Overflow::DropNewest => mail,
                Overflow::DropOldest => {
                    let oldest = self
                        .pending
                        .pop_front()
                        .expect("a full queue has an oldest entry");
                    self.pending.push_back(mail);
                    oldest
                }
            };
            self.stats.dropped_queue_full += 1;
            self.events.push_back(MailEvent::Dropped {
                to: dropped.to,
                id: dropped.id,
                reason: DropReason::QueueFull,
            });
            return;
        }
        self.pending.push_back(mail);
    }

    /// A message from `from`.
    pub fn handle(&mut self, from: NodeId, message: MailMessage<P>) {
        match message {
            MailMessage::Mail { id, payload } => {
                self.outbox.push_back((from, MailMessage::Ack { id }));
                let seen = self.seen.entry(from).or_default();
                if !seen.contains(&id) {
                    if seen.len() == SEEN_WINDOW {
                        seen.pop_front();
                    }
                    seen.push_back(id);
                    self.events
                        .push_back(MailEvent::Delivered { from, id, payload });
                }
            }
            MailMessage::Ack { id } => {
                if let Some(index) = self
                    .pending
                    .iter()
                    .position(|mail| mail.to == from && mail.id == id)
                {
                    self.pending.remove(index);
                    self.stats.acked += 1;
                }
            }
        }
    }

    /// The transport could not send to `to` (for example the peer is unreachable): the mail
    /// counts as failed now instead of at its ack timeout.
    pub fn send_failed(&mut self, now: Time, to: NodeId, id: MailId) {
        if let Some(mail) = self
            .pending
            .iter_mut()
            .find(|mail| mail.to == to && mail.id == id)
        {
            mail.due = mail.due.min(now);
        }
    }

    /// Retries the mails whose ack is overdue, with exponential backoff; gives up after
    /// `max_attempts` sends.
    pub fn tick(&mut self, now: Time) {
        let mut index = 0;
        while index < self.pending.len() {
            if self.pending[index].due > now {
                index += 1;
                continue;
            }
            if self.pending[index].attempts >= self.config.max_attempts {
                let mail = self.pending.remove(index).expect("index is in range");
                self.stats.dropped_attempts += 1;
                self.events.push_back(MailEvent::Dropped {
                    to: mail.to,
                    id: mail.id,
                    reason: DropReason::AttemptsExhausted,
                });
                continue;
            }
            let mail = &mut self.pending[index];
            mail.attempts += 1;
            mail.due = now + (self.config.ack_timeout << (mail.attempts - 1).min(16));
            self.outbox.push_back((
                mail.to,
                MailMessage::Mail {
                    id: mail.id,
                    payload: mail.payload.clone(),
                },
            ));
            self.stats.sent += 1;
            self.stats.retried += 1;
            index += 1;
        }
    }

    /// When `tick` next has something to do.
    pub fn poll_timeout(&self) -> Option<Time> {
        self.pending.iter().map(|mail| mail.due).min()
    }

    /// The next message to send and its destination; `None` when nothing waits.
    pub fn poll_transmit(&mut self) -> Option<(NodeId, MailMessage<P>)> {
        self.outbox.pop_front()
    }

    /// The next delivery or drop to report; `None` when nothing waits.
    pub fn poll_event(&mut self) -> Option<MailEvent<P>> {
        self.events.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn config(capacity: usize, attempts: u8, overflow: Overflow) -> DirectMailConfig {
        DirectMailConfig {
            ack_timeout: 100,
            queue_capacity: capacity,
            max_attempts: attempts,
            overflow,
        }
    }

    fn drain<P: Clone>(mail: &mut DirectMail<P>) -> Vec<(NodeId, MailMessage<P>)> {
        std::iter::from_fn(|| mail.poll_transmit()).collect()
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn mail_reaches_every_peer_and_acks_clear_the_queue() {
        let mut sender = DirectMail::new(config(16, 3, Overflow::DropNewest));
        let id = sender.send_to_all(0, "x", [1, 2, 3]);
        let sent = drain(&mut sender);
        assert_eq!(
            sent.iter().map(|(to, _)| *to).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert_eq!(sender.queued(), 3);

        let mut receiver = DirectMail::new(config(16, 3, Overflow::DropNewest));
        receiver.handle(0, sent[0].1.clone());
        assert_eq!(
            receiver.poll_event(),
            Some(MailEvent::Delivered {
                from: 0,
                id,
                payload: "x"
            })
        );
        let (to, ack) = receiver.poll_transmit().unwrap();
        assert_eq!(to, 0);
        sender.handle(1, ack);
        assert_eq!(sender.queued(), 2);
        assert_eq!(sender.stats().acked, 1);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn unacked_mail_is_retried_with_backoff_then_dropped_and_reported() {
        let mut sender = DirectMail::new(config(16, 3, Overflow::DropNewest));
        let id = sender.send_to_all(0, 7u32, [5]);
        drain(&mut sender);
        assert_eq!(sender.poll_timeout(), Some(100));
        sender.tick(99);
        assert!(drain(&mut sender).is_empty());
        sender.tick(100); // second attempt, next due after 2 x timeout
        assert_eq!(
            drain(&mut sender),
            vec![(5, MailMessage::Mail { id, payload: 7 })]
        );
        assert_eq!(sender.poll_timeout(), Some(300));
        sender.tick(300); // third and last attempt
        assert_eq!(drain(&mut sender).len(), 1);
        sender.tick(700);
        assert!(drain(&mut sender).is_empty());
        assert_eq!(
            sender.poll_event(),
            Some(MailEvent::Dropped {
                to: 5,
                id,
                reason: DropReason::AttemptsExhausted
            })
        );
        assert_eq!(
            sender.stats(),
            MailStats {
                sent: 3,
                retried: 2,
                acked: 0,
                dropped_queue_full: 0,
                dropped_attempts: 1
            }
        );
        assert_eq!(sender.queued(), 0);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_full_queue_drops_and_counts_what_it_cannot_hold() {
        let mut newest = DirectMail::new(config(2, 3, Overflow::DropNewest));
        newest.send_to_all(0, 'a', [1, 2, 3]);
        assert_eq!(newest.queued(), 2);
        assert_eq!(newest.stats().dropped_queue_full, 1);
        assert!(matches!(
            newest.poll_event(),
            Some(MailEvent::Dropped {
                to: 3,
                reason: DropReason::QueueFull,
                ..
            })
        ));
        // The mail itself was still sent once; only its retries are lost.
        assert_eq!(drain(&mut newest).len(), 3);

        let mut oldest = DirectMail::new(config(2, 3, Overflow::DropOldest));
        oldest.send_to_all(0, 'a', [1, 2, 3]);
        assert!(matches!(
            oldest.poll_event(),
            Some(MailEvent::Dropped {
                to: 1,
                reason: DropReason::QueueFull,
                ..
            })
        ));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_retried_duplicate_is_delivered_once_but_acked_again() {
        let mut receiver = DirectMail::new(config(4, 3, Overflow::DropNewest));
        receiver.handle(9, MailMessage::Mail { id: 1, payload: 42 });
        receiver.handle(9, MailMessage::Mail { id: 1, payload: 42 });
        assert!(receiver.poll_event().is_some());
        assert_eq!(receiver.poll_event(), None);
        assert_eq!(
            drain(&mut receiver).len(),
            2,
            "both copies are acked, the first ack may be lost"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_reported_send_failure_retries_at_the_next_tick() {
        let mut sender = DirectMail::new(config(4, 2, Overflow::DropNewest));
        let id = sender.send_to_all(10, (), [3]);
        drain(&mut sender);
        sender.send_failed(20, 3, id);
        assert_eq!(sender.poll_timeout(), Some(20));
        sender.tick(20);
        assert_eq!(drain(&mut sender).len(), 1);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn invalid_configs_name_the_field() {
        assert_eq!(
            config(0, 1, Overflow::DropNewest).validate(),
            Err(ConfigError::new(
                "direct_mail.queue_capacity",
                "must be at least 1"
            ))
        );
        assert_eq!(
            config(1, 0, Overflow::DropNewest)
                .validate()
                .unwrap_err()
                .to_string(),
            "direct_mail.max_attempts must be at least 1"
        );
        let no_timeout = DirectMailConfig {
            ack_timeout: 0,
            ..DirectMailConfig::default()
        };
        assert_eq!(
            no_timeout.validate().unwrap_err().to_string(),
            "direct_mail.ack_timeout must be positive"
        );
    }
}
