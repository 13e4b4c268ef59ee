#!/usr/bin/env node
// A headless live peer in Node.js: gossip-core's Node compiled to wasm (gossip-peer-wasm), in a
// relay room with browser tabs and native peers. It speaks the relay protocol as a tab does
// (web/src/live.rs) and takes the native peer's commands and prints its words
// (node/src/peer.rs), so the same expectations hold for both.
//
//   node --experimental-websocket peer-wasm/peer.mjs --relay ws://127.0.0.1:8080 --room NAME \
//       [--id ID] [--secret S] [--swim-period-ms 1000] [--anti-entropy-ms 1000] [--rumor-ms 200] \
//       [--seed N] [--record FILE [--record-cap 64M]]
//
// With --record FILE the peer writes what it lives through to FILE in the format of
// `gossip-node peer --record` (gossip-sim's shared recorder, in the wasm), for
// `gossip-node replay`; the file is appended to after every turn, so a killed peer leaves all
// but its last turn, and stops at its size cap, saying so.
//
// Commands on standard input: put KEY VALUE, get KEY, keys, members, help, quit (a graceful
// leave). Build the wasm first: see build_wasm_peer in scripts/setup.sh.
//
// This script only moves bytes and calls timers: every protocol decision is the wasm's.
// Frames: binary `[peer id: u32 LE][payload]` (to the relay: the addressee, 0xFFFFFFFF for the
// room; from it: the sender, stamped by the relay), control messages as JSON text frames
// (`welcome`, `joined`, `left`, `kept_out`, `wrong_protocol`), as in relay-frame/src/lib.rs.
// The peer joins with its protocol version (`&protocol=N`); a relay of another version turns it
// away (or, from before versions, welcomes it with none): the peer says both versions and exits
// with status 1, in the words of relay-frame's wrong_protocol_text and kept_out_text.
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { getRandomValues } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';

const require = createRequire(import.meta.url);
let wasm;
try {
  wasm = require('./pkg/gossip_peer_wasm.js');
} catch (error) {
  console.error(`error: cannot load the wasm peer (${error.message}); build it with: bash -c 'source scripts/setup.sh && build_wasm_peer'`);
  process.exit(1);
}
if (typeof WebSocket === 'undefined') {
  console.error('error: no global WebSocket: run with node --experimental-websocket (Node 20) or Node 22+');
  process.exit(1);
}

const HEADER_LEN = 4;
const MAX_BACKOFF_MS = 5_000;
/** How long a peer that said `quit` keeps answering while SWIM announces its leave. */
const LEAVE_GRACE_MS = 3_000;

function fail(message) {
  console.error(`error: ${message}`);
  process.exit(1);
}

let options;
try {
  ({ values: options } = parseArgs({
    options: {
      relay: { type: 'string', default: 'ws://127.0.0.1:8080' },
      room: { type: 'string', default: 'lobby' },
      id: { type: 'string' },
      secret: { type: 'string' },
      'swim-period-ms': { type: 'string', default: '1000' },
      'anti-entropy-ms': { type: 'string', default: '1000' },
      'rumor-ms': { type: 'string', default: '200' },
      seed: { type: 'string' },
      record: { type: 'string' },
      'record-cap': { type: 'string', default: '64M' },
    },
  }));
} catch (error) {
  fail(error.message);
}

if (!/^[A-Za-z0-9_-]{1,64}$/.test(options.room)) {
  fail(`--room: invalid room name ${JSON.stringify(options.room)}: use 1 to 64 letters, digits, '-' or '_'`);
}
let wantedId = options.id === undefined ? undefined : Number(options.id);
if (wantedId !== undefined && !(Number.isInteger(wantedId) && wantedId > 0 && wantedId < 0xffff_ffff)) {
  fail(`--id: ${options.id} is not a peer id`);
}
let config;
try {
  config = wasm.configForPeriods(Number(options['swim-period-ms']), Number(options['anti-entropy-ms']),
    Number(options['rumor-ms']));
} catch (error) {
  fail(`bad periods: ${error.message}`);
}
let seed = getRandomValues(new BigUint64Array(1))[0];
if (options.seed !== undefined) {
  try {
    seed = BigInt(options.seed);
  } catch {
    seed = -1n;
  }
  if (seed < 0n || seed >= 2n ** 64n) fail(`--seed: ${options.seed} is not an integer from 0 to 2^64 - 1`);
}

