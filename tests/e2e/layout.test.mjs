// Large screens: at 3840 x 2160 (a 4K monitor at devicePixelRatio 1) and at 1920 x 1080 with
// devicePixelRatio 2 (the same monitor scaled 200%), the page uses the space: the graph grows
// with the stage, text is readable, nothing overflows sideways, and the graph canvas's backing
// store follows its size on screen in device pixels (sharp: at least 0.95 of one pixel per device
// pixel), also after the side panel closes and the graph grows.
// Screenshots: tests/e2e/output/layout-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { outputDir, relayAndBrowser } from './harness.mjs';

const shared = relayAndBrowser();

/** The page's measures: viewport, overflow, the graph's box and backing store, text sizes. */
async function measures(page) {
  return page.evaluate(() => {
    const box = (selector) => {
      const element = document.querySelector(selector);
      if (!element) return null;
      const rect = element.getBoundingClientRect();
      return { width: rect.width, height: rect.height, left: rect.left };
    };
    const graph = document.querySelector('#graph');
    const px = (selector) => parseFloat(getComputedStyle(document.querySelector(selector)).fontSize);
    return {
      dpr: window.devicePixelRatio,
      viewport: window.innerWidth,
      scrollWidth: document.documentElement.scrollWidth,
      graph: box('#graph'),
      backing: graph ? { width: graph.width, height: graph.height } : null,
      stage: box('.stage'),
      chart: box('#sir-chart, .chart-frame'),
      bodyFont: px('body'),
      resultFont: px('#sim-result'),
      // HTML text's size; a chart's SVG text is sized in the chart's own units, so measured
      // on screen (the height of each label's box).
      smallestFont: Math.min(...[...document.querySelectorAll('.stage *, .knobs *, .side *')]
        .filter((element) => !element.closest('svg') && [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
        .map((element) => parseFloat(getComputedStyle(element).fontSize))),
      smallestChartText: Math.min(...[...document.querySelectorAll('.stage svg text')]
        .filter((text) => text.textContent.trim() && text.getBoundingClientRect().height > 0)
        .map((text) => text.getBoundingClientRect().height)),
    };
  });
}

for (const { name, viewport, deviceScaleFactor, minGraph, minFont } of [
  // 4K at 100%: a graph of at least 900 CSS px, body text at least 20 px.
  { name: '4k', viewport: { width: 3840, height: 2160 }, deviceScaleFactor: 1, minGraph: 900, minFont: 20 },
  // 1080p at 200% (4K's device pixels): the graph fills its share of the stage.
  { name: '1080p-dpr2', viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 2, minGraph: 560, minFont: 16 },
]) {
  test(`a large screen is used: ${name}`, async () => {
    const context = await shared.browser.newContext({ viewport, deviceScaleFactor, locale: 'en-US' });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(shared.relay.url);
    await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
    await page.locator('#graph').waitFor();
    const open = await measures(page);
    console.log(`${name}: ${JSON.stringify(open)}`);
    assert.equal(open.dpr, deviceScaleFactor);
    assert.ok(open.scrollWidth <= open.viewport, `no sideways scroll: ${open.scrollWidth} > ${open.viewport}`);
    assert.ok(open.graph.width >= minGraph, `graph ${open.graph.width} CSS px wide (at least ${minGraph})`);
    assert.ok(open.graph.width <= 1000 + 2, `graph ${open.graph.width} CSS px wide (at most 1,000)`);
    assert.ok(open.stage.width >= viewport.width * 0.45, `stage ${open.stage.width} of ${viewport.width}`);
    assert.ok(open.bodyFont >= minFont, `body text ${open.bodyFont} px`);
    assert.ok(open.smallestFont >= minFont * 0.75, `smallest text ${open.smallestFont} px`);
    assert.ok(open.smallestChartText >= minFont * 0.7, `smallest chart label ${open.smallestChartText} px high`);
    const sharpness = (m) => m.backing.width / (m.graph.width * m.dpr);
    const sharp = (m, when) => {
      console.log(`${name} (${when}): graph canvas backing store ${m.backing.width} px for ${Math.round(m.graph.width * m.dpr)} device px on screen (${sharpness(m).toFixed(3)} of sharp)`);
      assert.ok(sharpness(m) >= 0.95, `${when}: backing store ${m.backing.width} px for ${m.graph.width} CSS px at devicePixelRatio ${m.dpr}`);
      assert.equal(m.backing.height, m.backing.width, 'a square backing store');
    };
    sharp(open, 'side panel open');
    await page.screenshot({ path: path.join(outputDir, `layout-${name}.png`) });
    await page.locator('#graph').screenshot({ path: path.join(outputDir, `layout-${name}-graph.png`) });

    // The side panel closed: the stage takes its room, the graph stays within bounds, and its
    // backing store grows with it (a resize the window never sees).
    await page.locator('#side-close').click();
    await page.waitForFunction((width) => document.querySelector('#graph').width > width, open.backing.width, { timeout: 5_000 })
      .catch(() => {});
    const closed = await measures(page);
    assert.ok(closed.stage.width > open.stage.width);
    assert.ok(closed.scrollWidth <= closed.viewport);
    assert.ok(closed.graph.width >= open.graph.width);
    sharp(closed, 'side panel closed');

    // A cluster run at the same size, with its playback.
    await page.locator('#side-toggle').click();
    await page.locator('.preset', { hasText: 'SWIM detects a crash' }).click();
    await page.locator('#cluster-result').waitFor({ timeout: 60_000 });
    const cluster = await measures(page);
    assert.ok(cluster.scrollWidth <= cluster.viewport);
    await page.screenshot({ path: path.join(outputDir, `layout-${name}-cluster.png`) });
    assert.deepEqual(errors, []);
    await context.close();
  });
}
