// Messages in flight: the "SWIM detects a crash" preset played back at 1/20 of real time. Node 7
// crashes at 5 s; the test steps to the first ping-req (a member whose ping to 7 went unanswered
// asking helpers to ping it), watches the dots move, clicks one to read what it carried, then
// finds a ping carrying the suspicion of 7. Screenshots: tests/e2e/output/playback-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openPage, outputDir, relayAndBrowser } from './harness.mjs';

const shared = relayAndBrowser();

/** The dots on the playback canvas: [{ index, kind, x, y }] in canvas pixels (480 x 480). */
async function dots(canvas) {
  const text = (await canvas.getAttribute('data-dots')) ?? '';
  return text.split(';').filter(Boolean).map((entry) => {
    const [index, kind, x, y] = entry.split(':');
    return { index: Number(index), kind, x: Number(x), y: Number(y) };
  });
}

/** Takes WebGL2 away from every canvas of the page, as a browser without it would. */
function withoutWebGl2() {
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
    return kind === 'webgl2' ? null : getContext.call(this, kind, ...rest);
  };
}

/**
 * The colour drawn at the centre of each dot of `kind` that no dot of another kind covers, read
 * back from the playback canvas (WebGL2 keeps its picture, so it reads back as a 2D canvas does)
 * as "#rrggbb", beside the legend's colour of its kind.
 */
