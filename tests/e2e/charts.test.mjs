// Charts as people read them: axes with ticks and units, the values under the pointer and under a
// keyboard cursor, the theory curve named in the legend, and the downloads: the data as CSV (its
// rows are the run's series, checked against the native core's figures), the drawing as SVG (a
// valid SVG document that renders) and as PNG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { nodeBin, openPage, outputDir, relayAndBrowser } from './harness.mjs';

const shared = relayAndBrowser();

/** Parses the chart CSV (`series,x,y`; quoted names) into { header, rows: [{ series, x, y }] }. */
function parseCsv(text) {
  const lines = text.trimEnd().split('\n');
  const fields = (line) => {
    const out = [];
    let field = '';
    let quoted = false;
    for (let i = 0; i < line.length; i += 1) {
      const c = line[i];
      if (quoted && c === '"' && line[i + 1] === '"') { field += '"'; i += 1; }
      else if (c === '"') quoted = !quoted;
      else if (c === ',' && !quoted) { out.push(field); field = ''; }
      else field += c;
    }
    out.push(field);
    return out;
  };
  return {
    header: fields(lines[0]),
    rows: lines.slice(1).map(fields).map(([series, x, y]) => ({ series, x: Number(x), y: Number(y) })),
  };
}

/** A value as the readout writes it (plot.rs `readout_value`). */
function readoutValue(value) {
  if (Number.isInteger(value)) return value.toFixed(0);
  if (Math.abs(value) >= 100) return value.toFixed(1);
  return Math.abs(value) >= 1 ? value.toFixed(2) : value.toFixed(3);
}

/** Clicks a download button and returns the file's name and bytes. */
async function download(page, selector) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.locator(selector).click()]);
  const bytes = readFileSync(await file.path());
  return { name: file.suggestedFilename(), bytes };
}

/** Moves the pointer over point `index` of the chart's polyline `line`. */
async function hoverPoint(page, chart, line, index) {
  await page.locator(`#${chart}`).scrollIntoViewIfNeeded();
  const spot = await page.evaluate(([chart, line, index]) => {
    const svg = document.getElementById(chart);
    const [x, y] = svg.querySelector(`polyline.${line}`).getAttribute('points').split(' ')[index].split(',').map(Number);
    const box = svg.getBoundingClientRect();
    const width = svg.viewBox.baseVal.width;
    return { x: box.left + (x * box.width) / width, y: box.top + (y * box.width) / width };
  }, [chart, line, index]);
  await page.mouse.move(spot.x, spot.y);
}

