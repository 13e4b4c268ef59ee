// Live nodes on the event engine, as a person meets them: the SWIM and anti-entropy presets, and
// the form switched to "live nodes", checked against the native `gossip-node sim` for the same
// link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { nodeBin, openPage, outputDir, relayAndBrowser } from './harness.mjs';

const shared = relayAndBrowser();

test('the SWIM preset shows the crash detected, and the numbers match the native run', async () => {
  const { page, errors } = await openPage(shared.browser, shared.relay.url);
  await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'SWIM detects a crash' }).click();
  await page.locator('#cluster-result').waitFor({ timeout: 30_000 });
  const row = page.locator('#crashes tr', { hasText: '7' }).last();
  const cells = await row.locator('td').allTextContents();
  assert.equal(cells[0], '7');
  assert.match(cells[3], /^\+\d+\.\d\d s$/, `first failed: ${cells}`);
  const figures = await page.locator('#cluster-result .figures').textContent();
  assert.match(figures, /crashes detected in \d+\.\d\d s on average/);
  assert.match(figures, /0 false positives/);
  await page.locator('#views-chart polyline.dead').waitFor();

  // The graph shows each node as the others see it, step by step (100 ms samples).
  const canvas = page.locator('canvas#graph');
  assert.match(await canvas.getAttribute('aria-label'), /19 alive, 0 suspected, 1 dead, 0 down/);
  await page.getByRole('slider', { name: 'Step' }).fill('52');
  assert.match(await canvas.getAttribute('aria-label'), /19 alive, 0 suspected, 0 dead, 1 down/, 'just crashed');
  await page.getByRole('slider', { name: 'Step' }).fill('0');
  assert.match(await canvas.getAttribute('aria-label'), /20 alive/);
  assert.equal(await page.locator('#cluster-time').textContent(), 't = 0.00 s');

  const native = JSON.parse(execFileSync(nodeBin, ['sim', page.url()])).runs[0].summary;
  assert.ok(figures.includes(`${(native.mean_detection_ms / 1000).toFixed(2)} s on average`),
    `${figures} vs native ${JSON.stringify(native)}`);
  await page.screenshot({ path: path.join(outputDir, 'swim-crash.png'), fullPage: true });

  // Click node 0 (top of the circle) at t = 3 s and crash it there: a second crash, detected.
  const box = await canvas.boundingBox();
  await page.getByRole('slider', { name: 'Step' }).fill('30');
  await canvas.click({ position: { x: box.width / 2, y: box.height * (12 / 480) } });
  await page.getByRole('button', { name: 'Crash node 0 at t = 3.00 s and rerun' }).click();
  await page.locator('#crashes tr').nth(2).waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('#crashes tr').count(), 3, 'a header and two crashes');
  assert.deepEqual((await page.locator('#crashes tr').nth(1).locator('td').allTextContents()).slice(0, 2), ['0', '3.00 s']);
  const rerun = JSON.parse(execFileSync(nodeBin, ['sim', page.url()])).runs[0].summary;
  assert.equal(rerun.crashes, 2, 'the link carries both new faults');
  assert.deepEqual(errors, []);
});

test('direct mail loses writes and anti-entropy repairs them; the form edits a cluster', async () => {
  const { page, errors } = await openPage(shared.browser, shared.relay.url);
  await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Direct mail loses, anti-entropy repairs' }).click();
  await page.locator('#cluster-result').waitFor({ timeout: 30_000 });
  assert.match(await page.locator('#cluster-result .figures').textContent(), /3\/3 writes reached every live node/);
  assert.equal(await page.locator('#writes tr').count(), 4, 'a header and three writes');
  await page.screenshot({ path: path.join(outputDir, 'direct-mail.png'), fullPage: true });

  // Click node 0 (top of the circle) at t = 3 s and write a value there: the rerun shows it
  // spreading to everyone.
  await page.getByRole('slider', { name: 'Step' }).fill('30');
  const canvas = page.locator('canvas#graph');
  const box = await canvas.boundingBox();
  await canvas.click({ position: { x: box.width / 2, y: box.height * (12 / 480) } });
  await page.locator('#node-key').fill('colour');
  await page.locator('#node-value').fill('red');
  await page.getByRole('button', { name: 'Write at node 0 at t = 3.00 s and rerun' }).click();
  const written = page.locator('#writes tr', { hasText: 'colour' });
  await written.waitFor({ timeout: 30_000 });
  const writeCells = await written.locator('td').allTextContents();
  assert.deepEqual(writeCells.slice(0, 3), ['colour', '0', '3.00 s']);
  assert.match(writeCells[3], /^\+\d+\.\d\d s$/, 'the write reached everyone');
  assert.match(await page.locator('#cluster-result .figures').textContent(), /4\/4 writes reached every live node/);
  // Pointing at a node tells its state and what its store holds, step by step.
  await page.getByRole('slider', { name: 'Step' }).fill('0');
  await canvas.hover({ position: { x: box.width / 2, y: box.height * (12 / 480) } });
  await page.locator('#node-info', { hasText: 'Node 0 at step 0: alive to every live node; its store holds 0 keys' }).waitFor();
  const last = await page.getByRole('slider', { name: 'Step' }).getAttribute('max');
  await page.getByRole('slider', { name: 'Step' }).fill(last);
  await canvas.hover({ position: { x: box.width / 2 + 1, y: box.height * (12 / 480) } });
  await page.locator('#node-info', { hasText: `Node 0 at step ${last}: alive to every live node; its store holds 4 keys` }).waitFor();

  // Turn anti-entropy off: the writes lost by mail stay lost.
  await page.locator('#ae-direction').selectOption('off');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#cluster-result .figures', { hasText: /[0-3]\/4 writes reached/ }).waitFor({ timeout: 30_000 });

  // Back to rounds: the rumor knobs return and the graph view with them.
  await page.getByLabel('Engine').selectOption('rumor');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('canvas#graph').waitFor({ timeout: 30_000 });
  assert.deepEqual(errors, []);
});
