// The page in two languages: a browser set to Chinese gets the page in Chinese, the switch
// (English / 中文) changes it in place without losing the experiment, the choice is kept, and a
// share link opens in its reader's language. Screenshots: tests/e2e/output/i18n-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openPage, outputDir, relayAndBrowser } from './harness.mjs';

const shared = relayAndBrowser();
const phone = { width: 390, height: 844 };

/** A message key shown instead of its text: what the page shows when a catalogue lacks a key. */
const RAW_KEY = /\b(page|sim|form|sweep|graph|live|preset|cluster|chart|timeline|compare|figure|playback|describe|topology|refusal|link|error|state|unit)\.[a-z0-9_]+(\.[a-z0-9_-]+)*\b/;

/** Text of the page's main parts (the tour, if any, included). */
const pageText = (page) => page.locator('body').innerText();

/** The number `pattern`'s group catches in `text`. */
function numberIn(text, pattern) {
  const match = pattern.exec(text);
  assert.ok(match, `${pattern} in ${text}`);
  return Number(match[1]);
}

test('a Chinese browser gets the page in Chinese; the switch keeps the experiment', async () => {
  const { page, errors } = await openPage(shared.browser, shared.relay.url, { locale: 'zh-CN' });
  await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  assert.equal(await page.locator('#sim-title').textContent(), '模拟（Web Worker）');
  assert.equal(await page.locator('#lang-zh-CN').getAttribute('aria-pressed'), 'true');
  assert.equal(await page.getByRole('button', { name: '运行', exact: true }).count(), 1);
  assert.equal(await page.locator('#rerun').textContent(), '换下一个种子再运行');
  assert.equal(await page.locator('#sweep-title').textContent(), '参数扫描');
  assert.equal(await page.locator('#relay-title').textContent(), '实时节点（中继）');
  assert.match(await page.locator('#sim-result').textContent(), /轮后平息/);
  assert.doesNotMatch(await pageText(page), RAW_KEY);

  // A preset by its Chinese name, with its explanation in Chinese.
  await page.getByRole('button', { name: '推：起步快，收尾慢' }).click();
  await page.locator('#preset-explanation', { hasText: '已获知的节点向一个随机节点推送' }).waitFor();
  await page.locator('#sim-result.done', { hasText: '1000 个节点' }).waitFor({ timeout: 30_000 });

  // An experiment of the reader's own: 300 nodes, 10% loss, seed 5.
  await page.getByLabel('节点数', { exact: true }).fill('300');
  await page.getByLabel('丢包率 %', { exact: true }).fill('10');
  await page.getByLabel('种子', { exact: true }).fill('5');
  await page.getByRole('button', { name: '运行', exact: true }).click();
  const chinese = page.locator('#sim-result.done', { hasText: '300 个节点' });
  await chinese.waitFor({ timeout: 30_000 });
  const chineseText = await chinese.textContent();
  assert.match(chineseText, /丢包 10%/);
  const link = page.url();
  await page.screenshot({ path: path.join(outputDir, 'i18n-zh-desktop.png'), fullPage: true });

  // To English: the same scenario and the same run, now said in English; no reload.
  await page.evaluate(() => { window.notReloaded = true; });
  await page.locator('#lang-en').click();
  const english = page.locator('#sim-result.done', { hasText: '300 nodes' });
  await english.waitFor();
  const englishText = await english.textContent();
  assert.match(englishText, /10% loss/);
  assert.equal(numberIn(englishText, /quiet after (\d+) rounds/), numberIn(chineseText, /(\d+) 轮后平息/));
  assert.equal(numberIn(englishText, /(\d+) messages/), numberIn(chineseText, /共 (\d+) 条消息/));
  assert.equal(await page.locator('#sim-title').textContent(), 'Simulation (Web Worker)');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  assert.equal(await page.locator('#lang-en').getAttribute('aria-pressed'), 'true');
  assert.equal(page.url(), link, 'the link is the same: the language is not in it');
  assert.equal(await page.locator('#nodes').inputValue(), '300');
  assert.equal(await page.locator('#loss-percent').inputValue(), '10');
  assert.equal(await page.evaluate(() => window.notReloaded), true, 'switched without a reload');
  assert.doesNotMatch(await pageText(page), RAW_KEY);
  await page.screenshot({ path: path.join(outputDir, 'i18n-en-desktop.png'), fullPage: true });

  // And back to Chinese, the same run again.
  await page.locator('#lang-zh-CN').click();
  await page.locator('#sim-result.done', { hasText: '300 个节点' }).waitFor();
  assert.equal(await page.locator('#sim-result').textContent(), chineseText);
  assert.equal(await page.evaluate(() => localStorage.getItem('gossiplab.lang')), 'zh-CN');
  assert.deepEqual(errors, []);
});

test('the choice is kept across visits, and a share link opens in its reader\'s language', async () => {
  // An English browser: English first; the reader picks Chinese, which stays after a reload.
  const { page, errors } = await openPage(shared.browser, shared.relay.url, { locale: 'en-US' });
  await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('#sim-title').textContent(), 'Simulation (Web Worker)');
  await page.getByLabel('Nodes', { exact: true }).fill('250');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#sim-result.done', { hasText: '250 nodes' }).waitFor({ timeout: 30_000 });
  const link = page.url();
  await page.locator('#lang-zh-CN').click();
  await page.reload();
  await page.locator('#sim-result.done', { hasText: '250 个节点' }).waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('#sim-title').textContent(), '模拟（Web Worker）');
  assert.deepEqual(errors, []);

  // The same link for an English reader and for a Chinese one (fresh browsers): each reads it
  // in their own language.
  const reader = await openPage(shared.browser, link, { locale: 'en-GB' });
  await reader.page.locator('#sim-result.done', { hasText: '250 nodes' }).waitFor({ timeout: 30_000 });
  assert.deepEqual(reader.errors, []);
  const chineseReader = await openPage(shared.browser, link, { locale: 'zh-CN', viewport: phone });
  await chineseReader.page.locator('#sim-result.done', { hasText: '250 个节点' }).waitFor({ timeout: 30_000 });
  assert.doesNotMatch(await pageText(chineseReader.page), RAW_KEY);
  await chineseReader.page.screenshot({ path: path.join(outputDir, 'i18n-zh-phone.png') });
  await chineseReader.page.locator('#sim-title').scrollIntoViewIfNeeded();
  await chineseReader.page.screenshot({ path: path.join(outputDir, 'i18n-zh-phone-result.png') });
  assert.deepEqual(chineseReader.errors, []);

  // A broken link is explained in the reader's language, and the explanation follows a switch.
  const broken = await openPage(shared.browser, `${shared.relay.url}#s=v1.eNqrVkrOz0`, { locale: 'zh-CN' });
  const notice = broken.page.locator('#link-error');
  await notice.waitFor({ timeout: 30_000 });
  assert.match(await notice.textContent(), /^无法打开此链接：.*(截断|损坏)/);
  await broken.page.locator('#lang-en').click();
  await broken.page.locator('#link-error', { hasText: /^This link could not be opened: .*(truncated|cut short)/ }).waitFor();
  await broken.page.setViewportSize(phone);
  await broken.page.locator('#link-error').scrollIntoViewIfNeeded();
  await broken.page.screenshot({ path: path.join(outputDir, 'i18n-en-phone.png') });
  assert.deepEqual(broken.errors, []);
});