/** A size like 64M, 512K or 1000000 in bytes (as gossip-node's `--record-cap`), or undefined. */
function parseBytes(text) {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*$/i.exec(text);
  if (!match) return undefined;
  const scale = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }[match[2].toUpperCase()];
  return Math.floor(Number(match[1]) * scale);
}
const recordCap = parseBytes(options['record-cap']);
if (recordCap === undefined) fail(`--record-cap: \`${options['record-cap']}\` is not a size like 4G, 512M or 1000000`);
/** The recording's file descriptor, if recording. */
let recordFile;
if (options.record !== undefined) {
  try {
    recordFile = openSync(options.record, 'w');
  } catch (error) {
    fail(`cannot create the recording ${options.record}: ${error.message}`);
  }
}

const startedUnixMs = Date.now();
const started = performance.now();
/** Milliseconds since the peer started: the node's clock. */
const now = () => performance.now() - started;
const say = (line) => process.stdout.write(`${line}\n`);

let peer; // the WasmPeer, from the first welcome on
let socket; // the open (or opening) relay socket
let timer;
let backoff = 250;
let leavingSince;

/** Records a line of this script's own (welcome, peers coming and going), if recording. */
function record(body) {
  if (peer && recordFile !== undefined) peer.record(JSON.stringify(body), now());
}

/** Appends what the recording gained to its file; says once if it stopped at its cap. */
function writeRecording(bytes = peer?.takeRecording()) {
  if (recordFile === undefined || !bytes || bytes.length === 0) return;
  writeSync(recordFile, bytes);
  const notice = peer.pollRecordingNotice();
  if (notice !== undefined) say(`${notice} (${options.record})`);
}

/** Ends the recording (its end line, the file closed) and exits with `code`. */
function stop(code) {
  if (recordFile !== undefined) {
    if (peer) writeRecording(peer.finishRecording(now()));
    closeSync(recordFile);
    recordFile = undefined;
  }
  process.exit(code);
}

/** Prints what the node reports and sends what it wants sent. */
function flush() {
  if (!peer) return;
  for (let event = peer.pollEvent(now()); event !== undefined; event = peer.pollEvent(now())) {
    say(JSON.parse(event).line);
  }
  for (let transmit = peer.pollTransmit(now()); transmit !== undefined; transmit = peer.pollTransmit(now())) {
    const { to, bytes } = transmit;
    transmit.free();
    if (socket?.readyState === WebSocket.OPEN) {
      const frame = new Uint8Array(HEADER_LEN + bytes.length);
      new DataView(frame.buffer).setUint32(0, to, true);
      frame.set(bytes, HEADER_LEN);
      socket.send(frame);
    }
    // A closed socket drops the message: gossip tolerates loss.
  }
  writeRecording();
}

/** True once `quit` was given and SWIM has announced the leave (or the grace time passed). */
function finished() {
  return leavingSince !== undefined
    && (now() - leavingSince > LEAVE_GRACE_MS || !peer || peer.leaveAnnounced());
}

/** After every input: send, then wait for the node's next timeout (or stop, after a leave). */
function settle() {
  flush();
  if (finished()) {
    clearTimeout(timer);
    socket?.close();
    stop(0);
  }
  clearTimeout(timer);
  const at = peer?.pollTimeout();
  const wait = at === undefined ? 1_000 : Math.max(0, at - now());
  timer = setTimeout(() => {
    peer?.tick(now());
    settle();
  }, leavingSince === undefined ? wait : Math.min(wait, 100));
}

const PROTOCOL = wasm.protocolVersion();
/** Peers of other versions the relay kept out, each said once: "id/protocol". */
const keptOut = new Set();

function wrongProtocolText(relay, mine) {
  const remedy = mine < relay
    ? "reload the page, or run gossip-node of the relay's build"
    : 'the relay is older: run a relay of this build';
  return `the relay runs protocol ${relay}, this peer runs protocol ${mine}: ${remedy}`;
}

function keptOutText(id, theirs, mine) {
  const who = id === null || id === undefined ? 'a peer' : `peer ${id}`;
  return `${who} runs protocol ${theirs}, this peer runs ${mine}: the relay keeps it out of the `
    + 'room (it is not a member; it must reload its page or update)';
}

