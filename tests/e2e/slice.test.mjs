// The first vertical slice, as a person sees it: the relay serves the page, the page starts a Web
// Worker that runs a seeded simulation with gossip-core, shows the result, and connects to the relay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { nodeBin, openPage, outputDir, relayAndBrowser } from './harness.mjs';

const shared = relayAndBrowser();

/** What the native core computes for the scenario the page runs by default. */
function nativeRun(seed) {
  const scenario = { version: 1, nodes: 100, seed, rumor: { loss: { kind: 'counter', k: 2 }, trigger: 'feedback', fanout: 1 } };
  const file = path.join(outputDir, `scenario-${seed}.json`);
  writeFileSync(file, JSON.stringify(scenario));
  return JSON.parse(execFileSync(nodeBin, ['sim', file])).runs[0].summary;
}

test('the worker runs the simulation and the page shows the same numbers as the native core', async () => {
  const { page, errors, workers, requests } = await openPage(shared.browser, shared.relay.url);
  const result = page.locator('#sim-result.done');
  await result.waitFor({ timeout: 30_000 });
  const text = await result.textContent();
  assert.match(text, /^100 nodes, push rumor mongering \(counter k=2, feedback, fanout 1\), seed 42:/);

  const expected = nativeRun(42);
  assert.ok(text.includes(`quiet after ${expected.rounds} rounds`), `${text} vs native ${JSON.stringify(expected)}`);
  assert.ok(text.includes(`${expected.messages} messages`), `${text} vs native ${JSON.stringify(expected)}`);
  assert.equal(workers.length, 1, `one worker expected: ${workers}`);
  // The worker runs the page's own wasm (web/src/worker_start.rs): the build has one, fetched by both.
  const wasm = requests.filter((request) => request.endsWith('.wasm'));
  assert.ok(wasm.length >= 2 && new Set(wasm).size === 1, `the worker does not run the page's wasm: ${requests}`);
  assert.equal(await page.locator('#sir-chart polyline').count(), 3);

  // A person clicks "run again": the next seed runs in the worker and matches the native run too.
  await page.getByRole('button', { name: /run again/i }).click();
  await page.locator('#sim-result.done', { hasText: 'seed 43' }).waitFor({ timeout: 30_000 });
  const rerun = await page.locator('#sim-result').textContent();
  assert.ok(rerun.includes(`quiet after ${nativeRun(43).rounds} rounds`), rerun);

  await page.screenshot({ path: path.join(outputDir, 'slice.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('the page connects to the relay and sees other tabs join', async () => {
  const first = await openPage(shared.browser, shared.relay.url);
  const status = first.page.locator('#relay-status.done');
  await status.waitFor({ timeout: 15_000 });
  assert.match(await status.textContent(), /^Connected to the relay as peer \d+ in room "lobby"/);

  const before = Number(/\((\d+) other peers\)/.exec(await status.textContent())[1]);
  const second = await openPage(shared.browser, shared.relay.url);
  await second.page.locator('#relay-status.done').waitFor({ timeout: 15_000 });
  await first.page.locator('#relay-status', { hasText: `(${before + 1} other peers)` }).waitFor({ timeout: 5_000 });
  await second.page.close();
  await first.page.locator('#relay-status', { hasText: `(${before} other peers)` }).waitFor({ timeout: 5_000 });
  assert.deepEqual(first.errors, []);
});
