// Limits said before the run: a scenario too large for the browser (the largest population the
// format allows) is refused by the worker with its estimate and the limit, in English and
// Chinese, when it comes from a share link or from going back to one, and the page stays usable:
// a normal run follows. The sweep form refuses a sweep whose values would not fit a worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { openPage, outputDir, relayAndBrowser } from './harness.mjs';

const shared = relayAndBrowser();

/** A share link's fragment for `scenario`, as gossip-sim's share_link writes it. */
function fragment(scenario) {
  return `#s=v1.${deflateRawSync(Buffer.from(JSON.stringify(scenario)), { level: 9 }).toString('base64url')}`;
}

const largest = { version: 1, nodes: 4294967295, seed: 42, rumor: {} };

/**
 * Waits for the refusal and checks both languages name the estimate and the limit: English, then
 * Chinese once the reader switches (the refusal stays), then back to English.
 */
async function refusal(page) {
  const shown = page.locator('#sim-result.error');
  await shown.waitFor({ timeout: 30_000 });
  const english = await shown.locator('p[lang="en"]').textContent();
  assert.match(english, /^This run was not started: a run of 4294967295 nodes would need about 72\.0 GiB of memory \(estimated before the run\), more than the \d\.\d\d GiB memory a browser worker can use/);
  await page.locator('#lang-zh-CN').click();
  const chinese = await shown.locator('p[lang="zh-CN"]').textContent();
  assert.match(chinese, /^此次运行未启动：4294967295 个节点预计需要约 72\.0 GiB 内存（运行前估算），超过浏览器后台线程可用的 \d\.\d\d GiB 内存/);
  await page.locator('#lang-en').click();
  await shown.locator('p[lang="en"]').waitFor();
  assert.equal(await shown.getAttribute('role'), 'alert');
}

async function runsNormally(page, nodes) {
  await page.locator('#nodes').fill(String(nodes));
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#sim-result.done', { hasText: `${nodes} nodes` }).waitFor({ timeout: 30_000 });
}

test('a share link too large for the browser is refused in both languages, then a run works', async () => {
  const { page, errors } = await openPage(shared.browser, `${shared.relay.url}${fragment(largest)}`);
  // The link opens (the scenario is valid, only too large here): no link error, a refusal.
  await refusal(page);
  assert.equal(await page.locator('#link-error').count(), 0);
  assert.equal(await page.locator('#nodes').inputValue(), '4294967295');
  await page.locator('#sim-result').screenshot({ path: path.join(outputDir, 'limits-refused.png') });
  await runsNormally(page, 300);
  // Back to the large one (the form itself stops at a million nodes), refused again, and a
  // normal run once more.
  await page.goBack();
  await refusal(page);
  await runsNormally(page, 200);
  assert.deepEqual(errors, []);
});

test('a sweep whose runs would not fit a worker is refused before it starts', async () => {
  const cluster = { version: 1, nodes: 20, seed: 1, cluster: { duration: 5000 } };
  const { page, errors } = await openPage(shared.browser, `${shared.relay.url}${fragment(cluster)}`);
  await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
  // 10 to 100,000 live nodes: every node keeps a table of every other.
  await page.getByLabel('Vary').selectOption('nodes');
  await page.getByLabel('Seeds per value').fill('2');
  const plan = page.locator('#sweep-plan.error');
  await plan.waitFor();
  assert.match(await plan.locator('p[lang="en"]').textContent(), /a run of 10000 nodes would need about \d+(\.\d+)? GiB of memory/);
  await page.locator('#lang-zh-CN').click();
  assert.match(await plan.locator('p[lang="zh-CN"]').textContent(), /10000 个节点预计需要约/);
  await page.locator('#lang-en').click();
  assert.ok(await page.getByRole('button', { name: 'Run sweep' }).isDisabled());
  // Up to 1,000 nodes fits: the sweep runs.
  await page.getByLabel('To', { exact: true }).fill('1000');
  await page.locator('#sweep-plan.note').waitFor();
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await page.locator('#sweep-status.done').waitFor({ timeout: 120_000 });
  assert.deepEqual(errors, []);
});

test('a sweep starts one worker per core the browser reports, beyond four', async () => {
  // A browser reporting 8 cores (this machine has 2): the page takes it at its word.
  const page = await shared.browser.newPage({ viewport: { width: 1100, height: 800 } });
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  const workers = [];
  page.on('worker', (worker) => workers.push(worker.url()));
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => 8 });
  });
  await page.goto(`${shared.relay.url}${fragment({ version: 1, nodes: 200, seed: 42, rumor: {} })}`);
  await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
  const before = workers.length;
  await page.getByLabel('Vary').selectOption('fanout');
  await page.getByLabel('To', { exact: true }).fill('3');
  await page.getByLabel('Seeds per value').fill('4');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await page.locator('#sweep-status.done').waitFor({ timeout: 60_000 });
  assert.match(await page.locator('#sweep-status').textContent(), /12 runs on 8 workers/);
  assert.equal(workers.length - before, 8, `workers: ${workers}`);
  assert.deepEqual(errors, []);
  await page.close();
});
