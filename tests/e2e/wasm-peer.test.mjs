// The core's wasm build outside a browser: gossip-core's Node compiled to wasm32, run headless
// under Node.js (peer-wasm/peer.mjs), gossips with a native peer through the relay. Writes cross
// both ways; a killed wasm peer is detected by the native one within SWIM's bound; a relay
// restart loses nothing, and `quit` is a graceful leave. Both record what they live through in
// one format, and `gossip-node replay` replays the two recordings as one cluster: each write's
// spread and the detection of a killed native peer, recorded and simulated, agree within a
// tolerance argued from the SWIM and rumor periods and the measured latency.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { killPeers, nodeBin, outputDir, root, startPeer, startRelay } from './harness.mjs';

const PERIOD_MS = 200;
const periods = ['--swim-period-ms', String(PERIOD_MS), '--anti-entropy-ms', String(PERIOD_MS)];

let relay;

before(async () => {
  assert.ok(existsSync(path.join(root, 'peer-wasm', 'pkg', 'gossip_peer_wasm.js')),
    "the wasm peer is not built: bash -c 'source scripts/setup.sh && build_wasm_peer'");
  relay = await startRelay();
});

after(async () => {
  killPeers();
  await relay?.stop();
});

test('a wasm peer under Node.js and a native peer converge; a killed wasm peer is detected', async () => {
  const room = 'e2e-wasm';
  const native = startPeer(relay, room, { args: periods });
  const nativeId = await native.peerId();
  const wasm = startPeer(relay, room, { wasm: true, args: periods });
  const wasmId = await wasm.peerId();
  await native.waitFor(`member ${wasmId} joined`);
  await wasm.waitFor(`member ${nativeId} joined`);

  native.command('put colour blue');
  wasm.command('put shape round and red');
  // The same words from both: the wasm module describes events as the native peer does.
  await wasm.waitFor(new RegExp(`^updated colour = blue \\(origin ${nativeId}, version 1, via \\w+\\)$`), 5_000);
  await native.waitFor(new RegExp(`^updated shape = round and red \\(origin ${wasmId}, version 1, via \\w+\\)$`), 5_000);
  wasm.command('get colour');
  await wasm.waitFor(`colour = blue (origin ${nativeId}, version 1)`, 5_000);
  wasm.command('keys');
  await wasm.waitFor('keys: colour shape', 5_000);
  wasm.command('members');
  await wasm.waitFor(`me: ${wasmId}; members: ${nativeId}:alive`, 5_000);

  // Killed without a word: the native peer suspects it, then declares it failed. SWIM's bound
  // with two members: the probe that finds it silent starts within a period and ends one later,
  // then the suspicion runs 3 x period x ceil(ln(2 + 1)) = 6 periods: 8 periods, 1.6 s.
  const bound = 8 * PERIOD_MS;
  const killed = Date.now();
  wasm.kill('SIGKILL');
  await native.waitFor(`member ${wasmId} suspected`, 10_000);
  await native.waitFor(`member ${wasmId} failed`, 10_000);
  const detected = Date.now() - killed;
  console.log(`wasm peer ${wasmId} declared failed ${detected} ms after the kill (SWIM bound ${bound} ms)`);
  // Slack for the processes' scheduling on a loaded machine (the printed figure is the measure).
  assert.ok(detected < bound + 2_000, `detected after ${detected} ms`);
  native.command('get shape');
  await native.waitFor(`shape = round and red (origin ${wasmId}, version 1)`, 5_000);
});

