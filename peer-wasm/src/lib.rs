//! gossip-core's live [`Node`] as a wasm module for JavaScript hosts: the same wasm a browser
//! tab runs, driven headless by Node.js (`peer.mjs` next to this crate) to show it needs nothing
//! of a browser.
//!
//! [`WasmPeer`] is a thin wrapper: the host moves bytes (relay frames' payloads in
//! [`WasmPeer::handle`], out of [`WasmPeer::poll_transmit`]) and calls [`WasmPeer::tick`] at
//! [`WasmPeer::poll_timeout`]; every protocol decision stays in the core. Time is milliseconds
//! on the host's clock, passed as a JS number. Events come out as JSON, each with the line the
//! native peer (`gossip-node peer`) prints for it, so a script can print the very same words.
//!
//! A peer can record what it lives through ([`WasmPeer::start_recording`]) with gossip-sim's
//! shared [`Recorder`], in the same format as `gossip-node peer --record` (every message sent
//! and received, pings paired with acks, its writes and events), for `gossip-node replay`. The
//! recording is kept in memory; the host takes what was added ([`WasmPeer::take_recording`])
//! and writes it where it likes.

use gossip_core::wire;
use gossip_core::{LivePeerOptions, Mechanism, Node, NodeConfig, NodeEvent};
use gossip_core::{MemberEvent, NodeId, SimRng, Time, seeded_rng};
use gossip_sim::recording::{RecordBody, Recorder, Start, WriterStopped};
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

/// A message the node wants sent: `bytes` to peer `to` (`0xFFFF_FFFF`: the whole room).
#[wasm_bindgen(getter_with_clone)]
pub struct Transmit {
    /// The recipient's id, or `0xFFFF_FFFF` for every peer of the room.
    pub to: u32,
    /// The encoded message, a relay frame's payload.
    pub bytes: Vec<u8>,
}

/// One live gossip node with its own seeded generator.
#[wasm_bindgen]
pub struct WasmPeer {
    node: Node,
    rng: SimRng,
    /// The generator's seed, for a recording's start line.
    seed: u64,
    /// The recording, if one was started.
    recorder: Option<Recorder<Vec<u8>>>,
    /// Why the recording stopped, until the host has read it.
    recording_notice: Option<String>,
}

/// A JS time in milliseconds as the core's [`Time`] (negative and NaN become 0).
fn time(now: f64) -> Time {
    now.max(0.0) as Time
}

/// A JS time in milliseconds (with its fraction) as a recording's microseconds.
fn micros(now: f64) -> u64 {
    (now.max(0.0) * 1_000.0) as u64
}

fn error(message: impl std::fmt::Display) -> JsError {
    JsError::new(&message.to_string())
}

/// The live protocol version this wasm speaks ([`gossip_core::wire::PROTOCOL_VERSION`]): the
/// version byte of every message it encodes, and what a host says when joining a relay
/// (`&protocol=N`).
#[wasm_bindgen(js_name = protocolVersion)]
pub fn protocol_version() -> u8 {
    gossip_core::wire::PROTOCOL_VERSION
}

/// A node configuration from protocol periods in milliseconds, as `gossip-node peer`'s
/// `--swim-period-ms`, `--anti-entropy-ms` and `--rumor-ms` make it (0 turns anti-entropy or
/// rumor mongering off), as JSON for [`WasmPeer::new`].
#[wasm_bindgen(js_name = configForPeriods)]
pub fn config_for_periods(swim: f64, anti_entropy: f64, rumor: f64) -> Result<String, JsError> {
    periods_config_json(time(swim), time(anti_entropy), time(rumor)).map_err(error)
}

/// [`config_for_periods`] for Rust callers.
pub fn periods_config_json(swim: Time, anti_entropy: Time, rumor: Time) -> Result<String, String> {
    // The native peer's mapping: receipts to the writer, no direct mail, no Lifeguard.
    let config = NodeConfig::live(LivePeerOptions::from_periods(swim, anti_entropy, rumor));
    config.validate().map_err(|e| e.to_string())?;
    serde_json::to_string(&config).map_err(|e| e.to_string())
}

