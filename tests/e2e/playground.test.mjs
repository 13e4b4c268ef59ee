// The scenario form as a person uses it: the simple epidemic with its theory curve, then the same
// rumor on a lossy ring, checked against the native core through the page's own share link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { nodeBin, openPage, outputDir, relayAndBrowser } from './harness.mjs';

const shared = relayAndBrowser();

test('theory curves appear where they apply, and topology and loss reach the core', async () => {
  const { page, errors } = await openPage(shared.browser, shared.relay.url);
  await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });

  await page.getByLabel('Nodes', { exact: true }).fill('1000');
  await page.getByLabel('Lose interest by').selectOption('never');
  assert.equal(await page.getByLabel('k', { exact: true }).isDisabled(), true);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#sim-result.done', { hasText: '1000 nodes, push rumor mongering (never loses interest' }).waitFor({ timeout: 30_000 });
  await page.locator('#theory-curve').waitFor({ timeout: 5_000 });
  assert.match(await page.locator('#sim-result').textContent(), /every node knew by round \d+/);
  await page.screenshot({ path: path.join(outputDir, 'theory.png'), fullPage: true });

  await page.getByLabel('Topology').selectOption('ring');
  await page.getByLabel('Loss %').fill('20');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const result = page.locator('#sim-result.done', { hasText: 'on a ring (1 links each side), 20% loss' });
  await result.waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('#theory-curve').count(), 0, 'no mean-field curve for a ring');
  const text = await result.textContent();
  const native = JSON.parse(execFileSync(nodeBin, ['sim', page.url()])).runs[0].summary;
  assert.ok(text.includes(`quiet after ${native.rounds} rounds`) && text.includes(`${native.messages} messages`),
    `${text} vs native ${JSON.stringify(native)}`);
  await page.screenshot({ path: path.join(outputDir, 'ring.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('the graph replays the run round by round', async () => {
  const { page, errors } = await openPage(shared.browser, shared.relay.url);
  await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
  const canvas = page.locator('canvas#graph');
  await canvas.waitFor();
  const label = page.locator('#round-label');
  const last = Number(/of (\d+)/.exec(await label.textContent())[1]);
  assert.ok(last > 5, `a run of ${last} rounds`);
  assert.equal(await label.textContent(), `Round ${last} of ${last}`, 'a new run shows its end');

  // Scrub to the start: only the origin knows.
  await page.getByRole('slider', { name: 'Round' }).fill('0');
  assert.equal(await label.textContent(), `Round 0 of ${last}`);
  assert.match(await canvas.getAttribute('aria-label'), /after round 0: 99 susceptible, 1 infective, 0 removed/);
  await page.getByRole('button', { name: 'Step' }).click();
  assert.equal(await label.textContent(), `Round 1 of ${last}`);
  // The round's one message (the origin's push) is drawn, then fades to a trace.
  assert.equal(await page.locator('#round-messages-text').innerText(),
    'Round 1: 1 message: 1 informed a node, 0 reached a node that knew, 0 lost.');
  // Read back at once (a screenshot can take longer than the 700 ms fade on a busy machine).
  const picture = () => page.evaluate(() => {
    const graph = document.getElementById('graph');
    const copy = document.createElement('canvas');
    [copy.width, copy.height] = [graph.width, graph.height];
    copy.getContext('2d').drawImage(graph, 0, 0);
    return copy.toDataURL();
  });
  const fresh = await picture();
  await page.waitForTimeout(1_000);
  assert.notEqual(fresh, await picture(), 'the message fades');
  const early = await canvas.screenshot();

  // Play to the end; the canvas changes as it goes.
  await page.getByRole('button', { name: 'Play' }).click();
  await page.locator('#round-label', { hasText: `Round ${last} of ${last}` }).waitFor({ timeout: 20_000 });
  await page.getByRole('button', { name: 'Play' }).waitFor(); // back to "Play" once finished
  const late = await canvas.screenshot();
  assert.notDeepEqual(early, late);
  await page.getByRole('slider', { name: 'Round' }).fill(String(Math.floor(last / 2)));
  await page.screenshot({ path: path.join(outputDir, 'graph.png'), fullPage: true });
  // The simulation panel alone, mid-run with the round's messages fresh (the README's picture).
  await page.getByRole('slider', { name: 'Round' }).fill(String(Math.floor(last / 2) + 1));
  await page.locator('section.panel').first().screenshot({ path: path.join(outputDir, 'playground-panel.png') });

  // Too many nodes to draw: the page draws a sample, says so, and still charts every node.
  await page.getByLabel('Nodes', { exact: true }).fill('200000');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#graph-note', { hasText: 'draws 100,000 of the 200,000 nodes' }).waitFor({ timeout: 60_000 });
  assert.match(await canvas.getAttribute('aria-label'), /Network of 100000 nodes/);
  assert.equal(await page.locator('#sir-chart').count(), 1);
  assert.deepEqual(errors, []);
});

test('presets run with one click and explain themselves', async () => {
  const { page, errors } = await openPage(shared.browser, shared.relay.url);
  await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'A partition that heals' }).click();
  await page.locator('#sim-result.done', { hasText: '200 nodes, push-pull rumor mongering' }).waitFor({ timeout: 30_000 });
  assert.match(await page.locator('#preset-explanation').textContent(), /partition heals at round 15/);
  assert.equal(await page.getByRole('button', { name: 'A partition that heals' }).getAttribute('aria-pressed'), 'true');
  assert.match(await page.locator('#sim-result').textContent(), /every node knew by round \d+/);
  await page.getByRole('slider', { name: 'Round' }).fill('10');
  // Mid-partition: at most the origin's half knows.
  const midway = await page.locator('canvas#graph').getAttribute('aria-label');
  assert.ok(Number(/after round 10: (\d+) susceptible/.exec(midway)[1]) >= 100, midway);
  await page.screenshot({ path: path.join(outputDir, 'preset-partition.png'), fullPage: true });

  await page.getByRole('button', { name: 'Push-pull: the best of both' }).click();
  await page.locator('#preset-explanation', { hasText: 'Karp' }).waitFor({ timeout: 30_000 });
  assert.deepEqual(errors, []);
});

