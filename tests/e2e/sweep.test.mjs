// Sweeps: one knob of the playground's scenario over a range, several seeds per value, spread over
// several Web Workers; the plot with error bars, the table downloaded as CSV and JSON, and cancel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { openPage, outputDir, relayAndBrowser } from './harness.mjs';

const shared = relayAndBrowser();

/** Opens the playground and makes its scenario the default one with `nodes` nodes. */
async function playgroundWith(nodes) {
  const opened = await openPage(shared.browser, shared.relay.url);
  const { page } = opened;
  await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
  await page.locator('#nodes').fill(String(nodes));
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#sim-result.done', { hasText: `${nodes} nodes` }).waitFor({ timeout: 30_000 });
  return opened;
}

async function downloaded(page, button) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
  return { name: download.suggestedFilename(), text: await readFile(await download.path(), 'utf8') };
}

test('run a sweep over fanout and download the CSV', async () => {
  const { page, errors, workers } = await playgroundWith(200);
  const before = workers.length;

  await page.getByLabel('Vary').selectOption('fanout');
  await page.getByLabel('From', { exact: true }).fill('1');
  await page.getByLabel('To', { exact: true }).fill('3');
  await page.getByLabel('Step', { exact: true }).fill('1');
  await page.getByLabel('Seeds per value').fill('3');
  assert.match(await page.locator('#sweep-plan').textContent(), /Values: 1, 2, 3; 3 seeds each \(42 to 44\): 9 runs/);
  await page.getByRole('button', { name: 'Run sweep' }).click();

  await page.locator('#sweep-status.done').waitFor({ timeout: 60_000 });
  const status = await page.locator('#sweep-status').textContent();
  assert.match(status, /3 \/ 3 values done: 9 runs on \d workers/);
  // The runs went to separate workers: one per core the browser reports (no cap of our own,
  // though never more workers than batches: 9 runs make 9 batches of one).
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const expected = Math.min(Math.max(cores, 1), 9);
  assert.ok(status.includes(`on ${expected} workers`), `${status} with ${cores} cores`);
  assert.equal(workers.length - before, expected, `workers: ${workers}`);

  // Three means, each with its error bar, and the table under the chart.
  assert.equal(await page.locator('#sweep-chart circle.sweep-point').count(), 3);
  assert.equal(await page.locator('#sweep-chart g.error-bar').count(), 3);
  assert.equal(await page.locator('#sweep-metric').inputValue(), 'residue');
  assert.equal(await page.locator('#sweep-table tbody tr').count(), 3);

  const csv = await downloaded(page, 'Download CSV');
  assert.equal(csv.name, 'gossiplab-sweep.csv');
  const [header, ...rows] = csv.text.trim().split('\n').map((line) => line.split(','));
  assert.deepEqual(header.slice(0, 3), ['fanout', 'runs', 'rounds_mean']);
  for (const statistic of ['mean', 'sd', 'min', 'max', 'count']) {
    assert.ok(header.includes(`residue_${statistic}`), `residue_${statistic} in ${header}`);
  }
  assert.deepEqual(rows.map((row) => row[0]), ['1', '2', '3']);
  assert.ok(rows.every((row) => row[1] === '3' && row.length === header.length), csv.text);
  const residue = rows.map((row) => Number(row[header.indexOf('residue_mean')]));
  assert.ok(residue.every((r) => r >= 0 && r < 0.2), `plausible residues: ${residue}`);
  assert.ok(residue[0] > residue[1] && residue[1] >= residue[2], `residue falls with fanout: ${residue}`);
  // The table on the page shows the same means (four significant digits).
  const shown = await page.locator('#sweep-table tbody tr td:nth-child(3)').allTextContents();
  assert.deepEqual(shown.map(Number).map((m) => m.toPrecision(2)), residue.map((m) => m.toPrecision(2)));

  const json = await downloaded(page, 'Download JSON');
  assert.equal(json.name, 'gossiplab-sweep.json');
  const table = JSON.parse(json.text);
  assert.equal(table.knob, 'fanout');
  assert.equal(table.base.nodes, 200);
  assert.deepEqual(table.points.map((p) => p.value), [1, 2, 3]);
  assert.deepEqual(table.points.map((p) => p.aggregate.residue.mean), residue);

  // The chart reads out the point under the pointer, as the line charts do, and exports.
  await page.locator('#sweep-chart').scrollIntoViewIfNeeded();
  const spot = await page.locator('#sweep-chart circle.sweep-point').nth(1).evaluate((circle) => {
    const box = circle.getBoundingClientRect();
    return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
  });
  await page.mouse.move(spot.x, spot.y);
  await page.locator('#sweep-chart-readout[data-index="1"]').waitFor({ timeout: 5_000 });
  const readout = await page.locator('#sweep-chart-readout').textContent();
  assert.match(readout, /^fanout = 2: mean [\d.]+, standard deviation [\d.]+ \(/, readout);
  assert.equal(Number(/mean ([\d.]+)/.exec(readout)[1]).toPrecision(2), residue[1].toPrecision(2), readout);
  assert.equal(await page.locator('#sweep-chart line.cursor').count(), 1);
  await page.locator('#sweep-chart').locator('xpath=ancestor::figure[1]').screenshot({ path: path.join(outputDir, 'sweep-chart-hover.png') });
  // Keys move the cursor along the points.
  await page.locator('#sweep-chart').locator('xpath=ancestor::div[contains(@class,"chart-frame")][1]').press('ArrowRight');
  await page.locator('#sweep-chart-readout[data-index="2"]').waitFor({ timeout: 5_000 });
  const [chartCsv] = await Promise.all([page.waitForEvent('download'), page.locator('#sweep-chart-csv').click()]);
  assert.equal(chartCsv.suggestedFilename(), 'gossiplab-sweep-chart.csv');
  const chartRows = (await readFile(await chartCsv.path(), 'utf8')).trim().split('\n').map((line) => line.split(','));
  assert.deepEqual(chartRows[0], ['fanout', 'mean residue', 'sd', 'low', 'high']);
  assert.deepEqual(chartRows.slice(1).map((row) => Number(row[1])), residue, "the chart's means are the table's");
  const [chartSvg] = await Promise.all([page.waitForEvent('download'), page.locator('#sweep-chart-svg').click()]);
  assert.equal(chartSvg.suggestedFilename(), 'gossiplab-sweep-chart.svg');
  const svgText = await readFile(await chartSvg.path(), 'utf8');
  const parsed = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    return { error: doc.querySelector('parsererror') !== null, bars: doc.querySelectorAll('g.error-bar').length };
  }, svgText);
  assert.deepEqual(parsed, { error: false, bars: 3 });
  const [chartPng] = await Promise.all([page.waitForEvent('download'), page.locator('#sweep-chart-png').click()]);
  assert.equal(chartPng.suggestedFilename(), 'gossiplab-sweep-chart.png');
  const png = await readFile(await chartPng.path());
  assert.equal(png.readUInt32BE(16), 960, "PNG twice the drawing's width");
  const viewer = await shared.browser.newPage();
  await viewer.setContent(`<body style="margin:10px;background:#eee">${svgText}</body>`);
  await viewer.screenshot({ path: path.join(outputDir, 'sweep-chart-export-svg.png') });
  await viewer.close();

  // Another metric plots without running again.
  await page.getByLabel('Plot').selectOption('rounds');
  await page.locator('#sweep-table caption', { hasText: 'rounds by fanout' }).waitFor();
  await page.getByLabel('Plot').selectOption('residue');
  await page.locator('#sweep').screenshot({ path: path.join(outputDir, 'sweep.png') });
  assert.deepEqual(errors, []);
});

