// Figures of the playground in headless Chromium, printed rather than asserted (timings belong
// in measurements, not in pass/fail): first paint, the page's transfer size (gzip of the wasm,
// JavaScript and CSS it loads), the animation frame rate and draw time while the graph animates
// at 1,000, 10,000 and 100,000 nodes (every node drawn) on WebGL2 and on Canvas 2D (WebGL2 taken
// away by an init script, so the fallback draws), and the longest task on the page's thread while
// a 1,000,000-node run works in the worker, and 10,000 nodes again at devicePixelRatio 2 (the
// graph's backing store then has four times the pixels). Headless Chromium renders WebGL2 in software here
// (SwiftShader), so its frame rates are CPU figures. The test fails on errors, on a renderer other
// than the one asked for, and on a graph that was not drawn; never on a frame rate.
// Run alone: `cd tests/e2e && node --test perf.test.mjs`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { distDir, outputDir, relayAndBrowser } from './harness.mjs';

const shared = relayAndBrowser();

/** Takes WebGL2 away from every canvas of the page, as a browser without it would. */
function withoutWebGl2() {
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
    return kind === 'webgl2' ? null : getContext.call(this, kind, ...rest);
  };
}

async function open(browser, url, { canvasOnly = false, deviceScaleFactor = 1 } = {}) {
  const page = await browser.newPage({ viewport: { width: 1100, height: 800 }, deviceScaleFactor });
  const errors = [];
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  page.on('pageerror', (error) => errors.push(String(error)));
  if (canvasOnly) await page.addInitScript(withoutWebGl2);
  await page.goto(url);
  await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
  return { page, errors };
}

async function runNodes(page, nodes, timeout = 120_000) {
  await page.getByLabel('Nodes', { exact: true }).fill(String(nodes));
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#sim-result.done', { hasText: `${nodes} nodes` }).waitFor({ timeout });
}

/**
 * Plays the timeline from the start at 15 rounds/s to its end and counts the animation frames
 * drawn while the graph animates: those from the first graph draw after Play to the last one (the
 * fade of the last round included, the idle frames after it not). Playback stops by itself at the
 * last round, so nothing is clicked to stop it.
 */
