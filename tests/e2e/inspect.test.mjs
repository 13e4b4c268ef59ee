// Ask the picture: click a node in the message playback at an instant and read its member
// table, store and queues (web/src/node_inspector.rs); add a restart, a leave or a partition from
// there and see the rerun change; watch an anti-entropy exchange on the 4-node ring.
// Screenshots: tests/e2e/output/inspect-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openPage, outputDir, relayAndBrowser } from './harness.mjs';

const shared = relayAndBrowser();
const SIZE = 480;

/** Pairs "a:b;c:d" of an attribute as [{ x, y }] (node points) or dots with their kind. */
async function dots(page) {
  const text = (await page.locator('canvas#playback').getAttribute('data-dots')) ?? '';
  return text.split(';').filter(Boolean).map((entry) => {
    const [index, kind, x, y] = entry.split(':');
    return { index: Number(index), kind, x: Number(x), y: Number(y) };
  });
}

async function nodePoints(page) {
  const text = await page.locator('#playback-node-points').getAttribute('data-points');
  return text.split(';').map((pair) => {
    const [x, y] = pair.split(':').map(Number);
    return { x, y };
  });
}

async function playbackMs(page) {
  const text = await page.locator('#playback-time').textContent();
  return Math.round(Number(/t = ([\d.]+) s/.exec(text)[1]) * 1000);
}

/**
 * Scrubs to `ms` (a few ms later if a message dot covers the node there, since a click on a dot
 * opens the message instead), clicks `node` on the canvas and returns the inspector's rows:
 * { at, heading, members: { id: { state, ends } }, store: [text], rumors, mail }.
 */
async function inspect(page, node, ms) {
  const { panel, at } = await clickNode(page, node, ms);
  const members = {};
  for (const row of await panel.locator('#inspector-members tr[data-member]').all()) {
    const cells = await row.locator('td').allTextContents();
    members[await row.getAttribute('data-member')] = { state: cells[1], incarnation: Number(cells[2]), ends: cells[4] };
  }
  return {
    at,
    heading: await panel.locator('h4').textContent(),
    members,
    store: await panel.locator('#inspector-store tr[data-key]').allTextContents(),
    arrivals: await panel.locator('#inspector-store tr[data-key]').evaluateAll((rows) => rows.map((row) => ({
      key: row.dataset.key, arrived: row.dataset.arrived, from: row.dataset.from === undefined ? undefined : Number(row.dataset.from),
      text: row.cells[4].textContent,
    }))),
    rumors: await panel.locator('#inspector-rumors').textContent(),
    mail: await panel.locator('#inspector-mail').textContent(),
  };
}

/** A system model's node at `ms`: its facts and its table's rows by first cell, by column. */
async function inspectModel(page, node, ms) {
  const { panel, at } = await clickNode(page, node, ms);
  const rows = await panel.locator('#inspector-model tr[data-row]').evaluateAll((trs) => Object.fromEntries(trs.map((tr) => [
    tr.dataset.row, Object.fromEntries([...tr.cells].map((td) => [td.dataset.column, td.textContent])),
  ])));
  return { at, heading: await panel.locator('h4').textContent(), facts: await panel.locator('#inspector-facts').textContent(), rows };
}

/**
 * Scrubs to `ms` (a few ms later if a message dot covers the node there, since a click on a dot
 * opens the message instead), clicks `node` on the canvas and waits for the inspector's answer.
 */
async function clickNode(page, node, ms) {
  const canvas = page.locator('canvas#playback');
  const point = (await nodePoints(page))[node];
  let at = ms;
  for (let tries = 0; ; tries += 1) {
    await page.locator('#playback-scrub').fill(String(at));
    const near = (await dots(page)).some((d) => (d.x - point.x) ** 2 + (d.y - point.y) ** 2 < 14 ** 2);
    if (!near) break;
    assert.ok(tries < 40, `dots cover node ${node} from ${ms} ms on`);
    at += 3;
  }
  at = await playbackMs(page);
  const box = await canvas.boundingBox();
  await canvas.click({ position: { x: (point.x * box.width) / SIZE, y: (point.y * box.height) / SIZE } });
  // The rerun to the instant runs in the worker: the panel is ready once its answer came.
  const panel = page.locator(`#node-inspector[data-node="${node}"][data-at="${at}"][data-ready]`);
  await panel.waitFor({ timeout: 30_000 });
  return { panel, at };
}