test('the graph zooms, tells a node\'s state, and crashes a clicked node', async () => {
  const { page, errors } = await openPage(shared.browser, shared.relay.url);
  await page.getByRole('button', { name: '16 nodes, fanout 3' }).click();
  await page.locator('#sim-result.done', { hasText: '16 nodes' }).waitFor({ timeout: 30_000 });
  const canvas = page.locator('canvas#graph');
  await page.getByRole('slider', { name: 'Round' }).fill('1');
  // Node 0 sits at the top of the circle (the layout's first position, 12 px down of 480).
  const box = await canvas.boundingBox();
  const top = { x: box.width / 2, y: box.height * (12 / 480) };
  await canvas.hover({ position: top });
  await page.locator('#node-info', { hasText: 'Node 0 after round 1' }).waitFor();
  assert.match(await page.locator('#node-info').textContent(), /the origin/);

  await page.waitForTimeout(800); // the round's messages have faded to their trace
  const before = await canvas.screenshot();
  await page.getByRole('button', { name: 'Zoom in' }).click();
  assert.notDeepEqual(await canvas.screenshot(), before, 'zooming redraws');
  await page.getByRole('button', { name: 'Reset view' }).click();

  await canvas.click({ position: top });
  const crash = page.getByRole('button', { name: 'Crash node 0 from round 2 and rerun' });
  await crash.click();
  await page.locator('#sim-result.done', { hasText: '1 scheduled faults' }).waitFor({ timeout: 30_000 });
  assert.match(decodeURIComponent(page.url()), /#s=v1\./, 'the crash is part of the shared scenario');
  await page.screenshot({ path: path.join(outputDir, 'crash-node.png'), fullPage: true });

  // The keyboard reaches the same: focus the graph, arrows select, Escape lets go.
  await canvas.focus();
  await page.keyboard.press('ArrowLeft');
  await page.locator('#node-info', { hasText: /^Node 15 after round/ }).waitFor();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.locator('#node-info', { hasText: /^Node 1 after round/ }).waitFor();
  await page.getByRole('button', { name: /Crash node 1 from round/ }).waitFor();
  await page.keyboard.press('Escape');
  assert.equal(await page.getByRole('button', { name: /Crash node 1 from round/ }).count(), 0);

  // Node 8 sits at the bottom of the circle: write the value there instead.
  const bottom = { x: box.width / 2, y: box.height * (1 - 12 / 480) };
  await canvas.click({ position: bottom });
  await page.getByRole('button', { name: 'Start the rumor at node 8 and rerun' }).click();
  await page.locator('#sim-result.done', { hasText: 'starting at node 8' }).waitFor({ timeout: 30_000 });
  await page.getByRole('slider', { name: 'Round' }).fill('0');
  await canvas.hover({ position: bottom });
  await page.locator('#node-info', { hasText: 'Node 8 after round 0' }).waitFor();
  assert.match(await page.locator('#node-info').textContent(), /infective.*the origin/);
  assert.deepEqual(errors, []);
});

test('a long run shows its progress and can be cancelled, then run again', async () => {
  const { page, errors } = await openPage(shared.browser, shared.relay.url);
  await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
  await page.getByLabel('Nodes', { exact: true }).fill('1000000');
  // 90% of messages lost: about ten times the rounds, so that the run (under a second without
  // loss) is still going when Cancel is clicked after the screenshot below.
  await page.getByLabel('Loss %').fill('90');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  // The worker reports every 50 ms of work: the round reached and the share informed.
  const status = page.locator('#sim-result.pending', { hasText: /Running 1000000 nodes.*: round \d+: [\d.]+% informed\./ });
  await status.waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('#run-progress').count(), 1);
  await page.screenshot({ path: path.join(outputDir, 'run-progress.png') });
  await page.getByRole('button', { name: 'Cancel the run' }).click();
  await page.locator('#sim-result.error', { hasText: 'Cancelled the run of 1000000 nodes' }).waitFor({ timeout: 10_000 });
  // Nothing of the cancelled run arrives later.
  await page.waitForTimeout(2_000);
  assert.equal(await page.locator('#sim-result.done').count(), 0);
  // Run starts the same experiment again, and this time it ends.
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const started = Date.now();
  await page.locator('#sim-result.done', { hasText: '1000000 nodes' }).waitFor({ timeout: 120_000 });
  console.log(`the 1,000,000-node run with 90% loss ended ${Date.now() - started} ms after Run`);
  assert.deepEqual(errors, []);
});