test('the wasm peer comes back after a relay restart with nothing lost, and quits gracefully', async () => {
  const room = 'e2e-wasm-restart';
  const native = startPeer(relay, room, { args: periods });
  const nativeId = await native.peerId();
  const wasm = startPeer(relay, room, { wasm: true, args: periods });
  const wasmId = await wasm.peerId();
  await native.waitFor(`member ${wasmId} joined`);
  wasm.command('put before restart');
  await native.waitFor(`updated before = restart (origin ${wasmId}`, 5_000);

  // The relay goes away for longer than SWIM's bound: the wasm peer (whose node keeps running)
  // declares the native one failed, keeps a write made meanwhile, and reconnects with backoff,
  // asking for its id again.
  const down = wasm.lines();
  await relay.stop();
  await wasm.waitFor('connection to the relay lost', 5_000, down);
  wasm.command('put during outage');
  await wasm.waitFor('relay unreachable', 5_000, down);
  await wasm.waitFor(`member ${nativeId} failed`, 5_000, down);
  relay = await startRelay({ port: relay.port });
  await wasm.waitFor(`joined room ${room} as peer ${wasmId}`, 15_000, down);
  await native.waitFor(`updated during = outage (origin ${wasmId}`, 15_000);
  native.command('put after restart');
  await wasm.waitFor(`updated after = restart (origin ${nativeId}`, 15_000, down);

  // Membership heals too: the native peer, declared failed during the outage, is back in the
  // wasm peer's list. Then quit: SWIM announces the leave to it, and the process ends by itself.
  await wasm.waitFor(`member ${nativeId} joined`, 15_000, down);
  const exited = new Promise((resolve) => wasm.once('exit', resolve));
  wasm.command('quit');
  assert.equal(await exited, 0);
  await native.waitFor(`member ${wasmId} left`, 5_000);
});