function onControl(text) {
  let control;
  try {
    control = JSON.parse(text);
  } catch (error) {
    say(`ignored an unknown control frame: ${error.message}`);
    return;
  }
  switch (control.type) {
    case 'welcome': {
      // A relay from before versions sends none: protocol 1.
      const protocol = control.protocol ?? 1;
      if (protocol !== PROTOCOL) {
        say(wrongProtocolText(protocol, PROTOCOL));
        stop(1);
      }
      wantedId = control.id;
      if (!peer) {
        peer = new wasm.WasmPeer(control.id, seed, config);
        if (recordFile !== undefined) {
          peer.startRecording(startedUnixMs, options.relay, options.room, recordCap);
        }
      }
      record({ kind: 'welcome', id: control.id, peers: control.peers });
      peer.bootstrap(Uint32Array.from(control.peers), now());
      say(`joined room ${control.room} as peer ${control.id} (${control.peers.length} others)`);
      break;
    }
    case 'joined':
      // The relay vouches that the peer is there: list it now rather than wait for its probes.
      if (peer) peer.bootstrap(Uint32Array.from([control.id]), now());
      record({ kind: 'peer_connected', id: control.id });
      say(`peer ${control.id} connected to the relay`);
      break;
    case 'left':
      record({ kind: 'peer_disconnected', id: control.id });
      say(`peer ${control.id} disconnected from the relay`);
      break;
    case 'wrong_protocol':
      say(wrongProtocolText(control.relay, control.peer));
      stop(1);
      break;
    case 'kept_out': {
      const key = `${control.id}/${control.protocol}`;
      if (!keptOut.has(key)) {
        keptOut.add(key);
        say(keptOutText(control.id, control.protocol, PROTOCOL));
      }
      break;
    }
    default: say(`ignored an unknown control frame: type ${JSON.stringify(control.type)}`);
  }
}

function onFrame(buffer) {
  if (!peer || buffer.byteLength < HEADER_LEN) return;
  const from = new DataView(buffer).getUint32(0, true);
  try {
    peer.handle(from, new Uint8Array(buffer, HEADER_LEN), now());
  } catch (error) {
    say(`dropped a malformed message from ${from}: ${error.message}`);
  }
}

/** Opens the socket (again, after a loss: asking for the same id). */
function connect() {
  const query = new URLSearchParams({ room: options.room, protocol: String(PROTOCOL) });
  if (wantedId !== undefined) query.set('id', String(wantedId));
  if (options.secret !== undefined) query.set('secret', options.secret);
  const url = `${options.relay.replace(/\/+$/, '')}/ws?${query}`;
  let opened = false;
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  socket = ws;
  ws.addEventListener('open', () => {
    opened = true;
    backoff = 250;
  });
  ws.addEventListener('message', (event) => {
    if (typeof event.data === 'string') onControl(event.data);
    else onFrame(event.data);
    settle();
  });
  const lost = (reason) => {
    if (socket !== ws) return; // already handled
    socket = undefined;
    if (finished()) stop(0);
    if (opened) {
      record({ kind: 'relay_lost' });
      writeRecording();
      say('connection to the relay lost; reconnecting');
    } else say(`relay unreachable (${reason}); retrying in ${backoff} ms`);
    setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  };
  ws.addEventListener('close', (event) => lost(`closed with code ${event.code}`));
  // Node 20's WebSocket reports a refused connection with 'error' alone, never 'close'.
  ws.addEventListener('error', (event) => {
    if (opened) ws.close();
    lost(event.message ?? 'error');
  });
}

function command(line) {
  const words = line.trim().split(/\s+/).filter((word) => word !== '');
  if (words.length === 0) return;
  const [name, ...rest] = words;
  if (name === 'quit' || name === 'exit') {
    peer?.leave(now());
    leavingSince ??= now();
    input.close();
    return;
  }
  if (name === 'help') {
    say('commands: put KEY VALUE, get KEY, keys, members, quit');
    return;
  }
  if (!peer) {
    say('not joined yet: waiting for the relay');
    return;
  }
  switch (name) {
    case 'put': {
      const [key, ...value] = rest;
      if (key === undefined || value.length === 0) { say('usage: put KEY VALUE'); break; }
      try {
        const version = peer.put(key, value.join(' '), now());
        say(`put ${key} = ${value.join(' ')} (version ${version})`);
      } catch (error) {
        say(`cannot put ${key}: ${error.message}`);
      }
      break;
    }
    case 'get': {
      const [key] = rest;
      if (key === undefined) { say('usage: get KEY'); break; }
      const entry = peer.get(key);
      if (entry === undefined) { say(`${key} is not set`); break; }
      const { value, origin, version } = JSON.parse(entry);
      say(`${key} = ${value} (origin ${origin}, version ${version})`);
      break;
    }
    case 'keys':
      say(`keys: ${JSON.parse(peer.keys()).join(' ')}`);
      break;
    case 'members': {
      const members = JSON.parse(peer.members()).map(({ id, state }) => `${id}:${state}`);
      say(`me: ${peer.me()}; members: ${members.join(' ')}`);
      break;
    }
    default:
      say(`unknown command ${JSON.stringify(name)}; try help`);
  }
}

// Input that ends (no terminal, a closed pipe) leaves the peer gossiping, as the native one.
const input = createInterface({ input: process.stdin, terminal: false });
input.on('line', (line) => {
  command(line);
  settle();
});

connect();
settle();
