// Record a live room in two tabs and replay it in the playground: both tabs record what their
// node lives through, the first asks the relay to record the room; one writes, the other is
// closed. Each tab's recording downloads (the closed one just before closing, so a replay reads
// it as a crash), and so does the room's. Dropped on a playground page, the worker merges them
// and runs the replay: every figure recorded beside simulated, with numbers, and the relay's
// count of each peer's messages. What if: a halved SWIM period reruns it beside. The scenario on
// screen downloads as a scenario file, which `gossip-node sim` runs and another playground page
// opens as its experiment; a scenario too long for a link says so. A file of another recording
// version, a file that is neither a recording nor a scenario, and a scenario of another version
// are refused in words (English, then Chinese) and the replay stays.
// Screenshots: tests/e2e/output/replay-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { nodeBin, openPage, outputDir, relayAndBrowser } from './harness.mjs';

const PERIOD_MS = 200;

const shared = relayAndBrowser();

/** Clicks `selector` on `page` and resolves with the text of the file it downloads. */
async function download(page, selector) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.locator(selector).click()]);
  const saved = path.join(outputDir, `replay-${file.suggestedFilename()}`);
  await file.saveAs(saved);
  return { name: file.suggestedFilename(), text: await readFile(saved, 'utf8'), saved };
}

/** Drops `files` ({ name, text }) on the replay panel, as a person drags them from a folder. */
async function drop(page, files) {
  await page.evaluate((files) => {
    const data = new DataTransfer();
    for (const { name, text } of files) data.items.add(new File([text], name, { type: name.endsWith('.json') ? 'application/json' : 'application/x-ndjson' }));
    const zone = document.querySelector('#replay-drop');
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  }, files);
}

/** The replay table's rows: { figure, of, recorded, simulated, difference, whatIf, relay }. */
function tableRows(page) {
  return page.locator('#replay-table tbody tr').evaluateAll((rows) => rows.map((row) => {
    const cells = [...row.querySelectorAll('td')].map((cell) => cell.textContent.trim());
    return {
      figure: row.dataset.figure,
      of: cells[0],
      recorded: row.querySelector('td.recorded')?.textContent.trim(),
      simulated: row.querySelector('td.simulated')?.firstChild?.textContent.trim(),
      difference: row.querySelector('td.difference')?.textContent.trim(),
      whatIf: row.querySelectorAll('td.simulated')[1]?.firstChild?.textContent.trim(),
      relay: row.querySelector('td.relay')?.textContent.trim(),
    };
  }));
}

