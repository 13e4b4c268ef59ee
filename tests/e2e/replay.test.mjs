// Record a live room in two tabs and replay it in the playground: both tabs record what their
// node lives through, the first asks the relay to record the room; one writes, the other is
// closed. Each tab's recording downloads (the closed one just before closing, so a replay reads
// it as a crash), and so does the room's. Dropped on a playground page, the worker merges them
// and runs the replay: every figure recorded beside simulated, with numbers, and the relay's
// count of each peer's messages. What if: a halved SWIM period reruns it beside. A file of
// another recording version is refused in words (English, then Chinese) and the replay stays.
// Screenshots: tests/e2e/output/replay-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { openPage, outputDir, relayAndBrowser } from './harness.mjs';

const PERIOD_MS = 200;

const shared = relayAndBrowser();

/** Clicks `selector` on `page` and resolves with the text of the file it downloads. */
async function download(page, selector) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.locator(selector).click()]);
  const saved = path.join(outputDir, `replay-${file.suggestedFilename()}`);
  await file.saveAs(saved);
  return { name: file.suggestedFilename(), text: await readFile(saved, 'utf8') };
}

/** Drops `files` ({ name, text }) on the replay panel, as a person drags them from a folder. */
async function drop(page, files) {
  await page.evaluate((files) => {
    const data = new DataTransfer();
    for (const { name, text } of files) data.items.add(new File([text], name, { type: 'application/x-ndjson' }));
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