test('on a dark system theme, a preset and a run work from the keyboard alone', async () => {
  const { page, errors } = await openPage(shared.browser, shared.relay.url, { colorScheme: 'dark' });
  await page.locator('#sim-result.done').waitFor({ timeout: 30_000 });
  // The page follows the system: dark background, light text.
  const luminance = (rgb) => {
    const [r, g, b] = /rgba?\((\d+), (\d+), (\d+)/.exec(rgb).slice(1).map(Number);
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
  };
  const [background, text] = await page.evaluate(() => {
    const style = getComputedStyle(document.documentElement);
    return [style.backgroundColor, style.color];
  });
  assert.ok(luminance(background) < 0.15 && luminance(text) > 0.8, `${background} on ${text}`);

  // Tab from the top of the page to the pull-mongering preset and press Enter.
  let focused = '';
  for (let presses = 0; presses < 40 && !focused.startsWith('Pull mongering'); presses += 1) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => document.activeElement.textContent ?? '');
  }
  assert.match(focused, /^Pull mongering/, 'the preset is reachable with Tab');
  await page.keyboard.press('Enter');
  const result = page.locator('#sim-result.done', { hasText: '1000 nodes, pull rumor mongering (counter k=1' });
  await result.waitFor({ timeout: 30_000 });
  assert.match(await result.textContent(), /seed 3:/);

  // The graph is drawn in the dark palette: removed nodes in the dark theme's grey (#9a9aab),
  // none in the light theme's (#8a8a99). The graph draws the run in animation frames after the
  // result is shown (on a loaded machine the removed nodes can come a few frames later), so the
  // pixels are read until removed nodes show, for up to 10 s.
  const removedPixels = () => page.evaluate(() => {
    // Copied onto a 2D canvas, whichever context (WebGL2 or 2D) drew the graph.
    const graph = document.getElementById('graph');
    const canvas = document.createElement('canvas');
    [canvas.width, canvas.height] = [graph.width, graph.height];
    const context = canvas.getContext('2d');
    context.drawImage(graph, 0, 0);
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    const near = (i, [r, g, b]) => Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 6;
    let dark = 0; let light = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (near(i, [154, 154, 171])) dark += 1;
      if (near(i, [138, 138, 153])) light += 1;
    }
    return { dark, light };
  });
  let counts = await removedPixels();
  for (const until = Date.now() + 10_000; counts.dark <= 500 && Date.now() < until;) {
    await page.waitForTimeout(100);
    counts = await removedPixels();
  }
  assert.ok(counts.dark > 500 && counts.light < counts.dark / 20, JSON.stringify(counts));

  // Change the seed and run, with the keyboard only: type, Tab to Run, Enter.
  await page.locator('#seed').focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('9');
  for (let presses = 0; presses < 5 && focused !== 'run'; presses += 1) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => document.activeElement.id);
  }
  assert.equal(focused, 'run', 'Run follows the form in tab order');
  await page.keyboard.press('Enter');
  await page.locator('#sim-result.done', { hasText: 'seed 9:' }).waitFor({ timeout: 30_000 });
  assert.match(page.url(), /#s=v1\./, 'the run is in the address');
  await page.screenshot({ path: path.join(outputDir, 'dark.png'), fullPage: false });
  assert.deepEqual(errors, []);
});