async function playback(page) {
  await page.locator('#speed').selectOption('15');
  await page.evaluate(() => {
    performance.clearMeasures('graph-draw');
    performance.clearMeasures('graph-prepare');
    window.__frames = [];
    window.__counting = true;
    const step = (t) => {
      window.__frames.push(t);
      if (window.__counting) requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
  const play = page.locator('#play');
  await play.click();
  await page.waitForFunction(() => document.querySelector('#play')?.textContent === 'Play', null,
    { timeout: 120_000, polling: 50 });
  // The last round's messages fade for 700 ms after playback stops.
  await page.waitForTimeout(1_000);
  const { frames, draws, prepares } = await page.evaluate(() => {
    window.__counting = false;
    return {
      frames: window.__frames,
      draws: performance.getEntriesByName('graph-draw').map((e) => [e.startTime, e.duration]),
      // The next round's layers, made between frames (WebGL2 only).
      prepares: performance.getEntriesByName('graph-prepare').map((e) => e.duration),
    };
  });
  assert.ok(draws.length > 1, 'the graph was drawn while playing');
  const first = draws[0][0];
  const last = draws.at(-1)[0];
  const animating = frames.filter((t) => t >= first && t <= last + 1);
  const gaps = animating.slice(1).map((t, i) => t - animating[i]);
  const durations = draws.map((d) => d[1]);
  const backing = await page.evaluate(() => document.querySelector('canvas#graph').width);
  return {
    fps: Number(((animating.length - 1) / ((animating.at(-1) - animating[0]) / 1000)).toFixed(1)),
    windowMs: Math.round(last - first),
    // Frames that took longer than one and a half 60 Hz frames: each one at least one missed.
    slowFrames: gaps.filter((gap) => gap > 25).length,
    worstFrameMs: Number(Math.max(...gaps).toFixed(1)),
    draws: draws.length,
    meanDrawMs: Number((durations.reduce((a, b) => a + b, 0) / durations.length).toFixed(2)),
    maxDrawMs: Number(Math.max(...durations).toFixed(2)),
    prepares: prepares.length,
    meanPrepareMs: prepares.length ? Number((prepares.reduce((a, b) => a + b, 0) / prepares.length).toFixed(2)) : null,
    backingPx: backing,
  };
}

/** The gzip size (level 9) of every wasm, JavaScript and CSS file Trunk built, and of the page. */
function transferSizes() {
  const files = readdirSync(distDir).filter((name) => /\.(wasm|js|css|html)$/.test(name));
  const sizes = files.map((name) => {
    const bytes = readFileSync(path.join(distDir, name));
    return { file: name, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
  return { sizes, total: sizes.reduce((sum, s) => sum + s.gzip, 0) };
}

async function measure(page, nodes, renderer, { note = '', suffix = '' } = {}) {
  await runNodes(page, nodes);
  const graph = page.locator('canvas#graph');
  // Every node drawn (no sample).
  assert.match(await graph.getAttribute('aria-label'), new RegExp(`Network of ${nodes} nodes`));
  const figures = await playback(page);
  assert.equal(await graph.getAttribute('data-renderer'), renderer);
  // Other work on the machine slows software GL and Canvas alike: said beside the figures.
  const load = loadavg()[0].toFixed(1);
  console.log(`${nodes.toLocaleString('en')} nodes, ${renderer}${note ? `, ${note}` : ''} (load average ${load}):`, JSON.stringify(figures));
  await screenshotMidway(page, `graph-${renderer}-${nodes}${suffix}.png`);
  return figures;
}

/** The graph half-way through the run, its messages faded to their trace. */
async function screenshotMidway(page, name) {
  const slider = page.getByRole('slider', { name: 'Round' });
  await slider.fill(String(Math.floor(Number(await slider.getAttribute('max')) / 2)));
  await page.waitForTimeout(800);
  await page.locator('canvas#graph').screenshot({ path: path.join(outputDir, name) });
}

test('playground figures: paint, transfer, frame rates on WebGL2 and Canvas 2D, long tasks', async () => {
  const { sizes, total } = transferSizes();
  console.log('transfer (gzip -9 of what the page and its worker load):', JSON.stringify(sizes));
  console.log(`transfer total: ${total} bytes gzip (${(total / 1024).toFixed(0)} KiB; target under 1 MB)`);

  const { page, errors } = await open(shared.browser, shared.relay.url);
  const paint = await page.evaluate(() => Object.fromEntries(
    performance.getEntriesByType('paint').map((e) => [e.name, Math.round(e.startTime)])));
  console.log('paint (ms):', JSON.stringify(paint));
  assert.ok(paint['first-contentful-paint'] > 0);
  const renderer = await page.evaluate(() => {
    const gl = document.createElement('canvas').getContext('webgl2');
    const info = gl?.getExtension('WEBGL_debug_renderer_info');
    return info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : 'none';
  });
  console.log('WebGL2 renderer:', renderer);

  await measure(page, 1000, 'webgl2');
  await measure(page, 10000, 'webgl2');
  await measure(page, 100000, 'webgl2');

  // Long tasks on the page's thread while the worker runs a million nodes.
  await page.evaluate(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => window.__longTasks.push(...list.getEntries().map((e) => e.duration)))
      .observe({ type: 'longtask' });
  });
  const started = Date.now();
  await runNodes(page, 1000000, 180_000);
  const seconds = (Date.now() - started) / 1000;
  const longTasks = await page.evaluate(() => window.__longTasks);
  console.log(`1,000,000 nodes in the worker: ${seconds.toFixed(1)} s to the result; long tasks on the page: ${longTasks.length}, longest ${Math.max(0, ...longTasks).toFixed(0)} ms`);
  // A million nodes drawn whole, as density, with the same timeline and zoom.
  const density = await playback(page);
  console.log('1,000,000 nodes as density, webgl2:', JSON.stringify(density));
  await screenshotMidway(page, 'graph-webgl2-1000000.png');
  assert.deepEqual(errors, []);
  await page.close();

  // The same runs drawn on Canvas 2D, where WebGL2 is missing.
  const fallback = await open(shared.browser, shared.relay.url, { canvasOnly: true });
  await measure(fallback.page, 10000, 'canvas2d');
  await measure(fallback.page, 100000, 'canvas2d');
  await runNodes(fallback.page, 1000000, 180_000);
  await screenshotMidway(fallback.page, 'graph-canvas2d-1000000.png');
  assert.deepEqual(fallback.errors, []);
  await fallback.page.close();

  // The backing store follows devicePixelRatio: at 2 it has four times the pixels to fill.
  const dense = await open(shared.browser, shared.relay.url, { deviceScaleFactor: 2 });
  await measure(dense.page, 10000, 'webgl2', { note: 'devicePixelRatio 2', suffix: '-dpr2' });
  assert.deepEqual(dense.errors, []);
  await dense.page.close();
});