test('the wasm peer records in the native peer\'s format, and replay merges both recordings within tolerance', async () => {
  const room = 'e2e-wasm-record';
  const dir = path.join(outputDir, 'recordings');
  mkdirSync(dir, { recursive: true });
  const files = { native: path.join(dir, 'native.jsonl'), wasm: path.join(dir, 'wasm.jsonl') };
  const native = startPeer(relay, room, { args: [...periods, '--record', files.native] });
  const nativeId = await native.peerId();
  const wasm = startPeer(relay, room, { wasm: true, args: [...periods, '--record', files.wasm] });
  const wasmId = await wasm.peerId();
  await native.waitFor(`member ${wasmId} joined`);
  await wasm.waitFor(`member ${nativeId} joined`);
  wasm.command('put colour blue');
  await native.waitFor(`updated colour = blue (origin ${wasmId}, version `, 5_000);
  native.command('put shape round');
  await wasm.waitFor(`updated shape = round (origin ${nativeId}, version `, 5_000);
  // A few periods of probing, so that each side measures round trips.
  await new Promise((resolve) => setTimeout(resolve, 10 * PERIOD_MS));
  // The native peer is killed: the wasm peer suspects it and declares it failed, then leaves.
  native.kill('SIGKILL');
  await wasm.waitFor(`member ${nativeId} suspected`, 10_000);
  await wasm.waitFor(`member ${nativeId} failed`, 10_000);
  await new Promise((resolve) => setTimeout(resolve, 5 * PERIOD_MS));
  const wasmExit = new Promise((resolve) => wasm.once('exit', resolve));
  wasm.command('quit');
  assert.equal(await wasmExit, 0);

  // One format: the same start line fields, the same kinds of line (the killed native peer's
  // has no end line).
  const read = (file) => readFileSync(file, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line));
  const lines = { native: read(files.native), wasm: read(files.wasm) };
  for (const [who, recorded] of Object.entries(lines)) {
    const [start] = recorded;
    assert.equal(start.kind, 'start', who);
    assert.equal(start.format, 'gossiplab-recording', who);
    assert.deepEqual(Object.keys(start).sort(), Object.keys(lines.native[0]).sort(), who);
    const kinds = new Set(recorded.map((line) => line.kind));
    for (const kind of ['welcome', 'sent', 'received', 'put', 'updated', 'member']) {
      assert.ok(kinds.has(kind), `${who} recorded no ${kind} line`);
    }
    const roundTrips = recorded.filter((line) => line.kind === 'received' && line.rtt_us !== undefined);
    assert.ok(roundTrips.length >= 5, `${who}: ${roundTrips.length} round trips`);
    // Times only move forward.
    assert.ok(recorded.every((line, i) => i === 0 || line.t_us >= recorded[i - 1].t_us), who);
  }
  assert.equal(lines.wasm.at(-1).kind, 'end');
  assert.notEqual(lines.native.at(-1).kind, 'end');
  assert.match(lines.wasm[0].recorder, /^gossip-peer-wasm /);
  assert.equal(lines.wasm[0].protocol, lines.native[0].protocol);
  assert.ok(lines.wasm.some((line) => line.kind === 'leave'), 'the wasm peer recorded its leave');
  assert.ok(lines.wasm.some((line) => line.kind === 'put' && line.key === 'colour' && line.value === 'blue'));
  assert.ok(lines.wasm.some((line) => line.kind === 'member' && line.event.failed?.id === Number(nativeId)),
    'the wasm peer recorded the native one failed');

  // Both replay as one cluster: each write's spread and the crash's detection, recorded and
  // simulated (mean of 20 seeds).
  const output = execFileSync(nodeBin, ['replay', files.native, files.wasm, '--format', 'json', '--runs', '20'],
    { encoding: 'utf8' });
  const comparison = JSON.parse(output);
  const { merged } = comparison;
  assert.deepEqual(merged.peers.map((peer) => peer.departure.kind), ['crashed', 'left']);
  assert.ok(merged.fit.received <= merged.fit.sent, `${merged.fit.received} of ${merged.fit.sent} arrived`);
  const node = merged.scenario.cluster.node;
  const [swimPeriod, rumorPeriod] = [node.swim.protocol_period, node.rumor.period];
  assert.deepEqual([swimPeriod, node.anti_entropy.period], [PERIOD_MS, PERIOD_MS]);
  // The slowest message the peers measured, one way: a live message may take any measured time.
  const slowest = merged.fit.one_way_ms.max;
  console.log(`fit: ${JSON.stringify(merged.fit)}; rumor period ${rumorPeriod} ms`);
  const rows = (figure) => comparison.rows.filter((row) => row.figure === figure);
  const within = (row, tolerance) => {
    assert.ok(Number.isFinite(row.recorded) && row.simulated !== null, JSON.stringify(row));
    const difference = row.simulated.mean - row.recorded;
    console.log(`${row.figure}, ${row.subject}: recorded ${row.recorded.toFixed(1)} ms, simulated ${row.simulated.mean.toFixed(1)} ms `
      + `(${row.simulated.min}-${row.simulated.max}), difference ${difference.toFixed(1)} ms, tolerance ${tolerance.toFixed(1)} ms`);
    assert.ok(Math.abs(difference) <= tolerance, `${row.figure} of ${row.subject}: ${JSON.stringify(row)}`);
  };
  // Spread: with two peers a write takes one hop, at the writer's next rumor tick (or the next
  // anti-entropy exchange, whichever comes first) plus the message's way. The tick comes 0 to
  // one rumor period after the write, at a phase of the live peer's own clock; the simulator's
  // phase is its own: the two differ by less than a rumor period. The way: the simulator draws
  // from the fitted model, the live message took anything measured, at most the slowest. Plus
  // 100 ms for the peers' scheduling on a loaded two-core machine (as node/tests/replay.rs).
  const spreadTolerance = rumorPeriod + slowest + 100;
  const spreads = rows('spread');
  assert.equal(spreads.length, 2, JSON.stringify(spreads));
  for (const row of spreads) within(row, spreadTolerance);
  // Detection: the crash is when the relay told the wasm peer the connection closed. Its first
  // unanswered probe of the dead peer (its only member, probed every period) starts at its next
  // SWIM tick, 0 to one period later at the live peer's own phase (or up to a round trip
  // before the crash: a ping the dead peer never answered); the simulator's phase is its own;
  // the ping's wait and the suspicion timeout that follow are the same live and simulated
  // (3 periods x ceil(ln 3)). So one period plus the slowest round trip, plus 100 ms of
  // scheduling.
  const detectionTolerance = swimPeriod + 2 * slowest + 100;
  for (const figure of ['first suspicion', 'first declared dead']) {
    const [row] = rows(figure);
    assert.ok(row, `no ${figure} row: ${JSON.stringify(comparison.rows)}`);
    assert.match(row.subject, new RegExp(`^crash of node 0 \\(peer ${nativeId}\\)`));
    within(row, detectionTolerance);
  }
});