/** Opens the page on `preset` and waits for its message playback. */
async function openPreset(preset) {
  const opened = await openPage(shared.browser, shared.relay.url);
  const { page } = opened;
  await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: preset }).click();
  await page.locator('#message-playback').waitFor({ timeout: 30_000 });
  await page.locator('#playback-node-points').waitFor({ state: 'attached' });
  return opened;
}

/** Clicks the inspector's button `id` and waits for the rerun it starts to be shown. */
async function rerunWith(page, id) {
  const before = page.url();
  await page.locator(`#${id}`).click();
  await page.waitForFunction((previous) => location.href !== previous, before, { timeout: 10_000 });
  await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
  await page.locator('#playback-node-points').waitFor({ state: 'attached', timeout: 30_000 });
}

test('SWIM crash preset: node 0\'s member table holds 7 alive, then suspect with a timer, then dead', async () => {
  const { page, errors } = await openPreset('SWIM detects a crash');
  const early = await inspect(page, 0, 4_000);
  assert.match(early.heading, /Node 0 at t = 4\.\d{3} s: running/);
  assert.equal(Object.keys(early.members).length, 19, JSON.stringify(early.members));
  assert.ok(Object.values(early.members).every((m) => m.state === 'alive' && m.ends === ''), JSON.stringify(early.members));

  // Node 7 crashes at 5 s. Every half second, ask node 0 again.
  let suspect;
  let dead;
  for (let ms = 5_000; ms <= 30_000 && !dead; ms += 500) {
    const seen = await inspect(page, 0, ms);
    const row = seen.members['7'];
    if (row.state === 'suspect' && !suspect) {
      suspect = { ...seen, row };
      await page.locator('#node-inspector').screenshot({ path: path.join(outputDir, 'inspect-swim-suspect.png') });
      await page.screenshot({ path: path.join(outputDir, 'inspect-swim-suspect-page.png'), fullPage: true });
    } else if (row.state === 'dead') {
      dead = { ...seen, row };
      await page.locator('#node-inspector').screenshot({ path: path.join(outputDir, 'inspect-swim-dead.png') });
    } else {
      assert.equal(row.state, suspect ? 'suspect' : 'alive', `${ms} ms: ${JSON.stringify(row)}`);
    }
  }
  assert.ok(suspect && dead, `suspect ${JSON.stringify(suspect?.row)} dead ${JSON.stringify(dead?.row)}`);
  assert.ok(suspect.at < dead.at, `${suspect.at} < ${dead.at}`);
  // The suspicion timer: when it ends, and how long is left, both after the instant shown.
  const [, ends, left] = /([\d.]+) s \(in ([\d.]+) s\)/.exec(suspect.row.ends);
  assert.ok(Number(ends) * 1000 > suspect.at && Number(left) > 0, suspect.row.ends);
  assert.equal(dead.row.ends, '');
  // Everybody else stays alive in node 0's eyes.
  assert.ok(Object.entries(dead.members).every(([id, m]) => id === '7' || m.state === 'alive'));

  // Node 7 itself: stopped, its table as it was.
  const crashed = await inspect(page, 7, 12_000);
  assert.match(crashed.heading, /crashed/);
  await page.locator('#node-inspector').screenshot({ path: path.join(outputDir, 'inspect-swim-crashed-node.png') });
  console.log(`node 0: 7 suspect at ${suspect.at} ms (${suspect.row.ends}), dead at ${dead.at} ms`);
  assert.deepEqual(errors, []);
});

