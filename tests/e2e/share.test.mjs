// Share links as a person uses them: run an edited scenario, copy the URL into a new page and get
// the same numbers; go back to the previous scenario; open a broken link and keep the experiment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { nodeBin, openPage, outputDir, relayAndBrowser } from './harness.mjs';

const shared = relayAndBrowser();

async function resultText(page, hasText) {
  const result = page.locator('#sim-result.done', hasText ? { hasText } : {});
  await result.waitFor({ timeout: 30_000 });
  return result.textContent();
}

test('an edited scenario lives in the URL and replays in a new page', async () => {
  const { page, errors } = await openPage(shared.browser, shared.relay.url);
  const first = await resultText(page, 'seed 42');

  await page.getByLabel('Nodes', { exact: true }).fill('300');
  await page.getByLabel('Direction').selectOption('push_pull');
  await page.getByLabel('Lose interest by').selectOption('coin');
  await page.getByLabel('k', { exact: true }).fill('3');
  await page.getByLabel('Seed', { exact: true }).fill('7');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const edited = await resultText(page, '300 nodes, push-pull rumor mongering (coin 1/3, feedback, fanout 1), seed 7');
  const link = page.url();
  assert.match(link, /#s=v1\./);

  // The same link in a fresh page gives the same run, and the native core agrees.
  const other = await openPage(shared.browser, link);
  assert.equal(await resultText(other.page, 'seed 7'), edited);
  const native = JSON.parse(execFileSync(nodeBin, ['sim', link])).runs[0].summary;
  assert.ok(edited.includes(`quiet after ${native.rounds} rounds`) && edited.includes(`${native.messages} messages`),
    `${edited} vs native ${JSON.stringify(native)}`);
  await other.page.screenshot({ path: path.join(outputDir, 'shared-link.png'), fullPage: true });

  // Back returns to the scenario before the edit.
  await page.goBack();
  assert.equal(await resultText(page, 'seed 42'), first);
  assert.deepEqual(errors, []);
  assert.deepEqual(other.errors, []);
});

test('a broken link says what is wrong and keeps the current experiment', async () => {
  const { page, errors } = await openPage(shared.browser, `${shared.relay.url}#s=v1.eNqrVkrOz0`);
  const notice = page.locator('#link-error');
  await notice.waitFor({ timeout: 15_000 });
  assert.match(await notice.textContent(), /could not be opened: .*(truncated|cut short)/);
  assert.match(await resultText(page), /^100 nodes, push rumor mongering .* seed 42:/);

  // A bad value in the form is refused before it runs.
  await page.getByLabel('Nodes', { exact: true }).fill('1');
  await page.getByLabel('Seed', { exact: true }).click(); // leaving the field commits the edit
  assert.equal(await page.getByRole('button', { name: 'Run', exact: true }).isDisabled(), true);
  await page.screenshot({ path: path.join(outputDir, 'broken-link.png'), fullPage: true });
  assert.deepEqual(errors, []);
});