test('the SIR and traffic charts: axes, hover and keyboard readouts, CSV equal to the run, SVG and PNG', async () => {
  const { page, errors } = await openPage(shared.browser, shared.relay.url);
  const result = page.locator('#sim-result.done');
  await result.waitFor({ timeout: 30_000 });
  // The page's default scenario, run by the native core.
  const scenario = { version: 1, nodes: 100, seed: 42, rumor: { loss: { kind: 'counter', k: 2 }, trigger: 'feedback', fanout: 1 } };
  assert.match(await result.textContent(), /^100 nodes, push rumor mongering \(counter k=2, feedback, fanout 1\), seed 42:/);
  const file = path.join(outputDir, 'charts-scenario.json');
  writeFileSync(file, JSON.stringify(scenario));
  const native = JSON.parse(execFileSync(nodeBin, ['sim', file])).runs[0].summary;

  // Axes: titles with units and round tick labels.
  const axisText = await page.locator('#sir-chart text.axis').allTextContents();
  for (const label of ['round', 'nodes', '0', '100']) assert.ok(axisText.includes(label), `${label} in ${axisText}`);
  assert.ok(axisText.includes('messages per node') || (await page.locator('#traffic-chart text.axis').allTextContents()).includes('messages per node'));

  // The CSV: a row per round and series; S + I + R is every node at every round; the last round
  // and the final susceptible count are the native run's.
  const csvFile = await download(page, '#sir-chart-csv');
  assert.equal(csvFile.name, 'gossiplab-sir-chart.csv');
  const csv = parseCsv(csvFile.bytes.toString('utf8'));
  assert.deepEqual(csv.header, ['series', 'round', 'nodes']);
  const by = (name) => csv.rows.filter((row) => row.series === name);
  const [s, i, r] = ['susceptible', 'infective', 'removed'].map(by);
  assert.equal(s.length, native.rounds + 1, `rounds 0..${native.rounds}`);
  assert.deepEqual(s.map((row) => row.x), [...Array(native.rounds + 1).keys()]);
  for (let round = 0; round <= native.rounds; round += 1) {
    assert.equal(s[round].y + i[round].y + r[round].y, native.nodes, `round ${round}`);
  }
  assert.equal(s.at(-1).y / native.nodes, native.residue);
  assert.deepEqual([s[0].y, i[0].y, r[0].y], [native.nodes - 1, 1, 0]);
  // The traffic chart's data: its per-round messages add up to the run's messages.
  const traffic = parseCsv((await download(page, '#traffic-chart-csv')).bytes.toString('utf8'));
  const perRound = traffic.rows.filter((row) => row.series === 'messages in the round');
  const total = perRound.reduce((sum, row) => sum + row.y, 0) * native.nodes;
  assert.ok(Math.abs(total - native.messages) < 1e-6, `${total} vs ${native.messages}`);
  const soFar = traffic.rows.filter((row) => row.series === 'messages so far').at(-1).y * native.nodes;
  assert.ok(Math.abs(soFar - native.messages) < 1e-6, `${soFar} vs ${native.messages}`);

  // Hover: the pointer over round 5 reads that round's values, as in the CSV.
  await hoverPoint(page, 'sir-chart', 'susceptible', 5);
  const readout = page.locator('#sir-chart-readout');
  await readout.filter({ hasText: /^round 5:/ }).waitFor({ timeout: 5_000 });
  assert.equal(await readout.textContent(), `round 5: susceptible ${s[5].y}, infective ${i[5].y}, removed ${r[5].y}`);
  assert.equal(await page.locator('#sir-chart line.cursor').count(), 1);
  assert.equal(await page.locator('#sir-chart circle.cursor-dot').count(), 3);
  await page.locator('#sir-chart').locator('xpath=ancestor::figure').screenshot({ path: path.join(outputDir, 'chart-hover.png') });
  // The pointer leaves: the hint again.
  await page.mouse.move(5, 5);
  await readout.filter({ hasText: /^Point at the chart/ }).waitFor({ timeout: 5_000 });

  // Keyboard: focus the chart; the first arrow shows round 0, the next ones step on; End goes
  // to the last round.
  await page.locator('.chart-frame').filter({ has: page.locator('#sir-chart') }).focus();
  for (let press = 0; press < 3; press += 1) await page.keyboard.press('ArrowRight');
  assert.equal(await readout.textContent(), `round 2: susceptible ${s[2].y}, infective ${i[2].y}, removed ${r[2].y}`);
  await page.keyboard.press('End');
  assert.match(await readout.textContent(), new RegExp(`^round ${native.rounds}: susceptible ${s.at(-1).y},`));

  // SVG: a valid SVG document (parsed as XML without error), with the three lines, axis
  // titles and the legend, that renders as an image.
  const svgFile = await download(page, '#sir-chart-svg');
  assert.equal(svgFile.name, 'gossiplab-sir-chart.svg');
  const svgText = svgFile.bytes.toString('utf8');
  writeFileSync(path.join(outputDir, 'chart-export.svg'), svgText);
  const parsed = await page.evaluate(async (text) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const root = doc.documentElement;
    const image = new Image();
    const rendered = await new Promise((resolve) => {
      image.onload = () => resolve([image.naturalWidth, image.naturalHeight]);
      image.onerror = () => resolve(null);
      image.src = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
    });
    return {
      errors: doc.getElementsByTagName('parsererror').length,
      root: root.localName,
      namespace: root.namespaceURI,
      lines: root.getElementsByTagName('polyline').length,
      texts: [...root.getElementsByTagName('text')].map((t) => t.textContent),
      rendered,
    };
  }, svgText);
  assert.equal(parsed.errors, 0, 'parses as XML');
  assert.equal(parsed.root, 'svg');
  assert.equal(parsed.namespace, 'http://www.w3.org/2000/svg');
  assert.equal(parsed.lines, 3);
  for (const text of ['round', 'nodes', 'susceptible', 'infective', 'removed', 'Susceptible, infective and removed nodes per round']) {
    assert.ok(parsed.texts.includes(text), `${text} in the exported SVG`);
  }
  assert.ok(parsed.rendered && parsed.rendered[0] === 480, `the SVG renders: ${parsed.rendered}`);

  // PNG: an image twice the drawing's size.
  const png = await download(page, '#sir-chart-png');
  assert.equal(png.name, 'gossiplab-sir-chart.png');
  assert.deepEqual([...png.bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.bytes.readUInt32BE(16), 960, 'width');
  writeFileSync(path.join(outputDir, 'chart-export.png'), png.bytes);

  // The exported SVG as a file viewer shows it.
  const viewer = await shared.browser.newPage({ viewport: { width: 520, height: 420 } });
  await viewer.setContent(`<body style="margin:10px;background:#eee">${svgText}</body>`);
  await viewer.screenshot({ path: path.join(outputDir, 'chart-export-svg.png') });
  await viewer.close();
  assert.deepEqual(errors, []);
});