/// The mechanism's name as the native peer prints it (`{via:?}`).
fn mechanism_name(via: Mechanism) -> &'static str {
    match via {
        Mechanism::Local => "Local",
        Mechanism::AntiEntropy => "AntiEntropy",
        Mechanism::Rumor => "Rumor",
        Mechanism::DirectMail => "DirectMail",
    }
}

#[wasm_bindgen]
impl WasmPeer {
    /// A node with id `id`; `seed` (a number or a BigInt) seeds its generator; `config` is a
    /// `NodeConfig` as JSON (absent fields take their defaults; none: all defaults).
    #[wasm_bindgen(constructor)]
    pub fn new(id: u32, seed: JsValue, config: Option<String>) -> Result<WasmPeer, JsError> {
        let seed = if seed.is_bigint() {
            u64::try_from(seed).map_err(|_| error("seed: a BigInt from 0 to 2^64 - 1"))?
        } else {
            match seed.as_f64() {
                Some(seed) if seed.is_finite() && seed >= 0.0 => seed as u64,
                _ => return Err(error("seed: a non-negative number or a BigInt")),
            }
        };
        WasmPeer::with_seed(id, seed, config.as_deref()).map_err(error)
    }

    /// Adds the members known out of band (the relay's list of the room's peers).
    pub fn bootstrap(&mut self, members: Vec<u32>, now: f64) {
        self.node.bootstrap(time(now), members, &mut self.rng);
    }

    /// A message's bytes from peer `from` (a relay frame's payload). Malformed bytes are refused
    /// with the reason and change nothing (a recording notes them).
    pub fn handle(&mut self, from: u32, bytes: &[u8], now: f64) -> Result<(), JsError> {
        self.handle_at(from, bytes, now).map_err(error)
    }

    /// Starts recording, in memory, in the format of `gossip-node peer --record`.
    /// `started_unix_ms` is the wall clock (`Date.now()`) at the host's time 0, the time every
    /// `now` counts from; `transport` is the relay's URL; the recording stops at `cap_bytes`
    /// (saying so). Replaces a recording already started.
    #[wasm_bindgen(js_name = startRecording)]
    pub fn start_recording(
        &mut self,
        started_unix_ms: f64,
        transport: &str,
        room: Option<String>,
        cap_bytes: f64,
    ) -> Result<(), JsError> {
        self.start_recording_in_memory(started_unix_ms, transport, room.as_deref(), cap_bytes)
            .map_err(error)
    }

    /// Records a line of the host's own (the relay's welcome, peers connecting and leaving, a
    /// lost connection, a note), given as a recording line's JSON without `t_us`:
    /// `{"kind":"welcome","id":3,"peers":[1,2]}`, `{"kind":"peer_connected","id":4}`,
    /// `{"kind":"peer_disconnected","id":4}`, `{"kind":"relay_lost"}`,
    /// `{"kind":"note","text":"..."}`. Nothing when not recording.
    pub fn record(&mut self, line: &str, now: f64) -> Result<(), JsError> {
        self.record_line(line, now).map_err(error)
    }

    /// The recording's bytes added since the last call (all of them the first time), to append
    /// to a file; empty when nothing was added or nothing is recorded.
    #[wasm_bindgen(js_name = takeRecording)]
    pub fn take_recording(&mut self) -> Vec<u8> {
        self.recorder
            .as_mut()
            .map(|r| std::mem::take(r.get_mut()))
            .unwrap_or_default()
    }

    /// Ends the recording with its end line and returns the bytes not yet taken; empty when
    /// not recording.
    #[wasm_bindgen(js_name = finishRecording)]
    pub fn finish_recording(&mut self, now: f64) -> Vec<u8> {
        self.recorder
            .take()
            .and_then(|r| r.finish(micros(now)).ok())
            .unwrap_or_default()
    }

    /// Once, after the recording stopped at its cap: the sentence saying so (undefined
    /// otherwise).
    #[wasm_bindgen(js_name = pollRecordingNotice)]
    pub fn poll_recording_notice(&mut self) -> Option<String> {
        self.recording_notice.take()
    }

