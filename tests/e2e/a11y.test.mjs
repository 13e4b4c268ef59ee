// Accessibility: axe-core (npm, injected into the page) on the main page and on the tour, in
// English and Chinese, light and dark, desktop and phone width. Any serious or critical
// violation fails; the rest are printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { relayAndBrowser } from './harness.mjs';

const shared = relayAndBrowser();
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

async function openIn({ locale = 'en-US', colorScheme = 'light', viewport = { width: 1440, height: 900 } }, url) {
  const context = await shared.browser.newContext({ locale, colorScheme, viewport });
  const page = await context.newPage();
  await page.goto(url);
  return { context, page };
}

/** Runs axe on the page as it stands; returns the serious and critical violations, printing all. */
async function audit(page, label) {
  await page.addScriptTag({ content: axeSource });
  const { violations, passes } = await page.evaluate(async () => {
    const result = await window.axe.run(document);
    return {
      passes: result.passes.length,
      violations: result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        nodes: v.nodes.length,
        targets: v.nodes.slice(0, 4).map((node) => node.target.join(' ')),
      })),
    };
  });
  console.log(`${label}: ${passes} rules pass; violations: ${violations.length === 0 ? 'none'
    : violations.map((v) => `${v.id} (${v.impact}, ${v.nodes} nodes: ${v.targets.join(', ')})`).join('; ')}`);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

test('the main page has no serious or critical accessibility violation', async () => {
  for (const colorScheme of ['light', 'dark']) {
    const { context, page } = await openIn({ colorScheme }, shared.relay.url);
    await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
    assert.deepEqual(await audit(page, `main page (${colorScheme})`), []);
    // With a run pinned and a cluster run's views on screen.
    await page.locator('#pin').click();
    await page.locator('.preset', { hasText: 'SWIM detects a crash' }).click();
    await page.locator('#cluster-result').waitFor({ timeout: 30_000 });
    assert.deepEqual(await audit(page, `cluster run (${colorScheme})`), []);
    // A system model's run, with its results said in words against theory.
    await page.locator('.preset', { hasText: 'Redis Cluster marks a node FAIL' }).click();
    await page.locator('#system-result').waitFor({ timeout: 60_000 });
    await page.locator('#theory-words').waitFor();
    assert.deepEqual(await audit(page, `system run (${colorScheme})`), []);
    await context.close();
  }
});

test('the tour has no serious or critical accessibility violation, in both languages', async () => {
  for (const locale of ['en-US', 'zh-CN']) {
    for (const [viewport, width] of [[{ width: 1440, height: 900 }, 'desktop'], [{ width: 390, height: 844 }, 'phone']]) {
      const { context, page } = await openIn({ locale, viewport }, `${shared.relay.url}#learn=residue`);
      await page.locator('#chapter[data-chapter="residue"]').waitFor();
      await page.locator('#tour-reveal').click();
      await page.locator('#tour-answer p.answer:not(.pending)').waitFor({ timeout: 30_000 });
      await page.locator('.tour-contents summary').click(); // the table of contents open
      assert.deepEqual(await audit(page, `tour, residue (${locale}, ${width})`), []);
      // Compared side by side in the chapter.
      await page.locator('#tour-compare').click();
      await page.locator('#compare-table tr').first().locator('th').nth(2).waitFor({ timeout: 30_000 });
      assert.deepEqual(await audit(page, `tour, residue compared (${locale}, ${width})`), []);
      await context.close();
    }
  }
});