const number = (text) => Number(String(text).replace(/,/g, '').replace(/^\+/, '').split(/\s|\//)[0]);

test('two recording tabs, a write and a closed tab replay in the playground beside the simulator', async () => {
  const { relay, browser } = shared;
  const room = 'e2e-replay';
  const first = await openPage(browser, `${relay.url}?room=${room}&period=${PERIOD_MS}&record=1&relay_record=1`);
  await first.page.locator('#relay-status.done', { hasText: `room "${room}"` }).waitFor({ timeout: 15_000 });
  const second = await openPage(browser, `${relay.url}?room=${room}&period=${PERIOD_MS}&record=1`);
  await second.page.locator('#relay-status.done', { hasText: `room "${room}"` }).waitFor({ timeout: 15_000 });
  for (const { page } of [first, second]) {
    assert.equal(await page.locator('#live-record').isChecked(), true);
    await page.locator('#live-graph g.member.alive').nth(1).waitFor({ timeout: 10_000 });
  }
  assert.equal(await first.page.locator('#live-relay-record').isChecked(), true);
  // A write at the first tab reaches the second.
  await first.page.getByLabel('Key', { exact: true }).fill('colour');
  await first.page.getByLabel('Value', { exact: true }).fill('blue');
  await first.page.getByRole('button', { name: 'Write here' }).click();
  await second.page.locator('#store tr[data-key="colour"] td.value', { hasText: 'blue' }).waitFor({ timeout: 10_000 });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  assert.match(await second.page.locator('#live-record-status').textContent(), /^Recording: [\d.]+ (KB|bytes|MB) so far/);
  await second.page.locator('#live-recording').screenshot({ path: path.join(outputDir, 'replay-recording-switch.png') });

  // The second tab's recording so far, then the tab is closed: a crash, as the others see it.
  const secondId = /as peer (\d+)/.exec(await second.page.locator('#relay-status').textContent())[1];
  const closing = await download(second.page, '#live-download');
  await second.page.close();
  await first.page.locator('#members li', { hasText: `peer ${secondId}: dead` }).waitFor({ timeout: 20_000 });
  await new Promise((resolve) => setTimeout(resolve, 500));
  // The first tab ends its recording (it stayed), then downloads it and the room's.
  await first.page.locator('#live-record').uncheck();
  assert.match(await first.page.locator('#live-record-status').textContent(), /^Recording ended: /);
  const staying = await download(first.page, '#live-download');
  const roomFile = await download(first.page, '#live-room-recording');
  assert.match(roomFile.text.split('\n')[0], /"format":"gossiplab-relay-recording"/);
  for (const file of [closing, staying]) assert.match(file.text.split('\n')[0], /"format":"gossiplab-recording","version":1/);
  assert.match(staying.text.trim().split('\n').at(-1), /"kind":"end"/);
  assert.doesNotMatch(closing.text.trim().split('\n').at(-1), /"kind":"end"/);

  // Dropped on a playground page: recorded vs simulated, side by side, with numbers.
  const playground = await openPage(browser, relay.url);
  const { page } = playground;
  await page.locator('#replay-drop').waitFor({ timeout: 30_000 });
  await drop(page, [staying, closing, roomFile]);
  await page.locator('#replay-summary', { hasText: '2 peers from 3 files' }).waitFor({ timeout: 60_000 });
  await page.locator('#replay-table tbody tr').first().waitFor();
  const rows = await tableRows(page);
  // Sent and received counted over the same pairs and windows: never more arrive than were sent.
  const fit = await page.locator('#replay-fit').textContent();
  console.log(fit);
  const [, received, sent] = /Loss: ([\d,]+) of ([\d,]+) messages/.exec(fit).map(number);
  assert.ok(sent > 0 && received <= sent, fit);
  console.log(rows.map((row) => `${row.figure} | ${row.of} | ${row.recorded} | ${row.simulated} | ${row.difference} | relay ${row.relay}`).join('\n'));
  assert.deepEqual(rows.map((row) => row.figure), ['spread', 'first suspicion', 'first declared dead', 'declared dead everywhere',
    'messages/s', 'bytes/s', 'messages/s', 'bytes/s']);
  assert.match(rows[0].of, /^write colour at node 0 \(peer \d+\), [\d.]+ s$/);
  assert.match(rows[1].of, new RegExp(`^crash of node 1 \\(peer ${secondId}\\), [\\d.]+ s$`));
  for (const row of rows) {
    assert.ok(Number.isFinite(number(row.recorded)), `recorded ${row.recorded}`);
    assert.ok(Number.isFinite(number(row.simulated)), `simulated ${row.simulated}`);
    assert.ok(Math.abs(number(row.simulated) - number(row.recorded) - number(row.difference)) <= 1.5,
      `${row.figure}: ${row.simulated} - ${row.recorded} = ${row.difference}`);
  }
  // The crash was declared dead in the recording within SWIM's bound for two members (a probe,
  // the suspicion, the verdict: a few periods), and every rate is a peer's own.
  assert.ok(number(rows[2].recorded) < 20 * PERIOD_MS, rows[2].recorded);
  // The relay counted each peer's frames: the same order of magnitude as the tab recorded.
  for (const row of rows.slice(4)) {
    assert.ok(number(row.relay) > 0, `relay ${row.relay}`);
    const ratio = number(row.relay) / number(row.recorded);
    assert.ok(ratio > 0.5 && ratio < 2, `${row.figure} ${row.of}: relay ${row.relay} vs recorded ${row.recorded}`);
  }
  // The replayed scenario is the playground's now: it ran there too.
  await page.locator('#sim-result.done').waitFor({ timeout: 60_000 });
  await page.locator('#replay').screenshot({ path: path.join(outputDir, 'replay-table.png') });

  // What if SWIM ran twice as often? The rerun's figures come beside the replay's.
  await page.locator('#replay-period').fill(String(PERIOD_MS / 2));
  await page.locator('#replay-period').dispatchEvent('change');
  await page.locator('#replay-table th.what-if', { hasText: `What if: SWIM every ${PERIOD_MS / 2} ms` }).waitFor({ timeout: 60_000 });
  await page.waitForFunction(() => [...document.querySelectorAll('#replay-table tbody tr')]
    .every((row) => row.querySelectorAll('td.simulated').length === 2), null, { timeout: 60_000 });
  const whatIf = await tableRows(page);
  console.log(`first declared dead: recorded ${whatIf[2].recorded}, simulated ${whatIf[2].simulated}, period halved ${whatIf[2].whatIf}`);
  assert.ok(number(whatIf[2].whatIf) < number(whatIf[2].simulated), `${whatIf[2].whatIf} vs ${whatIf[2].simulated}`);
  assert.equal(await page.locator('#swim-period').inputValue(), String(PERIOD_MS / 2), 'the playground\'s knob shows the change');
  await page.locator('#replay').screenshot({ path: path.join(outputDir, 'replay-what-if.png') });

  // The scenario on screen (the what if) travels as the page's link, its length said beside
  // "Download scenario", and as a file in the scenario format.
  const scenarioNote = page.locator('#replay-scenario');
  const linkText = await scenarioNote.textContent();
  const linkChars = number(/link holds this scenario \(([\d,]+) characters, within the 8,000/.exec(linkText)?.[1]);
  console.log(`link of the what if: ${linkChars} characters (${page.url().length} in the address bar)`);
  assert.equal(linkChars, page.url().length, linkText);
  const scenarioFile = await download(page, '#replay-download-scenario');
  assert.equal(scenarioFile.name, 'gossiplab-scenario.json');
  const scenario = JSON.parse(scenarioFile.text);
  assert.equal(scenario.version, 2, 'a replay joins its peers: scenario version 2');
  assert.equal(scenario.nodes, 2);
  assert.equal(scenario.cluster.node.swim.protocol_period, PERIOD_MS / 2);
  assert.deepEqual(scenario.cluster.faults.map((fault) => fault.fault.kind), ['join', 'put', 'crash']);
  // The command line runs the downloaded file as it is.
  const simulated = JSON.parse(execFileSync(nodeBin, ['sim', scenarioFile.saved, '--format', 'json'], { encoding: 'utf8' }));
  assert.deepEqual(simulated.scenario, scenario);
  const summary = simulated.runs[0].summary;
  assert.deepEqual([summary.nodes, summary.crashes, summary.detected, summary.writes, summary.writes_reaching_all], [2, 1, 1, 1, 1]);
  console.log(`gossip-node sim ${scenarioFile.name}: detection ${summary.mean_detection_ms} ms, write spread ${summary.mean_dissemination_ms} ms`);
  // Another playground page opens the file as its experiment: the same link, the same knobs.
  const opener = await openPage(browser, relay.url);
  await opener.page.locator('#replay-drop').waitFor({ timeout: 30_000 });
  await drop(opener.page, [scenarioFile]);
  await opener.page.locator('#replay-opened', { hasText: 'Opened gossiplab-scenario.json as the playground\'s experiment.' }).waitFor({ timeout: 10_000 });
  await opener.page.waitForFunction((hash) => window.location.hash === hash, new URL(page.url()).hash, { timeout: 30_000 });
  assert.equal(await opener.page.locator('#swim-period').inputValue(), String(PERIOD_MS / 2));
  assert.equal(await opener.page.locator('#nodes').inputValue(), '2');
  await opener.page.locator('#sim-result.done').waitFor({ timeout: 60_000 });
  // Neither a recording nor a scenario, or a scenario of another version: refused in words.
  const openerError = opener.page.locator('#replay-error');
  await drop(opener.page, [{ name: 'notes.json', text: '{"hello": "world"}' }]);
  await openerError.filter({ hasText: /^notes\.json is neither a GossipLab recording nor a scenario file: / }).waitFor({ timeout: 30_000 });
  await drop(opener.page, [{ name: 'newer.json', text: scenarioFile.text.replace('"version": 2', '"version": 9') }]);
  await openerError.filter({ hasText: 'newer.json is a scenario file but does not open: scenario version 9 is not supported (this build reads version 2).' }).waitFor({ timeout: 5_000 });
  await opener.page.locator('#lang-zh-CN').click();
  await openerError.filter({ hasText: 'newer.json 是场景文件，但无法打开：不支持场景版本 9（此版本读取版本 2）。' }).waitFor({ timeout: 5_000 });
  assert.equal(await opener.page.locator('#swim-period').inputValue(), String(PERIOD_MS / 2), 'the experiment open stays');
  await opener.page.locator('#replay').screenshot({ path: path.join(outputDir, 'replay-scenario-refused-zh.png') });
  await opener.page.close();
  // A what if with 720 more writes is too long for a link (about 11 characters a write, once
  // compressed; 1,000 would pass the 64 KiB a link may unpack to): the panel says so and offers
  // the file.
  const longer = structuredClone(scenario);
  for (let index = 0; index < 720; index += 1) {
    longer.cluster.faults.push({ at: 13_000 + index, fault: { kind: 'put', node: index % 2, key: `key-${index}`, value: `value ${index}` } });
  }
  longer.cluster.faults.sort((a, b) => a.at - b.at);
  await drop(page, [{ name: 'longer.json', text: JSON.stringify(longer, null, 2) }]);
  await page.locator('#replay-opened', { hasText: 'longer.json' }).waitFor({ timeout: 10_000 });
  await page.locator('#replay-scenario.too-long').waitFor({ timeout: 60_000 });
  const tooLong = await scenarioNote.textContent();
  console.log(tooLong);
  assert.match(tooLong, /^Download scenario Its link would be [\d,]+ characters long, more than the 8,000 a link is kept to: download the scenario as a file instead\.$/);
  assert.ok(number(/be ([\d,]+) characters/.exec(tooLong)[1]) > 8_000);
  await scenarioNote.scrollIntoViewIfNeeded();
  await page.locator('#replay').screenshot({ path: path.join(outputDir, 'replay-scenario-too-long.png') });
  const longerFile = await download(page, '#replay-download-scenario');
  assert.deepEqual(JSON.parse(longerFile.text), longer);
  // The limit is for carrying a link through mail, chat and documents: Chromium itself opens
  // the longer link (its own limit is 2 MiB).
  const longUrl = page.url();
  const reopened = await openPage(browser, longUrl);
  await reopened.page.locator('#sim-result.done').waitFor({ timeout: 60_000 });
  assert.equal(await reopened.page.locator('#swim-period').inputValue(), String(PERIOD_MS / 2));
  console.log(`Chromium opened the ${longUrl.length}-character link of the longer what if`);
  assert.deepEqual(reopened.errors, []);
  await reopened.page.close();

  // A recording of another version is refused in words; the replay on screen stays.
  const newer = { name: 'newer.jsonl', text: staying.text.replace('"version":1', '"version":9') };
  await drop(page, [newer, closing]);
  const error = page.locator('#replay-error');
  await error.waitFor({ timeout: 30_000 });
  assert.equal(await error.textContent(), 'newer.jsonl is recording version 9, this page reads version 1: it was '
    + 'written by a newer build; replay it with that build. The replay on screen is kept.');
  assert.equal(await page.locator('#replay-table tbody tr').count(), rows.length);
  await page.locator('#lang-zh-CN').click();
  await error.filter({ hasText: 'newer.jsonl 是录制格式版本 9，本页面读取版本 1' }).waitFor({ timeout: 5_000 });
  await page.locator('#replay').screenshot({ path: path.join(outputDir, 'replay-error-zh.png') });
  await page.locator('#lang-en').click();

  // The file picker takes the same files (for keyboard users).
  await page.locator('#replay-files').setInputFiles([
    { name: staying.name, mimeType: 'application/x-ndjson', buffer: Buffer.from(staying.text) },
    { name: closing.name, mimeType: 'application/x-ndjson', buffer: Buffer.from(closing.text) },
  ]);
  await page.locator('#replay-summary', { hasText: '2 peers from 2 files' }).waitFor({ timeout: 60_000 });
  await page.locator('#replay-error').waitFor({ state: 'detached', timeout: 5_000 });

  for (const { errors } of [first, second, playground]) assert.deepEqual(errors, []);
});