async function drawnColours(page, all, kind) {
  const apart = (a, b) => Math.hypot(a.x - b.x, a.y - b.y) > 9;
  const found = all.filter((d) => d.kind === kind && all.every((o) => o.kind === kind || apart(o, d)));
  assert.ok(found.length > 0, `a ${kind} dot clear of others: ${JSON.stringify(all)}`);
  return page.evaluate((found) => {
    const source = document.querySelector('canvas#playback');
    const copy = document.createElement('canvas');
    copy.width = source.width;
    copy.height = source.height;
    const context = copy.getContext('2d');
    context.drawImage(source, 0, 0);
    const hex = (values) => `#${values.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
    const legend = Object.fromEntries([...document.querySelectorAll('#playback-legend .playback-kind')]
      .map((key) => [key.textContent.trim(), key.style.color]));
    const rgb = (css) => hex(css.match(/\d+/g).slice(0, 3).map(Number));
    return found.map((dot) => ({
      kind: dot.kind,
      drawn: hex([...context.getImageData(dot.x, dot.y, 1, 1).data.slice(0, 3)]),
      legend: rgb(legend[dot.kind]),
    }));
  }, found);
}

/**
 * Opens the SWIM crash preset's playback, scrubs to the crash at 5 s and steps message by message
 * to the first ping-req; returns the time reached and the steps taken.
 */
async function firstPingReq(page) {
  await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'SWIM detects a crash' }).click();
  await page.locator('#message-playback').waitFor({ timeout: 30_000 });
  const canvas = page.locator('canvas#playback');
  await page.locator('#playback-speed').selectOption({ label: '1/20×' });
  await page.locator('#playback-scrub').fill('5000');
  const steps = await stepUntil(page, async () => (await dots(canvas)).some((d) => d.kind === 'ping-req'), 400);
  const time = Number(/t = ([\d.]+) s/.exec(await page.locator('#playback-time').textContent())[1]);
  return { steps, time };
}

/** Clicks "Next message" until `done()` holds, at most `limit` times; returns the clicks made. */
async function stepUntil(page, done, limit) {
  for (let clicks = 0; clicks < limit; clicks += 1) {
    if (await done()) return clicks;
    await page.locator('#playback-next').click();
  }
  assert.fail(`not reached in ${limit} steps`);
}

test('SWIM crash preset: pings, a ping-req to helpers and the suspicion move between the nodes, slowed', async () => {
  const { page, errors } = await openPage(shared.browser, shared.relay.url);
  // From the crash on, step message by message to the first ping-req.
  const { steps, time: stepped } = await firstPingReq(page);
  const canvas = page.locator('canvas#playback');
  const legend = await page.locator('#playback-legend').textContent();
  for (const kind of ['ping', 'ack', 'ping-req']) assert.ok(legend.includes(kind), legend);
  assert.equal(await canvas.getAttribute('data-renderer'), 'webgl2');
  const label = await canvas.getAttribute('aria-label');
  assert.match(label, /ping-req/, label);
  const time = async () => Number(/t = ([\d.]+) s/.exec(await page.locator('#playback-time').textContent())[1]);
  assert.ok(stepped > 5 && stepped < 8, `first ping-req after the crash at ${stepped} s (${steps} steps)`);
  // Each ping-req is drawn, in its kind's colour, where the page says it is.
  for (const { kind, drawn, legend: colour } of await drawnColours(page, await dots(canvas), 'ping-req')) {
    assert.equal(drawn, colour, `${kind} dot drawn in its legend colour`);
  }
  await page.screenshot({ path: path.join(outputDir, 'playback-ping-req.png'), fullPage: true });
  await page.locator('#message-playback').screenshot({ path: path.join(outputDir, 'playback-ping-req-close.png') });

  // The same ms: the requester asked 3 helpers at once.
  const helpers = (await dots(canvas)).filter((d) => d.kind === 'ping-req');
  assert.equal(helpers.length, 3, JSON.stringify(helpers));

  // Played at 1/20 of real time the dots move: 10 ms of latency take 200 ms to watch.
  await page.locator('#playback-play').click();
  assert.equal(await page.locator('#playback-play').textContent(), 'Pause');
  await page.waitForTimeout(60);
  const before = await dots(canvas);
  await page.waitForTimeout(40);
  const after = await dots(canvas);
  await page.locator('canvas#playback').screenshot({ path: path.join(outputDir, 'playback-moving.png') });
  await page.waitForTimeout(1_000);
  await page.locator('#playback-play').click();
  const played = await time();
  assert.ok(played - stepped > 0.03 && played - stepped < 0.2, `${stepped} -> ${played} s at 1/20x`);
  const moved = after.filter((d) => before.some((b) => b.index === d.index && (b.x !== d.x || b.y !== d.y)));
  assert.ok(moved.length > 0, `no dot moved: ${JSON.stringify({ before, after })}`);

  // Back to the ping-req, and click its dot: the panel says what it carried and when.
  await page.locator('#playback-scrub').fill(String(Math.round(stepped * 1000)));
  const pingReqs = (await dots(canvas)).filter((d) => d.kind === 'ping-req');
  assert.ok(pingReqs.length >= 1, 'a ping-req on the canvas');
  const box = await canvas.boundingBox();
  const target = pingReqs[0];
  await canvas.click({ position: { x: (target.x * box.width) / 480, y: (target.y * box.height) / 480 } });
  const panel = page.locator('#message-panel');
  await panel.waitFor();
  const content = await panel.textContent();
  assert.match(content, /ping-req from node \d+ to node \d+/, content);
  assert.match(content, /Carried: ping-req \d+: ping 7 for me/, content);
  assert.match(content, /Sent at \d+\.\d{3} s/, content);
  await page.screenshot({ path: path.join(outputDir, 'playback-clicked.png'), fullPage: true });
  await page.locator('#message-playback').screenshot({ path: path.join(outputDir, 'playback-clicked-close.png') });

  // Further on, the suspicion of node 7 rides on pings and acks to the other members.
  await stepUntil(page, async () => {
    const listed = await page.locator('#in-flight li').allTextContents();
    return listed.some((line) => /(ping|ack) \d+, carrying: .*\b7 suspect/.test(line));
  }, 600);
  const suspicion = (await page.locator('#in-flight li').allTextContents()).find((line) => /7 suspect/.test(line));
  await page.locator('#in-flight li button', { hasText: '7 suspect' }).first().click();
  assert.match(await panel.textContent(), /7 suspect inc \d+/);
  await page.screenshot({ path: path.join(outputDir, 'playback-suspicion.png'), fullPage: true });
  await page.locator('#message-playback').screenshot({ path: path.join(outputDir, 'playback-suspicion-close.png') });
  console.log(`first ping-req at ${stepped} s after ${steps} steps; suspicion: ${suspicion}`);
  assert.deepEqual(errors, []);
});

test('Redis Cluster preset: the bus plays too, and "next message of kind" finds the FAIL broadcast', async () => {
  const { page, errors } = await openPage(shared.browser, shared.relay.url);
  await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Redis Cluster marks a node FAIL' }).click();
  await page.locator('#system-result #message-playback').waitFor({ timeout: 60_000 });
  const canvas = page.locator('canvas#playback');
  const legend = await page.locator('#playback-legend').textContent();
  for (const kind of ['ping', 'pong', 'fail']) assert.ok(legend.includes(kind), legend);

  await page.locator('#playback-next-kind').selectOption({ label: 'fail' });
  await page.locator('#playback-next').click();
  const fails = (await dots(canvas)).filter((d) => d.kind === 'fail');
  // FAIL goes to every other node at once: 29 of the 30 masters (node 7 is down, and the
  // sender skips itself), some of them perhaps before others of the same instant.
  assert.ok(fails.length >= 20, `${fails.length} FAIL messages in flight`);
  const box = await canvas.boundingBox();
  // The dot farthest from the sender, so that no other lies on it.
  const target = fails[fails.length - 1];
  await canvas.click({ position: { x: (target.x * box.width) / 480, y: (target.y * box.height) / 480 } });
  const content = await page.locator('#message-panel').textContent();
  assert.match(content, /fail from node \d+ to node \d+/, content);
  assert.match(content, /Carried: FAIL 7/, content);
  await page.locator('#message-playback').screenshot({ path: path.join(outputDir, 'playback-redis-fail-close.png') });
  assert.deepEqual(errors, []);
});

test('where WebGL2 is missing, the playback draws the same dots with Canvas 2D and they click the same', async () => {
  const page = await shared.browser.newPage({ viewport: { width: 1100, height: 800 } });
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  await page.addInitScript(withoutWebGl2);
  await page.goto(shared.relay.url);
  const { time } = await firstPingReq(page);
  assert.ok(time > 5 && time < 8, `first ping-req at ${time} s`);
  const canvas = page.locator('canvas#playback');
  assert.equal(await canvas.getAttribute('data-renderer'), 'canvas2d');
  const pingReqs = (await dots(canvas)).filter((d) => d.kind === 'ping-req');
  assert.equal(pingReqs.length, 3, JSON.stringify(pingReqs));
  for (const { kind, drawn, legend } of await drawnColours(page, await dots(canvas), 'ping-req')) {
    assert.equal(drawn, legend, `${kind} dot drawn in its legend colour`);
  }
  const box = await canvas.boundingBox();
  await canvas.click({ position: { x: (pingReqs[0].x * box.width) / 480, y: (pingReqs[0].y * box.height) / 480 } });
  assert.match(await page.locator('#message-panel').textContent(), /Carried: ping-req \d+: ping 7 for me/);
  await page.locator('#message-playback').screenshot({ path: path.join(outputDir, 'playback-ping-req-canvas2d.png') });
  assert.deepEqual(errors, []);
  await page.close();
});