test('the graph draws with WebGL2, and on Canvas 2D where WebGL2 is missing, with the same clicks', async () => {
  for (const renderer of ['webgl2', 'canvas2d']) {
    const page = await shared.browser.newPage({ viewport: { width: 1100, height: 800 } });
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
    if (renderer === 'canvas2d') {
      // A browser without WebGL2: the page must fall back, not fail.
      await page.addInitScript(() => {
        const getContext = HTMLCanvasElement.prototype.getContext;
        HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
          return kind === 'webgl2' ? null : getContext.call(this, kind, ...rest);
        };
      });
    }
    await page.goto(shared.relay.url);
    await page.getByRole('button', { name: '16 nodes, fanout 3' }).click();
    await page.locator('#sim-result.done', { hasText: '16 nodes' }).waitFor({ timeout: 30_000 });
    const canvas = page.locator('canvas#graph');
    await page.getByRole('slider', { name: 'Round' }).fill('1');
    assert.equal(await canvas.getAttribute('data-renderer'), renderer);
    await page.waitForTimeout(800); // the round's messages have faded to their trace
    await canvas.screenshot({ path: path.join(outputDir, `graph-16-${renderer}.png`) });
    // Node 0 sits at the top of the circle (12 px down of 480): pointed at, then clicked.
    const box = await canvas.boundingBox();
    const top = { x: box.width / 2, y: box.height * (12 / 480) };
    await canvas.hover({ position: top });
    await page.locator('#node-info', { hasText: 'Node 0 after round 1' }).waitFor();
    await canvas.click({ position: top });
    await page.getByRole('button', { name: 'Crash node 0 from round 2 and rerun' }).click();
    await page.locator('#sim-result.done', { hasText: '1 scheduled faults' }).waitFor({ timeout: 30_000 });
    await page.getByRole('slider', { name: 'Round' }).fill('3');
    await page.waitForTimeout(800);
    await canvas.screenshot({ path: path.join(outputDir, `graph-16-crashed-${renderer}.png`) });
    assert.deepEqual(errors, []);
    await page.close();
  }
});