test('a sweep can be cancelled and the form names what is wrong', async () => {
  const { page, errors } = await playgroundWith(100);
  await page.getByLabel('Vary').selectOption('nodes');
  assert.equal(await page.getByLabel('Spacing').inputValue(), 'geometric');
  await page.getByLabel('Seeds per value').fill('0');
  assert.match(await page.locator('#sweep-plan').textContent(), /seeds per point must be at least 1/);
  assert.ok(await page.getByRole('button', { name: 'Run sweep' }).isDisabled());

  // 10 to 100,000 nodes with 200 seeds each: long enough to cancel midway.
  await page.getByLabel('Seeds per value').fill('200');
  assert.match(await page.locator('#sweep-plan').textContent(), /Values: 10, 100, 1000, 10k, 100k; .*1000 runs/);
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await page.locator('#sweep-status', { hasText: /[1-9]\d* \/ 1000 runs/ }).waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.locator('#sweep-status', { hasText: /Cancelled after [0-4] \/ 5 values/ }).waitFor();
  assert.ok(await page.getByRole('button', { name: 'Cancel' }).isDisabled());
  assert.ok(await page.getByRole('button', { name: 'Run sweep' }).isEnabled(), 'a new sweep can start');
  // Nothing changes after the cancel, even when a worker's last batch comes back.
  const progress = await page.locator('#sweep-progress').getAttribute('value');
  await page.waitForTimeout(1_000);
  assert.equal(await page.locator('#sweep-progress').getAttribute('value'), progress);
  assert.deepEqual(errors, []);
});