test('the theory curve is named in the legend and exported with the data; cluster charts have time axes', async () => {
  const { page, errors } = await openPage(shared.browser, shared.relay.url);
  await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
  await page.getByLabel('Nodes', { exact: true }).fill('1000');
  await page.getByLabel('Lose interest by').selectOption('never');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#sim-result.done', { hasText: 'never loses interest' }).waitFor({ timeout: 30_000 });
  const theoryName = 'susceptible, mean-field simple epidemic (theory)';
  const caption = page.locator('figure', { has: page.locator('#sir-chart') }).locator('figcaption');
  assert.ok((await caption.locator('.key.theory').allTextContents()).includes(theoryName));
  const csv = parseCsv((await download(page, '#sir-chart-csv')).bytes.toString('utf8'));
  const theory = csv.rows.filter((row) => row.series === theoryName);
  const measured = csv.rows.filter((row) => row.series === 'susceptible');
  assert.equal(theory.length, measured.length, 'the theory over the same rounds');
  assert.equal(theory[0].y, 999, 'the theory starts with one node told');
  // The theory is read out with the measured lines.
  await hoverPoint(page, 'sir-chart', 'susceptible', 3);
  await page.locator('#sir-chart-readout', { hasText: /^round 3: / }).waitFor({ timeout: 5_000 });
  assert.equal(await page.locator('#sir-chart-readout').textContent(),
    `round 3: susceptible ${measured[3].y}, infective ${csv.rows.find((row) => row.series === 'infective' && row.x === 3).y}, `
      + `removed 0, ${theoryName} ${readoutValue(theory[3].y)}`);
  await page.locator('#sir-chart').locator('xpath=ancestor::figure').screenshot({ path: path.join(outputDir, 'chart-theory.png') });

  // A cluster run: its charts are over time in seconds.
  await page.getByRole('button', { name: 'SWIM detects a crash' }).click();
  await page.locator('#views-chart polyline.dead').waitFor({ timeout: 60_000 });
  const axis = await page.locator('#views-chart text.axis').allTextContents();
  assert.ok(axis.includes('time (s)') && axis.includes('members per live node'), axis.join(' | '));
  await hoverPoint(page, 'views-chart', 'dead', 20);
  await page.locator('#views-chart-readout', { hasText: /^time / }).waitFor({ timeout: 5_000 });
  assert.match(await page.locator('#views-chart-readout').textContent(), /^time [\d.]+ s: suspect [\d.]+, dead or left [\d.]+$/);
  await page.locator('#views-chart').locator('xpath=ancestor::figure').screenshot({ path: path.join(outputDir, 'chart-cluster-hover.png') });
  assert.deepEqual(errors, []);
});
