// Live mode as people use it: two tabs and a native peer in one room gossip for real through the
// relay. A value written anywhere reaches everyone; a closed tab is detected by the others.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { launchBrowser, nodeBin, openPage, outputDir, startRelay } from './harness.mjs';

let relay;
let browser;
let native;

before(async () => {
  relay = await startRelay();
  browser = await launchBrowser();
});

after(async () => {
  native?.kill('SIGKILL');
  await browser?.close();
  relay?.stop();
});

/** A native peer whose printed lines can be awaited. */
function startNativePeer(room) {
  const ws = relay.url.replace('http://', 'ws://').replace(/\/$/, '');
  const child = spawn(nodeBin, ['peer', '--relay', ws, '--room', room, '--swim-period-ms', '200', '--anti-entropy-ms', '200'], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.waitFor = (text, ms = 15_000) => new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (output.includes(text)) { clearInterval(poll); resolve(); }
      else if (Date.now() - started > ms) { clearInterval(poll); reject(new Error(`native peer never printed ${text}:\n${output}`)); }
    }, 50);
  });
  child.command = (line) => child.stdin.write(`${line}\n`);
  return child;
}

async function storeValue(page, key) {
  const cell = page.locator(`#store tr[data-key="${key}"] td.value`);
  await cell.waitFor({ timeout: 15_000 });
  return cell.textContent();
}

async function write(page, key, value) {
  await page.getByLabel('Key', { exact: true }).fill(key);
  await page.getByLabel('Value', { exact: true }).fill(value);
  await page.getByRole('button', { name: 'Write here' }).click();
}

test('two tabs and a native peer converge, and a closed tab is detected', async () => {
  const room = 'e2e-live';
  const url = `${relay.url}?room=${room}&period=200`;
  const first = await openPage(browser, url);
  const second = await openPage(browser, url);
  for (const { page } of [first, second]) {
    await page.locator('#relay-status.done', { hasText: `room "${room}"` }).waitFor({ timeout: 15_000 });
  }
  native = startNativePeer(room);
  await native.waitFor('joined room e2e-live');

  await write(first.page, 'colour', 'blue');
  await write(second.page, 'shape', 'round');
  native.command('put size large');

  for (const { page } of [first, second]) {
    assert.equal(await storeValue(page, 'colour'), 'blue');
    assert.equal(await storeValue(page, 'shape'), 'round');
    assert.equal(await storeValue(page, 'size'), 'large');
  }
  native.command('get colour');
  await native.waitFor('colour = blue');
  native.command('get shape');
  await native.waitFor('shape = round');
  await first.page.screenshot({ path: path.join(outputDir, 'live.png'), fullPage: true });

  // Close the second tab: the first one and the native peer see it fail.
  const secondId = /as peer (\d+)/.exec(await second.page.locator('#relay-status').textContent())[1];
  await second.page.close();
  await first.page.locator('#members li', { hasText: `peer ${secondId}: dead` }).waitFor({ timeout: 20_000 });
  await native.waitFor(`member ${secondId} failed`);
  assert.deepEqual(first.errors, []);
});
