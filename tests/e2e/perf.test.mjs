// Figures of the playground in headless Chromium, printed rather than asserted (timings belong
// in measurements, not in pass/fail): first paint, transfer sizes, animation frame rate and draw
// time at 1,000 and 10,000 nodes (every node drawn), and the longest task
// on the page's thread while a 1,000,000-node run works in the worker. The test checks only that
// each measurement was taken. Run alone: `cd tests/e2e && node --test perf.test.mjs`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openPage, outputDir, relayAndBrowser } from './harness.mjs';

const shared = relayAndBrowser();

async function runNodes(page, nodes, timeout = 60_000) {
  await page.getByLabel('Nodes', { exact: true }).fill(String(nodes));
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#sim-result.done', { hasText: `${nodes} nodes` }).waitFor({ timeout });
}

/** Plays the timeline at 60 rounds/s and counts animation frames and graph draws. */
async function playback(page) {
  await page.locator('#speed').selectOption('60');
  await page.evaluate(() => performance.clearMeasures('graph-draw'));
  const frames = page.evaluate(() => new Promise((resolve) => {
    const times = [];
    const step = (t) => {
      times.push(t);
      if (t - times[0] < 1_500) requestAnimationFrame(step); else resolve(times);
    };
    requestAnimationFrame(step);
  }));
  await page.getByRole('button', { name: 'Play' }).click();
  const times = await frames;
  await page.getByRole('button', { name: 'Pause' }).click().catch(() => {});
  const draws = await page.evaluate(() => performance.getEntriesByName('graph-draw').map((e) => e.duration));
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  return {
    fps: (times.length - 1) / ((times.at(-1) - times[0]) / 1000),
    worstFrameMs: Math.max(...gaps),
    draws: draws.length,
    meanDrawMs: draws.reduce((a, b) => a + b, 0) / Math.max(draws.length, 1),
    maxDrawMs: Math.max(0, ...draws),
  };
}

test('playground figures: paint, transfer, frame rate, long tasks', async () => {
  const { page, errors } = await openPage(shared.browser, shared.relay.url);
  await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
  const paint = await page.evaluate(() => Object.fromEntries(
    performance.getEntriesByType('paint').map((e) => [e.name, Math.round(e.startTime)])));
  const transfer = await page.evaluate(() => performance.getEntriesByType('resource')
    .concat(performance.getEntriesByType('navigation'))
    .filter((e) => /\.(wasm|js)$|\/$/.test(new URL(e.name).pathname))
    .map((e) => ({ file: new URL(e.name).pathname, transfer: e.transferSize, decoded: e.decodedBodySize })));
  console.log('paint (ms):', JSON.stringify(paint));
  console.log('transfer (bytes):', JSON.stringify(transfer));
  assert.ok(paint['first-contentful-paint'] > 0);

  await runNodes(page, 1000);
  const thousand = await playback(page);
  console.log('1,000 nodes:', JSON.stringify(thousand));
  await runNodes(page, 10000);
  const tenThousand = await playback(page);
  console.log('10,000 nodes:', JSON.stringify(tenThousand));
  // Every one of the 10,000 nodes is drawn (no sample), mid-run.
  assert.match(await page.locator('canvas#graph').getAttribute('aria-label'), /Network of 10000 nodes/);
  const rounds = Number(await page.getByRole('slider', { name: 'Round' }).getAttribute('max'));
  await page.getByRole('slider', { name: 'Round' }).fill(String(Math.floor(rounds / 2)));
  await page.locator('canvas#graph').screenshot({ path: path.join(outputDir, 'graph-10000.png') });
  assert.ok(thousand.draws > 0 && tenThousand.draws > 0, 'the graph was drawn while playing');

  // Long tasks on the page's thread while the worker runs a million nodes.
  await page.evaluate(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => window.__longTasks.push(...list.getEntries().map((e) => e.duration)))
      .observe({ type: 'longtask' });
  });
  const started = Date.now();
  await runNodes(page, 1000000, 120_000);
  const seconds = (Date.now() - started) / 1000;
  const longTasks = await page.evaluate(() => window.__longTasks);
  console.log(`1,000,000 nodes in the worker: ${seconds.toFixed(1)} s to the result; long tasks on the page: ${longTasks.length}, longest ${Math.max(0, ...longTasks).toFixed(0)} ms`);
  assert.deepEqual(errors, []);
});