test('From the inspector, a restart, a leave and a partition each rerun the scenario with that fault', async () => {
  const { page, errors } = await openPreset('SWIM detects a crash');

  // Restart the crashed node 7 at 12 s with its state: it runs again and 0 lists it alive.
  await inspect(page, 7, 12_000);
  await rerunWith(page, 'inspect-restart');
  const restarted = await inspect(page, 7, 25_000);
  assert.match(restarted.heading, /Node 7 at t = 25\.\d{3} s: running/);
  const back = (await inspect(page, 0, 29_000)).members['7'];
  assert.equal(back.state, 'alive', JSON.stringify(back));
  assert.ok(back.incarnation > 0, `refuted with a higher incarnation: ${JSON.stringify(back)}`);
  await page.screenshot({ path: path.join(outputDir, 'inspect-restart-rerun.png'), fullPage: true });

  // Node 3 leaves at 8 s: node 0 then lists it as left.
  await inspect(page, 3, 8_000);
  await rerunWith(page, 'inspect-leave');
  const left = await inspect(page, 0, 20_000);
  assert.equal(left.members['3'].state, 'left', JSON.stringify(left.members['3']));
  assert.match((await inspect(page, 3, 20_000)).heading, /left|leaving/);

  // Node 12 cut off from the rest at 10 s: the others suspect it and it suspects them.
  await inspect(page, 12, 10_000);
  await rerunWith(page, 'inspect-cut-off');
  const outside = await inspect(page, 0, 20_000);
  assert.ok(['suspect', 'dead'].includes(outside.members['12'].state), JSON.stringify(outside.members['12']));
  const inside = await inspect(page, 12, 20_000);
  const lost = Object.values(inside.members).filter((m) => m.state === 'suspect' || m.state === 'dead');
  // It probes one member a period: ten periods after the cut, about ten are suspect or dead.
  assert.ok(lost.length >= 8, `node 12 still sees ${19 - lost.length} of 19 alive`);
  await page.locator('#node-inspector').screenshot({ path: path.join(outputDir, 'inspect-partitioned-node.png') });
  await page.screenshot({ path: path.join(outputDir, 'inspect-partition-rerun.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('Anti-entropy on the 4-node ring: a digest, then a delta, each node with its successor', async () => {
  const { page, errors } = await openPreset('Anti-entropy, fixed ring order');
  // After the write at node 0 (1.5 s), message by message: every line of the in-flight list.
  await page.locator('#playback-scrub').fill('1500');
  const seen = [];
  for (let step = 0; step < 150 && seen.filter((m) => m.kind === 'delta').length < 6; step += 1) {
    await page.locator('#playback-next').click();
    const at = await playbackMs(page);
    for (const line of await page.locator('#in-flight li button').allTextContents()) {
      const match = /^(\d+) → (\d+): (\S+)/.exec(line);
      if (match && !seen.some((m) => m.line === line)) {
        seen.push({ line, at, from: Number(match[1]), to: Number(match[2]), kind: match[3] });
      }
    }
  }
  // The digests that open an exchange ("send yours back"): each node always to the same
  // successor, and the successors make one cycle through the 4 nodes.
  const opening = seen.filter((m) => m.kind === 'digest' && /send yours back/.test(m.line));
  const successor = {};
  for (const { from, to, line } of opening) {
    successor[from] ??= to;
    assert.equal(successor[from], to, `${line} (ring ${JSON.stringify(successor)})`);
  }
  assert.equal(Object.keys(successor).length, 4, seen.map((m) => m.line).join('\n'));
  let node = 0;
  const visited = new Set();
  for (let hop = 0; hop < 4; hop += 1) { visited.add(node); node = successor[node]; }
  assert.equal(node, 0, `ring ${JSON.stringify(successor)}`);
  assert.equal(visited.size, 4, `ring ${JSON.stringify(successor)}`);
  // Every delta follows a digest between the same two nodes.
  const deltas = seen.filter((m) => m.kind === 'delta');
  assert.ok(deltas.length > 0, seen.map((m) => m.line).join('\n'));
  for (const delta of deltas) {
    const before = seen.slice(0, seen.indexOf(delta));
    assert.ok(before.some((m) => m.kind === 'digest' && m.at <= delta.at
      && ((m.from === delta.to && m.to === delta.from) || (m.from === delta.from && m.to === delta.to))), delta.line);
  }
  // The delta that carries the write: go back to it and click it in the list.
  const carrying = deltas.find((m) => /color v1/.test(m.line));
  assert.ok(carrying, deltas.map((m) => m.line).join('\n'));
  await page.locator('#playback-scrub').fill(String(carrying.at));
  await page.locator('#in-flight li button', { hasText: carrying.line }).first().click();
  const content = await page.locator('#message-panel').textContent();
  assert.match(content, new RegExp(`delta from node ${carrying.from} to node ${carrying.to}`), content);
  assert.match(content, /delta 1 key \d+ B: color v1/, content);
  await page.locator('#message-playback').screenshot({ path: path.join(outputDir, 'inspect-ae-delta.png') });
  // In the end every node's store holds node 0's write.
  for (const id of [1, 2, 3]) {
    const inspected = await inspect(page, id, 9_500);
    assert.ok(inspected.store.some((row) => row.startsWith('color') && row.includes('node 0')), `${id}: ${inspected.store}`);
  }
  await page.locator('#node-inspector').screenshot({ path: path.join(outputDir, 'inspect-ae-store.png') });
  console.log(`ring ${JSON.stringify(successor)}; exchanges: ${seen.slice(0, 10).map((m) => `${m.at} ms ${m.line}`).join(' | ')}`);
  assert.deepEqual(errors, []);
});

test('Redis Cluster preset: pings carry "7 PFAIL" first, then the FAIL 7 broadcast', async () => {
  const { page, errors } = await openPage(shared.browser, shared.relay.url);
  await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Redis Cluster marks a node FAIL' }).click();
  await page.locator('#system-result #message-playback').waitFor({ timeout: 60_000 });
  // The FAIL broadcast first, to know when the failure reports must have been travelling.
  await page.locator('#playback-next-kind').selectOption({ label: 'fail' });
  await page.locator('#playback-next').click();
  const failAt = await playbackMs(page);
  // Back a little, then message by message until a ping or pong says 7 is PFAIL.
  await page.locator('#playback-next-kind').selectOption({ label: 'any' });
  await page.locator('#playback-scrub').fill(String(failAt - 600));
  let pfail;
  for (let step = 0; step < 600 && !pfail; step += 1) {
    await page.locator('#playback-next').click();
    const lines = await page.locator('#in-flight li button').allTextContents();
    const line = lines.find((text) => /\b7 PFAIL/.test(text));
    if (line) pfail = { line, at: await playbackMs(page) };
  }
  assert.ok(pfail, `no message carrying 7 PFAIL in the 600 ms before FAIL at ${failAt} ms`);
  assert.ok(pfail.at < failAt, `${pfail.at} < ${failAt}`);
  await page.locator('#in-flight li button', { hasText: pfail.line }).first().click();
  assert.match(await page.locator('#message-panel').textContent(), /Carried: (ping|pong), gossip about \d+ nodes?: .*7 PFAIL/);
  await page.locator('#message-playback').screenshot({ path: path.join(outputDir, 'inspect-redis-pfail.png') });
  // Then the FAIL: every master is told at once.
  await page.locator('#playback-next-kind').selectOption({ label: 'fail' });
  await page.locator('#playback-next').click();
  assert.equal(await playbackMs(page), failAt);
  const fail = (await page.locator('#in-flight li button').allTextContents()).find((text) => /FAIL 7/.test(text));
  assert.ok(fail, 'a FAIL 7 in flight');
  await page.locator('#in-flight li button', { hasText: fail }).first().click();
  assert.match(await page.locator('#message-panel').textContent(), /Carried: FAIL 7/);
  await page.locator('#message-playback').screenshot({ path: path.join(outputDir, 'inspect-redis-fail.png') });
  console.log(`${pfail.at} ms: ${pfail.line}; FAIL broadcast at ${failAt} ms: ${fail}`);
  assert.deepEqual(errors, []);
});

test('Store provenance on the anti-entropy ring: written at node 0, each other node pushed to or pulled by a neighbour', async () => {
  const { page, errors } = await openPreset('Anti-entropy, fixed ring order');
  const written = (await inspect(page, 0, 9_500)).arrivals;
  assert.deepEqual(written.map((a) => [a.key, a.arrived, a.from]), [['color', 'written', undefined]]);
  assert.match(written[0].text, /^written here at 1\.500 s$/);
  const kinds = [];
  for (const id of [1, 2, 3]) {
    const [arrival] = (await inspect(page, id, 9_500)).arrivals;
    // The ring is 0 -> 1 -> 2 -> 3 -> 0 in push-pull: pushed by the predecessor or pulled from the successor.
    const predecessor = (id + 3) % 4;
    const successor = (id + 1) % 4;
    assert.ok((arrival.arrived === 'anti_entropy_push' && arrival.from === predecessor)
      || (arrival.arrived === 'anti_entropy_pull' && arrival.from === successor), `${id}: ${JSON.stringify(arrival)}`);
    assert.match(arrival.text, new RegExp(`^by anti-entropy, (pushed by|pulled from) node ${arrival.from}, at \\d+\\.\\d{3} s$`));
    kinds.push(`${id}: ${arrival.text}`);
  }
  await page.locator('#node-inspector').screenshot({ path: path.join(outputDir, 'inspect-ae-provenance.png') });
  console.log(kinds.join('; '));
  assert.deepEqual(errors, []);
});

test('A 1,000-node cluster: the inspector reruns in the worker with progress, and the page keeps answering', async () => {
  const { page, errors } = await openPreset('SWIM detects a crash');
  await page.getByLabel('Nodes', { exact: true }).fill('1000');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#sim-result.done', { hasText: '1000' }).waitFor({ timeout: 300_000 });
  await page.locator('#playback-node-points').waitFor({ state: 'attached', timeout: 60_000 });
  // A timer on the page every 20 ms: its longest gap while the worker reruns 1,000 nodes.
  await page.evaluate(() => {
    window.gaps = { last: performance.now(), longest: 0 };
    window.gapTimer = setInterval(() => {
      const now = performance.now();
      window.gaps.longest = Math.max(window.gaps.longest, now - window.gaps.last);
      window.gaps.last = now;
    }, 20);
  });
  const canvas = page.locator('canvas#playback');
  // Mid-period: SWIM's nodes probe in step at whole seconds, so few messages fly then and the
  // canvas lists every dot.
  await page.locator('#playback-scrub').fill('20500');
  // A node no message dot covers then (a click on a dot opens the message instead); nodes on
  // the circle are about 1.5 px apart, so the node clicked is read back from the panel.
  const points = await nodePoints(page);
  const flying = await dots(page);
  const point = points.find((p) => flying.every((d) => (d.x - p.x) ** 2 + (d.y - p.y) ** 2 >= 14 ** 2));
  assert.ok(point, 'a node with no message near it');
  const box = await canvas.boundingBox();
  const started = Date.now();
  await canvas.click({ position: { x: (point.x * box.width) / SIZE, y: (point.y * box.height) / SIZE } });
  const panel = page.locator('#node-inspector');
  await panel.waitFor({ timeout: 10_000 });
  const at = Number(await panel.getAttribute('data-at'));
  // Progress shows while the rerun goes on.
  const progress = await page.locator('#inspect-progress').getAttribute('value', { timeout: 10_000 });
  await page.locator('#node-inspector[data-ready]').waitFor({ timeout: 300_000 });
  const took = Date.now() - started;
  const longest = await page.evaluate(() => { clearInterval(window.gapTimer); return window.gaps.longest; });
  const rows = await page.locator('#inspector-members tr[data-member]').count();
  const node = Number(await panel.getAttribute('data-node'));
  await panel.screenshot({ path: path.join(outputDir, 'inspect-1000-nodes.png') });
  console.log(`1,000 nodes: node ${node} at ${at} ms answered in ${took} ms (first progress ${progress}); longest gap of a 20 ms page timer ${longest.toFixed(0)} ms; ${rows} member rows`);
  assert.equal(rows, 999);
  assert.ok(Number(progress) < 1, `progress ${progress}`);
  // Calibration, not a published figure: the page's thread never stalls for a second.
  assert.ok(longest < 1_000, `the page stalled ${longest} ms`);
  assert.deepEqual(errors, []);
});

test('Redis Cluster: node 0\'s own table lists node 7 ok, then PFAIL, then FAIL, with its last pong before the crash', async () => {
  const { page, errors } = await openPage(shared.browser, shared.relay.url);
  await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Redis Cluster marks a node FAIL' }).click();
  await page.locator('#system-result #message-playback').waitFor({ timeout: 60_000 });
  await page.locator('#playback-node-points').waitFor({ state: 'attached' });
  const before = await inspectModel(page, 0, 4_000);
  assert.match(before.heading, /Node 0 at t = 4\.\d{3} s: running/);
  assert.equal(Object.keys(before.rows).length, 29, JSON.stringify(before.rows));
  assert.equal(before.rows['7'].flag, 'ok');
  assert.match(before.facts, /current epoch: \d+/);
  const flags = [];
  let pfail;
  let fail;
  for (let ms = 5_000; ms <= 30_000 && !fail; ms += 500) {
    const seen = await inspectModel(page, 0, ms);
    const { flag } = seen.rows['7'];
    if (flags.at(-1) !== flag) flags.push(flag);
    if (flag === 'PFAIL' && !pfail) {
      pfail = seen;
      await page.locator('#node-inspector').screenshot({ path: path.join(outputDir, 'inspect-redis-node-pfail.png') });
    }
    if (flag === 'FAIL') {
      fail = seen;
      await page.locator('#node-inspector').screenshot({ path: path.join(outputDir, 'inspect-redis-node-fail.png') });
    }
  }
  assert.deepEqual(flags, ['ok', 'PFAIL', 'FAIL']);
  // Its last pong came before the crash at 5 s; the others' keep coming.
  const lastPong = Number(/([\d.]+) s/.exec(fail.rows['7'].pong_received)[1]);
  assert.ok(lastPong <= 5, fail.rows['7'].pong_received);
  assert.ok(Number(/([\d.]+) s/.exec(fail.rows['8'].pong_received)[1]) > lastPong + 10, JSON.stringify(fail.rows['8']));
  // A crashed node's own table, as it was when it stopped.
  assert.match((await inspectModel(page, 7, fail.at)).heading, /crashed/);
  console.log(`node 0 holds 7: PFAIL at ${pfail.at} ms, FAIL at ${fail.at} ms; last pong ${lastPong} s`);
  assert.deepEqual(errors, []);
});