    /// Runs what is due at `now`.
    pub fn tick(&mut self, now: f64) {
        self.node.tick(time(now), &mut self.rng);
    }

    /// When `tick` next has something to do (milliseconds); undefined: nothing scheduled.
    #[wasm_bindgen(js_name = pollTimeout)]
    pub fn poll_timeout(&self) -> Option<f64> {
        self.node.poll_timeout().map(|at| at as f64)
    }

    /// The next message to send, encoded; undefined when there is none. `now` is when it
    /// leaves, for a recording.
    #[wasm_bindgen(js_name = pollTransmit)]
    pub fn poll_transmit(&mut self, now: f64) -> Option<Transmit> {
        let (to, message) = self.node.poll_transmit()?;
        let bytes = wire::encode_message(&message);
        self.record_with(|r| r.sent(micros(now), to, &message, bytes.len()));
        Some(Transmit { to, bytes })
    }

    /// The next event as JSON, undefined when there is none. Every event has `type`
    /// (`member`, `updated` or `mail_dropped`) and `line`, the words `gossip-node peer` prints.
    /// `now` is when the host reads it, for a recording.
    #[wasm_bindgen(js_name = pollEvent)]
    pub fn poll_event(&mut self, now: f64) -> Option<String> {
        let event = self.node.poll_event()?;
        self.record_with(|r| r.event(micros(now), &event));
        Some(event_json(&event).to_string())
    }

    /// Writes `key` here and starts spreading it; returns the new version.
    pub fn put(&mut self, key: &str, value: &str, now: f64) -> Result<f64, JsError> {
        let stamp = self
            .node
            .put(time(now), key, value.as_bytes())
            .map_err(error)?;
        self.record_with(|r| {
            r.record(
                micros(now),
                RecordBody::Put {
                    key: key.to_string(),
                    value: value.to_string(),
                    version: stamp.version,
                },
            )
        });
        Ok(stamp.version as f64)
    }

    /// `{"value", "origin", "version"}` of `key` as JSON, undefined if it is not set.
    pub fn get(&self, key: &str) -> Option<String> {
        let entry = self.node.store().get(key)?;
        Some(
            json!({
                "value": String::from_utf8_lossy(&entry.value),
                "origin": entry.stamp.origin,
                "version": entry.stamp.version,
            })
            .to_string(),
        )
    }

    /// The stored keys, sorted, as a JSON array.
    pub fn keys(&self) -> String {
        let keys: Vec<&str> = self.node.store().entries().map(|(key, _)| key).collect();
        json!(keys).to_string()
    }

    /// The whole store as a JSON object: key to `{"value", "origin", "version"}`.
    pub fn store(&self) -> String {
        let store: serde_json::Map<String, Value> = self
            .node
            .store()
            .entries()
            .map(|(key, entry)| {
                (
                    key.to_string(),
                    json!({
                        "value": String::from_utf8_lossy(&entry.value),
                        "origin": entry.stamp.origin,
                        "version": entry.stamp.version,
                    }),
                )
            })
            .collect();
        Value::Object(store).to_string()
    }

    /// This node's id.
    pub fn me(&self) -> u32 {
        self.node.me()
    }

    /// The membership list as JSON: `[{"id", "state", "incarnation"}]`, state in lower case.
    pub fn members(&self) -> String {
        let members: Vec<Value> = self
            .node
            .membership()
            .members()
            .map(|(id, member)| {
                json!({
                    "id": id,
                    "state": format!("{:?}", member.state).to_lowercase(),
                    "incarnation": member.incarnation,
                })
            })
            .collect();
        Value::Array(members).to_string()
    }

    /// Starts a graceful leave: SWIM announces it, then falls silent.
    pub fn leave(&mut self, now: f64) {
        self.node.leave(time(now));
        self.record_with(|r| r.record(micros(now), RecordBody::Leave));
    }

    /// True once a leave has been announced as often as SWIM sends it (nothing left to send).
    #[wasm_bindgen(js_name = leaveAnnounced)]
    pub fn leave_announced(&self) -> bool {
        self.node.membership().poll_timeout().is_none()
    }
}

impl WasmPeer {
    /// The constructor for Rust callers: the seed as a plain integer.
    pub fn with_seed(id: NodeId, seed: u64, config: Option<&str>) -> Result<WasmPeer, String> {
        let config: NodeConfig = match config {
            Some(json) => serde_json::from_str(json).map_err(|e| format!("config: {e}"))?,
            None => NodeConfig::default(),
        };
        Ok(WasmPeer {
            node: Node::new(id, config).map_err(|e| e.to_string())?,
            rng: seeded_rng(seed),
            seed,
            recorder: None,
            recording_notice: None,
        })
    }

    /// [`WasmPeer::start_recording`] for Rust callers.
    pub fn start_recording_in_memory(
        &mut self,
        started_unix_ms: f64,
        transport: &str,
        room: Option<&str>,
        cap_bytes: f64,
    ) -> Result<(), String> {
        let start = Start::live(
            micros(started_unix_ms),
            &format!("gossip-peer-wasm {}", env!("CARGO_PKG_VERSION")),
            transport,
            room,
            self.seed,
            *self.node.config(),
            cap_bytes.max(0.0) as u64,
        );
        self.recorder = Some(Recorder::new(Vec::new(), start).map_err(|e| e.to_string())?);
        self.recording_notice = None;
        Ok(())
    }

    /// [`WasmPeer::record`] for Rust callers.
    pub fn record_line(&mut self, line: &str, now: f64) -> Result<(), String> {
        if self.recorder.is_none() {
            return Ok(());
        }
        let body: RecordBody =
            serde_json::from_str(line).map_err(|e| format!("a record line: {e}"))?;
        self.record_with(|r| r.record(micros(now), body));
        Ok(())
    }

    /// Records with `write`, if recording; keeps the notice of a recording that stopped.
    fn record_with(&mut self, write: impl FnOnce(&mut Recorder<Vec<u8>>) -> Option<WriterStopped>) {
        if let Some(stopped) = self.recorder.as_mut().and_then(write) {
            self.recording_notice = Some(stopped.to_string());
        }
    }

    /// [`WasmPeer::handle`] for Rust callers.
    pub fn handle_payload(&mut self, from: NodeId, bytes: &[u8], now: Time) -> Result<(), String> {
        self.handle_at(from, bytes, now as f64)
    }

    /// Decodes and handles a message, recording it (or the bytes that did not decode).
    fn handle_at(&mut self, from: NodeId, bytes: &[u8], now: f64) -> Result<(), String> {
        if self.recorder.is_none() {
            return self
                .node
                .handle_bytes(time(now), from, bytes, &mut self.rng)
                .map_err(|e| format!("{e:?}"));
        }
        let max = self.node.config().max_message_bytes;
        match wire::decode_message(bytes, max) {
            Ok(message) => {
                self.record_with(|r| r.received(micros(now), from, &message, bytes.len()));
                self.node.handle(time(now), from, message, &mut self.rng);
                Ok(())
            }
            Err(failure) => {
                self.record_with(|r| r.undecodable(micros(now), from, bytes.len(), &failure));
                Err(format!("{failure:?}"))
            }
        }
    }
}

/// An event as JSON, with `line`: the words `gossip-node peer` prints for it (its `Display`).
fn event_json(event: &NodeEvent) -> Value {
    let line = event.to_string();
    match event {
        NodeEvent::Member(member) => {
            let kind = match member {
                MemberEvent::Joined { .. } => "joined",
                MemberEvent::Suspected { .. } => "suspected",
                MemberEvent::Refuted { .. } => "refuted",
                MemberEvent::Failed { .. } => "failed",
                MemberEvent::Left { .. } => "left",
            };
            json!({
                "type": "member",
                "event": kind,
                "id": member.id(),
                "at": member.at(),
                "line": line,
            })
        }
        NodeEvent::Updated {
            key,
            value,
            stamp,
            via,
            at,
        } => json!({
            "type": "updated",
            "key": key,
            "value": String::from_utf8_lossy(value),
            "origin": stamp.origin,
            "version": stamp.version,
            "via": mechanism_name(*via),
            "at": at,
            "line": line,
        }),
        NodeEvent::MailDropped { to, stamp, .. } => json!({
            "type": "mail_dropped",
            "to": to,
            "origin": stamp.origin,
            "version": stamp.version,
            "line": line,
        }),
        NodeEvent::Confirmed {
            by,
            key,
            stamp,
            via,
            after,
        } => json!({
            "type": "confirmed",
            "by": by,
            "key": key,
            "version": stamp.version,
            "via": mechanism_name(*via),
            "after": after,
            "line": line,
        }),
        NodeEvent::Receipt { by, stamp, via } => json!({
            "type": "receipt",
            "by": by,
            "origin": stamp.origin,
            "version": stamp.version,
            "via": mechanism_name(*via),
            "line": line,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Moves every message between two peers until both are quiet.
    fn exchange(peers: &mut [WasmPeer; 2], now: f64) -> Vec<Value> {
        let mut events = Vec::new();
        loop {
            let mut moved = false;
            for from in 0..2 {
                while let Some(Transmit { to, bytes }) = peers[from].poll_transmit(now) {
                    moved = true;
                    let sender = peers[from].me();
                    let target = peers.iter_mut().find(|p| p.me() == to || to == u32::MAX);
                    if let Some(target) = target {
                        target.handle_payload(sender, &bytes, now as Time).unwrap();
                    }
                }
                while let Some(event) = peers[from].poll_event(now) {
                    events.push(serde_json::from_str(&event).unwrap());
                }
            }
            if !moved {
                return events;
            }
        }
    }

    #[test]
    fn two_peers_gossip_a_write_and_describe_it_as_the_native_peer_does() {
        let config = periods_config_json(200, 200, 40).unwrap();
        let mut peers = [
            WasmPeer::with_seed(1, 1, Some(&config)).unwrap(),
            WasmPeer::with_seed(2, 2, Some(&config)).unwrap(),
        ];
        peers[0].bootstrap(vec![2], 0.0);
        peers[1].bootstrap(vec![1], 0.0);
        peers[0].put("colour", "blue", 0.0).unwrap();
        let mut events = exchange(&mut peers, 0.0);
        let mut now = 0.0;
        while now < 2_000.0 && peers[1].get("colour").is_none() {
            now += 10.0;
            for peer in peers.iter_mut() {
                if peer.poll_timeout().is_some_and(|at| at <= now) {
                    peer.tick(now);
                }
            }
            events.extend(exchange(&mut peers, now));
        }
        let got: Value = serde_json::from_str(&peers[1].get("colour").unwrap()).unwrap();
        assert_eq!(got, json!({"value": "blue", "origin": 1, "version": 1}));
        let lines: Vec<&str> = events.iter().filter_map(|e| e["line"].as_str()).collect();
        assert!(
            lines.contains(&"updated colour = blue (origin 1, version 1, via Local)"),
            "{lines:?}"
        );
        assert!(
            lines.iter().any(|line| line
                .starts_with("updated colour = blue (origin 1, version 1, via ")
                && !line.ends_with("Local)")),
            "{lines:?}"
        );
        let parse = |json: String| serde_json::from_str::<Value>(&json).unwrap();
        assert_eq!(parse(peers[1].keys()), json!(["colour"]));
        assert_eq!(
            parse(peers[1].store()),
            json!({"colour": {"value": "blue", "origin": 1, "version": 1}})
        );
        assert_eq!(
            parse(peers[0].members()),
            json!([{"id": 2, "state": "alive", "incarnation": 0}])
        );
    }

    #[test]
    fn garbage_and_bad_configs_are_refused() {
        let mut peer = WasmPeer::with_seed(1, 7, None).unwrap();
        assert!(peer.handle_payload(2, &[0xff, 0, 0x13], 0).is_err());
        assert!(peer.poll_event(0.0).is_none());
        assert!(WasmPeer::with_seed(1, 7, Some("{\"swim\": 3}")).is_err());
        assert!(periods_config_json(0, 200, 200).is_err());
        let config: NodeConfig =
            serde_json::from_str(&periods_config_json(200, 0, 0).unwrap()).unwrap();
        assert_eq!(config.swim.ping_timeout, 60);
        assert!(config.anti_entropy.is_none() && config.rumor.is_none());
    }

    #[test]
    fn a_recording_reads_as_the_native_peers_do_and_merges_into_a_replay() {
        use gossip_sim::recording::{self, Recording};
        let config = periods_config_json(200, 200, 40).unwrap();
        let mut peers = [
            WasmPeer::with_seed(1, 1, Some(&config)).unwrap(),
            WasmPeer::with_seed(2, 2, Some(&config)).unwrap(),
        ];
        let started = 1_700_000_000_000.0;
        for peer in peers.iter_mut() {
            peer.start_recording_in_memory(started, "ws://127.0.0.1:1", Some("r"), 1e6)
                .unwrap();
        }
        peers[0]
            .record_line(r#"{"kind":"welcome","id":1,"peers":[]}"#, 0.0)
            .unwrap();
        peers[1]
            .record_line(r#"{"kind":"welcome","id":2,"peers":[1]}"#, 0.0)
            .unwrap();
        peers[0]
            .record_line(r#"{"kind":"peer_connected","id":2}"#, 0.0)
            .unwrap();
        assert!(peers[0].record_line(r#"{"kind":"nonsense"}"#, 0.0).is_err());
        peers[0].bootstrap(vec![2], 0.0);
        peers[1].bootstrap(vec![1], 0.0);
        let mut now = 0.0;
        let mut taken = [Vec::new(), Vec::new()];
        while now < 3_000.0 {
            now += 10.0;
            if now == 500.0 {
                peers[0].put("colour", "blue", now).unwrap();
            }
            for peer in peers.iter_mut() {
                if peer.poll_timeout().is_some_and(|at| at <= now) {
                    peer.tick(now);
                }
            }
            exchange(&mut peers, now);
            // The host appends what was added, as peer.mjs does after every turn.
            for (peer, text) in peers.iter_mut().zip(taken.iter_mut()) {
                text.extend(peer.take_recording());
            }
        }
        peers[1].leave(now);
        exchange(&mut peers, now);
        let mut recordings = Vec::new();
        for (index, (peer, mut text)) in peers.iter_mut().zip(taken).enumerate() {
            text.extend(peer.finish_recording(now));
            assert!(peer.take_recording().is_empty());
            let name = format!("wasm-{index}");
            let recording = Recording::parse(&name, &String::from_utf8(text).unwrap()).unwrap();
            assert_eq!(recording.start.unix_us, 1_700_000_000_000_000);
            assert_eq!(recording.start.seed, index as u64 + 1);
            assert!(recording.start.recorder.starts_with("gossip-peer-wasm"));
            assert_eq!(recording.records.last().unwrap().body, RecordBody::End);
            let round_trips = recording
                .records
                .iter()
                .filter(|record| {
                    matches!(
                        record.body,
                        RecordBody::Received {
                            rtt_us: Some(_),
                            ..
                        }
                    )
                })
                .count();
            assert!(round_trips > 5, "{round_trips} round trips in {name}");
            recordings.push(recording);
        }
        let put = recordings[0]
            .records
            .iter()
            .find(|r| matches!(r.body, RecordBody::Put { .. }));
        assert_eq!(
            put.map(|r| (r.t_us, r.body.clone())),
            Some((
                500_000,
                RecordBody::Put {
                    key: "colour".into(),
                    value: "blue".into(),
                    version: 1
                }
            ))
        );
        assert!(
            recordings[1]
                .records
                .iter()
                .any(|r| r.body == RecordBody::Leave)
        );
        let merged = recording::merge(&recordings, 1).unwrap();
        assert_eq!(merged.peers.len(), 2);
        assert_eq!(merged.writes.len(), 1);
    }
}
